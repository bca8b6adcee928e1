//! Findings to LSP diagnostics and edits, and LSP positions to ours. The only place, with the
//! rest of `server`, that knows LSP types.

use ropey::Rope;
use tower_lsp_server::ls_types::{
    self as lsp, CodeDescription, DiagnosticSeverity, NumberOrString, PositionEncodingKind, Uri,
};

use crate::analysis::{Edit, Finding, Severity};
use crate::document::{Position, PositionEncoding, position};
use crate::rules;

pub fn encoding_kind(encoding: PositionEncoding) -> PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

/// UTF-8 when the client offers it (no conversion needed), else UTF-16, the LSP default.
pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> PositionEncoding {
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
        _ => PositionEncoding::Utf16,
    }
}

pub fn to_position(p: lsp::Position) -> Position {
    Position::new(p.line, p.character)
}

pub fn lsp_position(rope: &Rope, byte: usize, enc: PositionEncoding) -> lsp::Position {
    let p = position::from_byte(rope, byte, enc);
    lsp::Position::new(p.line, p.character)
}

pub fn lsp_range(rope: &Rope, range: &std::ops::Range<usize>, enc: PositionEncoding) -> lsp::Range {
    lsp::Range::new(
        lsp_position(rope, range.start, enc),
        lsp_position(rope, range.end, enc),
    )
}

pub fn byte_range(rope: &Rope, range: lsp::Range, enc: PositionEncoding) -> std::ops::Range<usize> {
    let start = position::to_byte(rope, to_position(range.start), enc);
    let end = position::to_byte(rope, to_position(range.end), enc);
    start.min(end)..start.max(end)
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

pub fn diagnostic(finding: &Finding, rope: &Rope, enc: PositionEncoding) -> lsp::Diagnostic {
    let href = rules::by_code(finding.code).and_then(|r| r.url().parse::<Uri>().ok());
    lsp::Diagnostic {
        range: lsp_range(rope, &finding.range, enc),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.code.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("djsec".to_string()),
        message: finding.message.clone(),
        related_information: None,
        tags: (finding.code == rules::meta::suppression::UNUSED_SUPPRESSION.code)
            .then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

pub fn text_edits(edits: &[Edit], rope: &Rope, enc: PositionEncoding) -> Vec<lsp::TextEdit> {
    edits
        .iter()
        .map(|e| lsp::TextEdit::new(lsp_range(rope, &e.range, enc), e.new_text.clone()))
        .collect()
}
