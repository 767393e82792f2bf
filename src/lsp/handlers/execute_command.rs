//! `workspace/executeCommand`: runs a command of the engine's table at `{uri, position}` and
//! delivers its output — Markdown back to the caller, a place shown with
//! `window/showDocument`, files created through a workspace edit (or written and shown when the
//! client cannot create files).

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::engine::requests::commands::{self, Output};
use crate::lsp::convert;
use crate::lsp::state::State;

/// Command arguments: where the user asked.
#[derive(Debug, Deserialize)]
pub struct At {
    pub uri: Uri,
    pub position: Position,
}

pub async fn handle(
    state: &Arc<State>,
    params: ExecuteCommandParams,
) -> Result<Option<serde_json::Value>> {
    let invalid = Error::invalid_params;
    let at: At = params
        .arguments
        .first()
        .cloned()
        .and_then(|a| serde_json::from_value(a).ok())
        .ok_or_else(|| {
            invalid(format!(
                "{} takes one argument {{uri, position}}",
                params.command
            ))
        })?;
    let Some((result, offset)) = super::result_at(state, &at.uri, at.position, true).await else {
        return Err(invalid(format!(
            "{} is not open or has no analysis",
            at.uri.as_str()
        )));
    };
    let Some(command) = commands::command(&params.command) else {
        return Err(invalid(format!(
            "unknown command {:?}; known: {}",
            params.command,
            commands::names().join(", ")
        )));
    };
    let (host, files) = (Arc::clone(&state.host), super::files(state));
    let output = tokio::task::spawn_blocking(move || (command.run)(&host, &files, &result, offset))
        .await
        .map_err(|e| invalid(e.to_string()))?
        .map_err(invalid)?;
    match output {
        Output::Markdown(md) => Ok(Some(serde_json::Value::String(md))),
        Output::Show(place) => {
            let location = convert::location(&place, state.encoding()).ok_or_else(|| {
                invalid("no app frame of this trace is in the workspace".to_string())
            })?;
            let shown = state
                .client
                .show_document(ShowDocumentParams {
                    uri: location.uri.clone(),
                    external: Some(false),
                    take_focus: Some(true),
                    selection: Some(location.range),
                })
                .await
                .unwrap_or(false);
            Ok(Some(
                serde_json::json!({"uri": location.uri, "range": location.range, "shown": shown}),
            ))
        }
        Output::Files(files) => deliver_files(state, files).await.map(Some),
    }
}

/// Puts new files in front of the user: through a `CreateFile` workspace edit when the client
/// supports it, else written to disk and shown with `window/showDocument`.
async fn deliver_files(state: &State, files: Vec<(PathBuf, String)>) -> Result<serde_json::Value> {
    let uris: Vec<Uri> = files
        .iter()
        .filter_map(|(p, _)| convert::uri_for_path(p))
        .collect();
    if state.caps().create_files {
        let edit = convert::create_files_edit(&files);
        let applied = state
            .client
            .apply_edit(edit)
            .await
            .map(|r| r.applied)
            .unwrap_or(false);
        return Ok(serde_json::json!({"uris": uris, "applied": applied}));
    }
    for (path, text) in &files {
        // Never overwrite the user's file, nor write through a link at its name (a dangling
        // one would create its target): `create_new` refuses both.
        if std::fs::symlink_metadata(path).is_ok() {
            continue;
        }
        let written = async {
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let mut file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .await?;
            tokio::io::AsyncWriteExt::write_all(&mut file, text.as_bytes()).await
        };
        if let Err(e) = written.await {
            return Err(Error::invalid_params(format!(
                "cannot write {}: {e}",
                path.display()
            )));
        }
    }
    let mut shown = false;
    if state.caps().show_document {
        if let Some(uri) = uris.first() {
            shown = state
                .client
                .show_document(ShowDocumentParams {
                    uri: uri.clone(),
                    external: Some(false),
                    take_focus: Some(true),
                    selection: None,
                })
                .await
                .unwrap_or(false);
        }
    }
    Ok(serde_json::json!({"uris": uris, "written": true, "shown": shown}))
}
