//! `djsec check` as a CI gate, through the real binary: every output format (snapshots),
//! configuration precedence, baselines, fixes, the file walk.

mod common;

use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A copy of a fixture project in a temporary folder.
fn project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture(name), dir.path());
    dir
}

fn djsec(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_djsec"))
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("run djsec")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(cwd: &Path, args: &[&str]) -> (Value, Output) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = djsec(cwd, &all);
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(&out), stderr(&out)));
    (value, out)
}

/// `(path, line, code)` of each finding in a JSON report.
fn codes(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["path"].as_str().unwrap_or("").to_string(),
                        f["line"].as_u64().unwrap_or(0),
                        f["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn redact(text: &str, root: &Path) -> String {
    let uri_root = format!("file://{}", root.to_string_lossy().replace(' ', "%20"));
    text.replace(&uri_root, "file://[ROOT]")
        .replace(&root.to_string_lossy().to_string(), "[ROOT]")
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn every_format_matches_its_snapshot() {
    let dir = project("ci-project");
    let root = dir.path();
    for format in ["text", "concise", "json", "github", "junit", "sarif"] {
        // Every severity, so that the hints' fix markers are shown too (the default gate is
        // tested in `severity_gate_defaults_flags_and_configuration`).
        let out = djsec(
            root,
            &[
                "check",
                "--min-severity",
                "hint",
                "--format",
                format,
                "--color",
                "never",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let mut shown = redact(&stdout(&out), root);
        if format == "sarif" {
            // The rule table grows with every rule; it is checked below, not snapshotted.
            let mut doc: Value = serde_json::from_str(&shown).expect("sarif is JSON");
            let rules = doc["runs"][0]["tool"]["driver"]["rules"].take();
            check_sarif_rules(&rules);
            for result in doc["runs"][0]["results"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                let index = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
                assert_eq!(rules[index]["id"], result["ruleId"]);
                result["ruleIndex"] = Value::from("[index]");
            }
            doc["runs"][0]["tool"]["driver"]["rules"] = Value::from("[every rule]");
            shown = serde_json::to_string_pretty(&doc).expect("json");
        }
        insta::assert_snapshot!(format!("format_{format}"), shown);
    }
}

/// Every rule is in the SARIF rule table with its help, in registry order (`ruleIndex`).
fn check_sarif_rules(rules: &Value) {
    let listed = Command::new(env!("CARGO_BIN_EXE_djsec"))
        .args(["rules", "--format", "json"])
        .output()
        .expect("djsec rules");
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("rules json");
    let codes: Vec<&str> = listed
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["code"].as_str()).collect())
        .unwrap_or_default();
    let ids: Vec<&str> = rules
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default();
    assert!(!ids.is_empty());
    assert_eq!(ids, codes);
    for rule in rules.as_array().into_iter().flatten() {
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .is_some_and(|h| h.contains("## What it does"))
        );
        assert!(
            rule["helpUri"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"))
        );
        assert!(
            rule["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = project("ci-project");
    let plain = djsec(dir.path(), &["check"]);
    assert!(
        !stdout(&plain).contains('\x1b'),
        "piped output has no colour"
    );
    let coloured = djsec(dir.path(), &["check", "--color", "always"]);
    assert!(stdout(&coloured).contains("\x1b[1;31mDJS101\x1b[0m"));
    // No progress bar when stderr is not a terminal.
    assert!(!stderr(&plain).contains("files"), "{}", stderr(&plain));
}

#[test]
fn json_keeps_the_documented_shape() {
    let dir = project("ci-project");
    let (report, _) = json(dir.path(), &[]);
    let first = &report["findings"][0];
    let mut keys: Vec<&str> = first
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "code", "column", "end", "fix", "line", "message", "name", "path", "severity"
        ]
    );
    assert_eq!(report["summary"]["files"], 4);
    // Warnings and errors by default; the three hints are counted, not shown.
    assert_eq!(report["summary"]["findings"], 3);
    assert_eq!(
        report["stats"]["hidden"],
        serde_json::json!({"warning": 0, "info": 0, "hint": 3})
    );
    let (all, _) = json(dir.path(), &["--min-severity", "hint"]);
    assert_eq!(all["summary"]["findings"], 6);
    assert_eq!(all["stats"]["hidden"]["hint"], 0);
}

#[test]
fn severity_gate_defaults_flags_and_configuration() {
    let dir = project("ci-project");
    let root = dir.path();
    let run = |args: &[&str]| {
        let mut all = vec!["check", "--format", "concise"];
        all.extend_from_slice(args);
        let out = djsec(root, &all);
        let text = stdout(&out);
        let codes: Vec<String> = text
            .lines()
            .filter_map(|l| l.split(": ").nth(1))
            .filter_map(|rest| rest.split_whitespace().next())
            .map(str::to_string)
            .collect();
        let summary = text.lines().last().unwrap_or("").to_string();
        (out.status.code(), codes, summary)
    };

    // Default: warnings and errors shown and failing; hints counted in the summary.
    let (code, codes, summary) = run(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(codes, ["DJS101", "DJS201", "DJS101"]);
    assert_eq!(
        summary,
        "3 findings in 4 files (2 with findings). 1 fixable with --fix. \
         3 hints not shown (--min-severity hint shows them)."
    );

    // --min-severity error hides the warning too.
    let (code, codes, summary) = run(&["--min-severity", "error"]);
    assert_eq!((code, codes.len()), (Some(1), 2));
    assert!(
        summary.ends_with("1 warning and 3 hints not shown (--min-severity hint shows them)."),
        "{summary}"
    );

    // Only warnings (DJS201 is a warning in this project's configuration).
    let (code, codes, _) = run(&["--select", "DJS201"]);
    assert_eq!(
        (code, codes.as_slice()),
        (Some(1), ["DJS201".to_string()].as_slice())
    );
    let (code, _, _) = run(&["--select", "DJS201", "--fail-on", "error"]);
    assert_eq!(
        code,
        Some(0),
        "a warning does not fail with --fail-on error"
    );

    // Only hints: nothing shown, nothing fails, until asked for.
    let (code, codes, summary) = run(&["--select", "DJS9"]);
    assert_eq!((code, codes.len()), (Some(0), 0));
    assert_eq!(
        summary,
        "0 findings in 4 files. 3 hints not shown (--min-severity hint shows them)."
    );
    let (code, codes, _) = run(&["--select", "DJS9", "--min-severity", "hint"]);
    assert_eq!(
        (code, codes.len()),
        (Some(0), 3),
        "hints are shown, not failing"
    );
    let (code, _, _) = run(&[
        "--select",
        "DJS9",
        "--min-severity",
        "hint",
        "--fail-on",
        "hint",
    ]);
    assert_eq!(code, Some(1));
    // A finding below --min-severity never fails the run, whatever --fail-on says.
    let (code, _, _) = run(&["--select", "DJS9", "--fail-on", "hint"]);
    assert_eq!(code, Some(0));

    // The same from the configuration file; the flags go over it.
    let pyproject = root.join("pyproject.toml");
    let config = std::fs::read_to_string(&pyproject).expect("read");
    let config = config.replace(
        "[tool.djsec]\n",
        "[tool.djsec]\nmin-severity = \"hint\"\nfail-on = \"error\"\n",
    );
    std::fs::write(&pyproject, config).expect("write");
    let (code, codes, summary) = run(&[]);
    assert_eq!((code, codes.len()), (Some(1), 6), "{summary}");
    let (code, codes, _) = run(&["--select", "DJS201"]);
    assert_eq!(
        (code, codes.len()),
        (Some(0), 1),
        "fail-on = error from the file"
    );
    let (code, codes, _) = run(&["--select", "DJS201", "--fail-on", "warning"]);
    assert_eq!((code, codes.len()), (Some(1), 1));
    let (_, codes, _) = run(&["--min-severity", "warning"]);
    assert_eq!(codes.len(), 3);
    let bad = djsec(root, &["check", "--min-severity", "loud"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn configuration_precedence_cli_flags_over_config_flag_over_nearest_file() {
    let dir = project("ci-project");
    let root = dir.path();
    let views = "app/views.py";
    let has = |report: &Value, code: &str| {
        codes(report)
            .iter()
            .any(|(p, _, c)| p == views && c == code)
    };

    // The nearest file: pyproject.toml sets DJS201 to warning.
    let (base, _) = json(root, &[views]);
    assert!(has(&base, "DJS101") && has(&base, "DJS201"));
    assert_eq!(
        base["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["code"] == "DJS201"))
            .map(|f| f["severity"].clone()),
        Some(Value::from("warning"))
    );

    // A nearer file wins over the project's pyproject.toml (no merging).
    std::fs::write(root.join("app/djsec.toml"), "ignore = [\"DJS101\"]\n").expect("write");
    let (nearer, _) = json(root, &[views]);
    assert!(!has(&nearer, "DJS101") && has(&nearer, "DJS201"));
    assert_eq!(
        nearer["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["code"] == "DJS201"))
            .map(|f| f["severity"].clone()),
        Some(Value::from("error")),
        "the nearer file does not inherit the severity override"
    );

    // --config goes over the nearest file.
    std::fs::write(root.join("ci.toml"), "extend-select = [\"DJS101\"]\n").expect("write");
    let (with_config, _) = json(root, &["--config", "ci.toml", views]);
    assert!(has(&with_config, "DJS101"));

    // Flags go over both.
    let (flags, _) = json(root, &["--config", "ci.toml", "--ignore", "xss", views]);
    assert!(!has(&flags, "DJS101") && has(&flags, "DJS201"));
    // The nearer file does not turn on external suppressions: the `# nosec` and `# noqa`
    // lines are reported too.
    let (select, _) = json(root, &["--select", "DJS101", views]);
    assert_eq!(
        codes(&select)
            .iter()
            .map(|(_, l, c)| (*l, c.as_str()))
            .collect::<Vec<_>>(),
        [(7, "DJS101"), (18, "DJS101"), (22, "DJS101")]
    );

    // --isolated ignores the files.
    let (isolated, _) = json(root, &["--isolated", views]);
    assert!(has(&isolated, "DJS101"));
    // ... and so does the reviewed `# nosec B703` line, since external suppressions are off.
    assert!(
        codes(&isolated)
            .iter()
            .any(|(_, line, c)| *line == 18 && c == "DJS101")
    );
}

#[test]
fn configuration_errors_name_file_line_and_key_and_exit_2() {
    let dir = project("ci-project");
    std::fs::write(
        dir.path().join("app/djsec.toml"),
        "select = [\"DJS1\"]\nignor = [\"DJS2\"]\n",
    )
    .expect("write");
    let out = djsec(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("app/djsec.toml:2:1: `ignor`: unknown key; did you mean `ignore`?"),
        "{}",
        stderr(&out)
    );
    let bad_flag = djsec(dir.path(), &["check", "--select", "S308"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn baseline_hides_known_findings_even_after_lines_move() {
    let dir = project("ci-project");
    let root = dir.path();
    let written = djsec(root, &["check", "--write-baseline", "djsec-baseline.json"]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert!(stderr(&written).contains("Wrote 6 findings"));

    // Move every finding: lines added at the top, a function re-indented into a class.
    let views = root.join("app/views.py");
    let text = std::fs::read_to_string(&views).expect("read");
    let moved = format!("import os\nimport sys\n\n\n{text}");
    std::fs::write(&views, &moved).expect("write");
    let (after_move, out) = json(root, &["--baseline", "djsec-baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", codes(&after_move));
    assert_eq!(after_move["stats"]["baselined"], 6);

    // A new finding is reported, the old ones stay hidden.
    let added =
        format!("{moved}\n\ndef fresh(request):\n    return mark_safe(request.GET[\"new\"])\n");
    std::fs::write(&views, added).expect("write");
    let (after_add, out) = json(root, &["--baseline", "djsec-baseline.json"]);
    assert_eq!(out.status.code(), Some(1));
    let found = codes(&after_add);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2, "DJS101");
    assert_eq!(found[0].1, 38);

    // Run from another folder: paths are relative to the baseline file, so it still matches.
    let (from_app, _) = json(
        &root.join("app"),
        &["--baseline", "../djsec-baseline.json", "."],
    );
    assert_eq!(codes(&from_app).len(), 1, "{:?}", codes(&from_app));

    let missing = djsec(root, &["check", "--baseline", "nope.json"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn fix_applies_only_safe_fixes_and_the_result_reanalyses_clean() {
    let dir = project("ci-project");
    let root = dir.path();
    let views = root.join("app/views.py");
    let before = std::fs::read_to_string(&views).expect("read");

    // By default only the fixes of shown findings (warnings and errors) are applied: the SQL
    // one, not the removal of unused suppressions (hints).
    let default_diff = djsec(root, &["check", "--diff"]);
    assert_eq!(default_diff.status.code(), Some(1));
    assert!(stdout(&default_diff).contains("[item_id])"));
    assert!(
        !stdout(&default_diff).contains("page.html"),
        "{}",
        stdout(&default_diff)
    );

    // --diff shows, does not write, and exits 1 when there is something to change.
    let diff = djsec(root, &["check", "--diff", "--min-severity", "hint"]);
    assert_eq!(diff.status.code(), Some(1));
    assert!(
        stdout(&diff).contains("--- a/app/views.py\n+++ b/app/views.py\n"),
        "{}",
        stdout(&diff)
    );
    assert!(
        stdout(&diff).contains(
            "+        cursor.execute(\"SELECT id FROM app_item WHERE id = %s\", [item_id])"
        )
    );
    assert_eq!(std::fs::read_to_string(&views).expect("read"), before);

    let fixed = djsec(
        root,
        &[
            "check",
            "--fix",
            "--min-severity",
            "hint",
            "--format",
            "concise",
        ],
    );
    assert_eq!(fixed.status.code(), Some(1), "unsafe-only findings remain");
    let after = std::fs::read_to_string(&views).expect("read");
    assert!(after.contains("cursor.execute(\"SELECT id FROM app_item WHERE id = %s\", [item_id])"));
    assert!(
        after.contains("return \"ok\"\n"),
        "unused suppression removed"
    );
    assert!(
        after.contains("return mark_safe(f\"<b>{name}</b>\")"),
        "unsafe fix not applied"
    );
    assert!(
        stdout(&fixed).contains("Fixed 3 findings."),
        "{}",
        stdout(&fixed)
    );

    // Re-analysis: no safe fix left anywhere.
    let (again, _) = json(root, &["--min-severity", "hint"]);
    let safe_left = again["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["fix"]["applicability"] == "safe")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(safe_left, 0);
    let template = std::fs::read_to_string(root.join("app/templates/app/page.html")).expect("read");
    assert_eq!(template, "<p>{{ user.name }}</p> \n");

    // --unsafe-fixes goes further and the file still parses into a clean DJS101 result.
    let unsafe_run = djsec(root, &["check", "--fix", "--unsafe-fixes", "app/views.py"]);
    assert!(unsafe_run.status.code().is_some());
    let after_unsafe = std::fs::read_to_string(&views).expect("read");
    assert!(
        after_unsafe.contains("format_html(\"<b>{}</b>\", name)"),
        "{after_unsafe}"
    );
}

#[cfg(unix)]
#[test]
fn walk_respects_gitignore_skips_venvs_and_symlinks_and_reads_non_utf8() {
    let dir = project("ci-clean");
    let root = dir.path();
    let finding = "from django.utils.safestring import mark_safe\n\ndef v(request):\n    return mark_safe(request.GET['x'])\n";
    let write = |rel: &str, text: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(".gitignore", b"generated/\n");
    write("generated/gen.py", finding.as_bytes());
    write("env/pyvenv.cfg", b"home = /usr/bin\n");
    write("env/lib/site.py", finding.as_bytes());
    write("node_modules/pkg/x.py", finding.as_bytes());
    write("app/latin1.py", b"# caf\xe9\nfrom django.utils.safestring import mark_safe\n\ndef v(request):\n    name = request.GET['x']\n    return mark_safe(f\"<b>{name}</b>\")\n");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.py"), finding).expect("write");
    std::os::unix::fs::symlink(outside.path(), root.join("linked")).expect("symlink");
    std::os::unix::fs::symlink(outside.path().join("secret.py"), root.join("link.py"))
        .expect("symlink");

    let (report, out) = json(root, &[]);
    let paths: Vec<String> = codes(&report).into_iter().map(|(p, _, _)| p).collect();
    assert_eq!(paths, ["app/latin1.py"], "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: ") && stderr(&out).contains("not valid UTF-8"));
    assert_eq!(report["summary"]["files"], 2);

    // With respect-gitignore = false the generated file is checked.
    write(
        "djsec.toml",
        b"respect-gitignore = false\nexclude = [\"app\"]\n",
    );
    let (report, _) = json(root, &[]);
    let paths: Vec<String> = codes(&report).into_iter().map(|(p, _, _)| p).collect();
    assert_eq!(paths, ["generated/gen.py"]);
    // Files named on the command line are checked unless --force-exclude.
    let (named, _) = json(root, &["app/latin1.py"]);
    assert_eq!(codes(&named).len(), 1);
    let (forced, _) = json(root, &["--force-exclude", "app/latin1.py"]);
    assert_eq!(codes(&forced).len(), 0);
    // --fix leaves a file with replaced bytes alone.
    let fix = djsec(root, &["check", "--fix", "--unsafe-fixes", "app/latin1.py"]);
    assert!(stderr(&fix).contains("not fixed"), "{}", stderr(&fix));
}

#[test]
fn statistics_exit_zero_and_output_file() {
    let dir = project("ci-project");
    let root = dir.path();
    let stats = djsec(root, &["check", "--statistics"]);
    assert_eq!(stats.status.code(), Some(1));
    let first = stdout(&stats).lines().next().unwrap_or("").to_string();
    assert_eq!(first, "2\tDJS101\t    mark-safe-non-constant");
    let (json_stats, _) = {
        let out = djsec(root, &["check", "--statistics", "--format", "json"]);
        (
            serde_json::from_slice::<Value>(&out.stdout).expect("json"),
            out,
        )
    };
    assert_eq!(json_stats[0]["code"], "DJS101");
    assert_eq!(json_stats[0]["count"], 2);

    let zero = djsec(
        root,
        &[
            "check",
            "--exit-zero",
            "--format",
            "sarif",
            "-o",
            "out.sarif",
        ],
    );
    assert_eq!(zero.status.code(), Some(0));
    assert!(stdout(&zero).is_empty());
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(root.join("out.sarif")).expect("read"))
            .expect("sarif json");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(3)
    );

    let clean = project("ci-clean");
    let out = djsec(clean.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "0 findings in 1 file.\n");
}

#[test]
fn threads_flag_changes_nothing_but_the_pool() {
    let dir = project("project");
    let (default, out) = json(dir.path(), &["--isolated", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let (one, out) = json(dir.path(), &["--isolated", "--threads", "1", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!codes(&default).is_empty());
    assert_eq!(codes(&default), codes(&one));
    // Zero threads is a usage error.
    let out = djsec(dir.path(), &["check", "--threads", "0", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
