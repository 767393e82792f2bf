//! Input nested 100,000 deep (issue 17 item 1): summarising, the N+1 analysis, rewrites and
//! generated tests over such a file complete on a test thread's default 2 MiB stack instead of
//! overflowing it (which aborts the whole process). Each file also holds an ordinary N+1 loop,
//! so the finding paths (rewrites, test generation) run over the deep tree too.
use debuglens::code::{AnalysisConfig, Lang, ParsedFile, analyze_workspace, summarize};
use debuglens::guidance::rewrite::{self, Options};
use debuglens::guidance::testgen;

const N: usize = 100_000;

fn nest(open: &str, inner: &str, close: &str) -> String {
    let mut s = String::with_capacity((open.len() + close.len()) * N + inner.len());
    for _ in 0..N {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..N {
        s.push_str(close);
    }
    s
}

fn chain(item: &str, sep: &str) -> String {
    let mut s = String::with_capacity((item.len() + sep.len()) * N);
    for i in 0..N {
        if i > 0 {
            s.push_str(sep);
        }
        s.push_str(item);
    }
    s
}

/// Summarise, analyse, and run every rewrite and the test generator over each finding.
fn survive(path: &str, text: &str) {
    let t0 = std::time::Instant::now();
    let lang = Lang::from_path(path).unwrap();
    let s = summarize(path, lang, text);
    assert_eq!(s.path, path);
    let mut p = ParsedFile::new(lang, text);
    let _ = p.summarize(path, None);
    let files = vec![(path.to_string(), text.to_string())];
    let findings = analyze_workspace(&files, &AnalysisConfig::default());
    let read = |p: &str| files.iter().find(|(q, _)| q == p).map(|(_, t)| t.clone());
    for f in &findings {
        let _ = rewrite::batch(f, &read, &Options::default());
        let _ = rewrite::concurrent(f, &read, &Options::default());
        let _ = rewrite::suppress(f, text);
        let _ = testgen::generate(f, &read, &[path.to_string()], 50);
    }
    eprintln!("  {} finding(s), {:?}", findings.len(), t0.elapsed());
}

#[test]
fn python_nested_100000_deep() {
    let loop_ = "import requests\n\ndef sync(ids):\n    for i in ids:\n        requests.get(f\"http://x/{i}\")\n\n";
    for (what, deep) in [
        ("parens", format!("a = {}\n", nest("(", "1", ")"))),
        ("lists", format!("b = {}\n", nest("[", "", "]"))),
        ("binary", format!("c = {}\n", chain("1", "+"))),
        ("calls", format!("d = {}\n", nest("f(", "", ")"))),
        ("lambdas", format!("e = {}\n", nest("lambda: ", "1", ""))),
        (
            "comprehensions",
            format!("g = {}\n", nest("[", "x", " for x in y]")),
        ),
        ("not", format!("h = {}\n", nest("not ", "x", ""))),
    ] {
        eprintln!("python {what}");
        survive("deep.py", &format!("{loop_}{deep}"));
    }
}

fn js_shapes(ts: bool) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("parens", format!("const a = {};\n", nest("(", "1", ")"))),
        ("arrays", format!("const b = {};\n", nest("[", "", "]"))),
        ("binary", format!("const c = {};\n", chain("1", "+"))),
        ("calls", format!("const d = {};\n", nest("f(", "", ")"))),
        ("blocks", format!("function g() {}\n", nest("{", "", "}"))),
        (
            "ifs",
            format!("function h() {{ {} }}\n", nest("if (x) {", "", "}")),
        ),
        (
            "loops",
            format!(
                "async function k(ids) {{ {} }}\n",
                nest("for (const i of ids) {", "await fetch(i);", "}")
            ),
        ),
        (
            "arrows",
            format!("const e = {};\n", nest("() => ", "1", "")),
        ),
        ("members", format!("const m = {};\n", nest("", "a", ".b"))),
    ];
    if ts {
        v.push(("union", format!("type U = {};\n", chain("'a'", " | "))));
    }
    v
}

#[test]
fn javascript_nested_100000_deep() {
    let loop_ = "async function sync(ids) {\n  for (const i of ids) {\n    await fetch(`http://x/${i}`);\n  }\n}\n";
    for (what, deep) in js_shapes(false) {
        eprintln!("javascript {what}");
        survive("deep.js", &format!("{loop_}{deep}"));
    }
}

#[test]
fn typescript_nested_100000_deep() {
    let loop_ = "async function sync(ids: string[]) {\n  for (const i of ids) {\n    await fetch(`http://x/${i}`);\n  }\n}\n";
    for (what, deep) in js_shapes(true) {
        eprintln!("typescript {what}");
        survive("deep.ts", &format!("{loop_}{deep}"));
    }
}

#[test]
fn go_nested_100000_deep() {
    let head = "package main\n\nimport \"net/http\"\n\nfunc sync(ids []string) {\n\tfor _, i := range ids {\n\t\thttp.Get(i)\n\t}\n}\n";
    for (what, deep) in [
        ("parens", format!("var a = {}\n", nest("(", "1", ")"))),
        ("binary", format!("var c = {}\n", chain("1", "+"))),
        ("calls", format!("var d = {}\n", nest("f(", "", ")"))),
        ("blocks", format!("func g() {}\n", nest("{", "", "}"))),
        (
            "loops",
            format!(
                "func k(ids []string) {{ {} }}\n",
                nest("for _, i := range ids {\n", "http.Get(i)\n", "}\n")
            ),
        ),
        (
            "funcs",
            format!("var e = {}\n", nest("func() {\n", "", "}\n")),
        ),
    ] {
        eprintln!("go {what}");
        survive("deep.go", &format!("{head}{deep}"));
    }
}

#[test]
fn rust_nested_100000_deep() {
    let head = "async fn sync(ids: Vec<String>) {\n    for i in ids {\n        reqwest::get(i).await;\n    }\n}\n";
    for (what, deep) in [
        (
            "parens",
            format!("const A: i32 = {};\n", nest("(", "1", ")")),
        ),
        (
            "arrays",
            format!("fn b() {{ let b = {}; }}\n", nest("[", "", "]")),
        ),
        ("binary", format!("const C: i32 = {};\n", chain("1", "+"))),
        ("calls", format!("fn d() {{ {}; }}\n", nest("f(", "", ")"))),
        ("blocks", format!("fn g() {}\n", nest("{", "", "}"))),
        (
            "loops",
            format!(
                "async fn k(ids: Vec<String>) {{ {} }}\n",
                nest("for i in ids {", "reqwest::get(i).await;", "}")
            ),
        ),
        (
            "closures",
            format!("fn e() {{ let e = {}; }}\n", nest("|| ", "1", "")),
        ),
    ] {
        eprintln!("rust {what}");
        survive("deep.rs", &format!("{head}{deep}"));
    }
}

#[test]
fn java_nested_100000_deep() {
    let head = "class Deep {\n  void sync(java.util.List<String> ids) throws Exception {\n    for (String i : ids) {\n      client.send(i);\n    }\n  }\n";
    for (what, deep) in [
        ("parens", format!("  int a = {};\n", nest("(", "1", ")"))),
        ("binary", format!("  int c = {};\n", chain("1", "+"))),
        ("calls", format!("  int d = {};\n", nest("f(", "", ")"))),
        ("blocks", format!("  void g() {}\n", nest("{", "", "}"))),
        (
            "loops",
            format!(
                "  void k() {{ {} }}\n",
                nest("for (String i : ids) {", "client.send(i);", "}")
            ),
        ),
        (
            "lambdas",
            format!("  Object e = {};\n", nest("() -> ", "1", "")),
        ),
    ] {
        eprintln!("java {what}");
        survive("Deep.java", &format!("{head}{deep}}}\n"));
    }
}
