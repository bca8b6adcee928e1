//! The whole project in the Problems panel: findings of files that are not open, and progress
//! reports while the project index is built.
//!
//! - **Pull clients** (VS Code) ask `workspace/diagnostic` and ask again about two seconds after
//!   each answer. The answer covers every Python file and template of the workspace folders that
//!   `djsec check` would read (`cli::walk`, so `.gitignore` and `exclude` apply), or with the
//!   scope `settings` only the settings modules and URLconfs. Each file's report carries a result
//!   id, a hash of its diagnostics: a file whose id the client already holds is answered
//!   `unchanged`, a file that has no findings and was never reported is left out, and a file
//!   reported before that is gone (deleted, excluded, out of scope) gets an empty report. Files
//!   are analysed again only when their size or modification time changed, the settings or the
//!   configuration changed ([`Backend::workspace_changed`]), or the project index learnt
//!   something new (not every new snapshot: [`ProjectIndex::same_knowledge`]).
//! - **Push-only clients** (Neovim, Emacs, Helix) get `publishDiagnostics` for the files in scope
//!   that are not open (by default the settings modules and URLconfs) once the index is built,
//!   and again after settings, configuration or files on disk change; only what changed is sent.
//! - The scope is the editor setting `workspaceDiagnostics`: `off`, `settings` or `all`.
//! - While a workspace folder is indexed, `$/progress` work-done reports ("Indexing 1,204
//!   files") when the client supports `window.workDoneProgress`. The build itself is in
//!   `server/project.rs`; it holds an [`IndexBuild`] guard whose drop tells this module it ended.
//!
//! Open documents are reported from their buffer (with their version); everything else is read
//! from disk on the blocking pool and analysed on rayon's pool, never in a handler.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use ropey::Rope;
use tokio::sync::oneshot;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::{Backend, State, convert, path_of};
use crate::analysis;
use crate::cli::walk;
use crate::config::discover::Resolver;
use crate::document::PositionEncoding;
use crate::project::ProjectIndex;
use crate::syntax::Language;

/// Which files besides the open ones are reported (`workspaceDiagnostics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only open documents.
    Off,
    /// The settings modules and URLconfs of the project index.
    Settings,
    /// Every Python file and template `djsec check` would read.
    All,
}

impl Scope {
    pub fn parse(text: &str) -> Option<Scope> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" | "none" | "open" => Some(Scope::Off),
            "settings" => Some(Scope::Settings),
            "all" | "workspace" => Some(Scope::All),
            _ => None,
        }
    }
}

/// How long to wait after a change on disk before publishing again to a push client (changes
/// come in bursts, e.g. a `git checkout`).
const PUSH_DELAY: Duration = Duration::from_millis(300);

/// A file's identity on disk: when it changes, the file is read and analysed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// What the findings of a closed file were computed against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Basis {
    stamp: Stamp,
    /// [`WorkspaceState::generation`] (settings and configuration).
    generation: u64,
    /// The knowledge generation of the file's project index.
    knowledge: u64,
}

struct Cached {
    basis: Basis,
    result_id: String,
    diagnostics: Arc<Vec<Diagnostic>>,
}

/// The diagnostics of one file, as reported.
struct Entry {
    path: PathBuf,
    uri: Uri,
    /// `Some` for open documents.
    version: Option<i32>,
    result_id: String,
    diagnostics: Arc<Vec<Diagnostic>>,
}

/// The last index snapshot seen for a workspace folder and how many times what it knows changed.
struct Seen {
    root: PathBuf,
    index: Arc<ProjectIndex>,
    knowledge: u64,
}

#[derive(Default)]
pub struct WorkspaceState {
    /// Workspace folders, from `initialize`.
    roots: Mutex<Vec<PathBuf>>,
    /// The client shows `$/progress` work-done reports.
    work_done_progress: AtomicBool,
    /// Bumped when the settings or the configuration change: every cached result is stale.
    generation: AtomicU64,
    seen: Mutex<Vec<Seen>>,
    cache: Mutex<HashMap<PathBuf, Cached>>,
    /// Push clients: the result id last published for each file that is not open.
    published: Mutex<HashMap<PathBuf, (Uri, String)>>,
    /// A push pass is scheduled and has not started yet.
    push_pending: AtomicBool,
    /// One pass at a time (pull answers and push passes share the cache).
    pass: tokio::sync::Mutex<()>,
    /// Progress tokens handed out.
    tokens: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind: keep using it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Ends the progress of one index build when dropped (the build finished, failed or panicked).
pub struct IndexBuild {
    done: Option<oneshot::Sender<()>>,
}

impl Drop for IndexBuild {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

/// `1204` → `1,204`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A result id: a hash of the diagnostics as they are sent.
fn result_id(diagnostics: &[Diagnostic]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_vec(diagnostics)
        .unwrap_or_default()
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The files `djsec check` would read under the workspace folders.
fn workspace_files(roots: &[PathBuf]) -> Vec<(PathBuf, Language)> {
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    for root in roots {
        let walked = walk::collect(
            std::slice::from_ref(root),
            root,
            Resolver::new(Vec::new(), false, root.clone()),
            false,
        );
        for c in walked.files {
            if seen.insert(c.path.clone()) {
                files.push((c.path, c.language));
            }
        }
    }
    files
}

impl Backend {
    /// From `initialize`: the workspace folders and whether the client shows progress. Returns
    /// whether to announce `workspaceDiagnostics` (a pull client whose scope is not `off`).
    pub(super) fn workspace_initialize(&self, params: &InitializeParams, pull: bool) -> bool {
        let ws = &self.state.workspace;
        *lock(&ws.roots) = super::config::workspace_roots(params);
        let progress = params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        ws.work_done_progress.store(progress, Ordering::Relaxed);
        pull && self.workspace_scope(pull) != Scope::Off
    }

    /// A handle on the same server state, for spawned tasks.
    fn clone_handle(&self) -> Backend {
        Backend {
            client: self.client.clone(),
            state: Arc::clone(&self.state),
        }
    }

    fn workspace_scope(&self, pull: bool) -> Scope {
        self.settings().workspace_diagnostics.unwrap_or(if pull {
            Scope::All
        } else {
            Scope::Settings
        })
    }

    fn pulls(&self) -> bool {
        self.state.pull_diagnostics.load(Ordering::Relaxed)
    }

    /// The settings or the configuration changed: every workspace result is stale. Push clients
    /// get the new findings (pull clients ask again by themselves).
    pub(super) fn workspace_changed(&self) {
        self.state
            .workspace
            .generation
            .fetch_add(1, Ordering::SeqCst);
        if !self.pulls() {
            self.schedule_push(Duration::ZERO);
        }
    }

    /// Files changed on disk or a document was closed: push clients get what changed.
    pub(super) fn workspace_files_changed(&self) {
        if !self.pulls() {
            self.schedule_push(PUSH_DELAY);
        }
    }

    /// A document was closed (push clients): what was published for it before it was opened no
    /// longer stands, its findings on disk are published again if it is in scope.
    pub(super) fn workspace_closed(&self, uri: &Uri) {
        if let Some(path) = path_of(uri) {
            lock(&self.state.workspace.published).remove(&path);
        }
        self.workspace_files_changed();
    }

    /// Called by `server/project.rs` when it starts building the index of `root`: reports
    /// progress until the returned guard is dropped, then (push clients) publishes the findings
    /// of the files in scope.
    pub(super) fn index_build(&self, root: &Path) -> IndexBuild {
        let (done, ended) = oneshot::channel();
        let backend = self.clone_handle();
        let root = root.to_path_buf();
        tokio::spawn(async move {
            backend.index_progress(root, ended).await;
        });
        IndexBuild { done: Some(done) }
    }

    async fn index_progress(&self, root: PathBuf, ended: oneshot::Receiver<()>) {
        let ws = &self.state.workspace;
        let name = root.file_name().map_or_else(
            || root.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut progress = None;
        if ws.work_done_progress.load(Ordering::Relaxed) {
            let n = ws.tokens.fetch_add(1, Ordering::Relaxed);
            let token = NumberOrString::String(format!("djsec/index/{n}"));
            match self.client.create_work_done_progress(token.clone()).await {
                Ok(()) => {
                    progress = Some(
                        self.client
                            .progress(token, "djsec")
                            .with_message(format!("Indexing {name}"))
                            .begin()
                            .await,
                    );
                }
                Err(err) => tracing::debug!("window/workDoneProgress/create: {err}"),
            }
        }
        // Count what is indexed while the build runs (the same walk as `djsec check`).
        let count_root = root.clone();
        let counted =
            tokio::task::spawn_blocking(move || workspace_files(&[count_root]).len()).await;
        let files = counted.unwrap_or(0);
        if let Some(p) = &progress {
            p.report(format!("Indexing {} files", thousands(files)))
                .await;
        }
        let _ = ended.await;
        let index = self.state.project.index_for(Some(&root));
        let summary = match &index {
            Some(index) => format!(
                "Indexed {} files: {} settings modules",
                thousands(files),
                index.settings_modules().count()
            ),
            None => format!("Indexing {name} failed"),
        };
        if index.is_some() && !self.pulls() {
            if let Some(p) = &progress {
                p.report("Checking the settings modules and URLconfs".to_string())
                    .await;
            }
            self.push_pass().await;
        }
        if let Some(p) = progress {
            p.finish_with_message(summary).await;
        }
    }

    /// Run a push pass after `delay`, unless one is already waiting.
    fn schedule_push(&self, delay: Duration) {
        if self
            .state
            .workspace
            .push_pending
            .swap(true, Ordering::AcqRel)
        {
            return;
        }
        let backend = self.clone_handle();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            backend.push_pass().await;
        });
    }

    fn open_paths(&self) -> HashSet<PathBuf> {
        self.state
            .documents
            .iter()
            .filter_map(|d| path_of(d.key()))
            .collect()
    }

    /// Whether every workspace folder's index is built (findings without it would be wrong for
    /// settings modules and views).
    fn indexed(&self) -> bool {
        lock(&self.state.workspace.roots)
            .iter()
            .all(|root| self.state.project.index_for(Some(root)).is_some())
    }

    /// Publish the findings of the files in scope that are not open, where they changed.
    async fn push_pass(&self) {
        let ws = &self.state.workspace;
        let _pass = ws.pass.lock().await;
        ws.push_pending.store(false, Ordering::Release);
        if !self.indexed() {
            // The end of each index build runs a pass.
            return;
        }
        let scope = self.workspace_scope(false);
        let entries = if scope == Scope::Off {
            Vec::new()
        } else {
            self.closed_entries(scope).await.unwrap_or_default()
        };
        let open = self.open_paths();
        let mut to_send: Vec<(Uri, Vec<Diagnostic>)> = Vec::new();
        {
            let mut published = lock(&ws.published);
            let mut keep = HashSet::new();
            for e in entries {
                keep.insert(e.path.clone());
                let same = published
                    .get(&e.path)
                    .is_some_and(|(_, id)| *id == e.result_id);
                if same || (e.diagnostics.is_empty() && !published.contains_key(&e.path)) {
                    continue;
                }
                to_send.push((e.uri.clone(), (*e.diagnostics).clone()));
                published.insert(e.path, (e.uri, e.result_id));
            }
            // Gone, out of scope, or open now (the document's own diagnostics replace them).
            let stale: Vec<PathBuf> = published
                .keys()
                .filter(|p| !keep.contains(*p) || open.contains(*p))
                .cloned()
                .collect();
            for path in stale {
                if let Some((uri, _)) = published.remove(&path)
                    && !open.contains(&path)
                {
                    to_send.push((uri, Vec::new()));
                }
            }
        }
        for (uri, diagnostics) in to_send {
            // A document opened meanwhile publishes its own diagnostics.
            if path_of(&uri).is_some_and(|p| self.open_paths().contains(&p)) {
                continue;
            }
            self.client
                .publish_diagnostics(uri, diagnostics, None)
                .await;
        }
    }

    /// `workspace/diagnostic`.
    pub(super) async fn workspace_report(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        let previous: HashMap<PathBuf, (Uri, String)> = params
            .previous_result_ids
            .into_iter()
            .filter_map(|p| Some((path_of(&p.uri)?, (p.uri, p.value))))
            .collect();
        let scope = self.workspace_scope(true);
        if scope != Scope::Off && !self.indexed() {
            // Findings without the index would be wrong for settings modules and views: say
            // nothing until it is built (the client asks again in two seconds).
            return Ok(report(Vec::new()));
        }
        let mut entries = Vec::new();
        if scope != Scope::Off {
            let _pass = self.state.workspace.pass.lock().await;
            entries = self.closed_entries(scope).await.unwrap_or_default();
            drop(_pass);
            entries.extend(self.open_entries(scope).await);
        }
        let mut items = Vec::new();
        let mut reported = HashSet::new();
        for e in entries {
            reported.insert(e.path.clone());
            let version = e.version.map(i64::from);
            let known = previous.get(&e.path).map(|(_, id)| id.as_str());
            if known == Some(e.result_id.as_str()) {
                items.push(WorkspaceDocumentDiagnosticReport::Unchanged(
                    WorkspaceUnchangedDocumentDiagnosticReport {
                        uri: e.uri,
                        version,
                        unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                            result_id: e.result_id,
                        },
                    },
                ));
            } else if known.is_some() || !e.diagnostics.is_empty() {
                items.push(full(
                    e.uri,
                    version,
                    Some(e.result_id),
                    (*e.diagnostics).clone(),
                ));
            }
        }
        // Reported before, not now: clear them.
        for (path, (uri, _)) in previous {
            if !reported.contains(&path) {
                items.push(full(uri, None, None, Vec::new()));
            }
        }
        Ok(report(items))
    }

    /// Open documents in scope, from their buffers.
    async fn open_entries(&self, scope: Scope) -> Vec<Entry> {
        let uris: Vec<Uri> = self
            .state
            .documents
            .iter()
            .map(|d| d.key().clone())
            .collect();
        let enc = self.encoding();
        let mut out = Vec::new();
        for uri in uris {
            let Some(path) = path_of(&uri) else {
                continue;
            };
            if !self.in_scope(&path, scope) {
                continue;
            }
            let Some(analysed) = self.current_analysis(&uri).await else {
                continue;
            };
            let diagnostics: Vec<Diagnostic> = analysed
                .findings
                .iter()
                .map(|f| convert::diagnostic(f, &analysed.rope, enc))
                .collect();
            out.push(Entry {
                path,
                uri,
                version: Some(analysed.version),
                result_id: result_id(&diagnostics),
                diagnostics: Arc::new(diagnostics),
            });
        }
        out
    }

    /// Whether a path under a workspace folder is in scope (the index decides for `settings`).
    fn in_scope(&self, path: &Path, scope: Scope) -> bool {
        let under_root = lock(&self.state.workspace.roots)
            .iter()
            .any(|r| path.starts_with(r));
        match scope {
            Scope::Off => false,
            Scope::All => under_root,
            Scope::Settings => self
                .state
                .project
                .index_for(Some(path))
                .is_some_and(|index| is_settings_or_urls(&index, path)),
        }
    }

    /// The files in scope that are not open, analysed from disk where they changed.
    async fn closed_entries(&self, scope: Scope) -> Option<Vec<Entry>> {
        let state = Arc::clone(&self.state);
        let enc = self.encoding();
        let open = self.open_paths();
        let joined = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                closed_entries(&state, scope, &open, enc)
            }))
        })
        .await;
        match joined {
            Ok(Ok(entries)) => Some(entries),
            Ok(Err(_)) => {
                tracing::error!("workspace diagnostics panicked");
                None
            }
            Err(err) => {
                tracing::error!("workspace diagnostics task failed: {err}");
                None
            }
        }
    }
}

fn full(
    uri: Uri,
    version: Option<i64>,
    result_id: Option<String>,
    items: Vec<Diagnostic>,
) -> WorkspaceDocumentDiagnosticReport {
    WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
        uri,
        version,
        full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id, items },
    })
}

fn report(items: Vec<WorkspaceDocumentDiagnosticReport>) -> WorkspaceDiagnosticReportResult {
    WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport { items })
}

fn is_settings_or_urls(index: &ProjectIndex, path: &Path) -> bool {
    let path = index.normalize(path);
    index.settings_module(&path).is_some() || index.url_summary(&path).is_some()
}

/// The knowledge generation of the index that covers `path` (bumped when a new snapshot knows
/// something the previous one did not).
fn knowledge(state: &State, index: &Arc<ProjectIndex>) -> u64 {
    let mut seen = lock(&state.workspace.seen);
    let root = index.root();
    match seen.iter_mut().find(|s| s.root == root) {
        Some(s) => {
            if !Arc::ptr_eq(&s.index, index) {
                if !s.index.same_knowledge(index) {
                    s.knowledge += 1;
                }
                s.index = Arc::clone(index);
            }
            s.knowledge
        }
        None => {
            seen.push(Seen {
                root: root.to_path_buf(),
                index: Arc::clone(index),
                knowledge: 0,
            });
            0
        }
    }
}

/// Blocking: walk the workspace, analyse the closed files in scope whose basis changed, and
/// return every entry (cached or new).
fn closed_entries(
    state: &State,
    scope: Scope,
    open: &HashSet<PathBuf>,
    enc: PositionEncoding,
) -> Vec<Entry> {
    let roots = lock(&state.workspace.roots).clone();
    // The generation first, then the settings it stands for. A settings change writes the
    // settings and then bumps the generation, so whatever is read here is at least as new as
    // the generation the results are cached under. Reading `enable` first let a pass that ran
    // across `enable = false` → `true` cache its empty results under the newer generation, and
    // the findings of closed files never came back.
    let generation = state.workspace.generation.load(Ordering::SeqCst);
    let enabled = state.settings.read().map_or(true, |s| s.enable);
    let files = workspace_files(&roots);
    // Which files, with the context and basis of each.
    struct Todo {
        path: PathBuf,
        language: Language,
        context: analysis::Context,
        basis: Basis,
    }
    let mut todo = Vec::new();
    for (path, language) in files {
        if open.contains(&path) {
            continue;
        }
        let index = state.project.index_for(Some(&path));
        if scope == Scope::Settings
            && !index
                .as_ref()
                .is_some_and(|index| is_settings_or_urls(index, &path))
        {
            continue;
        }
        let (mut context, included) = state.config.context_for(Some(path.clone()));
        if !included {
            continue;
        }
        let Some(stamp) = Stamp::of(&path) else {
            continue;
        };
        let knowledge = index.as_ref().map_or(0, |i| knowledge(state, i));
        context.project = index;
        todo.push(Todo {
            path,
            language,
            context,
            basis: Basis {
                stamp,
                generation,
                knowledge,
            },
        });
    }
    let considered: Vec<PathBuf> = todo.iter().map(|t| t.path.clone()).collect();
    let fresh: Vec<(PathBuf, Basis, Vec<Diagnostic>)> = {
        let cache = lock(&state.workspace.cache);
        let stale: Vec<Todo> = todo
            .into_iter()
            .filter(|t| cache.get(&t.path).is_none_or(|c| c.basis != t.basis))
            .collect();
        drop(cache);
        stale
            .into_par_iter()
            .map(|t| {
                let diagnostics = if enabled {
                    analyse_file(&t.path, t.language, &t.context, enc)
                } else {
                    Vec::new()
                };
                (t.path, t.basis, diagnostics)
            })
            .collect()
    };
    let mut cache = lock(&state.workspace.cache);
    for (path, basis, diagnostics) in fresh {
        let id = result_id(&diagnostics);
        cache.insert(
            path,
            Cached {
                basis,
                result_id: id,
                diagnostics: Arc::new(diagnostics),
            },
        );
    }
    // Files no longer considered (deleted, excluded, out of scope, open) leave the cache.
    let keep: HashSet<&PathBuf> = considered.iter().collect();
    cache.retain(|path, _| keep.contains(path));
    considered
        .iter()
        .filter_map(|path| {
            let cached = cache.get(path)?;
            Some(Entry {
                path: path.clone(),
                uri: Uri::from_file_path(path)?,
                version: None,
                result_id: cached.result_id.clone(),
                diagnostics: Arc::clone(&cached.diagnostics),
            })
        })
        .collect()
}

/// Read and analyse one closed file.
fn analyse_file(
    path: &Path,
    language: Language,
    context: &analysis::Context,
    enc: PositionEncoding,
) -> Vec<Diagnostic> {
    match walk::read_text(path) {
        Ok((text, _)) => {
            let findings = analysis::analyze_text(&text, language, context);
            let rope = Rope::from_str(&text);
            findings
                .iter()
                .map(|f| convert::diagnostic(f, &rope, enc))
                .collect()
        }
        Err(err) => {
            tracing::debug!("workspace diagnostics: {}: {err}", path.display());
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_like_numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn scopes() {
        assert_eq!(Scope::parse("off"), Some(Scope::Off));
        assert_eq!(Scope::parse(" Settings "), Some(Scope::Settings));
        assert_eq!(Scope::parse("all"), Some(Scope::All));
        assert_eq!(Scope::parse("everything"), None);
    }

    #[test]
    fn result_ids_follow_the_diagnostics() {
        let a = Diagnostic {
            message: "a".to_string(),
            ..Diagnostic::default()
        };
        let b = Diagnostic {
            message: "b".to_string(),
            ..Diagnostic::default()
        };
        assert_eq!(
            result_id(std::slice::from_ref(&a)),
            result_id(std::slice::from_ref(&a))
        );
        assert_ne!(result_id(std::slice::from_ref(&a)), result_id(&[b]));
        assert_ne!(result_id(&[]), result_id(&[a]));
    }
}
