//! Render facts: where a Python file renders a template, how its output is used, and what
//! context it passes.
//!
//! Per file, as plain data and a pure function of the file's text (like the function summaries
//! of [`super`]): every `render()`, `render_to_string()`, `TemplateResponse()`,
//! `get_template(...).render()`, `select_template(...)`, class-based `template_name` (with the
//! names of `get_context_data()` and `extra_context`) and `as_view(template_name=...)`; for
//! each, the template name ([`TemplateName`]: constant, or built from a parameter of a helper
//! such as `tmpl(name, **ctx)` → `render_to_string("integrations/%s" % name, ctx)`, kept
//! symbolic and resolved at the helper's call sites), how the output is used ([`How`]: an HTML
//! response, plain text — an e-mail body, a payload sent to an API, a `text/plain` response —
//! or unknown), and the context: what each name holds ([`Value`]: a form, the CSRF token, a
//! model object, or a data-flow [`Flow`] kept symbolic in the function's parameters and in the
//! project calls it makes).
//!
//! The project index aggregates the facts of every file per template name ([`RenderMap`]),
//! resolving helpers at their call sites and the symbolic flows with the project's function
//! summaries; the template rules read it (`rules::templates`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tree_sitter::Node;

use crate::project::{FileId, ProjectIndex};
use crate::semantic::flow::{self, Flow, Level, Query, Summarize};
use crate::semantic::node::{self, text, unparenthesize};
use crate::semantic::strings::{self, Piece};
use crate::semantic::summary::{FunctionSummary, SummaryLookup};
use crate::semantic::{Model, SinkKind};
use crate::syntax::python::{Field, Fields};

/// How the output of a rendered template is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum How {
    /// Served or embedded as HTML: a response, an HTML e-mail part, `mark_safe()`.
    Html,
    /// Plain text: an e-mail subject or text body, an SMS/chat/push payload sent to an API, a
    /// JSON field, a `text/plain` response.
    Text,
    /// Returned to the caller (a helper): its call sites decide.
    Returned,
    /// Anything else.
    Unknown,
}

impl How {
    /// The use of a value used in both ways: HTML wins, then unknown; text and "returned"
    /// stay what the caller makes of them.
    pub fn join(self, other: How) -> How {
        match (self, other) {
            (a, b) if a == b => a,
            (How::Html, _) | (_, How::Html) => How::Html,
            (How::Unknown, _) | (_, How::Unknown) => How::Unknown,
            _ => How::Returned,
        }
    }
}

/// The name of the rendered template.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TemplateName {
    /// Constant names: one, or the candidates of `select_template()` / a `template_name` list.
    Names(Vec<String>),
    /// `prefix + parameter + suffix`, a parameter of the rendering function (counting `self`).
    Param {
        param: usize,
        prefix: String,
        suffix: String,
    },
    /// The result of a project function that builds names (`_t("login.html")` with
    /// `def _t(fragment): return f"app/registration/{fragment}"`), with its constant argument.
    Built { callee: String, argument: String },
}

/// What a context name holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A Django form or formset (its widgets and labels render as escaped HTML); `bound` when
    /// it was built from request data (`form.data`, `field.value` are then request data).
    Form { bound: bool },
    /// `get_token(request)`.
    CsrfToken,
    /// A model object, queryset or field of one: stored data.
    Model,
    /// Anything else, by its data flow (symbolic in the rendering function's parameters and in
    /// the project calls it makes).
    Flow(Flow),
}

/// The context a render passes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Context {
    /// Names and values, in source order (a name may repeat: each assignment that may reach).
    pub entries: Vec<(String, Value)>,
    /// The rendering function's `**kwargs` parameter is the context (`tmpl(name, **ctx)`): the
    /// keyword arguments of its call sites are entries.
    pub kwargs_param: Option<usize>,
    /// A parameter of the rendering function is the whole context (`helper(name, ctx)`).
    pub dict_param: Option<usize>,
}

/// One place a template is rendered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Render {
    /// The function that renders (`view`, `Class.method`), or the class for `template_name`,
    /// or `<module>` for module-level statements.
    pub function: String,
    /// Zero-based line of the render call (or of the `template_name` assignment).
    pub line: u32,
    pub name: TemplateName,
    pub how: How,
    pub context: Context,
}

/// An argument at a call that may reach a rendering helper.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Arg {
    /// The argument's value when it is a constant string.
    pub constant: Option<String>,
    pub value: Value,
    /// The entries of a dict literal argument (a context passed whole).
    pub dict: Option<Vec<(String, Value)>>,
}

/// A call that may reach a project helper rendering a template whose name is built from a
/// parameter: a call with a constant string argument to a function of the same module, or with
/// an argument that looks like a template name (`"sms.html"`, `"emails/alert"`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HelperCall {
    /// How the module names the callee (see `semantic::summary::CallRef::callee`).
    pub callee: String,
    /// Called through an attribute of an instance (`self.render_mail(...)`).
    pub bound: bool,
    /// The calling function.
    pub function: String,
    /// Zero-based line of the call.
    pub line: u32,
    pub args: Vec<Arg>,
    pub keywords: Vec<(String, Arg)>,
    /// How the caller uses the result.
    pub how: How,
}

/// What one Python file (or one of its top-level statements) says about rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenderFacts {
    pub renders: Vec<Render>,
    pub calls: Vec<HelperCall>,
    /// Functions that build a Jinja2 `Environment` with `autoescape=False` (a backend's
    /// `OPTIONS["environment"]` factory).
    pub autoescape_off_factories: Vec<String>,
    /// Functions that return a string made of constant text around their first argument
    /// (template-name builders): function, prefix, suffix.
    pub name_builders: Vec<(String, String, String)>,
}

impl RenderFacts {
    pub fn is_empty(&self) -> bool {
        self.renders.is_empty()
            && self.calls.is_empty()
            && self.autoescape_off_factories.is_empty()
            && self.name_builders.is_empty()
    }

    /// Add `other` (the facts of another statement); [`RenderFacts::finish`] puts the whole
    /// in its canonical order.
    pub fn extend(&mut self, other: &RenderFacts) {
        self.renders.extend(other.renders.iter().cloned());
        self.calls.extend(other.calls.iter().cloned());
        self.autoescape_off_factories
            .extend(other.autoescape_off_factories.iter().cloned());
        self.name_builders
            .extend(other.name_builders.iter().cloned());
    }

    /// [`RenderFacts::extend`], taking `other`'s facts.
    pub fn append(&mut self, mut other: RenderFacts) {
        self.renders.append(&mut other.renders);
        self.calls.append(&mut other.calls);
        self.autoescape_off_factories
            .append(&mut other.autoescape_off_factories);
        self.name_builders.append(&mut other.name_builders);
    }

    /// The same facts with every line passed through `map` (the facts of a statement that
    /// moved: its text, so what it says, is the same).
    pub fn map_lines(&self, map: impl Fn(u32) -> u32) -> RenderFacts {
        let mut out = self.clone();
        for render in &mut out.renders {
            render.line = map(render.line);
        }
        for call in &mut out.calls {
            call.line = map(call.line);
        }
        out
    }

    /// Source order (by line), whatever order the statements were added in, and the limits.
    pub fn finish(&mut self) {
        self.renders.sort_by_key(|r| r.line);
        self.calls.sort_by_key(|c| c.line);
        self.calls.truncate(MAX_CALLS);
        self.autoescape_off_factories.sort();
        self.autoescape_off_factories.dedup();
        self.name_builders.sort();
        self.name_builders.dedup();
    }
}

/// The most helper calls a file keeps.
const MAX_CALLS: usize = 256;
/// The most renders one statement keeps.
const MAX_RENDERS: usize = 256;
/// The most context entries one render keeps.
const MAX_ENTRIES: usize = 128;
/// How many levels a use of a rendered value is climbed (parentheses, string methods, a dict).
const MAX_CLIMB: usize = 24;
/// How many uses of a name holding a rendered value are followed (more: unknown).
const MAX_USES: usize = 8;
/// How many assignments deep the use of a rendered value is followed.
const MAX_USE_DEPTH: u32 = 3;

/// Extensions of template files (a constant argument ending so is a template name).
const TEMPLATE_EXTENSIONS: &[&str] = &[
    ".html", ".htm", ".txt", ".xml", ".json", ".jinja", ".jinja2", ".j2", ".md", ".eml", ".email",
    ".djhtml",
];

/// Extensions of plain-text templates.
const TEXT_EXTENSIONS: &[&str] = &[".txt", ".text", ".eml", ".md", ".csv", ".json"];

/// Whether a template name is that of a plain-text template.
pub fn is_text_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    TEXT_EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

// ---------------------------------------------------------------------------------------------
// Extraction

/// The render facts of one top-level statement of a module `model` indexes.
pub fn of_statement(model: &Model, statement: Node) -> RenderFacts {
    let mut out = RenderFacts::default();
    let src = model.source;
    match node::definition(statement) {
        Some(def) if def.kind() == "function_definition" => {
            let name = def.field(Field::Name).map_or("", |n| text(n, src));
            function_facts(model, def, name, None, &mut out);
        }
        Some(def) if def.kind() == "class_definition" => class_facts(model, def, &mut out),
        Some(_) => {}
        None => module_statement_facts(model, statement, &mut out),
    }
    out.renders.truncate(MAX_RENDERS);
    out.calls.truncate(MAX_CALLS);
    out
}

fn line_of(n: Node) -> u32 {
    u32::try_from(n.start_position().row).unwrap_or(u32::MAX)
}

/// Parameter names of a function, stars dropped.
fn param_names(def: Node, src: &str) -> Vec<String> {
    let Some(params) = def.field(Field::Parameters) else {
        return Vec::new();
    };
    let mut cursor = params.walk();
    params
        .named_children(&mut cursor)
        .filter_map(|p| flow::parameter_name(p, src).map(str::to_string))
        .collect()
}

/// The index of the `**kwargs` parameter.
fn double_splat_param(def: Node, src: &str) -> Option<(usize, String)> {
    let params = def.field(Field::Parameters)?;
    let mut cursor = params.walk();
    params
        .named_children(&mut cursor)
        .filter(|p| flow::parameter_name(*p, src).is_some())
        .enumerate()
        .find(|(_, p)| p.kind() == "dictionary_splat_pattern")
        .and_then(|(i, p)| Some((i, flow::parameter_name(p, src)?.to_string())))
}

/// What a function or method renders and calls.
fn function_facts(
    model: &Model,
    def: Node,
    name: &str,
    class: Option<&str>,
    out: &mut RenderFacts,
) {
    let src = model.source;
    let qualified_name = match class {
        Some(c) => format!("{c}.{name}"),
        None => name.to_string(),
    };
    let params = param_names(def, src);
    let target = Summarize {
        function: def.start_byte(),
        params: params.clone(),
        class: class.map(str::to_string),
    };
    let fx = Fx {
        model,
        def,
        params: &params,
        target: &target,
    };
    for &call in model.index.calls_in(def) {
        if out.renders.len() >= MAX_RENDERS {
            break;
        }
        // The name first: most calls are none of these, and naming is cheap.
        let Some(name) = node::callee_name(call, src) else {
            continue;
        };
        if RENDER_NAMES.contains(&name)
            && let Some(render) = fx.render_call(call)
        {
            out.renders.push(Render {
                function: qualified_name.clone(),
                line: line_of(call),
                ..render
            });
            continue;
        }
        if name.ends_with("Environment")
            && fx.makes_unescaped_environment(call)
            && !out.autoescape_off_factories.contains(&qualified_name)
        {
            out.autoescape_off_factories.push(qualified_name.clone());
        }
        if out.calls.len() < MAX_CALLS
            && has_constant_string_argument(call)
            && let Some(helper) = fx.helper_call(call, &qualified_name)
        {
            out.calls.push(helper);
        }
    }
    if let Some((prefix, suffix)) = fx.name_builder() {
        out.name_builders
            .push((qualified_name.clone(), prefix, suffix));
    }
    if fx.sets_autoescape_off() && !out.autoescape_off_factories.contains(&qualified_name) {
        out.autoescape_off_factories.push(qualified_name);
    }
}

/// The state of the extraction inside one function.
struct Fx<'m, 'a> {
    model: &'m Model<'a>,
    def: Node<'a>,
    params: &'m [String],
    target: &'m Summarize,
}

/// Qualified names of the functions that render a template, with the position of their
/// template-name and context arguments and of `content_type`.
struct Renderer {
    name: &'static str,
    template: usize,
    context: usize,
    content_type: Option<usize>,
    /// A response (HTML unless `content_type` says otherwise); else the caller's use decides.
    response: bool,
}

const RENDERERS: &[Renderer] = &[
    Renderer {
        name: "django.shortcuts.render",
        template: 1,
        context: 2,
        content_type: Some(3),
        response: true,
    },
    Renderer {
        name: "django.shortcuts.render_to_response",
        template: 0,
        context: 1,
        content_type: Some(2),
        response: true,
    },
    Renderer {
        name: "django.template.response.TemplateResponse",
        template: 1,
        context: 2,
        content_type: Some(3),
        response: true,
    },
    Renderer {
        name: "django.template.response.SimpleTemplateResponse",
        template: 0,
        context: 1,
        content_type: Some(2),
        response: true,
    },
    Renderer {
        name: "django.template.loader.render_to_string",
        template: 0,
        context: 1,
        content_type: None,
        response: false,
    },
];

/// The keyword names of the template-name, context and content-type arguments.
fn keywords_of(position: usize, renderer: &Renderer) -> &'static [&'static str] {
    if position == renderer.template {
        &["template_name", "template"]
    } else if position == renderer.context {
        &["context", "dictionary"]
    } else {
        &["content_type"]
    }
}

/// Methods of a string that keep it text.
const STRING_METHODS: &[&str] = &[
    "strip",
    "lstrip",
    "rstrip",
    "replace",
    "splitlines",
    "split",
    "encode",
    "format",
    "capitalize",
    "lower",
    "upper",
    "title",
    "removeprefix",
    "removesuffix",
];

/// Calls whose arguments are sent as e-mail text (positions of the text arguments).
const MAIL_TEXT: &[(&str, &[usize], &[&str])] = &[
    ("send_mail", &[0, 1], &["subject", "message"]),
    ("mail_admins", &[0, 1], &["subject", "message"]),
    ("mail_managers", &[0, 1], &["subject", "message"]),
    ("send_mass_mail", &[0], &["datatuple"]),
    ("EmailMessage", &[0, 1], &["subject", "body"]),
    ("EmailMultiAlternatives", &[0, 1], &["subject", "body"]),
];

/// Names of calls that send a payload to another service (SMS, chat, push, webhooks).
const SENDERS: &[&str] = &[
    "post",
    "put",
    "patch",
    "request",
    "urlopen",
    "send",
    "send_message",
    "post_message",
    "chat_postMessage",
    "create",
    "notify",
    "push",
    "publish",
    "send_sms",
    "send_notification",
];

/// Keywords that carry a payload's text.
const PAYLOAD_KEYWORDS: &[&str] = &[
    "json", "data", "payload", "body", "text", "message", "content", "title", "alert", "subject",
];

impl<'m, 'a> Fx<'m, 'a> {
    fn src(&self) -> &'a str {
        self.model.source
    }

    /// A render call: its template name, how, context.
    fn render_call(&self, call: Node<'a>) -> Option<Render> {
        let src = self.src();
        let function = call.field(Field::Function)?;
        let qualified = self.model.qualified_name(function);
        if let Some(renderer) = qualified
            .as_deref()
            .and_then(|q| RENDERERS.iter().find(|r| r.name == q))
        {
            let arg = |position: usize| {
                keywords_of(position, renderer)
                    .iter()
                    .find_map(|k| node::keyword_arg(call, k, src))
                    .or_else(|| node::positional_args(call).get(position).copied())
            };
            let name = self.template_name(arg(renderer.template)?)?;
            let how = if renderer.response {
                match renderer.content_type.and_then(arg) {
                    None => How::Html,
                    Some(ct) => content_type_how(ct, src),
                }
            } else {
                self.usage(call, 0)
            };
            let context = arg(renderer.context)
                .map(|c| self.context_of(c))
                .unwrap_or_default();
            return Some(Render {
                function: String::new(),
                line: 0,
                name,
                how,
                context,
            });
        }
        // `get_template(name).render(context)` (Django, and Jinja2's `env.get_template`), with
        // the template bound to a name or not.
        if function.kind() == "attribute"
            && function.field(Field::Attribute).map(|a| text(a, src)) == Some("render")
        {
            let receiver = unparenthesize(function.field(Field::Object)?);
            let lookup = self.template_lookup(receiver)?;
            let name = self.template_name_of_lookup(lookup)?;
            let context = match node::positional_args(call).first() {
                Some(c) => self.context_of(*c),
                None => self.keywords_context(call),
            };
            return Some(Render {
                function: String::new(),
                line: 0,
                name,
                how: self.usage(call, 0),
                context,
            });
        }
        None
    }

    /// The `get_template(...)` / `select_template(...)` call a receiver is, directly or through
    /// a name bound once to it.
    fn template_lookup(&self, receiver: Node<'a>) -> Option<Node<'a>> {
        let src = self.src();
        let is_lookup = |n: Node| {
            n.kind() == "call"
                && node::callee_name(n, src)
                    .is_some_and(|c| matches!(c, "get_template" | "select_template"))
        };
        if is_lookup(receiver) {
            return Some(receiver);
        }
        if receiver.kind() == "identifier" {
            let scope = self.model.index.scope_at(receiver);
            let bindings = self.model.index.bindings(scope, text(receiver, src));
            if let [only] = bindings
                && let Some(value) = only.value.map(unparenthesize)
                && is_lookup(value)
            {
                return Some(value);
            }
        }
        None
    }

    fn template_name_of_lookup(&self, lookup: Node<'a>) -> Option<TemplateName> {
        let first = node::positional_args(lookup).first().copied().or_else(|| {
            node::keyword_arg(lookup, "template_name", self.src())
                .or_else(|| node::keyword_arg(lookup, "template_name_list", self.src()))
                .or_else(|| node::keyword_arg(lookup, "name", self.src()))
        })?;
        self.template_name(first)
    }

    /// A template-name argument: constant strings (a list of them for `select_template`), or a
    /// string built from one parameter, directly or through a name bound once.
    fn template_name(&self, arg: Node<'a>) -> Option<TemplateName> {
        self.template_name_at(arg, 0)
    }

    fn template_name_at(&self, arg: Node<'a>, depth: u32) -> Option<TemplateName> {
        let src = self.src();
        let arg = unparenthesize(arg);
        if matches!(arg.kind(), "list" | "tuple") {
            let mut cursor = arg.walk();
            let names: Vec<String> = arg
                .named_children(&mut cursor)
                .filter_map(|item| constant_string(item, src))
                .collect();
            return (!names.is_empty()).then_some(TemplateName::Names(names));
        }
        if let Some(name) = constant_string(arg, src) {
            return Some(TemplateName::Names(vec![name]));
        }
        if arg.kind() == "call"
            && let Some(built) = self.built_name(arg)
        {
            return Some(built);
        }
        if arg.kind() == "identifier" {
            let name = text(arg, src);
            if let Some(param) = self.params.iter().position(|p| p == name) {
                return Some(TemplateName::Param {
                    param,
                    prefix: String::new(),
                    suffix: String::new(),
                });
            }
            if depth > 2 {
                return None;
            }
            let scope = self.model.index.scope_at(arg);
            let bindings = self.model.index.bindings(scope, name);
            if let [only] = bindings
                && !only.augmented
                && let Some(value) = only.value
            {
                return self.template_name_at(value, depth + 1);
            }
            return None;
        }
        // `"integrations/%s" % name`, f-strings, `+`, `.format()`: one parameter in constant text.
        let template = strings::decompose(arg, src)?;
        let mut prefix = String::new();
        let mut suffix = String::new();
        let mut param = None;
        for piece in &template.pieces {
            match piece {
                Piece::Lit(s) if param.is_none() => prefix.push_str(s),
                Piece::Lit(s) => suffix.push_str(s),
                Piece::Value { expr, spec } if param.is_none() && spec.is_empty() => {
                    let expr = unparenthesize(*expr);
                    if expr.kind() != "identifier" {
                        return None;
                    }
                    let name = text(expr, src);
                    param = Some(self.params.iter().position(|p| p == name)?);
                }
                Piece::Value { .. } => return None,
            }
        }
        Some(TemplateName::Param {
            param: param?,
            prefix,
            suffix,
        })
    }

    /// `_t("login.html")`: a call with one constant argument to a function of the project.
    fn built_name(&self, call: Node<'a>) -> Option<TemplateName> {
        built_name(self.model, call)
    }

    /// The context a render receives from the expression `arg`.
    fn context_of(&self, arg: Node<'a>) -> Context {
        let src = self.src();
        let arg = unparenthesize(arg);
        let mut context = Context::default();
        match arg.kind() {
            "dictionary" => self.dict_entries(arg, &mut context.entries),
            "call" if node::callee_name(arg, src) == Some("dict") => {
                self.keyword_entries(arg, &mut context.entries);
            }
            "identifier" => {
                let name = text(arg, src);
                if let Some(param) = self.params.iter().position(|p| p == name) {
                    context.dict_param = Some(param);
                }
                let scope = self.model.index.scope_at(arg);
                for binding in self.model.index.bindings(scope, name) {
                    match binding.value.map(unparenthesize) {
                        Some(v) if v.kind() == "dictionary" => {
                            self.dict_entries(v, &mut context.entries);
                        }
                        Some(v)
                            if v.kind() == "call" && node::callee_name(v, src) == Some("dict") =>
                        {
                            self.keyword_entries(v, &mut context.entries);
                        }
                        Some(v) if v.kind() == "call" => {
                            // `ctx = self.get_context_data(form=form)`, `super()...(**kwargs)`
                            self.keyword_entries(v, &mut context.entries);
                        }
                        _ => {}
                    }
                }
                self.mutations(name, &mut context.entries);
            }
            _ => {}
        }
        if let Some((index, kwargs)) = double_splat_param(self.def, src)
            && self.context_is_kwargs(arg, &kwargs)
        {
            context.kwargs_param = Some(index);
            context.dict_param = None;
        }
        context.entries.truncate(MAX_ENTRIES);
        context
    }

    /// `render_to_string(name, ctx)` in `def tmpl(name, **ctx)`.
    fn context_is_kwargs(&self, arg: Node, kwargs: &str) -> bool {
        arg.kind() == "identifier" && text(arg, self.src()) == kwargs
    }

    /// The keyword arguments of a call (Jinja2's `template.render(**ctx)` or `render(a=b)`).
    fn keywords_context(&self, call: Node<'a>) -> Context {
        let mut context = Context::default();
        self.keyword_entries(call, &mut context.entries);
        let src = self.src();
        if let Some((index, kwargs)) = double_splat_param(self.def, src)
            && let Some(args) = call.field(Field::Arguments)
        {
            let mut cursor = args.walk();
            let splats_kwargs = args.named_children(&mut cursor).any(|a| {
                a.kind() == "dictionary_splat"
                    && a.named_child(0).is_some_and(|v| text(v, src) == kwargs)
            });
            if splats_kwargs {
                context.kwargs_param = Some(index);
            }
        }
        context
    }

    fn dict_entries(&self, dict: Node<'a>, entries: &mut Vec<(String, Value)>) {
        let src = self.src();
        let mut cursor = dict.walk();
        let pairs: Vec<Node> = dict.named_children(&mut cursor).collect();
        for pair in pairs {
            if pair.kind() != "pair" {
                continue;
            }
            let (Some(key), Some(value)) = (pair.field(Field::Key), pair.field(Field::Value))
            else {
                continue;
            };
            if let Some(key) = constant_string(key, src) {
                entries.push((key, self.value(value)));
            }
        }
    }

    fn keyword_entries(&self, call: Node<'a>, entries: &mut Vec<(String, Value)>) {
        let src = self.src();
        let Some(args) = call.field(Field::Arguments) else {
            return;
        };
        let mut cursor = args.walk();
        let children: Vec<Node> = args.named_children(&mut cursor).collect();
        for arg in children {
            if arg.kind() == "keyword_argument"
                && let (Some(name), Some(value)) = (arg.field(Field::Name), arg.field(Field::Value))
            {
                entries.push((text(name, src).to_string(), self.value(value)));
            }
        }
    }

    /// `name["k"] = v`, `name.update({...})` / `name.update(k=v)`, `name.setdefault("k", v)` in
    /// the function.
    fn mutations(&self, name: &str, entries: &mut Vec<(String, Value)>) {
        let src = self.src();
        let Some(body) = self.def.field(Field::Body) else {
            return;
        };
        let mut found: Vec<(Node<'a>, Option<String>)> = Vec::new();
        node::walk(body, |n| {
            if found.len() >= MAX_ENTRIES {
                return false;
            }
            match n.kind() {
                "assignment" => {
                    if let (Some(left), Some(right)) = (n.field(Field::Left), n.field(Field::Right))
                        && left.kind() == "subscript"
                        && left
                            .field(Field::Value)
                            .is_some_and(|v| text(v, src) == name)
                        && let Some(key) = left
                            .field(Field::Subscript)
                            .and_then(|k| constant_string(k, src))
                    {
                        found.push((right, Some(key)));
                    }
                }
                "call" => {
                    if let Some(function) = n.field(Field::Function)
                        && function.kind() == "attribute"
                        && function
                            .field(Field::Object)
                            .is_some_and(|o| text(o, src) == name)
                    {
                        match function.field(Field::Attribute).map(|a| text(a, src)) {
                            Some("update") => found.push((n, None)),
                            Some("setdefault") => {
                                let args = node::positional_args(n);
                                if let (Some(k), Some(v)) = (args.first(), args.get(1))
                                    && let Some(key) = constant_string(*k, src)
                                {
                                    found.push((*v, Some(key)));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "function_definition" | "class_definition" | "lambda" => return false,
                _ => {}
            }
            true
        });
        for (node, key) in found {
            match key {
                Some(key) => entries.push((key, self.value(node))),
                None => {
                    // `ctx.update({...})` or `ctx.update(a=b)`
                    if let Some(first) = node::positional_args(node)
                        .first()
                        .map(|f| unparenthesize(*f))
                        && first.kind() == "dictionary"
                    {
                        self.dict_entries(first, entries);
                    }
                    self.keyword_entries(node, entries);
                }
            }
        }
    }

    /// What a context value is.
    fn value(&self, expr: Node<'a>) -> Value {
        self.value_at(expr, 0)
    }

    fn value_at(&self, expr: Node<'a>, depth: u32) -> Value {
        let src = self.src();
        let expr = unparenthesize(expr);
        if let Some(kind) = object_kind(self.model, expr) {
            return match kind {
                ObjectKind::Form => Value::Form {
                    bound: self.arguments_flow(expr).level == Level::Request,
                },
                ObjectKind::CsrfToken => Value::CsrfToken,
                ObjectKind::Model => Value::Model,
            };
        }
        // A name bound to forms / model objects in every assignment that may reach.
        if expr.kind() == "identifier" && depth < 2 {
            let scope = self.model.index.scope_at(expr);
            let bindings = self.model.index.bindings(scope, text(expr, src));
            if !bindings.is_empty() && bindings.len() <= 8 {
                let values: Vec<Value> = bindings
                    .iter()
                    .map(|b| match b.value {
                        Some(v) if !b.augmented => self.value_at(v, depth + 1),
                        _ => Value::Flow(Flow::of(Level::Unknown)),
                    })
                    .collect();
                if values.iter().all(|v| matches!(v, Value::Form { .. })) {
                    let bound = values
                        .iter()
                        .any(|v| matches!(v, Value::Form { bound: true }));
                    return Value::Form { bound };
                }
                if values.iter().all(|v| *v == Value::Model) {
                    return Value::Model;
                }
            }
        }
        Value::Flow(self.flow(expr))
    }

    /// The flows of a call's arguments, joined (what a form is built from).
    fn arguments_flow(&self, call: Node<'a>) -> Flow {
        let Some(args) = call.field(Field::Arguments) else {
            return Flow::constant();
        };
        let mut cursor = args.walk();
        let children: Vec<Node> = args.named_children(&mut cursor).collect();
        let mut flow = Flow::constant();
        for arg in children {
            let value = match arg.kind() {
                "keyword_argument" => arg.field(Field::Value),
                "comment" => None,
                "list_splat" | "dictionary_splat" => arg.named_child(0),
                _ => Some(arg),
            };
            if let Some(v) = value {
                flow = flow.join(self.flow(v));
            }
        }
        flow
    }

    fn flow(&self, expr: Node<'a>) -> Flow {
        self.model.flow_with(
            expr,
            Query {
                summarize: Some(self.target),
                ..Query::sink(SinkKind::Html)
            },
        )
    }

    /// How the value of `expr` (a rendered template) is used in the function.
    fn usage(&self, expr: Node<'a>, depth: u32) -> How {
        let src = self.src();
        let mut n = expr;
        // `Node::parent()` searches from the root (tree-sitter nodes keep no parent link), so the
        // climb is bounded: past a few levels, the use is unknown.
        for _ in 0..MAX_CLIMB {
            let Some(parent) = n.parent() else {
                return How::Unknown;
            };
            match parent.kind() {
                "parenthesized_expression"
                | "list"
                | "tuple"
                | "binary_operator"
                | "concatenated_string" => n = parent,
                "pair" if parent.field(Field::Value) == Some(n) => match parent.parent() {
                    Some(dict) => n = dict,
                    None => return How::Unknown,
                },
                "attribute" if parent.field(Field::Object) == Some(n) => {
                    let method = parent.field(Field::Attribute).map_or("", |a| text(a, src));
                    match parent.parent() {
                        Some(call) if call.kind() == "call" && STRING_METHODS.contains(&method) => {
                            n = call;
                        }
                        _ => return How::Unknown,
                    }
                }
                "argument_list" => {
                    let Some(call) = parent.parent() else {
                        return How::Unknown;
                    };
                    // `json.dumps(...)`, `json.loads(...)`, `str(...)`: what the result is
                    // used for decides.
                    if node::callee_name(call, src)
                        .is_some_and(|c| matches!(c, "dumps" | "loads" | "str" | "dict"))
                    {
                        n = call;
                        continue;
                    }
                    let position = node::positional_args(call).iter().position(|a| *a == n);
                    return self.argument_use(call, position, None);
                }
                "keyword_argument" => {
                    let keyword = parent.field(Field::Name).map(|k| text(k, src));
                    let Some(call) = parent.parent().and_then(|a| a.parent()) else {
                        return How::Unknown;
                    };
                    return self.argument_use(call, None, keyword);
                }
                "return_statement" => return How::Returned,
                "assignment" if parent.field(Field::Right) == Some(n) => {
                    let Some(left) = parent.field(Field::Left) else {
                        return How::Unknown;
                    };
                    return match left.kind() {
                        "identifier" if depth < MAX_USE_DEPTH => {
                            self.uses_of(text(left, src), parent, depth + 1)
                        }
                        // `msg.body = rendered` (an `EmailMessage`), `sms.text = ...`
                        "attribute" => {
                            let attr = left.field(Field::Attribute).map_or("", |a| text(a, src));
                            if matches!(attr, "body" | "subject" | "text" | "message") {
                                How::Text
                            } else {
                                How::Unknown
                            }
                        }
                        "subscript" if depth < MAX_USE_DEPTH => {
                            match left
                                .field(Field::Value)
                                .filter(|v| v.kind() == "identifier")
                            {
                                Some(v) => self.uses_of(text(v, src), parent, depth + 1),
                                None => How::Unknown,
                            }
                        }
                        _ => How::Unknown,
                    };
                }
                _ => return How::Unknown,
            }
        }
        How::Unknown
    }

    /// How a name bound at `binding` is used after it, in the function.
    fn uses_of(&self, name: &str, binding: Node<'a>, depth: u32) -> How {
        let src = self.src();
        let Some(body) = self.def.field(Field::Body) else {
            return How::Unknown;
        };
        let mut uses: Vec<Node<'a>> = Vec::new();
        node::walk(body, |n| {
            if uses.len() > MAX_USES {
                return false;
            }
            if n.kind() == "identifier"
                && text(n, src) == name
                && n.start_byte() >= binding.end_byte()
                && !is_assignment_target(n)
            {
                uses.push(n);
            }
            !matches!(n.kind(), "function_definition" | "class_definition")
        });
        if uses.is_empty() || uses.len() > MAX_USES {
            return How::Unknown;
        }
        uses.into_iter()
            .map(|u| self.usage(u, depth))
            .reduce(How::join)
            .unwrap_or(How::Unknown)
    }

    /// How a call uses the argument at `position` / `keyword`.
    fn argument_use(&self, call: Node<'a>, position: Option<usize>, keyword: Option<&str>) -> How {
        let src = self.src();
        let Some(name) = node::callee_name(call, src) else {
            return How::Unknown;
        };
        if let Some((_, positions, keywords)) = MAIL_TEXT.iter().find(|(n, _, _)| *n == name) {
            if keyword == Some("html_message") {
                return How::Html;
            }
            if position.is_some_and(|p| positions.contains(&p))
                || keyword.is_some_and(|k| keywords.contains(&k))
            {
                return How::Text;
            }
            return How::Unknown;
        }
        match name {
            "attach_alternative" if position == Some(0) || keyword == Some("content") => {
                let mimetype = node::positional_args(call)
                    .get(1)
                    .copied()
                    .or_else(|| node::keyword_arg(call, "mimetype", src));
                return match mimetype.and_then(|m| constant_string(m, src)) {
                    Some(m) if m.contains("html") => How::Html,
                    Some(_) => How::Text,
                    None => How::Unknown,
                };
            }
            "mark_safe" | "format_html" | "SafeString" | "Markup" => return How::Html,
            // A JSON response goes to the site's own pages, which may insert it as HTML.
            "JsonResponse" => return How::Unknown,
            _ if name.starts_with("HttpResponse") || name == "StreamingHttpResponse" => {
                if position != Some(0) && keyword != Some("content") {
                    return How::Unknown;
                }
                let ct = node::keyword_arg(call, "content_type", src)
                    .or_else(|| node::positional_args(call).get(1).copied());
                return match ct {
                    None => How::Html,
                    Some(ct) => content_type_how(ct, src),
                };
            }
            _ => {}
        }
        if SENDERS.contains(&name) && keyword.is_some_and(|k| PAYLOAD_KEYWORDS.contains(&k)) {
            return How::Text;
        }
        How::Unknown
    }

    /// A call with a constant argument that may reach a rendering helper.
    fn helper_call(&self, call: Node<'a>, caller: &str) -> Option<HelperCall> {
        let src = self.src();
        let function = call.field(Field::Function)?;
        let args_node = call.field(Field::Arguments)?;
        if args_node.kind() != "argument_list" {
            return None;
        }
        let qualified = self.model.qualified_name(function);
        if qualified.as_deref().is_some_and(|q| {
            q.starts_with("django.") || q.starts_with("builtins.") || !q.contains('.')
        }) {
            return None;
        }
        let (callee, bound) = self.model.callee(call, function, qualified.as_deref())?;
        // A function of the project (this module, or a relative import), or one whose name says
        // it renders or sends: any constant argument may be a template name's part.
        let last = callee
            .rsplit('.')
            .next()
            .unwrap_or(&callee)
            .to_ascii_lowercase();
        let candidate = callee.starts_with('@')
            || callee.starts_with('.')
            || [
                "mail", "render", "tmpl", "template", "send", "notify", "message",
            ]
            .iter()
            .any(|w| last.contains(w));
        let mut cursor = args_node.walk();
        let mut children: Vec<(Option<String>, Node<'a>, Option<String>)> = Vec::new();
        let mut interesting = false;
        for child in args_node.named_children(&mut cursor) {
            let (keyword, value) = match child.kind() {
                "keyword_argument" => (
                    child.field(Field::Name).map(|n| text(n, src).to_string()),
                    child.field(Field::Value),
                ),
                // `**ctx`: the keywords it holds are not known here.
                "comment" | "dictionary_splat" => continue,
                // `*args`: the positions of the rest are not known.
                "list_splat" => return None,
                _ => (None, Some(child)),
            };
            let Some(value) = value else { continue };
            let constant = constant_string(value, src);
            if let Some(c) = &constant {
                interesting |= candidate || looks_like_template_name(c);
            }
            children.push((keyword, value, constant));
        }
        if !interesting {
            return None;
        }
        let mut args = Vec::new();
        let mut keywords = Vec::new();
        for (keyword, value, constant) in children {
            let value_node = unparenthesize(value);
            let dict = (value_node.kind() == "dictionary").then(|| {
                let mut entries = Vec::new();
                self.dict_entries(value_node, &mut entries);
                entries
            });
            let arg = Arg {
                constant,
                value: self.value(value),
                dict,
            };
            match keyword {
                Some(k) => keywords.push((k, arg)),
                None => args.push(arg),
            }
        }
        Some(HelperCall {
            callee,
            bound,
            function: caller.to_string(),
            line: line_of(call),
            args,
            keywords,
            how: self.usage(call, 0),
        })
    }

    /// A function whose only return is constant text around its first parameter (after the
    /// receiver of a method).
    fn name_builder(&self) -> Option<(String, String)> {
        let [ret] = self.model.index.returns(self.def) else {
            return None;
        };
        let value = ret.named_child(0)?;
        let first = usize::from(self.target.class.is_some());
        match self.template_name_at(value, 3)? {
            TemplateName::Param {
                param,
                prefix,
                suffix,
            } if param == first && !(prefix.is_empty() && suffix.is_empty()) => {
                Some((prefix, suffix))
            }
            _ => None,
        }
    }

    /// `Environment(..., autoescape=False)` (Jinja2, or a subclass named `*Environment`).
    fn makes_unescaped_environment(&self, call: Node<'a>) -> bool {
        let src = self.src();
        let Some(name) = node::callee_name(call, src) else {
            return false;
        };
        name.ends_with("Environment")
            && node::keyword_arg(call, "autoescape", src)
                .is_some_and(|v| unparenthesize(v).kind() == "false")
    }

    /// `options["autoescape"] = False`, `options.setdefault("autoescape", False)` or
    /// `options.update(autoescape=False)` in a factory.
    fn sets_autoescape_off(&self) -> bool {
        let src = self.src();
        let Some(body) = self.def.field(Field::Body) else {
            return false;
        };
        let body_text = text(body, src);
        if !body_text.contains("autoescape") {
            return false;
        }
        let mut found = false;
        node::walk(body, |n| {
            match n.kind() {
                "assignment" => {
                    if let (Some(left), Some(right)) = (n.field(Field::Left), n.field(Field::Right))
                        && left.kind() == "subscript"
                        && left
                            .field(Field::Subscript)
                            .and_then(|k| constant_string(k, src))
                            .as_deref()
                            == Some("autoescape")
                        && unparenthesize(right).kind() == "false"
                    {
                        found = true;
                    }
                }
                "call" => {
                    let args = node::positional_args(n);
                    let setdefault = node::callee_name(n, src) == Some("setdefault")
                        && args
                            .first()
                            .and_then(|k| constant_string(*k, src))
                            .as_deref()
                            == Some("autoescape")
                        && args
                            .get(1)
                            .is_some_and(|v| unparenthesize(*v).kind() == "false");
                    let update = node::callee_name(n, src) == Some("update")
                        && node::keyword_arg(n, "autoescape", src)
                            .is_some_and(|v| unparenthesize(v).kind() == "false");
                    found |= setdefault || update;
                }
                _ => {}
            }
            !found
        });
        found
    }
}

/// The names of the calls that may render: the functions of [`RENDERERS`] and the `render()`
/// method of a template.
const RENDER_NAMES: &[&str] = &[
    "render",
    "render_to_response",
    "render_to_string",
    "TemplateResponse",
    "SimpleTemplateResponse",
];

/// Whether a call has a plain string literal among its arguments (positional or keyword).
fn has_constant_string_argument(call: Node) -> bool {
    let Some(args) = call.field(Field::Arguments) else {
        return false;
    };
    let mut cursor = args.walk();
    let mut children = args.named_children(&mut cursor);
    children.any(|arg| {
        let value = if arg.kind() == "keyword_argument" {
            arg.field(Field::Value)
        } else {
            Some(arg)
        };
        value.is_some_and(|v| matches!(v.kind(), "string" | "concatenated_string"))
    })
}

/// `_t("login.html")`: a call with one constant argument to a function the module can name.
fn built_name(model: &Model, call: Node) -> Option<TemplateName> {
    let src = model.source;
    let function = call.field(Field::Function)?;
    let args = node::positional_args(call);
    let [only] = args.as_slice() else {
        return None;
    };
    if node::arg_count(call) != 1 {
        return None;
    }
    let argument = constant_string(*only, src)?;
    let qualified = model.qualified_name(function);
    if qualified
        .as_deref()
        .is_some_and(|q| q.starts_with("django.") || !q.contains('.'))
    {
        return None;
    }
    let (callee, _) = model.callee(call, function, qualified.as_deref())?;
    Some(TemplateName::Built { callee, argument })
}

/// Whether an identifier is not a use of the name: an assignment target, a keyword name
/// (`f(data=...)`), an attribute's name (`x.data`).
fn is_assignment_target(ident: Node) -> bool {
    ident.parent().is_some_and(|p| match p.kind() {
        "assignment" | "augmented_assignment" => p.field(Field::Left) == Some(ident),
        "keyword_argument" => p.field(Field::Name) == Some(ident),
        "attribute" => p.field(Field::Attribute) == Some(ident),
        _ => false,
    })
}

/// What a `content_type` argument says.
fn content_type_how(ct: Node, src: &str) -> How {
    match constant_string(ct, src) {
        Some(ct)
            if ct
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html") =>
        {
            How::Html
        }
        Some(ct) if ct.trim().is_empty() => How::Html,
        Some(_) => How::Text,
        None => How::Unknown,
    }
}

/// A constant string argument that looks like a template name: a file name with a template
/// extension, or a path (`"emails/welcome"`), without spaces.
fn looks_like_template_name(s: &str) -> bool {
    if s.is_empty() || s.len() > 200 || s.chars().any(char::is_whitespace) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    TEMPLATE_EXTENSIONS.iter().any(|e| lower.ends_with(e))
        || (s.contains('/') && !s.starts_with('/') && !s.contains("://"))
}

/// The value of a constant string (implicit concatenation included), without interpolation.
pub(crate) fn constant_string(n: Node, src: &str) -> Option<String> {
    let n = unparenthesize(n);
    let template = strings::plain_literal(n, src)?;
    let mut out = String::new();
    for piece in &template.pieces {
        if let Piece::Lit(s) = piece {
            out.push_str(s);
        }
    }
    // Only byte strings and raw/escaped literals of no interest are excluded by the prefix.
    let open = template.open.to_ascii_lowercase();
    (!open.starts_with('b')).then_some(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjectKind {
    Form,
    CsrfToken,
    Model,
}

/// Forms, the CSRF token and model objects, by how they are made.
fn object_kind(model: &Model, expr: Node) -> Option<ObjectKind> {
    object_kind_at(model, expr, 0)
}

/// How many queryset methods deep `Model.objects.filter(...).order_by(...)` is followed.
const MAX_CHAIN: u32 = 16;

fn object_kind_at(model: &Model, expr: Node, depth: u32) -> Option<ObjectKind> {
    let src = model.source;
    match expr.kind() {
        "call" => {
            let function = expr.field(Field::Function)?;
            let qualified = model.qualified_name(function);
            if qualified.as_deref().is_some_and(|q| {
                matches!(
                    q,
                    "django.middleware.csrf.get_token" | "django.template.context_processors.csrf"
                )
            }) {
                return Some(ObjectKind::CsrfToken);
            }
            let name = node::callee_name(expr, src)?;
            if name.ends_with("Form")
                || name.ends_with("FormSet")
                || name.ends_with("Formset")
                || matches!(
                    name,
                    "get_form" | "form_class" | "get_formset" | "formset_class"
                )
            {
                return Some(ObjectKind::Form);
            }
            if matches!(
                name,
                "get_object_or_404" | "get_list_or_404" | "get_object" | "get_queryset"
            ) || text(function, src).contains(".objects.")
            {
                return Some(ObjectKind::Model);
            }
            // `Model.objects.filter(...).order_by(...)`: a queryset method on a queryset.
            if function.kind() == "attribute"
                && depth < MAX_CHAIN
                && let Some(receiver) = function.field(Field::Object)
                && receiver.kind() == "call"
            {
                return object_kind_at(model, unparenthesize(receiver), depth + 1)
                    .filter(|k| *k == ObjectKind::Model);
            }
            None
        }
        "attribute" => {
            let t = text(expr, src);
            if matches!(t, "self.object" | "self.object_list") {
                return Some(ObjectKind::Model);
            }
            if t.ends_with(".objects") {
                return Some(ObjectKind::Model);
            }
            None
        }
        _ => None,
    }
}

/// Facts of a class: `template_name` (and the e-mail template names of the auth views), with
/// the context of `extra_context` and `get_context_data()`; the renders of its methods.
fn class_facts(model: &Model, class: Node, out: &mut RenderFacts) {
    let src = model.source;
    let Some(class_name) = class.field(Field::Name).map(|n| text(n, src)) else {
        return;
    };
    let Some(body) = class.field(Field::Body) else {
        return;
    };
    let bases = class
        .field(Field::Superclasses)
        .map_or("", |s| text(s, src));
    let mut cursor = body.walk();
    let members: Vec<Node> = body.named_children(&mut cursor).collect();
    let mut names: Vec<(String, Node, TemplateName, How)> = Vec::new();
    let mut content_type: Option<How> = None;
    let mut context = Context::default();
    for member in &members {
        if let Some(def) = node::definition(*member) {
            if def.kind() != "function_definition" {
                continue;
            }
            let name = def.field(Field::Name).map_or("", |n| text(n, src));
            function_facts(model, def, name, Some(class_name), out);
            let params = param_names(def, src);
            let target = Summarize {
                function: def.start_byte(),
                params: params.clone(),
                class: Some(class_name.to_string()),
            };
            let fx = Fx {
                model,
                def,
                params: &params,
                target: &target,
            };
            // The context of the class's renders: what `get_context_data()` adds, and the
            // keywords its methods pass to it.
            if name == "get_context_data" {
                fx.context_data(&mut context.entries);
            }
            for &call in model.index.calls_in(def) {
                if node::callee_name(call, src) == Some("get_context_data") {
                    fx.keyword_entries(call, &mut context.entries);
                }
            }
            if name == "get_template_names" {
                for ret in model.index.returns(def) {
                    if let Some(value) = ret.named_child(0)
                        && let Some(template) = fx.template_name(value)
                        && matches!(template, TemplateName::Names(_))
                    {
                        names.push(("template_name".into(), *ret, template, How::Html));
                    }
                }
            }
            continue;
        }
        let Some((left, right)) = node::name_assignment(*member) else {
            continue;
        };
        // The `assignment` node (the statement's only child).
        let assignment = member.named_child(0).unwrap_or(*member);
        let attr = text(left, src);
        let how = match attr {
            "template_name" => How::Html,
            "html_email_template_name" => How::Html,
            "email_template_name" | "subject_template_name" => How::Text,
            "content_type" => {
                content_type = Some(content_type_how(right, src));
                continue;
            }
            "extra_context" => {
                let right = unparenthesize(right);
                if right.kind() == "dictionary" {
                    let mut cursor = right.walk();
                    let pairs: Vec<Node> = right.named_children(&mut cursor).collect();
                    for pair in pairs {
                        if let (Some(k), Some(v)) =
                            (pair.field(Field::Key), pair.field(Field::Value))
                            && let Some(k) = constant_string(k, src)
                        {
                            context.entries.push((k, class_value(model, v)));
                        }
                    }
                }
                continue;
            }
            _ => continue,
        };
        let right = unparenthesize(right);
        let template = if matches!(right.kind(), "list" | "tuple") {
            let mut cursor = right.walk();
            let list: Vec<String> = right
                .named_children(&mut cursor)
                .filter_map(|i| constant_string(i, src))
                .collect();
            (!list.is_empty()).then_some(TemplateName::Names(list))
        } else {
            constant_string(right, src).map(|n| TemplateName::Names(vec![n]))
        };
        if let Some(template) = template {
            names.push((attr.to_string(), assignment, template, how));
        }
    }
    // What the generic views put in the context themselves.
    if bases.contains("Form") || bases.contains("Create") || bases.contains("Update") {
        context
            .entries
            .push(("form".to_string(), Value::Form { bound: true }));
    }
    if ["Detail", "Update", "Delete"]
        .iter()
        .any(|b| bases.contains(b))
    {
        context.entries.push(("object".to_string(), Value::Model));
    }
    if bases.contains("List") {
        context
            .entries
            .push(("object_list".to_string(), Value::Model));
    }
    context.entries.truncate(MAX_ENTRIES);
    for (attr, at, template, how) in names {
        let how = if attr == "template_name" {
            content_type.unwrap_or(how)
        } else {
            how
        };
        let context = if attr == "template_name" || attr == "html_email_template_name" {
            context.clone()
        } else {
            Context::default()
        };
        out.renders.push(Render {
            function: class_name.to_string(),
            line: line_of(at),
            name: template,
            how,
            context,
        });
    }
}

/// A class attribute's value (no function around it: a plain data flow).
fn class_value(model: &Model, expr: Node) -> Value {
    let expr = unparenthesize(expr);
    match object_kind(model, expr) {
        Some(ObjectKind::Form) => Value::Form { bound: false },
        Some(ObjectKind::CsrfToken) => Value::CsrfToken,
        Some(ObjectKind::Model) => Value::Model,
        None => Value::Flow(model.flow(expr)),
    }
}

impl<'m, 'a> Fx<'m, 'a> {
    /// The names `get_context_data()` adds: `ctx["k"] = v` and `ctx.update(...)` on any name,
    /// keywords of `super().get_context_data(k=v)`, and the keys of returned dict literals.
    fn context_data(&self, entries: &mut Vec<(String, Value)>) {
        let src = self.src();
        let Some(body) = self.def.field(Field::Body) else {
            return;
        };
        let mut names: Vec<&'a str> = Vec::new();
        node::walk(body, |n| {
            if n.kind() == "subscript"
                && let Some(v) = n.field(Field::Value).filter(|v| v.kind() == "identifier")
            {
                let name = text(v, src);
                if !names.contains(&name) && names.len() < 8 {
                    names.push(name);
                }
            }
            if n.kind() == "call"
                && let Some(f) = n.field(Field::Function)
                && f.kind() == "attribute"
                && f.field(Field::Attribute).map(|a| text(a, src)) == Some("update")
                && let Some(o) = f.field(Field::Object).filter(|o| o.kind() == "identifier")
            {
                let name = text(o, src);
                if !names.contains(&name) && names.len() < 8 {
                    names.push(name);
                }
            }
            !matches!(n.kind(), "function_definition" | "class_definition")
        });
        for name in names {
            self.mutations(name, entries);
        }
        for ret in self.model.index.returns(self.def) {
            if let Some(value) = ret.named_child(0).map(unparenthesize) {
                match value.kind() {
                    "dictionary" => self.dict_entries(value, entries),
                    "call" => self.keyword_entries(value, entries),
                    _ => {}
                }
            }
        }
        entries.truncate(MAX_ENTRIES);
    }
}

/// Module-level statements: `SomeView.as_view(template_name="x.html")` (in URLconfs).
fn module_statement_facts(model: &Model, statement: Node, out: &mut RenderFacts) {
    let src = model.source;
    let calls = model.index.calls_in(statement);
    for &call in calls.iter().take(4096) {
        if out.renders.len() >= MAX_RENDERS {
            break;
        }
        if node::callee_name(call, src) != Some("as_view") {
            continue;
        }
        let mut context = Context::default();
        if let Some(extra) = node::keyword_arg(call, "extra_context", src).map(unparenthesize)
            && extra.kind() == "dictionary"
        {
            let mut cursor = extra.walk();
            let pairs: Vec<Node> = extra.named_children(&mut cursor).collect();
            for pair in pairs {
                if let (Some(k), Some(v)) = (pair.field(Field::Key), pair.field(Field::Value))
                    && let Some(k) = constant_string(k, src)
                {
                    context.entries.push((k, class_value(model, v)));
                }
            }
        }
        for (keyword, how) in [
            ("template_name", How::Html),
            ("html_email_template_name", How::Html),
            ("email_template_name", How::Text),
            ("subject_template_name", How::Text),
        ] {
            let Some(value) = node::keyword_arg(call, keyword, src).map(unparenthesize) else {
                continue;
            };
            let name = match constant_string(value, src) {
                Some(name) => TemplateName::Names(vec![name]),
                None if value.kind() == "call" => match built_name(model, value) {
                    Some(built) => built,
                    None => continue,
                },
                None => continue,
            };
            out.renders.push(Render {
                function: "<module>".to_string(),
                line: line_of(call),
                name,
                how,
                context: if how == How::Html {
                    context.clone()
                } else {
                    Context::default()
                },
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Aggregation: what the project says about each template

/// What a context value is, once the project's summaries and the call sites are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Constant,
    /// Escaped or converted (`escape()`, `format_html()`, a number, a sanitizer's output).
    Escaped,
    Form {
        bound: bool,
    },
    CsrfToken,
    /// A model object: stored data, which may hold what users typed.
    Model,
    Unknown,
    /// Request data, with a description of its source (`request.GET`, URL parameter `slug`).
    Request(String),
}

/// One place that renders a template, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The file of the view (or of the helper's caller).
    pub file: FileId,
    /// The rendering function (or the caller of a rendering helper).
    pub function: String,
    /// Zero-based line.
    pub line: u32,
    pub how: How,
    pub entries: Vec<(String, Origin)>,
}

/// A template engine of the `TEMPLATES` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Django,
    Jinja2,
}

/// Every render of the project by template name, and the template engines whose autoescaping
/// is off. Built once per index snapshot, on first use ([`render_map`]).
#[derive(Debug, Default)]
pub struct RenderMap {
    by_name: HashMap<String, Vec<Site>>,
    /// The engines of the deployed `TEMPLATES` (empty when unknown).
    engines: Vec<Engine>,
    /// Engines configured with autoescaping off, with where it is said.
    autoescape_off: Vec<(Engine, String)>,
}

/// The render map of an index snapshot (computed on first use, then shared).
pub fn render_map(index: &Arc<ProjectIndex>) -> &RenderMap {
    index.renders.get_or_init(|| RenderMap::build(index))
}

/// The candidate template names of a file: its path under each `templates/` or `jinja2/`
/// directory among its ancestors, outermost first.
pub fn template_names(path: &Path) -> Vec<String> {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if matches!(*part, "templates" | "jinja2") && i + 1 < parts.len() {
            out.push(parts[i + 1..].join("/"));
        }
    }
    out
}

impl RenderMap {
    /// The renders of the template at `path` (under the name the project renders it by).
    pub fn sites_for(&self, path: &Path) -> Option<&[Site]> {
        template_names(path)
            .iter()
            .find_map(|name| self.by_name.get(name))
            .map(Vec::as_slice)
    }

    /// The engine that renders the template at `path`.
    pub fn engine_for(&self, path: &Path) -> Engine {
        let jinja_dir = path.components().any(|c| c.as_os_str() == "jinja2");
        let jinja_ext = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "jinja" | "jinja2" | "j2"));
        if jinja_dir
            || jinja_ext
            || (!self.engines.is_empty() && self.engines.iter().all(|e| *e == Engine::Jinja2))
        {
            Engine::Jinja2
        } else {
            Engine::Django
        }
    }

    /// Where the configuration turns autoescaping off for the engine of the template at
    /// `path`, if it does.
    pub fn autoescape_off_for(&self, path: &Path) -> Option<&str> {
        let engine = self.engine_for(path);
        self.autoescape_off
            .iter()
            .find(|(e, _)| *e == engine)
            .map(|(_, w)| w.as_str())
    }

    fn build(index: &Arc<ProjectIndex>) -> RenderMap {
        let mut map = RenderMap::default();
        let files: Vec<(&FileId, &Arc<super::FileFacts>)> = index
            .all_facts()
            .filter(|(_, f)| !f.render.is_empty())
            .collect();
        // Helpers rendering a template named by a parameter, by (file, function).
        let mut helpers: HashMap<(FileId, String), Vec<&Render>> = HashMap::new();
        for (file, facts) in &files {
            for render in &facts.render.renders {
                if matches!(render.name, TemplateName::Param { .. }) {
                    helpers
                        .entry(((*file).clone(), render.function.clone()))
                        .or_default()
                        .push(render);
                }
            }
        }
        let mut resolvers: HashMap<FileId, super::Resolver> = HashMap::new();
        let resolver_for = |resolvers: &mut HashMap<FileId, super::Resolver>,
                            file: &FileId,
                            facts: &Arc<super::FileFacts>| {
            resolvers.entry(file.clone()).or_insert_with(|| {
                super::Resolver::new(Some(Arc::clone(index)), Some(file), Arc::clone(facts))
            });
        };
        for (file, facts) in &files {
            resolver_for(&mut resolvers, file, facts);
            let Some(resolver) = resolvers.get(*file) else {
                continue;
            };
            for render in &facts.render.renders {
                let names: Vec<String> = match &render.name {
                    TemplateName::Names(names) => names.clone(),
                    TemplateName::Built { callee, argument } => {
                        match built(index, file, resolver, callee, argument) {
                            Some(name) => vec![name],
                            None => continue,
                        }
                    }
                    TemplateName::Param { .. } => continue,
                };
                let env = caller_env(index, file, facts.functions.get(&render.function));
                let entries = render
                    .context
                    .entries
                    .iter()
                    .map(|(k, v)| (k.clone(), origin(v, resolver, &env, &[])))
                    .collect();
                let site = Site {
                    file: (*file).clone(),
                    function: render.function.clone(),
                    line: render.line,
                    how: concrete(render.how),
                    entries,
                };
                for name in names {
                    map.push(name, site.clone());
                }
            }
        }
        if !helpers.is_empty() {
            for (file, facts) in &files {
                for call in &facts.render.calls {
                    let Some(resolver) = resolvers.get(*file) else {
                        continue;
                    };
                    let Some((callee_file, summary)) = resolver.function(None, &call.callee) else {
                        continue;
                    };
                    let callee_file = callee_file.unwrap_or_else(|| (*file).clone());
                    let Some(renders) = helpers.get(&(callee_file.clone(), summary.name.clone()))
                    else {
                        continue;
                    };
                    let env = caller_env(index, file, facts.functions.get(&call.function));
                    let Some(callee_facts) = index.facts(&callee_file).cloned() else {
                        continue;
                    };
                    resolver_for(&mut resolvers, &callee_file, &callee_facts);
                    let (Some(caller_resolver), Some(callee_resolver)) =
                        (resolvers.get(*file), resolvers.get(&callee_file))
                    else {
                        continue;
                    };
                    for render in renders {
                        if let Some((name, site)) = helper_site(
                            file,
                            call,
                            &summary,
                            render,
                            caller_resolver,
                            callee_resolver,
                            &env,
                        ) {
                            map.push(name, site);
                        }
                    }
                }
            }
        }
        let (engines, off) = engines(index);
        map.engines = engines;
        map.autoescape_off = off;
        map
    }

    fn push(&mut self, name: String, site: Site) {
        let sites = self.by_name.entry(name).or_default();
        if sites.len() < 64 && !sites.contains(&site) {
            sites.push(site);
        }
    }
}

/// The name a name-building function makes of a constant argument.
fn built(
    index: &ProjectIndex,
    file: &FileId,
    resolver: &super::Resolver,
    callee: &str,
    argument: &str,
) -> Option<String> {
    let (found, summary) = resolver.function(None, callee)?;
    let found = found.unwrap_or_else(|| file.clone());
    let facts = index.facts(&found)?;
    let (_, prefix, suffix) = facts
        .render
        .name_builders
        .iter()
        .find(|(name, _, _)| *name == summary.name)?;
    Some(format!("{prefix}{argument}{suffix}"))
}

/// "Returned" with no caller known is unknown.
fn concrete(how: How) -> How {
    if how == How::Returned {
        How::Unknown
    } else {
        how
    }
}

/// The flows the parameters of a rendering function receive: URL parameters for a view's
/// parameters after the request, unknown for the rest.
fn caller_env(
    index: &ProjectIndex,
    file: &Path,
    summary: Option<&Arc<FunctionSummary>>,
) -> Vec<Option<Flow>> {
    let Some(summary) = summary else {
        return Vec::new();
    };
    let request_at = usize::from(summary.bound);
    let method = summary.name.rsplit('.').next().unwrap_or("");
    let takes_request = summary
        .params
        .get(request_at)
        .is_some_and(|p| p == "request");
    let is_view = takes_request
        && if summary.bound {
            matches!(
                method,
                "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "dispatch"
            )
        } else {
            match crate::semantic::Routing::of(Some(index), Some(file)) {
                crate::semantic::Routing::Known(routed) => routed.contains_key(&summary.name),
                crate::semantic::Routing::Unknown { views_module, .. } => views_module,
            }
        };
    summary
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Some(if is_view && i > request_at && !p.starts_with('*') {
                Flow::request(format!("URL parameter `{p}`"))
            } else {
                Flow::of(Level::Unknown)
            })
        })
        .collect()
}

/// The parameter a flow is exactly (`{"check": check}` in a helper taking `check`).
fn bare_param(flow: &Flow) -> Option<usize> {
    let symbolic = flow.symbolic.as_deref()?;
    (flow.level == Level::Constant
        && !flow.formatted
        && symbolic.calls.is_empty()
        && symbolic.params.count_ones() == 1)
        .then(|| symbolic.params.trailing_zeros() as usize)
}

/// A context value made concrete: `env` binds the parameters, `args` are the values the
/// parameters receive (forms and model objects pass through a helper as such).
fn origin(
    value: &Value,
    lookup: &dyn SummaryLookup,
    env: &[Option<Flow>],
    args: &[Option<Origin>],
) -> Origin {
    match value {
        Value::Form { bound } => Origin::Form { bound: *bound },
        Value::CsrfToken => Origin::CsrfToken,
        Value::Model => Origin::Model,
        Value::Flow(f) => {
            if let Some(param) = bare_param(f)
                && let Some(Some(o)) = args.get(param)
            {
                return o.clone();
            }
            of_flow(&flow::evaluate(f, lookup, None, env, SinkKind::Html))
        }
    }
}

fn of_flow(flow: &Flow) -> Origin {
    match flow.level {
        Level::Constant => Origin::Constant,
        Level::Escaped => Origin::Escaped,
        Level::Unknown => Origin::Unknown,
        Level::Request => Origin::Request(
            flow.source
                .clone()
                .unwrap_or_else(|| "request data".to_string()),
        ),
    }
}

/// The flow an origin stands for (a helper's parameter receives it).
fn flow_of(origin: &Origin) -> Flow {
    match origin {
        Origin::Constant | Origin::CsrfToken => Flow::constant(),
        Origin::Escaped | Origin::Form { .. } => Flow::of(Level::Escaped),
        Origin::Model | Origin::Unknown => Flow::of(Level::Unknown),
        Origin::Request(source) => Flow::request(source.clone()),
    }
}

/// The render of a helper seen from one of its call sites: the template name with the
/// constant argument, the caller's use, the context with the arguments bound.
fn helper_site(
    file: &FileId,
    call: &HelperCall,
    summary: &FunctionSummary,
    render: &Render,
    caller: &dyn SummaryLookup,
    callee: &dyn SummaryLookup,
    caller_env: &[Option<Flow>],
) -> Option<(String, Site)> {
    let TemplateName::Param {
        param,
        prefix,
        suffix,
    } = &render.name
    else {
        return None;
    };
    // Which argument each parameter receives.
    let mut bound: Vec<Option<&Arg>> = vec![None; summary.params.len()];
    let mut extra_keywords: Vec<(&str, &Arg)> = Vec::new();
    for (i, arg) in call.args.iter().enumerate() {
        if let Some(slot) = summary.param_index(call.bound, Some(i), None)
            && let Some(entry) = bound.get_mut(slot)
        {
            *entry = Some(arg);
        }
    }
    for (keyword, arg) in &call.keywords {
        match summary.param_index(call.bound, None, Some(keyword)) {
            Some(slot) if !summary.params[slot].starts_with('*') => {
                if let Some(entry) = bound.get_mut(slot) {
                    *entry = Some(arg);
                }
            }
            _ => extra_keywords.push((keyword, arg)),
        }
    }
    let constant = bound.get(*param).copied().flatten()?.constant.as_deref()?;
    let name = format!("{prefix}{constant}{suffix}");
    let in_caller = |v: &Value| origin(v, caller, caller_env, &[]);
    let args: Vec<Option<Origin>> = bound
        .iter()
        .map(|a| a.map(|a| in_caller(&a.value)))
        .collect();
    let env: Vec<Option<Flow>> = args
        .iter()
        .map(|o| Some(o.as_ref().map_or_else(Flow::constant, flow_of)))
        .collect();
    let mut entries: Vec<(String, Origin)> = render
        .context
        .entries
        .iter()
        .map(|(k, v)| (k.clone(), origin(v, callee, &env, &args)))
        .collect();
    if render.context.kwargs_param.is_some() {
        for (keyword, arg) in extra_keywords {
            entries.push((keyword.to_string(), in_caller(&arg.value)));
        }
    }
    if let Some(dict) = render
        .context
        .dict_param
        .and_then(|p| bound.get(p).copied().flatten())
        .and_then(|a| a.dict.as_ref())
    {
        for (k, v) in dict {
            entries.push((k.clone(), in_caller(v)));
        }
    }
    let how = match render.how {
        How::Returned => concrete(call.how),
        other => other,
    };
    Some((
        name,
        Site {
            file: file.clone(),
            function: call.function.clone(),
            line: call.line,
            how,
            entries,
        },
    ))
}

/// The engines of the deployed `TEMPLATES` setting, and those whose autoescaping is off
/// (`OPTIONS["autoescape"] = False`, or a Jinja2 `environment` factory that builds an
/// `Environment(autoescape=False)`).
fn engines(index: &ProjectIndex) -> (Vec<Engine>, Vec<(Engine, String)>) {
    let mut engines = Vec::new();
    let mut off = Vec::new();
    let deployed = index.deployed_settings();
    for evaluation in crate::project::eval::evaluate_many(index, &deployed, None)
        .into_iter()
        .flatten()
    {
        let Some(templates) = evaluation.namespace.value("TEMPLATES") else {
            continue;
        };
        let settings_name = evaluation
            .module
            .strip_prefix(index.root())
            .unwrap_or(&evaluation.module)
            .display()
            .to_string();
        for backend in templates.items().unwrap_or_default() {
            let Some(name) = backend.get("BACKEND").and_then(|b| b.as_str()) else {
                continue;
            };
            let engine = if name.contains("jinja2") {
                Engine::Jinja2
            } else if name.starts_with("django.template.backends.django") {
                Engine::Django
            } else {
                continue;
            };
            if !engines.contains(&engine) {
                engines.push(engine);
            }
            let Some(options) = backend.get("OPTIONS") else {
                continue;
            };
            let label = match engine {
                Engine::Jinja2 => "Jinja2",
                Engine::Django => "Django",
            };
            if options
                .get("autoescape")
                .is_some_and(|v| v.is_true() == Some(false))
            {
                off.push((
                    engine,
                    format!("the {label} backend in `{settings_name}` sets `autoescape: False`"),
                ));
                continue;
            }
            if engine == Engine::Jinja2
                && let Some(factory) = options.get("environment").and_then(|v| v.as_str())
                && let Some((module, function)) = factory.rsplit_once('.')
                && let Some(file) = index.resolve_dotted(module)
                && index.facts(&file).is_some_and(|f| {
                    f.render
                        .autoescape_off_factories
                        .iter()
                        .any(|n| n == function)
                })
            {
                off.push((
                    engine,
                    format!(
                        "the Jinja2 environment `{factory}` of `{settings_name}` turns autoescaping off"
                    ),
                ));
            }
        }
    }
    (engines, off)
}

/// What the project says about one value a template shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Safe in every render that passes it (a constant, escaped data, a form, the CSRF token);
    /// what it is.
    Safe(String),
    /// Request data in at least one render: which view passes what.
    UserData(String),
    /// Stored or unknown data in some render (no render passes request data): which.
    Unknown(String),
}

/// Parts of a form's path that hold the submitted data.
const FORM_DATA: &[&str] = &["data", "cleaned_data", "value", "initial", "instance"];

/// The verdict on `root.rest...` (a template variable with its context name `root`, `shown`
/// as the template writes it) over the renders `sites`; `None` when no render passes `root`.
pub fn verdict(
    sites: &[Site],
    shown: &str,
    root: &str,
    rest: &[&str],
    root_dir: &Path,
) -> Option<Verdict> {
    let mut safe: Option<String> = None;
    let mut unknown: Option<String> = None;
    for site in sites {
        let place = || {
            let file = site.file.strip_prefix(root_dir).unwrap_or(&site.file);
            format!(
                "`{}()` in {}:{}",
                site.function.rsplit('.').next().unwrap_or(&site.function),
                file.display(),
                site.line + 1
            )
        };
        for (_, origin) in site.entries.iter().filter(|(k, _)| k == root) {
            let form_data = rest.iter().any(|p| FORM_DATA.contains(p));
            match origin {
                Origin::Request(source) => {
                    return Some(Verdict::UserData(format!(
                        "{shown} comes from {source} (passed by {}): user input",
                        place()
                    )));
                }
                Origin::Form { bound: true } if form_data => {
                    return Some(Verdict::UserData(format!(
                        "{shown} is data submitted to the form passed by {}: user input",
                        place()
                    )));
                }
                Origin::Form { bound: false } if form_data => {
                    unknown.get_or_insert_with(|| {
                        format!("{shown} is a form's data (passed by {})", place())
                    });
                }
                Origin::Model => {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "{shown} is stored data, a model object passed by {}",
                            place()
                        )
                    });
                }
                Origin::Unknown => {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "{shown} is passed by {}, from data djsec cannot follow",
                            place()
                        )
                    });
                }
                Origin::Constant | Origin::Escaped | Origin::CsrfToken | Origin::Form { .. } => {
                    let what = match origin {
                        Origin::Constant => "a constant",
                        Origin::Escaped => "escaped or converted data",
                        Origin::CsrfToken => "the CSRF token",
                        _ => "a form (its fields render escaped)",
                    };
                    safe.get_or_insert_with(|| format!("{shown} is {what} ({})", place()));
                }
            }
        }
    }
    match (unknown, safe) {
        (Some(u), _) => Some(Verdict::Unknown(u)),
        (None, Some(s)) => Some(Verdict::Safe(s)),
        (None, None) => None,
    }
}

/// Whether every known render of a template uses its output as plain text (and there is one).
pub fn only_text(sites: &[Site]) -> bool {
    !sites.is_empty() && sites.iter().all(|s| s.how == How::Text)
}

impl RenderMap {
    /// Every template name the project renders (tests, debugging).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<&str> = self.by_name.keys().map(String::as_str).collect();
        names.sort_unstable();
        names.into_iter()
    }

    /// The renders of a template name.
    pub fn sites(&self, name: &str) -> &[Site] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests;
