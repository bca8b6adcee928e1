//! The URLconf, statically: which views the project routes, at which route, under which URL name,
//! and wrapped in which decorators in `urls.py`.
//!
//! Each URL module gets a [`UrlSummary`] distilled from its [`ModuleSummary`]: its imports,
//! `app_name`, the entries of `urlpatterns` (`path()`, `re_path()`, `url()`, `include()`; built by
//! assignment, `+=`, `.append()`, `.extend()`, `.insert()`, also inside `if`/`try` blocks), other
//! module-level pattern lists, and DRF routers with their `register()` calls. The project then
//! walks the URLconf from `ROOT_URLCONF` (or, when that is unknown, from every URL module no other
//! includes), joining include prefixes and namespaces, and resolves each view expression
//! (`views.home`, `home` from `from .views import home`, `HomeView.as_view()`, a viewset
//! registered on a router) to the file that defines it and its name there ([`resolve`]).
//!
//! Everything is bounded: include depth, cycles (a module already on the include path is not
//! entered again), routes per project, and the summaries themselves (see [`super::summary`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use super::summary::{BinOp, Expr, ExprKind, ModuleRef, ModuleSummary, Stmt, StmtKind, Target};
use super::value::FileId;
use super::{ProjectIndex, discover};

/// Include nesting followed from a root URLconf.
const MAX_INCLUDE_DEPTH: usize = 16;
/// Routes resolved per project; the rest is dropped (with a log line).
const MAX_ROUTES: usize = 50_000;
/// Pattern entries kept per module.
const MAX_PATTERNS: usize = 10_000;
/// How deep a view expression is unwrapped (`csrf_exempt(login_required(views.x))`).
const MAX_WRAP_DEPTH: u32 = 8;

/// What one module of the URLconf says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UrlSummary {
    /// Local names bound by imports.
    pub imports: Vec<(String, Imported)>,
    /// `from module import *`: where names not bound otherwise may come from.
    pub star_imports: Vec<ModuleRef>,
    /// `app_name = "..."`: the default namespace of the module when it is included.
    pub app_name: Option<String>,
    /// Whether the module assigns `urlpatterns`.
    pub defines_urlpatterns: bool,
    /// The entries of `urlpatterns`, in order.
    pub patterns: Vec<Pattern>,
    /// Other module-level lists of patterns (`api_patterns = [path(...), ...]`), by name.
    pub lists: BTreeMap<String, Vec<Pattern>>,
    /// DRF routers (`router = DefaultRouter()`) and what is registered on them.
    pub routers: BTreeMap<String, Vec<Registration>>,
    /// Modules this module includes by a dotted string (`include("shop.urls")`), to read.
    pub included_modules: Vec<String>,
    /// `urlpatterns` is built with Django 1.x's `patterns()`.
    pub uses_patterns: bool,
}

/// What an import binds a local name to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// `import a.b as c` (`c` → `a.b`), `import a` (`a` → `a`).
    Module(String),
    /// `from module import name`.
    Name { module: ModuleRef, name: String },
}

/// One entry of a pattern list.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The route as written (`orders/<int:pk>/`, `^orders/$`); `None` when not a literal.
    pub route: Option<String>,
    /// The URL name (`name="order-detail"`).
    pub name: Option<String>,
    pub target: PatternTarget,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PatternTarget {
    /// A view: the dotted expression that names it (`views.home`, `HomeView` for
    /// `HomeView.as_view()`), and the decorators wrapped around it, outermost first.
    View { view: String, wrappers: Vec<String> },
    /// A view named by a dotted string, Django 1.x style (`url(r'^x/$', 'shop.views.home')`,
    /// with the `patterns('shop.views', ...)` prefix applied).
    ViewPath(String),
    /// Not the project's views: `admin.site.urls`, `static(...)`, `staticfiles_urlpatterns()`.
    External,
    Include {
        what: Include,
        namespace: Option<String>,
    },
    /// `router.urls` spliced into the list (`urlpatterns += router.urls`).
    Router(String),
    /// Anything else (`admin.site.urls`, a call djsec does not model).
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Include {
    /// `include("shop.urls")`
    Dotted(String),
    /// `include(shop_urls)`, `include(shop.urls)`: a name bound by an import, or a pattern list
    /// of this module.
    Name(String),
    /// `include(router.urls)`
    Router(String),
    /// `include([path(...), ...])`
    Patterns(Vec<Pattern>),
    Unknown,
}

/// `router.register(prefix, viewset, basename=...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub prefix: Option<String>,
    pub view: String,
    pub basename: Option<String>,
}

/// A file holds URL patterns by its name: `urls.py`, `*_urls.py`, `urls/*.py`.
pub fn is_urls_path(path: &Path) -> bool {
    discover::file_kind(path) == discover::FileKind::Python && has_urls_name(path)
}

/// The naming part of [`is_urls_path`], for a file already known to be Python.
pub fn has_urls_name(path: &Path) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("");
    stem == "urls" || stem.ends_with("_urls") || parent == "urls"
}

impl UrlSummary {
    pub fn parse(src: &str) -> UrlSummary {
        UrlSummary::from_module(&ModuleSummary::parse(src))
    }

    pub fn from_module(module: &ModuleSummary) -> UrlSummary {
        let mut out = UrlSummary::default();
        let mut stack: Vec<(&[Stmt], u32)> = vec![(&module.body, 0)];
        // Statements in source order: blocks are expanded in place.
        let mut ordered: Vec<&Stmt> = Vec::new();
        while let Some((stmts, depth)) = stack.pop() {
            let mut nested: Vec<(&[Stmt], u32)> = Vec::new();
            for stmt in stmts {
                match &stmt.kind {
                    StmtKind::If(branches) if depth < 8 => {
                        nested.extend(branches.iter().map(|(_, b)| (b.as_slice(), depth + 1)));
                    }
                    StmtKind::Try { body, .. } if depth < 8 => {
                        nested.push((body.as_slice(), depth + 1))
                    }
                    _ => ordered.push(stmt),
                }
            }
            stack.extend(nested.into_iter().rev());
        }
        for stmt in ordered {
            out.statement(stmt);
        }
        let mut included = Vec::new();
        let mut visit: Vec<&Pattern> = out.patterns.iter().collect();
        visit.extend(out.lists.values().flatten());
        while let Some(p) = visit.pop() {
            if let PatternTarget::Include { what, .. } = &p.target {
                match what {
                    Include::Dotted(m) => included.push(m.clone()),
                    Include::Patterns(list) => visit.extend(list.iter()),
                    _ => {}
                }
            }
        }
        included.sort();
        included.dedup();
        out.included_modules = included;
        out
    }

    fn statement(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Import(names) => {
                for (local, module) in names {
                    self.bind_import(local, Imported::Module(module.clone()));
                }
            }
            StmtKind::ImportFrom { module, names } => {
                for (name, local) in names {
                    self.bind_import(
                        local,
                        Imported::Name {
                            module: module.clone(),
                            name: name.clone(),
                        },
                    );
                }
            }
            StmtKind::StarImport(module) => self.star_imports.push(module.clone()),
            StmtKind::Assign { targets, value } => {
                for target in targets {
                    let Target::Name { name, .. } = target else {
                        continue;
                    };
                    self.assign(name, value);
                }
            }
            StmtKind::AugAssign {
                target: Target::Name { name, .. },
                op: BinOp::Add,
                value,
            } => {
                if name == "urlpatterns" {
                    self.uses_patterns |= calls_patterns(value);
                }
                let added = self.pattern_list(value);
                self.extend_list(name, added);
            }
            StmtKind::Expr(expr) => self.call_statement(expr),
            _ => {}
        }
    }

    fn bind_import(&mut self, local: &str, imported: Imported) {
        self.imports.retain(|(l, _)| l != local);
        self.imports.push((local.to_string(), imported));
    }

    fn assign(&mut self, name: &str, value: &Expr) {
        if name == "app_name" {
            self.app_name = match &value.kind {
                ExprKind::Str(s) => Some(s.clone()),
                _ => None,
            };
            return;
        }
        if let ExprKind::Call { func, .. } = &value.kind
            && func
                .dotted()
                .is_some_and(|d| last(&d).ends_with("Router") || last(&d).ends_with("router"))
        {
            self.routers.insert(name.to_string(), Vec::new());
            return;
        }
        if name == "urlpatterns" {
            self.defines_urlpatterns = true;
            self.uses_patterns |= calls_patterns(value);
            self.patterns = self.pattern_list(value);
        } else if matches!(
            value.kind,
            ExprKind::List(_) | ExprKind::Tuple(_) | ExprKind::Binary(..)
        ) {
            let list = self.pattern_list(value);
            if list
                .iter()
                .any(|p| !matches!(p.target, PatternTarget::Unknown))
            {
                self.lists.insert(name.to_string(), list);
            }
        }
    }

    fn extend_list(&mut self, name: &str, added: Vec<Pattern>) {
        let list = if name == "urlpatterns" {
            self.defines_urlpatterns = true;
            &mut self.patterns
        } else {
            self.lists.entry(name.to_string()).or_default()
        };
        list.extend(added);
        list.truncate(MAX_PATTERNS);
    }

    /// `urlpatterns.append(...)`, `.extend(...)`, `.insert(i, ...)`, `router.register(...)`.
    fn call_statement(&mut self, expr: &Expr) {
        let ExprKind::Call { func, args, kwargs } = &expr.kind else {
            return;
        };
        let ExprKind::Attr(object, method) = &func.kind else {
            return;
        };
        let ExprKind::Name(owner) = &object.kind else {
            return;
        };
        match method.as_str() {
            "register" if self.routers.contains_key(owner) => {
                let prefix = arg(args, kwargs, 0, "prefix").and_then(string);
                let view = arg(args, kwargs, 1, "viewset").and_then(view_name);
                let basename = kwargs
                    .iter()
                    .find(|(k, _)| k == "basename" || k == "base_name")
                    .and_then(|(_, v)| string(v));
                if let (Some(view), Some(list)) = (view, self.routers.get_mut(owner)) {
                    list.push(Registration {
                        prefix,
                        view,
                        basename,
                    });
                }
            }
            "append" => {
                if let Some(item) = args.first() {
                    let added = vec![self.pattern(item, 0)];
                    self.extend_list(owner, added);
                }
            }
            "insert" => {
                if let Some(item) = args.get(1) {
                    let added = vec![self.pattern(item, 0)];
                    self.extend_list(owner, added);
                }
            }
            "extend" => {
                if let Some(items) = args.first() {
                    let added = self.pattern_list(items);
                    self.extend_list(owner, added);
                }
            }
            _ => {}
        }
    }

    /// The patterns of a list expression: `[...]`, `a + b`, a list of this module, `router.urls`.
    fn pattern_list(&self, value: &Expr) -> Vec<Pattern> {
        let mut out = Vec::new();
        let mut stack = vec![value];
        while let Some(e) = stack.pop() {
            if out.len() >= MAX_PATTERNS {
                break;
            }
            match &e.kind {
                ExprKind::List(items) | ExprKind::Tuple(items) => {
                    out.extend(items.iter().map(|i| self.pattern(i, 0)));
                }
                ExprKind::Binary(BinOp::Add, a, b) => {
                    // Left first: the stack is last-in, first-out.
                    stack.push(b);
                    stack.push(a);
                }
                ExprKind::Name(n) => match self.lists.get(n) {
                    Some(list) => out.extend(list.iter().cloned()),
                    None => out.push(Pattern {
                        route: None,
                        name: None,
                        target: PatternTarget::Unknown,
                    }),
                },
                ExprKind::Attr(object, attr) if attr == "urls" => {
                    if let ExprKind::Name(router) = &object.kind
                        && self.routers.contains_key(router)
                    {
                        out.push(Pattern {
                            route: Some(String::new()),
                            name: None,
                            target: PatternTarget::Router(router.clone()),
                        });
                    }
                }
                // `format_suffix_patterns(urlpatterns)` and friends keep the patterns.
                ExprKind::Call { func, args, .. }
                    if func
                        .dotted()
                        .is_some_and(|d| last(&d) == "format_suffix_patterns") =>
                {
                    if let Some(first) = args.first() {
                        stack.push(first);
                    }
                }
                // `i18n_patterns(path(...), ...)`: the patterns, under a language prefix.
                ExprKind::Call { func, args, .. }
                    if func.dotted().is_some_and(|d| last(&d) == "i18n_patterns") =>
                {
                    out.extend(args.iter().map(|i| self.pattern(i, 0)));
                }
                // Django 1.x: `patterns('shop.views', url(r'^$', 'home'), ...)`.
                ExprKind::Call { func, args, .. }
                    if func.dotted().is_some_and(|d| last(&d) == "patterns") =>
                {
                    let prefix = args.first().and_then(string).unwrap_or_default();
                    out.extend(
                        args.iter()
                            .skip(1)
                            .map(|i| with_view_prefix(self.pattern(i, 0), &prefix)),
                    );
                }
                ExprKind::Call { func, .. }
                    if func.dotted().is_some_and(|d| {
                        matches!(
                            last(&d),
                            "static" | "staticfiles_urlpatterns" | "debug_toolbar_urls"
                        )
                    }) =>
                {
                    out.push(Pattern {
                        route: None,
                        name: None,
                        target: PatternTarget::External,
                    });
                }
                // Anything else (`decorate_urlpatterns(...)`, a comprehension, a name that is
                // not a list of this module): patterns djsec cannot see.
                _ => out.push(Pattern {
                    route: None,
                    name: None,
                    target: PatternTarget::Unknown,
                }),
            }
        }
        out
    }

    /// One `path()` / `re_path()` / `url()` entry.
    fn pattern(&self, item: &Expr, depth: u32) -> Pattern {
        let unknown = Pattern {
            route: None,
            name: None,
            target: PatternTarget::Unknown,
        };
        // Django 1.x: `(r'^x/$', 'app.views.name')` in `patterns()`.
        if let ExprKind::Tuple(items) = &item.kind
            && let [route, view, ..] = items.as_slice()
            && let Some(route) = string(route)
        {
            return Pattern {
                route: Some(route),
                name: None,
                target: self.target(view, depth),
            };
        }
        let ExprKind::Call { func, args, kwargs } = &item.kind else {
            return unknown;
        };
        let Some(callee) = func.dotted() else {
            return unknown;
        };
        if !matches!(last(&callee), "path" | "re_path" | "url") {
            return unknown;
        }
        let route = arg(args, kwargs, 0, "route").and_then(string);
        let name = arg(args, kwargs, 3, "name").and_then(string);
        let target = match arg(args, kwargs, 1, "view") {
            Some(view) => self.target(view, depth),
            None => PatternTarget::Unknown,
        };
        Pattern {
            route,
            name,
            target,
        }
    }

    fn target(&self, view: &Expr, depth: u32) -> PatternTarget {
        let mut wrappers = Vec::new();
        let mut current = view;
        for _ in 0..MAX_WRAP_DEPTH {
            match &current.kind {
                ExprKind::Name(_) | ExprKind::Attr(..) => {
                    if let ExprKind::Attr(object, attr) = &current.kind
                        && attr == "urls"
                        && let ExprKind::Name(router) = &object.kind
                        && self.routers.contains_key(router)
                    {
                        return PatternTarget::Include {
                            what: Include::Router(router.clone()),
                            namespace: None,
                        };
                    }
                    // `admin.site.urls` and other `.urls` attributes are not views.
                    return match current.dotted() {
                        Some(d) if !d.ends_with(".urls") => {
                            PatternTarget::View { view: d, wrappers }
                        }
                        Some(d) if d.ends_with("site.urls") => PatternTarget::External,
                        _ => PatternTarget::Unknown,
                    };
                }
                // Django 1.x: the view as a dotted string.
                ExprKind::Str(path) if wrappers.is_empty() && !path.is_empty() => {
                    return PatternTarget::ViewPath(path.clone());
                }
                ExprKind::Call { func, args, kwargs } => {
                    // `X.as_view(...)`: the class X.
                    if let ExprKind::Attr(object, attr) = &func.kind
                        && attr == "as_view"
                    {
                        return match object.dotted() {
                            Some(d) => PatternTarget::View { view: d, wrappers },
                            None => PatternTarget::Unknown,
                        };
                    }
                    let callee = func.dotted();
                    if callee.as_deref().is_some_and(|c| last(c) == "include") {
                        return self.include(args, kwargs, depth);
                    }
                    // A wrapper: `login_required(view)`, `permission_required("p")(view)`.
                    let wrapper = match &func.kind {
                        ExprKind::Call { func: inner, .. } => inner.dotted(),
                        _ => callee,
                    };
                    let Some(wrapper) = wrapper else {
                        return PatternTarget::Unknown;
                    };
                    let Some(inner) = args.first() else {
                        return PatternTarget::Unknown;
                    };
                    wrappers.push(self.imported_name(&wrapper));
                    current = inner;
                }
                _ => return PatternTarget::Unknown,
            }
        }
        PatternTarget::Unknown
    }

    fn include(&self, args: &[Expr], kwargs: &[(String, Expr)], depth: u32) -> PatternTarget {
        let mut namespace = kwargs
            .iter()
            .find(|(k, _)| k == "namespace")
            .and_then(|(_, v)| string(v));
        let Some(mut what) = arg(args, kwargs, 0, "arg") else {
            return PatternTarget::Unknown;
        };
        // `include((patterns, "app_name"), namespace=...)`
        if let ExprKind::Tuple(items) = &what.kind
            && let [patterns, app] = items.as_slice()
        {
            if namespace.is_none() {
                namespace = string(app);
            }
            what = patterns;
        }
        let what = match &what.kind {
            ExprKind::Str(s) => Include::Dotted(s.clone()),
            ExprKind::List(items) | ExprKind::Tuple(items) if depth < MAX_WRAP_DEPTH => {
                Include::Patterns(items.iter().map(|i| self.pattern(i, depth + 1)).collect())
            }
            ExprKind::Attr(object, attr) if attr == "urls" => match &object.kind {
                ExprKind::Name(router) if self.routers.contains_key(router) => {
                    Include::Router(router.clone())
                }
                _ => what.dotted().map_or(Include::Unknown, Include::Name),
            },
            ExprKind::Name(_) | ExprKind::Attr(..) => {
                what.dotted().map_or(Include::Unknown, Include::Name)
            }
            _ => Include::Unknown,
        };
        PatternTarget::Include { what, namespace }
    }

    /// The name a local function is imported as (`lr` for `login_required as lr` is
    /// `login_required`), else its last dotted part.
    fn imported_name(&self, dotted: &str) -> String {
        let first = dotted.split('.').next().unwrap_or(dotted);
        if !dotted.contains('.')
            && let Some((_, Imported::Name { name, .. })) =
                self.imports.iter().find(|(l, _)| l == first)
        {
            return name.clone();
        }
        last(dotted).to_string()
    }
}

fn last(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}

/// Whether a `urlpatterns` value calls Django 1.x's `patterns()` (alone or in a sum).
fn calls_patterns(value: &Expr) -> bool {
    let mut stack = vec![value];
    let mut steps = 0;
    while let Some(e) = stack.pop() {
        steps += 1;
        if steps > 256 {
            break;
        }
        match &e.kind {
            ExprKind::Call { func, .. }
                if func.dotted().is_some_and(|d| last(&d) == "patterns") =>
            {
                return true;
            }
            ExprKind::Binary(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            _ => {}
        }
    }
    false
}

/// `patterns('shop.views', url(r'^$', 'home'))`: `home` is `shop.views.home`.
fn with_view_prefix(mut pattern: Pattern, prefix: &str) -> Pattern {
    if let PatternTarget::ViewPath(path) = &mut pattern.target
        && !prefix.is_empty()
    {
        *path = format!("{}.{path}", prefix.trim_end_matches('.'));
    }
    pattern
}

fn arg<'e>(args: &'e [Expr], kwargs: &'e [(String, Expr)], i: usize, kw: &str) -> Option<&'e Expr> {
    args.get(i)
        .or_else(|| kwargs.iter().find(|(k, _)| k == kw).map(|(_, v)| v))
}

fn string(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// `OrderViewSet`, `views.OrderViewSet`.
fn view_name(e: &Expr) -> Option<String> {
    e.dotted()
}

// ---------------------------------------------------------------------------------------------
// The project's routes

/// One route to a view, as the access rules see it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ViewRoute {
    /// The full route, include prefixes joined.
    pub route: String,
    /// The URL name, with its namespaces (`shop:order-detail`).
    pub name: Option<String>,
    /// Decorators wrapped around the view in the URLconf, outermost first.
    pub wrappers: Vec<String>,
}

/// What the URLconf passes a routed view as keyword arguments: the names its routes capture
/// (`<int:pk>`, `(?P<pk>...)`), or `None` when a route passes something positionally (a regex
/// group without a name) or a route could not be read.
pub type Captures = Option<std::collections::BTreeSet<String>>;

/// The names one route captures ([`Captures`]). A route mixes include prefixes of both syntaxes:
/// `path()`'s `<converter:name>` and `re_path()`'s `(?P<name>...)`; as in Django, a regex with a
/// named group ignores its unnamed ones, and one with only unnamed groups passes positional
/// arguments (`None`).
pub fn captures(route: &str) -> Captures {
    let mut names = std::collections::BTreeSet::new();
    let mut unnamed = false;
    let bytes = route.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'(' if route[i..].starts_with("(?P<") => {
                let rest = &route[i + 4..];
                let end = rest.find('>')?;
                names.insert(rest[..end].to_string());
                i += 4 + end;
            }
            // `(?:...)`, `(?i)`, lookarounds: not captures.
            b'(' if bytes.get(i + 1) == Some(&b'?') => {}
            b'(' => unnamed = true,
            b'<' => {
                let rest = &route[i + 1..];
                let end = rest.find('>')?;
                let inner = &rest[..end];
                let name = inner.rsplit(':').next().unwrap_or(inner);
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return None;
                }
                names.insert(name.to_string());
                i += end + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if names.is_empty() && unnamed {
        None
    } else {
        Some(names)
    }
}

/// The routed views of the project: file → view name → routes.
pub type Routes = BTreeMap<FileId, BTreeMap<String, Vec<ViewRoute>>>;

/// A pattern list being walked: where it is, and what the includes above it added.
struct Frame<'a> {
    file: FileId,
    patterns: &'a [Pattern],
    prefix: String,
    namespace: Option<String>,
    /// The URL modules on the include path (for cycles).
    path: Vec<FileId>,
    /// Includes followed to get here (modules and inline lists).
    depth: usize,
}

/// Resolve the routes of the URLconf rooted at `roots` (URL modules).
pub fn resolve(index: &ProjectIndex, roots: &[FileId]) -> Routes {
    resolve_complete(index, roots).0
}

/// [`resolve`], and whether the URLconf was read completely: every entry understood (a view, an
/// include, a router, Django's admin), every include of a project module found, nothing built
/// by code djsec does not model (`decorate_urlpatterns(...)`, a comprehension). Then a function
/// no route reaches is not a view.
pub fn resolve_complete(index: &ProjectIndex, roots: &[FileId]) -> (Routes, bool) {
    let mut complete = !roots.is_empty();
    let mut routes: Routes = BTreeMap::new();
    let mut count = 0usize;
    let mut stack: Vec<Frame> = Vec::new();
    for root in roots.iter().rev() {
        if index
            .url_summary(root)
            .is_none_or(|summary| !summary.defines_urlpatterns)
        {
            complete = false;
        }
        if let Some(summary) = index.url_summary(root) {
            stack.push(Frame {
                file: root.clone(),
                patterns: &summary.patterns,
                prefix: String::new(),
                namespace: None,
                path: vec![root.clone()],
                depth: 0,
            });
        }
    }
    let mut seen_frames: HashSet<(FileId, usize, String, Option<String>)> = HashSet::new();
    while let Some(frame) = stack.pop() {
        let Some(summary) = index.url_summary(&frame.file) else {
            continue;
        };
        let mut children: Vec<Frame> = Vec::new();
        for pattern in frame.patterns {
            if count >= MAX_ROUTES {
                tracing::warn!("URLconf: more than {MAX_ROUTES} routes; the rest is not resolved");
                return (routes, false);
            }
            let route = format!("{}{}", frame.prefix, pattern.route.as_deref().unwrap_or(""));
            let qualify = |name: &str| match &frame.namespace {
                Some(ns) => format!("{ns}:{name}"),
                None => name.to_string(),
            };
            match &pattern.target {
                PatternTarget::View { view, wrappers } => {
                    if let Some((file, name)) = resolve_view(index, &frame.file, summary, view) {
                        count += 1;
                        routes
                            .entry(file)
                            .or_default()
                            .entry(name)
                            .or_default()
                            .push(ViewRoute {
                                route,
                                name: pattern.name.as_deref().map(qualify),
                                wrappers: wrappers.clone(),
                            });
                    }
                }
                PatternTarget::ViewPath(path) => {
                    let Some((module, name)) = path.rsplit_once('.') else {
                        complete = false;
                        continue;
                    };
                    // A view of an installed package is not the project's.
                    if let Some(file) = index.resolve_dotted(module) {
                        count += 1;
                        routes
                            .entry(file)
                            .or_default()
                            .entry(name.to_string())
                            .or_default()
                            .push(ViewRoute {
                                route,
                                name: pattern.name.as_deref().map(qualify),
                                wrappers: Vec::new(),
                            });
                    }
                }
                PatternTarget::External => {}
                PatternTarget::Router(router) => {
                    count += add_router(
                        index,
                        &frame.file,
                        summary,
                        router,
                        &route,
                        frame.namespace.as_deref(),
                        &mut routes,
                    );
                }
                PatternTarget::Include { what, namespace } => {
                    if frame.depth >= MAX_INCLUDE_DEPTH {
                        complete = false;
                        continue;
                    }
                    let join_ns = |inner: Option<&str>| -> Option<String> {
                        match (frame.namespace.as_deref(), inner) {
                            (Some(outer), Some(inner)) => Some(format!("{outer}:{inner}")),
                            (Some(outer), None) => Some(outer.to_string()),
                            (None, inner) => inner.map(str::to_string),
                        }
                    };
                    match what {
                        Include::Patterns(list) => children.push(Frame {
                            file: frame.file.clone(),
                            patterns: list,
                            prefix: route,
                            namespace: join_ns(namespace.as_deref()),
                            path: frame.path.clone(),
                            depth: frame.depth + 1,
                        }),
                        Include::Router(router) => {
                            count += add_router(
                                index,
                                &frame.file,
                                summary,
                                router,
                                &route,
                                join_ns(namespace.as_deref()).as_deref(),
                                &mut routes,
                            );
                        }
                        Include::Name(name)
                            if !name.contains('.') && summary.lists.contains_key(name) =>
                        {
                            if let Some(list) = summary.lists.get(name) {
                                children.push(Frame {
                                    file: frame.file.clone(),
                                    patterns: list,
                                    prefix: route,
                                    namespace: join_ns(namespace.as_deref()),
                                    path: frame.path.clone(),
                                    depth: frame.depth + 1,
                                });
                            }
                        }
                        Include::Dotted(_) | Include::Name(_) => {
                            let target = match what {
                                Include::Dotted(d) => index.resolve_dotted(d),
                                Include::Name(n) => resolve_module(index, &frame.file, summary, n),
                                _ => None,
                            };
                            let Some(target) = target else {
                                // An installed package's URLconf is not the project's; a name
                                // bound by nothing djsec sees may be anything.
                                if let Include::Name(n) = what {
                                    let first = n.split('.').next().unwrap_or(n);
                                    if !summary.imports.iter().any(|(l, _)| l == first) {
                                        complete = false;
                                    }
                                }
                                continue;
                            };
                            if frame.path.contains(&target) {
                                continue;
                            }
                            let Some(included) = index.url_summary(&target) else {
                                complete = false;
                                continue;
                            };
                            if !included.defines_urlpatterns {
                                complete = false;
                            }
                            let ns = namespace.clone().or_else(|| included.app_name.clone());
                            let mut path = frame.path.clone();
                            path.push(target.clone());
                            children.push(Frame {
                                file: target,
                                patterns: &included.patterns,
                                prefix: route,
                                namespace: join_ns(ns.as_deref()),
                                path,
                                depth: frame.depth + 1,
                            });
                        }
                        Include::Unknown => complete = false,
                    }
                }
                PatternTarget::Unknown => complete = false,
            }
        }
        for child in children.into_iter().rev() {
            // The same list reached twice with the same prefix adds nothing new.
            let key = (
                child.file.clone(),
                child.patterns.as_ptr() as usize,
                child.prefix.clone(),
                child.namespace.clone(),
            );
            if child.patterns.as_ptr() == frame.patterns.as_ptr() || !seen_frames.insert(key) {
                continue;
            }
            stack.push(child);
        }
    }
    for views in routes.values_mut() {
        for list in views.values_mut() {
            list.sort();
            list.dedup();
        }
    }
    (routes, complete)
}

fn add_router(
    index: &ProjectIndex,
    file: &FileId,
    summary: &UrlSummary,
    router: &str,
    prefix: &str,
    namespace: Option<&str>,
    routes: &mut Routes,
) -> usize {
    let mut count = 0;
    for reg in summary.routers.get(router).into_iter().flatten() {
        let Some((target, name)) = resolve_view(index, file, summary, &reg.view) else {
            continue;
        };
        let route = match &reg.prefix {
            Some(p) if !p.is_empty() => format!("{prefix}{}/", p.trim_start_matches('^')),
            _ => prefix.to_string(),
        };
        let url_name = reg.basename.as_ref().map(|b| match namespace {
            Some(ns) => format!("{ns}:{b}"),
            None => b.clone(),
        });
        count += 1;
        routes
            .entry(target)
            .or_default()
            .entry(name)
            .or_default()
            .push(ViewRoute {
                route,
                name: url_name,
                wrappers: Vec::new(),
            });
    }
    count
}

/// The file and name a view expression of `file` refers to: `views.home` with `from . import
/// views`, `home` with `from .views import home`, `shop.views.home` with `import shop.views`, or a
/// function or class of the URL module itself.
pub fn resolve_view(
    index: &ProjectIndex,
    file: &FileId,
    summary: &UrlSummary,
    dotted: &str,
) -> Option<(FileId, String)> {
    let parts: Vec<&str> = dotted.split('.').collect();
    let (view, module_parts) = parts.split_last()?;
    if module_parts.is_empty() {
        return match summary.imports.iter().find(|(l, _)| l == view) {
            Some((_, Imported::Name { module, name })) => {
                Some((index.resolve(file, module)?, name.clone()))
            }
            Some((_, Imported::Module(_))) => None,
            // `from .views import *`: the view is the star-imported module's (when there is
            // exactly one such import).
            None => match summary.star_imports.as_slice() {
                [module] => Some((index.resolve(file, module)?, (*view).to_string())),
                [] => Some((file.clone(), (*view).to_string())),
                _ => None,
            },
        };
    }
    let module = resolve_module(index, file, summary, &module_parts.join("."))?;
    Some((module, (*view).to_string()))
}

/// The module file a dotted expression of `file` names (`views`, `shop.views`, `shop_urls`).
pub fn resolve_module(
    index: &ProjectIndex,
    file: &FileId,
    summary: &UrlSummary,
    dotted: &str,
) -> Option<FileId> {
    let mut parts = dotted.split('.');
    let first = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    match summary
        .imports
        .iter()
        .find(|(l, _)| l == first)
        .map(|(_, i)| i)
    {
        Some(Imported::Module(module)) => {
            // `import shop.views` binds `shop`; `import shop.views as v` binds `v` → `shop.views`.
            let base = if module.split('.').next() == Some(first) && module != first {
                first.to_string()
            } else {
                module.clone()
            };
            let full = std::iter::once(base.as_str())
                .chain(rest.iter().copied())
                .collect::<Vec<_>>()
                .join(".");
            index.resolve(
                file,
                &ModuleRef {
                    level: 0,
                    module: full,
                },
            )
        }
        Some(Imported::Name { module, name }) => {
            // `from . import views`, `from shop import urls as shop_urls`: a submodule.
            let joined = if module.module.is_empty() {
                name.clone()
            } else {
                format!("{}.{name}", module.module)
            };
            let full = std::iter::once(joined.as_str())
                .chain(rest.iter().copied())
                .collect::<Vec<_>>()
                .join(".");
            let target = index.resolve(
                file,
                &ModuleRef {
                    level: module.level,
                    module: full,
                },
            )?;
            // A package's `__init__.py` resolved for an empty module: not a submodule.
            (target.file_stem().and_then(|s| s.to_str()) != Some("__init__")
                || target
                    .parent()
                    .and_then(|p| p.file_name())
                    .and_then(|s| s.to_str())
                    == Some(last(&joined)))
            .then_some(target)
        }
        None => None,
    }
}

/// URL modules no other URL module includes (the roots when `ROOT_URLCONF` is unknown).
pub fn fallback_roots(
    index: &ProjectIndex,
    summaries: &HashMap<FileId, std::sync::Arc<UrlSummary>>,
) -> Vec<FileId> {
    let mut included: HashSet<FileId> = HashSet::new();
    for (file, summary) in summaries {
        let mut visit: Vec<&Pattern> = summary.patterns.iter().collect();
        visit.extend(summary.lists.values().flatten());
        let mut steps = 0;
        while let Some(p) = visit.pop() {
            steps += 1;
            if steps > MAX_ROUTES {
                break;
            }
            if let PatternTarget::Include { what, .. } = &p.target {
                let target = match what {
                    Include::Dotted(d) => index.resolve_dotted(d),
                    Include::Name(n) => resolve_module(index, file, summary, n),
                    Include::Patterns(list) => {
                        visit.extend(list.iter());
                        None
                    }
                    _ => None,
                };
                if let Some(t) = target
                    && t != *file
                {
                    included.insert(t);
                }
            }
        }
    }
    let mut roots: Vec<FileId> = summaries
        .iter()
        .filter(|(f, s)| s.defines_urlpatterns && !included.contains(*f))
        .map(|(f, _)| f.clone())
        .collect();
    roots.sort();
    roots
}
