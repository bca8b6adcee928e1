//! DJS201 `sql-string-formatting`: SQL built by string formatting passed to `cursor.execute()`
//! or `Manager.raw()`.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule, sql};
use crate::semantic::index::Call;
use crate::semantic::{SinkKind, node, strings};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS201",
    name: "sql-string-formatting",
    family: Family::Sql,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "A SQL query built by string formatting reaches `cursor.execute()` or `.raw()`.",
    django_checks: &[],
    peers: &[
        "bandit:B608",
        "bandit:B611",
        "ruff:S608",
        "ruff:S611",
        "semgrep:formatted-sql-query",
    ],
    docs: r#"
## What it does
Reports a query passed to `cursor.execute()` / `cursor.executemany()` on a database cursor
(`connection.cursor()`, `connections["alias"].cursor()`, a `with ... as cursor` name, or a name
that says it is a cursor) or to `Model.objects.raw()` when it was built by string formatting — an
f-string, `%`, `.format()`, `+` or `join` — with a value that is not a constant, including when
the string was built in local variables earlier in the function (`sql += f" AND {x}"`), or when
the whole query comes from the request. Callables listed as extra SQL sinks in the configuration
are checked the same way.

Not reported: queries passed with separate parameters (`execute("... WHERE id = %s", [user_id])`),
constant queries (also module constants), identifiers chosen from a constant allow-list
(`{"new": "created"}[key]`) or checked against a collection the client does not control
(`if col in ALLOWED:`, or `if col not in ALLOWED: raise ...` before the query), numbers (`int(x)`), and
strings that never reach one of these calls: a log message that says "select ... from" is fine.
HTML escaping (`escape()`) does not make a value safe for SQL.

The finding is an **error** when request data (`request.GET`, URL parameters, `form.cleaned_data`,
...) is formatted in, and a **warning** when the value's origin is unknown.

## Why is this bad?
Formatting a value into SQL lets whoever controls the value change the query: read other users'
rows, bypass a login, drop a table. The database driver escapes parameters correctly when they are
passed separately; string formatting escapes nothing.

## Example
```python
def search(request):
    q = request.GET["q"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM app_item WHERE name = '{q}'")
```

Use instead:
```python
def search(request):
    q = request.GET["q"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM app_item WHERE name = %s", [q])
```

## Fix
When the query is an f-string, a `%s` format, a `.format()` call or a concatenation written
directly in the call, and every interpolated part is a plain value (a name, attribute, item or
call) standing where SQL takes a value (after `=`, `<`, `>`, an arithmetic operator, `LIKE`,
`LIMIT`, `OFFSET`, or in `VALUES (...)`), the quick-fix turns each interpolated value into a `%s` placeholder and passes the
values as parameters. Parameters the call already passes are merged in placeholder order (a list
or tuple literal), or kept first (`[*params, x]`) when they are a variable. Literal `%` signs are
doubled when the query had no parameters before.

No fix is offered for identifiers (`FROM {table}`, `ORDER BY {col}`: choose them from a constant
allow-list), SQL fragments (`WHERE {cond}`), `IN ({ids})` lists, values inside a larger SQL literal
(`LIKE '%{q}%'`: build the pattern in Python and pass it as a parameter), or `executemany()`.

## Fix safety
Safe when placeholders stand alone (`id = {uid}`). Unsafe when a placeholder was inside quotes
(`name = '{q}'`): the fix removes the quotes, because the driver adds its own, which is right for
strings but changes the query's text.

## References
- Django: [Executing custom SQL directly](https://docs.djangoproject.com/en/stable/topics/db/sql/#executing-custom-sql-directly), [Performing raw queries](https://docs.djangoproject.com/en/stable/topics/db/sql/#performing-raw-queries)
- OWASP: SQL Injection Prevention Cheat Sheet; CWE-89
"#,
};

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let Some(sink) = sink_kind(checker, &site) else {
            continue;
        };
        let call = site.node;
        let src = checker.source();
        let Some(query) = node::positional_args(call)
            .first()
            .copied()
            .or_else(|| node::keyword_arg(call, "sql", src))
            .or_else(|| node::keyword_arg(call, "raw_query", src))
        else {
            continue;
        };
        let flow = checker.model.flow_for(query, SinkKind::Sql);
        if !sql::is_reportable(&flow) {
            continue;
        }
        let message = format!(
            "{} reaches `{}`: pass values as query parameters",
            sql::describe(&flow),
            sink.label()
        );
        let fix = parameterise_fix(checker, call, query, sink);
        checker.report(
            Finding::new(RULE.code, call.byte_range(), sql::severity(&flow), message).with_fix(fix),
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sink {
    Execute,
    ExecuteMany,
    Raw,
    /// A callable from the configuration's extra SQL sinks.
    Configured,
}

impl Sink {
    fn label(self) -> &'static str {
        match self {
            Sink::Execute => "cursor.execute()",
            Sink::ExecuteMany => "cursor.executemany()",
            Sink::Raw => ".raw()",
            Sink::Configured => "a SQL function",
        }
    }
}

/// Which sink a call is: `cursor.execute()`, `cursor.executemany()`, `.raw()` on a manager, or a
/// configured SQL function.
fn sink_kind(checker: &PyChecker, call: &Call) -> Option<Sink> {
    let tables = checker.model.sources;
    if !tables.sql_sinks.is_empty()
        && let Some(function) = call.function
        && checker
            .model
            .qualified_name(function)
            .is_some_and(|q| tables.is_sql_sink(&q))
    {
        return Some(Sink::Configured);
    }
    let method = call.name?;
    let receiver = call.receiver?;
    match method {
        "execute" if is_cursor(checker, receiver, 0) => Some(Sink::Execute),
        "executemany" if is_cursor(checker, receiver, 0) => Some(Sink::ExecuteMany),
        "raw" if is_manager(checker, receiver) => Some(Sink::Raw),
        _ => None,
    }
}

/// A database cursor: `connection.cursor()`, `connections["alias"].cursor()`, a name bound to
/// one (`with ... as c`, `c = ...`), or a name that says it is one (`cursor`, `cur`,
/// `self.cursor`).
fn is_cursor(checker: &PyChecker, receiver: Node, depth: u32) -> bool {
    let src = checker.source();
    let receiver = node::unparenthesize(receiver);
    match receiver.kind() {
        "call" => node::callee_name(receiver, src) == Some("cursor"),
        "identifier" | "attribute" => {
            let name = match receiver.kind() {
                "attribute" => receiver
                    .field(Field::Attribute)
                    .map_or("", |a| node::text(a, src)),
                _ => node::text(receiver, src),
            };
            let lower = name.to_ascii_lowercase();
            if lower.contains("cursor") || lower == "cur" {
                return true;
            }
            if receiver.kind() == "identifier" && depth < 4 {
                let scope = checker.model.index.scope_at(receiver);
                return checker
                    .model
                    .index
                    .bindings(scope, name)
                    .iter()
                    .filter_map(|b| b.value)
                    .any(|v| is_cursor(checker, v, depth + 1));
            }
            false
        }
        _ => false,
    }
}

/// A model manager: `X.objects`, `X._default_manager`, `Model.custom_manager`, or a call chain
/// on one.
fn is_manager(checker: &PyChecker, receiver: Node) -> bool {
    let src = checker.source();
    let mut current = node::unparenthesize(receiver);
    loop {
        match current.kind() {
            "attribute" => {
                let attr = current
                    .field(Field::Attribute)
                    .map_or("", |a| node::text(a, src));
                if matches!(attr, "objects" | "_default_manager" | "_base_manager") {
                    return true;
                }
                let Some(object) = current.field(Field::Object) else {
                    return false;
                };
                // `Article.published.raw(...)`: a manager on a model class (capitalised name).
                if object.kind() == "identifier"
                    && node::text(object, src).starts_with(|c: char| c.is_ascii_uppercase())
                {
                    return true;
                }
                current = object;
            }
            "call" => match current.field(Field::Function) {
                Some(f) => current = f,
                None => return false,
            },
            _ => return false,
        }
    }
}

/// `execute(f"... {x} ...")` → `execute("... %s ...", [x])`, merging with existing parameters.
fn parameterise_fix(checker: &PyChecker, call: Node, query: Node, sink: Sink) -> Option<Fix> {
    let src = checker.source();
    if matches!(sink, Sink::ExecuteMany | Sink::Configured) {
        return None;
    }
    let positional = node::positional_args(call);
    let query_is_positional = positional.first() == Some(&query);
    let params_node = if query_is_positional {
        positional.get(1).copied()
    } else {
        None
    }
    .or_else(|| node::keyword_arg(call, "params", src));
    if positional.len() > 2 {
        return None;
    }
    let existing = sql::Existing::of(params_node, src)?;
    let mode = match (sink, &existing) {
        (Sink::Execute, sql::Existing::Absent) => sql::Percent::Literal,
        _ => sql::Percent::Placeholders,
    };
    let template = strings::decompose(query, src)?;
    let mut rewriter = sql::Parameteriser::new(mode, existing);
    let new_query = rewriter.rewrite(&template, src)?;
    let params = rewriter.finish()?;
    let mut edits = vec![Edit::replace(query.byte_range(), new_query)];
    match params_node {
        Some(p) => edits.push(Edit::replace(p.byte_range(), params.text.clone())),
        None if query_is_positional => {
            edits.push(Edit::insert(query.end_byte(), format!(", {}", params.text)));
        }
        None => {
            let keyword = query.parent().filter(|p| p.kind() == "keyword_argument")?;
            edits.push(Edit::insert(
                keyword.end_byte(),
                format!(", params={}", params.text),
            ));
        }
    }
    let title = "Pass the interpolated values as query parameters";
    Some(if params.removed_quotes {
        Fix::unsafe_(title, edits)
    } else {
        Fix::safe(title, edits)
    })
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings, fix_applicability};

    const HEAD: &str = "from django.db import connection\n";

    #[test]
    fn identifiers_and_configuration_are_not_reported_stored_text_is() {
        let src = format!(
            "{HEAD}from django.conf import settings\ndef v(obj, table):\n    with connection.cursor() as c:\n        c.execute(f'SELECT * FROM {{obj._meta.db_table}}')\n        c.execute('SELECT * FROM %s' % connection.ops.quote_name(table))\n        c.execute(f'SELECT * FROM {{settings.AUDIT_TABLE}}')\n        c.execute(f\"SELECT * FROM t WHERE name = '{{obj.name}}'\")\n"
        );
        assert_eq!(codes_at(&src), vec![("DJS201", 8, 9, "warning")]);
    }

    #[test]
    fn flags_formatting_into_execute_and_raw() {
        let src = format!(
            "{HEAD}def v(request, pk):\n    q = request.GET['q']\n    with connection.cursor() as c:\n        c.execute(f\"SELECT * FROM t WHERE name = '{{q}}'\")\n        c.execute('SELECT * FROM t WHERE id = %s' % pk)\n    sql = 'SELECT * FROM t WHERE a = ' + q\n    sql += ' ORDER BY id'\n    connection.cursor().execute(sql)\n    Item.objects.raw('SELECT * FROM t WHERE x = {{}}'.format(q))\n    Item.objects.filter(a=1).raw(f'SELECT {{col()}} FROM t')\n    cursor.executemany('INSERT INTO t VALUES (%s)' % other(), [])\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS201", 5, 9, "error"),
                ("DJS201", 6, 9, "error"),
                ("DJS201", 9, 5, "error"),
                ("DJS201", 10, 5, "error"),
                ("DJS201", 11, 5, "hint"),
                ("DJS201", 12, 5, "hint"),
            ]
        );
    }

    #[test]
    fn silent_on_parameters_constants_and_non_sinks() {
        let src = format!(
            "{HEAD}TABLE = 'app_item'\nORDER = {{'n': 'name', 'd': 'date'}}\ndef v(request):\n    q = request.GET['q']\n    c = connection.cursor()\n    c.execute('SELECT * FROM t WHERE name = %s', [q])\n    c.execute(f'SELECT * FROM {{TABLE}}')\n    c.execute('SELECT * FROM t ORDER BY ' + ORDER[request.GET['o']])\n    c.execute(f'SELECT * FROM t WHERE id = {{int(q)}}')\n    Item.objects.raw('SELECT * FROM t WHERE id = %s', [q])\n    logger.info(f'select * from t where name = {{q}}')\n    subprocess.execute(f'{{q}}')\n    c.execute(some_query)\n"
        );
        assert_eq!(findings(&src), vec![]);
    }

    #[test]
    fn fix_parameterises_fstring_and_percent() {
        let src = format!(
            "{HEAD}def v(request, pk):\n    c = connection.cursor()\n    c.execute(f'SELECT * FROM t WHERE id = {{pk}} AND n LIKE \"a%\"')\n    c.execute('DELETE FROM t WHERE id = %s AND k = %s' % (pk, request.GET['k']))\n"
        );
        assert_eq!(fix_applicability(&src, "DJS201"), vec!["safe", "safe"]);
        let fixed = assert_fix(&src, "DJS201");
        assert!(
            fixed.contains("c.execute('SELECT * FROM t WHERE id = %s AND n LIKE \"a%%\"', [pk])"),
            "{fixed}"
        );
        assert!(
            fixed.contains(
                "c.execute('DELETE FROM t WHERE id = %s AND k = %s', [pk, request.GET['k']])"
            ),
            "{fixed}"
        );
    }

    #[test]
    fn fix_removes_quotes_unsafely_and_skips_like_patterns() {
        let src = format!(
            "{HEAD}def v(request):\n    q = request.GET['q']\n    c = connection.cursor()\n    c.execute(f\"SELECT * FROM t WHERE name = '{{q}}'\")\n"
        );
        assert_eq!(fix_applicability(&src, "DJS201"), vec!["unsafe"]);
        let fixed = assert_fix(&src, "DJS201");
        assert!(
            fixed.contains("c.execute(\"SELECT * FROM t WHERE name = %s\", [q])"),
            "{fixed}"
        );
        let like = format!(
            "{HEAD}def v(request):\n    q = request.GET['q']\n    connection.cursor().execute(f\"SELECT * FROM t WHERE name LIKE '%{{q}}%'\")\n"
        );
        assert_eq!(fix_applicability(&like, "DJS201"), vec!["none"]);
    }

    #[test]
    fn connections_alias_and_bound_cursors() {
        let src = "from django.db import connections\ndef v(request):\n    q = request.GET['q']\n    with connections['replica'].cursor() as c:\n        c.execute('SELECT * FROM t WHERE a = ' + q)\n    connections['default'].cursor().execute(f'DELETE FROM t WHERE a = {q}')\n    db = connections['x'].cursor()\n    db.executemany('INSERT INTO t VALUES (%s)' % q, [])\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS201", 5, 9, "error"),
                ("DJS201", 6, 5, "error"),
                ("DJS201", 8, 5, "error"),
            ]
        );
    }

    #[test]
    fn peers_false_positives_are_silent() {
        // Semgrep flags a correctly parameterised raw(); Ruff and Bandit flag log messages.
        let src = format!(
            "{HEAD}import logging\nlogger = logging.getLogger(__name__)\ndef v(request):\n    q = request.GET['q']\n    sql = 'SELECT * FROM app_item WHERE name = %s'\n    items = Item.objects.raw(sql, [q])\n    logger.info('select * from app_item where name = %s' % q)\n    message = f'Delete from the list: {{q}}'\n    raise ValueError(f'SELECT failed for {{q}}')\n"
        );
        assert_eq!(findings(&src), vec![]);
    }

    #[test]
    fn html_escaping_does_not_protect_sql_and_allow_lists_do() {
        let src = format!(
            "{HEAD}from django.utils.html import escape\nALLOWED = ('name', 'created')\ndef v(request):\n    c = connection.cursor()\n    c.execute(f\"SELECT * FROM t WHERE a = '{{escape(request.GET['a'])}}'\")\n    col = request.GET.get('sort', 'name')\n    if col not in ALLOWED:\n        col = 'name'\n    c.execute(f'SELECT * FROM t ORDER BY {{col}}')\n    for key in ('a', 'b'):\n        c.execute(f'SELECT {{key}} FROM t')\n"
        );
        assert_eq!(codes_at(&src), vec![("DJS201", 6, 5, "error")]);
    }

    #[test]
    fn whole_query_from_request_is_an_error() {
        let src = format!(
            "{HEAD}def v(request):\n    connection.cursor().execute(request.POST['sql'])\n"
        );
        assert_eq!(codes_at(&src), vec![("DJS201", 3, 5, "error")]);
        assert_eq!(fix_applicability(&src, "DJS201"), vec!["none"]);
    }

    #[test]
    fn fix_merges_with_existing_parameters() {
        let src = format!(
            "{HEAD}def v(request, pk):\n    q = request.GET['q']\n    c = connection.cursor()\n    c.execute(f'SELECT * FROM t WHERE a = %s AND b = {{pk}} AND c = %s', [1, q])\n    c.execute(f'SELECT * FROM t WHERE a = %s AND b = {{pk}}', params)\n    Item.objects.raw(f'SELECT * FROM t WHERE a = {{pk}} AND b LIKE %s', params=('x%',))\n    Item.objects.raw(raw_query=f'SELECT * FROM t WHERE a = {{pk}}')\n"
        );
        assert_eq!(
            fix_applicability(&src, "DJS201"),
            vec!["safe", "safe", "safe", "safe"]
        );
        let fixed = assert_fix(&src, "DJS201");
        for expected in [
            "c.execute('SELECT * FROM t WHERE a = %s AND b = %s AND c = %s', [1, pk, q])",
            "c.execute('SELECT * FROM t WHERE a = %s AND b = %s', [*params, pk])",
            "Item.objects.raw('SELECT * FROM t WHERE a = %s AND b LIKE %s', params=[pk, 'x%'])",
            "Item.objects.raw(raw_query='SELECT * FROM t WHERE a = %s', params=[pk])",
        ] {
            assert!(fixed.contains(expected), "{expected}\n{fixed}");
        }
    }

    #[test]
    fn no_fix_for_identifiers_lists_fragments_and_mismatches() {
        let src = format!(
            "{HEAD}def v(request, table, ids, cond, pk):\n    c = connection.cursor()\n    c.execute(f'SELECT * FROM {{table}}')\n    c.execute('SELECT * FROM t WHERE id IN (%s)' % ','.join(ids))\n    c.execute(f'SELECT * FROM t WHERE {{cond}}')\n    c.execute(f'SELECT * FROM t WHERE a = {{pk}} AND b = %s', [1, 2])\n    c.execute(f'SELECT * FROM t WHERE a = {{pk}} AND b = %(b)s', {{'b': 1}})\n    c.executemany(f'INSERT INTO t VALUES ({{pk}}, %s)', rows)\n"
        );
        assert_eq!(
            fix_applicability(&src, "DJS201"),
            vec!["none", "none", "none", "none", "none", "none"]
        );
    }

    #[test]
    fn configured_sql_sinks_are_checked() {
        use std::sync::Arc;

        use crate::analysis::{Context, analyze_text};
        use crate::semantic::sources::Tables;
        use crate::syntax::Language;

        let src = "from app.db import run_sql\ndef v(request):\n    run_sql(f\"SELECT * FROM t WHERE a = '{request.GET['a']}'\")\n";
        assert_eq!(findings(src), vec![]);
        let mut tables = Tables::default();
        tables.sql_sinks.push("app.db.run_sql".into());
        let context = Context {
            tables: Arc::new(tables),
            ..Context::default()
        };
        let found = analyze_text(src, Language::Python, &context);
        assert_eq!(
            found.iter().map(|f| f.code).collect::<Vec<_>>(),
            vec!["DJS201"]
        );
    }
}
