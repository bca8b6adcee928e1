//! Project configuration: `[tool.djsec]` in `pyproject.toml`, or `djsec.toml` / `.djsec.toml`.
//!
//! The nearest configuration file above a Python file or template applies to it (no merging of
//! several files). On top of it come, in order, the editor settings or the CLI's `--config` file,
//! then the CLI flags: each is a [`Layer`] and [`Settings::resolve`] folds them into what one
//! analysis needs, an [`analysis::Context`](crate::analysis::Context) per file.
//!
//! - [`parse`]: TOML (and the editor's JSON) to a [`Layer`], with errors naming file, line and key.
//! - [`discover`]: which file is the nearest; a cache for the CLI walk.
//! - [`select`]: rule selectors (`DJS101`, `DJS1`, `xss`, `ALL`) and how layers combine.
//! - [`paths`]: globs relative to the configuration file (`exclude`, `per-file-ignores`).
//!
//! Every key is documented in `docs/configuration.md`.

pub mod discover;
pub mod parse;
pub mod paths;
pub mod select;
mod value;

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::analysis::SettingsRole;
use crate::analysis::{Context, RuleSettings, Severity};
use crate::rules::meta::suppression::ExternalSuppressions;
use crate::semantic::sources::Tables;

pub use discover::{CONFIG_FILE_NAMES, find_nearest, is_config_file_name};
pub use parse::{layer_from_json, load_file};
pub use select::Selector;

/// What one configuration source says, before it is combined with the others. Every field is
/// optional or additive so that layers can be stacked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    /// `select`: the rules to run (replaces what earlier layers selected).
    pub select: Option<Vec<Selector>>,
    /// `extend-select`: more rules on top of the selection.
    pub extend_select: Vec<Selector>,
    /// `ignore`: rules not to run.
    pub ignore: Vec<Selector>,
    /// `severity`: `{ DJS101 = "warning", sql = "error" }`.
    pub severity: Vec<(Selector, Severity)>,
    /// `per-file-ignores`: `{ "tests/**" = ["DJS101"] }`.
    pub per_file_ignores: Vec<(String, Vec<Selector>)>,
    /// `exclude`: globs of files and folders not to check.
    pub exclude: Vec<String>,
    /// `respect-gitignore`: skip what `.gitignore` ignores (default true).
    pub respect_gitignore: Option<bool>,
    /// `external-suppressions`: honour other tools' suppression comments.
    pub external_suppressions: Option<ExternalSuppressions>,
    /// `production-settings`: settings modules (dotted names or globs) deployed to production.
    pub production_settings: Vec<String>,
    /// `development-settings`: settings modules used only in development.
    pub development_settings: Vec<String>,
    /// `auth-decorators`: qualified names of decorators that require an authenticated user.
    pub auth_decorators: Vec<String>,
    /// `auth-mixins`: qualified names of class-based-view mixins that require authentication.
    pub auth_mixins: Vec<String>,
    /// `public-views`: qualified names (or globs of them) of views that are meant to be public.
    pub public_views: Vec<String>,
    /// `sanitizers`: qualified names of functions whose result is safe to use.
    pub sanitizers: Vec<String>,
    /// `sql-sinks`: qualified names of functions that run their first argument as SQL.
    pub sql_sinks: Vec<String>,
    /// `request-attributes`: attributes of `request` that carry client data.
    pub request_attributes: Vec<String>,
    /// `tainted-attributes`: attributes of any object that carry client data.
    pub tainted_attributes: Vec<String>,
    /// `min-severity`: the least severe findings `djsec check` shows (the editor shows all).
    pub min_severity: Option<Severity>,
    /// `fail-on`: the least severe shown finding that makes `djsec check` exit 1.
    pub fail_on: Option<Severity>,
    /// `cache-dir`: where `djsec check` keeps its cache (relative to the configuration file).
    pub cache_dir: Option<String>,
    /// `taint-sinks`: `(kind, "qualified.name[:position][:keyword]")`, more sinks for the
    /// injection rules (`command = ["myapp.shell.run"]`).
    pub taint_sinks: Vec<(String, String)>,
    /// `taint-sanitizers`: `(kind, "qualified.name")`, functions whose result is safe for one
    /// kind of sink only (`path = ["myapp.files.clean_name"]`).
    pub taint_sanitizers: Vec<(String, String)>,
}

/// A problem in a configuration file (or in the editor settings): where, which key, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration file; `None` for editor settings and command-line flags.
    pub path: Option<PathBuf>,
    /// One-based line and column (columns count characters); 0 when unknown.
    pub line: usize,
    pub column: usize,
    /// Byte range in the file (empty when unknown).
    pub range: Range<usize>,
    /// The dotted key, e.g. `tool.djsec.per-file-ignores."tests/**"`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) if self.line > 0 => {
                write!(f, "{}:{}:{}: ", path.display(), self.line, self.column)?
            }
            Some(path) => write!(f, "{}: ", path.display())?,
            None => {}
        }
        if self.key.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "`{}`: {}", self.key, self.message)
        }
    }
}

/// A sink from `taint-sinks`: `kind` names the rule (`command`, `path`, ...), `entry` is
/// `qualified.name`, `qualified.name:position`, `qualified.name:keyword` or
/// `qualified.name:position:keyword` (the first argument when none is given).
fn configured_sink(kind: &str, entry: &str) -> Option<crate::semantic::sources::Sink> {
    let kind = crate::semantic::SinkKind::from_config_name(kind)?;
    let mut parts = entry.split(':');
    let name = parts.next()?;
    let mut position = None;
    let mut keyword = "";
    for part in parts {
        match part.parse::<usize>() {
            Ok(p) => position = Some(p),
            Err(_) => keyword = part,
        }
    }
    if position.is_none() && keyword.is_empty() {
        position = Some(0);
    }
    Some(crate::semantic::sources::Sink::new(
        kind, name, position, keyword,
    ))
}

/// The kind a `taint-sanitizers` key stands for.
fn sanitizer_kind(kind: &str) -> Option<crate::semantic::SinkKind> {
    use crate::semantic::SinkKind;
    match kind {
        "html" => Some(SinkKind::Html),
        "sql" => Some(SinkKind::Sql),
        "redirect" => Some(SinkKind::Redirect),
        "template" => Some(SinkKind::Code),
        other => SinkKind::from_config_name(other),
    }
}

/// Everything resolved from the layers that apply to one configuration root.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The folder of the configuration file (globs are relative to it); `None` without one.
    pub root: Option<PathBuf>,
    /// The configuration file, if any.
    pub file: Option<PathBuf>,
    /// Rule selection and severities for files no per-file ignore applies to.
    pub rules: Arc<RuleSettings>,
    per_file_ignores: Vec<(paths::PathMatcher, Vec<&'static str>)>,
    exclude: paths::PathMatcher,
    pub respect_gitignore: bool,
    external_suppressions: ExternalSuppressions,
    production: paths::PathMatcher,
    development: paths::PathMatcher,
    tables: Arc<Tables>,
    auth_decorators: Arc<[String]>,
    auth_mixins: Arc<[String]>,
    public_views: Arc<[String]>,
    /// `min-severity` (`djsec check` only); `None` when no layer sets it.
    pub min_severity: Option<Severity>,
    /// `fail-on` (`djsec check` only); `None` when no layer sets it.
    pub fail_on: Option<Severity>,
    /// `cache-dir`, made absolute against the configuration file's folder.
    pub cache_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(None, None, &[])
    }
}

impl Settings {
    /// Fold the layers (lowest priority first) into settings for files under `root`.
    pub fn resolve(root: Option<&Path>, file: Option<&Path>, layers: &[&Layer]) -> Settings {
        let rules = select::resolve_rules(layers);
        let root_buf = root.map(Path::to_path_buf);
        let mut per_file_ignores = Vec::new();
        let mut exclude = Vec::new();
        let mut production = Vec::new();
        let mut development = Vec::new();
        let mut respect_gitignore = true;
        let mut external = ExternalSuppressions::default();
        let mut tables = Tables::default();
        let mut auth_decorators = Vec::new();
        let mut auth_mixins = Vec::new();
        let mut public_views = Vec::new();
        let mut min_severity = None;
        let mut fail_on = None;
        let mut cache_dir = None;
        for layer in layers {
            min_severity = layer.min_severity.or(min_severity);
            fail_on = layer.fail_on.or(fail_on);
            if let Some(dir) = &layer.cache_dir {
                let dir = Path::new(dir);
                cache_dir = Some(match root {
                    Some(root) if dir.is_relative() => root.join(dir),
                    _ => dir.to_path_buf(),
                });
            }
            for (pattern, selectors) in &layer.per_file_ignores {
                let codes = select::codes_matching(selectors);
                per_file_ignores.push((
                    paths::PathMatcher::new(std::slice::from_ref(pattern)),
                    codes,
                ));
            }
            exclude.extend(layer.exclude.iter().cloned());
            production.extend(layer.production_settings.iter().map(|m| module_glob(m)));
            development.extend(layer.development_settings.iter().map(|m| module_glob(m)));
            if let Some(r) = layer.respect_gitignore {
                respect_gitignore = r;
            }
            if let Some(e) = layer.external_suppressions {
                external = e;
            }
            for name in &layer.sanitizers {
                if !tables
                    .sanitizers
                    .iter()
                    .any(|s| &s.name == name && s.sinks.is_empty())
                {
                    // A configured sanitizer cleans for every sink (HTML, SQL, template code).
                    tables.add_sanitizer(name, &[]);
                }
            }
            extend_unique(&mut tables.sql_sinks, &layer.sql_sinks);
            for (kind, entry) in &layer.taint_sinks {
                if let Some(sink) = configured_sink(kind, entry) {
                    tables.add_sink(sink);
                }
            }
            for (kind, name) in &layer.taint_sanitizers {
                if let Some(kind) = sanitizer_kind(kind) {
                    tables.add_sanitizer(name, &[kind]);
                }
            }
            extend_unique(&mut tables.request_attributes, &layer.request_attributes);
            extend_unique(&mut tables.tainted_attributes, &layer.tainted_attributes);
            extend_unique(&mut auth_decorators, &layer.auth_decorators);
            extend_unique(&mut auth_mixins, &layer.auth_mixins);
            extend_unique(&mut public_views, &layer.public_views);
        }
        Settings {
            root: root_buf,
            file: file.map(Path::to_path_buf),
            rules: Arc::new(rules),
            per_file_ignores,
            exclude: paths::PathMatcher::new(&exclude),
            respect_gitignore,
            external_suppressions: external,
            production: paths::PathMatcher::new(&production),
            development: paths::PathMatcher::new(&development),
            tables: Arc::new(tables),
            auth_decorators: auth_decorators.into(),
            auth_mixins: auth_mixins.into(),
            public_views: public_views.into(),
            min_severity,
            fail_on,
            cache_dir,
        }
    }

    fn relative<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        match &self.root {
            Some(root) => path.strip_prefix(root).ok(),
            None => Some(path),
        }
    }

    /// Whether `exclude` names this file or folder (an absolute path, or relative to the root).
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.relative(path)
            .is_some_and(|rel| self.exclude.matches_path_or_ancestor(rel))
    }

    /// The role of a settings module, when `production-settings` / `development-settings` name it.
    pub fn settings_role(&self, path: &Path) -> Option<SettingsRole> {
        let rel = self.relative(path)?;
        if self.production.matches_path_or_ancestor(rel) {
            Some(SettingsRole::Production)
        } else if self.development.matches_path_or_ancestor(rel) {
            Some(SettingsRole::Development)
        } else {
            None
        }
    }

    /// The rule settings for one file: the resolved selection plus its per-file ignores.
    pub fn rules_for(&self, path: &Path) -> Arc<RuleSettings> {
        let Some(rel) = self.relative(path) else {
            return Arc::clone(&self.rules);
        };
        let extra: Vec<&'static str> = self
            .per_file_ignores
            .iter()
            .filter(|(m, _)| m.matches_path_or_ancestor(rel))
            .flat_map(|(_, codes)| codes.iter().copied())
            .collect();
        if extra.is_empty() {
            return Arc::clone(&self.rules);
        }
        let mut rules = (*self.rules).clone();
        for code in extra {
            if !rules.ignore.iter().any(|c| c == code) {
                rules.ignore.push(code.to_string());
            }
        }
        Arc::new(rules)
    }

    /// The analysis context for one file (its path as given: absolute, or relative to the root).
    /// Fields the configuration does not feed keep their defaults.
    #[allow(clippy::needless_update)]
    pub fn context_for(&self, path: Option<PathBuf>) -> Context {
        let (rules, role) = match &path {
            Some(p) => (self.rules_for(p), self.settings_role(p)),
            None => (Arc::clone(&self.rules), None),
        };
        Context {
            path,
            tables: Arc::clone(&self.tables),
            rules,
            external_suppressions: self.external_suppressions,
            settings_role: role,
            auth_decorators: Arc::clone(&self.auth_decorators),
            auth_mixins: Arc::clone(&self.auth_mixins),
            public_views: Arc::clone(&self.public_views),
            ..Context::default()
        }
    }
}

fn extend_unique(into: &mut Vec<String>, items: &[String]) {
    for item in items {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

/// A settings module as a glob: `mysite.settings.prod` → `**/mysite/settings/prod.py` and the
/// package form; globs and paths (with `/`, `*` or `.py`) are kept.
fn module_glob(name: &str) -> String {
    let name = name.trim();
    if name.contains('/') || name.contains('*') || name.ends_with(".py") {
        return name.to_string();
    }
    let path = name.replace('.', "/");
    format!("**/{{{path}.py,{path}/__init__.py}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::sources::SinkKind;

    #[test]
    fn module_names_become_globs() {
        let layer = Layer {
            production_settings: vec!["mysite.settings.prod".into()],
            development_settings: vec!["config/settings/dev*.py".into()],
            ..Layer::default()
        };
        let s = Settings::resolve(Some(Path::new("/p")), None, &[&layer]);
        assert_eq!(
            s.settings_role(Path::new("/p/src/mysite/settings/prod.py")),
            Some(SettingsRole::Production)
        );
        assert_eq!(
            s.settings_role(Path::new("/p/mysite/settings/prod/__init__.py")),
            Some(SettingsRole::Production)
        );
        assert_eq!(
            s.settings_role(Path::new("/p/config/settings/dev_local.py")),
            Some(SettingsRole::Development)
        );
        assert_eq!(
            s.settings_role(Path::new("/p/mysite/settings/base.py")),
            None
        );
        assert_eq!(
            s.settings_role(Path::new("/elsewhere/mysite/settings/prod.py")),
            None
        );
    }

    #[test]
    fn context_carries_the_extensions() {
        let layer = Layer {
            sanitizers: vec!["myapp.html.clean".into()],
            sql_sinks: vec!["myapp.db.run_sql".into()],
            auth_decorators: vec!["myapp.auth.staff_required".into()],
            auth_mixins: vec!["myapp.views.StaffMixin".into()],
            public_views: vec!["myapp.views.health".into()],
            tainted_attributes: vec!["payload".into()],
            taint_sinks: vec![("command".into(), "myapp.shell.run:1".into())],
            taint_sanitizers: vec![("path".into(), "myapp.files.clean".into())],
            ..Layer::default()
        };
        let s = Settings::resolve(None, None, &[&layer]);
        let c = s.context_for(Some(PathBuf::from("a.py")));
        assert!(c.tables.is_sanitizer("myapp.html.clean", SinkKind::Html));
        assert!(c.tables.is_sanitizer("myapp.html.clean", SinkKind::Sql));
        assert!(
            c.tables
                .is_sanitizer("django.utils.html.escape", SinkKind::Html)
        );
        assert!(c.tables.is_sql_sink("myapp.db.run_sql"));
        assert!(
            c.tables
                .sinks_named("run")
                .any(|s| s.name == "myapp.shell.run" && s.arg.position == Some(1))
        );
        assert!(c.tables.is_sanitizer("myapp.files.clean", SinkKind::Path));
        assert!(!c.tables.is_sanitizer("myapp.files.clean", SinkKind::Html));
        assert!(c.tables.tainted_attributes.iter().any(|a| a == "payload"));
        assert_eq!(
            &*c.auth_decorators,
            &["myapp.auth.staff_required".to_string()]
        );
        assert_eq!(&*c.auth_mixins, &["myapp.views.StaffMixin".to_string()]);
        assert_eq!(&*c.public_views, &["myapp.views.health".to_string()]);
    }

    #[test]
    fn the_gate_comes_from_the_highest_layer_that_sets_it() {
        let file = Layer {
            min_severity: Some(Severity::Hint),
            fail_on: Some(Severity::Error),
            ..Layer::default()
        };
        let flags = Layer {
            fail_on: Some(Severity::Info),
            ..Layer::default()
        };
        let s = Settings::resolve(None, None, &[&file, &flags]);
        assert_eq!(s.min_severity, Some(Severity::Hint));
        assert_eq!(s.fail_on, Some(Severity::Info));
        let none = Settings::resolve(None, None, &[&Layer::default()]);
        assert_eq!((none.min_severity, none.fail_on), (None, None));
    }

    #[test]
    fn per_file_ignores_and_exclude_are_relative_to_the_root() {
        let layer = Layer {
            per_file_ignores: vec![(
                "tests/**".into(),
                vec![Selector::parse("DJS1").unwrap_or(Selector::All)],
            )],
            exclude: vec!["migrations".into(), "legacy/*.py".into()],
            ..Layer::default()
        };
        let s = Settings::resolve(Some(Path::new("/p")), None, &[&layer]);
        assert!(
            !s.rules_for(Path::new("/p/tests/test_x.py"))
                .is_enabled("DJS101")
        );
        assert!(
            s.rules_for(Path::new("/p/tests/test_x.py"))
                .is_enabled("DJS201")
        );
        assert!(
            s.rules_for(Path::new("/p/app/views.py"))
                .is_enabled("DJS101")
        );
        assert!(s.is_excluded(Path::new("/p/app/migrations/0001_initial.py")));
        assert!(s.is_excluded(Path::new("/p/legacy/old.py")));
        assert!(!s.is_excluded(Path::new("/p/legacy/sub/old.py")));
        assert!(!s.is_excluded(Path::new("/p/app/views.py")));
    }
}
