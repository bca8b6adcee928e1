//! The analysis engine: source + syntax + context in, findings out. Pure; no LSP types, no I/O.

pub mod finding;

pub use finding::{Applicability, Edit, Finding, Fix, Severity, apply_edits};
