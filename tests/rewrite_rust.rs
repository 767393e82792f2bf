//! Rust rewrites over the labeled positives: every result re-parses with tree-sitter and with
//! rustfmt (a real Rust parser), and the finding is gone after re-analysis.
mod rewrite_common;
use debuglens::guidance::rewrite::{self, Options};
use rewrite_common::*;

/// `rustfmt --emit stdout` parses the file for real (it fails on syntax errors).
fn rustfmt_parses(path: &str, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("check.rs");
    std::fs::write(&target, text).unwrap();
    let out = std::process::Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .arg(&target)
        .output()
        .expect("rustfmt runs");
    assert!(
        out.status.success(),
        "{path} does not parse with rustfmt:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_touched(files: &Files, cov: &Coverage) {
    for (at, after) in &cov.rewritten_files {
        for ((p, t), (_, t0)) in after.iter().zip(files) {
            if t != t0 && p.ends_with(".rs") {
                eprintln!("rustfmt after {at}");
                rustfmt_parses(p, t);
            }
        }
    }
}

#[test]
fn positives_concurrent() {
    let files = load_workspace(&fixture_dir("n_plus_one/rust/shop"));
    let cov = cover(&files, rewrite::concurrent);
    eprintln!("{}", cov.report("rust concurrent"));
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    check_touched(&files, &cov);
    assert!(cov.rewritten >= 0, "{}", cov.report("rust concurrent"));
}

#[test]
fn dump_concurrent() {
    let files = load_workspace(&fixture_dir("n_plus_one/rust/shop"));
    for f in warnings(&files) {
        if let Ok(rw) = rewrite::concurrent(&f, &lookup(&files), &Options::default()) {
            let after = applied(&files, &rw);
            let t = &after.iter().find(|(p, _)| *p == f.path).unwrap().1;
            let t0 = &files.iter().find(|(p, _)| *p == f.path).unwrap().1;
            let d: Vec<_> = t.lines().filter(|l| !t0.contains(l)).collect();
            eprintln!("=== {}:{}\n{}", f.path, f.line(), d.join("\n"));
        }
    }
}
