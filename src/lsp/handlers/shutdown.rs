//! `shutdown`: remembers it was asked (the exit code depends on it) and stops any scan.

use std::sync::atomic::Ordering;

use tower_lsp_server::jsonrpc::Result;

use crate::lsp::state::State;

pub async fn handle(state: &State) -> Result<()> {
    state.shutdown_requested.store(true, Ordering::SeqCst);
    if let Ok(slot) = state.scan_cancel.lock() {
        if let Some(cancel) = slot.as_ref() {
            cancel.store(true, Ordering::Relaxed);
        }
    }
    Ok(())
}
