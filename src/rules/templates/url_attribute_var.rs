//! DJS530 `template-var-as-url`: a URL attribute whose whole value is a variable
//! (`href="{{ url }}"`).

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::templates::{self, Place};
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::lexer::trim_range;

pub const RULE: Rule = Rule {
    code: "DJS530",
    name: "template-var-as-url",
    family: Family::Templates,
    severity: Severity::Hint,
    fix: FixAvailability::None,
    summary: "A link or script URL is exactly a template variable: a `javascript:` URL passes HTML escaping.",
    django_checks: &[],
    peers: &["semgrep:var-in-href", "semgrep:var-in-script-src"],
    docs: r#"
## What it does
Finds URL attributes whose whole value is one `{{ … }}` variable, where a URL can run script or
load it: `href` of `<a>`, `<area>` and `<base>`; `src` of `<script>`, `<iframe>`, `<frame>`
and `<embed>`; `action` of `<form>`; `formaction` of `<button>` and `<input>`; `data` of
`<object>`.

Not reported: values built with `{% url %}` or with a fixed prefix (`href="/users/{{ id }}"`,
`href="mailto:{{ email }}"`), literals, `|urlencode`d values, `get_absolute_url`, and
`request.path` / `request.get_full_path` (always a path on the site). Image and media `src`
are not checked: browsers do not run `javascript:` URLs there.

## Why is this bad?
Escaping keeps the value inside the attribute, but a value such as `javascript:alert(document.cookie)`
contains nothing to escape: clicking the link runs it. A user-supplied "website" or a `next`
parameter is the typical source; a script `src` from a variable can load code from anywhere.
Reported as a hint because the value is often trusted.

## Example
```django
<a href="{{ profile.website }}">Website</a>
```

Use instead: accept only `http`/`https` URLs where the value is stored (Django's `URLField`
validates the scheme), or check it in the view with `url_has_allowed_host_and_scheme()`; build
internal links with `{% url %}`.

## Fix
No automatic fix: only the author knows where the value comes from.

## Fix safety
No fix is offered.

## References
- OWASP: Cross Site Scripting Prevention Cheat Sheet, rule 5 (URL contexts); CWE-79
- Django: [`url_has_allowed_host_and_scheme`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.http.url_has_allowed_host_and_scheme)
"#,
};

/// (element, attribute) pairs whose URL can run or load script.
const URL_ATTRIBUTES: &[(&str, &str)] = &[
    ("a", "href"),
    ("area", "href"),
    ("base", "href"),
    ("script", "src"),
    ("iframe", "src"),
    ("frame", "src"),
    ("embed", "src"),
    ("form", "action"),
    ("button", "formaction"),
    ("input", "formaction"),
    ("object", "data"),
];

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let syntax = checker.syntax;
    let mut findings = Vec::new();
    for &(index, ref expr) in templates::variables(checker).iter() {
        if expr.base.is_empty() || expr.is_literal() {
            continue;
        }
        let token = &syntax.tokens[index];
        let Place::Attribute { element, attr } = templates::place(checker, token.range.start)
        else {
            continue;
        };
        let el = &syntax.elements[element];
        let attribute = &el.attributes[attr];
        let Some(value) = attribute.value.clone() else {
            continue;
        };
        if trim_range(text, value) != token.range {
            continue;
        }
        if !URL_ATTRIBUTES.contains(&(el.name.as_str(), attribute.name_lower.as_str())) {
            continue;
        }
        let base = expr.base_text(text);
        let known_safe = expr.has_filter(text, "urlencode")
            || base.ends_with("get_absolute_url")
            || matches!(
                base,
                "request.path" | "request.get_full_path" | "request.path_info"
            );
        if known_safe {
            continue;
        }
        findings.push(Finding::new(
            RULE.code,
            token.range.clone(),
            RULE.severity,
            format!(
                "the `{}` of this `<{}>` is exactly {}: escaping lets a `javascript:` URL through; make sure the value can only be an http(s) or relative URL",
                attribute.name_lower,
                el.name,
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
        codes_at_only(Language::Template, src, &["DJS530"])
    }

    #[test]
    fn flags_whole_value_urls() {
        let src = concat!(
            "<a href=\"{{ profile.website }}\">w</a>\n",
            "<a href=' {{ next }} '>n</a><a href={{ u }}>u</a>\n",
            "<script src=\"{{ cdn_url }}\"></script>\n",
            "<form action=\"{{ action }}\"><button formaction=\"{{ alt }}\">x</button></form>\n",
            "<iframe src=\"{{ embed|default:'' }}\"></iframe>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS530", 1, 10, "hint"),
                ("DJS530", 2, 11, "hint"),
                ("DJS530", 2, 37, "hint"),
                ("DJS530", 3, 14, "hint"),
                ("DJS530", 4, 15, "hint"),
                ("DJS530", 4, 49, "hint"),
                ("DJS530", 5, 14, "hint"),
            ]
        );
    }

    #[test]
    fn ignores_safe_look_alikes() {
        let src = concat!(
            "<a href=\"{% url 'profile' user.pk %}\">p</a>\n",
            "<a href=\"/users/{{ user.pk }}/\">u</a><a href=\"mailto:{{ email }}\">m</a>\n",
            "<a href=\"{{ obj.get_absolute_url }}\">o</a><a href=\"{{ request.get_full_path }}\">r</a>\n",
            "<a href=\"{{ q|urlencode }}\">q</a><a href=\"{{ 'https://x' }}\">l</a>\n",
            "<img src=\"{{ user.avatar.url }}\"><video src=\"{{ v }}\"></video>\n",
            "<a title=\"{{ t }}\" href=\"#\">t</a><link href=\"{{ css }}\" rel=\"stylesheet\">\n",
            "<a href=\"{{ a }}{{ b }}\">ab</a><a href=\"{% if x %}{{ x }}{% endif %}\">x</a>\n",
        );
        assert_eq!(codes(src), vec![]);
    }
}
