//! Running the template rules over one template.

use std::cell::OnceCell;
use std::ops::Range;
use std::rc::Rc;

use super::context::Context;
use super::finding::Finding;
use crate::syntax::TemplateSyntax;
use crate::syntax::template::FilterExpression;

/// The state the template rules share while checking one template.
pub struct TemplateChecker<'a> {
    pub source: &'a str,
    pub syntax: &'a TemplateSyntax,
    pub context: &'a Context,
    findings: Vec<Finding>,
    /// The parsed `{{ … }}` tokens (token index, expression), parsed on first use: most rules
    /// read them, and each would otherwise parse them again.
    variables: OnceCell<Rc<[(usize, FilterExpression)]>>,
}

impl<'a> TemplateChecker<'a> {
    pub fn new(source: &'a str, syntax: &'a TemplateSyntax, context: &'a Context) -> Self {
        TemplateChecker {
            source,
            syntax,
            context,
            findings: Vec::new(),
            variables: OnceCell::new(),
        }
    }

    /// The parsed `{{ … }}` tokens of the template: (token index, expression), in order. Shared,
    /// so a rule can hold them while it reports.
    pub fn variables(&self) -> Rc<[(usize, FilterExpression)]> {
        let syntax = self.syntax;
        let source = self.source;
        Rc::clone(self.variables.get_or_init(|| {
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
