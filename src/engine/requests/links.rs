//! Document links: each resolved frame's path links to its file, at the frame's line and column.

use std::ops::Range;
use std::path::PathBuf;

use crate::engine::host::Analysis;
use crate::workspace::resolve::Resolution;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The frame's path in the document.
    pub range: Range<usize>,
    pub target: PathBuf,
    /// 1-based, as printed in the frame.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub tooltip: String,
}

/// The document's frame links, in document order.
pub fn links(result: &Analysis) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::new();
    for t in &result.report.traces {
        for (frame, res) in t.trace.frames.iter().zip(&t.resolutions) {
            let Resolution::Resolved(path) = res else {
                continue;
            };
            links.push(Link {
                range: frame.path_span.clone(),
                target: path.clone(),
                line: frame.line,
                column: frame.column,
                tooltip: format!(
                    "{} · {}",
                    frame.function.as_deref().unwrap_or("frame"),
                    if frame.in_app { "app" } else { "library" }
                ),
            });
        }
    }
    links.sort_by_key(|l| l.range.start);
    links
}
