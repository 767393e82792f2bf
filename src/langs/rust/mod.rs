//! Rust: panics and backtraces, the summary hooks, `futures` stream rewrites, `cargo test` tests.

pub mod hooks;
pub mod resolve;
pub mod rewrite;
pub mod testgen;
pub mod trace;

use crate::code::Lang;
use crate::langs::{CodeLanguage, Dialect, TraceFormat};
use crate::traces::Runtime;

/// This format's runtime, by its key.
pub const RUNTIME: Runtime = Runtime::new("rust");

pub static TRACE: TraceFormat = TraceFormat {
    language: RUNTIME,
    key: RUNTIME.key(),
    name: "Rust",
    other_sources: &[],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &["panic", "stack backtrace", "Caused by:"],
    headed: &[(40, trace::parse)],
    at_style: None,
};

pub static CODE: CodeLanguage = CodeLanguage {
    key: "rust",
    name: "Rust",
    dialects: &[Dialect {
        lang: Lang::Rust,
        extensions: &["rs"],
        fence: "rust",
        grammar: || tree_sitter_rust::LANGUAGE.into(),
    }],
    catalog: include_str!("catalog.toml"),
    queries: include_str!("queries.scm"),
    line_comment: "//",
    self_names: &["self", "Self"],
    trace: &TRACE,
    summarize: crate::code::summary::walk::<hooks::Rust>,
    is_construct: crate::code::summary::is_construct::<hooks::Rust>,
    resolve: &hooks::Rust,
    batch: rewrite::batch,
    concurrent: rewrite::concurrent,
    generate_test: testgen::generate,
};
