//! tree-sitter-python parsing with a parser per thread.

pub mod blocks;

use std::cell::RefCell;
use std::sync::OnceLock;

use tree_sitter::{Node, Parser, Tree};

pub use blocks::PyTree;

/// A Python module's syntax as the analysis reads it: one tree (a file parsed whole) or a
/// [`PyTree`] (an open document, whose edited blocks may have been reparsed alone).
#[derive(Debug, Clone, Copy)]
pub enum ModuleTree<'a> {
    Single(&'a Tree),
    Blocks(&'a PyTree),
    /// One of the others with its top-level statements listed once: an analysis asks for them
    /// many times, and walking the root's children of a large module is not free.
    Listed(&'a Listed<'a>),
}

/// A module's syntax and its top-level statements (see [`ModuleTree::Listed`]).
#[derive(Debug)]
pub struct Listed<'a> {
    tree: ModuleTree<'a>,
    top: Vec<Node<'a>>,
}

impl<'a> Listed<'a> {
    pub fn new(tree: ModuleTree<'a>) -> Listed<'a> {
        Listed {
            tree,
            top: tree.top_level(),
        }
    }
}

impl<'a> From<&'a Tree> for ModuleTree<'a> {
    fn from(tree: &'a Tree) -> Self {
        ModuleTree::Single(tree)
    }
}

impl<'a> From<&'a PyTree> for ModuleTree<'a> {
    fn from(tree: &'a PyTree) -> Self {
        match tree.single() {
            Some(single) => ModuleTree::Single(single),
            None => ModuleTree::Blocks(tree),
        }
    }
}

impl<'a> ModuleTree<'a> {
    /// The top-level statements (and comments between them), in order.
    pub fn top_level(self) -> Vec<Node<'a>> {
        match self {
            ModuleTree::Single(tree) => {
                let root = tree.root_node();
                let mut cursor = root.walk();
                root.children(&mut cursor).collect()
            }
            ModuleTree::Blocks(tree) => tree.top_level(),
            ModuleTree::Listed(listed) => listed.top.clone(),
        }
    }

    /// The named top-level statements (and comments), in order.
    pub fn named_top_level(self) -> Vec<Node<'a>> {
        let mut out = self.top_level();
        out.retain(|n| n.is_named());
        out
    }

    /// The smallest node spanning `start..end`.
    pub fn descendant_for_byte_range(self, start: usize, end: usize) -> Option<Node<'a>> {
        match self {
            ModuleTree::Single(tree) => tree.root_node().descendant_for_byte_range(start, end),
            ModuleTree::Blocks(tree) => tree.descendant_for_byte_range(start, end),
            ModuleTree::Listed(listed) => listed.tree.descendant_for_byte_range(start, end),
        }
    }

    /// The one tree of the module, when it is one.
    pub fn single(self) -> Option<&'a Tree> {
        match self {
            ModuleTree::Single(tree) => Some(tree),
            ModuleTree::Blocks(tree) => tree.single(),
            ModuleTree::Listed(listed) => listed.tree.single(),
        }
    }
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// The tree-sitter language for Python.
pub fn language() -> tree_sitter::Language {
    tree_sitter_python::LANGUAGE.into()
}

/// A field of tree-sitter-python's grammar that the analysis reads (`call.field(Field::Function)`
/// through [`Fields`]).
///
/// `Node::child_by_field_name` resolves the name on every call, comparing it with each field name
/// of the grammar in turn; a `Field` is resolved to its numeric id once per process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Alias,
    Alternative,
    Argument,
    Arguments,
    Attribute,
    Body,
    Condition,
    Consequence,
    Definition,
    Expression,
    FormatSpecifier,
    Function,
    Key,
    Left,
    ModuleName,
    Name,
    Object,
    Operator,
    Operators,
    Parameters,
    ReturnType,
    Right,
    Subscript,
    Superclasses,
    Type,
    TypeConversion,
    Value,
}

impl Field {
    const ALL: [Field; 27] = [
        Field::Alias,
        Field::Alternative,
        Field::Argument,
        Field::Arguments,
        Field::Attribute,
        Field::Body,
        Field::Condition,
        Field::Consequence,
        Field::Definition,
        Field::Expression,
        Field::FormatSpecifier,
        Field::Function,
        Field::Key,
        Field::Left,
        Field::ModuleName,
        Field::Name,
        Field::Object,
        Field::Operator,
        Field::Operators,
        Field::Parameters,
        Field::ReturnType,
        Field::Right,
        Field::Subscript,
        Field::Superclasses,
        Field::Type,
        Field::TypeConversion,
        Field::Value,
    ];

    /// The field's name in the grammar.
    pub fn name(self) -> &'static str {
        match self {
            Field::Alias => "alias",
            Field::Alternative => "alternative",
            Field::Argument => "argument",
            Field::Arguments => "arguments",
            Field::Attribute => "attribute",
            Field::Body => "body",
            Field::Condition => "condition",
            Field::Consequence => "consequence",
            Field::Definition => "definition",
            Field::Expression => "expression",
            Field::FormatSpecifier => "format_specifier",
            Field::Function => "function",
            Field::Key => "key",
            Field::Left => "left",
            Field::ModuleName => "module_name",
            Field::Name => "name",
            Field::Object => "object",
            Field::Operator => "operator",
            Field::Operators => "operators",
            Field::Parameters => "parameters",
            Field::ReturnType => "return_type",
            Field::Right => "right",
            Field::Subscript => "subscript",
            Field::Superclasses => "superclasses",
            Field::Type => "type",
            Field::TypeConversion => "type_conversion",
            Field::Value => "value",
        }
    }

    /// The field's id in tree-sitter-python (0, which matches no child, if the grammar lacked it).
    pub fn id(self) -> u16 {
        static IDS: OnceLock<[u16; Field::ALL.len()]> = OnceLock::new();
        let ids = IDS.get_or_init(|| {
            let language = language();
            Field::ALL.map(|f| {
                language
                    .field_id_for_name(f.name())
                    .map_or(0, |id| id.get())
            })
        });
        ids.get(self as usize).copied().unwrap_or(0)
    }
}

/// Children by [`Field`]: the fast form of `child_by_field_name` for Python trees.
pub trait Fields<'t> {
    /// The first child in `field`.
    fn field(&self, field: Field) -> Option<Node<'t>>;
}

impl<'t> Fields<'t> for Node<'t> {
    fn field(&self, field: Field) -> Option<Node<'t>> {
        self.child_by_field_id(field.id())
    }
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

/// Parse the part `range` of `text` alone (node offsets and positions are those of `text`),
/// reusing `old` (already `edit`ed), a tree of the same part. `None` if tree-sitter refuses the
/// range.
pub fn parse_range(text: &str, range: tree_sitter::Range, old: Option<&Tree>) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            let _ = parser.set_language(&language());
            parser
        });
        parser.set_included_ranges(&[range]).ok()?;
        let tree = parser.parse(text, old);
        // The whole text again for the next parse.
        let _ = parser.set_included_ranges(&[]);
        if tree.is_none() {
            parser.reset();
        }
        tree
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

/// A hash of how a statement with a syntax error was parsed (0 for a statement without one).
///
/// Around a syntax error, tree-sitter's error recovery is not local: the same text of a
/// statement can be parsed into other nodes when an error elsewhere in the file appears or goes
/// (it picks the cheapest recovery over the whole file). Whatever keeps facts or findings for a
/// statement by its text must tell such parses apart; a statement without an error has one
/// parse for its text. The walk is iterative and visits every node of the statement, which
/// costs only for statements with an error.
pub fn error_shape(statement: Node) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    if !statement.has_error() {
        return 0;
    }
    let mut hasher = foldhash::fast::FixedState::with_seed(0x7368_6170).build_hasher();
    let base = statement.start_byte();
    let mut cursor = statement.walk();
    loop {
        let node = cursor.node();
        (node.kind_id(), node.is_missing(), cursor.field_id()).hash(&mut hasher);
        (
            node.start_byte().saturating_sub(base),
            node.end_byte().saturating_sub(base),
        )
            .hash(&mut hasher);
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() || cursor.node() == statement {
                // `| 1`: never 0, the value of a statement without an error.
                return hasher.finish() | 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_in_the_grammar_and_in_its_slot() {
        let language = language();
        for (i, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field as usize, i, "{field:?} is out of order in Field::ALL");
            assert_eq!(
                language.field_id_for_name(field.name()).map(|id| id.get()),
                Some(field.id()),
                "{field:?}"
            );
        }
    }

    #[test]
    fn field_finds_the_same_child_as_child_by_field_name() {
        let tree = parse("x = f(a)\n", None);
        let assignment = tree
            .root_node()
            .named_child(0)
            .and_then(|s| s.named_child(0));
        let Some(assignment) = assignment else {
            panic!("no assignment in {}", tree.root_node().to_sexp());
        };
        for field in Field::ALL {
            assert_eq!(
                assignment.field(field),
                assignment.child_by_field_name(field.name()),
                "{field:?}"
            );
        }
        let call = assignment.field(Field::Right);
        assert_eq!(call.map(|c| c.kind()), Some("call"));
        assert_eq!(
            call.and_then(|c| c.field(Field::Function))
                .map(|f| f.kind()),
            Some("identifier")
        );
    }
}
