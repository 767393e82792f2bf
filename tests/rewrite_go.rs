//! Go rewrites: exact output on small services, and the labeled positives (every result
//! re-parses with tree-sitter and the finding is gone after re-analysis). Go is not installed
//! here, so tree-sitter is the syntax gate.
mod rewrite_common;
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

fn dump(cov: &Coverage) {
    for (at, files) in &cov.rewritten_files {
        eprintln!("=== {at}");
        let before = shop();
        for ((p, t), (_, t0)) in files.iter().zip(&before) {
            if t != t0 {
                eprintln!("--- {p}\n{t}");
            }
        }
    }
}

#[test]
fn positives_concurrent() {
    let files = shop();
    let cov = cover(&files, rewrite::concurrent);
    eprintln!("{}", cov.report("go concurrent"));
    if std::env::var("DUMP").is_ok() {
        dump(&cov);
    }
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    assert!(
        cov.rewritten >= MIN_CONCURRENT,
        "{}",
        cov.report("go concurrent")
    );
}

const MIN_CONCURRENT: usize = 12;

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
    let w = warnings(files);
    let f = w
        .iter()
        .find(|f| f.path == "orders/service.go")
        .expect("finding in service.go");
    let rw = rewrite::concurrent(f, &lookup(files), &Options::default()).expect("offered");
    let after = applied(files, &rw);
    let out = after
        .iter()
        .find(|(p, _)| p == "orders/service.go")
        .unwrap()
        .1
        .clone();
    assert_eq!(parse_problem("orders/service.go", &out), None);
    assert!(
        !warnings(&after)
            .iter()
            .any(|g| g.path == "orders/service.go")
    );
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
