//! Tests of the static evaluator.

use std::path::Path;

use super::*;

fn eval_files(files: &[(&str, &str)], module: &str) -> Arc<Namespace> {
    let index = ProjectIndex::from_files(Path::new("/p"), files);
    evaluate(&index, Path::new(module), None)
        .expect("module has a summary")
        .namespace
}

fn eval_one(src: &str) -> Arc<Namespace> {
    eval_files(&[("settings.py", src)], "/p/settings.py")
}

fn kind(ns: &Namespace, name: &str) -> Kind {
    ns.value(name).map_or(Kind::Unknown, |v| v.kind)
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn list_strs(ns: &Namespace, name: &str) -> Option<Vec<String>> {
    let v = ns.value(name)?;
    v.items()?
        .iter()
        .map(|i| i.as_str().map(str::to_string))
        .collect()
}

#[test]
fn constants_and_arithmetic() {
    let ns = eval_one(
        "A = 60 * 60 * 24 * 365\nB = 'x' * 3\nC = not True\nD = [1] + [2]\nE = 0o777 & 0o002\nF = -A\nG = 'a' if A > 5 else 'b'\nH = None or 'z'\nI = 3 / 2\nJ = 7 // 2\n",
    );
    assert_eq!(kind(&ns, "A"), Kind::Int(31_536_000));
    assert_eq!(kind(&ns, "B"), Kind::Str("xxx".into()));
    assert_eq!(kind(&ns, "C"), Kind::Bool(false));
    assert!(matches!(kind(&ns, "D"), Kind::List(v) if v.len() == 2));
    assert_eq!(kind(&ns, "E"), Kind::Int(2));
    assert_eq!(kind(&ns, "F"), Kind::Int(-31_536_000));
    assert_eq!(kind(&ns, "G"), Kind::Str("a".into()));
    assert_eq!(kind(&ns, "H"), Kind::Str("z".into()));
    assert_eq!(kind(&ns, "I"), Kind::Float(1.5));
    assert_eq!(kind(&ns, "J"), Kind::Int(3));
    // Unassigned: Django's default.
    assert_eq!(kind(&ns, "X_FRAME_OPTIONS"), Kind::Str("DENY".into()));
    assert!(matches!(ns.setting("X_FRAME_OPTIONS"), Setting::Default));
}

#[test]
fn environment_reads_are_judged_by_their_default() {
    let ns = eval_one(
        "import os\nimport environ\nfrom decouple import config, Csv\nenv = environ.Env(DEBUG=(bool, True))\nDEBUG = env('DEBUG')\nA = os.environ.get('A', 'True') == 'True'\nB = os.getenv('B')\nC = os.environ['C']\nD = env.bool('D', default=False)\nE = config('E', default='yes', cast=bool)\nF = config('F', default='a.com, b.com', cast=Csv())\nG = os.environ.get('G', '').split(',')\nH = config('H')\n",
    );
    let debug = ns.value("DEBUG").expect("known");
    assert_eq!(debug.kind, Kind::Bool(true));
    assert_eq!(debug.env.as_deref(), Some("DEBUG"));
    assert_eq!(kind(&ns, "A"), Kind::Bool(true));
    assert_eq!(ns.value("A").and_then(|v| v.env).as_deref(), Some("A"));
    assert_eq!(kind(&ns, "B"), Kind::Unknown);
    assert_eq!(kind(&ns, "C"), Kind::Unknown);
    assert_eq!(kind(&ns, "D"), Kind::Bool(false));
    assert_eq!(kind(&ns, "E"), Kind::Bool(true));
    assert_eq!(list_strs(&ns, "F"), Some(strs(&["a.com", "b.com"])));
    assert_eq!(list_strs(&ns, "G"), Some(strs(&[""])));
    assert_eq!(kind(&ns, "H"), Kind::Unknown);
}

#[test]
fn star_import_chain_overrides_and_mutations() {
    let files = [
        (
            "s/settings/base.py",
            "DEBUG = True\nMIDDLEWARE = ['a', 'b']\nINSTALLED_APPS = ('x',)\nTEMPLATES = [{'OPTIONS': {'autoescape': True}}]\n",
        ),
        (
            "s/settings/prod.py",
            "from .base import *\nDEBUG = False\nMIDDLEWARE.insert(0, 'sec')\nMIDDLEWARE += ['c']\nMIDDLEWARE.remove('a')\nINSTALLED_APPS += ('y',)\nTEMPLATES[0]['OPTIONS']['autoescape'] = False\n",
        ),
    ];
    let ns = eval_files(&files, "/p/s/settings/prod.py");
    assert_eq!(kind(&ns, "DEBUG"), Kind::Bool(false));
    assert_eq!(list_strs(&ns, "MIDDLEWARE"), Some(strs(&["sec", "b", "c"])));
    assert_eq!(list_strs(&ns, "INSTALLED_APPS"), Some(strs(&["x", "y"])));
    let templates = ns.value("TEMPLATES").expect("known");
    let autoescape = templates
        .items()
        .and_then(|t| t[0].get("OPTIONS"))
        .and_then(|o| o.get("autoescape"))
        .cloned();
    assert_eq!(autoescape.map(|v| v.kind), Some(Kind::Bool(false)));
    // MIDDLEWARE's assignment is still the one in base.py (`.remove()` moves it to prod.py).
    let binding = ns.setting("DEBUG").binding().cloned().expect("bound");
    assert!(binding.stmt.is_some_and(|l| l.file.ends_with("prod.py")));
    let base = ns
        .names
        .get("INSTALLED_APPS")
        .and_then(|b| b.stmt.clone())
        .expect("stmt");
    assert!(base.file.ends_with("base.py"));
}

#[test]
fn conditions_and_unknowns() {
    let ns = eval_one(
        "import os\nDEBUG = False\nif DEBUG:\n    INSTALLED_APPS = ['debug_toolbar']\nelse:\n    INSTALLED_APPS = ['x']\nif os.environ.get('CI', ''):\n    SECRET_KEY = 'ci'\nif os.environ.get('CI2'):\n    ALLOWED_HOSTS = ['*']\nif some_call():\n    MIDDLEWARE = []\nfor x in range(3):\n    LOOPED = x\nX_FRAME_OPTIONS = 'SAMEORIGIN'\n",
    );
    assert_eq!(list_strs(&ns, "INSTALLED_APPS"), Some(strs(&["x"])));
    // The environment condition is judged by its default (unset: falsy), no module is imported.
    assert!(matches!(ns.setting("SECRET_KEY"), Setting::Default));
    // Without a default, the read is unknown.
    assert_eq!(kind(&ns, "ALLOWED_HOSTS"), Kind::Unknown);
    assert_eq!(kind(&ns, "MIDDLEWARE"), Kind::Unknown);
    assert_eq!(kind(&ns, "LOOPED"), Kind::Unknown);
    assert!(!ns.opaque);
    assert_eq!(kind(&ns, "X_FRAME_OPTIONS"), Kind::Str("SAMEORIGIN".into()));
}

#[test]
fn unresolvable_or_environment_selected_imports_make_names_unknown() {
    let ns = eval_one("DEBUG = True\nfrom .base import *\nX_FRAME_OPTIONS = 'DENY'\n");
    assert!(ns.opaque);
    assert_eq!(kind(&ns, "DEBUG"), Kind::Unknown);
    assert!(matches!(ns.setting("SECRET_KEY"), Setting::Unknown));
    assert_eq!(kind(&ns, "X_FRAME_OPTIONS"), Kind::Str("DENY".into()));
    let files = [
        (
            "s/settings/__init__.py",
            "import os\nif os.environ.get('ENV') == 'prod':\n    from .prod import *\nelse:\n    from .dev import *\n",
        ),
        ("s/settings/prod.py", "DEBUG = False\n"),
        ("s/settings/dev.py", "DEBUG = True\n"),
    ];
    let ns = eval_files(&files, "/p/s/settings/__init__.py");
    assert!(ns.opaque);
    assert_eq!(kind(&ns, "DEBUG"), Kind::Unknown);
}

#[test]
fn paths_and_file() {
    let ns = eval_files(
        &[(
            "proj/mysite/settings.py",
            "from pathlib import Path\nimport os\nBASE_DIR = Path(__file__).resolve().parent.parent\nMEDIA_ROOT = BASE_DIR / 'media'\nSTATIC_ROOT = os.path.join(BASE_DIR, 'static')\nOLD = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n",
        )],
        "/p/proj/mysite/settings.py",
    );
    assert_eq!(kind(&ns, "MEDIA_ROOT"), Kind::Path("/p/proj/media".into()));
    assert_eq!(kind(&ns, "STATIC_ROOT"), Kind::Str("/p/proj/static".into()));
    assert_eq!(kind(&ns, "OLD"), Kind::Str("/p/proj".into()));
}

#[test]
fn cycles_exec_and_hostile_input_are_bounded() {
    let files = [
        ("s/settings/a.py", "from .b import *\nA = 1\n"),
        ("s/settings/b.py", "from .a import *\nB = 2\n"),
    ];
    let ns = eval_files(&files, "/p/s/settings/a.py");
    assert_eq!(kind(&ns, "A"), Kind::Int(1));
    let ns = eval_one("A = 1\nexec(open('x').read())\n");
    assert_eq!(kind(&ns, "A"), Kind::Unknown);
    let big = format!(
        "A = [0] * 100000000\nB = 'x' * 10**12\nC = 2 ** 100000\nD = {}\n",
        "1 + ".repeat(3000) + "1"
    );
    let ns = eval_one(&big);
    assert_eq!(kind(&ns, "A"), Kind::Unknown);
    assert_eq!(kind(&ns, "B"), Kind::Unknown);
    assert_eq!(kind(&ns, "C"), Kind::Unknown);
}

#[test]
fn shared_cache_is_not_used_when_the_overlay_is_in_the_chain() {
    let index = ProjectIndex::from_files(
        Path::new("/p"),
        &[
            ("s/settings/base.py", "DEBUG = True\n"),
            ("s/settings/prod.py", "from .base import *\n"),
            ("s/settings/other.py", "X = 1\n"),
        ],
    );
    let prod = Path::new("/p/s/settings/prod.py");
    let first = evaluate(&index, prod, None).expect("prod");
    assert_eq!(kind(&first.namespace, "DEBUG"), Kind::Bool(true));
    // The buffer of base.py now says False: the cached evaluation must not answer.
    let edited = Arc::new(ModuleSummary::parse("DEBUG = False\n"));
    let second = evaluate(
        &index,
        prod,
        Some((Path::new("/p/s/settings/base.py"), &edited)),
    )
    .expect("prod");
    assert_eq!(kind(&second.namespace, "DEBUG"), Kind::Bool(false));
    assert!(second.visited.contains(Path::new("/p/s/settings/base.py")));
    // An overlay outside the chain reuses it, with the same answer.
    let unrelated = Arc::new(ModuleSummary::parse("X = 2\n"));
    let third = evaluate(
        &index,
        prod,
        Some((Path::new("/p/s/settings/other.py"), &unrelated)),
    )
    .expect("prod");
    assert_eq!(kind(&third.namespace, "DEBUG"), Kind::Bool(true));
    assert!(third.visited.contains(Path::new("/p/s/settings/base.py")));
}

#[test]
fn optional_local_settings_missing_from_the_project() {
    let src = "DEBUG = False\ntry:\n    from .local_settings import *\nexcept ImportError:\n    pass\nX_FRAME_OPTIONS = 'SAMEORIGIN'\n";
    // `.local_settings` is not in the project (git-ignored, written at deployment): settings
    // left unset may come from it; settings written here are still known.
    let ns = eval_one(src);
    assert!(ns.opaque);
    assert!(matches!(
        ns.setting("SECURE_SSL_REDIRECT"),
        Setting::Unknown
    ));
    assert_eq!(kind(&ns, "DEBUG"), Kind::Bool(false));
    assert_eq!(kind(&ns, "X_FRAME_OPTIONS"), Kind::Str("SAMEORIGIN".into()));
    // In the project, it is optional: the `except ImportError` path is assumed.
    let ns = eval_files(
        &[
            ("settings.py", src),
            ("local_settings.py", "DEBUG = True\n"),
        ],
        "/p/settings.py",
    );
    assert!(!ns.opaque);
    assert!(matches!(
        ns.setting("SECURE_SSL_REDIRECT"),
        Setting::Default
    ));
    assert_eq!(kind(&ns, "DEBUG"), Kind::Bool(false));
}

/// Seen in pretix: `MIDDLEWARE.insert(0, "debug_toolbar...")` under `if DEBUG_TOOLBAR:` (a
/// configuration read djsec cannot know). A list the unknown branches only add to keeps its
/// known items: what it holds stays known (`contains_str` is `Some(true)`), what it lacks does
/// not (`None`); an `insert` may put the unknown item first.
#[test]
fn lists_that_unknown_branches_only_add_to() {
    let ns = eval_one(
        "M = ['a', 'b']\nif read_flag():\n    M.insert(0, 'x')\nL = ['a']\nif read_flag():\n    L.append('y')\n    L += ['z']\nR = ['a']\nif read_flag():\n    R.remove('a')\nS = ['a']\nif read_flag():\n    S.append('q')\nelse:\n    S = []\n",
    );
    let m = ns.value("M").expect("M known");
    assert_eq!(m.contains_str("a"), Some(true));
    assert_eq!(m.contains_str("x"), None);
    assert!(m.items().is_some_and(|i| i[0].is_unknown() && i.len() == 3));
    let l = ns.value("L").expect("L known");
    assert_eq!(l.contains_str("a"), Some(true));
    assert!(
        l.items()
            .is_some_and(|i| i[0].as_str() == Some("a") && i.len() == 2)
    );
    // Removal or reassignment: unknown, as before.
    assert_eq!(kind(&ns, "R"), Kind::Unknown);
    assert_eq!(kind(&ns, "S"), Kind::Unknown);
}
