//! Injection from request data into commands, code, paths, URLs, deserializers, HTML e-mail and
//! CSV exports (`DJS6xx`).
//!
//! One engine for the family, driven by data: the sinks are the table of
//! [`crate::semantic::sources::Tables::sinks`] (a qualified name, the argument that matters, how
//! the sink reads it, what makes a call safe), the sources and sanitizers are the data flow's
//! tables, and the data flow itself is the project's ([`crate::semantic::flow`], through the
//! project's helpers by their summaries). [`check`] walks the calls once, matches each against
//! the table by the name it calls, judges the argument with the sink's [`Shape`] and reports the
//! rule of the sink's kind, naming the way the data took (`request.GET["f"]` → `name` →
//! `open()`).
//!
//! Severity: request data reaching the sink is an **error** (a **warning** for storage APIs that
//! keep names inside their folder). A value of unknown origin is reported only where the family
//! says so (see each rule's docs): a shell command line formatted with it and `eval()` of it as
//! hints, HTML e-mail formatted with it as a warning, CSV exports always as hints.

pub mod code;
pub mod command;
pub mod csv;
pub mod deserialization;
pub mod email;
pub mod path;
pub mod ssrf;
#[cfg(test)]
mod tables;

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Fix, Severity, Step};
use crate::rules::Rule;
use crate::semantic::index::Call;
use crate::semantic::sources::{Condition, SAFE_YAML_LOADERS, Shape, Sink, SinkKind};
use crate::semantic::{Flow, Level, flow, node};
use crate::syntax::python::{Field, Fields};

/// The rule that reports a sink kind.
fn rule_for(kind: SinkKind) -> Option<&'static Rule> {
    Some(match kind {
        SinkKind::Command => &command::RULE,
        SinkKind::Eval => &code::RULE,
        SinkKind::Path => &path::RULE,
        SinkKind::Url => &ssrf::RULE,
        SinkKind::Deserialize => &deserialization::RULE,
        SinkKind::Html => &email::RULE,
        SinkKind::Formula => &csv::RULE,
        SinkKind::Sql | SinkKind::Code | SinkKind::Redirect => return None,
    })
}

/// A sink call whose argument was judged dangerous, before it becomes a finding.
pub(crate) struct Hit<'t, 's> {
    pub call: Node<'t>,
    pub site: Call<'t>,
    pub sink: &'s Sink,
    /// The expression whose flow was judged (the argument, the program of an argument list,
    /// the command line of a shell, the receiver of a path method).
    pub value: Node<'t>,
    pub flow: Flow,
    pub severity: Severity,
    /// A shell reads the value (`shell=True`, `os.system`).
    pub shell: bool,
    /// The call as written, for messages (`sp.run()`, `msg.attach_alternative()`).
    pub label: String,
}

/// The family's entry point: every call matched against the sink table, then the shapes the
/// table cannot express (`globals()[name]()`, `getattr(module, name)()`).
pub fn check(checker: &mut PyChecker) {
    let tables = checker.model.sources;
    let calls = checker.model.index.call_sites.clone();
    let mut builtins = Builtins::default();
    let mut reported: Vec<(&'static str, usize)> = Vec::new();
    for site in calls {
        let Some(name) = site.name else {
            continue;
        };
        if !tables.has_sink_named(name) {
            continue;
        }
        let Some(callee) = resolve(checker, &site, &mut builtins) else {
            continue;
        };
        let matched: Vec<&Sink> = tables
            .sinks_named(name)
            .filter(|s| callee.matches(s, name))
            .collect();
        // A sink named by its class wins over the same method on any receiver.
        let specific = matched.iter().any(|s| !s.name.starts_with('.'));
        for sink in matched {
            if specific && sink.name.starts_with('.') {
                continue;
            }
            let Some(rule) = rule_for(sink.kind) else {
                continue;
            };
            if reported.contains(&(rule.code, site.node.start_byte())) {
                continue;
            }
            let Some(hit) = judge(checker, &site, sink) else {
                continue;
            };
            reported.push((rule.code, site.node.start_byte()));
            let finding = report(checker, rule, hit);
            checker.report(finding);
        }
    }
    code::check_dynamic(checker);
    email::check_subtype(checker);
}

/// How a call names its callee, for matching against the table.
struct Callee {
    /// A qualified name (`subprocess.run`, `requests.Session.get` for a method of an object
    /// built by `requests.Session()`), or a builtin's name.
    name: Option<String>,
    /// A method call (`x.attach_alternative(...)`), which `.method` sinks match.
    method: bool,
}

impl Callee {
    fn matches(&self, sink: &Sink, called: &str) -> bool {
        match sink.name.strip_prefix('.') {
            Some(method) => self.method && method == called,
            None => self.name.as_deref() == Some(sink.name.as_str()),
        }
    }
}

/// Names a module defines at the top level (a module's own `open()` is not the builtin),
/// collected once per check.
#[derive(Default)]
struct Builtins {
    defined: Option<Vec<String>>,
}

impl Builtins {
    fn is_defined(&mut self, checker: &PyChecker, name: &str) -> bool {
        let defined = self.defined.get_or_insert_with(|| {
            let src = checker.source();
            checker
                .model
                .tree
                .named_top_level()
                .into_iter()
                .filter_map(node::definition)
                .filter_map(|d| d.field(Field::Name))
                .map(|n| node::text(n, src).to_string())
                .collect()
        });
        defined.iter().any(|d| d == name)
    }
}

/// The name of what a call calls: its qualified name, the class of the object a method is
/// called on when a constructor built it, or a builtin.
fn resolve(checker: &PyChecker, site: &Call, builtins: &mut Builtins) -> Option<Callee> {
    let function = site.function?;
    let method = function.kind() == "attribute";
    if let Some(q) = checker.model.qualified_name(function) {
        return Some(Callee {
            name: Some(q),
            method,
        });
    }
    let src = checker.source();
    match function.kind() {
        "identifier" => {
            let name = node::text(function, src);
            let builtin = !is_bound(checker, function, name) && !builtins.is_defined(checker, name);
            Some(Callee {
                name: builtin.then(|| name.to_string()),
                method,
            })
        }
        "attribute" => {
            let class = site
                .receiver
                .and_then(|r| receiver_class(checker, r, 0))
                .map(|class| format!("{class}.{}", site.name.unwrap_or("")));
            Some(Callee {
                name: class,
                method,
            })
        }
        _ => None,
    }
}

/// Whether `name` is bound in the scope of `at` or an enclosing one (assigned, a parameter, an
/// import), so that it is not the builtin of that name.
fn is_bound(checker: &PyChecker, at: Node, name: &str) -> bool {
    let index = &checker.model.index;
    let scope = index.scope_at(at);
    let mut scopes = vec![scope];
    scopes.extend(index.enclosing_scopes(scope, 8));
    let src = checker.source();
    scopes.iter().any(|s| {
        if !index.bindings(*s, name).is_empty() {
            return true;
        }
        index
            .scope_node(*s)
            .and_then(|f| f.field(Field::Parameters))
            .is_some_and(|params| {
                let mut cursor = params.walk();
                params
                    .named_children(&mut cursor)
                    .any(|p| flow::parameter_name(p, src) == Some(name))
            })
    }) || checker.model.imports.is_bound(name)
}

/// The class of the object an expression holds, when a constructor built it: `requests.Session`
/// for `requests.Session()` or a name bound to it (`with requests.Session() as s`), `pathlib.Path`
/// for `Path(...)` and `BASE_DIR / name`.
pub(crate) fn receiver_class(checker: &PyChecker, receiver: Node, depth: u32) -> Option<String> {
    let receiver = node::unparenthesize(receiver);
    let src = checker.source();
    match receiver.kind() {
        "call" => {
            let function = receiver.field(Field::Function)?;
            let q = checker.model.qualified_name(function)?;
            Some(match q.as_str() {
                "pathlib.PurePath" | "pathlib.PosixPath" | "pathlib.WindowsPath" => {
                    "pathlib.Path".to_string()
                }
                _ => q,
            })
        }
        "binary_operator" => {
            let op = receiver.field(Field::Operator).map(|o| node::text(o, src));
            (op == Some("/")).then(|| "pathlib.Path".to_string())
        }
        "identifier" if depth < 3 => {
            let name = node::text(receiver, src);
            let index = &checker.model.index;
            let scope = index.scope_at(receiver);
            let bindings = index.bindings(scope, name);
            let before: Vec<_> = bindings
                .iter()
                .filter(|b| b.node.end_byte() <= receiver.start_byte())
                .collect();
            let mut class: Option<String> = None;
            for binding in before.iter().rev().take(4) {
                let found = receiver_class(checker, binding.value?, depth + 1)?;
                match &class {
                    Some(c) if *c != found => return None,
                    _ => class = Some(found),
                }
            }
            class
        }
        _ => None,
    }
}

/// The argument a sink reads: at its position (after the receiver for a method) or keyword.
pub(crate) fn argument<'t>(call: Node<'t>, sink: &Sink, src: &str) -> Option<Node<'t>> {
    let positional = sink
        .arg
        .position
        .and_then(|i| node::positional_args(call).get(i).copied())
        .filter(|a| a.kind() != "list_splat" && a.kind() != "dictionary_splat");
    positional.or_else(|| {
        sink.arg
            .keyword
            .as_deref()
            .and_then(|k| node::keyword_arg(call, k, src))
    })
}

/// Whether the argument at `position` / `keyword` is a string constant among `values`.
fn constant_among(
    call: Node,
    position: usize,
    keyword: &str,
    values: &[String],
    src: &str,
) -> bool {
    let arg = node::positional_args(call)
        .get(position)
        .copied()
        .or_else(|| node::keyword_arg(call, keyword, src));
    arg.map(node::unparenthesize).is_some_and(|a| {
        a.kind() == "string"
            && !node::is_fstring(a)
            && values
                .iter()
                .any(|v| node::text(a, src).trim_matches(['"', '\'']) == v)
    })
}

/// Whether a YAML call passes a safe loader.
fn safe_loader(checker: &PyChecker, call: Node, position: usize, keyword: &str) -> bool {
    let src = checker.source();
    let loader = node::positional_args(call)
        .get(position)
        .copied()
        .or_else(|| node::keyword_arg(call, keyword, src));
    loader.is_some_and(|l| {
        checker
            .model
            .qualified_name(l)
            .is_some_and(|q| SAFE_YAML_LOADERS.contains(&q.as_str()))
    })
}

/// Judge one sink call: the value that matters, its flow, and the severity it deserves.
fn judge<'t, 's>(checker: &PyChecker<'t>, site: &Call<'t>, sink: &'s Sink) -> Option<Hit<'t, 's>> {
    let call = site.node;
    let src = checker.source();
    match &sink.condition {
        Condition::Always => {}
        Condition::UnlessSafeLoader { position, keyword } => {
            if safe_loader(checker, call, *position, keyword) {
                return None;
            }
        }
        Condition::WhenConstant {
            position,
            keyword,
            values,
        } => {
            if !constant_among(call, *position, keyword, values, src) {
                return None;
            }
        }
    }
    let arg = match sink.shape {
        Shape::Receiver => site.receiver?,
        _ => argument(call, sink, src)?,
    };
    // A CSV writer matters when it writes a download, and when the row holds text.
    if sink.kind == SinkKind::Formula
        && sink.name.starts_with("csv.")
        && (!csv::writes_response(checker, call) || csv::only_numbers(checker, arg))
    {
        return None;
    }
    let (value, flow, shell) = match sink.shape {
        Shape::Value | Shape::Receiver => (arg, checker.model.flow_for(arg, sink.kind), false),
        Shape::Shell => (arg, checker.model.flow_for(arg, sink.kind), true),
        Shape::Argv | Shape::Program => {
            let target = command::target(checker, call, arg, sink.shape)?;
            let flow = checker.model.flow_for(target.value, sink.kind);
            if !target.shell && !target.partial_program && flow.formatted {
                // `subprocess.run(f"convert {x}")` without a shell runs a program named by
                // the whole string: data after the program name changes nothing that runs.
                return None;
            }
            (target.value, flow, target.shell)
        }
        Shape::Url => (arg, ssrf::host_flow(checker, arg), false),
    };
    let severity = verdict(sink, &flow, shell)?;
    let function = site.function.unwrap_or(call);
    let label = format!(
        "{}()",
        crate::semantic::flow::step_label(node::text(function, src))
    );
    Some(Hit {
        call,
        site: *site,
        sink,
        value,
        flow,
        severity,
        shell,
        label,
    })
}

/// The severity a flow into a sink deserves, `None` when it is not reported.
fn verdict(sink: &Sink, flow: &Flow, shell: bool) -> Option<Severity> {
    match (sink.kind, flow.level) {
        (SinkKind::Formula, Level::Request | Level::Unknown) => Some(Severity::Hint),
        (_, Level::Request) if sink.contained => Some(Severity::Warning),
        (_, Level::Request) => Some(Severity::Error),
        (SinkKind::Command, Level::Unknown) if shell && flow.formatted => Some(Severity::Hint),
        (SinkKind::Eval, Level::Unknown) if sink.audit_unknown => Some(Severity::Hint),
        (SinkKind::Html, Level::Unknown) if flow.formatted => Some(Severity::Warning),
        (SinkKind::Deserialize, Level::Unknown)
            if matches!(sink.condition, Condition::UnlessSafeLoader { .. })
                || sink.name.starts_with("yaml.") =>
        {
            Some(Severity::Hint)
        }
        _ => None,
    }
}

/// "request data from `request.GET`" / "a value of unknown origin".
pub(crate) fn origin(flow: &Flow) -> String {
    match (&flow.level, &flow.source) {
        (Level::Request, Some(source)) => format!("data from {source}"),
        (Level::Request, None) => "request data".to_string(),
        _ => "a non-constant value".to_string(),
    }
}

/// The steps of a finding: the way request data took (recorded by a second classification of
/// the value) and the sink call.
pub(crate) fn steps(checker: &PyChecker, hit: &Hit) -> Vec<Step> {
    let mut steps: Vec<Step> = if hit.flow.level == Level::Request {
        checker
            .model
            .trace_for(hit.value, hit.sink.kind)
            .into_iter()
            .map(|s| Step {
                range: s.range,
                label: s.label,
            })
            .collect()
    } else {
        Vec::new()
    };
    steps.push(Step {
        range: hit.call.byte_range(),
        label: hit.label.clone(),
    });
    steps
}

/// "`request.GET["f"]` → `name` → `open()`".
pub(crate) fn describe_path(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| format!("`{}`", s.label))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The finding for a hit: the rule's message, the path when there is one, the fix.
fn report(checker: &PyChecker, rule: &'static Rule, hit: Hit) -> Finding {
    let steps = steps(checker, &hit);
    let (severity, message, fix): (Severity, String, Option<Fix>) = match hit.sink.kind {
        SinkKind::Command => (
            hit.severity,
            command::message(&hit),
            command::fix(checker, &hit),
        ),
        SinkKind::Eval => (hit.severity, code::message(&hit), None),
        SinkKind::Path => {
            let upload = hit.severity == Severity::Error && path::is_upload_name(&steps);
            let severity = if upload {
                Severity::Warning
            } else {
                hit.severity
            };
            (
                severity,
                path::message(&hit, upload),
                path::fix(checker, &hit),
            )
        }
        SinkKind::Url => (hit.severity, ssrf::message(&hit), None),
        SinkKind::Deserialize => (
            hit.severity,
            deserialization::message(&hit),
            deserialization::fix(checker, &hit),
        ),
        SinkKind::Html => (
            hit.severity,
            email::message(&hit),
            email::fix(checker, &hit),
        ),
        SinkKind::Formula => (hit.severity, csv::message(&hit), None),
        SinkKind::Sql | SinkKind::Code | SinkKind::Redirect => (hit.severity, String::new(), None),
    };
    let message = if steps.len() > 1 {
        format!("{message} ({})", describe_path(&steps))
    } else {
        message
    };
    Finding::new(rule.code, hit.call.byte_range(), severity, message)
        .with_fix(fix)
        .with_steps(if steps.len() > 1 { steps } else { Vec::new() })
}
