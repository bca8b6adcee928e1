//! Running the template rules over one template.

use std::cell::OnceCell;
use std::ops::Range;
use std::rc::Rc;

use super::context::Context;
use super::finding::Finding;
use crate::syntax::TemplateSyntax;
use crate::syntax::template::{Element, FilterExpression, TokenKind};

/// The state the template rules share while checking one template.
pub struct TemplateChecker<'a> {
    pub source: &'a str,
    pub syntax: &'a TemplateSyntax,
    pub context: &'a Context,
    findings: Vec<Finding>,
    /// The parsed `{{ … }}` tokens in [`TemplateChecker::scope`] (token index, expression),
    /// parsed on first use: most rules read them, and each would otherwise parse them again.
    variables: OnceCell<Rc<[(usize, FilterExpression)]>>,
    /// Every parsed `{{ … }}` token of the template, when a rule needs them all.
    all_variables: OnceCell<Rc<[(usize, FilterExpression)]>>,
    /// The byte range whose subjects (tokens, variables, elements, blocks) the rules check;
    /// `None`: the whole template. Set by incremental analysis, which keeps the findings of
    /// the subjects outside it (`analysis::incremental::template`).
    scope: Option<Range<usize>>,
}

impl<'a> TemplateChecker<'a> {
    pub fn new(source: &'a str, syntax: &'a TemplateSyntax, context: &'a Context) -> Self {
        TemplateChecker {
            source,
            syntax,
            context,
            findings: Vec::new(),
            variables: OnceCell::new(),
            all_variables: OnceCell::new(),
            scope: None,
        }
    }

    /// A checker whose rules check only the subjects that start in `scope` (see
    /// [`TemplateChecker::in_scope`]).
    pub fn scoped(
        source: &'a str,
        syntax: &'a TemplateSyntax,
        context: &'a Context,
        scope: Range<usize>,
    ) -> Self {
        let mut checker = TemplateChecker::new(source, syntax, context);
        checker.scope = Some(scope);
        checker
    }

    /// Whether a rule checks the subject (a token, an element, a block) starting at `start`.
    /// A subject is checked whole, wherever its findings are: incremental analysis chooses a
    /// scope that no form, `<script>`, `<style>` or `{% autoescape %}` block crosses.
    pub fn in_scope(&self, start: usize) -> bool {
        self.scope.as_ref().is_none_or(|s| s.contains(&start))
    }

    /// The indices of the tokens in scope.
    pub fn token_indices(&self) -> Range<usize> {
        match &self.scope {
            None => 0..self.syntax.tokens.len(),
            Some(scope) => {
                let tokens = &self.syntax.tokens;
                let start = tokens.partition_point(|t| t.range.start < scope.start);
                let end = tokens.partition_point(|t| t.range.start < scope.end);
                start..end.max(start)
            }
        }
    }

    /// The indices of the tokens of one kind in scope.
    pub fn tokens_of(&self, kind: TokenKind) -> impl Iterator<Item = usize> + '_ {
        self.token_indices()
            .filter(move |&i| self.syntax.tokens.get(i).is_some_and(|t| t.kind == kind))
    }

    /// The elements in scope, with their indices, in document order.
    pub fn elements(&self) -> impl Iterator<Item = (usize, &'a Element)> + use<'a> {
        let elements = &self.syntax.elements;
        let range = match &self.scope {
            None => 0..elements.len(),
            Some(scope) => {
                let start = elements.partition_point(|e| e.range.start < scope.start);
                let end = elements.partition_point(|e| e.range.start < scope.end);
                start..end.max(start)
            }
        };
        elements[range.clone()]
            .iter()
            .enumerate()
            .map(move |(i, e)| (range.start + i, e))
    }

    /// The parsed `{{ … }}` tokens in scope: (token index, expression), in order. Shared, so
    /// a rule can hold them while it reports.
    pub fn variables(&self) -> Rc<[(usize, FilterExpression)]> {
        if self.scope.is_none() {
            return self.all_variables();
        }
        let syntax = self.syntax;
        let source = self.source;
        Rc::clone(self.variables.get_or_init(|| {
            self.tokens_of(TokenKind::Variable)
                .filter_map(|i| Some((i, syntax.filter_expression(source, i)?)))
                .collect()
        }))
    }

    /// Every parsed `{{ … }}` token of the template, in scope or not (what a rule reads to
    /// choose names that do not clash with the rest of the template).
    pub fn all_variables(&self) -> Rc<[(usize, FilterExpression)]> {
        let syntax = self.syntax;
        let source = self.source;
        Rc::clone(self.all_variables.get_or_init(|| {
            syntax
                .variables()
                .filter_map(|i| Some((i, syntax.filter_expression(source, i)?)))
                .collect()
        }))
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// The `{# ... #}` comments of a template (where suppressions live).
///
/// Searches bytes with `memchr::memmem` (vectorised, unlike `str::find` with a `&str` pattern):
/// both delimiters are ASCII, so every byte match is a match of the string, at a char boundary.
pub fn comment_ranges(source: &str) -> Vec<Range<usize>> {
    let bytes = source.as_bytes();
    let open_finder = memchr::memmem::Finder::new(b"{#");
    let close_finder = memchr::memmem::Finder::new(b"#}");
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = open_finder.find(&bytes[pos..]) {
        let start = pos + open;
        let Some(close) = close_finder.find(&bytes[start + 2..]) else {
            break;
        };
        let end = start + 2 + close + 2;
        out.push(start..end);
        pos = end;
    }
    out
}
