//! Django templates (`DJS5xx`).
//!
//! The rules read the template's tokens, Django blocks and HTML elements from
//! [`crate::syntax::TemplateSyntax`]. The helpers here are shared by the family: where a
//! `{{ … }}` is rendered (HTML text, an attribute, a `<script>`, …), whether its value can carry
//! markup at all (a literal, a count), whether it is escaped, and a small JavaScript scanner that
//! tells whether a position in a script is inside a string literal.
//!
//! Codes: `DJS50x` escaping turned off, `DJS51x` CSRF tokens in forms, `DJS52x` values in
//! contexts HTML escaping does not protect, `DJS53x` links, `DJS54x` other template problems.

pub mod autoescape_off;
pub mod csrf;
pub mod debug_tag;
pub mod escapejs_html;
pub mod event_handler_var;
pub mod filter_tag_safe;
pub mod mixed_content;
pub mod safe_filter;
pub mod script_var;
pub mod style_var;
pub mod target_blank;
pub mod unquoted_attribute_var;
pub mod url_attribute_var;

use std::ops::Range;

use crate::analysis::template::TemplateChecker;
use crate::project::facts::render::{self, Site, Verdict};
use crate::syntax::template::lexer::slice;
use crate::syntax::template::{Attribute, Element, ElementKind, FilterExpression, TokenKind};

/// Filters whose output is a number, a date or a fixed word: no markup or quotes can come out
/// of them, whatever the input.
const INERT_FILTERS: &[&str] = &[
    "length",
    "wordcount",
    "floatformat",
    "filesizeformat",
    "divisibleby",
    "length_is",
    "get_digit",
    "date",
    "time",
    "timesince",
    "timeuntil",
    "intcomma",
    "intword",
    "naturalday",
    "naturaltime",
    "ordinal",
    "yesno",
    "pluralize",
];

/// Filters that escape their input for HTML right away (their output is safe and escaped).
const ESCAPING_FILTERS: &[&str] = &["escape", "force_escape", "json_script", "urlencode"];

/// Filters that escape their input when autoescaping is on, then mark the result safe.
const AUTOESCAPE_AWARE_FILTERS: &[&str] = &[
    "linebreaks",
    "linebreaksbr",
    "urlize",
    "urlizetrunc",
    "unordered_list",
];

/// The parsed `{{ … }}` tokens of a template: (token index, expression), parsed once per
/// analysis and shared by the rules.
pub(crate) fn variables(checker: &TemplateChecker) -> std::rc::Rc<[(usize, FilterExpression)]> {
    checker.variables()
}

/// True for plain-text templates: by their extension (`.txt`, `.eml`, `.md`, …), or because
/// every render the project makes of them uses the output as plain text (an e-mail text body,
/// an SMS or chat payload, a `text/plain` response). No HTML, so no HTML-escaping rules.
pub(crate) fn is_text_template(checker: &TemplateChecker) -> bool {
    let Some(path) = checker.context.path.as_deref() else {
        return false;
    };
    if render_sites(checker).is_some_and(render::only_text) {
        return true;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "txt" | "text" | "eml" | "md" | "csv" | "json" | "js" | "css"
    )
}

/// The places the project renders this template (views, helpers, class-based views), when
/// the analysis has a project index and some Python file renders it.
pub(crate) fn render_sites<'a>(checker: &TemplateChecker<'a>) -> Option<&'a [Site]> {
    let project = checker.context.project.as_ref()?;
    let path = checker.context.path.as_deref()?;
    project.template_renders(path)
}

/// Where the configuration turns autoescaping off for the engine that renders this template
/// (a Jinja2 backend with `autoescape: False`, or its environment factory).
pub(crate) fn engine_autoescape_off<'a>(checker: &TemplateChecker<'a>) -> Option<&'a str> {
    let project = checker.context.project.as_ref()?;
    let path = checker.context.path.as_deref()?;
    render::render_map(project).autoescape_off_for(&project.normalize(path))
}

/// What is known of the data a template variable shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Judgement {
    /// Request data: `request.GET…` in the template, or a view passes request data under the
    /// name (the description says which view passes what).
    User(String),
    /// Every view passes something safe (a constant, escaped data, a form, the CSRF token).
    Safe,
    /// A view passes stored or unknown data (a model object...): the description says which.
    Stored(String),
    /// Nothing known.
    Unknown,
}

/// Attributes of the request that hold what the client sent.
const REQUEST_DATA: &[&str] = &[
    "GET",
    "POST",
    "COOKIES",
    "META",
    "headers",
    "body",
    "path",
    "path_info",
    "get_full_path",
    "build_absolute_uri",
    "FILES",
    "data",
    "query_params",
];

/// `request.META` keys the server checks or sets itself: the host (validated against
/// `ALLOWED_HOSTS`), the server's name and port, the client's address.
const SERVER_META: &[&str] = &["HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR"];

/// How many `{% for %}` / `{% with %}` aliases are followed.
const MAX_ALIASES: usize = 8;

/// The data a variable shows, from the template itself (`request.GET`) and from the context
/// the project's views pass (through `{% for x in xs %}` and `{% with a=b %}` aliases).
pub(crate) fn judge(
    checker: &TemplateChecker,
    expr: &FilterExpression,
    offset: usize,
) -> Judgement {
    let text = checker.source;
    let mut path: Vec<String> = expr
        .base_text(text)
        .split('.')
        .map(str::to_string)
        .collect();
    if path.first().is_none_or(String::is_empty) {
        return Judgement::Unknown;
    }
    let written = expr.base_text(text);
    for _ in 0..MAX_ALIASES {
        if path.len() >= 2
            && path[0] == "request"
            && REQUEST_DATA.contains(&path[1].as_str())
            && !(path[1] == "META"
                && path
                    .get(2)
                    .is_some_and(|k| SERVER_META.contains(&k.as_str())))
        {
            return Judgement::User(format!(
                "`{}` is request data",
                path.iter().take(3).cloned().collect::<Vec<_>>().join(".")
            ));
        }
        match alias(checker, &path[0], offset) {
            Some(target) => {
                let mut next: Vec<String> = target.split('.').map(str::to_string).collect();
                next.extend(path.drain(1..));
                path = next;
            }
            None => break,
        }
    }
    let Some(sites) = render_sites(checker) else {
        return Judgement::Unknown;
    };
    let rest: Vec<&str> = path[1..].iter().map(String::as_str).collect();
    let root_dir = checker
        .context
        .project
        .as_ref()
        .map(|p| p.root().to_path_buf())
        .unwrap_or_default();
    let through = path.join(".");
    let shown = if through == written {
        format!("`{written}`")
    } else {
        format!("`{written}` (from `{through}`)")
    };
    match render::verdict(sites, &shown, &path[0], &rest, &root_dir) {
        Some(Verdict::UserData(d)) => Judgement::User(d),
        Some(Verdict::Safe(_)) => Judgement::Safe,
        Some(Verdict::Unknown(d)) => Judgement::Stored(d),
        None => Judgement::Unknown,
    }
}

/// What `name` stands for at `offset`: the iterable of an enclosing `{% for name in xs %}`,
/// or the value of `{% with name=value %}` / `{% with value as name %}`.
fn alias(checker: &TemplateChecker, name: &str, offset: usize) -> Option<String> {
    let text = checker.source;
    let syntax = checker.syntax;
    for block in syntax.enclosing_blocks(offset).take(64) {
        let Some(tag) = syntax.block_tag(text, block.open) else {
            continue;
        };
        let args: Vec<&str> = tag.args.iter().map(|a| slice(text, a)).collect();
        match block.name.as_str() {
            "for" => {
                let Some(at) = args.iter().position(|a| *a == "in") else {
                    continue;
                };
                let bound = args[..at]
                    .iter()
                    .flat_map(|a| a.split(','))
                    .any(|v| v.trim() == name);
                if bound {
                    let iterable = args.get(at + 1)?;
                    // `d.items`: the values of a dict are what its items hold.
                    let iterable = iterable
                        .trim_end_matches(".items")
                        .trim_end_matches(".values");
                    return is_path(iterable).then(|| iterable.to_string());
                }
            }
            "with" => {
                for (i, arg) in args.iter().enumerate() {
                    if let Some((k, v)) = arg.split_once('=')
                        && k.trim() == name
                    {
                        return is_path(v.trim()).then(|| v.trim().to_string());
                    }
                    if *arg == "as" && args.get(i + 1) == Some(&name) && i > 0 {
                        return is_path(args[i - 1]).then(|| args[i - 1].to_string());
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Filters whose output cannot end a JavaScript string or run as code, whatever the input:
/// JavaScript/JSON escaping, URL encoding, slugs, booleans, numbers and dates.
const JS_SAFE_FILTERS: &[&str] = &[
    "tojson",
    "json_script",
    "urlencode",
    "iriencode",
    "slugify",
    "as_js_bool",
    "int",
    "float",
    "abs",
    "round",
];

/// Filters that do not change what the previous filter made safe.
const TRANSPARENT_FILTERS: &[&str] = &["safe", "escape", "force_escape", "safeseq"];

/// Whether the expression's value went through a filter that makes it safe in JavaScript
/// (strings, code and template literals): the last filter that changes the value is one of
/// [`JS_SAFE_FILTERS`] or makes a number, a date or a fixed word.
pub(crate) fn js_safe_filtered(text: &str, expr: &FilterExpression) -> bool {
    // A Jinja2 expression the lexer stops in (`f(x)|as_js_bool`): the last filter as written.
    if let Some(error) = expr.error {
        let rest = text.get(error..).unwrap_or("");
        let end = rest.find("}}").unwrap_or(rest.len());
        let tail = rest[..end].rsplit('|').next().unwrap_or("");
        let name: String = tail
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        return rest[..end].contains('|') && JS_SAFE_FILTERS.contains(&name.as_str());
    }
    let last = expr
        .filters
        .iter()
        .rev()
        .find(|f| !TRANSPARENT_FILTERS.contains(&slice(text, &f.name)));
    let Some(last) = last else {
        return false;
    };
    let name = slice(text, &last.name);
    if JS_SAFE_FILTERS.contains(&name) {
        return true;
    }
    if INERT_FILTERS.contains(&name) {
        // `yesno:"a,b"` outputs words of its (constant) argument.
        return !matches!(name, "yesno" | "pluralize")
            || last.arg.as_ref().is_none_or(|a| {
                let arg = slice(text, a);
                arg.starts_with('"') || arg.starts_with('\'')
            });
    }
    false
}

/// Names of values the server makes from its configuration (no user data in them).
const SERVER_NAMES: &[&str] = &[
    "csrf_token",
    "LANGUAGE_CODE",
    "LANGUAGE_BIDI",
    "STATIC_URL",
    "MEDIA_URL",
    "DEBUG",
    "True",
    "False",
    "None",
    "true",
    "false",
    "none",
];

/// Last parts of a path that the server builds: ids and prefixes of forms and formsets, field
/// and model metadata, counts, booleans, URLs built by `reverse()`.
const SERVER_ATTRIBUTES: &[&str] = &[
    "pk",
    "id",
    "count",
    "auto_id",
    "id_for_label",
    "html_name",
    "prefix",
    "model_name",
    "app_label",
    "object_name",
    "module_name",
    "max_length",
    "min_length",
    "get_absolute_url",
    "is_authenticated",
    "is_anonymous",
    "is_staff",
    "is_superuser",
    "is_active",
    "total_form_count",
    "initial_form_count",
    "max_num",
    "min_num",
    "number",
    "num_pages",
];

/// Jinja2 global functions whose result the server makes: URLs by `reverse()` (arguments are
/// percent-encoded), static files, and translations of constant strings.
const SERVER_FUNCTIONS: &[&str] = &["url", "static", "reverse"];
const TRANSLATION_FUNCTIONS: &[&str] = &["_", "gettext", "ngettext", "pgettext", "npgettext"];

/// Whether a `{{ … }}` shows a value the server makes from its code and configuration: the
/// CSRF token, `LANGUAGE_CODE`, `settings.*`, loop counters, ids and prefixes of forms and
/// formsets, field and widget names, ids (`*_id`, a widget template's `image_id`), booleans, Jinja2's `url(...)`, `static(...)` and the translation of a
/// constant string.
pub(crate) fn is_server_made(text: &str, content: &str, expr: &FilterExpression) -> bool {
    let base = expr.base_text(text);
    let content = content.trim();
    // Jinja2 calls: `url('name', obj.id)`, `_('Hello')`.
    if let Some((function, args)) = content.split_once('(') {
        let function = function.trim();
        if SERVER_FUNCTIONS.contains(&function) {
            return true;
        }
        if TRANSLATION_FUNCTIONS.contains(&function) {
            let args = args.trim_end();
            let args = args.strip_suffix(')').unwrap_or(args).trim();
            return is_quoted(args);
        }
    }
    // Filters with constant arguments (or none) make a server value from a server value.
    if base.is_empty() || !constant_filter_arguments(text, expr) {
        return false;
    }
    let parts: Vec<&str> = base.split('.').collect();
    let first = parts.first().copied().unwrap_or("");
    let last = parts.last().copied().unwrap_or("");
    SERVER_NAMES.contains(&base)
        || is_constant_name(base)
        || first == "settings"
        || matches!(first, "forloop" | "loop")
        || (parts.len() > 1 && SERVER_ATTRIBUTES.contains(&last))
        || last.ends_with("_id")
        || (parts.len() > 1 && ["is_", "has_", "can_"].iter().any(|p| last.starts_with(p)))
        || (parts.len() > 1
            && last == "name"
            && ["field", "widget"]
                .iter()
                .any(|p| parts[parts.len() - 2].contains(p)))
        || base.starts_with("request.LANGUAGE_CODE")
}

/// An UPPER_CASE name: a setting or constant a context processor exposes (`CSRF_COOKIE_NAME`).
fn is_constant_name(base: &str) -> bool {
    base.len() >= 2
        && base.starts_with(|c: char| c.is_ascii_uppercase())
        && base
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether every filter of the chain takes a literal argument or none.
fn constant_filter_arguments(text: &str, expr: &FilterExpression) -> bool {
    expr.filters.iter().all(|f| {
        f.arg.as_ref().is_none_or(|a| {
            let arg = slice(text, a);
            arg.starts_with('"')
                || arg.starts_with('\'')
                || arg.parse::<f64>().is_ok()
                || matches!(arg, "True" | "False" | "None")
        })
    })
}

/// A single quoted string (`'x'`, `"x"`), nothing else.
fn is_quoted(s: &str) -> bool {
    let s = s.trim();
    let Some(q) = s.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return false;
    };
    s.len() >= 2 && s.ends_with(q) && !s[1..s.len() - 1].contains(q)
}

/// Text written by the developers of the project, not by its users: form field help texts and
/// labels, fieldset descriptions, the site's settings.
pub(crate) fn developer_authored(text: &str, expr: &FilterExpression) -> Option<&'static str> {
    let base = expr.base_text(text);
    let parts: Vec<&str> = base.split('.').collect();
    let last = parts.last().copied().unwrap_or("");
    if parts.first() == Some(&"settings") || (parts.len() == 1 && is_constant_name(base)) {
        return Some("site settings, set by the administrators");
    }
    if parts.len() < 2 {
        return None;
    }
    let parent = parts[parts.len() - 2];
    match last {
        "help_text" => Some("a form field's help text, written in the form's code"),
        "label" | "label_tag" | "legend" | "verbose_name" | "verbose_name_plural" => {
            Some("a label written in the code")
        }
        "description" if parent.contains("fieldset") => {
            Some("a fieldset description, written in the admin's code")
        }
        _ => None,
    }
}

/// Names a Jinja2 template imports macros under: `{% import "m.html" as macros %}`,
/// `{% from "m.html" import csrf_field, field as f %}`.
pub(crate) fn imported_macros(checker: &TemplateChecker) -> Vec<String> {
    let text = checker.source;
    let syntax = checker.syntax;
    let mut out = Vec::new();
    for i in syntax.tokens_of(TokenKind::Block) {
        let name = syntax.block_name(text, i);
        if !matches!(name, "import" | "from") {
            continue;
        }
        let Some(tag) = syntax.block_tag(text, i) else {
            continue;
        };
        let args: Vec<&str> = tag.args.iter().map(|a| slice(text, a)).collect();
        match name {
            "import" => {
                if let Some(at) = args.iter().position(|a| *a == "as")
                    && let Some(alias) = args.get(at + 1)
                {
                    out.push((*alias).to_string());
                }
            }
            _ => {
                let Some(at) = args.iter().position(|a| *a == "import") else {
                    continue;
                };
                let names = args[at + 1..].join(" ");
                for item in names.split(',') {
                    let item = item.trim();
                    let local = item.rsplit(" as ").next().unwrap_or(item).trim();
                    if !local.is_empty() && local != "with" && local != "context" {
                        out.push(local.to_string());
                    }
                }
            }
        }
    }
    out
}

/// A dotted variable path (`a.b.c`), not a literal or an expression.
fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// A value that cannot carry markup or quotes: a literal, a primary key or count, a loop
/// counter, the CSRF token, or the output of a filter that yields a number, a date or a fixed
/// word.
pub(crate) fn is_inert(text: &str, expr: &FilterExpression) -> bool {
    if expr.is_literal() {
        return true;
    }
    if let Some(last) = expr.filters.last() {
        let name = slice(text, &last.name);
        if INERT_FILTERS.contains(&name) {
            // `yesno:"a,b"` and `pluralize:"y,ies"` output words of their argument.
            if !matches!(name, "yesno" | "pluralize") {
                return true;
            }
            return last.arg.as_ref().is_none_or(|a| {
                let arg = slice(text, a);
                arg.starts_with('"') || arg.starts_with('\'')
            });
        }
    }
    if !expr.filters.is_empty() {
        return false;
    }
    let base = expr.base_text(text);
    let last_part = base.rsplit('.').next().unwrap_or(base);
    base == "csrf_token"
        || base.starts_with("forloop.")
        || matches!(last_part, "pk" | "id" | "count")
}

/// Whether the expression's value reaches the output without HTML escaping through its own
/// filters: a `safe`/`safeseq` not preceded by an escaping filter nor followed by
/// `force_escape`. `autoescape_off` tells whether the surrounding block turned escaping off
/// (autoescape-aware filters such as `linebreaks` then stop escaping).
pub(crate) fn marked_safe(text: &str, expr: &FilterExpression, autoescape_off: bool) -> bool {
    let names: Vec<&str> = expr.filter_names(text).collect();
    let Some(safe_at) = names.iter().rposition(|n| matches!(*n, "safe" | "safeseq")) else {
        return false;
    };
    let escaped_before = names[..safe_at].iter().any(|n| {
        ESCAPING_FILTERS.contains(n) || (!autoescape_off && AUTOESCAPE_AWARE_FILTERS.contains(n))
    });
    let forced_after = names[safe_at + 1..].contains(&"force_escape");
    !(escaped_before || forced_after)
}

/// Whether a filter in the chain escapes for HTML (so the value is escaped even where
/// autoescaping is off).
pub(crate) fn escapes_itself(text: &str, expr: &FilterExpression) -> bool {
    let names: Vec<&str> = expr.filter_names(text).collect();
    names
        .iter()
        .any(|n| ESCAPING_FILTERS.contains(n) || *n == "escapejs")
        && !marked_safe(text, expr, true)
}

/// Where a `{{ … }}` is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// In the raw text of a `<script>`; `js` when the script's type is executable JavaScript.
    Script { element: usize, js: bool },
    /// In the raw text of a `<style>`.
    Style { element: usize },
    /// In an attribute of a start tag (its name or its value).
    Attribute { element: usize, attr: usize },
    /// In a start tag, outside any attribute.
    Tag { element: usize },
    /// HTML text (or outside any element).
    Text,
}

pub(crate) fn place(checker: &TemplateChecker, offset: usize) -> Place {
    let syntax = checker.syntax;
    if let Some((element, kind)) = syntax.raw_text_at(offset) {
        return match kind {
            ElementKind::Style => Place::Style { element },
            _ => Place::Script {
                element,
                js: is_javascript(checker.source, &syntax.elements[element]),
            },
        };
    }
    match syntax.start_tag_at(offset) {
        Some((element, Some(attr))) => Place::Attribute { element, attr },
        Some((element, None)) => Place::Tag { element },
        None => Place::Text,
    }
}

/// Whether a `<script>` runs as JavaScript: no `type`, an empty one, `module`, or a JavaScript
/// MIME type. `application/json`, `text/template`, `text/x-handlebars` and other types are data
/// the browser does not run. A type built by a template tag is assumed to be JavaScript.
pub(crate) fn is_javascript(text: &str, script: &Element) -> bool {
    let Some(attr) = script.attribute("type") else {
        return true;
    };
    let Some(value) = attr.value.as_ref() else {
        return true;
    };
    let value = slice(text, value).trim().to_ascii_lowercase();
    if value.contains("{{") || value.contains("{%") {
        return true;
    }
    let essence = value.split(';').next().unwrap_or("").trim();
    matches!(
        essence,
        "" | "module"
            | "text/javascript"
            | "application/javascript"
            | "application/x-javascript"
            | "text/ecmascript"
            | "application/ecmascript"
            | "text/jscript"
            | "text/livescript"
            | "text/babel"
            | "text/jsx"
    ) || essence.starts_with("text/javascript1.")
}

/// Attribute names whose value is run as JavaScript: `on*` event handlers, and the event and
/// state attributes of Alpine.js, Vue and htmx (`x-on:click`, `@click`, `v-on:click`,
/// `hx-on:click`, `x-data`, `x-init`).
pub(crate) fn is_script_attribute(name: &str) -> bool {
    let event = name
        .strip_prefix("on")
        .is_some_and(|rest| rest.len() > 1 && rest.chars().all(|c| c.is_ascii_alphabetic()));
    event
        || name.starts_with("x-on:")
        || name.starts_with("v-on:")
        || name.starts_with("hx-on")
        || (name.starts_with('@') && name.len() > 1)
        || matches!(name, "x-data" | "x-init")
}

/// Whether an attribute's value is a `javascript:` URL.
pub(crate) fn is_javascript_url(text: &str, attr: &Attribute) -> bool {
    let Some(value) = attr.value.as_ref() else {
        return false;
    };
    let v = slice(text, value).trim_start();
    v.get(..11)
        .is_some_and(|p| p.eq_ignore_ascii_case("javascript:"))
}

/// Lexical states of JavaScript source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Js {
    Code,
    /// A `'…'` or `"…"` string, with its quote.
    String(u8),
    /// A template literal (`` `…` ``), outside `${ }`.
    Template,
    LineComment,
    BlockComment,
    Regex,
}

/// The JavaScript lexical state at each of `offsets` (sorted, inside `range`), scanning `range`
/// of `text` from its start in code state. Django tokens inside the range (`skip`, sorted) are
/// opaque: in code they count as a value, in a string or comment as its content.
pub(crate) fn js_states(
    text: &str,
    range: Range<usize>,
    skip: &[Range<usize>],
    offsets: &[usize],
) -> Vec<Js> {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let mut out = Vec::with_capacity(offsets.len());
    let mut next_offset = offsets.iter().peekable();
    let mut skip = skip.iter().peekable();
    let mut state = Js::Code;
    // Brace depth inside each open `${`.
    let mut template_stack: Vec<usize> = Vec::new();
    // The last significant byte in code (decides whether `/` starts a regex).
    let mut last_significant: u8 = b'(';
    let mut last_word_is_keyword = false;
    let mut i = range.start;
    while i <= end {
        while let Some(&&o) = next_offset.peek() {
            if o > i {
                break;
            }
            out.push(state);
            next_offset.next();
        }
        if i >= end {
            break;
        }
        while skip.peek().is_some_and(|r| r.end <= i) {
            skip.next();
        }
        if let Some(r) = skip.peek()
            && r.start <= i
        {
            if state == Js::Code {
                last_significant = b'a';
                last_word_is_keyword = false;
            }
            i = r.end.max(i + 1);
            continue;
        }
        let b = bytes[i];
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        match state {
            Js::Code => match b {
                b'\'' | b'"' => state = Js::String(b),
                b'`' => {
                    state = Js::Template;
                }
                b'/' if next == b'/' => {
                    state = Js::LineComment;
                    i += 1;
                }
                b'/' if next == b'*' => {
                    state = Js::BlockComment;
                    i += 1;
                }
                b'/' if last_word_is_keyword
                    || b"(,=:[!&|?{};+-*%<>~^".contains(&last_significant) =>
                {
                    state = Js::Regex;
                }
                b'{' => {
                    if let Some(depth) = template_stack.last_mut() {
                        *depth += 1;
                    }
                    last_significant = b;
                }
                b'}' => {
                    match template_stack.last_mut() {
                        Some(0) => {
                            template_stack.pop();
                            state = Js::Template;
                        }
                        Some(depth) => *depth -= 1,
                        None => {}
                    }
                    last_significant = b;
                }
                _ if b.is_ascii_whitespace() => {}
                _ if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80 => {
                    let start = i;
                    while bytes.get(i + 1).is_some_and(|c| {
                        c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$' || *c >= 0x80
                    }) && i + 1 < end
                    {
                        i += 1;
                    }
                    let word = &bytes[start..=i];
                    last_word_is_keyword = matches!(
                        word,
                        b"return"
                            | b"typeof"
                            | b"case"
                            | b"do"
                            | b"else"
                            | b"in"
                            | b"of"
                            | b"new"
                            | b"delete"
                            | b"void"
                            | b"throw"
                            | b"yield"
                            | b"await"
                    );
                    last_significant = b'a';
                    i += 1;
                    continue;
                }
                _ => {
                    last_significant = b;
                    last_word_is_keyword = false;
                }
            },
            Js::String(q) => match b {
                b'\\' => i += 1,
                b'\n' => state = Js::Code,
                _ if b == q => {
                    state = Js::Code;
                    last_significant = b'a';
                    last_word_is_keyword = false;
                }
                _ => {}
            },
            Js::Template => match b {
                b'\\' => i += 1,
                b'`' => {
                    state = Js::Code;
                    last_significant = b'a';
                    last_word_is_keyword = false;
                }
                b'$' if next == b'{' => {
                    template_stack.push(0);
                    state = Js::Code;
                    last_significant = b'{';
                    i += 1;
                }
                _ => {}
            },
            Js::LineComment => {
                if b == b'\n' {
                    state = Js::Code;
                }
            }
            Js::BlockComment => {
                if b == b'*' && next == b'/' {
                    state = Js::Code;
                    i += 1;
                }
            }
            Js::Regex => match b {
                b'\\' => i += 1,
                b'/' | b'\n' => {
                    state = Js::Code;
                    last_significant = b'a';
                    last_word_is_keyword = false;
                }
                _ => {}
            },
        }
        if state != Js::Code {
            last_word_is_keyword = false;
        }
        i += 1;
    }
    // Offsets past the end (should not happen) get the final state.
    while out.len() < offsets.len() {
        out.push(state);
    }
    out
}

/// The Django tokens (not text) overlapping `range`, as byte ranges.
pub(crate) fn django_ranges(checker: &TemplateChecker, range: Range<usize>) -> Vec<Range<usize>> {
    let syntax = checker.syntax;
    syntax.tokens[syntax.tokens_in(range)]
        .iter()
        .filter(|t| t.kind != TokenKind::Text)
        .map(|t| t.range.clone())
        .collect()
}

/// The leading whitespace of the line holding `offset`.
pub(crate) fn line_indent(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text.get(start..).unwrap_or("");
    let ws = line.len() - line.trim_start_matches([' ', '\t']).len();
    line.get(..ws).unwrap_or("")
}

/// The line ending the text uses (`\r\n` when its first line break is one).
pub(crate) fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// A short description of a variable for messages: `{{ user.name }}`.
pub(crate) fn shown(text: &str, expr: &FilterExpression) -> String {
    let base = expr.base_text(text);
    if base.is_empty() {
        "this value".to_string()
    } else {
        format!("`{base}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(js: &str, marks: &[&str]) -> Vec<Js> {
        let offsets: Vec<usize> = marks.iter().filter_map(|m| js.find(m)).collect();
        js_states(js, 0..js.len(), &[], &offsets)
    }

    #[test]
    fn js_scanner() {
        let js =
            "var a = 'x@' + \"y#\" + `t% ${ b$ } u^` // c!\n/* d& */ e = /re*/g; f = a / 2 + g;";
        assert_eq!(
            states(js, &["@", "#", "%", "$ }", "^", "!", "&", "*/g", "g;"]),
            vec![
                Js::String(b'\''),
                Js::String(b'"'),
                Js::Template,
                Js::Code,
                Js::Template,
                Js::LineComment,
                Js::BlockComment,
                Js::Regex,
                Js::Code,
            ]
        );
        // Escaped quotes and a division that is not a regex.
        let js = "s = 'a\\'b@'; x = y / z; w = 'c#';";
        assert_eq!(
            states(js, &["@", "#"]),
            vec![Js::String(b'\''), Js::String(b'\'')]
        );
        // Nested template literals.
        let js = "`a ${ `b ${ c } d@` } e#`";
        assert_eq!(states(js, &["@", "#"]), vec![Js::Template, Js::Template]);
        // return /re/
        let js = "return /a'b@/.test(s)";
        assert_eq!(states(js, &["@"]), vec![Js::Regex]);
    }

    #[test]
    fn js_scanner_skips_django_tokens() {
        let js = "var a = {{ x }}; var b = '{{ y }}';";
        let skip = vec![8..15, 26..33];
        let s = js_states(js, 0..js.len(), &skip, &[8, 26]);
        assert_eq!(s, vec![Js::Code, Js::String(b'\'')]);
        // A quote inside a Django token does not open a string.
        let js = "a = {{ \"x\" }}; b = 1;";
        let skip: Vec<Range<usize>> = std::iter::once(4..13).collect();
        let s = js_states(js, 0..js.len(), &skip, &[19]);
        assert_eq!(s, vec![Js::Code]);
    }

    #[test]
    fn script_attributes() {
        for name in [
            "onclick",
            "onload",
            "x-on:click",
            "@click",
            "v-on:submit",
            "hx-on:click",
            "x-data",
            "x-init",
        ] {
            assert!(is_script_attribute(name), "{name}");
        }
        for name in [
            "on",
            "one",
            "class",
            "href",
            "data-onclick",
            "@",
            "x-model",
            "on-x",
        ] {
            assert!(!is_script_attribute(name), "{name}");
        }
    }
}
