//! `textDocument/didOpen`: the document joins the open set (its analysis follows, debounced).

use tower_lsp_server::ls_types::DidOpenTextDocumentParams;

use crate::lsp::state::State;

pub fn handle(state: &State, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    state
        .docs
        .open(doc.uri, doc.text, doc.version, doc.language_id);
}
