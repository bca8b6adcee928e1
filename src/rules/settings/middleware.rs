//! DJS405 `security-middleware-missing` (W001), DJS406 `clickjacking-middleware-missing` (W002),
//! DJS407 `csrf-middleware-missing` (W003) and DJS440 `middleware-order`.

use super::{Blame, Production, Settings, fixes};
use crate::analysis::{Edit, Fix, Severity};
use crate::project::Value;
use crate::project::eval::Setting;
use crate::rules::{Family, FixAvailability, Rule};

pub const SECURITY_MW: &str = "django.middleware.security.SecurityMiddleware";
pub const XFRAME_MW: &str = "django.middleware.clickjacking.XFrameOptionsMiddleware";
pub const CSRF_MW: &str = "django.middleware.csrf.CsrfViewMiddleware";
pub const SESSION_MW: &str = "django.contrib.sessions.middleware.SessionMiddleware";
pub const COMMON_MW: &str = "django.middleware.common.CommonMiddleware";
pub const AUTH_MW: &str = "django.contrib.auth.middleware.AuthenticationMiddleware";
const REMOTE_USER_MWS: &[&str] = &[
    "django.contrib.auth.middleware.RemoteUserMiddleware",
    "django.contrib.auth.middleware.PersistentRemoteUserMiddleware",
];

pub const SECURITY_MIDDLEWARE_MISSING: Rule = Rule {
    code: "DJS405",
    name: "security-middleware-missing",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "`SecurityMiddleware` is not in `MIDDLEWARE`: HSTS, SSL redirect, nosniff, Referrer-Policy and COOP settings have no effect.",
    django_checks: &["security.W001"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings whose `MIDDLEWARE` does not contain the exact path
`"django.middleware.security.SecurityMiddleware"` (Django's `security.W001`). A subclass or a
misspelt path does not count, as for Django. Reported on the `MIDDLEWARE` assignment, or at the top
of the module when `MIDDLEWARE` is not set at all.

## Why is this bad?
`SecurityMiddleware` is what applies `SECURE_HSTS_SECONDS`, `SECURE_SSL_REDIRECT`,
`SECURE_CONTENT_TYPE_NOSNIFF`, `SECURE_REFERRER_POLICY` and `SECURE_CROSS_ORIGIN_OPENER_POLICY`:
without it these settings are silently ignored. Like Django, djsec then skips the checks of those
settings: once the middleware is added, findings about them may appear.

## Example
```python
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
]
```

Use instead:
```python
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
]
```

## Fix
Inserts the middleware first in the `MIDDLEWARE` list, when the list is written in this file.

## Fix safety
Unsafe: the security settings start to take effect (an SSL redirect or HSTS policy that was inert
becomes active).

## References
- Django: [`SecurityMiddleware`](https://docs.djangoproject.com/en/stable/ref/middleware/#module-django.middleware.security)
"#,
};

pub const CLICKJACKING_MIDDLEWARE_MISSING: Rule = Rule {
    code: "DJS406",
    name: "clickjacking-middleware-missing",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "`XFrameOptionsMiddleware` is not in `MIDDLEWARE`: pages can be framed (clickjacking).",
    django_checks: &["security.W002"],
    peers: &["pycharm-security:DJG201"],
    docs: r#"
## What it does
Reports production settings whose `MIDDLEWARE` lacks
`"django.middleware.clickjacking.XFrameOptionsMiddleware"` (Django's `security.W002`).

## Why is this bad?
Without an `X-Frame-Options` header (or a CSP `frame-ancestors` directive), another site can load
your pages in an invisible frame and trick users into clicking buttons on them.

## Example
```python
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
```

Use instead:
```python
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
```

## Fix
Appends the middleware to the `MIDDLEWARE` list, when the list is written in this file.

## Fix safety
Unsafe: pages that are meant to be framed by other sites must then use `@xframe_options_exempt`.

## References
- Django: [Clickjacking protection](https://docs.djangoproject.com/en/stable/ref/clickjacking/)
- CWE-1021
"#,
};

pub const CSRF_MIDDLEWARE_MISSING: Rule = Rule {
    code: "DJS407",
    name: "csrf-middleware-missing",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "`CsrfViewMiddleware` is not in `MIDDLEWARE`: no CSRF protection.",
    django_checks: &["security.W003"],
    peers: &[
        "sonar:S4502",
        "codeql:py/csrf-protection-disabled",
        "pycharm-security:DJG200",
    ],
    docs: r#"
## What it does
Reports production settings whose `MIDDLEWARE` lacks `"django.middleware.csrf.CsrfViewMiddleware"`
(Django's `security.W003`).

## Why is this bad?
Without it, no view is protected against cross-site request forgery unless each one is decorated
with `@csrf_protect`: another site can make a logged-in user's browser submit forms to yours.

## Example
```python
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
```

Use instead:
```python
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
```

## Fix
Inserts the middleware where Django's default order puts it: before `AuthenticationMiddleware`,
else after `CommonMiddleware` / `SessionMiddleware` / `SecurityMiddleware`.

## Fix safety
Unsafe: POST forms and AJAX calls without a CSRF token start failing with 403 until they send one.

## References
- Django: [Cross Site Request Forgery protection](https://docs.djangoproject.com/en/stable/ref/csrf/)
- CWE-352
"#,
};

pub const MIDDLEWARE_ORDER: Rule = Rule {
    code: "DJS440",
    name: "middleware-order",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "Security middleware in the wrong place in `MIDDLEWARE`.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports, in production settings:
- `SecurityMiddleware` placed after one of Django's own middleware that can answer a request or
  replace a response by itself (`CommonMiddleware`'s redirects, the cache middleware's cached
  pages, `LocaleMiddleware`, the redirects and flatpages fallbacks): those responses skip the SSL
  redirect and security headers. It belongs at the top; third-party middleware that must come
  first, such as CORS or metrics, is allowed before it, and so are the Django middleware that
  only pass requests through (sessions, authentication, messages, CSRF, X-Frame-Options, GZip);
- `CsrfViewMiddleware` placed after `RemoteUserMiddleware` / `PersistentRemoteUserMiddleware` (they
  can log a user in and rotate the CSRF token before the check);
- `CsrfViewMiddleware` before `SessionMiddleware` when `CSRF_USE_SESSIONS = True` (the token is
  then read before the session exists).

## Why is this bad?
Middleware runs in order: a security layer placed too late is bypassed by what runs before it.

## Example
```python
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.security.SecurityMiddleware",
]
```

Use instead:
```python
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
```

## Fix
For `SecurityMiddleware` in a list written one entry per line, moves it to the top.

## Fix safety
Unsafe: middleware that ran before it now runs after it.

## References
- Django: [Middleware ordering](https://docs.djangoproject.com/en/stable/ref/middleware/#middleware-ordering)
"#,
};

/// The setting that holds the middleware: `MIDDLEWARE`, or Django 1.x's `MIDDLEWARE_CLASSES`
/// when the settings set only that one and the project targets a Django before 2.0 (or djsec
/// cannot tell which: then the settings' own choice says it). Django 2.0 and later ignore
/// `MIDDLEWARE_CLASSES`.
pub fn middleware_setting(settings: &Settings, production: &Production) -> &'static str {
    let only_classes = matches!(production.setting("MIDDLEWARE"), Setting::Default)
        && matches!(production.setting("MIDDLEWARE_CLASSES"), Setting::Set(_));
    if only_classes && !ignores_middleware_classes(settings) {
        "MIDDLEWARE_CLASSES"
    } else {
        "MIDDLEWARE"
    }
}

/// The project targets Django 2.0 or later (known from its requirements).
fn ignores_middleware_classes(settings: &Settings) -> bool {
    settings
        .checker
        .context
        .project
        .as_deref()
        .and_then(|i| i.django_version())
        .is_some_and(|v| !v.before(2, 0))
}

/// Whether the effective middleware setting contains the exact dotted path (`None` when
/// unknown).
pub fn has_middleware(settings: &Settings, production: &Production, path: &str) -> Option<bool> {
    production
        .value(middleware_setting(settings, production))?
        .contains_str(path)
}

pub fn check(settings: &mut Settings, production: &Production) {
    let name = middleware_setting(settings, production);
    // Django 2.0+ with only `MIDDLEWARE_CLASSES`: that list does nothing.
    let ignored = name == "MIDDLEWARE"
        && matches!(production.setting("MIDDLEWARE"), Setting::Default)
        && matches!(production.setting("MIDDLEWARE_CLASSES"), Setting::Set(_));
    let setting = production.setting(name);
    let binding = match setting {
        Setting::Unknown => return,
        Setting::Set(b) if b.value.is_unknown() => return,
        Setting::Set(b) => Some(b),
        Setting::Default => None,
    };
    let Some(value) = production.value(name) else {
        return;
    };
    // A string `MIDDLEWARE` makes Django test substrings: not modelled.
    let Some(items) = value.items() else {
        return;
    };
    let paths: Vec<Option<&str>> = items.iter().map(Value::as_str).collect();
    let position = |p: &str| paths.iter().position(|x| *x == Some(p));
    let missing = [
        (
            &SECURITY_MIDDLEWARE_MISSING,
            "security.W001",
            SECURITY_MW,
            "HSTS, SSL redirect, nosniff, Referrer-Policy and Cross-Origin-Opener-Policy settings have no effect",
        ),
        (
            &CLICKJACKING_MIDDLEWARE_MISSING,
            "security.W002",
            XFRAME_MW,
            "pages are served without an X-Frame-Options header (clickjacking)",
        ),
        (
            &CSRF_MIDDLEWARE_MISSING,
            "security.W003",
            CSRF_MW,
            "views get no CSRF protection",
        ),
    ];
    for (rule, id, path, consequence) in missing {
        if value.contains_str(path) != Some(false) {
            continue;
        }
        let index = match path {
            SECURITY_MW => 0,
            XFRAME_MW => items.len(),
            _ => position(AUTH_MW).unwrap_or_else(|| {
                [COMMON_MW, SESSION_MW, SECURITY_MW]
                    .iter()
                    .find_map(|p| position(p).map(|i| i + 1))
                    .unwrap_or(0)
            }),
        };
        let fix = binding
            .and_then(|_| fixes::insert_str_item(settings, &value, index, path))
            .map(|e| Fix::unsafe_(format!("Add {} to {name}", short(path)), vec![e]));
        let (blame, what) = match binding {
            Some(b) => (Blame::Assignment(b), format!("is not in `{name}`")),
            None if ignored => (
                Blame::Top,
                "is not in `MIDDLEWARE` (these settings set only `MIDDLEWARE_CLASSES`, which Django 2.0 and later ignore)".to_string(),
            ),
            None => (
                Blame::Top,
                format!("is not in `{name}` (not set in these production settings)"),
            ),
        };
        settings.report(
            production,
            rule.code,
            Some(id),
            blame,
            rule.severity,
            format!("`{}` {what}: {consequence}", short(path)),
            fix,
        );
    }
    order(settings, production, &value, &paths);
}

fn short(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Django middleware that neither answers a request by itself nor replaces the response:
/// `SecurityMiddleware` after them still redirects to HTTPS and adds its headers to every
/// response (a rejection from `process_view` goes back through it too).
const PASS_THROUGH: &[&str] = &[
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.auth.middleware.RemoteUserMiddleware",
    "django.contrib.auth.middleware.PersistentRemoteUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.gzip.GZipMiddleware",
];

fn order(settings: &mut Settings, production: &Production, value: &Value, paths: &[Option<&str>]) {
    let Some(items) = value.items() else {
        return;
    };
    let position = |p: &str| paths.iter().position(|x| *x == Some(p));
    if let Some(security) = position(SECURITY_MW) {
        let before = paths[..security]
            .iter()
            .flatten()
            .find(|p| p.starts_with("django.") && !PASS_THROUGH.contains(p));
        if let Some(before) = before {
            let item = items[security].clone();
            let fix = move_to_top(settings, value, &item)
                .map(|edits| Fix::unsafe_("Move SecurityMiddleware to the top", edits));
            settings.report(
                production,
                MIDDLEWARE_ORDER.code,
                None,
                Blame::Value(&item),
                MIDDLEWARE_ORDER.severity,
                format!(
                    "`SecurityMiddleware` comes after `{}`, which can answer a request or replace a response itself (without the SSL redirect and security headers): it should be at the top of `MIDDLEWARE`",
                    short(before)
                ),
                fix,
            );
        }
    }
    if let Some(csrf) = position(CSRF_MW) {
        let item = items[csrf].clone();
        if let Some(remote) = REMOTE_USER_MWS
            .iter()
            .find(|p| position(p).is_some_and(|i| i < csrf))
        {
            settings.report(
                production,
                MIDDLEWARE_ORDER.code,
                None,
                Blame::Value(&item),
                MIDDLEWARE_ORDER.severity,
                format!("`CsrfViewMiddleware` comes after `{}`, which can log users in and rotate the CSRF token first", short(remote)),
                None,
            );
        }
        let uses_sessions = production
            .value("CSRF_USE_SESSIONS")
            .and_then(|v| v.truthy())
            .unwrap_or(false);
        if uses_sessions && position(SESSION_MW).is_some_and(|i| i > csrf) {
            settings.report(
                production,
                MIDDLEWARE_ORDER.code,
                None,
                Blame::Value(&item),
                MIDDLEWARE_ORDER.severity,
                "`CsrfViewMiddleware` comes before `SessionMiddleware` while `CSRF_USE_SESSIONS` is true: the token is read before the session exists",
                None,
            );
        }
    }
}

/// Move an element on its own line to the top of a one-per-line list written in this file.
fn move_to_top(settings: &Settings, list: &Value, item: &Value) -> Option<Vec<Edit>> {
    let src = settings.source();
    let loc = item.loc.as_ref().filter(|l| l.file == settings.file)?;
    list.loc.as_ref().filter(|l| l.file == settings.file)?;
    let line_start = crate::semantic::node::line_start(src, loc.span.start);
    let line_end = src[loc.span.end..]
        .find('\n')
        .map(|i| loc.span.end + i + 1)?;
    let line = &src[line_start..line_end];
    let element = src.get(loc.span.clone())?;
    // The line must hold only this element and its comma.
    if line.trim().trim_end_matches(',').trim() != element {
        return None;
    }
    let insert = fixes::insert_item(settings, list, 0, element)?;
    Some(vec![insert, Edit::delete(line_start..line_end)])
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    const SEC: &str = "    \"django.middleware.security.SecurityMiddleware\",\n";
    const CSRF: &str = "    \"django.middleware.csrf.CsrfViewMiddleware\",\n";
    const XFRAME: &str = "    \"django.middleware.clickjacking.XFrameOptionsMiddleware\",\n";

    fn only(src: &str, codes: &[&str]) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at(src)
            .into_iter()
            .filter(|f| codes.contains(&f.0))
            .collect()
    }

    #[test]
    fn missing_middleware_on_the_assignment() {
        let src = secure_with(SEC, "");
        assert_eq!(only(&src, &["DJS405"]), vec![("DJS405", 12, 1, "warning")]);
        // Without SecurityMiddleware, Django skips the checks of the settings it would apply;
        // djsec mirrors that.
        let src = secure_with(SEC, "").replace("SECURE_SSL_REDIRECT = True\n", "");
        assert!(!codes(&src).contains(&"DJS412"));
        assert_eq!(
            only(&secure_with(CSRF, ""), &["DJS407"]),
            vec![("DJS407", 12, 1, "warning")]
        );
        assert_eq!(
            only(&secure_with(XFRAME, ""), &["DJS406"]),
            vec![("DJS406", 12, 1, "warning")]
        );
        assert!(only(SECURE, &["DJS405", "DJS406", "DJS407", "DJS440"]).is_empty());
    }

    #[test]
    fn lookalikes_tuples_and_unknowns() {
        let src = secure_with(SEC, "    \"myproject.middleware.SecurityMiddleware\",\n");
        assert_eq!(only(&src, &["DJS405"]).len(), 1);
        let tuple = "MIDDLEWARE = ('django.middleware.security.SecurityMiddleware', 'django.middleware.csrf.CsrfViewMiddleware', 'django.middleware.clickjacking.XFrameOptionsMiddleware')\n";
        assert!(only(tuple, &["DJS405", "DJS406", "DJS407"]).is_empty());
        assert!(
            only(
                "MIDDLEWARE = load_middleware()\n",
                &["DJS405", "DJS406", "DJS407"]
            )
            .is_empty()
        );
        assert!(
            only(
                "MIDDLEWARE = 'django.middleware.security.SecurityMiddleware'\n",
                &["DJS405", "DJS406", "DJS407"]
            )
            .is_empty()
        );
        // Unset: Django's default `[]`, reported at the top.
        assert_eq!(
            only("DEBUG = False\n", &["DJS405", "DJS406", "DJS407"]),
            vec![
                ("DJS405", 1, 1, "warning"),
                ("DJS406", 1, 1, "warning"),
                ("DJS407", 1, 1, "warning")
            ]
        );
    }

    #[test]
    fn fixes_insert_at_the_right_place() {
        let src = "MIDDLEWARE = [\n    'django.contrib.sessions.middleware.SessionMiddleware',\n    'django.middleware.common.CommonMiddleware',\n    'django.contrib.auth.middleware.AuthenticationMiddleware',\n]\n";
        let fixed = assert_fix(src, "DJS407");
        assert_eq!(
            fixed,
            "MIDDLEWARE = [\n    'django.contrib.sessions.middleware.SessionMiddleware',\n    'django.middleware.common.CommonMiddleware',\n    'django.middleware.csrf.CsrfViewMiddleware',\n    'django.contrib.auth.middleware.AuthenticationMiddleware',\n]\n"
        );
        let fixed = assert_fix(&fixed, "DJS405");
        assert!(fixed.starts_with("MIDDLEWARE = [\n    'django.middleware.security.SecurityMiddleware',\n    'django.contrib.sessions"), "{fixed}");
        let fixed = assert_fix(&fixed, "DJS406");
        assert!(fixed.ends_with("    'django.contrib.auth.middleware.AuthenticationMiddleware',\n    'django.middleware.clickjacking.XFrameOptionsMiddleware',\n]\n"), "{fixed}");
        let one_line = "MIDDLEWARE = ['django.middleware.common.CommonMiddleware']\n";
        assert_eq!(
            assert_fix(one_line, "DJS406"),
            "MIDDLEWARE = ['django.middleware.common.CommonMiddleware', 'django.middleware.clickjacking.XFrameOptionsMiddleware']\n"
        );
        assert_eq!(fix_applicability(one_line, "DJS405"), vec!["unsafe"]);
        assert_eq!(fix_applicability("DEBUG = False\n", "DJS405"), vec!["none"]);
    }

    #[test]
    fn order() {
        let src = secure_with(SEC, "").replace(
            "    \"django.middleware.common.CommonMiddleware\",\n",
            &format!("    \"django.middleware.common.CommonMiddleware\",\n{SEC}"),
        );
        assert_eq!(only(&src, &["DJS440"]), vec![("DJS440", 15, 5, "warning")]);
        let fixed = assert_fix(&src, "DJS440");
        assert_eq!(fixed, SECURE);
        let cors_first = secure_with(
            SEC,
            &format!("    \"corsheaders.middleware.CorsMiddleware\",\n{SEC}"),
        );
        assert!(only(&cors_first, &["DJS440"]).is_empty());
        // Seen in nautobot: only SessionMiddleware before it, which answers nothing itself.
        let session_first = secure_with(SEC, "").replace(
            "    \"django.contrib.sessions.middleware.SessionMiddleware\",\n",
            &format!("    \"django.contrib.sessions.middleware.SessionMiddleware\",\n{SEC}"),
        );
        assert!(only(&session_first, &["DJS440"]).is_empty());
        let cache_first = secure_with(
            SEC,
            &format!("    \"django.middleware.cache.FetchFromCacheMiddleware\",\n{SEC}"),
        );
        assert_eq!(only(&cache_first, &["DJS440"]).len(), 1);
        let remote = secure_with(CSRF, "").replace(
            "    \"django.contrib.auth.middleware.AuthenticationMiddleware\",\n",
            &format!("    \"django.contrib.auth.middleware.AuthenticationMiddleware\",\n    \"django.contrib.auth.middleware.RemoteUserMiddleware\",\n{CSRF}"),
        );
        assert_eq!(
            only(&remote, &["DJS440"]),
            vec![("DJS440", 18, 5, "warning")]
        );
        let sessions = secure_plus("CSRF_USE_SESSIONS = True\n")
            .replace(
                "    \"django.contrib.sessions.middleware.SessionMiddleware\",\n",
                "",
            )
            .replace(
                CSRF,
                &format!("{CSRF}    \"django.contrib.sessions.middleware.SessionMiddleware\",\n"),
            );
        assert_eq!(only(&sessions, &["DJS440"]).len(), 1);
    }

    /// A Django 1.x settings module: `MIDDLEWARE_CLASSES` is the middleware list.
    const DJANGO_1: &str = "DEBUG = False\nSECRET_KEY = os.environ['SECRET_KEY']\nALLOWED_HOSTS = ['example.com']\nINSTALLED_APPS = ('django.contrib.sessions',)\nMIDDLEWARE_CLASSES = (\n    'django.middleware.security.SecurityMiddleware',\n    'django.contrib.sessions.middleware.SessionMiddleware',\n    'django.middleware.csrf.CsrfViewMiddleware',\n    'django.middleware.clickjacking.XFrameOptionsMiddleware',\n)\nSESSION_COOKIE_HTTPONLY = False\nCSRF_COOKIE_SECURE = False\n";

    #[test]
    fn django_1_reads_middleware_classes() {
        // The middleware is there: no DJS405-407; the session and CSRF cookie checks, which
        // need to know the middleware, speak.
        let found = codes(DJANGO_1);
        for missing in ["DJS405", "DJS406", "DJS407"] {
            assert!(!found.contains(&missing), "{missing}: {found:?}");
        }
        for cookie in ["DJS417", "DJS418", "DJS419"] {
            let rule = crate::rules::by_code(cookie).map(|r| r.name);
            assert!(
                found.contains(&cookie),
                "{cookie} ({rule:?}) expected: {found:?}"
            );
        }
        let message = with_code(DJANGO_1, "DJS419")
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_default();
        assert!(!message.is_empty());
    }

    #[test]
    fn django_2_and_later_ignore_middleware_classes() {
        let files = [
            ("requirements.txt", "Django==3.2.25\n"),
            ("mysite/settings.py", DJANGO_1),
        ];
        let found: Vec<_> = codes_in(&files, "mysite/settings.py")
            .into_iter()
            .filter(|f| f.0 == "DJS407")
            .collect();
        assert_eq!(found, vec![("DJS407", 1, 1, "warning")]);
        let message = project_findings(&files, "mysite/settings.py")
            .into_iter()
            .find(|f| f.code == "DJS407")
            .map(|f| f.message)
            .unwrap_or_default();
        assert!(message.contains("Django 2.0 and later ignore"), "{message}");
        // The same settings with Django 1.11 pinned: the list is read.
        let files = [
            ("requirements.txt", "Django==1.11.29\n"),
            ("mysite/settings.py", DJANGO_1),
        ];
        assert!(
            codes_in(&files, "mysite/settings.py")
                .iter()
                .all(|f| f.0 != "DJS407")
        );
    }
}
