//! DJS202 `sql-extra-formatting`: SQL built by string formatting in `QuerySet.extra()`.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule, sql};
use crate::semantic::{SinkKind, node, strings};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS202",
    name: "sql-extra-formatting",
    family: Family::Sql,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "SQL built by string formatting is passed to `QuerySet.extra()`.",
    django_checks: &[],
    peers: &[
        "bandit:B610",
        "ruff:S610",
        "semgrep:avoid-query-set-extra",
        "semgrep:sql-injection-using-extra-where",
    ],
    docs: r#"
## What it does
Reports the SQL pieces given to `.extra()` — the values of `select={...}`, the items of
`where=[...]`, `tables=[...]` and `order_by=[...]` (or a whole argument that is not a literal) — when
they were built by string formatting (f-string, `%`, `.format()`, `+`, `join`) with a non-constant
value, or come from the request. Constant SQL with `%s` placeholders and `params=` /
`select_params=` is not reported, whether or not parameters are given.

The finding is an **error** when request data is formatted in and a **warning** when the value's
origin is unknown.

## Why is this bad?
`extra()` inserts these strings into the query as SQL. Formatting a value into them lets whoever
controls the value rewrite the query: SQL injection. Django documents `extra()` as a last resort
that will be deprecated; `params` is the only safe way to pass values to it.

## Example
```python
def search(request):
    q = request.GET["q"]
    return Item.objects.extra(where=[f"name = '{q}'"])
```

Use instead:
```python
def search(request):
    q = request.GET["q"]
    return Item.objects.extra(where=["name = %s"], params=[q])
    # better: Item.objects.filter(name=q)
```

## Fix
For `where=[...]` items written as f-strings, `%s` formats or `.format()` calls whose interpolated
parts are plain values standing where SQL takes a value, the quick-fix replaces them with `%s`
placeholders and passes the values in `params=`, merged in placeholder order with the parameters
already given. No fix for `select`, `tables` or `order_by` (use `select_params`, or choose
identifiers from a constant allow-list), nor for identifiers or `LIKE '%...%'` patterns.

## Fix safety
Safe when placeholders stand alone; unsafe when quotes around a placeholder (`'{q}'`) are removed,
since the query text changes.

## References
- Django: [`extra()`](https://docs.djangoproject.com/en/stable/ref/models/querysets/#extra)
- OWASP: SQL Injection Prevention Cheat Sheet; CWE-89
"#,
};

/// `extra()`'s parameters, in positional order.
const PARAMS: [&str; 6] = [
    "select",
    "where",
    "params",
    "tables",
    "order_by",
    "select_params",
];

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        if site.name != Some("extra") || site.receiver.is_none() {
            continue;
        }
        let call = site.node;
        let src = checker.source();
        let arg = |name: &str| -> Option<Node> {
            let i = PARAMS.iter().position(|p| *p == name)?;
            node::positional_args(call)
                .get(i)
                .copied()
                .or_else(|| node::keyword_arg(call, name, src))
        };
        let (select, where_, tables, order_by) =
            (arg("select"), arg("where"), arg("tables"), arg("order_by"));
        if select.is_none() && where_.is_none() && tables.is_none() && order_by.is_none() {
            continue;
        }
        let params = arg("params");
        let mut where_fix: Option<Option<Fix>> = None;
        for (name, value) in [
            ("select", select),
            ("where", where_),
            ("tables", tables),
            ("order_by", order_by),
        ] {
            let Some(value) = value else { continue };
            for piece in sql_pieces(value) {
                let flow = checker.model.flow_for(piece, SinkKind::Sql);
                if !sql::is_reportable(&flow) {
                    continue;
                }
                let fix = if name == "where" {
                    where_fix
                        .get_or_insert_with(|| where_params_fix(checker, call, value, params))
                        .clone()
                } else {
                    None
                };
                let message = format!(
                    "{} in `extra({name}=...)`: pass values in `{}` instead",
                    sql::describe(&flow),
                    if name == "select" {
                        "select_params"
                    } else {
                        "params"
                    }
                );
                checker.report(
                    Finding::new(RULE.code, piece.byte_range(), sql::severity(&flow), message)
                        .with_fix(fix),
                );
            }
        }
    }
}

/// The SQL strings of an `extra()` argument: the values of a dict literal, the items of a list
/// or tuple literal, or the argument itself.
fn sql_pieces(value: Node) -> Vec<Node> {
    let value = node::unparenthesize(value);
    let mut cursor = value.walk();
    match value.kind() {
        "dictionary" => value
            .named_children(&mut cursor)
            .filter(|p| p.kind() == "pair")
            .filter_map(|p| p.field(Field::Value))
            .collect(),
        "list" | "tuple" | "set" => value
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect(),
        _ => vec![value],
    }
}

/// Rewrite every item of a `where=[...]` literal to placeholders, with `params=` merged.
fn where_params_fix(
    checker: &PyChecker,
    call: Node,
    where_: Node,
    params: Option<Node>,
) -> Option<Fix> {
    let src = checker.source();
    let where_ = node::unparenthesize(where_);
    if !matches!(where_.kind(), "list" | "tuple") {
        return None;
    }
    // Only keyword `params=` (or none): positional `extra()` calls are left alone.
    if params.is_some_and(|p| p.parent().is_none_or(|k| k.kind() != "keyword_argument")) {
        return None;
    }
    let existing = sql::Existing::of(params, src)?;
    let mut rewriter = sql::Parameteriser::new(sql::Percent::Placeholders, existing);
    let mut edits = Vec::new();
    for item in sql_pieces(where_) {
        let template = strings::decompose_or_literal(item, src)?;
        let rewritten = rewriter.rewrite(&template, src)?;
        if rewritten != node::text(item, src) {
            edits.push(Edit::replace(item.byte_range(), rewritten));
        }
    }
    let merged = rewriter.finish()?;
    match params {
        Some(p) => edits.push(Edit::replace(p.byte_range(), merged.text.clone())),
        None => {
            let last = call
                .field(Field::Arguments)
                .and_then(|a| a.named_child(a.named_child_count().saturating_sub(1)))?;
            edits.push(Edit::insert(
                last.end_byte(),
                format!(", params={}", merged.text),
            ));
        }
    }
    let title = "Pass the interpolated values in params=";
    Some(if merged.removed_quotes {
        Fix::unsafe_(title, edits)
    } else {
        Fix::safe(title, edits)
    })
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings, fix_applicability};

    #[test]
    fn flags_formatted_extra_sql() {
        let src = "def v(request, pk):\n    q = request.GET['q']\n    a = Item.objects.extra(where=[f\"name = '{q}'\", 'active'])\n    b = Item.objects.extra(select={'x': 'price * %s' % load()}, select_params=[])\n    c = Item.objects.filter(a=1).extra(tables=['t_' + pk], order_by=[q])\n    d = Item.objects.extra(where=request.GET.getlist('w'))\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS202", 3, 35, "error"),
                ("DJS202", 4, 41, "hint"),
                ("DJS202", 5, 48, "error"),
                ("DJS202", 5, 70, "error"),
                ("DJS202", 6, 34, "error"),
            ]
        );
    }

    #[test]
    fn silent_on_placeholders_and_constants() {
        let src = "ORDER = {'new': '-created', 'old': 'created'}\ndef v(request):\n    q = request.GET['q']\n    a = Item.objects.extra(where=['name = %s'], params=[q])\n    b = Item.objects.extra(select={'is_new': 'created > %s'}, select_params=(q,))\n    c = Item.objects.extra(order_by=[ORDER[request.GET['o']]])\n    d = Item.objects.extra(where=['active'])\n    logger.info('x', extra={'q': q})\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn fix_moves_values_into_params() {
        let src = "def v(request, pk):\n    q = request.GET['q']\n    a = Item.objects.extra(where=['a = %s', f'b = {pk}'], params=[1])\n    b = Item.objects.extra(where=[f\"name = '{q}'\"])\n";
        assert_eq!(fix_applicability(src, "DJS202"), vec!["safe", "unsafe"]);
        let fixed = assert_fix(src, "DJS202");
        assert!(
            fixed.contains("extra(where=['a = %s', 'b = %s'], params=[1, pk])"),
            "{fixed}"
        );
        assert!(
            fixed.contains("extra(where=[\"name = %s\"], params=[q])"),
            "{fixed}"
        );
    }
}
