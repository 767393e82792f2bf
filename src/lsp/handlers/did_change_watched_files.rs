//! `workspace/didChangeWatchedFiles`: files changed on disk are re-read into the index (an
//! open document's buffer wins over the disk), `debuglens.toml` is reloaded, and every open
//! document is analysed again.

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types::{DidChangeWatchedFilesParams, FileChangeType};

use crate::engine::Change;
use crate::lsp::config_sync;
use crate::lsp::state::State;

pub fn handle(state: &Arc<State>, params: DidChangeWatchedFilesParams) {
    let state = Arc::clone(state);
    tokio::task::spawn(async move {
        let mut config_roots = Vec::new();
        for change in params.changes {
            let Some(path) = change.uri.to_file_path().map(|p| p.into_owned()) else {
                continue;
            };
            let root = state.workspace_read().root_of(&path).map(PathBuf::from);
            let Some(root) = root else { continue };
            if path
                .file_name()
                .is_some_and(|n| n == config_sync::FILE_NAME)
            {
                config_roots.push(root.clone());
            }
            let max = state.settings().max_file_bytes;
            let admitted = if change.typ == FileChangeType::DELETED {
                None
            } else {
                let p = path.clone();
                tokio::task::spawn_blocking(move || crate::workspace::admit(&p, max))
                    .await
                    .ok()
                    .and_then(|r| r.ok())
                    .and_then(|r| r.ok())
            };
            let rel = crate::workspace::relative(&root, &path);
            let summary = summarize_on_disk(&rel, admitted.map(|_| path.clone())).await;
            let entry = admitted.map(|size| crate::workspace::FileEntry {
                rel: rel.clone(),
                path: path.clone(),
                size,
            });
            state.host.apply(Change::FileChanged {
                path,
                rel,
                entry,
                summary,
            });
        }
        let mut problems = Vec::new();
        for root in config_roots {
            problems.extend(config_sync::load_file(&state, &root).await);
        }
        config_sync::report(&state, problems).await;
        state.scheduler.reanalyze_all();
    });
}

/// The summary of a code file as it is on disk (`None` when it is gone or not code), read off
/// the async runtime.
pub async fn summarize_on_disk(
    rel: &str,
    path: Option<PathBuf>,
) -> Option<crate::code::FileSummary> {
    let lang = crate::code::Lang::from_path(rel)?;
    let path = path?;
    let rel = rel.to_string();
    tokio::task::spawn_blocking(move || {
        let text = String::from_utf8_lossy(&std::fs::read(&path).ok()?).into_owned();
        Some(crate::code::summarize(&rel, lang, &text))
    })
    .await
    .ok()
    .flatten()
}
