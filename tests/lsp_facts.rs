//! Project-wide function facts in the language server: an edit to a helper in one open file
//! changes the findings published for the open files that call it, and only for those.

mod common;

use std::path::{Path, PathBuf};

use common::Client;
use serde_json::{Value, json};

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// `(code, severity)` of each diagnostic of a publication.
fn published(message: &Value) -> Vec<(String, u64)> {
    message["params"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["severity"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn is_publication(m: &Value, uri: &str) -> bool {
    m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
}

const UTILS_SAFE: &str = "import bleach\n\n\ndef clean(value):\n    return bleach.clean(value)\n";
const UTILS_UNSAFE: &str = "import bleach\n\n\ndef clean(value):\n    return value.strip()\n";
const VIEWS: &str = "from django.utils.safestring import mark_safe\n\nfrom .utils import clean\n\n\ndef comment(request):\n    return mark_safe(clean(request.POST[\"body\"]))\n";
/// Unrelated to `utils.py`: a finding of its own, so that any re-analysis would publish.
const OTHER: &str = "from django.utils.safestring import mark_safe\n\n\ndef banner(request):\n    return mark_safe(request.GET[\"b\"])\n";

/// A project with settings, an `app` package and `files`, and a server initialised on it.
fn project_server(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf, Client) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical root");
    let base = [
        (
            "manage.py",
            "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_settings')\n",
        ),
        ("site_settings.py", "SECRET_KEY = 'x' * 60\nDEBUG = False\n"),
        ("app/__init__.py", ""),
    ];
    for (rel, text) in base.iter().chain(files) {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
    }
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri_of(&root),
            "workspaceFolders": [{"uri": uri_of(&root), "name": "p"}],
            "capabilities": {},
        }),
    );
    client.notify("initialized", json!({}));
    (dir, root, client)
}

/// Error severity in LSP.
const ERROR: u64 = 1;

#[test]
fn editing_a_helper_re_analyses_exactly_the_open_files_that_use_it() {
    let (_dir, root, mut client) = project_server(&[
        ("app/utils.py", UTILS_SAFE),
        ("app/views.py", VIEWS),
        ("app/other.py", OTHER),
    ]);
    let views = uri_of(&root.join("app/views.py"));
    let other = uri_of(&root.join("app/other.py"));
    let utils = uri_of(&root.join("app/utils.py"));
    client.open(&views, "python", 1, VIEWS);
    // Once the index is built and knows `clean()` sanitizes, views.py is clean.
    client.wait_for(|m| is_publication(m, &views) && published(m).is_empty());
    // Opened with the index in place: analysed once each.
    client.open(&other, "python", 1, OTHER);
    client.open(&utils, "python", 1, UTILS_SAFE);
    client.wait_for(|m| is_publication(m, &other) && !published(m).is_empty());
    client.wait_for(|m| is_publication(m, &utils));

    // `clean()` stops sanitizing: views.py now marks request data as safe HTML.
    client.drain();
    client.change(&utils, 2, json!([{ "text": UTILS_UNSAFE }]));
    let msg = client.wait_for(|m| is_publication(m, &views) && !published(m).is_empty());
    assert_eq!(published(&msg), vec![("DJS101".to_string(), ERROR)]);
    // Nothing is published for the file that does not use `clean()` (a pause for any
    // analysis in flight, and a round trip).
    std::thread::sleep(std::time::Duration::from_millis(500));
    client.document_text(&utils);
    let other_again = client.backlog_any(|m| is_publication(m, &other));
    assert!(
        !other_again,
        "other.py was analysed again: {:?}",
        client.backlog_debug()
    );

    // And back.
    client.change(&utils, 3, json!([{ "text": UTILS_SAFE }]));
    client.wait_for(|m| is_publication(m, &views) && published(m).is_empty());
    assert_eq!(client.shutdown(), Some(0));
}

const DECORATOR_TOKEN: &str = "from functools import wraps\nfrom django.conf import settings\nfrom django.http import HttpResponse\n\n\ndef api_key_required(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if request.headers.get(\"X-Api-Key\") != settings.API_KEY:\n            return HttpResponse(status=401)\n        return view(request, *args, **kwargs)\n    return wrapper\n";
/// The same decorator, now checking the session user instead of an API key.
const DECORATOR_SESSION: &str = "from functools import wraps\nfrom django.conf import settings\nfrom django.http import HttpResponse\n\n\ndef api_key_required(view):\n    @wraps(view)\n    def wrapper(request, *args, **kwargs):\n        if not request.user.is_authenticated:\n            return HttpResponse(status=401)\n        return view(request, *args, **kwargs)\n    return wrapper\n";
const HOOK_VIEWS: &str = "from django.http import HttpResponse\nfrom django.views.decorators.csrf import csrf_exempt\n\nfrom .decorators import api_key_required\nfrom .models import Event\n\n\n@csrf_exempt\n@api_key_required\ndef push(request):\n    Event.objects.create(body=request.body)\n    return HttpResponse()\n";

#[test]
fn editing_a_decorator_re_analyses_exactly_the_open_views_that_use_it() {
    let (_dir, root, mut client) = project_server(&[
        ("app/decorators.py", DECORATOR_TOKEN),
        ("app/views.py", HOOK_VIEWS),
        ("app/other.py", OTHER),
    ]);
    let views = uri_of(&root.join("app/views.py"));
    let other = uri_of(&root.join("app/other.py"));
    let decorators = uri_of(&root.join("app/decorators.py"));
    client.open(&views, "python", 1, HOOK_VIEWS);
    // Once the index is built and knows the decorator checks an API key from a header (token
    // authentication): `@csrf_exempt` is right, no DJS308. (Before, the decorator's name alone
    // says "login".)
    client.wait_for(|m| {
        is_publication(m, &views) && !published(m).iter().any(|(code, _)| code == "DJS308")
    });
    client.open(&other, "python", 1, OTHER);
    client.open(&decorators, "python", 1, DECORATOR_TOKEN);
    client.wait_for(|m| is_publication(m, &other) && !published(m).is_empty());
    client.wait_for(|m| is_publication(m, &decorators));

    // The decorator now relies on the session: the exempt view is open to cross-site requests.
    client.drain();
    client.change(&decorators, 2, json!([{ "text": DECORATOR_SESSION }]));
    let msg = client.wait_for(|m| {
        is_publication(m, &views) && published(m).iter().any(|(code, _)| code == "DJS308")
    });
    assert!(
        published(&msg).contains(&("DJS308".to_string(), ERROR)),
        "{msg}"
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    client.document_text(&decorators);
    assert!(
        !client.backlog_any(|m| is_publication(m, &other)),
        "other.py was analysed again: {:?}",
        client.backlog_debug()
    );

    // And back: token authentication again.
    client.change(&decorators, 3, json!([{ "text": DECORATOR_TOKEN }]));
    client.wait_for(|m| {
        is_publication(m, &views) && !published(m).iter().any(|(code, _)| code == "DJS308")
    });
    assert_eq!(client.shutdown(), Some(0));
}
