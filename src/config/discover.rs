//! Finding the configuration that applies to a file: the nearest `djsec.toml`, `.djsec.toml`, or
//! `pyproject.toml` with a `[tool.djsec]` table, in the file's folder or above. In one folder
//! `djsec.toml` wins over `.djsec.toml`, which wins over `pyproject.toml`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{ConfigError, Layer, Settings, load_file};

/// The names of configuration files, in order of precedence within one folder.
pub const CONFIG_FILE_NAMES: [&str; 3] = ["djsec.toml", ".djsec.toml", "pyproject.toml"];

pub fn is_config_file_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| CONFIG_FILE_NAMES.contains(&n))
}

/// Whether this file in `dir` is a djsec configuration (a `pyproject.toml` must mention djsec in
/// a `[tool.djsec]` table; the cheap text test avoids parsing every `pyproject.toml`).
pub fn candidate(dir: &Path) -> Option<PathBuf> {
    for name in CONFIG_FILE_NAMES {
        let path = dir.join(name);
        if !path.is_file() {
            continue;
        }
        if name != "pyproject.toml" {
            return Some(path);
        }
        let text = std::fs::read(&path).ok()?;
        let text = String::from_utf8_lossy(&text);
        if !text.contains("djsec") {
            continue;
        }
        // A pyproject.toml with errors that mentions djsec counts, so the errors are reported.
        if !matches!(load_file(&path), Ok(None)) {
            return Some(path);
        }
    }
    None
}

/// The nearest configuration file for a file or folder (an absolute path).
pub fn find_nearest(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() {
        Some(path)
    } else {
        path.parent()
    };
    start?.ancestors().find_map(candidate)
}

/// Settings per configuration file for a whole run of `djsec check`, with caches: each folder is
/// looked at once and each configuration file parsed once.
pub struct Resolver {
    /// Layers stacked above every file's own configuration (`--config`, then the flags).
    overrides: Vec<Layer>,
    /// Skip configuration files (`--isolated`).
    isolated: bool,
    /// The root for globs when no configuration file applies (the current folder).
    fallback_root: PathBuf,
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    settings: HashMap<Option<PathBuf>, Result<Arc<Settings>, Vec<ConfigError>>>,
}

impl Resolver {
    pub fn new(overrides: Vec<Layer>, isolated: bool, fallback_root: PathBuf) -> Resolver {
        Resolver {
            overrides,
            isolated,
            fallback_root,
            nearest: HashMap::new(),
            settings: HashMap::new(),
        }
    }

    fn nearest_for_dir(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.nearest.get(dir) {
            return found.clone();
        }
        let found = match candidate(dir) {
            Some(path) => Some(path),
            None => match dir.parent() {
                Some(parent) => self.nearest_for_dir(parent),
                None => None,
            },
        };
        self.nearest.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The settings for a file or folder given as an absolute path.
    pub fn settings_for(&mut self, path: &Path) -> Result<Arc<Settings>, Vec<ConfigError>> {
        let file = if self.isolated {
            None
        } else {
            let dir = if path.is_dir() {
                Some(path)
            } else {
                path.parent()
            };
            dir.and_then(|d| self.nearest_for_dir(d))
        };
        if let Some(cached) = self.settings.get(&file) {
            return cached.clone();
        }
        let resolved = self.resolve(file.as_deref());
        self.settings.insert(file, resolved.clone());
        resolved
    }

    fn resolve(&self, file: Option<&Path>) -> Result<Arc<Settings>, Vec<ConfigError>> {
        let own = match file {
            Some(path) => load_file(path)?,
            None => None,
        };
        let root = file
            .and_then(Path::parent)
            .unwrap_or(&self.fallback_root)
            .to_path_buf();
        let mut layers: Vec<&Layer> = own.iter().collect();
        layers.extend(self.overrides.iter());
        Ok(Arc::new(Settings::resolve(Some(&root), file, &layers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, text);
    }

    #[test]
    fn nearest_wins_and_pyproject_needs_tool_djsec() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let root = dir.path();
        write(
            &root.join("pyproject.toml"),
            "[tool.djsec]\nignore = [\"DJS1\"]\n",
        );
        write(
            &root.join("app/pyproject.toml"),
            "[tool.ruff]\nline-length = 100\n# djsec is mentioned\n",
        );
        write(&root.join("app/sub/.djsec.toml"), "ignore = [\"DJS2\"]\n");
        write(&root.join("app/sub/djsec.toml"), "ignore = [\"DJS9\"]\n");
        write(&root.join("app/sub/x.py"), "");
        write(&root.join("app/y.py"), "");
        assert_eq!(
            find_nearest(&root.join("app/y.py")),
            Some(root.join("pyproject.toml"))
        );
        assert_eq!(
            find_nearest(&root.join("app/sub/x.py")),
            Some(root.join("app/sub/djsec.toml"))
        );

        let mut resolver = Resolver::new(Vec::new(), false, root.to_path_buf());
        let top = resolver.settings_for(&root.join("app/y.py"));
        assert!(
            matches!(&top, Ok(s) if !s.rules.is_enabled("DJS101") && s.rules.is_enabled("DJS201"))
        );
        let sub = resolver.settings_for(&root.join("app/sub/x.py"));
        assert!(
            matches!(&sub, Ok(s) if s.rules.is_enabled("DJS101") && !s.rules.is_enabled("DJS901"))
        );
        let isolated = Resolver::new(Vec::new(), true, root.to_path_buf())
            .settings_for(&root.join("app/y.py"));
        assert!(matches!(&isolated, Ok(s) if s.rules.is_enabled("DJS101")));
    }

    #[test]
    fn a_broken_file_is_an_error_for_the_files_it_covers() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let root = dir.path();
        write(&root.join("djsec.toml"), "selct = []\n");
        write(&root.join("a.py"), "");
        let mut resolver = Resolver::new(Vec::new(), false, root.to_path_buf());
        let errors = resolver
            .settings_for(&root.join("a.py"))
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
        assert_eq!(errors[0].key, "selct");
    }
}
