//! Class-based views: DJS302 `class-view-without-authentication`, DJS303 `access-mixin-order`,
//! DJS304 `permission-required-mixin-without-permission`.

use tree_sitter::Node;

use super::views::{ClassInfo, DecoratorKind, Module};
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const WITHOUT_AUTH: Rule = Rule {
    code: "DJS302",
    name: "class-view-without-authentication",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A class-based view has no access mixin, decorated `dispatch` or check of the user.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a Django class-based view (deriving from `View`, `TemplateView`, `FormView`,
`CreateView`, `UpdateView`, `DeleteView`...) that changes data (`CreateView`, `UpdateView`,
`DeleteView`, `FormView`, or a `post()`/`put()`/`patch()`/`delete()`/`form_valid()` method) and
has none of:

- an access mixin: Django's (`LoginRequiredMixin`, `PermissionRequiredMixin`,
  `UserPassesTestMixin`), a known library's (django-braces, django-guardian, django-rules), one
  listed in `auth-mixins`, a **project mixin or base class whose `dispatch()`,
  `has_permission()`, `test_func()` or `get_queryset()` checks the user** (djsec follows the
  project's classes across modules), or one named like an access mixin when djsec cannot read it;
- `@method_decorator(login_required, name="dispatch")` (or any authentication decorator) on the
  class, or a decorated `dispatch()`; a decorator on `get` alone does not protect a view that
  also accepts POST;
- a check of the user in its methods (`request.user.is_authenticated`, `has_perm()`,
  `raise PermissionDenied`);
- a decorator applied in the URLconf (`login_required(ReportView.as_view())`).

It is an **error** when a route reaches the view and it is an `UpdateView` or `DeleteView` that
overrides nothing that could restrict which objects or who (`get_queryset()`, `get_object()`,
`dispatch()`, `post()`, `form_valid()`...) and never mentions the user, session or a secret: anyone
changes or deletes any object by its id. A **warning** when a route reaches such a view that
overrides one of those methods but still never mentions the user, session or a secret. An
**info** audit note when a route reaches a view that only creates objects or handles a form (what
public forms do: sign-up, password recovery, contact), or that mentions the user, session or a
secret; and when djsec cannot resolve the URLconf. With the URLconf resolved, a class no route
reaches (a base class of other views) is not reported. Read-only views are not reported (see
DJS317). Classes with a base djsec cannot see (a package it cannot read) are not reported: that
base may bring the protection. Views that are public on purpose (login, signup, password
reset, health...: see DJS301), Django's own authentication views, views subclassed in the same
module, DRF views (DJS305–DJS307) and views in projects using `LoginRequiredMiddleware` are not
reported.

## Why is this bad?
A class-based view is as reachable as a function view: anyone who finds the URL can call it. An
unprotected `UpdateView` or `DeleteView` lets anyone change or delete data.

## Example
```python
from django.views.generic import UpdateView

class ProfileUpdate(UpdateView):
    model = Profile
    fields = ["bio"]
```

Use instead:
```python
from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import UpdateView

class ProfileUpdate(LoginRequiredMixin, UpdateView):
    model = Profile
    fields = ["bio"]
```

## Fix
The quick-fix adds `LoginRequiredMixin` as the leftmost base and imports it from
`django.contrib.auth.mixins`. Use `PermissionRequiredMixin` or `UserPassesTestMixin` when being
logged in is not enough.

## Fix safety
Unsafe: anonymous visitors are redirected to the login page after the fix, which breaks a view
that was meant to be public.

## References
- Django: [The `LoginRequiredMixin` mixin](https://docs.djangoproject.com/en/stable/topics/auth/default/#the-loginrequiredmixin-mixin), [Decorating the class](https://docs.djangoproject.com/en/stable/topics/class-based-views/intro/#decorating-the-class)
- OWASP: Broken Access Control (A01:2021); CWE-862 Missing Authorization
"#,
};

pub const MIXIN_ORDER: Rule = Rule {
    code: "DJS303",
    name: "access-mixin-order",
    family: Family::Access,
    severity: Severity::Error,
    fix: FixAvailability::Always,
    summary: "An access mixin is placed to the right of the view base and never runs.",
    django_checks: &[],
    peers: &["pycharm-security:DJG301"],
    docs: r#"
## What it does
Reports an access mixin (`LoginRequiredMixin`, `PermissionRequiredMixin`, `UserPassesTestMixin`
or one named like them) listed to the right of the view class it should protect:
`class Report(ListView, LoginRequiredMixin)`.

## Why is this bad?
Python looks methods up from left to right. `View.dispatch()` comes from the view base, which is
found first, and it does not call `super().dispatch()`: the mixin's `dispatch()`, which does the
check, never runs. The view looks protected and is open to everyone.

## Example
```python
class Report(ListView, LoginRequiredMixin):
    model = Report
```

Use instead:
```python
class Report(LoginRequiredMixin, ListView):
    model = Report
```

## Fix
The quick-fix moves the misplaced mixins to the left of the bases, keeping their order.

## Fix safety
Safe for Django's own mixins (`django.contrib.auth.mixins`): it makes the check that was written
run, and they define no other method a view would use. Unsafe for other mixins, whose other
methods now take precedence over the view's.

## References
- Django: [`AccessMixin`](https://docs.djangoproject.com/en/stable/topics/auth/default/#django.contrib.auth.mixins.AccessMixin) ("should be at the leftmost position in the inheritance list")
- CWE-862 Missing Authorization
"#,
};

pub const PERMISSION_MISSING: Rule = Rule {
    code: "DJS304",
    name: "permission-required-mixin-without-permission",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "`PermissionRequiredMixin` is used without `permission_required` or `has_permission()`.",
    django_checks: &[],
    peers: &["pycharm-security:DJG300"],
    docs: r#"
## What it does
Reports a view that uses Django's `PermissionRequiredMixin` but sets no `permission_required`
(or sets it to `None`) and does not override `get_permission_required()` or `has_permission()`,
here or in a base class — of the same module or of the project (djsec reads the project's mixins:
a `TeamPermissionRequiredMixin` that defines `has_permission()` gives the permission). A project
mixin named like one but not derived from Django's (`EventPermissionRequiredMixin` wrapping
`as_view()` in its own check) is not Django's mixin and is not reported. Classes with a base djsec
cannot see, and classes subclassed in the same module, are not reported.

## Why is this bad?
The mixin has no permission to check: Django raises `ImproperlyConfigured` on every request, so the
view is broken rather than protected, and the fix under time pressure is often to drop the mixin.
The intent was a permission check; write it down.

## Example
```python
class InvoiceDelete(PermissionRequiredMixin, DeleteView):
    model = Invoice
```

Use instead:
```python
class InvoiceDelete(PermissionRequiredMixin, DeleteView):
    model = Invoice
    permission_required = "billing.delete_invoice"
```

## Fix
Set `permission_required` to the permission(s) the view needs, or override `has_permission()`.

## Fix safety
No automatic fix: only you know which permission applies.

## References
- Django: [The `PermissionRequiredMixin` mixin](https://docs.djangoproject.com/en/stable/topics/auth/default/#the-permissionrequiredmixin-mixin)
- CWE-862 Missing Authorization
"#,
};

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    for class in &module.classes {
        if !class.is_view() {
            continue;
        }
        mixin_order(checker, class);
        permission_missing(checker, class);
        without_auth(checker, module, class);
    }
}

fn without_auth(checker: &mut PyChecker, module: &Module, class: &ClassInfo) {
    let env = &module.env;
    let t = class.traits;
    if t.drf
        || t.auth_view
        || t.unknown
        || class.subclassed
        || class.protection().is_some()
        || class.has_decorator(DecoratorKind::LoginNotRequired)
        || env.middleware_requires_login()
        || env.routed_with_auth(class.name)
        || env.public_reason(class.name).is_some()
        || env.unreachable(class.name)
    {
        return;
    }
    // A read-only view anyone can call is a public page: silent (the exposure rules look at
    // what it returns).
    let Some(writes) = class.writes() else {
        return;
    };
    let routed = env.is_routed(class.name);
    let (severity, message) = if !routed {
        (
            Severity::Info,
            format!(
                "`{}` changes data (it {writes}) and has no `LoginRequiredMixin`, permission mixin or decorated `dispatch`; djsec could not resolve the URLconf to tell whether a route reaches it",
                class.name
            ),
        )
    } else if let Some(middleware) = &module.auth_middleware {
        (
            Severity::Hint,
            format!(
                "`{}` changes data (it {writes}) and has no `LoginRequiredMixin`, permission mixin or decorated `dispatch`: only `{middleware}` (project middleware) may require a login for its route",
                class.name
            ),
        )
    } else if let Some(what) = exploitable(checker, class) {
        (
            Severity::Error,
            format!(
                "`{}` {what} and anyone can call it: no `LoginRequiredMixin`, permission mixin or decorated `dispatch`",
                class.name
            ),
        )
    } else if class.traits.writes_by_id && !mentions_identity(checker, class) {
        // Changes or deletes objects by their URL id, with an override djsec does not judge
        // (`get_queryset()`, `post()`...) and no mention of who calls it.
        (
            Severity::Warning,
            format!(
                "`{}` changes data (it {writes}: objects chosen by the id in its URL) and anyone can call it: no `LoginRequiredMixin`, permission mixin or decorated `dispatch`",
                class.name
            ),
        )
    } else {
        // Creating things or handling a form: what public forms do (sign-up, password
        // recovery, contact). Audit information.
        (
            Severity::Info,
            format!(
                "`{}` changes data (it {writes}) and anyone can call it: no `LoginRequiredMixin`, permission mixin or decorated `dispatch`; fine for a public form (sign-up, password recovery, contact), so check that it is meant to be public (audit note)",
                class.name
            ),
        )
    };
    let fix = add_mixin_fix(checker, class);
    checker.report(
        Finding::new(
            WITHOUT_AUTH.code,
            class.name_node.byte_range(),
            severity,
            message,
        )
        .with_fix(fix),
    );
}

/// A generic view that updates or deletes the object its URL names (`UpdateView`,
/// `DeleteView`), with none of the methods that could restrict which objects or who, and no
/// mention of the user, session or a secret: exploitable as shown.
/// Whether the class mentions the current user, the session or a secret: it acts for someone,
/// or checks something djsec does not classify.
fn mentions_identity(checker: &PyChecker, class: &ClassInfo) -> bool {
    let text = node::text(class.def, checker.source());
    let lower = text.to_ascii_lowercase();
    text.contains("request.user")
        || ["session", "token", "secret", "signature"]
            .iter()
            .any(|w| lower.contains(w))
}

fn exploitable(checker: &PyChecker, class: &ClassInfo) -> Option<String> {
    let t = class.traits;
    if !t.writes_by_id || t.overrides_lookup {
        return None;
    }
    if class.defines_any(&[
        "get_queryset",
        "get_object",
        "dispatch",
        "post",
        "form_valid",
        "delete",
        "test_func",
        "has_permission",
        "setup",
    ]) {
        return None;
    }
    if mentions_identity(checker, class) {
        return None;
    }
    let src = checker.source();
    let generic = class
        .bases
        .iter()
        .find(|b| b.traits.writes_by_id)
        .map_or("a generic editing view", |b| b.name.as_str());
    let model = class
        .attr("model")
        .map(|m| format!("`{}` objects", node::text(m, src)))
        .unwrap_or_else(|| "objects".to_string());
    Some(format!(
        "is a `{generic}`: it changes or deletes {model} chosen by the id in its URL"
    ))
}

/// Add `LoginRequiredMixin` as the leftmost base, with its import.
fn add_mixin_fix(checker: &PyChecker, class: &ClassInfo) -> Option<Fix> {
    let list = class.def.child_by_field_name("superclasses")?;
    if has_comment(list) {
        return None;
    }
    let (local, import) =
        checker.ensure_import("django.contrib.auth.mixins", "LoginRequiredMixin")?;
    let mut edits = vec![Edit::insert(list.start_byte() + 1, format!("{local}, "))];
    edits.extend(import);
    Some(Fix::unsafe_(
        "Add `LoginRequiredMixin` as the first base",
        edits,
    ))
}

fn mixin_order(checker: &mut PyChecker, class: &ClassInfo) {
    let Some(first_view) = class
        .bases
        .iter()
        .position(|b| b.traits.view && !b.traits.access_mixin)
    else {
        return;
    };
    let misplaced: Vec<usize> = class
        .bases
        .iter()
        .enumerate()
        .filter(|(i, b)| *i > first_view && b.traits.access_mixin && !b.traits.view)
        .map(|(i, _)| i)
        .collect();
    let (Some(&first), Some(view)) = (misplaced.first(), class.bases.get(first_view)) else {
        return;
    };
    let Some(mixin) = class.bases.get(first) else {
        return;
    };
    let names: Vec<String> = misplaced
        .iter()
        .filter_map(|i| class.bases.get(*i))
        .map(|b| format!("`{}`", b.name))
        .collect();
    let message = format!(
        "{} {} to the right of `{}`: its `dispatch()` runs first and the check never happens; put the mixin leftmost",
        names.join(", "),
        if names.len() == 1 { "is" } else { "are" },
        view.name
    );
    let fix = reorder_fix(checker, class, &misplaced);
    checker.report(
        Finding::new(
            MIXIN_ORDER.code,
            mixin.node.byte_range(),
            Severity::Error,
            message,
        )
        .with_fix(fix),
    );
}

/// Rewrite the base list with the misplaced mixins first.
fn reorder_fix(checker: &PyChecker, class: &ClassInfo, misplaced: &[usize]) -> Option<Fix> {
    let src = checker.source();
    let list = class.def.child_by_field_name("superclasses")?;
    if has_comment(list) {
        return None;
    }
    let mut cursor = list.walk();
    let args: Vec<Node> = list.named_children(&mut cursor).collect();
    // Positional bases are the first arguments; keywords (`metaclass=`) stay at the end.
    let positional: Vec<Node> = args
        .iter()
        .copied()
        .filter(|a| !matches!(a.kind(), "keyword_argument" | "dictionary_splat"))
        .collect();
    if positional.len() != class.bases.len() {
        return None;
    }
    let (first, last) = (positional.first()?, positional.last()?);
    let mut order: Vec<&str> = misplaced
        .iter()
        .filter_map(|i| positional.get(*i))
        .map(|n| node::text(*n, src))
        .collect();
    order.extend(
        positional
            .iter()
            .enumerate()
            .filter(|(i, _)| !misplaced.contains(i))
            .map(|(_, n)| node::text(*n, src)),
    );
    let edits = vec![Edit::replace(
        first.start_byte()..last.end_byte(),
        order.join(", "),
    )];
    let all_django = misplaced
        .iter()
        .filter_map(|i| class.bases.get(*i))
        .all(|b| {
            b.qualified
                .as_deref()
                .is_some_and(|q| q.starts_with("django.contrib.auth.mixins."))
        });
    let title = "Move the access mixin to the left of the view";
    Some(if all_django {
        Fix::safe(title, edits)
    } else {
        Fix::unsafe_(title, edits)
    })
}

fn permission_missing(checker: &mut PyChecker, class: &ClassInfo) {
    let t = class.traits;
    if !t.permission_mixin || t.unknown || class.subclassed {
        return;
    }
    let src = checker.source();
    let set = class
        .attr("permission_required")
        .is_some_and(|v| node::text(v, src) != "None");
    if set
        || t.permission_given
        || class.defines_any(&["get_permission_required", "has_permission"])
    {
        return;
    }
    // A project or third-party access mixin may set the permission itself.
    if class
        .bases
        .iter()
        .any(|b| b.traits.opaque && !b.name.ends_with("PermissionRequiredMixin"))
    {
        return;
    }
    let mixin = class
        .bases
        .iter()
        .find(|b| b.traits.permission_mixin)
        .map_or("PermissionRequiredMixin", |b| b.name.as_str());
    checker.report(Finding::new(
        PERMISSION_MISSING.code,
        class.name_node.byte_range(),
        Severity::Warning,
        format!(
            "`{}` uses `{mixin}` without `permission_required`: there is no permission to check and every request fails with `ImproperlyConfigured`",
            class.name
        ),
    ));
}

fn has_comment(list: Node) -> bool {
    let mut cursor = list.walk();
    list.named_children(&mut cursor)
        .any(|c| c.kind() == "comment")
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes_for, codes_of, route, with_env};
    use crate::analysis::testing::{assert_fix, fix_applicability};

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS302", "DJS303", "DJS304"])
    }

    const HEAD: &str = "from django.views.generic import ListView, DetailView, UpdateView, CreateView, DeleteView, TemplateView, View\nfrom django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin, UserPassesTestMixin\n";

    #[test]
    fn flags_unprotected_class_views() {
        let src = format!(
            "{HEAD}class Orders(ListView):\n    model = Order\n\nclass OrderEdit(UpdateView):\n    model = Order\n\nclass Api(View):\n    def post(self, request):\n        pass\n\nfrom django.views import generic\nclass Thing(generic.DeleteView):\n    model = Thing\n"
        );
        // Without the URLconf, djsec cannot tell whether a route reaches them: info.
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS302", 6, 7, "info"),
                ("DJS302", 9, 7, "info"),
                ("DJS302", 14, 7, "info"),
            ]
        );
        let found = with_env("shop/views.py", &src, |e| {
            e.urlconf_complete = true;
            route(e, "Orders", "orders/", &[]);
            route(e, "OrderEdit", "orders/<int:pk>/edit/", &[]);
            route(e, "Api", "api/", &[]);
        });
        // An `UpdateView` with nothing that restricts it: anyone edits any order; `Api` only
        // handles a form (an audit note); `Thing` is not routed (not a view); the read-only
        // list is a public page.
        assert_eq!(
            found,
            vec![("DJS302", 6, 7, "error"), ("DJS302", 9, 7, "info")]
        );
        // An `UpdateView` whose `get_queryset()` djsec does not judge, mentioning nobody: a
        // warning; one that scopes by `request.user`: an audit note.
        let src = format!(
            "{HEAD}class OrderEdit(UpdateView):\n    model = Order\n    def get_queryset(self):\n        return Order.objects.filter(open=True)\n\nclass MyOrderEdit(UpdateView):\n    model = Order\n    def get_queryset(self):\n        return Order.objects.filter(owner=self.request.user)\n"
        );
        let found = with_env("shop/views.py", &src, |e| {
            e.urlconf_complete = true;
            route(e, "OrderEdit", "orders/<int:pk>/edit/", &[]);
            route(e, "MyOrderEdit", "mine/<int:pk>/edit/", &[]);
        });
        assert_eq!(
            found,
            vec![("DJS302", 3, 7, "warning"), ("DJS302", 8, 7, "info")]
        );
    }

    #[test]
    fn read_only_class_views_are_silent() {
        let src = format!("{HEAD}class Orders(ListView):\n    model = Order\n");
        assert_eq!(codes_at(&src), vec![]);
        let found = with_env("shop/views.py", &src, |e| {
            route(e, "Orders", "orders/", &[])
        });
        assert_eq!(found, vec![]);
    }

    #[test]
    fn silent_on_protected_public_and_unknown_classes() {
        let src = format!(
            "{HEAD}from django.utils.decorators import method_decorator\nfrom django.contrib.auth.decorators import login_required\nfrom django.contrib.auth.views import LoginView\nfrom core.views import BaseDashboardView\nfrom braces.views import StaffuserRequiredMixin\n\
class A(LoginRequiredMixin, ListView):\n    model = A\n\
@method_decorator(login_required, name='dispatch')\nclass B(UpdateView):\n    model = B\n\
class C(UpdateView):\n    @method_decorator(login_required)\n    def dispatch(self, *a, **k):\n        return super().dispatch(*a, **k)\n\
class D(BaseDashboardView):\n    pass\n\
class E(StaffuserRequiredMixin, DeleteView):\n    model = E\n\
class Login(LoginView):\n    pass\n\
class SignUpView(CreateView):\n    model = User\n\
class HomeView(TemplateView):\n    template_name = 'home.html'\n\
class F(UserPassesTestMixin, UpdateView):\n    def test_func(self):\n        return self.get_object().owner == self.request.user\n\
class Base(LoginRequiredMixin, View):\n    pass\n\
class G(Base):\n    def post(self, request):\n        pass\n\
class H(View):\n    def get(self, request):\n        if not request.user.is_authenticated:\n            return redirect('login')\n\
class NotAView:\n    pass\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn decorator_on_get_only_leaves_post_open() {
        let src = format!(
            "{HEAD}from django.utils.decorators import method_decorator\nfrom django.contrib.auth.decorators import login_required\n@method_decorator(login_required, name='get')\nclass Edit(UpdateView):\n    model = X\n@method_decorator(login_required, name='get')\nclass Read(DetailView):\n    model = X\n"
        );
        assert_eq!(codes_at(&src), vec![("DJS302", 6, 7, "info")]);
    }

    #[test]
    fn middleware_and_urlconf_silence_class_views() {
        let src = format!("{HEAD}class Orders(UpdateView):\n    model = Order\n");
        assert_eq!(
            codes_for("shop/views.py", &src),
            vec![("DJS302", 3, 7, "info")]
        );
        let found = with_env("shop/views.py", &src, |e| {
            e.login_required_middleware = Some(true)
        });
        assert!(found.iter().all(|c| c.0 != "DJS302"), "{found:?}");
    }

    #[test]
    fn fix_adds_login_required_mixin_first() {
        let src = "from django.views.generic import UpdateView\n\nclass ProfileUpdate(UpdateView):\n    model = Profile\n";
        assert_eq!(fix_applicability(src, "DJS302"), vec!["unsafe"]);
        let fixed = assert_fix(src, "DJS302");
        assert_eq!(
            fixed,
            "from django.views.generic import UpdateView\nfrom django.contrib.auth.mixins import LoginRequiredMixin\n\nclass ProfileUpdate(LoginRequiredMixin, UpdateView):\n    model = Profile\n"
        );
    }

    #[test]
    fn flags_misplaced_mixins_with_error() {
        let src = format!(
            "{HEAD}class A(ListView, LoginRequiredMixin):\n    model = A\n\nclass B(UpdateView, LoginRequiredMixin, PermissionRequiredMixin):\n    permission_required = 'x.change_b'\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS303", 3, 19, "error"), ("DJS303", 6, 21, "error")]
        );
    }

    #[test]
    fn silent_when_mixin_order_is_right_or_inherited() {
        let src = format!(
            "{HEAD}from django.contrib.messages.views import SuccessMessageMixin\n\
class A(LoginRequiredMixin, ListView):\n    model = A\n\
class B(SuccessMessageMixin, LoginRequiredMixin, UpdateView):\n    model = B\n\
class Base(LoginRequiredMixin, ListView):\n    pass\n\
class C(Base, PermissionRequiredMixin):\n    permission_required = 'x.view_c'\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn fix_moves_mixins_left_safely_for_django_mixins() {
        let src = format!(
            "{HEAD}class B(UpdateView, LoginRequiredMixin, PermissionRequiredMixin, metaclass=Meta):\n    permission_required = 'x.change_b'\n"
        );
        assert_eq!(fix_applicability(&src, "DJS303"), vec!["safe"]);
        let fixed = assert_fix(&src, "DJS303");
        assert!(
            fixed.contains(
                "class B(LoginRequiredMixin, PermissionRequiredMixin, UpdateView, metaclass=Meta):"
            ),
            "{fixed}"
        );
        let third_party = "from django.views.generic import ListView\nfrom braces.views import StaffuserRequiredMixin\nclass S(ListView, StaffuserRequiredMixin):\n    pass\n";
        assert_eq!(fix_applicability(third_party, "DJS303"), vec!["unsafe"]);
        let fixed = assert_fix(third_party, "DJS303");
        assert!(
            fixed.contains("class S(StaffuserRequiredMixin, ListView):"),
            "{fixed}"
        );
    }

    #[test]
    fn flags_permission_mixin_without_permission() {
        let src = format!(
            "{HEAD}class A(PermissionRequiredMixin, DeleteView):\n    model = A\n\nclass B(PermissionRequiredMixin, DeleteView):\n    permission_required = None\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS304", 3, 7, "warning"), ("DJS304", 6, 7, "warning")]
        );
    }

    #[test]
    fn silent_when_permission_is_given_or_computed() {
        let src = format!(
            "{HEAD}from core.mixins import ProjectPermissionMixin\n\
class A(PermissionRequiredMixin, DeleteView):\n    permission_required = 'app.delete_a'\n\
class B(PermissionRequiredMixin, DeleteView):\n    def has_permission(self):\n        return self.request.user.is_staff\n\
class C(PermissionRequiredMixin, DeleteView):\n    def get_permission_required(self):\n        return ['app.delete_c']\n\
class Base(PermissionRequiredMixin, ListView):\n    pass\n\
class D(Base):\n    permission_required = 'app.view_d'\n\
class E(ProjectPermissionMixin, PermissionRequiredMixin, ListView):\n    pass\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }
}
