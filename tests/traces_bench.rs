//! Throughput: `cargo test --release --test traces_bench -- --ignored --nocapture`
//! Targets: ≥ 200 MB/s on a log without traces, ≥ 50 MB/s on dense traces.

use std::time::Instant;

use debuglens::traces;

const SIZE: usize = 100 * 1024 * 1024;

fn quiet_log() -> String {
    let lines = [
        "2024-05-02T10:15:01.123Z INFO  [http-nio-8080-exec-3] c.a.s.CheckoutController - POST /checkout 200 in 41ms user=1234\n",
        "2024-05-02T10:15:01.125Z DEBUG [pool-2-thread-1] c.a.s.Inventory - cache hit for sku-88812 (ttl 300s)\n",
        "2024-05-02T10:15:01.130Z WARN  [scheduler-1] c.a.s.Sync - retrying upstream call, attempt 2 of 3, backoff 250ms\n",
        "api-1  | 172.18.0.1 - - [02/May/2024:10:15:01 +0000] \"GET /health HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.27\"\n",
        "2024-05-02T10:15:01.140Z INFO  [main] c.a.s.Metrics - p50=12ms p99=180ms rps=950 errors=0\n",
        "2024-05-02T10:15:01.141Z ERROR [worker-7] c.a.s.Payments - Error from gateway: card declined (code 51)\n",
    ];
    let mut s = String::with_capacity(SIZE + 200);
    let mut i = 0;
    while s.len() < SIZE {
        s.push_str(lines[i % lines.len()]);
        i += 1;
    }
    s
}

fn dense_log() -> String {
    let block = concat!(
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
    let mut s = String::with_capacity(SIZE + block.len());
    while s.len() < SIZE {
        s.push_str(block);
    }
    s
}

fn measure(name: &str, text: &str) -> f64 {
    let _ = traces::scan(&text[..1 << 20]); // warm regex caches
    let t0 = Instant::now();
    let found = traces::scan(text);
    let secs = t0.elapsed().as_secs_f64();
    let mbps = text.len() as f64 / (1024.0 * 1024.0) / secs;
    eprintln!(
        "{name}: {} MiB in {secs:.3}s = {mbps:.0} MiB/s ({} traces)",
        text.len() >> 20,
        found.len()
    );
    mbps
}

#[test]
#[ignore = "benchmark; run in release"]
fn throughput_quiet_and_dense_logs() {
    let quiet = measure("quiet log (no traces)", &quiet_log());
    let dense = measure("dense traces", &dense_log());
    if !cfg!(debug_assertions) {
        assert!(quiet >= 200.0, "quiet {quiet:.0} MiB/s");
        assert!(dense >= 50.0, "dense {dense:.0} MiB/s");
    }
}
