//! DJS701 `unvalidated-password` and DJS702 `empty-password`: passwords set from the request
//! without Django's password validation, and passwords that default to the empty string.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Level, SinkKind, node};
use crate::syntax::python::{Field, Fields};

pub const UNVALIDATED_PASSWORD: Rule = Rule {
    code: "DJS701",
    name: "unvalidated-password",
    family: Family::Auth,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A password from the request is set without Django's password validation.",
    django_checks: &[],
    peers: &["semgrep:unvalidated-password"],
    docs: r#"
## What it does
Reports `user.set_password(password)`, `User.objects.create_user(..., password)` and
`create_superuser(...)` when the password comes straight from the request (`request.POST`,
`request.data`, a JSON body, ...; followed through local variables and the project's helpers)
and the function never calls `validate_password()`.

Not reported: passwords from a form's `cleaned_data` or a serializer's `validated_data` (Django's
password forms — `UserCreationForm`, `SetPasswordForm`, `PasswordChangeForm` — validate them,
and a project form is where validation belongs), functions that call `validate_password()`,
passwords of unknown origin (a management command's argument).

A warning: a weak password is not an exploit by itself, but it is how accounts are taken over.

## Why is this bad?
`AUTH_PASSWORD_VALIDATORS` (minimum length, common passwords, similarity to the user's name)
only run where the code asks for them: Django's forms do, `set_password()` does not. An API or
a hand-written view that sets the password directly accepts `1234`.

## Example
```python
def register(request):
    user = User.objects.create_user(request.POST["username"])
    user.set_password(request.POST["password"])
    user.save()
```

Use instead:
```python
from django.contrib.auth.password_validation import validate_password

def register(request):
    user = User(username=request.POST["username"])
    password = request.POST["password"]
    validate_password(password, user)  # raises ValidationError
    user.set_password(password)
    user.save()
```

## Fix
When the password is a name, the quick-fix inserts `validate_password(password, user)` (or
`validate_password(password)` before `create_user()`) on the line before, and imports it.

## Fix safety
Unsafe: `validate_password()` raises `ValidationError`, which the view must turn into an error
message (or a 400 response).

## References
- Django: [Password validation](https://docs.djangoproject.com/en/stable/topics/auth/passwords/#password-validation), [`validate_password`](https://docs.djangoproject.com/en/stable/topics/auth/passwords/#django.contrib.auth.password_validation.validate_password)
- OWASP: Authentication Cheat Sheet (password strength); CWE-521
"#,
};

pub const EMPTY_PASSWORD: Rule = Rule {
    code: "DJS702",
    name: "empty-password",
    family: Family::Auth,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "A password is set to, or defaults to, the empty string.",
    django_checks: &[],
    peers: &[
        "semgrep:password-empty-string",
        "semgrep:use-none-for-password-default",
    ],
    docs: r#"
## What it does
Reports `set_password("")` (also through a name assigned `""`), and a password with an
empty-string default — read from the request (`request.POST.get("password", "")`) or a
parameter (`def create_user(self, email, password="")`) — that reaches `set_password()`,
`create_user()` or `create_superuser()`. When the function passes the password to
`validate_password()` first, an empty default is an audit note (info): the password validators
reject `""` when `AUTH_PASSWORD_VALIDATORS` has a minimum length, which DJS436 checks in the
settings.

## Why is this bad?
`set_password("")` stores a valid hash of the empty string: the account then has a *usable*
empty password, and any code path that calls `authenticate()` or `check_password()` with an
empty password logs in as that user. A request that omits the field creates such an account.
`None` instead makes the password unusable, which is what a missing password should mean.

## Example
```python
def set_pw(request):
    password = request.POST.get("password", "")
    request.user.set_password(password)
```

Use instead:
```python
def set_pw(request):
    password = request.POST.get("password", None)
    request.user.set_password(password)  # None: an unusable password
```

## Fix
`.get("password", "")` → `.get("password", None)`, `password=""` → `password=None`;
`set_password("")` → `set_unusable_password()`.

## Fix safety
Unsafe: an account whose password was empty can no longer log in with an empty password (that
is the point).

## References
- Django: [`set_password`](https://docs.djangoproject.com/en/stable/ref/contrib/auth/#django.contrib.auth.models.User.set_password), [`set_unusable_password`](https://docs.djangoproject.com/en/stable/ref/contrib/auth/#django.contrib.auth.models.User.set_unusable_password)
- CWE-258, CWE-521
"#,
};

/// Calls that set a password, and where the password is: `(method, position, keyword)`.
const SETTERS: &[(&str, usize, &str)] = &[
    ("set_password", 0, "raw_password"),
    ("create_user", 2, "password"),
    ("create_superuser", 2, "password"),
];

pub fn check(checker: &mut PyChecker) {
    let src = checker.source();
    let calls = checker.model.index.call_sites.clone();
    let mut validated: Vec<(usize, bool)> = Vec::new();
    let mut defaults: Vec<usize> = Vec::new();
    for site in calls {
        let Some(name) = site.name else {
            continue;
        };
        let Some((_, position, keyword)) = SETTERS.iter().find(|(m, _, _)| *m == name) else {
            continue;
        };
        // `UserModel().set_password(password)`: a throwaway instance, hashed to spend time
        // (Django's own defence against user enumeration), never saved.
        if site
            .receiver
            .is_none_or(|r| node::unparenthesize(r).kind() == "call")
        {
            continue;
        }
        let call = site.node;
        let Some(password) = node::positional_args(call)
            .get(*position)
            .copied()
            .or_else(|| node::keyword_arg(call, keyword, src))
        else {
            continue;
        };
        let password = node::unparenthesize(password);
        // `set_password("")`, also through a name assigned `""`.
        if name == "set_password" && empty_literal(checker, password) {
            let fix = site
                .function
                .and_then(|f| f.field(Field::Attribute))
                .map(|attr| {
                    Fix::unsafe_(
                        "Make the password unusable instead",
                        vec![
                            Edit::replace(attr.byte_range(), "set_unusable_password"),
                            Edit::delete(password.byte_range()),
                        ],
                    )
                });
            checker.report(
                Finding::new(
                    EMPTY_PASSWORD.code,
                    call.byte_range(),
                    EMPTY_PASSWORD.severity,
                    "`set_password(\"\")` stores a usable empty password: anyone can log in with an empty password; use `set_unusable_password()`",
                )
                .with_fix(fix),
            );
            continue;
        }
        if let Some(get) = empty_default(checker, password, 0)
            && !defaults.contains(&get.start_byte())
        {
            defaults.push(get.start_byte());
            let validated = validates_before(checker, password, call);
            empty_default_finding(checker, get, call, validated);
        }
        if let Some(default) = empty_parameter_default(checker, password)
            && !defaults.contains(&default.start_byte())
        {
            defaults.push(default.start_byte());
            let message = format!(
                "the password parameter defaults to the empty string and reaches `{}`: a caller that omits it sets a usable empty password; default to `None`",
                super::call_label(checker, call)
            );
            let fix = Fix::unsafe_(
                "Default to None (an unusable password)",
                vec![Edit::replace(default.byte_range(), "None")],
            );
            checker.report(
                Finding::new(
                    EMPTY_PASSWORD.code,
                    default.byte_range(),
                    EMPTY_PASSWORD.severity,
                    message,
                )
                .with_fix(Some(fix)),
            );
        }
        let flow = checker.model.flow_for(password, SinkKind::Code);
        if flow.level != Level::Request {
            continue;
        }
        // Forms and serializers validate (or are where validation belongs).
        if flow
            .source
            .as_deref()
            .is_some_and(|s| s.ends_with(".cleaned_data") || s.ends_with(".validated_data"))
        {
            continue;
        }
        let function = checker.model.index.enclosing_function(call);
        let key = function.map_or(0, |f| f.start_byte());
        let checked = match validated.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => *v,
            None => {
                let v = function.is_some_and(|f| calls_validate_password(checker, f));
                validated.push((key, v));
                v
            }
        };
        if checked {
            continue;
        }
        let label = super::call_label(checker, call);
        let steps = super::steps(checker, password, SinkKind::Code, call, label.clone());
        let path = if steps.is_empty() {
            String::new()
        } else {
            format!(" ({})", crate::rules::injection::describe_path(&steps))
        };
        let message = format!(
            "a password from {} is set by `{label}` without `validate_password()`: the password validators never run, so `1234` is accepted{path}",
            flow.source.as_deref().unwrap_or("the request"),
        );
        let fix = validate_fix(checker, call, password, name);
        checker.report(
            Finding::new(
                UNVALIDATED_PASSWORD.code,
                call.byte_range(),
                UNVALIDATED_PASSWORD.severity,
                message,
            )
            .with_fix(fix)
            .with_steps(steps),
        );
    }
}

fn is_empty_string(n: Node, src: &str) -> bool {
    n.kind() == "string" && matches!(node::text(n, src), "\"\"" | "''")
}

/// `""`, or a name whose last assignment before the use is `""`.
fn empty_literal(checker: &PyChecker, value: Node) -> bool {
    let src = checker.source();
    if is_empty_string(value, src) {
        return true;
    }
    if value.kind() != "identifier" {
        return false;
    }
    let index = &checker.model.index;
    let bindings = index.bindings(index.scope_at(value), node::text(value, src));
    bindings
        .iter()
        .rfind(|b| b.node.end_byte() <= value.start_byte())
        .filter(|b| !b.augmented)
        .and_then(|b| b.value)
        .is_some_and(|v| is_empty_string(node::unparenthesize(v), src))
}

/// The `""` default of the parameter a password is (`def create_user(self, email, password="")`),
/// when no assignment in between gives it another value.
fn empty_parameter_default<'t>(checker: &PyChecker<'t>, value: Node<'t>) -> Option<Node<'t>> {
    let src = checker.source();
    if value.kind() != "identifier" {
        return None;
    }
    let name = node::text(value, src);
    let index = &checker.model.index;
    let function = index.enclosing_function(value)?;
    if index
        .bindings(function.start_byte(), name)
        .iter()
        .any(|b| b.node.end_byte() <= value.start_byte())
    {
        return None;
    }
    let params = function.field(Field::Parameters)?;
    let mut cursor = params.walk();
    let found = params.named_children(&mut cursor).find(|p| {
        matches!(p.kind(), "default_parameter" | "typed_default_parameter")
            && p.field(Field::Name)
                .is_some_and(|n| node::text(n, src) == name)
    })?;
    found
        .field(Field::Value)
        .filter(|v| is_empty_string(*v, src))
}

/// The `.get("password", "")` call on request data a password comes from (directly or through
/// one assignment).
fn empty_default<'t>(checker: &PyChecker<'t>, value: Node<'t>, depth: u32) -> Option<Node<'t>> {
    let src = checker.source();
    let value = node::unparenthesize(value);
    match value.kind() {
        "call" => {
            let function = value.field(Field::Function)?;
            let method = function.field(Field::Attribute)?;
            if node::text(method, src) != "get" {
                return None;
            }
            let args = node::positional_args(value);
            let default = node::unparenthesize(*args.get(1)?);
            let receiver = function.field(Field::Object)?;
            (is_empty_string(default, src)
                && checker.model.flow_for(receiver, SinkKind::Code).level == Level::Request)
                .then_some(value)
        }
        "identifier" if depth < 2 => {
            let index = &checker.model.index;
            let bindings = index.bindings(index.scope_at(value), node::text(value, src));
            let binding = bindings
                .iter()
                .rfind(|b| b.node.end_byte() <= value.start_byte())?;
            empty_default(checker, binding.value?, depth + 1)
        }
        _ => None,
    }
}

fn empty_default_finding(checker: &mut PyChecker, get: Node, setter: Node, validated: bool) {
    let Some(default) = node::positional_args(get).get(1).copied() else {
        return;
    };
    let fix = Fix::unsafe_(
        "Default to None (an unusable password)",
        vec![Edit::replace(default.byte_range(), "None")],
    );
    let label = super::call_label(checker, setter);
    let (severity, message) = if validated {
        (
            Severity::Info,
            format!(
                "the password defaults to the empty string and reaches `{label}` after `validate_password()`, which rejects it when `AUTH_PASSWORD_VALIDATORS` sets a minimum length (DJS436 checks the settings); `None` says \"no password\" without relying on them (audit note)"
            ),
        )
    } else {
        (
            EMPTY_PASSWORD.severity,
            format!(
                "the password defaults to the empty string and reaches `{label}`: a request without it sets a usable empty password; default to `None`"
            ),
        )
    };
    checker.report(
        Finding::new(EMPTY_PASSWORD.code, get.byte_range(), severity, message).with_fix(Some(fix)),
    );
}

/// Whether `validate_password()` is called on the password (the same name) before `setter`,
/// in the same function.
fn validates_before(checker: &PyChecker, password: Node, setter: Node) -> bool {
    let src = checker.source();
    let name = node::text(password, src);
    if password.kind() != "identifier" {
        return false;
    }
    let Some(function) = checker.model.index.enclosing_function(setter) else {
        return false;
    };
    checker.model.index.calls.iter().any(|c| {
        c.end_byte() <= setter.start_byte()
            && node::contains(function, *c)
            && node::callee_name(*c, src) == Some("validate_password")
            && node::positional_args(*c)
                .first()
                .is_some_and(|a| node::text(*a, src) == name)
    })
}

/// Whether a function calls `validate_password()` (Django's, or a helper of that name).
fn calls_validate_password(checker: &PyChecker, function: Node) -> bool {
    let src = checker.source();
    checker
        .model
        .index
        .calls_in(function)
        .iter()
        .any(|c| node::callee_name(*c, src) == Some("validate_password"))
}

/// Insert `validate_password(password, user)` before the statement that sets it.
fn validate_fix(checker: &PyChecker, call: Node, password: Node, method: &str) -> Option<Fix> {
    let src = checker.source();
    if password.kind() != "identifier" {
        return None;
    }
    let statement = call
        .parent()
        .filter(|p| p.kind() == "expression_statement")
        .or_else(|| {
            call.parent()
                .filter(|p| p.kind() == "assignment")
                .and_then(|a| a.parent())
                .filter(|p| p.kind() == "expression_statement")
        })?;
    statement.parent().filter(|b| b.kind() == "block")?;
    let line_start = node::line_start(src, statement.start_byte());
    if src.get(line_start..statement.start_byte())?.trim() != "" {
        return None;
    }
    let indent = node::line_indent(src, statement.start_byte());
    let (local, import) = checker.ensure_import(
        "django.contrib.auth.password_validation",
        "validate_password",
    )?;
    let user = if method == "set_password" {
        call.field(Field::Function)
            .and_then(|f| f.field(Field::Object))
            .filter(|o| matches!(o.kind(), "identifier" | "attribute"))
            .map(|o| format!(", {}", node::text(o, src)))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let mut edits = vec![Edit::insert(
        line_start,
        format!("{indent}{local}({}{user})\n", node::text(password, src)),
    )];
    edits.extend(import);
    Some(Fix::unsafe_("Validate the password first", edits))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS701", "DJS702"])
    }

    #[test]
    fn flags_unvalidated_and_empty_passwords() {
        let src = "import json\ndef register(request):\n    user = User.objects.create_user(request.POST['u'], None, request.POST['p'])\n    data = json.loads(request.body)\n    user.set_password(data['password'])\n    pw = request.POST.get('password', '')\n    request.user.set_password(pw)\n    user.set_password('')\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS701", 3, 12, "warning"),
                ("DJS701", 5, 5, "warning"),
                ("DJS702", 6, 10, "warning"),
                ("DJS701", 7, 5, "warning"),
                ("DJS702", 8, 5, "warning"),
            ]
        );
    }

    #[test]
    fn empty_parameter_defaults_and_assigned_empty_strings() {
        let src = "class UserManager:\n    def create_user(self, email, password=''):\n        user = self.model(email=email)\n        user.set_password(password)\n        return user\ndef reset(user):\n    password = ''\n    user.set_password(password)\ndef other(user, password='x'):\n    user.set_password(password)\n";
        assert_eq!(
            codes(src),
            vec![("DJS702", 2, 43, "warning"), ("DJS702", 8, 5, "warning")]
        );
    }

    #[test]
    fn an_empty_default_validated_first_is_an_audit_note() {
        // Seen in Misago: `validate_password()` runs on the password before it is set, so the
        // validators decide about "" (DJS436 checks they are configured). Validating another
        // value, or after the setter, does not count.
        let src = "from django.contrib.auth.password_validation import validate_password\ndef change(request, user):\n    new = request.data.get('password', '')\n    validate_password(new, user=user)\n    user.set_password(new)\ndef late(request, user):\n    pw = request.data.get('password', '')\n    user.set_password(pw)\n    validate_password(pw)\ndef other(request, user):\n    pw = request.data.get('password', '')\n    validate_password(request.data['old'])\n    user.set_password(pw)\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS702", 3, 11, "info"),
                ("DJS702", 7, 10, "warning"),
                ("DJS702", 11, 10, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_validated_forms_and_unknown_passwords() {
        let src = "from django.contrib.auth.password_validation import validate_password\ndef a(request):\n    pw = request.POST['p']\n    validate_password(pw, request.user)\n    request.user.set_password(pw)\n    pw2 = request.POST.get('password', None)\n    request.user.set_password(pw2)\ndef b(request, form):\n    request.user.set_password(form.cleaned_data['new_password1'])\ndef c(self, validated_data):\n    user.set_password(validated_data['password'])\ndef handle(self, *args, **options):\n    User.objects.create_superuser('admin', 'a@b.c', options['password'])\ndef check_password(request, password):\n    UserModel().set_password('')\n    UserModel().set_password(request.POST['p'])\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn fixes_insert_validation_and_none_defaults() {
        let src =
            "def v(request):\n    pw = request.POST['p']\n    request.user.set_password(pw)\n";
        let fixed = assert_fix(src, "DJS701");
        assert!(
            fixed.contains(
                "    validate_password(pw, request.user)\n    request.user.set_password(pw)"
            ),
            "{fixed}"
        );
        assert!(fixed.starts_with(
            "from django.contrib.auth.password_validation import validate_password\n"
        ));
        let src = "def v(request):\n    pw = request.POST.get('password', '')\n    request.user.set_password(pw)\n    request.user.set_password(\"\")\n";
        let fixed = assert_fix(src, "DJS702");
        assert!(
            fixed.contains("request.POST.get('password', None)"),
            "{fixed}"
        );
        assert!(
            fixed.contains("request.user.set_unusable_password()"),
            "{fixed}"
        );
    }
}
