//! DJS301 `view-without-authentication`: a function view anyone on the internet can call.

use super::does::{Action, Does, ObjectWrite};
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
module, decorated like a view, returning a response or routed in `urls.py`) that changes data —
it accepts POST (`@require_POST`, a `request.method == "POST"` branch), calls `.save()`,
`.delete()`, `.create()`, `.update()` on a queryset, or sends mail — and has none of:

- an authentication or authorization decorator: Django's (`@login_required`,
  `@permission_required`, `@user_passes_test`, `@staff_member_required`), a known library's
  (django-allauth, django-guardian, django-rules, django-otp...), one listed in the configuration's
  `auth-decorators`, or a **project decorator whose code checks the caller** (the user, a token
  or an API key; djsec reads the project's decorators, also when they are built on other
  decorators); a decorator djsec cannot read counts when its name says so
  (`@team_member_required`); a project decorator whose code checks nothing does not, whatever
  its name;
- `@login_not_required` (Django 5.1+), which records that the view is public on purpose — unless
  it changes or deletes objects (below);
- a check in its body: `request.user.is_authenticated`, `has_perm()`, `raise PermissionDenied`,
  `redirect_to_login()`, a comparison with `request.user`, a token or signature check;
- a decorator applied in the URLconf (`path("x/", login_required(views.x))`).

How loud it is depends on what djsec knows:

- **error** when a route reaches the view and it changes or deletes an object chosen by a value
  of the request (`Invoice.objects.filter(pk=pk).delete()`) without ever looking at who calls it
  (no `request.user`, session, token or secret in its body): exploitable as shown;
- **warning** when a route reaches it and it changes or deletes existing objects otherwise (not
  chosen by the request) without ever looking at who calls it;
- **info** (an audit note) when a route reaches it and it only creates objects, handles a form,
  sends mail, or mentions the user, session or a secret (a check djsec cannot classify may be
  there): what public forms do (sign-up, comments, password reset, the language switch), so only
  you can tell whether it is meant to be public;
- **info** when djsec cannot resolve the URLconf (no project, or `urlpatterns` built by code it
  does not model) and no route it read reaches the function: it may be a helper of other views.

With the URLconf resolved from `ROOT_URLCONF`, a function that no route reaches is not a view and
is not reported. A read-only view is not reported: a page anyone may see is a legitimate choice
(DJS317 and DJS318 look at what a view returns). With a project middleware that checks the user
(it may require a login on some paths), a routed view is a hint.

`@login_not_required` on a view that changes or deletes objects is reported too: an **error**
when it changes the object its URL names, a **warning** otherwise.

Not reported:

- with `LoginRequiredMiddleware` (Django 5.1+) in the project's `MIDDLEWARE`: every view then
  requires a login unless it is marked `@login_not_required`;
- views meant to be public: their name, route or URL name contains one of the configured
  public-view phrases (login, logout, signup, register, password reset, activate, health, ping,
  webhook, robots, sitemap, home, about, contact, ...);
- DRF `@api_view` functions, which have their own permission rules (DJS305, DJS306);
- tests.

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
    for view in &module.functions {
        if view.is_drf() {
            continue;
        }
        let marked_public = view.has(DecoratorKind::LoginNotRequired);
        if marked_public {
            login_not_required(checker, module, view);
            continue;
        }
        if env.middleware_requires_login()
            || view.auth_decorator().is_some()
            || view.facts.auth_check
            || env.routed_with_auth(view.name)
            || env.public_reason(view.name).is_some()
            || env.unreachable(view.name)
        {
            continue;
        }
        // A read-only view anyone can call is a public page: silent (the exposure rules look
        // at what it returns).
        let Some(writes) = view.writes() else {
            continue;
        };
        let routed = env.is_routed(view.name);
        let does = Does::of(checker, view.def);
        let (severity, message) = if !routed {
            (
                Severity::Info,
                format!(
                    "`{}` changes data ({writes}) and has no `@login_required`, permission decorator or check of `request.user`; djsec could not resolve the URLconf to tell whether a route reaches it",
                    view.name
                ),
            )
        } else if let Some(middleware) = &module.auth_middleware {
            (
                Severity::Hint,
                format!(
                    "`{}` changes data ({writes}) and has no `@login_required`, permission decorator or check of `request.user`: only `{middleware}` (project middleware) may require a login for its route",
                    view.name
                ),
            )
        } else if let Some(w) = exploitable(&does) {
            (
                Severity::Error,
                format!(
                    "`{}` {} and anyone can call it: no `@login_required`, permission decorator or check of `request.user`",
                    view.name,
                    describe_write(w)
                ),
            )
        } else if let Some(w) = changes_existing(&does) {
            (
                Severity::Warning,
                format!(
                    "`{}` {} and anyone can call it: no `@login_required`, permission decorator or check of `request.user`",
                    view.name,
                    describe_write(w)
                ),
            )
        } else {
            // Creating things, handling a form, sending mail, or acting for the user or a
            // secret it reads: what public forms do (sign-up, comments, password reset, the
            // language switch). Audit information: djsec cannot know the view is not meant to
            // be public.
            (
                Severity::Info,
                format!(
                    "`{}` changes data ({writes}) and anyone can call it: no `@login_required`, permission decorator or check of `request.user`; fine for a public form (sign-up, comments, contact), so check that it is meant to be public (audit note)",
                    view.name
                ),
            )
        };
        let fix = login_required_fix(checker, view);
        checker.report(
            Finding::new(RULE.code, view.name_node.byte_range(), severity, message).with_fix(fix),
        );
    }
}

/// A write that is exploitable as shown: an object chosen by a value of the request is changed
/// or deleted, and the view never looks at who calls it (no user, session, token or secret).
pub fn exploitable(does: &Does) -> Option<&ObjectWrite> {
    if does.mentions_identity {
        return None;
    }
    does.writes
        .iter()
        .find(|w| w.by_request && matches!(w.action, Action::Delete | Action::Change))
}

/// A change or deletion of existing objects by a view that never looks at who calls it (no
/// user, session, token or secret): likely a problem, though the objects are not chosen by the
/// request (then it is [`exploitable`]).
pub fn changes_existing(does: &Does) -> Option<&ObjectWrite> {
    if does.mentions_identity {
        return None;
    }
    does.writes
        .iter()
        .find(|w| matches!(w.action, Action::Delete | Action::Change))
}

/// "deletes the `Invoice` chosen by `pk`".
pub fn describe_write(w: &ObjectWrite) -> String {
    let model = w
        .model
        .as_deref()
        .map_or("an object".to_string(), |m| format!("the `{m}`"));
    match &w.key {
        Some(key) => format!(
            "{} {model} chosen by `{key}` from the request",
            w.action.verb()
        ),
        None => format!("{} {model}", w.action.verb()),
    }
}

/// Django 5.1's `@login_not_required` on a view that changes objects: public on purpose, and
/// anyone can change them.
fn login_not_required(checker: &mut PyChecker, module: &Module, view: &FunctionView) {
    if module.env.unreachable(view.name)
        || view.auth_decorator().is_some()
        || view.facts.auth_check
        || view.facts.signature_check
    {
        return;
    }
    let does = Does::of(checker, view.def);
    let (severity, what) = match (exploitable(&does), does.writes.first()) {
        (Some(w), _) if module.env.is_routed(view.name) => (Severity::Error, describe_write(w)),
        (_, Some(w)) if w.action != Action::Create => (Severity::Warning, describe_write(w)),
        _ => return,
    };
    checker.report(Finding::new(
        RULE.code,
        view.name_node.byte_range(),
        severity,
        format!(
            "`{}` is marked `@login_not_required` but {what}: anyone can do it without logging in",
            view.name
        ),
    ));
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

    const WRITERS: &str = "def dashboard(request):\n    return render(request, 'd.html')\n\nasync def delete_invoice(request, pk):\n    Invoice.objects.filter(pk=pk).delete()\n    return redirect('invoices')\n\ndef edit(request):\n    if request.method == 'POST':\n        pass\n    return render(request, 'e.html')\n\ndef notify(request):\n    send_mail('s', 'b', 'a@b.c', ['x@y.z'])\n    return redirect('/')\n\ndef like(request, pk):\n    Post.objects.filter(pk=pk).update(liked_by=request.user)\n    return redirect('/')\n\ndef reset_all(request):\n    Counter.objects.all().update(n=0)\n    return redirect('/')\n";

    #[test]
    fn without_the_urlconf_writing_views_are_info() {
        let src = format!("{HEAD}{WRITERS}");
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS301", 6, 11, "info"),
                ("DJS301", 10, 5, "info"),
                ("DJS301", 15, 5, "info"),
                ("DJS301", 19, 5, "info"),
                ("DJS301", 23, 5, "info"),
            ]
        );
    }

    #[test]
    fn routed_writing_views_are_judged_by_what_they_change() {
        let src = format!("{HEAD}{WRITERS}");
        let found = with_env("app/views.py", &src, |env| {
            env.urlconf_complete = true;
            for (view, at) in [
                ("dashboard", "d/"),
                ("delete_invoice", "i/<int:pk>/delete/"),
                ("edit", "e/"),
                ("notify", "n/"),
                ("like", "p/<int:pk>/like/"),
                ("reset_all", "reset/"),
            ] {
                route(env, view, at, &[]);
            }
        });
        // `delete_invoice` deletes the invoice the URL names and never looks at who asks: an
        // error; `reset_all` changes existing objects and never looks either: a warning. A form
        // handler, a mail and `like` (it acts for `request.user`) are what public views do too:
        // audit notes.
        assert_eq!(
            found,
            vec![
                ("DJS301", 6, 11, "error"),
                ("DJS301", 10, 5, "info"),
                ("DJS301", 15, 5, "info"),
                ("DJS301", 19, 5, "info"),
                ("DJS301", 23, 5, "warning"),
            ]
        );
    }

    #[test]
    fn an_unrouted_function_is_not_a_view_when_the_urlconf_resolves() {
        let src = format!("{HEAD}{WRITERS}");
        let found = with_env("app/views.py", &src, |env| {
            env.urlconf_complete = true;
            route(env, "edit", "e/", &[]);
        });
        assert_eq!(found, vec![("DJS301", 10, 5, "info")]);
        // The same URLconf read in part (a pattern djsec cannot see): the others are info.
        let found = with_env("app/views.py", &src, |env| {
            route(env, "edit", "e/", &[]);
        });
        assert_eq!(
            found,
            vec![
                ("DJS301", 6, 11, "info"),
                ("DJS301", 10, 5, "info"),
                ("DJS301", 15, 5, "info"),
                ("DJS301", 19, 5, "info"),
                ("DJS301", 23, 5, "info"),
            ]
        );
    }

    #[test]
    fn read_only_views_are_silent_routed_or_not() {
        let src = "from django.shortcuts import render\ndef catalogue(request):\n    return render(request, 'c.html', {'products': Product.objects.all()})\n";
        assert_eq!(codes_at(src), vec![]);
        let found = with_env("app/views.py", src, |env| {
            route(env, "catalogue", "products/", &[]);
        });
        assert_eq!(found, vec![]);
    }

    #[test]
    fn login_not_required_on_views_that_change_objects() {
        let src = "from django.contrib.auth.decorators import login_not_required\nfrom django.shortcuts import get_object_or_404, redirect, render\n\n@login_not_required\ndef delete_invoice(request, pk):\n    get_object_or_404(Invoice, pk=pk).delete()\n    return redirect('/')\n\n@login_not_required\ndef rename(request, pk):\n    note = get_object_or_404(Note, pk=pk, owner=request.user)\n    note.save()\n    return redirect('/')\n\n@login_not_required\ndef about(request):\n    return render(request, 'about.html')\n\n@login_not_required\ndef contact(request):\n    Message.objects.create(body=request.POST['body'])\n    return redirect('/')\n";
        let found = with_env("app/views.py", src, |env| {
            env.login_required_middleware = Some(true);
            route(env, "delete_invoice", "i/<int:pk>/delete/", &[]);
            route(env, "rename", "n/<int:pk>/", &[]);
            route(env, "about", "about/", &[]);
            route(env, "contact", "contact/", &[]);
        });
        // A public page and a public form that creates a message are what the mark is for.
        assert_eq!(
            found,
            vec![("DJS301", 5, 5, "error"), ("DJS301", 10, 5, "warning")]
        );
    }

    #[test]
    fn project_decorators_are_judged_by_their_code() {
        let src = "from functools import wraps\nfrom django.shortcuts import redirect\n\ndef user_is_authenticated(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if not request.user.is_authenticated:\n            return redirect('login')\n        return view(request, *args, **kwargs)\n    return wrapper\n\ndef auth_cache(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        request.cached = True\n        return view(request, *args, **kwargs)\n    return wrapper\n\n@user_is_authenticated\ndef archive(request, pk):\n    Item.objects.filter(pk=pk).update(archived=True)\n    return redirect('/')\n\n@auth_cache\ndef purge(request, pk):\n    Item.objects.filter(pk=pk).delete()\n    return redirect('/')\n\n@unknown_auth_required\ndef other(request, pk):\n    Item.objects.filter(pk=pk).delete()\n    return redirect('/')\n";
        let found = with_env("app/views.py", src, |env| {
            route(env, "archive", "a/<int:pk>/", &[]);
            route(env, "purge", "p/<int:pk>/", &[]);
            route(env, "other", "o/<int:pk>/", &[]);
        });
        // `auth_cache` looks like an authentication decorator by its name, but its code checks
        // nothing; `unknown_auth_required` is not the project's: judged by its name.
        let found: Vec<_> = found.into_iter().filter(|f| f.0 == "DJS301").collect();
        assert_eq!(found, vec![("DJS301", 25, 5, "error")]);
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
            vec![("DJS301", 1, 5, "info")]
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
        let src = "from django.shortcuts import render\ndef reports(request):\n    send_mail('s', 'b', 'a@b.c', ['x@y.z'])\n    return render(request, 'r.html')\n";
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
        assert_eq!(found, vec![("DJS301", 2, 5, "info")]);
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
