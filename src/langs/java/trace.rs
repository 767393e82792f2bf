//! JVM (Java, Kotlin, Scala, Groovy): `Exception in thread "main" X: msg`,
//! `at [loader//][module@ver/]pkg.Cls.m(File.java:123)`, `Native Method`, `Unknown Source`,
//! `Caused by:`, `Suppressed:`, `... N more`, `... N common frames omitted`, logback's
//! `~[jar:ver]` suffix.

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::Trace;
use crate::traces::shared::{self, Doc, Parsed};

static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^at (?:[\w.$-]+//)?(?:[\w.$-]+(?:@[\w.-]+)?/)?(?P<f>[\w$.<>-]+\.[\w$<>-]+)\((?P<loc>(?P<file>[\w$.-]+\.(?:java|kt|kts|scala|groovy|clj|aj|jsp)|Native Method|Unknown Source|SourceFile|[\w$-]+)(?::(?P<l>\d+))?)\)(?:\s*~?\[[^\]]*\])?$",
    )
});

/// Parsed by hand ([`header_fast`]); the tests hold the parser to it.
#[cfg(test)]
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r#"^(?:Exception in thread "[^"]*" |(?P<rel>Caused by|Suppressed|Wrapped by): )?(?P<e>(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*|[A-Z][\w$]*(?:Exception|Error|Throwable))(?::\s?(?P<m>.*))?$"#,
    )
});

/// A qualified exception name after a log prefix: `... [thread] java.net.ConnectException: x`.
static LOOSE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"(?:^|[\s\]])(?P<e>(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable))(?::\s?(?P<m>.*))?$",
    )
});

/// Parsed by hand ([`is_more`]).
#[cfg(test)]
static MORE: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^\.\.\. \d+ (?:more|common frames omitted)"));

/// `... 3 more`, `... 12 common frames omitted`.
fn is_more(t: &str) -> bool {
    let Some(r) = t.strip_prefix("... ") else {
        return false;
    };
    let n = shared::run_len(r, |b| b.is_ascii_digit());
    n > 0 && (r[n..].starts_with(" more") || r[n..].starts_with(" common frames omitted"))
}

/// Can [`LOOSE_HEADER`] match `t`? Its name is dotted and ends in one of three words.
fn may_be_loose(t: &str) -> bool {
    let b = t.as_bytes();
    memchr::memchr(b'.', b).is_some()
        && memchr::memchr2_iter(b'E', b'T', b).any(|p| {
            let w = &b[p..];
            w.starts_with(b"Exception") || w.starts_with(b"Error") || w.starts_with(b"Throwable")
        })
}

/// A frame line's fields (see [`FRAME`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FrameFields<'a> {
    f: &'a str,
    loc: &'a str,
    file: &'a str,
    l: Option<&'a str>,
}

/// [`FRAME`] by hand for frames without a class-loader or module prefix (no `/` before the
/// `(`); `None` sends the line to the regex.
fn frame_fast(t: &str) -> Option<FrameFields<'_>> {
    let r = t.strip_prefix("at ")?;
    // `[\w$.<>-]+` up to the `(`, with a last dot that is neither first nor last.
    let fchar = |b: u8| shared::is_word(b) || matches!(b, b'$' | b'.' | b'<' | b'>' | b'-');
    let open = shared::run_len(r, fchar);
    if r.as_bytes().get(open) != Some(&b'(') {
        return None;
    }
    let f = &r[..open];
    let dot = memchr::memrchr(b'.', f.as_bytes())?;
    if dot == 0 || dot + 1 == f.len() {
        return None;
    }
    let body = &r[open + 1..];
    let close = memchr::memchr(b')', body.as_bytes())?;
    let loc = &body[..close];
    let (file, l) = match memchr::memchr(b':', loc.as_bytes()) {
        Some(c) if shared::all_digits(&loc[c + 1..]) => (&loc[..c], Some(&loc[c + 1..])),
        Some(_) => return None,
        None => (loc, None),
    };
    if !is_file(file) || !is_suffix(&body[close + 1..]) {
        return None;
    }
    Some(FrameFields { f, loc, file, l })
}

/// `[\w$.-]+\.(?:java|kt|…)|Native Method|Unknown Source|SourceFile|[\w$-]+`, all of `file`.
fn is_file(file: &str) -> bool {
    const EXT: [&str; 8] = ["java", "kt", "kts", "scala", "groovy", "clj", "aj", "jsp"];
    if matches!(file, "Native Method" | "Unknown Source" | "SourceFile") {
        return true;
    }
    let fchar = |b: u8| shared::is_word(b) || b == b'$' || b == b'-';
    if !file.is_empty() && file.bytes().all(fchar) {
        return true;
    }
    file.rsplit_once('.').is_some_and(|(stem, ext)| {
        EXT.contains(&ext) && !stem.is_empty() && stem.bytes().all(|b| fchar(b) || b == b'.')
    })
}

/// `(?:\s*~?\[[^\]]*\])?$` after the `)`: nothing, or logback's `~[jar:ver]`.
fn is_suffix(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let s = &s[shared::run_len(s, shared::is_space)..];
    let s = s.strip_prefix('~').unwrap_or(s);
    s.strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .is_some_and(|inner| !inner.contains(']'))
}

fn frame_fields(t: &str) -> Option<FrameFields<'_>> {
    if !t.starts_with("at ") {
        return None;
    }
    if let Some(f) = frame_fast(t) {
        return Some(f);
    }
    let c = FRAME.captures(t)?;
    let loc = c.name("loc")?.as_str();
    Some(FrameFields {
        f: c.name("f")?.as_str(),
        loc,
        file: c.name("file").map_or(loc, |m| m.as_str()),
        l: c.name("l").map(|m| m.as_str()),
    })
}

pub(crate) fn is_frame(t: &str) -> bool {
    t.starts_with("at ") && (frame_fast(t).is_some() || FRAME.is_match(t))
}

pub(crate) fn is_header(t: &str) -> bool {
    header_fast(t).is_some() || may_be_loose(t) && LOOSE_HEADER.is_match(t)
}

pub(crate) fn header(t: &str) -> Option<(&str, &str, Option<&str>)> {
    if let Some(h) = header_fast(t) {
        return Some(h);
    }
    if !may_be_loose(t) {
        return None;
    }
    let c = LOOSE_HEADER.captures(t)?;
    Some((
        c.name("e")?.as_str(),
        c.name("m").map_or("", |m| m.as_str()),
        None,
    ))
}

/// [`HEADER`]'s `(e, m, rel)` by hand, trying its optional prefixes in the regex's order.
fn header_fast(t: &str) -> Option<(&str, &str, Option<&str>)> {
    if let Some(r) = t.strip_prefix("Exception in thread \"")
        && let Some(q) = r.find('"')
        && let Some(rest) = r[q + 1..].strip_prefix(' ')
        && let Some((e, m)) = header_tail(rest)
    {
        return Some((e, m, None));
    }
    for rel in ["Caused by", "Suppressed", "Wrapped by"] {
        if let Some(rest) = t.strip_prefix(rel).and_then(|r| r.strip_prefix(": "))
            && let Some((e, m)) = header_tail(rest)
        {
            return Some((e, m, Some(rel)));
        }
    }
    header_tail(t).map(|(e, m)| (e, m, None))
}

/// `e` then `(?::\s?(?P<m>.*))?$`. `e`: a dotted name, or an undotted `…Exception` /
/// `…Error` / `…Throwable` starting upper-case.
fn header_tail(r: &str) -> Option<(&str, &str)> {
    let n = shared::run_len(r, |b| shared::is_word(b) || b == b'$' || b == b'.');
    let e = &r[..n];
    // Dotted: every segment starts with `[A-Za-z_$]` (so none is empty).
    let eb = e.as_bytes();
    let has_dot = memchr::memchr(b'.', eb).is_some();
    let starts_ident = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b'$';
    let dotted = has_dot
        && eb.first().is_some_and(|&b| starts_ident(b))
        && eb.windows(2).all(|w| w[0] != b'.' || starts_ident(w[1]))
        && eb.last() != Some(&b'.');
    let named = eb.first().is_some_and(u8::is_ascii_uppercase)
        && !has_dot
        && ["Exception", "Error", "Throwable"]
            .iter()
            .any(|k| e.len() > k.len() && e.ends_with(k));
    if !(dotted || named) {
        return None;
    }
    let rest = &r[n..];
    if rest.is_empty() {
        return Some((e, ""));
    }
    let m = rest.strip_prefix(':')?;
    let ws = usize::from(m.bytes().next().is_some_and(shared::is_space));
    Some((e, &m[ws..]))
}

pub(crate) fn in_app(function: &str, loc: &str) -> bool {
    const LIB: [&str; 12] = [
        "java.",
        "javax.",
        "jdk.",
        "kotlin.",
        "kotlinx.",
        "sun.",
        "com.sun.",
        "scala.",
        "jakarta.",
        "android.",
        "dalvik.",
        "com.android.internal.",
    ];
    !(LIB.iter().any(|p| function.starts_with(p)) || loc == "Native Method")
}

pub(crate) fn parse(doc: &Doc, header_line: Option<usize>, first: usize) -> Option<Parsed> {
    let start = doc.line(header_line.unwrap_or(first));
    let mut all: Vec<(Trace, usize)> = Vec::new();
    let mut t0 = shared::new_trace(super::RUNTIME, "", "", start.span(), start.span(), doc.mode);
    if let Some(h) = header_line
        && let Some((e, m, _)) = header(doc.line(h).t())
    {
        t0.exception = shared::unescape(e, doc.mode);
        t0.message = shared::unescape(m.trim(), doc.mode);
    }
    let h_indent = header_line.map_or(0, |h| doc.line(h).indent());
    all.push((t0, h_indent));
    let mut cur = 0usize;
    let mut i = first;
    let mut next = first;
    let mut blanks = 0;
    while i < doc.len() {
        let l = doc.line(i);
        if l.is_blank() {
            blanks += 1;
            if blanks > 1 {
                break;
            }
            i += 1;
            continue;
        }
        blanks = 0;
        let t = l.t();
        if let Some(c) = frame_fields(t) {
            let fr = shared::frame(
                doc,
                c.file,
                l.range_of(c.loc),
                c.l.and_then(shared::parse_u32),
                None,
                Some(c.f),
                l.span(),
                in_app(c.f, c.loc),
            );
            all[cur].0.span.end = fr.span.end;
            all[cur].0.frames.push(fr);
            for (tr, _) in all.iter_mut().take(cur) {
                tr.span.end = tr.span.end.max(l.off + l.s.len());
            }
            i += 1;
            next = i;
            continue;
        }
        if is_more(t) {
            i += 1;
            next = i;
            continue;
        }
        if let Some((e, m, Some(rel))) = header(t) {
            let indent = l.indent();
            let tr = shared::new_trace(super::RUNTIME, e, m, l.span(), l.span(), doc.mode);
            let idx = all.len();
            if rel == "Caused by" {
                let owner = all
                    .iter()
                    .rposition(|(t, ind)| *ind == indent && t.caused_by.is_none())
                    .or_else(|| all.iter().rposition(|(t, _)| t.caused_by.is_none()));
                if let Some(o) = owner {
                    all[o].0.caused_by = Some(idx);
                }
            }
            all.push((tr, indent));
            cur = idx;
            i += 1;
            next = i;
            continue;
        }
        break;
    }
    if all.iter().all(|(t, _)| t.frames.is_empty()) {
        return None;
    }
    let end = doc.line(next.saturating_sub(1)).span().end;
    if let Some((t, _)) = all.first_mut() {
        t.span.end = t.span.end.max(end);
    }
    Some(Parsed {
        traces: all.into_iter().map(|(t, _)| t).collect(),
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_lone_bracket_after_a_frame_is_not_a_jar_suffix_and_does_not_panic() {
        assert!(!is_suffix(" ["));
        assert!(!is_suffix("~["));
        assert!(!is_suffix("[a]]"));
        assert!(is_suffix(" ~[app.jar:1.2]"));
        assert!(is_suffix(""));
        assert_eq!(
            frame_fields("at a.B.c(B.java:1) ["),
            frame_by_regex("at a.B.c(B.java:1) [")
        );
    }

    fn frame_by_regex(t: &str) -> Option<FrameFields<'_>> {
        let c = FRAME.captures(t)?;
        let loc = c.name("loc")?.as_str();
        Some(FrameFields {
            f: c.name("f")?.as_str(),
            loc,
            file: c.name("file").map_or(loc, |m| m.as_str()),
            l: c.name("l").map(|m| m.as_str()),
        })
    }

    fn header_by_regex(t: &str) -> Option<(&str, &str, Option<&str>)> {
        let c = HEADER.captures(t)?;
        Some((
            c.name("e")?.as_str(),
            c.name("m").map_or("", |m| m.as_str()),
            c.name("rel").map(|m| m.as_str()),
        ))
    }

    #[test]
    fn frame_fields_exact() {
        let f = frame_fast("at com.acme.Cart.add(Cart.java:12)");
        assert_eq!(
            f,
            Some(FrameFields {
                f: "com.acme.Cart.add",
                loc: "Cart.java:12",
                file: "Cart.java",
                l: Some("12"),
            })
        );
        let f = frame_fast("at a.B.<init>(Native Method) ~[app.jar:1.0]");
        assert_eq!(
            f,
            Some(FrameFields {
                f: "a.B.<init>",
                loc: "Native Method",
                file: "Native Method",
                l: None,
            })
        );
        assert_eq!(frame_fast("at a.B.c(B.bar:1)"), None);
        assert_eq!(frame_fast("at a.B.c(B.java:x)"), None);
        assert_eq!(frame_fast("at B(B.java:1)"), None);
        assert_eq!(frame_fast("at a.B.c(B.java:1) trailing"), None);
        // Module and class-loader prefixes go to the regex.
        assert_eq!(
            frame_fast("at java.base/java.lang.Thread.run(Thread.java:833)"),
            None
        );
        assert_eq!(
            frame_fields("at java.base/java.lang.Thread.run(Thread.java:833)").map(|c| c.f),
            Some("java.lang.Thread.run")
        );
    }

    #[test]
    fn header_fields_exact() {
        assert_eq!(
            header_fast("Exception in thread \"main\" java.lang.IllegalStateException: boom"),
            Some(("java.lang.IllegalStateException", "boom", None))
        );
        assert_eq!(
            header_fast("Caused by: java.io.IOException"),
            Some(("java.io.IOException", "", Some("Caused by")))
        );
        assert_eq!(header_fast("MyError: x"), Some(("MyError", "x", None)));
        assert_eq!(header_fast("Error: x"), None);
        assert_eq!(header_fast("a..b: x"), None);
    }

    const TOKENS: &[&str] = &[
        "at ",
        "com.acme.",
        "Cart",
        "(",
        "Cart.java",
        ".kt",
        ".kts",
        ":12",
        "Native Method",
        "Unknown Source",
        "SourceFile",
        "<init>",
        "app//",
        "java.base/",
        "@1.2/",
        " ~[x.jar:1]",
        "Exception in thread \"main\" ",
        "Caused by: ",
        "Suppressed: ",
        "Wrapped by: ",
        "java.lang.",
        "IllegalStateException",
        "Error",
        "Throwable",
        ": ",
    ];
    const LINES: &[&str] = &[
        "at com.acme.Cart.add(Cart.java:12)",
        "at com.acme.Main.main(Main.java:5) ~[app.jar:1.0]",
        "at a.B.<init>(Native Method)",
        "at a.B$1.run(Unknown Source)",
        "at a.B.c(B.kts)",
        "at app//com.acme.X.y(X.kt:3)",
        "Exception in thread \"main\" java.lang.IllegalStateException: boom",
        "Caused by: java.io.IOException: nope",
        "Suppressed: MyError",
        "java.lang.RuntimeException",
        "... 3 more",
        "... 12 common frames omitted",
        "12:00 [main] ERROR x - java.net.ConnectException: refused",
    ];

    proptest! {
        #![proptest_config(shared::arbitrary::config())]
        #[test]
        fn frame_parser_matches_the_regex(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(frame_fields(&s), frame_by_regex(&s));
            if let Some(f) = frame_fast(&s) {
                prop_assert_eq!(Some(f), frame_by_regex(&s));
            }
        }

        #[test]
        fn prechecks_match_the_regexes(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(is_more(&s), MORE.is_match(&s));
            if LOOSE_HEADER.is_match(&s) {
                prop_assert!(may_be_loose(&s));
            }
        }

        #[test]
        fn header_parser_matches_the_regex(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(header_fast(&s), header_by_regex(&s));
        }
    }
}
