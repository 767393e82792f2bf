//! What one session knows, shared by every handler: the engine host (all analysis state) and
//! what only the face has (the client, its capabilities, settings layers, open documents, the
//! diagnostics as last converted).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use super::analysis::Scheduler;
use super::documents::Documents;
use crate::config::{ConfigLayers, Layer, Settings};
use crate::engine::{Change, Host};
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

/// A document's diagnostics in LSP form, shared between the publisher and code actions.
pub type Diagnostics = Arc<Vec<lsp::Diagnostic>>;

pub struct State {
    pub client: Client,
    /// Whole JSON-RPC bodies to write to the client beside tower-lsp-server's own output (the
    /// framing layer's writer takes both).
    pub direct: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
    pub encoding: Arc<OnceLock<Encoding>>,
    pub caps: OnceLock<ClientCaps>,
    pub config: Mutex<ConfigState>,
    /// Everything analysis knows; shared with the engine's requests.
    pub host: Arc<Host>,
    pub docs: Documents,
    pub scheduler: Scheduler,
    pub shutdown_requested: Arc<AtomicBool>,
    pub scan_cancel: Mutex<Option<CancelFlag>>,
    /// Roots announced at `initialize`, scanned at `initialized`.
    pub initial_roots: Mutex<Vec<PathBuf>>,
    /// Each open document's diagnostics in LSP form with the version they are for, as last
    /// published (the host holds the analysis they come from).
    pub diagnostics: RwLock<HashMap<Uri, (i32, Diagnostics)>>,
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
            host: Arc::new(Host::default()),
            docs,
            scheduler,
            shutdown_requested: Arc::new(AtomicBool::new(false)),
            scan_cancel: Mutex::new(None),
            initial_roots: Mutex::new(Vec::new()),
            diagnostics: RwLock::new(HashMap::new()),
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding.get().copied().unwrap_or_default()
    }

    pub fn caps(&self) -> ClientCaps {
        self.caps.get().copied().unwrap_or_default()
    }

    pub fn settings(&self) -> Arc<Settings> {
        self.host.settings()
    }

    /// Installs new effective settings; says whether anything changed.
    pub fn set_settings(&self, next: Settings) -> bool {
        self.host.apply(Change::Settings(next)).reanalyze_all
    }

    pub fn workspace_read(&self) -> std::sync::RwLockReadGuard<'_, WorkspaceIndex> {
        self.host.workspace()
    }

    pub fn config_lock(&self) -> std::sync::MutexGuard<'_, ConfigState> {
        self.config.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The diagnostics last converted for `uri`, if they are for `version`.
    pub fn diagnostics_for(&self, uri: &Uri, version: i32) -> Option<Diagnostics> {
        let all = self.diagnostics.read().unwrap_or_else(|p| p.into_inner());
        all.get(uri)
            .filter(|(v, _)| *v == version)
            .map(|(_, d)| Arc::clone(d))
    }
}
