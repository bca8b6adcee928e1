//! The access-control rules over a realistic project, through the real binary: `djsec check`
//! reads the URLconf and the production settings before analysing the views, and the language
//! server re-analyses open views when `urls.py` or the settings change.
//!
//! Fixtures: `tests/fixtures/projects/shop` (see its README) and the overlay
//! `tests/fixtures/projects/shop_login_required`, whose production settings add
//! `LoginRequiredMiddleware`.

mod common;

use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Client;
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/projects")
        .join(name)
}

/// A copy of `shop`, with the overlays copied over it.
fn project(overlays: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture("shop"), dir.path());
    for overlay in overlays {
        copy_dir(&fixture(overlay), dir.path());
    }
    std::fs::remove_file(dir.path().join("README.md")).ok();
    dir
}

fn check(cwd: &Path, args: &[&str]) -> (String, Value) {
    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_djsec"))
            .current_dir(cwd)
            .args([
                "check",
                "--isolated",
                "--no-progress",
                "--min-severity",
                "hint",
                "--select",
                "access",
                "--format",
                format,
            ])
            .args(args)
            .output()
            .expect("run djsec")
    };
    let concise = run("concise");
    let json = run("json");
    let value: Value = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&json.stdout),
            String::from_utf8_lossy(&json.stderr)
        )
    });
    (String::from_utf8_lossy(&concise.stdout).into_owned(), value)
}

/// `(path, line, code, severity)` of each finding.
fn findings(report: &Value) -> Vec<(String, u64, String, String)> {
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").replace('\\', "/"),
                f["line"].as_u64().unwrap_or(0),
                f["code"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The line of `needle` in a fixture file (one-based), so assertions name views, not numbers.
fn line_of(root: &Path, file: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(root.join(file)).expect("read fixture file");
    let index = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {file}"));
    index as u64 + 1
}

fn has(found: &[(String, u64, String, String)], file: &str, line: u64, code: &str) -> bool {
    found
        .iter()
        .any(|f| f.0 == file && f.1 == line && f.2 == code)
}

/// The codes on a line, but the rate-limiting hint (DJS319), which is about login views being
/// throttled, not about who may call them.
fn on_line(found: &[(String, u64, String, String)], file: &str, line: u64) -> Vec<String> {
    found
        .iter()
        .filter(|f| f.0 == file && f.1 == line && f.2 != "DJS319")
        .map(|f| f.2.clone())
        .collect()
}

/// Views that are protected (decorator, mixin, `urls.py` wrapper) or public on purpose (by name,
/// route or URL name): no missing-authentication finding on their `def`/`class` line in either
/// variant.
const QUIET: &[(&str, &str)] = &[
    ("orders/views.py", "def order_list("),
    ("orders/views.py", "def order_receipt("),
    ("orders/views.py", "def archive_order("),
    ("orders/views.py", "class OrderDetailView("),
    ("accounts/views.py", "def login_view("),
    ("accounts/views.py", "def logout_view("),
    ("accounts/views.py", "def create_account("),
    ("accounts/views.py", "def reset_request("),
    ("accounts/views.py", "def profile("),
    ("shop/views.py", "def home("),
    ("shop/views.py", "def service_status("),
    ("shop/views.py", "def dashboard("),
    ("shop/views.py", "def site_stats("),
    ("billing/views.py", "def stripe_webhook("),
    ("api/views.py", "class NoteViewSet("),
    ("api/views.py", "def ping("),
    // A public page: routed, read-only.
    ("orders/views.py", "class ReportView("),
];

#[test]
fn check_reports_the_shop_project() {
    let dir = project(&[]);
    let root = dir.path();
    let (concise, report) = check(root, &["."]);
    insta::assert_snapshot!("shop", concise);
    let found = findings(&report);
    // Each rule fires where it should.
    // `(file, line that starts the finding's line, lines below it, code, severity)`.
    let expect = [
        // Routed, read-only, no check, every user's orders: exposed.
        (
            "orders/views.py",
            "def order_export(",
            2,
            "DJS317",
            "warning",
        ),
        // Routed, changes the order its URL names, no check: exploitable as shown.
        ("orders/views.py", "def cancel_order(", 0, "DJS301", "error"),
        (
            "accounts/views.py",
            "def delete_account(",
            0,
            "DJS301",
            "error",
        ),
        (
            "orders/views.py",
            "class OrderDeleteView(",
            0,
            "DJS302",
            "error",
        ),
        // The project throttles nothing.
        ("accounts/views.py", "def login_view(", 0, "DJS319", "hint"),
        (
            "orders/views.py",
            "class OrderUpdateView(",
            0,
            "DJS303",
            "error",
        ),
        (
            "orders/views.py",
            "class AuditView(",
            0,
            "DJS304",
            "warning",
        ),
        (
            "api/views.py",
            "@permission_classes([AllowAny])",
            0,
            "DJS305",
            "warning",
        ),
        (
            "api/views.py",
            "class OrderViewSet(",
            0,
            "DJS306",
            "warning",
        ),
        (
            "api/views.py",
            "class ProductViewSet(",
            0,
            "DJS307",
            "warning",
        ),
        ("orders/views.py", "@csrf_exempt", 0, "DJS308", "error"),
        // Judged at the view, whose code acts as the user and changes the order; the call in
        // urls.py, where the view's code is not seen, is an audit note.
        ("orders/views.py", "def save_note(", 0, "DJS308", "error"),
        (
            "orders/urls.py",
            "csrf_exempt(views.save_note)",
            0,
            "DJS308",
            "info",
        ),
        // `order_receipt` is protected in urls.py, and looks its order up by id only.
        ("orders/views.py", "def order_receipt(", 2, "DJS309", "hint"),
        (
            "orders/views.py",
            "response = redirect(request.GET",
            0,
            "DJS311",
            "error",
        ),
        (
            "accounts/views.py",
            "def change_password(",
            0,
            "DJS312",
            "hint",
        ),
        (
            "orders/views.py",
            "response.set_cookie(",
            0,
            "DJS313",
            "info",
        ),
        (
            "orders/views.py",
            "Order.objects.create(**request.POST",
            0,
            "DJS314",
            "warning",
        ),
        (
            "orders/forms.py",
            "fields = \"__all__\"",
            0,
            "DJS315",
            "hint",
        ),
    ];
    for (file, needle, below, code, severity) in expect {
        let line = line_of(root, file, needle) + below;
        assert!(
            found
                .iter()
                .any(|f| f.0 == file && f.1 == line && f.2 == code && f.3 == severity),
            "{code} ({severity}) expected at {file}:{line}: {found:#?}"
        );
    }
    // The raw Host read in `share_link` is the validated one: the settings put
    // `CommonMiddleware`, which calls `get_host()` on every request, in `MIDDLEWARE`.
    let host_line = line_of(root, "orders/views.py", "host = request.META");
    assert!(
        !found
            .iter()
            .any(|f| f.0 == "orders/views.py" && f.1 == host_line && f.2 == "DJS310"),
        "{found:#?}"
    );
    // ... and stays silent on the protected and intentionally public views.
    for (file, needle) in QUIET {
        let line = line_of(root, file, needle);
        assert_eq!(
            on_line(&found, file, line),
            Vec::<String>::new(),
            "{file}:{line} {needle}"
        );
    }
    // Django's own SSL redirect (scheme constant, host from get_host()) is no open redirect.
    assert!(
        found.iter().all(|f| f.0 != "shop/middleware.py"),
        "{found:#?}"
    );
    // Without the project: nothing tells that `Order` belongs to users (no DJS317 on
    // `order_export`), nor whether a route reaches `cancel_order` or `dashboard` (whose urls.py
    // wrapper protects it): the writing views are info.
    let lone = tempfile::tempdir().expect("tempdir");
    for file in ["orders/views.py", "shop/views.py"] {
        std::fs::create_dir_all(lone.path().join(file).parent().expect("parent")).expect("mkdir");
        std::fs::copy(root.join(file), lone.path().join(file)).expect("copy");
    }
    let alone = findings(&check(lone.path(), &["."]).1);
    let export = line_of(root, "orders/views.py", "def order_export(");
    let cancel = line_of(root, "orders/views.py", "def cancel_order(");
    let dashboard = line_of(root, "shop/views.py", "def dashboard(");
    assert!(has(&found, "orders/views.py", export + 2, "DJS317"));
    assert!(
        !has(&alone, "orders/views.py", export + 2, "DJS317"),
        "{alone:#?}"
    );
    for (file, line) in [("orders/views.py", cancel), ("shop/views.py", dashboard)] {
        assert!(
            alone
                .iter()
                .any(|f| f.0 == file && f.1 == line && f.2 == "DJS301" && f.3 == "info"),
            "{file}:{line} {alone:#?}"
        );
    }
}

#[test]
fn check_with_login_required_middleware() {
    let dir = project(&["shop_login_required"]);
    let root = dir.path();
    let (concise, report) = check(root, &["."]);
    insta::assert_snapshot!("shop_login_required", concise);
    let found = findings(&report);
    // Every view requires a login: no missing-authentication or AllowAny findings.
    for code in ["DJS301", "DJS302", "DJS305", "DJS306"] {
        assert!(found.iter().all(|f| f.2 != code), "{code}: {found:#?}");
    }
    // What a login does not fix is still reported: mixin order, CSRF with sessions, IDOR,
    // open redirect, object permissions of a viewset anyone logged in can use.
    for (file, needle, code) in [
        ("orders/views.py", "class OrderUpdateView(", "DJS303"),
        ("orders/views.py", "@csrf_exempt", "DJS308"),
        (
            "orders/views.py",
            "response = redirect(request.GET",
            "DJS311",
        ),
        ("api/views.py", "class ProductViewSet(", "DJS307"),
        ("api/views.py", "class OrderViewSet(", "DJS307"),
    ] {
        let line = line_of(root, file, needle);
        assert!(
            has(&found, file, line, code),
            "{code} at {file}:{line}: {found:#?}"
        );
    }
    // Any logged-in user may delete any user: an admin function behind a login only.
    let delete_account = line_of(root, "accounts/views.py", "def delete_account(");
    assert!(
        has(&found, "accounts/views.py", delete_account, "DJS316"),
        "{found:#?}"
    );
    // Now that every view is authenticated, `cancel_order`'s unscoped lookup is an IDOR hint.
    let cancel = line_of(root, "orders/views.py", "def cancel_order(");
    assert!(
        has(&found, "orders/views.py", cancel + 2, "DJS309"),
        "{found:#?}"
    );
    for (file, needle) in QUIET {
        let line = line_of(root, file, needle);
        assert_eq!(
            on_line(&found, file, line),
            Vec::<String>::new(),
            "{file}:{line} {needle}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The language server

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// `(code, one-based line)` of a publication.
fn published(message: &Value) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = message["params"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|d| {
            Some((
                d["code"].as_str()?.to_string(),
                d["range"]["start"]["line"].as_u64()? + 1,
            ))
        })
        .collect();
    out.sort();
    out
}

fn wait_published(
    client: &mut Client,
    uri: &str,
    pred: impl Fn(&[(String, u64)]) -> bool,
) -> Vec<(String, u64)> {
    let msg = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && pred(&published(m))
    });
    published(&msg)
}

#[test]
fn server_follows_urls_and_settings_edits() {
    let dir = project(&[]);
    let root = dir.path().canonicalize().expect("canonical root");
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri_of(&root),
            "workspaceFolders": [{"uri": uri_of(&root), "name": "shop"}],
            "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
        }),
    );
    client.notify("initialized", json!({}));

    let views_path = root.join("orders/views.py");
    let views_uri = uri_of(&views_path);
    let views_text = std::fs::read_to_string(&views_path).expect("read views.py");
    // `order_export` lists every user's orders: only the project knows it is routed and that
    // `Order` belongs to users.
    let export = line_of(&root, "orders/views.py", "def order_export(") + 2;
    let cancel = line_of(&root, "orders/views.py", "def cancel_order(");
    let delete = line_of(&root, "orders/views.py", "class OrderDeleteView(");
    client.open(&views_uri, "python", 1, &views_text);
    // Once the index is built, the routed view that lists every order is reported.
    let found = wait_published(&mut client, &views_uri, |d| {
        d.contains(&("DJS317".to_string(), export))
    });
    assert!(found.contains(&("DJS301".to_string(), cancel)), "{found:?}");
    assert!(found.contains(&("DJS302".to_string(), delete)), "{found:?}");

    // Wrapping `cancel_order` in login_required in the open urls.py re-analyses views.py.
    let urls_path = root.join("orders/urls.py");
    let urls_uri = uri_of(&urls_path);
    let urls_text = std::fs::read_to_string(&urls_path).expect("read urls.py");
    client.open(&urls_uri, "python", 1, &urls_text);
    client.drain();
    let wrapped = urls_text.replace("views.cancel_order,", "login_required(views.cancel_order),");
    assert_ne!(wrapped, urls_text);
    client.change(&urls_uri, 2, json!([{ "text": wrapped }]));
    let found = wait_published(&mut client, &views_uri, |d| {
        !d.contains(&("DJS301".to_string(), cancel))
    });
    assert!(found.contains(&("DJS317".to_string(), export)), "{found:?}");
    // Now authenticated, its unscoped lookup is an IDOR hint.
    assert!(
        found.contains(&("DJS309".to_string(), cancel + 2)),
        "{found:?}"
    );

    // Production settings gain LoginRequiredMiddleware on disk: the watched file updates the index.
    let prod = root.join("shop/settings/prod.py");
    let text = std::fs::read_to_string(&prod).expect("read prod.py");
    std::fs::write(
        &prod,
        format!(
            "{text}MIDDLEWARE += [\"django.contrib.auth.middleware.LoginRequiredMiddleware\"]\n"
        ),
    )
    .expect("write prod.py");
    client.drain();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&prod), "type": 2}]}),
    );
    let found = wait_published(&mut client, &views_uri, |d| {
        !d.iter().any(|(c, _)| c == "DJS301" || c == "DJS302")
    });
    assert!(found.iter().any(|(c, _)| c == "DJS303"), "{found:?}");

    // And back: the findings return.
    std::fs::write(&prod, &text).expect("write prod.py");
    client.drain();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&prod), "type": 2}]}),
    );
    let found = wait_published(&mut client, &views_uri, |d| {
        d.contains(&("DJS317".to_string(), export))
    });
    assert!(found.contains(&("DJS302".to_string(), delete)), "{found:?}");
    assert_eq!(client.shutdown(), Some(0));
}

// ---------------------------------------------------------------------------------------------
// The authorization model: `portal` (Django 5.1) and `legacy` (Django 1.8)

fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture(name), dir.path());
    dir
}

fn djsec(cwd: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_djsec"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("run djsec");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The shapes of broken access control in `portal`, each reported once at its level, and the
/// noise that stays silent.
#[test]
fn check_reports_each_shape_of_the_portal_project() {
    let dir = copy_fixture("portal");
    let root = dir.path();
    let (concise, report) = check(root, &["."]);
    insta::assert_snapshot!("portal", concise);
    let found = findings(&report);
    let expect = [
        // 1. Admin functions behind the project's login check only.
        ("staff/views.py", "def user_list(", 0, "DJS316", "error"),
        ("staff/views.py", "def delete_user(", 0, "DJS316", "error"),
        ("staff/views.py", "def reports(", 0, "DJS316", "warning"),
        // 2. Another user's file by id, to anyone.
        (
            "billing/views.py",
            "invoice = get_object_or_404(",
            0,
            "DJS317",
            "error",
        ),
        // 3. Server internals to anyone.
        ("staff/views.py", "dict(request.META)", 0, "DJS318", "error"),
        // 4. `@login_not_required` on a view that changes the invoice its URL names.
        (
            "billing/views.py",
            "def void_invoice(",
            0,
            "DJS301",
            "error",
        ),
        // 5. DRF: every user's invoices under AllowAny, and the AllowAny default itself.
        (
            "api/views.py",
            "class InvoiceViewSet(",
            0,
            "DJS317",
            "error",
        ),
        (
            "portal/settings.py",
            "\"DEFAULT_PERMISSION_CLASSES\"",
            0,
            "DJS306",
            "warning",
        ),
        // A login and any invoice: the IDOR hint.
        (
            "billing/views.py",
            "class InvoiceDetail(",
            0,
            "DJS309",
            "hint",
        ),
    ];
    for (file, needle, below, code, severity) in expect {
        let line = line_of(root, file, needle) + below;
        assert!(
            found
                .iter()
                .any(|f| f.0 == file && f.1 == line && f.2 == code && f.3 == severity),
            "{code} ({severity}) expected at {file}:{line}: {found:#?}"
        );
    }
    // Silent: staff-only views (the project's `staff_required`, built on its login check), the
    // token-authenticated CSRF exemption, a model permission (no IDOR hint), public data, an
    // unrouted function.
    for (file, needle) in [
        ("staff/views.py", "def promote_user("),
        ("staff/views.py", "def ban_user("),
        ("billing/views.py", "def partner_push("),
        ("billing/views.py", "@csrf_exempt"),
        ("billing/views.py", "class InvoiceDelete("),
        ("catalogue/views.py", "class ProductList("),
        ("catalogue/views.py", "def product_detail("),
        ("catalogue/views.py", "def recalculate("),
    ] {
        let line = line_of(root, file, needle);
        assert_eq!(
            on_line(&found, file, line),
            Vec::<String>::new(),
            "{file}:{line} {needle}"
        );
    }
}

#[test]
fn django_1_project_with_patterns_and_middleware_classes() {
    let dir = copy_fixture("legacy");
    let root = dir.path();
    let out = djsec(
        root,
        &[
            "check",
            "--isolated",
            "--no-progress",
            "--min-severity",
            "hint",
            "--format",
            "concise",
            ".",
        ],
    );
    insta::assert_snapshot!("legacy", out);
    let report: Value = serde_json::from_str(&djsec(
        root,
        &[
            "check",
            "--isolated",
            "--no-progress",
            "--min-severity",
            "hint",
            "--format",
            "json",
            ".",
        ],
    ))
    .expect("json");
    let found = findings(&report);
    for (file, needle, code, severity) in [
        // String views in `patterns()` are routes.
        (
            "forum/views.py",
            "message = get_object_or_404(",
            "DJS317",
            "error",
        ),
        ("forum/views.py", "def delete_message(", "DJS301", "error"),
        ("forum/views.py", "def delete_user(", "DJS316", "error"),
        // `MIDDLEWARE_CLASSES` holds the session middleware: the cookie checks speak.
        (
            "legacy/settings.py",
            "SESSION_COOKIE_HTTPONLY",
            "DJS419",
            "warning",
        ),
    ] {
        let line = line_of(root, file, needle);
        assert!(
            found
                .iter()
                .any(|f| f.0 == file && f.1 == line && f.2 == code && f.3 == severity),
            "{code} ({severity}) expected at {file}:{line}: {found:#?}"
        );
    }
    // `CsrfViewMiddleware` is in `MIDDLEWARE_CLASSES`: not reported missing; the unrouted
    // function is not a view.
    assert!(found.iter().all(|f| f.2 != "DJS407"), "{found:#?}");
    let not_routed = line_of(root, "forum/views.py", "def not_routed(");
    assert!(on_line(&found, "forum/views.py", not_routed).is_empty());
}

#[test]
fn views_prints_the_attack_surface_as_a_table_and_json() {
    for name in ["portal", "legacy"] {
        let dir = copy_fixture(name);
        let root = dir.path();
        let table = djsec(root, &["views", "--isolated", "."]);
        insta::assert_snapshot!(format!("views_{name}"), table);
        let json = djsec(root, &["views", "--isolated", "--format", "json", "."]);
        let mut value: Value = serde_json::from_str(&json).expect("json");
        assert!(value["root"].as_str().is_some());
        value["root"] = json!("[root]");
        insta::assert_snapshot!(
            format!("views_{name}_json"),
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }
}

/// Hover on a view's `def` line shows how it is reached, authenticated and authorized, and what
/// it does; elsewhere, the usual hover.
#[test]
fn hover_on_a_view_shows_its_access_facts() {
    let dir = copy_fixture("portal");
    let root = dir.path().canonicalize().expect("canonical root");
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri_of(&root),
            "workspaceFolders": [{"uri": uri_of(&root), "name": "portal"}],
            "capabilities": {},
        }),
    );
    client.notify("initialized", json!({}));
    let path = root.join("staff/views.py");
    let uri = uri_of(&path);
    let text = std::fs::read_to_string(&path).expect("read views.py");
    let delete = line_of(&root, "staff/views.py", "def delete_user(");
    client.open(&uri, "python", 1, &text);
    // The admin-function finding needs the project index (the decorator's facts, the route).
    wait_published(&mut client, &uri, |d| {
        d.contains(&("DJS316".to_string(), delete))
    });
    let hover = |client: &mut Client, line: u64, character: u64| -> String {
        let response = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        response["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let shown = hover(&mut client, delete - 1, 2);
    for part in [
        "**`delete_user`** · function view",
        "Reached at: `/staff/users/<int:pk>/delete/` (`staff:delete-user`)",
        "Authentication: session — `@user_is_authenticated` (portal/decorators.py:8)",
        "Authorization: none",
        "deletes `User` objects (an admin function)",
    ] {
        assert!(shown.contains(part), "{part:?} not in:\n{shown}");
    }
    // On the view's name, the finding's rule follows the facts.
    let on_name = hover(&mut client, delete - 1, 6);
    assert!(
        on_name.contains("delete_user") && on_name.contains("admin-function-login-only"),
        "{on_name}"
    );
    // In the body: no view facts.
    let body = hover(&mut client, delete + 1, 6);
    assert!(!body.contains("Reached at"), "{body}");
    // A staff-only view says so.
    let promote = line_of(&root, "staff/views.py", "def promote_user(");
    let shown = hover(&mut client, promote - 1, 0);
    assert!(shown.contains("Authorization: staff"), "{shown}");
    assert_eq!(client.shutdown(), Some(0));
}
