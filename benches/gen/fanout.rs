//! The workspace of the latency bench's `--fanout` scenario (issue 19: keystroke cost while a
//! summary used by many modules changes): a Django project whose `shop/helpers.py` defines a
//! sanitizer, `clean_text()`, that `fanout` view modules import and call on request data before
//! `mark_safe()`, plus modules that do not use it.
//!
//! The script types into `helpers.py`: one keystroke comments out `text = escape(text)` (a `#`
//! at the start of the statement: `clean_text()` now returns its argument unescaped, every
//! dependent's `mark_safe(clean_text(request.GET[...]))` becomes a DJS101 error), typing and
//! deleting a word in the function's docstring changes no summary, and deleting the `#` puts the
//! sanitizer back.
//!
//! Included by `benches/latency.rs` and `benches/instructions.rs` as
//! `#[path = "gen/fanout.rs"] mod fanout;`, next to
//! `gen/mod.rs` as `generate` (whose modules it reuses as the bulk of each file).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::generate::{self, Rng, ScriptEdit};

/// The edited module, relative to the project root.
pub const HELPER: &str = "shop/helpers.py";

/// What is typed into the sanitizer's docstring (a keystroke that changes no summary).
pub const WORD: &str = "note";

/// One edit of the cycle, and whether it changes the value of `clean_text()`'s summary (and so
/// the findings of every module that uses it).
#[derive(Debug, Clone)]
pub struct FanoutEdit {
    pub edit: ScriptEdit,
    pub changes_summary: bool,
}

/// The generated project: paths are relative to its root.
pub struct Fanout {
    pub helper_text: String,
    /// The modules that call `clean_text()` on request data.
    pub dependents: Vec<(String, String)>,
    /// Modules of the same kind that do not import the helper module.
    pub unrelated: Vec<(String, String)>,
    /// Edits of `helpers.py` that end with its text again.
    pub cycle: Vec<FanoutEdit>,
    pub lines: usize,
}

const SETTINGS: &str = "import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]
DEBUG = False
ALLOWED_HOSTS = [\"example.com\"]
SECURE_HSTS_SECONDS = 31536000
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
INSTALLED_APPS = [
    \"django.contrib.auth\",
    \"django.contrib.contenttypes\",
    \"django.contrib.sessions\",
    \"shop\",
]
MIDDLEWARE = [
    \"django.middleware.security.SecurityMiddleware\",
    \"django.contrib.sessions.middleware.SessionMiddleware\",
    \"django.middleware.csrf.CsrfViewMiddleware\",
    \"django.contrib.auth.middleware.AuthenticationMiddleware\",
]
ROOT_URLCONF = \"config.urls\"
";

const MANAGE: &str = "import os
import sys

if __name__ == \"__main__\":
    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"config.settings\")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
";

/// The sanitizer whose summary the script toggles.
const CLEAN_TEXT: &str = "def clean_text(value):
    \"\"\"Text from a visitor, made safe to show in a page.\"\"\"
    text = str(value).strip()
    text = escape(text)
    return text


";

/// The view every dependent module ends with.
const BANNER_VIEW: &str = "

def fanout_banner(request):
    \"\"\"The banner text the visitor asked for.\"\"\"
    return HttpResponse(mark_safe(clean_text(request.GET.get(\"banner\", \"\"))))
";

/// `text` with `insert` after the first line that starts with `after` (at the end if none).
fn insert_after(text: &str, after: &str, insert: &str) -> String {
    let mut out = String::with_capacity(text.len() + insert.len());
    let mut done = false;
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        if !done && line.starts_with(after) {
            out.push_str(insert);
            done = true;
        }
    }
    if !done {
        out.push_str(insert);
    }
    out
}

/// The helper module: the generated header, `clean_text()`, then clean generated code up to
/// about `lines` lines.
pub fn helper_module(lines: usize, seed: u64) -> String {
    let body = generate::clean_module(lines, seed);
    insert_after(&body, "CACHE_SECONDS", &format!("\n\n{CLEAN_TEXT}"))
}

/// [`helper_module`]'s text with `clean_text()`'s `escape()` commented out (what the first edit
/// of [`cycle`] makes of it).
pub fn unsafe_helper(text: &str) -> String {
    text.replacen("    text = escape(text)", "    #text = escape(text)", 1)
}

/// A view module of about `lines` lines that imports `clean_text()` and calls it on request data
/// in its last view, `fanout_banner`.
pub fn dependent_module(lines: usize, seed: u64) -> String {
    let module = generate::python_module(lines, seed);
    insert_after(
        &module,
        "from django import forms",
        "\nfrom shop.helpers import clean_text\n",
    ) + BANNER_VIEW
}

/// The cycle typed into `text` (a [`helper_module`]).
pub fn cycle(text: &str) -> Vec<FanoutEdit> {
    let lines: Vec<&str> = text.lines().collect();
    let toggle = lines
        .iter()
        .position(|l| *l == "    text = escape(text)")
        .unwrap_or(0) as u32;
    let (doc, doc_line) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains("made safe to show in a page."))
        .map(|(i, l)| (i as u32, *l))
        .unwrap_or((0, ""));
    let doc_column = doc_line.find("page.").map_or(0, |c| c + "page.".len()) as u32;
    let edit = |start: (u32, u32), end: (u32, u32), text: &str, changes_summary| FanoutEdit {
        edit: ScriptEdit {
            start,
            end,
            text: text.to_string(),
            measured: true,
        },
        changes_summary,
    };
    let word = |out: &mut Vec<FanoutEdit>| {
        for (i, c) in WORD.chars().enumerate() {
            let at = (doc, doc_column + i as u32);
            out.push(edit(at, at, &c.to_string(), false));
        }
        for i in (0..WORD.chars().count() as u32).rev() {
            out.push(edit(
                (doc, doc_column + i),
                (doc, doc_column + i + 1),
                "",
                false,
            ));
        }
    };
    let mut out = vec![edit((toggle, 4), (toggle, 4), "#", true)];
    word(&mut out);
    out.push(edit((toggle, 4), (toggle, 5), "", true));
    word(&mut out);
    out
}

/// Write the project under `root`: `dependents` view modules that use `clean_text()` and
/// `unrelated` ones that do not, each 150–600 lines, and a `helpers.py` of about
/// `helper_lines` lines.
pub fn write(
    root: &Path,
    dependents: usize,
    unrelated: usize,
    helper_lines: usize,
    seed: u64,
) -> io::Result<Fanout> {
    let mut rng = Rng::new(seed);
    let mut lines = 0;
    let mut write = |rel: &str, text: &str| -> io::Result<()> {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        lines += text.lines().count();
        std::fs::write(path, text)
    };
    write("manage.py", MANAGE)?;
    write("config/__init__.py", "")?;
    write("config/settings.py", SETTINGS)?;
    write(
        "config/urls.py",
        "from django.urls import include, path\n\nurlpatterns = [\n    path(\"shop/\", include(\"shop.urls\")),\n]\n",
    )?;
    write("shop/__init__.py", "")?;
    let helper_text = helper_module(helper_lines, seed);
    write(HELPER, &helper_text)?;
    let mut urls = String::from("from django.urls import path\n\nfrom . import (\n");
    let mut routes = String::from("urlpatterns = [\n");
    let mut dependent_files = Vec::new();
    for i in 0..dependents {
        let size = rng.range(150, 600);
        let text = dependent_module(size, rng.next_u64());
        let rel = format!("shop/views_{i:02}.py");
        write(&rel, &text)?;
        let _ = writeln!(urls, "    views_{i:02},");
        let _ = writeln!(
            routes,
            "    path(\"banner/{i}/\", views_{i:02}.fanout_banner, name=\"banner_{i}\"),"
        );
        dependent_files.push((rel, text));
    }
    let mut unrelated_files = Vec::new();
    for i in 0..unrelated {
        let size = rng.range(150, 600);
        let text = generate::python_module(size, rng.next_u64());
        let rel = format!("shop/other_{i:02}.py");
        write(&rel, &text)?;
        unrelated_files.push((rel, text));
    }
    urls.push_str(")\n\n");
    if dependents == 0 {
        urls = String::from("from django.urls import path\n\n");
    }
    urls.push_str(&routes);
    urls.push_str("]\n");
    write("shop/urls.py", &urls)?;
    let cycle = cycle(&helper_text);
    Ok(Fanout {
        helper_text,
        dependents: dependent_files,
        unrelated: unrelated_files,
        cycle,
        lines,
    })
}
