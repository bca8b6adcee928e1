//! DJS317 `unauthenticated-data-exposure`: a view anyone can call returns another user's object
//! (chosen by a value of the request) or lists every user's objects. DJS318
//! `server-internals-in-response`: a view puts `request.META`, the environment, the settings
//! or a traceback in its response.

use super::does::{Does, model_facts};
use super::views::{Access, ClassInfo, Module};
use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const DATA: Rule = Rule {
    code: "DJS317",
    name: "unauthenticated-data-exposure",
    family: Family::Access,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A view anyone can call returns a user's object chosen by the request, or lists every user's objects.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a view that has no authentication at all (no login decorator, access mixin, check of
the user, `urls.py` wrapper or `LoginRequiredMiddleware`; for DRF, `AllowAny` or an empty
`permission_classes`, set or by default) when it returns data that belongs to users:

- **error** when it returns one object chosen by a value of the request — `get_object_or_404(
  Invoice, pk=pk)`, `Profile.objects.get(user_id=request.GET["user_id"])`, a `DetailView` or a
  DRF `RetrieveAPIView` / `ReadOnlyModelViewSet` — and the object is a `User`, or a model with a
  field pointing at the user model (`owner = ForeignKey(User)`), with no scoping to the
  requester and no secret (a token, a signature) in the lookup;
- **warning** when it lists every object of such a model (`Invoice.objects.all()` in the
  response, a `ListView`, a DRF list endpoint);
- **info** (an audit note) when a function view returns a `User` chosen by the request while its
  code names no private field (`email`, `phone`, `address`, a token): a public profile page,
  common on forums and communities, is fine if it shows nothing private.

Public data is not reported: a catalogue of products, published posts, any model djsec cannot
see pointing at a user. With the URLconf resolved, only views a route reaches are reported; a
file analysed without its project is not (djsec needs the model's fields).

## Why is this bad?
An id in a URL is not a secret: ids are sequential, and URLs leak through browser history, logs
and referrers. A view that returns the object for any id to anyone publishes every user's
invoices, profiles or files: broken object-level authorization without even a login.

## Example
```python
def invoice_pdf(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    return FileResponse(invoice.pdf.open())
```

Use instead:
```python
@login_required
def invoice_pdf(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk, customer=request.user)
    return FileResponse(invoice.pdf.open())
```

## Fix
Require a login and scope the lookup to the user (`owner=request.user`, or
`request.user.invoices.get(...)`); for DRF, set `permission_classes` and override
`get_queryset()`. A link meant to be shared needs an unguessable secret in it (a signed token),
not an id.

## Fix safety
No automatic fix: who may see the object depends on the application.

## References
- OWASP: Broken Access Control (A01:2021); API1:2023 Broken Object Level Authorization; CWE-639, CWE-862
- Django: [Limiting access to logged-in users](https://docs.djangoproject.com/en/stable/topics/auth/default/#limiting-access-to-logged-in-users)
"#,
};

pub const INTERNALS: Rule = Rule {
    code: "DJS318",
    name: "server-internals-in-response",
    family: Family::Access,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A view puts `request.META`, the environment, the settings or a traceback in its response.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a view that puts server internals in its response: the whole `request.META`
(`dict(request.META)`, `{"meta": request.META}`), the whole environment (`os.environ`), every
setting (`vars(settings)`, `settings.__dict__`), or a traceback (`traceback.format_exc()`,
`sys.exc_info()`), as an argument of a response or of `render()`, directly or through a
variable.

- **error** when the view has no authentication at all and a route reaches it;
- **warning** when it only requires a login (any user may read it), or when djsec cannot tell
  whether a route reaches it.

Views that require staff or superuser status, or a model permission, are not reported; nor is
one value read from `request.META` (`request.META["REMOTE_ADDR"]`).

## Why is this bad?
`request.META` holds every header of the request — including the session cookie, which
JavaScript cannot read when it is `HttpOnly` — and, under some servers, the process environment
with its secrets. Settings and environment dumps give away `SECRET_KEY`, database passwords and
API keys; tracebacks give away code paths, file names and local values. Django's debug pages are
off in production for this reason.

## Example
```python
def debug_info(request):
    return JsonResponse({"meta": {k: str(v) for k, v in request.META.items()}, "env": dict(os.environ)})
```

Use instead: remove the endpoint, or restrict it to staff and return only what is needed.

```python
@staff_member_required
def debug_info(request):
    return JsonResponse({"remote_addr": request.META.get("REMOTE_ADDR")})
```

## Fix
Return only the values the client needs; log the rest on the server. Restrict diagnostic
endpoints to staff (`@staff_member_required`).

## Fix safety
No automatic fix.

## References
- OWASP: Security Misconfiguration (A05:2021); CWE-200 Exposure of Sensitive Information, CWE-209 Error Message Containing Sensitive Information, CWE-215
- Django: [Deployment checklist: DEBUG](https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#debug)
"#,
};

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    let env = &module.env;
    for view in &module.functions {
        if view.is_drf() || env.unreachable(view.name) {
            continue;
        }
        let access = view.access(checker, module);
        let does = Does::of(checker, view.def);
        let routed = env.is_routed(view.name);
        internals(checker, module, view.name, routed, &access, &does);
        if !access.is_open()
            || view.facts.auth_check
            || env.public_reason(view.name).is_some()
            || view.writes().is_some()
            || !routed
        {
            continue;
        }
        let private = mentions_private_field(node::text(view.def, checker.source()));
        data(checker, view.name, &does, private);
    }
    for class in module.class_views() {
        let t = class.traits;
        if t.unknown || class.subclassed || env.unreachable(class.name) {
            continue;
        }
        let access = class.access(checker, module);
        let routed = env.is_routed(class.name);
        let mut does = Does::default();
        for m in &class.methods {
            let d = Does::of(checker, m.def);
            if does.internals.is_none() {
                does.internals = d.internals;
            }
        }
        internals(checker, module, class.name, routed, &access, &does);
        if t.drf
            || !access.is_open()
            || class.protection().is_some()
            || env.public_reason(class.name).is_some()
            || class.writes().is_some()
            || !routed
        {
            continue;
        }
        class_data(checker, class);
    }
}

fn internals(
    checker: &mut PyChecker,
    module: &Module,
    name: &str,
    routed: bool,
    access: &Access,
    does: &Does,
) {
    let Some((what, range)) = &does.internals else {
        return;
    };
    let c = access.checks;
    if c.staff || c.superuser || c.permission || (access.unknown && !c.user()) {
        return;
    }
    let (severity, who) = if access.is_open() && routed && module.auth_middleware.is_none() {
        (Severity::Error, "anyone")
    } else if access.is_open() {
        (Severity::Warning, "anyone (if a route reaches it)")
    } else {
        (Severity::Warning, "any logged-in user")
    };
    checker.report(Finding::new(
        INTERNALS.code,
        range.clone(),
        severity,
        format!("`{name}` puts {what} in its response: {who} can read it"),
    ));
}

/// The owner fields of a model, or `["(the user model)"]` for the user model itself.
fn owned(checker: &PyChecker, model: &str) -> Option<String> {
    if super::does::is_user_model(model) {
        return Some(format!("`{model}` is the user model"));
    }
    let (class, _) = model_facts(checker, model)?;
    let field = class.owner_fields.first()?;
    Some(format!(
        "`{model}` objects belong to users (`{model}.{field}`)"
    ))
}

/// Whether a view's code names a field that is private to its user (an e-mail address, a phone
/// number, a postal address, a password, a token).
fn mentions_private_field(code: &str) -> bool {
    let lower = code.to_ascii_lowercase();
    [
        "email", "phone", "address", "password", "token", "birth", "ssn", "iban",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

fn data(checker: &mut PyChecker, name: &str, does: &Does, private: bool) {
    if does.mentions_identity {
        return;
    }
    if let Some(lookup) = does.unscoped_lookup()
        && let Some(model) = lookup.model.as_deref()
        && let Some(why) = owned(checker, model)
    {
        let shown = if does.serves_file {
            format!("serves a file of the `{model}` chosen by `{}`", lookup.key)
        } else {
            format!("returns the `{model}` chosen by `{}`", lookup.key)
        };
        // A user's public profile is what forums and communities show to anyone: an error when
        // the view names a private field, else an audit note (on real projects these were
        // profile cards and avatar redirects).
        let public_profile = super::does::is_user_model(model) && !private && !does.serves_file;
        let (severity, note) = if public_profile {
            (
                Severity::Info,
                " (it names no private field: a public profile page is fine if it shows nothing private; audit note)",
            )
        } else {
            (Severity::Error, "")
        };
        checker.report(Finding::new(
            DATA.code,
            lookup.call.clone(),
            severity,
            format!(
                "`{name}` {shown} to anyone, without authentication: {why}; require a login and scope the lookup to the user{note}"
            ),
        ));
        return;
    }
    if let Some((model, range)) = does.lists.first()
        && let Some(why) = owned(checker, model)
    {
        checker.report(Finding::new(
            DATA.code,
            range.clone(),
            Severity::Warning,
            format!("`{name}` lists every `{model}` to anyone, without authentication: {why}"),
        ));
    }
}

fn class_data(checker: &mut PyChecker, class: &ClassInfo) {
    let t = class.traits;
    if !t.view
        || t.overrides_lookup
        || class.defines_any(&["get_queryset", "get_object", "dispatch"])
    {
        return;
    }
    let src = checker.source();
    let model = match (class.attr("model"), class.attr("queryset")) {
        (Some(m), _) => node::text(m, src).to_string(),
        (None, Some(q)) => {
            let text = node::text(q, src);
            if text.contains("filter(") || text.contains("request") {
                return;
            }
            match text.split(".objects").next() {
                Some(m) if m.len() < text.len() => m.rsplit('.').next().unwrap_or(m).to_string(),
                _ => return,
            }
        }
        (None, None) => return,
    };
    let Some(why) = owned(checker, &model) else {
        return;
    };
    let lower = node::text(class.def, src).to_ascii_lowercase();
    if ["token", "secret", "signature", "session"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return;
    }
    let (severity, what) = if t.detail {
        (
            Severity::Error,
            format!("returns the `{model}` chosen by the id in its URL"),
        )
    } else {
        (Severity::Warning, format!("lists every `{model}`"))
    };
    checker.report(Finding::new(
        DATA.code,
        class.name_node.byte_range(),
        severity,
        format!(
            "`{}` {what} to anyone, without authentication: {why}",
            class.name
        ),
    ));
}

/// A DRF read-only view open to anyone (`AllowAny`, set or by default) over a model that
/// belongs to users: error when it retrieves one object by id, warning when it lists them.
pub fn drf_data(checker: &mut PyChecker, module: &Module, class: &ClassInfo, open: &str) {
    let t = class.traits;
    if module.env.unreachable(class.name)
        || module.env.public_reason(class.name).is_some()
        || t.overrides_lookup
        || class.defines_any(&["get_queryset", "get_object", "list", "retrieve"])
    {
        return;
    }
    let src = checker.source();
    let Some(queryset) = class.attr("queryset") else {
        return;
    };
    let text = node::text(queryset, src);
    if text.contains("filter(") || text.contains("request") {
        return;
    }
    let model = match text.split(".objects").next() {
        Some(m) if m.len() < text.len() => m.rsplit('.').next().unwrap_or(m).to_string(),
        _ => return,
    };
    let Some(why) = owned(checker, &model) else {
        return;
    };
    let (severity, what) = if t.detail {
        (
            Severity::Error,
            format!("returns any `{model}` by the id in its URL"),
        )
    } else {
        (Severity::Warning, format!("lists every `{model}`"))
    };
    checker.report(Finding::new(
        DATA.code,
        class.name_node.byte_range(),
        severity,
        format!(
            "`{}` {what} to anyone ({open}): {why}; set `permission_classes` and scope `get_queryset()` to the user",
            class.name
        ),
    ));
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{codes_at, project_codes_only};

    const MODELS: &str = "from django.conf import settings\nfrom django.db import models\n\nclass Invoice(models.Model):\n    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n    total = models.IntegerField()\n\nclass Product(models.Model):\n    name = models.CharField(max_length=20)\n";

    const URLS: &str = "from django.urls import path\nfrom billing import views\nurlpatterns = [\n    path('i/<int:pk>/', views.invoice),\n    path('i/<int:pk>/pdf/', views.invoice_pdf),\n    path('p/<int:pk>/', views.product),\n    path('all/', views.all_invoices),\n    path('debug/', views.debug),\n    path('mine/<int:pk>/', views.mine),\n    path('shared/<str:token>/', views.shared),\n    path('iv/<int:pk>/', views.InvoiceDetail.as_view()),\n    path('il/', views.InvoiceList.as_view()),\n    path('pd/<int:pk>/', views.ProductDetail.as_view()),\n    path('env/', views.env),\n]\n";

    const VIEWS: &str = "import os\nimport traceback\nfrom django.contrib.auth.decorators import login_required\nfrom django.contrib.admin.views.decorators import staff_member_required\nfrom django.http import FileResponse, JsonResponse, HttpResponse\nfrom django.shortcuts import get_object_or_404, render\nfrom django.views.generic import DetailView, ListView\nfrom .models import Invoice, Product\n\ndef invoice(request, pk):\n    return render(request, 'i.html', {'invoice': get_object_or_404(Invoice, pk=pk)})\n\ndef invoice_pdf(request, pk):\n    invoice = get_object_or_404(Invoice, pk=pk)\n    return FileResponse(invoice.pdf.open())\n\ndef product(request, pk):\n    return render(request, 'p.html', {'p': get_object_or_404(Product, pk=pk)})\n\ndef all_invoices(request):\n    return render(request, 'all.html', {'invoices': Invoice.objects.all()})\n\ndef debug(request):\n    data = dict(request.META)\n    return JsonResponse(data)\n\n@login_required\ndef mine(request, pk):\n    return render(request, 'i.html', {'invoice': get_object_or_404(Invoice, pk=pk, customer=request.user)})\n\ndef shared(request, token):\n    invoice = get_object_or_404(Invoice, share_token=token)\n    return render(request, 'i.html', {'invoice': invoice})\n\nclass InvoiceDetail(DetailView):\n    model = Invoice\n\nclass InvoiceList(ListView):\n    model = Invoice\n\nclass ProductDetail(DetailView):\n    model = Product\n\n@staff_member_required\ndef env(request):\n    return JsonResponse({'env': dict(os.environ), 'tb': traceback.format_exc()})\n";

    const SETTINGS: &str = "SECRET_KEY = 'x'\nROOT_URLCONF = 'mysite.urls'\n";

    fn run(views: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        let views: &'static str = Box::leak(views.to_string().into_boxed_str());
        project_codes_only(
            &[
                ("mysite/settings.py", SETTINGS),
                ("mysite/urls.py", URLS),
                ("billing/__init__.py", ""),
                ("billing/models.py", MODELS),
                ("billing/views.py", views),
            ],
            "billing/views.py",
            &["DJS317", "DJS318"],
        )
    }

    #[test]
    fn flags_user_data_and_internals_served_to_anyone() {
        assert_eq!(
            run(VIEWS),
            vec![
                ("DJS317", 11, 50, "error"),
                ("DJS317", 14, 15, "error"),
                ("DJS317", 21, 53, "warning"),
                ("DJS318", 24, 12, "error"),
                ("DJS317", 35, 7, "error"),
                ("DJS317", 38, 7, "warning"),
            ]
        );
    }

    #[test]
    fn public_profiles_are_audit_notes_private_fields_errors() {
        let urls = "from django.urls import path\nfrom billing import views\nurlpatterns = [\n    path('u/<int:pk>/', views.profile),\n    path('c/<int:pk>/', views.account_card),\n]\n";
        let views = "from django.contrib.auth.models import User\nfrom django.http import JsonResponse\nfrom django.shortcuts import get_object_or_404, render\n\ndef profile(request, pk):\n    return render(request, 'u.html', {'u': get_object_or_404(User, pk=pk)})\n\ndef account_card(request, pk):\n    return render(request, 'c.html', {'u': get_object_or_404(User, pk=pk), 'show_email': True})\n";
        let found = project_codes_only(
            &[
                ("mysite/settings.py", SETTINGS),
                ("mysite/urls.py", urls),
                ("billing/__init__.py", ""),
                ("billing/views.py", views),
            ],
            "billing/views.py",
            &["DJS317"],
        );
        assert_eq!(
            found,
            vec![("DJS317", 6, 44, "info"), ("DJS317", 9, 44, "error")]
        );
    }

    #[test]
    fn without_the_models_nothing_is_known_to_belong_to_users() {
        let found: Vec<_> = codes_at(VIEWS)
            .into_iter()
            .filter(|c| c.0 == "DJS317")
            .collect();
        assert_eq!(found, vec![]);
        // Internals need no models: a warning, djsec cannot tell whether a route reaches it.
        let internals: Vec<_> = codes_at(VIEWS)
            .into_iter()
            .filter(|c| c.0 == "DJS318")
            .collect();
        assert_eq!(internals, vec![("DJS318", 24, 12, "warning")]);
    }
}
