//! Running the Python rules over one module.

use std::cell::RefCell;

use tree_sitter::Node;

use super::context::Context;
use super::finding::{Edit, Finding};
use crate::semantic::{Imports, Index, Model, node};
use crate::syntax::python::{Field, Fields, ModuleTree};

/// The state the Python rules share while checking one module.
pub struct PyChecker<'a> {
    pub model: Model<'a>,
    pub context: &'a Context,
    findings: Vec<Finding>,
    /// The [`PyChecker::ensure_import`] questions asked, with their answers: a fix that adds an
    /// import depends on the module's imports and definitions, which incremental analysis asks
    /// again after an edit of them.
    imports_asked: RefCell<Vec<ImportAsked>>,
}

/// One [`PyChecker::ensure_import`] question and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportAsked {
    pub module: Box<str>,
    pub name: Box<str>,
    pub answer: Option<(String, Option<Edit>)>,
}

impl<'a> PyChecker<'a> {
    pub fn new(
        source: &'a str,
        tree: impl Into<ModuleTree<'a>>,
        context: &'a Context,
    ) -> PyChecker<'a> {
        let tree = tree.into();
        PyChecker::with_index(source, tree, context, Index::build(tree, source))
    }

    /// A checker over part of the module (incremental analysis; see `analysis::incremental`).
    pub fn with_index(
        source: &'a str,
        tree: impl Into<ModuleTree<'a>>,
        context: &'a Context,
        index: Index<'a>,
    ) -> PyChecker<'a> {
        PyChecker {
            model: Model::with_index(source, tree, &context.tables, index),
            context,
            findings: Vec::new(),
            imports_asked: RefCell::new(Vec::new()),
        }
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// The findings, and the [`PyChecker::ensure_import`] questions asked on the way.
    pub fn into_parts(self) -> (Vec<Finding>, Vec<ImportAsked>) {
        (self.findings, self.imports_asked.into_inner())
    }

    pub fn source(&self) -> &'a str {
        self.model.source
    }

    /// Make `name` from `module` available: returns the local name to use and the edit that adds
    /// the import, if one is needed. `None` when the name is taken by something else.
    pub fn ensure_import(&self, module: &str, name: &str) -> Option<(String, Option<Edit>)> {
        let top = self.model.tree.named_top_level();
        let src = self.source();
        let defines = |name: &str| defines_top_level(src, &top, name);
        let answer = import_answer(src, &top, &self.model.imports, &defines, module, name);
        if let Ok(mut asked) = self.imports_asked.try_borrow_mut()
            && !asked
                .iter()
                .any(|a| &*a.module == module && &*a.name == name)
        {
            asked.push(ImportAsked {
                module: module.into(),
                name: name.into(),
                answer: answer.clone(),
            });
        }
        answer
    }
}

/// [`PyChecker::ensure_import`]'s answer for a module whose module-level imports are `imports`,
/// whose top-level definitions `defines` tells by name, and whose named top-level statements are
/// `top` (those other than definitions are enough, with the first statement when it is one).
pub fn import_answer(
    src: &str,
    top: &[Node],
    imports: &Imports,
    defines: &dyn Fn(&str) -> bool,
    module: &str,
    name: &str,
) -> Option<(String, Option<Edit>)> {
    let qualified = format!("{module}.{name}");
    if let Some(local) = imports.local_name_of(&qualified) {
        return Some((local.to_string(), None));
    }
    if imports.is_bound(name) || defines(name) {
        return None;
    }
    Some((name.to_string(), Some(import_edit(src, top, module, name))))
}

fn defines_top_level(src: &str, top: &[Node], name: &str) -> bool {
    top.iter().any(|statement| {
        node::definition(*statement)
            .and_then(|d| d.field(Field::Name))
            .is_some_and(|id| node::text(id, src) == name)
    })
}

/// The edit adding `from module import name`: extends an existing plain
/// `from module import a, b` at module level, or adds a line after the last top-level import
/// (or after the docstring and `__future__` imports when there is none).
fn import_edit(src: &str, top: &[Node], module: &str, name: &str) -> Edit {
    for stmt in top {
        if stmt.kind() != "import_from_statement" {
            continue;
        }
        let same_module = stmt
            .field(Field::ModuleName)
            .is_some_and(|m| node::text(m, src).split_whitespace().collect::<String>() == module);
        let stmt_text = node::text(*stmt, src);
        if same_module
            && !stmt_text.contains('(')
            && !stmt_text.contains('\\')
            && !stmt_text.contains('*')
        {
            return Edit::insert(stmt.end_byte(), format!(", {name}"));
        }
    }
    let line = format!("from {module} import {name}\n");
    let last_import = top
        .iter()
        .filter(|s| {
            matches!(
                s.kind(),
                "import_statement" | "import_from_statement" | "future_import_statement"
            )
        })
        .rfind(|s| s.start_position().column == 0);
    if let Some(stmt) = last_import {
        let end = line_end_after(src, stmt.end_byte());
        let prefix = if end == src.len() && !src.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        return Edit::insert(end, format!("{prefix}{line}"));
    }
    // No imports: after a module docstring, else at the top (after leading comments).
    let first_code = top.iter().find(|s| s.kind() != "comment");
    match first_code {
        Some(doc)
            if doc.kind() == "expression_statement"
                && doc.named_child(0).is_some_and(|c| c.kind() == "string") =>
        {
            let end = line_end_after(src, doc.end_byte());
            let prefix = if end == src.len() && !src.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            Edit::insert(end, format!("{prefix}{line}"))
        }
        Some(stmt) => Edit::insert(node::line_start(src, stmt.start_byte()), line),
        None => Edit::insert(src.len(), line),
    }
}

/// The byte just after the end of the line containing `byte` (or the end of the text).
fn line_end_after(src: &str, byte: usize) -> usize {
    let byte = byte.min(src.len());
    src[byte..].find('\n').map_or(src.len(), |i| byte + i + 1)
}

/// The comments that hold a `djsec:` directive, found by a text search (the index may cover only
/// part of the module) and confirmed against the tree.
pub fn suppression_comments(source: &str, tree: ModuleTree) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    // memmem is vectorised: this scan runs over the whole buffer on every keystroke.
    for at in memchr::memmem::find_iter(source.as_bytes(), b"djsec:") {
        if out.last().is_some_and(|r| r.contains(&at)) {
            continue;
        }
        let comment = tree
            .descendant_for_byte_range(at, at)
            .filter(|n| n.kind() == "comment");
        if let Some(c) = comment {
            out.push(c.byte_range());
        }
    }
    out
}
