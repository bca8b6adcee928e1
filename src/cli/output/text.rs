//! Human-readable output: `text` (a header line and a code frame per finding) and `concise`
//! (one line per finding), coloured when writing to a terminal.

use std::io::{self, Write};

use super::{Located, Report, plural, printable};
use crate::analysis::{Applicability, LineIndex};

/// ANSI styles, or nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    on: bool,
}

impl Palette {
    pub fn new(on: bool) -> Palette {
        Palette { on }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }

    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }

    fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }

    fn severity(&self, severity: &str, t: &str) -> String {
        let code = match severity {
            "error" => "1;31",
            "warning" => "1;33",
            "info" => "1;34",
            _ => "1;36",
        };
        self.paint(code, t)
    }
}

fn fix_marker(f: &Located, unsafe_fixes: bool) -> &'static str {
    match &f.fix {
        Some(fix) if fix.applicability == Applicability::Safe => " [*]",
        Some(_) if unsafe_fixes => " [*]",
        Some(_) => " [unsafe fix]",
        None => "",
    }
}

fn header(f: &Located, p: Palette, unsafe_fixes: bool) -> String {
    format!(
        "{}:{}:{}: {}{} {} {}",
        p.bold(&f.path),
        f.line,
        f.column,
        p.severity(f.severity, f.code),
        fix_marker(f, unsafe_fixes),
        printable(&f.message),
        p.dim(&format!("({})", f.severity)),
    )
}

/// One line per finding (the format of djsec 0.1's `text`).
pub fn write_concise(report: &Report, out: &mut dyn Write, p: Palette) -> io::Result<()> {
    for f in report.findings() {
        writeln!(out, "{}", header(f, p, report.unsafe_fixes))?;
    }
    write_summary(report, out)
}

/// A header line and a code frame per finding.
pub fn write_full(report: &Report, out: &mut dyn Write, p: Palette) -> io::Result<()> {
    for file in &report.files {
        if file.findings.is_empty() {
            continue;
        }
        let lines = LineIndex::new(file.text);
        for f in file.findings {
            writeln!(out, "{}", header(f, p, report.unsafe_fixes))?;
            write_frame(file.text, &lines, f, out, p)?;
            writeln!(out)?;
        }
    }
    write_summary(report, out)
}

fn line_text<'t>(text: &'t str, lines: &LineIndex, line: usize) -> &'t str {
    let start = lines.line_start(line).min(text.len());
    let rest = &text[start..];
    let end = rest.find('\n').unwrap_or(rest.len());
    rest[..end].trim_end_matches('\r')
}

fn write_frame(
    text: &str,
    lines: &LineIndex,
    f: &Located,
    out: &mut dyn Write,
    p: Palette,
) -> io::Result<()> {
    let zero_line = f.line.saturating_sub(1);
    let source = printable(line_text(text, lines, zero_line));
    let width = f.line.to_string().len();
    let gutter = p.cyan(&format!("{:width$} |", ""));
    writeln!(out, "{gutter}")?;
    writeln!(
        out,
        "{} {}",
        p.cyan(&format!("{:>width$} |", f.line)),
        source
    )?;
    let len = source.chars().count();
    let start = f.column.saturating_sub(1).min(len);
    let end = if f.end.line == f.line {
        f.end.column.saturating_sub(1).clamp(start, len)
    } else {
        len
    };
    let carets = "^".repeat((end - start).max(1));
    let more = if f.end.line > f.line {
        format!(" (to line {})", f.end.line)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{gutter} {}{}{}",
        " ".repeat(start),
        p.severity(f.severity, &carets),
        p.dim(&more)
    )?;
    if let Some(fix) = &f.fix {
        let kind = match fix.applicability {
            Applicability::Safe => "fix",
            Applicability::Unsafe => "unsafe fix",
        };
        writeln!(out, "{gutter} {}: {}", p.bold(kind), printable(&fix.title))?;
    }
    Ok(())
}

pub fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let files_with = report
        .files
        .iter()
        .filter(|f| !f.findings.is_empty())
        .count();
    let mut line = format!(
        "{} in {}",
        plural(report.count(), "finding"),
        plural(report.checked, "file")
    );
    if files_with > 0 && files_with != report.checked {
        line.push_str(&format!(" ({files_with} with findings)"));
    }
    line.push('.');
    if report.fixed > 0 {
        line.push_str(&format!(" Fixed {}.", plural(report.fixed, "finding")));
    }
    let fixable = report.fixable();
    if fixable > 0 {
        line.push_str(&format!(" {fixable} fixable with --fix."));
    }
    if report.baselined > 0 {
        line.push_str(&format!(
            " {} hidden by the baseline.",
            plural(report.baselined, "known finding")
        ));
    }
    if let Some(hidden) = report.hidden.sentence() {
        line.push(' ');
        line.push_str(&hidden);
    }
    writeln!(out, "{line}")
}

/// One row per rule: count, code, whether fixable, name; most frequent first.
pub fn statistics(report: &Report) -> Vec<Statistic> {
    let mut rows: Vec<Statistic> = Vec::new();
    for f in report.findings() {
        let fixable = f
            .fix
            .as_ref()
            .is_some_and(|fix| fix.applicability == Applicability::Safe || report.unsafe_fixes);
        match rows.iter_mut().find(|r| r.code == f.code) {
            Some(row) => {
                row.count += 1;
                row.fixable += usize::from(fixable);
            }
            None => rows.push(Statistic {
                code: f.code,
                name: f.name,
                count: 1,
                fixable: usize::from(fixable),
            }),
        }
    }
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    rows
}

#[derive(Debug, serde::Serialize, PartialEq, Eq)]
pub struct Statistic {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
    pub fixable: usize,
}

pub fn write_statistics(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rows = statistics(report);
    let width = rows.first().map_or(1, |r| r.count.to_string().len());
    for r in &rows {
        let marker = if r.fixable > 0 { "[*]" } else { "   " };
        writeln!(out, "{:>width$}\t{}\t{marker} {}", r.count, r.code, r.name)?;
    }
    write_summary(report, out)
}
