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
        r"^(?P<p><internal:[^>]*>|internal:[\w./-]+|(?:[A-Za-z]:)?[^:\s'`][^:]*):(?P<l>\d+):in [`'](?P<f>[^'`]*)': (?P<m>.*?)\s*\((?P<e>[A-Z][\w:]*)\)$",
    )
});
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:(?P<n>\d+): )?(?P<from>from )?(?P<p><internal:[^>]*>|internal:[\w./-]+|(?:[A-Za-z]:)?[^:\s'`][^:]*):(?P<l>\d+)(?::in [`'](?P<f>[^'`]*)')?$",
    )
});
/// Ruby 1.8/1.9 header without a method label: `bin/rails:3: msg (NoMethodError)`, possibly
/// after a prompt or prose (`…$ ./x.rb:3: …`).
static HEADER_NO_IN: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"(?:^|\s)(?P<p>(?:[A-Za-z]:)?[^\s:'`(][^\s:]*):(?P<l>\d+): (?P<m>.*?)\s*\((?P<e>[A-Z]\w*(?:::[A-Z]\w*)*)\)$",
    )
});
/// `Type: message`, `Type:` or a bare `Type` on its own line (rake, irb, pry, minitest, RSpec).
static TYPED: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^(?P<e>[A-Z]\w*(?:::[A-Z]\w*)*)(?P<c>:(?: (?P<m>.*))?)?$"));
/// Rails' error page as text: `NoMethodError in Articles#show`.
static PAGE: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^(?P<e>[A-Z]\w*(?:::[A-Z]\w*)*) in [A-Z][\w:/]*#\w+[?!]?$"));
/// exception_notification's mail: `A NameError occurred in location#show:`.
static OCCURRED: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^An? (?P<e>[A-Z]\w*(?:::[A-Z]\w*)*) occurred in \S+:$"));
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

/// A class name that reads as an exception (`NoMethodError`, `Psych::SyntaxError`).
fn exception_like(e: &str) -> bool {
    const ENDS: [&str; 8] = [
        "Error",
        "Exception",
        "Interrupt",
        "Exit",
        "NotFound",
        "Invalid",
        "Timeout",
        "StopIteration",
    ];
    e.contains("::") || ENDS.iter().any(|x| e.ends_with(x))
}

/// The no-label header's captures (`file:line: msg (Type)`).
fn no_in_captures(t: &str) -> Option<regex::Captures<'_>> {
    if !t.ends_with(')') || !t.contains(": ") {
        return None;
    }
    let c = HEADER_NO_IN.captures(t)?;
    exception_like(c.name("e")?.as_str()).then_some(c)
}

/// A header without a location, the message first: `cannot load such file -- x (LoadError)`,
/// `ruby: No such file or directory -- x.rb (LoadError)`; its frames are the `from` lines.
static MSG_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?:[\w./-]+: )?(?P<m>[^\s(].*?) \((?P<e>[A-Z]\w*(?:::[A-Z]\w*)*)\)$")
});

fn msg_first(t: &str) -> Option<regex::Captures<'_>> {
    if !t.ends_with(')') {
        return None;
    }
    let c = MSG_FIRST.captures(t)?;
    exception_like(c.name("e")?.as_str()).then_some(c)
}

/// How the lines between a block header and its frames are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MsgMode {
    /// `Type: msg`: only `Did you mean?` suggestions continue the message.
    Suggestions,
    /// `Type:`, bare `Type`, `Failure/Error:`, `A X occurred in`: the lines are the message.
    Lines,
    /// Homebrew's `Error: msg`: the lines (`Please report this bug:`, a URL) are not.
    Skip,
    /// Rails' error page (`NoMethodError in Users#show`): the first line is the message (after
    /// `Showing … raised:`); the source excerpt and `Rails.root:` after it are not.
    Page,
}

/// A header printed on its own line above bare frames: `(exception, message, mode)`.
fn block_header(t: &str) -> Option<(&str, &str, MsgMode)> {
    if t.starts_with("Failure/Error:") {
        return Some(("", "", MsgMode::Lines));
    }
    if let Some(c) = PAGE.captures(t) {
        return Some((c.name("e")?.as_str(), "", MsgMode::Page));
    }
    if let Some(c) = OCCURRED.captures(t) {
        return Some((c.name("e")?.as_str(), "", MsgMode::Lines));
    }
    let c = TYPED.captures(t)?;
    let e = c.name("e")?.as_str();
    let m = c.name("m").map_or("", |m| m.as_str().trim());
    if e == "Error" && c.name("c").is_some() && !m.is_empty() {
        return Some(("", m, MsgMode::Skip));
    }
    if !exception_like(e) {
        return None;
    }
    if m.is_empty() {
        Some((e, "", MsgMode::Lines))
    } else {
        Some((e, m, MsgMode::Suggestions))
    }
}

/// Any frame form: `from …`, numbered, or a bare `path:line:in 'm'`.
fn any_frame(doc: &Doc, l: &Line) -> Option<Frame> {
    frame_line(doc, l, true)
}

/// Inside a run of bare frames, a frame printed without a method (`/x/build.rb:12`, Ruby 1.8):
/// a path with a `/` or `.rb`, then the line.
fn bare_location(doc: &Doc, l: &Line) -> Option<Frame> {
    let t = l.t();
    let c = FRAME.captures(t)?;
    if c.name("from").is_some() || c.name("f").is_some() || c.name("n").is_some() {
        return None;
    }
    let p = c.name("p")?.as_str();
    if p.contains(' ') || !(p.contains('/') || p.ends_with(".rb")) {
        return None;
    }
    Some(frame_from(doc, l, p, c.name("l")?.as_str(), None))
}

/// Bugsnag's issue text: `**NoMethodError** in **sidekiq#default**`, the message on the next
/// line, then `path:line - method` frames under `## Stacktrace`.
static BUGSNAG: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^\*\*(?P<e>[A-Z]\w*(?:::[A-Z]\w*)*)\*\* in \*\*(?P<w>.+)\*\*$"));
static DASH_FRAME: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^(?P<p>\S+?):(?P<l>\d+) - (?P<f>\S.*)$"));

fn parse_bugsnag(doc: &Doc, h: usize) -> Option<Parsed> {
    let l = rline(doc, h);
    let c = BUGSNAG.captures(l.t())?;
    let e = c.name("e")?.as_str();
    let m = rline(doc, h + 1).t();
    let mut trace = shared::new_trace(super::RUNTIME, e, m, l.span(), l.span(), doc.mode);
    let mut i = h + 2;
    let limit = (h + 10).min(doc.len());
    while i < limit && rline(doc, i).t() != "Stacktrace" {
        i += 1;
    }
    if i >= limit {
        return None;
    }
    i += 1;
    while i < doc.len() {
        let fl = rline(doc, i);
        if fl.is_blank() && trace.frames.is_empty() {
            i += 1;
            continue;
        }
        let Some(fc) = DASH_FRAME.captures(fl.t()) else {
            break;
        };
        let (Some(p), Some(n), Some(f)) = (fc.name("p"), fc.name("l"), fc.name("f")) else {
            break;
        };
        if trace.frames.is_empty() && p.as_str().contains(".php") {
            return None;
        }
        trace.frames.push(frame_from(
            doc,
            &fl,
            p.as_str(),
            n.as_str(),
            Some(f.as_str()),
        ));
        trace.span.end = fl.span().end;
        i += 1;
    }
    if trace.frames.is_empty() {
        return None;
    }
    Some(Parsed {
        traces: vec![trace],
        next: i,
    })
}

/// `t` (line `i`) with the backquote that noise stripping took for a glued fence, when it closes
/// an RSpec-style `` `name` `` quote (`respond to `false?``): one backquote stripped, an odd
/// number left, and no Ruby-style closing `'` after the last.
fn with_closing_tick<'a>(doc: &Doc<'a>, i: usize, t: &'a str) -> &'a str {
    let Some(raw) = doc.lines.get(i) else {
        return t;
    };
    let start = shared::offset_in(doc.text, t);
    let end = start + t.len();
    let tail = doc.text.get(end..raw.end).unwrap_or("");
    let ticks = t.bytes().filter(|&b| b == b'`').count();
    let after_last = t.rfind('`').map_or("", |k| &t[k..]);
    if tail.trim_end() == "`" && ticks % 2 == 1 && !after_last.contains('\'') {
        doc.text.get(start..end + 1).unwrap_or(t)
    } else {
        t
    }
}

/// A block header at `li` and the frames under it.
fn parse_block(doc: &Doc, li: usize) -> Option<Parsed> {
    let l = rline(doc, li);
    let t = l.t();
    let (e, m, mode) = block_header(t)?;
    let mut trace = shared::new_trace(super::RUNTIME, e, m, l.span(), l.span(), doc.mode);
    let mut msg: Vec<&str> = if m.is_empty() { Vec::new() } else { vec![m] };
    let mut i = li + 1;
    let mut blanks = 0;
    let mut extra = 0;
    let mut suggesting = false;
    // The message lines, up to the first frame.
    while i < doc.len() {
        let l = rline(doc, i);
        if l.is_blank() {
            blanks += 1;
            if blanks > MAX_BLANKS {
                return None;
            }
            i += 1;
            continue;
        }
        blanks = 0;
        let t = l.t();
        if any_frame(doc, &l).is_some() {
            break;
        }
        extra += 1;
        let max = if mode == MsgMode::Page { 30 } else { 8 };
        if extra > max || is_header(t) || block_header(t).is_some() || RAILS.is_match(t) {
            return None;
        }
        match mode {
            MsgMode::Lines => msg.push(with_closing_tick(doc, i, t)),
            MsgMode::Suggestions => {
                if t.starts_with("Did you mean?") {
                    suggesting = true;
                    msg.push(t);
                } else if suggesting && l.indent() > 0 {
                    msg.push(t);
                } else {
                    return None;
                }
            }
            MsgMode::Skip => {}
            MsgMode::Page => {
                if msg.is_empty() && !(t.starts_with("Showing ") && t.ends_with("raised:")) {
                    msg.push(t);
                }
            }
        }
        i += 1;
    }
    let mut next = i;
    while i < doc.len() {
        let l = rline(doc, i);
        let t = l.t();
        if let Some(f) = any_frame(doc, &l).or_else(|| bare_location(doc, &l)) {
            trace.span.end = f.span.end;
            trace.frames.push(f);
            i += 1;
            next = i;
            continue;
        }
        if is_levels(t) {
            i += 1;
            next = i;
            continue;
        }
        break;
    }
    if trace.frames.is_empty() {
        return None;
    }
    trace.message = shared::unescape(msg.join("\n").trim(), doc.mode);
    Some(Parsed {
        traces: vec![trace],
        next,
    })
}

pub(crate) fn in_app(path: &str) -> bool {
    let p = shared::norm_path(path);
    !(p.contains("/gems/")
        || p.starts_with("vendor/")
        || p.contains("/vendor/")
        || p.contains("/lib/ruby/")
        || p.contains("/rubygems/")
        || p.starts_with("<internal:")
        || p.starts_with("internal:")
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

/// Ruby's Logger / Rails prefix, `F, [2024-01-02T03:04:05.678 #12] FATAL -- : `, Rails'
/// request tags (`[3f2a…] `) after it, and Sidekiq's `pid=1 tid=abc class=X WARN: `.
static LOGGER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:[DIWEFAU], \[[^\]]*\] +[A-Z]+ -- [^:]*: ?)?(?:\[[0-9A-Za-z-]{8,}\] ?)+|^[DIWEFAU], \[[^\]]*\] +[A-Z]+ -- [^:]*: ?|^pid=\d+ tid=\w+(?: [a-z]+=\S+)* (?:DEBUG|INFO|WARN|ERROR|FATAL): ",
    )
});

/// Line `i` as [`Doc::line`] gives it, without a [`LOGGER`] prefix.
fn rline<'a>(doc: &Doc<'a>, i: usize) -> Line<'a> {
    let l = doc.line(i);
    let t = l.t();
    let b = t.as_bytes();
    let logger = b.len() > 3 && b[1] == b',' && b[2] == b' ' && b[3] == b'[';
    if !(logger || b.first() == Some(&b'[') || t.starts_with("pid=")) {
        return l;
    }
    match LOGGER.find(t) {
        Some(m) if m.end() > 0 => {
            let rest = &t[m.end()..];
            Line {
                s: rest,
                off: l.range_of(rest).start,
            }
        }
        _ => l,
    }
}

fn is_levels(t: &str) -> bool {
    t.starts_with("... ") && t.contains("levels")
}

pub(crate) fn parse(doc: &Doc, li: usize, floor: usize) -> Option<Parsed> {
    let l = rline(doc, li);
    let t = l.t();
    let rails = if t.ends_with("):") {
        RAILS.captures(t)
    } else {
        None
    };
    if let Some(p) = parse_block(doc, li) {
        return Some(p);
    }
    if t.starts_with("**")
        && let Some(p) = parse_bugsnag(doc, li)
    {
        return Some(p);
    }
    let no_in = if header_captures(t).is_none() {
        no_in_captures(t)
    } else {
        None
    };
    let (mut trace, bare, skip_limit) = if let Some(c) = header_captures(t).or(no_in) {
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
    } else if let Some(c) = msg_first(t)
        && frame_line(doc, &rline(doc, li + 1), false).is_some()
    {
        let tr = shared::new_trace(
            super::RUNTIME,
            c.name("e")?.as_str(),
            c.name("m").map_or("", |m| m.as_str()),
            l.span(),
            l.span(),
            doc.mode,
        );
        (tr, false, 0)
    } else if frame_line(doc, &l, true).is_some() {
        // A frame: its header may sit a few lines above, on a line with no trigger.
        let lo = floor.max(li.saturating_sub(10));
        for j in (lo..li).rev() {
            let jt = rline(doc, j).t();
            if is_header(jt) {
                return None;
            }
            if let Some(p) = parse_block(doc, j)
                && p.next > li
            {
                return Some(p);
            }
        }
        if !t.starts_with("from ") {
            return None;
        }
        // Header-less `from` run; the header may be the line before.
        if li > floor && li > 0 {
            let prev = rline(doc, li - 1);
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
    if !bare {
        continue_message(doc, &mut trace, li + 1);
    }
    run(doc, trace, li + 1, bare, skip_limit, false)
}

/// Ruby prints ` (Type)` after the first line of a multi-line message; the other lines follow
/// the header directly, before the `from` lines. They join the message when a frame follows.
fn continue_message(doc: &Doc, trace: &mut crate::traces::Trace, start: usize) {
    let mut lines = Vec::new();
    let mut i = start;
    while i < doc.len() && lines.len() < 5 {
        let l = rline(doc, i);
        let t = l.t();
        if l.is_blank() || is_levels(t) || frame_line(doc, &l, false).is_some() {
            break;
        }
        lines.push(t);
        i += 1;
    }
    if lines.is_empty() || frame_line(doc, &rline(doc, i), false).is_none() {
        return;
    }
    let mut m = trace.message.clone();
    for t in lines {
        m.push('\n');
        m.push_str(&shared::unescape(t, doc.mode));
    }
    trace.message = m;
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
        let l = rline(doc, i);
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
    let l = rline(doc, li);
    let t = l.t();
    let numbered = |t: &str| {
        t.split_once(": from ")
            .is_some_and(|(n, _)| shared::all_digits(n))
    };
    // Without its `Traceback` line (pasted from the frames on) the run starts at `N: from`.
    let (k, first) = match shared::find_traceback(t) {
        Some(k) => (k, doc.next_nonblank(li + 1, 1)?),
        None if numbered(t) && frame_line(doc, &l, false).is_some() => (0, li),
        None => return None,
    };
    let ft = rline(doc, first).t();
    if !numbered(ft) {
        return None;
    }
    let mut froms = Vec::new();
    let mut i = first;
    while i < doc.len() {
        let fl = rline(doc, i);
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
    let hl = rline(doc, i);
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

    /// The text's lines, one literal each: an escaped `\n` in this file would make the file
    /// itself hold a trace (the precision test scans it).
    fn scan(lines: &[&str]) -> Vec<crate::traces::Trace> {
        crate::traces::scan(&lines.join("\n"))
    }

    #[test]
    fn typed_line_above_bare_frames() {
        let t = scan(&[
            "rake aborted!",
            "ArgumentError: wrong number of arguments",
            "/srv/app/Rakefile:7:in `block in <top>'",
            "/srv/app/Rakefile:2:in `<main>'",
            "Tasks: TOP => x",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "ArgumentError");
        assert_eq!(t[0].message, "wrong number of arguments");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[0].line, Some(7));
    }

    #[test]
    fn did_you_mean_continues_the_message() {
        let t = scan(&[
            "NameError: undefined local variable `fo'",
            "Did you mean?  foo",
            "               for",
            "    lib/a.rb:3:in `run'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(
            t[0].message,
            "undefined local variable `fo'\nDid you mean?  foo\nfor"
        );
        assert_eq!(t[0].frames.len(), 1);
    }

    #[test]
    fn type_alone_then_message_line() {
        let t = scan(&[
            "Psych::SyntaxError",
            "(<unknown>): bad key",
            "/a/psych.rb:4:in `parse'",
            "/a/b.rb:9:in `load'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "Psych::SyntaxError");
        assert_eq!(t[0].message, "(<unknown>): bad key");
        assert_eq!(t[0].frames.len(), 2);
    }

    #[test]
    fn type_without_trigger_found_from_its_frames() {
        let t = scan(&[
            "Bundler::GemNotFound: no gem x",
            "  /a/b.rb:4:in `find'",
            "  /a/c.rb:9:in `load'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "Bundler::GemNotFound");
        assert_eq!(t[0].frames.len(), 2);
    }

    #[test]
    fn homebrew_error_line_has_no_type() {
        let t = scan(&[
            "Error: undefined method `x' for nil:NilClass",
            "Please report this bug:",
            "  https://example.test/bugs",
            "/usr/local/brew/a.rb:8:in `v'",
            "/usr/local/brew/brew.rb:3:in `<main>'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "");
        assert_eq!(t[0].message, "undefined method `x' for nil:NilClass");
        assert_eq!(t[0].frames.len(), 2);
    }

    #[test]
    fn rspec_failure_block() {
        let t = scan(&[
            "  1) Thing works",
            "     Failure/Error: expect(x).to eq 2",
            "",
            "       expected: 2",
            "            got: 1",
            "     # ./spec/thing_spec.rb:5:in `block (2 levels) in <top (required)>'",
            "     # -e:1:in `<main>'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "");
        assert_eq!(t[0].message, "expected: 2\ngot: 1");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[0].path, "./spec/thing_spec.rb");
    }

    #[test]
    fn exception_notification_mail() {
        let t = scan(&[
            "A NoMethodError occurred in users#show:",
            "",
            "  undefined method `x'",
            "  app/models/u.rb:4:in `name'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "NoMethodError");
        assert_eq!(t[0].message, "undefined method `x'");
    }

    #[test]
    fn ruby18_header_without_method_label() {
        let t = scan(&[
            "$ ./bin/x.rb:3: undefined method `y' for main:Object (NoMethodError)",
            "\tfrom ./bin/run:3:in `require'",
            "\tfrom ./bin/run:3",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "NoMethodError");
        assert_eq!(t[0].frames.len(), 3);
        assert_eq!(t[0].frames[0].path, "./bin/x.rb");
        assert_eq!(t[0].frames[0].function, None);
        assert_eq!(t[0].frames[2].line, Some(3));
        let inline = scan(&["I get: /srv/a/init.rb:1: uninitialized constant Foo (NameError)"]);
        assert_eq!(inline.len(), 1);
        assert_eq!(inline[0].frames[0].path, "/srv/a/init.rb");
    }

    #[test]
    fn prose_with_a_type_is_not_a_trace() {
        assert!(
            scan(&[
                "ArgumentError: is raised when the count is wrong.",
                "See the docs."
            ])
            .is_empty()
        );
        assert!(scan(&["see notes.txt:3: a remark (Remark)"]).is_empty());
    }

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

    #[test]
    fn rails_logger_prefix_on_every_line() {
        let t = scan(&[
            "F, [2024-01-02T03:04:05.678901 #12] FATAL -- : [0a1b2c3d-4e5f] ",
            "F, [2024-01-02T03:04:05.678901 #12] FATAL -- : [0a1b2c3d-4e5f] NoMethodError (undefined method `x' for nil):",
            "F, [2024-01-02T03:04:05.678901 #12] FATAL -- : [0a1b2c3d-4e5f]   ",
            "F, [2024-01-02T03:04:05.678901 #12] FATAL -- : [0a1b2c3d-4e5f] app/controllers/a_controller.rb:5:in `show'",
            "F, [2024-01-02T03:04:05.678901 #12] FATAL -- : [0a1b2c3d-4e5f] app/controllers/b.rb:9:in `run'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "NoMethodError");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[0].path, "app/controllers/a_controller.rb");
    }

    #[test]
    fn internal_paths_with_and_without_brackets() {
        let t = scan(&[
            "x.rb:3:in 'Integer#/': divided by 0 (ZeroDivisionError)",
            "\tfrom <internal:kernel>:90:in 'Kernel#tap'",
            "\tfrom internal:array:52:in 'each'",
            "\tfrom x.rb:1:in '<main>'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].frames.len(), 4);
        assert_eq!(t[0].frames[1].path, "<internal:kernel>");
        assert_eq!(t[0].frames[2].path, "internal:array");
        assert!(!t[0].frames[2].in_app);
    }

    #[test]
    fn multi_line_message_after_the_header() {
        let t = scan(&[
            "x.rb:2:in '<main>': first line (RuntimeError)",
            "second line",
            "\tfrom x.rb:1:in 'Kernel#load'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].message, "first line\nsecond line");
        assert_eq!(t[0].frames.len(), 2);
        let alone = scan(&["x.rb:2:in 'f': boom (RuntimeError)", "</code>"]);
        assert_eq!(alone[0].message, "boom");
    }

    #[test]
    fn bugsnag_issue_text() {
        let t = scan(&[
            "**NoMethodError** in **sidekiq#default**",
            "undefined method `x' for nil:NilClass",
            "",
            "## Stacktrace",
            "",
            "app/workers/a.rb:7 - perform",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].language, super::super::RUNTIME);
        assert_eq!(t[0].exception, "NoMethodError");
        assert_eq!(t[0].frames[0].line, Some(7));
    }

    #[test]
    fn sidekiq_log_prefix() {
        let t = scan(&[
            "2024-01-02T03:04:05.678Z pid=7 tid=abc class=HardJob jid=123 WARN: NoMethodError: undefined method `x' for nil",
            "2024-01-02T03:04:05.678Z pid=7 tid=abc class=HardJob jid=123 WARN: /app/jobs/hard_job.rb:4:in `perform'",
            "2024-01-02T03:04:05.678Z pid=7 tid=abc class=HardJob jid=123 WARN: /gems/sidekiq/processor.rb:9:in `execute'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "NoMethodError");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[0].path, "/app/jobs/hard_job.rb");
    }

    #[test]
    fn rails_error_page_text() {
        let t = scan(&[
            "NoMethodError in Articles#show",
            "Showing /app/views/articles/show.html.erb where line #5 raised:",
            "",
            "undefined method `title' for nil",
            "Extracted source (around line #5):",
            "4",
            "5   <%= @article.title %>",
            "",
            "Rails.root: /home/u/blog",
            "",
            "Application Trace | Framework Trace | Full Trace",
            "app/views/articles/show.html.erb:5:in `_app_views_articles_show'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "NoMethodError");
        assert_eq!(t[0].message, "undefined method `title' for nil");
        assert_eq!(t[0].frames.len(), 1);
    }

    #[test]
    fn rspec_message_keeps_its_closing_backquote() {
        let t = scan(&[
            "     Failure/Error: x.should be_true",
            "       expected false to respond to `true?`",
            "     # ./spec/x_spec.rb:3:in `block (2 levels) in <top (required)>'",
        ]);
        assert_eq!(t[0].message, "expected false to respond to `true?`");
    }

    #[test]
    fn message_first_header_without_location() {
        let t = scan(&[
            "cannot load such file -- nokogiri (LoadError)",
            "\tfrom /usr/lib/ruby/2.7.0/rubygems/core_ext/kernel_require.rb:92:in `require'",
            "\tfrom app.rb:1:in `<main>'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "LoadError");
        assert_eq!(t[0].message, "cannot load such file -- nokogiri");
        assert_eq!(t[0].frames.len(), 2);
        assert!(scan(&["It fails (LoadError)", "and nothing else"]).is_empty());
    }

    #[test]
    fn reversed_run_without_its_traceback_line() {
        let t = scan(&[
            "\t2: from x.rb:9:in `<main>'",
            "\t1: from x.rb:5:in `run'",
            "x.rb:2:in `/': divided by 0 (ZeroDivisionError)",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "ZeroDivisionError");
        let f: Vec<_> = t[0].frames.iter().map(|f| f.line).collect();
        assert_eq!(f, vec![Some(2), Some(5), Some(9)]);
    }

    #[test]
    fn bare_frames_without_a_method_inside_a_run() {
        let t = scan(&[
            "Error: undefined method `/' for nil:NilClass",
            "/usr/local/brew/os/x.rb:117:in `bin'",
            "/usr/local/brew/build.rb:12",
            "/usr/local/taps/f.rb:48",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].frames.len(), 3);
        assert_eq!(t[0].frames[2].line, Some(48));
        assert_eq!(t[0].frames[2].function, None);
    }
}
