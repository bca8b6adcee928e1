//! Test helpers for the settings rules: analyse one file of an in-memory project (or a lone
//! file), list findings by line:column, apply fixes and re-analyse.

use std::path::Path;
use std::sync::Arc;

use crate::analysis::testing::assert_fix_by;
use crate::analysis::{Applicability, Context, Finding, LineIndex, analyze_text};
use crate::project::ProjectIndex;
use crate::syntax::Language;

/// The project root of in-memory test projects.
pub const ROOT: &str = "/proj";

fn context(files: &[(&str, &str)], path: &str) -> Context {
    let index = ProjectIndex::from_files(Path::new(ROOT), files);
    Context {
        path: Some(Path::new(ROOT).join(path)),
        project: Some(Arc::new(index)),
        ..Context::default()
    }
}

/// The text of `path` in `files`.
fn text_of<'f>(files: &[(&str, &'f str)], path: &str) -> &'f str {
    files
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no file {path} in the test project"))
}

/// Findings of `path` analysed within the project `files` (paths relative to [`ROOT`]).
pub fn project_findings(files: &[(&str, &str)], path: &str) -> Vec<Finding> {
    analyze_text(
        text_of(files, path),
        Language::Python,
        &context(files, path),
    )
}

/// Findings of a lone file (no project index), at `path`.
pub fn lone_findings(path: &str, src: &str) -> Vec<Finding> {
    let context = Context::for_path(Path::new(ROOT).join(path));
    analyze_text(src, Language::Python, &context)
}

/// `(code, line, column, severity)` of `findings` in `src`, one-based.
pub fn located(src: &str, findings: &[Finding]) -> Vec<(&'static str, usize, usize, &'static str)> {
    let lines = LineIndex::new(src);
    findings
        .iter()
        .map(|f| {
            let (line, col) = lines.line_col(src, f.range.start);
            (f.code, line, col, f.severity.as_str())
        })
        .collect()
}

/// `(code, line, column, severity)` for `path` in the project.
pub fn codes_in(
    files: &[(&str, &str)],
    path: &str,
) -> Vec<(&'static str, usize, usize, &'static str)> {
    located(text_of(files, path), &project_findings(files, path))
}

/// Codes of a lone settings module at `settings.py`, sorted and deduplicated.
pub fn codes(src: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = lone_findings("mysite/settings.py", src)
        .iter()
        .map(|f| f.code)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `(code, line, column, severity)` of a lone `mysite/settings.py`.
pub fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
    located(src, &lone_findings("mysite/settings.py", src))
}

/// Findings of the lone `mysite/settings.py` with one code.
pub fn with_code(src: &str, code: &str) -> Vec<Finding> {
    lone_findings("mysite/settings.py", src)
        .into_iter()
        .filter(|f| f.code == code)
        .collect()
}

/// Applicability of the fixes of `code` findings of the lone `mysite/settings.py`.
pub fn fix_applicability(src: &str, code: &str) -> Vec<&'static str> {
    with_code(src, code)
        .into_iter()
        .map(|f| match f.fix.map(|x| x.applicability) {
            Some(Applicability::Safe) => "safe",
            Some(Applicability::Unsafe) => "unsafe",
            None => "none",
        })
        .collect()
}

/// Apply the fixes of `code` in `path` of the project one at a time, re-analysing (with the
/// project updated) after each; return the final text. Fails if a fix yields a syntax error,
/// does not remove its finding, or none was offered.
pub fn assert_fix_in(files: &[(&str, &str)], path: &str, code: &str) -> String {
    assert_fix_by(Language::Python, text_of(files, path), code, |text| {
        let project: Vec<(&str, &str)> = files
            .iter()
            .map(|&(p, t)| (p, if p == path { text } else { t }))
            .collect();
        project_findings(&project, path)
    })
}

/// [`assert_fix_in`] for a one-file project `mysite/settings.py`.
pub fn assert_fix(src: &str, code: &str) -> String {
    assert_fix_in(&[("mysite/settings.py", src)], "mysite/settings.py", code)
}

/// A settings module that passes every Django deployment check and every djsec rule.
pub const SECURE: &str = r#"import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["example.com"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "csp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
"#;

/// [`SECURE`] with `old` replaced by `new` (which must occur).
pub fn secure_with(old: &str, new: &str) -> String {
    assert!(SECURE.contains(old), "SECURE has no {old:?}");
    SECURE.replacen(old, new, 1)
}

/// [`SECURE`] with lines appended.
pub fn secure_plus(extra: &str) -> String {
    format!("{SECURE}{extra}")
}
