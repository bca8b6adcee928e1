//! The access model of each view of a module, as plain data: how it is reached, how it is
//! protected, what it does. `djsec views` prints it for every route of a project; the editor
//! shows it on hover over a view's `def` or `class` line. Pure: the same inputs the access rules
//! get (the module's text, tree and context).

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use super::does::Does;
use super::views::{self, ClassInfo, DecoratorKind, Env, FunctionView, Module, Scope};
use crate::analysis::Context;
use crate::analysis::python::PyChecker;
use crate::project::facts::{FileFacts, Resolver};
use crate::syntax::python::ModuleTree;

/// One view of a module.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ViewSummary {
    /// The function or class name.
    pub name: String,
    /// `function`, `class`, `DRF function`, `DRF class`.
    pub kind: String,
    /// Zero-based line of the `def`/`class` keyword.
    pub line: usize,
    /// Bytes of the `def`/`class` line (for the hover).
    #[serde(skip)]
    pub header: Range<usize>,
    pub routes: Vec<Route>,
    /// HTTP methods it answers (`GET`, `POST`...), `any` when djsec cannot tell.
    pub methods: Vec<String>,
    pub authentication: String,
    pub authorization: String,
    /// What protects it, in words (decorators, mixins, checks, wrappers, middleware).
    pub protected_by: Vec<String>,
    /// What it does, in words.
    pub does: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Route {
    pub route: String,
    pub name: Option<String>,
    /// Decorators wrapped around the view in `urls.py`.
    pub wrappers: Vec<String>,
}

/// The views of a module (not of a test module), in source order.
pub fn describe<'t>(
    source: &'t str,
    tree: impl Into<ModuleTree<'t>>,
    context: &Context,
) -> Vec<ViewSummary> {
    let tree = tree.into();
    let mut out = Vec::new();
    for scope in [Scope::Units, Scope::Classes] {
        let mut checker = PyChecker::new(source, tree, context);
        let own = Arc::new(FileFacts::from_model(&checker.model));
        checker.model.summaries = Some(std::rc::Rc::new(Resolver::new(
            context.project.clone(),
            context.path.as_deref(),
            own,
        )));
        let module = Module::build(&checker, Env::from_context(context), scope);
        for view in &module.functions {
            out.push(function(&checker, &module, view));
        }
        for class in module.class_views() {
            if class.subclassed && !module.env.is_routed(class.name) {
                continue;
            }
            out.push(class_view(&checker, &module, class));
        }
    }
    out.sort_by_key(|v| v.line);
    out
}

/// The view whose `def`/`class` line holds the byte `at`.
pub fn at<'t>(
    source: &'t str,
    tree: impl Into<ModuleTree<'t>>,
    context: &Context,
    at: usize,
) -> Option<ViewSummary> {
    describe(source, tree, context)
        .into_iter()
        .find(|v| v.header.start <= at && at <= v.header.end)
}

fn routes(env: &Env, name: &str) -> Vec<Route> {
    env.routes
        .get(name)
        .into_iter()
        .flatten()
        .map(|r| Route {
            route: r.route.clone(),
            name: r.name.clone(),
            wrappers: r.wrappers.clone(),
        })
        .collect()
}

/// The bytes of the line a definition starts on (decorators excluded).
fn header(source: &str, def: tree_sitter::Node) -> Range<usize> {
    let start = crate::semantic::node::line_start(source, def.start_byte());
    let end = source[def.start_byte()..]
        .find('\n')
        .map_or(source.len(), |i| def.start_byte() + i);
    start..end
}

fn function(checker: &PyChecker, module: &Module, view: &FunctionView) -> ViewSummary {
    let access = view.access(checker, module);
    let does = Does::of(checker, view.def);
    let mut methods: Vec<String> = Vec::new();
    for d in &view.decorators {
        match d.kind {
            DecoratorKind::RequireSafeMethod if d.action_methods.is_empty() => {
                methods.push("GET".to_string());
            }
            DecoratorKind::RequireUnsafeMethod if d.name == "require_POST" => {
                methods.push("POST".to_string());
            }
            DecoratorKind::RequireSafeMethod
            | DecoratorKind::RequireUnsafeMethod
            | DecoratorKind::ApiView => methods.extend(d.action_methods.iter().cloned()),
            _ => {}
        }
    }
    if methods.is_empty() {
        methods.push("any".to_string());
    }
    let (authentication, authorization) = if view.is_drf() {
        (
            "DRF (see permission classes)".to_string(),
            access.authorization(),
        )
    } else {
        (access.authentication(), access.authorization())
    };
    ViewSummary {
        name: view.name.to_string(),
        kind: if view.is_drf() {
            "DRF function"
        } else {
            "function"
        }
        .to_string(),
        line: view.def.start_position().row,
        header: header(checker.source(), view.def),
        routes: routes(&module.env, view.name),
        methods,
        authentication,
        authorization,
        protected_by: protected_by(&access),
        does: does_words(&does, view.writes(), view.facts.logs_in),
    }
}

fn class_view(checker: &PyChecker, module: &Module, class: &ClassInfo) -> ViewSummary {
    let access = class.access(checker, module);
    let mut does = Does::default();
    for m in &class.methods {
        let d = Does::of(checker, m.def);
        does.writes.extend(d.writes);
        does.lookups.extend(d.lookups);
        does.manages_users = does.manages_users.or(d.manages_users);
        does.internals = does.internals.or(d.internals);
        does.lists.extend(d.lists);
        does.admin_template |= d.admin_template;
    }
    let t = class.traits;
    let mut methods: Vec<String> = ["get", "post", "put", "patch", "delete"]
        .iter()
        .filter(|m| class.method(m).is_some())
        .map(|m| m.to_ascii_uppercase())
        .collect();
    if methods.is_empty() {
        methods = if t.drf && t.writes {
            vec!["GET", "POST", "PUT", "PATCH", "DELETE"]
        } else if t.writes {
            vec!["GET", "POST"]
        } else {
            vec!["GET"]
        }
        .into_iter()
        .map(str::to_string)
        .collect();
    }
    let (authentication, authorization) = if t.drf {
        super::drf::describe_class(checker, module, class)
    } else {
        (access.authentication(), access.authorization())
    };
    let src = checker.source();
    let mut words = does_words(&does, class.writes(), class.facts().logs_in);
    if let Some(model) = class.attr("model") {
        let model = crate::semantic::node::text(model, src);
        let what = if t.writes_by_id {
            format!("changes or deletes the `{model}` its URL names")
        } else if t.detail {
            format!("shows the `{model}` its URL names")
        } else if t.writes {
            format!("creates `{model}` objects")
        } else {
            format!("lists `{model}` objects")
        };
        words.insert(0, what);
    }
    ViewSummary {
        name: class.name.to_string(),
        kind: if t.drf { "DRF class" } else { "class" }.to_string(),
        line: class.def.start_position().row,
        header: header(src, class.def),
        routes: routes(&module.env, class.name),
        methods,
        authentication,
        authorization,
        protected_by: protected_by(&access),
        does: words,
    }
}

fn protected_by(access: &views::Access) -> Vec<String> {
    let mut out = access.by.clone();
    if let Some(m) = &access.middleware {
        out.push(m.clone());
    }
    out
}

fn does_words(does: &Does, writes: Option<String>, logs_in: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(what) = &does.manages_users {
        out.push(format!("{what} (an admin function)"));
    }
    for w in &does.writes {
        let line = super::function_views::describe_write(w);
        if !out.contains(&line) {
            out.push(line);
        }
    }
    if out.is_empty()
        && let Some(w) = writes
    {
        out.push(format!("changes data ({w})"));
    }
    let written = |l: &super::does::Lookup| {
        does.writes
            .iter()
            .any(|w| w.key.as_deref() == Some(l.key.as_str()) && w.model == l.model)
    };
    for l in does.lookups.iter().filter(|l| !l.scoped && !written(l)) {
        let model = l.model.as_deref().unwrap_or("object");
        let line = format!("returns the `{model}` chosen by `{}`", l.key);
        if !out.contains(&line) {
            out.push(line);
        }
    }
    for (model, _) in &does.lists {
        out.push(format!("lists every `{model}`"));
    }
    if let Some((what, _)) = &does.internals {
        out.push(format!("puts {what} in its response"));
    }
    if logs_in {
        out.push("logs users in".to_string());
    }
    if does.serves_file {
        out.push("serves a file".to_string());
    }
    if out.is_empty() {
        out.push("reads only".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_function_and_class_views() {
        let src = "from django.contrib.auth.decorators import login_required, permission_required\nfrom django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.contrib.auth.models import User\nfrom django.views.decorators.http import require_POST\nfrom django.views.generic import UpdateView\nfrom django.shortcuts import redirect\n\n@require_POST\n@login_required\ndef delete_user(request, pk):\n    User.objects.filter(pk=pk).delete()\n    return redirect('/')\n\nclass Edit(LoginRequiredMixin, UpdateView):\n    model = User\n";
        let tree = crate::syntax::python::parse(src, None);
        let context = Context::for_path("/p/app/views.py");
        let views = describe(src, &tree, &context);
        let names: Vec<_> = views.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["delete_user", "Edit"]);
        let d = &views[0];
        assert_eq!(d.methods, ["POST"]);
        assert_eq!(d.authentication, "session");
        assert_eq!(d.authorization, "none");
        assert_eq!(d.protected_by, ["`@login_required`"]);
        assert_eq!(
            d.does,
            [
                "deletes `User` objects (an admin function)",
                "deletes the `User` chosen by `pk` from the request",
            ]
        );
        let e = &views[1];
        assert_eq!(e.kind, "class");
        assert_eq!(e.methods, ["GET", "POST"]);
        assert_eq!(e.protected_by, ["`LoginRequiredMixin`"]);
        // The hover finds a view by its `def`/`class` line only.
        let def_line = src.find("def delete_user").unwrap_or(0);
        assert_eq!(
            at(src, &tree, &context, def_line + 4).map(|v| v.name),
            Some("delete_user".to_string())
        );
        let body = src.find("User.objects.filter").unwrap_or(0);
        assert_eq!(at(src, &tree, &context, body), None);
    }
}
