//! Incremental analysis of Python modules: after an edit, check again only what may have
//! changed, and reuse the findings of the rest.
//!
//! A module is cut into its top-level statements: *units*, the `def`s and `class`es (decorated
//! or not), and *module-level statements* (imports, assignments, everything else). Between two
//! versions the text has an unchanged prefix and suffix around the edited middle; when the
//! statements before and after the middle are the same in both versions (shifted), the edit
//! changed only the statements in the middle ([`Alignment`]). An edit that changes how the rest
//! of the module parses (an unclosed bracket or string, a changed indentation), a change of
//! context, or no previous version means a full check.
//!
//! **Dependencies by name** ([`names`](crate::semantic::names)). Each statement records the names it mentions and the
//! module-level names it defines. What an edit changed is a set of names: those defined by the
//! module-level statements in the middle (before and after the edit), the names of definitions
//! added, removed, renamed or whose header (decorators, parameters, bases) changed, and, for a
//! definition whose body alone changed, nothing, unless its facts say otherwise
//! ([`Plan::mark_summaries_changed`]: a function's summary or access facts changed, as
//! [`Cache::summaries`] finds; everything that mentions such a name, transitively, changes
//! too, since a summary answer leads on to the summaries its function calls). A changed answer
//! of the project index to a lookup the buffer made (a helper of another module whose summary
//! changed) changes the names that reach it the same way (`facts::take_changed_reads`: the
//! callee's dotted parts and the imports it goes through); a changed answer to a lookup made
//! while composing another module's summary forgets every kept finding. The set is closed over
//! the module:
//! a module-level statement that mentions a changed name changes what it defines, a definition
//! whose header mentions one changes its interface.
//!
//! **Unit-scoped checks** (`rules::PYTHON_CHECKS`) may only read the unit a finding is in,
//! module-level statements through the names the unit mentions, the headers of the definitions
//! it names, and the names of `rules::NAMES_READ_EVERYWHERE`. They run again on the units in
//! the middle, on the units that mention a changed name, and on the units named by a changed
//! module-level statement (`register.filter("x", f, is_safe=True)` reports in `f`); the other
//! units keep their findings (shifted). Module-level statements are always checked again. A fix
//! that adds an import depends on the module's imports and definitions: the questions the fixes
//! asked ([`PyChecker::ensure_import`](super::python::PyChecker::ensure_import)) are asked
//! again when an import or a definition they name changes, and if an answer differs, every
//! unit with findings is checked again.
//!
//! **Module-scoped checks** (`rules::PYTHON_MODULE_CHECKS`) see the whole module, but each says
//! which top-level statements it reads (`ModuleCheck::indexes`). When nothing they read changed
//! and no name changed, their findings stay. When every check in use declares
//! `ModuleCheck::by_class` (its findings in a statement depend on that statement, the
//! definitions it names, transitively, and module-level statements), they run again over the
//! statements that changed or mention a changed name (the name of a read definition whose body
//! changed counts too), with the definitions those name indexed as well, and keep their
//! findings elsewhere. Anything else runs them over the whole module.
//!
//! Correctness is checked against fresh analysis: the rule test helpers do it for every rule
//! test (with module-level edits), property tests over random edit scripts (typing, module-level
//! edits, paste and undo), and exhaustive tests of every one-character edit of two modules.

pub mod template;

use std::ops::Range;
use std::sync::Arc;

use tree_sitter::Node;

use super::context::Context;
use super::finding::Finding;
use super::python::ImportAsked;
use crate::project::facts;
use crate::semantic::names::{self, Kind, NameSet, Names};
use crate::semantic::{Imports, Index};
use crate::syntax::python::ModuleTree;

pub use crate::semantic::names::{Name, name};

/// What a previous analysis of the same document left behind.
#[derive(Debug, Default, Clone)]
pub struct Cache {
    state: Option<Box<State>>,
    /// The function summaries of the buffer's definitions (see [`Cache::summaries`]).
    memo: facts::Memo,
    own: Option<Arc<facts::FileFacts>>,
    /// The summaries the kept findings looked up, with the answers they got.
    reads: Vec<facts::Read>,
    /// The project snapshot those answers came from: the same snapshot gives the same answers.
    project: Option<std::sync::Weak<crate::project::ProjectIndex>>,
    /// What the previous analysis of a template left (`template`).
    template: Option<Box<template::State>>,
    /// Where the imported names that fixes replace occur (`python::tidy_fix_imports_with`).
    pub(crate) words: super::python::Words,
}

#[derive(Debug, Clone)]
struct State {
    text: Arc<str>,
    context: Context,
    /// The top-level statements, their names, and the unit-scoped findings located in each.
    statements: Vec<TopLevel>,
    names: Vec<Names>,
    findings: Vec<Vec<Finding>>,
    /// The findings of the module-scoped checks.
    module: Vec<Finding>,
    /// The import questions fixes asked, with their answers for this version.
    imports_asked: Vec<ImportAsked>,
}

impl Cache {
    pub fn clear(&mut self) {
        self.state = None;
        self.template = None;
        self.words = Default::default();
    }

    /// For a template: the range the last analysis re-checked, when it kept the findings
    /// outside it (`None`: it checked the whole template).
    pub fn template_scope(&self) -> Option<Range<usize>> {
        self.template.as_ref().and_then(|t| t.scope())
    }

    /// The template state, the Python state dropped (a document is one or the other).
    pub fn template_slot(&mut self) -> &mut Option<Box<template::State>> {
        self.state = None;
        &mut self.template
    }

    /// The buffer's function facts (summarising only the definitions that changed), a resolver
    /// over them and the project's, and the module-level names whose own facts differ from the
    /// previous version's (to give to [`Plan::mark_summaries_changed`]: the units that mention
    /// them, transitively, are checked again). The findings kept from earlier versions are all
    /// forgotten when an answer of the project index they may have used changed.
    pub fn summaries(
        &mut self,
        source: &str,
        tree: ModuleTree,
        context: &Context,
    ) -> (std::rc::Rc<facts::Resolver>, Vec<String>) {
        let own = self.memo.facts(source, tree, &context.tables);
        let resolver = std::rc::Rc::new(facts::Resolver::new(
            context.project.clone(),
            context.path.as_deref(),
            Arc::clone(&own),
        ));
        let same_project = match (&self.project, &context.project) {
            (Some(before), Some(now)) => std::ptr::eq(before.as_ptr(), Arc::as_ptr(now)),
            (None, None) => true,
            _ => false,
        };
        let mut changed = Vec::new();
        let project_changed = if same_project {
            facts::ChangedReads::None
        } else {
            facts::take_changed_reads(&mut self.reads, &resolver)
        };
        if project_changed == facts::ChangedReads::All {
            self.state = None;
            self.reads.clear();
        } else {
            // A changed answer of the index is a changed summary of the names that reach it.
            if let facts::ChangedReads::Names(names) = project_changed {
                changed = names;
            }
            if let Some(before) = self.own.as_ref().filter(|o| !Arc::ptr_eq(o, &own)) {
                changed.extend(changed_facts(before, &own));
                changed.sort_unstable();
                changed.dedup();
            }
        }
        self.own = Some(own);
        self.project = context.project.as_ref().map(Arc::downgrade);
        (resolver, changed)
    }

    /// Add the answers an analysis got (the latest answer per question; they all agree with
    /// the current summaries, see [`Cache::summaries`]).
    pub fn record_reads(&mut self, reads: Vec<facts::Read>) {
        for read in reads {
            match self.reads.iter_mut().find(|r| r.same_question(&read)) {
                Some(existing) => *existing = read,
                None => self.reads.push(read),
            }
        }
        if self.reads.len() > MAX_READS {
            self.state = None;
            self.reads.clear();
        }
    }

    /// The buffer's function facts as of the last analysis.
    pub fn own_facts(&self) -> Option<&Arc<facts::FileFacts>> {
        self.own.as_ref()
    }

    /// Whether the findings may depend on the function facts of `path` (another file).
    pub fn reads_file(&self, path: &std::path::Path) -> bool {
        self.reads.iter().any(|r| r.involves(path))
    }
}

/// Summary lookups remembered per document; past this, the next analysis starts afresh.
const MAX_READS: usize = 4_096;

/// The module-level names whose facts differ between two versions of the buffer's own facts:
/// a function or method summary (`Class.method` gives `Class`), an access fact of a decorator or
/// class, an import, a host check. The render facts are left out: they are read for templates,
/// not by the module's own checks. So is the line of a class: only a decorator's line is in
/// messages (`@staff_only` (line 12)), so a definition that only moved changes nothing else.
fn changed_facts(before: &facts::FileFacts, after: &facts::FileFacts) -> Vec<String> {
    fn differ<V>(
        a: &std::collections::BTreeMap<String, V>,
        b: &std::collections::BTreeMap<String, V>,
        out: &mut Vec<String>,
    ) where
        V: std::ops::Deref,
        V::Target: Same,
    {
        for (name, value) in a {
            // Most facts are the very same `Arc` as before (a unit that did not change).
            if !b
                .get(name)
                .is_some_and(|v| std::ptr::eq(&**v, &**value) || v.same(value))
            {
                out.push(name.clone());
            }
        }
        for name in b.keys() {
            if !a.contains_key(name) {
                out.push(name.clone());
            }
        }
    }
    let mut out = Vec::new();
    differ(&before.functions, &after.functions, &mut out);
    differ(&before.decorators, &after.decorators, &mut out);
    differ(&before.classes, &after.classes, &mut out);
    differ(&before.imports, &after.imports, &mut out);
    out.extend(
        before
            .host_checks
            .symmetric_difference(&after.host_checks)
            .cloned(),
    );
    for name in &mut out {
        if let Some(dot) = name.find('.') {
            name.truncate(dot);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Equality of facts as the module's own checks read them.
trait Same {
    fn same(&self, other: &Self) -> bool;
}

impl Same for crate::semantic::summary::FunctionSummary {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Same for facts::access::DecoratorFacts {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Same for facts::access::ClassFacts {
    fn same(&self, other: &Self) -> bool {
        let facts::access::ClassFacts {
            name,
            bases,
            checks,
            uses,
            defines,
            owner_fields,
            app_label,
            line: _,
        } = self;
        *name == other.name
            && *bases == other.bases
            && *checks == other.checks
            && *uses == other.uses
            && *defines == other.defines
            && *owner_fields == other.owner_fields
            && *app_label == other.app_label
    }
}

impl Same for str {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// Whether a top-level statement is a unit (a definition).
pub fn is_unit(node: Node) -> bool {
    matches!(
        node.kind(),
        "function_definition" | "class_definition" | "decorated_definition"
    )
}

/// How offsets of the previous text map to the current one.
struct Diff {
    /// Length of the common prefix.
    prefix: usize,
    /// Start of the common suffix in the old text, and in the new text.
    old_suffix: usize,
    new_suffix: usize,
}

impl Diff {
    fn new(old: &str, new: &str) -> Diff {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let prefix = common_prefix(a, b);
        let max_suffix = a.len().min(b.len()) - prefix;
        let suffix = common_suffix(&a[prefix..], &b[prefix..], max_suffix);
        Diff {
            prefix,
            old_suffix: a.len() - suffix,
            new_suffix: b.len() - suffix,
        }
    }

    /// Whether the two texts are the same.
    fn unchanged(&self) -> bool {
        self.prefix == self.old_suffix && self.prefix == self.new_suffix
    }

    /// The new offset of an old offset outside the edited middle (strictly: an offset at the
    /// edge of an insertion could belong before or after it).
    fn map(&self, old: usize) -> Option<usize> {
        if old < self.prefix || self.unchanged() {
            Some(old)
        } else if old > self.old_suffix {
            Some(old - self.old_suffix + self.new_suffix)
        } else {
            None
        }
    }
}

/// Bytes compared at once when looking for the edited middle: slice comparisons of this size
/// compile to `memcmp`, many times faster than a byte loop on a multi-megabyte buffer (this runs
/// on every keystroke).
const CHUNK: usize = 64;

/// The length of the longest common prefix of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + CHUNK <= n && a[i..i + CHUNK] == b[i..i + CHUNK] {
        i += CHUNK;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// The length of the longest common suffix of `a` and `b`, at most `max`.
fn common_suffix(a: &[u8], b: &[u8], max: usize) -> usize {
    let n = max.min(a.len()).min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + CHUNK <= n && a[n - i - CHUNK..n - i] == b[n - i - CHUNK..n - i] {
        i += CHUNK;
    }
    i + a[..n - i]
        .iter()
        .rev()
        .zip(b[..n - i].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// A top-level statement of one version of the module: where it is and what kind of node.
/// Statements outside the edited middle have the same text in both versions, so the same range
/// (shifted), kind and, for a statement with a syntax error, parse
/// ([`error_shape`](crate::syntax::python::error_shape)) mean the same statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TopLevel {
    start: usize,
    end: usize,
    kind: u16,
    unit: bool,
    shape: u64,
}

impl TopLevel {
    fn of(statement: Node) -> TopLevel {
        TopLevel {
            start: statement.start_byte(),
            end: statement.end_byte(),
            kind: statement.kind_id(),
            unit: is_unit(statement),
            shape: crate::syntax::python::error_shape(statement),
        }
    }

    /// This statement as it would be in the new text, if it lies outside the edited middle.
    fn shifted(&self, diff: &Diff) -> Option<TopLevel> {
        Some(TopLevel {
            start: diff.map(self.start)?,
            end: diff.map(self.end)?,
            ..*self
        })
    }
}

/// How the top-level statements of two versions line up: those before and after the edited
/// middle are the same statements (shifted), the ones in `old_middle` and `new_middle` are the
/// ones the edit touched.
struct Alignment {
    old_middle: Range<usize>,
    new_middle: Range<usize>,
}

impl Alignment {
    /// `None` only when the text did not change but its statements did. Statements outside the
    /// edit that parse differently in the two versions (an edit that makes a statement
    /// incomplete can pull the next line into it: `x =` before `@decorator` takes the decorator
    /// in as `x = @decorator`, and leaves the `def` undecorated) belong to the middle too: the
    /// statements before and after it are those that match from either end.
    fn new(diff: &Diff, old: &[TopLevel], new: &[TopLevel]) -> Option<Alignment> {
        if diff.unchanged() {
            return (old == new).then_some(Alignment {
                old_middle: old.len()..old.len(),
                new_middle: new.len()..new.len(),
            });
        }
        // A statement that ends just before the edit may still have changed (a deleted last
        // character): the middle is what is not before or after the edit in *both* versions.
        let before_edit = old
            .partition_point(|s| s.end < diff.prefix)
            .min(new.partition_point(|s| s.end < diff.prefix));
        let before = old[..before_edit]
            .iter()
            .zip(&new[..before_edit])
            .take_while(|(o, n)| o == n)
            .count();
        let after_edit = (old.len() - old.partition_point(|s| s.start <= diff.old_suffix))
            .min(new.len() - new.partition_point(|s| s.start <= diff.new_suffix))
            .min(old.len() - before)
            .min(new.len() - before);
        // From the end: the statements after the edit that are the same (shifted) in both.
        let after = old[old.len() - after_edit..]
            .iter()
            .rev()
            .zip(new[new.len() - after_edit..].iter().rev())
            .take_while(|(o, n)| o.shifted(diff).as_ref() == Some(*n))
            .count();
        Some(Alignment {
            old_middle: before..old.len() - after,
            new_middle: before..new.len() - after,
        })
    }

    /// The index of the old statement that corresponds to a new one outside the middle.
    fn old_index(&self, new: usize) -> Option<usize> {
        if new < self.new_middle.start {
            Some(new)
        } else if new >= self.new_middle.end {
            Some(new - self.new_middle.end + self.old_middle.end)
        } else {
            None
        }
    }

    /// The index of the new statement that corresponds to an old one outside the middle.
    fn new_index(&self, old: usize) -> Option<usize> {
        if old < self.old_middle.start {
            Some(old)
        } else if old >= self.old_middle.end {
            Some(old - self.old_middle.end + self.new_middle.end)
        } else {
            None
        }
    }
}

/// The names an edit changed (see the module documentation).
#[derive(Debug, Default)]
struct Changed {
    /// Everything in `statements` and `definitions`.
    all: NameSet,
    /// What the module-level statements that changed, or that mention a changed name, define.
    statements: NameSet,
    /// The names of definitions added, removed, renamed, whose header changed or that mention a
    /// changed name in it, and the names given to [`Plan::mark_changed`].
    definitions: NameSet,
    /// The names given to [`Plan::mark_summaries_changed`] (closed over the statements that
    /// mention one by [`Plan::resolve`]).
    summaries: NameSet,
    /// A `from m import *` changed: any name may have.
    star: bool,
    /// A module-level statement other than a definition changed (it may bind imports).
    module_level: bool,
}

impl Changed {
    fn add_statement(&mut self, names: &[Name]) -> bool {
        self.statements.extend(names);
        self.all.extend(names)
    }

    fn add_definition(&mut self, name: Name) -> bool {
        self.definitions.insert(name);
        self.all.insert(name)
    }
}

/// A definition as far as other statements can tell: its name, kind and header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interface {
    own: Option<Name>,
    kind: Kind,
    header: u64,
}

/// What the previous version leaves to this one, when the two line up.
struct Prev {
    diff: Diff,
    alignment: Alignment,
    /// The previous version's statements, the unit-scoped findings of each (taken as they are
    /// reused), and its module-scoped findings.
    statements: Vec<TopLevel>,
    findings: Vec<Vec<Finding>>,
    module: Vec<Finding>,
    /// What the statements of the edited middle mentioned before the edit.
    old_mentions: NameSet,
    /// Whether a fix's import question has another answer now.
    imports_changed: bool,
}

/// The split of a module into units to reuse and statements to check again.
pub struct Plan<'t> {
    /// The current top-level statements, in order.
    nodes: Vec<Node<'t>>,
    statements: Vec<TopLevel>,
    /// The names of each statement: moved from the previous version outside the edit, computed
    /// for the others (all of them, without a previous version, when the plan finishes).
    names: Vec<Option<Names>>,
    /// For each statement: `Some(findings)` when its unit-scoped findings are reused (shifted).
    reused: Vec<Option<Vec<Finding>>>,
    prev: Option<Prev>,
    changed: Changed,
    /// Whether every unit is checked again (an edit changed a name everything reads).
    everything: bool,
    resolved: bool,
    /// What the module-scoped checks do.
    module: ModulePlan,
    /// The import questions of fixes, with their answers for this version.
    imports_asked: Vec<ImportAsked>,
}

/// What the module-scoped checks do for this version.
enum ModulePlan {
    /// Run over the whole module, or their findings reused as they are: nothing to merge.
    Whole,
    /// Run again over the statements in `check`; the findings located elsewhere stay (`kept`).
    Recheck {
        check: Vec<bool>,
        kept: Vec<Finding>,
    },
}

/// What [`Plan::module_work`] asks of the module-scoped checks.
pub enum ModuleWork<'t> {
    /// The findings of the previous version still hold.
    Reuse(Vec<Finding>),
    /// Index these top-level statements, run the checks, and pass the findings to
    /// [`Plan::merge_module`].
    Recheck(Vec<Node<'t>>),
    /// Run the checks over the whole module.
    Full,
}

impl<'t> Plan<'t> {
    /// The plan for analysing `text` (parsed as `tree`) after the version `cache` holds, which
    /// it takes: [`Plan::finish`] puts the new version in its place.
    pub fn new(text: &str, tree: ModuleTree<'t>, context: &Context, cache: &mut Cache) -> Plan<'t> {
        let nodes: Vec<Node<'t>> = tree.top_level();
        let statements: Vec<TopLevel> = nodes.iter().map(|n| TopLevel::of(*n)).collect();
        let mut plan = Plan {
            names: (0..nodes.len()).map(|_| None).collect(),
            reused: vec![None; nodes.len()],
            nodes,
            statements,
            prev: None,
            changed: Changed::default(),
            everything: true,
            resolved: false,
            module: ModulePlan::Whole,
            imports_asked: Vec::new(),
        };
        let Some(old) = cache.state.take().filter(|p| p.context.same_as(context)) else {
            return plan;
        };
        let diff = Diff::new(&old.text, text);
        let Some(alignment) = Alignment::new(&diff, &old.statements, &plan.statements) else {
            return plan;
        };
        let State {
            statements: old_statements,
            names: mut old_names,
            findings,
            module,
            imports_asked,
            ..
        } = *old;
        // What the statements in the middle define, before and after the edit; definitions
        // whose interface stayed (a body edit) are matched up and change no name.
        let mut changed = Changed::default();
        let mut old_units = Vec::new();
        let mut old_mentions = NameSet::default();
        for names in old_names.get(alignment.old_middle.clone()).unwrap_or(&[]) {
            changed.note(names, &mut old_units);
            old_mentions.extend(&names.mentions);
        }
        let mut new_units = Vec::new();
        for j in alignment.new_middle.clone() {
            let names = Names::of(plan.nodes[j], text);
            changed.note(&names, &mut new_units);
            plan.names[j] = Some(names);
        }
        for unit in new_units {
            match old_units.iter().position(|o| *o == unit) {
                Some(at) => {
                    old_units.swap_remove(at);
                }
                None => {
                    changed.definitions.extend(unit.own.as_slice());
                }
            }
        }
        for unit in old_units {
            changed.definitions.extend(unit.own.as_slice());
        }
        changed.all = changed.statements.clone();
        changed.all.extend(changed.definitions.as_slice());
        for (o, names) in old_names.iter_mut().enumerate() {
            if let Some(j) = alignment.new_index(o) {
                plan.names[j] = Some(std::mem::take(names));
            }
        }
        let (imports_asked, imports_changed) = reask(
            imports_asked,
            &diff,
            &changed,
            text,
            &plan.nodes,
            &plan.names,
        );
        plan.imports_asked = imports_asked;
        plan.changed = changed;
        plan.everything = false;
        plan.prev = Some(Prev {
            diff,
            alignment,
            statements: old_statements,
            findings,
            module,
            old_mentions,
            imports_changed,
        });
        plan
    }

    /// Where the previous version's text and this one differ: the length of their common
    /// prefix, and where their common suffix starts in the previous and in this text (`None`
    /// without a previous version).
    pub fn edit_bounds(&self) -> Option<(usize, usize, usize)> {
        self.prev
            .as_ref()
            .map(|p| (p.diff.prefix, p.diff.old_suffix, p.diff.new_suffix))
    }

    /// Whether the plan has no previous version to build on: every statement is checked.
    pub fn is_full(&self) -> bool {
        self.prev.is_none()
    }

    /// The definitions the edit touched (their text changed), for a caller that keeps facts
    /// about them (function summaries); every definition without a previous version.
    pub fn edited_definitions(&self) -> impl Iterator<Item = Node<'t>> + '_ {
        let middle = self
            .prev
            .as_ref()
            .map_or(0..self.nodes.len(), |p| p.alignment.new_middle.clone());
        self.nodes[middle].iter().copied().filter(|n| is_unit(*n))
    }

    /// Whether the edit changed what `name` stands for at module level (before
    /// [`Plan::resolve`]: directly; after: also through the statements and headers that mention
    /// a changed name). Always true without a previous version.
    pub fn changed(&self, name: &str) -> bool {
        self.prev.is_none() || self.changed.star || self.changed.all.contains(names::name(name))
    }

    /// Say that what a module-level `name` stands for changed, though its definition's text did
    /// not (a function whose summary changed because its body did): the units that mention it
    /// are checked again. Call before [`Plan::resolve`]; ignored after.
    pub fn mark_changed(&mut self, name: &str) {
        if !self.resolved {
            self.changed.add_definition(names::name(name));
        }
    }

    /// Say that the facts of the module-level `names` (function summaries, access facts) changed,
    /// whatever their definitions' text did. A summary is read at call sites, and answers may
    /// lead on to the summaries the function itself calls: the definitions and module-level
    /// statements that mention a marked name, transitively, change what they define too, and
    /// the units that mention any of those are checked again. Call before [`Plan::resolve`].
    pub fn mark_summaries_changed(&mut self, names: &[String]) {
        if !self.resolved {
            for n in names {
                self.changed.summaries.insert(names::name(n));
            }
        }
    }

    /// Close the set of changed names over the module and decide which units keep their
    /// findings. Called once, after the callers of [`Plan::mark_changed`].
    pub fn resolve(&mut self) {
        if std::mem::replace(&mut self.resolved, true) {
            return;
        }
        let Some(prev) = self.prev.as_mut() else {
            return;
        };
        if self.changed.star {
            self.everything = true;
            return;
        }
        if !self.changed.summaries.is_empty() {
            // Who may read a changed summary, through any number of calls.
            let summaries = &mut self.changed.summaries;
            let mut done = vec![false; self.names.len()];
            loop {
                let mut grew = false;
                for (names, done) in self.names.iter().zip(done.iter_mut()) {
                    let Some(names) = names
                        .as_ref()
                        .filter(|n| !*done && n.mentions_any(summaries))
                    else {
                        continue;
                    };
                    match names.kind {
                        Kind::Function | Kind::Class => {
                            *done = true;
                            if let Some(own) = names.own {
                                grew |= summaries.insert(own);
                            }
                        }
                        Kind::Other => {
                            *done = true;
                            grew |= summaries.extend(&names.defines);
                        }
                        Kind::Import | Kind::StarImport => {}
                    }
                }
                if !grew {
                    break;
                }
            }
            let marked = std::mem::take(&mut self.changed.summaries);
            self.changed.definitions.extend(marked.as_slice());
            self.changed.all.extend(marked.as_slice());
        }
        let middle = prev.alignment.new_middle.clone();
        let outside: Vec<usize> = (0..self.nodes.len())
            .filter(|j| !middle.contains(j))
            .collect();
        // The closure: a module-level statement that mentions a changed name changes what it
        // defines; a definition whose header mentions one changes its interface.
        if !self.changed.all.is_empty() {
            let mut done = vec![false; self.nodes.len()];
            loop {
                let mut grew = false;
                // The statements of the middle too: a definition whose body alone changed may
                // name a changed name in its header.
                for (names, done) in self.names.iter().zip(done.iter_mut()) {
                    let Some(names) = names.as_ref().filter(|_| !*done) else {
                        continue;
                    };
                    match names.kind {
                        Kind::Other if names.mentions_any(&self.changed.all) => {
                            *done = true;
                            grew |= self.changed.add_statement(&names.defines);
                        }
                        Kind::Function | Kind::Class if self.changed.all.meets(&names.header) => {
                            *done = true;
                            if let Some(own) = names.own {
                                grew |= self.changed.add_definition(own);
                            }
                        }
                        _ => {}
                    }
                }
                if !grew {
                    break;
                }
            }
        }
        self.everything = crate::rules::NAMES_READ_EVERYWHERE
            .iter()
            .any(|w| self.changed.all.contains(names::name(w)));
        if self.everything {
            return;
        }
        for &j in &outside {
            let Some(names) = self.names[j].as_ref().filter(|n| n.is_unit()) else {
                continue;
            };
            let Some(old) = prev.alignment.old_index(j) else {
                continue;
            };
            let findings = std::mem::take(&mut prev.findings[old]);
            let again = (prev.imports_changed && !findings.is_empty())
                || names.mentions_any(&self.changed.all)
                || names
                    .own
                    .is_some_and(|own| self.changed.statements.contains(own));
            if !again {
                self.reused[j] = shifted(findings, &prev.diff);
            }
        }
    }

    /// The top-level statements to index and check again: module-level statements and the
    /// units whose findings are not reused.
    pub fn to_check(&self) -> impl Iterator<Item = Node<'t>> + '_ {
        self.nodes
            .iter()
            .zip(&self.reused)
            .filter(|(_, reused)| reused.is_none())
            .map(|(n, _)| *n)
    }

    /// The names of the definitions checked again.
    #[cfg(test)]
    pub fn checked_definitions(&self, text: &str) -> Vec<String> {
        self.to_check()
            .filter_map(crate::semantic::node::definition)
            .filter_map(|d| d.child_by_field_name("name"))
            .map(|n| text[n.byte_range()].to_string())
            .collect()
    }

    /// How many units were reused.
    #[cfg(test)]
    pub fn reused_units(&self) -> usize {
        self.reused.iter().filter(|r| r.is_some()).count()
    }

    /// What the module-scoped checks must do for this version. `reads` says whether a check in
    /// use reads a top-level statement; `by_class` whether every check in use depends only on
    /// the definitions a statement names, transitively (`rules::ModuleCheck::by_class`).
    pub fn module_work(&mut self, reads: impl Fn(Node) -> bool, by_class: bool) -> ModuleWork<'t> {
        self.resolve();
        match self.module_plan(&reads, by_class) {
            Some((check, kept)) if check.iter().any(|c| *c) => {
                let index = self.needed_by(&check, &reads);
                self.module = ModulePlan::Recheck { check, kept };
                ModuleWork::Recheck(index)
            }
            Some((_, kept)) => ModuleWork::Reuse(kept),
            None => ModuleWork::Full,
        }
    }

    /// The statements the module-scoped checks must check again and the findings they keep;
    /// `None` for everything.
    fn module_plan(
        &mut self,
        reads: &impl Fn(Node) -> bool,
        by_class: bool,
    ) -> Option<(Vec<bool>, Vec<Finding>)> {
        let prev = self.prev.as_mut()?;
        if self.everything || prev.imports_changed {
            return None;
        }
        let mut changed = self.changed.all.clone();
        let mut check = vec![false; self.nodes.len()];
        // A read statement in the middle is checked again; a read definition whose body changed
        // changes what its name stands for.
        for j in prev.alignment.new_middle.clone() {
            if reads(self.nodes[j]) {
                check[j] = true;
                if let Some(own) = self.names[j].as_ref().and_then(|n| n.own) {
                    changed.insert(own);
                }
            }
        }
        if !by_class && (!changed.is_empty() || check.iter().any(|c| *c)) {
            return None;
        }
        if !changed.is_empty() {
            let read: Vec<bool> = self.nodes.iter().map(|n| reads(*n)).collect();
            let middle = prev.alignment.new_middle.clone();
            loop {
                let mut grew = false;
                for (j, names) in self.names.iter().enumerate() {
                    if check[j] || !read[j] || middle.contains(&j) {
                        continue;
                    }
                    let Some(names) = names.as_ref().filter(|n| n.mentions_any(&changed)) else {
                        continue;
                    };
                    check[j] = true;
                    grew |= match names.own {
                        Some(own) => changed.insert(own),
                        None => changed.extend(&names.defines),
                    };
                }
                if !grew {
                    break;
                }
            }
            // A definition's findings may depend on the definitions that name it (a class
            // subclassed in the module is a base, not a view): check again those named by the
            // statements checked again, and by the edited ones before the edit.
            let mut named = prev.old_mentions.clone();
            for (j, names) in self.names.iter().enumerate() {
                if let Some(names) = names.as_ref().filter(|_| check[j]) {
                    named.extend(&names.mentions);
                }
            }
            for (j, names) in self.names.iter().enumerate() {
                if read[j]
                    && names
                        .as_ref()
                        .and_then(|n| n.own)
                        .is_some_and(|own| named.contains(own))
                {
                    check[j] = true;
                }
            }
        }
        // The findings located in statements not checked again, by their old statement.
        let mut kept = Vec::new();
        for finding in std::mem::take(&mut prev.module) {
            let old = statement_at(&prev.statements, finding.range.start)?;
            // A statement of the edited middle is gone, or checked again.
            if prev.alignment.new_index(old).is_some_and(|new| !check[new]) {
                kept.push(finding);
            }
        }
        Some((check, shifted(kept, &prev.diff)?))
    }

    /// The statements to index for checking `check` again: those, the definitions that name
    /// them, the definitions those name (transitively), and every module-level statement (the
    /// checks' `reads` filters them).
    fn needed_by(&self, check: &[bool], reads: &impl Fn(Node) -> bool) -> Vec<Node<'t>> {
        let mut definitions: std::collections::HashMap<Name, Vec<usize>> =
            std::collections::HashMap::new();
        for (j, names) in self.names.iter().enumerate() {
            if let Some(own) = names.as_ref().and_then(|n| n.own) {
                definitions.entry(own).or_default().push(j);
            }
        }
        let mut index = check.to_vec();
        // The definitions that name one checked again (a class's subclasses).
        let mut checked = NameSet::default();
        for (j, names) in self.names.iter().enumerate() {
            if let Some(own) = names.as_ref().and_then(|n| n.own).filter(|_| check[j]) {
                checked.insert(own);
            }
        }
        for (j, names) in self.names.iter().enumerate() {
            if names
                .as_ref()
                .is_some_and(|n| n.is_unit() && n.mentions_any(&checked))
            {
                index[j] = true;
            }
        }
        let mut stack: Vec<usize> = (0..check.len()).filter(|&j| index[j]).collect();
        while let Some(i) = stack.pop() {
            let Some(names) = self.names[i].as_ref() else {
                continue;
            };
            for m in names.mentions.iter() {
                for &c in definitions.get(m).into_iter().flatten() {
                    if !index[c] {
                        index[c] = true;
                        stack.push(c);
                    }
                }
            }
        }
        self.nodes
            .iter()
            .zip(&index)
            .filter(|(n, index)| (**index || !is_unit(**n)) && reads(**n))
            .map(|(n, _)| *n)
            .collect()
    }

    /// The module-scoped findings after a [`ModuleWork::Recheck`]: the fresh ones located in the
    /// statements checked again, and the kept ones.
    pub fn merge_module(&self, fresh: Vec<Finding>) -> Vec<Finding> {
        let ModulePlan::Recheck { check, kept } = &self.module else {
            return fresh;
        };
        let mut out = kept.clone();
        out.extend(fresh.into_iter().filter(|f| {
            statement_at(&self.statements, f.range.start)
                .is_some_and(|i| check.get(i).copied().unwrap_or(false))
        }));
        out
    }

    /// Merge fresh unit-scoped findings (from module-level statements and re-checked units)
    /// with the reused ones, and remember them, the module-scoped findings and the import
    /// questions asked (`asked`) for the next analysis.
    pub fn finish(
        self,
        text: &Arc<str>,
        context: &Context,
        fresh: Vec<Finding>,
        module: &[Finding],
        asked: Vec<ImportAsked>,
        cache: &mut Cache,
    ) -> Vec<Finding> {
        let mut per_statement: Vec<Vec<Finding>> = vec![Vec::new(); self.statements.len()];
        let mut all = Vec::with_capacity(fresh.len());
        for finding in fresh {
            let at = statement_at(&self.statements, finding.range.start);
            if let Some(i) = at.filter(|&i| self.reused[i].is_none()) {
                per_statement[i].push(finding.clone());
            }
            all.push(finding);
        }
        for (i, reused) in self.reused.into_iter().enumerate() {
            if let Some(findings) = reused {
                all.extend(findings.iter().cloned());
                per_statement[i] = findings;
            }
        }
        let names = self
            .names
            .into_iter()
            .zip(&self.nodes)
            .map(|(names, node)| names.unwrap_or_else(|| Names::of(*node, text)))
            .collect();
        let mut imports_asked = self.imports_asked;
        for question in asked {
            imports_asked.retain(|a| (&a.module, &a.name) != (&question.module, &question.name));
            imports_asked.push(question);
        }
        cache.state = Some(Box::new(State {
            text: Arc::clone(text),
            context: context.clone(),
            statements: self.statements,
            names,
            findings: per_statement,
            module: module.to_vec(),
            imports_asked,
        }));
        all
    }
}

impl Changed {
    /// Note what a statement of the edited middle (before or after the edit) changes.
    fn note(&mut self, names: &Names, units: &mut Vec<Interface>) {
        match names.kind {
            Kind::StarImport => self.star = true,
            Kind::Import | Kind::Other => {
                self.module_level |= !names.defines.is_empty() || names.kind == Kind::Import;
                self.statements.extend(&names.defines);
            }
            Kind::Function | Kind::Class => units.push(Interface {
                own: names.own,
                kind: names.kind,
                header: names.header_hash,
            }),
        }
    }
}

/// The import questions of the previous version's fixes, with their answers for this version
/// (asked again when the edit may have changed one: an import or another module-level
/// statement, a definition named like the import, an answer's edit in the middle), and whether
/// an answer changed.
fn reask(
    asked: Vec<ImportAsked>,
    diff: &Diff,
    changed: &Changed,
    text: &str,
    nodes: &[Node],
    names: &[Option<Names>],
) -> (Vec<ImportAsked>, bool) {
    let mut again = changed.module_level || changed.star;
    let mut out = Vec::with_capacity(asked.len());
    for mut question in asked {
        again |= changed.definitions.contains(names::name(&question.name));
        if let Some((_, Some(edit))) = question.answer.as_mut() {
            match map_range(&edit.range, diff) {
                Some(range) => edit.range = range,
                None => again = true,
            }
        }
        out.push(question);
    }
    if !again || out.is_empty() {
        return (out, false);
    }
    let module_level: Vec<Node> = nodes.iter().copied().filter(|n| !is_unit(*n)).collect();
    let index = Index::build_statements(module_level.iter().copied(), text);
    let imports = Imports::collect(&index, text);
    // What `import_edit` reads: the module-level statements, and the first statement when it
    // is a definition (the import goes before it).
    let mut top: Vec<Node> = module_level.into_iter().filter(|n| n.is_named()).collect();
    if let Some(first) = nodes.iter().find(|n| n.is_named() && n.kind() != "comment")
        && is_unit(*first)
    {
        top.insert(0, *first);
    }
    let defines = |name: &str| {
        let name = names::name(name);
        names
            .iter()
            .any(|n| n.as_ref().is_some_and(|n| n.own == Some(name)))
    };
    let mut different = false;
    for question in &mut out {
        let answer = super::python::import_answer(
            text,
            &top,
            &imports,
            &defines,
            &question.module,
            &question.name,
        );
        different |= answer != question.answer;
        question.answer = answer;
    }
    (out, different)
}

/// The top-level statement that contains a byte.
fn statement_at(statements: &[TopLevel], byte: usize) -> Option<usize> {
    statements
        .partition_point(|s| s.start <= byte)
        .checked_sub(1)
        .filter(|&i| byte < statements[i].end)
}

/// A range of the old text in the new one; `None` if an end falls in the edited middle.
fn map_range(range: &Range<usize>, diff: &Diff) -> Option<Range<usize>> {
    Some(diff.map(range.start)?..diff.map(range.end)?)
}

/// Findings of the old text located in the new one (their ranges, their fixes' edits and their
/// data-flow steps shifted); `None` if any offset falls in the edited middle.
fn shifted(mut findings: Vec<Finding>, diff: &Diff) -> Option<Vec<Finding>> {
    if diff.unchanged() {
        return Some(findings);
    }
    for finding in &mut findings {
        finding.range = map_range(&finding.range, diff)?;
        if let Some(fix) = finding.fix.as_mut() {
            for edit in &mut fix.edits {
                edit.range = map_range(&edit.range, diff)?;
            }
        }
        for step in &mut finding.steps {
            step.range = map_range(&step.range, diff)?;
        }
    }
    Some(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze_incremental;
    use crate::syntax::{Language, Syntax};

    /// The cache an analysis of `previous` leaves.
    fn cache_after(previous: &str) -> Cache {
        let mut cache = Cache::default();
        let prev: Arc<str> = Arc::from(previous);
        let syntax = Syntax::parse(Language::Python, previous);
        let _ = analyze_incremental(&prev, &syntax, &Context::default(), &mut cache);
        cache
    }

    fn plan_after(previous: &str, current: &str) -> usize {
        let context = Context::default();
        let mut cache = cache_after(previous);
        let syntax = Syntax::parse(Language::Python, current);
        let Syntax::Python(tree) = &syntax else {
            return usize::MAX;
        };
        let mut plan = Plan::new(current, tree.into(), &context, &mut cache);
        plan.resolve();
        plan.reused_units()
    }

    const MODULE: &str = "import os\n\ndef a(request):\n    return 1\n\ndef b(request):\n    return 2\n\nclass C:\n    x = 1\n";

    #[test]
    fn an_edit_inside_one_function_reuses_the_others() {
        let edited = MODULE.replace("return 1", "return 11");
        assert_eq!(plan_after(MODULE, &edited), 2);
        let edited = MODULE.replace("return 2", "return 22");
        assert_eq!(plan_after(MODULE, &edited), 2);
        // Nothing changed: everything reused.
        assert_eq!(plan_after(MODULE, MODULE), 3);
        // Pure insertions and pure deletions reuse the definitions before and after them.
        let inserted = MODULE.replace("return 1", "return 1 + x");
        assert_eq!(plan_after(MODULE, &inserted), 2);
        assert_eq!(plan_after(&inserted, MODULE), 2);
        let deleted = MODULE.replace("return 2", "return ");
        assert_eq!(plan_after(MODULE, &deleted), 2);
    }

    /// An incomplete statement typed before a decorator takes the decorator in (`value_id = @staff`,
    /// with an error) and leaves the next definition undecorated: the statements that parse
    /// differently are part of the edit, and the definitions before and after stay reused
    /// (this was a full analysis, seconds on a 50,000-line module).
    #[test]
    fn a_statement_that_takes_the_next_line_in_widens_the_edit() {
        let module = "import os\n\ndef a(request):\n    return 1\n\n\n@staff\ndef b(request):\n    return 2\n\nclass C:\n    x = 1\n";
        let typed = module.replace("@staff", "value_id =\n@staff");
        let tree = crate::syntax::python::parse(&typed, None);
        let decorated = tree
            .root_node()
            .children(&mut tree.walk())
            .any(|n| n.kind() == "decorated_definition");
        assert!(
            tree.root_node().has_error() && !decorated,
            "{}",
            tree.root_node().to_sexp()
        );
        assert_eq!(plan_after(module, &typed), 2);
        assert_eq!(plan_after(&typed, module), 2);
    }

    #[test]
    fn diff_finds_the_edited_middle() {
        let cases = [
            ("", ""),
            ("abc", "abc"),
            ("abc", "abXc"),
            ("abXc", "abc"),
            ("aaaa", "aaa"),
            ("", "xyz"),
            ("xyz", ""),
        ];
        let long = "0123456789".repeat(40);
        let mut edited = long.clone();
        edited.insert_str(200, "typed");
        let mut deleted = long.clone();
        deleted.replace_range(130..131, "");
        for (old, new) in cases
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .chain([
                (long.clone(), edited),
                (long.clone(), deleted),
                (long.clone(), long.clone()),
            ])
        {
            // Reference: byte by byte.
            let (a, b) = (old.as_bytes(), new.as_bytes());
            let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
            let max = a.len().min(b.len()) - prefix;
            let suffix = a
                .iter()
                .rev()
                .zip(b.iter().rev())
                .take(max)
                .take_while(|(x, y)| x == y)
                .count();
            let diff = Diff::new(&old, &new);
            assert_eq!(
                (diff.prefix, diff.old_suffix, diff.new_suffix),
                (prefix, a.len() - suffix, b.len() - suffix),
                "{old:?} -> {new:?}"
            );
        }
    }

    /// The names of the units checked again for `current` after `previous`, given the names
    /// marked as changed (a caller's function summaries).
    fn rechecked(previous: &str, current: &str, marked: &[&str]) -> Vec<String> {
        let context = Context::default();
        let mut cache = cache_after(previous);
        let syntax = Syntax::parse(Language::Python, current);
        let Syntax::Python(tree) = &syntax else {
            return Vec::new();
        };
        let mut plan = Plan::new(current, tree.into(), &context, &mut cache);
        for name in marked {
            plan.mark_changed(name);
        }
        plan.resolve();
        plan.checked_definitions(current)
    }

    const USES: &str = "import os\nimport json\nfrom django.db.models import Func\n\nLIMIT = 10\n\ndef a(request):\n    return os.getcwd()\n\ndef b(request):\n    return json.dumps(LIMIT)\n\nclass E(Func):\n    template = 'x'\n\nclass F(E):\n    pass\n\ndef c(request):\n    return 1\n";

    #[test]
    fn a_module_level_edit_rechecks_what_mentions_the_names_it_changes() {
        let edited = USES.replace("import os", "import sys");
        assert_eq!(rechecked(USES, &edited, &[]), ["a"]);
        assert_eq!(plan_after(USES, &edited), 4);
        let edited = USES.replace("LIMIT = 10", "LIMIT = 11");
        assert_eq!(rechecked(USES, &edited, &[]), ["b"]);
        // A new statement that names a function (`register.filter(..., c)`): that function.
        let edited = USES.replace("LIMIT = 10\n", "LIMIT = 10\nc.allow_tags = True\n");
        assert_eq!(rechecked(USES, &edited, &[]), ["c"]);
        // A module constant derived from a changed import changes too.
        let derived = USES.replace("LIMIT = 10", "LIMIT = os.cpu_count()");
        let edited = derived.replace("import os", "import os as os");
        assert_eq!(rechecked(&derived, &edited, &[]), ["a", "b"]);
        // A name every check reads: everything.
        let edited = USES.replace("LIMIT = 10", "urlpatterns = []");
        assert_eq!(rechecked(USES, &edited, &[]), ["a", "b", "E", "F", "c"]);
        // Typing a comment or a docstring changes no name.
        let edited = USES.replace(
            "LIMIT = 10\n",
            "LIMIT = 10\n# json os a b\n\"\"\"json\"\"\"\n",
        );
        assert_eq!(rechecked(USES, &edited, &[]), [] as [&str; 0]);
    }

    #[test]
    fn a_header_edit_rechecks_what_names_the_definition() {
        // E's bases: F derives from E (and DJS204 reads that); the body of E alone does not.
        let edited = USES.replace("class E(Func)", "class E(object)");
        assert_eq!(rechecked(USES, &edited, &[]), ["E", "F"]);
        let edited = USES.replace("template = 'x'", "template = 'y'");
        assert_eq!(rechecked(USES, &edited, &[]), ["E"]);
        // Renaming, adding and deleting definitions.
        let edited = USES.replace("def c(", "def d(");
        assert_eq!(rechecked(USES, &edited, &[]), ["d"]);
        let edited = USES.replace("class F(E):\n    pass\n", "");
        assert_eq!(rechecked(USES, &edited, &[]), [] as [&str; 0]);
        let edited = USES.replace(
            "\ndef c(",
            "\ndef b2(request):\n    return b(request)\n\ndef c(",
        );
        // (The edit's common prefix takes `def ` of `def c`: `c` is in the edited middle.)
        assert_eq!(rechecked(USES, &edited, &[]), ["b2", "c"]);
    }

    #[test]
    fn a_marked_name_rechecks_what_mentions_it() {
        let caller = USES.replace("return 1", "return a(request)");
        let edited = caller.replace("os.getcwd()", "os.getcwd() + '/'");
        assert_eq!(rechecked(&caller, &edited, &[]), ["a"]);
        assert_eq!(rechecked(&caller, &edited, &["a"]), ["a", "c"]);
    }

    /// What the module-scoped checks must do for `current` after `previous`, when they read
    /// classes and module-level statements but no function: `Some(names)` of the definitions to
    /// index for a re-check (`[]` when the findings are reused), `None` for a full check.
    fn module_work(previous: &str, current: &str) -> Option<Vec<String>> {
        let context = Context::default();
        let mut cache = cache_after(previous);
        let syntax = Syntax::parse(Language::Python, current);
        let Syntax::Python(tree) = &syntax else {
            return None;
        };
        let reads = |s: Node| {
            crate::semantic::node::definition(s).is_none_or(|d| d.kind() != "function_definition")
        };
        let mut plan = Plan::new(current, tree.into(), &context, &mut cache);
        plan.resolve();
        match plan.module_work(reads, true) {
            ModuleWork::Reuse(_) => Some(Vec::new()),
            ModuleWork::Recheck(statements) => Some(
                statements
                    .iter()
                    .filter(|s| s.kind() == "class_definition")
                    .filter_map(|s| s.child_by_field_name("name"))
                    .map(|n| current[n.byte_range()].to_string())
                    .collect(),
            ),
            ModuleWork::Full => None,
        }
    }

    fn keeps_module_findings(previous: &str, current: &str) -> bool {
        module_work(previous, current).is_some_and(|names| names.is_empty())
    }

    const VIEWS: &str = "from django.views import View\n\n\nclass A(View):\n    def post(self, request):\n        return 1\n\n\ndef f(request):\n    x = 1\n    return x\n\n\nclass B(A):\n    pass\n\n\nclass C(View):\n    pass\n";

    #[test]
    fn an_edit_in_a_class_body_rechecks_it_and_what_names_it() {
        // A is named by B: both are checked again; C is not.
        let edited = VIEWS.replace("return 1", "return 12");
        assert_eq!(
            module_work(VIEWS, &edited),
            Some(vec!["A".into(), "B".into()])
        );
        // B names A: A is indexed (B inherits from it), and only B's findings are new.
        let edited = VIEWS.replace("(A):\n    pass\n", "(A):\n    pass\n    x = 1\n");
        assert_eq!(
            module_work(VIEWS, &edited),
            Some(vec!["A".into(), "B".into()])
        );
        let edited = VIEWS.replace("class C(View):\n    pass", "class C(View):\n    pas");
        assert_eq!(module_work(VIEWS, &edited), Some(vec!["C".into()]));
        // A class body that starts naming another class: that class is checked again (a
        // class's findings may depend on who names it), with its subclass B indexed.
        let edited = VIEWS.replace("class C(View):\n    pass", "class C(View):\n    form = A");
        assert_eq!(
            module_work(VIEWS, &edited),
            Some(vec!["A".into(), "B".into(), "C".into()])
        );
        // A module-level statement: the classes that mention what it changes.
        let edited = VIEWS.replace(
            "from django.views import View",
            "from django.views import View as View",
        );
        assert_eq!(
            module_work(VIEWS, &edited),
            Some(vec!["A".into(), "B".into(), "C".into()])
        );
        let edited = VIEWS.replace("\n\n\ndef f(", "\nLIMIT = 1\n\n\ndef f(");
        assert_eq!(module_work(VIEWS, &edited), Some(vec![]));
    }

    #[test]
    fn an_edit_in_a_function_body_keeps_them() {
        assert!(keeps_module_findings(
            VIEWS,
            &VIEWS.replace("x = 1", "x = 12")
        ));
        assert!(keeps_module_findings(
            VIEWS,
            &VIEWS.replace("x = 1", "x = ")
        ));
        assert!(keeps_module_findings(VIEWS, VIEWS));
        // Renaming a function the checks do not read, that nothing names.
        assert!(keeps_module_findings(
            VIEWS,
            &VIEWS.replace("def f(", "def g(")
        ));
    }

    #[test]
    fn other_edits_do_not() {
        // The class, a module-level statement the classes read.
        assert!(!keeps_module_findings(
            VIEWS,
            &VIEWS.replace("return 1", "return 12")
        ));
        assert!(!keeps_module_findings(
            VIEWS,
            &VIEWS.replace("import View", "import Vie")
        ));
        // An unclosed string in the function swallows what follows: B and C are gone with
        // their findings, nothing is left to check.
        assert_eq!(
            module_work(VIEWS, &VIEWS.replace("x = 1", "x = \"\"\"1")),
            Some(vec![])
        );
    }

    /// A helper's summary changes with its body alone: the views that call it, directly or
    /// through another helper, are checked again (and find what a fresh analysis finds); the
    /// units that call nothing changed keep their findings.
    #[test]
    fn a_changed_summary_rechecks_its_callers_transitively() {
        let before = "from django.utils.safestring import mark_safe\n\ndef clean(x):\n    return 'fixed'\n\ndef wrap(x):\n    return clean(x)\n\ndef other(request):\n    return mark_safe(request.GET['a'])\n\ndef view(request):\n    return mark_safe(wrap(request.GET['q']))\n";
        let after = before.replace("return 'fixed'", "return x");
        let context = Context::default();
        let mut cache = cache_after(before);
        let text: Arc<str> = Arc::from(after.as_str());
        let syntax = Syntax::parse(Language::Python, &after);
        let incremental = analyze_incremental(&text, &syntax, &context, &mut cache);
        let fresh = crate::analysis::analyze(&after, &syntax, &context);
        assert_eq!(incremental, fresh);
        let line_of = |needle: &str| after[..after.find(needle).unwrap_or(0)].lines().count();
        let view_line = line_of("mark_safe(wrap(");
        assert!(
            fresh.iter().any(|f| f.code == "DJS101"
                && after[..f.range.start].lines().count() == view_line
                && f.severity == crate::analysis::Severity::Error),
            "the view passes request data through the helpers: {fresh:?}"
        );
        assert!(
            !crate::analysis::analyze(before, &Syntax::parse(Language::Python, before), &context)
                .iter()
                .any(|f| f.code == "DJS101"
                    && before[..f.range.start].contains("def view")
                    && f.severity == crate::analysis::Severity::Error),
            "before the edit the helper returns a constant"
        );
        // What the plan re-checks: the edited helper and its callers, not `other`.
        let mut cache = cache_after(before);
        let Syntax::Python(tree) = &syntax else {
            return;
        };
        let (_, changed) = cache.summaries(&after, tree.into(), &context);
        assert_eq!(changed, ["clean"]);
        let mut plan = Plan::new(&after, tree.into(), &context, &mut cache);
        plan.mark_summaries_changed(&changed);
        plan.resolve();
        assert_eq!(plan.checked_definitions(&after), ["clean", "wrap", "view"]);
    }

    /// A finding that cites a decorator of the module by its line (`@member_required` (line
    /// 9)) is checked again when the decorator moves, by a body edit above it or a new
    /// module-level statement: the facts keep lines right and a moved decorator counts as
    /// changed.
    #[test]
    fn a_moved_decorator_is_cited_at_its_new_line() {
        let before = "from django.http import HttpResponse\nfrom django.views.decorators.csrf import csrf_exempt\nfrom functools import wraps\nfrom django.shortcuts import redirect\n\ndef helper(x):\n    return x\n\ndef member_required(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if not request.user.is_authenticated:\n            return redirect('login')\n        return view(request, *args, **kwargs)\n    return wrapper\n\n@csrf_exempt\n@member_required\ndef vote(request):\n    Vote.objects.create()\n    return HttpResponse()\n";
        let context = Context::default();
        let edits = [
            before.replace("    return x\n", "    y = 1\n\n    return x\n"),
            before.replace("\ndef helper", "\nX = 1\ndef helper"),
            before.replace("\ndef helper", "\n\n\n\ndef helper"),
        ];
        for after in edits {
            let mut cache = cache_after(before);
            let text: Arc<str> = Arc::from(after.as_str());
            let syntax = Syntax::parse(Language::Python, &after);
            let incremental = analyze_incremental(&text, &syntax, &context, &mut cache);
            let fresh = crate::analysis::analyze(&after, &syntax, &context);
            let line = after[..after.find("def member_required").unwrap_or(0)]
                .lines()
                .count()
                + 1;
            assert!(
                fresh
                    .iter()
                    .any(|f| f.message.contains(&format!("(line {line})"))),
                "{fresh:?}"
            );
            assert_eq!(incremental, fresh, "{after}");
        }
    }
}
