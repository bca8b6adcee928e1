//! `djsec check PATH...`: the engine over files and folders, in parallel, as a CI gate.
//!
//! Steps: build the configuration layers (`--config`, then the flags), walk the paths
//! (`cli::walk`), analyse (or fix) every file on rayon's pool, drop what the baseline knows,
//! keep what the severity gate shows (`--min-severity`, default warnings and errors), write the
//! chosen format (`cli::output`), pick the exit code. Exit codes: 0 clean (or `--exit-zero`),
//! 1 a shown finding at or above `--fail-on` (default: warning; with `--diff`: changes), 2 usage,
//! configuration or I/O errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use super::baseline::{self, Baseline};
use super::cache::{self, Cache};
use super::output::{self, FileOutput, Report, text::Palette};
use super::prefilter::Prefilters;
use super::progress::Progress;
use super::walk::{self, Candidate};
use super::{exit, fix};
use crate::analysis::{self, Severity};
use crate::config::{self, Layer, Selector, discover::Resolver};
use crate::project::ProjectIndex;

pub use super::output::{EditJson, FixJson, LineCol, Located, locate};
pub use super::walk::read_text;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Only these rules: codes, code prefixes, rule names or families (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Also these rules, on top of the configured selection.
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Skip these rules: codes, code prefixes, rule names or families (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// A configuration file whose settings go over each file's own configuration.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file (`--config` and the flags still apply).
    #[arg(long)]
    pub isolated: bool,
    /// More globs to exclude (relative to the configuration folder).
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub extend_exclude: Vec<String>,
    /// Apply `exclude` to files named on the command line too (for pre-commit hooks).
    #[arg(long)]
    pub force_exclude: bool,
    /// Apply safe fixes to the files, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// With `--fix` or `--diff`, apply unsafe fixes too (review the result).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Show the fixes as a unified diff instead of writing them; exit 1 if there are any.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Hide the findings recorded in this baseline file: only new findings are reported.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "fix", "diff"])]
    pub write_baseline: Option<PathBuf>,
    /// Print how many findings each rule has instead of the findings (text or json).
    #[arg(long)]
    pub statistics: bool,
    /// Show findings of this severity and above [default: warning, or `min-severity` from the
    /// configuration].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_severity: Option<Level>,
    /// Exit 1 when a shown finding has this severity or above [default: warning, or `fail-on`
    /// from the configuration].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<Level>,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Colour the text output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
    /// Threads that read and analyse files (default: one per core, or `RAYON_NUM_THREADS`).
    #[arg(long, value_name = "N")]
    pub threads: Option<std::num::NonZeroUsize>,
    /// Analyse every file again: neither read nor write the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Where the cache lives (default: `cache-dir` from the configuration, else `.djsec_cache`
    /// in the project root).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Parse every file, even those in which no rule's trigger words occur (for checking the
    /// prefilter; the findings are the same).
    #[arg(long, hide = true)]
    pub no_prefilter: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A line per finding with a code frame.
    Text,
    /// A line per finding.
    Concise,
    /// The findings as JSON (`docs/ci.md`).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other viewers.
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// JUnit XML, for CI test reports.
    Junit,
}

/// A severity, as `--min-severity` and `--fail-on` take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    Error,
    Warning,
    Info,
    Hint,
}

impl From<Level> for Severity {
    fn from(level: Level) -> Severity {
        match level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
            Level::Hint => Severity::Hint,
        }
    }
}

/// What `djsec check` shows and fails on when neither the flags nor the configuration say:
/// warnings and errors. Hints and infos are audit information, for the editor (which shows
/// everything) or for `--min-severity hint`.
pub const DEFAULT_MIN_SEVERITY: Severity = Severity::Warning;
pub const DEFAULT_FAIL_ON: Severity = Severity::Warning;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// One analysed file.
struct Checked {
    label: String,
    /// Absolute.
    path: PathBuf,
    text: String,
    located: Vec<Located>,
    fixed: usize,
    diff: Option<String>,
    warnings: Vec<String>,
    /// The least severe finding shown, and the least severe that fails the run (this file's
    /// configuration with the flags over it).
    min_severity: Severity,
    fail_on: Severity,
    /// Findings this run computed, with the file's cache key, to be written to the cache.
    fresh: Option<(u128, Vec<analysis::Finding>)>,
}

/// What a scan shares between files besides the arguments: the cache, the prefilters, and
/// counters for the log.
struct Scan<'a> {
    cache: Option<&'a Cache>,
    fingerprints: Option<crate::project::Fingerprints<'a>>,
    prefilters: Option<Prefilters>,
    cache_hits: std::sync::atomic::AtomicUsize,
    skipped: std::sync::atomic::AtomicUsize,
}

fn flag_layer(args: &CheckArgs) -> Result<Layer, Vec<String>> {
    let mut errors = Vec::new();
    let mut parse = |flag: &str, items: &[String]| -> Vec<Selector> {
        items
            .iter()
            .filter(|s| !s.trim().is_empty())
            .filter_map(|s| {
                let parsed = Selector::parse(s);
                if parsed.is_none() {
                    errors.push(format!(
                        "--{flag}: `{s}` is not a rule code, code prefix, rule name, family or ALL"
                    ));
                }
                parsed
            })
            .collect()
    };
    let select = parse("select", &args.select);
    let layer = Layer {
        select: (!args.select.is_empty()).then_some(select),
        extend_select: parse("extend-select", &args.extend_select),
        ignore: parse("ignore", &args.ignore),
        exclude: args.extend_exclude.clone(),
        min_severity: args.min_severity.map(Severity::from),
        fail_on: args.fail_on.map(Severity::from),
        ..Layer::default()
    };
    for glob in &args.extend_exclude {
        if let Err(e) = config::paths::check(glob) {
            errors.push(format!("--extend-exclude: invalid glob `{glob}`: {e}"));
        }
    }
    if errors.is_empty() {
        Ok(layer)
    } else {
        Err(errors)
    }
}

fn colour(args: &CheckArgs, to_terminal: bool) -> bool {
    match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn check_file(
    candidate: &Candidate,
    args: &CheckArgs,
    project: Option<&Arc<ProjectIndex>>,
    scan: &Scan,
) -> Result<Checked, String> {
    let label = candidate.label.clone();
    let (text, warning) = walk::read_text(&candidate.path).map_err(|e| format!("{label}: {e}"))?;
    let mut warnings: Vec<String> = warning
        .map(|_| format!("{label}: not valid UTF-8; invalid bytes replaced"))
        .into_iter()
        .collect();
    let mut context = candidate.settings.context_for(Some(candidate.path.clone()));
    context.project = project.cloned();
    let min_severity = candidate
        .settings
        .min_severity
        .unwrap_or(DEFAULT_MIN_SEVERITY);
    let fail_on = candidate.settings.fail_on.unwrap_or(DEFAULT_FAIL_ON);
    let mut fresh = None;
    let (text, findings, fixed, diff) = if args.fix || args.diff {
        let outcome = fix::fix(
            &text,
            candidate.language,
            &context,
            args.unsafe_fixes,
            min_severity,
        );
        let changed = outcome.text != text;
        if changed && !warnings.is_empty() {
            // Writing back a file whose bytes were replaced would corrupt it.
            warnings.push(format!("{label}: not fixed, it is not valid UTF-8"));
            let findings = analysis::analyze_text(&text, candidate.language, &context);
            (text, findings, 0, None)
        } else if changed && args.diff {
            let diff = fix::unified_diff(&label, &text, &outcome.text);
            (text, outcome.findings, outcome.count, Some(diff))
        } else if changed {
            std::fs::write(&candidate.path, &outcome.text)
                .map_err(|e| format!("{label}: cannot write the fixes: {e}"))?;
            (outcome.text, outcome.findings, outcome.count, None)
        } else {
            (text, outcome.findings, 0, None)
        }
    } else {
        let (findings, key) = scan_file(&text, candidate, &context, scan);
        if let Some(key) = key {
            fresh = Some((key, findings.clone()));
        }
        (text, findings, 0, None)
    };
    let mut located = output::locate(&label, &text, &findings);
    for (l, fp) in located
        .iter_mut()
        .zip(baseline::fingerprints(&text, &findings))
    {
        l.fingerprint = fp;
    }
    Ok(Checked {
        label,
        path: candidate.path.clone(),
        text,
        located,
        fixed,
        diff,
        warnings,
        min_severity,
        fail_on,
        fresh,
    })
}

/// The findings of one file without fixing: from the cache when its key matches, none when the
/// prefilter proves there are none, else by analysis. Also returns the key to cache them under,
/// when they were not read from the cache.
fn scan_file(
    text: &str,
    candidate: &Candidate,
    context: &analysis::Context,
    scan: &Scan,
) -> (Vec<analysis::Finding>, Option<u128>) {
    use std::sync::atomic::Ordering::Relaxed;
    let key = scan.cache.map(|cache| {
        let fingerprint = scan.fingerprints.as_ref().map_or(0, |p| {
            let fingerprint = p.for_path(&candidate.path);
            // A file the configuration makes a settings module reads the settings knowledge too.
            if context.settings_role.is_some() {
                let both = [fingerprint.to_le_bytes(), p.settings().to_le_bytes()];
                xxhash_rust::xxh3::xxh3_128(both.as_flattened())
            } else {
                fingerprint
            }
        });
        let key = cache.key(
            text,
            candidate.language,
            cache::config_key(context),
            fingerprint,
        );
        (cache, key)
    });
    if let Some((cache, key)) = key
        && let Some(findings) = cache.get(&candidate.path, key, text)
    {
        scan.cache_hits.fetch_add(1, Relaxed);
        tracing::trace!(target: "djsec::cache", "hit {}", candidate.label);
        return (findings, None);
    }
    let skip = scan
        .prefilters
        .as_ref()
        .is_some_and(|p| !p.may_report(text, candidate.language, context));
    let findings = if skip {
        scan.skipped.fetch_add(1, Relaxed);
        tracing::trace!(target: "djsec::cache", "skipped {}", candidate.label);
        Vec::new()
    } else {
        tracing::trace!(target: "djsec::cache", "analysed {}", candidate.label);
        analysis::analyze_text(text, candidate.language, context)
    };
    (findings, key.map(|(_, key)| key))
}

pub fn run(args: &CheckArgs, out: &mut impl Write, err: &mut impl Write) -> i32 {
    if let Some(threads) = args.threads {
        // The global pool serves the project index and the analysis. It can be configured once
        // per process: a second in-process run keeps the first one's pool.
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.get())
            .build_global()
        {
            tracing::debug!("--threads {threads}: {e}");
        }
    }
    let Ok(cwd) = std::env::current_dir() else {
        let _ = writeln!(err, "error: cannot read the current folder");
        return exit::ERROR;
    };
    // Layers over each file's own configuration: `--config`, then the flags.
    let mut overrides = Vec::new();
    if let Some(path) = &args.config {
        match config::load_file(path) {
            Ok(Some(layer)) => overrides.push(layer),
            Ok(None) => {
                let _ = writeln!(
                    err,
                    "error: {}: no [tool.djsec] table in this file",
                    path.display()
                );
                return exit::ERROR;
            }
            Err(errors) => {
                for e in errors {
                    let _ = writeln!(err, "error: {e}");
                }
                return exit::ERROR;
            }
        }
    }
    match flag_layer(args) {
        Ok(layer) => overrides.push(layer),
        Err(errors) => {
            for e in errors {
                let _ = writeln!(err, "error: {e}");
            }
            return exit::ERROR;
        }
    }
    let baseline = match &args.baseline {
        Some(path) => match Baseline::read(path) {
            Ok(b) => Some(b),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return exit::ERROR;
            }
        },
        None => None,
    };

    let root_resolver = Resolver::new(overrides.clone(), args.isolated, cwd.clone());
    let resolver = Resolver::new(overrides, args.isolated, cwd.clone());
    let walked = walk::collect(&args.paths, &cwd, resolver, args.force_exclude);
    if !walked.config_errors.is_empty() {
        for e in &walked.config_errors {
            let _ = writeln!(err, "error: {e}");
        }
        return exit::ERROR;
    }
    let mut errors = walked.errors;
    // The project index (settings modules and their inheritance), built in parallel before any
    // file is analysed, from the root the paths share.
    let roles: std::collections::HashMap<PathBuf, crate::project::Role> = walked
        .files
        .iter()
        .filter_map(|c| {
            let role = match c.settings.settings_role(&c.path)? {
                crate::analysis::context::SettingsRole::Production => {
                    crate::project::Role::Production
                }
                crate::analysis::context::SettingsRole::Development => {
                    crate::project::Role::Development
                }
            };
            Some((
                crate::project::discover::normalize(&c.path, Some(&cwd)),
                role,
            ))
        })
        .collect();
    let cache = (!(args.no_cache || args.fix || args.diff))
        .then(|| Cache::load(&cache_dir(args, root_resolver, &cwd)));
    if let Some(why) = cache.as_ref().and_then(|c| c.discarded.as_deref()) {
        tracing::info!("the cache was discarded ({why}); every file is analysed again");
    }
    let options = crate::project::IndexOptions {
        roles: (!roles.is_empty()).then(|| -> crate::project::RoleResolver {
            Arc::new(move |path: &Path| roles.get(path).copied())
        }),
        facts_store: cache.as_ref().map(Cache::facts_store),
        ..Default::default()
    };
    let project = crate::project::find_root(&args.paths, &cwd)
        .map(|root| Arc::new(ProjectIndex::build_with(&root, options)));
    let scan = Scan {
        cache: cache.as_ref(),
        fingerprints: project.as_deref().map(crate::project::Fingerprints::new),
        prefilters: (!args.no_prefilter).then(Prefilters::default),
        cache_hits: Default::default(),
        skipped: Default::default(),
    };
    let progress = Progress::start(walked.files.len(), !args.no_progress);
    let mut results: Vec<Result<Checked, String>> = walked
        .files
        .par_iter()
        .map(|candidate| {
            let result = check_file(candidate, args, project.as_ref(), &scan);
            progress.inc();
            result
        })
        .collect();
    progress.finish();
    tracing::debug!(
        "{} files: {} from the cache, {} skipped by the prefilter",
        walked.files.len(),
        scan.cache_hits.load(std::sync::atomic::Ordering::Relaxed),
        scan.skipped.load(std::sync::atomic::Ordering::Relaxed)
    );
    drop(scan);
    // Freeing the project index takes a tenth of a warm run and nothing waits for it: let
    // another thread do it while the report is written (the process may end first).
    if let Some(project) = project {
        std::thread::spawn(move || drop(project));
    }
    if let Some(cache) = cache {
        let fresh: Vec<_> = results
            .iter_mut()
            .filter_map(|r| r.as_mut().ok())
            .filter_map(|c| {
                let (key, findings) = c.fresh.take()?;
                Some((c.path.clone(), key, findings))
            })
            .collect();
        let seen: std::collections::HashSet<&str> = walked
            .files
            .iter()
            .filter_map(|c| c.path.to_str())
            .collect();
        // (It writes only what changed.)
        if let Err(e) = cache.save(fresh, |path| seen.contains(path)) {
            let _ = writeln!(err, "warning: cannot write the cache: {e}");
        }
    }

    let mut checked = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(c) => {
                for w in &c.warnings {
                    let _ = writeln!(err, "warning: {w}");
                }
                checked.push(c);
            }
            Err(e) => errors.push(e),
        }
    }
    for e in &errors {
        let _ = writeln!(err, "error: {e}");
    }

    if let Some(path) = &args.write_baseline {
        let dir = baseline_dir(path, &cwd);
        let entries: Vec<baseline::Entry> = checked
            .iter()
            .flat_map(|c| c.located.iter().map(move |l| (c, l)))
            .map(|(c, l)| baseline::Entry {
                path: baseline::key_path(&c.path, &dir),
                code: l.code.to_string(),
                fingerprint: l.fingerprint.clone(),
                line: l.line,
                message: l.message.clone(),
            })
            .collect();
        let n = entries.len();
        return match Baseline::new(entries).write(path) {
            Ok(()) => {
                let _ = writeln!(
                    err,
                    "Wrote {} to {}.",
                    output::plural(n, "finding"),
                    path.display()
                );
                if errors.is_empty() {
                    exit::CLEAN
                } else {
                    exit::ERROR
                }
            }
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                exit::ERROR
            }
        };
    }

    let mut baselined = 0;
    if let (Some(b), Some(path)) = (&baseline, &args.baseline) {
        let dir = baseline_dir(path, &cwd);
        let mut matcher = b.matcher();
        for c in &mut checked {
            let before = c.located.len();
            let key = baseline::key_path(&c.path, &dir);
            c.located
                .retain(|l| !matcher.take(&key, l.code, &l.fingerprint));
            baselined += before - c.located.len();
        }
    }

    // The severity gate: what is not shown is counted, for the summary line.
    let mut hidden = output::Hidden::default();
    let mut failing = 0;
    for c in &mut checked {
        let (min, fail_on) = (c.min_severity, c.fail_on);
        c.located.retain(|l| {
            let severity = Severity::parse(l.severity).unwrap_or(Severity::Error);
            let shown = severity <= min;
            if shown {
                failing += usize::from(severity <= fail_on);
            } else {
                hidden.add(severity);
            }
            shown
        });
    }

    let fixed: usize = checked.iter().map(|c| c.fixed).sum();
    let diffs: Vec<&str> = checked.iter().filter_map(|c| c.diff.as_deref()).collect();
    let report = Report {
        files: checked
            .iter()
            .map(|c| FileOutput {
                path: &c.label,
                text: &c.text,
                findings: &c.located,
            })
            .collect(),
        errors: &errors,
        checked: checked.len(),
        fixed,
        baselined,
        hidden,
        unsafe_fixes: args.unsafe_fixes,
    };

    let mut file_out;
    let mut stdout_out;
    let to_file = args.output_file.is_some();
    let sink: &mut dyn Write = match &args.output_file {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => {
                file_out = std::io::BufWriter::new(f);
                &mut file_out
            }
            Err(e) => {
                let _ = writeln!(err, "error: {}: {e}", path.display());
                return exit::ERROR;
            }
        },
        None => {
            // Buffered: the formats write many small pieces, and stdout is line-buffered.
            stdout_out = std::io::BufWriter::with_capacity(1 << 16, out);
            &mut stdout_out
        }
    };
    let palette = Palette::new(colour(args, !to_file && std::io::stdout().is_terminal()));
    let written = if args.diff {
        diffs
            .iter()
            .try_for_each(|d| write!(sink, "{d}"))
            .and_then(|()| {
                let n = diffs.len();
                writeln!(
                    err,
                    "{} would be changed by {fixed} {}.",
                    output::plural(n, "file"),
                    if fixed == 1 { "fix" } else { "fixes" }
                )
            })
    } else if args.statistics {
        match args.format {
            OutputFormat::Json => output::json::write_statistics(&report, sink),
            _ => output::text::write_statistics(&report, sink),
        }
    } else {
        match args.format {
            OutputFormat::Text => output::text::write_full(&report, sink, palette),
            OutputFormat::Concise => output::text::write_concise(&report, sink, palette),
            OutputFormat::Json => output::json::write(&report, sink),
            OutputFormat::Sarif => output::sarif::write(&report, &cwd, sink),
            OutputFormat::Github => output::github::write(&report, sink),
            OutputFormat::Junit => output::junit::write(&report, sink),
        }
    };
    let written = written.and_then(|()| sink.flush());
    if written.is_err() || !errors.is_empty() {
        exit::ERROR
    } else if args.exit_zero {
        exit::CLEAN
    } else if args.diff {
        if diffs.is_empty() {
            exit::CLEAN
        } else {
            exit::FINDINGS
        }
    } else if failing == 0 {
        exit::CLEAN
    } else {
        exit::FINDINGS
    }
}

/// The cache folder: `--cache-dir`, else `cache-dir` from the configuration of the project root,
/// else `.djsec_cache` in the project root (the folder `manage.py` or `pyproject.toml` is in, or
/// the paths' common folder).
fn cache_dir(args: &CheckArgs, mut resolver: Resolver, cwd: &Path) -> PathBuf {
    if let Some(dir) = &args.cache_dir {
        return walk::absolute(dir, cwd);
    }
    let root = crate::project::find_root(&args.paths, cwd).unwrap_or_else(|| cwd.to_path_buf());
    if let Some(dir) = resolver
        .settings_for(&root.join("pyproject.toml"))
        .ok()
        .and_then(|s| s.cache_dir.clone())
    {
        return dir;
    }
    root.join(cache::DEFAULT_DIR)
}

/// The baseline file's folder, absolute.
fn baseline_dir(path: &Path, cwd: &Path) -> PathBuf {
    let abs = walk::absolute(path, cwd);
    abs.parent()
        .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
}
