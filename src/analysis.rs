//! The analysis engine: source + syntax + context in, findings out.
//!
//! Pure: no LSP types, no I/O, no global state besides compiled queries. The CLI and the server
//! call [`analyze`] with the same inputs and get the same findings.

pub mod context;
pub mod finding;
pub mod incremental;
pub mod lines;
pub mod python;
pub mod template;
pub mod test_code;
#[cfg(test)]
pub mod testing;

pub use context::{Context, RuleSettings, SettingsRole};
pub use finding::{Applicability, Edit, Finding, Fix, Severity, Step, apply_edits};
pub use incremental::Cache;
pub use lines::LineIndex;

use std::sync::Arc;

use crate::project::facts::Resolver;
use crate::semantic::Index;

use crate::rules::{self, meta::suppression};
use crate::syntax::Syntax;
use crate::syntax::python::ModuleTree;

/// Analyse one buffer. Findings are sorted by position, then code.
pub fn analyze(source: &str, syntax: &Syntax, context: &Context) -> Vec<Finding> {
    let (findings, comments) = match syntax {
        Syntax::Python(tree) => {
            let listed = crate::syntax::python::Listed::new(ModuleTree::from(tree));
            let tree = ModuleTree::Listed(&listed);
            let mut findings = python_findings(source, tree, context);
            python::tidy_fix_imports(source, tree, &mut findings);
            (findings, python::suppression_comments(source, tree))
        }
        Syntax::Template(template) => template_findings(source, template, context),
    };
    let external = external_comments(source, syntax, context);
    finish(source, findings, comments, external, context)
}

/// The Python comments that may hold another tool's suppression (`# nosec`, `# noqa`,
/// `# nosemgrep`, `# NOSONAR`), when the configuration honours any of them.
fn external_comments(
    source: &str,
    syntax: &Syntax,
    context: &Context,
) -> Vec<std::ops::Range<usize>> {
    let Syntax::Python(tree) = syntax else {
        return Vec::new();
    };
    if !context.external_suppressions.any() {
        return Vec::new();
    }
    let lower = source.to_ascii_lowercase();
    let root = ModuleTree::from(tree);
    let mut at: Vec<usize> = ["nosec", "noqa", "nosemgrep", "nosonar"]
        .iter()
        .flat_map(|marker| lower.match_indices(marker).map(|(i, _)| i))
        .collect();
    at.sort_unstable();
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for i in at {
        if out.last().is_some_and(|r| r.contains(&i)) {
            continue;
        }
        if let Some(c) = root
            .descendant_for_byte_range(i, i)
            .filter(|n| n.kind() == "comment")
        {
            out.push(c.byte_range());
        }
    }
    out
}

/// Analyse a new version of a buffer, reusing what `cache` kept from the previous one. Gives the
/// same findings as [`analyze`] (tests compare the two).
pub fn analyze_incremental(
    source: &Arc<str>,
    syntax: &Syntax,
    context: &Context,
    cache: &mut Cache,
) -> Vec<Finding> {
    let (findings, comments) = match syntax {
        Syntax::Python(tree) => {
            let listed = crate::syntax::python::Listed::new(ModuleTree::from(tree));
            let tree = ModuleTree::Listed(&listed);
            let (lookup, summaries_changed) = cache.summaries(source, tree, context);
            let mut plan = incremental::Plan::new(source, tree, context, cache);
            // Names whose meaning changed without their definition's header changing: the
            // buffer's own facts (a function's summary) that differ from the previous version's.
            plan.mark_summaries_changed(&summaries_changed);
            plan.resolve();
            let (fresh, mut asked) = python_unit_findings(source, tree, context, &plan, &lookup);
            let (module, module_asked) =
                python_module_findings(source, tree, context, &mut plan, &lookup);
            asked.extend(module_asked);
            let edit = plan.edit_bounds();
            let mut findings = plan.finish(source, context, fresh, &module, asked, cache);
            findings.extend(module);
            // On the output only: the cache keeps the rules' own fixes, and whether an import
            // is still used is decided on the whole text every time (from the occurrences of
            // its name, kept between versions and found again around the edit).
            cache.words.advance(source, edit);
            python::tidy_fix_imports_with(source, tree, &mut findings, &mut cache.words);
            cache.record_reads(lookup.take_reads());
            (findings, python::suppression_comments(source, tree))
        }
        Syntax::Template(template) => {
            let findings =
                incremental::template::findings(source, template, context, cache.template_slot());
            (findings, template::comment_ranges(source))
        }
    };
    let external = external_comments(source, syntax, context);
    finish(source, findings, comments, external, context)
}

/// Every check over the whole module: the unit-scoped and the module-scoped checks share one
/// checker, so the module is indexed once (indexing is a large part of a full analysis).
fn python_findings(source: &str, tree: ModuleTree, context: &Context) -> Vec<Finding> {
    let mut checker = python::PyChecker::new(source, tree, context);
    // `djsec check` summarised every file when it built the index: the same text has the same
    // facts.
    let indexed = context
        .project
        .as_deref()
        .zip(context.path.as_deref())
        .and_then(|(project, path)| project.facts(&project.normalize(path)).cloned())
        .filter(|facts| facts.source == crate::project::facts::source_hash(source));
    let own = indexed.unwrap_or_else(|| {
        Arc::new(crate::project::facts::FileFacts::summaries_of(
            &checker.model,
        ))
    });
    checker.model.summaries = Some(std::rc::Rc::new(resolver(context, own)));
    for check in rules::PYTHON_CHECKS {
        check(&mut checker);
    }
    for module_check in rules::PYTHON_MODULE_CHECKS {
        if (module_check.applies)(context) {
            (module_check.check)(&mut checker);
        }
    }
    checker.into_findings()
}

/// The summaries the data flow looks helpers up in: the buffer's own facts, then the project's.
fn resolver(context: &Context, own: Arc<crate::project::facts::FileFacts>) -> Resolver {
    Resolver::new(context.project.clone(), context.path.as_deref(), own)
}

fn python_unit_findings(
    source: &str,
    tree: ModuleTree,
    context: &Context,
    plan: &incremental::Plan,
    lookup: &std::rc::Rc<Resolver>,
) -> (Vec<Finding>, Vec<python::ImportAsked>) {
    let index = Index::build_statements(plan.to_check(), source);
    let mut checker = python::PyChecker::with_index(source, tree, context, index);
    checker.model.summaries = Some(lookup.clone());
    for check in rules::PYTHON_CHECKS {
        check(&mut checker);
    }
    checker.into_parts()
}

/// The module-scoped checks, over what the edit may have changed (see `analysis::incremental`).
fn python_module_findings<'t>(
    source: &'t str,
    tree: ModuleTree<'t>,
    context: &Context,
    plan: &mut incremental::Plan<'t>,
    lookup: &std::rc::Rc<Resolver>,
) -> (Vec<Finding>, Vec<python::ImportAsked>) {
    let applicable: Vec<&rules::ModuleCheck> = rules::PYTHON_MODULE_CHECKS
        .iter()
        .filter(|m| (m.applies)(context))
        .collect();
    if applicable.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let reads = |s: tree_sitter::Node| applicable.iter().any(|m| (m.indexes)(s));
    let by_class = applicable.iter().all(|m| m.by_class);
    let index = match plan.module_work(reads, by_class) {
        incremental::ModuleWork::Reuse(findings) => return (findings, Vec::new()),
        incremental::ModuleWork::Recheck(statements) => Index::build_statements(statements, source),
        incremental::ModuleWork::Full => Index::build_filtered(tree, source, reads),
    };
    let mut checker = python::PyChecker::with_index(source, tree, context, index);
    checker.model.summaries = Some(lookup.clone());
    for module_check in applicable {
        (module_check.check)(&mut checker);
    }
    let (findings, asked) = checker.into_parts();
    (plan.merge_module(findings), asked)
}

fn template_findings(
    source: &str,
    template: &crate::syntax::TemplateSyntax,
    context: &Context,
) -> (Vec<Finding>, Vec<std::ops::Range<usize>>) {
    let findings = incremental::template::run(source, template, context, None);
    (findings, template::comment_ranges(source))
}

/// Suppressions, rule selection, order.
fn finish(
    source: &str,
    findings: Vec<Finding>,
    comment_ranges: Vec<std::ops::Range<usize>>,
    external_ranges: Vec<std::ops::Range<usize>>,
    context: &Context,
) -> Vec<Finding> {
    let mut findings = if comment_ranges.is_empty() {
        findings
    } else {
        let lines = LineIndex::new(source);
        let suppressions: Vec<_> = comment_ranges
            .into_iter()
            .filter_map(|r| {
                let text = source.get(r.clone())?;
                suppression::parse(text, r.start, lines.line(r.start))
            })
            .collect();
        let finding_lines: Vec<(usize, usize)> = findings
            .iter()
            .map(|f| {
                (
                    lines.line(f.range.start),
                    lines.line(f.range.end.max(f.range.start)),
                )
            })
            .collect();
        suppression::apply(findings, &finding_lines, &suppressions, source)
    };
    if !external_ranges.is_empty() {
        let lines = LineIndex::new(source);
        let enabled = context.external_suppressions;
        let foreign: Vec<_> = external_ranges
            .iter()
            .filter_map(|r| Some((source.get(r.clone())?, lines.line(r.start))))
            .flat_map(|(text, line)| suppression::parse_external(text, line, enabled))
            .collect();
        findings = suppression::apply_external(findings, &lines, &foreign);
    }
    context.rules.apply(&mut findings);
    test_code::cap(&mut findings, context);
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.code).cmp(&(b.range.start, b.range.end, b.code))
    });
    findings.dedup();
    findings
}

/// Parse and analyse a whole text (what the CLI does for each file).
pub fn analyze_text(
    source: &str,
    language: crate::syntax::Language,
    context: &Context,
) -> Vec<Finding> {
    let syntax = Syntax::parse(language, source);
    analyze(source, &syntax, context)
}
