//! DJS422 `file-cache-exposed` (Django `caches.W002`).

use super::{Blame, Production, Settings};
use crate::analysis::Severity;
use crate::project::{Kind, Value, discover};
use crate::rules::{Family, FixAvailability, Rule};

const FILE_CACHE: &str = "django.core.cache.backends.filebased.FileBasedCache";

pub const FILE_CACHE_EXPOSED: Rule = Rule {
    code: "DJS422",
    name: "file-cache-exposed",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A file-based cache lives inside (or contains) `MEDIA_ROOT`, `STATIC_ROOT` or a `STATICFILES_DIRS` entry.",
    django_checks: &["caches.W002"],
    peers: &[],
    docs: r#"
## What it does
Reports a `FileBasedCache` in production `CACHES` whose `LOCATION` equals, is inside, or contains
`MEDIA_ROOT`, `STATIC_ROOT` or an entry of `STATICFILES_DIRS`, like Django's `caches.W002`. Only
absolute paths (literals, or computed from `__file__` with `pathlib` / `os.path`) are compared:
relative ones depend on the working directory of the server.

## Why is this bad?
Files under the media and static roots are served to anyone: cache files there expose cached pages
and data (other users' sessions and fragments), and user uploads inside a cache directory can
poison it. Pickled cache entries can also lead to code execution if an upload lands in the cache.

## Example
```python
MEDIA_ROOT = "/srv/app/media"
CACHES = {"default": {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": "/srv/app/media/cache",
}}
```

Use instead:
```python
CACHES = {"default": {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": "/var/cache/app",
}}
```

## Fix
Move the cache directory out of every served directory.

## Fix safety
No fix is offered.

## References
- Django: [Filesystem caching](https://docs.djangoproject.com/en/stable/topics/cache/#filesystem-caching)
"#,
};

/// An absolute, normalised path from a string or `Path` value.
fn abs_path(value: &Value) -> Option<String> {
    let text = match &value.kind {
        Kind::Str(s) | Kind::Path(s) => s,
        _ => return None,
    };
    if !text.starts_with('/') {
        return None;
    }
    let normalized = discover::normalize(std::path::Path::new(text), None);
    Some(
        normalized
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string(),
    )
}

fn inside(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/'))
        || (dir == "/" && path != "/")
}

pub fn check(settings: &mut Settings, production: &Production) {
    let Some(caches) = production.value("CACHES") else {
        return;
    };
    let Kind::Dict(aliases) = &caches.kind else {
        return;
    };
    let mut roots: Vec<(&str, Vec<String>)> = Vec::new();
    for name in ["MEDIA_ROOT", "STATIC_ROOT", "STATICFILES_DIRS"] {
        let Some(value) = production.value(name) else {
            continue;
        };
        if value.truthy() != Some(true) {
            continue;
        }
        let entries: Vec<Value> = if name == "STATICFILES_DIRS" {
            let Some(items) = value.items() else {
                continue;
            };
            items
                .iter()
                .map(|i| match &i.kind {
                    Kind::List(pair) | Kind::Tuple(pair) if pair.len() == 2 => pair[1].clone(),
                    _ => i.clone(),
                })
                .collect()
        } else {
            vec![value]
        };
        let paths: Vec<String> = entries.iter().filter_map(abs_path).collect();
        if !paths.is_empty() {
            roots.push((name, paths));
        }
    }
    if roots.is_empty() {
        return;
    }
    for (alias, config) in aliases {
        if config.get("BACKEND").and_then(Value::as_str) != Some(FILE_CACHE) {
            continue;
        }
        let Some(location_value) = config.get("LOCATION") else {
            continue;
        };
        let Some(location) = abs_path(location_value) else {
            continue;
        };
        for (name, paths) in &roots {
            let relation = if paths.contains(&location) {
                "matches"
            } else if paths.iter().any(|p| inside(p, &location)) {
                "is inside"
            } else if paths.iter().any(|p| inside(&location, p)) {
                "contains"
            } else {
                continue;
            };
            let blame = if settings.is_here(location_value.loc.as_ref()) {
                Blame::Value(location_value)
            } else {
                match production.binding("CACHES") {
                    Some(b) => Blame::Assignment(b),
                    None => continue,
                }
            };
            settings.report(
                production,
                FILE_CACHE_EXPOSED.code,
                Some("caches.W002"),
                blame,
                FILE_CACHE_EXPOSED.severity,
                format!(
                    "`{name}` {relation} the {} cache's location: cached data may be served to anyone",
                    alias.repr()
                ),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn only(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at(src)
            .into_iter()
            .filter(|f| f.0 == "DJS422")
            .collect()
    }

    const CACHE: &str = "CACHES = {'default': {'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache', 'LOCATION': @LOCATION@}}\n";

    fn with(location: &str, extra: &str) -> String {
        secure_plus(&format!("{extra}{}", CACHE.replace("@LOCATION@", location)))
    }

    #[test]
    fn relations() {
        assert_eq!(
            only(&with(
                "'/srv/app/media/cache'",
                "MEDIA_ROOT = '/srv/app/media'\n"
            )),
            vec![("DJS422", 34, 101, "warning")]
        );
        assert_eq!(
            only(&with(
                "'/srv/app/static'",
                "STATIC_ROOT = '/srv/app/static/'\n"
            ))
            .len(),
            1
        );
        assert_eq!(
            only(&with(
                "'/srv/app'",
                "STATICFILES_DIRS = [('assets', '/srv/app/assets')]\n"
            ))
            .len(),
            1
        );
        assert!(
            only(&with(
                "'/srv/app-cache'",
                "MEDIA_ROOT = '/srv/app/media'\nSTATIC_ROOT = '/srv/app/static'\n"
            ))
            .is_empty()
        );
        // Relative locations depend on the working directory: not judged.
        assert!(only(&with("'cache'", "MEDIA_ROOT = 'media'\n")).is_empty());
        let computed = "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nMEDIA_ROOT = BASE_DIR / 'media'\n";
        assert_eq!(
            only(&with("BASE_DIR / 'media' / 'cache'", computed)).len(),
            1
        );
        let message = &with_code(
            &with("'/srv/app/media/cache'", "MEDIA_ROOT = '/srv/app/media'\n"),
            "DJS422",
        )[0]
        .message;
        assert!(
            message.contains("`MEDIA_ROOT` contains the \"default\" cache's location")
                && message.ends_with("[caches.W002]"),
            "{message}"
        );
    }
}
