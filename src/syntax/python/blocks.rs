//! A Python module's syntax as one tree, or as one tree with some top-level blocks reparsed alone
//! (rust-analyzer's block reparse applied to tree-sitter).
//!
//! tree-sitter reparses an edited file incrementally, but its cost still grows with the file: it
//! walks the module's top-level statements after the edit, and when the external scanner's state
//! (Python's indentation stack) of a reused statement differs from the new parse's — the
//! keystroke that ends a syntax error, a pasted or re-inserted definition — it re-parses the
//! rest of the file. A keystroke inside one top-level statement changes only that statement, so
//! [`PyTree`] parses the edited *block* (the top-level statements the edits touched, whole lines)
//! alone, with the block's byte range as the parser's included range (node offsets and positions
//! stay those of the whole text), and puts it in place of the statements it replaces.
//!
//! That is the same tree a whole-file parse gives when the block parses without an error: the
//! block starts at the start of a line after a complete top-level statement (or at the start of
//! the file) and ends at the start of a line where a top-level statement starts at column 0 that
//! cannot continue the block's last statement (not `else`, `elif`, `except` or `finally`), and
//! the block's text does not end in a line continuation. At such boundaries tree-sitter-python's
//! parser is between two module-level statements with an empty external-scanner state (no open
//! bracket or string, indentation 0), as at the start of a file, so the block's text parses the
//! same alone as within the file, and so do the statements after it. The statements outside the
//! block come from the last tree without a syntax error (a parse of the whole file, edited since
//! with every edit so that their offsets are current, and earlier blocks).
//!
//! When the block has a syntax error, an error can swallow what follows it
//! (`value_id =` typed above `@login_required` reads as `value_id = @login_required`). The
//! block is then parsed again with the statements after it, a *window* of 1, 2, 4 and then 8
//! more, until the window's last statement parses as the same statement as before (same kind
//! and range, without an error): there the parser is between two module-level statements again,
//! as in a whole-file parse, and the rest of the file is unchanged
//! ([`View::error_window`]). An error at a quote (a string left open may close anywhere after
//! the window) or a window that fails is parsed with the whole file (tree-sitter's incremental
//! reparse), and the tree without errors is kept beside it, so that the keystroke that ends the
//! error reparses one block again, not the rest of the file. Where the block's boundaries do
//! not hold (an indented first line, a line continuation), the whole file is parsed too.

use std::ops::Range;

use tree_sitter::{InputEdit, Node, Point, Tree};

/// At most this many blocks are kept before the whole file is parsed again (each block costs a
/// little on every keystroke).
const MAX_BLOCKS: usize = 16;

/// The largest error window (bytes) parsed alone before the whole file is parsed instead.
const MAX_WINDOW: usize = 256 * 1024;

/// The dirty range of a syntax that has no view without errors yet (its first parse had one).
const EVERYTHING: Range<usize> = 0..usize::MAX;

/// Clauses that continue the compound statement before them at the same indentation.
const CONTINUATIONS: [&str; 4] = ["else", "elif", "except", "finally"];

/// A Python module's syntax (see the module documentation).
#[derive(Debug, Clone)]
pub struct PyTree {
    /// The module without a syntax error as last known: its statements are current outside
    /// `dirty`.
    view: View,
    /// The bytes edited since `view` was current (offsets in the current text).
    dirty: Option<Range<usize>>,
    /// The current text's whole-file parse, when it has a syntax error (then it is the syntax).
    errors: Option<Tree>,
}

/// A whole-file tree and the blocks reparsed alone since.
#[derive(Debug, Clone)]
struct View {
    base: Tree,
    /// Sorted, disjoint byte ranges of the current text, each with the tree of its text parsed
    /// alone. The base's statements inside a block are stale.
    blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
struct Block {
    range: Range<usize>,
    tree: Tree,
    /// An error window ([`View::error_window`]): the block reaches past the statements the
    /// edits touched.
    window: bool,
}

/// A top-level statement of a [`View`]: its range, where it starts and ends.
#[derive(Debug, Clone, Copy)]
struct Statement {
    start: usize,
    end: usize,
    start_point: Point,
    end_point: Point,
    kind: u16,
}

impl PyTree {
    /// The syntax of `text` parsed whole.
    pub fn parse(text: &str) -> PyTree {
        PyTree::from_tree(super::parse(text, None))
    }

    fn from_tree(tree: Tree) -> PyTree {
        if tree.root_node().has_error() {
            // No tree without an error to build blocks on: the first edit reparses the file.
            PyTree {
                view: View {
                    base: tree.clone(),
                    blocks: Vec::new(),
                },
                dirty: Some(EVERYTHING),
                errors: Some(tree),
            }
        } else {
            PyTree {
                view: View {
                    base: tree,
                    blocks: Vec::new(),
                },
                dirty: None,
                errors: None,
            }
        }
    }

    /// The one tree of the whole text, when the syntax is one tree (no block reparsed alone).
    pub fn single(&self) -> Option<&Tree> {
        match &self.errors {
            Some(tree) => Some(tree),
            None if self.view.blocks.is_empty() => Some(&self.view.base),
            None => None,
        }
    }

    /// How many trees make up the syntax (1 for a whole-file parse).
    pub fn tree_count(&self) -> usize {
        match self.single() {
            Some(_) => 1,
            None => 1 + self.view.blocks.len(),
        }
    }

    /// The top-level statements (and the comments between them), in order.
    pub fn top_level(&self) -> Vec<Node<'_>> {
        if let Some(tree) = self.single() {
            let root = tree.root_node();
            let mut cursor = root.walk();
            return root.children(&mut cursor).collect();
        }
        self.view.top_level()
    }

    /// The named top-level statements (and comments), in order.
    pub fn named_top_level(&self) -> Vec<Node<'_>> {
        let mut out = self.top_level();
        out.retain(|n| n.is_named());
        out
    }

    /// The smallest node that spans `start..end`, in the tree that holds `start`.
    pub fn descendant_for_byte_range(&self, start: usize, end: usize) -> Option<Node<'_>> {
        let tree = match self.single() {
            Some(tree) => tree,
            None => self
                .view
                .blocks
                .iter()
                .find(|b| b.range.contains(&start) || b.range.start == start)
                .map_or(&self.view.base, |b| &b.tree),
        };
        tree.root_node().descendant_for_byte_range(start, end)
    }

    /// The bytes of the blocks parsed alone.
    #[cfg(test)]
    fn block_bytes(&self) -> usize {
        self.view.blocks.iter().map(|b| b.range.len()).sum()
    }

    /// Whether the module has a syntax error.
    pub fn has_error(&self) -> bool {
        self.errors.is_some()
            || self
                .view
                .blocks
                .iter()
                .any(|b| b.tree.root_node().has_error())
    }

    /// A printable form of the module, the same as a whole-file parse's `to_sexp` when the trees
    /// are the same.
    pub fn to_sexp(&self) -> String {
        if let Some(tree) = self.single() {
            return tree.root_node().to_sexp();
        }
        let children: Vec<String> = self
            .top_level()
            .iter()
            .filter(|n| n.is_named())
            .map(|n| n.to_sexp())
            .collect();
        if children.is_empty() {
            "(module)".to_string()
        } else {
            format!("(module {})", children.join(" "))
        }
    }

    /// Record an edit (as for [`Tree::edit`]) before [`PyTree::reparse`].
    pub fn edit(&mut self, edit: &InputEdit) {
        self.view.edit(edit);
        if let Some(tree) = self.errors.as_mut() {
            tree.edit(edit);
        }
        let edited = edit.start_byte..edit.new_end_byte;
        self.dirty = Some(match self.dirty.take() {
            None => edited,
            Some(everything) if everything == EVERYTHING => everything,
            Some(dirty) => {
                let start = dirty.start.min(edit.start_byte);
                let end = if dirty.end >= edit.old_end_byte {
                    shift(dirty.end, edit)
                } else {
                    dirty.end
                };
                start..end.max(edit.new_end_byte)
            }
        });
    }

    /// The syntax of `text` (this syntax's text with the recorded edits applied).
    pub fn reparse(&self, text: &str) -> PyTree {
        let Some(dirty) = self.dirty.clone() else {
            return self.clone();
        };
        if dirty == EVERYTHING {
            return self.whole(text);
        }
        if let Some(view) = self.view.with_block(text, dirty) {
            return PyTree {
                view,
                dirty: None,
                errors: None,
            };
        }
        self.whole(text)
    }

    /// Parse the whole text again (reusing the latest whole-file tree).
    fn whole(&self, text: &str) -> PyTree {
        let old = self.errors.as_ref().unwrap_or(&self.view.base);
        let tree = super::parse(text, Some(old));
        if !tree.root_node().has_error() {
            return PyTree::from_tree(tree);
        }
        // Keep the view without errors: the edits since are all in `dirty`.
        PyTree {
            view: self.view.clone(),
            dirty: self.dirty.clone(),
            errors: Some(tree),
        }
    }
}

/// An offset after an edit, for an offset at or after the edit's old end.
fn shift(offset: usize, edit: &InputEdit) -> usize {
    offset
        .saturating_add(edit.new_end_byte)
        .saturating_sub(edit.old_end_byte)
}

impl View {
    fn edit(&mut self, edit: &InputEdit) {
        self.base.edit(edit);
        for block in &mut self.blocks {
            if block.range.end < edit.start_byte {
                continue;
            }
            block.tree.edit(edit);
            let start = if block.range.start > edit.start_byte {
                shift(block.range.start.max(edit.old_end_byte), edit)
            } else {
                block.range.start
            };
            let end = if block.range.end >= edit.old_end_byte {
                shift(block.range.end, edit)
            } else {
                edit.new_end_byte
            };
            block.range = start..end.max(start);
        }
    }

    fn top_level(&self) -> Vec<Node<'_>> {
        let root = self.base.root_node();
        let mut cursor = root.walk();
        let mut out = Vec::new();
        let mut blocks = self.blocks.iter().peekable();
        for node in root.children(&mut cursor) {
            // The blocks that start before this statement come first.
            while let Some(block) = blocks.next_if(|b| b.range.start <= node.start_byte()) {
                push_children(&block.tree, &mut out);
            }
            // A statement of the base inside a block was parsed again in the block; one the
            // edits deleted whole is left empty.
            let stale = node.start_byte() == node.end_byte()
                || self
                    .blocks
                    .iter()
                    .any(|b| b.range.contains(&node.start_byte()));
            if !stale {
                out.push(node);
            }
        }
        for block in blocks {
            push_children(&block.tree, &mut out);
        }
        out
    }

    /// The statements of the view (without comments), in order.
    fn statements(&self) -> Vec<Statement> {
        self.top_level()
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .map(|n| Statement {
                start: n.start_byte(),
                end: n.end_byte(),
                start_point: n.start_position(),
                end_point: n.end_position(),
                kind: n.kind_id(),
            })
            .collect()
    }

    /// This view with the statements that `dirty` touches parsed again alone, as a block;
    /// `None` when that block has a syntax error or its boundaries do not hold.
    fn with_block(&self, text: &str, dirty: Range<usize>) -> Option<View> {
        let bytes = text.as_bytes();
        // The block boundaries below count lines by `\n`. A lone `\r` (a line break for
        // tree-sitter's scanner too) or a form feed (which resets the indentation) makes them
        // disagree with the parser's: parse the whole file then (found by the `edit_script`
        // fuzz target: a `\r` replacing a definition moved the next line into the previous
        // function for a fresh parse, not for the block).
        if has_odd_line_breaks(bytes) {
            return None;
        }
        let statements = self.statements();
        // The first statement the edit may have changed (one that ends where the edit starts
        // may: a character typed at its end), and the first one after the edit.
        let mut first = statements.partition_point(|s| s.end < dirty.start);
        let mut after = statements.partition_point(|s| s.start <= dirty.end);
        let line_start = |at: usize| -> usize {
            let at = at.min(text.len());
            memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1)
        };
        let mut start;
        loop {
            let at = statements
                .get(first)
                .map_or(dirty.start, |s| s.start.min(dirty.start));
            start = line_start(at);
            // Two statements on one line (`x = 1; y = 2`): take the previous one too.
            match first.checked_sub(1).and_then(|p| statements.get(p)) {
                Some(previous) if previous.end > start => first -= 1,
                _ => break,
            }
        }
        let end = boundary(text, &statements, &mut after);
        // The blocks the new one overlaps, and those the edits touched (a deletion that ends
        // where a block ends leaves the block's deleted statements as empty nodes), become part
        // of it.
        let mut merges_window = false;
        let (start, end) = self.blocks.iter().fold((start, end), |(s, e), b| {
            let overlaps = b.range.start < e && s < b.range.end;
            let edited = b.range.start <= dirty.end && dirty.start <= b.range.end;
            if overlaps || edited {
                merges_window |= b.window;
                (s.min(line_start(b.range.start)), e.max(b.range.end))
            } else {
                (s, e)
            }
        });
        let region = text.get(start..end)?;
        // The block must not end in a line continuation, nor start with an indented line.
        if region
            .trim_end_matches(['\n', '\r', ' ', '\t'])
            .ends_with('\\')
        {
            return None;
        }
        let first_code = region
            .split_inclusive('\n')
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if first_code.is_some_and(|l| l.starts_with([' ', '\t', '\x0c'])) {
            return None;
        }
        // The statements before `first` end before the edit: their positions are current.
        let start_point = point_of(text, start, &statements[..first]);
        let end_point = advance(start_point, region);
        let range = tree_sitter::Range {
            start_byte: start,
            end_byte: end,
            start_point,
            end_point,
        };
        // The tree of the same block, to reparse incrementally.
        let old = self
            .blocks
            .iter()
            .find(|b| b.range == (start..end))
            .map(|b| &b.tree);
        let mut tree = super::parse_range(text, range, old)?;
        let mut end = end;
        let window = tree.root_node().has_error();
        if window {
            (tree, end) =
                self.error_window(text, &statements, start..end, dirty.end, start_point, tree)?;
        } else if merges_window {
            // The error is gone: parse the file once (tree-sitter reuses what did not change)
            // rather than keep a block larger than the edits, parsed again on every keystroke.
            return None;
        }
        let mut blocks: Vec<Block> = self
            .blocks
            .iter()
            .filter(|b| b.range.end <= start || b.range.start >= end)
            .cloned()
            .collect();
        let at = blocks.partition_point(|b| b.range.start < start);
        blocks.insert(
            at,
            Block {
                range: start..end,
                tree,
                window,
            },
        );
        if blocks.len() > MAX_BLOCKS {
            return None;
        }
        Some(View {
            base: self.base.clone(),
            blocks,
        })
    }

    /// A block with a syntax error, parsed alone with the statements after it until the last
    /// of them parses as the same statement as before (same kind and range, no error): then the
    /// parser is between two module-level statements again, in the state a whole-file parse
    /// reaches there, and the rest of the file parses as before. The window is the block itself
    /// when its last statement lies after the edits (a window made by an earlier keystroke),
    /// else the block and 1, 2, 4 and then 8 more statements; `None` when none of them works
    /// (a bracket left open, an error that swallows what follows, a window over another block):
    /// the whole file is parsed.
    /// An error after which the rest of the file parses as before so costs a parse of the
    /// block and a few statements, not the reparse of everything after it that tree-sitter does
    /// when the external scanner's state changes.
    fn error_window(
        &self,
        text: &str,
        statements: &[Statement],
        block: Range<usize>,
        edited_end: usize,
        start_point: Point,
        parsed: Tree,
    ) -> Option<(Tree, usize)> {
        // The first statement after the block.
        let first_after = statements.partition_point(|s| s.start < block.end);
        for more in [0, 1, 2, 4, 8] {
            let mut after = first_after + more;
            if after > statements.len() {
                return None;
            }
            let end = if more == 0 {
                block.end
            } else {
                boundary(text, statements, &mut after)
            };
            // The statement that must parse as before: the last one in the window, which the
            // edits did not touch.
            let last = statements.get(after.checked_sub(1)?)?;
            if last.start <= edited_end || last.start < block.start {
                continue;
            }
            if end - block.start > MAX_WINDOW {
                return None;
            }
            if self
                .blocks
                .iter()
                .any(|b| b.range.start < end && block.end < b.range.end)
            {
                return None;
            }
            let region = text.get(block.start..end)?;
            if region
                .trim_end_matches(['\n', '\r', ' ', '\t'])
                .ends_with('\\')
            {
                return None;
            }
            let range = tree_sitter::Range {
                start_byte: block.start,
                end_byte: end,
                start_point,
                end_point: advance(start_point, region),
            };
            let tree = if more == 0 {
                parsed.clone()
            } else {
                super::parse_range(text, range, None)?
            };
            if error_at_a_quote(tree.root_node(), text) {
                // A string left open inside the window may close beyond it, which only a parse
                // of the whole file can tell.
                return None;
            }
            let same = {
                let root = tree.root_node();
                let mut cursor = root.walk();
                let parsed_last = root
                    .children(&mut cursor)
                    .filter(|n| n.kind() != "comment" && n.start_byte() != n.end_byte())
                    .last();
                parsed_last.is_some_and(|n| {
                    n.start_byte() == last.start
                        && n.end_byte() == last.end
                        && n.kind_id() == last.kind
                        && !n.has_error()
                        && !n.is_missing()
                })
            };
            if same {
                return Some((tree, end));
            }
        }
        None
    }
}

/// Whether an error or a missing node of `root` is at a quote: a string that tree-sitter could
/// not close (only the subtrees with an error are walked).
fn error_at_a_quote(root: Node, text: &str) -> bool {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            let quoted = n.kind().contains(['"', '\'']) || n.kind() == "string_end";
            let at = text.get(n.start_byte()..n.end_byte()).unwrap_or("");
            if quoted || at.contains(['"', '\'']) {
                return true;
            }
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor).filter(|c| c.has_error()));
    }
    false
}

/// Where a block that reaches the statement `after` ends: the start of the first statement
/// from there that starts a line at column 0 and cannot continue the block's last statement
/// (not `else`, `elif`, `except` or `finally`), or the end of the text; `after` is left at
/// that statement.
fn boundary(text: &str, statements: &[Statement], after: &mut usize) -> usize {
    loop {
        let Some(next) = statements.get(*after) else {
            return text.len();
        };
        let continues = {
            let rest = text.get(next.start..).unwrap_or("");
            CONTINUATIONS.iter().any(|k| {
                rest.strip_prefix(k)
                    .is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
            })
        };
        if next.start_point.column != 0 || continues {
            *after += 1;
            continue;
        }
        return next.start;
    }
}

/// Whether `bytes` hold a carriage return not followed by a line feed, or a form feed.
fn has_odd_line_breaks(bytes: &[u8]) -> bool {
    memchr::memchr(b'\x0c', bytes).is_some()
        || memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

fn push_children<'t>(tree: &'t Tree, out: &mut Vec<Node<'t>>) {
    let root = tree.root_node();
    let mut cursor = root.walk();
    out.extend(
        root.children(&mut cursor)
            .filter(|n| n.start_byte() != n.end_byte()),
    );
}

/// The point of `byte` (a line start after the statements `before`), from the last of them.
fn point_of(text: &str, byte: usize, before: &[Statement]) -> Point {
    let bytes = text.as_bytes();
    let (from, from_point) = before
        .last()
        .filter(|s| s.end <= byte)
        .map_or((0, Point { row: 0, column: 0 }), |s| (s.end, s.end_point));
    let between = bytes.get(from..byte).unwrap_or(&[]);
    match memchr::memrchr(b'\n', between) {
        Some(last) => Point {
            row: from_point.row + memchr::memchr_iter(b'\n', between).count(),
            column: between.len() - last - 1,
        },
        None => Point {
            row: from_point.row,
            column: from_point.column + between.len(),
        },
    }
}

/// The point after `text` that starts at `start`.
fn advance(start: Point, text: &str) -> Point {
    match memchr::memrchr(b'\n', text.as_bytes()) {
        Some(last) => Point {
            row: start.row + memchr::memchr_iter(b'\n', text.as_bytes()).count(),
            column: text.len() - last - 1,
        },
        None => Point {
            row: start.row,
            column: start.column + text.len(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Apply `old → new` (one replacement) to `tree` as an editor would.
    fn edit(tree: &mut PyTree, text: &mut String, at: usize, delete: usize, insert: &str) {
        let point = |t: &str, byte: usize| {
            let before = &t[..byte];
            Point {
                row: before.matches('\n').count(),
                column: byte - before.rfind('\n').map_or(0, |i| i + 1),
            }
        };
        let start_position = point(text, at);
        let old_end_position = point(text, at + delete);
        text.replace_range(at..at + delete, insert);
        tree.edit(&InputEdit {
            start_byte: at,
            old_end_byte: at + delete,
            new_end_byte: at + insert.len(),
            start_position,
            old_end_position,
            new_end_position: point(text, at + insert.len()),
        });
        *tree = tree.reparse(text);
    }

    fn same_as_fresh(tree: &PyTree, text: &str) {
        assert_eq!(tree.to_sexp(), PyTree::parse(text).to_sexp(), "{text}");
        // Every node's position is that of the text.
        for node in tree.top_level() {
            let row = text[..node.start_byte()].matches('\n').count();
            assert_eq!(node.start_position().row, row, "{}", node.to_sexp());
        }
    }

    const MODULE: &str = "import os\n\n\ndef a(request):\n    x = 1\n    return x\n\n\nclass B:\n    y = 2\n\n\nif os:\n    z = 3\nelse:\n    z = 4\n\n\ndef c():\n    pass\n";

    #[test]
    fn an_edit_in_a_definition_reparses_it_alone() {
        let mut text = MODULE.to_string();
        let mut tree = PyTree::parse(&text);
        assert_eq!(tree.tree_count(), 1);
        let at = text.find("x = 1").unwrap_or(0) + 5;
        edit(&mut tree, &mut text, at, 0, "2");
        assert_eq!(tree.tree_count(), 2);
        same_as_fresh(&tree, &text);
        // The same block again: still one block.
        edit(&mut tree, &mut text, at + 1, 0, "3");
        assert_eq!(tree.tree_count(), 2);
        same_as_fresh(&tree, &text);
        // Another definition, after the first: two blocks.
        let at = text.find("y = 2").unwrap_or(0);
        edit(&mut tree, &mut text, at, 1, "yy");
        assert_eq!(tree.tree_count(), 3);
        same_as_fresh(&tree, &text);
        // An edit before both shifts them.
        edit(&mut tree, &mut text, 0, 0, "import sys\n");
        same_as_fresh(&tree, &text);
        // A new module-level statement between two definitions.
        let at = text.find("class B").unwrap_or(0);
        edit(&mut tree, &mut text, at, 0, "LIMIT = 10\n");
        same_as_fresh(&tree, &text);
        // Deleting a whole definition.
        let (start, end) = (
            text.find("class B").unwrap_or(0),
            text.find("if os").unwrap_or(0),
        );
        edit(&mut tree, &mut text, start, end - start, "");
        same_as_fresh(&tree, &text);
        assert!(!tree.has_error());
    }

    #[test]
    fn a_lone_carriage_return_or_form_feed_reparses_the_whole_file() {
        // Found by the `edit_script` fuzz target: a definition replaced by `\r` leaves the
        // next function's body line after it; a fresh parse puts that line in the previous
        // function, and so must the edited tree.
        for insert in ["\r", "\x0c"] {
            let mut text = "def card(request, slug):\n    return format_html(\"<div>{}</div>\", slug)\n\n\ndef search(request):\n    q = request.GET[\"q\"]\n    with connection.cursor() as cursor:\n        rows = cursor.fetchall()\n    return render(request, \"search.html\", {\"rows\": rows})\n\n\ndef report(request):\n    return 3\n".to_string();
            let mut tree = PyTree::parse(&text);
            let start = text.find("\ndef search").unwrap_or(0);
            let end = text.find("    return render").unwrap_or(0);
            edit(&mut tree, &mut text, start, end - start, insert);
            same_as_fresh_or_errors(&tree, &text);
            assert_eq!(tree.to_sexp(), PyTree::parse(&text).to_sexp(), "{text:?}");
        }
    }

    #[test]
    fn a_syntax_error_reparses_a_window_and_its_end_one_block() {
        let mut text = MODULE.to_string();
        let mut tree = PyTree::parse(&text);
        let at = text.find("x = 1").unwrap_or(0) + 5;
        edit(&mut tree, &mut text, at, 0, " +");
        assert!(tree.has_error());
        // The error stays in its definition: the definition and the next statement are parsed
        // alone, not the whole file.
        assert_eq!(tree.tree_count(), 2);
        assert_eq!(tree.to_sexp(), PyTree::parse(&text).to_sexp());
        // The error gone, the file is parsed once (not the window again on every keystroke),
        // and the next keystroke reparses one block.
        edit(&mut tree, &mut text, at + 2, 0, " 1");
        assert!(!tree.has_error());
        assert_eq!(tree.tree_count(), 1);
        same_as_fresh(&tree, &text);
        edit(&mut tree, &mut text, at + 4, 0, "2");
        assert_eq!(tree.tree_count(), 2);
        same_as_fresh(&tree, &text);
        // An unclosed bracket swallows the rest of the file: the whole file.
        let at = text.find("y = 2").unwrap_or(0) + 4;
        edit(&mut tree, &mut text, at, 0, "(");
        assert!(tree.has_error());
        edit(&mut tree, &mut text, at, 1, "");
        same_as_fresh(&tree, &text);
    }

    #[test]
    fn an_error_that_takes_the_next_decorator_is_parsed_in_a_window() {
        // Typing `value_id =` on a new line above a decorated function: tree-sitter reads
        // `value_id = @login_required` across the two lines and leaves the `def` undecorated.
        let mut text: String = (0..30)
            .map(|i| format!("@login_required\ndef f{i}(request):\n    return {i}\n\n\n"))
            .collect();
        let mut tree = PyTree::parse(&text);
        let at = text.find("@login_required\ndef f15").unwrap_or(0);
        let mut typed = 0;
        for piece in ["value_id", " ", "=", " ", "1", "\n"] {
            edit(&mut tree, &mut text, at + typed, 0, piece);
            typed += piece.len();
            same_as_fresh(&tree, &text);
            if piece == "=" {
                assert!(tree.has_error());
                assert!(tree.tree_count() > 1, "the whole file was parsed");
            }
        }
        assert!(!tree.has_error());
        same_as_fresh(&tree, &text);
        // A long error (every keystroke of a line that does not parse) keeps one window: the
        // block does not grow by a statement per keystroke.
        let long = text.find("@login_required\ndef f20").unwrap_or(0);
        edit(&mut tree, &mut text, long, 0, "x = ");
        let first = tree.block_bytes();
        for i in 0..20 {
            edit(&mut tree, &mut text, long + 4 + i, 0, "+");
            assert!(tree.has_error());
            assert_eq!(tree.block_bytes(), first + i + 1, "{text}");
            same_as_fresh(&tree, &text);
        }
        edit(&mut tree, &mut text, long, 24, "");
        same_as_fresh(&tree, &text);
        // And back, as undo does: the line typed above `f15` deleted a character at a time.
        let mut left = typed;
        while left > 0 {
            left -= 1;
            edit(&mut tree, &mut text, at + left, 1, "");
            same_as_fresh(&tree, &text);
        }
        assert_eq!(text.matches("@login_required\ndef f").count(), 30);
    }

    #[test]
    fn an_error_that_swallows_the_file_parses_the_whole_file() {
        let mut text: String = (0..30)
            .map(|i| format!("def f{i}(request):\n    return {i}\n\n\n"))
            .collect();
        let mut tree = PyTree::parse(&text);
        // A triple-quoted string opened here closes at the docstring of `f25`: the lines in
        // between are a string, which a window of the next few statements cannot see.
        let doc = text.find("    return 25").unwrap_or(0);
        edit(&mut tree, &mut text, doc, 0, "    \"\"\"Doc.\"\"\"\n");
        let at = text.find("    return 15").unwrap_or(0) + 11;
        edit(&mut tree, &mut text, at, 0, "\"\"\"");
        assert!(tree.has_error());
        assert_eq!(tree.tree_count(), 1);
        assert_eq!(tree.to_sexp(), PyTree::parse(&text).to_sexp());
        // An unclosed bracket: tree-sitter gives up on it at the next `def`, and the window
        // holds when the tree is the same as a fresh parse's.
        edit(&mut tree, &mut text, at, 3, "(");
        assert!(tree.has_error());
        assert_eq!(tree.to_sexp(), PyTree::parse(&text).to_sexp());
        edit(&mut tree, &mut text, at, 1, "");
        same_as_fresh(&tree, &text);
    }

    #[test]
    fn blocks_end_where_a_statement_cannot_continue_them() {
        let mut text = MODULE.to_string();
        let mut tree = PyTree::parse(&text);
        // Typing in the `if` of an if/else: the block ends after the `else`.
        let at = text.find("z = 3").unwrap_or(0) + 5;
        edit(&mut tree, &mut text, at, 0, "3");
        same_as_fresh(&tree, &text);
        // A statement indented into the previous one, a line continuation: the whole file.
        let at = text.find("def c").unwrap_or(0);
        edit(&mut tree, &mut text, at, 0, "    ");
        same_as_fresh_or_errors(&tree, &text);
        edit(&mut tree, &mut text, at, 4, "");
        same_as_fresh(&tree, &text);
        let at = text.find("import os").unwrap_or(0) + 9;
        edit(&mut tree, &mut text, at, 0, " \\");
        same_as_fresh_or_errors(&tree, &text);
    }

    fn same_as_fresh_or_errors(tree: &PyTree, text: &str) {
        if tree.has_error() {
            assert_eq!(tree.tree_count(), 1);
        } else {
            same_as_fresh(tree, text);
        }
    }

    #[test]
    fn too_many_blocks_make_one_tree_again() {
        let mut text: String = (0..40)
            .map(|i| format!("def f{i}():\n    return {i}\n\n\n"))
            .collect();
        let mut tree = PyTree::parse(&text);
        for i in 0..40 {
            let at = text.find(&format!("return {i}\n")).unwrap_or(0) + 7;
            edit(&mut tree, &mut text, at, 0, "1");
            assert!(tree.tree_count() <= MAX_BLOCKS + 1);
        }
        same_as_fresh(&tree, &text);
    }
}
