//! Background indexing of workspace folders, reported with `$/progress` when the client can
//! show it. Requests keep being answered while it runs: the walk is on a blocking thread and
//! the index is written in small batches.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tower_lsp_server::ls_types::{NumberOrString, ProgressToken};

use super::state::State;
use crate::code::{self, FileSummary, Lang};
use crate::engine::Change;
use crate::workspace::{self, FileEntry, ScanOptions};

static SCAN_SEQ: AtomicUsize = AtomicUsize::new(0);
const BATCH: usize = 256;

/// Marks a scan of `roots` as under way, at once: requests that need the index wait for it
/// from this moment, not only once [`scan`] gets to run (settings are read first). Returns
/// whether there is anything to scan; call [`scan`] with the result.
pub fn announce(state: &State, roots: &[PathBuf]) -> bool {
    if roots.is_empty() {
        return false;
    }
    state.host.apply(Change::ScanStarted);
    true
}

/// Indexes `roots` (announced with [`announce`]), stopping any scan still running.
pub async fn scan(state: Arc<State>, roots: Vec<PathBuf>, announced: bool) {
    if !announced {
        return;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    if let Ok(mut slot) = state.scan_cancel.lock() {
        if let Some(previous) = slot.replace(Arc::clone(&cancel)) {
            previous.store(true, Ordering::Relaxed);
        }
    }
    let settings = state.settings();
    state.host.code().sync_settings(&settings);
    let opts = ScanOptions {
        max_file_bytes: settings.max_file_bytes,
        exclude: settings.exclude.clone(),
    };
    let started = Instant::now();

    let progress = if state.caps().work_done_progress {
        let token: ProgressToken = NumberOrString::String(format!(
            "debuglens/index/{}",
            SCAN_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        match state.client.create_work_done_progress(token.clone()).await {
            Ok(()) => Some(
                state
                    .client
                    .progress(token, "debuglens: indexing")
                    .with_message(format!("{} folder(s)", roots.len()))
                    .begin()
                    .await,
            ),
            Err(e) => {
                tracing::debug!("client refused a progress token: {e}");
                None
            }
        }
    } else {
        None
    };

    let count = Arc::new(AtomicUsize::new(0));
    let walk_state = Arc::clone(&state);
    let walk_count = Arc::clone(&count);
    let walk_cancel = Arc::clone(&cancel);
    let mut job = tokio::task::spawn_blocking(move || {
        let mut totals = workspace::ScanStats::default();
        for root in roots {
            walk_state.host.apply(Change::AddRoot(root.clone()));
            let mut batch: Vec<FileEntry> = Vec::with_capacity(BATCH);
            let mut summaries: Vec<(String, FileSummary)> = Vec::new();
            let flush = |batch: &mut Vec<FileEntry>, summaries: &mut Vec<(String, FileSummary)>| {
                walk_state.host.apply(Change::Indexed {
                    files: std::mem::take(batch),
                    summaries: std::mem::take(summaries),
                });
            };
            let stats = workspace::walk(&root, &opts, &walk_cancel, |entry| {
                if let Some(lang) = Lang::from_path(&entry.rel) {
                    if let Ok(bytes) = std::fs::read(&entry.path) {
                        let text = String::from_utf8_lossy(&bytes);
                        summaries
                            .push((entry.rel.clone(), code::summarize(&entry.rel, lang, &text)));
                    }
                }
                batch.push(entry);
                walk_count.fetch_add(1, Ordering::Relaxed);
                if batch.len() >= BATCH {
                    flush(&mut batch, &mut summaries);
                }
            });
            flush(&mut batch, &mut summaries);
            totals.files += stats.files;
            totals.skipped_binary += stats.skipped_binary;
            totals.skipped_large += stats.skipped_large;
            totals.errors += stats.errors;
            totals.cancelled |= stats.cancelled;
            if stats.cancelled {
                break;
            }
        }
        totals
    });

    let stats = loop {
        tokio::select! {
            done = &mut job => break done.ok(),
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                if let Some(p) = &progress {
                    p.report(format!("{} files", count.load(Ordering::Relaxed))).await;
                }
            }
        }
    };
    let summary = match &stats {
        Some(s) if s.cancelled => "indexing superseded by a newer scan".to_string(),
        Some(s) => format!(
            "indexed {} files in {} ms ({} binary and {} over maxFileBytes skipped)",
            s.files,
            started.elapsed().as_millis(),
            s.skipped_binary,
            s.skipped_large
        ),
        None => "indexing failed".to_string(),
    };
    tracing::info!("{summary}");
    if let Some(p) = progress {
        p.finish_with_message(summary).await;
    }
    state.host.apply(Change::ScanEnded);
    if stats.is_some_and(|s| !s.cancelled) {
        state.scheduler.reanalyze_all();
    }
}
