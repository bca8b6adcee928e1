//! DJS423 `dev-email-backend` (Django 6.1 `mail.E001`).

use super::{Blame, Production, Settings};
use crate::analysis::Severity;
use crate::rules::{Family, FixAvailability, Rule};

pub const DEV_EMAIL_BACKEND: Rule = Rule {
    code: "DJS423",
    name: "dev-email-backend",
    family: Family::Settings,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "The default mailer in `MAILERS` uses a development e-mail backend (Django 6.1).",
    django_checks: &["mail.E001"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings whose `MAILERS["default"]["BACKEND"]` (Django 6.1) is the console,
dummy, file-based or locmem e-mail backend, like Django 6.1's `mail.E001`.

## Why is this bad?
Mail is not delivered: password-reset and verification e-mails are printed to the logs or files
(where their tokens can be read by whoever reads logs) or dropped.

## Example
```python
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
```

Use instead:
```python
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
```

## Fix
Configure a real backend (SMTP or a provider) for production.

## Fix safety
No fix is offered.

## References
- Django 6.1: [Email backends](https://docs.djangoproject.com/en/dev/topics/email/#email-backends)
"#,
};

const DEV_BACKENDS: &[&str] = &[
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
];

pub fn check(settings: &mut Settings, production: &Production) {
    let Some(mailers) = production.value("MAILERS") else {
        return;
    };
    let Some(backend) = mailers
        .get("default")
        .and_then(|d| d.get("BACKEND"))
        .cloned()
    else {
        return;
    };
    let Some(path) = backend.as_str().filter(|p| DEV_BACKENDS.contains(p)) else {
        return;
    };
    let message =
        format!("The default mailer uses `{path}`: e-mails are not delivered in production");
    let blame = if settings.is_here(backend.loc.as_ref()) {
        Blame::Value(&backend)
    } else {
        match production.binding("MAILERS") {
            Some(b) => Blame::Assignment(b),
            None => return,
        }
    };
    settings.report(
        production,
        DEV_EMAIL_BACKEND.code,
        Some("mail.E001"),
        blame,
        DEV_EMAIL_BACKEND.severity,
        message,
        None,
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn dev_backends() {
        let src = secure_plus(
            "MAILERS = {'default': {'BACKEND': 'django.core.mail.backends.console.EmailBackend'}}\n",
        );
        assert_eq!(
            codes_at(&src)
                .into_iter()
                .filter(|f| f.0 == "DJS423")
                .collect::<Vec<_>>(),
            vec![("DJS423", 33, 35, "error")]
        );
        let smtp = secure_plus(
            "MAILERS = {'default': {'BACKEND': 'django.core.mail.backends.smtp.EmailBackend'}}\n",
        );
        assert!(with_code(&smtp, "DJS423").is_empty());
        assert!(with_code(&secure_plus("MAILERS = {'other': {}}\n"), "DJS423").is_empty());
        assert!(with_code(SECURE, "DJS423").is_empty());
    }
}
