//! DJS309 `unscoped-object-lookup`: an authenticated view fetches an object by a URL id without
//! scoping it to the user (an IDOR hint).

use tree_sitter::Node;

use super::views::{Access, ClassInfo, DecoratorKind, FunctionView, Module};
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Level, node};

pub const RULE: Rule = Rule {
    code: "DJS309",
    name: "unscoped-object-lookup",
    family: Family::Access,
    severity: Severity::Hint,
    fix: FixAvailability::None,
    summary: "An authenticated view fetches an object by a URL id without scoping it to the user.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
A hint on views that require a login but then fetch one object by an id taken from the URL or
the request, without tying it to the user:

- in a function view: `get_object_or_404(Model, pk=pk)`, `Model.objects.get(id=...)`,
  `Model.objects.filter(pk=...)`, when no other lookup and no part of the query mentions the
  user (`owner=request.user`, `request.user.orders.get(...)`) and the view compares nothing with
  `request.user`, checks no object permission and raises no `PermissionDenied`;
- in a `DetailView`, `UpdateView` or `DeleteView` protected by `LoginRequiredMixin` or
  `PermissionRequiredMixin` (or a decorated `dispatch`): `model = X` or an unscoped
  `queryset = X.objects...`, with no `get_queryset()` or `get_object()` override.

Views with `UserPassesTestMixin` (whose `test_func` can check the object) are not reported, nor
views that require a model permission (`@permission_required("billing.delete_invoice")`,
`PermissionRequiredMixin`), staff or superuser status, or an object-level check: there, which
objects a user may reach is what the permission model says, not an oversight. Unauthenticated
views are left to DJS301/DJS302 and DJS317; DRF viewsets to DJS307.

## Why is this bad?
Authentication says who the user is; it does not say which objects they may see or change. When
the object is looked up by the id in the URL alone, any logged-in user can change the id and read
or modify someone else's object: an insecure direct object reference (IDOR), OWASP's most common
access-control flaw.

## Example
```python
@login_required
def invoice(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    return render(request, "invoice.html", {"invoice": invoice})
```

Use instead:
```python
@login_required
def invoice(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk, customer=request.user)
    return render(request, "invoice.html", {"invoice": invoice})
```

For class-based views, override `get_queryset()`:

```python
class InvoiceDetail(LoginRequiredMixin, DetailView):
    def get_queryset(self):
        return Invoice.objects.filter(customer=self.request.user)
```

## Fix
Scope the lookup to the user (a filter on the owner, or the user's related manager), or check
object-level permission after fetching (`request.user.has_perm("app.view_invoice", invoice)`,
django-guardian, `UserPassesTestMixin.test_func`). Objects that are public on purpose need none
of this: suppress the hint.

## Fix safety
No automatic fix: the ownership field depends on your models.

## References
- Django: [`get_queryset()`](https://docs.djangoproject.com/en/stable/ref/class-based-views/mixins-single-object/#django.views.generic.detail.SingleObjectMixin.get_queryset), [Object permissions](https://docs.djangoproject.com/en/stable/topics/auth/customizing/#handling-object-permissions)
- OWASP: Insecure Direct Object Reference Prevention Cheat Sheet; API1:2023 Broken Object Level Authorization; CWE-639
"#,
};

/// Words that tie a query to the current user or tenant.
const SCOPING_WORDS: &[&str] = &[
    "user",
    "owner",
    "author",
    "member",
    "team",
    "org",
    "account",
    "customer",
    "tenant",
    "company",
    "created_by",
    "profile",
];

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    for view in &module.functions {
        if authenticated_function(module, view)
            && !view.facts.object_check
            && !by_permission(&view.access(checker, module))
        {
            function_lookups(checker, view);
        }
    }
    for class in module.class_views() {
        class_lookup(checker, module, class);
    }
}

/// A view that requires a model permission, staff or superuser status, or checks objects:
/// whether any such user may reach any object is what that permission model says, not an
/// oversight of object scoping.
fn by_permission(access: &Access) -> bool {
    let c = access.checks;
    c.permission || c.staff || c.superuser || c.object
}

fn authenticated_function(module: &Module, view: &FunctionView) -> bool {
    let env = &module.env;
    view.auth_decorator().is_some()
        || view.facts.auth_check
        || env.routed_with_auth(view.name)
        || (env.middleware_requires_login() && !view.has(DecoratorKind::LoginNotRequired))
}

fn function_lookups(checker: &mut PyChecker, view: &FunctionView) {
    let src = checker.source();
    // Only the calls inside the view (a slice of the sorted index, not every call of the module
    // for every view: that was quadratic in the module's size).
    // The enclosing function comes from the index's scopes (a binary search), not from walking
    // up with `Node::parent`, which tree-sitter starts from the root each time.
    let index = &checker.model.index;
    let calls: Vec<Node> = index
        .calls_in(view.def)
        .iter()
        .copied()
        .filter(|c| {
            node::contains(view.def, *c)
                && index
                    .enclosing_function(*c)
                    .is_some_and(|f| f.id() == view.def.id())
        })
        .collect();
    for call in calls {
        let Some(name) = node::callee_name(call, src) else {
            continue;
        };
        let scope_text = match name {
            "get_object_or_404" | "get_list_or_404" => node::positional_args(call)
                .first()
                .map_or("", |m| node::text(*m, src)),
            "get" | "filter" => {
                let Some(receiver) = node::call_receiver(call) else {
                    continue;
                };
                let text = node::text(receiver, src);
                if !text.contains("objects") {
                    continue;
                }
                text
            }
            _ => continue,
        };
        if scoped_query(scope_text) {
            continue;
        }
        let Some(args) = call.child_by_field_name("arguments") else {
            continue;
        };
        let mut cursor = args.walk();
        let keywords: Vec<Node> = args
            .named_children(&mut cursor)
            .filter(|a| a.kind() == "keyword_argument")
            .collect();
        let mut id_lookup = None;
        let mut scoped = false;
        for kw in keywords {
            let (Some(key), Some(value)) = (
                kw.child_by_field_name("name"),
                kw.child_by_field_name("value"),
            ) else {
                continue;
            };
            let key_text = node::text(key, src);
            if mentions_scope(key_text) || mentions_scope(node::text(value, src)) {
                scoped = true;
            } else if is_id_lookup(key_text) && checker.model.flow(value).level == Level::Request {
                id_lookup = Some(key_text);
            }
        }
        let Some(key) = id_lookup.filter(|_| !scoped) else {
            continue;
        };
        checker.report(Finding::new(
            RULE.code,
            call.byte_range(),
            Severity::Hint,
            format!(
                "`{name}()` looks up an object by `{key}` from the request without scoping it to the user: any logged-in user can reach any object by changing the id"
            ),
        ));
    }
}

fn class_lookup(checker: &mut PyChecker, module: &Module, class: &ClassInfo) {
    let t = class.traits;
    if !t.detail || t.drf || t.test_mixin || t.unknown || class.subclassed {
        return;
    }
    let authenticated = class.protection().is_some()
        || module.env.routed_with_auth(class.name)
        || (module.env.middleware_requires_login()
            && !class.has_decorator(DecoratorKind::LoginNotRequired));
    if !authenticated || class.facts().object_check || by_permission(&class.access(checker, module))
    {
        return;
    }
    if class.defines_any(&["get_queryset", "get_object"]) {
        return;
    }
    let src = checker.source();
    let (source, model) = match (class.attr("queryset"), class.attr("model")) {
        (Some(q), _) => {
            let text = node::text(q, src);
            if scoped_query(text) {
                return;
            }
            let model = text
                .split(".objects")
                .next()
                .filter(|m| m.len() < text.len())
                .map(|m| m.rsplit('.').next().unwrap_or(m).to_string());
            (format!("`queryset = {text}`"), model)
        }
        (None, Some(m)) => {
            let text = node::text(m, src);
            (format!("`model = {text}`"), Some(text.to_string()))
        }
        (None, None) => return,
    };
    let fix = model.and_then(|m| scope_fix(checker, class, &m));
    checker.report(
        Finding::new(
            RULE.code,
            class.name_node.byte_range(),
            Severity::Hint,
            format!(
                "`{}` fetches its object by the URL id from {source} without scoping it to the user: any logged-in user can reach any object; override `get_queryset()`",
                class.name
            ),
        )
        .with_fix(fix),
    );
}

/// Add a `get_queryset()` that keeps the objects whose owner field (a foreign key to the user
/// model, from the model's facts) is the requester.
fn scope_fix(checker: &PyChecker, class: &ClassInfo, model: &str) -> Option<Fix> {
    let (facts, _) = super::does::model_facts(checker, model)?;
    let field = facts.owner_fields.first()?;
    let src = checker.source();
    let body = class.def.child_by_field_name("body")?;
    let first = body.named_child(0)?;
    if first.start_position().row == class.def.start_position().row {
        return None;
    }
    let indent = node::line_indent(src, first.start_byte());
    let end = body.end_byte();
    // After the last statement of the body, on a line of its own.
    let at = src[end..].find('\n').map_or(src.len(), |i| end + i + 1);
    let newline = if at == src.len() && !src.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    let method = format!(
        "{newline}\n{indent}def get_queryset(self):\n{indent}{indent}return super().get_queryset().filter({field}=self.request.user)\n"
    );
    Some(Fix::unsafe_(
        format!("Scope `get_queryset()` to `self.request.user` (`{field}`)"),
        vec![Edit::insert(at, method)],
    ))
}

fn is_id_lookup(key: &str) -> bool {
    matches!(key, "pk" | "id" | "uuid")
        || key.ends_with("_id")
        || key.ends_with("_pk")
        || key.ends_with("_uuid")
        || key.ends_with("__pk")
        || key.ends_with("__id")
}

/// Whether a queryset expression is tied to the user: the user's related manager
/// (`request.user.orders`), or a filter after `.objects` that mentions the user or tenant. The
/// model name itself does not count (`Account.objects` is not scoped).
fn scoped_query(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with("request") || t.starts_with("self.request") {
        return true;
    }
    match t.find(".objects") {
        Some(i) => mentions_scope(t.get(i + ".objects".len()..).unwrap_or("")),
        None => t.contains('.') && mentions_scope(t),
    }
}

fn mentions_scope(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    SCOPING_WORDS.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes_of, with_env};

    const HEAD: &str = "from django.shortcuts import get_object_or_404, render\nfrom django.contrib.auth.decorators import login_required\nfrom django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin, UserPassesTestMixin\nfrom django.views.generic import DetailView, UpdateView, DeleteView, ListView\n";

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS309"])
    }

    #[test]
    fn flags_unscoped_lookups_in_authenticated_views() {
        let src = format!(
            "{HEAD}@login_required\ndef invoice(request, pk):\n    obj = get_object_or_404(Invoice, pk=pk)\n    return render(request, 'i.html', {{'o': obj}})\n\
@login_required\ndef order(request):\n    o = Order.objects.get(id=request.GET['id'])\n    Order.objects.filter(order_id=request.POST['o']).delete()\n    return render(request, 'o.html')\n\
class InvoiceDetail(LoginRequiredMixin, DetailView):\n    model = Invoice\n\
class InvoiceEdit(LoginRequiredMixin, UpdateView):\n    queryset = Invoice.objects.all()\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS309", 7, 11, "hint"),
                ("DJS309", 11, 9, "hint"),
                ("DJS309", 12, 5, "hint"),
                ("DJS309", 14, 7, "hint"),
                ("DJS309", 16, 7, "hint"),
            ]
        );
    }

    #[test]
    fn silent_when_a_model_permission_or_staff_is_required() {
        let src = format!(
            "{HEAD}from django.contrib.admin.views.decorators import staff_member_required\nfrom django.contrib.auth.decorators import permission_required\n\
@permission_required('billing.delete_invoice')\ndef delete_invoice(request, pk):\n    get_object_or_404(Invoice, pk=pk).delete()\n    return render(request, 'd.html')\n\
@staff_member_required\ndef invoice(request, pk):\n    return render(request, 'i.html', {{'o': get_object_or_404(Invoice, pk=pk)}})\n\
class InvoiceEdit(PermissionRequiredMixin, UpdateView):\n    permission_required = 'billing.change_invoice'\n    queryset = Invoice.objects.all()\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn silent_when_scoped_checked_or_public() {
        let src = format!(
            "{HEAD}from django.core.exceptions import PermissionDenied\n\
@login_required\ndef a(request, pk):\n    return render(request, 'a', {{'o': get_object_or_404(Invoice, pk=pk, owner=request.user)}})\n\
@login_required\ndef b(request, pk):\n    o = request.user.invoices.get(pk=pk)\n    p = Invoice.objects.filter(customer=request.user).get(pk=pk)\n    return render(request, 'b')\n\
@login_required\ndef c(request, pk):\n    o = get_object_or_404(Invoice, pk=pk)\n    if o.owner != request.user:\n        raise PermissionDenied\n    return render(request, 'c')\n\
def public(request, pk):\n    return render(request, 'p', {{'o': get_object_or_404(Post, pk=pk)}})\n\
@login_required\ndef d(request):\n    return render(request, 'd', {{'o': Thing.objects.get(pk=1)}})\n\
class E(LoginRequiredMixin, DetailView):\n    def get_queryset(self):\n        return Invoice.objects.filter(owner=self.request.user)\n\
class F(UserPassesTestMixin, UpdateView):\n    model = Invoice\n    def test_func(self):\n        return True\n\
class G(DetailView):\n    model = Post\n\
class H(LoginRequiredMixin, ListView):\n    model = Invoice\n\
class I(LoginRequiredMixin, DetailView):\n    queryset = Invoice.objects.filter(team__members=1)\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn fix_scopes_get_queryset_to_the_owner_field() {
        let src = "from django.conf import settings\nfrom django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.db import models\nfrom django.views.generic import DetailView\n\nclass Invoice(models.Model):\n    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n\nclass InvoiceDetail(LoginRequiredMixin, DetailView):\n    model = Invoice\n    template_name = 'invoice.html'\n\nclass Other(LoginRequiredMixin, DetailView):\n    model = Unknown\n";
        assert_eq!(
            crate::analysis::testing::fix_applicability(src, "DJS309"),
            vec!["unsafe", "none"]
        );
        let fixed = crate::analysis::testing::assert_fix(src, "DJS309");
        assert!(
            fixed.contains("    template_name = 'invoice.html'\n\n    def get_queryset(self):\n        return super().get_queryset().filter(customer=self.request.user)\n\nclass Other"),
            "{fixed}"
        );
    }

    #[test]
    fn middleware_makes_views_authenticated() {
        let src = "from django.shortcuts import get_object_or_404, render\ndef invoice(request, pk):\n    return render(request, 'i', {'o': get_object_or_404(Invoice, pk=pk)})\n";
        let found = with_env("billing/views.py", src, |e| {
            e.login_required_middleware = Some(true)
        });
        assert_eq!(found, vec![("DJS309", 3, 39, "hint")]);
    }
}
