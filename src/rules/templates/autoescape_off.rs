//! DJS502 `template-autoescape-off`: an `{% autoescape off %}` block, with a hint on each
//! variable it renders unescaped.

use std::collections::BTreeMap;

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Finding, LineIndex, Severity};
use crate::rules::templates::{self, Judgement, safe_filter::in_javascript};
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::TokenKind;

pub const RULE: Rule = Rule {
    code: "DJS502",
    name: "template-autoescape-off",
    family: Family::Templates,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "An `{% autoescape off %}` block renders its variables without HTML escaping.",
    django_checks: &[],
    peers: &["semgrep:template-autoescape-off"],
    docs: r#"
## What it does
Reports the opening tag of every `{% autoescape off %}` block — a **warning** when a variable
inside holds stored text or request data, or the block includes other templates, an **info**
audit note when djsec does not know where its values come from — and adds a hint on each variable
inside it that is rendered unescaped (not a literal, a number or count, and not escaped by its
own filters such as `|escape` or `|force_escape`). Templates included inside the block
(`{% include %}`) inherit the setting, so the opening tag says when the block includes any.

A nested `{% autoescape on %}` turns escaping back on for its content; in a nested
`{% autoescape off %}`, a variable is reported once, under the innermost block. Variables in JavaScript
contexts are left to DJS520/DJS521. Plain-text templates (`.txt`, `.eml`, …, and templates the
project only renders as plain text), where escaping has no purpose, are not checked.

When the settings configure a template engine without autoescaping — a Jinja2 backend with
`"OPTIONS": {"autoescape": False}`, or an `environment` factory that builds
`Environment(autoescape=False)` — every variable of that engine's templates (those under a
`jinja2/` directory) gets the same hint. A hint becomes an **error** when a view that renders
the template passes request data under the variable's name, and a variable every view passes
as a constant, escaped data or a form is not reported.

## Why is this bad?
Inside the block every variable is inserted into the HTML as is. One value that a user can
influence is enough for cross-site scripting, and the block hides that from reviewers of the
variables: `{{ comment.text }}` looks escaped, but is not.

## Example
```django
{% autoescape off %}
  <div>{{ article.body }}</div>
{% endautoescape %}
```

Use instead: mark only the trusted value safe in Python (`format_html()`, a sanitiser such as
nh3 or bleach), and let the template escape everything else:
```django
<div>{{ article.body_html }}</div>
```

## Fix
No automatic fix: removing the block changes the output of every variable in it. Remove the
block and deal with the few values that are trusted HTML one by one.

## Fix safety
No fix is offered.

## References
- Django: [`autoescape`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#autoescape)
- Django: [Automatic HTML escaping](https://docs.djangoproject.com/en/stable/ref/templates/language/#automatic-html-escaping)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let syntax = checker.syntax;
    // One pass over the tokens: each output is attributed to the `{% autoescape off %}` block
    // that governs it (the innermost `{% autoescape %}` around it), so nested blocks cost no
    // more than flat ones and an output is reported once.
    let mut governed: BTreeMap<usize, Governed> = BTreeMap::new();
    let mut hints = Vec::new();
    for i in checker.token_indices() {
        let token = &syntax.tokens[i];
        if !matches!(token.kind, TokenKind::Variable | TokenKind::Block) {
            continue;
        }
        let Some((block, on)) = syntax
            .blocks
            .innermost
            .get(i)
            .copied()
            .flatten()
            .and_then(|b| syntax.blocks.blocks.get(b))
            .and_then(|b| b.autoescape)
        else {
            continue;
        };
        if on || syntax.blocks.blocks.get(block).is_some_and(|b| b.open == i) {
            continue;
        }
        match token.kind {
            TokenKind::Block if syntax.block_name(text, i) == "include" => {
                governed.entry(block).or_default().includes += 1;
            }
            TokenKind::Variable => {
                let Some(expr) = syntax.filter_expression(text, i) else {
                    continue;
                };
                if expr.base.is_empty()
                    || templates::is_inert(text, &expr)
                    || templates::escapes_itself(text, &expr)
                    || in_javascript(checker, token.range.start)
                {
                    continue;
                }
                let judgement = templates::judge(checker, &expr, token.range.start);
                if judgement == Judgement::Safe {
                    continue;
                }
                let name = templates::shown(text, &expr);
                let entry = governed.entry(block).or_default();
                entry.traced |= matches!(judgement, Judgement::User(_) | Judgement::Stored(_));
                hints.push((block, token.range.clone(), name.clone(), judgement));
                if !entry.unescaped.contains(&name) {
                    entry.unescaped.push(name);
                }
            }
            _ => {}
        }
    }
    let mut findings = Vec::new();
    let mut lines: Option<LineIndex> = None;
    for (block, range, name, judgement) in hints {
        let Some(open) = syntax
            .blocks
            .blocks
            .get(block)
            .and_then(|b| syntax.tokens.get(b.open))
        else {
            continue;
        };
        let line = lines
            .get_or_insert_with(|| LineIndex::new(text))
            .line(open.range.start)
            + 1;
        let place = format!("inside `{{% autoescape off %}}` (line {line})");
        findings.push(unescaped_output(range, &name, &place, judgement));
    }
    if let Some(place) = templates::engine_autoescape_off(checker) {
        engine_outputs(checker, place, &mut findings);
    }
    for (index, block) in syntax.blocks.blocks.iter().enumerate() {
        if block.autoescape != Some((index, false)) {
            continue;
        }
        let Some(open) = syntax.tokens.get(block.open) else {
            continue;
        };
        if !checker.in_scope(open.range.start) {
            continue;
        }
        let block_facts = governed.get(&index);
        let what = block_facts.map_or_else(Vec::new, Governed::describe);
        // Likely a problem when something inside holds stored text or request data, or comes
        // from included templates djsec does not judge here; values of unknown origin (or none:
        // a custom tag's output) make it audit information, as for `|safe` (DJS501).
        let severity = if block_facts.is_some_and(|g| g.traced || g.includes > 0) {
            Severity::Warning
        } else {
            Severity::Info
        };
        let audit = if severity == Severity::Info {
            " (audit note: djsec does not know where the values come from)"
        } else {
            ""
        };
        let message = if what.is_empty() {
            format!(
                "`{{% autoescape off %}}` turns off HTML escaping for everything rendered in this block{audit}"
            )
        } else {
            format!(
                "`{{% autoescape off %}}` renders {} without HTML escaping: if any of it can hold user data, this is cross-site scripting{audit}",
                what.join(" and ")
            )
        };
        findings.push(Finding::new(
            RULE.code,
            open.range.clone(),
            severity,
            message,
        ));
    }
    for finding in findings {
        checker.report(finding);
    }
}

/// The finding on one output rendered without escaping: a hint, an error when a view passes
/// request data under its name.
fn unescaped_output(
    range: std::ops::Range<usize>,
    name: &str,
    place: &str,
    judgement: Judgement,
) -> Finding {
    match judgement {
        Judgement::User(why) => Finding::new(
            RULE.code,
            range,
            Severity::Error,
            format!(
                "{name} is rendered without HTML escaping ({place}), and {why}: cross-site scripting"
            ),
        ),
        Judgement::Stored(why) => Finding::new(
            RULE.code,
            range,
            Severity::Hint,
            format!("{name} is rendered without HTML escaping here: {place} ({why})"),
        ),
        _ => Finding::new(
            RULE.code,
            range,
            Severity::Hint,
            format!("{name} is rendered without HTML escaping here: {place}"),
        ),
    }
}

/// With the engine's autoescaping off, every output outside `{% autoescape on %}` (and not in
/// JavaScript, where DJS520 reports) is rendered unescaped.
fn engine_outputs(checker: &TemplateChecker, place: &str, findings: &mut Vec<Finding>) {
    let text = checker.source;
    let syntax = checker.syntax;
    for &(index, ref expr) in templates::variables(checker).iter() {
        let token = &syntax.tokens[index];
        if syntax.autoescape_at(text, token.range.start).is_some() {
            // An explicit `{% autoescape %}` block decides (and `off` is reported above).
            continue;
        }
        if expr.base.is_empty()
            || templates::is_inert(text, expr)
            || templates::escapes_itself(text, expr)
            || in_javascript(checker, token.range.start)
        {
            continue;
        }
        let judgement = templates::judge(checker, expr, token.range.start);
        let server_made = templates::is_server_made(text, token.content_text(text), expr);
        if judgement == Judgement::Safe || (server_made && !matches!(judgement, Judgement::User(_)))
        {
            continue;
        }
        let name = templates::shown(text, expr);
        findings.push(unescaped_output(
            token.range.clone(),
            &name,
            place,
            judgement,
        ));
    }
}

/// What one `{% autoescape off %}` block renders unescaped (not counting nested
/// `{% autoescape %}` blocks, which govern their own contents).
#[derive(Default)]
struct Governed {
    unescaped: Vec<String>,
    includes: usize,
    /// Some output inside holds stored text or request data (from the views that render the
    /// template, or a stored object's text field).
    traced: bool,
}

impl Governed {
    fn describe(&self) -> Vec<String> {
        let mut what = Vec::new();
        if !self.unescaped.is_empty() {
            let mut names = self
                .unescaped
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if self.unescaped.len() > 3 {
                names.push_str(&format!(" and {} more", self.unescaped.len() - 3));
            }
            what.push(names);
        }
        if self.includes > 0 {
            what.push(if self.includes == 1 {
                "an included template".to_string()
            } else {
                format!("{} included templates", self.includes)
            });
        }
        what
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{codes_at_only, findings_in};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS502"])
    }

    #[test]
    fn reports_the_block_and_hints_inside() {
        let src = "<div>\n  {% autoescape off %}\n    <p>{{ article.body }}</p>\n    {{ \"lit\" }}{{ items|length }}{{ x|escape }}\n    {% autoescape on %}{{ safe_again }}{% endautoescape %}\n    {% include \"part.html\" %}\n  {% endautoescape %}\n</div>\n";
        assert_eq!(
            codes(src),
            vec![("DJS502", 2, 3, "warning"), ("DJS502", 3, 8, "hint"),]
        );
        let all = findings_in(Language::Template, src);
        let opening = all.iter().find(|f| f.severity.as_str() == "warning");
        assert!(opening.is_some_and(|f| {
            f.message
                .contains("`article.body` and an included template")
        }));
    }

    #[test]
    fn nested_blocks_report_each_output_once_under_the_block_that_governs_it() {
        let src = "{% autoescape off %}{{ a }}\n{% autoescape off %}{{ b }}{% endautoescape %}\n{% endautoescape %}";
        assert_eq!(
            codes(src),
            vec![
                ("DJS502", 1, 1, "info"),
                ("DJS502", 1, 21, "hint"),
                ("DJS502", 2, 1, "info"),
                ("DJS502", 2, 21, "hint"),
            ]
        );
        let all = findings_in(Language::Template, src);
        let hint_b = all
            .iter()
            .find(|f| f.severity.as_str() == "hint" && f.message.contains("`b`"));
        assert!(
            hint_b.is_some_and(|f| f.message.contains("(line 2)")),
            "{all:?}"
        );
        let outer = all
            .iter()
            .find(|f| f.severity.as_str() == "info" && f.range.start == 0);
        assert!(
            outer.is_some_and(|f| f.message.contains("`a`") && !f.message.contains("`b`")),
            "{all:?}"
        );
    }

    #[test]
    fn ignores_autoescape_on_and_broken_blocks() {
        let src = "{% autoescape on %}{{ x }}{% endautoescape %}{% autoescape %}{{ y }}{% endautoescape %}{% autoescape off";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn unclosed_block_runs_to_the_end() {
        let src = "{% autoescape off %}\n{{ x }}";
        assert_eq!(
            codes(src),
            vec![("DJS502", 1, 1, "info"), ("DJS502", 2, 1, "hint")]
        );
    }

    #[test]
    fn javascript_contexts_are_left_to_other_rules() {
        let src = "{% autoescape off %}<script>var a = {{ a }};</script>{% endautoescape %}";
        assert_eq!(codes(src), vec![("DJS502", 1, 1, "info")]);
    }

    #[test]
    fn the_block_is_a_warning_when_something_inside_is_traced_to_users() {
        // Request data (or, with the project, text the rendering views take from stored
        // objects): the block is a warning. Values of unknown origin and a custom tag's output
        // (postorius' `{% markdown_value %}`): audit notes, as `|safe` on them is (DJS501).
        let traced = "{% autoescape off %}<p>{{ request.GET.q }}</p>{% endautoescape %}";
        assert_eq!(
            codes(traced),
            vec![("DJS502", 1, 1, "warning"), ("DJS502", 1, 24, "error")]
        );
        let unknown = "{% autoescape off %}<p>{{ panel.rendered_html }}</p>{% endautoescape %}";
        assert_eq!(codes(unknown)[0], ("DJS502", 1, 1, "info"));
        let tag =
            "{% load markdown %}{% autoescape off %}{% markdown_value text %}{% endautoescape %}";
        assert_eq!(codes(tag), vec![("DJS502", 1, 20, "info")]);
        let message = findings_in(Language::Template, tag)
            .into_iter()
            .find(|f| f.code == "DJS502")
            .map(|f| f.message)
            .unwrap_or_default();
        assert!(message.contains("audit note"), "{message}");
    }
}
