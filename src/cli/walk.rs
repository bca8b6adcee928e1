//! Which files `djsec check` reads: Python files and templates under the given paths, honouring
//! `.gitignore` and `exclude`, skipping virtualenvs, `node_modules` and caches, and following no
//! symbolic link (so nothing outside the project is read through one).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::discover::Resolver;
use crate::config::{ConfigError, Settings};
use crate::syntax::Language;

/// Folders never worth walking into.
pub const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".git",
    ".hg",
    ".svn",
    "site-packages",
    "dist-packages",
    ".mypy_cache",
    ".ruff_cache",
    ".djsec_cache",
    ".pytest_cache",
    "target",
];

/// A file to check.
pub struct Candidate {
    /// How the file is shown: under the path as given on the command line (relative paths
    /// without a leading `./`, absolute ones absolute).
    pub label: String,
    /// Absolute (not canonicalised: symbolic links in the path are kept as written).
    pub path: PathBuf,
    pub language: Language,
    pub settings: Arc<Settings>,
}

pub struct Walk {
    pub files: Vec<Candidate>,
    pub errors: Vec<String>,
    pub config_errors: Vec<ConfigError>,
}

/// A folder that holds a virtualenv, whatever its name.
fn is_virtualenv(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file()
}

fn explicit_language(path: &Path) -> Option<Language> {
    Language::from_path(path).or_else(|| {
        matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("html" | "htm" | "txt" | "djhtml" | "jinja" | "jinja2" | "j2")
        )
        .then_some(Language::Template)
    })
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically.
pub fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    // Lexically drop `.` and resolve `..` without touching the file system.
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Collect the files to check. Files named explicitly are checked whatever their location,
/// unless `force_exclude` and the configuration excludes them.
pub fn collect(paths: &[PathBuf], cwd: &Path, resolver: Resolver, force_exclude: bool) -> Walk {
    let resolver = Arc::new(Mutex::new(resolver));
    let mut walk = Walk {
        files: Vec::new(),
        errors: Vec::new(),
        config_errors: Vec::new(),
    };
    let settings_for = |path: &Path| -> Result<Arc<Settings>, Vec<ConfigError>> {
        match resolver.lock() {
            Ok(mut r) => r.settings_for(path),
            Err(_) => Ok(Arc::new(Settings::default())),
        }
    };
    for given in paths {
        let path = absolute(given, cwd);
        let meta = std::fs::metadata(&path);
        if meta.as_ref().is_ok_and(|m| m.is_file()) {
            let settings = match settings_for(&path) {
                Ok(s) => s,
                Err(e) => {
                    walk.config_errors.extend(e);
                    continue;
                }
            };
            if force_exclude && settings.is_excluded(&path) {
                continue;
            }
            match explicit_language(&path) {
                Some(language) => walk.files.push(Candidate {
                    label: label_for(given, &path, &path),
                    path,
                    language,
                    settings,
                }),
                None => walk.errors.push(format!(
                    "{}: not a Python file or template",
                    given.display()
                )),
            }
            continue;
        }
        if meta.is_err() {
            walk.errors
                .push(format!("{}: no such file or directory", given.display()));
            continue;
        }
        let root_settings = match settings_for(&path) {
            Ok(s) => s,
            Err(e) => {
                walk.config_errors.extend(e);
                continue;
            }
        };
        if force_exclude && root_settings.is_excluded(&path) {
            continue;
        }
        let filter_resolver = Arc::clone(&resolver);
        let walker = ignore::WalkBuilder::new(&path)
            .follow_links(false)
            .git_ignore(root_settings.respect_gitignore)
            .git_global(root_settings.respect_gitignore)
            .git_exclude(root_settings.respect_gitignore)
            .ignore(root_settings.respect_gitignore)
            .require_git(false)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if is_dir && entry.depth() > 0 {
                    let skipped = entry
                        .file_name()
                        .to_str()
                        .is_some_and(|n| SKIPPED_DIRS.contains(&n));
                    if skipped || is_virtualenv(entry.path()) {
                        return false;
                    }
                }
                if entry.depth() == 0 {
                    return true;
                }
                match filter_resolver.lock() {
                    Ok(mut r) => match r.settings_for(entry.path()) {
                        Ok(s) => !s.is_excluded(entry.path()),
                        // Reported when the file itself is resolved below.
                        Err(_) => true,
                    },
                    Err(_) => true,
                }
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    let Some(language) = Language::from_path(e.path()) else {
                        continue;
                    };
                    match settings_for(e.path()) {
                        Ok(settings) => walk.files.push(Candidate {
                            label: label_for(given, &path, e.path()),
                            path: e.into_path(),
                            language,
                            settings,
                        }),
                        Err(errors) => {
                            for error in errors {
                                if !walk.config_errors.contains(&error) {
                                    walk.config_errors.push(error);
                                }
                            }
                        }
                    }
                }
                Ok(_) => {}
                Err(err) => walk.errors.push(err.to_string()),
            }
        }
    }
    walk.files.sort_by(|a, b| a.path.cmp(&b.path));
    walk.files.dedup_by(|a, b| a.path == b.path);
    walk
}

/// Read a file as text: invalid UTF-8 is replaced (with a warning), never a crash.
pub fn read_text(path: &Path) -> std::io::Result<(String, Option<String>)> {
    let bytes = std::fs::read(path)?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, None)),
        Err(err) => Ok((
            String::from_utf8_lossy(err.as_bytes()).into_owned(),
            Some(format!(
                "{}: not valid UTF-8; invalid bytes replaced",
                path.display()
            )),
        )),
    }
}

/// How a file found under the argument `given` (absolute: `root`) is shown: the argument as
/// written joined with the rest of the path, `.` and `..` resolved lexically.
fn label_for(given: &Path, root: &Path, file: &Path) -> String {
    let rest = file.strip_prefix(root).unwrap_or(Path::new(""));
    let joined = given.join(rest);
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for c in joined.components() {
        match c {
            std::path::Component::RootDir => absolute = true,
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..".to_string());
                }
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            std::path::Component::Prefix(p) => {
                parts.push(p.as_os_str().to_string_lossy().into_owned())
            }
        }
    }
    let text = parts.join("/");
    match (absolute, text.is_empty()) {
        (true, _) => format!("/{text}"),
        (false, true) => ".".to_string(),
        (false, false) => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_argument() {
        let root = Path::new("/p/app");
        let file = Path::new("/p/app/sub/v.py");
        assert_eq!(label_for(Path::new("."), root, file), "sub/v.py");
        assert_eq!(label_for(Path::new("./app/"), root, file), "app/sub/v.py");
        assert_eq!(label_for(Path::new("../x/.."), root, file), "../sub/v.py");
        assert_eq!(
            label_for(Path::new("/p/app"), root, file),
            "/p/app/sub/v.py"
        );
        assert_eq!(label_for(Path::new("v.py"), file, file), "v.py");
    }
}
