//! The Django block structure of a template: which `{% x %}` is closed by which `{% endx %}`.
//!
//! A simple stack that tolerates unbalanced input, never recursion. Block tags are the
//! built-in ones plus any tag `x` for which the template contains an `{% endx %}` (custom
//! block tags). An end tag closes the nearest open block of its name, force-closing the blocks
//! opened inside it; an end tag with no open block is recorded as stray; blocks still open at
//! the end of the text are unclosed. Intermediate tags (`elif`, `else`, `empty`, `plural`) are
//! attached to the innermost open block that accepts them.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::lexer::{Token, TokenKind, block_name};

/// Built-in Django tags that take an end tag.
const BUILTIN_BLOCK_TAGS: &[&str] = &[
    "autoescape",
    "block",
    "blocktrans",
    "blocktranslate",
    "cache",
    "comment",
    "filter",
    "for",
    "if",
    "ifchanged",
    "ifequal",
    "ifnotequal",
    "language",
    "localize",
    "localtime",
    "partialdef",
    "spaceless",
    "timezone",
    "verbatim",
    "with",
];

/// Whether `block` accepts the intermediate tag `tag`.
fn accepts_intermediate(block: &str, tag: &str) -> bool {
    match tag {
        "elif" => block == "if",
        "else" => matches!(block, "if" | "for" | "ifchanged" | "ifequal" | "ifnotequal"),
        "empty" => block == "for",
        "plural" => matches!(block, "blocktrans" | "blocktranslate"),
        _ => false,
    }
}

/// One `{% x %}…{% endx %}` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The tag name (`if`, `for`, …).
    pub name: String,
    /// The opening token (index into the token list).
    pub open: usize,
    /// Intermediate tags (`elif`, `else`, `empty`, `plural`), token indices in order.
    pub branches: Vec<usize>,
    /// The closing token, when there is one.
    pub close: Option<usize>,
    /// From the start of the opening tag to the end of the closing tag; an unclosed block ends
    /// where it was force-closed (the start of an outer end tag) or at the end of the text.
    pub range: Range<usize>,
    /// The enclosing block (index into the block list).
    pub parent: Option<usize>,
    pub depth: usize,
    /// The innermost `{% autoescape on|off %}` block that is this block or encloses it, with
    /// its setting (`false`: off). Precomputed so that lookups do not walk deep nestings.
    pub autoescape: Option<(usize, bool)>,
    /// Whether this block or an enclosing one is a `{% for %}` loop.
    pub in_loop: bool,
}

impl Block {
    /// Between the opening tag and the closing tag (or the block's end).
    pub fn body(&self, tokens: &[Token]) -> Range<usize> {
        let start = tokens
            .get(self.open)
            .map_or(self.range.start, |t| t.range.end);
        let end = self
            .close
            .and_then(|c| tokens.get(c))
            .map_or(self.range.end, |t| t.range.start);
        start.min(end)..end
    }
}

/// The block structure of a template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockStructure {
    /// Blocks in order of their opening tags (parents before children).
    pub blocks: Vec<Block>,
    /// End tags that closed nothing (token indices).
    pub stray_ends: Vec<usize>,
    /// For each token, the innermost block containing it (a block contains its own tags).
    pub innermost: Vec<Option<usize>>,
}

impl BlockStructure {
    /// Build the structure from the tokens.
    pub fn build(text: &str, tokens: &[Token]) -> BlockStructure {
        let end_names: HashSet<&str> = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Block)
            .filter_map(|t| block_name(text, t).strip_prefix("end"))
            .filter(|n| !n.is_empty())
            .collect();
        let is_block = |name: &str| BUILTIN_BLOCK_TAGS.contains(&name) || end_names.contains(name);

        let mut out = BlockStructure::default();
        let mut stack: Vec<usize> = Vec::new();
        let mut open_counts: HashMap<String, usize> = HashMap::new();
        out.innermost = Vec::with_capacity(tokens.len());
        for (idx, token) in tokens.iter().enumerate() {
            // Where this token is, unless it opens or closes a block (set below).
            out.innermost.push(stack.last().copied());
            if token.kind != TokenKind::Block {
                continue;
            }
            let name = block_name(text, token);
            if name.is_empty() {
                continue;
            }
            if let Some(target) = name.strip_prefix("end").filter(|n| !n.is_empty()) {
                let open = open_counts.get(target).copied().unwrap_or(0);
                if open == 0 {
                    out.stray_ends.push(idx);
                    continue;
                }
                // Pop until the matching block, force-closing the ones above it.
                while let Some(top) = stack.pop() {
                    let block = &mut out.blocks[top];
                    if let Some(count) = open_counts.get_mut(&block.name) {
                        *count = count.saturating_sub(1);
                    }
                    if block.name == target {
                        block.close = Some(idx);
                        block.range.end = token.range.end;
                        if let Some(slot) = out.innermost.last_mut() {
                            *slot = Some(top);
                        }
                        break;
                    }
                    block.range.end = token.range.start;
                }
                continue;
            }
            if let Some(&top) = stack.last()
                && accepts_intermediate(&out.blocks[top].name, name)
            {
                out.blocks[top].branches.push(idx);
                continue;
            }
            if is_block(name) {
                let parent = stack.last().copied();
                let inherited = parent.map(|p| (out.blocks[p].autoescape, out.blocks[p].in_loop));
                let (outer_autoescape, outer_loop) = inherited.unwrap_or((None, false));
                let own_autoescape = if name == "autoescape" {
                    let tag = super::lexer::block_tag(text, token);
                    match tag.args.first().map(|a| super::lexer::slice(text, a)) {
                        Some("on") => Some((out.blocks.len(), true)),
                        Some("off") => Some((out.blocks.len(), false)),
                        _ => None,
                    }
                } else {
                    None
                };
                out.blocks.push(Block {
                    name: name.to_string(),
                    open: idx,
                    branches: Vec::new(),
                    close: None,
                    range: token.range.start..text.len(),
                    parent,
                    depth: stack.len(),
                    autoescape: own_autoescape.or(outer_autoescape),
                    in_loop: outer_loop || name == "for",
                });
                *open_counts.entry(name.to_string()).or_default() += 1;
                stack.push(out.blocks.len() - 1);
                if let Some(slot) = out.innermost.last_mut() {
                    *slot = Some(out.blocks.len() - 1);
                }
            }
        }
        out
    }

    /// The innermost block whose range contains `offset`. [`BlockStructure::innermost`] answers
    /// in constant time for a token index; this search may walk up a deep nesting.
    pub fn innermost_at(&self, offset: usize) -> Option<usize> {
        let last = self
            .blocks
            .partition_point(|b| b.range.start <= offset)
            .checked_sub(1)?;
        let mut at = Some(last);
        while let Some(i) = at {
            let block = &self.blocks[i];
            if block.range.contains(&offset) {
                return Some(i);
            }
            at = block.parent;
        }
        None
    }

    /// The blocks containing `offset`, innermost first.
    pub fn enclosing(&self, offset: usize) -> impl Iterator<Item = &Block> + '_ {
        self.enclosing_from(self.innermost_at(offset))
    }

    /// Block `innermost` and its ancestors, innermost first.
    pub fn enclosing_from(&self, innermost: Option<usize>) -> impl Iterator<Item = &Block> + '_ {
        let mut at = innermost;
        std::iter::from_fn(move || {
            let block = self.blocks.get(at?)?;
            at = block.parent;
            Some(block)
        })
    }

    /// The block opened by token `token` (an index into the token list).
    pub fn block_opened_by(&self, token: usize) -> Option<usize> {
        let i = self.blocks.partition_point(|b| b.open < token);
        self.blocks.get(i).filter(|b| b.open == token).map(|_| i)
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn build(text: &str) -> (Vec<Token>, BlockStructure) {
        let tokens = tokenize(text);
        let s = BlockStructure::build(text, &tokens);
        (tokens, s)
    }

    #[test]
    fn balanced() {
        let t = "{% if a %}x{% elif b %}{% for i in l %}{{ i }}{% empty %}{% endfor %}{% else %}{% endif %}";
        let (tokens, s) = build(t);
        assert_eq!(s.blocks.len(), 2);
        assert_eq!(s.blocks[0].name, "if");
        assert_eq!(s.blocks[0].branches.len(), 2);
        assert_eq!(s.blocks[0].range, 0..t.len());
        assert_eq!(s.blocks[1].name, "for");
        assert_eq!(s.blocks[1].parent, Some(0));
        assert_eq!(s.blocks[1].branches.len(), 1);
        assert!(s.stray_ends.is_empty());
        let i_at = t.find("{{ i }}").unwrap_or(0);
        let names: Vec<&str> = s.enclosing(i_at).map(|b| b.name.as_str()).collect();
        assert_eq!(names, vec!["for", "if"]);
        assert_eq!(&t[s.blocks[1].body(&tokens)], "{{ i }}{% empty %}");
    }

    #[test]
    fn unbalanced() {
        // `for` is force-closed by `endif`; the last `endfor` is stray.
        let t = "{% if a %}{% for x in y %}{% endif %}{% endfor %}{% block b %}";
        let (tokens, s) = build(t);
        assert_eq!(s.blocks.len(), 3);
        assert_eq!(s.blocks[0].close, Some(2));
        assert_eq!(s.blocks[1].close, None);
        assert_eq!(s.blocks[1].range.end, tokens[2].range.start);
        assert_eq!(s.stray_ends, vec![3]);
        assert_eq!(s.blocks[2].close, None);
        assert_eq!(s.blocks[2].range.end, t.len());
        // A stray `else` outside any block is ignored.
        let (_, s) = build("{% else %}{% endif %}");
        assert!(s.blocks.is_empty());
        assert_eq!(s.stray_ends, vec![1]);
    }

    #[test]
    fn custom_blocks_and_non_blocks() {
        let t = "{% mytag %}{% csrf_token %}{% endmytag %}{% url 'x' %}{% end %}";
        let (_, s) = build(t);
        assert_eq!(s.blocks.len(), 1);
        assert_eq!(s.blocks[0].name, "mytag");
        assert!(s.blocks[0].close.is_some());
        assert!(s.stray_ends.is_empty());
    }

    #[test]
    fn deep_nesting_without_recursion() {
        let n = 100_000;
        let t = "{% if x %}".repeat(n) + "{{ y }}" + &"{% endif %}".repeat(n);
        let (_, s) = build(&t);
        assert_eq!(s.blocks.len(), n);
        assert!(s.blocks.iter().all(|b| b.close.is_some()));
        assert_eq!(s.blocks[n - 1].depth, n - 1);
        let at = t.find("{{ y }}").unwrap_or(0);
        assert_eq!(s.enclosing(at).count(), n);
        // Many stray ends stay linear.
        let t = "{% for x %}".repeat(n) + &"{% endif %}".repeat(n);
        let (_, s) = build(&t);
        assert_eq!(s.stray_ends.len(), n);
    }
}
