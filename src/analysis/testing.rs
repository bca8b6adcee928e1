//! Helpers for rule tests: analyse a snippet, list findings by line:column, apply fixes and
//! check the result parses and no longer has the finding.

use super::{Applicability, Context, Finding, LineIndex, analyze_text, apply_edits};
use crate::syntax::{Language, Syntax};

pub fn findings(src: &str) -> Vec<Finding> {
    findings_in(Language::Python, src)
}

pub fn findings_in(language: Language, src: &str) -> Vec<Finding> {
    analyze_text(src, language, &Context::default())
}

/// `(code, line, column, severity)` of each finding, one-based, columns in characters.
pub fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
    codes_at_in(Language::Python, src)
}

pub fn codes_at_in(
    language: Language,
    src: &str,
) -> Vec<(&'static str, usize, usize, &'static str)> {
    let lines = LineIndex::new(src);
    findings_in(language, src)
        .into_iter()
        .map(|f| {
            let (line, col) = lines.line_col(src, f.range.start);
            (f.code, line, col, f.severity.as_str())
        })
        .collect()
}

/// The applicability of each `code` finding's fix: "safe", "unsafe" or "none".
pub fn fix_applicability(src: &str, code: &str) -> Vec<&'static str> {
    findings(src)
        .into_iter()
        .filter(|f| f.code == code)
        .map(|f| match f.fix.map(|x| x.applicability) {
            Some(Applicability::Safe) => "safe",
            Some(Applicability::Unsafe) => "unsafe",
            None => "none",
        })
        .collect()
}

/// Apply the fixes of every `code` finding one at a time, re-analysing after each, and return the
/// final text. Panics (the test fails) if a fix yields a syntax error, if a fix does not remove
/// its finding, or if no fix was applied at all.
pub fn assert_fix(src: &str, code: &str) -> String {
    assert_fix_in(Language::Python, src, code)
}

pub fn assert_fix_in(language: Language, src: &str, code: &str) -> String {
    let mut text = src.to_string();
    let mut applied = 0;
    loop {
        let current = findings_in(language, &text);
        let count = current.iter().filter(|f| f.code == code).count();
        let Some(fix) = current
            .into_iter()
            .filter(|f| f.code == code)
            .find_map(|f| f.fix)
        else {
            break;
        };
        let next = apply_edits(&text, &fix.edits);
        assert_ne!(next, text, "fix {:?} changed nothing", fix.title);
        if language == Language::Python {
            let syntax = Syntax::parse(language, &next);
            if let Syntax::Python(tree) = &syntax {
                assert!(
                    !tree.root_node().has_error(),
                    "fix {:?} produced a syntax error:\n{next}",
                    fix.title
                );
            }
        }
        let after = findings_in(language, &next)
            .iter()
            .filter(|f| f.code == code)
            .count();
        assert!(
            after < count,
            "fix {:?} did not remove its finding:\n{next}",
            fix.title
        );
        text = next;
        applied += 1;
        assert!(applied < 100, "fixes do not converge");
    }
    assert!(applied > 0, "no {code} fix was offered");
    text
}
