//! DJS606 `html-email-injection`: request data formatted into the HTML part of an e-mail.

use tree_sitter::Node;

use super::Hit;
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity, Step};
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::{Level, SinkKind, flow, node, strings};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS606",
    name: "html-email-injection",
    family: Family::Injection,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "Request data is written unescaped into the HTML part of an e-mail.",
    django_checks: &[],
    peers: &[
        "semgrep:xss-html-email-body",
        "semgrep:xss-send-mail-html-message",
    ],
    docs: r#"
## What it does
Reports the HTML body of an e-mail built with request data that was not escaped:
`send_mail(..., html_message=...)`, `mail_admins(..., html_message=...)`,
`mail_managers(..., html_message=...)`, `EmailMultiAlternatives.attach_alternative(html,
"text/html")` (also on a message the rule cannot see being built, since the MIME type says it is
HTML), and the body of an `EmailMessage(subject, body, ...)` whose `content_subtype` is then set
to `"html"`.

Not reported: HTML rendered by a template (`render_to_string()`, which escapes), built with
`format_html()` / `escape()`, constants, and plain-text bodies.

Severity: an **error** with request data; a **warning** when a value of unknown origin is
formatted into the HTML (a user's name from the database is as dangerous in an inbox as in a
page); other unknown values are not reported.

## Why is this bad?
Mail clients render the HTML: injected markup fakes links and forms inside a message that really
comes from the site (phishing with the site's own sender), tracks who opens it, or runs script in
web mail clients that render it insufficiently sandboxed. It is the same cross-site scripting, in
an inbox.

## Example
```python
from django.core.mail import send_mail

def invite(request):
    name = request.POST["name"]
    send_mail("Invitation", f"Hello {name}", None, [request.POST["to"]],
              html_message=f"<p>Hello <b>{name}</b></p>")
```

Use instead:
```python
from django.core.mail import send_mail
from django.utils.html import format_html

def invite(request):
    name = request.POST["name"]
    send_mail("Invitation", f"Hello {name}", None, [request.POST["to"]],
              html_message=format_html("<p>Hello <b>{}</b></p>", name))
```

## Fix
When the HTML is an f-string, a `%` format or a `.format()` call written in the call, the
quick-fix builds it with `format_html()` (which escapes every value) and imports it. Templates
(`render_to_string()`) are the better home for e-mail HTML.

## Fix safety
Unsafe: values that intentionally contained HTML are escaped after the fix.

## References
- Django: [Sending email](https://docs.djangoproject.com/en/stable/topics/email/), [`format_html`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79, CWE-80
"#,
};

pub(crate) fn message(hit: &Hit) -> String {
    let label = hit.label.clone();
    match hit.flow.level {
        Level::Request => format!(
            "{} is written unescaped into the HTML of an e-mail (`{label}`): the client injects markup into mail sent by the site; build it with `format_html()` or a template",
            super::origin(&hit.flow)
        ),
        _ => format!(
            "the HTML of an e-mail (`{label}`) is formatted with a non-constant value that is not escaped: build it with `format_html()` or a template"
        ),
    }
}

/// Classes whose body becomes HTML with `msg.content_subtype = "html"`.
const MESSAGES: &[&str] = &[
    "django.core.mail.EmailMessage",
    "django.core.mail.message.EmailMessage",
    "django.core.mail.EmailMultiAlternatives",
    "django.core.mail.message.EmailMultiAlternatives",
];

/// `msg = EmailMessage(subject, body, ...)` then `msg.content_subtype = "html"`: the body is HTML.
pub(crate) fn check_subtype(checker: &mut PyChecker) {
    let src = checker.source();
    let assignments = checker.model.index.attribute_assignments.clone();
    for assignment in assignments {
        let (Some(left), Some(right)) = (
            assignment.field(Field::Left),
            assignment.field(Field::Right),
        ) else {
            continue;
        };
        if left
            .field(Field::Attribute)
            .is_none_or(|a| node::text(a, src) != "content_subtype")
            || node::text(right, src).trim_matches(['"', '\'']) != "html"
        {
            continue;
        }
        let Some(message) = left.field(Field::Object) else {
            continue;
        };
        let Some(construction) = constructed_message(checker, message) else {
            continue;
        };
        let Some(body) = node::positional_args(construction)
            .get(1)
            .copied()
            .or_else(|| node::keyword_arg(construction, "body", src))
        else {
            continue;
        };
        let flow = checker.model.flow_for(body, SinkKind::Html);
        let severity = match flow.level {
            Level::Request => Severity::Error,
            Level::Unknown if flow.formatted => Severity::Warning,
            _ => continue,
        };
        let label = format!(
            "{}()",
            flow::step_label(
                construction
                    .field(Field::Function)
                    .map_or("EmailMessage", |f| node::text(f, src))
            )
        );
        let mut steps: Vec<Step> = checker
            .model
            .trace_for(body, SinkKind::Html)
            .into_iter()
            .map(|s| Step {
                range: s.range,
                label: s.label,
            })
            .collect();
        let mut text = match flow.level {
            Level::Request => format!(
                "{} is the HTML body of an e-mail (`{label}` with `content_subtype = \"html\"`), unescaped: the client injects markup into mail sent by the site; render it with a template",
                super::origin(&flow)
            ),
            _ => format!(
                "the HTML body of an e-mail (`{label}` with `content_subtype = \"html\"`) is formatted with a non-constant value that is not escaped: build it with `format_html()` or a template"
            ),
        };
        if !steps.is_empty() {
            steps.push(Step {
                range: construction.byte_range(),
                label,
            });
            text = format!("{text} ({})", super::describe_path(&steps));
        }
        checker.report(
            Finding::new(RULE.code, construction.byte_range(), severity, text).with_steps(steps),
        );
    }
}

/// The `EmailMessage(...)` call a name was bound to before.
fn constructed_message<'t>(checker: &PyChecker<'t>, message: Node<'t>) -> Option<Node<'t>> {
    let src = checker.source();
    if message.kind() != "identifier" {
        return None;
    }
    let index = &checker.model.index;
    let bindings = index.bindings(index.scope_at(message), node::text(message, src));
    let value = bindings
        .iter()
        .rfind(|b| b.node.end_byte() <= message.start_byte())?
        .value?;
    let value = node::unparenthesize(value);
    let function = value.field(Field::Function)?;
    let qualified = checker.model.qualified_name(function)?;
    (value.kind() == "call" && MESSAGES.contains(&qualified.as_str())).then_some(value)
}

/// `html_message=f"<b>{x}</b>"` → `html_message=format_html("<b>{}</b>", x)`.
pub(crate) fn fix(checker: &PyChecker, hit: &Hit) -> Option<Fix> {
    let template = strings::decompose(hit.value, checker.source())?;
    let (replacement, import) = xss::format_html_call(checker, &template)?;
    let mut edits = vec![Edit::replace(hit.value.byte_range(), replacement)];
    edits.extend(import);
    Some(Fix::unsafe_("Escape the values with format_html()", edits))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS606"])
    }

    #[test]
    fn flags_html_bodies_with_request_data() {
        let src = "from django.core.mail import send_mail, mail_admins, EmailMultiAlternatives\ndef v(request, user):\n    name = request.POST['name']\n    send_mail('s', 'm', None, ['a@b.c'], html_message=f'<b>{name}</b>')\n    mail_admins('s', 'm', html_message='<p>%s</p>' % request.GET['q'])\n    msg = EmailMultiAlternatives('s', 'text', None, ['a@b.c'])\n    msg.attach_alternative('<i>' + name + '</i>', 'text/html')\n    message.attach_alternative(f'<p>{name}</p>', mimetype='text/html')\n    send_mail('s', 'm', None, ['a@b.c'], html_message=f'<b>{user.first_name}</b>')\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS606", 4, 5, "error"),
                ("DJS606", 5, 5, "error"),
                ("DJS606", 7, 5, "error"),
                ("DJS606", 8, 5, "error"),
                ("DJS606", 9, 5, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_templates_escaping_and_text() {
        let src = "from django.core.mail import send_mail\nfrom django.template.loader import render_to_string\nfrom django.utils.html import escape, format_html\ndef v(request):\n    name = request.POST['name']\n    send_mail('s', f'Hello {name}', None, ['a@b.c'], html_message=render_to_string('m.html', {'n': name}))\n    send_mail('s', 'm', None, ['a@b.c'], html_message=format_html('<b>{}</b>', name))\n    send_mail('s', 'm', None, ['a@b.c'], html_message=f'<b>{escape(name)}</b>')\n    msg.attach_alternative(f'Hello {name}', 'text/plain')\n    send_mail('s', 'm', None, ['a@b.c'], html_message=body)\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn flags_email_messages_made_html() {
        let src = "from django.core.mail import EmailMessage\ndef v(request):\n    body = request.POST.get('body')\n    email = EmailMessage('s', body, None, ['a@b.c'])\n    email.content_subtype = 'html'\n    email.send()\n    plain = EmailMessage('s', body, None, ['a@b.c'])\n    plain.send()\n";
        assert_eq!(codes(src), vec![("DJS606", 4, 13, "error")]);
    }

    #[test]
    fn fix_uses_format_html() {
        let src = "from django.core.mail import send_mail\ndef v(request):\n    name = request.POST['name']\n    send_mail('s', 'm', None, ['a@b.c'], html_message=f'<b>{name}</b>')\n";
        let fixed = assert_fix(src, "DJS606");
        assert!(
            fixed.contains("html_message=format_html('<b>{}</b>', name))"),
            "{fixed}"
        );
        assert!(
            fixed.contains("from django.utils.html import format_html\n"),
            "{fixed}"
        );
    }
}
