//! One query pass over the tree that collects the nodes rules look at, and the local bindings
//! (assignments, `with ... as`) grouped by scope and name for the data-flow classifier.

use std::collections::HashMap;
use std::sync::OnceLock;

use tree_sitter::{Node, Query, QueryCursor, StreamingIterator, Tree};

use super::node;

/// The query file the index runs, compiled once.
fn query() -> Option<&'static Query> {
    static QUERY: OnceLock<Option<Query>> = OnceLock::new();
    QUERY
        .get_or_init(|| {
            match Query::new(
                &crate::syntax::python::language(),
                include_str!("../../queries/python/index.scm"),
            ) {
                Ok(q) => Some(q),
                Err(err) => {
                    tracing::error!("queries/python/index.scm does not compile: {err}");
                    None
                }
            }
        })
        .as_ref()
}

/// A scope is a function (by its start byte) or the module (`MODULE`).
pub type ScopeId = usize;
pub const MODULE: ScopeId = usize::MAX;

/// How a name got its value.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'t> {
    /// The statement (assignment, augmented assignment, with item).
    pub node: Node<'t>,
    /// The expression whose value the name receives (`None` when it cannot be told, e.g.
    /// unpacking a call's result).
    pub value: Option<Node<'t>>,
    /// `x += v`: the name keeps its old value and adds `v`.
    pub augmented: bool,
}

#[derive(Default)]
pub struct Index<'t> {
    pub calls: Vec<Node<'t>>,
    pub functions: Vec<Node<'t>>,
    pub classes: Vec<Node<'t>>,
    pub imports: Vec<Node<'t>>,
    pub comments: Vec<Node<'t>>,
    bindings: HashMap<ScopeId, HashMap<&'t str, Vec<Binding<'t>>>>,
}

impl<'t> Index<'t> {
    pub fn build(tree: &'t Tree, source: &'t str) -> Index<'t> {
        let mut index = Index::default();
        let Some(query) = query() else {
            return index;
        };
        let names = query.capture_names();
        let mut cursor = QueryCursor::new();
        let mut captures = cursor.captures(query, tree.root_node(), source.as_bytes());
        while let Some((m, i)) = captures.next() {
            let Some(capture) = m.captures.get(*i) else {
                continue;
            };
            let n = capture.node;
            match names.get(capture.index as usize).copied() {
                Some("call") => index.calls.push(n),
                Some("function") => index.functions.push(n),
                Some("class") => index.classes.push(n),
                Some("import") => index.imports.push(n),
                Some("comment") => index.comments.push(n),
                Some("assignment") => index.add_assignment(n, source),
                Some("with_item") => index.add_with_item(n, source),
                _ => {}
            }
        }
        index
    }

    /// The bindings of `name` in `scope`, in source order.
    pub fn bindings(&self, scope: ScopeId, name: &str) -> &[Binding<'t>] {
        self.bindings
            .get(&scope)
            .and_then(|names| names.get(name))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn bind(&mut self, target: Node<'t>, binding: Binding<'t>, source: &'t str) {
        let scope = scope_of(target);
        self.bindings
            .entry(scope)
            .or_default()
            .entry(node::text(target, source))
            .or_default()
            .push(binding);
    }

    fn add_assignment(&mut self, stmt: Node<'t>, source: &'t str) {
        let (Some(left), right) = (
            stmt.child_by_field_name("left"),
            stmt.child_by_field_name("right"),
        ) else {
            return;
        };
        let augmented = stmt.kind() == "augmented_assignment";
        // `a = b = value`: the right side is itself an assignment.
        let mut value = right;
        while let Some(v) = value.filter(|v| v.kind() == "assignment") {
            if let Some(inner_left) = v.child_by_field_name("left")
                && inner_left.kind() == "identifier"
            {
                let inner_value = innermost_value(v);
                self.bind(
                    inner_left,
                    Binding {
                        node: stmt,
                        value: inner_value,
                        augmented,
                    },
                    source,
                );
            }
            value = v.child_by_field_name("right");
        }
        match left.kind() {
            "identifier" => self.bind(
                left,
                Binding {
                    node: stmt,
                    value,
                    augmented,
                },
                source,
            ),
            "pattern_list" | "tuple_pattern" | "list_pattern" => {
                let mut cursor = left.walk();
                let targets: Vec<Node> = left.named_children(&mut cursor).collect();
                let values: Option<Vec<Node>> = value
                    .filter(|v| matches!(v.kind(), "expression_list" | "tuple" | "list"))
                    .map(|v| {
                        let mut c = v.walk();
                        v.named_children(&mut c).collect()
                    })
                    .filter(|vals: &Vec<Node>| vals.len() == targets.len());
                for (i, target) in targets.iter().enumerate() {
                    if target.kind() == "identifier" {
                        let v = values.as_ref().and_then(|vals| vals.get(i).copied());
                        self.bind(
                            *target,
                            Binding {
                                node: stmt,
                                value: v,
                                augmented,
                            },
                            source,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn add_with_item(&mut self, item: Node<'t>, source: &'t str) {
        // `with expr as name`: tree-sitter-python gives `as_pattern` with an `alias` field.
        let Some(value) = item.child_by_field_name("value") else {
            return;
        };
        if value.kind() != "as_pattern" {
            return;
        }
        let Some(target) = value
            .child_by_field_name("alias")
            .and_then(|a| a.named_child(0).or(Some(a)))
        else {
            return;
        };
        if target.kind() != "identifier" {
            return;
        }
        let expr = value.named_child(0);
        self.bind(
            target,
            Binding {
                node: item,
                value: expr,
                augmented: false,
            },
            source,
        );
    }
}

fn innermost_value(mut assignment: Node) -> Option<Node> {
    loop {
        let right = assignment.child_by_field_name("right")?;
        if right.kind() == "assignment" {
            assignment = right;
        } else {
            return Some(right);
        }
    }
}

/// The scope a node belongs to: its enclosing function, or the module.
pub fn scope_of(n: Node) -> ScopeId {
    node::ancestor(n, &["function_definition", "lambda", "class_definition"])
        .filter(|s| s.kind() != "class_definition")
        .map_or(MODULE, |f| f.start_byte())
}
