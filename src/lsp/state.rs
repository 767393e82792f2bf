//! What one session knows, shared by every handler.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;

use super::analysis::Scheduler;
use super::documents::Documents;
use crate::config::{ConfigLayers, Layer, Settings};
use crate::text::Encoding;
use crate::workspace::{CancelFlag, WorkspaceIndex};

/// The client capabilities the server acts on.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientCaps {
    pub work_done_progress: bool,
    pub configuration: bool,
    pub configuration_dynamic: bool,
    pub watched_files_dynamic: bool,
    /// `codeAction/resolve` can fill in `edit`.
    pub resolve_edit: bool,
    /// Workspace edits may create files.
    pub create_files: bool,
    pub show_document: bool,
}

#[derive(Debug, Default)]
pub struct ConfigState {
    pub layers: ConfigLayers,
    /// `debuglens.toml` layers by workspace folder.
    pub files: HashMap<PathBuf, Layer>,
    /// Unknown keys already reported, so each is reported once.
    pub warned: HashSet<String>,
    /// Problems found before the client could be told (during `initialize`).
    pub pending_problems: Vec<crate::config::Problem>,
}

pub struct State {
    pub client: Client,
    /// Whole JSON-RPC bodies to write to the client beside tower-lsp-server's own output (the
    /// framing layer's writer takes both).
    pub direct: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
    pub encoding: Arc<OnceLock<Encoding>>,
    pub caps: OnceLock<ClientCaps>,
    pub config: Mutex<ConfigState>,
    settings: RwLock<Arc<Settings>>,
    pub workspace: RwLock<WorkspaceIndex>,
    pub docs: Documents,
    pub scheduler: Scheduler,
    pub shutdown_requested: Arc<AtomicBool>,
    pub scan_cancel: Mutex<Option<CancelFlag>>,
    /// Roots announced at `initialize`, scanned at `initialized`.
    pub initial_roots: Mutex<Vec<PathBuf>>,
    /// Analyses of open documents, by URI, for the request handlers to read.
    pub results: RwLock<HashMap<Uri, Arc<super::analysis::DocResult>>>,
    /// The code index (summaries of every code file) and the parse trees of open code files.
    pub code: Mutex<CodeState>,
    /// Marks that traces in open documents put on workspace files, by the trace's document.
    pub marks: RwLock<HashMap<Uri, Vec<crate::engine::traces::FrameMark>>>,
    /// Scans under way; requests that resolve paths wait (briefly) for them to end.
    pub scans_running: std::sync::atomic::AtomicUsize,
    /// Bumped when a scan ends: an analysis from an older generation resolved frames against
    /// a partial index.
    pub index_generation: std::sync::atomic::AtomicU64,
}

impl State {
    pub fn new(
        client: Client,
        direct: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
        encoding: Arc<OnceLock<Encoding>>,
        docs: Documents,
        scheduler: Scheduler,
    ) -> State {
        State {
            client,
            direct,
            encoding,
            caps: OnceLock::new(),
            config: Mutex::new(ConfigState::default()),
            settings: RwLock::new(Arc::new(Settings::default())),
            workspace: RwLock::new(WorkspaceIndex::default()),
            docs,
            scheduler,
            shutdown_requested: Arc::new(AtomicBool::new(false)),
            scan_cancel: Mutex::new(None),
            initial_roots: Mutex::new(Vec::new()),
            results: RwLock::new(HashMap::new()),
            marks: RwLock::new(HashMap::new()),
            scans_running: std::sync::atomic::AtomicUsize::new(0),
            index_generation: std::sync::atomic::AtomicU64::new(0),
            code: Mutex::new(CodeState::new(&Settings::default())),
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding.get().copied().unwrap_or_default()
    }

    pub fn caps(&self) -> ClientCaps {
        self.caps.get().copied().unwrap_or_default()
    }

    pub fn settings(&self) -> Arc<Settings> {
        match self.settings.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Installs new effective settings; says whether anything changed.
    pub fn set_settings(&self, next: Settings) -> bool {
        let mut slot = match self.settings.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if **slot == next {
            return false;
        }
        *slot = Arc::new(next);
        true
    }

    pub fn workspace_read(&self) -> std::sync::RwLockReadGuard<'_, WorkspaceIndex> {
        self.workspace.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn workspace_write(&self) -> std::sync::RwLockWriteGuard<'_, WorkspaceIndex> {
        self.workspace.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn code_lock(&self) -> std::sync::MutexGuard<'_, CodeState> {
        self.code.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where `path` sits in the code index: its path relative to its workspace folder (or
    /// the absolute path outside any), if it is in a language the index knows.
    pub fn code_key(&self, path: &std::path::Path) -> Option<(String, PathBuf)> {
        let index = self.workspace_read();
        let (rel, root) = match index.root_of(path) {
            Some(root) => (crate::workspace::relative(root, path), root.to_path_buf()),
            None => (path.to_string_lossy().into_owned(), PathBuf::from("/")),
        };
        crate::code::Lang::from_path(&rel).map(|_| (rel, root))
    }

    pub fn config_lock(&self) -> std::sync::MutexGuard<'_, ConfigState> {
        self.config.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The workspace's code index and the parse trees of open code documents.
pub struct CodeState {
    pub index: crate::code::Index,
    fingerprint: String,
    /// Open documents' parse trees, by code key, reparsed incrementally.
    pub parsed: HashMap<String, crate::code::ParsedFile>,
    /// Every finding in the workspace, computed on demand after the index changed.
    all: std::sync::Mutex<Option<Arc<Vec<crate::code::Finding>>>>,
}

impl CodeState {
    pub fn new(settings: &Settings) -> CodeState {
        let cfg = crate::engine::loops::analysis_config(settings);
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

    pub fn update(&mut self, key: &str, summary: crate::code::FileSummary) {
        self.index.update(key, summary);
        self.forget_findings();
    }

    pub fn remove(&mut self, key: &str) {
        self.index.remove(key);
        self.forget_findings();
    }

    /// Every loop-remote-call finding in the workspace (cached until the index changes).
    pub fn all_findings(&self) -> Arc<Vec<crate::code::Finding>> {
        let mut all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(all.get_or_insert_with(|| Arc::new(self.index.all_findings())))
    }

    /// Rebuilds the index when the settings it depends on changed, keeping every summary.
    pub fn sync_settings(&mut self, settings: &Settings) {
        let cfg = crate::engine::loops::analysis_config(settings);
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
            let old = parsed.text();
            let prefix = old
                .bytes()
                .zip(text.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            let max_suffix = old.len().min(text.len()) - prefix;
            let suffix = old
                .bytes()
                .rev()
                .zip(text.bytes().rev())
                .take(max_suffix)
                .take_while(|(a, b)| a == b)
                .count();
            // Keep the edit on character boundaries (tree-sitter columns are bytes, but the
            // inserted text must be a valid slice).
            let mut start = prefix;
            while !text.is_char_boundary(start) || !old.is_char_boundary(start) {
                start -= 1;
            }
            let (mut old_end, mut new_end) = (old.len() - suffix, text.len() - suffix);
            while !old.is_char_boundary(old_end) || !text.is_char_boundary(new_end) {
                old_end += 1;
                new_end += 1;
            }
            let edit = crate::code::TextEdit::replace(old, start, old_end, &text[start..new_end]);
            parsed.edit(edit, text);
        }
        self.index
            .update_with(key, |prev| parsed.summarize(key, prev));
        self.forget_findings();
    }
}
