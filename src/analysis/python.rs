//! Running the Python rules over one module.

use std::cell::RefCell;

use tree_sitter::Node;

use super::context::Context;
use super::finding::{Edit, Finding};
use crate::semantic::{Imports, Index, Model, node};
use crate::syntax::python::{Field, Fields, ModuleTree};

/// The state the Python rules share while checking one module.
pub struct PyChecker<'a> {
    pub model: Model<'a>,
    pub context: &'a Context,
    findings: Vec<Finding>,
    /// The [`PyChecker::ensure_import`] questions asked, with their answers: a fix that adds an
    /// import depends on the module's imports and definitions, which incremental analysis asks
    /// again after an edit of them.
    imports_asked: RefCell<Vec<ImportAsked>>,
}

/// One [`PyChecker::ensure_import`] question and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportAsked {
    pub module: Box<str>,
    pub name: Box<str>,
    pub answer: Option<(String, Option<Edit>)>,
}

impl<'a> PyChecker<'a> {
    pub fn new(
        source: &'a str,
        tree: impl Into<ModuleTree<'a>>,
        context: &'a Context,
    ) -> PyChecker<'a> {
        let tree = tree.into();
        PyChecker::with_index(source, tree, context, Index::build(tree, source))
    }

    /// A checker over part of the module (incremental analysis; see `analysis::incremental`).
    pub fn with_index(
        source: &'a str,
        tree: impl Into<ModuleTree<'a>>,
        context: &'a Context,
        index: Index<'a>,
    ) -> PyChecker<'a> {
        let mut model = Model::with_index(source, tree, &context.tables, index);
        model.routing =
            crate::semantic::Routing::of(context.project.as_deref(), context.path.as_deref());
        PyChecker {
            model,
            context,
            findings: Vec::new(),
            imports_asked: RefCell::new(Vec::new()),
        }
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// The findings, and the [`PyChecker::ensure_import`] questions asked on the way.
    pub fn into_parts(self) -> (Vec<Finding>, Vec<ImportAsked>) {
        (self.findings, self.imports_asked.into_inner())
    }

    pub fn source(&self) -> &'a str {
        self.model.source
    }

    /// Make `name` from `module` available: returns the local name to use and the edit that adds
    /// the import, if one is needed. `None` when the name is taken by something else.
    pub fn ensure_import(&self, module: &str, name: &str) -> Option<(String, Option<Edit>)> {
        let top = self.model.tree.named_top_level();
        let src = self.source();
        let defines = |name: &str| defines_top_level(src, &top, name);
        let answer = import_answer(src, &top, &self.model.imports, &defines, module, name);
        if let Ok(mut asked) = self.imports_asked.try_borrow_mut()
            && !asked
                .iter()
                .any(|a| &*a.module == module && &*a.name == name)
        {
            asked.push(ImportAsked {
                module: module.into(),
                name: name.into(),
                answer: answer.clone(),
            });
        }
        answer
    }
}

/// [`PyChecker::ensure_import`]'s answer for a module whose module-level imports are `imports`,
/// whose top-level definitions `defines` tells by name, and whose named top-level statements are
/// `top` (those other than definitions are enough, with the first statement when it is one).
pub fn import_answer(
    src: &str,
    top: &[Node],
    imports: &Imports,
    defines: &dyn Fn(&str) -> bool,
    module: &str,
    name: &str,
) -> Option<(String, Option<Edit>)> {
    let qualified = format!("{module}.{name}");
    if let Some(local) = imports.local_name_of(&qualified) {
        return Some((local.to_string(), None));
    }
    if imports.is_bound(name) || defines(name) {
        return None;
    }
    Some((name.to_string(), Some(import_edit(src, top, module, name))))
}

fn defines_top_level(src: &str, top: &[Node], name: &str) -> bool {
    top.iter().any(|statement| {
        node::definition(*statement)
            .and_then(|d| d.field(Field::Name))
            .is_some_and(|id| node::text(id, src) == name)
    })
}

/// The edit adding `from module import name`: extends an existing plain
/// `from module import a, b` at module level, or adds a line after the last top-level import
/// (or after the docstring and `__future__` imports when there is none).
fn import_edit(src: &str, top: &[Node], module: &str, name: &str) -> Edit {
    for stmt in top {
        if stmt.kind() != "import_from_statement" {
            continue;
        }
        let same_module = stmt
            .field(Field::ModuleName)
            .is_some_and(|m| node::text(m, src).split_whitespace().collect::<String>() == module);
        let stmt_text = node::text(*stmt, src);
        if same_module
            && !stmt_text.contains('(')
            && !stmt_text.contains('\\')
            && !stmt_text.contains('*')
        {
            return Edit::insert(stmt.end_byte(), format!(", {name}"));
        }
    }
    let line = format!("from {module} import {name}\n");
    let last_import = top
        .iter()
        .filter(|s| {
            matches!(
                s.kind(),
                "import_statement" | "import_from_statement" | "future_import_statement"
            )
        })
        .rfind(|s| s.start_position().column == 0);
    if let Some(stmt) = last_import {
        let end = line_end_after(src, stmt.end_byte());
        let prefix = if end == src.len() && !src.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        return Edit::insert(end, format!("{prefix}{line}"));
    }
    // No imports: after a module docstring, else at the top (after leading comments).
    let first_code = top.iter().find(|s| s.kind() != "comment");
    match first_code {
        Some(doc)
            if doc.kind() == "expression_statement"
                && doc.named_child(0).is_some_and(|c| c.kind() == "string") =>
        {
            let end = line_end_after(src, doc.end_byte());
            let prefix = if end == src.len() && !src.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            Edit::insert(end, format!("{prefix}{line}"))
        }
        Some(stmt) => Edit::insert(node::line_start(src, stmt.start_byte()), line),
        None => Edit::insert(src.len(), line),
    }
}

/// The byte just after the end of the line containing `byte` (or the end of the text).
fn line_end_after(src: &str, byte: usize) -> usize {
    let byte = byte.min(src.len());
    src[byte..].find('\n').map_or(src.len(), |i| byte + i + 1)
}

/// The comments that hold a `djsec:` directive, found by a text search (the index may cover only
/// part of the module) and confirmed against the tree.
pub fn suppression_comments(source: &str, tree: ModuleTree) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    // memmem is vectorised: this scan runs over the whole buffer on every keystroke.
    for at in memchr::memmem::find_iter(source.as_bytes(), b"djsec:") {
        if out.last().is_some_and(|r| r.contains(&at)) {
            continue;
        }
        let comment = tree
            .descendant_for_byte_range(at, at)
            .filter(|n| n.kind() == "comment");
        if let Some(c) = comment {
            out.push(c.byte_range());
        }
    }
    out
}

/// One name a module-level import binds.
struct Imported<'t> {
    /// The statement (`import x` / `from m import x, y`).
    statement: Node<'t>,
    /// The name's node in the statement (`dotted_name` or `aliased_import`).
    node: Node<'t>,
    /// The name it binds locally.
    local: String,
}

/// The names module-level imports bind (not `from m import *`, not `__future__`).
fn module_imports<'t>(source: &str, tree: ModuleTree<'t>) -> Vec<Imported<'t>> {
    let mut out = Vec::new();
    for statement in tree.named_top_level() {
        let from = match statement.kind() {
            "import_from_statement" => true,
            "import_statement" => false,
            _ => continue,
        };
        let mut names = statement.walk();
        for name in statement.children_by_field_name("name", &mut names) {
            let local = match name.kind() {
                "aliased_import" => name.field(Field::Alias).map(|a| node::text(a, source)),
                "dotted_name" if from => Some(node::text(name, source)),
                "dotted_name" => node::text(name, source).split('.').next(),
                _ => None,
            };
            if let Some(local) = local.map(str::trim).filter(|l| !l.is_empty()) {
                out.push(Imported {
                    statement,
                    node: name,
                    local: local.to_string(),
                });
            }
        }
    }
    out
}

/// Whether `text` has `word` as a whole identifier.
fn has_word(text: &str, word: &str) -> bool {
    word_positions(text, word).next().is_some()
}

fn word_positions<'s>(text: &'s str, word: &'s str) -> impl Iterator<Item = usize> + 's {
    memchr::memmem::find_iter(text.as_bytes(), word.as_bytes())
        .filter(move |&at| is_whole_word(text, at, word))
}

/// Whether the occurrence of `word` at `at` in `text` is not part of a longer identifier.
fn is_whole_word(text: &str, at: usize, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let before = text.get(..at).and_then(|t| t.chars().next_back());
    let after = text.get(at + word.len()..).and_then(|t| t.chars().next());
    !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
}

/// A fix that replaces the last use of an imported name also removes the import (Ruff's F401
/// would otherwise report it on the user's file). Runs over the findings of a whole analysis —
/// full or incremental, since whether a use is the last depends on the whole module — and
/// leaves fixes that keep every name used untouched.
///
/// A name is removed when the fix's edits replace text that uses it, no new text uses it, and
/// every other occurrence of the word in the module is inside its own import statement (a
/// mention in a comment, a string or `__all__` keeps it). An import line the fix extends
/// (`ensure_import` appending `, format_html`) is rewritten as one edit.
pub fn tidy_fix_imports(source: &str, tree: ModuleTree, findings: &mut [Finding]) {
    tidy_fix_imports_with(source, tree, findings, &mut Words::default());
}

/// [`tidy_fix_imports`] with the positions of the imported names kept from the previous
/// version of the buffer (`words`, brought up to date by [`Words::advance`]).
pub fn tidy_fix_imports_with(
    source: &str,
    tree: ModuleTree,
    findings: &mut [Finding],
    words: &mut Words,
) {
    let mut imports: Option<Vec<Imported>> = None;
    for finding in findings.iter_mut() {
        let Some(fix) = finding.fix.as_mut() else {
            continue;
        };
        if fix.edits.iter().all(|e| e.range.is_empty()) {
            continue;
        }
        let imports = imports.get_or_insert_with(|| module_imports(source, tree));
        if imports.is_empty() {
            return;
        }
        tidy_fix(source, imports, fix, words);
    }
}

/// The whole-word occurrences ([`word_positions`]) of the names [`tidy_fix_imports`] asked
/// about, for one version of a buffer. Finding them scans the whole text, once per imported
/// name a fix replaces: on a large module that is most of a keystroke's cost, so an incremental
/// analysis keeps them and, after an edit, scans again only around the edited bytes.
#[derive(Debug, Default, Clone)]
pub struct Words {
    /// The length of the text the positions are for (with `advance`'s check of the edit).
    len: Option<usize>,
    positions: std::collections::HashMap<String, Vec<usize>>,
}

/// Past this many words the kept positions are dropped (each costs a little per edit).
const MAX_WORDS: usize = 256;

impl Words {
    /// Bring the positions to a new version of the text: `edit` is the previous version's
    /// unchanged prefix length and where the unchanged suffix starts in the previous and the
    /// new text (`None`: unknown, forget everything). Positions around the edit are dropped and
    /// found again on the next ask.
    pub fn advance(&mut self, text: &str, edit: Option<(usize, usize, usize)>) {
        let (Some(old_len), Some((prefix, old_suffix, new_suffix))) = (self.len, edit) else {
            self.positions.clear();
            self.len = Some(text.len());
            return;
        };
        let consistent = prefix <= old_suffix
            && old_suffix <= old_len
            && prefix <= new_suffix
            && new_suffix <= text.len()
            && old_len - old_suffix == text.len() - new_suffix;
        if !consistent || self.positions.len() > MAX_WORDS {
            self.positions.clear();
            self.len = Some(text.len());
            return;
        }
        let bytes = text.as_bytes();
        for (word, positions) in &mut self.positions {
            let reach = word.len() + 4;
            let mut kept: Vec<usize> = positions
                .iter()
                .filter_map(|&p| {
                    if p + reach <= prefix {
                        Some(p)
                    } else if p >= old_suffix + 4 {
                        Some(p - old_suffix + new_suffix)
                    } else {
                        None
                    }
                })
                .collect();
            // What the edit may have made or unmade: the occurrences that overlap the edited
            // bytes or touch them (a neighbouring character decides a whole word).
            let start = prefix.saturating_sub(reach);
            let end = new_suffix.saturating_add(reach).min(bytes.len());
            if let Some(region) = bytes.get(start..end) {
                kept.extend(
                    memchr::memmem::find_iter(region, word.as_bytes())
                        .map(|at| start + at)
                        .filter(|&at| is_whole_word(text, at, word)),
                );
            }
            kept.sort_unstable();
            kept.dedup();
            *positions = kept;
        }
        self.len = Some(text.len());
    }

    /// The whole-word occurrences of `word` in `text` (the text of the last `advance`).
    fn of(&mut self, text: &str, word: &str) -> &[usize] {
        if self.len != Some(text.len()) {
            self.positions.clear();
            self.len = Some(text.len());
        }
        self.positions
            .entry(word.to_string())
            .or_insert_with(|| word_positions(text, word).collect())
    }
}

/// The identifiers of `text` (maximal runs of alphanumeric characters and `_`): `word` is one
/// of them exactly when [`has_word`] finds it (cheaper for many words over a short text).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

fn tidy_fix(source: &str, imports: &[Imported], fix: &mut super::finding::Fix, words: &mut Words) {
    let replaced: Vec<std::ops::Range<usize>> = fix
        .edits
        .iter()
        .filter(|e| !e.range.is_empty())
        .map(|e| e.range.clone())
        .collect();
    let replaced_words: std::collections::HashSet<&str> = replaced
        .iter()
        .filter_map(|r| source.get(r.clone()))
        .flat_map(identifiers)
        .collect();
    let unused: Vec<&Imported> = imports
        .iter()
        .filter(|i| {
            replaced_words.contains(i.local.as_str())
                && !fix.edits.iter().any(|e| has_word(&e.new_text, &i.local))
                && words.of(source, &i.local).iter().all(|&at| {
                    let in_import = i.statement.byte_range().contains(&at);
                    let in_replaced = replaced.iter().any(|r| r.contains(&at));
                    in_import || in_replaced
                })
        })
        .collect();
    if unused.is_empty() {
        return;
    }
    let mut statements: Vec<Node> = unused.iter().map(|i| i.statement).collect();
    statements.dedup_by_key(|s| s.start_byte());
    for statement in statements {
        let range = statement.byte_range();
        // The edits of the fix that touch the statement: only an insertion at its end that
        // appends names (`, format_html`) can be merged.
        let touching: Vec<usize> = fix
            .edits
            .iter()
            .enumerate()
            .filter(|(_, e)| e.range.start <= range.end && range.start <= e.range.end)
            .map(|(i, _)| i)
            .collect();
        let mut appended: Vec<String> = Vec::new();
        let mut absorbed: Vec<usize> = Vec::new();
        let mut mergeable = true;
        for i in touching {
            let edit = &fix.edits[i];
            match edit.new_text.strip_prefix(", ") {
                Some(names) if edit.range.is_empty() && edit.range.start == range.end => {
                    appended.extend(names.split(", ").map(str::to_string));
                    absorbed.push(i);
                }
                _ => mergeable = false,
            }
        }
        if !mergeable {
            continue;
        }
        let names: Vec<Node> = imports
            .iter()
            .filter(|i| i.statement == statement)
            .map(|i| i.node)
            .collect();
        let kept: Vec<String> = names
            .iter()
            .filter(|n| !unused.iter().any(|u| u.node == **n))
            .map(|n| node::text(*n, source).to_string())
            .chain(appended)
            .collect();
        let edit = if kept.is_empty() {
            // The whole line goes, when the statement is alone on it.
            let start = node::line_start(source, range.start);
            let end = line_end_after(source, range.end);
            let before = source.get(start..range.start).unwrap_or("x");
            let after = source.get(range.end..end).unwrap_or("x").trim();
            if !before.trim().is_empty() || !(after.is_empty() || after.starts_with('#')) {
                continue;
            }
            Edit::delete(start..end)
        } else {
            let (Some(first), Some(last)) = (names.first(), names.last()) else {
                continue;
            };
            let region = first.start_byte()..last.end_byte();
            if source.get(region.clone()).is_none_or(|t| t.contains('#')) {
                continue;
            }
            let separator = match names.get(1) {
                Some(second) => source
                    .get(first.end_byte()..second.start_byte())
                    .filter(|s| s.trim() == ",")
                    .unwrap_or(", "),
                None => ", ",
            };
            Edit::replace(region, kept.join(separator))
        };
        absorbed.sort_unstable();
        for i in absorbed.into_iter().rev() {
            fix.edits.remove(i);
        }
        fix.edits.push(edit);
    }
    fix.edits.sort_by_key(|e| (e.range.start, e.range.end));
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, findings};

    /// The kept word positions, brought up to date around each edit, are those a scan of the
    /// whole new text finds: words made or unmade by a neighbouring character, by a deletion
    /// that joins two words, by multi-byte characters next to them, at both ends of the text.
    #[test]
    fn kept_word_positions_are_those_of_a_fresh_scan() {
        use super::{Words, word_positions};
        let words = ["mark_safe", "os", "é"];
        let mut text =
            String::from("import os\nfrom x import mark_safe\nmark_safe(os)\n# mark_safeé os_\n");
        let mut kept = Words::default();
        kept.advance(&text, None);
        for word in words {
            let _ = kept.of(&text, word);
        }
        // (at, deleted, inserted), each applied to the text as it is then.
        let edits: [(usize, usize, &str); 12] = [
            (0, 0, "x"),
            (1, 0, " "),
            (9, 1, ""),
            (12, 0, "é"),
            (20, 3, "mark_safe"),
            (3, 0, "os "),
            (0, 2, ""),
            (30, 0, "_"),
            (30, 1, ""),
            (5, 10, "os\nos"),
            (0, 0, "mark_safe"),
            (40, 2, ""),
        ];
        for (at, deleted, inserted) in edits {
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + deleted).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let old_len = text.len();
            text.replace_range(at..end, inserted);
            // The bounds the incremental plan computes: here the edit's own.
            kept.advance(&text, Some((at, end, at + inserted.len())));
            assert_eq!(text.len() - (at + inserted.len()), old_len - end);
            for word in words {
                let fresh: Vec<usize> = word_positions(&text, word).collect();
                assert_eq!(kept.of(&text, word), fresh.as_slice(), "{word} in {text:?}");
            }
        }
    }

    #[test]
    fn the_last_use_takes_its_import_along() {
        let src = "from django.utils.safestring import SafeString, mark_safe\nimport os\ndef v(request):\n    return mark_safe(f'<b>{request.GET[\"n\"]}</b>'), SafeString, os\n";
        let fixed = assert_fix(src, "DJS101");
        assert!(
            fixed.starts_with("from django.utils.safestring import SafeString\nimport os\nfrom django.utils.html import format_html\n"),
            "{fixed}"
        );
    }

    #[test]
    fn an_import_the_fix_extends_is_rewritten_once() {
        let src = "from django.utils.html import mark_safe\ndef v(request):\n    return mark_safe(f'<b>{request.GET[\"n\"]}</b>')\n";
        let fixed = assert_fix(src, "DJS101");
        assert!(
            fixed.starts_with("from django.utils.html import format_html\ndef v(request):\n"),
            "{fixed}"
        );
        let multi = "from django.utils.html import (\n    escape,\n    mark_safe,\n)\ndef v(request):\n    return mark_safe(f'<b>{request.GET[\"n\"]}</b>'), escape\n";
        let fixed = assert_fix(multi, "DJS101");
        assert!(
            fixed.starts_with("from django.utils.html import (\n    escape,\n)\nfrom django.utils.html import format_html\n"),
            "{fixed}"
        );
    }

    #[test]
    fn other_uses_and_mentions_keep_the_import() {
        for src in [
            // Another use the fix does not touch.
            "from django.utils.safestring import mark_safe\ndef v(request, x):\n    a = mark_safe(x)\n    return mark_safe(f'<b>{request.GET[\"n\"]}</b>')\n",
            // Re-exported.
            "from django.utils.safestring import mark_safe\n__all__ = ['mark_safe']\ndef v(request):\n    return mark_safe(f'<b>{request.GET[\"n\"]}</b>')\n",
        ] {
            let found = findings(src);
            let fix = found
                .iter()
                .filter(|f| f.code == "DJS101")
                .filter_map(|f| f.fix.as_ref())
                .next_back();
            let Some(fix) = fix else {
                panic!("no DJS101 fix for {src}");
            };
            assert!(
                fix.edits.iter().all(|e| e.range.start > 45),
                "the import line is not edited: {fix:?}"
            );
        }
    }
}
