//! DJS111 `admin-allow-tags`: `method.allow_tags = True` on an admin display method.

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::project::django_version::{self, DjangoVersions};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::flow::Flow;
use crate::semantic::{SinkKind, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS111",
    name: "admin-allow-tags",
    family: Family::Xss,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "`allow_tags = True` on an admin method: it renders raw HTML before Django 2.0 and is ignored since.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `some_method.allow_tags = True` (usually on a `ModelAdmin` display method or a model
method shown in `list_display`).

Severity follows the Django version the project runs on, as its imports tell
(`project::django_version`: importing `django.core.urlresolvers` and never `django.urls` means
before 2.0; importing `django.urls.path` means 2.0 or later):
- **2.0 or later**: a hint — the attribute is ignored and the output escaped;
- **before 2.0, or unknown**: a warning when the method (in the same class) returns something
  that can hold HTML, such as a model field formatted into markup (an error when it is request
  data); a hint when it returns only constants and escaped values. A module-level function is not
  looked at: a warning when the project is known to run on Django < 2.0, else a hint.

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
    // Computed once per analysis, and only for a module that sets `allow_tags`.
    let mut versions: Option<DjangoVersions> = None;
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
        let versions = versions.get_or_insert_with(|| {
            checker
                .context
                .project
                .as_deref()
                .map(django_version::of)
                .unwrap_or_default()
        });
        let method = left
            .field(Field::Object)
            .filter(|o| o.kind() == "identifier")
            .map(|o| node::text(o, src));
        let output = method.and_then(|name| method_output(checker, stmt, name));
        let name = method.unwrap_or("this method");
        let (severity, message) = if versions.is_at_least((2, 0)) {
            let why = versions.at_least.as_ref().map_or("", |(_, w)| w.as_str());
            (
                Severity::Hint,
                format!(
                    "`allow_tags` has no effect since Django 2.0, which this project runs on ({why}): the admin escapes `{name}()`'s output; remove it, and build any HTML with `format_html()`"
                ),
            )
        } else {
            let when = match &versions.below {
                Some((_, why)) => format!("this project runs on Django before 2.0 ({why}), where"),
                None => "before Django 2.0 (ignored since)".to_string(),
            };
            match &output {
                Some(Some(flow)) => (
                    crate::rules::xss::severity(flow),
                    format!(
                        "{when} `allow_tags = True` renders `{name}()`'s output in the admin unescaped, and it holds {}: build it with `format_html()`",
                        crate::rules::xss::origin(flow)
                    ),
                ),
                // Constants and escaped values only.
                Some(None) => (
                    Severity::Hint,
                    format!(
                        "{when} `allow_tags = True` renders `{name}()`'s output in the admin unescaped; it is built from constants and escaped values, but `format_html()` keeps it so"
                    ),
                ),
                // The method is not found here: judge by the version alone.
                None => (
                    if versions.is_below((2, 0)) {
                        Severity::Warning
                    } else {
                        Severity::Hint
                    },
                    format!(
                        "{when} `allow_tags = True` renders `{name}()`'s output in the admin unescaped; build it with `format_html()`"
                    ),
                ),
            }
        };
        let fix = delete_line_fix(src, stmt);
        checker.report(Finding::new(RULE.code, stmt.byte_range(), severity, message).with_fix(fix));
    }
}

/// What the method `name` (defined in the same class body as the `allow_tags` statement)
/// returns: `Some(Some(flow))` when a returned value is not safe in HTML (the most severe one),
/// `Some(None)` when every return is safe (constants, escaped values), `None` when the method is
/// not found. A module-level function is another top-level unit, which an incremental analysis
/// of this statement may not hold: not looked at (`None`).
fn method_output<'t>(
    checker: &PyChecker<'t>,
    stmt: tree_sitter::Node<'t>,
    name: &str,
) -> Option<Option<Flow>> {
    let src = checker.source();
    let block = std::iter::successors(stmt.parent(), |n| n.parent())
        .find(|n| matches!(n.kind(), "block" | "module"))
        .filter(|b| b.parent().is_some_and(|c| c.kind() == "class_definition"))?;
    let mut cursor = block.walk();
    let function = block
        .named_children(&mut cursor)
        .filter_map(node::definition)
        .filter(|d| d.kind() == "function_definition")
        .filter(|d| {
            d.field(Field::Name)
                .is_some_and(|n| node::text(n, src) == name)
        })
        .last()?;
    let returns = checker.model.index.returns(function).to_vec();
    let mut worst: Option<Flow> = None;
    for ret in returns {
        let Some(value) = crate::rules::xss::mark_safe_decorator::return_value(ret) else {
            continue;
        };
        let flow = checker.model.flow_for(value, SinkKind::Html);
        if !flow.is_dangerous() {
            continue;
        }
        let more_severe = worst
            .as_ref()
            .is_none_or(|w| crate::rules::xss::severity(&flow) < crate::rules::xss::severity(w));
        if more_severe {
            worst = Some(flow);
        }
    }
    Some(worst)
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

    /// Without a known Django version: a warning when the method's output can hold HTML (it
    /// would be rendered raw on Django < 2.0), a hint when it is made of constants and escaped
    /// values, or cannot be looked at (a module-level function).
    #[test]
    fn flags_allow_tags() {
        let src = "from django.utils.html import escape\nclass A(admin.ModelAdmin):\n    def name(self, obj):\n        return obj.name\n    name.allow_tags = True\n    def safe(self, obj):\n        return '<b>%s</b>' % escape(obj.name)\n    safe.allow_tags = True\ndef f(o):\n    return o\nf.allow_tags = True\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS111", 5, 5, "warning"),
                ("DJS111", 8, 5, "hint"),
                ("DJS111", 11, 1, "hint")
            ]
        );
    }

    /// `(line, severity, message)` of DJS111 in `app/models.py` of a project.
    fn in_project(files: &[(&str, &str)], src: &str) -> Vec<(usize, &'static str, String)> {
        use std::path::Path;
        use std::sync::Arc;
        let root = Path::new("/proj");
        let mut all = files.to_vec();
        all.push(("app/models.py", src));
        let context = crate::analysis::Context {
            path: Some(root.join("app/models.py")),
            project: Some(Arc::new(crate::project::ProjectIndex::from_files(
                root, &all,
            ))),
            ..crate::analysis::Context::default()
        };
        let lines = crate::analysis::LineIndex::new(src);
        crate::analysis::analyze_text(src, crate::syntax::Language::Python, &context)
            .into_iter()
            .filter(|f| f.code == "DJS111")
            .map(|f| {
                (
                    lines.line_col(src, f.range.start).0,
                    f.severity.as_str(),
                    f.message,
                )
            })
            .collect()
    }

    /// Seen in Mezzanine 4.3 (Django 1.8–1.11: it imports `django.core.urlresolvers` and never
    /// `django.urls`): there `allow_tags` still renders raw HTML. On Django 2.0 and later it is
    /// ignored: audit information only.
    #[test]
    fn severity_follows_the_projects_django_version() {
        let src = "class Link(models.Model):\n    def admin_link(self):\n        return '<a href=\"%s\">%s</a>' % (self.url, self.title)\n    admin_link.allow_tags = True\ndef thumb(obj):\n    return obj.image\nthumb.allow_tags = True\n";
        let old = in_project(
            &[(
                "blog/models.py",
                "from django.core.urlresolvers import reverse\n",
            )],
            src,
        );
        assert_eq!(
            old.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            vec![(4, "warning"), (7, "warning")]
        );
        assert!(
            old[0].2.contains("runs on Django before 2.0"),
            "{}",
            old[0].2
        );
        assert!(
            old[0].2.contains("django.core.urlresolvers"),
            "{}",
            old[0].2
        );
        let new = in_project(&[("urls.py", "from django.urls import path\n")], src);
        assert_eq!(
            new.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            vec![(4, "hint"), (7, "hint")]
        );
        assert!(
            new[0].2.contains("has no effect since Django 2.0"),
            "{}",
            new[0].2
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
