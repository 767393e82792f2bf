//! `initialized`: registers for configuration and file-watch notifications when the client
//! allows dynamic registration, reports settings problems, and starts indexing the roots.

use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use crate::lsp::state::State;
use crate::lsp::{config_sync, scan};

pub async fn handle(state: &Arc<State>, _: InitializedParams) {
    let state = Arc::clone(state);
    let caps = state.caps();
    let mut registrations = Vec::new();
    if caps.configuration_dynamic {
        registrations.push(Registration {
            id: "debuglens/didChangeConfiguration".into(),
            method: "workspace/didChangeConfiguration".into(),
            register_options: None,
        });
    }
    if caps.watched_files_dynamic {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*".into()),
                kind: None,
            }],
        };
        registrations.push(Registration {
            id: "debuglens/didChangeWatchedFiles".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        });
    }
    let roots = state
        .initial_roots
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    let announced = scan::announce(&state, &roots);
    tokio::spawn(async move {
        if !registrations.is_empty() {
            if let Err(e) = state.client.register_capability(registrations).await {
                tracing::warn!("client refused capability registration: {e}");
            }
        }
        let mut problems = std::mem::take(&mut state.config_lock().pending_problems);
        problems.extend(config_sync::load_files(&state, &roots).await);
        if caps.configuration {
            problems.extend(config_sync::pull(&state).await);
        }
        config_sync::report(&state, problems).await;
        scan::scan(state, roots, announced).await;
    });
}
