//! Authentication and uploads (`DJS7xx`): how passwords are set, secrets compared and derived,
//! tokens decoded, and uploaded files accepted, named, stored and served.
//!
//! The code rules run as one unit-scoped check ([`check`]); the two that judge settings
//! (`MEDIA_ROOT`, `MEDIA_URL`) run with the settings family on production settings
//! ([`uploads::check_settings`]).

pub mod compare;
pub mod jwt;
pub mod passwords;
pub mod secret_salt;
pub mod uploads;

use crate::analysis::Step;
use crate::analysis::python::PyChecker;
use crate::semantic::{SinkKind, flow, node};
use crate::syntax::python::{Field, Fields};

/// The family's unit-scoped entry point.
pub fn check(checker: &mut PyChecker) {
    passwords::check(checker);
    compare::check(checker);
    secret_salt::check(checker);
    jwt::check(checker);
    uploads::check(checker);
}

/// The way request data took to `value`, ending at `sink` (a call or expression): steps for a
/// finding and its message.
pub(crate) fn steps(
    checker: &PyChecker,
    value: tree_sitter::Node,
    kind: SinkKind,
    sink: tree_sitter::Node,
    sink_label: String,
) -> Vec<Step> {
    let mut steps: Vec<Step> = checker
        .model
        .trace_for(value, kind)
        .into_iter()
        .map(|s| Step {
            range: s.range,
            label: s.label,
        })
        .collect();
    if steps.is_empty() {
        return steps;
    }
    steps.push(Step {
        range: sink.byte_range(),
        label: sink_label,
    });
    steps
}

/// How a call's function is written, for a step label (`user.set_password()`).
pub(crate) fn call_label(checker: &PyChecker, call: tree_sitter::Node) -> String {
    let src = checker.source();
    let function = call
        .field(Field::Function)
        .map_or("", |f| node::text(f, src));
    format!("{}()", flow::step_label(function))
}
