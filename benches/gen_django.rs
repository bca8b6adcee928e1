//! Write a generated Django project for the workspace-scan benchmark (`benches/scan.sh`):
//!
//! ```text
//! cargo bench --bench gen_django -- OUT_DIR [--apps N] [--seed S]
//! ```
//!
//! Each app has views, models, forms, api, tests, admin, urls and migrations modules and 4-10
//! templates, of varied sizes (see `benches/gen/mod.rs`). 300 apps make about 5,700 files.
//! Without an output folder (as when `cargo bench` runs every bench) it prints its usage.

#[path = "gen/mod.rs"]
mod generate;

use std::path::PathBuf;

fn main() {
    let mut out = None;
    let mut apps = 300usize;
    let mut seed = 42u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--apps" => apps = args.next().and_then(|v| v.parse().ok()).unwrap_or(apps),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).unwrap_or(seed),
            "--bench" => {}
            other if other.starts_with("--") => {
                eprintln!("gen_django: unknown option {other}");
                std::process::exit(2);
            }
            other => out = Some(PathBuf::from(other)),
        }
    }
    let Some(out) = out else {
        println!("usage: cargo bench --bench gen_django -- OUT_DIR [--apps N] [--seed S]");
        return;
    };
    match generate::write_project(&out, apps, seed) {
        Ok(stats) => println!(
            "wrote {} files, {} lines, {:.1} MB under {}",
            stats.files,
            stats.lines,
            stats.bytes as f64 / 1e6,
            out.display()
        ),
        Err(e) => {
            eprintln!("gen_django: {}: {e}", out.display());
            std::process::exit(2);
        }
    }
}
