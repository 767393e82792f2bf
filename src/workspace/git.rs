//! What changed since a revision, from `git diff`, for `debuglens check --diff REV`.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::process::Command;

/// The lines of one file that changed (1-based, new side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// A new, untracked or binary-diffed file: every line counts as changed.
    All,
    Lines(Vec<RangeInclusive<u32>>),
}

impl Changed {
    pub fn contains(&self, line: u32) -> bool {
        match self {
            Changed::All => true,
            Changed::Lines(ranges) => ranges.iter().any(|r| r.contains(&line)),
        }
    }
}

/// Changed lines since `rev` in the working tree under `dir`, keyed by path relative to `dir`.
pub fn changed_since(dir: &Path, rev: &str) -> Result<HashMap<String, Changed>, String> {
    if rev.starts_with('-') {
        return Err(format!("--diff {rev}: not a revision"));
    }
    let diff = run(
        dir,
        &[
            "diff",
            "--relative",
            "--no-color",
            "--no-ext-diff",
            "-U0",
            rev,
            "--",
        ],
    )?;
    let mut out = parse_unified(&diff);
    let untracked = run(dir, &["ls-files", "--others", "--exclude-standard"])?;
    for path in untracked.lines().filter(|l| !l.is_empty()) {
        out.insert(path.to_string(), Changed::All);
    }
    Ok(out)
}

fn run(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(format!("git {} failed: {}", args.join(" "), err.trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Parses `git diff -U0` output: `+++ b/path` then `@@ -a,b +c,d @@` hunks.
pub fn parse_unified(diff: &str) -> HashMap<String, Changed> {
    let mut out: HashMap<String, Changed> = HashMap::new();
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = match path {
                "/dev/null" => None,
                p => Some(p.strip_prefix("b/").unwrap_or(p).to_string()),
            };
            if let Some(p) = &current {
                out.entry(p.clone()).or_insert(Changed::Lines(Vec::new()));
            }
        } else if line.starts_with("Binary files ") {
            if let Some(p) = line
                .rsplit(" and b/")
                .next()
                .and_then(|p| p.strip_suffix(" differ"))
            {
                out.insert(p.to_string(), Changed::All);
            }
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            let Some(new) = hunk.split_whitespace().find(|p| p.starts_with('+')) else {
                continue;
            };
            let mut parts = new[1..].split(',');
            let start: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            if count == 0 {
                // A pure deletion: the lines around it changed meaning; count the line after.
                push(&mut out, path, start.max(1)..=start.max(1));
            } else {
                push(&mut out, path, start..=start + count - 1);
            }
        }
    }
    out
}

fn push(out: &mut HashMap<String, Changed>, path: &str, range: RangeInclusive<u32>) {
    if let Some(Changed::Lines(ranges)) = out.get_mut(path) {
        ranges.push(range);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_become_new_side_line_ranges() {
        let diff = "diff --git a/h.py b/h.py\n--- a/h.py\n+++ b/h.py\n@@ -10,0 +11,2 @@ def f():\n+    x\n+    y\n@@ -20 +22 @@\n-a\n+b\n@@ -30,3 +31,0 @@\n";
        let c = parse_unified(diff);
        assert_eq!(c["h.py"], Changed::Lines(vec![11..=12, 22..=22, 31..=31]));
        assert!(c["h.py"].contains(12) && !c["h.py"].contains(13));
    }

    #[test]
    fn deleted_files_are_not_listed() {
        let c = parse_unified("--- a/gone.py\n+++ /dev/null\n@@ -1,3 +0,0 @@\n");
        assert!(c.is_empty());
    }
}
