//! The answers to editor requests, in plain types: byte ranges, paths, Markdown. Each request
//! is one file; the LSP face converts (`lsp/handlers/`), nothing here knows LSP.
//!
//! Requests read a document's stored [`Analysis`](super::host::Analysis) (never recompute it)
//! and the text of the files frames point at through [`Files`].

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::host::{Analysis, Host};
use super::traces::{GroupReport, TraceReport};
use crate::code::Finding;
use crate::text::LineIndex;

pub mod actions;
pub mod commands;
pub mod definition;
pub mod hover;
pub mod links;
pub mod symbols;

/// A file's text as the user sees it, with its version when it is an open document.
#[derive(Debug, Clone)]
pub struct FileText {
    pub lines: LineIndex,
    pub version: Option<i32>,
}

/// Reads workspace files for requests: the server answers from open buffers first, then the
/// disk; the CLI reads the disk.
pub trait Files: Sync {
    fn read(&self, path: &Path) -> Option<FileText>;
}

/// A range in some file, with the text it is a range of (for the face's conversion).
#[derive(Debug, Clone)]
pub struct FileRange {
    pub path: PathBuf,
    pub range: Range<usize>,
    pub lines: LineIndex,
}

/// What the cursor is on.
pub enum Target<'a> {
    Frame {
        trace: &'a TraceReport,
        frame: usize,
    },
    Header {
        trace: &'a TraceReport,
        group: &'a GroupReport,
    },
}

impl<'a> Target<'a> {
    pub fn trace(&self) -> &'a TraceReport {
        match self {
            Target::Frame { trace, .. } | Target::Header { trace, .. } => trace,
        }
    }
}

/// The frame or header under `offset`.
pub fn target_at(result: &Analysis, offset: usize) -> Option<Target<'_>> {
    let report = &result.report;
    let trace = report
        .traces
        .iter()
        .find(|t| t.trace.span.start <= offset && offset <= t.trace.span.end)?;
    if let Some(i) = trace
        .trace
        .frames
        .iter()
        .position(|f| f.span.start <= offset && offset <= f.span.end)
    {
        return Some(Target::Frame { trace, frame: i });
    }
    let group = report.trace_groups.get(trace.group)?;
    let on_header =
        trace.trace.header_span.start <= offset && offset <= trace.trace.header_span.end;
    on_header.then_some(Target::Header { trace, group })
}

/// The trace at `offset` (on a frame, its header, or anywhere in its span) and its group.
pub fn trace_at(result: &Analysis, offset: usize) -> Option<(&TraceReport, &GroupReport)> {
    let trace = match target_at(result, offset) {
        Some(t) => t.trace(),
        None => result
            .report
            .traces
            .iter()
            .find(|t| t.trace.span.start <= offset && offset <= t.trace.span.end)?,
    };
    Some((trace, result.report.trace_groups.get(trace.group)?))
}

/// The loop-remote-call findings whose span meets `range`, with their index in the report.
pub fn findings_at(result: &Analysis, range: Range<usize>) -> Vec<(usize, &Finding)> {
    result
        .report
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.span.start.byte <= range.end && range.start <= f.span.end.byte)
        .collect()
}

/// The workspace folder of the document (or the first one).
pub fn root_for(host: &Host, result: &Analysis) -> Option<PathBuf> {
    let ws = host.workspace();
    result
        .path
        .as_deref()
        .and_then(|p| ws.root_of(p).map(Path::to_path_buf))
        .or_else(|| ws.roots().first().cloned())
}

/// Reads workspace-relative files through `files`.
pub fn relative_reader<'a>(
    files: &'a dyn Files,
    root: &Path,
) -> impl Fn(&str) -> Option<String> + 'a {
    let root = root.to_path_buf();
    move |rel: &str| files.read(&root.join(rel)).map(|t| t.lines.text())
}

/// The Markdown fence for a source file, by extension.
pub fn fence_language(path: &Path) -> &'static str {
    crate::langs::fence_for_extension(path.extension().and_then(|e| e.to_str()).unwrap_or(""))
}

/// `rel` under the workspace folder `root`, for a file the server creates: refused when `rel`
/// is absolute or climbs out (`..`), when an existing folder on the way is a link that leads
/// out of `root`, or when the file's own name is already taken by a link (which creating the
/// file would follow). The path returned is inside `root` as the disk resolves it.
pub fn confine(root: &Path, rel: &Path) -> Result<PathBuf, String> {
    use std::path::Component;
    let outside = || {
        format!(
            "{} is not inside the workspace folder {}",
            rel.display(),
            root.display()
        )
    };
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(outside());
    }
    let real_root = std::fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let path = root.join(rel);
    // The deepest folder on the way that exists, as the disk resolves it.
    let mut existing = path.parent();
    while let Some(dir) = existing {
        if let Ok(real) = std::fs::canonicalize(dir) {
            if !real.starts_with(&real_root) {
                return Err(outside());
            }
            break;
        }
        existing = dir.parent();
    }
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "{} is a link; not writing through it",
            rel.display()
        ));
    }
    Ok(path)
}

/// Today as `YYYY-MM-DD` (UTC), for the names of generated files.
pub fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_the_server_creates_stays_inside_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(ws.join("debugging")).unwrap();
        let ok = confine(&ws, Path::new("debugging/plan.md")).unwrap();
        assert_eq!(ok, ws.join("debugging/plan.md"));
        assert!(confine(&ws, Path::new("new/folder/plan.md")).is_ok());
        for bad in ["../plan.md", "debugging/../../plan.md", "/tmp/plan.md"] {
            assert!(confine(&ws, Path::new(bad)).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            let out = dir.path().join("outside");
            std::fs::create_dir_all(&out).unwrap();
            std::os::unix::fs::symlink(&out, ws.join("escape")).unwrap();
            assert!(confine(&ws, Path::new("escape/plan.md")).is_err());
            std::os::unix::fs::symlink(out.join("target.md"), ws.join("debugging/dangling.md"))
                .unwrap();
            assert!(confine(&ws, Path::new("debugging/dangling.md")).is_err());
        }
    }
}
