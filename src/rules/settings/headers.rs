//! DJS413 `x-frame-options-not-deny` (W019), DJS414 `referrer-policy-unset` (W022),
//! DJS415 `referrer-policy-invalid` (E023), DJS416 `cross-origin-opener-policy-invalid` (E024).

use super::https::set_value_fix;
use super::middleware::{SECURITY_MW, XFRAME_MW};
use super::{Blame, Production, Settings};
use crate::analysis::Severity;
use crate::project::{Kind, Value};
use crate::rules::{Family, FixAvailability, Rule};

pub const X_FRAME_OPTIONS: Rule = Rule {
    code: "DJS413",
    name: "x-frame-options-not-deny",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`XFrameOptionsMiddleware` is on but `X_FRAME_OPTIONS` is not `\"DENY\"`.",
    django_checks: &["security.W019"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `XFrameOptionsMiddleware` whose `X_FRAME_OPTIONS` is set to
anything but exactly `"DENY"` (`"SAMEORIGIN"`, `"deny"`, `None`), like Django's `security.W019`.

## Why is this bad?
`SAMEORIGIN` lets any page of your own origin frame the site: a page with user-provided content,
or one with an XSS, can then clickjack the rest. Django's default is `"DENY"`.

## Example
```python
X_FRAME_OPTIONS = "SAMEORIGIN"
```

Use instead:
```python
X_FRAME_OPTIONS = "DENY"
```

## Fix
Sets `X_FRAME_OPTIONS = "DENY"`. Views that must be framed by your own pages can use
`@xframe_options_sameorigin`.

## Fix safety
Unsafe: pages that frame other pages of the site stop working until those views are decorated.

## References
- Django: [Clickjacking protection](https://docs.djangoproject.com/en/stable/ref/clickjacking/)
"#,
};

pub const REFERRER_POLICY_UNSET: Rule = Rule {
    code: "DJS414",
    name: "referrer-policy-unset",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`SECURE_REFERRER_POLICY` is `None`: no Referrer-Policy header.",
    django_checks: &["security.W022"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `SecurityMiddleware` whose `SECURE_REFERRER_POLICY` is explicitly
`None`, like Django's `security.W022` (unset means Django's default `"same-origin"`, which is fine).

## Why is this bad?
Without a Referrer-Policy header, browsers send the full URL of your pages — with tokens or personal
data in paths and query strings — to every site they link to or load resources from.

## Example
```python
SECURE_REFERRER_POLICY = None
```

Use instead:
```python
SECURE_REFERRER_POLICY = "same-origin"
```

## Fix
Sets the value to `"same-origin"`.

## Fix safety
Safe: only the Referer sent to other sites changes.

## References
- Django: [Referrer policy](https://docs.djangoproject.com/en/stable/ref/middleware/#referrer-policy)
"#,
};

pub const REFERRER_POLICY_INVALID: Rule = Rule {
    code: "DJS415",
    name: "referrer-policy-invalid",
    family: Family::Settings,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "`SECURE_REFERRER_POLICY` has a value browsers do not know.",
    django_checks: &["security.E023"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `SecurityMiddleware` whose `SECURE_REFERRER_POLICY` contains a
value outside `no-referrer`, `no-referrer-when-downgrade`, `origin`, `origin-when-cross-origin`,
`same-origin`, `strict-origin`, `strict-origin-when-cross-origin`, `unsafe-url`, like Django's
`security.E023`. A string is split on commas and each part stripped (`"same-origin, origin"` is
valid, `"same-origin,"` is not); the items of a list or tuple are compared as they are. Values are
case-sensitive.

## Why is this bad?
Browsers ignore a header they do not understand, so the intended policy is not applied; Django's
`check --deploy` fails with an error.

## Example
```python
SECURE_REFERRER_POLICY = "Same-Origin"
```

Use instead:
```python
SECURE_REFERRER_POLICY = "same-origin"
```

## Fix
Use one of the valid values listed above (several, comma-separated, are allowed).

## Fix safety
No fix is offered: the intended policy cannot be guessed.

## References
- Django: [`SECURE_REFERRER_POLICY`](https://docs.djangoproject.com/en/stable/ref/settings/#secure-referrer-policy)
"#,
};

pub const COOP_INVALID: Rule = Rule {
    code: "DJS416",
    name: "cross-origin-opener-policy-invalid",
    family: Family::Settings,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "`SECURE_CROSS_ORIGIN_OPENER_POLICY` has an invalid value.",
    django_checks: &["security.E024"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `SecurityMiddleware` whose `SECURE_CROSS_ORIGIN_OPENER_POLICY` is
neither `None` nor one of `same-origin`, `same-origin-allow-popups`, `unsafe-none` (exact,
case-sensitive, a single value), like Django's `security.E024`.

## Why is this bad?
Browsers ignore an invalid Cross-Origin-Opener-Policy, leaving the page in the same browsing context
group as pages it opens (cross-window attacks such as XS-Leaks); `check --deploy` fails.

## Example
```python
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same_origin"
```

Use instead:
```python
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
```

## Fix
Use one of the three valid values, or `None` to send no header.

## Fix safety
No fix is offered.

## References
- Django: [`SECURE_CROSS_ORIGIN_OPENER_POLICY`](https://docs.djangoproject.com/en/stable/ref/settings/#secure-cross-origin-opener-policy)
"#,
};

const REFERRER_POLICIES: &[&str] = &[
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];

const COOP_POLICIES: &[&str] = &["same-origin", "same-origin-allow-popups", "unsafe-none"];

/// The first invalid value of a referrer policy, `None` when valid or not decidable.
fn invalid_referrer(value: &Value) -> Option<String> {
    match &value.kind {
        Kind::Str(s) => s
            .split(',')
            .map(str::trim)
            .find(|p| !REFERRER_POLICIES.contains(p))
            .map(|p| format!("{p:?}")),
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            if items.iter().any(Value::is_unknown) {
                return None;
            }
            items
                .iter()
                .find(|i| !i.as_str().is_some_and(|s| REFERRER_POLICIES.contains(&s)))
                .map(Value::repr)
        }
        Kind::Dict(pairs) => {
            if pairs.iter().any(|(k, _)| k.is_unknown()) {
                return None;
            }
            pairs
                .iter()
                .map(|(k, _)| k)
                .find(|k| !k.as_str().is_some_and(|s| REFERRER_POLICIES.contains(&s)))
                .map(Value::repr)
        }
        _ => None,
    }
}

pub fn check(settings: &mut Settings, production: &Production) {
    if production.has_middleware(XFRAME_MW) == Some(true)
        && let Some(binding) = production.binding("X_FRAME_OPTIONS")
        && !binding.value.is_unknown()
        && binding.value.as_str() != Some("DENY")
    {
        let value = binding.value.clone();
        let fix = set_value_fix(
            settings,
            &value,
            "\"DENY\"",
            "Set X_FRAME_OPTIONS to \"DENY\"",
            false,
        );
        settings.report(
            production,
            X_FRAME_OPTIONS.code,
            Some("security.W019"),
            Blame::Assignment(binding),
            X_FRAME_OPTIONS.severity,
            format!(
                "`X_FRAME_OPTIONS` is {}, not \"DENY\": pages can be framed",
                value.repr()
            ),
            fix,
        );
    }
    if production.has_middleware(SECURITY_MW) != Some(true) {
        return;
    }
    if let Some(binding) = production.binding("SECURE_REFERRER_POLICY") {
        let value = binding.value.clone();
        if value.is_none() == Some(true) {
            let fix = set_value_fix(
                settings,
                &value,
                "\"same-origin\"",
                "Set SECURE_REFERRER_POLICY to \"same-origin\"",
                true,
            );
            settings.report(
                production,
                REFERRER_POLICY_UNSET.code,
                Some("security.W022"),
                Blame::Assignment(binding),
                REFERRER_POLICY_UNSET.severity,
                "`SECURE_REFERRER_POLICY` is None: no Referrer-Policy header, full URLs leak to other sites",
                fix,
            );
        } else if let Some(bad) = invalid_referrer(&value) {
            settings.report(
                production,
                REFERRER_POLICY_INVALID.code,
                Some("security.E023"),
                Blame::Assignment(binding),
                REFERRER_POLICY_INVALID.severity,
                format!("`SECURE_REFERRER_POLICY` has the invalid value {bad}: browsers ignore the header"),
                None,
            );
        }
    }
    if let Some(binding) = production.binding("SECURE_CROSS_ORIGIN_OPENER_POLICY") {
        let value = &binding.value;
        let invalid = match &value.kind {
            Kind::None | Kind::Unknown | Kind::List(_) | Kind::Dict(_) | Kind::Set(_) => false,
            Kind::Str(s) => !COOP_POLICIES.contains(&s.as_str()),
            _ => true,
        };
        if invalid {
            settings.report(
                production,
                COOP_INVALID.code,
                Some("security.E024"),
                Blame::Assignment(binding),
                COOP_INVALID.severity,
                format!(
                    "`SECURE_CROSS_ORIGIN_OPENER_POLICY` has the invalid value {}",
                    value.repr()
                ),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn only(src: &str, code: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at(src).into_iter().filter(|f| f.0 == code).collect()
    }

    #[test]
    fn x_frame_options() {
        assert_eq!(
            only(&secure_plus("X_FRAME_OPTIONS = 'SAMEORIGIN'\n"), "DJS413"),
            vec![("DJS413", 33, 1, "warning")]
        );
        assert_eq!(
            only(&secure_plus("X_FRAME_OPTIONS = 'deny'\n"), "DJS413").len(),
            1
        );
        assert!(only(&secure_plus("X_FRAME_OPTIONS = 'DENY'\n"), "DJS413").is_empty());
        assert!(only(SECURE, "DJS413").is_empty());
        // Without the middleware, Django does not judge the setting.
        let no_mw = secure_with(
            "    \"django.middleware.clickjacking.XFrameOptionsMiddleware\",\n",
            "",
        ) + "X_FRAME_OPTIONS = 'SAMEORIGIN'\n";
        assert!(only(&no_mw, "DJS413").is_empty());
        let fixed = assert_fix(&secure_plus("X_FRAME_OPTIONS = 'SAMEORIGIN'\n"), "DJS413");
        assert!(fixed.ends_with("X_FRAME_OPTIONS = \"DENY\"\n"));
    }

    #[test]
    fn referrer_policy() {
        assert_eq!(
            only(&secure_plus("SECURE_REFERRER_POLICY = None\n"), "DJS414"),
            vec![("DJS414", 33, 1, "warning")]
        );
        let fixed = assert_fix(&secure_plus("SECURE_REFERRER_POLICY = None\n"), "DJS414");
        assert!(fixed.ends_with("SECURE_REFERRER_POLICY = \"same-origin\"\n"));
        for bad in [
            "'bogus'",
            "'same-origin,'",
            "''",
            "'Same-Origin'",
            "['same-origin', ' origin']",
        ] {
            let src = secure_plus(&format!("SECURE_REFERRER_POLICY = {bad}\n"));
            assert_eq!(
                only(&src, "DJS415"),
                vec![("DJS415", 33, 1, "error")],
                "{bad}"
            );
        }
        for good in [
            "'no-referrer, strict-origin-when-cross-origin'",
            "'same-origin ,  origin'",
            "['origin', 'same-origin']",
            "[]",
        ] {
            let src = secure_plus(&format!("SECURE_REFERRER_POLICY = {good}\n"));
            assert!(only(&src, "DJS415").is_empty(), "{good}");
        }
    }

    #[test]
    fn coop() {
        for bad in ["'bogus'", "''", "1"] {
            let src = secure_plus(&format!("SECURE_CROSS_ORIGIN_OPENER_POLICY = {bad}\n"));
            assert_eq!(
                only(&src, "DJS416"),
                vec![("DJS416", 33, 1, "error")],
                "{bad}"
            );
        }
        for good in [
            "None",
            "'same-origin-allow-popups'",
            "'unsafe-none'",
            "read()",
        ] {
            let src = secure_plus(&format!("SECURE_CROSS_ORIGIN_OPENER_POLICY = {good}\n"));
            assert!(only(&src, "DJS416").is_empty(), "{good}");
        }
    }
}
