#![allow(clippy::print_stdout)] // a benchmark reports on stdout
//! Core benchmarks (issue 2). Run: `cargo bench --bench core`.
//!
//! 1. 10,000 single-character edits applied to a 5,000-line document: in the engine alone, and
//!    end to end through the in-process LSP server (didChange framing, ordering task, rope).
//! 2. Peak RSS (VmHWM) of the `debuglens lsp` process with the demo workspace open.

#[path = "../tests/lsp/common.rs"]
mod common;

use std::time::Instant;

use debuglens::text::{Document, Encoding, Position, TextChange};
use serde_json::json;

fn document() -> String {
    (0..5000)
        .map(|i| format!("line {i}: the quick brown fox — café 😀 jumps\n"))
        .collect()
}

fn edits(n: usize) -> Vec<(u32, u32)> {
    // Deterministic spread over the document: (line, column) pairs.
    let mut x: u64 = 0x2545F4914F6CDD1D;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x % 5000) as u32, (x % 20) as u32)
        })
        .collect()
}

fn engine_edits() {
    let text = document();
    let mut doc = Document::new(&text, 1, "plaintext");
    let list = edits(10_000);
    let started = Instant::now();
    for (i, (line, col)) in list.iter().enumerate() {
        let at = Position::new(*line, *col);
        let change = TextChange {
            range: Some((at, at)),
            text: "x".into(),
        };
        doc.apply(std::slice::from_ref(&change), i as i32 + 2, Encoding::Utf16)
            .unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "engine: 10,000 single-char edits to a 5,000-line document: {:.1} ms total, {:.2} µs/edit",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / 10_000.0
    );
}

async fn lsp_edits() {
    let mut s = common::TestServer::builder()
        .init_options(json!({"debounceMs": 10_000}))
        .start()
        .await;
    let uri = "untitled:bench";
    s.open(uri, "plaintext", &document()).await;
    s.text_of(uri).await;
    let list = edits(10_000);
    let started = Instant::now();
    for (line, col) in &list {
        s.change(
            uri,
            json!([{"range": common::range(*line, *col, *line, *col), "text": "x"}]),
        )
        .await;
    }
    let got = s.text_of(uri).await; // a barrier: answered after every edit has applied
    let elapsed = started.elapsed();
    assert_eq!(got["version"], 10_001);
    println!(
        "lsp: 10,000 didChange notifications (framed, in-process) applied: {:.1} ms total, {:.2} µs/edit",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / 10_000.0
    );
    s.shutdown_and_exit().await;
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn demo_memory() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checkout");
    let mut s = common::TestServer::builder()
        .workspace(&demo)
        .binary()
        .start()
        .await;
    let mut opened = Vec::new();
    for entry in walk(&demo) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        let uri = common::file_uri(&entry);
        s.open(&uri, "plaintext", &text).await;
        opened.push(uri);
    }
    for uri in &opened {
        s.diagnostics(uri, 1).await;
    }
    s.await_message(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
        .await;
    let mut child = s.take_child().unwrap();
    let pid = child.id().unwrap();
    let hwm = vm_hwm_kib(pid).unwrap_or(0);
    println!(
        "lsp: peak RSS with the demo workspace indexed and its {} files open: {:.1} MiB",
        opened.len(),
        hwm as f64 / 1024.0
    );
    let _ = child.kill().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if !p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(['.', '_'])
            {
                out.extend(walk(&p));
            }
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("py" | "md" | "toml" | "txt")
        ) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn main() {
    // `cargo test --all-targets` runs benches in test mode with `--bench` absent: keep it quick.
    let bench = std::env::args().any(|a| a == "--bench");
    if !bench {
        return;
    }
    engine_edits();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(lsp_edits());
    rt.block_on(demo_memory());
}
