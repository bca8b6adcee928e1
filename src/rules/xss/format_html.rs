//! DJS103 `format-html-preformatted`: `format_html()` / `format_html_join()` whose format string is
//! itself built by formatting, so the interpolated values are not escaped.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::{Level, node, strings};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS103",
    name: "format-html-preformatted",
    family: Family::Xss,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "The format string of `format_html()` or `format_html_join()` is built by string formatting, so nothing in it is escaped.",
    django_checks: &[],
    peers: &["semgrep:formathtml-fstring-parameter"],
    docs: r#"
## What it does
Reports `format_html(fmt, ...)` and `format_html_join(sep, fmt, rows)` when `fmt` is not a
constant: an f-string, a `%` or `.format()` formatting, a concatenation, or request data — also
when the string was built in a local variable first. `format_html()` called with a non-constant
string and no arguments (which is `mark_safe()` by another name) is reported too.

Not reported: a constant format string (including a translated one, `_("<b>{}</b>")`) with its
values passed as arguments, which is how `format_html()` is meant to be used, and a format string
received as a parameter and passed on with arguments (the caller owns it).

The finding is an **error** when request data is in the format string and a **warning** otherwise.

## Why is this bad?
`format_html()` escapes its *arguments*, then marks the result safe. Whatever was formatted into
the format string beforehand is not an argument: it is marked safe without being escaped. The
call looks safe in review and is not — a real cross-site scripting bug.

## Example
```python
from django.utils.html import format_html

def greeting(request):
    name = request.GET.get("name", "")
    return format_html(f"<b>Hello {name}</b>")
```

Use instead:
```python
from django.utils.html import format_html

def greeting(request):
    name = request.GET.get("name", "")
    return format_html("<b>Hello {}</b>", name)
```

## Fix
For `format_html()` whose format string is written in the call as an f-string, a `%s` format or a
`.format()` call on a literal, the quick-fix moves every interpolated value into a `{}` field with
the value as an argument, merging with the `{}` fields and arguments already there. Literal braces
are doubled. No fix is offered for `format_html_join()` or when the call uses numbered or named
fields.

## Fix safety
Unsafe: the moved values are escaped after the fix, so a value that intentionally contained HTML is
shown as text (values already marked safe, such as other `format_html()` results, are unchanged).

## References
- Django: [`format_html`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html), [`format_html_join`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html_join)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

const FORMAT_HTML: &[&str] = &["django.utils.html.format_html"];
const FORMAT_HTML_JOIN: &[&str] = &["django.utils.html.format_html_join"];

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
        let src = checker.source();
        let positional = node::positional_args(call);
        let (callee, format_arg, other_args) = if FORMAT_HTML.contains(&qualified.as_str()) {
            let fmt = positional
                .first()
                .copied()
                .or_else(|| node::keyword_arg(call, "format_string", src));
            ("format_html", fmt, node::arg_count(call).saturating_sub(1))
        } else if FORMAT_HTML_JOIN.contains(&qualified.as_str()) {
            let fmt = positional
                .get(1)
                .copied()
                .or_else(|| node::keyword_arg(call, "format_string", src));
            ("format_html_join", fmt, 1)
        } else {
            continue;
        };
        let Some(format_arg) = format_arg else {
            continue;
        };
        let flow = checker.model.flow(format_arg);
        let reportable = match flow.level {
            Level::Request => true,
            Level::Unknown => flow.formatted || other_args == 0,
            Level::Constant | Level::Escaped => false,
        };
        if !reportable {
            continue;
        }
        let message = if flow.formatted {
            format!(
                "the format string of `{callee}()` is built by formatting {} into it: that part is not escaped (XSS); pass it as an argument",
                xss::origin(&flow)
            )
        } else {
            format!(
                "the format string of `{callee}()` is {}: it is marked safe without escaping (XSS)",
                xss::origin(&flow)
            )
        };
        let fix = if callee == "format_html" {
            argument_fix(checker, call, format_arg)
        } else {
            None
        };
        checker.report(
            Finding::new(RULE.code, call.byte_range(), xss::severity(&flow), message).with_fix(fix),
        );
    }
}

/// `format_html(f"<b>{x}</b> {{}}", y)` → `format_html("<b>{}</b> {}", x, y)`.
fn argument_fix(checker: &PyChecker, call: Node, format_arg: Node) -> Option<Fix> {
    let src = checker.source();
    let args_node = call.field(Field::Arguments)?;
    let positional = node::positional_args(call);
    // Only `format_html(<formatted literal>, positional...)`.
    if positional.first() != Some(&format_arg) || node::arg_count(call) != positional.len() {
        return None;
    }
    let template = strings::decompose(format_arg, src)?;
    let existing: Vec<String> = positional
        .iter()
        .skip(1)
        .map(|a| node::text(*a, src).to_string())
        .collect();
    let (format, args) = xss::brace_template(&template, src, Some(&existing))?;
    let replacement = if args.is_empty() {
        format!("({format})")
    } else {
        format!("({format}, {})", args.join(", "))
    };
    Some(Fix::unsafe_(
        "Pass the interpolated values as format_html() arguments",
        vec![Edit::replace(args_node.byte_range(), replacement)],
    ))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings, fix_applicability};

    const IMPORT: &str = "from django.utils.html import format_html, format_html_join\n";

    #[test]
    fn flags_preformatted_format_strings() {
        let src = format!(
            "{IMPORT}def v(request, pk):\n    name = request.GET['n']\n    a = format_html(f'<b>{{name}}</b>')\n    b = format_html('<i>%s</i> {{}}' % pk, name)\n    c = format_html('<p>{{}}</p>'.format(load()))\n    fmt = '<a href=\"' + name + '\">{{}}</a>'\n    d = format_html(fmt, 'x')\n    e = format_html_join('\\n', f'<li>{{name}}: {{{{}}}}</li>', ((x,) for x in rows))\n    f = format_html(request.GET['html'])\n    g = format_html(load())\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS103", 4, 9, "error"),
                ("DJS103", 5, 9, "error"),
                ("DJS103", 6, 9, "hint"),
                ("DJS103", 8, 9, "error"),
                ("DJS103", 9, 9, "error"),
                ("DJS103", 10, 9, "error"),
                ("DJS103", 11, 9, "hint"),
            ]
        );
    }

    #[test]
    fn silent_on_proper_use() {
        let src = format!(
            "{IMPORT}from django.utils.translation import gettext as _\nROW = '<li>{{}}</li>'\ndef v(request):\n    a = format_html('<b>{{}}</b>', request.GET['n'])\n    b = format_html(_('Hello <b>{{}}</b>'), request.user)\n    c = format_html_join('\\n', ROW, ((x,) for x in request.GET.getlist('x')))\n    e = format_html('<br>')\ndef helper(fmt, value):\n    return format_html(fmt, value)\n"
        );
        assert_eq!(findings(&src), vec![]);
    }

    #[test]
    fn fix_moves_values_into_arguments_merging_existing_ones() {
        let src = format!(
            "{IMPORT}def v(request):\n    n = request.GET['n']\n    a = format_html(f'<b>{{n}}</b> {{{{}}}} {{{{x}}}}', request.user)\n"
        );
        // `{{x}}` in the f-string is `{x}` at runtime: a named field, which cannot be merged.
        assert_eq!(fix_applicability(&src, "DJS103"), vec!["none"]);
        let src = format!(
            "{IMPORT}def v(request):\n    n = request.GET['n']\n    a = format_html(f'<b>{{n}}</b> {{{{}}}}', request.user)\n    b = format_html('<i>%s</i>' % n)\n"
        );
        assert_eq!(fix_applicability(&src, "DJS103"), vec!["unsafe", "unsafe"]);
        let fixed = assert_fix(&src, "DJS103");
        assert!(
            fixed.contains("a = format_html('<b>{}</b> {}', n, request.user)"),
            "{fixed}"
        );
        assert!(fixed.contains("b = format_html('<i>{}</i>', n)"), "{fixed}");
    }
}
