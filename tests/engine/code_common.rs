use std::path::{Path, PathBuf};

pub fn fixture_dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Read every source file under `dir` as (relative path, text).
pub fn load_workspace(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for ent in rd.flatten() {
            let p = ent.path();
            if p.is_dir() {
                stack.push(p);
            } else if debuglens::code::Lang::from_path(&p.to_string_lossy()).is_some() {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A tool a test needs is missing: under `CI` (where `scripts/test.sh` installs every tool) that
/// fails the test; elsewhere the test is skipped with a line saying exactly what is missing.
pub fn missing_tool(what: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!(
            "{what} (CI installs this through scripts/test.sh: a missing tool is a failure here)"
        );
    }
    eprintln!("skipping: {what}");
}
