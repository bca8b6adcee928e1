//! `djsec check PATH...`: the engine over files and folders, in parallel.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;

use super::exit;
use crate::analysis::{self, Applicability, Context, Finding, LineIndex};
use crate::syntax::Language;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Only these rules: codes, code prefixes or family names (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules: codes, code prefixes or family names (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// A finding located in a file, as the JSON output shows it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Located {
    pub path: String,
    /// One-based line and column (columns count Unicode characters).
    pub line: usize,
    pub column: usize,
    pub end: LineCol,
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub fix: Option<FixJson>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct FixJson {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<EditJson>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct EditJson {
    pub start: LineCol,
    pub end: LineCol,
    pub content: String,
}

#[derive(Serialize)]
struct Report<'a> {
    version: &'static str,
    findings: &'a [Located],
    errors: &'a [String],
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    errors: usize,
}

/// Directories never worth walking into.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".git",
    ".hg",
    "site-packages",
    ".mypy_cache",
    ".ruff_cache",
    "target",
];

/// The files to check under the given paths: Python files and templates. Files named explicitly
/// are checked whatever their location (an explicit `.html` is treated as a template).
pub fn collect_files(paths: &[PathBuf]) -> (Vec<(PathBuf, Language)>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_file() {
            let language = Language::from_path(path).or_else(|| {
                matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("html" | "htm" | "txt" | "djhtml")
                )
                .then_some(Language::Template)
            });
            match language {
                Some(l) => files.push((path.clone(), l)),
                None => errors.push(format!("{}: not a Python file or template", path.display())),
            }
            continue;
        }
        if !path.exists() {
            errors.push(format!("{}: no such file or directory", path.display()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .follow_links(false)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && e.file_name()
                        .to_str()
                        .is_some_and(|n| SKIPPED_DIRS.contains(&n)))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    if let Some(l) = Language::from_path(e.path()) {
                        files.push((e.into_path(), l));
                    }
                }
                Ok(_) => {}
                Err(err) => errors.push(err.to_string()),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// Read a file as text: invalid UTF-8 is replaced (with a warning), never a crash.
pub fn read_text(path: &Path) -> std::io::Result<(String, Option<String>)> {
    let bytes = std::fs::read(path)?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, None)),
        Err(err) => Ok((
            String::from_utf8_lossy(err.as_bytes()).into_owned(),
            Some(format!(
                "{}: not valid UTF-8; invalid bytes replaced",
                path.display()
            )),
        )),
    }
}

/// Analyse one file's text and locate its findings.
pub fn locate(path_label: &str, text: &str, findings: &[Finding]) -> Vec<Located> {
    let lines = LineIndex::new(text);
    let lc = |byte: usize| {
        let (line, column) = lines.line_col(text, byte);
        LineCol { line, column }
    };
    findings
        .iter()
        .map(|f| {
            let start = lc(f.range.start);
            Located {
                path: path_label.to_string(),
                line: start.line,
                column: start.column,
                end: lc(f.range.end),
                code: f.code,
                name: crate::rules::by_code(f.code).map_or("", |r| r.name),
                severity: f.severity.as_str(),
                message: f.message.clone(),
                fix: f.fix.as_ref().map(|fix| FixJson {
                    title: fix.title.clone(),
                    applicability: fix.applicability,
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| EditJson {
                            start: lc(e.range.start),
                            end: lc(e.range.end),
                            content: e.new_text.clone(),
                        })
                        .collect(),
                }),
            }
        })
        .collect()
}

/// One file's findings and a warning about how it was read, or why it could not be.
type FileResult = Result<(Vec<Located>, Option<String>), String>;

pub fn run(args: &CheckArgs, out: &mut impl Write, err: &mut impl Write) -> i32 {
    let (files, mut errors) = collect_files(&args.paths);
    let rules = crate::analysis::RuleSettings {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        severity: Vec::new(),
    };
    let rules = std::sync::Arc::new(rules);
    let results: Vec<FileResult> = files
        .par_iter()
        .map(|(path, language)| {
            let (text, warning) =
                read_text(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let context = Context {
                path: Some(path.clone()),
                rules: std::sync::Arc::clone(&rules),
                ..Context::default()
            };
            let findings = analysis::analyze_text(&text, *language, &context);
            Ok((
                locate(&path.display().to_string(), &text, &findings),
                warning,
            ))
        })
        .collect();
    let mut located = Vec::new();
    for result in results {
        match result {
            Ok((found, warning)) => {
                located.extend(found);
                if let Some(w) = warning {
                    let _ = writeln!(err, "warning: {w}");
                }
            }
            Err(e) => errors.push(e),
        }
    }
    for e in &errors {
        let _ = writeln!(err, "error: {e}");
    }
    let written = match args.format {
        OutputFormat::Json => {
            let report = Report {
                version: env!("CARGO_PKG_VERSION"),
                findings: &located,
                errors: &errors,
                summary: Summary {
                    files: files.len(),
                    findings: located.len(),
                    errors: errors.len(),
                },
            };
            serde_json::to_writer_pretty(&mut *out, &report)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
        OutputFormat::Text => write_text(&located, files.len(), out),
    };
    if written.is_err() || !errors.is_empty() {
        exit::ERROR
    } else if located.is_empty() || args.exit_zero {
        exit::CLEAN
    } else {
        exit::FINDINGS
    }
}

fn write_text(located: &[Located], files: usize, out: &mut impl Write) -> std::io::Result<()> {
    for f in located {
        let fixable = match &f.fix {
            Some(fix) if fix.applicability == Applicability::Safe => " [*]",
            Some(_) => " [fix]",
            None => "",
        };
        writeln!(
            out,
            "{}:{}:{}: {} {}{} ({})",
            f.path, f.line, f.column, f.code, f.message, fixable, f.severity
        )?;
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    writeln!(
        out,
        "{} in {}.",
        plural(located.len(), "finding"),
        plural(files, "file")
    )
}
