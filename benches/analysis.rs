//! The engine's costs, per file size: a full parse + analysis (what `djsec check` does per file),
//! and one keystroke in an open document (what the server does per `didChange`: rope edit,
//! incremental reparse, `analyze_incremental` reusing the previous version's findings).
//!
//! Run: `cargo bench --bench analysis` (all), `cargo bench --bench analysis -- keystroke` (a
//! filter). Sizes are lines of generated Django code (`benches/gen/mod.rs`).
//!
//! For figures that do not depend on the machine's load, count instructions with callgrind:
//! `benches/callgrind.sh` (see docs/performance.md).

#[path = "gen/mod.rs"]
mod generate;

use std::sync::Arc;

use divan::{Bencher, black_box};
use djsec::analysis::{self, Cache, Context};
use djsec::document::{Change, Document, Position, PositionEncoding};
use djsec::syntax::{Language, Syntax};

fn main() {
    divan::main();
}

const SIZES: &[usize] = &[1_000, 10_000, 50_000];

fn python(lines: usize) -> String {
    generate::python_module(lines, 7)
}

fn template(lines: usize) -> String {
    generate::template(lines, 7)
}

fn source(language: Language, lines: usize) -> String {
    match language {
        Language::Python => python(lines),
        Language::Template => template(lines),
    }
}

mod full {
    use super::*;

    /// Parse from scratch and analyse: one file of `djsec check`.
    #[divan::bench(args = SIZES)]
    fn python_parse_and_analyze(bencher: Bencher, lines: usize) {
        let text = python(lines);
        let context = Context::default();
        bencher
            .counter(divan::counter::BytesCount::of_str(&text))
            .bench(|| analysis::analyze_text(black_box(&text), Language::Python, &context));
    }

    #[divan::bench(args = SIZES)]
    fn python_parse(bencher: Bencher, lines: usize) {
        let text = python(lines);
        bencher
            .counter(divan::counter::BytesCount::of_str(&text))
            .bench(|| Syntax::parse(Language::Python, black_box(&text)));
    }

    #[divan::bench(args = SIZES)]
    fn python_analyze(bencher: Bencher, lines: usize) {
        let text = python(lines);
        let syntax = Syntax::parse(Language::Python, &text);
        let context = Context::default();
        bencher
            .counter(divan::counter::BytesCount::of_str(&text))
            .bench(|| analysis::analyze(black_box(&text), &syntax, &context));
    }

    #[divan::bench(args = SIZES)]
    fn template_parse_and_analyze(bencher: Bencher, lines: usize) {
        let text = template(lines);
        let context = Context::default();
        bencher
            .counter(divan::counter::BytesCount::of_str(&text))
            .bench(|| analysis::analyze_text(black_box(&text), Language::Template, &context));
    }
}

use generate::Spot;

fn spot_position(text: &str, spot: Spot) -> Position {
    let (line, column) = generate::spot(text, spot);
    Position::new(line, column)
}

mod keystroke {
    use super::*;

    /// One keystroke in an open document: the rope edit, the incremental reparse and
    /// `analyze_incremental` with the previous version's cache. Iterations alternate typing a
    /// character and deleting it, so every iteration is a keystroke on the same-sized file.
    fn keystroke(bencher: Bencher, language: Language, lines: usize, spot: Spot) {
        let text = source(language, lines);
        let context = Context::default();
        let mut doc = Document::new(&text, 1, language);
        let mut cache = Cache::default();
        let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
        let at = spot_position(&text, spot);
        let after = Position::new(at.line, at.character + 1);
        let typed = [Change {
            range: Some((at, at)),
            text: "x".to_string(),
        }];
        let deleted = [Change {
            range: Some((at, after)),
            text: String::new(),
        }];
        let mut version = 1;
        bencher.bench_local(|| {
            version += 1;
            let change = if version % 2 == 0 { &typed } else { &deleted };
            doc.apply_changes(change, version, PositionEncoding::Utf16);
            let text: Arc<str> = doc.text();
            analysis::analyze_incremental(&text, &doc.syntax, &context, &mut cache)
        });
    }

    #[divan::bench(args = SIZES)]
    fn python_end_of_line(bencher: Bencher, lines: usize) {
        keystroke(bencher, Language::Python, lines, Spot::EndOfLine);
    }

    #[divan::bench(args = SIZES)]
    fn python_in_string(bencher: Bencher, lines: usize) {
        keystroke(bencher, Language::Python, lines, Spot::InString);
    }

    #[divan::bench(args = SIZES)]
    fn python_statement_start(bencher: Bencher, lines: usize) {
        keystroke(bencher, Language::Python, lines, Spot::StatementStart);
    }

    #[divan::bench(args = SIZES)]
    fn template_in_string(bencher: Bencher, lines: usize) {
        keystroke(bencher, Language::Template, lines, Spot::InString);
    }

    /// The parts of a keystroke, to see where the time goes: the document update alone (rope
    /// edit, `InputEdit`, incremental reparse, the text copy for analysis).
    #[divan::bench(args = SIZES)]
    fn python_document_update_only(bencher: Bencher, lines: usize) {
        let text = python(lines);
        let mut doc = Document::new(&text, 1, Language::Python);
        let at = spot_position(&text, Spot::EndOfLine);
        let after = Position::new(at.line, at.character + 1);
        let mut version = 1;
        bencher.bench_local(|| {
            version += 1;
            let change = if version % 2 == 0 {
                Change {
                    range: Some((at, at)),
                    text: "x".to_string(),
                }
            } else {
                Change {
                    range: Some((at, after)),
                    text: String::new(),
                }
            };
            doc.apply_changes(&[change], version, PositionEncoding::Utf16);
        });
    }
}

mod project_index {
    use super::*;

    /// `ProjectIndex::build` over a generated project on disk (what `djsec check` does before
    /// analysing, and the server in the background): the walk, reading the settings candidates,
    /// summaries and the derived settings modules. Apps: 50 make about 950 files, 300 about
    /// 5,700 (`benches/gen/mod.rs`). The files stay in the page cache after the first build.
    #[divan::bench(args = [50, 300], sample_count = 20)]
    fn build(bencher: Bencher, apps: usize) {
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(e) => panic!("temporary directory: {e}"),
        };
        let stats = match generate::write_project(dir.path(), apps, 42) {
            Ok(stats) => stats,
            Err(e) => panic!("writing the generated project: {e}"),
        };
        bencher
            .counter(divan::counter::ItemsCount::new(stats.files))
            .bench(|| djsec::project::ProjectIndex::build(black_box(dir.path())));
    }
}
