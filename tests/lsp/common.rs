//! A test client that talks to the real server over real LSP framing.
//!
//! `TestServer::builder()` runs `debuglens::lsp::serve` in-process over `tokio::io::duplex`
//! pipes (or, with `.binary()`, spawns the built `debuglens lsp` over stdio), answers the
//! server's own requests (configuration, registrations, progress tokens, showDocument,
//! applyEdit) the way an editor would, and records everything the server sends. A test fails if
//! the server logs an error it did not announce with `expect_error_log`.
#![allow(dead_code)] // each suite (and bench) uses a part of the client

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

pub const WAIT: Duration = Duration::from_secs(20);

pub fn frame(body: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(body).unwrap();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(&body);
    out
}

/// The next message, and when its last byte arrived (before it was parsed).
pub async fn read_frame<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
) -> Option<(Value, std::time::Instant)> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            if len.is_some() {
                break;
            }
            continue;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).await.ok()?;
    let arrived = std::time::Instant::now();
    Some((serde_json::from_slice(&body).ok()?, arrived))
}

pub fn file_uri(path: &Path) -> String {
    let mut s = String::from("file://");
    for (i, c) in path.to_string_lossy().split('/').enumerate() {
        if i > 0 {
            s.push('/');
        }
        for b in c.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                s.push(b as char);
            } else {
                s.push_str(&format!("%{b:02X}"));
            }
        }
    }
    s
}

pub struct Builder {
    root: Option<PathBuf>,
    capabilities: Value,
    init_options: Option<Value>,
    configuration: Value,
    binary: bool,
}

impl Builder {
    pub fn workspace(mut self, root: &Path) -> Self {
        self.root = Some(root.to_path_buf());
        self
    }
    pub fn capabilities(mut self, caps: Value) -> Self {
        self.capabilities = caps;
        self
    }
    pub fn init_options(mut self, options: Value) -> Self {
        self.init_options = Some(options);
        self
    }
    /// What the client answers to `workspace/configuration` for section `debuglens`.
    pub fn configuration(mut self, value: Value) -> Self {
        self.configuration = value;
        self
    }
    /// Spawn the built binary instead of serving in-process.
    pub fn binary(mut self) -> Self {
        self.binary = true;
        self
    }

    pub async fn start(self) -> TestServer {
        let mut server = self.connect().await;
        let root = server.root.clone();
        let mut params = json!({
            "processId": null,
            "capabilities": server.capabilities.clone(),
            "clientInfo": {"name": "debuglens-tests"},
        });
        if let Some(root) = &root {
            params["workspaceFolders"] = json!([{ "uri": file_uri(root), "name": "ws" }]);
            params["rootUri"] = json!(file_uri(root));
        }
        if let Some(o) = &server.init_options {
            params["initializationOptions"] = o.clone();
        }
        let result = server
            .request("initialize", params)
            .await
            .expect("initialize failed");
        server.initialize_result = result;
        server.notify("initialized", json!({})).await;
        server
    }

    /// Connects without sending `initialize`, for lifecycle tests.
    pub async fn connect(self) -> TestServer {
        let (to_server, from_server, task): (
            Box<dyn AsyncWrite + Unpin + Send>,
            Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            ServerTask,
        ) = if self.binary {
            let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_debuglens"))
                .arg("lsp")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .expect("spawn debuglens lsp");
            let stdin = child.stdin.take().unwrap();
            let stdout = child.stdout.take().unwrap();
            (
                Box::new(stdin),
                Box::new(stdout),
                ServerTask::Process(child),
            )
        } else {
            let (client_end, server_end) = tokio::io::duplex(1 << 22);
            let (server_read, server_write) = tokio::io::split(server_end);
            let handle = tokio::spawn(debuglens::lsp::serve(server_read, server_write));
            let (client_read, client_write) = tokio::io::split(client_end);
            (
                Box::new(client_write),
                Box::new(client_read),
                ServerTask::InProcess(handle),
            )
        };
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let writer = tokio::spawn(async move {
            let mut to_server = to_server;
            while let Some(bytes) = out_rx.recv().await {
                if bytes.is_empty() {
                    let _ = to_server.shutdown().await; // close_input(): the client goes away
                    break;
                }
                if to_server.write_all(&bytes).await.is_err() || to_server.flush().await.is_err() {
                    break;
                }
            }
        });
        let (in_tx, in_rx) = mpsc::unbounded_channel::<(Value, std::time::Instant)>();
        let configuration = Arc::new(Mutex::new(self.configuration.clone()));
        let config_for_reader = Arc::clone(&configuration);
        let auto_tx = out_tx.clone();
        let reader = tokio::spawn(async move {
            let mut r = BufReader::new(from_server);
            while let Some((msg, arrived)) = read_frame(&mut r).await {
                if let (Some(id), Some(method)) =
                    (msg.get("id"), msg.get("method").and_then(Value::as_str))
                {
                    let result = match method {
                        "workspace/configuration" => {
                            let n = msg["params"]["items"].as_array().map_or(1, Vec::len);
                            let v = config_for_reader.lock().unwrap().clone();
                            json!(vec![v; n])
                        }
                        "window/showDocument" => json!({"success": true}),
                        "workspace/applyEdit" => json!({"applied": true}),
                        _ => Value::Null,
                    };
                    let _ = auto_tx.send(frame(
                        &json!({"jsonrpc": "2.0", "id": id, "result": result}),
                    ));
                }
                if in_tx.send((msg, arrived)).is_err() {
                    break;
                }
            }
        });
        TestServer {
            out: out_tx,
            incoming: in_rx,
            seen: VecDeque::new(),
            last_arrival: None,
            log: Vec::new(),
            keep_log: true,
            next_id: 1,
            versions: Default::default(),
            task: Some(task),
            _writer: writer,
            _reader: reader,
            root: self.root,
            capabilities: self.capabilities,
            init_options: self.init_options,
            configuration,
            initialize_result: Value::Null,
            expected_errors: 0,
            finished: false,
        }
    }
}

enum ServerTask {
    InProcess(tokio::task::JoinHandle<i32>),
    Process(tokio::process::Child),
}

pub struct TestServer {
    out: mpsc::UnboundedSender<Vec<u8>>,
    incoming: mpsc::UnboundedReceiver<(Value, std::time::Instant)>,
    /// Messages received and not yet consumed by an `await_*`.
    seen: VecDeque<(Value, std::time::Instant)>,
    /// When the last message an `await_*` returned had fully arrived (before parsing).
    last_arrival: Option<std::time::Instant>,
    /// Everything received, for failure messages (unless `keep_log` is off).
    pub log: Vec<Value>,
    keep_log: bool,
    next_id: i64,
    versions: std::collections::HashMap<String, i32>,
    task: Option<ServerTask>,
    _writer: tokio::task::JoinHandle<()>,
    _reader: tokio::task::JoinHandle<()>,
    root: Option<PathBuf>,
    capabilities: Value,
    init_options: Option<Value>,
    configuration: Arc<Mutex<Value>>,
    pub initialize_result: Value,
    expected_errors: usize,
    finished: bool,
}

impl TestServer {
    pub fn builder() -> Builder {
        Builder {
            root: None,
            capabilities: json!({
                "general": {"positionEncodings": ["utf-16"]},
                "textDocument": {"publishDiagnostics": {"versionSupport": true}},
                "workspace": {"configuration": true, "workspaceFolders": true},
                "window": {"workDoneProgress": true}
            }),
            init_options: None,
            configuration: Value::Null,
            binary: false,
        }
    }

    /// Whether to keep a copy of every message for failure reports. A benchmark turns it off:
    /// copying each publish would be measured as the server's time.
    pub fn keep_log(&mut self, keep: bool) {
        self.keep_log = keep;
    }

    pub fn set_configuration(&self, value: Value) {
        *self.configuration.lock().unwrap() = value;
    }

    /// Closes the server's input, as a client that dies would.
    pub fn close_input(&self) {
        let _ = self.out.send(Vec::new());
    }

    /// Sends raw bytes (for malformed-input tests).
    pub fn send_raw(&self, bytes: &[u8]) {
        self.out.send(bytes.to_vec()).unwrap();
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.out
            .send(frame(
                &json!({"jsonrpc": "2.0", "method": method, "params": params}),
            ))
            .unwrap();
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.out
            .send(frame(
                &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
            ))
            .unwrap();
        id
    }

    /// Sends a request and waits for its response: `Ok(result)` or `Err(error)`.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        self.response(id).await
    }

    pub async fn response(&mut self, id: i64) -> Result<Value, Value> {
        let msg = self
            .await_message(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
            .await;
        match msg.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    /// When the message the last `await_message` returned had fully arrived, before the client
    /// parsed it.
    pub fn last_arrival(&self) -> Option<std::time::Instant> {
        self.last_arrival
    }

    /// Next message (already seen or new) matching `pred`; panics after `WAIT`.
    pub async fn await_message(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(pos) = self.seen.iter().position(|(m, _)| pred(m)) {
            let (msg, arrived) = self.seen.remove(pos).unwrap();
            self.last_arrival = Some(arrived);
            return msg;
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (msg, arrived) = match tokio::time::timeout_at(deadline, self.incoming.recv()).await
            {
                Ok(Some(m)) => m,
                Ok(None) => panic!("server closed the connection; received: {:#?}", self.log),
                Err(_) => panic!("timed out waiting for a message; received: {:#?}", self.log),
            };
            self.check_error_log(&msg);
            if self.keep_log {
                self.log.push(msg.clone());
            }
            if pred(&msg) {
                self.last_arrival = Some(arrived);
                return msg;
            }
            self.seen.push_back((msg, arrived));
        }
    }

    /// Whether a matching message arrives within `wait` (for "nothing is sent" checks).
    pub async fn receives_within(&mut self, wait: Duration, pred: impl Fn(&Value) -> bool) -> bool {
        if self.seen.iter().any(|(m, _)| pred(m)) {
            return true;
        }
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some((msg, arrived))) =
            tokio::time::timeout_at(deadline, self.incoming.recv()).await
        {
            self.check_error_log(&msg);
            if self.keep_log {
                self.log.push(msg.clone());
            }
            let hit = pred(&msg);
            self.seen.push_back((msg, arrived));
            if hit {
                return true;
            }
        }
        false
    }

    fn check_error_log(&mut self, msg: &Value) {
        let is_error_log = msg["method"] == "window/logMessage" && msg["params"]["type"] == 1;
        if is_error_log {
            if self.expected_errors == 0 {
                self.finished = true;
                panic!("unexpected server error: {}", msg["params"]["message"]);
            }
            self.expected_errors -= 1;
        }
    }

    /// Announces that the server is about to log an error (window/logMessage type 1).
    pub fn expect_error_log(&mut self) {
        self.expected_errors += 1;
    }

    pub async fn notification(&mut self, method: &str) -> Value {
        let m = method.to_string();
        self.await_message(move |msg| msg["method"] == m.as_str() && msg.get("id").is_none())
            .await["params"]
            .clone()
    }

    pub fn uri(&self, rel: &str) -> String {
        file_uri(&self.root.as_ref().expect("no workspace").join(rel))
    }

    pub async fn open(&mut self, uri: &str, language_id: &str, text: &str) {
        self.versions.insert(uri.to_string(), 1);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}}),
        )
        .await;
    }

    /// Sends one didChange with `changes`; returns the new version.
    pub async fn change(&mut self, uri: &str, changes: Value) -> i32 {
        let v = self.versions.entry(uri.to_string()).or_insert(0);
        *v += 1;
        let version = *v;
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
        version
    }

    pub async fn close(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    }

    /// The diagnostics published for `uri` at `version`.
    pub async fn diagnostics(&mut self, uri: &str, version: i32) -> Vec<Value> {
        let u = uri.to_string();
        let mut p = self
            .await_message(move |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == u.as_str()
                    && m["params"]["version"] == version
            })
            .await;
        match p["params"]["diagnostics"].take() {
            Value::Array(diagnostics) => diagnostics,
            _ => Vec::new(),
        }
    }

    /// The next diagnostics published for `uri`, whatever the version.
    pub async fn next_diagnostics(&mut self, uri: &str) -> Value {
        let u = uri.to_string();
        self.await_message(move |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u.as_str()
        })
        .await["params"]
            .clone()
    }

    pub async fn text_of(&mut self, uri: &str) -> Value {
        self.request("debuglens/viewFileText", json!({"uri": uri}))
            .await
            .expect("viewFileText")
    }

    /// shutdown, exit, and the process (or task) exit code.
    pub async fn shutdown_and_exit(mut self) -> i32 {
        self.request("shutdown", Value::Null)
            .await
            .expect("shutdown");
        self.notify("exit", Value::Null).await;
        self.exit_code().await
    }

    pub async fn exit_code(&mut self) -> i32 {
        self.finished = true;
        match self.task.take() {
            Some(ServerTask::InProcess(h)) => tokio::time::timeout(WAIT, h)
                .await
                .expect("server did not stop")
                .unwrap(),
            Some(ServerTask::Process(mut child)) => {
                let status = tokio::time::timeout(WAIT, child.wait())
                    .await
                    .expect("server did not exit")
                    .unwrap();
                status.code().unwrap_or(-1)
            }
            None => -1,
        }
    }

    /// The process handle, for timing exits in binary tests.
    pub fn take_child(&mut self) -> Option<tokio::process::Child> {
        self.finished = true;
        match self.task.take() {
            Some(ServerTask::Process(c)) => Some(c),
            other => {
                self.task = other;
                None
            }
        }
    }
}

/// Writes `files` under a fresh temporary folder.
pub fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// A range literal for didChange.
pub fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

/// The demo workspace, `examples/checkout`.
pub fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checkout")
}

/// A demo file's text.
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(demo().join(rel)).unwrap()
}

/// A position literal.
pub fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

impl TestServer {
    /// Waits for the end of the workspace indexing (frames resolve against the index).
    pub async fn indexed(&mut self) {
        self.await_message(|m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        })
        .await;
    }
}

/// A server on the demo workspace with a short debounce, after indexing.
pub async fn demo_server_with(caps: Option<Value>) -> TestServer {
    let mut b = TestServer::builder()
        .workspace(&demo())
        .init_options(json!({"debounceMs": 20}));
    if let Some(caps) = caps {
        b = b.capabilities(caps);
    }
    let mut s = b.start().await;
    s.indexed().await;
    s
}

/// A throwaway copy of the demo workspace (for tests that write files): (guard, folder).
pub fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("checkout");
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(demo())
        .arg(&ws)
        .status()
        .unwrap();
    assert!(copied.success(), "copying the demo failed");
    (dir, ws)
}
