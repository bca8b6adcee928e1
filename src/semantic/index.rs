//! One linear walk over the tree that collects the nodes rules look at, the scopes (functions,
//! lambdas, class bodies), the local bindings (assignments, `with ... as`, `for` targets, `:=`)
//! grouped by scope and name for the data-flow classifier, and the `return` statements of each
//! function.
//!
//! Scopes are tracked with a stack during the walk (pre-order, so a scope is seen before its
//! contents), so building the index costs one pass whatever the nesting depth;
//! [`Index::scope_at`] then answers "which scope is this node in" by binary search.

use std::collections::HashMap;
use std::sync::OnceLock;

use tree_sitter::Node;

use super::node;
use crate::syntax::python::{Field, Fields, ModuleTree};

/// What the index collects, by node kind id.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Category {
    Call,
    Function,
    Class,
    Lambda,
    Import,
    Assignment,
    WithItem,
    For,
    Walrus,
    Return,
    Block,
    Comprehension,
    Guard,
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
                "lambda" => Category::Lambda,
                "import" => Category::Import,
                "assignment" => Category::Assignment,
                "with_item" => Category::WithItem,
                "for" => Category::For,
                "walrus" => Category::Walrus,
                "return" => Category::Return,
                "block" => Category::Block,
                "comprehension" => Category::Comprehension,
                "guard" => Category::Guard,
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

/// A call, with the parts most rules read taken apart once, when the module is indexed (every
/// rule that looks at calls would otherwise look them up again for every call).
#[derive(Debug, Clone, Copy)]
pub struct Call<'t> {
    /// The `call` node.
    pub node: Node<'t>,
    /// The called expression: `f` in `f(x)`, `a.b.c` in `a.b.c(x)`.
    pub function: Option<Node<'t>>,
    /// The name called: `f` in `f(x)`, `c` in `a.b.c(x)` (what [`node::callee_name`] gives).
    pub name: Option<&'t str>,
    /// The receiver of a method call: `a.b` in `a.b.c(x)` (what [`node::call_receiver`]
    /// gives).
    pub receiver: Option<Node<'t>>,
}

impl<'t> Call<'t> {
    fn new(node: Node<'t>, source: &'t str) -> Call<'t> {
        let function = node.field(Field::Function);
        let (name, receiver) = match function {
            Some(f) => match f.kind() {
                "identifier" => (Some(node::text(f, source)), None),
                "attribute" => (
                    f.field(Field::Attribute).map(|a| node::text(a, source)),
                    f.field(Field::Object),
                ),
                _ => (None, None),
            },
            None => (None, None),
        };
        Call {
            node,
            function,
            name,
            receiver,
        }
    }
}

/// A scope is a function, lambda or class body (by its start byte) or the module (`MODULE`).
pub type ScopeId = usize;
pub const MODULE: ScopeId = usize::MAX;

/// How a name got its value.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'t> {
    /// The statement (assignment, augmented assignment, with item), or the target of a `for`
    /// loop. Uses after its end see the value.
    pub node: Node<'t>,
    /// The expression whose value the name receives (`None` when it cannot be told, e.g.
    /// unpacking a call's result). For a `for` target: the iterable.
    pub value: Option<Node<'t>>,
    /// `x += v`: the name keeps its old value and adds `v`.
    pub augmented: bool,
    /// Byte range of the innermost block (or the module) holding the binding: the binding runs
    /// whenever a later use inside this range runs.
    pub block: (usize, usize),
}

/// A function, lambda or class body.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'t> {
    pub node: Node<'t>,
    /// Index of the enclosing scope in [`Index::scopes`], `None` for top-level scopes.
    pub parent: Option<usize>,
}

/// A statement or expression that may check a name against an allow-list: `if`, `elif`,
/// `assert`, `x if cond else y`.
#[derive(Debug, Clone, Copy)]
pub struct Guard<'t> {
    pub node: Node<'t>,
    /// Byte range of the innermost block (or the module) holding it.
    pub block: (usize, usize),
}

/// A comprehension or generator expression.
#[derive(Debug, Clone, Copy)]
struct Comprehension<'t> {
    node: Node<'t>,
    parent: Option<usize>,
}

/// What the walk keeps open while it descends: the scopes, comprehensions and blocks enclosing
/// the current node (each a stack of indexes or ranges).
#[derive(Default)]
struct Open {
    scopes: Vec<usize>,
    comprehensions: Vec<usize>,
    blocks: Vec<(usize, usize)>,
}

/// Longest walk up the scope tree when a node lies after a nested scope (bounded for inputs with
/// absurdly deep nesting; the module is assumed past it).
const MAX_SCOPE_WALK: usize = 10_000;

#[derive(Default)]
pub struct Index<'t> {
    /// Every call, in document order (a pre-order walk: sorted by start byte), so the calls of
    /// one definition are a slice found by binary search ([`Index::calls_in`]).
    pub calls: Vec<Node<'t>>,
    /// The same calls taken apart, in the same order.
    pub call_sites: Vec<Call<'t>>,
    pub functions: Vec<Node<'t>>,
    pub classes: Vec<Node<'t>>,
    pub imports: Vec<Node<'t>>,
    /// Assignments whose target is an attribute (`f.allow_tags = True`, `self.x = ...`).
    pub attribute_assignments: Vec<Node<'t>>,
    /// The top-level statements indexed, in order (all of them, or those an incremental
    /// analysis checks again).
    pub statements: Vec<Node<'t>>,
    /// Every scope, sorted by start byte.
    scopes: Vec<Scope<'t>>,
    bindings: HashMap<ScopeId, HashMap<&'t str, Vec<Binding<'t>>>>,
    /// `return` statements by the scope (function) they return from.
    returns: HashMap<ScopeId, Vec<Node<'t>>>,
    /// Comprehensions, sorted by start byte.
    comprehensions: Vec<Comprehension<'t>>,
    /// `if` / `elif` / `assert` / conditional expressions, sorted by start byte.
    guards: Vec<Guard<'t>>,
}

impl<'t> Index<'t> {
    /// The calls that start inside `node` (a contiguous run of [`Index::calls`]).
    pub fn calls_in(&self, node: Node) -> &[Node<'t>] {
        let lo = self
            .calls
            .partition_point(|c| c.start_byte() < node.start_byte());
        let hi = self
            .calls
            .partition_point(|c| c.start_byte() < node.end_byte());
        self.calls.get(lo..hi.max(lo)).unwrap_or_default()
    }

    /// Index the whole module.
    pub fn build(tree: impl Into<ModuleTree<'t>>, source: &'t str) -> Index<'t> {
        Index::build_filtered(tree, source, |_| true)
    }

    /// Index the module's top-level statements for which `keep` is true (the subtrees of the
    /// others are skipped). Incremental analysis indexes module-level statements and the
    /// definitions that changed, and reuses the findings of the rest.
    pub fn build_filtered(
        tree: impl Into<ModuleTree<'t>>,
        source: &'t str,
        keep: impl Fn(Node<'t>) -> bool,
    ) -> Index<'t> {
        let top = tree.into().top_level();
        Index::build_statements(top.into_iter().filter(|s| keep(*s)), source)
    }

    /// Index the given top-level statements (in order).
    pub fn build_statements(
        statements: impl IntoIterator<Item = Node<'t>>,
        source: &'t str,
    ) -> Index<'t> {
        let mut index = Index::default();
        for statement in statements {
            index.walk(statement, source);
            index.statements.push(statement);
        }
        index
    }

    /// Pre-order walk of one subtree without recursion.
    fn walk(&mut self, root: Node<'t>, source: &'t str) {
        let table = categories();
        let mut cursor = root.walk();
        let mut open = Open::default();
        loop {
            let n = cursor.node();
            if let Some(Some(category)) = table.get(usize::from(n.kind_id())) {
                self.visit(n, *category, &mut open, source);
            }
            if cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() || cursor.node().id() == root.id() {
                    return;
                }
            }
        }
    }

    fn visit(&mut self, n: Node<'t>, category: Category, open: &mut Open, source: &'t str) {
        while let Some(&top) = open.scopes.last() {
            let contains = self
                .scopes
                .get(top)
                .is_some_and(|s| node::contains(s.node, n) && s.node != n);
            if contains {
                break;
            }
            open.scopes.pop();
        }
        while let Some(&top) = open.comprehensions.last() {
            let contains = self
                .comprehensions
                .get(top)
                .is_some_and(|c| node::contains(c.node, n) && c.node != n);
            if contains {
                break;
            }
            open.comprehensions.pop();
        }
        while let Some(&(start, end)) = open.blocks.last() {
            if start <= n.start_byte() && n.end_byte() <= end {
                break;
            }
            open.blocks.pop();
        }
        let scope = open
            .scopes
            .last()
            .and_then(|&i| self.scopes.get(i))
            .map_or(MODULE, |s| s.node.start_byte());
        let block = open.blocks.last().copied().unwrap_or((0, usize::MAX));
        match category {
            Category::Call => {
                self.calls.push(n);
                self.call_sites.push(Call::new(n, source));
            }
            Category::Function | Category::Class | Category::Lambda => {
                self.scopes.push(Scope {
                    node: n,
                    parent: open.scopes.last().copied(),
                });
                open.scopes.push(self.scopes.len() - 1);
                match category {
                    Category::Function => self.functions.push(n),
                    Category::Class => self.classes.push(n),
                    _ => {}
                }
            }
            Category::Import => self.imports.push(n),
            Category::Assignment => self.add_assignment(n, scope, block, source),
            Category::WithItem => self.add_with_item(n, scope, block, source),
            Category::For => self.add_for(n, scope, block, source),
            Category::Walrus => self.add_walrus(n, scope, block, source),
            Category::Return => self.returns.entry(scope).or_default().push(n),
            Category::Block => open.blocks.push((n.start_byte(), n.end_byte())),
            Category::Comprehension => {
                self.comprehensions.push(Comprehension {
                    node: n,
                    parent: open.comprehensions.last().copied(),
                });
                open.comprehensions.push(self.comprehensions.len() - 1);
            }
            Category::Guard => self.guards.push(Guard { node: n, block }),
        }
    }

    /// The comprehensions enclosing `n`, innermost first (at most `limit`).
    pub fn comprehensions_around(&self, n: Node, limit: usize) -> Vec<Node<'t>> {
        let start = n.start_byte();
        let after = self
            .comprehensions
            .partition_point(|c| c.node.start_byte() <= start);
        let mut out = Vec::new();
        let mut candidate = after.checked_sub(1);
        let mut steps = 0;
        while let Some(i) = candidate {
            let Some(c) = self.comprehensions.get(i) else {
                break;
            };
            steps += 1;
            if steps > MAX_SCOPE_WALK || out.len() >= limit {
                break;
            }
            if node::contains(c.node, n) && c.node != n {
                out.push(c.node);
            }
            candidate = c.parent;
        }
        out
    }

    /// The guards that start before `n` (or with it), nearest first (at most `limit`), from
    /// `from` on.
    pub fn guards_before(
        &self,
        n: Node,
        from: usize,
        limit: usize,
    ) -> impl Iterator<Item = &Guard<'t>> {
        let start = n.start_byte();
        // `<=`: a conditional expression starts with its value (`x if x in OK else y`).
        let end = self
            .guards
            .partition_point(|g| g.node.start_byte() <= start);
        let begin = self.guards.partition_point(|g| g.node.start_byte() < from);
        self.guards
            .get(begin..end)
            .unwrap_or(&[])
            .iter()
            .rev()
            .take(limit)
    }

    /// The bindings of `name` in `scope`, in source order.
    pub fn bindings(&self, scope: ScopeId, name: &str) -> &[Binding<'t>] {
        self.bindings
            .get(&scope)
            .and_then(|names| names.get(name))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every name bound in `scope` with its bindings, in no particular order.
    pub fn names_in(&self, scope: ScopeId) -> impl Iterator<Item = (&'t str, &[Binding<'t>])> {
        self.bindings
            .get(&scope)
            .into_iter()
            .flat_map(|names| names.iter().map(|(n, b)| (*n, b.as_slice())))
    }

    /// The `return` statements of a function (not of the functions nested in it), in source
    /// order.
    pub fn returns(&self, function: Node) -> &[Node<'t>] {
        self.returns
            .get(&function.start_byte())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The innermost scope strictly containing `n`, as an index into the scope list.
    fn scope_index(&self, n: Node) -> Option<usize> {
        let start = n.start_byte();
        // The last scope starting before `n`: if it contains `n` it is the innermost one;
        // otherwise `n` lies after it, in one of its ancestors.
        let after = self.scopes.partition_point(|s| s.node.start_byte() < start);
        let mut candidate = after.checked_sub(1);
        let mut steps = 0;
        while let Some(i) = candidate {
            let scope = self.scopes.get(i)?;
            if node::contains(scope.node, n) && scope.node != n {
                return Some(i);
            }
            steps += 1;
            if steps > MAX_SCOPE_WALK {
                return None;
            }
            candidate = scope.parent;
        }
        None
    }

    /// The scope `n` belongs to: its enclosing function, lambda or class body, or the module.
    pub fn scope_at(&self, n: Node) -> ScopeId {
        self.scope_index(n)
            .and_then(|i| self.scopes.get(i))
            .map_or(MODULE, |s| s.node.start_byte())
    }

    /// The node of scope `scope` (`None` for the module).
    pub fn scope_node(&self, scope: ScopeId) -> Option<Node<'t>> {
        if scope == MODULE {
            return None;
        }
        let i = self.scopes.partition_point(|s| s.node.start_byte() < scope);
        self.scopes
            .get(i)
            .filter(|s| s.node.start_byte() == scope)
            .map(|s| s.node)
    }

    /// The scopes enclosing `scope`, innermost first, ending with the module; at most `limit`.
    pub fn enclosing_scopes(&self, scope: ScopeId, limit: usize) -> Vec<ScopeId> {
        let mut out = Vec::new();
        let i = self.scopes.partition_point(|s| s.node.start_byte() < scope);
        let mut current = self
            .scopes
            .get(i)
            .filter(|s| s.node.start_byte() == scope)
            .and_then(|s| s.parent);
        while let Some(p) = current {
            if out.len() >= limit {
                break;
            }
            let Some(s) = self.scopes.get(p) else { break };
            out.push(s.node.start_byte());
            current = s.parent;
        }
        if scope != MODULE {
            out.push(MODULE);
        }
        out
    }

    /// The function (or lambda) whose body `n` is in, not counting class bodies in between.
    pub fn enclosing_function(&self, n: Node) -> Option<Node<'t>> {
        let i = self.scope_index(n)?;
        let scope = self.scopes.get(i)?;
        matches!(scope.node.kind(), "function_definition" | "lambda").then_some(scope.node)
    }

    fn bind(&mut self, scope: ScopeId, target: Node<'t>, binding: Binding<'t>, source: &'t str) {
        self.bindings
            .entry(scope)
            .or_default()
            .entry(node::text(target, source))
            .or_default()
            .push(binding);
    }

    fn add_assignment(
        &mut self,
        stmt: Node<'t>,
        scope: ScopeId,
        block: (usize, usize),
        source: &'t str,
    ) {
        let (Some(left), right) = (stmt.field(Field::Left), stmt.field(Field::Right)) else {
            return;
        };
        let augmented = stmt.kind() == "augmented_assignment";
        if left.kind() == "attribute" {
            self.attribute_assignments.push(stmt);
        }
        // `a = b = value`: the right side is itself an assignment.
        let mut value = right;
        while let Some(v) = value.filter(|v| v.kind() == "assignment") {
            if let Some(inner_left) = v.field(Field::Left)
                && inner_left.kind() == "identifier"
            {
                let inner_value = innermost_value(v);
                self.bind(
                    scope,
                    inner_left,
                    Binding {
                        node: stmt,
                        value: inner_value,
                        augmented,
                        block,
                    },
                    source,
                );
            }
            value = v.field(Field::Right);
        }
        match left.kind() {
            "identifier" => self.bind(
                scope,
                left,
                Binding {
                    node: stmt,
                    value,
                    augmented,
                    block,
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
                            scope,
                            *target,
                            Binding {
                                node: stmt,
                                value: v,
                                augmented,
                                block,
                            },
                            source,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn add_with_item(
        &mut self,
        item: Node<'t>,
        scope: ScopeId,
        block: (usize, usize),
        source: &'t str,
    ) {
        // `with expr as name`: tree-sitter-python gives `as_pattern` with an `alias` field.
        let Some(value) = item.field(Field::Value) else {
            return;
        };
        if value.kind() != "as_pattern" {
            return;
        }
        let Some(target) = value
            .field(Field::Alias)
            .and_then(|a| a.named_child(0).or(Some(a)))
        else {
            return;
        };
        if target.kind() != "identifier" {
            return;
        }
        let expr = value.named_child(0);
        self.bind(
            scope,
            target,
            Binding {
                node: item,
                value: expr,
                augmented: false,
                block,
            },
            source,
        );
    }

    /// `(name := value)` binds `name` in the enclosing function.
    fn add_walrus(
        &mut self,
        expr: Node<'t>,
        scope: ScopeId,
        block: (usize, usize),
        source: &'t str,
    ) {
        let Some(target) = expr.field(Field::Name).filter(|n| n.kind() == "identifier") else {
            return;
        };
        let value = expr.field(Field::Value);
        self.bind(
            scope,
            target,
            Binding {
                node: expr,
                value,
                augmented: false,
                block,
            },
            source,
        );
    }

    /// `for x in items:` binds `x` (and each name of `for a, b in ...`) to an element of
    /// `items`; the classifier gives an element the flow of its container. The binding's node is
    /// the target, so uses in the loop body come after it.
    fn add_for(&mut self, stmt: Node<'t>, scope: ScopeId, block: (usize, usize), source: &'t str) {
        let (Some(left), Some(right)) = (stmt.field(Field::Left), stmt.field(Field::Right)) else {
            return;
        };
        let targets: Vec<Node> = match left.kind() {
            "identifier" => vec![left],
            "pattern_list" | "tuple_pattern" | "list_pattern" => {
                let mut cursor = left.walk();
                left.named_children(&mut cursor)
                    .filter(|t| t.kind() == "identifier")
                    .collect()
            }
            _ => Vec::new(),
        };
        for target in targets {
            self.bind(
                scope,
                target,
                Binding {
                    node: left,
                    value: Some(right),
                    augmented: false,
                    block,
                },
                source,
            );
        }
    }
}

fn innermost_value(mut assignment: Node) -> Option<Node> {
    loop {
        let right = assignment.field(Field::Right)?;
        if right.kind() == "assignment" {
            assignment = right;
        } else {
            return Some(right);
        }
    }
}

/// The scope a node belongs to, by walking up its ancestors: O(depth). Prefer
/// [`Index::scope_at`], which is a binary search.
pub fn scope_of(n: Node) -> ScopeId {
    node::ancestor(n, &["function_definition", "lambda", "class_definition"])
        .map_or(MODULE, |f| f.start_byte())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::python;
    use tree_sitter::Tree;

    fn find<'t>(tree: &'t Tree, src: &str, needle: &str) -> Option<Node<'t>> {
        let at = src.find(needle)?;
        tree.root_node()
            .named_descendant_for_byte_range(at, at + needle.len())
    }

    #[test]
    fn every_kind_in_the_query_file_exists() {
        let table = categories();
        assert_eq!(table.iter().filter(|c| c.is_some()).count(), 21);
    }

    #[test]
    fn calls_in_a_definition_are_the_calls_it_contains() {
        let src = "a()\ndef f():\n    b(c())\n    def g():\n        d()\ne()\n";
        let tree = python::parse(src, None);
        let index = Index::build(&tree, src);
        let starts: Vec<usize> = index.calls.iter().map(|c| c.start_byte()).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
        let text = |nodes: &[Node]| -> Vec<String> {
            nodes
                .iter()
                .map(|n| src[n.byte_range()].to_string())
                .collect()
        };
        let f = index.functions[0];
        assert_eq!(text(index.calls_in(f)), ["b(c())", "c()", "d()"]);
        let g = index.functions[1];
        assert_eq!(text(index.calls_in(g)), ["d()"]);
        // The same as filtering every call by containment.
        for def in &index.functions {
            let slow: Vec<Node> = index
                .calls
                .iter()
                .copied()
                .filter(|c| node::contains(*def, *c))
                .collect();
            assert_eq!(index.calls_in(*def), slow.as_slice());
        }
    }

    #[test]
    fn call_sites_are_the_calls_taken_apart() {
        let src = "f(1)\na.b.c(2)\nx[0](3)\n(g)(4)\nself.d(e())\n";
        let tree = python::parse(src, None);
        let index = Index::build(&tree, src);
        assert_eq!(index.call_sites.len(), index.calls.len());
        for (site, call) in index.call_sites.iter().zip(&index.calls) {
            assert_eq!(site.node, *call);
            assert_eq!(site.function, call.field(Field::Function));
            assert_eq!(site.name, node::callee_name(*call, src));
            assert_eq!(site.receiver, node::call_receiver(*call));
        }
        let names: Vec<Option<&str>> = index.call_sites.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [Some("f"), Some("c"), None, None, Some("d"), Some("e")]
        );
        let receiver = index.call_sites[1].receiver.map(|r| &src[r.byte_range()]);
        assert_eq!(receiver, Some("a.b"));
    }

    #[test]
    fn deep_nesting_is_linear() {
        let src = format!("x = {}\nf(1)\n", "[".repeat(100_000));
        let tree = crate::syntax::python::parse(&src, None);
        let index = Index::build(&tree, &src);
        assert!(index.calls.len() <= 1);
    }

    #[test]
    fn scopes_bindings_and_returns() {
        let src = "X = 1\nclass C:\n    template = 'a'\n    def m(self):\n        y = 2\n        f = lambda: zz\n        return y\n    after = 3\nfor k in X:\n    pass\nw = 4\n";
        let tree = python::parse(src, None);
        let index = Index::build(&tree, src);
        let class = find(&tree, src, "class C")
            .and_then(|n| node::ancestor(n, &["class_definition"]).or(Some(n)));
        let Some(class) = class.filter(|c| c.kind() == "class_definition") else {
            panic!("no class node");
        };
        let class_scope = class.start_byte();
        assert_eq!(index.bindings(class_scope, "template").len(), 1);
        assert_eq!(index.bindings(class_scope, "after").len(), 1);
        assert_eq!(index.bindings(MODULE, "template").len(), 0);
        assert_eq!(index.bindings(MODULE, "w").len(), 1);
        assert_eq!(index.bindings(MODULE, "k").len(), 1);
        let Some(y) = find(&tree, src, "y = 2").and_then(|n| n.parent()) else {
            panic!("no assignment");
        };
        let function_scope = index.scope_at(y);
        assert_ne!(function_scope, MODULE);
        assert_eq!(index.bindings(function_scope, "y").len(), 1);
        let Some(function) = index.scope_node(function_scope) else {
            panic!("no function scope node");
        };
        assert_eq!(index.returns(function).len(), 1);
        assert_eq!(
            index.enclosing_scopes(function_scope, 8),
            vec![class_scope, MODULE]
        );
        let Some(zz) = find(&tree, src, "zz") else {
            panic!("no zz");
        };
        assert_eq!(
            index.enclosing_function(zz).map(|f| f.kind()),
            Some("lambda")
        );
        let Some(w) = find(&tree, src, "w = 4") else {
            panic!("no w");
        };
        assert_eq!(index.scope_at(w), MODULE);
        assert_eq!(index.attribute_assignments.len(), 0);
    }
}
