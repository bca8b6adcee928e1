//! DJS522 `template-var-in-style`: `{{ value }}` inside a `<style>` block.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::templates::{self, Place};
use crate::rules::{Family, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "DJS522",
    name: "template-var-in-style",
    family: Family::Templates,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "A template variable is inserted into a `<style>` block, where HTML escaping does not protect it.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Finds `{{ … }}` variables inside `<style>` blocks, except literals and values that cannot hold
CSS syntax (`|length`, `|floatformat`, `.pk`, …). With `|safe` or under
`{% autoescape off %}` the finding is a warning.

## Why is this bad?
HTML escaping does not escape CSS: a value can close the declaration and add rules
(`red; } body { display: none`), load remote resources (`url(https://evil/?leak)`), or read
attribute values such as CSRF tokens character by character with attribute selectors. Reported
as information because the impact is smaller than script injection and values such as theme
colours usually come from administrators.

## Example
```django
<style>.banner { background: {{ banner.color }}; }</style>
```

Use instead: validate the value where it is stored (a `RegexValidator` for `#rrggbb`), or set
it as a CSS custom property in an attribute, where HTML escaping applies and the value cannot
leave the declaration:
```django
<div class="banner" style="--banner-bg: {{ banner.color }}">
```

## Fix
No automatic fix.

## Fix safety
No fix is offered.

## References
- OWASP: Cross Site Scripting Prevention Cheat Sheet, rule 4 (CSS contexts); CWE-79
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
        if expr.base.is_empty() || templates::is_inert(text, expr) {
            continue;
        }
        let token = &syntax.tokens[index];
        if !matches!(
            templates::place(checker, token.range.start),
            Place::Style { .. }
        ) {
            continue;
        }
        let unescaped = templates::marked_safe(text, expr, false)
            || syntax
                .autoescape_at(text, token.range.start)
                .is_some_and(|(_, on)| !on);
        let severity = if unescaped {
            Severity::Warning
        } else {
            RULE.severity
        };
        findings.push(Finding::new(
            RULE.code,
            token.range.clone(),
            severity,
            format!(
                "{} is inserted into a `<style>` block: HTML escaping does not escape CSS, so the value can add rules or load resources; validate it or pass it as a custom property",
                templates::shown(text, expr)
            ),
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
        codes_at_only(Language::Template, src, &["DJS522"])
    }

    #[test]
    fn flags_variables_in_style() {
        let src = "<style>\n  .a { color: {{ theme.color }}; }\n  {% if x %}.b { width: {{ w|safe }}px }{% endif %}\n</style>\n";
        assert_eq!(
            codes(src),
            vec![("DJS522", 2, 15, "info"), ("DJS522", 3, 25, "warning")]
        );
    }

    #[test]
    fn ignores_inert_values_and_style_attributes() {
        let src = "<style>.a { width: {{ pct|floatformat:0 }}%; z-index: {{ obj.pk }}; content: \"{{ 'x' }}\"; }</style>\n<div style=\"color: {{ c }}\">{{ d }}</div>\n";
        assert_eq!(codes(src), vec![]);
    }
}
