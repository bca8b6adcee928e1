//! Code actions (quick-fixes, "suppress on this line", fix-all) and hover.

use std::collections::HashMap;

use ropey::Rope;
use tower_lsp_server::ls_types::*;

use super::convert;
use crate::analysis::{Applicability, Edit, Finding};
use crate::document::PositionEncoding;
use crate::rules;
use crate::syntax::Language;

/// The source action appending the production HTTPS/HSTS/cookie settings a production settings
/// module lacks (the fix of the settings rules that report a missing setting).
pub fn production_settings_kind() -> CodeActionKind {
    CodeActionKind::new("source.djsec.productionSettings")
}

pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.djsec")
}

pub struct Request<'a> {
    pub uri: &'a Uri,
    pub rope: &'a Rope,
    pub text: &'a str,
    pub language: Language,
    pub findings: &'a [Finding],
    pub encoding: PositionEncoding,
}

impl Request<'_> {
    fn edit(&self, edits: &[Edit]) -> WorkspaceEdit {
        let mut changes = HashMap::new();
        changes.insert(
            self.uri.clone(),
            convert::text_edits(edits, self.rope, self.encoding),
        );
        WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }
    }
}

fn wanted(only: Option<&[CodeActionKind]>, kind: &CodeActionKind) -> bool {
    only.is_none_or(|kinds| {
        kinds.iter().any(|k| {
            kind.as_str() == k.as_str() || kind.as_str().starts_with(&format!("{}.", k.as_str()))
        })
    })
}

pub fn code_actions(
    req: &Request,
    range: Range,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    let wanted_range = convert::byte_range(req.rope, range, req.encoding);
    if wanted(only, &CodeActionKind::QUICKFIX) {
        for finding in req.findings {
            let overlaps =
                finding.range.start <= wanted_range.end && wanted_range.start <= finding.range.end;
            if !overlaps {
                continue;
            }
            let diagnostic = convert::diagnostic(finding, req.rope, req.encoding);
            if let Some(fix) = &finding.fix {
                let suffix = match fix.applicability {
                    Applicability::Safe => "",
                    Applicability::Unsafe => " (unsafe: review the result)",
                };
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("{} ({}){suffix}", fix.title, finding.code),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic.clone()]),
                    edit: Some(req.edit(&fix.edits)),
                    is_preferred: Some(fix.applicability == Applicability::Safe),
                    ..Default::default()
                }));
            }
            if finding.code != rules::meta::suppression::UNUSED_SUPPRESSION.code
                && let Some(edit) = suppress_edit(req, finding)
            {
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Suppress {} on this line", finding.code),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic]),
                    edit: Some(req.edit(&[edit])),
                    is_preferred: Some(false),
                    ..Default::default()
                }));
            }
        }
    }
    // Offered only when source actions are asked for (not on every cursor move).
    let production = production_settings_kind();
    if only.is_some()
        && wanted(only, &production)
        && let Some(fix) = req
            .findings
            .iter()
            .filter_map(|f| f.fix.as_ref())
            .find(|f| f.title == rules::settings::https::PRODUCTION_BLOCK_TITLE)
    {
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("djsec: {}", fix.title.to_lowercase()),
            kind: Some(production),
            edit: Some(req.edit(&fix.edits)),
            ..Default::default()
        }));
    }
    let fix_all = fix_all_kind();
    if wanted(only, &fix_all) {
        let edits = safe_edits(req.findings);
        if !edits.is_empty() {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "djsec: fix all safely fixable problems".to_string(),
                kind: Some(fix_all),
                edit: Some(req.edit(&edits)),
                ..Default::default()
            }));
        }
    }
    out
}

/// The edits of every safe fix, skipping fixes that overlap one already taken.
pub fn safe_edits(findings: &[Finding]) -> Vec<Edit> {
    let mut taken: Vec<Edit> = Vec::new();
    for fix in findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|f| f.applicability == Applicability::Safe)
    {
        let clashes = fix.edits.iter().any(|e| {
            taken.iter().any(|t| {
                e.range.start < t.range.end && t.range.start < e.range.end
                    || (e.range.is_empty() && t.range.is_empty() && e.range.start == t.range.start)
            })
        });
        if !clashes {
            taken.extend(fix.edits.iter().cloned());
        }
    }
    taken.sort_by_key(|e| (e.range.start, e.range.end));
    taken
}

/// Add the finding's code to a suppression comment at the end of the line where it starts.
fn suppress_edit(req: &Request, finding: &Finding) -> Option<Edit> {
    let text = req.text;
    let start = finding.range.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_end = if text[..line_end].ends_with('\r') {
        line_end - 1
    } else {
        line_end
    };
    let line = &text[line_start..line_end];
    // Extend an existing `djsec: ignore[...]` on the line.
    if let Some(at) = line.find("djsec: ignore[") {
        let list_start = line_start + at + "djsec: ignore[".len();
        let close = text[list_start..line_end].find(']')? + list_start;
        return Some(Edit::insert(close, format!(", {}", finding.code)));
    }
    let comment = match req.language {
        Language::Python => format!("  # djsec: ignore[{}]", finding.code),
        Language::Template => format!("{{# djsec: ignore[{}] #}}", finding.code),
    };
    Some(Edit::insert(line_end, comment))
}

pub fn hover(
    rope: &Rope,
    findings: &[Finding],
    position: Position,
    encoding: PositionEncoding,
) -> Option<Hover> {
    let at = convert::byte_range(rope, Range::new(position, position), encoding).start;
    // A rule code written under the cursor (in a suppression comment, say) wins.
    let line_idx = rope.byte_to_line(at.min(rope.len_bytes()));
    let line_start = rope.line_to_byte(line_idx);
    let line: String = rope.line(line_idx).to_string();
    let col = at - line_start;
    let code_under_cursor = line
        .match_indices("DJS")
        .find(|(i, _)| *i <= col && col <= i + 6)
        .and_then(|(i, _)| line.get(i..i + 6))
        .and_then(rules::by_code);
    let rule = code_under_cursor.or_else(|| {
        findings
            .iter()
            .filter(|f| f.range.start <= at && at <= f.range.end)
            .min_by_key(|f| f.range.len())
            .and_then(|f| rules::by_code(f.code))
    })?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: rule.render_markdown(),
        }),
        range: None,
    })
}
