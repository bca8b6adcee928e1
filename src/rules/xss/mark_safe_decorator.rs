//! DJS102 `mark-safe-decorator`: a function decorated with `@mark_safe` returns a non-constant
//! value.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::xss::mark_safe::MARKERS;
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::{Level, strings};

pub const RULE: Rule = Rule {
    code: "DJS102",
    name: "mark-safe-decorator",
    family: Family::Xss,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "A function decorated with `@mark_safe` returns a value that is not a constant string.",
    django_checks: &[],
    peers: &["ruff:S308"],
    docs: r#"
## What it does
Reports the `return` values of a function decorated with `@mark_safe` (from
`django.utils.safestring` or `django.utils.html`) that are not constant strings or escaped
values: `mark_safe` used as a decorator marks whatever the function returns as safe HTML. Each
offending `return` is reported, with the same data flow as DJS101: an **error** when request data
reaches it, a **warning** when the value's origin is unknown.

## Why is this bad?
The decorator form hides the `mark_safe` call from a reader of the `return` statement, and from
some linters (Bandit does not see it at all). A returned string that contains user data is
rendered unescaped: cross-site scripting.

## Example
```python
from django.utils.safestring import mark_safe

@mark_safe
def badge(user):
    return f"<span class='badge'>{user.username}</span>"
```

Use instead:
```python
from django.utils.html import format_html

def badge(user):
    return format_html("<span class='badge'>{}</span>", user.username)
```

## Fix
When the returned value is an f-string, a `%s` format or a `.format()` call on a literal, the
quick-fix rewrites it to `format_html()` (which escapes the values and already returns safe HTML)
and adds the import. The decorator becomes redundant and can be removed by hand.

## Fix safety
Unsafe: the interpolated values are escaped after the fix, so a value that intentionally
contained HTML is shown as text. Mark such a value safe where it is built instead.

## References
- Django: [`mark_safe`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.safestring.mark_safe) ("can be used as a decorator"), [`format_html`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

pub fn check(checker: &mut PyChecker) {
    let functions = checker.model.index.functions.clone();
    for function in functions {
        if !decorated_with_marker(checker, function) {
            continue;
        }
        let returns = checker.model.index.returns(function).to_vec();
        for ret in returns {
            let Some(value) = return_value(ret) else {
                continue;
            };
            let flow = checker.model.flow(value);
            if !flow.is_dangerous() {
                continue;
            }
            let message = match flow.level {
                Level::Request => format!(
                    "returns {} from a function decorated with `@mark_safe`: it reaches the page unescaped (XSS)",
                    xss::origin(&flow)
                ),
                _ => "returns a non-constant value from a function decorated with `@mark_safe`: anything in it reaches the page unescaped".to_string(),
            };
            let fix = strings::decompose(value, checker.source())
                .and_then(|t| xss::format_html_call(checker, &t))
                .map(|(replacement, import)| {
                    let mut edits = vec![Edit::replace(value.byte_range(), replacement)];
                    edits.extend(import);
                    Fix::unsafe_("Return format_html() instead", edits)
                });
            checker.report(
                Finding::new(RULE.code, value.byte_range(), xss::severity(&flow), message)
                    .with_fix(fix),
            );
        }
    }
}

/// Whether `function` has a `@mark_safe` (or `@safestring.mark_safe`) decorator.
pub(crate) fn decorated_with_marker(checker: &PyChecker, function: Node) -> bool {
    decorators(function).into_iter().any(|d| {
        checker
            .model
            .qualified_name(d)
            .is_some_and(|q| MARKERS.contains(&q.as_str()))
    })
}

/// The expressions of a function's or class's decorators.
pub(crate) fn decorators(definition: Node) -> Vec<Node> {
    let Some(parent) = definition
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    else {
        return Vec::new();
    };
    let mut cursor = parent.walk();
    parent
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "decorator")
        .filter_map(|d| d.named_child(0))
        .collect()
}

/// The value of a `return` statement, if it has one.
pub(crate) fn return_value(ret: Node) -> Option<Node> {
    let mut cursor = ret.walk();
    ret.named_children(&mut cursor)
        .find(|c| c.kind() != "comment")
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings};

    #[test]
    fn flags_returns_of_decorated_functions() {
        // Bandit misses the decorator form (bandit#592).
        let src = "from django.utils.safestring import mark_safe\nfrom django.utils import safestring\n\n@mark_safe\ndef badge(user):\n    return f'<b>{user.name}</b>'\n\nclass V:\n    @safestring.mark_safe\n    def title(self, request):\n        if request.GET:\n            return request.GET['t']\n        return '<i>none</i>'\n";
        assert_eq!(
            codes_at(src),
            vec![("DJS102", 6, 12, "warning"), ("DJS102", 12, 20, "error")]
        );
    }

    #[test]
    fn silent_on_constant_and_escaped_returns_and_other_decorators() {
        let src = "from django.utils.safestring import mark_safe\nfrom django.utils.html import format_html, escape\n\n@mark_safe\ndef icon():\n    return '<i class=\"icon\"></i>'\n\n@mark_safe\ndef link(url):\n    if not url:\n        return ''\n    return format_html('<a href=\"{}\">x</a>', url)\n\n@mark_safe\ndef name(n):\n    return '<b>%s</b>' % escape(n)\n\n@other\ndef raw(n):\n    return f'<b>{n}</b>'\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn nested_function_returns_are_not_the_decorated_functions() {
        let src = "from django.utils.safestring import mark_safe\n\n@mark_safe\ndef outer():\n    def helper(x):\n        return f'<b>{x}</b>'\n    return '<hr>'\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn fix_returns_format_html() {
        let src = "from django.utils.safestring import mark_safe\n\n@mark_safe\ndef badge(user):\n    return f'<b>{user.name}</b>'\n";
        let fixed = assert_fix(src, "DJS102");
        assert_eq!(
            fixed,
            "from django.utils.safestring import mark_safe\nfrom django.utils.html import format_html\n\n@mark_safe\ndef badge(user):\n    return format_html('<b>{}</b>', user.name)\n"
        );
    }
}
