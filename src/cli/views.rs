//! `djsec views [PATH]`: the attack surface of a Django project — every route the URLconf
//! reaches, with its view, where the view is defined, the HTTP methods it answers, how callers
//! authenticate, what authorizes them and what the view does. A table, or `--format json`.
//!
//! The same model the access rules use (`rules::access::describe`), so the table is also how a
//! reviewer checks djsec's reasoning.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::exit;
use crate::config::discover::Resolver;
use crate::project::ProjectIndex;
use crate::rules::access::describe::{self, ViewSummary};

#[derive(Debug, Args)]
pub struct ViewsArgs {
    /// The project folder (default: the current folder).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ViewsFormat::Text)]
    pub format: ViewsFormat,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViewsFormat {
    /// An aligned table.
    Text,
    /// JSON (see docs/access.md).
    Json,
}

/// One row: a route to a view.
#[derive(Debug, Serialize)]
struct Row {
    route: String,
    url_name: Option<String>,
    view: String,
    kind: String,
    path: String,
    line: usize,
    methods: Vec<String>,
    authentication: String,
    authorization: String,
    protected_by: Vec<String>,
    urls_wrappers: Vec<String>,
    does: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    root: String,
    django: Option<String>,
    /// Whether the URLconf was read completely from `ROOT_URLCONF`.
    urlconf_complete: bool,
    routes: Vec<Row>,
}

pub fn run(args: &ViewsArgs, out: &mut impl Write, err: &mut impl Write) -> i32 {
    let Ok(cwd) = std::env::current_dir() else {
        let _ = writeln!(err, "error: cannot read the current folder");
        return exit::ERROR;
    };
    if !args.path.exists() {
        let _ = writeln!(
            err,
            "error: {}: no such file or folder",
            args.path.display()
        );
        return exit::ERROR;
    }
    let Some(root) = crate::project::find_root(std::slice::from_ref(&args.path), &cwd) else {
        let _ = writeln!(err, "error: no project folder");
        return exit::ERROR;
    };
    let index = Arc::new(ProjectIndex::build(&root));
    let mut config = Resolver::new(Vec::new(), args.isolated, root.clone());
    let access = index.access();
    let mut rows = Vec::new();
    for (file, views) in &access.routes {
        let summaries = match summaries_of(file, &index, &mut config) {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(err, "warning: {e}");
                Vec::new()
            }
        };
        let by_name: BTreeMap<&str, &ViewSummary> =
            summaries.iter().map(|s| (s.name.as_str(), s)).collect();
        let shown = relative(file, index.root());
        for (name, routes) in views {
            let summary = by_name.get(name.as_str());
            for route in routes {
                rows.push(Row {
                    route: format!("/{}", route.route.trim_start_matches('/')),
                    url_name: route.name.clone(),
                    view: name.clone(),
                    kind: summary.map_or("unknown".to_string(), |s| s.kind.clone()),
                    path: shown.clone(),
                    line: summary.map_or(0, |s| s.line + 1),
                    methods: summary.map_or_else(Vec::new, |s| s.methods.clone()),
                    authentication: summary.map_or("unknown (view not found)".to_string(), |s| {
                        s.authentication.clone()
                    }),
                    authorization: summary
                        .map_or("unknown".to_string(), |s| s.authorization.clone()),
                    protected_by: summary.map_or_else(Vec::new, |s| s.protected_by.clone()),
                    urls_wrappers: route.wrappers.clone(),
                    does: summary.map_or_else(Vec::new, |s| s.does.clone()),
                });
            }
        }
    }
    rows.sort_by(|a, b| (&a.route, &a.path, a.line).cmp(&(&b.route, &b.path, b.line)));
    let report = Report {
        root: root.display().to_string(),
        django: index
            .django_version()
            .map(|v| format!("{} ({})", v.label(), v.source)),
        urlconf_complete: access.urlconf_complete,
        routes: rows,
    };
    let written = match args.format {
        ViewsFormat::Json => serde_json::to_writer_pretty(&mut *out, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        ViewsFormat::Text => write_table(out, &report),
    };
    match written {
        Ok(()) => exit::CLEAN,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            exit::ERROR
        }
    }
}

/// The views of one file, analysed with its configuration and the project index.
fn summaries_of(
    file: &Path,
    index: &Arc<ProjectIndex>,
    config: &mut Resolver,
) -> Result<Vec<ViewSummary>, String> {
    let (text, _) = super::walk::read_text(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let settings = config
        .settings_for(file)
        .map_err(|errors| format!("{}: {} configuration errors", file.display(), errors.len()))?;
    let mut context = settings.context_for(Some(file.to_path_buf()));
    context.project = Some(Arc::clone(index));
    let tree = crate::syntax::python::parse(&text, None);
    Ok(describe::describe(&text, &tree, &context))
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
        .replace('\\', "/")
}

fn write_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let header = [
        "ROUTE",
        "VIEW",
        "DEFINED AT",
        "METHODS",
        "AUTHENTICATION",
        "AUTHORIZATION",
        "DOES",
    ];
    let cells: Vec<[String; 7]> = report
        .routes
        .iter()
        .map(|r| {
            [
                match &r.url_name {
                    Some(n) => format!("{} ({n})", r.route),
                    None => r.route.clone(),
                },
                r.view.clone(),
                format!("{}:{}", r.path, r.line),
                r.methods.join(","),
                r.authentication.clone(),
                r.authorization.clone(),
                r.does.join("; "),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row.iter()).take(6) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, row: &[String]| -> std::io::Result<()> {
        let mut text = String::new();
        for (i, c) in row.iter().enumerate() {
            if i == row.len() - 1 {
                text.push_str(c);
            } else {
                let pad = widths[i].saturating_sub(c.chars().count());
                text.push_str(c);
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, &header.map(str::to_string))?;
    for row in &cells {
        line(out, row)?;
    }
    writeln!(out)?;
    let django = report
        .django
        .as_deref()
        .map_or("Django version unknown".to_string(), |d| {
            format!("Django {d}")
        });
    let urlconf = if report.urlconf_complete {
        "URLconf read completely from ROOT_URLCONF"
    } else {
        "URLconf read in part: some routes may be missing"
    };
    writeln!(out, "{} routes. {django}. {urlconf}.", report.routes.len())
}
