//! In URLconfs: DJS446 `admin-default-url` and DJS447 `media-served-without-debug-guard`.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;
use crate::syntax::python::{Field, Fields};

pub const ADMIN_DEFAULT_URL: Rule = Rule {
    code: "DJS446",
    name: "admin-default-url",
    family: Family::Settings,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "The Django admin is mounted at the default `admin/` URL.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports, in a URLconf (`urls.py` or a module of a `urls/` package), `path("admin/", admin.site.urls)`
(also `re_path(r"^admin/", ...)` and the old `url()`). Information only.

## Why is this bad?
Every bot that scans for Django sites tries `/admin/`: a predictable admin URL attracts credential
stuffing and password guessing at your most privileged login. Moving it is not a defence by
itself, but it removes the site from the cheapest automated attacks and keeps the login's logs
readable.

## Example
```python
urlpatterns = [path("admin/", admin.site.urls)]
```

Use instead:
```python
urlpatterns = [path(os.environ.get("DJANGO_ADMIN_URL", "manage-7f3c/"), admin.site.urls)]
```

## Fix
Choose a less predictable path (from the environment, per deployment), and protect the admin with
strong passwords, two-factor authentication or an IP allow-list. No automatic fix: the path is
yours to choose.

## Fix safety
No fix is offered.

## References
- Django: [The Django admin site](https://docs.djangoproject.com/en/stable/ref/contrib/admin/)
- OWASP: Authentication Cheat Sheet
"#,
};

pub const MEDIA_SERVED_WITHOUT_DEBUG_GUARD: Rule = Rule {
    code: "DJS447",
    name: "media-served-without-debug-guard",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "Files served by `django.views.static.serve` or `static()` in a URLconf without an `if settings.DEBUG:` guard.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports, in a URLconf, a route to `django.views.static.serve` (a **warning**), and a call to
`django.conf.urls.static.static()` (a **hint**), outside an `if settings.DEBUG:` block.

## Why is this bad?
`serve` is meant for development only: it is slow, and serving user uploads (`MEDIA_ROOT`) from the
application's own origin lets an uploaded HTML or SVG file run scripts with the site's cookies
(stored XSS). `static()` returns no routes when `DEBUG` is false, so it is inert in production —
but only as long as `DEBUG` really is false there, and the guard makes the intent explicit.

## Example
```python
urlpatterns = [...]
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
```

Use instead:
```python
urlpatterns = [...]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
```

## Fix
For `urlpatterns += static(...)` at the top level, wraps the statement in `if settings.DEBUG:` and
imports `settings` from `django.conf` when needed. Serve media from the web server or object
storage in production.

## Fix safety
Safe: `static()` already returns nothing when `DEBUG` is false.

## References
- Django: [Serving files uploaded by a user during development](https://docs.djangoproject.com/en/stable/howto/static-files/#serving-files-uploaded-by-a-user-during-development), [`django.views.static.serve`](https://docs.djangoproject.com/en/stable/ref/views/#django.views.static.serve)
"#,
};

const ROUTES: &[&str] = &[
    "django.urls.path",
    "django.urls.re_path",
    "django.conf.urls.url",
    "django.conf.urls.re_path",
];

/// Whether the file is a URLconf by its path.
fn is_urlconf(checker: &PyChecker) -> bool {
    checker.context.path.as_deref().is_some_and(is_urlconf_path)
}

/// Whether a path is a URLconf: `urls.py`, `*_urls.py`, or a module of a `urls/` package.
pub fn is_urlconf_path(path: &std::path::Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "urls.py"
        || name.ends_with("_urls.py")
        || path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|d| d == "urls")
}

pub fn check(checker: &mut PyChecker) {
    if !is_urlconf(checker) {
        return;
    }
    let calls = checker.model.index.call_sites.clone();
    let mut findings = Vec::new();
    for site in calls {
        let call = site.node;
        let Some(function) = site.function else {
            continue;
        };
        let Some(qualified) = checker.model.qualified_name(function) else {
            continue;
        };
        if ROUTES.contains(&qualified.as_str()) {
            route(checker, call, &mut findings);
        } else if qualified == "django.conf.urls.static.static" && !guarded(checker, call) {
            findings.push(
                Finding::new(
                    MEDIA_SERVED_WITHOUT_DEBUG_GUARD.code,
                    call.byte_range(),
                    Severity::Hint,
                    "`static()` routes are added without an `if settings.DEBUG:` guard (inert only while DEBUG is false)",
                )
                .with_fix(guard_fix(checker, call)),
            );
        }
    }
    for finding in findings {
        checker.report(finding);
    }
}

fn route(checker: &PyChecker, call: Node, findings: &mut Vec<Finding>) {
    let args = node::positional_args(call);
    let src = checker.source();
    let view = args
        .get(1)
        .copied()
        .or_else(|| node::keyword_arg(call, "view", src));
    if let (Some(route), Some(view)) = (args.first(), view) {
        let view_name = checker.model.qualified_name(node::unparenthesize(view));
        if view_name.as_deref() == Some("django.contrib.admin.site.urls") {
            let literal = literal_text(*route, src);
            if literal.is_some_and(|r| {
                let r = r.trim_start_matches('^');
                r == "admin/" || r == "admin"
            }) {
                findings.push(Finding::new(
                    ADMIN_DEFAULT_URL.code,
                    route.byte_range(),
                    ADMIN_DEFAULT_URL.severity,
                    "The admin is at the default `admin/` URL, the first place bots try passwords",
                ));
            }
        }
        if view_name.as_deref() == Some("django.views.static.serve") && !guarded(checker, call) {
            findings.push(Finding::new(
                MEDIA_SERVED_WITHOUT_DEBUG_GUARD.code,
                view.byte_range(),
                MEDIA_SERVED_WITHOUT_DEBUG_GUARD.severity,
                "`django.views.static.serve` is routed without an `if settings.DEBUG:` guard: uploads are served by Django from the site's origin",
            ));
        }
    }
}

/// The content of a plain string literal.
fn literal_text<'s>(n: Node, src: &'s str) -> Option<&'s str> {
    if n.kind() != "string" {
        return None;
    }
    let text = node::text(n, src);
    let start = text.find(['"', '\''])?;
    let quote = &text[start..start + 1];
    let body = text[start..]
        .trim_start_matches(quote)
        .trim_end_matches(quote);
    (!node::is_fstring(n)).then_some(body)
}

/// Whether `n` is inside the body of an `if` whose condition tests `DEBUG` (not `not DEBUG`).
fn guarded(checker: &PyChecker, n: Node) -> bool {
    let src = checker.source();
    let mut current = n;
    let mut steps = 0;
    while let Some(parent) = current.parent() {
        steps += 1;
        if steps > 10_000 {
            return false;
        }
        if matches!(parent.kind(), "if_statement" | "elif_clause")
            && let (Some(condition), Some(body)) = (
                parent.field(Field::Condition),
                parent.field(Field::Consequence),
            )
            && node::contains(body, n)
        {
            let text = node::text(condition, src);
            if text.contains("DEBUG") && !text.trim_start().starts_with("not ") {
                return true;
            }
        }
        if matches!(parent.kind(), "function_definition" | "class_definition") {
            // Routes built in a function: the caller decides.
            return true;
        }
        current = parent;
    }
    false
}

/// `urlpatterns += static(...)` at the top level → wrapped in `if settings.DEBUG:`.
fn guard_fix(checker: &PyChecker, call: Node) -> Option<Fix> {
    let assignment = call
        .parent()
        .filter(|p| p.kind() == "augmented_assignment")?;
    if assignment.field(Field::Right) != Some(call) {
        return None;
    }
    let statement = assignment
        .parent()
        .filter(|p| p.kind() == "expression_statement")?;
    if statement.parent().is_none_or(|p| p.kind() != "module")
        || statement.start_position().column != 0
    {
        return None;
    }
    let src = checker.source();
    let (settings, import) = checker.ensure_import("django.conf", "settings")?;
    let text = node::text(statement, src).replace('\n', "\n    ");
    let mut edits = vec![Edit::replace(
        statement.byte_range(),
        format!("if {settings}.DEBUG:\n    {text}"),
    )];
    edits.extend(import);
    Some(Fix::safe(
        "Serve these files only when DEBUG is true",
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use crate::analysis::{Applicability, Context, analyze_text, apply_edits};
    use crate::rules::settings::testing::located;
    use crate::syntax::Language;

    fn analyse(path: &str, src: &str) -> Vec<crate::analysis::Finding> {
        analyze_text(src, Language::Python, &Context::for_path(path))
    }

    fn codes_at(path: &str, src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        located(src, &analyse(path, src))
    }

    const HEAD: &str = "from django.conf import settings\nfrom django.conf.urls.static import static\nfrom django.contrib import admin\nfrom django.urls import path, re_path\nfrom django.views.static import serve\n";

    #[test]
    fn admin_at_default_url() {
        let src = format!(
            "{HEAD}urlpatterns = [\n    path('admin/', admin.site.urls),\n    re_path(r'^admin/', admin.site.urls),\n    path('backstage-7f3c/', admin.site.urls),\n    path('admin/', other.urls),\n]\n"
        );
        assert_eq!(
            codes_at("/p/mysite/urls.py", &src),
            vec![("DJS446", 7, 10, "info"), ("DJS446", 8, 13, "info")]
        );
        // Not a URLconf.
        assert!(codes_at("/p/mysite/views.py", &src).is_empty());
    }

    #[test]
    fn media_without_guard() {
        let src = format!(
            "{HEAD}urlpatterns = [re_path(r'^media/(?P<path>.*)$', serve, {{'document_root': settings.MEDIA_ROOT}})]\nurlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)\n"
        );
        assert_eq!(
            codes_at("/p/mysite/urls.py", &src),
            vec![("DJS447", 6, 49, "warning"), ("DJS447", 7, 16, "hint")]
        );
        let guarded = format!(
            "{HEAD}urlpatterns = []\nif settings.DEBUG:\n    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)\n    urlpatterns += [re_path(r'^media/(?P<path>.*)$', serve)]\n"
        );
        assert!(codes_at("/p/mysite/urls.py", &guarded).is_empty());
        let negated = format!(
            "{HEAD}urlpatterns = []\nif not settings.DEBUG:\n    urlpatterns += static(settings.MEDIA_URL)\n"
        );
        assert_eq!(codes_at("/p/mysite/urls.py", &negated).len(), 1);
    }

    #[test]
    fn fix_wraps_static_in_a_debug_guard() {
        let src = "from django.conf.urls.static import static\nurlpatterns = []\nurlpatterns += static(\n    '/media/', document_root='/srv/media')\n";
        let findings = analyse("/p/urls.py", src);
        let fix = findings.iter().find_map(|f| f.fix.clone()).expect("fix");
        assert_eq!(fix.applicability, Applicability::Safe);
        let fixed = apply_edits(src, &fix.edits);
        assert_eq!(
            fixed,
            "from django.conf.urls.static import static\nfrom django.conf import settings\nurlpatterns = []\nif settings.DEBUG:\n    urlpatterns += static(\n        '/media/', document_root='/srv/media')\n"
        );
        assert!(analyse("/p/urls.py", &fixed).is_empty());
    }
}
