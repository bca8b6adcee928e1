//! The whole project in the editor, over JSON-RPC with the real binary: `workspace/diagnostic`
//! for pull clients (result ids, unchanged files not re-sent, removed files cleared), published
//! findings of the settings modules and URLconfs for push-only clients, the
//! `workspaceDiagnostics` setting (`off` / `settings` / `all`) and `$/progress` while the project
//! index is built.
//!
//! Fixture: `tests/fixtures/settings_split` (settings modules `base.py` ← `dev.py`,
//! `production.py` named by `wsgi.py`; `urls.py`), plus a `blog` app written by the tests.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Client, copy_dir};
use serde_json::{Value, json};

const VIEWS: &str = "from django.utils.safestring import mark_safe\n\n\ndef greet(request):\n    return mark_safe(request.GET[\"name\"])\n";
const OTHER: &str = "from django.utils.safestring import mark_safe\n\n\ndef shout(request):\n    return mark_safe(request.POST[\"text\"])\n";

fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/settings_split"),
        dir.path(),
    );
    let root = dir.path().canonicalize().expect("canonical root");
    std::fs::create_dir_all(root.join("blog")).expect("mkdir blog");
    std::fs::write(root.join("blog/__init__.py"), "").expect("write");
    std::fs::write(root.join("blog/views.py"), VIEWS).expect("write views.py");
    std::fs::write(root.join("blog/other.py"), OTHER).expect("write other.py");
    (dir, root)
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn start(root: &Path, capabilities: Value, options: Value) -> (Client, Value) {
    let mut client = Client::start();
    let result = client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri_of(root),
            "workspaceFolders": [{"uri": uri_of(root), "name": "proj"}],
            "capabilities": capabilities,
            "initializationOptions": options,
        }),
    );
    client.notify("initialized", json!({}));
    (client, result)
}

fn pull_capabilities() -> Value {
    json!({
        "window": {"workDoneProgress": true},
        "workspace": {
            "diagnostics": {"refreshSupport": true},
            "didChangeWatchedFiles": {"dynamicRegistration": true},
        },
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
    })
}

fn codes(diagnostics: &Value) -> Vec<String> {
    let mut out: Vec<String> = diagnostics
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

/// One item of a workspace report, by file.
#[derive(Debug, Clone)]
struct Item {
    kind: String,
    result_id: Option<String>,
    version: Option<i64>,
    codes: Vec<String>,
}

fn pull(client: &mut Client, previous: &[(String, String)]) -> Vec<(String, Item)> {
    let previous: Vec<Value> = previous
        .iter()
        .map(|(uri, id)| json!({"uri": uri, "value": id}))
        .collect();
    let result = client.request(
        "workspace/diagnostic",
        json!({"previousResultIds": previous}),
    );
    result["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["uri"].as_str().unwrap_or("").to_string(),
                Item {
                    kind: i["kind"].as_str().unwrap_or("").to_string(),
                    result_id: i["resultId"].as_str().map(str::to_string),
                    version: i["version"].as_i64(),
                    codes: codes(&i["items"]),
                },
            )
        })
        .collect()
}

fn item<'a>(items: &'a [(String, Item)], uri: &str) -> Option<&'a Item> {
    items.iter().find(|(u, _)| u == uri).map(|(_, i)| i)
}

fn result_ids(items: &[(String, Item)]) -> Vec<(String, String)> {
    items
        .iter()
        .filter_map(|(u, i)| Some((u.clone(), i.result_id.clone()?)))
        .collect()
}

/// Pull until `pred` holds (the index is built in the background; until then the answer is empty).
fn pull_until(
    client: &mut Client,
    previous: &[(String, String)],
    pred: impl Fn(&[(String, Item)]) -> bool,
) -> Vec<(String, Item)> {
    let deadline = Instant::now() + common::TIMEOUT;
    loop {
        let items = pull(client, previous);
        if pred(&items) {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "workspace/diagnostic never satisfied the test; last answer: {items:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn pull_client_sees_settings_findings_of_files_it_never_opened() {
    let (_dir, root) = project();
    let (mut client, init) = start(&root, pull_capabilities(), json!({}));
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["workspaceDiagnostics"], true,
        "{init}"
    );
    let views = uri_of(&root.join("blog/views.py"));
    let base = uri_of(&root.join("mysite/settings/base.py"));
    let production = uri_of(&root.join("mysite/settings/production.py"));
    let dev = uri_of(&root.join("mysite/settings/dev.py"));
    let urls = uri_of(&root.join("mysite/urls.py"));
    let other = uri_of(&root.join("blog/other.py"));
    client.open(&views, "python", 1, VIEWS);

    // Only views.py is open; settings.py's findings come anyway, once the index is built.
    let first = pull_until(&mut client, &[], |items| item(items, &production).is_some());
    let get = |uri: &str| {
        item(&first, uri)
            .cloned()
            .unwrap_or_else(|| panic!("no report for {uri}: {first:?}"))
    };
    let prod = get(&production);
    assert_eq!(prod.kind, "full");
    assert_eq!(
        prod.codes,
        [
            s("DJS408"),
            s("DJS412"),
            s("DJS417"),
            s("DJS418"),
            s("DJS436")
        ]
    );
    assert_eq!(prod.version, None, "not open: no version");
    assert_eq!(get(&base).codes, [s("DJS402"), s("DJS413"), s("DJS441")]);
    assert_eq!(get(&urls).codes, [s("DJS446"), s("DJS447")]);
    // Every file of the workspace, not only settings and URLconfs (scope `all` by default).
    assert_eq!(get(&other).codes, [s("DJS101")]);
    // The open document is reported from its buffer, with its version.
    let open = get(&views);
    assert_eq!(
        (open.version, open.codes.clone()),
        (Some(1), vec![s("DJS101")])
    );
    // A file without findings that was never reported is left out.
    assert!(item(&first, &dev).is_none(), "{first:?}");
    assert!(first.iter().all(|(_, i)| i.result_id.is_some()));

    // Asked again with the result ids: nothing is re-sent.
    let ids = result_ids(&first);
    let second = pull(&mut client, &ids);
    assert_eq!(second.len(), first.len(), "{second:?}");
    for (uri, i) in &second {
        assert_eq!(i.kind, "unchanged", "{uri}: {i:?}");
        assert_eq!(
            i.result_id,
            item(&first, uri).and_then(|f| f.result_id.clone())
        );
    }

    // production.py changes on disk: base.py's X_FRAME_OPTIONS finding goes (production
    // overrides it now); urls.py and other.py are not re-sent.
    let prod_path = root.join("mysite/settings/production.py");
    let mut text = std::fs::read_to_string(&prod_path).expect("read");
    text.push_str("X_FRAME_OPTIONS = \"DENY\"\n");
    std::fs::write(&prod_path, text).expect("write");
    // As a client that watches files says (the index follows the disk through these).
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": production, "type": 2}]}),
    );
    let third = pull_until(&mut client, &ids, |items| {
        item(items, &base).is_some_and(|i| i.kind == "full")
    });
    let base_now = item(&third, &base)
        .cloned()
        .unwrap_or_else(|| panic!("{third:?}"));
    assert_eq!(base_now.codes, [s("DJS402"), s("DJS441")]);
    assert_ne!(
        base_now.result_id,
        item(&first, &base).and_then(|i| i.result_id.clone())
    );
    assert_eq!(
        item(&third, &urls).map(|i| i.kind.as_str()),
        Some("unchanged")
    );
    assert_eq!(
        item(&third, &other).map(|i| i.kind.as_str()),
        Some("unchanged")
    );

    // A reported file that is deleted is cleared.
    let ids = result_ids(&third);
    std::fs::remove_file(root.join("blog/other.py")).expect("rm other.py");
    let fourth = pull(&mut client, &ids);
    let gone = item(&fourth, &other)
        .cloned()
        .unwrap_or_else(|| panic!("{fourth:?}"));
    assert_eq!((gone.kind.as_str(), gone.codes.len()), ("full", 0));

    // The progress of the index build: begin, then end.
    let begin =
        client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin");
    assert_eq!(begin["params"]["value"]["title"], "djsec");
    let end =
        client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    assert_eq!(begin["params"]["token"], end["params"]["token"]);
    let message = end["params"]["value"]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("Indexed 11 files: 3 settings modules"),
        "{message}"
    );

    // `settings`: only settings modules and URLconfs (and open documents among them).
    let ids = result_ids(&fourth);
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"djsec": {"workspaceDiagnostics": "settings"}}}),
    );
    let fifth = pull_until(&mut client, &ids, |items| {
        item(items, &views).is_some_and(|i| i.kind == "full" && i.codes.is_empty())
    });
    assert!(item(&fifth, &production).is_some_and(|i| i.kind == "unchanged"));

    // `off`: everything reported before is cleared.
    let ids = result_ids(&fifth);
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"djsec": {"workspaceDiagnostics": "off"}}}),
    );
    let sixth = pull_until(&mut client, &ids, |items| {
        item(items, &production).is_some_and(|i| i.codes.is_empty())
    });
    for (uri, _) in &ids {
        let i = item(&sixth, uri).unwrap_or_else(|| panic!("{uri} not cleared: {sixth:?}"));
        assert_eq!((i.kind.as_str(), i.codes.len()), ("full", 0), "{uri}");
    }
    assert_eq!(client.shutdown(), Some(0));
}

/// The diagnostics last published for `uri` among the messages received so far.
fn published(client: &mut Client, uri: &str, pred: impl Fn(&[String]) -> bool) -> Vec<String> {
    let msg = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && pred(&codes(&m["params"]["diagnostics"]))
    });
    codes(&msg["params"]["diagnostics"])
}

fn progress_end(client: &mut Client) -> Value {
    client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
}

#[test]
fn push_client_gets_settings_modules_and_urlconfs_after_indexing() {
    let (_dir, root) = project();
    let capabilities = json!({"window": {"workDoneProgress": true}});
    let (mut client, init) = start(&root, capabilities, json!({}));
    assert!(
        init["capabilities"]["diagnosticProvider"].is_null(),
        "{init}"
    );
    let views = uri_of(&root.join("blog/views.py"));
    let production = uri_of(&root.join("mysite/settings/production.py"));
    let base = uri_of(&root.join("mysite/settings/base.py"));
    let urls = uri_of(&root.join("mysite/urls.py"));
    let other = uri_of(&root.join("blog/other.py"));
    client.open(&views, "python", 1, VIEWS);
    assert_eq!(client.diagnostics_for(&views, 1).len(), 1);

    // The progress ends after the findings of the settings modules and URLconfs are published.
    progress_end(&mut client);
    let sent: Vec<String> = {
        let mut uris: Vec<String> = Vec::new();
        client.drain_into(&mut |m| {
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"].is_null()
            {
                uris.push(m["params"]["uri"].as_str().unwrap_or("").to_string());
            }
        });
        uris.sort();
        uris
    };
    assert_eq!(sent, [base.clone(), production.clone(), urls.clone()]);

    // A settings module opened then closed: its findings on disk come back after the close.
    let prod_text =
        std::fs::read_to_string(root.join("mysite/settings/production.py")).expect("read");
    client.open(&production, "python", 1, &prod_text);
    assert!(client.diagnostics_for(&production, 1).len() >= 5);
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": production}}),
    );
    published(&mut client, &production, <[String]>::is_empty);
    let back = published(&mut client, &production, |c| !c.is_empty());
    assert!(back.contains(&s("DJS408")), "{back:?}");

    // `all`: every closed file of the workspace, other.py included; views.py is open (its own).
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"djsec": {"workspaceDiagnostics": "all"}}}),
    );
    assert_eq!(
        published(&mut client, &other, |c| !c.is_empty()),
        [s("DJS101")]
    );

    // `off`: what was published for closed files is cleared.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"djsec": {"workspaceDiagnostics": "off"}}}),
    );
    for uri in [&other, &production, &base, &urls] {
        published(&mut client, uri, <[String]>::is_empty);
    }
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn no_progress_without_the_capability_and_nothing_with_off() {
    let (_dir, root) = project();
    let (mut client, init) = start(
        &root,
        pull_capabilities()
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.remove("window");
                Value::Object(o)
            })
            .unwrap_or_default(),
        json!({"settings": {"workspaceDiagnostics": "off"}}),
    );
    // Off from the start: the capability is not announced.
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["workspaceDiagnostics"], false,
        "{init}"
    );
    let views = uri_of(&root.join("blog/views.py"));
    client.open(&views, "python", 1, VIEWS);
    let report = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": views}}),
    );
    assert_eq!(codes(&report["items"]), [s("DJS101")]);
    assert!(pull(&mut client, &[]).is_empty());
    let mut progress = 0;
    client.drain_into(&mut |m| {
        if m["method"] == "window/workDoneProgress/create" || m["method"] == "$/progress" {
            progress += 1;
        }
    });
    assert_eq!(progress, 0);
    assert_eq!(client.shutdown(), Some(0));
}

/// `enable` turned off and on again, as Neovim's end-to-end test does it (off, wait for the
/// open document to be cleared, on): the findings of closed files come back each time, not lost
/// to a pass that ran across the toggle and cached its empty results as current.
#[test]
fn push_client_gets_closed_findings_back_after_enable_toggles() {
    use std::time::{Duration, Instant};
    let (_dir, root) = project();
    let (mut client, _init) = start(
        &root,
        json!({"window": {"workDoneProgress": true}}),
        json!({}),
    );
    let views = uri_of(&root.join("blog/views.py"));
    let production = uri_of(&root.join("mysite/settings/production.py"));
    client.open(&views, "python", 1, VIEWS);
    assert_eq!(client.diagnostics_for(&views, 1).len(), 1);
    progress_end(&mut client);
    let track = |m: &Value, last: &mut Option<Vec<String>>| {
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == production {
            *last = Some(codes(&m["params"]["diagnostics"]));
        }
    };
    let mut last: Option<Vec<String>> = None;
    client.drain_into(&mut |m| track(m, &mut last));
    assert!(
        last.as_ref().is_some_and(|c| c.contains(&s("DJS408"))),
        "{last:?}"
    );
    for round in 0..12 {
        client.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"djsec": {"enable": false}}}),
        );
        client.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == views
                && codes(&m["params"]["diagnostics"]).is_empty()
        });
        client.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"djsec": {"enable": true}}}),
        );
        // Until nothing more arrives for 400 ms: the last word on production.py must carry its
        // findings.
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut quiet_since = Instant::now();
        while Instant::now() < deadline && quiet_since.elapsed() < Duration::from_millis(400) {
            let mut any = false;
            client.drain_into(&mut |m| {
                any = true;
                track(m, &mut last);
            });
            if any {
                quiet_since = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            last.as_ref().is_some_and(|c| c.contains(&s("DJS408"))),
            "round {round}: production.py's last publish after enable = true: {last:?}"
        );
    }
    assert_eq!(client.shutdown(), Some(0));
}
