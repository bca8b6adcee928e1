//! What the engine produces: findings with byte ranges and fixes made of byte-range edits.
//!
//! These are plain data with public fields. They know nothing of LSP, of lines or of columns:
//! the fronts convert byte offsets to whatever coordinates their consumers speak.

use std::ops::Range;

use serde::Serialize;

/// How loudly a finding is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" | "information" => Some(Severity::Info),
            "hint" => Some(Severity::Hint),
            _ => None,
        }
    }
}

/// Whether a fix may be applied without a human reading it (the Ruff model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the program's meaning; applied by "fix all" and `djsec check --fix`.
    Safe,
    /// Valid code, but may change behaviour; offered, never applied in bulk without opt-in.
    Unsafe,
}

/// Replace the bytes in `range` of the original text with `new_text`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub new_text: String,
}

impl Edit {
    pub fn replace(range: Range<usize>, new_text: impl Into<String>) -> Self {
        Edit {
            range,
            new_text: new_text.into(),
        }
    }

    pub fn insert(at: usize, new_text: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            new_text: new_text.into(),
        }
    }

    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            new_text: String::new(),
        }
    }
}

/// A set of non-overlapping edits that together resolve one finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    /// Sorted by start offset, non-overlapping.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(
        title: impl Into<String>,
        applicability: Applicability,
        mut edits: Vec<Edit>,
    ) -> Self {
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        Fix {
            title: title.into(),
            applicability,
            edits,
        }
    }

    /// Whether no two edits overlap (they are sorted by start).
    pub fn is_disjoint(&self) -> bool {
        self.edits
            .windows(2)
            .all(|pair| pair[0].range.end <= pair[1].range.start)
    }

    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, Applicability::Safe, edits)
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, Applicability::Unsafe, edits)
    }
}

/// One step of the way data takes to a finding (its source, the names it passes, the sink):
/// shown in the message and as a SARIF code flow.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Step {
    /// Byte range in the analysed text.
    pub range: Range<usize>,
    /// What the data is there, as code (`request.GET["file"]`, `name`, `open()`).
    pub label: String,
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Finding {
    /// The rule's stable code, e.g. `DJS101`.
    pub code: &'static str,
    /// Byte range in the analysed text.
    pub range: Range<usize>,
    pub severity: Severity,
    pub message: String,
    pub fix: Option<Fix>,
    /// For data-flow findings: the way from the source to the sink (empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

impl Finding {
    pub fn new(
        code: &'static str,
        range: Range<usize>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code,
            range,
            severity,
            message: message.into(),
            fix: None,
            steps: Vec::new(),
        }
    }

    /// Attach `fix`, unless its edits overlap (an import inserted inside the replaced call, in
    /// code a syntax error scrambled: found by the `analyze_python` fuzz target): a client
    /// rejects such an edit, so the finding goes without a fix.
    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix.filter(Fix::is_disjoint);
        self
    }

    pub fn with_steps(mut self, steps: Vec<Step>) -> Self {
        self.steps = steps;
        self
    }
}

/// Apply edits (byte ranges into `text`) and return the new text.
///
/// Edits that overlap an earlier one, or fall outside the text or off a char boundary, are
/// skipped: a fix is never allowed to corrupt a buffer.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for edit in sorted {
        let Range { start, end } = edit.range;
        if start < cursor
            || end < start
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        out.push_str(&text[cursor..start]);
        out.push_str(&edit.new_text);
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_sorted_and_skips_overlaps() {
        let text = "abcdef";
        let edits = vec![
            Edit::replace(4..5, "E"),
            Edit::insert(0, ">"),
            Edit::replace(3..5, "zz"), // overlaps the first (after sorting 3..5 comes first)
        ];
        assert_eq!(apply_edits(text, &edits), ">abczzf");
    }

    #[test]
    fn rejects_out_of_range_and_non_boundary() {
        let text = "é";
        assert_eq!(apply_edits(text, &[Edit::insert(1, "x")]), "é");
        assert_eq!(apply_edits(text, &[Edit::insert(10, "x")]), "é");
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use crate::analysis::{Context, analyze_text};
    use crate::syntax::Language;

    /// Found by the `analyze_python` fuzz target: in code a syntax error scrambled, the
    /// `mark_safe` → `format_html` fix inserted its import inside the call it replaced. Such a
    /// fix is dropped; the finding stays.
    #[test]
    fn fixes_with_overlapping_edits_are_dropped() {
        let bytes = include_bytes!("../../tests/fixtures/fuzz-overlapping-fix.bin");
        let text = String::from_utf8_lossy(bytes);
        let findings = analyze_text(&text, Language::Python, &Context::default());
        assert!(findings.iter().any(|f| f.code == "DJS101"), "{findings:?}");
        for f in &findings {
            if let Some(fix) = &f.fix {
                assert!(fix.is_disjoint(), "{}: {:?}", f.code, fix.edits);
            }
        }
    }
}
