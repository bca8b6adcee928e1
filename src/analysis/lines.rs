//! Byte offset ↔ line/column for whole texts (the CLI, tests and suppression comments).
//! The server's open documents use their rope instead.

/// Start offsets of every line. Lines end at `\n`, `\r\n` or a lone `\r`, as in LSP (the
/// server's ropes) and in Python's own tokenizer, so that the CLI and the server agree on the
/// line of every finding and suppression comment.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .filter(|&i| !(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')))
                .map(|i| i + 1),
        );
        LineIndex { starts }
    }

    /// Zero-based line of a byte offset.
    pub fn line(&self, byte: usize) -> usize {
        match self.starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(usize::MAX)
    }

    /// One-based line and one-based column counted in Unicode scalar values.
    pub fn line_col(&self, text: &str, byte: usize) -> (usize, usize) {
        let byte = byte.min(text.len());
        let line = self.line(byte);
        let start = self.line_start(line).min(byte);
        let col = text.get(start..byte).map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_and_lone_cr() {
        let text = "a\nb\r\nc\rd\u{c}e\u{2028}f\n";
        let lines = LineIndex::new(text);
        let line_of = |c: char| text.find(c).map(|b| lines.line(b));
        assert_eq!(
            ['a', 'b', 'c', 'd', 'e', 'f'].map(line_of),
            [0, 1, 2, 3, 3, 3].map(Some)
        );
        assert_eq!(lines.line_col(text, text.len()), (5, 1));
    }

    /// The CLI (this index) and the server (a rope) put every byte on the same line.
    #[test]
    fn agrees_with_the_servers_rope() {
        let text = "x\r\n\r\ry\n\u{85}\u{b}\u{2029}\r\n\n\rz\r";
        let lines = LineIndex::new(text);
        let rope = ropey::Rope::from_str(text);
        for byte in 0..=text.len() {
            assert_eq!(lines.line(byte), rope.byte_to_line(byte), "byte {byte}");
        }
    }
}
