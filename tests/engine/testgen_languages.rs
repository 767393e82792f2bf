//! Generated tests for the labeled fixtures of the other languages: each is placed where the
//! ecosystem expects tests, uses its conventions and parses without errors.

use std::path::{Path, PathBuf};

use debuglens::code::{AnalysisConfig, Lang, ParsedFile, analyze_workspace};
use debuglens::guidance::testgen::{self, GeneratedTest};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/n_plus_one")
        .join(rel)
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for ent in std::fs::read_dir(&d).unwrap().flatten() {
            let p = ent.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

/// The generated test for the finding at `path:line` of a fixture workspace.
fn generate(rel: &str, path: &str, line: usize) -> GeneratedTest {
    let dir = fixture(rel);
    let files = listing(&dir);
    let texts: Vec<(String, String)> = files
        .iter()
        .filter(|p| Lang::from_path(p).is_some())
        .map(|p| (p.clone(), std::fs::read_to_string(dir.join(p)).unwrap()))
        .collect();
    let finding = analyze_workspace(&texts, &AnalysisConfig::default())
        .into_iter()
        .find(|f| f.path == path && f.line() == line)
        .unwrap_or_else(|| panic!("no finding at {path}:{line}"));
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).ok();
    testgen::generate(&finding, &read, &files, 50).expect("a generated test")
}

fn assert_parses(lang: Lang, t: &GeneratedTest) {
    let parsed = ParsedFile::new(lang, t.text.clone());
    assert!(
        !parsed.has_errors(),
        "{} does not parse:\n{}\n{}",
        t.path,
        t.text,
        parsed.sexp()
    );
}

#[test]
fn typescript_jest_test_spies_on_the_client_prototype() {
    let t = generate("javascript/store", "src/handlers/checkout.ts", 10);
    assert_eq!(t.path, "src/handlers/checkout.n-plus-one.test.ts");
    assert_eq!(t.framework, "jest");
    assert!(t.text.contains("jest.spyOn(InventoryClient.prototype as any, 'check').mockImplementation(async (key: any) =>"), "{}", t.text);
    assert!(
        t.text
            .contains("import { InventoryClient } from '../clients/inventoryClient';"),
        "{}",
        t.text
    );
    assert!(t.text.contains("it.each(SIZES)"), "{}", t.text);
    assert!(t.text.contains("'checkBatch'"), "{}", t.text);
    assert_parses(Lang::TypeScript, &t);
}

#[test]
fn go_test_counts_requests_on_an_httptest_server() {
    let t = generate("go/shop", "internal/handlers/checkout.go", 26);
    assert_eq!(t.path, "internal/handlers/checkout_n_plus_one_test.go");
    assert_eq!(t.run, "go test ./internal/handlers -run NPlusOne");
    assert!(t.text.starts_with("// Regression test"), "{}", t.text);
    assert!(t.text.contains("package handlers"), "{}", t.text);
    assert!(
        t.text
            .contains("inventory.Default = inventory.NewClient(srv.URL)"),
        "{}",
        t.text
    );
    assert!(
        t.text.contains("\"example.com/shop/internal/inventory\""),
        "{}",
        t.text
    );
    assert!(
        t.text
            .contains("for _, n := range []int{1, 5, 10, 20, 50, 100}"),
        "{}",
        t.text
    );
    assert_parses(Lang::Go, &t);
}

#[test]
fn rust_test_is_an_async_integration_test() {
    let t = generate("rust/shop", "src/jobs/sync.rs", 78);
    assert_eq!(t.path, "tests/sync_n_plus_one.rs");
    assert!(t.framework.starts_with("cargo test"), "{}", t.framework);
    assert!(
        t.text.contains("InventoryClient::new(base_url)"),
        "{}",
        t.text
    );
    assert!(
        t.text.contains("for n in [1, 5, 10, 20, 50, 100]"),
        "{}",
        t.text
    );
    assert_parses(Lang::Rust, &t);
}

#[test]
fn java_test_is_junit5_parameterized_with_a_mockito_client() {
    let t = generate(
        "java/shop",
        "src/main/java/com/shop/service/CheckoutService.java",
        31,
    );
    assert_eq!(
        t.path,
        "src/test/java/com/shop/service/CheckoutServiceNPlusOneTest.java"
    );
    assert!(
        t.text
            .contains("@ValueSource(ints = {1, 5, 10, 20, 50, 100})"),
        "{}",
        t.text
    );
    assert!(
        t.text.contains("new InventoryService(client)"),
        "{}",
        t.text
    );
    assert!(
        t.text.contains("assertThrows(IllegalStateException.class"),
        "{}",
        t.text
    );
    assert!(
        t.text.contains("Map.entry(\"SKU-%04d\".formatted(i), 1)"),
        "{}",
        t.text
    );
    assert_parses(Lang::Java, &t);
}

#[test]
fn python_fixture_test_parses_too() {
    let t = generate("python/shop", "handlers/checkout.py", 11);
    assert!(
        t.path.ends_with("test_checkout_n_plus_one.py"),
        "{}",
        t.path
    );
    assert_parses(Lang::Python, &t);
}
