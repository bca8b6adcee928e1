//! Fixed workloads run once, for instruction counts under callgrind (which, unlike wall-clock
//! time, do not depend on the machine's load) and for `perf record`:
//!
//! ```text
//! cargo bench --bench instructions -- WORKLOAD LINES [REPEAT]
//! cargo bench --bench instructions -- parse-files DIR   # tree-sitter-python alone, for scan.sh
//! benches/callgrind.sh              # every workload under callgrind, one table
//! ```
//!
//! Workloads: `parse-python`, `analyze-python` (parse + analyse from scratch, as `djsec check`
//! does per file), `parse-template`, `analyze-template`, and `keystroke-SPOT` with SPOT one of
//! `end_of_line`, `in_string`, `statement_start` (REPEAT keystrokes — typing a word and deleting
//! it — in an open document: rope edit, incremental reparse, `analyze_incremental`; prefixed
//! `template-`, the same in a generated template), and
//! `reparse-SPOT` (the same keystrokes with tree-sitter alone on a `String`: the floor). Only the
//! function `measured` is meant to be counted (`--toggle-collect=*measured*`): generating the
//! input and opening the document are not; `measure_update` and `measure_analysis` split a
//! keystroke into the document update (rope, `InputEdit`, reparse) and the analysis.

#[path = "gen/mod.rs"]
mod generate;

use std::hint::black_box;

use djsec::analysis::{self, Cache, Context};
use djsec::document::{Change, Document, Position, PositionEncoding};
use djsec::syntax::{Language, Syntax};
use generate::Spot;

enum Work {
    Parse(Language, String),
    Analyze(Language, String),
    Keystrokes {
        doc: Box<Document>,
        cache: Cache,
        at: Position,
        repeat: usize,
    },
    /// The same keystrokes applied with tree-sitter alone (a `String`, an `InputEdit`, a reparse
    /// with the old tree): the floor for what a keystroke can cost.
    Raw {
        text: String,
        tree: tree_sitter::Tree,
        at: usize,
        repeat: usize,
    },
}

const WORD: &str = "value_id";

/// The `i`-th keystroke of typing `WORD` and deleting it again, given the characters typed so
/// far: (offset from the spot, deleted characters, inserted text).
fn keystroke(i: usize, typed: &mut u32) -> (u32, u32, &'static str) {
    let step = i % (2 * WORD.len());
    if step < WORD.len() {
        let at = *typed;
        *typed += 1;
        (at, 0, &WORD[step..step + 1])
    } else {
        *typed -= 1;
        (*typed, 1, "")
    }
}

#[inline(never)]
fn measure_update(doc: &mut Document, change: Change) {
    let version = doc.version + 1;
    doc.apply_changes(&[change], version, PositionEncoding::Utf16);
}

#[inline(never)]
fn measure_analysis(doc: &Document, cache: &mut Cache, context: &Context) -> usize {
    analysis::analyze_incremental(&doc.text(), &doc.syntax, context, cache).len()
}

#[inline(never)]
fn measure_raw_reparse(
    text: &mut String,
    tree: &mut tree_sitter::Tree,
    at: usize,
    deleted: usize,
    inserted: &str,
) {
    // Vectorised line counting, as the document's rope does it: a `str::matches` count here
    // would cost more than the reparse it is measured with.
    let point = |text: &str, byte: usize| {
        let before = &text.as_bytes()[..byte];
        let row = memchr::memchr_iter(b'\n', before).count();
        let column = byte - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        tree_sitter::Point { row, column }
    };
    let start_position = point(text, at);
    let old_end_position = point(text, at + deleted);
    text.replace_range(at..at + deleted, inserted);
    tree.edit(&tree_sitter::InputEdit {
        start_byte: at,
        old_end_byte: at + deleted,
        new_end_byte: at + inserted.len(),
        start_position,
        old_end_position,
        new_end_position: point(text, at + inserted.len()),
    });
    *tree = measure_raw_parse(text, tree);
}

/// The reparse alone (what `benches/callgrind.sh` reports as the tree-sitter floor).
#[inline(never)]
fn measure_raw_parse(text: &str, old: &tree_sitter::Tree) -> tree_sitter::Tree {
    djsec::syntax::python::parse(text, Some(old))
}

#[inline(never)]
fn measured(work: &mut Work) -> usize {
    let context = Context::default();
    match work {
        Work::Parse(language, text) => black_box(Syntax::parse(*language, text)).to_sexp().len(),
        Work::Analyze(language, text) => {
            analysis::analyze_text(black_box(text), *language, &context).len()
        }
        Work::Keystrokes {
            doc,
            cache,
            at,
            repeat,
        } => {
            let mut typed = 0u32;
            let mut findings = 0;
            for i in 0..*repeat {
                let (offset, deleted, inserted) = keystroke(i, &mut typed);
                let start = Position::new(at.line, at.character + offset);
                let end = Position::new(at.line, at.character + offset + deleted);
                let change = Change {
                    range: Some((start, end)),
                    text: inserted.to_string(),
                };
                measure_update(doc, change);
                findings += measure_analysis(doc, cache, &context);
            }
            findings
        }
        Work::Raw {
            text,
            tree,
            at,
            repeat,
        } => {
            let mut typed = 0u32;
            for i in 0..*repeat {
                let (offset, deleted, inserted) = keystroke(i, &mut typed);
                measure_raw_reparse(
                    text,
                    tree,
                    *at + offset as usize,
                    deleted as usize,
                    inserted,
                );
            }
            tree.root_node().child_count()
        }
    }
}

/// `parse-files DIR`: parse the `.py` files `djsec check --isolated DIR` would read (the CLI's
/// own walk) with tree-sitter-python and nothing else, on rayon's threads like `djsec check`
/// (`RAYON_NUM_THREADS`): the floor under a scan, which `benches/scan.sh` times next to djsec
/// and Ruff.
fn parse_files(dir: &std::path::Path) {
    use djsec::cli::walk;
    use djsec::config::discover::Resolver;
    use rayon::prelude::*;
    let cwd = std::env::current_dir().unwrap_or_default();
    let resolver = Resolver::new(Vec::new(), true, cwd.clone());
    let files: Vec<std::path::PathBuf> = walk::collect(&[dir.to_path_buf()], &cwd, resolver, false)
        .files
        .into_iter()
        .filter(|f| f.language == Language::Python)
        .map(|f| f.path)
        .collect();
    let bytes: usize = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read(path).unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            let tree = djsec::syntax::python::parse(&text, None);
            black_box(tree.root_node().child_count());
            text.len()
        })
        .sum();
    println!("parsed {} .py files, {bytes} bytes", files.len());
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let (Some("parse-files"), Some(dir)) = (args.first().map(String::as_str), args.get(1)) {
        parse_files(std::path::Path::new(dir));
        return;
    }
    let (Some(workload), Some(lines)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        println!("usage: cargo bench --bench instructions -- WORKLOAD LINES [REPEAT]");
        return;
    };
    let repeat = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(16);
    let python = || generate::python_module(lines, 7);
    let template = || generate::template(lines, 7);
    let mut work = match workload.as_str() {
        "parse-python" => Work::Parse(Language::Python, python()),
        "analyze-python" => Work::Analyze(Language::Python, python()),
        "parse-template" => Work::Parse(Language::Template, template()),
        "analyze-template" => Work::Analyze(Language::Template, template()),
        other if other.starts_with("reparse-") => {
            let Some(spot) = other.strip_prefix("reparse-").and_then(Spot::parse) else {
                eprintln!("instructions: unknown workload {other}");
                std::process::exit(2);
            };
            let text = python();
            let (line, column) = generate::spot(&text, spot);
            let at = text
                .split_inclusive('\n')
                .take(line as usize)
                .map(str::len)
                .sum::<usize>()
                + column as usize;
            let tree = djsec::syntax::python::parse(&text, None);
            Work::Raw {
                text,
                tree,
                at,
                repeat,
            }
        }
        other => {
            let (language, spot) = match other.strip_prefix("template-") {
                Some(rest) => (Language::Template, rest),
                None => (Language::Python, other),
            };
            let Some(spot) = spot.strip_prefix("keystroke-").and_then(Spot::parse) else {
                eprintln!("instructions: unknown workload {other}");
                std::process::exit(2);
            };
            let text = match language {
                Language::Python => python(),
                Language::Template => template(),
            };
            let (line, column) = generate::spot(&text, spot);
            let doc = Document::new(&text, 1, language);
            let mut cache = Cache::default();
            let _ = analysis::analyze_incremental(
                &doc.text(),
                &doc.syntax,
                &Context::default(),
                &mut cache,
            );
            Work::Keystrokes {
                doc: Box::new(doc),
                cache,
                at: Position::new(line, column),
                repeat,
            }
        }
    };
    let result = measured(&mut work);
    println!("{workload} {lines}: {result}");
}
