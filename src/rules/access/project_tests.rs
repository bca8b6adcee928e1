//! The access rules with a real project index: what `Env::from_context` takes from the URLconf
//! and the settings changes the findings of a views module.

use std::path::Path;
use std::sync::Arc;

use crate::analysis::Context;
use crate::analysis::testing::codes_at_with;
use crate::project::ProjectIndex;
use crate::syntax::Language;

const VIEWS: &str = "from django.shortcuts import render, redirect\n\
\n\
def dashboard(request):\n    return render(request, 'd.html')\n\
\n\
def delete_item(request, pk):\n    Item.objects.filter(pk=pk, owner=request.user).delete()\n    return redirect('/')\n\
\n\
def status(request):\n    return render(request, 's.html')\n";

const SETTINGS: &str = "SECRET_KEY = 'x'\nINSTALLED_APPS = []\nROOT_URLCONF = 'mysite.urls'\n";

fn findings(
    files: &[(&str, &str)],
    extra: impl FnOnce(&mut Context),
) -> Vec<(&'static str, usize, &'static str)> {
    let index = ProjectIndex::from_files(Path::new("/p"), files);
    let mut context = Context::for_path("/p/app/views.py");
    context.project = Some(Arc::new(index));
    extra(&mut context);
    let src = files
        .iter()
        .find(|(p, _)| *p == "app/views.py")
        .map_or(VIEWS, |(_, t)| t);
    codes_at_with(Language::Python, src, &context)
        .into_iter()
        .filter(|f| f.0.starts_with("DJS3"))
        .map(|(code, line, _, severity)| (code, line, severity))
        .collect()
}

fn project(urls: &str, settings: &str) -> Vec<(String, String)> {
    vec![
        ("mysite/settings.py".to_string(), settings.to_string()),
        ("mysite/urls.py".to_string(), urls.to_string()),
        ("app/__init__.py".to_string(), String::new()),
        ("app/views.py".to_string(), VIEWS.to_string()),
    ]
}

/// The settings, a URLconf and `app/views.py`.
fn app_project(urls: &str, views: &str) -> Vec<(String, String)> {
    let mut files = project(urls, SETTINGS);
    if let Some(v) = files.iter_mut().find(|(p, _)| p == "app/views.py") {
        v.1 = views.to_string();
    }
    files
}

fn run(files: &[(String, String)]) -> Vec<(&'static str, usize, &'static str)> {
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    findings(&borrowed, |_| {})
}

#[test]
fn routed_views_are_reported_and_urlconf_wrappers_protect() {
    let urls = "from django.urls import path\nfrom app import views\n\
urlpatterns = [path('dash/', views.dashboard), path('items/<int:pk>/delete/', views.delete_item)]\n";
    // The routed writing view: an audit note (it acts on the user's own items); the routed
    // read-only view is a page anyone may see; unrouted `status` is not a view.
    assert_eq!(run(&project(urls, SETTINGS)), vec![("DJS301", 6, "info")]);
    let wrapped = "from django.urls import path\nfrom django.contrib.auth.decorators import login_required, permission_required\nfrom app import views\n\
urlpatterns = [path('dash/', login_required(views.dashboard)), path('items/<int:pk>/delete/', permission_required('app.delete_item')(views.delete_item))]\n";
    assert_eq!(run(&project(wrapped, SETTINGS)), vec![]);
    // `csrf_exempt` is not an authentication wrapper; it exposes the view, which deletes the
    // caller's items, to forged requests (DJS308 at the view).
    let exempt = "from django.urls import path\nfrom django.views.decorators.csrf import csrf_exempt\nfrom app import views\n\
urlpatterns = [path('items/<int:pk>/delete/', csrf_exempt(views.delete_item))]\n";
    assert_eq!(
        run(&project(exempt, SETTINGS)),
        vec![("DJS301", 6, "info"), ("DJS308", 6, "error")]
    );
}

#[test]
fn public_by_route_or_url_name_stays_quiet() {
    let urls = "from django.urls import path\nfrom app.views import delete_item\n\
urlpatterns = [path('healthz/', delete_item)]\n";
    assert_eq!(run(&project(urls, SETTINGS)), vec![]);
    let urls = "from django.urls import path\nfrom app.views import delete_item\n\
urlpatterns = [path('items/x/', delete_item, name='health-check')]\n";
    assert_eq!(run(&project(urls, SETTINGS)), vec![]);
    // The same route without public words is reported.
    let urls = "from django.urls import path\nfrom app.views import delete_item\n\
urlpatterns = [path('items/x/', delete_item, name='stats')]\n";
    assert_eq!(run(&project(urls, SETTINGS)), vec![("DJS301", 6, "info")]);
}

#[test]
fn login_required_middleware_silences_missing_login_findings() {
    let urls = "from django.urls import path\nfrom app import views\nurlpatterns = [path('dash/', views.dashboard), path('d/', views.delete_item)]\n";
    let on = format!(
        "{SETTINGS}MIDDLEWARE = ['django.contrib.auth.middleware.AuthenticationMiddleware', 'django.contrib.auth.middleware.LoginRequiredMiddleware']\n"
    );
    assert_eq!(run(&project(urls, &on)), vec![]);
    let off = format!(
        "{SETTINGS}MIDDLEWARE = ['django.contrib.auth.middleware.AuthenticationMiddleware']\n"
    );
    assert_eq!(run(&project(urls, &off)), vec![("DJS301", 6, "info")]);
}

#[test]
fn drf_default_permissions_come_from_the_settings() {
    let api = "from rest_framework import viewsets\n\nclass ItemViewSet(viewsets.ModelViewSet):\n    def get_queryset(self):\n        return Item.objects.filter(owner=self.request.user)\n";
    let files = |settings: &str| {
        vec![
            ("mysite/settings.py".to_string(), settings.to_string()),
            ("app/views.py".to_string(), api.to_string()),
        ]
    };
    // No REST_FRAMEWORK: DRF's AllowAny applies.
    let found = run(&files(SETTINGS));
    assert_eq!(found, vec![("DJS306", 3, "warning")]);
    let strict = format!(
        "{SETTINGS}REST_FRAMEWORK = {{'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated']}}\n"
    );
    assert_eq!(run(&files(&strict)), vec![]);
    // Unknown settings: no finding on the default.
    let unknown = format!("{SETTINGS}REST_FRAMEWORK = load_rest_settings()\n");
    assert_eq!(run(&files(&unknown)), vec![]);
}

#[test]
fn configured_public_views_by_qualified_name() {
    let urls = "from django.urls import path\nfrom app import views\nurlpatterns = [path('dash/', views.dashboard), path('d/', views.delete_item)]\n";
    let files = project(urls, SETTINGS);
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let found = findings(&borrowed, |c| {
        c.public_views = Arc::from(vec![
            "app.views.delete_item".to_string(),
            "other.*".to_string(),
        ]);
    });
    assert_eq!(found, vec![]);
    let found = findings(&borrowed, |c| {
        c.public_views = Arc::from(vec!["app.views.*".to_string()]);
    });
    assert_eq!(found, vec![]);
    let found = findings(&borrowed, |c| {
        c.public_views = Arc::from(vec!["views.delete".to_string(), "shop.views.*".to_string()]);
    });
    assert_eq!(found, vec![("DJS301", 6, "info")]);
}

#[test]
fn routes_through_a_views_package_reach_its_modules() {
    let urls = "from django.urls import path\nfrom django.contrib.auth.decorators import login_required\nfrom app.views import delete_item\n\
urlpatterns = [path('d/', login_required(delete_item))]\n";
    let files = vec![
        ("mysite/settings.py", SETTINGS),
        ("mysite/urls.py", urls),
        ("app/views/__init__.py", "from .items import *\n"),
        ("app/views/items.py", VIEWS),
    ];
    let index = ProjectIndex::from_files(Path::new("/p"), &files);
    let mut context = Context::for_path("/p/app/views/items.py");
    context.project = Some(Arc::new(index));
    let found: Vec<_> = codes_at_with(Language::Python, VIEWS, &context)
        .into_iter()
        .filter(|f| f.0 == "DJS301")
        .map(|f| f.1)
        .collect();
    // `delete_item` is wrapped in login_required: only the writing view was at risk, and it is
    // protected; nothing else is routed.
    assert_eq!(found, Vec::<usize>::new());
    // The same package without the wrapper: the writing view is reported.
    let bare = urls.replace("login_required(delete_item)", "delete_item");
    let files = vec![
        ("mysite/settings.py", SETTINGS),
        ("mysite/urls.py", bare.as_str()),
        ("app/views/__init__.py", "from .items import *\n"),
        ("app/views/items.py", VIEWS),
    ];
    let index = ProjectIndex::from_files(Path::new("/p"), &files);
    context.project = Some(Arc::new(index));
    let found: Vec<_> = codes_at_with(Language::Python, VIEWS, &context)
        .into_iter()
        .filter(|f| f.0 == "DJS301")
        .map(|f| (f.1, f.3))
        .collect();
    assert_eq!(found, vec![(6, "info")]);
}

// ---------------------------------------------------------------------------------------------
// Project decorators and mixins across modules (the project facts)

const DECORATORS: &str = "from functools import wraps\n\
from django.conf import settings\n\
from django.contrib.auth.decorators import login_required, user_passes_test\n\
from django.core.exceptions import PermissionDenied\n\
from django.http import HttpResponse\n\
\n\
def api_key_required(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if request.headers.get('X-Api-Key') != settings.API_KEY:\n            return HttpResponse(status=401)\n        return view(request, *args, **kwargs)\n    return wrapper\n\
\n\
def user_is_authenticated(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if not request.user.is_authenticated:\n            raise PermissionDenied\n        return view(request, *args, **kwargs)\n    return wrapper\n\
\n\
def staff_only(view):\n    return user_is_authenticated(user_passes_test(lambda u: u.is_staff)(view))\n\
\n\
def member_of(team):\n    def decorator(view):\n        @wraps(view)\n        @user_is_authenticated\n        def wrapper(request, *args, **kwargs):\n            return view(request, *args, **kwargs)\n        return wrapper\n    return decorator\n\
\n\
def timed(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        return view(request, *args, **kwargs)\n    return wrapper\n";

const MIXINS: &str = "from django.contrib.auth.mixins import PermissionRequiredMixin\n\
from django.core.exceptions import PermissionDenied\n\
\n\
class TeamPermissionRequiredMixin(PermissionRequiredMixin):\n    def has_permission(self):\n        return self.request.user.teams.filter(pk=self.kwargs['team']).exists()\n\
\n\
class OwnerMixin:\n    def dispatch(self, request, *args, **kwargs):\n        if not request.user.is_authenticated:\n            raise PermissionDenied\n        return super().dispatch(request, *args, **kwargs)\n\
\n\
class BareMixin:\n    paginate_by = 20\n";

const PROJECT_VIEWS: &str = "from django.http import HttpResponse\n\
from django.shortcuts import redirect\n\
from django.views.decorators.csrf import csrf_exempt\n\
from django.views.generic import DeleteView, UpdateView\n\
from django.contrib.auth.mixins import PermissionRequiredMixin\n\
from core.decorators import api_key_required, user_is_authenticated, staff_only, member_of, timed\n\
from core import mixins\n\
from core.mixins import BareMixin\n\
\n\
@csrf_exempt\n@api_key_required\ndef push(request):\n    Event.objects.create()\n    return HttpResponse()\n\
\n\
@csrf_exempt\n@user_is_authenticated\ndef vote(request):\n    Vote.objects.create()\n    return HttpResponse()\n\
\n\
@staff_only\ndef purge(request, pk):\n    Item.objects.filter(pk=pk).delete()\n    return redirect('/')\n\
\n\
@member_of('ops')\ndef archive(request, pk):\n    Item.objects.filter(pk=pk).update(archived=True)\n    return redirect('/')\n\
\n\
@timed\ndef drop(request, pk):\n    Item.objects.filter(pk=pk).delete()\n    return redirect('/')\n\
\n\
def _delete_rows(request, ids):\n    Item.objects.filter(pk__in=ids).delete()\n    return redirect('/')\n\
\n\
def helper(request, pk):\n    Item.objects.filter(pk=pk).delete()\n    return redirect('/')\n\
\n\
class TeamItemDelete(mixins.TeamPermissionRequiredMixin, DeleteView):\n    model = Item\n\
\n\
class ItemEdit(mixins.OwnerMixin, UpdateView):\n    model = Item\n\
\n\
class ItemDelete(BareMixin, DeleteView):\n    model = Item\n\
\n\
class Audit(PermissionRequiredMixin, DeleteView):\n    model = Item\n";

const PROJECT_URLS: &str = "from django.urls import path\nfrom app import views\n\
urlpatterns = [\n    path('push/', views.push),\n    path('vote/', views.vote),\n    path('purge/<int:pk>/', views.purge),\n    path('archive/<int:pk>/', views.archive),\n    path('drop/<int:pk>/', views.drop),\n    path('t/<int:pk>/', views.TeamItemDelete.as_view()),\n    path('e/<int:pk>/', views.ItemEdit.as_view()),\n    path('d/<int:pk>/', views.ItemDelete.as_view()),\n    path('a/<int:pk>/', views.Audit.as_view()),\n]\n";

fn across_modules(decorators: &str) -> Vec<(&'static str, usize, &'static str)> {
    findings(
        &[
            ("mysite/settings.py", SETTINGS),
            ("mysite/urls.py", PROJECT_URLS),
            ("core/__init__.py", ""),
            ("core/decorators.py", decorators),
            ("core/mixins.py", MIXINS),
            ("app/__init__.py", ""),
            ("app/views.py", PROJECT_VIEWS),
        ],
        |_| {},
    )
}

#[test]
fn project_decorators_and_mixins_across_modules() {
    let found = across_modules(DECORATORS);
    assert_eq!(
        found,
        vec![
            // `vote` is exempt from CSRF and its decorator checks the session user; `push`'s
            // checks an API key from a header: no finding.
            ("DJS308", 16, "error"),
            // `member_of` is built on `user_is_authenticated`: a login, and the lookup is not
            // scoped to the user.
            ("DJS309", 29, "hint"),
            // `timed` is a decorator that checks nothing: `drop` deletes by the URL's id.
            ("DJS301", 33, "error"),
            // `OwnerMixin.dispatch` checks the login only.
            ("DJS309", 48, "hint"),
            // `BareMixin` brings no check.
            ("DJS302", 51, "error"),
            // Django's `PermissionRequiredMixin` without a permission; `TeamPermissionRequiredMixin`
            // defines `has_permission()` itself.
            ("DJS304", 54, "warning"),
        ]
    );
    // `staff_only` and `member_of` are built on `user_is_authenticated`, `user_passes_test`
    // (transitively): `purge` and `archive` are protected; `_delete_rows` and `helper` are not
    // routed in a URLconf djsec read completely: not views.
}

#[test]
fn an_edited_project_decorator_changes_the_findings_of_its_users() {
    // `user_is_authenticated` no longer checks anything: `vote` does not rely on the session,
    // `staff_only` still checks staff (through `user_passes_test`), `archive` is open.
    let weakened = DECORATORS.replace(
        "        if not request.user.is_authenticated:\n            raise PermissionDenied\n",
        "",
    );
    let found = across_modules(&weakened);
    assert!(found.contains(&("DJS308", 16, "info")), "{found:?}");
    assert!(found.contains(&("DJS301", 28, "error")), "{found:?}");
    assert!(!found.iter().any(|f| f.1 == 23 || f.1 == 24), "{found:?}");
}

#[test]
fn an_incremental_analysis_notices_an_edited_decorator_in_another_module() {
    let views = "from django.shortcuts import redirect\nfrom core.decorators import user_is_authenticated\n\n@user_is_authenticated\ndef archive(request, pk):\n    Item.objects.filter(pk=pk).update(archived=True)\n    return redirect('/')\n";
    let urls = "from django.urls import path\nfrom app import views\nurlpatterns = [path('a/<int:pk>/', views.archive)]\n";
    let context = |decorators: &str| Context {
        project: Some(Arc::new(ProjectIndex::from_files(
            Path::new("/p"),
            &[
                ("mysite/settings.py", SETTINGS),
                ("mysite/urls.py", urls),
                ("core/decorators.py", decorators),
                ("app/views.py", views),
            ],
        ))),
        ..Context::for_path("/p/app/views.py")
    };
    let weakened = DECORATORS.replace(
        "        if not request.user.is_authenticated:\n            raise PermissionDenied\n",
        "",
    );
    let text: Arc<str> = Arc::from(views);
    let syntax = crate::syntax::Syntax::parse(Language::Python, views);
    let mut cache = crate::analysis::Cache::default();
    let mut codes = |decorators: &str| -> Vec<&'static str> {
        crate::analysis::analyze_incremental(&text, &syntax, &context(decorators), &mut cache)
            .iter()
            .map(|f| f.code)
            .filter(|c| *c == "DJS301")
            .collect()
    };
    assert_eq!(codes(DECORATORS), Vec::<&str>::new());
    assert_eq!(codes(&weakened), vec!["DJS301"]);
    assert_eq!(codes(DECORATORS), Vec::<&str>::new());
}

// ---------------------------------------------------------------------------------------------
// Rate limiting and DRF defaults at the settings line

const AUTH_VIEWS: &str = "from django.contrib.auth import authenticate, login\n\
from django.contrib.auth.forms import PasswordResetForm\n\
from django.contrib.auth.views import LoginView\n\
from django.shortcuts import redirect, render\n\
from django_ratelimit.decorators import ratelimit\n\
\n\
def sign_in(request):\n    user = authenticate(request, username=request.POST['u'], password=request.POST['p'])\n    login(request, user)\n    return redirect('/')\n\
\n\
def forgot(request):\n    form = PasswordResetForm(request.POST)\n    return render(request, 'f.html', {'form': form})\n\
\n\
class Login(LoginView):\n    template_name = 'login.html'\n\
\n\
def profile(request):\n    return render(request, 'p.html')\n";

fn rate_limit_findings(settings: &str, views: &str) -> Vec<(&'static str, usize, &'static str)> {
    let urls = "from django.urls import path\nfrom app import views\nurlpatterns = [path('in/', views.sign_in), path('forgot/', views.forgot), path('login/', views.Login.as_view()), path('me/', views.profile)]\n";
    findings(
        &[
            ("mysite/settings.py", settings),
            ("mysite/urls.py", urls),
            ("app/__init__.py", ""),
            ("app/views.py", views),
        ],
        |_| {},
    )
    .into_iter()
    .filter(|f| f.0 == "DJS319")
    .collect()
}

#[test]
fn login_views_get_a_hint_when_nothing_limits_rates() {
    // `ratelimit` is imported by the views module itself: the project has a limiter.
    let without = AUTH_VIEWS.replace("from django_ratelimit.decorators import ratelimit\n", "");
    let found = rate_limit_findings(SETTINGS, &without);
    assert_eq!(
        found,
        vec![
            ("DJS319", 6, "hint"),
            ("DJS319", 11, "hint"),
            ("DJS319", 15, "hint")
        ]
    );
    assert_eq!(rate_limit_findings(SETTINGS, AUTH_VIEWS), vec![]);
    let axes = format!("{SETTINGS}INSTALLED_APPS = ['django.contrib.auth', 'axes']\n");
    assert_eq!(rate_limit_findings(&axes, &without), vec![]);
    let throttled = format!(
        "{SETTINGS}REST_FRAMEWORK = {{'DEFAULT_THROTTLE_CLASSES': ['rest_framework.throttling.AnonRateThrottle']}}\n"
    );
    assert_eq!(rate_limit_findings(&throttled, &without), vec![]);
    // Unknown settings: nothing.
    let unknown = format!("{SETTINGS}INSTALLED_APPS = load_apps()\n");
    assert_eq!(rate_limit_findings(&unknown, &without), vec![]);
}

fn settings_findings(settings: &str) -> Vec<(&'static str, usize, &'static str)> {
    let index = ProjectIndex::from_files(Path::new("/p"), &[("mysite/settings.py", settings)]);
    let mut context = Context::for_path("/p/mysite/settings.py");
    context.project = Some(Arc::new(index));
    codes_at_with(Language::Python, settings, &context)
        .into_iter()
        .filter(|f| matches!(f.0, "DJS306" | "DJS319"))
        .map(|(code, line, _, severity)| (code, line, severity))
        .collect()
}

#[test]
fn drf_defaults_are_reported_at_the_settings_line() {
    let open = "SECRET_KEY = 'x'\nREST_FRAMEWORK = {\n    'DEFAULT_AUTHENTICATION_CLASSES': ['rest_framework_simplejwt.authentication.JWTAuthentication'],\n    'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.AllowAny'],\n}\n";
    assert_eq!(
        settings_findings(open),
        vec![("DJS319", 2, "hint"), ("DJS306", 4, "warning")]
    );
    let strict = "SECRET_KEY = 'x'\nREST_FRAMEWORK = {\n    'DEFAULT_AUTHENTICATION_CLASSES': ['rest_framework.authentication.SessionAuthentication'],\n    'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated'],\n    'DEFAULT_THROTTLE_CLASSES': ['rest_framework.throttling.UserRateThrottle'],\n}\n";
    assert_eq!(settings_findings(strict), vec![]);
    // A development settings module is not what is deployed.
    let index = ProjectIndex::from_files(Path::new("/p"), &[("mysite/settings/dev.py", open)]);
    let mut context = Context::for_path("/p/mysite/settings/dev.py");
    context.project = Some(Arc::new(index));
    let found: Vec<_> = codes_at_with(Language::Python, open, &context)
        .into_iter()
        .filter(|f| matches!(f.0, "DJS306" | "DJS319"))
        .collect();
    assert_eq!(found, vec![]);
}

#[test]
fn a_view_parameter_no_route_captures_is_not_url_data() {
    // `register` is routed at `register/`, which captures nothing: its `redirect_url` comes
    // from the Python callers. `go` is routed at `go/<path:to>/`: its `to` is URL data.
    let views = "from django.http import HttpResponseRedirect\n\
\n\
def register(request, redirect_url=None):\n    return HttpResponseRedirect(redirect_url)\n\
\n\
def go(request, to):\n    return HttpResponseRedirect(to)\n\
\n\
def old(request, to):\n    return HttpResponseRedirect(to)\n";
    let urls = "from django.urls import path, re_path\nfrom app import views\n\
urlpatterns = [\n    path('register/', views.register),\n    path('go/<path:to>/', views.go),\n    re_path(r'^old/(.+)/$', views.old),\n]\n";
    let files = app_project(urls, views);
    let found: Vec<_> = run(&files)
        .into_iter()
        .filter(|f| f.0 == "DJS311")
        .collect();
    // `old`'s unnamed regex group passes `to` positionally: still URL data.
    assert_eq!(
        found,
        vec![("DJS311", 7, "warning"), ("DJS311", 10, "warning")]
    );
}

#[test]
fn a_helper_that_drops_a_foreign_url_guards_its_callers() {
    // The helper reads the parameter through another helper and resets it when the check
    // fails: its callers redirect only to this site. A helper without the check does not.
    let helpers = "from django.utils.http import url_has_allowed_host_and_scheme\n\
\n\
def get_param(request, name):\n    return request.POST.get(name) or request.GET.get(name)\n\
\n\
def next_url(request):\n    url = get_param(request, 'next')\n    if url and not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):\n        url = None\n    return url\n";
    let views = "from django.http import HttpResponseRedirect\nfrom app.helpers import get_param, next_url\n\
\n\
def checked(request):\n    return HttpResponseRedirect(next_url(request) or '/')\n\
\n\
def unchecked(request):\n    return HttpResponseRedirect(get_param(request, 'next'))\n";
    let urls = "from django.urls import path\nfrom app import views\n\
urlpatterns = [\n    path('a/', views.checked),\n    path('b/', views.unchecked),\n]\n";
    let files = vec![
        ("mysite/settings.py".to_string(), SETTINGS.to_string()),
        ("mysite/urls.py".to_string(), urls.to_string()),
        ("app/__init__.py".to_string(), String::new()),
        ("app/helpers.py".to_string(), helpers.to_string()),
        ("app/views.py".to_string(), views.to_string()),
    ];
    let found: Vec<_> = run(&files)
        .into_iter()
        .filter(|f| f.0 == "DJS311")
        .collect();
    assert_eq!(found, vec![("DJS311", 8, "warning")]);
}

#[test]
fn csrf_exempt_in_the_urlconf_is_judged_at_the_view() {
    // The URLconf wraps both views in `csrf_exempt()`: the one acting for the logged-in user is
    // an error at its definition, the token-authenticated one is not reported, and the view the
    // URLconf leaves alone is not either.
    let views = "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.http import HttpResponse\nfrom django.views import View\n\
\n\
class NoteView(LoginRequiredMixin, View):\n    def post(self, request, pk):\n        Note.objects.filter(pk=pk, owner=request.user).update(text=request.POST['text'])\n        return HttpResponse()\n\
\n\
def hook(request):\n    if request.headers.get('Authorization') != 'Bearer ' + KEY:\n        return HttpResponse(status=401)\n    Event.objects.create()\n    return HttpResponse()\n\
\n\
class PlainView(LoginRequiredMixin, View):\n    def post(self, request):\n        Note.objects.create(owner=request.user)\n        return HttpResponse()\n";
    let urls = "from django.urls import path\nfrom django.views.decorators.csrf import csrf_exempt\nfrom app import views\n\
urlpatterns = [\n    path('n/<int:pk>/', csrf_exempt(views.NoteView.as_view())),\n    path('hook/', csrf_exempt(views.hook)),\n    path('p/', views.PlainView.as_view()),\n]\n";
    let files = app_project(urls, views);
    let found: Vec<_> = run(&files)
        .into_iter()
        .filter(|f| f.0 == "DJS308")
        .collect();
    assert_eq!(found, vec![("DJS308", 5, "error")]);
}

#[test]
fn without_root_urlconf_the_routes_read_still_say_what_a_view_captures() {
    // No ROOT_URLCONF: djsec reads the URL module no other includes. `register` is routed at
    // `register/` (nothing captured): its `redirect_url` comes from its callers; `go` captures
    // `to`.
    let views = "from django.http import HttpResponseRedirect\n\
\n\
def register(request, redirect_url=None):\n    return HttpResponseRedirect(redirect_url)\n\
\n\
def go(request, to):\n    return HttpResponseRedirect(to)\n";
    let urls = "from django.urls import path\nfrom app import views\n\
urlpatterns = [\n    path('register/', views.register),\n    path('go/<path:to>/', views.go),\n]\n";
    let files = vec![
        ("app/__init__.py".to_string(), String::new()),
        ("app/urls.py".to_string(), urls.to_string()),
        ("app/views.py".to_string(), views.to_string()),
    ];
    let found: Vec<_> = run(&files)
        .into_iter()
        .filter(|f| f.0 == "DJS311")
        .collect();
    assert_eq!(found, vec![("DJS311", 7, "warning")]);
}

#[test]
fn a_form_field_every_clean_method_checks_is_safe_to_redirect_to() {
    // Seen in django-oscar: the view redirects to `form.cleaned_data["redirect_url"]` of a form
    // class loaded by name; both forms' `clean_redirect_url()` return the URL only when it is
    // this site's (or the settings' fallback). `next` has a cleaner that checks nothing, and
    // `back` none at all: those stay reported.
    let forms = "from django import forms\nfrom django.conf import settings\nfrom django.urls import resolve, Resolver404\nfrom django.utils.http import url_has_allowed_host_and_scheme\n\
\n\
class LoginForm(forms.Form):\n    redirect_url = forms.CharField(required=False)\n\
\n    def clean_redirect_url(self):\n        url = self.cleaned_data['redirect_url'].strip()\n        if url and url_has_allowed_host_and_scheme(url, self.host):\n            return url\n\
\n\
class SignupForm(forms.Form):\n    redirect_url = forms.CharField(required=False)\n    next = forms.CharField(required=False)\n\
\n    def clean_redirect_url(self):\n        url = self.cleaned_data['redirect_url'].strip()\n        if not url or not url_has_allowed_host_and_scheme(url, self.host):\n            return settings.LOGIN_REDIRECT_URL\n        return url\n\
\n    def clean_next(self):\n        return self.cleaned_data['next'].strip()\n";
    let views = "from django.shortcuts import redirect\nfrom django.views.generic import FormView\n\
\n\
class Signup(FormView):\n    form_class = load_class('forms', 'SignupForm')\n\
\n    def form_valid(self, form):\n        return redirect(form.cleaned_data['redirect_url'])\n\
\n\
class Login(FormView):\n    def form_valid(self, form):\n        url = form.cleaned_data.get('redirect_url')\n        return redirect(url)\n\
\n\
class Next(FormView):\n    def form_valid(self, form):\n        return redirect(form.cleaned_data['next'])\n\
\n\
class Back(FormView):\n    def form_valid(self, form):\n        return redirect(form.cleaned_data['back'])\n\
\n\
class Through(FormView):\n    def success_url_of(self, form):\n        url = form.cleaned_data['redirect_url']\n        return url or '/'\n\
\n    def next_of(self, form):\n        return form.cleaned_data['next']\n\
\n    def form_valid(self, form):\n        if form.data.get('go'):\n            return redirect(self.next_of(form))\n        return redirect(self.success_url_of(form))\n";
    let urls = "from django.urls import path\nfrom app import views\n\
urlpatterns = [\n    path('s/', views.Signup.as_view()),\n    path('l/', views.Login.as_view()),\n    path('n/', views.Next.as_view()),\n    path('b/', views.Back.as_view()),\n]\n";
    let mut files = app_project(urls, views);
    files.push(("app/forms.py".to_string(), forms.to_string()));
    let found: Vec<_> = run(&files)
        .into_iter()
        .filter(|f| f.0 == "DJS311")
        .collect();
    // Through the view's own helper methods (their summaries name the field; it is looked up
    // where they are called): `success_url_of()` is safe, `next_of()` is not.
    assert_eq!(
        found,
        vec![
            ("DJS311", 17, "warning"),
            ("DJS311", 21, "warning"),
            ("DJS311", 33, "warning")
        ]
    );
}
