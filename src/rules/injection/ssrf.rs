//! DJS604 `server-side-request-forgery`: request data choosing the host (or the whole URL) the
//! server sends a request to.

use tree_sitter::Node;

use super::Hit;
use crate::analysis::Severity;
use crate::analysis::python::PyChecker;
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::sources::SinkKind;
use crate::semantic::strings::{self, Piece};
use crate::semantic::{Flow, Level, node};

pub const RULE: Rule = Rule {
    code: "DJS604",
    name: "server-side-request-forgery",
    family: Family::Injection,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "Request data chooses the host of a URL the server fetches.",
    django_checks: &[],
    peers: &[
        "bandit:B310",
        "ruff:S310",
        "semgrep:ssrf-injection-requests",
        "semgrep:ssrf-injection-urllib",
        "semgrep:tainted-url-host",
    ],
    docs: r#"
## What it does
Reports request data (followed through local variables and the project's helpers) that
chooses the scheme or the host of a URL the server fetches with `requests` (functions and
`Session` methods), `httpx` (functions, `Client`, `AsyncClient`), `aiohttp.ClientSession`,
`urllib.request.urlopen()` / `Request()` / `urlretrieve()`, `urllib3` or
`http.client.HTTPConnection()`: the whole URL, or a part of it before the end of the host
(`f"https://{host}/api"`, `"http://" + host`, `urljoin(base, url)` with a client URL).

Not reported: a request value in the path or the query string of a constant host
(`f"https://api.example.com/users/{user_id}"`, `requests.get(URL, params={"q": q})`), URLs built
on a base from the settings (`f"{settings.API_URL}/{path}"`), URLs checked with
`url_has_allowed_host_and_scheme()` or against a constant allow-list, `reverse()`. Values of
unknown origin are not reported.

## Why is this bad?
The server sends the request from inside the network: the client reaches internal services,
the cloud metadata endpoint (`http://169.254.169.254/`) and its credentials, admin interfaces
bound to localhost, and `file://` URLs with urllib.

## Example
```python
import requests

def preview(request):
    page = requests.get(request.GET["url"], timeout=5)
    return HttpResponse(page.text[:200])
```

Use instead:
```python
import requests
from django.utils.http import url_has_allowed_host_and_scheme

ALLOWED = {"images.example.com"}

def preview(request):
    url = request.GET["url"]
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=ALLOWED, require_https=True):
        return HttpResponseBadRequest()
    page = requests.get(url, timeout=5)
    return HttpResponse(page.text[:200])
```

## Fix
No quick-fix: keep the host constant and put the client's value in the path or the query
(`params=`), or check the URL's host against an allow-list (`url_has_allowed_host_and_scheme()`
with `allowed_hosts`). Block private and link-local addresses when any host must be allowed.

## Fix safety
No fix is offered.

## References
- Django: [`url_has_allowed_host_and_scheme`](https://github.com/django/django/blob/main/django/utils/http.py)
- OWASP: Server-Side Request Forgery Prevention Cheat Sheet; CWE-918
"#,
};

pub(crate) fn message(hit: &Hit) -> String {
    format!(
        "{} chooses where `{}` sends a request (its host): the server can be made to fetch internal services or cloud metadata; keep the host constant or check it against an allow-list",
        super::origin(&hit.flow),
        hit.label.clone()
    )
}

/// The flow of the part of a URL that decides where a request goes (its scheme and host): the
/// whole value's flow unless it is request data, and then the flow of the values that come
/// before the end of the host.
pub(crate) fn host_flow(checker: &PyChecker, url: Node) -> Flow {
    let whole = checker.model.flow_for(url, SinkKind::Url);
    if whole.level != Level::Request {
        return whole;
    }
    match host_part(checker, url, 0) {
        Some((host, _)) => host,
        None => whole,
    }
}

/// How many assignments deep a URL is followed.
const MAX_DEPTH: u32 = 4;

/// The flow of the values before the end of the host, and whether the host was complete (a
/// `/`, `?` or `#` after `scheme://host`). `None` when the shape is not a string the rule can
/// take apart.
fn host_part(checker: &PyChecker, url: Node, depth: u32) -> Option<(Flow, bool)> {
    let src = checker.source();
    let url = node::unparenthesize(url);
    if let Some(template) = strings::decompose(url, src) {
        let mut literal = String::new();
        let mut flow = Flow::constant();
        for piece in &template.pieces {
            match piece {
                Piece::Lit(text) => {
                    literal.push_str(text);
                    if host_complete(&literal) {
                        return Some((flow, true));
                    }
                }
                Piece::Value { expr, .. } => {
                    let value = checker.model.flow_for(*expr, SinkKind::Url);
                    if literal.is_empty() && value.level != Level::Request {
                        // `f"{settings.API_URL}/{path}"`: a base URL decides the host.
                        return Some((value, true));
                    }
                    flow = flow.join(value);
                    // The value is part of the host: the host ends after later text.
                    literal.push('x');
                }
            }
        }
        return Some((flow, false));
    }
    if url.kind() == "identifier" && depth < MAX_DEPTH {
        let index = &checker.model.index;
        let bindings = index.bindings(index.scope_at(url), node::text(url, src));
        let before: Vec<_> = bindings
            .iter()
            .filter(|b| b.node.end_byte() <= url.start_byte())
            .collect();
        // The last plain assignment decides the host; `url += "?q=..."` appends after it.
        let last = before.iter().rposition(|b| !b.augmented)?;
        let appended = before.len() > last + 1;
        let (flow, complete) = host_part(checker, before[last].value?, depth + 1)?;
        if appended && !complete {
            return None;
        }
        return Some((flow, complete));
    }
    // A value the rule cannot take apart: a base URL of unknown origin (a setting) decides the
    // host; request data may be any URL.
    let flow = checker.model.flow_for(url, SinkKind::Url);
    let complete = flow.level != Level::Request;
    Some((flow, complete))
}

/// Whether literal URL text has gone past its host: `scheme://host` followed by `/`, `?` or `#`,
/// or a path that starts with a single `/`.
fn host_complete(literal: &str) -> bool {
    match literal.find("://") {
        Some(at) => literal[at + 3..].contains(['/', '?', '#']),
        None => literal.starts_with('/') && !literal.starts_with("//"),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::codes_at_only;
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS604"])
    }

    #[test]
    fn flags_urls_and_hosts_from_the_request() {
        let src = "import requests, httpx, urllib.request\nfrom urllib.parse import urljoin\ndef v(request, host):\n    url = request.GET['url']\n    requests.get(url, timeout=5)\n    requests.post(f'https://{host}/api')\n    httpx.get('http://' + request.POST['h'] + '/x')\n    urllib.request.urlopen(urljoin('https://a.example/', url))\n    with requests.Session() as s:\n        s.get(url)\n    base = f'https://{host}'\n    base += '/v1'\n    requests.get(base)\n    requests.request('GET', url=url)\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS604", 5, 5, "error"),
                ("DJS604", 6, 5, "error"),
                ("DJS604", 7, 5, "error"),
                ("DJS604", 8, 5, "error"),
                ("DJS604", 10, 9, "error"),
                ("DJS604", 13, 5, "error"),
                ("DJS604", 14, 5, "error"),
            ]
        );
    }

    #[test]
    fn silent_on_constant_hosts_and_checked_urls() {
        let src = "import requests\nfrom django.conf import settings\nfrom django.utils.http import url_has_allowed_host_and_scheme\nAPI = 'https://api.example.com'\ndef v(request, pk):\n    q = request.GET['q']\n    requests.get(f'https://api.example.com/users/{pk}')\n    requests.get('https://api.example.com/search?q=' + q)\n    requests.get(API, params={'q': q})\n    requests.get(f'{settings.API_URL}/{q}')\n    url = f'{API}/items/{q}'\n    url += f'?page={pk}'\n    requests.get(url)\n    target = request.GET['next']\n    if url_has_allowed_host_and_scheme(target, allowed_hosts={'example.com'}):\n        requests.get(target)\n    requests.get(make_url())\n    api = settings.API_URL\n    api += '?token=' + q\n    requests.get(api)\n";
        assert_eq!(codes(src), vec![]);
    }
}
