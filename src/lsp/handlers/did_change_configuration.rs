//! `workspace/didChangeConfiguration`: the client's settings layer changed (or must be pulled).

use tower_lsp_server::ls_types::DidChangeConfigurationParams;

use crate::lsp::config_sync;
use crate::lsp::state::State;

pub async fn handle(state: &State, params: DidChangeConfigurationParams) {
    let problems = config_sync::did_change(state, &params.settings).await;
    config_sync::report(state, problems).await;
}
