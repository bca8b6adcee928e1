use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::project::facts::{FileFacts, Memo, Resolver, reads_hold};
use crate::semantic::sources::Tables;

fn facts(src: &str) -> FileFacts {
    FileFacts::build(src, &Tables::default())
}

fn decorator(src: &str, name: &str) -> DecoratorFacts {
    match facts(src).decorators.get(name) {
        Some(d) => (**d).clone(),
        None => panic!("no decorator {name}"),
    }
}

#[test]
fn decorators_of_every_shape_and_what_they_check() {
    let src = "from functools import wraps\n\
from django.conf import settings\n\
from django.contrib.auth.decorators import login_required, user_passes_test\n\
from django.core.exceptions import PermissionDenied\n\
from .other import team_required\n\
\n\
def plain(view):\n    def wrapper(request, *a, **k):\n        if not request.user.is_authenticated:\n            raise PermissionDenied\n        return view(request, *a, **k)\n    return wrapper\n\
\n\
def factory(role):\n    def decorator(view):\n        @wraps(view)\n        def wrapper(request, *a, **k):\n            if not request.user.has_role(role):\n                raise PermissionDenied\n            return view(request, *a, **k)\n        return wrapper\n    return decorator\n\
\n\
def built_on(view):\n    return login_required(team_required('x')(view))\n\
\n\
def token(view):\n    def wrapper(request, *a, **k):\n        if request.META.get('HTTP_AUTHORIZATION') != settings.KEY:\n            return HttpResponse(status=403)\n        return view(request, *a, **k)\n    return wrapper\n\
\n\
def perms(view):\n    def wrapper(request, *a, **k):\n        if not request.user.has_perm('app.change_x'):\n            raise PermissionDenied\n        return view(request, *a, **k)\n    return wrapper\n\
\n\
class require_staff:\n    def __init__(self, view):\n        self.view = view\n    def __call__(self, request, *a, **k):\n        if not request.user.is_staff:\n            raise PermissionDenied\n        return self.view(request, *a, **k)\n\
\n\
staff_required = user_passes_test(lambda u: u.is_staff)\n\
\n\
def flag_check(view):\n    def wrapper(request, *a, **k):\n        if not settings.FEATURE:\n            raise PermissionDenied\n        return view(request, *a, **k)\n    return wrapper\n\
\n\
def helper(x):\n    return x + 1\n";
    assert_eq!(decorator(src, "plain").checks, Checks::SESSION);
    let f = decorator(src, "factory");
    assert!(f.checks.predicate && !f.checks.staff, "{f:?}");
    let b = decorator(src, "built_on");
    assert_eq!(b.checks, Checks::SESSION);
    assert_eq!(b.uses, vec![".other.team_required".to_string()]);
    assert_eq!(decorator(src, "token").checks, Checks::TOKEN);
    assert!(decorator(src, "token").checks.token_only());
    assert!(decorator(src, "perms").checks.permission);
    assert!(decorator(src, "require_staff").checks.staff);
    let s = decorator(src, "staff_required");
    assert!(s.checks.staff && s.checks.predicate, "{s:?}");
    // A denial under a condition that is not about the caller checks nothing.
    assert_eq!(decorator(src, "flag_check").checks, Checks::NONE);
    // Not a decorator.
    assert!(!facts(src).decorators.contains_key("helper"));
}

#[test]
fn classes_bases_checks_members_and_owners() {
    let src = "from django.conf import settings\n\
from django.contrib.auth.mixins import LoginRequiredMixin\n\
from django.db import models\n\
from django.utils.decorators import method_decorator\n\
from .decorators import team_required\n\
\n\
class TeamMixin(LoginRequiredMixin):\n    permission_required = None\n    def get_queryset(self):\n        return super().get_queryset().filter(team__members=self.request.user)\n\
\n\
@method_decorator(team_required, name='dispatch')\nclass Decorated:\n    pass\n\
\n\
class Invoice(models.Model):\n    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n    partner = models.ForeignKey('auth.User', null=True, on_delete=models.SET_NULL)\n    total = models.IntegerField()\n    class Meta:\n        app_label = 'billing'\n";
    let f = facts(src);
    let team = f.classes.get("TeamMixin").cloned().expect("TeamMixin");
    assert_eq!(
        team.bases,
        vec!["django.contrib.auth.mixins.LoginRequiredMixin".to_string()]
    );
    assert!(team.checks.object);
    assert!(team.defines("get_queryset"));
    assert!(!team.defines("permission_required"));
    let decorated = f.classes.get("Decorated").cloned().expect("Decorated");
    assert_eq!(
        decorated.uses,
        vec![".decorators.team_required".to_string()]
    );
    let invoice = f.classes.get("Invoice").cloned().expect("Invoice");
    assert_eq!(invoice.owner_fields, vec!["customer", "partner"]);
    assert_eq!(invoice.app_label.as_deref(), Some("billing"));
}

#[test]
fn access_facts_of_a_buffer_are_the_same_summarised_whole_or_by_definition() {
    let v1 = "from django.contrib.auth.decorators import user_passes_test\nstaff = user_passes_test(lambda u: u.is_staff)\ndef a(view):\n    def w(request):\n        if not request.user.is_authenticated:\n            raise PermissionDenied\n        return view(request)\n    return w\nclass M:\n    def dispatch(self, request):\n        return 1\n";
    let v2 = v1
        .replace("is_authenticated", "is_anonymous")
        .replace("is_staff", "is_superuser");
    let tables = Tables::default();
    let mut memo = Memo::default();
    for src in [v1, v2.as_str(), v1] {
        let tree = crate::syntax::python::parse(src, None);
        let incremental = memo.facts(src, &tree, &tables);
        assert_eq!(*incremental, facts(src), "{src}");
    }
}

#[test]
fn lookups_follow_imports_and_re_exports_and_are_recorded() {
    let decorators = "def login_check(view):\n    def w(request):\n        if not request.user.is_authenticated:\n            raise PermissionDenied\n        return view(request)\n    return w\n";
    let index = crate::project::ProjectIndex::from_files(
        Path::new("/p"),
        &[
            ("core/__init__.py", "from .decorators import login_check\n"),
            ("core/decorators.py", decorators),
            ("core/mixins.py", "class Base:\n    pass\n"),
            ("app/views.py", ""),
        ],
    );
    let index = Arc::new(index);
    let resolver = Resolver::new(
        Some(Arc::clone(&index)),
        Some(Path::new("/p/app/views.py")),
        Arc::new(FileFacts::default()),
    );
    let (file, d) = resolver
        .decorator(None, "core.login_check")
        .expect("re-exported decorator");
    assert_eq!(d.name, "login_check");
    assert_eq!(file.as_deref(), Some(Path::new("/p/core/decorators.py")));
    assert!(resolver.class(None, "core.mixins.Base").is_some());
    assert!(resolver.class(None, "core.mixins.Missing").is_none());
    let reads = resolver.take_reads();
    assert_eq!(reads.len(), 3);
    assert!(reads[0].involves(Path::new("/p/core/decorators.py")));
    // The same questions asked of an index where the decorator changed: the answers differ.
    let fresh = Resolver::new(
        Some(Arc::clone(&index)),
        Some(Path::new("/p/app/views.py")),
        Arc::new(FileFacts::default()),
    );
    assert!(reads_hold(&reads, &fresh));
    let changed = crate::project::ProjectIndex::from_files(
        Path::new("/p"),
        &[
            ("core/__init__.py", "from .decorators import login_check\n"),
            (
                "core/decorators.py",
                &decorators.replace("request.user.is_authenticated", "request.GET"),
            ),
            ("core/mixins.py", "class Base:\n    pass\n"),
            ("app/views.py", ""),
        ],
    );
    let after = Resolver::new(
        Some(Arc::new(changed)),
        Some(Path::new("/p/app/views.py")),
        Arc::new(FileFacts::default()),
    );
    assert!(!reads_hold(&reads, &after));
}

#[test]
fn library_table_knows_django_and_third_party_names() {
    assert_eq!(
        library("django.contrib.auth.decorators.login_required"),
        Some(Library::Checks(Checks::SESSION))
    );
    assert_eq!(
        library("braces.views._access.StaffuserRequiredMixin"),
        Some(Library::Checks(Checks::STAFF))
    );
    assert_eq!(
        library("guardian.mixins.PermissionRequiredMixin"),
        Some(Library::Checks(Checks::OBJECT_PERMISSION))
    );
    assert_eq!(
        library("django_ratelimit.decorators.ratelimit"),
        Some(Library::RateLimit)
    );
    assert_eq!(library("myapp.decorators.login_required"), None);
    assert_eq!(
        drf_authentication_is_session("rest_framework_simplejwt.authentication.JWTAuthentication"),
        Some(false)
    );
    assert_eq!(
        drf_authentication_is_session("rest_framework.authentication.SessionAuthentication"),
        Some(true)
    );
}

#[test]
fn what_a_denial_requires_depends_on_its_condition() {
    let src = "from django.core.exceptions import PermissionDenied\n\
from django.http import HttpResponseForbidden\n\
from django.shortcuts import redirect\n\
\n\
def anonymous_only(view):\n    def wrapper(request, *a, **k):\n        if request.user.is_authenticated:\n            raise PermissionDenied\n        return view(request, *a, **k)\n    return wrapper\n\
\n\
def guard_login(view):\n    def wrapper(request, *a, **k):\n        if request.user.is_authenticated:\n            return view(request, *a, **k)\n        return redirect('login')\n    return wrapper\n\
\n\
def admin_or_owner(view):\n    def wrapper(request, user_id=None):\n        if request.user.is_administrator() or request.user.id == user_id:\n            return view(request, user_id)\n        return HttpResponseForbidden('no')\n    return wrapper\n\
\n\
def else_staff(view):\n    def wrapper(request, *a, **k):\n        if request.user.is_staff:\n            return view(request, *a, **k)\n        else:\n            raise PermissionDenied\n    return wrapper\n\
\n\
def sends_members_away(view):\n    def wrapper(request, *a, **k):\n        if request.user.is_authenticated and settings.REDIRECT_MEMBERS:\n            return redirect('dashboard')\n        return view(request, *a, **k)\n    return wrapper\n";
    assert_eq!(decorator(src, "anonymous_only").checks, Checks::NONE);
    assert_eq!(decorator(src, "guard_login").checks, Checks::SESSION);
    assert_eq!(decorator(src, "admin_or_owner").checks, Checks::PREDICATE);
    assert_eq!(decorator(src, "else_staff").checks, Checks::STAFF);
    assert_eq!(decorator(src, "sends_members_away").checks, Checks::NONE);
}
