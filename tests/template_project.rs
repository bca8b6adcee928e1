//! Templates within a project, through the real binary: the template rules read how the
//! project's views render each template (the context they pass, whether the output is HTML),
//! in `djsec check` and in the language server, which re-analyses an open template when a view
//! that renders it changes.

mod common;

use std::path::Path;
use std::process::Command;

use common::Client;
use serde_json::{Value, json};

const VIEWS_CONSTANT: &str = "from django.shortcuts import render\n\n\ndef page(request):\n    return render(request, \"app/page.html\", {\"q\": \"<b>fixed</b>\"})\n";
const VIEWS_REQUEST: &str = "from django.shortcuts import render\n\n\ndef page(request):\n    return render(request, \"app/page.html\", {\"q\": request.GET.get(\"q\", \"\")})\n";
const TEMPLATE: &str = "<p>{{ q|safe }}</p>\n";
const SMS: &str = "from django.template.loader import render_to_string\nimport requests\n\n\ndef tmpl(name, **ctx):\n    return render_to_string(\"integrations/%s\" % name, ctx).strip()\n\n\ndef send_sms(check):\n    text = tmpl(\"sms.html\", check=check)\n    requests.post(\"https://sms.example.com/send\", data={\"Body\": text})\n";
const SMS_TEMPLATE: &str = "{{ check.name|safe }} is down\n";

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn project(views: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "manage.py",
        "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n",
    );
    write(root, "mysite/__init__.py", "");
    write(
        root,
        "mysite/settings.py",
        "SECRET_KEY = \"x\"\nDEBUG = False\n",
    );
    write(root, "app/__init__.py", "");
    write(root, "app/views.py", views);
    write(root, "app/templates/app/page.html", TEMPLATE);
    write(root, "app/sms.py", SMS);
    write(root, "app/templates/integrations/sms.html", SMS_TEMPLATE);
    dir
}

/// `(path, code, severity)` of the template findings of `djsec check` on the project.
fn check(root: &Path) -> Vec<(String, String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_djsec"))
        .current_dir(root)
        .args([
            "check",
            ".",
            "--format",
            "json",
            "--exit-zero",
            "--isolated",
            "--no-progress",
        ])
        .output()
        .expect("run djsec");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let mut found: Vec<(String, String, String)> = report
        .as_array()
        .or_else(|| report["findings"].as_array())
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let code = f["code"].as_str()?.to_string();
            code.starts_with("DJS5").then(|| {
                (
                    f["filename"]
                        .as_str()
                        .or_else(|| f["path"].as_str())
                        .unwrap_or("")
                        .to_string(),
                    code,
                    f["severity"].as_str().unwrap_or("").to_string(),
                )
            })
        })
        .collect();
    found.sort();
    found
}

#[test]
fn check_reads_how_views_render_templates() {
    let dir = project(VIEWS_REQUEST);
    let found = check(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.ends_with("app/templates/app/page.html"),
        "{found:?}"
    );
    assert_eq!(
        (found[0].1.as_str(), found[0].2.as_str()),
        ("DJS501", "error")
    );
    // A constant is no finding; the SMS template is plain text.
    let dir = project(VIEWS_CONSTANT);
    assert_eq!(check(dir.path()), vec![]);
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn published(message: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = message["params"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|d| {
            let severity = match d["severity"].as_u64()? {
                1 => "error",
                2 => "warning",
                3 => "info",
                _ => "hint",
            };
            Some((d["code"].as_str()?.to_string(), severity.to_string()))
        })
        .collect();
    out.sort();
    out
}

fn wait_published(
    client: &mut Client,
    uri: &str,
    pred: impl Fn(&[(String, String)]) -> bool,
) -> Vec<(String, String)> {
    let msg = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && pred(&published(m))
    });
    published(&msg)
}

#[test]
fn server_reanalyses_an_open_template_when_its_view_changes() {
    let dir = project(VIEWS_CONSTANT);
    let root = dir.path().canonicalize().expect("canonical root");
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri_of(&root),
            "workspaceFolders": [{"uri": uri_of(&root), "name": "site"}],
            "capabilities": {},
        }),
    );
    client.notify("initialized", json!({}));
    let views_uri = uri_of(&root.join("app/views.py"));
    let template_uri = uri_of(&root.join("app/templates/app/page.html"));
    client.open(&views_uri, "python", 1, VIEWS_CONSTANT);
    client.open(&template_uri, "htmldjango", 1, TEMPLATE);
    // Once the index is built, the constant the view passes is no finding.
    wait_published(&mut client, &template_uri, |d| d.is_empty());
    // The view now passes request data: the open template gets an error.
    client.drain();
    client.change(&views_uri, 2, json!([{ "text": VIEWS_REQUEST }]));
    let found = wait_published(&mut client, &template_uri, |d| !d.is_empty());
    assert_eq!(found, vec![("DJS501".to_string(), "error".to_string())]);
    // And back.
    client.drain();
    client.change(&views_uri, 3, json!([{ "text": VIEWS_CONSTANT }]));
    wait_published(&mut client, &template_uri, |d| d.is_empty());
    assert_eq!(client.shutdown(), Some(0));
}
