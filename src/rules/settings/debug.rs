//! DJS401 `debug-enabled` (Django `security.W018`) and DJS445 `debug-propagate-exceptions`.

use super::{Blame, Production, Settings, fixes};
use crate::analysis::{Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};

pub const DEBUG_ENABLED: Rule = Rule {
    code: "DJS401",
    name: "debug-enabled",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`DEBUG` is true in production settings, or defaults to true when read from the environment.",
    django_checks: &["security.W018"],
    peers: &["sonar:S4507", "semgrep:django-debug"],
    docs: r#"
## What it does
Reports a production settings module (or a base module a production module inherits) whose
effective `DEBUG` is truthy, like Django's `security.W018`. `"False"` (a non-empty string) counts as
true, as it does for Django; `0` does not. A value read from the environment is judged by its
default: `DEBUG = env.bool("DEBUG", default=True)` and `DEBUG = os.getenv("DEBUG", "True") == "True"`
are reported, because a deployment that forgets the variable runs in debug mode.

## Why is this bad?
With `DEBUG = True`, any error page shows a full traceback with local variables, the settings (with
secrets only partly masked), the SQL queries and the URL patterns. Django also keeps every SQL query
in memory and serves static files inefficiently.

## Example
```python
DEBUG = True
```

Use instead:
```python
import os

DEBUG = os.environ.get("DJANGO_DEBUG", "").lower() == "true"
```

## Fix
Replaces the value with an environment read that is false unless the variable is set to true,
using the environment API the module already uses (django-environ's `env.bool`, decouple's
`config(..., cast=bool)`, else `os.environ` with `import os` added). When the value already is an
environment read with a true default, the fix changes the default to false.

## Fix safety
Unsafe: development setups that relied on the module's `DEBUG = True` must now set
`DJANGO_DEBUG=true` (or keep a development settings module that sets it).

## References
- Django: [`DEBUG`](https://docs.djangoproject.com/en/stable/ref/settings/#debug), [deployment checklist](https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#debug)
- CWE-489 (active debug code), CWE-215
"#,
};

pub const DEBUG_PROPAGATE_EXCEPTIONS: Rule = Rule {
    code: "DJS445",
    name: "debug-propagate-exceptions",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`DEBUG_PROPAGATE_EXCEPTIONS` is true in production settings.",
    django_checks: &[],
    peers: &["sonar:S4507"],
    docs: r#"
## What it does
Reports a production settings module whose effective `DEBUG_PROPAGATE_EXCEPTIONS` is truthy.

## Why is this bad?
Django then lets exceptions escape its handler instead of returning a 500 page: the WSGI/ASGI server
decides what the client sees, which is often the traceback, and `handler500` and error logging are
skipped.

## Example
```python
DEBUG_PROPAGATE_EXCEPTIONS = True
```

Use instead:
```python
DEBUG_PROPAGATE_EXCEPTIONS = False
```

## Fix
Sets the value to `False`.

## Fix safety
Unsafe: a test or tool that expected exceptions to propagate changes behaviour.

## References
- Django: [`DEBUG_PROPAGATE_EXCEPTIONS`](https://docs.djangoproject.com/en/stable/ref/settings/#debug-propagate-exceptions)
"#,
};

pub fn check(settings: &mut Settings, production: &Production) {
    if let Some(binding) = production.binding("DEBUG")
        && let Some(true) = binding.value.truthy()
    {
        let value = binding.value.clone();
        let fix = if value.env.is_some() {
            fixes::replace_env_default(settings, &value, "False")
                .map(|e| Fix::unsafe_("Make DEBUG default to False", vec![e]))
        } else {
            let (expr, import) = fixes::env_bool(settings, "DJANGO_DEBUG");
            fixes::replace_value(settings, &value, &expr).map(|e| {
                let mut edits = vec![e];
                edits.extend(import);
                Fix::unsafe_("Read DEBUG from the environment (false by default)", edits)
            })
        };
        let message = format!(
            "`DEBUG` is {} in production settings{}: error pages show tracebacks, settings and SQL",
            value.repr(),
            Settings::env_note(&value)
        );
        settings.report(
            production,
            DEBUG_ENABLED.code,
            Some("security.W018"),
            Blame::Assignment(binding),
            DEBUG_ENABLED.severity,
            message,
            fix,
        );
    }
    if let Some(binding) = production.binding("DEBUG_PROPAGATE_EXCEPTIONS")
        && let Some(true) = binding.value.truthy()
    {
        let value = binding.value.clone();
        let fix = if value.env.is_some() {
            fixes::replace_env_default(settings, &value, "False")
        } else {
            fixes::replace_value(settings, &value, "False")
        }
        .map(|e| Fix::unsafe_("Set DEBUG_PROPAGATE_EXCEPTIONS to False", vec![e]));
        settings.report(
            production,
            DEBUG_PROPAGATE_EXCEPTIONS.code,
            None,
            Blame::Assignment(binding),
            DEBUG_PROPAGATE_EXCEPTIONS.severity,
            format!(
                "`DEBUG_PROPAGATE_EXCEPTIONS` is {} in production settings{}: exceptions escape Django's error handling",
                value.repr(),
                Settings::env_note(&value)
            ),
            fix,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn reports_debug_true_on_its_line() {
        let src = secure_with("DEBUG = False\n", "DEBUG = True\n");
        let found = codes_at(&src)
            .into_iter()
            .filter(|f| f.0 == "DJS401")
            .collect::<Vec<_>>();
        assert_eq!(found, vec![("DJS401", 4, 1, "warning")]);
        let f = &with_code(&src, "DJS401")[0];
        assert!(f.message.ends_with("[security.W018]"), "{}", f.message);
    }

    #[test]
    fn truthiness_follows_python() {
        assert!(codes(&secure_with("DEBUG = False\n", "DEBUG = 'False'\n")).contains(&"DJS401"));
        assert!(!codes(&secure_with("DEBUG = False\n", "DEBUG = 0\n")).contains(&"DJS401"));
        assert!(!codes(SECURE).contains(&"DJS401"));
        assert!(!codes(&secure_with("DEBUG = False\n", "")).contains(&"DJS401"));
    }

    #[test]
    fn environment_reads_are_judged_by_their_default() {
        let insecure = [
            "DEBUG = os.getenv('DEBUG', 'True') == 'True'\n",
            "DEBUG = os.environ.get('DEBUG', '1')\n",
            "import environ\nenv = environ.Env(DEBUG=(bool, True))\nDEBUG = env('DEBUG')\n",
            "import environ\nenv = environ.Env()\nDEBUG = env.bool('DEBUG', default=True)\n",
            "from decouple import config\nDEBUG = config('DEBUG', default='yes', cast=bool)\n",
        ];
        for line in insecure {
            let src = secure_with("DEBUG = False\n", line);
            let found = with_code(&src, "DJS401");
            assert_eq!(found.len(), 1, "{line}");
            assert!(
                found[0].message.contains("environment variable `DEBUG`"),
                "{}",
                found[0].message
            );
        }
        let safe = [
            "DEBUG = os.getenv('DEBUG', 'False') == 'True'\n",
            "DEBUG = os.environ.get('DEBUG') == '1'\n",
            "DEBUG = os.environ['DEBUG']\n",
            "from decouple import config\nDEBUG = config('DEBUG', default=False, cast=bool)\n",
            "from decouple import config\nDEBUG = config('DEBUG', cast=bool)\n",
            "DEBUG = some_function()\n",
        ];
        for line in safe {
            let src = secure_with("DEBUG = False\n", line);
            assert!(with_code(&src, "DJS401").is_empty(), "{line}");
        }
    }

    #[test]
    fn silenced_by_silenced_system_checks() {
        let src = secure_plus("DEBUG = True\nSILENCED_SYSTEM_CHECKS = ['security.W018']\n");
        assert!(with_code(&src, "DJS401").is_empty());
        let src = secure_plus("DEBUG = True\nSILENCED_SYSTEM_CHECKS = ['W018', 'security.W0*']\n");
        assert_eq!(with_code(&src, "DJS401").len(), 1);
    }

    #[test]
    fn fix_reads_debug_from_the_environment() {
        let src = "SECRET_KEY = 'x'\nDEBUG = True\n";
        let fixed = assert_fix(src, "DJS401");
        assert_eq!(
            fixed,
            "import os\n\nSECRET_KEY = 'x'\nDEBUG = os.environ.get(\"DJANGO_DEBUG\", \"\").lower() == \"true\"\n"
        );
        assert_eq!(fix_applicability(src, "DJS401"), vec!["unsafe"]);
        let src = "import environ\nenv = environ.Env()\nDEBUG = True\n";
        assert_eq!(
            assert_fix(src, "DJS401"),
            "import environ\nenv = environ.Env()\nDEBUG = env.bool(\"DJANGO_DEBUG\", default=False)\n"
        );
        let src = "from decouple import config\nDEBUG = config('DEBUG', default=True, cast=bool)\n";
        assert_eq!(
            assert_fix(src, "DJS401"),
            "from decouple import config\nDEBUG = config('DEBUG', default=False, cast=bool)\n"
        );
        let src = "\"\"\"Settings.\"\"\"\nimport os\nDEBUG = os.getenv('DEBUG', 'on')\n";
        assert_eq!(
            assert_fix(src, "DJS401"),
            "\"\"\"Settings.\"\"\"\nimport os\nDEBUG = os.getenv('DEBUG', False)\n"
        );
    }

    #[test]
    fn propagate_exceptions() {
        let src = secure_plus("DEBUG_PROPAGATE_EXCEPTIONS = True\n");
        assert_eq!(
            codes_at(&src)
                .into_iter()
                .filter(|f| f.0 == "DJS445")
                .collect::<Vec<_>>(),
            vec![("DJS445", 33, 1, "warning")]
        );
        assert!(
            with_code(
                &secure_plus("DEBUG_PROPAGATE_EXCEPTIONS = False\n"),
                "DJS445"
            )
            .is_empty()
        );
        let fixed = assert_fix(&src, "DJS445");
        assert!(fixed.ends_with("DEBUG_PROPAGATE_EXCEPTIONS = False\n"));
    }
}
