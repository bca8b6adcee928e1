//! CSRF tokens in forms: DJS510 `template-form-missing-csrf-token`, DJS511
//! `template-csrf-token-in-get-form`, DJS512 `template-csrf-token-off-site`.

use std::ops::Range;

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::templates;
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::lexer::slice;
use crate::syntax::template::{Element, TokenKind};

pub const MISSING_CSRF_TOKEN: Rule = Rule {
    code: "DJS510",
    name: "template-form-missing-csrf-token",
    family: Family::Templates,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "A `<form method=\"post\">` has no `{% csrf_token %}`.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Finds `<form>` elements that submit with POST — `method="post"` in any case, quoted or not, or
a `formmethod="post"` button inside — and contain no CSRF token: no `{% csrf_token %}` (also
inside `{% if %}` or `{% for %}` within the form), no `{{ csrf_token }}` in a hand-written hidden
input, no `{{ csrf_input }}` (Jinja2).

Not reported: forms whose `action` is an absolute URL (`https://…`, `//…`), which post to
another site that must not receive the token, and forms whose method is built by a template
tag, and forms whose content can render the token itself: an `{% include %}` (djsec does not
read other templates yet), a tag that renders a whole form (`{% crispy form %}`,
`{% bootstrap_form* %}`, `{% fields_for %}`), a Jinja2 macro imported into the template
(`{{ macros.csrf_field() }}`, `{% call %}`) or any expression that mentions `csrf_token`.
Reported as information only, because the token may be added elsewhere or not be needed:
forms containing a `{% block %}` (a child template can fill it), forms that this template does
not close, forms whose `action` starts with a template tag or a variable that djsec cannot
resolve to this site (`{{ event.urls.auth }}`, a project's `{% abs_url … %}`: it may be another
site, which must not receive the token — `{% url %}`, Jinja2's `url()`, `request.path` and
relative URLs are this site), and forms with no field and no submit button (no `<input>` other
than hidden ones, no `<button>` that submits, no `<select>` or `<textarea>`, nothing that may
render one, no button elsewhere naming the form in its `form` attribute): only a script can
submit those, and it may send the token in an `X-CSRFToken` header. Forms that declare they are
submitted by a script are information for the same reason: a Stimulus action that submits them
(`data-action="...->controller#submit"`), htmx (`hx-post`, `hx-put`, `hx-patch`, `hx-delete`),
or a prevented submit handled by Alpine.js or Vue (`x-on:submit.prevent`, `@submit.prevent`,
`v-on:submit.prevent`).

## Why is this bad?
With `CsrfViewMiddleware` enabled, Django rejects the submission with "403 Forbidden (CSRF token
missing)". The usual wrong "fix" is `@csrf_exempt` on the view, which opens it to cross-site
request forgery: any site the user visits can submit the form in their name.

## Example
```django
<form method="post" action="{% url 'transfer' %}">
  {{ form }}
  <button>Send</button>
</form>
```

Use instead:
```django
<form method="post" action="{% url 'transfer' %}">
  {% csrf_token %}
  {{ form }}
  <button>Send</button>
</form>
```

## Fix
Insert `{% csrf_token %}` right after the `<form …>` start tag, on its own line with the
indentation of the form's next line.

## Fix safety
Safe: the tag renders a hidden input that Django's CSRF check expects; it changes nothing else.

## References
- Django: [Cross Site Request Forgery protection](https://docs.djangoproject.com/en/stable/howto/csrf/)
- Django: [`csrf_token`](https://docs.djangoproject.com/en/stable/ref/templates/builtins/#csrf-token)
- OWASP: Cross-Site Request Forgery Prevention Cheat Sheet; CWE-352
"#,
};

pub const CSRF_TOKEN_IN_GET_FORM: Rule = Rule {
    code: "DJS511",
    name: "template-csrf-token-in-get-form",
    family: Family::Templates,
    severity: Severity::Hint,
    fix: FixAvailability::None,
    summary: "`{% csrf_token %}` in a form that submits with GET puts the token in URLs.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `{% csrf_token %}` inside a `<form>` that submits with GET: `method="get"` or no
`method` at all, and no `formmethod="post"` button.

## Why is this bad?
A GET form sends its fields in the URL, token included: it ends up in the browser history, in
server and proxy logs, and in the `Referer` header sent to other sites. GET requests should not
change anything, so they need no token; a form that does change something should use POST.

## Example
```django
<form action="{% url 'search' %}">
  {% csrf_token %}
  <input name="q">
</form>
```

Use instead: remove the token from the search form, or make a form that changes data
`method="post"`.

## Fix
No automatic fix: only the author knows whether the form should be POST.

## Fix safety
No fix is offered.

## References
- Django: [How to use Django's CSRF protection](https://docs.djangoproject.com/en/stable/howto/csrf/)
- OWASP: Cross-Site Request Forgery Prevention Cheat Sheet; CWE-598
"#,
};

pub const CSRF_TOKEN_OFF_SITE: Rule = Rule {
    code: "DJS512",
    name: "template-csrf-token-off-site",
    family: Family::Templates,
    severity: Severity::Hint,
    fix: FixAvailability::None,
    summary: "A form posting to an absolute URL carries the CSRF token, which must not leave the site.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `{% csrf_token %}` (or `{{ csrf_token }}`) inside a POST form whose `action` is an
absolute URL (`https://…`, `http://…` or `//…`).

## Why is this bad?
If the URL is another site (a payment provider, a newsletter service), the token is sent to it,
and whoever runs it can forge requests to your site in your users' names until the token
changes. Django's own documentation warns against this. If the URL is your own site, prefer a
relative URL or `{% url %}`, which also survives a change of domain.

## Example
```django
<form method="post" action="https://payments.example.com/checkout">
  {% csrf_token %}
  ...
</form>
```

Use instead: remove the token from forms that post elsewhere.

## Fix
No automatic fix: djsec cannot tell your domain from another.

## Fix safety
No fix is offered.

## References
- Django: [How to use Django's CSRF protection](https://docs.djangoproject.com/en/stable/howto/csrf/)
  ("This should not be done for POST forms that target external URLs")
- CWE-352
"#,
};

/// What a form's body says about its CSRF token.
#[derive(Default)]
struct Body {
    /// The tokens (`{% csrf_token %}`, `{{ csrf_token }}`, `{{ csrf_input }}`) and hand-written
    /// `csrfmiddlewaretoken` inputs.
    tokens: Vec<Range<usize>>,
    /// `{% csrf_token %}` tags only.
    tags: Vec<Range<usize>>,
    /// Names of the templates included in the form.
    includes: Vec<String>,
    /// Template tags and macro calls inside the form that render a form of their own, CSRF
    /// token included (`{% crispy form %}`, `{% bootstrap_form form %}`, a Jinja2 macro).
    form_tags: Vec<String>,
    /// `{% block %}` tags in the form (a child template may fill them).
    blocks: usize,
    /// Something in the form's text that may render a field or a button: a template tag djsec
    /// does not know, or a variable that names a form, a field or a widget, or goes through a
    /// filter.
    may_render_control: bool,
}

/// Template tags (Django's and Jinja2's) that render no HTML control: control flow,
/// translations, URLs, static files, comments.
const TAGS_WITHOUT_CONTROLS: &[&str] = &[
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "empty",
    "endfor",
    "with",
    "endwith",
    "trans",
    "translate",
    "blocktrans",
    "blocktranslate",
    "endblocktrans",
    "endblocktranslate",
    "plural",
    "load",
    "comment",
    "endcomment",
    "url",
    "static",
    "now",
    "spaceless",
    "endspaceless",
    "csrf_token",
    "firstof",
    "cycle",
    "ifchanged",
    "endifchanged",
    "verbatim",
    "endverbatim",
    "autoescape",
    "endautoescape",
    "filter",
    "endfilter",
    "set",
    "endset",
    "localize",
    "endlocalize",
    "localtime",
    "endlocaltime",
    "timezone",
    "endtimezone",
    "get_current_language",
    "language",
    "endlanguage",
    "lorem",
    "regroup",
    "templatetag",
    "widthratio",
    "endblock",
];

/// Words in a variable (or the loop it comes from) that say it may render a form control.
const CONTROL_WORDS: &[&str] = &[
    "form", "field", "widget", "input", "button", "select", "control", "captcha", "html",
];

fn body(checker: &TemplateChecker, form: &Element, macros: &[String]) -> Body {
    let text = checker.source;
    let syntax = checker.syntax;
    let mut out = Body::default();
    // One searcher for all the text tokens (`str::find` builds one per call).
    let field = memchr::memmem::Finder::new(b"csrfmiddlewaretoken");
    for i in syntax.tokens_in(form.content.clone()) {
        let token = &syntax.tokens[i];
        match token.kind {
            TokenKind::Block => match syntax.block_name(text, i) {
                "csrf_token" => {
                    out.tokens.push(token.range.clone());
                    out.tags.push(token.range.clone());
                }
                "include" => {
                    let name = syntax
                        .block_tag(text, i)
                        .and_then(|t| t.args.first().map(|a| slice(text, a).to_string()))
                        .unwrap_or_default();
                    out.includes.push(name);
                }
                "block" => out.blocks += 1,
                "call" => out
                    .form_tags
                    .push("a Jinja2 `{% call %}` block".to_string()),
                name if renders_form(name) => out.form_tags.push(format!("`{{% {name} %}}`")),
                name if !TAGS_WITHOUT_CONTROLS.contains(&name) => out.may_render_control = true,
                _ => {}
            },
            TokenKind::Variable => {
                let content = token.content_text(text);
                if let Some(expr) = syntax.filter_expression(text, i)
                    && matches!(expr.base_text(text), "csrf_token" | "csrf_input")
                {
                    out.tokens.push(token.range.clone());
                } else if content.contains("csrf_token") || content.contains("csrf_input") {
                    // `{{ macros.csrf_middleware_token(csrf_token) }}`: a macro given the token.
                    out.tokens.push(token.range.clone());
                } else if let Some((callee, _)) = content.split_once('(') {
                    let root = callee.trim().split('.').next().unwrap_or("");
                    if macros.iter().any(|m| m == root) {
                        out.form_tags.push(format!("the macro `{}`", callee.trim()));
                    }
                    out.may_render_control = true;
                } else if !out.may_render_control && may_render_control(checker, i) {
                    out.may_render_control = true;
                }
            }
            TokenKind::Text => {
                let content = slice(text, &token.range);
                if let Some(at) = field.find(content.as_bytes()) {
                    let start = token.range.start + at;
                    out.tokens.push(start..start + "csrfmiddlewaretoken".len());
                }
            }
            TokenKind::Comment => {}
        }
    }
    out
}

/// Whether the `{{ … }}` token `i` may render a form control: in the text of the form (not in
/// an attribute), with a filter (`{{ form|crispy }}`, `{{ html|safe }}`) or a name (its own,
/// or the iterable or value of the `{% for %}` / `{% with %}` it comes from) that says form,
/// field, widget, button...
fn may_render_control(checker: &TemplateChecker, i: usize) -> bool {
    let text = checker.source;
    let syntax = checker.syntax;
    let token = &syntax.tokens[i];
    if syntax.start_tag_at(token.range.start).is_some()
        || syntax.raw_text_at(token.range.start).is_some()
    {
        return false;
    }
    let Some(expr) = syntax.filter_expression(text, i) else {
        return true;
    };
    if !expr.filters.is_empty() && !templates::is_inert(text, &expr) {
        return true;
    }
    let names = |s: &str| {
        let s = s.to_ascii_lowercase();
        CONTROL_WORDS.iter().any(|w| s.contains(w))
    };
    if names(expr.base_text(text)) {
        return true;
    }
    syntax
        .enclosing_blocks(token.range.start)
        .take(64)
        .filter(|b| matches!(b.name.as_str(), "for" | "with"))
        .any(|b| {
            syntax
                .tokens
                .get(b.open)
                .is_some_and(|t| names(t.content_text(text)))
        })
}

/// Where a form posts, as far as the template tells.
enum Target {
    /// This site: no `action`, an empty or relative one, `{% url %}`, Jinja2's `url()`, the
    /// request's own path.
    ThisSite,
    /// Built by a template tag or a variable djsec cannot resolve (another site's URL, as
    /// often as not): the text that builds it.
    Unresolved(String),
}

/// The target of a form from its raw `action` value (absolute literals are handled before).
fn target(text: &str, checker: &TemplateChecker, form: &Element) -> Target {
    let syntax = checker.syntax;
    let Some(value) = form.attribute("action").and_then(|a| a.value.clone()) else {
        return Target::ThisSite;
    };
    // The first thing the value outputs, skipping tags that output nothing themselves.
    for i in syntax.tokens_in(value.clone()) {
        let token = &syntax.tokens[i];
        match token.kind {
            TokenKind::Comment => {}
            TokenKind::Text => {
                let start = token.range.start.max(value.start);
                let end = token.range.end.min(value.end);
                if text.get(start..end).is_some_and(|t| t.trim().is_empty()) {
                    continue;
                }
                return Target::ThisSite;
            }
            TokenKind::Block => match syntax.block_name(text, i) {
                "url" => return Target::ThisSite,
                "if" | "elif" | "else" | "endif" | "with" | "endwith" | "spaceless"
                | "endspaceless" => {}
                _ => return Target::Unresolved(short(slice(text, &token.range))),
            },
            TokenKind::Variable => {
                let content = token.content_text(text).trim();
                let this_site = content.starts_with("url(")
                    || content.starts_with("reverse(")
                    || syntax.filter_expression(text, i).is_some_and(|e| {
                        matches!(
                            e.base_text(text),
                            "request.path"
                                | "request.path_info"
                                | "request.get_full_path"
                                | "request.get_full_path_info"
                        )
                    });
                return if this_site {
                    Target::ThisSite
                } else {
                    Target::Unresolved(short(slice(text, &token.range)))
                };
            }
        }
    }
    Target::ThisSite
}

/// Whether a form has a control a user can submit it with, or that holds what it submits:
/// a button that is not `type="button"`/`"reset"`, an input that is not hidden, a `<select>`,
/// a `<textarea>`, or a button elsewhere in the template whose `form` attribute names it.
fn has_control(text: &str, elements: &[Element], at: usize) -> bool {
    let form = &elements[at];
    let inside = elements[at + 1..]
        .iter()
        .take_while(|e| e.range.start < form.range.end)
        .any(|e| match e.name.as_str() {
            "button" => !matches!(
                attribute_value(text, e, "type"),
                Some(Some(t)) if t == "button" || t == "reset"
            ),
            "input" => {
                !(matches!(attribute_value(text, e, "type"), Some(Some(t)) if t == "hidden")
                    || e.attribute("hidden").is_some())
            }
            "select" | "textarea" => true,
            _ => false,
        });
    inside
        || form
            .attribute_value(text, "id")
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .is_some_and(|id| {
                elements
                    .iter()
                    .any(|e| e.attribute_value(text, "form").map(str::trim) == Some(id))
            })
}

/// The attribute by which a form says a script submits it: a Stimulus action calling a
/// controller's `submit` (`data-action="w-session:ping->w-swap#submit"`), htmx's `hx-post`
/// (and `put`, `patch`, `delete`), a prevented submit event handled by Alpine.js or Vue.
fn script_submit(text: &str, form: &Element) -> Option<String> {
    if form
        .attribute_value(text, "data-action")
        .is_some_and(|v| v.split_whitespace().any(|a| a.ends_with("#submit")))
    {
        return Some("data-action=\"…#submit\"".to_string());
    }
    ["hx-post", "hx-put", "hx-patch", "hx-delete", "data-hx-post"]
        .iter()
        .chain(&[
            "x-on:submit.prevent",
            "@submit.prevent",
            "v-on:submit.prevent",
        ])
        .find(|name| form.attribute(name).is_some())
        .map(|name| name.to_string())
}

/// Template tags that render a whole form with its CSRF token: django-crispy-forms'
/// `{% crispy %}`, django-bootstrap's and django-mailman3's `{% bootstrap_form* %}`,
/// Mezzanine's `{% fields_for %}`.
fn renders_form(tag: &str) -> bool {
    matches!(tag, "crispy" | "fields_for" | "render_form" | "form_tag")
        || tag.starts_with("bootstrap_form")
        || tag.starts_with("bootstrap3_form")
        || tag.starts_with("bootstrap4_form")
        || tag.starts_with("bootstrap5_form")
}

/// An attribute's value, trimmed and lowercased; `None` when absent; `Some(None)` when it is
/// built by a template tag (unknown).
fn attribute_value(text: &str, element: &Element, name: &str) -> Option<Option<String>> {
    let value = element.attribute_value(text, name)?;
    if value.contains("{{") || value.contains("{%") {
        return Some(None);
    }
    Some(Some(value.trim().to_ascii_lowercase()))
}

/// Whether a URL is absolute (points, or may point, to another site).
pub(crate) fn is_absolute_url(url: &str) -> bool {
    let url = url.trim_start().to_ascii_lowercase();
    url.starts_with("http://") || url.starts_with("https://") || url.starts_with("//")
}

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let syntax = checker.syntax;
    let mut findings = Vec::new();
    let macros = templates::imported_macros(checker);
    for (i, form) in checker.elements() {
        if form.name != "form" || !form.start_tag_closed {
            continue;
        }
        let method = match attribute_value(text, form, "method") {
            None => "get".to_string(),
            Some(None) => continue,
            Some(Some(m)) => m,
        };
        let button_posts = syntax.elements[i + 1..]
            .iter()
            .take_while(|e| e.range.start < form.range.end)
            .any(|e| {
                matches!(e.name.as_str(), "button" | "input")
                    && attribute_value(text, e, "formmethod") == Some(Some("post".to_string()))
            });
        let posts = method == "post" || button_posts;
        let body = body(checker, form, &macros);
        if !posts {
            if matches!(method.as_str(), "get" | "") {
                for tag in &body.tags {
                    findings.push(Finding::new(
                        CSRF_TOKEN_IN_GET_FORM.code,
                        tag.clone(),
                        CSRF_TOKEN_IN_GET_FORM.severity,
                        "`{% csrf_token %}` in a form that submits with GET: the token ends up in the URL, browser history, logs and `Referer` headers; GET forms need no token",
                    ));
                }
            }
            continue;
        }
        let action = attribute_value(text, form, "action").flatten();
        if let Some(action) = action.filter(|a| is_absolute_url(a)) {
            for token in &body.tokens {
                findings.push(Finding::new(
                    CSRF_TOKEN_OFF_SITE.code,
                    token.clone(),
                    CSRF_TOKEN_OFF_SITE.severity,
                    format!(
                        "this form posts to an absolute URL (`{}`): if that is another site, it receives the CSRF token; remove the token from forms that post elsewhere",
                        short(&action)
                    ),
                ));
            }
            continue;
        }
        if !body.tokens.is_empty() {
            continue;
        }
        // The token can come from what renders inside the form: an included template, a tag
        // that renders the form, a macro. Not reported (djsec does not read other templates).
        if !body.includes.is_empty() || !body.form_tags.is_empty() {
            continue;
        }
        let mut maybe = Vec::new();
        let mut why_info = None;
        if let Target::Unresolved(action) = target(text, checker, form) {
            why_info = Some(format!(
                "it posts to `{action}`, which djsec cannot resolve: a form that posts to another site needs no token (and must not send this one); if it is this site, Django rejects its submissions (403)"
            ));
        } else if let Some(how) = script_submit(text, form) {
            why_info = Some(format!(
                "it is submitted by a script (`{how}`), which may send the token in an `X-CSRFToken` header (not checked)"
            ));
        } else if !body.may_render_control && !has_control(text, &syntax.elements, i) {
            why_info = Some(
                "it has no field and no submit button, so only a script can submit it, and a script may send the token in a header (not checked)".to_string(),
            );
        }
        if body.blocks > 0 {
            maybe.push("a child template filling its `{% block %}`".to_string());
        }
        if form.end_tag.is_none() {
            maybe.push("the template that closes it".to_string());
        }
        let (severity, message) = if let Some(why) = why_info.filter(|_| maybe.is_empty()) {
            (
                Severity::Info,
                format!("POST form without `{{% csrf_token %}}`, but {why}"),
            )
        } else if maybe.is_empty() {
            (
                MISSING_CSRF_TOKEN.severity,
                "POST form without `{% csrf_token %}`: Django's CSRF check rejects its submissions (403), and exempting the view instead opens it to cross-site request forgery".to_string(),
            )
        } else {
            (
                Severity::Info,
                format!(
                    "POST form without `{{% csrf_token %}}` in this template; it may come from {} (not checked)",
                    maybe.join(" or ")
                ),
            )
        };
        findings.push(
            Finding::new(
                MISSING_CSRF_TOKEN.code,
                form.start_tag.clone(),
                severity,
                message,
            )
            .with_fix(Some(Fix::safe(
                "Insert `{% csrf_token %}`",
                vec![insertion(text, form)],
            ))),
        );
    }
    for finding in findings {
        checker.report(finding);
    }
}

/// `{% csrf_token %}` after the form's start tag: on its own line with the indentation of the
/// form's next line when the start tag ends its line, else right after it.
fn insertion(text: &str, form: &Element) -> Edit {
    let at = form.start_tag.end.min(text.len());
    let rest = text.get(at..).unwrap_or("");
    let line_rest = rest.split('\n').next().unwrap_or("");
    if !rest.contains('\n') || !line_rest.trim().is_empty() {
        return Edit::insert(at, "{% csrf_token %}");
    }
    let eol = templates::line_ending(text);
    let form_indent = templates::line_indent(text, form.start_tag.start);
    // The first non-blank line after the start tag, if it is inside the form.
    let mut offset = at + line_rest.len() + 1;
    let mut indent = None;
    while offset < text.len() {
        let line = text
            .get(offset..)
            .unwrap_or("")
            .split('\n')
            .next()
            .unwrap_or("");
        if !line.trim().is_empty() {
            let first = offset + (line.len() - line.trim_start().len());
            let closes_form = form.end_tag.as_ref().is_some_and(|e| e.start <= first);
            if !closes_form {
                indent = Some(templates::line_indent(text, offset).to_string());
            }
            break;
        }
        offset += line.len() + 1;
    }
    let indent = indent.unwrap_or_else(|| {
        let unit = if form_indent.contains('\t') {
            "\t"
        } else {
            "    "
        };
        format!("{form_indent}{unit}")
    });
    Edit::insert(at, format!("{eol}{indent}{{% csrf_token %}}"))
}

fn short(url: &str) -> String {
    if url.chars().count() > 60 {
        let cut: String = url.chars().take(57).collect();
        format!("{cut}...")
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix_in, codes_at_in, findings_in};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_in(Language::Template, src)
            .into_iter()
            .filter(|c| c.0.starts_with("DJS51"))
            .collect()
    }

    #[test]
    fn flags_post_forms_without_token() {
        let src = concat!(
            "{% extends \"base.html\" %}\n",
            "{% block content %}\n",
            "  <form method=\"post\" action=\"{% url 'save' %}\">\n",
            "    {{ form.as_p }}\n",
            "  </form>\n",
            "  <form method=POST><input></form>\n",
            "  {% if user %}<FORM Method='Post' class=\"x\">{% for f in form %}{{ f }}{% endfor %}</FORM>{% endif %}\n",
            "  <form><button formmethod=\"post\">Go</button></form>\n",
            "{% endblock %}\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS510", 3, 3, "warning"),
                ("DJS510", 6, 3, "warning"),
                ("DJS510", 7, 16, "warning"),
                ("DJS510", 8, 3, "warning"),
            ]
        );
    }

    #[test]
    fn ignores_forms_with_a_token() {
        let src = concat!(
            "<form method=\"post\">{% csrf_token %}</form>\n",
            "<form method=\"post\">\n  {% if user %}\n    {% csrf_token %}\n  {% endif %}\n</form>\n",
            "<form method=\"post\"><input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{{ csrf_token }}\"></form>\n",
            "<form method=\"post\">{{ csrf_input }}</form>\n",
            "<form method=\"get\"><input name=\"q\"></form>\n",
            "<form><input name=\"q\"></form>\n",
            "<form method=\"{{ method }}\"></form>\n",
            "<form method=\"post\" action=\"https://payments.example.com/pay\"><input></form>\n",
            "<form method=\"post\" action=\"//other.example.com/x\"></form>\n",
            "<form method=\"dialog\"><button>Close</button></form>\n",
            "{# <form method=\"post\"></form> #}\n",
            "<form method=\"post\"",
        );
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn blocks_and_unclosed_forms_lower_the_severity() {
        let src = concat!(
            "<form method=\"post\">{% block form_body %}{% endblock %}</form>\n",
            "<div><form method=\"post\">\n  <input>\n",
        );
        assert_eq!(
            codes(src),
            vec![("DJS510", 1, 1, "info"), ("DJS510", 2, 6, "info")]
        );
        let f = findings_in(Language::Template, src);
        assert!(f[0].message.contains("`{% block %}`"), "{}", f[0].message);
    }

    #[test]
    fn the_token_may_come_from_an_included_template_a_form_tag_or_a_macro() {
        let src = concat!(
            "<form method=\"post\">\n  {% include \"csrf.html\" %}\n  <input>\n</form>\n",
            "<form method=\"post\">{% crispy form %}</form>\n",
            "<form method=\"post\" action=\"{% url 'edit' %}\">{% bootstrap_form_horizontal form 2 8 'Update' %}</form>\n",
            "<form method=\"post\">{% bootstrap_form form %}<button>Go</button></form>\n",
            "<form method=\"post\">{% fields_for form %}</form>\n",
            // Jinja2: a macro given the token, or any imported macro called inside the form.
            "{% import \"macros.html\" as macros %}{% from \"forms.html\" import csrf_field, row as r %}\n",
            "<form method=\"post\">{{ macros.csrf_middleware_token(csrf_token) }}</form>\n",
            "<form method=\"post\">{{ csrf_field() }}</form>\n",
            "<form method=\"post\">{{ r(form.name) }}</form>\n",
            "<form method=\"post\">{% call macros.panel() %}x{% endcall %}</form>\n",
        );
        assert_eq!(codes(src), vec![]);
        // A method call on a value is not a macro: `form.as_table()` renders no token.
        let src = "{% import \"macros.html\" as macros %}\n<form action=\".\" method=\"POST\">\n{{ form.as_table() }}\n<input type=\"submit\"></form>\n";
        assert_eq!(codes(src), vec![("DJS510", 2, 1, "warning")]);
        let src = "<form method=\"post\">{% load crispy_forms_tags %}{{ form|crispy }}</form>";
        assert_eq!(codes(src), vec![("DJS510", 1, 1, "warning")]);
    }

    #[test]
    fn forms_posting_to_an_unresolved_target_are_information() {
        let src = concat!(
            // A project tag or a variable: may be another site.
            "<form action=\"{% eventurl request.event 'presale:event.auth' %}\" method=\"post\"><input type=\"hidden\" name=\"session\" value=\"{{ s }}\"><button>Go</button></form>\n",
            "<form action=\"{{ request.event.urls.auth.full }}\" method=\"post\"><button>Go</button></form>\n",
            "<form action=\"{% if a %}{{ target }}{% endif %}\" method=\"post\"><button>Go</button></form>\n",
            // This site: `{% url %}`, Jinja2's `url()`, the request's path, relative URLs.
            "<form action=\"{% url 'save' %}\" method=\"post\"><button>Go</button></form>\n",
            "<form action=\"{{ url('delete_bulk_tag_subscription') }}\" method=\"POST\"><button type=\"submit\">x</button></form>\n",
            "<form action=\"{{ request.get_full_path }}\" method=\"post\"><button>Go</button></form>\n",
            "<form action=\"/items/{{ item.pk }}/delete/\" method=\"post\"><button>Go</button></form>\n",
            "<form action=\"{% if a %}/x/{% else %}/y/{% endif %}\" method=\"post\"><button>Go</button></form>\n",
            "<form action=\".\" method=\"post\"><button>Go</button></form>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS510", 1, 1, "info"),
                ("DJS510", 2, 1, "info"),
                ("DJS510", 3, 1, "info"),
                ("DJS510", 4, 1, "warning"),
                ("DJS510", 5, 1, "warning"),
                ("DJS510", 6, 1, "warning"),
                ("DJS510", 7, 1, "warning"),
                ("DJS510", 8, 1, "warning"),
                ("DJS510", 9, 1, "warning"),
            ]
        );
        let f = findings_in(Language::Template, src);
        assert!(
            f[0].message
                .contains("`{% eventurl request.event 'presale:event.auth' %}`")
                && f[0].message.contains("cannot resolve"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn forms_a_script_submits_are_information() {
        // Seen in Wagtail: a Stimulus controller submits the form with fetch and the token in
        // a header; htmx and prevented Alpine.js submits likewise. A plain `onsubmit` (often a
        // confirmation) still lets the browser post the form, and a Stimulus action that does
        // not submit says nothing.
        let src = concat!(
            "<form method=\"post\" data-controller=\"w-swap\" data-action=\"w-session:ping->w-swap#submit\">{% component sessions_list %}</form>\n",
            "<form method=\"post\" hx-post=\"/save/\"><input name=\"q\"></form>\n",
            "<form method=\"post\" x-on:submit.prevent=\"save()\"><input name=\"q\"></form>\n",
            "<form method=\"post\" onsubmit=\"return confirm('Sure?')\"><input name=\"q\"></form>\n",
            "<form method=\"post\" data-action=\"click->menu#toggle\"><input name=\"q\"></form>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS510", 1, 1, "info"),
                ("DJS510", 2, 1, "info"),
                ("DJS510", 3, 1, "info"),
                ("DJS510", 4, 1, "warning"),
                ("DJS510", 5, 1, "warning"),
            ]
        );
        let f = findings_in(Language::Template, src);
        assert!(
            f[0].message.contains("submitted by a script"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn forms_without_a_field_or_a_submit_button_are_information() {
        let src = concat!(
            // Nothing a user can submit: an error box, hidden inputs only, a plain button.
            "<form action=\"\" method=\"post\">\n  <h3>{% trans \"Error:\" %} {{ error.error }}</h3>\n  <p>{{ error.description }}</p>\n</form>\n",
            "<form method=\"post\"><input type=\"hidden\" name=\"a\" value=\"{{ a }}\"><input type=\"checkbox\" name=\"b\" hidden><button type=\"button\">x</button></form>\n",
            // A field, a submit button, a select, a button elsewhere naming the form.
            "<form method=\"post\"><input name=\"q\"></form>\n",
            "<form method=\"post\"><input type=\"hidden\" name=\"a\"><button>Delete</button></form>\n",
            "<form method=\"post\"><select name=\"s\"></select></form>\n",
            "<form method=\"post\" id=\"logout\"></form><button form=\"logout\">Log out</button>\n",
            // Something that may render a control: a form, a field, a filter, a project tag.
            "<form method=\"post\">{{ form }}</form>\n",
            "<form method=\"post\">{% for f in wizard.form %}{{ f }}{% endfor %}</form>\n",
            "<form method=\"post\">{{ extra|safe }}</form>\n",
            "<form method=\"post\">{% render_field form.name %}</form>\n",
            "<form method=\"post\">{% component sessions_list %}</form>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS510", 1, 1, "info"),
                ("DJS510", 5, 1, "info"),
                ("DJS510", 6, 1, "warning"),
                ("DJS510", 7, 1, "warning"),
                ("DJS510", 8, 1, "warning"),
                ("DJS510", 9, 1, "warning"),
                ("DJS510", 10, 1, "warning"),
                ("DJS510", 11, 1, "warning"),
                ("DJS510", 12, 1, "warning"),
                ("DJS510", 13, 1, "warning"),
                ("DJS510", 14, 1, "warning"),
            ]
        );
        let f = findings_in(Language::Template, src);
        assert!(
            f[0].message.contains("no field and no submit button"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn token_in_get_form_and_off_site_form() {
        let src = concat!(
            "<form action=\"/search\">\n  {% csrf_token %}\n  <input name=\"q\">\n</form>\n",
            "<form method=\"get\">{% csrf_token %}</form>\n",
            "<form method=\"post\" action=\"https://pay.example.com/\">\n  {% csrf_token %}\n</form>\n",
            "<form><button formmethod=\"post\">x</button>{% csrf_token %}</form>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS511", 2, 3, "hint"),
                ("DJS511", 5, 20, "hint"),
                ("DJS512", 7, 3, "hint"),
            ]
        );
    }

    #[test]
    fn fix_inserts_the_token_with_the_next_lines_indentation() {
        let src = "<div>\n  <form method=\"post\" action=\"/x\">\n      <input name=\"a\">\n  </form>\n</div>\n";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS510"),
            "<div>\n  <form method=\"post\" action=\"/x\">\n      {% csrf_token %}\n      <input name=\"a\">\n  </form>\n</div>\n"
        );
        // Same line.
        let src = "<form method=\"post\"><input></form>";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS510"),
            "<form method=\"post\">{% csrf_token %}<input></form>"
        );
        // Empty form: one level deeper than the form; CRLF kept.
        let src = "\t<form method=\"post\">\r\n\t</form>\r\n";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS510"),
            "\t<form method=\"post\">\r\n\t\t{% csrf_token %}\r\n\t</form>\r\n"
        );
        // Multi-line start tag, blank line after it.
        let src = "<form\n  method=\"post\"\n  action=\"/x\">\n\n  <input>\n</form>\n";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS510"),
            "<form\n  method=\"post\"\n  action=\"/x\">\n  {% csrf_token %}\n\n  <input>\n</form>\n"
        );
    }
}
