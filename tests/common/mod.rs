//! A JSON-RPC client that starts the real `djsec server` binary and speaks LSP over its stdio.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long to wait for an expected message before calling the server stuck. Generous: a debug
/// build on a loaded 2-core machine is slow, and this detects silence, not speed.
pub const TIMEOUT: Duration = Duration::from_secs(120);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Messages read but not yet consumed by a wait.
    backlog: VecDeque<Value>,
    next_id: i64,
}

/// Read one `Content-Length`-framed message.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// `djsec server` with piped stdin and stdout (for tests that write raw bytes).
pub fn spawn_server() -> Child {
    Command::new(env!("CARGO_BIN_EXE_djsec"))
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start djsec server: {e}"))
}

impl Client {
    pub fn start() -> Client {
        let mut child = spawn_server();
        let stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut reader) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming: rx,
            backlog: VecDeque::new(),
            next_id: 1,
        }
    }

    /// Start and complete the initialize handshake with the given client capabilities.
    pub fn initialized(capabilities: Value, options: Value) -> (Client, Value) {
        let mut client = Client::start();
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": null,
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    pub fn send_raw(&mut self, body: &[u8]) {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        self.stdin
            .write_all(header.as_bytes())
            .and_then(|()| self.stdin.write_all(body))
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|e| panic!("write to server failed: {e}"));
    }

    /// Write bytes as they are, without a frame (for tests of malformed traffic).
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        self.stdin
            .write_all(bytes)
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|e| panic!("write to server failed: {e}"));
    }

    /// The server's process id (to read its memory use from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait up to `timeout` for the server to exit by itself; its exit code (`None` if it did not
    /// exit in time or was killed by a signal).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        self.send_raw(body.as_bytes());
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and return its `result` (panics on an error response).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        if let Some(err) = response.get("error") {
            panic!("{method} failed: {err}");
        }
        response.get("result").cloned().unwrap_or(Value::Null)
    }

    /// Send a request and return the whole response message.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    fn next_message(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(msg) => {
                // Answer server-to-client requests so the server never waits on us.
                if msg.get("id").is_some() && msg.get("method").is_some() {
                    let reply = json!({"jsonrpc": "2.0", "id": msg["id"], "result": null});
                    self.send(&reply);
                }
                Some(msg)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Wait for a message matching `pred` (earlier unmatched messages stay in the backlog).
    pub fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(msg) = self
            .backlog
            .iter()
            .position(&pred)
            .and_then(|pos| self.backlog.remove(pos))
        {
            return msg;
        }
        let deadline = Instant::now() + TIMEOUT;
        while let Some(msg) = self.next_message(deadline) {
            if pred(&msg) {
                return msg;
            }
            self.backlog.push_back(msg);
        }
        panic!(
            "timed out waiting for a message; backlog: {:?}",
            self.backlog
        );
    }

    /// The diagnostics published for `uri` at exactly `version`.
    pub fn diagnostics_for(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let msg = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Whether a message matching `pred` was received (the backlog and whatever arrived
    /// since), without waiting.
    pub fn backlog_any(&mut self, pred: impl Fn(&Value) -> bool) -> bool {
        while let Ok(msg) = self.incoming.try_recv() {
            self.backlog.push_back(msg);
        }
        self.backlog.iter().any(pred)
    }

    /// The messages waiting in the backlog (for failure messages).
    pub fn backlog_debug(&self) -> Vec<Value> {
        self.backlog.iter().cloned().collect()
    }

    /// Visit every message received so far (the backlog, then what has arrived) and drop them.
    pub fn drain_into(&mut self, visit: &mut dyn FnMut(&Value)) {
        for msg in std::mem::take(&mut self.backlog) {
            visit(&msg);
        }
        while let Some(msg) = self.next_message(Instant::now()) {
            visit(&msg);
        }
    }

    /// Drop every message received so far.
    pub fn drain(&mut self) {
        self.backlog.clear();
        while self.incoming.try_recv().is_ok() {}
    }

    pub fn open(&mut self, uri: &str, language_id: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id, "version": version, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    pub fn document_text(&mut self, uri: &str) -> Value {
        self.request("djsec/documentText", json!({"uri": uri}))
    }

    pub fn shutdown(mut self) -> Option<i32> {
        let _ = self.request_raw("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        None
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Convert an LSP position (line, character in `encoding`) to a byte offset in `text`.
pub fn byte_offset(text: &str, line: u64, character: u64, utf8: bool) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 == line {
            let mut units = 0u64;
            for (b, ch) in l.char_indices() {
                if units >= character || ch == '\n' || ch == '\r' {
                    return offset + b;
                }
                units += if utf8 { ch.len_utf8() } else { ch.len_utf16() } as u64;
            }
            return offset + l.trim_end_matches(['\n', '\r']).len();
        }
        offset += l.len();
    }
    text.len()
}

/// Apply LSP `TextEdit`s (non-overlapping) to `text`.
pub fn apply_text_edits(text: &str, edits: &[Value], utf8: bool) -> String {
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            let start = byte_offset(
                text,
                r["start"]["line"].as_u64().unwrap_or(0),
                r["start"]["character"].as_u64().unwrap_or(0),
                utf8,
            );
            let end = byte_offset(
                text,
                r["end"]["line"].as_u64().unwrap_or(0),
                r["end"]["character"].as_u64().unwrap_or(0),
                utf8,
            );
            (start, end, e["newText"].as_str().unwrap_or("").to_string())
        })
        .collect();
    spans.sort_by_key(|s| (s.0, s.1));
    let mut out = String::new();
    let mut cursor = 0;
    for (start, end, new) in spans {
        out.push_str(&text[cursor..start]);
        out.push_str(&new);
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// The LSP position (UTF-16 or UTF-8 columns) of a byte offset in `text`.
pub fn position_of(text: &str, byte: usize, utf8: bool) -> Value {
    let before = &text[..byte];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = if utf8 {
        byte - line_start
    } else {
        text[line_start..byte].chars().map(char::len_utf16).sum()
    };
    json!({"line": line, "character": col})
}

/// Copy a fixture folder (recursively) to `to`, e.g. into a temporary project.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}
