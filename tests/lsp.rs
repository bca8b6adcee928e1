//! End-to-end tests of `djsec server` over real JSON-RPC on stdio.

mod common;

use common::{Client, apply_text_edits, position_of};
use serde_json::{Value, json};

const VIEW: &str = "from django.utils.safestring import mark_safe\n\ndef greet(request):\n    name = request.GET.get('name', '')\n    return mark_safe(f\"<b>{name}</b>\")\n";

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn full_session_utf16_open_change_fix_close() {
    let (mut c, init) = Client::initialized(json!({}), Value::Null);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    let uri = "file:///tmp/djsec-test/app/views.py";
    c.open(uri, "python", 1, VIEW);
    let diags = c.diagnostics_for(uri, 1);
    assert_eq!(codes(&diags), vec!["DJS101"]);
    let d = &diags[0];
    assert_eq!(d["range"]["start"], json!({"line": 4, "character": 11}));
    assert_eq!(d["range"]["end"], json!({"line": 4, "character": 38}));
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "djsec");
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("DJS101.md"))
    );

    // An incremental change that keeps the finding: rename the variable's value.
    c.change(
        uri,
        2,
        json!([{"range": {"start": {"line": 3, "character": 28}, "end": {"line": 3, "character": 32}}, "text": "who"}]),
    );
    let diags = c.diagnostics_for(uri, 2);
    assert_eq!(codes(&diags), vec!["DJS101"]);
    let text = c.document_text(uri)["text"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(text.contains("request.GET.get('who', '')"), "{text}");

    // Hover on the diagnostic shows the rule's documentation.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 4, "character": 15}}),
    );
    let docs = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(
        docs.contains("mark-safe-non-constant (DJS101)") && docs.contains("## Fix safety"),
        "{docs}"
    );

    // Code actions: the quick-fix, the suppression, and nothing for fix-all (the fix is unsafe).
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": d["range"],
            "context": {"diagnostics": [d]},
        }),
    );
    let actions = actions.as_array().cloned().unwrap_or_default();
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Replace mark_safe() with format_html() (DJS101)")),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Suppress DJS101 on this line"),
        "{titles:?}"
    );
    let fix = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Replace mark_safe"))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(fix["kind"], "quickfix");
    let edits = fix["edit"]["changes"][uri]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let fixed = apply_text_edits(&text, &edits, false);
    assert!(
        fixed.contains("return format_html(\"<b>{}</b>\", name)"),
        "{fixed}"
    );
    assert!(
        fixed.contains("from django.utils.html import format_html\n"),
        "{fixed}"
    );

    // Send the fixed text as a whole-document change: the finding is gone.
    c.change(uri, 3, json!([{"text": fixed}]));
    assert_eq!(codes(&c.diagnostics_for(uri, 3)), Vec::<String>::new());

    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let cleared = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["version"].is_null()
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    assert_eq!(c.document_text(uri), Value::Null);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn utf8_encoding_with_emoji_and_crlf() {
    let caps = json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}});
    let (mut c, init) = Client::initialized(caps, Value::Null);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let uri = "file:///tmp/djsec-test/app/emoji.py";
    let text = "from django.utils.safestring import mark_safe\r\n\r\ndef v(request):\r\n    s = '😀é'; return mark_safe(s + request.GET['x'])\r\n";
    c.open(uri, "python", 1, text);
    let diags = c.diagnostics_for(uri, 1);
    assert_eq!(codes(&diags), vec!["DJS101"]);
    let start = text.find("mark_safe(s").unwrap_or(0);
    assert_eq!(diags[0]["range"]["start"], position_of(text, start, true));
    // UTF-8 column counts bytes: 4 spaces + "s = '" (5) + emoji (4) + é (2) + "'; return " (10).
    assert_eq!(diags[0]["range"]["start"]["character"], 25);
}

#[test]
fn utf16_columns_after_astral_characters() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let uri = "file:///tmp/djsec-test/app/emoji16.py";
    let text = "from django.utils.safestring import mark_safe\ndef v(request):\n    s = '😀é'; return mark_safe(s + request.GET['x'])\n";
    c.open(uri, "python", 1, text);
    let diags = c.diagnostics_for(uri, 1);
    // UTF-16 column: 4 + 5 + emoji (2 units) + é (1) + 10.
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 2, "character": 22})
    );
}

#[test]
fn thousand_rapid_incremental_changes_end_in_the_clients_text() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let uri = "file:///tmp/djsec-test/app/typing.py";
    let mut text = String::from(
        "from django.utils.safestring import mark_safe\n\ndef v(request):\n    return 1\n",
    );
    c.open(uri, "python", 1, &text);
    // Type 1,000 characters one change at a time, with deletions and non-ASCII mixed in,
    // without waiting for the server between changes.
    let alphabet: Vec<char> = "abc é😀\n_(x)".chars().collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut version = 1;
    for i in 0..1000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        version += 1;
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|b| text.is_char_boundary(*b))
            .collect();
        let at = boundaries[(seed as usize) % boundaries.len()];
        let (end, insert) = if i % 5 == 4 {
            // Delete the next character, if any.
            let next = boundaries.iter().copied().find(|b| *b > at).unwrap_or(at);
            (next, String::new())
        } else {
            (
                at,
                alphabet[(seed >> 32) as usize % alphabet.len()].to_string(),
            )
        };
        let range =
            json!({"start": position_of(&text, at, false), "end": position_of(&text, end, false)});
        c.change(uri, version, json!([{"range": range, "text": insert}]));
        text.replace_range(at..end, &insert);
    }
    // The last version's diagnostics arrive; the server's text equals ours exactly.
    let _ = c.diagnostics_for(uri, version);
    let server = c.document_text(uri);
    assert_eq!(server["version"], version);
    assert_eq!(server["text"].as_str(), Some(text.as_str()));
}

#[test]
fn pull_diagnostics_when_the_client_supports_them_and_refresh_on_settings_change() {
    let caps = json!({
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
        "workspace": {"diagnostics": {"refreshSupport": true}},
    });
    let (mut c, init) = Client::initialized(caps, Value::Null);
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["identifier"],
        "djsec"
    );
    let uri = "file:///tmp/djsec-test/app/pull.py";
    c.open(uri, "python", 1, VIEW);
    let report = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(report["kind"], "full");
    assert_eq!(
        codes(report["items"].as_array().map_or(&[][..], |v| v)),
        vec!["DJS101"]
    );
    // A settings change asks the client to pull again, and the next pull reflects it.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"djsec": {"enable": false}}}),
    );
    let _ = c.wait_for(|m| m["method"] == "workspace/diagnostic/refresh");
    let report = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(report["items"], json!([]));
}

#[test]
fn pull_capable_clients_without_refresh_get_pushed_diagnostics() {
    // Neovim 0.11 pulls but cannot be asked to pull again: push instead.
    let caps = json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}});
    let (mut c, init) = Client::initialized(caps, Value::Null);
    assert_eq!(init["capabilities"]["diagnosticProvider"], Value::Null);
    let uri = "file:///tmp/djsec-test/app/push.py";
    c.open(uri, "python", 1, VIEW);
    assert_eq!(codes(&c.diagnostics_for(uri, 1)), vec!["DJS101"]);
}

#[test]
fn fix_all_applies_only_safe_fixes() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let uri = "file:///tmp/djsec-test/app/sql.py";
    let text = "from django.db import connection\nfrom django.utils.safestring import mark_safe\n\ndef v(request, pk):\n    connection.cursor().execute(f'DELETE FROM t WHERE id = {pk}')\n    return mark_safe(f'<b>{pk}</b>')\n";
    c.open(uri, "python", 1, text);
    assert_eq!(codes(&c.diagnostics_for(uri, 1)), vec!["DJS201", "DJS101"]);
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll"]},
        }),
    );
    let actions = actions.as_array().cloned().unwrap_or_default();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.djsec");
    let edits = actions[0]["edit"]["changes"][uri]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let fixed = apply_text_edits(text, &edits, false);
    assert!(
        fixed.contains("execute('DELETE FROM t WHERE id = %s', [pk])"),
        "{fixed}"
    );
    assert!(
        fixed.contains("mark_safe(f'<b>{pk}</b>')"),
        "unsafe fix applied: {fixed}"
    );
}

#[test]
fn suppression_action_silences_the_finding() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let uri = "file:///tmp/djsec-test/app/s.py";
    c.open(uri, "python", 1, VIEW);
    let diags = c.diagnostics_for(uri, 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    let suppress = actions
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|x| x["title"] == "Suppress DJS101 on this line")
                .cloned()
        })
        .unwrap_or_default();
    let edits = suppress["edit"]["changes"][uri]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let fixed = apply_text_edits(VIEW, &edits, false);
    assert!(
        fixed.contains("return mark_safe(f\"<b>{name}</b>\")  # djsec: ignore[DJS101]\n"),
        "{fixed}"
    );
    c.change(uri, 2, json!([{"text": fixed}]));
    assert_eq!(codes(&c.diagnostics_for(uri, 2)), Vec::<String>::new());
}

#[test]
fn settings_from_initialization_options_and_configuration_changes() {
    let options = json!({"settings": {"severity": {"DJS101": "hint"}}});
    let (mut c, _) = Client::initialized(json!({}), options);
    let uri = "file:///tmp/djsec-test/app/cfg.py";
    c.open(uri, "python", 1, VIEW);
    let diags = c.diagnostics_for(uri, 1);
    assert_eq!(diags[0]["severity"], 4);
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"djsec": {"ignore": ["xss"]}}}),
    );
    let msg = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["diagnostics"] == json!([])
    });
    assert_eq!(msg["params"]["version"], 1);
}

#[test]
fn hostile_traffic_does_not_stop_the_server() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    // Malformed JSON, a non-object, an unknown method, an unknown notification.
    c.send_raw(b"{not json");
    c.send_raw(b"[1, 2, 3]");
    let unknown = c.request_raw("djsec/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    c.notify("$/noSuchNotification", json!({}));
    // A change before open, a code action and hover for unknown documents.
    let uri = "file:///tmp/djsec-test/app/late.py";
    c.change(uri, 5, json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]));
    let none = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    );
    assert_eq!(none, Value::Null);
    // Out-of-range and inverted positions, NUL bytes and invalid nesting in an open document.
    c.open(uri, "python", 1, "x = 1\n");
    c.change(
        uri,
        2,
        json!([
            {"range": {"start": {"line": 99, "character": 99}, "end": {"line": 120, "character": 0}}, "text": "\0y = ((((\n"},
            {"range": {"start": {"line": 0, "character": 50}, "end": {"line": 0, "character": 1}}, "text": "Z"},
        ]),
    );
    let _ = c.diagnostics_for(uri, 2);
    let state = c.document_text(uri);
    // The inverted range (column 50 is clamped to the line end, 5) is taken as 1..5.
    assert_eq!(state["text"], "xZ\n\0y = ((((\n");
    // A request cancelled right away still gets exactly one answer, and the server goes on.
    c.send(&json!({"jsonrpc": "2.0", "id": 999, "method": "textDocument/hover", "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}}));
    c.notify("$/cancelRequest", json!({"id": 999}));
    let _ = c.wait_for(|m| m["id"] == 999);
    // Deep nesting: 100k open brackets.
    let deep = format!("x = {}\n", "[".repeat(100_000));
    c.change(uri, 3, json!([{"text": deep}]));
    let _ = c.diagnostics_for(uri, 3);
    let hover = c.request_raw(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn templates_are_accepted_by_language_id_and_path() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    for (uri, id) in [
        ("file:///tmp/djsec-test/templates/a.html", "htmldjango"),
        ("file:///tmp/djsec-test/templates/b.html", "django-html"),
        ("file:///tmp/djsec-test/app/templates/c.html", "html"),
    ] {
        c.open(uri, id, 1, "<p>{{ name }}</p>\n");
        let _ = c.diagnostics_for(uri, 1);
        assert_eq!(
            c.document_text(uri)["version"],
            1,
            "{uri} ({id}) not tracked"
        );
    }
    // Plain HTML outside templates/ and unknown languages are not ours.
    c.open(
        "file:///tmp/djsec-test/static/x.html",
        "html",
        1,
        "<p>hi</p>",
    );
    c.open("file:///tmp/djsec-test/x.rs", "rust", 1, "fn main() {}");
    assert_eq!(
        c.document_text("file:///tmp/djsec-test/static/x.html"),
        Value::Null
    );
    assert_eq!(c.document_text("file:///tmp/djsec-test/x.rs"), Value::Null);
}

#[test]
fn ten_megabyte_buffer_is_analysed_and_the_server_stays_responsive() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let uri = "file:///tmp/djsec-test/app/huge.py";
    let mut text = String::from("from django.utils.safestring import mark_safe\n");
    let block = "def view(request):\n    x = request.GET.get('a', '')\n    return render(request, 't.html', {'x': x})\n\n";
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(block);
    }
    text.push_str("def last(request):\n    return mark_safe(request.GET['q'])\n");
    c.open(uri, "python", 1, &text);
    // A request sent while the big buffer is being analysed is answered.
    let unknown = c.request_raw("textDocument/hover", json!({"textDocument": {"uri": "file:///none.py"}, "position": {"line": 0, "character": 0}}));
    assert!(unknown.get("error").is_none(), "{unknown}");
    let diags = c.diagnostics_for(uri, 1);
    assert_eq!(codes(&diags), vec!["DJS101"]);
    let last_line = text.matches('\n').count() - 1;
    assert_eq!(diags[0]["range"]["start"]["line"], last_line);
}
