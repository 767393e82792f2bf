//! JVM (Java, Kotlin, Scala, Groovy): `Exception in thread "main" X: msg`,
//! `at [loader//][module@ver/]pkg.Cls.m(File.java:123)`, `Native Method`, `Unknown Source`,
//! `Caused by:`, `Suppressed:`, `... N more`, `... N common frames omitted`, logback's
//! `~[jar:ver]` suffix; logcat and Ant prefixes, Play Console's `at f (File.java:1)` and
//! `Exception x.Y:`, frames printed without `at`, Kotlin's coroutine markers, and a header
//! printed without frames ([`parse_headed`]). `Native Method`, `Unknown Source` and
//! `<generated>` name no file: path "".

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::Trace;
use crate::traces::shared::{self, Doc, Line, Parsed};

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

/// An Android logcat prefix (`08-29 06:50:05.261 25392 25392 E AndroidRuntime: `,
/// `E/AndroidRuntime( 1234): `, `03-06 05:02:36.541 W/Xamarin.Insights(10413): `).
static LOGCAT: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:\d\d-\d\d\s+\d\d:\d\d:\d\d(?:\.\d+)?\s+)?(?:\d+\s+\d+\s+[VDIWEFA]\s+[^:\s][^:]*|[VDIWEFA]/[^:(\s][^:(]*(?:\(\s*\d+\))?):",
    )
});

/// `t` without a logcat prefix (and the blanks after it).
fn strip_logcat(t: &str) -> &str {
    let b = t.as_bytes();
    let may = b.first().is_some_and(u8::is_ascii_digit)
        || b.len() > 2 && b[1] == b'/' && b"VDIWEFA".contains(&b[0]);
    if !may {
        return t;
    }
    match LOGCAT.find(t) {
        Some(m) => shared::trim_start(&t[m.end()..]),
        None => t,
    }
}

/// `t` without an Ant task prefix (`[junit] `, `[java] `): a lower-case word in brackets.
fn strip_ant(t: &str) -> &str {
    let Some(r) = t.strip_prefix('[') else {
        return t;
    };
    let n = shared::run_len(r, |b| b.is_ascii_lowercase() || b == b'-');
    match r[n..].strip_prefix(']') {
        Some(x) if n > 0 && x.starts_with([' ', '\t']) => shared::trim_start(x),
        _ => t,
    }
}

/// A line's text as the JVM parser reads it: noise and a logcat prefix stripped, `^M` (a
/// carriage return printed as text) dropped from the end.
fn jt<'a>(l: &Line<'a>) -> &'a str {
    let t = strip_logcat(strip_ant(l.t()));
    let t = t.strip_suffix("^M").unwrap_or(t);
    shared::trim_end(t)
}

/// A frame printed without `at ` or with a blank before its `(` (`at a.B.c (B.java:1)`,
/// Play Console and Crashlytics), with a slash-separated class (`kotlinx/coroutines/X.m`) or
/// a file the strict form does not know (`<generated>`). `bare`: the `at ` may be missing, then
/// only a JVM source file or `Native Method`/`Unknown Source` will do.
fn frame_loose(t: &str, bare: bool) -> Option<FrameFields<'_>> {
    let (r, had_at) = match t.strip_prefix("at ") {
        Some(r) => (r, true),
        None if bare => (t, false),
        None => return None,
    };
    let close = memchr::memrchr(b')', r.as_bytes())?;
    if !is_suffix(&r[close + 1..]) {
        return None;
    }
    let open = memchr::memrchr(b'(', &r.as_bytes()[..close])?;
    let f = shared::trim_end(&r[..open]);
    if f.len() + 1 < open {
        return None; // more than one blank before `(`
    }
    let fchar =
        |b: u8| shared::is_word(b) || matches!(b, b'$' | b'.' | b'<' | b'>' | b'-' | b'/' | b'\\');
    if f.is_empty() || !f.bytes().all(fchar) || !f.contains('.') || f.ends_with('.') {
        return None;
    }
    let loc = &r[open + 1..close];
    let (file, l) = match memchr::memrchr(b':', loc.as_bytes()) {
        Some(c) if shared::all_digits(&loc[c + 1..]) => (&loc[..c], Some(&loc[c + 1..])),
        Some(_) => return None,
        None => (loc, None),
    };
    let known = matches!(file, "Native Method" | "Unknown Source");
    let source = file.rsplit_once('.').is_some_and(|(stem, ext)| {
        ["java", "kt", "kts", "scala", "groovy", "clj"].contains(&ext)
            && !stem.is_empty()
            && stem
                .bytes()
                .all(|b| shared::is_word(b) || b == b'$' || b == b'-')
    });
    let ok = known || source || had_at && file == "<generated>";
    ok.then_some(FrameFields { f, loc, file, l })
}

/// A frame in any form this parser takes; `bare`: see [`frame_loose`].
fn any_frame(t: &str, bare: bool) -> Option<FrameFields<'_>> {
    frame_fields(t).or_else(|| frame_loose(t, bare))
}

/// Kotlin's coroutine markers inside a stack: `(Coroutine boundary)`,
/// `(Coroutine creation stacktrace)`, `(Current coroutine stacktrace)`.
fn is_coroutine_marker(t: &str) -> bool {
    t.starts_with('(')
        && t.ends_with(')')
        && (t.contains("oroutine boundary")
            || t.contains("oroutine creation")
            || t.contains("urrent coroutine"))
}

/// A line that may sit between frames without ending the stack: `... 3 more`, a bare `...`
/// where frames were elided, a coroutine marker.
fn is_filler(t: &str) -> bool {
    is_more(t) || t == "..." || is_coroutine_marker(t)
}

/// The header of a trace with no frame at all worth reporting: the whole line is
/// `pkg.Name: message` (or `Caused by: …`) with a lower-case package and a name ending in
/// `Exception`, `Error` or `Throwable` (`java.lang.NullPointerException: null`).
fn is_strict_header(t: &str) -> bool {
    let Some((e, _, _)) = header_fast(t) else {
        return false;
    };
    let Some((pkg, name)) = e.rsplit_once('.') else {
        return false;
    };
    pkg.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && name.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && ["Exception", "Error", "Throwable"]
            .iter()
            .any(|k| name.ends_with(k))
}

/// A header in the Play Console form `Exception java.util.concurrent.CancellationException:`.
fn play_header(t: &str) -> Option<(&str, &str)> {
    let r = t.strip_prefix("Exception ")?;
    let (e, m, rel) = header_fast(r)?;
    (rel.is_none() && e.contains('.')).then_some((e, m))
}

/// `(exception, message, relation)` of a header line as [`parse`] reads it.
fn header_of(t: &str) -> Option<(&str, &str, Option<&str>)> {
    play_header(t)
        .map(|(e, m)| (e, m, None))
        .or_else(|| header(t))
}

/// How many message lines may follow a header before its first frame.
const MESSAGE_LINES: usize = 8;

/// The header-first entry: a JVM header line (behind a log or logcat prefix too) followed by
/// its message lines and frames, or a strict header followed by nothing ([`is_strict_header`]):
/// a trace without frames.
pub(crate) fn parse_headed(doc: &Doc, li: usize, _floor: usize) -> Option<Parsed> {
    let l = doc.line(li);
    let t = jt(&l);
    if t.len() < 3 || t.starts_with("at ") {
        return None;
    }
    let (_, _, _) = header_of(t)?;
    // Only a header of the whole line may carry message lines; one found after a log prefix
    // must be followed by its frames at once.
    let whole = header_fast(t).is_some() || play_header(t).is_some();
    let limit = if whole { MESSAGE_LINES } else { 1 };
    let mut j = li + 1;
    while j < doc.len() && j <= li + limit {
        let n = doc.line(j);
        if n.is_blank() {
            break;
        }
        let u = jt(&n);
        if any_frame(u, true).is_some() || is_coroutine_marker(u) {
            return parse(doc, Some(li), j);
        }
        if u.starts_with("at ") {
            return None; // another runtime's frame
        }
        j += 1;
    }
    if j == li + 1 && is_strict_header(t) {
        let tr = shared::new_trace(
            super::RUNTIME,
            header_of(t)?.0,
            header_of(t)?.1,
            l.range_of(t).start..l.off + l.s.len(),
            l.range_of(t).start..l.off + l.s.len(),
            doc.mode,
        );
        return Some(Parsed {
            traces: vec![tr],
            next: li + 1,
        });
    }
    None
}

pub(crate) fn parse(doc: &Doc, header_line: Option<usize>, first: usize) -> Option<Parsed> {
    let start = doc.line(header_line.unwrap_or(first));
    let mut all: Vec<(Trace, usize)> = Vec::new();
    let mut t0 = shared::new_trace(super::RUNTIME, "", "", start.span(), start.span(), doc.mode);
    if let Some(h) = header_line
        && let Some((e, m, _)) = header_of(jt(&doc.line(h)))
    {
        t0.exception = shared::unescape(e, doc.mode);
        t0.message = shared::unescape(m.trim(), doc.mode);
    }
    let h_indent = header_line.map_or(0, |h| doc.line(h).indent());
    all.push((t0, h_indent));
    // Lines between the header and the first frame: more of the message, or the header of a
    // further exception (`Caused by:`, or one printed without frames before this one).
    if let Some(h) = header_line {
        for k in h + 1..first {
            let l = doc.line(k);
            let t = jt(&l);
            if t.is_empty() || is_coroutine_marker(t) {
                continue;
            }
            if is_strict_header(t) || matches!(header(t), Some((_, _, Some(_)))) {
                push_header(&mut all, &l, t, doc);
                continue;
            }
            let cur = &mut all.last_mut().expect("a trace").0;
            let m = shared::unescape(t, doc.mode);
            if cur.message.is_empty() {
                cur.message = m;
            } else {
                cur.message.push('\n');
                cur.message.push_str(&m);
            }
        }
    }
    let mut cur = all.len() - 1;
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
        let t = jt(&l);
        if let Some(c) = any_frame(t, true) {
            let unknown = matches!(c.file, "Native Method" | "Unknown Source" | "<generated>");
            let path = if unknown { "" } else { c.file };
            let path_span = if unknown {
                let s = l.range_of(c.loc).start;
                s..s
            } else {
                l.range_of(c.loc)
            };
            let span = l.range_of(t).start..l.off + l.s.len();
            let fr = shared::frame(
                doc,
                path,
                path_span,
                c.l.and_then(shared::parse_u32).filter(|&n| n > 0),
                None,
                Some(c.f),
                span,
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
        if is_filler(t) {
            i += 1;
            next = i;
            continue;
        }
        if let Some((_, _, Some(_))) = header(t) {
            cur = push_header(&mut all, &l, t, doc);
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

/// Start the trace of a further header line `t` (of `l`); `Caused by:` links it as the cause
/// of the nearest trace at its indentation (or of the last one without a cause). Its index.
fn push_header(all: &mut Vec<(Trace, usize)>, l: &Line, t: &str, doc: &Doc) -> usize {
    let (e, m, rel) = header(t).unwrap_or((t, "", None));
    let indent = l.indent();
    let span = l.range_of(t).start..l.off + l.s.len();
    let tr = shared::new_trace(super::RUNTIME, e, m, span.clone(), span, doc.mode);
    let idx = all.len();
    if rel == Some("Caused by") {
        let owner = all
            .iter()
            .rposition(|(t, ind)| *ind == indent && t.caused_by.is_none())
            .or_else(|| all.iter().rposition(|(t, _)| t.caused_by.is_none()));
        if let Some(o) = owner {
            all[o].0.caused_by = Some(idx);
        }
    }
    all.push((tr, indent));
    idx
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

    /// The traces in the text of `lines` joined by newlines.
    fn scan(lines: &[&str]) -> Vec<Trace> {
        crate::traces::scan(&lines.join("\n"))
    }

    fn frames(t: &Trace) -> Vec<(String, Option<u32>)> {
        t.frames.iter().map(|f| (f.path.clone(), f.line)).collect()
    }

    #[test]
    fn logcat_prefixes_are_not_part_of_the_trace() {
        let p = "01-02 03:04:05.678  111  111 E AndroidRuntime: ";
        let b = "E/AndroidRuntime( 111): ";
        for pre in [p, b] {
            let h = format!("{pre}java.lang.IllegalStateException: boom");
            let f1 = format!("{pre}\tat com.acme.A.b(A.java:3)");
            let f2 = format!("{pre}\tat com.acme.A.c(A.java:9)");
            let t = scan(&[&h, &f1, &f2]);
            assert_eq!(t.len(), 1, "{pre}");
            assert_eq!(t[0].exception, "java.lang.IllegalStateException");
            assert_eq!(t[0].message, "boom");
            assert_eq!(t[0].frames.len(), 2);
        }
    }

    #[test]
    fn native_and_unknown_locations_name_no_file_and_line_zero_is_none() {
        let t = scan(&[
            "java.lang.RuntimeException: x",
            "  at com.acme.A.b(Native Method:0)",
            "  at com.acme.A.c(Unknown Source)",
            "  at com.acme.A.d(A.java:0)",
        ]);
        assert_eq!(
            frames(&t[0]),
            vec![
                ("".into(), None),
                ("".into(), None),
                ("A.java".into(), None)
            ]
        );
    }

    #[test]
    fn frames_without_at_or_with_a_blank_before_the_parenthesis() {
        let t = scan(&[
            "Exception java.util.concurrent.CancellationException:",
            "  at com.acme.A.b (A.java:3)",
            "  at com.acme.A.c (A.java:4)",
        ]);
        assert_eq!(t[0].exception, "java.util.concurrent.CancellationException");
        assert_eq!(t[0].frames.len(), 2);
        let t = scan(&["java.lang.NullPointerException ", "com.acme.A.b(A.scala:7)"]);
        assert_eq!(t.len(), 1);
        assert_eq!(frames(&t[0]), vec![("A.scala".into(), Some(7))]);
        // A bare frame needs a JVM source file.
        assert!(scan(&["java.lang.NullPointerException ", "com.acme.A.b(x)"]).is_empty());
    }

    #[test]
    fn a_strict_header_alone_is_a_trace_without_frames() {
        let t = scan(&["", "java.lang.NullPointerException: null", ""]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].message, "null");
        assert!(t[0].frames.is_empty());
        for not in [
            "NullPointerException: null",
            "Foo.bar: text",
            "System.InvalidOperationException: x",
        ] {
            assert!(scan(&["", not, ""]).is_empty(), "{not}");
        }
        // Followed by more text it is prose, not a trace.
        assert!(scan(&["java.lang.NullPointerException: null", "was logged"]).is_empty());
    }

    #[test]
    fn headers_before_the_first_frame_are_their_own_traces_and_messages_run_on() {
        let t = scan(&[
            "org.acme.WrapperException: first part of a",
            "second line",
            "java.lang.reflect.InvocationTargetException",
            "\tat com.acme.A.b(A.java:3)",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].message, "first part of a\nsecond line");
        assert!(t[0].frames.is_empty());
        assert_eq!(
            t[1].exception,
            "java.lang.reflect.InvocationTargetException"
        );
        assert_eq!(t[1].frames.len(), 1);
        let t = scan(&[
            "org.acme.WrapperException: outer",
            "Caused by: java.io.IOException: inner",
            "\tat com.acme.A.b(A.java:3)",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].caused_by, Some(1));
        assert_eq!(t[1].exception, "java.io.IOException");
    }

    #[test]
    fn coroutine_markers_elisions_and_slashed_classes_stay_in_the_stack() {
        let t = scan(&[
            "kotlinx.coroutines.TestException",
            "    (Coroutine boundary)",
            "    at kotlinx/coroutines/X.await\\$impl(X.kt:5)",
            "    ...",
            "    at com.acme.A.b(A.kt:3)",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(
            frames(&t[0]),
            vec![("X.kt".into(), Some(5)), ("A.kt".into(), Some(3))]
        );
    }

    #[test]
    fn ant_task_prefixes_and_caret_m_ends_are_dropped() {
        let t = scan(&[
            "    [junit] Throwable occurred: java.lang.IllegalStateException",
            "    [junit]     at com.acme.A.b(A.java:3)^M",
            "    [junit]     at com.acme.A.c(A.java)",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "java.lang.IllegalStateException");
        assert_eq!(
            frames(&t[0]),
            vec![("A.java".into(), Some(3)), ("A.java".into(), None)]
        );
    }
}
