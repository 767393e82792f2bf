//! Go to definition on a frame: where it points — one place when it resolves, every candidate
//! when it is ambiguous. The place is the frame's line found again in the file as it is now
//! (it may have moved), at the printed column when the line did not move.

use super::{FileRange, Files, Target, target_at};
use crate::engine::host::Analysis;
use crate::engine::traces::locate;
use crate::workspace::resolve::Resolution;

/// Empty ranges (cursor positions) in the files the frame at `offset` points at.
pub fn definition(files: &dyn Files, result: &Analysis, offset: usize) -> Vec<FileRange> {
    let Some(Target::Frame { trace, frame }) = target_at(result, offset) else {
        return Vec::new();
    };
    let f = &trace.trace.frames[frame];
    let paths: Vec<&std::path::Path> = match &trace.resolutions[frame] {
        Resolution::Resolved(p) => vec![p.as_path()],
        Resolution::Ambiguous(c) => c.iter().map(|p| p.as_path()).collect(),
        Resolution::Unresolved => Vec::new(),
    };
    paths
        .into_iter()
        .filter_map(|p| {
            let index = files.read(p)?.lines;
            let text = index.text();
            let range = match f.line {
                Some(l) => locate(&text, l, f.source_line.as_deref()).unwrap_or(0..0),
                None => 0..0,
            };
            let mut at = range.start;
            if let (Some(col), Some(l)) = (f.column, f.line) {
                // A printed column is 1-based; trust it when the line did not move.
                if index.line_of(range.start) + 1 == l as usize {
                    let line_start = index.line_start(l as usize - 1);
                    if let Some(line_text) = index.line_text(l as usize - 1) {
                        let byte = line_text
                            .char_indices()
                            .nth(col.saturating_sub(1) as usize)
                            .map_or(line_text.len(), |(b, _)| b);
                        at = line_start + byte;
                    }
                }
            }
            Some(FileRange {
                path: p.to_path_buf(),
                range: at..at,
                lines: index,
            })
        })
        .collect()
}
