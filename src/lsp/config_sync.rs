//! Keeps the session's settings in step with the client and with `debuglens.toml` files, and
//! tells the user what was wrong with them: unknown keys once in the log, invalid values as an
//! error message naming the key and the type expected.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tower_lsp_server::ls_types::{ConfigurationItem, MessageType};

use super::state::State;
use crate::config::{self, Layer, Problem};

pub const FILE_NAME: &str = "debuglens.toml";

/// Replaces the client layer with `raw` (the `debuglens` section). Returns the problems found.
pub fn set_client(state: &State, raw: &Value, source: &str) -> Vec<Problem> {
    let mut cfg = state.config_lock();
    let (layer, problems) = Layer::parse(raw, source, &cfg.layers.client);
    cfg.layers.client = layer;
    problems
}

/// Reads `debuglens.toml` in each folder (a missing file is no problem).
pub async fn load_files(state: &State, roots: &[PathBuf]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for root in roots {
        problems.extend(load_file(state, root).await);
    }
    problems
}

pub async fn load_file(state: &State, root: &Path) -> Vec<Problem> {
    let path = root.join(FILE_NAME);
    let source = path.display().to_string();
    let text = match tokio::fs::read(&path).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            state.config_lock().files.remove(root);
            rebuild(state);
            return Vec::new();
        }
        Err(e) => {
            return vec![Problem::Unreadable {
                source,
                reason: format!("cannot read: {e}"),
            }];
        }
    };
    let mut cfg = state.config_lock();
    let previous = cfg.files.get(root).cloned().unwrap_or_default();
    let (layer, problems) = Layer::parse_toml(&text, &source, &previous);
    cfg.files.insert(root.to_path_buf(), layer);
    drop(cfg);
    rebuild(state);
    problems
}

/// Recomputes the effective settings from the layers; asks for re-analysis when they changed.
pub fn rebuild(state: &State) {
    let effective = {
        let mut cfg = state.config_lock();
        let files: Vec<Layer> = cfg.files.values().cloned().collect();
        cfg.layers.files = files;
        cfg.layers.effective()
    };
    if state.set_settings(effective) {
        state.scheduler.reanalyze_all();
    }
}

/// Pulls the `debuglens` section with `workspace/configuration`, for clients that send
/// `didChangeConfiguration` with `settings: null` or support pull only.
pub async fn pull(state: &State) -> Vec<Problem> {
    if !state.caps().configuration {
        return Vec::new();
    }
    let items = vec![ConfigurationItem {
        scope_uri: None,
        section: Some("debuglens".to_string()),
    }];
    match state.client.configuration(items).await {
        Ok(mut values) => {
            let value = values.pop().unwrap_or(Value::Null);
            if value.is_null() {
                return Vec::new();
            }
            let problems = set_client(state, &value, "workspace/configuration");
            rebuild(state);
            problems
        }
        Err(e) => {
            tracing::warn!("workspace/configuration failed: {e}");
            Vec::new()
        }
    }
}

/// Applies a `didChangeConfiguration` payload.
pub async fn did_change(state: &State, settings: &Value) -> Vec<Problem> {
    match config::section(settings) {
        Some(section) => {
            let problems = set_client(state, section, "settings");
            rebuild(state);
            problems
        }
        None => pull(state).await,
    }
}

/// Tells the user about problems: unknown keys as one log warning each (once per session),
/// invalid values and unreadable files as an error message.
pub async fn report(state: &State, problems: Vec<Problem>) {
    for problem in problems {
        let text = format!("debuglens: {problem}");
        match &problem {
            Problem::UnknownKey { key, .. } => {
                if !state.config_lock().warned.insert(key.clone()) {
                    continue;
                }
                tracing::warn!("{text}");
                state.client.log_message(MessageType::WARNING, text).await;
            }
            _ => {
                tracing::error!("{text}");
                state.client.show_message(MessageType::ERROR, text).await;
            }
        }
    }
}
