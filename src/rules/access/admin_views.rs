//! DJS316 `admin-function-login-only`: an admin function that only checks that a user is
//! logged in (vertical privilege escalation).

use super::does::{Action, Does};
use super::views::{self, Access, ClassInfo, FunctionView, Module};
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const RULE: Rule = Rule {
    code: "DJS316",
    name: "admin-function-login-only",
    family: Family::Access,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "A view that manages users or sits in an admin area only checks that a user is logged in.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a view whose only protection is a login — `@login_required`, `LoginRequiredMixin`,
`LoginRequiredMiddleware`, or a project decorator or mixin whose code checks
`request.user.is_authenticated` and nothing more — when the view is an admin function:

- **error** when its code manages users or their permissions: it deletes or changes `User`
  objects chosen by the request, sets `is_staff`, `is_superuser` or `is_admin` on a user, adds
  groups or permissions to a user, or creates superusers;
- **error** too when it lists or shows users and is an admin page by its route, name or
  template;
- **warning** when it lists or shows users outside an admin area (a member directory is common
  and changes nothing), or when it sits in an admin area: a route under `admin/` (not Django's admin site), a
  name like `admin_*` or `*_admin`, a template under `admin/`.

Views that require more than a login are not reported: staff or superuser status
(`@staff_member_required`, `is_staff` checks), a model permission (`@permission_required`,
`PermissionRequiredMixin`), or another condition on the user (`@user_passes_test`, a project
decorator that checks a role and raises `PermissionDenied`). Nor are views whose protection djsec
knows by its name only (a decorator or mixin of a package it cannot read): it may check more.
With the URLconf resolved, only views a route reaches are reported.

## Why is this bad?
Authentication says who the user is, not what they may do. When an admin function checks only
that someone is logged in, every user with an account — a customer, a self-registered visitor —
can call it: delete other users, make themselves staff, read every account. This is vertical
privilege escalation (OWASP: Broken Access Control). "Always check permissions explicitly."

## Example
```python
@login_required
def delete_user(request, pk):
    User.objects.get(pk=pk).delete()
    return redirect("users")
```

Use instead:
```python
@permission_required("auth.delete_user")
@login_required
def delete_user(request, pk):
    User.objects.get(pk=pk).delete()
    return redirect("users")
```

## Fix
The quick-fix adds `@permission_required("<app_label>.<action>_<model>")` with the codename
inferred from the model the view changes (`auth.delete_user`, `billing.change_invoice`), or
`@staff_member_required` when djsec cannot tell the model; on a class-based view it adds
`PermissionRequiredMixin` as the leftmost base and a `permission_required` attribute. Imports are
added.

## Fix safety
Unsafe: users without the permission (or staff status) get a 403 or the login page after the fix.
That is the point for an admin function; check that the permission exists and that the people
who need the view have it.

## References
- Django: [The `permission_required` decorator](https://docs.djangoproject.com/en/stable/topics/auth/default/#the-permission-required-decorator), [`staff_member_required`](https://docs.djangoproject.com/en/stable/ref/contrib/admin/#the-staff-member-required-decorator), [Default permissions](https://docs.djangoproject.com/en/stable/topics/auth/default/#default-permissions)
- OWASP: Broken Access Control (A01:2021), Authorization Cheat Sheet; CWE-285 Improper Authorization, CWE-269 Improper Privilege Management
"#,
};

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests {
        return;
    }
    for view in &module.functions {
        if view.is_drf() || module.env.unreachable(view.name) {
            continue;
        }
        let access = view.access(checker, module);
        if !access.login_only() {
            continue;
        }
        let does = Does::of(checker, view.def);
        let Some((severity, what)) = evidence(module, view.name, &does) else {
            continue;
        };
        let permission = codename(checker, &does);
        let fix = function_fix(checker, view, permission.as_deref());
        report(
            checker,
            view.name_node,
            view.name,
            severity,
            &what,
            &access,
            permission,
            fix,
        );
    }
    for class in module.class_views() {
        let t = class.traits;
        if t.drf || t.unknown || class.subclassed || module.env.unreachable(class.name) {
            continue;
        }
        let access = class.access(checker, module);
        if !access.login_only() {
            continue;
        }
        let does = class_does(checker, class);
        let Some((severity, what)) = evidence(module, class.name, &does) else {
            continue;
        };
        let permission = codename(checker, &does);
        let fix = permission
            .as_deref()
            .and_then(|p| class_fix(checker, class, p));
        report(
            checker,
            class.name_node,
            class.name,
            severity,
            &what,
            &access,
            permission,
            fix,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    checker: &mut PyChecker,
    name_node: tree_sitter::Node,
    name: &str,
    severity: Severity,
    what: &str,
    access: &Access,
    permission: Option<String>,
    fix: Option<Fix>,
) {
    let by = if access.by.is_empty() {
        access.middleware.clone().unwrap_or_default()
    } else {
        access.by.join(", ")
    };
    let suggestion = match permission {
        Some(p) => format!("add `@staff_member_required` or `@permission_required(\"{p}\")`"),
        None => "add `@staff_member_required` or a `@permission_required(...)`".to_string(),
    };
    checker.report(
        Finding::new(
            RULE.code,
            name_node.byte_range(),
            severity,
            format!(
                "`{name}` {what} (an admin function) but only checks that a user is logged in ({by}): any logged-in user can do it; {suggestion}"
            ),
        )
        .with_fix(fix),
    );
}

/// What [`super::does`] says of a view that lists every user.
pub(crate) const LISTS_USERS: &str = "lists every user";

/// What makes a view an admin function: its code (error; a warning when it only lists users),
/// or where it sits (warning).
fn evidence(module: &Module, name: &str, does: &Does) -> Option<(Severity, String)> {
    let in_admin_route = module
        .env
        .routes
        .get(name)
        .into_iter()
        .flatten()
        .find(|r| admin_route(&r.route));
    if let Some(what) = &does.manages_users {
        // Listing users changes nothing and member directories are common (the names are
        // often public on the site): an error only when the view is also an admin page by
        // its route, name or template; otherwise likely worth a look.
        let admin_page = in_admin_route.is_some() || admin_name(name) || does.admin_template;
        let read_only = what == LISTS_USERS || what.starts_with("shows `");
        let severity = if read_only && !admin_page {
            Severity::Warning
        } else {
            Severity::Error
        };
        return Some((severity, what.clone()));
    }
    if let Some(route) = in_admin_route {
        return Some((
            Severity::Warning,
            format!("is routed in an admin area (`{}`)", route.route),
        ));
    }
    if admin_name(name) {
        return Some((Severity::Warning, "is named as an admin view".to_string()));
    }
    does.admin_template.then(|| {
        (
            Severity::Warning,
            "renders an `admin/` template".to_string(),
        )
    })
}

/// A route with an `admin` segment (`admin/users/`, `^manage/admin/`).
fn admin_route(route: &str) -> bool {
    route
        .split('/')
        .map(|s| s.trim_matches(|c: char| c == '^' || c == '$'))
        .any(|s| s == "admin" || s.starts_with("admin-") || s.starts_with("admin_"))
}

/// `admin_users`, `users_admin`, `AdminDashboard`.
fn admin_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("admin_")
        || lower.ends_with("_admin")
        || (name.starts_with("Admin") && name[5..].starts_with(|c: char| c.is_ascii_uppercase()))
}

/// What the methods of a class view do, and its generic editing of `model = User`.
fn class_does(checker: &PyChecker, class: &ClassInfo) -> Does {
    let mut does = Does::default();
    for m in &class.methods {
        let d = Does::of(checker, m.def);
        does.manages_users = does.manages_users.or(d.manages_users);
        does.admin_template |= d.admin_template;
        does.writes.extend(d.writes);
    }
    let src = checker.source();
    let model = class.attr("model").map(|m| node::text(m, src).to_string());
    if let Some(model) = model.filter(|m| super::does::is_user_model(m)) {
        if class.traits.writes {
            let generic = class
                .bases
                .iter()
                .find(|b| b.traits.writes)
                .map_or("generic editing view", |b| b.name.as_str());
            does.manages_users = does
                .manages_users
                .or_else(|| Some(format!("edits `{model}` objects (a `{generic}`)")));
            does.writes.push(super::does::ObjectWrite {
                action: if generic.contains("Delete") {
                    Action::Delete
                } else if generic.contains("Create") {
                    Action::Create
                } else {
                    Action::Change
                },
                model: Some(model),
                by_request: true,
                key: None,
                range: class.def.byte_range(),
            });
        } else if class.traits.view {
            does.manages_users = does
                .manages_users
                .or_else(|| Some(format!("shows `{model}` objects")));
        }
    }
    if let Some(t) = class.attr("template_name")
        && views::string_value(t, src).is_some_and(|t| t.starts_with("admin/"))
    {
        does.admin_template = true;
    }
    does
}

/// `auth.delete_user`: the permission of the first write on a model djsec can name.
fn codename(checker: &PyChecker, does: &Does) -> Option<String> {
    let write = does.writes.iter().find(|w| w.model.is_some())?;
    let model = write.model.as_deref()?;
    let label = match super::does::model_facts(checker, model) {
        Some((_, Some(label))) => label,
        _ if super::does::is_user_model(model) => "auth".to_string(),
        _ => return None,
    };
    Some(format!(
        "{label}.{}_{}",
        write.action.codename(),
        model.to_ascii_lowercase()
    ))
}

/// Add `@permission_required("...")` (or `@staff_member_required`) above the view, with its
/// import.
fn function_fix(checker: &PyChecker, view: &FunctionView, permission: Option<&str>) -> Option<Fix> {
    let src = checker.source();
    if !views::starts_line(src, view.def) {
        return None;
    }
    let (decorator, title, import) = match permission {
        Some(p) => {
            let (local, import) =
                checker.ensure_import("django.contrib.auth.decorators", "permission_required")?;
            (
                format!("{local}(\"{p}\")"),
                format!("Add `@permission_required(\"{p}\")`"),
                import,
            )
        }
        None => {
            let (local, import) = checker.ensure_import(
                "django.contrib.admin.views.decorators",
                "staff_member_required",
            )?;
            (local, "Add `@staff_member_required`".to_string(), import)
        }
    };
    let mut edits = vec![views::add_decorator_edit(src, view.def, &decorator)];
    edits.extend(import);
    Some(Fix::unsafe_(title, edits))
}

/// Add `PermissionRequiredMixin` as the leftmost base and `permission_required = "..."` as the
/// first statement of the class body.
pub fn class_fix(checker: &PyChecker, class: &ClassInfo, permission: &str) -> Option<Fix> {
    let src = checker.source();
    let list = class.def.child_by_field_name("superclasses")?;
    let body = class.def.child_by_field_name("body")?;
    let first = body.named_child(0)?;
    // A body on the `class` line (`class A(B): pass`) has no indentation to follow.
    if first.start_position().row == class.def.start_position().row {
        return None;
    }
    let mut cursor = list.walk();
    if list
        .named_children(&mut cursor)
        .any(|c| c.kind() == "comment")
    {
        return None;
    }
    let (local, import) =
        checker.ensure_import("django.contrib.auth.mixins", "PermissionRequiredMixin")?;
    let indent = node::line_indent(src, first.start_byte());
    let line = node::line_start(src, first.start_byte());
    let mut edits = vec![
        Edit::insert(list.start_byte() + 1, format!("{local}, ")),
        Edit::insert(
            line,
            format!("{indent}permission_required = \"{permission}\"\n"),
        ),
    ];
    edits.extend(import);
    Some(Fix::unsafe_(
        format!("Add `PermissionRequiredMixin` with `permission_required = \"{permission}\"`"),
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes_of, route, with_env};
    use crate::analysis::testing::{assert_fix, fix_applicability};

    const HEAD: &str = "from django.contrib.auth.decorators import login_required, permission_required, user_passes_test\nfrom django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.contrib.auth.models import User\nfrom django.shortcuts import get_object_or_404, redirect, render\nfrom django.views.generic import ListView, UpdateView\n";

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS316"])
    }

    #[test]
    fn user_directories_are_warnings_outside_admin_pages() {
        let src = format!(
            "{HEAD}class Members(LoginRequiredMixin, ListView):\n    model = User\n\nclass AdminMembers(LoginRequiredMixin, ListView):\n    model = User\n    template_name = 'admin/members.html'\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS316", 6, 7, "warning"), ("DJS316", 9, 7, "error")]
        );
    }

    #[test]
    fn flags_user_management_behind_a_login_only() {
        let src = format!(
            "{HEAD}@login_required\ndef delete_user(request, pk):\n    User.objects.filter(pk=pk).delete()\n    return redirect('users')\n\
@login_required\ndef promote(request, pk):\n    user = get_object_or_404(User, pk=pk)\n    user.is_staff = True\n    user.save()\n    return redirect('users')\n\
@login_required\ndef users(request):\n    return render(request, 'users.html', {{'users': User.objects.all()}})\n\
class UserEdit(LoginRequiredMixin, UpdateView):\n    model = User\n    fields = ['email']\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS316", 7, 5, "error"),
                ("DJS316", 11, 5, "error"),
                ("DJS316", 17, 5, "warning"),
                ("DJS316", 19, 7, "error"),
            ]
        );
    }

    #[test]
    fn admin_areas_are_warnings() {
        let src = format!(
            "{HEAD}@login_required\ndef admin_dashboard(request):\n    return render(request, 'dash.html')\n\
@login_required\ndef reports(request):\n    return render(request, 'admin/reports.html')\n\
@login_required\ndef stats(request):\n    return render(request, 'stats.html')\n"
        );
        let found = with_env("shop/views.py", &src, |e| {
            route(e, "admin_dashboard", "dash/", &[]);
            route(e, "reports", "r/", &[]);
            route(e, "stats", "admin/stats/", &[]);
        });
        let found: Vec<_> = found.into_iter().filter(|f| f.0 == "DJS316").collect();
        assert_eq!(
            found,
            vec![
                ("DJS316", 7, 5, "warning"),
                ("DJS316", 10, 5, "warning"),
                ("DJS316", 13, 5, "warning"),
            ]
        );
    }

    #[test]
    fn silent_when_more_than_a_login_is_checked_or_it_is_the_users_own() {
        let src = format!(
            "{HEAD}from django.contrib.admin.views.decorators import staff_member_required\nfrom django.core.exceptions import PermissionDenied\n\
@staff_member_required\ndef delete_user(request, pk):\n    User.objects.filter(pk=pk).delete()\n    return redirect('users')\n\
@permission_required('auth.change_user')\ndef promote(request, pk):\n    user = get_object_or_404(User, pk=pk)\n    user.is_staff = True\n    user.save()\n    return redirect('users')\n\
@user_passes_test(lambda u: u.is_superuser)\ndef users(request):\n    return render(request, 'users.html', {{'users': User.objects.all()}})\n\
@login_required\ndef settings_view(request):\n    request.user.is_active = False\n    request.user.save()\n    return redirect('/')\n\
@login_required\ndef team_delete(request, pk):\n    if not request.user.is_manager():\n        raise PermissionDenied\n    User.objects.filter(pk=pk).delete()\n    return redirect('/')\n\
@company_admin_required\ndef wipe(request, pk):\n    User.objects.filter(pk=pk).delete()\n    return redirect('/')\n\
def open_delete(request, pk):\n    User.objects.filter(pk=pk).delete()\n    return redirect('/')\n"
        );
        assert_eq!(codes_at(&src), vec![]);
    }

    #[test]
    fn fixes_add_a_permission_inferred_from_the_model() {
        let src = "from django.contrib.auth.decorators import login_required\nfrom django.contrib.auth.models import User\nfrom django.shortcuts import redirect\n\n@login_required\ndef delete_user(request, pk):\n    User.objects.filter(pk=pk).delete()\n    return redirect('users')\n";
        assert_eq!(fix_applicability(src, "DJS316"), vec!["unsafe"]);
        let fixed = assert_fix(src, "DJS316");
        assert_eq!(
            fixed,
            "from django.contrib.auth.decorators import login_required, permission_required\nfrom django.contrib.auth.models import User\nfrom django.shortcuts import redirect\n\n@permission_required(\"auth.delete_user\")\n@login_required\ndef delete_user(request, pk):\n    User.objects.filter(pk=pk).delete()\n    return redirect('users')\n"
        );
        // No model to name: staff status.
        let src = "from django.contrib.auth.decorators import login_required\nfrom django.shortcuts import render\n\n@login_required\ndef admin_panel(request):\n    return render(request, 'panel.html')\n";
        let fixed = assert_fix(src, "DJS316");
        assert!(
            fixed.contains(
                "from django.contrib.admin.views.decorators import staff_member_required\n"
            ) && fixed.contains("@staff_member_required\n@login_required\ndef admin_panel"),
            "{fixed}"
        );
        // A class view: the mixin and the attribute.
        let src = "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.contrib.auth.models import User\nfrom django.views.generic import DeleteView\n\nclass UserDelete(LoginRequiredMixin, DeleteView):\n    model = User\n    success_url = '/'\n";
        let fixed = assert_fix(src, "DJS316");
        assert_eq!(
            fixed,
            "from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin\nfrom django.contrib.auth.models import User\nfrom django.views.generic import DeleteView\n\nclass UserDelete(PermissionRequiredMixin, LoginRequiredMixin, DeleteView):\n    permission_required = \"auth.delete_user\"\n    model = User\n    success_url = '/'\n"
        );
    }
}
