//! Hostile inputs beyond `tests/lsp.rs`: broken framing (bad headers, `Content-Length` that lies,
//! absurd lengths), invalid parameters, cancellation, exit without shutdown and end of input,
//! 20 MB files, 100k-deep nesting, binary files in the CLI, and memory over long sessions. After
//! each, the server must answer the next request and the CLI must exit 2 only for real I/O
//! errors.

mod common;

#[path = "../benches/gen/mod.rs"]
mod generate;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output};
use std::time::Duration;

use common::Client;
use serde_json::{Value, json};

const PY: &str = "file:///tmp/djsec-robust/app/views.py";
const TEMPLATE: &str = "file:///tmp/djsec-robust/app/templates/app/page.html";

/// The server answers a request: it still reads, decodes and dispatches.
fn assert_responsive(c: &mut Client) {
    let answer = c.request_raw(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(answer.get("error").is_none(), "{answer}");
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn hover_body(id: i64) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}}}).to_string()
}

#[test]
fn malformed_headers_are_skipped() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    // A line that is no header, a header without a colon, an unknown header, a non-numeric and
    // a negative length, a header line far longer than any real one, lowercase names, and a
    // Content-Type: each frame that follows is still read.
    c.write_bytes(b"garbage line\r\n");
    c.write_bytes(b"Content-Length 12\r\n\r\n");
    c.write_bytes(b"X-Unknown: 1\r\n");
    c.write_bytes(b"Content-Length: twelve\r\n\r\n");
    c.write_bytes(b"Content-Length: -5\r\n\r\n");
    let mut long = vec![b'A'; 100_000];
    long.extend_from_slice(b"\r\n");
    c.write_bytes(&long);
    let body = hover_body(101);
    c.write_bytes(
        format!(
            "content-length: {}\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let answer = c.wait_for(|m| m["id"] == 101);
    assert!(answer.get("error").is_none(), "{answer}");
    // Bodies that are not JSON-RPC: invalid UTF-8, a JSON string, a batch, a request without a
    // method name, an object without `jsonrpc`.
    c.send_raw(b"\xff\xfe\x00{}");
    c.send_raw(b"\"just a string\"");
    c.send_raw(format!("[{}]", hover_body(102)).as_bytes());
    c.send_raw(br#"{"jsonrpc":"2.0","id":103,"method":null}"#);
    c.send_raw(br#"{"id":104,"method":"shutdown"}"#);
    assert_responsive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn content_length_lies_cost_at_most_the_next_message() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    // Too short: the rest of the body is read as a header line, glued to the next frame's
    // header. The server resynchronises on that header.
    let body = hover_body(201);
    c.write_bytes(format!("Content-Length: 10\r\n\r\n{body}").as_bytes());
    let next = hover_body(202);
    c.write_bytes(&frame(&next));
    assert_responsive(&mut c);
    // Too long: the body swallows the start of the next frame, which is lost; the one after is
    // read.
    let body = hover_body(203);
    c.write_bytes(format!("Content-Length: {}\r\n\r\n{body}", body.len() + 30).as_bytes());
    c.write_bytes(&frame(&hover_body(204)));
    c.write_bytes(&frame(&hover_body(205)));
    let answer = c.wait_for(|m| m["id"] == 205);
    assert!(answer.get("error").is_none(), "{answer}");
    assert_responsive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn absurd_content_lengths_do_not_swallow_the_session() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    // Larger than any message the server accepts, with no such body behind it: the server must
    // not wait for 18 exabytes; it finds the next frame.
    c.write_bytes(b"Content-Length: 18446744073709551615\r\n\r\n{}\r\n");
    c.write_bytes(&frame(&hover_body(301)));
    let answer = c.wait_for(|m| m["id"] == 301);
    assert!(answer.get("error").is_none(), "{answer}");
    // Too large to be a number at all.
    c.write_bytes(b"Content-Length: 99999999999999999999999999\r\n\r\n");
    c.write_bytes(&frame(&hover_body(302)));
    let answer = c.wait_for(|m| m["id"] == 302);
    assert!(answer.get("error").is_none(), "{answer}");
    assert_responsive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn invalid_params_unknown_documents_and_wrong_positions() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    // Known methods with parameters of the wrong shape: an error answer, not a crash.
    let bad = c.request_raw("textDocument/hover", json!("not an object"));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let bad = c.request_raw("textDocument/codeAction", json!({"textDocument": 5}));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    // Notifications with wrong parameters are dropped.
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": 7}}));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": PY}}),
    );
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": [1, 2, 3]}),
    );
    // Unknown documents: close, change, hover, code action, pull diagnostics.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": "file:///never-opened.py"}}),
    );
    let none = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///never-opened.py"}, "position": {"line": 3, "character": 4}}),
    );
    assert_eq!(none, Value::Null);
    // Positions past the end, huge and inside a surrogate pair, and a version going backwards.
    c.open(PY, "python", 10, "s = '😀'\nx = 1\n");
    let _ = c.diagnostics_for(PY, 10);
    c.change(
        PY,
        11,
        json!([
            {"range": {"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 6}}, "text": "a"},
            {"range": {"start": {"line": 4_000_000_000u64, "character": 4_000_000_000u64}, "end": {"line": 4_000_000_000u64, "character": 4_000_000_000u64}}, "text": "# end\n"},
        ]),
    );
    let _ = c.diagnostics_for(PY, 11);
    c.change(
        PY,
        3,
        json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 1}}, "text": "y"}]),
    );
    let _ = c.diagnostics_for(PY, 3);
    let text = c.document_text(PY);
    assert_eq!(text["text"], "s = 'a😀'\ny = 1\n# end\n", "{text}");
    for (line, character) in [(0, 6), (1_000_000, 0), (0, 1_000_000)] {
        let hover = c.request_raw(
            "textDocument/hover",
            json!({"textDocument": {"uri": PY}, "position": {"line": line, "character": character}}),
        );
        assert!(hover.get("error").is_none(), "{hover}");
    }
    let actions = c.request_raw(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": PY}, "range": {"start": {"line": 9, "character": 9}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    );
    assert!(actions.get("error").is_none(), "{actions}");
    // Opening the same document twice replaces it.
    c.open(PY, "python", 1, "z = 2\n");
    let _ = c.diagnostics_for(PY, 1);
    assert_eq!(c.document_text(PY)["text"], "z = 2\n");
    assert_responsive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn cancelling_in_flight_requests() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let text = generate::python_module(3_000, 11);
    c.open(PY, "python", 1, &text);
    // Requests that need the analysis of a version still being computed, cancelled at once, and
    // a cancellation of an id that does not exist: every request gets exactly one answer, either
    // its result or RequestCancelled.
    c.change(PY, 2, json!([{"text": format!("{text}\n# edited\n")}]));
    let ids: Vec<i64> = (401..409).collect();
    for &id in &ids {
        let method = if id % 2 == 0 {
            "textDocument/codeAction"
        } else {
            "textDocument/hover"
        };
        let params = if id % 2 == 0 {
            json!({"textDocument": {"uri": PY}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 3000, "character": 0}}, "context": {"diagnostics": []}})
        } else {
            json!({"textDocument": {"uri": PY}, "position": {"line": 10, "character": 4}})
        };
        c.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        c.notify("$/cancelRequest", json!({"id": id}));
    }
    c.notify("$/cancelRequest", json!({"id": 123_456}));
    c.notify("$/cancelRequest", json!({"id": "no-such-id"}));
    for &id in &ids {
        let answer = c.wait_for(|m| m["id"] == id && m.get("method").is_none());
        let ok = answer.get("result").is_some() || answer["error"]["code"] == -32800;
        assert!(ok, "{answer}");
    }
    assert_responsive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn exit_without_shutdown_ends_the_server() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    c.open(PY, "python", 1, "x = 1\n");
    c.notify("exit", Value::Null);
    // The process ends by itself, with an exit code (not killed by a signal). (LSP asks for
    // code 1 here; tower-lsp-server ends the session the same way with or without `shutdown`.)
    let code = c.wait_exit(Duration::from_secs(20));
    assert!(code.is_some(), "the server did not exit after `exit`");
}

#[test]
fn end_of_input_ends_the_server() {
    let mut child = common::spawn_server();
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}).to_string();
    stdin
        .write_all(&frame(&init))
        .unwrap_or_else(|e| panic!("{e}"));
    // Half a frame, then the client goes away.
    stdin
        .write_all(b"Content-Length: 500\r\n\r\n{\"jsonrpc\":")
        .unwrap_or_else(|e| panic!("{e}"));
    drop(stdin);
    // The answer to `initialize` arrives, then stdout closes.
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    assert!(first.starts_with("Content-Length:"), "{first:?}");
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut status = None;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(s)) = child.try_wait() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        status.is_some(),
        "the server did not exit at the end of its input"
    );
}

/// A Python module of about `bytes` bytes: generated views followed by a long tail of
/// module-level data (a realistic shape for a generated or vendored file).
fn big_python(bytes: usize) -> String {
    let mut text = generate::python_module(2_000, 5);
    text.push_str("TRANSLATIONS = {\n");
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "    \"key_{i}\": \"Une phrase traduite numéro {i}, avec des accents: é à ü\",\n"
        ));
        i += 1;
    }
    text.push_str("}\n\ndef last(request):\n    return mark_safe(request.GET['q'])\n");
    text
}

fn big_template(bytes: usize) -> String {
    let mut text = generate::template(2_000, 5);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "<tr><td>{{{{ row_{i}.name }}}}</td><td>{{% if row_{i}.ok %}}yes{{% endif %}}</td></tr>\n"
        ));
        i += 1;
    }
    text.push_str("<div>{{ comment|safe }}</div>\n");
    text
}

#[test]
fn twenty_megabyte_documents_over_lsp() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let text = big_python(20 * 1024 * 1024);
    c.open(PY, "python", 1, &text);
    let diags = c.diagnostics_for(PY, 1);
    let last_line = text.matches('\n').count() - 1;
    assert!(
        diags
            .iter()
            .any(|d| d["range"]["start"]["line"] == last_line),
        "no finding on the last line of a 20 MB file"
    );
    // An edit at the end of the big buffer.
    c.change(
        PY,
        2,
        json!([{"range": {"start": {"line": last_line + 1, "character": 0}, "end": {"line": last_line + 1, "character": 0}}, "text": "x = 1\n"}]),
    );
    let _ = c.diagnostics_for(PY, 2);
    let template = big_template(20 * 1024 * 1024);
    c.open(TEMPLATE, "htmldjango", 1, &template);
    let _ = c.diagnostics_for(TEMPLATE, 1);
    assert_responsive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

/// Inputs nested 100,000 levels deep.
fn deep_inputs() -> Vec<(&'static str, String)> {
    const N: usize = 100_000;
    vec![
        (
            "python: nested calls",
            format!(
                "from django.utils.safestring import mark_safe\ndef v(request):\n    return {}request.GET['q']{}\n",
                "mark_safe(".repeat(N),
                ")".repeat(N)
            ),
        ),
        (
            "python: nested parentheses",
            format!("x = {}1{}\n", "(".repeat(N), ")".repeat(N)),
        ),
        (
            "python: a long concatenation",
            format!(
                "def v(request):\n    sql = 'SELECT ' {}\n    cursor.execute(sql)\n",
                "+ request.GET['q'] ".repeat(N)
            ),
        ),
        (
            "python: nested f-strings and lists",
            format!("x = {}{}\n", "[f'{".repeat(N / 4), "}']".repeat(N / 4)),
        ),
        (
            "python: unclosed brackets",
            format!("x = {}\n", "{[(".repeat(N / 3)),
        ),
    ]
}

fn deep_templates() -> Vec<(&'static str, String)> {
    const N: usize = 100_000;
    vec![
        (
            "template: nested if blocks",
            format!(
                "{}{{{{ x|safe }}}}{}",
                "{% if a %}".repeat(N),
                "{% endif %}".repeat(N)
            ),
        ),
        (
            "template: nested elements",
            format!("{}{{{{ x }}}}{}", "<div>".repeat(N), "</div>".repeat(N)),
        ),
        (
            "template: unclosed tags and braces",
            format!(
                "{}{}",
                "{% block b %}<a href=\"".repeat(N / 2),
                "{{".repeat(N / 2)
            ),
        ),
    ]
}

#[test]
fn deep_nesting_over_lsp() {
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let mut version = 1;
    for (what, text) in deep_inputs() {
        c.open(PY, "python", version, &text);
        let _ = c.diagnostics_for(PY, version);
        // A keystroke inside the deep part, reparsed incrementally.
        c.change(
            PY,
            version + 1,
            json!([{"range": {"start": {"line": 0, "character": 10}, "end": {"line": 0, "character": 10}}, "text": " "}]),
        );
        let _ = c.diagnostics_for(PY, version + 1);
        let answer = c.request_raw(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": PY}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}, "context": {"diagnostics": []}}),
        );
        assert!(answer.get("error").is_none(), "{what}: {answer}");
        version += 2;
    }
    for (what, text) in deep_templates() {
        c.open(TEMPLATE, "htmldjango", version, &text);
        let _ = c.diagnostics_for(TEMPLATE, version);
        let answer = c.request_raw(
            "textDocument/hover",
            json!({"textDocument": {"uri": TEMPLATE}, "position": {"line": 0, "character": 500}}),
        );
        assert!(answer.get("error").is_none(), "{what}: {answer}");
        version += 1;
    }
    assert_responsive(&mut c);
    assert_eq!(c.shutdown(), Some(0));
}

fn djsec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_djsec"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run djsec: {e}"))
}

fn write(path: &std::path::Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn cli_survives_binary_huge_and_deep_files() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    // Binary content under Python and template names: random bytes, NULs, an ELF header, UTF-16
    // with a byte-order mark, a lone surrogate encoded in UTF-8, CR-only line ends.
    let mut rng = generate::Rng::new(9);
    let random: Vec<u8> = (0..200_000).map(|_| rng.next_u64() as u8).collect();
    write(&root.join("app/random.py"), &random);
    write(&root.join("app/templates/app/random.html"), &random);
    write(&root.join("app/nul.py"), &[0u8; 4096]);
    write(
        &root.join("app/elf.py"),
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0",
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "x = mark_safe(y)\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    write(&root.join("app/utf16.py"), &utf16);
    write(&root.join("app/surrogate.py"), b"s = '\xed\xa0\x80'\n");
    write(
        &root.join("app/cr.py"),
        b"from django.utils.safestring import mark_safe\rdef v(request):\r    return mark_safe(request.GET['q'])\r",
    );
    write(&root.join("app/empty.py"), b"");
    // A 20 MB module. (The 20 MB template and the deep inputs go through the same analysis in
    // `twenty_megabyte_documents_over_lsp` and `deep_nesting_over_lsp`: in a debug build each
    // costs seconds, so the CLI reads only one big file.)
    write(
        &root.join("app/big.py"),
        big_python(20 * 1024 * 1024).as_bytes(),
    );
    let (_, deep) = &deep_inputs()[1];
    write(&root.join("app/deep.py"), deep.as_bytes());
    let path = root.to_str().unwrap_or(".");
    let out = djsec(&["check", "--format", "json", "--isolated", path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Findings (the last function of big.py), no I/O error: exit 1, never 2.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    let files = report["summary"]["files"].as_u64().unwrap_or(0);
    assert_eq!(files, 10, "{stderr}");
    // The findings of the files that have some: the last function of the 20 MB module, and the
    // module with CR-only line ends.
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    for name in ["big.py", "cr.py"] {
        assert!(
            findings
                .iter()
                .any(|f| f["path"].as_str().is_some_and(|p| p.ends_with(name))),
            "no finding in {name}: {stderr}"
        );
    }
    // A real I/O error (a path that does not exist) is exit 2, with the other paths still checked.
    let missing = root.join("no-such-dir");
    let out = djsec(&[
        "check",
        "--isolated",
        "--exit-zero",
        "--format",
        "concise",
        &root.join("app/cr.py").to_string_lossy(),
        &missing.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("cr.py"),
        "the readable path was not checked: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The server's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn memory_is_freed_on_close_and_does_not_grow_over_a_long_session() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("no /proc: skipping the memory test");
        return;
    }
    let (mut c, _) = Client::initialized(json!({}), Value::Null);
    let pid = c.pid();
    // Each round opens four documents of ~2.5 MB (realistic views plus a large literal), edits
    // each a few times, and closes them. Kept documents would add well over 20 MB per round.
    let mut base = generate::python_module(600, 3);
    base.push_str("HELP = \"\"\"\n");
    while base.len() < 2_500_000 {
        base.push_str("A long help text kept in a module-level string literal, line after line.\n");
    }
    base.push_str("\"\"\"\n");
    let lines = base.matches('\n').count();
    let round = |c: &mut Client, r: usize| {
        for d in 0..4 {
            let uri = format!("file:///tmp/djsec-robust/app/doc{d}.py");
            let text = format!("# round {r}\n{base}");
            c.open(&uri, "python", 1, &text);
            for v in 2..5 {
                c.change(
                    &uri,
                    v,
                    json!([{"range": {"start": {"line": lines - 5, "character": 0}, "end": {"line": lines - 5, "character": 0}}, "text": "more text "}]),
                );
            }
            let _ = c.diagnostics_for(&uri, 4);
            c.notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri}}),
            );
            let _ = c.wait_for(|m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri.as_str()
                    && m["params"]["version"].is_null()
            });
        }
        c.drain();
    };
    for r in 0..2 {
        round(&mut c, r);
    }
    let closed = c.document_text("file:///tmp/djsec-robust/app/doc0.py");
    assert_eq!(closed, Value::Null, "a closed document is still held");
    let settled = rss_kib(pid);
    for r in 2..10 {
        round(&mut c, r);
    }
    let end = rss_kib(pid);
    assert!(settled > 0 && end > 0);
    // 8 more rounds that kept their documents would add 80 MB of text alone (held twice: the
    // rope and the analysed snapshot), well over the bound.
    let growth = end.saturating_sub(settled);
    assert!(
        growth < 64 * 1024,
        "RSS grew by {growth} KiB over 8 rounds (from {settled} to {end} KiB)"
    );
    assert_eq!(c.shutdown(), Some(0));
}

/// The benchmarks' generated Python must be valid Python: a syntax error makes tree-sitter
/// recover on every reparse, which inflated the keystroke figures of `docs/performance.md`
/// until a parameter named `from` was removed from the generator.
#[test]
fn generated_benchmark_python_has_no_syntax_error() {
    let first_error = |text: &str| -> Option<String> {
        let tree = djsec::syntax::python::parse(text, None);
        let root = tree.root_node();
        if !root.has_error() {
            return None;
        }
        let mut cursor = root.walk();
        loop {
            let n = cursor.node();
            if n.is_error() || n.is_missing() {
                let line = text.lines().nth(n.start_position().row).unwrap_or("");
                return Some(format!("line {}: {line}", n.start_position().row + 1));
            }
            let descend = n.has_error() && cursor.goto_first_child();
            if !descend && !cursor.goto_next_sibling() {
                while cursor.goto_parent() {
                    if cursor.goto_next_sibling() {
                        break;
                    }
                }
                if cursor.node() == root {
                    return Some("an error node that could not be found".into());
                }
            }
        }
    };
    for (lines, seed) in [(1_000, 1), (6_000, 1), (6_000, 7), (20_000, 3)] {
        let text = generate::python_module(lines, seed);
        assert_eq!(first_error(&text), None, "python_module({lines}, {seed})");
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    generate::write_project(dir.path(), 4, 1).expect("generated project");
    let mut checked = 0;
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path)
            .expect("readable directory")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                let text = std::fs::read_to_string(&path).expect("generated file");
                assert_eq!(first_error(&text), None, "{}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} Python files generated");
}
