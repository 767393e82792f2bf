//! Acceptance corpus: `tests/fixtures/traces/*.txt`, each a real-world (mostly public bug
//! report) trace with its expected parse in a header block:
//!
//! ```text
//! # source: <url>
//! # language: python
//! # exception: asyncio.TimeoutError
//! # message:
//! # frames: 4
//! # innermost: /app/clients/inventory.py | 67 | check_batch     (`-` = none)
//! # caused_by: 0            (length of the caused_by chain from the primary trace)
//! # traces: 2               (optional: total traces found)
//! ---
//! <text handed to scan()>
//! ```
//!
//! The primary trace is the first one no other trace names as its cause.

use std::collections::BTreeMap;
use std::path::Path;

use debuglens::traces::{self, Trace};

struct Fixture {
    name: String,
    expect: BTreeMap<String, String>,
    text: String,
}

fn load() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/traces");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    entries.sort();
    for path in entries {
        let raw = std::fs::read_to_string(&path).expect("fixture");
        let (head, text) = raw.split_once("\n---\n").expect("--- separator");
        let mut expect = BTreeMap::new();
        for line in head.lines() {
            if let Some((k, v)) = line.trim_start_matches("# ").split_once(':') {
                expect.insert(
                    k.trim().to_string(),
                    v.strip_prefix(' ').unwrap_or(v).to_string(),
                );
            }
        }
        out.push(Fixture {
            name: path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            expect,
            text: text.to_string(),
        });
    }
    out
}

fn describe_innermost(t: &Trace) -> String {
    match t.frames.first() {
        None => "-".to_string(),
        Some(f) => format!(
            "{} | {} | {}",
            if f.path.is_empty() { "-" } else { &f.path },
            f.line.map_or("-".to_string(), |l| l.to_string()),
            f.function.as_deref().unwrap_or("-")
        ),
    }
}

fn chain_len(traces: &[Trace], mut i: usize) -> usize {
    let mut n = 0;
    while let Some(c) = traces[i].caused_by {
        n += 1;
        i = c;
        if n > traces.len() {
            break;
        }
    }
    n
}

fn check(f: &Fixture) -> Result<(), String> {
    let found = traces::scan(&f.text);
    let roots = traces::roots(&found);
    let Some(&p) = roots.first() else {
        return Err("no trace found".into());
    };
    let t = &found[p];
    let mut errs = Vec::new();
    let mut cmp = |key: &str, got: String| {
        if let Some(want) = f.expect.get(key)
            && *want != got
        {
            errs.push(format!("{key}: want {want:?}, got {got:?}"));
        }
    };
    cmp(
        "language",
        serde_json::to_value(t.language)
            .map(|v| v.as_str().unwrap_or("").to_string())
            .unwrap_or_default(),
    );
    cmp("exception", t.exception.clone());
    cmp("message", t.message.clone());
    cmp("frames", t.frames.len().to_string());
    cmp("innermost", describe_innermost(t));
    cmp("caused_by", chain_len(&found, p).to_string());
    cmp("traces", found.len().to_string());
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// One snapshot per excerpt, for the labelled fixtures above and the real-trace corpus
/// (`tests/corpus/traces/<runtime>/`, scored against its labels by
/// `cargo bench --bench trace_corpus`): any change in any excerpt's parse shows in review.
#[test]
fn every_excerpt_parses_as_its_snapshot() {
    fn render(text: &str) -> String {
        use std::fmt::Write as _;
        let found = traces::scan(text);
        let mut out = String::new();
        for (i, t) in found.iter().enumerate() {
            let lang = serde_json::to_value(t.language).unwrap_or_default();
            let _ = writeln!(
                out,
                "[{i}] {} {:?}: {:?}{}{}",
                lang.as_str().unwrap_or(""),
                t.exception,
                t.message,
                t.caused_by
                    .map_or(String::new(), |c| format!(" (caused by [{c}])")),
                t.created_by
                    .as_deref()
                    .map_or(String::new(), |c| format!(" (created by {c})"))
            );
            for f in &t.frames {
                let _ = writeln!(
                    out,
                    "    {} {}:{}{}",
                    if f.in_app { "app" } else { "lib" },
                    f.path,
                    f.line.map_or("-".to_string(), |l| l.to_string()),
                    f.function
                        .as_deref()
                        .map_or(String::new(), |n| format!(" {n}"))
                );
            }
        }
        if out.is_empty() {
            out.push_str("(no trace)\n");
        }
        out
    }
    fn excerpt(raw: &str) -> &str {
        if let Some(body) = raw.strip_prefix("+++\n") {
            return body.split_once("\n+++\n").map_or(body, |(_, t)| t);
        }
        raw.split_once("\n---\n").map_or(raw, |(_, t)| t)
    }
    insta::glob!("../fixtures/traces", "*.txt", |path| {
        let raw = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(render(excerpt(&raw)));
    });
    insta::glob!("../corpus/traces", "*/*.txt", |path| {
        let raw = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(render(excerpt(&raw)));
    });
}

/// Every labelled fixture parses exactly as its header says (no threshold: one miss fails).
#[test]
fn every_fixture_parses_as_labelled() {
    let fixtures = load();
    assert!(
        fixtures.len() >= 60,
        "corpus has {} fixtures",
        fixtures.len()
    );
    let mut per_lang: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for f in &fixtures {
        *per_lang
            .entry(f.expect.get("language").cloned().unwrap_or_default())
            .or_default() += 1;
        if let Err(e) = check(f) {
            failures.push(format!("{}: {e}", f.name));
        }
    }
    for (lang, n) in &per_lang {
        assert!(*n >= 5, "{lang} has only {n} fixtures");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every span a trace reports lies inside the text and on char boundaries.
#[test]
fn corpus_spans_index_the_original_text() {
    for f in load() {
        for t in traces::scan(&f.text) {
            for r in [&t.span, &t.header_span] {
                assert!(
                    f.text.get(r.clone()).is_some(),
                    "{}: bad span {r:?}",
                    f.name
                );
            }
            for fr in &t.frames {
                assert!(
                    f.text.get(fr.span.clone()).is_some(),
                    "{}: bad frame span",
                    f.name
                );
                let p = f.text.get(fr.path_span.clone()).unwrap_or("<bad>");
                if !fr.path.is_empty()
                    && !fr.path.contains('\\')
                    && t.language != debuglens::langs::java::RUNTIME
                {
                    assert_eq!(p, fr.path, "{}: path_span text", f.name);
                }
            }
        }
    }
}
