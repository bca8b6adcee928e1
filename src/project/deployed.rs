//! The settings a deployment of the project runs with, as far as the project tells, for the
//! rules outside the settings family that depend on a setting (DJS310 reads `MIDDLEWARE` and
//! `USE_X_FORWARDED_HOST`).
//!
//! The deployed modules are the production settings modules; without any, a framework's
//! defaults ([`Role::Defaults`]: what deployments extend); without those, the project's only
//! settings module. A value is known when every deployed module agrees on it (evaluations are
//! shared by every analysis of an index snapshot, so asking is cheap after the first time).

use super::eval;
use super::{FileId, ProjectIndex, Role, Value, value};

/// The deployed settings modules (see the module documentation); empty when the project says
/// nothing of its deployment.
pub fn modules(index: &ProjectIndex) -> Vec<FileId> {
    for role in [Role::Production, Role::Defaults] {
        let found: Vec<FileId> = index
            .settings_modules()
            .filter(|m| m.role == role)
            .map(|m| m.path.clone())
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    let mut all = index.settings_modules();
    match (all.next(), all.next()) {
        (Some(only), None) => vec![only.path.clone()],
        _ => Vec::new(),
    }
}

/// The effective value of a setting (assigned, or Django's default) when every deployed module
/// agrees on it; `None` when the project has no deployed settings, one cannot be evaluated, the
/// value is unknown in one, or they differ.
pub fn value_of(index: &ProjectIndex, name: &str) -> Option<Value> {
    let modules = modules(index);
    if modules.is_empty() {
        return None;
    }
    let mut out: Option<Value> = None;
    for evaluation in eval::evaluate_many(index, &modules, None) {
        let v = evaluation?.namespace.value(name)?;
        match &out {
            Some(o) if value::py_eq(o, &v) != Some(true) => return None,
            Some(_) => {}
            None => out = Some(v),
        }
    }
    out
}

/// Whether the deployed `MIDDLEWARE` holds `path` (exact dotted path), and at which position;
/// `None` when unknown. `Some(None)`: known not to.
pub fn middleware_position(index: &ProjectIndex, path: &str) -> Option<Option<usize>> {
    let middleware = value_of(index, "MIDDLEWARE")?;
    let items = middleware.items()?;
    let mut found = None;
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) if s == path => {
                found = Some(i);
                break;
            }
            Some(_) => {}
            // An entry djsec cannot read may be anything.
            None => return None,
        }
    }
    Some(found)
}

/// The truth of a deployed setting, when known (`USE_X_FORWARDED_HOST`).
pub fn flag(index: &ProjectIndex, name: &str) -> Option<bool> {
    value_of(index, name)?.truthy()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const MIDDLEWARE: &str = "MIDDLEWARE = ['django.middleware.security.SecurityMiddleware', 'django.middleware.common.CommonMiddleware']\n";

    #[test]
    fn production_modules_must_agree() {
        let base = format!("SECRET_KEY = 'x'\nINSTALLED_APPS = []\n{MIDDLEWARE}");
        let idx = ProjectIndex::from_files(
            Path::new("/p"),
            &[
                ("site/settings/base.py", &base),
                ("site/settings/prod.py", "from .base import *\n"),
                (
                    "site/settings/staging.py",
                    "from .base import *\nUSE_X_FORWARDED_HOST = True\n",
                ),
                (
                    "site/settings/dev.py",
                    "from .base import *\nMIDDLEWARE = []\n",
                ),
            ],
        );
        assert_eq!(modules(&idx).len(), 2);
        assert_eq!(
            middleware_position(&idx, "django.middleware.common.CommonMiddleware"),
            Some(Some(1))
        );
        assert_eq!(
            middleware_position(&idx, "django.middleware.csrf.CsrfViewMiddleware"),
            Some(None)
        );
        // Prod says False (Django's default), staging True: unknown.
        assert_eq!(flag(&idx, "USE_X_FORWARDED_HOST"), None);
    }

    #[test]
    fn without_production_modules() {
        // A framework's defaults, extended by deployments outside the project.
        let idx = ProjectIndex::from_files(
            Path::new("/p"),
            &[
                (
                    "fw/__init__.py",
                    "os.environ['DJANGO_SETTINGS_MODULE'] = 'fw_config'\n",
                ),
                (
                    "fw/core/settings.py",
                    &format!("DEBUG = False\n{MIDDLEWARE}"),
                ),
                ("fw/tests/settings.py", "DEBUG = True\nMIDDLEWARE = []\n"),
            ],
        );
        assert_eq!(
            middleware_position(&idx, "django.middleware.common.CommonMiddleware"),
            Some(Some(1))
        );
        // Only development settings: nothing is known.
        let idx = ProjectIndex::from_files(
            Path::new("/p"),
            &[
                ("tests/settings.py", MIDDLEWARE),
                ("examples/settings.py", MIDDLEWARE),
            ],
        );
        assert!(modules(&idx).is_empty());
        assert_eq!(value_of(&idx, "MIDDLEWARE"), None);
        // An entry that cannot be read.
        let idx = ProjectIndex::from_files(
            Path::new("/p"),
            &[(
                "site/settings.py",
                "DEBUG = False\nMIDDLEWARE = [get_middleware(), 'django.middleware.common.CommonMiddleware']\n",
            )],
        );
        assert_eq!(
            middleware_position(&idx, "django.middleware.common.CommonMiddleware"),
            None
        );
    }
}
