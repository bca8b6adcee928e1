//! Test helpers for the access rules: analyse with a path, or with project knowledge.

use super::views::{Env, Scope};
use crate::analysis::python::PyChecker;
use crate::analysis::testing::codes_at_with;
use crate::analysis::{Context, LineIndex};
use crate::syntax::{Language, python};

/// `(code, line, column, severity)` of every finding when the file has this path.
pub fn codes_for(path: &str, src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
    codes_at_with(Language::Python, src, &Context::for_path(path))
}

/// The access findings of `src` at `path` with the project knowledge set up by `setup`.
pub fn with_env(
    path: &str,
    src: &str,
    setup: impl FnOnce(&mut Env),
) -> Vec<(&'static str, usize, usize, &'static str)> {
    let tree = python::parse(src, None);
    let context = Context::for_path(path);
    let mut env = Env::default();
    setup(&mut env);
    let mut findings = Vec::new();
    for scope in [Scope::Units, Scope::Classes] {
        let mut checker = PyChecker::new(src, &tree, &context);
        // The module's own facts, as the engine provides them: its decorators and classes.
        let own = std::sync::Arc::new(crate::project::facts::FileFacts::from_model(&checker.model));
        checker.model.summaries = Some(std::rc::Rc::new(crate::project::facts::Resolver::new(
            None,
            Some(std::path::Path::new(path)),
            own,
        )));
        super::run(&mut checker, env.clone(), scope);
        findings.extend(checker.into_findings());
    }
    findings.sort_by(|a, b| (a.range.start, a.code).cmp(&(b.range.start, b.code)));
    let lines = LineIndex::new(src);
    findings
        .into_iter()
        .map(|f| {
            let (line, col) = lines.line_col(src, f.range.start);
            (f.code, line, col, f.severity.as_str())
        })
        .collect()
}

/// The findings of `src` (no path) whose code is one of `codes`.
pub fn codes_of(src: &str, codes: &[&str]) -> Vec<(&'static str, usize, usize, &'static str)> {
    crate::analysis::testing::codes_at(src)
        .into_iter()
        .filter(|c| codes.contains(&c.0))
        .collect()
}

/// Route `view` at `route` in the project knowledge, with optional URLconf wrappers.
pub fn route(env: &mut Env, view: &str, route: &str, wrappers: &[&str]) {
    env.routes
        .entry(view.to_string())
        .or_default()
        .push(super::views::RouteFacts {
            route: route.to_string(),
            name: None,
            wrappers: wrappers.iter().map(|w| (*w).to_string()).collect(),
        });
}
