//! The analysis engine: source + syntax + context in, findings out.
//!
//! Pure: no LSP types, no I/O, no global state besides compiled queries. The CLI and the server
//! call [`analyze`] with the same inputs and get the same findings.

pub mod context;
pub mod finding;
pub mod lines;
pub mod python;
pub mod template;
#[cfg(test)]
pub mod testing;

pub use context::{Context, RuleSettings};
pub use finding::{Applicability, Edit, Finding, Fix, Severity, apply_edits};
pub use lines::LineIndex;

use crate::rules::{self, meta::suppression};
use crate::syntax::Syntax;

/// Analyse one buffer. Findings are sorted by position, then code.
pub fn analyze(source: &str, syntax: &Syntax, context: &Context) -> Vec<Finding> {
    let (findings, comment_ranges) = match syntax {
        Syntax::Python(tree) => {
            let mut checker = python::PyChecker::new(source, tree, context);
            for check in rules::PYTHON_CHECKS {
                check(&mut checker);
            }
            let comments: Vec<_> = checker
                .model
                .index
                .comments
                .iter()
                .map(|c| c.byte_range())
                .collect();
            (checker.into_findings(), comments)
        }
        Syntax::Template(template) => {
            let mut checker = template::TemplateChecker::new(source, template, context);
            for check in rules::TEMPLATE_CHECKS {
                check(&mut checker);
            }
            (checker.into_findings(), template::comment_ranges(source))
        }
    };
    let lines = LineIndex::new(source);
    let suppressions: Vec<_> = comment_ranges
        .into_iter()
        .filter_map(|r| {
            let text = source.get(r.clone())?;
            suppression::parse(text, r.start, lines.line(r.start))
        })
        .collect();
    let finding_lines: Vec<(usize, usize)> = findings
        .iter()
        .map(|f| {
            (
                lines.line(f.range.start),
                lines.line(f.range.end.max(f.range.start)),
            )
        })
        .collect();
    let mut findings = suppression::apply(findings, &finding_lines, &suppressions, source);
    context.rules.apply(&mut findings);
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.code).cmp(&(b.range.start, b.range.end, b.code))
    });
    findings.dedup();
    findings
}

/// Parse and analyse a whole text (what the CLI does for each file).
pub fn analyze_text(
    source: &str,
    language: crate::syntax::Language,
    context: &Context,
) -> Vec<Finding> {
    let syntax = Syntax::parse(language, source);
    analyze(source, &syntax, context)
}
