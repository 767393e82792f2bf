//! Rust rewrites over the labeled positives: every result re-parses with tree-sitter and with
//! rustfmt (a real Rust parser), and the finding is gone after re-analysis.
use crate::rewrite_common;
use debuglens::guidance::rewrite::{self, Options};
use rewrite_common::*;

/// `rustfmt --emit stdout` parses the file for real (it fails on syntax errors).
fn rustfmt_parses(path: &str, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("check.rs");
    std::fs::write(&target, text).unwrap();
    let out = std::process::Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .arg(&target)
        .output()
        .expect("rustfmt runs");
    assert!(
        out.status.success(),
        "{path} does not parse with rustfmt:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_touched(files: &Files, cov: &Coverage) {
    for (at, after) in &cov.rewritten_files {
        for ((p, t), (_, t0)) in after.iter().zip(files) {
            if t != t0 && p.ends_with(".rs") {
                eprintln!("rustfmt after {at}");
                rustfmt_parses(p, t);
            }
        }
    }
}

#[test]
fn positives_concurrent() {
    let files = load_workspace(&fixture_dir("n_plus_one/rust/shop"));
    let cov = cover(&files, rewrite::concurrent);
    eprintln!("{}", cov.report("rust concurrent"));
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    check_touched(&files, &cov);
    assert!(cov.rewritten >= 7, "{}", cov.report("rust concurrent"));
}

#[test]
fn positives_batch() {
    let files = load_workspace(&fixture_dir("n_plus_one/rust/shop"));
    let cov = cover(&files, rewrite::batch);
    eprintln!("{}", cov.report("rust batch"));
    for (at, after) in &cov.rewritten_files {
        for ((p, t), (_, t0)) in after.iter().zip(&files) {
            if t != t0 {
                eprintln!("--- {p} after {at}\n{t}");
            }
        }
    }
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    check_touched(&files, &cov);
    assert!(cov.rewritten >= 2, "{}", cov.report("rust batch"));
    assert!(cov.refused.keys().all(|r| !r.is_empty()));
}

// ---------------------------------------------------------------------------------------------
// A small service: exact output of both rewrites, and `cargo check` of the result.

const CLIENT: &str = r#"use reqwest::Client;

/// The stock service accepts at most this many lines per batch request.
pub const MAX_CHECK_BATCH: usize = 100;

pub struct StockClient {
    http: Client,
    base: String,
}

impl StockClient {
    pub fn new(base: &str) -> Self {
        StockClient { http: Client::new(), base: base.to_string() }
    }

    pub async fn check(&self, sku: &str, qty: u32) -> reqwest::Result<bool> {
        let resp = self.http.post(format!("{}/check", self.base)).json(&(sku, qty)).send().await?;
        resp.json::<bool>().await
    }

    pub async fn check_batch(&self, lines: &[(String, u32)]) -> reqwest::Result<Vec<bool>> {
        let resp = self.http.post(format!("{}/check-batch", self.base)).json(&lines).send().await?;
        resp.json().await
    }
}
"#;

const INVENTORY: &str = r#"use crate::client::StockClient;

pub async fn in_stock(client: &StockClient, sku: &str, qty: u32) -> bool {
    client.check(sku, qty).await.unwrap_or(false)
}
"#;

const CHECKOUT: &str = r#"use crate::client::StockClient;
use crate::inventory::in_stock;

/// The lines of an order that cannot be served.
pub async fn missing(client: &StockClient, lines: &[(String, u32)]) -> Vec<String> {
    let mut out = Vec::new();
    for (sku, qty) in lines {
        if !in_stock(client, sku, *qty).await {
            out.push(sku.clone());
        }
    }
    out
}

pub async fn reserve_all(client: &StockClient, skus: &[String]) -> reqwest::Result<usize> {
    let mut reserved = 0;
    for sku in skus {
        if client.check(sku, 1).await? {
            reserved += 1;
        }
    }
    Ok(reserved)
}
"#;

fn service() -> Files {
    vec![
        ("src/checkout.rs".into(), CHECKOUT.into()),
        ("src/client.rs".into(), CLIENT.into()),
        ("src/inventory.rs".into(), INVENTORY.into()),
        (
            "src/lib.rs".into(),
            "pub mod checkout;\npub mod client;\npub mod inventory;\n".into(),
        ),
    ]
}

fn finding(files: &Files, line: usize) -> debuglens::code::Finding {
    warnings(files)
        .into_iter()
        .find(|f| f.path == "src/checkout.rs" && f.line() == line)
        .unwrap_or_else(|| panic!("no finding at checkout.rs:{line}: {:#?}", warnings(files)))
}

fn get(files: &Files, p: &str) -> String {
    files.iter().find(|(q, _)| q == p).unwrap().1.clone()
}

const MOCK_REQWEST: &str = r#"//! Just enough of reqwest's async API for the rewritten service to type-check offline.
#[derive(Debug)]
pub struct Error;
pub type Result<T> = std::result::Result<T, Error>;
pub struct Client;
pub struct RequestBuilder;
pub struct Response;
impl Client {
    pub fn new() -> Self {
        Client
    }
    pub fn post<U: std::fmt::Display>(&self, _url: U) -> RequestBuilder {
        RequestBuilder
    }
}
impl RequestBuilder {
    pub fn json<T: ?Sized>(self, _body: &T) -> Self {
        self
    }
    pub async fn send(self) -> Result<Response> {
        Ok(Response)
    }
}
impl Response {
    pub async fn json<T: Default>(self) -> Result<T> {
        Ok(T::default())
    }
}
"#;

/// `cargo check` of the service with the real `futures` (resolved from crates.io, or from the
/// cargo cache when it already holds it) and a mock `reqwest`: the rewritten code type-checks and
/// borrow-checks for real. Skips, saying why, only when the registry cannot be reached and the
/// cache lacks the crates; under `CI` that is a failure.
fn cargo_check(files: &Files) {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("rewrite-rust-check");
    let _ = std::fs::remove_dir_all(dir.join("src"));
    std::fs::create_dir_all(dir.join("reqwest/src")).unwrap();
    std::fs::write(
        dir.join("reqwest/Cargo.toml"),
        "[package]\nname = \"reqwest\"\nversion = \"0.0.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("reqwest/src/lib.rs"), MOCK_REQWEST).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"service\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nfutures = \"0.3\"\nreqwest = { path = \"reqwest\" }\n\n[workspace]\n",
    )
    .unwrap();
    for (p, t) in files {
        let target = dir.join(p);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, t).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO"))
        .args(["check", "--quiet"])
        .current_dir(&dir)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let err = String::from_utf8_lossy(&out.stderr);
    let unreachable = [
        "failed to download",
        "failed to query replaced source",
        "failed to get `futures`",
        "Couldn't resolve host",
        "failed to update registry",
    ];
    if !out.status.success() && unreachable.iter().any(|m| err.contains(m)) {
        missing_tool(&format!(
            "cargo check of the rewritten crate: crates.io cannot be reached for `futures`:\n{err}"
        ));
        return;
    }
    assert!(out.status.success(), "cargo check fails:\n{err}");
}

#[test]
fn service_compiles_before_the_rewrites() {
    cargo_check(&service());
}

#[test]
fn service_concurrent_exact_output() {
    let files = service();
    let f = finding(&files, 8);
    let rw = rewrite::concurrent(&f, &lookup(&files), &Options::default()).expect("offered");
    assert_eq!(
        rw.title,
        "Run concurrently (at most 10 at a time; results keep input order, first error propagates)"
    );
    assert!(rw.notes[0].contains("futures"), "{:#?}", rw.notes);
    let after = applied(&files, &rw);
    // Then the `?` loop next to it: try_collect, and TryStreamExt joins the import.
    let g = finding(&after, 25);
    let rw2 = rewrite::concurrent(&g, &lookup(&after), &Options::default()).expect("offered");
    let after2 = applied(&after, &rw2);
    let out = get(&after2, "src/checkout.rs");
    insta::assert_snapshot!("rust_service_concurrent_checkout", out);
    insta::assert_debug_snapshot!("rust_service_concurrent_notes", rw2.notes);
    assert_eq!(parse_problem("src/checkout.rs", &out), None);
    rustfmt_parses("src/checkout.rs", &out);
    assert!(warnings(&after2).is_empty(), "{:#?}", warnings(&after2));
    cargo_check(&after2);
}

#[test]
fn service_batch_exact_output() {
    let files = service();
    let f = finding(&files, 8);
    let rw = rewrite::batch(&f, &lookup(&files), &Options::default()).expect("offered");
    assert_eq!(
        rw.title,
        "Batch with StockClient::check_batch (chunks of 100, falls back to per-item calls)"
    );
    let after = applied(&files, &rw);
    insta::assert_snapshot!(
        "rust_service_batch_checkout",
        get(&after, "src/checkout.rs")
    );
    insta::assert_snapshot!(
        "rust_service_batch_inventory",
        get(&after, "src/inventory.rs")
    );
    insta::assert_debug_snapshot!("rust_service_batch_notes", rw.notes);
    for p in ["src/checkout.rs", "src/inventory.rs"] {
        assert_eq!(parse_problem(p, &get(&after, p)), None);
        rustfmt_parses(p, &get(&after, p));
    }
    // Only the `?` loop (a direct client call, no helper) is left.
    let left = warnings(&after);
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0].callee, "client.check");
    // The direct call is refused by the batch rewrite, with a reason.
    let why = rewrite::batch(&left[0], &lookup(&after), &Options::default()).unwrap_err();
    assert!(why.contains("directly"), "{why}");
    cargo_check(&after);
}

/// Tabs and CRLF survive both rewrites, and the results still type-check.
#[test]
fn service_rewrites_keep_crlf_and_tabs() {
    let files: Files = service()
        .into_iter()
        .map(|(p, t)| (p, t.replace("    ", "\t").replace('\n', "\r\n")))
        .collect();
    let f = finding(&files, 8);
    for rw in [
        rewrite::batch(&f, &lookup(&files), &Options::default()).unwrap(),
        rewrite::concurrent(&f, &lookup(&files), &Options::default()).unwrap(),
    ] {
        let after = applied(&files, &rw);
        for fe in &rw.files {
            let t = get(&after, &fe.path);
            assert!(
                !t.replace("\r\n", "").contains('\n'),
                "bare LF in {}:\n{t}",
                fe.path
            );
            assert!(
                t.lines().all(|l| !l.starts_with(' ')),
                "space indentation in {}:\n{t}",
                fe.path
            );
            assert_eq!(parse_problem(&fe.path, &t), None);
            rustfmt_parses(&fe.path, &t);
        }
        assert!(
            !warnings(&after)
                .iter()
                .any(|g| g.line() == 8 && g.path == f.path),
            "{:#?}",
            warnings(&after)
        );
        cargo_check(&after);
    }
    let rw = rewrite::batch(&f, &lookup(&files), &Options::default()).unwrap();
    let inv = get(&applied(&files, &rw), "src/inventory.rs");
    assert!(
        inv.contains("\r\n\tlet started = std::time::Instant::now();\r\n"),
        "{inv}"
    );
}

/// Shapes the rewrites must refuse rather than guess.
#[test]
fn refusals_name_the_reason() {
    let extra = r#"use crate::client::StockClient;
use crate::inventory::in_stock;

pub async fn owned(client: &StockClient, skus: Vec<String>) {
    for sku in skus {
        in_stock(client, &sku, 1).await;
    }
}

pub async fn counted(client: &StockClient, skus: &[String]) {
    let mut n = 0;
    for sku in skus {
        in_stock(client, sku, n).await;
        n += 1;
    }
}

pub async fn optional(client: &StockClient, skus: &[String]) -> Option<u32> {
    for sku in skus {
        client.check(sku, 1).await.ok()?;
    }
    Some(1)
}

pub fn blocking(skus: &[String]) {
    for sku in skus {
        let _ = ureq::get(sku).call();
    }
}
"#;
    let mut files = service();
    files.push(("src/extra.rs".into(), extra.into()));
    let w = warnings(&files);
    let at = |line: usize| {
        let f = w
            .iter()
            .find(|f| f.path == "src/extra.rs" && f.line() == line)
            .unwrap_or_else(|| panic!("no finding at extra.rs:{line}: {w:#?}"));
        rewrite::concurrent(f, &lookup(&files), &Options::default())
    };
    let why = |line: usize| at(line).unwrap_err();
    assert!(why(6).contains("yields references"), "{}", why(6));
    assert!(
        why(13).contains("`n`, which the loop body changes"),
        "{}",
        why(13)
    );
    assert!(why(27).contains("blocking"), "{}", why(27));
    // `.ok()?` after the await stays on the per-item result: the Results are collected as
    // they are (no try_collect), and each one is still unwrapped in the loop.
    let rw = at(20).unwrap();
    let out = rewrite::apply(&get(&files, "src/extra.rs"), &rw.files[0].edits);
    assert!(out.contains(".collect()\n        .await;"), "{out}");
    assert!(out.contains("        sku_result.ok()?;\n"), "{out}");
    rustfmt_parses("src/extra.rs", &out);
}
