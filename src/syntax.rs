//! Parsing: which language a buffer is, and its syntax trees.
//!
//! Python is parsed by tree-sitter-python. Django templates are lexed by our own lexer
//! (`template::lexer`, which never fails) and their HTML layer is parsed by tree-sitter-html
//! restricted to the text between Django tokens. Both support incremental reparsing:
//! [`Syntax::edit`] records an edit, [`Syntax::reparse`] reuses the edited old tree.

pub mod python;
pub mod template;

use std::path::Path;

use tree_sitter::InputEdit;

pub use python::PyTree;
pub use template::TemplateSyntax;

/// The languages djsec analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    Python,
    Template,
}

impl Language {
    /// Map an LSP `languageId` (and the document path, for ambiguous ids) to a language.
    ///
    /// `html` is a template only under a `templates/` directory: a plain HTML page is not ours.
    pub fn from_language_id(id: &str, path: Option<&Path>) -> Option<Language> {
        match id {
            "python" => Some(Language::Python),
            "htmldjango" | "django-html" | "html-django" | "django" | "django-txt" | "jinja"
            | "jinja-html" => Some(Language::Template),
            "html" => path
                .filter(|p| is_under_templates_dir(p))
                .map(|_| Language::Template),
            _ => None,
        }
    }

    /// The language of a file on disk, by extension and location (used by the CLI).
    pub fn from_path(path: &Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?;
        match ext {
            "py" | "pyi" => Some(Language::Python),
            "djhtml" => Some(Language::Template),
            "html" | "htm" | "txt" | "xml" | "jinja" | "jinja2" | "j2"
                if is_under_templates_dir(path) =>
            {
                Some(Language::Template)
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Template => "template",
        }
    }
}

/// True when a directory named `templates` (or `jinja2`) is among the path's ancestors.
pub fn is_under_templates_dir(path: &Path) -> bool {
    path.parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .filter_map(|p| p.file_name())
        .any(|name| name == "templates" || name == "jinja2")
}

/// A parsed buffer.
#[derive(Debug, Clone)]
pub enum Syntax {
    Python(PyTree),
    Template(TemplateSyntax),
}

impl Syntax {
    /// Parse `text` from scratch.
    pub fn parse(language: Language, text: &str) -> Syntax {
        match language {
            Language::Python => Syntax::Python(PyTree::parse(text)),
            Language::Template => Syntax::Template(template::parse(text, None)),
        }
    }

    /// Record an edit in the old tree(s) so that the next [`Syntax::reparse`] can reuse them.
    pub fn edit(&mut self, edit: &InputEdit) {
        match self {
            Syntax::Python(tree) => tree.edit(edit),
            Syntax::Template(t) => t.edit(edit),
        }
    }

    /// Parse the new `text`, reusing this (edited) syntax.
    pub fn reparse(&self, text: &str) -> Syntax {
        match self {
            Syntax::Python(old) => Syntax::Python(old.reparse(text)),
            Syntax::Template(old) => Syntax::Template(template::parse(text, Some(old))),
        }
    }

    pub fn language(&self) -> Language {
        match self {
            Syntax::Python(_) => Language::Python,
            Syntax::Template(_) => Language::Template,
        }
    }

    /// A printable form of the tree(s), used to compare incremental and fresh parses.
    pub fn to_sexp(&self) -> String {
        match self {
            Syntax::Python(tree) => tree.to_sexp(),
            Syntax::Template(t) => t.to_sexp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_ids() {
        assert_eq!(
            Language::from_language_id("python", None),
            Some(Language::Python)
        );
        assert_eq!(
            Language::from_language_id("htmldjango", None),
            Some(Language::Template)
        );
        assert_eq!(Language::from_language_id("html", None), None);
        assert_eq!(
            Language::from_language_id("html", Some(Path::new("/p/app/templates/a/b.html"))),
            Some(Language::Template)
        );
        assert_eq!(Language::from_language_id("rust", None), None);
    }

    #[test]
    fn paths() {
        assert_eq!(
            Language::from_path(Path::new("a/views.py")),
            Some(Language::Python)
        );
        assert_eq!(
            Language::from_path(Path::new("a/templates/x.html")),
            Some(Language::Template)
        );
        assert_eq!(Language::from_path(Path::new("static/x.html")), None);
        assert_eq!(Language::from_path(Path::new("templates.html")), None);
    }
}
