//! JavaScript and TypeScript (one summariser for the three grammars): V8/Firefox/Safari traces, Promise.all rewrites, Jest tests.

pub mod hooks;
pub mod resolve;
pub mod rewrite;
pub mod testgen;
pub mod trace;

use crate::code::Lang;
use crate::langs::{AtStyle, CodeLanguage, Dialect, TraceFormat};
use crate::traces::Runtime;

/// This format's runtime, by its key.
pub const RUNTIME: Runtime = Runtime::new("javascript");

pub static TRACE: TraceFormat = TraceFormat {
    language: RUNTIME,
    key: RUNTIME.key(),
    name: "JavaScript",
    other_sources: &[],
    knowledge: include_str!("knowledge.toml"),
    catalog: include_str!("catalog.toml"),
    triggers: &[
        "Error",
        "Uncaught",
        "Rejection:",
        "  at ",
        "\tat ",
        "\\tat ",
        // Firefox/Safari frames without a header (`fn@url:l:c`).
        "@http",
        "@file:",
        "@resource:",
        "@moz-extension:",
        "@chrome-extension:",
        "@webpack",
    ],
    headed: &[(75, trace::parse_headed)],
    at_style: Some(AtStyle {
        is_frame: trace::is_frame,
        is_frame_after_header: trace::is_firefox_frame,
        looks_like_header: trace::is_header,
        is_header: |t| trace::header(t).is_some(),
        parse: trace::parse,
    }),
};

pub static CODE: CodeLanguage = CodeLanguage {
    key: "javascript",
    name: "JavaScript/TypeScript",
    dialects: &[
        Dialect {
            lang: Lang::JavaScript,
            extensions: &["js", "jsx", "mjs", "cjs"],
            fence: "javascript",
            grammar: || tree_sitter_javascript::LANGUAGE.into(),
        },
        Dialect {
            lang: Lang::TypeScript,
            extensions: &["ts", "mts", "cts"],
            fence: "typescript",
            grammar: || tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        },
        Dialect {
            lang: Lang::Tsx,
            extensions: &["tsx"],
            fence: "typescript",
            grammar: || tree_sitter_typescript::LANGUAGE_TSX.into(),
        },
    ],
    catalog: include_str!("catalog.toml"),
    queries: include_str!("queries.scm"),
    line_comment: "//",
    self_names: &["this"],
    trace: &TRACE,
    summarize: crate::code::summary::walk::<hooks::JavaScript>,
    is_construct: crate::code::summary::is_construct::<hooks::JavaScript>,
    resolve: &hooks::JavaScript,
    batch: rewrite::batch,
    concurrent: rewrite::concurrent,
    generate_test: testgen::generate,
};
