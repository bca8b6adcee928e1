//! Byte offset ↔ line/column for whole texts (the CLI, tests and suppression comments).
//! The server's open documents use their rope instead.

/// Start offsets of every line.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
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
