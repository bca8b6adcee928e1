//! DJS433 `cors-allow-all` and DJS434 `csrf-trusted-origins-insecure`.

use super::https::set_value_fix;
use super::{Blame, Production, Settings};
use crate::analysis::Severity;
use crate::project::Value;
use crate::rules::{Family, FixAvailability, Rule};

pub const CORS_ALLOW_ALL: Rule = Rule {
    code: "DJS433",
    name: "cors-allow-all",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "django-cors-headers allows every origin (worse with credentials).",
    django_checks: &[],
    peers: &[
        "sonar:S5122",
        "bearer:python_django_permissive_allow_origin",
    ],
    docs: r#"
## What it does
Reports, in production settings, django-cors-headers configured to accept any origin:
`CORS_ALLOW_ALL_ORIGINS = True` (or its old name `CORS_ORIGIN_ALLOW_ALL`), and regular expressions
in `CORS_ALLOWED_ORIGIN_REGEXES` (old name `CORS_ORIGIN_REGEX_WHITELIST`) that match any origin
(`.*`, `^.*$`, `.+`, `^https?://.*$`). It is an **error** when `CORS_ALLOW_CREDENTIALS = True`
as well.

## Why is this bad?
Any website a user visits can then call your API from the user's browser and read the responses;
with credentials allowed, it does so with the user's cookies — every authenticated endpoint is
readable by every site.

## Example
```python
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
```

Use instead:
```python
CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
CORS_ALLOW_CREDENTIALS = True
```

## Fix
For `CORS_ALLOW_ALL_ORIGINS = True`, sets it to `False`; list the front-ends in
`CORS_ALLOWED_ORIGINS`.

## Fix safety
Unsafe: front-ends on other origins are blocked until they are listed.

## References
- django-cors-headers: [settings](https://github.com/adamchainz/django-cors-headers#configuration)
- CWE-942; PortSwigger: CORS misconfigurations
"#,
};

pub const CSRF_TRUSTED_ORIGINS_INSECURE: Rule = Rule {
    code: "DJS434",
    name: "csrf-trusted-origins-insecure",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "`CSRF_TRUSTED_ORIGINS` trusts plain-HTTP origins or over-broad wildcards.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports, in production `CSRF_TRUSTED_ORIGINS`, origins with the `http://` scheme (other than
`localhost` and `127.0.0.1`), and wildcards that cover whole top-level domains or everything
(`https://*`, `https://*.com`, `*`).

## Why is this bad?
A trusted origin may send unsafe (POST) requests that pass Django's CSRF origin check. A plain-HTTP
origin can be impersonated by anyone on the network; a broad wildcard trusts sites you do not
control.

## Example
```python
CSRF_TRUSTED_ORIGINS = ["http://example.com", "https://*.com"]
```

Use instead:
```python
CSRF_TRUSTED_ORIGINS = ["https://example.com", "https://*.example.com"]
```

## Fix
Use `https://` origins of domains you control. No automatic fix.

## Fix safety
No fix is offered.

## References
- Django: [`CSRF_TRUSTED_ORIGINS`](https://docs.djangoproject.com/en/stable/ref/settings/#csrf-trusted-origins)
"#,
};

fn matches_everything(regex: &str) -> bool {
    let core = regex.trim().trim_start_matches('^').trim_end_matches('$');
    let core = core
        .trim_start_matches("https?://")
        .trim_start_matches("http(s)?://")
        .trim_start_matches("(https?)://")
        .trim_start_matches("https?:\\/\\/")
        .trim_start_matches("(http|https)://");
    matches!(core, ".*" | ".+" | "" | "(.*)" | "(.+)" | "*")
}

fn origin_problem(origin: &str) -> Option<&'static str> {
    let origin = origin.trim();
    if origin == "*" {
        return Some("trusts every origin");
    }
    let (scheme, host) = origin.split_once("://")?;
    let host = host.split(['/', ':']).next().unwrap_or("");
    if scheme == "http" && !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        return Some("is a plain-HTTP origin (anyone on the network can impersonate it)");
    }
    if host == "*" {
        return Some("trusts every host");
    }
    if let Some(rest) = host.strip_prefix("*.")
        && !rest.contains('.')
    {
        return Some("trusts every domain under a top-level domain");
    }
    None
}

pub fn check(settings: &mut Settings, production: &Production) {
    let credentials = production
        .value("CORS_ALLOW_CREDENTIALS")
        .and_then(|v| v.truthy())
        .unwrap_or(false);
    let severity = if credentials {
        Severity::Error
    } else {
        CORS_ALLOW_ALL.severity
    };
    let with_credentials = if credentials {
        " with `CORS_ALLOW_CREDENTIALS`: any site can read authenticated responses"
    } else {
        ": any site can read the API's responses from a visitor's browser"
    };
    for name in ["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"] {
        if let Some(binding) = production.binding(name)
            && binding.value.truthy() == Some(true)
        {
            let value = binding.value.clone();
            let fix = set_value_fix(
                settings,
                &value,
                "False",
                &format!("Set {name} to False"),
                false,
            );
            settings.report(
                production,
                CORS_ALLOW_ALL.code,
                None,
                Blame::Assignment(binding),
                severity,
                format!("`{name}` allows every origin{with_credentials}"),
                fix,
            );
        }
    }
    for name in ["CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST"] {
        let Some(binding) = production.binding(name) else {
            continue;
        };
        let Some(items) = binding.value.items() else {
            continue;
        };
        let items = items.to_vec();
        for item in items
            .iter()
            .filter(|i| i.as_str().is_some_and(matches_everything))
        {
            let blame = if settings.is_here(item.loc.as_ref()) {
                Blame::Value(item)
            } else {
                Blame::Assignment(binding)
            };
            settings.report(
                production,
                CORS_ALLOW_ALL.code,
                None,
                blame,
                severity,
                format!(
                    "`{name}` entry {} matches every origin{with_credentials}",
                    item.repr()
                ),
                None,
            );
        }
    }
    if let Some(binding) = production.binding("CSRF_TRUSTED_ORIGINS")
        && let Some(items) = binding.value.items()
    {
        let items: Vec<Value> = items.to_vec();
        for item in &items {
            let Some(problem) = item.as_str().and_then(origin_problem) else {
                continue;
            };
            let blame = if settings.is_here(item.loc.as_ref()) {
                Blame::Value(item)
            } else {
                Blame::Assignment(binding)
            };
            settings.report(
                production,
                CSRF_TRUSTED_ORIGINS_INSECURE.code,
                None,
                blame,
                CSRF_TRUSTED_ORIGINS_INSECURE.severity,
                format!("`CSRF_TRUSTED_ORIGINS` entry {} {problem}", item.repr()),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::{matches_everything, origin_problem};

    fn only(src: &str, code: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at(src).into_iter().filter(|f| f.0 == code).collect()
    }

    #[test]
    fn allow_all() {
        assert_eq!(
            only(&secure_plus("CORS_ALLOW_ALL_ORIGINS = True\n"), "DJS433"),
            vec![("DJS433", 33, 1, "warning")]
        );
        assert_eq!(
            only(
                &secure_plus("CORS_ORIGIN_ALLOW_ALL = True\nCORS_ALLOW_CREDENTIALS = True\n"),
                "DJS433"
            ),
            vec![("DJS433", 33, 1, "error")]
        );
        assert_eq!(
            only(
                &secure_plus(
                    "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://\\w+\\.example\\.com$', r'^.*$']\n"
                ),
                "DJS433"
            ),
            vec![("DJS433", 33, 64, "warning")]
        );
        assert!(only(&secure_plus("CORS_ALLOW_ALL_ORIGINS = False\nCORS_ALLOWED_ORIGINS = ['https://a.example.com']\n"), "DJS433").is_empty());
        let fixed = assert_fix(&secure_plus("CORS_ALLOW_ALL_ORIGINS = True\n"), "DJS433");
        assert!(fixed.ends_with("CORS_ALLOW_ALL_ORIGINS = False\n"));
        assert!(matches_everything("^https?://.*$"));
        assert!(!matches_everything(r"^https://.*\.example\.com$"));
    }

    #[test]
    fn trusted_origins() {
        let src = secure_plus(
            "CSRF_TRUSTED_ORIGINS = ['https://example.com', 'http://example.com', 'https://*.com', 'http://localhost:8000', 'https://*.example.com']\n",
        );
        assert_eq!(
            only(&src, "DJS434"),
            vec![("DJS434", 33, 48, "warning"), ("DJS434", 33, 70, "warning")]
        );
        assert!(origin_problem("*").is_some());
        assert!(origin_problem("https://*").is_some());
    }
}
