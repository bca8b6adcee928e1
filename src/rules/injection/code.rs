//! DJS602 `code-injection`: request data run as Python code, imported, or choosing the function
//! called (`globals()[name]()`, `getattr(module, name)()`).

use tree_sitter::Node;

use super::Hit;
use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity, Step};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::sources::SinkKind;
use crate::semantic::{Level, flow, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS602",
    name: "code-injection",
    family: Family::Injection,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "Request data is run as Python code, imported, or chooses the function called.",
    django_checks: &[],
    peers: &[
        "bandit:B307",
        "bandit:B102",
        "ruff:S307",
        "ruff:S102",
        "semgrep:user-eval",
        "semgrep:user-eval-format-string",
        "semgrep:user-exec",
        "semgrep:user-exec-format-string",
        "semgrep:globals-misuse-code-execution",
    ],
    docs: r#"
## What it does
Reports request data (followed through local variables and the project's helpers) that reaches:

- `eval()`, `exec()`, `compile()`: Python source code;
- `importlib.import_module()`, `__import__()`, Django's `import_string()`, `pydoc.locate()`: a
  module or object to import;
- the key of `globals()[name]`, `locals()[name]`, `vars()[name]` or `globals().get(name)` whose
  result is called, and the name of `getattr(obj, name)` whose result is called.

`getattr(module, name)()` on an imported module, `sys.modules[...]` or `builtins` is an
**error**, like every other case with request data; `getattr(obj, name)()` on another object is a
**warning** (the client calls any method of that object, including ones never meant as
actions). A name with a constant prefix (`getattr(self, f"do_{action}")()`) limits the choice to
methods of that name and is not reported.

`eval()` or `exec()` of a non-constant value of unknown origin is a **hint** (audit: `eval` is
rarely needed); imports of unknown names are not reported (plugin loading from settings is
common and fine).

## Why is this bad?
Whoever controls code that `eval()` runs controls the server. Importing or calling by a name the
client chooses reaches any function of the program: `os.system`, `subprocess.getoutput`, a
management function with no access check.

## Example
```python
def calculate(request):
    return JsonResponse({"result": eval(request.GET["expr"])})
```

Use instead:
```python
import ast

def calculate(request):
    return JsonResponse({"result": ast.literal_eval(request.GET["expr"])})
```

## Fix
No quick-fix: parse data with `ast.literal_eval()` or `json.loads()`, and map names the client
sends to functions through a dictionary of the allowed ones (`ACTIONS[name]()`), which is
constant and not reported.

## Fix safety
No fix is offered.

## References
- Python: [`ast.literal_eval`](https://docs.python.org/3/library/ast.html#ast.literal_eval)
- OWASP: Code Injection; CWE-94, CWE-95, CWE-470
"#,
};

pub(crate) fn message(hit: &Hit) -> String {
    let origin = super::origin(&hit.flow);
    let label = hit.label.clone();
    match hit.flow.level {
        Level::Request
            if matches!(
                hit.sink.name.as_str(),
                "eval"
                    | "exec"
                    | "compile"
                    | "builtins.eval"
                    | "builtins.exec"
                    | "builtins.compile"
            ) =>
        {
            format!(
                "{origin} is run as Python code by `{label}`: it can do anything the server can"
            )
        }
        Level::Request => format!(
            "{origin} names what `{label}` imports: it can load any module or object; map allowed names to objects instead"
        ),
        _ => format!(
            "`{label}` runs a non-constant value: check that no part of it comes from users (`ast.literal_eval()` parses data safely)"
        ),
    }
}

/// The lookups the sink table cannot express: a function chosen by name from `globals()`,
/// `locals()`, `vars()` or `getattr()`, then called.
pub(crate) fn check_dynamic(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let Some(function) = site.function else {
            continue;
        };
        let Some(lookup) = lookup_of(checker, function) else {
            continue;
        };
        let flow = checker.model.flow_for(lookup.key, SinkKind::Eval);
        if flow.level != Level::Request || flow.formatted {
            continue;
        }
        let severity = if lookup.anything {
            Severity::Error
        } else {
            Severity::Warning
        };
        let mut steps: Vec<Step> = checker
            .model
            .trace_for(lookup.key, SinkKind::Eval)
            .into_iter()
            .map(|s| Step {
                range: s.range,
                label: s.label,
            })
            .collect();
        steps.push(Step {
            range: lookup.node.byte_range(),
            label: flow::step_label(node::text(lookup.node, checker.source())),
        });
        let what = if lookup.anything {
            "any function of the program"
        } else {
            "any method of that object"
        };
        let message = format!(
            "{} chooses the function called through `{}`: the client can call {what}; map allowed names to functions instead ({})",
            super::origin(&flow),
            flow::step_label(node::text(lookup.node, checker.source())),
            super::describe_path(&steps),
        );
        let finding =
            Finding::new(RULE.code, site.node.byte_range(), severity, message).with_steps(steps);
        checker.report(finding);
    }
}

/// A function looked up by a name: the key, the lookup expression, and whether it reaches
/// anything (a namespace of the program) rather than the methods of one object.
struct Lookup<'t> {
    key: Node<'t>,
    node: Node<'t>,
    anything: bool,
}

/// The lookup a called expression is: `globals()[k]`, `globals().get(k)`, `getattr(o, k)`, or a
/// name bound to one of them just before.
fn lookup_of<'t>(checker: &PyChecker<'t>, function: Node<'t>) -> Option<Lookup<'t>> {
    let src = checker.source();
    let function = node::unparenthesize(function);
    match function.kind() {
        "subscript" => {
            let value = function.field(Field::Value)?;
            let key = function.field(Field::Subscript)?;
            namespace_call(checker, value).then_some(Lookup {
                key,
                node: function,
                anything: true,
            })
        }
        "call" => {
            let callee = function.field(Field::Function)?;
            let args = node::positional_args(function);
            if callee.kind() == "identifier" && node::text(callee, src) == "getattr" {
                let object = *args.first()?;
                let key = *args.get(1)?;
                return Some(Lookup {
                    key,
                    node: function,
                    anything: is_module(checker, object),
                });
            }
            if callee.kind() == "attribute"
                && callee
                    .field(Field::Attribute)
                    .is_some_and(|a| node::text(a, src) == "get")
                && callee
                    .field(Field::Object)
                    .is_some_and(|o| namespace_call(checker, o))
            {
                return Some(Lookup {
                    key: *args.first()?,
                    node: function,
                    anything: true,
                });
            }
            None
        }
        "identifier" => {
            let index = &checker.model.index;
            let bindings = index.bindings(index.scope_at(function), node::text(function, src));
            let before = bindings
                .iter()
                .rfind(|b| b.node.end_byte() <= function.start_byte())?;
            let value = node::unparenthesize(before.value?);
            if value.kind() == "identifier" {
                return None;
            }
            lookup_of(checker, value)
        }
        _ => None,
    }
}

/// `globals()`, `locals()`, `vars()`, `vars(module)`, `sys.modules`, `__builtins__`.
fn namespace_call(checker: &PyChecker, expr: Node) -> bool {
    let src = checker.source();
    let expr = node::unparenthesize(expr);
    match expr.kind() {
        "call" => expr.field(Field::Function).is_some_and(|f| {
            f.kind() == "identifier" && matches!(node::text(f, src), "globals" | "locals" | "vars")
        }),
        _ => is_module(checker, expr),
    }
}

/// An imported module, `sys.modules[...]`, `builtins` or `__builtins__`.
fn is_module(checker: &PyChecker, expr: Node) -> bool {
    let src = checker.source();
    let expr = node::unparenthesize(expr);
    if expr.kind() == "identifier" && node::text(expr, src) == "__builtins__" {
        return true;
    }
    if expr.kind() == "subscript" {
        return expr
            .field(Field::Value)
            .and_then(|v| checker.model.qualified_name(v))
            .is_some_and(|q| q == "sys.modules");
    }
    if expr.kind() != "identifier" {
        return false;
    }
    // A name bound by `import x` (not `from x import Class`): its qualified name has no
    // capitalised last part and it was imported as a module.
    checker
        .model
        .qualified_name(expr)
        .is_some_and(|q| q == "builtins" || imported_as_module(checker, node::text(expr, src)))
}

/// Whether `import name` / `import a.b as name` binds `name` at module level.
fn imported_as_module(checker: &PyChecker, name: &str) -> bool {
    let src = checker.source();
    checker.model.index.imports.iter().any(|stmt| {
        stmt.kind() == "import_statement" && {
            let mut cursor = stmt.walk();
            stmt.children_by_field_name("name", &mut cursor)
                .any(|n| match n.kind() {
                    "dotted_name" => node::text(n, src).split('.').next() == Some(name),
                    "aliased_import" => n
                        .field(Field::Alias)
                        .is_some_and(|a| node::text(a, src) == name),
                    _ => false,
                })
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::codes_at_only;
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS602"])
    }

    #[test]
    fn flags_eval_imports_and_lookups() {
        let src = "import importlib, os\nfrom django.utils.module_loading import import_string\ndef v(request, action):\n    expr = request.GET['e']\n    eval(expr)\n    exec(f'x = {expr}')\n    importlib.import_module(request.GET['m'])\n    import_string(action)\n    globals()[request.GET['f']]()\n    fn = globals().get(request.POST['f'])\n    fn()\n    getattr(os, request.GET['f'])('x')\n    getattr(obj, request.GET['m'])()\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS602", 5, 5, "error"),
                ("DJS602", 6, 5, "error"),
                ("DJS602", 7, 5, "error"),
                ("DJS602", 8, 5, "error"),
                ("DJS602", 9, 5, "error"),
                ("DJS602", 11, 5, "error"),
                ("DJS602", 12, 5, "error"),
                ("DJS602", 13, 5, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_constants_prefixes_allow_lists_and_plugins() {
        let src = "import ast, importlib\nfrom django.conf import settings\nACTIONS = {'a': print}\ndef v(request):\n    ast.literal_eval(request.GET['e'])\n    eval('1 + 1')\n    importlib.import_module(settings.BACKEND)\n    getattr(self, f\"do_{request.GET['a']}\")()\n    ACTIONS[request.GET['a']]()\n    value = getattr(obj, request.GET['field'])\n    name = request.GET['m']\n    if name in ('json', 'csv'):\n        importlib.import_module(name)\n    def eval(x):\n        return x\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn unknown_code_is_a_hint() {
        let src = "def run(code):\n    eval(code)\n    exec(compile(code, 'f', 'exec'))\n";
        assert_eq!(
            codes(src),
            vec![("DJS602", 2, 5, "hint"), ("DJS602", 3, 5, "hint")]
        );
    }
}
