//! Mass assignment: DJS314 `mass-assignment-from-request` (`Model(**request.POST)`,
//! `setattr` loops over request data) and DJS315 `model-form-all-fields`
//! (`fields = "__all__"` / `exclude` on user-facing forms, serializers and editing views).

use tree_sitter::Node;

use super::views::{ClassInfo, Module, Scope, string_value};
use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Flow, Level, node};

pub const FROM_REQUEST: Rule = Rule {
    code: "DJS314",
    name: "mass-assignment-from-request",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Request data is unpacked into a model or queryset call, or `setattr` in a loop.",
    django_checks: &[],
    peers: &["semgrep:mass-assignment"],
    docs: r#"
## What it does
Reports request data passed wholesale to a model:

- `Model(**request.POST)`, `Model.objects.create(**request.data)`,
  `queryset.update(**request.GET.dict())`, `get_or_create` / `update_or_create` with
  `**` request data, including through a variable or `json.loads(request.body)`;
- `for key, value in request.POST.items(): setattr(obj, key, value)`.

Data that went through a form or serializer (`form.cleaned_data`, `serializer.validated_data`) is
not reported: only declared fields are in it.

## Why is this bad?
The client chooses the keys. Besides the fields the page shows, they can send `is_staff=1`,
`owner_id=42`, `price=0` or `balance=1000000`, and the model accepts them: mass assignment
(OWASP API3:2023 Broken Object Property Level Authorization).

## Example
```python
def update_profile(request):
    Profile.objects.filter(user=request.user).update(**request.POST.dict())
```

Use instead:
```python
def update_profile(request):
    form = ProfileForm(request.POST, instance=request.user.profile)
    if form.is_valid():
        form.save()
```

## Fix
Validate with a `ModelForm` or a DRF serializer that lists the fields users may set, or pick the
allowed keys explicitly.

## Fix safety
No automatic fix: the allowed fields are a product decision.

## References
- Django: [Creating forms from models](https://docs.djangoproject.com/en/stable/topics/forms/modelforms/)
- OWASP: Mass Assignment Cheat Sheet; CWE-915
"#,
};

pub const ALL_FIELDS: Rule = Rule {
    code: "DJS315",
    name: "model-form-all-fields",
    family: Family::Access,
    severity: Severity::Hint,
    fix: FixAvailability::None,
    summary: "A user-facing `ModelForm`, `ModelSerializer` or editing view exposes `__all__` fields or uses `exclude`.",
    django_checks: &[],
    peers: &["ruff:DJ007", "ruff:DJ006", "sonar:S6559"],
    docs: r#"
## What it does
A hint on `fields = "__all__"` and on `exclude = [...]` in the `Meta` of a `ModelForm` or DRF
`ModelSerializer`, and on `fields = "__all__"` in a `CreateView` / `UpdateView`. Forms in
`admin.py` and classes whose name contains `Admin` are not reported: staff-only forms may expose
everything.

## Why is this bad?
The form accepts every field of the model, including the ones added next year (`is_verified`,
`owner`, `discount`). A user can post them even if the template does not show them: mass
assignment. `exclude` has the same problem in reverse: a new field is exposed unless someone
remembers to exclude it.

## Example
```python
class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = "__all__"
```

Use instead:
```python
class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "bio", "avatar"]
```

## Fix
List the fields users may edit explicitly.

## Fix safety
No automatic fix: listing the model's current fields would freeze the problem in place.

## References
- Django: [Selecting the fields to use](https://docs.djangoproject.com/en/stable/topics/forms/modelforms/#selecting-the-fields-to-use) ("strongly recommended that you explicitly set all fields")
- OWASP: Mass Assignment Cheat Sheet; CWE-915
"#,
};

const WRITE_METHODS: &[&str] = &[
    "create",
    "update",
    "get_or_create",
    "update_or_create",
    "bulk_create",
];

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    if module.scope == Scope::Units {
        splats(checker);
        setattr_loops(checker);
    }
    if !module.file.admin {
        for class in &module.classes {
            all_fields(checker, class);
        }
    }
}

/// Whether a flow is raw request data (not URL parameters, not validated form data).
fn raw_request(flow: &Flow) -> bool {
    flow.level == Level::Request
        && flow
            .source
            .as_deref()
            .is_some_and(|s| s.starts_with("request.") || s.ends_with(".initial_data"))
}

/// A dictionary literal whose keys are all written out (`{"comment": text, "ip": ip}`), or a
/// name only ever bound to such literals: the code, not the client, chooses the fields, whatever
/// the values are.
fn fixed_keys(checker: &PyChecker, expr: Node) -> bool {
    let src = checker.source();
    let literal = |dict: Node| {
        dict.kind() == "dictionary" && {
            let mut cursor = dict.walk();
            dict.named_children(&mut cursor)
                .all(|pair| match pair.kind() {
                    "pair" => pair
                        .child_by_field_name("key")
                        .is_some_and(|k| k.kind() == "string"),
                    "comment" => true,
                    _ => false,
                })
        }
    };
    match expr.kind() {
        "dictionary" => literal(expr),
        "identifier" => {
            let index = &checker.model.index;
            let bindings = index.bindings(index.scope_at(expr), node::text(expr, src));
            let before: Vec<_> = bindings
                .iter()
                .filter(|b| b.node.end_byte() <= expr.start_byte())
                .collect();
            !before.is_empty()
                && before.iter().all(|b| {
                    !b.augmented && b.value.is_some_and(|v| literal(node::unparenthesize(v)))
                })
        }
        _ => false,
    }
}

fn splat_source(checker: &PyChecker, expr: Node) -> Option<String> {
    let expr = node::unparenthesize(expr);
    if fixed_keys(checker, expr) {
        return None;
    }
    let flow = checker.model.flow(expr);
    if raw_request(&flow) {
        return flow.source;
    }
    // `json.loads(request.body)`
    if expr.kind() == "call" && node::callee_name(expr, checker.source()) == Some("loads") {
        let arg = node::positional_args(expr).first().copied()?;
        let inner = checker.model.flow(arg);
        if raw_request(&inner) {
            return inner.source;
        }
    }
    None
}

fn splats(checker: &mut PyChecker) {
    let calls = checker.model.index.calls.clone();
    for call in calls {
        let src = checker.source();
        let Some(function) = call.child_by_field_name("function") else {
            continue;
        };
        let Some(name) = node::callee_name(call, src) else {
            continue;
        };
        let model_call = match function.kind() {
            // `Profile(**data)`: a class (capitalised), not a form or serializer.
            "identifier" => {
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && !name.ends_with("Form")
                    && !name.ends_with("Serializer")
                    && !name.ends_with("Response")
            }
            // `update` is also `dict.update`: only on a queryset.
            "attribute" if name == "update" => node::call_receiver(call).is_some_and(|r| {
                let text = node::text(r, src);
                text.contains("objects") || text.contains(".filter(") || text.contains(".all(")
            }),
            "attribute" => WRITE_METHODS.contains(&name),
            _ => false,
        };
        if !model_call {
            continue;
        }
        let Some(args) = call.child_by_field_name("arguments") else {
            continue;
        };
        let mut cursor = args.walk();
        let splat = args
            .named_children(&mut cursor)
            .filter(|a| a.kind() == "dictionary_splat")
            .find_map(|a| a.named_child(0).and_then(|e| splat_source(checker, e)));
        let Some(source) = splat else {
            continue;
        };
        checker.report(Finding::new(
            FROM_REQUEST.code,
            call.byte_range(),
            Severity::Warning,
            format!(
                "`{name}(**...)` takes its fields from {source}: the client chooses which fields to set (mass assignment); validate with a form or serializer"
            ),
        ));
    }
}

fn setattr_loops(checker: &mut PyChecker) {
    let calls = checker.model.index.calls.clone();
    for call in calls {
        let src = checker.source();
        let Some(function) = call.child_by_field_name("function") else {
            continue;
        };
        if function.kind() != "identifier" || node::text(function, src) != "setattr" {
            continue;
        }
        let Some(attr_arg) = node::positional_args(call).get(1).copied() else {
            continue;
        };
        let attr_name = node::text(attr_arg, src);
        let Some(loop_stmt) = node::ancestor(call, &["for_statement"]) else {
            continue;
        };
        let (Some(left), Some(right)) = (
            loop_stmt.child_by_field_name("left"),
            loop_stmt.child_by_field_name("right"),
        ) else {
            continue;
        };
        let binds_attr = {
            let mut found = false;
            super::views::walk(left, |n| {
                if n.kind() == "identifier" && node::text(n, src) == attr_name {
                    found = true;
                }
                !found
            });
            found
        };
        if !binds_attr {
            continue;
        }
        let flow = checker.model.flow(right);
        if !raw_request(&flow) {
            continue;
        }
        let source = flow.source.unwrap_or_default();
        checker.report(Finding::new(
            FROM_REQUEST.code,
            call.byte_range(),
            Severity::Warning,
            format!(
                "`setattr()` with attribute names from {source}: the client chooses which fields to set (mass assignment); allow-list the fields"
            ),
        ));
    }
}

fn all_fields(checker: &mut PyChecker, class: &ClassInfo) {
    let t = class.traits;
    if class.name.contains("Admin") {
        return;
    }
    let src = checker.source();
    if t.model_form || t.model_serializer {
        let Some(meta) = meta_class(class.def, src) else {
            return;
        };
        let kind = if t.model_form {
            "ModelForm"
        } else {
            "ModelSerializer"
        };
        let attrs = body_assignments(meta, src);
        for (name, value) in attrs {
            let message = match name {
                "fields" if string_value(value, src).as_deref() == Some("__all__") => format!(
                    "`{}` ({kind}) accepts every model field, including ones added later: list the fields users may set",
                    class.name
                ),
                "exclude" => format!(
                    "`{}` ({kind}) uses `exclude`: every field not listed, including ones added later, is accepted; list the fields users may set",
                    class.name
                ),
                _ => continue,
            };
            checker.report(Finding::new(
                ALL_FIELDS.code,
                value.byte_range(),
                Severity::Hint,
                message,
            ));
        }
        return;
    }
    if t.view && t.writes && !t.drf && !t.unknown {
        let own = class
            .def
            .child_by_field_name("body")
            .map(|b| body_assignments(b, src))
            .unwrap_or_default();
        if let Some((_, value)) = own
            .into_iter()
            .find(|(n, v)| *n == "fields" && string_value(*v, src).as_deref() == Some("__all__"))
        {
            checker.report(Finding::new(
                ALL_FIELDS.code,
                value.byte_range(),
                Severity::Hint,
                format!(
                    "`{}` accepts every model field, including ones added later: list the fields users may set",
                    class.name
                ),
            ));
        }
    }
}

/// The `class Meta:` body of a class.
fn meta_class<'t>(def: Node<'t>, src: &str) -> Option<Node<'t>> {
    let body = def.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let found = body.named_children(&mut cursor).find(|s| {
        s.kind() == "class_definition"
            && s.child_by_field_name("name")
                .is_some_and(|n| node::text(n, src) == "Meta")
    });
    found.and_then(|m| m.child_by_field_name("body"))
}

/// The `name = value` statements directly in a block.
fn body_assignments<'t>(body: Node<'t>, src: &'t str) -> Vec<(&'t str, Node<'t>)> {
    let mut out = Vec::new();
    let mut cursor = body.walk();
    for stmt in body.named_children(&mut cursor) {
        if stmt.kind() != "expression_statement" {
            continue;
        }
        let Some(assign) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        if let (Some(left), Some(right)) = (
            assign.child_by_field_name("left"),
            assign.child_by_field_name("right"),
        ) && left.kind() == "identifier"
        {
            out.push((node::text(left, src), right));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes_for, codes_of};

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS314", "DJS315"])
    }

    #[test]
    fn flags_request_data_unpacked_into_models() {
        let src = "import json\ndef v(request):\n    Profile(**request.POST)\n    Item.objects.create(**request.data)\n    data = request.POST.dict()\n    Item.objects.filter(owner=request.user).update(**data)\n    Item.objects.update_or_create(defaults=None, **json.loads(request.body))\n    for key, value in request.POST.items():\n        setattr(obj, key, value)\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS314", 3, 5, "warning"),
                ("DJS314", 4, 5, "warning"),
                ("DJS314", 6, 5, "warning"),
                ("DJS314", 7, 5, "warning"),
                ("DJS314", 9, 9, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_validated_data_and_look_alikes() {
        let src = "def v(request, **kwargs):\n    Profile(**form.cleaned_data)\n    Item.objects.create(**serializer.validated_data)\n    Item.objects.filter(**kwargs)\n    ctx.update(**request.GET)\n    f = ProfileForm(**request.POST)\n    Item(**defaults)\n    Item.objects.create(name=request.POST['name'])\n    for key in ALLOWED:\n        setattr(obj, key, request.POST[key])\n";
        assert_eq!(codes_at(src), vec![]);
    }

    #[test]
    fn request_data_the_view_replaced_is_its_own() {
        // Seen in Weblate: `request.GET` is replaced by the view's own dict before it is
        // unpacked. A replacement in a branch that may not run, or after the use, does not count.
        let src = "def v(request):\n    if request.method == 'POST':\n        request.GET = {'email': request.user.email}\n        AuditLog.objects.create(request.user, **request.GET)\n    Item.objects.create(**request.GET)\n    if ok:\n        request.POST = {}\n    Item.objects.create(**request.POST)\n";
        assert_eq!(
            codes_at(src),
            vec![("DJS314", 5, 5, "warning"), ("DJS314", 8, 5, "warning")]
        );
    }

    #[test]
    fn silent_when_the_code_writes_out_the_keys() {
        let src = "def v(request):\n    kwargs = {'comment': request.POST['c'], 'ip': request.META['REMOTE_ADDR']}\n    kwargs['agent'] = request.headers.get('User-Agent')\n    Comment.objects.create(**kwargs)\n    Comment.objects.create(**{'text': request.POST['t']})\n    data = {'a': 1}\n    data = request.POST.dict()\n    Item.objects.create(**data)\n";
        assert_eq!(codes_at(src), vec![("DJS314", 8, 5, "warning")]);
    }

    #[test]
    fn flags_all_fields_and_exclude_on_user_facing_forms() {
        let src = "from django import forms\nfrom rest_framework import serializers\nfrom django.views.generic import UpdateView\nclass ProfileForm(forms.ModelForm):\n    class Meta:\n        model = Profile\n        fields = '__all__'\nclass ItemSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Item\n        exclude = ['secret']\nclass Edit(UpdateView):\n    model = Item\n    fields = '__all__'\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS315", 7, 18, "hint"),
                ("DJS315", 11, 19, "hint"),
                ("DJS315", 14, 14, "hint"),
            ]
        );
    }

    #[test]
    fn silent_on_listed_fields_plain_forms_and_admin() {
        let src = "from django import forms\nclass ProfileForm(forms.ModelForm):\n    class Meta:\n        model = Profile\n        fields = ['bio']\nclass Contact(forms.Form):\n    class Meta:\n        fields = '__all__'\nclass ProfileAdminForm(forms.ModelForm):\n    class Meta:\n        fields = '__all__'\n";
        assert_eq!(codes_at(src), vec![]);
        let admin = "from django import forms\nclass ProfileForm(forms.ModelForm):\n    class Meta:\n        fields = '__all__'\n";
        assert_eq!(codes_for("accounts/admin.py", admin), vec![]);
    }
}
