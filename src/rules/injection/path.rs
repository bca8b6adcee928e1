//! DJS603 `path-traversal`: request data in the path of a file opened, written, removed or
//! listed.

use tree_sitter::Node;

use super::Hit;
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Fix, Severity, Step};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Level, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS603",
    name: "path-traversal",
    family: Family::Injection,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "Request data reaches the path of a file the server opens, writes, removes or lists.",
    django_checks: &[],
    peers: &[
        "semgrep:path-traversal-open",
        "semgrep:path-traversal-join",
        "semgrep:path-traversal-file-name",
        "semgrep:request-data-fileresponse",
    ],
    docs: r#"
## What it does
Reports request data (followed through local variables, `os.path.join()`, `pathlib` paths
(`BASE_DIR / name`) and the project's helpers) that reaches the path of:

- `open()`, `io.open()`, `codecs.open()`, `os.open()` — so also `FileResponse(open(path, "rb"))`;
- `os.remove()`, `os.unlink()`, `os.rename()`, `os.replace()`, `os.makedirs()`, `os.listdir()`,
  `os.walk()`, `os.chmod()`, ..., `shutil.copy()`/`copyfile()`/`copytree()`/`move()`/`rmtree()`,
  `glob.glob()`, `zipfile.ZipFile()`, `tarfile.open()`, `shelve.open()`;
- methods of a `pathlib.Path` built from it: `.open()`, `.read_text()`, `.write_bytes()`,
  `.unlink()`, ...;
- django-sendfile's `sendfile(request, path)`;
- Django's storages: `default_storage.open()` / `delete()` and `FileSystemStorage(...)`'s
  (not `save()`, which rejects `..` and absolute names and never overwrites a file).

Not reported: names passed through `django.utils._os.safe_join()`, `os.path.basename()`,
`get_valid_filename()`, `slugify()` or werkzeug's `secure_filename()`, numbers and UUIDs
(`int()`, `uuid.UUID()`), names checked against an allow-list or against the files that exist
(`if name in os.listdir(BASE)`), constants.

Severity: an **error** when request data reaches the path. A **warning** when the API keeps the
name inside its folder (Django's storages reject `..` and absolute names since 3.2, so the
client still chooses *which* file: another user's upload), and when the data is an uploaded
file's `.name` (Django strips folders from it, so the client chooses a file name in the folder,
and can overwrite one). Values of unknown origin are not reported.

## Why is this bad?
`../` and absolute paths leave the intended folder: the client reads `settings.py` or
`/etc/passwd`, overwrites code or templates, or deletes files.

## Example
```python
import os
from django.http import FileResponse

def download(request):
    name = request.GET["file"]
    return FileResponse(open(os.path.join(REPORTS_DIR, name), "rb"))
```

Use instead:
```python
from django.http import FileResponse
from django.utils._os import safe_join

def download(request):
    name = request.GET["file"]
    return FileResponse(open(safe_join(REPORTS_DIR, name), "rb"))
```

## Fix
When the path is `os.path.join(base, ...)` — written in the call, or assigned once to the name
the call uses — the quick-fix replaces it with Django's `safe_join(base, ...)` (and imports it),
which raises `SuspiciousFileOperation` when the result leaves `base`. Otherwise check the name
against an allow-list, or keep only `os.path.basename()` of it under a fixed folder.

## Fix safety
Unsafe: `safe_join()` raises `SuspiciousFileOperation` (a 400 response in a view) for paths that
leave the folder, and returns an absolute, normalised path.

## References
- Django: [`safe_join`](https://github.com/django/django/blob/main/django/utils/_os.py), [`FileResponse`](https://docs.djangoproject.com/en/stable/ref/request-response/#fileresponse-objects)
- OWASP: Path Traversal; CWE-22
"#,
};

/// Whether the data is an uploaded file's name (`request.FILES["f"].name`, `upload.name`), which
/// Django reduces to a base name.
pub(crate) fn is_upload_name(steps: &[Step]) -> bool {
    steps.iter().any(|s| s.label.ends_with(".name"))
}

pub(crate) fn message(hit: &Hit, upload_name: bool) -> String {
    let origin = super::origin(&hit.flow);
    let label = hit.label.clone();
    if upload_name {
        return format!(
            "the client's file name of an upload chooses the file `{label}` uses: Django strips folders from it, but the client picks any name in that folder (and can overwrite one); generate the name"
        );
    }
    match hit.flow.level {
        Level::Request if hit.sink.contained => format!(
            "{origin} chooses the file `{label}` uses: the storage keeps it in its folder, but the client picks any file there (another user's upload); check the name against the user's own files"
        ),
        _ => format!(
            "{origin} reaches the path of `{label}`: `../` and absolute paths reach any file the server can read or write; use `safe_join()` under a fixed folder"
        ),
    }
}

/// `os.path.join(BASE, name)` → `safe_join(BASE, name)`, in the call or in the one assignment of
/// the name it uses.
pub(crate) fn fix(checker: &PyChecker, hit: &Hit) -> Option<Fix> {
    if hit.flow.level != Level::Request || hit.sink.contained {
        return None;
    }
    let join = join_call(checker, hit.value, 0)?;
    let function = join.field(Field::Function)?;
    let args = join.field(Field::Arguments)?;
    let mut cursor = args.walk();
    let plain = args
        .named_children(&mut cursor)
        .filter(|a| a.kind() != "comment")
        .all(|a| {
            !matches!(
                a.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat"
            )
        });
    if !plain || node::positional_args(join).len() < 2 {
        return None;
    }
    let (local, import) = checker.ensure_import("django.utils._os", "safe_join")?;
    let mut edits = vec![Edit::replace(function.byte_range(), local)];
    edits.extend(import);
    Some(Fix::unsafe_(
        "Join with `safe_join()`, which refuses paths that leave the folder",
        edits,
    ))
}

/// The `os.path.join(...)` call a path is: the expression itself, or the value of the one
/// assignment of a name before its use.
fn join_call<'t>(checker: &PyChecker<'t>, value: Node<'t>, depth: u32) -> Option<Node<'t>> {
    let value = node::unparenthesize(value);
    match value.kind() {
        "call" => {
            let function = value.field(Field::Function)?;
            let q = checker.model.qualified_name(function)?;
            matches!(q.as_str(), "os.path.join" | "posixpath.join").then_some(value)
        }
        "identifier" if depth < 2 => {
            let src = checker.source();
            let index = &checker.model.index;
            let bindings = index.bindings(index.scope_at(value), node::text(value, src));
            let before: Vec<_> = bindings
                .iter()
                .filter(|b| b.node.end_byte() <= value.start_byte())
                .collect();
            match before.as_slice() {
                [only] if !only.augmented => join_call(checker, only.value?, depth + 1),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at_only, findings};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS603"])
    }

    #[test]
    fn flags_files_from_the_request() {
        let src = "import os, shutil\nfrom pathlib import Path\nfrom django.conf import settings\nfrom django.core.files.storage import default_storage\nfrom django.http import FileResponse\ndef v(request, name):\n    f = request.GET['file']\n    FileResponse(open(os.path.join(settings.MEDIA_ROOT, f), 'rb'))\n    os.remove(f'/tmp/{name}')\n    shutil.copy('/tmp/a', request.POST['dst'])\n    (settings.BASE_DIR / f).read_text()\n    p = Path('/srv') / f\n    p.unlink()\n    default_storage.open(f)\n    upload = request.FILES['doc']\n    open(os.path.join('/srv/uploads', upload.name), 'wb')\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS603", 8, 18, "error"),
                ("DJS603", 9, 5, "error"),
                ("DJS603", 10, 5, "error"),
                ("DJS603", 11, 5, "error"),
                ("DJS603", 13, 5, "error"),
                ("DJS603", 14, 5, "warning"),
                ("DJS603", 16, 5, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_sanitized_names_and_constants() {
        let src = "import os, uuid\nfrom django.utils._os import safe_join\nfrom django.utils.text import get_valid_filename\nBASE = '/srv/reports'\ndef v(request):\n    f = request.GET['file']\n    open(safe_join(BASE, f))\n    open(os.path.join(BASE, os.path.basename(f)))\n    open(os.path.join(BASE, get_valid_filename(f)))\n    open(os.path.join(BASE, str(uuid.UUID(f))))\n    open('/etc/app.conf')\n    if f in os.listdir(BASE):\n        open(os.path.join(BASE, f))\n    open(os.path.join(BASE, load_name()))\n    with open(BASE) as fh:\n        fh.read()\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn message_and_fix_use_safe_join() {
        let src = "import os\nfrom django.http import FileResponse\nBASE = '/srv/reports'\ndef v(request):\n    name = request.GET['file']\n    path = os.path.join(BASE, name)\n    return FileResponse(open(path, 'rb'))\n";
        let found = findings(src);
        let Some(f) = found.iter().find(|f| f.code == "DJS603") else {
            panic!("no DJS603 in {found:?}");
        };
        assert!(
            f.message
                .ends_with("(`request.GET['file']` → `name` → `path` → `open()`)"),
            "{}",
            f.message
        );
        let fixed = assert_fix(src, "DJS603");
        assert!(
            fixed.contains("from django.utils._os import safe_join\n"),
            "{fixed}"
        );
        assert!(fixed.contains("path = safe_join(BASE, name)"), "{fixed}");
        // `os` is no longer used: its import goes too.
        assert!(!fixed.contains("import os"), "{fixed}");
    }
}
