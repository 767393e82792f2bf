//! The one registry of languages. Everything that differs between languages lives in one folder
//! per language (`langs/<key>/`): summary hooks, trace parser, rewrite and test-generation hooks,
//! `catalog.toml`, `knowledge.toml`, `queries.scm`. The language-neutral layers (`traces/`,
//! `code/`, `guidance/`) read what they need from the two tables below and never name a language.
//!
//! Adding a trace format: a folder with `trace.rs`, `knowledge.toml` and a `mod.rs` defining its
//! [`TraceFormat`], plus one line in [`TRACE_FORMATS`] (its `RUNTIME` constant names the key).
//! Adding a code language: the same folder with `hooks.rs`, `rewrite.rs`, `testgen.rs`,
//! `catalog.toml`, `queries.scm` and a [`CodeLanguage`], one line in [`CODE_LANGUAGES`], a
//! [`Lang`] variant per grammar, and the grammar crate in `Cargo.toml`. See CONTRIBUTING.md.

use std::sync::LazyLock;

use crate::code::Finding;
use crate::code::Lang;
use crate::code::body_cache::Session;
use crate::code::summary::FileSummary;
use crate::guidance::rewrite::{Options, Rewrite};
use crate::guidance::testgen::{Files, GeneratedTest, Subject};
use crate::traces::Runtime;
use crate::traces::shared::{Doc, Parsed};

pub mod dotnet;
pub mod go;
pub mod java;
pub mod javascript;
pub mod php;
pub mod python;
pub mod ruby;
pub mod rust;

/// Every trace format, in the order their knowledge is listed.
pub static TRACE_FORMATS: [&TraceFormat; 8] = [
    &python::TRACE,
    &javascript::TRACE,
    &java::TRACE,
    &go::TRACE,
    &rust::TRACE,
    &ruby::TRACE,
    &dotnet::TRACE,
    &php::TRACE,
];

/// Every language whose code is analysed.
pub static CODE_LANGUAGES: [&CodeLanguage; 5] = [
    &python::CODE,
    &javascript::CODE,
    &go::CODE,
    &rust::CODE,
    &java::CODE,
];

/// How one runtime's stack traces look and what is known about its exceptions.
pub struct TraceFormat {
    pub language: Runtime,
    /// The key in JSON output, data files and settings (`python`, `jvm`, `dotnet`).
    pub key: &'static str,
    /// For people (`Python`, `JVM`, `.NET`).
    pub name: &'static str,
    /// Source files this runtime's frames name that no code language analyses, with their
    /// Markdown fence: `(extensions, fence)` (Kotlin and Scala for the JVM, `rb` for Ruby).
    pub other_sources: &'static [(&'static [&'static str], &'static str)],
    /// `knowledge.toml`: the exception knowledge base for this runtime.
    pub knowledge: &'static str,
    /// `catalog.toml`: the remote clients whose frames this runtime's traces show (with the
    /// code language's detection fields where there is one; the JVM's is Java's).
    pub catalog: &'static str,
    /// Literals found in (almost) every trace of this format, header or frame: only lines
    /// holding one of any format's literals are parsed.
    pub triggers: &'static [&'static str],
    /// Parsers that start at a header line, with their place in the order they are tried
    /// (lower first; a format may have several, e.g. Ruby's reversed tracebacks come first).
    pub(crate) headed: &'static [(u8, HeadedParse)],
    /// For formats of a header then `at …` frames (JavaScript, JVM, .NET).
    pub(crate) at_style: Option<AtStyle>,
}

/// `parse(doc, line, floor)`: the traces starting at `line` (no line before `floor` may be
/// taken), or `None`.
pub(crate) type HeadedParse = fn(&Doc, usize, usize) -> Option<Parsed>;

/// A format of a header line, then `at …` frames. The first frame decides which one it is;
/// formats are asked in registry order.
pub(crate) struct AtStyle {
    pub is_frame: fn(&str) -> bool,
    /// A frame form that only counts after a header (Firefox's `fn@url:l:c`).
    pub is_frame_after_header: fn(&str) -> bool,
    /// Reads as this format's header (may be loose: it only decides whether to look ahead).
    pub looks_like_header: fn(&str) -> bool,
    /// Is this format's header.
    pub is_header: fn(&str) -> bool,
    pub parse: fn(&Doc, Option<usize>, usize) -> Option<Parsed>,
}

/// A language whose code is analysed for N+1 calls, rewritten, and tested.
pub struct CodeLanguage {
    /// The catalog family and the key in settings and data (`python`, `javascript`).
    pub key: &'static str,
    pub name: &'static str,
    /// The grammars (dialects) of this language, each with its file extensions.
    pub dialects: &'static [Dialect],
    /// `catalog.toml`: remote APIs of this ecosystem.
    pub catalog: &'static str,
    /// `queries.scm`: the suppression-comment query.
    pub queries: &'static str,
    /// What starts a line comment (`#`, `//`): the suppression comment's marker.
    pub line_comment: &'static str,
    /// Names a method's receiver goes by (`self`, `this`).
    pub self_names: &'static [&'static str],
    /// The trace format this language's programs print.
    pub trace: &'static TraceFormat,
    pub(crate) summarize: Summarize,
    pub(crate) is_construct: fn(&str) -> bool,
    /// `resolve.rs`: the rules of cross-file resolution (module keys, imports, which calls run).
    pub(crate) resolve: &'static dyn crate::code::resolve::ResolveHooks,
    pub(crate) batch: RewriteFn,
    pub(crate) concurrent: RewriteFn,
    pub(crate) generate_test: TestgenFn,
}

/// One tree-sitter grammar of a code language.
pub struct Dialect {
    pub lang: Lang,
    pub extensions: &'static [&'static str],
    /// The Markdown fence name for code in this dialect.
    pub fence: &'static str,
    pub grammar: fn() -> tree_sitter::Language,
}

pub(crate) type Summarize = for<'t> fn(
    &str,
    tree_sitter::Node<'t>,
    FileSummary,
    Option<Session>,
) -> (FileSummary, Option<Session>);
pub(crate) type RewriteFn =
    fn(&Finding, &dyn Fn(&str) -> Option<String>, &Options) -> Result<Rewrite, String>;
pub(crate) type TestgenFn = fn(&Subject, Files, &[String], usize) -> Result<GeneratedTest, String>;

/// The trace format of a runtime.
pub fn trace_format(language: Runtime) -> &'static TraceFormat {
    TRACE_FORMATS
        .iter()
        .copied()
        .find(|f| f.language == language)
        .expect("every Runtime has a TraceFormat in TRACE_FORMATS")
}

/// The dialect of a grammar key, and its language.
fn dialect(lang: Lang) -> (&'static CodeLanguage, &'static Dialect) {
    static BY_LANG: LazyLock<Vec<(Lang, &'static CodeLanguage, &'static Dialect)>> =
        LazyLock::new(|| {
            CODE_LANGUAGES
                .iter()
                .flat_map(|c| c.dialects.iter().map(move |d| (d.lang, *c, d)))
                .collect()
        });
    BY_LANG
        .iter()
        .find(|(l, _, _)| *l == lang)
        .map(|(_, c, d)| (*c, *d))
        .expect("every Lang has a Dialect in CODE_LANGUAGES")
}

/// The code language of a grammar key.
pub fn code_language(lang: Lang) -> &'static CodeLanguage {
    dialect(lang).0
}

/// The dialect (grammar, extensions, fence) of a grammar key.
pub fn dialect_of(lang: Lang) -> &'static Dialect {
    dialect(lang).1
}

/// The dialect whose extensions include `ext` (without the dot).
pub fn dialect_for_extension(ext: &str) -> Option<&'static Dialect> {
    CODE_LANGUAGES
        .iter()
        .flat_map(|c| c.dialects.iter())
        .find(|d| d.extensions.contains(&ext))
}

/// The code language whose catalog family is `key`.
pub fn code_language_by_key(key: &str) -> Option<&'static CodeLanguage> {
    CODE_LANGUAGES.iter().copied().find(|c| c.key == key)
}

/// The code language a person names: its key, or one of its dialects' fences or extensions
/// (`typescript`, `ts`, `py`), ignoring case.
pub fn code_language_named(name: &str) -> Option<&'static CodeLanguage> {
    let name = name.to_ascii_lowercase();
    CODE_LANGUAGES.iter().copied().find(|c| {
        c.key == name
            || c.dialects
                .iter()
                .any(|d| d.fence == name || d.extensions.contains(&name.as_str()))
    })
}

/// The Markdown fence for a source file named in a trace, by extension: a code language's
/// dialect, else a trace format's `other_sources`; "" when unknown.
pub fn fence_for_extension(ext: &str) -> &'static str {
    if let Some(d) = dialect_for_extension(ext) {
        return d.fence;
    }
    TRACE_FORMATS
        .iter()
        .flat_map(|f| f.other_sources.iter())
        .find(|(exts, _)| exts.contains(&ext))
        .map_or("", |(_, fence)| fence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_is_named_by_its_key_or_a_dialects_fence_or_extension() {
        let named = |n| code_language_named(n).map(|c| c.key);
        assert_eq!(named("TypeScript"), Some("javascript"));
        assert_eq!(named("tsx"), Some("javascript"));
        assert_eq!(named("js"), Some("javascript"));
        assert_eq!(named("py"), Some("python"));
        assert_eq!(named("rs"), Some("rust"));
        assert_eq!(named("go"), Some("go"));
        assert_eq!(named("kotlin"), None);
    }

    #[test]
    fn every_runtime_has_one_trace_format_with_a_unique_key() {
        let all = [
            crate::langs::python::RUNTIME,
            crate::langs::javascript::RUNTIME,
            crate::langs::java::RUNTIME,
            crate::langs::go::RUNTIME,
            crate::langs::rust::RUNTIME,
            crate::langs::ruby::RUNTIME,
            crate::langs::dotnet::RUNTIME,
            crate::langs::php::RUNTIME,
        ];
        for l in all {
            let n = TRACE_FORMATS.iter().filter(|f| f.language == l).count();
            assert_eq!(n, 1, "{l:?} has {n} trace formats");
            // The serde name of a runtime is its key in JSON output and in the data files.
            assert_eq!(
                serde_json::to_value(l).unwrap(),
                serde_json::json!(trace_format(l).key)
            );
        }
        let mut keys: Vec<_> = TRACE_FORMATS.iter().map(|f| f.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), TRACE_FORMATS.len());
    }

    #[test]
    fn every_grammar_belongs_to_one_code_language_and_extensions_do_not_overlap() {
        let all = [
            Lang::Python,
            Lang::JavaScript,
            Lang::TypeScript,
            Lang::Tsx,
            Lang::Go,
            Lang::Rust,
            Lang::Java,
        ];
        for l in all {
            let n = CODE_LANGUAGES
                .iter()
                .flat_map(|c| c.dialects.iter())
                .filter(|d| d.lang == l)
                .count();
            assert_eq!(n, 1, "{l:?} has {n} dialects");
        }
        let mut exts: Vec<&str> = CODE_LANGUAGES
            .iter()
            .flat_map(|c| c.dialects.iter().flat_map(|d| d.extensions.iter().copied()))
            .chain(
                TRACE_FORMATS
                    .iter()
                    .flat_map(|f| f.other_sources.iter().flat_map(|(e, _)| e.iter().copied())),
            )
            .collect();
        let n = exts.len();
        exts.sort_unstable();
        exts.dedup();
        assert_eq!(exts.len(), n, "an extension is registered twice");
    }

    #[test]
    fn fences_come_from_the_dialects_then_the_trace_formats() {
        assert_eq!(fence_for_extension("py"), "python");
        assert_eq!(fence_for_extension("tsx"), "typescript");
        assert_eq!(fence_for_extension("mjs"), "javascript");
        assert_eq!(fence_for_extension("kt"), "kotlin");
        assert_eq!(fence_for_extension("cs"), "csharp");
        assert_eq!(fence_for_extension("rb"), "ruby");
        assert_eq!(fence_for_extension("txt"), "");
    }

    #[test]
    fn every_format_lists_trigger_literals_and_a_way_to_parse() {
        for f in TRACE_FORMATS {
            assert!(!f.triggers.is_empty(), "{}: no triggers", f.key);
            assert!(
                !f.headed.is_empty() || f.at_style.is_some(),
                "{}: no parser",
                f.key
            );
        }
    }
}
