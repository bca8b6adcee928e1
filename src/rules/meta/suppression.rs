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

/// Which other tools' suppression comments djsec honours (`external-suppressions`), so a code
/// base that already reviewed a line for Bandit, Ruff, Semgrep or Sonar need not do it again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ExternalSuppressions {
    /// `# nosec`, `# nosec B703`, `# nosec: B308, B703`.
    pub bandit: bool,
    /// `# noqa`, `# noqa: S308`.
    pub ruff: bool,
    /// `# nosemgrep`, `# nosemgrep: avoid-mark-safe` (or the rule's fully qualified id).
    pub semgrep: bool,
    /// `# NOSONAR`.
    pub sonar: bool,
}

impl ExternalSuppressions {
    /// Turn on a tool by name (`bandit`, `ruff`, `semgrep`, `sonar`, or its comment word);
    /// `false` when the name is unknown.
    pub fn enable(&mut self, tool: &str) -> bool {
        match tool.trim().to_ascii_lowercase().as_str() {
            "bandit" | "nosec" => self.bandit = true,
            "ruff" | "noqa" | "flake8" => self.ruff = true,
            "semgrep" | "nosemgrep" => self.semgrep = true,
            "sonar" | "sonarqube" | "nosonar" => self.sonar = true,
            _ => return false,
        }
        true
    }

    pub fn any(self) -> bool {
        self.bandit || self.ruff || self.semgrep || self.sonar
    }
}

/// The tools whose suppression comments can be honoured; the names are the prefixes of
/// [`Rule::peers`] entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Bandit,
    Ruff,
    Semgrep,
    Sonar,
}

impl Tool {
    pub fn peer_prefix(self) -> &'static str {
        match self {
            Tool::Bandit => "bandit:",
            Tool::Ruff => "ruff:",
            Tool::Semgrep => "semgrep:",
            Tool::Sonar => "sonar:",
        }
    }
}

/// Another tool's suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalSuppression {
    pub tool: Tool,
    /// Zero-based line.
    pub line: usize,
    /// The ids it names (`B703`, `S308`, `avoid-mark-safe`); `None` for a bare comment.
    pub ids: Option<Vec<String>>,
}

impl ExternalSuppression {
    /// Whether this comment suppresses findings of `rule`, by the rule's `peers`. A bare comment
    /// covers every rule with a peer in that tool (`# NOSONAR`: every rule but djsec's own).
    pub fn covers(&self, rule: &Rule) -> bool {
        if rule.family == Family::Meta {
            return false;
        }
        if self.tool == Tool::Sonar && self.ids.is_none() {
            return true;
        }
        let prefix = self.tool.peer_prefix();
        let mut peers = rule.peers.iter().filter_map(|p| p.strip_prefix(prefix));
        match &self.ids {
            None => peers.next().is_some(),
            Some(ids) => peers.any(|peer| {
                ids.iter().any(|id| {
                    id.eq_ignore_ascii_case(peer)
                        || (self.tool == Tool::Semgrep
                            && id.len() > peer.len()
                            && id.ends_with(peer)
                            && id[..id.len() - peer.len()].ends_with('.'))
                })
            }),
        }
    }
}

/// Find the lower-case ASCII `word` in `text` as a whole word, ignoring case; the byte after it.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let haystack = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = haystack[from..].find(word) {
        let start = from + i;
        let end = start + word.len();
        let before_ok = haystack[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '-');
        let after_ok = haystack[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '-');
        if before_ok && after_ok {
            return Some(end);
        }
        from = end;
    }
    None
}

/// The ids after a directive (`: B308, B703` or ` B703`), up to the next `#`; `None` if none.
fn ids_after(rest: &str, need_colon: bool) -> Option<Vec<String>> {
    let rest = rest.split('#').next().unwrap_or("");
    let trimmed = rest.trim_start();
    let list = match trimmed.strip_prefix(':') {
        Some(list) => list,
        None if need_colon => return None,
        None => trimmed,
    };
    let ids: Vec<String> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .take_while(|id| {
            id.is_empty()
                || id
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// The other tools' suppression comments in one Python comment, for the enabled tools.
pub fn parse_external(
    comment_text: &str,
    line: usize,
    enabled: ExternalSuppressions,
) -> Vec<ExternalSuppression> {
    let mut out = Vec::new();
    let mut push = |tool, ids| out.push(ExternalSuppression { tool, line, ids });
    if enabled.bandit
        && let Some(end) = find_word(comment_text, "nosec")
    {
        // Bandit ids (`B703`); test names such as `django_mark_safe` name no djsec rule.
        push(Tool::Bandit, ids_after(&comment_text[end..], false));
    }
    if enabled.ruff
        && let Some(end) = find_word(comment_text, "noqa")
    {
        push(Tool::Ruff, ids_after(&comment_text[end..], true));
    }
    if enabled.semgrep
        && let Some(end) = find_word(comment_text, "nosemgrep")
    {
        push(Tool::Semgrep, ids_after(&comment_text[end..], true));
    }
    if enabled.sonar && find_word(comment_text, "nosonar").is_some() {
        push(Tool::Sonar, None);
    }
    out
}

/// Drop the findings another tool's comment covers on their first or last line. These comments
/// belong to their tools, so an unused one is never reported.
pub fn apply_external(
    findings: Vec<Finding>,
    lines: &crate::analysis::LineIndex,
    external: &[ExternalSuppression],
) -> Vec<Finding> {
    if external.is_empty() {
        return findings;
    }
    findings
        .into_iter()
        .filter(|f| {
            let first = lines.line(f.range.start);
            let last = lines.line(f.range.end.max(f.range.start));
            let Some(rule) = crate::rules::by_code(f.code) else {
                return true;
            };
            !external
                .iter()
                .any(|s| (s.line == first || s.line == last) && s.covers(rule))
        })
        .collect()
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

#[cfg(test)]
mod external_tests {
    use super::*;
    use crate::rules::ALL;

    fn all() -> ExternalSuppressions {
        ExternalSuppressions {
            bandit: true,
            ruff: true,
            semgrep: true,
            sonar: true,
        }
    }

    fn rule(code: &str) -> &'static Rule {
        ALL.iter()
            .copied()
            .find(|r| r.code == code)
            .unwrap_or(ALL[0])
    }

    fn covers(comment: &str, code: &str) -> bool {
        parse_external(comment, 0, all())
            .iter()
            .any(|s| s.covers(rule(code)))
    }

    #[test]
    fn parses_each_tool() {
        assert_eq!(
            parse_external("# nosec B703, B308", 3, all()),
            vec![ExternalSuppression {
                tool: Tool::Bandit,
                line: 3,
                ids: Some(vec!["B703".into(), "B308".into()])
            }]
        );
        assert_eq!(parse_external("# nosec", 0, all())[0].ids, None);
        assert_eq!(
            parse_external("# noqa:S308,S608", 0, all())[0].ids,
            Some(vec!["S308".into(), "S608".into()])
        );
        assert_eq!(parse_external("# noqa  # explained", 0, all())[0].ids, None);
        assert_eq!(
            parse_external(
                "# nosemgrep: python.django.security.avoid-mark-safe",
                0,
                all()
            )[0]
            .ids,
            Some(vec!["python.django.security.avoid-mark-safe".into()])
        );
        assert_eq!(parse_external("// NOSONAR", 0, all())[0].tool, Tool::Sonar);
        assert!(parse_external("# nosecure, noqafoo", 0, all()).is_empty());
        assert!(parse_external("# nosec", 0, ExternalSuppressions::default()).is_empty());
    }

    #[test]
    fn coverage_follows_the_peers() {
        assert!(covers("# nosec B703", "DJS101"));
        assert!(covers("# nosec: b308", "DJS101"));
        assert!(!covers("# nosec B608", "DJS101"));
        assert!(covers("# nosec B608", "DJS201"));
        assert!(covers("# nosec", "DJS101"));
        assert!(!covers("# nosec django_mark_safe", "DJS101"));
        assert!(covers("# noqa: S308", "DJS101"));
        assert!(!covers("# noqa: S608", "DJS101"));
        assert!(covers("# noqa", "DJS201"));
        assert!(covers("# nosemgrep: avoid-mark-safe", "DJS101"));
        assert!(covers(
            "# nosemgrep: python.django.security.audit.avoid-mark-safe",
            "DJS101"
        ));
        assert!(!covers(
            "# nosemgrep: python.other-avoid-mark-safe",
            "DJS101"
        ));
        assert!(covers("# nosemgrep", "DJS101"));
        assert!(covers("# NOSONAR", "DJS201"));
        // djsec's own hints are never hidden by another tool's comment.
        assert!(!covers("# noqa: RUF100", "DJS901"));
        assert!(!covers("# NOSONAR", "DJS902"));
    }

    #[test]
    fn tool_names() {
        let mut e = ExternalSuppressions::default();
        assert!(!e.any());
        assert!(e.enable("NoSec") && e.enable("ruff") && !e.enable("pylint"));
        assert!(e.bandit && e.ruff && !e.semgrep && e.any());
    }
}
