//! DJS109 `markup-non-constant`: Jinja2 / MarkupSafe `Markup()` on a value that is not a constant
//! string.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::{Level, node, strings};

pub const RULE: Rule = Rule {
    code: "DJS109",
    name: "markup-non-constant",
    family: Family::Xss,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "`Markup()` (Jinja2 / MarkupSafe) applied to a value that is not a constant string.",
    django_checks: &[],
    peers: &["bandit:B704", "ruff:S704"],
    docs: r#"
## What it does
Reports `Markup(value)` from `markupsafe` (also re-exported as `jinja2.Markup` and `flask.Markup`
in older releases) when `value` is not a constant string: formatted with a variable, a variable,
or a call result. Projects that render with Django's Jinja2 backend use it the way Django code
uses `mark_safe()`. Escaped values (`escape()`, `Markup.escape()`, `format_html()`) and constants
are not reported.

The finding is an **error** for request data and a **warning** for values of unknown origin.

## Why is this bad?
`Markup` tells Jinja2 the string is already safe HTML, so autoescaping skips it. Any user data
formatted into it first reaches the page unescaped: cross-site scripting.

## Example
```python
from markupsafe import Markup

def greet(request):
    return Markup(f"<b>{request.GET['name']}</b>")
```

Use instead:
```python
from markupsafe import Markup

def greet(request):
    return Markup("<b>{}</b>").format(request.GET["name"])
```

## Fix
When the argument is an f-string, a `%s` format or a `.format()` call on a literal, the quick-fix
keeps the template in `Markup(...)` and passes the values to `Markup.format()`, which escapes
them.

## Fix safety
Unsafe: the values are escaped after the fix, so a value that intentionally contained HTML is
shown as text.

## References
- MarkupSafe: [`Markup`](https://markupsafe.palletsprojects.com/en/stable/escaping/#markupsafe.Markup), [Formatting](https://markupsafe.palletsprojects.com/en/stable/formatting/)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

const MARKUP: &[&str] = &["markupsafe.Markup", "jinja2.Markup", "flask.Markup"];

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
        if !MARKUP.contains(&qualified.as_str()) {
            continue;
        }
        let Some(arg) = node::positional_args(call).first().copied() else {
            continue;
        };
        let flow = checker.model.flow(arg);
        if !flow.is_dangerous() {
            continue;
        }
        let message = match flow.level {
            Level::Request => format!(
                "`Markup()` marks {} as safe HTML: autoescaping skips it (XSS)",
                xss::origin(&flow)
            ),
            _ => "`Markup()` on a non-constant value: anything in it reaches the page unescaped; use `Markup(\"...{}...\").format(value)`".to_string(),
        };
        let fix = format_fix(checker, call, function, arg);
        checker.report(
            Finding::new(RULE.code, call.byte_range(), xss::severity(&flow), message).with_fix(fix),
        );
    }
}

/// `Markup(f"<b>{x}</b>")` → `Markup("<b>{}</b>").format(x)`.
fn format_fix(checker: &PyChecker, call: Node, function: Node, arg: Node) -> Option<Fix> {
    let src = checker.source();
    if node::arg_count(call) != 1 {
        return None;
    }
    let template = strings::decompose(arg, src)?;
    template.values().next()?;
    let (format, args) = xss::brace_template(&template, src, None)?;
    let replacement = format!(
        "{}({format}).format({})",
        node::text(function, src),
        args.join(", ")
    );
    Some(Fix::unsafe_(
        "Pass the values to Markup.format()",
        vec![Edit::replace(call.byte_range(), replacement)],
    ))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings};

    #[test]
    fn flags_non_constant_markup() {
        let src = "from markupsafe import Markup\nimport jinja2\ndef v(request):\n    a = Markup(f\"<b>{request.GET['n']}</b>\")\n    b = jinja2.Markup('<i>%s</i>' % load())\n    c = Markup(request.POST['html'])\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS109", 4, 9, "error"),
                ("DJS109", 5, 9, "hint"),
                ("DJS109", 6, 9, "error"),
            ]
        );
    }

    #[test]
    fn silent_on_constants_escaped_and_other_markups() {
        let src = "from markupsafe import Markup, escape\ndef v(request):\n    a = Markup('<br>')\n    b = Markup('<b>%s</b>' % escape(request.GET['n']))\n    c = Markup(Markup.escape(request.GET['n']))\n    d = Markup('<b>{}</b>').format(request.GET['n'])\ndef w(Markup, x):\n    return Markup(x)\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn fix_uses_markup_format() {
        let src = "from markupsafe import Markup\ndef v(request):\n    name = request.GET['n']\n    return Markup(f'<b>{name}</b> {{x}}')\n";
        let fixed = assert_fix(src, "DJS109");
        assert!(
            fixed.contains("return Markup('<b>{}</b> {{x}}').format(name)"),
            "{fixed}"
        );
    }
}
