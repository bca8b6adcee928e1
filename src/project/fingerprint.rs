//! What a file's findings depend on in the project index, as one stable hash: the key that tells
//! `djsec check`'s cache (`cli::cache`) whether findings computed against another snapshot of
//! the index still hold.
//!
//! [`ProjectIndex::fingerprint_for`] hashes the facts the rules read for that file, and nothing
//! else, so that a change in `settings.py` or `urls.py` invalidates exactly the files that read
//! it:
//!
//! - every file: the project root (dotted module names and project-relative paths come from it);
//! - every Python file: the access facts of the production settings (`LoginRequiredMiddleware`,
//!   DRF's default permission and authentication classes), the URLconf's roots, and the routes to
//!   the views of this file and of its package's `__init__.py` (`rules/access/views.rs`'s `Env`);
//! - a settings module, a module some module imports, or a URLconf module (what
//!   `rules::settings::applies` looks at): everything the settings evaluator can read, that is
//!   the roles of all settings modules, the import edges between summarised modules, every module
//!   summary, URL summary and `DJANGO_SETTINGS_MODULE` reference. These files are few; hashing
//!   the whole settings knowledge for them is simpler than tracking which production module
//!   reaches which base through which star import, and still sound.
//! - every Python file: which of its functions are views (`routed_views`, read by the data
//!   flow for URL parameters), and the function facts of every module its imports reach,
//!   transitively as deep as summaries compose (the summaries its call sites can look up);
//! - templates: nothing besides the root (no template rule reads the index).
//!
//! **New project knowledge must be folded in here.** A rule that starts reading something new
//! from the index makes cached findings stale unless this hash covers it for the files whose
//! findings can change; `tests/cache.rs` has a test per kind of fact (settings, URLconf, a
//! helper's summary) that an edit of the fact invalidates the files reading it.
//!
//! The hash is stable across runs and processes (xxh3 over a canonical text form: maps are
//! walked in sorted order), as a persistent cache needs; it is not meant to be stable across
//! djsec versions (the cache key has the version too).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use super::{ModuleMemo, ProjectIndex, discover, urls};

/// Feeds canonical text into xxh3 (128 bits).
struct Digest {
    hasher: xxhash_rust::xxh3::Xxh3,
    scratch: String,
}

impl Digest {
    fn new() -> Digest {
        Digest {
            hasher: xxhash_rust::xxh3::Xxh3::new(),
            scratch: String::new(),
        }
    }

    /// One field: a label, then the value's `Debug` form, then a separator that cannot occur in
    /// either (so that `("ab", "c")` and `("a", "bc")` differ).
    fn field(&mut self, label: &str, value: &dyn std::fmt::Debug) {
        self.scratch.clear();
        let _ = write!(self.scratch, "{label}={value:?}");
        self.hasher.update(self.scratch.as_bytes());
        self.hasher.update(&[0xff]);
    }

    /// One field by its serialised form (postcard: several times cheaper than `Debug` for the
    /// large facts), or its `Debug` form if it cannot be serialised (a path that is not UTF-8).
    fn serialized(&mut self, label: &str, value: &(impl serde::Serialize + std::fmt::Debug)) {
        match postcard::to_stdvec(value) {
            Ok(bytes) => {
                self.hasher.update(label.as_bytes());
                self.hasher.update(&[0xfe]);
                self.hasher.update(&(bytes.len() as u64).to_le_bytes());
                self.hasher.update(&bytes);
                self.hasher.update(&[0xff]);
            }
            Err(_) => self.field(label, value),
        }
    }

    fn finish(&self) -> u128 {
        self.hasher.digest128()
    }
}

/// Fingerprints of many files of one snapshot: the settings knowledge, the same for every file
/// that reads it, is hashed once (a scan asks for every file of the project).
pub struct Fingerprints<'a> {
    index: &'a ProjectIndex,
    settings: std::sync::OnceLock<u128>,
    renders: std::sync::OnceLock<u128>,
    /// The modules each module's imports name, resolved once: every file's fingerprint walks
    /// the imports of the modules it reaches, and most files reach the same ones.
    imports: dashmap::DashMap<super::FileId, Arc<Vec<super::FileId>>>,
    /// The files each absolute module name can be.
    modules: ModuleMemo,
}

impl<'a> Fingerprints<'a> {
    pub fn new(index: &'a ProjectIndex) -> Fingerprints<'a> {
        Fingerprints {
            index,
            settings: std::sync::OnceLock::new(),
            renders: std::sync::OnceLock::new(),
            imports: dashmap::DashMap::new(),
            modules: dashmap::DashMap::new(),
        }
    }

    /// [`ProjectIndex::fingerprint_for`].
    pub fn for_path(&self, path: &Path) -> u128 {
        self.index
            .fingerprint_with(path, || self.settings(), || self.renders(), &|file| {
                self.imports_of(file)
            })
    }

    fn imports_of(&self, file: &super::FileId) -> Arc<Vec<super::FileId>> {
        if let Some(known) = self.imports.get(file) {
            return Arc::clone(&known);
        }
        let modules = Arc::new(self.index.imported_modules(file, Some(&self.modules)));
        self.imports.insert(file.clone(), Arc::clone(&modules));
        modules
    }

    /// [`ProjectIndex::settings_fingerprint`].
    /// The render facts' hash, computed once.
    pub fn renders(&self) -> u128 {
        *self.renders.get_or_init(|| self.index.render_knowledge())
    }

    pub fn settings(&self) -> u128 {
        *self
            .settings
            .get_or_init(|| self.index.settings_knowledge())
    }
}

impl ProjectIndex {
    /// A stable hash of what the index knows that the findings of the file at `path` depend on
    /// (see the module documentation). Two snapshots that give a file the same fingerprint give
    /// it the same findings, for the same text and configuration. For many files of one
    /// snapshot, [`Fingerprints`] computes the same values faster.
    pub fn fingerprint_for(&self, path: &Path) -> u128 {
        self.fingerprint_with(
            path,
            || self.settings_knowledge(),
            || self.render_knowledge(),
            &|file| Arc::new(self.imported_modules(file, None)),
        )
    }

    fn fingerprint_with(
        &self,
        path: &Path,
        settings: impl FnOnce() -> u128,
        renders: impl FnOnce() -> u128,
        imports: &dyn Fn(&super::FileId) -> Arc<Vec<super::FileId>>,
    ) -> u128 {
        let path = self.normalize(path);
        let mut digest = Digest::new();
        digest.field("root", &self.root);
        if discover::file_kind(&path) != discover::FileKind::Python {
            // A template's findings read how the project's Python renders it (the render facts
            // of every file: a render can name it through helpers) and the template engines'
            // settings (autoescaping).
            digest.field("render_knowledge", &renders());
            digest.field("settings_knowledge", &settings());
            return digest.finish();
        }
        let access = &self.derived.access;
        digest.field(
            "login_required_middleware",
            &access.login_required_middleware,
        );
        digest.field("drf_default_permissions", &access.drf_default_permissions);
        digest.field(
            "drf_default_authentication",
            &access.drf_default_authentication,
        );
        digest.field("url_roots", &access.roots);
        digest.field("root_from_settings", &access.root_from_settings);
        let package_init = path
            .parent()
            .map(|dir| dir.join("__init__.py"))
            .filter(|init| *init != path);
        for file in std::iter::once(path.clone()).chain(package_init) {
            digest.field("routes", &access.routes.get(file.as_path()));
        }
        // Which functions are views (the data flow's URL parameters) depends on the routes of
        // the whole folder.
        // (A `BTreeMap`: its order, and so the digest, is the same in every process.)
        let routed = self.routed_views(&path);
        digest.field("routed_views", &routed);
        // The function summaries its call sites can look up: those of the modules it imports,
        // and of theirs, as deep as summaries compose.
        for (file, facts) in self.imported_facts(&path, imports) {
            digest.field("facts", &(file, facts));
        }
        // `form.cleaned_data["next"]` is judged by every `clean_next()` of the project.
        digest.field(
            "cleaners",
            &super::facts::cleaners::cleaner_map(self).digest(),
        );
        let reads_settings = discover::is_settings_path(&path)
            || urls::is_urls_path(&path)
            || path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d == "urls")
            || self.derived.settings.contains_key(path.as_path())
            || self.importers_of(&path).next().is_some()
            || self.summaries.contains_key(path.as_path())
            || self.urls.contains_key(path.as_path());
        if reads_settings {
            digest.field("settings_knowledge", &settings());
        }
        digest.finish()
    }

    /// A hash of every Python file's render facts, in path order.
    fn render_knowledge(&self) -> u128 {
        let mut renders: Vec<(&super::FileId, &super::facts::render::RenderFacts)> = self
            .all_facts()
            .filter(|(_, facts)| !facts.render.is_empty())
            .map(|(file, facts)| (file, &facts.render))
            .collect();
        renders.sort_by(|a, b| a.0.cmp(b.0));
        let mut digest = Digest::new();
        for (file, render) in renders {
            digest.serialized("render", &(file, render));
        }
        digest.finish()
    }

    /// The modules a file's imports reach, transitively (as deep as summaries compose), with a
    /// hash of their function facts, sorted by path.
    fn imported_facts(
        &self,
        path: &Path,
        imports: &dyn Fn(&super::FileId) -> Arc<Vec<super::FileId>>,
    ) -> Vec<(super::FileId, u128)> {
        const DEPTH: usize = 6;
        const MAX_MODULES: usize = 2_000;
        let mut seen: std::collections::BTreeMap<super::FileId, u128> = Default::default();
        let mut frontier: Vec<super::FileId> = vec![super::FileId::from(path)];
        for _ in 0..DEPTH {
            let mut next = Vec::new();
            for file in &frontier {
                for module in imports(file).iter() {
                    if seen.len() >= MAX_MODULES || seen.contains_key(module) {
                        continue;
                    }
                    let hash = self.facts(module).map_or(0, |f| f.digest());
                    seen.insert(module.clone(), hash);
                    next.push(module.clone());
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        seen.into_iter().collect()
    }

    /// The project modules the imports of `file` name, in the order of its imports.
    fn imported_modules(
        &self,
        file: &super::FileId,
        memo: Option<&ModuleMemo>,
    ) -> Vec<super::FileId> {
        let Some(facts) = self.facts(file) else {
            return Vec::new();
        };
        facts
            .imports
            .values()
            .flat_map(|qualified| self.modules_named(file, qualified, memo))
            .collect()
    }

    /// The project modules an imported qualified name can live in: the module it names, or the
    /// module of the name it imports from one.
    fn modules_named(
        &self,
        from: &Path,
        qualified: &str,
        memo: Option<&ModuleMemo>,
    ) -> Vec<super::FileId> {
        let resolve = |module: &super::ModuleRef| self.resolve_with(from, module, memo);
        let level = qualified.bytes().take_while(|b| *b == b'.').count();
        let dotted = &qualified[level..];
        let mut out = Vec::new();
        let whole = super::ModuleRef {
            level: u32::try_from(level).unwrap_or(u32::MAX),
            module: dotted.to_string(),
        };
        out.extend(resolve(&whole));
        if let Some((module, _)) = dotted.rsplit_once('.') {
            let parent = super::ModuleRef {
                level: whole.level,
                module: module.to_string(),
            };
            out.extend(resolve(&parent));
        } else if level > 0 {
            let package = super::ModuleRef {
                level: whole.level,
                module: String::new(),
            };
            out.extend(resolve(&package));
        }
        out
    }

    /// Everything the settings evaluator and the URL rules can read, hashed in a canonical
    /// order (the maps are hash maps). [`ProjectIndex::fingerprint_for`] includes it for the
    /// files it knows to read settings; a front whose configuration makes another file a
    /// settings module (`production-settings`) adds it to that file's key itself.
    pub fn settings_fingerprint(&self) -> u128 {
        self.settings_knowledge()
    }

    fn settings_knowledge(&self) -> u128 {
        let mut digest = Digest::new();
        digest.field("settings", &self.derived.settings);
        let mut edges: Vec<_> = self.derived.edges.iter().collect();
        edges.sort();
        digest.field("edges", &edges);
        let mut summaries: Vec<_> = self.summaries.iter().collect();
        summaries.sort_by(|a, b| a.0.cmp(b.0));
        for (path, summary) in summaries {
            digest.field("summary", &(path, summary));
        }
        let mut url_summaries: Vec<_> = self.urls.iter().collect();
        url_summaries.sort_by(|a, b| a.0.cmp(b.0));
        for (path, summary) in url_summaries {
            digest.field("urls", &(path, summary));
        }
        let mut references: Vec<_> = self.references.iter().collect();
        references.sort_by(|a, b| a.0.cmp(b.0));
        digest.field("references", &references);
        digest.field("production_globs", &self.options.production);
        digest.field("development_globs", &self.options.development);
        digest.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const SETTINGS: &str = "DEBUG = False\nSECRET_KEY = 'x'\nROOT_URLCONF = 'mysite.urls'\n";
    const URLS: &str = "from django.urls import path\nfrom shop import views\nurlpatterns = [path('a/', views.a)]\n";
    const VIEWS: &str = "def a(request):\n    return None\n";
    const OTHER: &str = "def b(request):\n    return None\n";

    fn index(settings: &str, urls: &str) -> ProjectIndex {
        ProjectIndex::from_files(
            Path::new("/p"),
            &[
                (
                    "manage.py",
                    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
                ),
                ("mysite/__init__.py", ""),
                ("mysite/settings.py", settings),
                ("mysite/urls.py", urls),
                ("shop/__init__.py", ""),
                ("shop/views.py", VIEWS),
                ("blog/__init__.py", ""),
                ("blog/views.py", OTHER),
                ("shop/templates/shop/a.html", "{{ x }}"),
            ],
        )
    }

    #[test]
    fn stable_for_the_same_knowledge() {
        let a = index(SETTINGS, URLS);
        let b = index(SETTINGS, URLS);
        let many = Fingerprints::new(&b);
        for file in [
            "/p/shop/views.py",
            "/p/mysite/settings.py",
            "/p/mysite/urls.py",
        ] {
            assert_eq!(
                a.fingerprint_for(Path::new(file)),
                b.fingerprint_for(Path::new(file)),
                "{file}"
            );
            assert_eq!(
                a.fingerprint_for(Path::new(file)),
                many.for_path(Path::new(file)),
                "{file}"
            );
        }
        assert_eq!(a.settings_fingerprint(), many.settings());
    }

    /// Many same-named modules (`models.py` in every app), absolute and relative imports, a
    /// chain through a package: the scan's memoised import resolution gives every file the same
    /// fingerprint as resolving each file alone, and a helper's change reaches its importers only.
    #[test]
    fn remembered_imports_give_the_same_fingerprints() {
        let files = |helper: &'static str| -> Vec<(&'static str, &'static str)> {
            vec![
                ("manage.py", ""),
                ("core/__init__.py", "from .helpers import clean\n"),
                ("core/helpers.py", helper),
                ("core/models.py", "from django.db import models\n"),
                ("shop/__init__.py", ""),
                (
                    "shop/models.py",
                    "from django.db import models\nfrom core.models import Base\n",
                ),
                (
                    "shop/views.py",
                    "from core import clean\nfrom .models import Item\nimport shop.models\n",
                ),
                ("blog/__init__.py", ""),
                ("blog/models.py", "from django.db import models\n"),
                (
                    "blog/views.py",
                    "from blog.models import Post\nfrom django.db.models import Q\n",
                ),
            ]
        };
        let before = ProjectIndex::from_files(
            Path::new("/p"),
            &files("def clean(value):\n    return value\n"),
        );
        let after = ProjectIndex::from_files(
            Path::new("/p"),
            &files("import bleach\n\n\ndef clean(value):\n    return bleach.clean(value)\n"),
        );
        let paths = [
            "/p/core/__init__.py",
            "/p/core/helpers.py",
            "/p/core/models.py",
            "/p/shop/models.py",
            "/p/shop/views.py",
            "/p/blog/models.py",
            "/p/blog/views.py",
        ];
        for index in [&before, &after] {
            let many = Fingerprints::new(index);
            for file in paths {
                assert_eq!(
                    index.fingerprint_for(Path::new(file)),
                    many.for_path(Path::new(file)),
                    "{file}"
                );
            }
        }
        let changed = |file: &str| {
            before.fingerprint_for(Path::new(file)) != after.fingerprint_for(Path::new(file))
        };
        assert!(
            changed("/p/shop/views.py"),
            "imports clean through core/__init__.py"
        );
        assert!(changed("/p/core/__init__.py"));
        assert!(!changed("/p/blog/views.py"));
        assert!(!changed("/p/shop/models.py"));
    }

    #[test]
    fn a_route_change_invalidates_the_routed_file_only() {
        let a = index(SETTINGS, URLS);
        let b = index(SETTINGS, &URLS.replace("'a/'", "'b/'"));
        assert_ne!(
            a.fingerprint_for(Path::new("/p/shop/views.py")),
            b.fingerprint_for(Path::new("/p/shop/views.py"))
        );
        assert_eq!(
            a.fingerprint_for(Path::new("/p/blog/views.py")),
            b.fingerprint_for(Path::new("/p/blog/views.py"))
        );
        assert_ne!(
            a.fingerprint_for(Path::new("/p/mysite/urls.py")),
            b.fingerprint_for(Path::new("/p/mysite/urls.py"))
        );
    }

    #[test]
    fn a_settings_change_invalidates_settings_modules_and_templates() {
        let a = index(SETTINGS, URLS);
        let b = index(&SETTINGS.replace("False", "True"), URLS);
        assert_ne!(
            a.fingerprint_for(Path::new("/p/mysite/settings.py")),
            b.fingerprint_for(Path::new("/p/mysite/settings.py"))
        );
        // Templates read `TEMPLATES` (engines, autoescaping), evaluated from the settings.
        assert_ne!(
            a.fingerprint_for(Path::new("/p/shop/templates/shop/a.html")),
            b.fingerprint_for(Path::new("/p/shop/templates/shop/a.html"))
        );
        // DEBUG does not change the access facts: a view module keeps its fingerprint.
        assert_eq!(
            a.fingerprint_for(Path::new("/p/blog/views.py")),
            b.fingerprint_for(Path::new("/p/blog/views.py"))
        );
        // The login middleware does.
        let c = index(
            &format!(
                "{SETTINGS}MIDDLEWARE = ['django.contrib.auth.middleware.LoginRequiredMiddleware']\n"
            ),
            URLS,
        );
        assert_ne!(
            a.fingerprint_for(Path::new("/p/blog/views.py")),
            c.fingerprint_for(Path::new("/p/blog/views.py"))
        );
    }
}
