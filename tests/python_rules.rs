//! The Python rule families (DJS1xx XSS, DJS2xx SQL) through the real binary, on the fixture
//! modules in `tests/fixtures/python/`: each line that ends with an `expect: CODE` comment must
//! get exactly those findings and no other line any; `--fix --unsafe-fixes` must then remove
//! every finding that offered a fix.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const FIXTURES: &[&str] = &["xss_views.py", "sql_views.py"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python")
        .join(name)
}

/// `(line, code)` of each finding, and how many carried a fix.
fn check(dir: &Path, file: &str, extra: &[&str]) -> (BTreeSet<(u64, String)>, usize) {
    let out = Command::new(env!("CARGO_BIN_EXE_djsec"))
        .current_dir(dir)
        .args([
            "check",
            "--isolated",
            "--exit-zero",
            "--min-severity",
            "hint",
            "--format",
            "json",
        ])
        .args(extra)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("run djsec: {e}"));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let findings = value["findings"].as_array().cloned().unwrap_or_default();
    let fixable = findings.iter().filter(|f| !f["fix"].is_null()).count();
    let got = findings
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (got, fixable)
}

/// The `expect: CODE ...` annotations of a fixture.
fn expected(text: &str) -> BTreeSet<(u64, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let Some((_, codes)) = line.split_once("# expect: ") else {
            continue;
        };
        for code in codes.split_whitespace() {
            out.insert((i as u64 + 1, code.to_string()));
        }
    }
    out
}

#[test]
fn fixtures_report_exactly_the_expected_findings() {
    for name in FIXTURES {
        let path = fixture(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = expected(&text);
        assert!(want.len() >= 10, "{name}: too few expectations");
        let dir = path.parent().unwrap_or(Path::new("."));
        let (got, _) = check(dir, name, &[]);
        let missing: Vec<_> = want.difference(&got).collect();
        let unexpected: Vec<_> = got.difference(&want).collect();
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "{name}: missing {missing:?}, unexpected {unexpected:?}"
        );
    }
}

#[test]
fn every_family_code_is_covered_by_a_fixture() {
    let mut covered = BTreeSet::new();
    for name in FIXTURES {
        let text = std::fs::read_to_string(fixture(name)).unwrap_or_default();
        covered.extend(expected(&text).into_iter().map(|(_, code)| code));
    }
    for rule in djsec::rules::ALL {
        if matches!(
            rule.family,
            djsec::rules::Family::Xss | djsec::rules::Family::Sql
        ) {
            assert!(
                covered.contains(rule.code),
                "{} has no fixture line",
                rule.code
            );
        }
    }
}

#[test]
fn fixes_apply_through_the_cli_and_remove_their_findings() {
    for name in FIXTURES {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let copy = dir.path().join(name);
        std::fs::copy(fixture(name), &copy).unwrap_or_else(|e| panic!("copy: {e}"));
        let (before, fixable) = check(dir.path(), name, &[]);
        assert!(fixable >= 4, "{name}: only {fixable} fixable findings");
        let _ = check(dir.path(), name, &["--fix", "--unsafe-fixes"]);
        let (after, still_fixable) = check(dir.path(), name, &[]);
        assert_eq!(still_fixable, 0, "{name}: fixes left fixable findings");
        assert_eq!(
            after.len(),
            before.len() - fixable,
            "{name}: the fixed file has other findings than the unfixable ones: {after:?}"
        );
        let fixed = std::fs::read_to_string(&copy).unwrap_or_default();
        assert_ne!(
            fixed,
            std::fs::read_to_string(fixture(name)).unwrap_or_default()
        );
        if *name == "xss_views.py" {
            assert!(
                fixed.contains("a = format_html(\"<p>{}</p>\", bio)"),
                "{fixed}"
            );
            assert!(
                fixed.contains("a = format_html(\"<h1>{}</h1>\", title)"),
                "{fixed}"
            );
        } else {
            assert!(
                fixed.contains(
                    "cursor.execute(\"SELECT id FROM shop_item WHERE shop_id = %s\", [shop_id])"
                ),
                "{fixed}"
            );
            assert!(
                fixed.contains("extra(where=[\"name = %s\"], params=[q])"),
                "{fixed}"
            );
        }
    }
}
