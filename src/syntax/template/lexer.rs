//! The Django template lexer: `{{ }}`, `{% %}` and `{# #}` tokens, and the text between them.
//!
//! It follows Django's own `Lexer.tokenize` (`django/template/base.py`): a tag starts at `{%`,
//! `{{` or `{#` and ends at the *first* matching `%}`, `}}` or `#}` **on the same line** (Django's
//! `tag_re` has no DOTALL flag, so a tag never spans a newline; an unterminated tag is text).
//! Inside `{% verbatim %}…{% endverbatim %}` (and `verbatim name` … `endverbatim name`) every tag
//! is text, and the contents of `{% comment %}…{% endcomment %}` are one comment token, as
//! Django's parser skips them.
//!
//! Two deliberate departures, both for editing: an unclosed `{% verbatim %}` or `{% comment %}`
//! (which Django refuses to compile) does not swallow the rest of the file, so diagnostics below
//! a half-typed block do not vanish while the user types its end tag; and adjacent text pieces
//! are merged into one text token.
//!
//! The lexer never fails and never panics. Every range is a byte range into the original text
//! and falls on a character boundary (all delimiters are ASCII).

use std::collections::HashMap;
use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenKind {
    /// Text between Django tags (HTML, usually).
    Text,
    /// `{{ … }}`.
    Variable,
    /// `{% … %}`.
    Block,
    /// `{# … #}`, or the contents of `{% comment %}…{% endcomment %}`.
    Comment,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Text => "Text",
            TokenKind::Variable => "Variable",
            TokenKind::Block => "Block",
            TokenKind::Comment => "Comment",
        }
    }
}

/// One token of a template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    pub kind: TokenKind,
    /// The whole token, delimiters included.
    pub range: Range<usize>,
    /// The content: between the delimiters and trimmed of whitespace for tags; the whole range
    /// for text; for the body of a `{% comment %}` block, the body trimmed.
    pub content: Range<usize>,
}

impl Token {
    /// The token's text.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.range.clone()).unwrap_or("")
    }

    /// The token's content (see [`Token::content`]).
    pub fn content_text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.content.clone()).unwrap_or("")
    }

    /// True for Django's own tokens: everything but text.
    pub fn is_django(&self) -> bool {
        self.kind != TokenKind::Text
    }
}

/// The text of `range` in `source`, or "" when the range is not valid for it.
pub fn slice<'a>(source: &'a str, range: &Range<usize>) -> &'a str {
    source.get(range.clone()).unwrap_or("")
}

/// Trim whitespace (Unicode, like Python's `str.strip()`) off both ends of `range`.
pub fn trim_range(source: &str, range: Range<usize>) -> Range<usize> {
    let s = slice(source, &range);
    let start = range.start + (s.len() - s.trim_start().len());
    let end = range.start + s.trim_end().len();
    if start >= end {
        start..start
    } else {
        start..end
    }
}

/// Which tag a `{` at some offset opens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opener {
    Block = 0,
    Variable = 1,
    Comment = 2,
}

impl Opener {
    fn close_byte(self) -> u8 {
        match self {
            Opener::Block => b'%',
            Opener::Variable => b'}',
            Opener::Comment => b'#',
        }
    }
}

/// The result of a search for a closing delimiter, cached so that the scan stays linear on
/// pathological lines (thousands of `{{` with no `}}`).
#[derive(Clone, Copy, Default)]
struct CloseMemo {
    /// The search started here...
    from: usize,
    /// ...and found the closer here (`found`), or met a newline or the end of the text here.
    at: usize,
    found: bool,
    valid: bool,
}

/// The first `X}` (X = `close`) at or after `from` and before the next newline.
fn find_close(bytes: &[u8], from: usize, close: u8, memo: &mut CloseMemo) -> Option<usize> {
    if memo.valid && memo.from <= from && from <= memo.at {
        return memo.found.then_some(memo.at);
    }
    let mut j = from;
    let result = loop {
        match bytes.get(j) {
            None => break (j, false),
            Some(b'\n') => break (j, false),
            Some(&b) if b == close && bytes.get(j + 1) == Some(&b'}') => break (j, true),
            Some(_) => j += 1,
        }
    };
    *memo = CloseMemo {
        from,
        at: result.0,
        found: result.1,
        valid: true,
    };
    result.1.then_some(result.0)
}

/// A piece of Django's `tag_re.split(...)`: text, or a tag with its opener.
struct Piece {
    range: Range<usize>,
    opener: Option<Opener>,
}

/// Split like Django's `tag_re.split`: `({%.*?%}|{{.*?}}|{#.*?#})`, no DOTALL.
fn split(text: &str) -> Vec<Piece> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut memos = [CloseMemo::default(); 3];
    let mut text_start = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let Some(rel) = bytes[i..bytes.len() - 1].iter().position(|&b| b == b'{') else {
            break;
        };
        i += rel;
        let opener = match bytes.get(i + 1) {
            Some(b'%') => Opener::Block,
            Some(b'{') => Opener::Variable,
            Some(b'#') => Opener::Comment,
            _ => {
                i += 1;
                continue;
            }
        };
        match find_close(
            bytes,
            i + 2,
            opener.close_byte(),
            &mut memos[opener as usize],
        ) {
            Some(close) => {
                if text_start < i {
                    pieces.push(Piece {
                        range: text_start..i,
                        opener: None,
                    });
                }
                pieces.push(Piece {
                    range: i..close + 2,
                    opener: Some(opener),
                });
                i = close + 2;
                text_start = i;
            }
            None => i += 1,
        }
    }
    if text_start < bytes.len() {
        pieces.push(Piece {
            range: text_start..bytes.len(),
            opener: None,
        });
    }
    pieces
}

/// The trimmed inside of a tag piece.
fn inner(text: &str, range: &Range<usize>) -> Range<usize> {
    trim_range(
        text,
        range.start + 2..range.end.saturating_sub(2).max(range.start + 2),
    )
}

/// `verbatim` or `verbatim <anything>` (Django: `block_content[:9] in ("verbatim", "verbatim ")`).
fn starts_verbatim(content: &str) -> bool {
    content == "verbatim" || content.starts_with("verbatim ")
}

/// Tokenize a template. Never fails; the tokens cover the text exactly, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let pieces = split(text);

    // Where each possible `endverbatim…` closer occurs, to tell closed verbatim blocks from
    // unclosed ones without rescanning (see the module docs).
    let mut closers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (idx, piece) in pieces.iter().enumerate() {
        if piece.opener == Some(Opener::Block) {
            let content = slice(text, &inner(text, &piece.range));
            if content.starts_with("endverbatim") {
                closers.entry(content).or_default().push(idx);
            }
        }
    }

    let mut tokens: Vec<Token> = Vec::with_capacity(pieces.len());
    let mut verbatim_end: Option<String> = None;
    for (idx, piece) in pieces.iter().enumerate() {
        let kind = match piece.opener {
            None => TokenKind::Text,
            Some(opener) => {
                let content_range = inner(text, &piece.range);
                let content = slice(text, &content_range);
                if opener == Opener::Block && verbatim_end.as_deref() == Some(content) {
                    verbatim_end = None;
                    TokenKind::Block
                } else if verbatim_end.is_some() {
                    TokenKind::Text
                } else {
                    match opener {
                        Opener::Block => {
                            if starts_verbatim(content) {
                                let end = format!("end{content}");
                                let closed = closers.get(end.as_str()).is_some_and(|list| {
                                    let at = list.partition_point(|&k| k <= idx);
                                    at < list.len()
                                });
                                if closed {
                                    verbatim_end = Some(end);
                                }
                            }
                            TokenKind::Block
                        }
                        Opener::Variable => TokenKind::Variable,
                        Opener::Comment => TokenKind::Comment,
                    }
                }
            }
        };
        let content = match kind {
            TokenKind::Text => piece.range.clone(),
            _ => inner(text, &piece.range),
        };
        if kind == TokenKind::Text
            && let Some(last) = tokens.last_mut()
            && last.kind == TokenKind::Text
        {
            last.range.end = piece.range.end;
            last.content.end = piece.range.end;
            continue;
        }
        tokens.push(Token {
            kind,
            range: piece.range.clone(),
            content,
        });
    }
    collapse_comment_blocks(text, tokens)
}

/// Turn the tokens between `{% comment … %}` and the next `{% endcomment %}` into one comment
/// token, as Django's `comment` tag skips them (`parser.skip_past("endcomment")`).
fn collapse_comment_blocks(text: &str, tokens: Vec<Token>) -> Vec<Token> {
    let closers: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == TokenKind::Block && t.content_text(text) == "endcomment")
        .map(|(i, _)| i)
        .collect();
    if closers.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut next_closer = 0;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        out.push(token.clone());
        if token.kind == TokenKind::Block && block_name_str(text, token) == "comment" {
            while next_closer < closers.len() && closers[next_closer] <= i {
                next_closer += 1;
            }
            if let Some(&close) = closers.get(next_closer) {
                let body = token.range.end..tokens[close].range.start;
                if !body.is_empty() {
                    out.push(Token {
                        kind: TokenKind::Comment,
                        content: trim_range(text, body.clone()),
                        range: body,
                    });
                }
                out.push(tokens[close].clone());
                i = close + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn block_name_str<'a>(text: &'a str, token: &Token) -> &'a str {
    // Fast path, a byte scan: a name of ASCII characters without quotes, starting at the
    // content's first byte, ends at the first (ASCII) whitespace, which is where `bits` would
    // end it (`char::is_whitespace` is exactly these six among ASCII characters). Names are
    // asked for every block tag, several times per analysis, and `bits` walks chars.
    let content = slice(text, &token.content);
    for (i, &b) in content.as_bytes().iter().enumerate() {
        match b {
            b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' if i > 0 => return &content[..i],
            b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' | b'"' | b'\'' | 0x80.. => {
                return block_name_slow(text, token);
            }
            _ => {}
        }
    }
    content
}

/// [`block_name_str`] by the general rules of [`bits`] (quotes, Unicode whitespace).
fn block_name_slow<'a>(text: &'a str, token: &Token) -> &'a str {
    bits(text, token.content.clone())
        .next()
        .map_or("", |r| slice(text, &r))
}

// ---------------------------------------------------------------------------------------------
// Block tags: `{% name arg arg %}`.

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Split `range` into whitespace-separated bits, keeping quoted strings (with backslash
/// escapes) together, like Django's `smart_split`: `{% url "a b" x=' c ' %}` has three bits
/// after the name. An unterminated quote is an ordinary character.
pub fn split_bits(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    bits(text, range).collect()
}

/// The bits of [`split_bits`], one at a time (a block's name is its first bit).
fn bits(text: &str, range: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let s = slice(text, &range);
    let base = range.start;
    let bytes = s.as_bytes();
    let mut chars = s.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(start, c)) = chars.peek() {
            if is_space(c) {
                chars.next();
                continue;
            }
            // A bit: until unquoted whitespace.
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if is_space(c) {
                    break;
                }
                if (c == '"' || c == '\'')
                    && let Some(close) = closing_quote(bytes, i)
                {
                    // Skip to the closing quote.
                    while let Some(&(j, _)) = chars.peek() {
                        if j > close {
                            break;
                        }
                        chars.next();
                    }
                    end = close + 1;
                    continue;
                }
                chars.next();
                end = i + c.len_utf8();
            }
            return Some(base + start..base + end);
        }
        None
    })
}

/// The index of the quote closing the one at `open` (backslash escapes honoured).
fn closing_quote(bytes: &[u8], open: usize) -> Option<usize> {
    let quote = *bytes.get(open)?;
    let mut j = open + 1;
    while let Some(&b) = bytes.get(j) {
        if b == b'\\' {
            j += 2;
        } else if b == quote {
            return Some(j);
        } else {
            j += 1;
        }
    }
    None
}

/// A block tag split into its name and arguments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockTag {
    /// The tag name (`if`, `csrf_token`, …); empty for `{% %}`.
    pub name: Range<usize>,
    /// The arguments, split like Django's `split_contents` (quoted strings kept whole).
    pub args: Vec<Range<usize>>,
}

/// Split a block token (`{% … %}`) into name and arguments.
pub fn block_tag(text: &str, token: &Token) -> BlockTag {
    let mut bits = split_bits(text, token.content.clone()).into_iter();
    let name = bits
        .next()
        .unwrap_or(token.content.start..token.content.start);
    BlockTag {
        name,
        args: bits.collect(),
    }
}

/// The name of a block tag (`if` for `{% if x %}`), or "" for other tokens.
pub fn block_name<'a>(text: &'a str, token: &Token) -> &'a str {
    if token.kind == TokenKind::Block {
        block_name_str(text, token)
    } else {
        ""
    }
}

// ---------------------------------------------------------------------------------------------
// Filter expressions: `{{ base|filter:arg|filter }}`.

/// What a filter expression starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseKind {
    /// A variable lookup: `user.name`.
    Variable,
    /// A string literal: `"x"`, `'x'`, `_("x")`.
    String,
    /// A number literal: `42`, `-1.5`.
    Number,
    /// Nothing (an empty `{{ }}`, a filter chain of `{% filter %}`, or unparsable input).
    Missing,
}

/// One filter in a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The filter's name.
    pub name: Range<usize>,
    /// The argument after `:`, quotes included for strings.
    pub arg: Option<Range<usize>>,
    /// From the `|` before the name (or the name, for the first filter of `{% filter %}`) to the
    /// end of the argument: deleting it removes the filter.
    pub range: Range<usize>,
}

/// A parsed filter expression, like Django's `FilterExpression`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterExpression {
    /// The base expression (empty at the start of the content when missing).
    pub base: Range<usize>,
    pub base_kind: BaseKind,
    pub filters: Vec<Filter>,
    /// Where parsing stopped on input Django would reject ("could not parse the remainder");
    /// the filters before it are kept.
    pub error: Option<usize>,
}

impl FilterExpression {
    /// A string or number literal (possibly filtered): `{{ "x"|safe }}`.
    pub fn is_literal(&self) -> bool {
        matches!(self.base_kind, BaseKind::String | BaseKind::Number)
    }

    /// The filters' names, in order.
    pub fn filter_names<'a>(&'a self, text: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.filters.iter().map(move |f| slice(text, &f.name))
    }

    /// True when a filter of this name is in the chain.
    pub fn has_filter(&self, text: &str, name: &str) -> bool {
        self.filter_names(text).any(|n| n == name)
    }

    /// The base expression's text.
    pub fn base_text<'a>(&self, text: &'a str) -> &'a str {
        slice(text, &self.base)
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
    end: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        if self.pos >= self.end {
            return None;
        }
        self.s.get(self.pos..self.end)?.chars().next()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        let p = self.pos + offset;
        if p >= self.end {
            return None;
        }
        self.s.get(p..self.end)?.chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.bump();
        }
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.bump();
        }
        self.pos - start
    }

    /// A quoted string at the cursor (`"…"` or `'…'`, backslash escapes), consumed.
    fn string(&mut self) -> bool {
        let bytes = self.s.as_bytes();
        match self.peek() {
            Some('"' | '\'') => match closing_quote(&bytes[..self.end], self.pos) {
                Some(close) => {
                    self.pos = close + 1;
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// Django's `constant`: a string, or `_("…")`.
    fn constant(&mut self) -> bool {
        let save = self.pos;
        if self.peek() == Some('_') && self.peek_at(1) == Some('(') {
            self.pos += 2;
            if self.string() && self.peek() == Some(')') {
                self.bump();
                return true;
            }
            self.pos = save;
            return false;
        }
        self.string()
    }

    /// Django's `num`: `[-+.]?\d[\d.e]*`.
    fn number(&mut self) -> bool {
        let save = self.pos;
        if matches!(self.peek(), Some('-' | '+' | '.')) {
            self.bump();
        }
        if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos = save;
            return false;
        }
        self.eat_while(|c| c.is_ascii_digit() || c == '.' || c == 'e');
        true
    }

    /// `[\w.]+` or a number; returns its kind.
    fn var_or_number(&mut self) -> Option<BaseKind> {
        let start = self.pos;
        if self.eat_while(|c| is_word(c) || c == '.') > 0 {
            let word = self.s.get(start..self.pos).unwrap_or("");
            let numeric = word.starts_with(|c: char| c.is_ascii_digit() || c == '.')
                && word.parse::<f64>().is_ok();
            return Some(if numeric {
                BaseKind::Number
            } else {
                BaseKind::Variable
            });
        }
        self.number().then_some(BaseKind::Number)
    }
}

/// Parse the content of a `{{ … }}` token (or any range holding a filter expression).
pub fn parse_filter_expression(text: &str, range: Range<usize>) -> FilterExpression {
    parse_expression(text, range, true)
}

/// Parse a filter chain without a base, like the argument of `{% filter a|b:"c" %}`.
pub fn parse_filter_chain(text: &str, range: Range<usize>) -> FilterExpression {
    parse_expression(text, range, false)
}

/// The filter expression of a variable token, or of a `{% filter … %}` tag's argument.
pub fn token_filter_expression(text: &str, token: &Token) -> Option<FilterExpression> {
    match token.kind {
        TokenKind::Variable => Some(parse_filter_expression(text, token.content.clone())),
        TokenKind::Block => {
            let tag = block_tag(text, token);
            if slice(text, &tag.name) != "filter" {
                return None;
            }
            let rest = trim_range(text, tag.name.end..token.content.end);
            Some(parse_filter_chain(text, rest))
        }
        _ => None,
    }
}

fn parse_expression(text: &str, range: Range<usize>, with_base: bool) -> FilterExpression {
    let range = trim_range(text, range);
    let end = range.end.min(text.len());
    let mut cur = Cursor {
        s: text,
        pos: range.start.min(end),
        end,
    };
    let mut expr = FilterExpression {
        base: cur.pos..cur.pos,
        base_kind: BaseKind::Missing,
        filters: Vec::new(),
        error: None,
    };
    if with_base {
        let start = cur.pos;
        let kind = if cur.constant() {
            Some(BaseKind::String)
        } else {
            cur.var_or_number()
        };
        match kind {
            Some(kind) => {
                expr.base = start..cur.pos;
                expr.base_kind = kind;
            }
            None => {
                if cur.pos < cur.end {
                    expr.error = Some(cur.pos);
                }
                return expr;
            }
        }
    }
    let mut first = !with_base;
    loop {
        let before = cur.pos;
        cur.skip_space();
        if cur.peek().is_none() {
            break;
        }
        let filter_start = cur.pos;
        if first {
            first = false;
            if cur.peek() == Some('|') {
                cur.bump();
                cur.skip_space();
            }
        } else if cur.peek() == Some('|') {
            cur.bump();
            cur.skip_space();
        } else {
            expr.error = Some(before.max(filter_start));
            break;
        }
        let name_start = cur.pos;
        if cur.eat_while(is_word) == 0 {
            expr.error = Some(filter_start);
            break;
        }
        let name = name_start..cur.pos;
        let mut arg = None;
        if cur.peek() == Some(':') {
            cur.bump();
            let arg_start = cur.pos;
            if cur.constant() || cur.var_or_number().is_some() {
                arg = Some(arg_start..cur.pos);
            } else {
                expr.error = Some(arg_start);
                expr.filters.push(Filter {
                    range: filter_start..cur.pos,
                    name,
                    arg: None,
                });
                break;
            }
        }
        expr.filters.push(Filter {
            range: filter_start..cur.pos,
            name,
            arg,
        });
    }
    expr
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-scan fast path of `block_name_str` equals the general `bits` rules on every
    /// string of up to four characters from an alphabet of name characters, quotes and
    /// (ASCII and Unicode) whitespace.
    #[test]
    fn block_name_fast_path_equals_bits() {
        const ALPHABET: &[&str] = &[
            "a", "%", " ", "\t", "\x0b", "\x0c", "\r", "\n", "\"", "'", "\\", "é", "\u{a0}",
            "\u{85}", "\x1c",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| ALPHABET.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
            texts.sort();
            texts.dedup();
        }
        for content in texts {
            let text = format!("{{% {content} %}}");
            let token = Token {
                kind: TokenKind::Block,
                range: 0..text.len(),
                content: 3..3 + content.len(),
            };
            assert_eq!(
                block_name_str(&text, &token),
                block_name_slow(&text, &token),
                "{content:?}"
            );
        }
    }

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokenize(text)
            .iter()
            .map(|t| (t.kind, t.text(text)))
            .collect()
    }

    fn check_cover(text: &str) {
        let tokens = tokenize(text);
        let mut at = 0;
        for t in &tokens {
            assert_eq!(t.range.start, at, "gap before {t:?} in {text:?}");
            assert!(t.range.end > t.range.start, "empty token {t:?}");
            assert!(t.content.start >= t.range.start && t.content.end <= t.range.end);
            assert!(text.get(t.range.clone()).is_some());
            assert!(text.get(t.content.clone()).is_some());
            at = t.range.end;
        }
        assert_eq!(at, text.len());
        for pair in tokens.windows(2) {
            assert!(
                !(pair[0].kind == TokenKind::Text && pair[1].kind == TokenKind::Text),
                "adjacent text tokens in {text:?}"
            );
        }
    }

    use TokenKind::*;

    #[test]
    fn basic_tokens() {
        let t = "<p>{{ x }}{% if a %}y{% endif %}{# c #}</p>";
        assert_eq!(
            kinds(t),
            vec![
                (Text, "<p>"),
                (Variable, "{{ x }}"),
                (Block, "{% if a %}"),
                (Text, "y"),
                (Block, "{% endif %}"),
                (Comment, "{# c #}"),
                (Text, "</p>"),
            ]
        );
        let tokens = tokenize(t);
        assert_eq!(tokens[1].content_text(t), "x");
        assert_eq!(tokens[2].content_text(t), "if a");
        assert_eq!(tokens[5].content_text(t), "c");
        check_cover(t);
    }

    #[test]
    fn tags_do_not_span_lines_and_close_at_the_first_closer() {
        assert_eq!(kinds("{{ x\n }}"), vec![(Text, "{{ x\n }}")]);
        assert_eq!(kinds("{% if\n%}"), vec![(Text, "{% if\n%}")]);
        assert_eq!(
            kinds("{{{ x }}}"),
            vec![(Variable, "{{{ x }}"), (Text, "}")]
        );
        assert_eq!(
            kinds("{{ \"}}\" }}"),
            vec![(Variable, "{{ \"}}"), (Text, "\" }}")]
        );
        assert_eq!(kinds("{% a }} %}"), vec![(Block, "{% a }} %}")]);
        assert_eq!(kinds("{%%}"), vec![(Block, "{%%}")]);
        assert_eq!(kinds("{%}"), vec![(Text, "{%}")]);
        assert_eq!(kinds("{{}}"), vec![(Variable, "{{}}")]);
        assert_eq!(kinds("{{% x %}"), vec![(Text, "{"), (Block, "{% x %}")]);
    }

    #[test]
    fn half_typed_and_odd_input() {
        for t in [
            "",
            "{",
            "{{",
            "{%",
            "{#",
            "x{{",
            "{{ x",
            "{{ x }",
            "{% if x %",
            "{% if x %}{% ",
            "{# a",
            "}}%}#}",
            "é{{ ü }}ß",
            "\0{{\0}}\0",
            "{{ x }}\r\n{% y %}",
            "{\u{1F600}{ x }}",
            "{{ \u{1F600} }}",
            "{% verbatim %}",
            "{% comment %}",
            "{% endverbatim %}{% endcomment %}",
            "{% verbatim x %}{% endverbatim %}",
        ] {
            check_cover(t);
        }
        assert_eq!(kinds("a {{ x"), vec![(Text, "a {{ x")]);
        assert_eq!(
            kinds("{{ x }}{% if"),
            vec![(Variable, "{{ x }}"), (Text, "{% if")]
        );
        assert_eq!(kinds("é{{ ü }}"), vec![(Text, "é"), (Variable, "{{ ü }}")]);
    }

    #[test]
    fn verbatim() {
        let t = "{% verbatim %}{{ x }}{% if %}{% endverbatim %}{{ y }}";
        assert_eq!(
            kinds(t),
            vec![
                (Block, "{% verbatim %}"),
                (Text, "{{ x }}{% if %}"),
                (Block, "{% endverbatim %}"),
                (Variable, "{{ y }}"),
            ]
        );
        let t = "{% verbatim a %}{% endverbatim %}{{ x }}{% endverbatim a %}{{ y }}";
        assert_eq!(
            kinds(t),
            vec![
                (Block, "{% verbatim a %}"),
                (Text, "{% endverbatim %}{{ x }}"),
                (Block, "{% endverbatim a %}"),
                (Variable, "{{ y }}"),
            ]
        );
        // `verbatimx` is not verbatim.
        assert_eq!(
            kinds("{% verbatimx %}{{ x }}"),
            vec![(Block, "{% verbatimx %}"), (Variable, "{{ x }}")]
        );
        // Unclosed: does not swallow the rest.
        assert_eq!(
            kinds("{% verbatim %}{{ x }}"),
            vec![(Block, "{% verbatim %}"), (Variable, "{{ x }}")]
        );
    }

    #[test]
    fn comment_blocks() {
        let t = "a{% comment \"why\" %}<b>{{ x }}{% if %}</b>{% endcomment %}{{ y }}";
        assert_eq!(
            kinds(t),
            vec![
                (Text, "a"),
                (Block, "{% comment \"why\" %}"),
                (Comment, "<b>{{ x }}{% if %}</b>"),
                (Block, "{% endcomment %}"),
                (Variable, "{{ y }}"),
            ]
        );
        assert_eq!(
            kinds("{% comment %}{% endcomment %}"),
            vec![(Block, "{% comment %}"), (Block, "{% endcomment %}")]
        );
        // Unclosed: does not swallow the rest.
        assert_eq!(
            kinds("{% comment %}{{ x }}"),
            vec![(Block, "{% comment %}"), (Variable, "{{ x }}")]
        );
        // Two comment blocks, the closer of the first is not reused by the second.
        assert_eq!(
            kinds("{% comment %}a{% endcomment %}{% comment %}{{ b }}"),
            vec![
                (Block, "{% comment %}"),
                (Comment, "a"),
                (Block, "{% endcomment %}"),
                (Block, "{% comment %}"),
                (Variable, "{{ b }}"),
            ]
        );
        // A verbatim endcomment does not end the comment.
        let t =
            "{% comment %}{% verbatim %}{% endcomment %}{% endverbatim %}{% endcomment %}{{ z }}";
        let k = kinds(t);
        assert_eq!(k.len(), 4, "{k:?}");
        assert_eq!(k[3], (Variable, "{{ z }}"));
    }

    #[test]
    fn pathological_lines_stay_linear() {
        let t = "{{".repeat(200_000) + &"{%".repeat(200_000) + &"{#".repeat(200_000);
        let start = std::time::Instant::now();
        let tokens = tokenize(&t);
        assert_eq!(tokens.len(), 1);
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn block_bits() {
        let t = "{% url 'a b' x=\"c \\\" d\" y %}";
        let tokens = tokenize(t);
        let tag = block_tag(t, &tokens[0]);
        assert_eq!(slice(t, &tag.name), "url");
        let args: Vec<&str> = tag.args.iter().map(|r| slice(t, r)).collect();
        assert_eq!(args, vec!["'a b'", "x=\"c \\\" d\"", "y"]);
        let t = "{% if a == 'x %}";
        let tokens = tokenize(t);
        let tag = block_tag(t, &tokens[0]);
        let args: Vec<&str> = tag.args.iter().map(|r| slice(t, r)).collect();
        assert_eq!(args, vec!["a", "==", "'x"]);
        let t = "{%  %}";
        let tokens = tokenize(t);
        assert_eq!(block_name(t, &tokens[0]), "");
        assert!(block_tag(t, &tokens[0]).args.is_empty());
    }

    fn expr(t: &str) -> (FilterExpression, Vec<(String, Option<String>)>) {
        let tokens = tokenize(t);
        let e = token_filter_expression(t, &tokens[0]).expect("an expression");
        let filters = e
            .filters
            .iter()
            .map(|f| {
                (
                    slice(t, &f.name).to_string(),
                    f.arg.as_ref().map(|a| slice(t, a).to_string()),
                )
            })
            .collect();
        (e, filters)
    }

    #[test]
    fn filter_expressions() {
        let t = "{{ x|default:\"a|b\"|safe }}";
        let (e, f) = expr(t);
        assert_eq!(e.base_text(t), "x");
        assert_eq!(e.base_kind, BaseKind::Variable);
        assert_eq!(
            f,
            vec![
                ("default".into(), Some("\"a|b\"".into())),
                ("safe".into(), None)
            ]
        );
        assert_eq!(e.error, None);
        assert_eq!(slice(t, &e.filters[1].range), "|safe");

        let t = "{{ user.name | lower | truncatechars:30 }}";
        let (e, f) = expr(t);
        assert_eq!(e.base_text(t), "user.name");
        assert_eq!(f.len(), 2);
        assert_eq!(slice(t, &e.filters[0].range), "| lower");

        let (e, _) = expr("{{ \"x\"|safe }}");
        assert!(e.is_literal());
        let (e, _) = expr("{{ _(\"x\")|safe }}");
        assert_eq!(e.base_kind, BaseKind::String);
        let (e, _) = expr("{{ 'it\\'s'|safe }}");
        assert_eq!(e.base_kind, BaseKind::String);
        assert_eq!(e.filters.len(), 1);
        let (e, _) = expr("{{ 42|safe }}");
        assert_eq!(e.base_kind, BaseKind::Number);
        let (e, _) = expr("{{ -1.5|safe }}");
        assert_eq!(e.base_kind, BaseKind::Number);
        let (e, f) = expr("{{ x|date:'Y-m-d'|add:-1 }}");
        assert_eq!(f[1].1.as_deref(), Some("-1"));
        assert_eq!(e.error, None);

        // Half-typed.
        let (e, f) = expr("{{ x| }}");
        assert_eq!(e.base_kind, BaseKind::Variable);
        assert!(f.is_empty());
        assert!(e.error.is_some());
        let (e, f) = expr("{{ x|default: }}");
        assert_eq!(f, vec![("default".into(), None)]);
        assert!(e.error.is_some());
        let (e, _) = expr("{{ }}");
        assert_eq!(e.base_kind, BaseKind::Missing);
        assert_eq!(e.error, None);
        let (e, _) = expr("{{ |safe }}");
        assert_eq!(e.base_kind, BaseKind::Missing);
        assert!(e.error.is_some());
        let (e, f) = expr("{{ x y|safe }}");
        assert!(e.error.is_some());
        assert!(f.is_empty());
        let (e, _) = expr("{{ \"unterminated|safe }}");
        assert_eq!(e.base_kind, BaseKind::Missing);
    }

    #[test]
    fn filter_tag_chain() {
        let t = "{% filter force_escape | safe %}";
        let (e, f) = expr(t);
        assert_eq!(e.base_kind, BaseKind::Missing);
        assert_eq!(
            f,
            vec![("force_escape".into(), None), ("safe".into(), None)]
        );
        assert_eq!(slice(t, &e.filters[0].range), "force_escape");
        let (_, f) = expr("{% filter safe %}");
        assert_eq!(f, vec![("safe".into(), None)]);
        let t = "{% if x %}";
        assert!(token_filter_expression(t, &tokenize(t)[0]).is_none());
    }

    #[test]
    fn trim() {
        assert_eq!(trim_range("  a b  ", 0..7), 2..5);
        assert_eq!(trim_range("    ", 0..4), 4..4);
        assert_eq!(trim_range("\u{3000}x\u{3000}", 0..7), 3..4);
    }
}
