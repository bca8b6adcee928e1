//! DJS204 `sql-expression-template`: a `Func` / `Expression` SQL template (or function name)
//! built by string formatting.

use std::collections::HashSet;

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule, sql};
use crate::semantic::{SinkKind, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS204",
    name: "sql-expression-template",
    family: Family::Sql,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "The SQL `template` or `function` of a `Func`/`Expression` is built by string formatting.",
    django_checks: &[],
    peers: &[
        "semgrep:custom-expression-as-sql",
        "semgrep:extends-custom-expression",
        "pycharm-security:DJG104",
    ],
    docs: r#"
## What it does
Reports the SQL `template`, `function` and `arg_joiner` of query expressions when they are built
by string formatting with a non-constant value or come from the request:
- class attributes of subclasses of `Func`, `Expression`, `Aggregate`, `Transform`, `Lookup`,
  `Window` (from `django.db.models` and its submodules), also when assigned as `self.template`
  in a method;
- keyword arguments `template=`, `function=`, `arg_joiner=` given to these classes, to subclasses
  defined in the module, and to `as_sql()`.

Constant templates with Django's `%(function)s` / `%(expressions)s` placeholders are not
reported, and neither are templates assembled from module constants.

## Why is this bad?
Django inserts an expression's `template` and `function` into the query as SQL text; only the
compiled sub-expressions are parameterised. A value formatted into a template is SQL injection
that lives inside the ORM, where reviewers rarely look for it.

## Example
```python
from django.db.models import Func

def ordered(request):
    fn = request.GET["fn"]
    return Item.objects.annotate(v=Func("price", function=fn))
```

Use instead:
```python
from django.db.models import Func

FUNCTIONS = {"abs": "ABS", "round": "ROUND"}

def ordered(request):
    fn = FUNCTIONS[request.GET["fn"]]
    return Item.objects.annotate(v=Func("price", function=fn))
```

## Fix
No automatic fix. Keep templates and function names constant (choose them from a constant
allow-list), and pass values as expressions (`Value(x)`), which Django parameterises.

## Fix safety
No fix is offered.

## References
- Django: [Query expressions: `Func()`](https://docs.djangoproject.com/en/stable/ref/models/expressions/#func-expressions), [Writing your own query expressions](https://docs.djangoproject.com/en/stable/ref/models/expressions/#writing-your-own-query-expressions)
- OWASP: SQL Injection Prevention Cheat Sheet; CWE-89
"#,
};

const EXPRESSION_BASES: &[&str] = &[
    "Func",
    "Expression",
    "Aggregate",
    "Transform",
    "Lookup",
    "BuiltinLookup",
    "Window",
];

const SQL_ATTRIBUTES: &[&str] = &["template", "function", "arg_joiner"];

fn is_django_expression(qualified: &str) -> bool {
    qualified.starts_with("django.db.models")
        && qualified
            .rsplit('.')
            .next()
            .is_some_and(|name| EXPRESSION_BASES.contains(&name))
}

fn derives_from_expression(checker: &PyChecker, class: Node, local_names: &HashSet<&str>) -> bool {
    has_base_named(class, local_names, checker.source())
        || bases(class).into_iter().any(|b| {
            checker
                .model
                .qualified_name(b)
                .is_some_and(|q| is_django_expression(&q))
        })
}

/// The base-class expressions of a class definition.
fn bases(class: Node) -> Vec<Node> {
    class
        .field(Field::Superclasses)
        .map_or_else(Vec::new, |list| {
            let mut cursor = list.walk();
            list.named_children(&mut cursor).collect()
        })
}

/// Whether one of `class`'s bases is a plain name in `names`.
fn has_base_named(class: Node, names: &HashSet<&str>, src: &str) -> bool {
    bases(class)
        .into_iter()
        .any(|b| b.kind() == "identifier" && names.contains(node::text(b, src)))
}

/// The top-level classes of the module (decorated or not), read from the tree, not the index:
/// the index may cover only the definitions that changed, and a subclass may live in another.
fn top_level_classes<'t>(checker: &PyChecker<'t>) -> Vec<Node<'t>> {
    checker
        .model
        .tree
        .named_top_level()
        .into_iter()
        .filter_map(node::definition)
        .filter(|c| c.kind() == "class_definition")
        .collect()
}

/// The names of the module's classes deriving from a Django expression, directly or through a
/// class of this module.
fn local_expression_classes<'t>(checker: &PyChecker<'t>, classes: &[Node<'t>]) -> HashSet<&'t str> {
    let src = checker.source();
    let mut local_names: HashSet<&str> = HashSet::new();
    for class in classes {
        if derives_from_expression(checker, *class, &local_names)
            && let Some(name) = class.field(Field::Name)
        {
            local_names.insert(node::text(name, src));
        }
    }
    local_names
}

pub fn check(checker: &mut PyChecker) {
    let src = checker.source();
    // Resolving every class's bases is most of this rule's cost on a keystroke in a large
    // module: do it only when a checked class or a call names a class of the module.
    let classes = top_level_classes(checker);
    let class_names: HashSet<&str> = classes
        .iter()
        .filter_map(|c| c.field(Field::Name))
        .map(|n| node::text(n, src))
        .collect();
    let calls_local_class = checker.model.index.call_sites.iter().any(|site| {
        site.function
            .is_some_and(|f| f.kind() == "identifier" && class_names.contains(node::text(f, src)))
    });
    // The local expression classes matter only to a checked class deriving from a class of the
    // module, or to a call of one: editing any other class does not resolve them all again.
    let derives_from_local = checker
        .model
        .index
        .classes
        .iter()
        .any(|c| has_base_named(*c, &class_names, src));
    let local_names = if derives_from_local || calls_local_class {
        local_expression_classes(checker, &classes)
    } else {
        HashSet::new()
    };
    let expression_classes: Vec<Node> = checker
        .model
        .index
        .classes
        .iter()
        .copied()
        .filter(|c| derives_from_expression(checker, *c, &local_names))
        .collect();
    let mut targets: Vec<(Node, &str)> = Vec::new();
    for class in &expression_classes {
        for attr in SQL_ATTRIBUTES {
            for binding in checker.model.index.bindings(class.start_byte(), attr) {
                if let Some(value) = binding.value {
                    targets.push((value, attr));
                }
            }
        }
    }
    // `self.template = ...` in a method of an expression class.
    for stmt in checker.model.index.attribute_assignments.iter().copied() {
        let (Some(left), Some(right)) = (stmt.field(Field::Left), stmt.field(Field::Right)) else {
            continue;
        };
        let attr = left
            .field(Field::Attribute)
            .map_or("", |a| node::text(a, src));
        let on_self = left
            .field(Field::Object)
            .is_some_and(|o| node::text(o, src) == "self");
        let Some(attr) = SQL_ATTRIBUTES.iter().find(|a| **a == attr) else {
            continue;
        };
        if on_self && expression_classes.iter().any(|c| node::contains(*c, stmt)) {
            targets.push((right, attr));
        }
    }
    // Keyword arguments of calls.
    for site in checker.model.index.call_sites.iter() {
        let call = site.node;
        let Some(function) = site.function else {
            continue;
        };
        let callee = site.name.unwrap_or("");
        let applies = callee.starts_with("as_")
            || (function.kind() == "identifier" && local_names.contains(callee))
            || checker
                .model
                .qualified_name(function)
                .is_some_and(|q| is_django_expression(&q));
        if !applies {
            continue;
        }
        for attr in SQL_ATTRIBUTES {
            if let Some(value) = node::keyword_arg(call, attr, src) {
                targets.push((value, attr));
            }
        }
    }
    targets.sort_by_key(|(n, _)| n.start_byte());
    targets.dedup_by_key(|(n, _)| n.start_byte());
    for (value, attr) in targets {
        let flow = checker.model.flow_for(value, SinkKind::Sql);
        if !sql::is_reportable(&flow) {
            continue;
        }
        checker.report(Finding::new(
            RULE.code,
            value.byte_range(),
            sql::severity(&flow),
            format!(
                "{} is used as an expression's `{attr}`, which Django inserts into the query as SQL text; keep it constant",
                sql::describe(&flow)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{codes_at, findings};

    #[test]
    fn flags_formatted_templates_and_functions() {
        let src = "from django.db.models import Func, Aggregate\nfrom django.db import models\nclass Upper(Func):\n    template = '%(function)s(%(expressions)s) ' + get_suffix()\nclass MyAgg(Aggregate):\n    def __init__(self, expr, sep):\n        self.template = f\"GROUP_CONCAT(%(expressions)s SEPARATOR '{sep}')\"\n        super().__init__(expr)\ndef v(request):\n    fn = request.GET['fn']\n    a = Item.objects.annotate(x=Func('price', function=fn))\n    b = Item.objects.annotate(x=Upper('name', template=f'{fn}(%(expressions)s)'))\n    c = models.F('x').as_sql(None, None, template='%s' % fn)\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS204", 4, 16, "hint"),
                ("DJS204", 7, 25, "hint"),
                ("DJS204", 11, 56, "error"),
                ("DJS204", 12, 56, "error"),
                ("DJS204", 13, 51, "error"),
            ]
        );
    }

    #[test]
    fn subclasses_of_local_expression_classes() {
        let src = "from django.db.models import Func\nclass Base(Func):\n    pass\nclass Child(Base):\n    template = f'{load()}(%(expressions)s)'\ndef v(request):\n    return Child('x', function=request.GET['f'])\n";
        assert_eq!(
            codes_at(src),
            vec![("DJS204", 5, 16, "hint"), ("DJS204", 7, 32, "error")]
        );
    }

    #[test]
    fn silent_on_constant_templates() {
        let src = "from django.db.models import Func, Transform\nSEP = ', '\nFUNCS = {'abs': 'ABS', 'round': 'ROUND'}\nclass Upper(Func):\n    function = 'UPPER'\n    template = '%(function)s(%(expressions)s)'\n    arg_joiner = SEP\nclass Lower(Transform):\n    lookup_name = 'lower'\n    template = 'LOWER(%%(expressions)s) %s' % 'COLLATE \"C\"'\ndef v(request):\n    a = Func('price', function=FUNCS[request.GET['fn']])\n    b = Item.objects.filter(template=request.GET['t'])\nclass Other:\n    template = f'{load()}'\n";
        assert_eq!(findings(src), vec![]);
    }
}
