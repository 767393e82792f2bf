//! Requests about stack traces in a document: links, definition, hover. They read the stored
//! analysis of the document (never recompute it) and the text of the files frames point at.

use std::path::Path;
use std::sync::Arc;

use tower_lsp_server::ls_types as lsp;

use super::analysis::DocResult;
use super::convert;
use super::state::State;
use crate::engine::traces::{GroupReport, TraceReport, locate};
use crate::text::{Encoding, LineIndex};
use crate::workspace::resolve::Resolution;

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

pub fn result_for(state: &State, uri: &lsp::Uri) -> Option<Arc<DocResult>> {
    state.results.read().ok()?.get(uri).cloned()
}

pub fn target_at(result: &DocResult, offset: usize) -> Option<Target<'_>> {
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

/// The text of a workspace file (open buffer first).
pub fn file_index(state: &State, path: &Path) -> Option<LineIndex> {
    super::documents::open_or_disk(&state.docs.latest(), path).map(|(index, _)| index)
}

fn link_target(path: &Path, line: Option<u32>, column: Option<u32>) -> Option<lsp::Uri> {
    let base = convert::uri_for_path(path)?;
    let fragment = match (line, column) {
        (Some(l), Some(c)) => format!("#L{l},{c}"),
        (Some(l), None) => format!("#L{l}"),
        _ => String::new(),
    };
    format!("{}{fragment}", base.as_str()).parse().ok()
}

pub fn document_links(result: &DocResult, enc: Encoding) -> Vec<lsp::DocumentLink> {
    let index = &result.document.index;
    let mut links: Vec<(usize, lsp::DocumentLink)> = Vec::new();
    for t in &result.report.traces {
        for (frame, res) in t.trace.frames.iter().zip(&t.resolutions) {
            let Resolution::Resolved(path) = res else {
                continue;
            };
            let Some(target) = link_target(path, frame.line, frame.column) else {
                continue;
            };
            links.push((
                frame.path_span.start,
                lsp::DocumentLink {
                    range: convert::range(index, &frame.path_span, enc),
                    target: Some(target),
                    tooltip: Some(format!(
                        "{} · {}",
                        frame.function.as_deref().unwrap_or("frame"),
                        if frame.in_app { "app" } else { "library" }
                    )),
                    data: None,
                },
            ));
        }
    }
    links.sort_by_key(|(start, _)| *start);
    links.into_iter().map(|(_, l)| l).collect()
}

/// Where a frame points, as locations: one when resolved, every candidate when ambiguous.
pub fn definition(
    state: &State,
    result: &DocResult,
    offset: usize,
    enc: Encoding,
) -> Vec<lsp::Location> {
    let Some(Target::Frame { trace, frame }) = target_at(result, offset) else {
        return Vec::new();
    };
    let f = &trace.trace.frames[frame];
    let paths: Vec<&Path> = match &trace.resolutions[frame] {
        Resolution::Resolved(p) => vec![p.as_path()],
        Resolution::Ambiguous(c) => c.iter().map(|p| p.as_path()).collect(),
        Resolution::Unresolved => Vec::new(),
    };
    paths
        .into_iter()
        .filter_map(|p| {
            let uri = convert::uri_for_path(p)?;
            let index = file_index(state, p)?;
            let text = index.text();
            let range = match f.line {
                Some(l) => locate(&text, l, f.source_line.as_deref()).unwrap_or(0..0),
                None => 0..0,
            };
            let mut start = index.position(range.start, enc);
            if let (Some(col), Some(l)) = (f.column, f.line) {
                // A printed column is 1-based; trust it when the line did not move.
                if index.line_of(range.start) + 1 == l as usize {
                    let line_start = index.line_start(l as usize - 1);
                    if let Some(line_text) = index.line_text(l as usize - 1) {
                        let byte = line_text
                            .char_indices()
                            .nth(col.saturating_sub(1) as usize)
                            .map_or(line_text.len(), |(b, _)| b);
                        start = index.position(line_start + byte, enc);
                    }
                }
            }
            let pos = convert::position(start);
            Some(lsp::Location::new(uri, lsp::Range::new(pos, pos)))
        })
        .collect()
}

fn fence_language(path: &Path) -> &'static str {
    crate::langs::fence_for_extension(path.extension().and_then(|e| e.to_str()).unwrap_or(""))
}

pub fn hover(
    state: &State,
    result: &DocResult,
    offset: usize,
    enc: Encoding,
) -> Option<lsp::Hover> {
    let target = target_at(result, offset)?;
    let index = &result.document.index;
    let (markdown, span) = match target {
        Target::Frame { trace, frame } => (
            frame_hover(state, trace, frame),
            trace.trace.frames[frame].span.clone(),
        ),
        Target::Header { trace, group } => {
            (header_hover(trace, group), trace.trace.header_span.clone())
        }
    };
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(convert::range(index, &span, enc)),
    })
}

fn frame_hover(state: &State, t: &TraceReport, i: usize) -> String {
    let f = &t.trace.frames[i];
    let func = f.function.as_deref().unwrap_or("?");
    let kind = if f.in_app {
        "app frame"
    } else {
        "library frame"
    };
    let innermost = t.trace.frames.iter().position(|x| x.in_app) == Some(i);
    let role = if innermost {
        format!(" · raised here: `{}`", t.trace.exception)
    } else {
        String::new()
    };
    let mut md = format!("**`{func}`** · {kind}{role}\n\n");
    match &t.resolutions[i] {
        Resolution::Resolved(path) => {
            let rel = state
                .workspace_read()
                .root_of(path)
                .map(|r| crate::workspace::relative(r, path))
                .unwrap_or_else(|| path.display().to_string());
            let line = f.line.unwrap_or(1);
            md.push_str(&format!("`{rel}:{line}`\n\n"));
            if let Some(index) = file_index(state, path) {
                let text = index.text();
                if let Some(range) = locate(&text, line, f.source_line.as_deref()) {
                    let at = index.line_of(range.start);
                    let from = at.saturating_sub(2);
                    let to = (at + 2).min(index.line_count().saturating_sub(1));
                    md.push_str(&format!("```{}\n", fence_language(path)));
                    for n in from..=to {
                        let marker = if n == at { "→" } else { " " };
                        md.push_str(&format!(
                            "{marker}{:>5} | {}\n",
                            n + 1,
                            index.line_text(n).unwrap_or_default()
                        ));
                    }
                    md.push_str("```\n");
                }
            }
        }
        Resolution::Ambiguous(candidates) => {
            md.push_str(&format!(
                "`{}` matches {} workspace files; set `pathMappings` to choose:\n\n",
                f.path,
                candidates.len()
            ));
            for c in candidates {
                md.push_str(&format!("- `{}`\n", c.display()));
            }
        }
        Resolution::Unresolved => {
            md.push_str(&format!("`{}` is not in the workspace", f.path));
            if let Some(src) = &f.source_line {
                md.push_str(&format!("\n\n```\n{src}\n```"));
            }
            md.push('\n');
        }
    }
    md
}

fn header_hover(t: &TraceReport, g: &GroupReport) -> String {
    let e = &g.explanation;
    let mut md = format!("**`{}`**", t.trace.exception);
    if g.count > 1 {
        md.push_str(&format!(
            " · seen {}× (lines {}–{})",
            g.count, g.first_line, g.last_line
        ));
    }
    md.push_str(&format!(
        "\n\n{}\n\n**Immediate cause.** {}\n\n**Likely underlying causes**\n",
        e.summary, e.immediate_cause
    ));
    for (n, c) in e.likely_causes.iter().take(3).enumerate() {
        md.push_str(&format!("{}. {}\n", n + 1, c.cause));
    }
    md.push_str("\n_Run **Explain this stack trace** for the evidence that confirms or rules out each, and next steps._");
    md
}
