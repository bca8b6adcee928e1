//! What a Python module means, as far as security rules need it, computed without running it.
//!
//! - [`imports`]: which local names are bound to which qualified names (`ms` → `django.utils.safestring.mark_safe`).
//! - [`index`]: the nodes the rules look at, gathered in one query pass (`queries/python/index.scm`).
//! - [`flow`]: where a value comes from within its function: constant, escaped, request data or unknown.
//! - [`sources`]: the tables of request sources and sanitizers (data, so configuration can extend them).
//! - [`summary`]: function summaries, so the data flow sees through the project's own helpers.
//! - [`names`]: what each top-level statement mentions and defines, by name (the dependencies of
//!   incremental analysis and of the project facts memo).

pub mod flow;
pub mod imports;
pub mod index;
pub mod names;
pub mod node;
pub mod sources;
pub mod strings;
pub mod summary;

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
    /// Summaries of the project's functions, for calls the tables do not know (`None`: the
    /// module is analysed alone, and such calls yield unknown data).
    pub summaries: Option<std::rc::Rc<dyn summary::SummaryLookup>>,
    /// Which of the module's functions are views (their parameters after the request come from
    /// the URL).
    pub routing: Routing,
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
            summaries: None,
            routing: Routing::default(),
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

    /// How this module names the function a call calls (see [`summary::CallRef::callee`]), and
    /// whether the call passes a receiver (`self.helper(x)`, `Helper.build(x)`). `None` when
    /// the callee cannot be named (a method of an object of unknown type).
    pub fn callee(
        &self,
        call: tree_sitter::Node,
        function: tree_sitter::Node,
        qualified: Option<&str>,
    ) -> Option<(String, bool)> {
        let bound = function.kind() == "attribute";
        if let Some(q) = qualified {
            return Some((q.to_string(), bound));
        }
        match function.kind() {
            "identifier" => Some((format!("@{}", self.text(function)), false)),
            "attribute" => {
                let object = function.field(Field::Object)?;
                let method = self.text(function.field(Field::Attribute)?);
                if object.kind() != "identifier" {
                    return None;
                }
                let receiver = self.text(object);
                if receiver == "self" || receiver == "cls" {
                    let function = self.index.enclosing_function(call)?;
                    let class = self.index.scope_node(self.index.scope_at(function))?;
                    let name = (class.kind() == "class_definition")
                        .then(|| class.field(Field::Name))
                        .flatten()?;
                    return Some((format!("@{}.{method}", self.text(name)), true));
                }
                // `Helper.build(x)` on a class of the module, not a local variable.
                (receiver.starts_with(|c: char| c.is_ascii_uppercase())
                    && !self.is_shadowed(object))
                .then(|| (format!("@{receiver}.{method}"), true))
            }
            _ => None,
        }
    }

    /// The summary of the project function a call calls, if the project has one.
    pub fn summary_of_call(
        &self,
        call: tree_sitter::Node,
    ) -> Option<(bool, std::sync::Arc<summary::FunctionSummary>)> {
        let function = call.field(Field::Function)?;
        let qualified = self.qualified_name(function);
        let (callee, bound) = self.callee(call, function, qualified.as_deref())?;
        let lookup = self.summaries.as_ref()?;
        let (_, found) = lookup.function(None, &callee)?;
        Some((bound, found))
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

    /// The way request data takes to `expr` for `sink`, from its source through names and
    /// project helpers (empty when `expr` is not request data). A second classification: call it
    /// for findings being reported only.
    pub fn trace_for(&self, expr: tree_sitter::Node, sink: sources::SinkKind) -> Vec<flow::Step> {
        flow::trace_with(self, expr, flow::Query::sink(sink))
    }

    /// Classify with a full query (sink and trusted parameters).
    pub fn flow_with(&self, expr: tree_sitter::Node, query: flow::Query) -> Flow {
        flow::classify_with(self, expr, query)
    }
}

/// What is known of the routes to a module's functions.
#[derive(Debug, Clone)]
pub enum Routing {
    /// The URLconf is known: these functions of the module are routed, no other is a view;
    /// each with the names its routes capture (`None`: some passed positionally).
    Known(std::sync::Arc<std::collections::BTreeMap<String, crate::project::urls::Captures>>),
    /// The URLconf is not known. In a views module (`views.py`, `views/*.py`, `viewsets.py`)
    /// any module-level function that takes the request first may be a view; elsewhere only a
    /// decorated one (`@require_POST`, `@api_view`...). `reached`: the functions some URL
    /// module djsec read routes anyway, with what their routes capture.
    Unknown {
        views_module: bool,
        reached: std::sync::Arc<std::collections::BTreeMap<String, crate::project::urls::Captures>>,
    },
}

impl Default for Routing {
    fn default() -> Self {
        Routing::Unknown {
            views_module: true,
            reached: Default::default(),
        }
    }
}

impl Routing {
    /// The routing of the module at `path` (with the project index, when there is one).
    pub fn of(
        project: Option<&crate::project::ProjectIndex>,
        path: Option<&std::path::Path>,
    ) -> Routing {
        let Some(path) = path else {
            return Routing::default();
        };
        if let Some(routed) = project.and_then(|p| p.routed_views(path)) {
            return Routing::Known(std::sync::Arc::new(routed));
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or("");
        Routing::Unknown {
            views_module: matches!(stem, "views" | "viewsets") || parent == "views",
            reached: std::sync::Arc::new(
                project.map(|p| p.reached_views(path)).unwrap_or_default(),
            ),
        }
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
