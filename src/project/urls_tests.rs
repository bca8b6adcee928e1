//! Tests of the URLconf knowledge: summaries, resolution, includes, routers, settings facts.

use std::path::Path;

use super::urls::{Imported, PatternTarget, UrlSummary, ViewRoute};
use super::*;

fn index(files: &[(&str, &str)]) -> ProjectIndex {
    ProjectIndex::from_files(Path::new("/p"), files)
}

/// `(view name, route, URL name, wrappers)` of every route to the views of `file`.
fn routes_of(
    index: &ProjectIndex,
    file: &str,
) -> Vec<(String, String, Option<String>, Vec<String>)> {
    let mut out: Vec<_> = index
        .access()
        .routes
        .get(Path::new(file))
        .into_iter()
        .flatten()
        .flat_map(|(view, routes)| {
            routes.iter().map(
                move |ViewRoute {
                          route,
                          name,
                          wrappers,
                      }| {
                    (view.clone(), route.clone(), name.clone(), wrappers.clone())
                },
            )
        })
        .collect();
    out.sort();
    out
}

fn r(
    view: &str,
    route: &str,
    name: Option<&str>,
    wrappers: &[&str],
) -> (String, String, Option<String>, Vec<String>) {
    (
        view.to_string(),
        route.to_string(),
        name.map(str::to_string),
        wrappers.iter().map(|w| (*w).to_string()).collect(),
    )
}

const SETTINGS: &str = "SECRET_KEY = 'x'\nINSTALLED_APPS = []\nROOT_URLCONF = 'mysite.urls'\n";

#[test]
fn summary_reads_patterns_imports_wrappers_and_routers() {
    let s = UrlSummary::parse(
        "from django.urls import path, include, re_path\n\
from django.contrib.auth.decorators import login_required as lr, permission_required\n\
from . import views\nimport shop.views\n\
app_name = 'shop'\nrouter = DefaultRouter()\nrouter.register(r'items', views.ItemViewSet, basename='item')\n\
urlpatterns = [\n    path('', views.home, name='home'),\n    path('a/', lr(views.a)),\n    path('b/', permission_required('x')(views.b), name='b'),\n    re_path(r'^c/$', views.C.as_view(), name='c'),\n    path('shop/', include('shop.urls', namespace='s')),\n    path('api/', include(router.urls)),\n    path('admin/', admin.site.urls),\n    path(route='k/', view=shop.views.k, name='k'),\n]\n\
urlpatterns += [path('d/', views.d)]\nurlpatterns.append(path('e/', views.e))\n\
if settings.DEBUG:\n    urlpatterns += [path('debug/', views.debug)]\n",
    );
    assert_eq!(s.app_name.as_deref(), Some("shop"));
    assert!(s.defines_urlpatterns);
    assert!(s.imports.contains(&(
        "views".to_string(),
        Imported::Name {
            module: ModuleRef {
                level: 1,
                module: String::new()
            },
            name: "views".to_string(),
        }
    )));
    let shown: Vec<String> = s
        .patterns
        .iter()
        .map(|p| match &p.target {
            PatternTarget::View { view, wrappers } => format!(
                "{} {view} {:?} {}",
                p.route.as_deref().unwrap_or("?"),
                wrappers,
                p.name.as_deref().unwrap_or("-")
            ),
            PatternTarget::Include { what, namespace } => {
                format!(
                    "{} include {what:?} {namespace:?}",
                    p.route.as_deref().unwrap_or("?")
                )
            }
            PatternTarget::Router(r) => format!("router {r}"),
            PatternTarget::Unknown => "unknown".to_string(),
            PatternTarget::ViewPath(path) => format!("view {path}"),
            PatternTarget::External => "external".to_string(),
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            " views.home [] home",
            "a/ views.a [\"login_required\"] -",
            "b/ views.b [\"permission_required\"] b",
            "^c/$ views.C [] c",
            "shop/ include Dotted(\"shop.urls\") Some(\"s\")",
            "api/ include Router(\"router\") None",
            "external",
            "k/ shop.views.k [] k",
            "d/ views.d [] -",
            "e/ views.e [] -",
            "debug/ views.debug [] -",
        ]
    );
    assert_eq!(s.routers["router"].len(), 1);
    assert_eq!(s.included_modules, vec!["shop.urls".to_string()]);
}

#[test]
fn summary_of_other_modules_is_empty() {
    let s = UrlSummary::parse("def f():\n    urlpatterns = [path('x/', v)]\nX = [1, 2]\n");
    assert!(!s.defines_urlpatterns);
    assert!(s.patterns.is_empty());
    assert!(s.lists.is_empty());
}

#[test]
fn routes_follow_root_urlconf_includes_namespaces_and_routers() {
    let idx = index(&[
        (
            "manage.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
        ),
        ("mysite/__init__.py", ""),
        ("mysite/settings.py", SETTINGS),
        (
            "mysite/urls.py",
            "from django.urls import include, path\nfrom django.contrib.auth.decorators import login_required\n\
from shop import views as shop_views\nfrom shop.api import OrderViewSet\nfrom . import views\n\
router = DefaultRouter()\nrouter.register('orders', OrderViewSet, basename='order')\n\
urlpatterns = [\n    path('', views.home, name='home'),\n    path('shop/', include('shop.urls')),\n    path('me/', login_required(shop_views.profile)),\n    path('api/v1/', include((router.urls, 'api'), namespace='v1')),\n    path('inline/', include([path('x/', views.x, name='x')])),\n]\n",
        ),
        ("mysite/views.py", ""),
        ("shop/__init__.py", ""),
        (
            "shop/urls.py",
            "from django.urls import path, include\nfrom .views import order_list, OrderView\n\
app_name = 'shop'\nurlpatterns = [\n    path('orders/', order_list, name='orders'),\n    path('orders/<int:pk>/', OrderView.as_view(), name='order'),\n    path('more/', include('shop.more_urls', namespace='more')),\n]\n",
        ),
        (
            "shop/more_urls.py",
            "from django.urls import path\nfrom shop import views\nurlpatterns = [path('deep/', views.deep, name='deep')]\n",
        ),
        ("shop/views.py", ""),
        ("shop/api.py", ""),
    ]);
    assert!(idx.access().root_from_settings);
    assert_eq!(
        routes_of(&idx, "/p/mysite/views.py"),
        vec![
            r("home", "", Some("home"), &[]),
            r("x", "inline/x/", Some("x"), &[]),
        ]
    );
    assert_eq!(
        routes_of(&idx, "/p/shop/views.py"),
        vec![
            r(
                "OrderView",
                "shop/orders/<int:pk>/",
                Some("shop:order"),
                &[]
            ),
            r("deep", "shop/more/deep/", Some("shop:more:deep"), &[]),
            r("order_list", "shop/orders/", Some("shop:orders"), &[]),
            r("profile", "me/", None, &["login_required"]),
        ]
    );
    assert_eq!(
        routes_of(&idx, "/p/shop/api.py"),
        vec![r("OrderViewSet", "api/v1/orders/", Some("v1:order"), &[])]
    );
}

#[test]
fn only_modules_reached_from_root_urlconf_route() {
    let idx = index(&[
        ("mysite/settings.py", SETTINGS),
        (
            "mysite/urls.py",
            "from . import views\nurlpatterns = [path('a/', views.a)]\n",
        ),
        // Not included anywhere: its views are not routed when ROOT_URLCONF is known.
        (
            "legacy/urls.py",
            "from . import views\nurlpatterns = [path('b/', views.b)]\n",
        ),
        ("mysite/views.py", ""),
        ("legacy/views.py", ""),
    ]);
    assert_eq!(
        routes_of(&idx, "/p/mysite/views.py"),
        vec![r("a", "a/", None, &[])]
    );
    assert_eq!(routes_of(&idx, "/p/legacy/views.py"), vec![]);
}

#[test]
fn without_root_urlconf_every_top_urls_module_is_a_root() {
    let idx = index(&[
        (
            "mysite/urls.py",
            "from . import views\nfrom django.urls import include\nurlpatterns = [path('a/', views.a), path('app/', include('app.urls'))]\n",
        ),
        (
            "app/urls.py",
            "from . import views\nurlpatterns = [path('b/', views.b)]\n",
        ),
        ("mysite/views.py", ""),
        ("app/views.py", ""),
    ]);
    assert!(!idx.access().root_from_settings);
    assert_eq!(
        idx.access().roots,
        vec![FileId::from(Path::new("/p/mysite/urls.py"))]
    );
    assert_eq!(
        routes_of(&idx, "/p/app/views.py"),
        vec![r("b", "app/b/", None, &[])]
    );
}

#[test]
fn include_cycles_and_unresolvable_views_are_bounded() {
    let idx = index(&[
        ("mysite/settings.py", SETTINGS),
        (
            "mysite/urls.py",
            "from django.urls import include\nfrom . import views\nfrom django.contrib.auth import views as auth_views\n\
urlpatterns = [path('a/', include('mysite.urls')), path('b/', include('other.urls')), path('v/', views.v), path('login/', auth_views.LoginView.as_view())]\n",
        ),
        (
            "other/urls.py",
            "from django.urls import include\nfrom mysite import views\nurlpatterns = [path('c/', include('mysite.urls')), path('w/', views.w)]\n",
        ),
        ("mysite/views.py", ""),
    ]);
    assert_eq!(
        routes_of(&idx, "/p/mysite/views.py"),
        vec![r("v", "v/", None, &[]), r("w", "b/w/", None, &[])]
    );
    // A self-referencing pattern list stops at the include depth.
    let idx = index(&[
        ("mysite/settings.py", SETTINGS),
        (
            "mysite/urls.py",
            "from django.urls import include\nfrom . import views\nloop = [path('x/', include(loop)), path('v/', views.v)]\nurlpatterns = [path('', include(loop))]\n",
        ),
        ("mysite/views.py", ""),
    ]);
    let found = routes_of(&idx, "/p/mysite/views.py");
    assert!(!found.is_empty() && found.len() <= 20, "{found:?}");
}

#[test]
fn root_urlconf_not_named_urls_is_read() {
    let idx = index(&[
        (
            "mysite/settings.py",
            "SECRET_KEY = 'x'\nROOT_URLCONF = 'mysite.routes'\n",
        ),
        (
            "mysite/routes.py",
            "from . import views\nurlpatterns = [path('r/', views.r)]\n",
        ),
        ("mysite/views.py", ""),
    ]);
    assert_eq!(
        routes_of(&idx, "/p/mysite/views.py"),
        vec![r("r", "r/", None, &[])]
    );
}

#[test]
fn login_required_middleware_and_drf_defaults_from_production_settings() {
    let wsgi = (
        "mysite/wsgi.py",
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.prod')\n",
    );
    let manage = (
        "manage.py",
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.dev')\n",
    );
    let base = (
        "mysite/settings/base.py",
        "SECRET_KEY = 'x'\nMIDDLEWARE = ['django.contrib.auth.middleware.AuthenticationMiddleware']\n\
REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated']}\n",
    );
    let dev = (
        "mysite/settings/dev.py",
        "from .base import *\nMIDDLEWARE = []\n",
    );
    let prod_on = (
        "mysite/settings/prod.py",
        "from .base import *\nMIDDLEWARE += ['django.contrib.auth.middleware.LoginRequiredMiddleware']\n",
    );
    let idx = index(&[
        wsgi,
        manage,
        base,
        dev,
        prod_on,
        ("mysite/settings/__init__.py", ""),
    ]);
    let facts = idx.access();
    assert_eq!(facts.login_required_middleware, Some(true));
    assert_eq!(
        facts.drf_default_permissions,
        Some(vec![
            "rest_framework.permissions.IsAuthenticated".to_string()
        ])
    );
    assert_eq!(
        facts.drf_default_authentication,
        Some(vec![
            "rest_framework.authentication.SessionAuthentication".to_string(),
            "rest_framework.authentication.BasicAuthentication".to_string(),
        ])
    );
    // Without the middleware in production (dev's value does not count).
    let prod_off = (
        "mysite/settings/prod.py",
        "from .base import *\nREST_FRAMEWORK = {}\n",
    );
    let idx = index(&[
        wsgi,
        manage,
        base,
        dev,
        prod_off,
        ("mysite/settings/__init__.py", ""),
    ]);
    assert_eq!(idx.access().login_required_middleware, Some(false));
    assert_eq!(
        idx.access().drf_default_permissions,
        Some(vec!["rest_framework.permissions.AllowAny".to_string()])
    );
    // Unknown values stay unknown.
    let prod_unknown = (
        "mysite/settings/prod.py",
        "from .base import *\nMIDDLEWARE = build_middleware()\nREST_FRAMEWORK = load()\n",
    );
    let idx = index(&[
        wsgi,
        manage,
        base,
        dev,
        prod_unknown,
        ("mysite/settings/__init__.py", ""),
    ]);
    assert_eq!(idx.access().login_required_middleware, None);
    assert_eq!(idx.access().drf_default_permissions, None);
    // No settings at all: nothing is known.
    let idx = index(&[("app/views.py", "")]);
    assert_eq!(idx.access().login_required_middleware, None);
    assert_eq!(idx.access().drf_default_permissions, None);
}

#[test]
fn editing_urls_updates_routes_and_knowledge() {
    let files = [
        ("mysite/settings.py", SETTINGS),
        (
            "mysite/urls.py",
            "from . import views\nurlpatterns = [path('a/', views.a)]\n",
        ),
        ("mysite/views.py", ""),
        (
            "app/urls.py",
            "from mysite import views\nurlpatterns = [path('b/', views.b)]\n",
        ),
    ];
    let idx = index(&files);
    assert!(idx.tracks(Path::new("/p/mysite/urls.py")));
    assert!(idx.depends_on_index(Path::new("/p/mysite/views.py")));
    // A change that says the same thing is no change.
    assert!(
        idx.update_file(
            Path::new("/p/mysite/urls.py"),
            "from . import views\n\nurlpatterns = [path('a/',  views.a)]\n"
        )
        .is_none()
    );
    let next = idx
        .update_file(
            Path::new("/p/mysite/urls.py"),
            "from . import views\nurlpatterns = [path('a/', login_required(views.a))]\n",
        )
        .expect("routes changed");
    assert!(!next.same_knowledge(&idx));
    assert_eq!(
        routes_of(&next, "/p/mysite/views.py"),
        vec![r("a", "a/", None, &["login_required"])]
    );
    // Settings edits that change ROOT_URLCONF re-root the URLconf.
    let moved = next
        .update_file(
            Path::new("/p/mysite/settings.py"),
            "SECRET_KEY = 'x'\nROOT_URLCONF = 'app.urls'\n",
        )
        .expect("settings changed");
    assert_eq!(
        routes_of(&moved, "/p/mysite/views.py"),
        vec![r("b", "b/", None, &[])]
    );
    // Without the ROOT_URLCONF module, the URL modules nothing includes are the roots.
    let removed = next
        .remove_file(Path::new("/p/mysite/urls.py"))
        .expect("known file");
    assert!(!removed.access().root_from_settings);
    assert_eq!(
        routes_of(&removed, "/p/mysite/views.py"),
        vec![r("b", "b/", None, &[])]
    );
}

#[test]
fn dotted_names_are_relative_to_the_root() {
    let idx = index(&[("shop/views.py", ""), ("shop/__init__.py", "")]);
    assert_eq!(
        idx.dotted_name(Path::new("/p/shop/views.py")).as_deref(),
        Some("shop.views")
    );
    assert_eq!(
        idx.dotted_name(Path::new("/p/shop/__init__.py")).as_deref(),
        Some("shop")
    );
    assert_eq!(idx.dotted_name(Path::new("/elsewhere/x.py")), None);
}

#[test]
fn star_imported_views_resolve_to_their_module() {
    let idx = index(&[
        ("mysite/settings.py", SETTINGS),
        (
            "mysite/urls.py",
            "from django.urls import path\nfrom app.views import *\nurlpatterns = [path('a/', home)]\n",
        ),
        ("app/views.py", ""),
    ]);
    assert_eq!(
        routes_of(&idx, "/p/app/views.py"),
        vec![r("home", "a/", None, &[])]
    );
    assert_eq!(routes_of(&idx, "/p/mysite/urls.py"), vec![]);
    // Two star imports: the view's module is not known.
    let idx = index(&[
        ("mysite/settings.py", SETTINGS),
        (
            "mysite/urls.py",
            "from app.views import *\nfrom other.views import *\nurlpatterns = [path('a/', home)]\n",
        ),
        ("app/views.py", ""),
        ("other/views.py", ""),
    ]);
    assert!(idx.access().routes.is_empty());
}

#[test]
fn django_1_patterns_with_string_views_are_routes() {
    let urls = "from django.conf.urls import patterns, url, include\n\
urlpatterns = patterns('',\n    url(r'^$', 'shop.views.home', name='home'),\n    url(r'^admin/users/(?P<pk>\\d+)/delete/$', 'shop.views.delete_user'),\n    (r'^legacy/$', 'shop.views.legacy'),\n    url(r'^blog/', include('blog.urls')),\n)\n\
urlpatterns += patterns('shop.views', url(r'^about/$', 'about'))\n";
    let blog = "from django.conf.urls import patterns, url\nurlpatterns = patterns('blog.views', url(r'^(?P<slug>[-\\w]+)/$', 'post'))\n";
    let idx = index(&[
        (
            "mysite/settings.py",
            "MIDDLEWARE_CLASSES = ('django.middleware.csrf.CsrfViewMiddleware',)\nROOT_URLCONF = 'mysite.urls'\n",
        ),
        ("mysite/urls.py", urls),
        ("shop/__init__.py", ""),
        ("shop/views.py", "def home(request): pass\n"),
        ("blog/urls.py", blog),
        ("blog/views.py", "def post(request, slug): pass\n"),
    ]);
    assert_eq!(
        routes_of(&idx, "/p/shop/views.py"),
        vec![
            r("about", "^about/$", None, &[]),
            r(
                "delete_user",
                "^admin/users/(?P<pk>\\d+)/delete/$",
                None,
                &[]
            ),
            r("home", "^$", Some("home"), &[]),
            r("legacy", "^legacy/$", None, &[]),
        ]
    );
    assert_eq!(
        routes_of(&idx, "/p/blog/views.py"),
        vec![r("post", "^blog/^(?P<slug>[-\\w]+)/$", None, &[])]
    );
    let access = idx.access();
    assert!(access.urlconf_complete);
    let django = idx.django_version().map(|v| (v.major, v.minor));
    assert_eq!(django, Some((1, None)));
}

#[test]
fn the_urlconf_is_complete_only_when_every_pattern_is_understood() {
    let files = |urls: &'static str| {
        index(&[
            ("mysite/settings.py", SETTINGS),
            ("mysite/urls.py", urls),
            ("app/views.py", "def a(request): pass\n"),
        ])
    };
    for (urls, complete) in [
        (
            "from django.urls import path, include\nfrom django.contrib import admin\nfrom app import views\nurlpatterns = [path('a/', views.a), path('admin/', admin.site.urls), path('accounts/', include('allauth.urls'))]\n",
            true,
        ),
        (
            "from django.urls import path\nfrom app import views\nurlpatterns = [path('a/', views.a)]\nurlpatterns = decorate_urlpatterns(urlpatterns, require_admin)\n",
            false,
        ),
        (
            "from django.urls import path, include\nfrom app import views\nurlpatterns = [path('a/', views.a), path('p/', include(get_plugin_urls()))]\n",
            false,
        ),
        (
            "from django.urls import path\nfrom app import views\nurlpatterns = [path(p, views.a) for p in ('a/', 'b/')]\n",
            false,
        ),
    ] {
        assert_eq!(files(urls).access().urlconf_complete, complete, "{urls}");
    }
    // Without `ROOT_URLCONF`, the roots are guessed: not complete.
    let guessed = index(&[
        (
            "mysite/urls.py",
            "from django.urls import path\nfrom app import views\nurlpatterns = [path('a/', views.a)]\n",
        ),
        ("app/views.py", "def a(request): pass\n"),
    ]);
    assert!(!guessed.access().urlconf_complete);
    assert_eq!(routes_of(&guessed, "/p/app/views.py").len(), 1);
}

#[test]
fn captures_read_both_route_syntaxes() {
    use super::urls::captures;
    let set = |names: &[&str]| Some(names.iter().map(|n| n.to_string()).collect());
    assert_eq!(captures("register/"), set(&[]));
    assert_eq!(captures("shop/<int:pk>/<slug>/"), set(&["pk", "slug"]));
    assert_eq!(captures(r"^(?P<year>[0-9]{4})/(?:a|b)/$"), set(&["year"]));
    // An include prefix of one syntax and a route of the other.
    assert_eq!(
        captures(r"^team/(?P<team>\w+)/member/<int:pk>/"),
        set(&["team", "pk"])
    );
    // Django ignores unnamed groups when there are named ones; alone they pass positionally.
    assert_eq!(captures(r"^(?P<a>\d+)/(\d+)/$"), set(&["a"]));
    assert_eq!(captures(r"^old/(.+)/$"), None);
    // An escaped parenthesis is not a group; a converter that cannot be read is unknown.
    assert_eq!(captures(r"^a\(b\)/$"), set(&[]));
    assert_eq!(captures("a/<int:pk"), None);
}
