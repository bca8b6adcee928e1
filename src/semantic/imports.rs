//! Import resolution: which local names refer to which qualified names.
//!
//! Module-level imports bind names for the whole module; an import inside a function binds them
//! in that function (and the functions nested in it) only.

use std::collections::HashMap;

use tree_sitter::Node;

use super::index::{Index, MODULE, ScopeId};
use super::node::text;
use crate::syntax::python::{Field, Fields};

#[derive(Debug, Default)]
pub struct Imports {
    /// Local name → qualified name it is bound to, by module-level imports.
    bindings: HashMap<String, String>,
    /// The same for imports inside functions, by scope.
    scoped: HashMap<ScopeId, HashMap<String, String>>,
}

impl Imports {
    pub fn collect(index: &Index, source: &str) -> Imports {
        let mut imports = Imports::default();
        for stmt in &index.imports {
            let scope = index.scope_at(*stmt);
            let mut names = HashMap::new();
            add(&mut names, *stmt, source);
            if scope == MODULE {
                imports.bindings.extend(names);
            } else {
                imports.scoped.entry(scope).or_default().extend(names);
            }
        }
        imports
    }

    /// Whether some imports are local to functions (so resolution must look at scopes).
    pub fn has_scoped(&self) -> bool {
        !self.scoped.is_empty()
    }

    /// Like [`Imports::resolve`], with the imports of `scopes` (innermost first) taking precedence
    /// over module-level ones.
    pub fn resolve_in(&self, node: Node, source: &str, scopes: &[ScopeId]) -> Option<String> {
        let root_name = text(chain_root(node)?, source);
        let base = scopes
            .iter()
            .filter_map(|s| self.scoped.get(s))
            .find_map(|names| names.get(root_name))
            .or_else(|| self.bindings.get(root_name))?;
        let (_, attrs) = split_chain(node, source)?;
        Some(join_chain(base, &attrs))
    }
}

/// `a` of `a.b.c`; `None` unless an identifier or an attribute chain on one. Most expressions
/// do not start with an imported name: this finds out without collecting the chain.
fn chain_root(node: Node) -> Option<Node> {
    let mut current = node;
    loop {
        match current.kind() {
            "identifier" => return Some(current),
            "attribute" => current = current.field(Field::Object)?,
            _ => return None,
        }
    }
}

/// `a.b.c` → (`a`, [`b`, `c`]); `None` unless an identifier or an attribute chain on one.
fn split_chain<'t, 's>(node: Node<'t>, source: &'s str) -> Option<(Node<'t>, Vec<&'s str>)> {
    let mut attrs = Vec::new();
    let mut current = node;
    loop {
        match current.kind() {
            "identifier" => break,
            "attribute" => {
                attrs.push(text(current.field(Field::Attribute)?, source));
                current = current.field(Field::Object)?;
            }
            _ => return None,
        }
    }
    attrs.reverse();
    Some((current, attrs))
}

fn join_chain(base: &str, attrs: &[&str]) -> String {
    let mut qualified = base.to_string();
    for attr in attrs {
        qualified.push('.');
        qualified.push_str(attr);
    }
    qualified
}

/// Record the names an import statement binds.
fn add(bindings: &mut HashMap<String, String>, stmt: Node, source: &str) {
    match stmt.kind() {
        "import_statement" => {
            let mut cursor = stmt.walk();
            for name in stmt.children_by_field_name("name", &mut cursor) {
                match name.kind() {
                    // `import a.b.c` binds `a`, and `a.b.c.x` resolves through it.
                    "dotted_name" => {
                        let full = text(name, source);
                        let first = full.split('.').next().unwrap_or(full);
                        bindings.insert(first.to_string(), first.trim().to_string());
                    }
                    "aliased_import" => {
                        if let (Some(n), Some(alias)) =
                            (name.field(Field::Name), name.field(Field::Alias))
                        {
                            bindings.insert(
                                text(alias, source).to_string(),
                                normalize(text(n, source)),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        "import_from_statement" => {
            let Some(module) = stmt.field(Field::ModuleName) else {
                return;
            };
            let module = normalize(text(module, source));
            let mut cursor = stmt.walk();
            for name in stmt.children_by_field_name("name", &mut cursor) {
                let (imported, local) = match name.kind() {
                    "dotted_name" => (text(name, source), text(name, source)),
                    "aliased_import" => match (name.field(Field::Name), name.field(Field::Alias)) {
                        (Some(n), Some(a)) => (text(n, source), text(a, source)),
                        _ => continue,
                    },
                    _ => continue,
                };
                bindings.insert(
                    local.to_string(),
                    format!("{module}.{}", normalize(imported)),
                );
            }
        }
        _ => {}
    }
}

impl Imports {
    /// The qualified name of an identifier or attribute chain, when its root is imported at
    /// module level.
    ///
    /// Iterative: attribute chains can be arbitrarily long.
    pub fn resolve(&self, node: Node, source: &str) -> Option<String> {
        let base = self.bindings.get(text(chain_root(node)?, source))?;
        let (_, attrs) = split_chain(node, source)?;
        Some(join_chain(base, &attrs))
    }

    /// The local name bound to `qualified`, if the module imports it directly by name.
    pub fn local_name_of(&self, qualified: &str) -> Option<&str> {
        self.bindings
            .iter()
            .filter(|(_, q)| q.as_str() == qualified)
            .map(|(local, _)| local.as_str())
            .min()
    }

    /// The module-level bindings, sorted (local name → qualified name).
    pub fn module_bindings(&self) -> std::collections::BTreeMap<String, String> {
        self.bindings
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn is_bound(&self, local: &str) -> bool {
        self.bindings.contains_key(local)
    }
}

fn normalize(dotted: &str) -> String {
    dotted.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::Index;
    use crate::syntax::python;

    fn resolve_all(src: &str, exprs: &[&str]) -> Vec<Option<String>> {
        let full = format!("{src}\n{}\n", exprs.join("\n"));
        let tree = python::parse(&full, None);
        let index = Index::build(&tree, &full);
        let imports = Imports::collect(&index, &full);
        let root = tree.root_node();
        let mut out = Vec::new();
        let mut cursor = root.walk();
        let stmts: Vec<Node> = root.named_children(&mut cursor).collect();
        for stmt in &stmts[stmts.len() - exprs.len()..] {
            let expr = stmt.named_child(0).unwrap_or(*stmt);
            out.push(imports.resolve(expr, &full));
        }
        out
    }

    #[test]
    fn resolves_from_import_alias_and_module_attribute() {
        let src = "from django.utils.safestring import mark_safe as ms\nimport django.utils.html as h\nimport django.db\nfrom django.utils.html import (escape,\n    format_html)";
        let got = resolve_all(
            src,
            &[
                "ms",
                "h.format_html",
                "django.db.connection",
                "escape",
                "format_html",
                "other",
            ],
        );
        assert_eq!(
            got,
            vec![
                Some("django.utils.safestring.mark_safe".into()),
                Some("django.utils.html.format_html".into()),
                Some("django.db.connection".into()),
                Some("django.utils.html.escape".into()),
                Some("django.utils.html.format_html".into()),
                None,
            ]
        );
    }
}
