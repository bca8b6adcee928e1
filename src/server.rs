//! The language server: LSP over stdio with tower-lsp-server. The only module that knows LSP.
//!
//! Ordering rules (tower-lsp runs up to four handlers at once):
//! - `didOpen`/`didChange`/`didClose` update the document store synchronously, before any
//!   `.await`, so edits are applied in the order they arrive.
//! - No DashMap guard is held across an `.await`: handlers copy a [`Snapshot`] out and let go.
//! - Analysis runs on the blocking pool on a snapshot; results are tagged with their version and
//!   dropped when the document has moved on, so a stale version is never published.
//! - No handler awaits a request to the client.

mod actions;
mod config;
mod convert;
mod project;
mod settings;
mod transport;
mod view_hover;
mod workspace;

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use dashmap::DashMap;
use ropey::Rope;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::analysis::{self, Context, Finding};
use crate::document::{Change, Document, PositionEncoding};
use crate::syntax::{Language, Syntax};

/// Run the server on stdin/stdout until the client exits.
pub async fn run() {
    let stdin = transport::sanitized(tokio::io::stdin());
    let stdout = tokio::io::stdout();
    let (service, socket) = LspService::build(Backend::new)
        .custom_method("djsec/documentText", Backend::document_text)
        .finish();
    Server::new(stdin, stdout, socket).serve(service).await;
}

/// The result of analysing one version of a document, with the text it refers to.
#[derive(Clone)]
struct Analysed {
    version: i32,
    rope: Rope,
    findings: Arc<Vec<Finding>>,
}

/// Everything a background task needs to analyse one version of a document.
struct Snapshot {
    uri: Uri,
    version: i32,
    rope: Rope,
    text: Arc<str>,
    syntax: Syntax,
    context: Context,
    /// False when the configuration's `exclude` covers the document: no findings.
    included: bool,
    /// What the previous analysis of this document left (findings of unchanged definitions).
    cache: Arc<Mutex<analysis::Cache>>,
}

#[derive(Default)]
struct State {
    documents: DashMap<Uri, Document>,
    results: DashMap<Uri, Analysed>,
    caches: DashMap<Uri, Arc<Mutex<analysis::Cache>>>,
    /// How many analyses were scheduled per document: only the latest may publish. A document
    /// is analysed again at the same version when the project index or the configuration
    /// changes, and the analyses may finish out of order.
    scheduled: DashMap<Uri, u64>,
    encoding: RwLock<PositionEncoding>,
    pull_diagnostics: AtomicBool,
    /// The client takes `workspace/diagnostic/refresh` (re-pulls when asked).
    refresh_diagnostics: AtomicBool,
    settings: RwLock<settings::Settings>,
    /// Configuration files, with the editor settings over them.
    config: config::ConfigStore,
    /// Whether the client can register file watchers for the configuration files.
    watch_config: AtomicBool,
    project: project::ProjectState,
    /// Findings of files that are not open, and index progress (`server/workspace.rs`).
    workspace: workspace::WorkspaceState,
    /// The lane of background analyses: open documents analysed again because something they
    /// read in the project changed (not because they were edited).
    background: BackgroundLane,
}

/// Background analyses (the open files that use a summary an edit changed: 20 of them on one
/// keystroke in a popular helper) take turns on all cores but one, so that the edited
/// document's next analysis always finds a core: a keystroke never waits behind its dependents.
struct BackgroundLane(tokio::sync::Semaphore);

impl Default for BackgroundLane {
    fn default() -> BackgroundLane {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        BackgroundLane(tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1)))
    }
}

/// How long after publishing a document's diagnostics its function facts go to the index
/// (and its dependents are analysed again): see [`Backend::schedule`].
const FACTS_DELAY: std::time::Duration = std::time::Duration::from_millis(5);

/// Why a document is analysed: it changed (or was opened), or what it reads changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Priority {
    Edited,
    Background,
}

pub struct Backend {
    client: Client,
    state: Arc<State>,
}

impl Backend {
    fn new(client: Client) -> Backend {
        Backend {
            client,
            state: Arc::new(State::default()),
        }
    }

    /// `djsec/documentText`: the server's copy of a document and its version. A debugging aid
    /// (and what the ordering tests compare against); not part of LSP.
    async fn document_text(
        &self,
        params: TextDocumentIdentifier,
    ) -> Result<Option<serde_json::Value>> {
        Ok(self
            .state
            .documents
            .get(&params.uri)
            .map(|doc| serde_json::json!({ "version": doc.version, "text": doc.rope.to_string() })))
    }

    fn encoding(&self) -> PositionEncoding {
        self.state.encoding.read().map(|e| *e).unwrap_or_default()
    }

    fn settings(&self) -> settings::Settings {
        self.state
            .settings
            .read()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let (context, included) = self.state.config.context_for(path_of(uri));
        let cache = Arc::clone(self.state.caches.entry(uri.clone()).or_default().value());
        let doc = self.state.documents.get(uri)?;
        let mut context = context;
        context.project = self.state.project.index_for(context.path.as_deref());
        Some(Snapshot {
            uri: uri.clone(),
            version: doc.version,
            rope: doc.rope.clone(),
            text: doc.text(),
            syntax: doc.syntax.clone(),
            context,
            included,
            cache,
        })
    }

    fn is_current(state: &State, uri: &Uri, version: i32) -> bool {
        state
            .documents
            .get(uri)
            .is_some_and(|d| d.version == version)
    }

    /// Analyse a snapshot on the blocking pool and, unless it went stale, store and publish.
    fn schedule(&self, snapshot: Snapshot) {
        self.schedule_with(snapshot, Priority::Edited);
    }

    /// [`Backend::schedule`] in the background lane: for a document whose text did not change.
    fn schedule_background(&self, snapshot: Snapshot) {
        self.schedule_with(snapshot, Priority::Background);
    }

    fn schedule_with(&self, snapshot: Snapshot, priority: Priority) {
        self.publish_config_diagnostics();
        let client = self.client.clone();
        let state = Arc::clone(&self.state);
        let enc = self.encoding();
        let enabled = self.settings().enable;
        let generation = {
            let mut entry = self
                .state
                .scheduled
                .entry(snapshot.uri.clone())
                .or_insert(0);
            *entry += 1;
            *entry
        };
        tokio::spawn(async move {
            let uri = snapshot.uri.clone();
            let version = snapshot.version;
            let latest = |state: &State| {
                Backend::is_current(state, &uri, version)
                    && state.scheduled.get(&uri).is_some_and(|g| *g == generation)
            };
            if !latest(&state) {
                return;
            }
            // Waits for its turn; a newer analysis of the document may make it moot meanwhile.
            let turn = match priority {
                Priority::Edited => None,
                Priority::Background => match state.background.0.acquire().await {
                    Ok(permit) => Some(permit),
                    Err(_) => return,
                },
            };
            if !latest(&state) {
                return;
            }
            let cache = Arc::clone(&snapshot.cache);
            let Some(analysed) = analyse(snapshot, enabled).await else {
                return;
            };
            drop(turn);
            if !latest(&state) {
                return;
            }
            let diagnostics: Vec<Diagnostic> = analysed
                .findings
                .iter()
                .map(|f| convert::diagnostic(f, &analysed.rope, enc))
                .collect();
            state.results.insert(uri.clone(), analysed);
            if !state.pull_diagnostics.load(Ordering::Relaxed) {
                client
                    .publish_diagnostics(uri.clone(), diagnostics, Some(version))
                    .await;
            }
            // The analysis summarised the buffer's functions: the project index takes them, and
            // the open documents that use a summary that changed are analysed again. After this
            // document's diagnostics went out, and a moment later, so that the writer sends them
            // before the dependents take the cores, and a burst of keystrokes hands over only
            // its last version's facts (an older version's never overwrite a newer one's).
            let facts = cache.lock().ok().and_then(|c| c.own_facts().cloned());
            if let Some(facts) = facts {
                tokio::time::sleep(FACTS_DELAY).await;
                if !latest(&state) {
                    return;
                }
                Backend {
                    client: client.clone(),
                    state: Arc::clone(&state),
                }
                .facts_computed(&uri, facts);
            }
        });
    }

    /// The analysis of the document's current version, from the cache or computed now.
    async fn current_analysis(&self, uri: &Uri) -> Option<Analysed> {
        let version = self.state.documents.get(uri).map(|d| d.version)?;
        if let Some(cached) = self.state.results.get(uri).filter(|a| a.version == version) {
            return Some(cached.clone());
        }
        let snapshot = self.snapshot(uri)?;
        let analysed = analyse(snapshot, self.settings().enable).await?;
        if Backend::is_current(&self.state, uri, analysed.version) {
            self.state.results.insert(uri.clone(), analysed.clone());
        }
        Some(analysed)
    }

    /// Publish the diagnostics of configuration files whose errors changed (in any mode: these
    /// files are not documents the client pulls diagnostics for).
    fn publish_config_diagnostics(&self) {
        let pending = self.state.config.take_diagnostics(self.encoding());
        if pending.is_empty() {
            return;
        }
        let client = self.client.clone();
        tokio::spawn(async move {
            for p in pending {
                client.publish_diagnostics(p.uri, p.diagnostics, None).await;
            }
        });
    }

    fn reanalyse_all(&self) {
        self.workspace_changed();
        let uris: Vec<Uri> = self
            .state
            .documents
            .iter()
            .map(|e| e.key().clone())
            .collect();
        self.state.results.clear();
        for uri in uris {
            if let Some(snapshot) = self.snapshot(&uri) {
                self.schedule(snapshot);
            }
        }
        // Pull clients keep what they pulled until asked to pull again. Spawned: no handler
        // awaits a request to the client.
        if self.state.pull_diagnostics.load(Ordering::Relaxed)
            && self.state.refresh_diagnostics.load(Ordering::Relaxed)
        {
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(err) = client.workspace_diagnostic_refresh().await {
                    tracing::debug!("workspace/diagnostic/refresh: {err}");
                }
            });
        }
    }
}

/// Run the analysis for a snapshot on the blocking pool; a panic in a rule is logged and yields
/// no result instead of taking the server down.
async fn analyse(snapshot: Snapshot, enabled: bool) -> Option<Analysed> {
    let Snapshot {
        uri,
        version,
        rope,
        text,
        syntax,
        context,
        included,
        cache,
    } = snapshot;
    let joined = tokio::task::spawn_blocking(move || {
        let findings = if enabled && included {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                // A poisoned cache (a panic in an earlier analysis) is simply reset.
                let mut cache = cache.lock().unwrap_or_else(|poisoned| {
                    let mut guard = poisoned.into_inner();
                    guard.clear();
                    guard
                });
                analysis::analyze_incremental(&text, &syntax, &context, &mut cache)
            }))
        } else {
            Ok(Vec::new())
        };
        (findings, rope)
    })
    .await;
    match joined {
        Ok((Ok(findings), rope)) => Some(Analysed {
            version,
            rope,
            findings: Arc::new(findings),
        }),
        Ok((Err(_), _)) => {
            tracing::error!("analysis panicked on {} (version {version})", uri.as_str());
            None
        }
        Err(err) => {
            tracing::error!("analysis task failed on {}: {err}", uri.as_str());
            None
        }
    }
}

fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// The language of a document, from its language id, path and (for plain HTML) content.
fn language_of(language_id: &str, uri: &Uri, text: &str) -> Option<Language> {
    let path = path_of(uri);
    let by_id = Language::from_language_id(language_id, path.as_deref());
    if by_id.is_some() {
        return by_id;
    }
    if language_id == "html" && (text.contains("{%") || text.contains("{{")) {
        return Some(Language::Template);
    }
    None
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let encoding = convert::negotiate(offered);
        if let Ok(mut e) = self.state.encoding.write() {
            *e = encoding;
        }
        // Pull only from clients that also take `workspace/diagnostic/refresh`: without it a
        // settings or configuration change cannot reach diagnostics already pulled (Neovim 0.11
        // pulls but has no refresh), so those clients get pushed diagnostics.
        let refresh = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.diagnostics.as_ref())
            .and_then(|d| d.refresh_support)
            .unwrap_or(false);
        let pull = refresh
            && params
                .capabilities
                .text_document
                .as_ref()
                .and_then(|t| t.diagnostic.as_ref())
                .is_some();
        self.state.pull_diagnostics.store(pull, Ordering::Relaxed);
        self.state
            .refresh_diagnostics
            .store(refresh, Ordering::Relaxed);
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.state.watch_config.store(watch, Ordering::Relaxed);
        self.state
            .config
            .set_roots(config::workspace_roots(&params));
        if let Some(options) = params.initialization_options.as_ref() {
            match settings::Settings::from_json(options) {
                Ok(s) => {
                    self.state.config.set_editor(s.layer.clone());
                    if let Ok(mut current) = self.state.settings.write() {
                        *current = s;
                    }
                }
                Err(err) => tracing::warn!("ignoring invalid initializationOptions: {err}"),
            }
        }
        self.state.project.set_roots(&params);
        let workspace_diagnostics = self.workspace_initialize(&params, pull);
        tracing::info!("initialize: position encoding {encoding:?}, pull diagnostics {pull}");
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(convert::encoding_kind(encoding)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            actions::fix_all_kind(),
                            actions::production_settings_kind(),
                        ]),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                diagnostic_provider: pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("djsec".to_string()),
                        inter_file_dependencies: false,
                        workspace_diagnostics,
                        ..Default::default()
                    })
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "djsec".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        tracing::info!("djsec {} ready", env!("CARGO_PKG_VERSION"));
        // Watch the configuration files; spawned, so no handler awaits the client's answer.
        if self.state.watch_config.load(Ordering::Relaxed)
            && let Some(registration) = config::watch_registration()
        {
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(err) = client.register_capability(vec![registration]).await {
                    tracing::warn!("cannot watch configuration files: {err}");
                }
            });
        }
        self.start_project_index();
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let Some(language) = language_of(&item.language_id, &item.uri, &item.text) else {
            tracing::debug!("not analysing {} ({})", item.uri.as_str(), item.language_id);
            return;
        };
        let opened = std::panic::catch_unwind(AssertUnwindSafe(|| {
            Document::new(&item.text, item.version, language)
        }));
        match opened {
            Ok(doc) => {
                self.state.documents.insert(item.uri.clone(), doc);
                if let Some(snapshot) = self.snapshot(&item.uri) {
                    self.schedule(snapshot);
                }
                self.project_touched(&item.uri);
            }
            Err(_) => tracing::error!("parsing {} panicked; not analysing it", item.uri.as_str()),
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let encoding = self.encoding();
        let changes: Vec<Change> = params
            .content_changes
            .into_iter()
            .map(|c| Change {
                range: c
                    .range
                    .map(|r| (convert::to_position(r.start), convert::to_position(r.end))),
                text: c.text,
            })
            .collect();
        // Applied synchronously, under the entry's lock, before any await.
        let applied = match self.state.documents.get_mut(&uri) {
            Some(mut doc) => {
                if version <= doc.version {
                    tracing::warn!(
                        "didChange for {} has version {version}, not newer than {}; applying anyway",
                        uri.as_str(),
                        doc.version
                    );
                }
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    doc.apply_changes(&changes, version, encoding)
                }));
                if result.is_err() {
                    tracing::error!("applying a change to {} panicked", uri.as_str());
                }
                result.is_ok()
            }
            None => {
                tracing::warn!("didChange for {} which is not open; ignored", uri.as_str());
                false
            }
        };
        if applied && let Some(snapshot) = self.snapshot(&uri) {
            self.schedule(snapshot);
        }
        if applied {
            self.project_touched(&uri);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let was_open = self.state.documents.remove(&uri).is_some();
        self.state.results.remove(&uri);
        self.state.caches.remove(&uri);
        self.state.scheduled.remove(&uri);
        // The file on disk is what counts again.
        self.project_touched(&uri);
        if was_open && !self.state.pull_diagnostics.load(Ordering::Relaxed) {
            self.client
                .publish_diagnostics(uri.clone(), Vec::new(), None)
                .await;
            // A file in the workspace scope gets its findings on disk back.
            self.workspace_closed(&uri);
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        match settings::Settings::from_json(&params.settings) {
            Ok(s) => {
                // Also re-read the configuration files, for clients that do not watch them.
                self.state.config.clear();
                self.state.config.set_editor(s.layer.clone());
                if let Ok(mut current) = self.state.settings.write() {
                    *current = s;
                }
                self.publish_config_diagnostics();
                self.reanalyse_all();
            }
            Err(err) => tracing::warn!("ignoring invalid configuration: {err}"),
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // The project index (settings modules) follows Python and pytest configuration files.
        self.watched_files_changed(params.clone());
        self.workspace_files_changed();
        let paths: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|c| path_of(&c.uri))
            .collect();
        if self.state.config.files_changed(&paths) {
            tracing::info!("configuration changed on disk; analysing open documents again");
            self.publish_config_diagnostics();
            self.reanalyse_all();
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        let enc = self.encoding();
        let items = match self.current_analysis(&uri).await {
            Some(a) => a
                .findings
                .iter()
                .map(|f| convert::diagnostic(f, &a.rope, enc))
                .collect(),
            None => Vec::new(),
        };
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        self.workspace_report(params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri.clone();
        let Some(analysed) = self.current_analysis(&uri).await else {
            return Ok(None);
        };
        let language = self.state.documents.get(&uri).map(|d| d.language);
        let Some(language) = language else {
            return Ok(None);
        };
        let text = analysed.rope.to_string();
        let request = actions::Request {
            uri: &uri,
            rope: &analysed.rope,
            text: &text,
            language,
            findings: &analysed.findings,
            encoding: self.encoding(),
        };
        let actions = actions::code_actions(&request, params.range, params.context.only.as_deref());
        Ok((!actions.is_empty()).then_some(actions))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        // On a view's `def`/`class` line: its access facts first.
        let view = self
            .snapshot(&uri)
            .and_then(|s| view_hover::hover(&s, position, self.encoding()));
        let Some(analysed) = self.current_analysis(&uri).await else {
            return Ok(None);
        };
        let rule = actions::hover(
            &analysed.rope,
            &analysed.findings,
            position,
            self.encoding(),
        );
        Ok(match view {
            Some(view) => Some(view_hover::merge(view, rule)),
            None => rule,
        })
    }
}
