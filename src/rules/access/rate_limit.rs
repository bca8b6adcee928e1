//! DJS319 `login-without-rate-limit`: login, password-reset and signup views in a project with
//! no rate limiting at all; DRF token authentication without throttling.

use super::views::{DecoratorKind, Module, Scope};
use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::project::facts::access::drf_authentication_is_session;
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const RULE: Rule = Rule {
    code: "DJS319",
    name: "login-without-rate-limit",
    family: Family::Access,
    severity: Severity::Hint,
    fix: FixAvailability::None,
    summary: "A login, password-reset or signup view in a project that limits no request rate.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
A hint, when djsec knows the project's production settings and nothing in the project limits
request rates — no django-axes, django-defender or django-ratelimit (in `INSTALLED_APPS`,
`MIDDLEWARE`, `AUTHENTICATION_BACKENDS`, or imported anywhere), no DRF
`DEFAULT_THROTTLE_CLASSES` — on:

- each view that logs users in, resets passwords or signs users up: it calls `authenticate()` or
  `login()`, uses `AuthenticationForm`, `PasswordResetForm`, `UserCreationForm` (or a form named
  like a login or signup form), derives from Django's `LoginView` or `PasswordResetView`, or its
  name or route says so (`login`, `password reset`, `signup`, `register`), and has no
  `@ratelimit` of its own;
- the `REST_FRAMEWORK` setting of a production settings module whose default authentication
  takes tokens (`TokenAuthentication`, JWT, basic) and that sets no `DEFAULT_THROTTLE_CLASSES`.

Audit information: the limit may live in a reverse proxy or a web application firewall, which
djsec cannot see.

## Why is this bad?
Without a limit, anyone can try passwords against an account as fast as the server answers
(credential stuffing, brute force), flood users with password-reset mail, or create accounts in
bulk.

## Example
```python
def login_view(request):
    user = authenticate(request, username=request.POST["u"], password=request.POST["p"])
    ...
```

Use instead:
```python
from django_ratelimit.decorators import ratelimit

@ratelimit(key="ip", rate="5/m", method="POST", block=True)
def login_view(request):
    ...
```

or install django-axes, which locks out repeated failures for every login view.

## Fix
Add django-axes (`axes` in `INSTALLED_APPS`, its middleware and backend) or django-ratelimit's
`@ratelimit` on these views; for DRF, set `DEFAULT_THROTTLE_CLASSES` and rates.

## Fix safety
No automatic fix: rates depend on the application.

## References
- OWASP: Authentication Cheat Sheet (login throttling), Blocking Brute Force Attacks; CWE-307 Improper Restriction of Excessive Authentication Attempts
- [django-axes](https://django-axes.readthedocs.io/), [django-ratelimit](https://django-ratelimit.readthedocs.io/), DRF: [Throttling](https://www.django-rest-framework.org/api-guide/throttling/)
"#,
};

/// Phrases of login, reset and signup views (whole words of names and routes).
const PHRASES: &[&str] = &[
    "login",
    "log in",
    "signin",
    "sign in",
    "password reset",
    "reset password",
    "forgot password",
    "signup",
    "sign up",
    "register",
];

/// Forms of login, reset and signup flows.
const FORMS: &[&str] = &[
    "AuthenticationForm",
    "PasswordResetForm",
    "UserCreationForm",
    "LoginForm",
    "SignupForm",
    "SignUpForm",
    "RegistrationForm",
];

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    if module.scope == Scope::Classes {
        drf_settings(checker, module);
    }
    if module.env.rate_limited != Some(false) {
        return;
    }
    let phrases = super::public::PublicViews::new(PHRASES.iter().copied());
    let src = checker.source();
    for view in &module.functions {
        if module.env.unreachable(view.name) || view.has(DecoratorKind::RateLimit) || view.is_drf()
        {
            continue;
        }
        let text = node::text(view.def, src);
        let by_code = view.facts.logs_in || FORMS.iter().any(|f| text.contains(f));
        let by_name = phrases.matching(view.name).is_some()
            || module
                .env
                .routes
                .get(view.name)
                .into_iter()
                .flatten()
                .any(|r| phrases.matching(&r.route).is_some());
        if by_code || by_name {
            report(checker, view.name_node, view.name);
        }
    }
    for class in module.class_views() {
        if module.env.unreachable(class.name)
            || class.has_decorator(DecoratorKind::RateLimit)
            || class.traits.unknown
            || class.subclassed
        {
            continue;
        }
        let text = node::text(class.def, src);
        let flow = class.bases.iter().any(|b| {
            b.qualified.as_deref().is_some_and(|q| {
                q.starts_with("django.contrib.auth.views.")
                    && (q.ends_with("LoginView") || q.ends_with("PasswordResetView"))
            })
        });
        if flow
            || FORMS.iter().any(|f| text.contains(f))
            || (class.traits.view && phrases.matching(class.name).is_some())
        {
            report(checker, class.name_node, class.name);
        }
    }
}

fn report(checker: &mut PyChecker, name_node: tree_sitter::Node, name: &str) {
    checker.report(Finding::new(
        RULE.code,
        name_node.byte_range(),
        Severity::Hint,
        format!(
            "`{name}` logs users in, resets passwords or signs users up, and nothing in the project limits request rates (no django-axes, django-ratelimit or DRF throttling): anyone can try passwords or send mail as fast as the server answers"
        ),
    ));
}

/// `REST_FRAMEWORK = {...}` in this (production) settings module, with token authentication by
/// default and no throttling anywhere in the production settings.
fn drf_settings(checker: &mut PyChecker, module: &Module) {
    let env = &module.env;
    if env.drf_throttled != Some(false) {
        return;
    }
    let token = env
        .drf_default_authentication
        .as_ref()
        .is_some_and(|classes| {
            classes.iter().any(|c| {
                let last = c.rsplit('.').next().unwrap_or(c);
                drf_authentication_is_session(c) == Some(false)
                    && ["Token", "JWT", "Knox", "OAuth2"]
                        .iter()
                        .any(|w| last.contains(w))
            })
        });
    if !token {
        return;
    }
    let Some(assignment) = super::drf_settings::rest_framework_assignment(checker) else {
        return;
    };
    checker.report(Finding::new(
        RULE.code,
        assignment.byte_range(),
        Severity::Hint,
        "DRF authenticates API clients by token here and no `DEFAULT_THROTTLE_CLASSES` is set: anyone can try tokens or passwords as fast as the server answers".to_string(),
    ));
}
