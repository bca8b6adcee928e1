//! Incremental analysis of templates: a keystroke re-checks the element around the edit and
//! keeps the findings outside it.
//!
//! The edit is found by comparing the text with the previous version's (the common prefix and
//! suffix, widened to whole lines: the window). Django tags never span a line, so the tokens
//! outside the window are the previous version's, shifted. The rules are then run over a
//! *scope*: the innermost HTML element whose start tag ends before the window and whose end tag
//! starts after it, widened until no form, `<script>`, `<style>` or `{% autoescape %}` block
//! crosses its edges (their rules judge them whole: a form by its content, a script by the
//! JavaScript before each value, an `{% autoescape off %}` by every output in it). The
//! findings of subjects outside the scope are the previous version's, shifted.
//!
//! That holds while everything a finding outside the scope reads is unchanged, so the whole
//! template is analysed again when it may not be:
//!
//! - the context changed (settings, another project snapshot: render facts are read here);
//! - the window's `{% … %}` tags changed (the Django block structure: aliases, autoescaping,
//!   loops), or the window mentions `comment` or `verbatim` (which make tokens span lines);
//! - the HTML elements outside the scope's element differ (beyond the shift), or the HTML parse
//!   ran over its budget;
//! - the window mentions `-data` or `json_script` (the ids the `json_script` fixes choose
//!   avoid every quoted word and `json_script` id of the template);
//! - the edit adds or removes lines before an `{% autoescape off %}` (its findings name the
//!   line of the tag);
//! - a kept finding (or its fix) reaches into the window.
//!
//! Tests: every template rule test goes through both paths (`analysis::testing`), and property
//! tests in `tests/incremental.rs` compare every incremental analysis with a full one.

use std::ops::Range;
use std::sync::Arc;

use super::Diff;
use crate::analysis::context::Context;
use crate::analysis::finding::Finding;
use crate::analysis::template::TemplateChecker;
use crate::rules;
use crate::syntax::TemplateSyntax;
use crate::syntax::template::{Element, ElementKind, Token, TokenKind, lexer};

/// What the previous analysis of a template left.
#[derive(Debug, Clone)]
pub struct State {
    text: Arc<str>,
    context: Context,
    /// The rules' findings, before suppressions and rule selection.
    findings: Vec<Finding>,
    elements: Vec<Shape>,
    /// The range this analysis re-checked (`None`: the whole template).
    scope: Option<Range<usize>>,
}

impl State {
    /// The range the last analysis re-checked, when it reused the findings outside it.
    pub fn scope(&self) -> Option<Range<usize>> {
        self.scope.clone()
    }
}

/// The parts of an [`Element`] that depend on the text around it (its attributes and name
/// depend on its start tag's text only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    start: usize,
    end: usize,
    start_tag_end: usize,
    name_end: usize,
    content_end: usize,
    end_tag: Option<(usize, usize)>,
    parent: Option<usize>,
    kind: ElementKind,
    self_closing: bool,
    start_tag_closed: bool,
}

impl Shape {
    fn of(e: &Element) -> Shape {
        Shape {
            start: e.range.start,
            end: e.range.end,
            start_tag_end: e.start_tag.end,
            name_end: e.name_range.end,
            content_end: e.content.end,
            end_tag: e.end_tag.as_ref().map(|r| (r.start, r.end)),
            parent: e.parent,
            kind: e.kind,
            self_closing: e.self_closing,
            start_tag_closed: e.start_tag_closed,
        }
    }

    /// The shape in the new text (offsets through `window`, parents through `parent`).
    fn moved(&self, window: &Window, parent: impl Fn(usize) -> usize) -> Option<Shape> {
        let end_tag = match self.end_tag {
            Some((s, e)) => Some((window.map(s)?, window.map(e)?)),
            None => None,
        };
        Some(Shape {
            start: window.map(self.start)?,
            end: window.map(self.end)?,
            start_tag_end: window.map(self.start_tag_end)?,
            name_end: window.map(self.name_end)?,
            content_end: window.map(self.content_end)?,
            end_tag,
            parent: self.parent.map(parent),
            ..*self
        })
    }
}

/// The edited lines: `start..old_end` in the old text, `start..new_end` in the new one.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: usize,
    old_end: usize,
    new_end: usize,
}

impl Window {
    /// The new offset of an old offset outside the window.
    fn map(&self, old: usize) -> Option<usize> {
        if old <= self.start {
            Some(old)
        } else if old >= self.old_end {
            Some(old - self.old_end + self.new_end)
        } else {
            None
        }
    }
}

/// The template rules' findings for this version, reusing what `slot` kept from the previous
/// one; `slot` then holds this version's. The same findings as a full run of the rules.
pub fn findings(
    source: &Arc<str>,
    syntax: &TemplateSyntax,
    context: &Context,
    slot: &mut Option<Box<State>>,
) -> Vec<Finding> {
    let previous = slot.take();
    let elements: Vec<Shape> = syntax.elements.iter().map(Shape::of).collect();
    let (findings, scope) =
        match previous.and_then(|old| reuse(&old, source, syntax, &elements, context)) {
            Some((findings, scope)) => (findings, Some(scope)),
            None => (run(source, syntax, context, None), None),
        };
    *slot = Some(Box::new(State {
        text: Arc::clone(source),
        context: context.clone(),
        findings: findings.clone(),
        elements,
        scope,
    }));
    findings
}

/// Every template rule, over the subjects in `scope` (all of them for `None`).
pub fn run(
    source: &str,
    syntax: &TemplateSyntax,
    context: &Context,
    scope: Option<Range<usize>>,
) -> Vec<Finding> {
    let mut checker = match scope {
        Some(scope) => TemplateChecker::scoped(source, syntax, context, scope),
        None => TemplateChecker::new(source, syntax, context),
    };
    for check in rules::TEMPLATE_CHECKS {
        check(&mut checker);
    }
    checker.into_findings()
}

/// The findings of the new version from the old one's, re-checking the scope around the edit;
/// `None` when the edit's reach is unclear (see the module documentation).
fn reuse(
    old: &State,
    source: &Arc<str>,
    syntax: &TemplateSyntax,
    elements: &[Shape],
    context: &Context,
) -> Option<(Vec<Finding>, Range<usize>)> {
    let same_project = match (&old.context.project, &context.project) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    };
    if !same_project || !old.context.same_as(context) || !syntax.html_complete {
        return None;
    }
    let diff = Diff::new(&old.text, source);
    if diff.unchanged() {
        return Some((old.findings.clone(), 0..0));
    }
    let (old_bytes, new_bytes) = (old.text.as_bytes(), source.as_bytes());
    let start = memchr::memrchr(b'\n', &new_bytes[..diff.prefix]).map_or(0, |i| i + 1);
    let line_end = |bytes: &[u8], from: usize| {
        memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |i| from + i)
    };
    let lines = Window {
        start,
        old_end: line_end(old_bytes, diff.old_suffix),
        new_end: line_end(new_bytes, diff.new_suffix),
    };
    let window = lines;
    let old_lines = old.text.get(window.start..window.old_end)?;
    let new_lines = source.get(window.start..window.new_end)?;
    for lines in [old_lines, new_lines] {
        if ["comment", "verbatim", "-data", "json_script"]
            .iter()
            .any(|word| memchr::memmem::find(lines.as_bytes(), word.as_bytes()).is_some())
        {
            return None;
        }
    }
    // Inside `{% verbatim %}` tags are text: not the lines' own tokens.
    if syntax
        .blocks
        .enclosing(window.start)
        .any(|b| matches!(b.name.as_str(), "verbatim" | "comment"))
    {
        return None;
    }
    // The `{% … %}` tags of the edited lines (Django's lexer reads a line on its own).
    let (old_tokens, new_tokens) = (lexer::tokenize(old_lines), lexer::tokenize(new_lines));
    let tags = |tokens: &[Token]| -> Vec<Range<usize>> {
        tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Block)
            .map(|t| t.range.clone())
            .collect()
    };
    let (old_tags, new_tags) = (tags(&old_tokens), tags(&new_tokens));
    if old_tags.len() != new_tags.len()
        || old_tags
            .iter()
            .zip(&new_tags)
            .any(|(a, b)| old_lines.get(a.clone()) != new_lines.get(b.clone()))
    {
        return None;
    }
    let newlines = |s: &str| memchr::memchr_iter(b'\n', s.as_bytes()).count();
    if newlines(old_lines) != newlines(new_lines) && autoescape_off_after(syntax, window.start) {
        return None;
    }
    let window = narrowed(&lines, &diff, &old_tokens, &new_tokens);
    let element = around(syntax, &window)?;
    if !same_elements_outside(&old.elements, elements, &window, element) {
        return None;
    }
    let scope = scope(syntax, syntax.elements[element].range.clone());
    // `scope` holds the window: its end is past the window's in both versions.
    let old_scope = scope.start..(scope.end - window.new_end + window.old_end);
    let mut out = Vec::with_capacity(old.findings.len() + 8);
    for finding in &old.findings {
        if old_scope.contains(&finding.range.start) {
            continue;
        }
        out.push(moved(finding, &window)?);
    }
    out.extend(
        run(source, syntax, context, Some(scope.clone()))
            .into_iter()
            .filter(|f| scope.contains(&f.range.start)),
    );
    Some((out, scope))
}

/// The edited bytes, widened to the Django tokens they change (`{{ x` becomes a variable when
/// `}}` is typed after it): the edited lines' tokens outside are the same, at the same places.
/// Text between tokens is no rule's subject, so the window does not widen to a text token.
fn narrowed(lines: &Window, diff: &Diff, old: &[Token], new: &[Token]) -> Window {
    let (old_len, new_len) = (lines.old_end - lines.start, lines.new_end - lines.start);
    let prefix = diff.prefix - lines.start;
    let (old_suffix, new_suffix) = (diff.old_suffix - lines.start, diff.new_suffix - lines.start);
    let same_before = old
        .iter()
        .zip(new)
        .take_while(|(a, b)| a.kind == b.kind && a.range == b.range && a.range.end <= prefix)
        .count();
    let same_after = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take_while(|(a, b)| {
            a.kind == b.kind
                && old_len - a.range.start == new_len - b.range.start
                && old_len - a.range.end == new_len - b.range.end
                && a.range.start >= old_suffix
        })
        .count();
    let middle = |tokens: &'_ [Token]| -> Vec<Range<usize>> {
        let end = tokens.len().saturating_sub(same_after).max(same_before);
        tokens[same_before.min(end)..end]
            .iter()
            .filter(|t| t.kind != TokenKind::Text)
            .map(|t| t.range.clone())
            .collect()
    };
    let (mut start, mut after) = (prefix, 0);
    for r in middle(old) {
        start = start.min(r.start);
        after = after.max(r.end.saturating_sub(old_suffix));
    }
    for r in middle(new) {
        start = start.min(r.start);
        after = after.max(r.end.saturating_sub(new_suffix));
    }
    Window {
        start: lines.start + start,
        old_end: (lines.start + old_suffix + after).min(lines.old_end),
        new_end: (lines.start + new_suffix + after).min(lines.new_end),
    }
}

/// Whether an `{% autoescape off %}` tag starts at or after `offset`.
fn autoescape_off_after(syntax: &TemplateSyntax, offset: usize) -> bool {
    syntax.blocks.blocks.iter().enumerate().any(|(i, b)| {
        b.autoescape == Some((i, false))
            && syntax
                .tokens
                .get(b.open)
                .is_some_and(|t| t.range.start >= offset)
    })
}

/// The innermost element whose start tag ends before the window and whose content runs past
/// it.
fn around(syntax: &TemplateSyntax, window: &Window) -> Option<usize> {
    let innermost = syntax.element_at(window.start)?;
    syntax.ancestors(innermost).find(|&i| {
        let e = &syntax.elements[i];
        e.start_tag.end <= window.start && e.content.end >= window.new_end
    })
}

/// Whether the elements outside `element` (its ancestors, the elements before and after it)
/// are the old ones, shifted, and `element` itself still surrounds the window.
fn same_elements_outside(old: &[Shape], new: &[Shape], window: &Window, element: usize) -> bool {
    let Some(e) = new.get(element) else {
        return false;
    };
    let Some(old_e) = old.get(element) else {
        return false;
    };
    if old_e.start != e.start
        || old_e.start_tag_end > window.start
        || old_e.content_end < window.old_end
    {
        return false;
    }
    // Up to and including the element: the same, with offsets after the window shifted.
    if old[..=element]
        .iter()
        .zip(&new[..=element])
        .any(|(o, n)| o.moved(window, |p| p).as_ref() != Some(n))
    {
        return false;
    }
    // Its descendants are re-checked; after them, the same elements shifted.
    let descendants =
        |shapes: &[Shape], end: usize| shapes[element + 1..].partition_point(|s| s.start < end);
    let (k_old, k_new) = (descendants(old, old_e.end), descendants(new, e.end));
    let (old_after, new_after) = (&old[element + 1 + k_old..], &new[element + 1 + k_new..]);
    old_after.len() == new_after.len()
        && old_after.iter().zip(new_after).all(|(o, n)| {
            let parent = |p: usize| {
                if p <= element {
                    p
                } else {
                    (p + k_new).wrapping_sub(k_old)
                }
            };
            o.moved(window, parent).as_ref() == Some(n)
        })
}

/// `range` widened until no form, `<script>`, `<style>` or `{% autoescape %}` block crosses
/// its edges.
fn scope(syntax: &TemplateSyntax, mut range: Range<usize>) -> Range<usize> {
    let crosses = |r: &Range<usize>, range: &Range<usize>| {
        r.start < range.end && r.end > range.start && (r.start < range.start || r.end > range.end)
    };
    // Each round takes in at least one more element or block: the loop ends.
    loop {
        let mut grown = range.clone();
        let elements = &syntax.elements;
        let around = syntax
            .element_at(range.start)
            .into_iter()
            .flat_map(|i| syntax.ancestors(i));
        let first = elements.partition_point(|e| e.range.start < range.start);
        let inside = first..elements.partition_point(|e| e.range.start < range.end);
        for i in around.chain(inside) {
            let e = &elements[i];
            if (e.kind != ElementKind::Normal || e.name == "form") && crosses(&e.range, &range) {
                grown.start = grown.start.min(e.range.start);
                grown.end = grown.end.max(e.range.end);
            }
        }
        let blocks = &syntax.blocks.blocks;
        let first = blocks.partition_point(|b| b.range.start < range.start);
        let inside = first..blocks.partition_point(|b| b.range.start < range.end);
        let around = syntax.blocks.innermost_at(range.start);
        let enclosing = std::iter::successors(around, |&i| blocks[i].parent);
        for i in enclosing.chain(inside) {
            let b = &blocks[i];
            if b.autoescape.is_some_and(|(own, _)| own == i) && crosses(&b.range, &range) {
                grown.start = grown.start.min(b.range.start);
                grown.end = grown.end.max(b.range.end);
            }
        }
        if grown == range {
            return range;
        }
        range = grown;
    }
}

/// An old finding in the new text, or `None` if any of its offsets is in the window.
fn moved(finding: &Finding, window: &Window) -> Option<Finding> {
    let range = |r: &Range<usize>| Some(window.map(r.start)?..window.map(r.end)?);
    let mut f = finding.clone();
    f.range = range(&finding.range)?;
    if let Some(fix) = &mut f.fix {
        for edit in &mut fix.edits {
            edit.range = range(&edit.range)?;
        }
    }
    for step in &mut f.steps {
        step.range = range(&step.range)?;
    }
    Some(f)
}
