//! `--format github`: GitHub Actions workflow commands, one annotation per finding.
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>

use std::io::{self, Write};

use super::{Report, text};

/// Escape a message (`%`, CR, LF).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (also `:` and `,`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings() {
        let level = match f.severity {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        writeln!(
            out,
            "::{level} title={},file={},line={},col={},endLine={},endColumn={}::{}",
            property(&format!("djsec {} ({})", f.code, f.name)),
            property(&f.path),
            f.line,
            f.column,
            f.end.line,
            f.end.column,
            data(&format!("{} {}", f.code, f.message)),
        )?;
    }
    text::write_summary(report, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
