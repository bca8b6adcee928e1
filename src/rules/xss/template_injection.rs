//! DJS110 `template-injection`: template source built from request data (server-side template
//! injection).

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::{Level, SinkKind, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS110",
    name: "template-injection",
    family: Family::Xss,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A template is compiled from request data or from a string built by formatting (server-side template injection).",
    django_checks: &[],
    peers: &["codeql:py/template-injection", "sonar:S5496"],
    docs: r#"
## What it does
Reports the template source given to `django.template.Template(...)`, `jinja2.Template(...)` or
any `.from_string(...)` (`Engine.from_string`, `engines["django"].from_string`,
`jinja2.Environment.from_string`; not the `from_string` constructor of another imported class, such
as `PhoneNumber.from_string`) when it carries request data (an **error**), or when it is built
by formatting a value of unknown origin into a string (a **warning**). A template loaded from a
variable of unknown origin without formatting (from a file, from the database) is not reported.

## Why is this bad?
Whoever controls template source controls what the template does: with Django templates, read any
context variable and settings exposed through it (`{{ request.user.password }}`,
`{% debug %}`); with Jinja2, often run arbitrary Python. Formatting user data into a template
string is the classic way this happens, and it is also cross-site scripting, since the template
source is not escaped.

## Example
```python
from django.template import Template, Context

def hello(request):
    name = request.GET.get("name", "")
    return HttpResponse(Template(f"<p>Hello {name}</p>").render(Context()))
```

Use instead:
```python
from django.template import Template, Context

def hello(request):
    name = request.GET.get("name", "")
    return HttpResponse(Template("<p>Hello {{ name }}</p>").render(Context({"name": name})))
```

## Fix
No automatic fix: keep the template source constant (or in a file) and pass the data in the
context, where it is escaped.

## Fix safety
No fix is offered.

## References
- Django: [The Django template language: for Python programmers](https://docs.djangoproject.com/en/stable/ref/templates/api/)
- OWASP: Testing for Server-side Template Injection; CWE-1336, CWE-94
"#,
};

const TEMPLATE_CLASSES: &[&str] = &[
    "django.template.Template",
    "django.template.base.Template",
    "jinja2.Template",
    "jinja2.environment.Template",
];

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let call = site.node;
        let src = checker.source();
        let Some(function) = site.function else {
            continue;
        };
        let is_sink = if site.name == Some("from_string") && function.kind() == "attribute" {
            !foreign_constructor(checker, function)
        } else {
            checker
                .model
                .qualified_name(function)
                .is_some_and(|q| TEMPLATE_CLASSES.contains(&q.as_str()))
        };
        if !is_sink {
            continue;
        }
        let Some(template) = node::positional_args(call)
            .first()
            .copied()
            .or_else(|| node::keyword_arg(call, "template_string", src))
            .or_else(|| node::keyword_arg(call, "source", src))
            .or_else(|| node::keyword_arg(call, "template_code", src))
        else {
            continue;
        };
        let flow = checker.model.flow_for(template, SinkKind::Code);
        let reportable = match flow.level {
            Level::Request => true,
            Level::Unknown => flow.formatted,
            _ => false,
        };
        if !reportable {
            continue;
        }
        let message = if flow.level == Level::Request {
            format!(
                "the template source contains {}: whoever sends it controls the template (server-side template injection); keep the source constant and pass data in the context",
                xss::origin(&flow)
            )
        } else {
            "template source built by formatting a non-constant value into it: if that value can come from a user, they control the template; pass data in the context instead".to_string()
        };
        checker.report(Finding::new(
            RULE.code,
            template.byte_range(),
            xss::severity(&flow),
            message,
        ));
    }
}

/// Packages whose `from_string` compiles a template.
const TEMPLATE_PACKAGES: &[&str] = &["django.template", "jinja2", "mako", "chameleon", "genshi"];

/// Whether `X.from_string` is an alternate constructor of an imported class from outside the
/// template packages (`PhoneNumber.from_string(number)`, `Version.from_string(s)`): it parses a
/// value, it compiles no template. Engines and environments are instances (`engines["django"]`,
/// `Engine.get_default()`, `env`), so a class receiver is never one of them.
fn foreign_constructor(checker: &PyChecker, function: Node) -> bool {
    let Some(receiver) = function.field(Field::Object) else {
        return false;
    };
    let Some(qualified) = checker.model.qualified_name(receiver) else {
        return false;
    };
    let class_like = qualified
        .rsplit('.')
        .next()
        .and_then(|last| last.chars().next())
        .is_some_and(|c| c.is_ascii_uppercase());
    let template_package = TEMPLATE_PACKAGES
        .iter()
        .any(|p| qualified == *p || qualified.starts_with(&format!("{p}.")));
    class_like && !template_package
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{codes_at, findings};

    #[test]
    fn flags_request_data_and_formatting_in_template_source() {
        let src = "from django.template import Template, engines\nimport jinja2\ndef v(request):\n    name = request.GET['n']\n    a = Template(f'<p>Hello {name}</p>')\n    b = engines['django'].from_string(request.POST['tpl'])\n    c = jinja2.Environment().from_string('{% extends base %}' + name)\n    d = jinja2.Template('Hi ' + load_name())\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS110", 5, 18, "error"),
                ("DJS110", 6, 39, "error"),
                ("DJS110", 7, 42, "error"),
                ("DJS110", 8, 25, "hint"),
            ]
        );
    }

    #[test]
    fn silent_on_constant_and_loaded_templates() {
        let src = "from django.template import Template, Engine\nfrom string import Template as StrTemplate\ndef v(request, source):\n    a = Template('<p>Hello {{ name }}</p>')\n    b = Engine.get_default().from_string(open_template())\n    c = StrTemplate(request.GET['x'])\n    d = Template(TEMPLATES[request.GET['which']])\nTEMPLATES = {'a': '<p>a</p>'}\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn silent_on_from_string_constructors_of_other_classes() {
        // `from_string` as an alternate constructor of a value class parses data: no template.
        let src = "from money.parsing import Amount\nfrom semver import Version as V\ndef v(request):\n    total = Amount.from_string(request.POST['total'])\n    ver = V.from_string(request.GET['v'] + '.0')\n";
        assert_eq!(findings(src), vec![]);
        // Template classes and engines stay sinks, however they are imported.
        let src = "from jinja2 import Environment\nfrom django.template import engines as E\ndef v(request):\n    a = E['django'].from_string(request.GET['t'])\n    b = Environment().from_string(request.GET['t'])\n";
        assert_eq!(
            codes_at(src),
            vec![("DJS110", 4, 33, "error"), ("DJS110", 5, 35, "error")]
        );
    }
}
