//! `workspace/didChangeWorkspaceFolders`: removed folders leave the index and the settings;
//! added ones are read (`debuglens.toml`) and indexed in the background.

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types::DidChangeWorkspaceFoldersParams;

use crate::engine::Change;
use crate::lsp::state::State;
use crate::lsp::{config_sync, scan};

pub fn handle(state: &Arc<State>, params: DidChangeWorkspaceFoldersParams) {
    for removed in &params.event.removed {
        if let Some(path) = removed.uri.to_file_path() {
            state.host.apply(Change::RemoveRoot(path.to_path_buf()));
            state.config_lock().files.remove(path.as_ref());
        }
    }
    config_sync::rebuild(state);
    let added: Vec<PathBuf> = params
        .event
        .added
        .iter()
        .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
        .collect();
    let state = Arc::clone(state);
    let announced = scan::announce(&state, &added);
    tokio::spawn(async move {
        let problems = config_sync::load_files(&state, &added).await;
        config_sync::report(&state, problems).await;
        scan::scan(state, added, announced).await;
    });
}
