//! Property test: random edit scripts applied incrementally (rope + `InputEdit` + reparse with the
//! old tree) give the same text, the same syntax tree and the same findings as a fresh parse:
//! typing, random edits, module-level edits (whole lines: imports, constants, decorators,
//! definitions added and deleted), and pasting 200 lines of a generated views module and
//! undoing the paste.

#[path = "../benches/gen/mod.rs"]
mod generate;

use djsec::analysis::{self, Context};
use djsec::document::{Change, Document, Position, PositionEncoding};
use djsec::syntax::{Language, Syntax};
use proptest::prelude::*;

const PYTHON_SEED: &str = include_str!("fixtures/project/app/views.py");
/// Class-based views inheriting from each other, function views and module-level statements:
/// the module-scoped checks have findings here, which analysis reuses across edits in function
/// bodies.
const CLASS_VIEWS_SEED: &str = include_str!("fixtures/incremental/views.py");
const TEMPLATE_SEED: &str = "{% extends 'base.html' %}\n{% block content %}\n<form method=\"post\">\n  {% csrf_token %}\n  <a href=\"{{ url }}\">{{ name|safe }}</a>\n</form>\n<script>var x = {{ data }};</script>\n{% endblock %}\n";

/// Pieces that make edits interesting: Python and template syntax, non-ASCII, astral, CRLF.
const SNIPPETS: &[&str] = &[
    "",
    "x",
    " ",
    "\n",
    "\r\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "f\"{name}\"",
    "mark_safe(",
    "def f(request):\n    ",
    "é",
    "😀",
    "{{ ",
    " }}",
    "{% if x %}",
    "{% endif %}",
    "<div>",
    "</div>",
    "# djsec: ignore[DJS101]",
    "\t",
    "\0",
];

/// One edit: replace `len` chars starting at char `start` (both taken modulo the text).
#[derive(Debug, Clone)]
struct EditOp {
    start: usize,
    len: usize,
    snippet: usize,
}

fn edit_strategy() -> impl Strategy<Value = EditOp> {
    (0usize..10_000, 0usize..12, 0usize..SNIPPETS.len()).prop_map(|(start, len, snippet)| EditOp {
        start,
        len,
        snippet,
    })
}

/// Typing at one spot: edits of at most two characters within a few characters of each other,
/// what an editor sends on every keystroke (the path incremental analysis is built for).
fn typing_strategy() -> impl Strategy<Value = Vec<EditOp>> {
    (
        0usize..10_000,
        proptest::collection::vec((0usize..4, 0usize..2, 0usize..SNIPPETS.len()), 1..40),
    )
        .prop_map(|(spot, keys)| {
            keys.into_iter()
                .map(|(offset, len, snippet)| EditOp {
                    start: spot + offset,
                    len,
                    snippet,
                })
                .collect()
        })
}

/// UTF-16 or UTF-8 position of a char index in `text`.
fn position(text: &str, char_idx: usize, encoding: PositionEncoding) -> Position {
    let byte = text
        .char_indices()
        .nth(char_idx)
        .map_or(text.len(), |(b, _)| b);
    let before = &text[..byte];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = match encoding {
        PositionEncoding::Utf8 => byte - line_start,
        PositionEncoding::Utf16 => text[line_start..byte].chars().map(char::len_utf16).sum(),
        PositionEncoding::Utf32 => text[line_start..byte].chars().count(),
    };
    Position::new(line as u32, col as u32)
}

fn check_script(language: Language, seed: &str, ops: &[EditOp], encoding: PositionEncoding) {
    let mut doc = Document::new(seed, 1, language);
    let mut expected = seed.to_string();
    let context = Context::default();
    let mut cache = analysis::Cache::default();
    let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    for (i, op) in ops.iter().enumerate() {
        let chars = expected.chars().count();
        let start = op.start % (chars + 1);
        let end = (start + op.len).min(chars);
        let change = Change {
            range: Some((
                position(&expected, start, encoding),
                position(&expected, end, encoding),
            )),
            text: SNIPPETS[op.snippet].to_string(),
        };
        doc.apply_changes(std::slice::from_ref(&change), i as i32 + 2, encoding);
        // Reference: apply the same positions with a straightforward string implementation.
        let (s, e) = change.range.map_or((0, expected.len()), |(s, e)| {
            (
                byte_of(&expected, s, encoding),
                byte_of(&expected, e, encoding),
            )
        });
        let (s, e) = (s.min(e), s.max(e));
        expected.replace_range(s..e, &change.text);
        // Like the server, analyse some versions and skip others.
        if i % 3 != 1 {
            let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
        }
    }
    let analysed_incrementally =
        analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    let text = doc.text();
    assert_eq!(&*text, expected.as_str(), "text differs");
    let fresh = Syntax::parse(language, &expected);
    let (incremental_tree, fresh_tree) = (doc.syntax.to_sexp(), fresh.to_sexp());
    // tree-sitter's error recovery depends on the trees it reuses: around syntax errors an
    // incremental reparse may place ERROR nodes differently from a fresh parse. Everywhere
    // else the trees are the same.
    if !fresh_tree.contains("(ERROR") && !fresh_tree.contains("(MISSING") {
        assert_eq!(
            incremental_tree, fresh_tree,
            "incremental tree differs from a fresh parse"
        );
    }
    let context = Context::default();
    let full = analysis::analyze(&expected, &fresh, &context);
    assert_eq!(
        analysis::analyze(&text, &doc.syntax, &context),
        full,
        "findings differ"
    );
    // The server's path: analysis reusing the findings of the previous versions.
    assert_eq!(analysed_incrementally, full, "incremental analysis differs");
    if language == Language::Python {
        assert_same_facts(&cache, &expected, &doc.syntax, &context);
    }
}

/// The buffer's project facts (function summaries, access and render facts, with their lines)
/// that the incremental analysis kept and computed equal those of a whole-file summary of the
/// same tree (around syntax errors an incremental reparse may give another tree than a fresh
/// parse): the server hands them to the project index.
fn assert_same_facts(cache: &analysis::Cache, text: &str, syntax: &Syntax, context: &Context) {
    let Some(own) = cache.own_facts() else {
        panic!("no facts after a Python analysis");
    };
    let Syntax::Python(tree) = syntax else {
        panic!("not Python");
    };
    let model = djsec::semantic::Model::build(text, tree, &context.tables);
    let whole = djsec::project::facts::FileFacts::from_model(&model);
    if **own == whole {
        return;
    }
    // Name what differs: the whole facts are long.
    fn differ<V: PartialEq + std::fmt::Debug>(
        what: &str,
        a: &std::collections::BTreeMap<String, V>,
        b: &std::collections::BTreeMap<String, V>,
    ) -> Vec<String> {
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| format!("{what} {k}: {:?} != {:?}", a.get(k), b.get(k)))
            .collect()
    }
    let mut diffs = differ("function", &own.functions, &whole.functions);
    diffs.extend(differ("decorator", &own.decorators, &whole.decorators));
    diffs.extend(differ("class", &own.classes, &whole.classes));
    diffs.extend(differ("import", &own.imports, &whole.imports));
    if own.render != whole.render {
        diffs.push(format!("render: {:?} != {:?}", own.render, whole.render));
    }
    if own.host_checks != whole.host_checks {
        diffs.push("host checks".to_string());
    }
    panic!(
        "facts differ from a whole-file summary (incremental != whole):\n{}\nof:\n{text}",
        diffs.join("\n")
    );
}

/// Reference conversion of a position to a byte offset (clamping like the server does).
fn byte_of(text: &str, pos: Position, encoding: PositionEncoding) -> usize {
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == pos.line as usize {
            let content = line.strip_suffix('\n').unwrap_or(line);
            let content = content.strip_suffix('\r').unwrap_or(content);
            let mut units = 0usize;
            for (b, ch) in content.char_indices() {
                let width = match encoding {
                    PositionEncoding::Utf8 => ch.len_utf8(),
                    PositionEncoding::Utf16 => ch.len_utf16(),
                    PositionEncoding::Utf32 => 1,
                };
                if units + width > pos.character as usize {
                    return offset + b;
                }
                units += width;
            }
            return offset + content.len();
        }
        offset += line.len();
    }
    text.len()
}

/// Whole lines that module-level edits insert: imports (new names, rebinding names the seeds
/// use, a star import), constants read by views, decorators, definitions, a name every check
/// reads, a module-level statement that names a view.
const LINES: &[&str] = &[
    "import os\n",
    "from django.utils.safestring import mark_safe\n",
    "from django.utils.safestring import mark_safe as ms\n",
    "from django.utils.html import format_html, escape\n",
    "from django.contrib.auth.mixins import LoginRequiredMixin\n",
    "from django.utils.safestring import *\n",
    "mark_safe = str\n",
    "TITLE = request.GET['t']\n",
    "PAGE_SIZE = 20\n",
    "@csrf_exempt\n",
    "@login_required\n",
    "def format_html(request):\n    return mark_safe(request.GET['q'])\n\n",
    "class OrderForm(forms.ModelForm):\n    class Meta:\n        fields = '__all__'\n\n",
    "class Child(BaseOrderView):\n    pass\n\n",
    "urlpatterns = []\n",
    "search.allow_tags = True\n",
    "\n",
    "",
];

/// A module-level edit: at the start of line `line` (modulo the line count), delete `delete`
/// whole lines and insert `LINES[insert]`.
#[derive(Debug, Clone)]
struct LineOp {
    line: usize,
    delete: usize,
    insert: usize,
}

fn line_strategy() -> impl Strategy<Value = Vec<LineOp>> {
    proptest::collection::vec(
        (0usize..10_000, 0usize..4, 0usize..LINES.len()).prop_map(|(line, delete, insert)| {
            LineOp {
                line,
                delete: if delete == 3 { 0 } else { delete },
                insert,
            }
        }),
        1..16,
    )
}

/// The byte offset of the start of line `line` of `text` (its end when past the last line).
fn line_start(text: &str, line: usize) -> usize {
    if line == 0 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 1)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// Apply whole-line edits through the document and the incremental analysis; after each,
/// compare with a full analysis of the text.
fn check_line_script(seed: &str, ops: &[LineOp]) {
    let mut doc = Document::new(seed, 1, Language::Python);
    let context = Context::default();
    let mut cache = analysis::Cache::default();
    let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    let mut text = seed.to_string();
    for (i, op) in ops.iter().enumerate() {
        let lines = text.matches('\n').count() + 1;
        let line = op.line % lines;
        let end_line = (line + op.delete).min(lines);
        let (start, end) = (line_start(&text, line), line_start(&text, end_line));
        let change = Change {
            range: Some((
                Position::new(line as u32, 0),
                position(&text, text[..end].chars().count(), PositionEncoding::Utf16),
            )),
            text: LINES[op.insert].to_string(),
        };
        doc.apply_changes(
            std::slice::from_ref(&change),
            i as i32 + 2,
            PositionEncoding::Utf16,
        );
        text.replace_range(start..end, LINES[op.insert]);
        assert_eq!(&*doc.text(), text.as_str(), "text differs");
        let incremental =
            analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
        let full = analysis::analyze_text(&text, Language::Python, &context);
        assert_eq!(
            incremental, full,
            "incremental analysis differs after:\n{text}"
        );
        assert_same_facts(&cache, &text, &doc.syntax, &context);
    }
}

/// A generated views module of about 900 lines (views, class-based views, models, forms,
/// helpers, the patterns djsec reports).
fn generated_seed() -> String {
    generate::python_module(900, 3)
}

/// The starts of the top-level definitions of `text` (byte offsets of whole lines).
fn definition_starts(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut previous = "";
    for line in text.split_inclusive('\n') {
        let starts =
            line.starts_with("def ") || line.starts_with("class ") || line.starts_with('@');
        if starts && !previous.starts_with('@') {
            out.push(offset);
        }
        previous = line;
        offset += line.len();
    }
    out
}

/// Paste the definitions from the `from`-th definition on (about `PASTE_LINES` lines) before
/// the `to`-th, analyse, then undo the paste and analyse again: both incremental analyses equal
/// full ones.
fn check_paste(seed: &str, from: usize, to: usize) {
    let starts = definition_starts(seed);
    let from = starts[from % starts.len()];
    let end = starts
        .iter()
        .copied()
        .filter(|&e| e > from)
        .min_by_key(|&e| {
            seed[from..e]
                .matches('\n')
                .count()
                .abs_diff(generate::PASTE_LINES)
        })
        .unwrap_or(seed.len());
    let block = &seed[from..end];
    let at = starts[to % starts.len()];
    let at_position = position(seed, seed[..at].chars().count(), PositionEncoding::Utf16);
    let context = Context::default();
    let mut doc = Document::new(seed, 1, Language::Python);
    let mut cache = analysis::Cache::default();
    let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    let paste = Change {
        range: Some((at_position, at_position)),
        text: block.to_string(),
    };
    doc.apply_changes(&[paste], 2, PositionEncoding::Utf16);
    let pasted = format!("{}{block}{}", &seed[..at], &seed[at..]);
    assert_eq!(&*doc.text(), pasted.as_str());
    let incremental = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    assert_eq!(
        incremental,
        analysis::analyze_text(&pasted, Language::Python, &context),
        "paste of {} lines at byte {at}",
        block.matches('\n').count()
    );
    assert_same_facts(&cache, &pasted, &doc.syntax, &context);
    let block_end = position(
        &pasted,
        pasted[..at + block.len()].chars().count(),
        PositionEncoding::Utf16,
    );
    let undo = Change {
        range: Some((at_position, block_end)),
        text: String::new(),
    };
    doc.apply_changes(&[undo], 3, PositionEncoding::Utf16);
    assert_eq!(&*doc.text(), seed);
    let incremental = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    assert_eq!(
        incremental,
        analysis::analyze_text(seed, Language::Python, &context),
        "undoing the paste at byte {at}"
    );
    assert_same_facts(&cache, seed, &doc.syntax, &context);
}

/// The top-level statements of a syntax with their byte ranges and positions, and its s-expression:
/// what a block reparse must give as a whole-file parse does.
/// A statement's byte range, start and end (row, column).
type Placed = (usize, usize, (usize, usize), (usize, usize));

fn shape(syntax: &Syntax) -> (String, Vec<Placed>) {
    let Syntax::Python(tree) = syntax else {
        return (syntax.to_sexp(), Vec::new());
    };
    let statements = tree
        .named_top_level()
        .iter()
        .map(|n| {
            let (s, e) = (n.start_position(), n.end_position());
            (
                n.start_byte(),
                n.end_byte(),
                (s.row, s.column),
                (e.row, e.column),
            )
        })
        .collect();
    (tree.to_sexp(), statements)
}

/// Keystrokes and whole-line edits on a generated module, the syntax reparsed block by block:
/// after every edit that leaves no syntax error, the same statements at the same places as a
/// whole-file parse; and the blocks are used.
fn check_blocks(seed: &str, ops: &[(usize, usize, usize)]) -> usize {
    let mut doc = Document::new(seed, 1, Language::Python);
    let mut text = seed.to_string();
    let mut blocks_used = 0;
    for (i, &(at, delete, insert)) in ops.iter().enumerate() {
        let chars = text.chars().count();
        let start = at % (chars + 1);
        let end = (start + delete).min(chars);
        let snippet = if insert % 2 == 0 {
            SNIPPETS[insert / 2 % SNIPPETS.len()]
        } else {
            LINES[insert / 2 % LINES.len()]
        };
        let change = Change {
            range: Some((
                position(&text, start, PositionEncoding::Utf16),
                position(&text, end, PositionEncoding::Utf16),
            )),
            text: snippet.to_string(),
        };
        doc.apply_changes(&[change], i as i32 + 2, PositionEncoding::Utf16);
        let (s, e) = (byte_index(&text, start), byte_index(&text, end));
        text.replace_range(s..e, snippet);
        let Syntax::Python(tree) = &doc.syntax else {
            continue;
        };
        if tree.has_error() {
            continue;
        }
        blocks_used += usize::from(tree.tree_count() > 1);
        let fresh = Syntax::parse(Language::Python, &text);
        assert_eq!(shape(&doc.syntax), shape(&fresh), "after edit {i}:\n{text}");
    }
    blocks_used
}

fn byte_index(text: &str, char_idx: usize) -> usize {
    text.char_indices()
        .nth(char_idx)
        .map_or(text.len(), |(b, _)| b)
}

/// 48 random edit scripts per test, from a fixed seed so that CI is deterministic; set
/// `PROPTEST_RNG_SEED` (a number) to explore other scripts. Failures found that way go to
/// `tests/incremental.proptest-regressions` and are replayed first on every run.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig {
        cases: 48,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(0x646a_7365_6321);
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn python_edits_utf16(ops in proptest::collection::vec(edit_strategy(), 1..40)) {
        check_script(Language::Python, PYTHON_SEED, &ops, PositionEncoding::Utf16);
    }

    #[test]
    fn python_edits_utf8(ops in proptest::collection::vec(edit_strategy(), 1..40)) {
        check_script(Language::Python, PYTHON_SEED, &ops, PositionEncoding::Utf8);
    }

    #[test]
    fn class_views_edits(ops in proptest::collection::vec(edit_strategy(), 1..40)) {
        check_script(Language::Python, CLASS_VIEWS_SEED, &ops, PositionEncoding::Utf16);
    }

    #[test]
    fn class_views_typing(ops in typing_strategy()) {
        check_script(Language::Python, CLASS_VIEWS_SEED, &ops, PositionEncoding::Utf16);
    }

    #[test]
    fn module_level_edits_class_views(ops in line_strategy()) {
        check_line_script(CLASS_VIEWS_SEED, &ops);
    }

    #[test]
    fn module_level_edits_views(ops in line_strategy()) {
        check_line_script(PYTHON_SEED, &ops);
    }

    #[test]
    fn blocks_reparse_like_the_whole_file(
        ops in proptest::collection::vec((0usize..40_000, 0usize..30, 0usize..80), 1..40)
    ) {
        check_blocks(&generate::python_module(700, 5), &ops);
    }

    #[test]
    fn paste_and_undo_200_lines(from in 0usize..1000, to in 0usize..1000) {
        check_paste(&generated_seed(), from, to);
    }

    #[test]
    fn template_edits_utf16(ops in proptest::collection::vec(edit_strategy(), 1..40)) {
        check_script(Language::Template, TEMPLATE_SEED, &ops, PositionEncoding::Utf16);
    }
}

/// Every single keystroke in the class-views seed (a character typed before each character,
/// and each character deleted), analysed with the cache of the seed, gives the findings of a
/// full analysis. Deterministic and exhaustive where the property tests sample.
#[test]
fn every_keystroke_in_class_views_matches_a_full_analysis() {
    let context = Context::default();
    let seed: std::sync::Arc<str> = std::sync::Arc::from(CLASS_VIEWS_SEED);
    let mut primed = analysis::Cache::default();
    let seed_syntax = Syntax::parse(Language::Python, CLASS_VIEWS_SEED);
    let _ = analysis::analyze_incremental(&seed, &seed_syntax, &context, &mut primed);
    let boundaries: Vec<usize> = CLASS_VIEWS_SEED.char_indices().map(|(i, _)| i).collect();
    let mut checked = 0;
    for &at in &boundaries {
        let next = CLASS_VIEWS_SEED[at..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8());
        let typed = format!("{}x{}", &CLASS_VIEWS_SEED[..at], &CLASS_VIEWS_SEED[at..]);
        let deleted = format!("{}{}", &CLASS_VIEWS_SEED[..at], &CLASS_VIEWS_SEED[next..]);
        for edited in [typed, deleted] {
            let syntax = Syntax::parse(Language::Python, &edited);
            let full = analysis::analyze(&edited, &syntax, &context);
            let mut cache = primed.clone();
            let text: std::sync::Arc<str> = std::sync::Arc::from(edited.as_str());
            let incremental = analysis::analyze_incremental(&text, &syntax, &context, &mut cache);
            assert_eq!(incremental, full, "keystroke at byte {at}:\n{edited}");
            assert_same_facts(&cache, &edited, &syntax, &context);
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * boundaries.len());
}

/// Typing in one definition after another reparses blocks (and gives the whole-file parse's
/// tree).
#[test]
fn typing_uses_blocks() {
    let seed = generate::python_module(700, 5);
    // Inside each docstring (the text is ASCII: bytes are chars), from the last to the first so
    // that the earlier offsets stay right.
    let mut ops: Vec<(usize, usize, usize)> = seed
        .match_indices("\"\"\"")
        .step_by(2)
        .map(|(i, _)| (i + 3, 0, 2))
        .collect();
    ops.reverse();
    assert!(ops.len() > 20);
    // All but the edit that finds the blocks too many and parses the whole file again.
    assert!(check_blocks(&seed, &ops) >= ops.len() - ops.len() / 16);
}

/// The clean code the large benchmark modules are padded with has no findings, so that a
/// 50,000-line benchmark file carries the findings of the 6,000-line one and nothing more.
#[test]
fn benchmark_padding_is_clean() {
    let text = generate::clean_module(1_500, 7);
    let findings = analysis::analyze_text(&text, Language::Python, &Context::default());
    assert_eq!(findings, Vec::new());
    assert!(text.matches('\n').count() >= 1_500);
    // The padded module and the text each benchmark spot opens parse without a syntax error.
    let sized = generate::python_module_sized(generate::CORE_LINES + 1_500, 7);
    for spot in generate::Spot::EVERY {
        let script = generate::script(&sized, spot);
        let tree = djsec::syntax::python::parse(&script.text, None);
        assert!(!tree.root_node().has_error(), "{spot}");
        assert!(script.measured_per_cycle() > 0, "{spot}");
    }
}

/// Template pieces for edits at tag, block, script, style, form, comment and attribute
/// boundaries (and the words that make incremental template analysis start over).
const TEMPLATE_SNIPPETS: &[&str] = &[
    "",
    "x",
    " ",
    "\n",
    "\"",
    "'",
    "<",
    ">",
    "=",
    "{",
    "}",
    "%",
    "{{ ",
    " }}",
    "{{ x|safe }}",
    "{{ request.GET.q }}",
    "{% if x %}",
    "{% endif %}",
    "{% for item in items %}",
    "{% endfor %}",
    "{% with a=request.GET.q %}",
    "{% endwith %}",
    "{% autoescape off %}",
    "{% endautoescape %}",
    "{% csrf_token %}",
    "{% debug %}",
    "{% comment %}",
    "{% endcomment %}",
    "{% verbatim %}",
    "{% endverbatim %}",
    "{# djsec: ignore[DJS501] #}",
    "{# c #}",
    "<!-- ",
    " -->",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<form method=\"post\">",
    "</form>",
    "<div>",
    "</div>",
    "<a href=\"",
    "\" target=\"_blank\">",
    "onclick=\"f({{ x }})\"",
    "{{ v|json_script:\"v-data\" }}",
    "é",
];

/// A template with every construct the template rules read, for the exhaustive test.
const TEMPLATE_RULES_SEED: &str = "{% extends 'base.html' %}\n{% block content %}\n<form method=\"post\" action=\"/x\">\n  <input name=\"q\" value=\"{{ request.GET.q }}\">\n</form>\n<form method=\"get\">{% csrf_token %}</form>\n{% autoescape off %}\n  <p>{{ body }}</p>\n  {% include 'x.html' %}\n{% endautoescape %}\n<script>\n  var a = \"{{ name }}\";\n  var b = {{ data|safe }};\n</script>\n<style>p { color: {{ color }}; }</style>\n<a href=\"{{ url }}\" target=\"_blank\" onclick=\"go({{ id }})\">{{ label|safe }}</a>\n<div class={{ cls }}>{{ text|escapejs }}</div>\n{% for item in items %}<li>{{ item.html|safe }}</li>{% endfor %}\n{% with q=request.GET.q %}<b>{{ q|safe }}</b>{% endwith %}\n{% filter upper|safe %}x{% endfilter %}\n<script src=\"http://cdn.example.com/x.js\"></script>\n{% debug %}\n{# djsec: ignore[DJS501] #}{{ z|safe }}\n{% endblock %}\n";

/// Apply template edits one at a time; after each, incremental analysis (reusing the previous
/// version's findings) gives the findings of a full analysis of the same syntax; at the end,
/// those of a fresh parse too. Returns how many analyses kept findings outside a scope.
fn check_template_edits(seed: &str, ops: &[EditOp]) -> usize {
    let encoding = PositionEncoding::Utf16;
    let mut doc = Document::new(seed, 1, Language::Template);
    let context = Context::default();
    let mut cache = analysis::Cache::default();
    let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    let mut scoped = 0;
    for (i, op) in ops.iter().enumerate() {
        let text = doc.text();
        let chars = text.chars().count();
        let start = op.start % (chars + 1);
        let end = (start + op.len).min(chars);
        let change = Change {
            range: Some((
                position(&text, start, encoding),
                position(&text, end, encoding),
            )),
            text: TEMPLATE_SNIPPETS[op.snippet % TEMPLATE_SNIPPETS.len()].to_string(),
        };
        doc.apply_changes(std::slice::from_ref(&change), i as i32 + 2, encoding);
        let text = doc.text();
        let incremental = analysis::analyze_incremental(&text, &doc.syntax, &context, &mut cache);
        scoped += usize::from(cache.template_scope().is_some());
        let full = analysis::analyze(&text, &doc.syntax, &context);
        assert_eq!(incremental, full, "after edit {i} ({change:?}):\n{text}");
        if let Syntax::Template(t) = &doc.syntax {
            assert_eq!(
                t.tokens,
                djsec::syntax::template::lexer::tokenize(&text),
                "tokens after edit {i} ({change:?}):\n{text}"
            );
        }
    }
    let text = doc.text();
    let fresh = Syntax::parse(Language::Template, &text);
    // The elements of unchanged subtrees are taken from the previous parse: the same as a fresh
    // parse's (where error recovery placed no ERROR node differently).
    let fresh_tree = fresh.to_sexp();
    if !fresh_tree.contains("(ERROR") && !fresh_tree.contains("(MISSING") {
        assert_eq!(doc.syntax.to_sexp(), fresh_tree, "syntax differs:\n{text}");
    }
    assert_eq!(
        analysis::analyze_incremental(&text, &doc.syntax, &context, &mut cache),
        analysis::analyze(&text, &fresh, &context),
        "differs from a fresh parse:\n{text}"
    );
    scoped
}

fn template_edit_strategy() -> impl Strategy<Value = EditOp> {
    (0usize..20_000, 0usize..12, 0usize..TEMPLATE_SNIPPETS.len()).prop_map(
        |(start, len, snippet)| EditOp {
            start,
            len,
            snippet,
        },
    )
}

/// Typing at one spot with template pieces.
fn template_typing_strategy() -> impl Strategy<Value = Vec<EditOp>> {
    (
        0usize..20_000,
        proptest::collection::vec(
            (0usize..4, 0usize..2, 0usize..TEMPLATE_SNIPPETS.len()),
            1..40,
        ),
    )
        .prop_map(|(spot, keys)| {
            keys.into_iter()
                .map(|(offset, len, snippet)| EditOp {
                    start: spot + offset,
                    len,
                    snippet,
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn template_rules_seed_edits(ops in proptest::collection::vec(template_edit_strategy(), 1..40)) {
        check_template_edits(TEMPLATE_RULES_SEED, &ops);
    }

    #[test]
    fn template_rules_seed_typing(ops in template_typing_strategy()) {
        check_template_edits(TEMPLATE_RULES_SEED, &ops);
    }

    #[test]
    fn generated_template_typing(ops in template_typing_strategy()) {
        check_template_edits(&generate::template(120, 3), &ops);
    }

    #[test]
    fn generated_template_edits(ops in proptest::collection::vec(template_edit_strategy(), 1..20)) {
        check_template_edits(&generate::template(120, 3), &ops);
    }
}

/// Every single keystroke in a template with every rule's constructs (a character typed
/// before each character, and each character deleted), analysed with the cache of the seed,
/// gives the findings of a full analysis; and those inside elements re-check a scope, not the
/// whole template.
#[test]
fn every_keystroke_in_a_template_matches_a_full_analysis() {
    let context = Context::default();
    let seed_text: std::sync::Arc<str> = std::sync::Arc::from(TEMPLATE_RULES_SEED);
    let mut primed = analysis::Cache::default();
    let seed_syntax = Syntax::parse(Language::Template, TEMPLATE_RULES_SEED);
    let _ = analysis::analyze_incremental(&seed_text, &seed_syntax, &context, &mut primed);
    let boundaries: Vec<usize> = TEMPLATE_RULES_SEED.char_indices().map(|(i, _)| i).collect();
    let mut scoped = 0;
    for &at in &boundaries {
        let next = TEMPLATE_RULES_SEED[at..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8());
        let typed = format!(
            "{}x{}",
            &TEMPLATE_RULES_SEED[..at],
            &TEMPLATE_RULES_SEED[at..]
        );
        let deleted = format!(
            "{}{}",
            &TEMPLATE_RULES_SEED[..at],
            &TEMPLATE_RULES_SEED[next..]
        );
        for edited in [typed, deleted] {
            let syntax = Syntax::parse(Language::Template, &edited);
            let full = analysis::analyze(&edited, &syntax, &context);
            let mut cache = primed.clone();
            let text: std::sync::Arc<str> = std::sync::Arc::from(edited.as_str());
            let incremental = analysis::analyze_incremental(&text, &syntax, &context, &mut cache);
            assert_eq!(incremental, full, "keystroke at byte {at}:\n{edited}");
            scoped += usize::from(cache.template_scope().is_some());
        }
    }
    // Most lines of the seed are inside `{% block content %}` but in no element: typing there
    // re-checks everything. Inside elements (a form, the script, the `<p>`) it does not.
    assert!(
        scoped > boundaries.len() / 10,
        "{scoped} of {}",
        2 * boundaries.len()
    );
}

/// Typing a word into each kind of spot of a generated 600-line template re-checks a scope of
/// a few lines, not the template.
#[test]
fn typing_in_a_generated_template_rechecks_a_small_scope() {
    use generate::template_spots::TemplateSpot;
    let text = generate::template(600, 7);
    for spot in [
        TemplateSpot::InVariable,
        TemplateSpot::InText,
        TemplateSpot::InAttribute,
    ] {
        let (line, column) = spot.locate(&text);
        let script = generate::typing_script(text.clone(), line, column, spot.word());
        let mut doc = Document::new(&script.text, 1, Language::Template);
        let context = Context::default();
        let mut cache = analysis::Cache::default();
        let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
        for (i, edit) in script.cycle.iter().enumerate() {
            let change = Change {
                range: Some((
                    Position::new(edit.start.0, edit.start.1),
                    Position::new(edit.end.0, edit.end.1),
                )),
                text: edit.text.clone(),
            };
            doc.apply_changes(&[change], i as i32 + 2, PositionEncoding::Utf16);
            let now = doc.text();
            let incremental =
                analysis::analyze_incremental(&now, &doc.syntax, &context, &mut cache);
            assert_eq!(incremental, analysis::analyze(&now, &doc.syntax, &context));
            let scope = cache.template_scope();
            assert!(
                scope.as_ref().is_some_and(|s| s.len() < now.len() / 20),
                "{} edit {i}: scope {scope:?} of {} bytes",
                spot.name(),
                now.len()
            );
        }
    }
}

/// Lexing the edited lines again and keeping the other tokens gives the tokens of a whole lex,
/// for any edit of a template without `{% comment %}` or `{% verbatim %}`.
fn check_relex(seed: &str, at: usize, len: usize, snippet: &str) {
    use djsec::syntax::template::{lexer, relex};
    let start = byte_index(seed, at % (seed.chars().count() + 1));
    let end = byte_index(seed, (at % (seed.chars().count() + 1)) + len).max(start);
    let edited = format!("{}{}{}", &seed[..start], snippet, &seed[end..]);
    if [seed, edited.as_str()].iter().any(|t| {
        [
            "{% comment",
            "{% endcomment",
            "{% verbatim",
            "{% endverbatim",
        ]
        .iter()
        .any(|w| t.contains(w))
    }) {
        return;
    }
    let point = |text: &str, byte: usize| djsec::syntax::template::html::point_at(text, byte);
    let edit = tree_sitter::InputEdit {
        start_byte: start,
        old_end_byte: end,
        new_end_byte: start + snippet.len(),
        start_position: point(seed, start),
        old_end_position: point(seed, end),
        new_end_position: point(&edited, start + snippet.len()),
    };
    let relexed = relex(&edited, &lexer::tokenize(seed), &[edit]);
    assert_eq!(
        relexed,
        Some(lexer::tokenize(&edited)),
        "edit {start}..{end} -> {snippet:?}:\n{edited}"
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn relex_equals_a_whole_lex(
        at in 0usize..20_000,
        len in 0usize..40,
        snippet in 0usize..TEMPLATE_SNIPPETS.len(),
    ) {
        check_relex(TEMPLATE_RULES_SEED, at, len, TEMPLATE_SNIPPETS[snippet]);
        check_relex(&generate::template(120, 3), at, len, TEMPLATE_SNIPPETS[snippet]);
    }
}

/// Found by the `edit_script` fuzz target: junk appended after the last function of a module
/// whose earlier definitions are broken (a `def` cut in its parameter list) changes how
/// tree-sitter's error recovery groups the statements before it. A finding kept from the
/// previous version must go when a full analysis of the same tree drops it.
#[test]
fn junk_appended_after_broken_definitions_matches_a_full_analysis() {
    let before = include_str!("fixtures/incremental/junk-before.py.txt");
    let after = include_str!("fixtures/incremental/junk-after.py.txt");
    let context = Context::default();
    let mut doc = Document::new(before, 1, Language::Python);
    let mut cache = analysis::Cache::default();
    let _ = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    let Some(appended) = after.strip_prefix(before) else {
        panic!("the second fixture extends the first");
    };
    let end = position(before, before.chars().count(), PositionEncoding::Utf16);
    doc.apply_changes(
        &[Change {
            range: Some((end, end)),
            text: appended.to_string(),
        }],
        2,
        PositionEncoding::Utf16,
    );
    assert_eq!(&*doc.text(), after);
    let incremental = analysis::analyze_incremental(&doc.text(), &doc.syntax, &context, &mut cache);
    assert_eq!(incremental, analysis::analyze(after, &doc.syntax, &context));
    assert_same_facts(&cache, after, &doc.syntax, &context);
}
