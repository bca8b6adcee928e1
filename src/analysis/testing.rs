//! Helpers for rule tests: analyse a snippet, list findings by line:column, apply fixes and
//! check the result parses and no longer has the finding.

use std::sync::Arc;

use super::{
    Applicability, Cache, Context, Finding, LineIndex, analyze_incremental, analyze_text,
    apply_edits,
};
use crate::syntax::{Language, Syntax};

pub fn findings(src: &str) -> Vec<Finding> {
    findings_in(Language::Python, src)
}

/// Analyse `src`, and check on the way that incremental analysis gives the same findings from
/// caches primed with other versions of the text: one shifted by an insertion at the start, one
/// with a character deleted in the middle, the text itself, and for Python module-level edits
/// ([`module_level_edits`]: statements and definitions deleted, duplicated, a new statement).
pub fn findings_in(language: Language, src: &str) -> Vec<Finding> {
    findings_with(language, src, &Context::default())
}

/// [`findings_in`] with a given context (a path, project knowledge).
pub fn findings_with(language: Language, src: &str, context: &Context) -> Vec<Finding> {
    let full = analyze_text(src, language, context);
    let text: Arc<str> = Arc::from(src);
    let syntax = Syntax::parse(language, src);
    let mut middle = src.len() / 2;
    while !src.is_char_boundary(middle) {
        middle -= 1;
    }
    let mut cut = src.to_string();
    if middle < cut.len() {
        cut.remove(middle);
    }
    let mut previous_versions = vec![format!("\n{src}"), cut, src.to_string()];
    if language == Language::Python {
        previous_versions.extend(module_level_edits(src));
    }
    for previous in previous_versions {
        let mut cache = Cache::default();
        let prev_text: Arc<str> = Arc::from(previous.as_str());
        let prev_syntax = Syntax::parse(language, &previous);
        let _ = analyze_incremental(&prev_text, &prev_syntax, context, &mut cache);
        let incremental = analyze_incremental(&text, &syntax, context, &mut cache);
        assert_eq!(
            incremental, full,
            "incremental analysis differs from a full one, after:\n{previous}"
        );
    }
    full
}

/// Versions of `src` one module-level edit away: each of its first top-level statements
/// deleted (so that going to `src` adds it: an import, a constant, a definition) or duplicated
/// (a paste undone), and a new module-level statement before its last definition.
fn module_level_edits(src: &str) -> Vec<String> {
    let tree = crate::syntax::python::parse(src, None);
    let root = tree.root_node();
    let mut cursor = root.walk();
    // Whole lines: a statement from the start of its line to the end of its last line.
    let lines: Vec<std::ops::Range<usize>> = root
        .named_children(&mut cursor)
        .filter(|s| s.kind() != "comment")
        .map(|s| {
            let start = src[..s.start_byte()].rfind('\n').map_or(0, |i| i + 1);
            let end = src[s.end_byte()..]
                .find('\n')
                .map_or(src.len(), |i| s.end_byte() + i + 1);
            start..end
        })
        .filter(|r| src[r.start..].starts_with(|c: char| !c.is_whitespace()))
        .take(8)
        .collect();
    let mut out = Vec::new();
    for r in &lines {
        let text = &src[r.clone()];
        out.push(format!("{}{}", &src[..r.start], &src[r.end..]));
        let newline = if text.ends_with('\n') { "" } else { "\n" };
        out.push(format!(
            "{}{text}{newline}{text}{}",
            &src[..r.start],
            &src[r.end..]
        ));
    }
    if let Some(last) = lines.last() {
        out.push(format!(
            "{}_djsec_probe = 1\n{}",
            &src[..last.start],
            &src[last.start..]
        ));
    }
    out
}

/// `(code, line, column, severity)` of each finding, one-based, columns in characters.
pub fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
    codes_at_in(Language::Python, src)
}

pub fn codes_at_in(
    language: Language,
    src: &str,
) -> Vec<(&'static str, usize, usize, &'static str)> {
    codes_at_with(language, src, &Context::default())
}

/// [`codes_at_in`], keeping only the findings of `codes` (a rule's own tests).
pub fn codes_at_only(
    language: Language,
    src: &str,
    codes: &[&str],
) -> Vec<(&'static str, usize, usize, &'static str)> {
    codes_at_in(language, src)
        .into_iter()
        .filter(|c| codes.contains(&c.0))
        .collect()
}

/// [`codes_at`] with a given context.
pub fn codes_at_with(
    language: Language,
    src: &str,
    context: &Context,
) -> Vec<(&'static str, usize, usize, &'static str)> {
    let lines = LineIndex::new(src);
    findings_with(language, src, context)
        .into_iter()
        .map(|f| {
            let (line, col) = lines.line_col(src, f.range.start);
            (f.code, line, col, f.severity.as_str())
        })
        .collect()
}

/// The applicability of each `code` finding's fix: "safe", "unsafe" or "none".
pub fn fix_applicability(src: &str, code: &str) -> Vec<&'static str> {
    findings(src)
        .into_iter()
        .filter(|f| f.code == code)
        .map(|f| match f.fix.map(|x| x.applicability) {
            Some(Applicability::Safe) => "safe",
            Some(Applicability::Unsafe) => "unsafe",
            None => "none",
        })
        .collect()
}

/// Apply the fixes of every `code` finding one at a time, re-analysing after each, and return the
/// final text. Panics (the test fails) if a fix yields a syntax error, if a fix does not remove
/// its finding, or if no fix was applied at all.
pub fn assert_fix(src: &str, code: &str) -> String {
    assert_fix_in(Language::Python, src, code)
}

pub fn assert_fix_in(language: Language, src: &str, code: &str) -> String {
    assert_fix_with(language, src, code, &Context::default())
}

/// [`assert_fix`] with a given context.
pub fn assert_fix_with(language: Language, src: &str, code: &str, context: &Context) -> String {
    assert_fix_by(language, src, code, |text| {
        findings_with(language, text, context)
    })
}

/// The fix loop of [`assert_fix`], with `analyse` giving the findings of a version of the text
/// (the settings tests analyse it within a project).
pub fn assert_fix_by(
    language: Language,
    src: &str,
    code: &str,
    analyse: impl Fn(&str) -> Vec<Finding>,
) -> String {
    let mut text = src.to_string();
    let mut applied = 0;
    loop {
        let current = analyse(&text);
        let count = current.iter().filter(|f| f.code == code).count();
        let Some(fix) = current
            .into_iter()
            .filter(|f| f.code == code)
            .find_map(|f| f.fix)
        else {
            break;
        };
        let next = apply_edits(&text, &fix.edits);
        assert_ne!(next, text, "fix {:?} changed nothing", fix.title);
        if let Syntax::Python(tree) = Syntax::parse(language, &next) {
            assert!(
                !tree.has_error(),
                "fix {:?} produced a syntax error:\n{next}",
                fix.title
            );
        }
        let after = analyse(&next).iter().filter(|f| f.code == code).count();
        assert!(
            after < count,
            "fix {:?} did not remove its finding:\n{next}",
            fix.title
        );
        text = next;
        applied += 1;
        assert!(applied < 50, "fixes do not converge");
    }
    assert!(applied > 0, "no {code} fix was offered");
    text
}

/// The findings of `target` (one of `files`, paths relative to the project root `/p`) analysed
/// within a project index made of `files`: `(code, line, column, severity)`, with the
/// incremental-equals-full check of [`findings_with`].
pub fn project_codes(
    files: &[(&str, &str)],
    target: &str,
) -> Vec<(&'static str, usize, usize, &'static str)> {
    let index = crate::project::ProjectIndex::from_files(std::path::Path::new("/p"), files);
    let Some((_, src)) = files.iter().find(|(p, _)| *p == target) else {
        panic!("{target} is not among the files");
    };
    let context = Context {
        project: Some(Arc::new(index)),
        ..Context::for_path(format!("/p/{target}"))
    };
    let language = if target.ends_with(".py") {
        Language::Python
    } else {
        Language::Template
    };
    codes_at_with(language, src, &context)
}

/// [`project_codes`] keeping only `codes`.
pub fn project_codes_only(
    files: &[(&str, &str)],
    target: &str,
    codes: &[&str],
) -> Vec<(&'static str, usize, usize, &'static str)> {
    project_codes(files, target)
        .into_iter()
        .filter(|c| codes.contains(&c.0))
        .collect()
}
