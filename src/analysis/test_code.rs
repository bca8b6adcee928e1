//! What djsec promises in test code.
//!
//! Test code is not deployed: a request a test builds, a template it formats, a table name it
//! interpolates, a Host header it reads back reach no user. So no finding in test code keeps the
//! promise of an error ("exploitable as shown") or a warning ("a likely problem"): djsec reports
//! test code at **hint** level at most, as audit information, and says so in the message. The
//! rules whose subject does not exist in tests report nothing there: the access rules (a function
//! in a test module is no view; `rules::access`), the settings rules (test settings are
//! development settings; `project::role_of`).
//!
//! Test code is what [`discover::is_test_path`] says, relative to the project root: `test_*.py`,
//! `*_test.py`, `*_tests.py`, `tests.py`, `conftest.py`, and every file (templates too) under a
//! test directory (`tests/`, `test/`, `testing/`, `test_utils/`, `testutils/`, `testproject/`,
//! `testapp/`, ...). To silence test code entirely, ignore the rules there in the configuration
//! (`[tool.djsec.per-file-ignores]`, `"**/tests/**" = ["ALL"]`).

use std::path::{Path, PathBuf};

use super::{Context, Finding, Severity};
use crate::project::discover;
use crate::rules::Family;

/// Appended to the message of a finding capped in test code.
pub const NOTE: &str = " (in test code, which is not deployed)";

/// Whether the analysed file is test code: [`discover::is_test_path`] of its path relative to
/// the project root. Without a project (a lone file, or the editor before the index is built)
/// only the file's name counts: where the project starts is not known, and a checkout under
/// `~/tests/` is not all tests.
pub fn is_test_file(context: &Context) -> bool {
    context
        .path
        .as_deref()
        .and_then(|p| relative(context, p))
        .is_some_and(|p| discover::is_test_path(&p))
}

fn relative(context: &Context, path: &Path) -> Option<PathBuf> {
    match context.project.as_deref() {
        Some(index) => {
            let full = index.normalize(path);
            Some(
                full.strip_prefix(index.root())
                    .map(Path::to_path_buf)
                    .unwrap_or(full),
            )
        }
        None => path.file_name().map(PathBuf::from),
    }
}

/// Cap the findings of a test file at hint (djsec's own findings, `DJS9xx`, aside).
pub fn cap(findings: &mut [Finding], context: &Context) {
    if findings.is_empty() || !is_test_file(context) {
        return;
    }
    for finding in findings {
        let own = crate::rules::by_code(finding.code).is_some_and(|r| r.family == Family::Meta);
        if own || finding.severity == Severity::Hint {
            continue;
        }
        finding.severity = Severity::Hint;
        finding.message.push_str(NOTE);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::NOTE;
    use crate::analysis::{Context, Severity, analyze_text};
    use crate::project::ProjectIndex;
    use crate::syntax::Language;

    fn in_project(path: &str, src: &str, language: Language) -> Vec<(String, Severity, String)> {
        let root = Path::new("/proj");
        let index = ProjectIndex::from_files(root, &[(path, src)]);
        let context = Context {
            path: Some(root.join(path)),
            project: Some(Arc::new(index)),
            ..Context::default()
        };
        analyze_text(src, language, &context)
            .into_iter()
            .map(|f| (f.code.to_string(), f.severity, f.message))
            .collect()
    }

    const SQL: &str =
        "def f(request, cursor):\n    cursor.execute(f\"SELECT * FROM {request.GET['t']}\")\n";
    const TEMPLATE: &str = "<script>var x = \"{{ value }}\";</script>\n{{ body|safe }}\n";

    /// Seen in pulpcore's and Wagtail's tests (DJS201 on a formatted table name), django-cms's
    /// `test_utils/project/templates/` (DJS5xx): the same code outside tests keeps its severity.
    #[test]
    fn test_code_is_reported_as_hints() {
        for path in [
            "app/tests.py",
            "app/tests/test_models.py",
            "app/test_views.py",
            "conftest.py",
            "cms/test_utils/project/views.py",
            "pretix/testutils/helpers.py",
        ] {
            let found = in_project(path, SQL, Language::Python);
            assert!(!found.is_empty(), "{path}");
            for (code, severity, message) in &found {
                assert_eq!(*severity, Severity::Hint, "{path}: {code}");
                assert!(message.ends_with(NOTE), "{path}: {message}");
            }
        }
        let outside = in_project("app/db.py", SQL, Language::Python);
        assert!(
            outside
                .iter()
                .any(|(_, s, _)| matches!(s, Severity::Error | Severity::Warning)),
            "{outside:?}"
        );
        let template = in_project(
            "cms/test_utils/project/templates/page.html",
            TEMPLATE,
            Language::Template,
        );
        assert!(!template.is_empty());
        assert!(template.iter().all(|(_, s, _)| *s == Severity::Hint));
        let template = in_project("app/templates/page.html", TEMPLATE, Language::Template);
        assert!(
            template
                .iter()
                .any(|(_, s, _)| matches!(s, Severity::Error | Severity::Warning))
        );
    }

    /// A project that lives under a `tests/` folder is not all tests; a look-alike folder is not
    /// a test folder.
    #[test]
    fn paths_are_judged_from_the_project_root() {
        let root = Path::new("/work/tests/proj");
        let index = ProjectIndex::from_files(root, &[("app/db.py", SQL)]);
        let context = Context {
            path: Some(root.join("app/db.py")),
            project: Some(Arc::new(index)),
            ..Context::default()
        };
        assert!(!super::is_test_file(&context));
        let found = in_project("testimonials/db.py", SQL, Language::Python);
        assert!(
            found
                .iter()
                .any(|(_, s, _)| matches!(s, Severity::Error | Severity::Warning))
        );
    }

    /// Without a project, only the file's name says test code.
    #[test]
    fn lone_files_are_judged_by_their_name() {
        let lone = |path: &str| {
            let context = Context::for_path(Path::new(path));
            analyze_text(SQL, Language::Python, &context)
                .into_iter()
                .map(|f| f.severity)
                .collect::<Vec<_>>()
        };
        assert!(lone("/home/me/tests/proj/app/db.py").contains(&Severity::Error));
        assert!(!lone("/home/me/proj/app/test_db.py").is_empty());
        assert!(
            lone("/home/me/proj/app/test_db.py")
                .iter()
                .all(|s| *s == Severity::Hint)
        );
    }

    /// djsec's own findings (an unused suppression) are not about test code: left as they are.
    #[test]
    fn djsec_findings_keep_their_severity() {
        let src = "x = 1  # djsec: ignore[DJS101]\n";
        let found = in_project("app/tests.py", src, Language::Python);
        assert!(
            found
                .iter()
                .any(|(c, _, m)| c == "DJS901" && !m.ends_with(NOTE)),
            "{found:?}"
        );
    }
}
