//! DJS105 `html-method-unescaped`: `__html__()` methods, and `__str__()` of `@html_safe` classes,
//! returning unescaped data.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::xss::mark_safe_decorator::{decorators, return_value};
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::{Level, strings};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS105",
    name: "html-method-unescaped",
    family: Family::Xss,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "An `__html__()` method, or the `__str__()` of an `@html_safe` class, returns unescaped data.",
    django_checks: &[],
    peers: &["semgrep:html-magic-method", "semgrep:html-safe"],
    docs: r#"
## What it does
Reports the `return` values of `__html__()` methods, and of `__str__()` in classes decorated with
`@html_safe` (`django.utils.html.html_safe`), that build a string here from unescaped parts —
f-strings, `%`, `.format()`, `+` or `join` with attributes, parameters or call results — or that
return request data. Returning `format_html(...)`, `escape(...)`, `render_to_string(...)` or a
constant is fine, and so is delegating (`return self.render()`, `return str(self)`): the method
that builds the HTML is where to look.

The finding is an **error** when request data reaches the return and a **warning** otherwise.

## Why is this bad?
Django's templates and `conditional_escape()` call `__html__()` and insert its result as is;
`@html_safe` defines `__html__()` as `str(self)`. Whatever these methods return is trusted HTML,
so an attribute that holds user input (a name, a title, a comment) becomes cross-site scripting
in every template that renders the object.

## Example
```python
from django.utils.html import html_safe

@html_safe
class Badge:
    def __init__(self, label):
        self.label = label

    def __str__(self):
        return f"<span class='badge'>{self.label}</span>"
```

Use instead:
```python
from django.utils.html import format_html, html_safe

@html_safe
class Badge:
    def __init__(self, label):
        self.label = label

    def __str__(self):
        return format_html("<span class='badge'>{}</span>", self.label)
```

## Fix
When the returned value is an f-string, a `%s` format or a `.format()` call on a literal, the
quick-fix rewrites it to `format_html()` and adds the import.

## Fix safety
Unsafe: the interpolated values are escaped after the fix; a value that intentionally held HTML is
shown as text (values already marked safe are unchanged).

## References
- Django: [`html_safe`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.html_safe), [`conditional_escape`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.conditional_escape)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

const HTML_SAFE: &str = "django.utils.html.html_safe";

pub fn check(checker: &mut PyChecker) {
    let functions = checker.model.index.functions.clone();
    for function in functions {
        let Some(class) = method_class(checker, function) else {
            continue;
        };
        let name = function
            .field(Field::Name)
            .map_or("", |n| checker.model.text(n));
        let applies = match name {
            "__html__" => true,
            "__str__" => decorators(class)
                .into_iter()
                .any(|d| checker.model.qualified_name(d).as_deref() == Some(HTML_SAFE)),
            _ => false,
        };
        if !applies {
            continue;
        }
        let what = if name == "__html__" {
            "`__html__()`".to_string()
        } else {
            "`__str__()` of an `@html_safe` class".to_string()
        };
        let returns = checker.model.index.returns(function).to_vec();
        for ret in returns {
            let Some(value) = return_value(ret) else {
                continue;
            };
            let flow = checker.model.flow(value);
            // Delegation (`return self.render()`, `return str(self)`) is the method's job; a
            // string built here with unescaped parts, or request data, is the bug.
            if !(flow.level == Level::Request || (flow.is_dangerous() && flow.formatted)) {
                continue;
            }
            let message = match flow.level {
                Level::Request => format!(
                    "{what} returns {}: templates insert it unescaped (XSS)",
                    xss::origin(&flow)
                ),
                _ => format!(
                    "{what} returns a non-constant value without escaping: templates insert it as HTML; build it with `format_html()`"
                ),
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

/// The class whose body defines `function` directly (a method), if any.
fn method_class<'t>(checker: &PyChecker<'t>, function: Node<'t>) -> Option<Node<'t>> {
    let index = &checker.model.index;
    let scope = index.scope_at(function);
    index
        .scope_node(scope)
        .filter(|n| n.kind() == "class_definition")
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings};

    #[test]
    fn flags_html_methods_and_html_safe_str() {
        let src = "from django.utils.html import html_safe\nclass A:\n    def __html__(self):\n        return f'<b>{self.name}</b>'\n\n@html_safe\nclass B:\n    def __str__(self):\n        return '<i>%s</i>' % self.title\n";
        assert_eq!(
            codes_at(src),
            vec![("DJS105", 4, 16, "warning"), ("DJS105", 9, 16, "warning")]
        );
    }

    #[test]
    fn silent_on_escaped_constant_and_unrelated_methods() {
        let src = "from django.utils.html import html_safe, format_html, escape\nclass A:\n    def __html__(self):\n        return format_html('<b>{}</b>', self.name)\n    def __str__(self):\n        return f'<b>{self.name}</b>'\n\n@html_safe\nclass B:\n    def __str__(self):\n        return '<i>%s</i>' % escape(self.title)\n\nclass C:\n    def __html__(self):\n        return '<hr>'\n\nclass D:\n    def __html__(self):\n        return self.render()\n\n@html_safe\nclass E:\n    def __str__(self):\n        return self.as_widget()\n\ndef __html__(x):\n    return f'{x}'\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn fix_returns_format_html() {
        let src = "from django.utils.html import escape\nclass A:\n    def __html__(self):\n        return f'<b>{self.name}</b>'\n";
        let fixed = assert_fix(src, "DJS105");
        assert_eq!(
            fixed,
            "from django.utils.html import escape, format_html\nclass A:\n    def __html__(self):\n        return format_html('<b>{}</b>', self.name)\n"
        );
    }
}
