//! debuglens: debugging guidance for editors and CI.
//!
//! The engine (`text`, `config`, `workspace`, `engine` and the detectors below it) is plain Rust
//! and knows nothing of transports. `lsp` and `cli` are its two faces.

pub mod cli;
pub mod code;
pub mod config;
pub mod engine;
pub mod guidance;
pub mod langs;
pub mod lsp;
pub mod reclaim;
pub mod text;
pub mod traces;
pub mod workspace;
