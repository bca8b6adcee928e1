//! End-to-end keystroke latency over stdio: a client starts `djsec server`, opens a generated
//! `views.py`, then types into it one character per `didChange` and measures the time from
//! writing each `didChange` to reading the `publishDiagnostics` of that version.
//!
//! ```text
//! cargo bench --bench latency                          # 6,000 lines, every spot
//! cargo bench --bench latency -- --lines 1000,50000    # the size ratio
//! cargo bench --bench latency -- --spot in_string --keystrokes 1000
//! cargo bench --bench latency -- --file tests.py     # the same text as a test module
//! cargo bench --bench latency -- --file page.html    # a generated template of that size
//! DJSEC_BIN=target/release/djsec cargo bench --bench latency   # another binary
//! ```
//!
//! Typing is closed-loop: the next character is sent when the diagnostics of the previous one
//! arrived (a person types a character every 100 ms or so, far slower than the server). Each
//! round types a word and deletes it with backspaces, so the file keeps its size. Besides
//! wall-clock percentiles it prints the server's CPU time per keystroke (from
//! `/proc/PID/stat`), which depends much less on the machine's load.

#[path = "gen/mod.rs"]
mod generate;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use generate::Spot;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(60);
/// What is typed at each spot, then deleted again.
const WORD: &str = "value_id";

struct Options {
    lines: Vec<usize>,
    keystrokes: usize,
    warmup: usize,
    spots: Vec<Spot>,
    utf8: bool,
    /// The file name typed into (`views.py`; `tests.py` is outside the access rules'
    /// module-scoped check, which shows what that check costs per keystroke).
    file: String,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        lines: vec![6_000],
        keystrokes: 400,
        warmup: 32,
        spots: Spot::ALL.to_vec(),
        utf8: false,
        file: "views.py".to_string(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--lines" => {
                options.lines = value("--lines")?
                    .split(',')
                    .map(|n| n.trim().parse().map_err(|e| format!("--lines: {e}")))
                    .collect::<Result<_, _>>()?;
            }
            "--keystrokes" => {
                options.keystrokes = value("--keystrokes")?
                    .parse()
                    .map_err(|e| format!("--keystrokes: {e}"))?;
            }
            "--warmup" => {
                options.warmup = value("--warmup")?
                    .parse()
                    .map_err(|e| format!("--warmup: {e}"))?;
            }
            "--spot" => {
                options.spots = value("--spot")?
                    .split(',')
                    .map(|s| Spot::parse(s.trim()).ok_or(format!("unknown spot {s}")))
                    .collect::<Result<_, _>>()?;
            }
            "--utf8" => options.utf8 = true,
            "--file" => options.file = value("--file")?,
            // `cargo bench` passes `--bench`; ignore it and any filter it forwards.
            "--bench" => {}
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            _ => {}
        }
    }
    if options.keystrokes == 0 {
        return Err("--keystrokes must be positive".to_string());
    }
    Ok(options)
}

/// A received message and when its last byte was read.
type Received = (Instant, Value);

struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Received>,
    next_id: i64,
}

fn read_message(reader: &mut impl BufRead) -> Option<(Instant, Vec<u8>)> {
    let mut length = None;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some(v) = trimmed.strip_prefix("Content-Length:") {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    Some((Instant::now(), body))
}

impl Server {
    fn start() -> Result<Server, String> {
        let binary =
            std::env::var("DJSEC_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_djsec").to_string());
        let mut child = Command::new(&binary)
            .arg("server")
            .env("DJSEC_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {binary}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::with_capacity(1 << 20, stdout);
            while let Some((at, body)) = read_message(&mut reader) {
                let Ok(value) = serde_json::from_slice::<Value>(&body) else {
                    continue;
                };
                if tx.send((at, value)).is_err() {
                    break;
                }
            }
        });
        Ok(Server {
            child,
            stdin,
            incoming: rx,
            next_id: 1,
        })
    }

    fn send(&mut self, message: &Value) -> Result<Instant, String> {
        let body = message.to_string();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body.as_bytes());
        let sent = Instant::now();
        self.stdin
            .write_all(&frame)
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("write: {e}"))?;
        Ok(sent)
    }

    fn notify(&mut self, method: &str, params: Value) -> Result<Instant, String> {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
    }

    fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Result<Received, String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok((at, msg)) => {
                    if msg.get("id").is_some() && msg.get("method").is_some() {
                        self.send(&json!({"jsonrpc": "2.0", "id": msg["id"], "result": null}))?;
                    }
                    if pred(&msg) {
                        return Ok((at, msg));
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Err("timed out".to_string()),
                Err(RecvTimeoutError::Disconnected) => return Err("server exited".to_string()),
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        let (_, msg) =
            self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())?;
        Ok(msg)
    }

    /// User + system CPU time of the server process so far.
    fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the command name (which is in parentheses and may hold spaces).
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        // USER_HZ is 100 on Linux.
        Some(Duration::from_millis((utime + stime) * 10))
    }

    fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    fn stop(mut self) {
        let _ = self.request("shutdown", Value::Null);
        let _ = self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Run {
    lines: usize,
    spot: Spot,
    latencies: Vec<Duration>,
    cpu_per_keystroke: Option<Duration>,
    diagnostics: usize,
    rss_kib: Option<u64>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Type `keystrokes` characters at `spot` of a `lines`-line views.py.
fn measure(options: &Options, lines: usize, spot: Spot) -> Result<Run, String> {
    // A `.html` file name types into a generated Django template instead.
    let template = options.file.ends_with(".html");
    let text = if template {
        generate::template(lines, 7)
    } else {
        generate::python_module(lines, 7)
    };
    let (folder, language) = if template {
        ("shop/templates/shop", "django-html")
    } else {
        ("shop", "python")
    };
    let lines = text.lines().count();
    let (line, column) = generate::spot(&text, spot);
    let mut server = Server::start()?;
    let encodings = if options.utf8 {
        json!(["utf-8", "utf-16"])
    } else {
        json!(["utf-16"])
    };
    server.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": null,
            "capabilities": {
                "general": {"positionEncodings": encodings},
                "textDocument": {"publishDiagnostics": {"versionSupport": true}},
            },
        }),
    )?;
    server.notify("initialized", json!({}))?;
    let uri = format!("file:///bench/{folder}/{}", options.file);
    let uri = uri.as_str();
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
    )?;
    let is_version = |version: i64| {
        move |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        }
    };
    let (_, first) = server.wait_for(is_version(1))?;
    let diagnostics = first["params"]["diagnostics"]
        .as_array()
        .map_or(0, Vec::len);

    let word: Vec<char> = WORD.chars().collect();
    let mut offset = 0u32; // characters typed so far in the current word
    let mut version = 1i64;
    let mut latencies = Vec::with_capacity(options.keystrokes);
    let total = options.warmup + options.keystrokes;
    let mut cpu_start = None;
    for i in 0..total {
        if i == options.warmup {
            cpu_start = server.cpu_time();
        }
        version += 1;
        // Type the word, then delete it character by character.
        let cycle = 2 * word.len();
        let step = i % cycle;
        let change = if step < word.len() {
            let at = json!({"line": line, "character": column + offset});
            offset += 1;
            json!({"range": {"start": at, "end": at}, "text": word[step].to_string()})
        } else {
            offset -= 1;
            json!({
                "range": {
                    "start": {"line": line, "character": column + offset},
                    "end": {"line": line, "character": column + offset + 1},
                },
                "text": "",
            })
        };
        let sent = server.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
        )?;
        let (received, _) = server.wait_for(is_version(version))?;
        if i >= options.warmup {
            latencies.push(received.saturating_duration_since(sent));
        }
    }
    let cpu_per_keystroke = match (cpu_start, server.cpu_time()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) / options.keystrokes as u32),
        _ => None,
    };
    let rss_kib = server.rss_kib();
    server.stop();
    latencies.sort();
    Ok(Run {
        lines,
        spot,
        latencies,
        cpu_per_keystroke,
        diagnostics,
        rss_kib,
    })
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("latency: {e}");
            std::process::exit(2);
        }
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "djsec keystroke latency: didChange -> publishDiagnostics of that version, {} keystrokes after {} warm-up, {}",
        options.keystrokes,
        options.warmup,
        if options.utf8 { "UTF-8" } else { "UTF-16" }
    );
    println!(
        "load average: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{:>7} {:<16} {:>6} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "lines", "spot", "diags", "p50 ms", "p90 ms", "p99 ms", "max ms", "cpu ms/ks", "rss MiB"
    );
    let mut runs = Vec::new();
    for &lines in &options.lines {
        for &spot in &options.spots {
            match measure(&options, lines, spot) {
                Ok(run) => {
                    let l = &run.latencies;
                    println!(
                        "{:>7} {:<16} {:>6} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>9} {:>8}",
                        run.lines,
                        run.spot.name(),
                        run.diagnostics,
                        ms(percentile(l, 50.0)),
                        ms(percentile(l, 90.0)),
                        ms(percentile(l, 99.0)),
                        ms(percentile(l, 100.0)),
                        run.cpu_per_keystroke
                            .map_or("?".to_string(), |d| format!("{:.3}", ms(d))),
                        run.rss_kib
                            .map_or("?".to_string(), |k| format!("{:.1}", k as f64 / 1024.0)),
                    );
                    runs.push(run);
                }
                Err(e) => {
                    eprintln!("latency: {lines} lines, {spot}: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average after: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    // The size ratio: the largest file against the smallest, per spot.
    if options.lines.len() > 1 {
        for &spot in &options.spots {
            let of_spot: Vec<&Run> = runs.iter().filter(|r| r.spot == spot).collect();
            if let (Some(small), Some(large)) = (
                of_spot.iter().min_by_key(|r| r.lines),
                of_spot.iter().max_by_key(|r| r.lines),
            ) {
                let p50 = |r: &Run| ms(percentile(&r.latencies, 50.0));
                let p99 = |r: &Run| ms(percentile(&r.latencies, 99.0));
                println!(
                    "ratio {}/{} lines, {}: p50 x{:.2}, p99 x{:.2}",
                    large.lines,
                    small.lines,
                    spot.name(),
                    p50(large) / p50(small).max(1e-9),
                    p99(large) / p99(small).max(1e-9),
                );
            }
        }
    }
}
