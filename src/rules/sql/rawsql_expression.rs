//! DJS203 `rawsql-formatting`: SQL built by string formatting passed to `RawSQL()`.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule, sql};
use crate::semantic::{SinkKind, node, strings};

pub const RULE: Rule = Rule {
    code: "DJS203",
    name: "rawsql-formatting",
    family: Family::Sql,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "SQL built by string formatting is passed to the `RawSQL()` expression.",
    django_checks: &[],
    peers: &[
        "bandit:B611",
        "ruff:S611",
        "semgrep:avoid-raw-sql",
        "semgrep:sql-injection-using-rawsql",
    ],
    docs: r#"
## What it does
Reports `RawSQL(sql, params)` (from `django.db.models` or `django.db.models.expressions`) when
`sql` was built by string formatting with a non-constant value, or comes from the request —
also across local variables. A constant `sql` with `%s` placeholders and its values in `params`
is not reported.

The finding is an **error** when request data is formatted in and a **warning** when the value's
origin is unknown.

## Why is this bad?
`RawSQL` puts its first argument into the query as SQL, in `annotate()`, `filter()` or
`order_by()`. A formatted value can change the query: SQL injection. The `params` argument exists
so values are passed to the database driver separately.

## Example
```python
from django.db.models.expressions import RawSQL

def ranked(request):
    boost = request.GET["boost"]
    return Item.objects.annotate(score=RawSQL(f"rank * {boost}", []))
```

Use instead:
```python
from django.db.models.expressions import RawSQL

def ranked(request):
    boost = request.GET["boost"]
    return Item.objects.annotate(score=RawSQL("rank * %s", [boost]))
```

## Fix
When `sql` is an f-string, a `%s` format or a `.format()` call written in the call and each
interpolated part is a plain value standing where SQL takes a value, the quick-fix replaces it with
`%s` placeholders and merges the values into `params` in placeholder order.

## Fix safety
Safe when placeholders stand alone; unsafe when quotes around a placeholder (`'{q}'`) are removed.

## References
- Django: [`RawSQL` expressions](https://docs.djangoproject.com/en/stable/ref/models/expressions/#raw-sql-expressions)
- OWASP: SQL Injection Prevention Cheat Sheet; CWE-89
"#,
};

const RAWSQL: &[&str] = &[
    "django.db.models.expressions.RawSQL",
    "django.db.models.RawSQL",
];

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let call = site.node;
        let Some(function) = site.function else {
            continue;
        };
        let Some(qualified) = checker.model.qualified_name(function) else {
            continue;
        };
        if !RAWSQL.contains(&qualified.as_str()) {
            continue;
        }
        let src = checker.source();
        let positional = node::positional_args(call);
        let Some(query) = positional
            .first()
            .copied()
            .or_else(|| node::keyword_arg(call, "sql", src))
        else {
            continue;
        };
        let flow = checker.model.flow_for(query, SinkKind::Sql);
        if !sql::is_reportable(&flow) {
            continue;
        }
        let params = if positional.first() == Some(&query) {
            positional.get(1).copied()
        } else {
            None
        }
        .or_else(|| node::keyword_arg(call, "params", src));
        let fix = params_fix(checker, query, params);
        checker.report(
            Finding::new(
                RULE.code,
                call.byte_range(),
                sql::severity(&flow),
                format!(
                    "{} reaches `RawSQL()`: pass values in its `params`",
                    sql::describe(&flow)
                ),
            )
            .with_fix(fix),
        );
    }
}

fn params_fix(checker: &PyChecker, query: Node, params: Option<Node>) -> Option<Fix> {
    let src = checker.source();
    let params = params?;
    let existing = sql::Existing::of(Some(params), src)?;
    let template = strings::decompose(query, src)?;
    let mut rewriter = sql::Parameteriser::new(sql::Percent::Placeholders, existing);
    let new_query = rewriter.rewrite(&template, src)?;
    let merged = rewriter.finish()?;
    let edits = vec![
        Edit::replace(query.byte_range(), new_query),
        Edit::replace(params.byte_range(), merged.text.clone()),
    ];
    let title = "Pass the interpolated values in params";
    Some(if merged.removed_quotes {
        Fix::unsafe_(title, edits)
    } else {
        Fix::safe(title, edits)
    })
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings, fix_applicability};

    const HEAD: &str =
        "from django.db.models.expressions import RawSQL\nfrom django.db import models\n";

    #[test]
    fn flags_formatted_rawsql() {
        let src = format!(
            "{HEAD}def v(request, pk):\n    boost = request.GET['b']\n    a = Item.objects.annotate(s=RawSQL(f'rank * {{boost}}', []))\n    sql = 'SELECT x FROM t WHERE id = %s' % lookup()\n    b = Item.objects.filter(id__in=models.RawSQL(sql, ()))\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS203", 5, 33, "error"), ("DJS203", 7, 36, "hint")]
        );
    }

    #[test]
    fn silent_on_parameterised_rawsql() {
        // Semgrep's avoid-raw-sql flags these.
        let src = format!(
            "{HEAD}def v(request):\n    a = Item.objects.annotate(s=RawSQL('rank * %s', [request.GET['b']]))\n    b = RawSQL('SELECT 1', ())\n"
        );
        assert_eq!(findings(&src), vec![]);
    }

    #[test]
    fn fix_merges_params() {
        let src = format!(
            "{HEAD}def v(request, pk):\n    a = RawSQL(f'SELECT x FROM t WHERE a = %s AND b = {{pk}}', ['k'])\n    b = RawSQL(sql=f\"SELECT x FROM t WHERE c = '{{pk}}'\", params=[])\n    c = RawSQL(f'rank * {{pk}}', [])\n"
        );
        assert_eq!(
            fix_applicability(&src, "DJS203"),
            vec!["safe", "unsafe", "safe"]
        );
        let fixed = assert_fix(&src, "DJS203");
        assert!(
            fixed.contains("RawSQL('SELECT x FROM t WHERE a = %s AND b = %s', ['k', pk])"),
            "{fixed}"
        );
        assert!(
            fixed.contains("RawSQL(sql=\"SELECT x FROM t WHERE c = %s\", params=[pk])"),
            "{fixed}"
        );
        assert!(fixed.contains("c = RawSQL('rank * %s', [pk])"), "{fixed}");
    }
}
