//! djsec: security diagnostics for Django, as a language server and a CLI.
//!
//! See ARCHITECTURE.md for the map. In one line: `syntax` parses, `semantic` understands Python,
//! `rules` find problems, `analysis` runs the rules (pure, no I/O, no LSP), `document` holds the
//! editor's buffers, and the fronts (`server`, `cli`) turn findings into protocol or text.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod document;
pub mod project;
pub mod rules;
pub mod semantic;
pub mod server;
pub mod syntax;
