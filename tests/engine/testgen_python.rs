//! The generated pytest file for the demo's N+1: it is placed next to the project's tests,
//! uses its framework, and it FAILS on the current per-item loop with the call counts in the
//! message (the batch rewrite makes it pass; that run is added with the rewrite).

use crate::code_common;
use std::path::{Path, PathBuf};
use std::process::Command;

use debuglens::code::{AnalysisConfig, Finding, analyze_workspace};
use debuglens::guidance::testgen::{self, GeneratedTest};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checkout")
}

/// Every file of a directory as relative paths (skipping caches).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for ent in std::fs::read_dir(&d).unwrap().flatten() {
            let p = ent.path();
            let name = ent.file_name().to_string_lossy().into_owned();
            if name == "__pycache__" || name == ".pytest_cache" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn reader(dir: &Path) -> impl Fn(&str) -> Option<String> + '_ {
    move |rel: &str| std::fs::read_to_string(dir.join(rel)).ok()
}

fn demo_finding(dir: &Path, files: &[String]) -> Finding {
    let texts: Vec<(String, String)> = files
        .iter()
        .filter(|p| p.ends_with(".py"))
        .map(|p| (p.clone(), std::fs::read_to_string(dir.join(p)).unwrap()))
        .collect();
    let findings = analyze_workspace(&texts, &AnalysisConfig::default());
    findings
        .into_iter()
        .find(|f| f.path == "handlers/checkout.py")
        .expect("the demo's N+1 in handlers/checkout.py")
}

fn demo_test() -> GeneratedTest {
    let dir = demo_dir();
    let files = listing(&dir);
    let finding = demo_finding(&dir, &files);
    let read = reader(&dir);
    testgen::generate(&finding, &read, &files, 50).expect("a test for the demo")
}

#[test]
fn demo_test_is_placed_next_to_the_existing_tests_and_uses_pytest_asyncio_auto() {
    let t = demo_test();
    assert_eq!(t.path, "tests/test_checkout_n_plus_one.py");
    assert_eq!(t.framework, "pytest + pytest-asyncio (asyncio_mode=auto)");
    assert_eq!(
        t.run,
        "python3 -m pytest -q tests/test_checkout_n_plus_one.py"
    );
    let parsed = debuglens::code::ParsedFile::new(debuglens::code::Lang::Python, t.text.clone());
    assert!(!parsed.has_errors(), "{}", t.text);
}

#[test]
fn demo_test_snapshot() {
    insta::assert_snapshot!(demo_test().text);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for ent in std::fs::read_dir(from).unwrap().flatten() {
        let name = ent.file_name();
        if name == "__pycache__" || name == ".pytest_cache" {
            continue;
        }
        let p = ent.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(&name));
        } else {
            std::fs::copy(&p, to.join(&name)).unwrap();
        }
    }
}

fn python_with_pytest() -> bool {
    Command::new("python3")
        .args(["-c", "import pytest, pytest_asyncio, aiohttp"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs the generated file in a temp copy of the demo and returns (success, output).
fn run_generated(t: &GeneratedTest) -> (bool, String) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&demo_dir(), tmp.path());
    std::fs::write(tmp.path().join(&t.path), &t.text).unwrap();
    let out = Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", &t.path])
        .current_dir(tmp.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn generated_test_fails_on_the_per_item_loop_with_the_call_counts() {
    if !python_with_pytest() {
        code_common::missing_tool(
            "python3 with pytest, pytest-asyncio and aiohttp (pip install -r examples/checkout/requirements.txt)",
        );
        return;
    }
    let t = demo_test();
    let (ok, out) = run_generated(&t);
    assert!(
        !ok,
        "the generated test must fail on the current code:\n{out}"
    );
    // Size 1 passes (one call is within ceil(1 / 50)); every larger size fails on the count.
    assert!(
        out.contains("test_process_checkout_remote_calls_do_not_grow_with_item_count[1] PASSED")
            || !out.contains("[1] FAILED"),
        "{out}"
    );
    for n in [5, 10, 20, 50, 100] {
        assert!(
            out.contains(&format!("FAILED tests/test_checkout_n_plus_one.py::test_process_checkout_remote_calls_do_not_grow_with_item_count[{n}]")),
            "size {n} should fail:\n{out}"
        );
    }
    assert!(
        out.contains("5 items made 5 remote calls (5 x check, 0 x check_batch); expected at most 1 = ceil(5 / 50)"),
        "{out}"
    );
    assert!(
        out.contains("One call per item is the N+1 flagged at handlers/checkout.py:27."),
        "{out}"
    );
    // 120 items: 120 single calls where 3 batches suffice.
    assert!(
        out.contains("120 items made 120 remote calls (120 x check, 0 x check_batch); expected at most 3 = ceil(120 / 50)"),
        "{out}"
    );
    // The error scenarios hold on the current code and must keep holding after the fix.
    assert!(
        !out.contains(
            "FAILED tests/test_checkout_n_plus_one.py::test_process_checkout_partial_availability"
        ),
        "{out}"
    );
    assert!(
        !out.contains(
            "FAILED tests/test_checkout_n_plus_one.py::test_process_checkout_remote_timeout"
        ),
        "{out}"
    );
    assert!(out.contains("6 failed, 3 passed"), "{out}");
}
