//! Django templates: Django tokens from our own lexer, plus the HTML tree around them.
//!
//! - [`lexer`] splits the text into text, `{{ }}`, `{% %}` and `{# #}` tokens like Django's
//!   own lexer (it never fails), and parses block tags and filter expressions.
//! - [`html`] parses the text tokens with tree-sitter-html (`set_included_ranges`, so Django
//!   tokens are invisible to it and byte offsets are the template's) and extracts elements and
//!   attributes as plain data.
//! - [`blocks`] pairs `{% x %}` with `{% endx %}` with a stack that tolerates unbalanced input.
//!
//! [`TemplateSyntax`] holds all three and answers positional questions: which element, which
//! attribute, which raw-text context, which Django blocks contain an offset. Everything is a
//! byte range into the original text; the text itself is not stored, so helpers that need it
//! take it as an argument.

pub mod blocks;
pub mod html;
pub mod lexer;

use std::fmt::Write as _;
use std::ops::Range;

use tree_sitter::{InputEdit, Tree};

pub use blocks::{Block, BlockStructure};
pub use html::{Attribute, Element, ElementKind, Quote};
pub use lexer::{BaseKind, BlockTag, Filter, FilterExpression, Token, TokenKind};

/// A parsed template.
#[derive(Debug, Clone)]
pub struct TemplateSyntax {
    /// The Django tokens, covering the text exactly, in order.
    pub tokens: Vec<Token>,
    /// The HTML tree of the text tokens (node ranges are ranges of the whole template).
    pub html: Tree,
    /// The HTML elements, in document order (parents before children).
    pub elements: Vec<Element>,
    /// The Django block structure.
    pub blocks: BlockStructure,
    /// The byte ranges the HTML parser did not see as written: the Django tokens, and tags
    /// hidden by [`html::hidden_ranges`]. Sorted, disjoint.
    pub hidden: Vec<html::Hidden>,
    /// Edits recorded by [`TemplateSyntax::edit`] since this parse, in order.
    pub edits: Vec<InputEdit>,
    /// False when the HTML parse ran over its work budget (pathological markup, see
    /// [`html::Budget`]): `html` is then an empty document and `elements` is empty.
    pub html_complete: bool,
    /// Whether the text has a `{% comment %}` or `{% verbatim %}` tag (or their end tags): tags
    /// that make tokens span lines, so that the next parse lexes the whole text again (see
    /// [`relex`]).
    pub multiline_tags: bool,
}

impl TemplateSyntax {
    /// Record an edit in the HTML tree so that the next [`parse`] can reuse it.
    pub fn edit(&mut self, edit: &InputEdit) {
        self.html.edit(edit);
        self.edits.push(*edit);
    }

    /// A deterministic printable form: tokens, the HTML tree with node ranges, elements and
    /// blocks. Used to check that incremental parses equal fresh ones.
    pub fn to_sexp(&self) -> String {
        let mut out = String::new();
        for t in &self.tokens {
            let _ = writeln!(
                out,
                "{} {}..{} {}..{}",
                t.kind.as_str(),
                t.range.start,
                t.range.end,
                t.content.start,
                t.content.end
            );
        }
        out.push_str(&tree_sexp(&self.html));
        out.push('\n');
        for e in &self.elements {
            let _ = writeln!(
                out,
                "element {} {:?} {:?} start={:?} end={:?} parent={:?} attrs={:?}",
                e.name,
                e.kind,
                e.range,
                e.start_tag,
                e.end_tag,
                e.parent,
                e.attributes
                    .iter()
                    .map(|a| (a.name.clone(), a.value.clone(), a.quote))
                    .collect::<Vec<_>>()
            );
        }
        for b in &self.blocks.blocks {
            let _ = writeln!(
                out,
                "block {} open={} close={:?} branches={:?} {:?} parent={:?}",
                b.name, b.open, b.close, b.branches, b.range, b.parent
            );
        }
        let _ = writeln!(out, "stray {:?}", self.blocks.stray_ends);
        let _ = writeln!(out, "hidden {:?}", self.hidden);
        let _ = writeln!(out, "html_complete {}", self.html_complete);
        out
    }

    /// The index of the token containing `offset` (the last token for the end of the text).
    pub fn token_at(&self, offset: usize) -> Option<usize> {
        let i = self.tokens.partition_point(|t| t.range.end <= offset);
        if i < self.tokens.len() {
            Some(i)
        } else {
            self.tokens.len().checked_sub(1)
        }
    }

    /// Indices of the `{{ … }}` tokens.
    pub fn variables(&self) -> impl Iterator<Item = usize> + '_ {
        self.tokens_of(TokenKind::Variable)
    }

    /// Indices of the tokens of one kind.
    pub fn tokens_of(&self, kind: TokenKind) -> impl Iterator<Item = usize> + '_ {
        self.tokens
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.kind == kind)
            .map(|(i, _)| i)
    }

    /// Indices of the block tokens named `name` (`{% csrf_token %}` for "csrf_token").
    pub fn block_tags<'a>(
        &'a self,
        text: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        self.tokens
            .iter()
            .enumerate()
            .filter(move |(_, t)| lexer::block_name(text, t) == name)
            .map(|(i, _)| i)
    }

    /// The name of the block tag at token `index` ("" for other tokens).
    pub fn block_name<'a>(&self, text: &'a str, index: usize) -> &'a str {
        self.tokens
            .get(index)
            .map_or("", |t| lexer::block_name(text, t))
    }

    /// A block tag's name and arguments.
    pub fn block_tag(&self, text: &str, index: usize) -> Option<BlockTag> {
        let token = self.tokens.get(index)?;
        (token.kind == TokenKind::Block).then(|| lexer::block_tag(text, token))
    }

    /// The filter expression of a `{{ … }}` token, or of a `{% filter … %}` tag.
    pub fn filter_expression(&self, text: &str, index: usize) -> Option<FilterExpression> {
        lexer::token_filter_expression(text, self.tokens.get(index)?)
    }

    /// The innermost element whose range contains `offset`.
    pub fn element_at(&self, offset: usize) -> Option<usize> {
        let last = self
            .elements
            .partition_point(|e| e.range.start <= offset)
            .checked_sub(1)?;
        let mut at = Some(last);
        while let Some(i) = at {
            let element = &self.elements[i];
            if element.range.contains(&offset) {
                return Some(i);
            }
            at = element.parent;
        }
        None
    }

    /// The element at `index` and its ancestors, innermost first.
    pub fn ancestors(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        let mut at = Some(index).filter(|&i| i < self.elements.len());
        std::iter::from_fn(move || {
            let i = at?;
            at = self.elements.get(i).and_then(|e| e.parent);
            Some(i)
        })
    }

    /// The tag name of the innermost element containing `offset`.
    pub fn element_name_at(&self, offset: usize) -> Option<&str> {
        Some(self.elements.get(self.element_at(offset)?)?.name.as_str())
    }

    /// The innermost element whose *content* contains `offset` (not its tags).
    pub fn element_containing_content(&self, offset: usize) -> Option<usize> {
        self.element_at(offset)
            .into_iter()
            .flat_map(|i| self.ancestors(i))
            .find(|&i| {
                let content = &self.elements[i].content;
                content.start <= offset && offset < content.end
            })
    }

    /// When `offset` is in the raw text of a `<script>` or `<style>`, that element.
    pub fn raw_text_at(&self, offset: usize) -> Option<(usize, ElementKind)> {
        let i = self.element_containing_content(offset)?;
        let kind = self.elements[i].kind;
        (kind != ElementKind::Normal).then_some((i, kind))
    }

    /// When `offset` is inside a start tag: the element and the index of the attribute
    /// containing it (`None` when between attributes).
    pub fn start_tag_at(&self, offset: usize) -> Option<(usize, Option<usize>)> {
        let i = self.element_at(offset)?;
        let element = &self.elements[i];
        if !(element.start_tag.start <= offset && offset < element.start_tag.end) {
            return None;
        }
        let attr = element
            .attributes
            .iter()
            .position(|a| a.range.start <= offset && offset < a.range.end);
        Some((i, attr))
    }

    /// The attribute containing `offset`: (element index, attribute index).
    pub fn attribute_at(&self, offset: usize) -> Option<(usize, usize)> {
        let (element, attr) = self.start_tag_at(offset)?;
        Some((element, attr?))
    }

    /// The attribute containing `offset`.
    pub fn attribute_ref_at(&self, offset: usize) -> Option<(&Element, &Attribute)> {
        let (e, a) = self.attribute_at(offset)?;
        let element = self.elements.get(e)?;
        Some((element, element.attributes.get(a)?))
    }

    /// The innermost Django block containing `offset`.
    pub fn innermost_block_at(&self, offset: usize) -> Option<usize> {
        let token = self.token_at(offset)?;
        if !self.tokens.get(token)?.range.contains(&offset) {
            return None;
        }
        self.blocks.innermost.get(token).copied().flatten()
    }

    /// The Django blocks containing `offset`, innermost first.
    pub fn enclosing_blocks(&self, offset: usize) -> impl Iterator<Item = &Block> + '_ {
        self.blocks.enclosing_from(self.innermost_block_at(offset))
    }

    /// The innermost `{% autoescape on|off %}` block around `offset` with its setting:
    /// `Some((block, false))` when output at `offset` is not escaped.
    pub fn autoescape_at(&self, _text: &str, offset: usize) -> Option<(&Block, bool)> {
        let innermost = self.blocks.blocks.get(self.innermost_block_at(offset)?)?;
        let (block, on) = innermost.autoescape?;
        Some((self.blocks.blocks.get(block)?, on))
    }

    /// Whether `offset` is inside a `{% for %}` loop.
    pub fn in_loop_at(&self, offset: usize) -> bool {
        self.innermost_block_at(offset)
            .and_then(|i| self.blocks.blocks.get(i))
            .is_some_and(|b| b.in_loop)
    }

    /// The tokens whose ranges overlap `range`, as a range of token indices.
    pub fn tokens_in(&self, range: Range<usize>) -> Range<usize> {
        let start = self.tokens.partition_point(|t| t.range.end <= range.start);
        let end = self.tokens.partition_point(|t| t.range.start < range.end);
        start..end.max(start)
    }
}

/// The tree as an s-expression of named (and missing) nodes with byte ranges, built without
/// recursion (tree-sitter's own `to_sexp` recurses, which deep templates could overflow).
fn tree_sexp(tree: &Tree) -> String {
    let mut out = String::new();
    let mut cursor = tree.walk();
    let mut shown: Vec<bool> = Vec::new();
    'walk: loop {
        let node = cursor.node();
        let show = node.is_named() || node.is_missing();
        if show {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(
                out,
                "({}{} {}..{}",
                if node.is_missing() { "MISSING " } else { "" },
                node.kind(),
                node.start_byte(),
                node.end_byte()
            );
        }
        shown.push(show);
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if shown.pop() == Some(true) {
                out.push(')');
            }
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out
}

/// Parse a template, reusing `old` (already [`TemplateSyntax::edit`]ed) when given.
pub fn parse(text: &str, old: Option<&TemplateSyntax>) -> TemplateSyntax {
    // Lex the edited lines only when neither version has a tag that makes tokens span lines:
    // the old one had none, and the new one has none in the relexed lines (nor, then, anywhere).
    let relexed = old
        .filter(|old| !old.multiline_tags)
        .and_then(|old| relex(text, &old.tokens, &old.edits))
        .filter(|tokens| !multiline_tags(text, tokens));
    let tokens = relexed.unwrap_or_else(|| lexer::tokenize(text));
    let multiline_tags = multiline_tags(text, &tokens);
    let (hidden, blanked) = html::hidden_and_blanked(text, &tokens);
    let mut blanking = Vec::new();
    let old_tree = old.filter(|old| old.html_complete).map(|old| {
        // The old tree knows about the edits; also tell it where blanking changed (typing the
        // `}}` that turns `{{ x` from text into a variable changes bytes before the edit).
        let mut tree = old.html.clone();
        blanking = html::blanking_edits(text, &old.hidden, &old.edits, &hidden);
        for e in &blanking {
            tree.edit(e);
        }
        tree
    });
    let parsed = html::parse(&blanked, old_tree.as_ref());
    let tree = parsed.tree;
    // The elements of subtrees that neither the edits, nor a change of blanking, nor the
    // reparse touched are the old ones, shifted.
    let reuse = match (old, &old_tree) {
        (Some(old), Some(old_tree)) if parsed.complete => {
            let mut dirty: Vec<Range<usize>> = old_tree
                .changed_ranges(&tree)
                .map(|r| r.start_byte..r.end_byte)
                .collect();
            dirty.extend(blanking.iter().map(|e| e.start_byte..e.new_end_byte));
            Some(html::Reuse::new(&old.elements, &old.edits, dirty))
        }
        _ => None,
    };
    let elements = html::elements_reusing(text, &tree, &tokens, reuse.as_ref());
    let blocks = BlockStructure::build(text, &tokens);
    TemplateSyntax {
        tokens,
        html: tree,
        elements,
        blocks,
        hidden,
        edits: Vec::new(),
        html_complete: parsed.complete,
        multiline_tags,
    }
}

/// The tokens of the edited text from the old tokens: the edited lines are lexed again, the
/// tokens before and after them are kept (shifted). Django's lexer reads a tag within its line,
/// so outside `{% comment %}` and `{% verbatim %}` (which the caller rules out) a line boundary
/// is a token boundary, except inside text, whose pieces are merged again here. `None` when
/// the edits do not fit the old tokens.
pub fn relex(text: &str, old: &[Token], edits: &[InputEdit]) -> Option<Vec<Token>> {
    let old_len = old.last().map_or(0, |t| t.range.end);
    if old.first().is_some_and(|t| t.range.start != 0) {
        return None;
    }
    // The edited span, in the new text: each edit's new bytes, the span so far carried
    // through the later edits.
    let mut span: Option<(usize, usize)> = None;
    for e in edits {
        let forward = |p: usize| {
            if p <= e.start_byte {
                p
            } else if p >= e.old_end_byte {
                p - e.old_end_byte + e.new_end_byte
            } else {
                e.new_end_byte
            }
        };
        span = Some(match span {
            None => (e.start_byte, e.new_end_byte),
            Some((lo, hi)) => (lo.min(e.start_byte), forward(hi).max(e.new_end_byte)),
        });
    }
    let (lo, hi) = span?;
    let bytes = text.as_bytes();
    if hi > bytes.len() || lo > hi {
        return None;
    }
    // Whole lines: from the start of `lo`'s line to just after the newline ending `hi`'s.
    let start = memchr::memrchr(b'\n', &bytes[..lo]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[hi..]).map_or(bytes.len(), |i| hi + i + 1);
    // After `end` the text is the old text shifted.
    let old_end = (end + old_len).checked_sub(bytes.len())?;
    if old_end < start || old_end > old_len {
        return None;
    }
    let shift = |r: &Range<usize>| r.start + end - old_end..r.end + end - old_end;
    let mut tokens: Vec<Token> = Vec::with_capacity(old.len() + 8);
    let push = |tokens: &mut Vec<Token>, token: Token| {
        if token.range.is_empty() {
            return;
        }
        if let Some(last) = tokens.last_mut()
            && last.kind == TokenKind::Text
            && token.kind == TokenKind::Text
        {
            last.range.end = token.range.end;
            last.content = last.range.clone();
            return;
        }
        tokens.push(token);
    };
    let before = old.partition_point(|t| t.range.end <= start);
    tokens.extend_from_slice(&old[..before]);
    if let Some(t) = old.get(before).filter(|t| t.range.start < start) {
        // Only text crosses a line boundary.
        if t.kind != TokenKind::Text {
            return None;
        }
        push(&mut tokens, text_token(t.range.start..start));
    }
    for t in lexer::tokenize(text.get(start..end)?) {
        let range = t.range.start + start..t.range.end + start;
        let content = t.content.start + start..t.content.end + start;
        push(
            &mut tokens,
            Token {
                kind: t.kind,
                range,
                content,
            },
        );
    }
    let after = old.partition_point(|t| t.range.end <= old_end);
    let mut rest = old[after..].iter();
    if let Some(t) = old.get(after).filter(|t| t.range.start < old_end) {
        if t.kind != TokenKind::Text {
            return None;
        }
        push(&mut tokens, text_token(shift(&(old_end..t.range.end))));
        rest.next();
    }
    for t in rest {
        push(
            &mut tokens,
            Token {
                kind: t.kind,
                range: shift(&t.range),
                content: shift(&t.content),
            },
        );
    }
    (tokens.last().map_or(0, |t| t.range.end) == bytes.len()).then_some(tokens)
}

/// Whether a `{% comment %}`, `{% verbatim %}` or an end tag of theirs is among `tokens` (the
/// tokens of `text`).
fn multiline_tags(text: &str, tokens: &[Token]) -> bool {
    ["comment", "verbatim"].iter().any(|word| {
        memchr::memmem::find_iter(text.as_bytes(), word.as_bytes()).any(|at| {
            let i = tokens.partition_point(|t| t.range.end <= at);
            tokens.get(i).is_some_and(|t| {
                t.kind == TokenKind::Block
                    && matches!(
                        lexer::block_name(text, t),
                        "comment" | "endcomment" | "verbatim" | "endverbatim"
                    )
            })
        })
    })
}

fn text_token(range: Range<usize>) -> Token {
    Token {
        kind: TokenKind::Text,
        content: range.clone(),
        range,
    }
}

#[cfg(test)]
mod tests;
