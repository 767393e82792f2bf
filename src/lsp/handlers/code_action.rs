//! `textDocument/codeAction`: the actions at the range (see `engine::requests::actions`). Each
//! action's edit is built on `codeAction/resolve` when the client can resolve `edit`, else
//! eagerly here (a failure becomes the action's `disabled` reason).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::engine::Analysis;
use crate::engine::requests::actions::{self, ActionKind, Category, Offer};
use crate::lsp::convert;
use crate::lsp::state::State;

/// What a listed action will do, carried in `data` until it is resolved.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionData {
    pub uri: Uri,
    pub version: i32,
    pub kind: ActionKind,
    /// Byte offset of the finding's call (N+1 actions).
    pub at: usize,
}

pub async fn handle(
    state: &Arc<State>,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let Some(result) = super::fresh_result(state, &params.text_document.uri, false).await else {
        return Ok(None);
    };
    let state = Arc::clone(state);
    let list = tokio::task::spawn_blocking(move || list(&state, &result, params.range))
        .await
        .unwrap_or_default();
    Ok(Some(list))
}

fn list(state: &State, result: &Analysis, range: Range) -> Vec<CodeActionOrCommand> {
    let enc = state.encoding();
    let index = &result.document.index;
    let (Ok(start), Ok(end)) = (
        index.offset(convert::from_lsp(range.start), enc),
        index.offset(convert::from_lsp(range.end), enc),
    ) else {
        return Vec::new();
    };
    let caps = state.caps();
    let uri: Uri = match result.key.parse() {
        Ok(u) => u,
        Err(_) => return Vec::new(),
    };
    let diagnostics = state.diagnostics_for(&uri, result.version);
    let files = super::files(state);
    let position = |at: Option<usize>| match at {
        Some(at) => convert::position(index.position(at, enc)),
        None => range.start,
    };
    actions::list(result, start..end, caps.create_files)
        .into_iter()
        .map(|offer| match offer {
            Offer::Action {
                kind,
                title,
                category,
                finding,
                at,
            } => {
                let data = ActionData {
                    uri: uri.clone(),
                    version: result.version,
                    kind,
                    at,
                };
                let diagnostic = result
                    .report
                    .diagnostic_of_finding(finding)
                    .and_then(|d| diagnostics.as_ref()?.get(d).cloned());
                let mut action = CodeAction {
                    title,
                    kind: Some(match category {
                        Category::QuickFix => CodeActionKind::QUICKFIX,
                        Category::Rewrite => CodeActionKind::REFACTOR_REWRITE,
                        Category::Source => CodeActionKind::new("source"),
                    }),
                    diagnostics: diagnostic.map(|d| vec![d]),
                    data: serde_json::to_value(&data).ok(),
                    ..Default::default()
                };
                if !caps.resolve_edit {
                    let edit = actions::edit(&state.host, &files, result, kind, at, result.version)
                        .and_then(|e| convert::workspace_edit(&e, enc));
                    match edit {
                        Ok(edit) => action.edit = Some(edit),
                        Err(reason) => action.disabled = Some(CodeActionDisabled { reason }),
                    }
                }
                CodeActionOrCommand::CodeAction(action)
            }
            Offer::Command { title, command, at } => CodeActionOrCommand::Command(Command {
                title,
                command: command.to_string(),
                arguments: Some(vec![json!({"uri": uri, "position": position(at)})]),
            }),
        })
        .collect()
}
