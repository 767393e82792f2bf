#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports
//! Editor latency and workspace scale (issue 4):
//! `cargo bench --bench code_latency` (all), or with `DEBUGLENS_BENCH=edits|workspace|min`;
//! `DEBUGLENS_BENCH_LANGS=python,java` limits the edits and lsp modes to those languages.
//!
//! * edits: for a ~5k-line file per language (inside a ~100k-line indexed workspace), applies
//!   `EDITS` single-character insertions at pseudo-random positions, each followed by its
//!   deletion (2×`EDITS` timed single-character edits), and times the full path
//!   edit → incremental reparse → summarize → index.update → findings_for, printing p50/p95.
//! * workspace: analyses a generated ≥500k-line mixed-language workspace and prints the time
//!   and peak RSS (VmHWM).
//! * lsp: the same edits end to end through the language server (in-process, real framing,
//!   `debounceMs` 0) on a ~100k-line workspace written to disk and indexed: the time from
//!   sending each didChange to receiving the publishDiagnostics for that version, p50/p95.
#[path = "../tests/lsp/common.rs"]
mod common;

use debuglens::code::*;
use serde_json::json;
use std::time::{Duration, Instant};

const EDITS: usize = 60;

fn load(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if Lang::from_path(&p.to_string_lossy()).is_some() {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
}

fn base_files() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut base = Vec::new();
    for lang in ["python", "javascript", "go", "rust", "java"] {
        let mut v = Vec::new();
        load(&root.join("n_plus_one").join(lang), &mut v);
        base.extend(v.into_iter().map(|(p, t)| (format!("{lang}/{p}"), t)));
    }
    base
}

fn workspace(base: &[(String, String)], min_lines: usize) -> Vec<(String, String)> {
    let base_lines: usize = base.iter().map(|(_, t)| t.lines().count()).sum();
    let copies = min_lines / base_lines.max(1) + 1;
    let mut files = Vec::new();
    for i in 0..copies {
        for (p, t) in base {
            files.push((format!("svc{i}/{p}"), t.clone()));
        }
    }
    files
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

/// xorshift64*: deterministic positions without a `rand` dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Edit `k` of a typing session, as (start, old end, inserted text): even steps insert one
/// character at a random position, odd steps delete it again (typing then undoing), so the file
/// stays realistic instead of decaying. `last` carries the position between the two.
fn typing_step(
    rng: &mut Rng,
    text: &str,
    k: usize,
    last: &mut usize,
) -> (usize, usize, &'static str) {
    if k % 2 == 1 {
        return (*last, *last + 1, "");
    }
    let mut at = (rng.next() % (text.len() as u64 + 1)) as usize;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    *last = at;
    (at, at, ["x", "_", " ", "1"][(rng.next() % 4) as usize])
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn run_workspace(base: &[(String, String)]) {
    let files = workspace(base, 500_000);
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let t0 = Instant::now();
    let findings = analyze_workspace(&files, &AnalysisConfig::default());
    let dt = t0.elapsed();
    println!(
        "workspace: {} files, {} lines, {} findings in {:.2?} ({:.0} lines/s); peak RSS (VmHWM) {}",
        files.len(),
        lines,
        findings.len(),
        dt,
        lines as f64 / dt.as_secs_f64(),
        vm_hwm()
    );
}

/// `DEBUGLENS_BENCH_LANGS=python,java` times only those languages (edits and lsp modes).
fn only_lang(lang: &str) -> bool {
    let only = std::env::var("DEBUGLENS_BENCH_LANGS").unwrap_or_default();
    only.is_empty() || only.split(',').any(|l| l.trim() == lang)
}

fn run_edits(base: &[(String, String)]) {
    let mut index = indexed_workspace(base);
    println!(
        "{} single-character edits ({EDITS} random inserts, each then deleted) per ~5k-line file, full path (ms): p50 / p95 per stage",
        2 * EDITS
    );
    let mut worst_p95 = Duration::ZERO;
    for (lang, l, ext) in [
        ("python", Lang::Python, ".py"),
        ("typescript", Lang::TypeScript, ".ts"),
        ("go", Lang::Go, ".go"),
        ("rust", Lang::Rust, ".rs"),
        ("java", Lang::Java, ".java"),
    ] {
        if !only_lang(lang) {
            continue;
        }
        let src_lang = if lang == "typescript" {
            "javascript"
        } else {
            lang
        };
        let mut text = big_file(base, src_lang, ext);
        let path = format!("big/{lang}/big{ext}");
        let mut pf = ParsedFile::new(l, text.clone());
        index.update_with(&path, |prev| pf.summarize(&path, prev));
        let _ = index.findings_for(&path);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ text.len() as u64);
        let (mut tp, mut ts, mut tu, mut tf, mut tt) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut nfind = 0;
        let mut last = 0;
        for k in 0..2 * EDITS {
            let (start, old_end, ins) = typing_step(&mut rng, &text, k, &mut last);
            let edit = TextEdit::replace(&text, start, old_end, ins);
            let mut new_text = String::with_capacity(text.len() + 1);
            new_text.push_str(&text[..start]);
            new_text.push_str(ins);
            new_text.push_str(&text[old_end..]);
            let t0 = Instant::now();
            pf.edit(edit, new_text.clone());
            let t1 = Instant::now();
            // The index hands the file's last summary to the next one (its unchanged functions
            // move over): summarize is timed inside, the rest of the update outside.
            let mut summarize = Duration::ZERO;
            index.update_with(&path, |prev| {
                let t = Instant::now();
                let s = pf.summarize(&path, prev);
                summarize = t.elapsed();
                s
            });
            let t2 = t1 + summarize;
            let t3 = Instant::now();
            let f = index.findings_for(&path);
            let t4 = Instant::now();
            nfind = f.len();
            tp.push(t1 - t0);
            ts.push(t2 - t1);
            tu.push(t3 - t2);
            tf.push(t4 - t3);
            tt.push(t4 - t0);
            text = new_text;
        }
        let p95 = pct(&mut tt, 0.95);
        worst_p95 = worst_p95.max(p95);
        println!(
            "{lang:<10} {:>5} lines | reparse {:>6}/{:>6} | summarize {:>6}/{:>6} | update {:>6}/{:>6} | findings_for {:>6}/{:>6} | TOTAL {:>6}/{:>6} ({nfind} findings)",
            text.lines().count(),
            ms(pct(&mut tp, 0.5)),
            ms(pct(&mut tp, 0.95)),
            ms(pct(&mut ts, 0.5)),
            ms(pct(&mut ts, 0.95)),
            ms(pct(&mut tu, 0.5)),
            ms(pct(&mut tu, 0.95)),
            ms(pct(&mut tf, 0.5)),
            ms(pct(&mut tf, 0.95)),
            ms(pct(&mut tt, 0.5)),
            ms(p95),
        );
    }
    println!("worst TOTAL p95: {} ms", ms(worst_p95));
}

/// Minimum over repeats of each stage on the unedited big files (robust to machine load).
fn run_min(base: &[(String, String)]) {
    let mut index = indexed_workspace(base);
    for (lang, l, ext) in [
        ("python", Lang::Python, ".py"),
        ("javascript", Lang::TypeScript, ".ts"),
        ("go", Lang::Go, ".go"),
        ("rust", Lang::Rust, ".rs"),
        ("java", Lang::Java, ".java"),
    ] {
        let text = big_file(base, lang, ext);
        let path = format!("big/{lang}/big{ext}");
        // Fresh parse vs incremental reparse after a one-character insert (and its undo).
        let (mut fresh_min, mut inc_min) = (Duration::MAX, Duration::MAX);
        let mut pf = ParsedFile::new(l, text.clone());
        let mid = text.len() / 2;
        let at = text[mid..].find('\n').map(|i| mid + i).unwrap_or(mid);
        let edited = format!("{}x{}", &text[..at], &text[at..]);
        for _ in 0..15 {
            let t0 = Instant::now();
            let _ = ParsedFile::new(l, text.clone());
            fresh_min = fresh_min.min(t0.elapsed());
            let t0 = Instant::now();
            pf.edit(TextEdit::replace(&text, at, at, "x"), edited.clone());
            inc_min = inc_min.min(t0.elapsed());
            pf.edit(TextEdit::replace(&edited, at, at + 1, ""), text.clone());
        }
        println!(
            "{lang:<10} min of 15: fresh parse {} ms, incremental reparse {} ms",
            ms(fresh_min),
            ms(inc_min)
        );
        let (mut s_min, mut u_min, mut f_min) = (Duration::MAX, Duration::MAX, Duration::MAX);
        for _ in 0..15 {
            let t0 = Instant::now();
            let s = pf.summarize_once(&path);
            let t1 = Instant::now();
            index.update(&path, s);
            let t2 = Instant::now();
            let _ = index.findings_for(&path);
            let t3 = Instant::now();
            s_min = s_min.min(t1 - t0);
            u_min = u_min.min(t2 - t1);
            f_min = f_min.min(t3 - t2);
        }
        println!(
            "{lang:<10} min of 15: summarize (full walk, no body cache) {} ms, update {} ms, findings_for {} ms",
            ms(s_min),
            ms(u_min),
            ms(f_min)
        );
    }
}

/// A ~100k-line workspace (copies of the fixtures), summarised into an index.
fn indexed_workspace(base: &[(String, String)]) -> Index {
    let mut index = Index::new(Catalog::builtin(), AnalysisConfig::default());
    for (p, t) in &workspace(base, 100_000) {
        if let Some(l) = Lang::from_path(p) {
            index.update(p, summarize(p, l, t));
        }
    }
    index
}

/// The ~5k-line file of one language used by the edit benchmarks.
fn big_file(base: &[(String, String)], lang: &str, ext: &str) -> String {
    let src: String = base
        .iter()
        .filter(|(p, _)| p.starts_with(lang) && p.ends_with(ext))
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::new();
    while out.lines().count() < 5000 {
        out.push_str(&src);
        out.push('\n');
    }
    out
}

/// LSP position (UTF-16 columns; the files are ASCII, so bytes) of byte `at`.
fn lsp_pos(text: &str, at: usize) -> (u32, u32) {
    let before = &text[..at];
    let line = before.matches('\n').count();
    let col = before.rfind('\n').map(|i| at - i - 1).unwrap_or(at);
    (line as u32, col as u32)
}

async fn run_lsp(base: &[(String, String)]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = workspace(base, 100_000);
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    for (p, t) in &files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
    let langs = [
        ("python", "python", ".py"),
        ("typescript", "javascript", ".ts"),
        ("go", "go", ".go"),
        ("rust", "rust", ".rs"),
        ("java", "java", ".java"),
    ];
    for (lang, src_lang, ext) in langs {
        let path = dir.path().join(format!("big/{lang}/big{ext}"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, big_file(base, src_lang, ext)).unwrap();
    }
    let mut s = common::TestServer::builder()
        .workspace(dir.path())
        .init_options(json!({"debounceMs": 0}))
        .start()
        .await;
    s.indexed().await;
    s.keep_log(false);
    println!(
        "lsp: {} files, {lines} lines indexed; {} didChange each inserting or deleting one character per ~5k-line file, sent → publishDiagnostics for that version (ms): its last byte arrived at the client, and the client has parsed it (serde_json::Value)",
        files.len(),
        2 * EDITS
    );
    for (lang, _, ext) in langs {
        if !only_lang(lang) {
            continue;
        }
        let uri = s.uri(&format!("big/{lang}/big{ext}"));
        let mut text = std::fs::read_to_string(dir.path().join(format!("big/{lang}/big{ext}")))
            .unwrap_or_default();
        let language_id = if lang == "typescript" {
            "typescript"
        } else {
            lang
        };
        s.open(&uri, language_id, &text).await;
        let first = s.diagnostics(&uri, 1).await.len();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ text.len() as u64);
        let mut times = Vec::new();
        let mut arrived = Vec::new();
        let mut last = 0;
        let mut count = first;
        for k in 0..2 * EDITS {
            let (start, end, ins) = typing_step(&mut rng, &text, k, &mut last);
            let (l1, c1) = lsp_pos(&text, start);
            let (l2, c2) = lsp_pos(&text, end);
            let t0 = Instant::now();
            let v = s
                .change(
                    &uri,
                    json!([{"range": common::range(l1, c1, l2, c2), "text": ins}]),
                )
                .await;
            count = s.diagnostics(&uri, v).await.len();
            times.push(t0.elapsed());
            arrived.push(s.last_arrival().map_or(Duration::ZERO, |a| a - t0));
            text = format!("{}{}{}", &text[..start], ins, &text[end..]);
        }
        println!(
            "{lang:<10} {:>5} lines | arrived p50 {:>6} p95 {:>6} max {:>6} | parsed p50 {:>6} p95 {:>6} | {first} diagnostics on open, {count} after",
            text.lines().count(),
            ms(pct(&mut arrived, 0.5)),
            ms(pct(&mut arrived, 0.95)),
            ms(pct(&mut arrived, 1.0)),
            ms(pct(&mut times, 0.5)),
            ms(pct(&mut times, 0.95)),
        );
        s.close(&uri).await;
    }
    s.shutdown_and_exit().await;
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` builds this; it measures only under `cargo bench`
    }
    let mode = std::env::var("DEBUGLENS_BENCH").unwrap_or_default();
    let base = base_files();
    if mode.is_empty() || mode == "workspace" {
        run_workspace(&base);
    }
    if mode.is_empty() || mode == "edits" {
        run_edits(&base);
    }
    if mode.is_empty() || mode == "lsp" {
        let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
        rt.block_on(run_lsp(&base));
    }
    if mode == "min" {
        run_min(&base);
    }
}
