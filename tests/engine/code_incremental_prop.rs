//! Incremental summaries equal fresh ones. An open file keeps the summary items of every
//! function body between edits and re-walks only the bodies an edit (or tree-sitter's changed
//! ranges) touched; after any sequence of edits, summarised at any points in between, the
//! result must be exactly what a full walk of the same tree gives.
use crate::code_common;

use code_common::{fixture_dir, load_workspace};
use debuglens::code::{Lang, ParsedFile, TextEdit};
use proptest::prelude::*;

/// A realistic file per language: the labeled fixture files of that language, concatenated.
fn corpus(lang: Lang) -> String {
    let (dir, ext): (&str, &[&str]) = match lang {
        Lang::Python => ("n_plus_one/python/shop", &[".py"]),
        Lang::TypeScript => ("n_plus_one/javascript/store", &[".ts"]),
        Lang::JavaScript => ("n_plus_one/javascript/store", &[".js"]),
        Lang::Tsx => ("n_plus_one/javascript/store", &[".tsx"]),
        Lang::Go => ("n_plus_one/go/shop", &[".go"]),
        Lang::Rust => ("n_plus_one/rust/shop", &[".rs"]),
        Lang::Java => ("n_plus_one/java/shop", &[".java"]),
    };
    load_workspace(&fixture_dir(dir))
        .into_iter()
        .filter(|(p, _)| ext.iter().any(|e| p.ends_with(e)))
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n")
}

fn snippet() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "x",
        " ",
        "\n",
        "\n    ",
        "\t",
        "(",
        ")",
        "{",
        "}",
        ":",
        ";",
        "\"",
        "'",
        "\"\"\"",
        "/*",
        "*/",
        "#",
        "//",
        "async ",
        "await ",
        ".await",
        "for x in xs:\n    ",
        "for (const x of xs) {",
        "for _, x := range xs {",
        "for x in xs {",
        "for (X x : xs) {",
        "def f(a):\n    ",
        "function f() {",
        "fn f() {",
        "func f() {",
        "class C:\n    ",
        "requests.get(u)",
        "fetch(u)",
        "http.Get(u)",
        "client.get(u).send().await",
        "rest.getForObject(u)",
        "return ",
        "break",
        "è",
        "中",
    ])
}

#[derive(Debug, Clone)]
struct Step {
    /// Fraction of the text where the edit starts.
    at: f64,
    /// Bytes removed from there (clipped to the text).
    remove: usize,
    insert: &'static str,
    /// Summarise after this edit (otherwise the next edit piles on).
    summarize: bool,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0.0..1.0f64,
        0usize..40,
        snippet(),
        prop::bool::weighted(0.6),
    )
        .prop_map(|(at, remove, insert, summarize)| Step {
            at,
            remove: remove.saturating_sub(25),
            insert,
            summarize,
        })
}

fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn check(lang: Lang, steps: &[Step]) -> Result<(), TestCaseError> {
    let mut text = corpus(lang);
    let mut pf = ParsedFile::new(lang, text.clone());
    // The first summary fills the cache; each summary is handed back to the next, as the index
    // does.
    let mut last = Some(pf.summarize("f", None));
    for (k, s) in steps.iter().enumerate() {
        let start = boundary(&text, (s.at * text.len() as f64) as usize);
        let end = boundary(&text, start + s.remove).max(start);
        let edit = TextEdit::replace(&text, start, end, s.insert);
        let next = format!("{}{}{}", &text[..start], s.insert, &text[end..]);
        pf.edit(edit, next.clone());
        text = next;
        if s.summarize || k + 1 == steps.len() {
            let summary = pf.summarize("f", last.take());
            let incremental = serde_json::to_string_pretty(&summary).unwrap();
            last = Some(summary);
            // The oracle walks the same tree without the cache: tree-sitter's incremental
            // parse may recover from errors differently than a fresh parse, which is not what
            // this test is about.
            let fresh = serde_json::to_string_pretty(&pf.summarize_once("f")).unwrap();
            if incremental != fresh {
                let diff = incremental
                    .lines()
                    .zip(fresh.lines())
                    .enumerate()
                    .find(|(_, (a, b))| a != b)
                    .map(|(i, (a, b))| format!("line {i}: incremental {a:?} fresh {b:?}"))
                    .unwrap_or_else(|| "lengths differ".into());
                return Err(TestCaseError::fail(format!(
                    "{lang:?} after step {k} ({s:?}): {diff}"
                )));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn python_incremental_summary_equals_fresh(steps in prop::collection::vec(step(), 1..8)) {
        check(Lang::Python, &steps)?;
    }

    #[test]
    fn typescript_incremental_summary_equals_fresh(steps in prop::collection::vec(step(), 1..8)) {
        check(Lang::TypeScript, &steps)?;
    }

    #[test]
    fn javascript_incremental_summary_equals_fresh(steps in prop::collection::vec(step(), 1..8)) {
        check(Lang::JavaScript, &steps)?;
    }

    #[test]
    fn go_incremental_summary_equals_fresh(steps in prop::collection::vec(step(), 1..8)) {
        check(Lang::Go, &steps)?;
    }

    #[test]
    fn rust_incremental_summary_equals_fresh(steps in prop::collection::vec(step(), 1..8)) {
        check(Lang::Rust, &steps)?;
    }

    #[test]
    fn java_incremental_summary_equals_fresh(steps in prop::collection::vec(step(), 1..8)) {
        check(Lang::Java, &steps)?;
    }
}

/// The cache does its job: after an edit inside one function, the functions tree-sitter did not
/// re-parse are reused, shifted, and the result equals a full walk.
#[test]
fn an_edit_inside_one_function_keeps_the_other_bodies() {
    let text = "function a(xs) {\n  for (const x of xs) {\n    get(x);\n  }\n}\n\nfunction b(xs) {\n  return xs.map((x) => get(x));\n}\n\nfunction c(xs) {\n  for (const x of xs) {\n    get(x);\n  }\n}\n";
    let mut pf = ParsedFile::new(Lang::JavaScript, text);
    let first = pf.summarize("f", None);
    // a, b and c (the arrow function in b is walked as b's `map` callback, inside b).
    assert_eq!(pf.cached_bodies(), 3);
    let at = text.find("get(x);").unwrap();
    let next = format!("{}axios.{}", &text[..at], &text[at..]);
    pf.edit(TextEdit::replace(text, at, at, "axios."), next.clone());
    // a is dropped by the edit; b and c are kept, shifted by 6 bytes.
    assert_eq!(pf.cached_bodies(), 2);
    let s = pf.summarize("f", Some(first));
    // tree-sitter re-parses the node right after an edit (b), so only c is reused.
    assert_eq!(pf.reused_bodies(), 1);
    assert_eq!(pf.cached_bodies(), 3);
    let calls: Vec<(&str, usize, usize)> = s
        .calls
        .iter()
        .map(|c| (c.callee.as_str(), c.span.start.line, c.span.start.byte))
        .collect();
    let at = |needle: &str, nth: usize| next.match_indices(needle).nth(nth).unwrap().0;
    assert_eq!(
        calls,
        vec![
            ("axios.get", 2, at("axios.get", 0)),
            ("xs.map", 7, at("xs.map", 0)),
            ("get", 7, at("get(x))", 0)),
            ("get", 12, at("get(x);", 1)),
        ],
        "{next}"
    );
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        serde_json::to_string(&pf.summarize_once("f")).unwrap()
    );
}

/// A function's summary also depends on its parent when the name or decorators come from there:
/// editing a decorator or the variable a function is assigned to, on an earlier line, must not
/// leave the old one in the reused function.
#[test]
fn an_edit_to_a_decorator_or_an_assigned_name_is_seen_by_the_reused_function() {
    let cases = [
        (
            Lang::Python,
            "import requests\n\n@retry(3)\ndef fetch(x):\n    return requests.get(x)\n\n\ndef other():\n    pass\n",
            "retry(3)",
            "cached",
        ),
        (
            Lang::JavaScript,
            "const fetchOne =\n  async (x) => {\n    return fetch(x);\n  };\n\nfunction other() {}\n",
            "fetchOne",
            "loadOne",
        ),
    ];
    for (lang, text, old, new) in cases {
        let (_, s) = resummarized(lang, text, old, old.len(), new);
        let f = &s.functions[0];
        assert!(
            f.name == new || f.annotations.iter().any(|a| a == new),
            "{lang:?}: {f:?}"
        );
    }
}

/// Python's function nodes are re-created by tree-sitter after an edit even where their bodies
/// are reused as they were; a function whose body and surrounding text are unchanged is reused.
#[test]
fn python_functions_after_an_edit_are_reused_through_their_bodies() {
    let text = "import requests\n\n\nclass Client:\n    def get(self, x):\n        return requests.get(x)\n\n    def put(self, x):\n        return requests.put(x)\n\n\ndef load(xs):\n    for x in xs:\n        Client().get(x)\n\n\ndef save(xs):\n    for x in xs:\n        Client().put(x)\n";
    // Units: the import, the class, its two methods, load and save (6, after either summary).
    let (pf, _) = resummarized(Lang::Python, text, "requests.get(x)", 0, "  ");
    // The edit is inside the class and get, which are walked again; tree-sitter re-parses the
    // node right after the edit (put). The import, load and save are reused (load and save
    // through their bodies: their function nodes are new).
    assert_eq!(pf.reused_bodies(), 3);
    assert_eq!(pf.cached_bodies(), 6);
}

/// Tree-sitter never reuses a subtree it built while the parse was ambiguous, and Python's
/// module-level assignments are built that way: each reparse makes new nodes for them. A unit
/// without a body whose text is the same at the same place is reused all the same.
#[test]
fn python_module_level_assignments_are_reused_after_an_edit_elsewhere() {
    let text = "import requests\n\nBASE = \"https://users.internal/api\"\nTIMEOUT = 3\n\n\ndef get_user(user_id):\n    return requests.get(f\"{BASE}/users/{user_id}\", timeout=TIMEOUT)\n\n\ndef ping():\n    return requests.get(BASE)\n";
    let (pf, _) = resummarized(Lang::Python, text, "(BASE)", 0, "_many");
    // Of the 5 units, the import, BASE, TIMEOUT and get_user; ping holds the edit.
    assert_eq!(pf.reused_bodies(), 4);
    assert_eq!(pf.cached_bodies(), 5);
}

/// Summarises `text`, replaces `remove` bytes at the first `at` with `insert`, and summarises
/// again with the first summary handed back (as the index does); the result must be a full
/// walk's. Returns the file (for its cache counts) and the second summary.
fn resummarized(
    lang: Lang,
    text: &str,
    at: &str,
    remove: usize,
    insert: &str,
) -> (ParsedFile, debuglens::code::FileSummary) {
    let mut pf = ParsedFile::new(lang, text);
    let first = pf.summarize("f", None);
    let i = text.find(at).unwrap();
    let next = format!("{}{}{}", &text[..i], insert, &text[i + remove..]);
    pf.edit(TextEdit::replace(text, i, i + remove, insert), next);
    let s = pf.summarize("f", Some(first));
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        serde_json::to_string(&pf.summarize_once("f")).unwrap(),
        "{lang:?}"
    );
    (pf, s)
}
