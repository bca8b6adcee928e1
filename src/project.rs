//! The project index: what djsec knows about a Django project as a whole, without running it.
//!
//! - Which files are settings modules (`DJANGO_SETTINGS_MODULE` in `manage.py`, `wsgi.py`,
//!   `asgi.py`, pytest configuration; files named `settings.py`; modules of a `settings/`
//!   package), how they inherit from each other (`from .base import *`), and which are deployed
//!   ([`Role::Production`]), development-only ([`Role::Development`]) or bases ([`Role::Base`]).
//! - A summary of each of those modules ([`summary::ModuleSummary`]); the effective value of a
//!   setting in a module is computed from the summaries by the static evaluator ([`eval`]).
//!
//! The index is an immutable snapshot, cheap to share (`Arc<ProjectIndex>`). An edit makes a new
//! snapshot ([`ProjectIndex::update_file`]) that replaces only the changed file's summary; the
//! roles (a small graph) are then recomputed. Analysis of a file uses the summary of its current
//! buffer, never a stale copy from the index.
//!
//! - Function facts ([`facts`]): a summary of every function and method of every Python file
//!   (what its result is made of, whether it is a guard), so that the data flow sees through the
//!   project's helpers across modules.
//! - The URLconf ([`urls`]): a [`urls::UrlSummary`] per URL module (`urls.py` files, the
//!   `ROOT_URLCONF` module and what they include), and, derived from them and the production
//!   settings, what the access rules need ([`AccessFacts`]): each routed view (file and name) with
//!   its routes, URL names and `urls.py` wrappers; whether `LoginRequiredMiddleware` is on; DRF's
//!   default permission and authentication classes.

pub mod defaults;
pub mod deployed;
pub mod discover;
pub mod django;
pub mod django_version;
pub mod eval;
pub mod facts;
mod fingerprint;
pub use fingerprint::Fingerprints;
pub mod summary;
pub mod urls;
pub mod value;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

pub use discover::{RefKind, SettingsRef};
pub use summary::{ModuleRef, ModuleSummary, Role};
pub use value::{FileId, Kind, Loc, Value};

/// Configuration that overrides the conventions: glob patterns (`*`, `**`, `?`) matched against
/// paths relative to the root, or dotted module names; and a resolver the fronts plug the
/// configuration files' `production-settings` / `development-settings` into.
#[derive(Clone, Default)]
pub struct IndexOptions {
    pub production: Vec<String>,
    pub development: Vec<String>,
    /// The role the configuration gives a file, if any (consulted before the conventions).
    pub roles: Option<RoleResolver>,
    /// The source and sanitizer tables function summaries are computed with (the defaults when
    /// `None`; the fronts pass the configuration's).
    pub tables: Option<Arc<crate::semantic::sources::Tables>>,
    /// Facts an earlier run computed (`djsec check`'s persistent cache): a file whose text and
    /// tables are unchanged is not parsed again when the index is built.
    pub facts_store: Option<Arc<dyn FactsStore>>,
}

/// The files each absolute module name can be, remembered over a scan
/// ([`ProjectIndex::resolve_with`]).
pub(crate) type ModuleMemo = dashmap::DashMap<String, Arc<Vec<FileId>>>;

/// Decides the role of a settings module from configuration.
pub type RoleResolver = Arc<dyn Fn(&Path) -> Option<Role> + Send + Sync>;

/// Keeps the [`facts::FileFacts`] of Python files between runs, under a key of everything they
/// are computed from ([`facts::FileFacts::key`]: the text and the source tables; the store
/// itself answers for the djsec build).
pub trait FactsStore: Send + Sync {
    /// The facts stored for `path` under `key`, if any.
    fn get(&self, path: &Path, key: u128) -> Option<Arc<facts::FileFacts>>;
    /// Facts this build computed, to keep.
    fn put(&self, path: &Path, key: u128, facts: &Arc<facts::FileFacts>);
}

impl fmt::Debug for IndexOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexOptions")
            .field("production", &self.production)
            .field("development", &self.development)
            .field("roles", &self.roles.as_ref().map(|_| "resolver"))
            .field("tables", &self.tables.as_ref().map(|_| "tables"))
            .field("facts_store", &self.facts_store.as_ref().map(|_| "store"))
            .finish()
    }
}

/// Why a module has its role (shown in messages and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleReason {
    Marker,
    Configured,
    TestReference,
    Name,
    ServerReference,
    Inherited,
    /// The module hands itself to a per-deployment configuration loader (dynaconf).
    DeploymentLoader,
    /// The project names only settings modules it does not have, and not this one.
    ExternalDeployment,
    Default,
}

/// A settings module in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsModule {
    pub path: FileId,
    pub role: Role,
    pub reason: RoleReason,
}

/// See the module documentation.
#[derive(Clone, Default)]
pub struct ProjectIndex {
    root: PathBuf,
    options: Arc<IndexOptions>,
    /// Every Python file under the root (for module resolution).
    python_files: Arc<HashSet<FileId>>,
    /// Python files by module name: the file stem, or the package name for `__init__.py`.
    by_module_name: Arc<HashMap<String, Vec<FileId>>>,
    /// Summaries of the settings modules and of the modules they import.
    summaries: HashMap<FileId, Arc<ModuleSummary>>,
    /// `DJANGO_SETTINGS_MODULE` values, per file that sets them.
    references: HashMap<FileId, Vec<SettingsRef>>,
    /// Summaries of the URL modules: files named like one, `ROOT_URLCONF`, and what they include.
    urls: HashMap<FileId, Arc<urls::UrlSummary>>,
    /// Function facts of every Python file.
    facts: Arc<HashMap<FileId, Arc<facts::FileFacts>>>,
    /// Derived from the above on every change.
    derived: Arc<Derived>,
    /// The Django requirement of the project's requirement files ([`django`]).
    declared_django: Option<django::DjangoVersion>,
    /// Evaluated modules of this snapshot (filled on demand by `eval`, shared by every analysis
    /// that uses the snapshot; a new snapshot starts empty).
    pub(crate) evaluations: Arc<eval::SharedCache>,
    /// Every render of a template, by template name (built from the facts on first use by a
    /// template analysis, see [`facts::render::render_map`]; a new snapshot starts empty).
    pub(crate) renders: Arc<std::sync::OnceLock<facts::render::RenderMap>>,
    /// The forms' field cleaners, by field (built from the facts on first use by the data flow,
    /// see [`facts::cleaners`]; a new snapshot starts empty).
    pub(crate) cleaners: Arc<std::sync::OnceLock<facts::cleaners::CleanerMap>>,
}

#[derive(Default, PartialEq)]
struct Derived {
    /// Settings modules by path.
    settings: BTreeMap<FileId, SettingsModule>,
    /// Resolved import edges between summarised modules: `(importer, imported, unconditional)`.
    edges: Vec<(FileId, FileId, bool)>,
    /// What the access rules read: routes, login middleware, DRF defaults.
    access: AccessFacts,
}

/// What the project says about access control, from the URLconf and the production settings.
/// Unknown values are `None`: they never produce a finding on their own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessFacts {
    /// The root URL modules: `ROOT_URLCONF`'s, or, when unknown, the URL modules nothing includes.
    pub roots: Vec<FileId>,
    /// Whether the roots come from `ROOT_URLCONF`.
    pub root_from_settings: bool,
    /// Routed views: file → view name → routes.
    pub routes: urls::Routes,
    /// `django.contrib.auth.middleware.LoginRequiredMiddleware` is in the effective `MIDDLEWARE`.
    pub login_required_middleware: Option<bool>,
    /// `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]` (DRF's `AllowAny` when unset).
    pub drf_default_permissions: Option<Vec<String>>,
    /// `REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]` (DRF's session and basic authentication
    /// when unset).
    pub drf_default_authentication: Option<Vec<String>>,
    /// Whether the URLconf was read completely from `ROOT_URLCONF` (see
    /// [`urls::resolve_complete`]): then a function no route reaches is not a view.
    pub urlconf_complete: bool,
    /// Middleware of the effective `MIDDLEWARE` (or Django 1.x `MIDDLEWARE_CLASSES`) that is not
    /// Django's: dotted paths, for the access rules to look up (a project middleware may
    /// require a login on some paths).
    pub project_middleware: Vec<String>,
    /// Whether the project throttles login attempts or requests: django-axes, django-ratelimit,
    /// django-defender in `INSTALLED_APPS`, `MIDDLEWARE` or `AUTHENTICATION_BACKENDS`, or DRF's
    /// `DEFAULT_THROTTLE_CLASSES` (`None`: unknown settings).
    pub rate_limited: Option<bool>,
    /// `REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]` is set to a non-empty list.
    pub drf_throttled: Option<bool>,
    /// The Django version the project targets.
    pub django: Option<django::DjangoVersion>,
}

impl fmt::Debug for ProjectIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectIndex")
            .field("root", &self.root)
            .field("python_files", &self.python_files.len())
            .field("summaries", &self.summaries.len())
            .field("settings", &self.derived.settings.len())
            .field("url_modules", &self.urls.len())
            .finish()
    }
}

/// The root to index for a set of paths (what `djsec check PATH...` was given): the nearest
/// ancestor of their common directory that holds `manage.py` or `pyproject.toml`, else that
/// common directory. Paths are made absolute against `cwd`.
pub fn find_root(paths: &[PathBuf], cwd: &Path) -> Option<PathBuf> {
    let mut common: Option<PathBuf> = None;
    for path in paths {
        let abs = discover::normalize(path, Some(cwd));
        let dir = if abs.extension().is_some() && !abs.is_dir() {
            abs.parent().map(Path::to_path_buf).unwrap_or(abs)
        } else {
            abs
        };
        common = Some(match common {
            None => dir,
            Some(c) => c
                .components()
                .zip(dir.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a.as_os_str())
                .collect(),
        });
    }
    let common = common?;
    let marked = common
        .ancestors()
        .find(|dir| dir.join("manage.py").is_file() || dir.join("pyproject.toml").is_file());
    Some(marked.unwrap_or(&common).to_path_buf())
}

/// Modules reached through imports when building: beyond this, imports are not followed.
const MAX_SUMMARIES: usize = 5_000;

impl ProjectIndex {
    /// Index the project under `root` (read from disk, in parallel).
    pub fn build(root: &Path) -> ProjectIndex {
        ProjectIndex::build_with(root, IndexOptions::default())
    }

    pub fn build_with(root: &Path, options: IndexOptions) -> ProjectIndex {
        let started = std::time::Instant::now();
        let root = discover::normalize(root, std::env::current_dir().ok().as_deref());
        let mut python = Vec::new();
        let mut configs = Vec::new();
        let walker = ignore::WalkBuilder::new(&root)
            .follow_links(false)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && e.file_name()
                        .to_str()
                        .is_some_and(|n| discover::SKIPPED_DIRS.contains(&n)))
            })
            .build();
        for entry in walker.flatten() {
            if python.len() + configs.len() >= discover::MAX_FILES {
                tracing::warn!(
                    "project index: more than {} files; the rest is not indexed",
                    discover::MAX_FILES
                );
                break;
            }
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = discover::normalize(entry.path(), Some(&root));
            match discover::file_kind(&path) {
                discover::FileKind::Python => python.push(path),
                discover::FileKind::Config => configs.push(path),
                discover::FileKind::Other => {}
            }
        }
        let mut index = ProjectIndex::empty(&root, options);
        index.declared_django = django::from_requirements(&root, read);
        index.add_python_files(python.iter().map(PathBuf::as_path));
        let tables = index.tables();
        // With a store: each file's facts under their key, from the store when it has them.
        let store = index
            .options
            .facts_store
            .clone()
            .map(|store| (store, tables.stable_hash()));
        let all_facts: HashMap<FileId, Arc<facts::FileFacts>> = python
            .par_iter()
            .filter_map(|p| {
                let text = read(p)?;
                let stored = store
                    .as_ref()
                    .map(|(store, tables_key)| (store, facts::FileFacts::key(&text, *tables_key)));
                if let Some(facts) = stored.and_then(|(store, key)| store.get(p, key)) {
                    return Some((FileId::from(p.as_path()), facts));
                }
                let facts = Arc::new(
                    std::panic::catch_unwind(|| facts::FileFacts::build(&text, &tables)).ok()?,
                );
                if let Some((store, key)) = stored {
                    store.put(p, key, &facts);
                }
                Some((FileId::from(p.as_path()), facts))
            })
            .collect();
        index.facts = Arc::new(all_facts);
        let reads: Vec<(FileId, String)> = python
            .par_iter()
            .filter(|p| {
                discover::is_settings_path(p)
                    || discover::may_set_settings_module(p)
                    || urls::is_urls_path(p)
            })
            .filter_map(|p| read(p).map(|t| (FileId::from(p.as_path()), t)))
            .collect();
        let config_reads: Vec<(FileId, String)> = configs
            .par_iter()
            .filter_map(|p| read(p).map(|t| (FileId::from(p.as_path()), t)))
            .collect();
        for (path, text) in config_reads {
            index.set_references(&path, &text);
        }
        type Read = (
            FileId,
            Option<ModuleSummary>,
            Option<urls::UrlSummary>,
            Vec<SettingsRef>,
        );
        let summaries: Vec<Read> = reads
            .into_par_iter()
            .map(|(path, text)| {
                let refs = if discover::may_set_settings_module(&path) {
                    discover::settings_refs(&path, &text)
                } else {
                    Vec::new()
                };
                let module = (discover::is_settings_path(&path) || urls::is_urls_path(&path))
                    .then(|| ModuleSummary::parse(&text));
                let url = module
                    .as_ref()
                    .filter(|_| urls::is_urls_path(&path))
                    .map(urls::UrlSummary::from_module);
                let settings = module.filter(|_| discover::is_settings_path(&path));
                (path, settings, url, refs)
            })
            .collect();
        for (path, summary, url, refs) in summaries {
            if !refs.is_empty() {
                index.references.insert(path.clone(), refs);
            }
            if let Some(u) = url {
                index.urls.insert(path.clone(), Arc::new(u));
            }
            if let Some(s) = summary {
                index.summaries.insert(path, Arc::new(s));
            }
        }
        index.complete_from_disk();
        index.derive();
        if index.complete_urls(read) {
            index.derive();
        }
        tracing::debug!(
            "project index of {}: {} Python files, {} summaries, {} settings modules, {} URL modules, {} routed view files in {:.1?}",
            index.root.display(),
            index.python_files.len(),
            index.summaries.len(),
            index.derived.settings.len(),
            index.urls.len(),
            index.derived.access.routes.len(),
            started.elapsed()
        );
        index
    }

    /// An index of in-memory files (tests, and callers that already hold the texts). Paths are
    /// taken relative to `root` when relative.
    pub fn from_files(root: &Path, files: &[(&str, &str)]) -> ProjectIndex {
        let root = discover::normalize(root, None);
        let mut index = ProjectIndex::empty(&root, IndexOptions::default());
        let given: HashMap<PathBuf, &str> = files
            .iter()
            .map(|(p, t)| (discover::normalize(Path::new(p), Some(&root)), *t))
            .collect();
        index.declared_django =
            django::from_requirements(&root, |p| given.get(p).map(|t| (*t).to_string()));
        let paths: Vec<PathBuf> = files
            .iter()
            .map(|(p, _)| discover::normalize(Path::new(p), Some(&root)))
            .collect();
        index.add_python_files(
            paths
                .iter()
                .filter(|p| discover::file_kind(p) == discover::FileKind::Python)
                .map(PathBuf::as_path),
        );
        let mut pending: Vec<(FileId, String)> = Vec::new();
        let tables = index.tables();
        for (path, (_, text)) in paths.iter().zip(files) {
            let id = FileId::from(path.as_path());
            match discover::file_kind(path) {
                discover::FileKind::Config => index.set_references(&id, text),
                discover::FileKind::Python => {
                    Arc::make_mut(&mut index.facts)
                        .insert(id.clone(), Arc::new(facts::FileFacts::build(text, &tables)));
                    if discover::may_set_settings_module(path) {
                        index.set_references(&id, text);
                    }
                    pending.push((id, text.to_string()));
                }
                discover::FileKind::Other => {}
            }
        }
        // Summarise settings paths, then whatever they import, from the given texts.
        let texts: HashMap<FileId, &str> = pending
            .iter()
            .map(|(p, t)| (p.clone(), t.as_str()))
            .collect();
        for (path, text) in &pending {
            if discover::is_settings_path(path) || index.is_referenced(path) {
                index
                    .summaries
                    .insert(path.clone(), Arc::new(ModuleSummary::parse(text)));
            }
            if urls::is_urls_path(path) {
                index
                    .urls
                    .insert(path.clone(), Arc::new(urls::UrlSummary::parse(text)));
            }
        }
        let read = |p: &Path| texts.get(p).map(|t| t.to_string());
        index.complete(read);
        index.derive();
        if index.complete_urls(read) {
            index.derive();
        }
        index
    }

    /// An index with no files.
    pub fn empty(root: &Path, options: IndexOptions) -> ProjectIndex {
        ProjectIndex {
            root: root.to_path_buf(),
            options: Arc::new(options),
            ..ProjectIndex::default()
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn options(&self) -> &IndexOptions {
        &self.options
    }

    /// Normalise a path the way the index stores paths (absolute against the root).
    pub fn normalize(&self, path: &Path) -> PathBuf {
        discover::normalize(path, Some(&self.root))
    }

    /// The summary the index holds for a file (the settings modules and what they import).
    pub fn summary(&self, path: &Path) -> Option<&Arc<ModuleSummary>> {
        self.summaries.get(path)
    }

    /// The names of the views in `path` that the URLconf routes (through its package's
    /// `__init__.py` too), or `None` when the URLconf is not known (no `ROOT_URLCONF` found, or
    /// it resolves to no route at all): then nothing can be said of a function that is not
    /// routed.
    ///
    /// Each name maps to what its routes capture: the parameters the URL fills in
    /// ([`urls::Captures`], the union over its routes).
    pub fn routed_views(&self, path: &Path) -> Option<BTreeMap<String, urls::Captures>> {
        let access = &self.derived.access;
        if !access.root_from_settings || access.routes.is_empty() {
            return None;
        }
        let names = self.reached_views(path);
        let path = self.normalize(path);
        // The URLconf says something of this module only when it routes views of this module's
        // folder: an app it never reaches may be mounted some other way (a plugin, another
        // project in the same tree).
        let dir = path.parent();
        // The routes' files are sorted by path, so those under the folder are together.
        let reaches_folder = !names.is_empty()
            || dir.is_some_and(|dir| {
                access
                    .routes
                    .range::<Path, _>((std::ops::Bound::Excluded(dir), std::ops::Bound::Unbounded))
                    .take_while(|(file, _)| file.starts_with(dir))
                    .any(|(file, views)| !views.is_empty() && file.parent() == Some(dir))
            });
        reaches_folder.then_some(names)
    }

    /// The views of `path` (and its package's `__init__.py`) that the URLconf djsec read
    /// reaches, from `ROOT_URLCONF` or, without it, from the URL modules no other includes;
    /// each with what its routes capture. Unlike [`Self::routed_views`], a function missing
    /// here may still be a view (mounted some other way).
    pub fn reached_views(&self, path: &Path) -> BTreeMap<String, urls::Captures> {
        let access = &self.derived.access;
        let path = self.normalize(path);
        let package_init = path
            .parent()
            .map(|dir| dir.join("__init__.py"))
            .filter(|init| *init != path);
        let mut names: BTreeMap<String, urls::Captures> = BTreeMap::new();
        for file in std::iter::once(path.clone()).chain(package_init) {
            for (name, routes) in access.routes.get(file.as_path()).into_iter().flatten() {
                let entry = names
                    .entry(name.clone())
                    .or_insert_with(|| Some(Default::default()));
                for route in routes {
                    *entry = match (entry.take(), urls::captures(&route.route)) {
                        (Some(mut all), Some(more)) => {
                            all.extend(more);
                            Some(all)
                        }
                        _ => None,
                    };
                }
            }
        }
        names
    }

    /// The function facts of a Python file.
    pub fn facts(&self, path: &Path) -> Option<&Arc<facts::FileFacts>> {
        self.facts.get(path)
    }

    /// The function facts of every Python file of the project (in no particular order).
    pub fn all_facts(&self) -> impl Iterator<Item = (&FileId, &Arc<facts::FileFacts>)> {
        self.facts.iter()
    }

    /// The renders of the template at `path` (where the project renders it, how, with what
    /// context), when some Python file renders it by a name its path gives.
    pub fn template_renders<'a>(
        self: &'a Arc<Self>,
        path: &Path,
    ) -> Option<&'a [facts::render::Site]> {
        facts::render::render_map(self).sites_for(&self.normalize(path))
    }

    /// The settings modules that are deployed: the production modules, else every settings
    /// module but the development ones.
    pub fn deployed_settings(&self) -> Vec<FileId> {
        let modules: Vec<&SettingsModule> = self.derived.settings.values().collect();
        let production: Vec<FileId> = modules
            .iter()
            .filter(|m| m.role == Role::Production)
            .map(|m| m.path.clone())
            .collect();
        if !production.is_empty() {
            return production;
        }
        modules
            .iter()
            .filter(|m| m.role != Role::Development)
            .map(|m| m.path.clone())
            .collect()
    }

    /// The tables function summaries are computed with.
    pub fn tables(&self) -> Arc<crate::semantic::sources::Tables> {
        static DEFAULT: std::sync::OnceLock<Arc<crate::semantic::sources::Tables>> =
            std::sync::OnceLock::new();
        self.options.tables.clone().unwrap_or_else(|| {
            Arc::clone(
                DEFAULT.get_or_init(|| Arc::new(crate::semantic::sources::Tables::default())),
            )
        })
    }

    /// A new snapshot with `path`'s function facts replaced (the server hands over the facts of
    /// an open buffer, which its analysis computed anyway), or `None` when they are the same.
    pub fn update_facts(&self, path: &Path, facts: Arc<facts::FileFacts>) -> Option<ProjectIndex> {
        let path = self.normalize(path);
        if discover::file_kind(&path) != discover::FileKind::Python {
            return None;
        }
        let id = FileId::from(path.as_path());
        if self
            .facts
            .get(&id)
            .is_some_and(|old| Arc::ptr_eq(old, &facts) || **old == *facts)
        {
            return None;
        }
        let mut next = self.clone();
        next.renders = Arc::default();
        next.cleaners = Arc::default();
        if !self.python_files.contains(&id) {
            next.add_python_files(std::iter::once(path.as_path()));
        }
        Arc::make_mut(&mut next.facts).insert(id, facts);
        Some(next)
    }

    /// The URL summary the index holds for a file.
    pub fn url_summary(&self, path: &Path) -> Option<&urls::UrlSummary> {
        self.urls.get(path).map(|s| &**s)
    }

    /// What the URLconf and the production settings say about access control.
    pub fn access(&self) -> &AccessFacts {
        &self.derived.access
    }

    /// The dotted module name of a file, relative to the root (`shop/views.py` → `shop.views`,
    /// `shop/__init__.py` → `shop`).
    pub fn dotted_name(&self, path: &Path) -> Option<String> {
        let relative = path.strip_prefix(&self.root).ok()?;
        let mut parts: Vec<&str> = relative
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<_>>()?;
        let file = parts.pop()?;
        if file != "__init__.py" {
            parts.push(file.strip_suffix(".py")?);
        }
        (!parts.is_empty()).then(|| parts.join("."))
    }

    /// Every settings module with its role, by path.
    pub fn settings_modules(&self) -> impl Iterator<Item = &SettingsModule> {
        self.derived.settings.values()
    }

    /// The settings module at `path`, if it is one.
    pub fn settings_module(&self, path: &Path) -> Option<&SettingsModule> {
        self.derived.settings.get(path)
    }

    /// Whether a Python file exists in the index.
    pub fn has_python_file(&self, path: &Path) -> bool {
        self.python_files.contains(path)
    }

    /// The modules that import `path` (star imports and `from x import y`), with whether the
    /// import is unconditional (at the top level of the importer).
    pub fn importers_of<'a>(
        &'a self,
        path: &'a Path,
    ) -> impl Iterator<Item = (&'a FileId, bool)> + 'a {
        self.derived
            .edges
            .iter()
            .filter(move |(_, to, _)| to.as_ref() == path)
            .map(|(from, _, unconditional)| (from, *unconditional))
    }

    /// The modules `path` imports (as the index knows its summary).
    pub fn imports_of<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a FileId> + 'a {
        self.derived
            .edges
            .iter()
            .filter(move |(from, _, _)| from.as_ref() == path)
            .map(|(_, to, _)| to)
    }

    /// Whether a file's content matters to the index (its summary or references are kept), or
    /// its path makes it a settings module.
    pub fn tracks(&self, path: &Path) -> bool {
        self.summaries.contains_key(path)
            || self.urls.contains_key(path)
            || urls::is_urls_path(path)
            || self.references.contains_key(path)
            || discover::is_settings_path(path)
            || discover::may_set_settings_module(path)
            || discover::file_kind(path) == discover::FileKind::Config
    }

    /// A new snapshot with `path`'s content replaced by `text` (a file opened, edited, saved or
    /// changed on disk), or `None` when nothing the index knows changed. Files that a changed
    /// settings module newly imports are read from disk.
    pub fn update_file(&self, path: &Path, text: &str) -> Option<ProjectIndex> {
        let path = self.normalize(path);
        let id = FileId::from(path.as_path());
        let kind = discover::file_kind(&path);
        if kind == discover::FileKind::Other {
            return None;
        }
        let mut next = self.clone();
        next.evaluations = Arc::default();
        next.renders = Arc::default();
        next.cleaners = Arc::default();
        let mut changed = false;
        if kind == discover::FileKind::Python && !self.python_files.contains(&id) {
            next.add_python_files(std::iter::once(path.as_path()));
            changed = true;
        }
        if kind == discover::FileKind::Config || discover::may_set_settings_module(&path) {
            let refs = discover::settings_refs(&path, text);
            if self
                .references
                .get(&id)
                .map_or(!refs.is_empty(), |old| *old != refs)
            {
                if refs.is_empty() {
                    next.references.remove(&id);
                } else {
                    next.references.insert(id.clone(), refs);
                }
                changed = true;
            }
        }
        if kind == discover::FileKind::Python
            && (self.summaries.contains_key(&id)
                || discover::is_settings_path(&path)
                || next.is_referenced(&id))
        {
            let summary = ModuleSummary::parse(text);
            if self.summaries.get(&id).is_none_or(|old| **old != summary) {
                next.summaries.insert(id.clone(), Arc::new(summary));
                changed = true;
            }
        }
        let mut facts_changed = false;
        if kind == discover::FileKind::Python {
            let facts = facts::FileFacts::build(text, &self.tables());
            if self.facts.get(&id).is_none_or(|old| **old != facts) {
                Arc::make_mut(&mut next.facts).insert(id.clone(), Arc::new(facts));
                facts_changed = true;
            }
        }
        if kind == discover::FileKind::Python
            && (self.urls.contains_key(&id) || urls::is_urls_path(&path))
        {
            let summary = urls::UrlSummary::parse(text);
            if self.urls.get(&id).is_none_or(|old| **old != summary) {
                next.urls.insert(id, Arc::new(summary));
                changed = true;
            }
        }
        if !changed {
            // Function facts alone derive nothing else.
            return facts_changed.then_some(next);
        }
        next.complete_from_disk();
        next.derive();
        if next.complete_urls(read) {
            next.derive();
        }
        Some(next)
    }

    /// A new snapshot without `path` (deleted), or `None` when the index did not know it.
    pub fn remove_file(&self, path: &Path) -> Option<ProjectIndex> {
        let path = self.normalize(path);
        let id = FileId::from(path.as_path());
        let known = self.python_files.contains(&id)
            || self.facts.contains_key(&id)
            || self.summaries.contains_key(&id)
            || self.urls.contains_key(&id)
            || self.references.contains_key(&id);
        if !known {
            return None;
        }
        let mut next = self.clone();
        next.evaluations = Arc::default();
        next.renders = Arc::default();
        next.cleaners = Arc::default();
        if next.python_files.contains(&id) {
            Arc::make_mut(&mut next.python_files).remove(&id);
            let by_name = Arc::make_mut(&mut next.by_module_name);
            if let Some(list) = module_name(&id).and_then(|n| by_name.get_mut(&n)) {
                list.retain(|p| *p != id);
            }
        }
        next.summaries.remove(&id);
        next.urls.remove(&id);
        next.references.remove(&id);
        if next.facts.contains_key(&id) {
            Arc::make_mut(&mut next.facts).remove(&id);
        }
        next.derive();
        Some(next)
    }

    /// Resolve an import in `from` to a Python file of the project.
    pub fn resolve(&self, from: &Path, module: &ModuleRef) -> Option<FileId> {
        self.resolve_with(from, module, None)
    }

    /// [`ProjectIndex::resolve`], with the files of absolute names remembered in `memo` when
    /// there is one (a scan resolves the same modules for many files).
    pub(crate) fn resolve_with(
        &self,
        from: &Path,
        module: &ModuleRef,
        memo: Option<&ModuleMemo>,
    ) -> Option<FileId> {
        let parts: Vec<&str> = module.module.split('.').filter(|p| !p.is_empty()).collect();
        if module.level > 0 {
            let mut dir = from.parent()?;
            for _ in 1..module.level {
                dir = dir.parent()?;
            }
            let mut base = dir.to_path_buf();
            for part in &parts {
                base.push(part);
            }
            let file = base.with_extension("py");
            if !parts.is_empty() && self.python_files.contains(file.as_path()) {
                return self.python_files.get(file.as_path()).cloned();
            }
            let init = base.join("__init__.py");
            return self.python_files.get(init.as_path()).cloned();
        }
        match memo {
            None => closest(from, &self.absolute_matches(&parts)),
            Some(memo) => {
                if let Some(known) = memo.get(&module.module) {
                    return closest(from, &known);
                }
                let matches = Arc::new(self.absolute_matches(&parts));
                memo.insert(module.module.clone(), Arc::clone(&matches));
                closest(from, &matches)
            }
        }
    }

    /// The files an absolute dotted module name (split into its parts) can be
    /// ([`ProjectIndex::resolve`] picks the one closest to the importing file).
    fn absolute_matches(&self, parts: &[&str]) -> Vec<FileId> {
        let Some(candidates) = parts.last().and_then(|last| self.by_module_name.get(*last)) else {
            return Vec::new();
        };
        self.absolute_candidates(candidates, parts)
            .cloned()
            .collect()
    }

    /// Resolve a dotted module name (`mysite.settings.prod`) from the project root.
    pub fn resolve_dotted(&self, dotted: &str) -> Option<FileId> {
        let parts: Vec<&str> = dotted.split('.').filter(|p| !p.is_empty()).collect();
        let last = parts.last()?;
        let candidates = self.by_module_name.get(*last)?;
        self.absolute_candidates(candidates, &parts)
            .min_by_key(|p| p.components().count())
            .cloned()
    }

    /// The files an absolute module name can be. Python finds `a.b` as `ROOT/a/b.py` where
    /// `ROOT` is on `sys.path`, so `ROOT` is not itself a package: files whose first part sits
    /// in a folder without `__init__.py` are preferred. A one-part name (`http`, `json`) is only
    /// such a top-level module, never `app/backends/http.py`; a longer name falls back to any
    /// file whose path ends with it (a source root that has an `__init__.py` of its own).
    fn absolute_candidates<'a>(
        &'a self,
        candidates: &'a [FileId],
        parts: &'a [&str],
    ) -> impl Iterator<Item = &'a FileId> + 'a {
        let matching = move || {
            candidates
                .iter()
                .filter(move |p| module_path_matches(p, parts))
        };
        let top_level = move |p: &&FileId| {
            let up = if p.file_name().is_some_and(|n| n == "__init__.py") {
                parts.len()
            } else {
                parts.len().saturating_sub(1)
            };
            let Some(root) = p.parent().and_then(|d| d.ancestors().nth(up)) else {
                return true;
            };
            !self
                .python_files
                .contains(root.join("__init__.py").as_path())
        };
        let strict = matching().any(|p| top_level(&p));
        let loose = !strict && parts.len() > 1;
        matching().filter(move |p| loose || (strict && top_level(p)))
    }

    /// Python files in `dir` whose name matches a glob (`*` and `?`), for
    /// django-split-settings' `include("components/*.py")`.
    pub fn glob_in(&self, dir: &Path, pattern: &str) -> Vec<FileId> {
        let target = discover::normalize(&dir.join(pattern), None);
        let (Some(parent), Some(name)) =
            (target.parent(), target.file_name().and_then(|n| n.to_str()))
        else {
            return Vec::new();
        };
        let mut out: Vec<FileId> = self
            .python_files
            .iter()
            .filter(|p| p.parent() == Some(parent))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| glob_match(name, n))
            })
            .cloned()
            .collect();
        out.sort();
        out
    }

    fn add_python_files<'a>(&mut self, paths: impl Iterator<Item = &'a Path>) {
        let files = Arc::make_mut(&mut self.python_files);
        let by_name = Arc::make_mut(&mut self.by_module_name);
        for path in paths {
            let id = FileId::from(path);
            if !files.insert(id.clone()) {
                continue;
            }
            if let Some(name) = module_name(&id) {
                by_name.entry(name).or_default().push(id);
            }
        }
    }

    fn set_references(&mut self, path: &FileId, text: &str) {
        let refs = discover::settings_refs(path, text);
        if refs.is_empty() {
            self.references.remove(path);
        } else {
            self.references.insert(path.clone(), refs);
        }
    }

    /// Whether some `DJANGO_SETTINGS_MODULE` names this file.
    fn is_referenced(&self, path: &Path) -> bool {
        self.references.values().flatten().any(|r| {
            self.resolve_dotted(&r.module)
                .is_some_and(|p| p.as_ref() == path)
        })
    }

    /// Summarise referenced settings modules and the modules summaries import, reading them with
    /// `read_text`, until nothing new is reached.
    fn complete(&mut self, read_text: impl Fn(&Path) -> Option<String> + Sync) {
        let mut wanted: Vec<FileId> = self
            .references
            .values()
            .flatten()
            .filter_map(|r| self.resolve_dotted(&r.module))
            .filter(|p| !self.summaries.contains_key(p))
            .collect();
        let mut rounds = 0;
        loop {
            for (path, summary) in &self.summaries {
                for (module, _) in summary.module_imports() {
                    if let Some(target) = self.resolve(path, module)
                        && !self.summaries.contains_key(&target)
                    {
                        wanted.push(target);
                    }
                }
                for target in split_settings_includes(self, path, summary) {
                    if !self.summaries.contains_key(&target) {
                        wanted.push(target);
                    }
                }
            }
            wanted.sort();
            wanted.dedup();
            if wanted.is_empty() || rounds > 32 || self.summaries.len() >= MAX_SUMMARIES {
                break;
            }
            rounds += 1;
            let read: Vec<(FileId, ModuleSummary)> = wanted
                .par_iter()
                .map(|p| {
                    let summary = read_text(p)
                        .map_or_else(ModuleSummary::default, |t| ModuleSummary::parse(&t));
                    (p.clone(), summary)
                })
                .collect();
            for (path, summary) in read {
                self.summaries.insert(path, Arc::new(summary));
            }
            wanted.clear();
        }
    }

    fn complete_from_disk(&mut self) {
        self.complete(read);
    }

    /// Summarise the URL modules the URLconf reaches that the index does not hold yet (the
    /// `ROOT_URLCONF` module, included modules not named `urls.py`), reading them with
    /// `read_text`. Whether any was added (then the routes must be derived again).
    fn complete_urls(&mut self, read_text: impl Fn(&Path) -> Option<String>) -> bool {
        let mut added = false;
        let mut wanted: Vec<FileId> = self
            .derived
            .access
            .roots
            .iter()
            .filter(|r| !self.urls.contains_key(*r))
            .cloned()
            .collect();
        for _ in 0..32 {
            for (file, summary) in &self.urls {
                for module in &summary.included_modules {
                    if let Some(target) = self.resolve_dotted(module) {
                        wanted.push(target);
                    }
                }
                for (_, imported) in &summary.imports {
                    // `from shop import urls as shop_urls`: a URL module by its name.
                    if let urls::Imported::Name { module, name } = imported
                        && (name == "urls" || name.ends_with("_urls"))
                    {
                        let joined = if module.module.is_empty() {
                            name.clone()
                        } else {
                            format!("{}.{name}", module.module)
                        };
                        let module = ModuleRef {
                            level: module.level,
                            module: joined,
                        };
                        wanted.extend(self.resolve(file, &module));
                    }
                }
            }
            wanted.retain(|p| !self.urls.contains_key(p));
            wanted.sort();
            wanted.dedup();
            if wanted.is_empty() || self.urls.len() >= MAX_SUMMARIES {
                break;
            }
            for path in wanted.drain(..) {
                let summary = read_text(&path)
                    .map_or_else(urls::UrlSummary::default, |t| urls::UrlSummary::parse(&t));
                self.urls.insert(path, Arc::new(summary));
                added = true;
            }
        }
        added
    }

    /// Recompute roles and edges from the summaries and references.
    fn derive(&mut self) {
        let mut edges = Vec::new();
        for (path, summary) in &self.summaries {
            for (module, unconditional) in summary.settings_imports() {
                if let Some(target) = self.resolve(path, module) {
                    edges.push((path.clone(), target, unconditional));
                }
            }
            for target in split_settings_includes(self, path, summary) {
                edges.push((path.clone(), target, true));
            }
        }
        edges.sort();
        edges.dedup();
        let mut refs: HashMap<FileId, Vec<RefKind>> = HashMap::new();
        for r in self.references.values().flatten() {
            if let Some(target) = self.resolve_dotted(&r.module) {
                refs.entry(target).or_default().push(r.kind);
            }
        }
        let members = self.settings_members(&refs, &edges);
        // Only imports made by settings modules make settings: a module that takes a constant
        // from `app/constants.py` does not turn it into settings unless it is settings itself.
        let inherited: HashSet<&FileId> = edges
            .iter()
            .filter(|(from, _, unconditional)| *unconditional && members.contains(from))
            .map(|(_, to, _)| to)
            .collect();
        let external_deployment = self.external_deployment();
        let mut settings = BTreeMap::new();
        for path in &members {
            let Some(summary) = self.summaries.get(path) else {
                continue;
            };
            let referenced = refs.get(path);
            let (role, reason) = role_of(
                &self.root,
                &self.options,
                path,
                summary,
                RoleFacts {
                    refs: referenced.map_or(&[][..], Vec::as_slice),
                    inherited: inherited.contains(path),
                    external_deployment,
                },
            );
            settings.insert(
                path.clone(),
                SettingsModule {
                    path: path.clone(),
                    role,
                    reason,
                },
            );
        }
        self.derived = Arc::new(Derived {
            settings,
            edges,
            access: AccessFacts::default(),
        });
        let access = self.derive_access();
        if let Some(derived) = Arc::get_mut(&mut self.derived) {
            derived.access = access;
        }
    }

    /// The access facts, from the settings modules (already derived) and the URL summaries.
    fn derive_access(&self) -> AccessFacts {
        let modules: Vec<&SettingsModule> = self.derived.settings.values().collect();
        let production: Vec<FileId> = modules
            .iter()
            .filter(|m| m.role == Role::Production)
            .map(|m| m.path.clone())
            .collect();
        // The deployed settings: the production modules, or the only settings module.
        let deployed = if production.is_empty() && modules.len() == 1 {
            vec![modules[0].path.clone()]
        } else {
            production
        };
        let evaluated: Vec<eval::Evaluation> = eval::evaluate_many(self, &deployed, None)
            .into_iter()
            .flatten()
            .collect();
        let unanimous = |each: &dyn Fn(&eval::Namespace) -> Option<Value>| -> Option<Value> {
            let mut out: Option<Value> = None;
            for e in &evaluated {
                let v = each(&e.namespace)?;
                match &out {
                    Some(o) if value::py_eq(o, &v) != Some(true) => return None,
                    _ => out = Some(v),
                }
            }
            out
        };
        let login_required_middleware = if evaluated.is_empty() || evaluated.len() < deployed.len()
        {
            None
        } else {
            let each: Vec<Option<bool>> = evaluated
                .iter()
                .map(|e| {
                    e.namespace
                        .value("MIDDLEWARE")?
                        .contains_str("django.contrib.auth.middleware.LoginRequiredMiddleware")
                })
                .collect();
            let first = each.first().copied().flatten();
            each.iter().all(|v| *v == first).then_some(first).flatten()
        };
        let drf = |key: &str, default: &[&str]| -> Option<Vec<String>> {
            if evaluated.is_empty() || evaluated.len() < deployed.len() {
                return None;
            }
            let value = unanimous(&|ns: &eval::Namespace| match ns.setting("REST_FRAMEWORK") {
                eval::Setting::Default => Some(Value::bare(Kind::Dict(Vec::new()))),
                eval::Setting::Set(b) if !b.value.is_unknown() => Some(b.value.clone()),
                _ => None,
            })?;
            match value.get(key) {
                Some(list) => list
                    .items()?
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect(),
                None if matches!(value.kind, Kind::Dict(_)) && !value.dict_is_partial() => {
                    Some(default.iter().map(|s| (*s).to_string()).collect())
                }
                None => None,
            }
        };
        let drf_default_permissions = drf(
            "DEFAULT_PERMISSION_CLASSES",
            &["rest_framework.permissions.AllowAny"],
        );
        let drf_default_authentication = drf(
            "DEFAULT_AUTHENTICATION_CLASSES",
            &[
                "rest_framework.authentication.SessionAuthentication",
                "rest_framework.authentication.BasicAuthentication",
            ],
        );
        // ROOT_URLCONF of the deployed modules, else of any settings module.
        let all: Vec<FileId> = modules.iter().map(|m| m.path.clone()).collect();
        let mut roots: Vec<FileId> = Vec::new();
        for e in evaluated
            .iter()
            .cloned()
            .map(Some)
            .chain(if deployed.is_empty() {
                eval::evaluate_many(self, &all, None)
            } else {
                Vec::new()
            })
            .flatten()
        {
            if let Some(target) = e
                .namespace
                .value("ROOT_URLCONF")
                .and_then(|v| v.as_str().and_then(|d| self.resolve_dotted(d)))
            {
                roots.push(target);
            }
        }
        roots.sort();
        roots.dedup();
        let root_from_settings = !roots.is_empty();
        if roots.is_empty() {
            roots = urls::fallback_roots(self, &self.urls);
        }
        let (routes, complete) = urls::resolve_complete(self, &roots);
        // Django 1.x settings: `MIDDLEWARE_CLASSES` and no `MIDDLEWARE`.
        let uses_middleware_classes = |ns: &eval::Namespace| {
            matches!(ns.setting("MIDDLEWARE"), eval::Setting::Default)
                && matches!(ns.setting("MIDDLEWARE_CLASSES"), eval::Setting::Set(_))
        };
        let all_settings: Vec<FileId> = modules.iter().map(|m| m.path.clone()).collect();
        let settings_1x = evaluated
            .iter()
            .any(|e| uses_middleware_classes(&e.namespace))
            || (evaluated.is_empty()
                && eval::evaluate_many(self, &all_settings, None)
                    .into_iter()
                    .flatten()
                    .any(|e| uses_middleware_classes(&e.namespace)));
        let urls_1x = self.urls.values().any(|u| u.uses_patterns);
        let django = self
            .declared_django
            .clone()
            .or_else(|| django::from_code(settings_1x, urls_1x));
        let reads_classes = django.as_ref().is_none_or(|v| v.before(2, 0));
        let mut project_middleware: Vec<String> = Vec::new();
        for e in &evaluated {
            let name = if reads_classes && uses_middleware_classes(&e.namespace) {
                "MIDDLEWARE_CLASSES"
            } else {
                "MIDDLEWARE"
            };
            let items = e
                .namespace
                .value(name)
                .and_then(|v| v.items().map(<[Value]>::to_vec))
                .unwrap_or_default();
            for item in items {
                let Some(dotted) = item.as_str() else {
                    continue;
                };
                let project = dotted
                    .rsplit_once('.')
                    .is_some_and(|(module, _)| self.resolve_dotted(module).is_some());
                if project && !project_middleware.iter().any(|m| m == dotted) {
                    project_middleware.push(dotted.to_string());
                }
            }
        }
        const LIMITERS: &[&str] = &["axes", "defender", "ratelimit", "django_ratelimit", "brake"];
        let named_limiter = |v: &Value| {
            v.items().is_some_and(|items| {
                items.iter().filter_map(Value::as_str).any(|s| {
                    let first = s.split('.').next().unwrap_or(s);
                    LIMITERS.contains(&first)
                })
            })
        };
        let drf_throttled = if evaluated.is_empty() {
            None
        } else {
            Some(evaluated.iter().any(|e| {
                e.namespace
                    .value("REST_FRAMEWORK")
                    .and_then(|v| v.get("DEFAULT_THROTTLE_CLASSES").cloned())
                    .and_then(|v| v.items().map(|i| !i.is_empty()))
                    .unwrap_or(false)
            }))
        };
        let imports_limiter = self.facts.values().any(|f| {
            f.imports.values().any(|q| {
                let first = q.split('.').next().unwrap_or(q);
                LIMITERS.contains(&first)
            })
        });
        let lists_unknown = evaluated.iter().any(|e| {
            ["INSTALLED_APPS", "MIDDLEWARE"]
                .iter()
                .any(|n| match e.namespace.setting(n) {
                    eval::Setting::Unknown => true,
                    eval::Setting::Set(b) => b.value.is_unknown() || b.value.items().is_none(),
                    eval::Setting::Default => false,
                })
        });
        let rate_limited = if evaluated.is_empty() || (lists_unknown && !imports_limiter) {
            None
        } else {
            Some(
                imports_limiter
                    || drf_throttled == Some(true)
                    || evaluated.iter().any(|e| {
                        [
                            "INSTALLED_APPS",
                            "MIDDLEWARE",
                            "MIDDLEWARE_CLASSES",
                            "AUTHENTICATION_BACKENDS",
                        ]
                        .iter()
                        .filter_map(|n| e.namespace.value(n))
                        .any(|v| named_limiter(&v))
                    }),
            )
        };
        AccessFacts {
            roots,
            root_from_settings,
            routes,
            login_required_middleware,
            drf_default_permissions,
            drf_default_authentication,
            urlconf_complete: complete && root_from_settings,
            project_middleware,
            rate_limited,
            drf_throttled,
            django,
        }
    }

    /// The Django version the project targets, when known ([`django`]).
    pub fn django_version(&self) -> Option<&django::DjangoVersion> {
        self.derived.access.django.as_ref()
    }

    /// The role the module at `path` would have with this summary (used for the buffer being
    /// analysed, whose summary may be newer than the index's). `None` when it is not a settings
    /// module.
    pub fn role_for(&self, path: &Path, summary: &ModuleSummary) -> Option<(Role, RoleReason)> {
        let mut refs = Vec::new();
        for r in self.references.values().flatten() {
            if self
                .resolve_dotted(&r.module)
                .is_some_and(|p| p.as_ref() == path)
            {
                refs.push(r.kind);
            }
        }
        // Imports made by settings modules (the buffer itself aside).
        let importers: Vec<(&FileId, bool)> = self
            .importers_of(path)
            .filter(|(from, _)| from.as_ref() != path && self.derived.settings.contains_key(*from))
            .collect();
        let imported = !importers.is_empty();
        let inherited = importers.iter().any(|(_, unconditional)| *unconditional);
        let is_settings = !refs.is_empty()
            || imported
            || (discover::is_settings_path(path)
                && match settings_likeness(path, summary) {
                    Likeness::Settings => true,
                    // An empty `settings.py` is the project's only when there is no other.
                    Likeness::Empty => self.derived.settings.keys().all(|p| p.as_ref() == path),
                    Likeness::No => false,
                });
        is_settings.then(|| {
            role_of(
                &self.root,
                &self.options,
                path,
                summary,
                RoleFacts {
                    refs: &refs,
                    inherited,
                    external_deployment: self.external_deployment(),
                },
            )
        })
    }

    /// The settings modules: those a `DJANGO_SETTINGS_MODULE` names, those named like settings
    /// that look like settings of their own ([`settings_likeness`]), and, closing over the
    /// import edges, what settings modules import settings from. An empty `settings.py` counts
    /// only when there is no other settings module (it is then the project's, with Django's
    /// defaults; elsewhere a stub).
    fn settings_members(
        &self,
        refs: &HashMap<FileId, Vec<RefKind>>,
        edges: &[(FileId, FileId, bool)],
    ) -> HashSet<FileId> {
        let mut members: HashSet<FileId> = HashSet::new();
        let mut empty: Vec<FileId> = Vec::new();
        for (path, summary) in &self.summaries {
            if refs.contains_key(path) {
                members.insert(path.clone());
                continue;
            }
            if !discover::is_settings_path(path) {
                continue;
            }
            match settings_likeness(path, summary) {
                Likeness::Settings => {
                    members.insert(path.clone());
                }
                Likeness::Empty => empty.push(path.clone()),
                Likeness::No => {}
            }
        }
        let close = |members: &mut HashSet<FileId>| {
            let mut queue: Vec<FileId> = members.iter().cloned().collect();
            while let Some(from) = queue.pop() {
                for (_, to, _) in edges.iter().filter(|(f, _, _)| *f == from) {
                    if members.insert(to.clone()) {
                        queue.push(to.clone());
                    }
                }
            }
        };
        close(&mut members);
        if members.is_empty() {
            members.extend(empty);
            close(&mut members);
        }
        members
    }

    /// Whether the project's `DJANGO_SETTINGS_MODULE` values, outside test configuration, all
    /// name modules the project does not have (`nautobot_config`, written by `nautobot-server
    /// init` for each deployment): then each deployment brings its own settings module, and the
    /// project's settings modules that nothing names are the defaults it extends.
    fn external_deployment(&self) -> bool {
        let mut named = self
            .references
            .values()
            .flatten()
            .filter(|r| r.kind != RefKind::Test)
            .peekable();
        named.peek().is_some() && named.all(|r| self.resolve_dotted(&r.module).is_none())
    }

    /// Whether the findings of a file depend on the index (settings modules and the files whose
    /// path makes them one). The server re-analyses these when the index changes.
    ///
    /// Every Python file does: besides settings modules, the access rules read the URLconf and the
    /// settings (`LoginRequiredMiddleware`, DRF defaults) for the views of any module. Templates
    /// do too: the template rules read how the views render them and the `TEMPLATES` setting.
    pub fn depends_on_index(&self, path: &Path) -> bool {
        self.derived.settings.contains_key(path)
            || discover::is_settings_path(path)
            || discover::file_kind(path) == discover::FileKind::Python
            || crate::syntax::Language::from_path(path) == Some(crate::syntax::Language::Template)
    }

    /// Whether two snapshots differ in what rules see (summaries, roles, edges).
    pub fn same_knowledge(&self, other: &ProjectIndex) -> bool {
        Arc::ptr_eq(&self.derived, &other.derived)
            || (*self.derived == *other.derived
                && self.summaries == other.summaries
                && self.urls == other.urls)
    }
}

fn read(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() > 4 * 1024 * 1024 {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The module name a file is imported by: its stem, or its package's name for `__init__.py`.
fn module_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    if stem == "__init__" {
        return path.parent()?.file_name()?.to_str().map(str::to_string);
    }
    Some(stem.to_string())
}

/// Whether `path` is the file of the dotted module `parts` (`a/b/c.py` or `a/b/c/__init__.py`).
fn module_path_matches(path: &Path, parts: &[&str]) -> bool {
    // From the end, without collecting the components: most candidates differ in their last
    // directory (`app3/models.py` for `django.db.models`).
    let mut components = path.components().rev().map(|c| c.as_os_str().to_str());
    let Some(Some(last)) = components.next() else {
        return false;
    };
    let mut wanted = parts.iter().rev();
    if last != "__init__.py" {
        // A module file: its stem is the last part; a package's `__init__.py` has its
        // directory as the last part.
        let Some(stem) = last.strip_suffix(".py") else {
            return false;
        };
        if wanted.next().is_some_and(|part| *part != stem) {
            return false;
        }
    }
    wanted.all(|part| components.next() == Some(Some(*part)))
}

/// Of the files a module name can be, the one nearest `from` (the longest common folder, then
/// the shallowest).
fn closest(from: &Path, matches: &[FileId]) -> Option<FileId> {
    matches
        .iter()
        .max_by_key(|p| {
            (
                common_prefix(p, from),
                std::cmp::Reverse(p.components().count()),
            )
        })
        .cloned()
}

fn common_prefix(a: &Path, b: &Path) -> usize {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count()
}

/// `*` (any run, not `/`) and `?` (one character) matching.
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Glob over a relative path: `**` matches any number of directories.
fn path_glob_match(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Iterative matching with backtracking over `**`.
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < parts.len() {
        if pi < pat.len() && pat[pi] == "**" {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if pi < pat.len() && glob_match(pat[pi], parts[ni]) {
            pi += 1;
            ni += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < pat.len() && pat[pi] == "**" {
        pi += 1;
    }
    pi == pat.len()
}

/// Setting names whose assignment marks a module as Django settings (Django's own settings,
/// from `global_settings.py`, that projects commonly set).
const CORE_SETTINGS: &[&str] = &[
    "ABSOLUTE_URL_OVERRIDES",
    "ADMINS",
    "ALLOWED_HOSTS",
    "APPEND_SLASH",
    "AUTHENTICATION_BACKENDS",
    "AUTH_PASSWORD_VALIDATORS",
    "AUTH_USER_MODEL",
    "CACHES",
    "CACHE_MIDDLEWARE_SECONDS",
    "CSRF_COOKIE_SECURE",
    "CSRF_FAILURE_VIEW",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASES",
    "DATABASE_ROUTERS",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "DEBUG",
    "DEBUG_PROPAGATE_EXCEPTIONS",
    "DEFAULT_AUTO_FIELD",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "FILE_UPLOAD_PERMISSIONS",
    "FIXTURE_DIRS",
    "INSTALLED_APPS",
    "INTERNAL_IPS",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "LOCALE_PATHS",
    "LOGGING",
    "LOGIN_REDIRECT_URL",
    "LOGIN_URL",
    "LOGOUT_REDIRECT_URL",
    "MANAGERS",
    "MEDIA_ROOT",
    "MEDIA_URL",
    "MIDDLEWARE",
    "PASSWORD_HASHERS",
    "ROOT_URLCONF",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SERVER_EMAIL",
    "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_SECURE",
    "SESSION_ENGINE",
    "SILENCED_SYSTEM_CHECKS",
    "SITE_ID",
    "STATICFILES_DIRS",
    "STATICFILES_STORAGE",
    "STATIC_ROOT",
    "STATIC_URL",
    "STORAGES",
    "TEMPLATES",
    "TEST_RUNNER",
    "TIME_ZONE",
    "USE_I18N",
    "USE_TZ",
    "WSGI_APPLICATION",
    "ASGI_APPLICATION",
    "X_FRAME_OPTIONS",
];

/// Settings that only a module meant to configure a whole site sets: a module that assigns none
/// of them (only `DATABASES`, `CACHES`, `EMAIL_*`, `LOGGING`...) and imports no other settings
/// is a fragment of one (`docker/db_settings.py`, appended to `settings.py` by a deploy script).
const DEFINING_SETTINGS: &[&str] = &[
    "ALLOWED_HOSTS",
    "ASGI_APPLICATION",
    "DEBUG",
    "INSTALLED_APPS",
    "MIDDLEWARE",
    "ROOT_URLCONF",
    "SECRET_KEY",
    "TEMPLATES",
    "WSGI_APPLICATION",
];

/// What a module named like settings looks like from its text alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Likeness {
    /// A settings module of its own.
    Settings,
    /// A `settings.py` that assigns nothing: Django's defaults apply when it is the project's
    /// settings, but it is a stub (a plugin's placeholder, a docs build's) when the project has
    /// other settings modules.
    Empty,
    /// Not settings, or only part of some (see [`settings_likeness`]).
    No,
}

/// How much a module named like settings looks like Django settings of its own:
///
/// - not when it reads `django.conf.settings` itself (reusable apps keep their own `settings.py`
///   of defaults that read Django's), nor Django's `global_settings.py`;
/// - not a **fragment**: a module that reads a setting it never binds (`MIDDLEWARE =
///   (...) + tuple(MIDDLEWARE)`, `SECRET_KEY = os.environ.get("X", SECRET_KEY)`: it only runs
///   appended to, or executed inside, another settings module), or that assigns settings but
///   none of [`DEFINING_SETTINGS`] and imports no other module's settings;
/// - a star import (`from .base import *`, split-settings `include()`) or a defining setting
///   makes it one;
/// - a `settings.py` that assigns no UPPERCASE name and defines no code is [`Likeness::Empty`];
///   one of other constants (a library's own configuration) is not settings.
fn settings_likeness(path: &Path, summary: &ModuleSummary) -> Likeness {
    // Django's own defaults (read when Django itself is checked out in the project).
    if path.ends_with("django/conf/global_settings.py") {
        return Likeness::No;
    }
    let exact = path.file_name().is_some_and(|n| n == "settings.py");
    // A `settings.py` that defines functions or classes and no setting is a module of code that
    // happens to be called so (`views/settings.py`), not an empty settings module.
    let defines_code = summary
        .body
        .iter()
        .any(|s| matches!(&s.kind, summary::StmtKind::Opaque { binds } if !binds.is_empty()));
    let mut defining = false;
    let mut core = false;
    let mut other_constants = false;
    let mut star = false;
    let mut reads_django_settings = false;
    let mut stack: Vec<(&[summary::Stmt], u32)> = vec![(&summary.body, 0)];
    while let Some((stmts, depth)) = stack.pop() {
        for stmt in stmts {
            match &stmt.kind {
                summary::StmtKind::Assign { targets, .. } => {
                    for target in targets {
                        if let summary::Target::Name { name, .. } = target {
                            other_constants |= summary::is_setting_name(name);
                            core |= CORE_SETTINGS.contains(&name.as_str());
                            defining |= DEFINING_SETTINGS.contains(&name.as_str());
                        }
                    }
                }
                summary::StmtKind::StarImport(_) => star = true,
                summary::StmtKind::ImportFrom { module, names } => {
                    reads_django_settings |= module.level == 0
                        && module.module == "django.conf"
                        && names.iter().any(|(n, _)| n == "settings");
                    // `from .base import INSTALLED_APPS`: settings taken from another module.
                    star |= names
                        .iter()
                        .any(|(n, _)| CORE_SETTINGS.contains(&n.as_str()));
                }
                summary::StmtKind::Expr(e) => {
                    star |= matches!(&e.kind, summary::ExprKind::Call { func, .. } if func.dotted().is_some_and(|d| d == "include" || d.ends_with(".include")));
                }
                summary::StmtKind::If(branches) if depth < 8 => {
                    for (_, body) in branches {
                        stack.push((body, depth + 1));
                    }
                }
                summary::StmtKind::Try { body, .. } if depth < 8 => stack.push((body, depth + 1)),
                _ => {}
            }
        }
    }
    if reads_django_settings {
        return Likeness::No;
    }
    if star {
        return Likeness::Settings;
    }
    if core {
        return if defining && !reads_unbound_setting(summary) {
            Likeness::Settings
        } else {
            Likeness::No
        };
    }
    if exact && !other_constants && !defines_code {
        return Likeness::Empty;
    }
    Likeness::No
}

/// Whether a module reads an UPPERCASE name before anything binds it (no star import before it
/// either): run by itself it would stop with a `NameError`, so it is a fragment meant to run
/// inside another settings module. Top-level statements and their `if`/`try` blocks, in order.
fn reads_unbound_setting(summary: &ModuleSummary) -> bool {
    let mut bound: HashSet<&str> = HashSet::new();
    // Statements in source order: a block's statements are visited before the rest of the
    // enclosing block (an explicit stack of iterators keeps the walk iterative).
    let mut stack: Vec<std::slice::Iter<'_, summary::Stmt>> = vec![summary.body.iter()];
    while let Some(top) = stack.last_mut() {
        let Some(stmt) = top.next() else {
            stack.pop();
            continue;
        };
        let mut reads: Vec<&summary::Expr> = Vec::new();
        let mut binds: Vec<&str> = Vec::new();
        match &stmt.kind {
            summary::StmtKind::Assign { targets, value } => {
                reads.push(value);
                for target in targets {
                    match target {
                        summary::Target::Name { name, .. } => binds.push(name),
                        // `X["k"] = v` reads `X`.
                        summary::Target::Item { name, keys, .. } => {
                            reads.extend(keys.iter());
                            if !bound.contains(name.as_str()) && summary::is_setting_name(name) {
                                return true;
                            }
                        }
                        summary::Target::Other { names } => {
                            binds.extend(names.iter().map(String::as_str))
                        }
                    }
                }
            }
            summary::StmtKind::AugAssign { target, value, .. } => {
                reads.push(value);
                if let summary::Target::Name { name, .. } | summary::Target::Item { name, .. } =
                    target
                    && !bound.contains(name.as_str())
                    && summary::is_setting_name(name)
                {
                    return true;
                }
            }
            summary::StmtKind::Expr(e) => {
                if matches!(&e.kind, summary::ExprKind::Call { func, .. } if func.dotted().is_some_and(|d| d == "include" || d.ends_with(".include")))
                {
                    return false;
                }
                reads.push(e);
            }
            // Anything may be bound from here on.
            summary::StmtKind::StarImport(_) => return false,
            summary::StmtKind::ImportFrom { names, .. } => {
                binds.extend(names.iter().map(|(_, local)| local.as_str()));
            }
            summary::StmtKind::Import(names) => {
                binds.extend(names.iter().map(|(local, _)| local.as_str()));
            }
            summary::StmtKind::If(branches) => {
                for (test, _) in branches {
                    reads.extend(test.iter());
                }
            }
            summary::StmtKind::Try { handler_binds, .. } => {
                binds.extend(handler_binds.iter().map(String::as_str));
            }
            summary::StmtKind::Opaque { binds: names } => {
                binds.extend(names.iter().map(String::as_str));
            }
            summary::StmtKind::Del(_) => {}
        }
        if reads.iter().any(|e| reads_unbound(e, &bound)) {
            return true;
        }
        bound.extend(binds);
        if stack.len() < 9 {
            match &stmt.kind {
                summary::StmtKind::If(branches) => {
                    // Branches one after the other: a name bound in one counts as bound after.
                    for (_, body) in branches.iter().rev() {
                        stack.push(body.iter());
                    }
                }
                summary::StmtKind::Try { body, .. } => stack.push(body.iter()),
                _ => {}
            }
        }
    }
    false
}

/// Whether an expression reads an UPPERCASE name not in `bound` (bounded walk).
fn reads_unbound(expr: &summary::Expr, bound: &HashSet<&str>) -> bool {
    let mut stack: Vec<&summary::Expr> = vec![expr];
    let mut seen = 0;
    while let Some(e) = stack.pop() {
        seen += 1;
        if seen > 10_000 {
            return false;
        }
        match &e.kind {
            summary::ExprKind::Name(n) => {
                if summary::is_setting_name(n) && !bound.contains(n.as_str()) {
                    return true;
                }
            }
            summary::ExprKind::List(items)
            | summary::ExprKind::Tuple(items)
            | summary::ExprKind::Set(items) => stack.extend(items.iter()),
            summary::ExprKind::Dict(pairs) => {
                for (k, v) in pairs {
                    stack.push(k);
                    stack.push(v);
                }
            }
            summary::ExprKind::FString(parts) => {
                for part in parts {
                    if let summary::FPart::Value { expr, .. } = part {
                        stack.push(expr);
                    }
                }
            }
            summary::ExprKind::Unary(_, a) | summary::ExprKind::Attr(a, _) => stack.push(a),
            summary::ExprKind::Binary(_, a, b) | summary::ExprKind::Subscript(a, b) => {
                stack.push(a);
                stack.push(b);
            }
            summary::ExprKind::Compare(a, rest) => {
                stack.push(a);
                stack.extend(rest.iter().map(|(_, e)| e));
            }
            summary::ExprKind::Cond { body, test, orelse } => {
                stack.push(body);
                stack.push(test);
                stack.push(orelse);
            }
            summary::ExprKind::Call { func, args, kwargs } => {
                stack.push(func);
                stack.extend(args.iter());
                stack.extend(kwargs.iter().map(|(_, e)| e));
            }
            summary::ExprKind::None
            | summary::ExprKind::Bool(_)
            | summary::ExprKind::Int(_)
            | summary::ExprKind::Float(_)
            | summary::ExprKind::Str(_)
            | summary::ExprKind::Bytes(_)
            | summary::ExprKind::Opaque => {}
        }
    }
    false
}

/// Whether a settings module hands itself to a configuration loader that overrides its values
/// per deployment: dynaconf's `settings = DjangoDynaconf(__name__, ...)` at the top level reads
/// each deployment's settings files and environment into the module. Its values are defaults.
fn loads_deployment_config(summary: &ModuleSummary) -> bool {
    summary.body.iter().any(|stmt| {
        let expr = match &stmt.kind {
            summary::StmtKind::Assign { value, .. } => value,
            summary::StmtKind::Expr(e) => e,
            _ => return false,
        };
        matches!(&expr.kind, summary::ExprKind::Call { func, .. }
            if func.dotted().is_some_and(|d| d == "DjangoDynaconf" || d.ends_with(".DjangoDynaconf")))
    })
}

/// What the index knows of a settings module besides its text, for [`role_of`].
#[derive(Debug, Clone, Copy, Default)]
struct RoleFacts<'r> {
    /// How `DJANGO_SETTINGS_MODULE` values name it.
    refs: &'r [RefKind],
    /// Star-imported unconditionally by another settings module.
    inherited: bool,
    /// The project's `DJANGO_SETTINGS_MODULE` values (outside test configuration) all name
    /// modules the project does not have: deployments write their own settings module.
    external_deployment: bool,
}

/// The role of a settings module, and why.
fn role_of(
    root: &Path,
    options: &IndexOptions,
    path: &Path,
    summary: &ModuleSummary,
    facts: RoleFacts,
) -> (Role, RoleReason) {
    let refs = facts.refs;
    if let Some(role) = summary.role_marker {
        return (role, RoleReason::Marker);
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    let relative_str = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect::<Vec<_>>()
        .join("/");
    let dotted = relative_str
        .trim_end_matches(".py")
        .trim_end_matches("/__init__")
        .replace('/', ".");
    let matches = |patterns: &[String]| {
        patterns.iter().any(|p| {
            path_glob_match(p, &relative_str) || p == &dotted || dotted.ends_with(&format!(".{p}"))
        })
    };
    if let Some(role) = options.roles.as_ref().and_then(|resolve| resolve(path)) {
        return (role, RoleReason::Configured);
    }
    if matches(&options.development) {
        return (Role::Development, RoleReason::Configured);
    }
    if matches(&options.production) {
        return (Role::Production, RoleReason::Configured);
    }
    if refs.contains(&RefKind::Test) && !refs.contains(&RefKind::Server) {
        return (Role::Development, RoleReason::TestReference);
    }
    let name = module_name(path).unwrap_or_default();
    // Directories between the root and the module, nearest first (at most eight).
    let dirs: Vec<String> = relative
        .parent()
        .into_iter()
        .flat_map(|p| p.components().rev().take(8))
        .filter_map(|c| c.as_os_str().to_str().map(str::to_string))
        .collect();
    let dev = discover::words(&name).any(|w| discover::DEV_WORDS.contains(&w.as_str()))
        || dirs.iter().any(|d| discover::is_dev_dir(d));
    if dev {
        return (Role::Development, RoleReason::Name);
    }
    if loads_deployment_config(summary) {
        return (Role::Defaults, RoleReason::DeploymentLoader);
    }
    if refs.contains(&RefKind::Server) {
        return (Role::Production, RoleReason::ServerReference);
    }
    if discover::words(&name).any(|w| discover::BASE_WORDS.contains(&w.as_str()))
        || dirs
            .first()
            .is_some_and(|d| discover::PART_DIRS.contains(&d.as_str()))
    {
        return (Role::Base, RoleReason::Name);
    }
    if facts.inherited {
        return (Role::Base, RoleReason::Inherited);
    }
    if facts.external_deployment && refs.is_empty() {
        return (Role::Defaults, RoleReason::ExternalDeployment);
    }
    (Role::Production, RoleReason::Default)
}

/// Files included by django-split-settings' `include("a.py", "components/*.py")` at the top
/// level (`optional(...)` arguments are assumed absent).
fn split_settings_includes(
    index: &ProjectIndex,
    path: &Path,
    summary: &ModuleSummary,
) -> Vec<FileId> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for stmt in &summary.body {
        let summary::StmtKind::Expr(e) = &stmt.kind else {
            continue;
        };
        let summary::ExprKind::Call { func, args, .. } = &e.kind else {
            continue;
        };
        if !func
            .dotted()
            .is_some_and(|d| d == "include" || d.ends_with("tools.include"))
        {
            continue;
        }
        for arg in args {
            if let summary::ExprKind::Str(pattern) = &arg.kind {
                out.extend(index.glob_in(dir, pattern));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod urls_tests;
