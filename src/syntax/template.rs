//! Django templates: Django tokens from our own lexer, plus the HTML tree around them.
//!
//! (Placeholder: the lexer and HTML layer are being written; see `template/lexer.rs`.)

use tree_sitter::InputEdit;

/// A parsed template.
#[derive(Debug, Clone, Default)]
pub struct TemplateSyntax {}

impl TemplateSyntax {
    pub fn edit(&mut self, _edit: &InputEdit) {}

    pub fn to_sexp(&self) -> String {
        String::new()
    }
}

/// Parse a template, reusing `old` when given.
pub fn parse(_text: &str, _old: Option<&TemplateSyntax>) -> TemplateSyntax {
    TemplateSyntax {}
}
