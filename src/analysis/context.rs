//! What the engine knows besides the buffer itself: its path and the settings that apply.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::rules::meta::suppression::ExternalSuppressions;
use crate::semantic::sources::Tables;

/// Inputs to one analysis, besides the text and its syntax. Cheap to clone (shared parts are `Arc`).
#[derive(Debug, Clone)]
pub struct Context {
    /// The file's path, when it has one (used to tell settings modules, `urls.py`, templates).
    pub path: Option<PathBuf>,
    /// Source, sanitizer and SQL-sink tables (extended by configuration: `sanitizers`,
    /// `sql-sinks`, `request-attributes`, `tainted-attributes`).
    pub tables: Arc<Tables>,
    /// Rule selection and severity overrides.
    pub rules: Arc<RuleSettings>,
    /// Other tools' suppression comments to honour (`external-suppressions`; read by the
    /// suppression pass in `analysis`).
    pub external_suppressions: ExternalSuppressions,
    /// Whether this file is a production or development settings module, when the configuration
    /// says so (`production-settings` / `development-settings`). Read by the DJS4xx settings rules.
    pub settings_role: Option<SettingsRole>,
    /// Qualified names of extra decorators that require an authenticated user
    /// (`auth-decorators`). Read by the DJS3xx access-control rules.
    pub auth_decorators: Arc<[String]>,
    /// Qualified names of extra class-based-view mixins that require authentication
    /// (`auth-mixins`). Read by the DJS3xx access-control rules.
    pub auth_mixins: Arc<[String]>,
    /// Qualified names of views meant to be public, `*` matching any part (`public-views`).
    /// Read by the DJS3xx access-control rules.
    pub public_views: Arc<[String]>,
    /// What is known of the whole project (settings modules, ...); `None` for a lone file, which
    /// is then analysed by itself.
    pub project: Option<Arc<crate::project::ProjectIndex>>,
}

/// Whether a settings module is deployed to production or used only in development.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingsRole {
    Production,
    Development,
}

impl Default for Context {
    /// The default context shares one set of default tables, so default contexts are
    /// [`Context::same_as`] each other.
    fn default() -> Self {
        static TABLES: OnceLock<Arc<Tables>> = OnceLock::new();
        static RULES: OnceLock<Arc<RuleSettings>> = OnceLock::new();
        Context {
            path: None,
            tables: Arc::clone(TABLES.get_or_init(|| Arc::new(Tables::default()))),
            rules: Arc::clone(RULES.get_or_init(|| Arc::new(RuleSettings::default()))),
            external_suppressions: ExternalSuppressions::default(),
            settings_role: None,
            auth_decorators: Arc::from([]),
            auth_mixins: Arc::from([]),
            public_views: Arc::from([]),
            project: None,
        }
    }
}

impl Context {
    /// Whether two contexts give the same analysis results (used to reuse cached findings).
    /// Destructures every field, so a new field cannot be forgotten here.
    pub fn same_as(&self, other: &Context) -> bool {
        let Context {
            path,
            tables,
            rules,
            external_suppressions,
            settings_role,
            auth_decorators,
            auth_mixins,
            public_views,
            project,
        } = self;
        let same_list = |a: &Arc<[String]>, b: &Arc<[String]>| Arc::ptr_eq(a, b) || a == b;
        *path == other.path
            && Arc::ptr_eq(tables, &other.tables)
            // Per-file ignores build a new `RuleSettings` per call: compare by value.
            && (Arc::ptr_eq(rules, &other.rules) || **rules == *other.rules)
            && *external_suppressions == other.external_suppressions
            && *settings_role == other.settings_role
            && same_list(auth_decorators, &other.auth_decorators)
            && same_list(auth_mixins, &other.auth_mixins)
            && same_list(public_views, &other.public_views)
            && match (project, &other.project) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.same_knowledge(b),
                _ => false,
            }
    }

    pub fn for_path(path: impl Into<PathBuf>) -> Context {
        Context {
            path: Some(path.into()),
            ..Context::default()
        }
    }
}

/// Which rules run and how loud they are: from configuration files and editor settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSettings {
    /// Codes, code prefixes (`DJS1`) or family names to enable; empty means all.
    pub select: Vec<String>,
    /// Codes, prefixes or families to disable (wins over `select`).
    pub ignore: Vec<String>,
    /// Severity per code.
    pub severity: Vec<(String, crate::analysis::Severity)>,
}

impl RuleSettings {
    fn matches(selector: &str, code: &str) -> bool {
        let selector = selector.trim();
        if let Some(family) = crate::rules::Family::parse(selector) {
            return crate::rules::by_code(code).is_some_and(|r| r.family == family);
        }
        code.to_ascii_uppercase()
            .starts_with(&selector.to_ascii_uppercase())
            && !selector.is_empty()
    }

    /// Whether findings with `code` are reported.
    pub fn is_enabled(&self, code: &str) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| Self::matches(s, code));
        selected && !self.ignore.iter().any(|s| Self::matches(s, code))
    }

    /// Drop disabled findings and apply severity overrides.
    pub fn apply(&self, findings: &mut Vec<crate::analysis::Finding>) {
        findings.retain(|f| self.is_enabled(f.code));
        if self.severity.is_empty() {
            return;
        }
        for finding in findings {
            if let Some((_, sev)) = self
                .severity
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(finding.code))
            {
                finding.severity = *sev;
            }
        }
    }
}
