//! What each top-level statement of a module reads and defines, by name: the dependencies that
//! decide what an edit makes incremental analysis check again.
//!
//! A statement *mentions* every identifier-like word of its text (code, strings and comments
//! alike, except the name a definition gives itself): an over-approximation, so a statement
//! never depends on a name it does not mention. A statement *defines* the module-level names
//! whose meaning it makes:
//!
//! - a `def` or `class`: its name, and its *interface* is its header (decorators, name,
//!   parameters, bases), the part other definitions may read (a class deriving from another of
//!   the module reads its bases);
//! - an import: the names it binds (`from m import *` binds names nobody can list: such an
//!   import changing means checking everything);
//! - an assignment to names that calls nothing (`X = 1`, `A = B = Other`, `a, b = C`): its
//!   targets;
//! - any other module-level statement: every word of its text. `f.allow_tags = True`,
//!   `register.filter("x", f, is_safe=True)` or `urlpatterns += [path(..., f)]` change what the
//!   names they mention stand for, not only the names they assign.
//!
//! Names are 64-bit hashes of their text: two names sharing a hash only make an edit check one
//! statement too many.

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use tree_sitter::Node;

use crate::semantic::node;
use crate::syntax::python::{Field, Fields};

/// A name, as the hash of its text.
pub type Name = u64;

/// The hash of a name.
pub fn name(text: &str) -> Name {
    FixedState::with_seed(0x646a_7365_635f_6e6d).hash_one(text)
}

/// Python's hard keywords: words that never name anything (and that every statement mentions).
const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// The identifier-like words of a text (ASCII letters, digits and `_`, not starting with a
/// digit, not a keyword; a non-ASCII identifier is cut at its first non-ASCII character, which
/// only makes extra words, never hides one).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.as_bytes().first().is_some_and(|b| !b.is_ascii_digit()))
        .filter(|w| !KEYWORDS.contains(w))
}

/// The sorted, deduplicated names of the words of `parts`.
fn name_set<'s>(parts: impl IntoIterator<Item = &'s str>) -> Box<[Name]> {
    let mut out: Vec<Name> = parts.into_iter().flat_map(words).map(name).collect();
    out.sort_unstable();
    out.dedup();
    out.into_boxed_slice()
}

/// What kind of top-level statement, as far as names go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    Function,
    Class,
    Import,
    /// `from m import *`.
    StarImport,
    #[default]
    Other,
}

/// The names of one top-level statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Names {
    pub kind: Kind,
    /// Every word of the statement (sorted), without the name a definition gives itself.
    pub mentions: Box<[Name]>,
    /// The module-level names the statement defines (sorted; see the module documentation).
    pub defines: Box<[Name]>,
    /// A definition's name (`None` for other statements).
    pub own: Option<Name>,
    /// A definition's header (decorators, name, parameters or bases, up to its body): its
    /// words, and a hash of its text.
    pub header: Box<[Name]>,
    pub header_hash: u64,
}

impl Names {
    /// The names of a top-level statement of `text`.
    pub fn of(statement: Node, text: &str) -> Names {
        let range = statement.byte_range();
        let whole = text.get(range.clone()).unwrap_or("");
        if let Some(definition) = node::definition(statement) {
            let kind = if definition.kind() == "class_definition" {
                Kind::Class
            } else {
                Kind::Function
            };
            let name_range = definition
                .field(Field::Name)
                .map(|n| n.byte_range())
                .filter(|r| range.start <= r.start && r.end <= range.end);
            let body = definition
                .field(Field::Body)
                .map_or(range.end, |b| b.start_byte())
                .clamp(range.start, range.end);
            let slice = |a: usize, b: usize| text.get(a..b).unwrap_or("");
            let (mentions, header, own) = match name_range {
                Some(n) => (
                    name_set([slice(range.start, n.start), slice(n.end, range.end)]),
                    name_set([slice(range.start, n.start), slice(n.end, body)]),
                    Some(name(slice(n.start, n.end))),
                ),
                None => (
                    name_set([whole]),
                    name_set([slice(range.start, body)]),
                    None,
                ),
            };
            return Names {
                kind,
                mentions,
                defines: own.into_iter().collect(),
                own,
                header,
                header_hash: name(slice(range.start, body)),
            };
        }
        let mentions = name_set([whole]);
        let (kind, defines) = match statement.kind() {
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                match imported_names(statement, text) {
                    Some(bound) => (Kind::Import, bound),
                    None => (Kind::StarImport, Box::default()),
                }
            }
            // A comment or a docstring binds nothing and no check reads it by position (a fix's
            // import goes after the module docstring: such an edit's position moves).
            "comment" => (Kind::Other, Box::default()),
            "expression_statement"
                if statement.named_child_count() == 1
                    && statement
                        .named_child(0)
                        .is_some_and(|c| c.kind() == "string") =>
            {
                (Kind::Other, Box::default())
            }
            _ => match plain_assignment_targets(statement, text) {
                Some(targets) => (Kind::Other, targets),
                None => (Kind::Other, mentions.clone()),
            },
        };
        Names {
            kind,
            mentions,
            defines,
            own: None,
            header: Box::default(),
            header_hash: 0,
        }
    }

    pub fn is_unit(&self) -> bool {
        matches!(self.kind, Kind::Function | Kind::Class)
    }

    /// Whether the statement mentions any of `names` (a sorted set).
    pub fn mentions_any(&self, names: &NameSet) -> bool {
        names.meets(&self.mentions)
    }
}

/// The names a plain assignment binds (`X = 1`, `A = B = Other`, `a, b = C`, `X: T = 1`,
/// `X += [Y]`): its targets are names and it calls nothing, so it changes what its targets stand
/// for and nothing else (`None` otherwise: an attribute or subscript target, or a call anywhere,
/// which may register or change what the names it mentions stand for: `urlpatterns = [path(...,
/// f)]`, `f = csrf_exempt(f)`). A syntax error inside counts for nothing: what tree-sitter could
/// not parse binds nothing the checks see (`value_id = @login_required` while a line is typed
/// above a decorated function: the function below changed, and is checked again as such).
fn plain_assignment_targets(statement: Node, text: &str) -> Option<Box<[Name]>> {
    if statement.kind() != "expression_statement" || statement.named_child_count() != 1 {
        return None;
    }
    let mut assignment = statement.named_child(0)?;
    if !matches!(assignment.kind(), "assignment" | "augmented_assignment") {
        return None;
    }
    if contains_call(statement) {
        return None;
    }
    let mut out = Vec::new();
    loop {
        if !target_names(assignment.field(Field::Left)?, text, &mut out) {
            return None;
        }
        // `A = B = value`: the right side is another assignment.
        match assignment.field(Field::Right) {
            Some(right) if right.kind() == "assignment" => assignment = right,
            _ => break,
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out.into_boxed_slice())
}

/// Adds the names a target binds; false when it is not made of names only.
fn target_names(target: Node, text: &str, out: &mut Vec<Name>) -> bool {
    match target.kind() {
        "identifier" => {
            out.push(name(node::text(target, text)));
            true
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" => {
            let mut cursor = target.walk();
            let children: Vec<Node> = target.named_children(&mut cursor).collect();
            !children.is_empty() && children.into_iter().all(|c| target_names(c, text, out))
        }
        _ => false,
    }
}

/// Whether a call occurs anywhere inside `n`.
fn contains_call(n: Node) -> bool {
    let mut found = false;
    node::walk(n, |c| {
        found |= c.kind() == "call";
        !found
    });
    found
}

/// The names an import statement binds; `None` for `from m import *`.
fn imported_names(statement: Node, text: &str) -> Option<Box<[Name]>> {
    let mut out = Vec::new();
    let mut cursor = statement.walk();
    for child in statement.named_children(&mut cursor) {
        match child.kind() {
            "wildcard_import" => return None,
            // `import a.b.c` binds `a`; `from m import x` binds `x`.
            "dotted_name" if statement.field(Field::ModuleName) != Some(child) => {
                let full = node::text(child, text);
                let first = full.split('.').next().unwrap_or(full).trim();
                out.push(name(first));
            }
            "aliased_import" => {
                if let Some(alias) = child.field(Field::Alias) {
                    out.push(name(node::text(alias, text).trim()));
                }
            }
            _ => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out.into_boxed_slice())
}

/// A set of names, for the few names an edit changes (kept sorted: looked up by binary search
/// in the sorted name lists of statements, or the other way round when it grows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameSet(Vec<Name>);

impl NameSet {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_slice(&self) -> &[Name] {
        &self.0
    }

    pub fn contains(&self, name: Name) -> bool {
        self.0.binary_search(&name).is_ok()
    }

    /// Add a name; whether it was new.
    pub fn insert(&mut self, name: Name) -> bool {
        match self.0.binary_search(&name) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, name);
                true
            }
        }
    }

    /// Add names; whether any was new.
    pub fn extend(&mut self, names: &[Name]) -> bool {
        let before = self.0.len();
        self.0.extend_from_slice(names);
        self.0.sort_unstable();
        self.0.dedup();
        self.0.len() != before
    }

    /// Whether the set and the sorted list `names` share a name.
    pub fn meets(&self, names: &[Name]) -> bool {
        let (small, large) = if self.0.len() <= names.len() {
            (self.0.as_slice(), names)
        } else {
            (names, self.0.as_slice())
        };
        if small.is_empty() {
            return false;
        }
        // Binary search from the smaller side when the sizes differ a lot, else a merge.
        if small.len() * 8 < large.len() {
            return small.iter().any(|n| large.binary_search(n).is_ok());
        }
        let (mut i, mut j) = (0, 0);
        while i < small.len() && j < large.len() {
            match small[i].cmp(&large[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::python;

    fn names_of(src: &str) -> Vec<Names> {
        let tree = python::parse(src, None);
        let root = tree.root_node();
        let mut cursor = root.walk();
        root.children(&mut cursor)
            .map(|s| Names::of(s, src))
            .collect()
    }

    fn set(words: &[&str]) -> Box<[Name]> {
        let mut out: Vec<Name> = words.iter().map(|w| name(w)).collect();
        out.sort_unstable();
        out.dedup();
        out.into_boxed_slice()
    }

    #[test]
    fn definitions_imports_and_other_statements() {
        let src = "import a.b.c, d as e\nfrom m import (x, y as z)\nfrom n import *\n@deco(K)\ndef f(p=DEFAULT) -> R:\n    return f(g, 'h')\nclass C(Base):\n    x = 1\nf.allow_tags = True\n";
        let names = names_of(src);
        assert_eq!(names.len(), 6);
        assert_eq!(names[0].kind, Kind::Import);
        assert_eq!(names[0].defines, set(&["a", "e"]));
        assert_eq!(names[1].defines, set(&["x", "z"]));
        assert_eq!(names[2].kind, Kind::StarImport);
        let f = &names[3];
        assert_eq!(f.kind, Kind::Function);
        assert_eq!(f.own, Some(name("f")));
        assert_eq!(f.defines, set(&["f"]));
        // The recursive call mentions `f`; the name at the definition does not count.
        assert_eq!(
            f.mentions,
            set(&["deco", "K", "p", "DEFAULT", "R", "f", "g", "h"])
        );
        assert_eq!(f.header, set(&["deco", "K", "p", "DEFAULT", "R"]));
        let c = &names[4];
        assert_eq!(c.kind, Kind::Class);
        assert_eq!(c.mentions, set(&["Base", "x"]));
        assert_eq!(c.header, set(&["Base"]));
        // `f.allow_tags = True` defines what `f` and `allow_tags` stand for.
        assert_eq!(names[5].kind, Kind::Other);
        assert_eq!(names[5].defines, set(&["f", "allow_tags"]));
        // A body edit keeps the header.
        let edited = names_of(&src.replace("return f(g, 'h')", "return 2"));
        assert_eq!(edited[3].header_hash, f.header_hash);
        let renamed = names_of(&src.replace("Base", "Other"));
        assert_ne!(renamed[4].header_hash, c.header_hash);
    }

    #[test]
    fn a_plain_assignment_defines_its_targets_only() {
        let src = "A = B = Other\na, (b, c) = D\nX: T = [Y]\nN += M\nV = @deco\ndef f(): pass\n";
        let names = names_of(src);
        assert_eq!(names[0].defines, set(&["A", "B"]));
        assert_eq!(names[0].mentions, set(&["A", "B", "Other"]));
        assert_eq!(names[1].defines, set(&["a", "b", "c"]));
        assert_eq!(names[2].defines, set(&["X"]));
        assert_eq!(names[3].defines, set(&["N"]));
        // A syntax error binds nothing the checks see.
        assert_eq!(names[4].defines, set(&["V"]));
        // A call, an attribute or a subscript target: every word, as for other statements.
        for (stmt, all) in [
            (
                "urlpatterns = [path('', view)]\n",
                &["urlpatterns", "path", "view"][..],
            ),
            ("view = csrf_exempt(view)\n", &["view", "csrf_exempt"][..]),
            ("f.allow_tags = True\n", &["f", "allow_tags"][..]),
            ("REGISTRY[key] = f\n", &["REGISTRY", "key", "f"][..]),
            ("x = lambda: g()\n", &["x", "g"][..]),
        ] {
            let names = names_of(stmt);
            assert_eq!(names[0].defines, set(all), "{stmt}");
        }
    }

    #[test]
    fn name_sets_meet() {
        let mut d = NameSet::default();
        assert!(!d.meets(&set(&["a"])));
        assert!(d.insert(name("a")));
        assert!(!d.insert(name("a")));
        assert!(d.meets(&set(&["b", "a", "c"])));
        let many: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(!d.meets(&set(&refs)));
        assert!(d.extend(&set(&refs)));
        assert!(d.meets(&set(&["w50"])));
        assert!(d.contains(name("w99")) && !d.contains(name("w100")));
    }
}
