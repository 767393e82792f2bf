use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use debuglens::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; everything else is a usage error (2).
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Err(e) = init_logging(cli.log_file.as_deref()) {
        eprintln!("debuglens: {e}");
        return ExitCode::from(2);
    }
    // Only the CLI commands lock stdout/stderr: the server's log writer needs stderr from any
    // thread, and in server mode stdout is the protocol.
    let out = std::io::stdout();
    let mut err = std::io::stderr();
    let result = match &cli.command {
        Command::Lsp { .. } => Ok(debuglens::lsp::run_stdio()),
        Command::Check {
            paths,
            format,
            workspace,
            diff,
        } => cli::check(
            paths,
            *format,
            workspace.as_deref(),
            diff.as_deref(),
            &mut out.lock(),
            &mut err,
        ),
        Command::Explain {
            file,
            format,
            workspace,
        } => cli::explain(
            file.as_deref(),
            *format,
            workspace.as_deref(),
            &mut out.lock(),
            &mut err,
        ),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(e) => {
            let _ = writeln!(err, "debuglens: {e}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr or to `--log-file`, never to stdout (in server mode it is the protocol).
fn init_logging(log_file: Option<&std::path::Path>) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DEBUGLENS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    match log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
            builder.with_writer(std::sync::Mutex::new(file)).init();
        }
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}
