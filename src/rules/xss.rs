//! Cross-site scripting in Python code (`DJS1xx`).
//!
//! The helpers here are shared by the family: the severity a data-flow finding gets, and the
//! rewrite of a formatted string into a `format_html()` call that the quick-fixes use.

pub mod allow_tags;
pub mod format_html;
pub mod html_method;
pub mod locals_context;
pub mod mark_safe;
pub mod mark_safe_decorator;
pub mod markup;
pub mod reflected_response;
pub mod safe_filter;
pub mod safe_string_subclass;
pub mod template_injection;

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Severity};
use crate::semantic::strings::{Piece, Template};
use crate::semantic::{Flow, Level, node};

/// Request data reaching the sink is an error; a value of unknown origin a warning.
/// Request data is exploitable as shown (error); text read from a stored object is likely
/// markup someone else typed (warning); anything else djsec cannot trace is worth an audit
/// (hint): numbers, dates, values built elsewhere.
pub(crate) fn severity(flow: &Flow) -> Severity {
    match flow.level {
        // The request's path is what the URL patterns let through (often ids and slugs only):
        // likely, not exploitable as shown.
        Level::Request if is_path_only(flow) => Severity::Warning,
        Level::Request => Severity::Error,
        _ if flow.stored.is_some() => Severity::Warning,
        _ => Severity::Hint,
    }
}

/// Whether the request data is the URL's path alone (`request.path`, `request.path_info`),
/// which reaches a view only through a URL pattern.
fn is_path_only(flow: &Flow) -> bool {
    matches!(
        flow.source.as_deref(),
        Some("request.path" | "request.path_info")
    )
}

/// "data from request.GET" or "a non-constant value".
pub(crate) fn origin(flow: &Flow) -> String {
    match (&flow.level, &flow.source, &flow.stored) {
        (Level::Request, Some(source), _) => format!("data from {source}"),
        (Level::Request, None, _) => "request data".to_string(),
        (_, _, Some(field)) => format!("stored text ({field})"),
        _ => "a value djsec cannot trace".to_string(),
    }
}

/// The text of an interpolated expression as a call argument (parenthesised when a bare tuple
/// or `:=` would otherwise change the argument list).
pub(crate) fn argument_text(expr: Node, src: &str) -> String {
    let text = node::text(expr, src);
    match expr.kind() {
        "expression_list" | "named_expression" | "lambda" | "yield" => format!("({text})"),
        _ => text.to_string(),
    }
}

/// A `str.format`-style template (as `format_html` takes it) and its arguments, from a
/// decomposed string.
///
/// With `existing = None` the string's literal text is plain text: braces are doubled. With
/// `existing = Some(args)` the literal text already is a format string whose `{}` fields take
/// `args` in order (`format_html(f"<b>{x}</b> {{}}", y)`); fields with an index or a name cannot be
/// merged and give `None`.
pub(crate) fn brace_template(
    template: &Template,
    src: &str,
    existing: Option<&[String]>,
) -> Option<(String, Vec<String>)> {
    let mut format = template.open.clone();
    let mut args = Vec::new();
    let mut existing_iter = existing.map(|e| e.iter());
    for piece in &template.pieces {
        match piece {
            Piece::Lit(text) => match existing_iter.as_mut() {
                None => format.push_str(&text.replace('{', "{{").replace('}', "}}")),
                Some(iter) => {
                    let mut rest = text.as_str();
                    while let Some(pos) = rest.find(['{', '}']) {
                        format.push_str(&rest[..pos]);
                        let after = &rest[pos..];
                        if after.starts_with("{{") || after.starts_with("}}") {
                            format.push_str(&after[..2]);
                            rest = &after[2..];
                            continue;
                        }
                        if after.starts_with('}') {
                            return None;
                        }
                        let close = after.find('}')?;
                        let field = &after[1..close];
                        if !(field.is_empty() || field.starts_with([':', '!'])) {
                            return None;
                        }
                        format.push_str(&after[..=close]);
                        args.push(iter.next()?.clone());
                        rest = &after[close + 1..];
                    }
                    format.push_str(rest);
                }
            },
            Piece::Value { expr, spec } => {
                format.push('{');
                format.push_str(spec);
                format.push('}');
                args.push(argument_text(*expr, src));
            }
        }
    }
    if let Some(mut iter) = existing_iter
        && iter.next().is_some()
    {
        return None;
    }
    format.push_str(&template.close);
    Some((format, args))
}

/// `format_html("<b>{}</b>", x)` for a decomposed string with at least one interpolated value,
/// and the import edit it needs. `None` when there is nothing to interpolate or `format_html`
/// cannot be imported under its name.
pub(crate) fn format_html_call(
    checker: &PyChecker,
    template: &Template,
) -> Option<(String, Option<Edit>)> {
    template.values().next()?;
    let (format, args) = brace_template(template, checker.source(), None)?;
    let (local, import) = checker.ensure_import("django.utils.html", "format_html")?;
    Some((format!("{local}({format}, {})", args.join(", ")), import))
}

#[cfg(test)]
mod tests {
    use crate::analysis::{Context, analyze_text};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<&'static str> {
        analyze_text(src, Language::Python, &Context::default())
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    /// Hostile shapes: deep nesting around sinks, long chains, many bindings of one name. Each
    /// must finish (the data flow walks no ancestors and joins a bounded number of bindings) and
    /// still find what is there.
    #[test]
    fn hostile_inputs_are_analysed_in_bounded_time() {
        let head = "from django.utils.safestring import mark_safe\n";
        let nested_sinks = format!(
            "{head}def v(request):\n    x = {}1{}\n",
            "[mark_safe(request.GET['a']), ".repeat(3_000),
            "]".repeat(3_000)
        );
        assert_eq!(codes(&nested_sinks).len(), 3_000);
        let parens = format!(
            "{head}def v(request):\n    mark_safe({}request.GET['a']{})\n",
            "(".repeat(50_000),
            ")".repeat(50_000)
        );
        assert_eq!(codes(&parens), vec!["DJS101"]);
        let chain = format!("{head}mark_safe(request{})\n", ".a".repeat(50_000));
        assert_eq!(codes(&chain), vec!["DJS101"]);
        let plus = format!(
            "{head}def v(request):\n    mark_safe('a' + {})\n",
            vec!["request.GET['x']"; 20_000].join(" + ")
        );
        assert_eq!(codes(&plus), vec!["DJS101"]);
        let mut many = format!("{head}def v(request):\n    x = request.GET['a']\n");
        for i in 0..10_000 {
            many.push_str(&format!("    x += 'a{i}'\n"));
            if i % 100 == 0 {
                many.push_str("    mark_safe(x)\n");
            }
        }
        assert_eq!(codes(&many).len(), 100);
        let walrus = format!(
            "{head}def v(request):\n    y = {}(x := request.GET['a']){}\n    mark_safe(x)\n",
            "[".repeat(20_000),
            "]".repeat(20_000)
        );
        assert_eq!(codes(&walrus), vec!["DJS101"]);
    }
}
