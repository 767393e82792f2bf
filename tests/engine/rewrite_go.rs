//! Go rewrites: exact output on small services, and the labeled positives (every result
//! re-parses with tree-sitter and the finding is gone after re-analysis). Go is not installed
//! here, so tree-sitter is the syntax gate.
use crate::rewrite_common;
use debuglens::guidance::rewrite::{self, Options};
use rewrite_common::*;

/// The fixture, with its go.mod (the rewrite reads the Go version from it).
fn shop() -> Files {
    let dir = fixture_dir("n_plus_one/go/shop");
    let mut files = load_workspace(&dir);
    files.push((
        "go.mod".into(),
        std::fs::read_to_string(dir.join("go.mod")).unwrap(),
    ));
    files
}

#[test]
fn positives_concurrent() {
    let files = shop();
    let cov = cover(&files, rewrite::concurrent);
    eprintln!("{}", cov.report("go concurrent"));
    cov.dump_if_asked(&files);
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    assert!(
        cov.rewritten >= MIN_CONCURRENT,
        "{}",
        cov.report("go concurrent")
    );
}

const MIN_CONCURRENT: usize = 13;

const SERVICE: &str = "package orders\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\ntype Service struct {\n\tpricing *PricingClient\n}\n\nfunc (s *Service) Quote(ctx context.Context, skus []string) (map[string]int, error) {\n\tout := make(map[string]int, len(skus))\n\tfor _, sku := range skus {\n\t\tprice, err := s.pricing.Price(ctx, sku)\n\t\tif err != nil {\n\t\t\treturn nil, fmt.Errorf(\"quote: %w\", err)\n\t\t}\n\t\tout[sku] = price\n\t}\n\treturn out, nil\n}\n";

const PRICING: &str = "package orders\n\nimport (\n\t\"context\"\n\t\"encoding/json\"\n\t\"net/http\"\n)\n\ntype PricingClient struct {\n\thttp *http.Client\n}\n\nfunc (c *PricingClient) Price(ctx context.Context, sku string) (int, error) {\n\treq, _ := http.NewRequestWithContext(ctx, \"GET\", \"https://pricing.internal/\"+sku, nil)\n\tresp, err := c.http.Do(req)\n\tif err != nil {\n\t\treturn 0, err\n\t}\n\tdefer resp.Body.Close()\n\tvar p int\n\treturn p, json.NewDecoder(resp.Body).Decode(&p)\n}\n";

fn service(nl: &str, gomod: &str) -> Files {
    vec![
        ("go.mod".into(), gomod.into()),
        ("orders/pricing.go".into(), PRICING.replace('\n', nl)),
        ("orders/service.go".into(), SERVICE.replace('\n', nl)),
    ]
}

fn rewrite_service(files: &Files) -> (String, debuglens::guidance::rewrite::Rewrite) {
    let (out, rw, _) = rewrite_one(files, "orders/service.go", rewrite::concurrent);
    (out, rw)
}

#[test]
fn concurrent_exact_output_with_ctx_and_error_return() {
    let files = service("\n", "module example.com/orders\n\ngo 1.22\n");
    let (out, rw) = rewrite_service(&files);
    assert_eq!(
        rw.title,
        "Run concurrently (at most 10 at a time; results keep input order, first error propagates)"
    );
    assert_eq!(
        out,
        "package orders\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n\ntype Service struct {\n\tpricing *PricingClient\n}\n\nfunc (s *Service) Quote(ctx context.Context, skus []string) (map[string]int, error) {\n\tout := make(map[string]int, len(skus))\n\t// At most 10 calls at a time; results keep input order; the first error cancels gctx and is returned.\n\tg, gctx := errgroup.WithContext(ctx)\n\tg.SetLimit(10)\n\tpriceResults := make([]int, len(skus))\n\tfor i, sku := range skus {\n\t\tg.Go(func() error {\n\t\t\tvar err error\n\t\t\tpriceResults[i], err = s.pricing.Price(gctx, sku)\n\t\t\treturn err\n\t\t})\n\t}\n\tif err := g.Wait(); err != nil {\n\t\treturn nil, fmt.Errorf(\"quote: %w\", err)\n\t}\n\tfor i, sku := range skus {\n\t\tprice := priceResults[i]\n\t\tout[sku] = price\n\t}\n\treturn out, nil\n}\n"
    );
}

#[test]
fn concurrent_keeps_crlf_and_copies_loop_vars_before_go_1_22() {
    let files = service("\r\n", "module example.com/orders\n\ngo 1.21\n");
    let (out, rw) = rewrite_service(&files);
    assert!(!out.replace("\r\n", "").contains('\n'), "bare LF:\n{out}");
    assert!(
        out.lines().all(|l| !l.starts_with(' ')),
        "space indentation:\n{out}"
    );
    assert_eq!(
        out.replace("\r\n", "\n"),
        "package orders\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n\ntype Service struct {\n\tpricing *PricingClient\n}\n\nfunc (s *Service) Quote(ctx context.Context, skus []string) (map[string]int, error) {\n\tout := make(map[string]int, len(skus))\n\t// At most 10 calls at a time; results keep input order; the first error cancels gctx and is returned.\n\tg, gctx := errgroup.WithContext(ctx)\n\tg.SetLimit(10)\n\tpriceResults := make([]int, len(skus))\n\tfor i, sku := range skus {\n\t\ti := i\n\t\tsku := sku\n\t\tg.Go(func() error {\n\t\t\tvar err error\n\t\t\tpriceResults[i], err = s.pricing.Price(gctx, sku)\n\t\t\treturn err\n\t\t})\n\t}\n\tif err := g.Wait(); err != nil {\n\t\treturn nil, fmt.Errorf(\"quote: %w\", err)\n\t}\n\tfor i, sku := range skus {\n\t\tprice := priceResults[i]\n\t\tout[sku] = price\n\t}\n\treturn out, nil\n}\n"
    );
    assert!(rw.notes.iter().any(|n| n.contains("older than Go 1.22")));
}

#[test]
fn positives_batch() {
    let files = shop();
    let cov = cover(&files, rewrite::batch);
    eprintln!("{}", cov.report("go batch"));
    cov.dump_if_asked(&files);
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    assert!(cov.rewritten >= MIN_BATCH, "{}", cov.report("go batch"));
}

const MIN_BATCH: usize = 1;

fn batch_reservations(files: &Files) -> (String, String, debuglens::guidance::rewrite::Rewrite) {
    let w = warnings(files);
    let f = w
        .iter()
        .find(|f| f.call_text.starts_with("inventory.Reserved("))
        .expect("the Reservations finding");
    let rw = rewrite::batch(f, &lookup(files), &Options::default()).expect("batch offered");
    let after = applied(files, &rw);
    let get = |p: &str| after.iter().find(|(q, _)| q == p).unwrap().1.clone();
    for fe in &rw.files {
        assert_eq!(parse_problem(&fe.path, &get(&fe.path)), None);
    }
    assert!(
        !warnings(&after)
            .iter()
            .any(|g| g.call_text.contains("Reserved")),
        "{:#?}",
        warnings(&after)
    );
    (
        get("internal/handlers/checkout.go"),
        get("internal/inventory/validate.go"),
        rw,
    )
}

#[test]
fn batch_exact_output() {
    let files = shop();
    let (handler, helper, rw) = batch_reservations(&files);
    assert_eq!(
        rw.title,
        "Batch with Client.ReservedBatch (chunks of 50, falls back to per-item calls)"
    );
    let start = handler.find("func (h *Handler) Reservations").unwrap();
    assert_eq!(
        &handler[start..],
        "func (h *Handler) Reservations(ctx context.Context, skus []string) (map[string]int, error) {\n\tout := make(map[string]int, len(skus))\n\tnResults, err := inventory.ReservedBatch(skus)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\tfor i, sku := range skus {\n\t\tn := nResults[i]\n\t\tout[sku] = n\n\t}\n\treturn out, nil\n}\n"
    );
    assert_eq!(
        helper,
        "package inventory\n\nimport (\n\t\"log/slog\"\n\t\"time\"\n)\n\nvar Default = NewClient(\"http://inventory:8080\")\n\nfunc ValidateItem(sku string, qty int) (bool, error) {\n\treturn Default.Check(sku, qty)\n}\n\nfunc Describe(sku string, qty int) string {\n\treturn sku + \" x\" + string(rune(qty))\n}\n\nfunc Reserved(sku string) (int, error) {\n\treturn Default.Reserved(sku)\n}\n\n// ReservedBatch is Reserved for many skus: one ReservedBatch request per chunk of at most\n// 50 skus. A sku whose chunk request fails, or that the answer leaves out,\n// falls back to one Reserved call, in order.\nfunc ReservedBatch(skus []string) ([]int, error) {\n\tstarted := time.Now()\n\tresults := make([]int, 0, len(skus))\n\tfallbacks := 0\n\tfor start := 0; start < len(skus); start += 50 {\n\t\tend := start + 50\n\t\tif end > len(skus) {\n\t\t\tend = len(skus)\n\t\t}\n\t\tchunk := skus[start:end]\n\t\t// Guessed batch shape: ReservedBatch answers with one entry per sku it knows, keyed\n\t\t// by sku; a sku it leaves out is asked for again with Reserved.\n\t\t// debuglens: ignore[loop-remote-call] -- one request per chunk of 50\n\t\tbatch, err := Default.ReservedBatch(chunk)\n\t\tif err != nil {\n\t\t\tslog.Warn(\"ReservedBatch failed; falling back to per-sku Reserved calls\", \"skus\", len(chunk), \"err\", err)\n\t\t}\n\t\tfor _, sku := range chunk {\n\t\t\tif r, ok := batch[sku]; ok && err == nil {\n\t\t\t\tresults = append(results, r)\n\t\t\t\tcontinue\n\t\t\t}\n\t\t\tfallbacks++\n\t\t\t// debuglens: ignore[loop-remote-call] -- fallback, runs only when ReservedBatch fails or leaves the sku out\n\t\t\tr, err := Reserved(sku)\n\t\t\tif err != nil {\n\t\t\t\treturn nil, err\n\t\t\t}\n\t\t\tresults = append(results, r)\n\t\t}\n\t}\n\tpath := \"batch\"\n\tif fallbacks > 0 {\n\t\tpath = \"sequential\"\n\t}\n\tslog.Info(\"ReservedBatch\", \"skus\", len(skus), \"path\", path, \"fallbacks\", fallbacks, \"duration\", time.Since(started))\n\treturn results, nil\n}\n"
    );
    assert_eq!(rw.notes.len(), 3, "{:#?}", rw.notes);
}

#[test]
fn batch_keeps_crlf() {
    let files: Files = shop()
        .into_iter()
        .map(|(p, t)| (p, t.replace('\n', "\r\n")))
        .collect();
    let (handler, helper, _) = batch_reservations(&files);
    let (h_lf, v_lf, _) = batch_reservations(&shop());
    for (crlf, lf) in [(&handler, &h_lf), (&helper, &v_lf)] {
        assert!(!crlf.replace("\r\n", "").contains('\n'), "bare LF:\n{crlf}");
        assert_eq!(&crlf.replace("\r\n", "\n"), lf);
    }
}
