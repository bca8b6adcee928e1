//! `--format junit`: JUnit XML, one test suite per file with findings, one failed test case per
//! finding; a clean run is one passing test case.

use std::io::{self, Write};

use super::Report;

/// Escape XML text and attributes; characters XML 1.0 cannot carry are replaced.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let total = report.count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="djsec" tests="{}" failures="{total}" errors="{}">"#,
        total.max(1),
        report.errors.len()
    )?;
    if total == 0 {
        writeln!(
            out,
            r#"  <testsuite name="djsec" tests="1" failures="0" errors="0">"#
        )?;
        writeln!(
            out,
            r#"    <testcase name="no findings" classname="djsec" />"#
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    for file in report.files.iter().filter(|f| !f.findings.is_empty()) {
        let n = file.findings.len();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{n}" failures="{n}" errors="0">"#,
            xml(file.path)
        )?;
        for f in file.findings {
            writeln!(
                out,
                r#"    <testcase name="{} {}:{}:{}" classname="{}" file="{}" line="{}">"#,
                f.code,
                xml(&f.path),
                f.line,
                f.column,
                xml(&f.path),
                xml(&f.path),
                f.line
            )?;
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}:{}:{}: {} {} ({})</failure>"#,
                xml(&f.message),
                f.code,
                xml(&f.path),
                f.line,
                f.column,
                f.code,
                xml(&f.message),
                f.severity
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            xml("<a href=\"x\">&'\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\u{fffd}"
        );
    }
}
