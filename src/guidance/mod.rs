//! What we tell the user. `knowledge` holds the exception knowledge base (data in
//! `knowledge/*.toml`); `explain` composes a trace-specific explanation from it.

pub mod explain;
pub mod knowledge;
pub mod plans;
pub mod rewrite;
pub mod templates;
pub mod testgen;

pub use explain::{ExplainContext, Explanation, Hypothesis, explain, to_markdown};
pub use knowledge::{Entry, KnowledgeBase};
