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
    // The routed writing view: a warning (it acts on the user's own items); the routed
    // read-only view is a page anyone may see; unrouted `status` is not a view.
    assert_eq!(
        run(&project(urls, SETTINGS)),
        vec![("DJS301", 6, "warning")]
    );
    let wrapped = "from django.urls import path\nfrom django.contrib.auth.decorators import login_required, permission_required\nfrom app import views\n\
urlpatterns = [path('dash/', login_required(views.dashboard)), path('items/<int:pk>/delete/', permission_required('app.delete_item')(views.delete_item))]\n";
    assert_eq!(run(&project(wrapped, SETTINGS)), vec![]);
    // `csrf_exempt` is not an authentication wrapper.
    let exempt = "from django.urls import path\nfrom django.views.decorators.csrf import csrf_exempt\nfrom app import views\n\
urlpatterns = [path('items/<int:pk>/delete/', csrf_exempt(views.delete_item))]\n";
    assert_eq!(
        run(&project(exempt, SETTINGS)),
        vec![("DJS301", 6, "warning")]
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
    assert_eq!(
        run(&project(urls, SETTINGS)),
        vec![("DJS301", 6, "warning")]
    );
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
    assert_eq!(run(&project(urls, &off)), vec![("DJS301", 6, "warning")]);
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
    assert_eq!(found, vec![("DJS301", 6, "warning")]);
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
    assert_eq!(found, vec![(6, "warning")]);
}
