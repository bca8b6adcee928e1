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

use tree_sitter::Tree;

/// Everything the Python rules need about one module.
pub struct Model<'a> {
    pub source: &'a str,
    pub tree: &'a Tree,
    pub imports: Imports,
    pub index: Index<'a>,
    pub sources: &'a sources::Tables,
}

impl<'a> Model<'a> {
    pub fn build(source: &'a str, tree: &'a Tree, sources: &'a sources::Tables) -> Model<'a> {
        Model::with_index(source, tree, sources, Index::build(tree, source))
    }

    /// A model over an index of part of the module (see [`Index::build_filtered`]).
    pub fn with_index(
        source: &'a str,
        tree: &'a Tree,
        sources: &'a sources::Tables,
        index: Index<'a>,
    ) -> Model<'a> {
        let imports = Imports::collect(&index, source);
        Model {
            source,
            tree,
            imports,
            index,
            sources,
        }
    }

    /// The text of a node.
    pub fn text(&self, node: tree_sitter::Node) -> &'a str {
        node::text(node, self.source)
    }

    /// The qualified name an expression refers to, when it is an imported name or an attribute
    /// of one (`safestring.mark_safe` → `django.utils.safestring.mark_safe`).
    pub fn qualified_name(&self, node: tree_sitter::Node) -> Option<String> {
        self.imports.resolve(node, self.source)
    }

    /// Classify where the value of `expr` comes from.
    pub fn flow(&self, expr: tree_sitter::Node) -> Flow {
        flow::classify(self, expr)
    }
}
