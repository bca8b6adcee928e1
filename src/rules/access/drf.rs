//! Django REST framework: DJS305 `drf-allow-any-on-write`, DJS306 `drf-default-allow-any`,
//! DJS307 `drf-missing-object-permission`.

use tree_sitter::Node;

use super::views::{ClassInfo, DecoratorKind, Env, FunctionView, Module, is_unsafe_method};
use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const ALLOW_ANY: Rule = Rule {
    code: "DJS305",
    name: "drf-allow-any-on-write",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A DRF view that changes data sets `permission_classes` to `AllowAny` or to nothing.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `permission_classes = [AllowAny]`, `permission_classes = []` (or `()`), and
`@permission_classes([AllowAny])` / `@permission_classes([])`, on a DRF view that changes data:
a `ModelViewSet`, a `CreateAPIView`/`UpdateAPIView`/`DestroyAPIView` (or a view combining them),
a view with `post()`/`put()`/`patch()`/`delete()`/`create()`/`update()`/`destroy()` methods or an
unsafe `@action`, or an `@api_view` accepting POST, PUT, PATCH or DELETE. The message notes when
`authentication_classes` is empty too. A view that looks its object up by a token the caller
sends (`Device.objects.get(initialization_token=serializer.validated_data["token"])`, an
invitation `key=`) authenticates the caller by that token: that is an audit note (info), to check
the token is random, long and expires.

Read-only views with `AllowAny` are not reported (a public catalogue is a legitimate choice), nor
are views meant to be public by name or route (token obtain, registration, password reset,
webhooks: see DJS301), nor views in projects using `LoginRequiredMiddleware`, which then requires
a session login for them. Nor are views that decide permissions themselves: a
`get_permissions()` or `check_permissions()` of their own or of a base in the same module, or a
project base class whose methods check the user (its `permission_classes` are then not where the
protection is).

## Why is this bad?
`AllowAny` (and an empty list, which checks nothing) lets anonymous clients create, change and
delete data through the API. An empty `authentication_classes` on its own is not a hole — with
`IsAuthenticated` it rejects everyone — but with open permissions every caller is anonymous.

## Example
```python
class InvoiceViewSet(viewsets.ModelViewSet):
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    permission_classes = [AllowAny]
```

Use instead:
```python
class InvoiceViewSet(viewsets.ModelViewSet):
    serializer_class = InvoiceSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Invoice.objects.filter(owner=self.request.user)
```

## Fix
Use `IsAuthenticated` (or `IsAuthenticatedOrReadOnly` for public reads), an object-level
permission class, or `DjangoModelPermissions`. If the endpoint is public on purpose, add its name
to the configured public views or suppress the finding with a comment that says why.

## Fix safety
No automatic fix: the right permission depends on who should call the endpoint.

## References
- DRF: [Permissions](https://www.django-rest-framework.org/api-guide/permissions/), [Setting the permission policy](https://www.django-rest-framework.org/api-guide/permissions/#setting-the-permission-policy)
- OWASP API Security Top 10: API5:2023 Broken Function Level Authorization; CWE-862
"#,
};

pub const DEFAULT_ALLOW_ANY: Rule = Rule {
    code: "DJS306",
    name: "drf-default-allow-any",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A DRF view sets no `permission_classes` and the project's default is `AllowAny`.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a DRF view (an `APIView`, generic view, viewset or `@api_view` function) that sets no
`permission_classes` (and no `get_permissions()`), when the project's settings are known and
`REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]` is absent — DRF then defaults to `AllowAny` — or
allows any request. It is a **warning** on views that change data and a **hint** on read-only
views. Views meant to be public (see DJS301) and projects using `LoginRequiredMiddleware` are not
reported. Without project knowledge (a single file, no settings found) nothing is reported.

In a production settings module that sets `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]` to
`AllowAny` itself, the **warning** is also reported at that line: the default opens every API
view that does not say otherwise.

## Why is this bad?
DRF's built-in default is `AllowAny`: a view that forgets `permission_classes` is open to
anonymous clients, however sensitive the data behind it.

## Example
```python
# settings.py
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"]}

# api.py
@api_view(["POST"])
def transfer(request):
    ...
```

Use instead:
```python
# settings.py
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
```

## Fix
Set `DEFAULT_PERMISSION_CLASSES` to `IsAuthenticated` (secure by default) and open the few public
endpoints explicitly with `permission_classes = [AllowAny]`, or set `permission_classes` on the
view.

## Fix safety
No automatic fix: changing the default affects every view of the project.

## References
- DRF: [Setting the permission policy](https://www.django-rest-framework.org/api-guide/permissions/#setting-the-permission-policy), [AllowAny](https://www.django-rest-framework.org/api-guide/permissions/#allowany)
- OWASP API Security Top 10: API5:2023 Broken Function Level Authorization; CWE-276 Incorrect Default Permissions
"#,
};

pub const OBJECT_PERMISSION: Rule = Rule {
    code: "DJS307",
    name: "drf-missing-object-permission",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A DRF view updates or deletes objects by id with only `IsAuthenticated` and an unscoped queryset.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a DRF view that updates or deletes one object found by its URL id (`ModelViewSet`,
`UpdateModelMixin`, `DestroyModelMixin`, `RetrieveUpdateDestroyAPIView`...) when:

- its permissions only check that the user is logged in (`IsAuthenticated`,
  `IsAuthenticatedOrReadOnly`, set on the view or as the project default; or any permissions, even
  `AllowAny`, when the project's `LoginRequiredMiddleware` requires a login for every view), and
- its `queryset` is not scoped to the user (`Model.objects.all()`, a filter that does not mention
  the user or the request), and
- it overrides none of `get_queryset()`, `get_object()`, `perform_update()`, `perform_destroy()`,
  `update()`, `destroy()`.

Views with an object-level permission class (`DjangoObjectPermissions`, any custom class such as
`IsOwner`), `IsAdminUser` or `DjangoModelPermissions` are not reported.

## Why is this bad?
`IsAuthenticated` answers "is someone logged in?", not "may this user change this object?". Any
user can change the id in the URL and update or delete another user's object: an insecure direct
object reference (IDOR), the most common API vulnerability.

## Example
```python
class NoteViewSet(viewsets.ModelViewSet):
    queryset = Note.objects.all()
    serializer_class = NoteSerializer
    permission_classes = [IsAuthenticated]
```

Use instead:
```python
class NoteViewSet(viewsets.ModelViewSet):
    serializer_class = NoteSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Note.objects.filter(owner=self.request.user)
```

## Fix
Scope `get_queryset()` to the user (objects outside it answer 404), or add a permission class with
`has_object_permission()` (e.g. an `IsOwner` class).

## Fix safety
No automatic fix: the ownership field depends on your models.

## References
- DRF: [Object level permissions](https://www.django-rest-framework.org/api-guide/permissions/#object-level-permissions), [Filtering against the current user](https://www.django-rest-framework.org/api-guide/filtering/#filtering-against-the-current-user)
- OWASP API Security Top 10: API1:2023 Broken Object Level Authorization; CWE-639
"#,
};

/// What a list of DRF permission classes allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Anyone may call (`AllowAny`, an empty list).
    pub open: bool,
    /// A logged-in user is required, with no object-level check (`IsAuthenticated`,
    /// `IsAuthenticatedOrReadOnly`).
    pub login_only: bool,
    /// Something stronger or unknown: object permissions, admin, model permissions, a custom
    /// class.
    pub stronger: bool,
}

/// Classify permission classes given by their qualified (or bare) names; `AND` semantics.
pub fn classify_names<'s>(names: impl IntoIterator<Item = &'s str>) -> Permissions {
    let mut p = Permissions {
        open: true,
        ..Permissions::default()
    };
    for name in names {
        p = and(p, classify_name(name));
    }
    p
}

fn classify_name(name: &str) -> Permissions {
    let last = name.rsplit('.').next().unwrap_or(name);
    match last {
        "AllowAny" => Permissions {
            open: true,
            ..Permissions::default()
        },
        "IsAuthenticated" | "IsAuthenticatedOrReadOnly" => Permissions {
            login_only: true,
            ..Permissions::default()
        },
        _ => Permissions {
            stronger: true,
            ..Permissions::default()
        },
    }
}

fn and(a: Permissions, b: Permissions) -> Permissions {
    Permissions {
        open: a.open && b.open,
        login_only: (a.login_only || b.login_only) && !(a.stronger || b.stronger),
        stronger: a.stronger || b.stronger,
    }
}

fn or(a: Permissions, b: Permissions) -> Permissions {
    if a.open || b.open {
        return Permissions {
            open: true,
            ..Permissions::default()
        };
    }
    Permissions {
        open: false,
        login_only: a.login_only || b.login_only,
        stronger: a.stronger && b.stronger,
    }
}

/// Classify a `permission_classes` value (a list or tuple of classes, `|`/`&` compositions).
/// `None` when it is not a literal djsec can read (a variable, a call).
fn classify_value(checker: &PyChecker, value: Node) -> Option<Permissions> {
    let value = node::unparenthesize(value);
    if !matches!(value.kind(), "list" | "tuple") {
        return None;
    }
    let mut cursor = value.walk();
    let items: Vec<Node> = value
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let mut result = Permissions {
        open: true,
        ..Permissions::default()
    };
    for item in items {
        result = and(result, classify_expr(checker, item)?);
    }
    Some(result)
}

/// One permission expression, with `|` and `&`; iterative over the operator chain's left spine.
fn classify_expr(checker: &PyChecker, expr: Node) -> Option<Permissions> {
    let src = checker.source();
    let expr = node::unparenthesize(expr);
    match expr.kind() {
        "identifier" | "attribute" => {
            let q = checker.model.qualified_name(expr);
            Some(classify_name(q.as_deref().unwrap_or(node::text(expr, src))))
        }
        "binary_operator" => {
            // Operands of one operator chain, gathered without recursion on the left spine.
            let mut operands = Vec::new();
            let mut ops = Vec::new();
            let mut current = expr;
            let mut steps = 0;
            while current.kind() == "binary_operator" && steps < 64 {
                steps += 1;
                let op = current
                    .child_by_field_name("operator")
                    .map(|o| node::text(o, src))?;
                ops.push(op);
                operands.push(node::unparenthesize(current.child_by_field_name("right")?));
                current = node::unparenthesize(current.child_by_field_name("left")?);
            }
            operands.push(current);
            operands.reverse();
            ops.reverse();
            let leaf = |n: Node| -> Option<Permissions> {
                matches!(n.kind(), "identifier" | "attribute").then(|| {
                    let q = checker.model.qualified_name(n);
                    classify_name(q.as_deref().unwrap_or(node::text(n, src)))
                })
            };
            let mut acc = leaf(*operands.first()?)?;
            for (op, operand) in ops.iter().zip(operands.iter().skip(1)) {
                let right = leaf(*operand)?;
                acc = match *op {
                    "|" => or(acc, right),
                    "&" => and(acc, right),
                    _ => return None,
                };
            }
            Some(acc)
        }
        _ => None,
    }
}

fn is_empty_sequence(value: Node) -> bool {
    let value = node::unparenthesize(value);
    matches!(value.kind(), "list" | "tuple") && value.named_child_count() == 0
}

/// What a DRF class view's permission classes (or the project's default) let in, in words:
/// `(authentication, authorization)` for `djsec views` and the hover.
pub fn describe_class(checker: &PyChecker, module: &Module, class: &ClassInfo) -> (String, String) {
    let src = checker.source();
    let authentication = match class.attr("authentication_classes") {
        Some(v) => format!("DRF `{}`", node::text(v, src)),
        None => match &module.env.drf_default_authentication {
            Some(list) => format!(
                "DRF default ({})",
                list.iter()
                    .map(|c| c.rsplit('.').next().unwrap_or(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "DRF default (unknown)".to_string(),
        },
    };
    let (perms, shown) = match class.attr("permission_classes") {
        Some(v) => (
            classify_value(checker, v),
            format!("`{}`", node::text(v, src)),
        ),
        None => (
            default_permissions(&module.env),
            match &module.env.drf_default_permissions {
                Some(list) => format!(
                    "default ({})",
                    list.iter()
                        .map(|c| c.rsplit('.').next().unwrap_or(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "default (unknown)".to_string(),
            },
        ),
    };
    let authorization = match perms.map(|p| under_middleware(p, &module.env)) {
        Some(p) if p.open => format!("none: anyone ({shown})"),
        Some(p) if p.login_only => format!("login only ({shown})"),
        Some(_) => format!("permission classes {shown}"),
        None => format!("unknown ({shown})"),
    };
    (authentication, authorization)
}

/// The project's default permissions, when known.
fn default_permissions(env: &Env) -> Option<Permissions> {
    env.drf_default_permissions
        .as_ref()
        .map(|names| classify_names(names.iter().map(String::as_str)))
}

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    for class in module.class_views() {
        if class.traits.drf && !class.traits.unknown && !class.subclassed {
            check_class(checker, module, class);
        }
    }
    // With `LoginRequiredMiddleware`, a function view needs a login whatever its permissions.
    if module.env.middleware_requires_login() {
        return;
    }
    for view in &module.functions {
        if view.is_drf() {
            check_function(checker, module, view);
        }
    }
}

/// Permissions that let anyone in let only logged-in users in when `LoginRequiredMiddleware`
/// guards every view (DRF views included: they do not set `login_required = False`).
fn under_middleware(perms: Permissions, env: &Env) -> Permissions {
    if perms.open && env.middleware_requires_login() {
        Permissions {
            open: false,
            login_only: true,
            stronger: false,
        }
    } else {
        perms
    }
}

fn check_class(checker: &mut PyChecker, module: &Module, class: &ClassInfo) {
    let env = &module.env;
    if class.defines_any(&["get_permissions", "check_permissions"])
        || env.public_reason(class.name).is_some()
    {
        return;
    }
    // A project base or method checks access itself (`check_permissions()`, `initial()`,
    // `dispatch()` overridden to require a login or a permission): `permission_classes` is not
    // where this view's protection is decided.
    if class.traits.checks.any() {
        return;
    }
    let writes = class.writes();
    let auth_disabled = class
        .attr("authentication_classes")
        .is_some_and(is_empty_sequence);
    match class.attr("permission_classes") {
        Some(value) => {
            let Some(perms) = classify_value(checker, value) else {
                return;
            };
            let perms = under_middleware(perms, env);
            if perms.open {
                match &writes {
                    Some(reason) => report_allow_any(
                        checker,
                        value,
                        class.name,
                        reason,
                        auth_disabled,
                        class.facts().token_lookup.as_deref(),
                    ),
                    None => super::exposure::drf_data(checker, module, class, "`AllowAny`"),
                }
                return;
            }
            object_permission(checker, class, perms);
        }
        None => {
            let Some(perms) = default_permissions(env) else {
                return;
            };
            let perms = under_middleware(perms, env);
            if perms.open {
                report_default(checker, class.name_node, class.name, writes.as_deref());
                if writes.is_none() {
                    super::exposure::drf_data(
                        checker,
                        module,
                        class,
                        "the project's `AllowAny` default",
                    );
                }
                return;
            }
            object_permission(checker, class, perms);
        }
    }
}

fn check_function(checker: &mut PyChecker, module: &Module, view: &FunctionView) {
    let env = &module.env;
    if env.public_reason(view.name).is_some() {
        return;
    }
    let api_view = view
        .decorators
        .iter()
        .find(|d| d.kind == DecoratorKind::ApiView);
    let writes = api_view
        .and_then(|d| d.action_methods.iter().find(|m| is_unsafe_method(m)))
        .map(|m| format!("accepts {m}"))
        .or_else(|| view.facts.writes.clone());
    let auth_disabled = view.decorators.iter().any(|d| {
        d.kind == DecoratorKind::AuthenticationClasses
            && d.call
                .and_then(|c| node::positional_args(c).first().copied())
                .is_some_and(is_empty_sequence)
    });
    let permission = view
        .decorators
        .iter()
        .find(|d| d.kind == DecoratorKind::PermissionClasses);
    match permission {
        Some(d) => {
            let Some(perms) = d
                .call
                .and_then(|c| node::positional_args(c).first().copied())
                .and_then(|v| classify_value(checker, v))
            else {
                return;
            };
            if perms.open
                && let Some(reason) = &writes
            {
                report_allow_any(
                    checker,
                    d.node,
                    view.name,
                    reason,
                    auth_disabled,
                    view.facts.token_lookup.as_deref(),
                );
            }
        }
        None => {
            if default_permissions(env).is_some_and(|p| p.open) {
                report_default(checker, view.name_node, view.name, writes.as_deref());
            }
        }
    }
}

fn report_allow_any(
    checker: &mut PyChecker,
    at: Node,
    name: &str,
    reason: &str,
    auth_disabled: bool,
    token_lookup: Option<&str>,
) {
    let extra = if auth_disabled {
        ", and `authentication_classes` is empty so every caller is anonymous"
    } else {
        ""
    };
    // The view looks its object up by a token the caller sends (a device's initialisation
    // token, an invitation key): holding the token is the authentication, as designed.
    let (severity, message) = match token_lookup {
        Some(keyword) => (
            Severity::Info,
            format!(
                "`{name}` changes data ({reason}) and its permissions allow any request{extra}; it looks its object up by `{keyword}=` from what the caller sends, so that token is its authentication: check that it is random, long and expires (audit note)"
            ),
        ),
        None => (
            Severity::Warning,
            format!(
                "`{name}` changes data ({reason}) but its permissions allow any request{extra}: use `IsAuthenticated` or a stricter permission"
            ),
        ),
    };
    checker.report(Finding::new(
        ALLOW_ANY.code,
        at.byte_range(),
        severity,
        message,
    ));
}

fn report_default(checker: &mut PyChecker, at: Node, name: &str, writes: Option<&str>) {
    let (severity, message) = match writes {
        Some(reason) => (
            Severity::Warning,
            format!(
                "`{name}` changes data ({reason}) and sets no `permission_classes`: the project default allows any request"
            ),
        ),
        None => (
            Severity::Hint,
            format!(
                "`{name}` sets no `permission_classes`: the project default allows any request"
            ),
        ),
    };
    checker.report(Finding::new(
        DEFAULT_ALLOW_ANY.code,
        at.byte_range(),
        severity,
        message,
    ));
}

/// DJS307: login-only permissions on a view that updates or deletes by id with an unscoped queryset.
fn object_permission(checker: &mut PyChecker, class: &ClassInfo, perms: Permissions) {
    if !class.traits.writes_by_id || !perms.login_only || perms.stronger {
        return;
    }
    if class.defines_any(&[
        "get_queryset",
        "get_object",
        "perform_update",
        "perform_destroy",
        "update",
        "partial_update",
        "destroy",
    ]) {
        return;
    }
    let src = checker.source();
    let Some(queryset) = class.attr("queryset") else {
        return;
    };
    let text = node::text(queryset, src);
    if !text.contains("objects") || text.contains("user") || text.contains("request") {
        return;
    }
    checker.report(Finding::new(
        OBJECT_PERMISSION.code,
        class.name_node.byte_range(),
        Severity::Warning,
        format!(
            "`{}` lets any logged-in user update or delete any object: its permissions only check the login and `queryset = {text}` is not scoped to the user; filter `get_queryset()` by `self.request.user` or add an object-level permission",
            class.name
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes_of, with_env};

    const HEAD: &str = "from rest_framework import viewsets, generics\nfrom rest_framework.views import APIView\nfrom rest_framework.permissions import AllowAny, IsAuthenticated, IsAdminUser, IsAuthenticatedOrReadOnly\nfrom rest_framework.decorators import api_view, permission_classes, authentication_classes\n";

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS305", "DJS306", "DJS307"])
    }

    #[test]
    fn flags_allow_any_and_empty_permissions_on_writing_views() {
        let src = format!(
            "{HEAD}class Notes(viewsets.ModelViewSet):\n    queryset = Note.objects.all()\n    permission_classes = [AllowAny]\n\
class Upload(APIView):\n    permission_classes = ()\n    authentication_classes = ()\n    def post(self, request):\n        pass\n\
@api_view(['POST'])\n@permission_classes([AllowAny])\ndef transfer(request):\n    pass\n\
class Items(generics.ListCreateAPIView):\n    permission_classes = [IsAuthenticated | AllowAny]\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS305", 7, 26, "warning"),
                ("DJS305", 9, 26, "warning"),
                ("DJS305", 14, 1, "warning"),
                ("DJS305", 18, 26, "warning"),
            ]
        );
        let messages: Vec<String> = crate::analysis::testing::findings(&src)
            .into_iter()
            .filter(|f| f.code == "DJS305")
            .map(|f| f.message)
            .collect();
        assert!(
            messages[1].contains("authentication_classes"),
            "{messages:?}"
        );
    }

    #[test]
    fn a_lookup_by_a_token_the_caller_sends_is_an_audit_note() {
        // The caller's token decides which object it may change: info. A lookup by a token
        // that is not sent by the caller (a constant, the user's own) proves nothing: warning.
        let src = format!(
            "{HEAD}class Initialize(APIView):\n    permission_classes = ()\n    authentication_classes = ()\n    def post(self, request):\n        s = InitSerializer(data=request.data)\n        s.is_valid(raise_exception=True)\n        device = Device.objects.get(initialization_token=s.validated_data.get('token'))\n        device.save()\n\
@api_view(['POST'])\n@permission_classes([AllowAny])\ndef accept(request):\n    invite = get_object_or_404(Invite, key=request.POST['key'])\n    invite.delete()\n\
class Reset(APIView):\n    permission_classes = [AllowAny]\n    def post(self, request):\n        device = Device.objects.get(api_token=DEFAULT_TOKEN, name=request.data['name'])\n        device.delete()\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS305", 6, 26, "info"),
                ("DJS305", 14, 1, "info"),
                ("DJS305", 19, 26, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_read_only_public_and_protected_views() {
        let src = format!(
            "{HEAD}class Catalogue(generics.ListAPIView):\n    permission_classes = [AllowAny]\n\
class Register(generics.CreateAPIView):\n    permission_classes = [AllowAny]\n\
class Notes(viewsets.ModelViewSet):\n    permission_classes = [IsAuthenticated]\n    def get_queryset(self):\n        return Note.objects.filter(owner=self.request.user)\n\
class Admin(viewsets.ModelViewSet):\n    queryset = Note.objects.all()\n    permission_classes = [IsAdminUser]\n\
class Dynamic(viewsets.ModelViewSet):\n    def get_permissions(self):\n        return [AllowAny()]\n\
class OwnChecks(viewsets.ModelViewSet):\n    permission_classes = []\n    def check_permissions(self, request):\n        if not request.user.has_perms(self.required):\n            self.permission_denied(request)\n\
class InheritsChecks(OwnChecks):\n    pass\n\
class Forms(APIView):\n    permission_classes = PERMS\n    def post(self, request):\n        pass\n\
@api_view(['GET'])\n@permission_classes([AllowAny])\ndef catalogue(request):\n    pass\n\
@api_view(['POST'])\n@permission_classes([IsAuthenticated])\ndef transfer(request):\n    pass\n\
class Both(viewsets.ModelViewSet):\n    queryset = Note.objects.all()\n    permission_classes = [IsAuthenticated & AllowAny]\n    def get_queryset(self):\n        return self.request.user.notes.all()\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn default_allow_any_needs_project_knowledge() {
        let src = format!(
            "{HEAD}@api_view(['POST'])\ndef transfer(request):\n    pass\n\
@api_view()\ndef status(request):\n    pass\n\
class Notes(viewsets.ModelViewSet):\n    queryset = Note.objects.all()\n"
        );
        // Unknown default: silent.
        assert_eq!(codes_at(&src), vec![]);
        // DRF's own default (the setting is absent): AllowAny.
        let found = with_env("api/views.py", &src, |e| {
            e.drf_default_permissions = Some(vec![]);
        });
        assert_eq!(
            found,
            vec![
                ("DJS306", 6, 5, "warning"),
                ("DJS306", 9, 5, "hint"),
                ("DJS306", 11, 7, "warning"),
            ]
        );
        // A default of IsAuthenticated: the viewset is now an object-permission problem.
        let found = with_env("api/views.py", &src, |e| {
            e.drf_default_permissions =
                Some(vec!["rest_framework.permissions.IsAuthenticated".into()]);
        });
        assert_eq!(found, vec![("DJS307", 11, 7, "warning")]);
        // LoginRequiredMiddleware: every view needs a session login; the viewset is then an
        // object-permission problem too.
        let found = with_env("api/views.py", &src, |e| {
            e.drf_default_permissions = Some(vec![]);
            e.login_required_middleware = Some(true);
        });
        assert_eq!(found, vec![("DJS307", 11, 7, "warning")]);
        // ... unless it scopes its queryset.
        let scoped = src.replace(
            "    queryset = Note.objects.all()\n",
            "    def get_queryset(self):\n        return Note.objects.filter(owner=self.request.user)\n",
        );
        let found = with_env("api/views.py", &scoped, |e| {
            e.drf_default_permissions = Some(vec![]);
            e.login_required_middleware = Some(true);
        });
        assert_eq!(found, vec![]);
    }

    #[test]
    fn flags_login_only_viewsets_with_unscoped_querysets() {
        let src = format!(
            "{HEAD}class Notes(viewsets.ModelViewSet):\n    queryset = Note.objects.all()\n    permission_classes = [IsAuthenticated]\n\
class Doc(generics.RetrieveUpdateDestroyAPIView):\n    queryset = Doc.objects.filter(archived=False)\n    permission_classes = (IsAuthenticatedOrReadOnly,)\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS307", 5, 7, "warning"), ("DJS307", 8, 7, "warning")]
        );
    }

    #[test]
    fn silent_with_object_permissions_or_scoping() {
        let src = format!(
            "{HEAD}from .permissions import IsOwner\n\
class A(viewsets.ModelViewSet):\n    queryset = Note.objects.all()\n    permission_classes = [IsAuthenticated, IsOwner]\n\
class B(viewsets.ReadOnlyModelViewSet):\n    queryset = Note.objects.all()\n    permission_classes = [IsAuthenticated]\n\
class C(viewsets.ModelViewSet):\n    queryset = Note.objects.all()\n    permission_classes = [IsAuthenticated]\n    def perform_destroy(self, instance):\n        pass\n\
class D(generics.ListCreateAPIView):\n    queryset = Note.objects.all()\n    permission_classes = [IsAuthenticated]\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }
}
