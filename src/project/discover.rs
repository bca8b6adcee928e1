//! Finding a project's files without running anything: the Python files under the root, the
//! configuration files that name a settings module, and where `DJANGO_SETTINGS_MODULE` is set.

use std::path::{Component, Path, PathBuf};

/// Directories never worth walking into.
pub const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".git",
    ".hg",
    "site-packages",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "target",
    "dist",
    "build",
];

/// More files than this under one root: the rest are not indexed.
pub const MAX_FILES: usize = 200_000;

/// Where a `DJANGO_SETTINGS_MODULE` value was found, which says what the module is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// `wsgi.py` / `asgi.py`: what the application server loads (production, usually).
    Server,
    /// `manage.py` and other scripts: often the development settings.
    Script,
    /// pytest configuration (`pytest.ini`, `[tool.pytest.ini_options]`, `setup.cfg`, `tox.ini`,
    /// `conftest.py`): test settings.
    Test,
}

/// One `DJANGO_SETTINGS_MODULE` value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SettingsRef {
    pub module: String,
    pub kind: RefKind,
}

/// Lexically normalise a path: make it absolute against `base` when relative, and drop `.`
/// and `..` components (no symlinks are resolved; no I/O).
pub fn normalize(path: &Path, base: Option<&Path>) -> PathBuf {
    let joined;
    let path = match base {
        Some(base) if path.is_relative() => {
            joined = base.join(path);
            joined.as_path()
        }
        _ => path,
    };
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The kind of file a path is, for the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Python,
    /// pytest.ini, pyproject.toml, setup.cfg, tox.ini
    Config,
    Other,
}

pub fn file_kind(path: &Path) -> FileKind {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if matches!(
        name,
        "pytest.ini" | "pyproject.toml" | "setup.cfg" | "tox.ini"
    ) {
        return FileKind::Config;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("py") => FileKind::Python,
        _ => FileKind::Other,
    }
}

/// Python files whose text may set `DJANGO_SETTINGS_MODULE` (read at index time): scripts,
/// server entry points, and packages' `__init__.py` (a command-line tool or a Celery package
/// that points Django at its settings when imported).
pub fn may_set_settings_module(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(
        name,
        "manage.py" | "conftest.py" | "celery.py" | "__init__.py" | "__main__.py"
    ) || name.ends_with("wsgi.py")
        || name.ends_with("asgi.py")
}

/// The `DJANGO_SETTINGS_MODULE` values written in a file.
pub fn settings_refs(path: &Path, text: &str) -> Vec<SettingsRef> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let kind = match file_kind(path) {
        FileKind::Config => RefKind::Test,
        _ if name == "conftest.py" => RefKind::Test,
        _ if name.ends_with("wsgi.py") || name.ends_with("asgi.py") => RefKind::Server,
        _ => RefKind::Script,
    };
    let mut out = Vec::new();
    let mut rest = text;
    // `DJANGO_SETTINGS_MODULE`, then the first string (or bare value in ini files) after it.
    while let Some(at) = rest.find("DJANGO_SETTINGS_MODULE") {
        let after = &rest[at + "DJANGO_SETTINGS_MODULE".len()..];
        // A commented-out line (`# os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)`, left
        // "for visibility" in a `wsgi.py` that loads its settings otherwise) names nothing.
        if in_comment(text, text.len() - rest.len() + at) {
            rest = after;
            continue;
        }
        // The closing quote of `"DJANGO_SETTINGS_MODULE"` itself.
        let value_part = after.strip_prefix(['"', '\'']).unwrap_or(after);
        let line_end = after.find('\n').unwrap_or(after.len());
        let window_end = after
            .char_indices()
            .nth(200)
            .map_or(after.len(), |(i, _)| i);
        let window = &value_part[..window_end.saturating_sub(after.len() - value_part.len())];
        let ini = (kind == RefKind::Test && name != "conftest.py")
            .then(|| ini_value(&after[..line_end]))
            .flatten();
        if let Some(module) = first_module_string(window).or(ini).filter(|m| is_dotted(m)) {
            out.push(SettingsRef { module, kind });
        }
        rest = after;
    }
    // pytest-django's `--ds=module` in addopts.
    let mut rest = text;
    while let Some(at) = rest.find("--ds") {
        if in_comment(text, text.len() - rest.len() + at) {
            rest = &rest[at + 4..];
            continue;
        }
        let after = rest[at + 4..].trim_start_matches([' ', '=']);
        let module: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        if is_dotted(&module) {
            out.push(SettingsRef {
                module,
                kind: RefKind::Test,
            });
        }
        rest = &rest[at + 4..];
    }
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out.dedup();
    out
}

/// Whether byte `at` of `text` is on a line commented out before it (`#` in Python, TOML and
/// ini files; `;` in ini files). A `#` inside a string before it is rare enough to ignore.
fn in_comment(text: &str, at: usize) -> bool {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[start..at];
    before.contains('#') || before.trim_start().starts_with(';')
}

fn first_module_string(window: &str) -> Option<String> {
    let start = window.find(['"', '\''])?;
    let quote = window[start..].chars().next()?;
    let body = &window[start + 1..];
    let end = body.find(quote)?;
    let before = &window[..start];
    // Only `= "x"`, `: "x"`, `, "x"` (setdefault's second argument) or `("x"`.
    if before.contains(['\n']) && !before.trim().is_empty() && !before.trim().ends_with(',') {
        return None;
    }
    Some(body[..end].trim().to_string())
}

fn ini_value(line: &str) -> Option<String> {
    let value = line.trim_start().strip_prefix(['=', ':'])?.trim();
    let value = value.trim_matches(['"', '\'']);
    Some(value.to_string())
}

fn is_dotted(module: &str) -> bool {
    !module.is_empty()
        && module.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// Lower-case words of a name: `test_settings` → `test`, `settings`.
pub fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(['_', '-', '.', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
}

/// Words in a module's name that mark development, test or local settings.
pub const DEV_WORDS: &[&str] = &[
    "dev",
    "devel",
    "develop",
    "development",
    "local",
    "locals",
    "test",
    "tests",
    "testing",
    "ci",
    "debug",
    "sandbox",
    "example",
    "examples",
    "sample",
    "samples",
    "e2e",
    "pytest",
    "unittest",
    "selenium",
    "demo",
    // Settings that serve no request: a wheel or asset build's (`_build_settings.py`), a
    // documentation build's (Sphinx needs a `DJANGO_SETTINGS_MODULE`).
    "build",
    "doc",
    "docs",
    "sphinx",
];

/// Whether a directory holds test code: `tests/`, `test/`, `testing/`, `test_utils/`,
/// `e2e_tests/`, `testutils/`, `testproject/`, `testapp/` (not `testimonials/`).
pub fn is_test_dir(name: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "", "s", "ing", "util", "utils", "project", "projects", "proj", "app", "apps", "site",
        "support", "data", "lib", "libs", "case", "cases", "helpers", "runner", "server",
        "settings", "suite",
    ];
    let lower = name.to_ascii_lowercase();
    words(&lower).any(|w| matches!(w.as_str(), "test" | "tests" | "testing"))
        || lower
            .strip_prefix("test")
            .is_some_and(|rest| SUFFIXES.contains(&rest))
}

/// Whether a file is test code: a module named `test_*.py`, `*_test(s).py`, `tests.py`,
/// `conftest.py`, or anything (templates too) under a test directory ([`is_test_dir`]).
/// `path` should be relative to the project root: a project that lives under a `tests/` folder
/// is not all tests.
pub fn is_test_path(path: &Path) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let python = path.extension().is_some_and(|e| e == "py");
    (python
        && (stem.starts_with("test_")
            || stem.ends_with("_test")
            || stem.ends_with("_tests")
            || stem == "tests"
            || stem == "conftest"))
        || path
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .filter_map(|c| c.as_os_str().to_str())
            .any(is_test_dir)
}

/// Whether a directory holds settings for development, examples or documentation, not for a
/// deployment: test directories, `examples/`, `sample/`, `sandbox/`, `demo/`, `example_project/`,
/// `devproject/`, `docs/`.
pub fn is_dev_dir(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "example",
        "examples",
        "sample",
        "samples",
        "sandbox",
        "demo",
        "demos",
        "dev",
        "devel",
        "development",
        "doc",
        "docs",
    ];
    const SUFFIXES: &[&str] = &["", "project", "projects", "proj", "site", "app", "server"];
    let lower = name.to_ascii_lowercase();
    is_test_dir(&lower)
        || words(&lower).any(|w| WORDS.contains(&w.as_str()))
        || ["dev", "example", "sample", "demo"].iter().any(|p| {
            lower
                .strip_prefix(p)
                .is_some_and(|rest| SUFFIXES.contains(&rest))
        })
}

/// Words in a module's name that mark settings meant to be inherited.
pub const BASE_WORDS: &[&str] = &["base", "common", "default", "defaults", "shared", "core"];

/// Directory names whose settings modules are parts of others (django-split-settings).
pub const PART_DIRS: &[&str] = &["components", "partials", "parts"];

/// Whether a path names a settings module by convention: `settings.py`, `settings_*.py`,
/// `*_settings.py`, or any module inside a `settings/` package.
pub fn is_settings_path(path: &Path) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if path.extension().and_then(|e| e.to_str()) != Some("py") {
        return false;
    }
    if words(stem).any(|w| w == "settings") {
        return true;
    }
    path.parent()
        .into_iter()
        .flat_map(|p| p.components().rev().take(3))
        .any(|c| c.as_os_str() == "settings")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_settings_module_references() {
        let manage = "import os\ndef main():\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings.dev\")\n";
        assert_eq!(
            settings_refs(Path::new("/p/manage.py"), manage),
            vec![SettingsRef {
                module: "mysite.settings.dev".into(),
                kind: RefKind::Script
            }]
        );
        let wsgi = "os.environ['DJANGO_SETTINGS_MODULE'] = 'mysite.settings.production'\n";
        assert_eq!(
            settings_refs(Path::new("/p/mysite/wsgi.py"), wsgi)[0].kind,
            RefKind::Server
        );
        let ini = "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings.test\naddopts = --ds=other.settings\n";
        let refs = settings_refs(Path::new("/p/pytest.ini"), ini);
        assert_eq!(
            refs.iter().map(|r| r.module.as_str()).collect::<Vec<_>>(),
            vec!["mysite.settings.test", "other.settings"]
        );
        let toml = "[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = \"mysite.settings.test\"\n";
        assert_eq!(
            settings_refs(Path::new("/p/pyproject.toml"), toml)[0].module,
            "mysite.settings.test"
        );
        assert!(
            settings_refs(Path::new("/p/manage.py"), "DJANGO_SETTINGS_MODULE = x\n").is_empty()
        );
    }

    #[test]
    fn commented_out_references_name_nothing() {
        let wsgi = "# This is the Django default left here for visibility:\n# os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"nautobot.core.settings\")\nnautobot.setup()\n";
        assert!(settings_refs(Path::new("/p/nautobot/core/wsgi.py"), wsgi).is_empty());
        let ini = "[pytest]\n; DJANGO_SETTINGS_MODULE = old.settings\n# addopts = --ds=older.settings\nDJANGO_SETTINGS_MODULE = new.settings\n";
        let refs = settings_refs(Path::new("/p/pytest.ini"), ini);
        assert_eq!(
            refs.iter().map(|r| r.module.as_str()).collect::<Vec<_>>(),
            vec!["new.settings"]
        );
        let init = "def setup():\n    os.environ[\"DJANGO_SETTINGS_MODULE\"] = \"nautobot_config\"  # see cli\n";
        assert_eq!(
            settings_refs(Path::new("/p/nautobot/__init__.py"), init)[0].module,
            "nautobot_config"
        );
        assert!(may_set_settings_module(Path::new(
            "/p/nautobot/__init__.py"
        )));
    }

    #[test]
    fn test_and_development_folders() {
        for dir in [
            "tests",
            "test",
            "testing",
            "test_utils",
            "testutils",
            "testproject",
            "testapp",
            "e2e_tests",
            "Tests",
        ] {
            assert!(is_test_dir(dir), "{dir}");
            assert!(is_dev_dir(dir), "{dir}");
        }
        for dir in ["testimonials", "contest", "latest", "attestation"] {
            assert!(!is_test_dir(dir), "{dir}");
        }
        for dir in [
            "examples",
            "example_project",
            "devproject",
            "demo",
            "sandbox",
            "docs",
            "sample",
        ] {
            assert!(is_dev_dir(dir), "{dir}");
        }
        for dir in [
            "devices",
            "developers_portal_x",
            "builder",
            "core",
            "samplers",
        ] {
            assert!(!is_dev_dir(dir), "{dir}");
        }
        assert!(is_test_path(Path::new("app/tests.py")));
        assert!(is_test_path(Path::new("app/test_views.py")));
        assert!(is_test_path(Path::new("conftest.py")));
        assert!(is_test_path(Path::new("cms/test_utils/project/urls.py")));
        assert!(is_test_path(Path::new(
            "cms/test_utils/project/templates/nav.html"
        )));
        assert!(!is_test_path(Path::new("app/views.py")));
        assert!(!is_test_path(Path::new("app/templates/test_page.html")));
        assert!(!is_test_path(Path::new("testimonials/views.py")));
    }

    #[test]
    fn settings_paths_and_normalisation() {
        assert!(is_settings_path(Path::new("/p/mysite/settings.py")));
        assert!(is_settings_path(Path::new("/p/mysite/settings/prod.py")));
        assert!(is_settings_path(Path::new("/p/mysite/test_settings.py")));
        assert!(!is_settings_path(Path::new("/p/mysite/views.py")));
        assert!(!is_settings_path(Path::new("/p/mysite/settings.txt")));
        assert_eq!(
            normalize(Path::new("a/./b/../c.py"), Some(Path::new("/r"))),
            PathBuf::from("/r/a/c.py")
        );
    }
}
