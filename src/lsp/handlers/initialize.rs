//! `initialize`: negotiates the position encoding, records the client's capabilities and
//! roots, takes `initializationOptions` as the client's settings layer.

use std::path::PathBuf;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::lsp::state::State;
use crate::lsp::{capabilities, config_sync};
use crate::text::Encoding;

pub async fn handle(state: &State, params: InitializeParams) -> Result<InitializeResult> {
    let offered: Vec<String> = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref())
        .map(|encs| encs.iter().map(|e| e.as_str().to_string()).collect())
        .unwrap_or_default();
    let encoding = Encoding::negotiate(offered.iter().map(String::as_str));
    let _ = state.encoding.set(encoding);
    let _ = state.caps.set(capabilities::client(&params));
    if let Ok(mut r) = state.initial_roots.lock() {
        *r = roots(&params);
    }
    if let Some(options) = &params.initialization_options {
        if let Some(section) = crate::config::section(options) {
            let problems = config_sync::set_client(state, section, "initializationOptions");
            config_sync::rebuild(state);
            // The client cannot receive messages before `initialized`; report then.
            state.config_lock().pending_problems.extend(problems);
        }
    }
    tracing::info!("initialize: position encoding {}", encoding.as_str());
    Ok(InitializeResult {
        capabilities: capabilities::server(encoding),
        server_info: Some(ServerInfo {
            name: "debuglens".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        offset_encoding: None,
    })
}

#[allow(deprecated)] // root_uri / root_path: old clients still send only these
fn roots(params: &InitializeParams) -> Vec<PathBuf> {
    if let Some(folders) = &params.workspace_folders {
        return folders
            .iter()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
    }
    if let Some(uri) = &params.root_uri {
        return uri
            .to_file_path()
            .map(|p| vec![p.into_owned()])
            .unwrap_or_default();
    }
    params
        .root_path
        .as_ref()
        .map(|p| vec![PathBuf::from(p)])
        .unwrap_or_default()
}
