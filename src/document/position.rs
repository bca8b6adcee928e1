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
pub fn from_byte(rope: &Rope, byte: usize, encoding: PositionEncoding) -> Position {
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
        '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{0B}' | '\u{0C}' | '\u{85}' => 1,
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
