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
//! the spots of `benches/gen` (`in_string`, `function_statement`, `module_statement`,
//! `import_top`, `decorator`, `class_attribute`, `delete_function`, `paste`, `undo_paste`, and the
//! earlier `end_of_line`, `statement_start`, `in_method`): REPEAT counted edits of the spot's
//! script (typing a word or a statement and deleting it; deleting a function; pasting 200 lines
//! and undoing it) in an open document, after one uncounted cycle of warm-up: rope edit,
//! incremental reparse, `analyze_incremental`. Prefixed `template-`, typing in a generated
//! template, where SPOT may also be `in_variable`, `in_text`, `in_attribute` or `new_tag` (see
//! `benches/gen/template_spots.rs`). `reparse-SPOT` applies the same edits with tree-sitter alone on a `String` (the
//! floor). Python files above 6,000 lines are the 6,000-line module padded with clean code
//! (`generate::python_module_sized`: the same findings).
//!
//! `trace-SPOT LINES N` is for reading, not counting: it prints each of N edits of the spot's
//! script with its wall-clock update and analysis times and the syntax's state (a syntax error,
//! how many trees), and with `TRACE_TREE=1` the top-level statements around the edit.
//!
//! `fanout-dependent LINES REPEAT` (issue 19): a `LINES`-line view module that calls the
//! sanitizer `clean_text()` of `shop/helpers.py` (`benches/gen/fanout.rs`), analysed again as the
//! server does when the helper's summary changes (its text unchanged, a new index snapshot whose
//! `clean_text()` alternately escapes and does not), REPEAT times after one uncounted round;
//! `fanout-dependent-full` does the same from a cleared cache (every finding computed again, the
//! function-facts memo kept), as the server did before a changed answer re-checked only the
//! units that reach the callee. Count `--toggle-collect=instructions::measured_dependent`.
//!
//! Under callgrind count `--toggle-collect=instructions::measured_edit` (one counted edit:
//! `measure_update` is the document update — rope, `InputEdit`, reparse — and
//! `measure_analysis` the analysis), `instructions::measured_raw_edit` for the reparse floor (its `measure_raw_parse` is tree-sitter's reparse alone), and
//! `instructions::measured` for the whole-file workloads. Generating the input, opening the
//! document and the uncounted edits are not counted.

#[path = "gen/mod.rs"]
mod generate;

#[path = "gen/fanout.rs"]
mod fanout;

use std::hint::black_box;

use djsec::analysis::{self, Cache, Context};
use djsec::document::{Change, Document, Position, PositionEncoding};
use djsec::syntax::{Language, Syntax};
use generate::template_spots::TemplateSpot;
use generate::{Script, ScriptEdit, Spot};

enum Work {
    Parse(Language, String),
    Analyze(Language, String),
    Keystrokes {
        doc: Box<Document>,
        cache: Box<Cache>,
        script: Script,
        repeat: usize,
    },
    /// A dependent module analysed again under each index in turn (`fanout-dependent`).
    Dependent {
        text: std::sync::Arc<str>,
        syntax: Syntax,
        contexts: Vec<Context>,
        cache: Box<Cache>,
        repeat: usize,
        /// Clear the cache before each analysis (the behaviour before per-name invalidation).
        clear: bool,
    },
    /// The same edits applied with tree-sitter alone (a `String`, an `InputEdit`, a reparse with
    /// the old tree): the floor for what an edit can cost.
    Raw {
        text: String,
        tree: tree_sitter::Tree,
        script: Script,
        repeat: usize,
    },
}

fn change(edit: &ScriptEdit) -> Change {
    Change {
        range: Some((
            Position::new(edit.start.0, edit.start.1),
            Position::new(edit.end.0, edit.end.1),
        )),
        text: edit.text.clone(),
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

/// One edit the benchmark counts: what the server does for a `didChange` (under callgrind,
/// `--toggle-collect=instructions::measured_edit`).
#[inline(never)]
fn measured_edit(doc: &mut Document, cache: &mut Cache, context: &Context, edit: Change) -> usize {
    measure_update(doc, edit);
    measure_analysis(doc, cache, context)
}

/// An edit that puts the text back (the paste spots' removal, a deleted function's
/// re-insertion), or a warm-up edit: done the same way, not counted.
#[inline(never)]
fn unmeasured_edit(
    doc: &mut Document,
    cache: &mut Cache,
    context: &Context,
    edit: Change,
) -> usize {
    // Not the same machine code as `measured_edit`: the linker would fold the two functions
    // into one, and callgrind would count the uncounted edits too.
    black_box(0xE);
    measure_update(doc, edit);
    measure_analysis(doc, cache, context)
}

/// A byte offset from a (line, byte column) position (the generated Python is ASCII).
fn byte_at(text: &str, (line, column): (u32, u32)) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize)
        .map(str::len)
        .sum();
    (start + column as usize).min(text.len())
}

#[inline(never)]
fn measure_raw_reparse(text: &mut String, tree: &mut tree_sitter::Tree, edit: &ScriptEdit) {
    // Vectorised line counting, as the document's rope does it: a `str::matches` count here
    // would cost more than the reparse it is measured with.
    let point = |text: &str, byte: usize| {
        let before = &text.as_bytes()[..byte];
        let row = memchr::memchr_iter(b'\n', before).count();
        let column = byte - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        tree_sitter::Point { row, column }
    };
    let (at, end) = (byte_at(text, edit.start), byte_at(text, edit.end));
    let start_position = point(text, at);
    let old_end_position = point(text, end);
    text.replace_range(at..end, &edit.text);
    tree.edit(&tree_sitter::InputEdit {
        start_byte: at,
        old_end_byte: end,
        new_end_byte: at + edit.text.len(),
        start_position,
        old_end_position,
        new_end_position: point(text, at + edit.text.len()),
    });
    *tree = measure_raw_parse(text, tree);
}

/// One counted edit with tree-sitter alone (`--toggle-collect=instructions::measured_raw_edit`).
#[inline(never)]
fn measured_raw_edit(text: &mut String, tree: &mut tree_sitter::Tree, edit: &ScriptEdit) {
    measure_raw_reparse(text, tree, edit);
}

/// The reparse alone (what `benches/callgrind.sh` reports as the tree-sitter floor).
#[inline(never)]
fn measure_raw_parse(text: &str, old: &tree_sitter::Tree) -> tree_sitter::Tree {
    djsec::syntax::python::parse(text, Some(old))
}

/// One re-analysis of a dependent after the helper's summary changed
/// (`--toggle-collect=instructions::measured_dependent`).
#[inline(never)]
fn measured_dependent(
    text: &std::sync::Arc<str>,
    syntax: &Syntax,
    context: &Context,
    cache: &mut Cache,
    clear: bool,
) -> usize {
    if clear {
        cache.clear();
    }
    analysis::analyze_incremental(text, syntax, context, cache).len()
}

/// The same, uncounted (warm-up).
#[inline(never)]
fn unmeasured_dependent(
    text: &std::sync::Arc<str>,
    syntax: &Syntax,
    context: &Context,
    cache: &mut Cache,
) -> usize {
    black_box(0xF);
    analysis::analyze_incremental(text, syntax, context, cache).len()
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
            script,
            repeat,
        } => {
            let mut findings = 0;
            // One cycle of warm-up, then `repeat` counted edits (and the uncounted ones between
            // them).
            let warmup = script.cycle.len();
            let mut counted = 0;
            let mut i = 0;
            while counted < *repeat {
                let edit = script.edit(i);
                if i >= warmup && edit.measured {
                    findings += measured_edit(doc, cache, &context, change(edit));
                    counted += 1;
                } else {
                    findings += unmeasured_edit(doc, cache, &context, change(edit));
                }
                i += 1;
            }
            findings
        }
        Work::Dependent {
            text,
            syntax,
            contexts,
            cache,
            repeat,
            clear,
        } => {
            let mut findings = 0;
            for context in contexts.iter() {
                findings += unmeasured_dependent(text, syntax, context, cache);
            }
            for i in 0..*repeat {
                let context = &contexts[i % contexts.len()];
                findings += measured_dependent(text, syntax, context, cache, *clear);
            }
            findings
        }
        Work::Raw {
            text,
            tree,
            script,
            repeat,
        } => {
            let warmup = script.cycle.len();
            let mut counted = 0;
            let mut i = 0;
            while counted < *repeat {
                let edit = script.edit(i).clone();
                if i >= warmup && edit.measured {
                    measured_raw_edit(text, tree, &edit);
                    counted += 1;
                } else {
                    measure_raw_reparse(text, tree, &edit);
                }
                i += 1;
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

/// `trace-SPOT LINES N`: N edits of the spot's script (after one cycle of warm-up), each
/// printed with its wall-clock document update and analysis times and the state of the syntax
/// (whether the whole-file tree has an error, how many trees make it up): which keystrokes of a
/// script are the slow ones, and why.
fn trace(spot: Spot, lines: usize, repeat: usize) {
    use std::time::Instant;
    let script = generate::script(&generate::python_module_sized(lines, 7), spot);
    let context = Context::default();
    let mut doc = Document::new(&script.text, 1, Language::Python);
    let mut cache = Cache::default();
    let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    let warmup = script.cycle.len();
    for i in 0..warmup + repeat {
        let edit = script.edit(i);
        let started = Instant::now();
        measure_update(&mut doc, change(edit));
        let updated = Instant::now();
        let findings = measure_analysis(&doc, &mut cache, &context);
        let analysed = Instant::now();
        if i < warmup {
            continue;
        }
        if std::env::var_os("TRACE_TREE").is_some()
            && let Syntax::Python(tree) = &doc.syntax
        {
            let top = tree.top_level();
            let row = edit.start.0 as usize;
            let at = top.partition_point(|n| n.end_position().row < row);
            for n in top.iter().skip(at.saturating_sub(1)).take(3) {
                let sexp = n.to_sexp();
                println!(
                    "     {} rows {}..{} {}",
                    top.len(),
                    n.start_position().row,
                    n.end_position().row,
                    sexp.get(..200).unwrap_or(&sexp)
                );
            }
        }
        let (error, trees) = match &doc.syntax {
            Syntax::Python(tree) => (tree.has_error(), tree.tree_count()),
            Syntax::Template(_) => (false, 1),
        };
        println!(
            "{i:4} {:>14} update {:8.2} ms  analysis {:8.2} ms  error {error:5}  trees {trees:2}  findings {findings}",
            format!("{:?}", edit.text.chars().take(12).collect::<String>()),
            (updated - started).as_secs_f64() * 1e3,
            (analysed - updated).as_secs_f64() * 1e3,
        );
    }
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
    if let Some(spot) = workload.strip_prefix("trace-").and_then(Spot::parse) {
        trace(spot, lines, repeat);
        return;
    }
    // Under valgrind a parse runs some 50 times slower than natively: a large template's first
    // parse would pass the HTML parser's wall-clock limit and leave the document without a tree.
    djsec::syntax::template::html::set_wall_clock_limit(false);
    let python = || generate::python_module_sized(lines, 7);
    let template = || generate::template(lines, 7);
    let mut work = match workload.as_str() {
        "parse-python" => Work::Parse(Language::Python, python()),
        "analyze-python" => Work::Analyze(Language::Python, python()),
        "parse-template" => Work::Parse(Language::Template, template()),
        "analyze-template" => Work::Analyze(Language::Template, template()),
        "fanout-dependent" | "fanout-dependent-full" => {
            dependent_work(lines, repeat, workload == "fanout-dependent-full")
        }
        other if other.starts_with("reparse-") => {
            let Some(spot) = other.strip_prefix("reparse-").and_then(Spot::parse) else {
                eprintln!("instructions: unknown workload {other}");
                std::process::exit(2);
            };
            let script = generate::script(&python(), spot);
            let text = script.text.clone();
            let tree = djsec::syntax::python::parse(&text, None);
            Work::Raw {
                text,
                tree,
                script,
                repeat,
            }
        }
        other => {
            let (language, spot) = match other.strip_prefix("template-") {
                Some(rest) => (Language::Template, rest),
                None => (Language::Python, other),
            };
            let name = spot.strip_prefix("keystroke-").unwrap_or("");
            let template_spot =
                TemplateSpot::parse(name).filter(|_| language == Language::Template);
            let script = match (language, Spot::parse(name), template_spot) {
                (_, _, Some(spot)) => {
                    let text = template();
                    let (line, column) = spot.locate(&text);
                    generate::typing_script(text, line, column, spot.word())
                }
                (Language::Python, Some(spot), _) => generate::script(&python(), spot),
                (Language::Template, Some(spot), _) => {
                    let text = template();
                    let (line, column) = generate::spot(&text, spot);
                    generate::typing_script(text, line, column, generate::WORD)
                }
                _ => {
                    eprintln!("instructions: unknown workload {other}");
                    std::process::exit(2);
                }
            };
            let doc = Document::new(&script.text, 1, language);
            let mut cache = Cache::default();
            let _ = analysis::analyze_incremental(
                &doc.text(),
                &doc.syntax,
                &Context::default(),
                &mut cache,
            );
            Work::Keystrokes {
                doc: Box::new(doc),
                cache: Box::new(cache),
                script,
                repeat,
            }
        }
    };
    let result = measured(&mut work);
    println!("{workload} {lines}: {result}");
}

/// `fanout-dependent`: a dependent of `clean_text()` and the index snapshots it is analysed
/// under, alternately with the sanitizing and the non-sanitizing helper. Each snapshot derives
/// from the previous one by the helper's new facts, as in the server (the same settings and
/// URLconf: only the recorded answers tell the change), so that consecutive analyses see a new
/// snapshot every time.
fn dependent_work(lines: usize, repeat: usize, clear: bool) -> Work {
    use std::path::Path;
    use std::sync::Arc;
    let root = Path::new("/p");
    let helper = fanout::helper_module(600, 7);
    let unsafe_helper = fanout::unsafe_helper(&helper);
    let dependent = fanout::dependent_module(lines, 11);
    let settings = "DEBUG = False\nROOT_URLCONF = 'shop.urls'\n";
    let urls = "from django.urls import path\n\nfrom . import views\n\nurlpatterns = [path('b/', views.fanout_banner)]\n";
    let files = [
        (
            "manage.py",
            "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n",
        ),
        ("settings.py", settings),
        ("shop/__init__.py", ""),
        ("shop/urls.py", urls),
        (fanout::HELPER, helper.as_str()),
        ("shop/views.py", dependent.as_str()),
    ];
    let mut index = djsec::project::ProjectIndex::from_files(root, &files);
    let helper_path = root.join(fanout::HELPER);
    let mut contexts = Vec::new();
    for text in [&unsafe_helper, &helper, &unsafe_helper, &helper] {
        if let Some(next) = index.update_file(&helper_path, text) {
            index = next;
        }
        contexts.push(Context {
            project: Some(Arc::new(index.clone())),
            ..Context::for_path(root.join("shop/views.py"))
        });
    }
    let text: Arc<str> = Arc::from(dependent.as_str());
    let syntax = Syntax::parse(Language::Python, &dependent);
    let mut cache = Cache::default();
    let first = Context {
        project: Some(Arc::new(index)),
        ..Context::for_path(root.join("shop/views.py"))
    };
    let _ = analysis::analyze_incremental(&text, &syntax, &first, &mut cache);
    Work::Dependent {
        text,
        syntax,
        contexts,
        cache: Box::new(cache),
        repeat,
        clear,
    }
}
