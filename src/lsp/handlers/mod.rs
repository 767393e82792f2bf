//! One file per LSP method: each reads what it needs (the host's stored analysis, the open
//! documents), asks the engine (`crate::engine::requests`), and converts the plain answer
//! with `lsp::convert`. `server.rs` routes each method here in one line.

pub mod code_action;
pub mod code_action_resolve;
pub mod definition;
pub mod did_change;
pub mod did_change_configuration;
pub mod did_change_watched_files;
pub mod did_change_workspace_folders;
pub mod did_close;
pub mod did_open;
pub mod document_link;
pub mod document_symbol;
pub mod execute_command;
pub mod hover;
pub mod initialize;
pub mod initialized;
pub mod shutdown;
pub mod view_file_text;

use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::{Position, Uri};

use super::convert;
use super::documents::OpenFiles;
use super::state::State;
use crate::engine::Analysis;

/// The analysis of the document's current version, waiting (briefly) for one that is still
/// being computed. Ordered after every edit sent before the request. With `wait_for_index`, an
/// analysis made while the workspace was still being indexed is only taken at the deadline.
pub(super) async fn fresh_result(
    state: &State,
    uri: &Uri,
    wait_for_index: bool,
) -> Option<Arc<Analysis>> {
    let snapshot = state.docs.snapshot().await;
    let version = snapshot.get(uri)?.version;
    let timeout = Duration::from_millis(state.settings().debounce_ms + 10_000);
    state
        .host
        .wait_for(uri.as_str(), version, wait_for_index, timeout)
        .await
}

/// [`fresh_result`] and the byte offset of `position` in it.
pub(super) async fn result_at(
    state: &State,
    uri: &Uri,
    position: Position,
    wait_for_index: bool,
) -> Option<(Arc<Analysis>, usize)> {
    let result = fresh_result(state, uri, wait_for_index).await?;
    let offset = result
        .document
        .index
        .offset(convert::from_lsp(position), state.encoding())
        .ok()?;
    Some((result, offset))
}

/// The files requests read: open buffers first, then the disk.
pub(super) fn files(state: &State) -> OpenFiles {
    OpenFiles(state.docs.latest())
}
