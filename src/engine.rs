//! The engine's front door: give it a document's text, get findings in plain Rust types.
//! Both faces (`lsp`, `cli`) call these functions; neither does analysis of its own.

use std::ops::Range;
use std::path::PathBuf;

use serde::Serialize;

use crate::config::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

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
    pub language_id: &'a str,
    pub text: &'a str,
}

/// Everything the engine found in one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentReport {
    pub diagnostics: Vec<Diagnostic>,
}

/// Analyses one document. Detectors plug in here as they land; each must be total (never
/// panics) on arbitrary text.
pub fn analyze_document(_input: DocumentInput<'_>, _settings: &Settings) -> DocumentReport {
    DocumentReport::default()
}
