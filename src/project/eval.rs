//! The static evaluator: executes the summaries of a settings module and the modules it
//! star-imports, without running any code, and yields the effective value of each name with the
//! place it was set.
//!
//! What it models: literals and containers; names; arithmetic, comparisons, `and`/`or`/`not`,
//! conditional expressions; `if` blocks whose condition is known; star imports and
//! `from x import y` between project modules; django-split-settings' `include()`; list and dict
//! mutation (`+=`, `.append()`, `.insert()`, `.extend()`, `.remove()`, `.update()`, item
//! assignment); `pathlib.Path` / `os.path` arithmetic; and environment reads — `os.environ[...]`,
//! `os.getenv`, `os.environ.get`, django-environ (`env(...)`, `env.bool(...)`, `Env(X=(bool, d))`),
//! environs and python-decouple (`config(..., default=..., cast=...)`). An environment read is
//! judged by its **default**: its value is the default, tagged with the variable's name
//! ([`Value::env`]); a read without a default is unknown.
//!
//! Everything else is [`Kind::Unknown`]; an unresolvable star import, `exec()` or
//! `globals().update()` makes every name unknown from there on ([`Namespace::opaque`]).
//! A conditional star import (inside `try:` or an unknown `if`) is assumed not to happen: an
//! optional `local_settings` is absent in production.
//!
//! Work is bounded: steps per evaluation, module nesting, expression depth (from the summaries).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::summary::{
    BinOp, CmpOp, Expr, ExprKind, FPart, ModuleSummary, Stmt, StmtKind, Target, UnOp,
};
use super::value::{Cast, EnvReader, EnvStyle, FileId, Kind, Loc, Value, num, py_eq};
use super::{ProjectIndex, defaults};

const MAX_STEPS: u32 = 400_000;
const MAX_MODULE_DEPTH: usize = 16;
const MAX_BLOCK_DEPTH: u32 = 12;
/// Containers built by `*` or `+` are not grown past this.
const MAX_LEN: usize = 10_000;

/// A name's value and where it was (last) assigned.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub value: Value,
    /// The assignment statement (`DEBUG = True`); kept by `+=` and `.append()`, which mutate.
    pub stmt: Option<Loc>,
    /// The assigned name in that statement.
    pub target: Option<Loc>,
}

/// The names of an evaluated module.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Namespace {
    pub names: HashMap<String, Binding>,
    /// Names not bound here may still exist (an unresolvable star import, `exec`...).
    pub opaque: bool,
}

/// A setting's effective value in a module.
#[derive(Debug, Clone, Copy)]
pub enum Setting<'a> {
    /// Assigned in the module or one it inherits from.
    Set(&'a Binding),
    /// Not assigned anywhere: Django's global default applies.
    Default,
    /// Cannot be told (opaque module, or no known default).
    Unknown,
}

impl<'a> Setting<'a> {
    /// The value: the assigned one, or Django's default; `None` when unknown.
    pub fn value(&self, name: &str) -> Option<Value> {
        match self {
            Setting::Set(b) if !b.value.is_unknown() => Some(b.value.clone()),
            Setting::Set(_) | Setting::Unknown => None,
            Setting::Default => defaults::default(name),
        }
    }

    pub fn binding(&self) -> Option<&'a Binding> {
        match self {
            Setting::Set(b) => Some(b),
            _ => None,
        }
    }
}

impl Namespace {
    /// The effective state of setting `name`.
    pub fn setting(&self, name: &str) -> Setting<'_> {
        match self.names.get(name) {
            Some(b) => Setting::Set(b),
            None if self.opaque => Setting::Unknown,
            None => Setting::Default,
        }
    }

    /// The effective value of setting `name` (assigned, or Django's default), if known.
    pub fn value(&self, name: &str) -> Option<Value> {
        self.setting(name).value(name)
    }

    fn bind(&mut self, name: &str, value: Value, stmt: Option<Loc>, target: Option<Loc>) {
        self.names.insert(
            name.to_string(),
            Binding {
                value,
                stmt,
                target,
            },
        );
    }

    fn forget(&mut self, name: &str, at: Option<Loc>) {
        self.bind(name, Value::unknown(at.clone()), at, None);
    }

    /// Everything may have changed: every name becomes unknown, unbound names too.
    fn poison(&mut self) {
        for binding in self.names.values_mut() {
            binding.value = Value::unknown(binding.value.loc.clone());
        }
        self.opaque = true;
    }
}

/// Evaluations of whole modules (without an overlay), shared by the analyses that use one index
/// snapshot: editing `production.py` reuses the evaluation of the `base.py` it inherits.
#[derive(Debug, Default)]
pub struct SharedCache {
    modules: std::sync::Mutex<HashMap<FileId, Shared>>,
}

/// A module's namespace and the modules its evaluation executed.
type Shared = (Arc<Namespace>, Arc<HashSet<FileId>>);

/// More modules than this are not kept in the shared cache.
const MAX_SHARED: usize = 512;

/// The result of evaluating one settings module.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub module: FileId,
    pub namespace: Arc<Namespace>,
    /// Every module executed to produce it (the module itself included).
    pub visited: HashSet<FileId>,
}

/// Evaluate the module at `path`, with `overlay` standing in for one file's summary (the buffer
/// being analysed). `None` when there is no summary for `path`.
pub fn evaluate(
    index: &ProjectIndex,
    path: &Path,
    overlay: Option<(&Path, &Arc<ModuleSummary>)>,
) -> Option<Evaluation> {
    evaluate_many(index, &[FileId::from(path)], overlay)
        .into_iter()
        .next()
        .flatten()
}

/// Evaluate several modules, sharing the evaluation of the modules they have in common (a
/// `base.py` inherited by four production modules is executed once).
pub fn evaluate_many(
    index: &ProjectIndex,
    paths: &[FileId],
    overlay: Option<(&Path, &Arc<ModuleSummary>)>,
) -> Vec<Option<Evaluation>> {
    let mut evaluator = Evaluator {
        index,
        overlay,
        cache: HashMap::new(),
        stack: Vec::new(),
        visited: HashSet::new(),
        steps: 0,
        cycle: false,
    };
    paths
        .iter()
        .map(|id| {
            evaluator.visited.clear();
            let namespace = evaluator.module(id)?;
            Some(Evaluation {
                module: id.clone(),
                namespace,
                visited: std::mem::take(&mut evaluator.visited),
            })
        })
        .collect()
}

struct Evaluator<'a> {
    index: &'a ProjectIndex,
    overlay: Option<(&'a Path, &'a Arc<ModuleSummary>)>,
    /// Evaluated modules, with the modules their evaluation executed.
    cache: HashMap<FileId, (Arc<Namespace>, HashSet<FileId>)>,
    stack: Vec<FileId>,
    visited: HashSet<FileId>,
    steps: u32,
    /// A module was not evaluated because it was already being evaluated (an import cycle):
    /// results then depend on the order, and are not shared.
    cycle: bool,
}

/// Where expressions are being evaluated.
struct Frame<'f> {
    file: &'f FileId,
}

impl<'f> Frame<'f> {
    fn loc(&self, span: &super::summary::Span) -> Option<Loc> {
        Some(Loc {
            file: self.file.clone(),
            span: span.range(),
        })
    }
}

impl Evaluator<'_> {
    fn summary(&self, file: &Path) -> Option<Arc<ModuleSummary>> {
        match self.overlay {
            Some((p, s)) if p == file => Some(Arc::clone(s)),
            _ => self.index.summary(file).cloned(),
        }
    }

    fn budget(&mut self) -> bool {
        self.steps += 1;
        self.steps <= MAX_STEPS
    }

    fn module(&mut self, file: &FileId) -> Option<Arc<Namespace>> {
        if let Some((ns, closure)) = self.cache.get(file) {
            self.visited.extend(closure.iter().cloned());
            return Some(ns.clone());
        }
        if self.stack.contains(file) || self.stack.len() >= MAX_MODULE_DEPTH {
            self.cycle = true;
            return None;
        }
        let overlay = self.overlay.map(|(p, _)| p);
        if let Ok(shared) = self.index.evaluations.modules.lock()
            && let Some((ns, closure)) = shared.get(file)
            && overlay.is_none_or(|o| !closure.contains(o))
        {
            let (ns, closure) = (ns.clone(), closure.clone());
            drop(shared);
            self.visited.extend(closure.iter().cloned());
            self.cache
                .insert(file.clone(), (ns.clone(), closure.as_ref().clone()));
            return Some(ns);
        }
        let summary = self.summary(file)?;
        let body = &summary.body;
        let outer = std::mem::take(&mut self.visited);
        self.stack.push(file.clone());
        self.visited.insert(file.clone());
        let mut ns = Namespace::default();
        let frame = Frame { file };
        self.block(&mut ns, &frame, body, 0);
        self.stack.pop();
        let closure = std::mem::replace(&mut self.visited, outer);
        self.visited.extend(closure.iter().cloned());
        let ns = Arc::new(ns);
        let independent = overlay.is_none_or(|o| !closure.contains(o));
        if independent
            && !self.cycle
            && self.steps <= MAX_STEPS
            && let Ok(mut shared) = self.index.evaluations.modules.lock()
            && shared.len() < MAX_SHARED
        {
            shared.insert(file.clone(), (ns.clone(), Arc::new(closure.clone())));
        }
        self.cache.insert(file.clone(), (ns.clone(), closure));
        Some(ns)
    }

    fn block(&mut self, ns: &mut Namespace, frame: &Frame, stmts: &[Stmt], depth: u32) {
        for stmt in stmts {
            if !self.budget() {
                ns.poison();
                return;
            }
            self.statement(ns, frame, stmt, depth);
        }
    }

    fn statement(&mut self, ns: &mut Namespace, frame: &Frame, stmt: &Stmt, depth: u32) {
        let here = frame.loc(&stmt.span);
        match &stmt.kind {
            StmtKind::Assign { targets, value } => {
                let v = self.expr(ns, frame, value, 0);
                for target in targets {
                    self.assign(ns, frame, target, v.clone(), here.clone());
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                let v = self.expr(ns, frame, value, 0);
                match target {
                    Target::Name { name, .. } => {
                        let Some(old) = ns.names.get(name).cloned() else {
                            ns.forget(name, here);
                            return;
                        };
                        let loc = old.value.loc.clone();
                        let mut new = match (op, &old.value.kind, &v.kind) {
                            // `+=` extends a list in place: it keeps its origin.
                            (BinOp::Add, Kind::List(a), Kind::List(b) | Kind::Tuple(b)) => {
                                let mut items = a.clone();
                                items.extend(b.iter().cloned());
                                Value::new(Kind::List(items), loc)
                            }
                            _ => binop(*op, &old.value, &v, here.clone()),
                        };
                        new.env = old.value.env.clone().or(v.env.clone());
                        ns.bind(name, new, old.stmt, old.target);
                    }
                    Target::Item { name, .. } => ns.forget(name, here),
                    Target::Other { names } => {
                        for n in names {
                            ns.forget(n, here.clone());
                        }
                    }
                }
            }
            StmtKind::Expr(e) => self.expression_statement(ns, frame, e, here, depth),
            StmtKind::StarImport(module) => match self.index.resolve(frame.file, module) {
                Some(target) => self.star_import(ns, &target),
                None => ns.poison(),
            },
            StmtKind::ImportFrom { module, names } => {
                match self.index.resolve(frame.file, module) {
                    Some(target) if self.summary(&target).is_some() => {
                        let child = self.module(&target);
                        for (imported, local) in names {
                            match child.as_ref().and_then(|c| c.names.get(imported)) {
                                Some(b) => ns.bind(
                                    local,
                                    b.value.clone(),
                                    b.stmt.clone(),
                                    b.target.clone(),
                                ),
                                None => ns.forget(local, here.clone()),
                            }
                        }
                    }
                    _ if module.level > 0 => {
                        for (_, local) in names {
                            ns.forget(local, here.clone());
                        }
                    }
                    _ => {
                        for (imported, local) in names {
                            let q = format!("{}.{imported}", module.module);
                            ns.bind(
                                local,
                                Value::new(Kind::Ref(q), here.clone()),
                                here.clone(),
                                None,
                            );
                        }
                    }
                }
            }
            StmtKind::Import(names) => {
                for (local, qualified) in names {
                    ns.bind(
                        local,
                        Value::new(Kind::Ref(qualified.clone()), here.clone()),
                        here.clone(),
                        None,
                    );
                }
            }
            StmtKind::If(branches) => {
                if depth >= MAX_BLOCK_DEPTH {
                    self.forget_branches(ns, branches.iter().map(|(_, b)| b.as_slice()), here);
                    return;
                }
                for (i, (condition, body)) in branches.iter().enumerate() {
                    let taken = match condition {
                        None => Some(true),
                        Some(c) => {
                            let v = self.expr(ns, frame, c, 0);
                            // A condition on the environment selects modules by environment:
                            // never guess which one when the branches import modules.
                            if v.env.is_some() && branches.iter().any(|(_, b)| imports_modules(b)) {
                                None
                            } else {
                                v.truthy()
                            }
                        }
                    };
                    match taken {
                        Some(true) => {
                            self.block(ns, frame, body, depth + 1);
                            return;
                        }
                        Some(false) => continue,
                        None => {
                            self.forget_branches(
                                ns,
                                branches[i..].iter().map(|(_, b)| b.as_slice()),
                                here,
                            );
                            return;
                        }
                    }
                }
            }
            StmtKind::Try {
                body,
                handler_binds,
            } => {
                // A star import of a module the project does not have (`from .local import *`
                // of a git-ignored file holding the deployment's values) may set any setting
                // the modules leave unset: those become unknown. Values written in the modules
                // are still judged.
                let missing_star = body.iter().any(|s| {
                    matches!(&s.kind, StmtKind::StarImport(m) if self.index.resolve(frame.file, m).is_none())
                });
                self.block(ns, frame, &mark_try(body), depth + 1);
                if missing_star {
                    ns.opaque = true;
                }
                for name in handler_binds {
                    ns.forget(name, here.clone());
                }
            }
            StmtKind::Opaque { binds } => {
                for name in binds {
                    ns.forget(name, here.clone());
                }
            }
            StmtKind::Del(names) => {
                for name in names {
                    ns.names.remove(name);
                }
            }
        }
    }

    fn star_import(&mut self, ns: &mut Namespace, target: &FileId) {
        if self.summary(target).is_none() {
            ns.poison();
            return;
        }
        let Some(child) = self.module(target) else {
            // A cycle or too deep: what it would bind is unknown.
            ns.poison();
            return;
        };
        for (name, binding) in &child.names {
            if !name.starts_with('_') {
                ns.names.insert(name.clone(), binding.clone());
            }
        }
        if child.opaque {
            ns.opaque = true;
        }
    }

    fn forget_branches<'b>(
        &mut self,
        ns: &mut Namespace,
        bodies: impl Iterator<Item = &'b [Stmt]>,
        here: Option<Loc>,
    ) {
        let bodies: Vec<&[Stmt]> = bodies.collect();
        let mut names = Vec::new();
        let mut imports = false;
        for body in &bodies {
            collect_bound(body, &mut names, &mut imports, 0);
        }
        let mut growth: HashMap<String, Growth> = HashMap::new();
        for body in &bodies {
            list_growth(body, &mut growth, 0);
        }
        for name in names {
            // A list the branches only add to (`MIDDLEWARE.insert(0, ...)`, `.append()`,
            // `+= [...]`) keeps its known items, with unknown ones where they may go: what it
            // holds stays known, what it lacks does not.
            let grown = match growth.get(&name) {
                Some(Growth::Front) => Some(true),
                Some(Growth::Back) => Some(false),
                _ => None,
            };
            if let Some(front) = grown
                && let Some(binding) = ns.names.get_mut(&name)
                && let Kind::List(items) | Kind::Tuple(items) = &mut binding.value.kind
            {
                if !items.last().is_some_and(Value::is_unknown) || front {
                    let unknown = Value::unknown(here.clone());
                    if front {
                        items.insert(0, unknown);
                    } else {
                        items.push(unknown);
                    }
                }
                continue;
            }
            ns.forget(&name, here.clone());
        }
        if imports {
            ns.poison();
        }
    }

    fn assign(
        &mut self,
        ns: &mut Namespace,
        frame: &Frame,
        target: &Target,
        value: Value,
        here: Option<Loc>,
    ) {
        match target {
            Target::Name { name, span } => ns.bind(name, value, here, frame.loc(span)),
            Target::Item { name, keys, .. } => {
                let keys: Vec<Value> = keys.iter().map(|k| self.expr(ns, frame, k, 0)).collect();
                let Some(binding) = ns.names.get_mut(name) else {
                    ns.forget(name, here);
                    return;
                };
                if !set_item(&mut binding.value, &keys, value) {
                    binding.value = Value::unknown(here);
                }
            }
            Target::Other { names } => {
                for n in names {
                    ns.forget(n, here.clone());
                }
            }
        }
    }

    fn expression_statement(
        &mut self,
        ns: &mut Namespace,
        frame: &Frame,
        e: &Expr,
        here: Option<Loc>,
        depth: u32,
    ) {
        let ExprKind::Call { func, args, kwargs } = &e.kind else {
            return;
        };
        // `exec(...)`, `globals().update(...)`, `vars()[...]`: anything may change.
        let callee = func.dotted().unwrap_or_default();
        if matches!(callee.as_str(), "exec" | "execfile") {
            ns.poison();
            return;
        }
        if let ExprKind::Attr(object, method) = &func.kind {
            if let ExprKind::Call { func: inner, .. } = &object.kind
                && matches!(
                    inner.dotted().as_deref(),
                    Some("globals" | "locals" | "vars")
                )
            {
                ns.poison();
                return;
            }
            if let ExprKind::Name(name) = &object.kind
                && ns.names.contains_key(name)
                && is_mutator(method)
            {
                let args: Vec<Value> = args.iter().map(|a| self.expr(ns, frame, a, 0)).collect();
                let has_kwargs = !kwargs.is_empty();
                let Some(binding) = ns.names.get_mut(name) else {
                    return;
                };
                if has_kwargs || !mutate(&mut binding.value, method, args) {
                    binding.value = Value::unknown(here.clone());
                }
                if method == "remove" || method == "pop" || method == "clear" {
                    binding.stmt = here;
                }
                return;
            }
        }
        // django-split-settings: `include("components/base.py", optional("local.py"))` runs the
        // files in this namespace.
        let f = self.expr(ns, frame, func, 0);
        if let Kind::Ref(q) = &f.kind
            && (q == "split_settings.tools.include" || q == "split_settings.include")
        {
            let Some(dir) = frame.file.parent() else {
                return;
            };
            for arg in args {
                match &arg.kind {
                    ExprKind::Str(pattern) => {
                        let files = self.index.glob_in(dir, pattern);
                        if files.is_empty() {
                            ns.poison();
                        }
                        for file in files {
                            self.include(ns, &file, depth);
                        }
                    }
                    // `optional(...)`: assumed absent in production.
                    ExprKind::Call { .. } => {}
                    _ => ns.poison(),
                }
            }
        }
    }

    /// Execute another file's statements in this namespace (split-settings' `include`).
    fn include(&mut self, ns: &mut Namespace, file: &FileId, depth: u32) {
        if self.stack.contains(file)
            || self.stack.len() >= MAX_MODULE_DEPTH
            || depth >= MAX_BLOCK_DEPTH
        {
            ns.poison();
            return;
        }
        let Some(summary) = self.summary(file) else {
            ns.poison();
            return;
        };
        self.stack.push(file.clone());
        self.visited.insert(file.clone());
        let frame = Frame { file };
        self.block(ns, &frame, &summary.body, depth + 1);
        self.stack.pop();
    }

    fn expr(&mut self, ns: &Namespace, frame: &Frame, e: &Expr, depth: u32) -> Value {
        let loc = frame.loc(&e.span);
        if depth > 64 || !self.budget() {
            return Value::unknown(loc);
        }
        match &e.kind {
            ExprKind::None => Value::new(Kind::None, loc),
            ExprKind::Bool(b) => Value::new(Kind::Bool(*b), loc),
            ExprKind::Int(i) => Value::new(Kind::Int(*i), loc),
            ExprKind::Float(f) => Value::new(Kind::Float(*f), loc),
            ExprKind::Str(s) => Value::new(Kind::Str(s.clone()), loc),
            ExprKind::Bytes(b) => Value::new(Kind::Bytes(b.clone()), loc),
            ExprKind::FString(parts) => {
                let mut out = String::new();
                let mut env = None;
                for part in parts {
                    match part {
                        FPart::Lit(s) => out.push_str(s),
                        FPart::Value { expr, plain } => {
                            let v = self.expr(ns, frame, expr, depth + 1);
                            env = env.or(v.env.clone());
                            match (plain, to_str(&v)) {
                                (true, Some(s)) => out.push_str(&s),
                                _ => return Value::unknown(loc).with_env(env),
                            }
                        }
                    }
                }
                Value::new(Kind::Str(out), loc).with_env(env)
            }
            ExprKind::Name(name) => match ns.names.get(name) {
                Some(b) => relocate(&b.value, loc),
                None => match name.as_str() {
                    "__file__" => {
                        Value::new(Kind::Str(frame.file.to_string_lossy().into_owned()), loc)
                    }
                    _ if BUILTINS.contains(&name.as_str()) => {
                        Value::new(Kind::Ref(format!("builtins.{name}")), loc)
                    }
                    _ => Value::unknown(loc),
                },
            },
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
                let values: Vec<Value> = items
                    .iter()
                    .map(|i| self.expr(ns, frame, i, depth + 1))
                    .collect();
                let env = values.iter().find_map(|v| v.env.clone());
                let kind = match &e.kind {
                    ExprKind::List(_) => Kind::List(values),
                    ExprKind::Tuple(_) => Kind::Tuple(values),
                    _ => Kind::Set(values),
                };
                Value::new(kind, loc).with_env(env)
            }
            ExprKind::Dict(pairs) => {
                let values: Vec<(Value, Value)> = pairs
                    .iter()
                    .map(|(k, v)| {
                        (
                            self.expr(ns, frame, k, depth + 1),
                            self.expr(ns, frame, v, depth + 1),
                        )
                    })
                    .collect();
                Value::new(Kind::Dict(values), loc)
            }
            ExprKind::Unary(op, arg) => {
                let v = self.expr(ns, frame, arg, depth + 1);
                let env = v.env.clone();
                let kind = match (op, &v.kind) {
                    (UnOp::Not, _) => v.truthy().map_or(Kind::Unknown, |t| Kind::Bool(!t)),
                    (UnOp::Neg, Kind::Int(i)) => i.checked_neg().map_or(Kind::Unknown, Kind::Int),
                    (UnOp::Neg, Kind::Bool(b)) => Kind::Int(-i128::from(*b)),
                    (UnOp::Neg, Kind::Float(f)) => Kind::Float(-f),
                    (UnOp::Pos, Kind::Int(_) | Kind::Float(_)) => v.kind.clone(),
                    (UnOp::Pos, Kind::Bool(b)) => Kind::Int(i128::from(*b)),
                    (UnOp::Invert, Kind::Int(i)) => Kind::Int(!i),
                    _ => Kind::Unknown,
                };
                Value::new(kind, loc).with_env(env)
            }
            ExprKind::Binary(op, left, right) => {
                let l = self.expr(ns, frame, left, depth + 1);
                match op {
                    BinOp::And | BinOp::Or => {
                        let decided = match (op, l.truthy()) {
                            (BinOp::And, Some(false)) | (BinOp::Or, Some(true)) => Some(true),
                            (_, Some(_)) => Some(false),
                            (_, None) => None,
                        };
                        match decided {
                            Some(true) => relocate(&l, loc),
                            Some(false) => {
                                let r = self.expr(ns, frame, right, depth + 1);
                                relocate(&r, loc).with_env(l.env.clone())
                            }
                            None => Value::unknown(loc).with_env(l.env.clone()),
                        }
                    }
                    _ => {
                        let r = self.expr(ns, frame, right, depth + 1);
                        binop(*op, &l, &r, loc)
                    }
                }
            }
            ExprKind::Compare(first, rest) => {
                let mut left = self.expr(ns, frame, first, depth + 1);
                let mut env = left.env.clone();
                let mut result = Some(true);
                for (op, right) in rest {
                    let r = self.expr(ns, frame, right, depth + 1);
                    env = env.or(r.env.clone());
                    match compare(*op, &left, &r) {
                        Some(true) => {}
                        Some(false) => {
                            result = Some(false);
                            break;
                        }
                        None => result = None,
                    }
                    left = r;
                }
                let kind = result.map_or(Kind::Unknown, Kind::Bool);
                Value::new(kind, loc).with_env(env)
            }
            ExprKind::Cond { body, test, orelse } => {
                let t = self.expr(ns, frame, test, depth + 1);
                match t.truthy() {
                    Some(true) => relocate(&self.expr(ns, frame, body, depth + 1), loc)
                        .with_env(t.env.clone()),
                    Some(false) => relocate(&self.expr(ns, frame, orelse, depth + 1), loc)
                        .with_env(t.env.clone()),
                    None => {
                        let a = self.expr(ns, frame, body, depth + 1);
                        let b = self.expr(ns, frame, orelse, depth + 1);
                        if py_eq(&a, &b) == Some(true)
                            && std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind)
                        {
                            relocate(&a, loc).with_env(t.env.clone())
                        } else {
                            Value::unknown(loc).with_env(t.env.clone())
                        }
                    }
                }
            }
            ExprKind::Attr(object, attr) => {
                let o = self.expr(ns, frame, object, depth + 1);
                match &o.kind {
                    Kind::Ref(q) => {
                        let q = format!("{q}.{attr}");
                        if q == "django.utils.csp.CSP.NONCE" {
                            return Value::new(Kind::Str(CSP_NONCE.to_string()), loc);
                        }
                        Value::new(Kind::Ref(q), loc)
                    }
                    Kind::Path(p) => match attr.as_str() {
                        "parent" => Value::new(Kind::Path(parent(p)), loc),
                        "name" => Value::new(
                            Kind::Str(p.rsplit('/').next().unwrap_or("").to_string()),
                            loc,
                        ),
                        _ => Value::unknown(loc),
                    },
                    _ => Value::unknown(loc).with_env(o.env.clone()),
                }
            }
            ExprKind::Subscript(object, key) => {
                let o = self.expr(ns, frame, object, depth + 1);
                let k = self.expr(ns, frame, key, depth + 1);
                if let Kind::Ref(q) = &o.kind
                    && q == "os.environ"
                {
                    // `os.environ["X"]`: required, no default to judge.
                    return Value::unknown(loc)
                        .with_env(Some(Arc::from(k.as_str().unwrap_or("?"))));
                }
                match subscript(&o, &k) {
                    Some(v) => v.clone(),
                    None => Value::unknown(loc).with_env(o.env.clone()),
                }
            }
            ExprKind::Call { func, args, kwargs } => {
                self.call(ns, frame, func, args, kwargs, loc, depth)
            }
            ExprKind::Opaque => Value::unknown(loc),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        ns: &Namespace,
        frame: &Frame,
        func: &Expr,
        args: &[Expr],
        kwargs: &[(String, Expr)],
        loc: Option<Loc>,
        depth: u32,
    ) -> Value {
        let argv: Vec<Value> = args
            .iter()
            .map(|a| self.expr(ns, frame, a, depth + 1))
            .collect();
        let kwv: Vec<(&str, Value)> = kwargs
            .iter()
            .map(|(k, v)| (k.as_str(), self.expr(ns, frame, v, depth + 1)))
            .collect();
        let kw = |name: &str| kwv.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        // Methods on values: `"a,b".split(",")`, `env.bool(...)`, `Path(...).resolve()`.
        if let ExprKind::Attr(object, method) = &func.kind {
            let o = self.expr(ns, frame, object, depth + 1);
            match &o.kind {
                Kind::Str(s) => return str_method(s, method, &argv, loc).with_env(o.env.clone()),
                Kind::EnvReader(reader) => {
                    let cast = match method.as_str() {
                        "bool" => Cast::Bool,
                        "int" => Cast::Int,
                        "float" => Cast::Float,
                        "str" => Cast::Str,
                        "list" => Cast::List,
                        "tuple" => Cast::Tuple,
                        _ => Cast::Unknown,
                    };
                    return env_read(reader, &argv, kw("default"), cast, loc);
                }
                Kind::Path(p) => {
                    return match method.as_str() {
                        "resolve" | "absolute" | "expanduser" => {
                            Value::new(Kind::Path(p.clone()), loc)
                        }
                        "joinpath" => {
                            let mut out = p.clone();
                            for a in &argv {
                                let Some(part) = to_str(a) else {
                                    return Value::unknown(loc);
                                };
                                out = join_path(&out, &part);
                            }
                            Value::new(Kind::Path(out), loc)
                        }
                        _ => Value::unknown(loc),
                    };
                }
                Kind::Dict(_) if method == "get" => {
                    let Some(key) = argv.first() else {
                        return Value::unknown(loc);
                    };
                    if o.dict_is_partial() {
                        return Value::unknown(loc);
                    }
                    return match subscript(&o, key) {
                        Some(v) => v.clone(),
                        None => argv
                            .get(1)
                            .cloned()
                            .unwrap_or_else(|| Value::new(Kind::None, loc)),
                    };
                }
                _ => {}
            }
        }
        let f = self.expr(ns, frame, func, depth + 1);
        match &f.kind {
            Kind::EnvReader(reader) => {
                let cast = kw("cast").map_or(Cast::None, |c| cast_of(&c));
                env_read(reader, &argv, kw("default"), cast, loc)
            }
            Kind::Ref(q) => self.call_ref(q, argv, kwv, loc),
            _ => Value::unknown(loc),
        }
    }

    fn call_ref(
        &mut self,
        q: &str,
        argv: Vec<Value>,
        kwv: Vec<(&str, Value)>,
        loc: Option<Loc>,
    ) -> Value {
        let kw = |name: &str| kwv.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        let first = argv.first().cloned();
        let env = first.as_ref().and_then(|v| v.env.clone());
        match q {
            "os.getenv" | "os.environ.get" | "os.environ.setdefault" | "posix.getenv" => {
                let name = first.as_ref().and_then(|v| v.as_str().map(str::to_string));
                let default = argv.get(1).cloned().or_else(|| kw("default"));
                match default {
                    Some(d) => {
                        relocate(&d, loc).with_env(Some(Arc::from(name.as_deref().unwrap_or("?"))))
                    }
                    None => Value::unknown(loc)
                        .with_env(Some(Arc::from(name.as_deref().unwrap_or("?")))),
                }
            }
            "environ.Env" | "environ.environ.Env" => {
                let schema = kwv
                    .iter()
                    .map(|(name, spec)| {
                        let default = match &spec.kind {
                            Kind::Tuple(items) if items.len() >= 2 => items.get(1).cloned(),
                            _ => None,
                        };
                        (name.to_string(), default)
                    })
                    .collect();
                Value::new(
                    Kind::EnvReader(Arc::new(EnvReader {
                        style: EnvStyle::Environ,
                        schema,
                    })),
                    loc,
                )
            }
            "environs.Env" => Value::new(
                Kind::EnvReader(Arc::new(EnvReader {
                    style: EnvStyle::Environs,
                    schema: Vec::new(),
                })),
                loc,
            ),
            "decouple.AutoConfig" | "decouple.Config" => Value::new(
                Kind::EnvReader(Arc::new(EnvReader {
                    style: EnvStyle::Decouple,
                    schema: Vec::new(),
                })),
                loc,
            ),
            "decouple.config" => {
                let reader = EnvReader {
                    style: EnvStyle::Decouple,
                    schema: Vec::new(),
                };
                let cast = kw("cast").map_or(Cast::None, |c| cast_of(&c));
                env_read(&reader, &argv, kw("default"), cast, loc)
            }
            "decouple.Csv" => Value::new(Kind::Cast(Cast::Csv), loc),
            "builtins.bool" => match first {
                None => Value::new(Kind::Bool(false), loc),
                Some(v) => v
                    .truthy()
                    .map_or_else(
                        || Value::unknown(loc.clone()),
                        |t| Value::new(Kind::Bool(t), loc.clone()),
                    )
                    .with_env(env),
            },
            "builtins.int" => {
                let kind = match first.as_ref().map(|v| &v.kind) {
                    None => Kind::Int(0),
                    Some(Kind::Int(i)) => Kind::Int(*i),
                    Some(Kind::Bool(b)) => Kind::Int(i128::from(*b)),
                    Some(Kind::Float(f)) if f.is_finite() && f.abs() < 1e30 => {
                        Kind::Int(f.trunc() as i128)
                    }
                    Some(Kind::Str(s)) if argv.len() == 1 => {
                        let t: String = s.trim().chars().filter(|c| *c != '_').collect();
                        t.parse().map_or(Kind::Unknown, Kind::Int)
                    }
                    _ => Kind::Unknown,
                };
                Value::new(kind, loc).with_env(env)
            }
            "builtins.float" => {
                let kind = match first.as_ref().map(|v| &v.kind) {
                    Some(Kind::Int(i)) => Kind::Float(*i as f64),
                    Some(Kind::Float(f)) => Kind::Float(*f),
                    Some(Kind::Str(s)) => s.trim().parse().map_or(Kind::Unknown, Kind::Float),
                    _ => Kind::Unknown,
                };
                Value::new(kind, loc).with_env(env)
            }
            "builtins.str" => match first {
                None => Value::new(Kind::Str(String::new()), loc),
                Some(v) => to_str(&v)
                    .map_or_else(
                        || Value::unknown(loc.clone()),
                        |s| Value::new(Kind::Str(s), loc.clone()),
                    )
                    .with_env(env),
            },
            "builtins.list" | "builtins.tuple" | "builtins.set" => {
                let items = match first.as_ref().map(|v| &v.kind) {
                    None => Some(Vec::new()),
                    Some(Kind::List(v) | Kind::Tuple(v) | Kind::Set(v)) => Some(v.clone()),
                    Some(Kind::Dict(pairs)) => Some(pairs.iter().map(|(k, _)| k.clone()).collect()),
                    Some(Kind::Str(s)) if s.chars().count() <= MAX_LEN => Some(
                        s.chars()
                            .map(|c| Value::new(Kind::Str(c.to_string()), loc.clone()))
                            .collect(),
                    ),
                    _ => None,
                };
                let Some(items) = items else {
                    return Value::unknown(loc).with_env(env);
                };
                let kind = match q {
                    "builtins.list" => Kind::List(items),
                    "builtins.tuple" => Kind::Tuple(items),
                    _ => Kind::Set(items),
                };
                Value::new(kind, loc).with_env(env)
            }
            "builtins.dict" if argv.is_empty() => {
                let pairs = kwv
                    .into_iter()
                    .map(|(k, v)| (Value::new(Kind::Str(k.to_string()), loc.clone()), v))
                    .collect();
                Value::new(Kind::Dict(pairs), loc)
            }
            "builtins.len" => {
                let kind = match first.as_ref().map(|v| &v.kind) {
                    Some(Kind::Str(s)) => Kind::Int(s.chars().count() as i128),
                    Some(Kind::List(v) | Kind::Tuple(v) | Kind::Set(v)) => {
                        Kind::Int(v.len() as i128)
                    }
                    Some(Kind::Dict(v)) => Kind::Int(v.len() as i128),
                    _ => Kind::Unknown,
                };
                Value::new(kind, loc).with_env(env)
            }
            "pathlib.Path" | "pathlib.PurePath" | "pathlib.PosixPath" => {
                let mut out = String::new();
                for a in &argv {
                    let Some(part) = to_str(a) else {
                        return Value::unknown(loc);
                    };
                    out = if out.is_empty() {
                        part
                    } else {
                        join_path(&out, &part)
                    };
                }
                Value::new(Kind::Path(out), loc)
            }
            "os.path.join" => {
                let mut out = String::new();
                for a in &argv {
                    let Some(part) = to_str(a) else {
                        return Value::unknown(loc);
                    };
                    out = if out.is_empty() {
                        part
                    } else {
                        join_path(&out, &part)
                    };
                }
                Value::new(Kind::Str(out), loc)
            }
            "os.path.dirname" => match first.as_ref().and_then(to_str) {
                Some(p) => Value::new(Kind::Str(parent(&p)), loc),
                None => Value::unknown(loc),
            },
            "os.path.abspath" | "os.path.realpath" | "os.path.normpath" | "os.path.expanduser" => {
                match first.as_ref().and_then(to_str) {
                    Some(p) => Value::new(Kind::Str(normalize_str(&p)), loc),
                    None => Value::unknown(loc),
                }
            }
            _ => Value::unknown(loc),
        }
    }
}

/// The sentinel `django.utils.csp.CSP.NONCE` stands for.
pub const CSP_NONCE: &str = "<CSP_NONCE_SENTINEL>";

const BUILTINS: &[&str] = &[
    "bool", "int", "float", "str", "list", "tuple", "set", "dict", "len",
];

/// Star imports and `from x import y` inside `try:` bodies are optional: drop them (the
/// `except ImportError` path is taken). A star import of a module missing from the project
/// also makes the unset settings unknown (see the `Try` arm).
fn mark_try(body: &[Stmt]) -> Vec<Stmt> {
    body.iter()
        .filter(|s| !matches!(s.kind, StmtKind::StarImport(_)))
        .map(|s| match &s.kind {
            StmtKind::ImportFrom { module, names } if module.level > 0 => Stmt {
                kind: StmtKind::Opaque {
                    binds: names.iter().map(|(_, l)| l.clone()).collect(),
                },
                span: s.span.clone(),
            },
            _ => s.clone(),
        })
        .collect()
}

fn imports_modules(body: &[Stmt]) -> bool {
    let mut names = Vec::new();
    let mut imports = false;
    collect_bound(body, &mut names, &mut imports, 0);
    imports
}

/// Names a block may bind, and whether it star-imports or includes modules.
fn collect_bound(body: &[Stmt], names: &mut Vec<String>, imports: &mut bool, depth: u32) {
    if depth > MAX_BLOCK_DEPTH {
        *imports = true;
        return;
    }
    for stmt in body {
        match &stmt.kind {
            StmtKind::Assign { targets, .. } => {
                for t in targets {
                    target_names(t, names);
                }
            }
            StmtKind::AugAssign { target, .. } => target_names(target, names),
            StmtKind::Expr(e) => {
                if let ExprKind::Call { func, .. } = &e.kind {
                    match &func.kind {
                        ExprKind::Attr(object, _) => {
                            if let ExprKind::Name(n) = &object.kind {
                                names.push(n.clone());
                            }
                        }
                        ExprKind::Name(n) if n == "include" || n == "exec" => *imports = true,
                        _ => {}
                    }
                }
            }
            StmtKind::StarImport(_) => *imports = true,
            StmtKind::ImportFrom { names: n, .. } => names.extend(n.iter().map(|(_, l)| l.clone())),
            StmtKind::Import(n) => names.extend(n.iter().map(|(l, _)| l.clone())),
            StmtKind::If(branches) => {
                for (_, b) in branches {
                    collect_bound(b, names, imports, depth + 1);
                }
            }
            StmtKind::Try {
                body,
                handler_binds,
            } => {
                collect_bound(body, names, imports, depth + 1);
                names.extend(handler_binds.iter().cloned());
            }
            StmtKind::Opaque { binds } => names.extend(binds.iter().cloned()),
            StmtKind::Del(n) => names.extend(n.iter().cloned()),
        }
    }
}

/// How a conditional block changes a list it only adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Growth {
    /// `append`, `extend`, `+=`: at the end.
    Back,
    /// `insert`: anywhere (so, for what depends on positions, possibly first).
    Front,
    /// Any other change (assignment, `remove`, item assignment...).
    Other,
}

/// For each name a block changes, whether it only adds to it (see [`Growth`]); the names
/// changed otherwise are [`Growth::Other`].
fn list_growth(body: &[Stmt], out: &mut HashMap<String, Growth>, depth: u32) {
    fn note(out: &mut HashMap<String, Growth>, name: &str, growth: Growth) {
        let entry = out.entry(name.to_string()).or_insert(growth);
        *entry = match (*entry, growth) {
            (Growth::Other, _) | (_, Growth::Other) => Growth::Other,
            (Growth::Front, _) | (_, Growth::Front) => Growth::Front,
            _ => Growth::Back,
        };
    }
    if depth > MAX_BLOCK_DEPTH {
        return;
    }
    for stmt in body {
        match &stmt.kind {
            StmtKind::Assign { targets, .. } => {
                for t in targets {
                    let mut names = Vec::new();
                    target_names(t, &mut names);
                    for n in names {
                        note(out, &n, Growth::Other);
                    }
                }
            }
            StmtKind::AugAssign { target, op, .. } => {
                let growth = match (target, op) {
                    (Target::Name { .. }, BinOp::Add) => Growth::Back,
                    _ => Growth::Other,
                };
                let mut names = Vec::new();
                target_names(target, &mut names);
                for n in names {
                    note(out, &n, growth);
                }
            }
            StmtKind::Expr(e) => {
                if let ExprKind::Call { func, .. } = &e.kind
                    && let ExprKind::Attr(object, method) = &func.kind
                    && let ExprKind::Name(n) = &object.kind
                {
                    let growth = match method.as_str() {
                        "append" | "extend" => Growth::Back,
                        "insert" => Growth::Front,
                        _ => Growth::Other,
                    };
                    note(out, n, growth);
                }
            }
            StmtKind::If(branches) => {
                for (_, b) in branches {
                    list_growth(b, out, depth + 1);
                }
            }
            StmtKind::Try { body, .. } => list_growth(body, out, depth + 1),
            _ => {}
        }
    }
}

fn target_names(target: &Target, names: &mut Vec<String>) {
    match target {
        Target::Name { name, .. } | Target::Item { name, .. } => names.push(name.clone()),
        Target::Other { names: n } => names.extend(n.iter().cloned()),
    }
}

/// The value of a name used elsewhere: scalars take the location of the use (that is where the
/// bad value is set); containers keep their elements' locations.
fn relocate(value: &Value, loc: Option<Loc>) -> Value {
    let mut v = value.clone();
    if loc.is_some() {
        v.loc = loc;
    }
    v
}

fn is_mutator(method: &str) -> bool {
    matches!(
        method,
        "append"
            | "extend"
            | "insert"
            | "remove"
            | "update"
            | "pop"
            | "clear"
            | "setdefault"
            | "add"
            | "discard"
    )
}

/// Apply a list/dict/set method in place; `false` when the result cannot be told.
fn mutate(target: &mut Value, method: &str, args: Vec<Value>) -> bool {
    match (&mut target.kind, method) {
        (Kind::List(items), "append") if args.len() == 1 && items.len() < MAX_LEN => {
            items.extend(args);
            true
        }
        (Kind::List(items), "extend") if args.len() == 1 => match &args[0].kind {
            Kind::List(v) | Kind::Tuple(v) if items.len() + v.len() <= MAX_LEN => {
                items.extend(v.iter().cloned());
                true
            }
            _ => false,
        },
        (Kind::List(items), "insert") if args.len() == 2 => {
            let Some(i) = args[0].as_int() else {
                return false;
            };
            let len = items.len() as i128;
            let at = if i < 0 { (len + i).max(0) } else { i.min(len) };
            let at = usize::try_from(at).unwrap_or(0);
            items.insert(at, args[1].clone());
            true
        }
        (Kind::List(items), "remove") if args.len() == 1 => {
            let mut position = None;
            for (i, item) in items.iter().enumerate() {
                match py_eq(item, &args[0]) {
                    Some(true) => {
                        position = Some(i);
                        break;
                    }
                    Some(false) => {}
                    None => return false,
                }
            }
            match position {
                Some(i) => {
                    items.remove(i);
                    true
                }
                None => false,
            }
        }
        (Kind::List(items) | Kind::Set(items), "clear") | (Kind::Set(items), "discard")
            if args.is_empty() =>
        {
            items.clear();
            true
        }
        (Kind::Set(items), "add") if args.len() == 1 => {
            items.extend(args);
            true
        }
        (Kind::Dict(pairs), "update") if args.len() == 1 => match &args[0].kind {
            Kind::Dict(new) => {
                for (k, v) in new {
                    set_key(pairs, k.clone(), v.clone());
                }
                true
            }
            _ => false,
        },
        (Kind::Dict(pairs), "setdefault") if args.len() == 2 => {
            if !pairs.iter().any(|(k, _)| py_eq(k, &args[0]) == Some(true)) {
                pairs.push((args[0].clone(), args[1].clone()));
            }
            true
        }
        _ => false,
    }
}

fn set_key(pairs: &mut Vec<(Value, Value)>, key: Value, value: Value) {
    match pairs.iter_mut().find(|(k, _)| py_eq(k, &key) == Some(true)) {
        Some((_, v)) => *v = value,
        None => pairs.push((key, value)),
    }
}

/// `target[k1][k2]... = value`; `false` when a container on the way is unknown.
fn set_item(target: &mut Value, keys: &[Value], value: Value) -> bool {
    let Some((last, path)) = keys.split_last() else {
        return false;
    };
    let mut current = target;
    for key in path {
        let next = match &mut current.kind {
            Kind::Dict(pairs) => pairs
                .iter_mut()
                .rev()
                .find(|(k, _)| py_eq(k, key) == Some(true))
                .map(|(_, v)| v),
            Kind::List(items) => index_of(items.len(), key).and_then(|i| items.get_mut(i)),
            _ => None,
        };
        match next {
            Some(n) => current = n,
            None => return false,
        }
    }
    match &mut current.kind {
        Kind::Dict(pairs) => {
            if last.is_unknown() {
                return false;
            }
            set_key(pairs, last.clone(), value);
            true
        }
        Kind::List(items) => match index_of(items.len(), last).and_then(|i| items.get_mut(i)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn index_of(len: usize, key: &Value) -> Option<usize> {
    let i = key.as_int()?;
    let len = len as i128;
    let i = if i < 0 { len + i } else { i };
    if (0..len).contains(&i) {
        usize::try_from(i).ok()
    } else {
        None
    }
}

fn subscript<'v>(object: &'v Value, key: &Value) -> Option<&'v Value> {
    match &object.kind {
        Kind::Dict(pairs) => {
            let mut found = None;
            for (k, v) in pairs.iter().rev() {
                match py_eq(k, key) {
                    Some(true) => {
                        found = Some(v);
                        break;
                    }
                    Some(false) => {}
                    None => return None,
                }
            }
            found
        }
        Kind::List(items) | Kind::Tuple(items) => {
            index_of(items.len(), key).and_then(|i| items.get(i))
        }
        _ => None,
    }
}

/// A value as `str()` would show it, for the kinds where that is simple.
fn to_str(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Str(s) | Kind::Path(s) => Some(s.clone()),
        Kind::Int(i) => Some(i.to_string()),
        Kind::Bool(true) => Some("True".into()),
        Kind::Bool(false) => Some("False".into()),
        Kind::None => Some("None".into()),
        _ => None,
    }
}

fn parent(p: &str) -> String {
    let trimmed = p.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => trimmed[..i].to_string(),
        None => ".".into(),
    }
}

fn join_path(base: &str, part: &str) -> String {
    if part.starts_with('/') {
        part.to_string()
    } else if base.ends_with('/') {
        format!("{base}{part}")
    } else {
        format!("{base}/{part}")
    }
}

fn normalize_str(p: &str) -> String {
    super::discover::normalize(Path::new(p), None)
        .to_string_lossy()
        .into_owned()
}

fn str_method(s: &str, method: &str, args: &[Value], loc: Option<Loc>) -> Value {
    let arg_str = |i: usize| args.get(i).and_then(|a| a.as_str().map(str::to_string));
    let strs = |items: Vec<String>| {
        Kind::List(
            items
                .into_iter()
                .map(|i| Value::new(Kind::Str(i), loc.clone()))
                .collect(),
        )
    };
    let kind = match method {
        "lower" | "casefold" => Kind::Str(s.to_lowercase()),
        "upper" => Kind::Str(s.to_uppercase()),
        "strip" if args.is_empty() => Kind::Str(s.trim().to_string()),
        "lstrip" if args.is_empty() => Kind::Str(s.trim_start().to_string()),
        "rstrip" if args.is_empty() => Kind::Str(s.trim_end().to_string()),
        "split" if args.is_empty() => strs(s.split_whitespace().map(str::to_string).collect()),
        "split" if args.len() == 1 => match arg_str(0) {
            Some(sep) if !sep.is_empty() => {
                strs(s.split(sep.as_str()).map(str::to_string).collect())
            }
            _ => Kind::Unknown,
        },
        "startswith" => arg_str(0).map_or(Kind::Unknown, |p| Kind::Bool(s.starts_with(p.as_str()))),
        "endswith" => arg_str(0).map_or(Kind::Unknown, |p| Kind::Bool(s.ends_with(p.as_str()))),
        "replace" if args.len() == 2 => match (arg_str(0), arg_str(1)) {
            (Some(a), Some(b)) if !a.is_empty() => Kind::Str(s.replace(a.as_str(), &b)),
            _ => Kind::Unknown,
        },
        "join" => match args.first().and_then(Value::items) {
            Some(items) => {
                let parts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                parts.map_or(Kind::Unknown, |p| Kind::Str(p.join(s)))
            }
            None => Kind::Unknown,
        },
        _ => Kind::Unknown,
    };
    Value::new(kind, loc)
}

fn cast_of(v: &Value) -> Cast {
    match &v.kind {
        Kind::Ref(q) => match q.as_str() {
            "builtins.bool" => Cast::Bool,
            "builtins.int" => Cast::Int,
            "builtins.float" => Cast::Float,
            "builtins.str" => Cast::Str,
            "builtins.list" => Cast::List,
            "builtins.tuple" => Cast::Tuple,
            _ => Cast::Unknown,
        },
        Kind::Cast(c) => *c,
        _ => Cast::Unknown,
    }
}

/// The value of an environment read, judged by its default.
fn env_read(
    reader: &EnvReader,
    args: &[Value],
    default_kw: Option<Value>,
    cast: Cast,
    loc: Option<Loc>,
) -> Value {
    let name = args
        .first()
        .and_then(|a| a.as_str())
        .unwrap_or("?")
        .to_string();
    let env = Some(Arc::<str>::from(name.as_str()));
    let default = default_kw.or_else(|| match reader.style {
        // environs and django-environ take the default as the second positional argument too.
        EnvStyle::Environs | EnvStyle::Environ => args.get(1).cloned(),
        EnvStyle::Decouple => None,
    });
    let default = default.or_else(|| {
        reader
            .schema
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, d)| d.clone())
    });
    let Some(default) = default else {
        return Value::unknown(loc).with_env(env);
    };
    let value = match reader.style {
        EnvStyle::Decouple => apply_cast(&default, cast),
        EnvStyle::Environ | EnvStyle::Environs => Some(default.kind.clone()),
    };
    let mut out = Value::new(value.unwrap_or(Kind::Unknown), loc);
    out.env = env;
    out
}

/// decouple's casts applied to a default.
fn apply_cast(value: &Value, cast: Cast) -> Option<Kind> {
    Some(match cast {
        Cast::None => value.kind.clone(),
        Cast::Bool => match &value.kind {
            Kind::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" | "t" | "true" | "on" | "1" => Kind::Bool(true),
                "n" | "no" | "f" | "false" | "off" | "0" | "" => Kind::Bool(false),
                _ => return None,
            },
            other => Kind::Bool(Value::bare(other.clone()).truthy()?),
        },
        Cast::Int => match &value.kind {
            Kind::Int(i) => Kind::Int(*i),
            Kind::Bool(b) => Kind::Int(i128::from(*b)),
            Kind::Str(s) => Kind::Int(s.trim().parse().ok()?),
            _ => return None,
        },
        Cast::Float => Kind::Float(match &value.kind {
            Kind::Int(i) => *i as f64,
            Kind::Float(f) => *f,
            Kind::Str(s) => s.trim().parse().ok()?,
            _ => return None,
        }),
        Cast::Str => Kind::Str(to_str(value)?),
        Cast::List | Cast::Tuple => match &value.kind {
            Kind::List(v) | Kind::Tuple(v) => Kind::List(v.clone()),
            _ => return None,
        },
        Cast::Csv => match &value.kind {
            Kind::Str(s) => Kind::List(
                s.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::new(Kind::Str(p.to_string()), value.loc.clone()))
                    .collect(),
            ),
            Kind::List(v) | Kind::Tuple(v) => Kind::List(v.clone()),
            _ => return None,
        },
        Cast::Unknown => return None,
    })
}

fn binop(op: BinOp, l: &Value, r: &Value, loc: Option<Loc>) -> Value {
    use Kind::*;
    let env = l.env.clone().or(r.env.clone());
    let int = |v: &Value| v.as_int();
    let kind = match (op, &l.kind, &r.kind) {
        (_, Unknown, _) | (_, _, Unknown) => Unknown,
        (BinOp::Add, Str(a), Str(b)) => Str(format!("{a}{b}")),
        (BinOp::Add, Bytes(a), Bytes(b)) => Bytes([a.as_slice(), b.as_slice()].concat()),
        (BinOp::Add, List(a), List(b)) if a.len() + b.len() <= MAX_LEN => {
            List([a.clone(), b.clone()].concat())
        }
        (BinOp::Add, Tuple(a), Tuple(b)) if a.len() + b.len() <= MAX_LEN => {
            Tuple([a.clone(), b.clone()].concat())
        }
        (BinOp::Mul, Str(s), _) | (BinOp::Mul, _, Str(s)) => {
            let n = if matches!(l.kind, Str(_)) {
                int(r)
            } else {
                int(l)
            };
            match n {
                Some(n) if n <= 0 => Str(String::new()),
                Some(n) if (n as usize).saturating_mul(s.len()) <= 1 << 20 => {
                    Str(s.repeat(n as usize))
                }
                _ => Unknown,
            }
        }
        (BinOp::Mul, List(v), _) | (BinOp::Mul, _, List(v)) => {
            let n = if matches!(l.kind, List(_)) {
                int(r)
            } else {
                int(l)
            };
            match n {
                Some(n) if n <= 0 => List(Vec::new()),
                Some(n) if (n as usize).saturating_mul(v.len()) <= MAX_LEN => {
                    List((0..n).flat_map(|_| v.iter().cloned()).collect())
                }
                _ => Unknown,
            }
        }
        (BinOp::Div, Path(p), Str(s)) => Path(join_path(p, s)),
        (BinOp::Div, Path(p), Path(s)) => Path(join_path(p, s)),
        (BinOp::BitOr, Dict(a), Dict(b)) => {
            let mut pairs = a.clone();
            for (k, v) in b {
                set_key(&mut pairs, k.clone(), v.clone());
            }
            Dict(pairs)
        }
        (_, Int(_) | Bool(_), Int(_) | Bool(_)) => {
            let (Some(a), Some(b)) = (int(l), int(r)) else {
                return Value::unknown(loc).with_env(env);
            };
            match op {
                BinOp::Add => a.checked_add(b).map_or(Unknown, Int),
                BinOp::Sub => a.checked_sub(b).map_or(Unknown, Int),
                BinOp::Mul => a.checked_mul(b).map_or(Unknown, Int),
                BinOp::FloorDiv if b != 0 => Int(a.div_euclid(b)
                    - if (a.rem_euclid(b) != 0) && (b < 0) {
                        1
                    } else {
                        0
                    }),
                BinOp::Mod if b != 0 => Int(((a % b) + b) % b),
                BinOp::Div if b != 0 => Float(a as f64 / b as f64),
                BinOp::Pow if (0..=128).contains(&b) => u32::try_from(b)
                    .ok()
                    .and_then(|e| a.checked_pow(e))
                    .map_or(Unknown, Int),
                BinOp::BitOr => Int(a | b),
                BinOp::BitAnd => Int(a & b),
                BinOp::BitXor => Int(a ^ b),
                BinOp::LShift if (0..100).contains(&b) => {
                    a.checked_shl(b as u32).map_or(Unknown, Int)
                }
                BinOp::RShift if (0..128).contains(&b) => Int(a >> b),
                _ => Unknown,
            }
        }
        (_, Int(_) | Bool(_) | Float(_), Int(_) | Bool(_) | Float(_)) => {
            let (Some(a), Some(b)) = (num(l), num(r)) else {
                return Value::unknown(loc).with_env(env);
            };
            match op {
                BinOp::Add => Float(a + b),
                BinOp::Sub => Float(a - b),
                BinOp::Mul => Float(a * b),
                BinOp::Div if b != 0.0 => Float(a / b),
                _ => Unknown,
            }
        }
        _ => Unknown,
    };
    Value::new(kind, loc).with_env(env)
}

fn compare(op: CmpOp, l: &Value, r: &Value) -> Option<bool> {
    match op {
        CmpOp::Eq => py_eq(l, r),
        CmpOp::NotEq => py_eq(l, r).map(|e| !e),
        CmpOp::Is | CmpOp::IsNot => {
            let same = match (&l.kind, &r.kind) {
                (Kind::Unknown, _) | (_, Kind::Unknown) => return None,
                (Kind::None, Kind::None) => true,
                (Kind::Bool(a), Kind::Bool(b)) => a == b,
                (Kind::None | Kind::Bool(_), _) | (_, Kind::None | Kind::Bool(_)) => false,
                _ => return None,
            };
            Some(if op == CmpOp::Is { same } else { !same })
        }
        CmpOp::In | CmpOp::NotIn => {
            let found = match (&l.kind, &r.kind) {
                (Kind::Str(a), Kind::Str(b)) => Some(b.contains(a.as_str())),
                (_, Kind::List(items) | Kind::Tuple(items) | Kind::Set(items)) => {
                    let mut result = Some(false);
                    for item in items {
                        match py_eq(l, item) {
                            Some(true) => {
                                result = Some(true);
                                break;
                            }
                            Some(false) => {}
                            None => result = None,
                        }
                    }
                    result
                }
                (_, Kind::Dict(pairs)) => {
                    let mut result = Some(false);
                    for (k, _) in pairs {
                        match py_eq(l, k) {
                            Some(true) => {
                                result = Some(true);
                                break;
                            }
                            Some(false) => {}
                            None => result = None,
                        }
                    }
                    result
                }
                _ => None,
            }?;
            Some(if op == CmpOp::In { found } else { !found })
        }
        CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE => {
            let ord = match (&l.kind, &r.kind) {
                (Kind::Str(a), Kind::Str(b)) => a.cmp(b),
                _ => num(l)?.partial_cmp(&num(r)?)?,
            };
            Some(match op {
                CmpOp::Lt => ord.is_lt(),
                CmpOp::LtE => ord.is_le(),
                CmpOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
    }
}

#[cfg(test)]
mod tests;
