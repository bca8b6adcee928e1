//! DJS503 `template-filter-tag-safe`: `{% filter safe %}…{% endfilter %}` marks a whole block
//! safe.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::templates;
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::TokenKind;

pub const RULE: Rule = Rule {
    code: "DJS503",
    name: "template-filter-tag-safe",
    family: Family::Templates,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "`{% filter safe %}` (or `safeseq`): it does not do what it seems to, and marks the block's output as trusted HTML.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `{% filter … %}` tags whose filter chain contains `safe` or `safeseq`, such as
`{% filter safe %}` or `{% filter markdown|safe %}`.

## Why is this bad?
It usually expresses an intent to output the block's variables as HTML, which needs review:
`{% filter safe %}{{ comment.html }}{% endfilter %}` reads as "render this unescaped". It is
also misleading: Django escapes each variable when the block's content is rendered, *before*
the tag's filters run, so `safe` changes nothing there, and the tag's result is never escaped
again, so any filter in the chain that produces markup from the content (a custom `markdown`,
say) reaches the page as HTML with or without `safe`. Reviewers should look at the chain, not
trust `safe`.

Reported as information: with Django's built-in filters the tag does not make anything less
safe by itself.

## Example
```django
{% filter markdown|safe %}{{ comment.text }}{% endfilter %}
```

Use instead: render trusted HTML in Python (`format_html()`, a Markdown renderer with a
sanitiser such as nh3) and output it as one value.

## Fix
No automatic fix. Remove `safe` from the chain, and review the other filters of the tag.

## Fix safety
No fix is offered.

## References
- Django: [`filter`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#filter)
- Django: [`safe`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#safe)
- CWE-79
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let syntax = checker.syntax;
    let mut findings = Vec::new();
    for i in checker.tokens_of(TokenKind::Block) {
        if syntax.block_name(text, i) != "filter" {
            continue;
        }
        let Some(expr) = syntax.filter_expression(text, i) else {
            continue;
        };
        if !templates::marked_safe(text, &expr, false) {
            continue;
        }
        findings.push(Finding::new(
            RULE.code,
            syntax.tokens[i].range.clone(),
            RULE.severity,
            "`safe` in `{% filter %}` marks the block's output as trusted HTML: variables inside are still escaped when rendered, but the tag's own filters are not; review what the block outputs",
        ));
    }
    for finding in findings {
        checker.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::codes_at_only;
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS503"])
    }

    #[test]
    fn flags_filter_safe() {
        let src = "<p>{% filter safe %}{{ x }}{% endfilter %}</p>\n{% filter striptags | safeseq %}{% endfilter %}\n";
        assert_eq!(
            codes(src),
            vec![("DJS503", 1, 4, "info"), ("DJS503", 2, 1, "info")]
        );
    }

    #[test]
    fn ignores_other_filters() {
        let src = "{% filter force_escape|lower %}{% endfilter %}{% filter escape|safe %}{% endfilter %}{% filter %}{% filter safer %}{# {% filter safe %} #}{{ filter|safe }}";
        assert_eq!(codes(src), vec![]);
    }
}
