//! The commands the editor can run, in one table: a command's name and what it computes. The
//! face advertises `COMMANDS` and delivers the output (Markdown back to the caller, a place to
//! show, files to create).

use std::path::{Path, PathBuf};

use super::{FileRange, Files, actions, findings_at, relative_reader, root_for, today, trace_at};
use crate::engine::host::{Analysis, Host};
use crate::engine::traces::locate;

pub const EXPLAIN: &str = "debuglens.explain";
pub const OPEN_FRAME: &str = "debuglens.openInnermostFrame";
pub const DRAFT_PLAN: &str = "debuglens.draftInvestigationPlan";
pub const DRAFT_REPORT: &str = "debuglens.draftIncidentReport";
pub const TEST_PLAN: &str = "debuglens.generateTestPlan";

/// What a command produced.
#[derive(Debug, Clone)]
pub enum Output {
    Markdown(String),
    /// A place to show the user.
    Show(FileRange),
    /// Files to put in front of the user (created, never overwriting).
    Files(Vec<(PathBuf, String)>),
}

pub type Run = fn(&Host, &dyn Files, &Analysis, usize) -> Result<Output, String>;

pub struct Command {
    pub name: &'static str,
    /// What it does, for `debuglens --help`-style listings and the README.
    pub doc: &'static str,
    pub run: Run,
}

/// Every command, in the order they are advertised.
pub static COMMANDS: &[Command] = &[
    Command {
        name: EXPLAIN,
        doc: "Markdown explanation of the stack trace or N+1 at the position",
        run: explain,
    },
    Command {
        name: OPEN_FRAME,
        doc: "Show the innermost app frame of the trace at the position",
        run: open_frame,
    },
    Command {
        name: DRAFT_PLAN,
        doc: "Write an investigation plan for the trace at the position",
        run: |h, _, r, o| draft(h, r, o, false).map(|f| Output::Files(vec![f])),
    },
    Command {
        name: DRAFT_REPORT,
        doc: "Write a post-incident report for the trace at the position",
        run: |h, _, r, o| draft(h, r, o, true).map(|f| Output::Files(vec![f])),
    },
    Command {
        name: TEST_PLAN,
        doc: "Write a regression test and a test plan for the N+1 at the position",
        run: test_plan,
    },
];

pub fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

pub fn names() -> Vec<String> {
    COMMANDS.iter().map(|c| c.name.to_string()).collect()
}

/// `debuglens.explain`: the N+1 at the position, else the trace.
fn explain(
    host: &Host,
    files: &dyn Files,
    result: &Analysis,
    offset: usize,
) -> Result<Output, String> {
    let none = || "nothing to explain at this position".to_string();
    if let Some((_, finding)) = findings_at(result, offset..offset).into_iter().next() {
        let root = root_for(host, result).ok_or_else(none)?;
        let read = relative_reader(files, &root);
        return Ok(Output::Markdown(
            crate::guidance::plans::explain_n_plus_one(
                finding,
                u64::from(host.settings().assumed_call_latency_ms),
                &read,
            ),
        ));
    }
    let (trace, group) = trace_at(result, offset).ok_or_else(none)?;
    Ok(Output::Markdown(crate::guidance::to_markdown(
        &trace.trace,
        &group.explanation,
    )))
}

/// `debuglens.openInnermostFrame`: the source line of the innermost app frame that resolves.
fn open_frame(
    _: &Host,
    files: &dyn Files,
    result: &Analysis,
    offset: usize,
) -> Result<Output, String> {
    innermost_frame(files, result, offset)
        .map(Output::Show)
        .ok_or_else(|| "no app frame of this trace is in the workspace".to_string())
}

fn innermost_frame(files: &dyn Files, result: &Analysis, offset: usize) -> Option<FileRange> {
    let (trace, _) = trace_at(result, offset)?;
    let (frame, res) = trace
        .trace
        .frames
        .iter()
        .zip(&trace.resolutions)
        .find(|(f, r)| f.in_app && r.path().is_some())?;
    let path = res.path()?;
    let lines = files.read(path)?.lines;
    let range = locate(&lines.text(), frame.line?, frame.source_line.as_deref())?;
    Some(FileRange {
        path: path.to_path_buf(),
        range,
        lines,
    })
}

/// The investigation plan or incident report for the trace at `offset`: (path, markdown).
fn draft(
    host: &Host,
    result: &Analysis,
    offset: usize,
    report: bool,
) -> Result<(PathBuf, String), String> {
    let none = || "no stack trace at this position".to_string();
    let (trace, group) = trace_at(result, offset).ok_or_else(none)?;
    let date = today();
    let correlated = group.correlated.as_ref();
    let (name, md) = if report {
        crate::guidance::plans::incident_report(&trace.trace, &group.explanation, correlated, &date)
    } else {
        crate::guidance::plans::investigation_plan(
            &trace.trace,
            &group.explanation,
            group.count,
            group.first_line as usize,
            group.last_line as usize,
            correlated,
            &date,
        )
    };
    let file_name = Path::new(&name)
        .file_name()
        .ok_or_else(none)?
        .to_os_string();
    let root = root_for(host, result).ok_or_else(none)?;
    let rel = Path::new(&host.settings().plans_folder).join(file_name);
    Ok((super::confine(&root, &rel)?, md))
}

fn test_plan(
    host: &Host,
    files: &dyn Files,
    result: &Analysis,
    offset: usize,
) -> Result<Output, String> {
    let (_, finding) = findings_at(result, offset..offset)
        .into_iter()
        .next()
        .ok_or("no loop-remote-call finding at this position")?;
    actions::test_plan_files(host, files, result, finding).map(Output::Files)
}
