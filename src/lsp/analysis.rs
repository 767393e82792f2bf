//! Debounced analysis of open documents, off the async runtime, published only while current.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, mpsc};
use tokio::time::Instant;
use tower_lsp_server::ls_types::{self as lsp, MessageType, Uri};

use super::convert;
use super::documents::{DocNotice, open_or_disk};
use super::state::State;
use crate::engine::{self, Change};

/// The (version, index generation) of each document's published analysis. The open document's
/// current version decides what may be published; among analyses of that same version, one
/// made against an older index never replaces a newer one.
type Published = Arc<AsyncMutex<HashMap<Uri, (i32, u64)>>>;

pub enum Work {
    /// Settings or the workspace changed: analyse every open document again.
    ReanalyzeAll,
    /// A file this document's findings depend on changed.
    Reanalyze(Uri),
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

    pub fn reanalyze(&self, uri: Uri) {
        let _ = self.tx.send(Work::Reanalyze(uri));
    }
}

/// Runs the scheduling loop: collects changed documents, waits `debounceMs` after the last
/// change of each, then analyses it on a blocking thread.
pub fn spawn(
    state: Arc<State>,
    mut notices: mpsc::UnboundedReceiver<DocNotice>,
    mut work: mpsc::UnboundedReceiver<Work>,
) {
    let published: Published = Arc::default();
    tokio::spawn(async move {
        // When each document is due, and whether its analysis should propagate to the files
        // that depend on it (only edits do; re-analyses they cause do not, or two files would
        // keep waking each other).
        let mut pending: HashMap<Uri, (Instant, bool)> = HashMap::new();
        loop {
            // Due documents start now: a deadline already passed (`debounceMs` 0, a
            // re-analysis) would otherwise wait for the timer's next millisecond tick.
            start_due(&state, &published, &mut pending);
            let next = pending.values().map(|(t, _)| *t).min();
            tokio::select! {
                notice = notices.recv() => {
                    let Some(notice) = notice else { break };
                    let debounce = Duration::from_millis(state.settings().debounce_ms);
                    match notice {
                        DocNotice::Changed(uri) => {
                            pending.insert(uri, (Instant::now() + debounce, true));
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
                    let now = Instant::now();
                    match job {
                        None => break,
                        Some(Work::ReanalyzeAll) => {
                            for uri in state.docs.latest().keys() {
                                pending.entry(uri.clone()).or_insert((now, false));
                            }
                        }
                        Some(Work::Reanalyze(uri)) => {
                            if state.docs.latest().contains_key(&uri) {
                                pending.entry(uri).or_insert((now, false));
                            }
                        }
                    }
                }
                _ = sleep_until(next), if next.is_some() => {}
            }
        }
    });
}

/// Starts the analysis of every pending document whose debounce has run out.
fn start_due(
    state: &Arc<State>,
    published: &Published,
    pending: &mut HashMap<Uri, (Instant, bool)>,
) {
    let now = Instant::now();
    pending.retain(|uri, (due, propagate)| {
        if *due > now {
            return true;
        }
        tokio::spawn(analyze(
            Arc::clone(state),
            Arc::clone(published),
            uri.clone(),
            *propagate,
        ));
        false
    });
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Open buffers first, then the disk: what the analysis reads of other files.
struct LspSources {
    open: super::documents::Snapshot,
    disk: engine::DiskSources,
    texts: std::sync::Mutex<HashMap<Uri, Arc<str>>>,
}

impl engine::Sources for LspSources {
    fn text(&self, path: &Path) -> Option<Arc<str>> {
        let uri = convert::uri_for_path(path)?;
        if let Some(doc) = self.open.get(&uri) {
            let mut texts = self.texts.lock().unwrap_or_else(|p| p.into_inner());
            return Some(Arc::clone(
                texts
                    .entry(uri)
                    .or_insert_with(|| Arc::from(doc.text().as_str())),
            ));
        }
        self.disk.text(path)
    }
}

async fn analyze(state: Arc<State>, published: Published, uri: Uri, propagate: bool) {
    let Some(document) = state.docs.latest().get(&uri).cloned() else {
        return;
    };
    let enc = state.encoding();
    let path = uri.to_file_path().map(|p| p.into_owned());
    let doc = Arc::clone(&document);
    let open_docs = state.docs.latest();
    let host = Arc::clone(&state.host);
    let key = uri.as_str().to_string();
    let job = tokio::task::spawn_blocking(move || {
        let sources = LspSources {
            open: Arc::clone(&open_docs),
            disk: Default::default(),
            texts: Default::default(),
        };
        let (mut analysis, dependents) =
            host.analyze(&key, path.as_deref(), &doc, &sources, propagate);
        let diagnostics = to_lsp_diagnostics(&mut analysis, path.as_deref(), &sources, enc);
        (analysis, diagnostics, dependents)
    });
    let (analysis, diagnostics, dependents) = match job.await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("analysis of {} failed: {e}", uri.as_str());
            return;
        }
    };
    let targets = {
        // Store and publish under one lock, and only if this version is still the document's
        // current one: a result for version N is never shown once N+1 exists.
        let mut guard = published.lock().await;
        let current = state.docs.latest().get(&uri).map(|d| d.version);
        if current != Some(document.version) {
            tracing::debug!(
                "dropping stale analysis of {} v{}",
                uri.as_str(),
                document.version
            );
            return;
        }
        // A client may send a lower version than before (a reopen, a client's own reset): the
        // document's current version is what counts, never the highest one seen.
        let stamp = (document.version, analysis.generation);
        if guard
            .get(&uri)
            .is_some_and(|(v, g)| *v == stamp.0 && *g > stamp.1)
        {
            return;
        }
        guard.insert(uri.clone(), stamp);
        state
            .diagnostics
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(uri.clone(), (document.version, Arc::new(diagnostics)));
        let (previous, targets) = state.host.store(Arc::new(analysis));
        // Hundreds of diagnostics and their report: not freed on this edit's path.
        crate::reclaim::drop_later(previous);
        publish_locked(&state, &uri).await;
        targets
    };
    republish_targets(&state, &published, &uri, targets.into_iter()).await;
    for dep in dependents {
        if let Some(dep) = convert::uri_for_path(&dep) {
            state.scheduler.reanalyze(dep);
        }
    }
}

/// The analysis's diagnostics in LSP form (moving their `data` out: the LSP form is the one
/// kept). A chain's hops are mostly in a few helper files: each is read, and its URI built,
/// once per analysis, through the analysis's sources (open buffers first, the disk once).
fn to_lsp_diagnostics(
    analysis: &mut engine::Analysis,
    path: Option<&Path>,
    sources: &LspSources,
    enc: crate::text::Encoding,
) -> Vec<lsp::Diagnostic> {
    let own = crate::text::LineTable::new(Arc::clone(&analysis.text));
    let mut files: HashMap<PathBuf, Option<Arc<convert::RelatedFile>>> = HashMap::new();
    let mut file_of = |p: &Path| {
        use engine::Sources;
        files
            .entry(p.to_path_buf())
            .or_insert_with(|| {
                let lines = if path == Some(p) {
                    own.clone()
                } else {
                    crate::text::LineTable::new(sources.text(p)?)
                };
                let uri = convert::uri_for_path(p)?;
                Some(Arc::new(convert::RelatedFile { uri, lines }))
            })
            .clone()
    };
    analysis
        .report
        .diagnostics
        .iter_mut()
        .map(|d| convert::diagnostic(&own, d, enc, &mut file_of))
        .collect()
}

async fn republish_targets(
    state: &State,
    published: &Published,
    origin: &Uri,
    targets: impl Iterator<Item = PathBuf>,
) {
    let mut seen = std::collections::HashSet::new();
    for target in targets {
        if !seen.insert(target.clone()) {
            continue;
        }
        let Some(uri) = convert::uri_for_path(&target) else {
            continue;
        };
        if &uri == origin {
            continue;
        }
        let _guard = published.lock().await;
        publish_locked(state, &uri).await;
    }
}

/// Publishes `uri`'s diagnostics: its own analysis (when open and current) plus the marks that
/// traces in open documents put on it. Call with the publish lock held.
async fn publish_locked(state: &State, uri: &Uri) {
    let open = state.docs.latest();
    let doc = open.get(uri).cloned();
    let (own, version) = match &doc {
        Some(d) => match state.diagnostics_for(uri, d.version) {
            Some(own) => (own, Some(d.version)),
            // Its own analysis is on the way and will publish.
            None => return,
        },
        None => (Arc::default(), None),
    };
    let marks = mark_diagnostics(state, uri, &open);
    // Serialised from borrowed diagnostics straight into a frame: a publish of a few hundred
    // diagnostics is most of an edit's cost when it is cloned, turned into a `serde_json::Value`
    // and serialised from that, as `Client::publish_diagnostics` does.
    let note = PublishNotification {
        jsonrpc: "2.0",
        method: "textDocument/publishDiagnostics",
        params: PublishParams {
            uri,
            diagnostics: Chained(&own, &marks),
            version,
        },
    };
    // Sized for ~1 KB per loop diagnostic (with its chain) and ~256 bytes per frame mark, not
    // grown by doubling; at most 4 MiB up front.
    let mut body = Vec::with_capacity((256 + 1024 * own.len() + 256 * marks.len()).min(4 << 20));
    match serde_json::to_writer(&mut body, &note) {
        Ok(()) => {
            let _ = state.direct.send(body);
        }
        Err(e) => tracing::error!("cannot serialise diagnostics for {}: {e}", uri.as_str()),
    }
}

#[derive(serde::Serialize)]
struct PublishNotification<'a> {
    jsonrpc: &'static str,
    method: &'static str,
    params: PublishParams<'a>,
}

/// `PublishDiagnosticsParams`, borrowing its diagnostics.
#[derive(serde::Serialize)]
struct PublishParams<'a> {
    uri: &'a Uri,
    diagnostics: Chained<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i32>,
}

/// Two slices serialised as one JSON array.
struct Chained<'a>(&'a [lsp::Diagnostic], &'a [lsp::Diagnostic]);

impl serde::Serialize for Chained<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().chain(self.1))
    }
}

fn mark_diagnostics(
    state: &State,
    uri: &Uri,
    open: &super::documents::Snapshot,
) -> Vec<lsp::Diagnostic> {
    let Some(path) = uri.to_file_path().map(|p| p.into_owned()) else {
        return Vec::new();
    };
    let marks = state.host.snapshot().marks_on(&path);
    if marks.is_empty() {
        return Vec::new();
    }
    let enc = state.encoding();
    let Some((target_index, _)) = open_or_disk(open, &path) else {
        return Vec::new();
    };
    let target_text = target_index.text();
    marks
        .into_iter()
        .filter_map(|(origin, m)| {
            let origin: Uri = origin.parse().ok()?;
            let range = engine::traces::locate(&target_text, m.line, m.expected.as_deref())?;
            let origin_doc = open.get(&origin)?;
            Some(lsp::Diagnostic {
                range: convert::range(&target_index, &range, enc),
                severity: Some(convert::severity(m.severity)),
                code: Some(lsp::NumberOrString::String(
                    engine::traces::RULE.to_string(),
                )),
                source: Some("debuglens".to_string()),
                message: m.message.clone(),
                related_information: Some(vec![
                    lsp::DiagnosticRelatedInformation {
                        location: lsp::Location::new(
                            origin.clone(),
                            convert::range(&origin_doc.index, &m.frame_span, enc),
                        ),
                        message: "the frame in the pasted trace".to_string(),
                    },
                    lsp::DiagnosticRelatedInformation {
                        location: lsp::Location::new(
                            origin.clone(),
                            convert::range(&origin_doc.index, &m.origin, enc),
                        ),
                        message: "the exception".to_string(),
                    },
                ]),
                ..Default::default()
            })
        })
        .collect()
}

async fn clear(state: &Arc<State>, published: &Published, uri: Uri) {
    // A closed code file is what is on disk again.
    let path = uri.to_file_path().map(|p| p.into_owned());
    let code = match path
        .as_ref()
        .and_then(|p| Some((state.host.code_key(p)?, p.clone())))
    {
        Some(((rel, _), path)) => {
            let on_disk = super::handlers::did_change_watched_files::summarize_on_disk(
                &rel,
                path.is_file().then_some(path),
            )
            .await;
            Some((rel, on_disk))
        }
        None => None,
    };
    let republish = {
        let mut guard = published.lock().await;
        guard.remove(&uri);
        state
            .diagnostics
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&uri);
        let effect = state.host.apply(Change::Closed {
            key: uri.as_str().to_string(),
            code,
        });
        // A closed file may still carry marks from traces in open documents.
        publish_locked(state, &uri).await;
        effect.republish
    };
    republish_targets(state, published, &uri, republish.into_iter()).await;
}
