//! The command-line face: argv in, text/JSON/SARIF out, exit codes for CI.
//! Exit codes: 0 nothing found, 1 findings, 2 usage or I/O error.

mod output;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{ConfigLayers, Layer, Settings};
use crate::engine::{self, DocumentInput};
use crate::workspace::{self, ScanOptions};

pub use output::FileFindings;

#[derive(Debug, Parser)]
#[command(
    name = "debuglens",
    version,
    about = "Debugging guidance for editors and CI: stack traces, N+1 remote calls, fixes."
)]
pub struct Cli {
    /// Write logs to this file instead of stderr (level from DEBUGLENS_LOG, e.g. `debug`).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the language server over stdio (what editors start).
    #[command(after_help = "Example:\n  debuglens lsp --log-file /tmp/debuglens.log")]
    Lsp {
        /// Accepted for clients that always pass it (vscode-languageclient's stdio transport);
        /// stdio is the only transport.
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Check files or folders and report findings like a compiler.
    #[command(
        after_help = "Examples:\n  debuglens check examples/checkout\n  debuglens check src --format sarif > debuglens.sarif\n\nExit status: 0 nothing found, 1 findings, 2 usage or I/O error."
    )]
    Check {
        /// Files or folders to check (default: the current folder).
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Folder that reported paths are relative to, and whose debuglens.toml applies.
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
        /// Keep only findings whose loop or call lines changed since REV (`git diff REV`),
        /// for code review.
        #[arg(long, value_name = "REV")]
        diff: Option<String>,
    },
    /// Find stack traces in a file (or stdin) and explain each.
    #[command(
        after_help = "Examples:\n  debuglens explain notes/incident.md\n  kubectl logs api-7f9c | debuglens explain - --format json\n\nExit status: 0 no trace found, 1 traces explained, 2 usage or I/O error."
    )]
    Explain {
        /// File to read, or `-` for stdin (default: stdin).
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
        /// Folder that frame paths are resolved against (default: the current folder).
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

/// An error that ends a command with exit code 2.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> CliError {
    CliError(format!("{}: {e}", path.display()))
}

/// Loads `debuglens.toml` from the workspace folder, if there is one. Problems are reported on
/// stderr; a broken file does not stop the check.
pub fn load_settings(workspace: &Path, err: &mut dyn Write) -> Settings {
    let path = workspace.join("debuglens.toml");
    let Ok(bytes) = std::fs::read(&path) else {
        return Settings::default();
    };
    let (layer, problems) = Layer::parse_toml(
        &String::from_utf8_lossy(&bytes),
        &path.display().to_string(),
        &Layer::default(),
    );
    for p in problems {
        let _ = writeln!(err, "debuglens: {p}");
    }
    ConfigLayers {
        files: vec![layer],
        client: Layer::default(),
    }
    .effective()
}

/// Reads a file as text; invalid UTF-8 is replaced, never fatal.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read(path)
        .map(|b| {
            // Valid UTF-8 (nearly always) keeps its buffer; `from_utf8_lossy` would copy it.
            String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        })
        .map_err(|e| io_error(path, &e))
}

/// `debuglens check`: returns the exit code.
pub fn check(
    paths: &[PathBuf],
    format: CheckFormat,
    workspace_dir: Option<&Path>,
    diff: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, CliError> {
    let cwd = std::env::current_dir().map_err(|e| CliError(format!("current folder: {e}")))?;
    let base = workspace_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.clone());
    let settings = load_settings(&base, err);
    let targets: Vec<PathBuf> = if paths.is_empty() {
        vec![cwd.clone()]
    } else {
        paths.to_vec()
    };
    let opts = ScanOptions {
        max_file_bytes: settings.max_file_bytes,
        exclude: settings.exclude.clone(),
    };
    let mut files = Vec::new();
    for target in &targets {
        let meta = std::fs::metadata(target).map_err(|e| io_error(target, &e))?;
        if meta.is_dir() {
            workspace::walk(target, &opts, &AtomicBool::new(false), |f| {
                files.push(f.path)
            });
        } else {
            files.push(target.clone());
        }
    }
    files.sort();
    files.dedup();
    let host = engine::Host::new(settings.clone());
    let root = host.load_folder(&base);
    let code = host.code();
    let code_index = &code.index;
    let workspace = host.workspace();
    let index = &*workspace;
    let changed = match diff {
        Some(rev) => Some(workspace::git::changed_since(&root, rev).map_err(CliError)?),
        None => None,
    };
    let check_file = |path: &PathBuf| -> Result<Option<FileFindings>, CliError> {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        let rel = workspace::relative(&root, &abs);
        if crate::code::Lang::from_path(&rel).is_none() {
            return Ok(None);
        }
        // Every finding is a call in one of the file's loops: a file without any is not read
        // again.
        if code_index.summary(&rel).is_some_and(|s| s.loops.is_empty()) {
            return Ok(None);
        }
        let text = read_text(path)?;
        let sources = engine::DiskSources::default();
        let cx = engine::Context {
            settings: &settings,
            workspace: index,
            sources: &sources,
            scan_traces: false,
            code: Some(code_index),
            findings: &|| std::sync::Arc::new(Vec::new()),
            helper: None,
        };
        let report = engine::analyze_document(
            DocumentInput {
                path: Some(path),
                display: &rel,
                language_id: "",
                text: &text,
                code: Some(engine::CodeKey {
                    rel: &rel,
                    root: &root,
                }),
            },
            &cx,
        );
        let mut diagnostics = report.diagnostics;
        if let Some(changed) = &changed {
            let Some(lines) = changed.get(&rel) else {
                return Ok(None);
            };
            let index = crate::text::LineIndex::new(&text);
            diagnostics.retain(|d| {
                let call = index.line_of(d.range.start) as u32 + 1;
                let loop_line = d
                    .data
                    .as_ref()
                    .and_then(|v| v["loop_line"].as_u64())
                    .map(|l| l as u32);
                lines.contains(call) || loop_line.is_some_and(|l| lines.contains(l))
            });
        }
        Ok((!diagnostics.is_empty()).then_some(FileFindings {
            display: rel,
            text,
            diagnostics,
        }))
    };
    let outcomes = parallel_map(&files, |path| {
        // A file that cannot be analysed (unreadable, or a bug in debuglens on its code) is
        // skipped with a line on stderr; the rest of the check goes on.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_file(path))).unwrap_or_else(
            |_| {
                Err(CliError(format!(
                    "{}: the analysis failed on this file (a bug in debuglens)",
                    path.display()
                )))
            },
        )
    });
    let mut results = Vec::new();
    for (path, outcome) in files.iter().zip(outcomes) {
        match outcome {
            Ok(found) => results.extend(found),
            Err(e) => {
                let why =
                    e.0.strip_prefix(&format!("{}: ", path.display()))
                        .unwrap_or(&e.0);
                let _ = writeln!(err, "debuglens: skipped {}: {why}", path.display());
            }
        }
    }
    let found = results.iter().map(|r| r.diagnostics.len()).sum::<usize>();
    let written = match format {
        CheckFormat::Text => output::text(&results, files.len(), out),
        CheckFormat::Json => output::json(&results, out),
        CheckFormat::Sarif => output::sarif(&results, out),
    };
    written.map_err(|e| CliError(format!("writing output: {e}")))?;
    // Freeing a big workspace's summaries takes longer than writing the report; the process
    // is about to exit, so let that happen off this thread.
    drop((code, workspace));
    crate::reclaim::drop_later((host, results));
    Ok(if found > 0 { 1 } else { 0 })
}

/// `f` over `items` on every core, results in `items`' order (rayon's work stealing).
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    items.par_iter().map(f).collect()
}

/// `debuglens explain`: returns the exit code.
pub fn explain(
    file: Option<&Path>,
    format: ExplainFormat,
    workspace_dir: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, CliError> {
    let (text, display) = match file {
        None => (read_stdin()?, "<stdin>".to_string()),
        Some(p) if p == Path::new("-") => (read_stdin()?, "<stdin>".to_string()),
        Some(p) => (read_text(p)?, p.display().to_string()),
    };
    let cwd = std::env::current_dir().map_err(|e| CliError(format!("current folder: {e}")))?;
    let base = workspace_dir.map(Path::to_path_buf).unwrap_or(cwd);
    if !base.is_dir() {
        return Err(CliError(format!(
            "{}: not a folder (--workspace)",
            base.display()
        )));
    }
    let settings = load_settings(&base, err);
    let host = engine::Host::new(settings.clone());
    let root = host.load_folder(&base);
    let findings = host.code().all_findings();
    let index = host.workspace();
    let sources = engine::DiskSources::default();
    let cx = engine::Context {
        settings: &settings,
        workspace: &index,
        sources: &sources,
        scan_traces: true,
        code: None,
        findings: &|| std::sync::Arc::clone(&findings),
        helper: None,
    };
    let report = engine::analyze_document(
        DocumentInput {
            path: file.filter(|p| *p != Path::new("-")),
            display: &display,
            language_id: "",
            text: &text,
            code: None,
        },
        &cx,
    );
    let written = match format {
        ExplainFormat::Text => output::explain_text(&report, &text, &root, out),
        ExplainFormat::Json => output::explain_json(&report, &text, &root, out),
    };
    written.map_err(|e| CliError(format!("writing output: {e}")))?;
    Ok(if report.trace_groups.is_empty() { 0 } else { 1 })
}

fn read_stdin() -> Result<String, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| CliError(format!("stdin: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
