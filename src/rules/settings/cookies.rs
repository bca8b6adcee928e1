//! DJS417 `csrf-cookie-not-secure` (W016), DJS418 `session-cookie-not-secure` (W010/W011/W012),
//! DJS419 `session-cookie-not-httponly` (W013/W014/W015), DJS437 `samesite-none-without-secure`,
//! DJS438 `pickle-session-serializer`.

use super::https::{report_setting, set_value_fix};
use super::middleware::{CSRF_MW, SESSION_MW};
use super::{Blame, Production, Settings};
use crate::analysis::Severity;
use crate::project::{Kind, Value};
use crate::rules::{Family, FixAvailability, Rule};

pub const CSRF_COOKIE_NOT_SECURE: Rule = Rule {
    code: "DJS417",
    name: "csrf-cookie-not-secure",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`CsrfViewMiddleware` is on but `CSRF_COOKIE_SECURE` is not `True`.",
    django_checks: &["security.W016"],
    peers: &["bearer:python_django_insecure_cookie"],
    docs: r#"
## What it does
Reports production settings with `CsrfViewMiddleware`, `CSRF_USE_SESSIONS` false, and a
`CSRF_COOKIE_SECURE` that is not exactly `True` (default `False`), like Django's `security.W016`.

## Why is this bad?
The CSRF cookie is then also sent over plain HTTP, where a network attacker can read it (and, with
it, forge requests a victim's browser will accept).

## Example
```python
CSRF_COOKIE_SECURE = False
```

Use instead:
```python
CSRF_COOKIE_SECURE = True
```

## Fix
Sets the value to `True`; when it is missing, appends the production HTTPS block.

## Fix safety
Unsafe: a site also served over plain HTTP loses CSRF cookies there (forms fail).

## References
- Django: [`CSRF_COOKIE_SECURE`](https://docs.djangoproject.com/en/stable/ref/settings/#csrf-cookie-secure)
"#,
};

pub const SESSION_COOKIE_NOT_SECURE: Rule = Rule {
    code: "DJS418",
    name: "session-cookie-not-secure",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "Sessions are used but `SESSION_COOKIE_SECURE` is not `True`.",
    django_checks: &["security.W010", "security.W011", "security.W012"],
    peers: &["pixee:django-session-cookie-secure-off"],
    docs: r#"
## What it does
Reports production settings that use sessions — `"django.contrib.sessions"` in `INSTALLED_APPS`
(Django's `security.W010`), `SessionMiddleware` in `MIDDLEWARE` (`security.W011`), or both
(`security.W012`) — while `SESSION_COOKIE_SECURE` is not exactly `True` (default `False`). Each
finding names the exact Django id.

## Why is this bad?
The session cookie is then also sent over plain HTTP: anyone on the network path can steal it and
take over the session.

## Example
```python
SESSION_COOKIE_SECURE = False
```

Use instead:
```python
SESSION_COOKIE_SECURE = True
```

## Fix
Sets the value to `True`; when it is missing, appends the production HTTPS block.

## Fix safety
Unsafe: a site also served over plain HTTP loses its sessions there.

## References
- Django: [`SESSION_COOKIE_SECURE`](https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-secure)
- CWE-614
"#,
};

pub const SESSION_COOKIE_NOT_HTTPONLY: Rule = Rule {
    code: "DJS419",
    name: "session-cookie-not-httponly",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "Sessions are used but `SESSION_COOKIE_HTTPONLY` is not `True`.",
    django_checks: &["security.W013", "security.W014", "security.W015"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings that use sessions (the app: `security.W013`, the middleware:
`security.W014`, both: `security.W015`) while `SESSION_COOKIE_HTTPONLY` is set to anything but
exactly `True` (the default is `True`).

## Why is this bad?
Scripts in the page can then read the session cookie: any XSS becomes a session takeover.

## Example
```python
SESSION_COOKIE_HTTPONLY = False
```

Use instead:
```python
SESSION_COOKIE_HTTPONLY = True
```

## Fix
Sets the value to `True`.

## Fix safety
Safe unless front-end code reads the session cookie, which it should not.

## References
- Django: [`SESSION_COOKIE_HTTPONLY`](https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-httponly)
- CWE-1004
"#,
};

pub const SAMESITE_NONE_WITHOUT_SECURE: Rule = Rule {
    code: "DJS437",
    name: "samesite-none-without-secure",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`SESSION_COOKIE_SAMESITE` / `CSRF_COOKIE_SAMESITE` is `None` while the cookie is not `Secure`.",
    django_checks: &[],
    peers: &["codeql:py/samesite-none-cookie"],
    docs: r#"
## What it does
Reports production settings where `SESSION_COOKIE_SAMESITE` (or `CSRF_COOKIE_SAMESITE`) is `None`
or `"None"` while the matching `*_COOKIE_SECURE` is not `True`.

## Why is this bad?
`SameSite=None` sends the cookie on every cross-site request, removing the browser's own CSRF
defence; without `Secure` it also travels over plain HTTP, and current browsers reject such a cookie
altogether, so logins silently break.

## Example
```python
SESSION_COOKIE_SAMESITE = None
```

Use instead:
```python
SESSION_COOKIE_SAMESITE = "Lax"
```

## Fix
Sets the value to `"Lax"`, Django's default. If the cookie really must be sent cross-site (an
embedded app), keep `None` and set the cookie's `Secure` setting to `True` instead.

## Fix safety
Unsafe: cross-site embeds that relied on the cookie stop receiving it.

## References
- Django: [`SESSION_COOKIE_SAMESITE`](https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-samesite)
"#,
};

pub const PICKLE_SESSION_SERIALIZER: Rule = Rule {
    code: "DJS438",
    name: "pickle-session-serializer",
    family: Family::Settings,
    severity: Severity::Error,
    fix: FixAvailability::Always,
    summary: "`SESSION_SERIALIZER` uses pickle: a leaked `SECRET_KEY` becomes remote code execution.",
    django_checks: &[],
    peers: &["bandit:B301"],
    docs: r#"
## What it does
Reports a production `SESSION_SERIALIZER` whose dotted path names a pickle serializer
(`django.contrib.sessions.serializers.PickleSerializer`, removed in Django 5.0, or any custom
`...PickleSerializer`).

## Why is this bad?
Session data is unpickled when read. With signed-cookie sessions (or any session store an attacker
can write to), whoever knows the `SECRET_KEY` can craft a session that runs code on the server.

## Example
```python
SESSION_SERIALIZER = "django.contrib.sessions.serializers.PickleSerializer"
```

Use instead:
```python
SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
```

## Fix
Sets the JSON serializer (Django's default).

## Fix safety
Unsafe: existing sessions can no longer be read (users are logged out), and session data must be
JSON-serialisable.

## References
- Django: [Session serialization](https://docs.djangoproject.com/en/stable/topics/http/sessions/#session-serialization)
- CWE-502
"#,
};

/// The Django id for a session-cookie check: app only, middleware only, both (None: neither).
fn session_id(app: bool, mw: bool, ids: [&'static str; 3]) -> Option<&'static str> {
    match (app, mw) {
        (true, false) => Some(ids[0]),
        (false, true) => Some(ids[1]),
        (true, true) => Some(ids[2]),
        (false, false) => None,
    }
}

pub fn check(settings: &mut Settings, production: &Production) {
    // W016
    if super::middleware::has_middleware(settings, production, CSRF_MW) == Some(true)
        && production
            .value("CSRF_USE_SESSIONS")
            .and_then(|v| v.truthy())
            == Some(false)
        && production
            .value("CSRF_COOKIE_SECURE")
            .as_ref()
            .and_then(Value::is_true)
            == Some(false)
    {
        report_setting(
            settings,
            production,
            &CSRF_COOKIE_NOT_SECURE,
            "security.W016",
            "CSRF_COOKIE_SECURE",
            "True",
            "the CSRF cookie is also sent over plain HTTP",
            false,
        );
    }
    // W010-W015
    if let (Some(app), Some(mw)) = (
        production.has_app("django.contrib.sessions"),
        super::middleware::has_middleware(settings, production, SESSION_MW),
    ) {
        if production
            .value("SESSION_COOKIE_SECURE")
            .as_ref()
            .and_then(Value::is_true)
            == Some(false)
            && let Some(id) =
                session_id(app, mw, ["security.W010", "security.W011", "security.W012"])
        {
            report_setting(
                settings,
                production,
                &SESSION_COOKIE_NOT_SECURE,
                id,
                "SESSION_COOKIE_SECURE",
                "True",
                "the session cookie is also sent over plain HTTP, where it can be stolen",
                false,
            );
        }
        if production
            .value("SESSION_COOKIE_HTTPONLY")
            .as_ref()
            .and_then(Value::is_true)
            == Some(false)
            && let Some(id) =
                session_id(app, mw, ["security.W013", "security.W014", "security.W015"])
        {
            report_setting(
                settings,
                production,
                &SESSION_COOKIE_NOT_HTTPONLY,
                id,
                "SESSION_COOKIE_HTTPONLY",
                "True",
                "scripts can read the session cookie (an XSS steals sessions)",
                true,
            );
        }
    }
    // SameSite=None without Secure.
    for (samesite, secure) in [
        ("SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE"),
        ("CSRF_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE"),
    ] {
        let Some(binding) = production.binding(samesite) else {
            continue;
        };
        let none = match &binding.value.kind {
            Kind::None => true,
            Kind::Str(s) => s.eq_ignore_ascii_case("none"),
            _ => false,
        };
        if !none || production.value(secure).as_ref().and_then(Value::is_true) != Some(false) {
            continue;
        }
        let value = binding.value.clone();
        let fix = set_value_fix(
            settings,
            &value,
            "\"Lax\"",
            &format!("Set {samesite} to \"Lax\""),
            false,
        );
        settings.report(
            production,
            SAMESITE_NONE_WITHOUT_SECURE.code,
            None,
            Blame::Assignment(binding),
            SAMESITE_NONE_WITHOUT_SECURE.severity,
            format!("`{samesite}` is {} but `{secure}` is not True: the cookie is sent cross-site and over HTTP, and browsers reject it", value.repr()),
            fix,
        );
    }
    // Pickle sessions.
    if let Some(binding) = production.binding("SESSION_SERIALIZER")
        && binding
            .value
            .as_str()
            .is_some_and(|s| s.to_ascii_lowercase().contains("pickle"))
    {
        let value = binding.value.clone();
        let fix = set_value_fix(
            settings,
            &value,
            "\"django.contrib.sessions.serializers.JSONSerializer\"",
            "Use the JSON session serializer",
            false,
        );
        settings.report(
            production,
            PICKLE_SESSION_SERIALIZER.code,
            None,
            Blame::Assignment(binding),
            PICKLE_SESSION_SERIALIZER.severity,
            "`SESSION_SERIALIZER` unpickles session data: anyone who learns the SECRET_KEY can run code on the server",
            fix,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn only(src: &str, code: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at(src).into_iter().filter(|f| f.0 == code).collect()
    }

    const SESSION_MW: &str = "    \"django.contrib.sessions.middleware.SessionMiddleware\",\n";
    const SESSION_APP: &str = "    \"django.contrib.sessions\",\n";

    fn django_id(src: &str, code: &str) -> Vec<String> {
        with_code(src, code)
            .into_iter()
            .map(|f| {
                f.message
                    .rsplit('[')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches(']')
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn csrf_cookie() {
        let src = secure_with("CSRF_COOKIE_SECURE = True\n", "CSRF_COOKIE_SECURE = 1\n");
        assert_eq!(only(&src, "DJS417"), vec![("DJS417", 32, 1, "warning")]);
        assert_eq!(
            only(&secure_with("CSRF_COOKIE_SECURE = True\n", ""), "DJS417"),
            vec![("DJS417", 1, 1, "warning")]
        );
        let sessions = secure_with("CSRF_COOKIE_SECURE = True\n", "CSRF_USE_SESSIONS = True\n");
        assert!(only(&sessions, "DJS417").is_empty());
    }

    #[test]
    fn session_cookie_ids_follow_app_and_middleware() {
        let off = secure_with(
            "SESSION_COOKIE_SECURE = True\n",
            "SESSION_COOKIE_SECURE = False\n",
        );
        assert_eq!(only(&off, "DJS418"), vec![("DJS418", 31, 1, "warning")]);
        assert_eq!(django_id(&off, "DJS418"), vec!["security.W012"]);
        assert_eq!(
            django_id(&off.replace(SESSION_MW, ""), "DJS418"),
            vec!["security.W010"]
        );
        assert_eq!(
            django_id(&off.replace(SESSION_APP, ""), "DJS418"),
            vec!["security.W011"]
        );
        assert!(
            django_id(
                &off.replace(SESSION_APP, "").replace(SESSION_MW, ""),
                "DJS418"
            )
            .is_empty()
        );
        let appconfig = off.replace(
            SESSION_APP,
            "    \"django.contrib.sessions.apps.SessionsConfig\",\n",
        );
        assert_eq!(django_id(&appconfig, "DJS418"), vec!["security.W011"]);
        let httponly = secure_plus("SESSION_COOKIE_HTTPONLY = 'yes'\n");
        assert_eq!(django_id(&httponly, "DJS419"), vec!["security.W015"]);
        assert_eq!(
            django_id(&httponly.replace(SESSION_MW, ""), "DJS419"),
            vec!["security.W013"]
        );
        assert_eq!(
            django_id(&httponly.replace(SESSION_APP, ""), "DJS419"),
            vec!["security.W014"]
        );
        let fixed = assert_fix(&httponly, "DJS419");
        assert!(fixed.ends_with("SESSION_COOKIE_HTTPONLY = True\n"));
    }

    #[test]
    fn samesite_none() {
        let src = secure_with(
            "SESSION_COOKIE_SECURE = True\n",
            "SESSION_COOKIE_SAMESITE = None\n",
        );
        assert_eq!(only(&src, "DJS437"), vec![("DJS437", 31, 1, "warning")]);
        let src = secure_plus("CSRF_COOKIE_SAMESITE = 'None'\n")
            .replace("CSRF_COOKIE_SECURE = True\n", "");
        assert_eq!(only(&src, "DJS437").len(), 1);
        assert!(only(&secure_plus("SESSION_COOKIE_SAMESITE = None\n"), "DJS437").is_empty());
        assert!(
            only(
                &secure_plus("SESSION_COOKIE_SAMESITE = 'Strict'\n"),
                "DJS437"
            )
            .is_empty()
        );
        let fixed = assert_fix(
            &secure_with(
                "SESSION_COOKIE_SECURE = True\n",
                "SESSION_COOKIE_SAMESITE = None\n",
            ),
            "DJS437",
        );
        assert!(fixed.contains("SESSION_COOKIE_SAMESITE = \"Lax\"\n"));
    }

    #[test]
    fn pickle() {
        let src = secure_plus(
            "SESSION_SERIALIZER = 'django.contrib.sessions.serializers.PickleSerializer'\n",
        );
        assert_eq!(only(&src, "DJS438"), vec![("DJS438", 33, 1, "error")]);
        assert!(
            only(
                &secure_plus(
                    "SESSION_SERIALIZER = 'django.contrib.sessions.serializers.JSONSerializer'\n"
                ),
                "DJS438"
            )
            .is_empty()
        );
        assert!(assert_fix(&src, "DJS438").ends_with(
            "SESSION_SERIALIZER = \"django.contrib.sessions.serializers.JSONSerializer\"\n"
        ));
    }
}
