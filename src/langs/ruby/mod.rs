//! Ruby (trace-only): backtraces, including Ruby 2.5–2.7 reversed tracebacks.

pub mod trace;

use crate::langs::TraceFormat;
use crate::traces::Runtime;

/// This format's runtime, by its key.
pub const RUNTIME: Runtime = Runtime::new("ruby");

pub static TRACE: TraceFormat = TraceFormat {
    language: RUNTIME,
    key: RUNTIME.key(),
    name: "Ruby",
    other_sources: &[(&["rb"], "ruby")],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &[":in `", ":in '", "Error"],
    headed: &[
        (10, |doc, li, _floor| trace::parse_reversed(doc, li)),
        (60, trace::parse),
    ],
    at_style: None,
};
