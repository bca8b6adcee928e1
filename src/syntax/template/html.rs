//! The HTML layer of a template: tree-sitter-html over the template with its Django tokens
//! blanked out.
//!
//! The HTML parser reads a copy of the template in which every byte of every Django token
//! (`{{ }}`, `{% %}`, `{# #}` and `{% comment %}` bodies) is replaced, newlines kept: by spaces,
//! or by `x`s where the token renders as a value (see [`Fill`]). So the Django tokens' syntax
//! is invisible to it (a `>` or a quote inside `{% if a > b %}` cannot confuse it), and byte
//! offsets and row/column points are exactly the template's: an element whose start tag
//! contains `{{ x }}` spans the token. From the tree we extract [`Element`]s as plain data;
//! attributes are scanned from the start tag's original text with Django tokens kept whole, so
//! `<div class={{ x }}>` has a `class` attribute with the unquoted value `{{ x }}`.
//!
//! Why blanking and not `Parser::set_included_ranges` (the original plan): tree-sitter's lexer
//! looks up the current included range with a linear scan from the first one
//! (`ts_lexer_goto`, lib `src/lexer.c`), once per token, so parsing is O(tokens × ranges): a
//! 10 MB template with 200,000 Django tokens took minutes. Its incremental reparse also reused
//! a raw-text token that had stopped at an included range's end when later text was added
//! after a gap (found by the incremental = fresh property test). Blanking is linear, and an
//! incremental reparse is told about every byte whose blanking changed (see
//! [`blanking_edits`]), so it is an ordinary incremental parse of one contiguous text.
//!
//! Pathological markup: tree-sitter-html's scanner copies its whole open-tag stack for every
//! token (O(depth) each), so 100,000 nested `<div>`s would take minutes, and it recovers from
//! each end tag that closes nothing with an error whose cost grows with the errors before it.
//! A cheap model of its tag stack blanks the tags of elements nested deeper than [`MAX_DEPTH`]
//! and end tags that close nothing; no real template nests that deep, and a stray end tag is
//! an error either way. Inputs that are still too slow (thousands of unterminated `<!--`) are
//! cut off by a work [`Budget`].
//!
//! Nothing here recurses: the tree is walked with a `TreeCursor` and explicit stacks.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::{InputEdit, Parser, Point, Tree};

use super::lexer::{Token, TokenKind};
use foldhash::fast::FixedState;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Start tags nested deeper than this (by a cheap estimate) are hidden from the HTML parser.
pub const MAX_DEPTH: usize = 1000;

/// The tree-sitter language for HTML.
pub fn language() -> tree_sitter::Language {
    tree_sitter_html::LANGUAGE.into()
}

/// Row/column (bytes) positions of offsets, computed in one forward pass.
struct PointTracker<'a> {
    bytes: &'a [u8],
    offset: usize,
    row: usize,
    line_start: usize,
}

impl<'a> PointTracker<'a> {
    fn new(text: &'a str) -> Self {
        PointTracker {
            bytes: text.as_bytes(),
            offset: 0,
            row: 0,
            line_start: 0,
        }
    }

    fn point(&mut self, offset: usize) -> Point {
        let offset = offset.min(self.bytes.len());
        if offset < self.offset {
            // Not needed for sorted input; restart to stay correct anyway.
            self.offset = 0;
            self.row = 0;
            self.line_start = 0;
        }
        for (i, &b) in self.bytes[self.offset..offset].iter().enumerate() {
            if b == b'\n' {
                self.row += 1;
                self.line_start = self.offset + i + 1;
            }
        }
        self.offset = offset;
        Point::new(self.row, offset - self.line_start)
    }
}

/// The point (row, byte column) of `offset` in `text`.
pub fn point_at(text: &str, offset: usize) -> Point {
    PointTracker::new(text).point(offset)
}

/// How the bytes of a hidden range are replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fill {
    /// Spaces: the range disappears (block tags, comments, over-deep tags).
    Blank,
    /// `x`s: the range reads as a word. Used for what renders as a value where HTML expects
    /// one: every `{{ … }}`, and a `{% … %}` right after `=` (`href={% url 'x' %}`), so that an
    /// unquoted attribute value (`class={{ c }}`) still parses as one.
    Placeholder,
}

/// A byte range the HTML parser does not see as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hidden {
    pub range: Range<usize>,
    pub fill: Fill,
}

/// What the HTML parser reads: `text` with the bytes of `hidden` ranges replaced (newlines
/// kept, so points do not move).
pub fn blanked(text: &str, hidden: &[Hidden]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for h in hidden {
        let fill = match h.fill {
            Fill::Blank => b' ',
            Fill::Placeholder => b'x',
        };
        let end = h.range.end.min(bytes.len());
        for b in bytes
            .get_mut(h.range.start.min(end)..end)
            .into_iter()
            .flatten()
        {
            if *b != b'\n' && *b != b'\r' {
                *b = fill;
            }
        }
    }
    bytes
}

/// HTML void elements: never have content or an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose end tag is implied by a sibling (`<li>a<li>b`): they do not nest, so the
/// depth estimate ignores them.
const IMPLIED_END: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "colgroup", "caption", "rb", "rt", "rp", "rtc",
];

/// The byte ranges hidden from the HTML parser: the Django tokens (see [`Fill`]), plus tags
/// found by [`too_deep_tags`]. Sorted and disjoint; where a hidden tag overlaps a token, the
/// union is blank.
pub fn hidden_ranges(text: &str, tokens: &[Token]) -> Vec<Hidden> {
    hidden_and_blanked(text, tokens).0
}

/// [`hidden_ranges`], and the text [`blanked`] by them: finding the too-deep tags needs the
/// text blanked by the tokens, which is already what the HTML parser reads when no tag is
/// hidden (nearly always), so the copy is made once.
pub fn hidden_and_blanked(text: &str, tokens: &[Token]) -> (Vec<Hidden>, Vec<u8>) {
    let bytes = text.as_bytes();
    let mut hidden: Vec<Hidden> = Vec::new();
    for t in tokens.iter().filter(|t| t.kind != TokenKind::Text) {
        let value_position = t.range.start > 0 && bytes.get(t.range.start - 1) == Some(&b'=');
        let fill =
            if t.kind == TokenKind::Variable || (t.kind == TokenKind::Block && value_position) {
                Fill::Placeholder
            } else {
                Fill::Blank
            };
        push_merged(&mut hidden, t.range.clone(), fill);
    }
    let blanked_by_tokens = blanked(text, &hidden);
    let deep = too_deep_tags(&blanked_by_tokens);
    if deep.is_empty() {
        return (hidden, blanked_by_tokens);
    }
    let mut merged: Vec<Hidden> = Vec::with_capacity(hidden.len() + deep.len());
    let mut a = hidden.into_iter().peekable();
    let mut b = deep.into_iter().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.range.start <= y.start => a.next(),
            (_, Some(_)) => b.next().map(|range| Hidden {
                range,
                fill: Fill::Blank,
            }),
            (Some(_), None) => a.next(),
            (None, None) => break,
        };
        if let Some(h) = next {
            push_merged(&mut merged, h.range, h.fill);
        }
    }
    let blanked_by_all = blanked(text, &merged);
    (merged, blanked_by_all)
}

/// Append a range, merging it with the last one when they touch with the same fill or overlap
/// (an overlap is blank).
fn push_merged(list: &mut Vec<Hidden>, range: Range<usize>, fill: Fill) {
    if let Some(last) = list.last_mut() {
        if last.range.end > range.start {
            last.range.end = last.range.end.max(range.end);
            last.fill = Fill::Blank;
            return;
        }
        if last.range.end == range.start && last.fill == fill {
            last.range.end = range.end;
            return;
        }
    }
    list.push(Hidden { range, fill });
}

/// Tags to hide from the HTML parser, found by a cheap model of tree-sitter-html's tag stack:
/// start tags that would nest deeper than [`MAX_DEPTH`] (and their end tags), and end tags
/// that close nothing (tree-sitter-html turns each into an error, and recovering from
/// thousands of them is quadratic). Void, self-closing and implicitly closed elements (`<li>`,
/// `<p>`, …) are not modelled; `<script>`/`<style>` bodies and comments are skipped. The model
/// errs towards keeping tags: it may think an element open that the parser closed, never the
/// reverse, so it only hides end tags the parser could not match either.
///
/// `bytes` is the text blanked by the Django tokens. Tag names are interned (lowercase, one
/// allocation per distinct name): the scan meets every tag of the template on every keystroke.
fn too_deep_tags(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // Interned lowercase names: id by name; by id, whether the element is flat (void or
    // implicitly closed) and how many are open.
    let mut ids: HashMap<Vec<u8>, usize, FixedState> = HashMap::default();
    let mut flat_by_id: Vec<bool> = Vec::new();
    let mut open_by_id: Vec<usize> = Vec::new();
    // The name being read, lowercased.
    let mut name: Vec<u8> = Vec::new();
    // Open elements: (name id, hidden).
    let mut stack: Vec<(usize, bool)> = Vec::new();
    let mut visible = 0usize;
    // Searches that failed once fail from every later offset: remember, to stay linear.
    let (mut no_comment_end, mut no_script_end, mut no_style_end) = (false, false, false);
    let mut i = 0;
    while let Some(rel) = bytes.get(i..).and_then(|b| memchr::memchr(b'<', b)) {
        i += rel;
        let closing = bytes.get(i + 1) == Some(&b'/');
        let name_start = if closing { i + 2 } else { i + 1 };
        match bytes.get(name_start) {
            Some(b'!') if !closing => {
                // Comments and doctypes: skip a comment's body. An unterminated `<!--` is
                // hidden: the HTML scanner would scan to the end of the text for each one.
                if bytes.get(i + 2..i + 4) == Some(b"--") {
                    let end = if no_comment_end {
                        None
                    } else {
                        find(bytes, i + 4, b"-->")
                    };
                    match end {
                        Some(e) => i = e + 3,
                        None => {
                            no_comment_end = true;
                            out.push(i..i + 4);
                            i += 4;
                        }
                    }
                } else {
                    i += 2;
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let mut j = name_start;
                while bytes
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b':'))
                {
                    j += 1;
                }
                name.clear();
                name.extend(bytes[name_start..j].iter().map(u8::to_ascii_lowercase));
                let id = match ids.get(name.as_slice()) {
                    Some(&id) => id,
                    None => {
                        let id = flat_by_id.len();
                        flat_by_id.push(
                            VOID.iter()
                                .chain(IMPLIED_END)
                                .any(|v| v.as_bytes() == name.as_slice()),
                        );
                        open_by_id.push(0);
                        ids.insert(name.clone(), id);
                        id
                    }
                };
                let flat = flat_by_id[id];
                // The tag ends at `>`; an unterminated one at the next `<` (the HTML scanner
                // has read its name all the same).
                let tag_end = bytes
                    .get(j..)
                    .and_then(|b| memchr::memchr2(b'>', b'<', b))
                    .map_or(bytes.len(), |e| j + e);
                let terminated = bytes.get(tag_end) == Some(&b'>');
                let whole_tag = i..if terminated { tag_end + 1 } else { tag_end };
                if closing {
                    if !flat {
                        if open_by_id[id] == 0 {
                            // Closes nothing.
                            out.push(whole_tag);
                        } else {
                            while let Some((open, was_hidden)) = stack.pop() {
                                if let Some(n) = open_by_id.get_mut(open) {
                                    *n = n.saturating_sub(1);
                                }
                                if !was_hidden {
                                    visible = visible.saturating_sub(1);
                                }
                                if open == id {
                                    if was_hidden {
                                        out.push(whole_tag);
                                    }
                                    break;
                                }
                            }
                        }
                    }
                    i = tag_end;
                    continue;
                }
                let self_closing = terminated && tag_end > 0 && bytes[tag_end - 1] == b'/';
                if !(flat || self_closing) {
                    let hide = visible >= MAX_DEPTH;
                    if hide {
                        out.push(whole_tag);
                    } else {
                        visible += 1;
                    }
                    open_by_id[id] += 1;
                    stack.push((id, hide));
                }
                i = tag_end;
                if name == b"script" || name == b"style" {
                    // Raw text: skip to the end tag.
                    let (close, none_left): (&[u8], &mut bool) = if name == b"script" {
                        (b"</script", &mut no_script_end)
                    } else {
                        (b"</style", &mut no_style_end)
                    };
                    let found = if *none_left {
                        None
                    } else {
                        find_ci(bytes, i, close)
                    };
                    *none_left = found.is_none();
                    i = found.unwrap_or(bytes.len());
                    // Its end tag closes it.
                    if let Some(&(open, was_hidden)) = stack.last()
                        && open == id
                    {
                        if was_hidden {
                            let end = find(bytes, i, b">").map_or(bytes.len(), |e| e + 1);
                            out.push(i..end);
                        } else {
                            visible = visible.saturating_sub(1);
                        }
                        if let Some(n) = open_by_id.get_mut(id) {
                            *n = n.saturating_sub(1);
                        }
                        stack.pop();
                        i = find(bytes, i, b">").map_or(bytes.len(), |e| e + 1);
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The first occurrence of `needle` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|p| p + from)
}

/// The first occurrence of `needle` (which starts with `<`) at or after `from`, ignoring ASCII
/// case. Jumps from `<` to `<` with `memchr`: a match starts with `<`, which has no other case,
/// so no match is skipped.
fn find_ci(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    debug_assert_eq!(needle.first(), Some(&b'<'));
    let mut at = from;
    loop {
        let rest = bytes.get(at..)?;
        let p = at + memchr::memchr(b'<', rest)?;
        if bytes
            .get(p..p + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        {
            return Some(p);
        }
        at = p + 1;
    }
}

/// Edits telling an old tree about bytes whose blanking changed: `old_hidden` are the old
/// hidden ranges, `edits` the edits applied since (in order), `new_hidden` the new hidden
/// ranges, `text` the new text. Each returned edit replaces a range with itself (same length,
/// same newlines), so it only invalidates.
///
/// The old ranges are moved through the edits; every range, old or new, without an identical
/// counterpart (same bytes, same fill) on the other side is reported. Bytes outside all of them
/// read the same before and after (or lie in an edited region the tree already knows of).
pub fn blanking_edits(
    text: &str,
    old_hidden: &[Hidden],
    edits: &[InputEdit],
    new_hidden: &[Hidden],
) -> Vec<InputEdit> {
    let mut old: Vec<Hidden> = old_hidden.to_vec();
    for e in edits {
        let map = |p: usize| {
            if p <= e.start_byte {
                p
            } else if p >= e.old_end_byte {
                p - e.old_end_byte + e.new_end_byte
            } else {
                e.new_end_byte
            }
        };
        for h in &mut old {
            h.range = map(h.range.start)..map(h.range.end);
        }
        old.retain(|h| !h.range.is_empty());
    }
    // Both lists are sorted by start; walk them together.
    let mut diff: Vec<Range<usize>> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new_hidden.len() {
        match (old.get(i), new_hidden.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if (a.range.start, a.range.end) <= (b.range.start, b.range.end) => {
                diff.push(a.range.clone());
                i += 1;
            }
            (Some(_), Some(b)) | (None, Some(b)) => {
                diff.push(b.range.clone());
                j += 1;
            }
            (Some(a), None) => {
                diff.push(a.range.clone());
                i += 1;
            }
            (None, None) => break,
        }
    }
    diff.sort_by_key(|r| (r.start, r.end));
    let mut tracker = PointTracker::new(text);
    diff.into_iter()
        .map(|r| {
            let end = r.end.min(text.len());
            let start = r.start.min(end);
            let start_position = tracker.point(start);
            let end_position = tracker.point(end);
            InputEdit {
                start_byte: start,
                old_end_byte: end,
                new_end_byte: end,
                start_position,
                old_end_position: end_position,
                new_end_position: end_position,
            }
        })
        .collect()
}

/// How much work a parse may do, relative to the text's length, before it is abandoned.
///
/// tree-sitter-html has inputs on which parsing is quadratic: thousands of unterminated
/// `<!--` each make the lexer scan to the end of the text (8,000 `<!-- ` took 11 s), and
/// thousands of unterminated `<a ` or stray `</div>` make every step slower. An editor cannot
/// wait for that, so the parser is fed in chunks and its reads and operations are counted;
/// past the budget it is starved (told the text ends) and cancelled, and the template gets an
/// empty HTML tree ([`HtmlParse::complete`] is false). Ordinary templates read each byte about
/// 1.5 times and make under 60 progress calls per KiB (see the `budget_headroom` test). The
/// counts are deterministic; the wall-clock limit, a last resort for soups whose steps get
/// slower, is not, but no template that parses in under a few seconds is near it.
pub struct Budget {
    /// Bytes the lexer may read: `bytes_per_byte × len + bytes_base`.
    pub bytes_per_byte: usize,
    pub bytes_base: usize,
    /// Progress callbacks (about 100 parser operations each): `calls_per_kib × len / 1024 +
    /// calls_base`.
    pub calls_per_kib: usize,
    pub calls_base: usize,
    /// Wall-clock time: `millis_base + millis_per_mib × len / 1 MiB`.
    pub millis_base: u64,
    pub millis_per_mib: u64,
}

/// Whether [`parse`] also stops at the wall-clock limit of its [`Budget`] (on by default).
static WALL_CLOCK_LIMIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turn the wall-clock part of the parse budget on or off for the whole process. For
/// instruction-count benchmarks only: under valgrind a parse runs some 50 times slower than
/// natively, so a large template's first parse would pass the limit and leave the document
/// without an HTML tree, which is not what the benchmark means to measure. The counted parts of
/// the budget (bytes read, progress calls) still apply.
pub fn set_wall_clock_limit(enabled: bool) {
    WALL_CLOCK_LIMIT.store(enabled, std::sync::atomic::Ordering::Relaxed);
}

/// The budget used by [`parse`].
pub const BUDGET: Budget = Budget {
    bytes_per_byte: 24,
    bytes_base: 1 << 22,
    calls_per_kib: 400,
    calls_base: 20_000,
    millis_base: 3_000,
    millis_per_mib: 1_000,
};

/// Size of the chunks handed to the parser (so that reads measure the lexer's work).
const CHUNK: usize = 16 * 1024;

/// A parsed HTML layer.
pub struct HtmlParse {
    pub tree: Tree,
    /// False when the parse ran over its [`Budget`] and `tree` is an empty document.
    pub complete: bool,
    /// Bytes read and progress callbacks: what the budget measures.
    pub bytes_read: usize,
    pub progress_calls: usize,
}

/// Parse the HTML layer from the blanked text, reusing `old` (already edited).
pub fn parse(blanked: &[u8], old: Option<&Tree>) -> HtmlParse {
    parse_with_budget(blanked, old, &BUDGET)
}

/// [`parse`] with an explicit budget.
pub fn parse_with_budget(blanked: &[u8], old: Option<&Tree>, budget: &Budget) -> HtmlParse {
    let len = blanked.len();
    let max_bytes = budget
        .bytes_per_byte
        .saturating_mul(len)
        .saturating_add(budget.bytes_base);
    let max_calls = budget
        .calls_per_kib
        .saturating_mul(len / 1024)
        .saturating_add(budget.calls_base);
    let max_time = std::time::Duration::from_millis(
        budget
            .millis_per_mib
            .saturating_mul((len >> 20) as u64)
            .saturating_add(budget.millis_base),
    );
    let started = std::time::Instant::now();
    let wall_clock = WALL_CLOCK_LIMIT.load(std::sync::atomic::Ordering::Relaxed);
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            // The grammar is compiled in and ABI-compatible; a mismatch is a build error in practice.
            let _ = parser.set_language(&language());
            parser
        });
        // Whole-text parsing: no included ranges (see the module docs); reset them in case.
        let _ = parser.set_included_ranges(&[]);
        let mut bytes_read = 0usize;
        let mut progress_calls = 0usize;
        let over = std::cell::Cell::new(false);
        let mut read = |offset: usize, _: Point| -> &[u8] {
            if over.get() || offset >= len {
                return &[];
            }
            let mut end = (offset + CHUNK).min(len);
            // End chunks on a character boundary.
            while end < len && (blanked[end] & 0xC0) == 0x80 {
                end += 1;
            }
            bytes_read += end - offset;
            if bytes_read > max_bytes {
                over.set(true);
                return &[];
            }
            &blanked[offset..end]
        };
        let mut progress = |_: &tree_sitter::ParseState| -> bool {
            progress_calls += 1;
            if progress_calls > max_calls || (wall_clock && started.elapsed() > max_time) {
                over.set(true);
            }
            over.get()
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = parser.parse_with_options(&mut read, old, Some(options));
        match tree {
            Some(tree) if !over.get() => HtmlParse {
                tree,
                complete: true,
                bytes_read,
                progress_calls,
            },
            _ => {
                // Cancelled or starved: drop the partial state and use an empty document.
                parser.reset();
                HtmlParse {
                    tree: empty_tree(parser),
                    complete: false,
                    bytes_read,
                    progress_calls,
                }
            }
        }
    })
}

#[cold]
fn empty_tree(parser: &mut Parser) -> Tree {
    if let Some(tree) = parser.parse("", None) {
        return tree;
    }
    let mut fresh = Parser::new();
    let _ = fresh.set_language(&language());
    match fresh.parse("", None) {
        Some(tree) => tree,
        None => panic!("tree-sitter could not parse an empty HTML document"),
    }
}

/// What kind of element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementKind {
    /// Any element with ordinary content.
    Normal,
    /// `<script>`: raw text.
    Script,
    /// `<style>`: raw text.
    Style,
}

/// How an attribute value is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quote {
    Double,
    Single,
    /// `name=value`.
    None,
}

/// One attribute of a start tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The name (may contain `{{ }}` tokens).
    pub name: Range<usize>,
    /// The name, ASCII-lowercased.
    pub name_lower: String,
    /// The value without its quotes (`None` for a bare `disabled`). May contain Django tokens.
    pub value: Option<Range<usize>>,
    pub quote: Quote,
    /// The whole attribute, from its name to the end of its value (closing quote included).
    pub range: Range<usize>,
    /// False when a quoted value's closing quote is missing (half-typed).
    pub terminated: bool,
}

/// One HTML element (from an `element`, `script_element` or `style_element` node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub kind: ElementKind,
    /// The tag name, ASCII-lowercased.
    pub name: String,
    pub name_range: Range<usize>,
    /// The whole element, end tag included when present.
    pub range: Range<usize>,
    /// `<name …>` or `<name …/>`.
    pub start_tag: Range<usize>,
    /// `<name …/>`.
    pub self_closing: bool,
    /// False when the start tag has no `>` yet (half-typed: `<form method="post"`).
    pub start_tag_closed: bool,
    pub attributes: Vec<Attribute>,
    /// `</name>`, when written.
    pub end_tag: Option<Range<usize>>,
    /// Between the start tag and the end tag (or the element's end).
    pub content: Range<usize>,
    /// The enclosing element (index into the element list).
    pub parent: Option<usize>,
    /// Nesting depth (0 for top-level elements).
    pub depth: usize,
}

impl Element {
    /// The attribute with this (lowercase) name; the first one, as browsers use.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name_lower == name)
    }

    /// An attribute's value text, when it has one.
    pub fn attribute_value<'a>(&self, text: &'a str, name: &str) -> Option<&'a str> {
        let value = self.attribute(name)?.value.clone()?;
        text.get(value)
    }
}

/// The node kinds the element walk tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Element,
    ScriptElement,
    StyleElement,
    RawText,
    StartTag,
    SelfClosingTag,
    EndTag,
    TagName,
    Document,
    Error,
    Other,
}

impl Kind {
    fn from_name(name: &str) -> Kind {
        match name {
            "element" => Kind::Element,
            "script_element" => Kind::ScriptElement,
            "style_element" => Kind::StyleElement,
            "raw_text" => Kind::RawText,
            "start_tag" => Kind::StartTag,
            "self_closing_tag" => Kind::SelfClosingTag,
            "end_tag" => Kind::EndTag,
            "tag_name" => Kind::TagName,
            "document" => Kind::Document,
            "ERROR" => Kind::Error,
            _ => Kind::Other,
        }
    }
}

/// [`Kind`]s by node kind id. `Node::kind` makes a `&str` from a C string (`strlen` and a
/// UTF-8 check) every time, a noticeable part of a walk over every element of a large
/// template; ids are plain integers. The table is built from the kind names, so every id
/// whose name is one of the kinds (aliases included) gets that kind, as comparing names did.
fn kind_table() -> &'static [Kind] {
    static TABLE: std::sync::OnceLock<Vec<Kind>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let language = language();
        (0..language.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| language.node_kind_for_id(id))
                    .map_or(Kind::Other, Kind::from_name)
            })
            .collect()
    })
}

/// The [`Kind`] of a node (by name for ids outside the table: `ERROR` and the like).
fn kind_of(table: &[Kind], node: tree_sitter::Node<'_>) -> Kind {
    match table.get(usize::from(node.kind_id())) {
        Some(&kind) => kind,
        None => Kind::from_name(node.kind()),
    }
}

/// The first child of `node` of kind `a` or `b`. `Node::child` skips whole hidden subtrees
/// (the balanced repeat nodes holding an element's children) by their child counts, so the
/// usual case, a tag found among the first children, costs a few steps instead of a cursor
/// walk over every child.
fn first_child_of<'t>(
    table: &[Kind],
    node: tree_sitter::Node<'t>,
    a: Kind,
    b: Kind,
) -> Option<tree_sitter::Node<'t>> {
    (0..node.child_count())
        .filter_map(|i| node.child(i))
        .find(|c| {
            let k = kind_of(table, *c);
            k == a || k == b
        })
}

/// The last child of `node` of kind `kind`, searched from the end (see [`first_child_of`]).
fn last_child_of<'t>(
    table: &[Kind],
    node: tree_sitter::Node<'t>,
    kind: Kind,
) -> Option<tree_sitter::Node<'t>> {
    (0..node.child_count())
        .rev()
        .filter_map(|i| node.child(i))
        .find(|c| kind_of(table, *c) == kind)
}

/// The tree's elements in document order (pre-order: parents before children).
///
/// Elements come from `element`, `script_element` and `style_element` nodes, also inside
/// `ERROR` nodes. Error recovery leaves elements that are still open at the end of the text
/// (a template that opens a `<div>` closed by another template, or markup being typed) as bare
/// start tags inside an `ERROR` node; like a browser, we make each an element running to the
/// end of that node, containing what follows it. For `<script>` and `<style>` that is their
/// raw text (an unclosed `<script>` runs to the end of the text in a browser too).
pub fn elements(text: &str, tree: &Tree, tokens: &[Token]) -> Vec<Element> {
    elements_reusing(text, tree, tokens, None)
}

/// What an incremental parse can take from the previous one: its elements, the edits since
/// (in order), and the byte ranges of the new text where the tree or the text changed.
pub struct Reuse<'a> {
    pub elements: &'a [Element],
    pub edits: &'a [InputEdit],
    pub dirty: Vec<Range<usize>>,
}

impl<'a> Reuse<'a> {
    /// `dirty`: the ranges (new text) the tree-sitter reparse reports as changed, and those
    /// whose blanking changed; the edits' own ranges are added here.
    pub fn new(
        elements: &'a [Element],
        edits: &'a [InputEdit],
        mut dirty: Vec<Range<usize>>,
    ) -> Reuse<'a> {
        let mut edited: Vec<Range<usize>> = Vec::with_capacity(edits.len());
        for e in edits {
            let forward = |p: usize, end: bool| {
                if p <= e.start_byte {
                    p
                } else if p >= e.old_end_byte {
                    p - e.old_end_byte + e.new_end_byte
                } else if end {
                    e.new_end_byte
                } else {
                    e.start_byte
                }
            };
            for r in &mut edited {
                *r = forward(r.start, false)..forward(r.end, true);
            }
            edited.push(e.start_byte..e.new_end_byte);
        }
        dirty.extend(edited);
        Reuse {
            elements,
            edits,
            dirty,
        }
    }

    /// The offset in the previous text of a new offset that no edit touched.
    fn old_offset(&self, new: usize) -> Option<usize> {
        let mut p = new;
        for e in self.edits.iter().rev() {
            if p >= e.new_end_byte {
                p = p - e.new_end_byte + e.old_end_byte;
            } else if p > e.start_byte {
                return None;
            }
        }
        Some(p)
    }

    /// Whether a changed range touches the bytes of `range`.
    fn touches(&self, range: &Range<usize>) -> bool {
        self.dirty.iter().any(|d| {
            if d.is_empty() {
                range.start < d.start && d.start < range.end
            } else {
                d.start < range.end && d.end > range.start
            }
        })
    }

    /// The previous elements of an unchanged element node (new range `range`, no error in it):
    /// its element and descendants, with their index there.
    fn subtree(&self, range: &Range<usize>, kind: ElementKind) -> Option<(usize, &'a [Element])> {
        if self.touches(range) {
            return None;
        }
        let start = self.old_offset(range.start)?;
        let old = self.elements;
        let i = old.partition_point(|e| e.range.start < start);
        let root = old.get(i)?;
        if root.range.start != start || root.range.len() != range.len() || root.kind != kind {
            return None;
        }
        let descendants = old[i + 1..].partition_point(|e| e.range.start < root.range.end);
        Some((i, &old[i..=i + descendants]))
    }
}

/// [`elements`], taking from `reuse` the elements of element nodes no edit or tree change
/// touched (shifted) instead of walking them again.
pub fn elements_reusing(
    text: &str,
    tree: &Tree,
    tokens: &[Token],
    reuse: Option<&Reuse>,
) -> Vec<Element> {
    let table = kind_table();
    let mut out: Vec<Element> = Vec::new();
    // Open elements: (element index, the depth below which it closes). A tree element closes
    // when the walk returns to its node's depth; an element from a bare start tag closes when
    // the walk leaves the `ERROR` node holding it.
    let mut stack: Vec<(usize, u32)> = Vec::new();
    // Kinds of the current node's ancestors, with where an element left open inside them
    // would end: the end of an element's content, of the document, or (for `ERROR` nodes)
    // their parent's.
    let mut path: Vec<(Kind, usize)> = Vec::new();
    // A raw-text element from a bare start tag, waiting for its `raw_text` sibling.
    let mut pending: Option<(usize, u32)> = None;
    let mut scanner = TokenScanner::new(tokens);
    let mut cursor = tree.walk();
    // `TreeCursor::depth` walks the cursor's stack; track it here instead.
    let mut depth: u32 = 0;
    // `ERROR` nodes among the current node's ancestors.
    let mut errors = 0usize;
    loop {
        let node = cursor.node();
        let node_kind = kind_of(table, node);
        let mut reused = false;
        let kind = match node_kind {
            Kind::Element => Some(ElementKind::Normal),
            Kind::ScriptElement => Some(ElementKind::Script),
            Kind::StyleElement => Some(ElementKind::Style),
            _ => None,
        };
        if let Some((idx, d)) = pending.take()
            && d == depth
            && node_kind == Kind::RawText
            && let Some(element) = out.get_mut(idx)
        {
            element.range.end = element.range.end.max(node.end_byte());
            element.content = element.content.start..element.range.end;
        }
        let in_error = path.last().map(|&(k, _)| k) == Some(Kind::Error);
        let bare_start = in_error && node_kind == Kind::StartTag;
        if kind.is_some() || bare_start {
            while stack.last().is_some_and(|&(_, d)| d >= depth) {
                stack.pop();
            }
        }
        let mut open_end = node.end_byte();
        let unchanged = match (kind, reuse) {
            (Some(kind), Some(reuse)) if errors == 0 && !node.has_error() => {
                reuse.subtree(&node.byte_range(), kind)
            }
            _ => None,
        };
        if let Some((old_index, old)) = unchanged {
            reused = true;
            let base = out.len();
            let parent = stack.last().map(|&(i, _)| i);
            let (old_start, new_start) = (old[0].range.start, node.start_byte());
            let old_depth = old[0].depth;
            let shift =
                |r: &Range<usize>| r.start - old_start + new_start..r.end - old_start + new_start;
            for (k, e) in old.iter().enumerate() {
                out.push(Element {
                    kind: e.kind,
                    name: e.name.clone(),
                    name_range: shift(&e.name_range),
                    range: shift(&e.range),
                    start_tag: shift(&e.start_tag),
                    self_closing: e.self_closing,
                    start_tag_closed: e.start_tag_closed,
                    attributes: e
                        .attributes
                        .iter()
                        .map(|a| Attribute {
                            name: shift(&a.name),
                            name_lower: a.name_lower.clone(),
                            value: a.value.as_ref().map(&shift),
                            quote: a.quote,
                            range: shift(&a.range),
                            terminated: a.terminated,
                        })
                        .collect(),
                    end_tag: e.end_tag.as_ref().map(&shift),
                    content: shift(&e.content),
                    parent: if k == 0 {
                        parent
                    } else {
                        e.parent.map(|p| p - old_index + base)
                    },
                    depth: e.depth - old_depth + stack.len(),
                });
            }
            // Leave the stack as the walk would have: the last element of the subtree and its
            // ancestors up to the subtree's root are still open (their node depths follow from
            // their element depths: a clean element's child elements are its node's children).
            let mut chain = Vec::new();
            let mut at = out.len().checked_sub(1);
            while let Some(i) = at.filter(|&i| i >= base) {
                chain.push(i);
                at = out[i].parent;
            }
            let root_depth = out[base].depth;
            for &i in chain.iter().rev() {
                let below = u32::try_from(out[i].depth - root_depth).unwrap_or(u32::MAX);
                stack.push((i, depth.saturating_add(below)));
            }
        } else if let Some(kind) = kind {
            if let Some(element) = element_of(text, table, node, kind, &mut scanner) {
                open_end = element.content.end;
                let parent = stack.last().map(|&(i, _)| i);
                stack.push((out.len(), depth));
                out.push(Element {
                    parent,
                    depth: stack.len() - 1,
                    ..element
                });
            }
        } else if bare_start {
            let open_until = path.last().map_or(node.end_byte(), |&(_, end)| end);
            if let Some(element) =
                bare_start_tag_element(text, table, node, open_until, &mut scanner)
            {
                let parent = stack.last().map(|&(i, _)| i);
                let element = Element {
                    parent,
                    depth: stack.len(),
                    ..element
                };
                match element.kind {
                    ElementKind::Normal if !is_void(&element.name) => {
                        // Contains its following siblings: open until the walk leaves the ERROR.
                        stack.push((out.len(), depth.saturating_sub(1)));
                    }
                    ElementKind::Normal => {}
                    _ => pending = Some((out.len(), depth)),
                }
                out.push(element);
            }
        }
        // Pre-order step; elements only live under documents, elements and errors.
        if !reused
            && (kind.is_some() || node_kind == Kind::Document || node_kind == Kind::Error)
            && cursor.goto_first_child()
        {
            if node_kind == Kind::Error {
                open_end = path.last().map_or(open_end, |&(_, end)| end.max(open_end));
                errors += 1;
            }
            path.push((node_kind, open_end));
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
            if let Some((Kind::Error, _)) = path.pop() {
                errors = errors.saturating_sub(1);
            }
            depth = depth.saturating_sub(1);
        }
    }
}

/// True for HTML void elements (`<input>`, `<br>`, …).
pub fn is_void(name: &str) -> bool {
    VOID.contains(&name)
}

/// An element for a start tag that error recovery left bare inside an `ERROR` node:
/// raw-text elements get their content from the next `raw_text` sibling, void elements are
/// just the tag, others run to `open_until` (the end of the enclosing element's content).
fn bare_start_tag_element(
    text: &str,
    table: &[Kind],
    start_tag: tree_sitter::Node<'_>,
    open_until: usize,
    scanner: &mut TokenScanner<'_>,
) -> Option<Element> {
    let name_node = first_child_of(table, start_tag, Kind::TagName, Kind::TagName)?;
    let name = text.get(name_node.byte_range())?.to_ascii_lowercase();
    let kind = match name.as_str() {
        "script" => ElementKind::Script,
        "style" => ElementKind::Style,
        _ => ElementKind::Normal,
    };
    let start_range = start_tag.byte_range();
    let tag_text = text.get(start_range.clone()).unwrap_or("");
    let end = if kind == ElementKind::Normal && !is_void(&name) {
        open_until.max(start_range.end)
    } else {
        start_range.end
    };
    Some(Element {
        kind,
        name,
        name_range: name_node.byte_range(),
        range: start_range.start..end,
        attributes: scan_attributes(text, name_node.end_byte(), start_range.end, scanner),
        self_closing: tag_text.ends_with("/>"),
        start_tag_closed: tag_text.ends_with('>'),
        end_tag: None,
        content: start_range.end..end,
        start_tag: start_range,
        parent: None,
        depth: 0,
    })
}

/// An element from its node: the first start (or self-closing) tag child names it, the last
/// end tag child ends its content.
fn element_of(
    text: &str,
    table: &[Kind],
    node: tree_sitter::Node<'_>,
    kind: ElementKind,
    scanner: &mut TokenScanner<'_>,
) -> Option<Element> {
    let start_tag = first_child_of(table, node, Kind::StartTag, Kind::SelfClosingTag)?;
    let end_tag = last_child_of(table, node, Kind::EndTag);
    let name_node = first_child_of(table, start_tag, Kind::TagName, Kind::TagName)?;
    let name_range = name_node.byte_range();
    let name = text.get(name_range.clone())?.to_ascii_lowercase();
    let range = node.byte_range();
    let start_range = start_tag.byte_range();
    let tag_text = text.get(start_range.clone()).unwrap_or("");
    let end_range = end_tag.map(|e| e.byte_range());
    let content_end = end_range.as_ref().map_or(range.end, |e| e.start);
    let content = start_range.end.min(content_end)..content_end;
    let attributes = scan_attributes(text, name_range.end, start_range.end, scanner);
    Some(Element {
        kind,
        name,
        name_range,
        range,
        self_closing: tag_text.ends_with("/>"),
        start_tag_closed: tag_text.ends_with('>'),
        start_tag: start_range,
        attributes,
        end_tag: end_range,
        content,
        parent: None,
        depth: 0,
    })
}

/// Finds the Django token at an offset; offsets must be asked in (mostly) increasing order.
struct TokenScanner<'a> {
    tokens: &'a [Token],
    next: usize,
}

impl<'a> TokenScanner<'a> {
    fn new(tokens: &'a [Token]) -> Self {
        TokenScanner { tokens, next: 0 }
    }

    /// The non-text token containing `offset`.
    fn django_at(&mut self, offset: usize) -> Option<&'a Token> {
        let tokens = self.tokens;
        if self.next >= tokens.len()
            || tokens[self.next].range.start > offset
            || (self.next > 0 && tokens[self.next - 1].range.end > offset)
        {
            self.next = tokens.partition_point(|t| t.range.end <= offset);
        }
        while self.next < tokens.len() && tokens[self.next].range.end <= offset {
            self.next += 1;
        }
        let token = tokens.get(self.next)?;
        (token.kind != TokenKind::Text && token.range.start <= offset).then_some(token)
    }
}

/// Scan the attributes of a start tag from its original text: `from` is the end of the tag
/// name, `tag_end` the end of the start tag node. Django tokens are atomic: `{% … %}` and
/// `{# … #}` separate attributes (`{% if x %}checked{% endif %}` gives `checked`), `{{ … }}`
/// is part of the name or value it touches.
fn scan_attributes(
    text: &str,
    from: usize,
    tag_end: usize,
    scanner: &mut TokenScanner<'_>,
) -> Vec<Attribute> {
    let bytes = text.as_bytes();
    let mut end = tag_end.min(bytes.len());
    if end > from && bytes.get(end - 1) == Some(&b'>') && scanner.django_at(end - 1).is_none() {
        end -= 1;
    }
    let mut attrs = Vec::new();
    let mut p = from;
    'outer: loop {
        // Separators.
        loop {
            if p >= end {
                break 'outer;
            }
            if let Some(tok) = scanner.django_at(p) {
                if tok.kind == TokenKind::Variable {
                    break;
                }
                p = tok.range.end.max(p + 1);
                continue;
            }
            match bytes[p] {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' => p += 1,
                _ => break,
            }
        }
        // Name.
        let name_start = p;
        while p < end {
            if let Some(tok) = scanner.django_at(p) {
                if tok.kind == TokenKind::Variable {
                    p = tok.range.end.max(p + 1);
                    continue;
                }
                break;
            }
            match bytes[p] {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' => break,
                b'=' if p > name_start => break,
                _ => p += 1,
            }
        }
        if p == name_start {
            // A stray `>` or similar: skip it.
            p += 1;
            continue;
        }
        let name = name_start..p.min(end);
        let mut q = p;
        while q < end && scanner.django_at(q).is_none() && bytes[q].is_ascii_whitespace() {
            q += 1;
        }
        let mut attribute = Attribute {
            name_lower: text.get(name.clone()).unwrap_or("").to_ascii_lowercase(),
            range: name.clone(),
            name,
            value: None,
            quote: Quote::None,
            terminated: true,
        };
        if q < end && bytes[q] == b'=' && scanner.django_at(q).is_none() {
            q += 1;
            while q < end && scanner.django_at(q).is_none() && bytes[q].is_ascii_whitespace() {
                q += 1;
            }
            let quote = match bytes.get(q) {
                Some(b'"') if q < end && scanner.django_at(q).is_none() => Quote::Double,
                Some(b'\'') if q < end && scanner.django_at(q).is_none() => Quote::Single,
                _ => Quote::None,
            };
            if quote == Quote::None {
                let value_start = q;
                while q < end {
                    if let Some(tok) = scanner.django_at(q) {
                        q = tok.range.end.max(q + 1);
                        continue;
                    }
                    if bytes[q].is_ascii_whitespace() || bytes[q] == b'>' {
                        break;
                    }
                    q += 1;
                }
                let q_end = q.min(end);
                attribute.value = Some(value_start..q_end);
                attribute.range.end = q_end;
                p = q_end;
            } else {
                let quote_byte = bytes[q];
                let value_start = q + 1;
                let mut r = value_start;
                let mut closed = false;
                while r < end {
                    if let Some(tok) = scanner.django_at(r) {
                        r = tok.range.end.max(r + 1);
                        continue;
                    }
                    if bytes[r] == quote_byte {
                        closed = true;
                        break;
                    }
                    r += 1;
                }
                let r = r.min(end);
                attribute.value = Some(value_start.min(r)..r);
                attribute.quote = quote;
                attribute.terminated = closed;
                attribute.range.end = if closed { r + 1 } else { r };
                p = attribute.range.end;
            }
        } else {
            p = p.max(name_start + 1);
        }
        attrs.push(attribute);
    }
    attrs
}

/// The element walk as it was before it compared kind ids and read tags with `Node::child`:
/// the reference the faster walk must equal.
#[cfg(test)]
mod reference_tests {
    use proptest::prelude::*;

    use super::*;

    /// `find_ci` jumps between `<` bytes; a plain search over every start gives the same.
    #[test]
    fn find_ci_equals_a_search_at_every_start() {
        let naive = |bytes: &[u8], from: usize, needle: &[u8]| {
            (from..bytes.len()).find(|&p| {
                bytes
                    .get(p..p + needle.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(needle))
            })
        };
        let texts: [&[u8]; 6] = [
            b"<SCRIPT><scr<script>",
            b"a<<sCrIpT x",
            b"<scrip",
            b"",
            b"<<<<",
            b"\xc3\xa9<Script>\xc3<script>",
        ];
        for text in texts {
            for needle in [&b"<script"[..], b"</script", b"<"] {
                for from in 0..=text.len() + 1 {
                    assert_eq!(
                        find_ci(text, from, needle),
                        naive(text, from, needle),
                        "{:?} {:?} from {from}",
                        String::from_utf8_lossy(text),
                        String::from_utf8_lossy(needle)
                    );
                }
            }
        }
    }

    fn elements_by_name(text: &str, tree: &Tree, tokens: &[Token]) -> Vec<Element> {
        let mut out: Vec<Element> = Vec::new();
        // Open elements: (element index, the depth below which it closes). A tree element closes
        // when the walk returns to its node's depth; an element from a bare start tag closes when
        // the walk leaves the `ERROR` node holding it.
        let mut stack: Vec<(usize, u32)> = Vec::new();
        // Kinds of the current node's ancestors, with where an element left open inside them
        // would end: the end of an element's content, of the document, or (for `ERROR` nodes)
        // their parent's.
        let mut path: Vec<(&'static str, usize)> = Vec::new();
        // A raw-text element from a bare start tag, waiting for its `raw_text` sibling.
        let mut pending: Option<(usize, u32)> = None;
        let mut scanner = TokenScanner::new(tokens);
        let mut cursor = tree.walk();
        // `TreeCursor::depth` walks the cursor's stack; track it here instead.
        let mut depth: u32 = 0;
        loop {
            let node = cursor.node();
            let node_kind = node.kind();
            let kind = match node_kind {
                "element" => Some(ElementKind::Normal),
                "script_element" => Some(ElementKind::Script),
                "style_element" => Some(ElementKind::Style),
                _ => None,
            };
            if let Some((idx, d)) = pending.take()
                && d == depth
                && node_kind == "raw_text"
                && let Some(element) = out.get_mut(idx)
            {
                element.range.end = element.range.end.max(node.end_byte());
                element.content = element.content.start..element.range.end;
            }
            let in_error = path.last().map(|&(k, _)| k) == Some("ERROR");
            let bare_start = in_error && node_kind == "start_tag";
            if kind.is_some() || bare_start {
                while stack.last().is_some_and(|&(_, d)| d >= depth) {
                    stack.pop();
                }
            }
            let mut open_end = node.end_byte();
            if let Some(kind) = kind {
                if let Some(element) = element_of_by_name(text, node, kind, &mut scanner) {
                    open_end = element.content.end;
                    let parent = stack.last().map(|&(i, _)| i);
                    stack.push((out.len(), depth));
                    out.push(Element {
                        parent,
                        depth: stack.len() - 1,
                        ..element
                    });
                }
            } else if bare_start {
                let open_until = path.last().map_or(node.end_byte(), |&(_, end)| end);
                if let Some(element) =
                    bare_start_tag_element_by_name(text, node, open_until, &mut scanner)
                {
                    let parent = stack.last().map(|&(i, _)| i);
                    let element = Element {
                        parent,
                        depth: stack.len(),
                        ..element
                    };
                    match element.kind {
                        ElementKind::Normal if !is_void(&element.name) => {
                            // Contains its following siblings: open until the walk leaves the ERROR.
                            stack.push((out.len(), depth.saturating_sub(1)));
                        }
                        ElementKind::Normal => {}
                        _ => pending = Some((out.len(), depth)),
                    }
                    out.push(element);
                }
            }
            // Pre-order step; elements only live under documents, elements and errors.
            if (kind.is_some() || node_kind == "document" || node_kind == "ERROR")
                && cursor.goto_first_child()
            {
                if node_kind == "ERROR" {
                    open_end = path.last().map_or(open_end, |&(_, end)| end.max(open_end));
                }
                path.push((node_kind, open_end));
                depth += 1;
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return out;
                }
                path.pop();
                depth = depth.saturating_sub(1);
            }
        }
    }

    fn bare_start_tag_element_by_name(
        text: &str,
        start_tag: tree_sitter::Node<'_>,
        open_until: usize,
        scanner: &mut TokenScanner<'_>,
    ) -> Option<Element> {
        let mut tag_cursor = start_tag.walk();
        let name_node = start_tag
            .children(&mut tag_cursor)
            .find(|c| c.kind() == "tag_name")?;
        let name = text.get(name_node.byte_range())?.to_ascii_lowercase();
        let kind = match name.as_str() {
            "script" => ElementKind::Script,
            "style" => ElementKind::Style,
            _ => ElementKind::Normal,
        };
        let start_range = start_tag.byte_range();
        let tag_text = text.get(start_range.clone()).unwrap_or("");
        let end = if kind == ElementKind::Normal && !is_void(&name) {
            open_until.max(start_range.end)
        } else {
            start_range.end
        };
        Some(Element {
            kind,
            name,
            name_range: name_node.byte_range(),
            range: start_range.start..end,
            attributes: scan_attributes(text, name_node.end_byte(), start_range.end, scanner),
            self_closing: tag_text.ends_with("/>"),
            start_tag_closed: tag_text.ends_with('>'),
            end_tag: None,
            content: start_range.end..end,
            start_tag: start_range,
            parent: None,
            depth: 0,
        })
    }

    fn element_of_by_name(
        text: &str,
        node: tree_sitter::Node<'_>,
        kind: ElementKind,
        scanner: &mut TokenScanner<'_>,
    ) -> Option<Element> {
        let mut start_tag = None;
        let mut end_tag = None;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "start_tag" | "self_closing_tag" if start_tag.is_none() => start_tag = Some(child),
                "end_tag" => end_tag = Some(child),
                _ => {}
            }
        }
        let start_tag = start_tag?;
        let mut tag_cursor = start_tag.walk();
        let name_node = start_tag
            .children(&mut tag_cursor)
            .find(|c| c.kind() == "tag_name")?;
        let name_range = name_node.byte_range();
        let name = text.get(name_range.clone())?.to_ascii_lowercase();
        let range = node.byte_range();
        let start_range = start_tag.byte_range();
        let tag_text = text.get(start_range.clone()).unwrap_or("");
        let end_range = end_tag.map(|e| e.byte_range());
        let content_end = end_range.as_ref().map_or(range.end, |e| e.start);
        let content = start_range.end.min(content_end)..content_end;
        let attributes = scan_attributes(text, name_range.end, start_range.end, scanner);
        Some(Element {
            kind,
            name,
            name_range,
            range,
            self_closing: tag_text.ends_with("/>"),
            start_tag_closed: tag_text.ends_with('>'),
            start_tag: start_range,
            attributes,
            end_tag: end_range,
            content,
            parent: None,
            depth: 0,
        })
    }

    /// Elements of `text` by both walks.
    fn both(text: &str) -> (Vec<Element>, Vec<Element>) {
        let tokens = super::super::lexer::tokenize(text);
        let (_, blanked) = hidden_and_blanked(text, &tokens);
        let tree = parse(&blanked, None).tree;
        (
            elements(text, &tree, &tokens),
            elements_by_name(text, &tree, &tokens),
        )
    }

    #[test]
    fn examples_equal_reference() {
        for text in [
            "",
            "<div><p>a<p>b</div>",
            "<ul><li>a<li>b</ul><br><img src=x/>",
            "<div class=\"{{ c }}\">{% if a %}<a href='{% url \"x\" %}'>{{ b }}</a>{% endif %}",
            "<script>var x = {{ x }};</script><style>a{}</style>",
            "</div></span><div><form method=post><input name=a>",
            "<script>unclosed",
            "<div <a href=\"",
            "<table><tr><td>a<td>b<tr><td>c</table>",
        ] {
            let (fast, reference) = both(text);
            assert_eq!(fast, reference, "{text:?}");
        }
    }

    const FRAGMENTS: &[&str] = &[
        "<div>",
        "</div>",
        "<a href=\"",
        "\">",
        "{{ x }}",
        "{% if a %}",
        "{% endif %}",
        "<script>",
        "</script>",
        "<style>",
        "</style>",
        "text",
        "\n",
        "'",
        "\"",
        "=",
        "<",
        ">",
        "</",
        "/>",
        "<p>",
        "<li>",
        "</li>",
        "<br>",
        "<input name=a>",
        "<form method=post>",
        "</form>",
        "<!-- ",
        " -->",
        "<table>",
        "<tr>",
        "<td>",
        "</table>",
        "<!DOCTYPE html>",
        "<svg:g>",
        "<b",
        " c=d",
        "é",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn elements_equal_reference(
            parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..60),
        ) {
            let text = parts.concat();
            let (fast, reference) = both(&text);
            prop_assert_eq!(fast, reference, "{:?}", text);
        }
    }
}
