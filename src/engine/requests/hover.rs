//! Hover on a stack trace: a frame shows where it points (the source lines around it, or why
//! it does not resolve); the header shows the explanation's summary and likely causes.

use std::ops::Range;

use super::{Files, Target, fence_language, target_at};
use crate::engine::host::{Analysis, Host};
use crate::engine::traces::{GroupReport, TraceReport, locate};
use crate::workspace::resolve::Resolution;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    pub markdown: String,
    /// The span hovered, in the document.
    pub range: Range<usize>,
}

pub fn hover(host: &Host, files: &dyn Files, result: &Analysis, offset: usize) -> Option<Hover> {
    Some(match target_at(result, offset)? {
        Target::Frame { trace, frame } => Hover {
            markdown: frame_hover(host, files, trace, frame),
            range: trace.trace.frames[frame].span.clone(),
        },
        Target::Header { trace, group } => Hover {
            markdown: header_hover(trace, group),
            range: trace.trace.header_span.clone(),
        },
    })
}

fn frame_hover(host: &Host, files: &dyn Files, t: &TraceReport, i: usize) -> String {
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
            let rel = host
                .workspace()
                .root_of(path)
                .map(|r| crate::workspace::relative(r, path))
                .unwrap_or_else(|| path.display().to_string());
            let line = f.line.unwrap_or(1);
            md.push_str(&format!("`{rel}:{line}`\n\n"));
            if let Some(file) = files.read(path) {
                let index = file.lines;
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
