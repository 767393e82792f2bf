//! The suppression edit for every language's positives: it parses, keeps the file's
//! indentation and line endings, and the finding is gone. Rust rewrites are not
//! implemented yet; they must say why instead of offering a broken edit.
use crate::rewrite_common;
use debuglens::guidance::rewrite;
use rewrite_common::*;

fn workspace(lang: &str) -> Files {
    let root = fixture_dir(&format!("n_plus_one/{lang}"));
    let case = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .find(|e| e.path().is_dir())
        .unwrap();
    load_workspace(&case.path())
}

#[test]
fn suppress_every_positive_in_every_language() {
    for lang in ["python", "javascript", "go", "java", "rust"] {
        let files = workspace(lang);
        let before = warnings(&files);
        assert!(!before.is_empty(), "{lang} has positives");
        for f in &before {
            let mut after = files.clone();
            let slot = after.iter_mut().find(|(p, _)| *p == f.path).unwrap();
            let e = rewrite::suppress(f, &slot.1);
            slot.1 = rewrite::apply(&slot.1, &[e]);
            let text = slot.1.clone();
            assert_eq!(parse_problem(&f.path, &text), None);
            let k = key(f);
            assert!(
                !warnings(&after).iter().any(|g| key(g) == k),
                "{lang}: {}:{} still reported after suppression:\n{}",
                f.path,
                f.line(),
                text
            );
        }
    }
}

#[test]
fn suppress_uses_the_languages_comment_and_the_calls_indentation() {
    let files = workspace("go");
    let f = &warnings(&files)[0];
    let text = &files.iter().find(|(p, _)| *p == f.path).unwrap().1;
    let e = rewrite::suppress(f, text);
    let line_start = text[..f.span.start.byte].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    assert_eq!(
        e.new_text,
        format!(
            "{indent}// debuglens: ignore[loop-remote-call] -- TODO: why this loop must stay sequential\n"
        )
    );
    assert_eq!(e.range, line_start..line_start);
}

#[test]
fn apply_skips_bad_ranges_instead_of_panicking() {
    let e = |r: std::ops::Range<usize>, t: &str| rewrite::Edit {
        range: r,
        new_text: t.into(),
    };
    assert_eq!(rewrite::apply("héllo", &[e(2..3, "x")]), "héllo");
    assert_eq!(rewrite::apply("hello", &[e(9..12, "x")]), "hello");
    assert_eq!(
        rewrite::apply("hello", &[e(5..5, "!"), e(0..1, "J")]),
        "Jello!"
    );
}
