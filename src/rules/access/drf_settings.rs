//! DRF's defaults at the line of the settings that sets them: `DEFAULT_PERMISSION_CLASSES =
//! ["rest_framework.permissions.AllowAny"]` (DJS306) in a deployed settings module.

use tree_sitter::Node;

use super::views::{Module, Scope, string_items};
use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::project::Role;
use crate::semantic::node;

/// The `REST_FRAMEWORK = {...}` assignment at the top level of the analysed module, when it is a
/// settings module that is not for development (production, a base of one, or the only one).
pub fn rest_framework_assignment<'t>(checker: &PyChecker<'t>) -> Option<Node<'t>> {
    let index = checker.context.project.as_deref()?;
    let path = index.normalize(checker.context.path.as_deref()?);
    let module = index.settings_module(&path)?;
    if module.role == Role::Development {
        return None;
    }
    let src = checker.source();
    // The statements this analysis indexed: an incremental re-check of one class leaves the
    // module-level statements (and their findings) alone.
    checker.model.index.statements.iter().rev().find_map(|s| {
        let (left, right) = node::name_assignment(*s)?;
        (node::text(left, src) == "REST_FRAMEWORK" && right.kind() == "dictionary")
            .then(|| s.named_child(0))
            .flatten()
    })
}

/// `"DEFAULT_PERMISSION_CLASSES": [..."AllowAny"]` in this module's `REST_FRAMEWORK`, when the
/// production settings end up with it.
pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.scope != Scope::Classes || module.env.middleware_requires_login() {
        return;
    }
    let open = module
        .env
        .drf_default_permissions
        .as_ref()
        .is_some_and(|p| {
            !p.is_empty() && p.iter().all(|c| c.rsplit('.').next() == Some("AllowAny"))
        });
    if !open {
        return;
    }
    let Some(assignment) = rest_framework_assignment(checker) else {
        return;
    };
    let Some(dict) = assignment.child_by_field_name("right") else {
        return;
    };
    let src = checker.source();
    let mut cursor = dict.walk();
    let pairs: Vec<Node> = dict
        .named_children(&mut cursor)
        .filter(|p| p.kind() == "pair")
        .collect();
    for pair in pairs {
        let (Some(key), Some(value)) = (
            pair.child_by_field_name("key"),
            pair.child_by_field_name("value"),
        ) else {
            continue;
        };
        if super::views::string_value(key, src).as_deref() != Some("DEFAULT_PERMISSION_CLASSES") {
            continue;
        }
        if !string_items(value, src)
            .iter()
            .any(|c| c.rsplit('.').next() == Some("AllowAny"))
        {
            continue;
        }
        checker.report(Finding::new(
            super::drf::DEFAULT_ALLOW_ANY.code,
            pair.byte_range(),
            Severity::Warning,
            "DRF's default permission is `AllowAny` in the production settings: every API view that sets no `permission_classes` is open to anonymous clients; make `IsAuthenticated` the default and open public endpoints one by one".to_string(),
        ));
    }
}
