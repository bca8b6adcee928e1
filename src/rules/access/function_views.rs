//! DJS301 `view-without-authentication`: a function view anyone on the internet can call.

use super::views::{self, DecoratorKind, FunctionView, Module};
use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "DJS301",
    name: "view-without-authentication",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A function view has no `@login_required`, permission decorator or check of the user.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a function view (a module-level function whose first parameter is `request`, in a views
module, decorated like a view, returning a response or routed in `urls.py`) that has none of:

- an authentication or authorization decorator: `@login_required`, `@permission_required`,
  `@user_passes_test`, `@staff_member_required`, or a project decorator named like one
  (`@team_member_required`, `@admin_only`);
- `@login_not_required` (Django 5.1+), which records that the view is public on purpose;
- a check in its body: `request.user.is_authenticated`, `has_perm()`, `raise PermissionDenied`,
  `redirect_to_login()`, a comparison with `request.user`, a token or signature check;
- a decorator applied in the URLconf (`path("x/", login_required(views.x))`), when djsec knows the
  project.

The finding is a **warning** when the view changes data (it accepts POST — `@require_POST`, a
`request.method == "POST"` branch — or calls `.save()`, `.delete()`, `.create()`, `.update()` on a queryset, or sends mail). A read-only
view gets a **hint** when the project's URLconf routes to it (without project knowledge, read-only
views are not reported). It is not reported:

- when `LoginRequiredMiddleware` (Django 5.1+) is in the project's `MIDDLEWARE`: every view then
  requires a login unless it is marked `@login_not_required`;
- on views meant to be public: their name, route or URL name contains one of the configured
  public-view phrases (login, logout, signup, register, password reset, activate, health, ping,
  webhook, robots, sitemap, home, about, contact, ...);
- on DRF `@api_view` functions, which have their own permission rules (DJS305, DJS306);
- in tests.

## Why is this bad?
"The URL isn't linked anywhere" is not an authorization check: URLs leak through browser history,
referrers, logs and guessing. A view without a check serves anyone on the internet, and a view that
changes data without one lets anyone change it.

## Example
```python
def delete_invoice(request, pk):
    Invoice.objects.filter(pk=pk).delete()
    return redirect("invoices")
```

Use instead:
```python
from django.contrib.auth.decorators import login_required

@login_required
def delete_invoice(request, pk):
    Invoice.objects.filter(pk=pk, owner=request.user).delete()
    return redirect("invoices")
```

## Fix
The quick-fix adds `@login_required` as the view's outermost decorator and imports it from
`django.contrib.auth.decorators`. Use `@permission_required(...)` or `@user_passes_test(...)`
when being logged in is not enough. If the view is public on purpose, mark it
`@login_not_required` (Django 5.1+), add its name to the public views in the configuration, or
suppress the finding with `# djsec: ignore[DJS301]`.

## Fix safety
Unsafe: anonymous visitors are redirected to the login page after the fix. That is the point for
a private view, and a regression for a page that was meant to be public.

## References
- Django: [Limiting access to logged-in users](https://docs.djangoproject.com/en/stable/topics/auth/default/#limiting-access-to-logged-in-users), [`LoginRequiredMiddleware`](https://docs.djangoproject.com/en/stable/ref/middleware/#django.contrib.auth.middleware.LoginRequiredMiddleware)
- OWASP: Broken Access Control (A01:2021); CWE-306 Missing Authentication for Critical Function, CWE-862 Missing Authorization
"#,
};

pub fn check(checker: &mut PyChecker, module: &Module) {
    let env = &module.env;
    if env.middleware_requires_login() {
        return;
    }
    for view in &module.functions {
        if view.is_drf()
            || view.has(DecoratorKind::LoginNotRequired)
            || view.auth_decorator().is_some()
            || view.facts.auth_check
            || env.routed_with_auth(view.name)
            || env.public_reason(view.name).is_some()
        {
            continue;
        }
        let writes = view.writes();
        // A read-only view is only worth a hint when the URLconf shows it is reachable.
        if writes.is_none() && !env.is_routed(view.name) {
            continue;
        }
        let (severity, message) = match writes {
            Some(reason) => (
                Severity::Warning,
                format!(
                    "`{}` changes data ({reason}) and anyone can call it: no `@login_required`, permission decorator or check of `request.user`",
                    view.name
                ),
            ),
            None => (
                Severity::Hint,
                format!(
                    "`{}` is a view anyone can call: no `@login_required`, permission decorator or check of `request.user`",
                    view.name
                ),
            ),
        };
        let fix = login_required_fix(checker, view);
        checker.report(
            Finding::new(RULE.code, view.name_node.byte_range(), severity, message).with_fix(fix),
        );
    }
}

/// Add `@login_required` (and its import) above the view.
fn login_required_fix(checker: &PyChecker, view: &FunctionView) -> Option<Fix> {
    let src = checker.source();
    if !views::starts_line(src, view.def) {
        return None;
    }
    let (local, import) =
        checker.ensure_import("django.contrib.auth.decorators", "login_required")?;
    let mut edits = vec![views::add_decorator_edit(src, view.def, &local)];
    edits.extend(import);
    Some(Fix::unsafe_("Add `@login_required`", edits))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes_for, codes_of, route, with_env};
    use crate::analysis::testing::{assert_fix, fix_applicability};

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS301"])
    }

    const HEAD: &str = "from django.shortcuts import render, redirect\nfrom django.contrib.auth.decorators import login_required, permission_required\n";

    #[test]
    fn flags_unprotected_views_warning_when_they_write() {
        let src = format!(
            "{HEAD}def dashboard(request):\n    return render(request, 'd.html')\n\nasync def delete_invoice(request, pk):\n    Invoice.objects.filter(pk=pk).delete()\n    return redirect('invoices')\n\ndef edit(request):\n    if request.method == 'POST':\n        pass\n    return render(request, 'e.html')\n\ndef notify(request):\n    send_mail('s', 'b', 'a@b.c', ['x@y.z'])\n    return redirect('/')\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS301", 6, 11, "warning"),
                ("DJS301", 10, 5, "warning"),
                ("DJS301", 15, 5, "warning"),
            ]
        );
    }

    #[test]
    fn read_only_views_get_a_hint_only_when_routed() {
        let src = "from django.shortcuts import render\ndef dashboard(request):\n    return render(request, 'd.html')\n";
        assert_eq!(codes_at(src), vec![]);
        let found = with_env("app/views.py", src, |env| {
            route(env, "dashboard", "dashboard/", &[]);
        });
        assert_eq!(found, vec![("DJS301", 2, 5, "hint")]);
    }

    #[test]
    fn silent_on_protected_views() {
        let src = format!(
            "{HEAD}from django.contrib.admin.views.decorators import staff_member_required\nfrom django.core.exceptions import PermissionDenied\nfrom django.contrib.auth.decorators import login_not_required\nfrom django.views.decorators.http import require_POST\n\
@login_required\ndef a(request):\n    return render(request, 'a.html')\n\
@require_POST\n@permission_required('app.change_x')\ndef b(request):\n    X.objects.create()\n    return redirect('/')\n\
@staff_member_required\ndef c(request):\n    return render(request, 'c.html')\n\
def d(request):\n    if not request.user.is_authenticated:\n        return redirect('login')\n    Thing.objects.all().delete()\n    return redirect('/')\n\
def e(request, pk):\n    obj = Thing.objects.get(pk=pk)\n    if obj.owner != request.user:\n        raise PermissionDenied\n    obj.delete()\n    return redirect('/')\n\
@login_not_required\ndef f(request):\n    return render(request, 'f.html')\n\
@team_member_required\ndef g(request):\n    return render(request, 'g.html')\n\
def h(request):\n    if not request.user.has_perm('app.view_x'):\n        raise PermissionDenied\n    return render(request, 'h.html')\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn silent_on_public_views_helpers_and_non_views() {
        let src = format!(
            "{HEAD}from django.contrib.auth import authenticate, login\n\
def login_view(request):\n    return render(request, 'login.html')\n\
def signup(request):\n    User.objects.create()\n    return redirect('/')\n\
def health(request):\n    return HttpResponse('ok')\n\
def stripe_webhook(request):\n    Event.objects.create()\n    return HttpResponse()\n\
def password_reset_confirm(request, token):\n    return render(request, 'r.html')\n\
def custom_auth(request):\n    user = authenticate(request, username='a', password='b')\n    login(request, user)\n    return redirect('/')\n\
def _helper(request):\n    return render(request, 'x.html')\n\
def context_processor(request):\n    return {{'x': 1}}\n\
def not_a_view(data):\n    return render(None, 'x')\n\
def preview(request):\n    return render(request, 'p.html', {{'t': request.POST.get('t')}})\n\
class Foo:\n    def method(self, request):\n        return render(request, 'x')\n\
def outer():\n    def inner(request):\n        return render(request, 'x')\n    return inner\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn views_module_needs_no_response_evidence_and_tests_are_skipped() {
        let src =
            "def profile(request):\n    request.user.profile.save()\n    return build(request)\n";
        assert_eq!(codes_at(src), vec![]);
        assert_eq!(
            codes_for("shop/views.py", src),
            vec![("DJS301", 1, 5, "warning")]
        );
        assert_eq!(codes_for("shop/views/profile.py", src).len(), 1);
        assert_eq!(codes_for("shop/tests/test_views.py", src), vec![]);
        assert_eq!(codes_for("conftest.py", src), vec![]);
    }

    #[test]
    fn drf_api_view_functions_are_left_to_the_drf_rules() {
        let src = "from rest_framework.decorators import api_view\n@api_view(['GET'])\ndef items(request):\n    return Response([])\n";
        assert!(codes_at(src).iter().all(|c| c.0 != "DJS301"));
    }

    #[test]
    fn project_knowledge_silences_or_keeps() {
        let src = "from django.shortcuts import render\ndef reports(request):\n    return render(request, 'r.html')\n";
        // LoginRequiredMiddleware makes every view login-only.
        let found = with_env("app/views.py", src, |env| {
            env.login_required_middleware = Some(true);
            route(env, "reports", "reports/", &[]);
        });
        assert_eq!(found, vec![]);
        // Wrapped in the URLconf.
        let found = with_env("app/views.py", src, |env| {
            route(env, "reports", "reports/", &["login_required"]);
        });
        assert_eq!(found, vec![]);
        // Public by route.
        let found = with_env("app/views.py", src, |env| {
            route(env, "reports", "status/health/", &[]);
        });
        assert_eq!(found, vec![]);
        // One route wrapped, another not: still reachable without login.
        let found = with_env("app/views.py", src, |env| {
            env.login_required_middleware = Some(false);
            route(env, "reports", "reports/", &["login_required"]);
            route(env, "reports", "r/", &[]);
        });
        assert_eq!(found, vec![("DJS301", 2, 5, "hint")]);
    }

    #[test]
    fn fix_adds_login_required_above_other_decorators_with_import() {
        let src = "from django.shortcuts import redirect\nfrom django.views.decorators.http import require_POST\n\n@require_POST\ndef delete_item(request, pk):\n    Item.objects.filter(pk=pk).delete()\n    return redirect('/')\n";
        assert_eq!(fix_applicability(src, "DJS301"), vec!["unsafe"]);
        let fixed = assert_fix(src, "DJS301");
        assert_eq!(
            fixed,
            "from django.shortcuts import redirect\nfrom django.views.decorators.http import require_POST\nfrom django.contrib.auth.decorators import login_required\n\n@login_required\n@require_POST\ndef delete_item(request, pk):\n    Item.objects.filter(pk=pk).delete()\n    return redirect('/')\n"
        );
    }

    #[test]
    fn fix_reuses_an_existing_import() {
        let src = "from django.contrib.auth.decorators import login_required as lr\nfrom django.shortcuts import render\ndef page(request):\n    Page.objects.create()\n    return render(request, 'p.html')\n";
        let fixed = assert_fix(src, "DJS301");
        assert!(fixed.contains("@lr\ndef page(request):"), "{fixed}");
    }
}
