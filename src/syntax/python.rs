//! tree-sitter-python parsing with a parser per thread.

use std::cell::RefCell;

use tree_sitter::{Parser, Tree};

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// The tree-sitter language for Python.
pub fn language() -> tree_sitter::Language {
    tree_sitter_python::LANGUAGE.into()
}

/// Parse Python source, reusing `old` (already `edit`ed) when given.
///
/// Never fails: tree-sitter produces a tree with ERROR nodes for invalid input. If the parser
/// itself cannot run (it has no timeout or cancellation set, so this does not happen in
/// practice), an empty tree of an empty module is returned instead.
pub fn parse(text: &str, old: Option<&Tree>) -> Tree {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            // The grammar is compiled in and ABI-compatible; a mismatch is a build error in practice.
            let _ = parser.set_language(&language());
            parser
        });
        match parser.parse(text, old) {
            Some(tree) => tree,
            None => {
                parser.reset();
                parser
                    .parse("", None)
                    .unwrap_or_else(|| unreachable_empty_tree(parser))
            }
        }
    })
}

#[cold]
fn unreachable_empty_tree(parser: &mut Parser) -> Tree {
    // A fresh parser with the language set always parses the empty string.
    let mut fresh = Parser::new();
    let _ = fresh.set_language(&language());
    let _ = parser;
    match fresh.parse("", None) {
        Some(tree) => tree,
        None => panic!("tree-sitter could not parse an empty Python module"),
    }
}
