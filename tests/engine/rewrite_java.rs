//! Java rewrites: exact output on a small service (compiled with javac), and the labeled
//! positives (every result re-parses with tree-sitter and the finding is gone after
//! re-analysis).
use crate::rewrite_common;
use debuglens::guidance::rewrite::{self, Options};
use rewrite_common::*;

fn shop() -> Files {
    load_workspace(&fixture_dir("n_plus_one/java/shop"))
}

#[test]
fn positives_concurrent() {
    let files = shop();
    let cov = cover(&files, rewrite::concurrent);
    eprintln!("{}", cov.report("java concurrent"));
    cov.dump_if_asked(&files);
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    assert!(
        cov.rewritten >= MIN_CONCURRENT,
        "{}",
        cov.report("java concurrent")
    );
}

const MIN_CONCURRENT: usize = 7;

const CLIENT: &str = "package shop;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class StockClient {
    private final HttpClient http = HttpClient.newHttpClient();

    public boolean check(String sku, int quantity) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(\"https://stock.internal/\" + sku + \"?q=\" + quantity)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200;
    }
}
";

const SERVICE: &str = "package shop;

import java.io.IOException;
import java.util.List;

public class CheckoutService {
    private final StockClient stock;

    public CheckoutService(StockClient stock) {
        this.stock = stock;
    }

    public int missing(List<String> skus) throws IOException, InterruptedException {
        int missing = 0;
        for (String sku : skus) {
            if (!stock.check(sku, 1)) {
                missing++;
            }
        }
        return missing;
    }
}
";

fn service(nl: &str, indent: &str) -> Files {
    let fix = |t: &str| t.replace("    ", indent).replace('\n', nl);
    vec![
        ("src/shop/CheckoutService.java".into(), fix(SERVICE)),
        ("src/shop/StockClient.java".into(), fix(CLIENT)),
    ]
}

/// javac the given files together (they must be self-contained).
fn javac(files: &Files) {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (p, t) in files {
        let target = dir.path().join(p.rsplit('/').next().unwrap());
        std::fs::write(&target, t).unwrap();
        paths.push(target);
    }
    let out = std::process::Command::new("javac")
        .arg("-Xlint:all")
        .arg("-Werror")
        .arg("-d")
        .arg(dir.path().join("out"))
        .args(&paths)
        .output()
        .expect("javac runs");
    assert!(
        out.status.success(),
        "javac failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        files
            .iter()
            .map(|(p, t)| format!("// {p}\n{t}"))
            .collect::<String>()
    );
}

fn rewrite_service(files: &Files) -> (String, debuglens::guidance::rewrite::Rewrite) {
    let (out, rw, after) = rewrite_one(files, "src/shop/CheckoutService.java", rewrite::concurrent);
    javac(&after);
    (out, rw)
}

#[test]
fn concurrent_exact_output_compiles() {
    let files = service("\n", "    ");
    javac(&files);
    let (out, rw) = rewrite_service(&files);
    assert_eq!(
        rw.title,
        "Run concurrently (at most 10 at a time; results keep input order, first error propagates)"
    );
    assert_eq!(
        out,
        "package shop;\n\nimport java.io.IOException;\nimport java.util.ArrayList;\nimport java.util.List;\nimport java.util.concurrent.CompletableFuture;\nimport java.util.concurrent.CompletionException;\nimport java.util.concurrent.ExecutorService;\nimport java.util.concurrent.Executors;\n\npublic class CheckoutService {\n    private final StockClient stock;\n\n    public CheckoutService(StockClient stock) {\n        this.stock = stock;\n    }\n\n    public int missing(List<String> skus) throws IOException, InterruptedException {\n        int missing = 0;\n        List<Boolean> skuResults = new ArrayList<>();\n        // At most 10 calls at a time; results keep input order; the first failing item's exception\n        // is rethrown as the loop threw it (after every started call finished).\n        ExecutorService pool = Executors.newFixedThreadPool(10);\n        try {\n            List<CompletableFuture<Boolean>> futures = new ArrayList<>();\n            for (String sku : skus) {\n                futures.add(CompletableFuture.supplyAsync(() -> {\n                    try {\n                        return stock.check(sku, 1);\n                    } catch (Exception thrown) {\n                        // Checked exceptions cannot leave the lambda: wrapped here, unwrapped below.\n                        throw new CompletionException(thrown);\n                    }\n                }, pool));\n            }\n            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).exceptionally(ignored -> null).join();\n            for (CompletableFuture<Boolean> future : futures) {\n                skuResults.add(future.join());\n            }\n        } catch (CompletionException failure) {\n            if (failure.getCause() instanceof RuntimeException) {\n                throw (RuntimeException) failure.getCause();\n            }\n            if (failure.getCause() instanceof Error) {\n                throw (Error) failure.getCause();\n            }\n            if (failure.getCause() instanceof IOException) {\n                throw (IOException) failure.getCause();\n            }\n            if (failure.getCause() instanceof InterruptedException) {\n                throw (InterruptedException) failure.getCause();\n            }\n            throw failure;\n        } finally {\n            pool.shutdown();\n        }\n        int skuIndex = 0;\n        for (String sku : skus) {\n            if (!skuResults.get(skuIndex++)) {\n                missing++;\n            }\n        }\n        return missing;\n    }\n}\n"
    );
}

#[test]
fn concurrent_keeps_crlf_and_tabs() {
    let files = service("\r\n", "\t");
    let (out, _) = rewrite_service(&files);
    assert!(!out.replace("\r\n", "").contains('\n'), "bare LF:\n{out}");
    assert!(
        out.lines().all(|l| !l.starts_with(' ')),
        "space indentation:\n{out}"
    );
    let (lf, _) = rewrite_service(&service("\n", "    "));
    assert_eq!(out.replace("\r\n", "\n").replace('\t', "    "), lf);
}

#[test]
fn positives_batch() {
    let files = shop();
    let cov = cover(&files, rewrite::batch);
    eprintln!("{}", cov.report("java batch"));
    cov.dump_if_asked(&files);
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    assert!(cov.refused.keys().all(|r| !r.is_empty()));
    assert!(cov.rewritten >= MIN_BATCH, "{}", cov.report("java batch"));
}

const MIN_BATCH: usize = 1;

const BATCH_CLIENT: &str = "package shop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

public class StockClient {
    public static final int MAX_BATCH = 100;

    private final HttpClient http = HttpClient.newHttpClient();

    public boolean check(String sku, int quantity) {
        Availability a = this.fetch(new CheckRequest(sku, quantity));
        return a != null && a.available();
    }

    public List<Availability> checkBatch(List<CheckRequest> requests) {
        String body = this.request(\"https://stock.internal/check-batch?n=\" + requests.size());
        List<Availability> out = new ArrayList<>();
        for (String line : body.split(\"\\n\")) {
            out.add(new Availability(line, line.endsWith(\" ok\")));
        }
        return out;
    }

    private Availability fetch(CheckRequest req) {
        String body = this.request(\"https://stock.internal/check/\" + req.sku() + \"?q=\" + req.quantity());
        return body.isEmpty() ? null : new Availability(req.sku(), body.equals(\"ok\"));
    }

    private String request(String url) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).build();
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record CheckRequest(String sku, int quantity) {}

    public record Availability(String sku, boolean available) {}
}
";

const BATCH_HELPER: &str = "package shop;

import java.util.logging.Logger;

public class StockService {
    private static final Logger LOG = Logger.getLogger(StockService.class.getName());

    private final StockClient client;

    public StockService(StockClient client) {
        this.client = client;
    }

    public boolean inStock(String sku, int quantity) {
        return client.check(sku, quantity);
    }

    public void ping() {
        LOG.fine(\"ping\");
    }
}
";

const BATCH_SERVICE: &str = "package shop;

import java.util.List;

public class CartService {
    private final StockService stock;

    public CartService(StockService stock) {
        this.stock = stock;
    }

    public int missing(List<String> skus) {
        int missing = 0;
        for (String sku : skus) {
            if (!stock.inStock(sku, 1)) {
                missing++;
            }
        }
        return missing;
    }
}
";

const CART: &str = "src/shop/CartService.java";
const STOCK_SERVICE: &str = "src/shop/StockService.java";

fn cart(nl: &str, indent: &str) -> Files {
    let fix = |t: &str| t.replace("    ", indent).replace('\n', nl);
    vec![
        (CART.into(), fix(BATCH_SERVICE)),
        (STOCK_SERVICE.into(), fix(BATCH_HELPER)),
        ("src/shop/StockClient.java".into(), fix(BATCH_CLIENT)),
    ]
}

/// Batch-rewrite the cart's loop; returns (CartService, StockService, rewrite) after checking
/// both files re-parse, the finding is gone and javac accepts the result.
fn batch_cart(files: &Files) -> (String, String, debuglens::guidance::rewrite::Rewrite) {
    let w = warnings(files);
    let f = w
        .iter()
        .find(|f| f.path == CART)
        .expect("finding in CartService.java");
    let rw = rewrite::batch(f, &lookup(files), &Options::default()).expect("batch offered");
    let after = applied(files, &rw);
    let get = |p: &str| after.iter().find(|(q, _)| q == p).unwrap().1.clone();
    let (c, s) = (get(CART), get(STOCK_SERVICE));
    assert_eq!(parse_problem(CART, &c), None);
    assert_eq!(parse_problem(STOCK_SERVICE, &s), None);
    assert!(
        !warnings(&after).iter().any(|g| g.path == CART),
        "still flagged"
    );
    javac(&after);
    (c, s, rw)
}

#[test]
fn batch_exact_output_compiles() {
    let files = cart("\n", "    ");
    javac(&files);
    let (c, s, rw) = batch_cart(&files);
    assert_eq!(
        rw.title,
        "Batch with StockClient.checkBatch (chunks of 100, falls back to per-item calls)"
    );
    assert_eq!(
        c,
        "package shop;\n\nimport java.util.List;\n\npublic class CartService {\n    private final StockService stock;\n\n    public CartService(StockService stock) {\n        this.stock = stock;\n    }\n\n    public int missing(List<String> skus) {\n        int missing = 0;\n        List<Boolean> skuResults = stock.inStockBatch(skus, 1);\n        int skuIndex = 0;\n        for (String sku : skus) {\n            if (!skuResults.get(skuIndex++)) {\n                missing++;\n            }\n        }\n        return missing;\n    }\n}\n"
    );
    assert_eq!(
        s,
        "package shop;\n\nimport java.util.ArrayList;\nimport java.util.List;\nimport java.util.logging.Level;\nimport java.util.logging.Logger;\n\npublic class StockService {\n    private static final Logger LOG = Logger.getLogger(StockService.class.getName());\n\n    private final StockClient client;\n\n    public StockService(StockClient client) {\n        this.client = client;\n    }\n\n    public boolean inStock(String sku, int quantity) {\n        return client.check(sku, quantity);\n    }\n\n    // inStockBatch is inStock for many skus: one checkBatch request per chunk of at most StockClient.MAX_BATCH;\n    // a chunk whose request fails (or answers with another count) falls back to one inStock call per sku.\n    public List<Boolean> inStockBatch(List<String> skus, int quantity) {\n        long started = System.nanoTime();\n        List<Boolean> results = new ArrayList<>(skus.size());\n        int fallbacks = 0;\n        for (int start = 0; start < skus.size(); start += StockClient.MAX_BATCH) {\n            List<String> chunk = skus.subList(start, Math.min(start + StockClient.MAX_BATCH, skus.size()));\n            List<StockClient.CheckRequest> requests = new ArrayList<>(chunk.size());\n            for (String sku : chunk) {\n                requests.add(new StockClient.CheckRequest(sku, quantity));\n            }\n            List<StockClient.Availability> batch = null;\n            try {\n                // Guessed: checkBatch returns one Availability per request, in request order (checked below).\n                // debuglens: ignore[loop-remote-call] -- one checkBatch request per chunk of StockClient.MAX_BATCH\n                batch = client.checkBatch(requests);\n            } catch (RuntimeException failure) {\n                LOG.log(Level.WARNING, \"checkBatch failed for \" + chunk.size() + \" skus; falling back to per-sku inStock calls\", failure);\n            }\n            if (batch != null && batch.size() != chunk.size()) {\n                LOG.warning(\"checkBatch returned \" + batch.size() + \" results for \" + chunk.size() + \" skus; falling back to per-sku inStock calls\");\n                batch = null;\n            }\n            for (int i = 0; i < chunk.size(); i++) {\n                if (batch != null) {\n                    StockClient.Availability a = batch.get(i);\n                    results.add(a != null && a.available());\n                } else {\n                    fallbacks++;\n                    // debuglens: ignore[loop-remote-call] -- fallback, runs only when checkBatch fails for this chunk\n                    results.add(inStock(chunk.get(i), quantity));\n                }\n            }\n        }\n        LOG.info(\"inStockBatch: \" + skus.size() + \" skus via \" + (fallbacks == 0 ? \"batch\" : \"sequential\") + \" path (\" + fallbacks + \" per-sku fallbacks) in \" + (System.nanoTime() - started) / 1_000_000 + \" ms\");\n        return results;\n    }\n\n    public void ping() {\n        LOG.fine(\"ping\");\n    }\n}\n"
    );
    assert!(
        rw.notes.iter().any(|n| n.starts_with(
            "Guessed: StockClient.checkBatch returns one Availability per request, in request order"
        )),
        "{:?}",
        rw.notes
    );
}

#[test]
fn batch_keeps_crlf_and_tabs() {
    let files = cart("\r\n", "\t");
    javac(&files);
    let (c, s, _) = batch_cart(&files);
    let (c_lf, s_lf, _) = batch_cart(&cart("\n", "    "));
    for (out, lf) in [(c, c_lf), (s, s_lf)] {
        assert!(!out.replace("\r\n", "").contains('\n'), "bare LF:\n{out}");
        assert!(
            out.lines().all(|l| !l.starts_with(' ')),
            "space indentation:\n{out}"
        );
        assert_eq!(out.replace("\r\n", "\n").replace('\t', "    "), lf);
    }
}

fn with_cart_method(method: &str) -> Files {
    let mut files = cart("\n", "    ");
    files[0].1 = BATCH_SERVICE.replace(
        "    public int missing(",
        &format!("{method}\n    public int missing("),
    );
    files
}

#[test]
fn batch_counted_loop_with_discarded_result() {
    let files = with_cart_method(
        "    public void warm(List<String> skus) {
        for (int i = 0; i < skus.size(); i++) {
            stock.inStock(skus.get(i), 2);
        }
    }
",
    );
    javac(&files);
    let w = warnings(&files);
    let f = w
        .iter()
        .find(|f| f.path == CART && f.call_text.contains("skus.get(i)"))
        .expect("finding in warm");
    let rw = rewrite::batch(f, &lookup(&files), &Options::default()).expect("batch offered");
    let after = applied(&files, &rw);
    let c = &after.iter().find(|(p, _)| p == CART).unwrap().1;
    assert!(
        c.contains(
            "    public void warm(List<String> skus) {\n        stock.inStockBatch(skus, 2);\n    }\n"
        ),
        "{c}"
    );
    assert!(
        !warnings(&after)
            .iter()
            .any(|g| g.path == CART && g.call_text.contains("skus.get(i)"))
    );
    javac(&after);
}

#[test]
fn batch_refuses_per_item_extra_arguments() {
    let files = with_cart_method(
        "    public int longNames(List<String> skus) {
        int n = 0;
        for (String sku : skus) {
            if (stock.inStock(sku, sku.length())) {
                n++;
            }
        }
        return n;
    }
",
    );
    let w = warnings(&files);
    let f = w
        .iter()
        .find(|f| f.path == CART && f.call_text.contains("sku.length()"))
        .expect("finding in longNames");
    let why = rewrite::batch(f, &lookup(&files), &Options::default()).unwrap_err();
    assert!(why.contains("`sku.length()` changes per item"), "{why}");
}
