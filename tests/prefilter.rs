//! The scan's literal prefilter (`cli/prefilter.rs`) is sound: every file it skips has no
//! findings when analysed in full. Through the real binary, on the test fixtures and, when
//! `DJSEC_CORPORA` names folders (separated by `:`), on real projects:
//!
//! ```text
//! DJSEC_CORPORA=/tmp/corpora/django:/tmp/corpora/wagtail cargo test --test prefilter -- --nocapture
//! ```
//!
//! `DJSEC_BIN=target/release/djsec` runs another build of djsec (a release build for large trees).
//!
//! For each tree: `djsec check --no-cache --no-prefilter` (everything analysed) and `djsec check
//! --no-cache` (with the prefilter, which logs the files it skips). Skipped files must have no
//! findings in the first run, and both runs must report the same findings. The share of files
//! skipped is printed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(root: &Path, extra: &[&str]) -> (BTreeSet<String>, Vec<String>, BTreeSet<String>, usize) {
    let binary =
        std::env::var("DJSEC_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_djsec").to_string());
    let out = Command::new(binary)
        .current_dir(root)
        .env("DJSEC_LOG", "djsec::cache=trace")
        .args([
            "check",
            "--format",
            "json",
            "--exit-zero",
            "--no-progress",
            "--no-cache",
            "--isolated",
        ])
        .args(extra)
        .arg(".")
        .output()
        .expect("run djsec");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    let findings: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}",
                f["path"].as_str().unwrap_or(""),
                f["line"],
                f["column"],
                f["code"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    let with_findings: BTreeSet<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or("").to_string())
        .collect();
    let skipped: BTreeSet<String> = stderr
        .lines()
        .filter_map(|l| l.split_once(" skipped ").map(|(_, p)| p.trim().to_string()))
        .collect();
    let checked = report["summary"]["files"].as_u64().unwrap_or(0) as usize;
    (with_findings, findings, skipped, checked)
}

fn check_tree(root: &Path) -> (usize, usize) {
    let (with_findings, all, never_skipped, checked) = run(root, &["--no-prefilter"]);
    assert!(never_skipped.is_empty());
    let (_, prefiltered, skipped, _) = run(root, &[]);
    let wrongly: Vec<&String> = skipped.intersection(&with_findings).collect();
    assert!(
        wrongly.is_empty(),
        "{}: the prefilter skipped files that have findings: {wrongly:?}",
        root.display()
    );
    assert_eq!(
        all,
        prefiltered,
        "{}: findings differ with the prefilter",
        root.display()
    );
    println!(
        "{}: {} of {} files skipped by the prefilter ({:.1} %), {} findings",
        root.display(),
        skipped.len(),
        checked,
        100.0 * skipped.len() as f64 / checked.max(1) as f64,
        all.len()
    );
    (skipped.len(), checked)
}

#[test]
fn skipped_files_have_no_findings_in_the_fixtures() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (_, checked) = check_tree(&fixtures);
    assert!(checked > 40, "only {checked} fixture files checked");
}

#[test]
fn skipped_files_have_no_findings_in_real_projects() {
    let Some(corpora) = std::env::var_os("DJSEC_CORPORA") else {
        eprintln!("DJSEC_CORPORA is not set: no real projects checked");
        return;
    };
    for root in std::env::split_paths(&corpora) {
        let root: PathBuf = root;
        assert!(root.is_dir(), "{}: not a folder", root.display());
        check_tree(&root);
    }
}
