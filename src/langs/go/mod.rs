//! Go: panic and fatal-error goroutine dumps, the summary hooks, errgroup rewrites, `go test` tests.

pub mod hooks;
pub mod resolve;
pub mod rewrite;
pub mod testgen;
pub mod trace;

use crate::code::Lang;
use crate::langs::{CodeLanguage, Dialect, TraceFormat};
use crate::traces::Runtime;

/// This format's runtime, by its key.
pub const RUNTIME: Runtime = Runtime::new("go");

pub static TRACE: TraceFormat = TraceFormat {
    language: RUNTIME,
    key: RUNTIME.key(),
    name: "Go",
    other_sources: &[],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &[
        "panic",
        "goroutine ",
        "fatal error",
        "SIGABRT: ",
        "SIGQUIT: ",
        "SIGSEGV: ",
        "SIGBUS: ",
        "SIGILL: ",
        "SIGFPE: ",
        "SIGTRAP: ",
    ],
    headed: &[(30, trace::parse)],
    at_style: None,
};

pub static CODE: CodeLanguage = CodeLanguage {
    key: "go",
    name: "Go",
    dialects: &[Dialect {
        lang: Lang::Go,
        extensions: &["go"],
        fence: "go",
        grammar: || tree_sitter_go::LANGUAGE.into(),
    }],
    catalog: include_str!("catalog.toml"),
    queries: include_str!("queries.scm"),
    line_comment: "//",
    self_names: &[],
    trace: &TRACE,
    summarize: crate::code::summary::walk::<hooks::Go>,
    is_construct: crate::code::summary::is_construct::<hooks::Go>,
    resolve: &hooks::Go,
    batch: rewrite::batch,
    concurrent: rewrite::concurrent,
    generate_test: testgen::generate,
};
