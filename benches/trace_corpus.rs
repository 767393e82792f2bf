#![allow(clippy::print_stdout)] // a benchmark reports on stdout
//! Accuracy on the real-trace corpus (`tests/corpus/traces/<runtime>/*.txt`, labelled by hand;
//! see its README). Run: `cargo bench --bench trace_corpus` (`-- -v` lists every miss of the
//! tuning split; the checking split's misses are never listed, so nobody tunes to them).
//!
//! An excerpt is exact when its distinct traces (identical repeats folded, as `explain` does)
//! match the labels one for one, in document order: exception, message (white space folded),
//! frame count, innermost and outermost frame (path and line), the `caused_by` link, Go's
//! `created_by` and `count`.

use std::collections::BTreeMap;
use std::path::Path;

use debuglens::traces::{self, Frame, Trace};
use serde::Deserialize;

#[derive(Deserialize)]
struct Labels {
    source: String,
    split: String,
    #[serde(default)]
    trace: Vec<Label>,
}

#[derive(Deserialize)]
struct Label {
    #[serde(default)]
    exception: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    frames: usize,
    innermost: Option<At>,
    outermost: Option<At>,
    caused_by: Option<usize>,
    created_by: Option<String>,
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

#[derive(Deserialize)]
struct At {
    #[serde(default)]
    path: String,
    line: Option<u32>,
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn same_at(want: &Option<At>, got: Option<&Frame>) -> bool {
    match (want, got) {
        (None, None) => true,
        (Some(w), Some(g)) => w.path == g.path && (w.line.is_none() || w.line == g.line),
        _ => false,
    }
}

/// Why the excerpt is not exact, or `None` when it is.
fn miss(labels: &[Label], text: &str) -> Option<String> {
    let found = traces::scan(text);
    let groups = traces::group(&found, text);
    // Trace index → its group's index; the groups in document order of their first member.
    let mut group_of = vec![0usize; found.len()];
    for (g, grp) in groups.iter().enumerate() {
        for &m in &grp.members {
            group_of[m] = g;
        }
    }
    let firsts: Vec<&Trace> = groups.iter().map(|g| &found[g.members[0]]).collect();
    if firsts.len() != labels.len() {
        return Some(format!(
            "{} distinct traces found, {} labelled",
            firsts.len(),
            labels.len()
        ));
    }
    for (i, (l, (t, g))) in labels.iter().zip(firsts.iter().zip(&groups)).enumerate() {
        let mut why = Vec::new();
        if l.exception != t.exception {
            why.push(format!("exception {:?} ≠ {:?}", t.exception, l.exception));
        }
        if fold(&l.message) != fold(&t.message) {
            why.push(format!("message {:?} ≠ {:?}", t.message, l.message));
        }
        if l.frames != t.frames.len() {
            why.push(format!("frames {} ≠ {}", t.frames.len(), l.frames));
        }
        if !same_at(&l.innermost, t.frames.first()) {
            why.push("innermost frame".into());
        }
        if !same_at(&l.outermost, t.frames.last()) {
            why.push("outermost frame".into());
        }
        if l.created_by != t.created_by {
            why.push(format!(
                "created_by {:?} ≠ {:?}",
                t.created_by, l.created_by
            ));
        }
        if l.caused_by != t.caused_by.map(|c| group_of[c]) {
            why.push(format!("caused_by {:?} ≠ {:?}", t.caused_by, l.caused_by));
        }
        if l.count != g.count {
            why.push(format!("count {} ≠ {}", g.count, l.count));
        }
        if !why.is_empty() {
            return Some(format!("trace {i}: {}", why.join("; ")));
        }
    }
    None
}

#[derive(Default)]
struct Tally {
    exact: usize,
    detected: usize,
    total: usize,
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "–".into()
    } else {
        format!("{:.0}% ({n}/{d})", 100.0 * n as f64 / d as f64)
    }
}

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/traces");
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut sources = std::collections::BTreeSet::new();
    let mut misses = Vec::new();
    let mut runtimes: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/corpus/traces")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    runtimes.sort_by_key(|e| e.file_name());
    for rt in runtimes {
        let runtime = rt.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(rt.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        for path in files {
            let raw = std::fs::read_to_string(&path).unwrap();
            let body = raw.strip_prefix("+++\n").expect("front matter");
            let (head, text) = body.split_once("\n+++\n").expect("closing +++");
            let labels: Labels =
                toml::from_str(head).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            sources.insert(labels.source.clone());
            let t = tallies
                .entry((runtime.clone(), labels.split.clone()))
                .or_default();
            t.total += 1;
            let found = !traces::scan(text).is_empty();
            if found != labels.trace.is_empty() {
                t.detected += 1;
            }
            match miss(&labels.trace, text) {
                None => t.exact += 1,
                Some(why) if labels.split == "tune" => {
                    misses.push(format!("{}: {why}", path.display()))
                }
                Some(_) => {}
            }
        }
    }
    println!("| runtime | tune: exact | tune: detected | check: exact | check: detected |");
    println!("|---|---|---|---|---|");
    let mut all: BTreeMap<&str, Tally> = BTreeMap::new();
    let runtimes: std::collections::BTreeSet<String> =
        tallies.keys().map(|(r, _)| r.clone()).collect();
    for r in &runtimes {
        let mut row = vec![r.clone()];
        for split in ["tune", "check"] {
            let t = tallies.get(&(r.clone(), split.to_string()));
            let (e, d, n) = t.map_or((0, 0, 0), |t| (t.exact, t.detected, t.total));
            let a = all
                .entry(if split == "tune" { "tune" } else { "check" })
                .or_default();
            a.exact += e;
            a.detected += d;
            a.total += n;
            row.push(pct(e, n));
            row.push(pct(d, n));
        }
        println!("| {} |", row.join(" | "));
    }
    let (t, c) = (&all["tune"], &all["check"]);
    println!(
        "| **all** | {} | {} | {} | {} |",
        pct(t.exact, t.total),
        pct(t.detected, t.total),
        pct(c.exact, c.total),
        pct(c.detected, c.total)
    );
    println!(
        "\n{} excerpts from {} sources",
        t.total + c.total,
        sources.len()
    );
    if verbose {
        for m in &misses {
            println!("MISS {m}");
        }
    }
}
