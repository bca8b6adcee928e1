//! DJS523 `template-var-in-unquoted-attribute`: `<div class={{ value }}>`.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::templates::{self, Judgement, Place};
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::Quote;
use crate::syntax::template::lexer::slice;

pub const RULE: Rule = Rule {
    code: "DJS523",
    name: "template-var-in-unquoted-attribute",
    family: Family::Templates,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A template variable is inserted into an unquoted attribute value, where a space starts a new attribute.",
    django_checks: &[],
    peers: &["semgrep:unquoted-attribute-var", "djlint:H011"],
    docs: r#"
## What it does
Finds `{{ … }}` variables in attribute values written without quotes: `<div class={{ cls }}>`,
`<input value=x{{ v }}>`. Event-handler attributes are left to DJS521. Literals and values that
cannot hold spaces (`|length`, `.pk`, …) are not reported.

## Why is this bad?
Django's escaping converts `< > & ' "` but not spaces or `=`. In an unquoted value, a space ends
the value and what follows becomes new attributes: `cls = "x onmouseover=alert(document.cookie)"`
adds an event handler, which is cross-site scripting despite autoescaping.

## Example
```django
<div class={{ cls }}>
```

Use instead:
```django
<div class="{{ cls }}">
```

## Fix
Put double quotes around the value (single quotes when the value's literal text contains a
double quote). Not offered when it contains both.

## Fix safety
Safe: for every value Django can render there, the quoted attribute has the same value, and
escaping makes sure the value cannot end the quotes.

## References
- HTML: [Unquoted attribute value syntax](https://html.spec.whatwg.org/multipage/syntax.html#unquoted)
- OWASP: Cross Site Scripting Prevention Cheat Sheet, rule 2 (quote attributes); CWE-79
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let syntax = checker.syntax;
    let mut findings = Vec::new();
    // One finding per attribute value: its first variable (one fix quotes the whole value).
    let mut seen = std::collections::HashSet::new();
    for &(index, ref expr) in templates::variables(checker).iter() {
        if expr.base.is_empty() || templates::is_inert(text, expr) {
            continue;
        }
        let token = &syntax.tokens[index];
        let Place::Attribute { element, attr } = templates::place(checker, token.range.start)
        else {
            continue;
        };
        let attribute = &syntax.elements[element].attributes[attr];
        let Some(value) = attribute.value.clone() else {
            continue;
        };
        if attribute.quote != Quote::None
            || !value.contains(&token.range.start)
            || templates::is_script_attribute(&attribute.name_lower)
            || templates::is_javascript_url(text, attribute)
        {
            continue;
        }
        if !seen.insert((element, attr)) {
            continue;
        }
        let literal = literal_text(checker, value.clone());
        let quote = if !literal.contains('"') {
            Some('"')
        } else if !literal.contains('\'') {
            Some('\'')
        } else {
            None
        };
        let fix = quote.map(|q| {
            Fix::safe(
                "Quote the attribute value",
                vec![
                    Edit::insert(value.start, q.to_string()),
                    Edit::insert(value.end, q.to_string()),
                ],
            )
        });
        // What the views pass decides how likely a space is: user text is, a value djsec
        // cannot trace is an audit note, a server-made value (an id, a `reverse()` URL) has none.
        let (severity, note) = match templates::judge(checker, expr, token.range.start) {
            Judgement::Safe => continue,
            Judgement::User(why) => (Severity::Error, format!(" ({why})")),
            Judgement::Stored(why) => (Severity::Warning, format!(" ({why})")),
            Judgement::Unknown => {
                if templates::is_server_made(text, token.content_text(text), expr) {
                    continue;
                }
                (
                    Severity::Hint,
                    " (audit: djsec cannot tell where the value comes from)".to_string(),
                )
            }
        };
        findings.push(
            Finding::new(
                RULE.code,
                token.range.clone(),
                severity,
                format!(
                    "{} is inserted into the unquoted value of `{}`: escaping does not cover spaces, so the value can add attributes such as event handlers; quote the value{note}",
                    templates::shown(text, expr),
                    attribute.name_lower
                ),
            )
            .with_fix(fix),
        );
    }
    for finding in findings {
        checker.report(finding);
    }
}

/// The text of `range` outside Django tokens.
fn literal_text(checker: &TemplateChecker, range: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    let mut at = range.start;
    for skip in templates::django_ranges(checker, range.clone()) {
        if skip.start > at {
            out.push_str(slice(checker.source, &(at..skip.start.min(range.end))));
        }
        at = at.max(skip.end);
    }
    if at < range.end {
        out.push_str(slice(checker.source, &(at..range.end)));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix_in, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS523"])
    }

    #[test]
    fn flags_unquoted_values() {
        let src = "<div class={{ cls }}>\n<input value=x{{ v }}y name=n>\n{% if a %}<a title={{ t|upper }}>{% endif %}\n<p class={{ a }}{{ b }}>";
        assert_eq!(
            codes(src),
            vec![
                ("DJS523", 1, 12, "hint"),
                ("DJS523", 2, 15, "hint"),
                ("DJS523", 3, 20, "hint"),
                ("DJS523", 4, 10, "hint"),
            ]
        );
    }

    #[test]
    fn ignores_quoted_and_inert_values() {
        let src = "<div class=\"{{ cls }}\" title='{{ t }}' data-n={{ items|length }} data-id={{ o.pk }} onclick={{ h }}>{{ x }}</div><div class=";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn fix_quotes_the_value() {
        let src = "<div class={{ cls }}>x</div><input value=a'{{ v }}>";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS523"),
            "<div class=\"{{ cls }}\">x</div><input value=\"a'{{ v }}\">"
        );
        let src = "<p class={{ a }}{{ b }}>";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS523"),
            "<p class=\"{{ a }}{{ b }}\">"
        );
    }
}
