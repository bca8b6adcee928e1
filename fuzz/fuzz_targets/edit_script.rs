//! Arbitrary edit scripts applied to an open document the way the server applies `didChange`
//! (rope edit, tree-sitter `InputEdit`, incremental reparse, `analyze_incremental` with the
//! previous version's cache), compared after every edit with a plain string model and a fresh
//! parse: same text, same tree, same findings from `analyze` and from `analyze_incremental`
//! (around a syntax error, where tree-sitter's recovery may shape the reparsed tree otherwise
//! than a fresh parse, the findings of a full analysis of the reparsed tree).
//!
//! Besides character edits, a script can insert whole module-level statements at the start of a
//! line (imports, constants, definitions, decorators: the edits that re-run module-scoped
//! checks), paste a copy of a piece of the document (up to a few hundred lines) and undo the
//! previous edit, as an editor sends them.
#![no_main]

use arbitrary::Arbitrary;
use djsec::analysis::{self, Cache, Context};
use djsec::document::{Change, Document, Position, PositionEncoding};
use djsec::syntax::{Language, Syntax};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const VIEWS: &str = include_str!("../../tests/fixtures/project/app/views.py");
const TEMPLATE: &str = "{% extends 'base.html' %}\n{% load static %}\n{% block content %}\n<form method=\"post\">\n  {% csrf_token %}\n  <a href=\"{{ url }}\">{{ name|safe }}</a>\n</form>\n<script>var x = {{ data }};</script>\n{# djsec: ignore[DJS501] #}\n{% endblock %}\n";

/// Pieces that make edits interesting (Python and template syntax, non-ASCII, CRLF, lone CR,
/// NUL, and characters that are line breaks to Unicode but not to LSP).
const SNIPPETS: &[&str] = &[
    "",
    "x",
    " ",
    "    ",
    "\n",
    "\r\n",
    "\r",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "\"\"\"",
    "f\"{name}\"",
    "mark_safe(",
    "request.GET['q']",
    "cursor.execute(",
    "def f(request):\n    ",
    "class V(View):\n    ",
    "@csrf_exempt\n",
    "import os\n",
    "é",
    "😀",
    "{{ ",
    " }}",
    "{% if x %}",
    "{% endif %}",
    "{% autoescape off %}",
    "|safe",
    "<script>",
    "</div>",
    "{#",
    "#}",
    "# djsec: ignore[DJS101]",
    "\t",
    "\0",
    "\\",
    "\u{c}",
    "\u{2028}",
    "\u{85}",
];

/// Whole top-level statements, inserted at the start of a line.
const MODULE_SNIPPETS: &[&str] = &[
    "import json\n",
    "from django.utils.safestring import mark_safe\n",
    "from django.contrib.auth.decorators import login_required\n",
    "X = 1\n",
    "DEBUG = True\n",
    "SECRET_KEY = 'x'\n",
    "urlpatterns = []\n",
    "def helper(request):\n    return mark_safe(request.GET['q'])\n\n",
    "class V(View):\n    def get(self, request):\n        return HttpResponse(request.GET['q'])\n\n",
    "@login_required\n",
    "@csrf_exempt\n",
    "\n\n",
    "{% block extra %}{{ value|safe }}{% endblock %}\n",
    "<form method=\"post\">\n</form>\n",
];

#[derive(Debug, Arbitrary)]
enum Seed {
    Views,
    Template,
    Text(String),
}

#[derive(Debug, Arbitrary)]
enum Text {
    Snippet(u8),
    Raw(String),
    /// A module-level statement (inserted where a `Range::LineStart` puts it).
    Module(u8),
    /// A copy of the current text's characters `start..start + len * 8` (a paste).
    Copy {
        start: u16,
        len: u8,
    },
}

#[derive(Debug, Arbitrary)]
enum Range {
    /// Characters `start..start + len` (taken modulo the text's length).
    Chars { start: u16, len: u8 },
    /// Raw positions, possibly past the end of a line or of the text (clamped by the server).
    Raw { start: (u16, u16), end: (u16, u16) },
    /// Replace the whole document.
    Full,
    /// The start of a line (taken modulo the number of lines): where module-level statements go.
    LineStart(u16),
    /// Undo the previous edit (its inverse: the inserted text replaced by the removed one).
    Undo,
}

#[derive(Debug, Arbitrary)]
struct Edit {
    range: Range,
    text: Text,
    /// Whether the server would analyse this version (it skips versions when typing is fast).
    analyse: bool,
}

#[derive(Debug, Arbitrary)]
struct Script {
    template: bool,
    encoding: u8,
    seed: Seed,
    edits: Vec<Edit>,
}

/// UTF-16, UTF-8 or UTF-32 position of a char index in `text`.
fn position(text: &str, char_idx: usize, encoding: PositionEncoding) -> Position {
    let byte = text
        .char_indices()
        .nth(char_idx)
        .map_or(text.len(), |(b, _)| b);
    let starts = line_starts(text);
    let line = starts.partition_point(|&s| s <= byte).saturating_sub(1);
    let line_start = starts.get(line).copied().unwrap_or(0);
    let col = match encoding {
        PositionEncoding::Utf8 => byte - line_start,
        PositionEncoding::Utf16 => text[line_start..byte].chars().map(char::len_utf16).sum(),
        PositionEncoding::Utf32 => text[line_start..byte].chars().count(),
    };
    Position::new(line as u32, col as u32)
}

/// Reference conversion of a position to a byte offset, clamping like `document::position`:
/// a line past the end is the end of the text, a column past the end of its line is the end of
/// the line (before its break), a column inside a character moves to the character's start.
fn byte_of(text: &str, pos: Position, encoding: PositionEncoding) -> usize {
    let starts = line_starts(text);
    for (i, &offset) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let line = &text[offset..end];
        if i == pos.line as usize {
            let content = line.strip_suffix('\n').unwrap_or(line);
            let content = content.strip_suffix('\r').unwrap_or(content);
            let mut units = 0usize;
            for (b, ch) in content.char_indices() {
                let width = match encoding {
                    PositionEncoding::Utf8 => ch.len_utf8(),
                    PositionEncoding::Utf16 => ch.len_utf16(),
                    PositionEncoding::Utf32 => 1,
                };
                if units + width > pos.character as usize {
                    return offset + b;
                }
                units += width;
            }
            return offset + content.len();
        }
    }
    text.len()
}

/// Where each line starts: LSP ends lines at `\n`, `\r\n` and a lone `\r` (and at nothing
/// else: not at a form feed or U+2028).
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

fuzz_target!(|script: Script| {
    let language = if script.template {
        Language::Template
    } else {
        Language::Python
    };
    let encoding = match script.encoding % 3 {
        0 => PositionEncoding::Utf16,
        1 => PositionEncoding::Utf8,
        _ => PositionEncoding::Utf32,
    };
    let mut expected = match script.seed {
        Seed::Views => VIEWS.to_string(),
        Seed::Template => TEMPLATE.to_string(),
        Seed::Text(t) => t,
    };
    let context = Context::default();
    let mut doc = Document::new(&expected, 1, language);
    let mut cache = Cache::default();
    let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    // Inverses of the edits applied so far: (byte range in the text after the edit, the text
    // it replaced).
    let mut undo: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (i, edit) in script.edits.iter().take(64).enumerate() {
        let mut text = match &edit.text {
            Text::Snippet(n) => SNIPPETS[usize::from(*n) % SNIPPETS.len()].to_string(),
            Text::Raw(s) => s.clone(),
            Text::Module(n) => MODULE_SNIPPETS[usize::from(*n) % MODULE_SNIPPETS.len()].to_string(),
            Text::Copy { start, len } => {
                let chars = expected.chars().count();
                let start = usize::from(*start) % (chars + 1);
                expected
                    .chars()
                    .skip(start)
                    .take(usize::from(*len) * 8)
                    .collect()
            }
        };
        let range = match edit.range {
            Range::LineStart(n) => {
                let starts = line_starts(&expected);
                let byte = starts[usize::from(n) % starts.len()];
                let at = position(&expected, expected[..byte].chars().count(), encoding);
                Some((at, at))
            }
            Range::Undo => match undo.pop() {
                // A range that LSP positions cannot express (an end between the `\r` and the
                // `\n` of a line break that a later edit made whole) or that an edit clamped
                // elsewhere no longer fits the text: the older entries are stale too.
                Some((r, _)) if !representable(&expected, &r) => {
                    undo.clear();
                    continue;
                }
                Some((r, old)) => {
                    text = old;
                    let (s, e) = (
                        expected[..r.start].chars().count(),
                        expected[..r.end].chars().count(),
                    );
                    Some((
                        position(&expected, s, encoding),
                        position(&expected, e, encoding),
                    ))
                }
                None => continue,
            },
            Range::Chars { start, len } => {
                let chars = expected.chars().count();
                let start = usize::from(start) % (chars + 1);
                let end = (start + usize::from(len)).min(chars);
                Some((
                    position(&expected, start, encoding),
                    position(&expected, end, encoding),
                ))
            }
            Range::Raw { start, end } => Some((
                Position::new(u32::from(start.0), u32::from(start.1)),
                Position::new(u32::from(end.0), u32::from(end.1)),
            )),
            Range::Full => None,
        };
        let change = Change {
            range,
            text: text.clone(),
        };
        doc.apply_changes(std::slice::from_ref(&change), i as i32 + 2, encoding);
        let is_undo = matches!(edit.range, Range::Undo);
        match range {
            Some((s, e)) => {
                let (s, e) = (
                    byte_of(&expected, s, encoding),
                    byte_of(&expected, e, encoding),
                );
                let (s, e) = (s.min(e), s.max(e));
                let old = expected[s..e].to_string();
                expected.replace_range(s..e, &text);
                if !is_undo {
                    undo.push((s..s + text.len(), old));
                }
            }
            None => {
                let old = std::mem::replace(&mut expected, text);
                undo.push((0..expected.len(), old));
            }
        }
        assert_eq!(
            &*doc.text(),
            expected.as_str(),
            "text differs after edit {i}"
        );
        if !edit.analyse {
            continue;
        }
        if std::env::var_os("DJSEC_FUZZ_DEBUG").is_some() {
            eprintln!("STEP {i} {expected:?}");
        }
        let incremental =
            analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
        let fresh = Syntax::parse(language, &expected);
        // tree-sitter's error recovery depends on the trees it reuses: around syntax errors an
        // incremental reparse may place ERROR nodes differently (as in tests/incremental.rs).
        // Everywhere else the trees must be the same; text and findings always.
        let (incremental_tree, fresh_tree) = (doc.syntax.to_sexp(), fresh.to_sexp());
        if !fresh_tree.contains("(ERROR") && !fresh_tree.contains("(MISSING") {
            if incremental_tree != fresh_tree && std::env::var_os("DJSEC_FUZZ_DEBUG").is_some() {
                eprintln!("BEFORE-UNDO-LIST {:?}", undo.last());
                eprintln!("TEXT {expected:?}");
            }
            assert_eq!(
                incremental_tree, fresh_tree,
                "incremental tree differs from a fresh parse after edit {i}"
            );
        }
        // Where error recovery gave the incremental tree another shape than a fresh parse, the
        // findings are those of that tree (a full analysis of it): the analysis must not depend
        // on how the tree was reached, but it cannot make two different trees agree.
        let full = if incremental_tree == fresh_tree {
            analysis::analyze(&expected, &fresh, &context)
        } else {
            analysis::analyze(&expected, &doc.syntax, &context)
        };
        common::check_findings(&expected, &full);
        if incremental != full && std::env::var_os("DJSEC_FUZZ_DEBUG").is_some() {
            eprintln!("TEXT {expected:?}");
            eprintln!("FRESH-TREE-HAS-ERROR {}", fresh_tree.contains("(ERROR"));
            eprintln!("SAME-TREES {}", incremental_tree == fresh_tree);
            eprintln!(
                "FULL-ON-INCREMENTAL-TREE-EQUALS-INCREMENTAL {}",
                analysis::analyze(&expected, &doc.syntax, &context) == incremental
            );
        }
        assert_eq!(
            incremental, full,
            "analyze_incremental differs from analyze after edit {i}"
        );
    }
});

/// Whether `r` is a range of `text` that LSP positions can name: inside it, on character
/// boundaries, and neither end between a `\r` and a `\n`.
fn representable(text: &str, r: &std::ops::Range<usize>) -> bool {
    let inside_crlf = |at: usize| text[..at].ends_with('\r') && text[at..].starts_with('\n');
    r.start <= r.end
        && r.end <= text.len()
        && text.is_char_boundary(r.start)
        && text.is_char_boundary(r.end)
        && !inside_crlf(r.start)
        && !inside_crlf(r.end)
}
