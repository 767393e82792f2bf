//! The `LanguageServer` implementation: one line per method, routing it to its handler in
//! `handlers/` (one file per method).

use std::sync::{Arc, OnceLock};

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::analysis::{self, Scheduler};
use super::documents::Documents;
use super::handlers::{self as h, view_file_text};
use super::state::State;

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

    pub async fn view_file_text(
        &self,
        params: view_file_text::ViewFileTextParams,
    ) -> Result<Option<view_file_text::ViewFileTextResult>> {
        view_file_text::handle(&self.state, params).await
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        h::initialize::handle(&self.state, params).await
    }

    async fn initialized(&self, params: InitializedParams) {
        h::initialized::handle(&self.state, params).await
    }

    async fn shutdown(&self) -> Result<()> {
        h::shutdown::handle(&self.state).await
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        h::did_open::handle(&self.state, params)
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        h::did_change::handle(&self.state, params)
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        h::did_close::handle(&self.state, params)
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        h::did_change_configuration::handle(&self.state, params).await
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        h::did_change_workspace_folders::handle(&self.state, params)
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        h::did_change_watched_files::handle(&self.state, params)
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        h::hover::handle(&self.state, params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        h::definition::handle(&self.state, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        h::code_action::handle(&self.state, params).await
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        h::code_action_resolve::handle(&self.state, action).await
    }

    async fn execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> Result<Option<serde_json::Value>> {
        h::execute_command::handle(&self.state, params).await
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        h::document_link::handle(&self.state, params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        h::document_symbol::handle(&self.state, params).await
    }
}
