//! End-to-end keystroke latency over stdio: a client starts `djsec server`, opens a generated
//! `views.py`, then edits it one `didChange` at a time and measures the time from writing each
//! `didChange` to reading the `publishDiagnostics` of that version. When Ruff is installed
//! (`RUFF_BIN`, or `ruff` on the `PATH`; `pip install ruff` in a venv), `ruff server` gets the
//! same session right after djsec, and the bench prints djsec/Ruff ratios of p50 and p99.
//!
//! ```text
//! cargo bench --bench latency                          # 6,000 lines, the nine spots of issue 16
//! cargo bench --bench latency -- --lines 6000,50000    # and the growth to 50,000 lines
//! cargo bench --bench latency -- --spot in_string,paste --keystrokes 1000
//! cargo bench --bench latency -- --file tests.py     # the same text as a test module
//! cargo bench --bench latency -- --file page.html    # a generated template, its four spots
//! cargo bench --bench latency -- --file page.html --spot in_variable,in_text
//! cargo bench --bench latency -- --no-ruff           # djsec alone
//! DJSEC_BIN=target/release/djsec RUFF_BIN=/venv/bin/ruff cargo bench --bench latency
//! cargo bench --bench latency -- --fanout 50         # a summary used by 50 modules changes
//! cargo bench --bench latency -- --fanout 50 --open 20 --unrelated 4 --helper-lines 600
//! cargo bench --bench latency -- --fanout 50 --fanout-dir /tmp/fanout --write-only
//! ```
//!
//! `--fanout N` is the workspace scenario of issue 19 (`benches/gen/fanout.rs`): a generated
//! project whose `shop/helpers.py` defines a sanitizer used by `N` view modules, opened over
//! JSON-RPC with a `rootUri` (the helper module, `--open` of the dependents and `--unrelated`
//! modules that do not use it; the rest is indexed from disk). The client types into the
//! sanitizer: one keystroke comments its `escape()` out or back in (the summary's value changes,
//! every dependent's findings change), the others type in its docstring (no summary changes). It
//! measures (a) `didChange` → the edited file's diagnostics, over all edits and over the
//! summary-changing ones, (b) `didChange` → the last changed publication of the open dependents
//! on a summary-changing edit, and counts the dependents' publications per edit and the
//! unrelated files' publications (none expected). Ruff, when installed, gets the same workspace
//! and edits as the yardstick for (a).
//!
//! The spots and their edits are `benches/gen`'s scripts (typing a word or a statement one
//! character at a time and deleting it, deleting a function, pasting 200 lines, undoing the
//! paste); files above 6,000 lines carry the 6,000-line file's findings plus clean code.
//! Editing is closed-loop: the next edit is sent when the diagnostics of the previous one
//! arrived (a person types a character every 100 ms or so, far slower than either server).
//! Besides wall-clock percentiles it prints each server's CPU time per counted edit (from
//! `/proc/PID/stat`), which depends much less on the machine's load.

#[path = "gen/mod.rs"]
mod generate;

#[path = "gen/fanout.rs"]
mod fanout;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use generate::template_spots::TemplateSpot;
use generate::{Script, Spot};

/// What a run types into: a Python spot in `views.py`, or a template spot in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Python(Spot),
    Template(TemplateSpot),
}

impl What {
    fn name(self) -> &'static str {
        match self {
            What::Python(spot) => spot.name(),
            What::Template(spot) => spot.name(),
        }
    }
}
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(120);

struct Options {
    lines: Vec<usize>,
    keystrokes: usize,
    warmup: usize,
    spots: Vec<Spot>,
    /// The spots typed into when `file` is a template (`--spot` names of `TemplateSpot`).
    template_spots: Vec<TemplateSpot>,
    utf8: bool,
    /// The file name typed into (`views.py`; `tests.py` is outside the access rules'
    /// module-scoped check, which shows what that check costs per keystroke).
    file: String,
    /// `ruff` to run beside djsec, if any.
    ruff: Option<String>,
    /// `--fanout N`: the workspace scenario with `N` modules using the edited helper.
    fanout: Option<usize>,
    /// How many of the dependents are open (`--open`).
    open: usize,
    /// How many open modules do not use the helper (`--unrelated`).
    unrelated: usize,
    /// The size of the edited helper module (`--helper-lines`).
    helper_lines: usize,
    /// Where to write the fanout project (`--fanout-dir`; a temporary directory if not given).
    fanout_dir: Option<std::path::PathBuf>,
    /// Only write the fanout project (`--write-only`).
    write_only: bool,
}

/// `RUFF_BIN`, else `ruff` when it is on the `PATH`.
fn find_ruff() -> Option<String> {
    if let Ok(bin) = std::env::var("RUFF_BIN") {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("ruff"))
        .find(|candidate| candidate.is_file())
        .map(|p| p.to_string_lossy().into_owned())
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        lines: vec![6_000],
        keystrokes: 400,
        warmup: 32,
        spots: Spot::ALL.to_vec(),
        template_spots: TemplateSpot::ALL.to_vec(),
        utf8: false,
        file: "views.py".to_string(),
        ruff: find_ruff(),
        fanout: None,
        open: 20,
        unrelated: 4,
        helper_lines: 600,
        fanout_dir: None,
        write_only: false,
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
                let names = value("--spot")?;
                options.spots = Vec::new();
                options.template_spots = Vec::new();
                for name in names.split(',').map(str::trim) {
                    if let Some(spot) = Spot::parse(name) {
                        options.spots.push(spot);
                    } else if let Some(spot) = TemplateSpot::parse(name) {
                        options.template_spots.push(spot);
                    } else {
                        return Err(format!("unknown spot {name}"));
                    }
                }
            }
            "--utf8" => options.utf8 = true,
            "--no-ruff" => options.ruff = None,
            "--ruff" => options.ruff = Some(value("--ruff")?),
            "--file" => options.file = value("--file")?,
            "--fanout" => {
                options.fanout = Some(
                    value("--fanout")?
                        .parse()
                        .map_err(|e| format!("--fanout: {e}"))?,
                );
            }
            "--open" => {
                options.open = value("--open")?
                    .parse()
                    .map_err(|e| format!("--open: {e}"))?;
            }
            "--unrelated" => {
                options.unrelated = value("--unrelated")?
                    .parse()
                    .map_err(|e| format!("--unrelated: {e}"))?;
            }
            "--helper-lines" => {
                options.helper_lines = value("--helper-lines")?
                    .parse()
                    .map_err(|e| format!("--helper-lines: {e}"))?;
            }
            "--fanout-dir" => options.fanout_dir = Some(value("--fanout-dir")?.into()),
            "--write-only" => options.write_only = true,
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

/// Which language server a session talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Djsec,
    Ruff,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Djsec => "djsec",
            Tool::Ruff => "ruff",
        }
    }
}

impl Server {
    fn start(tool: Tool, options: &Options) -> Result<Server, String> {
        let binary = match tool {
            Tool::Djsec => std::env::var("DJSEC_BIN")
                .unwrap_or_else(|_| env!("CARGO_BIN_EXE_djsec").to_string()),
            Tool::Ruff => options.ruff.clone().ok_or("no ruff")?,
        };
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

    /// Send one edit of a script as a `didChange` of version `version`; when it was sent.
    fn did_change(
        &mut self,
        uri: &str,
        version: i64,
        edit: &generate::ScriptEdit,
    ) -> Result<Instant, String> {
        let range = json!({
            "start": {"line": edit.start.0, "character": edit.start.1},
            "end": {"line": edit.end.0, "character": edit.end.1},
        });
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": range, "text": edit.text}],
            }),
        )
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

    /// The next message before `deadline` (`None` when none came), answering the server's
    /// requests on the way.
    fn next_before(&mut self, deadline: Instant) -> Result<Option<Received>, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok((at, msg)) => {
                if msg.get("id").is_some() && msg.get("method").is_some() {
                    self.send(&json!({"jsonrpc": "2.0", "id": msg["id"], "result": null}))?;
                }
                Ok(Some((at, msg)))
            }
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err("server exited".to_string()),
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
    tool: Tool,
    /// The size asked for (`--lines`); `lines` is the generated file's.
    size: usize,
    lines: usize,
    spot: What,
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

/// Run `spot`'s script on a `lines`-line views.py with `tool`: `options.keystrokes` counted
/// edits after `options.warmup` edits (at least one cycle of the script). A template spot
/// types its word at its place in a generated Django template (`options.file` if it is a
/// `.html` name) instead.
fn measure(options: &Options, tool: Tool, size: usize, spot: What) -> Result<Run, String> {
    let lines = size;
    let template = matches!(spot, What::Template(_));
    let script: Script = match spot {
        What::Template(spot) => {
            let text = generate::template(lines, 7);
            let (line, column) = spot.locate(&text);
            generate::typing_script(text, line, column, spot.word())
        }
        What::Python(spot) => generate::script(&generate::python_module_sized(lines, 7), spot),
    };
    let file = match (template, is_template(options)) {
        (true, true) | (false, false) => options.file.as_str(),
        (true, false) => "page.html",
        (false, true) => "views.py",
    };
    let text = &script.text;
    let (folder, language) = if template {
        ("shop/templates/shop", "django-html")
    } else {
        ("shop", "python")
    };
    let lines = text.lines().count();
    let mut server = Server::start(tool, options)?;
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
    let uri = format!("file:///bench/{folder}/{file}");
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

    let mut version = 1i64;
    let mut latencies = Vec::with_capacity(options.keystrokes);
    let warmup = options.warmup.max(script.cycle.len());
    let mut cpu_start = None;
    let mut i = 0;
    while latencies.len() < options.keystrokes {
        if i == warmup {
            cpu_start = server.cpu_time();
        }
        let edit = script.edit(i);
        version += 1;
        let sent = server.did_change(uri, version, edit)?;
        let (received, _) = server.wait_for(is_version(version))?;
        if i >= warmup && edit.measured {
            latencies.push(received.saturating_duration_since(sent));
        }
        i += 1;
    }
    // CPU time of every edit since the warm-up (counted or not), per counted edit.
    let cpu_per_keystroke = match (cpu_start, server.cpu_time()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) / options.keystrokes as u32),
        _ => None,
    };
    let rss_kib = server.rss_kib();
    server.stop();
    latencies.sort();
    Ok(Run {
        tool,
        size,
        lines,
        spot,
        latencies,
        cpu_per_keystroke,
        diagnostics,
        rss_kib,
    })
}

/// Whether the bench edits a generated template (`--file page.html`) rather than Python.
fn is_template(options: &Options) -> bool {
    options.file.ends_with(".html")
}

fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn p50(r: &Run) -> f64 {
    ms(percentile(&r.latencies, 50.0))
}

fn p99(r: &Run) -> f64 {
    ms(percentile(&r.latencies, 99.0))
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("latency: {e}");
            std::process::exit(2);
        }
    };
    if let Some(dependents) = options.fanout {
        if let Err(e) = run_fanout(&options, dependents) {
            eprintln!("latency: fanout: {e}");
            std::process::exit(1);
        }
        return;
    }
    let mut tools = vec![Tool::Djsec];
    match &options.ruff {
        Some(ruff) => {
            let version = Command::new(ruff)
                .arg("--version")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default();
            if is_template(&options) {
                // Ruff does not read templates: it types into the Python file (`in_string`) as
                // the reference the template targets compare with.
                println!(
                    "beside: {version} ({ruff} server, default settings) on the same-size views.py, in_string"
                );
            } else {
                println!("beside: {version} ({ruff} server, default settings)");
            }
            tools.push(Tool::Ruff);
        }
        None => println!("beside: no ruff (set RUFF_BIN or put ruff on the PATH)"),
    }
    println!(
        "keystroke latency: didChange -> publishDiagnostics of that version, {} counted edits per spot after a warm-up of max({}, one cycle) edits, {}",
        options.keystrokes,
        options.warmup,
        if options.utf8 { "UTF-8" } else { "UTF-16" }
    );
    println!("load average: {}", load_average());
    println!(
        "{:>7} {:<18} {:<5} {:>6} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "lines",
        "spot",
        "tool",
        "diags",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "cpu ms/ed",
        "rss MiB"
    );
    // What each size runs: every spot with every tool; for a template, djsec on the template
    // spots and Ruff once on the Python file.
    let mut jobs: Vec<(What, Tool)> = Vec::new();
    if is_template(&options) {
        for &spot in &options.template_spots {
            jobs.push((What::Template(spot), Tool::Djsec));
        }
        if tools.contains(&Tool::Ruff) {
            jobs.push((What::Python(Spot::InString), Tool::Ruff));
        }
    } else {
        for &spot in &options.spots {
            for &tool in &tools {
                jobs.push((What::Python(spot), tool));
            }
        }
    }
    let mut runs = Vec::new();
    for &lines in &options.lines {
        for &(spot, tool) in &jobs {
            {
                match measure(&options, tool, lines, spot) {
                    Ok(run) => {
                        let l = &run.latencies;
                        println!(
                            "{:>7} {:<18} {:<5} {:>6} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>9} {:>8}",
                            run.lines,
                            run.spot.name(),
                            run.tool.name(),
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
                        eprintln!(
                            "latency: {} {lines} lines, {}: {e}",
                            tool.name(),
                            spot.name()
                        );
                        std::process::exit(1);
                    }
                }
            }
        }
    }
    println!("load average after: {}", load_average());
    let find = |tool: Tool, lines: usize, spot: What| {
        runs.iter()
            .find(|r| r.tool == tool && r.size == lines && r.spot == spot)
    };
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    if tools.contains(&Tool::Ruff) && is_template(&options) {
        println!();
        println!(
            "djsec on the template / ruff on the same-size views.py (in_string) (targets at 6,000 lines: p50 <= 0.3, p99 <= 0.5)"
        );
        for &lines in &sizes {
            let Some(r) = find(Tool::Ruff, lines, What::Python(Spot::InString)) else {
                continue;
            };
            for &spot in &options.template_spots {
                if let Some(d) = find(Tool::Djsec, lines, What::Template(spot)) {
                    let (a, b) = (p50(d) / p50(r).max(1e-9), p99(d) / p99(r).max(1e-9));
                    println!(
                        "{:>7} {:<18} p50 {:>5.2} {:<4} p99 {:>5.2} {}",
                        lines,
                        spot.name(),
                        a,
                        if a <= 0.3 { "ok" } else { "MISS" },
                        b,
                        if b <= 0.5 { "ok" } else { "MISS" },
                    );
                }
            }
        }
    } else if tools.contains(&Tool::Ruff) {
        println!();
        println!("djsec / ruff (targets at 6,000 lines: p50 <= 0.3, p99 <= 0.5)");
        for &lines in &sizes {
            for &spot in &options.spots {
                if let (Some(d), Some(r)) = (
                    find(Tool::Djsec, lines, What::Python(spot)),
                    find(Tool::Ruff, lines, What::Python(spot)),
                ) {
                    let (a, b) = (p50(d) / p50(r).max(1e-9), p99(d) / p99(r).max(1e-9));
                    println!(
                        "{:>7} {:<18} p50 {:>5.2} {:<4} p99 {:>5.2} {}",
                        lines,
                        spot.name(),
                        a,
                        if a <= 0.3 { "ok" } else { "MISS" },
                        b,
                        if b <= 0.5 { "ok" } else { "MISS" },
                    );
                }
            }
        }
    }
    // Growth: the largest file against the smallest, per spot and tool (target: <= 1.5).
    if let (Some(&small), Some(&large)) = (sizes.first(), sizes.last())
        && small != large
    {
        println!();
        println!("growth {large}/{small} lines (target for djsec: <= 1.5)");
        for &(spot, tool) in &jobs {
            {
                if let (Some(s), Some(l)) = (find(tool, small, spot), find(tool, large, spot)) {
                    println!(
                        "{:<18} {:<5} p50 x{:.2}, p99 x{:.2}",
                        spot.name(),
                        tool.name(),
                        p50(l) / p50(s).max(1e-9),
                        p99(l) / p99(s).max(1e-9),
                    );
                }
            }
        }
    }
}

/// What one server did in the fanout scenario.
struct FanoutRun {
    tool: Tool,
    /// (a) every counted edit: `didChange` → the helper's diagnostics of that version.
    edited: Vec<Duration>,
    /// (a) the counted edits that change the summary.
    edited_changing: Vec<Duration>,
    /// (b) summary-changing edits: `didChange` → the last open dependent's changed diagnostics.
    dependents: Vec<Duration>,
    /// Counted edits, and those that change the summary.
    edits: usize,
    changing: usize,
    /// Publications for open dependents after the warm-up, and how many changed the findings.
    dependent_publications: usize,
    dependent_changed: usize,
    /// Publications for the open modules that do not use the helper, after the warm-up.
    unrelated_publications: usize,
    /// From `initialized` to every open file analysed with the index (quiet for `QUIET`).
    ready: Duration,
    cpu_per_keystroke: Option<Duration>,
    rss_kib: Option<u64>,
}

/// How long nothing is published before the workspace counts as settled.
const QUIET: Duration = Duration::from_millis(700);
/// How long a summary-changing edit may take to reach every open dependent.
const DEPENDENTS_TIMEOUT: Duration = Duration::from_secs(30);

fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

fn measure_fanout(
    options: &Options,
    tool: Tool,
    root: &std::path::Path,
    project: &fanout::Fanout,
) -> Result<FanoutRun, String> {
    use std::collections::{HashMap, HashSet};
    let mut server = Server::start(tool, options)?;
    let root_uri = file_uri(root);
    let encodings = if options.utf8 {
        json!(["utf-8", "utf-16"])
    } else {
        json!(["utf-16"])
    };
    server.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": root_uri,
            "workspaceFolders": [{"uri": root_uri, "name": "fanout"}],
            "capabilities": {
                "general": {"positionEncodings": encodings},
                "textDocument": {"publishDiagnostics": {"versionSupport": true}},
                "window": {"workDoneProgress": true},
            },
        }),
    )?;
    let started = Instant::now();
    server.notify("initialized", json!({}))?;
    let helper = file_uri(&root.join(fanout::HELPER));
    let open_dependents: Vec<(String, &str)> = project
        .dependents
        .iter()
        .take(options.open)
        .map(|(rel, text)| (file_uri(&root.join(rel)), text.as_str()))
        .collect();
    let unrelated: Vec<(String, &str)> = project
        .unrelated
        .iter()
        .map(|(rel, text)| (file_uri(&root.join(rel)), text.as_str()))
        .collect();
    let open = |server: &mut Server, uri: &str, text: &str| {
        server.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
        )
    };
    open(&mut server, &helper, &project.helper_text)?;
    for (uri, text) in open_dependents.iter().chain(&unrelated) {
        open(&mut server, uri, text)?;
    }
    let dependent_set: HashSet<&str> = open_dependents.iter().map(|(u, _)| u.as_str()).collect();
    let unrelated_set: HashSet<&str> = unrelated.iter().map(|(u, _)| u.as_str()).collect();
    let is_publication = |m: &Value| m["method"] == "textDocument/publishDiagnostics";
    // The last diagnostics published per file.
    let mut last: HashMap<String, Value> = HashMap::new();
    let record = |last: &mut HashMap<String, Value>, m: &Value| -> bool {
        let uri = m["params"]["uri"].as_str().unwrap_or("").to_string();
        let diagnostics = m["params"]["diagnostics"].clone();
        last.insert(uri, diagnostics.clone()) != Some(diagnostics)
    };
    // djsec: the index build ends (its `$/progress`), then the re-analyses it starts settle.
    let mut index_done = tool != Tool::Djsec;
    let setup_deadline = Instant::now() + TIMEOUT;
    let mut quiet_since = Instant::now();
    loop {
        let wait_until = if index_done {
            (quiet_since + QUIET).min(setup_deadline)
        } else {
            setup_deadline
        };
        match server.next_before(wait_until)? {
            Some((_, m)) => {
                if m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end" {
                    index_done = true;
                    quiet_since = Instant::now();
                }
                if is_publication(&m) {
                    record(&mut last, &m);
                    quiet_since = Instant::now();
                }
            }
            None if index_done && last.contains_key(&helper) => break,
            None if Instant::now() >= setup_deadline => {
                return Err("the workspace did not settle".to_string());
            }
            None => {}
        }
    }
    let ready = started.elapsed().saturating_sub(QUIET);

    let cycle = &project.cycle;
    let warmup = options.warmup.max(cycle.len());
    let mut run = FanoutRun {
        tool,
        edited: Vec::new(),
        edited_changing: Vec::new(),
        dependents: Vec::new(),
        edits: 0,
        changing: 0,
        dependent_publications: 0,
        dependent_changed: 0,
        unrelated_publications: 0,
        ready,
        cpu_per_keystroke: None,
        rss_kib: None,
    };
    let mut cpu_start = None;
    let mut version = 1i64;
    let mut i = 0;
    while run.edited.len() < options.keystrokes {
        if i == warmup {
            cpu_start = server.cpu_time();
            run.dependent_publications = 0;
            run.dependent_changed = 0;
            run.unrelated_publications = 0;
        }
        let step = &cycle[i % cycle.len()];
        let edit = &step.edit;
        version += 1;
        let sent = server.did_change(&helper, version, edit)?;
        let mut pending: HashSet<&str> = if tool == Tool::Djsec && step.changes_summary {
            dependent_set.clone()
        } else {
            HashSet::new()
        };
        let mut edited_at = None;
        let mut dependents_at = None;
        while edited_at.is_none() || !pending.is_empty() {
            let deadline = sent
                + if edited_at.is_none() {
                    TIMEOUT
                } else {
                    DEPENDENTS_TIMEOUT
                };
            let Some((at, m)) = server.next_before(deadline)? else {
                return Err(format!(
                    "edit {i} ({:?}): {} open dependents did not change their diagnostics",
                    edit.text,
                    pending.len()
                ));
            };
            if !is_publication(&m) {
                continue;
            }
            let uri = m["params"]["uri"].as_str().unwrap_or("").to_string();
            if uri == helper {
                if m["params"]["version"] == version {
                    edited_at = Some(at);
                }
                record(&mut last, &m);
            } else if dependent_set.contains(uri.as_str()) {
                run.dependent_publications += 1;
                if record(&mut last, &m) {
                    run.dependent_changed += 1;
                    if pending.remove(uri.as_str()) {
                        dependents_at = Some(at);
                    }
                }
            } else if unrelated_set.contains(uri.as_str()) {
                run.unrelated_publications += 1;
                record(&mut last, &m);
            }
        }
        if i >= warmup && edit.measured {
            let a = edited_at.unwrap_or(sent).saturating_duration_since(sent);
            run.edited.push(a);
            run.edits += 1;
            if step.changes_summary {
                run.changing += 1;
                run.edited_changing.push(a);
                if let Some(b) = dependents_at {
                    run.dependents.push(b.saturating_duration_since(sent));
                }
            }
        }
        i += 1;
    }
    // Publications still in flight count too (a re-analysis that published nothing new).
    let end = Instant::now() + QUIET;
    while let Some((_, m)) = server.next_before(end)? {
        if !is_publication(&m) {
            continue;
        }
        let uri = m["params"]["uri"].as_str().unwrap_or("");
        if dependent_set.contains(uri) {
            run.dependent_publications += 1;
            if record(&mut last, &m) {
                run.dependent_changed += 1;
            }
        } else if unrelated_set.contains(uri) {
            run.unrelated_publications += 1;
        }
    }
    run.cpu_per_keystroke = match (cpu_start, server.cpu_time()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) / run.edits.max(1) as u32),
        _ => None,
    };
    run.rss_kib = server.rss_kib();
    server.stop();
    run.edited.sort();
    run.edited_changing.sort();
    run.dependents.sort();
    Ok(run)
}

/// `--fanout N`: generate the project, run djsec (and Ruff) on it, print the table.
fn run_fanout(options: &Options, dependents: usize) -> Result<(), String> {
    let temp;
    let root = match &options.fanout_dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
            temp.path().to_path_buf()
        }
    };
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let root = root
        .canonicalize()
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let project = fanout::write(
        &root,
        dependents,
        options.unrelated,
        options.helper_lines,
        7,
    )
    .map_err(|e| format!("writing the project: {e}"))?;
    let helper_lines = project.helper_text.lines().count();
    println!(
        "fanout: {} lines in {}: {} modules call clean_text() of {} ({} lines), {} of them open, {} unrelated modules open",
        project.lines,
        root.display(),
        project.dependents.len(),
        fanout::HELPER,
        helper_lines,
        options.open.min(project.dependents.len()),
        project.unrelated.len(),
    );
    if options.write_only {
        return Ok(());
    }
    let mut tools = vec![Tool::Djsec];
    if let Some(ruff) = &options.ruff {
        let version = Command::new(ruff)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        println!("beside: {version} ({ruff} server, default settings), same workspace and edits");
        tools.push(Tool::Ruff);
    }
    let changing = project.cycle.iter().filter(|e| e.changes_summary).count();
    println!(
        "edits: a cycle of {} edits in clean_text(), {changing} of which change its summary; {} counted edits after a warm-up of max({}, one cycle)",
        project.cycle.len(),
        options.keystrokes,
        options.warmup,
    );
    println!("load average: {}", load_average());
    println!(
        "{:<5} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9} {:>10} {:>9} {:>8}",
        "tool",
        "ready ms",
        "a p50",
        "a p99",
        "a* p50",
        "a* p99",
        "b p50",
        "b p99",
        "dep pub/e*",
        "unrel pubs",
        "cpu ms/ed",
        "rss MiB",
    );
    let mut runs = Vec::new();
    for tool in tools {
        let run = measure_fanout(options, tool, &root, &project)?;
        let p = |l: &[Duration], q| ms(percentile(l, q));
        let (b50, b99) = if run.dependents.is_empty() {
            ("-".to_string(), "-".to_string())
        } else {
            (
                format!("{:.3}", p(&run.dependents, 50.0)),
                format!("{:.3}", p(&run.dependents, 99.0)),
            )
        };
        println!(
            "{:<5} {:>8.0} {:>8.3} {:>9.3} {:>9.3} {:>9.3} {:>9} {:>8} {:>10.2} {:>9} {:>9} {:>8}",
            run.tool.name(),
            ms(run.ready),
            p(&run.edited, 50.0),
            p(&run.edited, 99.0),
            p(&run.edited_changing, 50.0),
            p(&run.edited_changing, 99.0),
            b50,
            b99,
            run.dependent_publications as f64 / run.changing.max(1) as f64,
            run.unrelated_publications,
            run.cpu_per_keystroke
                .map_or("?".to_string(), |d| format!("{:.3}", ms(d))),
            run.rss_kib
                .map_or("?".to_string(), |k| format!("{:.1}", k as f64 / 1024.0)),
        );
        if run.tool == Tool::Djsec {
            println!(
                "      {} counted edits, {} changing the summary; open dependents published {} times ({} with changed findings); unrelated open modules {} times",
                run.edits,
                run.changing,
                run.dependent_publications,
                run.dependent_changed,
                run.unrelated_publications
            );
        }
        runs.push(run);
    }
    println!("load average after: {}", load_average());
    println!(
        "a: didChange -> the helper's diagnostics (every edit; a*: the summary-changing ones); b: didChange -> the last open dependent's changed diagnostics (summary-changing edits)"
    );
    let djsec = runs.iter().find(|r| r.tool == Tool::Djsec);
    let ruff = runs.iter().find(|r| r.tool == Tool::Ruff);
    if let (Some(d), Some(r)) = (djsec, ruff) {
        let p = |l: &[Duration], q| ms(percentile(l, q));
        let ratio = |a: f64, b: f64| a / b.max(1e-9);
        let (a50, a99) = (
            ratio(p(&d.edited, 50.0), p(&r.edited, 50.0)),
            ratio(p(&d.edited, 99.0), p(&r.edited, 99.0)),
        );
        let verdict = |ok: bool| if ok { "ok" } else { "MISS" };
        println!();
        println!("djsec / ruff on the edited helper (targets: p50 <= 0.3, p99 <= 0.5)");
        println!(
            "a  every edit            p50 {a50:>5.2} {:<4} p99 {a99:>5.2} {}",
            verdict(a50 <= 0.3),
            verdict(a99 <= 0.5)
        );
        let (c50, c99) = (
            ratio(p(&d.edited_changing, 50.0), p(&r.edited_changing, 50.0)),
            ratio(p(&d.edited_changing, 99.0), p(&r.edited_changing, 99.0)),
        );
        println!(
            "a* summary-changing edit p50 {c50:>5.2} {:<4} p99 {c99:>5.2} {}",
            verdict(c50 <= 0.3),
            verdict(c99 <= 0.5)
        );
    }
    if let Some(d) = djsec
        && !d.dependents.is_empty()
    {
        let b99 = ms(percentile(&d.dependents, 99.0));
        println!(
            "b  dependents' diagnostics p99 {b99:.1} ms (bound: <= {DEPENDENTS_BOUND_MS} ms, a keystroke's interval) {}",
            if b99 <= DEPENDENTS_BOUND_MS {
                "ok"
            } else {
                "MISS"
            }
        );
    }
    Ok(())
}

/// The bound on (b): the open dependents show the new findings before a typist's next keystroke
/// (one every 100 ms or so).
const DEPENDENTS_BOUND_MS: f64 = 100.0;
