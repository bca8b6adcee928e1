//! `--format json`: `{version, findings: [{path, line, column, end, code, name, severity, message,
//! fix}], errors, summary}`, the shape of djsec 0.1 with fields only added.

use std::io::{self, Write};

use serde::Serialize;

use super::{Located, Report};

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    findings: Vec<&'a Located>,
    errors: &'a [String],
    summary: Summary,
    /// Added after 0.1, beside `summary` (whose shape stays as it was).
    stats: Stats,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    errors: usize,
}

#[derive(Serialize)]
struct Stats {
    fixed: usize,
    fixable: usize,
    baselined: usize,
    /// Findings below the severity gate (`--min-severity`), by severity.
    hidden: super::Hidden,
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        version: env!("CARGO_PKG_VERSION"),
        findings: report.findings().collect(),
        errors: report.errors,
        summary: Summary {
            files: report.checked,
            findings: report.count(),
            errors: report.errors.len(),
        },
        stats: Stats {
            fixed: report.fixed,
            fixable: report.fixable(),
            baselined: report.baselined,
            hidden: report.hidden,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

pub fn write_statistics(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &super::text::statistics(report))
        .map_err(io::Error::other)?;
    writeln!(out)
}
