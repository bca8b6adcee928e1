//! Project-wide facts about functions: a [`FileFacts`] per Python file, with the summary of every
//! function and method ([`FunctionSummary`]: what its result is made of, whether it is a guard),
//! and the names its module imports (so that `app.helpers.clean`, re-exported by
//! `app/__init__.py`, is found).
//!
//! Facts are a pure function of one file's text (and the source/sanitizer tables): a call to
//! another function stays symbolic in the summary and is looked up when a call site applies it
//! ([`Resolver`]). So the index rebuilds the facts of a changed file only, and a file's findings
//! depend on exactly the summaries its call sites looked up ([`Read`], recorded by the resolver:
//! the server re-analyses an open file when one of those changes, and an incremental analysis
//! checks them before reusing findings).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use tree_sitter::Node;

pub mod access;
pub mod cleaners;

use super::{FileId, ModuleRef, ProjectIndex};
use crate::semantic::flow::{self, Query, Summarize};
use crate::semantic::names::{Kind as NameKind, Name, NameSet, Names};
use crate::semantic::node::{self, text};
use crate::semantic::sources::{SinkKind, Tables};
use crate::semantic::summary::{FunctionSummary, Guard, GuardKind, Returns, SummaryLookup};
use crate::semantic::{Index, Model};
use crate::syntax::python::{Field, Fields, ModuleTree};
use access::{ClassFacts, DecoratorFacts};

pub mod render;

/// What the project knows of one Python file's functions.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// Summaries by name: `helper`, or `Class.method` for methods of module-level classes.
    pub functions: BTreeMap<String, Arc<FunctionSummary>>,
    /// Module-level imports: local name → qualified name as written (`.utils.clean` for a
    /// relative import), to follow re-exports.
    pub imports: BTreeMap<String, String>,
    /// Module-level classes and functions that raise `DisallowedHost`: the project's own Host
    /// validation (a multi-domain middleware), read by DJS432 through `MIDDLEWARE`.
    pub host_checks: BTreeSet<String>,
    /// Decorators defined in the file, by name: what their wrapper checks ([`access`]).
    pub decorators: BTreeMap<String, Arc<DecoratorFacts>>,
    /// Module-level classes by name: bases, access checks, owner fields ([`access`]).
    pub classes: BTreeMap<String, Arc<ClassFacts>>,
    /// Where the file renders templates, how, and with what context ([`render`]).
    pub render: render::RenderFacts,
    /// A hash of the text the facts were computed from ([`source_hash`]), so that an analysis
    /// of the same text reuses them; not part of what the facts say (two versions of a file
    /// that differ in a comment have equal facts).
    pub source: u64,
    /// A stable hash of what the facts say ([`FileFacts::digest`]), computed once.
    #[serde(skip)]
    digest: std::sync::OnceLock<u128>,
}

impl PartialEq for FileFacts {
    fn eq(&self, other: &FileFacts) -> bool {
        self.functions == other.functions
            && self.imports == other.imports
            && self.host_checks == other.host_checks
            && self.render == other.render
            && self.decorators == other.decorators
            && self.classes == other.classes
    }
}

impl Eq for FileFacts {}

/// The hash [`FileFacts::source`] holds.
pub fn source_hash(source: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x6a73_6563).hash_one(source)
}

impl FileFacts {
    /// A hash of the summaries and imports, stable across processes (for `djsec check`'s
    /// persistent cache: a file's cached findings hold while the facts it can look up hash the
    /// same).
    pub fn digest(&self) -> u128 {
        *self.digest.get_or_init(|| {
            // Their serialised form (postcard: the maps in key order, so the same in every
            // process), not `source`: two texts with the same facts have the same digest.
            let said = (
                &self.functions,
                &self.imports,
                &self.host_checks,
                &self.render,
                &self.decorators,
                &self.classes,
            );
            match postcard::to_stdvec(&said) {
                Ok(bytes) => xxhash_rust::xxh3::xxh3_128(&bytes),
                // Cannot happen for these types; the `Debug` form says the same.
                Err(_) => xxhash_rust::xxh3::xxh3_128(format!("{said:?}").as_bytes()),
            }
        })
    }

    /// The key facts are kept under between runs ([`super::FactsStore`]): the text and the
    /// tables ([`Tables::stable_hash`]) they are computed from.
    pub fn key(text: &str, tables_key: u128) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&tables_key.to_le_bytes());
        h.update(text.as_bytes());
        h.digest128()
    }

    /// Parse and summarise a whole file.
    pub fn build(source: &str, tables: &Tables) -> FileFacts {
        let tree = crate::syntax::python::parse(source, None);
        let model = Model::build(source, &tree, tables);
        FileFacts::from_model(&model)
    }

    /// The function summaries and imports of a module whose whole text `model` indexes, without
    /// the render facts (what an analysis of the module itself needs to look its helpers up).
    pub fn summaries_of(model: &Model) -> FileFacts {
        let statements: Vec<Node> = model.tree.named_top_level();
        let mut functions = BTreeMap::new();
        let mut decorators = BTreeMap::new();
        let mut classes = BTreeMap::new();
        // Module-level assignments first, then definitions (as `Memo` composes them).
        for statement in statements
            .iter()
            .filter(|s| node::definition(**s).is_none())
        {
            if let Some(d) = access::of_assignment(model, *statement) {
                decorators.insert(d.name.clone(), Arc::new(d));
            }
        }
        for &statement in &statements {
            for summary in summarize_definition(model, statement) {
                functions.insert(summary.name.clone(), Arc::new(summary));
            }
            let (decos, cls) = access::of_definition(model, statement);
            for d in decos {
                decorators.insert(d.name.clone(), Arc::new(d));
            }
            for c in cls {
                classes.insert(c.name.clone(), Arc::new(c));
            }
        }
        FileFacts {
            functions,
            imports: model.imports.module_bindings(),
            decorators,
            classes,
            render: render::RenderFacts::default(),
            source: source_hash(model.source),
            digest: Default::default(),
            host_checks: host_checks(&statements, model.source),
        }
    }

    /// The facts of a module whose whole text `model` indexes: its summaries, access facts and
    /// render facts.
    pub fn from_model(model: &Model) -> FileFacts {
        let mut render = render::RenderFacts::default();
        for statement in model.tree.named_top_level() {
            render.append(render::of_statement(model, statement));
        }
        render.finish();
        FileFacts {
            render,
            ..FileFacts::summaries_of(model)
        }
    }

    /// The names whose summary differs between two versions of a file (added, removed or
    /// changed), and whether the imports or the Host validations changed (then any name may
    /// resolve differently, and settings that name a middleware may mean something else).
    pub fn changed_names(&self, other: &FileFacts) -> (Vec<String>, bool) {
        let mut names: Vec<String> = Vec::new();
        for (name, summary) in &self.functions {
            if other
                .functions
                .get(name)
                .is_none_or(|o| !Arc::ptr_eq(o, summary) && **o != **summary)
            {
                names.push(name.clone());
            }
        }
        for name in other.functions.keys() {
            if !self.functions.contains_key(name) {
                names.push(name.clone());
            }
        }
        // Another Host validation changes what other modules' settings mean, like imports do.
        let context = self.imports != other.imports || self.host_checks != other.host_checks;
        (names, context)
    }
}

/// The module-level classes and functions (by name) whose body raises `DisallowedHost`.
fn host_checks(statements: &[Node], src: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if !src.contains("DisallowedHost") {
        return out;
    }
    for &statement in statements {
        let Some(definition) = node::definition(statement) else {
            continue;
        };
        if !text(definition, src).contains("DisallowedHost") {
            continue;
        }
        let mut raises = false;
        node::walk(definition, |n| {
            if raises {
                return false;
            }
            if n.kind() == "raise_statement" && text(n, src).contains("DisallowedHost") {
                raises = true;
            }
            !raises
        });
        if raises && let Some(name) = definition.field(Field::Name) {
            out.insert(text(name, src).to_string());
        }
    }
    out
}

/// The summaries of one top-level statement: a function, or the methods of a class.
fn summarize_definition(model: &Model, statement: Node) -> Vec<FunctionSummary> {
    let Some(definition) = node::definition(statement) else {
        return Vec::new();
    };
    let src = model.source;
    match definition.kind() {
        "function_definition" => summarize_function(model, statement, definition, None)
            .into_iter()
            .collect(),
        "class_definition" => {
            let Some(class) = definition.field(Field::Name).map(|n| text(n, src)) else {
                return Vec::new();
            };
            let Some(body) = definition.field(Field::Body) else {
                return Vec::new();
            };
            let mut cursor = body.walk();
            let members: Vec<Node> = body.named_children(&mut cursor).collect();
            members
                .into_iter()
                .filter_map(|member| {
                    let def = node::definition(member)?;
                    (def.kind() == "function_definition")
                        .then(|| summarize_function(model, member, def, Some(class)))
                        .flatten()
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Parameter names in order, `*args` and `**kwargs` with their stars.
fn parameters(def: Node, src: &str) -> Vec<String> {
    let Some(params) = def.field(Field::Parameters) else {
        return Vec::new();
    };
    let mut cursor = params.walk();
    params
        .named_children(&mut cursor)
        .filter_map(|p| {
            let name = flow::parameter_name(p, src)?;
            Some(match p.kind() {
                "list_splat_pattern" => format!("*{name}"),
                "dictionary_splat_pattern" => format!("**{name}"),
                _ => name.to_string(),
            })
        })
        .collect()
}

fn decorated_with(statement: Node, name: &str, src: &str) -> bool {
    if statement.kind() != "decorated_definition" {
        return false;
    }
    let mut cursor = statement.walk();
    statement
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "decorator")
        .any(|d| text(d, src).trim_start_matches('@').trim() == name)
}

fn summarize_function(
    model: &Model,
    statement: Node,
    def: Node,
    class: Option<&str>,
) -> Option<FunctionSummary> {
    let src = model.source;
    let name = text(def.field(Field::Name)?, src);
    let params = parameters(def, src);
    let bound = class.is_some() && !decorated_with(statement, "staticmethod", src);
    let target = Summarize {
        function: def.start_byte(),
        params: params
            .iter()
            .map(|p| p.trim_start_matches('*').to_string())
            .collect(),
        class: class.map(str::to_string),
    };
    let returns = if is_generator(def) {
        None
    } else {
        let returns = model.index.returns(def).to_vec();
        let query = |sink| Query {
            summarize: Some(&target),
            ..Query::sink(sink)
        };
        let (html, sensitive) = flow::summarize_returns(model, &returns, query(SinkKind::Html));
        // A redirect target is judged by other means than HTML (where its URL starts, URL
        // checks), which an HTML walk cannot tell apart: it gets its own walk when it could
        // differ.
        let redirect = if sensitive || html.is_dangerous() || html.symbolic.is_some() {
            Some(flow::summarize_returns(model, &returns, query(SinkKind::Redirect)).0)
        } else {
            None
        };
        Some(match redirect {
            Some(redirect) if sensitive || redirect != html => Returns::PerSink(
                SinkKind::ALL
                    .iter()
                    .map(|&sink| {
                        let flow = match sink {
                            SinkKind::Html => html.clone(),
                            SinkKind::Redirect => redirect.clone(),
                            _ if sensitive => {
                                flow::summarize_returns(model, &returns, query(sink)).0
                            }
                            _ => html.clone(),
                        };
                        (sink, flow)
                    })
                    .collect(),
            ),
            _ => Returns::Same(html),
        })
    };
    let guard = url_guard(model, def, &params);
    Some(FunctionSummary {
        name: match class {
            Some(c) => format!("{c}.{name}"),
            None => name.to_string(),
        },
        params,
        bound,
        returns,
        guard,
    })
}

/// Whether a function body yields (its result is a generator, not what it returns).
fn is_generator(def: Node) -> bool {
    let Some(body) = def.field(Field::Body) else {
        return false;
    };
    let mut found = false;
    node::walk(body, |n| {
        if n.kind() == "yield" {
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

/// Calls that parse a URL into parts.
const URL_PARSERS: &[&str] = &["urlparse", "urlsplit"];

/// A function that returns whether a URL argument stays on this site: it returns only booleans,
/// and checks the parameter with `url_has_allowed_host_and_scheme()` / `is_safe_url()`, or parses
/// it and reads the host (`urlparse(url).netloc`), or resolves its path (`resolve()`), or looks
/// it up in an allow-list.
fn url_guard(model: &Model, def: Node, params: &[String]) -> Option<Guard> {
    let src = model.source;
    let returns = model.index.returns(def);
    if returns.is_empty() {
        return None;
    }
    let boolean = returns.iter().all(|r| {
        r.named_child(0)
            .filter(|v| v.kind() != "comment")
            .map(node::unparenthesize)
            .is_some_and(|v| {
                matches!(
                    v.kind(),
                    "true"
                        | "false"
                        | "comparison_operator"
                        | "not_operator"
                        | "boolean_operator"
                        | "call"
                )
            })
    });
    if !boolean {
        return None;
    }
    let calls = model.index.calls_in(def);
    let mentions = |arg: Option<Node>, param: &str| {
        arg.is_some_and(|a| {
            let mut found = false;
            node::walk(a, |n| {
                if n.kind() == "identifier" && text(n, src) == param {
                    found = true;
                }
                !found
            });
            found
        })
    };
    let reads_netloc = src
        .get(def.byte_range())
        .is_some_and(|body| body.contains(".netloc") || body.contains(".hostname"));
    for (i, param) in params.iter().enumerate() {
        if matches!(param.as_str(), "self" | "cls" | "request") || param.starts_with('*') {
            continue;
        }
        let checked = calls.iter().any(|call| {
            let Some(name) = node::callee_name(*call, src) else {
                return false;
            };
            let first = node::positional_args(*call).first().copied();
            if flow::URL_CHECKS.contains(&name) {
                return mentions(first, param)
                    || mentions(node::keyword_arg(*call, "url", src), param);
            }
            if URL_PARSERS.contains(&name) {
                return reads_netloc && mentions(first, param);
            }
            name == "resolve" && mentions(first, param)
        });
        if checked {
            return Some(Guard {
                param: i,
                kind: GuardKind::SafeUrl,
            });
        }
    }
    None
}

/// What a lookup asks for: a function's summary, or the access facts of a decorator or class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Function,
    Decorator,
    Class,
    /// The `clean_<field>()` methods of the buffer and the project, for a field name.
    Cleaners,
}

/// The answer of a lookup.
#[derive(Debug, Clone)]
pub enum Fact {
    Function(Arc<FunctionSummary>),
    Decorator(Arc<DecoratorFacts>),
    Class(Arc<ClassFacts>),
    Cleaners(Vec<Arc<FunctionSummary>>),
}

impl Fact {
    fn same(&self, other: &Fact) -> bool {
        match (self, other) {
            (Fact::Cleaners(a), Fact::Cleaners(b)) => a == b,
            (Fact::Function(a), Fact::Function(b)) => Arc::ptr_eq(a, b) || **a == **b,
            (Fact::Decorator(a), Fact::Decorator(b)) => Arc::ptr_eq(a, b) || **a == **b,
            (Fact::Class(a), Fact::Class(b)) => Arc::ptr_eq(a, b) || **a == **b,
            _ => false,
        }
    }
}

/// A summary (or access fact) looked up by a call site or an access rule, as the resolver
/// answered it (for validation and invalidation: the same question asked of a newer index must
/// get the same answer).
#[derive(Debug, Clone)]
pub struct Read {
    /// The module the callee was named in (`None`: the analysed buffer).
    pub from: Option<FileId>,
    pub callee: String,
    pub kind: Kind,
    /// The module it was found in and what was found there.
    pub found: Option<(Option<FileId>, Fact)>,
    /// The project modules the lookup looked into (found or not).
    pub probed: Vec<FileId>,
}

impl Read {
    fn same_answer(&self, other: &Option<(Option<FileId>, Fact)>) -> bool {
        match (&self.found, other) {
            (None, None) => true,
            (Some((fa, a)), Some((fb, b))) => fa == fb && a.same(b),
            _ => false,
        }
    }

    /// Whether two reads ask the same question (the later answer replaces the earlier).
    pub fn same_question(&self, other: &Read) -> bool {
        self.from == other.from && self.kind == other.kind && self.callee == other.callee
    }

    /// Whether the answer may change when `path`'s facts change.
    pub fn involves(&self, path: &Path) -> bool {
        self.from.as_deref() == Some(path) || self.probed.iter().any(|p| p.as_ref() == path)
    }
}

/// Looks summaries up for the data flow, and access facts for the access rules: the analysed
/// buffer's own facts first, then the project index. Records every answer ([`Read`]).
pub struct Resolver {
    index: Option<Arc<ProjectIndex>>,
    /// The analysed buffer's path, normalised as the index stores it.
    own_path: Option<FileId>,
    own: Arc<FileFacts>,
    reads: RefCell<Vec<Read>>,
}

/// How many re-exports (`from .x import f` in a package's `__init__.py`) a lookup follows.
const MAX_HOPS: usize = 4;

impl Resolver {
    pub fn new(
        index: Option<Arc<ProjectIndex>>,
        path: Option<&Path>,
        own: Arc<FileFacts>,
    ) -> Resolver {
        let own_path = match (&index, path) {
            (Some(index), Some(path)) => Some(FileId::from(index.normalize(path).as_path())),
            (None, Some(path)) => Some(FileId::from(path)),
            _ => None,
        };
        Resolver {
            index,
            own_path,
            own,
            reads: RefCell::new(Vec::new()),
        }
    }

    /// The answers given so far.
    pub fn take_reads(&self) -> Vec<Read> {
        self.reads.take()
    }

    /// The project index lookups go to.
    pub fn index(&self) -> Option<&Arc<ProjectIndex>> {
        self.index.as_ref()
    }

    /// The path of a module in an answer (`None` is the analysed buffer).
    pub fn path_of(&self, file: Option<&FileId>) -> Option<FileId> {
        file.or(self.own_path.as_ref()).cloned()
    }

    fn facts_of(&self, file: &Option<FileId>) -> Option<Arc<FileFacts>> {
        match file {
            None => Some(Arc::clone(&self.own)),
            Some(f) if Some(f) == self.own_path.as_ref() => Some(Arc::clone(&self.own)),
            Some(f) => self.index.as_ref()?.facts(f).cloned(),
        }
    }

    fn lookup(
        &self,
        from: &Option<FileId>,
        callee: &str,
        kind: Kind,
        hops: usize,
        probed: &mut Vec<FileId>,
    ) -> Option<(Option<FileId>, Fact)> {
        if kind == Kind::Cleaners {
            return self.cleaners(callee, probed);
        }
        let get = |facts: &FileFacts, name: &str| -> Option<Fact> {
            match kind {
                Kind::Function => facts.functions.get(name).cloned().map(Fact::Function),
                Kind::Decorator => facts.decorators.get(name).cloned().map(Fact::Decorator),
                Kind::Class => facts.classes.get(name).cloned().map(Fact::Class),
                Kind::Cleaners => None,
            }
        };
        let facts = self.facts_of(from)?;
        if let Some(local) = callee.strip_prefix('@') {
            if let Some(found) = get(&facts, local) {
                return Some((self.canonical(from), found));
            }
            // An imported name used as `@name` by a summary: follow the import.
            let (head, rest) = match local.split_once('.') {
                Some((h, r)) => (h, Some(r)),
                None if kind != Kind::Function => (local, None),
                None => return None,
            };
            let qualified = facts.imports.get(head)?;
            let next = match rest {
                Some(r) => format!("{qualified}.{r}"),
                None => qualified.clone(),
            };
            return self.lookup(from, &next, kind, hops + 1, probed);
        }
        if hops > MAX_HOPS {
            return None;
        }
        let index = self.index.as_ref()?;
        let from_path: &Path = from.as_ref().or(self.own_path.as_ref())?;
        let level = callee.bytes().take_while(|b| *b == b'.').count();
        let dotted = &callee[level..];
        // `app.utils.clean` is `clean` of `app/utils.py`, or `Cls.clean` of `app/__init__.py`...
        let parts: Vec<&str> = dotted.split('.').collect();
        for split in (1..parts.len()).rev().take(2) {
            let module = ModuleRef {
                level: u32::try_from(level).unwrap_or(u32::MAX),
                module: parts[..split].join("."),
            };
            let name = parts[split..].join(".");
            let Some(file) = index.resolve(from_path, &module) else {
                continue;
            };
            if probed.len() < 16 {
                probed.push(file.clone());
            }
            let file = Some(file);
            let Some(target) = self.facts_of(&file) else {
                continue;
            };
            if let Some(found) = get(&target, &name) {
                return Some((self.canonical(&file), found));
            }
            // Re-exported: `from .helpers import clean` in the module.
            let (head, rest) = match name.split_once('.') {
                Some((h, r)) => (h, Some(r)),
                None => (name.as_str(), None),
            };
            if let Some(qualified) = target.imports.get(head) {
                let next = match rest {
                    Some(r) => format!("{qualified}.{r}"),
                    None => qualified.clone(),
                };
                return self.lookup(&file, &next, kind, hops + 1, probed);
            }
        }
        None
    }

    /// The `clean_<field>()` methods of the buffer and of the other files of the project (the
    /// index's facts of the buffer's own path are the buffer's, as they were last saved).
    fn cleaners(&self, field: &str, probed: &mut Vec<FileId>) -> Option<(Option<FileId>, Fact)> {
        let mut found: Vec<Arc<FunctionSummary>> = self
            .own
            .functions
            .iter()
            .filter(|(name, _)| cleaners::field_of(name) == Some(field))
            .map(|(_, summary)| Arc::clone(summary))
            .collect();
        if let Some(index) = &self.index {
            for (file, summary) in cleaners::cleaner_map(index).get(field) {
                if Some(file) == self.own_path.as_ref() {
                    continue;
                }
                if !probed.contains(file) {
                    probed.push(file.clone());
                }
                found.push(Arc::clone(summary));
            }
        }
        (!found.is_empty()).then_some((None, Fact::Cleaners(found)))
    }

    /// The buffer's own path is `None` in answers, whatever way it was reached.
    fn canonical(&self, file: &Option<FileId>) -> Option<FileId> {
        match file {
            Some(f) if Some(f) == self.own_path.as_ref() => None,
            other => other.clone(),
        }
    }

    /// Look `callee` up as `kind`, named in module `from` (`None`: the buffer), and record the
    /// answer.
    fn ask(
        &self,
        from: Option<&FileId>,
        callee: &str,
        kind: Kind,
    ) -> Option<(Option<FileId>, Fact)> {
        let from = from.cloned();
        let mut probed = Vec::new();
        let found = self.lookup(&from, callee, kind, 0, &mut probed);
        if let Ok(mut reads) = self.reads.try_borrow_mut()
            && reads.len() < 10_000
        {
            reads.push(Read {
                from,
                callee: callee.to_string(),
                kind,
                found: found.clone(),
                probed,
            });
        }
        found
    }

    /// The access facts of the project decorator `name` names in module `from` (`None`: the
    /// buffer): an imported qualified name, `.mod.name`, or `@name` for one of that module.
    pub fn decorator(
        &self,
        from: Option<&FileId>,
        name: &str,
    ) -> Option<(Option<FileId>, Arc<DecoratorFacts>)> {
        match self.ask(from, name, Kind::Decorator)? {
            (file, Fact::Decorator(d)) => Some((file, d)),
            _ => None,
        }
    }

    /// The access facts of the project class `name` names in module `from` (see
    /// [`Resolver::decorator`]).
    pub fn class(
        &self,
        from: Option<&FileId>,
        name: &str,
    ) -> Option<(Option<FileId>, Arc<ClassFacts>)> {
        match self.ask(from, name, Kind::Class)? {
            (file, Fact::Class(c)) => Some((file, c)),
            _ => None,
        }
    }
}

impl SummaryLookup for Resolver {
    fn function(
        &self,
        from: Option<&Arc<Path>>,
        callee: &str,
    ) -> Option<(Option<Arc<Path>>, Arc<FunctionSummary>)> {
        match self.ask(from, callee, Kind::Function)? {
            (file, Fact::Function(f)) => Some((file, f)),
            _ => None,
        }
    }

    fn field_cleaners(&self, field: &str) -> Vec<Arc<FunctionSummary>> {
        match self.ask(None, field, Kind::Cleaners) {
            Some((_, Fact::Cleaners(found))) => found,
            _ => Vec::new(),
        }
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// Whether the answers recorded in `reads` still hold with `resolver` (a newer index, or newer
/// own facts).
pub fn reads_hold(reads: &[Read], resolver: &Resolver) -> bool {
    reads.iter().all(|read| {
        let answer = resolver.lookup(&read.from, &read.callee, read.kind, 0, &mut Vec::new());
        read.same_answer(&answer)
    })
}

/// What a newer index (or newer own facts) changed among the answers an analysis recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangedReads {
    /// Every answer holds.
    None,
    /// Some answers changed, all of lookups the buffer made itself: the module-level names of
    /// the buffer through which those callees were reached (the callee's dotted parts, and the
    /// local names of the imports it goes through). What mentions none of them read no changed
    /// answer.
    Names(Vec<String>),
    /// An answer changed that the buffer's names do not lead to (a lookup made while composing
    /// the summary of another module's function): every kept finding may depend on it.
    All,
}

/// Which answers in `reads` no longer hold with `resolver`, as [`ChangedReads`]; with
/// [`ChangedReads::Names`] the changed reads are removed from `reads` (the analysis that checks
/// again what mentions the names records their new answers).
pub fn take_changed_reads(reads: &mut Vec<Read>, resolver: &Resolver) -> ChangedReads {
    let holds = |read: &Read| {
        let answer = resolver.lookup(&read.from, &read.callee, read.kind, 0, &mut Vec::new());
        read.same_answer(&answer)
    };
    let changed: Vec<usize> = (0..reads.len()).filter(|&i| !holds(&reads[i])).collect();
    if changed.is_empty() {
        return ChangedReads::None;
    }
    let mut names = Vec::new();
    for &i in &changed {
        let read = &reads[i];
        // A field's cleaners are also read while applying a summary that names the field
        // (a helper returning `form.cleaned_data["next"]`): the units that read them need not
        // mention the field.
        if read.from.is_some() || read.kind == Kind::Cleaners {
            return ChangedReads::All;
        }
        let dotted = read.callee.trim_start_matches('@').trim_start_matches('.');
        names.extend(
            dotted
                .split('.')
                .filter(|p| !p.is_empty())
                .map(str::to_string),
        );
        let callee = read.callee.as_str();
        for (local, qualified) in &resolver.own.imports {
            let through = callee == qualified
                || callee
                    .strip_prefix(qualified.as_str())
                    .is_some_and(|rest| rest.starts_with('.'));
            if through {
                names.push(local.clone());
            }
        }
    }
    let mut i = 0;
    reads.retain(|_| {
        let keep = !changed.contains(&i);
        i += 1;
        keep
    });
    names.sort_unstable();
    names.dedup();
    ChangedReads::Names(names)
}

/// The facts (summaries, access facts, render facts) of each definition of a module, kept
/// between versions of a buffer: a definition keeps its facts while its own text and the
/// module-level statements it depends on are unchanged, so a keystroke summarises only the
/// definition it is in, and a keystroke at module level only the definitions that mention a
/// name the edited statement defines.
///
/// A definition depends on the module-level statements that define a name it mentions
/// (`semantic::names`: every word of its text), then on those that define a name one of these
/// mentions, and so on, on every `from m import *`, and on which of them come before it. Lines
/// do not decide anything: facts are kept with the line their statement started on and moved
/// with it ([`Memo::summarised`] counts the definitions summarised, for tests).
#[derive(Debug, Default, Clone)]
pub struct Memo {
    /// The facts of each definition, by the hash of its text.
    units: HashMap<u64, Arc<Unit>>,
    /// The names of the module-level statements, by the hash of their text.
    names: HashMap<u64, Arc<Names>>,
    /// The hashes of the module-level statements' texts, in order.
    module: Vec<u64>,
    /// The hashes of the definitions' texts, in order.
    order: Vec<u64>,
    /// What the module-level statements contribute, with the hash of their text.
    context: Option<Arc<ModuleLevel>>,
    facts: Option<Arc<FileFacts>>,
    /// How many definitions were summarised so far.
    summarised: usize,
}

/// The hash of the module-level statements and what they make: imports, decorators made by
/// assignment (`staff_only = user_passes_test(...)`), render facts (`as_view(template_name=...)`
/// in a URLconf).
#[derive(Debug, Clone)]
struct ModuleLevel {
    key: u64,
    /// The line each module-level statement started on when these facts were made.
    rows: Vec<u32>,
    imports: BTreeMap<String, String>,
    decorators: Vec<Arc<DecoratorFacts>>,
    render: Arc<render::RenderFacts>,
}

impl ModuleLevel {
    /// The same facts for module-level statements (with the same texts) that now start on
    /// `rows`.
    fn moved(&self, rows: Vec<u32>) -> ModuleLevel {
        let (old, new) = (&self.rows, &rows);
        // A line of the facts lies in the last statement that starts on or before it.
        let map = |line: u32| {
            let i = old.partition_point(|r| *r <= line).saturating_sub(1);
            match (old.get(i), new.get(i)) {
                (Some(o), Some(n)) => (line - o.min(&line)).saturating_add(*n),
                _ => line,
            }
        };
        ModuleLevel {
            key: self.key,
            imports: self.imports.clone(),
            decorators: moved_decorators(&self.decorators, map),
            render: Arc::new(self.render.map_lines(map)),
            rows,
        }
    }
}

/// `decorators` with their lines mapped by `map` (the definitions moved).
fn moved_decorators(
    decorators: &[Arc<DecoratorFacts>],
    map: impl Fn(u32) -> u32,
) -> Vec<Arc<DecoratorFacts>> {
    decorators
        .iter()
        .map(|d| {
            Arc::new(DecoratorFacts {
                line: map(d.line),
                ..DecoratorFacts::clone(d)
            })
        })
        .collect()
}

/// What one top-level definition contributes to its module's facts.
#[derive(Debug, Default)]
struct Unit {
    /// The hash of the module-level statements the facts depend on ([`Context::of`]).
    context: u64,
    /// What the definition mentions (`semantic::names`); shared by the moved copies.
    mentions: Arc<[Name]>,
    /// How many module-level statements came before it when `context` was made.
    before: usize,
    /// The line the definition started on when these facts were made.
    row: u32,
    functions: Vec<Arc<FunctionSummary>>,
    decorators: Vec<Arc<DecoratorFacts>>,
    classes: Vec<Arc<ClassFacts>>,
    render: render::RenderFacts,
}

impl Unit {
    /// Whether the two say the same about the file (what [`FileFacts`] is built from).
    fn same_facts(&self, other: &Unit) -> bool {
        self.row == other.row
            && self.functions == other.functions
            && self.decorators == other.decorators
            && self.classes == other.classes
            && self.render == other.render
    }

    /// The same facts for the same text starting on line `row`.
    fn moved(&self, row: u32) -> Unit {
        let map = |line: u32| {
            let shifted = i64::from(line) - i64::from(self.row) + i64::from(row);
            u32::try_from(shifted.max(0)).unwrap_or(u32::MAX)
        };
        Unit {
            context: self.context,
            mentions: self.mentions.clone(),
            before: self.before,
            row,
            functions: self.functions.clone(),
            decorators: moved_decorators(&self.decorators, map),
            classes: self
                .classes
                .iter()
                .map(|c| {
                    Arc::new(ClassFacts {
                        line: map(c.line),
                        ..ClassFacts::clone(c)
                    })
                })
                .collect(),
            render: self.render.map_lines(map),
        }
    }
}

/// The module-level statements of one version, by the names they define: what a definition's
/// facts depend on.
struct Context<'n> {
    /// The names of each module-level statement, in order, and the hash of its text.
    statements: Vec<(&'n Names, u64)>,
    /// The module-level statements that define a name.
    defining: HashMap<Name, Vec<u32>, foldhash::fast::FixedState>,
    /// The `from m import *` statements: they may define any name.
    stars: Vec<u32>,
    /// Scratch space of [`Context::of`]: the statements seen, by the number of the call.
    seen: Vec<u32>,
    calls: u32,
}

impl<'n> Context<'n> {
    fn new(statements: Vec<(&'n Names, u64)>) -> Context<'n> {
        let mut defining: HashMap<Name, Vec<u32>, foldhash::fast::FixedState> = HashMap::default();
        let mut stars = Vec::new();
        for (i, (names, _)) in statements.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            if names.kind == NameKind::StarImport {
                stars.push(i);
            }
            for name in names.defines.iter() {
                defining.entry(*name).or_default().push(i);
            }
        }
        Context {
            seen: vec![0; statements.len()],
            statements,
            defining,
            stars,
            calls: 0,
        }
    }

    /// The hash of the module-level statements a definition that mentions `mentions` and
    /// comes after the first `before` module-level statements depends on: their texts, in
    /// order, and whether each comes before the definition.
    fn of(&mut self, mentions: &[Name], before: usize) -> u64 {
        self.calls += 1;
        let call = self.calls;
        let mut stack: Vec<u32> = self.stars.clone();
        for name in mentions {
            if let Some(found) = self.defining.get(name) {
                stack.extend_from_slice(found);
            }
        }
        let mut depends: Vec<u32> = Vec::new();
        while let Some(i) = stack.pop() {
            let Some(seen) = self.seen.get_mut(i as usize) else {
                continue;
            };
            if *seen == call {
                continue;
            }
            *seen = call;
            depends.push(i);
            if let Some((names, _)) = self.statements.get(i as usize) {
                for name in names.mentions.iter() {
                    if let Some(found) = self.defining.get(name) {
                        stack.extend(found.iter().filter(|j| self.seen[**j as usize] != call));
                    }
                }
            }
        }
        depends.sort_unstable();
        let mut hasher = foldhash::fast::FixedState::with_seed(0x6a73_6563).build_hasher();
        for i in depends {
            let hash = self.statements.get(i as usize).map_or(0, |(_, h)| *h);
            (hash, (i as usize) < before).hash(&mut hasher);
        }
        hasher.finish()
    }
}

impl Memo {
    /// The names whose module-level statements changed since the previous version (`None`:
    /// any name may have): what the statements between the unchanged first and last ones
    /// define, before and after, and what the statements that mention one of those define,
    /// transitively. A definition that mentions none of them, with as many module-level
    /// statements before it as before, depends on the same statements as before.
    fn changed_names(&self, hashes: &[u64], names: &HashMap<u64, Arc<Names>>) -> Option<NameSet> {
        // The first version: everything is computed anyway.
        self.context.as_ref()?;
        let old = &self.module;
        let prefix = old.iter().zip(hashes).take_while(|(a, b)| a == b).count();
        let suffix = old[prefix..]
            .iter()
            .rev()
            .zip(hashes[prefix..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let mut changed = NameSet::default();
        let edited = old[prefix..old.len() - suffix]
            .iter()
            .map(|h| self.names.get(h))
            .chain(
                hashes[prefix..hashes.len() - suffix]
                    .iter()
                    .map(|h| names.get(h)),
            );
        for statement in edited {
            let statement = statement?;
            if statement.kind == NameKind::StarImport {
                return None;
            }
            changed.extend(&statement.defines);
        }
        // What mentions a changed name changes what it defines.
        let mut grew = !changed.is_empty();
        while grew {
            grew = false;
            for hash in hashes {
                if let Some(statement) = names.get(hash)
                    && !statement.defines.is_empty()
                    && changed.meets(&statement.mentions)
                {
                    grew |= changed.extend(&statement.defines);
                }
            }
        }
        Some(changed)
    }

    /// How many definitions this memo summarised (computed facts for) so far.
    pub fn summarised(&self) -> usize {
        self.summarised
    }

    /// The facts of the buffer (`tree` parses `source`), summarising only the definitions the
    /// memo does not hold for their text and the module-level statements they depend on.
    pub fn facts<'t>(
        &mut self,
        source: &str,
        tree: impl Into<ModuleTree<'t>>,
        tables: &Tables,
    ) -> Arc<FileFacts> {
        let state = foldhash::fast::FixedState::with_seed(0x6a73_6563);
        let tree = tree.into();
        let statements: Vec<Node> = tree.named_top_level();
        let row = |n: Node| u32::try_from(n.start_position().row).unwrap_or(u32::MAX);
        // Each statement's text hash, and for a definition how many module-level statements
        // come before it.
        let mut module: Vec<(Node, u64)> = Vec::new();
        let mut definitions: Vec<(Node, u64, usize)> = Vec::new();
        for &statement in &statements {
            // The text, and how it was parsed when it has a syntax error (the same text may
            // be parsed otherwise when an error elsewhere in the file changes).
            let hash = state.hash_one((
                node::text(statement, source),
                crate::syntax::python::error_shape(statement),
            ));
            if node::definition(statement).is_some() {
                definitions.push((statement, hash, module.len()));
            } else {
                module.push((statement, hash));
            }
        }
        let module_level = || module.iter().map(|(s, _)| *s);
        let mut names: HashMap<u64, Arc<Names>> = HashMap::with_capacity(module.len());
        for &(statement, hash) in &module {
            let found = match self.names.get(&hash) {
                Some(found) => Arc::clone(found),
                None => Arc::new(Names::of(statement, source)),
            };
            names.insert(hash, found);
        }
        let key = {
            let mut hasher = state.build_hasher();
            for (_, hash) in &module {
                hash.hash(&mut hasher);
            }
            hasher.finish()
        };
        let rows: Vec<u32> = module_level().map(row).collect();
        let level = match &self.context {
            Some(level) if level.key == key && level.rows == rows => Arc::clone(level),
            Some(level) if level.key == key => Arc::new(level.moved(rows)),
            _ => {
                let index = Index::build_statements(module_level(), source);
                let model = Model::with_index(source, tree, tables, index);
                let mut render = render::RenderFacts::default();
                for statement in module_level() {
                    render.append(render::of_statement(&model, statement));
                }
                Arc::new(ModuleLevel {
                    key,
                    rows,
                    imports: model.imports.module_bindings(),
                    decorators: module_level()
                        .filter_map(|s| access::of_assignment(&model, s))
                        .map(Arc::new)
                        .collect(),
                    render: Arc::new(render),
                })
            }
        };
        let hashes: Vec<u64> = module.iter().map(|(_, hash)| *hash).collect();
        let names_of = |hash: &u64| names.get(hash).map_or(&*EMPTY_NAMES, |n| &**n);
        let moved = self.changed_names(&hashes, &names);
        // Built when a definition needs it (not on a keystroke inside a definition).
        let mut context: Option<Context> = None;
        let mut depends_of = |mentions: &[Name], before: usize| {
            context
                .get_or_insert_with(|| {
                    Context::new(hashes.iter().map(|h| (names_of(h), *h)).collect())
                })
                .of(mentions, before)
        };
        let mut units: HashMap<u64, Arc<Unit>> = HashMap::with_capacity(definitions.len());
        // Definitions to summarise: the statement, its text hash, its context and mentions.
        let mut missing: Vec<(Node, u64, u64, Arc<[Name]>)> = Vec::new();
        let mut order: Vec<u64> = Vec::with_capacity(definitions.len());
        for &(statement, hash, before) in &definitions {
            order.push(hash);
            if units.contains_key(&hash) || missing.iter().any(|m| m.1 == hash) {
                continue;
            }
            match self.units.get(&hash) {
                // Nothing it depends on changed, and no module-level statement crossed it.
                Some(found)
                    if found.before == before
                        && moved.as_ref().is_some_and(|m| !m.meets(&found.mentions)) =>
                {
                    let unit = match row(statement) {
                        r if r == found.row => Arc::clone(found),
                        r => Arc::new(found.moved(r)),
                    };
                    units.insert(hash, unit);
                }
                Some(found) => {
                    let depends = depends_of(&found.mentions, before);
                    if depends != found.context {
                        missing.push((statement, hash, depends, found.mentions.clone()));
                    } else {
                        let unit = Unit {
                            before,
                            ..found.moved(row(statement))
                        };
                        units.insert(hash, Arc::new(unit));
                    }
                }
                None => {
                    let mentions: Arc<[Name]> = Names::of(statement, source).mentions.into();
                    let depends = depends_of(&mentions, before);
                    missing.push((statement, hash, depends, mentions));
                }
            }
        }
        let befores: HashMap<u64, usize> = definitions.iter().map(|d| (d.1, d.2)).collect();
        if !missing.is_empty() {
            // In source order, as an index must be (it looks calls up by position).
            let wanted: std::collections::HashSet<usize> =
                missing.iter().map(|m| m.0.start_byte()).collect();
            let index = Index::build_statements(
                statements
                    .iter()
                    .copied()
                    .filter(|s| wanted.contains(&s.start_byte()) || node::definition(*s).is_none()),
                source,
            );
            let model = Model::with_index(source, tree, tables, index);
            for (statement, hash, depends, mentions) in missing {
                let (decorators, classes) = access::of_definition(&model, statement);
                let unit = Unit {
                    context: depends,
                    mentions,
                    before: befores.get(&hash).copied().unwrap_or_default(),
                    row: row(statement),
                    functions: summarize_definition(&model, statement)
                        .into_iter()
                        .map(Arc::new)
                        .collect(),
                    decorators: decorators.into_iter().map(Arc::new).collect(),
                    classes: classes.into_iter().map(Arc::new).collect(),
                    render: render::of_statement(&model, statement),
                };
                self.summarised += 1;
                units.insert(hash, Arc::new(unit));
            }
        }
        // Nothing summarised or moved: the previous facts hold.
        let host = host_checks(&statements, source);
        // The same facts in the same order: a definition summarised again (its text changed)
        // that says the same as the one in its place before (a keystroke in a string or a
        // comment) changes nothing either, and building the file's facts again costs as much
        // as the file is long.
        let same = order.len() == self.order.len()
            && self
                .context
                .as_ref()
                .is_some_and(|previous| Arc::ptr_eq(previous, &level))
            && order.iter().zip(&self.order).all(|(new, old)| {
                match (units.get(new), self.units.get(old)) {
                    (Some(unit), Some(previous)) => {
                        Arc::ptr_eq(previous, unit) || unit.same_facts(previous)
                    }
                    _ => false,
                }
            });
        if same && let Some(previous) = self.facts.as_ref().filter(|f| f.host_checks == host) {
            let previous = Arc::clone(previous);
            self.units = units;
            self.names = names;
            self.module = hashes;
            self.order = order;
            return previous;
        }
        // In source order: a later definition of a name replaces an earlier one. A text that
        // occurs twice has the facts of one occurrence (its lines).
        let mut functions = BTreeMap::new();
        let mut decorators: BTreeMap<String, Arc<DecoratorFacts>> = level
            .decorators
            .iter()
            .map(|d| (d.name.clone(), Arc::clone(d)))
            .collect();
        let mut classes = BTreeMap::new();
        let mut render = render::RenderFacts::clone(&level.render);
        for (&(statement, _, _), hash) in definitions.iter().zip(&order) {
            let Some(unit) = units.get(hash) else {
                continue;
            };
            let moved;
            let unit = if unit.row == row(statement) {
                &**unit
            } else {
                moved = unit.moved(row(statement));
                &moved
            };
            for summary in &unit.functions {
                functions.insert(summary.name.clone(), Arc::clone(summary));
            }
            for d in &unit.decorators {
                decorators.insert(d.name.clone(), Arc::clone(d));
            }
            for c in &unit.classes {
                classes.insert(c.name.clone(), Arc::clone(c));
            }
            render.extend(&unit.render);
        }
        render.finish();
        let facts = FileFacts {
            functions,
            imports: level.imports.clone(),
            host_checks: host,
            decorators,
            classes,
            render,
            source: source_hash(source),
            digest: Default::default(),
        };
        self.units = units;
        self.names = names;
        self.module = hashes;
        self.order = order;
        self.context = Some(level);
        let facts = match &self.facts {
            Some(previous) if **previous == facts => Arc::clone(previous),
            _ => Arc::new(facts),
        };
        self.facts = Some(Arc::clone(&facts));
        facts
    }
}

/// The names of a statement that has none (a module-level statement whose names are missing).
static EMPTY_NAMES: std::sync::LazyLock<Names> = std::sync::LazyLock::new(Names::default);

#[cfg(test)]
mod tests;
