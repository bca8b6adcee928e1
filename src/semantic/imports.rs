//! Import resolution: which local names refer to which qualified names.

use std::collections::HashMap;

use tree_sitter::Node;

use super::index::Index;
use super::node::text;

#[derive(Debug, Default)]
pub struct Imports {
    /// Local name → qualified name it is bound to.
    bindings: HashMap<String, String>,
}

impl Imports {
    pub fn collect(index: &Index, source: &str) -> Imports {
        let mut imports = Imports::default();
        for stmt in &index.imports {
            imports.add(*stmt, source);
        }
        imports
    }

    fn add(&mut self, stmt: Node, source: &str) {
        match stmt.kind() {
            "import_statement" => {
                let mut cursor = stmt.walk();
                for name in stmt.children_by_field_name("name", &mut cursor) {
                    match name.kind() {
                        // `import a.b.c` binds `a`, and `a.b.c.x` resolves through it.
                        "dotted_name" => {
                            let full = text(name, source);
                            let first = full.split('.').next().unwrap_or(full);
                            self.bindings
                                .insert(first.to_string(), first.trim().to_string());
                        }
                        "aliased_import" => {
                            if let (Some(n), Some(alias)) = (
                                name.child_by_field_name("name"),
                                name.child_by_field_name("alias"),
                            ) {
                                self.bindings.insert(
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
                let Some(module) = stmt.child_by_field_name("module_name") else {
                    return;
                };
                let module = normalize(text(module, source));
                let mut cursor = stmt.walk();
                for name in stmt.children_by_field_name("name", &mut cursor) {
                    let (imported, local) = match name.kind() {
                        "dotted_name" => (text(name, source), text(name, source)),
                        "aliased_import" => match (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) {
                            (Some(n), Some(a)) => (text(n, source), text(a, source)),
                            _ => continue,
                        },
                        _ => continue,
                    };
                    self.bindings.insert(
                        local.to_string(),
                        format!("{module}.{}", normalize(imported)),
                    );
                }
            }
            _ => {}
        }
    }

    /// The qualified name of an identifier or attribute chain, when its root is imported.
    pub fn resolve(&self, node: Node, source: &str) -> Option<String> {
        match node.kind() {
            "identifier" => self.bindings.get(text(node, source)).cloned(),
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attr = node.child_by_field_name("attribute")?;
                let base = self.resolve(object, source)?;
                Some(format!("{base}.{}", text(attr, source)))
            }
            _ => None,
        }
    }

    /// The local name bound to `qualified`, if the module imports it directly by name.
    pub fn local_name_of(&self, qualified: &str) -> Option<&str> {
        self.bindings
            .iter()
            .filter(|(_, q)| q.as_str() == qualified)
            .map(|(local, _)| local.as_str())
            .min()
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
