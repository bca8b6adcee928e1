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
`print()` are not reported, nor:
- reads behind `CommonMiddleware`: when the deployed settings (the production settings modules,
  or a framework's defaults) put `django.middleware.common.CommonMiddleware` in `MIDDLEWARE`, it
  calls `request.get_host()` on every request, which refuses a Host outside `ALLOWED_HOSTS`; the
  `Host` header a view reads is then the validated one (with `USE_X_FORWARDED_HOST = False`; with
  `True`, `X-Forwarded-Host` is the validated one and `Host` is still reported). Reads in a
  middleware listed before `CommonMiddleware` are still reported;
- (as an **info** audit note, not a warning) `Host` reads when djsec does not know the deployed
  `MIDDLEWARE` (a library, or settings it cannot read): `CommonMiddleware` is in Django's default
  settings, so the header is most likely validated already; `X-Forwarded-Host` reads stay
  warnings, as `USE_X_FORWARDED_HOST` is off by default;
- the host validation itself: a read in a function or class that raises `DisallowedHost` (a
  multi-domain middleware matching the raw header against its domains);
- test code (see the README, "Test code").

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
    // Tests read the header of requests they built themselves (see `analysis::test_code`).
    if module.scope != Scope::Units || module.file.tests {
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
    if hits.is_empty() {
        return;
    }
    let validated = Validation::of(checker);
    for (read, container, forwarded) in hits {
        // Setting the header (test code builds requests that way) is not reading it.
        let assigned = read.parent().is_some_and(|p| {
            p.kind() == "assignment"
                && p.child_by_field_name("left")
                    .is_some_and(|l| l.id() == read.id())
        });
        if assigned || inside_logging(read, src) || validates_host(read, src) {
            continue;
        }
        if validated.covers(checker, read, forwarded) {
            continue;
        }
        let shown = node::text(read, src);
        // Without the deployed `MIDDLEWARE` (a library, settings djsec cannot read), the Host
        // header is most likely validated already: `CommonMiddleware` is in Django's default
        // settings and calls `get_host()` on every request. `X-Forwarded-Host` is not, unless
        // `USE_X_FORWARDED_HOST` is on (off by default).
        let severity = if !forwarded && !validated.known {
            Severity::Info
        } else {
            Severity::Warning
        };
        let message = if forwarded {
            format!(
                "`{shown}` is a header the client can forge: use `request.get_host()` with `USE_X_FORWARDED_HOST` behind a trusted proxy"
            )
        } else if severity == Severity::Info {
            format!(
                "`{shown}` is the raw Host header: djsec does not know the deployed `MIDDLEWARE`; with `CommonMiddleware` (in Django's default settings) it was checked against `ALLOWED_HOSTS` before this code runs, without it it was not: `request.get_host()` says so explicitly (audit note)"
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
        checker.report(Finding::new(RULE.code, read.byte_range(), severity, message).with_fix(fix));
    }
}

/// Whether the read is part of the host validation itself: its top-level function or class
/// raises `DisallowedHost` (a multi-domain middleware that matches the raw header against the
/// configured domains and refuses the others, as `get_host()` does against `ALLOWED_HOSTS`).
fn validates_host(read: Node, src: &str) -> bool {
    let mut top = read;
    while let Some(parent) = top.parent() {
        if parent.parent().is_none() {
            break;
        }
        top = parent;
    }
    if !node::text(top, src).contains("DisallowedHost") {
        return false;
    }
    let mut found = false;
    walk(top, |n| {
        if found {
            return false;
        }
        if n.kind() == "raise_statement" && node::text(n, src).contains("DisallowedHost") {
            found = true;
            return false;
        }
        true
    });
    found
}

const COMMON_MIDDLEWARE: &str = "django.middleware.common.CommonMiddleware";

/// What the deployed settings say about the Host header before views run (see
/// [`crate::project::deployed`]): `CommonMiddleware` calls `request.get_host()` on every request,
/// which refuses a Host outside `ALLOWED_HOSTS` (`DisallowedHost`, a 400). Behind it, the raw
/// `Host` header is the validated one — unless `USE_X_FORWARDED_HOST` makes `get_host()` read
/// `X-Forwarded-Host` instead; then that one is validated and `Host` is not.
struct Validation {
    /// Whether the deployed `MIDDLEWARE` is known (a project, its production settings, every
    /// entry readable).
    known: bool,
    /// Position of `CommonMiddleware` in the deployed `MIDDLEWARE`, when there.
    common: Option<usize>,
    /// The deployed `USE_X_FORWARDED_HOST`, when known.
    forwarded_host: Option<bool>,
    /// The deployed `MIDDLEWARE` entries before `CommonMiddleware` (they see the raw header).
    before: Vec<String>,
}

impl Validation {
    fn of(checker: &PyChecker) -> Validation {
        let none = Validation {
            known: false,
            common: None,
            forwarded_host: None,
            before: Vec::new(),
        };
        let Some(index) = checker.context.project.as_deref() else {
            return none;
        };
        let Some(position) =
            crate::project::deployed::middleware_position(index, COMMON_MIDDLEWARE)
        else {
            return none;
        };
        let Some(position) = position else {
            return Validation {
                known: true,
                ..none
            };
        };
        let before = crate::project::deployed::value_of(index, "MIDDLEWARE")
            .and_then(|m| {
                m.items().map(|items| {
                    items[..position.min(items.len())]
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                })
            })
            .unwrap_or_default();
        Validation {
            known: true,
            common: Some(position),
            forwarded_host: crate::project::deployed::flag(index, "USE_X_FORWARDED_HOST"),
            before,
        }
    }

    /// Whether `CommonMiddleware` validated the header `read` reads before the code runs.
    fn covers(&self, checker: &PyChecker, read: Node, forwarded: bool) -> bool {
        if self.common.is_none() {
            return false;
        }
        // `get_host()` reads `X-Forwarded-Host` exactly when `USE_X_FORWARDED_HOST` is on.
        let validated = self.forwarded_host == Some(forwarded);
        validated && !self.in_earlier_middleware(checker, read)
    }

    /// Whether the read is in a class listed in `MIDDLEWARE` before `CommonMiddleware`.
    fn in_earlier_middleware(&self, checker: &PyChecker, read: Node) -> bool {
        if self.before.is_empty() {
            return false;
        }
        let src = checker.source();
        let Some(class) = std::iter::successors(read.parent(), |n| n.parent())
            .filter(|n| n.kind() == "class_definition")
            .last()
            .and_then(|c| c.child_by_field_name("name"))
            .map(|n| node::text(n, src))
        else {
            return false;
        };
        let module = checker.context.path.as_deref().and_then(|p| {
            let index = checker.context.project.as_deref()?;
            index.dotted_name(&index.normalize(p))
        });
        match module {
            Some(module) => self
                .before
                .iter()
                .any(|m| *m == format!("{module}.{class}")),
            // Cannot tell where it sits: assume it may run first.
            None => true,
        }
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
            // No project: the Host reads are audit notes (CommonMiddleware, in Django's default
            // settings, validates the header); the forwarded host is a warning.
            vec![
                ("DJS310", 2, 9, "info"),
                ("DJS310", 3, 9, "info"),
                ("DJS310", 4, 9, "info"),
                ("DJS310", 5, 9, "info"),
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
mod validation {
    use std::path::Path;
    use std::sync::Arc;

    use crate::analysis::{Context, Severity, analyze_text};
    use crate::project::ProjectIndex;
    use crate::syntax::Language;

    const VIEW: &str = "def invite(request):\n    return request.META['HTTP_HOST']\n\ndef proxy(request):\n    return request.headers.get('X-Forwarded-Host')\n";
    const COMMON: &str = "'django.middleware.common.CommonMiddleware'";

    /// Lines of the DJS310 findings of `app/views.py` with these settings.
    fn lines(settings: &str, extra: &[(&str, &str)], path: &str, src: &str) -> Vec<usize> {
        let root = Path::new("/proj");
        let mut files = vec![
            ("site/settings.py", settings),
            (
                "site/wsgi.py",
                "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
            ),
            (path, src),
        ];
        files.extend_from_slice(extra);
        let index = ProjectIndex::from_files(root, &files);
        let context = Context {
            path: Some(root.join(path)),
            project: Some(Arc::new(index)),
            ..Context::default()
        };
        let lines = crate::analysis::LineIndex::new(src);
        analyze_text(src, Language::Python, &context)
            .into_iter()
            .filter(|f| f.code == "DJS310")
            .map(|f| lines.line_col(src, f.range.start).0)
            .collect()
    }

    fn severities(settings: &str, path: &str, src: &str) -> Vec<Severity> {
        let root = Path::new("/proj");
        let files = [
            ("site/settings.py", settings),
            (
                "site/wsgi.py",
                "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
            ),
            (path, src),
        ];
        let context = Context {
            path: Some(root.join(path)),
            project: Some(Arc::new(ProjectIndex::from_files(root, &files))),
            ..Context::default()
        };
        analyze_text(src, Language::Python, &context)
            .into_iter()
            .filter(|f| f.code == "DJS310")
            .map(|f| f.severity)
            .collect()
    }

    /// Seen in Misago (`core/utils.py` compares the Referer with `HTTP_HOST`) and
    /// django-allauth's SAML helper: `CommonMiddleware` has validated the Host before any view.
    #[test]
    fn common_middleware_validates_the_host_first() {
        let settings = format!("DEBUG = False\nSECRET_KEY = 'x'\nMIDDLEWARE = [{COMMON}]\n");
        // Host: validated; X-Forwarded-Host: get_host() ignores it.
        assert_eq!(lines(&settings, &[], "app/views.py", VIEW), vec![5]);
        // Behind a proxy, get_host() validates X-Forwarded-Host and not Host.
        let proxied = format!("{settings}USE_X_FORWARDED_HOST = True\n");
        assert_eq!(lines(&proxied, &[], "app/views.py", VIEW), vec![2]);
        // Without CommonMiddleware, or when the settings are unknown: both.
        let bare = "DEBUG = False\nSECRET_KEY = 'x'\nMIDDLEWARE = []\n";
        assert_eq!(lines(bare, &[], "app/views.py", VIEW), vec![2, 5]);
        assert_eq!(
            severities(bare, "app/views.py", VIEW),
            vec![Severity::Warning, Severity::Warning]
        );
        let unknown = "DEBUG = False\nSECRET_KEY = 'x'\nMIDDLEWARE = load_middleware()\n";
        assert_eq!(lines(unknown, &[], "app/views.py", VIEW), vec![2, 5]);
        // Unknown: the Host read is an audit note, the forwarded host a warning.
        assert_eq!(
            severities(unknown, "app/views.py", VIEW),
            vec![Severity::Info, Severity::Warning]
        );
        // A middleware that runs before CommonMiddleware sees the raw header.
        let early = "class HostMiddleware:\n    def __call__(self, request):\n        host = request.META['HTTP_HOST']\n";
        let settings = format!(
            "DEBUG = False\nSECRET_KEY = 'x'\nMIDDLEWARE = ['app.middleware.HostMiddleware', {COMMON}]\n"
        );
        assert_eq!(lines(&settings, &[], "app/middleware.py", early), vec![3]);
        let settings = format!(
            "DEBUG = False\nSECRET_KEY = 'x'\nMIDDLEWARE = [{COMMON}, 'app.middleware.HostMiddleware']\n"
        );
        assert_eq!(
            lines(&settings, &[], "app/middleware.py", early),
            Vec::<usize>::new()
        );
    }

    /// Seen in pretix and pretalx: their `MultiDomainMiddleware` reads the raw header to match
    /// it against the configured domains and raises `DisallowedHost` for the others: it is the
    /// validation. A look-alike that raises something else is still reported.
    #[test]
    fn the_host_validation_itself() {
        let middleware = "from django.core.exceptions import DisallowedHost\n\nclass MultiDomainMiddleware:\n    def process_request(self, request):\n        host = request.headers['Host']\n        if host not in self.domains():\n            raise DisallowedHost(f'Unknown host: {host}')\n";
        let bare = "DEBUG = False\nSECRET_KEY = 'x'\nMIDDLEWARE = []\n";
        assert_eq!(
            lines(bare, &[], "app/middleware.py", middleware),
            Vec::<usize>::new()
        );
        let other = middleware.replace("raise DisallowedHost", "raise ValueError");
        assert_eq!(lines(bare, &[], "app/middleware.py", &other), vec![5]);
    }

    /// Seen in Wagtail's `tests/test_page_model.py`: assertions on requests the test built.
    #[test]
    fn silent_in_test_code() {
        let bare = "DEBUG = False\nSECRET_KEY = 'x'\nMIDDLEWARE = []\n";
        assert_eq!(
            lines(bare, &[], "app/tests/test_views.py", VIEW),
            Vec::<usize>::new()
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
