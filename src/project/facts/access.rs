//! Access facts of a module's definitions: for each **decorator** the project defines (plain,
//! factory, `functools.wraps`, class-based, or a module-level `x = user_passes_test(...)`), what
//! its wrapper checks about the caller before it calls the view; for each **class** (mixins,
//! base views, models), its bases as the module names them, what its access methods
//! (`dispatch`, `has_permission`, `test_func`, `get_queryset`...) check, which of the members
//! the access rules care about it defines, and, for a model, its fields that point at the user.
//!
//! Like the function summaries, these are a pure function of one file's text: a decorator
//! built on another project decorator keeps it by name ([`DecoratorFacts::uses`]), a class keeps
//! its bases by name ([`ClassFacts::bases`]); the rules compose them through the
//! [`super::Resolver`], which records each lookup so that the editor re-analyses what depends on
//! an edited decorator or mixin.
//!
//! Checks are recognised in the code, not by names: `request.user.is_authenticated`,
//! `is_staff`, `has_perm()`, a `PermissionDenied` (or 401/403 response, or a redirect to the
//! login page) raised under a condition on the user, a credential read from a header
//! (`Authorization`, an API key) or verified (`hmac.compare_digest`), and the decorators and
//! mixins of Django and of the common third-party libraries ([`library`]).

use tree_sitter::Node;

use crate::semantic::Model;
use crate::semantic::node::{self, text};
use crate::syntax::python::{Field, Fields};

/// What a decorator, mixin or view checks about the caller.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Checks {
    /// A logged-in user: `is_authenticated`, `login_required`, `redirect_to_login()`.
    pub session: bool,
    /// A credential that is not the session cookie: an `Authorization` or API-key header, a
    /// token or signature compared in constant time.
    pub token: bool,
    /// `is_staff`, `staff_member_required`.
    pub staff: bool,
    /// `is_superuser`.
    pub superuser: bool,
    /// A model permission: `has_perm()`, `permission_required`.
    pub permission: bool,
    /// Object level: `has_perm(perm, obj)`, a queryset scoped to `request.user`, guardian,
    /// django-rules.
    pub object: bool,
    /// Another condition on the user (`user_passes_test`, a role or group check) that denies the
    /// request (`PermissionDenied`, a 403) when it fails.
    pub predicate: bool,
    /// Not an access check: the view answers only requests carrying a header a cross-site
    /// form cannot set (`X-Requested-With`, an `is_ajax()` test that raises `Http404`).
    pub custom_header: bool,
}

impl Checks {
    pub const NONE: Checks = Checks {
        session: false,
        token: false,
        staff: false,
        superuser: false,
        permission: false,
        object: false,
        predicate: false,
        custom_header: false,
    };
    pub const SESSION: Checks = Checks {
        session: true,
        ..Checks::NONE
    };
    pub const TOKEN: Checks = Checks {
        token: true,
        ..Checks::NONE
    };
    pub const STAFF: Checks = Checks {
        session: true,
        staff: true,
        ..Checks::NONE
    };
    pub const SUPERUSER: Checks = Checks {
        session: true,
        superuser: true,
        ..Checks::NONE
    };
    pub const PERMISSION: Checks = Checks {
        session: true,
        permission: true,
        ..Checks::NONE
    };
    pub const OBJECT_PERMISSION: Checks = Checks {
        session: true,
        permission: true,
        object: true,
        ..Checks::NONE
    };
    pub const PREDICATE: Checks = Checks {
        session: true,
        predicate: true,
        ..Checks::NONE
    };

    pub fn or(self, o: Checks) -> Checks {
        Checks {
            session: self.session || o.session,
            token: self.token || o.token,
            staff: self.staff || o.staff,
            superuser: self.superuser || o.superuser,
            permission: self.permission || o.permission,
            object: self.object || o.object,
            predicate: self.predicate || o.predicate,
            custom_header: self.custom_header || o.custom_header,
        }
    }

    /// Whether anything about the caller is checked (a required header is not).
    pub fn any(self) -> bool {
        Checks {
            custom_header: false,
            ..self
        } != Checks::NONE
    }

    /// Whether the user behind the session is checked (logged in, or more).
    pub fn user(self) -> bool {
        self.session
            || self.staff
            || self.superuser
            || self.permission
            || self.object
            || self.predicate
    }

    /// Whether more than being logged in is required: staff, superuser, a permission, an
    /// object-level check or another condition on the user.
    pub fn authorizes(self) -> bool {
        self.staff || self.superuser || self.permission || self.object || self.predicate
    }

    /// Callers authenticate by a credential and nothing reads the session's user.
    pub fn token_only(self) -> bool {
        self.token && !self.user()
    }
}

/// What a decorator defined in the project checks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecoratorFacts {
    /// The function (or class, for a class-based decorator) name.
    pub name: String,
    /// What its own code checks (including Django's and the libraries' decorators it applies).
    pub checks: Checks,
    /// Project decorators it applies to the view (`return other_required(view)`,
    /// `@other_required` on its wrapper), named as the module names them (an imported qualified
    /// name, `.mod.name` for a relative import, `@name` for one of the same module). Their checks
    /// add to its own; one that cannot be found makes what it checks partly unknown.
    pub uses: Vec<String>,
    /// The line of the definition (zero-based).
    pub line: u32,
}

/// What a class defined in the project brings to the views that derive from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClassFacts {
    pub name: String,
    /// Its bases as the module names them (see [`DecoratorFacts::uses`]); `?` for one that is
    /// not a name (a call, a subscript of a call).
    pub bases: Vec<String>,
    /// What its access methods check (`dispatch`, `has_permission`, `test_func`,
    /// `get_queryset`, ...), and the decorators applied to the class or to `dispatch`.
    pub checks: Checks,
    /// Project decorators applied to the class or its `dispatch` (`method_decorator(x)`).
    pub uses: Vec<String>,
    /// The members among [`MEMBERS`] it defines (methods, or attributes not set to `None`).
    pub defines: Vec<String>,
    /// For a model: the fields that point at the user model (`owner = ForeignKey(User)`).
    pub owner_fields: Vec<String>,
    /// `class Meta: app_label = "..."`.
    pub app_label: Option<String>,
    /// The line of the definition (zero-based).
    pub line: u32,
}

impl ClassFacts {
    pub fn defines(&self, member: &str) -> bool {
        self.defines.iter().any(|d| d == member)
    }
}

/// The members of a class the access rules ask about.
pub const MEMBERS: &[&str] = &[
    "dispatch",
    "has_permission",
    "get_permission_required",
    "permission_required",
    "test_func",
    "get_test_func",
    "get_queryset",
    "get_object",
    "permission_classes",
    "get_permissions",
    "authentication_classes",
    "throttle_classes",
    "model",
    "queryset",
    "post",
    "put",
    "patch",
    "delete",
    "form_valid",
    "create",
    "update",
    "partial_update",
    "destroy",
    "__call__",
];

/// The methods whose code protects a view.
const ACCESS_METHODS: &[&str] = &[
    "dispatch",
    "setup",
    "initial",
    "has_permission",
    "has_object_permission",
    "test_func",
    "get_test_func",
    "check_permissions",
    "check_object_permissions",
    "get_queryset",
    "get_object",
    "get_permission_required",
    "get_permission_object",
    "__call__",
    "as_view",
    "process_request",
    "process_view",
];

/// What Django and the common third-party libraries provide, by qualified name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    /// A decorator or mixin that checks this.
    Checks(Checks),
    /// Throttles requests: django-axes, django-ratelimit.
    RateLimit,
    /// Marks a view public on purpose (`login_not_required`, braces' `AnonymousRequiredMixin`).
    Public,
}

/// `(package prefix, name, what it is)`: a qualified name matches when it starts with the
/// prefix and ends with the name (libraries re-export from private modules:
/// `braces.views._access.LoginRequiredMixin` is `braces.views.LoginRequiredMixin`).
const LIBRARY: &[(&str, &str, Library)] = &[
    // Django.
    (
        "django.contrib.auth.",
        "login_required",
        Library::Checks(Checks::SESSION),
    ),
    (
        "django.contrib.auth.",
        "permission_required",
        Library::Checks(Checks::PERMISSION),
    ),
    (
        "django.contrib.auth.",
        "user_passes_test",
        Library::Checks(Checks::PREDICATE),
    ),
    (
        "django.contrib.auth.",
        "login_not_required",
        Library::Public,
    ),
    (
        "django.contrib.admin.",
        "staff_member_required",
        Library::Checks(Checks::STAFF),
    ),
    (
        "django.contrib.auth.",
        "LoginRequiredMixin",
        Library::Checks(Checks::SESSION),
    ),
    (
        "django.contrib.auth.",
        "PermissionRequiredMixin",
        Library::Checks(Checks::PERMISSION),
    ),
    (
        "django.contrib.auth.",
        "UserPassesTestMixin",
        Library::Checks(Checks::PREDICATE),
    ),
    // django-allauth.
    (
        "allauth.",
        "verified_email_required",
        Library::Checks(Checks::SESSION),
    ),
    (
        "allauth.",
        "reauthentication_required",
        Library::Checks(Checks::SESSION),
    ),
    (
        "allauth.",
        "login_required",
        Library::Checks(Checks::SESSION),
    ),
    // django-guardian.
    (
        "guardian.",
        "permission_required",
        Library::Checks(Checks::OBJECT_PERMISSION),
    ),
    (
        "guardian.",
        "permission_required_or_403",
        Library::Checks(Checks::OBJECT_PERMISSION),
    ),
    (
        "guardian.",
        "PermissionRequiredMixin",
        Library::Checks(Checks::OBJECT_PERMISSION),
    ),
    (
        "guardian.",
        "PermissionListMixin",
        Library::Checks(Checks::OBJECT_PERMISSION),
    ),
    (
        "guardian.",
        "LoginRequiredMixin",
        Library::Checks(Checks::SESSION),
    ),
    // django-rules.
    (
        "rules.contrib.",
        "permission_required",
        Library::Checks(Checks::OBJECT_PERMISSION),
    ),
    (
        "rules.contrib.",
        "PermissionRequiredMixin",
        Library::Checks(Checks::OBJECT_PERMISSION),
    ),
    (
        "rules.contrib.",
        "AutoPermissionViewSetMixin",
        Library::Checks(Checks::OBJECT_PERMISSION),
    ),
    // django-braces.
    (
        "braces.",
        "LoginRequiredMixin",
        Library::Checks(Checks::SESSION),
    ),
    (
        "braces.",
        "StaffuserRequiredMixin",
        Library::Checks(Checks::STAFF),
    ),
    (
        "braces.",
        "SuperuserRequiredMixin",
        Library::Checks(Checks::SUPERUSER),
    ),
    (
        "braces.",
        "PermissionRequiredMixin",
        Library::Checks(Checks::PERMISSION),
    ),
    (
        "braces.",
        "MultiplePermissionsRequiredMixin",
        Library::Checks(Checks::PERMISSION),
    ),
    (
        "braces.",
        "GroupRequiredMixin",
        Library::Checks(Checks::PREDICATE),
    ),
    (
        "braces.",
        "UserPassesTestMixin",
        Library::Checks(Checks::PREDICATE),
    ),
    ("braces.", "AnonymousRequiredMixin", Library::Public),
    // django-otp, django-two-factor-auth.
    (
        "django_otp.",
        "otp_required",
        Library::Checks(Checks::SESSION),
    ),
    (
        "two_factor.",
        "OTPRequiredMixin",
        Library::Checks(Checks::SESSION),
    ),
    // django-axes, django-ratelimit.
    ("axes.", "axes_dispatch", Library::RateLimit),
    ("axes.", "axes_form_invalid", Library::RateLimit),
    ("django_ratelimit.", "ratelimit", Library::RateLimit),
    ("ratelimit.", "ratelimit", Library::RateLimit),
    ("ratelimit.", "RatelimitMixin", Library::RateLimit),
    ("django_ratelimit.", "RatelimitMixin", Library::RateLimit),
    ("defender.", "watch_login", Library::RateLimit),
];

/// Whether a bare name is one of the table's (`login_required`, `StaffuserRequiredMixin`).
fn is_library_name(name: &str) -> bool {
    LIBRARY.iter().any(|(_, n, _)| *n == name)
}

/// What a qualified name of a library is, if the table knows it.
pub fn library(qualified: &str) -> Option<Library> {
    let last = qualified.rsplit('.').next().unwrap_or(qualified);
    LIBRARY
        .iter()
        .find(|(prefix, name, _)| *name == last && qualified.starts_with(prefix))
        .map(|(_, _, what)| *what)
}

/// DRF authentication classes: whether the credential is the session cookie.
pub fn drf_authentication_is_session(qualified: &str) -> Option<bool> {
    let last = qualified.rsplit('.').next().unwrap_or(qualified);
    match last {
        "SessionAuthentication" => Some(true),
        // Cookies a browser attaches by itself, like the session.
        "JWTCookieAuthentication" | "CookieJWTAuthentication" => Some(true),
        "TokenAuthentication"
        | "BasicAuthentication"
        | "RemoteUserAuthentication"
        | "JWTAuthentication"
        | "JWTStatelessUserAuthentication"
        | "JWTTokenUserAuthentication"
        | "JSONWebTokenAuthentication"
        | "OAuth2Authentication"
        | "KnoxTokenAuthentication"
        | "HawkAuthentication"
        | "APIKeyAuthentication" => Some(false),
        _ => None,
    }
}

/// Qualified names of packages that are neither the project nor a library djsec knows:
/// calls into them are not "uses" of a project decorator.
fn is_foreign(qualified: &str) -> bool {
    const STDLIB: &[&str] = &[
        "functools.",
        "django.",
        "rest_framework.",
        "typing.",
        "logging.",
        "inspect.",
        "asyncio.",
        "contextlib.",
    ];
    STDLIB.iter().any(|p| qualified.starts_with(p))
}

// ---------------------------------------------------------------------------------------------
// Computing the facts of one definition

/// The access facts of one top-level statement: a decorator (function or class-based), a
/// class. Decorators and classes are returned apart; a class-based decorator gives both.
pub fn of_definition(model: &Model, statement: Node) -> (Vec<DecoratorFacts>, Vec<ClassFacts>) {
    let Some(definition) = node::definition(statement) else {
        return (Vec::new(), Vec::new());
    };
    match definition.kind() {
        "function_definition" => (
            decorator_function(model, definition).into_iter().collect(),
            Vec::new(),
        ),
        "class_definition" => {
            let class = class_facts(model, statement, definition);
            let decorator = class
                .as_ref()
                .and_then(|c| class_decorator(model, definition, c));
            (decorator.into_iter().collect(), class.into_iter().collect())
        }
        _ => (Vec::new(), Vec::new()),
    }
}

/// Decorators made by a module-level assignment: `staff_required = user_passes_test(lambda u:
/// u.is_staff)`, `admin_required = permission_required("app.admin")`,
/// `team_required = project_factory("team")`.
pub fn of_assignment(model: &Model, statement: Node) -> Option<DecoratorFacts> {
    let src = model.source;
    let (left, right) = node::name_assignment(statement)?;
    let right = node::unparenthesize(right);
    if right.kind() != "call" {
        return None;
    }
    // `f(...)` or `f(...)(...)`: the factory is the innermost callee.
    let mut callee = right.field(Field::Function)?;
    while callee.kind() == "call" {
        callee = callee.field(Field::Function)?;
    }
    let qualified = model.qualified_name(callee);
    let mut uses = Vec::new();
    let mut checks = Checks::NONE;
    match qualified.as_deref().map(|q| (q, library(q))) {
        Some((_, Some(Library::Checks(c)))) => checks = c,
        Some((q, None)) if !is_foreign(q) => uses.push(q.to_string()),
        None if callee.kind() == "identifier" => uses.push(format!("@{}", text(callee, src))),
        _ => return None,
    }
    // What the arguments check: `user_passes_test(lambda u: u.is_staff)`.
    let scan = Scan::run(model, right, &[]);
    Some(DecoratorFacts {
        name: text(left, src).to_string(),
        checks: checks.or(scan.checks),
        uses,
        line: row(statement),
    })
}

fn row(n: Node) -> u32 {
    u32::try_from(n.start_position().row).unwrap_or(u32::MAX)
}

/// Parameter names of a function, stars stripped.
fn parameter_names<'s>(def: Node, src: &'s str) -> Vec<&'s str> {
    let Some(params) = def.field(Field::Parameters) else {
        return Vec::new();
    };
    let mut cursor = params.walk();
    params
        .named_children(&mut cursor)
        .filter_map(|p| crate::semantic::flow::parameter_name(p, src))
        .collect()
}

/// The nested `def`s directly in a function body (not inside other nested ones), by name.
fn nested_defs<'t, 's>(body: Node<'t>, src: &'s str) -> Vec<(&'s str, Node<'t>)> {
    let mut out = Vec::new();
    let body_id = body.id();
    node::walk(body, |n| {
        if n.id() == body_id {
            return true;
        }
        if n.kind() == "function_definition" {
            if let Some(name) = n.field(Field::Name) {
                out.push((text(name, src), n));
            }
            return false;
        }
        !matches!(n.kind(), "class_definition" | "lambda")
    });
    out
}

/// A module-level function that is a decorator or a decorator factory: it returns a function it
/// defines (its wrapper), or applies a decorator to its parameter (`return login_required(f)`),
/// or returns a decorator made by a factory (`return user_passes_test(test)`).
fn decorator_function(model: &Model, def: Node) -> Option<DecoratorFacts> {
    let src = model.source;
    let name = text(def.field(Field::Name)?, src);
    let body = def.field(Field::Body)?;
    let params = parameter_names(def, src);
    // A decorator takes the view (or a factory's arguments), not `self` or a request: views and
    // request helpers are not decorators.
    if params.is_empty()
        || params.first().is_some_and(|p| {
            matches!(*p, "self" | "cls") || model.sources.request_params.iter().any(|r| r == p)
        })
    {
        return None;
    }
    let nested: Vec<&str> = nested_defs(body, src).iter().map(|(n, _)| *n).collect();
    let returns = model.index.returns(def);
    let mut decorator = false;
    for r in returns {
        let Some(value) = r
            .named_child(0)
            .filter(|v| v.kind() != "comment")
            .map(node::unparenthesize)
        else {
            continue;
        };
        match value.kind() {
            "identifier" if nested.contains(&text(value, src)) => decorator = true,
            "call" => {
                let mut callee = value.field(Field::Function);
                while let Some(c) = callee.filter(|c| c.kind() == "call") {
                    callee = c.field(Field::Function);
                }
                // `return login_required(f)`, `return outer(inner(...)(f))`.
                let mentions_param = value.field(Field::Arguments).is_some_and(|args| {
                    let mut found = false;
                    node::walk(args, |a| {
                        if a.kind() == "identifier" {
                            let t = text(a, src);
                            found |= params.contains(&t) || nested.contains(&t);
                        }
                        !found && a.kind() != "lambda"
                    });
                    found
                });
                let factory = callee
                    .and_then(|c| model.qualified_name(c))
                    .is_some_and(|q| matches!(library(&q), Some(Library::Checks(_))));
                if mentions_param || factory {
                    decorator = true;
                }
            }
            _ => {}
        }
    }
    // `@decorator` (the `decorator` package): `def deco(func, *args, **kwargs)`.
    if !decorator && let Some(parent) = def.parent().filter(|p| p.kind() == "decorated_definition")
    {
        let mut cursor = parent.walk();
        decorator = parent
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "decorator")
            .any(|d| {
                let t = text(d, src).trim_start_matches('@').trim();
                t == "decorator" || t.ends_with(".decorator")
            });
    }
    if !decorator {
        return None;
    }
    let scan = Scan::run(model, body, &params);
    Some(DecoratorFacts {
        name: name.to_string(),
        checks: scan.checks,
        uses: scan.uses,
        line: row(def),
    })
}

/// A class used as a decorator: it defines `__call__` and takes the view in `__init__`.
fn class_decorator(model: &Model, def: Node, class: &ClassFacts) -> Option<DecoratorFacts> {
    if !class.defines("__call__") {
        return None;
    }
    let src = model.source;
    let body = def.field(Field::Body)?;
    let mut cursor = body.walk();
    let members: Vec<Node> = body.named_children(&mut cursor).collect();
    let init = members
        .iter()
        .filter_map(|m| node::definition(*m))
        .find(|d| {
            d.kind() == "function_definition"
                && d.field(Field::Name)
                    .is_some_and(|n| text(n, src) == "__init__")
        })?;
    // `__init__(self, view)` or `__init__(self, view_func, ...)`.
    if parameter_names(init, src).len() < 2 {
        return None;
    }
    Some(DecoratorFacts {
        name: class.name.clone(),
        checks: class.checks,
        uses: class.uses.clone(),
        line: class.line,
    })
}

fn class_facts(model: &Model, statement: Node, def: Node) -> Option<ClassFacts> {
    let src = model.source;
    let name = text(def.field(Field::Name)?, src).to_string();
    let body = def.field(Field::Body)?;
    let mut bases = Vec::new();
    if let Some(list) = def.field(Field::Superclasses) {
        let mut cursor = list.walk();
        let nodes: Vec<Node> = list
            .named_children(&mut cursor)
            .filter(|n| !matches!(n.kind(), "keyword_argument" | "comment"))
            .collect();
        for n in nodes {
            let target = if n.kind() == "subscript" {
                n.field(Field::Value).unwrap_or(n)
            } else {
                n
            };
            bases.push(name_as_module_names(model, target).unwrap_or_else(|| "?".to_string()));
        }
    }
    let mut checks = Checks::NONE;
    let mut uses = Vec::new();
    let mut defines = Vec::new();
    let mut owner_fields = Vec::new();
    let mut app_label = None;
    // Class decorators: `@method_decorator(login_required, name="dispatch")`.
    if statement.kind() == "decorated_definition" {
        let mut cursor = statement.walk();
        let decorators: Vec<Node> = statement
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "decorator")
            .collect();
        for d in decorators {
            let scan = Scan::run(model, d, &[]);
            checks = checks.or(scan.checks);
            extend_unique(&mut uses, scan.uses);
        }
    }
    let mut cursor = body.walk();
    let members: Vec<Node> = body.named_children(&mut cursor).collect();
    for member in members {
        if let Some(method) = node::definition(member).filter(|d| d.kind() == "function_definition")
        {
            let Some(method_name) = method.field(Field::Name).map(|n| text(n, src)) else {
                continue;
            };
            if MEMBERS.contains(&method_name) {
                push_unique(&mut defines, method_name);
            }
            if ACCESS_METHODS.contains(&method_name) {
                let scoping = matches!(method_name, "get_queryset" | "get_object");
                let params = parameter_names(method, src);
                let scan = Scan::run_with(model, member, &params, scoping);
                checks = checks.or(scan.checks);
                extend_unique(&mut uses, scan.uses);
            }
            continue;
        }
        if member.kind() == "class_definition"
            && member
                .field(Field::Name)
                .is_some_and(|n| text(n, src) == "Meta")
        {
            app_label = meta_app_label(member, src);
            continue;
        }
        let Some((left, right)) = node::name_assignment(member) else {
            continue;
        };
        let attr = text(left, src);
        if MEMBERS.contains(&attr) && text(right, src) != "None" {
            push_unique(&mut defines, attr);
        }
        if is_owner_field(model, right) {
            owner_fields.push(attr.to_string());
        }
    }
    Some(ClassFacts {
        name,
        bases,
        checks,
        uses,
        defines,
        owner_fields,
        app_label,
        line: row(def),
    })
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

fn extend_unique(list: &mut Vec<String>, items: Vec<String>) {
    for item in items {
        if !list.contains(&item) && list.len() < MAX_USES {
            list.push(item);
        }
    }
}

/// Names kept per decorator or class.
const MAX_USES: usize = 8;

/// `class Meta: app_label = "billing"`.
fn meta_app_label(meta: Node, src: &str) -> Option<String> {
    let body = meta.field(Field::Body)?;
    let mut cursor = body.walk();
    let statements: Vec<Node> = body.named_children(&mut cursor).collect();
    statements.into_iter().find_map(|s| {
        let a = s.named_child(0).filter(|a| a.kind() == "assignment")?;
        (a.field(Field::Left).map(|l| text(l, src)) == Some("app_label"))
            .then(|| a.field(Field::Right))
            .flatten()
            .and_then(|v| string_value(v, src))
    })
}

fn string_value(n: Node, src: &str) -> Option<String> {
    let n = node::unparenthesize(n);
    if n.kind() != "string" {
        return None;
    }
    let mut cursor = n.walk();
    let mut out = String::new();
    for child in n.named_children(&mut cursor) {
        match child.kind() {
            "string_content" => out.push_str(text(child, src)),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

/// `models.ForeignKey(User, ...)`, `OneToOneField(settings.AUTH_USER_MODEL, ...)`,
/// `ForeignKey(get_user_model(), ...)`, `ForeignKey("auth.User", ...)`.
fn is_owner_field(model: &Model, value: Node) -> bool {
    let src = model.source;
    let value = node::unparenthesize(value);
    if value.kind() != "call"
        || !node::callee_name(value, src).is_some_and(|c| c == "ForeignKey" || c == "OneToOneField")
    {
        return false;
    }
    let Some(target) = node::positional_args(value)
        .first()
        .copied()
        .or_else(|| node::keyword_arg(value, "to", src))
    else {
        return false;
    };
    let target_text = text(target, src);
    if target_text.ends_with("AUTH_USER_MODEL") || target_text.starts_with("get_user_model(") {
        return true;
    }
    if let Some(s) = string_value(target, src) {
        return s == "User" || s.ends_with(".User");
    }
    match model.qualified_name(target) {
        Some(q) => q == "django.contrib.auth.models.User" || q.ends_with(".User"),
        None => target_text == "User",
    }
}

/// How a module names what an expression refers to: its imported qualified name, `@name` for a
/// name of the module itself, `@Class.attr` for an attribute of one.
pub fn name_as_module_names(model: &Model, n: Node) -> Option<String> {
    if let Some(q) = model.qualified_name(n) {
        return Some(q);
    }
    let src = model.source;
    match n.kind() {
        "identifier" => Some(format!("@{}", text(n, src))),
        "attribute" => {
            let object = n.field(Field::Object)?;
            (object.kind() == "identifier").then(|| format!("@{}", text(n, src)))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Scanning code for checks

/// The checks found in a piece of code, and the project decorators it applies.
#[derive(Debug, Default)]
pub struct Scan {
    pub checks: Checks,
    pub uses: Vec<String>,
}

/// Calls that end the request: raising one of these, or returning one of these responses.
const DENIALS: &[&str] = &[
    "PermissionDenied",
    "NotAuthenticated",
    "AuthenticationFailed",
    "HttpResponseForbidden",
    "redirect_to_login",
];

/// Header names and parameters that carry a credential other than the session cookie.
const CREDENTIALS: &[&str] = &[
    "authorization",
    "api-key",
    "api_key",
    "apikey",
    "x-api",
    "auth-token",
    "auth_token",
    "x-token",
    "access_token",
    "bearer",
    "signature",
    "x-hub-",
];

/// Calls that verify a credential.
const VERIFICATIONS: &[&str] = &[
    "compare_digest",
    "constant_time_compare",
    "verify_signature",
    "validate_signature",
    "check_signature",
    "get_authorization_header",
    "construct_event",
];

/// Decorators of an inner function that do not change what it checks.
const NEUTRAL_DECORATORS: &[&str] = &[
    "wraps",
    "functools.wraps",
    "staticmethod",
    "classmethod",
    "property",
    "cached_property",
    "method_decorator",
];

impl Scan {
    /// Scan `root` (everything under it, nested functions and lambdas included: a decorator's
    /// code is all about its wrapper). `params` are the parameters that hold the view (calls
    /// that receive one apply a decorator to it).
    pub fn run(model: &Model, root: Node, params: &[&str]) -> Scan {
        Scan::run_with(model, root, params, false)
    }

    /// With `scoping`, a query that mentions the user (`filter(owner=self.request.user)`)
    /// counts as an object-level check (a `get_queryset()` scoped to the user).
    pub fn run_with(model: &Model, root: Node, params: &[&str], scoping: bool) -> Scan {
        let src = model.source;
        let mut scan = Scan::default();
        if scoping && mentions_request_user(root, src) {
            scan.checks.object = true;
        }
        let mut steps = 0usize;
        let mut guards: Vec<Node> = Vec::new();
        let mut denies_somewhere = false;
        node::walk(root, |n| {
            steps += 1;
            if steps > 200_000 {
                return false;
            }
            match n.kind() {
                "attribute" => scan.attribute(n, src),
                "call" => scan.call(model, n, params, scoping),
                "decorator" => scan.decorator(model, n),
                "string_content" => {
                    let lower = text(n, src).to_ascii_lowercase();
                    if CREDENTIALS.iter().any(|c| lower.contains(c)) && lower.len() < 64 {
                        scan.checks.token = true;
                    }
                }
                "raise_statement" | "return_statement" => {
                    denies_somewhere |= scan.denial(n, src);
                }
                "if_statement" if allows_view(n, params, src) => guards.push(n),
                "comparison_operator" if scoping && mentions_request_user(n, src) => {
                    scan.checks.object = true;
                }
                _ => {}
            }
            true
        });
        // `if <condition>: return view(request, ...)` and a denial after it: the view runs only
        // when the condition holds.
        if denies_somewhere {
            for guard in guards {
                if let Some(condition) = guard.field(Field::Condition) {
                    scan.requirement(condition, src, false);
                }
            }
        }
        scan
    }

    fn attribute(&mut self, n: Node, src: &str) {
        let attr = n.field(Field::Attribute).map_or("", |a| text(a, src));
        if !matches!(attr, "is_staff" | "is_superuser") {
            return;
        }
        // `user.is_staff = True` sets the flag, it does not check it (`parent()` searches from
        // the root, so it is asked only of flag reads).
        if n.parent().is_some_and(|p| {
            p.kind() == "assignment" && p.field(Field::Left).is_some_and(|l| l.id() == n.id())
        }) {
            return;
        }
        // Reading `is_authenticated` alone says nothing (a view may send logged-in users
        // elsewhere, a decorator may admit anonymous users only): the denials say what is
        // required ([`Scan::denial`]). Staff and superuser flags are only ever read to check.
        match attr {
            "is_staff" => self.checks = self.checks.or(Checks::STAFF),
            "is_superuser" => self.checks = self.checks.or(Checks::SUPERUSER),
            _ => {}
        }
    }

    fn call(&mut self, model: &Model, call: Node, params: &[&str], scoping: bool) {
        let src = model.source;
        let Some(function) = call.field(Field::Function) else {
            return;
        };
        // `factory(...)(view)`: the factory applies a decorator to the view.
        let (callee, applied) = if function.kind() == "call" {
            (function.field(Field::Function), true)
        } else {
            (Some(function), false)
        };
        let name = node::callee_name(call, src).unwrap_or("");
        // Resolving a name costs a lookup: only for names a library or a decorator may have.
        let receives_view = node::positional_args(call)
            .iter()
            .any(|a| a.kind() == "identifier" && params.contains(&text(*a, src)));
        let wanted = applied || receives_view || is_library_name(name);
        let qualified = callee
            .filter(|_| wanted)
            .and_then(|c| model.qualified_name(c));
        if let Some(Library::Checks(c)) = qualified.as_deref().and_then(library) {
            self.checks = self.checks.or(c);
        }
        match name {
            "has_perm" | "has_perms" | "has_module_perms" => {
                self.checks = self.checks.or(Checks::PERMISSION);
                if node::arg_count(call) >= 2 {
                    self.checks.object = true;
                }
            }
            "check_object_permissions"
            | "has_object_permission"
            | "get_perms"
            | "get_objects_for_user"
            | "ObjectPermissionChecker" => {
                self.checks = self.checks.or(Checks::OBJECT_PERMISSION);
            }
            "redirect_to_login" => self.checks.session = true,
            _ if VERIFICATIONS.contains(&name) => self.checks.token = true,
            _ => {}
        }
        // `method_decorator(team_required, name="dispatch")`, `method_decorator([a, b])`.
        if name == "method_decorator"
            && let Some(first) = node::positional_args(call).first().copied()
        {
            let first = node::unparenthesize(first);
            let items: Vec<Node> = if matches!(first.kind(), "list" | "tuple") {
                let mut cursor = first.walk();
                first.named_children(&mut cursor).collect()
            } else {
                vec![first]
            };
            for item in items {
                let target = if item.kind() == "call" {
                    item.field(Field::Function).unwrap_or(item)
                } else {
                    item
                };
                let q = model.qualified_name(target);
                if let Some(Library::Checks(c)) = q.as_deref().and_then(library) {
                    self.checks = self.checks.or(c);
                }
                let named = q.or_else(|| name_as_module_names(model, target));
                if let Some(named) = named.filter(|q| is_project_name(q)) {
                    extend_unique(&mut self.uses, vec![named]);
                }
            }
        }
        if scoping
            && matches!(name, "filter" | "get" | "exclude")
            && call
                .field(Field::Arguments)
                .is_some_and(|a| mentions_request_user(a, src))
        {
            self.checks.object = true;
        }
        // A project decorator applied to the view: `other_required(view)`.
        if (receives_view || applied)
            && let Some(callee) = callee
        {
            let named = qualified
                .clone()
                .or_else(|| name_as_module_names(model, callee));
            if let Some(named) = named.filter(|q| is_project_name(q)) {
                extend_unique(&mut self.uses, vec![named]);
            }
        }
    }

    fn decorator(&mut self, model: &Model, d: Node) {
        let Some(expr) = d.named_child(0).map(node::unparenthesize) else {
            return;
        };
        let callee = if expr.kind() == "call" {
            expr.field(Field::Function)
        } else {
            Some(expr)
        };
        let Some(callee) = callee else {
            return;
        };
        let src = model.source;
        if NEUTRAL_DECORATORS.contains(&text(callee, src)) {
            return;
        }
        let qualified = model.qualified_name(callee);
        if let Some(q) = &qualified {
            if let Some(Library::Checks(c)) = library(q) {
                self.checks = self.checks.or(c);
            }
            if NEUTRAL_DECORATORS
                .iter()
                .any(|n| q.ends_with(&format!(".{n}")) || q == n)
            {
                return;
            }
        }
        let named = qualified.or_else(|| name_as_module_names(model, callee));
        if let Some(named) = named.filter(|q| is_project_name(q)) {
            extend_unique(&mut self.uses, vec![named]);
        }
    }

    /// `raise PermissionDenied`, `return HttpResponse(status=403)` or a redirect to the login
    /// page under a condition: what the condition looks at is what is checked. Returns whether
    /// `n` denies the request at all.
    fn denial(&mut self, n: Node, src: &str) -> bool {
        let Some(value) = n
            .named_child(0)
            .filter(|v| v.kind() != "comment")
            .map(node::unparenthesize)
        else {
            return false;
        };
        let denies = if value.kind() == "call" {
            let name = node::callee_name(value, src).unwrap_or("");
            DENIALS.contains(&name)
                || (matches!(name, "HttpResponse" | "JsonResponse" | "Response")
                    && node::keyword_arg(value, "status", src)
                        .is_some_and(|s| matches!(text(s, src), "401" | "403")))
                || (matches!(name, "redirect" | "HttpResponseRedirect")
                    && value
                        .field(Field::Arguments)
                        .is_some_and(|a| text(a, src).to_ascii_lowercase().contains("login")))
        } else {
            n.kind() == "raise_statement"
                && DENIALS.contains(&text(value, src).rsplit('.').next().unwrap_or(""))
        };
        if !denies {
            // `if not is_ajax(request): raise Http404`: the view answers only requests that
            // carry a header a cross-site form cannot set (no authentication, but no forged
            // form either).
            let refusal = matches!(
                text(value, src).rsplit('.').next().unwrap_or(""),
                "Http404" | "SuspiciousOperation"
            ) || (value.kind() == "call"
                && matches!(
                    node::callee_name(value, src),
                    Some("Http404" | "HttpResponseBadRequest" | "HttpResponseNotFound")
                ));
            if refusal
                && let Some((condition, _)) = enclosing_condition(n)
                && mentions_ajax_header(condition, src)
            {
                self.checks.custom_header = true;
            }
            return false;
        }
        if let Some((condition, when_true)) = enclosing_condition(n) {
            // Denied when the condition holds: the view needs it false; in the `else`: true.
            self.requirement(condition, src, when_true);
        }
        true
    }

    /// What the view requires when it runs only if `condition` is false (`denied_when_true`)
    /// or true.
    fn requirement(&mut self, condition: Node, src: &str, denied_when_true: bool) {
        if denied_when_true && conditional_on_configuration(condition, src) {
            return;
        }
        match flag_requirement(condition, src, denied_when_true) {
            Some(required) => self.checks = self.checks.or(required),
            None if flag_condition(condition, src) => {}
            None if mentions_user(condition, src) => {
                self.checks.predicate = true;
                self.checks.session = true;
            }
            None if mentions_credential(condition, src) => self.checks.token = true,
            None => {}
        }
    }
}

/// A denial under `<test of the request> and <something about neither the request nor the
/// user>` (`not request.user.is_authenticated and settings.REDIRECT_TO_LOGIN`): whether the view
/// requires anything depends on configuration, so it requires nothing definite.
fn conditional_on_configuration(condition: Node, src: &str) -> bool {
    let condition = node::unparenthesize(condition);
    if condition.kind() != "boolean_operator"
        || condition.field(Field::Operator).map(|o| text(o, src)) != Some("and")
    {
        return false;
    }
    let mut conjuncts = Vec::new();
    let mut stack = vec![condition];
    while let Some(n) = stack.pop() {
        if conjuncts.len() > 8 {
            return false;
        }
        let n = node::unparenthesize(n);
        let is_and = n.kind() == "boolean_operator"
            && n.field(Field::Operator).map(|o| text(o, src)) == Some("and");
        match (is_and, n.field(Field::Left), n.field(Field::Right)) {
            (true, Some(l), Some(r)) => {
                stack.push(l);
                stack.push(r);
            }
            _ => conjuncts.push(n),
        }
    }
    conjuncts.iter().any(|c| {
        !text(*c, src).contains("request")
            && !mentions_user(*c, src)
            && !mentions_credential(*c, src)
    })
}

/// The user flags a condition tests, when it is nothing else: `not u.is_authenticated`,
/// `u.is_anonymous or not u.is_staff` (an `or` of flag tests, each maybe negated).
fn flag_terms<'s>(condition: Node, src: &'s str) -> Option<Vec<(&'s str, bool)>> {
    let mut terms = Vec::new();
    let mut stack = vec![node::unparenthesize(condition)];
    while let Some(n) = stack.pop() {
        if terms.len() > 8 {
            return None;
        }
        match n.kind() {
            "boolean_operator" => {
                let op = n.field(Field::Operator).map(|o| text(o, src));
                if op != Some("or") {
                    return None;
                }
                stack.push(node::unparenthesize(n.field(Field::Left)?));
                stack.push(node::unparenthesize(n.field(Field::Right)?));
            }
            _ => {
                let mut negated = false;
                let mut term = n;
                while term.kind() == "not_operator" {
                    negated = !negated;
                    term = node::unparenthesize(term.field(Field::Argument)?);
                }
                if term.kind() != "attribute" {
                    return None;
                }
                let attr = text(term.field(Field::Attribute)?, src);
                if !matches!(
                    attr,
                    "is_authenticated" | "is_anonymous" | "is_active" | "is_staff" | "is_superuser"
                ) {
                    return None;
                }
                terms.push((attr, negated));
            }
        }
    }
    Some(terms)
}

/// What a flag condition requires of the user, given when the request is denied. `None` when
/// the condition is not a plain test of flags, or requires an anonymous user
/// (`if request.user.is_authenticated: raise PermissionDenied`: a page for visitors only).
fn flag_requirement(condition: Node, src: &str, denied_when_true: bool) -> Option<Checks> {
    let terms = flag_terms(condition, src)?;
    // Denied when any term holds: the view needs every term false. In an `else` (or after an
    // allow-guard), it needs the condition true: one term (an `or` says nothing definite).
    let needed: Vec<(&str, bool)> = if denied_when_true {
        terms.iter().map(|(a, neg)| (*a, *neg)).collect()
    } else if terms.len() == 1 {
        terms.iter().map(|(a, neg)| (*a, !*neg)).collect()
    } else {
        return None;
    };
    // `(attr, negated)` must be false: `not u.is_authenticated` false means logged in.
    let mut checks = Checks::NONE;
    for (attr, negated) in needed {
        let wants_true = negated;
        let c = match (attr, wants_true) {
            ("is_authenticated", true) | ("is_anonymous", false) | ("is_active", true) => {
                Checks::SESSION
            }
            ("is_staff", true) => Checks::STAFF,
            ("is_superuser", true) => Checks::SUPERUSER,
            // Logged-out users only, or an odd test: no requirement djsec can state.
            _ => return None,
        };
        checks = checks.or(c);
    }
    Some(checks)
}

/// `if <condition>: return view(request, ...)` with the view one of `params`.
fn allows_view(if_statement: Node, params: &[&str], src: &str) -> bool {
    let Some(consequence) = if_statement.field(Field::Consequence) else {
        return false;
    };
    let mut found = false;
    node::walk(consequence, |n| {
        if n.kind() == "call"
            && n.field(Field::Function)
                .is_some_and(|f| f.kind() == "identifier" && params.contains(&text(f, src)))
        {
            found = true;
        }
        !found
            && !matches!(
                n.kind(),
                "function_definition" | "lambda" | "class_definition"
            )
    });
    found
}

/// Names that may be project code: not Django's, DRF's or the standard library's.
fn is_project_name(named: &str) -> bool {
    named.starts_with('@')
        || named.starts_with('.')
        || !is_foreign(named) && library(named).is_none()
}

/// The condition of the innermost `if`/`elif` whose branch contains `n`, and whether `n` runs
/// when it holds (`false`: in the `else`).
fn enclosing_condition(n: Node) -> Option<(Node, bool)> {
    let mut current = n;
    for _ in 0..64 {
        let parent = current.parent()?;
        match parent.kind() {
            "if_statement" | "elif_clause" => {
                let condition = parent.field(Field::Condition)?;
                if !node::contains(condition, n) {
                    return Some((condition, true));
                }
            }
            "else_clause" => {
                // `if ...: ... else: deny` — the `if`'s condition.
                if let Some(condition) = parent.parent().and_then(|p| p.field(Field::Condition)) {
                    return Some((condition, false));
                }
            }
            "function_definition" | "lambda" | "class_definition" | "module" => return None,
            _ => {}
        }
        current = parent;
    }
    None
}

/// Whether an expression looks at the user: `request.user`, a `user` variable or attribute, or
/// a call given the request (`can_edit(request, obj)`); not `request.META[...]` or
/// `request.settings.x`.
fn mentions_user(n: Node, src: &str) -> bool {
    let mut found = false;
    node::walk(n, |c| {
        if found {
            return false;
        }
        match c.kind() {
            "identifier" => found = text(c, src).to_ascii_lowercase().contains("user"),
            "attribute" => {
                found = c
                    .field(Field::Attribute)
                    .is_some_and(|a| text(a, src).to_ascii_lowercase().contains("user"));
            }
            _ => {}
        }
        !found
    });
    found || calls_with_request(n, src)
}

/// A condition that only reads the user's flags: `not request.user.is_authenticated`,
/// `request.user.is_anonymous or not request.user.is_staff`. What the flags mean is recorded
/// by [`Scan::attribute`]; the denial adds a login, not another condition.
fn flag_condition(n: Node, src: &str) -> bool {
    let mut login = false;
    let mut other = false;
    node::walk(n, |c| {
        match c.kind() {
            "attribute" => {
                let attr = c.field(Field::Attribute).map_or("", |a| text(a, src));
                match attr {
                    "is_authenticated" | "is_anonymous" | "is_active" | "is_staff"
                    | "is_superuser" => login = true,
                    // `request.user`, `self.request`: the path to the flag.
                    "user" | "request" => {}
                    _ => other = true,
                }
            }
            "call" | "comparison_operator" | "subscript" => other = true,
            _ => {}
        }
        !other
    });
    login && !other
}

/// Whether an expression mentions the current user (`request.user`, `self.request.user`): a
/// query scoped to them.
fn mentions_request_user(n: Node, src: &str) -> bool {
    let t = text(n, src);
    t.contains("request.user") || t.contains("current_user")
}

fn calls_with_request(n: Node, src: &str) -> bool {
    let mut found = false;
    node::walk(n, |c| {
        if c.kind() == "call"
            && node::positional_args(c)
                .iter()
                .any(|a| matches!(text(*a, src), "request" | "self.request"))
        {
            found = true;
        }
        !found
    });
    found
}

/// Whether an expression looks at a credential of the request: a header, the client address.
/// `is_ajax(request)`, `request.headers.get("X-Requested-With")`,
/// `request.META["HTTP_X_REQUESTED_WITH"]`.
fn mentions_ajax_header(n: Node, src: &str) -> bool {
    let t = text(n, src).to_ascii_lowercase();
    t.contains("is_ajax") || t.contains("x_requested_with") || t.contains("x-requested-with")
}

fn mentions_credential(n: Node, src: &str) -> bool {
    let t = text(n, src).to_ascii_lowercase();
    t.contains("meta")
        || t.contains("headers")
        || t.contains("remote_addr")
        || t.contains("token")
        || t.contains("key")
        || t.contains("signature")
        || CREDENTIALS.iter().any(|c| t.contains(c))
}

#[cfg(test)]
mod tests;
