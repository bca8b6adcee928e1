use std::io::IsTerminal;

use clap::Parser;
use djsec::cli::{self, Cli, Command};

fn main() {
    let cli = Cli::parse();
    init_logging(matches!(cli.command, None | Some(Command::Server { .. })));
    let code = match cli.command.unwrap_or(Command::Server { stdio: false }) {
        Command::Server { .. } => run_server(),
        Command::Check(args) => {
            let stdout = std::io::stdout();
            // Not locked for the whole run: the analysis threads log to stderr (`DJSEC_LOG`), and
            // would wait forever for a lock the main thread holds while it waits for them.
            cli::check::run(&args, &mut stdout.lock(), &mut std::io::stderr())
        }
        Command::Rule { code, format } => cli::docs::show(
            &code,
            format,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        ),
        Command::Rules { format } => cli::docs::list(format, &mut std::io::stdout().lock()),
        Command::Views(args) => cli::views::run(
            &args,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        ),
    };
    std::process::exit(code);
}

fn run_server() -> i32 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => {
            rt.block_on(djsec::server::run());
            // A read of stdin may still be pending on the blocking pool (the client need not close
            // stdin after `exit`); do not wait for it.
            rt.shutdown_background();
            cli::exit::CLEAN
        }
        Err(err) => {
            eprintln!("djsec: cannot start the async runtime: {err}");
            cli::exit::ERROR
        }
    }
}

/// Logs go to stderr (stdout carries the protocol). `DJSEC_LOG=debug` for more.
fn init_logging(server: bool) {
    let default = if server { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DJSEC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
