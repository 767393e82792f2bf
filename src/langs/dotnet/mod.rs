//! .NET (trace-only): exception traces with inner exceptions, in several UI languages.

pub mod trace;

use crate::langs::{AtStyle, TraceFormat};
use crate::traces::Runtime;

/// This format's runtime, by its key.
pub const RUNTIME: Runtime = Runtime::new("dotnet");

pub static TRACE: TraceFormat = TraceFormat {
    language: RUNTIME,
    key: RUNTIME.key(),
    name: ".NET",
    other_sources: &[(&["cs"], "csharp")],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &["Exception", "Ausnahme", "Excepci", "  at ", " at offset "],
    headed: &[],
    at_style: Some(AtStyle {
        is_frame: trace::is_frame,
        is_frame_after_header: |_| false,
        looks_like_header: |t| trace::header(t).is_some(),
        is_header: |t| trace::header(t).is_some(),
        parse: trace::parse,
    }),
};
