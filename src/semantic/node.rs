//! Small helpers over tree-sitter nodes. Nothing here recurses: trees can be 100k deep.

use tree_sitter::Node;

use crate::syntax::python::{Field, Fields};

/// `name = value` as a statement of its own (module level or a class body): the target name's
/// node and the value. `None` for any other statement (targets that are attributes, subscripts
/// or tuples included).
pub fn name_assignment(statement: Node) -> Option<(Node, Node)> {
    if statement.kind() != "expression_statement" {
        return None;
    }
    let assignment = statement
        .named_child(0)
        .filter(|a| a.kind() == "assignment")?;
    let left = assignment
        .field(Field::Left)
        .filter(|l| l.kind() == "identifier")?;
    Some((left, assignment.field(Field::Right)?))
}

/// The `def` or `class` a statement defines, through its decorators; `None` for any other
/// statement.
pub fn definition(statement: Node) -> Option<Node> {
    let definition = if definition_kind(statement) == DefinitionKind::Decorated {
        statement.field(Field::Definition)?
    } else {
        statement
    };
    (definition_kind(definition) == DefinitionKind::Definition).then_some(definition)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefinitionKind {
    Decorated,
    Definition,
    Other,
}

/// What [`definition`] makes of a node's kind, by its kind id (looked up in a table made once
/// from tree-sitter-python's kind names: comparing the names costs more, and this runs for
/// every top-level statement on every keystroke).
fn definition_kind(node: Node) -> DefinitionKind {
    static KINDS: std::sync::OnceLock<Vec<DefinitionKind>> = std::sync::OnceLock::new();
    let kinds = KINDS.get_or_init(|| {
        let language = crate::syntax::python::language();
        (0..language.node_kind_count())
            .map(|id| {
                match u16::try_from(id)
                    .ok()
                    .and_then(|id| language.node_kind_for_id(id))
                {
                    Some("decorated_definition") => DefinitionKind::Decorated,
                    Some("function_definition" | "class_definition") => DefinitionKind::Definition,
                    _ => DefinitionKind::Other,
                }
            })
            .collect()
    });
    kinds
        .get(usize::from(node.kind_id()))
        .copied()
        .unwrap_or(DefinitionKind::Other)
}

/// The source text of a node ("" when the node's range is not valid for `source`).
pub fn text<'s>(node: Node, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// The innermost enclosing node of one of `kinds`, excluding `node` itself.
pub fn ancestor<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut current = node.parent();
    while let Some(n) = current {
        if kinds.contains(&n.kind()) {
            return Some(n);
        }
        current = n.parent();
    }
    None
}

/// The function whose body contains `node` (not counting `node` itself), if any.
pub fn enclosing_function(node: Node) -> Option<Node> {
    ancestor(node, &["function_definition", "lambda"])
}

/// True when `inner` lies within `outer` (ranges, inclusive).
pub fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Strip any number of parentheses around an expression.
pub fn unparenthesize(mut node: Node) -> Node {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) if inner.kind() != "comment" => node = inner,
            _ => break,
        }
    }
    node
}

/// The positional (non-keyword) arguments of a call's `argument_list`.
pub fn positional_args<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let Some(args) = call.field(Field::Arguments) else {
        return Vec::new();
    };
    // `f(x for x in y)`: the generator is the only argument.
    if args.kind() == "generator_expression" {
        return vec![args];
    }
    let mut cursor = args.walk();
    args.named_children(&mut cursor)
        .filter(|n| {
            !matches!(
                n.kind(),
                "keyword_argument" | "comment" | "list_splat" | "dictionary_splat"
            )
        })
        .collect()
}

/// The value of keyword argument `name` in a call, if given.
pub fn keyword_arg<'t>(call: Node<'t>, name: &str, source: &str) -> Option<Node<'t>> {
    let args = call.field(Field::Arguments)?;
    let mut cursor = args.walk();
    let found = args
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "keyword_argument")
        .find(|n| {
            n.field(Field::Name)
                .is_some_and(|k| text(k, source) == name)
        });
    found.and_then(|kw| kw.field(Field::Value))
}

/// The number of arguments of any kind in a call.
pub fn arg_count(call: Node) -> usize {
    call.field(Field::Arguments)
        .map(|args| {
            if args.kind() == "generator_expression" {
                return 1;
            }
            let mut cursor = args.walk();
            args.named_children(&mut cursor)
                .filter(|n| n.kind() != "comment")
                .count()
        })
        .unwrap_or(0)
}

/// For `a.b.c(...)`, the final attribute name (`c`); for `f(...)`, `f`.
pub fn callee_name<'s>(call: Node, source: &'s str) -> Option<&'s str> {
    let function = call.field(Field::Function)?;
    match function.kind() {
        "identifier" => Some(text(function, source)),
        "attribute" => function.field(Field::Attribute).map(|a| text(a, source)),
        _ => None,
    }
}

/// The receiver of a method call `recv.m(...)`.
pub fn call_receiver(call: Node) -> Option<Node> {
    let function = call.field(Field::Function)?;
    (function.kind() == "attribute")
        .then(|| function.field(Field::Object))
        .flatten()
}

/// Whether a string node has interpolations (an f-string).
pub fn is_fstring(string: Node) -> bool {
    let mut cursor = string.walk();
    string
        .named_children(&mut cursor)
        .any(|c| c.kind() == "interpolation")
}

/// The start byte of the line containing `byte`.
pub fn line_start(source: &str, byte: usize) -> usize {
    let byte = byte.min(source.len());
    source[..byte].rfind('\n').map_or(0, |i| i + 1)
}

/// The leading whitespace of the line containing `byte`.
pub fn line_indent(source: &str, byte: usize) -> &str {
    let start = line_start(source, byte);
    let rest = &source[start..];
    let len = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..len]
}

/// Visit `root` and its descendants in order, without recursion; `visit` returns whether to
/// enter the node's children.
pub fn walk<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
    let root_id = root.id();
    let mut cursor = root.walk();
    loop {
        let n = cursor.node();
        if visit(n) && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node().id() == root_id {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}
