//! `debuglens/viewFileText`: the server's copy of a document (like rust-analyzer's
//! `viewFileText`), for checking that client and server agree.

use serde::{Deserialize, Serialize};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::Uri;

use crate::lsp::state::State;

#[derive(Debug, Deserialize)]
pub struct ViewFileTextParams {
    pub uri: Uri,
}

#[derive(Debug, Serialize)]
pub struct ViewFileTextResult {
    pub text: String,
    pub version: i32,
}

pub async fn handle(
    state: &State,
    params: ViewFileTextParams,
) -> Result<Option<ViewFileTextResult>> {
    let snapshot = state.docs.snapshot().await;
    Ok(snapshot.get(&params.uri).map(|d| ViewFileTextResult {
        text: d.text(),
        version: d.version,
    }))
}
