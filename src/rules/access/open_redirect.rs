//! DJS311 `open-redirect`: a redirect to a URL taken from the request, not checked with
//! `url_has_allowed_host_and_scheme()`.

use tree_sitter::Node;

use super::views::{Module, Scope, is_nested_scope, walk};
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::strings::{self, Piece, is_scheme_prefix, pins_destination};
use crate::semantic::{Level, node};

pub const RULE: Rule = Rule {
    code: "DJS311",
    name: "open-redirect",
    family: Family::Access,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "A redirect goes to a URL from the request without `url_has_allowed_host_and_scheme()`.",
    django_checks: &[],
    peers: &[
        "semgrep:open-redirect",
        "codeql:py/url-redirection",
        "sonar:S5146",
        "bearer:python_django_open_redirect",
    ],
    docs: r#"
## What it does
Reports `redirect(url)`, `HttpResponseRedirect(url)` and `HttpResponsePermanentRedirect(url)`, and
`return url` in a `get_success_url()` / `get_redirect_url()` method, when `url` comes from the
request (`request.GET["next"]`, `request.POST.get("next")`, the `Referer` header, a URL parameter)
and the function never calls `url_has_allowed_host_and_scheme()` (or the older `is_safe_url()`).
Targets built on a constant local path (`f"/orders/{pk}/"`) and names of URL patterns
(`redirect("orders", pk=pk)`) are not reported, nor targets whose scheme and host are this site's:
a constant scheme followed by `request.get_host()` (which Django checks against `ALLOWED_HOSTS`)
and a path, as in Django's own HTTPS redirect
`HttpResponsePermanentRedirect("https://%s%s" % (request.get_host(), request.get_full_path()))`.

Severity: an **error** when the function reads the target from the request itself; a
**warning** when it comes through a project helper, a form's `cleaned_data` or a view
parameter, where a check djsec does not follow may limit it (a form's `clean_<field>()`, a
method of an object a factory returns). A redirect back to the `Referer` header is reported as
a hint: a page on another site that links
here gets its visitors sent back to it, where they already were. The target is judged by what it
is made of: a path built by `reverse()` or `get_absolute_url()`, or a project helper whose summary
checks the URL (`if _allow_redirect(url): ...`), keeps the redirect on the site. So does a form's
`cleaned_data["next"]` when every `clean_next()` method of the project's forms checks the URL (or
falls back to a setting): Django stores what `clean_next()` returns there, whichever of those
forms the view got (even one loaded by name).

## Why is this bad?
An attacker sends a link to your site that redirects to theirs
(`https://yoursite/login/?next=https://evil.example`). The victim sees your domain, logs in, and
lands on a look-alike page that asks for their password again, or receives an OAuth token meant for
you: an open redirect. Note that `//evil.example` and `/\evil.example` are off-site too, so a
"starts with /" test is not enough.

## Example
```python
def done(request):
    return redirect(request.GET.get("next", "/"))
```

Use instead:
```python
from django.utils.http import url_has_allowed_host_and_scheme

def done(request):
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    return redirect(next_url)
```

## Fix
The quick-fix wraps the target:
`redirect(url if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()) else "/")`
and imports the function from `django.utils.http`. It is offered when the target is a name, an
attribute, an item or a `.get()` call (evaluating it twice is harmless) and the request is in
scope (`request` or `self.request`).

## Fix safety
Unsafe: redirects to other hosts (and to `http://` from an `https://` page) go to `/` after the
fix; add trusted hosts to `allowed_hosts` if you redirect across your own domains.

## References
- Django: [`url_has_allowed_host_and_scheme`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.http.url_has_allowed_host_and_scheme)
- OWASP: Unvalidated Redirects and Forwards Cheat Sheet; CWE-601
"#,
};

const REDIRECTS: &[&str] = &[
    "django.shortcuts.redirect",
    "django.http.HttpResponseRedirect",
    "django.http.HttpResponsePermanentRedirect",
    "django.http.response.HttpResponseRedirect",
    "django.http.response.HttpResponsePermanentRedirect",
];

const CHECKS: &[&str] = &["url_has_allowed_host_and_scheme", "is_safe_url"];

const REDIRECT_METHODS: &[&str] = &["get_success_url", "get_redirect_url", "get_next_page"];

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests || module.scope != Scope::Units {
        return;
    }
    let calls = checker.model.index.calls.clone();
    let mut targets: Vec<(Node, Node, String)> = Vec::new();
    for call in &calls {
        let Some(function) = call.child_by_field_name("function") else {
            continue;
        };
        let Some(q) = checker.model.qualified_name(function) else {
            continue;
        };
        if !REDIRECTS.contains(&q.as_str()) {
            continue;
        }
        let src = checker.source();
        let Some(target) = node::positional_args(*call)
            .first()
            .copied()
            .or_else(|| node::keyword_arg(*call, "redirect_to", src))
            .or_else(|| node::keyword_arg(*call, "to", src))
        else {
            continue;
        };
        let callee = q.rsplit('.').next().unwrap_or("redirect").to_string();
        targets.push((*call, target, format!("`{callee}()`")));
    }
    // `return self.request.GET["next"]` in `get_success_url()` and friends.
    for &def in &checker.model.index.functions {
        let src = checker.source();
        let Some(name) = def.child_by_field_name("name").map(|n| node::text(n, src)) else {
            continue;
        };
        if !REDIRECT_METHODS.contains(&name) || node::ancestor(def, &["class_definition"]).is_none()
        {
            continue;
        }
        let Some(body) = def.child_by_field_name("body") else {
            continue;
        };
        let mut returns = Vec::new();
        walk(body, |n| {
            if n.kind() == "return_statement" {
                returns.push(n);
            }
            !is_nested_scope(n)
        });
        for ret in returns {
            if let Some(value) = ret.named_child(0) {
                targets.push((ret, value, format!("`{name}()`")));
            }
        }
    }
    for (site, target, sink) in targets {
        let Some(source) = leading_source(checker, target) else {
            continue;
        };
        if checked_in_function(checker, &calls, site) {
            continue;
        }
        let fix = wrap_fix(checker, module, site, target);
        // Back to the page the user came from: an attacker's page that links here gets its
        // visitors sent back to it, which is where they were. Worth a look, not an exploit.
        let referer = node::text(target, checker.source())
            .to_ascii_lowercase()
            .contains("referer");
        let (severity, message) = if referer {
            (
                Severity::Hint,
                format!(
                    "{sink} sends the user back to the `Referer` header without `url_has_allowed_host_and_scheme()`: a page on another site that links here gets its visitors back; check the URL if the redirect should stay on this site"
                ),
            )
        } else if is_direct(&source) {
            (
                Severity::Error,
                format!(
                    "{sink} sends the user to a URL from {source} without `url_has_allowed_host_and_scheme()`: an open redirect"
                ),
            )
        } else {
            // Through a project helper, a form's cleaned data or a view's parameter: a check
            // may sit where djsec does not follow (a method of an object a factory returns, a
            // form's `clean_<field>()`, the URL pattern) — likely, not shown.
            (
                Severity::Warning,
                format!(
                    "{sink} sends the user to a URL from {source} without `url_has_allowed_host_and_scheme()` on the way djsec can see: an open redirect unless a check elsewhere limits it"
                ),
            )
        };
        checker.report(Finding::new(RULE.code, site.byte_range(), severity, message).with_fix(fix));
    }
}

/// Whether the redirect target is read from the request in the function itself (the finding is
/// then exploitable as shown), not through a helper, a form or a view parameter.
fn is_direct(source: &str) -> bool {
    source.starts_with("request") && !source.contains("through")
}

/// Request attributes that are this site's own path, not data the client picks freely.
const OWN_PATH: &[&str] = &[
    "request.path",
    "request.path_info",
    "request.get_full_path()",
    "request.build_absolute_uri()",
];

/// This site's host, as the data flow names it.
const OWN_HOST: &str = "request.get_host()";

/// Where the destination of a redirect target comes from, when the client controls it: the
/// start of the URL decides where the browser goes, so a constant local path or
/// `https://host/` prefix pins it, whatever follows.
fn leading_source(checker: &PyChecker, target: Node) -> Option<String> {
    let src = checker.source();
    let target = node::unparenthesize(target);
    // `url = f"/orders/{pk}/"; redirect(url)`: judge each assignment of a local name by its own
    // start (appending with `+=` keeps the start).
    if target.kind() == "identifier" {
        let name = node::text(target, src);
        let bindings = checker
            .model
            .index
            .bindings(crate::semantic::index::scope_of(target), name);
        let plain: Vec<Node> = bindings
            .iter()
            .filter(|b| !b.augmented && b.node.end_byte() <= target.start_byte())
            .filter_map(|b| b.value)
            .collect();
        // An empty start (`url = ""; url += request.GET["next"]`) leaves the start to what is
        // appended: judge the name as a whole then.
        let empty_start = plain
            .iter()
            .any(|v| matches!(node::text(*v, src).trim(), "\"\"" | "''"));
        if !plain.is_empty() && !empty_start {
            return plain.into_iter().find_map(|v| value_source(checker, v));
        }
    }
    value_source(checker, target)
}

/// [`leading_source`] for one expression.
fn value_source(checker: &PyChecker, target: Node) -> Option<String> {
    let src = checker.source();
    let target = node::unparenthesize(target);
    let leading = match strings::decompose(target, src) {
        Some(template) => {
            let mut pieces = template.pieces.into_iter().peekable();
            match pieces.next()? {
                Piece::Lit(text) if pins_destination(&text) => return None,
                // `"https://%s%s" % (request.get_host(), request.get_full_path())` (Django's own
                // SSL redirect): the scheme is constant and the host is this site's, validated
                // against `ALLOWED_HOSTS`; what follows the host must start a path.
                Piece::Lit(text)
                    if is_scheme_prefix(&text)
                        && matches!(pieces.peek(), Some(Piece::Value { expr, .. }) if is_own_host(checker, *expr)) =>
                {
                    pieces.next();
                    match pieces.next() {
                        None => return None,
                        Some(Piece::Lit(rest)) if rest.starts_with(['/', '?', '#']) => return None,
                        Some(Piece::Lit(_)) => pieces.find_map(|p| match p {
                            Piece::Value { expr, .. } => Some(expr),
                            Piece::Lit(_) => None,
                        })?,
                        Some(Piece::Value { expr, .. }) => expr,
                    }
                }
                Piece::Lit(_) => pieces.find_map(|p| match p {
                    Piece::Value { expr, .. } => Some(expr),
                    Piece::Lit(_) => None,
                })?,
                Piece::Value { expr, .. } => expr,
            }
        }
        None => target,
    };
    let flow = checker
        .model
        .flow_for(leading, crate::semantic::SinkKind::Redirect);
    if flow.level != Level::Request {
        return None;
    }
    let source = flow.source.unwrap_or_else(|| "the request".to_string());
    // A target starting with the bare host (no scheme) is a relative path on this site.
    (!OWN_PATH.contains(&source.as_str()) && source != OWN_HOST).then_some(source)
}

/// Whether a value is this site's own host: `request.get_host()` (checked against
/// `ALLOWED_HOSTS` by Django), possibly through a local or `self.redirect_host or ...`.
fn is_own_host(checker: &PyChecker, expr: Node) -> bool {
    let flow = checker.model.flow(expr);
    flow.level == Level::Request && flow.source.as_deref() == Some(OWN_HOST)
}

/// Whether the function around `site` calls `url_has_allowed_host_and_scheme()`.
fn checked_in_function(checker: &PyChecker, calls: &[Node], site: Node) -> bool {
    let Some(function) = node::enclosing_function(site) else {
        return false;
    };
    let src = checker.source();
    calls.iter().any(|c| {
        node::contains(function, *c)
            && (node::callee_name(*c, src).is_some_and(|n| CHECKS.contains(&n))
                || is_project_url_guard(checker, *c))
    })
}

/// A call to a project helper that checks a URL stays on the site (its summary is a guard:
/// `url_has_allowed_host_and_scheme()` inside, or a check of the parsed URL's host).
fn is_project_url_guard(checker: &PyChecker, call: Node) -> bool {
    checker
        .model
        .summary_of_call(call)
        .is_some_and(|(_, summary)| {
            summary
                .guard
                .is_some_and(|g| g.kind == crate::semantic::summary::GuardKind::SafeUrl)
        })
}

/// `url` → `url if url_has_allowed_host_and_scheme(url, ...) else "/"`.
fn wrap_fix(checker: &PyChecker, module: &Module, site: Node, target: Node) -> Option<Fix> {
    let src = checker.source();
    let target = node::unparenthesize(target);
    let simple = match target.kind() {
        "identifier" | "attribute" | "subscript" => true,
        "call" => matches!(node::callee_name(target, src), Some("get" | "getlist")),
        _ => false,
    };
    if !simple {
        return None;
    }
    let request = module.request_in_scope(checker, site)?;
    let (local, import) =
        checker.ensure_import("django.utils.http", "url_has_allowed_host_and_scheme")?;
    let url = node::text(target, src);
    let quote = if url.contains('\'') { "\"" } else { "'" };
    let replacement = format!(
        "{url} if {local}({url}, allowed_hosts={{{request}.get_host()}}, require_https={request}.is_secure()) else {quote}/{quote}"
    );
    let mut edits = vec![Edit::replace(target.byte_range(), replacement)];
    edits.extend(import);
    Some(Fix::unsafe_(
        "Check the target with `url_has_allowed_host_and_scheme()`",
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::codes_of;
    use crate::analysis::testing::{assert_fix, fix_applicability};

    const HEAD: &str =
        "from django.shortcuts import redirect\nfrom django.http import HttpResponseRedirect\n";

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS311"])
    }

    #[test]
    fn flags_redirects_to_request_data() {
        let src = format!(
            "{HEAD}def a(request):\n    return redirect(request.GET.get('next', '/'))\n\
def b(request):\n    url = request.POST['next']\n    return HttpResponseRedirect(url)\n\
def c(request):\n    return HttpResponseRedirect(request.META.get('HTTP_REFERER'))\n\
def d(request, target):\n    return redirect(f'{{target}}/done')\n\
class V:\n    def get_success_url(self):\n        return self.request.GET['next']\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS311", 4, 12, "error"),
                ("DJS311", 7, 12, "error"),
                ("DJS311", 9, 12, "hint"),
                ("DJS311", 11, 12, "warning"),
                ("DJS311", 14, 9, "error"),
            ]
        );
    }

    #[test]
    fn silent_on_checked_constant_and_local_targets() {
        let src = format!(
            "{HEAD}from django.utils.http import url_has_allowed_host_and_scheme\n\
def a(request):\n    nxt = request.GET.get('next', '/')\n    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={{request.get_host()}}):\n        nxt = '/'\n    return redirect(nxt)\n\
def b(request, pk):\n    return redirect('orders:detail', pk=pk)\n\
def c(request, pk):\n    return redirect(f'/orders/{{pk}}/')\n\
def d(request):\n    return redirect(reverse('home'))\n\
def e(request, slug):\n    return HttpResponseRedirect('/blog/' + slug)\n\
def f(request):\n    return redirect(settings.LOGIN_URL)\n\
def g(request):\n    return redirect(request.get_full_path())\n\
def h(request):\n    url = f'/search/?q={{request.GET[\"q\"]}}'\n    return redirect(url)\n\
def i(request):\n    return redirect('https://example.com/' + request.GET['p'])\n\
def j(request):\n    return redirect('%s?%s' % (settings.HOME, request.META.get('QUERY_STRING')))\n\
class R:\n    def get_redirect_url(self):\n        url = self.url\n        args = self.request.META.get('QUERY_STRING', '')\n        if args:\n            url = '%s?%s' % (url, args)\n        return url\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn silent_on_redirects_to_this_sites_own_host() {
        // Django's SecurityMiddleware SSL redirect, and the same with the host inline.
        let src = format!(
            "{HEAD}from django.http import HttpResponsePermanentRedirect\n\
class SecurityMiddleware:\n    def process_request(self, request):\n        host = self.redirect_host or request.get_host()\n        return HttpResponsePermanentRedirect(\"https://%s%s\" % (host, request.get_full_path()))\n\
def a(request):\n    host = request.get_host()\n    return HttpResponsePermanentRedirect('https://%s%s' % (host, request.get_full_path()))\n\
def b(request):\n    return redirect(f'https://{{request.get_host()}}/orders/')\n\
def c(request):\n    return redirect('https://' + request.get_host())\n\
def d(request):\n    return redirect('//' + request.get_host() + request.path)\n\
def e(request):\n    return redirect(request.get_host())\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn own_host_does_not_excuse_what_follows_it() {
        // `https://mysite.example@evil.example/`: userinfo after the host; and a client-chosen host.
        let src = format!(
            "{HEAD}def a(request):\n    host = request.get_host()\n    return redirect('https://%s%s' % (host, request.GET['next']))\n\
def b(request):\n    return redirect('https://%s%s' % (request.META['HTTP_X_FORWARDED_HOST'], request.get_full_path()))\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS311", 5, 12, "error"), ("DJS311", 7, 12, "error")]
        );
    }

    #[test]
    fn protocol_relative_and_scheme_only_prefixes_are_not_local() {
        let src = format!(
            "{HEAD}def a(request, host):\n    return redirect(f'//{{host}}/x')\ndef b(request):\n    return redirect('https://' + request.GET['host'])\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS311", 4, 12, "warning"), ("DJS311", 6, 12, "error")]
        );
    }

    #[test]
    fn fix_wraps_the_target_and_imports() {
        let src =
            format!("{HEAD}\ndef a(request):\n    return redirect(request.GET.get('next', '/'))\n");
        assert_eq!(fix_applicability(&src, "DJS311"), vec!["unsafe"]);
        let fixed = assert_fix(&src, "DJS311");
        assert_eq!(
            fixed,
            "from django.shortcuts import redirect\nfrom django.http import HttpResponseRedirect\nfrom django.utils.http import url_has_allowed_host_and_scheme\n\ndef a(request):\n    return redirect(request.GET.get('next', '/') if url_has_allowed_host_and_scheme(request.GET.get('next', '/'), allowed_hosts={request.get_host()}, require_https=request.is_secure()) else \"/\")\n"
        );
        let method =
            "class V:\n    def get_success_url(self):\n        return self.request.POST['next']\n";
        let fixed = assert_fix(method, "DJS311");
        assert!(
            fixed.contains("return self.request.POST['next'] if url_has_allowed_host_and_scheme(self.request.POST['next'], allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()) else \"/\""),
            "{fixed}"
        );
    }
}
