//! What the project's own decorators, mixins and base classes check, looked up through the
//! project facts ([`crate::project::facts::access`]) and composed here: a decorator built on
//! another project decorator checks what both check, a mixin derived from a project base class
//! brings what the base brings. Django's and the common libraries' decorators and mixins come
//! from [`access::library`]; the configuration's `auth-decorators` and `auth-mixins` extend it.
//!
//! Every lookup goes through the analysis' [`Resolver`], which records it: an edit of a
//! decorator in `decorators.py` re-analyses the open views that use it.

use crate::analysis::python::PyChecker;
use crate::project::FileId;
use crate::project::facts::Resolver;
use crate::project::facts::access::{self, Checks, Library};

/// How deep decorators built on decorators, and base classes of base classes, are followed.
pub const MAX_DEPTH: usize = 6;

/// What djsec knows a decorator or class checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub checks: Checks,
    /// Whether everything it is built on was found (a decorator it applies or a base it derives
    /// from may be unknown: then it checks at least `checks`, maybe more).
    pub complete: bool,
    /// Where it is defined, `app/decorators.py:8`, for a project decorator or class.
    pub origin: Option<String>,
    /// The permission a `permission_required("app.perm")` names.
    pub permission: Option<String>,
}

/// The project's resolver, when the analysis has one (a file analysed alone has its own facts
/// only; a checker built by hand, none).
pub fn resolver<'a>(checker: &'a PyChecker) -> Option<&'a Resolver> {
    checker
        .model
        .summaries
        .as_deref()
        .and_then(|s| s.as_any())
        .and_then(|a| a.downcast_ref::<Resolver>())
}

/// `app/decorators.py:8` for a definition found by the resolver in `file`; `line 8` for one
/// of the analysed buffer (its line read from the buffer's tree: the facts of a definition are
/// kept between versions of a buffer while its text is unchanged, and its line may have moved).
pub fn origin(
    checker: &PyChecker,
    resolver: &Resolver,
    file: Option<&FileId>,
    name: &str,
    line: u32,
) -> Option<String> {
    let Some(file) = file else {
        return Some(format!(
            "line {}",
            buffer_line(checker, name).unwrap_or(line) + 1
        ));
    };
    let path = resolver.path_of(Some(file))?;
    let shown = resolver
        .index()
        .and_then(|i| {
            path.strip_prefix(i.root())
                .ok()
                .map(std::path::Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    Some(format!(
        "{}:{}",
        shown.display().to_string().replace('\\', "/"),
        line + 1
    ))
}

/// The (zero-based) line of the top-level definition or assignment of `name` in the buffer.
fn buffer_line(checker: &PyChecker, name: &str) -> Option<u32> {
    let src = checker.source();
    let statements: Vec<tree_sitter::Node> = checker.model.tree.named_top_level();
    statements.into_iter().rev().find_map(|s| {
        let named = match crate::semantic::node::definition(s) {
            Some(d) => d.child_by_field_name("name"),
            None => s
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
                .and_then(|a| a.child_by_field_name("left")),
        };
        named
            .filter(|n| crate::semantic::node::text(*n, src) == name)
            .and_then(|_| u32::try_from(s.start_position().row).ok())
    })
}

/// Whether a qualified name may be the project's (not Django's, DRF's or a known library's).
pub fn may_be_project(named: &str) -> bool {
    named.starts_with('@')
        || named.starts_with('.')
        || !(named.starts_with("django.")
            || named.starts_with("rest_framework.")
            || access::library(named).is_some())
}

/// What the project decorator `named` (as module `from` names it: `None` is the buffer)
/// checks, following the decorators it is built on. `None` when it is not a decorator the
/// project defines.
pub fn decorator(
    checker: &PyChecker,
    resolver: &Resolver,
    from: Option<&FileId>,
    named: &str,
    depth: usize,
) -> Option<Known> {
    let (file, facts) = resolver.decorator(from, named)?;
    let mut known = Known {
        checks: facts.checks,
        complete: true,
        origin: origin(checker, resolver, file.as_ref(), &facts.name, facts.line),
        permission: None,
    };
    for used in &facts.uses {
        if let Some(Library::Checks(c)) = access::library(used) {
            known.checks = known.checks.or(c);
            continue;
        }
        if depth >= MAX_DEPTH {
            known.complete = false;
            continue;
        }
        match decorator(checker, resolver, file.as_ref(), used, depth + 1) {
            Some(inner) => {
                known.checks = known.checks.or(inner.checks);
                known.complete &= inner.complete;
            }
            None => known.complete = false,
        }
    }
    Some(known)
}

/// A configured `auth-decorators` / `auth-mixins` entry naming `qualified` (or, unresolved, a
/// bare `name` that an entry ends with).
pub fn configured(entries: &[String], qualified: Option<&str>, name: &str) -> bool {
    entries.iter().any(|e| match qualified {
        Some(q) => e == q || q.ends_with(&format!(".{e}")),
        None => e == name || e.ends_with(&format!(".{name}")),
    })
}
