//! `textDocument/documentSymbol`: the outline of the document's stack traces.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::engine::requests::symbols::{self, Symbol};
use crate::lsp::convert;
use crate::lsp::state::State;
use crate::text::{Encoding, LineIndex};

pub async fn handle(
    state: &State,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let Some(result) = super::fresh_result(state, &params.text_document.uri, false).await else {
        return Ok(None);
    };
    let enc = state.encoding();
    let index = &result.document.index;
    let symbols = symbols::symbols(&result)
        .into_iter()
        .map(|s| to_lsp(s, index, enc))
        .collect();
    Ok(Some(DocumentSymbolResponse::Nested(symbols)))
}

#[allow(deprecated)] // `deprecated` is a required field of the struct, deprecated itself
fn to_lsp(s: Symbol, index: &LineIndex, enc: Encoding) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name,
        detail: Some(s.detail),
        kind: match s.kind {
            symbols::SymbolKind::Exception => SymbolKind::EVENT,
            symbols::SymbolKind::Function => SymbolKind::FUNCTION,
        },
        tags: None,
        deprecated: None,
        range: convert::range(index, &s.range, enc),
        selection_range: convert::range(index, &s.selection, enc),
        children: Some(
            s.children
                .into_iter()
                .map(|c| to_lsp(c, index, enc))
                .collect(),
        )
        .filter(|c: &Vec<DocumentSymbol>| !c.is_empty()),
    }
}
