//! `textDocument/hover`: on a trace's frame or header (see `engine::requests::hover`).

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::lsp::convert;
use crate::lsp::state::State;

pub async fn handle(state: &Arc<State>, params: HoverParams) -> Result<Option<Hover>> {
    let at = params.text_document_position_params;
    let Some((result, offset)) =
        super::result_at(state, &at.text_document.uri, at.position, false).await
    else {
        return Ok(None);
    };
    let (host, files, enc) = (
        Arc::clone(&state.host),
        super::files(state),
        state.encoding(),
    );
    // Reading the frame's file may touch the disk: not on the async runtime.
    let hover = tokio::task::spawn_blocking(move || {
        crate::engine::requests::hover::hover(&host, &files, &result, offset).map(|h| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: h.markdown,
            }),
            range: Some(convert::range(&result.document.index, &h.range, enc)),
        })
    });
    Ok(hover.await.ok().flatten())
}
