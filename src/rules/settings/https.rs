//! DJS408 `hsts-not-enabled` (W004), DJS409 `hsts-subdomains-not-included` (W005),
//! DJS410 `hsts-preload-disabled` (W021), DJS411 `content-type-nosniff-disabled` (W006),
//! DJS412 `ssl-redirect-disabled` (W008), DJS439 `proxy-ssl-header-unusual`; and the
//! "production HTTPS settings" block the missing-setting fixes append.

use super::middleware::SECURITY_MW;
use super::{Blame, Production, Settings, fixes};
use crate::analysis::{Edit, Fix, Severity};
use crate::project::eval::Setting;
use crate::project::{Kind, Value};
use crate::rules::{Family, FixAvailability, Rule};

pub const HSTS_NOT_ENABLED: Rule = Rule {
    code: "DJS408",
    name: "hsts-not-enabled",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`SECURE_HSTS_SECONDS` is not set (or zero): no Strict-Transport-Security header.",
    django_checks: &["security.W004"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `SecurityMiddleware` whose `SECURE_HSTS_SECONDS` is falsy (unset,
`0`, `None`), like Django's `security.W004`. Reported on the assignment, or at the top of the
module when it is not set anywhere in the chain.

## Why is this bad?
Without HSTS a browser that types `example.com` or follows an `http://` link makes one plain-HTTP
request first, which an attacker on the network can intercept (SSL stripping).

## Example
```python
SECURE_HSTS_SECONDS = 0
```

Use instead:
```python
SECURE_HSTS_SECONDS = 31536000  # one year, after testing with a short value
```

## Fix
When the setting is missing, appends the block of production HTTPS settings that are missing
(`SECURE_SSL_REDIRECT`, `SECURE_HSTS_SECONDS = 31536000`, `SECURE_HSTS_INCLUDE_SUBDOMAINS`,
`SECURE_HSTS_PRELOAD`, `SESSION_COOKIE_SECURE`, `CSRF_COOKIE_SECURE`, all true); the same block is
offered as the source action "add production security settings". When it is set to a falsy value,
replaces the value with one year.

## Fix safety
Unsafe: browsers remember HSTS for the given time; a site (or subdomain) that cannot serve HTTPS
becomes unreachable for them. Start with a short value such as 3600.

## References
- Django: [HTTP Strict Transport Security](https://docs.djangoproject.com/en/stable/ref/middleware/#http-strict-transport-security)
- MDN: Strict-Transport-Security
"#,
};

pub const HSTS_SUBDOMAINS: Rule = Rule {
    code: "DJS409",
    name: "hsts-subdomains-not-included",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "HSTS is on but `SECURE_HSTS_INCLUDE_SUBDOMAINS` is not `True`.",
    django_checks: &["security.W005"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `SecurityMiddleware` and a truthy `SECURE_HSTS_SECONDS` whose
`SECURE_HSTS_INCLUDE_SUBDOMAINS` is not exactly `True` (`1` and `"True"` do not count), like
Django's `security.W005`.

## Why is this bad?
Subdomains stay reachable over plain HTTP; an attacker can use one to set cookies for the parent
domain or serve content users trust.

## Example
```python
SECURE_HSTS_SECONDS = 31536000
```

Use instead:
```python
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
```

## Fix
Sets the value to `True`, or appends the production HTTPS block when it is missing.

## Fix safety
Unsafe: every subdomain must serve HTTPS for as long as the policy lasts.

## References
- Django: [`SECURE_HSTS_INCLUDE_SUBDOMAINS`](https://docs.djangoproject.com/en/stable/ref/settings/#secure-hsts-include-subdomains)
"#,
};

pub const HSTS_PRELOAD: Rule = Rule {
    code: "DJS410",
    name: "hsts-preload-disabled",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "HSTS is on but `SECURE_HSTS_PRELOAD` is not `True`.",
    django_checks: &["security.W021"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `SecurityMiddleware` and a truthy `SECURE_HSTS_SECONDS` whose
`SECURE_HSTS_PRELOAD` is not exactly `True`, like Django's `security.W021`.

## Why is this bad?
Without the `preload` directive the site cannot be submitted to the browsers' HSTS preload list,
so the very first visit of each browser is still exposed to SSL stripping.

## Example
```python
SECURE_HSTS_PRELOAD = False
```

Use instead:
```python
SECURE_HSTS_PRELOAD = True
```

## Fix
Sets the value to `True`, or appends the production HTTPS block when it is missing.

## Fix safety
Unsafe: once submitted to the preload list, removal takes months; every subdomain must serve HTTPS.

## References
- Django: [`SECURE_HSTS_PRELOAD`](https://docs.djangoproject.com/en/stable/ref/settings/#secure-hsts-preload)
- hstspreload.org
"#,
};

pub const NOSNIFF_DISABLED: Rule = Rule {
    code: "DJS411",
    name: "content-type-nosniff-disabled",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`SECURE_CONTENT_TYPE_NOSNIFF` is not `True`: no X-Content-Type-Options header.",
    django_checks: &["security.W006"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `SecurityMiddleware` whose `SECURE_CONTENT_TYPE_NOSNIFF` is set
to anything but `True` (the default is `True`), like Django's `security.W006`.

## Why is this bad?
Without `X-Content-Type-Options: nosniff` browsers may guess content types: an uploaded text file
can be run as a script or rendered as HTML (XSS).

## Example
```python
SECURE_CONTENT_TYPE_NOSNIFF = False
```

Use instead:
```python
SECURE_CONTENT_TYPE_NOSNIFF = True
```

## Fix
Sets the value to `True`.

## Fix safety
Safe: only responses with a wrong `Content-Type` are affected, and they should be fixed.

## References
- Django: [`SECURE_CONTENT_TYPE_NOSNIFF`](https://docs.djangoproject.com/en/stable/ref/settings/#secure-content-type-nosniff)
"#,
};

pub const SSL_REDIRECT_DISABLED: Rule = Rule {
    code: "DJS412",
    name: "ssl-redirect-disabled",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`SECURE_SSL_REDIRECT` is not `True`: plain HTTP requests are served.",
    django_checks: &["security.W008"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `SecurityMiddleware` whose `SECURE_SSL_REDIRECT` is not exactly
`True` (default `False`), like Django's `security.W008`.

## Why is this bad?
Pages are served over plain HTTP, where they can be read and modified in transit. If a proxy or
load balancer already redirects to HTTPS, silence `security.W008` in `SILENCED_SYSTEM_CHECKS` (djsec
honours it) or suppress this finding.

## Example
```python
SECURE_SSL_REDIRECT = False
```

Use instead:
```python
SECURE_SSL_REDIRECT = True
```

## Fix
Sets the value to `True`, or appends the production HTTPS block when it is missing.

## Fix safety
Unsafe: behind a TLS-terminating proxy, `SECURE_PROXY_SSL_HEADER` must be set or every request
redirects forever.

## References
- Django: [`SECURE_SSL_REDIRECT`](https://docs.djangoproject.com/en/stable/ref/settings/#secure-ssl-redirect)
"#,
};

pub const PROXY_SSL_HEADER_UNUSUAL: Rule = Rule {
    code: "DJS439",
    name: "proxy-ssl-header-unusual",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "`SECURE_PROXY_SSL_HEADER` names an unusual header, is malformed, or does not use `request.META` naming.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a production `SECURE_PROXY_SSL_HEADER` that is:
- not a pair `(header, value)`;
- written as an HTTP header name (`"X-Forwarded-Proto"`) instead of its `request.META` key
  (`"HTTP_X_FORWARDED_PROTO"`), so it never matches;
- a header other than the conventional ones (`HTTP_X_FORWARDED_PROTO`, `HTTP_X_FORWARDED_SSL`,
  `HTTP_X_FORWARDED_SCHEME`, `HTTP_X_SCHEME`, `HTTP_CLOUDFRONT_FORWARDED_PROTO`), which proxies are
  unlikely to set and strip;
- expecting a value other than `https` (or `on` for `X-Forwarded-SSL`).

## Why is this bad?
Django trusts this header to decide that a request came over HTTPS. A header the proxy does not
overwrite can be sent by the client itself, which then makes Django believe a plain HTTP request
is secure (secure cookies and redirects are bypassed). A header that never matches makes
`SECURE_SSL_REDIRECT` loop.

## Example
```python
SECURE_PROXY_SSL_HEADER = ("X-Forwarded-Proto", "https")
```

Use instead:
```python
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
```

## Fix
For a header written in HTTP form, rewrites it to its `request.META` key. Make sure the proxy
sets the header on every request and strips it from clients.

## Fix safety
Unsafe: the header starts to be trusted.

## References
- Django: [`SECURE_PROXY_SSL_HEADER`](https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header)
"#,
};

/// The title of the fix (and source action) that appends the production HTTPS settings.
pub const PRODUCTION_BLOCK_TITLE: &str =
    "Add production security settings (HTTPS, HSTS, secure cookies)";

/// The settings of the production block, with the value each gets.
const BLOCK: &[(&str, &str)] = &[
    ("SECURE_SSL_REDIRECT", "True"),
    ("SECURE_HSTS_SECONDS", "31536000"),
    ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True"),
    ("SECURE_HSTS_PRELOAD", "True"),
    ("SESSION_COOKIE_SECURE", "True"),
    ("CSRF_COOKIE_SECURE", "True"),
];

/// The block of production HTTPS settings this production module does not set anywhere in its
/// chain, or `None` when it sets them all (or cannot be told).
pub fn production_block(production: &Production) -> Option<String> {
    let missing: Vec<&(&str, &str)> = BLOCK
        .iter()
        .filter(|(name, _)| matches!(production.setting(name), Setting::Default))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut block = String::from(
        "# Production HTTPS settings. Browsers remember HSTS: try a short SECURE_HSTS_SECONDS\n# (such as 3600) first, and raise it once every page and subdomain serves HTTPS.\n",
    );
    for (name, value) in missing {
        block.push_str(&format!("{name} = {value}\n"));
    }
    Some(block)
}

/// The fix appending the production block (when the module being analysed is `production`).
pub fn production_block_fix(settings: &Settings, production: &Production) -> Option<Fix> {
    if production.module != settings.file {
        return None;
    }
    let block = production_block(production)?;
    Some(Fix::unsafe_(
        PRODUCTION_BLOCK_TITLE,
        vec![fixes::append_block(settings, &block)],
    ))
}

/// The fix setting an assigned value to `text` (or its environment default).
pub fn set_value_fix(
    settings: &Settings,
    value: &Value,
    text: &str,
    title: &str,
    safe: bool,
) -> Option<Fix> {
    let edit: Edit = if value.env.is_some() {
        fixes::replace_env_default(settings, value, text)?
    } else {
        fixes::replace_value(settings, value, text)?
    };
    Some(if safe {
        Fix::safe(title, vec![edit])
    } else {
        Fix::unsafe_(title, vec![edit])
    })
}

/// Report `name` failing a check: on its assignment with a fix setting `good`, or at the top with
/// the production block.
#[allow(clippy::too_many_arguments)]
pub fn report_setting(
    settings: &mut Settings,
    production: &Production,
    rule: &Rule,
    django_id: &'static str,
    name: &str,
    good: &str,
    problem: &str,
    safe_fix: bool,
) {
    match production.setting(name) {
        Setting::Set(binding) => {
            let value = binding.value.clone();
            let fix = set_value_fix(
                settings,
                &value,
                good,
                &format!("Set {name} to {good}"),
                safe_fix,
            );
            settings.report(
                production,
                rule.code,
                Some(django_id),
                Blame::Assignment(binding),
                rule.severity,
                format!(
                    "`{name}` is {}{}: {problem}",
                    value.repr(),
                    Settings::env_note(&value)
                ),
                fix,
            );
        }
        Setting::Default => {
            let fix = production_block_fix(settings, production);
            settings.report(
                production,
                rule.code,
                Some(django_id),
                Blame::Top,
                rule.severity,
                format!("`{name}` is not set in these production settings: {problem}"),
                fix,
            );
        }
        Setting::Unknown => {}
    }
}

pub fn check(settings: &mut Settings, production: &Production) {
    proxy_header(settings, production);
    if production.has_middleware(SECURITY_MW) != Some(true) {
        return;
    }
    if let Some(seconds) = production.value("SECURE_HSTS_SECONDS") {
        match seconds.truthy() {
            Some(false) => report_setting(
                settings,
                production,
                &HSTS_NOT_ENABLED,
                "security.W004",
                "SECURE_HSTS_SECONDS",
                "31536000",
                "browsers are not told to use HTTPS only (no Strict-Transport-Security header)",
                false,
            ),
            Some(true) => {
                let subdomains = production.value("SECURE_HSTS_INCLUDE_SUBDOMAINS");
                if subdomains.as_ref().and_then(Value::is_true) == Some(false) {
                    report_setting(
                        settings,
                        production,
                        &HSTS_SUBDOMAINS,
                        "security.W005",
                        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                        "True",
                        "subdomains can still be reached over plain HTTP",
                        false,
                    );
                }
                let preload = production.value("SECURE_HSTS_PRELOAD");
                if preload.as_ref().and_then(Value::is_true) == Some(false) {
                    report_setting(
                        settings,
                        production,
                        &HSTS_PRELOAD,
                        "security.W021",
                        "SECURE_HSTS_PRELOAD",
                        "True",
                        "the site cannot be submitted to the browsers' HSTS preload list",
                        false,
                    );
                }
            }
            None => {}
        }
    }
    if production
        .value("SECURE_CONTENT_TYPE_NOSNIFF")
        .as_ref()
        .and_then(Value::is_true)
        == Some(false)
    {
        report_setting(
            settings,
            production,
            &NOSNIFF_DISABLED,
            "security.W006",
            "SECURE_CONTENT_TYPE_NOSNIFF",
            "True",
            "pages are served without `X-Content-Type-Options: nosniff`",
            true,
        );
    }
    if production
        .value("SECURE_SSL_REDIRECT")
        .as_ref()
        .and_then(Value::is_true)
        == Some(false)
    {
        report_setting(
            settings,
            production,
            &SSL_REDIRECT_DISABLED,
            "security.W008",
            "SECURE_SSL_REDIRECT",
            "True",
            "plain HTTP requests are not redirected to HTTPS",
            false,
        );
    }
}

const CONVENTIONAL_HEADERS: &[&str] = &[
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_FORWARDED_SCHEME",
    "HTTP_X_SCHEME",
    "HTTP_CLOUDFRONT_FORWARDED_PROTO",
];

fn proxy_header(settings: &mut Settings, production: &Production) {
    let Some(binding) = production.binding("SECURE_PROXY_SSL_HEADER") else {
        return;
    };
    let value = binding.value.clone();
    let problem: (String, Option<Fix>) = match &value.kind {
        Kind::None | Kind::Unknown => return,
        Kind::Tuple(items) | Kind::List(items) if items.len() == 2 => {
            match (items[0].as_str(), items[1].as_str()) {
                _ if items.iter().any(Value::is_unknown) => return,
                (Some(header), Some(expected)) => {
                    if !header.starts_with("HTTP_") {
                        let meta = format!("HTTP_{}", header.to_ascii_uppercase().replace('-', "_"));
                        let fix = fixes::replace_value(settings, &items[0], &fixes::quoted(&meta))
                            .map(|e| Fix::unsafe_(format!("Use the request.META name {meta}"), vec![e]));
                        (
                            format!("`SECURE_PROXY_SSL_HEADER` names `{header}`, but Django looks it up in `request.META` as `{meta}`: it never matches"),
                            fix,
                        )
                    } else if !CONVENTIONAL_HEADERS.contains(&header) {
                        (
                            format!("`SECURE_PROXY_SSL_HEADER` trusts `{header}`, not a conventional proxy header: unless your proxy sets and strips it on every request, clients can claim HTTPS"),
                            None,
                        )
                    } else {
                        let ok = if header == "HTTP_X_FORWARDED_SSL" { "on" } else { "https" };
                        if expected == ok {
                            return;
                        }
                        (
                            format!("`SECURE_PROXY_SSL_HEADER` expects `{header}` to be {expected:?}, while proxies send {ok:?}"),
                            None,
                        )
                    }
                }
                _ => (
                    "`SECURE_PROXY_SSL_HEADER` must hold two strings: the header and its HTTPS value".into(),
                    None,
                ),
            }
        }
        _ => (
            "`SECURE_PROXY_SSL_HEADER` must be a pair (header, value), such as (\"HTTP_X_FORWARDED_PROTO\", \"https\")".into(),
            None,
        ),
    };
    settings.report(
        production,
        PROXY_SSL_HEADER_UNUSUAL.code,
        None,
        Blame::Assignment(binding),
        PROXY_SSL_HEADER_UNUSUAL.severity,
        problem.0,
        problem.1,
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn only(src: &str, code: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at(src).into_iter().filter(|f| f.0 == code).collect()
    }

    #[test]
    fn hsts() {
        assert_eq!(
            only(
                &secure_with(
                    "SECURE_HSTS_SECONDS = 31536000\n",
                    "SECURE_HSTS_SECONDS = 0\n"
                ),
                "DJS408"
            ),
            vec![("DJS408", 28, 1, "warning")]
        );
        assert_eq!(
            only(
                &secure_with("SECURE_HSTS_SECONDS = 31536000\n", ""),
                "DJS408"
            ),
            vec![("DJS408", 1, 1, "warning")]
        );
        assert!(
            only(
                &secure_with(
                    "SECURE_HSTS_SECONDS = 31536000\n",
                    "SECURE_HSTS_SECONDS = -1\n"
                ),
                "DJS408"
            )
            .is_empty()
        );
        assert!(
            only(
                &secure_with(
                    "SECURE_HSTS_SECONDS = 31536000\n",
                    "SECURE_HSTS_SECONDS = '0'\n"
                ),
                "DJS408"
            )
            .is_empty()
        );
        // HSTS off: subdomains and preload are not judged (as in Django).
        let off = secure_with(
            "SECURE_HSTS_SECONDS = 31536000\n",
            "SECURE_HSTS_SECONDS = 0\n",
        )
        .replace(
            "SECURE_HSTS_INCLUDE_SUBDOMAINS = True\n",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS = False\n",
        );
        assert!(only(&off, "DJS409").is_empty());
        let sub = secure_with(
            "SECURE_HSTS_INCLUDE_SUBDOMAINS = True\n",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS = 1\n",
        );
        assert_eq!(only(&sub, "DJS409"), vec![("DJS409", 29, 1, "warning")]);
        let pre = secure_with(
            "SECURE_HSTS_PRELOAD = True\n",
            "SECURE_HSTS_PRELOAD = 'True'\n",
        );
        assert_eq!(only(&pre, "DJS410"), vec![("DJS410", 30, 1, "warning")]);
        assert!(
            with_code(&pre, "DJS410")[0]
                .message
                .ends_with("[security.W021]")
        );
    }

    #[test]
    fn nosniff_and_redirect() {
        assert_eq!(
            only(&secure_plus("SECURE_CONTENT_TYPE_NOSNIFF = 1\n"), "DJS411"),
            vec![("DJS411", 33, 1, "warning")]
        );
        assert!(only(SECURE, "DJS411").is_empty());
        assert_eq!(
            only(
                &secure_with(
                    "SECURE_SSL_REDIRECT = True\n",
                    "SECURE_SSL_REDIRECT = False\n"
                ),
                "DJS412"
            ),
            vec![("DJS412", 27, 1, "warning")]
        );
        let env = secure_with(
            "SECURE_SSL_REDIRECT = True\n",
            "SECURE_SSL_REDIRECT = os.environ.get('SSL', '') == 'on'\n",
        );
        assert_eq!(only(&env, "DJS412").len(), 1);
        let silenced = secure_with(
            "SECURE_SSL_REDIRECT = True\n",
            "SILENCED_SYSTEM_CHECKS = ['security.W008']\n",
        );
        assert!(only(&silenced, "DJS412").is_empty());
    }

    #[test]
    fn production_block_fix_appends_the_missing_settings() {
        let src = "import os\nMIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nSECURE_HSTS_PRELOAD = False\n";
        let fixed = assert_fix(src, "DJS408");
        assert_eq!(
            fixed,
            "import os\nMIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nSECURE_HSTS_PRELOAD = False\n\n# Production HTTPS settings. Browsers remember HSTS: try a short SECURE_HSTS_SECONDS\n# (such as 3600) first, and raise it once every page and subdomain serves HTTPS.\nSECURE_SSL_REDIRECT = True\nSECURE_HSTS_SECONDS = 31536000\nSECURE_HSTS_INCLUDE_SUBDOMAINS = True\nSESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n"
        );
        // After the block only the explicit `False` remains, with its own fix.
        let after = codes(&fixed);
        for gone in ["DJS408", "DJS409", "DJS412", "DJS417", "DJS418"] {
            assert!(!after.contains(&gone), "{gone} in {after:?}");
        }
        assert!(after.contains(&"DJS410"));
        let fixed = assert_fix(&fixed, "DJS410");
        assert!(fixed.contains("SECURE_HSTS_PRELOAD = True\n"));
        assert_eq!(fix_applicability(src, "DJS412"), vec!["unsafe"]);
        assert_eq!(
            fix_applicability(
                &secure_plus("SECURE_CONTENT_TYPE_NOSNIFF = False\n"),
                "DJS411"
            ),
            vec!["safe"]
        );
    }

    #[test]
    fn proxy_header() {
        let bad = secure_plus("SECURE_PROXY_SSL_HEADER = ('X-Forwarded-Proto', 'https')\n");
        assert_eq!(only(&bad, "DJS439"), vec![("DJS439", 33, 1, "warning")]);
        let fixed = assert_fix(&bad, "DJS439");
        assert!(
            fixed.ends_with("SECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", 'https')\n"),
            "{fixed}"
        );
        assert_eq!(
            only(
                &secure_plus("SECURE_PROXY_SSL_HEADER = ('HTTP_X_CLIENT_PROTO', 'https')\n"),
                "DJS439"
            )
            .len(),
            1
        );
        assert_eq!(
            only(
                &secure_plus("SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'http')\n"),
                "DJS439"
            )
            .len(),
            1
        );
        assert_eq!(
            only(
                &secure_plus("SECURE_PROXY_SSL_HEADER = 'HTTP_X_FORWARDED_PROTO'\n"),
                "DJS439"
            )
            .len(),
            1
        );
        for ok in [
            "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n",
            "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_SSL', 'on')\n",
            "SECURE_PROXY_SSL_HEADER = None\n",
            "SECURE_PROXY_SSL_HEADER = (os.environ['H'], 'https')\n",
        ] {
            assert!(only(&secure_plus(ok), "DJS439").is_empty(), "{ok}");
        }
    }
}
