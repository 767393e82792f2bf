//! Shared by the `rewrite_*` tests: load the labeled positives, run a rewrite over each, apply
//! it, re-parse every touched file and re-analyse the workspace.
pub use crate::code_common::{fixture_dir, load_workspace, missing_tool};

use debuglens::code::{AnalysisConfig, Finding, Lang, ParsedFile, Severity, analyze_workspace};
use debuglens::guidance::rewrite::{self, Options, Rewrite};
use std::collections::BTreeMap;

pub type Files = Vec<(String, String)>;

pub fn lookup(files: &Files) -> impl Fn(&str) -> Option<String> + '_ {
    move |p: &str| files.iter().find(|(q, _)| q == p).map(|(_, t)| t.clone())
}

pub fn warnings(files: &Files) -> Vec<Finding> {
    analyze_workspace(files, &AnalysisConfig::default())
        .into_iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect()
}

/// Apply a rewrite to a copy of the workspace.
pub fn applied(files: &Files, rw: &Rewrite) -> Files {
    let mut out = files.clone();
    for fe in &rw.files {
        let slot = out
            .iter_mut()
            .find(|(p, _)| *p == fe.path)
            .unwrap_or_else(|| panic!("rewrite touches unknown file {}", fe.path));
        slot.1 = rewrite::apply(&slot.1, &fe.edits);
    }
    out
}

fn missing(node: tree_sitter::Node) -> bool {
    if node.is_missing() || node.is_error() {
        return true;
    }
    let mut c = node.walk();
    node.children(&mut c).any(missing)
}

/// Parse errors (ERROR or MISSING nodes) in `text`, as a message.
pub fn parse_problem(path: &str, text: &str) -> Option<String> {
    let lang = Lang::from_path(path)?;
    let p = ParsedFile::new(lang, text);
    let bad = p.has_errors() || p.tree().is_some_and(|t| missing(t.root_node()));
    bad.then(|| format!("{path} does not parse after the rewrite:\n{text}"))
}

/// Outcome of running one rewrite over every positive of a workspace.
#[derive(Default, Debug)]
pub struct Coverage {
    pub positives: usize,
    pub rewritten: usize,
    pub refused: BTreeMap<String, Vec<String>>,
    pub rewritten_files: Vec<(String, Files)>,
    pub problems: Vec<String>,
}

impl Coverage {
    pub fn report(&self, what: &str) -> String {
        let mut s = format!(
            "{what}: {}/{} positives rewritten, {} refused\n",
            self.rewritten,
            self.positives,
            self.positives - self.rewritten
        );
        for (reason, at) in &self.refused {
            s.push_str(&format!("  refused x{}: {reason}\n", at.len()));
            for a in at {
                s.push_str(&format!("      {a}\n"));
            }
        }
        s
    }
}

impl Coverage {
    /// With `DUMP` set in the environment, print every file a rewrite changed (to review the
    /// rewrites by eye).
    pub fn dump_if_asked(&self, before: &Files) {
        if std::env::var("DUMP").is_err() {
            return;
        }
        for (at, files) in &self.rewritten_files {
            eprintln!("=== {at}");
            for ((p, t), (_, t0)) in files.iter().zip(before) {
                if t != t0 {
                    eprintln!("--- {p}\n{t}");
                }
            }
        }
    }
}

/// Identify a finding across rewrites: file, callee and loop header (lines move).
pub fn key(f: &Finding) -> (String, String, String) {
    (
        f.path.clone(),
        f.call_text.clone(),
        f.loops
            .first()
            .map(|l| l.header.clone())
            .unwrap_or_default(),
    )
}

pub type RewriteFn =
    fn(&Finding, &dyn Fn(&str) -> Option<String>, &Options) -> Result<Rewrite, String>;

/// Run `rw` over every warning in `files`; apply each success to a fresh copy, re-parse the
/// touched files and check the finding is gone after re-analysis.
pub fn cover(files: &Files, rw: RewriteFn) -> Coverage {
    let mut cov = Coverage::default();
    let opts = Options::default();
    let before = warnings(files);
    for f in before.clone() {
        cov.positives += 1;
        let at = format!(
            "{}:{} {}",
            f.path,
            f.line(),
            f.call_text.lines().next().unwrap_or("")
        );
        match rw(&f, &lookup(files), &opts) {
            Err(why) => cov.refused.entry(why).or_default().push(at),
            Ok(r) => {
                cov.rewritten += 1;
                let after = applied(files, &r);
                for fe in &r.files {
                    let text = &after.iter().find(|(p, _)| *p == fe.path).unwrap().1;
                    if let Some(p) = parse_problem(&fe.path, text) {
                        cov.problems.push(format!("{at}: {p}"));
                    }
                }
                let k = key(&f);
                let now = warnings(&after);
                if now.len() >= before.len() {
                    cov.problems.push(format!(
                        "{at}: the rewrite did not reduce the warnings ({} -> {}): {:?}",
                        before.len(),
                        now.len(),
                        now.iter()
                            .filter(|g| !before.iter().any(|b| key(b) == key(g)))
                            .map(|g| format!("{}:{} {}", g.path, g.line(), g.message))
                            .collect::<Vec<_>>()
                    ));
                }
                if now.iter().any(|g| key(g) == k) {
                    let t = &after.iter().find(|(p, _)| *p == f.path).unwrap().1;
                    cov.problems.push(format!(
                        "{at}: finding still reported after the rewrite:\n{t}"
                    ));
                }
                cov.rewritten_files.push((at, after));
            }
        }
    }
    cov
}

/// Run `rw` on the (first) warning in `path`, apply it, and check the file re-parses and the
/// file has no warning left. Returns the rewritten file's text, the rewrite, and the workspace.
pub fn rewrite_one(files: &Files, path: &str, rw: RewriteFn) -> (String, Rewrite, Files) {
    let f = warnings(files)
        .into_iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no finding in {path}"));
    let r = rw(&f, &lookup(files), &Options::default()).expect("offered");
    let after = applied(files, &r);
    let out = after
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    assert_eq!(parse_problem(path, &out), None);
    assert!(
        !warnings(&after).iter().any(|g| g.path == path),
        "{path} still has a warning after the rewrite:\n{out}"
    );
    (out, r, after)
}
