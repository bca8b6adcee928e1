//! `--fix` / `--unsafe-fixes` / `--diff`: apply fixes, re-analyse, repeat until nothing is left
//! to fix, and never keep a round that breaks the file's syntax.

use crate::analysis::{Applicability, Context, Edit, Finding, Severity, analyze, apply_edits};
use crate::syntax::{Language, Syntax};

/// Rounds of fix → re-analyse before giving up (fixes normally converge in one or two).
const MAX_ROUNDS: usize = 10;

pub struct Fixed {
    pub text: String,
    /// Fixes applied.
    pub count: usize,
    /// The findings of the final text.
    pub findings: Vec<Finding>,
}

/// The edits of the fixes to apply in one round, skipping a fix that overlaps one already taken.
pub fn choose_edits(findings: &[Finding], include_unsafe: bool) -> (Vec<Edit>, usize) {
    let mut taken: Vec<Edit> = Vec::new();
    let mut count = 0;
    for fix in findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|f| include_unsafe || f.applicability == Applicability::Safe)
    {
        let clashes = fix.edits.iter().any(|e| {
            taken.iter().any(|t| {
                (e.range.start < t.range.end && t.range.start < e.range.end)
                    || (e.range.start == t.range.start
                        && (e.range.is_empty() || t.range.is_empty()))
            })
        });
        if !clashes && !fix.edits.is_empty() {
            taken.extend(fix.edits.iter().cloned());
            count += 1;
        }
    }
    taken.sort_by_key(|e| (e.range.start, e.range.end));
    (taken, count)
}

fn has_errors(syntax: &Syntax) -> bool {
    match syntax {
        Syntax::Python(tree) => tree.has_error(),
        Syntax::Template(_) => false,
    }
}

/// Fix `text` as far as the fixes go, applying only the fixes of findings at or above
/// `min_severity` (what `djsec check` shows).
pub fn fix(
    text: &str,
    language: Language,
    context: &Context,
    include_unsafe: bool,
    min_severity: Severity,
) -> Fixed {
    let mut current = text.to_string();
    let mut syntax = Syntax::parse(language, &current);
    let broken_before = has_errors(&syntax);
    let mut findings = analyze(&current, &syntax, context);
    let mut count = 0;
    for _ in 0..MAX_ROUNDS {
        let shown: Vec<Finding> = findings
            .iter()
            .filter(|f| f.severity <= min_severity)
            .cloned()
            .collect();
        let (edits, n) = choose_edits(&shown, include_unsafe);
        if n == 0 {
            break;
        }
        let next = apply_edits(&current, &edits);
        if next == current {
            break;
        }
        let next_syntax = Syntax::parse(language, &next);
        if has_errors(&next_syntax) && !broken_before {
            tracing::warn!("a fix round would break the syntax; kept the text before it");
            break;
        }
        current = next;
        syntax = next_syntax;
        findings = analyze(&current, &syntax, context);
        count += n;
    }
    Fixed {
        text: current,
        count,
        findings,
    }
}

/// A unified diff between the original and fixed text, with `a/` and `b/` headers.
pub fn unified_diff(label: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{label}"), &format!("b/{label}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_fixes_unless_asked_and_the_result_is_clean() {
        let src = "from django.utils.safestring import mark_safe\n\ndef v(request):\n    name = request.GET['n']\n    return mark_safe(f\"<b>{name}</b>\")  # djsec: ignore[DJS201]\n";
        let ctx = Context::default();
        let before = analyze(src, &Syntax::parse(Language::Python, src), &ctx);
        assert!(before.iter().any(|f| f.code == "DJS901"));
        let safe = fix(src, Language::Python, &ctx, false, Severity::Hint);
        assert!(safe.count >= 1);
        assert!(!safe.text.contains("djsec: ignore"), "{}", safe.text);
        assert!(safe.findings.iter().all(|f| f.code != "DJS901"));
        let again = analyze(
            &safe.text,
            &Syntax::parse(Language::Python, &safe.text),
            &ctx,
        );
        assert_eq!(again, safe.findings);
        let unsafe_too = fix(src, Language::Python, &ctx, true, Severity::Hint);
        assert!(unsafe_too.count >= safe.count);
        // Fixes of findings below the gate are not applied: DJS901 is a hint.
        let gated = fix(src, Language::Python, &ctx, false, Severity::Warning);
        assert_eq!((gated.count, gated.text.as_str()), (0, src));
        let diff = unified_diff("v.py", src, &safe.text);
        assert!(diff.starts_with("--- a/v.py\n+++ b/v.py\n"), "{diff}");
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_round() {
        let a = Finding::new("DJS901", 0..3, crate::analysis::Severity::Hint, "a").with_fix(Some(
            crate::analysis::Fix::safe("a", vec![Edit::delete(0..3)]),
        ));
        let b = Finding::new("DJS901", 2..5, crate::analysis::Severity::Hint, "b").with_fix(Some(
            crate::analysis::Fix::safe("b", vec![Edit::delete(2..5)]),
        ));
        let (edits, n) = choose_edits(&[a, b], false);
        assert_eq!((edits.len(), n), (1, 1));
    }
}
