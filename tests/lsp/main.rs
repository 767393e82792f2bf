//! The LSP suite: the real server binary over stdio with real framing (`common` is the client).

mod actions;
mod common;
mod core;
mod edits_prop;
mod loops;
mod traces;
