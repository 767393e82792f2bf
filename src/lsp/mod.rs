//! The LSP face: JSON-RPC over stdio, LSP types, and nothing else. Everything it says comes
//! from the engine (`crate::engine` and the modules below it).

mod analysis;
mod capabilities;
mod config_sync;
pub mod convert;
mod documents;
pub mod framing;
mod handlers;
mod scan;
mod server;
mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

pub use server::Backend;

/// Size of the in-memory pipes between the framing layer and tower-lsp-server.
const PIPE_BYTES: usize = 1 << 20;

/// Serves one LSP session over `input`/`output` and returns the process exit code the LSP
/// prescribes: 0 when `exit` followed `shutdown`, 1 otherwise (exit without shutdown, or the
/// client went away).
pub async fn serve<I, O>(input: I, output: O) -> i32
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    // Two in-memory pipes: the framing layer writes checked frames into one end of `input_pipe`
    // and the server reads the other; the server writes into `output_pipe`, the writer pump reads.
    let (pump_to_server, server_reads) = tokio::io::duplex(PIPE_BYTES);
    let (server_writes, pump_from_server) = tokio::io::duplex(PIPE_BYTES);
    // Frames written beside the server's own output: the framing layer's answers to bad input,
    // and the server's diagnostics, which it serialises itself.
    let (direct_tx, direct_rx) = tokio::sync::mpsc::unbounded_channel();

    let exited = Arc::new(AtomicBool::new(false));
    let reader = tokio::spawn(framing::pump_input(
        input,
        pump_to_server,
        direct_tx.clone(),
        Arc::clone(&exited),
    ));
    let writer = tokio::spawn(framing::pump_output(pump_from_server, output, direct_rx));

    let (service, socket) = LspService::build(move |client| Backend::new(client, direct_tx))
        .custom_method("debuglens/viewFileText", Backend::view_file_text)
        .finish();
    let shutdown = Arc::clone(&service.inner().state.shutdown_requested);

    Server::new(server_reads, server_writes, socket)
        .serve(service)
        .await;

    // The server's output pipe is closed now; let the writer drain it.
    let _ = writer.await;
    reader.abort();
    if exited.load(Ordering::SeqCst) && shutdown.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}

/// `debuglens lsp`: serve over stdin/stdout. Returns the exit code.
pub fn run_stdio() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return 2;
        }
    };
    let code = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Blocking stdin reads can keep the runtime's shutdown waiting; the LSP wants us gone.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}
