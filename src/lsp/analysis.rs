//! Debounced analysis of open documents, off the async runtime, published only while current.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, mpsc};
use tokio::time::Instant;
use tower_lsp_server::ls_types::{self as lsp, MessageType, Uri};

use super::convert;
use super::documents::DocNotice;
use super::state::State;
use crate::engine::{self, DocumentInput, DocumentReport};
use crate::text::{Document, LineIndex};

/// The analysis of one document version, as the request handlers read it.
#[derive(Debug)]
#[allow(dead_code)] // read by hover, links and code actions as they land
pub struct DocResult {
    pub version: i32,
    pub document: Arc<Document>,
    pub report: DocumentReport,
}

pub enum Work {
    /// Settings or the workspace changed: analyse every open document again.
    ReanalyzeAll,
}

#[derive(Clone)]
pub struct Scheduler {
    tx: mpsc::UnboundedSender<Work>,
}

impl Scheduler {
    pub fn channel() -> (Scheduler, mpsc::UnboundedReceiver<Work>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Scheduler { tx }, rx)
    }

    pub fn reanalyze_all(&self) {
        let _ = self.tx.send(Work::ReanalyzeAll);
    }
}

/// Runs the scheduling loop: collects changed documents, waits `debounceMs` after the last
/// change of each, then analyses it on a blocking thread.
pub fn spawn(
    state: Arc<State>,
    mut notices: mpsc::UnboundedReceiver<DocNotice>,
    mut work: mpsc::UnboundedReceiver<Work>,
) {
    let published: Arc<AsyncMutex<HashMap<Uri, i32>>> = Arc::default();
    tokio::spawn(async move {
        let mut pending: HashMap<Uri, Instant> = HashMap::new();
        loop {
            let next = pending.values().min().copied();
            tokio::select! {
                notice = notices.recv() => {
                    let Some(notice) = notice else { break };
                    let debounce = Duration::from_millis(state.settings().debounce_ms);
                    match notice {
                        DocNotice::Changed(uri) => {
                            pending.insert(uri, Instant::now() + debounce);
                        }
                        DocNotice::Closed(uri) => {
                            pending.remove(&uri);
                            clear(&state, &published, uri).await;
                        }
                        DocNotice::Rejected { uri, version, error } => {
                            let msg = format!(
                                "didChange to version {version} of {} rejected: {error}; the document keeps its previous text until the next full sync",
                                uri.as_str()
                            );
                            tracing::error!("{msg}");
                            state.client.log_message(MessageType::ERROR, msg).await;
                        }
                        DocNotice::UnknownDocument(uri) => {
                            let msg = format!("didChange for {} which is not open; ignored", uri.as_str());
                            tracing::warn!("{msg}");
                            state.client.log_message(MessageType::WARNING, msg).await;
                        }
                    }
                }
                job = work.recv() => {
                    let Some(Work::ReanalyzeAll) = job else { break };
                    let now = Instant::now();
                    for uri in state.docs.latest().keys() {
                        pending.insert(uri.clone(), now);
                    }
                }
                _ = sleep_until(next), if next.is_some() => {
                    let now = Instant::now();
                    let due: Vec<Uri> = pending.iter().filter(|(_, t)| **t <= now).map(|(u, _)| u.clone()).collect();
                    for uri in due {
                        pending.remove(&uri);
                        tokio::spawn(analyze(Arc::clone(&state), Arc::clone(&published), uri));
                    }
                }
            }
        }
    });
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

async fn analyze(state: Arc<State>, published: Arc<AsyncMutex<HashMap<Uri, i32>>>, uri: Uri) {
    let Some(document) = state.docs.latest().get(&uri).cloned() else {
        return;
    };
    let settings = state.settings();
    let enc = state.encoding();
    let path = uri.to_file_path().map(|p| p.into_owned());
    let doc = Arc::clone(&document);
    let open_docs = state.docs.latest();
    let job = tokio::task::spawn_blocking(move || {
        let text = doc.text();
        let report = engine::analyze_document(
            DocumentInput {
                path: path.as_deref(),
                language_id: &doc.language_id,
                text: &text,
            },
            &settings,
        );
        let mut text_of = |p: &Path| -> Option<LineIndex> {
            let uri = convert::uri_for_path(p)?;
            if let Some(open) = open_docs.get(&uri) {
                return Some(open.index.clone());
            }
            let bytes = std::fs::read(p).ok()?;
            Some(LineIndex::new(&String::from_utf8_lossy(&bytes)))
        };
        let diagnostics: Vec<lsp::Diagnostic> = report
            .diagnostics
            .iter()
            .map(|d| convert::diagnostic(&doc.index, d, enc, &mut text_of))
            .collect();
        (report, diagnostics)
    });
    let (report, diagnostics) = match job.await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("analysis of {} failed: {e}", uri.as_str());
            return;
        }
    };
    // Publish under one lock, and only if this version is still the document's current one:
    // a result for version N is never shown once N+1 exists.
    let mut published = published.lock().await;
    let current = state.docs.latest().get(&uri).map(|d| d.version);
    if current != Some(document.version) {
        tracing::debug!(
            "dropping stale analysis of {} v{}",
            uri.as_str(),
            document.version
        );
        return;
    }
    if published.get(&uri).is_some_and(|v| *v > document.version) {
        return;
    }
    published.insert(uri.clone(), document.version);
    if let Ok(mut results) = state.results.write() {
        results.insert(
            uri.clone(),
            Arc::new(DocResult {
                version: document.version,
                document: Arc::clone(&document),
                report,
            }),
        );
    }
    state
        .client
        .publish_diagnostics(uri, diagnostics, Some(document.version))
        .await;
}

async fn clear(state: &State, published: &AsyncMutex<HashMap<Uri, i32>>, uri: Uri) {
    let mut published = published.lock().await;
    published.remove(&uri);
    if let Ok(mut results) = state.results.write() {
        results.remove(&uri);
    }
    state
        .client
        .publish_diagnostics(uri, Vec::new(), None)
        .await;
}
