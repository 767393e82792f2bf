//! `textDocument/definition`: where a trace's frame points (one location, or every candidate
//! of an ambiguous path).

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::lsp::convert;
use crate::lsp::state::State;

pub async fn handle(
    state: &Arc<State>,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let at = params.text_document_position_params;
    let Some((result, offset)) =
        super::result_at(state, &at.text_document.uri, at.position, true).await
    else {
        return Ok(None);
    };
    let (files, enc) = (super::files(state), state.encoding());
    let locations = tokio::task::spawn_blocking(move || {
        crate::engine::requests::definition::definition(&files, &result, offset)
            .iter()
            .filter_map(|r| convert::location(r, enc))
            .collect::<Vec<_>>()
    })
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
