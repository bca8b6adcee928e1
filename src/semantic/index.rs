//! One query pass over the tree that collects the nodes rules look at, and the local bindings
//! (assignments, `with ... as`) grouped by scope and name for the data-flow classifier.

use std::collections::HashMap;
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use super::node;

/// What the index collects, by node kind id.
#[derive(Clone, Copy)]
enum Category {
    Call,
    Function,
    Class,
    Import,
    Assignment,
    WithItem,
    Comment,
}

/// Node kind ids → category, from `queries/python/index.scm`.
///
/// The file lists one `(kind) @capture` pattern per line. It is not run through tree-sitter's
/// query engine: that engine is slow on deeply nested trees (seconds for 100k nesting levels),
/// and a single cursor walk that dispatches on kind ids is linear whatever the shape.
fn categories() -> &'static [Option<Category>] {
    static TABLE: OnceLock<Vec<Option<Category>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let language = crate::syntax::python::language();
        let mut table = vec![None; language.node_kind_count()];
        for line in include_str!("../../queries/python/index.scm").lines() {
            let line = line.trim();
            let Some(rest) = line.strip_prefix('(') else {
                continue;
            };
            let Some((kind, capture)) = rest.split_once(')') else {
                continue;
            };
            let category = match capture.trim().trim_start_matches('@') {
                "call" => Category::Call,
                "function" => Category::Function,
                "class" => Category::Class,
                "import" => Category::Import,
                "assignment" => Category::Assignment,
                "with_item" => Category::WithItem,
                "comment" => Category::Comment,
                other => {
                    tracing::error!("queries/python/index.scm: unknown capture @{other}");
                    continue;
                }
            };
            let id = language.id_for_node_kind(kind.trim(), true);
            if let Some(slot) = table.get_mut(usize::from(id)).filter(|_| id != 0) {
                *slot = Some(category);
            } else {
                tracing::error!("queries/python/index.scm: unknown node kind {kind}");
            }
        }
        table
    })
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
    /// Index the whole module.
    pub fn build(tree: &'t Tree, source: &'t str) -> Index<'t> {
        Index::build_filtered(tree, source, |_| true)
    }

    /// Index the module's top-level statements for which `keep` is true (the subtrees of the
    /// others are skipped). Incremental analysis indexes module-level statements and the
    /// definitions that changed, and reuses the findings of the rest.
    pub fn build_filtered(
        tree: &'t Tree,
        source: &'t str,
        keep: impl Fn(Node<'t>) -> bool,
    ) -> Index<'t> {
        let mut index = Index::default();
        let root = tree.root_node();
        let mut top = root.walk();
        for statement in root.children(&mut top) {
            if keep(statement) {
                index.walk(statement, source);
            }
        }
        index
    }

    /// Pre-order walk of one subtree without recursion.
    fn walk(&mut self, root: Node<'t>, source: &'t str) {
        let table = categories();
        let mut cursor = root.walk();
        loop {
            let n = cursor.node();
            if let Some(Some(category)) = table.get(usize::from(n.kind_id())) {
                match category {
                    Category::Call => self.calls.push(n),
                    Category::Function => self.functions.push(n),
                    Category::Class => self.classes.push(n),
                    Category::Import => self.imports.push(n),
                    Category::Comment => self.comments.push(n),
                    Category::Assignment => self.add_assignment(n, source),
                    Category::WithItem => self.add_with_item(n, source),
                }
            }
            if cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
                if cursor.node().id() == root.id() {
                    return;
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_in_the_query_file_exists() {
        let table = categories();
        assert_eq!(table.iter().filter(|c| c.is_some()).count(), 9);
    }

    #[test]
    fn deep_nesting_is_linear() {
        let src = format!("x = {}\nf(1)\n", "[".repeat(100_000));
        let tree = crate::syntax::python::parse(&src, None);
        let index = Index::build(&tree, &src);
        assert!(index.calls.len() <= 1);
    }
}
