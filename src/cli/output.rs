//! The formats `djsec check` writes: what every format needs about a finding, and one module per
//! format. Byte offsets become one-based lines and character columns here.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use serde::Serialize;

use crate::analysis::{Applicability, Finding, LineIndex};

/// A finding located in a file, as the JSON output shows it (the shape is documented in
/// `docs/ci.md`; keep it compatible).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Located {
    pub path: String,
    /// One-based line and column (columns count Unicode characters).
    pub line: usize,
    pub column: usize,
    pub end: LineCol,
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub fix: Option<FixJson>,
    /// The Django system check id the finding stands for (`security.W012`), for rules that
    /// mirror Django's checks: the one of the rule's `django_checks` its message names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub django_check: Option<&'static str>,
    /// For data-flow findings, the way from the source to the sink (SARIF `codeFlows`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepJson>,
    /// Stable across line moves (see `cli::baseline`); not part of the JSON output.
    #[serde(skip)]
    pub fingerprint: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FixJson {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<EditJson>,
}

/// One step of a data-flow finding's way from the source to the sink.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StepJson {
    pub start: LineCol,
    pub end: LineCol,
    /// The code there (`request.GET["file"]`, `name`, `open()`).
    pub label: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EditJson {
    pub start: LineCol,
    pub end: LineCol,
    pub content: String,
}

/// The Django check id a finding names: the settings rules end their messages with
/// `[security.W012]` (see `rules::settings`).
fn django_check(finding: &Finding) -> Option<&'static str> {
    let rule = crate::rules::by_code(finding.code)?;
    rule.django_checks
        .iter()
        .copied()
        .find(|id| finding.message.contains(&format!("[{id}]")))
}

/// Locate one file's findings (fingerprints are filled by `cli::baseline::fingerprint_all`).
pub fn locate(path_label: &str, text: &str, findings: &[Finding]) -> Vec<Located> {
    if findings.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let lc = |byte: usize| {
        let (line, column) = lines.line_col(text, byte);
        LineCol { line, column }
    };
    findings
        .iter()
        .map(|f| {
            let start = lc(f.range.start);
            Located {
                path: path_label.to_string(),
                line: start.line,
                column: start.column,
                end: lc(f.range.end),
                code: f.code,
                name: crate::rules::by_code(f.code).map_or("", |r| r.name),
                severity: f.severity.as_str(),
                message: f.message.clone(),
                fix: f.fix.as_ref().map(|fix| FixJson {
                    title: fix.title.clone(),
                    applicability: fix.applicability,
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| EditJson {
                            start: lc(e.range.start),
                            end: lc(e.range.end),
                            content: e.new_text.clone(),
                        })
                        .collect(),
                }),
                django_check: django_check(f),
                steps: f
                    .steps
                    .iter()
                    .map(|s| StepJson {
                        start: lc(s.range.start),
                        end: lc(s.range.end),
                        label: s.label.clone(),
                    })
                    .collect(),
                fingerprint: String::new(),
            }
        })
        .collect()
}

/// One checked file, as the formats see it.
pub struct FileOutput<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub findings: &'a [Located],
}

/// What every format gets.
pub struct Report<'a> {
    pub files: Vec<FileOutput<'a>>,
    pub errors: &'a [String],
    /// How many files were checked.
    pub checked: usize,
    /// Findings fixed by `--fix`.
    pub fixed: usize,
    /// Findings hidden because the baseline has them.
    pub baselined: usize,
    /// Findings below `--min-severity`, not shown.
    pub hidden: Hidden,
    /// Whether `--unsafe-fixes` was given (unsafe fixes count as available).
    pub unsafe_fixes: bool,
}

impl Report<'_> {
    pub fn findings(&self) -> impl Iterator<Item = &Located> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    pub fn count(&self) -> usize {
        self.files.iter().map(|f| f.findings.len()).sum()
    }

    /// Findings `--fix` would fix (with `--unsafe-fixes`, the unsafe ones too).
    pub fn fixable(&self) -> usize {
        self.findings()
            .filter(|f| {
                f.fix.as_ref().is_some_and(|fix| {
                    fix.applicability == Applicability::Safe || self.unsafe_fixes
                })
            })
            .count()
    }
}

/// Findings the severity gate did not show, by severity (errors are always shown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Hidden {
    pub warning: usize,
    pub info: usize,
    pub hint: usize,
}

impl Hidden {
    pub fn add(&mut self, severity: crate::analysis::Severity) {
        use crate::analysis::Severity;
        match severity {
            Severity::Error => {}
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
            Severity::Hint => self.hint += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.warning + self.info + self.hint
    }

    /// `3 warnings, 4 infos and 25 hints not shown (--min-severity hint shows them).`, or `None`.
    pub fn sentence(&self) -> Option<String> {
        let parts: Vec<String> = [
            (self.warning, "warning"),
            (self.info, "info"),
            (self.hint, "hint"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, word)| plural(*n, word))
        .collect();
        let lowest = if self.hint > 0 {
            "hint"
        } else if self.info > 0 {
            "info"
        } else {
            "warning"
        };
        let list = match parts.as_slice() {
            [] => return None,
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        };
        Some(format!(
            "{list} not shown (--min-severity {lowest} shows them)."
        ))
    }
}

/// `n finding` / `n findings`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Control characters from source files never reach a terminal or a log as-is.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' {
                ' '
            } else if c.is_control() {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}
