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

pub const EXPLAIN: &str = "debuglens.explain";
pub const OPEN_FRAME: &str = "debuglens.openInnermostFrame";
pub const DRAFT_PLAN: &str = "debuglens.draftInvestigationPlan";
pub const DRAFT_REPORT: &str = "debuglens.draftIncidentReport";
pub const TEST_PLAN: &str = "debuglens.generateTestPlan";

pub fn commands() -> Vec<String> {
    [EXPLAIN, OPEN_FRAME, DRAFT_PLAN, DRAFT_REPORT, TEST_PLAN]
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
        offer(
            ActionKind::Concurrent,
            format!(
                "Run concurrently (at most {CONCURRENCY} at a time; results keep input order, first error propagates)"
            ),
            CodeActionKind::REFACTOR_REWRITE,
        );
        offer(
            ActionKind::Ignore,
            "Ignore: sequential by design (adds a suppression comment)".to_string(),
            CodeActionKind::QUICKFIX,
        );
        if state.caps().create_files {
            offer(
                ActionKind::TestPlan,
                "Generate test plan (test file and markdown plan)".to_string(),
                CodeActionKind::new("source"),
            );
        } else {
            out.push(command(
                "Generate test plan (test file and markdown plan)",
                TEST_PLAN,
                vec![json!({"uri": uri_of(result), "position": convert::position(index.position(at, enc))})],
            ));
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
    let root = root_for(state, result).ok_or("no workspace folder")?;
    let files = files_under(state, &root);
    let settings = state.settings();
    let opts = crate::guidance::rewrite::Options {
        batch_limit: settings.batch_limit as usize,
        concurrency: CONCURRENCY,
    };
    match data.kind {
        ActionKind::TestPlan => Ok(create_files_edit(&test_plan_files(state, result, finding)?)),
        ActionKind::Batch => rewrite_edit(
            state,
            &root,
            crate::guidance::rewrite::batch(finding, &files, &opts)?,
        ),
        ActionKind::Concurrent => rewrite_edit(
            state,
            &root,
            crate::guidance::rewrite::concurrent(finding, &files, &opts)?,
        ),
        ActionKind::Ignore => {
            let text = result.document.text();
            let edit = crate::guidance::rewrite::suppress(finding, &text);
            let rewrite = crate::guidance::rewrite::Rewrite {
                title: String::new(),
                files: vec![crate::guidance::rewrite::FileEdits {
                    path: finding.path.clone(),
                    edits: vec![edit],
                }],
                notes: Vec::new(),
            };
            rewrite_edit(state, &root, rewrite)
        }
    }
}

/// How many calls the concurrent rewrite lets run at once.
pub const CONCURRENCY: usize = 10;

/// A rewrite as versioned text-document edits: open files carry their version, so a client
/// refuses the edit if the text moved on; closed files are edited as they are on disk.
fn rewrite_edit(
    state: &State,
    root: &Path,
    rewrite: crate::guidance::rewrite::Rewrite,
) -> std::result::Result<WorkspaceEdit, String> {
    let enc = state.encoding();
    let mut edits = Vec::new();
    for file in rewrite.files {
        let path = root.join(&file.path);
        let (index, version) = super::documents::open_or_disk(&state.docs.latest(), &path)
            .ok_or_else(|| format!("cannot read {}", file.path))?;
        let uri = convert::uri_for_path(&path)
            .ok_or_else(|| format!("{} has no file URI", path.display()))?;
        edits.push(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
            edits: file
                .edits
                .iter()
                .map(|e| {
                    OneOf::Left(TextEdit {
                        range: convert::range(&index, &e.range, enc),
                        new_text: e.new_text.clone(),
                    })
                })
                .collect(),
        });
    }
    Ok(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Edits(edits)),
        ..Default::default()
    })
}

/// The workspace folder of the document (or the first one).
fn root_for(state: &State, result: &DocResult) -> Option<PathBuf> {
    let ws = state.workspace_read();
    result
        .uri
        .to_file_path()
        .and_then(|p| ws.root_of(&p).map(Path::to_path_buf))
        .or_else(|| ws.roots().first().cloned())
}

/// Reads workspace-relative files: open buffers first, then the disk.
fn files_under(state: &State, root: &Path) -> impl Fn(&str) -> Option<String> {
    let open = state.docs.latest();
    let root = root.to_path_buf();
    move |rel: &str| {
        super::documents::open_or_disk(&open, &root.join(rel)).map(|(index, _)| index.text())
    }
}

/// The regression test (next to the project's tests) and the markdown plan for a finding.
pub fn test_plan_files(
    state: &State,
    result: &DocResult,
    finding: &Finding,
) -> std::result::Result<Vec<(PathBuf, String)>, String> {
    let root = root_for(state, result).ok_or("no workspace folder to write the test into")?;
    let files = files_under(state, &root);
    let listing: Vec<String> = {
        let ws = state.workspace_read();
        ws.files()
            .filter(|f| f.path.starts_with(&root))
            .map(|f| f.rel.clone())
            .collect()
    };
    let settings = state.settings();
    let limit = settings.batch_limit as usize;
    let test = crate::guidance::testgen::generate(finding, &files, &listing, limit)?;
    let plan = crate::guidance::plans::test_plan_markdown(finding, limit);
    let plan_name = format!(
        "{}-test-plan-{}.md",
        today(),
        crate::guidance::testgen::snake(&finding.callee)
    );
    let plan = format!(
        "{plan}\n\nRun the generated test: `{}` ({})\n",
        test.run, test.framework
    );
    Ok(vec![
        (root.join(&test.path), test.text),
        (root.join(&settings.plans_folder).join(plan_name), plan),
    ])
}

/// A workspace edit that creates each file with its text (never overwriting one that exists).
pub fn create_files_edit(files: &[(PathBuf, String)]) -> WorkspaceEdit {
    let mut ops = Vec::new();
    for (path, text) in files {
        let Some(uri) = convert::uri_for_path(path) else {
            continue;
        };
        ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
            CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(true),
                }),
                annotation_id: None,
            },
        )));
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![OneOf::Left(TextEdit {
                range: Range::default(),
                new_text: text.clone(),
            })],
        }));
    }
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(ops)),
        ..Default::default()
    }
}

/// Today as `YYYY-MM-DD` (UTC), for file names.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The investigation plan or incident report for the trace at `offset`: (path, markdown).
pub fn draft(
    state: &State,
    result: &DocResult,
    offset: usize,
    report: bool,
) -> Option<(PathBuf, String)> {
    let target = traces::target_at(result, offset).or_else(|| trace_containing(result, offset))?;
    let (trace, group) = trace_of(&target, result);
    let group = group?;
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
    let file_name = Path::new(&name).file_name()?.to_os_string();
    let root = root_for(state, result)?;
    Some((
        root.join(&state.settings().plans_folder).join(file_name),
        md,
    ))
}

/// `debuglens.explain`: markdown for the trace or the N+1 at the position.
pub fn explain(state: &State, result: &DocResult, offset: usize) -> Option<String> {
    if let Some(finding) = findings_at(result, offset..offset).into_iter().next() {
        let root = root_for(state, result)?;
        let files = files_under(state, &root);
        return Some(crate::guidance::plans::explain_n_plus_one(
            finding,
            u64::from(state.settings().assumed_call_latency_ms),
            &files,
        ));
    }
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
