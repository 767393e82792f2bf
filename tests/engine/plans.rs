//! The markdown documents for the demo incident: the N+1 explanation, the investigation plan,
//! the post-incident report and the test plan. Snapshots are reviewed; the focused asserts
//! name the facts each document must carry.

use std::path::{Path, PathBuf};

use debuglens::code::{AnalysisConfig, Finding, analyze_workspace};
use debuglens::guidance::plans::{
    explain_n_plus_one, incident_report, investigation_plan, secs, test_plan_markdown, timeout_ms,
};
use debuglens::guidance::{ExplainContext, Explanation, explain};
use debuglens::traces::{self, Trace};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checkout")
}

fn read(rel: &str) -> Option<String> {
    std::fs::read_to_string(demo_dir().join(rel)).ok()
}

fn demo_finding() -> Finding {
    let files: Vec<(String, String)> = [
        "app.py",
        "clients/inventory.py",
        "handlers/checkout.py",
        "metrics.py",
        "models.py",
        "services/inventory.py",
        "services/order.py",
    ]
    .iter()
    .map(|p| (p.to_string(), read(p).unwrap()))
    .collect();
    analyze_workspace(&files, &AnalysisConfig::default())
        .into_iter()
        .find(|f| f.path == "handlers/checkout.py")
        .expect("the demo N+1")
}

/// The trace the user saw (the root of the chained pair in notes/incident.md).
fn demo_trace() -> (Trace, Explanation, usize) {
    let text = read("notes/incident.md").unwrap();
    let all = traces::scan(&text);
    let root = *traces::roots(&all).first().unwrap();
    let groups = traces::group(&all, &text);
    let g = groups.iter().find(|g| g.members.contains(&root)).unwrap();
    let trace = all[root].clone();
    let ctx = ExplainContext {
        count: g.count,
        first_line: Some(g.first_line as u32),
        last_line: Some(g.last_line as u32),
        ..ExplainContext::default()
    };
    let e = explain(&trace, &ctx);
    (trace, e, g.first_line)
}

#[test]
fn timeout_literals_become_milliseconds_in_the_unit_of_their_language_and_client() {
    let demo = demo_finding();
    // The same finding as if its call were in another file, through another client.
    let at = |path: &str, api: &str, literal: &str| {
        let mut f = demo.clone();
        f.path = path.into();
        for hop in &mut f.chain {
            if hop.api.is_some() {
                hop.api = Some(api.into());
            }
        }
        f.timeout = Some(literal.into());
        timeout_ms(&f)
    };
    assert_eq!(timeout_ms(&demo), Some(5000));
    assert_eq!(at("src/x.js", "axios.get", "timeout: 5000"), Some(5000));
    assert_eq!(
        at("x.go", "net/http.Client.Do", "Timeout: 5 * time.Second"),
        Some(5000)
    );
    assert_eq!(
        at(
            "src/x.rs",
            "reqwest.Client.get",
            "timeout(Duration::from_millis(750))"
        ),
        Some(750)
    );
    assert_eq!(
        at("app/x.py", "requests.get", "timeout=300"),
        Some(300_000),
        "requests takes seconds"
    );
    let mut none = demo.clone();
    none.timeout = None;
    assert_eq!(timeout_ms(&none), None);
    assert_eq!(secs(10_500), "10.5 s");
    assert_eq!(secs(75_000), "75 s");
}

#[test]
fn n_plus_one_explanation_has_the_seed_numbers_links_and_fix() {
    let md = explain_n_plus_one(&demo_finding(), 1500, &read);
    assert!(
        md.contains("[clients/inventory.py:45](clients/inventory.py#L45)"),
        "{md}"
    );
    assert!(
        md.contains("[handlers/checkout.py:27](handlers/checkout.py#L27)"),
        "{md}"
    );
    assert!(md.contains("| 7 | 7 | 10.5 s | **exceeds 5 s** |"), "{md}");
    assert!(md.contains("| 1 | 1 | 1.5 s | within |"), "{md}");
    assert!(md.contains("7 items × 1.5 s = 10.5 s"), "{md}");
    assert!(md.contains("`InventoryClient.check_batch`"), "{md}");
    assert!(md.contains("retry or a longer timeout"), "{md}");
    assert!(md.contains("N=7   ████"), "{md}");
    insta::assert_snapshot!(md);
}

#[test]
fn n_plus_one_explanation_without_timeout_compares_with_the_request_budget() {
    let mut f = demo_finding();
    f.timeout = None;
    let md = explain_n_plus_one(&f, 200, &|_: &str| None);
    assert!(md.contains("no client timeout is visible"), "{md}");
    assert!(md.contains("| 50 | 50 | 10 s |\n"), "{md}");
    assert!(!md.contains("exceeds"), "{md}");
}

#[test]
fn investigation_plan_for_the_demo_trace() {
    let (trace, e, line) = demo_trace();
    let f = demo_finding();
    let (name, md) = investigation_plan(&trace, &e, 1, line, line, Some(&f), "2026-11-28");
    assert_eq!(name, "debugging/2026-11-28-timeouterror.md");
    assert!(md.contains("1. **N+1 remote calls on this path**"), "{md}");
    assert!(
        md.contains("7 items × 1.5 s = 10.5 s > the 5 s timeout"),
        "{md}"
    );
    // The knowledge base's generic N+1 hypothesis is replaced by the specific one.
    assert_eq!(
        md.matches("N+1").count(),
        md.matches("N+1 remote calls on this path").count() + 1,
        "{md}"
    );
    assert!(md.contains("production-sized"), "{md}");
    insta::assert_snapshot!(md);
}

#[test]
fn investigation_plan_without_a_finding_keeps_the_knowledge_base_hypotheses() {
    let (trace, e, line) = demo_trace();
    let (_, md) = investigation_plan(&trace, &e, 12, line, line + 400, None, "2026-11-28");
    assert!(md.contains("Seen **12 times** in the log"), "{md}");
    assert!(
        md.contains(&format!("1. **{}**", e.likely_causes[0].cause)),
        "{md}"
    );
}

#[test]
fn incident_report_for_the_demo() {
    let (trace, e, _) = demo_trace();
    let f = demo_finding();
    let (name, md) = incident_report(&trace, &e, Some(&f), "2026-11-28");
    assert_eq!(name, "incidents/2026-11-28-timeouterror.md");
    for needle in [
        "## Timeline (UTC)",
        "## Impact",
        "## What went well",
        "## What could be improved",
        "### Code-review checklist item",
        "### Staging data requirements",
        "### Performance test",
        "A batch API already existed: `InventoryClient.check_batch`",
    ] {
        assert!(md.contains(needle), "missing {needle}:\n{md}");
    }
    insta::assert_snapshot!(md);
}

#[test]
fn test_plan_for_the_demo() {
    let md = test_plan_markdown(&demo_finding(), 50);
    assert!(md.contains("120 items: ⌈120 / 50⌉ = 3 calls"), "{md}");
    assert!(md.contains("SIZES = [1, 5, 10, 20, 50, 100]"), "{md}");
    assert!(md.contains("**Roll back if:**"), "{md}");
    insta::assert_snapshot!(md);
}
