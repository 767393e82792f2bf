//! The engine host (after rust-analyzer's `AnalysisHost`): the analysis state both faces need —
//! settings, the workspace file index, the code index with the parse trees of open code
//! documents and the workspace findings, each open document's latest analysis, and the marks
//! traces put on other files. A face changes it with [`Host::apply`] and [`Host::analyze`] /
//! [`Host::store`], and reads it through [`Host::snapshot`] or by waiting for a document's
//! analysis with [`Host::wait_for`] (woken by a notification, never by polling).
//!
//! Documents are keyed by a face-chosen string (the server uses the document's URI).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use tokio::sync::watch;

use super::traces::FrameMark;
use super::{CodeKey, Context, DocumentInput, DocumentReport, Sources};
use crate::code::{FileSummary, Finding};
use crate::config::Settings;
use crate::text::Document;
use crate::workspace::{FileEntry, WorkspaceIndex};

/// How long an analysis's helper thread waits for its work by yielding before it sleeps: the
/// reparse and re-summary of a 5k-line file take 3–8 ms (see `code::Helper`).
const HELPER_SPIN: Duration = Duration::from_millis(30);

/// The analysis of one document version.
#[derive(Debug)]
pub struct Analysis {
    pub key: String,
    /// The document's file, when it has one.
    pub path: Option<PathBuf>,
    /// The workspace index generation the analysis saw (bumped when a scan ends).
    pub generation: u64,
    pub version: i32,
    pub document: Arc<Document>,
    /// The document's text as analysed (the face converts positions against it without
    /// copying the rope out again).
    pub text: Arc<str>,
    pub report: DocumentReport,
}

/// One change to the state, in plain types.
#[derive(Debug)]
pub enum Change {
    /// New effective settings.
    Settings(Settings),
    AddRoot(PathBuf),
    RemoveRoot(PathBuf),
    /// A batch of a folder scan: its files, and the summaries of its code files (an open
    /// document's buffer is newer than the disk and keeps its own).
    Indexed {
        files: Vec<FileEntry>,
        summaries: Vec<(String, FileSummary)>,
    },
    /// A workspace file changed on disk: `entry` and `summary` are `None` when it is gone (or
    /// no longer admitted). `rel` is its code key.
    FileChanged {
        path: PathBuf,
        rel: String,
        entry: Option<FileEntry>,
        summary: Option<FileSummary>,
    },
    /// A document closed; `code` is its code key and what is on disk now, when it is code.
    Closed {
        key: String,
        code: Option<(String, Option<FileSummary>)>,
    },
    ScanStarted,
    /// A scan ended: analyses from before it resolved frames against a partial index.
    ScanEnded,
}

/// What a change means for the face.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Effect {
    /// Every open document should be analysed again.
    pub reanalyze_all: bool,
    /// Files whose marks changed: their diagnostics should be published again.
    pub republish: Vec<PathBuf>,
}

/// What requests read: the state as of one moment (settings and every stored analysis and
/// mark), plus read access to the workspace index through the host.
#[derive(Clone)]
pub struct Snapshot {
    pub settings: Arc<Settings>,
    pub results: Arc<HashMap<String, Arc<Analysis>>>,
    pub marks: Arc<HashMap<String, Vec<FrameMark>>>,
}

impl Snapshot {
    /// Every mark a trace in an open document puts on `path`, with that document's key.
    pub fn marks_on(&self, path: &Path) -> Vec<(String, FrameMark)> {
        self.marks
            .iter()
            .flat_map(|(origin, ms)| {
                ms.iter()
                    .filter(|m| m.target == path)
                    .map(move |m| (origin.clone(), m.clone()))
            })
            .collect()
    }
}

pub struct Host {
    settings: RwLock<Arc<Settings>>,
    workspace: RwLock<WorkspaceIndex>,
    code: Mutex<CodeState>,
    results: RwLock<Arc<HashMap<String, Arc<Analysis>>>>,
    marks: RwLock<Arc<HashMap<String, Vec<FrameMark>>>>,
    scans_running: AtomicUsize,
    generation: AtomicU64,
    /// Bumped whenever a result is stored or a scan ends; waiters watch it.
    changed: watch::Sender<u64>,
}

impl Default for Host {
    fn default() -> Host {
        Host::new(Settings::default())
    }
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

impl Host {
    pub fn new(settings: Settings) -> Host {
        Host {
            code: Mutex::new(CodeState::new(&settings)),
            settings: RwLock::new(Arc::new(settings)),
            workspace: RwLock::new(WorkspaceIndex::default()),
            results: RwLock::default(),
            marks: RwLock::default(),
            scans_running: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            changed: watch::channel(0).0,
        }
    }

    pub fn settings(&self) -> Arc<Settings> {
        Arc::clone(&read(&self.settings))
    }

    pub fn workspace(&self) -> RwLockReadGuard<'_, WorkspaceIndex> {
        read(&self.workspace)
    }

    /// The code index and open parse trees. Lock order: code before workspace.
    pub fn code(&self) -> MutexGuard<'_, CodeState> {
        self.code.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            settings: self.settings(),
            results: Arc::clone(&read(&self.results)),
            marks: Arc::clone(&read(&self.marks)),
        }
    }

    /// The latest stored analysis of a document.
    pub fn result(&self, key: &str) -> Option<Arc<Analysis>> {
        read(&self.results).get(key).cloned()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn indexing(&self) -> bool {
        self.scans_running.load(Ordering::SeqCst) > 0
    }

    pub fn apply(&self, change: Change) -> Effect {
        let mut effect = Effect::default();
        match change {
            Change::Settings(next) => {
                let mut slot = write(&self.settings);
                if **slot != next {
                    *slot = Arc::new(next);
                    effect.reanalyze_all = true;
                }
            }
            Change::AddRoot(root) => write(&self.workspace).add_root(root),
            Change::RemoveRoot(root) => write(&self.workspace).remove_root(&root),
            Change::Indexed { files, summaries } => {
                let mut index = write(&self.workspace);
                for entry in files {
                    index.insert(entry);
                }
                drop(index);
                let mut code = self.code();
                for (rel, summary) in summaries {
                    if !code.parsed.contains_key(&rel) {
                        code.update(&rel, summary);
                    }
                }
            }
            Change::FileChanged {
                path,
                rel,
                entry,
                summary,
            } => {
                {
                    let mut code = self.code();
                    if crate::code::Lang::from_path(&rel).is_some()
                        && !code.parsed.contains_key(&rel)
                    {
                        match summary {
                            Some(s) => code.update(&rel, s),
                            None => code.remove(&rel),
                        }
                    }
                }
                let mut index = write(&self.workspace);
                match entry {
                    Some(e) => index.insert(e),
                    None => {
                        index.remove(&path);
                    }
                }
            }
            Change::Closed { key, code } => {
                if let Some((rel, on_disk)) = code {
                    let mut state = self.code();
                    state.parsed.remove(&rel);
                    match on_disk {
                        Some(s) => state.update(&rel, s),
                        None => state.remove(&rel),
                    }
                }
                let mut results = write(&self.results);
                if results.contains_key(&key) {
                    Arc::make_mut(&mut results).remove(&key);
                }
                drop(results);
                effect.republish = self.set_marks(&key, Vec::new());
            }
            Change::ScanStarted => {
                self.scans_running.fetch_add(1, Ordering::SeqCst);
            }
            Change::ScanEnded => {
                self.generation.fetch_add(1, Ordering::SeqCst);
                self.scans_running.fetch_sub(1, Ordering::SeqCst);
                self.changed.send_modify(|n| *n += 1);
            }
        }
        effect
    }

    /// Indexes a folder at once (the CLI's way; the server scans in batches with progress):
    /// its files, and the summaries of its code files, parsed on every core. Returns the
    /// folder as it is keyed (canonical).
    pub fn load_folder(&self, folder: &Path) -> PathBuf {
        use rayon::prelude::*;
        let root = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
        self.apply(Change::AddRoot(root.clone()));
        let settings = self.settings();
        let opts = crate::workspace::ScanOptions {
            max_file_bytes: settings.max_file_bytes,
            exclude: settings.exclude.clone(),
        };
        let mut files = Vec::new();
        let never = std::sync::atomic::AtomicBool::new(false);
        crate::workspace::walk(&root, &opts, &never, |f| files.push(f));
        // Parsing and summarising dominate a check; files are independent (rayon's work
        // stealing: files differ a lot in size, and fixed shares left a core idle).
        let summaries: Vec<(String, FileSummary)> = files
            .par_iter()
            .filter_map(|entry| {
                let rel = crate::workspace::relative(&root, &entry.path);
                let lang = crate::code::Lang::from_path(&rel)?;
                let bytes = std::fs::read(&entry.path).ok()?;
                let text = String::from_utf8_lossy(&bytes);
                Some((rel.clone(), crate::code::summarize(&rel, lang, &text)))
            })
            .collect();
        self.apply(Change::Indexed { files, summaries });
        root
    }

    /// Where `path` sits in the code index: its path relative to its workspace folder (or the
    /// absolute path outside any), if it is in a language the index knows.
    pub fn code_key(&self, path: &Path) -> Option<(String, PathBuf)> {
        let index = self.workspace();
        let (rel, root) = match index.root_of(path) {
            Some(root) => (crate::workspace::relative(root, path), root.to_path_buf()),
            None => (path.to_string_lossy().into_owned(), PathBuf::from("/")),
        };
        crate::code::Lang::from_path(&rel).map(|_| (rel, root))
    }

    /// How a document is named in messages: relative to its workspace folder when it has one.
    pub fn display_name(&self, path: Option<&Path>, key: &str) -> String {
        match path {
            Some(path) => match self.workspace().root_of(path) {
                Some(root) => crate::workspace::relative(root, path),
                None => path.display().to_string(),
            },
            None => key.to_string(),
        }
    }

    /// Analyses an open document (brings its parse tree and summary up to its text first).
    /// Blocking: call it off the async runtime. With `propagate`, also returns the code files
    /// whose findings depend on this one (absolute paths), to analyse again.
    pub fn analyze(
        &self,
        key: &str,
        path: Option<&Path>,
        document: &Arc<Document>,
        sources: &dyn Sources,
        propagate: bool,
    ) -> (Analysis, Vec<PathBuf>) {
        let settings = self.settings();
        let generation = self.generation();
        let display = self.display_name(path, key);
        let text: Arc<str> = Arc::from(document.text());
        let code_key = path.and_then(|p| self.code_key(p));
        let mut code = code_key.as_ref().map(|_| self.code());
        // A big file's findings are computed in two halves; the helper thread for the second
        // is started now, so that it is running (not waking) when the findings are asked for.
        let split = super::rule_enabled(&settings, super::loops::RULE)
            && matches!((code.as_deref(), &code_key), (Some(c), Some((rel, _))) if c.index.splits_findings(rel));
        let (report, dependents) = std::thread::scope(|scope| {
            let helper = split.then(|| crate::code::Helper::start(scope, HELPER_SPIN));
            let mut dependents = Vec::new();
            if let (Some(code), Some((rel, root))) = (code.as_mut(), &code_key) {
                code.sync_settings(&settings);
                code.update_open(rel, &text);
                if propagate {
                    dependents = code
                        .index
                        .dependents_of(rel)
                        .into_iter()
                        .map(|d| root.join(d))
                        .collect();
                }
            }
            // Workspace findings, for correlating a stack trace with them. A code document
            // already holds the code lock and asks only if it contains a trace (an edit to
            // ordinary code must not resolve the whole workspace). Any other document (notes,
            // logs: where traces are) takes them now, before the workspace lock: the code lock
            // is always taken first.
            let eager = code.is_none().then(|| self.code().all_findings());
            let findings = || match (&eager, code.as_deref()) {
                (Some(all), _) => Arc::clone(all),
                (None, Some(code)) => code.all_findings(),
                (None, None) => Arc::default(),
            };
            let workspace = self.workspace();
            let cx = Context {
                settings: &settings,
                workspace: &workspace,
                sources,
                scan_traces: true,
                code: code.as_deref().map(|c| &c.index),
                findings: &findings,
                helper: helper.as_ref(),
            };
            let report = super::analyze_document(
                DocumentInput {
                    path,
                    display: &display,
                    language_id: &document.language_id,
                    text: &text,
                    code: code_key.as_ref().map(|(rel, root)| CodeKey { rel, root }),
                },
                &cx,
            );
            (report, dependents)
        });
        let analysis = Analysis {
            key: key.to_string(),
            path: path.map(Path::to_path_buf),
            generation,
            version: document.version,
            document: Arc::clone(document),
            text,
            report,
        };
        (analysis, dependents)
    }

    /// Stores a document's analysis and its frame marks; returns the previous analysis and the
    /// files whose marks changed (old and new targets), and wakes every waiter.
    pub fn store(&self, analysis: Arc<Analysis>) -> (Option<Arc<Analysis>>, Vec<PathBuf>) {
        let key = analysis.key.clone();
        let marks = analysis.report.frame_marks.clone();
        let new_targets: Vec<PathBuf> = marks.iter().map(|m| m.target.clone()).collect();
        let previous = Arc::make_mut(&mut write(&self.results)).insert(key.clone(), analysis);
        let mut targets = self.set_marks(&key, marks);
        targets.extend(new_targets);
        self.changed.send_modify(|n| *n += 1);
        (previous, targets)
    }

    /// Installs a document's frame marks; returns the files its previous marks were on.
    fn set_marks(&self, origin: &str, marks: Vec<FrameMark>) -> Vec<PathBuf> {
        let mut slot = write(&self.marks);
        let all = Arc::make_mut(&mut slot);
        let old = if marks.is_empty() {
            all.remove(origin)
        } else {
            all.insert(origin.to_string(), marks)
        };
        old.map(|m| m.into_iter().map(|m| m.target).collect())
            .unwrap_or_default()
    }

    /// The analysis of `version` of a document, waiting up to `timeout` for one still being
    /// computed. With `wait_for_index`, an analysis made before the current scan ended is not
    /// good enough until the timeout (frames may not have resolved yet); then the newest of
    /// that version is returned. Woken by each stored result, never by polling.
    pub async fn wait_for(
        &self,
        key: &str,
        version: i32,
        wait_for_index: bool,
        timeout: Duration,
    ) -> Option<Arc<Analysis>> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changed = self.changed.subscribe();
        loop {
            changed.borrow_and_update();
            let timed_out = tokio::time::Instant::now() >= deadline;
            if let Some(r) = self.result(key) {
                let current =
                    !wait_for_index || (r.generation == self.generation() && !self.indexing());
                if r.version == version && (current || timed_out) {
                    return Some(r);
                }
            }
            if timed_out {
                return None;
            }
            // A timeout just loops once more to return the best there is.
            let _ = tokio::time::timeout_at(deadline, changed.changed()).await;
        }
    }
}

/// The workspace's code index and the parse trees of open code documents.
pub struct CodeState {
    pub index: crate::code::Index,
    fingerprint: String,
    /// Open documents' parse trees, by code key, reparsed incrementally.
    pub parsed: HashMap<String, crate::code::ParsedFile>,
    /// Every finding in the workspace, computed on demand after the index changed.
    all: Mutex<Option<Arc<Vec<Finding>>>>,
}

impl CodeState {
    pub fn new(settings: &Settings) -> CodeState {
        let cfg = super::loops::analysis_config(settings);
        CodeState {
            fingerprint: format!("{cfg:?}"),
            index: crate::code::Index::new(
                crate::code::catalog::Catalog::with_user_entries(cfg.user_entries.clone()),
                cfg,
            ),
            parsed: HashMap::new(),
            all: Default::default(),
        }
    }

    /// The cached workspace findings are stale once the index changes.
    fn forget_findings(&mut self) {
        *self.all.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn update(&mut self, key: &str, summary: FileSummary) {
        self.index.update(key, summary);
        self.forget_findings();
    }

    pub fn remove(&mut self, key: &str) {
        self.index.remove(key);
        self.forget_findings();
    }

    /// Every loop-remote-call finding in the workspace (cached until the index changes).
    pub fn all_findings(&self) -> Arc<Vec<Finding>> {
        let mut all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(all.get_or_insert_with(|| Arc::new(self.index.all_findings())))
    }

    /// Rebuilds the index when the settings it depends on changed, keeping every summary.
    pub fn sync_settings(&mut self, settings: &Settings) {
        let cfg = super::loops::analysis_config(settings);
        let fingerprint = format!("{cfg:?}");
        if fingerprint == self.fingerprint {
            return;
        }
        let mut next = CodeState::new(settings);
        for path in self.index.paths().cloned().collect::<Vec<_>>() {
            if let Some(summary) = self.index.summary(&path) {
                next.update(&path, summary.clone());
            }
        }
        next.parsed = std::mem::take(&mut self.parsed);
        *self = next;
    }

    /// Brings an open document's tree and summary up to `text`: one incremental reparse over
    /// the span that differs from the last parse.
    pub fn update_open(&mut self, key: &str, text: &str) {
        let Some(lang) = crate::code::Lang::from_path(key) else {
            return;
        };
        let parsed = self
            .parsed
            .entry(key.to_string())
            .or_insert_with(|| crate::code::ParsedFile::new(lang, text));
        if parsed.text() != text {
            let edit = differing_span(parsed.text(), text);
            parsed.edit(edit, text);
        }
        self.index
            .update_with(key, |prev| parsed.summarize(key, prev));
        self.forget_findings();
    }
}

/// The one edit that turns `old` into `new`: the span between their common prefix and suffix,
/// kept on character boundaries (tree-sitter columns are bytes, but the inserted text must be
/// a valid slice).
fn differing_span(old: &str, new: &str) -> crate::code::TextEdit {
    let prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let mut start = prefix;
    while !new.is_char_boundary(start) || !old.is_char_boundary(start) {
        start -= 1;
    }
    let (mut old_end, mut new_end) = (old.len() - suffix, new.len() - suffix);
    while !old.is_char_boundary(old_end) || !new.is_char_boundary(new_end) {
        old_end += 1;
        new_end += 1;
    }
    crate::code::TextEdit::replace(old, start, old_end, &new[start..new_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str, version: i32) -> Arc<Document> {
        Arc::new(Document::new(text, version, "markdown"))
    }

    #[tokio::test]
    async fn a_waiter_wakes_when_the_version_it_waits_for_is_stored() {
        let host = Arc::new(Host::default());
        let waiter = {
            let host = Arc::clone(&host);
            tokio::spawn(async move {
                host.wait_for("notes.md", 2, false, Duration::from_secs(30))
                    .await
                    .map(|a| a.version)
            })
        };
        let sources = super::super::DiskSources::default();
        for version in [1, 2] {
            let (analysis, _) = host.analyze("notes.md", None, &doc("x", version), &sources, false);
            host.store(Arc::new(analysis));
        }
        let got = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert_eq!(got.ok().and_then(|r| r.ok()), Some(Some(2)));
    }

    #[tokio::test]
    async fn a_waiter_for_a_version_never_stored_gets_nothing_at_its_timeout() {
        let host = Host::default();
        let got = host
            .wait_for("notes.md", 1, false, Duration::from_millis(20))
            .await;
        assert!(got.is_none());
    }

    #[test]
    fn closing_a_document_forgets_its_analysis_and_reports_the_files_its_marks_were_on() {
        let host = Host::default();
        let sources = super::super::DiskSources::default();
        let (analysis, _) = host.analyze("notes.md", None, &doc("text", 1), &sources, false);
        host.store(Arc::new(analysis));
        let effect = host.apply(Change::Closed {
            key: "notes.md".into(),
            code: None,
        });
        assert!(host.result("notes.md").is_none());
        assert_eq!(effect, Effect::default());
    }

    #[test]
    fn the_same_settings_again_do_not_ask_for_reanalysis() {
        let host = Host::default();
        assert!(
            !host
                .apply(Change::Settings(Settings::default()))
                .reanalyze_all
        );
        let mut other = Settings::default();
        other.debounce_ms += 1;
        assert!(host.apply(Change::Settings(other)).reanalyze_all);
    }

    #[test]
    fn the_differing_span_of_two_texts_stays_on_character_boundaries() {
        let edit = differing_span("a é b", "a è b");
        assert_eq!(
            (edit.start_byte, edit.old_end_byte, edit.new_end_byte),
            (2, 4, 4)
        );
    }
}
