//! Python: CPython tracebacks (chains, exception groups), the summary hooks, asyncio/ThreadPoolExecutor rewrites, pytest tests.

pub mod hooks;
pub mod resolve;
pub mod rewrite;
pub mod testgen;
pub mod trace;

use crate::code::Lang;
use crate::langs::{CodeLanguage, Dialect, TraceFormat};
use crate::traces::Runtime;

/// This format's runtime, by its key.
pub const RUNTIME: Runtime = Runtime::new("python");

pub static TRACE: TraceFormat = TraceFormat {
    language: RUNTIME,
    key: RUNTIME.key(),
    name: "Python",
    other_sources: &[],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &["Traceback", "File \"", "File \\\"", "Error", "Exception"],
    headed: &[(20, trace::parse)],
    at_style: None,
};

pub static CODE: CodeLanguage = CodeLanguage {
    key: "python",
    name: "Python",
    dialects: &[Dialect {
        lang: Lang::Python,
        extensions: &["py", "pyi"],
        fence: "python",
        grammar: || tree_sitter_python::LANGUAGE.into(),
    }],
    catalog: include_str!("catalog.toml"),
    queries: include_str!("queries.scm"),
    line_comment: "#",
    self_names: &["self", "cls"],
    trace: &TRACE,
    summarize: crate::code::summary::walk::<hooks::Python>,
    is_construct: crate::code::summary::is_construct::<hooks::Python>,
    resolve: &hooks::Python,
    batch: rewrite::batch,
    concurrent: rewrite::concurrent,
    generate_test: testgen::generate,
};
