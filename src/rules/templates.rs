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

/// True for plain-text templates (`.txt`, `.eml`, `.md`, …): no HTML, so no HTML-escaping rules.
pub(crate) fn is_text_template(checker: &TemplateChecker) -> bool {
    let Some(path) = checker.context.path.as_deref() else {
        return false;
    };
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
