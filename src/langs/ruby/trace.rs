//! Ruby: `f:l:in 'm': msg (Class)` (3.4 quotes) and the older backquote form, `from …`
//! lines, Rails' `Class (msg):` + bare frame lines, and 2.5–2.7's reversed order under a
//! Python-like `Traceback (most recent call last):` with numbered `N: from …` lines.
//! The header line is the innermost frame.

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::Frame;
use crate::traces::shared::{self, Doc, Line, MAX_BLANKS, Parsed};

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?P<p><internal:[^>]*>|(?:[A-Za-z]:)?[^:\s'`][^:]*):(?P<l>\d+):in [`'](?P<f>[^'`]*)': (?P<m>.*?)\s*\((?P<e>[A-Z][\w:]*)\)$",
    )
});
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:(?P<n>\d+): )?(?P<from>from )?(?P<p><internal:[^>]*>|(?:[A-Za-z]:)?[^:\s'`][^:]*):(?P<l>\d+)(?::in [`'](?P<f>[^'`]*)')?$",
    )
});
static RAILS: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^(?P<e>[A-Z]\w*(?:::[A-Z]\w*)*) \((?P<m>.*)\):$"));

/// Can [`HEADER`] match `t`? It needs `:in ` and a closing `)`: a cheap test that spares
/// most lines the regex.
fn may_be_header(t: &str) -> bool {
    let b = t.as_bytes();
    b.last() == Some(&b')') && memchr::memchr_iter(b':', b).any(|p| b[p..].starts_with(b":in "))
}

fn header_captures(t: &str) -> Option<regex::Captures<'_>> {
    if may_be_header(t) {
        HEADER.captures(t)
    } else {
        None
    }
}

fn is_header(t: &str) -> bool {
    may_be_header(t) && HEADER.is_match(t)
}

pub(crate) fn in_app(path: &str) -> bool {
    let p = shared::norm_path(path);
    !(p.contains("/gems/")
        || p.starts_with("vendor/")
        || p.contains("/vendor/")
        || p.contains("/lib/ruby/")
        || p.contains("/rubygems/")
        || p.starts_with("<internal:")
        || p.contains("/.rbenv/versions/")
        || p.contains("/.rvm/rubies/"))
}

fn frame_from(doc: &Doc, l: &Line, p: &str, line: &str, f: Option<&str>) -> Frame {
    shared::frame(
        doc,
        p,
        l.range_of(p),
        shared::parse_u32(line),
        None,
        f,
        l.span(),
        in_app(p),
    )
}

/// A `from …` / bare frame line; `bare` allows lines without `from` (Rails, header-less).
fn frame_line(doc: &Doc, l: &Line, bare: bool) -> Option<Frame> {
    let t = l.t();
    let c = FRAME.captures(t)?;
    if c.name("from").is_none() && !(bare && c.name("f").is_some()) {
        return None;
    }
    let p = c.name("p")?.as_str();
    Some(frame_from(
        doc,
        l,
        p,
        c.name("l")?.as_str(),
        c.name("f").map(|m| m.as_str()),
    ))
}

fn is_levels(t: &str) -> bool {
    t.starts_with("... ") && t.contains("levels")
}

pub(crate) fn parse(doc: &Doc, li: usize, floor: usize) -> Option<Parsed> {
    let l = doc.line(li);
    let t = l.t();
    let rails = if t.ends_with("):") {
        RAILS.captures(t)
    } else {
        None
    };
    let (mut trace, bare, skip_limit) = if let Some(c) = header_captures(t) {
        let mut tr = shared::new_trace(
            super::RUNTIME,
            c.name("e")?.as_str(),
            c.name("m").map_or("", |m| m.as_str()),
            l.span(),
            l.span(),
            doc.mode,
        );
        let p = c.name("p")?.as_str();
        tr.frames.push(frame_from(
            doc,
            &l,
            p,
            c.name("l")?.as_str(),
            c.name("f").map(|m| m.as_str()),
        ));
        (tr, false, 5)
    } else if let Some(c) = rails {
        let tr = shared::new_trace(
            super::RUNTIME,
            c.name("e")?.as_str(),
            c.name("m").map_or("", |m| m.as_str()),
            l.span(),
            l.span(),
            doc.mode,
        );
        (tr, true, 12)
    } else if t.starts_with("from ") && frame_line(doc, &l, false).is_some() {
        // Header-less `from` run; the header may be the line before.
        if li > floor && li > 0 {
            let prev = doc.line(li - 1);
            if is_header(prev.t()) {
                return None; // handled when the driver reaches the header
            }
        }
        let tr = shared::new_trace(super::RUNTIME, "", "", l.span(), l.span(), doc.mode);
        return run(doc, tr, li, false, 0, true);
    } else {
        return None;
    };
    trace.span = l.span();
    run(doc, trace, li + 1, bare, skip_limit, false)
}

fn run(
    doc: &Doc,
    mut trace: crate::traces::Trace,
    start: usize,
    bare: bool,
    skip_limit: usize,
    headerless: bool,
) -> Option<Parsed> {
    let mut i = start;
    let mut next = start;
    let mut skipped = 0;
    let mut blanks = 0;
    let rails_header_only = bare && trace.frames.is_empty();
    while i < doc.len() {
        let l = doc.line(i);
        if l.is_blank() {
            blanks += 1;
            if blanks > MAX_BLANKS {
                break;
            }
            i += 1;
            continue;
        }
        blanks = 0;
        let t = l.t();
        if let Some(f) = frame_line(doc, &l, bare || !trace.frames.is_empty() && headerless) {
            trace.span.end = f.span.end;
            trace.frames.push(f);
            skipped = 0;
            i += 1;
            next = i;
            continue;
        }
        if is_levels(t) {
            i += 1;
            next = i;
            continue;
        }
        // error_highlight snippets, `Did you mean?`, Rails' code excerpt: only before frames.
        let frames_so_far = trace.frames.len();
        if skipped < skip_limit && frames_so_far <= 1 && !is_header(t) && !RAILS.is_match(t) {
            skipped += 1;
            i += 1;
            continue;
        }
        break;
    }
    if rails_header_only && trace.frames.is_empty() {
        return None;
    }
    if headerless && trace.frames.len() < 2 {
        return None;
    }
    if trace.frames.is_empty() {
        return None;
    }
    let next = if next == start && trace.frames.len() == 1 {
        start
    } else {
        next
    };
    Some(Parsed {
        traces: vec![trace],
        next,
    })
}

/// Ruby 2.5–2.7 on a terminal: `Traceback (most recent call last):`, `N: from …` lines
/// (outermost first), then the header line holding the innermost frame.
pub(crate) fn parse_reversed(doc: &Doc, li: usize) -> Option<Parsed> {
    let l = doc.line(li);
    let t = l.t();
    let k = shared::find_traceback(t)?;
    let first = doc.next_nonblank(li + 1, 1)?;
    let ft = doc.line(first).t();
    if !(ft
        .split_once(": from ")
        .is_some_and(|(n, _)| n.bytes().all(|b| b.is_ascii_digit())))
    {
        return None;
    }
    let mut froms = Vec::new();
    let mut i = first;
    while i < doc.len() {
        let fl = doc.line(i);
        let ft = fl.t();
        if is_levels(ft) {
            i += 1;
            continue;
        }
        match frame_line(doc, &fl, false) {
            Some(f) => froms.push(f),
            None => break,
        }
        i += 1;
    }
    let hl = doc.line(i);
    let hs = l.range_of(&t[k..]).start;
    let mut trace = shared::new_trace(super::RUNTIME, "", "", hs..l.span().end, l.span(), doc.mode);
    let mut next = i;
    if let Some(c) = header_captures(hl.t()) {
        trace.exception = c.name("e").map_or("", |m| m.as_str()).to_string();
        trace.message = c.name("m").map_or("", |m| m.as_str()).trim().to_string();
        trace.header_span = hl.span();
        trace.span.end = hl.span().end;
        if let (Some(p), Some(ln)) = (c.name("p"), c.name("l")) {
            trace.frames.push(frame_from(
                doc,
                &hl,
                p.as_str(),
                ln.as_str(),
                c.name("f").map(|m| m.as_str()),
            ));
        }
        next = i + 1;
    } else if let Some(f) = froms.last() {
        trace.span.end = f.span.end;
    }
    froms.reverse();
    trace.frames.extend(froms);
    Some(Parsed {
        traces: vec![trace],
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        ":in ",
        ":in `",
        ":in '",
        "')",
        "': ",
        " (",
        "RuntimeError)",
        ":12",
        "from ",
    ];
    const LINES: &[&str] = &[
        "app.rb:3:in `f': boom (RuntimeError)",
        "/app/x y.rb:12:in 'Foo#bar': nope (ArgumentError)",
        "<internal:kernel>:1:in 'x': m (E)",
    ];

    proptest! {
        #![proptest_config(shared::arbitrary::config())]
        #[test]
        fn header_precheck_never_hides_a_header(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(is_header(&s), HEADER.is_match(&s));
        }
    }
}
