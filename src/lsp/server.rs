//! The `LanguageServer` implementation: each method reads a snapshot or sends an event, then
//! hands the real work to the engine or to a background task.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::analysis::{self, Scheduler};
use super::convert;
use super::documents::Documents;
use super::state::{ClientCaps, State};
use super::{actions, config_sync, scan, traces};
use crate::text::{Encoding, TextChange};

pub struct Backend {
    pub(super) state: Arc<State>,
}

impl Backend {
    /// A backend that also writes whole messages to the client through `direct` (the framing
    /// layer's writer), bypassing tower-lsp-server's serialisation.
    pub fn new(client: Client, direct: tokio::sync::mpsc::UnboundedSender<Vec<u8>>) -> Backend {
        let encoding = Arc::new(OnceLock::new());
        let (notices_tx, notices_rx) = tokio::sync::mpsc::unbounded_channel();
        let docs = Documents::spawn(Arc::clone(&encoding), notices_tx);
        let (scheduler, work_rx) = Scheduler::channel();
        let state = Arc::new(State::new(client, direct, encoding, docs, scheduler));
        analysis::spawn(Arc::clone(&state), notices_rx, work_rx);
        Backend { state }
    }

    /// `debuglens/viewFileText`: the server's copy of a document (like rust-analyzer's
    /// `viewFileText`), for checking that client and server agree.
    pub async fn view_file_text(
        &self,
        params: ViewFileTextParams,
    ) -> Result<Option<ViewFileTextResult>> {
        let snapshot = self.state.docs.snapshot().await;
        Ok(snapshot.get(&params.uri).map(|d| ViewFileTextResult {
            text: d.text(),
            version: d.version,
        }))
    }
}

#[derive(Debug, Deserialize)]
pub struct ViewFileTextParams {
    pub uri: Uri,
}

#[derive(Debug, Serialize)]
pub struct ViewFileTextResult {
    pub text: String,
    pub version: i32,
}

fn client_caps(params: &InitializeParams) -> ClientCaps {
    let ws = params.capabilities.workspace.as_ref();
    let td = params.capabilities.text_document.as_ref();
    ClientCaps {
        resolve_edit: td
            .and_then(|t| t.code_action.as_ref())
            .and_then(|c| c.resolve_support.as_ref())
            .is_some_and(|r| r.properties.iter().any(|p| p == "edit")),
        create_files: ws
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.resource_operations.as_ref())
            .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create)),
        show_document: params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.show_document.as_ref())
            .is_some_and(|s| s.support),
        work_done_progress: params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        configuration: ws.and_then(|w| w.configuration).unwrap_or(false),
        configuration_dynamic: ws
            .and_then(|w| w.did_change_configuration.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        watched_files_dynamic: ws
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
    }
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

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered: Vec<String> = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .map(|encs| encs.iter().map(|e| e.as_str().to_string()).collect())
            .unwrap_or_default();
        let encoding = Encoding::negotiate(offered.iter().map(String::as_str));
        let _ = self.state.encoding.set(encoding);
        let _ = self.state.caps.set(client_caps(&params));
        if let Ok(mut r) = self.state.initial_roots.lock() {
            *r = roots(&params);
        }
        if let Some(options) = &params.initialization_options {
            if let Some(section) = crate::config::section(options) {
                let problems =
                    config_sync::set_client(&self.state, section, "initializationOptions");
                config_sync::rebuild(&self.state);
                // The client cannot receive messages before `initialized`; report then.
                self.state.config_lock().pending_problems.extend(problems);
            }
        }
        tracing::info!("initialize: position encoding {}", encoding.as_str());

        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::from(encoding.as_str().to_string())),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::REFACTOR_REWRITE,
                        ]),
                        resolve_provider: Some(true),
                        work_done_progress_options: Default::default(),
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: actions::commands(),
                    work_done_progress_options: Default::default(),
                }),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: Default::default(),
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "debuglens".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let state = Arc::clone(&self.state);
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
            scan::scan(state, roots).await;
        });
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.shutdown_requested.store(true, Ordering::SeqCst);
        if let Ok(slot) = self.state.scan_cancel.lock() {
            if let Some(cancel) = slot.as_ref() {
                cancel.store(true, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.state
            .docs
            .open(doc.uri, doc.text, doc.version, doc.language_id);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let changes = params
            .content_changes
            .into_iter()
            .map(|c| TextChange {
                range: c
                    .range
                    .map(|r| (convert::from_lsp(r.start), convert::from_lsp(r.end))),
                text: c.text,
            })
            .collect();
        self.state.docs.change(
            params.text_document.uri,
            params.text_document.version,
            changes,
        );
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.state.docs.close(params.text_document.uri);
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let problems = config_sync::did_change(&self.state, &params.settings).await;
        config_sync::report(&self.state, problems).await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        for removed in &params.event.removed {
            if let Some(path) = removed.uri.to_file_path() {
                self.state.workspace_write().remove_root(&path);
                self.state.config_lock().files.remove(path.as_ref());
            }
        }
        config_sync::rebuild(&self.state);
        let added: Vec<PathBuf> = params
            .event
            .added
            .iter()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        let state = Arc::clone(&self.state);
        tokio::spawn(async move {
            let problems = config_sync::load_files(&state, &added).await;
            config_sync::report(&state, problems).await;
            scan::scan(state, added).await;
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let state = Arc::clone(&self.state);
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
                resummarize(&state, &rel, admitted.map(|_| path.clone())).await;
                let mut index = state.workspace_write();
                match admitted {
                    Some(size) => index.insert(crate::workspace::FileEntry { rel, path, size }),
                    None => {
                        index.remove(&path);
                    }
                }
            }
            let mut problems = Vec::new();
            for root in config_roots {
                problems.extend(config_sync::load_file(&state, &root).await);
            }
            config_sync::report(&state, problems).await;
            state.scheduler.reanalyze_all();
        });
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        let Some((result, offset)) = self
            .result_at(&at.text_document.uri, at.position, false)
            .await
        else {
            return Ok(None);
        };
        let state = Arc::clone(&self.state);
        let enc = state.encoding();
        // Reading the frame's file may touch the disk: not on the async runtime.
        Ok(
            tokio::task::spawn_blocking(move || traces::hover(&state, &result, offset, enc))
                .await
                .ok()
                .flatten(),
        )
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        let Some((result, offset)) = self
            .result_at(&at.text_document.uri, at.position, true)
            .await
        else {
            return Ok(None);
        };
        let state = Arc::clone(&self.state);
        let enc = state.encoding();
        let locations =
            tokio::task::spawn_blocking(move || traces::definition(&state, &result, offset, enc))
                .await
                .unwrap_or_default();
        Ok(match locations.len() {
            0 => None,
            1 => locations
                .into_iter()
                .next()
                .map(GotoDefinitionResponse::Scalar),
            _ => Some(GotoDefinitionResponse::Array(locations)),
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(result) = self.fresh_result(&params.text_document.uri, false).await else {
            return Ok(None);
        };
        let state = Arc::clone(&self.state);
        let lazy = state.caps().resolve_edit;
        let list =
            tokio::task::spawn_blocking(move || actions::list(&state, &result, params.range, lazy))
                .await
                .unwrap_or_default();
        Ok(Some(list))
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        let data: actions::ActionData = action
            .data
            .clone()
            .and_then(|d| serde_json::from_value(d).ok())
            .ok_or_else(|| {
                tower_lsp_server::jsonrpc::Error::invalid_params("not a debuglens code action")
            })?;
        let Some(result) = self.fresh_result(&data.uri, true).await else {
            return Err(tower_lsp_server::jsonrpc::Error::invalid_params(
                "the document is no longer open",
            ));
        };
        let state = Arc::clone(&self.state);
        tokio::task::spawn_blocking(move || actions::resolve(&state, &result, action))
            .await
            .map_err(|e| tower_lsp_server::jsonrpc::Error::invalid_params(e.to_string()))?
    }

    async fn execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> Result<Option<serde_json::Value>> {
        let invalid = tower_lsp_server::jsonrpc::Error::invalid_params;
        let at: actions::At = params
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
        let Some((result, offset)) = self.result_at(&at.uri, at.position, true).await else {
            return Err(invalid(format!(
                "{} is not open or has no analysis",
                at.uri.as_str()
            )));
        };
        let state = Arc::clone(&self.state);
        match params.command.as_str() {
            actions::EXPLAIN => {
                let s = Arc::clone(&state);
                let md = tokio::task::spawn_blocking(move || actions::explain(&s, &result, offset))
                    .await
                    .ok()
                    .flatten();
                md.map(|m| Some(serde_json::Value::String(m)))
                    .ok_or_else(|| invalid("nothing to explain at this position".to_string()))
            }
            actions::OPEN_FRAME => {
                let s = Arc::clone(&state);
                let location = tokio::task::spawn_blocking(move || {
                    actions::innermost_frame(&s, &result, offset)
                })
                .await
                .ok()
                .flatten()
                .ok_or_else(|| {
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
            actions::DRAFT_PLAN | actions::DRAFT_REPORT | actions::TEST_PLAN => {
                let s = Arc::clone(&state);
                let command = params.command.clone();
                let files = tokio::task::spawn_blocking(
                    move || -> std::result::Result<Vec<(PathBuf, String)>, String> {
                        match command.as_str() {
                            actions::TEST_PLAN => {
                                let finding = result
                                    .report
                                    .findings
                                    .iter()
                                    .find(|f| {
                                        f.span.start.byte <= offset && offset <= f.span.end.byte
                                    })
                                    .ok_or("no loop-remote-call finding at this position")?;
                                actions::test_plan_files(&s, &result, finding)
                            }
                            c => actions::draft(&s, &result, offset, c == actions::DRAFT_REPORT)
                                .map(|f| vec![f])
                                .ok_or_else(|| "no stack trace at this position".to_string()),
                        }
                    },
                )
                .await
                .map_err(|e| invalid(e.to_string()))?
                .map_err(invalid)?;
                deliver_files(&state, files).await.map(Some)
            }
            other => Err(invalid(format!(
                "unknown command {other:?}; known: {}",
                actions::commands().join(", ")
            ))),
        }
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let Some(result) = self.fresh_result(&params.text_document.uri, false).await else {
            return Ok(None);
        };
        Ok(Some(traces::document_links(&result, self.state.encoding())))
    }
}

impl Backend {
    /// The analysis of the document's current version, waiting (briefly) for one that is
    /// still being computed. Ordered after every edit sent before the request.
    async fn fresh_result(
        &self,
        uri: &Uri,
        wait_for_index: bool,
    ) -> Option<Arc<analysis::DocResult>> {
        let snapshot = self.state.docs.snapshot().await;
        let version = snapshot.get(uri)?.version;
        let deadline = tokio::time::Instant::now()
            + std::time::Duration::from_millis(self.state.settings().debounce_ms + 10_000);
        loop {
            // While the workspace is being indexed, frames may not resolve yet: wait for the
            // scan and for the analysis that follows it (bounded by the deadline).
            let indexing = self
                .state
                .scans_running
                .load(std::sync::atomic::Ordering::SeqCst)
                > 0;
            let generation = self
                .state
                .index_generation
                .load(std::sync::atomic::Ordering::SeqCst);
            if let Some(r) = traces::result_for(&self.state, uri) {
                let current = !wait_for_index || (r.generation == generation && !indexing);
                if r.version == version && (current || tokio::time::Instant::now() >= deadline) {
                    return Some(r);
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        }
    }

    async fn result_at(
        &self,
        uri: &Uri,
        position: Position,
        wait_for_index: bool,
    ) -> Option<(Arc<analysis::DocResult>, usize)> {
        let result = self.fresh_result(uri, wait_for_index).await?;
        let offset = result
            .document
            .index
            .offset(convert::from_lsp(position), self.state.encoding())
            .ok()?;
        Some((result, offset))
    }
}

/// Re-reads a code file that changed on disk into the code index (unless it is open: the
/// buffer wins), or drops it when it is gone.
pub(super) async fn resummarize(state: &Arc<State>, rel: &str, path: Option<PathBuf>) {
    let Some(lang) = crate::code::Lang::from_path(rel) else {
        return;
    };
    if state.code_lock().parsed.contains_key(rel) {
        return;
    }
    let summary = match path {
        Some(path) => {
            let rel = rel.to_string();
            tokio::task::spawn_blocking(move || {
                let text = String::from_utf8_lossy(&std::fs::read(&path).ok()?).into_owned();
                Some(crate::code::summarize(&rel, lang, &text))
            })
            .await
            .ok()
            .flatten()
        }
        None => None,
    };
    let mut code = state.code_lock();
    match summary {
        Some(s) => code.update(rel, s),
        None => code.remove(rel),
    }
}

/// Puts new files in front of the user: through a `CreateFile` workspace edit when the client
/// supports it, else written to disk and shown with `window/showDocument`.
async fn deliver_files(
    state: &Arc<State>,
    files: Vec<(PathBuf, String)>,
) -> Result<serde_json::Value> {
    let uris: Vec<Uri> = files
        .iter()
        .filter_map(|(p, _)| convert::uri_for_path(p))
        .collect();
    if state.caps().create_files {
        let edit = actions::create_files_edit(&files);
        let applied = state
            .client
            .apply_edit(edit)
            .await
            .map(|r| r.applied)
            .unwrap_or(false);
        return Ok(serde_json::json!({"uris": uris, "applied": applied}));
    }
    for (path, text) in &files {
        if path.exists() {
            continue; // never overwrite the user's file
        }
        let written = async {
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            tokio::fs::write(path, text).await
        };
        if let Err(e) = written.await {
            return Err(tower_lsp_server::jsonrpc::Error::invalid_params(format!(
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
