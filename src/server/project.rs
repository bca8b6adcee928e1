//! The project index in the server: built in the background from the workspace folders, kept up
//! to date from open buffers and watched files, and handed to analysis in the [`Context`].
//!
//! - `initialize` records the workspace roots; `initialized` starts one background build per
//!   root on the blocking pool (the first diagnostics do not wait for it: until it is ready,
//!   files are analysed alone) and registers file watchers when the client supports dynamic
//!   registration (the registration request is awaited in a spawned task, never in a handler).
//! - Open buffers win over the disk: when a build finishes, the open buffers are applied to it.
//! - `didOpen`/`didChange`/`didClose` and `workspace/didChangeWatchedFiles` update the index on
//!   the blocking pool, one update at a time (each reads the latest buffer, so order does not
//!   matter); when what the index knows changed, the other open documents whose findings depend
//!   on it are analysed again.
//!
//! [`Context`]: crate::analysis::Context

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tower_lsp_server::ls_types::*;

use super::{Backend, path_of};
use std::panic::AssertUnwindSafe;

use crate::analysis::context::SettingsRole;
use crate::project::{IndexOptions, ProjectIndex, Role};

/// The file globs watched for the index.
pub const WATCHED: &[&str] = &[
    "**/*.py",
    "**/pyproject.toml",
    "**/setup.cfg",
    "**/pytest.ini",
];

#[derive(Default)]
pub struct ProjectState {
    /// Workspace roots and their index (`None` while the first build runs).
    roots: RwLock<Vec<(PathBuf, Option<Arc<ProjectIndex>>)>>,
    /// Serialises updates: each takes the current snapshot, derives the next and stores it.
    updating: Mutex<()>,
    /// Whether the client can register file watchers dynamically.
    pub dynamic_watchers: std::sync::atomic::AtomicBool,
}

impl ProjectState {
    /// The index whose root contains `path` (the deepest one).
    pub fn index_for(&self, path: Option<&Path>) -> Option<Arc<ProjectIndex>> {
        let path = path?;
        let roots = self.roots.read().ok()?;
        roots
            .iter()
            .filter(|(root, _)| path.starts_with(root))
            .max_by_key(|(root, _)| root.components().count())
            .and_then(|(_, index)| index.clone())
    }

    /// Record the workspace roots from `initialize`.
    pub fn set_roots(&self, params: &InitializeParams) {
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| path_of(&f.uri))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty()
            && let Some(uri) = params.root_uri.as_ref()
            && let Some(path) = path_of(uri)
        {
            roots.push(path);
        }
        let supports = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.dynamic_watchers
            .store(supports, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut slot) = self.roots.write() {
            *slot = roots.into_iter().map(|r| (r, None)).collect();
        }
    }

    fn roots(&self) -> Vec<PathBuf> {
        self.roots
            .read()
            .map(|r| r.iter().map(|(p, _)| p.clone()).collect())
            .unwrap_or_default()
    }

    fn store(&self, root: &Path, index: Arc<ProjectIndex>) {
        if let Ok(mut roots) = self.roots.write()
            && let Some(slot) = roots.iter_mut().find(|(r, _)| r == root)
        {
            slot.1 = Some(index);
        }
    }

    fn root_of(&self, path: &Path) -> Option<PathBuf> {
        self.roots()
            .into_iter()
            .filter(|root| path.starts_with(root))
            .max_by_key(|root| root.components().count())
    }
}

/// A change to apply to the index.
pub enum Change {
    /// The file's content: from its open buffer if open, else from disk.
    Content(PathBuf),
    Removed(PathBuf),
}

impl Backend {
    /// A handle on the same server state, for spawned tasks.
    fn handle(&self) -> Backend {
        Backend {
            client: self.client.clone(),
            state: Arc::clone(&self.state),
        }
    }

    /// A document was opened, edited or closed: update the index if it tracks the file.
    pub(super) fn project_touched(&self, uri: &Uri) {
        let Some(path) = path_of(uri) else {
            return;
        };
        let Some(index) = self.state.project.index_for(Some(&path)) else {
            return;
        };
        if index.tracks(&path) {
            self.update_project(vec![Change::Content(path)], Some(uri.clone()));
        }
    }

    /// Start the background builds (from `initialized`) and register the file watchers.
    pub(super) fn start_project_index(&self) {
        let state = Arc::clone(&self.state);
        let roots = state.project.roots();
        for root in roots {
            let state = Arc::clone(&self.state);
            let backend = self.handle();
            tokio::spawn(async move {
                // Progress reports until the build ends (`server/workspace.rs`).
                let _progress = backend.index_build(&root);
                let started = std::time::Instant::now();
                let build_root = root.clone();
                // Weak: the index lives in the state; the resolver must not keep the state alive.
                let config_state = Arc::downgrade(&state);
                let options = IndexOptions {
                    roles: Some(Arc::new(move |path: &Path| {
                        let state = config_state.upgrade()?;
                        let (context, _) = state.config.context_for(Some(path.to_path_buf()));
                        context.settings_role.map(|role| match role {
                            SettingsRole::Production => Role::Production,
                            SettingsRole::Development => Role::Development,
                        })
                    })),
                    ..IndexOptions::default()
                };
                let built = tokio::task::spawn_blocking(move || {
                    std::panic::catch_unwind(AssertUnwindSafe(|| {
                        ProjectIndex::build_with(&build_root, options)
                    }))
                    .ok()
                })
                .await;
                let Ok(Some(mut index)) = built else {
                    tracing::error!("building the project index of {} failed", root.display());
                    return;
                };
                // Open buffers are newer than the disk.
                let open: Vec<(PathBuf, String)> = state
                    .documents
                    .iter()
                    .filter_map(|d| path_of(d.key()).map(|p| (p, d.value().text().to_string())))
                    .filter(|(p, _)| p.starts_with(&root))
                    .collect();
                for (path, text) in open {
                    if let Some(next) = index.update_file(&path, &text) {
                        index = next;
                    }
                }
                let settings = index.settings_modules().count();
                {
                    let _guard = state.project.updating.lock();
                    state.project.store(&root, Arc::new(index));
                }
                tracing::info!(
                    "project index of {}: {settings} settings modules, {:.0?}",
                    root.display(),
                    started.elapsed()
                );
                backend.reanalyse_dependents(None);
            });
        }
        if self
            .state
            .project
            .dynamic_watchers
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            let client = self.client.clone();
            tokio::spawn(async move {
                let options = DidChangeWatchedFilesRegistrationOptions {
                    watchers: WATCHED
                        .iter()
                        .map(|g| FileSystemWatcher {
                            glob_pattern: GlobPattern::String(g.to_string()),
                            kind: None,
                        })
                        .collect(),
                };
                let registration = Registration {
                    id: "djsec-project-files".to_string(),
                    method: "workspace/didChangeWatchedFiles".to_string(),
                    register_options: serde_json::to_value(options).ok(),
                };
                if let Err(err) = client.register_capability(vec![registration]).await {
                    tracing::warn!("could not register file watchers: {err}");
                }
            });
        }
    }

    /// Apply changes to the index on the blocking pool; re-analyse dependents if it matters.
    pub(super) fn update_project(&self, changes: Vec<Change>, origin: Option<Uri>) {
        let state = Arc::clone(&self.state);
        let backend = self.handle();
        tokio::spawn(async move {
            let inner = Arc::clone(&state);
            let changed = tokio::task::spawn_blocking(move || {
                let state = inner;
                let Ok(_guard) = state.project.updating.lock() else {
                    return false;
                };
                let mut changed = false;
                for change in changes {
                    let path = match &change {
                        Change::Content(p) | Change::Removed(p) => p.clone(),
                    };
                    let Some(root) = state.project.root_of(&path) else {
                        continue;
                    };
                    let Some(index) = state.project.index_for(Some(&path)) else {
                        continue;
                    };
                    let next =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match change {
                            Change::Content(path) => {
                                let open = state
                                    .documents
                                    .iter()
                                    .find(|d| path_of(d.key()).is_some_and(|p| p == path))
                                    .map(|d| d.value().text().to_string());
                                match open.or_else(|| std::fs::read_to_string(&path).ok()) {
                                    Some(text) => index.update_file(&path, &text),
                                    None => index.remove_file(&path),
                                }
                            }
                            Change::Removed(path) => index.remove_file(&path),
                        }));
                    if let Ok(Some(next)) = next {
                        changed |= !next.same_knowledge(&index);
                        state.project.store(&root, Arc::new(next));
                    }
                }
                changed
            })
            .await
            .unwrap_or(false);
            if changed {
                backend.reanalyse_dependents(origin.as_ref());
            }
        });
    }

    /// The analysis of an open document summarised its functions: hand the summaries to the
    /// index (the buffer is newer than the disk), and when they changed, analyse again the other
    /// open documents whose findings looked up a summary of this file. The others keep their
    /// findings: nothing they used changed.
    pub(super) fn facts_computed(&self, uri: &Uri, facts: Arc<crate::project::facts::FileFacts>) {
        let Some(path) = path_of(uri) else {
            return;
        };
        let Some(root) = self.state.project.root_of(&path) else {
            return;
        };
        let (normalized, render_changed) = {
            let Ok(_guard) = self.state.project.updating.lock() else {
                return;
            };
            let Some(index) = self.state.project.index_for(Some(&path)) else {
                return;
            };
            let normalized = index.normalize(&path);
            // Where and how the file renders templates: the open templates depend on it.
            let render_changed = match index.facts(&normalized) {
                Some(old) => old.render != facts.render,
                None => !facts.render.is_empty(),
            };
            match index.update_facts(&path, facts) {
                Some(next) => self.state.project.store(&root, Arc::new(next)),
                None => return,
            }
            (normalized, render_changed)
        };
        let is_template = |uri: &Uri| {
            self.state
                .documents
                .get(uri)
                .is_some_and(|d| d.language == crate::syntax::Language::Template)
        };
        let uris: Vec<Uri> = self
            .state
            .caches
            .iter()
            .filter(|e| e.key() != uri)
            .filter(|e| {
                (render_changed && is_template(e.key()))
                    || match e.value().try_lock() {
                        Ok(cache) => cache.reads_file(&normalized),
                        // Being analysed now: analyse again to be sure.
                        Err(_) => true,
                    }
            })
            .map(|e| e.key().clone())
            .collect();
        for uri in uris {
            if self.state.documents.contains_key(&uri)
                && let Some(snapshot) = self.snapshot(&uri)
            {
                tracing::debug!(
                    "{} uses summaries of {}: analysing it again",
                    uri.as_str(),
                    normalized.display()
                );
                self.schedule_background(snapshot);
            }
        }
    }

    /// Analyse again the open documents whose findings depend on the index, except `skip`.
    fn reanalyse_dependents(&self, skip: Option<&Uri>) {
        let uris: Vec<Uri> = self
            .state
            .documents
            .iter()
            .map(|e| e.key().clone())
            .filter(|uri| Some(uri) != skip)
            .filter(|uri| {
                let path = path_of(uri);
                self.state
                    .project
                    .index_for(path.as_deref())
                    .is_some_and(|index| path.is_some_and(|p| index.depends_on_index(&p)))
            })
            .collect();
        for uri in uris {
            self.state.results.remove(&uri);
            if let Some(snapshot) = self.snapshot(&uri) {
                self.schedule_background(snapshot);
            }
        }
    }

    /// `workspace/didChangeWatchedFiles`: files changed on disk. Open documents are skipped (their
    /// buffer is what counts).
    pub(super) fn watched_files_changed(&self, params: DidChangeWatchedFilesParams) {
        let changes: Vec<Change> = params
            .changes
            .into_iter()
            .filter(|c| !self.state.documents.contains_key(&c.uri))
            .filter_map(|c| {
                let path = path_of(&c.uri)?;
                Some(if c.typ == FileChangeType::DELETED {
                    Change::Removed(path)
                } else {
                    Change::Content(path)
                })
            })
            .collect();
        if !changes.is_empty() {
            self.update_project(changes, None);
        }
    }
}
