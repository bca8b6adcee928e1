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
//! large module costs the re-check of that one function, not of the module's classes.
//!
//! Correctness is checked against fresh analysis: the rule test helpers do it for every rule
//! test, and a property test does it over random edit scripts.

use std::ops::Range;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use super::context::Context;
use super::finding::Finding;

/// What a previous analysis of the same document left behind.
#[derive(Debug, Default, Clone)]
pub struct Cache {
    state: Option<State>,
}

#[derive(Debug, Clone)]
struct State {
    text: Arc<str>,
    context: Context,
    /// The top-level statements, and the unit-scoped findings located in each.
    statements: Vec<TopLevel>,
    findings: Vec<Vec<Finding>>,
    /// The findings of the module-scoped checks.
    module: Vec<Finding>,
}

impl Cache {
    pub fn clear(&mut self) {
        self.state = None;
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

/// Where the body of a top-level `def` starts (decorated or not); `None` for anything else.
fn function_body(statement: Node) -> Option<usize> {
    let definition = if statement.kind() == "decorated_definition" {
        statement.child_by_field_name("definition")?
    } else {
        statement
    };
    if definition.kind() != "function_definition" {
        return None;
    }
    Some(definition.child_by_field_name("body")?.start_byte())
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
    /// The module-scoped findings of the previous version, mapped, when the edit left the
    /// module as it was outside one function body (`edited`) or changed nothing at all.
    module: Option<Vec<Finding>>,
    edited: Option<Node<'t>>,
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
            module: None,
            edited: None,
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
        // The module-scoped checks' findings stay when nothing but one function body changed
        // (and no check in use reads that function: see `Plan::module_findings`). The old and
        // new function have the same text up to the edit, so the same header when the body
        // starts before the edit.
        let edited = match (old_middle, new_middle) {
            ([], []) => Some(None),
            ([old], [new]) if old.start == new.start && old.kind == new.kind => {
                let i = alignment.new_middle.start;
                function_body(plan.nodes[i])
                    .filter(|body| *body < diff.prefix)
                    .map(|_| Some(plan.nodes[i]))
            }
            _ => None,
        };
        if let Some(edited) = edited {
            plan.module = prev
                .module
                .iter()
                .map(|f| mapped(f, &diff))
                .collect::<Option<Vec<_>>>();
            plan.edited = edited;
        }
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

    /// How many units were reused (for tests and logs).
    pub fn reused_units(&self) -> usize {
        self.reused.iter().filter(|r| r.is_some()).count()
    }

    /// The module-scoped findings of the previous version, still valid when every check in use
    /// skips the top-level statement that was edited (`reads` says whether a check reads one);
    /// `None` when they must be computed again.
    pub fn module_findings(&self, reads: impl Fn(Node) -> bool) -> Option<Vec<Finding>> {
        let findings = self.module.as_ref()?;
        if self.edited.is_some_and(reads) {
            return None;
        }
        Some(findings.clone())
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
            let at = self
                .statements
                .partition_point(|s| s.start <= finding.range.start)
                .checked_sub(1)
                .filter(|&i| finding.range.start < self.statements[i].end);
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
        cache.state = Some(State {
            text: Arc::clone(text),
            context: context.clone(),
            statements: self.statements,
            findings: per_statement,
            module: module.to_vec(),
        });
        all
    }
}

/// A finding of the old text located in the new one; `None` if any of its offsets (its range or
/// its fix's edits) falls in the edited middle.
fn mapped(finding: &Finding, diff: &Diff) -> Option<Finding> {
    let map_range = |r: &Range<usize>| Some(diff.map(r.start)?..diff.map(r.end)?);
    let mut f = finding.clone();
    f.range = map_range(&finding.range)?;
    if let Some(fix) = f.fix.as_mut() {
        for edit in &mut fix.edits {
            edit.range = map_range(&edit.range)?;
        }
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze_incremental;
    use crate::syntax::{Language, Syntax};

    fn plan_after(previous: &str, current: &str) -> usize {
        let context = Context::default();
        let mut cache = Cache::default();
        let prev: Arc<str> = Arc::from(previous);
        let _ = analyze_incremental(
            &prev,
            &Syntax::parse(Language::Python, previous),
            &context,
            &mut cache,
        );
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
}
#[cfg(test)]
mod module_reuse_tests {
    use super::*;
    use crate::analysis::analyze_incremental;
    use crate::syntax::{Language, Syntax};

    /// Whether the module-scoped findings of `previous` are kept for `current`, when the checks
    /// read classes and module-level statements but no function.
    fn keeps_module_findings(previous: &str, current: &str) -> bool {
        let context = Context::default();
        let mut cache = Cache::default();
        let prev: Arc<str> = Arc::from(previous);
        let _ = analyze_incremental(
            &prev,
            &Syntax::parse(Language::Python, previous),
            &context,
            &mut cache,
        );
        let syntax = Syntax::parse(Language::Python, current);
        let Syntax::Python(tree) = &syntax else {
            return false;
        };
        Plan::new(current, tree, &context, &cache)
            .module_findings(|s| function_body(s).is_none())
            .is_some()
    }

    const VIEWS: &str = "from django.views import View\n\n\nclass A(View):\n    def post(self, request):\n        return 1\n\n\ndef f(request):\n    x = 1\n    return x\n\n\nclass B(A):\n    pass\n";

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
