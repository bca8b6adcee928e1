//! DJS541 `template-debug-tag`: `{% debug %}` left in a template.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::templates;
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::TokenKind;

pub const RULE: Rule = Rule {
    code: "DJS541",
    name: "template-debug-tag",
    family: Family::Templates,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`{% debug %}` outputs the whole template context and the loaded modules.",
    django_checks: &[],
    peers: &["semgrep:debug-template-tag"],
    docs: r#"
## What it does
Reports every `{% debug %}` tag, in HTML and plain-text templates alike.

## Why is this bad?
`{% debug %}` renders the whole template context — every variable the view passed, the request
and user objects, what context processors add — and the list of imported modules into the page.
Django outputs it only while `DEBUG` is on, so it leaks on exactly the servers where `DEBUG` is on
but strangers can reach: staging and preview deployments, and a production server whose `DEBUG`
was turned on "for a minute". It is a debugging leftover either way.

## Example
```django
<div class="profile">{% debug %}{{ user.get_full_name }}</div>
```

Use instead: inspect the context with django-debug-toolbar or a debugger, and remove the tag.

## Fix
Remove the tag (and its line, when it is alone on it).

## Fix safety
Unsafe: the rendered page changes (the debug output disappears), which is the point but still a
change a person should confirm.

## References
- Django: [`debug`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#debug)
- CWE-215, CWE-489
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    let text = checker.source;
    let syntax = checker.syntax;
    let mut findings = Vec::new();
    for i in checker.tokens_of(TokenKind::Block) {
        if syntax.block_name(text, i) != "debug" {
            continue;
        }
        let token = &syntax.tokens[i];
        findings.push(
            Finding::new(
                RULE.code,
                token.range.clone(),
                RULE.severity,
                "`{% debug %}` outputs the whole template context and loaded modules into the page: remove it",
            )
            .with_fix(Some(Fix::unsafe_(
                "Remove `{% debug %}`",
                vec![Edit::delete(removal(text, token.range.clone()))],
            ))),
        );
    }
    for finding in findings {
        checker.report(finding);
    }
}

/// The tag, or its whole line when nothing else is on it.
fn removal(text: &str, tag: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let indent = templates::line_indent(text, tag.start);
    let line_start = tag.start - indent.len();
    let own_start = text
        .get(line_start..tag.start)
        .is_some_and(|s| s.trim().is_empty());
    let rest = text.get(tag.end..).unwrap_or("");
    let line_rest = rest.split('\n').next().unwrap_or("");
    if own_start && line_rest.trim().is_empty() && rest.len() > line_rest.len() {
        line_start..tag.end + line_rest.len() + 1
    } else {
        tag
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix_in, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS541"])
    }

    #[test]
    fn flags_debug_tags() {
        let src = "<div>\n  {% debug %}\n  <p>{% if x %}{%debug%}{% endif %}</p>\n</div>\n";
        assert_eq!(
            codes(src),
            vec![("DJS541", 2, 3, "warning"), ("DJS541", 3, 16, "warning")]
        );
    }

    #[test]
    fn ignores_look_alikes() {
        let src = "{# {% debug %} #}{% comment %}{% debug %}{% endcomment %}{% verbatim %}{% debug %}{% endverbatim %}{{ debug }}{% if debug %}{% endif %}{% debugger %}";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn fix_removes_the_tag_and_its_line() {
        let src = "<div>\n  {% debug %}\n  <p>{% debug %}x</p>\n</div>\n";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS541"),
            "<div>\n  <p>x</p>\n</div>\n"
        );
    }
}
