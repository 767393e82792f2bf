//! PHP (trace-only): uncaught exceptions, `Stack trace:` frames, Laravel logs, `Next` chains.

pub mod trace;

use crate::langs::TraceFormat;
use crate::traces::Runtime;

/// This format's runtime, by its key.
pub const RUNTIME: Runtime = Runtime::new("php");

pub static TRACE: TraceFormat = TraceFormat {
    language: RUNTIME,
    key: RUNTIME.key(),
    name: "PHP",
    other_sources: &[(&["php"], "php")],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &[
        "Uncaught",
        "Stack trace",
        "Call Stack",
        ".php line ",
        "[stacktrace]",
        "#0 ",
        "Exception",
        "Error",
    ],
    headed: &[(50, |doc, li, _floor| trace::parse(doc, li))],
    at_style: None,
};
