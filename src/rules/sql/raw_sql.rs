//! DJS201 `sql-string-formatting`: SQL built by string formatting passed to `cursor.execute()`
//! or `Manager.raw()`.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::strings::{self, Piece};
use crate::semantic::{Level, node};

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
Reports a query passed to `cursor.execute()` / `cursor.executemany()` (on a Django connection
cursor) or to `Model.objects.raw()` when it was built by string formatting — an f-string, `%`,
`.format()`, `+` or `join` — with a value that is not a constant, including when the string was
built in a local variable earlier in the same function. Queries passed with separate parameters
(`execute("... WHERE id = %s", [user_id])`) and constant queries are not reported, and neither are
strings that never reach one of these calls (a log message that says "select ... from" is fine).

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
When the query is an f-string or a `%s` format written directly in the call, every interpolated
part is a plain value (a name, attribute, item or call), and no parameters are passed yet, the
quick-fix turns each interpolated value into a `%s` placeholder and passes the values as a
parameter list. Literal `%` signs are doubled, as parameterised queries require.

## Fix safety
Safe when placeholders stand alone (`id = {uid}`). Unsafe when a placeholder was inside quotes
(`name = '{q}'`): the fix removes the quotes, because the driver adds its own, which is right for
strings but changes the query's text. Interpolations inside a larger quoted literal
(`LIKE '%{q}%'`) get no fix: build the pattern in Python (`"%" + q + "%"`) and pass it as a parameter.
Identifiers (table or column names) cannot be parameters: choose them from a constant allow-list.

## References
- Django: [Executing custom SQL directly](https://docs.djangoproject.com/en/stable/topics/db/sql/#executing-custom-sql-directly), [Performing raw queries](https://docs.djangoproject.com/en/stable/topics/db/sql/#performing-raw-queries)
- OWASP: SQL Injection Prevention Cheat Sheet; CWE-89
"#,
};

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.calls.clone();
    for call in calls {
        let Some(sink) = sink_kind(checker, call) else {
            continue;
        };
        let src = checker.source();
        let Some(query) = node::positional_args(call)
            .first()
            .copied()
            .or_else(|| node::keyword_arg(call, "sql", src))
            .or_else(|| node::keyword_arg(call, "raw_query", src))
        else {
            continue;
        };
        let flow = checker.model.flow(query);
        let reportable = match flow.level {
            Level::Request => true,
            Level::Unknown => flow.formatted,
            Level::Constant | Level::Escaped => false,
        };
        if !reportable {
            continue;
        }
        let (severity, message) = match (flow.level, &flow.source) {
            (Level::Request, Some(source)) => (
                Severity::Error,
                format!(
                    "SQL built from {source} by string formatting reaches `{sink}`: pass values as query parameters"
                ),
            ),
            _ => (
                Severity::Warning,
                format!(
                    "SQL built by string formatting with a non-constant value reaches `{sink}`: pass values as query parameters"
                ),
            ),
        };
        let fix = parameterise_fix(checker, call, query);
        checker.report(Finding::new(RULE.code, call.byte_range(), severity, message).with_fix(fix));
    }
}

/// Which sink a call is: `cursor.execute()`, `cursor.executemany()` or `.raw()` on a manager.
fn sink_kind(checker: &PyChecker, call: Node) -> Option<&'static str> {
    let src = checker.source();
    let method = node::callee_name(call, src)?;
    let receiver = node::call_receiver(call)?;
    match method {
        "execute" | "executemany" if is_cursor(checker, receiver, 0) => {
            Some(if method == "execute" {
                "cursor.execute()"
            } else {
                "cursor.executemany()"
            })
        }
        "raw" if is_manager(checker, receiver) => Some(".raw()"),
        _ => None,
    }
}

/// A database cursor: `connection.cursor()`, a name bound to one (`with ... as c`, `c = ...`),
/// or a name that says it is one (`cursor`, `cur`, `self.cursor`).
fn is_cursor(checker: &PyChecker, receiver: Node, depth: u32) -> bool {
    let src = checker.source();
    let receiver = node::unparenthesize(receiver);
    match receiver.kind() {
        "call" => node::callee_name(receiver, src) == Some("cursor"),
        "identifier" | "attribute" => {
            let name = match receiver.kind() {
                "attribute" => receiver
                    .child_by_field_name("attribute")
                    .map_or("", |a| node::text(a, src)),
                _ => node::text(receiver, src),
            };
            let lower = name.to_ascii_lowercase();
            if lower.contains("cursor") || lower == "cur" {
                return true;
            }
            if receiver.kind() == "identifier" && depth < 4 {
                let scope = crate::semantic::index::scope_of(receiver);
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

/// A model manager: `X.objects`, `X._default_manager`, or a queryset chain on one.
fn is_manager(checker: &PyChecker, receiver: Node) -> bool {
    let src = checker.source();
    let mut current = node::unparenthesize(receiver);
    loop {
        match current.kind() {
            "attribute" => {
                let attr = current
                    .child_by_field_name("attribute")
                    .map_or("", |a| node::text(a, src));
                if matches!(attr, "objects" | "_default_manager" | "_base_manager") {
                    return true;
                }
                match current.child_by_field_name("object") {
                    Some(o) => current = o,
                    None => return false,
                }
            }
            "call" => match current.child_by_field_name("function") {
                Some(f) => current = f,
                None => return false,
            },
            _ => return false,
        }
    }
}

/// `execute(f"... {x} ...")` → `execute("... %s ...", [x])`.
fn parameterise_fix(checker: &PyChecker, call: Node, query: Node) -> Option<Fix> {
    let src = checker.source();
    if node::arg_count(call) != 1 || node::positional_args(call).first() != Some(&query) {
        return None;
    }
    let template = strings::decompose(query, src)?;
    let mut sql = template.open.clone();
    let mut params = Vec::new();
    let mut removed_quotes = false;
    let pieces = &template.pieces;
    let mut skip_leading_quote = false;
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Lit(text) => {
                let mut text = text.as_str();
                if skip_leading_quote {
                    text = text.strip_prefix('\'').unwrap_or(text);
                    skip_leading_quote = false;
                }
                let quoted_next = matches!(pieces.get(i + 1), Some(Piece::Value { .. }))
                    && text.ends_with('\'')
                    && matches!(pieces.get(i + 2), Some(Piece::Lit(next)) if next.starts_with('\''));
                if quoted_next {
                    text = &text[..text.len() - 1];
                }
                sql.push_str(&text.replace('%', "%%"));
            }
            Piece::Value { expr, spec } => {
                if !spec.is_empty() || !is_plain_value(*expr) {
                    return None;
                }
                // A value inside a quoted literal: `'{x}'` loses its quotes; `'%{x}%'` cannot be fixed.
                let before = match i.checked_sub(1).and_then(|j| pieces.get(j)) {
                    Some(Piece::Lit(t)) => t.as_str(),
                    _ => "",
                };
                let after = match pieces.get(i + 1) {
                    Some(Piece::Lit(t)) => t.as_str(),
                    _ => "",
                };
                let quoted = before.ends_with('\'') && after.starts_with('\'');
                if quoted {
                    removed_quotes = true;
                    skip_leading_quote = true;
                } else if inside_sql_string(before) {
                    return None;
                }
                sql.push_str("%s");
                params.push(node::text(*expr, src).to_string());
            }
        }
    }
    if params.is_empty() {
        return None;
    }
    sql.push_str(&template.close);
    let replacement = format!("{sql}, [{}]", params.join(", "));
    let edits = vec![Edit::replace(query.byte_range(), replacement)];
    let title = "Pass the interpolated values as query parameters";
    Some(if removed_quotes {
        Fix::unsafe_(title, edits)
    } else {
        Fix::safe(title, edits)
    })
}

/// Whether the SQL text before a placeholder leaves an open `'...` literal.
fn inside_sql_string(before: &str) -> bool {
    before.matches('\'').count() % 2 == 1
}

/// A value expression whose text can move into a parameter list unchanged.
fn is_plain_value(expr: Node) -> bool {
    matches!(
        node::unparenthesize(expr).kind(),
        "identifier" | "attribute" | "subscript" | "call" | "integer" | "float"
    )
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings, fix_applicability};

    const HEAD: &str = "from django.db import connection\n";

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
                ("DJS201", 11, 5, "warning"),
                ("DJS201", 12, 5, "warning"),
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
}
