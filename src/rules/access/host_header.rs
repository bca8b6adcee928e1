//! DJS310 `raw-host-header`: the Host header read from `request.META` / `request.headers`
//! instead of `request.get_host()`.

use tree_sitter::Node;

use super::views::{Module, Scope, inside_logging, is_request_expr, string_value, walk};
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const RULE: Rule = Rule {
    code: "DJS310",
    name: "raw-host-header",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "The Host header is read directly instead of through `request.get_host()`.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports reading the Host header directly: `request.META["HTTP_HOST"]`,
`request.META.get("HTTP_HOST")`, `request.headers["Host"]`, `request.headers.get("host")`, and the
same for `X-Forwarded-Host` (`HTTP_X_FORWARDED_HOST`). Values only passed to a logging call or
`print()` are not reported.

## Why is this bad?
The Host header is whatever the client sent. `request.get_host()` validates it against
`ALLOWED_HOSTS` (and honours `USE_X_FORWARDED_HOST` behind a proxy); the raw header does not. An
attacker who sets `Host: evil.example` gets links built from it — in password-reset emails, absolute
URLs, redirects and cache keys — pointing at their server (host header poisoning). A forwarded host
header is even easier to forge when no proxy overwrites it.

## Example
```python
def invite(request):
    link = f"https://{request.META['HTTP_HOST']}/join/{token}"
```

Use instead:
```python
def invite(request):
    link = f"https://{request.get_host()}/join/{token}"
```

Better still, `request.build_absolute_uri(reverse("join", args=[token]))`.

## Fix
The quick-fix replaces `request.META["HTTP_HOST"]`, `request.META.get("HTTP_HOST")`,
`request.headers["Host"]` and `request.headers.get("Host")` by `request.get_host()`. Forwarded-host
reads get no fix: set `USE_X_FORWARDED_HOST = True` behind a proxy you trust and use
`request.get_host()`.

## Fix safety
Unsafe: `get_host()` raises `DisallowedHost` (a 400 response) for hosts outside `ALLOWED_HOSTS`,
and never returns `None` (`.get()` with a default did).

## References
- Django: [Host header validation](https://docs.djangoproject.com/en/stable/topics/security/#host-header-validation), [`HttpRequest.get_host()`](https://docs.djangoproject.com/en/stable/ref/request-response/#django.http.HttpRequest.get_host)
- OWASP: Testing for Host Header Injection (WSTG-INPV-17); CWE-644
"#,
};

pub fn check(checker: &mut PyChecker, module: &Module) {
    let src = checker.source();
    if module.scope != Scope::Units {
        return;
    }
    let requests = checker.model.sources.request_params.clone();
    let mut hits: Vec<(Node, Node, bool)> = Vec::new();
    // The top-level statements this analysis checks (see `analysis::incremental`), skipping
    // those that cannot name the header (not the whole text: a keystroke checks one statement).
    for root in checker.model.index.statements.clone() {
        let text = node::text(root, src);
        if !(text.contains("HOST") || text.contains("Host") || text.contains("host")) {
            continue;
        }
        walk(root, |n| {
            if let Some((container, forwarded)) = host_read(n, src, &requests) {
                hits.push((n, container, forwarded));
                return false;
            }
            true
        });
    }
    for (read, container, forwarded) in hits {
        // Setting the header (test code builds requests that way) is not reading it.
        let assigned = read.parent().is_some_and(|p| {
            p.kind() == "assignment"
                && p.child_by_field_name("left")
                    .is_some_and(|l| l.id() == read.id())
        });
        if assigned || inside_logging(read, src) {
            continue;
        }
        let shown = node::text(read, src);
        let message = if forwarded {
            format!(
                "`{shown}` is a header the client can forge: use `request.get_host()` with `USE_X_FORWARDED_HOST` behind a trusted proxy"
            )
        } else {
            format!(
                "`{shown}` is the raw Host header, not checked against `ALLOWED_HOSTS`: use `request.get_host()`"
            )
        };
        let fix = (!forwarded).then(|| {
            let request = node::text(container, src);
            Fix::unsafe_(
                "Use `request.get_host()`",
                vec![Edit::replace(
                    read.byte_range(),
                    format!("{request}.get_host()"),
                )],
            )
        });
        checker.report(
            Finding::new(RULE.code, read.byte_range(), Severity::Warning, message).with_fix(fix),
        );
    }
}

/// For `X.META["HTTP_HOST"]`, `X.headers.get("Host")`...: the request expression `X` and
/// whether it is the forwarded header.
fn host_read<'t>(n: Node<'t>, src: &str, requests: &[String]) -> Option<(Node<'t>, bool)> {
    let (mapping, key) = match n.kind() {
        "subscript" => (
            n.child_by_field_name("value")?,
            n.child_by_field_name("subscript")?,
        ),
        "call" => {
            let function = n.child_by_field_name("function")?;
            if function.kind() != "attribute"
                || function
                    .child_by_field_name("attribute")
                    .map(|a| node::text(a, src))
                    != Some("get")
            {
                return None;
            }
            (
                function.child_by_field_name("object")?,
                node::positional_args(n).first().copied()?,
            )
        }
        _ => return None,
    };
    if mapping.kind() != "attribute" {
        return None;
    }
    let which = mapping
        .child_by_field_name("attribute")
        .map(|a| node::text(a, src))?;
    let request = mapping.child_by_field_name("object")?;
    let request_like =
        is_request_expr(request, src, requests) || node::text(request, src).ends_with("request");
    if !request_like {
        return None;
    }
    let key = string_value(key, src)?;
    let forwarded = match which {
        "META" => match key.as_str() {
            "HTTP_HOST" => false,
            "HTTP_X_FORWARDED_HOST" => true,
            _ => return None,
        },
        "headers" => match key.to_ascii_lowercase().as_str() {
            "host" => false,
            "x-forwarded-host" => true,
            _ => return None,
        },
        _ => return None,
    };
    Some((request, forwarded))
}

#[cfg(test)]
mod tests {
    use super::super::testing::codes_of;
    use crate::analysis::testing::{assert_fix, fix_applicability};

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS310"])
    }

    #[test]
    fn flags_raw_host_reads() {
        let src = "def v(request):\n    a = request.META['HTTP_HOST']\n    b = request.META.get('HTTP_HOST', 'x')\n    c = request.headers['Host']\n    d = self.request.headers.get('host')\n    e = request.META['HTTP_X_FORWARDED_HOST']\n    f = request.headers.get('X-Forwarded-Host')\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS310", 2, 9, "warning"),
                ("DJS310", 3, 9, "warning"),
                ("DJS310", 4, 9, "warning"),
                ("DJS310", 5, 9, "warning"),
                ("DJS310", 6, 9, "warning"),
                ("DJS310", 7, 9, "warning"),
            ]
        );
        assert_eq!(
            fix_applicability(src, "DJS310"),
            vec!["unsafe", "unsafe", "unsafe", "unsafe", "none", "none"]
        );
    }

    #[test]
    fn silent_on_get_host_other_headers_and_logging() {
        let src = "import logging\nlogger = logging.getLogger(__name__)\ndef v(request):\n    a = request.get_host()\n    b = request.META['REMOTE_ADDR']\n    c = request.headers.get('User-Agent')\n    logger.info('host %s', request.META.get('HTTP_HOST'))\n    d = settings.META['HTTP_HOST']\n    e = {'HTTP_HOST': 1}['HTTP_HOST']\n";
        assert_eq!(codes_at(src), vec![]);
    }

    #[test]
    fn fix_uses_get_host() {
        let src = "def v(request):\n    link = f\"https://{request.META['HTTP_HOST']}/join\"\n    host = self.request.headers.get('Host')\n";
        let fixed = assert_fix(src, "DJS310");
        assert_eq!(
            fixed,
            "def v(request):\n    link = f\"https://{request.get_host()}/join\"\n    host = self.request.get_host()\n"
        );
    }
}

#[cfg(test)]
mod writes {
    use crate::analysis::testing::findings;

    /// Seen in Wagtail's tests: assigning the header to build a request is not reading it.
    #[test]
    fn silent_on_assignments_to_the_header() {
        let src = "def test_site(self):\n    request = self.factory.get('/')\n    request.META['HTTP_HOST'] = 'other.example.com'\n";
        assert_eq!(findings(src), vec![]);
    }
}
