//! Black-box tests of `djsec check`, `djsec rules`, `djsec rule`, and agreement with the server.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn djsec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_djsec"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run djsec: {e}"))
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn check_reports_findings_with_exit_code_1() {
    let dir = fixture("project");
    let out = djsec(&[
        "check",
        "--min-severity",
        "hint",
        dir.to_str().unwrap_or("."),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let views = fixture("project/app/views.py");
    let expected_views = format!("{}:17:12: DJS101 ", views.display());
    assert!(text.contains(&expected_views), "{text}");
    assert!(
        text.contains(&format!("{}:41:9: DJS201 ", views.display())),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("3 findings in 3 files (2 with findings)."),
        "{text}"
    );
}

#[test]
fn json_shape() {
    let views = fixture("project/app/views.py");
    let out = djsec(&["check", "--format", "json", views.to_str().unwrap_or(".")]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(
        report["summary"],
        json!({"files": 1, "findings": 2, "errors": 0})
    );
    let first = &report["findings"][0];
    assert_eq!(first["path"], views.display().to_string());
    assert_eq!(first["line"], 17);
    assert_eq!(first["column"], 12);
    assert_eq!(first["end"], json!({"line": 17, "column": 39}));
    assert_eq!(first["code"], "DJS101");
    assert_eq!(first["name"], "mark-safe-non-constant");
    assert_eq!(first["severity"], "error");
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.contains("request.GET"))
    );
    assert_eq!(first["fix"]["applicability"], "unsafe");
    // `format_html` is already imported by the fixture: one edit, no import added.
    assert_eq!(first["fix"]["edits"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        first["fix"]["edits"][0]["content"],
        "format_html(\"<b>{}</b>\", name)"
    );
    assert_eq!(
        first["fix"]["edits"][0]["start"],
        json!({"line": 17, "column": 12})
    );
    let second = &report["findings"][1];
    assert_eq!(
        (second["code"].as_str(), second["line"].as_i64()),
        (Some("DJS201"), Some(41))
    );
    assert_eq!(second["severity"], "error");
    assert_eq!(second["fix"], Value::Null);
}

#[test]
fn clean_tree_exits_0_and_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("ok.py"),
        "from django.utils.safestring import mark_safe\nX = mark_safe('<br>')\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().to_str().unwrap_or(".");
    let out = djsec(&["check", path]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let missing = dir.path().join("nope");
    let out = djsec(&["check", missing.to_str().unwrap_or(".")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));
    let out = djsec(&["check", "--format", "yaml", path]);
    assert_eq!(out.status.code(), Some(2));
    let out = djsec(&["rule", "DJS000"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn binary_and_invalid_utf8_files_do_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut bytes = b"from django.utils.safestring import mark_safe\ndef v(request):\n    return mark_safe(request.GET['a'])  # \xff\xfe\n".to_vec();
    bytes.extend_from_slice(&[0, 1, 2, 0xc3, 0x28]);
    std::fs::write(dir.path().join("odd.py"), &bytes).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("blob.py"), [0u8, 159, 146, 150, 0, 0])
        .unwrap_or_else(|e| panic!("{e}"));
    let out = djsec(&[
        "check",
        "--format",
        "json",
        dir.path().to_str().unwrap_or("."),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));
    assert_eq!(json_of(&out)["summary"]["findings"], 1);
}

#[test]
fn select_ignore_and_exit_zero() {
    let dir = fixture("project");
    let path = dir.to_str().unwrap_or(".");
    let out = djsec(&["check", "--format", "json", "--ignore", "xss", path]);
    let report = json_of(&out);
    let codes: Vec<&str> = report["findings"].as_array().map_or(vec![], |f| {
        f.iter().filter_map(|x| x["code"].as_str()).collect()
    });
    assert_eq!(codes, vec!["DJS201"]);
    let out = djsec(&["check", "--select", "DJS2", "--exit-zero", path]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn rules_list_and_rule_docs() {
    let out = djsec(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rules = json_of(&out);
    let first = &rules[0];
    for key in [
        "code",
        "name",
        "family",
        "severity",
        "fix",
        "summary",
        "django_checks",
        "url",
    ] {
        assert!(first.get(key).is_some(), "rules JSON lacks {key}: {first}");
    }
    let out = djsec(&["rule", "DJS201"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for section in [
        "# sql-string-formatting (DJS201)",
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Fix safety",
    ] {
        assert!(text.contains(section), "missing {section}: {text}");
    }
    let out = djsec(&["rule", "mark-safe-non-constant", "--format", "json"]);
    assert_eq!(json_of(&out)["code"], "DJS101");
    let version = djsec(&["--version"]);
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("djsec "));
}

/// The CLI and the server report the same findings (code, start, end) on every fixture file.
#[test]
fn cli_and_server_agree_on_fixtures() {
    let files: Vec<PathBuf> = ["project/app/views.py", "project/app/utils.py"]
        .iter()
        .map(|f| fixture(f))
        .collect();
    let (mut client, _) = common::Client::initialized(
        json!({"general": {"positionEncodings": ["utf-16"]}}),
        Value::Null,
    );
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
        // The editor shows every severity; so does the CLI with `--min-severity hint`.
        let out = djsec(&[
            "check",
            "--format",
            "json",
            "--min-severity",
            "hint",
            file.to_str().unwrap_or("."),
        ]);
        let cli: Vec<(String, i64, i64)> =
            json_of(&out)["findings"].as_array().map_or(vec![], |f| {
                f.iter()
                    .map(|x| {
                        (
                            x["code"].as_str().unwrap_or("").to_string(),
                            x["line"].as_i64().unwrap_or(0) - 1,
                            x["column"].as_i64().unwrap_or(0) - 1,
                        )
                    })
                    .collect()
            });
        let uri = format!("file://{}", file.display());
        client.open(&uri, "python", 1, &text);
        let server: Vec<(String, i64, i64)> = client
            .diagnostics_for(&uri, 1)
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or("").to_string(),
                    d["range"]["start"]["line"].as_i64().unwrap_or(-1),
                    d["range"]["start"]["character"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        assert!(
            !cli.is_empty(),
            "{} has no findings: the comparison would be empty",
            file.display()
        );
        // The fixtures are ASCII, so UTF-16 columns equal character columns.
        assert_eq!(cli, server, "{}", file.display());
    }
}
