//! Checks shared by the fuzz targets.

#![allow(dead_code)]

use djsec::analysis::{Finding, apply_edits};

fn in_text(text: &str, range: &std::ops::Range<usize>) -> bool {
    range.start <= range.end
        && range.end <= text.len()
        && text.is_char_boundary(range.start)
        && text.is_char_boundary(range.end)
}

/// Every finding and every fix edit lies inside the text on character boundaries, a fix's edits
/// do not overlap, and applying a fix gives a text the engine can parse again.
pub fn check_findings(text: &str, findings: &[Finding]) {
    for f in findings {
        assert!(
            in_text(text, &f.range),
            "{} range {:?} outside a {}-byte text",
            f.code,
            f.range,
            text.len()
        );
        if let Some(fix) = &f.fix {
            let mut end = 0;
            for edit in &fix.edits {
                assert!(
                    in_text(text, &edit.range),
                    "{} fix edit {:?} outside a {}-byte text",
                    f.code,
                    edit.range,
                    text.len()
                );
                assert!(
                    edit.range.start >= end,
                    "{} fix edits overlap: {:?}",
                    f.code,
                    fix.edits
                );
                end = edit.range.end;
            }
            let _ = apply_edits(text, &fix.edits);
        }
    }
}
