//! The seed's rule — a test that fails before the fix and passes after — on the demo, end to
//! end with the engine's own pieces: find the N+1, generate the regression test, run it on the
//! original code (it fails: 7 calls for 7 items), apply "Batch with check_batch", run it again
//! (it passes: 1 call for 7 items, 3 for 120).

use std::path::Path;
use std::process::Command;

use debuglens::code::{AnalysisConfig, analyze_workspace};
use debuglens::guidance::{rewrite, testgen};

fn copy_demo(to: &Path) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checkout");
    let ok = Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", demo.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(ok.success());
}

fn python_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                if !e.file_name().to_string_lossy().starts_with(['.', '_']) {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "py") {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn pytest(dir: &Path, file: &str) -> (bool, String) {
    let out = Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", file])
        .current_dir(dir)
        .output()
        .expect("python3 with pytest (scripts/test.sh installs it)");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_generated_test_fails_on_the_n_plus_one_and_passes_after_the_batch_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    copy_demo(ws);
    let files = python_files(ws);
    let finding = analyze_workspace(&files, &AnalysisConfig::default())
        .into_iter()
        .find(|f| f.path == "handlers/checkout.py")
        .expect("the demo's N+1");
    let read = |rel: &str| std::fs::read_to_string(ws.join(rel)).ok();
    let listing: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
    let test = testgen::generate(&finding, &read, &listing, 50).unwrap();
    std::fs::write(ws.join(&test.path), &test.text).unwrap();

    let (passed, log) = pytest(ws, &test.path);
    assert!(
        !passed,
        "the generated test must fail on the per-item loop:\n{log}"
    );
    // One failure per collection size above the batch limit's first chunk, with the counts.
    assert!(
        log.contains(
            "5 items made 5 remote calls (5 x check, 0 x check_batch); expected at most 1"
        ),
        "{log}"
    );
    assert!(log.contains("120 items made 120 remote calls"), "{log}");

    let fix = rewrite::batch(&finding, &read, &rewrite::Options::default()).unwrap();
    for file in &fix.files {
        let path = ws.join(&file.path);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, rewrite::apply(&text, &file.edits)).unwrap();
    }
    let (passed, log) = pytest(ws, &test.path);
    assert!(
        passed,
        "the generated test must pass after the batch rewrite:\n{log}"
    );
    assert!(
        log.contains("9 passed"),
        "every generated case runs and passes:\n{log}"
    );

    // And the finding is gone.
    let after = analyze_workspace(&python_files(ws), &AnalysisConfig::default());
    assert!(
        after.iter().all(|f| f.path != "handlers/checkout.py"),
        "{after:#?}"
    );
}
