//! Running the template rules over one template.

use std::ops::Range;

use super::context::Context;
use super::finding::Finding;
use crate::syntax::TemplateSyntax;

/// The state the template rules share while checking one template.
pub struct TemplateChecker<'a> {
    pub source: &'a str,
    pub syntax: &'a TemplateSyntax,
    pub context: &'a Context,
    findings: Vec<Finding>,
}

impl<'a> TemplateChecker<'a> {
    pub fn new(source: &'a str, syntax: &'a TemplateSyntax, context: &'a Context) -> Self {
        TemplateChecker {
            source,
            syntax,
            context,
            findings: Vec::new(),
        }
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// The `{# ... #}` comments of a template (where suppressions live).
pub fn comment_ranges(source: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = source[pos..].find("{#") {
        let start = pos + open;
        let Some(close) = source[start + 2..].find("#}") else {
            break;
        };
        let end = start + 2 + close + 2;
        out.push(start..end);
        pos = end;
    }
    out
}
