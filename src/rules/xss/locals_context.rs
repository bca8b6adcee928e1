//! DJS107 `locals-template-context`: `locals()` or `globals()` passed as a template context.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS107",
    name: "locals-template-context",
    family: Family::Xss,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "`locals()` or `globals()` is passed as a template context.",
    django_checks: &[],
    peers: &[
        "ruff:DJ003",
        "semgrep:locals-as-template-context",
        "semgrep:globals-as-template-context",
    ],
    docs: r#"
## What it does
Reports `locals()` and `globals()` passed as the context of `render()`, `render_to_string()`,
`render_to_response()`, `TemplateResponse()`, `Context()`, `RequestContext()` or a template's
`.render()`.

## Why is this bad?
The template receives every variable of the function (or module): request data, querysets,
secrets read from settings, intermediate values. Which values a template can print — and which
of them were marked safe on the way — is no longer visible in the view, and a later edit of the
view silently changes what the template exposes. Review of what reaches the page becomes
impossible.

## Example
```python
def profile(request, pk):
    user = get_object_or_404(User, pk=pk)
    token = make_token(user)
    return render(request, "profile.html", locals())
```

Use instead:
```python
def profile(request, pk):
    user = get_object_or_404(User, pk=pk)
    token = make_token(user)
    return render(request, "profile.html", {"user": user})
```

## Fix
For `locals()` inside a function, the quick-fix replaces it with an explicit dictionary of the
function's parameters and the names assigned before the call, in order; then delete the entries
the template does not need. No fix for `globals()`.

## Fix safety
Unsafe: names bound in ways the fix does not see (imports inside the function, `except ... as`,
`global`) are left out, so a template that used them renders them empty.

## References
- Django: [`render()`](https://docs.djangoproject.com/en/stable/topics/http/shortcuts/#render)
- OWASP: Top 10 A01 Broken Access Control (information exposure); CWE-200
"#,
};

/// Callables and methods that take a template context.
const RENDERERS: &[&str] = &[
    "render",
    "render_to_string",
    "render_to_response",
    "TemplateResponse",
    "SimpleTemplateResponse",
    "Context",
    "RequestContext",
];

pub fn check(checker: &mut PyChecker) {
    let src = checker.source();
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let Some(callee) = site.name else {
            continue;
        };
        if !RENDERERS.contains(&callee) {
            continue;
        }
        let call = site.node;
        let candidates = node::positional_args(call)
            .into_iter()
            .chain(node::keyword_arg(call, "context", src))
            .chain(node::keyword_arg(call, "dictionary", src));
        for arg in candidates {
            let arg = node::unparenthesize(arg);
            let Some(which) = scope_dump(checker, arg) else {
                continue;
            };
            let fix = if which == "locals" {
                explicit_dict_fix(checker, arg)
            } else {
                None
            };
            checker.report(
                Finding::new(
                    RULE.code,
                    arg.byte_range(),
                    Severity::Warning,
                    format!(
                        "`{which}()` as a template context exposes every variable to the template; pass an explicit dictionary"
                    ),
                )
                .with_fix(fix),
            );
        }
    }
}

/// `locals()` / `globals()` calls to the builtins (not shadowed by an import).
fn scope_dump(checker: &PyChecker, arg: Node) -> Option<&'static str> {
    if arg.kind() != "call" || node::arg_count(arg) != 0 {
        return None;
    }
    let function = arg.field(Field::Function)?;
    if function.kind() != "identifier" {
        return None;
    }
    let name = checker.model.text(function);
    if checker.model.imports.is_bound(name) {
        return None;
    }
    match name {
        "locals" => Some("locals"),
        "globals" => Some("globals"),
        _ => None,
    }
}

/// `locals()` → `{"a": a, "b": b}`: the enclosing function's parameters and the names bound in it
/// before the call.
fn explicit_dict_fix(checker: &PyChecker, call: Node) -> Option<Fix> {
    let src = checker.source();
    let index = &checker.model.index;
    let function = index.enclosing_function(call)?;
    if function.kind() != "function_definition" {
        return None;
    }
    let scope = function.start_byte();
    let mut names: Vec<(usize, &str)> = Vec::new();
    if let Some(params) = function.field(Field::Parameters) {
        let mut cursor = params.walk();
        for p in params.named_children(&mut cursor) {
            let ident = match p.kind() {
                "identifier" => Some(p),
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    p.named_child(0).filter(|n| n.kind() == "identifier")
                }
                "default_parameter" | "typed_default_parameter" => p.field(Field::Name),
                _ => None,
            };
            if let Some(ident) = ident {
                names.push((ident.start_byte(), node::text(ident, src)));
            }
        }
    }
    for (name, bindings) in index.names_in(scope) {
        if let Some(first) = bindings
            .iter()
            .find(|b| b.node.end_byte() <= call.start_byte())
        {
            names.push((first.node.start_byte(), name));
        }
    }
    names.sort();
    let mut seen = std::collections::HashSet::new();
    let entries: Vec<String> = names
        .iter()
        .filter(|(_, n)| seen.insert(*n))
        .map(|(_, n)| format!("\"{n}\": {n}"))
        .collect();
    Some(Fix::unsafe_(
        "Replace locals() with an explicit dictionary",
        vec![Edit::replace(
            call.byte_range(),
            format!("{{{}}}", entries.join(", ")),
        )],
    ))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings};

    #[test]
    fn flags_locals_and_globals_as_context() {
        let src = "from django.shortcuts import render\ndef v(request, pk):\n    item = load(pk)\n    return render(request, 'a.html', locals())\ndef w(request):\n    t = get_template('b.html')\n    return HttpResponse(t.render(context=globals(), request=request))\n";
        assert_eq!(
            codes_at(src),
            vec![("DJS107", 4, 38, "warning"), ("DJS107", 7, 42, "warning")]
        );
    }

    #[test]
    fn silent_on_explicit_contexts_and_shadowed_locals() {
        let src = "from django.shortcuts import render\nfrom app.utils import locals\ndef v(request):\n    data = locals()\n    return render(request, 'a.html', {'x': 1})\ndef w(request):\n    return render(request, 'a.html', locals())\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn fix_lists_parameters_and_earlier_names() {
        let src = "from django.shortcuts import render\ndef v(request, pk):\n    item = load(pk)\n    for tag in item.tags:\n        pass\n    response = render(request, 'a.html', locals())\n    later = 1\n    return response\n";
        let fixed = assert_fix(src, "DJS107");
        assert!(
            fixed.contains(
                "render(request, 'a.html', {\"request\": request, \"pk\": pk, \"item\": item, \"tag\": tag})"
            ),
            "{fixed}"
        );
    }
}
