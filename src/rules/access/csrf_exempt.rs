//! DJS308 `csrf-exempt`: CSRF protection turned off for a view, in any of its forms.

use tree_sitter::Node;

use super::views::{self, Access, Decorator, DecoratorKind, Module, Scope, last_name};
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const RULE: Rule = Rule {
    code: "DJS308",
    name: "csrf-exempt",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "CSRF protection is turned off for a view with `csrf_exempt`.",
    django_checks: &[],
    peers: &[
        "semgrep:no-csrf-exempt",
        "sonar:S4502",
        "bearer:python_django_csrf_protection_disabled",
    ],
    docs: r#"
## What it does
Reports `csrf_exempt` in all its forms:

- `@csrf_exempt` on a function view;
- `@method_decorator(csrf_exempt, name="dispatch")` on a class-based view, or
  `@method_decorator(csrf_exempt)` on one of its methods;
- `csrf_exempt(view)` called directly, typically in `urls.py`
  (`path("hook/", csrf_exempt(views.hook))`).

How loud it is depends on what the view relies on and what it does:

- **error** when it relies on the session's user (a login decorator or access mixin, Django's,
  a library's, or a project decorator whose code requires a logged-in user; a check in its body
  that requires one; or it acts as the user: `owner=request.user`, `request.user.save()`) **and**
  it changes data (handles POST, calls `.save()`, `.delete()`, `send_mail()`..., takes uploaded
  files, is a generic editing view or defines `post()`);
- **warning** when it relies on the session's user but djsec sees no change of data (a forged
  request that only reads gets an answer the forging site cannot see; a change made through a
  helper is not seen), or when it changes data and reads the session (`request.user` to tell
  who is there, `request.session`) without requiring a login;
- **info** (audit notes) when a cross-site request cannot reach it without the site's CORS
  consent (a class that answers only PUT, PATCH or DELETE, a decorator that answers only
  requests with an `X-Requested-With` header), when it reads the session but changes nothing,
  for `csrf_exempt(...)` calls, whose view djsec does not see, and for views that change data but
  read no session (a forged request can do nothing its sender could not do directly; on real
  projects these are OAuth, webhook and token endpoints).

A login check that depends on configuration (`if not request.user.is_authenticated and
settings.LOGIN_BY_DEFAULT`) is not a requirement: such a view serves anonymous users too.

Views whose callers authenticate by a credential a browser does not attach by itself are not
reported: an `Authorization` or API-key header read in the view, or a **project decorator that
authenticates by a token, an API key or a signature from the request** (not the session), when
nothing reads `request.user`. Webhooks that verify a signature (`hmac.compare_digest`,
`constant_time_compare`, `stripe.Webhook.construct_event`, a `...-Signature` header) are not
reported: that is the reason CSRF exemption exists. DRF views are not reported either: DRF exempts
them itself and enforces CSRF in `SessionAuthentication`. Nor are views that enforce CSRF by hand
on the requests that need it (`enforce_csrf(request)`, `CsrfViewMiddleware(...).process_view(...)`),
SAML logout endpoints whose message the library verifies (`process_slo`), views that load the
session whose key the request carries (`SessionStore(request.POST["session"])`, a cross-domain
hand-off: the key is the credential), or OAuth callbacks
completed by python-social-auth's `do_complete`, which checks the `state` the provider sends
back against the session.

## Why is this bad?
Without the CSRF check, any web page a logged-in user visits can make their browser send a forged
POST to the view, with their cookies: change their email, transfer money, delete data.

## Example
```python
@csrf_exempt
@login_required
def update_email(request):
    request.user.email = request.POST["email"]
    request.user.save()
    return redirect("profile")
```

Use instead: drop `@csrf_exempt` and send the token (`{% csrf_token %}` in forms, the
`X-CSRFToken` header from JavaScript). For a webhook called by another server, keep the exemption
and verify the sender's signature:

```python
@csrf_exempt
@require_POST
def stripe_webhook(request):
    event = stripe.Webhook.construct_event(
        request.body, request.headers["Stripe-Signature"], settings.STRIPE_WEBHOOK_SECRET
    )
    ...
```

## Fix
The quick-fix removes a `@csrf_exempt` (or `@method_decorator(csrf_exempt, ...)`) decorator line.
Clients must then send the CSRF token.

## Fix safety
Unsafe: clients that do not send the token (JavaScript without the header, other servers) get
403 responses after the fix.

## References
- Django: [Cross Site Request Forgery protection](https://docs.djangoproject.com/en/stable/ref/csrf/), [`csrf_exempt`](https://docs.djangoproject.com/en/stable/ref/csrf/#django.views.decorators.csrf.csrf_exempt)
- OWASP: Cross-Site Request Forgery Prevention Cheat Sheet; CWE-352
"#,
};

const CSRF_EXEMPT: &str = "django.views.decorators.csrf.csrf_exempt";

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    for view in &module.functions {
        let decorator = view
            .decorators
            .iter()
            .find(|d| d.is_or_wraps(DecoratorKind::CsrfExempt));
        // `path("note/", csrf_exempt(views.save_note))`: judged here, where the view's code is.
        let in_urlconf = exempt_in_urlconf(module, view.name);
        let Some(site) = decorator
            .map(Site::Decorator)
            .or_else(|| in_urlconf.map(|route| Site::UrlConf(view.name_node, route)))
        else {
            continue;
        };
        if view.is_drf() || view.facts.signature_check || view.facts.csrf_check {
            continue;
        }
        let access = view.access(checker, module);
        let by_name = access.unknown && view.auth_decorator().is_some();
        let Some(reliance) = reliance(&access, &view.facts, by_name) else {
            continue;
        };
        let ajax_only = access.checks.custom_header
            || view.decorators.iter().any(|d| {
                d.known.as_ref().is_some_and(|k| k.checks.custom_header)
                    || d.wrapped
                        .iter()
                        .any(|(_, _, k)| k.as_ref().is_some_and(|k| k.checks.custom_header))
            });
        let reliance = match reliance {
            Reliance::Session(why) if ajax_only => Reliance::SessionHeader(why),
            other => other,
        };
        let effect = view.writes().or_else(|| {
            view.facts
                .reads_files
                .then(|| "takes uploaded files".to_string())
        });
        report(checker, &site, view.name, reliance, effect);
    }
    for class in module.class_views() {
        if class.traits.drf || class.facts().signature_check || class.facts().csrf_check {
            continue;
        }
        let decorator = class
            .decorators
            .iter()
            .chain(class.methods.iter().flat_map(|m| m.decorators.iter()))
            .find(|d| d.is_or_wraps(DecoratorKind::CsrfExempt));
        let in_urlconf = exempt_in_urlconf(module, class.name);
        let Some(site) = decorator
            .map(Site::Decorator)
            .or_else(|| in_urlconf.map(|route| Site::UrlConf(class.name_node, route)))
        else {
            continue;
        };
        let access = class.access(checker, module);
        // An access mixin or decorator known by its name only still says "logged in".
        let by_name = access.unknown
            && class
                .protection()
                .is_some_and(|p| p != views::CHECK_IN_METHODS);
        let Some(reliance) = reliance(&access, class.facts(), by_name) else {
            continue;
        };
        // Only `put()`, `patch()` or `delete()`: a cross-site form cannot send those, and a
        // cross-site `fetch()` of them needs a CORS preflight the site must allow.
        let answers = |m: &str| class.methods.iter().any(|method| method.name == m);
        // `dispatch()` overridden only to carry the decorator (`return super().dispatch(...)`)
        // answers what the handlers answer.
        let src = checker.source();
        let own_dispatch = class.methods.iter().any(|m| {
            m.name == "dispatch"
                && m.def.child_by_field_name("body").is_none_or(|body| {
                    body.named_child_count() != 1
                        || !node::text(body, src)
                            .trim_start()
                            .starts_with("return super().dispatch(")
                })
        });
        let unsafe_without_post = !class.traits.writes
            && !answers("post")
            && !own_dispatch
            && ["put", "patch", "delete"].iter().any(|m| answers(m));
        let reliance = match reliance {
            Reliance::Session(why) if unsafe_without_post => Reliance::SessionNoForm(why),
            Reliance::Session(why) if access.checks.custom_header => Reliance::SessionHeader(why),
            other => other,
        };
        let facts = class.facts();
        let effect = class.writes().or_else(|| {
            if facts.handles_unsafe_method {
                Some("handles POST requests".to_string())
            } else {
                facts
                    .reads_files
                    .then(|| "takes uploaded files".to_string())
            }
        });
        report(checker, &site, class.name, reliance, effect);
    }
    if module.scope == Scope::Units {
        exempt_calls(checker, module);
    }
}

/// What an exempted view relies on, from its protection and its body.
enum Reliance {
    /// The session's user: a forged request acts as them.
    Session(String),
    /// The session's user when the request carries no `Authorization` or API-key header, which
    /// the view reads first: an endpoint for clients that authenticate by token (a Git or API
    /// client), with the session as a fallback.
    SessionOrToken(String),
    /// The session's user, in a class that answers only PUT, PATCH or DELETE.
    SessionNoForm(String),
    /// The session's user, in a view that answers only requests with a header a cross-site
    /// form cannot set (`X-Requested-With`).
    SessionHeader(String),
    /// The session store only (`request.session[...]`), not who the user is.
    SessionStore,
    /// Nothing of the session.
    Nothing,
}

/// `None` when callers authenticate by a token or API key and nothing reads the session's user:
/// a browser does not attach such a credential to a forged cross-site request.
fn reliance(access: &Access, facts: &views::BodyFacts, by_name: bool) -> Option<Reliance> {
    let user = access.checks.user() || by_name || facts.reads_user;
    let token = access.checks.token || facts.token_auth;
    if token && !user {
        return None;
    }
    // The login is checked in the view's own code, next to the token: the session is the
    // fallback when no token comes (a login decorator or middleware requires it always).
    let fallback = token
        && access.middleware.is_none()
        && !access.by.is_empty()
        && access
            .by
            .iter()
            .all(|b| b == views::CHECK_IN_BODY || b == views::CHECK_IN_METHODS);
    let session = |why: String| {
        if fallback {
            Reliance::SessionOrToken(why)
        } else {
            Reliance::Session(why)
        }
    };
    Some(if access.checks.user() {
        match &access.middleware {
            Some(m) if access.by.is_empty() => session(format!("requires a login through {m}")),
            _ => session(format!(
                "requires a logged-in user: {}",
                access.by.join(", ")
            )),
        }
    } else if by_name {
        Reliance::Session("has a login decorator or access mixin".to_string())
    } else if facts.acts_as_user {
        Reliance::Session("acts as the logged-in user through `request.user`".to_string())
    } else if facts.uses_session {
        // Reads `request.user` (to tell who is there) or the session store, without requiring
        // a login or acting as the user: a forged request rides on the session, and what it can
        // do is not visible here.
        Reliance::SessionStore
    } else {
        Reliance::Nothing
    })
}

/// Where a view is exempted: a decorator on it, or a `csrf_exempt(...)` around it in the URLconf
/// (the view's name, and the route).
enum Site<'a, 't> {
    Decorator(&'a Decorator<'t>),
    UrlConf(Node<'t>, String),
}

/// The route of a view that the URLconf wraps in `csrf_exempt(...)`, when one does.
fn exempt_in_urlconf(module: &Module, view: &str) -> Option<String> {
    module
        .env
        .routes
        .get(view)?
        .iter()
        .find(|r| r.wrappers.iter().any(|w| w == "csrf_exempt"))
        .map(|r| r.route.clone())
}

fn report(
    checker: &mut PyChecker,
    site: &Site,
    view: &str,
    reliance: Reliance,
    writes: Option<String>,
) {
    let subject = match site {
        Site::Decorator(_) => format!("`{view}`"),
        Site::UrlConf(_, route) => {
            format!("`{view}` (wrapped in `csrf_exempt()` in the URLconf, route `{route}`)")
        }
    };
    let (severity, message) = match (reliance, writes) {
        (Reliance::Session(why) | Reliance::SessionOrToken(why), Some(what)) => (
            Severity::Error,
            format!(
                "{subject} is exempt from CSRF but relies on the session (it {why}) and changes data ({what}): any site can make a logged-in user's browser call it"
            ),
        ),
        // Exploitable as shown needs an effect: a forged request that only reads gets an answer
        // the forging site cannot see. djsec may miss a change made through a helper.
        (Reliance::Session(why), None) => (
            Severity::Warning,
            format!(
                "{subject} is exempt from CSRF but relies on the session (it {why}): any site can make a logged-in user's browser call it; djsec sees no change of data in it, so check that nothing it calls changes any"
            ),
        ),
        // Made for clients that send a token; a forged request falls back on the session, and
        // djsec sees it change nothing: audit information.
        (Reliance::SessionOrToken(why), None) => (
            Severity::Info,
            format!(
                "{subject} is exempt from CSRF for clients that authenticate by an `Authorization` or API-key header, and falls back on the session (it {why}): djsec sees no change of data in it, so a forged request gets an answer its site cannot read; check that nothing it calls changes data (audit note)"
            ),
        ),
        // A cross-site form cannot send these requests, and a cross-site `fetch()` of them
        // needs a CORS preflight the site must answer: audit information.
        (Reliance::SessionNoForm(why), _) => (
            Severity::Info,
            format!(
                "{subject} is exempt from CSRF but relies on the session (it {why}); it answers only PUT, PATCH or DELETE, which a cross-site form cannot send, so it is open only if the site allows cross-origin requests (CORS) with credentials (audit note)"
            ),
        ),
        (Reliance::SessionHeader(why), _) => (
            Severity::Info,
            format!(
                "{subject} is exempt from CSRF but relies on the session (it {why}); it answers only requests with an `X-Requested-With` header, which a cross-site form cannot set, so it is open only if the site allows cross-origin requests (CORS) with credentials (audit note)"
            ),
        ),
        (Reliance::SessionStore, Some(what)) => (
            Severity::Warning,
            format!(
                "{subject} is exempt from CSRF, changes data ({what}) and uses the session (`request.user` or `request.session`): any site can make a visitor's browser call it with their session"
            ),
        ),
        (Reliance::SessionStore, None) => (
            Severity::Info,
            format!(
                "{subject} is exempt from CSRF and reads the session (`request.user` or `request.session`) but djsec sees no change of data in it: check that a request forged by another site cannot do anything on the visitor's behalf (audit note)"
            ),
        ),
        // Without a session or cookie the view trusts, a forged cross-site request can do
        // nothing its sender could not do directly: audit information (OAuth, webhook and
        // token endpoints on real projects).
        (Reliance::Nothing, Some(reason)) => (
            Severity::Info,
            format!(
                "{subject} is exempt from CSRF and changes data ({reason}): fine when callers authenticate by token or signature, as it reads no session (audit note)"
            ),
        ),
        (Reliance::Nothing, None) => (
            Severity::Info,
            format!(
                "{subject} is exempt from CSRF: fine only if callers authenticate by token or signature"
            ),
        ),
    };
    let (range, fix) = match site {
        Site::Decorator(d) => (d.node.byte_range(), remove_decorator_fix(checker, d)),
        Site::UrlConf(name, _) => (name.byte_range(), None),
    };
    checker.report(Finding::new(RULE.code, range, severity, message).with_fix(fix));
}

/// Delete a `@csrf_exempt` line (or a `method_decorator` that wraps only `csrf_exempt`).
fn remove_decorator_fix(checker: &PyChecker, decorator: &Decorator) -> Option<Fix> {
    let only_csrf = decorator.kind == DecoratorKind::CsrfExempt
        || (decorator.wrapped.len() == 1
            && decorator
                .wrapped
                .iter()
                .all(|(k, ..)| *k == DecoratorKind::CsrfExempt));
    if !only_csrf {
        return None;
    }
    let src = checker.source();
    let start = node::line_start(src, decorator.node.start_byte());
    let end = src
        .get(decorator.node.end_byte()..)?
        .find('\n')
        .map_or(src.len(), |i| decorator.node.end_byte() + i + 1);
    let before = src.get(start..decorator.node.start_byte())?;
    let after = src.get(decorator.node.end_byte()..end)?;
    if !before.trim().is_empty() || !after.trim().is_empty() {
        return None;
    }
    Some(Fix::unsafe_(
        "Remove `csrf_exempt`",
        vec![Edit::delete(start..end)],
    ))
}

/// `csrf_exempt(view)` called directly (not as a decorator), e.g. in `urls.py`.
fn exempt_calls(checker: &mut PyChecker, module: &Module) {
    let src = checker.source();
    let calls = checker.model.index.calls.clone();
    for call in calls {
        let Some(function) = call.child_by_field_name("function") else {
            continue;
        };
        if checker.model.qualified_name(function).as_deref() != Some(CSRF_EXEMPT) {
            continue;
        }
        if call.parent().is_some_and(|p| p.kind() == "decorator") {
            continue;
        }
        let Some(target) = node::positional_args(call).first().copied() else {
            continue;
        };
        let view_name = view_name_of(target, src).unwrap_or_default();
        // Judged by the view's name alone: its body is in another module, or in another
        // definition of this one (unit-scoped checks do not look there).
        let (severity, message) = judge_call(&view_name, module);
        checker.report(Finding::new(
            RULE.code,
            call.byte_range(),
            severity,
            message,
        ));
    }
}

fn judge_call(view_name: &str, module: &Module) -> (Severity, String) {
    let shown = if view_name.is_empty() {
        "this view".to_string()
    } else {
        format!("`{view_name}`")
    };
    if !view_name.is_empty()
        && module.env.public.matching(view_name).is_some_and(|p| {
            matches!(
                p.as_str(),
                "webhook" | "webhooks" | "hook" | "callback" | "ipn"
            )
        })
    {
        return (
            Severity::Info,
            format!("{shown} is exempt from CSRF: make sure it verifies the caller's signature"),
        );
    }
    // The view's body is elsewhere: what it relies on is not seen here (on real projects these
    // wrap token endpoints, embeddable widgets and framework views that check CSRF themselves).
    (
        Severity::Info,
        format!(
            "{shown} is exempt from CSRF: any site can make a visitor's browser call it; keep the exemption only if it authenticates callers by token or signature (audit note: djsec does not see the view's code here)"
        ),
    )
}

/// The name of the view in `csrf_exempt(views.hook)` / `csrf_exempt(HookView.as_view())`.
fn view_name_of(target: Node, src: &str) -> Option<String> {
    let target = node::unparenthesize(target);
    if target.kind() == "call" {
        // `HookView.as_view()`
        let function = target.child_by_field_name("function")?;
        if node::callee_name(target, src) == Some("as_view") {
            let object = function.child_by_field_name("object")?;
            return last_name(object, src).map(str::to_string);
        }
        return None;
    }
    last_name(target, src).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes_for, codes_of};
    use crate::analysis::testing::{assert_fix, fix_applicability};

    const HEAD: &str = "from django.views.decorators.csrf import csrf_exempt\nfrom django.contrib.auth.decorators import login_required\nfrom django.utils.decorators import method_decorator\nfrom django.views import View\nfrom django.http import HttpResponse\n";

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS308"])
    }

    fn messages_of(src: &str) -> Vec<String> {
        crate::analysis::testing::findings(src)
            .into_iter()
            .filter(|f| f.code == "DJS308")
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn flags_decorator_forms_by_severity() {
        let src = format!(
            "{HEAD}@csrf_exempt\n@login_required\ndef update_email(request):\n    return HttpResponse()\n\
@csrf_exempt\ndef vote(request):\n    Vote.objects.create()\n    return HttpResponse()\n\
@csrf_exempt\ndef echo(request):\n    return HttpResponse('x')\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass Api(View):\n    def post(self, request):\n        request.user.profile.save()\n\
class Other(View):\n    @method_decorator(csrf_exempt)\n    def dispatch(self, *a, **k):\n        return super().dispatch(*a, **k)\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                // Requires a login but changes nothing djsec can see.
                ("DJS308", 6, 1, "warning"),
                ("DJS308", 10, 1, "info"),
                ("DJS308", 14, 1, "info"),
                ("DJS308", 17, 1, "error"),
                ("DJS308", 22, 5, "info"),
            ]
        );
    }

    #[test]
    fn session_views_behind_an_ajax_only_decorator_are_audit_notes() {
        let decorators = "import functools\nfrom django.http import Http404\n\ndef ajax_only(view):\n    @functools.wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if not request.headers.get('X-Requested-With') == 'XMLHttpRequest':\n            raise Http404\n        return view(request, *args, **kwargs)\n    return wrapper\n";
        let views = "from django.contrib.auth.decorators import login_required\nfrom django.views.decorators.csrf import csrf_exempt\nfrom core.decorators import ajax_only\n\n@csrf_exempt\n@login_required\n@ajax_only\ndef save(request):\n    Item.objects.create(owner=request.user)\n\n@csrf_exempt\n@login_required\ndef save_form(request):\n    Item.objects.create(owner=request.user)\n";
        let found = crate::analysis::testing::project_codes_only(
            &[
                ("core/__init__.py", ""),
                ("core/decorators.py", decorators),
                ("app/views.py", views),
            ],
            "app/views.py",
            &["DJS308"],
        );
        assert_eq!(
            found,
            vec![("DJS308", 5, 1, "info"), ("DJS308", 11, 1, "error")]
        );
    }

    #[test]
    fn session_views_that_answer_no_form_method_are_audit_notes() {
        let src = "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.utils.decorators import method_decorator\nfrom django.views import View\nfrom django.views.decorators.csrf import csrf_exempt\n\n@method_decorator(csrf_exempt, name='dispatch')\nclass TalkUpdate(LoginRequiredMixin, View):\n    @csrf_exempt\n    def dispatch(self, request, *args, **kwargs):\n        return super().dispatch(request, *args, **kwargs)\n\n    def patch(self, request, pk):\n        Talk.objects.filter(pk=pk).update(room=request.body)\n\n    def delete(self, request, pk):\n        Talk.objects.filter(pk=pk).delete()\n\n@method_decorator(csrf_exempt, name='dispatch')\nclass TalkList(LoginRequiredMixin, View):\n    def post(self, request):\n        Talk.objects.create(room=request.body)\n";
        let found = codes_for("app/views.py", src);
        assert_eq!(
            found,
            vec![("DJS308", 6, 1, "info"), ("DJS308", 18, 1, "error")]
        );
    }

    #[test]
    fn flags_csrf_exempt_calls_in_urls() {
        let src = "from django.urls import path\nfrom django.views.decorators.csrf import csrf_exempt\nfrom . import views\nurlpatterns = [\n    path('api/', csrf_exempt(views.api)),\n    path('hook/', csrf_exempt(views.github_webhook)),\n    path('cbv/', csrf_exempt(views.Thing.as_view())),\n]\n";
        assert_eq!(
            codes_for("app/urls.py", src),
            vec![
                ("DJS308", 5, 18, "info"),
                ("DJS308", 6, 19, "info"),
                ("DJS308", 7, 18, "info"),
            ]
        );
    }

    #[test]
    fn silent_on_signed_webhooks_drf_and_look_alikes() {
        let src = format!(
            "{HEAD}import hmac\nfrom rest_framework.decorators import api_view\nfrom rest_framework.views import APIView\n\
@csrf_exempt\ndef github(request):\n    sig = request.headers.get('X-Hub-Signature-256')\n    if not hmac.compare_digest(sig, expected(request.body)):\n        return HttpResponse(status=403)\n    Event.objects.create()\n    return HttpResponse()\n\
@csrf_exempt\n@api_view(['POST'])\ndef api(request):\n    pass\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass Api(APIView):\n    def post(self, request):\n        pass\n\
def csrf_exempt_local(f):\n    return f\n\
@csrf_protect\ndef ok(request):\n    return HttpResponse()\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn silent_on_views_that_enforce_csrf_or_take_tokens() {
        let src = format!(
            "{HEAD}from django.middleware.csrf import CsrfViewMiddleware\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass Consent(View):\n    def post(self, request):\n        if 'grant' not in request.POST:\n            failed = verify_csrf_token(request)\n            if failed:\n                return failed\n        request.user.grants.create()\n\
@csrf_exempt\n@login_required\ndef checkout(request):\n    problem = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {{}})\n    request.user.orders.create()\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass Register(View):\n    def post(self, request):\n        key = request.headers.get('Authorization', '')\n        if not Key.objects.filter(value=key).exists():\n            return HttpResponse(status=401)\n        Client.objects.create()\n\
@csrf_exempt\ndef slo(request):\n    was_in = request.user.is_authenticated\n    url = saml_auth(request).process_slo(keep_local_session=not was_in)\n    return HttpResponse(url)\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn tokens_and_token_helpers_do_not_hide_session_views() {
        // A login decorator, or a view reading the session, still relies on the cookie; reading
        // the CSRF token is not checking it.
        let src = format!(
            "{HEAD}from django.middleware.csrf import get_token\n\
@csrf_exempt\n@login_required\ndef a(request):\n    key = request.META.get('HTTP_AUTHORIZATION')\n    return HttpResponse(key)\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass B(View):\n    def post(self, request):\n        key = request.headers.get('X-Api-Key')\n        request.session['key'] = key\n\
@csrf_exempt\ndef c(request):\n    request.user.save()\n    return HttpResponse(get_token(request))\n"
        );
        // `B` authenticates by an API key and only uses the session as a store: a forged request
        // carries no key.
        assert_eq!(
            codes_at(&src),
            vec![("DJS308", 7, 1, "warning"), ("DJS308", 17, 1, "error")]
        );
    }

    #[test]
    fn project_decorators_tell_session_from_token() {
        let src = format!(
            "{HEAD}from functools import wraps\nfrom django.conf import settings\nfrom django.shortcuts import redirect\n\
def api_key_required(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if request.headers.get('X-Api-Key') != settings.API_KEY:\n            return HttpResponse(status=401)\n        return view(request, *args, **kwargs)\n    return wrapper\n\
def member_required(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if not request.user.is_authenticated:\n            return redirect('login')\n        return view(request, *args, **kwargs)\n    return wrapper\n\
@csrf_exempt\n@api_key_required\ndef push(request):\n    Event.objects.create()\n    return HttpResponse()\n\
@csrf_exempt\n@member_required\ndef vote(request):\n    Vote.objects.create()\n    return HttpResponse()\n\
@csrf_exempt\ndef store(request):\n    request.session['step'] = 2\n    return HttpResponse()\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS308", 28, 1, "error"), ("DJS308", 33, 1, "info")]
        );
        let messages = messages_of(&src);
        assert!(
            messages[0].contains("`@member_required` (line 16)"),
            "{messages:?}"
        );
    }

    #[test]
    fn token_clients_with_a_session_fallback_are_audit_notes_without_a_change() {
        // Seen in Weblate's Git export: HTTP Basic for Git clients, the session's user when the
        // header is absent. A forged request changes nothing djsec sees: audit note; with a
        // change it is exploitable through the fallback.
        let src = format!(
            "{HEAD}@csrf_exempt
def git_export(request, path):
    auth = request.headers.get('authorization', '')
    if auth and not check_basic(request, auth):
        return HttpResponse(status=401)
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return serve(path)
@csrf_exempt
def git_push(request, path):
    auth = request.headers.get('authorization', '')
    if auth and not check_basic(request, auth):
        return HttpResponse(status=401)
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    Repo.objects.filter(path=path).delete()
    return HttpResponse()
"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS308", 6, 1, "info"), ("DJS308", 14, 1, "error")]
        );
        let messages = messages_of(&src);
        assert!(
            messages[0].contains("falls back on the session"),
            "{messages:?}"
        );
    }

    #[test]
    fn severity_follows_what_the_view_changes() {
        // Relying on the session is an error only with a change djsec sees; reading the
        // session is a warning with one and an audit note without. Storing a value from the
        // request into the session plants it in the visitor's session (`remember`); storing a
        // value the server made reads nothing of it (`scratch`, as pretix's PayPal webhook
        // keeps the order id there).
        let src = format!(
            "{HEAD}@csrf_exempt\n@login_required\ndef export(request):\n    return HttpResponse(request.user.email)\n\
@csrf_exempt\n@login_required\ndef rename(request):\n    request.user.first_name = request.POST['name']\n    request.user.save()\n    return HttpResponse()\n\
@csrf_exempt\ndef remember(request):\n    request.session['step'] = request.POST['step']\n    Step.objects.create()\n    return HttpResponse()\n\
@csrf_exempt\ndef peek(request):\n    return HttpResponse(request.session.get('step'))\n\
@csrf_exempt\ndef scratch(request):\n    payment = Payment.objects.get(ref=request.body)\n    request.session['order'] = payment.order_id\n    payment.save()\n    return HttpResponse()\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS308", 6, 1, "warning"),
                ("DJS308", 10, 1, "error"),
                ("DJS308", 16, 1, "warning"),
                ("DJS308", 21, 1, "info"),
                ("DJS308", 24, 1, "info"),
            ]
        );
        let messages = messages_of(&src);
        assert!(
            messages[0].contains("sees no change of data"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("changes data (calls `.save()`)"),
            "{messages:?}"
        );
        assert!(messages[3].contains("audit note"), "{messages:?}");
    }

    #[test]
    fn uploads_and_post_branches_are_changes() {
        // Seen in askbot (an AJAX upload stored through a helper) and django-allauth (a class
        // whose helper method branches on `request.method == "POST"`).
        let src = format!(
            "{HEAD}@csrf_exempt\ndef upload(request):\n    if request.user.is_anonymous:\n        raise PermissionDenied\n    url = store_file(request.FILES['file'])\n    return HttpResponse(url)\n\
@method_decorator(login_required, name='dispatch')\n@method_decorator(csrf_exempt, name='dispatch')\nclass Confirm(View):\n    def get(self, request):\n        return self._confirm(request)\n    def _confirm(self, request):\n        if request.method == 'POST':\n            confirm_code(request.user, request.POST['code'])\n        return HttpResponse()\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS308", 6, 1, "error"), ("DJS308", 13, 1, "error")]
        );
    }

    #[test]
    fn a_login_check_that_depends_on_configuration_is_not_a_requirement() {
        // `not is_authenticated and SETTING`: the view admits anonymous users unless the site
        // is configured otherwise; it still reads the session, and changes data.
        let src = format!(
            "{HEAD}from django.conf import settings\nfrom django.shortcuts import redirect\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass Embedded(View):\n    def dispatch(self, request, *args, **kwargs):\n        if not request.user.is_authenticated and settings.LOGIN_BY_DEFAULT:\n            return redirect('login')\n        return super().dispatch(request, *args, **kwargs)\n    def post(self, request):\n        Ticket.objects.create(title=request.POST['title'])\n        return HttpResponse()\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass Always(View):\n    def dispatch(self, request, *args, **kwargs):\n        if not request.user.is_authenticated and request.method == 'POST':\n            return redirect('login')\n        return super().dispatch(request, *args, **kwargs)\n    def post(self, request):\n        Ticket.objects.create(title=request.POST['title'])\n        return HttpResponse()\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS308", 8, 1, "warning"), ("DJS308", 17, 1, "error")]
        );
    }

    #[test]
    fn silent_on_views_authenticated_by_a_session_key_in_the_body() {
        // Seen in pretix and pretalx: a cross-domain session hand-off loads the session whose
        // key the POST carries; a view storing a value in the visitor's own session is still
        // reported.
        let src = format!(
            "{HEAD}from django.contrib.sessions.backends.db import SessionStore\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass EventAuth(View):\n    def post(self, request):\n        store = SessionStore(request.POST.get('session'))\n        data = store.load()\n        request.session['access'] = data.get('parent')\n        return HttpResponse()\n\
@method_decorator(csrf_exempt, name='dispatch')\nclass Remember(View):\n    def post(self, request):\n        store = SessionStore()\n        request.session['access'] = request.POST['parent']\n        return HttpResponse()\n"
        );
        assert_eq!(codes_at(&src), vec![("DJS308", 14, 1, "warning")]);
    }

    #[test]
    fn silent_on_oauth_callbacks_that_check_the_state() {
        // python-social-auth's `do_complete` checks the callback's `state` against the session;
        // a callback that does not is still reported.
        let src = format!(
            "{HEAD}from social_core.actions import do_complete\n\
@csrf_exempt\ndef complete(request, backend):\n    return do_complete(request.backend, do_login, user=request.user, request=request)\n\
@csrf_exempt\ndef my_complete(request, backend):\n    request.user.social.create(uid=request.GET['uid'])\n    return HttpResponse()\n"
        );
        assert_eq!(codes_at(&src), vec![("DJS308", 10, 1, "error")]);
    }

    #[test]
    fn fix_removes_the_decorator_line() {
        let src = format!(
            "{HEAD}@csrf_exempt\n@login_required\ndef update_email(request):\n    return HttpResponse()\n"
        );
        assert_eq!(fix_applicability(&src, "DJS308"), vec!["unsafe"]);
        let fixed = assert_fix(&src, "DJS308");
        assert!(
            fixed.ends_with(
                "\n@login_required\ndef update_email(request):\n    return HttpResponse()\n"
            ),
            "{fixed}"
        );
        let class = format!(
            "{HEAD}@method_decorator(csrf_exempt, name='dispatch')\nclass Api(View):\n    def post(self, request):\n        request.user.save()\n"
        );
        let fixed = assert_fix(&class, "DJS308");
        assert!(
            fixed.ends_with(
                "\nclass Api(View):\n    def post(self, request):\n        request.user.save()\n"
            ),
            "{fixed}"
        );
        // Neither `csrf_exempt` nor `method_decorator` is used any more: their imports go.
        assert!(
            !fixed.contains("csrf_exempt") && !fixed.contains("method_decorator"),
            "{fixed}"
        );
    }
}
