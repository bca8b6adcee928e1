//! Positions in the client's encoding, converted to and from byte offsets on a rope.

use ropey::Rope;

/// How the client counts columns (LSP 3.17 `positionEncoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

/// A zero-based line and column in some [`PositionEncoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Position {
    pub fn new(line: u32, character: u32) -> Self {
        Position { line, character }
    }
}

/// The byte offset of a position, clamped into the text: a line past the end means the end of
/// the text, a column past the end of its line means the end of that line (before its line
/// break), and a column inside a multi-unit character moves to that character's start.
pub fn to_byte(rope: &Rope, pos: Position, encoding: PositionEncoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let line_start_char = rope.line_to_char(line);
    let line_slice = rope.line(line);
    let content_chars = line_slice.len_chars() - trailing_break_chars(&line_slice);
    let column = pos.character as usize;
    let char_in_line = match encoding {
        PositionEncoding::Utf8 => {
            let bytes = column.min(line_slice.byte_slice(..).len_bytes());
            line_slice.byte_to_char(bytes)
        }
        PositionEncoding::Utf16 => {
            let units = column.min(line_slice.len_utf16_cu());
            line_slice.utf16_cu_to_char(units)
        }
        PositionEncoding::Utf32 => column,
    };
    rope.char_to_byte(line_start_char + char_in_line.min(content_chars))
}

/// The position of a byte offset (clamped to the text, moved back to a char boundary).
///
/// Two lookups in the rope (the line, its start) and a scan of the line up to `byte`: the
/// server converts every diagnostic of a file on each keystroke, and going through char and
/// UTF-16 indices took five lookups per position.
pub fn from_byte(rope: &Rope, byte: usize, encoding: PositionEncoding) -> Position {
    let byte = byte.min(rope.len_bytes());
    let line = rope.byte_to_line(byte);
    let line_start = rope.line_to_byte(line);
    let mut remaining = byte - line_start;
    let mut character = 0;
    let (chunks, chunk_start, _, _) = rope.chunks_at_byte(line_start);
    let mut skip = line_start - chunk_start;
    'chunks: for chunk in chunks {
        let part = chunk.get(skip..).unwrap_or("");
        skip = 0;
        for c in part.chars() {
            let len = c.len_utf8();
            if len > remaining {
                break 'chunks;
            }
            remaining -= len;
            character += match encoding {
                PositionEncoding::Utf8 => len,
                PositionEncoding::Utf16 => c.len_utf16(),
                PositionEncoding::Utf32 => 1,
            };
        }
        if remaining == 0 {
            break;
        }
    }
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

fn trailing_break_chars(line: &ropey::RopeSlice) -> usize {
    let n = line.len_chars();
    if n == 0 {
        return 0;
    }
    match line.char(n - 1) {
        '\n' if n >= 2 && line.char(n - 2) == '\r' => 2,
        '\n' | '\r' => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_every_encoding() {
        let rope = Rope::from_str("aé😀b\r\nx\n");
        for enc in [
            PositionEncoding::Utf8,
            PositionEncoding::Utf16,
            PositionEncoding::Utf32,
        ] {
            for byte in [0, 1, 3, 7, 8, 10, 11, 12] {
                let pos = from_byte(&rope, byte, enc);
                assert_eq!(
                    to_byte(&rope, pos, enc),
                    byte,
                    "{enc:?} byte {byte} -> {pos:?}"
                );
            }
        }
        assert_eq!(
            from_byte(&rope, 8, PositionEncoding::Utf16),
            Position::new(0, 5)
        );
        assert_eq!(
            from_byte(&rope, 8, PositionEncoding::Utf8),
            Position::new(0, 8)
        );
        assert_eq!(
            from_byte(&rope, 8, PositionEncoding::Utf32),
            Position::new(0, 4)
        );
    }

    /// The conversion through char and UTF-16 indices that `from_byte` replaced.
    fn through_char_indices(rope: &Rope, byte: usize, encoding: PositionEncoding) -> Position {
        let byte = byte.min(rope.len_bytes());
        let char_idx = rope.byte_to_char(byte);
        let line = rope.char_to_line(char_idx);
        let line_start_char = rope.line_to_char(line);
        let character = match encoding {
            PositionEncoding::Utf8 => rope.char_to_byte(char_idx) - rope.line_to_byte(line),
            PositionEncoding::Utf16 => {
                rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_start_char)
            }
            PositionEncoding::Utf32 => char_idx - line_start_char,
        };
        Position::new(line as u32, character as u32)
    }

    #[test]
    fn agrees_with_char_indices_at_every_byte() {
        // Multi-byte chars, every kind of line break, lines longer than a rope chunk, and
        // bytes inside chars and inside `\r\n`.
        let mut text = String::from("aé😀b\r\nx\n\ry\u{2028}z\u{85}\u{b}\u{c}é\r\n\n");
        for i in 0..400 {
            text.push(['a', 'é', '😀', '中'][i % 4]);
        }
        text.push_str("\r\n\r\nend😀");
        let rope = Rope::from_str(&text);
        assert!(rope.chunks().count() > 1, "the text spans several chunks");
        for enc in [
            PositionEncoding::Utf8,
            PositionEncoding::Utf16,
            PositionEncoding::Utf32,
        ] {
            for byte in 0..=text.len() + 2 {
                assert_eq!(
                    from_byte(&rope, byte, enc),
                    through_char_indices(&rope, byte, enc),
                    "{enc:?} byte {byte}"
                );
            }
        }
    }

    #[test]
    fn clamps() {
        let rope = Rope::from_str("ab\r\ncd");
        assert_eq!(
            to_byte(&rope, Position::new(0, 50), PositionEncoding::Utf16),
            2
        );
        assert_eq!(
            to_byte(&rope, Position::new(9, 0), PositionEncoding::Utf16),
            6
        );
        // Inside the emoji's surrogate pair: its start.
        let rope = Rope::from_str("😀x");
        assert_eq!(
            to_byte(&rope, Position::new(0, 1), PositionEncoding::Utf16),
            0
        );
        assert_eq!(
            from_byte(&rope, 2, PositionEncoding::Utf16),
            Position::new(0, 0)
        );
    }
}
