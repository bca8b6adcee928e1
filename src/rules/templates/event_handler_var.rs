//! DJS521 `template-var-in-event-handler`: `{{ value }}` in an `on*` attribute or a
//! `javascript:` URL.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::templates::{self, Js, Judgement, Place};
use crate::rules::{Family, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "DJS521",
    name: "template-var-in-event-handler",
    family: Family::Templates,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A template variable is inserted into an event-handler attribute or a `javascript:` URL, where HTML escaping does not protect it.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Finds `{{ … }}` variables in attributes whose value runs as JavaScript: event handlers
(`onclick`, `onload`, `onmouseover`, …), their Alpine.js, Vue and htmx counterparts
(`x-on:click`, `@click`, `v-on:click`, `hx-on:click`, `x-data`, `x-init`), and `javascript:`
URLs in any attribute.

Not reported: `'{{ value|escapejs }}'` inside a quoted JavaScript string, literals, values that
cannot hold quotes or code (`|length`, `.pk`, `forloop.counter`, …), values the server makes
(form and widget metadata: `field.name`, `field.auto_id`, `widget.name`, `widget.attrs.id`, ids
such as a widget template's `image_id`; `settings.*`; `{{ url(...) }}`) unless a view passes
request data under the name (a value a view escapes for HTML is still reported: the browser
decodes the escapes before it runs the handler). The finding is an error with `|safe`, under `{% autoescape off %}`, or when the value is request
data (`request.GET…` in the template, or a view passing request data): the browser decodes the
escaped quotes before running the handler.

## Why is this bad?
The browser HTML-decodes an attribute's value before running it, so HTML escaping is undone
first: in `onclick="greet('{{ name }}')"`, a name containing `');alert(document.cookie);('`
arrives as `&#x27;);alert(document.cookie);(&#x27;` and is decoded back into quotes that end the
string. The result is cross-site scripting despite autoescaping.

## Example
```django
<button onclick="remove('{{ item.name }}')">Remove</button>
```

Use instead: keep the data in a `data-` attribute (plain HTML escaping is right there) and read
it from a script:
```django
<button class="remove" data-name="{{ item.name }}">Remove</button>
<script>
  document.querySelectorAll(".remove").forEach((b) =>
    b.addEventListener("click", () => remove(b.dataset.name)));
</script>
```

## Fix
No automatic fix: moving a handler into a script is a change of structure. Inside a quoted
JavaScript string, `|escapejs` is the minimal repair.

## Fix safety
No fix is offered.

## References
- OWASP: Cross Site Scripting Prevention Cheat Sheet (JavaScript contexts, event handlers);
  CWE-79
- Django: [`escapejs`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#escapejs)
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
        let Place::Attribute { element, attr } = templates::place(checker, token.range.start)
        else {
            continue;
        };
        let attribute = &syntax.elements[element].attributes[attr];
        let Some(value) = attribute.value.clone() else {
            continue;
        };
        if !value.contains(&token.range.start) {
            continue;
        }
        let handler = templates::is_script_attribute(&attribute.name_lower);
        let js_url = !handler && templates::is_javascript_url(text, attribute);
        if !(handler || js_url) {
            continue;
        }
        let skip = templates::django_ranges(checker, value.clone());
        let state = templates::js_states(text, value, &skip, &[token.range.start])
            .first()
            .copied()
            .unwrap_or(Js::Code);
        let unescaped = templates::marked_safe(text, expr, false)
            || syntax
                .autoescape_at(text, token.range.start)
                .is_some_and(|(_, on)| !on);
        if matches!(state, Js::LineComment | Js::BlockComment)
            || (matches!(state, Js::String(_)) && expr.has_filter(text, "escapejs") && !unescaped)
        {
            continue;
        }
        // Values the server makes (form and widget names and ids, settings, URLs), unless a
        // view says the name holds request data.
        let judgement = templates::judge(checker, expr, token.range.start);
        if !matches!(judgement, Judgement::User(_))
            && templates::is_server_made(text, token.content_text(text), expr)
        {
            continue;
        }
        // What a view passes as "safe" for HTML (escaped text) is not safe here: the browser
        // decodes the escapes before it runs the handler.
        let why = match &judgement {
            Judgement::User(why) | Judgement::Stored(why) => Some(why.clone()),
            Judgement::Safe | Judgement::Unknown => None,
        };
        let user = matches!(judgement, Judgement::User(_));
        let name = templates::shown(text, expr);
        let what = if js_url {
            "a `javascript:` URL".to_string()
        } else {
            format!("the `{}` attribute", attribute.name_lower)
        };
        let mut message = if unescaped {
            format!("{name} is inserted unescaped into {what}, which runs as JavaScript")
        } else {
            format!(
                "{name} is inserted into {what}, which runs as JavaScript: the browser decodes HTML escapes before running it, so escaping does not protect it; keep the value in a `data-` attribute"
            )
        };
        if let Some(why) = why {
            message.push_str(&format!(" ({why})"));
        }
        let severity = if unescaped || user {
            Severity::Error
        } else {
            RULE.severity
        };
        findings.push(Finding::new(
            RULE.code,
            token.range.clone(),
            severity,
            message,
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
        codes_at_only(Language::Template, src, &["DJS521"])
    }

    #[test]
    fn flags_variables_in_handlers() {
        let src = concat!(
            "<button onclick=\"remove('{{ item.name }}')\">x</button>\n",
            "<body onload=\"init({{ config }})\">\n",
            "<div x-data=\"{ name: '{{ name }}' }\" @click=\"go({{ id_str }})\"></div>\n",
            "<a href=\"javascript:show('{{ msg }}')\">x</a>\n",
            "<img src=x onerror={{ handler }}>\n",
            "<a onclick=\"f({{ x|safe }})\">x</a>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS521", 1, 26, "warning"),
                ("DJS521", 2, 20, "warning"),
                ("DJS521", 3, 23, "warning"),
                ("DJS521", 3, 49, "warning"),
                ("DJS521", 4, 27, "warning"),
                ("DJS521", 5, 20, "warning"),
                ("DJS521", 6, 15, "error"),
            ]
        );
    }

    #[test]
    fn form_and_widget_metadata_is_server_made() {
        let src = concat!(
            "<img onload=\"$('#upload_button_{{ image_id }}').hide()\" onerror=\"$('#b_{{ widget.attrs.id }}').show()\">\n",
            "<button hx-on:htmx:trigger=\"start({ targetFieldName: '{{ field.name }}' })\">x</button>\n",
            "<a onclick=\"f('{{ field.auto_id }}', '{{ widget.name }}', '{{ form.prefix }}')\">x</a>\n",
        );
        assert_eq!(codes(src), vec![]);
        // Look-alikes that stay reported: a name that is not a field's or a widget's, request
        // data (an error: the decoded quotes end the string).
        let src = concat!(
            "<a onclick=\"f('{{ item.name }}', '{{ author.name }}')\">x</a>\n",
            "<a onclick=\"f('{{ request.GET.next }}')\">x</a>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS521", 1, 16, "warning"),
                ("DJS521", 1, 35, "warning"),
                ("DJS521", 2, 16, "error"),
            ]
        );
    }

    #[test]
    fn ignores_safe_look_alikes() {
        let src = concat!(
            "<button onclick=\"remove('{{ item.name|escapejs }}')\">{{ item.name }}</button>\n",
            "<button onclick=\"remove({{ item.pk }}, {{ forloop.counter }}, {{ items|length }})\">x</button>\n",
            "<a href=\"/x/{{ id }}\" title=\"{{ t }}\" data-onclick=\"{{ d }}\" class=\"on{{ c }}\">x</a>\n",
            "<a href=\"{% url 'x' %}\" onclick=\"track('{% url 'y' %}')\">x</a>\n",
            "<button onclick=\"go() /* {{ note }} */\">x</button>\n",
            "<div onclick",
        );
        assert_eq!(codes(src), vec![]);
    }
}
