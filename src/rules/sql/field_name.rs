//! DJS205 `orm-field-from-request`: ORM field names or lookups taken from the request.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Flow, Level, SinkKind, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS205",
    name: "orm-field-from-request",
    family: Family::Sql,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A field name or lookup in an ORM query comes from the request.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports ORM calls whose *field names* come from the request (`request.GET`, URL parameters,
`form.cleaned_data`, ...):
- keyword names in `.filter(**{key: value})`, `.exclude(**...)`, `.get(**...)`,
  `.get_or_create(**...)`, `.update_or_create(**...)` and `Q(**...)`, including
  `.filter(**request.GET.dict())`;
- field names given to `.order_by()`, `.values()`, `.values_list()`, `.only()`, `.defer()`,
  `.distinct()`, `.select_related()` and `.prefetch_related()`.

Values (`filter(name=request.GET["q"])`) are fine: the ORM parameterises them. Names chosen from a
constant allow-list (`SORTS[request.GET["s"]]`), or checked against a collection the client does
not control (`if key in ALLOWED:`, `if key not in model_fields: raise ...`), are not reported;
neither are names of unknown origin.

## Why is this bad?
A field name is not a value: it decides what the query does. With a name from the client,
`?key=author__password__startswith&value=a` turns a search into an oracle that reveals password
hashes, API keys or other users' data one character at a time, and relations let the lookup reach
any connected table. Ordering by a client-chosen expression has also been the entry point of
real SQL injection bugs in Django (CVE-2021-35042).

## Example
```python
def search(request):
    field = request.GET["field"]
    return Item.objects.filter(**{f"{field}__icontains": request.GET["q"]})
```

Use instead:
```python
SEARCHABLE = {"name": "name__icontains", "city": "city__icontains"}

def search(request):
    lookup = SEARCHABLE[request.GET["field"]]
    return Item.objects.filter(**{lookup: request.GET["q"]})
```

## Fix
No automatic fix. Map the client's choice through a constant dictionary, or check it against a
constant set of allowed names before the query (`if field not in ALLOWED: raise Http404`).

## Fix safety
No fix is offered.

## References
- Django: [Field lookups](https://docs.djangoproject.com/en/stable/ref/models/querysets/#field-lookups), [`order_by()`](https://docs.djangoproject.com/en/stable/ref/models/querysets/#order-by)
- OWASP: Mass Assignment and Query Injection; CWE-89, CWE-639
"#,
};

/// Methods that take field lookups as keyword arguments.
const LOOKUP_METHODS: &[&str] = &[
    "filter",
    "exclude",
    "get",
    "get_or_create",
    "update_or_create",
];

/// Methods that take field names as positional arguments.
const FIELD_METHODS: &[&str] = &[
    "order_by",
    "values",
    "values_list",
    "only",
    "defer",
    "distinct",
    "select_related",
    "prefetch_related",
];

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let call = site.node;
        let src = checker.source();
        let Some(function) = site.function else {
            continue;
        };
        let method = site.name.unwrap_or("");
        let is_q = checker
            .model
            .qualified_name(function)
            .is_some_and(|q| q == "django.db.models.Q" || q == "django.db.models.query_utils.Q");
        let lookups = is_q || (LOOKUP_METHODS.contains(&method) && function.kind() == "attribute");
        let fields = FIELD_METHODS.contains(&method) && function.kind() == "attribute";
        if !lookups && !fields {
            continue;
        }
        // `super().get(request, *args, **kwargs)` and `self.get(...)` are a view's own handlers,
        // not QuerySet lookups.
        let own_method = site.receiver.is_some_and(|r| {
            let r = node::unparenthesize(r);
            matches!(node::text(r, src), "self" | "cls")
                || (r.kind() == "call" && node::callee_name(r, src) == Some("super"))
        });
        if own_method {
            continue;
        }
        let Some(args) = call.field(Field::Arguments) else {
            continue;
        };
        let mut cursor = args.walk();
        let children: Vec<Node> = args.named_children(&mut cursor).collect();
        let label = if is_q {
            "Q()".to_string()
        } else {
            format!(".{method}()")
        };
        for arg in children {
            match arg.kind() {
                "dictionary_splat" if lookups => {
                    if let Some(inner) = arg.named_child(0) {
                        for (key, flow) in splat_keys(checker, inner) {
                            report(checker, key, &flow, &label, "lookup");
                        }
                    }
                }
                "list_splat" if fields => {
                    if let Some(inner) = arg.named_child(0) {
                        let flow = checker.model.flow_for(inner, SinkKind::Sql);
                        report(checker, inner, &flow, &label, "field name");
                    }
                }
                "keyword_argument" | "comment" | "dictionary_splat" | "list_splat" => {}
                _ if fields => {
                    let flow = checker.model.flow_for(arg, SinkKind::Sql);
                    report(checker, arg, &flow, &label, "field name");
                }
                _ => {}
            }
        }
    }
}

/// The keys of `**expr`: each key of a dict literal or comprehension, or the whole expression.
/// Whether `ident` names the `**kwargs` parameter of its enclosing function.
fn is_kwargs_parameter(ident: Node, src: &str) -> bool {
    let name = node::text(ident, src);
    let Some(params) = node::enclosing_function(ident).and_then(|f| f.field(Field::Parameters))
    else {
        return false;
    };
    let mut cursor = params.walk();
    for p in params.named_children(&mut cursor) {
        if p.kind() == "dictionary_splat_pattern"
            && p.named_child(0).is_some_and(|n| node::text(n, src) == name)
        {
            return true;
        }
    }
    false
}

fn splat_keys<'t>(checker: &PyChecker<'t>, expr: Node<'t>) -> Vec<(Node<'t>, Flow)> {
    let expr = node::unparenthesize(expr);
    let model = &checker.model;
    match expr.kind() {
        "dictionary" => {
            let mut cursor = expr.walk();
            let pairs: Vec<Node> = expr.named_children(&mut cursor).collect();
            let mut out = Vec::new();
            for pair in pairs {
                match pair.kind() {
                    "pair" => {
                        if let Some(key) = pair.field(Field::Key) {
                            out.push((key, model.flow_for(key, SinkKind::Sql)));
                        }
                    }
                    "dictionary_splat" => {
                        if let Some(inner) = pair.named_child(0) {
                            out.push((inner, model.flow_for(inner, SinkKind::Sql)));
                        }
                    }
                    _ => {}
                }
            }
            out
        }
        "dictionary_comprehension" => expr
            .field(Field::Body)
            .and_then(|pair| pair.field(Field::Key))
            .map(|key| vec![(key, model.flow_for(key, SinkKind::Sql))])
            .unwrap_or_default(),
        // A function's own `**kwargs`: in a view its keys are the URLconf's names, not the client's.
        "identifier" if is_kwargs_parameter(expr, checker.source()) => Vec::new(),
        // `lookup = {"partner__in": partners}` then `.filter(**lookup)`: the keys are the
        // literal's, whatever its values are.
        "identifier" => match dict_literal_values(checker, expr) {
            Some(literals) => literals
                .into_iter()
                .flat_map(|literal| splat_keys(checker, literal))
                .collect(),
            None => vec![(expr, model.flow_for(expr, SinkKind::Sql))],
        },
        _ => vec![(expr, model.flow_for(expr, SinkKind::Sql))],
    }
}

/// The dict literals a local name is bound to, when every binding of it in its function is a
/// plain `name = {...}` and nothing in the function can add keys to it (`name[k] = v`,
/// `name.update(...)`, `name.setdefault(...)`, `name |= ...`); `None` otherwise.
fn dict_literal_values<'t>(checker: &PyChecker<'t>, ident: Node<'t>) -> Option<Vec<Node<'t>>> {
    let src = checker.source();
    let name = node::text(ident, src);
    let index = &checker.model.index;
    let scope = index.scope_at(ident);
    let function = index.scope_node(scope)?;
    let bindings = index.bindings(scope, name);
    let is_parameter = function.field(Field::Parameters).is_some_and(|params| {
        let mut cursor = params.walk();
        params
            .named_children(&mut cursor)
            .any(|p| node::text(p, src).split([':', '=']).next().map(str::trim) == Some(name))
    });
    if bindings.is_empty() || is_parameter {
        return None;
    }
    let mut literals = Vec::new();
    for binding in bindings {
        let value = binding.value.map(node::unparenthesize)?;
        if binding.augmented || value.kind() != "dictionary" {
            return None;
        }
        literals.push(value);
    }
    if may_add_keys(node::text(function, src), name) {
        return None;
    }
    Some(literals)
}

/// Whether `body` may add keys to the dict named `name`: any `name[`, `name.update(`,
/// `name.setdefault(` or `name |=` (a textual over-approximation: a false match only keeps the
/// finding).
fn may_add_keys(body: &str, name: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    body.match_indices(name).any(|(at, _)| {
        let before = body[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == '.') {
            return false;
        }
        let after = body[at + name.len()..].trim_start_matches([' ', '\t']);
        if after.chars().next().is_some_and(is_ident) {
            return false;
        }
        after.starts_with('[')
            || after.starts_with(".update")
            || after.starts_with(".setdefault")
            || after.starts_with("|=")
    })
}

fn report(checker: &mut PyChecker, at: Node, flow: &Flow, label: &str, what: &str) {
    if flow.level != Level::Request {
        return;
    }
    let source = flow.source.as_deref().unwrap_or("the request");
    checker.report(Finding::new(
        RULE.code,
        at.byte_range(),
        Severity::Error,
        format!(
            "the {what} given to `{label}` comes from {source}: the client chooses which fields and relations the query reads; map it through a constant allow-list"
        ),
    ));
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{codes_at, findings};

    #[test]
    fn dict_variables_are_judged_by_their_keys() {
        // Constant keys, request values: the client picks values, not fields.
        let src = "def v(request):\n    owners = request.POST.getlist('owner')\n    scope = {'owner__in': owners}\n    if request.GET.get('all'):\n        scope = {'owner__in': owners, 'active': request.GET['all']}\n    return Item.objects.filter(pk__gt=0, **scope)\n";
        assert_eq!(findings(src), vec![]);
        // Request keys in the literal: still reported, at the key.
        let src = "def v(request):\n    key = request.GET['k']\n    a = {key: 1}\n    return Item.objects.filter(**a)\n";
        assert_eq!(codes_at(src), vec![("DJS205", 3, 10, "error")]);
        // A parameter, or a dict that may gain keys, is judged as a whole, as before.
        assert!(super::may_add_keys("b = {}\nb[k] = 1", "b"));
        assert!(super::may_add_keys("b = {}\nb.update(x)", "b"));
        assert!(!super::may_add_keys("b = {}\nab[k] = 1\nx.b[k] = 1", "b"));
        let src = "def v(request, scope={'a': 1}):\n    if request.GET:\n        scope = {'b': 1}\n    return Item.objects.filter(**scope)\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn flags_field_names_from_the_request() {
        let src = "from django.db.models import Q\ndef v(request, sort):\n    field = request.GET['field']\n    a = Item.objects.filter(**{f'{field}__icontains': request.GET['q']})\n    b = Item.objects.filter(**request.GET.dict())\n    c = Item.objects.order_by(sort)\n    d = Item.objects.values(*request.GET.getlist('f'))\n    e = Item.objects.filter(Q(**{field: 1}) | Q(a=2))\n    f = Item.objects.exclude(**{k: v for k, v in request.GET.items()})\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS205", 4, 32, "error"),
                ("DJS205", 5, 31, "error"),
                ("DJS205", 6, 31, "error"),
                ("DJS205", 7, 30, "error"),
                ("DJS205", 8, 34, "error"),
                ("DJS205", 9, 33, "error"),
            ]
        );
    }

    #[test]
    fn silent_on_values_allow_lists_and_unknown_names() {
        let src = "SORTS = {'new': '-created', 'old': 'created'}\nALLOWED = {'name', 'city'}\ndef v(request, field):\n    a = Item.objects.filter(name=request.GET['q'])\n    b = Item.objects.order_by(SORTS.get(request.GET.get('s'), 'created'))\n    if field not in ALLOWED:\n        raise Http404\n    c = Item.objects.filter(**{f'{field}__icontains': request.GET['q']})\n    d = Item.objects.order_by(*settings.DEFAULT_ORDER)\n    e = request.GET.get(request.GET['k'])\n    f = Item.objects.filter(**kwargs_for(request))\n";
        assert_eq!(findings(src), vec![]);
    }
}

#[cfg(test)]
mod precision_on_real_code {
    use crate::analysis::testing::findings;

    /// Seen on Django's and Wagtail's own views: handlers forwarding their arguments are not
    /// QuerySet lookups, and a view's `**kwargs` keys come from the URLconf.
    #[test]
    fn silent_on_view_handlers_and_url_kwargs() {
        let src = "from django.views.generic import View\nclass V(View):\n    def get(self, request, *args, **kwargs):\n        return super().get(request, *args, **kwargs)\n    def head(self, request, *args, **kwargs):\n        return self.get(request, *args, **kwargs)\ndef detail(request, **kwargs):\n    return Item.objects.filter(**kwargs)\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn still_flags_client_chosen_lookups() {
        let src = "def v(request):\n    return Item.objects.filter(**{request.GET['f']: 1})\n";
        assert_eq!(
            findings(src).iter().map(|f| f.code).collect::<Vec<_>>(),
            vec!["DJS205"]
        );
    }
}
