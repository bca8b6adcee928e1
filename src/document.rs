//! Open documents: the text as a rope, its version, language and syntax, updated incrementally.
//!
//! Every change is applied to the rope and, as an [`InputEdit`], to the old tree; then the text
//! is reparsed with the old tree. Positions arrive in the negotiated [`PositionEncoding`] and are
//! clamped into the text: a client sending positions past the end gets a log line, not a panic.

pub mod position;

use std::sync::Arc;

use ropey::Rope;
use tree_sitter::{InputEdit, Point};

pub use position::{Position, PositionEncoding};

use crate::syntax::{Language, Syntax};

/// A text change as the client sends it: a range in the old text (or none: replace everything).
#[derive(Debug, Clone)]
pub struct Change {
    pub range: Option<(Position, Position)>,
    pub text: String,
}

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    pub rope: Rope,
    pub version: i32,
    pub language: Language,
    pub syntax: Syntax,
    /// The rope as a contiguous string, made once per version for the analysis.
    text: Arc<str>,
}

impl Document {
    pub fn new(text: &str, version: i32, language: Language) -> Document {
        Document {
            rope: Rope::from_str(text),
            version,
            language,
            syntax: Syntax::parse(language, text),
            text: Arc::from(text),
        }
    }

    pub fn text(&self) -> Arc<str> {
        Arc::clone(&self.text)
    }

    /// Apply the changes of one `didChange`, in order, and reparse incrementally.
    pub fn apply_changes(&mut self, changes: &[Change], version: i32, encoding: PositionEncoding) {
        for change in changes {
            match change.range {
                Some((start, end)) => self.apply_ranged(start, end, &change.text, encoding),
                None => {
                    // A full replacement: no tree to reuse.
                    self.rope = Rope::from_str(&change.text);
                    self.syntax = Syntax::parse(self.language, &change.text);
                }
            }
        }
        // Chunk by chunk: `Rope::to_string` goes through `fmt::Display`, a formatter call per
        // chunk (1.4 M instructions per keystroke on a 50,000-line file).
        let mut text = String::with_capacity(self.rope.len_bytes());
        for chunk in self.rope.chunks() {
            text.push_str(chunk);
        }
        self.syntax = self.syntax.reparse(&text);
        self.text = Arc::from(text);
        self.version = version;
    }

    fn apply_ranged(
        &mut self,
        start: Position,
        end: Position,
        new_text: &str,
        enc: PositionEncoding,
    ) {
        let mut start_byte = position::to_byte(&self.rope, start, enc);
        let mut end_byte = position::to_byte(&self.rope, end, enc);
        if end_byte < start_byte {
            tracing::warn!("change range ends before it starts; swapping");
            std::mem::swap(&mut start_byte, &mut end_byte);
        }
        let start_point = point_at(&self.rope, start_byte);
        let old_end_point = point_at(&self.rope, end_byte);
        let start_char = self.rope.byte_to_char(start_byte);
        let end_char = self.rope.byte_to_char(end_byte);
        self.rope.remove(start_char..end_char);
        self.rope.insert(start_char, new_text);
        let new_end_byte = start_byte + new_text.len();
        let edit = InputEdit {
            start_byte,
            old_end_byte: end_byte,
            new_end_byte,
            start_position: start_point,
            old_end_position: old_end_point,
            new_end_position: advance(start_point, new_text),
        };
        self.syntax.edit(&edit);
    }
}

/// The tree-sitter point (row, byte column) of a byte offset.
fn point_at(rope: &Rope, byte: usize) -> Point {
    let line = rope.byte_to_line(byte);
    Point {
        row: line,
        column: byte - rope.line_to_byte(line),
    }
}

/// The point reached after inserting `text` at `start`.
fn advance(start: Point, text: &str) -> Point {
    match text.rfind('\n') {
        Some(last) => Point {
            row: start.row + text.matches('\n').count(),
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

    fn change(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> Change {
        Change {
            range: Some((Position::new(sl, sc), Position::new(el, ec))),
            text: text.to_string(),
        }
    }

    #[test]
    fn ranged_changes_apply_in_order_and_reparse() {
        let mut doc = Document::new("x = 1\ny = 2\n", 1, Language::Python);
        doc.apply_changes(
            &[change(0, 4, 0, 5, "'a'"), change(1, 0, 1, 0, "# c\n")],
            2,
            PositionEncoding::Utf16,
        );
        assert_eq!(&*doc.text(), "x = 'a'\n# c\ny = 2\n");
        assert_eq!(doc.version, 2);
        assert_eq!(
            doc.syntax.to_sexp(),
            Syntax::parse(Language::Python, &doc.text()).to_sexp()
        );
    }

    /// LSP splits lines at `\n`, `\r\n` and `\r` only. A form feed (a page break in older
    /// Python files), a vertical tab, NEL or U+2028/U+2029 inside a string are not line breaks:
    /// counting them would put every later position on the wrong line, so that edits land in
    /// the wrong place and the server's text drifts from the editor's.
    #[test]
    fn only_lsp_line_breaks_count() {
        for odd in ["\u{c}", "\u{b}", "\u{85}", "\u{2028}", "\u{2029}"] {
            let text = format!("x = 1{odd}\ns = '{odd}'\ny = 2\r\nz = 3\rw = 4\n");
            let mut doc = Document::new(&text, 1, Language::Python);
            doc.apply_changes(
                &[change(2, 0, 2, 1, "why"), change(4, 0, 4, 0, "# ")],
                2,
                PositionEncoding::Utf16,
            );
            let expected = format!("x = 1{odd}\ns = '{odd}'\nwhy = 2\r\nz = 3\r# w = 4\n");
            assert_eq!(&*doc.text(), expected, "{odd:?}");
            let z = expected.find('z').unwrap_or(0);
            assert_eq!(
                position::from_byte(&doc.rope, z, PositionEncoding::Utf16),
                Position::new(3, 0),
                "{odd:?}"
            );
            // A column past the end of line 0 stops before its `\n`, after the odd char.
            assert_eq!(
                position::to_byte(&doc.rope, Position::new(0, 99), PositionEncoding::Utf16),
                5 + odd.len(),
                "{odd:?}"
            );
        }
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let mut doc = Document::new("ab\n", 1, Language::Python);
        doc.apply_changes(&[change(7, 3, 9, 9, "c")], 2, PositionEncoding::Utf16);
        assert_eq!(&*doc.text(), "ab\nc");
        doc.apply_changes(&[change(0, 99, 0, 1, "Z")], 3, PositionEncoding::Utf8);
        assert_eq!(&*doc.text(), "aZ\nc");
    }

    #[test]
    fn utf16_columns_with_astral_characters_and_crlf() {
        let mut doc = Document::new("s = '😀é'\r\nt = 1\r\n", 1, Language::Python);
        // After the emoji (2 UTF-16 code units) and é (1): column 5 + 3 = 8.
        doc.apply_changes(&[change(0, 8, 0, 8, "!")], 2, PositionEncoding::Utf16);
        assert_eq!(&*doc.text(), "s = '😀é!'\r\nt = 1\r\n");
        // In UTF-8, the emoji is 4 bytes and é 2: column 5 + 6 = 11.
        doc.apply_changes(&[change(0, 11, 0, 12, "?")], 3, PositionEncoding::Utf8);
        assert_eq!(&*doc.text(), "s = '😀é?'\r\nt = 1\r\n");
        doc.apply_changes(&[change(1, 4, 1, 5, "2")], 4, PositionEncoding::Utf16);
        assert_eq!(&*doc.text(), "s = '😀é?'\r\nt = 2\r\n");
    }
}
