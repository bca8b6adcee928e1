//! DJS504 `template-escapejs-in-html`: `|escapejs` on a value rendered as HTML, not JavaScript.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::templates::{self, Place};
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::lexer::slice;

pub const RULE: Rule = Rule {
    code: "DJS504",
    name: "template-escapejs-in-html",
    family: Family::Templates,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    summary: "`|escapejs` is used on a value rendered in HTML, not in a JavaScript string.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `{{ value|escapejs }}` in HTML text or in an ordinary attribute value: anywhere that is
not a `<script>`, an event-handler attribute (`onclick`, …) or a `javascript:` URL.

## Why is this bad?
`escapejs` escapes for a JavaScript string literal (`'` becomes `\u0027`). It is the wrong
escaping for HTML: the page shows the escape sequences instead of the characters, and its
presence suggests the author believed it protects the value wherever it goes. It does not: in a
URL attribute `javascript:alert(1)` passes through it untouched. The choice of escaping belongs
to the context; in HTML, Django's autoescaping is the right one.

## Example
```django
<input name="q" value="{{ query|escapejs }}">
```

Use instead:
```django
<input name="q" value="{{ query }}">
```

## Fix
Remove `|escapejs`, leaving the value to autoescaping. Offered only where autoescaping applies
(not under `{% autoescape off %}` nor before `|safe`).

## Fix safety
Unsafe: the rendered text changes (for the better in HTML, but code reading the value, say
from a `data-` attribute, may expect the escaped form).

## References
- Django: [`escapejs`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#escapejs)
- OWASP: Cross Site Scripting Prevention Cheat Sheet (output encoding by context)
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let syntax = checker.syntax;
    let mut findings = Vec::new();
    for &(index, ref expr) in templates::variables(checker).iter() {
        let Some(filter) = expr
            .filters
            .iter()
            .find(|f| slice(text, &f.name) == "escapejs")
        else {
            continue;
        };
        let token = &syntax.tokens[index];
        let where_ = match templates::place(checker, token.range.start) {
            Place::Text => "HTML text",
            Place::Attribute { element, attr } => {
                let attribute = &syntax.elements[element].attributes[attr];
                if templates::is_script_attribute(&attribute.name_lower)
                    || templates::is_javascript_url(text, attribute)
                {
                    continue;
                }
                "an HTML attribute"
            }
            _ => continue,
        };
        let autoescaped = syntax
            .autoescape_at(text, token.range.start)
            .is_none_or(|(_, on)| on)
            && !templates::marked_safe(text, expr, false);
        let fix = autoescaped.then(|| {
            Fix::unsafe_(
                "Remove `|escapejs`",
                vec![Edit::delete(filter.range.clone())],
            )
        });
        findings.push(
            Finding::new(
                RULE.code,
                token.range.clone(),
                RULE.severity,
                format!(
                    "`|escapejs` escapes for JavaScript strings, but {} is rendered in {where_}: the escaping is wrong for this context; leave it to autoescaping",
                    templates::shown(text, expr)
                ),
            )
            .with_fix(fix),
        );
    }
    for finding in findings {
        checker.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix_in, codes_at_only, findings_in};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS504"])
    }

    #[test]
    fn flags_escapejs_in_html() {
        let src = "<p>{{ name|escapejs }}</p>\n<input value=\"{{ q|escapejs }}\" data-x='{{ y|upper|escapejs }}'>\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS504", 1, 4, "info"),
                ("DJS504", 2, 15, "info"),
                ("DJS504", 2, 41, "info"),
            ]
        );
    }

    #[test]
    fn ignores_javascript_contexts() {
        let src = "<script>var n = \"{{ name|escapejs }}\";</script>\n<button onclick=\"f('{{ n|escapejs }}')\">x</button>\n<a href=\"javascript:f('{{ n|escapejs }}')\">x</a>\n<p>{{ name }}{{ name|escape }}</p>\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn fix_only_where_autoescaping_applies() {
        let src = "<p>{{ name|escapejs }}</p>";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS504"),
            "<p>{{ name }}</p>"
        );
        for src in [
            "<p>{{ name|escapejs|safe }}</p>",
            "{% autoescape off %}<p>{{ name|escapejs }}</p>{% endautoescape %}",
        ] {
            let f = findings_in(Language::Template, src);
            let finding = f.iter().find(|f| f.code == "DJS504");
            assert!(finding.is_some_and(|f| f.fix.is_none()), "{src}");
        }
    }
}
