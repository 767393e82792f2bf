//! The one task that owns open documents.
//!
//! tower-lsp-server runs handlers concurrently, so two `didChange` handlers could otherwise
//! race. Handlers only *send* events here, synchronously and before their first `.await`, so
//! events arrive in the order the client sent them; this task applies them one by one and
//! publishes an immutable snapshot after each. A request that must see every earlier edit asks
//! for a snapshot through the same queue (a barrier), so it is ordered after them too.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot, watch};
use tower_lsp_server::ls_types::Uri;

use crate::text::{Document, Encoding, PositionError, TextChange};

pub type Snapshot = Arc<HashMap<Uri, Arc<Document>>>;

enum Event {
    Open {
        uri: Uri,
        text: String,
        version: i32,
        language_id: String,
    },
    Change {
        uri: Uri,
        version: i32,
        changes: Vec<TextChange>,
    },
    Close {
        uri: Uri,
    },
    Barrier(oneshot::Sender<Snapshot>),
}

/// What happened to a document, for whoever schedules analysis.
#[derive(Debug, Clone)]
pub enum DocNotice {
    Changed(Uri),
    Closed(Uri),
    /// A change could not be applied; the document kept its previous text.
    Rejected {
        uri: Uri,
        version: i32,
        error: PositionError,
    },
    UnknownDocument(Uri),
}

#[derive(Clone)]
pub struct Documents {
    tx: mpsc::UnboundedSender<Event>,
    latest: watch::Receiver<Snapshot>,
}

impl Documents {
    /// Starts the owner task. `encoding` is read when a change is applied (it is fixed at
    /// `initialize`, before any document can open).
    pub fn spawn(
        encoding: Arc<OnceLock<Encoding>>,
        notices: mpsc::UnboundedSender<DocNotice>,
    ) -> Documents {
        let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
        let (publish, latest) = watch::channel::<Snapshot>(Arc::new(HashMap::new()));
        tokio::spawn(async move {
            let mut docs: HashMap<Uri, Arc<Document>> = HashMap::new();
            while let Some(event) = rx.recv().await {
                let enc = encoding.get().copied().unwrap_or_default();
                let changed = match event {
                    Event::Barrier(reply) => {
                        let _ = reply.send(publish.borrow().clone());
                        continue;
                    }
                    Event::Open {
                        uri,
                        text,
                        version,
                        language_id,
                    } => {
                        docs.insert(
                            uri.clone(),
                            Arc::new(Document::new(&text, version, language_id)),
                        );
                        Some(DocNotice::Changed(uri))
                    }
                    Event::Change {
                        uri,
                        version,
                        changes,
                    } => match docs.get(&uri) {
                        None => Some(DocNotice::UnknownDocument(uri)),
                        Some(current) => {
                            let mut next = Document::clone(current);
                            match next.apply(&changes, version, enc) {
                                Ok(()) => {
                                    docs.insert(uri.clone(), Arc::new(next));
                                    Some(DocNotice::Changed(uri))
                                }
                                Err(error) => Some(DocNotice::Rejected {
                                    uri,
                                    version,
                                    error,
                                }),
                            }
                        }
                    },
                    Event::Close { uri } => {
                        docs.remove(&uri);
                        Some(DocNotice::Closed(uri))
                    }
                };
                if !matches!(
                    changed,
                    Some(DocNotice::Rejected { .. } | DocNotice::UnknownDocument(_))
                ) {
                    publish.send_replace(Arc::new(docs.clone()));
                }
                if let Some(notice) = changed {
                    let _ = notices.send(notice);
                }
            }
        });
        Documents { tx, latest }
    }

    pub fn open(&self, uri: Uri, text: String, version: i32, language_id: String) {
        let _ = self.tx.send(Event::Open {
            uri,
            text,
            version,
            language_id,
        });
    }

    pub fn change(&self, uri: Uri, version: i32, changes: Vec<TextChange>) {
        let _ = self.tx.send(Event::Change {
            uri,
            version,
            changes,
        });
    }

    pub fn close(&self, uri: Uri) {
        let _ = self.tx.send(Event::Close { uri });
    }

    /// A snapshot that includes every event sent before this call.
    pub async fn snapshot(&self) -> Snapshot {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Event::Barrier(reply)).is_err() {
            return self.latest();
        }
        rx.await.unwrap_or_else(|_| self.latest())
    }

    /// The newest published snapshot, without waiting for queued events.
    pub fn latest(&self) -> Snapshot {
        self.latest.borrow().clone()
    }
}

/// A file's text as the user sees it: the open buffer (with its version) when there is one,
/// else the disk (read lossily). Every reader of workspace files in the server goes through here.
pub fn open_or_disk(
    open: &Snapshot,
    path: &std::path::Path,
) -> Option<(crate::text::LineIndex, Option<i32>)> {
    if let Some(doc) = super::convert::uri_for_path(path).and_then(|u| open.get(&u).cloned()) {
        return Some((doc.index.clone(), Some(doc.version)));
    }
    let bytes = std::fs::read(path).ok()?;
    Some((
        crate::text::LineIndex::new(&String::from_utf8_lossy(&bytes)),
        None,
    ))
}

/// The engine's view of workspace files for requests: open buffers (with their version) first,
/// then the disk.
pub struct OpenFiles(pub Snapshot);

impl crate::engine::requests::Files for OpenFiles {
    fn read(&self, path: &std::path::Path) -> Option<crate::engine::requests::FileText> {
        open_or_disk(&self.0, path)
            .map(|(lines, version)| crate::engine::requests::FileText { lines, version })
    }
}
