//! Java, and the JVM trace format (Java, Kotlin, Scala, Android): the summary hooks, CompletableFuture rewrites, JUnit 5 tests.

pub mod hooks;
pub mod resolve;
pub mod rewrite;
pub mod testgen;
pub mod trace;

use crate::code::Lang;
use crate::langs::{AtStyle, CodeLanguage, Dialect, TraceFormat};
use crate::traces::Runtime;

/// This format's runtime, by its key.
pub const RUNTIME: Runtime = Runtime::new("jvm");

pub static TRACE: TraceFormat = TraceFormat {
    language: RUNTIME,
    key: RUNTIME.key(),
    name: "JVM",
    other_sources: &[(&["kt", "kts"], "kotlin"), (&["scala"], "scala")],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &[
        "Exception",
        "exception",
        "Throwable",
        "  at ",
        "\tat ",
        "\\tat ",
    ],
    headed: &[(70, trace::parse_headed)],
    at_style: Some(AtStyle {
        is_frame: trace::is_frame,
        is_frame_after_header: |_| false,
        looks_like_header: trace::is_header,
        is_header: |t| trace::header(t).is_some(),
        parse: trace::parse,
    }),
};

pub static CODE: CodeLanguage = CodeLanguage {
    key: "java",
    name: "Java",
    dialects: &[Dialect {
        lang: Lang::Java,
        extensions: &["java"],
        fence: "java",
        grammar: || tree_sitter_java::LANGUAGE.into(),
    }],
    catalog: include_str!("catalog.toml"),
    queries: include_str!("queries.scm"),
    line_comment: "//",
    self_names: &["this"],
    trace: &TRACE,
    summarize: crate::code::summary::walk::<hooks::Java>,
    is_construct: crate::code::summary::is_construct::<hooks::Java>,
    resolve: &hooks::Java,
    batch: rewrite::batch,
    concurrent: rewrite::concurrent,
    generate_test: testgen::generate,
};
