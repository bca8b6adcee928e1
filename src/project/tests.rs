//! Tests of the project index: discovery, roles, resolution, updates.

use std::path::Path;

use super::*;

fn index(files: &[(&str, &str)]) -> ProjectIndex {
    ProjectIndex::from_files(Path::new("/p"), files)
}

fn role(index: &ProjectIndex, path: &str) -> Option<Role> {
    index.settings_module(Path::new(path)).map(|m| m.role)
}

const BASE: &str = "SECRET_KEY = 'x'\nDEBUG = False\nINSTALLED_APPS = []\n";

#[test]
fn roles_of_a_split_settings_package() {
    let idx = index(&[
        (
            "manage.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.dev')\n",
        ),
        (
            "mysite/wsgi.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.prod')\n",
        ),
        ("mysite/settings/__init__.py", ""),
        ("mysite/settings/base.py", BASE),
        (
            "mysite/settings/dev.py",
            "from .base import *\nDEBUG = True\n",
        ),
        ("mysite/settings/prod.py", "from .base import *\n"),
        (
            "mysite/settings/staging.py",
            "from mysite.settings.prod import *\n",
        ),
        ("mysite/settings/test_ci.py", "from .base import *\n"),
        ("mysite/views.py", "X = 1\n"),
    ]);
    assert_eq!(role(&idx, "/p/mysite/settings/base.py"), Some(Role::Base));
    assert_eq!(
        role(&idx, "/p/mysite/settings/dev.py"),
        Some(Role::Development)
    );
    assert_eq!(
        role(&idx, "/p/mysite/settings/prod.py"),
        Some(Role::Production)
    );
    assert_eq!(
        role(&idx, "/p/mysite/settings/staging.py"),
        Some(Role::Production)
    );
    assert_eq!(
        role(&idx, "/p/mysite/settings/test_ci.py"),
        Some(Role::Development)
    );
    // An empty package `__init__.py` is no settings module.
    assert_eq!(role(&idx, "/p/mysite/settings/__init__.py"), None);
    assert_eq!(role(&idx, "/p/mysite/views.py"), None);
    assert_eq!(
        idx.importers_of(Path::new("/p/mysite/settings/base.py"))
            .count(),
        3
    );
}

#[test]
fn single_settings_module_and_reusable_app_settings() {
    let idx = index(&[
        ("mysite/settings.py", BASE),
        (
            "myapp/settings.py",
            "from django.conf import settings\nDEBUG = getattr(settings, 'MYAPP_DEBUG', False)\n",
        ),
        ("tests/settings.py", BASE),
        (
            "pytest.ini",
            "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.ci_conf\n",
        ),
        ("mysite/ci_conf.py", "from .settings import *\n"),
        ("empty/settings.py", "\"\"\"Nothing here.\"\"\"\n"),
        ("empty/other_settings.py", "X = 1\n"),
        (
            "vendored/settings.py",
            "TEST_SERVER_MODE = False\nINITIAL_NO_AUTH_ACTION_COUNT = 1\n",
        ),
    ]);
    assert_eq!(role(&idx, "/p/mysite/settings.py"), Some(Role::Base));
    assert_eq!(role(&idx, "/p/myapp/settings.py"), None);
    assert_eq!(
        role(&idx, "/p/empty/settings.py"),
        None,
        "an empty settings.py beside real settings modules is a stub"
    );
    assert_eq!(
        role(&idx, "/p/empty/other_settings.py"),
        None,
        "nothing says it is settings"
    );
    assert_eq!(role(&idx, "/p/tests/settings.py"), Some(Role::Development));
    assert_eq!(role(&idx, "/p/mysite/ci_conf.py"), Some(Role::Development));
}

#[test]
fn marker_comment_and_options_override() {
    let idx = index(&[
        ("mysite/settings/base.py", BASE),
        (
            "mysite/settings/docker.py",
            "# djsec: settings=development\nfrom .base import *\n",
        ),
    ]);
    assert_eq!(
        role(&idx, "/p/mysite/settings/docker.py"),
        Some(Role::Development)
    );
    let opts = IndexOptions {
        production: vec!["mysite/settings/base.py".into()],
        development: vec![],
        ..IndexOptions::default()
    };
    let (r, reason) = role_of(
        Path::new("/p"),
        &opts,
        Path::new("/p/mysite/settings/base.py"),
        &ModuleSummary::parse(BASE),
        RoleFacts {
            inherited: true,
            ..RoleFacts::default()
        },
    );
    assert_eq!((r, reason), (Role::Production, RoleReason::Configured));
    let opts = IndexOptions {
        production: vec![],
        development: vec!["**/settings/*.py".into()],
        ..IndexOptions::default()
    };
    let (r, _) = role_of(
        Path::new("/p"),
        &opts,
        Path::new("/p/a/settings/prod.py"),
        &ModuleSummary::parse(BASE),
        RoleFacts::default(),
    );
    assert_eq!(r, Role::Development);
    let opts = IndexOptions {
        roles: Some(Arc::new(|p: &Path| {
            p.ends_with("qa.py").then_some(Role::Development)
        })),
        ..IndexOptions::default()
    };
    let (r, reason) = role_of(
        Path::new("/p"),
        &opts,
        Path::new("/p/a/settings/qa.py"),
        &ModuleSummary::parse(BASE),
        RoleFacts {
            refs: &[RefKind::Server],
            ..RoleFacts::default()
        },
    );
    assert_eq!((r, reason), (Role::Development, RoleReason::Configured));
}

#[test]
fn resolves_relative_absolute_and_packages() {
    let idx = index(&[
        ("src/mysite/settings/__init__.py", "from .base import *\n"),
        ("src/mysite/settings/base.py", BASE),
        (
            "src/mysite/conf/prod.py",
            "from ..settings import *\nfrom mysite.settings.base import *\n",
        ),
    ]);
    let from = Path::new("/p/src/mysite/conf/prod.py");
    assert_eq!(
        idx.resolve(
            from,
            &ModuleRef {
                level: 2,
                module: "settings".into()
            }
        )
        .as_deref(),
        Some(Path::new("/p/src/mysite/settings/__init__.py"))
    );
    assert_eq!(
        idx.resolve(
            from,
            &ModuleRef {
                level: 0,
                module: "mysite.settings.base".into()
            }
        )
        .as_deref(),
        Some(Path::new("/p/src/mysite/settings/base.py"))
    );
    assert_eq!(
        idx.resolve(
            from,
            &ModuleRef {
                level: 0,
                module: "other.base".into()
            }
        ),
        None
    );
    assert_eq!(
        role(&idx, "/p/src/mysite/conf/prod.py"),
        None,
        "not named like settings nor referenced"
    );
    assert_eq!(
        role(&idx, "/p/src/mysite/settings/__init__.py"),
        Some(Role::Production)
    );
}

#[test]
fn update_replaces_one_summary_and_reports_changes() {
    let idx = index(&[
        ("mysite/settings/base.py", BASE),
        ("mysite/settings/prod.py", "from .base import *\n"),
        ("mysite/views.py", "def v(r): pass\n"),
    ]);
    // Same function facts: nothing changes.
    assert!(
        idx.update_file(
            Path::new("/p/mysite/views.py"),
            "def v(r):\n    pass  # x\n"
        )
        .is_none()
    );
    // Other function facts: a new snapshot, with the same settings and URL knowledge.
    let renamed = idx.update_file(Path::new("/p/mysite/views.py"), "def w(r): pass\n");
    assert!(
        renamed
            .as_ref()
            .is_some_and(|next| next.same_knowledge(&idx))
    );
    assert!(
        renamed
            .as_ref()
            .and_then(|next| next.facts(Path::new("/p/mysite/views.py")))
            .is_some_and(|f| f.functions.contains_key("w") && !f.functions.contains_key("v"))
    );
    // Whitespace only: same knowledge.
    assert!(
        idx.update_file(
            Path::new("/p/mysite/settings/prod.py"),
            "\nfrom .base import *\n"
        )
        .is_none()
    );
    let next = idx
        .update_file(
            Path::new("/p/mysite/settings/prod.py"),
            "from .base import *\nDEBUG = True\n",
        )
        .expect("changed");
    assert!(!next.same_knowledge(&idx));
    assert!(Arc::ptr_eq(
        next.summary(Path::new("/p/mysite/settings/base.py"))
            .expect("base"),
        idx.summary(Path::new("/p/mysite/settings/base.py"))
            .expect("base")
    ));
    // A new dev module appears.
    let next = next
        .update_file(
            Path::new("/p/mysite/settings/local.py"),
            "from .base import *\n",
        )
        .expect("new file");
    assert_eq!(
        role(&next, "/p/mysite/settings/local.py"),
        Some(Role::Development)
    );
    let removed = next
        .remove_file(Path::new("/p/mysite/settings/local.py"))
        .expect("removed");
    assert_eq!(role(&removed, "/p/mysite/settings/local.py"), None);
    assert!(removed.remove_file(Path::new("/p/nothing.py")).is_none());
}

#[test]
fn split_settings_include() {
    let idx = index(&[
        (
            "mysite/settings/__init__.py",
            "from split_settings.tools import include, optional\ninclude('components/*.py', optional('local.py'))\n",
        ),
        ("mysite/settings/components/a.py", "DEBUG = True\n"),
        ("mysite/settings/components/b.py", "SECRET_KEY = 'x'\n"),
    ]);
    assert_eq!(
        role(&idx, "/p/mysite/settings/components/a.py"),
        Some(Role::Base)
    );
    assert_eq!(
        role(&idx, "/p/mysite/settings/__init__.py"),
        Some(Role::Production)
    );
    assert_eq!(
        idx.imports_of(Path::new("/p/mysite/settings/__init__.py"))
            .count(),
        2
    );
}

#[test]
fn builds_from_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("mysite/settings")).expect("mkdir");
    std::fs::create_dir_all(root.join("node_modules/x/settings")).expect("mkdir");
    std::fs::write(
        root.join("manage.py"),
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.prod')\n",
    )
    .expect("write");
    std::fs::write(root.join("mysite/settings/base.py"), BASE).expect("write");
    std::fs::write(
        root.join("mysite/settings/prod.py"),
        "from .base import *\n",
    )
    .expect("write");
    std::fs::write(root.join("node_modules/x/settings/prod.py"), BASE).expect("write");
    let idx = ProjectIndex::build(root);
    let roles: Vec<(String, Role)> = idx
        .settings_modules()
        .map(|m| {
            (
                m.path
                    .strip_prefix(idx.root())
                    .unwrap_or(&m.path)
                    .display()
                    .to_string(),
                m.role,
            )
        })
        .collect();
    assert_eq!(
        roles,
        vec![
            ("mysite/settings/base.py".to_string(), Role::Base),
            ("mysite/settings/prod.py".to_string(), Role::Production),
        ]
    );
}

#[test]
fn glob_patterns() {
    assert!(glob_match("*.py", "a.py"));
    assert!(!glob_match("*.py", "a.pyc"));
    assert!(glob_match("b?se.py", "base.py"));
    assert!(path_glob_match("**/settings/*.py", "a/b/settings/prod.py"));
    assert!(path_glob_match("**/settings/*.py", "settings/prod.py"));
    assert!(!path_glob_match("**/settings/*.py", "a/settings/x/prod.py"));
}

/// Modules a settings module imports helpers from are not settings modules, and a one-part
/// absolute import (`from http import HTTPMethod`) is the top-level module, not any `http.py`
/// deep in a package (seen in Wagtail: `wagtail/contrib/frontend_cache/backends/http.py` was
/// taken for production settings through `settings.py` → `numberformat` → `compat` → `http`).
#[test]
fn helper_imports_and_nested_namesakes_are_not_settings() {
    let files = [
        ("app/__init__.py", ""),
        (
            "app/settings.py",
            "from app.numberformat import patch\nSECRET_KEY = 'k'\nINSTALLED_APPS = []\n",
        ),
        ("app/numberformat.py", "from app.compat import helper\n"),
        (
            "app/compat.py",
            "try:\n    from http import HTTPMethod\nexcept ImportError:\n    pass\n",
        ),
        ("app/backends/__init__.py", "from .http import *\n"),
        (
            "app/backends/http.py",
            "from .base import BaseBackend\nclass HTTPBackend(BaseBackend):\n    pass\n",
        ),
        ("app/backends/base.py", "class BaseBackend:\n    pass\n"),
    ];
    let idx = index(&files);
    assert_eq!(role(&idx, "/p/app/settings.py"), Some(Role::Production));
    for path in [
        "/p/app/numberformat.py",
        "/p/app/compat.py",
        "/p/app/backends/http.py",
        "/p/app/backends/base.py",
    ] {
        assert_eq!(role(&idx, path), None, "{path}");
    }
    let http = ModuleRef {
        level: 0,
        module: "http".into(),
    };
    assert_eq!(idx.resolve(Path::new("/p/app/compat.py"), &http), None);
    // A top-level module of that name is what the import finds.
    let idx = index(&[
        ("http.py", "X = 1\n"),
        ("app/__init__.py", ""),
        ("app/backends/__init__.py", ""),
        ("app/backends/http.py", ""),
    ]);
    assert_eq!(
        idx.resolve(Path::new("/p/app/compat.py"), &http).as_deref(),
        Some(Path::new("/p/http.py"))
    );
    // A name imported from a settings module is an import of settings.
    let idx = index(&[
        (
            "conf/settings.py",
            "from conf.shared import INSTALLED_APPS\nDEBUG = False\n",
        ),
        ("conf/shared.py", "INSTALLED_APPS = ['x']\n"),
    ]);
    assert!(role(&idx, "/p/conf/shared.py").is_some());
}

#[test]
fn code_modules_named_settings_and_djangos_defaults_are_not_settings() {
    let idx = index(&[
        (
            "shop/views/settings.py",
            "from django.http import Http404\nclass IndexView:\n    pass\ndef edit(request):\n    pass\n",
        ),
        ("shop/settings.py", ""),
        (
            "django/conf/global_settings.py",
            "DEBUG = False\nSECRET_KEY = ''\nALLOWED_HOSTS = []\nMIDDLEWARE = []\n",
        ),
    ]);
    assert_eq!(role(&idx, "/p/shop/views/settings.py"), None);
    // An empty settings.py that is the project's only one is settings: Django's defaults apply.
    assert!(role(&idx, "/p/shop/settings.py").is_some());
    assert_eq!(role(&idx, "/p/django/conf/global_settings.py"), None);
}

#[test]
fn settings_under_test_directories_are_development() {
    let idx = index(&[
        ("pretix/testutils/settings.py", BASE),
        ("cms/test_utils/project/settings.py", BASE),
        ("app/settings.py", BASE),
    ]);
    assert_eq!(
        role(&idx, "/p/pretix/testutils/settings.py"),
        Some(Role::Development)
    );
    assert_eq!(
        role(&idx, "/p/cms/test_utils/project/settings.py"),
        Some(Role::Development)
    );
    assert_eq!(role(&idx, "/p/app/settings.py"), Some(Role::Production));
}

/// Seen in pulpcore (`pulp_file/app/settings.py`: one blank line, merged into dynaconf) and
/// postorius (`doc/settings.py`: a docstring, so Sphinx can set `DJANGO_SETTINGS_MODULE`): an
/// empty `settings.py` beside the project's settings is a stub. When something names it, or it
/// is the project's only settings module, it is settings (Django's defaults apply).
#[test]
fn empty_settings_stubs() {
    let files = [
        ("pulpcore/app/settings.py", BASE),
        ("pulp_file/app/settings.py", "\n"),
        (
            "src/postorius/doc/settings.py",
            "\"\"\"An empty settings file for Sphinx.\"\"\"\n",
        ),
    ];
    let idx = index(&files);
    assert_eq!(role(&idx, "/p/pulp_file/app/settings.py"), None);
    assert_eq!(role(&idx, "/p/src/postorius/doc/settings.py"), None);
    assert_eq!(
        role(&idx, "/p/pulpcore/app/settings.py"),
        Some(Role::Production)
    );
    // The buffer's view agrees.
    assert_eq!(
        idx.role_for(
            Path::new("/p/pulp_file/app/settings.py"),
            &ModuleSummary::parse("\n")
        ),
        None
    );
    // Alone, or named by manage.py, it is the project's settings.
    let idx = index(&[("app/settings.py", "\n")]);
    assert_eq!(role(&idx, "/p/app/settings.py"), Some(Role::Production));
    assert!(
        idx.role_for(Path::new("/p/app/settings.py"), &ModuleSummary::parse("\n"))
            .is_some()
    );
    let idx = index(&[
        ("pulpcore/app/settings.py", BASE),
        ("pulp_file/app/settings.py", "\n"),
        (
            "manage.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'pulp_file.app.settings')\n",
        ),
    ]);
    assert_eq!(
        role(&idx, "/p/pulp_file/app/settings.py"),
        Some(Role::Production)
    );
}

/// Seen in askbot's `docker/`: `db_settings.py` (only `DATABASES`), `caching_settings.py` (only
/// `CACHES`) and `extra_settings.py` (`SECRET_KEY = os.environ.get("SECRET_KEY", SECRET_KEY)`,
/// `MIDDLEWARE = (...) + tuple(MIDDLEWARE)`) are appended to the generated `settings.py` by the
/// deploy script: fragments, not settings modules of their own.
#[test]
fn fragments_are_not_settings_modules() {
    let extra = "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', SECRET_KEY)\nDEBUG = False\nMIDDLEWARE = ('whitenoise.middleware.WhiteNoiseMiddleware',) + tuple(MIDDLEWARE)\n";
    let files = [
        (
            "docker/db_settings.py",
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': 'askbot'}}\n",
        ),
        (
            "docker/caching_settings.py",
            "CACHES = {'default': {'TIMEOUT': 6000}}\nCACHE_MIDDLEWARE_SECONDS = CACHES['default']['TIMEOUT']\n",
        ),
        ("docker/extra_settings.py", extra),
        // The same reads after a star import, or of names bound first, are settings.
        (
            "site/settings/prod.py",
            "from .base import *\nMIDDLEWARE = ('x',) + tuple(MIDDLEWARE)\n",
        ),
        ("site/settings/base.py", BASE),
        (
            "other/settings.py",
            "DEBUG = False\nSECRET_KEY = 'k'\nKEY = SECRET_KEY\nif DEBUG:\n    INSTALLED_APPS = []\n",
        ),
    ];
    let idx = index(&files);
    assert_eq!(role(&idx, "/p/docker/db_settings.py"), None);
    assert_eq!(role(&idx, "/p/docker/caching_settings.py"), None);
    assert_eq!(role(&idx, "/p/docker/extra_settings.py"), None);
    assert_eq!(
        role(&idx, "/p/site/settings/prod.py"),
        Some(Role::Production)
    );
    assert_eq!(role(&idx, "/p/other/settings.py"), Some(Role::Production));
    assert_eq!(
        idx.role_for(
            Path::new("/p/docker/extra_settings.py"),
            &ModuleSummary::parse(extra)
        ),
        None
    );
    // Named by DJANGO_SETTINGS_MODULE, a fragment is what Django loads: settings.
    let idx = index(&[
        ("docker/db_settings.py", files[0].1),
        (
            "docker/wsgi.py",
            "os.environ['DJANGO_SETTINGS_MODULE'] = 'docker.db_settings'\n",
        ),
    ]);
    assert_eq!(
        role(&idx, "/p/docker/db_settings.py"),
        Some(Role::Production)
    );
}

/// Seen in pretix (`_build_settings.py`, for the wheel build), Misago (`devproject/`),
/// HyperKitty (`example_project/`), django-allauth (`examples/react-spa/backend/backend/`, four
/// folders down, named by its `wsgi.py`).
#[test]
fn build_docs_example_and_dev_project_settings_are_development() {
    let idx = index(&[
        ("pretix/_base_settings.py", BASE),
        (
            "pretix/_build_settings.py",
            "from ._base_settings import *\nSECRET_KEY = 'build-time-secret-key'\n",
        ),
        ("docs/settings.py", BASE),
        ("devproject/settings.py", BASE),
        (
            "devproject/wsgi.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'devproject.settings')\n",
        ),
        ("example_project/settings.py", BASE),
        ("examples/react-spa/backend/backend/settings.py", BASE),
        (
            "examples/react-spa/backend/backend/wsgi.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'backend.settings')\n",
        ),
        // Look-alikes that are not development folders.
        ("testimonials/settings.py", BASE),
        ("devices/settings.py", BASE),
        ("builder/settings.py", BASE),
    ]);
    for path in [
        "/p/pretix/_build_settings.py",
        "/p/docs/settings.py",
        "/p/devproject/settings.py",
        "/p/example_project/settings.py",
        "/p/examples/react-spa/backend/backend/settings.py",
    ] {
        assert_eq!(role(&idx, path), Some(Role::Development), "{path}");
    }
    for path in [
        "/p/testimonials/settings.py",
        "/p/devices/settings.py",
        "/p/builder/settings.py",
    ] {
        assert_eq!(role(&idx, path), Some(Role::Production), "{path}");
    }
}

/// Seen in nautobot: `nautobot/core/settings.py` holds the defaults each deployment's
/// `nautobot_config.py` (written by `nautobot-server init`, not in the project) star-imports; the
/// package points `DJANGO_SETTINGS_MODULE` at `nautobot_config`, and its `wsgi.py` only mentions
/// `nautobot.core.settings` in a comment. Seen in pulpcore: `pulpcore/app/settings.py` ends with
/// `settings = DjangoDynaconf(__name__, ...)`, which loads each deployment's files over it.
#[test]
fn framework_defaults_extended_per_deployment() {
    let idx = index(&[
        (
            "nautobot/__init__.py",
            "def setup():\n    os.environ[\"DJANGO_SETTINGS_MODULE\"] = \"nautobot_config\"\n",
        ),
        (
            "nautobot/core/wsgi.py",
            "# os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"nautobot.core.settings\")\nnautobot.setup()\n",
        ),
        ("nautobot/core/settings.py", BASE),
        ("nautobot/core/tests/settings.py", BASE),
    ]);
    assert_eq!(
        role(&idx, "/p/nautobot/core/settings.py"),
        Some(Role::Defaults)
    );
    assert_eq!(
        idx.settings_module(Path::new("/p/nautobot/core/settings.py"))
            .map(|m| m.reason),
        Some(RoleReason::ExternalDeployment)
    );
    assert_eq!(
        role(&idx, "/p/nautobot/core/tests/settings.py"),
        Some(Role::Development)
    );
    // When the named module is in the project, it is the deployment's settings.
    let idx = index(&[
        (
            "nautobot/__init__.py",
            "os.environ[\"DJANGO_SETTINGS_MODULE\"] = \"nautobot_config\"\n",
        ),
        (
            "nautobot_config.py",
            "from nautobot.core.settings import *\n",
        ),
        ("nautobot/core/settings.py", BASE),
    ]);
    assert_eq!(role(&idx, "/p/nautobot_config.py"), Some(Role::Production));
    assert_eq!(role(&idx, "/p/nautobot/core/settings.py"), Some(Role::Base));
    // dynaconf
    let pulp = "DEBUG = False\nALLOWED_HOSTS = ['*']\nSECRET_KEY = 'x'\nfrom dynaconf import DjangoDynaconf\nsettings = DjangoDynaconf(__name__, settings_files=['/etc/pulp/settings.py'])\n";
    let idx = index(&[
        ("pulpcore/app/settings.py", pulp),
        (
            "pulpcore/app/manage.py",
            "os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"pulpcore.app.settings\")\n",
        ),
    ]);
    assert_eq!(
        role(&idx, "/p/pulpcore/app/settings.py"),
        Some(Role::Defaults)
    );
    assert_eq!(
        idx.role_for(
            Path::new("/p/pulpcore/app/settings.py"),
            &ModuleSummary::parse(pulp)
        ),
        Some((Role::Defaults, RoleReason::DeploymentLoader))
    );
    // The marker comment says so too.
    let idx = index(&[(
        "fw/settings.py",
        "# djsec: settings=defaults\nDEBUG = False\n",
    )]);
    assert_eq!(role(&idx, "/p/fw/settings.py"), Some(Role::Defaults));
}

/// Seen in django-cms, pretix, Wagtail, Weblate: modules that a *non*-settings module takes
/// constants from (`from cms.constants import PUBLISHER_STATE_DIRTY` in a reusable app's
/// `conf/settings.py` that reads `django.conf.settings`) were settings modules "inherited" by it.
#[test]
fn imports_of_non_settings_modules_make_no_settings() {
    let idx = index(&[
        (
            "cms/utils/settings.py",
            "from django.conf import settings\nfrom cms.constants import TEMPLATE_INHERITANCE_MAGIC\n",
        ),
        (
            "cms/constants.py",
            "TEMPLATE_INHERITANCE_MAGIC = 'INHERIT'\n",
        ),
        (
            "mysite/settings.py",
            "from .shared import *\nDEBUG = False\n",
        ),
        (
            "mysite/shared.py",
            "INSTALLED_APPS = []\nfrom .more import *\n",
        ),
        ("mysite/more.py", "MIDDLEWARE = []\n"),
    ]);
    assert_eq!(role(&idx, "/p/cms/utils/settings.py"), None);
    assert_eq!(role(&idx, "/p/cms/constants.py"), None);
    assert_eq!(
        idx.role_for(
            Path::new("/p/cms/constants.py"),
            &ModuleSummary::parse("TEMPLATE_INHERITANCE_MAGIC = 'INHERIT'\n")
        ),
        None
    );
    // Through settings modules, transitively.
    assert_eq!(role(&idx, "/p/mysite/shared.py"), Some(Role::Base));
    assert_eq!(role(&idx, "/p/mysite/more.py"), Some(Role::Base));
}

#[test]
fn module_names_match_files_and_packages_from_the_end() {
    let matches = |path: &str, dotted: &str| {
        let parts: Vec<&str> = dotted.split('.').filter(|p| !p.is_empty()).collect();
        module_path_matches(Path::new(path), &parts)
    };
    assert!(matches("/p/apps/app3/models.py", "app3.models"));
    assert!(matches("/p/apps/app3/models.py", "apps.app3.models"));
    assert!(matches("/p/apps/app3/models.py", "models"));
    assert!(!matches("/p/apps/app3/models.py", "django.db.models"));
    assert!(!matches("/p/apps/app3/models.py", "p.apps.app3.models.x"));
    assert!(matches("/p/apps/app3/__init__.py", "apps.app3"));
    assert!(!matches("/p/apps/app3/__init__.py", "apps.app3.__init__"));
    assert!(!matches("/p/apps/app3/views.txt", "app3.views"));
    assert!(!matches("/p/a/b.py", "c.a.b"));
}
