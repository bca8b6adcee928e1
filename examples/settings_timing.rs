//! How long the project index and the settings rules take, on a real folder:
//!
//! ```sh
//! cargo run --release --example settings_timing -- PROJECT_ROOT path/to/settings.py
//! ```
//!
//! Prints the index build time (wall clock), then the CPU time (this thread, from
//! `/proc/thread-self/stat`, so other processes on a busy machine do not count) of parsing the
//! file, building its summary, analysing it with the index, alone, and under a path that is no
//! settings module (the cost of the other rules), and of `ProjectIndex::update_file` (what the
//! server does on each keystroke in a settings module). Linux only.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use djsec::analysis::{Context, analyze};
use djsec::project::{ModuleSummary, ProjectIndex};
use djsec::syntax::{Language, Syntax};

/// CPU time of this thread (user + system), in 10 ms ticks: measure over many runs.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    // After the command: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt,
    // majflt, cmajflt, utime, stime.
    let fields: Vec<i64> = after
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(10).copied().unwrap_or(0) + fields.get(11).copied().unwrap_or(0);
    Duration::from_millis(u64::try_from(ticks).unwrap_or(0) * 10)
}

fn per(runs: u32, f: impl Fn()) -> Duration {
    let start = cpu();
    for _ in 0..runs {
        f();
    }
    (cpu() - start) / runs
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(root), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: settings_timing PROJECT_ROOT FILE");
        std::process::exit(2);
    };
    let root = Path::new(root);
    let started = Instant::now();
    let index = Arc::new(ProjectIndex::build(root));
    println!(
        "index build: {:.1?} wall ({} settings modules)",
        started.elapsed(),
        index.settings_modules().count()
    );
    let path = root.join(file);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("cannot read {}", path.display());
        std::process::exit(2);
    };
    println!("{} lines", text.lines().count());
    let runs = 300;
    println!(
        "parse: {:?} CPU",
        per(runs, || {
            Syntax::parse(Language::Python, &text);
        })
    );
    let syntax = Syntax::parse(Language::Python, &text);
    if let Some(tree) = match &syntax {
        Syntax::Python(tree) => tree.single(),
        Syntax::Template(_) => None,
    } {
        println!(
            "summary: {:?} CPU",
            per(runs, || {
                ModuleSummary::build(tree, &text);
            })
        );
    }
    let elsewhere = root.join("not_settings/views_copy.py");
    for (label, p, project) in [
        (
            "analysis with the index",
            path.clone(),
            Some(Arc::clone(&index)),
        ),
        ("analysis alone", path.clone(), None),
        ("analysis as a non-settings file", elsewhere, None),
    ] {
        let context = Context {
            path: Some(p),
            project,
            ..Context::default()
        };
        let count = analyze(&text, &syntax, &context).len();
        let time = per(runs, || {
            analyze(&text, &syntax, &context);
        });
        println!("{label}: {time:?} CPU ({count} findings)");
    }
    let start = cpu();
    let mut current = (*index).clone();
    for i in 0..100 {
        let edited = format!("{text}\nX_{i} = {i}\n");
        if let Some(next) = current.update_file(&path, &edited) {
            current = next;
        }
    }
    println!("update_file: {:?} CPU per edit", (cpu() - start) / 100);
}
