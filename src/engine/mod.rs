//! The engine's front door: give it a document's text, get findings in plain Rust types.
//! Both faces (`lsp`, `cli`) call these functions; neither does analysis of its own.

use std::ops::Range;
use std::path::PathBuf;

use crate::config::Settings;
use crate::workspace::WorkspaceIndex;

pub mod correlate;
pub mod host;
pub mod loops;
pub mod requests;
pub mod traces;

pub use host::{Analysis, Change, Effect, Host, Snapshot};

pub use crate::code::Severity;

/// A place in a file: byte offsets into that file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// Something the engine has to say about a span of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Byte range in the analysed document.
    pub range: Range<usize>,
    pub severity: Severity,
    /// Rule id, e.g. `loop-remote-call` or `stack-trace`.
    pub rule: &'static str,
    pub message: String,
    pub related: Vec<Related>,
    /// What code actions need later, as JSON (kept opaque to the faces).
    pub data: Option<serde_json::Value>,
}

/// One document to analyse.
#[derive(Debug, Clone, Copy)]
pub struct DocumentInput<'a> {
    /// The file on disk, when the document has one.
    pub path: Option<&'a std::path::Path>,
    /// How to name the document in messages (`notes/incident.md`, `untitled:Untitled-1`).
    pub display: &'a str,
    pub language_id: &'a str,
    pub text: &'a str,
    /// The document's key in the code index (its path relative to `root`), when it is code.
    pub code: Option<CodeKey<'a>>,
}

/// Where a document sits in the code index.
#[derive(Debug, Clone, Copy)]
pub struct CodeKey<'a> {
    pub rel: &'a str,
    pub root: &'a std::path::Path,
}

/// The text of workspace files, for reading the source lines frames point at. The server
/// answers from open buffers first; the CLI reads the disk.
pub trait Sources {
    fn text(&self, path: &std::path::Path) -> Option<std::sync::Arc<str>>;
}

/// Reads files from disk (lossily), caching each once.
#[derive(Default)]
pub struct DiskSources {
    cache: std::sync::Mutex<std::collections::HashMap<PathBuf, Option<std::sync::Arc<str>>>>,
}

impl Sources for DiskSources {
    fn text(&self, path: &std::path::Path) -> Option<std::sync::Arc<str>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                std::fs::read(path)
                    .ok()
                    .map(|b| std::sync::Arc::from(String::from_utf8_lossy(&b).as_ref()))
            })
            .clone()
    }
}

/// What an analysis may use besides the document itself.
pub struct Context<'a, 'h> {
    pub settings: &'a Settings,
    pub workspace: &'a WorkspaceIndex,
    pub sources: &'a dyn Sources,
    /// Look for stack traces (the editor: always; `check`, which is about code: no).
    pub scan_traces: bool,
    /// The workspace's code index, already holding this document's summary.
    pub code: Option<&'h crate::code::Index>,
    /// Every loop-remote-call finding in the workspace, for correlating traces with them.
    /// Asked for only when the document holds a stack trace: computing it means resolving
    /// every loop of the workspace, which an edit to ordinary code must not pay for.
    pub findings: &'a dyn Fn() -> std::sync::Arc<Vec<crate::code::Finding>>,
    /// A thread already running, for the second half of a big file's findings (the editor
    /// starts one with the analysis; without it a thread is started when needed).
    pub helper: Option<&'a crate::code::Helper<'h>>,
}

/// Everything the engine found in one document.
#[derive(Debug, Clone, Default)]
pub struct DocumentReport {
    pub diagnostics: Vec<Diagnostic>,
    /// Stack traces found in the document, with their resolution and explanation.
    pub traces: Vec<traces::TraceReport>,
    pub trace_groups: Vec<traces::GroupReport>,
    /// The loop-remote-call findings behind this document's diagnostics, for code actions.
    /// Finding `i`'s diagnostic is `diagnostics[first_finding_diagnostic + i]`.
    pub findings: Vec<crate::code::Finding>,
    pub first_finding_diagnostic: usize,
    /// Diagnostics this document's traces put on other files (the frames' source lines).
    pub frame_marks: Vec<traces::FrameMark>,
}

/// Analyses one document. Every detector is total: arbitrary text never makes it panic.
pub fn analyze_document(input: DocumentInput<'_>, cx: &Context<'_, '_>) -> DocumentReport {
    let mut report = DocumentReport::default();
    if cx.scan_traces && rule_enabled(cx.settings, traces::RULE) {
        traces::analyze(input, cx, &mut report);
    }
    if let (Some(index), Some(key)) = (cx.code, input.code) {
        if rule_enabled(cx.settings, loops::RULE) {
            let findings = index.findings_for_with(key.rel, cx.helper);
            report.first_finding_diagnostic = report.diagnostics.len();
            report
                .diagnostics
                .extend(loops::diagnostics(&findings, key.root));
            report.findings = findings;
        }
    }
    report
}

impl DocumentReport {
    /// The diagnostic of the report's finding `i` (one per finding, in order).
    pub fn diagnostic_of_finding(&self, i: usize) -> Option<usize> {
        let d = self.first_finding_diagnostic + i;
        (i < self.findings.len() && d < self.diagnostics.len()).then_some(d)
    }
}

pub fn rule_enabled(settings: &Settings, rule: &str) -> bool {
    !settings.disabled_rules.iter().any(|r| r == rule)
}
