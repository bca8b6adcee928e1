//! Incremental analysis of Python modules: reuse the findings of top-level definitions whose text
//! and position relative to the edit did not change.
//!
//! A module is cut into *units*, its top-level `def`s and `class`es (decorated or not), and
//! *module-level statements* (imports, assignments, everything else). Unit-scoped checks
//! (`rules::PYTHON_CHECKS`) may only look at the unit a finding is in plus module-level
//! statements (imports, module constants). Between two versions, the text has an unchanged
//! prefix and suffix around the edited middle. When the top-level statements before and after
//! the middle are the same in both versions (shifted), and the middle holds only units, the
//! units outside the middle keep their findings (shifted when they are after it); only the units
//! in the middle and the module-level statements are indexed and checked again. An edit that
//! touches a module-level statement or changes how the rest of the module parses, a change of
//! context, or a finding whose fix edits the middle, means a full re-check.
//!
//! Module-scoped checks (`rules::PYTHON_MODULE_CHECKS`) see the whole module, but each says which
//! top-level statements it reads (`ModuleCheck::indexes`). When the edit lies inside the body of
//! one function (the same function in both versions, everything else unchanged) and no check in
//! use reads that function, their previous findings are kept too: typing in a function view of a
//! large module costs the re-check of that one function, not of the module's classes. When it
//! lies inside the body of one class, and the class still names the same classes of the module,
//! checks that declare `ModuleCheck::by_class` run again over that class and the statements
//! that name it (transitively), with the classes those name indexed too
//! ([`references::References`]); their findings elsewhere are kept.
//!
//! Correctness is checked against fresh analysis: the rule test helpers do it for every rule
//! test, and a property test does it over random edit scripts.

mod references;

use std::ops::Range;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use super::context::Context;
use super::finding::Finding;
use crate::project::facts;
use crate::semantic::node;
use crate::syntax::python::{Field, Fields};
use references::References;

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
}

#[derive(Debug, Clone)]
struct State {
    text: Arc<str>,
    context: Context,
    /// The top-level statements, and the unit-scoped findings located in each.
    statements: Vec<TopLevel>,
    findings: Vec<Vec<Finding>>,
    /// The findings of the module-scoped checks, and the references between classes they
    /// depend on (`None` until a full module-scoped analysis computed them).
    module: Vec<Finding>,
    references: Option<References>,
}

impl Cache {
    pub fn clear(&mut self) {
        self.state = None;
    }

    /// The buffer's function facts (summarising only the definitions that changed) and a
    /// resolver over them and the project's. The findings kept from earlier versions are
    /// forgotten when a summary they may have used changed: one of the buffer's own, or an
    /// answer the project index now gives differently.
    pub fn summaries(
        &mut self,
        source: &str,
        tree: &Tree,
        context: &Context,
    ) -> std::rc::Rc<facts::Resolver> {
        let own = self.memo.facts(source, tree, &context.tables);
        let resolver = std::rc::Rc::new(facts::Resolver::new(
            context.project.clone(),
            context.path.as_deref(),
            Arc::clone(&own),
        ));
        let same_own = self.own.as_ref().is_some_and(|o| Arc::ptr_eq(o, &own));
        let same_project = match (&self.project, &context.project) {
            (Some(before), Some(now)) => std::ptr::eq(before.as_ptr(), Arc::as_ptr(now)),
            (None, None) => true,
            _ => false,
        };
        if !same_own || (!same_project && !facts::reads_hold(&self.reads, &resolver)) {
            self.state = None;
            self.reads.clear();
        }
        self.own = Some(own);
        self.project = context.project.as_ref().map(Arc::downgrade);
        resolver
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

/// Where the body of a top-level `def` or `class` starts (decorated or not), and whether it is
/// a `def`; `None` for anything else.
fn definition_body(statement: Node) -> Option<(bool, usize)> {
    let definition = node::definition(statement)?;
    let body = definition.field(Field::Body)?.start_byte();
    Some((definition.kind() == "function_definition", body))
}

/// A top-level statement of one version of the module: where it is and what kind of node.
/// Statements outside the edited middle have the same text in both versions, so the same range
/// (shifted) and kind mean the same statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TopLevel {
    start: usize,
    end: usize,
    kind: u16,
    unit: bool,
}

impl TopLevel {
    fn of(statement: Node) -> TopLevel {
        TopLevel {
            start: statement.start_byte(),
            end: statement.end_byte(),
            kind: statement.kind_id(),
            unit: is_unit(statement),
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
    /// `None` when the statements outside the edit differ (the edit changed how the rest of the
    /// module parses: an unclosed bracket or string, a changed indentation).
    fn new(diff: &Diff, old: &[TopLevel], new: &[TopLevel]) -> Option<Alignment> {
        if diff.unchanged() {
            return (old == new).then_some(Alignment {
                old_middle: old.len()..old.len(),
                new_middle: new.len()..new.len(),
            });
        }
        // A statement that ends just before the edit may still have changed (a deleted last
        // character): the middle is what is not before or after the edit in *both* versions.
        let before = old
            .partition_point(|s| s.end < diff.prefix)
            .min(new.partition_point(|s| s.end < diff.prefix));
        let after = (old.len() - old.partition_point(|s| s.start <= diff.old_suffix))
            .min(new.len() - new.partition_point(|s| s.start <= diff.new_suffix));
        let (after_old, after_new) = (old.len() - after, new.len() - after);
        if before > after_old || before > after_new || old[..before] != new[..before] {
            return None;
        }
        let same_after = old[after_old..]
            .iter()
            .zip(&new[after_new..])
            .all(|(o, n)| o.shifted(diff).as_ref() == Some(n));
        same_after.then_some(Alignment {
            old_middle: before..after_old,
            new_middle: before..after_new,
        })
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

/// The split of a module into units to reuse and statements to check again.
pub struct Plan<'t> {
    /// The current top-level statements, in order.
    nodes: Vec<Node<'t>>,
    statements: Vec<TopLevel>,
    /// For each current statement: `Some(findings)` when its unit-scoped findings are reused
    /// (already mapped).
    reused: Vec<Option<Vec<Finding>>>,
    /// What the module-scoped checks may reuse, and what they did.
    module: ModulePlan<'t>,
    /// Whether the previous version's references between classes still hold for this one
    /// (the module's classes kept their names and mentions).
    references_hold: bool,
}

/// What the module-scoped checks of the previous version leave to this one.
enum ModulePlan<'t> {
    /// Nothing: check the whole module.
    Full,
    /// Only one function body changed (`edited`; or nothing at all): every finding stays,
    /// mapped, unless a check reads that function.
    Unchanged {
        findings: Vec<Finding>,
        edited: Option<Node<'t>>,
    },
    /// Only one class body changed, and it mentions the same classes as before: check again the
    /// statements whose findings may depend on it (`check`), indexing also what they mention
    /// (`index`); the findings located elsewhere stay, mapped (`kept`).
    Class {
        check: Vec<bool>,
        index: Vec<bool>,
        kept: Vec<Finding>,
    },
    /// The checks ran over the whole module (for [`Plan::finish`]).
    Computed,
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
    pub fn new(text: &str, tree: &'t Tree, context: &Context, cache: &Cache) -> Plan<'t> {
        let root = tree.root_node();
        let mut cursor = root.walk();
        let nodes: Vec<Node<'t>> = root.children(&mut cursor).collect();
        let statements: Vec<TopLevel> = nodes.iter().map(|n| TopLevel::of(*n)).collect();
        let mut plan = Plan {
            reused: vec![None; nodes.len()],
            nodes,
            statements,
            module: ModulePlan::Full,
            references_hold: false,
        };
        let Some(prev) = cache.state.as_ref().filter(|p| p.context.same_as(context)) else {
            return plan;
        };
        let diff = Diff::new(&prev.text, text);
        let Some(alignment) = Alignment::new(&diff, &prev.statements, &plan.statements) else {
            return plan;
        };
        let old_middle = &prev.statements[alignment.old_middle.clone()];
        let new_middle = &plan.statements[alignment.new_middle.clone()];
        if old_middle.iter().chain(new_middle).any(|s| !s.unit) {
            // A module-level statement changed: every unit may see it.
            return plan;
        }
        for (old, findings) in prev.findings.iter().enumerate() {
            if let Some(new) = alignment.new_index(old)
                && plan.statements[new].unit
            {
                plan.reused[new] = findings.iter().map(|f| mapped(f, &diff)).collect();
            }
        }
        // The module-scoped checks' findings may stay when nothing but one definition's body
        // changed. The old and new definition have the same text up to the edit, so the same
        // header (name, bases, decorators) when the body starts before the edit; and the
        // statements are the same, so they keep their positions in the list.
        let edited = match (old_middle, new_middle) {
            ([], []) => Some(None),
            ([old], [new]) if old.start == new.start && old.kind == new.kind => {
                let i = alignment.new_middle.start;
                definition_body(plan.nodes[i])
                    .filter(|(_, body)| *body < diff.prefix)
                    .map(|(function, _)| Some((i, function)))
            }
            _ => None,
        };
        plan.module = match edited {
            None => ModulePlan::Full,
            Some(None) | Some(Some((_, true))) => {
                plan.references_hold = true;
                let findings: Option<Vec<Finding>> =
                    prev.module.iter().map(|f| mapped(f, &diff)).collect();
                findings.map_or(ModulePlan::Full, |findings| ModulePlan::Unchanged {
                    findings,
                    edited: edited.flatten().map(|(i, _)| plan.nodes[i]),
                })
            }
            Some(Some((i, false))) => {
                let class = text.get(plan.nodes[i].byte_range()).unwrap_or("");
                match class_plan(prev, &plan.statements, i, class, &diff) {
                    Some(class_plan) => {
                        plan.references_hold = true;
                        class_plan
                    }
                    None => ModulePlan::Full,
                }
            }
        };
        plan
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

    /// How many units were reused.
    #[cfg(test)]
    pub fn reused_units(&self) -> usize {
        self.reused.iter().filter(|r| r.is_some()).count()
    }

    /// What the module-scoped checks must do for this version. `reads` says whether a check in
    /// use reads a top-level statement; `by_class` whether every check in use depends only on
    /// the classes a class mentions and that mention it (`rules::ModuleCheck::by_class`).
    pub fn module_work(&mut self, reads: impl Fn(Node) -> bool, by_class: bool) -> ModuleWork<'t> {
        match &self.module {
            ModulePlan::Unchanged { findings, edited } if !edited.is_some_and(&reads) => {
                return ModuleWork::Reuse(findings.clone());
            }
            ModulePlan::Class { index, .. } if by_class => {
                let statements = self
                    .nodes
                    .iter()
                    .zip(index)
                    .filter(|(n, index)| **index && reads(**n))
                    .map(|(n, _)| *n)
                    .collect();
                return ModuleWork::Recheck(statements);
            }
            _ => {}
        }
        self.module = ModulePlan::Computed;
        ModuleWork::Full
    }

    /// The module-scoped findings after a [`ModuleWork::Recheck`]: the fresh ones located in the
    /// statements checked again, and the kept ones.
    pub fn merge_module(&self, fresh: Vec<Finding>) -> Vec<Finding> {
        let ModulePlan::Class { check, kept, .. } = &self.module else {
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
    /// with the reused ones, and remember them and the module-scoped findings for the next
    /// analysis.
    pub fn finish(
        self,
        text: &Arc<str>,
        context: &Context,
        fresh: Vec<Finding>,
        module: &[Finding],
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
        // After a full module-scoped analysis, the references between classes are computed
        // again (a scan of the text), for the next edit inside a class.
        let references = match self.module {
            ModulePlan::Computed => Some(References::new(&self.nodes, text)),
            _ if self.references_hold => cache.state.take().and_then(|s| s.references),
            _ => None,
        };
        cache.state = Some(Box::new(State {
            text: Arc::clone(text),
            context: context.clone(),
            statements: self.statements,
            findings: per_statement,
            module: module.to_vec(),
            references,
        }));
        all
    }
}

/// The top-level statement that contains a byte.
fn statement_at(statements: &[TopLevel], byte: usize) -> Option<usize> {
    statements
        .partition_point(|s| s.start <= byte)
        .checked_sub(1)
        .filter(|&i| byte < statements[i].end)
}

/// [`ModulePlan::Class`] for an edit inside the body of class `i` (its new text `class`): `None`
/// when the previous version has no references, or the class now names other classes.
fn class_plan<'t>(
    prev: &State,
    statements: &[TopLevel],
    i: usize,
    class: &str,
    diff: &Diff,
) -> Option<ModulePlan<'t>> {
    let references = prev.references.as_ref()?;
    if references.mentions_in(i, class) != references.mentions(i) {
        return None;
    }
    let check = references.dependents(i);
    let checked: Vec<usize> = (0..check.len()).filter(|&j| check[j]).collect();
    let mut index = references.needed_by(&checked);
    for (j, statement) in statements.iter().enumerate() {
        index[j] |= !statement.unit;
    }
    // The findings of the statements not checked again, located by the old statements (the
    // same list, shifted).
    let mut kept = Vec::new();
    for finding in &prev.module {
        let at = statement_at(&prev.statements, finding.range.start)?;
        if !check[at] {
            kept.push(mapped(finding, diff)?);
        }
    }
    Some(ModulePlan::Class { check, index, kept })
}

/// A finding of the old text located in the new one; `None` if any of its offsets (its range,
/// its fix's edits or its data-flow steps) falls in the edited middle.
fn mapped(finding: &Finding, diff: &Diff) -> Option<Finding> {
    let map_range = |r: &Range<usize>| Some(diff.map(r.start)?..diff.map(r.end)?);
    let mut f = finding.clone();
    f.range = map_range(&finding.range)?;
    if let Some(fix) = f.fix.as_mut() {
        for edit in &mut fix.edits {
            edit.range = map_range(&edit.range)?;
        }
    }
    for step in &mut f.steps {
        step.range = map_range(&step.range)?;
    }
    Some(f)
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
        let cache = cache_after(previous);
        let syntax = Syntax::parse(Language::Python, current);
        let Syntax::Python(tree) = &syntax else {
            return usize::MAX;
        };
        Plan::new(current, tree, &context, &cache).reused_units()
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

    #[test]
    fn a_module_level_edit_or_new_context_rechecks_everything() {
        let edited = MODULE.replace("import os", "import sys");
        assert_eq!(plan_after(MODULE, &edited), 0);
    }

    /// What the module-scoped checks must do for `current` after `previous`, when they read
    /// classes and module-level statements but no function: `Some(names)` of the definitions to
    /// index for a re-check (`[]` when the findings are reused), `None` for a full check.
    fn module_work(previous: &str, current: &str) -> Option<Vec<String>> {
        let context = Context::default();
        let cache = cache_after(previous);
        let syntax = Syntax::parse(Language::Python, current);
        let Syntax::Python(tree) = &syntax else {
            return None;
        };
        let reads = |s: Node| !matches!(definition_body(s), Some((true, _)));
        match Plan::new(current, tree, &context, &cache).module_work(reads, true) {
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
        // A class body that starts naming another class: everything again.
        let edited = VIEWS.replace("class C(View):\n    pass", "class C(View):\n    form = A");
        assert_eq!(module_work(VIEWS, &edited), None);
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
    }

    #[test]
    fn other_edits_do_not() {
        // The class, the function's name, a module-level statement.
        assert!(!keeps_module_findings(
            VIEWS,
            &VIEWS.replace("return 1", "return 12")
        ));
        assert!(!keeps_module_findings(
            VIEWS,
            &VIEWS.replace("def f(", "def g(")
        ));
        assert!(!keeps_module_findings(
            VIEWS,
            &VIEWS.replace("import View", "import Vie")
        ));
        // An unclosed bracket in the function swallows what follows.
        assert!(!keeps_module_findings(
            VIEWS,
            &VIEWS.replace("x = 1", "x = (1")
        ));
    }
}
