//! DJS106 `safe-filter-unescaped`: a template filter registered with `is_safe=True` that mixes
//! unescaped data other than its input into its result.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::xss::mark_safe_decorator::{decorators, return_value};
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::flow::Query;
use crate::semantic::{SinkKind, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS106",
    name: "safe-filter-unescaped",
    family: Family::Xss,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A template filter registered with `is_safe=True` returns unescaped data besides its input.",
    django_checks: &[],
    peers: &["semgrep:filter-with-is-safe"],
    docs: r#"
## What it does
Finds template filters registered with `is_safe=True` — `@register.filter(is_safe=True)`,
`@register.filter("name", is_safe=True)`, `register.filter("name", func, is_safe=True)` or
`func.is_safe = True` — and reports each `return` whose value mixes in anything that is neither
the filter's input, a constant nor escaped: typically the filter's argument (`{{ x|f:arg }}`) or
data the filter loads.

The input itself is not reported: Django marks the result safe only when the input was already
safe, so returning a transformed input (`value.upper()`, `value + "<br>"`) is what `is_safe=True`
is for.

Severity: a **warning** when the filter builds HTML of its own around that data (a string literal
with a tag in the returned value: `f"{value} <span>{arg}</span>"`); such a filter is meant for
safe input, so its output is marked safe and the data reaches the page unescaped. A **hint** when
it returns a new string without markup (a number, a date, a format result, an error message):
with unsafe input Django escapes the output as usual, and with safe input it matters only if that
string can hold HTML.

## Why is this bad?
With `is_safe=True`, Django marks the filter's output safe whenever its input was safe, without
escaping it (and escapes it as usual when the input was not: Django's docs require such a filter
not to introduce HTML-unsafe characters that were not in its input). Anything else the filter
added — the argument, a database value — reaches the page unescaped when the input is safe:
cross-site scripting through a filter that looks harmless in the template.

## Example
```python
@register.filter(is_safe=True)
def label(value, arg):
    return f"{value} <span>{arg}</span>"
```

Use instead:
```python
from django.utils.html import conditional_escape

@register.filter(is_safe=True)
def label(value, arg):
    return f"{value} <span>{conditional_escape(arg)}</span>"
```

## Fix
No automatic fix. Escape every other input with `conditional_escape()`, or drop `is_safe=True`
and use `needs_autoescape=True` to escape according to the template's autoescape setting.

## Fix safety
No fix is offered.

## References
- Django: [Filters and auto-escaping](https://docs.djangoproject.com/en/stable/howto/custom-template-tags/#filters-and-auto-escaping)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

pub fn check(checker: &mut PyChecker) {
    let src = checker.source();
    let mut filters: Vec<Node> = Vec::new();
    // Decorator forms.
    for function in checker.model.index.functions.iter().copied() {
        let safe = decorators(function).into_iter().any(|d| {
            d.kind() == "call"
                && node::callee_name(d, src) == Some("filter")
                && is_true(node::keyword_arg(d, "is_safe", src), src)
        });
        if safe {
            filters.push(function);
        }
    }
    // `register.filter("name", func, is_safe=True)`.
    for site in checker.model.index.call_sites.iter() {
        let call = site.node;
        if site.name != Some("filter")
            || site.receiver.is_none()
            || !is_true(node::keyword_arg(call, "is_safe", src), src)
        {
            continue;
        }
        let registered = node::positional_args(call)
            .into_iter()
            .chain(node::keyword_arg(call, "filter_func", src))
            .filter(|a| a.kind() == "identifier")
            .filter_map(|a| module_function(checker, node::text(a, src)));
        filters.extend(registered);
    }
    // `func.is_safe = True`.
    for &stmt in checker.model.index.attribute_assignments.iter() {
        let (Some(left), right) = (stmt.field(Field::Left), stmt.field(Field::Right)) else {
            continue;
        };
        let attr = left
            .field(Field::Attribute)
            .map_or("", |a| node::text(a, src));
        let object = left.field(Field::Object);
        if attr != "is_safe" || !is_true(right, src) {
            continue;
        }
        if let Some(object) = object.filter(|o| o.kind() == "identifier")
            && let Some(function) = module_function(checker, node::text(object, src))
        {
            filters.push(function);
        }
    }
    filters.sort_by_key(|f| f.start_byte());
    filters.dedup();
    for function in filters {
        check_filter(checker, function);
    }
}

fn check_filter(checker: &mut PyChecker, function: Node) {
    let src = checker.source();
    let Some(input) = first_parameter(function, src) else {
        return;
    };
    let fname = function
        .field(Field::Name)
        .map_or("filter", |n| node::text(n, src));
    let trusted = [(function.start_byte(), input)];
    let query = Query {
        summarize: None,
        sink: SinkKind::Html,
        trusted_params: &trusted,
        calls_propagate: true,
    };
    let returns = checker.model.index.returns(function).to_vec();
    for ret in returns {
        let Some(value) = return_value(ret) else {
            continue;
        };
        let flow = checker.model.flow_with(value, query);
        if !flow.is_dangerous() {
            continue;
        }
        let (severity, message) = if builds_markup(value, src) {
            (
                // Markup of its own around untraced data is what the filter is for: likely.
                match xss::severity(&flow) {
                    Severity::Error => Severity::Error,
                    _ => Severity::Warning,
                },
                format!(
                    "filter `{fname}` is registered with `is_safe=True` and builds HTML around {} that is not its input and is not escaped: whenever its input is safe, Django marks this output safe and it reaches the page as HTML; escape it with `conditional_escape()`",
                    xss::origin(&flow)
                ),
            )
        } else {
            (
                Severity::Hint,
                format!(
                    "filter `{fname}` is registered with `is_safe=True` and returns {} that is not its input: when its input is already safe, Django marks this output safe too; make sure it cannot hold HTML",
                    xss::origin(&flow)
                ),
            )
        };
        checker.report(Finding::new(
            RULE.code,
            value.byte_range(),
            severity,
            message,
        ));
    }
}

/// Whether a returned value writes HTML markup of its own: a string literal in it holds a tag
/// (`f"{value} <span>{arg}</span>"`, `"<%s>%s" % (arg, value)`). A filter that builds HTML is
/// meant to be used on safe input, whose output Django then marks safe: what it inserts
/// unescaped reaches the page. One that returns a new string without markup (a number, a date,
/// a format result, an error message) only matters if that string can hold HTML.
fn builds_markup(value: Node, src: &str) -> bool {
    let mut found = false;
    let mut seen = 0;
    node::walk(value, |n| {
        seen += 1;
        if found || seen > 2_000 {
            return false;
        }
        if matches!(n.kind(), "string_content" | "string") {
            let text = node::text(n, src);
            if text.contains('<')
                && text.split('<').skip(1).any(|after| {
                    after.starts_with(|c: char| {
                        c.is_ascii_alphabetic() || c == '/' || c == '%' || c == '{'
                    })
                })
            {
                found = true;
                return false;
            }
        }
        true
    });
    found
}

/// A function defined at module level with this name.
fn module_function<'t>(checker: &PyChecker<'t>, name: &str) -> Option<Node<'t>> {
    let src = checker.source();
    checker.model.index.functions.iter().copied().find(|f| {
        checker.model.index.scope_at(*f) == crate::semantic::index::MODULE
            && f.field(Field::Name)
                .is_some_and(|n| node::text(n, src) == name)
    })
}

fn first_parameter<'s>(function: Node, src: &'s str) -> Option<&'s str> {
    let params = function.field(Field::Parameters)?;
    let mut cursor = params.walk();
    let first = params.named_children(&mut cursor).next()?;
    let name = match first.kind() {
        "identifier" => first,
        "typed_parameter" => first.named_child(0)?,
        "default_parameter" | "typed_default_parameter" => first.field(Field::Name)?,
        _ => return None,
    };
    Some(node::text(name, src))
}

fn is_true(value: Option<Node>, src: &str) -> bool {
    value.is_some_and(|v| node::text(v, src) == "True")
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{codes_at, findings};

    const HEAD: &str = "from django import template\nregister = template.Library()\n";

    #[test]
    fn flags_unescaped_extra_data_in_safe_filters() {
        let src = format!(
            "{HEAD}@register.filter(is_safe=True)\ndef label(value, arg):\n    return f'{{value}} <span>{{arg}}</span>'\n\n@register.filter('badge', is_safe=True)\ndef badge(value):\n    return value + load_badge()\n\ndef tag(value, arg):\n    return '<%s>%s' % (arg, value)\nregister.filter('tag', tag, is_safe=True)\n\ndef old(value, arg=''):\n    return value + arg\nold.is_safe = True\n"
        );
        // Building HTML around unescaped data: a warning. A new string without markup of its
        // own: audit information (it matters only if it can hold HTML).
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS106", 5, 12, "warning"),
                ("DJS106", 9, 12, "hint"),
                ("DJS106", 12, 12, "warning"),
                ("DJS106", 16, 12, "hint"),
            ]
        );
    }

    /// Seen in Django (`stringformat`, `pprint`'s error message, `intcomma`), HyperKitty
    /// (`num_comments`, a regex edit of urlize output) and Weblate (`naturaltime` strings):
    /// Django marks the output of an `is_safe=True` filter safe only when its input was safe;
    /// a new string without markup is not a likely problem.
    #[test]
    fn new_strings_without_markup_are_hints() {
        let src = format!(
            "{HEAD}from pprint import pformat\n@register.filter(is_safe=True)\ndef stringformat(value, arg):\n    return ('%' + str(arg)) % value\n\n@register.filter(is_safe=True)\ndef pprint(value):\n    try:\n        return pformat(value)\n    except Exception as e:\n        return 'Error in formatting: %s: %s' % (e.__class__.__name__, e)\n\n@register.filter(is_safe=True)\ndef compare(value, arg):\n    return 'a < b' if arg else value\n"
        );
        let found = codes_at(&src);
        assert!(!found.is_empty());
        assert!(found.iter().all(|f| f.3 == "hint"), "{found:?}");
        // Markup in a format string, a concatenation, a `format()` template: warnings.
        let src = format!(
            "{HEAD}@register.filter(is_safe=True)\ndef a(value, arg):\n    return '<b>%s</b>%s' % (arg, value)\n\n@register.filter(is_safe=True)\ndef b(value, arg):\n    return value + '</span>' + arg\n\n@register.filter(is_safe=True)\ndef c(value, arg):\n    return '<a href=\"{{}}\">{{}}</a>'.format(arg, value)\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS106", 5, 12, "warning"),
                ("DJS106", 9, 12, "warning"),
                ("DJS106", 13, 12, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_calls_that_transform_the_input() {
        // Shapes of Django's own `is_safe=True` filters (slugify, truncatechars, title).
        let src = format!(
            "{HEAD}import re\nimport random as random_module\nfrom django.utils.text import Truncator, slugify as _slugify\n@register.filter(is_safe=True)\ndef slugify(value):\n    return _slugify(value)\n\n@register.filter(is_safe=True)\ndef truncatechars(value, arg):\n    try:\n        length = int(arg)\n    except ValueError:\n        return value\n    return Truncator(value).chars(length)\n\n@register.filter(is_safe=True)\ndef title(value):\n    t = re.sub(\"([a-z])'([A-Z])\", lambda m: m[0].lower(), value.title())\n    return t.replace('X', 'x')\n\n@register.filter(is_safe=True)\ndef pick(value):\n    return random_module.choice(value)\n"
        );
        assert_eq!(findings(&src), vec![]);
        let src = format!(
            "{HEAD}@register.filter(is_safe=True)\ndef wrap(value, arg):\n    return wrap_with(value, arg)\n"
        );
        assert_eq!(codes_at(&src), vec![("DJS106", 5, 12, "hint")]);
    }

    #[test]
    fn silent_on_input_transforms_escaped_args_and_unsafe_filters() {
        let src = format!(
            "{HEAD}from django.utils.html import conditional_escape\n@register.filter(is_safe=True)\ndef br(value):\n    return value.replace('\\n', '<br>')\n\n@register.filter(is_safe=True)\ndef label(value, arg):\n    return f'{{value}} <span>{{conditional_escape(arg)}}</span>'\n\n@register.filter\ndef raw(value, arg):\n    return f'{{value}}{{arg}}'\n\n@register.filter(is_safe=False)\ndef raw2(value, arg):\n    return value + arg\n\ndef view(request):\n    return Item.objects.filter(is_safe=True)\n"
        );
        assert_eq!(findings(&src), vec![]);
    }
}
