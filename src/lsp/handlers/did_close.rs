//! `textDocument/didClose`: the document leaves the open set; its diagnostics are cleared and
//! a code file counts as it is on disk again.

use tower_lsp_server::ls_types::DidCloseTextDocumentParams;

use crate::lsp::state::State;

pub fn handle(state: &State, params: DidCloseTextDocumentParams) {
    state.docs.close(params.text_document.uri);
}
