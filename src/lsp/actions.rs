//! Code actions and commands. Listing is cheap (read from the stored analysis: clients ask on
//! every cursor move); edits and documents are built in `codeAction/resolve` when the client
//! can resolve `edit`, else eagerly. Every edit is checked against the version it was offered
//! for: a stale action is refused, never applied to the wrong text.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use super::analysis::DocResult;
use super::convert;
use super::state::State;
use super::traces::{self, Target};
use crate::code::Finding;
use crate::engine::traces::{GroupReport, TraceReport};
use crate::text::LineIndex;

pub const EXPLAIN: &str = "debuglens.explain";
pub const OPEN_FRAME: &str = "debuglens.openInnermostFrame";
pub const DRAFT_PLAN: &str = "debuglens.draftInvestigationPlan";
pub const DRAFT_REPORT: &str = "debuglens.draftIncidentReport";

pub fn commands() -> Vec<String> {
    [EXPLAIN, OPEN_FRAME, DRAFT_PLAN, DRAFT_REPORT]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// What a listed action will do, carried in `data` until it is resolved.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionData {
    pub uri: Uri,
    pub version: i32,
    pub kind: ActionKind,
    /// Byte offset of the finding's call (N+1 actions).
    pub at: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActionKind {
    Batch,
    Concurrent,
    Ignore,
    TestPlan,
}

/// Command arguments: where the user asked.
#[derive(Debug, Deserialize)]
pub struct At {
    pub uri: Uri,
    pub position: Position,
}

fn findings_at(result: &DocResult, range: std::ops::Range<usize>) -> Vec<&Finding> {
    result
        .report
        .findings
        .iter()
        .filter(|f| f.span.start.byte <= range.end && range.start <= f.span.end.byte)
        .collect()
}

/// `textDocument/codeAction`.
pub fn list(
    state: &State,
    result: &DocResult,
    range: Range,
    resolve_edits: bool,
) -> Vec<CodeActionOrCommand> {
    let enc = state.encoding();
    let index = &result.document.index;
    let (Ok(start), Ok(end)) = (
        index.offset(convert::from_lsp(range.start), enc),
        index.offset(convert::from_lsp(range.end), enc),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for finding in findings_at(result, start..end) {
        let lsp_diag = result
            .diagnostics
            .iter()
            .find(|d| d.message == finding.message)
            .cloned();
        let at = finding.span.start.byte;
        let mut offer = |kind: ActionKind, title: String, action_kind: CodeActionKind| {
            let data = ActionData {
                uri: uri_of(result),
                version: result.version,
                kind,
                at,
            };
            let mut action = CodeAction {
                title,
                kind: Some(action_kind),
                diagnostics: lsp_diag.clone().map(|d| vec![d]),
                data: serde_json::to_value(&data).ok(),
                ..Default::default()
            };
            if !resolve_edits {
                match build_edit(state, result, &data) {
                    Ok(edit) => action.edit = Some(edit),
                    Err(why) => {
                        action.disabled = Some(CodeActionDisabled { reason: why });
                    }
                }
            }
            out.push(CodeActionOrCommand::CodeAction(action));
        };
        if let Some(b) = &finding.batch_alternative {
            offer(
                ActionKind::Batch,
                format!("Batch with {}", b.name),
                CodeActionKind::QUICKFIX,
            );
        }
        out.push(CodeActionOrCommand::Command(Command {
            title: "Explain this N+1".to_string(),
            command: EXPLAIN.to_string(),
            arguments: Some(vec![json!({"uri": uri_of(result), "position": convert::position(index.position(at, enc))})]),
        }));
    }
    if let Some(target) =
        traces::target_at(result, start).or_else(|| trace_containing(result, start))
    {
        let (trace, _) = trace_of(&target, result);
        let args = vec![json!({"uri": uri_of(result), "position": range.start})];
        out.push(command("Explain this stack trace", EXPLAIN, args.clone()));
        if trace
            .trace
            .frames
            .iter()
            .zip(&trace.resolutions)
            .any(|(f, r)| f.in_app && r.path().is_some())
        {
            out.push(command(
                "Open innermost app frame",
                OPEN_FRAME,
                args.clone(),
            ));
        }
        out.push(command(
            "Draft investigation plan",
            DRAFT_PLAN,
            args.clone(),
        ));
        out.push(command("Draft post-incident report", DRAFT_REPORT, args));
    }
    out
}

fn uri_of(result: &DocResult) -> Uri {
    result.uri.clone()
}

fn command(title: &str, name: &str, args: Vec<Value>) -> CodeActionOrCommand {
    CodeActionOrCommand::Command(Command {
        title: title.to_string(),
        command: name.to_string(),
        arguments: Some(args),
    })
}

/// The trace whose span holds `offset`, when the cursor is on neither a frame nor the header.
fn trace_containing(result: &DocResult, offset: usize) -> Option<Target<'_>> {
    let t = result
        .report
        .traces
        .iter()
        .find(|t| t.trace.span.start <= offset && offset <= t.trace.span.end)?;
    let group = result.report.trace_groups.get(t.group)?;
    Some(Target::Header { trace: t, group })
}

fn trace_of<'a>(
    target: &Target<'a>,
    result: &'a DocResult,
) -> (&'a TraceReport, Option<&'a GroupReport>) {
    match target {
        Target::Frame { trace, .. } => (trace, result.report.trace_groups.get(trace.group)),
        Target::Header { trace, group } => (trace, Some(group)),
    }
}

/// `codeAction/resolve`: builds the edit, refusing a stale action.
pub fn resolve(state: &State, result: &DocResult, mut action: CodeAction) -> Result<CodeAction> {
    let data: ActionData = action
        .data
        .clone()
        .and_then(|d| serde_json::from_value(d).ok())
        .ok_or_else(|| Error::invalid_params("this code action carries no debuglens data"))?;
    action.edit = Some(build_edit(state, result, &data).map_err(Error::invalid_params)?);
    Ok(action)
}

/// Refuses an action whose document changed since it was offered.
pub fn check_fresh(result: &DocResult, data_version: i32) -> std::result::Result<(), String> {
    if result.version != data_version {
        return Err(format!(
            "the document changed since this action was offered (version {data_version}, now {}); ask for code actions again",
            result.version
        ));
    }
    Ok(())
}

fn build_edit(
    state: &State,
    result: &DocResult,
    data: &ActionData,
) -> std::result::Result<WorkspaceEdit, String> {
    check_fresh(result, data.version)?;
    let finding = findings_at(result, data.at..data.at)
        .into_iter()
        .find(|f| f.span.start.byte == data.at)
        .ok_or("the finding this action was for is gone")?;
    let _ = (state, finding);
    Err(format!("{:?} is not available yet", data.kind))
}

/// The text of a workspace file (open buffer first) with its version when open.
pub fn file_text(state: &State, path: &Path) -> Option<(String, Option<i32>, LineIndex)> {
    let uri = convert::uri_for_path(path)?;
    if let Some(doc) = state.docs.latest().get(&uri) {
        return Some((doc.text(), Some(doc.version), doc.index.clone()));
    }
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let index = LineIndex::new(&text);
    Some((text, None, index))
}

/// `debuglens.explain`: markdown for the trace or the N+1 at the position.
pub fn explain(result: &DocResult, offset: usize) -> Option<String> {
    let target = traces::target_at(result, offset).or_else(|| trace_containing(result, offset))?;
    let (trace, group) = trace_of(&target, result);
    let group = group?;
    Some(crate::guidance::to_markdown(
        &trace.trace,
        &group.explanation,
    ))
}

/// `debuglens.openInnermostFrame`: where to go.
pub fn innermost_frame(state: &State, result: &DocResult, offset: usize) -> Option<Location> {
    let target = traces::target_at(result, offset).or_else(|| trace_containing(result, offset))?;
    let (trace, _) = trace_of(&target, result);
    let (frame, res) = trace
        .trace
        .frames
        .iter()
        .zip(&trace.resolutions)
        .find(|(f, r)| f.in_app && r.path().is_some())?;
    let path = res.path()?;
    let uri = convert::uri_for_path(path)?;
    let index = traces::file_index(state, path)?;
    let text = index.text();
    let range = crate::engine::traces::locate(&text, frame.line?, frame.source_line.as_deref())?;
    Some(Location::new(
        uri,
        convert::range(&index, &range, state.encoding()),
    ))
}

/// Where a drafted document goes: `<workspace>/<plansFolder>/<name>`.
pub fn plans_path(state: &State, result_path: Option<&Path>, name: &str) -> Option<PathBuf> {
    let settings = state.settings();
    let root = result_path
        .and_then(|p| state.workspace_read().root_of(p).map(Path::to_path_buf))
        .or_else(|| state.workspace_read().roots().first().cloned())?;
    Some(root.join(&settings.plans_folder).join(name))
}
