//! Local data flow: classify where a value comes from, within its function and the module.
//!
//! The classifier follows names back through assignments (`x = ...`, `x += ...`, `with ... as x`)
//! in the same scope, through f-strings, `%`, `.format()`, `+`, `"".join(...)`, conditional
//! expressions and containers, and through simple branches (every assignment that may reach the
//! use is joined). The result is the worst [`Level`] found and whether string formatting mixed a
//! non-constant value into a string on the way ([`Flow::formatted`]).
//!
//! It is deliberately local: a call to a project function is [`Level::Unknown`]. Depth and the
//! number of bindings followed are bounded, so hostile input cannot make it slow.

use tree_sitter::Node;

use super::Model;
use super::index::{MODULE, ScopeId, scope_of};
use super::node::{self, text, unparenthesize};

/// How much a value can be trusted, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Literals and combinations of constants.
    Constant,
    /// Escaped or converted data: `escape(x)`, `format_html(...)`, `int(x)`.
    Escaped,
    /// Not constant and not known to come from the request.
    Unknown,
    /// Data the client controls: `request.GET[...]`, URL parameters, `form.cleaned_data`.
    Request,
}

/// The classification of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub level: Level,
    /// A short description of the request source, e.g. `request.GET`, when `level` is `Request`.
    pub source: Option<String>,
    /// True when a non-constant value was formatted into a string (f-string, `%`, `.format()`,
    /// `+` with a string, `join`) on the way.
    pub formatted: bool,
}

impl Flow {
    fn constant() -> Flow {
        Flow {
            level: Level::Constant,
            source: None,
            formatted: false,
        }
    }

    fn of(level: Level) -> Flow {
        Flow {
            level,
            source: None,
            formatted: false,
        }
    }

    fn request(source: impl Into<String>) -> Flow {
        Flow {
            level: Level::Request,
            source: Some(source.into()),
            formatted: false,
        }
    }

    /// The worse of two flows.
    pub fn join(self, other: Flow) -> Flow {
        let formatted = self.formatted || other.formatted;
        let mut worse = if other.level > self.level {
            other
        } else {
            self
        };
        worse.formatted = formatted;
        worse
    }

    /// The flow of a string built by formatting these parts into a constant template.
    fn formatted_from(parts: Flow) -> Flow {
        let formatted = parts.formatted || parts.level > Level::Escaped;
        Flow { formatted, ..parts }
    }

    /// Whether the value may carry attacker- or otherwise non-constant, unescaped data.
    pub fn is_dangerous(&self) -> bool {
        self.level >= Level::Unknown
    }
}

/// Limits that keep classification bounded on hostile input.
const MAX_DEPTH: u32 = 48;
const MAX_STEPS: u32 = 4_000;

struct Walker<'m, 'a> {
    model: &'m Model<'a>,
    steps: u32,
    /// Bindings being followed, to stop cycles such as `x = x + 1`.
    active: Vec<usize>,
}

pub fn classify(model: &Model, expr: Node) -> Flow {
    let mut walker = Walker {
        model,
        steps: 0,
        active: Vec::new(),
    };
    walker.expr(expr, 0)
}

impl Walker<'_, '_> {
    fn expr(&mut self, expr: Node, depth: u32) -> Flow {
        self.steps += 1;
        if depth > MAX_DEPTH || self.steps > MAX_STEPS {
            return Flow::of(Level::Unknown);
        }
        let expr = unparenthesize(expr);
        let src = self.model.source;
        match expr.kind() {
            "integer" | "float" | "true" | "false" | "none" | "ellipsis" => Flow::constant(),
            "string" => {
                let mut cursor = expr.walk();
                let interpolations: Vec<Node> = expr
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() == "interpolation")
                    .collect();
                let mut parts = Flow::constant();
                for interpolation in interpolations {
                    if let Some(inner) = interpolation.named_child(0) {
                        parts = parts.join(self.expr(inner, depth + 1));
                    }
                }
                Flow::formatted_from(parts)
            }
            "concatenated_string" => self.join_children(expr, depth, true),
            "binary_operator" => {
                let (Some(left), Some(right)) = (
                    expr.child_by_field_name("left"),
                    expr.child_by_field_name("right"),
                ) else {
                    return Flow::of(Level::Unknown);
                };
                let op = expr
                    .child_by_field_name("operator")
                    .map(|o| text(o, src))
                    .unwrap_or("");
                let joined = self.expr(left, depth + 1).join(self.expr(right, depth + 1));
                match op {
                    "+" | "%" => Flow::formatted_from(joined),
                    // Arithmetic on anything yields a number or fails.
                    _ => Flow {
                        level: joined.level.min(Level::Unknown),
                        ..joined
                    },
                }
            }
            "conditional_expression" => {
                // `a if cond else b`: the condition does not flow into the value.
                let mut cursor = expr.walk();
                let branches: Vec<Node> = expr.named_children(&mut cursor).collect();
                let mut flow = Flow::constant();
                for (i, b) in branches.iter().enumerate() {
                    if i != 1 {
                        flow = flow.join(self.expr(*b, depth + 1));
                    }
                }
                flow
            }
            "boolean_operator" => self.join_children(expr, depth, false),
            "comparison_operator" | "not_operator" => Flow::of(Level::Escaped),
            "unary_operator" => expr
                .child_by_field_name("argument")
                .map_or(Flow::of(Level::Unknown), |a| self.expr(a, depth + 1)),
            "tuple" | "list" | "set" | "expression_list" => self.join_children(expr, depth, false),
            "dictionary" => {
                let mut cursor = expr.walk();
                let pairs: Vec<Node> = expr.named_children(&mut cursor).collect();
                let mut flow = Flow::constant();
                for pair in pairs {
                    if pair.kind() == "pair" {
                        if let Some(v) = pair.child_by_field_name("value") {
                            flow = flow.join(self.expr(v, depth + 1));
                        }
                    } else {
                        flow = flow.join(Flow::of(Level::Unknown));
                    }
                }
                flow
            }
            "subscript" => self.subscript(expr, depth),
            "attribute" => self.attribute(expr, depth),
            "call" => self.call(expr, depth),
            "identifier" => self.name(expr, depth),
            "await" => expr
                .named_child(0)
                .map_or(Flow::of(Level::Unknown), |e| self.expr(e, depth + 1)),
            _ => Flow::of(Level::Unknown),
        }
    }

    fn join_children(&mut self, expr: Node, depth: u32, formatting: bool) -> Flow {
        let mut cursor = expr.walk();
        let children: Vec<Node> = expr
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect();
        let mut flow = Flow::constant();
        for child in children {
            flow = flow.join(self.expr(child, depth + 1));
        }
        if formatting {
            Flow::formatted_from(flow)
        } else {
            flow
        }
    }

    fn subscript(&mut self, expr: Node, depth: u32) -> Flow {
        let Some(value) = expr.child_by_field_name("value") else {
            return Flow::of(Level::Unknown);
        };
        // `{"a": "name", ...}[key]` and `ALLOWED[key]`: choosing from constants is constant,
        // whatever the key.
        let base = self.expr(value, depth + 1);
        if base.level == Level::Request {
            return base;
        }
        if base.level <= Level::Escaped {
            return base;
        }
        Flow::of(Level::Unknown)
    }

    fn attribute(&mut self, expr: Node, depth: u32) -> Flow {
        let src = self.model.source;
        let tables = self.model.sources;
        let (Some(object), Some(attr)) = (
            expr.child_by_field_name("object"),
            expr.child_by_field_name("attribute"),
        ) else {
            return Flow::of(Level::Unknown);
        };
        let attr_name = text(attr, src);
        if tables.request_attributes.iter().any(|a| a == attr_name) && self.is_request(object) {
            return Flow::request(format!("request.{attr_name}"));
        }
        if tables.tainted_attributes.iter().any(|a| a == attr_name) {
            return Flow::request(format!("{}.{attr_name}", text(object, src)));
        }
        // Attributes of request data are request data (`request.GET.dict`).
        let base = self.expr(object, depth + 1);
        if base.level == Level::Request {
            return base;
        }
        Flow::of(Level::Unknown)
    }

    /// Is this expression the request object (`request`, `self.request`)?
    fn is_request(&self, node: Node) -> bool {
        let src = self.model.source;
        let node = unparenthesize(node);
        let name = match node.kind() {
            "identifier" => text(node, src),
            "attribute" => {
                let Some(object) = node.child_by_field_name("object") else {
                    return false;
                };
                if text(object, src) != "self" {
                    return false;
                }
                node.child_by_field_name("attribute")
                    .map_or("", |a| text(a, src))
            }
            _ => return false,
        };
        self.model.sources.request_params.iter().any(|p| p == name)
    }

    fn call(&mut self, call: Node, depth: u32) -> Flow {
        let src = self.model.source;
        let Some(function) = call.child_by_field_name("function") else {
            return Flow::of(Level::Unknown);
        };
        // Sanitizers, by qualified name or as builtins.
        let qualified = self.model.qualified_name(function);
        let bare = (function.kind() == "identifier").then(|| text(function, src));
        if let Some(q) = qualified.as_deref().or(bare) {
            if self.model.sources.is_sanitizer(q) {
                return Flow::of(Level::Escaped);
            }
            if q == "str" || q == "repr" || q == "list" || q == "tuple" || q == "sorted" {
                return self.args(call, depth, false);
            }
        }
        if function.kind() == "attribute" {
            let method = function
                .child_by_field_name("attribute")
                .map_or("", |a| text(a, src));
            let Some(receiver) = function.child_by_field_name("object") else {
                return Flow::of(Level::Unknown);
            };
            match method {
                // `"...".format(a, b)` and `"sep".join(items)`: the template and the values.
                "format" | "format_map" | "join" => {
                    let base = self.expr(receiver, depth + 1);
                    let args = self.args(call, depth, true);
                    return Flow::formatted_from(base.join(args));
                }
                // String methods keep the taint of the string.
                "strip" | "lstrip" | "rstrip" | "lower" | "upper" | "title" | "capitalize"
                | "replace" | "encode" | "decode" | "removeprefix" | "removesuffix"
                | "casefold" | "zfill" | "center" | "ljust" | "rjust" => {
                    return self.expr(receiver, depth + 1);
                }
                // Reading request data: `request.GET.get("q")`, `request.POST.getlist("ids")`.
                "get" | "getlist" | "pop" | "dict" | "items" | "values" | "lists" | "read"
                | "readline" | "get_full_path" | "build_absolute_uri" | "copy" => {
                    let base = self.expr(receiver, depth + 1);
                    if base.level == Level::Request {
                        return base;
                    }
                    if self.is_request(receiver)
                        && self
                            .model
                            .sources
                            .request_attributes
                            .iter()
                            .any(|a| a == method)
                    {
                        return Flow::request(format!("request.{method}()"));
                    }
                }
                _ => {}
            }
        }
        Flow::of(Level::Unknown)
    }

    fn args(&mut self, call: Node, depth: u32, include_keywords: bool) -> Flow {
        let Some(args) = call.child_by_field_name("arguments") else {
            return Flow::constant();
        };
        let mut cursor = args.walk();
        let children: Vec<Node> = args.named_children(&mut cursor).collect();
        let mut flow = Flow::constant();
        for arg in children {
            let value = match arg.kind() {
                "keyword_argument" if include_keywords => arg.child_by_field_name("value"),
                "keyword_argument" | "comment" => None,
                "list_splat" | "dictionary_splat" => arg.named_child(0),
                _ => Some(arg),
            };
            if let Some(v) = value {
                flow = flow.join(self.expr(v, depth + 1));
            }
        }
        flow
    }

    fn name(&mut self, ident: Node, depth: u32) -> Flow {
        let src = self.model.source;
        let name = text(ident, src);
        let scope = scope_of(ident);
        if let Some(flow) = self.bindings_flow(ident, scope, name, depth) {
            return flow;
        }
        if scope != MODULE {
            // A parameter of the enclosing function?
            if let Some(function) = node::enclosing_function(ident)
                && let Some(flow) = self.parameter(function, name)
            {
                return flow;
            }
            // A module-level name (constant or not).
            if let Some(flow) = self.bindings_flow(ident, MODULE, name, depth) {
                return flow;
            }
        }
        Flow::of(Level::Unknown)
    }

    /// Join the bindings of `name` in `scope` that may reach `use_site`.
    fn bindings_flow(
        &mut self,
        use_site: Node,
        scope: ScopeId,
        name: &str,
        depth: u32,
    ) -> Option<Flow> {
        let bindings = self.model.index.bindings(scope, name);
        let same_scope = scope_of(use_site) == scope;
        // In the same scope only earlier bindings reach the use; a module binding seen from a
        // function may come from anywhere in the module.
        let reaching: Vec<_> = bindings
            .iter()
            .filter(|b| !same_scope || b.node.end_byte() <= use_site.start_byte())
            .copied()
            .collect();
        if reaching.is_empty() {
            return None;
        }
        // The last plain assignment that runs whenever the use runs (its block encloses the use)
        // overrides everything before it.
        let start = reaching
            .iter()
            .rposition(|b| !b.augmented && (!same_scope || dominates(b.node, use_site)))
            .unwrap_or(0);
        let mut flow: Option<Flow> = None;
        for binding in &reaching[start..] {
            let key = binding.node.start_byte();
            let f = if self.active.contains(&key) {
                Flow::of(Level::Unknown)
            } else {
                self.active.push(key);
                let f = match binding.value {
                    Some(v) => self.expr(v, depth + 1),
                    None => Flow::of(Level::Unknown),
                };
                self.active.pop();
                f
            };
            let f = if binding.augmented {
                Flow::formatted_from(f)
            } else {
                f
            };
            flow = Some(match flow {
                Some(prev) => prev.join(f),
                None => f,
            });
        }
        flow
    }

    /// Parameters: the request object is not itself data, but the other parameters of a view
    /// come from the URL.
    fn parameter(&self, function: Node, name: &str) -> Option<Flow> {
        let src = self.model.source;
        let params = function.child_by_field_name("parameters")?;
        let mut cursor = params.walk();
        let names: Vec<&str> = params
            .named_children(&mut cursor)
            .filter_map(|p| parameter_name(p, src))
            .collect();
        if !names.contains(&name) {
            return None;
        }
        let request_params = &self.model.sources.request_params;
        let is_view = names
            .iter()
            .take(2)
            .any(|n| request_params.iter().any(|r| r == n));
        if request_params.iter().any(|r| r == name) || name == "self" || name == "cls" {
            return Some(Flow::of(Level::Unknown));
        }
        if is_view {
            return Some(Flow::request(format!("URL parameter `{name}`")));
        }
        Some(Flow::of(Level::Unknown))
    }
}

/// The name a parameter binds.
fn parameter_name<'s>(param: Node, src: &'s str) -> Option<&'s str> {
    match param.kind() {
        "identifier" => Some(text(param, src)),
        "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => param
            .named_child(0)
            .filter(|n| n.kind() == "identifier")
            .map(|n| text(n, src)),
        "default_parameter" | "typed_default_parameter" => {
            param.child_by_field_name("name").map(|n| text(n, src))
        }
        _ => None,
    }
}

/// Whether the statement `binding` runs whenever `use_site` runs (after it): the innermost
/// block holding the binding also holds the use. A binding inside an `if` body dominates uses in
/// the same body, not uses after the `if`.
fn dominates(binding: Node, use_site: Node) -> bool {
    match node::ancestor(binding, &["block", "module"]) {
        Some(block) => node::contains(block, use_site),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::{Model, sources::Tables};
    use crate::syntax::python;

    /// Classify the argument of the last `sink(...)` call in `src`.
    fn flow_of(src: &str) -> Flow {
        let tree = python::parse(src, None);
        let tables = Tables::default();
        let model = Model::build(src, &tree, &tables);
        let call = model
            .index
            .calls
            .iter()
            .rev()
            .find(|c| node::callee_name(**c, src) == Some("sink"))
            .copied();
        let arg = call
            .and_then(|c| node::positional_args(c).first().copied())
            .map(|a| model.flow(a));
        match arg {
            Some(f) => f,
            None => panic!("no sink(...) call in test source"),
        }
    }

    #[test]
    fn constants() {
        assert_eq!(flow_of("sink('x')").level, Level::Constant);
        assert_eq!(flow_of("sink('a' + 'b' % (1,))").level, Level::Constant);
        assert_eq!(
            flow_of("X = 'a'\ndef f():\n    sink(X + 'b')").level,
            Level::Constant
        );
        assert_eq!(
            flow_of("def f(request):\n    col = {'a': 'name', 'b': 'email'}[request.GET['o']]\n    sink(f'ORDER BY {col}')")
                .level,
            Level::Constant
        );
    }

    #[test]
    fn request_sources_through_assignments_and_formatting() {
        let f = flow_of(
            "def v(request):\n    q = request.GET.get('q')\n    s = 'a'\n    s += q\n    sink(s)",
        );
        assert_eq!(f.level, Level::Request);
        assert!(f.formatted);
        assert_eq!(f.source.as_deref(), Some("request.GET"));
        let f = flow_of("def v(request, pk):\n    sink('x %s' % pk)");
        assert_eq!(f.level, Level::Request);
        assert_eq!(f.source.as_deref(), Some("URL parameter `pk`"));
        assert_eq!(
            flow_of("def v(self):\n    sink(self.request.POST['a'])").level,
            Level::Request
        );
        assert_eq!(
            flow_of("def v(request):\n    sink(', '.join(request.GET.getlist('x')))").level,
            Level::Request
        );
        assert_eq!(
            flow_of("def v(form):\n    sink('{}'.format(form.cleaned_data['n']))").level,
            Level::Request
        );
    }

    #[test]
    fn sanitizers_and_branches() {
        assert_eq!(
            flow_of("from django.utils.html import escape\ndef v(request):\n    sink('<b>%s</b>' % escape(request.GET['a']))")
                .level,
            Level::Escaped
        );
        assert_eq!(
            flow_of("def v(request):\n    sink(f\"{int(request.GET['n'])}\")").level,
            Level::Escaped
        );
        // A branch may or may not run: both values reach the use.
        let f = flow_of(
            "def v(request):\n    x = 'a'\n    if request.GET:\n        x = request.GET['y']\n    sink(x)",
        );
        assert_eq!(f.level, Level::Request);
        // An unconditional reassignment kills the earlier value.
        let f = flow_of("def v(request):\n    x = request.GET['y']\n    x = 'safe'\n    sink(x)");
        assert_eq!(f.level, Level::Constant);
    }

    #[test]
    fn cycles_and_unknowns_terminate() {
        assert_eq!(
            flow_of("def f(a):\n    x = x + a\n    sink(x)").level,
            Level::Unknown
        );
        assert_eq!(flow_of("def f():\n    sink(g())").level, Level::Unknown);
        assert_eq!(flow_of("sink(undefined)").level, Level::Unknown);
    }
}
