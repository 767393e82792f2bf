//! PHP (trace-only): uncaught exceptions, `Stack trace:` frames, Laravel logs, `Next` chains.

pub mod trace;

use crate::langs::TraceFormat;
use crate::traces::Language;

pub static TRACE: TraceFormat = TraceFormat {
    language: Language::Php,
    key: "php",
    name: "PHP",
    other_sources: &[(&["php"], "php")],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &[
        "Uncaught",
        "Stack trace",
        "[stacktrace]",
        "#0 ",
        "Exception",
        "Error",
    ],
    headed: &[(50, |doc, li, _floor| trace::parse(doc, li))],
    at_style: None,
};
