//! The settings rules over a split-settings project, through the real binary: `djsec check`
//! builds the project index before analysing, and the language server builds it in the
//! background and keeps it up to date from open buffers and watched files.
//!
//! Fixture: `tests/fixtures/settings_split` — `base.py` inherited by `dev.py` and
//! `production.py` (named by `wsgi.py`), and a `urls.py`.

mod common;

use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Client;
use serde_json::{Value, json};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/settings_split")
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture(), dir.path());
    dir
}

/// `(path, line, code, django_check)` of every finding of `djsec check --format json`.
fn check(cwd: &Path, args: &[&str]) -> Vec<(String, u64, String, Option<String>)> {
    let out = Command::new(env!("CARGO_BIN_EXE_djsec"))
        .current_dir(cwd)
        .args([
            "check",
            "--format",
            "json",
            "--isolated",
            "--min-severity",
            "hint",
        ])
        .args(args)
        .output()
        .expect("run djsec");
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut found: Vec<_> = value["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").replace('\\', "/"),
                f["line"].as_u64().unwrap_or(0),
                f["code"].as_str().unwrap_or("").to_string(),
                f["django_check"].as_str().map(str::to_string),
            )
        })
        .collect();
    found.sort();
    found
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn check_reports_each_finding_where_the_value_is_set() {
    let dir = project();
    let found = check(dir.path(), &["."]);
    let w = |id: &str| Some(format!("security.{id}"));
    assert_eq!(
        found,
        vec![
            // base.py: only what production.py does not override (DEBUG and ALLOWED_HOSTS are).
            (s("mysite/settings/base.py"), 6, s("DJS402"), w("W009")),
            (s("mysite/settings/base.py"), 14, s("DJS441"), None),
            (s("mysite/settings/base.py"), 22, s("DJS413"), w("W019")),
            // production.py: settings missing from the whole chain, at the top.
            (
                s("mysite/settings/production.py"),
                1,
                s("DJS408"),
                w("W004")
            ),
            (
                s("mysite/settings/production.py"),
                1,
                s("DJS412"),
                w("W008")
            ),
            (
                s("mysite/settings/production.py"),
                1,
                s("DJS417"),
                w("W016")
            ),
            (
                s("mysite/settings/production.py"),
                1,
                s("DJS418"),
                w("W012")
            ),
            (s("mysite/settings/production.py"), 1, s("DJS436"), None),
            (s("mysite/urls.py"), 7, s("DJS446"), None),
            (s("mysite/urls.py"), 9, s("DJS447"), None),
        ]
    );
    // dev.py is a development module: nothing, although it inherits DEBUG = True.
    assert!(found.iter().all(|f| !f.0.ends_with("dev.py")));
}

#[test]
fn check_of_one_file_still_sees_the_project() {
    let dir = project();
    // The root is found from the file (the folder with manage.py), so base.py is judged by
    // production.py even when only base.py is checked.
    let found = check(dir.path(), &["mysite/settings/base.py"]);
    let codes: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(codes, vec!["DJS402", "DJS441", "DJS413"]);
    // Without production.py, base.py affects no production module: nothing to report.
    std::fs::remove_file(dir.path().join("mysite/settings/production.py")).expect("rm");
    std::fs::remove_file(dir.path().join("mysite/wsgi.py")).expect("rm");
    assert_eq!(check(dir.path(), &["mysite/settings/base.py"]), vec![]);
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn codes(message: &Value) -> Vec<String> {
    let mut out: Vec<String> = message["params"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

/// Wait for a publication of diagnostics for `uri` satisfying `pred` on its codes.
fn wait_codes(client: &mut Client, uri: &str, pred: impl Fn(&[String]) -> bool) -> Vec<String> {
    let msg = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && pred(&codes(m))
    });
    codes(&msg)
}

fn start(root: &Path) -> Client {
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri_of(root),
            "workspaceFolders": [{"uri": uri_of(root), "name": "proj"}],
            "capabilities": {
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
                "textDocument": {"codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source"]}}}}
            },
        }),
    );
    client.notify("initialized", json!({}));
    client
}

#[test]
fn server_indexes_in_the_background_and_follows_edits_and_files() {
    let dir = project();
    let root = dir.path().canonicalize().expect("canonical root");
    let mut client = start(&root);
    // The watchers are registered dynamically.
    let registration = client.wait_for(|m| m["method"] == "client/registerCapability");
    assert_eq!(
        registration["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );

    let base_path = root.join("mysite/settings/base.py");
    let base_uri = uri_of(&base_path);
    let base_text = std::fs::read_to_string(&base_path).expect("read base.py");
    client.open(&base_uri, "python", 1, &base_text);
    // Once the index is built, base.py is judged through production.py.
    let found = wait_codes(&mut client, &base_uri, |c| c.contains(&s("DJS413")));
    assert_eq!(found, vec![s("DJS402"), s("DJS413"), s("DJS441")]);

    // Editing production.py (open in the editor) re-analyses base.py.
    let prod_path = root.join("mysite/settings/production.py");
    let prod_uri = uri_of(&prod_path);
    let prod_text = std::fs::read_to_string(&prod_path).expect("read production.py");
    client.open(&prod_uri, "python", 1, &prod_text);
    let prod_codes = wait_codes(&mut client, &prod_uri, |c| c.contains(&s("DJS408")));
    assert!(prod_codes.contains(&s("DJS418")), "{prod_codes:?}");
    // Earlier publications (before the index was built) must not answer the next waits.
    client.drain();
    client.change(
        &prod_uri,
        2,
        json!([{"text": format!("{prod_text}X_FRAME_OPTIONS = \"DENY\"\n")}]),
    );
    let found = wait_codes(&mut client, &base_uri, |c| !c.contains(&s("DJS413")));
    assert_eq!(found, vec![s("DJS402"), s("DJS441")]);

    // The source action appends the production HTTPS settings.
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": prod_uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.djsec.productionSettings"]},
        }),
    );
    let action = actions
        .as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(action["kind"], "source.djsec.productionSettings");
    let edits = action["edit"]["changes"][prod_uri.as_str()].to_string();
    assert!(edits.contains("SECURE_HSTS_SECONDS = 31536000"), "{edits}");

    // A new production module appears on disk: base.py's DEBUG = True now reaches production.
    let staging = root.join("mysite/settings/staging.py");
    std::fs::write(&staging, "from .base import *  # noqa: F403\n").expect("write staging.py");
    client.drain();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&staging), "type": 1}]}),
    );
    let found = wait_codes(&mut client, &base_uri, |c| c.contains(&s("DJS401")));
    assert!(found.contains(&s("DJS404")), "{found:?}");
    // ... and disappears again.
    std::fs::remove_file(&staging).expect("rm staging.py");
    client.drain();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&staging), "type": 3}]}),
    );
    let found = wait_codes(&mut client, &base_uri, |c| !c.contains(&s("DJS401")));
    assert_eq!(found, vec![s("DJS402"), s("DJS441")]);
    assert_eq!(client.shutdown(), Some(0));
}
