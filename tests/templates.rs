//! The template rules (DJS5xx) on realistic templates in `tests/fixtures/templates/`: findings
//! as `line:column` snapshots, a template with only safe look-alikes that must stay silent,
//! every fix applied and re-analysed, and every prefix of each template (markup being typed)
//! analysed without a panic or a finding outside the text.

use std::path::{Path, PathBuf};

use djsec::analysis::{Applicability, Context, Finding, LineIndex, analyze_text, apply_edits};
use djsec::syntax::Language;

fn fixture(name: &str) -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/templates")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    (path, text)
}

fn analyse(path: &Path, text: &str) -> Vec<Finding> {
    analyze_text(text, Language::Template, &Context::for_path(path))
}

fn report(text: &str, findings: &[Finding]) -> String {
    let lines = LineIndex::new(text);
    let mut out = String::new();
    for f in findings {
        let (line, col) = lines.line_col(text, f.range.start);
        let fix = match &f.fix {
            Some(fix) if fix.applicability == Applicability::Safe => " [safe fix]",
            Some(_) => " [unsafe fix]",
            None => "",
        };
        out.push_str(&format!(
            "{line}:{col} {} {}{fix}: {}\n",
            f.code,
            f.severity.as_str(),
            f.message
        ));
    }
    out
}

fn template_codes(findings: &[Finding]) -> Vec<&'static str> {
    findings
        .iter()
        .map(|f| f.code)
        .filter(|c| c.starts_with("DJS5"))
        .collect()
}

#[test]
fn account_page() {
    let (path, text) = fixture("account_page.html");
    insta::assert_snapshot!("account_page", report(&text, &analyse(&path, &text)));
}

#[test]
fn half_typed_page() {
    let (path, text) = fixture("half_typed.html");
    insta::assert_snapshot!("half_typed", report(&text, &analyse(&path, &text)));
}

#[test]
fn clean_page_is_silent() {
    let (path, text) = fixture("clean_page.html");
    let findings = analyse(&path, &text);
    assert_eq!(findings, Vec::new(), "{}", report(&text, &findings));
}

#[test]
fn plain_text_template_is_not_checked_for_html() {
    let (path, text) = fixture("email_body.txt");
    assert_eq!(template_codes(&analyse(&path, &text)), Vec::<&str>::new());
}

/// Apply each finding's fix in turn (first fixable finding first), re-analysing after each one:
/// the fix must remove its finding and must not add findings of other template codes.
#[test]
fn every_fix_applies_and_reanalyses_cleanly() {
    for name in ["account_page.html", "half_typed.html"] {
        let (path, mut text) = fixture(name);
        let mut applied = 0;
        loop {
            let before = analyse(&path, &text);
            let Some(finding) = before.iter().find(|f| f.fix.is_some()) else {
                break;
            };
            let Some(fix) = finding.fix.as_ref() else {
                break;
            };
            let next = apply_edits(&text, &fix.edits);
            assert_ne!(next, text, "{name}: fix {:?} changed nothing", fix.title);
            let after = analyse(&path, &next);
            let count = |fs: &[Finding], code: &str| fs.iter().filter(|f| f.code == code).count();
            assert!(
                count(&after, finding.code) < count(&before, finding.code),
                "{name}: fix {:?} did not remove its finding:\n{next}",
                fix.title
            );
            for code in template_codes(&after) {
                assert!(
                    count(&after, code) <= count(&before, code),
                    "{name}: fix {:?} added a {code} finding:\n{next}",
                    fix.title
                );
            }
            text = next;
            applied += 1;
            assert!(applied < 100, "{name}: fixes do not converge");
        }
        if name == "account_page.html" {
            assert!(applied >= 8, "only {applied} fixes applied");
            insta::assert_snapshot!("account_page_fixed", text);
        }
    }
}

#[test]
fn every_prefix_analyses_without_nonsense() {
    for name in ["account_page.html", "clean_page.html", "half_typed.html"] {
        let (path, text) = fixture(name);
        let mut end = 0;
        while end <= text.len() {
            if text.is_char_boundary(end) {
                let prefix = &text[..end];
                for f in analyse(&path, prefix) {
                    assert!(
                        f.range.start <= f.range.end
                            && f.range.end <= prefix.len()
                            && prefix.is_char_boundary(f.range.start)
                            && prefix.is_char_boundary(f.range.end),
                        "{name}[..{end}]: bad range {f:?}"
                    );
                    assert!(!f.message.is_empty());
                    if let Some(fix) = &f.fix {
                        for e in &fix.edits {
                            assert!(e.range.end <= prefix.len(), "{name}[..{end}]: {fix:?}");
                        }
                    }
                }
            }
            end += 3;
        }
    }
}

#[test]
fn ten_megabyte_template_is_analysed() {
    let (path, page) = fixture("account_page.html");
    let mut text = String::new();
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&page);
    }
    let start = std::time::Instant::now();
    let findings = analyse(&path, &text);
    let elapsed = start.elapsed();
    eprintln!("10 MB template: {} findings in {elapsed:?}", findings.len());
    assert!(findings.len() > 1000);
    assert!(elapsed.as_secs() < 120, "took {elapsed:?}");
}

#[test]
fn deeply_nested_templates_are_analysed() {
    let path = Path::new("app/templates/deep.html");
    let n = 100_000;
    for (open, close) in [
        ("{% if x %}<b>{{ y|safe }}", "</b>{% endif %}"),
        (
            "<div>{% autoescape off %}{{ y }}",
            "{% endautoescape %}</div>",
        ),
        ("<script>{% for i in l %}{{ i }}", "{% endfor %}</script>"),
    ] {
        let text = open.repeat(n) + &close.repeat(n);
        let start = std::time::Instant::now();
        let findings = analyse(path, &text);
        let elapsed = start.elapsed();
        eprintln!("{open:?} x{n}: {} findings in {elapsed:?}", findings.len());
        assert!(!findings.is_empty());
        assert!(elapsed.as_secs() < 120, "took {elapsed:?}");
    }
}
