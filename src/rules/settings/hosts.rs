//! DJS404 `allowed-hosts-empty` (W020) and DJS432 `allowed-hosts-wildcard`.

use super::{Blame, Production, Settings, fixes};
use crate::analysis::{Fix, Severity};
use crate::project::Kind;
use crate::project::eval::Setting;
use crate::rules::{Family, FixAvailability, Rule};

pub const ALLOWED_HOSTS_EMPTY: Rule = Rule {
    code: "DJS404",
    name: "allowed-hosts-empty",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`ALLOWED_HOSTS` is empty in production settings.",
    django_checks: &["security.W020"],
    peers: &[],
    docs: r#"
## What it does
Reports production settings whose effective `ALLOWED_HOSTS` is empty (`[]`, `()`, or not set at
all), like Django's `security.W020`. A list read from the environment is judged by its default.

## Why is this bad?
With `DEBUG = False` Django rejects every request whose `Host` header is not allowed, so an empty
list serves nothing; the usual "fix" under pressure is `["*"]`, which turns off Host header
validation (see `allowed-hosts-wildcard`, DJS432).

## Example
```python
ALLOWED_HOSTS = []
```

Use instead:
```python
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")
```

## Fix
Replaces the value with a comma-separated list read from the environment, `localhost` when unset
(requests for any real domain are then refused until the variable is set: the safe failure);
when the setting is missing from the whole chain, that line is appended.

## Fix safety
Unsafe: the deployment must set `DJANGO_ALLOWED_HOSTS`.

## References
- Django: [`ALLOWED_HOSTS`](https://docs.djangoproject.com/en/stable/ref/settings/#allowed-hosts)
"#,
};

pub const ALLOWED_HOSTS_WILDCARD: Rule = Rule {
    code: "DJS432",
    name: "allowed-hosts-wildcard",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`ALLOWED_HOSTS` accepts any host (`\"*\"`) or a whole public suffix (`\".com\"`).",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `"*"` in a production `ALLOWED_HOSTS` (Django's `check --deploy` is silent about it), and
entries that match a whole top-level domain, such as `".com"` or `"*.com"` (a leading dot matches a
domain and all its subdomains). A default of an environment read counts too:
`os.environ.get("ALLOWED_HOSTS", "*").split(",")` is reported.

When `MIDDLEWARE` holds a middleware of the project whose class raises `DisallowedHost` (a
multi-domain middleware that matches the Host against the domains it serves, as pretix and
pretalx have), the wildcard is deliberate: the finding is a hint asking to check that this
middleware refuses every host it does not serve.

## Why is this bad?
`ALLOWED_HOSTS` is Django's defence against Host header attacks: with `"*"` any Host is accepted,
so links built with `request.get_host()` or `build_absolute_uri()` — password reset e-mails,
redirects, cache keys — can point to an attacker's domain (cache poisoning, password-reset
poisoning).

## Example
```python
ALLOWED_HOSTS = ["*"]
```

Use instead:
```python
ALLOWED_HOSTS = ["example.com", "www.example.com"]
```

## Fix
Replaces the value with a comma-separated list read from the environment, `localhost` when unset.

## Fix safety
Unsafe: the deployment must list its domains in `DJANGO_ALLOWED_HOSTS`.

## References
- Django: [Host header validation](https://docs.djangoproject.com/en/stable/topics/security/#host-headers-virtual-hosting)
- CWE-644; PortSwigger: HTTP Host header attacks
"#,
};

/// Why a host pattern is too broad, if it is.
fn too_broad(host: &str) -> Option<&'static str> {
    let host = host.trim();
    if host == "*" {
        return Some("accepts any Host header");
    }
    let rest = host
        .strip_prefix("*.")
        .or_else(|| host.strip_prefix('.'))
        .unwrap_or("");
    if !rest.is_empty()
        && !rest.contains('.')
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Some("matches every domain under a top-level domain");
    }
    None
}

pub fn check(settings: &mut Settings, production: &Production) {
    let fix_for = |settings: &Settings, value: Option<&crate::project::Value>| -> Option<Fix> {
        let (expr, import) = fixes::env_list(settings, "DJANGO_ALLOWED_HOSTS", "localhost");
        let mut edits = Vec::new();
        match value {
            Some(v) => edits.push(fixes::replace_value(settings, v, &expr)?),
            None => edits.push(fixes::append_block(
                settings,
                &format!("ALLOWED_HOSTS = {expr}\n"),
            )),
        }
        edits.extend(import);
        Some(Fix::unsafe_(
            "Read ALLOWED_HOSTS from the environment",
            edits,
        ))
    };
    match production.setting("ALLOWED_HOSTS") {
        Setting::Unknown => {}
        Setting::Default => {
            let fix = fix_for(settings, None);
            settings.report(
                production,
                ALLOWED_HOSTS_EMPTY.code,
                Some("security.W020"),
                Blame::Top,
                ALLOWED_HOSTS_EMPTY.severity,
                "`ALLOWED_HOSTS` is not set in these production settings: every request will be refused",
                fix,
            );
        }
        Setting::Set(binding) => {
            let value = binding.value.clone();
            if value.truthy() == Some(false)
                && matches!(value.kind, Kind::List(_) | Kind::Tuple(_) | Kind::Set(_))
            {
                let fix = fix_for(settings, Some(&value));
                settings.report(
                    production,
                    ALLOWED_HOSTS_EMPTY.code,
                    Some("security.W020"),
                    Blame::Assignment(binding),
                    ALLOWED_HOSTS_EMPTY.severity,
                    format!(
                        "`ALLOWED_HOSTS` is empty{}: every request will be refused",
                        Settings::env_note(&value)
                    ),
                    fix,
                );
                return;
            }
            let Some(items) = value.items() else {
                return;
            };
            let broad = items.iter().find_map(|item| {
                item.as_str()
                    .and_then(too_broad)
                    .map(|why| (item.clone(), why))
            });
            if let Some((item, why)) = broad {
                let fix = fix_for(settings, Some(&value));
                let blame = if settings.is_here(item.loc.as_ref()) && item.env.is_none() {
                    Blame::Value(&item)
                } else {
                    Blame::Assignment(binding)
                };
                let (severity, message) = match host_validator(settings, production) {
                    Some(validator) => (
                        Severity::Hint,
                        format!(
                            "`ALLOWED_HOSTS` entry {} {why}{}, but the project's `{validator}` in `MIDDLEWARE` validates the Host itself (it raises `DisallowedHost`): make sure it refuses every host it does not serve",
                            item.repr(),
                            Settings::env_note(&value)
                        ),
                    ),
                    None => (
                        ALLOWED_HOSTS_WILDCARD.severity,
                        format!(
                            "`ALLOWED_HOSTS` entry {} {why}{}: links built from the Host header (password resets, redirects) can point anywhere",
                            item.repr(),
                            Settings::env_note(&value)
                        ),
                    ),
                };
                settings.report(
                    production,
                    ALLOWED_HOSTS_WILDCARD.code,
                    None,
                    blame,
                    severity,
                    message,
                    fix,
                );
            }
        }
    }
}

/// A middleware of the project, in the effective `MIDDLEWARE`, whose class raises
/// `DisallowedHost`: the project validates the Host itself (a multi-domain middleware that
/// matches it against the domains it serves), so `ALLOWED_HOSTS = ["*"]` is deliberate. Its
/// dotted path, as listed.
fn host_validator(settings: &Settings, production: &Production) -> Option<String> {
    let middleware = production.value("MIDDLEWARE")?;
    let index = &settings.index;
    middleware
        .items()?
        .iter()
        .filter_map(|item| item.as_str())
        .find(|path| {
            let Some((module, class)) = path.rsplit_once('.') else {
                return false;
            };
            index
                .resolve_dotted(module)
                .is_some_and(|file| raises_disallowed_host(index, &file, class, 0))
        })
        .map(str::to_string)
}

/// Whether `name` in `file` is (or re-exports, `from .domains import X` in a package's
/// `__init__.py`) a class or function that raises `DisallowedHost`.
fn raises_disallowed_host(
    index: &crate::project::ProjectIndex,
    file: &std::path::Path,
    name: &str,
    hops: u32,
) -> bool {
    let Some(facts) = index.facts(file) else {
        return false;
    };
    if facts.host_checks.contains(name) {
        return true;
    }
    if hops >= 4 {
        return false;
    }
    let Some(qualified) = facts.imports.get(name) else {
        return false;
    };
    let level = qualified.bytes().take_while(|b| *b == b'.').count();
    let Some((module, imported)) = qualified[level..].rsplit_once('.').or_else(|| {
        // `from . import X`: the module is the package itself.
        (level > 0).then_some(("", &qualified[level..]))
    }) else {
        return false;
    };
    let module = crate::project::ModuleRef {
        level: u32::try_from(level).unwrap_or(u32::MAX),
        module: module.to_string(),
    };
    index
        .resolve(file, &module)
        .is_some_and(|next| raises_disallowed_host(index, &next, imported, hops + 1))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::too_broad;

    const HOSTS: &str = "ALLOWED_HOSTS = [\"example.com\"]\n";

    /// Seen in pretix and pretalx: `ALLOWED_HOSTS = ["*"]` beside their own
    /// `MultiDomainMiddleware`, which raises `DisallowedHost` for the hosts they do not serve
    /// (pretalx lists it through the package that re-exports it). A hint; a middleware that
    /// raises nothing of the kind leaves the warning.
    #[test]
    fn wildcard_beside_a_host_validating_middleware() {
        let settings = secure_with(HOSTS, "ALLOWED_HOSTS = ['*']\n").replace(
            "    \"csp.middleware.CSPMiddleware\",\n",
            "    \"csp.middleware.CSPMiddleware\",\n    \"shop.common.middleware.MultiDomainMiddleware\",\n",
        );
        let validator = "from django.core.exceptions import DisallowedHost\nclass MultiDomainMiddleware:\n    def __call__(self, request):\n        if request.headers['Host'] not in domains():\n            raise DisallowedHost('unknown host')\n";
        let files = [
            ("shop/settings.py", settings.as_str()),
            (
                "shop/common/middleware/__init__.py",
                "from .domains import MultiDomainMiddleware\n",
            ),
            ("shop/common/middleware/domains.py", validator),
        ];
        let found: Vec<_> = project_findings(&files, "shop/settings.py")
            .into_iter()
            .filter(|f| f.code == "DJS432")
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity.as_str(), "hint");
        assert!(
            found[0]
                .message
                .contains("`shop.common.middleware.MultiDomainMiddleware`"),
            "{}",
            found[0].message
        );
        let other = validator.replace("raise DisallowedHost", "raise ValueError");
        let files = [
            ("shop/settings.py", settings.as_str()),
            (
                "shop/common/middleware/__init__.py",
                "from .domains import MultiDomainMiddleware\n",
            ),
            ("shop/common/middleware/domains.py", other.as_str()),
        ];
        let found: Vec<_> = project_findings(&files, "shop/settings.py")
            .into_iter()
            .filter(|f| f.code == "DJS432")
            .map(|f| f.severity.as_str())
            .collect();
        assert_eq!(found, vec!["warning"]);
    }

    #[test]
    fn empty_or_missing() {
        assert_eq!(
            codes_at(&secure_with(HOSTS, "ALLOWED_HOSTS = []\n"))
                .into_iter()
                .filter(|f| f.0 == "DJS404")
                .collect::<Vec<_>>(),
            vec![("DJS404", 5, 1, "warning")]
        );
        assert_eq!(
            codes_at(&secure_with(HOSTS, ""))
                .into_iter()
                .filter(|f| f.0 == "DJS404")
                .collect::<Vec<_>>(),
            vec![("DJS404", 1, 1, "warning")]
        );
        assert!(with_code(&secure_with(HOSTS, "ALLOWED_HOSTS = ()\n"), "DJS404").len() == 1);
        // `[""]` is not empty (Django agrees), `["*"]` is not empty either.
        assert!(with_code(&secure_with(HOSTS, "ALLOWED_HOSTS = ['']\n"), "DJS404").is_empty());
        assert!(with_code(&secure_with(HOSTS, "ALLOWED_HOSTS = ['*']\n"), "DJS404").is_empty());
        assert!(
            with_code(
                &secure_with(HOSTS, "ALLOWED_HOSTS = os.environ['HOSTS'].split(',')\n"),
                "DJS404"
            )
            .is_empty()
        );
    }

    #[test]
    fn wildcards() {
        assert_eq!(too_broad("*"), Some("accepts any Host header"));
        assert!(too_broad(".com").is_some());
        assert!(too_broad("*.com").is_some());
        assert!(too_broad(".example.com").is_none());
        assert!(too_broad("localhost").is_none());
        let src = secure_with(HOSTS, "ALLOWED_HOSTS = ['example.com', '*']\n");
        assert_eq!(
            codes_at(&src)
                .into_iter()
                .filter(|f| f.0 == "DJS432")
                .collect::<Vec<_>>(),
            vec![("DJS432", 5, 33, "warning")]
        );
        let src = secure_with(
            HOSTS,
            "ALLOWED_HOSTS = os.environ.get('HOSTS', '*').split(',')\n",
        );
        let found = with_code(&src, "DJS432");
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`HOSTS`"), "{}", found[0].message);
        assert!(with_code(SECURE, "DJS432").is_empty());
    }

    #[test]
    fn fixes() {
        let src = "import os\nALLOWED_HOSTS = ['*']\n";
        assert_eq!(
            assert_fix(src, "DJS432"),
            "import os\nALLOWED_HOSTS = os.environ.get(\"DJANGO_ALLOWED_HOSTS\", \"localhost\").split(\",\")\n"
        );
        let src = "import environ\nenv = environ.Env()\nALLOWED_HOSTS = []\n";
        assert_eq!(
            assert_fix(src, "DJS404"),
            "import environ\nenv = environ.Env()\nALLOWED_HOSTS = env.list(\"DJANGO_ALLOWED_HOSTS\", default=[\"localhost\"])\n"
        );
        let src = "DEBUG = False\n";
        assert_eq!(
            assert_fix(src, "DJS404"),
            "import os\n\nDEBUG = False\n\nALLOWED_HOSTS = os.environ.get(\"DJANGO_ALLOWED_HOSTS\", \"localhost\").split(\",\")\n"
        );
    }
}
