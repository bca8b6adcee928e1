//! Insecure settings (`DJS4xx`): every `manage.py check --deploy` security check, statically and
//! across split settings, and the problems Django does not check.
//!
//! # How a settings module is judged
//!
//! The rules run on settings modules (see [`crate::project`]): for the module being analysed,
//! the production modules it affects are found — itself when it is a production module, and every
//! production module that inherits from it (`from .base import *`, split-settings `include()`).
//! Each of those is evaluated statically ([`crate::project::eval`]) with the buffer's current
//! text standing in for the file, and each rule judges the effective settings.
//!
//! **Where findings go.** A finding is reported on the line that sets the bad value, in whichever
//! file that is: a bad value in `base.py` is reported when `base.py` is analysed, but only when
//! some production module that inherits it keeps that value (a `prod.py` that overrides it makes
//! the base line fine). A setting missing from the whole chain is reported at the top of the
//! production module. Development modules (`dev.py`, `local.py`, `test*.py`, ...) and bases used
//! only by them get no finding: every rule in this family is production-only.
//!
//! **Unknown values stay silent.** A value the evaluator cannot know (a call, an unresolvable
//! import, a read of a required environment variable) never produces a finding. Environment reads
//! with a default are judged by the default.
//!
//! **Django's ids.** A rule mirroring Django lists the ids in `django_checks`; each finding names
//! its exact id at the end of its message (`[security.W012]`), which `djsec check --format json`
//! also reports as `django_check`. A finding whose id is listed in the production module's
//! `SILENCED_SYSTEM_CHECKS` is not reported, like Django does.

pub mod caches;
pub mod cookies;
pub mod cors;
pub mod csp;
pub mod debug;
pub mod fixes;
pub mod headers;
pub mod hosts;
pub mod https;
pub mod mail;
pub mod middleware;
pub mod passwords;
pub mod secrets;
pub mod uploads;
pub mod urls;

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Fix, Severity};
use crate::project::eval::{self, Binding, Namespace, Setting};
use crate::project::{FileId, Loc, ModuleSummary, ProjectIndex, Role, Value, discover};

/// The production modules a file affects are evaluated up to this many.
const MAX_PRODUCTION_MODULES: usize = 8;

/// The settings checks, in the order their findings are produced.
const CHECKS: &[fn(&mut Settings, &Production)] = &[
    debug::check,
    secrets::check,
    hosts::check,
    middleware::check,
    https::check,
    headers::check,
    cookies::check,
    csp::check,
    caches::check,
    mail::check,
    cors::check,
    passwords::check,
    uploads::check,
    // `MEDIA_ROOT` / `MEDIA_URL` and uploads (DJS708, DJS709: the auth family).
    crate::rules::auth::uploads::check_settings,
];

/// Whether the module-scoped settings check concerns a file (cheap: its path, and what the index
/// knows of it).
pub fn applies(context: &crate::analysis::Context) -> bool {
    let Some(path) = context.path.as_ref() else {
        return false;
    };
    if discover::is_settings_path(path)
        || urls::is_urlconf_path(path)
        || context.settings_role.is_some()
    {
        return true;
    }
    context.project.as_ref().is_some_and(|index| {
        let path = index.normalize(path);
        index.settings_module(&path).is_some() || index.importers_of(&path).next().is_some()
    })
}

/// The family's entry point for Python modules.
pub fn check(checker: &mut PyChecker) {
    urls::check(checker);
    let Some(mut settings) = Settings::new(checker) else {
        return;
    };
    let productions = std::mem::take(&mut settings.productions);
    for production in &productions {
        for check in CHECKS {
            check(&mut settings, production);
        }
    }
    let findings = std::mem::take(&mut settings.findings);
    drop(settings);
    for finding in findings {
        checker.report(finding);
    }
}

/// A production module affected by the file being analysed, evaluated.
pub struct Production {
    pub module: FileId,
    pub namespace: Arc<Namespace>,
    /// `SILENCED_SYSTEM_CHECKS`, when known.
    pub silenced: Vec<String>,
    /// A framework's defaults ([`Role::Defaults`]), not a deployment's settings: what each
    /// deployment chooses for itself ([`DEPLOYMENT_CHOICES`], a missing `SECRET_KEY`) is not
    /// reported; the dangerous defaults deployments inherit silently are.
    pub defaults: bool,
}

/// What each deployment chooses for itself, not reported on a framework's defaults: HTTPS and
/// HSTS (they depend on how the deployment terminates TLS), the `Secure` flag of cookies (same),
/// `ALLOWED_HOSTS` (a framework cannot know the deployment's host names) and the mail backend
/// (the deployment's mail server). A missing `SECRET_KEY` too (each deployment brings its own;
/// Django refuses to start without one).
pub const DEPLOYMENT_CHOICES: &[&str] = &[
    "DJS404", "DJS408", "DJS409", "DJS410", "DJS412", "DJS417", "DJS418", "DJS423", "DJS432",
];

impl Production {
    pub fn setting(&self, name: &str) -> Setting<'_> {
        self.namespace.setting(name)
    }

    /// The effective value (assigned, or Django's default), if known.
    pub fn value(&self, name: &str) -> Option<Value> {
        self.namespace.value(name)
    }

    /// The binding of an assigned setting.
    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.namespace.names.get(name)
    }

    /// Whether `MIDDLEWARE` contains the exact dotted path (`None` when unknown).
    pub fn has_middleware(&self, path: &str) -> Option<bool> {
        self.value("MIDDLEWARE")?.contains_str(path)
    }

    /// Whether `INSTALLED_APPS` contains the exact app name (`None` when unknown).
    pub fn has_app(&self, app: &str) -> Option<bool> {
        self.value("INSTALLED_APPS")?.contains_str(app)
    }
}

/// Where a finding goes.
pub enum Blame<'b> {
    /// The statement that assigned a setting (its line when the statement spans one line, else
    /// the assigned name).
    Assignment(&'b Binding),
    /// A value's own location (an element of a list, a dict entry).
    Value(&'b Value),
    /// The top of the production module (a required setting is missing from the whole chain).
    Top,
}

/// The state the settings rules share while checking one module.
pub struct Settings<'c, 'a> {
    pub checker: &'c PyChecker<'a>,
    /// The file being analysed.
    pub file: FileId,
    pub summary: Arc<ModuleSummary>,
    pub index: Arc<ProjectIndex>,
    pub productions: Vec<Production>,
    /// The namespace of the module being analysed itself (for fixes), computed once when needed.
    own_namespace: std::cell::OnceCell<Option<Arc<Namespace>>>,
    findings: Vec<Finding>,
    seen: HashSet<(&'static str, Range<usize>)>,
}

impl<'c, 'a> Settings<'c, 'a> {
    /// `None` when the file is no settings module, or affects no production module.
    fn new(checker: &'c PyChecker<'a>) -> Option<Settings<'c, 'a>> {
        let context = checker.context;
        let path = context.path.as_ref()?;
        let index = match &context.project {
            Some(index) => Arc::clone(index),
            None => {
                let root = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
                Arc::new(ProjectIndex::empty(&root, Default::default()))
            }
        };
        let path = index.normalize(path);
        let candidate = discover::is_settings_path(&path)
            || context.settings_role.is_some()
            || index.settings_module(&path).is_some()
            || index.importers_of(&path).next().is_some();
        if !candidate {
            return None;
        }
        // An open document whose edited blocks were reparsed alone has no one tree: parse it.
        let whole;
        let tree = match checker.model.tree.single() {
            Some(tree) => tree,
            None => {
                whole = crate::syntax::python::parse(checker.source(), None);
                &whole
            }
        };
        let summary = Arc::new(ModuleSummary::build(tree, checker.source()));
        // The configuration's `production-settings` / `development-settings` win.
        let role = match context.settings_role {
            Some(crate::analysis::context::SettingsRole::Production) => Role::Production,
            Some(crate::analysis::context::SettingsRole::Development) => Role::Development,
            None => index.role_for(&path, &summary)?.0,
        };
        let file = FileId::from(path.as_path());
        // The modules judged: production modules, and framework defaults (judged for the
        // dangerous defaults only, see `Production::defaults`).
        let mut roots: Vec<(FileId, bool)> = Vec::new();
        if matches!(role, Role::Production | Role::Defaults) {
            roots.push((file.clone(), role == Role::Defaults));
        }
        for module in index.settings_modules() {
            if matches!(module.role, Role::Production | Role::Defaults)
                && module.path != file
                && reaches(&index, &module.path, &file)
            {
                roots.push((module.path.clone(), module.role == Role::Defaults));
            }
        }
        roots.truncate(MAX_PRODUCTION_MODULES);
        let mut productions = Vec::new();
        let (roots, defaults): (Vec<FileId>, Vec<bool>) = roots.into_iter().unzip();
        let evaluations = eval::evaluate_many(&index, &roots, Some((&file, &summary)));
        for ((root, defaults), evaluation) in roots.into_iter().zip(defaults).zip(evaluations) {
            let Some(evaluation) = evaluation else {
                continue;
            };
            if !evaluation.visited.contains(&file) {
                continue;
            }
            let silenced = evaluation
                .namespace
                .value("SILENCED_SYSTEM_CHECKS")
                .and_then(|v| {
                    v.items().map(|items| {
                        items
                            .iter()
                            .filter_map(|i| i.as_str().map(str::to_string))
                            .collect()
                    })
                })
                .unwrap_or_default();
            productions.push(Production {
                module: root,
                namespace: evaluation.namespace,
                silenced,
                defaults,
            });
        }
        if productions.is_empty() {
            return None;
        }
        Some(Settings {
            checker,
            file,
            summary,
            index,
            productions,
            own_namespace: std::cell::OnceCell::new(),
            findings: Vec::new(),
            seen: HashSet::new(),
        })
    }

    /// The names the module being analysed has in scope (its own and what it star-imports).
    pub fn own_namespace(&self) -> Option<&Arc<Namespace>> {
        self.own_namespace
            .get_or_init(|| {
                eval::evaluate(&self.index, &self.file, Some((&self.file, &self.summary)))
                    .map(|e| e.namespace)
            })
            .as_ref()
    }

    pub fn source(&self) -> &'a str {
        self.checker.source()
    }

    /// Whether a location is in the file being analysed.
    pub fn is_here(&self, loc: Option<&Loc>) -> bool {
        loc.is_some_and(|l| l.file == self.file)
    }

    /// The byte range a blame points to in this file, if it is in this file.
    pub fn range_of(&self, production: &Production, blame: &Blame) -> Option<Range<usize>> {
        let src = self.source();
        let range = match blame {
            Blame::Assignment(binding) => {
                let stmt = binding.stmt.as_ref().filter(|l| l.file == self.file)?;
                let text = src.get(stmt.span.clone())?;
                if text.contains('\n') {
                    binding
                        .target
                        .as_ref()
                        .filter(|l| l.file == self.file)
                        .map_or_else(|| first_line(src, stmt.span.start), |t| t.span.clone())
                } else {
                    stmt.span.clone()
                }
            }
            Blame::Value(value) => {
                let loc = value.loc.as_ref().filter(|l| l.file == self.file)?;
                let text = src.get(loc.span.clone())?;
                if text.contains('\n') {
                    first_line(src, loc.span.start)
                } else {
                    loc.span.clone()
                }
            }
            Blame::Top => {
                if production.module != self.file {
                    return None;
                }
                self.summary.first_line.range()
            }
        };
        (range.end <= src.len()).then_some(range)
    }

    /// Report a finding for `production` at `blame`, unless it is in another file, its Django id
    /// is silenced there, or the same code was already reported at the same place.
    #[allow(clippy::too_many_arguments)]
    pub fn report(
        &mut self,
        production: &Production,
        code: &'static str,
        django_id: Option<&'static str>,
        blame: Blame,
        severity: Severity,
        message: impl Into<String>,
        fix: Option<Fix>,
    ) {
        if django_id.is_some_and(|id| production.silenced.iter().any(|s| s == id)) {
            return;
        }
        if production.defaults
            && (DEPLOYMENT_CHOICES.contains(&code)
                || (code == secrets::WEAK_SECRET_KEY.code && matches!(blame, Blame::Top)))
        {
            return;
        }
        let Some(range) = self.range_of(production, &blame) else {
            return;
        };
        if !self.seen.insert((code, range.clone())) {
            return;
        }
        let mut message = message.into();
        if production.defaults {
            let before = message.clone();
            message = message.replace(
                "in production settings",
                "in these defaults, which deployments inherit unless they override it",
            );
            message = message.replace(" in these production settings", " in these defaults");
            if message == before && production.module == self.file {
                message.push_str(
                    " (in these defaults, which deployments inherit unless they override it)",
                );
            }
        }
        if production.module != self.file && production.defaults {
            message.push_str(&format!(
                " (inherited by the defaults `{}`, which deployments extend)",
                self.display(&production.module)
            ));
        } else if production.module != self.file {
            message.push_str(&format!(
                " (inherited by production settings `{}`)",
                self.display(&production.module)
            ));
        }
        if let Some(id) = django_id {
            message.push_str(&format!(" [{id}]"));
        }
        self.findings
            .push(Finding::new(code, range, severity, message).with_fix(fix));
    }

    /// A path as shown in messages: relative to the project root.
    pub fn display(&self, path: &Path) -> String {
        path.strip_prefix(self.index.root())
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// "defaults to X when VAR is unset" for values that are environment defaults.
    pub fn env_note(value: &Value) -> String {
        match &value.env {
            Some(var) => {
                format!(" (the default used when the environment variable `{var}` is not set)")
            }
            None => String::new(),
        }
    }
}

/// Whether `from` reaches `target` through the index's import edges (breadth-first, bounded).
fn reaches(index: &ProjectIndex, from: &FileId, target: &Path) -> bool {
    let mut seen: HashSet<FileId> = HashSet::new();
    let mut queue = vec![from.clone()];
    while let Some(current) = queue.pop() {
        if seen.len() > 256 {
            return false;
        }
        if !seen.insert(current.clone()) {
            continue;
        }
        for next in index.imports_of(&current) {
            if next.as_ref() == target {
                return true;
            }
            queue.push(next.clone());
        }
    }
    false
}

/// The range of the line containing `byte` (without its newline).
pub fn first_line(src: &str, byte: usize) -> Range<usize> {
    let start = crate::semantic::node::line_start(src, byte);
    let end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    start..end
}

#[cfg(test)]
pub mod testing;

/// How each role is judged, over in-memory projects.
#[cfg(test)]
mod role_tests {
    use super::testing::{codes_in, project_findings};

    /// A framework's defaults (nautobot's `core/settings.py`, pulpcore's dynaconf module): the
    /// dangerous defaults deployments inherit silently are reported; the choices each deployment
    /// makes (HTTPS, HSTS, cookies' `Secure` flag, hosts, a missing secret key, mail) are not.
    #[test]
    fn framework_defaults_report_dangerous_defaults_only() {
        let defaults = "DEBUG = True\nALLOWED_HOSTS = ['*']\nINSTALLED_APPS = ['django.contrib.auth']\nMIDDLEWARE = ['django.middleware.security.SecurityMiddleware', 'django.middleware.clickjacking.XFrameOptionsMiddleware']\nPASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']\nMAILERS = {'default': {'BACKEND': 'django.core.mail.backends.console.EmailBackend'}}\nDATA_UPLOAD_MAX_NUMBER_FIELDS = None\n";
        let files = [
            (
                "fw/__init__.py",
                "os.environ['DJANGO_SETTINGS_MODULE'] = 'fw_config'\n",
            ),
            ("fw/core/settings.py", defaults),
        ];
        let found: Vec<&str> = codes_in(&files, "fw/core/settings.py")
            .into_iter()
            .map(|f| f.0)
            .collect();
        for code in ["DJS401", "DJS407", "DJS435", "DJS436", "DJS443"] {
            assert!(found.contains(&code), "{code} in {found:?}");
        }
        for code in [
            "DJS402", "DJS404", "DJS408", "DJS412", "DJS417", "DJS418", "DJS423", "DJS432",
        ] {
            assert!(!found.contains(&code), "{code} in {found:?}");
        }
        let debug = project_findings(&files, "fw/core/settings.py")
            .into_iter()
            .find(|f| f.code == "DJS401")
            .map(|f| f.message)
            .unwrap_or_default();
        assert!(
            debug.contains("in these defaults, which deployments inherit"),
            "{debug}"
        );
        let validators = project_findings(&files, "fw/core/settings.py")
            .into_iter()
            .find(|f| f.code == "DJS436")
            .map(|f| f.message)
            .unwrap_or_default();
        assert!(
            validators.ends_with(
                "(in these defaults, which deployments inherit unless they override it)"
            ),
            "{validators}"
        );
        // The same module deployed as it is: every finding.
        let files = [
            (
                "fw/wsgi.py",
                "os.environ['DJANGO_SETTINGS_MODULE'] = 'fw.core.settings'\n",
            ),
            ("fw/core/settings.py", defaults),
        ];
        let found: Vec<&str> = codes_in(&files, "fw/core/settings.py")
            .into_iter()
            .map(|f| f.0)
            .collect();
        for code in ["DJS401", "DJS402", "DJS408", "DJS412", "DJS423", "DJS432"] {
            assert!(found.contains(&code), "{code} in {found:?}");
        }
    }

    /// A fragment appended to the deployment's settings by a script, a stub, a build's
    /// settings: no finding.
    #[test]
    fn fragments_stubs_and_build_settings_are_quiet() {
        let files = [
            (
                "docker/db_settings.py",
                "DATABASES = {'default': {'PASSWORD': 'askbot'}}\n",
            ),
            ("app/settings.py", "DEBUG = False\nSECRET_KEY = 'x'\n"),
            ("plugin/app/settings.py", "\n"),
            ("app/_base_settings.py", "INSTALLED_APPS = []\n"),
            (
                "app/_build_settings.py",
                "from ._base_settings import *\nSECRET_KEY = 'build-time-secret-key'\n",
            ),
        ];
        for path in [
            "docker/db_settings.py",
            "plugin/app/settings.py",
            "app/_build_settings.py",
        ] {
            assert_eq!(codes_in(&files, path), vec![], "{path}");
        }
        // Beside them, the real settings module still gets its findings.
        assert!(!codes_in(&files, "app/settings.py").is_empty());
    }
}
