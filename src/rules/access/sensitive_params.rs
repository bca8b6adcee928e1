//! DJS312 `missing-sensitive-post-parameters`: a view that receives passwords without
//! `@sensitive_post_parameters`.

use std::sync::LazyLock;

use super::public::PublicViews;
use super::views::{self, ClassInfo, DecoratorKind, FunctionView, Module};
use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "DJS312",
    name: "missing-sensitive-post-parameters",
    family: Family::Access,
    severity: Severity::Hint,
    fix: FixAvailability::Sometimes,
    summary: "A view that receives a password is not decorated with `sensitive_post_parameters`.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
A hint on views that receive credentials in a POST — a login, signup, registration or password
view by name, or a view that reads POST data and mentions a password — and are not decorated with
`@sensitive_post_parameters` (directly, through `method_decorator`, or on `dispatch`). Django's
own `LoginView`, `PasswordChangeView` and `PasswordResetConfirmView` already are, and DRF views are
not concerned (their JSON bodies are not in `request.POST`).

## Why is this bad?
When a view raises an exception, Django's error reports (the `AdminEmailHandler` email, Sentry
and similar integrations that use the exception reporter filter) include the POST data. Without
the decorator, the user's password is sent in clear text to everyone who receives error reports.

## Example
```python
def signup(request):
    form = SignupForm(request.POST or None)
    ...
```

Use instead:
```python
from django.views.decorators.debug import sensitive_post_parameters

@sensitive_post_parameters("password1", "password2")
def signup(request):
    form = SignupForm(request.POST or None)
    ...
```

## Fix
The quick-fix adds `@sensitive_post_parameters()` (which hides every POST parameter) as the
outermost decorator of a function view, or
`@method_decorator(sensitive_post_parameters(), name="dispatch")` on a class-based view, with the
imports. Name the sensitive fields to keep the others visible in reports.

## Fix safety
Safe: it only changes what error reports show.

## References
- Django: [Filtering error reports](https://docs.djangoproject.com/en/stable/howto/error-reporting/#filtering-error-reports), [`sensitive_post_parameters`](https://docs.djangoproject.com/en/stable/howto/error-reporting/#django.views.decorators.debug.sensitive_post_parameters)
- CWE-532 Insertion of Sensitive Information into Log File
"#,
};

/// View names that receive credentials.
static CREDENTIAL_NAMES: LazyLock<PublicViews> = LazyLock::new(|| {
    PublicViews::new([
        "login",
        "log in",
        "signin",
        "sign in",
        "signup",
        "sign up",
        "register",
        "registration",
        "password change",
        "change password",
        "set password",
        "password set",
        "password confirm",
        "reset confirm",
        "reauthenticate",
    ])
});

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    let names = &*CREDENTIAL_NAMES;
    for view in &module.functions {
        if (view.facts.reads_post || view.facts.handles_unsafe_method)
            && receives_credentials(names, view.name, &view.facts)
            && !view.is_drf()
            && !view.has(DecoratorKind::SensitivePostParameters)
        {
            let fix = function_fix(checker, view);
            report(checker, view.name_node, view.name, fix);
        }
    }
    for class in module.class_views() {
        let t = class.traits;
        if t.drf || t.auth_view || t.unknown || class.writes().is_none() {
            continue;
        }
        if receives_credentials(names, class.name, class.facts())
            && !class.has_decorator(DecoratorKind::SensitivePostParameters)
        {
            let fix = class_fix(checker, class);
            report(checker, class.name_node, class.name, fix);
        }
    }
}

/// A view that handles POST receives credentials when its name says so or it mentions a
/// password.
fn receives_credentials(names: &PublicViews, name: &str, facts: &views::BodyFacts) -> bool {
    names.is_public(name) || facts.mentions_password
}

fn report(checker: &mut PyChecker, at: tree_sitter::Node, name: &str, fix: Option<Fix>) {
    checker.report(
        Finding::new(
            RULE.code,
            at.byte_range(),
            Severity::Hint,
            format!(
                "`{name}` receives credentials but has no `@sensitive_post_parameters`: error reports would show the password"
            ),
        )
        .with_fix(fix),
    );
}

fn function_fix(checker: &PyChecker, view: &FunctionView) -> Option<Fix> {
    let src = checker.source();
    if !views::starts_line(src, view.def) {
        return None;
    }
    let (local, import) =
        checker.ensure_import("django.views.decorators.debug", "sensitive_post_parameters")?;
    let mut edits = vec![views::add_decorator_edit(
        src,
        view.def,
        &format!("{local}()"),
    )];
    edits.extend(import);
    Some(Fix::safe("Add `@sensitive_post_parameters()`", edits))
}

fn class_fix(checker: &PyChecker, class: &ClassInfo) -> Option<Fix> {
    let src = checker.source();
    if !views::starts_line(src, class.def) {
        return None;
    }
    let (spp, import1) =
        checker.ensure_import("django.views.decorators.debug", "sensitive_post_parameters")?;
    let (md, import2) = checker.ensure_import("django.utils.decorators", "method_decorator")?;
    let mut edits = vec![views::add_decorator_edit(
        src,
        class.def,
        &format!("{md}({spp}(), name=\"dispatch\")"),
    )];
    edits.extend(import1);
    edits.extend(import2);
    Some(Fix::safe(
        "Add `@method_decorator(sensitive_post_parameters(), name=\"dispatch\")`",
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::codes_of;
    use crate::analysis::testing::{assert_fix, fix_applicability};

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS312"])
    }

    #[test]
    fn flags_credential_views() {
        let src = "from django.shortcuts import render\nfrom django.views.generic import FormView\n\
def login_view(request):\n    form = LoginForm(request.POST or None)\n    return render(request, 'l.html')\n\
def settings_page(request):\n    if request.method == 'POST':\n        request.user.set_password(request.POST['new_password'])\n    return render(request, 's.html')\n\
class SignupView(FormView):\n    form_class = SignupForm\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS312", 3, 5, "hint"),
                ("DJS312", 6, 5, "hint"),
                ("DJS312", 10, 7, "hint")
            ]
        );
    }

    #[test]
    fn silent_when_decorated_or_not_receiving_credentials() {
        let src = "from django.shortcuts import render\nfrom django.views.decorators.debug import sensitive_post_parameters\nfrom django.utils.decorators import method_decorator\nfrom django.views.generic import FormView, TemplateView\nfrom django.contrib.auth.views import LoginView\n\
@sensitive_post_parameters('password')\ndef login_view(request):\n    form = LoginForm(request.POST or None)\n    return render(request, 'l.html')\n\
def login_page(request):\n    return render(request, 'login.html')\n\
def comment(request):\n    Comment.objects.create(text=request.POST['text'])\n    return render(request, 'c.html')\n\
@method_decorator(sensitive_post_parameters(), name='dispatch')\nclass SignupView(FormView):\n    form_class = SignupForm\n\
class MyLogin(LoginView):\n    template_name = 'x.html'\n\
class PasswordHelp(TemplateView):\n    template_name = 'help.html'\n\
class PasswordReset(FormView):\n    template_name = 'registration/password_reset_form.html'\n    email_template_name = 'password_reset_email.html'\n";
        assert_eq!(codes_at(src), vec![]);
    }

    #[test]
    fn fixes_add_the_decorator_safely() {
        let src = "from django.shortcuts import render\n\ndef login_view(request):\n    form = LoginForm(request.POST or None)\n    return render(request, 'l.html')\n";
        assert_eq!(fix_applicability(src, "DJS312"), vec!["safe"]);
        let fixed = assert_fix(src, "DJS312");
        assert_eq!(
            fixed,
            "from django.shortcuts import render\nfrom django.views.decorators.debug import sensitive_post_parameters\n\n@sensitive_post_parameters()\ndef login_view(request):\n    form = LoginForm(request.POST or None)\n    return render(request, 'l.html')\n"
        );
        let class = "from django.views.generic import FormView\n\nclass SignupView(FormView):\n    form_class = SignupForm\n";
        let fixed = assert_fix(class, "DJS312");
        assert_eq!(
            fixed,
            "from django.views.generic import FormView\nfrom django.views.decorators.debug import sensitive_post_parameters\nfrom django.utils.decorators import method_decorator\n\n@method_decorator(sensitive_post_parameters(), name=\"dispatch\")\nclass SignupView(FormView):\n    form_class = SignupForm\n"
        );
    }
}
