//! Which Django a project targets, read without running anything: the requirement in
//! `requirements*.txt`, `requirements/*.txt`, `pyproject.toml`, `setup.cfg`, `setup.py` or
//! `Pipfile` (`Django==1.11.29`, `django>=4.2,<5`, `"Django (>=3.2)"`), else the settings and
//! URLconf it writes: `MIDDLEWARE_CLASSES` without `MIDDLEWARE` or `patterns(...)` in `urls.py`
//! mean Django 1.x.
//!
//! The rules judge by it: Django 1.x reads `MIDDLEWARE_CLASSES`, Django 2.0 and later ignore it.

use std::path::Path;

/// The Django version a project targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoVersion {
    pub major: u32,
    /// Unknown when only the major version is implied (`<2`, `MIDDLEWARE_CLASSES`).
    pub minor: Option<u32>,
    /// Where it was read (`requirements.txt`, "the settings use `MIDDLEWARE_CLASSES`").
    pub source: String,
}

impl DjangoVersion {
    /// Whether the project runs a Django older than `major.minor`.
    pub fn before(&self, major: u32, minor: u32) -> bool {
        self.major < major || (self.major == major && self.minor.is_some_and(|m| m < minor))
    }

    /// `1.11`, `4.x`.
    pub fn label(&self) -> String {
        match self.minor {
            Some(m) => format!("{}.{m}", self.major),
            None => format!("{}.x", self.major),
        }
    }
}

/// The files a requirement is read from, relative to the project root, in order of preference.
pub const REQUIREMENT_FILES: &[&str] = &[
    "requirements.txt",
    "requirements/base.txt",
    "requirements/production.txt",
    "requirements/prod.txt",
    "requirements/common.txt",
    "requirements-prod.txt",
    "requirements/requirements.txt",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "Pipfile",
];

/// The Django requirement of the project under `root`, reading its requirement files with
/// `read`.
pub fn from_requirements(
    root: &Path,
    read: impl Fn(&Path) -> Option<String>,
) -> Option<DjangoVersion> {
    REQUIREMENT_FILES.iter().find_map(|name| {
        let text = read(&root.join(name))?;
        let (major, minor) = requirement_in(&text)?;
        Some(DjangoVersion {
            major,
            minor,
            source: (*name).to_string(),
        })
    })
}

/// The version a file's Django requirement allows first: the lower bound (`==`, `~=`, `>=`,
/// `>`), else the major version below an upper bound (`<2` is 1.x).
pub fn requirement_in(text: &str) -> Option<(u32, Option<u32>)> {
    for line in text.lines() {
        let lower = line.to_ascii_lowercase();
        let Some(at) = find_django(&lower) else {
            continue;
        };
        // `Django = "^4.2"` (poetry), `Django==4.2`, `"django (>=3.2)"`.
        let ops_and_versions = line_specs(&lower[at + "django".len()..]);
        let mut upper: Option<(u32, Option<u32>)> = None;
        for (op, version) in ops_and_versions {
            // Poetry: `Django = "^4.2"` (the `=` is the TOML assignment).
            let op = match op.strip_prefix('=') {
                Some(rest) if !rest.starts_with('=') => rest,
                _ => op.as_str(),
            };
            match op {
                "==" | "~=" | ">=" | ">" | "^" | "===" | "" => return Some(version),
                "<" | "<=" => upper = Some(version),
                _ => {}
            }
        }
        if let Some((major, minor)) = upper {
            // `<2` / `<2.0`: 1.x; `<4.2`: 4.1 at most, 4.x.
            return Some(match minor {
                Some(0) | None => (major.saturating_sub(1), None),
                Some(_) => (major, None),
            });
        }
    }
    None
}

/// The position of the word `django` as a requirement name (not `django-allauth`,
/// `djangorestframework` or a comment).
fn find_django(lower: &str) -> Option<usize> {
    let code = lower.split('#').next().unwrap_or("");
    let mut start = 0;
    while let Some(i) = code[start..].find("django") {
        let at = start + i;
        let before = code[..at].chars().next_back();
        let after = code[at + "django".len()..].chars().next();
        let name_start =
            before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'));
        let name_end = after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        if name_start && name_end {
            return Some(at);
        }
        start = at + 1;
    }
    None
}

/// `(operator, version)` pairs after a requirement name: `>=3.2,<4` → `[(">=", 3.2), ("<", 4)]`.
fn line_specs(rest: &str) -> Vec<(String, (u32, Option<u32>))> {
    let mut out = Vec::new();
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    let mut op = String::new();
    while i < chars.len() && out.len() < 4 {
        let c = chars[i];
        if matches!(c, '=' | '<' | '>' | '~' | '^' | '!') {
            op.push(c);
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let version: String = chars[start..i].iter().collect();
            let mut parts = version.split('.');
            let major = parts.next().and_then(|p| p.parse().ok());
            let minor = parts.next().and_then(|p| p.parse().ok());
            if let Some(major) = major {
                out.push((std::mem::take(&mut op), (major, minor)));
            }
            op.clear();
        } else if c == '[' {
            // Extras: `django[argon2]`.
            while i < chars.len() && chars[i] != ']' {
                i += 1;
            }
        } else if c == ';' || c == '#' {
            break;
        } else {
            if !matches!(c, ' ' | '"' | '\'' | '(' | ')' | ',' | '[' | ']') {
                // Extras (`django[argon2]`), other names: stop at a letter after the spec.
                if c.is_ascii_alphabetic() && !out.is_empty() {
                    break;
                }
            }
            i += 1;
        }
    }
    out
}

/// Django 1.x implied by how the settings and URLconf are written.
pub fn from_code(
    settings_use_middleware_classes: bool,
    urls_use_patterns: bool,
) -> Option<DjangoVersion> {
    let source = if settings_use_middleware_classes {
        "the settings use `MIDDLEWARE_CLASSES`"
    } else if urls_use_patterns {
        "the URLconf uses `patterns()`"
    } else {
        return None;
    };
    Some(DjangoVersion {
        major: 1,
        minor: None,
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requirement_specs() {
        for (text, expected) in [
            ("Django==1.11.29\n", Some((1, Some(11)))),
            ("django>=3.2,<4.0\n", Some((3, Some(2)))),
            (
                "# web\ndjango-allauth==0.50\nDjango~=4.2.3\n",
                Some((4, Some(2))),
            ),
            ("Django<2\n", Some((1, None))),
            ("Django<4.2\n", Some((4, None))),
            (
                "[project]\ndependencies = [\"Django (>=5.1)\", \"celery\"]\n",
                Some((5, Some(1))),
            ),
            (
                "[tool.poetry.dependencies]\nDjango = \"^4.2\"\n",
                Some((4, Some(2))),
            ),
            ("django[argon2]==5.0.1\n", Some((5, Some(0)))),
            ("djangorestframework==3.14\ndjango-cors-headers\n", None),
            ("# Django==1.8 was used before\n", None),
            ("requests==2.0\n", None),
        ] {
            assert_eq!(requirement_in(text), expected, "{text}");
        }
    }

    #[test]
    fn compares_versions() {
        let v = DjangoVersion {
            major: 1,
            minor: Some(11),
            source: String::new(),
        };
        assert!(v.before(2, 0));
        assert!(!v.before(1, 10));
        assert_eq!(v.label(), "1.11");
        let x = DjangoVersion {
            major: 1,
            minor: None,
            source: String::new(),
        };
        assert!(x.before(2, 0));
        assert!(!x.before(1, 10));
        assert_eq!(x.label(), "1.x");
    }

    #[test]
    fn reads_the_first_requirement_file_that_names_django() {
        let root = Path::new("/p");
        let read = |p: &Path| match p.to_str() {
            Some("/p/requirements.txt") => Some("flask\n".to_string()),
            Some("/p/setup.py") => Some("install_requires=['Django>=2.2']\n".to_string()),
            _ => None,
        };
        let v = from_requirements(root, read);
        assert_eq!(
            v.map(|v| (v.major, v.minor, v.source)),
            Some((2, Some(2), "setup.py".to_string()))
        );
    }
}
