//! DJS420 `csp-setting-not-dict` (Django 6 `security.E026`), DJS421
//! `csp-nonce-without-context-processor` (Django 6.1 `security.W027`), DJS441 `csp-missing`.

use super::{Blame, Production, Settings};
use crate::analysis::Severity;
use crate::project::eval::{CSP_NONCE, Setting};
use crate::project::{Kind, Value};
use crate::rules::{Family, FixAvailability, Rule};

const CSP_MW: &str = "django.middleware.csp.ContentSecurityPolicyMiddleware";
const CSP_CONTEXT_PROCESSOR: &str = "django.template.context_processors.csp";

pub const CSP_NOT_DICT: Rule = Rule {
    code: "DJS420",
    name: "csp-setting-not-dict",
    family: Family::Settings,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "`SECURE_CSP` or `SECURE_CSP_REPORT_ONLY` is not a dictionary (Django 6.0+).",
    django_checks: &["security.E026"],
    peers: &[],
    docs: r#"
## What it does
Reports a production `SECURE_CSP` or `SECURE_CSP_REPORT_ONLY` (Django 6.0's built-in
Content-Security-Policy settings) set to something other than a dictionary or `None`, like Django
6's `security.E026`.

## Why is this bad?
Django cannot build the header from a list or a string: the policy you meant to send is not sent,
and Django 6 refuses to start its checks cleanly.

## Example
```python
SECURE_CSP = "default-src 'self'"
```

Use instead:
```python
from django.utils.csp import CSP

SECURE_CSP = {"default-src": [CSP.SELF]}
```

## Fix
Write the policy as a dictionary of directives to lists of sources.

## Fix safety
No fix is offered.

## References
- Django 6.0: [Content Security Policy](https://docs.djangoproject.com/en/6.0/ref/csp/)
"#,
};

pub const CSP_NONCE_WITHOUT_CONTEXT_PROCESSOR: Rule = Rule {
    code: "DJS421",
    name: "csp-nonce-without-context-processor",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "The CSP uses a nonce but no template backend has the `csp` context processor (Django 6.1).",
    django_checks: &["security.W027"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings where `ContentSecurityPolicyMiddleware` is enabled, `SECURE_CSP` or
`SECURE_CSP_REPORT_ONLY` uses the nonce (`CSP.NONCE`), and no `TEMPLATES` entry lists
`"django.template.context_processors.csp"` in `OPTIONS["context_processors"]`, like Django 6.1's
`security.W027`.

## Why is this bad?
The header announces a nonce that templates cannot put on their `<script>` tags, so either every
inline script is blocked, or the policy gets loosened in a hurry.

## Example
```python
SECURE_CSP = {"script-src": [CSP.SELF, CSP.NONCE]}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {}}]
```

Use instead:
```python
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {"context_processors": ["django.template.context_processors.csp"]},
}]
```

## Fix
Add the context processor to the template backend that renders your pages.

## Fix safety
No fix is offered.

## References
- Django 6.1: [Content Security Policy](https://docs.djangoproject.com/en/dev/ref/csp/)
"#,
};

pub const CSP_MISSING: Rule = Rule {
    code: "DJS441",
    name: "csp-missing",
    family: Family::Settings,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "No Content-Security-Policy: neither Django 6's CSP middleware with a policy nor django-csp.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports production settings whose `MIDDLEWARE` has no Content-Security-Policy middleware: neither
Django 6's `ContentSecurityPolicyMiddleware` with a non-empty `SECURE_CSP` /
`SECURE_CSP_REPORT_ONLY`, nor django-csp's `csp.middleware.CSPMiddleware` (any middleware whose path
mentions CSP counts). Information only: a policy may also be set by the web server or CDN, in
which case suppress it.

## Why is this bad?
A Content-Security-Policy is the second line of defence against XSS: it stops injected scripts from
running or from sending data away even when an escaping bug slips through.

## Example
```python
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
```

Use instead (Django 6.0+):
```python
from django.utils.csp import CSP

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]
SECURE_CSP = {"default-src": [CSP.SELF]}
```

## Fix
Add a policy with Django 6's settings or django-csp; start with `SECURE_CSP_REPORT_ONLY` to see
what would break.

## Fix safety
No fix is offered: a policy has to be written for the site.

## References
- Django 6.0: [Content Security Policy](https://docs.djangoproject.com/en/6.0/ref/csp/); django-csp
- OWASP: Content Security Policy Cheat Sheet
"#,
};

fn contains_nonce(value: &Value) -> bool {
    let Kind::Dict(pairs) = &value.kind else {
        return false;
    };
    pairs.iter().any(|(_, v)| match &v.kind {
        Kind::Str(s) => s.contains(CSP_NONCE),
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            items.iter().any(|i| i.as_str() == Some(CSP_NONCE))
        }
        _ => false,
    })
}

/// Whether some template backend lists the CSP context processor (`None` when unknown).
fn has_csp_context_processor(templates: &Value) -> Option<bool> {
    let backends = templates.items()?;
    let mut unknown = false;
    for backend in backends {
        match &backend.kind {
            Kind::Dict(_) => {}
            Kind::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        let processors = match backend.get("OPTIONS") {
            None if backend.dict_is_partial() => {
                unknown = true;
                continue;
            }
            None => continue,
            Some(options) => match options.get("context_processors") {
                Some(p) => p,
                None if options.dict_is_partial() => {
                    unknown = true;
                    continue;
                }
                None => continue,
            },
        };
        match processors.contains_str(CSP_CONTEXT_PROCESSOR) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unknown = true,
        }
    }
    if unknown { None } else { Some(false) }
}

pub fn check(settings: &mut Settings, production: &Production) {
    for name in ["SECURE_CSP", "SECURE_CSP_REPORT_ONLY"] {
        let Some(binding) = production.binding(name) else {
            continue;
        };
        if matches!(
            binding.value.kind,
            Kind::Dict(_) | Kind::None | Kind::Unknown
        ) {
            continue;
        }
        let repr = binding.value.repr();
        settings.report(
            production,
            CSP_NOT_DICT.code,
            Some("security.E026"),
            Blame::Assignment(binding),
            CSP_NOT_DICT.severity,
            format!("`{name}` must be a dictionary of directives, not {repr}: no policy is sent"),
            None,
        );
    }
    if production.has_middleware(CSP_MW) == Some(true) {
        let with_nonce = ["SECURE_CSP", "SECURE_CSP_REPORT_ONLY"]
            .into_iter()
            .find(|n| production.value(n).is_some_and(|v| contains_nonce(&v)));
        if let Some(name) = with_nonce
            && let Some(templates) = production.value("TEMPLATES")
            && has_csp_context_processor(&templates) == Some(false)
            && let Some(binding) = production.binding(name)
        {
            settings.report(
                production,
                CSP_NONCE_WITHOUT_CONTEXT_PROCESSOR.code,
                Some("security.W027"),
                Blame::Assignment(binding),
                CSP_NONCE_WITHOUT_CONTEXT_PROCESSOR.severity,
                format!("`{name}` uses the CSP nonce, but no template backend has the `{CSP_CONTEXT_PROCESSOR}` context processor: templates cannot use the nonce"),
                None,
            );
        }
    }
    csp_missing(settings, production);
}

fn csp_missing(settings: &mut Settings, production: &Production) {
    let Some(middleware) = production.value("MIDDLEWARE") else {
        return;
    };
    let Some(items) = middleware.items() else {
        return;
    };
    if items.iter().any(Value::is_unknown) {
        return;
    }
    let paths: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
    let django_csp = paths.contains(&CSP_MW)
        && ["SECURE_CSP", "SECURE_CSP_REPORT_ONLY"].iter().any(|n| {
            production
                .value(n)
                .is_none_or(|v| v.truthy() != Some(false))
        });
    let other_csp = paths.iter().any(|p| {
        *p != CSP_MW && {
            let lower = p.to_ascii_lowercase();
            lower.contains("csp") || lower.contains("contentsecuritypolicy")
        }
    });
    if django_csp || other_csp {
        return;
    }
    let blame = match production.setting("MIDDLEWARE") {
        Setting::Set(binding) => Blame::Assignment(binding),
        _ => Blame::Top,
    };
    settings.report(
        production,
        CSP_MISSING.code,
        None,
        blame,
        CSP_MISSING.severity,
        "No Content-Security-Policy middleware: add Django 6's ContentSecurityPolicyMiddleware with `SECURE_CSP`, or django-csp (unless the web server sets the header)",
        None,
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn only(src: &str, code: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at(src).into_iter().filter(|f| f.0 == code).collect()
    }

    const DJANGO_CSP: &str = "    \"django.middleware.csp.ContentSecurityPolicyMiddleware\",\n";
    const THIRD_PARTY: &str = "    \"csp.middleware.CSPMiddleware\",\n";

    #[test]
    fn not_a_dict() {
        assert_eq!(
            only(
                &secure_plus("SECURE_CSP = \"default-src 'self'\"\n"),
                "DJS420"
            ),
            vec![("DJS420", 33, 1, "error")]
        );
        assert_eq!(
            only(&secure_plus("SECURE_CSP_REPORT_ONLY = ['x']\n"), "DJS420").len(),
            1
        );
        assert!(
            only(
                &secure_plus(
                    "SECURE_CSP = {'default-src': ['self']}\nSECURE_CSP_REPORT_ONLY = None\n"
                ),
                "DJS420"
            )
            .is_empty()
        );
    }

    #[test]
    fn nonce_without_context_processor() {
        let base = secure_with(THIRD_PARTY, DJANGO_CSP);
        let src = format!(
            "{base}from django.utils.csp import CSP\nSECURE_CSP = {{'script-src': [CSP.SELF, CSP.NONCE]}}\nTEMPLATES = [{{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'OPTIONS': {{}}}}]\n"
        );
        assert_eq!(only(&src, "DJS421"), vec![("DJS421", 34, 1, "warning")]);
        let fixed = src.replace(
            "'OPTIONS': {}",
            "'OPTIONS': {'context_processors': ['django.template.context_processors.csp']}",
        );
        assert!(only(&fixed, "DJS421").is_empty());
        let literal =
            format!("{base}SECURE_CSP = {{'script-src': [\"'self'\", '<CSP_NONCE_SENTINEL>']}}\n");
        assert_eq!(only(&literal, "DJS421").len(), 1, "TEMPLATES unset is []");
        let no_nonce = format!("{base}SECURE_CSP = {{'script-src': [\"'self'\"]}}\n");
        assert!(only(&no_nonce, "DJS421").is_empty());
        // Without the middleware Django does not check it.
        let no_mw = format!("{SECURE}SECURE_CSP = {{'script-src': ['<CSP_NONCE_SENTINEL>']}}\n");
        assert!(only(&no_mw, "DJS421").is_empty());
    }

    #[test]
    fn missing_policy() {
        let none = secure_with(THIRD_PARTY, "");
        assert_eq!(only(&none, "DJS441"), vec![("DJS441", 12, 1, "info")]);
        assert!(only(SECURE, "DJS441").is_empty());
        let django_without_policy = secure_with(THIRD_PARTY, DJANGO_CSP);
        assert_eq!(
            only(&django_without_policy, "DJS441").len(),
            1,
            "SECURE_CSP defaults to {{}}"
        );
        let django_with_policy =
            format!("{django_without_policy}SECURE_CSP = {{'default-src': [\"'self'\"]}}\n");
        assert!(only(&django_with_policy, "DJS441").is_empty());
    }
}
