//! The engine suite: N+1 detection, traces, knowledge, explanations, rewrites, generated tests and plans,
//! through the library API (no transport). One binary, one module per area.

mod catalog_examples;
mod code_common;
mod code_deep;
mod code_demo;
mod code_engine;
mod code_incremental_prop;
mod code_n_plus_one;
mod code_parallel;
mod explain;
mod fix_verified;
mod knowledge;
mod plans;
mod rewrite_common;
mod rewrite_go;
mod rewrite_java;
mod rewrite_javascript;
mod rewrite_python;
mod rewrite_rust;
mod rewrite_suppress;
mod testgen_languages;
mod testgen_python;
mod traces_behaviour;
mod traces_corpus;
mod traces_precision;
