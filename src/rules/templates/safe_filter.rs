//! DJS501 `template-safe-filter`: `{{ value|safe }}` or `|safeseq` on a variable.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::templates::{self, Judgement, Place, marked_safe};
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::lexer::slice;

pub const RULE: Rule = Rule {
    code: "DJS501",
    name: "template-safe-filter",
    family: Family::Templates,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`|safe` or `|safeseq` turns off HTML escaping for a template variable.",
    django_checks: &[],
    peers: &[
        "semgrep:template-unescaped-with-safe",
        "semgrep:template-var-unescaped-with-safeseq",
    ],
    docs: r#"
## What it does
Finds `{{ … }}` variables whose filter chain ends up marked safe with `|safe` or `|safeseq`,
also after other filters: `{{ bio|striptags|safe }}` is reported, because `striptags` does not
escape (its output can still hold `&lt;script&gt;`-style entities and broken-up tags that
re-form).

The severity says what is known of the value. djsec reads the views and helpers that render
the template (`render()`, `render_to_string()`, `TemplateResponse`, class-based
`template_name`, `get_context_data()` and `extra_context`, helpers such as
`tmpl(name, **ctx)`) and what they pass under each name: request data (or `request.GET…` read
in the template) is an **error**, a model object or unknown data a **warning** (the message
says which view passes what), and text the developers write — a form field's `help_text` or
`label`, a fieldset's `description`, `settings.*` — a **hint**.

Not reported: literals (`{{ "<br>"|safe }}`: the template author wrote that markup), values
every view passes as constants, escaped data (`format_html()`, a sanitizer, a project helper
around one), forms and their fields (widgets render escaped HTML) or the CSRF token; values
escaped before `safe` (`{{ x|escape|safe }}`, `{{ x|force_escape|safe }}`,
`{{ x|linebreaks|safe }}` with autoescaping on), variables inside `{% autoescape off %}` or
rendered by an engine without autoescaping (DJS502 reports those) and variables in JavaScript
contexts (DJS520 and DJS521 report those, with a fix that fits JavaScript). Plain-text templates
(`.txt`, `.eml`, …, and templates the project only renders as plain text: e-mail text bodies,
SMS or chat payloads, `text/plain` responses) are not checked.

## Why is this bad?
`safe` tells Django the value is already HTML. If any part of it comes from a user — a profile
field, a comment, a name — it is inserted into the page as markup: stored or reflected
cross-site scripting.

## Example
```django
<div class="bio">{{ user.bio|safe }}</div>
```

Use instead:
```django
<div class="bio">{{ user.bio|linebreaks }}</div>
```

or build the trusted HTML in Python with `format_html()` and render it without `|safe`.

## Fix
Remove the `|safe` (or `|safeseq`) filter: the value is then escaped like every other variable.

## Fix safety
Unsafe: if the value really is trusted HTML (built with `format_html()`, a sanitiser, or
`mark_safe()` on constants), removing the filter makes the page show its tags as text. Values
that are already marked safe in Python render the same either way.

## References
- Django: [Built-in filters: `safe`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#safe),
  [`safeseq`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#safeseq)
- Django: [Automatic HTML escaping](https://docs.djangoproject.com/en/stable/ref/templates/language/#automatic-html-escaping)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    // With the engine's autoescaping off every output is unescaped: DJS502 reports them.
    if templates::engine_autoescape_off(checker).is_some() {
        return;
    }
    let text = checker.source;
    let syntax = checker.syntax;
    for &(index, ref expr) in templates::variables(checker).iter() {
        let token = &syntax.tokens[index];
        if expr.is_literal() || expr.base.is_empty() {
            continue;
        }
        if syntax
            .autoescape_at(text, token.range.start)
            .map(|(_, on)| on)
            == Some(false)
        {
            continue;
        }
        if !marked_safe(text, expr, false) || in_javascript(checker, token.range.start) {
            continue;
        }
        let filters: Vec<_> = expr
            .filters
            .iter()
            .filter(|f| matches!(slice(text, &f.name), "safe" | "safeseq"))
            .collect();
        let names = filters
            .iter()
            .map(|f| format!("`|{}`", slice(text, &f.name)))
            .collect::<Vec<_>>()
            .join(" and ");
        let shown = templates::shown(text, expr);
        let (severity, message) = match templates::judge(checker, expr, token.range.start) {
            Judgement::Safe => continue,
            Judgement::User(why) => (
                Severity::Error,
                format!(
                    "{names} renders {shown} without HTML escaping, and {why}: cross-site scripting"
                ),
            ),
            judgement => {
                let why = match &judgement {
                    Judgement::Stored(why) => format!(": {why}"),
                    _ => String::new(),
                };
                if let Some(what) = templates::developer_authored(text, expr) {
                    (
                        Severity::Hint,
                        format!(
                            "{names} renders {shown} without HTML escaping; it is {what}, so this is safe while it stays developer-written (audit note){why}"
                        ),
                    )
                } else if templates::is_server_made(text, token.content_text(text), expr) {
                    // An id, a count, a boolean, a URL the server builds.
                    continue;
                } else if why.is_empty() {
                    (
                        RULE.severity,
                        format!(
                            "{names} renders {shown} without HTML escaping: if it can hold user data, this is cross-site scripting"
                        ),
                    )
                } else {
                    (
                        RULE.severity,
                        format!(
                            "{names} renders {shown} without HTML escaping{why}; if it can hold what users typed, this is cross-site scripting"
                        ),
                    )
                }
            }
        };
        let edits = filters
            .iter()
            .map(|f| Edit::delete(f.range.clone()))
            .collect();
        checker.report(
            Finding::new(RULE.code, token.range.clone(), severity, message)
                .with_fix(Some(Fix::unsafe_(format!("Remove {names}"), edits))),
        );
    }
}

/// Whether `offset` is in a JavaScript context (a script, an event-handler attribute or a
/// `javascript:` URL), where DJS520/DJS521 report instead.
pub(crate) fn in_javascript(checker: &TemplateChecker, offset: usize) -> bool {
    match templates::place(checker, offset) {
        Place::Script { js, .. } => js,
        Place::Attribute { element, attr } => {
            let attr = &checker.syntax.elements[element].attributes[attr];
            templates::is_script_attribute(&attr.name_lower)
                || templates::is_javascript_url(checker.source, attr)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix_in, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS501"])
    }

    #[test]
    fn flags_safe_on_variables() {
        let src = "<p>{{ user.bio|safe }}</p>\n<ul>{{ items|safeseq|join:\", \" }}</ul>\n<div>{{ post.body|striptags|safe }}</div>\n{% if x %}<b>{{ x.name | default:\"a|b\" | safe }}</b>{% endif %}\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS501", 1, 4, "warning"),
                ("DJS501", 2, 5, "warning"),
                ("DJS501", 3, 6, "warning"),
                ("DJS501", 4, 14, "warning"),
            ]
        );
    }

    #[test]
    fn ignores_safe_look_alikes() {
        let src = concat!(
            "<p>{{ \"<br>\"|safe }}{{ 'x'|safe }}{{ 42|safe }}{{ _(\"Hi\")|safe }}</p>\n",
            "<p>{{ x|escape|safe }}{{ x|force_escape|safe }}{{ x|linebreaks|safe }}{{ x|safe|force_escape }}</p>\n",
            "<p>{{ x|escape }}{{ x }}{{ safe }}{{ x|safer }}{{ x.safe }}</p>\n",
            "{# {{ x|safe }} #}{% comment %}{{ y|safe }}{% endcomment %}\n",
            "{% verbatim %}{{ z|safe }}{% endverbatim %}\n",
            "{% autoescape off %}{{ a|safe }}{% endautoescape %}\n",
            "<script>var a = {{ data|safe }};</script>\n",
            "<button onclick=\"go({{ data|safe }})\">x</button>\n",
            "<p>{{ x| }}{{ |safe }}{{ x|safe",
        );
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn safe_after_other_filters_and_in_attributes() {
        let src = "<a title=\"{{ t|upper|safe }}\">{{ x|linebreaks|safe }}</a>{% autoescape on %}{{ y|safe }}{% endautoescape %}";
        assert_eq!(
            codes(src),
            vec![("DJS501", 1, 11, "warning"), ("DJS501", 1, 77, "warning")]
        );
    }

    #[test]
    fn developer_authored_text_is_an_audit_hint() {
        let src = concat!(
            "{{ field.help_text|safe }}{{ form.email.label|safe }}\n",
            "{{ fieldset.description|safe }}{{ settings.BANNER|safe }}\n",
            // A description of anything else (a product, an offer) may be user-written.
            "{{ product.description|safe }}{{ help_text|safe }}\n",
            // A setting a context processor exposes; an id is no text at all.
            "{{ SITE_BANNER|safe }}{{ plugin.id|safe }}{{ obj.pk|safe }}\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS501", 1, 1, "hint"),
                ("DJS501", 1, 27, "hint"),
                ("DJS501", 2, 1, "hint"),
                ("DJS501", 2, 32, "hint"),
                ("DJS501", 3, 1, "warning"),
                ("DJS501", 3, 31, "warning"),
                ("DJS501", 4, 1, "hint"),
            ]
        );
    }

    #[test]
    fn request_data_read_in_the_template_is_an_error() {
        let src = "<p>{{ request.GET.q|safe }}</p><p>{{ request.user.username|safe }}</p>";
        assert_eq!(
            codes(src),
            vec![("DJS501", 1, 4, "error"), ("DJS501", 1, 35, "warning")]
        );
        // Headers are request data; the host is checked against `ALLOWED_HOSTS` first.
        let src = "{{ request.META.HTTP_USER_AGENT|safe }}\n{{ request.META.HTTP_HOST|safe }}\n";
        assert_eq!(
            codes(src),
            vec![("DJS501", 1, 1, "error"), ("DJS501", 2, 1, "warning")]
        );
    }

    #[test]
    fn text_templates_are_not_checked() {
        use crate::analysis::{Context, analyze_text};
        let context = Context::for_path("app/templates/email/body.txt");
        let findings = analyze_text("Hi {{ name|safe }}\n", Language::Template, &context);
        assert!(findings.iter().all(|f| f.code != "DJS501"));
        let context = Context::for_path("app/templates/page.html");
        let findings = analyze_text("Hi {{ name|safe }}\n", Language::Template, &context);
        assert!(findings.iter().any(|f| f.code == "DJS501"));
    }

    #[test]
    fn fix_removes_the_filter() {
        let src = "<p>{{ user.bio|safe }}</p><p>{{ x|safeseq|join:\",\"|safe }}</p>";
        let fixed = assert_fix_in(Language::Template, src, "DJS501");
        assert_eq!(fixed, "<p>{{ user.bio }}</p><p>{{ x|join:\",\" }}</p>");
    }
}
