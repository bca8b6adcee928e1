//! Incremental analysis of Python modules: reuse the findings of top-level definitions whose text
//! and position relative to the edit did not change.
//!
//! A module is cut into *units*, its top-level `def`s and `class`es (decorated or not), and
//! *module-level statements* (imports, assignments, everything else). Unit-scoped checks
//! (`rules::PYTHON_CHECKS`) may only look at the unit a finding is in plus module-level
//! statements (imports, module constants). Between two versions, the text has an unchanged
//! prefix and suffix around the edited middle. A unit that lies strictly inside the prefix or the
//! suffix, and had exactly the corresponding range before, keeps its findings (shifted when it is
//! in the suffix); only the other units and the module-level statements are indexed and checked
//! again. An edit that touches a module-level statement, a change of context, or a finding whose
//! fix edits the middle, means a full re-check. Module-scoped checks
//! (`rules::PYTHON_MODULE_CHECKS`) always run over the whole module.
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
    /// Units by start offset, with the findings located in them.
    units: Vec<(Range<usize>, Vec<Finding>)>,
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

    /// The new offset of an old offset outside the edited middle (strictly).
    fn map(&self, old: usize) -> Option<usize> {
        if old < self.prefix {
            Some(old)
        } else if old > self.old_suffix {
            Some(old - self.old_suffix + self.new_suffix)
        } else if old == self.old_suffix && self.old_suffix == self.prefix {
            // Nothing changed at all.
            Some(old)
        } else {
            None
        }
    }

    /// Whether a new range lies strictly outside the edited middle.
    fn untouched(&self, new: &Range<usize>) -> bool {
        new.end < self.prefix
            || new.start > self.new_suffix
            || (self.prefix == self.new_suffix && self.prefix == self.old_suffix)
    }

    /// The old range of a new range that [`Diff::untouched`] accepts. (A pure deletion also has
    /// `prefix == new_suffix`: ranges after it must still shift back by what was deleted.)
    fn old_range(&self, new: &Range<usize>) -> Range<usize> {
        if new.end < self.prefix {
            new.clone()
        } else {
            // Add first: with nothing changed, `new.start` may lie before `new_suffix`.
            new.start + self.old_suffix - self.new_suffix
                ..new.end + self.old_suffix - self.new_suffix
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

/// The split of a module into units to reuse and statements to check again.
pub struct Plan {
    /// Byte ranges of the current units, in order.
    units: Vec<Range<usize>>,
    /// For each current unit: `Some(findings)` when they are reused (already mapped).
    reused: Vec<Option<Vec<Finding>>>,
}

impl Plan {
    pub fn new(text: &str, tree: &Tree, context: &Context, cache: &Cache) -> Plan {
        let root = tree.root_node();
        let mut cursor = root.walk();
        let mut units = Vec::new();
        let mut module_statements = Vec::new();
        for statement in root.children(&mut cursor) {
            if is_unit(statement) {
                units.push(statement.byte_range());
            } else {
                module_statements.push(statement.byte_range());
            }
        }
        let mut reused = vec![None; units.len()];
        let prev = cache.state.as_ref().filter(|p| p.context.same_as(context));
        if let Some(prev) = prev {
            let diff = Diff::new(&prev.text, text);
            if module_statements.iter().all(|r| diff.untouched(r)) {
                for (i, unit) in units.iter().enumerate() {
                    if !diff.untouched(unit) {
                        continue;
                    }
                    let old = diff.old_range(unit);
                    let Ok(j) = prev
                        .units
                        .binary_search_by_key(&old.start, |(r, _)| r.start)
                    else {
                        continue;
                    };
                    if prev.units[j].0 != old {
                        continue;
                    }
                    reused[i] = prev.units[j]
                        .1
                        .iter()
                        .map(|f| mapped(f, &diff))
                        .collect::<Option<Vec<_>>>();
                }
            }
        }
        Plan { units, reused }
    }

    /// Whether the top-level statement must be indexed and checked again.
    pub fn must_check(&self, statement: Node) -> bool {
        if !is_unit(statement) {
            return true;
        }
        match self
            .units
            .binary_search_by_key(&statement.start_byte(), |r| r.start)
        {
            Ok(i) => self.reused[i].is_none(),
            Err(_) => true,
        }
    }

    /// How many units were reused (for tests and logs).
    pub fn reused_units(&self) -> usize {
        self.reused.iter().filter(|r| r.is_some()).count()
    }

    /// Merge fresh findings (from module-level statements and re-checked units) with the reused
    /// ones, and remember them for the next analysis.
    pub fn finish(
        self,
        text: &Arc<str>,
        context: &Context,
        fresh: Vec<Finding>,
        cache: &mut Cache,
    ) -> Vec<Finding> {
        let mut per_unit: Vec<Vec<Finding>> = vec![Vec::new(); self.units.len()];
        let mut all = Vec::with_capacity(fresh.len());
        for finding in fresh {
            let unit = self
                .units
                .partition_point(|r| r.start <= finding.range.start)
                .checked_sub(1)
                .filter(|&i| finding.range.start < self.units[i].end);
            if let Some(i) = unit.filter(|&i| self.reused[i].is_none()) {
                per_unit[i].push(finding.clone());
            }
            all.push(finding);
        }
        for (i, reused) in self.reused.into_iter().enumerate() {
            if let Some(findings) = reused {
                all.extend(findings.iter().cloned());
                per_unit[i] = findings;
            }
        }
        cache.state = Some(State {
            text: Arc::clone(text),
            context: context.clone(),
            units: self.units.into_iter().zip(per_unit).collect(),
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
