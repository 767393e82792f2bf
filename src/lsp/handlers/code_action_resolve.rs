//! `codeAction/resolve`: builds the action's edit, refusing a stale one.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::CodeAction;

use super::code_action::ActionData;
use crate::engine::requests::actions;
use crate::lsp::convert;
use crate::lsp::state::State;

pub async fn handle(state: &Arc<State>, mut action: CodeAction) -> Result<CodeAction> {
    let data: ActionData = action
        .data
        .clone()
        .and_then(|d| serde_json::from_value(d).ok())
        .ok_or_else(|| Error::invalid_params("not a debuglens code action"))?;
    let Some(result) = super::fresh_result(state, &data.uri, true).await else {
        return Err(Error::invalid_params("the document is no longer open"));
    };
    let (host, files, enc) = (
        Arc::clone(&state.host),
        super::files(state),
        state.encoding(),
    );
    let edit = tokio::task::spawn_blocking(move || {
        actions::edit(&host, &files, &result, data.kind, data.at, data.version)
            .and_then(|e| convert::workspace_edit(&e, enc))
    })
    .await
    .map_err(|e| Error::invalid_params(e.to_string()))?
    .map_err(Error::invalid_params)?;
    action.edit = Some(edit);
    Ok(action)
}
