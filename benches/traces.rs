#![allow(clippy::print_stdout)] // a benchmark reports on stdout
//! Stack-trace benchmarks (issue 3). Run: `cargo bench --bench traces`.
//!
//! 1. Scan throughput on 100 MiB generated logs: one with no traces, one dense with traces
//!    (targets: ≥ 200 MB/s and ≥ 50 MB/s).
//! 2. Hover latency on a 10,000-line document holding traces, through the in-process server.

#[path = "../tests/lsp/common.rs"]
mod common;

use std::time::{Duration, Instant};

use debuglens::traces;
use serde_json::json;

const SIZE: usize = 100 * 1024 * 1024;

fn repeat_to(size: usize, parts: &[&str]) -> String {
    let mut s = String::with_capacity(size + 512);
    let mut i = 0;
    while s.len() < size {
        s.push_str(parts[i % parts.len()]);
        i += 1;
    }
    s
}

fn quiet_log(size: usize) -> String {
    repeat_to(
        size,
        &[
            "2024-05-02T10:15:01.123Z INFO  [http-nio-8080-exec-3] c.a.s.CheckoutController - POST /checkout 200 in 41ms user=1234\n",
            "2024-05-02T10:15:01.125Z DEBUG [pool-2-thread-1] c.a.s.Inventory - cache hit for sku-88812 (ttl 300s)\n",
            "2024-05-02T10:15:01.130Z WARN  [scheduler-1] c.a.s.Sync - retrying upstream call, attempt 2 of 3, backoff 250ms\n",
            "api-1  | 172.18.0.1 - - [02/May/2024:10:15:01 +0000] \"GET /health HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.27\"\n",
            "2024-05-02T10:15:01.140Z INFO  [main] c.a.s.Metrics - p50=12ms p99=180ms rps=950 errors=0\n",
            "2024-05-02T10:15:01.141Z ERROR [worker-7] c.a.s.Payments - Error from gateway: card declined (code 51)\n",
        ],
    )
}

const DENSE_BLOCK: &str = concat!(
    "Traceback (most recent call last):\n",
    "  File \"/app/handlers/checkout.py\", line 145, in process_checkout\n",
    "    order = await create_order(cart, user)\n",
    "  File \"/app/clients/inventory.py\", line 67, in check_batch\n",
    "    response = await self.session.post(url, json=payload, timeout=5)\n",
    "asyncio.TimeoutError\n",
    "TypeError: Cannot read properties of undefined (reading 'id')\n",
    "    at handler (/app/src/routes/cart.js:41:19)\n",
    "    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)\n",
    "Exception in thread \"main\" java.lang.IllegalStateException: boom\n",
    "\tat com.acme.Cart.add(Cart.java:12)\n",
    "\tat com.acme.Main.main(Main.java:5)\n",
    "panic: runtime error: index out of range [5] with length 3\n\n",
    "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d\n\n",
    "2024-05-02T10:15:01Z INFO between traces\n",
);

fn throughput(name: &str, text: &str) {
    let _ = traces::scan(&text[..1 << 20]);
    let mut best = f64::MAX;
    let mut found = 0;
    for _ in 0..3 {
        let t0 = Instant::now();
        found = traces::scan(text).len();
        best = best.min(t0.elapsed().as_secs_f64());
    }
    let mb = text.len() as f64 / 1e6;
    println!(
        "traces::scan, {name}: {:.0} MB in {best:.3} s = {:.0} MB/s ({found} traces; best of 3)",
        mb,
        mb / best
    );
}

async fn hover_latency() {
    // 10,000 lines: prose and log noise with a Python traceback every 100 lines.
    let mut doc = String::new();
    let mut frame_lines = Vec::new();
    let mut line = 0u32;
    while line < 10_000 {
        if line % 100 == 50 {
            doc.push_str("Traceback (most recent call last):\n");
            frame_lines.push(line + 1);
            doc.push_str("  File \"/app/handlers/checkout.py\", line 27, in process_checkout\n");
            doc.push_str("    if not await validate_inventory(item):\n");
            doc.push_str("TimeoutError\n");
            line += 4;
        } else {
            doc.push_str(&format!(
                "2024-05-02T10:15:{:02}Z INFO request {line} handled in 12ms\n",
                line % 60
            ));
            line += 1;
        }
    }
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checkout");
    let mut s = common::TestServer::builder()
        .workspace(&demo)
        .init_options(json!({"debounceMs": 0}))
        .start()
        .await;
    s.await_message(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
        .await;
    let uri = common::file_uri(&demo.join("notes/bench.log"));
    s.open(&uri, "log", &doc).await;
    s.diagnostics(&uri, 1).await;
    let mut times: Vec<Duration> = Vec::new();
    for round in 0..5 {
        for &line in &frame_lines {
            let t0 = Instant::now();
            let h = s
                .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 10}}))
                .await
                .unwrap();
            if round > 0 {
                times.push(t0.elapsed());
            }
            assert!(
                h["contents"]["value"]
                    .as_str()
                    .is_some_and(|v| v.contains("process_checkout"))
            );
        }
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "hover on a frame of a 10,000-line document ({} requests, in-process server): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times.len(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
    s.shutdown_and_exit().await;
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` builds this; it measures only under `cargo bench`
    }
    throughput("no traces", &quiet_log(SIZE));
    throughput("dense traces", &repeat_to(SIZE, &[DENSE_BLOCK]));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(hover_latency());
}
