//! Access control (`DJS3xx`): views without authentication, CSRF exemptions, DRF permissions,
//! insecure redirects and cookies, mass assignment.
//!
//! The rules share one summary of the module's views ([`views::Module`]), built once per
//! analysis by [`check`], and the project's knowledge of URL routes and settings ([`views::Env`]).

pub mod admin_views;
pub mod class_views;
pub mod cookies;
pub mod csrf_exempt;
pub mod describe;
pub mod does;
pub mod drf;
pub mod drf_settings;
pub mod exposure;
pub mod function_views;
pub mod host_header;
pub mod idor;
pub mod mass_assignment;
pub mod open_redirect;
#[cfg(test)]
mod project_tests;
pub mod public;
pub mod rate_limit;
pub mod resolve;
pub mod sensitive_params;
#[cfg(test)]
mod testing;
pub mod views;

use crate::analysis::Context;
use crate::analysis::python::PyChecker;
use views::Scope;

/// The unit-scoped part: function views and calls. A finding depends only on the top-level
/// definition it is in, module-level statements and the project (see `analysis::incremental`).
pub fn check(checker: &mut PyChecker) {
    let env = views::Env::from_context(checker.context);
    run(checker, env, Scope::Units);
}

/// The module-scoped part: class-based views, forms and serializers, which inherit from other
/// classes of the module.
pub fn check_module(checker: &mut PyChecker) {
    let env = views::Env::from_context(checker.context);
    run(checker, env, Scope::Classes);
}

/// The top-level statements the module-scoped part reads: everything but function definitions
/// (classes, their methods, and module-level statements such as `urlpatterns`).
pub fn module_check_reads(statement: tree_sitter::Node) -> bool {
    crate::semantic::node::definition(statement).is_none_or(|d| d.kind() != "function_definition")
}

/// Whether the module-scoped part concerns a file: not tests or migrations.
pub fn applies_to_module(context: &Context) -> bool {
    context
        .path
        .as_deref()
        .map(|p| views::project_relative(context, p))
        .is_none_or(|p| !views::is_test_path(&p) && !views::is_migration_path(&p))
}

/// Run the rules of one scope with the given project knowledge.
pub fn run(checker: &mut PyChecker, env: views::Env, scope: Scope) {
    let module = views::Module::build(checker, env, scope);
    function_views::check(checker, &module);
    class_views::check(checker, &module);
    drf::check(checker, &module);
    csrf_exempt::check(checker, &module);
    idor::check(checker, &module);
    host_header::check(checker, &module);
    open_redirect::check(checker, &module);
    sensitive_params::check(checker, &module);
    cookies::check(checker, &module);
    mass_assignment::check(checker, &module);
    admin_views::check(checker, &module);
    exposure::check(checker, &module);
    rate_limit::check(checker, &module);
    drf_settings::check(checker, &module);
}
