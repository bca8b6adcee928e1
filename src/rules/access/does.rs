//! What a view does, beyond "changes data" ([`super::views::BodyFacts`]): which objects it
//! fetches by a value of the request, which objects it changes or deletes, whether it manages
//! users or permissions (an admin function), whether it puts server internals in its response,
//! whether it lists a model's objects. The access rules combine these with how the view is
//! protected ([`super::views::Access`]); `djsec views` and the hover show them.

use std::ops::Range;
use std::sync::Arc;

use tree_sitter::Node;

use super::resolve;
use crate::analysis::python::PyChecker;
use crate::project::facts::access::ClassFacts;
use crate::semantic::{Level, node};

/// An object fetched by a value from the request: `get_object_or_404(Invoice, pk=pk)`,
/// `Invoice.objects.get(id=request.GET["id"])`.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub call: Range<usize>,
    /// The model as written (`Invoice`), when djsec can tell.
    pub model: Option<String>,
    /// The lookup keyword (`pk`).
    pub key: String,
    /// The query also mentions the user or tenant (`owner=request.user`).
    pub scoped: bool,
    /// The variable the object is bound to (`invoice = get_object_or_404(...)`).
    pub bound_to: Option<String>,
}

/// What a write does to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Delete,
    Change,
    Create,
}

impl Action {
    /// The model permission's action (`delete`, `change`, `add`).
    pub fn codename(self) -> &'static str {
        match self {
            Action::Delete => "delete",
            Action::Change => "change",
            Action::Create => "add",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Action::Delete => "deletes",
            Action::Change => "changes",
            Action::Create => "creates",
        }
    }
}

/// A write on objects of a model.
#[derive(Debug, Clone)]
pub struct ObjectWrite {
    pub action: Action,
    pub model: Option<String>,
    /// The object is chosen by a value of the request (a lookup without scoping).
    pub by_request: bool,
    /// How it is chosen: `pk`.
    pub key: Option<String>,
    pub range: Range<usize>,
}

/// See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Does {
    pub lookups: Vec<Lookup>,
    pub writes: Vec<ObjectWrite>,
    /// Manages users or their permissions: deletes or changes `User` objects chosen by the
    /// request, sets `is_staff`/`is_superuser` on a user, adds groups or permissions.
    pub manages_users: Option<String>,
    /// Puts server internals in its response: `request.META`, `os.environ`, the settings, a
    /// traceback.
    pub internals: Option<(String, Range<usize>)>,
    /// Lists every object of a model (`Invoice.objects.all()`), by model name.
    pub lists: Vec<(String, Range<usize>)>,
    /// Mentions the current user, session or a secret (`request.user`, `request.session`,
    /// `token`, `secret`, `signature`): it acts for someone, or checks something djsec does not
    /// classify.
    pub mentions_identity: bool,
    /// Renders a template under `admin/`.
    pub admin_template: bool,
    /// Returns a file (`FileResponse`, `serve()`).
    pub serves_file: bool,
}

/// Calls that build a response, whose arguments end up in it.
const RESPONSES: &[&str] = &[
    "HttpResponse",
    "JsonResponse",
    "Response",
    "render",
    "render_to_response",
    "render_to_string",
    "TemplateResponse",
    "StreamingHttpResponse",
];

impl Does {
    /// What the function `def` (a function view or a view method) does.
    pub fn of(checker: &PyChecker, def: Node) -> Does {
        let mut does = Does::default();
        let Some(body) = def.child_by_field_name("body") else {
            return does;
        };
        let src = checker.source();
        let text = node::text(body, src);
        let lower = text.to_ascii_lowercase();
        does.mentions_identity = text.contains("request.user")
            || text.contains("request.session")
            || [
                "token",
                "secret",
                "signature",
                "signed",
                "hmac",
                "password",
                "code",
            ]
            .iter()
            .any(|w| lower.contains(w));
        let body_id = body.id();
        let mut calls = Vec::new();
        let mut attributes = Vec::new();
        let mut assignments = Vec::new();
        node::walk(body, |n| {
            if n.id() != body_id && super::views::is_nested_scope(n) {
                return false;
            }
            match n.kind() {
                "call" => calls.push(n),
                "attribute" => attributes.push(n),
                "assignment" => assignments.push(n),
                _ => {}
            }
            true
        });
        for &call in &calls {
            if let Some(lookup) = lookup(checker, call) {
                does.lookups.push(lookup);
            }
        }
        for &call in &calls {
            does.write(checker, call);
        }
        for &a in &assignments {
            does.assignment(checker, a);
        }
        for &call in &calls {
            let name = node::callee_name(call, src).unwrap_or("");
            if matches!(name, "render" | "render_to_response" | "TemplateResponse")
                && node::positional_args(call)
                    .get(usize::from(name != "render_to_response"))
                    .and_then(|t| super::views::string_value(*t, src))
                    .is_some_and(|t| t.starts_with("admin/"))
            {
                does.admin_template = true;
            }
            if matches!(name, "FileResponse" | "serve" | "sendfile") {
                does.serves_file = true;
            }
            if does.manages_users.is_none()
                && matches!(name, "add" | "set" | "remove" | "clear")
                && node::call_receiver(call).is_some_and(|r| {
                    let t = node::text(r, src);
                    (t.ends_with("user_permissions") || t.ends_with("groups"))
                        && !t.starts_with("request.user")
                        && !t.starts_with("self.request.user")
                })
            {
                does.manages_users = Some(format!(
                    "changes a user's {}",
                    if node::text(call, src).contains("groups") {
                        "groups"
                    } else {
                        "permissions"
                    }
                ));
            }
            // `create_user()` is what a signup view calls; a superuser is an admin's doing.
            if does.manages_users.is_none() && name == "create_superuser" {
                does.manages_users = Some("creates superusers (`create_superuser()`)".to_string());
            }
            if does.internals.is_none()
                && let Some(what) = internals_call(call, src)
                && in_response(checker, call, &calls)
            {
                does.internals = Some((what, call.byte_range()));
            }
            // `Order.objects.all()`, `Order.objects.values(...)`: every object, unfiltered.
            if matches!(name, "all" | "values" | "values_list")
                && let Some(model) = node::call_receiver(call)
                    .filter(|r| node::text(*r, src).ends_with(".objects"))
                    .and_then(|r| objects_model(r, src))
                    .filter(|_| in_response(checker, call, &calls))
            {
                does.lists.push((model, call.byte_range()));
            }
        }
        for &a in &attributes {
            if does.internals.is_some() {
                break;
            }
            if let Some(what) = internals_attribute(a, src)
                && in_response(checker, a, &calls)
            {
                does.internals = Some((what, a.byte_range()));
            }
        }
        // A user chosen by the request and a secret checked on the way (an activation or reset
        // token) is the user's own flow, not an admin's.
        let secret = ["token", "secret", "signature", "signed", "hmac"]
            .iter()
            .any(|w| lower.contains(w));
        if does.manages_users.is_none()
            && !secret
            && let Some(w) = does
                .writes
                .iter()
                .find(|w| w.by_request && w.model.as_deref().is_some_and(is_user_model))
        {
            does.manages_users = Some(format!("{} `User` objects", w.action.verb()));
        }
        if does.manages_users.is_none()
            && let Some((_, range)) = does.lists.iter().find(|(m, _)| is_user_model(m))
        {
            let _ = range;
            does.manages_users = Some(super::admin_views::LISTS_USERS.to_string());
        }
        does
    }

    fn write(&mut self, checker: &PyChecker, call: Node) {
        let src = checker.source();
        let Some(name) = node::callee_name(call, src) else {
            return;
        };
        let action = match name {
            "delete" => Action::Delete,
            "save" | "update" | "set_password" => Action::Change,
            "create" | "get_or_create" | "update_or_create" | "bulk_create" => Action::Create,
            _ => return,
        };
        let Some(receiver) = node::call_receiver(call) else {
            return;
        };
        let receiver_text = node::text(receiver, src);
        // `x.delete()` on an object fetched by the request, or `Model.objects.filter(pk=pk)
        // .delete()`, or `Model.objects.create(...)`.
        let bound = self
            .lookups
            .iter()
            .find(|l| l.bound_to.as_deref() == Some(receiver_text))
            .cloned();
        let inline = self
            .lookups
            .iter()
            .find(|l| l.call.start >= receiver.start_byte() && l.call.end <= receiver.end_byte())
            .cloned();
        let found = bound.or(inline);
        let model = found
            .as_ref()
            .and_then(|l| l.model.clone())
            .or_else(|| objects_model(receiver, src));
        if found.is_none() && model.is_none() && action != Action::Change {
            return;
        }
        if found.is_none() && model.is_none() {
            // `profile.save()`: a change, of something djsec does not know.
            return;
        }
        self.writes.push(ObjectWrite {
            action,
            model,
            by_request: found.as_ref().is_some_and(|l| !l.scoped),
            key: found.map(|l| l.key),
            range: call.byte_range(),
        });
    }

    /// `user.is_staff = True` on a user that is not the requester.
    fn assignment(&mut self, checker: &PyChecker, a: Node) {
        if self.manages_users.is_some() {
            return;
        }
        let src = checker.source();
        let Some(left) = a
            .child_by_field_name("left")
            .filter(|l| l.kind() == "attribute")
        else {
            return;
        };
        let attr = left
            .child_by_field_name("attribute")
            .map_or("", |x| node::text(x, src));
        let object = left
            .child_by_field_name("object")
            .map_or("", |x| node::text(x, src));
        if matches!(attr, "is_staff" | "is_superuser" | "is_admin")
            && !object.starts_with("request.user")
            && !object.starts_with("self.request.user")
        {
            self.manages_users = Some(format!("sets `{attr}` on a user"));
        }
    }

    /// An object chosen by the request, not scoped to the user.
    pub fn unscoped_lookup(&self) -> Option<&Lookup> {
        self.lookups.iter().find(|l| !l.scoped)
    }

    /// A write on an object chosen by the request, not scoped to the user.
    pub fn write_by_request(&self) -> Option<&ObjectWrite> {
        self.writes.iter().find(|w| w.by_request)
    }
}

/// `get_object_or_404(M, pk=...)`, `M.objects.get(id=...)`, `M.objects.filter(pk=...)` with a
/// lookup value from the request.
fn lookup(checker: &PyChecker, call: Node) -> Option<Lookup> {
    let src = checker.source();
    let name = node::callee_name(call, src)?;
    let (model, scope_text) = match name {
        "get_object_or_404" | "get_list_or_404" => {
            let m = node::positional_args(call).first().copied()?;
            (
                objects_model(m, src).or_else(|| plain_name(m, src)),
                node::text(m, src),
            )
        }
        "get" | "filter" | "get_or_404" => {
            let receiver = node::call_receiver(call)?;
            let text = node::text(receiver, src);
            if !text.contains("objects") {
                return None;
            }
            (objects_model(receiver, src), text)
        }
        _ => return None,
    };
    let mut scoped = scope_text.starts_with("request") || scope_text.starts_with("self.request");
    if let Some(i) = scope_text.find(".objects") {
        scoped |= mentions_scope(scope_text.get(i..).unwrap_or(""));
    }
    let args = call.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    let keywords: Vec<Node> = args
        .named_children(&mut cursor)
        .filter(|a| a.kind() == "keyword_argument")
        .collect();
    let mut key = None;
    for kw in keywords {
        let (Some(k), Some(v)) = (
            kw.child_by_field_name("name"),
            kw.child_by_field_name("value"),
        ) else {
            continue;
        };
        let k_text = node::text(k, src);
        let v_text = node::text(v, src);
        let from_request = checker.model.flow(v).level == Level::Request;
        // `owner=request.user`, `team=team`: scoping; `user_id=request.GET["user_id"]` is the
        // object the request chooses, whatever the key says.
        let scoping = v_text.contains("request.user")
            || v_text.contains("request.session")
            || (!from_request && (mentions_scope(k_text) || mentions_scope(v_text)));
        if scoping {
            scoped = true;
        } else if is_id_key(k_text) && from_request {
            key = Some(k_text.to_string());
        }
    }
    let key = key?;
    // `invoice = get_object_or_404(...)`.
    let bound_to = call
        .parent()
        .filter(|p| p.kind() == "assignment")
        .and_then(|p| p.child_by_field_name("left"))
        .filter(|l| l.kind() == "identifier")
        .map(|l| node::text(l, src).to_string());
    Some(Lookup {
        call: call.byte_range(),
        model,
        key,
        scoped,
        bound_to,
    })
}

/// Lookup keywords that pick one object: `pk`, `id`, `slug`, `uuid`, `*_id`, `username`.
pub fn is_id_key(key: &str) -> bool {
    matches!(key, "pk" | "id" | "uuid" | "slug" | "username" | "email")
        || key.ends_with("_id")
        || key.ends_with("_pk")
        || key.ends_with("_uuid")
        || key.ends_with("__pk")
        || key.ends_with("__id")
        || key.ends_with("__iexact")
}

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
    "session",
];

fn mentions_scope(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    SCOPING_WORDS.iter().any(|w| lower.contains(w))
}

/// `Invoice` of `Invoice.objects...` (the model of a queryset expression), or of
/// `get_user_model().objects...` (`User`).
fn objects_model(n: Node, src: &str) -> Option<String> {
    let text = node::text(n, src);
    let head = text.split(".objects").next()?;
    if head.len() == text.len() {
        return None;
    }
    if head.starts_with("get_user_model(") {
        return Some("User".to_string());
    }
    let last = head.rsplit('.').next()?;
    (!last.is_empty() && last.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then(|| last.to_string())
}

fn plain_name(n: Node, src: &str) -> Option<String> {
    matches!(n.kind(), "identifier" | "attribute")
        .then(|| {
            node::text(n, src)
                .rsplit('.')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .filter(|s| !s.is_empty())
}

pub fn is_user_model(model: &str) -> bool {
    matches!(model, "User" | "AuthUser" | "CustomUser" | "UserModel")
}

/// `traceback.format_exc()`, `vars(settings)`, `dir(settings)`, `sys.exc_info()`,
/// `os.environ.copy()`.
fn internals_call(call: Node, src: &str) -> Option<String> {
    let text = node::text(call.child_by_field_name("function")?, src);
    let args = call
        .child_by_field_name("arguments")
        .map_or("", |a| node::text(a, src));
    match text {
        "traceback.format_exc"
        | "traceback.format_exception"
        | "traceback.format_stack"
        | "format_exc" => Some("a traceback".to_string()),
        "sys.exc_info" => Some("the current exception (`sys.exc_info()`)".to_string()),
        "vars" | "dir" if args.trim_matches(['(', ')']) == "settings" => {
            Some("every setting (`settings`)".to_string())
        }
        "os.environ.copy" | "dict" if args.contains("os.environ") => {
            Some("the environment (`os.environ`)".to_string())
        }
        "dict" if args.contains("request.META") => Some("`request.META`".to_string()),
        _ => None,
    }
}

/// `request.META` or `os.environ` used whole (not one key), `settings.__dict__`.
fn internals_attribute(a: Node, src: &str) -> Option<String> {
    let text = node::text(a, src);
    let what = match text {
        "request.META" | "self.request.META" => "`request.META`",
        "os.environ" => "the environment (`os.environ`)",
        "settings.__dict__" | "settings._wrapped.__dict__" => "every setting (`settings`)",
        _ => return None,
    };
    // `request.META["HTTP_X"]`, `request.META.get(...)`: one value, not the whole mapping.
    let parent = a.parent()?;
    match parent.kind() {
        "subscript" => return None,
        "attribute" => return None,
        _ => {}
    }
    Some(what.to_string())
}

/// Whether `n` ends up in a response: it is inside the arguments of a response call, or it is
/// assigned to a variable that one of them uses.
fn in_response(checker: &PyChecker, n: Node, calls: &[Node]) -> bool {
    let src = checker.source();
    let response_calls: Vec<&Node> = calls
        .iter()
        .filter(|c| node::callee_name(**c, src).is_some_and(|name| RESPONSES.contains(&name)))
        .collect();
    if response_calls.iter().any(|c| {
        c.child_by_field_name("arguments")
            .is_some_and(|args| node::contains(args, n))
    }) {
        return true;
    }
    // `data = dict(request.META)` ... `JsonResponse(data)`, `context = {"env": os.environ}`.
    let mut current = n;
    for _ in 0..8 {
        let Some(parent) = current.parent() else {
            return false;
        };
        if parent.kind() == "assignment" {
            let Some(left) = parent
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
            else {
                return false;
            };
            let name = node::text(left, src);
            return response_calls.iter().any(|c| {
                c.child_by_field_name("arguments").is_some_and(|args| {
                    let mut found = false;
                    node::walk(args, |x| {
                        if x.kind() == "identifier" && node::text(x, src) == name {
                            found = true;
                        }
                        !found
                    });
                    found
                })
            });
        }
        if parent.kind().ends_with("statement") {
            return false;
        }
        current = parent;
    }
    false
}

/// The facts of a model class named in the module (`Invoice`, imported or defined here), and
/// its app label (from `Meta.app_label` or the folder of its `models.py`).
pub fn model_facts(checker: &PyChecker, model: &str) -> Option<(Arc<ClassFacts>, Option<String>)> {
    let resolver = resolve::resolver(checker)?;
    let qualified = checker.model.imports.module_bindings().get(model).cloned();
    let named = qualified.unwrap_or_else(|| format!("@{model}"));
    let (file, class) = resolver.class(None, &named)?;
    let label = class.app_label.clone().or_else(|| {
        let path = resolver.path_of(file.as_ref())?;
        app_label_of(&path)
    });
    Some((class, label))
}

/// The app a models file belongs to: `billing/models.py` and `billing/models/invoice.py` are
/// `billing`'s.
pub fn app_label_of(path: &std::path::Path) -> Option<String> {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let models = parts
        .iter()
        .rposition(|p| *p == "models" || *p == "models.py")?;
    let app = parts.get(models.checked_sub(1)?)?;
    Some((*app).to_string())
}
