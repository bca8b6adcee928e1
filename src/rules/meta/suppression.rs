//! Suppression comments: `# djsec: ignore[DJS101]` in Python, `{# djsec: ignore[DJS501] #}` in
//! templates, and the rules that keep them honest (DJS901, DJS902).

use std::ops::Range;

use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};

pub const UNUSED_SUPPRESSION: Rule = Rule {
    code: "DJS901",
    name: "unused-suppression",
    family: Family::Meta,
    severity: Severity::Hint,
    fix: FixAvailability::Always,
    summary: "A `djsec: ignore` comment that suppresses nothing.",
    django_checks: &[],
    peers: &["ruff:RUF100"],
    docs: r#"
## What it does
Reports a suppression comment (`# djsec: ignore[CODE]`) naming a code that has no finding on
that line, and bare `# djsec: ignore` comments that suppress nothing.

## Why is this bad?
A stale suppression hides the next real problem that appears on that line: once the code is
fixed, the comment should go.

## Example
```python
html = format_html("<b>{}</b>", name)  # djsec: ignore[DJS101]
```

## Fix
Remove the unused code from the comment, or the whole comment when nothing is left.

## Fix safety
Safe: only the comment changes.

## References
- Ruff's `unused-noqa` (RUF100), the model for this rule.
"#,
};

pub const BARE_SUPPRESSION: Rule = Rule {
    code: "DJS902",
    name: "bare-suppression",
    family: Family::Meta,
    severity: Severity::Hint,
    fix: FixAvailability::None,
    summary: "A `djsec: ignore` comment without rule codes.",
    django_checks: &[],
    peers: &["ruff:PGH004"],
    docs: r#"
## What it does
Reports `# djsec: ignore` (or `{# djsec: ignore #}`) without a list of codes. It still suppresses
every djsec finding on its line.

## Why is this bad?
A blanket suppression also hides findings nobody reviewed: a new, different problem on the same
line goes unseen. Name the codes you reviewed: `# djsec: ignore[DJS101]`.

## Example
```python
return mark_safe(html)  # djsec: ignore
```

Use instead:
```python
return mark_safe(html)  # djsec: ignore[DJS101]  -- html is built by format_html above
```

## Fix
Add the codes of the findings you reviewed. No automatic fix: only a person knows which findings
were reviewed.

## Fix safety
No fix is offered.

## References
- The suppression comment format is described in djsec's README.
"#,
};

/// One suppression comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The whole comment (`# djsec: ignore[...]` or the `{# ... #}` token).
    pub comment: Range<usize>,
    /// The `djsec: ignore...` directive within it.
    pub directive: Range<usize>,
    /// Zero-based line the comment is on.
    pub line: usize,
    /// Codes with their byte ranges; empty for a bare suppression.
    pub codes: Vec<(String, Range<usize>)>,
}

const MARKER: &str = "djsec:";

/// Parse a comment's text (starting at byte `offset` in the file) for a djsec directive.
pub fn parse(comment_text: &str, offset: usize, line: usize) -> Option<Suppression> {
    let at = comment_text.find(MARKER)?;
    let rest = &comment_text[at + MARKER.len()..];
    let trimmed = rest.trim_start();
    let after_ws = at + MARKER.len() + (rest.len() - trimmed.len());
    let after_ignore = trimmed.strip_prefix("ignore")?;
    let mut directive_end = after_ws + "ignore".len();
    let mut codes = Vec::new();
    if let Some(list) = after_ignore.strip_prefix('[') {
        let close = list.find(']')?;
        let list_start = directive_end + 1;
        let mut pos = list_start;
        for part in list[..close].split(',') {
            let lead = part.len() - part.trim_start().len();
            let code = part.trim();
            if !code.is_empty() {
                let start = offset + pos + lead;
                codes.push((code.to_ascii_uppercase(), start..start + code.len()));
            }
            pos += part.len() + 1;
        }
        directive_end = list_start + close + 1;
    } else if after_ignore
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    Some(Suppression {
        comment: offset..offset + comment_text.len(),
        directive: offset + at..offset + directive_end,
        line,
        codes,
    })
}

/// Drop findings covered by a suppression and report the suppressions that covered nothing.
///
/// `finding_lines` gives the zero-based first and last line of each finding.
pub fn apply(
    findings: Vec<Finding>,
    finding_lines: &[(usize, usize)],
    suppressions: &[Suppression],
    source: &str,
) -> Vec<Finding> {
    if suppressions.is_empty() {
        return findings;
    }
    let mut used: Vec<Vec<bool>> = suppressions
        .iter()
        .map(|s| vec![false; s.codes.len().max(1)])
        .collect();
    let mut kept = Vec::with_capacity(findings.len());
    for (finding, &(first, last)) in findings.into_iter().zip(finding_lines) {
        let mut suppressed = false;
        for (si, s) in suppressions.iter().enumerate() {
            if s.line < first || s.line > last {
                continue;
            }
            if s.codes.is_empty() {
                used[si][0] = true;
                suppressed = true;
            } else if let Some(ci) = s.codes.iter().position(|(c, _)| c == finding.code) {
                used[si][ci] = true;
                suppressed = true;
            }
        }
        if !suppressed {
            kept.push(finding);
        }
    }
    for (s, used) in suppressions.iter().zip(&used) {
        if s.codes.is_empty() {
            kept.push(Finding::new(
                BARE_SUPPRESSION.code,
                s.directive.clone(),
                BARE_SUPPRESSION.severity,
                "Blanket `djsec: ignore` suppresses every finding on this line: name the codes",
            ));
            if !used[0] {
                kept.push(unused(
                    s,
                    s.directive.clone(),
                    "this line has no djsec finding",
                    source,
                    None,
                ));
            }
            continue;
        }
        let unused_codes: Vec<usize> = (0..s.codes.len()).filter(|&i| !used[i]).collect();
        if unused_codes.is_empty() {
            continue;
        }
        let all_unused = unused_codes.len() == s.codes.len();
        for &i in &unused_codes {
            let (code, range) = &s.codes[i];
            let keep: Vec<&str> = s
                .codes
                .iter()
                .enumerate()
                .filter(|(j, _)| !unused_codes.contains(j))
                .map(|(_, (c, _))| c.as_str())
                .collect();
            let replacement = (!all_unused).then(|| format!("djsec: ignore[{}]", keep.join(", ")));
            kept.push(unused(
                s,
                range.clone(),
                &format!("`{code}` has no finding on this line"),
                source,
                replacement,
            ));
        }
    }
    kept
}

fn unused(
    s: &Suppression,
    range: Range<usize>,
    why: &str,
    source: &str,
    replacement: Option<String>,
) -> Finding {
    let edit = match replacement {
        Some(text) => Edit::replace(s.directive.clone(), text),
        None => Edit::delete(removal_range(s, source)),
    };
    Finding::new(
        UNUSED_SUPPRESSION.code,
        range,
        UNUSED_SUPPRESSION.severity,
        format!("Unused suppression: {why}"),
    )
    .with_fix(Some(Fix::safe("Remove the unused suppression", vec![edit])))
}

/// What to delete to remove a whole suppression comment: a Python comment with the spaces before
/// it; in a template the `{# #}` token (or only the directive if the comment says more).
fn removal_range(s: &Suppression, source: &str) -> Range<usize> {
    let comment = source.get(s.comment.clone()).unwrap_or("");
    if comment.starts_with("{#") {
        let inner = comment
            .trim_start_matches("{#")
            .trim_end_matches("#}")
            .trim();
        if inner.len() == s.directive.len() {
            return s.comment.clone();
        }
        return s.directive.clone();
    }
    let mut start = s.comment.start;
    let before = source.get(..start).unwrap_or("");
    let spaces = before.len() - before.trim_end_matches([' ', '\t']).len();
    let line_only_comment = before[..before.len() - spaces].ends_with('\n') || start == spaces;
    if !line_only_comment {
        start -= spaces;
    }
    start..s.comment.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_bare() {
        let s = parse("# djsec: ignore[DJS101, djs201]", 10, 0);
        let s = s.map(|s| {
            s.codes
                .into_iter()
                .map(|(c, r)| (c, r.start))
                .collect::<Vec<_>>()
        });
        assert_eq!(s, Some(vec![("DJS101".into(), 26), ("DJS201".into(), 34)]));
        assert_eq!(
            parse("# djsec: ignore", 0, 0).map(|s| s.codes.len()),
            Some(0)
        );
        assert!(parse("# djsec: ignored", 0, 0).is_none());
        assert!(parse("# nothing here", 0, 0).is_none());
    }
}
