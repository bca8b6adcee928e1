//! `djsec check`'s cache through the real binary: a second run reads the findings of unchanged
//! files from the cache, and exactly the files whose key changed are analysed again — by their
//! content, the configuration, the settings and the URLconf they read — with the same findings
//! as a run without the cache. A corrupt, truncated or foreign cache is rebuilt.
//!
//! Which files a run analysed is read from its trace log (`DJSEC_LOG=djsec::cache=trace`:
//! `hit PATH`, `analysed PATH`, `skipped PATH`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const MANAGE: &str =
    "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n";
const SETTINGS: &str = "DEBUG = False\nSECRET_KEY = 'k' * 60\nALLOWED_HOSTS = ['example.com']\nROOT_URLCONF = 'mysite.urls'\nMIDDLEWARE = [\n    'django.middleware.security.SecurityMiddleware',\n    'django.middleware.csrf.CsrfViewMiddleware',\n]\n";
const URLS: &str = "from django.urls import path\nfrom shop import views\n\nurlpatterns = [\n    path('a/', views.order_delete),\n]\n";
const SHOP_VIEWS: &str = "from django.http import HttpResponse\nfrom shop.models import Item\n\n\ndef order_delete(request):\n    Item.objects.filter(pk=request.POST['pk']).delete()\n    return HttpResponse('deleted')\n";
const BLOG_VIEWS: &str = "from django.utils.safestring import mark_safe\n\n\ndef title(value):\n    return mark_safe(value)\n";
const MODELS: &str = "from django.db import models\n\n\nclass Item(models.Model):\n    name = models.CharField(max_length=10)\n";
const TEMPLATE: &str = "<p>{{ body|safe }}</p>\n";

/// A small Django project in a temporary folder.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in [
        ("manage.py", MANAGE),
        ("mysite/__init__.py", ""),
        ("mysite/settings.py", SETTINGS),
        ("mysite/urls.py", URLS),
        ("shop/__init__.py", ""),
        ("shop/views.py", SHOP_VIEWS),
        ("shop/models.py", MODELS),
        ("shop/templates/shop/page.html", TEMPLATE),
        ("blog/__init__.py", ""),
        ("blog/views.py", BLOG_VIEWS),
    ] {
        write(dir.path(), path, text);
    }
    dir
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// What one run did: the report's findings (path, line, code, message) and, per file, whether
/// it came from the cache.
struct Run {
    findings: Vec<(String, u64, String, String)>,
    analysed: BTreeSet<String>,
    hits: BTreeSet<String>,
    /// Python files whose project facts were built (`facts-built`) or read from the cache
    /// (`facts-hit`) while the index was built, relative to the root.
    facts_built: BTreeSet<String>,
    facts_hits: BTreeSet<String>,
    stderr: String,
}

fn check(root: &Path, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_djsec"))
        .current_dir(root)
        .env("DJSEC_LOG", "djsec::cache=trace")
        .args([
            "check",
            "--format",
            "json",
            "--exit-zero",
            "--no-progress",
            "--min-severity",
            "hint",
        ])
        .args(extra)
        .output()
        .expect("run djsec");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "djsec check failed: {stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    let mut findings: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["code"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    findings.sort();
    let logged = |what: &str| -> BTreeSet<String> {
        stderr
            .lines()
            .filter_map(|l| {
                l.split_once(&format!(" {what} "))
                    .map(|(_, p)| p.trim().to_string())
            })
            .collect()
    };
    let mut analysed = logged("analysed");
    analysed.extend(logged("skipped"));
    let root_prefix = format!("{}/", root.display());
    let relative = |paths: BTreeSet<String>| -> BTreeSet<String> {
        paths
            .into_iter()
            .map(|p| p.strip_prefix(&root_prefix).unwrap_or(&p).to_string())
            .collect()
    };
    Run {
        findings,
        analysed,
        hits: logged("hit"),
        facts_built: relative(logged("facts-built")),
        facts_hits: relative(logged("facts-hit")),
        stderr,
    }
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

/// The same findings as a run that neither reads nor writes the cache.
fn assert_fresh(root: &Path, run: &Run) {
    assert_fresh_with(root, run, &[]);
}

fn assert_fresh_with(root: &Path, run: &Run, flags: &[&str]) {
    let mut args = vec!["--no-cache"];
    args.extend_from_slice(flags);
    let fresh = check(root, &args);
    assert_eq!(
        run.findings, fresh.findings,
        "cached run differs from --no-cache"
    );
    assert!(fresh.hits.is_empty());
}

fn cache_file(root: &Path) -> PathBuf {
    let dir = root.join(".djsec_cache");
    std::fs::read_dir(&dir)
        .expect("cache folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("check-v") && n.ends_with(".json"))
        })
        .expect("cache file")
}

const ALL_FILES: usize = 10;

#[test]
fn a_second_run_reads_everything_from_the_cache() {
    let dir = project();
    let first = check(dir.path(), &[]);
    assert_eq!(first.analysed.len(), ALL_FILES, "{}", first.stderr);
    assert!(first.hits.is_empty());
    assert!(
        first.findings.iter().any(|f| f.2 == "DJS101"),
        "{:?}",
        first.findings
    );
    let cache = dir.path().join(".djsec_cache");
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore")).expect(".gitignore"),
        "# Created by djsec automatically.\n*\n"
    );
    let second = check(dir.path(), &[]);
    assert!(second.analysed.is_empty(), "{:?}", second.analysed);
    assert_eq!(second.hits.len(), ALL_FILES);
    assert_eq!(first.findings, second.findings);
    // The project index reads every Python file's facts from the cache too: none is parsed.
    let python = first.analysed.iter().filter(|p| p.ends_with(".py")).count();
    assert_eq!(first.facts_built.len(), python, "{}", first.stderr);
    assert!(first.facts_hits.is_empty());
    assert!(second.facts_built.is_empty(), "{}", second.stderr);
    assert_eq!(second.facts_hits, first.facts_built);
}

#[test]
fn a_content_change_invalidates_that_file_only() {
    let dir = project();
    check(dir.path(), &[]);
    write(
        dir.path(),
        "blog/views.py",
        &BLOG_VIEWS.replace("mark_safe(value)", "mark_safe('<b>') + value"),
    );
    write(
        dir.path(),
        "shop/templates/shop/page.html",
        "<p>{{ body }}</p>\n",
    );
    let run = check(dir.path(), &[]);
    assert_eq!(
        run.analysed,
        set(&["blog/views.py", "shop/templates/shop/page.html"])
    );
    assert_fresh(dir.path(), &run);
}

#[test]
fn a_configuration_change_invalidates_the_files_it_applies_to() {
    let dir = project();
    check(dir.path(), &[]);
    // Another rule selection on the command line: every file's key changes.
    let run = check(dir.path(), &["--ignore", "DJS101"]);
    assert_eq!(run.analysed.len(), ALL_FILES);
    assert!(!run.findings.iter().any(|f| f.2 == "DJS101"));
    let again = check(dir.path(), &["--ignore", "DJS101"]);
    assert_eq!(again.hits.len(), ALL_FILES);
    assert_fresh_with(dir.path(), &again, &["--ignore", "DJS101"]);
    // A per-file ignore in the configuration: only the files it names.
    check(dir.path(), &[]);
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.djsec.per-file-ignores]\n\"blog/**\" = [\"DJS101\"]\n",
    );
    let run = check(dir.path(), &[]);
    assert_eq!(
        run.analysed,
        set(&["blog/__init__.py", "blog/views.py"]),
        "{}",
        run.stderr
    );
    assert!(!run.findings.iter().any(|f| f.2 == "DJS101"));
    assert_fresh(dir.path(), &run);
}

#[test]
fn a_settings_change_invalidates_the_files_that_read_it() {
    let dir = project();
    let before = check(dir.path(), &[]);
    assert!(
        before
            .findings
            .iter()
            .any(|f| f.0 == "shop/views.py" && f.2 == "DJS301"),
        "{:?}",
        before.findings
    );
    // `LoginRequiredMiddleware` in the production settings: views need no decorator any more.
    write(
        dir.path(),
        "mysite/settings.py",
        &SETTINGS.replace(
            "'django.middleware.csrf.CsrfViewMiddleware',\n",
            "'django.middleware.csrf.CsrfViewMiddleware',\n    'django.contrib.auth.middleware.LoginRequiredMiddleware',\n",
        ),
    );
    let run = check(dir.path(), &[]);
    assert!(
        !run.findings
            .iter()
            .any(|f| f.0 == "shop/views.py" && f.2 == "DJS301"),
        "stale DJS301: {:?}",
        run.findings
    );
    assert!(run.analysed.contains("mysite/settings.py"));
    assert!(run.analysed.contains("shop/views.py"));
    // Templates read the settings (TEMPLATES: which engines, whether they autoescape).
    assert!(run.analysed.contains("shop/templates/shop/page.html"));
    assert_fresh(dir.path(), &run);
    // A settings value that no other Python file reads: only the settings modules, URLconfs
    // and templates (which read TEMPLATES through the same evaluation).
    check(dir.path(), &[]);
    write(
        dir.path(),
        "mysite/settings.py",
        &std::fs::read_to_string(dir.path().join("mysite/settings.py"))
            .expect("read")
            .replace("DEBUG = False", "DEBUG = True"),
    );
    let run = check(dir.path(), &[]);
    assert_eq!(
        run.analysed,
        set(&[
            "mysite/settings.py",
            "mysite/urls.py",
            "shop/templates/shop/page.html"
        ]),
        "{}",
        run.stderr
    );
    assert!(run.findings.iter().any(|f| f.2 == "DJS401"));
    assert_fresh(dir.path(), &run);
}

#[test]
fn a_urlconf_change_invalidates_the_routed_views() {
    let dir = project();
    check(dir.path(), &[]);
    // Wrapping the view in `login_required` in the URLconf.
    write(
        dir.path(),
        "mysite/urls.py",
        &URLS
            .replace(
                "from django.urls import path\n",
                "from django.urls import path\nfrom django.contrib.auth.decorators import login_required\n",
            )
            .replace("views.order_delete)", "login_required(views.order_delete))"),
    );
    let run = check(dir.path(), &[]);
    assert!(run.analysed.contains("shop/views.py"), "{}", run.stderr);
    assert!(run.analysed.contains("mysite/urls.py"));
    assert!(run.hits.contains("blog/views.py"), "{}", run.stderr);
    assert!(run.hits.contains("shop/models.py"), "{}", run.stderr);
    assert!(
        !run.findings
            .iter()
            .any(|f| f.0 == "shop/views.py" && f.2 == "DJS301"),
        "stale DJS301: {:?}",
        run.findings
    );
    assert_fresh(dir.path(), &run);
}

/// Damaged copies of a cache file (`djsec-cache FORMAT VERSION BUILD CHECKSUM\n` then the
/// body): cut short, emptied, reduced to its header, a flipped byte in the body, and a header
/// naming another djsec version or another format over the same body.
fn damaged_copies(good: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let newline = good.iter().position(|&b| b == b'\n').unwrap_or(0);
    let (head, body) = good.split_at(newline + 1);
    let head = String::from_utf8_lossy(head);
    let with_head = |head: String| [head.as_bytes(), body].concat();
    vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("header only", head.as_bytes().to_vec()),
        ("flipped byte", {
            let mut b = good.to_vec();
            let at = b.len() - 20;
            b[at] ^= 0x01;
            b
        }),
        (
            "another version",
            with_head(head.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1)),
        ),
        (
            "another format",
            with_head(head.replacen(
                &format!("djsec-cache {} ", djsec::cli::cache::FORMAT),
                "djsec-cache 999 ",
                1,
            )),
        ),
    ]
}

#[test]
fn corrupt_truncated_and_foreign_caches_are_rebuilt() {
    let dir = project();
    let first = check(dir.path(), &[]);
    let file = cache_file(dir.path());
    let good = std::fs::read(&file).expect("cache");
    let mut damaged = damaged_copies(&good);
    damaged.push(("garbage", b"\x00\xff not a cache \n{{{".to_vec()));
    for (what, bytes) in damaged {
        std::fs::write(&file, &bytes).expect("damage");
        let run = check(dir.path(), &[]);
        assert_eq!(run.analysed.len(), ALL_FILES, "{what}: {}", run.stderr);
        assert_eq!(run.findings, first.findings, "{what}");
        // The facts are kept in a file of their own, which is intact.
        assert!(run.facts_built.is_empty(), "{what}: {}", run.stderr);
        // Rebuilt: the next run reads it again.
        let next = check(dir.path(), &[]);
        assert_eq!(next.hits.len(), ALL_FILES, "{what}: not rebuilt");
    }
    // A findings list that no longer fits a same-keyed text cannot be forged without the
    // checksum; a cache from a foreign tool in its place is not read either.
    std::fs::write(&file, "djsec-cache\n").expect("write");
    assert_eq!(check(dir.path(), &[]).findings, first.findings);

    // The same damage to the facts file: every Python file is summarised again, the facts come
    // out the same, so the findings still come from the cache, and the file is rebuilt.
    let file = file.with_file_name(format!("facts-v{}.bin", djsec::cli::cache::FORMAT));
    let good = std::fs::read(&file).expect("facts cache");
    let damaged = damaged_copies(&good);
    for (what, bytes) in damaged {
        std::fs::write(&file, &bytes).expect("damage");
        let run = check(dir.path(), &[]);
        assert_eq!(run.facts_built, first.facts_built, "{what}: {}", run.stderr);
        assert!(run.facts_hits.is_empty(), "{what}");
        assert_eq!(run.hits.len(), ALL_FILES, "{what}: {}", run.stderr);
        assert_eq!(run.findings, first.findings, "{what}");
        let next = check(dir.path(), &[]);
        assert!(next.facts_built.is_empty(), "{what}: not rebuilt");
    }
}

#[test]
fn no_cache_and_cache_dir() {
    let dir = project();
    let run = check(dir.path(), &["--no-cache"]);
    assert!(!dir.path().join(".djsec_cache").exists());
    assert_eq!(run.analysed.len(), ALL_FILES);
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let cache = elsewhere.path().join("c");
    let cache_arg = cache.to_string_lossy().into_owned();
    check(dir.path(), &["--cache-dir", &cache_arg]);
    assert!(cache.join(".gitignore").is_file());
    assert!(!dir.path().join(".djsec_cache").exists());
    assert_eq!(
        check(dir.path(), &["--cache-dir", &cache_arg]).hits.len(),
        ALL_FILES
    );
    // The configuration key, relative to the configuration file.
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.djsec]\ncache-dir = \"build/djsec\"\n",
    );
    check(dir.path(), &[]);
    assert!(dir.path().join("build/djsec/.gitignore").is_file());
    assert!(!dir.path().join(".djsec_cache").exists());
}

#[test]
fn a_helper_change_invalidates_the_files_that_import_it() {
    let dir = project();
    write(
        dir.path(),
        "blog/utils.py",
        "import bleach\n\n\ndef clean(value):\n    return bleach.clean(value)\n",
    );
    write(
        dir.path(),
        "blog/admin.py",
        "from django.utils.safestring import mark_safe\n\nfrom blog.utils import clean\n\n\ndef preview(obj):\n    return mark_safe(clean(obj.body))\n",
    );
    let first = check(dir.path(), &[]);
    assert!(
        !first.findings.iter().any(|f| f.0 == "blog/admin.py"),
        "{:?}",
        first.findings
    );
    // `clean()` stops sanitizing: the module that imports it is analysed again and now marks
    // stored text as safe; the files that do not import it come from the cache.
    write(
        dir.path(),
        "blog/utils.py",
        "import bleach\n\n\ndef clean(value):\n    return value.strip()\n",
    );
    let run = check(dir.path(), &[]);
    assert_eq!(run.analysed, set(&["blog/admin.py", "blog/utils.py"]));
    // The index parsed the changed helper only; the other modules' facts came from the cache.
    assert_eq!(run.facts_built, set(&["blog/utils.py"]), "{}", run.stderr);
    assert_eq!(run.facts_hits.len(), first.facts_built.len() - 1);
    assert!(
        run.findings
            .iter()
            .any(|f| f.0 == "blog/admin.py" && f.2 == "DJS101"),
        "{:?}",
        run.findings
    );
    assert_fresh(dir.path(), &run);
}
