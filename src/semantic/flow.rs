//! Local data flow: classify where a value comes from, within its function and the module.
//!
//! The classifier follows names back through assignments (`x = ...`, `x += ...`, `with ... as x`,
//! `for x in ...`, comprehension variables, `:=`) in the same scope and the scopes enclosing it,
//! through f-strings, `%`, `.format()`, `+`, `"".join(...)`, conditional expressions and
//! containers, and through simple branches (every assignment that may reach the use is joined).
//! The result is the worst [`Level`] found and whether string formatting mixed a non-constant
//! value into a string on the way ([`Flow::formatted`]).
//!
//! What counts as a source, a sanitizer or a pass-through function comes from the tables in
//! [`super::sources`]; a sanitizer only cleans for some [`SinkKind`]s (HTML escaping does nothing
//! for SQL). A name checked against a constant allow-list (`if col in ALLOWED:`, or
//! `if col not in ALLOWED: raise ...` before the use) is constant where the check holds.
//!
//! It is deliberately local: a call to a project function is [`Level::Unknown`]. Depth and the
//! number of steps are bounded, so hostile input cannot make it slow.
//!
//! A rule that reports request data can ask for the way it took ([`trace_with`]): the same
//! classification with recording on, which keeps in [`Flow::trace`] the source (widened to the
//! whole read, `request.GET["f"]`), each name binding, each attribute read off a request-data
//! name and each project helper the data passes, at most [`MAX_STEPS_KEPT`] steps. Recording costs
//! nothing when off, and rules turn it on only for a finding they report.

use tree_sitter::Node;

use super::Model;
use super::index::{Binding, ScopeId};
use super::node::{self, text, unparenthesize};
use super::sources::SinkKind;
use super::strings;
use super::summary::{self, CallRef, FunctionSummary, Symbolic};
use crate::syntax::python::{Field, Fields};

/// How much a value can be trusted, from best to worst.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
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

/// One step of the way a value takes to a sink: where, and what it is there (`request.GET["f"]`,
/// the name `name`, the helper `clean()`), for messages and SARIF code flows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub range: std::ops::Range<usize>,
    /// Code as written, shortened (`request.GET["file"]`, `name`, `helper()`).
    pub label: String,
}

/// The most steps a trace keeps (the source and the last steps before the sink).
pub const MAX_STEPS_KEPT: usize = 12;

/// The classification of a value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flow {
    pub level: Level,
    /// A short description of the request source, e.g. `request.GET`, when `level` is `Request`.
    pub source: Option<String>,
    /// True when a non-constant value was formatted into a string (f-string, `%`, `.format()`,
    /// `+` with a string, `join`) on the way.
    pub formatted: bool,
    /// Only while a function is summarised ([`Query::summarize`]): the parameters and unseen
    /// calls the value is made of, besides what `level` says of the rest.
    pub symbolic: Option<Box<Symbolic>>,
    /// When `level` is `Unknown`: a part of the value that reads a text field of a stored
    /// object (`user.username`, `comment.body`), which whoever edits that object controls.
    pub stored: Option<String>,
    /// Only when a trace is asked for ([`trace_with`]): the way request data took, from its
    /// source to this value.
    pub trace: Option<Box<Vec<Step>>>,
}

impl Flow {
    pub fn constant() -> Flow {
        Flow::of(Level::Constant)
    }

    pub fn of(level: Level) -> Flow {
        Flow {
            level,
            source: None,
            formatted: false,
            symbolic: None,
            stored: None,
            trace: None,
        }
    }

    pub fn request(source: impl Into<String>) -> Flow {
        Flow {
            source: Some(source.into()),
            ..Flow::of(Level::Request)
        }
    }

    /// The steps recorded for this value (empty unless a trace was asked for).
    pub fn steps(&self) -> &[Step] {
        self.trace.as_deref().map_or(&[], |t| t.as_slice())
    }

    /// Add a step at the end of the trace, when there is one; past [`MAX_STEPS_KEPT`] the
    /// oldest steps after the source are dropped.
    fn push_step(&mut self, step: Step) {
        if let Some(trace) = self.trace.as_deref_mut() {
            if trace.last().is_some_and(|l| l.range == step.range) {
                return;
            }
            if trace.len() >= MAX_STEPS_KEPT {
                trace.remove(1);
            }
            trace.push(step);
        }
    }

    /// A parameter of the function being summarised.
    fn parameter(index: usize) -> Flow {
        let bit = if index < summary::MAX_PARAMS {
            1u64 << index
        } else {
            return Flow::of(Level::Unknown);
        };
        Flow {
            symbolic: Some(Box::new(Symbolic {
                params: bit,
                ..Symbolic::default()
            })),
            ..Flow::constant()
        }
    }

    /// The worse of two flows (the symbolic parts are merged).
    pub fn join(self, other: Flow) -> Flow {
        let formatted = self.formatted || other.formatted;
        let mut complete = true;
        let symbolic = match (self.symbolic.as_deref(), other.symbolic.as_deref()) {
            (None, None) => None,
            (Some(_), None) => self.symbolic.clone(),
            (None, Some(_)) => other.symbolic.clone(),
            (Some(a), Some(b)) => {
                let mut merged = a.clone();
                complete = merged.join(b);
                Some(Box::new(merged))
            }
        };
        // The stored text that matters is in the Unknown part: a constant or escaped part has none.
        let stored = self.stored.clone().or_else(|| other.stored.clone());
        let mut worse = if other.level > self.level {
            other
        } else {
            self
        };
        worse.formatted = formatted;
        worse.symbolic = symbolic;
        worse.stored = stored;
        if !complete && worse.level < Level::Unknown {
            worse.level = Level::Unknown;
        }
        worse
    }

    /// The flow of a string built by formatting these parts into a constant template.
    fn formatted_from(parts: Flow) -> Flow {
        let formatted = parts.formatted || parts.level > Level::Escaped;
        let mut flow = Flow { formatted, ..parts };
        if let Some(symbolic) = flow.symbolic.as_deref_mut() {
            symbolic.formatted_params |= symbolic.params;
        }
        flow
    }

    /// The same flow with its symbolic part dropped (a sanitizer or a check made it irrelevant).
    fn concrete(self) -> Flow {
        Flow {
            symbolic: None,
            ..self
        }
    }

    /// Whether the value may carry attacker- or otherwise non-constant, unescaped data.
    pub fn is_dangerous(&self) -> bool {
        self.level >= Level::Unknown
    }
}

/// What the classifier is asked, besides the expression.
#[derive(Debug, Clone, Copy)]
pub struct Query<'q> {
    /// Set while summarising a function: its parameters become symbolic, and calls the module
    /// cannot see through are kept as [`CallRef`]s instead of being looked up.
    pub summarize: Option<&'q Summarize>,
    /// The sink the value flows into: decides which sanitizers count.
    pub sink: SinkKind,
    /// Parameters to trust, as `(function start byte, name)`: a template filter's input, whose
    /// safeness Django tracks itself.
    pub trusted_params: &'q [(usize, &'q str)],
    /// Treat a call the classifier does not know as a transformation of its receiver and
    /// arguments (`value.title()`, `Truncator(value).chars(n)`) instead of unknown data. Used
    /// with `trusted_params`, where "derived from the input" is what matters; a call without
    /// non-constant inputs still yields unknown data.
    pub calls_propagate: bool,
}

impl Query<'_> {
    pub fn sink(sink: SinkKind) -> Query<'static> {
        Query {
            summarize: None,
            sink,
            trusted_params: &[],
            calls_propagate: false,
        }
    }
}

/// Limits that keep classification bounded on hostile input.
const MAX_DEPTH: u32 = 48;
const MAX_STEPS: u32 = 4_000;
/// How far up from a use the classifier looks for comprehensions and allow-list checks.
const MAX_COMPREHENSIONS: usize = 8;
/// How many `if` / `assert` / conditional expressions before a use are looked at for an
/// allow-list check.
const MAX_GUARDS: usize = 32;
/// How many bindings of one name are joined at a use.
const MAX_BINDINGS: usize = 256;
/// How many enclosing scopes a name is looked up in (closures).
const MAX_SCOPES: usize = 8;

struct Walker<'m, 'a, 'q> {
    model: &'m Model<'a>,
    query: Query<'q>,
    steps: u32,
    /// Bindings being followed, to stop cycles such as `x = x + 1`.
    active: Vec<usize>,
    /// Set when a decision depended on the sink (a sanitizer for some sinks only, a marker, an
    /// allow-list check): a summary must then be computed for every sink.
    sink_sensitive: bool,
    /// Summaries being applied (module, callee), to stop recursion between helpers.
    applying: Vec<(Option<std::sync::Arc<std::path::Path>>, String)>,
    /// Record the way request data takes ([`Flow::trace`]); only when a finding is reported.
    record: bool,
}

/// What a summary is being computed for: the function (by its start byte), its parameters and
/// the class it is a method of.
#[derive(Debug, Clone, Default)]
pub struct Summarize {
    pub function: usize,
    pub params: Vec<String>,
    pub class: Option<String>,
}

/// How a summary names a read of `<object>.cleaned_data["<field>"]` (a [`CallRef`] callee:
/// the prefix, the field, the separator, the object), resolved where the summary is applied.
const CLEANED_FIELD: &str = "#cleaned_data:";
const CLEANED_OBJECT: &str = "\u{1f}";

/// How many summaries deep a call site looks through helpers calling helpers.
const MAX_SUMMARY_DEPTH: usize = 6;

/// Classify `expr` for an HTML sink.
pub fn classify(model: &Model, expr: Node) -> Flow {
    classify_with(model, expr, Query::sink(SinkKind::Html))
}

pub fn classify_with(model: &Model, expr: Node, query: Query) -> Flow {
    let mut walker = Walker::new(model, query);
    walker.expr(expr, 0)
}

/// The way request data takes to `expr`, from its source (`request.GET["f"]`, a URL parameter)
/// through the names and project helpers it passes: empty when `expr` is not request data.
/// Classifies `expr` a second time, so call it only for a finding being reported.
pub fn trace_with(model: &Model, expr: Node, query: Query) -> Vec<Step> {
    let mut walker = Walker::new(model, query);
    walker.record = true;
    let flow = walker.expr(expr, 0);
    match flow.trace {
        Some(trace) if flow.level == Level::Request => *trace,
        _ => Vec::new(),
    }
}

/// How a step shows a piece of code: on one line, at most 48 characters.
pub fn step_label(code: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in code.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    if out.chars().count() > 48 {
        out = out.chars().take(47).collect::<String>() + "…";
    }
    out
}

/// The flow of a function's return values for `query.sink`, symbolic in its parameters
/// (`query.summarize` must be set), and whether it depended on the sink.
pub fn summarize_returns(model: &Model, returns: &[Node], query: Query) -> (Flow, bool) {
    let mut walker = Walker::new(model, query);
    let mut flow: Option<Flow> = None;
    for ret in returns {
        // `return` alone returns None.
        let value = ret.named_child(0).filter(|v| v.kind() != "comment");
        let f = value.map_or_else(Flow::constant, |v| walker.expr(v, 0));
        flow = Some(match flow {
            Some(prev) => prev.join(f),
            None => f,
        });
    }
    (flow.unwrap_or_else(Flow::constant), walker.sink_sensitive)
}

/// A symbolic flow (computed while summarising a function, see [`Query::summarize`]) made
/// concrete: its parameters bound to `env` (the flow each parameter receives; `None` is a
/// default, assumed constant) and its calls looked up with `lookup` as named in `file` (`None`:
/// the lookup's own buffer). For facts kept symbolic outside return values (the context a
/// function passes to a template, `project::facts::render`).
pub fn evaluate(
    flow: &Flow,
    lookup: &dyn summary::SummaryLookup,
    file: Option<std::sync::Arc<std::path::Path>>,
    env: &[Option<Flow>],
    sink: SinkKind,
) -> Flow {
    if flow.symbolic.is_none() {
        return flow.clone();
    }
    // The walker needs a model only to classify syntax; evaluating does not read it.
    static EMPTY: std::sync::OnceLock<(super::sources::Tables, tree_sitter::Tree)> =
        std::sync::OnceLock::new();
    let (tables, tree) = EMPTY.get_or_init(|| {
        (
            super::sources::Tables::default(),
            crate::syntax::python::parse("", None),
        )
    });
    let model = Model::build("", tree, tables);
    let mut walker = Walker::new(&model, Query::sink(sink));
    walker.evaluate(lookup, &file, flow, env, 0)
}

impl<'m, 'a, 'q> Walker<'m, 'a, 'q> {
    fn new(model: &'m Model<'a>, query: Query<'q>) -> Walker<'m, 'a, 'q> {
        Walker {
            model,
            query,
            steps: 0,
            active: Vec::new(),
            sink_sensitive: false,
            applying: Vec::new(),
            record: false,
        }
    }

    fn step(&self, node: Node, suffix: &str) -> Step {
        Step {
            range: node.byte_range(),
            label: format!("{}{suffix}", step_label(text(node, self.model.source))),
        }
    }

    /// Request data appearing at `node`: the trace starts there (when recording).
    fn source(&self, flow: Flow, node: Node) -> Flow {
        if !self.record || flow.level != Level::Request {
            return flow;
        }
        Flow {
            trace: Some(Box::new(vec![self.step(node, "")])),
            ..flow
        }
    }

    fn budget_spent(&mut self, depth: u32) -> bool {
        self.steps += 1;
        depth > MAX_DEPTH || self.steps > MAX_STEPS
    }

    fn expr(&mut self, expr: Node, depth: u32) -> Flow {
        let mut flow = self.expr_inner(expr, depth);
        // `request.GET` read as `request.GET["f"]` or `request.GET.get("f")`: the source step
        // is the whole read.
        if self.record
            && flow.level == Level::Request
            && matches!(expr.kind(), "subscript" | "attribute" | "call")
            && let Some(trace) = flow.trace.as_deref_mut()
            && let [only] = trace.as_mut_slice()
            && only.range.start == expr.start_byte()
            && only.range.end < expr.end_byte()
        {
            *only = self.step(expr, "");
        }
        flow
    }

    fn expr_inner(&mut self, expr: Node, depth: u32) -> Flow {
        if self.budget_spent(depth) {
            return Flow::of(Level::Unknown);
        }
        let expr = unparenthesize(expr);
        if self.query.sink == SinkKind::Redirect {
            if let Some(flow) = self.redirect_target(expr, depth) {
                return flow;
            }
            let flow = self.expr_kind(expr, depth);
            // `if url_has_allowed_host_and_scheme(request.GET.get("next")): u = request.GET.get("next")`
            if flow.level == Level::Request
                && matches!(expr.kind(), "call" | "subscript" | "attribute")
                && self.guarded(expr, depth)
            {
                return Flow::constant();
            }
            return flow;
        }
        self.expr_kind(expr, depth)
    }

    /// Where a redirect goes is decided by the start of its URL: a string built by formatting
    /// whose start pins the destination (a local path, a scheme and host, a query) goes there
    /// whatever follows; otherwise what decides is the first value. `None` for other shapes.
    fn redirect_target(&mut self, expr: Node, depth: u32) -> Option<Flow> {
        let src = self.model.source;
        // `"?".join([url, query])`: the first element leads.
        if expr.kind() == "call"
            && node::callee_name(expr, src) == Some("join")
            && let Some(receiver) = node::call_receiver(expr)
            && receiver.kind() == "string"
            && !text(receiver, src).starts_with('f')
            && let Some(items) = node::positional_args(expr).first().copied()
        {
            self.sink_sensitive = true;
            let first = self.leading_element(items);
            return Some(first.map_or_else(Flow::constant, |e| self.expr(e, depth + 1)));
        }
        if !matches!(expr.kind(), "string" | "binary_operator" | "call") {
            return None;
        }
        let template = strings::decompose(expr, src)?;
        self.sink_sensitive = true;
        let mut pieces = template.pieces.into_iter();
        let leading = match pieces.next() {
            None => return Some(Flow::constant()),
            Some(strings::Piece::Lit(text)) if strings::pins_destination(&text) => {
                return Some(Flow::constant());
            }
            Some(strings::Piece::Lit(_)) => {
                match pieces.find_map(|p| match p {
                    strings::Piece::Value { expr, .. } => Some(expr),
                    strings::Piece::Lit(_) => None,
                }) {
                    Some(value) => value,
                    None => return Some(Flow::constant()),
                }
            }
            Some(strings::Piece::Value { expr, .. }) => expr,
        };
        Some(self.expr(leading, depth + 1))
    }

    /// The first element of a list literal, or of the list literal a name was last set to
    /// (`parts = [url]; parts += [...]`).
    fn leading_element(&self, items: Node<'a>) -> Option<Node<'a>> {
        let items = unparenthesize(items);
        let list = match items.kind() {
            "list" | "tuple" => items,
            "identifier" => {
                let index = &self.model.index;
                let scope = index.scope_at(items);
                let name = text(items, self.model.source);
                index
                    .bindings(scope, name)
                    .iter()
                    .rev()
                    .filter(|b| b.node.end_byte() <= items.start_byte())
                    .find(|b| !b.augmented)
                    .and_then(|b| b.value)
                    .filter(|v| matches!(v.kind(), "list" | "tuple"))?
            }
            _ => return Some(items),
        };
        let mut cursor = list.walk();
        list.named_children(&mut cursor)
            .find(|c| c.kind() != "comment")
    }

    fn expr_kind(&mut self, expr: Node, depth: u32) -> Flow {
        let src = self.model.source;
        match expr.kind() {
            // A function object carries no data of its own.
            "integer" | "float" | "true" | "false" | "none" | "ellipsis" | "lambda" => {
                Flow::constant()
            }
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
                let (Some(left), Some(right)) = (expr.field(Field::Left), expr.field(Field::Right))
                else {
                    return Flow::of(Level::Unknown);
                };
                let op = expr
                    .field(Field::Operator)
                    .map(|o| text(o, src))
                    .unwrap_or("");
                let joined = self.expr(left, depth + 1).join(self.expr(right, depth + 1));
                match op {
                    "+" | "%" => Flow::formatted_from(joined),
                    // `BASE_DIR / name`: a `pathlib` path carries its parts.
                    "/" if self.query.sink == SinkKind::Path => {
                        self.sink_sensitive = true;
                        joined
                    }
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
                .field(Field::Argument)
                .map_or(Flow::of(Level::Unknown), |a| self.expr(a, depth + 1)),
            "tuple" | "list" | "set" | "expression_list" => self.join_children(expr, depth, false),
            "dictionary" => {
                let mut cursor = expr.walk();
                let pairs: Vec<Node> = expr.named_children(&mut cursor).collect();
                let mut flow = Flow::constant();
                for pair in pairs {
                    match pair.kind() {
                        "pair" => {
                            if let Some(v) = pair.field(Field::Value) {
                                flow = flow.join(self.expr(v, depth + 1));
                            }
                        }
                        "comment" => {}
                        "dictionary_splat" => {
                            if let Some(v) = pair.named_child(0) {
                                flow = flow.join(self.expr(v, depth + 1));
                            }
                        }
                        _ => flow = flow.join(Flow::of(Level::Unknown)),
                    }
                }
                flow
            }
            "list_comprehension" | "set_comprehension" | "generator_expression" => expr
                .field(Field::Body)
                .map_or(Flow::of(Level::Unknown), |b| self.expr(b, depth + 1)),
            "dictionary_comprehension" => expr
                .field(Field::Body)
                .and_then(|pair| pair.field(Field::Value))
                .map_or(Flow::of(Level::Unknown), |v| self.expr(v, depth + 1)),
            "named_expression" => expr
                .field(Field::Value)
                .map_or(Flow::of(Level::Unknown), |v| self.expr(v, depth + 1)),
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
            let child = if child.kind() == "list_splat" {
                child.named_child(0).unwrap_or(child)
            } else {
                child
            };
            flow = flow.join(self.expr(child, depth + 1));
        }
        if formatting {
            Flow::formatted_from(flow)
        } else {
            flow
        }
    }

    fn subscript(&mut self, expr: Node, depth: u32) -> Flow {
        let Some(value) = expr.field(Field::Value) else {
            return Flow::of(Level::Unknown);
        };
        if let Some(flow) = expr
            .field(Field::Subscript)
            .and_then(|key| self.cleaned_field(expr, value, key))
        {
            return flow;
        }
        // `{"a": "name", ...}[key]` and `ALLOWED[key]`: choosing from constants is constant,
        // whatever the key.
        let base = self.expr(value, depth + 1);
        if base.level == Level::Request || base.level <= Level::Escaped {
            return base;
        }
        Flow::of(Level::Unknown)
    }

    fn attribute(&mut self, expr: Node, depth: u32) -> Flow {
        let src = self.model.source;
        let tables = self.model.sources;
        let (Some(object), Some(attr)) = (expr.field(Field::Object), expr.field(Field::Attribute))
        else {
            return Flow::of(Level::Unknown);
        };
        let attr_name = text(attr, src);
        if tables.request_attributes.iter().any(|a| a == attr_name) && self.is_request(object) {
            // `request.GET = {"email": request.user.email}` earlier in the block: the view
            // replaced the request's data with its own.
            if let Some(value) = self.replaced_attribute(expr) {
                return self.expr(value, depth + 1);
            }
            if OWN_SITE.contains(&attr_name) {
                self.sink_sensitive = true;
                if self.query.sink == SinkKind::Redirect {
                    return Flow::of(Level::Escaped);
                }
            }
            return self.source(Flow::request(format!("request.{attr_name}")), expr);
        }
        if tables.tainted_attributes.iter().any(|a| a == attr_name) {
            return self.source(
                Flow::request(format!("{}.{attr_name}", text(object, src))),
                expr,
            );
        }
        if tables.view_attributes.iter().any(|a| a == attr_name)
            && object.kind() == "identifier"
            && text(object, src) == "self"
        {
            return self.source(
                Flow::request(format!("URL parameters `self.{attr_name}`")),
                expr,
            );
        }
        // The project's configuration and its models' metadata are the developers' text.
        if self
            .model
            .qualified_name(expr)
            .is_some_and(|q| q.starts_with("django.conf.settings."))
            || is_model_meta(expr, src)
        {
            return Flow::of(Level::Escaped);
        }
        // Attributes of request data are request data (`request.GET.dict`). URL parameters are
        // strings and numbers: reading a field of one (`f.title`) means it is an object that
        // came from elsewhere, so the heuristic does not hold there.
        let base = self.expr(object, depth + 1);
        let from_url = base
            .source
            .as_deref()
            .is_some_and(|s| s.starts_with("URL parameter `"));
        if base.level == Level::Request && !from_url {
            let mut base = base;
            // `upload.name`: which attribute of the request data is read matters to some sinks.
            if self.record && object.kind() == "identifier" {
                base.push_step(self.step(expr, ""));
            }
            return base;
        }
        let mut flow = Flow::of(Level::Unknown);
        if STORED_TEXT.contains(&attr_name) {
            let shown: String = text(expr, src).chars().take(60).collect();
            flow.stored = Some(format!("`{shown}`"));
        }
        flow
    }

    /// The value last assigned to the attribute `expr` reads (`request.GET = {...}`) before it,
    /// in the same function, by an assignment whose block holds `expr` (so it ran).
    fn replaced_attribute(&self, expr: Node) -> Option<Node<'a>> {
        let src = self.model.source;
        let index = &self.model.index;
        let target = text(expr, src);
        // The index finds functions by binary search (`node::enclosing_function` walks up
        // parents, each found from the root); only the assignments inside the same function
        // (in document order, from its start) are looked at.
        let enclosing = |n: Node| -> Option<(usize, usize)> {
            match index.enclosing_function(n) {
                Some(f) => Some((f.id(), f.start_byte())),
                None => node::enclosing_function(n).map(|f| (f.id(), f.start_byte())),
            }
        };
        let function = enclosing(expr);
        let from = function.map_or(0, |(_, start)| {
            index
                .attribute_assignments
                .partition_point(|a| a.start_byte() < start)
        });
        index.attribute_assignments[from.min(index.attribute_assignments.len())..]
            .iter()
            .take_while(|a| a.end_byte() <= expr.start_byte())
            .filter(|a| {
                a.kind() == "assignment"
                    && a.field(Field::Left).is_some_and(|l| text(l, src) == target)
                    && enclosing(**a) == function
                    && a.parent()
                        .and_then(|statement| statement.parent())
                        .is_some_and(|block| {
                            dominates((block.start_byte(), block.end_byte()), expr)
                        })
            })
            .last()
            .and_then(|a| a.field(Field::Right))
    }

    /// `form.cleaned_data["next"]` (or `.get("next")`, read at `at`) when every `clean_next()`
    /// of the buffer and the project returns a value safe for this sink (it checked the URL, or
    /// falls back to the settings): that value, escaped for the sink. `None` otherwise, and
    /// while summarising (a summary stays plain data) or inside `clean_next()` itself, which
    /// reads the value before cleaning it.
    fn cleaned_field(&mut self, at: Node, data: Node, key: Node) -> Option<Flow> {
        let src = self.model.source;
        if data.kind() != "attribute"
            || data.field(Field::Attribute).map(|a| text(a, src)) != Some("cleaned_data")
        {
            return None;
        }
        let field =
            super::strings::plain_literal(key, src).and_then(|t| match t.pieces.as_slice() {
                [super::strings::Piece::Lit(field)] => Some(field.clone()),
                _ => None,
            })?;
        let cleaner = format!("clean_{field}");
        // The index finds the function by binary search; `node::enclosing_function` walks up
        // parents, each found by a walk down from the root (slow in a module of thousands of
        // statements). The index has every scope of the statements it indexed: when its
        // innermost scope around `at` is not a function (a class body), walk the tree.
        let function = self
            .model
            .index
            .enclosing_function(at)
            .or_else(|| node::enclosing_function(at));
        if function
            .and_then(|f| f.field(Field::Name))
            .is_some_and(|n| text(n, src) == cleaner)
        {
            return None;
        }
        let object = data.field(Field::Object).map_or("form", |o| text(o, src));
        // A summary stays plain data: the field is looked up where the summary is applied.
        if self.query.summarize.is_some() {
            return Some(Flow {
                symbolic: Some(Box::new(Symbolic {
                    calls: vec![CallRef {
                        callee: format!("{CLEANED_FIELD}{field}{CLEANED_OBJECT}{object}"),
                        bound: false,
                        args: Vec::new(),
                        keywords: Vec::new(),
                    }],
                    ..Symbolic::default()
                })),
                ..Flow::constant()
            });
        }
        let lookup = self.model.summaries.clone()?;
        let safe = self.cleaned_safely(&*lookup, &field)?;
        safe.then(|| Flow::of(Level::Escaped))
    }

    /// Whether every `clean_<field>()` of the buffer and the project returns a value safe for
    /// this sink (`None` when there is none: `cleaned_data[field]` is what the client sent).
    fn cleaned_safely(&mut self, lookup: &dyn summary::SummaryLookup, field: &str) -> Option<bool> {
        let cleaners = lookup.field_cleaners(field);
        if cleaners.is_empty() {
            return None;
        }
        self.sink_sensitive = true;
        Some(cleaners.iter().all(|c| {
            c.returns
                .as_ref()
                .and_then(|r| r.for_sink(self.query.sink))
                .is_some_and(|f| f.level <= Level::Escaped && f.symbolic.is_none())
        }))
    }

    /// Is this expression the request object (`request`, `self.request`)?
    fn is_request(&self, node: Node) -> bool {
        let src = self.model.source;
        let node = unparenthesize(node);
        let name = match node.kind() {
            "identifier" => text(node, src),
            "attribute" => {
                let Some(object) = node.field(Field::Object) else {
                    return false;
                };
                if text(object, src) != "self" {
                    return false;
                }
                node.field(Field::Attribute).map_or("", |a| text(a, src))
            }
            _ => return false,
        };
        self.model.sources.request_params.iter().any(|p| p == name)
    }

    fn call(&mut self, call: Node, depth: u32) -> Flow {
        let src = self.model.source;
        let tables = self.model.sources;
        let Some(function) = call.field(Field::Function) else {
            return Flow::of(Level::Unknown);
        };
        // Sanitizers, markers and pass-through functions, by qualified name or as builtins.
        let qualified = self.model.qualified_name(function);
        let bare = (function.kind() == "identifier").then(|| text(function, src));
        if let Some(q) = qualified.as_deref().or(bare) {
            if tables.is_sink_specific(q) {
                self.sink_sensitive = true;
            }
            if tables.is_sanitizer(q, self.query.sink) {
                return Flow::of(Level::Escaped);
            }
            // A sanitizer for another sink transforms its input without cleaning it for this one.
            if tables.sanitizers.iter().any(|s| s.name == q) {
                return self.args(call, depth, false);
            }
            if tables.is_html_marker(q) {
                let args = self.args(call, depth, false);
                // In HTML, a non-constant argument is reported at the marker call itself.
                return match self.query.sink {
                    SinkKind::Html if args.level == Level::Constant => args,
                    SinkKind::Html => Flow::of(Level::Escaped),
                    _ => args,
                };
            }
            if tables.is_propagator(q)
                || matches!(q, "enumerate" | "zip" | "iter" | "next" | "dict" | "filter")
            {
                return self.args(call, depth, false);
            }
        }
        if function.kind() == "attribute"
            && let Some(method) = function.field(Field::Attribute).map(|a| text(a, src))
            && tables.safe_method(method, self.query.sink)
        {
            self.sink_sensitive |= tables.is_sink_specific_method(method);
            return Flow::of(Level::Escaped);
        }
        if function.kind() == "attribute" {
            let method = function
                .field(Field::Attribute)
                .map_or("", |a| text(a, src));
            let Some(receiver) = function.field(Field::Object) else {
                return Flow::of(Level::Unknown);
            };
            match method {
                // `"...".format(a, b)` and `"sep".join(items)`: the template and the values.
                "format" | "format_map" | "join" => {
                    let base = self.expr(receiver, depth + 1);
                    let args = self.args(call, depth, true);
                    return Flow::formatted_from(base.join(args));
                }
                // `text.replace("<", "&lt;")`: what is left cannot open a tag. With the quotes
                // replaced too (and `&` first), it is HTML-escaped; with `<` alone it is safe
                // in element content but not in an attribute: audit information, whatever the
                // text was.
                "replace" if self.query.sink == SinkKind::Html => {
                    match html_replacements(call, src) {
                        Some(replaced) if replaced.escapes_all() => {
                            self.sink_sensitive = true;
                            return Flow::of(Level::Escaped);
                        }
                        Some(replaced) if replaced.lt => {
                            self.sink_sensitive = true;
                            return Flow::of(Level::Unknown);
                        }
                        _ => return self.expr(receiver, depth + 1),
                    }
                }
                // String methods keep the taint of the string; container views keep the taint
                // of the container.
                "strip" | "lstrip" | "rstrip" | "lower" | "upper" | "title" | "capitalize"
                | "replace" | "encode" | "decode" | "removeprefix" | "removesuffix"
                | "casefold" | "zfill" | "center" | "ljust" | "rjust" | "split" | "rsplit"
                | "splitlines" | "partition" | "rpartition" | "expandtabs" | "swapcase"
                | "keys" => {
                    return self.expr(receiver, depth + 1);
                }
                "get"
                    if let Some(flow) = node::positional_args(call)
                        .first()
                        .and_then(|key| self.cleaned_field(call, receiver, *key)) =>
                {
                    return flow;
                }
                // Reading request data: `request.GET.get("q")`, `request.POST.getlist("ids")`.
                "get" | "getlist" | "pop" | "dict" | "items" | "values" | "lists" | "read"
                | "readline" | "readlines" | "get_full_path" | "build_absolute_uri"
                | "get_host" | "get_signed_cookie" | "copy" | "urlencode" => {
                    let base = self.expr(receiver, depth + 1);
                    if base.level == Level::Request {
                        return base;
                    }
                    if self.is_request(receiver)
                        && tables.request_attributes.iter().any(|a| a == method)
                    {
                        if OWN_SITE.contains(&method) {
                            self.sink_sensitive = true;
                            if self.query.sink == SinkKind::Redirect {
                                return Flow::of(Level::Escaped);
                            }
                        }
                        // `request.build_absolute_uri(reverse("x"))`: a host Django checked
                        // against `ALLOWED_HOSTS` (no quotes nor brackets pass its validation)
                        // and a path the site built: nothing the client typed.
                        if method == "build_absolute_uri"
                            && let Some(location) = node::positional_args(call).first()
                            && matches!(
                                self.expr(*location, depth + 1).level,
                                Level::Constant | Level::Escaped
                            )
                        {
                            return Flow::of(Level::Escaped);
                        }
                        return self.source(Flow::request(format!("request.{method}()")), call);
                    }
                    // `CONSTANTS.items()`, `ALLOWED.get(key)`: still from the constants.
                    if base.level == Level::Constant
                        && matches!(method, "get" | "items" | "values" | "copy")
                    {
                        let args = self.args(call, depth, false);
                        return if method == "get" {
                            // The key does not flow into the value; the default does.
                            let default = node::positional_args(call)
                                .get(1)
                                .map_or(Flow::constant(), |d| self.expr(*d, depth + 1));
                            base.join(default)
                        } else {
                            base.join(args)
                        };
                    }
                }
                _ => {}
            }
        }
        if let Some(flow) = self.project_call(call, function, qualified.as_deref(), depth) {
            return flow;
        }
        if self.query.calls_propagate {
            // `re.sub(...)`: an imported module is not an input.
            let receiver = match node::call_receiver(call) {
                Some(r) if qualified.is_none() => self.expr(r, depth + 1),
                _ => Flow::constant(),
            };
            let inputs = receiver.join(self.args(call, depth, true));
            if inputs.level > Level::Constant {
                return inputs;
            }
        }
        Flow::of(Level::Unknown)
    }

    /// A call to a function of the project: kept symbolic while summarising, else looked up and
    /// applied to the arguments' flows. `None` when the callee cannot be named (`obj.method()`
    /// on an object of unknown type) or is not a project function with a summary.
    fn project_call(
        &mut self,
        call: Node,
        function: Node,
        qualified: Option<&str>,
        depth: u32,
    ) -> Option<Flow> {
        let (callee, bound) = self.callee(call, function, qualified)?;
        if self.query.summarize.is_some() {
            let (args, keywords) = self.call_arguments(call, depth);
            return Some(Flow {
                symbolic: Some(Box::new(Symbolic {
                    calls: vec![CallRef {
                        callee,
                        bound,
                        args,
                        keywords,
                    }],
                    ..Symbolic::default()
                })),
                ..Flow::constant()
            });
        }
        let lookup = self.model.summaries.clone()?;
        let (file, summary) = lookup.function(None, &callee)?;
        let (args, keywords) = self.call_arguments(call, depth);
        let mut flow = self.apply(&*lookup, file, &summary, bound, args, keywords, 0);
        if self.record && flow.level == Level::Request {
            let step = self.step(function, "()");
            match flow.trace {
                Some(_) => flow.push_step(step),
                None => flow.trace = Some(Box::new(vec![step])),
            }
        }
        Some(flow)
    }

    fn callee(
        &self,
        call: Node,
        function: Node,
        qualified: Option<&str>,
    ) -> Option<(String, bool)> {
        self.model.callee(call, function, qualified)
    }

    /// The flows of a call's positional and keyword arguments (`*args` and `**kwargs` splats
    /// count as one positional argument and as no keyword).
    fn call_arguments(&mut self, call: Node, depth: u32) -> (Vec<Flow>, Vec<(String, Flow)>) {
        let src = self.model.source;
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        let Some(args) = call.field(Field::Arguments) else {
            return (positional, keywords);
        };
        if args.kind() == "generator_expression" {
            positional.push(self.expr(args, depth + 1));
            return (positional, keywords);
        }
        let mut cursor = args.walk();
        let children: Vec<Node> = args.named_children(&mut cursor).collect();
        for arg in children {
            match arg.kind() {
                "comment" => {}
                "keyword_argument" => {
                    if let (Some(name), Some(value)) =
                        (arg.field(Field::Name), arg.field(Field::Value))
                    {
                        let flow = self.expr(value, depth + 1);
                        keywords.push((text(name, src).to_string(), flow));
                    }
                }
                "list_splat" | "dictionary_splat" => {
                    let flow = arg
                        .named_child(0)
                        .map_or(Flow::of(Level::Unknown), |v| self.expr(v, depth + 1));
                    positional.push(flow);
                }
                _ => positional.push(self.expr(arg, depth + 1)),
            }
        }
        (positional, keywords)
    }

    /// The flow of a call to a summarised function, given its arguments' flows.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        lookup: &dyn summary::SummaryLookup,
        file: Option<std::sync::Arc<std::path::Path>>,
        summary: &FunctionSummary,
        bound_call: bool,
        args: Vec<Flow>,
        keywords: Vec<(String, Flow)>,
        depth: usize,
    ) -> Flow {
        let key = (file.clone(), summary.name.clone());
        if depth >= MAX_SUMMARY_DEPTH || self.applying.contains(&key) {
            return Flow::of(Level::Unknown);
        }
        let Some(returned) = summary
            .returns
            .as_ref()
            .and_then(|r| r.for_sink(self.query.sink))
            .cloned()
        else {
            return Flow::of(Level::Unknown);
        };
        // The value each parameter receives: its argument, or its default (assumed constant).
        let mut env: Vec<Option<Flow>> = vec![None; summary.params.len()];
        let splat = summary
            .params
            .iter()
            .position(|p| p.starts_with('*') && !p.starts_with("**"));
        let double_splat = summary.params.iter().position(|p| p.starts_with("**"));
        for (i, arg) in args.into_iter().enumerate() {
            let slot = summary.param_index(bound_call, Some(i), None).or(splat);
            if let Some(slot) = slot
                && let Some(entry) = env.get_mut(slot)
            {
                *entry = Some(match entry.take() {
                    Some(prev) => prev.join(arg),
                    None => arg,
                });
            }
        }
        for (name, arg) in keywords {
            let slot = summary
                .param_index(bound_call, None, Some(&name))
                .or(double_splat);
            if let Some(slot) = slot
                && let Some(entry) = env.get_mut(slot)
            {
                *entry = Some(match entry.take() {
                    Some(prev) => prev.join(arg),
                    None => arg,
                });
            }
        }
        self.applying.push(key);
        let mut flow = self.evaluate(lookup, &file, &returned, &env, depth);
        self.applying.pop();
        if returned.level == Level::Request
            && flow.level == Level::Request
            && let Some(source) = returned.source.as_deref()
            && flow.source.as_deref() == Some(source)
        {
            let name = summary.name.rsplit('.').next().unwrap_or(&summary.name);
            flow.source = Some(format!("{source} (through `{name}()`)"));
        }
        flow
    }

    /// A symbolic flow with its parameters bound to `env` and its calls looked up from `file`.
    fn evaluate(
        &mut self,
        lookup: &dyn summary::SummaryLookup,
        file: &Option<std::sync::Arc<std::path::Path>>,
        flow: &Flow,
        env: &[Option<Flow>],
        depth: usize,
    ) -> Flow {
        let mut out = flow.clone().concrete();
        let Some(symbolic) = flow.symbolic.as_deref() else {
            return out;
        };
        for (i, bound) in env.iter().enumerate().take(summary::MAX_PARAMS) {
            if symbolic.params & (1 << i) == 0 {
                continue;
            }
            let mut arg = bound.clone().unwrap_or_else(Flow::constant).concrete();
            if symbolic.formatted_params & (1 << i) != 0 {
                arg = Flow::formatted_from(arg);
            }
            out = out.join(arg);
        }
        for call in &symbolic.calls {
            let args: Vec<Flow> = call
                .args
                .iter()
                .map(|a| self.evaluate(lookup, file, a, env, depth + 1))
                .collect();
            let keywords: Vec<(String, Flow)> = call
                .keywords
                .iter()
                .map(|(k, a)| (k.clone(), self.evaluate(lookup, file, a, env, depth + 1)))
                .collect();
            // `form.cleaned_data["next"]` read in a summarised function.
            if let Some((field, object)) = call
                .callee
                .strip_prefix(CLEANED_FIELD)
                .and_then(|rest| rest.split_once(CLEANED_OBJECT))
            {
                let result = match self.cleaned_safely(lookup, field) {
                    Some(true) => Flow::of(Level::Escaped),
                    _ => Flow::request(format!("{object}.cleaned_data")),
                };
                out = out.join(result);
                continue;
            }
            let result = match lookup.function(file.as_ref(), &call.callee) {
                Some((inner_file, inner)) => self.apply(
                    lookup,
                    inner_file,
                    &inner,
                    call.bound,
                    args,
                    keywords,
                    depth + 1,
                ),
                None => Flow::of(Level::Unknown),
            };
            out = out.join(result);
        }
        out
    }

    fn args(&mut self, call: Node, depth: u32, include_keywords: bool) -> Flow {
        let Some(args) = call.field(Field::Arguments) else {
            return Flow::constant();
        };
        // `f(x for x in y)`: the generator is the only argument.
        if args.kind() == "generator_expression" {
            return self.expr(args, depth + 1);
        }
        let mut cursor = args.walk();
        let children: Vec<Node> = args.named_children(&mut cursor).collect();
        let mut flow = Flow::constant();
        for arg in children {
            let value = match arg.kind() {
                "keyword_argument" if include_keywords => arg.field(Field::Value),
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
        let flow = self.name_unguarded(ident, depth);
        // While summarising, a value made of a parameter or of an unseen call (`symbolic`) is
        // checked like one already known to be dangerous: the check holds whatever the caller
        // passes (`x = get_param(request); if x and not is_safe(x): x = None`).
        if (flow.is_dangerous() || flow.symbolic.is_some()) && self.guarded(ident, depth) {
            return Flow::constant();
        }
        flow
    }

    fn name_unguarded(&mut self, ident: Node, depth: u32) -> Flow {
        let src = self.model.source;
        let name = text(ident, src);
        if let Some(flow) = self.comprehension_variable(ident, name, depth) {
            return flow;
        }
        let index = &self.model.index;
        let scope = index.scope_at(ident);
        if let Some(flow) = self.bindings_flow(ident, scope, name, depth) {
            return flow;
        }
        if let Some(function) = index.scope_node(scope)
            && matches!(function.kind(), "function_definition" | "lambda")
            && let Some(flow) = self.parameter(function, name)
        {
            return flow;
        }
        // Enclosing functions (closures) and the module; class bodies are not visible from the
        // functions inside them.
        for outer in index.enclosing_scopes(scope, MAX_SCOPES) {
            let outer_node = index.scope_node(outer);
            if outer_node.is_some_and(|n| n.kind() == "class_definition") {
                continue;
            }
            if let Some(flow) = self.bindings_flow(ident, outer, name, depth) {
                return flow;
            }
            if let Some(function) = outer_node
                && let Some(flow) = self.parameter(function, name)
            {
                return flow;
            }
        }
        Flow::of(Level::Unknown)
    }

    /// A variable of an enclosing comprehension: an element of its iterable.
    fn comprehension_variable(&mut self, ident: Node, name: &str, depth: u32) -> Option<Flow> {
        let src = self.model.source;
        let around = self
            .model
            .index
            .comprehensions_around(ident, MAX_COMPREHENSIONS);
        for comprehension in around {
            let mut cursor = comprehension.walk();
            let clauses: Vec<Node> = comprehension
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "for_in_clause")
                .collect();
            // The body sees every clause; a name in a clause sees the clauses before it, not its
            // own variable.
            let in_body = comprehension
                .field(Field::Body)
                .is_some_and(|b| node::contains(b, ident));
            for clause in clauses.iter().rev() {
                let (Some(left), Some(right)) =
                    (clause.field(Field::Left), clause.field(Field::Right))
                else {
                    continue;
                };
                if node::contains(right, ident)
                    || (!in_body && clause.start_byte() > ident.start_byte())
                {
                    continue;
                }
                if binds(left, name, src) {
                    // `[t for t in fields if t in ALLOWED]`, `[t for t in fields if is_valid(t)]`:
                    // the body only sees the elements the filter lets through.
                    if in_body && self.comprehension_filters(comprehension, name, depth) {
                        return Some(Flow::constant());
                    }
                    let mut flow = self.expr(right, depth + 1);
                    if self.record && flow.level == Level::Request {
                        flow.push_step(Step {
                            range: left.byte_range(),
                            label: step_label(name),
                        });
                    }
                    return Some(flow);
                }
            }
        }
        None
    }

    /// Whether an `if` clause of a comprehension checks `name`: membership in a collection (as
    /// [`Walker::condition_allows`] judges it) or a call to a validator named like one
    /// (`is_valid(name)`, `term_valid(name)`, `allowed(name)`).
    fn comprehension_filters(&mut self, comprehension: Node, name: &str, depth: u32) -> bool {
        let src = self.model.source;
        let mut cursor = comprehension.walk();
        let filters: Vec<Node> = comprehension
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "if_clause")
            .filter_map(|c| c.named_child(0))
            .collect();
        filters.into_iter().any(|condition| {
            let condition = unparenthesize(condition);
            if condition.kind() == "call" {
                self.sink_sensitive = true;
                let named_validator = node::callee_name(condition, src).is_some_and(|callee| {
                    let callee = callee.to_ascii_lowercase();
                    callee.contains("valid") || callee.contains("allow")
                });
                return named_validator
                    && node::positional_args(condition).first().is_some_and(|a| {
                        let a = unparenthesize(*a);
                        a.kind() == "identifier" && text(a, src) == name
                    });
            }
            self.condition_allows(condition, name, true, depth + 1)
        })
    }

    /// Join the bindings of `name` in `scope` that may reach `use_site`: scanning back from the
    /// use, every binding up to the last plain assignment that runs whenever the use runs (its
    /// block holds the use), which overrides everything before it. At most `MAX_BINDINGS` are
    /// joined; past that the value is unknown.
    fn bindings_flow(
        &mut self,
        use_site: Node,
        scope: ScopeId,
        name: &str,
        depth: u32,
    ) -> Option<Flow> {
        let index = &self.model.index;
        let bindings = index.bindings(scope, name);
        let same_scope = index.scope_at(use_site) == scope;
        // In the same scope only earlier bindings reach the use; a binding of an enclosing scope
        // seen from a function may come from anywhere in that scope.
        let upper = if same_scope {
            bindings.partition_point(|b| b.node.start_byte() < use_site.start_byte())
        } else {
            bindings.len()
        };
        let mut selected = Vec::new();
        let mut truncated = false;
        for binding in bindings.get(..upper).unwrap_or(&[]).iter().rev() {
            if same_scope && binding.node.end_byte() > use_site.start_byte() {
                // The use is inside this statement (`x = f(x)`): it sees the older value.
                continue;
            }
            if selected.len() >= MAX_BINDINGS {
                truncated = true;
                break;
            }
            selected.push(*binding);
            if !binding.augmented && (!same_scope || dominates(binding.block, use_site)) {
                break;
            }
        }
        if selected.is_empty() {
            return None;
        }
        let mut flow: Option<Flow> = truncated.then(|| Flow::of(Level::Unknown));
        // A redirect goes where its URL starts: `url += "?" + query` after a plain assignment of
        // a non-empty start does not move it.
        let src = self.model.source;
        let starts_fixed = self.query.sink == SinkKind::Redirect
            && selected.last().is_some_and(|b| {
                !b.augmented
                    && b.value
                        .is_some_and(|v| !matches!(text(v, src).trim(), "\"\"" | "''" | "None"))
            });
        for binding in selected.iter().rev() {
            if starts_fixed && binding.augmented {
                self.sink_sensitive = true;
                continue;
            }
            let key = binding.node.start_byte();
            let f = if self.active.contains(&key) {
                Flow::of(Level::Unknown)
            } else {
                self.active.push(key);
                let mut f = match binding.value {
                    Some(v) => self.expr(v, depth + 1),
                    None => Flow::of(Level::Unknown),
                };
                self.active.pop();
                if self.record && f.level == Level::Request {
                    f.push_step(Step {
                        range: binding.node.byte_range(),
                        label: step_label(name),
                    });
                }
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
        let params = function.field(Field::Parameters)?;
        let mut cursor = params.walk();
        let nodes: Vec<Node> = params.named_children(&mut cursor).collect();
        let names: Vec<&str> = nodes
            .iter()
            .filter_map(|p| parameter_name(*p, src))
            .collect();
        if !names.contains(&name) {
            return None;
        }
        if self
            .query
            .trusted_params
            .iter()
            .any(|(f, n)| *f == function.start_byte() && *n == name)
        {
            return Some(Flow::of(Level::Escaped));
        }
        let request_params = &self.model.sources.request_params;
        if request_params.iter().any(|r| r == name) {
            return Some(Flow::of(Level::Unknown));
        }
        if let Some(target) = self.query.summarize
            && target.function == function.start_byte()
        {
            return Some(match target.params.iter().position(|p| p == name) {
                Some(i) => Flow::parameter(i),
                None => Flow::of(Level::Unknown),
            });
        }
        if name == "self" || name == "cls" {
            return Some(Flow::of(Level::Unknown));
        }
        if is_view_function(self.model, function, &names, request_params)
            && url_typed(function, name, src)
            && may_capture(self.model, function, name)
            && !used_as_object(function, name, src)
        {
            let flow = Flow::request(format!("URL parameter `{name}`"));
            return Some(
                match nodes
                    .iter()
                    .find(|p| parameter_name(**p, src) == Some(name))
                {
                    Some(param) => self.source(flow, *param),
                    None => flow,
                },
            );
        }
        Some(Flow::of(Level::Unknown))
    }

    /// Whether `ident` is only reached after checking it against a constant allow-list:
    /// inside `if ident in ALLOWED:` (or `elif`, or `x if ident in ALLOWED else y`), or after
    /// `if ident not in ALLOWED: raise/return/continue/break` (or a body that assigns a constant)
    /// or `assert ident in ALLOWED` in a block holding the use, with no assignment to the name in
    /// between. The candidates come from the index (the nearest `MAX_GUARDS` guards of the same
    /// function), so nothing walks up the tree.
    fn guarded(&mut self, ident: Node, depth: u32) -> bool {
        let src = self.model.source;
        let name = text(ident, src);
        let index = &self.model.index;
        let scope = index.scope_at(ident);
        let from = index.scope_node(scope).map_or(0, |n| n.start_byte());
        let guards: Vec<_> = index
            .guards_before(ident, from, MAX_GUARDS)
            .copied()
            .collect();
        let bindings = index.bindings(scope, name);
        for guard in guards {
            if self.budget_spent(depth) {
                return false;
            }
            let g = guard.node;
            if self.model.index.scope_at(g) != scope {
                continue;
            }
            match g.kind() {
                "if_statement" | "elif_clause" => {
                    let in_body = g
                        .field(Field::Consequence)
                        .is_some_and(|b| node::contains(b, ident));
                    if in_body {
                        if let Some(condition) = g.field(Field::Condition)
                            && self.condition_allows(condition, name, true, depth)
                        {
                            return true;
                        }
                        continue;
                    }
                    let before = g.end_byte() <= ident.start_byte();
                    if g.kind() == "if_statement"
                        && before
                        && dominates(guard.block, ident)
                        && !self.rebound_between(bindings, g.end_byte(), ident.start_byte(), depth)
                        && self.exits_unless_allowed(g, name, depth)
                    {
                        return true;
                    }
                }
                "assert_statement" => {
                    let before = g.end_byte() <= ident.start_byte();
                    if before
                        && dominates(guard.block, ident)
                        && !self.rebound_between(bindings, g.end_byte(), ident.start_byte(), depth)
                        && g.named_child(0)
                            .is_some_and(|c| self.condition_allows(c, name, true, depth))
                    {
                        return true;
                    }
                }
                "conditional_expression" => {
                    let mut cursor = g.walk();
                    let parts: Vec<Node> = g.named_children(&mut cursor).collect();
                    if parts.first().is_some_and(|v| node::contains(*v, ident))
                        && let Some(condition) = parts.get(1)
                        && self.condition_allows(*condition, name, true, depth)
                    {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// Whether the name is bound again between a check and a use to something other than a
    /// constant (`if mode == "thread": mode = "thread_order"` keeps the check's verdict: the
    /// value is the checked one or a constant).
    fn rebound_between(
        &mut self,
        bindings: &[Binding],
        after: usize,
        before: usize,
        depth: u32,
    ) -> bool {
        let first = bindings.partition_point(|b| b.node.start_byte() < after);
        bindings[first.min(bindings.len())..]
            .iter()
            .take_while(|b| b.node.start_byte() < before)
            .any(|b| {
                b.augmented
                    || b.value
                        .is_none_or(|v| self.expr(v, depth + 1).level != Level::Constant)
            })
    }

    /// Whether `candidate` (a name in a check) was last set to `name` trimmed of a prefix,
    /// suffix or case (`field = sorting.removeprefix("-")`): checking it checks `name` but for
    /// that part.
    fn derived_from(&self, candidate: Node, name: &str) -> bool {
        let src = self.model.source;
        let index = &self.model.index;
        let scope = index.scope_at(candidate);
        index
            .bindings(scope, text(candidate, src))
            .iter()
            .rev()
            .find(|b| b.node.end_byte() <= candidate.start_byte())
            .filter(|b| !b.augmented)
            .and_then(|b| b.value)
            .map(unparenthesize)
            .filter(|v| v.kind() == "call")
            .is_some_and(|call| {
                matches!(
                    node::callee_name(call, src),
                    Some(
                        "strip"
                            | "lstrip"
                            | "rstrip"
                            | "removeprefix"
                            | "removesuffix"
                            | "lower"
                            | "upper"
                            | "casefold"
                    )
                ) && node::call_receiver(call)
                    .map(unparenthesize)
                    .is_some_and(|r| r.kind() == "identifier" && text(r, src) == name)
            })
    }

    /// `if name not in ALLOWED: raise ...` (or a body that assigns `name` a constant).
    fn exits_unless_allowed(&mut self, stmt: Node, name: &str, depth: u32) -> bool {
        let (Some(condition), Some(body)) =
            (stmt.field(Field::Condition), stmt.field(Field::Consequence))
        else {
            return false;
        };
        let exits = body
            .named_child(body.named_child_count().saturating_sub(1))
            .is_some_and(|last| {
                matches!(
                    last.kind(),
                    "return_statement"
                        | "raise_statement"
                        | "continue_statement"
                        | "break_statement"
                )
            });
        let resets = !exits && body_assigns_constant(self, body, name, depth);
        (exits || resets) && self.condition_allows(condition, name, false, depth)
    }

    /// Whether `condition` being true (`positive`) or false (`!positive`) means `name` is one of
    /// a constant collection's members.
    fn condition_allows(
        &mut self,
        condition: Node,
        name: &str,
        positive: bool,
        depth: u32,
    ) -> bool {
        // What a check allows depends on the sink (a URL check cleans only redirect targets).
        self.sink_sensitive = true;
        let src = self.model.source;
        let condition = unparenthesize(condition);
        match condition.kind() {
            "not_operator" => condition
                .field(Field::Argument)
                .is_some_and(|a| self.condition_allows(a, name, !positive, depth + 1)),
            "boolean_operator" => {
                let op = condition
                    .field(Field::Operator)
                    .map(|o| text(o, src))
                    .unwrap_or("");
                // `a and b` true: both hold. `a or b` false: both are false.
                let either = (op == "and" && positive) || (op == "or" && !positive);
                if depth > MAX_DEPTH {
                    return false;
                }
                // `if url and not is_safe(url): url = None`: the condition is false when the
                // name is empty (nothing to redirect to) or when the check passed.
                if op == "and" && !positive {
                    let (Some(left), Some(right)) =
                        (condition.field(Field::Left), condition.field(Field::Right))
                    else {
                        return false;
                    };
                    let is_name = |n: Node| {
                        let n = unparenthesize(n);
                        n.kind() == "identifier" && text(n, src) == name
                    };
                    return (is_name(left)
                        && self.condition_allows(right, name, positive, depth + 1))
                        || (is_name(right)
                            && self.condition_allows(left, name, positive, depth + 1));
                }
                if !either {
                    return false;
                }
                [Field::Left, Field::Right].into_iter().any(|side| {
                    condition
                        .field(side)
                        .is_some_and(|c| self.condition_allows(c, name, positive, depth + 1))
                })
            }
            "comparison_operator" => {
                let mut cursor = condition.walk();
                let operands: Vec<Node> = condition.named_children(&mut cursor).collect();
                let operators: Vec<&str> = {
                    let mut c = condition.walk();
                    condition
                        .children_by_field_name("operators", &mut c)
                        .map(|o| text(o, src))
                        .collect()
                };
                let [left, right] = operands.as_slice() else {
                    return false;
                };
                let op = operators.join(" ");
                let op = op.split_whitespace().collect::<Vec<_>>().join(" ");
                // `if token != expected: raise ...`: past the check the value equals one the
                // client does not control.
                let equal = if positive { "==" } else { "!=" };
                if op == equal {
                    let is_name = |n: &Node| n.kind() == "identifier" && text(*n, src) == name;
                    let other = if is_name(left) {
                        right
                    } else if is_name(right) {
                        left
                    } else {
                        return false;
                    };
                    return self.expr(*other, depth + 1).level != Level::Request;
                }
                // `if os.path.sep in name: raise ...`: past the check the name holds no
                // directory separator, one file name in whatever folder it is joined to.
                if !positive
                    && op == "in"
                    && self.query.sink == SinkKind::Path
                    && right.kind() == "identifier"
                    && text(*right, src) == name
                    && matches!(
                        text(*left, src),
                        "os.path.sep" | "os.sep" | "'/'" | "\"/\"" | "sep"
                    )
                {
                    self.sink_sensitive = true;
                    return true;
                }
                let wanted = if positive { "in" } else { "not in" };
                if op != wanted
                    || left.kind() != "identifier"
                    || (text(*left, src) != name && !self.derived_from(*left, name))
                {
                    return false;
                }
                // For HTML a member of a constant collection is constant. For SQL identifiers
                // any collection the client does not control is an allow-list
                // (`if field in {f.name for f in Model._meta.get_fields()}`).
                let collection = self.expr(*right, depth + 1).level;
                self.sink_sensitive = true;
                match self.query.sink {
                    SinkKind::Html
                    | SinkKind::Redirect
                    | SinkKind::Command
                    | SinkKind::Url
                    | SinkKind::Deserialize
                    | SinkKind::Formula => collection == Level::Constant,
                    // Names checked against files that exist (`os.listdir(BASE)`), fields of a
                    // model or the actions a view offers (`self.get_actions()`): anything the
                    // client does not control.
                    SinkKind::Sql | SinkKind::Code | SinkKind::Path | SinkKind::Eval => {
                        collection != Level::Request
                    }
                }
            }
            // `name.startswith("get_")`: a name looked up (`getattr(obj, name)`) among the
            // methods of that prefix only.
            "call"
                if positive
                    && self.query.sink == SinkKind::Eval
                    && prefix_check(condition, name, src) =>
            {
                self.sink_sensitive = true;
                true
            }
            // `re.fullmatch(r"[a-z0-9_-]+", name)`: letters, digits, `_` and `-` only.
            "call" if positive && self.regex_check(condition, name) => {
                !matches!(self.query.sink, SinkKind::Url | SinkKind::Formula)
            }
            "call" if matches!(self.query.sink, SinkKind::Redirect | SinkKind::Url) && positive => {
                self.sink_sensitive = true;
                self.url_check_allows(condition, name)
            }
            // `url_is_safe = url_has_allowed_host_and_scheme(url=next); if url_is_safe: ...`
            "identifier" if self.query.sink == SinkKind::Redirect && positive => {
                let index = &self.model.index;
                let scope = index.scope_at(condition);
                let check = index
                    .bindings(scope, text(condition, src))
                    .iter()
                    .rev()
                    .find(|b| b.node.end_byte() <= condition.start_byte())
                    .filter(|b| !b.augmented)
                    .and_then(|b| b.value)
                    .map(unparenthesize)
                    .filter(|v| v.kind() == "call");
                check.is_some_and(|call| self.url_check_allows(call, name))
            }
            _ => false,
        }
    }

    /// Whether `call` matches `name` against a constant regular expression anchored at both ends
    /// whose every character is a letter, a digit, `_` or `-` (`re.fullmatch(r"\w+", name)`,
    /// `re.match(r"^[a-z0-9-]+$", name)`): such a value holds no `/`, `.`, quote or shell
    /// character. The result depends on the sink (an alphanumeric host is still any host).
    fn regex_check(&mut self, call: Node, name: &str) -> bool {
        let src = self.model.source;
        let Some(function) = call.field(Field::Function) else {
            return false;
        };
        let Some(qualified) = self.model.qualified_name(function) else {
            return false;
        };
        let anchored_start = match qualified.as_str() {
            "re.fullmatch" | "regex.fullmatch" => None,
            "re.match" | "regex.match" => Some(false),
            "re.search" | "regex.search" => Some(true),
            _ => return false,
        };
        let args = node::positional_args(call);
        let (Some(pattern), Some(value)) = (args.first(), args.get(1)) else {
            return false;
        };
        let value = unparenthesize(*value);
        if value.kind() != "identifier" || text(value, src) != name {
            return false;
        }
        let pattern = unparenthesize(*pattern);
        if pattern.kind() != "string" || node::is_fstring(pattern) {
            return false;
        }
        let raw = text(pattern, src);
        let body = raw.trim_start_matches(['r', 'R', 'b', 'B', 'u', 'U']);
        let quote = if body.starts_with("\"\"\"") || body.starts_with("'''") {
            3
        } else {
            1
        };
        let Some(inner) = body.get(quote..body.len().saturating_sub(quote)) else {
            return false;
        };
        // Escapes other than `\d` and `\w` are only understood in a raw string.
        let prefix = &raw[..raw.len() - body.len()];
        let is_raw = prefix.contains(['r', 'R']);
        if !is_raw && inner.contains('\\') {
            return false;
        }
        let safe = safe_word_pattern(inner, anchored_start);
        if safe {
            self.sink_sensitive = true;
        }
        safe
    }

    /// Whether `call` returns true only when `name` is a URL of this site:
    /// `url_has_allowed_host_and_scheme(name, ...)` (or the older `is_safe_url`), or a project
    /// helper whose summary says it checks that argument.
    fn url_check_allows(&mut self, call: Node, name: &str) -> bool {
        let src = self.model.source;
        let Some(function) = call.field(Field::Function) else {
            return false;
        };
        let wanted = normalized_expr(name);
        let is_name = |n: Option<Node>| {
            n.map(unparenthesize)
                .is_some_and(|n| normalized_expr(text(n, src)) == wanted)
        };
        let positional = node::positional_args(call);
        if let Some(called) = node::callee_name(call, src)
            && URL_CHECKS.contains(&called)
        {
            return is_name(positional.first().copied())
                || is_name(node::keyword_arg(call, "url", src));
        }
        if self.query.summarize.is_some() {
            return false;
        }
        let qualified = self.model.qualified_name(function);
        let Some((callee, bound)) = self.callee(call, function, qualified.as_deref()) else {
            return false;
        };
        let Some(lookup) = self.model.summaries.clone() else {
            return false;
        };
        let Some((_, summary)) = lookup.function(None, &callee) else {
            return false;
        };
        let Some(guard) = summary.guard else {
            return false;
        };
        positional.iter().enumerate().any(|(i, arg)| {
            summary.param_index(bound, Some(i), None) == Some(guard.param) && is_name(Some(*arg))
        }) || summary
            .params
            .get(guard.param)
            .is_some_and(|p| is_name(node::keyword_arg(call, p, src)))
    }
}

/// Attribute names that hold free text people type into a stored object: what they contain is
/// up to whoever can edit the object (a user, a staff member, an incoming e-mail).
const STORED_TEXT: &[&str] = &[
    "name",
    "title",
    "username",
    "first_name",
    "last_name",
    "full_name",
    "display_name",
    "nickname",
    "text",
    "body",
    "content",
    "comment",
    "message",
    "description",
    "summary",
    "subject",
    "bio",
    "about",
    "note",
    "notes",
    "address",
    "signature",
    "caption",
    "email",
];

/// `model._meta.db_table`, `self.model._meta.pk.column`, `opts.db_table` of a `_meta`: what the
/// developers declared on the model.
fn is_model_meta(expr: Node, src: &str) -> bool {
    let text = text(expr, src);
    text.contains("._meta.") || text.starts_with("_meta.")
}

/// An expression's text without whitespace and with one quote style, to tell that
/// `request.GET.get("next")` in a check is `request.GET.get('next')` in its branch.
fn normalized_expr(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '\'' { '"' } else { c })
        .collect()
}

/// Request attributes that are this site's own address (the host checked against
/// `ALLOWED_HOSTS`): a redirect to them stays on the site.
const OWN_SITE: &[&str] = &[
    "path",
    "path_info",
    "get_full_path",
    "get_full_path_info",
    "build_absolute_uri",
    "get_host",
];

/// `name.startswith("prefix")` (or a tuple of non-empty constant prefixes).
fn prefix_check(call: Node, name: &str, src: &str) -> bool {
    let Some(function) = call.field(Field::Function) else {
        return false;
    };
    let is_method = function.kind() == "attribute"
        && function
            .field(Field::Attribute)
            .is_some_and(|a| text(a, src) == "startswith")
        && function
            .field(Field::Object)
            .is_some_and(|o| o.kind() == "identifier" && text(o, src) == name);
    if !is_method {
        return false;
    }
    let constant_prefix = |n: Node| {
        n.kind() == "string"
            && !node::is_fstring(n)
            && !text(n, src).trim_matches(['"', '\'']).is_empty()
    };
    node::positional_args(call).first().is_some_and(|arg| {
        let arg = unparenthesize(*arg);
        match arg.kind() {
            "tuple" => {
                let mut cursor = arg.walk();
                let items: Vec<Node> = arg.named_children(&mut cursor).collect();
                !items.is_empty() && items.iter().all(|i| constant_prefix(*i))
            }
            _ => constant_prefix(arg),
        }
    })
}

/// Whether a regular expression matches only whole strings of letters, digits, `_` and `-`:
/// anchored at both ends (`anchored_start`: `None` for `fullmatch`, `Some(false)` for `match`,
/// which anchors the start itself, `Some(true)` for `search`, which needs `^`), made of
/// character classes, `\d`, `\w`, those characters and quantifiers only.
fn safe_word_pattern(pattern: &str, anchored_start: Option<bool>) -> bool {
    let mut body = pattern;
    if anchored_start.is_some() {
        body = match body.strip_prefix('^').or_else(|| body.strip_prefix("\\A")) {
            Some(rest) => rest,
            None if anchored_start == Some(false) => body,
            None => return false,
        };
        body = match body.strip_suffix('$').or_else(|| body.strip_suffix("\\Z")) {
            Some(rest) => rest,
            None => return false,
        };
    } else {
        body = body.strip_prefix('^').unwrap_or(body);
        body = body.strip_suffix('$').unwrap_or(body);
    }
    if body.is_empty() {
        return false;
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut chars = body.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d' | 'w') => {}
                Some('-' | '_') => {}
                _ => return false,
            },
            '[' if !in_class => {
                if chars.peek() == Some(&'^') {
                    return false;
                }
                in_class = true;
            }
            ']' if in_class => in_class = false,
            '+' | '*' | '?' if !in_class => {}
            '{' if !in_class => {
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    if !(d.is_ascii_digit() || d == ',') {
                        return false;
                    }
                }
            }
            c if word(c) => {}
            _ => return false,
        }
    }
    !in_class
}

/// Django's checks that a URL stays on the site.
pub const URL_CHECKS: &[&str] = &["url_has_allowed_host_and_scheme", "is_safe_url"];

/// Whether a block assigns a constant to `name` (`if x not in OK: x = "default"`).
fn body_assigns_constant(walker: &mut Walker, body: Node, name: &str, depth: u32) -> bool {
    let src = walker.model.source;
    let mut cursor = body.walk();
    let stmts: Vec<Node> = body.named_children(&mut cursor).collect();
    stmts.iter().any(|stmt| {
        stmt.named_child(0).is_some_and(|a| {
            a.kind() == "assignment"
                && a.field(Field::Left)
                    .is_some_and(|l| l.kind() == "identifier" && text(l, src) == name)
                && a.field(Field::Right)
                    .is_some_and(|r| walker.expr(r, depth + 1).level == Level::Constant)
        })
    })
}

/// Whether an assignment or loop target binds `name`.
fn binds(target: Node, name: &str, src: &str) -> bool {
    match target.kind() {
        "identifier" => text(target, src) == name,
        "pattern_list" | "tuple_pattern" | "list_pattern" => {
            let mut cursor = target.walk();
            target
                .named_children(&mut cursor)
                .any(|t| t.kind() == "identifier" && text(t, src) == name)
        }
        _ => false,
    }
}

/// The name a parameter binds.
pub(crate) fn parameter_name<'s>(param: Node, src: &'s str) -> Option<&'s str> {
    match param.kind() {
        "identifier" => Some(text(param, src)),
        "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => param
            .named_child(0)
            .filter(|n| n.kind() == "identifier")
            .map(|n| text(n, src)),
        "default_parameter" | "typed_default_parameter" => {
            param.field(Field::Name).map(|n| text(n, src))
        }
        _ => None,
    }
}

/// Whether a function's parameters after the request are values captured from the URL: a
/// module-level function whose first parameter is the request, or an HTTP method handler of a
/// class (`def get(self, request, pk)`). A helper that merely takes the request along
/// (`def render(self, request, string)`, `def render_flatpage(request, f)` called from a view
/// is still module-level, hence the second check in `attribute`) is not. Where the function is
/// comes from the index's scopes (no walk up the tree).
fn is_view_function(
    model: &Model,
    function: Node,
    names: &[&str],
    request_params: &[String],
) -> bool {
    let index = &model.index;
    let src = model.source;
    if function.kind() != "function_definition" {
        return false;
    }
    // A view returns a response: `-> None`, `-> str` or `-> dict[str, Any]` is a helper that
    // takes the request, and its other parameters come from its callers, not the URL.
    if let Some(returns) = function.field(Field::ReturnType) {
        let returns = text(returns, src);
        if !["Response", "Redirect", "Http", "Any", "object"]
            .iter()
            .any(|r| returns.contains(r))
        {
            return false;
        }
    }
    let is_request = |n: Option<&&str>| n.is_some_and(|n| request_params.iter().any(|r| r == n));
    let outer = index.scope_node(index.scope_at(function));
    if outer.is_some_and(|o| o.kind() == "class_definition") {
        let method = function.field(Field::Name).map_or("", |n| text(n, src));
        const HANDLERS: &[&str] = &[
            "get", "post", "put", "patch", "delete", "head", "options", "trace", "dispatch",
        ];
        return HANDLERS.contains(&method) && is_request(names.get(1));
    }
    if outer.is_some() || !is_request(names.first()) {
        return false;
    }
    // When the URLconf is known, a function it does not route is a helper: its arguments come
    // from its callers (model instances, `reverse()` URLs, cleaned form data), not the URL.
    match &model.routing {
        super::Routing::Known(routed) => function
            .field(Field::Name)
            .is_some_and(|n| routed.contains_key(text(n, src))),
        super::Routing::Unknown { views_module, .. } => {
            *views_module
                || function
                    .parent()
                    .is_some_and(|p| p.kind() == "decorated_definition")
        }
    }
}

/// Methods of what a URL captures (a string, a number, a UUID): the only attributes a URL
/// parameter is used with.
const CAPTURE_METHODS: &[&str] = &[
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "split",
    "rsplit",
    "startswith",
    "endswith",
    "replace",
    "encode",
    "format",
    "isdigit",
    "isnumeric",
    "isalnum",
    "isalpha",
    "casefold",
    "title",
    "capitalize",
    "partition",
    "rpartition",
    "find",
    "rfind",
    "index",
    "count",
    "join",
    "zfill",
    "removeprefix",
    "removesuffix",
    "hex",
    "int",
    "urn",
    "bytes",
    "version",
];

/// Whether `function` uses parameter `name` as an object with attributes a URL capture does not
/// have (`chosen_ticket.id`, `ticket.save()`): its callers pass a model instance, the URL never
/// does. Bounded walk.
fn used_as_object(function: Node, name: &str, src: &str) -> bool {
    let Some(body) = function.field(Field::Body) else {
        return false;
    };
    let mut found = false;
    let mut seen = 0usize;
    node::walk(body, |n| {
        seen += 1;
        if found || seen > 20_000 {
            return false;
        }
        if n.kind() == "attribute"
            && n.field(Field::Object)
                .is_some_and(|o| o.kind() == "identifier" && text(o, src) == name)
            && n.field(Field::Attribute)
                .is_some_and(|a| !CAPTURE_METHODS.contains(&text(a, src)))
        {
            found = true;
        }
        !found
    });
    found
}

/// Whether the URLconf may fill in parameter `name` of the view `function`: unless the routes
/// that reach it are known (from `ROOT_URLCONF`, or from URL modules djsec read without it) and
/// none captures `name` (`def register(request, redirect_url=None)`
/// routed at `register/`: its callers pass `redirect_url`, the URL never does).
fn may_capture(model: &Model, function: Node, name: &str) -> bool {
    let routed = match &model.routing {
        super::Routing::Known(routed) => routed,
        super::Routing::Unknown { reached, .. } => reached,
    };
    let Some(view) = function.field(Field::Name).map(|n| text(n, model.source)) else {
        return true;
    };
    match routed.get(view) {
        Some(Some(captured)) => captured.contains(name),
        _ => true,
    }
}

/// Whether a parameter's annotation, if any, lets it hold what a URL captures: a string, a
/// number or a UUID (`obj: Project` is an object its callers pass).
fn url_typed(function: Node, name: &str, src: &str) -> bool {
    let Some(params) = function.field(Field::Parameters) else {
        return true;
    };
    let mut cursor = params.walk();
    let annotation = params
        .named_children(&mut cursor)
        .filter(|p| matches!(p.kind(), "typed_parameter" | "typed_default_parameter"))
        .find(|p| parameter_name(*p, src) == Some(name))
        .and_then(|p| p.field(Field::Type));
    let Some(annotation) = annotation else {
        return true;
    };
    let annotation = text(annotation, src);
    ["str", "int", "UUID", "Any", "slug"]
        .iter()
        .any(|t| annotation.contains(t))
}

/// Whether a binding in `block` runs whenever `use_site` runs (after it): the innermost block
/// holding the binding also holds the use. A binding inside an `if` body dominates uses in the
/// same body, not uses after the `if`.
fn dominates(block: (usize, usize), use_site: Node) -> bool {
    block.0 <= use_site.start_byte() && use_site.end_byte() <= block.1
}

/// The HTML-special characters a chain of `.replace(char, entity)` calls ending at `call`
/// replaces by an entity (`x.replace("&", "&amp;").replace("<", "&lt;")`).
#[derive(Debug, Default, Clone, Copy)]
struct Replaced {
    amp: bool,
    lt: bool,
    gt: bool,
    quote: bool,
    apostrophe: bool,
}

impl Replaced {
    fn escapes_all(self) -> bool {
        self.amp && self.lt && self.gt && self.quote && self.apostrophe
    }
}

/// [`Replaced`] for the chain ending at `call` (a `.replace()` call), `None` when the last call
/// replaces no special character by its entity.
fn html_replacements(call: Node, src: &str) -> Option<Replaced> {
    let mut replaced = Replaced::default();
    let mut current = Some(call);
    let mut last = true;
    let mut links = 0;
    while let Some(c) = current.filter(|c| c.kind() == "call") {
        links += 1;
        let function = c
            .field(Field::Function)
            .filter(|f| f.kind() == "attribute")?;
        if function.field(Field::Attribute).map(|a| text(a, src)) != Some("replace") || links > 16 {
            break;
        }
        let args = node::positional_args(c);
        let literal = |i: usize| {
            args.get(i)
                .and_then(|a| super::strings::plain_literal(*a, src))
                .and_then(|t| match t.pieces.as_slice() {
                    [super::strings::Piece::Lit(text)] => Some(text.clone()),
                    [] => Some(String::new()),
                    _ => None,
                })
        };
        let pair = literal(0).zip(literal(1));
        let flag = match pair.as_ref().map(|(a, b)| (a.as_str(), b.as_str())) {
            Some(("&", "&amp;")) => Some(&mut replaced.amp),
            Some(("<", "&lt;" | "&#60;" | "&#x3c;")) => Some(&mut replaced.lt),
            Some((">", "&gt;" | "&#62;" | "&#x3e;")) => Some(&mut replaced.gt),
            Some(("\"", "&quot;" | "&#34;" | "&#x22;")) => Some(&mut replaced.quote),
            Some(("'", "&#39;" | "&#x27;" | "&apos;")) => Some(&mut replaced.apostrophe),
            _ => None,
        };
        match flag {
            Some(flag) => *flag = true,
            None if last => return None,
            None => {}
        }
        last = false;
        current = function.field(Field::Object);
    }
    Some(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::{Model, sources::Tables};
    use crate::syntax::python;

    /// Classify the argument of the last `sink(...)` call in `src` for `sink`.
    fn flow_for(src: &str, sink: SinkKind) -> Flow {
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
            .map(|a| model.flow_for(a, sink));
        match arg {
            Some(f) => f,
            None => panic!("no sink(...) call in test source"),
        }
    }

    fn flow_of(src: &str) -> Flow {
        flow_for(src, SinkKind::Html)
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
        assert_eq!(
            flow_of("from django.utils.translation import gettext as _\ndef f():\n    sink(_('<b>{}</b>'))").level,
            Level::Constant
        );
        assert_eq!(
            flow_of(
                "COLS = {'a': 'name'}\ndef f(request):\n    sink(COLS.get(request.GET['o'], 'id'))"
            )
            .level,
            Level::Constant
        );
    }

    #[test]
    fn a_parameter_used_as_an_object_is_not_url_data() {
        // A URL captures text, a number or a UUID: a parameter with other attributes is an
        // object the callers pass (a helper taking the request first).
        let f = flow_of("def merge(request, ticket):\n    ticket.save()\n    sink(ticket)");
        assert_ne!(f.level, Level::Request);
        let f = flow_of("def v(request, slug):\n    sink(slug.lower().strip())");
        assert_eq!(f.level, Level::Request);
        assert_eq!(f.source.as_deref(), Some("URL parameter `slug`"));
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
        let f = flow_of("class V:\n    def get(self, request):\n        sink(self.kwargs['slug'])");
        assert_eq!(f.level, Level::Request);
        assert_eq!(f.source.as_deref(), Some("URL parameters `self.kwargs`"));
    }

    #[test]
    fn helpers_annotated_to_return_no_response_take_no_url_parameters() {
        // Takes the request but returns no response: not a view, its arguments come from callers.
        for returns in ["None", "str", "dict[str, str]", "Optional[int]"] {
            let f = flow_of(&format!(
                "def note_failure(request, target=None) -> {returns}:\n    sink(target)"
            ));
            assert_eq!(f.level, Level::Unknown, "-> {returns}");
        }
        // Views, annotated or not, still take URL parameters.
        for returns in [
            "",
            " -> HttpResponse",
            " -> HttpResponseRedirect | None",
            " -> Any",
        ] {
            let f = flow_of(&format!(
                "def go(request, target){returns}:\n    sink(target)"
            ));
            assert_eq!(f.level, Level::Request, "{returns:?}");
        }
    }

    #[test]
    fn loops_comprehensions_closures_and_walrus() {
        assert_eq!(
            flow_of("def v(request):\n    for x in request.GET.getlist('a'):\n        sink(x)")
                .level,
            Level::Request
        );
        assert_eq!(
            flow_of(
                "def v(request):\n    for k, v in request.GET.items():\n        sink(f'{k}={v}')"
            )
            .level,
            Level::Request
        );
        assert_eq!(
            flow_of("def v(request):\n    sink(''.join(f'<li>{i}</li>' for i in request.GET.getlist('a')))")
                .level,
            Level::Request
        );
        assert_eq!(
            flow_of("def v():\n    sink(''.join(f'<li>{i}</li>' for i in ('a', 'b')))").level,
            Level::Constant
        );
        assert_eq!(
            flow_of("def v(request):\n    q = request.GET['q']\n    def inner():\n        sink(q)\n    return inner")
                .level,
            Level::Request
        );
        assert_eq!(
            flow_of("def v(request):\n    if (q := request.GET.get('q')):\n        sink(q)").level,
            Level::Request
        );
        assert_eq!(
            flow_of("def v(request):\n    sink((q := request.GET.get('q')))").level,
            Level::Request
        );
    }

    #[test]
    fn class_body_names_are_not_visible_in_methods() {
        let src =
            "name = 'const'\nclass C:\n    name = load()\n    def m(self):\n        sink(name)";
        assert_eq!(flow_of(src).level, Level::Constant);
    }

    #[test]
    fn sanitizers_depend_on_the_sink() {
        let src = "from django.utils.html import escape\ndef v(request):\n    sink('<b>%s</b>' % escape(request.GET['a']))";
        assert_eq!(flow_of(src).level, Level::Escaped);
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Request);
        assert_eq!(
            flow_for(
                "def v(request):\n    sink(f\"{int(request.GET['n'])}\")",
                SinkKind::Sql
            )
            .level,
            Level::Escaped
        );
        assert_eq!(
            flow_of("import json\ndef v(request):\n    sink(json.dumps(request.GET['a']))").level,
            Level::Request,
            "json.dumps() does not escape `</script>`: not an HTML sanitizer"
        );
    }

    #[test]
    fn markers_are_handled_at_their_call() {
        let src = "from django.utils.safestring import mark_safe\nICON = mark_safe('<i></i>')\ndef v(request):\n    sink(ICON)";
        assert_eq!(flow_of(src).level, Level::Constant);
        let src = "from django.utils.safestring import mark_safe\ndef v(request):\n    sink(mark_safe(request.GET['a']))";
        assert_eq!(flow_of(src).level, Level::Escaped);
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Request);
    }

    #[test]
    fn allow_list_checks_make_names_constant() {
        let allowed = "ALLOWED = {'name', 'date'}\n";
        let inside = format!(
            "{allowed}def v(request):\n    col = request.GET['o']\n    if col in ALLOWED:\n        sink(f'ORDER BY {{col}}')"
        );
        assert_eq!(flow_of(&inside).level, Level::Constant);
        let raised = format!(
            "{allowed}def v(request):\n    col = request.GET['o']\n    if col not in ALLOWED:\n        raise ValueError(col)\n    sink(f'ORDER BY {{col}}')"
        );
        assert_eq!(flow_of(&raised).level, Level::Constant);
        let asserted = "def v(request):\n    col = request.GET['o']\n    assert col in ('a', 'b')\n    sink(col)";
        assert_eq!(flow_of(asserted).level, Level::Constant);
        let reset = format!(
            "{allowed}def v(request):\n    col = request.GET['o']\n    if col not in ALLOWED:\n        col = 'name'\n    sink(col)"
        );
        assert_eq!(flow_of(&reset).level, Level::Constant);
        let ternary = format!(
            "{allowed}def v(request):\n    col = request.GET['o']\n    sink(col if col in ALLOWED else 'id')"
        );
        assert_eq!(flow_of(&ternary).level, Level::Constant);
        // Not guards: a non-constant collection, a check that does not exit, a reassignment
        // after the check, a use outside the checked branch.
        for src in [
            "def v(request, allowed):\n    col = request.GET['o']\n    if col in allowed:\n        sink(col)".to_string(),
            format!("{allowed}def v(request):\n    col = request.GET['o']\n    if col not in ALLOWED:\n        log(col)\n    sink(col)"),
            format!("{allowed}def v(request):\n    col = request.GET['o']\n    if col not in ALLOWED:\n        raise ValueError\n    col = request.GET['p']\n    sink(col)"),
            format!("{allowed}def v(request):\n    col = request.GET['o']\n    if col in ALLOWED:\n        pass\n    sink(col)"),
            format!("{allowed}def v(request):\n    col = request.GET['o']\n    if col in ALLOWED or True:\n        sink(col)"),
        ] {
            assert_eq!(flow_of(&src).level, Level::Request, "{src}");
        }
    }

    #[test]
    fn equality_with_a_server_value_is_a_check() {
        let src = "def v(request):\n    token = request.GET['t']\n    if token != settings.TOKEN:\n        raise Http404\n    sink(token)";
        assert_eq!(flow_of(src).level, Level::Constant);
        let src = "def v(request):\n    token = request.GET['t']\n    if token == settings.TOKEN:\n        sink(token)";
        assert_eq!(flow_of(src).level, Level::Constant);
        // Compared with another request value: still the client's.
        let src = "def v(request):\n    token = request.GET['t']\n    if token != request.GET['u']:\n        raise Http404\n    sink(token)";
        assert_eq!(flow_of(src).level, Level::Request);
        // No exit: the check guards nothing after it.
        let src = "def v(request):\n    token = request.GET['t']\n    if token != settings.TOKEN:\n        log(token)\n    sink(token)";
        assert_eq!(flow_of(src).level, Level::Request);
    }

    #[test]
    fn checks_of_a_trimmed_copy_and_comprehension_filters_guard_the_value() {
        let src = "ALLOWED = {'a', 'b'}\ndef v(request):\n    sorting = request.GET.get('s') or 'a'\n    field = sorting.removeprefix('-')\n    if field not in ALLOWED:\n        return\n    sink(sorting)";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Constant);
        let src = "def v(request):\n    valid = get_valid_fields()\n    fields = request.GET['o'].split(',')\n    sink([t for t in fields if t in valid])";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Constant);
        let src = "def v(request):\n    fields = request.GET['o'].split(',')\n    sink([t for t in fields if term_valid(t)])";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Constant);
        // Not checks: a filter on something else, a copy made some other way.
        let src = "def v(request):\n    fields = request.GET['o'].split(',')\n    sink([t for t in fields if t])";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Request);
        let src = "ALLOWED = {'a'}\ndef v(request):\n    sorting = request.GET.get('s')\n    field = other(sorting)\n    if field not in ALLOWED:\n        return\n    sink(sorting)";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Request);
    }

    #[test]
    fn anchored_word_patterns_clean_paths_and_commands() {
        for (check, safe) in [
            ("re.fullmatch(r'[a-zA-Z0-9_-]+', name)", true),
            ("re.match(r'^[a-z0-9]+$', name)", true),
            ("re.match(r'\\w+\\Z', name)", true),
            ("re.search(r'^\\d{1,6}$', name)", true),
            ("re.search(r'[a-z]+$', name)", false),
            ("re.match(r'^[a-z.]+$', name)", false),
            ("re.match(r'^[^/]+$', name)", false),
            ("re.match(r'^[a-z]+', name)", false),
            ("re.fullmatch(PATTERN, name)", false),
        ] {
            let src = format!(
                "import re\ndef v(request):\n    name = request.GET['f']\n    if {check}:\n        sink(name)"
            );
            let expected = if safe {
                Level::Constant
            } else {
                Level::Request
            };
            assert_eq!(flow_for(&src, SinkKind::Path).level, expected, "{check}");
            // An alphanumeric host is still any host.
            assert_eq!(
                flow_for(&src, SinkKind::Url).level,
                Level::Request,
                "{check}"
            );
        }
        let exits = "import re\ndef v(request):\n    name = request.GET['f']\n    if not re.fullmatch(r'[\\w-]+', name):\n        raise ValueError\n    sink(name)";
        assert_eq!(flow_for(exits, SinkKind::Command).level, Level::Constant);
    }

    #[test]
    fn absolute_uris_of_the_sites_own_paths_are_not_client_text() {
        let src = "from django.urls import reverse\ndef v(request):\n    sink(request.build_absolute_uri(reverse('source')))";
        assert_eq!(flow_for(src, SinkKind::Html).level, Level::Escaped);
        let src = "def v(request):\n    sink(request.build_absolute_uri())";
        assert_eq!(flow_for(src, SinkKind::Html).level, Level::Request);
        let src = "def v(request):\n    sink(request.build_absolute_uri(request.GET['p']))";
        assert_eq!(flow_for(src, SinkKind::Html).level, Level::Request);
    }

    #[test]
    fn a_constant_rebinding_after_a_check_keeps_it() {
        let src = "def v(request):\n    mode = request.GET.get('sort', 'thread')\n    if mode not in ('date', 'thread'):\n        raise SuspiciousOperation\n    if mode == 'thread':\n        mode = 'thread_order'\n    sink(mode)";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Constant);
        // Bound again to request data: the check says nothing of it.
        let src = "def v(request):\n    mode = request.GET.get('sort', 'thread')\n    if mode not in ('date', 'thread'):\n        raise SuspiciousOperation\n    if mode == 'thread':\n        mode = request.GET['other']\n    sink(mode)";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Request);
    }

    #[test]
    fn a_name_without_a_separator_stays_in_its_folder() {
        for check in ["os.path.sep in name", "'/' in name", "os.sep in name"] {
            let src = format!(
                "import os\ndef v(request, name):\n    name = request.GET['f']\n    if {check}:\n        raise PermissionDenied\n    sink(name)"
            );
            assert_eq!(
                flow_for(&src, SinkKind::Path).level,
                Level::Constant,
                "{check}"
            );
            // Not a check for other sinks, nor a check of something else.
            assert_eq!(flow_for(&src, SinkKind::Command).level, Level::Request);
        }
        let src = "import os\ndef v(request):\n    name = request.GET['f']\n    if '..' in name:\n        raise PermissionDenied\n    sink(name)";
        assert_eq!(flow_for(src, SinkKind::Path).level, Level::Request);
        let src = "import os\ndef v(request):\n    name = request.GET['f']\n    if os.path.sep in name:\n        log(name)\n    sink(name)";
        assert_eq!(flow_for(src, SinkKind::Path).level, Level::Request);
    }

    #[test]
    fn method_names_checked_by_prefix_or_offered_actions() {
        let src = "def v(request, d):\n    for method in request.GET.getlist('m'):\n        if not method.startswith('get_'):\n            continue\n        sink(method)";
        assert_eq!(flow_for(src, SinkKind::Eval).level, Level::Constant);
        assert_eq!(flow_for(src, SinkKind::Path).level, Level::Request);
        let src = "def v(self, request):\n    action = request.POST.get('action', '')\n    actions = self.get_actions()\n    if not actions or action not in actions:\n        return None\n    sink(action)";
        assert_eq!(flow_for(src, SinkKind::Eval).level, Level::Constant);
        assert_eq!(flow_for(src, SinkKind::Command).level, Level::Request);
    }

    #[test]
    fn sql_allow_lists_may_be_computed() {
        let src = "def v(request, view):\n    fields = set(view.get_available_fields())\n    for name, value in request.GET.items():\n        if name in fields:\n            sink(name)";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Constant);
        assert_eq!(flow_for(src, SinkKind::Html).level, Level::Request);
        let src = "def v(request):\n    for name in request.GET:\n        if name in request.POST:\n            sink(name)";
        assert_eq!(flow_for(src, SinkKind::Sql).level, Level::Request);
    }

    #[test]
    fn sanitizers_and_branches() {
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
    fn trusted_parameters() {
        let src = "def f(value, arg):\n    sink(value + '<br>')\n";
        let tree = python::parse(src, None);
        let tables = Tables::default();
        let model = Model::build(src, &tree, &tables);
        let Some(function) = model.index.functions.first().copied() else {
            panic!("no function");
        };
        let Some(arg) = model
            .index
            .calls
            .first()
            .and_then(|c| node::positional_args(*c).first().copied())
        else {
            panic!("no call");
        };
        let trusted = [(function.start_byte(), "value")];
        let query = Query {
            summarize: None,
            sink: SinkKind::Html,
            trusted_params: &trusted,
            calls_propagate: false,
        };
        assert_eq!(classify_with(&model, arg, query).level, Level::Escaped);
        assert_eq!(model.flow(arg).level, Level::Unknown);
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

#[cfg(test)]
mod url_parameter_precision {
    use crate::analysis::testing::codes_at;

    /// Seen on Django's flatpages and Wagtail's tests: helpers that take the request along are not
    /// views, and fields read off a parameter mean it is an object, not a URL value.
    #[test]
    fn helpers_and_objects_are_not_url_parameters() {
        let src = "from django.utils.safestring import mark_safe\nfrom django.template import Template\ndef render_flatpage(request, f):\n    return mark_safe(f.title)\nclass T:\n    def render(self, request, string):\n        return Template(string)\n";
        let severities: Vec<_> = codes_at(src)
            .into_iter()
            .map(|(c, _, _, s)| (c, s))
            .collect();
        assert!(
            severities.iter().all(|(_, s)| *s != "error"),
            "{severities:?}"
        );
    }

    #[test]
    fn view_functions_and_handlers_keep_url_parameters() {
        let src = "from django.utils.safestring import mark_safe\ndef v(request, slug):\n    return mark_safe(slug)\nclass V:\n    def get(self, request, pk):\n        return mark_safe(pk)\n";
        let got: Vec<_> = codes_at(src)
            .into_iter()
            .map(|(c, l, _, s)| (c, l, s))
            .collect();
        assert_eq!(got, vec![("DJS101", 3, "error"), ("DJS101", 6, "error")]);
    }
}
