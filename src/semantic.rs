//! What a Python module means, as far as security rules need it, computed without running it.
//!
//! - [`imports`]: which local names are bound to which qualified names (`ms` → `django.utils.safestring.mark_safe`).
//! - [`index`]: the nodes the rules look at, gathered in one query pass (`queries/python/index.scm`).
//! - [`flow`]: where a value comes from within its function: constant, escaped, request data or unknown.
//! - [`sources`]: the tables of request sources and sanitizers (data, so configuration can extend them).

pub mod flow;
pub mod imports;
pub mod index;
pub mod node;
pub mod sources;
pub mod strings;

pub use flow::{Flow, Level};
pub use imports::Imports;
pub use index::Index;
pub use sources::SinkKind;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::syntax::python::{Field, Fields, ModuleTree};

/// Everything the Python rules need about one module.
pub struct Model<'a> {
    pub source: &'a str,
    pub tree: ModuleTree<'a>,
    pub imports: Imports,
    pub index: Index<'a>,
    pub sources: &'a sources::Tables,
    /// Qualified names already resolved in this analysis run, by node id: every rule asks about
    /// the same calls.
    resolved: std::cell::RefCell<HashMap<usize, Option<String>, BuildHasherDefault<NodeIdHasher>>>,
}

impl<'a> Model<'a> {
    pub fn build(
        source: &'a str,
        tree: impl Into<ModuleTree<'a>>,
        sources: &'a sources::Tables,
    ) -> Model<'a> {
        let tree = tree.into();
        Model::with_index(source, tree, sources, Index::build(tree, source))
    }

    /// A model over an index of part of the module (see [`Index::build_filtered`]).
    pub fn with_index(
        source: &'a str,
        tree: impl Into<ModuleTree<'a>>,
        sources: &'a sources::Tables,
        index: Index<'a>,
    ) -> Model<'a> {
        let imports = Imports::collect(&index, source);
        Model {
            source,
            tree: tree.into(),
            imports,
            index,
            sources,
            resolved: Default::default(),
        }
    }

    /// The text of a node.
    pub fn text(&self, node: tree_sitter::Node) -> &'a str {
        node::text(node, self.source)
    }

    /// The qualified name an expression refers to, when it is an imported name or an attribute
    /// of one (`safestring.mark_safe` → `django.utils.safestring.mark_safe`).
    ///
    /// An import inside a function applies in that function only. A name that a function rebinds locally (a parameter or an assignment in the function)
    /// shadows the import and resolves to nothing.
    pub fn qualified_name(&self, node: tree_sitter::Node) -> Option<String> {
        if let Ok(cache) = self.resolved.try_borrow()
            && let Some(known) = cache.get(&node.id())
        {
            return known.clone();
        }
        let resolved = self.resolve_uncached(node);
        if let Ok(mut cache) = self.resolved.try_borrow_mut() {
            cache.insert(node.id(), resolved.clone());
        }
        resolved
    }

    fn resolve_uncached(&self, node: tree_sitter::Node) -> Option<String> {
        let qualified = if self.imports.has_scoped() {
            let scope = self.index.scope_at(node);
            let mut scopes = vec![scope];
            scopes.extend(self.index.enclosing_scopes(scope, 8));
            self.imports.resolve_in(node, self.source, &scopes)?
        } else {
            self.imports.resolve(node, self.source)?
        };
        if self.is_shadowed(node) {
            return None;
        }
        Some(qualified)
    }

    /// Whether the root name of `expr` (`a` of `a.b.c`) is bound locally in the function
    /// enclosing `expr`.
    fn is_shadowed(&self, expr: tree_sitter::Node) -> bool {
        let mut root = expr;
        while root.kind() == "attribute" {
            match root.field(Field::Object) {
                Some(object) => root = object,
                None => return false,
            }
        }
        if root.kind() != "identifier" {
            return false;
        }
        let Some(function) = self.index.enclosing_function(root) else {
            return false;
        };
        let name = self.text(root);
        if !self.index.bindings(function.start_byte(), name).is_empty() {
            return true;
        }
        function.field(Field::Parameters).is_some_and(|params| {
            let mut cursor = params.walk();
            params
                .named_children(&mut cursor)
                .any(|p| flow::parameter_name(p, self.source) == Some(name))
        })
    }

    /// Classify where the value of `expr` comes from, for an HTML sink.
    pub fn flow(&self, expr: tree_sitter::Node) -> Flow {
        flow::classify(self, expr)
    }

    /// Classify where the value of `expr` comes from, for the given kind of sink (sanitizers
    /// only count for the sinks they clean for).
    pub fn flow_for(&self, expr: tree_sitter::Node, sink: sources::SinkKind) -> Flow {
        flow::classify_with(self, expr, flow::Query::sink(sink))
    }

    /// Classify with a full query (sink and trusted parameters).
    pub fn flow_with(&self, expr: tree_sitter::Node, query: flow::Query) -> Flow {
        flow::classify_with(self, expr, query)
    }
}

/// A hasher for node ids (addresses inside the tree): one multiplication instead of SipHash,
/// which was a large part of a cached [`Model::qualified_name`] lookup. Not for untrusted keys.
#[derive(Default)]
struct NodeIdHasher(u64);

impl Hasher for NodeIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        // Fibonacci hashing, rotated so that the low bits (the bucket) depend on all of `n`.
        self.0 = (self.0 ^ n)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(26);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}
