use crate::code_common as common;
use debuglens::code::{AnalysisConfig, Severity, analyze_workspace};

#[test]
fn checkout_demo_reports_the_incident() {
    let files = common::load_workspace(&common::fixture_dir("demo/checkout"));
    let findings = analyze_workspace(&files, &AnalysisConfig::default());
    for f in &findings {
        eprintln!("{}", serde_json::to_string_pretty(&f.to_json()).unwrap());
    }
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.path, "handlers/checkout.py");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(
        f.message,
        "validate_inventory() makes a remote call once per iteration of \"for item in cart.items\" — POST via InventoryClient.check → aiohttp ClientSession.post (clients/inventory.py:67). N items = N sequential round trips."
    );
    let j = f.to_json();
    assert_eq!((j.line, j.column, j.loop_line), (12, 15, 11));
    let chain: Vec<(String, usize, String, Option<String>)> = j
        .chain
        .iter()
        .map(|h| (h.path.clone(), h.line, h.function.clone(), h.api.clone()))
        .collect();
    assert_eq!(
        chain,
        vec![
            (
                "services/inventory.py".into(),
                8,
                "validate_inventory".into(),
                None
            ),
            (
                "clients/inventory.py".into(),
                67,
                "InventoryClient.check".into(),
                Some("aiohttp.ClientSession.post".into())
            ),
        ]
    );
    let b = f.batch_alternative.as_ref().expect("batch alternative");
    assert_eq!(b.name, "InventoryClient.check_batch");
    assert_eq!(b.path, "clients/inventory.py");
    assert_eq!(b.params, vec!["items".to_string()]);
    assert_eq!(f.timeout.as_deref(), Some("timeout=5"));
    assert!(f.in_async);
    assert_eq!(f.loops[0].var.as_deref(), Some("item"));
    assert_eq!(f.loops[0].iterable.as_deref(), Some("cart.items"));
    assert_eq!(f.http_method.as_deref(), Some("POST"));
}

#[test]
fn builtin_catalog_files_parse() {
    for (name, src) in debuglens::code::Catalog::builtin_sources() {
        if name == "patterns" {
            debuglens::code::Catalog::parse_patterns(src).unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            let entries = debuglens::code::Catalog::parse_entries(src)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!entries.is_empty(), "{name}");
        }
    }
}
