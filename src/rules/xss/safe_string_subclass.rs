//! DJS104 `safe-string-subclass`: a class that subclasses `SafeString` / `SafeData`.

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS104",
    name: "safe-string-subclass",
    family: Family::Xss,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A class subclasses `SafeString`, `SafeText` or `SafeData`: every instance is trusted as safe HTML.",
    django_checks: &[],
    peers: &["semgrep:class-extends-safestring"],
    docs: r#"
## What it does
Reports class definitions whose bases include `SafeString`, `SafeText` or `SafeData` (from
`django.utils.safestring`, imported under any name or through the module).

## Why is this bad?
Django's templates and `conditional_escape()` do not escape instances of `SafeData`. A subclass
turns every value constructed from it into trusted HTML, wherever it is created and whatever it
was created from — a `mark_safe()` that no reviewer sees at the call sites. One instance built
from user input is a cross-site scripting bug.

## Example
```python
from django.utils.safestring import SafeString

class Html(SafeString):
    pass

def show(request):
    return Html(request.GET["message"])
```

Use instead:
```python
from django.utils.html import format_html

def show(request):
    return format_html("{}", request.GET["message"])
```

## Fix
No automatic fix. Build HTML with `format_html()` / `format_html_join()` (which escape their
arguments), or implement `__html__()` on a class whose output is escaped (see DJS105), and mark
constant markup safe where it is written.

## Fix safety
No fix is offered.

## References
- Django: [`SafeString`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.safestring.SafeString), [`conditional_escape`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.conditional_escape)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

const SAFE_CLASSES: &[&str] = &[
    "django.utils.safestring.SafeString",
    "django.utils.safestring.SafeText",
    "django.utils.safestring.SafeData",
    "django.utils.safestring.SafeBytes",
];

pub fn check(checker: &mut PyChecker) {
    let classes = checker.model.index.classes.clone();
    for class in classes {
        let Some(bases) = class.field(Field::Superclasses) else {
            continue;
        };
        let mut cursor = bases.walk();
        let base_nodes: Vec<_> = bases
            .named_children(&mut cursor)
            .filter(|b| matches!(b.kind(), "identifier" | "attribute"))
            .collect();
        for base in base_nodes {
            let Some(qualified) = checker.model.qualified_name(base) else {
                continue;
            };
            if !SAFE_CLASSES.contains(&qualified.as_str()) {
                continue;
            }
            let name = class
                .field(Field::Name)
                .map_or("this class", |n| checker.model.text(n));
            let base_name = qualified.rsplit('.').next().unwrap_or("SafeString");
            let range = class
                .field(Field::Name)
                .map_or(class.byte_range(), |n| n.byte_range());
            checker.report(Finding::new(
                RULE.code,
                range,
                Severity::Warning,
                format!(
                    "`{name}` subclasses `{base_name}`: every instance is rendered as HTML without escaping, whatever it was built from"
                ),
            ));
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{codes_at, findings};

    #[test]
    fn flags_subclasses_of_safe_classes() {
        let src = "from django.utils.safestring import SafeString, SafeData as SD\nfrom django.utils import safestring\nclass A(SafeString):\n    pass\nclass B(object, SD):\n    pass\nclass C(safestring.SafeText):\n    pass\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS104", 3, 7, "warning"),
                ("DJS104", 5, 7, "warning"),
                ("DJS104", 7, 7, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_other_classes() {
        let src = "from markupsafe import Markup\nclass SafeString(str):\n    pass\nclass A(SafeString):\n    pass\nclass B(str):\n    pass\nclass C(Markup):\n    pass\n";
        assert_eq!(findings(src), vec![]);
    }
}
