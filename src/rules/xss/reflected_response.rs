//! DJS108 `reflected-xss-response`: request data written into an HTML `HttpResponse` without
//! escaping.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::{Level, node, strings};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS108",
    name: "reflected-xss-response",
    family: Family::Xss,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "Request data is written unescaped into an HTML `HttpResponse` (reflected XSS).",
    django_checks: &[],
    peers: &[
        "semgrep:reflected-data-httpresponse",
        "semgrep:reflected-data-httpresponsebadrequest",
        "codeql:py/reflective-xss",
    ],
    docs: r#"
## What it does
Reports `HttpResponse(content)` — and `HttpResponseBadRequest`, `HttpResponseNotFound`,
`HttpResponseForbidden`, `HttpResponseServerError`, `HttpResponseGone` — when `content` carries
request data (`request.GET`, `request.POST`, URL parameters, `form.cleaned_data`, ...) that was not
escaped, and the response is HTML: no `content_type` (Django's default is `text/html`) or a
constant content type that contains `html`.

Not reported: escaped values (`escape()`, `format_html()`, `render_to_string()`), numbers, other
content types (`text/plain`, `application/json`), `JsonResponse`, and content whose origin is
unknown (most responses carry rendered templates; reporting them would be noise).

## Why is this bad?
A response body is parsed by the browser as HTML. Echoing a query parameter into it lets whoever
crafts the link run JavaScript in your users' sessions: reflected cross-site scripting. Templates
escape automatically; building a response by hand does not.

## Example
```python
from django.http import HttpResponse

def search(request):
    q = request.GET.get("q", "")
    return HttpResponse(f"<h1>Results for {q}</h1>")
```

Use instead:
```python
from django.http import HttpResponse
from django.utils.html import format_html

def search(request):
    q = request.GET.get("q", "")
    return HttpResponse(format_html("<h1>Results for {}</h1>", q))
```

## Fix
When the content is an f-string, a `%s` format, a `.format()` call or a concatenation with a
literal, the quick-fix builds it with `format_html()`; otherwise it wraps the content in
`escape()`. Imports are added. Rendering a template is usually better still.

## Fix safety
Unsafe: the request data is escaped after the fix, so the response text changes for values that
contain `<`, `>`, `&` or quotes — which is the point.

## References
- Django: [Request and response objects](https://docs.djangoproject.com/en/stable/ref/request-response/#httpresponse-objects), [`format_html`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

const RESPONSES: &[&str] = &[
    "HttpResponse",
    "HttpResponseBadRequest",
    "HttpResponseNotFound",
    "HttpResponseForbidden",
    "HttpResponseServerError",
    "HttpResponseGone",
];

fn is_response_class(qualified: &str) -> bool {
    let (module, name) = qualified.rsplit_once('.').unwrap_or(("", qualified));
    matches!(module, "django.http" | "django.http.response") && RESPONSES.contains(&name)
}

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let call = site.node;
        let Some(function) = site.function else {
            continue;
        };
        let Some(qualified) = checker.model.qualified_name(function) else {
            continue;
        };
        if !is_response_class(&qualified) {
            continue;
        }
        let src = checker.source();
        let positional = node::positional_args(call);
        let Some(content) = positional
            .first()
            .copied()
            .or_else(|| node::keyword_arg(call, "content", src))
        else {
            continue;
        };
        let content_type = positional
            .get(1)
            .copied()
            .or_else(|| node::keyword_arg(call, "content_type", src))
            .or_else(|| header_content_type(call, src));
        if !is_html(content_type, src) {
            continue;
        }
        let flow = checker.model.flow(content);
        if flow.level != Level::Request {
            continue;
        }
        let class = qualified.rsplit('.').next().unwrap_or("HttpResponse");
        // Reflecting a POST body takes a cross-site POST, which CSRF protection stops unless the
        // view is exempt: likely a bug, not exploitable as shown.
        let posted =
            flow.source.as_deref().is_some_and(is_post_body) && !csrf_exempt(checker, call);
        let (severity, note) = if posted {
            (
                Severity::Warning,
                " (a cross-site POST is needed, which CSRF protection blocks; escape it anyway)",
            )
        } else {
            (Severity::Error, "")
        };
        let message = format!(
            "{} is written unescaped into an HTML `{class}`: reflected XSS{note}; escape it or render a template",
            xss::origin(&flow)
        );
        let fix = escape_fix(checker, content);
        checker
            .report(Finding::new(RULE.code, content.byte_range(), severity, message).with_fix(fix));
    }
}

/// Sources that only a POST request carries.
fn is_post_body(source: &str) -> bool {
    [
        "request.POST",
        "request.body",
        "request.FILES",
        "request.data",
    ]
    .iter()
    .any(|s| source.starts_with(s))
}

/// Whether the function around `call` is decorated with `csrf_exempt`.
fn csrf_exempt(checker: &PyChecker, call: Node) -> bool {
    let Some(function) = checker.model.index.enclosing_function(call) else {
        return false;
    };
    let Some(decorated) = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    else {
        return false;
    };
    node::text(decorated, checker.source())
        .lines()
        .take_while(|l| l.trim_start().starts_with('@'))
        .any(|l| l.contains("csrf_exempt"))
}

/// `headers={"Content-Type": "..."}` given as a dictionary literal.
fn header_content_type<'t>(call: Node<'t>, src: &str) -> Option<Node<'t>> {
    let headers = node::keyword_arg(call, "headers", src)?;
    if headers.kind() != "dictionary" {
        return None;
    }
    let mut cursor = headers.walk();
    let pairs: Vec<Node> = headers.named_children(&mut cursor).collect();
    pairs.into_iter().find_map(|pair| {
        let key = pair.field(Field::Key)?;
        let key_text = node::text(key, src).trim_matches(['"', '\'']);
        key_text
            .eq_ignore_ascii_case("content-type")
            .then(|| pair.field(Field::Value))
            .flatten()
    })
}

/// No content type (HTML by default), or a constant one that says HTML.
fn is_html(content_type: Option<Node>, src: &str) -> bool {
    match content_type.map(node::unparenthesize) {
        None => true,
        Some(ct) if ct.kind() == "none" => true,
        Some(ct) if ct.kind() == "string" && !node::is_fstring(ct) => {
            node::text(ct, src).to_ascii_lowercase().contains("html")
        }
        Some(_) => false,
    }
}

fn escape_fix(checker: &PyChecker, content: Node) -> Option<Fix> {
    let src = checker.source();
    if let Some(template) = strings::decompose(content, src)
        && let Some((replacement, import)) = xss::format_html_call(checker, &template)
    {
        let mut edits = vec![Edit::replace(content.byte_range(), replacement)];
        edits.extend(import);
        return Some(Fix::unsafe_("Build the content with format_html()", edits));
    }
    let (local, import) = checker.ensure_import("django.utils.html", "escape")?;
    let mut edits = vec![Edit::replace(
        content.byte_range(),
        format!("{local}({})", node::text(content, src)),
    )];
    edits.extend(import);
    Some(Fix::unsafe_("Escape the content", edits))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings};

    const HEAD: &str = "from django.http import HttpResponse, HttpResponseBadRequest\n";

    #[test]
    fn flags_request_data_in_html_responses() {
        let src = format!(
            "{HEAD}def v(request, slug):\n    q = request.GET.get('q', '')\n    a = HttpResponse(f'<h1>{{q}}</h1>')\n    b = HttpResponseBadRequest('Unknown: ' + slug)\n    c = HttpResponse(q, content_type='text/html; charset=utf-8')\n    d = HttpResponse(content=request.body)\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS108", 4, 22, "error"),
                ("DJS108", 5, 32, "error"),
                ("DJS108", 6, 22, "error"),
                // A POST body: CSRF protection stops the cross-site POST it takes.
                ("DJS108", 7, 30, "warning"),
            ]
        );
    }

    #[test]
    fn a_csrf_exempt_view_reflecting_its_post_body_is_an_error() {
        let src = format!(
            "{HEAD}from django.views.decorators.csrf import csrf_exempt\n@csrf_exempt\ndef v(request):\n    return HttpResponse(request.POST['q'])\n"
        );
        let got: Vec<_> = codes_at(&src)
            .into_iter()
            .filter(|c| c.0 == "DJS108")
            .collect();
        assert_eq!(got, vec![("DJS108", 5, 25, "error")]);
    }

    #[test]
    fn silent_on_escaped_other_types_and_unknown_content() {
        let src = format!(
            "{HEAD}from django.http import JsonResponse\nfrom django.utils.html import escape\ndef v(request):\n    q = request.GET.get('q', '')\n    a = HttpResponse(escape(q))\n    b = HttpResponse(q, content_type='text/plain')\n    c = HttpResponse(q, 'application/json')\n    d = HttpResponse(q, headers={{'Content-Type': 'text/csv'}})\n    e = JsonResponse({{'q': q}})\n    f = HttpResponse(render_page())\n    g = HttpResponse(f'{{int(q)}} results')\n"
        );
        assert_eq!(findings(&src), vec![]);
    }

    #[test]
    fn fix_formats_or_escapes() {
        let src = format!(
            "{HEAD}def v(request):\n    q = request.GET.get('q', '')\n    a = HttpResponse(f'<h1>{{q}}</h1>')\n    b = HttpResponse(q)\n"
        );
        let fixed = assert_fix(&src, "DJS108");
        assert!(
            fixed.contains("a = HttpResponse(format_html('<h1>{}</h1>', q))"),
            "{fixed}"
        );
        assert!(fixed.contains("b = HttpResponse(escape(q))"), "{fixed}");
        assert!(
            fixed.contains("from django.utils.html import format_html, escape\n")
                || fixed.contains("from django.utils.html import escape, format_html\n"),
            "{fixed}"
        );
    }
}
