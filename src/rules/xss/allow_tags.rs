//! DJS111 `admin-allow-tags`: `method.allow_tags = True` on an admin display method.

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS111",
    name: "admin-allow-tags",
    family: Family::Xss,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "`allow_tags = True` on an admin method: it rendered raw HTML before Django 2.0 and is ignored since.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `some_method.allow_tags = True` (usually on a `ModelAdmin` display method or a model
method shown in `list_display`).

## Why is this bad?
Before Django 2.0, `allow_tags` told the admin to render the method's output without escaping, so
any user-editable field formatted into it was stored cross-site scripting in the admin — against
the most privileged users of the site. Since Django 2.0 the attribute is ignored and the output is
escaped, so on current Django it does nothing except signal that the method builds HTML by hand:
the page now shows the tags as text, and the usual "repair" is a `mark_safe()` around the same
unescaped string.

## Example
```python
class ItemAdmin(admin.ModelAdmin):
    list_display = ["colored_name"]

    def colored_name(self, obj):
        return f'<span style="color: {obj.color}">{obj.name}</span>'
    colored_name.allow_tags = True
```

Use instead:
```python
from django.utils.html import format_html

class ItemAdmin(admin.ModelAdmin):
    list_display = ["colored_name"]

    @admin.display(description="Name")
    def colored_name(self, obj):
        return format_html('<span style="color: {}">{}</span>', obj.color, obj.name)
```

## Fix
Build the method's output with `format_html()`. The quick-fix removes the `allow_tags` line when it
stands on a line of its own.

## Fix safety
Unsafe: on Django versions before 2.0 removing the attribute changes the admin's output (the HTML
is escaped); on current versions the line has no effect.

## References
- Django 2.0 release notes: [removal of `allow_tags`](https://docs.djangoproject.com/en/stable/releases/2.0/#features-removed-in-2-0)
- Django: [`format_html`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

pub fn check(checker: &mut PyChecker) {
    let src = checker.source();
    let statements = checker.model.index.attribute_assignments.clone();
    for stmt in statements {
        let (Some(left), Some(right)) = (stmt.field(Field::Left), stmt.field(Field::Right)) else {
            continue;
        };
        let attr = left
            .field(Field::Attribute)
            .map_or("", |a| node::text(a, src));
        if attr != "allow_tags" || node::text(right, src) != "True" {
            continue;
        }
        let fix = delete_line_fix(src, stmt);
        checker.report(
            Finding::new(
                RULE.code,
                stmt.byte_range(),
                Severity::Warning,
                "`allow_tags = True` rendered this method's HTML unescaped before Django 2.0 and is ignored since; build the output with `format_html()`",
            )
            .with_fix(fix),
        );
    }
}

/// Delete the statement's line when nothing else is on it.
fn delete_line_fix(src: &str, stmt: tree_sitter::Node) -> Option<Fix> {
    let statement = stmt
        .parent()
        .filter(|p| p.kind() == "expression_statement")?;
    let start = node::line_start(src, statement.start_byte());
    let end = statement.end_byte();
    let before = src.get(start..statement.start_byte())?;
    let after_end = src.get(end..)?;
    let line_end = after_end.find('\n').map_or(src.len(), |i| end + i + 1);
    let after = src.get(end..line_end)?;
    if !before.trim().is_empty() || !(after.trim().is_empty() || after.trim().starts_with('#')) {
        return None;
    }
    Some(Fix::unsafe_(
        "Remove `allow_tags`",
        vec![Edit::delete(start..line_end)],
    ))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings};

    #[test]
    fn flags_allow_tags() {
        let src = "class A(admin.ModelAdmin):\n    def name(self, obj):\n        return obj.name\n    name.allow_tags = True\ndef f(o):\n    return o\nf.allow_tags = True\n";
        assert_eq!(
            codes_at(src),
            vec![("DJS111", 4, 5, "warning"), ("DJS111", 7, 1, "warning")]
        );
    }

    #[test]
    fn silent_on_false_and_other_attributes() {
        let src = "def f(o):\n    return o\nf.allow_tags = False\nf.short_description = 'x'\nallow_tags = True\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn fix_removes_the_line() {
        let src = "def f(o):\n    return o\nf.allow_tags = True\nf.short_description = 'x'\n";
        assert_eq!(
            assert_fix(src, "DJS111"),
            "def f(o):\n    return o\nf.short_description = 'x'\n"
        );
    }
}
