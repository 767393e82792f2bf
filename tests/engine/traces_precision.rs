//! Precision: ordinary code, prose and the crate's own sources hold no trace; hostile input
//! never panics and stays linear.

use std::path::Path;
use std::time::Instant;

use debuglens::traces;

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// The lines read, and every trace found in `files` (each should hold none).
fn false_traces(files: &[std::path::PathBuf]) -> (usize, Vec<String>) {
    let mut lines = 0;
    let mut bad = Vec::new();
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(f).expect("read")).into_owned();
        lines += text.lines().count();
        for t in traces::scan(&text) {
            bad.push(format!(
                "{}: {:?} {:?} at {:?}",
                f.display(),
                t.language,
                t.exception,
                &text[t.span.clone()]
            ));
        }
    }
    (lines, bad)
}

#[test]
fn ordinary_code_prose_and_own_sources_hold_no_trace() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = files_in(&root.join("tests/fixtures/negative"));
    files.extend(files_in(&root.join("src/traces")));
    for l in std::fs::read_dir(root.join("src/langs")).expect("src/langs") {
        let trace = l.expect("entry").path().join("trace.rs");
        if trace.exists() {
            files.push(trace);
        }
    }
    files.push(root.join("src/lib.rs"));
    let (lines, bad) = false_traces(&files);
    assert!(lines >= 3000, "negative corpus too small: {lines} lines");
    assert!(bad.is_empty(), "false positives:\n{}", bad.join("\n"));
}

/// The precision corpus (`tests/corpus/traces_precision`): changelogs, docs, source code and log
/// lines that name exceptions without a trace.
#[test]
fn texts_that_name_exceptions_without_a_trace_hold_no_trace() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/traces_precision");
    let files: Vec<_> = files_in(&root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    assert!(files.len() >= 60, "precision corpus: {} files", files.len());
    let (_, bad) = false_traces(&files);
    assert!(bad.is_empty(), "false traces:\n{}", bad.join("\n"));
}

#[test]
fn makefile_colon_line_is_not_a_frame() {
    assert!(traces::scan("make: *** [Makefile:18: start] Error 2\n").is_empty());
    assert!(traces::scan("Makefile:18: recipe for target 'start' failed\n").is_empty());
}

#[test]
fn urls_ports_and_anchors_are_not_frames() {
    let text = "connect to tcp://host:9339 failed\nsee https://example.com/a.py#L17-L19\nError at http://x:80/y.js:1:2\n";
    assert!(traces::scan(text).is_empty());
}

#[test]
fn compiler_errors_are_not_traces() {
    let text = "src/main.rs:3:5: error: cannot find value `x`\nerror[E0425]: cannot find value\n  --> src/main.rs:3:5\nmain.go:12:2: undefined: fmt.Printl\n";
    assert!(traces::scan(text).is_empty());
}

#[test]
fn doctest_excerpts_are_not_traces() {
    let text =
        ">>> int('x')\nTraceback (most recent call last):\n  ...\nValueError: invalid literal\n";
    assert!(traces::scan(text).is_empty());
}

#[test]
fn one_megabyte_line_is_fast_and_safe() {
    let mut s = String::from("Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n");
    s.push_str(&"Error at File \"x\" panic goroutine ".repeat(30_000));
    s.push('\n');
    let t0 = Instant::now();
    let found = traces::scan(&s);
    assert!(t0.elapsed().as_secs_f64() < 2.0, "took {:?}", t0.elapsed());
    // The traceback before the monster line is still reported (truncated at the break).
    assert!(found.iter().any(|t| t.frames.len() == 1));
}

#[test]
fn many_trigger_lines_stay_linear() {
    let line = "Error: something at   at File \"x\" :in 'y' Exception #0 \n";
    let small = line.repeat(2_000);
    let big = line.repeat(20_000);
    let t0 = Instant::now();
    traces::scan(&small);
    let a = t0.elapsed();
    let t1 = Instant::now();
    traces::scan(&big);
    let b = t1.elapsed();
    // 10x input must not cost 100x (allow generous noise).
    assert!(
        b.as_secs_f64() < a.as_secs_f64() * 40.0 + 0.5,
        "small {a:?} big {b:?}"
    );
}

#[test]
fn binary_and_invalid_utf8_never_panic() {
    let mut bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    bytes.extend_from_slice(b"\nTraceback (most recent call last):\n  File \"\xff\xfe.py\", line 3, in f\nValueError: \xc3\x28\n");
    let text = String::from_utf8_lossy(&bytes);
    let found = traces::scan(&text);
    for t in &found {
        assert!(text.get(t.span.clone()).is_some());
    }
    assert!(found.iter().any(|t| t.exception == "ValueError"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn scan_never_panics_and_spans_are_valid(s in "(\\PC|\\r|\\n|\t| at |File \"|Traceback \\(most recent call last\\):|goroutine 1 \\[running\\]:|panic: |#0 |:in `|Error: |\\\\n|---> ){0,60}") {
        for t in traces::scan(&s) {
            proptest::prop_assert!(s.get(t.span.clone()).is_some());
            proptest::prop_assert!(s.get(t.header_span.clone()).is_some());
            for f in &t.frames {
                proptest::prop_assert!(s.get(f.span.clone()).is_some());
                proptest::prop_assert!(s.get(f.path_span.clone()).is_some());
            }
            if let Some(c) = t.caused_by {
                proptest::prop_assert!(c < traces::scan(&s).len());
            }
        }
    }
}
