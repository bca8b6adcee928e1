//! The command-line fronts: `djsec check`, `djsec rules`, `djsec rule CODE`.

pub mod baseline;
pub mod cache;
pub mod check;
pub mod docs;
pub mod fix;
pub mod output;
pub mod prefilter;
pub mod progress;
pub mod views;
pub mod walk;

use clap::{Parser, Subcommand, ValueEnum};

/// Security diagnostics for Django: a language server and a CI checker.
#[derive(Debug, Parser)]
#[command(name = "djsec", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the language server over stdio (what editors start). The default.
    Server {
        /// Accepted and ignored: stdio is the only transport (some clients always pass it).
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Check files and folders (default: the current folder).
    Check(Box<check::CheckArgs>),
    /// Print the documentation of one rule, by code or name.
    Rule {
        code: String,
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        format: DocFormat,
    },
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        format: DocFormat,
    },
    /// Print every route of a project with its view, methods, authentication, authorization
    /// and what it does (the attack surface).
    Views(views::ViewsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    Text,
    Json,
}

/// Exit codes shared by the commands.
pub mod exit {
    /// No findings.
    pub const CLEAN: i32 = 0;
    /// Findings were reported.
    pub const FINDINGS: i32 = 1;
    /// A usage or I/O error.
    pub const ERROR: i32 = 2;
}
