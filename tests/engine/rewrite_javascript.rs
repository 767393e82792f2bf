//! JS/TS concurrent rewrite over the labeled positives: every result re-parses with
//! tree-sitter, JS also passes `node --check`, and the finding is gone after re-analysis.
use crate::rewrite_common;
use debuglens::guidance::rewrite::{self, Options};
use rewrite_common::*;

fn node_check(path: &str, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let ext = if path.ends_with(".mjs") { "mjs" } else { "js" };
    let target = dir.path().join(format!("check.{ext}"));
    std::fs::write(&target, text).unwrap();
    let out = std::process::Command::new("node")
        .arg("--check")
        .arg(&target)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{path} fails node --check:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn positives_concurrent() {
    let files = load_workspace(&fixture_dir("n_plus_one/javascript/store"));
    let cov = cover(&files, rewrite::concurrent);
    eprintln!("{}", cov.report("javascript concurrent"));
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    let before = files.clone();
    for (at, after) in &cov.rewritten_files {
        for ((p, t), (_, t0)) in after.iter().zip(&before) {
            if t != t0 && p.ends_with(".js") {
                eprintln!("node --check after {at}");
                node_check(p, t);
            }
        }
    }
    assert!(
        cov.rewritten >= 10,
        "{}",
        cov.report("javascript concurrent")
    );
}

#[test]
fn positives_batch() {
    let files = load_workspace(&fixture_dir("n_plus_one/javascript/store"));
    let cov = cover(&files, rewrite::batch);
    eprintln!("{}", cov.report("javascript batch"));
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    for (at, after) in &cov.rewritten_files {
        for ((p, t), (_, t0)) in after.iter().zip(&files) {
            if t != t0 {
                eprintln!("--- {p} after {at}\n{t}");
                if p.ends_with(".js") {
                    node_check(p, t);
                }
            }
        }
    }
    assert!(cov.rewritten >= 2, "{}", cov.report("javascript batch"));
    assert!(cov.refused.keys().all(|r| !r.is_empty()));
}

#[test]
fn exact_output_for_a_for_of_loop() {
    let src = "import { validateInventory } from './inventory';\r\n\r\nexport async function checkout(cart) {\r\n\tfor (const item of cart.items) {\r\n\t\tconst ok = await validateInventory(item);\r\n\t\tif (!ok) throw new Error(item.sku);\r\n\t}\r\n}\r\n";
    let inv = "import axios from 'axios';\nexport async function validateInventory(item) {\n  const r = await axios.post('/check', { sku: item.sku });\n  return r.data.ok;\n}\n";
    let files: Files = vec![
        ("src/checkout.js".into(), src.into()),
        ("src/inventory.js".into(), inv.into()),
    ];
    let w = warnings(&files);
    let f = w
        .iter()
        .find(|f| f.path == "src/checkout.js")
        .expect("finding");
    let rw = rewrite::concurrent(f, &lookup(&files), &Options::default()).unwrap();
    let out = rewrite::apply(src, &rw.files[0].edits);
    assert_eq!(
        out,
        "import { validateInventory } from './inventory';\r\n\r\nexport async function checkout(cart) {\r\n\tconst itemResults = [];\r\n\t// At most 10 calls at a time; results keep input order; the first error\r\n\t// propagates (calls already started in its chunk still finish).\r\n\tfor (let start = 0; start < cart.items.length; start += 10) {\r\n\t\titemResults.push(...(await Promise.all(cart.items.slice(start, start + 10).map((item) => validateInventory(item)))));\r\n\t}\r\n\tfor (const [itemIndex, item] of cart.items.entries()) {\r\n\t\tconst ok = itemResults[itemIndex];\r\n\t\tif (!ok) throw new Error(item.sku);\r\n\t}\r\n}\r\n"
    );
    node_check("src/checkout.js", &out);
}

// ---------------------------------------------------------------------------------------------
// Batch: exact output on small services (TypeScript, and CommonJS with CRLF + tabs).

const TS_CLIENT: &str = "import axios, { AxiosInstance } from 'axios';\n\nexport const MAX_CHECK_BATCH = 100;\n\nexport interface StockLine {\n  sku: string;\n  quantity: number;\n}\n\nexport class InventoryClient {\n  private http: AxiosInstance;\n\n  constructor(baseURL: string) {\n    this.http = axios.create({ baseURL, timeout: 5000 });\n  }\n\n  async check(sku: string, quantity: number): Promise<boolean> {\n    const res = await this.http.post('/v1/stock/check', { sku, quantity });\n    return res.data.available;\n  }\n\n  async checkBatch(lines: StockLine[]): Promise<boolean[]> {\n    const res = await this.http.post('/v1/stock/check-batch', { items: lines });\n    return res.data.results.map((r: { available: boolean }) => r.available);\n  }\n}\n";

const TS_INVENTORY: &str = "import { InventoryClient } from '../clients/inventoryClient';\nimport { metrics } from '../metrics';\n\nexport const inventoryClient = new InventoryClient(process.env.INVENTORY_URL ?? 'http://inventory:8080');\n\nexport async function validateInventory(item: { sku: string; quantity: number }): Promise<boolean> {\n  const ok = await inventoryClient.check(item.sku, item.quantity);\n  metrics.increment(ok ? 'inventory.available' : 'inventory.unavailable');\n  return ok;\n}\n\nexport function recordCheckout(ms: number) {\n  metrics.timing('checkout.duration', ms);\n}\n";

const TS_CHECKOUT: &str = "import { validateInventory } from '../services/inventory';\n\ninterface Cart {\n  id: string;\n  items: { sku: string; quantity: number }[];\n}\n\nexport async function processCheckout(cart: Cart) {\n  for (const item of cart.items) {\n    const ok = await validateInventory(item);\n    if (!ok) {\n      throw new Error(`out of stock: ${item.sku}`);\n    }\n  }\n  return { status: 'ok' };\n}\n";

fn ts_service() -> Files {
    vec![
        ("src/clients/inventoryClient.ts".into(), TS_CLIENT.into()),
        ("src/handlers/checkout.ts".into(), TS_CHECKOUT.into()),
        ("src/services/inventory.ts".into(), TS_INVENTORY.into()),
    ]
}

fn get(files: &Files, p: &str) -> String {
    files.iter().find(|(q, _)| q == p).unwrap().1.clone()
}

/// `tsc --noEmit --strict` over the service (with stubs for axios, process and the metrics
/// module), with the typescript package that `scripts/test.sh` installs under target/test-tools.
fn tsc_check(files: &Files) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tsc = root.join("target/test-tools/node_modules/.bin/tsc");
    if !tsc.exists() {
        missing_tool(
            "tsc is not installed: npm install --prefix target/test-tools typescript@5.7.3 (scripts/test.sh does)",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut all = files.clone();
    all.push((
        "node_modules/axios/index.d.ts".into(),
        "export interface AxiosInstance { post(url: string, body?: unknown): Promise<{ data: any }>; get(url: string): Promise<{ data: any }>; }\n\
         declare const axios: { create(config: object): AxiosInstance };\nexport default axios;\n"
            .into(),
    ));
    all.push((
        "src/globals.d.ts".into(),
        "declare const process: { env: Record<string, string | undefined> };\n".into(),
    ));
    all.push((
        "src/metrics.ts".into(),
        "export const metrics = {\n  increment(name: string): void {\n    void name;\n  },\n  timing(name: string, ms: number): void {\n    void name;\n    void ms;\n  },\n};\n"
            .into(),
    ));
    let mut ts_files = Vec::new();
    for (p, t) in &all {
        let target = dir.path().join(p);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, t).unwrap();
        if p.starts_with("src/") {
            ts_files.push(target);
        }
    }
    let out = std::process::Command::new(&tsc)
        .args([
            "--noEmit",
            "--strict",
            "--noUnusedLocals",
            "--noUnusedParameters",
            "--target",
            "es2022",
            "--module",
            "commonjs",
            "--moduleResolution",
            "node",
            "--lib",
            "es2022,dom",
        ])
        .args(&ts_files)
        .current_dir(dir.path())
        .output()
        .expect("tsc runs");
    assert!(
        out.status.success(),
        "tsc fails:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ts_service_type_checks_before_the_rewrite() {
    tsc_check(&ts_service());
}

#[test]
fn ts_batch_exact_output() {
    let files = ts_service();
    let w = warnings(&files);
    let f = w
        .iter()
        .find(|f| f.path == "src/handlers/checkout.ts")
        .unwrap_or_else(|| panic!("{w:#?}"));
    let rw = rewrite::batch(f, &lookup(&files), &Options::default()).expect("offered");
    assert_eq!(
        rw.title,
        "Batch with InventoryClient.checkBatch (chunks of 100, falls back to per-item calls)"
    );
    let after = applied(&files, &rw);
    insta::assert_snapshot!("ts_batch_checkout", get(&after, "src/handlers/checkout.ts"));
    insta::assert_snapshot!(
        "ts_batch_inventory",
        get(&after, "src/services/inventory.ts")
    );
    insta::assert_debug_snapshot!("ts_batch_notes", rw.notes);
    for fe in &rw.files {
        assert_eq!(parse_problem(&fe.path, &get(&after, &fe.path)), None);
    }
    assert!(warnings(&after).is_empty(), "{:#?}", warnings(&after));
    tsc_check(&after);
}

const JS_CLIENT: &str = "const axios = require(\"axios\");\n\nconst QUOTE_BATCH_LIMIT = 25;\n\nclass PricingClient {\n    constructor(baseURL) {\n        this.http = axios.create({ baseURL, timeout: 2000 });\n    }\n\n    async quote(sku) {\n        const res = await this.http.get(`/v1/quotes/${sku}`);\n        return res.data;\n    }\n\n    async quoteBatch(skus) {\n        const res = await this.http.post(\"/v1/quotes:batch\", { skus });\n        return res.data.quotes;\n    }\n}\n\nmodule.exports = { PricingClient, QUOTE_BATCH_LIMIT };\n";

const JS_PRICING: &str = "const { PricingClient } = require(\"../clients/pricingClient\");\n\nconst pricingClient = new PricingClient(process.env.PRICING_URL);\n\nasync function priceOf(sku) {\n    const quote = await pricingClient.quote(sku);\n    return quote.amount;\n}\n\nmodule.exports = { priceOf, pricingClient };\n";

const JS_CART: &str = "const { priceOf } = require(\"../services/pricing\");\n\nasync function cartTotal(cart) {\n    let total = 0;\n    for (const line of cart.lines) {\n        const price = await priceOf(line.sku);\n        total += price * line.quantity;\n    }\n    return total;\n}\n\nmodule.exports = { cartTotal };\n";

fn js_service() -> Files {
    vec![
        ("src/clients/pricingClient.js".into(), JS_CLIENT.into()),
        ("src/handlers/cart.js".into(), JS_CART.into()),
        ("src/services/pricing.js".into(), JS_PRICING.into()),
    ]
}

#[test]
fn js_batch_keeps_crlf_tabs_and_quotes() {
    let files: Files = js_service()
        .into_iter()
        .map(|(p, t)| (p, t.replace("    ", "\t").replace('\n', "\r\n")))
        .collect();
    let w = warnings(&files);
    let f = w
        .iter()
        .find(|f| f.path == "src/handlers/cart.js")
        .unwrap_or_else(|| panic!("{w:#?}"));
    let rw = rewrite::batch(f, &lookup(&files), &Options::default()).expect("offered");
    assert_eq!(
        rw.title,
        "Batch with PricingClient.quoteBatch (chunks of 25, falls back to per-item calls)"
    );
    let after = applied(&files, &rw);
    insta::assert_snapshot!("js_batch_crlf_cart", get(&after, "src/handlers/cart.js"));
    insta::assert_snapshot!(
        "js_batch_crlf_pricing",
        get(&after, "src/services/pricing.js")
    );
    for fe in &rw.files {
        let t = get(&after, &fe.path);
        assert!(
            !t.replace("\r\n", "").contains('\n'),
            "bare LF in {}:\n{t}",
            fe.path
        );
        assert!(
            t.lines()
                .all(|l| !l.starts_with(' ') || l.starts_with(" *")),
            "space indentation in {}:\n{t}",
            fe.path
        );
        assert_eq!(parse_problem(&fe.path, &t), None);
        node_check(&fe.path, &t);
    }
    assert!(warnings(&after).is_empty(), "{:#?}", warnings(&after));
}
