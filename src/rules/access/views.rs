//! What the access-control rules know about a module's views, computed once per analysis.
//!
//! - Which module-level functions are views: the first parameter is the request, and the module
//!   is a views module, or the function is decorated like a view, returns a response, or is
//!   routed in the URLconf.
//! - Which module-level classes are views, through their bases: Django generic views, DRF views
//!   and viewsets, access mixins, and classes of the same module (followed, bounded). A base
//!   that cannot be resolved (a project class from another module, a star import) makes the class
//!   *unknown*: it may carry the protection, so the rules stay silent.
//! - How a view is protected (decorators, mixins, `method_decorator`, checks in the body) and
//!   whether it changes data (handles POST, calls `.save()`, `.delete()`, sends mail...).
//!
//! Everything here is iterative: bodies are walked with a tree cursor, class hierarchies with a
//! bounded worklist.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;

use tree_sitter::Node;

use super::public::PublicViews;
use super::resolve::{self, Known};
use crate::analysis::python::PyChecker;
use crate::project::facts::Resolver;
use crate::project::facts::access::{self as facts, Checks, Library};
use crate::semantic::node;

/// Project knowledge the access rules use: what the settings and the URLconf say. Every field
/// may be unknown, and an unknown value never produces a finding on its own.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `django.contrib.auth.middleware.LoginRequiredMiddleware` is in the effective `MIDDLEWARE`.
    pub login_required_middleware: Option<bool>,
    /// The effective `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]`, as qualified names; DRF's
    /// own default (`AllowAny`) when the setting is absent from a known settings module.
    pub drf_default_permissions: Option<Vec<String>>,
    /// The effective `REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`, as qualified names;
    /// DRF's own default (session and basic authentication) when the setting is absent.
    pub drf_default_authentication: Option<Vec<String>>,
    /// Routes pointing at the views of this module, by view name.
    pub routes: HashMap<String, Vec<RouteFacts>>,
    /// Phrases that mark a view as intentionally public.
    pub public: PublicViews,
    /// Qualified names of views configured as public (`public-views`, `*` matching one part).
    pub public_names: Vec<String>,
    /// The dotted path of the analysed file (`shop.views`, from its path), to match
    /// `public_names` against.
    pub module: Option<String>,
    /// The URLconf was read completely from `ROOT_URLCONF`: a function no route reaches is not
    /// a view.
    pub urlconf_complete: bool,
    /// Project middleware in the production `MIDDLEWARE` (dotted paths), which may require a
    /// login on some paths.
    pub project_middleware: Vec<String>,
    /// Whether the project throttles requests (django-axes, django-ratelimit, DRF throttles).
    pub rate_limited: Option<bool>,
    /// `REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]` is set.
    pub drf_throttled: Option<bool>,
    /// The project's root folder, to show paths relative to it.
    pub root: Option<std::path::PathBuf>,
}

/// What the URLconf says about one route to a view of this module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteFacts {
    /// The full route (include prefixes joined), as written.
    pub route: String,
    /// The URL name, with its namespace when there is one.
    pub name: Option<String>,
    /// Decorators applied around the view in the URLconf (`login_required`, `csrf_exempt`).
    pub wrappers: Vec<String>,
}

impl Env {
    /// What the analysis context knows of the project: the configured public views, and with a
    /// project index, the routes to this file's views and the deployed settings.
    pub fn from_context(context: &crate::analysis::Context) -> Env {
        let mut env = Env {
            public_names: context.public_views.to_vec(),
            ..Env::default()
        };
        let Some(path) = context.path.as_deref() else {
            return env;
        };
        let Some(index) = context.project.as_deref() else {
            env.module = dotted_path(path);
            return env;
        };
        let path = index.normalize(path);
        env.module = index.dotted_name(&path).or_else(|| dotted_path(&path));
        let facts = index.access();
        env.login_required_middleware = facts.login_required_middleware;
        env.drf_default_permissions = facts.drf_default_permissions.clone();
        env.drf_default_authentication = facts.drf_default_authentication.clone();
        env.urlconf_complete = facts.urlconf_complete;
        env.project_middleware = facts.project_middleware.clone();
        env.rate_limited = facts.rate_limited;
        env.drf_throttled = facts.drf_throttled;
        env.root = Some(index.root().to_path_buf());
        // Routes to this file's views, and to names its package's `__init__.py` re-exports
        // (`from .views import order_list` with `views/__init__.py` importing `views/orders.py`).
        let package_init = path
            .parent()
            .map(|dir| dir.join("__init__.py"))
            .filter(|init| *init != path);
        for file in std::iter::once(path.clone()).chain(package_init) {
            for (name, routes) in facts.routes.get(file.as_path()).into_iter().flatten() {
                env.routes
                    .entry(name.clone())
                    .or_default()
                    .extend(routes.iter().map(|r| RouteFacts {
                        route: r.route.clone(),
                        name: r.name.clone(),
                        wrappers: r.wrappers.clone(),
                    }));
            }
        }
        env
    }

    /// The configured `public-views` entry that names this view, if any: entries are dotted
    /// names matched against the end of the view's qualified name, `*` matching one part
    /// (`myapp.views.health`, `myapp.public.*`, `*.views.ping`).
    pub fn configured_public(&self, view_name: &str) -> Option<&str> {
        let module = self.module.as_deref()?;
        let qualified: Vec<&str> = module.split('.').chain([view_name]).collect();
        self.public_names
            .iter()
            .find(|entry| {
                let parts: Vec<&str> = entry.split('.').collect();
                parts.len() <= qualified.len()
                    && parts
                        .iter()
                        .zip(&qualified[qualified.len() - parts.len()..])
                        .all(|(p, q)| *p == "*" || p == q)
            })
            .map(String::as_str)
    }

    pub fn middleware_requires_login(&self) -> bool {
        self.login_required_middleware == Some(true)
    }

    /// Why a view (by name) is intentionally public: the matching phrase and where it was found.
    pub fn public_reason(&self, view_name: &str) -> Option<String> {
        if let Some(entry) = self.configured_public(view_name) {
            return Some(format!(
                "the configuration lists it in `public-views` (`{entry}`)"
            ));
        }
        if let Some(phrase) = self.public.matching(view_name) {
            return Some(format!("its name matches `{phrase}`"));
        }
        for route in self.routes.get(view_name).into_iter().flatten() {
            if let Some(phrase) = self.public.matching(&route.route) {
                return Some(format!("its route `{}` matches `{phrase}`", route.route));
            }
            if let Some(name) = &route.name
                && let Some(phrase) = self.public.matching(name)
            {
                return Some(format!("its URL name `{name}` matches `{phrase}`"));
            }
        }
        None
    }

    /// Whether the URLconf wraps every route to this view in an authentication decorator.
    pub fn routed_with_auth(&self, view_name: &str) -> bool {
        let routes = self.routes.get(view_name).map_or(&[][..], Vec::as_slice);
        !routes.is_empty()
            && routes
                .iter()
                .all(|r| r.wrappers.iter().any(|w| is_auth_decorator(w)))
    }

    pub fn is_routed(&self, view_name: &str) -> bool {
        self.routes.get(view_name).is_some_and(|r| !r.is_empty())
    }

    /// What the `urls.py` wrappers of every route to a view check (`None` when some route has
    /// no authentication wrapper). A wrapper known by its name only counts as a login.
    pub fn wrapper_checks(&self, view_name: &str) -> Option<(Checks, Vec<String>)> {
        if !self.routed_with_auth(view_name) {
            return None;
        }
        let mut checks: Option<Checks> = None;
        let mut names = Vec::new();
        for route in self.routes.get(view_name).into_iter().flatten() {
            let mut route_checks = Checks::NONE;
            for w in &route.wrappers {
                let c = match w.as_str() {
                    "login_required" => Checks::SESSION,
                    "permission_required" => Checks::PERMISSION,
                    "staff_member_required" => Checks::STAFF,
                    "user_passes_test" => Checks::PREDICATE,
                    _ if is_auth_decorator(w) => Checks::SESSION,
                    _ => Checks::NONE,
                };
                route_checks = route_checks.or(c);
                if c.any() && !names.contains(w) {
                    names.push(w.clone());
                }
            }
            // Every route must check: the weakest route is what a caller gets.
            checks = Some(match checks {
                None => route_checks,
                Some(c) => weakest(c, route_checks),
            });
        }
        checks.map(|c| (c, names))
    }

    /// Whether a view is reached in no way djsec can see while the URLconf was read
    /// completely: then it is not a view.
    pub fn unreachable(&self, view_name: &str) -> bool {
        self.urlconf_complete && !self.is_routed(view_name)
    }
}

/// The checks two routes to a view both make.
fn weakest(a: Checks, b: Checks) -> Checks {
    Checks {
        session: a.session && b.session,
        token: a.token && b.token,
        staff: a.staff && b.staff,
        superuser: a.superuser && b.superuser,
        permission: a.permission && b.permission,
        object: a.object && b.object,
        predicate: a.predicate && b.predicate,
        custom_header: a.custom_header && b.custom_header,
    }
}

/// A file's dotted path without a project root: its directories and stem (`/a/shop/views.py`
/// → `a.shop.views`); configured names match its end.
fn dotted_path(path: &std::path::Path) -> Option<String> {
    let mut parts: Vec<&str> = path
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(p) => p.to_str(),
            _ => None,
        })
        .collect();
    let file = parts.pop()?;
    if file != "__init__.py" {
        parts.push(file.strip_suffix(".py").unwrap_or(file));
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

// ---------------------------------------------------------------------------------------------
// Decorators

/// What a decorator does, for access control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecoratorKind {
    /// `login_required`, `permission_required`, `user_passes_test`, `staff_member_required`,
    /// and project decorators named like them.
    Auth,
    /// `login_not_required`: explicitly public (Django 5.1).
    LoginNotRequired,
    CsrfExempt,
    SensitivePostParameters,
    /// `require_POST`, `require_http_methods([...])` with an unsafe method.
    RequireUnsafeMethod,
    /// `require_GET`, `require_safe`, `require_http_methods(["GET"])`.
    RequireSafeMethod,
    /// DRF `@api_view`.
    ApiView,
    /// DRF `@permission_classes([...])`.
    PermissionClasses,
    /// DRF `@authentication_classes([...])`.
    AuthenticationClasses,
    /// `method_decorator(...)`: see [`Decorator::wrapped`].
    MethodDecorator,
    /// django-ratelimit's `@ratelimit`, django-axes' `@axes_dispatch`.
    RateLimit,
    Other,
}

/// One decorator of a function or class.
#[derive(Debug, Clone)]
pub struct Decorator<'t> {
    /// The `decorator` node (from `@` to the end of the expression).
    pub node: Node<'t>,
    /// The last name of the decorator's callee: `login_required`, `method_decorator`.
    pub name: String,
    pub qualified: Option<String>,
    /// The call, when the decorator is one (`@require_http_methods(["POST"])`).
    pub call: Option<Node<'t>>,
    pub kind: DecoratorKind,
    /// What it checks, when djsec knows (Django's and the libraries' decorators, the project's
    /// own through their facts); `None` for one recognised by its name only.
    pub known: Option<Known>,
    /// For `method_decorator(X, name="m")` and `method_decorator([X, Y])`: the kinds, names and
    /// checks of what it wraps, and the method it is applied to (`None` on a method itself).
    pub wrapped: Vec<(DecoratorKind, String, Option<Known>)>,
    pub method: Option<String>,
    /// The HTTP methods named by `@api_view([...])`, `@action(methods=[...])`,
    /// `@require_http_methods([...])`, upper-case.
    pub action_methods: Vec<String>,
}

impl Decorator<'_> {
    /// Whether this decorator, or a `method_decorator` wrapping it, is of `kind`.
    pub fn is_or_wraps(&self, kind: DecoratorKind) -> bool {
        self.kind == kind || self.wrapped.iter().any(|(k, ..)| *k == kind)
    }

    /// What this decorator (or the authentication decorators a `method_decorator` wraps)
    /// checks: `None` when one is known by its name only.
    pub fn auth_known(&self) -> Option<Known> {
        if self.kind == DecoratorKind::Auth {
            return self.known.clone();
        }
        let mut out = Known {
            complete: true,
            ..Known::default()
        };
        for (kind, _, known) in &self.wrapped {
            if *kind != DecoratorKind::Auth {
                continue;
            }
            let known = known.as_ref()?;
            out.checks = out.checks.or(known.checks);
            out.complete &= known.complete;
            out.origin = out.origin.or_else(|| known.origin.clone());
            out.permission = out.permission.or_else(|| known.permission.clone());
        }
        Some(out)
    }
}

/// The decorators of a function or class definition, top to bottom.
pub fn decorators<'t>(checker: &PyChecker<'t>, def: Node<'t>) -> Vec<Decorator<'t>> {
    let Some(parent) = def.parent().filter(|p| p.kind() == "decorated_definition") else {
        return Vec::new();
    };
    let mut cursor = parent.walk();
    let nodes: Vec<Node> = parent
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "decorator")
        .collect();
    nodes
        .into_iter()
        .filter_map(|d| decorator(checker, d))
        .collect()
}

fn decorator<'t>(checker: &PyChecker<'t>, node: Node<'t>) -> Option<Decorator<'t>> {
    let src = checker.source();
    let expr = node::unparenthesize(node.named_child(0)?);
    let (callee, call) = if expr.kind() == "call" {
        (expr.child_by_field_name("function")?, Some(expr))
    } else {
        (expr, None)
    };
    let qualified = checker.model.qualified_name(callee);
    // An alias (`login_required as lr`) is known by what it imports.
    let name = match qualified.as_deref().and_then(|q| q.rsplit('.').next()) {
        Some(imported) if !imported.is_empty() => imported.to_string(),
        _ => last_name(callee, src)?.to_string(),
    };
    let (kind, known) = classify(checker, callee, qualified.as_deref(), &name, call);
    let mut wrapped = Vec::new();
    let mut method = None;
    if kind == DecoratorKind::MethodDecorator
        && let Some(call) = call
    {
        if let Some(first) = node::positional_args(call).first().copied() {
            let first = node::unparenthesize(first);
            let items: Vec<Node> = if matches!(first.kind(), "list" | "tuple") {
                let mut c = first.walk();
                first.named_children(&mut c).collect()
            } else {
                vec![first]
            };
            for item in items {
                let (inner_callee, inner_call) = if item.kind() == "call" {
                    match item.child_by_field_name("function") {
                        Some(f) => (f, Some(item)),
                        None => continue,
                    }
                } else {
                    (item, None)
                };
                let inner_qualified = checker.model.qualified_name(inner_callee);
                let n = match inner_qualified
                    .as_deref()
                    .and_then(|q| q.rsplit('.').next())
                {
                    Some(imported) if !imported.is_empty() => Some(imported),
                    _ => last_name(inner_callee, src),
                };
                if let Some(n) = n {
                    let (k, known) = classify(
                        checker,
                        inner_callee,
                        inner_qualified.as_deref(),
                        n,
                        inner_call,
                    );
                    wrapped.push((k, n.to_string(), known));
                }
            }
        }
        method = node::keyword_arg(call, "name", src)
            .or_else(|| node::positional_args(call).get(1).copied())
            .and_then(|n| string_value(n, src));
    }
    let action_methods = call
        .and_then(|c| {
            node::keyword_arg(c, "methods", src)
                .or_else(|| node::keyword_arg(c, "http_method_names", src))
                .or_else(|| node::positional_args(c).first().copied())
        })
        .map(|list| {
            string_items(list, src)
                .into_iter()
                .map(|m| m.to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    Some(Decorator {
        node,
        name,
        qualified,
        call,
        kind,
        known,
        wrapped,
        method,
        action_methods,
    })
}

/// Names that are never a project decorator worth looking up.
const BUILTIN_DECORATORS: &[&str] = &[
    "property",
    "staticmethod",
    "classmethod",
    "cached_property",
    "abstractmethod",
    "override",
    "wraps",
    "dataclass",
    "receiver",
    "register",
];

/// What a decorator is: by its name for Django's view decorators (`csrf_exempt`,
/// `require_POST`...), by the library table for Django's and the libraries' authentication
/// decorators, by the configuration's `auth-decorators`, by the project's facts for the
/// project's own (a project decorator that checks nothing is not an authentication decorator,
/// whatever its name), and by its name for the rest.
fn classify(
    checker: &PyChecker,
    callee: Node,
    qualified: Option<&str>,
    name: &str,
    call: Option<Node>,
) -> (DecoratorKind, Option<Known>) {
    let src = checker.source();
    let by_name = decorator_kind(name, call, src);
    if !matches!(by_name, DecoratorKind::Auth | DecoratorKind::Other) {
        return (by_name, None);
    }
    let permission = call
        .filter(|_| name.contains("perm"))
        .and_then(|c| node::positional_args(c).first().copied())
        .and_then(|a| string_value(a, src));
    if let Some(q) = qualified {
        match facts::library(q) {
            Some(Library::Checks(c)) => {
                // What `user_passes_test(lambda u: u.is_staff)` tests.
                let tested = call.map_or(Checks::NONE, |c| lambda_checks(checker, c));
                return (
                    DecoratorKind::Auth,
                    Some(Known {
                        checks: c.or(tested),
                        complete: true,
                        origin: None,
                        permission,
                    }),
                );
            }
            Some(Library::RateLimit) => return (DecoratorKind::RateLimit, None),
            Some(Library::Public) => return (DecoratorKind::LoginNotRequired, None),
            None => {}
        }
    }
    if resolve::configured(&checker.context.auth_decorators, qualified, name) {
        return (
            DecoratorKind::Auth,
            Some(Known {
                checks: Checks::SESSION,
                complete: false,
                origin: Some("`auth-decorators` in the configuration".to_string()),
                permission,
            }),
        );
    }
    if !BUILTIN_DECORATORS.contains(&name)
        && let Some(resolver) = resolve::resolver(checker)
    {
        let named = match qualified {
            Some(q) => resolve::may_be_project(q).then(|| q.to_string()),
            None => facts::name_as_module_names(&checker.model, callee),
        };
        if let Some(named) = named
            && let Some(mut known) = resolve::decorator(checker, resolver, None, &named, 0)
        {
            known.permission = permission;
            let kind = if known.checks.any() {
                DecoratorKind::Auth
            } else {
                DecoratorKind::Other
            };
            return (kind, Some(known));
        }
    }
    (by_name, None)
}

/// What the lambdas given to a decorator factory test: `user_passes_test(lambda u: u.is_staff)`.
fn lambda_checks(checker: &PyChecker, call: Node) -> Checks {
    node::positional_args(call)
        .into_iter()
        .filter(|a| a.kind() == "lambda")
        .map(|l| facts::Scan::run(&checker.model, l, &[]).checks)
        .fold(Checks::NONE, Checks::or)
}

fn decorator_kind(name: &str, call: Option<Node>, src: &str) -> DecoratorKind {
    match name {
        "login_not_required" => DecoratorKind::LoginNotRequired,
        "csrf_exempt" => DecoratorKind::CsrfExempt,
        "sensitive_post_parameters" => DecoratorKind::SensitivePostParameters,
        "require_POST" => DecoratorKind::RequireUnsafeMethod,
        "require_GET" | "require_safe" => DecoratorKind::RequireSafeMethod,
        "require_http_methods" => {
            let methods = call
                .and_then(|c| node::positional_args(c).first().copied())
                .map(|list| string_items(list, src))
                .unwrap_or_default();
            if methods.iter().any(|m| is_unsafe_method(m)) {
                DecoratorKind::RequireUnsafeMethod
            } else if methods.is_empty() {
                DecoratorKind::Other
            } else {
                DecoratorKind::RequireSafeMethod
            }
        }
        "api_view" => DecoratorKind::ApiView,
        "permission_classes" => DecoratorKind::PermissionClasses,
        "authentication_classes" => DecoratorKind::AuthenticationClasses,
        "method_decorator" => DecoratorKind::MethodDecorator,
        _ if is_auth_decorator(name) => DecoratorKind::Auth,
        _ => DecoratorKind::Other,
    }
}

/// Django's authentication decorators, and project decorators named like one
/// (`team_member_required`, `ajax_login_required`, `admin_only`).
pub fn is_auth_decorator(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "login_required",
        "permission_required",
        "user_passes_test",
        "staff_member_required",
        "superuser_required",
    ];
    const WORDS: &[&str] = &[
        "login",
        "logged_in",
        "auth",
        "perm",
        "staff",
        "superuser",
        "admin",
        "user_passes",
        "_required",
        "member",
        "owner",
        "access",
        "role",
        "otp",
        "2fa",
        "mfa",
        "verified",
        "signed_in",
    ];
    if EXACT.contains(&name) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains("not_required") || lower.starts_with("csrf") || lower.starts_with("sensitive")
    {
        return false;
    }
    WORDS.iter().any(|w| lower.contains(w))
}

pub fn is_unsafe_method(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "POST" | "PUT" | "PATCH" | "DELETE"
    )
}

// ---------------------------------------------------------------------------------------------
// Body facts

/// What a function or class body does, as far as access control cares. Collected in one walk.
#[derive(Debug, Clone, Default)]
pub struct BodyFacts {
    /// Checks the user: `request.user.is_authenticated`, `has_perm()`, `raise PermissionDenied`,
    /// `redirect_to_login()`, a comparison with `request.user`, a token or signature check, an
    /// `Authorization` header, a 401/403 response.
    pub auth_check: bool,
    /// Checks access to one object: a comparison with `request.user`, `has_perm(perm, obj)`,
    /// `raise PermissionDenied`, `check_object_permissions()`.
    pub object_check: bool,
    /// Verifies a signature or token (`hmac.compare_digest`, `constant_time_compare`,
    /// `stripe.Webhook.construct_event`, a `...Signature` header).
    pub signature_check: bool,
    /// Reads an `Authorization` or API-key header: callers authenticate by token, which a
    /// browser does not attach by itself.
    pub token_auth: bool,
    /// Enforces CSRF by hand (`enforce_csrf(request)`, `CsrfViewMiddleware(...).process_view`):
    /// a view exempted so that only some of its requests skip the check.
    pub csrf_check: bool,
    /// Logs a user in (`authenticate()`, `login()`): a login or signup view.
    pub logs_in: bool,
    /// Reads `request.user` or `request.session`: the view relies on the session cookie.
    /// Storing a value the server made into the session (`request.session["k"] = payment.id`)
    /// reads nothing of it: a view that only keeps scratch values there is not authenticated
    /// by it.
    pub uses_session: bool,
    /// Reads `request.user`.
    pub reads_user: bool,
    /// Acts as the logged-in user: passes `request.user` as a field value
    /// (`owner=request.user`), changes it (`request.user.save()`, `request.user.x = ...`), or
    /// creates or changes objects through it (`request.user.orders.create()`).
    pub acts_as_user: bool,
    /// Reads `request.POST`, `request.FILES`, `request.body` or `request.data`.
    pub reads_post: bool,
    /// Reads `request.FILES`: takes an upload, to store it.
    pub reads_files: bool,
    /// Names an unsafe method (`if request.method == "POST"`): it handles POST, PUT, PATCH or
    /// DELETE requests.
    pub handles_unsafe_method: bool,
    /// The first call that changes data: `.save()`, `.delete()`, `send_mail()`...
    pub writes: Option<String>,
    /// Calls `url_has_allowed_host_and_scheme()` (or the older `is_safe_url()`).
    pub checks_redirect: bool,
    /// Mentions a password (a string or name containing `password`).
    pub mentions_password: bool,
    /// Looks an object up by a token the caller sends
    /// (`Device.objects.get(initialization_token=serializer.validated_data["token"])`): the
    /// token is the caller's credential. The keyword it looks up by.
    pub token_lookup: Option<String>,
}

impl BodyFacts {
    /// Walk `root` (not entering nested functions, classes or lambdas) and collect the facts.
    pub fn collect(root: Node, src: &str, request_names: &[String]) -> BodyFacts {
        let mut facts = BodyFacts::default();
        let root_id = root.id();
        walk(root, |n| {
            if n.id() != root_id && is_nested_scope(n) {
                return false;
            }
            facts.visit(n, src, request_names);
            true
        });
        facts
    }

    fn visit(&mut self, n: Node, src: &str, request_names: &[String]) {
        match n.kind() {
            "attribute" => {
                let attr = n
                    .child_by_field_name("attribute")
                    .map_or("", |a| node::text(a, src));
                let object = n.child_by_field_name("object");
                let on_request = object.is_some_and(|o| is_request_expr(o, src, request_names));
                // `user.is_staff = True` sets the flag, it does not check it.
                let flag = matches!(
                    attr,
                    "is_authenticated" | "is_anonymous" | "is_staff" | "is_superuser"
                );
                // `parent()` searches from the root: only asked of the few flag reads.
                let assigned = flag
                    && n.parent().is_some_and(|p| {
                        p.kind() == "assignment"
                            && p.child_by_field_name("left")
                                .is_some_and(|l| l.id() == n.id())
                    });
                match attr {
                    "is_authenticated" | "is_anonymous" | "is_staff" | "is_superuser"
                        if !assigned =>
                    {
                        self.auth_check = true;
                    }
                    "groups" if object.is_some_and(|o| node::text(o, src).ends_with("user")) => {
                        self.auth_check = true;
                    }
                    "user" if on_request => {
                        self.uses_session = true;
                        self.reads_user = true;
                    }
                    "session" if on_request && !is_session_store(n, src) => {
                        self.uses_session = true
                    }
                    "FILES" if on_request => {
                        self.reads_post = true;
                        self.reads_files = true;
                    }
                    "POST" | "body" | "data" if on_request => self.reads_post = true,
                    _ => {}
                }
                if is_password_name(attr) {
                    self.mentions_password = true;
                }
            }
            "identifier" => {
                let name = node::text(n, src);
                if name == "CsrfViewMiddleware" {
                    self.csrf_check = true;
                }
                if name == "PermissionDenied" {
                    self.auth_check = true;
                    self.object_check = true;
                }
                if is_password_name(name) {
                    self.mentions_password = true;
                }
            }
            "string_content" => {
                let text = node::text(n, src);
                if is_unsafe_method(text) && text.chars().all(|c| c.is_ascii_uppercase()) {
                    self.handles_unsafe_method = true;
                }
                let lower = text.to_ascii_lowercase();
                if matches!(lower.as_str(), "authorization" | "http_authorization")
                    || ["api-key", "api_key", "apikey"]
                        .iter()
                        .any(|k| lower.contains(k))
                {
                    self.token_auth = true;
                }
                if is_password_name(text) {
                    self.mentions_password = true;
                }
                if [
                    "authorization",
                    "signature",
                    "api-key",
                    "api_key",
                    "apikey",
                    "x-hub-",
                ]
                .iter()
                .any(|k| lower.contains(k))
                {
                    self.auth_check = true;
                    if lower.contains("signature") || lower.contains("x-hub-") {
                        self.signature_check = true;
                    }
                }
            }
            "comparison_operator" => {
                let text = node::text(n, src);
                if request_names
                    .iter()
                    .any(|r| text.contains(&format!("{r}.user")))
                {
                    self.auth_check = true;
                    self.object_check = true;
                }
            }
            "keyword_argument" => {
                let name = n.child_by_field_name("name").map(|k| node::text(k, src));
                let value = n.child_by_field_name("value").map(|v| node::text(v, src));
                if name == Some("status") && matches!(value, Some("401" | "403")) {
                    self.auth_check = true;
                }
                if value.is_some_and(is_request_user) {
                    self.acts_as_user = true;
                }
            }
            "assignment"
                if n.child_by_field_name("left").is_some_and(|l| {
                    l.kind() == "attribute" && is_request_user(node::text(l, src))
                }) =>
            {
                self.acts_as_user = true;
            }
            "call" => self.visit_call(n, src),
            _ => {}
        }
    }

    fn visit_call(&mut self, call: Node, src: &str) {
        let Some(name) = node::callee_name(call, src) else {
            return;
        };
        match name {
            "has_perm" | "has_perms" | "has_module_perms" => {
                self.auth_check = true;
                if node::arg_count(call) >= 2 {
                    self.object_check = true;
                }
            }
            "check_object_permissions" | "has_object_permission" => {
                self.auth_check = true;
                self.object_check = true;
            }
            "redirect_to_login"
            | "check_permissions"
            | "HttpResponseForbidden"
            | "login_required"
            | "permission_required"
            | "user_passes_test" => self.auth_check = true,
            "authenticate" | "login" => {
                self.logs_in = true;
                self.auth_check = true;
            }
            "compare_digest"
            | "constant_time_compare"
            | "construct_event"
            | "verify_signature"
            | "validate_signature"
            | "check_signature"
            | "verify_webhook"
            | "unsign"
            | "check_token"
            // python3-saml: validates the IdP's logout message.
            | "process_slo"
            // python-social-auth: completes an OAuth/OpenID login after checking the `state`
            // the request carries against the session (the callback's CSRF protection).
            | "do_complete" => {
                self.signature_check = true;
                self.auth_check = true;
            }
            "url_has_allowed_host_and_scheme" | "is_safe_url" => self.checks_redirect = true,
            // `SessionStore(request.POST["session"])`: the request carries the key of a session
            // as its credential (a cross-domain hand-off), which a forged request lacks.
            "SessionStore"
                if node::positional_args(call)
                    .first()
                    .is_some_and(|a| node::text(*a, src).contains("request.")) =>
            {
                self.token_auth = true;
                self.auth_check = true;
            }
            _ => {}
        }
        if is_csrf_enforcement(name) {
            self.csrf_check = true;
        }
        if self.token_lookup.is_none() && matches!(name, "get" | "filter" | "get_object_or_404") {
            self.token_lookup = token_lookup(call, src);
        }
        if let Some(what) = write_call(call, name, src) {
            if node::call_receiver(call).is_some_and(|r| is_request_user(node::text(r, src))) {
                self.acts_as_user = true;
            }
            if self.writes.is_none() {
                self.writes = Some(what);
            }
        }
    }
}

/// `request.session` as the target of a store of a value the server made:
/// `request.session["k"] = payment.id` (the attribute is the value of a subscript that an
/// assignment's left side is). A value from the request (`= request.POST["k"]`) is not: a
/// forged request plants it in the visitor's session.
fn is_session_store(session: Node, src: &str) -> bool {
    let Some(subscript) = session.parent().filter(|p| p.kind() == "subscript") else {
        return false;
    };
    let Some(assignment) = subscript.parent().filter(|a| a.kind() == "assignment") else {
        return false;
    };
    assignment
        .child_by_field_name("left")
        .is_some_and(|left| left.id() == subscript.id())
        && assignment
            .child_by_field_name("right")
            .is_some_and(|right| !node::text(right, src).contains("request."))
}

/// The keyword of a lookup by a token the caller sends: `initialization_token=`, `api_key=`,
/// `secret=`, whose value is read from the request or a form or serializer
/// (`request.POST["token"]`, `serializer.validated_data.get("token")`).
fn token_lookup(call: Node, src: &str) -> Option<String> {
    let args = call.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    let keywords: Vec<Node> = args.named_children(&mut cursor).collect();
    keywords.into_iter().find_map(|arg| {
        if arg.kind() != "keyword_argument" {
            return None;
        }
        let name = node::text(arg.child_by_field_name("name")?, src);
        let lower = name.to_ascii_lowercase();
        let secret = lower.contains("token")
            || lower.contains("secret")
            || lower == "key"
            || lower.ends_with("_key");
        let value = node::text(arg.child_by_field_name("value")?, src);
        let sent = ["request.", "cleaned_data", "validated_data"]
            .iter()
            .any(|s| value.contains(s));
        (secret && sent).then(|| name.to_string())
    })
}

/// `request.user`, `self.request.user`, or something reached through it.
fn is_request_user(text: &str) -> bool {
    text.starts_with("request.user") || text.starts_with("self.request.user")
}

/// Whether a function name enforces CSRF (`enforce_csrf`, `_check_csrf`, `verify_csrf_token`);
/// not `csrf_exempt`, `csrf_protect` or `get_token`.
fn is_csrf_enforcement(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("csrf")
        && ["enforce", "check", "verify", "validate"]
            .iter()
            .any(|v| lower.contains(v))
}

/// A form field or variable that holds a password (`password`, `new_password1`,
/// `set_password`), not a template name or a password-reset setting.
fn is_password_name(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("password")
        && !lower.contains("reset")
        && !lower.contains("forgot")
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether a call changes data; returns how to describe it (`calls .save()`).
fn write_call(call: Node, name: &str, src: &str) -> Option<String> {
    let receiver = node::call_receiver(call).map(|r| node::text(r, src));
    let queryset_like = receiver.is_some_and(|r| {
        r.contains("objects")
            || r.contains(".filter(")
            || r.contains(".exclude(")
            || r.contains(".all(")
            || r.contains("_set")
    });
    let described = match name {
        "save" | "delete" | "bulk_create" | "bulk_update" | "get_or_create"
        | "update_or_create" | "set_password"
            if receiver.is_some() =>
        {
            format!("calls `.{name}()`")
        }
        "create" if receiver.is_some() => "calls `.create()`".to_string(),
        "update" if queryset_like => "calls `.update()` on a queryset".to_string(),
        "send_mail" | "send_mass_mail" | "mail_admins" | "mail_managers" => {
            format!("sends mail (`{name}()`)")
        }
        "send"
            if receiver.is_some_and(|r| {
                let lower = r.to_ascii_lowercase();
                lower.contains("mail") || lower.contains("message") || lower.contains("msg")
            }) =>
        {
            "sends mail".to_string()
        }
        _ => return None,
    };
    Some(described)
}

/// `request` or `self.request` (by the configured request parameter names).
pub fn is_request_expr(n: Node, src: &str, request_names: &[String]) -> bool {
    let n = node::unparenthesize(n);
    match n.kind() {
        "identifier" => request_names.iter().any(|r| r == node::text(n, src)),
        "attribute" => {
            n.child_by_field_name("object")
                .is_some_and(|o| node::text(o, src) == "self")
                && n.child_by_field_name("attribute")
                    .is_some_and(|a| request_names.iter().any(|r| r == node::text(a, src)))
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Function views

/// A module-level function that is a view.
#[derive(Debug, Clone)]
pub struct FunctionView<'t> {
    pub def: Node<'t>,
    pub name_node: Node<'t>,
    pub name: &'t str,
    /// The name of the request parameter.
    pub request: &'t str,
    pub decorators: Vec<Decorator<'t>>,
    pub facts: BodyFacts,
}

impl FunctionView<'_> {
    pub fn has(&self, kind: DecoratorKind) -> bool {
        self.decorators.iter().any(|d| d.is_or_wraps(kind))
    }

    /// A DRF function view (`@api_view`).
    pub fn is_drf(&self) -> bool {
        self.has(DecoratorKind::ApiView)
    }

    /// The decorator that protects the view, if any.
    pub fn auth_decorator(&self) -> Option<&Decorator<'_>> {
        self.decorators
            .iter()
            .find(|d| d.is_or_wraps(DecoratorKind::Auth))
    }

    /// Why the view changes data, if it does.
    pub fn writes(&self) -> Option<String> {
        if let Some(d) = self
            .decorators
            .iter()
            .find(|d| d.kind == DecoratorKind::RequireUnsafeMethod)
        {
            return Some(format!("accepts unsafe methods (`@{}`)", d.name));
        }
        if let Some(w) = &self.facts.writes {
            return Some(w.clone());
        }
        // Reading `request.POST` alone (a search or preview form) changes nothing.
        self.facts
            .handles_unsafe_method
            .then(|| "handles POST requests".to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// The access model of a view

/// How a view is protected, as far as djsec can tell: what its decorators, mixins, checks in
/// its body, `urls.py` wrappers and middleware check (see docs/access.md).
#[derive(Debug, Clone, Default)]
pub struct Access {
    pub checks: Checks,
    /// What protects it, in words: "`@login_required`", "`moderators_only`
    /// (app/decorators.py:8)", "a check in its body".
    pub by: Vec<String>,
    /// Some protection is known by its name only, or is built on something djsec could not
    /// follow: it may check more than `checks`.
    pub unknown: bool,
    /// `LoginRequiredMiddleware` requires the login; or a project middleware that checks the
    /// user runs on every request (it may exempt some paths).
    pub middleware: Option<String>,
    /// The permission a `permission_required(...)` names.
    pub permission: Option<String>,
}

impl Access {
    /// Nothing protects the view.
    pub fn is_open(&self) -> bool {
        !self.checks.any() && !self.unknown && self.middleware.is_none()
    }

    /// A login and nothing more, as far as djsec can see completely.
    pub fn login_only(&self) -> bool {
        self.checks.user() && !self.checks.authorizes() && !self.unknown
    }

    fn add(&mut self, checks: Checks, by: String) {
        self.checks = self.checks.or(checks);
        if !self.by.contains(&by) {
            self.by.push(by);
        }
    }

    fn add_decorator(&mut self, d: &Decorator) {
        match d.auth_known() {
            Some(known) => {
                let by = match &known.origin {
                    Some(o) => format!("`@{}` ({o})", d.name),
                    None => format!("`@{}`", d.name),
                };
                self.add(known.checks, by);
                self.unknown |= !known.complete;
                self.permission = self.permission.take().or(known.permission);
            }
            None => {
                self.unknown = true;
                let by = format!("`@{}`", d.name);
                if !self.by.contains(&by) {
                    self.by.push(by);
                }
            }
        }
    }

    fn add_env(&mut self, env: &Env, name: &str, public_marked: bool, middleware: Option<&str>) {
        if let Some((checks, names)) = env.wrapper_checks(name) {
            let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            self.add(checks, format!("{} in urls.py", listed.join(", ")));
            if names.iter().any(|n| {
                !matches!(
                    n.as_str(),
                    "login_required"
                        | "permission_required"
                        | "staff_member_required"
                        | "user_passes_test"
                )
            }) {
                self.unknown = true;
            }
        }
        if env.middleware_requires_login() && !public_marked {
            self.checks = self.checks.or(Checks::SESSION);
            self.middleware = Some("`LoginRequiredMiddleware`".to_string());
        } else if let Some(m) = middleware
            && !public_marked
        {
            self.middleware = Some(format!("`{m}` (project middleware that checks the user)"));
        }
    }

    /// "none", "session", "token", "session or token", or what protects it when djsec knows it
    /// by name only.
    pub fn authentication(&self) -> String {
        let c = self.checks;
        let base = match (c.user(), c.token) {
            (true, true) => "session or token",
            (true, false) => "session",
            (false, true) => "token",
            (false, false) if self.unknown => "unknown",
            (false, false) => "none",
        };
        match (&self.middleware, c.any()) {
            (Some(m), false) => format!("middleware? ({m})"),
            _ => base.to_string(),
        }
    }

    /// "none", "staff", "superuser", "model permission", "object-level", "custom", joined.
    pub fn authorization(&self) -> String {
        let c = self.checks;
        let mut parts: Vec<String> = Vec::new();
        if c.superuser {
            parts.push("superuser".to_string());
        }
        if c.staff {
            parts.push("staff".to_string());
        }
        if c.permission {
            parts.push(match &self.permission {
                Some(p) => format!("model permission (`{p}`)"),
                None => "model permission".to_string(),
            });
        }
        if c.object {
            parts.push("object-level".to_string());
        }
        if c.predicate {
            parts.push("custom".to_string());
        }
        if parts.is_empty() {
            return if self.unknown { "unknown" } else { "none" }.to_string();
        }
        parts.join(", ")
    }
}

impl FunctionView<'_> {
    /// How the view is protected.
    pub fn access(&self, checker: &PyChecker, module: &Module) -> Access {
        let mut access = Access::default();
        for d in &self.decorators {
            if d.is_or_wraps(DecoratorKind::Auth) {
                access.add_decorator(d);
            }
        }
        if let Some(body) = self.def.child_by_field_name("body") {
            body_checks(checker, body, &self.facts, &mut access);
        }
        access.add_env(
            &module.env,
            self.name,
            self.has(DecoratorKind::LoginNotRequired),
            module.auth_middleware.as_deref(),
        );
        access
    }
}

/// What the checks written in a body say (`request.user.is_authenticated`, a deny under a
/// condition on the user, a credential read from a header).
fn body_checks(checker: &PyChecker, body: Node, facts: &BodyFacts, access: &mut Access) {
    let mut scan = facts::Scan::run(&checker.model, body, &[]).checks;
    // A credential named in a body counts when the body facts agree it authenticates by one.
    scan.token = facts.token_auth || facts.signature_check;
    if scan.any() {
        access.add(scan, CHECK_IN_BODY.to_string());
    } else if facts.auth_check && !facts.logs_in {
        access.unknown = true;
        access.by.push(CHECK_IN_BODY.to_string());
    }
}

// ---------------------------------------------------------------------------------------------
// Class-based views

/// What a base class contributes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traits {
    /// A Django view (has `dispatch`), including DRF views.
    pub view: bool,
    pub drf: bool,
    /// A generic view that changes data (`CreateView`, `FormView`, `ModelViewSet`...).
    pub writes: bool,
    /// Updates or deletes one object found by its URL id (`UpdateView`, `DestroyModelMixin`...).
    pub writes_by_id: bool,
    /// Fetches one object by its URL id (`DetailView`, `RetrieveModelMixin`...).
    pub detail: bool,
    /// One of `django.contrib.auth.views` (login, password reset...): Django handles them.
    pub auth_view: bool,
    pub access_mixin: bool,
    /// `PermissionRequiredMixin` (needs `permission_required`).
    pub permission_mixin: bool,
    /// `UserPassesTestMixin` (its `test_func` can check the object).
    pub test_mixin: bool,
    /// A base that could not be resolved: it may bring anything.
    pub unknown: bool,
    pub model_form: bool,
    pub model_serializer: bool,
    /// An access mixin recognised by its name only (not Django's): its members are unknown.
    pub opaque: bool,
    /// What its access mixins and project bases are known to check.
    pub checks: Checks,
    /// A project base sets the permission a `PermissionRequiredMixin` needs
    /// (`permission_required`, `get_permission_required()`, `has_permission()`).
    pub permission_given: bool,
    /// A project base overrides `get_queryset()` or `get_object()`.
    pub overrides_lookup: bool,
}

impl Traits {
    fn or(self, o: Traits) -> Traits {
        Traits {
            view: self.view || o.view,
            drf: self.drf || o.drf,
            writes: self.writes || o.writes,
            writes_by_id: self.writes_by_id || o.writes_by_id,
            detail: self.detail || o.detail,
            auth_view: self.auth_view || o.auth_view,
            access_mixin: self.access_mixin || o.access_mixin,
            permission_mixin: self.permission_mixin || o.permission_mixin,
            test_mixin: self.test_mixin || o.test_mixin,
            unknown: self.unknown || o.unknown,
            model_form: self.model_form || o.model_form,
            model_serializer: self.model_serializer || o.model_serializer,
            opaque: self.opaque || o.opaque,
            checks: self.checks.or(o.checks),
            permission_given: self.permission_given || o.permission_given,
            overrides_lookup: self.overrides_lookup || o.overrides_lookup,
        }
    }
}

/// Django generic views: (name, writes, writes_by_id, detail).
const DJANGO_VIEWS: &[(&str, bool, bool, bool)] = &[
    ("View", false, false, false),
    ("TemplateView", false, false, false),
    ("RedirectView", false, false, false),
    ("ListView", false, false, false),
    ("BaseListView", false, false, false),
    ("ArchiveIndexView", false, false, false),
    ("BaseArchiveIndexView", false, false, false),
    ("YearArchiveView", false, false, false),
    ("MonthArchiveView", false, false, false),
    ("WeekArchiveView", false, false, false),
    ("DayArchiveView", false, false, false),
    ("TodayArchiveView", false, false, false),
    ("DetailView", false, false, true),
    ("BaseDetailView", false, false, true),
    ("DateDetailView", false, false, true),
    ("FormView", true, false, false),
    ("BaseFormView", true, false, false),
    ("ProcessFormView", true, false, false),
    ("CreateView", true, false, false),
    ("BaseCreateView", true, false, false),
    ("UpdateView", true, true, true),
    ("BaseUpdateView", true, true, true),
    ("DeleteView", true, true, true),
    ("BaseDeleteView", true, true, true),
];

/// DRF views, viewsets and mixins: (name, is a view, writes, writes_by_id, detail).
const DRF_VIEWS: &[(&str, bool, bool, bool, bool)] = &[
    ("APIView", true, false, false, false),
    ("GenericAPIView", true, false, false, false),
    ("ViewSet", true, false, false, false),
    ("GenericViewSet", true, false, false, false),
    ("ViewSetMixin", false, false, false, false),
    ("ListAPIView", true, false, false, false),
    ("RetrieveAPIView", true, false, false, true),
    ("ReadOnlyModelViewSet", true, false, false, true),
    ("CreateAPIView", true, true, false, false),
    ("ListCreateAPIView", true, true, false, false),
    ("UpdateAPIView", true, true, true, true),
    ("RetrieveUpdateAPIView", true, true, true, true),
    ("DestroyAPIView", true, true, true, true),
    ("RetrieveDestroyAPIView", true, true, true, true),
    ("RetrieveUpdateDestroyAPIView", true, true, true, true),
    ("ModelViewSet", true, true, true, true),
    ("ListModelMixin", false, false, false, false),
    ("RetrieveModelMixin", false, false, false, true),
    ("CreateModelMixin", false, true, false, false),
    ("UpdateModelMixin", false, true, true, true),
    ("DestroyModelMixin", false, true, true, true),
];

/// The traits of a base class known by its qualified name (or bare name when unresolved).
pub fn base_traits(qualified: Option<&str>, bare: &str) -> Traits {
    let Some(q) = qualified else {
        // Not imported and not a class of this module.
        return match bare {
            "object" | "Generic" | "Protocol" | "ABC" => Traits::default(),
            _ if looks_like_access_mixin(bare) => access_mixin_traits(bare),
            _ => Traits {
                unknown: true,
                ..Traits::default()
            },
        };
    };
    let last = q.rsplit('.').next().unwrap_or(q);
    if q.starts_with("django.contrib.auth.mixins.") {
        return Traits {
            opaque: false,
            checks: library_checks(q),
            ..access_mixin_traits(last)
        };
    }
    // A library's access mixin (braces, guardian, rules, two-factor): known checks.
    if let Some(Library::Checks(c)) = facts::library(q) {
        return Traits {
            opaque: false,
            checks: c,
            ..access_mixin_traits(last)
        };
    }
    if q.starts_with("django.contrib.auth.views.") {
        return Traits {
            view: true,
            auth_view: true,
            ..Traits::default()
        };
    }
    if q.starts_with("django.views.") {
        return match DJANGO_VIEWS.iter().find(|(n, ..)| *n == last) {
            Some(&(_, writes, writes_by_id, detail)) => Traits {
                view: true,
                writes,
                writes_by_id,
                detail,
                ..Traits::default()
            },
            None => Traits::default(),
        };
    }
    if q.starts_with("django.forms.") || q.starts_with("django.") {
        return Traits {
            model_form: last == "ModelForm",
            ..Traits::default()
        };
    }
    if q.starts_with("rest_framework.") {
        if let Some(&(_, view, writes, writes_by_id, detail)) =
            DRF_VIEWS.iter().find(|(n, ..)| *n == last)
        {
            return Traits {
                view,
                drf: true,
                writes,
                writes_by_id,
                detail,
                ..Traits::default()
            };
        }
        return Traits {
            model_serializer: matches!(last, "ModelSerializer" | "HyperlinkedModelSerializer"),
            ..Traits::default()
        };
    }
    if looks_like_access_mixin(last) {
        return access_mixin_traits(last);
    }
    Traits {
        unknown: true,
        ..Traits::default()
    }
}

fn library_checks(q: &str) -> Checks {
    match facts::library(q) {
        Some(Library::Checks(c)) => c,
        _ => Checks::NONE,
    }
}

/// The traits of a base class that is not of the analysed module: Django's and the libraries'
/// by their names, a class of the project through its facts (followed through its own bases),
/// a configured `auth-mixins` entry as a login mixin; what cannot be resolved is unknown.
pub fn external_base_traits(checker: &PyChecker, qualified: Option<&str>, bare: &str) -> Traits {
    if resolve::configured(&checker.context.auth_mixins, qualified, bare) {
        return Traits {
            access_mixin: true,
            checks: Checks::SESSION,
            ..Traits::default()
        };
    }
    if let Some(q) = qualified
        && resolve::may_be_project(q)
        && let Some(resolver) = resolve::resolver(checker)
        && let Some(t) = project_class_traits(checker, resolver, None, q, 0)
    {
        return t;
    }
    base_traits(qualified, bare)
}

/// The traits of a class the project defines, as module `from` names it (`None`: the buffer),
/// through its facts: its bases (followed, bounded), what its access methods and decorators
/// check, what it defines. `None` when the project has no such class.
pub fn project_class_traits(
    checker: &PyChecker,
    resolver: &Resolver,
    from: Option<&crate::project::FileId>,
    named: &str,
    depth: usize,
) -> Option<Traits> {
    let (file, class) = resolver.class(from, named)?;
    let mut traits = Traits::default();
    for base in &class.bases {
        let bare = base
            .trim_start_matches('@')
            .rsplit('.')
            .next()
            .unwrap_or(base);
        let t = if base == "?" {
            Traits {
                unknown: true,
                ..Traits::default()
            }
        } else if resolve::configured(&checker.context.auth_mixins, Some(base), bare) {
            Traits {
                access_mixin: true,
                checks: Checks::SESSION,
                ..Traits::default()
            }
        } else if let Some(found) = (depth < resolve::MAX_DEPTH
            && (base.starts_with('@') || resolve::may_be_project(base)))
        .then(|| project_class_traits(checker, resolver, file.as_ref(), base, depth + 1))
        .flatten()
        {
            found
        } else if base.starts_with('@') {
            base_traits(None, bare)
        } else {
            base_traits(Some(base), bare)
        };
        traits = traits.or(t);
    }
    let mut own = class.checks;
    let mut complete = true;
    for used in &class.uses {
        if let Some(Library::Checks(c)) = facts::library(used) {
            own = own.or(c);
        } else if let Some(k) =
            resolve::decorator(checker, resolver, file.as_ref(), used, depth + 1)
        {
            own = own.or(k.checks);
            complete &= k.complete;
        } else {
            complete = false;
        }
    }
    if own.any() {
        traits.access_mixin = true;
        traits.checks = traits.checks.or(own);
    } else if !complete || (looks_like_access_mixin(&class.name) && !traits.access_mixin) {
        // Its name (or a decorator djsec cannot see into) says it checks; djsec did not see
        // where: an opaque access mixin, as without the facts.
        let from_bases = traits.permission_mixin;
        traits = traits.or(access_mixin_traits(&class.name));
        // Not Django's `PermissionRequiredMixin` unless derived from it.
        traits.permission_mixin = from_bases;
    }
    if [
        "has_permission",
        "get_permission_required",
        "permission_required",
    ]
    .iter()
    .any(|m| class.defines(m))
    {
        traits.permission_given = true;
    }
    if ["get_queryset", "get_object"]
        .iter()
        .any(|m| class.defines(m))
    {
        traits.overrides_lookup = true;
    }
    if ["post", "put", "patch", "delete", "form_valid"]
        .iter()
        .any(|m| class.defines(m))
        && traits.view
    {
        traits.writes = true;
    }
    Some(traits)
}

/// An access mixin by name; `opaque` until shown to be Django's own.
fn access_mixin_traits(name: &str) -> Traits {
    Traits {
        opaque: true,
        access_mixin: name != "AccessMixin",
        permission_mixin: name.ends_with("PermissionRequiredMixin"),
        test_mixin: name.contains("UserPassesTest"),
        ..Traits::default()
    }
}

/// Third-party and project access mixins: `StaffuserRequiredMixin`, `OwnerMixin`...
pub fn looks_like_access_mixin(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "Login",
        "Permission",
        "UserPassesTest",
        "Staff",
        "Superuser",
        "Admin",
        "Auth",
        "Owner",
        "Member",
        "Group",
        "Role",
        "Access",
        "Required",
    ];
    name.ends_with("Mixin") && WORDS.iter().any(|w| name.contains(w))
}

/// One direct base of a class, in source order.
#[derive(Debug, Clone)]
pub struct Base<'t> {
    pub node: Node<'t>,
    pub name: String,
    pub qualified: Option<String>,
    /// What this base brings, including through classes of the same module.
    pub traits: Traits,
}

/// A method of a class.
#[derive(Debug, Clone)]
pub struct Method<'t> {
    pub name: &'t str,
    pub def: Node<'t>,
    pub decorators: Vec<Decorator<'t>>,
}

/// A module-level class, with what it inherits from classes of the same module merged in.
#[derive(Debug, Clone)]
pub struct ClassInfo<'t> {
    pub def: Node<'t>,
    pub name_node: Node<'t>,
    pub name: &'t str,
    pub bases: Vec<Base<'t>>,
    pub traits: Traits,
    /// Class attributes (`permission_classes = [...]`): own first, then inherited locally.
    pub attrs: Vec<(&'t str, Node<'t>)>,
    /// Methods: own first, then inherited locally.
    pub methods: Vec<Method<'t>>,
    /// Class decorators, own and inherited locally.
    pub decorators: Vec<Decorator<'t>>,
    /// Facts of the class body and its local bases: walked on first use ([`ClassInfo::facts`]),
    /// since most classes of a module (models, forms, helpers) are never asked.
    facts: OnceCell<BodyFacts>,
    /// The bodies of the class and its local bases, for `facts`.
    fact_bodies: Vec<Node<'t>>,
    source: &'t str,
    request_names: Rc<[String]>,
    /// Another class of this module derives from it.
    pub subclassed: bool,
}

impl<'t> ClassInfo<'t> {
    /// What the methods of the class and of its local bases do (see [`BodyFacts`]).
    pub fn facts(&self) -> &BodyFacts {
        self.facts.get_or_init(|| {
            self.fact_bodies
                .iter()
                .map(|body| BodyFacts::collect_class(*body, self.source, &self.request_names))
                .fold(BodyFacts::default(), merge_facts)
        })
    }

    pub fn attr(&self, name: &str) -> Option<Node<'t>> {
        self.attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    pub fn method(&self, name: &str) -> Option<&Method<'t>> {
        self.methods.iter().find(|m| m.name == name)
    }

    pub fn defines_any(&self, names: &[&str]) -> bool {
        names
            .iter()
            .any(|n| self.method(n).is_some() || self.attr(n).is_some())
    }

    /// A class-based view (Django or DRF).
    pub fn is_view(&self) -> bool {
        self.traits.view
    }

    /// Why the view changes data, if it does.
    pub fn writes(&self) -> Option<String> {
        if self.traits.writes {
            let generic = self
                .bases
                .iter()
                .find(|b| b.traits.writes)
                .map_or("a generic editing view", |b| b.name.as_str());
            return Some(format!("is a `{generic}`"));
        }
        const HANDLERS: &[&str] = &[
            "post",
            "put",
            "patch",
            "delete",
            "create",
            "update",
            "partial_update",
            "destroy",
            "form_valid",
        ];
        if let Some(m) = HANDLERS.iter().find(|m| self.method(m).is_some()) {
            return Some(format!("defines `{m}()`"));
        }
        // DRF `@action(methods=["post"])`.
        self.methods
            .iter()
            .find(|m| {
                m.decorators.iter().any(|d| {
                    d.name == "action" && d.action_methods.iter().any(|x| is_unsafe_method(x))
                })
            })
            .map(|m| format!("has an unsafe `@action` `{}()`", m.name))
    }

    /// How the class is protected, if it is: a mixin, a decorated `dispatch`, a check.
    pub fn protection(&self) -> Option<String> {
        if self.traits.access_mixin {
            let mixin = self
                .bases
                .iter()
                .find(|b| b.traits.access_mixin)
                .map_or("an access mixin", |b| b.name.as_str());
            return Some(format!("`{mixin}`"));
        }
        let writes = self.writes().is_some();
        // A decorator on `get` only leaves POST open on a view that writes.
        let covers = |method: &str| method == "dispatch" || !writes || is_unsafe_method(method);
        for d in &self.decorators {
            if d.is_or_wraps(DecoratorKind::Auth) {
                let method = d.method.as_deref().unwrap_or("dispatch");
                if covers(method) {
                    return Some(format!("`@{}` on `{method}`", d.name));
                }
            }
        }
        for m in &self.methods {
            let protected = m
                .decorators
                .iter()
                .any(|d| d.is_or_wraps(DecoratorKind::Auth));
            if protected && covers(m.name) {
                return Some(format!("a decorated `{}()`", m.name));
            }
        }
        if self.facts().auth_check {
            return Some(CHECK_IN_METHODS.to_string());
        }
        None
    }

    /// How the view is protected: its access mixins and project bases, decorators on the class
    /// or on the methods that cover its requests, checks in its access methods (`dispatch`,
    /// `get_queryset`, `test_func`...), `urls.py` wrappers, middleware.
    pub fn access(&self, checker: &PyChecker, module: &Module) -> Access {
        let mut access = Access::default();
        for b in self.bases.iter().filter(|b| b.traits.access_mixin) {
            if b.traits.opaque && !b.traits.checks.any() {
                access.unknown = true;
                access.by.push(format!("`{}`", b.name));
            } else {
                access.add(b.traits.checks, format!("`{}`", b.name));
            }
        }
        // Mixins inherited through classes of this module.
        if self.traits.access_mixin {
            access.checks = access.checks.or(self.traits.checks);
            if self.traits.opaque && !self.traits.checks.any() {
                access.unknown = true;
            }
            if access.by.is_empty() {
                access.by.push("an inherited access mixin".to_string());
            }
        }
        let writes = self.writes().is_some();
        let covers = |method: &str| method == "dispatch" || !writes || is_unsafe_method(method);
        for d in &self.decorators {
            if d.is_or_wraps(DecoratorKind::Auth)
                && covers(d.method.as_deref().unwrap_or("dispatch"))
            {
                access.add_decorator(d);
            }
        }
        for m in &self.methods {
            for d in &m.decorators {
                if d.is_or_wraps(DecoratorKind::Auth) && covers(m.name) {
                    access.add_decorator(d);
                }
            }
        }
        // The checks of its own access methods (and those of its bases in this module).
        let mut own = Checks::NONE;
        for body in &self.fact_bodies {
            let Some(class) = body.parent() else {
                continue;
            };
            let statement = class
                .parent()
                .filter(|p| p.kind() == "decorated_definition")
                .unwrap_or(class);
            for c in facts::of_definition(&checker.model, statement).1 {
                own = own.or(c.checks);
            }
        }
        // A credential named in a method counts when the body facts agree.
        own.token = self.facts().token_auth || self.facts().signature_check;
        if own.any() {
            access.add(own, "a check in its methods".to_string());
        } else if self.facts().auth_check && !self.facts().logs_in && access.is_open() {
            access.unknown = true;
            access.by.push("a check in its methods".to_string());
        }
        access.add_env(
            &module.env,
            self.name,
            self.has_decorator(DecoratorKind::LoginNotRequired),
            module.auth_middleware.as_deref(),
        );
        access
    }

    /// Whether a decorator of `kind` is applied to the class or any of its methods.
    pub fn has_decorator(&self, kind: DecoratorKind) -> bool {
        self.decorators.iter().any(|d| d.is_or_wraps(kind))
            || self
                .methods
                .iter()
                .any(|m| m.decorators.iter().any(|d| d.is_or_wraps(kind)))
    }
}

// ---------------------------------------------------------------------------------------------
// The module

/// What kind of file this is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileKind {
    /// `views.py`, `views/*.py`, `viewsets.py`.
    pub views: bool,
    /// `urls.py` or a module that defines `urlpatterns`.
    pub urls: bool,
    /// Tests and conftest: never reported on.
    pub tests: bool,
    /// `admin.py`.
    pub admin: bool,
}

/// Which part of the rules runs: incremental analysis re-runs unit-scoped checks on the
/// definitions that changed, and module-scoped checks over the whole module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Function views and calls, over the definitions in the checker's index.
    Units,
    /// Classes, over the whole module.
    Classes,
}

/// Everything the access rules need about one module.
pub struct Module<'t> {
    pub scope: Scope,
    pub file: FileKind,
    pub functions: Vec<FunctionView<'t>>,
    pub classes: Vec<ClassInfo<'t>>,
    pub env: Env,
    /// A project middleware of the production settings that checks the user (it may require a
    /// login on some paths): its name.
    pub auth_middleware: Option<String>,
}

impl<'t> Module<'t> {
    pub fn build(checker: &PyChecker<'t>, env: Env, scope: Scope) -> Module<'t> {
        let file = file_kind(checker);
        let (functions, classes) = match scope {
            _ if file.tests => (Vec::new(), Vec::new()),
            Scope::Units => (function_views(checker, file, &env), Vec::new()),
            Scope::Classes => (Vec::new(), classes(checker)),
        };
        let auth_middleware = if functions.is_empty() && classes.is_empty() {
            None
        } else {
            auth_middleware(checker, &env)
        };
        Module {
            scope,
            file,
            functions,
            classes,
            env,
            auth_middleware,
        }
    }

    /// The class-based views.
    pub fn class_views(&self) -> impl Iterator<Item = &ClassInfo<'t>> {
        self.classes
            .iter()
            .filter(move |c| c.is_view() && !self.file.tests)
    }

    /// The function view or view method that contains `n`, with the request expression to use
    /// (`request` or `self.request`).
    pub fn request_in_scope(&self, checker: &PyChecker<'t>, n: Node<'t>) -> Option<String> {
        let function = node::enclosing_function(n)?;
        if let Some(view) = self.functions.iter().find(|v| v.def.id() == function.id()) {
            return Some(view.request.to_string());
        }
        // A method of a class: `self.request` (or its `request` parameter).
        let params = function.child_by_field_name("parameters")?;
        let src = checker.source();
        let mut cursor = params.walk();
        let names: Vec<&str> = params
            .named_children(&mut cursor)
            .map(|p| node::text(p, src))
            .collect();
        let requests = &checker.model.sources.request_params;
        if let Some(r) = names
            .iter()
            .take(2)
            .find(|n| requests.iter().any(|r| r == *n))
        {
            return Some((*r).to_string());
        }
        if names.first() == Some(&"self")
            && node::ancestor(function, &["class_definition"]).is_some()
        {
            return Some("self.request".to_string());
        }
        None
    }
}

/// The first project middleware of the production settings whose code checks the user
/// (class-based, or a function middleware factory).
fn auth_middleware(checker: &PyChecker, env: &Env) -> Option<String> {
    let resolver = resolve::resolver(checker)?;
    env.project_middleware.iter().find_map(|dotted| {
        let checks = match resolver.class(None, dotted) {
            Some((_, class)) => class.checks,
            None => resolver.decorator(None, dotted)?.1.checks,
        };
        checks
            .user()
            .then(|| dotted.rsplit('.').next().unwrap_or(dotted).to_string())
    })
}

fn file_kind(checker: &PyChecker) -> FileKind {
    let mut kind = FileKind::default();
    if let Some(path) = &checker.context.path {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or("");
        // Only names that hold views by convention: a function taking `request` elsewhere (an
        // `api.py` helper, a service) needs other evidence of being a view.
        kind.views = matches!(stem, "views" | "viewsets") || parent == "views";
        kind.urls = crate::project::urls::has_urls_name(path);
        kind.admin = stem == "admin";
        kind.tests = is_test_path(&project_relative(checker.context, path));
    }
    if !checker
        .model
        .index
        .bindings(crate::semantic::index::MODULE, "urlpatterns")
        .is_empty()
    {
        kind.urls = true;
    }
    kind
}

/// `path` relative to the project root when the context has a project (a project that lives
/// under a `tests/` folder is not all tests), else as given.
pub fn project_relative(
    context: &crate::analysis::Context,
    path: &std::path::Path,
) -> std::path::PathBuf {
    match context.project.as_deref() {
        Some(index) => {
            let full = index.normalize(path);
            full.strip_prefix(index.root())
                .map(std::path::Path::to_path_buf)
                .unwrap_or(full)
        }
        None => path.to_path_buf(),
    }
}

/// Tests and pytest configuration: `test_*.py`, `*_tests.py`, `tests.py`, `conftest.py`, and
/// anything under a `tests/` or `test/` directory.
pub fn is_test_path(path: &std::path::Path) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem == "tests"
        || stem == "conftest"
        || path
            .components()
            .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "test")))
}

/// Files under a `migrations/` directory.
pub fn is_migration_path(path: &std::path::Path) -> bool {
    path.components()
        .any(|c| c.as_os_str().to_str() == Some("migrations"))
}

/// The request parameter name of a function, when its first parameter (after `self`) is one.
fn request_param<'t>(checker: &PyChecker<'t>, def: Node<'t>) -> Option<&'t str> {
    let params = def.child_by_field_name("parameters")?;
    let src = checker.source();
    let mut cursor = params.walk();
    let first = params
        .named_children(&mut cursor)
        .find(|p| p.kind() != "comment")?;
    let name = match first.kind() {
        "identifier" => node::text(first, src),
        "typed_parameter" => first
            .named_child(0)
            .filter(|n| n.kind() == "identifier")
            .map(|n| node::text(n, src))?,
        _ => return None,
    };
    checker
        .model
        .sources
        .request_params
        .iter()
        .any(|r| r == name)
        .then_some(name)
}

/// Callables whose result is an HTTP response: returning one makes a function a view.
const RESPONSES: &[&str] = &[
    "render",
    "redirect",
    "render_to_response",
    "HttpResponse",
    "HttpResponseRedirect",
    "HttpResponsePermanentRedirect",
    "HttpResponseBadRequest",
    "HttpResponseForbidden",
    "HttpResponseNotFound",
    "HttpResponseNotAllowed",
    "JsonResponse",
    "TemplateResponse",
    "FileResponse",
    "StreamingHttpResponse",
    "Response",
];

fn function_views<'t>(checker: &PyChecker<'t>, file: FileKind, env: &Env) -> Vec<FunctionView<'t>> {
    let src = checker.source();
    let requests = &checker.model.sources.request_params;
    let mut views = Vec::new();
    for &def in &checker.model.index.functions {
        let top = match def.parent() {
            Some(p) if p.kind() == "decorated_definition" => p.parent(),
            p => p,
        };
        if top.is_none_or(|t| t.kind() != "module") {
            continue;
        }
        let (Some(name_node), Some(body)) = (
            def.child_by_field_name("name"),
            def.child_by_field_name("body"),
        ) else {
            continue;
        };
        let Some(request) = request_param(checker, def) else {
            continue;
        };
        let name = node::text(name_node, src);
        let decorators = decorators(checker, def);
        let routed = env.is_routed(name);
        if name.starts_with('_') && !routed {
            continue;
        }
        let view_decorated = decorators.iter().any(|d| {
            d.kind != DecoratorKind::Other
                || d.qualified.as_deref().is_some_and(|q| {
                    q.starts_with("django.views.decorators.")
                        || q.starts_with("django.contrib.auth.decorators.")
                        || q.starts_with("rest_framework.decorators.")
                })
        });
        let evidence = file.views || routed || view_decorated || returns_response(body, src);
        if !evidence {
            continue;
        }
        let facts = BodyFacts::collect(body, src, requests);
        views.push(FunctionView {
            def,
            name_node,
            name,
            request,
            decorators,
            facts,
        });
    }
    views
}

/// Whether a body returns (or raises) an HTTP response, looking at its statements.
fn returns_response(body: Node, src: &str) -> bool {
    let root_id = body.id();
    let mut found = false;
    walk(body, |n| {
        if found {
            return false;
        }
        if matches!(n.kind(), "return_statement" | "raise_statement")
            && let Some(value) = n.named_child(0)
        {
            let value = node::unparenthesize(value);
            found = (value.kind() == "call"
                && node::callee_name(value, src).is_some_and(|c| RESPONSES.contains(&c)))
                || (n.kind() == "raise_statement"
                    && matches!(node::text(value, src), "Http404" | "PermissionDenied"));
        }
        n.id() == root_id || !is_nested_scope(n)
    });
    found
}

/// A function, class or lambda: a scope of its own, not part of the enclosing body.
pub fn is_nested_scope(n: Node) -> bool {
    matches!(
        n.kind(),
        "function_definition" | "class_definition" | "lambda"
    )
}

/// Maximum number of module classes followed through local inheritance for one class.
const MAX_LOCAL_ANCESTORS: usize = 32;

fn classes<'t>(checker: &PyChecker<'t>) -> Vec<ClassInfo<'t>> {
    let src = checker.source();
    let requests: Rc<[String]> = checker.model.sources.request_params.as_slice().into();
    // Module-level classes by name (the last definition wins, as at run time).
    let top: Vec<Node<'t>> = checker
        .model
        .index
        .classes
        .iter()
        .copied()
        .filter(|c| {
            let top = match c.parent() {
                Some(p) if p.kind() == "decorated_definition" => p.parent(),
                p => p,
            };
            top.is_some_and(|t| t.kind() == "module")
        })
        .collect();
    let mut by_name: HashMap<&'t str, usize> = HashMap::new();
    for (i, c) in top.iter().enumerate() {
        if let Some(n) = c.child_by_field_name("name") {
            by_name.insert(node::text(n, src), i);
        }
    }
    // Direct bases of each class: (node, bare name, qualified, local index).
    struct Direct<'t> {
        node: Node<'t>,
        name: String,
        qualified: Option<String>,
        local: Option<usize>,
    }
    let direct: Vec<Vec<Direct<'t>>> = top
        .iter()
        .map(|c| {
            let Some(list) = c.child_by_field_name("superclasses") else {
                return Vec::new();
            };
            let mut cursor = list.walk();
            let nodes: Vec<Node> = list
                .named_children(&mut cursor)
                .filter(|n| !matches!(n.kind(), "keyword_argument" | "comment"))
                .collect();
            nodes
                .into_iter()
                .map(|n| {
                    let target = if n.kind() == "subscript" {
                        n.child_by_field_name("value").unwrap_or(n)
                    } else {
                        n
                    };
                    let name = last_name(target, src).unwrap_or("").to_string();
                    let qualified = checker.model.qualified_name(target);
                    let local = (qualified.is_none() && target.kind() == "identifier")
                        .then(|| by_name.get(node::text(target, src)).copied())
                        .flatten();
                    Direct {
                        node: n,
                        name,
                        qualified,
                        local,
                    }
                })
                .collect()
        })
        .collect();
    let mut subclassed = vec![false; top.len()];
    for bases in &direct {
        for b in bases {
            if let Some(i) = b.local
                && let Some(s) = subclassed.get_mut(i)
            {
                *s = true;
            }
        }
    }
    // Traits of the bases of other modules, each looked up once.
    let mut external: HashMap<(Option<String>, String), Traits> = HashMap::new();
    for bases in &direct {
        for b in bases.iter().filter(|b| b.local.is_none()) {
            let key = (b.qualified.clone(), b.name.clone());
            external
                .entry(key)
                .or_insert_with(|| external_base_traits(checker, b.qualified.as_deref(), &b.name));
        }
    }
    let external_traits = |b: &Direct| -> Traits {
        external
            .get(&(b.qualified.clone(), b.name.clone()))
            .copied()
            .unwrap_or_else(|| base_traits(b.qualified.as_deref(), &b.name))
    };
    // Traits of a local class: its non-local bases, and those of its local ancestors.
    let local_traits = |start: usize| -> (Traits, Vec<usize>) {
        let mut traits = Traits::default();
        let mut order = Vec::new();
        let mut queue = vec![start];
        while let Some(i) = queue.pop() {
            if order.contains(&i) {
                continue;
            }
            if order.len() >= MAX_LOCAL_ANCESTORS {
                traits.unknown = true;
                break;
            }
            order.push(i);
            for b in direct.get(i).into_iter().flatten().rev() {
                match b.local {
                    Some(l) => queue.push(l),
                    None => traits = traits.or(external_traits(b)),
                }
            }
        }
        (traits, order)
    };
    let mut out = Vec::new();
    for (i, def) in top.iter().enumerate() {
        let (Some(name_node), Some(_)) = (
            def.child_by_field_name("name"),
            def.child_by_field_name("body"),
        ) else {
            continue;
        };
        let (traits, lineage) = local_traits(i);
        let bases = direct
            .get(i)
            .into_iter()
            .flatten()
            .map(|b| Base {
                node: b.node,
                name: b.name.clone(),
                qualified: b.qualified.clone(),
                traits: match b.local {
                    Some(l) => local_traits(l).0,
                    None => external_traits(b),
                },
            })
            .collect();
        let mut attrs = Vec::new();
        let mut methods = Vec::new();
        let mut decos = Vec::new();
        let mut fact_bodies = Vec::new();
        for &l in &lineage {
            let Some(class) = top.get(l).copied() else {
                continue;
            };
            decos.extend(decorators(checker, class));
            let Some(body) = class.child_by_field_name("body") else {
                continue;
            };
            let (a, m) = members(checker, body);
            attrs.extend(a);
            methods.extend(m);
            fact_bodies.push(body);
        }
        out.push(ClassInfo {
            def: *def,
            name_node,
            name: node::text(name_node, src),
            bases,
            traits,
            attrs,
            methods,
            decorators: decos,
            facts: OnceCell::new(),
            fact_bodies,
            source: src,
            request_names: Rc::clone(&requests),
            subclassed: subclassed.get(i).copied().unwrap_or(false),
        });
    }
    out
}

/// How [`ClassView::protection`] describes a view protected only by checks in its own methods.
pub const CHECK_IN_METHODS: &str = "a check in its methods";

/// How a function view's access describes a check written in its body.
pub const CHECK_IN_BODY: &str = "a check in its body";

fn merge_facts(a: BodyFacts, b: BodyFacts) -> BodyFacts {
    BodyFacts {
        auth_check: a.auth_check || b.auth_check,
        object_check: a.object_check || b.object_check,
        signature_check: a.signature_check || b.signature_check,
        token_auth: a.token_auth || b.token_auth,
        csrf_check: a.csrf_check || b.csrf_check,
        logs_in: a.logs_in || b.logs_in,
        uses_session: a.uses_session || b.uses_session,
        reads_user: a.reads_user || b.reads_user,
        acts_as_user: a.acts_as_user || b.acts_as_user,
        reads_post: a.reads_post || b.reads_post,
        reads_files: a.reads_files || b.reads_files,
        handles_unsafe_method: a.handles_unsafe_method || b.handles_unsafe_method,
        writes: a.writes.or(b.writes),
        checks_redirect: a.checks_redirect || b.checks_redirect,
        mentions_password: a.mentions_password || b.mentions_password,
        token_lookup: a.token_lookup.or(b.token_lookup),
    }
}

impl BodyFacts {
    /// Facts of a class body: the bodies of its methods (each walked on its own).
    fn collect_class(body: Node, src: &str, request_names: &[String]) -> BodyFacts {
        let mut facts = BodyFacts::default();
        let mut cursor = body.walk();
        let stmts: Vec<Node> = body.named_children(&mut cursor).collect();
        for stmt in stmts {
            let def = match stmt.kind() {
                "function_definition" => Some(stmt),
                "decorated_definition" => stmt
                    .child_by_field_name("definition")
                    .filter(|d| d.kind() == "function_definition"),
                _ => None,
            };
            if let Some(method_body) = def.and_then(|d| d.child_by_field_name("body")) {
                facts = merge_facts(facts, BodyFacts::collect(method_body, src, request_names));
            }
        }
        facts
    }
}

/// The attributes (`name = value`) and methods defined directly in a class body.
fn members<'t>(
    checker: &PyChecker<'t>,
    body: Node<'t>,
) -> (Vec<(&'t str, Node<'t>)>, Vec<Method<'t>>) {
    let src = checker.source();
    let mut attrs = Vec::new();
    let mut methods = Vec::new();
    let mut cursor = body.walk();
    let stmts: Vec<Node> = body.named_children(&mut cursor).collect();
    for stmt in stmts {
        match stmt.kind() {
            "expression_statement" => {
                let Some(assign) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
                    continue;
                };
                if let (Some(left), Some(right)) = (
                    assign.child_by_field_name("left"),
                    assign.child_by_field_name("right"),
                ) && left.kind() == "identifier"
                {
                    attrs.push((node::text(left, src), right));
                }
            }
            "function_definition" | "decorated_definition" => {
                let def = if stmt.kind() == "decorated_definition" {
                    stmt.child_by_field_name("definition")
                } else {
                    Some(stmt)
                };
                if let Some(def) = def.filter(|d| d.kind() == "function_definition")
                    && let Some(name) = def.child_by_field_name("name")
                {
                    methods.push(Method {
                        name: node::text(name, src),
                        def,
                        decorators: decorators(checker, def),
                    });
                }
            }
            _ => {}
        }
    }
    (attrs, methods)
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/// The last name of an identifier, attribute chain or call's callee: `a.b.c` → `c`.
pub fn last_name<'s>(n: Node, src: &'s str) -> Option<&'s str> {
    let mut n = node::unparenthesize(n);
    if n.kind() == "call" {
        n = n.child_by_field_name("function")?;
    }
    match n.kind() {
        "identifier" => Some(node::text(n, src)),
        "attribute" => n
            .child_by_field_name("attribute")
            .map(|a| node::text(a, src)),
        _ => None,
    }
}

/// The value of a plain string literal (no interpolation).
pub fn string_value(n: Node, src: &str) -> Option<String> {
    let n = node::unparenthesize(n);
    if n.kind() != "string" {
        return None;
    }
    let mut cursor = n.walk();
    let mut out = String::new();
    for child in n.named_children(&mut cursor) {
        match child.kind() {
            "string_content" => out.push_str(node::text(child, src)),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

/// The string values of a list or tuple literal (`["GET", "POST"]`).
pub fn string_items(n: Node, src: &str) -> Vec<String> {
    let n = node::unparenthesize(n);
    if !matches!(n.kind(), "list" | "tuple" | "set") {
        return string_value(n, src).into_iter().collect();
    }
    let mut cursor = n.walk();
    n.named_children(&mut cursor)
        .filter_map(|i| string_value(i, src))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Fix helpers

/// The edit that adds `@{decorator}` as the outermost decorator of a function or class.
pub fn add_decorator_edit(src: &str, def: Node, decorator: &str) -> crate::analysis::Edit {
    let anchor = def
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(def);
    let start = node::line_start(src, anchor.start_byte());
    let indent = node::line_indent(src, anchor.start_byte());
    crate::analysis::Edit::insert(start, format!("{indent}@{decorator}\n"))
}

/// Whether the definition starts its own line (so a decorator line can be added above it).
pub fn starts_line(src: &str, def: Node) -> bool {
    let anchor = def
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(def);
    let start = node::line_start(src, anchor.start_byte());
    src.get(start..anchor.start_byte())
        .is_some_and(|prefix| prefix.chars().all(|c| c == ' ' || c == '\t'))
}

pub use crate::semantic::node::walk;

/// Whether `n` is an argument (at any depth within its statement) of a logging or `print` call.
pub fn inside_logging(n: Node, src: &str) -> bool {
    let mut current = n.parent();
    while let Some(p) = current {
        if p.kind().ends_with("statement") || p.kind() == "block" {
            return false;
        }
        if p.kind() == "call"
            && let Some(f) = p.child_by_field_name("function")
        {
            let callee = node::text(f, src);
            if callee == "print"
                || callee.starts_with("log")
                || callee.starts_with("self.log")
                || callee.starts_with("_log")
            {
                return true;
            }
        }
        current = p.parent();
    }
    false
}
