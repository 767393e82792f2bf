//! `textDocument/didChange`: queued to the document owner in arrival order (sent before any
//! `.await`, so concurrent handlers cannot reorder edits).

use tower_lsp_server::ls_types::DidChangeTextDocumentParams;

use crate::lsp::convert;
use crate::lsp::state::State;
use crate::text::TextChange;

pub fn handle(state: &State, params: DidChangeTextDocumentParams) {
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
    state.docs.change(
        params.text_document.uri,
        params.text_document.version,
        changes,
    );
}
