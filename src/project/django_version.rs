//! Which Django versions the project runs on, as far as its code tells, for rules whose verdict
//! depends on it (DJS111: `allow_tags` renders raw HTML before Django 2.0 and is ignored since).
//!
//! The evidence is the project's imports (the function facts of every file hold them):
//!
//! - importing a Django module that a release removed, with no import anywhere of what replaced
//!   it, means the project runs on an older Django: `django.core.urlresolvers` (removed in 2.0,
//!   replaced by `django.urls` in 1.10) — Mezzanine 4.3 imports it in 18 modules and never
//!   `django.urls`. (A project that imports both is written for several versions: no verdict.)
//! - importing a name that a release added means it runs on that release or later:
//!   `django.urls.path` / `re_path` (2.0).
//!
//! The declared requirement (`Django>=1.11,<2.0` in `pyproject.toml`, `setup.cfg` or a
//! requirements file) is not read yet. API: [`of`] → [`DjangoVersions`].

use super::ProjectIndex;

/// A Django release, `(major, minor)`.
pub type Release = (u32, u32);

/// What the project's code says about the Django versions it runs on. Unknown bounds are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DjangoVersions {
    /// The project runs on a release before this one, and why (the evidence, for messages).
    pub below: Option<(Release, String)>,
    /// The project runs on this release or a later one, and why.
    pub at_least: Option<(Release, String)>,
}

impl DjangoVersions {
    /// Whether the project is known to run on a release before `release`.
    pub fn is_below(&self, release: Release) -> bool {
        self.below.as_ref().is_some_and(|(b, _)| *b <= release)
    }

    /// Whether the project is known to run on `release` or later.
    pub fn is_at_least(&self, release: Release) -> bool {
        self.at_least.as_ref().is_some_and(|(a, _)| *a >= release)
    }
}

/// Modules Django removed: (module, the release that removed it, the module that replaced it).
const REMOVED: &[(&str, Release, &str)] = &[("django.core.urlresolvers", (2, 0), "django.urls")];

/// Names Django added: (qualified name, the release that added it).
const ADDED: &[(&str, Release)] = &[
    ("django.urls.path", (2, 0)),
    ("django.urls.re_path", (2, 0)),
];

/// What the imports of the project's files say (see the module documentation).
pub fn of(index: &ProjectIndex) -> DjangoVersions {
    let mut out = DjangoVersions::default();
    let under = |qualified: &str, module: &str| {
        qualified == module
            || qualified
                .strip_prefix(module)
                .is_some_and(|rest| rest.starts_with('.'))
    };
    for &(module, release, replacement) in REMOVED {
        let mut uses = 0usize;
        let mut replaced = false;
        for (_, facts) in index.all_facts() {
            for qualified in facts.imports.values() {
                if under(qualified, module) {
                    uses += 1;
                }
                replaced |= under(qualified, replacement);
            }
            if replaced {
                break;
            }
        }
        if uses > 0 && !replaced && out.below.as_ref().is_none_or(|(b, _)| release < *b) {
            out.below = Some((
                release,
                format!(
                    "it imports `{module}`, removed in Django {}.{}, and never `{replacement}`",
                    release.0, release.1
                ),
            ));
        }
    }
    for &(name, release) in ADDED {
        let found = index
            .all_facts()
            .any(|(_, facts)| facts.imports.values().any(|q| q == name));
        if found && out.at_least.as_ref().is_none_or(|(a, _)| release > *a) {
            out.at_least = Some((
                release,
                format!(
                    "it imports `{name}`, added in Django {}.{}",
                    release.0, release.1
                ),
            ));
        }
    }
    // Contradicting evidence (vendored code, a compatibility layer): no verdict.
    if let (Some((below, _)), Some((at_least, _))) = (&out.below, &out.at_least)
        && at_least >= below
    {
        return DjangoVersions::default();
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn versions(files: &[(&str, &str)]) -> DjangoVersions {
        of(&ProjectIndex::from_files(Path::new("/p"), files))
    }

    #[test]
    fn removed_modules_without_their_replacement() {
        let old = versions(&[
            (
                "blog/models.py",
                "from django.core.urlresolvers import reverse\n",
            ),
            ("blog/views.py", "from django.shortcuts import render\n"),
        ]);
        assert!(old.is_below((2, 0)));
        assert!(!old.is_at_least((2, 0)));
        assert!(
            old.below
                .is_some_and(|(_, why)| why.contains("django.core.urlresolvers"))
        );
        // A compatibility import elsewhere: written for several versions.
        let both = versions(&[
            (
                "blog/models.py",
                "from django.core.urlresolvers import reverse\n",
            ),
            ("blog/compat.py", "from django.urls import reverse\n"),
        ]);
        assert_eq!(both, DjangoVersions::default());
    }

    #[test]
    fn added_names() {
        let new = versions(&[("urls.py", "from django.urls import path, include\n")]);
        assert!(new.is_at_least((2, 0)));
        assert!(!new.is_below((2, 0)));
        let none = versions(&[("views.py", "from django.http import HttpResponse\n")]);
        assert_eq!(none, DjangoVersions::default());
    }
}
