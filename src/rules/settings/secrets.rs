//! DJS402 `weak-secret-key` (W009), DJS403 `weak-secret-key-fallback` (W025),
//! DJS430 `hardcoded-secret-key`, DJS431 `hardcoded-credential`.

use super::{Blame, Production, Settings, fixes};
use crate::analysis::{Fix, Severity};
use crate::project::eval::Setting;
use crate::project::{Kind, Value};
use crate::rules::{Family, FixAvailability, Rule};

pub const WEAK_SECRET_KEY: Rule = Rule {
    code: "DJS402",
    name: "weak-secret-key",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`SECRET_KEY` is missing, shorter than 50 characters, has fewer than 5 distinct characters, or starts with `django-insecure-`.",
    django_checks: &["security.W009"],
    peers: &["bandit:B105", "ruff:S105"],
    docs: r#"
## What it does
Applies Django's `security.W009` test to the effective `SECRET_KEY` of a production settings
module: it is reported when it is missing or empty, shorter than 50 characters, made of fewer than
5 distinct characters, or starts with `django-insecure-` (the prefix `startproject` gives generated
development keys). A key read from the environment is judged by its default:
`os.environ.get("SECRET_KEY", "dev")` is reported; `os.environ["SECRET_KEY"]` is not, and neither
is an empty default (`os.getenv("SECRET_KEY", "")`): a deployment that forgets the variable gets
an empty key, which Django refuses to use (`ImproperlyConfigured`), so it fails closed. (Django's
`check --deploy`, run without the variable, reports W009 there; djsec does not.)

## Why is this bad?
The secret key signs sessions, password-reset tokens, messages and anything using Django's signing.
Whoever knows or guesses it can forge them, and with a pickle-based serializer run code.

## Example
```python
SECRET_KEY = "django-insecure-k3y"
```

Use instead:
```python
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
```

## Fix
Replaces the value with a read of a required environment variable (no default: the application
refuses to start without it), using the environment API the module already uses; when the key is
missing from the whole chain, the same line is appended to the production module.

## Fix safety
Unsafe: the deployment must provide the variable, and a new key logs every user out.

## References
- Django: [`SECRET_KEY`](https://docs.djangoproject.com/en/stable/ref/settings/#secret-key), [deployment checklist](https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#secret-key)
- CWE-798, CWE-321
"#,
};

pub const WEAK_SECRET_KEY_FALLBACK: Rule = Rule {
    code: "DJS403",
    name: "weak-secret-key-fallback",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "An entry of `SECRET_KEY_FALLBACKS` fails Django's secret key strength test.",
    django_checks: &["security.W025"],
    peers: &[],
    docs: r#"
## What it does
Reports each entry of `SECRET_KEY_FALLBACKS` that is weak by the `SECRET_KEY` test of
`security.W025`: empty, shorter than 50 characters, fewer than 5 distinct characters, or prefixed
`django-insecure-`. Each weak entry is reported on its own element.

## Why is this bad?
Fallback keys still validate signatures: a weak old key lets an attacker forge sessions and tokens
exactly like a weak current key.

## Example
```python
SECRET_KEY_FALLBACKS = ["old-key"]
```

Use instead:
```python
SECRET_KEY_FALLBACKS = [os.environ["DJANGO_OLD_SECRET_KEY"]]
```

## Fix
Remove the weak entry once the sessions and tokens it signed have expired, or replace it. No
automatic fix: removing a fallback logs out the users it still authenticates.

## Fix safety
No fix is offered.

## References
- Django: [`SECRET_KEY_FALLBACKS`](https://docs.djangoproject.com/en/stable/ref/settings/#secret-key-fallbacks)
"#,
};

pub const HARDCODED_SECRET_KEY: Rule = Rule {
    code: "DJS430",
    name: "hardcoded-secret-key",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`SECRET_KEY` is written in the source (or is the default of an environment read).",
    django_checks: &[],
    peers: &["bandit:B105", "ruff:S105", "sonar:S6418"],
    docs: r#"
## What it does
Reports a production `SECRET_KEY` that is a string literal, or the literal default of an
environment read (`os.environ.get("SECRET_KEY", "...")`), when it passes Django's strength test
(a weak key is already reported by `weak-secret-key`, DJS402). Django does not check this at all.

## Why is this bad?
A key in the source is known to everyone who can read the repository, its history, its forks, CI
logs and built images. The key must live only in the deployment's environment or secret store.

## Example
```python
SECRET_KEY = "w6&x0p$c1f...(50 random characters)"
```

Use instead:
```python
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
```

## Fix
Replaces the value with a read of a required environment variable (the variable of the existing
environment read, or `DJANGO_SECRET_KEY`), with `import os` added when needed.

## Fix safety
Unsafe: the deployment must set the variable; rotate the key, since the old one is public.

## References
- Django: [`SECRET_KEY`](https://docs.djangoproject.com/en/stable/ref/settings/#secret-key)
- CWE-798 (use of hard-coded credentials)
"#,
};

pub const HARDCODED_CREDENTIAL: Rule = Rule {
    code: "DJS431",
    name: "hardcoded-credential",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A password, API key or token is written in the production settings.",
    django_checks: &[],
    peers: &["bandit:B105", "ruff:S105", "sonar:S2068", "sonar:S6418"],
    docs: r#"
## What it does
Reports non-empty string literals (also as defaults of environment reads) in production settings
that are credentials:
- `PASSWORD` (and `SECRET`, `TOKEN`, `API_KEY`, ...) entries of dictionaries such as `DATABASES`
  and `CACHES`;
- settings whose name ends in `_PASSWORD`, `_SECRET`, `_SECRET_KEY`, `_API_KEY`, `_TOKEN`,
  `_ACCESS_KEY` or `_PRIVATE_KEY` (`EMAIL_HOST_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, ...);
- URLs with a password in them (`redis://:secret@cache:6379/0`).

Empty strings, public keys (`STRIPE_PUBLISHABLE_KEY`, `RECAPTCHA_PUBLIC_KEY`), values read from
the environment without a default, URLs and absolute paths (`"/account/password/reset"`, a secret
file's path) and anything under a name that says URL (`HEADLESS_FRONTEND_URLS =
{"account_reset_password": ...}` holds routes) are not reported; a password inside a URL is.

## Why is this bad?
Credentials in the source are readable by everyone with access to the repository and its history;
they cannot be rotated without a code change and usually end up shared between environments.

## Example
```python
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "s3cret"}}
```

Use instead:
```python
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": os.environ["DB_PASSWORD"]}}
```

## Fix
Read the value from the environment or a secret store, then rotate the credential. No automatic
fix: the variable's name and how the deployment provides it are yours to choose.

## Fix safety
No fix is offered.

## References
- CWE-798 (use of hard-coded credentials)
- OWASP: Secrets Management Cheat Sheet
"#,
};

/// Why a secret key fails Django's W009 test, or `None` when it passes.
pub fn weakness(key: &str) -> Option<&'static str> {
    let chars = key.chars().count();
    let mut distinct: Vec<char> = key.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if key.is_empty() {
        Some("is empty")
    } else if key.starts_with("django-insecure-") {
        Some("starts with `django-insecure-` (a development key generated by startproject)")
    } else if chars < 50 {
        Some("has fewer than 50 characters")
    } else if distinct.len() < 5 {
        Some("has fewer than 5 distinct characters")
    } else {
        None
    }
}

/// The weakness of a key value by W009: falsy keys are missing; non-strings are out of scope.
fn value_weakness(value: &Value) -> Option<&'static str> {
    match &value.kind {
        Kind::Str(s) => weakness(s),
        _ if value.truthy() == Some(false) => Some("is empty"),
        _ => None,
    }
}

pub fn check(settings: &mut Settings, production: &Production) {
    secret_key(settings, production);
    fallbacks(settings, production);
    credentials(settings, production);
}

fn secret_key(settings: &mut Settings, production: &Production) {
    match production.setting("SECRET_KEY") {
        Setting::Unknown => {}
        Setting::Default => {
            let (expr, import) = fixes::env_required(settings, "DJANGO_SECRET_KEY");
            let mut edits = Vec::new();
            edits.extend(import);
            edits.push(fixes::append_block(
                settings,
                &format!("SECRET_KEY = {expr}\n"),
            ));
            settings.report(
                production,
                WEAK_SECRET_KEY.code,
                Some("security.W009"),
                Blame::Top,
                WEAK_SECRET_KEY.severity,
                "`SECRET_KEY` is not set in these production settings: Django will not start, or uses an empty key",
                Some(Fix::unsafe_("Read SECRET_KEY from the environment", edits)),
            );
        }
        Setting::Set(binding) => {
            let value = binding.value.clone();
            if value.is_unknown() {
                return;
            }
            let var = value
                .env
                .as_deref()
                .unwrap_or("DJANGO_SECRET_KEY")
                .to_string();
            let fix = {
                let (expr, import) = fixes::env_required(settings, &var);
                fixes::replace_value(settings, &value, &expr).map(|e| {
                    let mut edits = vec![e];
                    edits.extend(import);
                    Fix::unsafe_(
                        "Read SECRET_KEY from a required environment variable",
                        edits,
                    )
                })
            };
            match value_weakness(&value) {
                // `os.environ.get("SECRET_KEY", "")`: a deployment that forgets the variable
                // gets an empty key, and Django refuses to run with one (`ImproperlyConfigured`
                // as soon as the key is used): it fails closed, nothing to forge with.
                Some(_) if value.env.is_some() && value.truthy() == Some(false) => {}
                Some(why) => settings.report(
                    production,
                    WEAK_SECRET_KEY.code,
                    Some("security.W009"),
                    Blame::Assignment(binding),
                    WEAK_SECRET_KEY.severity,
                    format!("`SECRET_KEY` {why}{}", Settings::env_note(&value)),
                    fix,
                ),
                None if matches!(value.kind, Kind::Str(_)) => {
                    let message = if value.env.is_some() {
                        format!(
                            "`SECRET_KEY` falls back to a key written in the source when `{var}` is not set"
                        )
                    } else {
                        "`SECRET_KEY` is written in the source: anyone who can read the repository can forge sessions and tokens".to_string()
                    };
                    settings.report(
                        production,
                        HARDCODED_SECRET_KEY.code,
                        None,
                        Blame::Assignment(binding),
                        HARDCODED_SECRET_KEY.severity,
                        message,
                        fix,
                    );
                }
                None => {}
            }
        }
    }
}

fn fallbacks(settings: &mut Settings, production: &Production) {
    let Some(binding) = production.binding("SECRET_KEY_FALLBACKS") else {
        return;
    };
    let Some(items) = binding.value.items() else {
        return;
    };
    let items = items.to_vec();
    for (i, item) in items.iter().enumerate() {
        if item.is_unknown() {
            continue;
        }
        if let Some(why) = value_weakness(item) {
            settings.report(
                production,
                WEAK_SECRET_KEY_FALLBACK.code,
                Some("security.W025"),
                Blame::Value(item),
                WEAK_SECRET_KEY_FALLBACK.severity,
                format!("`SECRET_KEY_FALLBACKS[{i}]` {why}: it still validates signatures"),
                None,
            );
        }
    }
}

/// Setting-name suffixes that mean a secret.
const SECRET_SUFFIXES: &[&str] = &[
    "_PASSWORD",
    "_PASSWD",
    "_SECRET",
    "_SECRET_KEY",
    "_API_KEY",
    "_APIKEY",
    "_TOKEN",
    "_ACCESS_KEY",
    "_PRIVATE_KEY",
    "_AUTH_KEY",
];

/// Dictionary keys that mean a secret (compared upper-cased).
const SECRET_KEYS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "SECRET_KEY",
    "API_KEY",
    "TOKEN",
    "ACCESS_KEY",
    "PRIVATE_KEY",
];

fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    (SECRET_KEYS.contains(&upper.as_str()) || SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s)))
        && !upper.contains("PUBLIC")
        && !upper.contains("PUBLISHABLE")
}

/// Whether a name says its values are URLs: a word `URL`, `URLS` or `URI` (`LOGIN_URL`,
/// `HEADLESS_FRONTEND_URLS`, `redirect_uri`).
fn names_url(name: &str) -> bool {
    name.split(['_', '-', '.']).any(|w| {
        matches!(
            w.to_ascii_uppercase().as_str(),
            "URL" | "URLS" | "URI" | "URIS"
        )
    })
}

/// A URL (`https://...`, a password in it is reported separately) or an absolute URL path
/// (`/account/password/reset`): where a route, not a credential, is configured.
fn url_or_path(text: &str) -> bool {
    (text.starts_with('/') && !text.contains(char::is_whitespace))
        || text.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// A URL with a password: `scheme://user:password@host`.
fn url_with_password(text: &str) -> bool {
    let Some(at) = text.find("://") else {
        return false;
    };
    let rest = &text[at + 3..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return false;
    };
    let password = userinfo.split_once(':').map_or("", |(_, p)| p);
    !password.is_empty() && !password.starts_with('$') && !password.starts_with('{')
}

fn credentials(settings: &mut Settings, production: &Production) {
    let mut names: Vec<&String> = production.namespace.names.keys().collect();
    names.sort();
    let mut found: Vec<(Value, String)> = Vec::new();
    for name in names {
        if !crate::project::summary::is_setting_name(name) || name == "SECRET_KEY" {
            continue;
        }
        let Some(binding) = production.binding(name) else {
            continue;
        };
        // Values of the setting, with a path for the message, walked to a bounded depth; and
        // whether the value is a URL by its names (`HEADLESS_FRONTEND_URLS["..._password"]`).
        let mut stack: Vec<(&Value, String, bool, bool, u32)> = vec![(
            &binding.value,
            name.clone(),
            is_secret_name(name),
            names_url(name),
            0,
        )];
        while let Some((value, path, secret, url, depth)) = stack.pop() {
            match &value.kind {
                Kind::Str(s) if !s.is_empty() => {
                    if url_with_password(s) {
                        found.push((value.clone(), format!("`{path}` has a password in its URL")));
                    } else if secret && !url && !url_or_path(s) {
                        found.push((value.clone(), format!("`{path}` is written in the source")));
                    }
                }
                Kind::Dict(pairs) if depth < 6 => {
                    for (k, v) in pairs {
                        let key = k.as_str().unwrap_or("?");
                        stack.push((
                            v,
                            format!("{path}[{key:?}]"),
                            is_secret_name(key),
                            url || names_url(key),
                            depth + 1,
                        ));
                    }
                }
                Kind::List(items) | Kind::Tuple(items) if depth < 6 => {
                    for (i, v) in items.iter().enumerate() {
                        stack.push((v, format!("{path}[{i}]"), false, url, depth + 1));
                    }
                }
                _ => {}
            }
        }
    }
    found.sort_by_key(|(v, _)| v.loc.as_ref().map(|l| l.span.start));
    for (value, what) in found {
        let message = match &value.env {
            Some(var) => format!(
                "{what} as the default of the environment variable `{var}`: credentials belong in the environment only"
            ),
            None => format!("{what}: read credentials from the environment or a secret store"),
        };
        settings.report(
            production,
            HARDCODED_CREDENTIAL.code,
            None,
            Blame::Value(&value),
            HARDCODED_CREDENTIAL.severity,
            message,
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::weakness;

    const STRONG: &str = "k&r(2S7X2-Bl84P*tw1=K7eYm#dWH^315_r1parity-test-key-not-s";

    #[test]
    fn weakness_matches_django() {
        assert!(weakness(&STRONG[..49]).is_some());
        assert!(weakness(&STRONG[..50]).is_none());
        assert!(weakness(&"abcd".repeat(15)).is_some());
        assert!(weakness(&"abcde".repeat(12)).is_none());
        assert!(weakness(&format!("django-insecure-{STRONG}")).is_some());
        assert!(weakness(&format!("Django-Insecure-{STRONG}")).is_none());
        // Characters, not bytes.
        assert!(weakness(&"é".repeat(30)).is_some());
    }

    #[test]
    fn weak_missing_and_hardcoded_keys() {
        let weak = secure_with(
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n",
            "SECRET_KEY = 'django-insecure-abc'\n",
        );
        assert_eq!(
            codes_at(&weak)
                .into_iter()
                .filter(|f| f.0.starts_with("DJS4") && f.0 != "DJS441")
                .collect::<Vec<_>>(),
            vec![("DJS402", 3, 1, "warning")]
        );
        let missing = secure_with("SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n", "");
        assert_eq!(
            codes_at(&missing)
                .into_iter()
                .filter(|f| f.0 == "DJS402")
                .collect::<Vec<_>>(),
            vec![("DJS402", 1, 1, "warning")]
        );
        let strong = secure_with(
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n",
            &format!("SECRET_KEY = '{STRONG}'\n"),
        );
        assert_eq!(
            codes_at(&strong)
                .into_iter()
                .filter(|f| f.0 == "DJS430" || f.0 == "DJS402")
                .collect::<Vec<_>>(),
            vec![("DJS430", 3, 1, "warning")]
        );
        let env_default = secure_with(
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n",
            &format!("SECRET_KEY = os.environ.get('SECRET_KEY', '{STRONG}')\n"),
        );
        let found = with_code(&env_default, "DJS430");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`SECRET_KEY` is not set"),
            "{}",
            found[0].message
        );
        assert!(
            codes(SECURE)
                .iter()
                .all(|c| *c != "DJS402" && *c != "DJS430")
        );
        let unknown = secure_with(
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n",
            "SECRET_KEY = get_secret('k')\n",
        );
        assert!(
            codes(&unknown)
                .iter()
                .all(|c| *c != "DJS402" && *c != "DJS430")
        );
    }

    #[test]
    fn fixes_read_the_key_from_the_environment() {
        let src = "import os\nSECRET_KEY = 'changeme'\n";
        assert_eq!(
            assert_fix(src, "DJS402"),
            "import os\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n"
        );
        let src = format!("import os\nSECRET_KEY = os.getenv('MY_KEY', '{STRONG}')\n");
        assert_eq!(
            assert_fix(&src, "DJS430"),
            "import os\nSECRET_KEY = os.environ[\"MY_KEY\"]\n"
        );
        let src = "DEBUG = False\n";
        assert_eq!(
            assert_fix(src, "DJS402"),
            "import os\n\nDEBUG = False\n\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n"
        );
        assert_eq!(
            fix_applicability("SECRET_KEY = 'x'\n", "DJS402"),
            vec!["unsafe"]
        );
    }

    #[test]
    fn fallbacks_one_finding_per_weak_entry() {
        let src = secure_plus(&format!(
            "SECRET_KEY_FALLBACKS = [\n    '{STRONG}',\n    'short',\n    '',\n    read_key(),\n]\n"
        ));
        assert_eq!(
            codes_at(&src)
                .into_iter()
                .filter(|f| f.0 == "DJS403")
                .collect::<Vec<_>>(),
            vec![("DJS403", 35, 5, "warning"), ("DJS403", 36, 5, "warning")]
        );
        assert!(with_code(&secure_plus("SECRET_KEY_FALLBACKS = []\n"), "DJS403").is_empty());
    }

    #[test]
    fn credentials() {
        let src = secure_plus(
            "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n        'PASSWORD': 's3cret',\n        'USER': 'app',\n    },\n}\nEMAIL_HOST_PASSWORD = os.environ.get('EMAIL_PASSWORD', 'hunter2')\nCELERY_BROKER_URL = 'redis://:p4ss@cache:6379/0'\nSTRIPE_PUBLISHABLE_KEY = 'pk_live_x'\nAWS_SECRET_ACCESS_KEY = os.environ['AWS_SECRET']\nCACHE_PASSWORD = ''\n",
        );
        let found = codes_at(&src)
            .into_iter()
            .filter(|f| f.0 == "DJS431")
            .collect::<Vec<_>>();
        assert_eq!(
            found,
            vec![
                ("DJS431", 36, 21, "warning"),
                ("DJS431", 40, 23, "warning"),
                ("DJS431", 41, 21, "warning")
            ]
        );
        let messages: Vec<String> = with_code(&src, "DJS431")
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert!(messages[1].contains("EMAIL_PASSWORD"), "{messages:?}");
        assert!(messages[2].contains("password in its URL"), "{messages:?}");
    }

    /// Seen in nautobot: `SECRET_KEY = os.getenv("NAUTOBOT_SECRET_KEY", "")`. A deployment that
    /// forgets the variable runs with an empty key, which Django refuses (it fails closed). A
    /// constant empty key is still reported, as Django's W009 does.
    #[test]
    fn an_empty_environment_default_fails_closed() {
        for read in [
            "SECRET_KEY = os.getenv('NAUTOBOT_SECRET_KEY', '')\n",
            "SECRET_KEY = os.environ.get('SECRET_KEY', '')\n",
        ] {
            let src = secure_with("SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n", read);
            assert!(with_code(&src, "DJS402").is_empty(), "{read}");
            assert!(with_code(&src, "DJS430").is_empty(), "{read}");
        }
        let constant = secure_with(
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n",
            "SECRET_KEY = ''\n",
        );
        assert_eq!(
            codes_at(&constant)
                .into_iter()
                .filter(|f| f.0 == "DJS402")
                .collect::<Vec<_>>(),
            vec![("DJS402", 3, 1, "warning")]
        );
        let short = secure_with(
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n",
            "SECRET_KEY = os.getenv('SECRET_KEY', 'dev')\n",
        );
        assert_eq!(with_code(&short, "DJS402").len(), 1);
    }

    /// Seen in django-allauth's example: `HEADLESS_FRONTEND_URLS = {"account_reset_password":
    /// "/account/password/reset"}` names a route, not a credential.
    #[test]
    fn urls_and_url_paths_under_secret_names_are_not_credentials() {
        let src = secure_plus(
            "HEADLESS_FRONTEND_URLS = {\n    'account_reset_password': '/account/password/reset',\n    'account_reset_password_from_key': 'https://app.example/reset/{key}',\n}\nOIDC = {'client_secret': 'https://vault.example/v1/oidc'}\nPASSWORD_RESET_URLS = {'password': 'reset-password'}\nAPI_TOKEN = '/run/secrets/api_token'\n",
        );
        assert!(with_code(&src, "DJS431").is_empty());
        // Credentials still are, wherever they are: a password in a URL, a lower-case key.
        let src = secure_plus(
            "SERVICE_URLS = {'broker': 'amqp://user:hunter2@mq:5672/'}\nCACHES = {'default': {'OPTIONS': {'password': 'hunter2'}}}\nFTP_PASSWORD = 'hunter2'\n",
        );
        let found = with_code(&src, "DJS431");
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].message.contains("password in its URL"),
            "{found:?}"
        );
    }

    #[test]
    fn development_modules_stay_quiet() {
        let files = [
            (
                "mysite/settings/base.py",
                "DATABASES = {'default': {'PASSWORD': 'postgres'}}\nSECRET_KEY = 'dev'\n",
            ),
            ("mysite/settings/dev.py", "from .base import *\n"),
            ("mysite/settings/test.py", "from .base import *\n"),
        ];
        assert_eq!(codes_in(&files, "mysite/settings/base.py"), vec![]);
        assert_eq!(codes_in(&files, "mysite/settings/dev.py"), vec![]);
    }

    /// `try: from .local import *` of a file the project does not have (git-ignored, written at
    /// deployment) may set anything: nothing is reported as missing. A local module that is in
    /// the project is optional (the `except ImportError` path) and the check goes on.
    #[test]
    fn missing_optional_local_settings_make_values_unknown() {
        let prod = "from .base import *\nDEBUG = False\ntry:\n    from .local import *\nexcept ImportError:\n    pass\n";
        let files = [
            ("mysite/settings/base.py", "INSTALLED_APPS = []\n"),
            ("mysite/settings/production.py", prod),
        ];
        assert_eq!(codes_in(&files, "mysite/settings/production.py"), vec![]);
        let files = [
            ("mysite/settings/base.py", "INSTALLED_APPS = []\n"),
            ("mysite/settings/production.py", prod),
            ("mysite/settings/local.py", "DEBUG = True\n"),
        ];
        let found: Vec<&str> = codes_in(&files, "mysite/settings/production.py")
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert!(found.contains(&"DJS402"), "{found:?}");
    }
}
