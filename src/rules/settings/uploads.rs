//! DJS442 `upload-permissions-world-writable`, DJS443 `upload-limits-disabled`,
//! DJS444 `settings-autoescape-off`.

use super::https::set_value_fix;
use super::{Blame, Production, Settings};
use crate::analysis::Severity;
use crate::project::{Kind, Value};
use crate::rules::{Family, FixAvailability, Rule};

pub const UPLOAD_PERMISSIONS_WORLD_WRITABLE: Rule = Rule {
    code: "DJS442",
    name: "upload-permissions-world-writable",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`FILE_UPLOAD_PERMISSIONS` or `FILE_UPLOAD_DIRECTORY_PERMISSIONS` makes uploads world-writable.",
    django_checks: &[],
    peers: &["bandit:B103"],
    docs: r#"
## What it does
Reports production `FILE_UPLOAD_PERMISSIONS` / `FILE_UPLOAD_DIRECTORY_PERMISSIONS` whose mode lets
any user write (`0o666`, `0o777`, any mode with the `0o002` bit).

## Why is this bad?
Any local account or compromised process on the server can replace uploaded files — served to
users, sometimes executed or unpickled by the application.

## Example
```python
FILE_UPLOAD_PERMISSIONS = 0o777
```

Use instead:
```python
FILE_UPLOAD_PERMISSIONS = 0o644
```

## Fix
Sets `0o644` for files and `0o755` for directories (Django's file default is `0o644`).

## Fix safety
Unsafe: another process that needed to write the files loses that right.

## References
- Django: [`FILE_UPLOAD_PERMISSIONS`](https://docs.djangoproject.com/en/stable/ref/settings/#file-upload-permissions)
- CWE-732
"#,
};

pub const UPLOAD_LIMITS_DISABLED: Rule = Rule {
    code: "DJS443",
    name: "upload-limits-disabled",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "A request size limit (`DATA_UPLOAD_MAX_MEMORY_SIZE`, `..._NUMBER_FIELDS`, `..._NUMBER_FILES`) is disabled.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports production settings that set `DATA_UPLOAD_MAX_MEMORY_SIZE`, `DATA_UPLOAD_MAX_NUMBER_FIELDS`
or `DATA_UPLOAD_MAX_NUMBER_FILES` to `None`, which disables the limit.

## Why is this bad?
Django then parses request bodies of any size and with any number of fields or files: a few large
or many-field requests exhaust the memory or CPU of the server (denial of service).

## Example
```python
DATA_UPLOAD_MAX_MEMORY_SIZE = None
```

Use instead:
```python
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # what the largest legitimate form needs
```

## Fix
Restores Django's default (2.5 MB, 1000 fields, 100 files).

## Fix safety
Unsafe: requests larger than the limit get a 400 error; raise the limit to what the site needs.

## References
- Django: [`DATA_UPLOAD_MAX_MEMORY_SIZE`](https://docs.djangoproject.com/en/stable/ref/settings/#data-upload-max-memory-size)
- CWE-400
"#,
};

pub const TEMPLATE_AUTOESCAPE_OFF: Rule = Rule {
    code: "DJS444",
    name: "settings-autoescape-off",
    family: Family::Settings,
    severity: Severity::Error,
    fix: FixAvailability::Always,
    summary: "A `TEMPLATES` backend has `autoescape` switched off.",
    django_checks: &[],
    peers: &[
        "semgrep:global-autoescape-off",
        "sonar:S5247",
        "bandit:B701",
    ],
    docs: r#"
## What it does
Reports a production `TEMPLATES` entry whose `OPTIONS["autoescape"]` is false, for the Django
template backend and for the Jinja2 backend (whose default in Django is to escape), including when
set later with `TEMPLATES[0]["OPTIONS"]["autoescape"] = False`.

## Why is this bad?
Every `{{ variable }}` in every template is then inserted as raw HTML: any user-controlled value
is a cross-site scripting hole.

## Example
```python
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {"autoescape": False},
}]
```

Use instead:
```python
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {"autoescape": True},
}]
```

## Fix
Sets `autoescape` to `True`. Where raw HTML is intended, mark it in the template (`|safe` on a value
built with `format_html`) instead of switching escaping off everywhere.

## Fix safety
Unsafe: values that relied on not being escaped now show as text.

## References
- Django: [`DjangoTemplates` options](https://docs.djangoproject.com/en/stable/topics/templates/#django.template.backends.django.DjangoTemplates)
- CWE-79
"#,
};

pub fn check(settings: &mut Settings, production: &Production) {
    for (name, good) in [
        ("FILE_UPLOAD_PERMISSIONS", "0o644"),
        ("FILE_UPLOAD_DIRECTORY_PERMISSIONS", "0o755"),
    ] {
        if let Some(binding) = production.binding(name)
            && let Kind::Int(mode) = binding.value.kind
            && mode & 0o002 != 0
        {
            let value = binding.value.clone();
            let fix = set_value_fix(
                settings,
                &value,
                good,
                &format!("Set {name} to {good}"),
                false,
            );
            settings.report(
                production,
                UPLOAD_PERMISSIONS_WORLD_WRITABLE.code,
                None,
                Blame::Assignment(binding),
                UPLOAD_PERMISSIONS_WORLD_WRITABLE.severity,
                format!("`{name}` is {mode:#o}: any user on the server can modify uploaded files"),
                fix,
            );
        }
    }
    for (name, default) in [
        ("DATA_UPLOAD_MAX_MEMORY_SIZE", "2621440"),
        ("DATA_UPLOAD_MAX_NUMBER_FIELDS", "1000"),
        ("DATA_UPLOAD_MAX_NUMBER_FILES", "100"),
    ] {
        if let Some(binding) = production.binding(name)
            && binding.value.is_none() == Some(true)
        {
            let value = binding.value.clone();
            let fix = set_value_fix(
                settings,
                &value,
                default,
                &format!("Restore Django's default {name}"),
                false,
            );
            settings.report(
                production,
                UPLOAD_LIMITS_DISABLED.code,
                None,
                Blame::Assignment(binding),
                UPLOAD_LIMITS_DISABLED.severity,
                format!("`{name}` is None: request bodies are not limited (denial of service)"),
                fix,
            );
        }
    }
    autoescape(settings, production);
}

fn autoescape(settings: &mut Settings, production: &Production) {
    let Some(binding) = production.binding("TEMPLATES") else {
        return;
    };
    let Some(backends) = binding.value.items() else {
        return;
    };
    let off: Vec<Value> = backends
        .iter()
        .filter_map(|b| b.get("OPTIONS")?.get("autoescape").cloned())
        .filter(|v| v.truthy() == Some(false))
        .collect();
    for value in off {
        let fix = set_value_fix(settings, &value, "True", "Switch autoescaping on", false);
        let blame = if settings.is_here(value.loc.as_ref()) {
            Blame::Value(&value)
        } else {
            Blame::Assignment(binding)
        };
        settings.report(
            production,
            TEMPLATE_AUTOESCAPE_OFF.code,
            None,
            blame,
            TEMPLATE_AUTOESCAPE_OFF.severity,
            "Template autoescaping is off: every variable is rendered as raw HTML (XSS)",
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

    #[test]
    fn permissions_and_limits() {
        assert_eq!(
            only(&secure_plus("FILE_UPLOAD_PERMISSIONS = 0o777\n"), "DJS442"),
            vec![("DJS442", 33, 1, "warning")]
        );
        assert_eq!(
            only(
                &secure_plus("FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o757\n"),
                "DJS442"
            )
            .len(),
            1
        );
        assert!(only(&secure_plus("FILE_UPLOAD_PERMISSIONS = 0o640\n"), "DJS442").is_empty());
        assert!(
            assert_fix(&secure_plus("FILE_UPLOAD_PERMISSIONS = 0o666\n"), "DJS442")
                .ends_with("FILE_UPLOAD_PERMISSIONS = 0o644\n")
        );
        assert_eq!(
            only(
                &secure_plus("DATA_UPLOAD_MAX_NUMBER_FIELDS = None\n"),
                "DJS443"
            ),
            vec![("DJS443", 33, 1, "warning")]
        );
        assert!(
            only(
                &secure_plus("DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024\n"),
                "DJS443"
            )
            .is_empty()
        );
        assert!(
            assert_fix(
                &secure_plus("DATA_UPLOAD_MAX_MEMORY_SIZE = None\n"),
                "DJS443"
            )
            .ends_with("DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440\n")
        );
    }

    #[test]
    fn autoescape() {
        let src = secure_plus(
            "TEMPLATES = [\n    {\n        'BACKEND': 'django.template.backends.django.DjangoTemplates',\n        'OPTIONS': {'autoescape': False},\n    },\n]\n",
        );
        assert_eq!(only(&src, "DJS444"), vec![("DJS444", 36, 35, "error")]);
        assert!(assert_fix(&src, "DJS444").contains("'OPTIONS': {'autoescape': True},"));
        let later = secure_plus(
            "TEMPLATES = [{'BACKEND': 'django.template.backends.jinja2.Jinja2', 'OPTIONS': {}}]\nTEMPLATES[0]['OPTIONS']['autoescape'] = False\n",
        );
        assert_eq!(only(&later, "DJS444"), vec![("DJS444", 34, 41, "error")]);
        assert!(
            only(
                &secure_plus("TEMPLATES = [{'OPTIONS': {'autoescape': True}}]\n"),
                "DJS444"
            )
            .is_empty()
        );
        assert!(
            only(
                &secure_plus("TEMPLATES = [{'OPTIONS': {'debug': DEBUG}}]\n"),
                "DJS444"
            )
            .is_empty()
        );
    }
}
