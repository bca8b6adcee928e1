//! Uploaded files: DJS706 `upload-without-validators`, DJS707 `upload-keeps-client-name`,
//! DJS708 `upload-stored-in-served-location`, DJS709 `media-on-site-origin`,
//! DJS710 `upload-served-inline`.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::project::Kind;
use crate::project::eval::Setting;
use crate::rules::settings::{Blame, Production, Settings};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Level, SinkKind, node};

pub const UNVALIDATED_UPLOAD: Rule = Rule {
    code: "DJS706",
    name: "upload-without-validators",
    family: Family::Auth,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "A `FileField` accepts uploads without a validator of their type or size.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a `FileField` declared on a model, a form or a DRF serializer without `validators=`.
`ImageField` is not reported: Django checks that an upload is an image with an image extension.

This is audit information (info): many fields rightly accept any file, but each should say so.

## Why is this bad?
Without a validator the client chooses the type of what the site stores and later serves:
`.html` or `.svg` files that run script on the site's origin when opened, executables handed out
as downloads from a trusted domain, or files large enough to fill the disk (Django sets no size
limit on files).

## Example
```python
class Document(models.Model):
    file = models.FileField(upload_to="documents/")
```

Use instead:
```python
from django.core.validators import FileExtensionValidator

class Document(models.Model):
    file = models.FileField(
        upload_to="documents/",
        validators=[FileExtensionValidator(["pdf", "docx"]), validate_file_size],
    )
```

## Fix
No quick-fix (the allowed types are the application's choice): add
`FileExtensionValidator(allowed_extensions=[...])` and a size check (a validator that compares
`value.size` with a limit).

## Fix safety
No fix is offered.

## References
- Django: [`FileExtensionValidator`](https://docs.djangoproject.com/en/stable/ref/validators/#fileextensionvalidator), [User-uploaded content](https://docs.djangoproject.com/en/stable/topics/security/#user-uploaded-content)
- OWASP: File Upload Cheat Sheet; CWE-434
"#,
};

pub const CLIENT_FILE_NAME: Rule = Rule {
    code: "DJS707",
    name: "upload-keeps-client-name",
    family: Family::Auth,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "An `upload_to` function builds the stored path from the client's file name.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `upload_to=function` on a model `FileField` / `ImageField` without `validators=`, when
the function (in this module or another of the project, by its summary) returns a path made
with its `filename` argument — the name the client sent — or a part of it (its extension,
`filename.split(".")[-1]`, `os.path.splitext(filename)[1]`).

Not reported: functions that generate the whole name (`uuid4().hex`, a slug of the instance) or
pass it through `get_valid_filename()` / `slugify()`; fields with validators (the extension is
then checked); a constant `upload_to` (Django then cleans the name itself).

Audit information (info): Django already strips folders and odd characters from the name.

## Why is this bad?
The client then chooses the stored file's name and extension: `.html` or `.svg` served from the
site's origin, names that collide with other users' files or reveal personal data in URLs.

## Example
```python
def document_path(instance, filename):
    return f"documents/{instance.owner_id}/{filename}"

class Document(models.Model):
    file = models.FileField(upload_to=document_path)
```

Use instead:
```python
def document_path(instance, filename):
    extension = os.path.splitext(filename)[1].lower()
    return f"documents/{instance.owner_id}/{uuid.uuid4().hex}{extension}"

class Document(models.Model):
    file = models.FileField(
        upload_to=document_path,
        validators=[FileExtensionValidator(["pdf"])],
    )
```

## Fix
No quick-fix: generate the name, keep only a validated extension.

## Fix safety
No fix is offered.

## References
- Django: [`FileField.upload_to`](https://docs.djangoproject.com/en/stable/ref/models/fields/#django.db.models.FileField.upload_to)
- OWASP: File Upload Cheat Sheet; CWE-434, CWE-73
"#,
};

pub const UPLOAD_LOCATION: Rule = Rule {
    code: "DJS708",
    name: "upload-stored-in-served-location",
    family: Family::Auth,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Uploads are stored in the static files, a template folder, the project's code or an executable location.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports a `FileSystemStorage(location=...)` under `STATIC_ROOT` / `STATICFILES_DIRS`, a folder
named `templates`, `BASE_DIR` itself or a `cgi-bin` / `bin` folder; and, in production settings,
a `MEDIA_ROOT` equal to or inside `STATIC_ROOT`, a `STATICFILES_DIRS` entry or a template folder
of `TEMPLATES`, equal to `BASE_DIR`, or in a `cgi-bin` folder.

## Why is this bad?
Uploaded files there are no longer data: in a template folder an upload becomes a template the
site renders (server-side template injection: the template language reaches settings and
objects); among static files it is served, cached and collected as the site's own assets; in
the code or a `cgi-bin` folder the server may import or execute it.

## Example
```python
MEDIA_ROOT = BASE_DIR / "templates" / "uploads"
```

Use instead:
```python
MEDIA_ROOT = BASE_DIR / "media"
```

## Fix
No quick-fix: choose a folder of its own for uploads, outside the code, the templates and the
static files, and move the existing files.

## Fix safety
No fix is offered.

## References
- Django: [`MEDIA_ROOT`](https://docs.djangoproject.com/en/stable/ref/settings/#media-root) ("must be different from STATIC_ROOT"), [User-uploaded content](https://docs.djangoproject.com/en/stable/topics/security/#user-uploaded-content)
- CWE-434, CWE-552
"#,
};

pub const MEDIA_SAME_HOST: Rule = Rule {
    code: "DJS709",
    name: "media-on-site-origin",
    family: Family::Auth,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "Uploaded files are served from the site's own origin (`MEDIA_URL` on the same host).",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Information on production settings whose `MEDIA_URL` is a path (`/media/`) or a URL on one of
the `ALLOWED_HOSTS`: user uploads are served from the same origin as the site.

## Why is this bad?
A file a user uploaded runs in the site's origin when a browser renders it: an HTML or SVG file
with script reads the page's data and acts as the logged-in user (cookies without `HttpOnly`,
CSRF tokens in pages). Django's security guide recommends a separate domain for user content;
validators and `Content-Disposition: attachment` reduce the risk without removing it.

## Example
```python
MEDIA_URL = "/media/"
```

Use instead:
```python
MEDIA_URL = "https://usercontent.example-cdn.com/media/"
```

## Fix
No quick-fix: serve uploads from another domain (not a subdomain that shares cookies), e.g.
a storage backend with its own domain, or at least as attachments with validated types.

## Fix safety
No fix is offered.

## References
- Django: [User-uploaded content](https://docs.djangoproject.com/en/stable/topics/security/#user-uploaded-content)
- CWE-434
"#,
};

pub const SERVED_INLINE: Rule = Rule {
    code: "DJS710",
    name: "upload-served-inline",
    family: Family::Auth,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A response serves a file with a content type or file name the client chose, inline.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `HttpResponse`, `FileResponse` and `StreamingHttpResponse` whose `content_type=` comes
from the request — typically an upload's `content_type`, which the client declares — and
`FileResponse(..., filename=...)` with a client file name (Django guesses the type from it),
unless the response is an attachment (`as_attachment=True`).

## Why is this bad?
The client sends `text/html` (or an `.svg` name) with its upload; the site then serves the file
inline with that type, and the browser runs its script on the site's origin: stored cross-site
scripting through a download link.

## Example
```python
def view_upload(request):
    upload = request.FILES["file"]
    return HttpResponse(upload.read(), content_type=upload.content_type)
```

Use instead:
```python
def view_upload(request):
    upload = request.FILES["file"]
    return FileResponse(upload, as_attachment=True, filename="upload.bin")
```

## Fix
No quick-fix: serve uploads as attachments (`as_attachment=True`), with a type the application
derived from a validated extension, and `X-Content-Type-Options: nosniff`
(`SECURE_CONTENT_TYPE_NOSNIFF`).

## Fix safety
No fix is offered.

## References
- Django: [`FileResponse`](https://docs.djangoproject.com/en/stable/ref/request-response/#fileresponse-objects)
- OWASP: File Upload Cheat Sheet; CWE-79, CWE-434
"#,
};

const FILE_FIELDS: &[&str] = &[
    "django.db.models.FileField",
    "django.db.models.fields.files.FileField",
    "django.forms.FileField",
    "django.forms.fields.FileField",
    "rest_framework.serializers.FileField",
    "rest_framework.fields.FileField",
];

const MODEL_FILE_FIELDS: &[&str] = &[
    "django.db.models.FileField",
    "django.db.models.fields.files.FileField",
    "django.db.models.ImageField",
    "django.db.models.fields.files.ImageField",
];

const RESPONSES: &[&str] = &[
    "django.http.HttpResponse",
    "django.http.FileResponse",
    "django.http.StreamingHttpResponse",
    "django.http.response.HttpResponse",
    "django.http.response.FileResponse",
    "django.http.response.StreamingHttpResponse",
];

const STORAGES: &[&str] = &[
    "django.core.files.storage.FileSystemStorage",
    "django.core.files.storage.filesystem.FileSystemStorage",
];

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let Some(name) = site.name else {
            continue;
        };
        if !matches!(
            name,
            "FileField"
                | "ImageField"
                | "HttpResponse"
                | "FileResponse"
                | "StreamingHttpResponse"
                | "FileSystemStorage"
        ) {
            continue;
        }
        let Some(qualified) = site.function.and_then(|f| checker.model.qualified_name(f)) else {
            continue;
        };
        let call = site.node;
        let q = qualified.as_str();
        if FILE_FIELDS.contains(&q) || MODEL_FILE_FIELDS.contains(&q) {
            file_field(checker, call, q);
        } else if RESPONSES.contains(&q) {
            response(checker, call, name);
        } else if STORAGES.contains(&q) {
            storage(checker, call);
        }
    }
}

/// Whether a call is the value of a class attribute (`file = models.FileField(...)`).
fn is_class_attribute(call: Node) -> bool {
    call.parent()
        .filter(|a| a.kind() == "assignment")
        .and_then(|a| a.parent())
        .filter(|s| s.kind() == "expression_statement")
        .and_then(|s| s.parent())
        .filter(|b| b.kind() == "block")
        .and_then(|b| b.parent())
        .is_some_and(|c| c.kind() == "class_definition")
}

fn file_field(checker: &mut PyChecker, call: Node, qualified: &str) {
    let src = checker.source();
    if !is_class_attribute(call) || node::keyword_arg(call, "validators", src).is_some() {
        return;
    }
    if FILE_FIELDS.contains(&qualified) {
        let field = qualified.rsplit('.').next().unwrap_or("FileField");
        checker.report(Finding::new(
            UNVALIDATED_UPLOAD.code,
            call.byte_range(),
            UNVALIDATED_UPLOAD.severity,
            format!(
                "`{field}` without validators accepts any file type and size: check the extension (`FileExtensionValidator`) and the size, or say here that any file is fine"
            ),
        ));
    }
    if MODEL_FILE_FIELDS.contains(&qualified)
        && let Some(upload_to) = node::keyword_arg(call, "upload_to", src)
        && keeps_client_name(checker, upload_to)
    {
        checker.report(Finding::new(
            CLIENT_FILE_NAME.code,
            upload_to.byte_range(),
            CLIENT_FILE_NAME.severity,
            format!(
                "`{}` stores uploads under the file name (or extension) the client sent, on a field without validators: the client chooses the stored name and type; generate the name and validate the extension",
                node::text(upload_to, src)
            ),
        ));
    }
}

/// Whether an `upload_to` callable returns its `filename` argument unchanged in the path (its
/// summary says the second parameter reaches the result).
fn keeps_client_name(checker: &PyChecker, upload_to: Node) -> bool {
    let upload_to = node::unparenthesize(upload_to);
    if !matches!(upload_to.kind(), "identifier" | "attribute") {
        return false;
    }
    let callee = match checker.model.qualified_name(upload_to) {
        Some(q) => q,
        None if upload_to.kind() == "identifier" => {
            format!("@{}", node::text(upload_to, checker.source()))
        }
        None => return false,
    };
    let Some(lookup) = checker.model.summaries.clone() else {
        return false;
    };
    let Some((_, summary)) = lookup.function(None, &callee) else {
        return false;
    };
    let filename = usize::from(summary.bound);
    let filename = filename + 1;
    if summary.params.len() <= filename {
        return false;
    }
    summary
        .returns
        .as_ref()
        .and_then(|r| r.for_sink(SinkKind::Path))
        .and_then(|f| f.symbolic.as_deref())
        .is_some_and(|s| s.params & (1u64 << filename) != 0)
}

fn response(checker: &mut PyChecker, call: Node, class: &str) {
    let src = checker.source();
    let attachment = node::keyword_arg(call, "as_attachment", src)
        .map(node::unparenthesize)
        .is_some_and(|v| v.kind() != "false" && v.kind() != "none");
    if attachment {
        return;
    }
    let content_type = node::keyword_arg(call, "content_type", src).or_else(|| {
        (class == "HttpResponse")
            .then(|| node::positional_args(call).get(1).copied())
            .flatten()
    });
    let (value, what) = match content_type {
        Some(ct) => (ct, "the content type"),
        None if class == "FileResponse" => match node::keyword_arg(call, "filename", src) {
            Some(f) => (f, "the file name (the content type is guessed from it)"),
            None => return,
        },
        None => return,
    };
    let flow = checker.model.flow_for(value, SinkKind::Html);
    // What the client sends (an upload's declared type, a parameter), not a path segment of the
    // URL: a view that serves a content type from its route is not the case here.
    if flow.level != Level::Request
        || flow
            .source
            .as_deref()
            .is_some_and(|s| s.starts_with("URL parameter"))
    {
        return;
    }
    let label = super::call_label(checker, call);
    let steps = super::steps(checker, value, SinkKind::Html, call, label.clone());
    let path = if steps.is_empty() {
        String::new()
    } else {
        format!(" ({})", crate::rules::injection::describe_path(&steps))
    };
    checker.report(
        Finding::new(
            SERVED_INLINE.code,
            call.byte_range(),
            SERVED_INLINE.severity,
            format!(
                "the client chooses {what} of `{label}`: an uploaded HTML or SVG file is served inline and runs script on the site; serve it as an attachment with a fixed type{path}"
            ),
        )
        .with_steps(steps),
    );
}

/// Why a storage location is dangerous for uploads, from how it is written.
fn dangerous_location(code: &str) -> Option<&'static str> {
    let lower = code.to_ascii_lowercase();
    if code.contains("STATIC_ROOT") || code.contains("STATICFILES_DIRS") {
        return Some("the static files");
    }
    if lower.contains("template") {
        return Some("a template folder");
    }
    if lower.contains("cgi-bin")
        || [
            "'/bin",
            "\"/bin",
            "'/usr/bin",
            "\"/usr/bin",
            "/usr/local/bin",
        ]
        .iter()
        .any(|p| lower.contains(p))
    {
        return Some("an executable location");
    }
    if matches!(code.trim(), "BASE_DIR" | "settings.BASE_DIR") {
        return Some("the project's code folder");
    }
    None
}

fn storage(checker: &mut PyChecker, call: Node) {
    let src = checker.source();
    let Some(location) = node::keyword_arg(call, "location", src)
        .or_else(|| node::positional_args(call).first().copied())
    else {
        return;
    };
    let Some(what) = dangerous_location(node::text(location, src)) else {
        return;
    };
    checker.report(Finding::new(
        UPLOAD_LOCATION.code,
        location.byte_range(),
        UPLOAD_LOCATION.severity,
        format!("uploads are stored in {what}: {}", consequence(what)),
    ));
}

fn consequence(what: &str) -> &'static str {
    match what {
        "a template folder" => {
            "an uploaded file becomes a template the site can render (server-side template injection); use a folder of its own"
        }
        "the static files" => {
            "uploads are served and collected as the site's own assets; use a folder of its own"
        }
        _ => "the server may import or execute uploaded files; use a folder of its own",
    }
}

/// The settings part: `MEDIA_ROOT` in served or executable places, `MEDIA_URL` on the site's
/// origin (production settings, run with the settings family).
pub fn check_settings(settings: &mut Settings, production: &Production) {
    media_root(settings, production);
    media_url(settings, production);
}

/// A path setting's text (`Path` or string), without a trailing `/`.
fn path_of(value: &crate::project::Value) -> Option<String> {
    match &value.kind {
        Kind::Str(s) | Kind::Path(s) if !s.is_empty() => Some(s.trim_end_matches('/').to_string()),
        _ => None,
    }
}

fn inside(path: &str, folder: &str) -> bool {
    !folder.is_empty() && (path == folder || path.starts_with(&format!("{folder}/")))
}

fn media_root(settings: &mut Settings, production: &Production) {
    let Setting::Set(binding) = production.setting("MEDIA_ROOT") else {
        return;
    };
    let Some(media) = path_of(&binding.value) else {
        return;
    };
    let mut folders: Vec<(String, &'static str)> = Vec::new();
    if let Some(s) = production.value("STATIC_ROOT").as_ref().and_then(path_of) {
        folders.push((s, "the static files (`STATIC_ROOT`)"));
    }
    if let Some(items) = production
        .value("STATICFILES_DIRS")
        .as_ref()
        .and_then(|v| v.items().map(<[_]>::to_vec))
    {
        for item in items {
            if let Some(p) = path_of(&item) {
                folders.push((p, "the static files (`STATICFILES_DIRS`)"));
            }
        }
    }
    if let Some(templates) = production
        .value("TEMPLATES")
        .as_ref()
        .and_then(|v| v.items().map(<[_]>::to_vec))
    {
        for engine in templates {
            if let Some(dirs) = engine
                .get("DIRS")
                .and_then(|d| d.items().map(<[_]>::to_vec))
            {
                for dir in dirs {
                    if let Some(p) = path_of(&dir) {
                        folders.push((p, "a template folder (`TEMPLATES` `DIRS`)"));
                    }
                }
            }
        }
    }
    let mut what = folders
        .iter()
        .find(|(f, _)| inside(&media, f))
        .map(|(_, w)| *w);
    if what.is_none()
        && production
            .value("BASE_DIR")
            .as_ref()
            .and_then(path_of)
            .is_some_and(|b| b == media)
    {
        what = Some("the project's code folder (`BASE_DIR`)");
    }
    if what.is_none() && media.split('/').any(|p| p == "cgi-bin" || p == "bin") {
        what = Some("an executable location");
    }
    let Some(what) = what else {
        return;
    };
    let consequence = if what.starts_with("a template") {
        consequence("a template folder")
    } else if what.starts_with("the static") {
        consequence("the static files")
    } else {
        consequence("")
    };
    settings.report(
        production,
        UPLOAD_LOCATION.code,
        None,
        Blame::Assignment(binding),
        UPLOAD_LOCATION.severity,
        format!("`MEDIA_ROOT` stores uploads in {what}: {consequence}"),
        None,
    );
}

fn media_url(settings: &mut Settings, production: &Production) {
    let Setting::Set(binding) = production.setting("MEDIA_URL") else {
        return;
    };
    let Some(url) = binding.value.as_str() else {
        return;
    };
    let same_origin = if url.starts_with('/') && !url.starts_with("//") {
        true
    } else {
        let host = url
            .split_once("://")
            .map_or(url.trim_start_matches('/'), |(_, rest)| rest)
            .split(['/', ':', '?', '#'])
            .next()
            .unwrap_or("");
        !host.is_empty()
            && production
                .value("ALLOWED_HOSTS")
                .as_ref()
                .and_then(|v| v.items().map(<[_]>::to_vec))
                .is_some_and(|hosts| {
                    hosts
                        .iter()
                        .filter_map(|h| h.as_str())
                        .any(|h| h == host || (h.starts_with('.') && host.ends_with(h)))
                })
    };
    if !same_origin {
        return;
    }
    settings.report(
        production,
        MEDIA_SAME_HOST.code,
        None,
        Blame::Assignment(binding),
        MEDIA_SAME_HOST.severity,
        format!(
            "`MEDIA_URL = {url:?}` serves user uploads from the site's own origin: an uploaded HTML or SVG file runs script as the site; a separate domain for user content is safer"
        ),
        None,
    );
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{codes_at_only, project_codes_only};
    use crate::syntax::Language;

    const CODES: &[&str] = &["DJS706", "DJS707", "DJS708", "DJS709", "DJS710"];

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, CODES)
    }

    #[test]
    fn fields_without_validators_and_client_names() {
        let src = "from django.db import models\nfrom django import forms\nfrom rest_framework import serializers\ndef path(instance, filename):\n    return f'docs/{instance.pk}/{filename}'\ndef safe_path(instance, filename):\n    return f'docs/{uuid4().hex}'\nclass Doc(models.Model):\n    a = models.FileField(upload_to='docs/')\n    b = models.FileField(upload_to=path)\n    c = models.ImageField(upload_to=path)\n    d = models.FileField(upload_to=safe_path)\nclass F(forms.Form):\n    f = forms.FileField()\nclass S(serializers.Serializer):\n    s = serializers.FileField()\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS706", 9, 9, "info"),
                ("DJS706", 10, 9, "info"),
                ("DJS707", 10, 36, "info"),
                ("DJS707", 11, 37, "info"),
                ("DJS706", 12, 9, "info"),
                ("DJS706", 14, 9, "info"),
                ("DJS706", 16, 9, "info"),
            ]
        );
    }

    #[test]
    fn silent_on_validated_fields_images_and_migrations() {
        let src = "from django.core.validators import FileExtensionValidator\nfrom django.db import migrations, models\ndef path(instance, filename):\n    return f'docs/{filename}'\nclass Doc(models.Model):\n    a = models.FileField(upload_to=path, validators=[FileExtensionValidator(['pdf'])])\n    b = models.ImageField(upload_to='img/')\nclass Migration(migrations.Migration):\n    operations = [migrations.AddField('doc', 'f', models.FileField(upload_to='x/'))]\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn responses_with_client_types_and_storages() {
        let src = "from django.http import HttpResponse, FileResponse\nfrom django.conf import settings\nfrom django.core.files.storage import FileSystemStorage\ndef v(request):\n    upload = request.FILES['f']\n    HttpResponse(upload.read(), content_type=upload.content_type)\n    FileResponse(upload, filename=upload.name)\n    FileResponse(upload, as_attachment=True, filename=upload.name)\n    HttpResponse(upload.read(), content_type='application/octet-stream')\nstore = FileSystemStorage(location=settings.STATIC_ROOT)\ntemplated = FileSystemStorage(location=settings.BASE_DIR / 'templates' / 'uploads')\nok = FileSystemStorage(location=settings.MEDIA_ROOT)\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS710", 6, 5, "error"),
                ("DJS710", 7, 5, "error"),
                ("DJS708", 10, 36, "warning"),
                ("DJS708", 11, 40, "warning"),
            ]
        );
    }

    #[test]
    fn media_settings() {
        let settings = "from pathlib import Path\nBASE_DIR = Path('/srv/app')\nDEBUG = False\nSECRET_KEY = 'x'\nALLOWED_HOSTS = ['example.com']\nSTATIC_ROOT = BASE_DIR / 'static'\nMEDIA_ROOT = BASE_DIR / 'static' / 'media'\nMEDIA_URL = '/media/'\n";
        let found = project_codes_only(&[("app/settings.py", settings)], "app/settings.py", CODES);
        assert_eq!(
            found,
            vec![("DJS708", 7, 1, "warning"), ("DJS709", 8, 1, "info")]
        );
        let settings = "from pathlib import Path\nBASE_DIR = Path('/srv/app')\nDEBUG = False\nALLOWED_HOSTS = ['example.com']\nSTATIC_ROOT = BASE_DIR / 'static'\nMEDIA_ROOT = BASE_DIR / 'media'\nMEDIA_URL = 'https://media.example-cdn.com/'\n";
        let found = project_codes_only(&[("app/settings.py", settings)], "app/settings.py", CODES);
        assert_eq!(found, vec![]);
    }
}
