//! Which top-level statements name which classes of the module: the dependencies between the
//! findings of the module-scoped checks (a class inherits from another, a view names its form,
//! a class is `subclassed` by another, `urlpatterns` wraps a view).
//!
//! A mention is any identifier in a statement's text that is the name of a top-level class, in
//! code, strings or comments alike: an over-approximation, so a statement never depends on a
//! class it does not mention.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::semantic::node;
use crate::syntax::python::{Field, Fields};

/// The classes of one version of the module and who mentions them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    /// Top-level class name → index of its statement (the last definition wins, as at run time).
    classes: HashMap<Box<str>, usize>,
    /// For each top-level statement, the statements of the classes it mentions (sorted, without
    /// itself).
    mentions: Vec<Vec<usize>>,
}

impl References {
    /// The references of a module, from its top-level statements.
    pub fn new(statements: &[Node], text: &str) -> References {
        let mut classes = HashMap::new();
        for (i, statement) in statements.iter().enumerate() {
            if let Some(name) = class_name(*statement, text) {
                classes.insert(Box::from(name), i);
            }
        }
        let mut references = References {
            classes,
            mentions: Vec::with_capacity(statements.len()),
        };
        for (i, statement) in statements.iter().enumerate() {
            let mentions =
                references.mentions_in(i, text.get(statement.byte_range()).unwrap_or(""));
            references.mentions.push(mentions);
        }
        references
    }

    /// The classes statement `i` mentions if its text were `text`.
    pub fn mentions_in(&self, i: usize, text: &str) -> Vec<usize> {
        let mut out: Vec<usize> = identifiers(text)
            .filter_map(|name| self.classes.get(name).copied())
            .filter(|&c| c != i)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The classes statement `i` mentions.
    pub fn mentions(&self, i: usize) -> &[usize] {
        self.mentions.get(i).map_or(&[], Vec::as_slice)
    }

    /// The statements whose module-scoped findings may change when statement `edited` does:
    /// itself and every statement that mentions it, directly or through other classes.
    pub fn dependents(&self, edited: usize) -> Vec<bool> {
        let mut mentioned_by: Vec<Vec<usize>> = vec![Vec::new(); self.mentions.len()];
        for (i, mentions) in self.mentions.iter().enumerate() {
            for &c in mentions {
                if let Some(list) = mentioned_by.get_mut(c) {
                    list.push(i);
                }
            }
        }
        self.closure(&[edited], &mentioned_by)
    }

    /// `start` and every class they mention, directly or through other classes.
    pub fn needed_by(&self, start: &[usize]) -> Vec<bool> {
        self.closure(start, &self.mentions)
    }

    fn closure(&self, start: &[usize], edges: &[Vec<usize>]) -> Vec<bool> {
        let mut seen = vec![false; self.mentions.len()];
        let mut stack: Vec<usize> = start.to_vec();
        while let Some(i) = stack.pop() {
            match seen.get_mut(i) {
                Some(s) if !*s => *s = true,
                _ => continue,
            }
            stack.extend(edges.get(i).into_iter().flatten().copied());
        }
        seen
    }
}

/// The name of a top-level class statement (decorated or not).
fn class_name<'s>(statement: Node, text: &'s str) -> Option<&'s str> {
    let class = node::definition(statement).filter(|d| d.kind() == "class_definition")?;
    text.get(class.field(Field::Name)?.byte_range())
}

/// The identifier-like words of a text (ASCII letters, digits and `_`, not starting with a
/// digit; a non-ASCII identifier is cut at its first non-ASCII character, which only makes
/// extra words, never hides one that names an ASCII class).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.as_bytes().first().is_some_and(|b| !b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::python;

    #[test]
    fn mentions_and_closures() {
        let src = "import x\n\nclass A(View):\n    pass\n\nclass B(A):\n    form = 'C'\n\n@deco\nclass C:\n    pass\n\ndef f():\n    return B\n\nurls = [A]\n";
        let tree = python::parse(src, None);
        let root = tree.root_node();
        let mut cursor = root.walk();
        let statements: Vec<Node> = root.children(&mut cursor).collect();
        let refs = References::new(&statements, src);
        // import, A, B, C, f, urls
        assert_eq!(refs.mentions(1), &[] as &[usize]);
        assert_eq!(refs.mentions(2), &[1, 3]);
        assert_eq!(refs.mentions(4), &[2]);
        assert_eq!(refs.mentions(5), &[1]);
        let dependents = refs.dependents(3);
        let on: Vec<usize> = (0..6).filter(|&i| dependents[i]).collect();
        assert_eq!(on, vec![2, 3, 4]);
        let needed = refs.needed_by(&[2]);
        let on: Vec<usize> = (0..6).filter(|&i| needed[i]).collect();
        assert_eq!(on, vec![1, 2, 3]);
    }
}
