//! Configuration in the server: the nearest configuration file for each document (so each
//! workspace folder, and each sub-project in it, has its own), editor settings layered on top,
//! reloads on `workspace/didChangeWatchedFiles`, and errors shown as diagnostics on the
//! configuration file while the last good configuration stays in force.
//!
//! Everything here is synchronous and cheap after the first look-up (folders and files are
//! cached); handlers call it before any `.await`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ropey::Rope;
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticSeverity, DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher,
    GlobPattern, NumberOrString, Registration, Uri,
};

use super::convert;
use crate::analysis::Context;
use crate::config::{self, ConfigError, Layer, Settings, discover};
use crate::document::PositionEncoding;

/// What is known of one configuration file.
#[derive(Default)]
struct FileState {
    /// The last configuration that parsed; kept while the file has errors.
    good: Option<Layer>,
    errors: Vec<ConfigError>,
    /// The text the errors refer to (for their positions).
    text: String,
}

#[derive(Default)]
struct Inner {
    /// Folder → the configuration file that applies there.
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    files: HashMap<PathBuf, FileState>,
    /// Resolved settings per configuration file (`None`: no file), for the editor layer in force.
    resolved: HashMap<Option<PathBuf>, Arc<Settings>>,
    editor: Layer,
    /// Workspace folders: the root for globs when no configuration file applies.
    roots: Vec<PathBuf>,
    /// Configuration files whose diagnostics changed and must be published.
    pending: Vec<PathBuf>,
}

#[derive(Default)]
pub struct ConfigStore {
    inner: Mutex<Inner>,
}

/// Diagnostics to publish for one configuration file.
pub struct ConfigDiagnostics {
    pub uri: Uri,
    pub diagnostics: Vec<Diagnostic>,
}

impl Inner {
    fn nearest_for_dir(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.nearest.get(dir) {
            return found.clone();
        }
        let found = match discover::candidate(dir) {
            Some(path) => Some(path),
            None => dir.parent().and_then(|p| self.nearest_for_dir(p)),
        };
        self.nearest.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// Read a configuration file (again); on errors keep the last good configuration.
    fn load(&mut self, path: &Path) {
        let text = std::fs::read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let parsed = if path.is_file() {
            config::parse::parse_text(path, &text)
        } else {
            Ok(None)
        };
        let state = self.files.entry(path.to_path_buf()).or_default();
        let had_errors = !state.errors.is_empty();
        match parsed {
            Ok(layer) => {
                state.good = layer;
                state.errors.clear();
            }
            Err(errors) => {
                tracing::warn!(
                    "configuration {} has {} error(s); keeping the last good configuration",
                    path.display(),
                    errors.len()
                );
                state.errors = errors;
            }
        }
        state.text = text;
        if had_errors || !state.errors.is_empty() {
            self.pending.push(path.to_path_buf());
        }
    }

    fn settings(&mut self, file: Option<PathBuf>, fallback_root: &Path) -> Arc<Settings> {
        if let Some(s) = self.resolved.get(&file) {
            return Arc::clone(s);
        }
        if let Some(path) = &file
            && !self.files.contains_key(path)
        {
            self.load(path);
        }
        let own = file.as_ref().and_then(|p| self.files.get(p)?.good.as_ref());
        let root = file
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(fallback_root)
            .to_path_buf();
        let mut layers: Vec<&Layer> = own.into_iter().collect();
        layers.push(&self.editor);
        let settings = Arc::new(Settings::resolve(Some(&root), file.as_deref(), &layers));
        self.resolved.insert(file, Arc::clone(&settings));
        settings
    }
}

impl ConfigStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The editor settings (`initializationOptions`, `didChangeConfiguration`) to layer on top
    /// of every configuration file.
    pub fn set_editor(&self, layer: Layer) {
        let mut inner = self.lock();
        inner.editor = layer;
        inner.resolved.clear();
    }

    pub fn set_roots(&self, roots: Vec<PathBuf>) {
        let mut inner = self.lock();
        inner.roots = roots;
        inner.resolved.clear();
    }

    /// The analysis context for a document and whether it is included (not `exclude`d).
    pub fn context_for(&self, path: Option<PathBuf>) -> (Context, bool) {
        let mut inner = self.lock();
        let Some(path) = path else {
            let settings = inner.settings(None, Path::new("/"));
            return (settings.context_for(None), true);
        };
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let file = inner.nearest_for_dir(&dir);
        let fallback = inner
            .roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
            .cloned()
            .unwrap_or(dir);
        let settings = inner.settings(file, &fallback);
        let included = !settings.is_excluded(&path);
        (settings.context_for(Some(path)), included)
    }

    /// Some files changed on disk: reload the configuration files among them. Returns whether
    /// any configuration changed (then every open document must be analysed again).
    pub fn files_changed(&self, paths: &[PathBuf]) -> bool {
        let changed: Vec<&PathBuf> = paths
            .iter()
            .filter(|p| config::is_config_file_name(p))
            .collect();
        if changed.is_empty() {
            return false;
        }
        let mut inner = self.lock();
        // A created or deleted file changes which one is nearest.
        inner.nearest.clear();
        inner.resolved.clear();
        for path in changed {
            if inner.files.contains_key(path.as_path()) || path.is_file() {
                inner.load(path);
            }
        }
        true
    }

    /// Forget everything read from disk (used when the editor asks to reload).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.nearest.clear();
        inner.resolved.clear();
        let paths: Vec<PathBuf> = inner.files.keys().cloned().collect();
        for path in paths {
            inner.load(&path);
        }
    }

    /// Diagnostics for the configuration files whose errors changed since the last call.
    pub fn take_diagnostics(&self, encoding: PositionEncoding) -> Vec<ConfigDiagnostics> {
        let mut inner = self.lock();
        let mut pending = std::mem::take(&mut inner.pending);
        pending.sort();
        pending.dedup();
        pending
            .into_iter()
            .filter_map(|path| {
                let state = inner.files.get(&path)?;
                let uri = Uri::from_file_path(&path)?;
                let rope = Rope::from_str(&state.text);
                let diagnostics = state
                    .errors
                    .iter()
                    .map(|e| error_diagnostic(e, &rope, encoding))
                    .collect();
                Some(ConfigDiagnostics { uri, diagnostics })
            })
            .collect()
    }
}

fn error_diagnostic(error: &ConfigError, rope: &Rope, encoding: PositionEncoding) -> Diagnostic {
    let len = rope.len_bytes();
    let start = error.range.start.min(len);
    let end = error.range.end.clamp(start, len);
    let message = if error.key.is_empty() {
        error.message.clone()
    } else {
        format!("`{}`: {}", error.key, error.message)
    };
    Diagnostic {
        range: convert::lsp_range(rope, &(start..end), encoding),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("config".to_string())),
        source: Some("djsec".to_string()),
        message: format!("{message} (djsec keeps the last valid configuration)"),
        ..Diagnostic::default()
    }
}

/// The workspace folders (or the root URI of older clients), as paths.
#[allow(deprecated)]
pub fn workspace_roots(params: &tower_lsp_server::ls_types::InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
        .collect();
    if roots.is_empty()
        && let Some(p) = params.root_uri.as_ref().and_then(|u| u.to_file_path())
    {
        roots.push(p.into_owned());
    }
    roots
}

/// The file watchers to register with the client for configuration files.
pub fn watch_registration() -> Option<Registration> {
    let watchers: Vec<FileSystemWatcher> = discover::CONFIG_FILE_NAMES
        .iter()
        .map(|name| FileSystemWatcher {
            glob_pattern: GlobPattern::String(format!("**/{name}")),
            kind: None,
        })
        .collect();
    let options =
        serde_json::to_value(DidChangeWatchedFilesRegistrationOptions { watchers }).ok()?;
    Some(Registration {
        id: "djsec-config-files".to_string(),
        method: "workspace/didChangeWatchedFiles".to_string(),
        register_options: Some(options),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis;
    use crate::cli::check::{CheckArgs, OutputFormat};
    use crate::syntax::Language;

    const VIEWS: &str = "from django.db import connection\nfrom django.utils.safestring import mark_safe\n\n\ndef greet(request):\n    return mark_safe(request.GET[\"n\"])  # nosec B703\n\n\ndef item(request, pk):\n    with connection.cursor() as cursor:\n        cursor.execute(f\"SELECT * FROM t WHERE id = {pk}\")\n";

    fn write(path: &Path, text: &str) {
        if let Some(p) = path.parent() {
            let _ = std::fs::create_dir_all(p);
        }
        let _ = std::fs::write(path, text);
    }

    /// `(code, severity)` as the server's analysis entry computes them for a file.
    fn server_codes(store: &ConfigStore, path: &Path) -> Vec<(String, String)> {
        let (context, included) = store.context_for(Some(path.to_path_buf()));
        if !included {
            return Vec::new();
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        analysis::analyze_text(&text, Language::Python, &context)
            .into_iter()
            .map(|f| (f.code.to_string(), f.severity.as_str().to_string()))
            .collect()
    }

    /// The same through `djsec check --format json`, in-process.
    fn cli_codes(path: &Path) -> Vec<(String, String)> {
        let args = CheckArgs {
            paths: vec![path.to_path_buf()],
            format: OutputFormat::Json,
            output_file: None,
            select: Vec::new(),
            extend_select: Vec::new(),
            ignore: Vec::new(),
            config: None,
            isolated: false,
            extend_exclude: Vec::new(),
            force_exclude: true,
            fix: false,
            unsafe_fixes: false,
            diff: false,
            baseline: None,
            write_baseline: None,
            statistics: false,
            // The editor shows every severity: so must the CLI to agree finding for finding.
            min_severity: Some(crate::cli::check::Level::Hint),
            fail_on: None,
            exit_zero: true,
            color: crate::cli::check::ColorChoice::Never,
            no_progress: true,
            threads: None,
            no_cache: true,
            cache_dir: None,
            no_prefilter: false,
        };
        let mut out = Vec::new();
        let mut err = Vec::new();
        crate::cli::check::run(&args, &mut out, &mut err);
        let report: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
        report["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| {
                        (
                            f["code"].as_str().unwrap_or("").to_string(),
                            f["severity"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn one_configuration_file_drives_cli_and_server_alike() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let root = dir.path();
        let views = root.join("app/views.py");
        write(&views, VIEWS);
        let store = ConfigStore::default();
        let default = server_codes(&store, &views);
        assert_eq!(default.len(), 2, "{default:?}");
        assert_eq!(default, cli_codes(&views));

        write(
            &root.join("pyproject.toml"),
            "[tool.djsec]\nexternal-suppressions = [\"bandit\"]\n[tool.djsec.severity]\nDJS201 = \"info\"\n",
        );
        assert!(store.files_changed(&[root.join("pyproject.toml")]));
        let configured = server_codes(&store, &views);
        assert_eq!(configured, vec![("DJS201".to_string(), "info".to_string())]);
        assert_eq!(configured, cli_codes(&views));

        write(&root.join("djsec.toml"), "exclude = [\"app\"]\n");
        assert!(store.files_changed(&[root.join("djsec.toml")]));
        assert_eq!(server_codes(&store, &views), Vec::new());
        assert_eq!(cli_codes(&views), Vec::new());
    }

    #[test]
    fn editor_settings_override_the_file_and_errors_keep_the_last_good_config() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let root = dir.path();
        let views = root.join("views.py");
        write(&views, VIEWS);
        let config = root.join("djsec.toml");
        write(&config, "ignore = [\"DJS2\"]\n");
        let store = ConfigStore::default();
        let codes = |s: &ConfigStore| -> Vec<String> {
            server_codes(s, &views)
                .into_iter()
                .map(|(c, _)| c)
                .collect()
        };
        assert_eq!(codes(&store), ["DJS101"]);

        // Editor settings go over the file.
        let (layer, errors) = config::layer_from_json(
            &serde_json::json!({"extendSelect": ["DJS201"], "ignore": ["DJS101"]}),
        );
        assert!(errors.is_empty());
        store.set_editor(layer);
        assert_eq!(codes(&store), ["DJS201"]);
        store.set_editor(Layer::default());
        assert_eq!(codes(&store), ["DJS101"]);

        // A broken edit: errors published, last good configuration kept.
        write(&config, "ignore = [\"DJS2\"]\nselct = [\"DJS1\"]\n");
        assert!(store.files_changed(std::slice::from_ref(&config)));
        assert_eq!(codes(&store), ["DJS101"]);
        let published = store.take_diagnostics(PositionEncoding::Utf16);
        assert_eq!(published.len(), 1);
        let diagnostic = &published[0].diagnostics[0];
        assert_eq!(diagnostic.range.start.line, 1);
        assert!(
            diagnostic.message.starts_with("`selct`: unknown key"),
            "{}",
            diagnostic.message
        );
        assert!(store.take_diagnostics(PositionEncoding::Utf16).is_empty());

        // Fixed: the diagnostics are cleared and the new configuration applies.
        write(&config, "ignore = [\"DJS1\"]\n");
        assert!(store.files_changed(std::slice::from_ref(&config)));
        assert_eq!(codes(&store), ["DJS201"]);
        let cleared = store.take_diagnostics(PositionEncoding::Utf16);
        assert_eq!(cleared.len(), 1);
        assert!(cleared[0].diagnostics.is_empty());

        // Not a configuration file: nothing reloads.
        assert!(!store.files_changed(&[root.join("views.py")]));
        assert!(watch_registration().is_some());
    }
}
