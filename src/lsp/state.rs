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
    /// Marks that traces in open documents put on workspace files, by the trace's document.
    pub marks: RwLock<HashMap<Uri, Vec<crate::engine::traces::FrameMark>>>,
}

impl State {
    pub fn new(
        client: Client,
        encoding: Arc<OnceLock<Encoding>>,
        docs: Documents,
        scheduler: Scheduler,
    ) -> State {
        State {
            client,
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

    pub fn config_lock(&self) -> std::sync::MutexGuard<'_, ConfigState> {
        self.config.lock().unwrap_or_else(|p| p.into_inner())
    }
}
