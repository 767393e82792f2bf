//! Labeled N+1 suite: per-language precision/recall over small multi-file services.
//! Run: cargo test --test n_plus_one -- --nocapture
use crate::code_common as common;
use debuglens::code::{AnalysisConfig, Finding, Severity, analyze_workspace};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Labels {
    expect: Vec<Expect>,
}

#[derive(Deserialize)]
struct Expect {
    file: String,
    at: Option<String>,
    line: Option<usize>,
    severity: String,
    #[serde(default)]
    helper: bool,
}

#[derive(Default, Debug)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    positives: usize,
    helper_positives: usize,
    negatives: usize,
    sequential: usize,
    errors: Vec<String>,
}

fn line_of(files: &[(String, String)], file: &str, at: &str) -> usize {
    let (_, text) = files
        .iter()
        .find(|(p, _)| p == file)
        .unwrap_or_else(|| panic!("no file {file}"));
    let off = text
        .find(at)
        .unwrap_or_else(|| panic!("{file}: text not found: {at}"));
    text[..off].matches('\n').count() + 1
}

fn run_case(dir: &std::path::Path, score: &mut Score, cfg: &AnalysisConfig) -> Vec<Finding> {
    let files = common::load_workspace(dir);
    let labels: Labels =
        toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
    let findings = analyze_workspace(&files, cfg);
    let mut labeled: BTreeMap<(String, usize), &Expect> = BTreeMap::new();
    for e in &labels.expect {
        let line = e
            .line
            .unwrap_or_else(|| line_of(&files, &e.file, e.at.as_deref().unwrap()));
        labeled.insert((e.file.clone(), line), e);
    }
    let case = dir.file_name().unwrap().to_string_lossy().to_string();
    for ((file, line), e) in &labeled {
        let got: Vec<&Finding> = findings
            .iter()
            .filter(|f| &f.path == file && f.line() == *line)
            .collect();
        match e.severity.as_str() {
            "warning" => {
                score.positives += 1;
                if e.helper {
                    score.helper_positives += 1;
                }
                if got.iter().any(|f| f.severity == Severity::Warning) {
                    score.tp += 1;
                } else {
                    score.fn_ += 1;
                    score.errors.push(format!(
                        "MISSED   {case}/{file}:{line} {:?}",
                        got.iter().map(|f| &f.message).collect::<Vec<_>>()
                    ));
                }
            }
            "hint" => {
                score.sequential += 1;
                if got.iter().any(|f| f.severity == Severity::Warning) {
                    score.fp += 1;
                    score
                        .errors
                        .push(format!("SEQ-WARN {case}/{file}:{line} {}", got[0].message));
                }
            }
            _ => score.negatives += 1,
        }
    }
    for f in &findings {
        let key = (f.path.clone(), f.line());
        let ok = labeled.get(&key).is_some_and(|e| {
            e.severity == "warning" || (e.severity == "hint" && f.severity == Severity::Hint)
        });
        if !ok {
            score.fp += 1;
            score.errors.push(format!(
                "FALSE+   {case}/{}:{} {:?} {}",
                f.path,
                f.line(),
                f.severity,
                f.message
            ));
        }
    }
    findings
}

fn languages() -> Vec<String> {
    let root = common::fixture_dir("n_plus_one");
    let mut v: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

fn cases(lang: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(common::fixture_dir(&format!("n_plus_one/{lang}")))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.toml").exists())
        .collect();
    v.sort();
    v
}

#[test]
fn precision_and_recall_per_language() {
    let cfg = AnalysisConfig::default();
    let mut failures = Vec::new();
    eprintln!(
        "{:<12} {:>4} {:>4} {:>4} {:>9} {:>7} {:>4} {:>4} {:>4}",
        "language", "tp", "fp", "fn", "precision", "recall", "pos", "help", "neg/seq"
    );
    for lang in languages() {
        let mut s = Score::default();
        for c in cases(&lang) {
            run_case(&c, &mut s, &cfg);
        }
        let precision = s.tp as f64 / (s.tp + s.fp).max(1) as f64;
        let recall = s.tp as f64 / (s.tp + s.fn_).max(1) as f64;
        eprintln!(
            "{lang:<12} {:>4} {:>4} {:>4} {precision:>9.2} {recall:>7.2} {:>4} {:>4} {:>4}/{}",
            s.tp, s.fp, s.fn_, s.positives, s.helper_positives, s.negatives, s.sequential
        );
        for e in &s.errors {
            eprintln!("    {e}");
        }
        if precision < 0.9 || recall < 0.9 {
            failures.push(format!(
                "{lang}: precision {precision:.2} recall {recall:.2}"
            ));
        }
        if s.positives < 15 || s.helper_positives < 5 || s.negatives < 10 || s.sequential < 5 {
            failures.push(format!("{lang}: too few labels {s:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn all_six_languages_have_cases() {
    let langs = languages();
    for l in ["python", "javascript", "go", "java", "rust"] {
        assert!(langs.iter().any(|x| x == l), "missing {l}");
    }
    // TypeScript counts with JavaScript but must be present.
    let ts = cases("javascript").iter().any(|c| {
        common::load_workspace(c)
            .iter()
            .any(|(p, _)| p.ends_with(".ts") || p.ends_with(".tsx"))
    });
    assert!(ts, "no TypeScript fixture");
}

#[test]
fn sequential_by_design_is_hint_or_silent() {
    let quiet = AnalysisConfig {
        report_sequential_by_design: false,
        ..AnalysisConfig::default()
    };
    for lang in languages() {
        for c in cases(&lang) {
            let mut s = Score::default();
            let loud = run_case(&c, &mut s, &AnalysisConfig::default());
            for f in loud.iter().filter(|f| f.severity == Severity::Hint) {
                let r = f.sequential_reason.as_deref().unwrap_or("");
                assert!(r.starts_with("looks sequential by design: "), "{r}");
                assert!(
                    f.message.contains("Looks sequential by design"),
                    "{}",
                    f.message
                );
            }
            let mut s2 = Score::default();
            let silent = run_case(&c, &mut s2, &quiet);
            assert!(
                silent.iter().all(|f| f.severity != Severity::Hint),
                "hints reported while disabled"
            );
        }
    }
}
