//! `textDocument/documentLink`: every resolved frame path links to its file and line.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::lsp::convert;
use crate::lsp::state::State;

pub async fn handle(
    state: &State,
    params: DocumentLinkParams,
) -> Result<Option<Vec<DocumentLink>>> {
    let Some(result) = super::fresh_result(state, &params.text_document.uri, false).await else {
        return Ok(None);
    };
    let enc = state.encoding();
    let links = crate::engine::requests::links::links(&result)
        .into_iter()
        .filter_map(|l| {
            Some(DocumentLink {
                range: convert::range(&result.document.index, &l.range, enc),
                target: Some(convert::link_target(&l.target, l.line, l.column)?),
                tooltip: Some(l.tooltip),
                data: None,
            })
        })
        .collect();
    Ok(Some(links))
}
