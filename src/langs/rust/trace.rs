//! Rust: panics, backtraces and error reports.
//!
//! - `thread 'T' panicked at f:l:c:` + message lines (1.73+), the older
//!   `thread 'T' panicked at 'msg', f:l(:c)` (the message may span lines), with or without the
//!   thread prefix (`thread 'T' (id)`, a cut `<main>'`, a bare `panicked at '…'`), anywhere in
//!   a line. The location is frame 0; `RUST_BACKTRACE` frames (`N: sym` + `at file:l:c`, or
//!   `N: 0xADDR - sym`) follow it.
//! - A Sentry rendering (`panic: msg` + `  ?, in sym` lines) and the
//!   `The application panicked (crashed).` hook (message, then `in f:l`).
//! - anyhow/eyre reports: `Error: msg` (or a CLI's `x: error: msg`, or a bare message) with a
//!   `Caused by:` list, eyre's numbered `0:`/`1:` chain, `Location:` and `Stack backtrace:`
//!   sections. Each message of a chain is its own trace, linked with `caused_by`; the causes
//!   have exception "".
//! - A lone `stack backtrace:` block is a trace with exception "".

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::shared::{self, Doc, Mode, Parsed};
use crate::traces::{Frame, Trace};

static FRAME: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^(?P<n>\d+):\s+(?:0x[0-9a-fA-F]+ - )?(?P<f>\S.*?)$"));
static AT: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^at (?P<p>.+?):(?P<l>\d+)(?::(?P<c>\d+))?$"));
static HASH: LazyLock<Regex> = LazyLock::new(|| shared::re(r"::h[0-9a-f]{16}$"));

pub(crate) fn in_app(path: &str, function: &str) -> bool {
    let p = shared::norm_path(path);
    let lib_path = p.contains("/rustc/")
        || p.contains(".cargo/registry")
        || p.contains(".cargo/git")
        || p.contains("/library/std/")
        || p.contains("/library/core/")
        || p.contains("/library/alloc/")
        || p.contains("/src/libstd/")
        || p.contains("/src/libcore/")
        || p.contains("/.rustup/");
    if lib_path {
        return false;
    }
    if !p.is_empty() {
        return true;
    }
    let f = function.trim_start_matches('<');
    // The runtime's own symbols, the old (pre-1.0) unprefixed std paths, and the Windows
    // loader and CRT frames (`BaseThreadInitThunk` is never where a panic was raised).
    const LIB: [&str; 26] = [
        "std::",
        "core::",
        "alloc::",
        "tokio::",
        "rust_begin_unwind",
        "__rust",
        "_start",
        "__libc_start",
        "start_thread",
        "clone",
        "<unknown>",
        "backtrace::",
        "rt::",
        "sys::",
        "sys_common::",
        "panicking::",
        "begin_panic",
        "rust_try",
        "rust_panic",
        "_rust_",
        "BaseThreadInitThunk",
        "RtlUserThreadStart",
        "__scrt_",
        "invoke_main",
        "mainCRTStartup",
        "__tmainCRTStartup",
    ];
    !(LIB.iter().any(|l| f.starts_with(l.trim_start_matches('<'))) || f.starts_with("unknown>"))
}

/// Line `i` from its noise-stripped start to its raw end: the noise stripper drops trailing
/// backticks, which may belong to a message (`` `(left == right)` ``).
fn text_of<'a>(doc: &Doc<'a>, i: usize) -> &'a str {
    let l = doc.line(i);
    let Some(r) = doc.lines.get(i) else {
        return l.s;
    };
    if doc.mode != Mode::Physical || r.end < l.off + l.s.len() {
        return l.s;
    }
    let mut e = r.end.min(l.off + shared::MAX_LINE);
    while e > l.off && !doc.text.is_char_boundary(e) {
        e -= 1;
    }
    shared::trim_end(doc.text.get(l.off..e).unwrap_or(l.s))
}

/// Absolute range of `sub`, a sub-slice of `outer`, which starts at `off`.
fn abs(off: usize, outer: &str, sub: &str) -> std::ops::Range<usize> {
    let a = off + shared::offset_in(outer, sub);
    a..a + sub.len()
}

/// `path:line(:col)?` at the start of `s`: `(path, line, col, rest)`. The path is an optional
/// drive letter then anything but `:` and `'`.
fn location(s: &str) -> Option<(&str, u32, Option<u32>, &str)> {
    let b = s.as_bytes();
    let mut k = if b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        2
    } else {
        0
    };
    let n = shared::run_len(&s[k..], |c| c != b':' && c != b'\'');
    k += n;
    if k == 0 || n == 0 || b.get(k) != Some(&b':') {
        return None;
    }
    let path = &s[..k];
    if path.starts_with(' ') || path.ends_with(' ') {
        return None;
    }
    let r = &s[k + 1..];
    let ln = shared::run_len(r, |c| c.is_ascii_digit());
    let line = shared::parse_u32(&r[..ln])?;
    let mut rest = &r[ln..];
    let mut col = None;
    if let Some(c) = rest.strip_prefix(':') {
        let cn = shared::run_len(c, |c| c.is_ascii_digit());
        if cn > 0 {
            col = shared::parse_u32(&c[..cn]);
            rest = &c[cn..];
        }
    }
    Some((path, line, col, rest))
}

/// The old form's location: the last `', f:l(:c)` in `s`, `(message part, location, rest)`.
/// `(path, line, column)`.
type Loc<'a> = (&'a str, u32, Option<u32>);

fn old_location(s: &str) -> Option<(&str, Loc<'_>, &str)> {
    for (k, _) in s.rmatch_indices("', ") {
        if let Some((p, l, c, rest)) = location(&s[k + 3..]) {
            return Some((&s[..k], (p, l, c), rest));
        }
    }
    None
}

/// Where `panicked at ` starts in `t`, when what precedes it reads as a panic header:
/// `thread 'T' `, `thread 'T' (id) `, a cut `…' `, or nothing (then the old quoted form).
fn panicked_at(t: &str) -> Option<(usize, usize)> {
    const P: &str = "panicked at ";
    let k = t.find(P)?;
    let before = &t[..k];
    let start = match shared::THREAD_Q.find(before) {
        Some(h) => {
            let name = &before[h + 8..];
            let q = name.find('\'')?;
            let tail = name[q + 1..].trim();
            let id = tail
                .strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .is_some_and(shared::all_digits);
            if !(tail.is_empty() || id) {
                return None;
            }
            h
        }
        None if before.ends_with("' ") => {
            // A header cut before its thread name (`<main>' panicked at`).
            let w = before.trim_end_matches("' ");
            if w.contains(' ') {
                return None;
            }
            0
        }
        None => {
            if !t[k + P.len()..].starts_with('\'') {
                return None;
            }
            k
        }
    };
    Some((start, k + P.len()))
}

/// How many message lines an old-style quoted message may span.
const MAX_MESSAGE: usize = 40;

struct Head {
    start: usize,
    header: std::ops::Range<usize>,
    message: String,
    loc: Frame,
    /// The line after the header and its message.
    next: usize,
    /// `stack backtrace:` glued after the location: the text after it (frame 0, if any).
    glued: Option<(usize, usize)>,
}

/// A `panicked at` header on line `li` and its message.
fn panic_head(doc: &Doc, li: usize) -> Option<Head> {
    let l = doc.line(li);
    let full = text_of(doc, li);
    let (hs, rs) = panicked_at(full)?;
    let rest = &full[rs..];
    let start = l.off + hs;
    let frame = |path: &str, line: u32, col: Option<u32>, off: usize, outer: &str| {
        shared::frame(
            doc,
            path,
            abs(off, outer, path),
            Some(line),
            col,
            None,
            start..l.off + full.len(),
            in_app(path, ""),
        )
    };
    if let Some(q) = rest.strip_prefix('\'') {
        // Old form: `'msg', f:l:c`, the closing `', f:l` maybe on a later line.
        let mut parts: Vec<&str> = Vec::new();
        let mut j = li;
        let mut s = q;
        let mut off = l.off;
        let mut outer = full;
        loop {
            if let Some((m, (p, ln, c), after)) = old_location(s) {
                parts.push(m);
                let loc = frame(p, ln, c, off, outer);
                let after = after.trim_start();
                let glued = after.strip_prefix("stack backtrace:").map(|g| {
                    let g = g.trim_start();
                    (off + shared::offset_in(outer, g), g.len())
                });
                return Some(Head {
                    start,
                    header: start..off + outer.len(),
                    message: parts.join("\n"),
                    loc,
                    next: j + 1,
                    glued,
                });
            }
            parts.push(s);
            j += 1;
            if j >= doc.len() || j > li + MAX_MESSAGE {
                return None;
            }
            let nl = doc.line(j);
            outer = text_of(doc, j);
            off = nl.off;
            s = outer;
            if panicked_at(nl.t()).is_some() {
                return None;
            }
        }
    }
    // 1.73+: `f:l:c:` then the message on the following lines.
    let (p, ln, c, after) = location(rest)?;
    let loc = frame(p, ln, c, l.off, full);
    let after = after.strip_prefix(':').unwrap_or(after).trim();
    let mut message = String::new();
    let mut j = li + 1;
    if !after.is_empty() {
        message.push_str(after);
    } else if c.is_some() {
        // The first line as it comes; then the indented ones (`  left: …`).
        let mut first = true;
        while j < doc.len() && j <= li + MAX_MESSAGE {
            let ml = doc.line(j);
            let mt = ml.t();
            let stop = mt.is_empty()
                || mt.starts_with("note: ")
                || mt.eq_ignore_ascii_case("stack backtrace:")
                || panicked_at(mt).is_some()
                || (!first && ml.indent() == 0);
            if stop {
                break;
            }
            let line = text_of(doc, j);
            if first {
                message.push_str(line.trim_start());
            } else {
                message.push('\n');
                message.push_str(line);
            }
            first = false;
            j += 1;
        }
    }
    Some(Head {
        start,
        header: start..l.off + full.len(),
        message,
        loc,
        next: j,
        glued: None,
    })
}

/// A backtrace frame whose symbol is `sym` (a sub-slice of line `li`'s text), with the `at`
/// lines from `j`: the frame and the next line.
fn frame_with_at(
    doc: &Doc,
    sym: &str,
    mut span: std::ops::Range<usize>,
    mut j: usize,
) -> (Frame, usize) {
    let func = HASH.replace(sym, "");
    let mut path = ("", span.end..span.end, None, None);
    // One or more `at` lines (inlined frames print several); the first is the frame's.
    while j < doc.len() {
        let al = doc.line(j);
        let Some(ac) = AT.captures(al.t()) else {
            // An inlined symbol line (no number) followed by its own `at` line.
            let at = doc.line(j + 1);
            if !FRAME.is_match(al.t()) && AT.is_match(at.t()) && !al.t().is_empty() {
                j += 1;
                continue;
            }
            break;
        };
        if let Some(p) = ac.name("p")
            && path.0.is_empty()
        {
            path = (
                p.as_str(),
                al.range_of(p.as_str()),
                ac.name("l").and_then(|m| shared::parse_u32(m.as_str())),
                ac.name("c").and_then(|m| shared::parse_u32(m.as_str())),
            );
            span.end = al.span().end;
        }
        j += 1;
    }
    let ia = in_app(path.0, &func);
    let f = shared::frame(doc, path.0, path.1, path.2, path.3, Some(&func), span, ia);
    (f, j)
}

/// The numbered frames from line `j`: the frames and the next line.
fn backtrace(doc: &Doc, mut j: usize, frames: &mut Vec<Frame>) -> usize {
    while j < doc.len() {
        let fl = doc.line(j);
        let Some(c) = FRAME.captures(fl.t()) else {
            break;
        };
        let Some(fm) = c.name("f") else { break };
        let (f, nj) = frame_with_at(doc, fm.as_str(), fl.span(), j + 1);
        frames.push(f);
        j = nj;
    }
    j
}

fn is_bt_header(t: &str) -> bool {
    t.trim_start_matches('[')
        .eq_ignore_ascii_case("stack backtrace:")
}

fn parse_panic(doc: &Doc, li: usize) -> Option<Parsed> {
    let h = panic_head(doc, li)?;
    let mut trace = shared::new_trace(
        super::RUNTIME,
        "panic",
        &h.message,
        h.start..h.header.end,
        h.header.clone(),
        doc.mode,
    );
    let mut frames = vec![h.loc];
    let mut next = h.next;
    let mut bt = None;
    if let Some((off, len)) = h.glued {
        let g = doc.text.get(off..off + len).unwrap_or("");
        if let Some(c) = FRAME.captures(g)
            && let Some(fm) = c.name("f")
        {
            let (f, nj) = frame_with_at(doc, fm.as_str(), off..off + len, h.next);
            frames.push(f);
            bt = Some(nj);
        } else {
            bt = Some(h.next);
        }
    } else {
        // `stack backtrace:` within a few lines of notes.
        let mut i = h.next;
        let limit = (i + 12).min(doc.len());
        while i < limit {
            let tt = doc.line(i).t();
            if is_bt_header(tt) {
                bt = Some(i + 1);
                break;
            }
            if tt.starts_with("note: run with") || tt.starts_with("note: Run with") {
                next = i + 1;
                i += 1;
                continue;
            }
            if !tt.starts_with("note: ") {
                break;
            }
            i += 1;
        }
    }
    if let Some(j) = bt {
        let j = backtrace(doc, j, &mut frames);
        next = next.max(j);
        if doc.line(j).t().starts_with("note: Some details") {
            next = j + 1;
        }
    }
    trace.span.end = trace.span.end.max(frames.last().map_or(0, |f| f.span.end));
    trace.frames = frames;
    Some(Parsed {
        traces: vec![trace],
        next,
    })
}

/// Sentry's rendering: `panic: msg`, then `  loc, in sym` lines (`?` when unknown).
fn parse_sentry(doc: &Doc, li: usize) -> Option<Parsed> {
    let l = doc.line(li);
    let msg = l.t().strip_prefix("panic: ")?;
    let mut frames = Vec::new();
    let mut j = li + 1;
    while j < doc.len() {
        let fl = doc.line(j);
        let ft = fl.t();
        let Some((loc, sym)) = ft.split_once(", in ") else {
            break;
        };
        if sym.is_empty() || sym.contains(' ') && !sym.contains('<') {
            break;
        }
        let (path, line, col) = match location(loc) {
            Some((p, l, c, "")) => (p, Some(l), c),
            _ if loc == "?" => ("", None, None),
            _ => break,
        };
        let ps = if path.is_empty() {
            fl.span().start..fl.span().start
        } else {
            fl.range_of(path)
        };
        frames.push(shared::frame(
            doc,
            path,
            ps,
            line,
            col,
            Some(sym),
            fl.span(),
            in_app(path, sym),
        ));
        j += 1;
    }
    if frames.is_empty() {
        return None;
    }
    let end = frames.last().map_or(l.span().end, |f| f.span.end);
    let t = doc.line(j).t();
    if t == "..." {
        j += 1;
    }
    if doc.line(j).t().ends_with("were not displayed)") {
        j += 1;
    }
    let mut tr = shared::new_trace(
        super::RUNTIME,
        "panic",
        msg,
        l.t_off()..end,
        l.span(),
        doc.mode,
    );
    tr.frames = frames;
    Some(Parsed {
        traces: vec![tr],
        next: j,
    })
}

/// A panic hook's report: `The application panicked (crashed).`, the message (indented, or
/// after `Message:`), then `in f:l` (or `Location: f:l`).
fn parse_crashed(doc: &Doc, li: usize) -> Option<Parsed> {
    let l = doc.line(li);
    let t = l.t();
    let k = t.find("The application panicked (crashed).")?;
    let mut message: Vec<&str> = Vec::new();
    let mut j = li + 1;
    let limit = (li + 1 + MAX_MESSAGE).min(doc.len());
    while j < limit {
        let ml = doc.line(j);
        let mt = ml.t();
        let loc = mt
            .strip_prefix("in ")
            .or_else(|| mt.strip_prefix("Location:").map(str::trim_start));
        if let Some(s) = loc
            && let Some((p, ln, c, _)) = location(s)
        {
            let f = shared::frame(
                doc,
                p,
                ml.range_of(p),
                Some(ln),
                c,
                None,
                ml.span(),
                in_app(p, ""),
            );
            let mut tr = shared::new_trace(
                super::RUNTIME,
                "panic",
                &message.join("\n"),
                l.off + k..ml.span().end,
                l.span(),
                doc.mode,
            );
            tr.frames = vec![f];
            return Some(Parsed {
                traces: vec![tr],
                next: j + 1,
            });
        }
        let m = mt.strip_prefix("Message:").map_or(mt, str::trim_start);
        if !m.is_empty() {
            message.push(m);
        }
        j += 1;
    }
    None
}

/// `Error: msg` (anyhow/eyre from `main`, or mid-line after a log's text): `(exception,
/// message, mid-line)`.
fn error_head(t: &str) -> Option<(&str, &str, bool)> {
    if t == "Error:" {
        return Some(("Error", "", false));
    }
    if let Some(m) = t.strip_prefix("Error: ") {
        return Some(("Error", m, false));
    }
    let k = t.find(" Error: ")?;
    Some(("Error", &t[k + 8..], true))
}

/// The head of a `Caused by:` chain printed without `Error: `: a CLI's `name: error: msg`,
/// `error: msg`, or the bare message.
fn bare_head(t: &str) -> (&str, &str) {
    let r = match t.split_once(": error: ") {
        Some((name, r)) if !name.is_empty() && !name.contains(' ') => Some(r),
        _ => t.strip_prefix("error: "),
    };
    match r {
        Some(r) => ("error", r),
        None => ("", t),
    }
}

/// `N: text` (an eyre chain or a numbered `Caused by:` entry).
fn numbered(t: &str) -> Option<&str> {
    let n = shared::run_len(t, |b| b.is_ascii_digit());
    if n == 0 {
        return None;
    }
    t[n..].strip_prefix(": ").map(str::trim)
}

/// Debug output of an error value (`Io(Os { … })`, `Custom { … }`, `"text"`): what `main`
/// returning `Err` prints after `Error: ` when nothing else follows.
fn is_debug_value(m: &str) -> bool {
    if m.len() >= 2 && m.starts_with('"') && m.ends_with('"') {
        return true;
    }
    let b = m.as_bytes();
    let n = shared::run_len(m, shared::is_word);
    n > 0
        && b[0].is_ascii_uppercase()
        && (m[n..].starts_with('(') && m.ends_with(')')
            || m[n..].starts_with(" {") && m.ends_with('}'))
}

/// A chain whose head is line `h`: `Caused by:` entries, eyre's numbered list, then the
/// `Location:` and `Stack backtrace:` sections.
fn parse_chain(doc: &Doc, h: usize, exception: &str, head: &str, mid: bool) -> Option<Parsed> {
    let hl = doc.line(h);
    let mut messages: Vec<String> = Vec::new();
    let mut j = h + 1;
    let mut structured = false;
    let next_nonblank = |j: usize| doc.next_nonblank(j, 1);
    if head.is_empty() {
        // eyre: `Error: ` then `   0: msg`, `   1: cause`.
        while j < doc.len() {
            let Some(m) = numbered(text_of(doc, j).trim_start()) else {
                break;
            };
            messages.push(m.to_string());
            j += 1;
        }
        if messages.is_empty() {
            return None;
        }
        structured = true;
    } else {
        messages.push(head.to_string());
        if let Some(c) = next_nonblank(j) {
            let ct = doc.line(c).t();
            if ct == "Caused by:" {
                let mut k = c + 1;
                let mut any = false;
                while k < doc.len() {
                    let el = doc.line(k);
                    if el.indent() == 0 || el.is_blank() {
                        break;
                    }
                    let et = text_of(doc, k).trim_start();
                    let num = numbered(et);
                    match num {
                        Some(m) => messages.push(m.to_string()),
                        None if !any => messages.push(et.to_string()),
                        None => break,
                    }
                    any = true;
                    k += 1;
                    if num.is_none() {
                        break;
                    }
                }
                if !any {
                    return None;
                }
                structured = true;
                j = k;
            } else if let Some(r) = ct.strip_prefix("Caused by: ") {
                messages.push(r.trim().to_string());
                structured = true;
                j = c + 1;
            }
        }
    }
    // Sections.
    let mut frames: Vec<Frame> = Vec::new();
    let mut end = hl.span().end;
    let mut k = j;
    while let Some(s) = doc.next_nonblank(k, 1) {
        let st = doc.line(s).t();
        if st == "Location:" {
            let ll = doc.line(s + 1);
            match location(ll.t()) {
                Some((p, ln, c, "")) => {
                    frames.push(shared::frame(
                        doc,
                        p,
                        ll.range_of(p),
                        Some(ln),
                        c,
                        None,
                        ll.span(),
                        in_app(p, ""),
                    ));
                    end = ll.span().end;
                    k = s + 2;
                    structured = true;
                    continue;
                }
                _ => break,
            }
        }
        if is_bt_header(st) {
            let nj = backtrace(doc, s + 1, &mut frames);
            if nj > s + 1 {
                end = end.max(frames.last().map_or(end, |f| f.span.end));
                structured = true;
                k = nj;
            }
            break;
        }
        break;
    }
    if !structured {
        // `Error: Io(Os { … })` alone: only a Debug value, at the start of a line, and not a
        // JavaScript error followed by `at` frames.
        let at_next = next_nonblank(h + 1).is_some_and(|n| doc.line(n).t().starts_with("at "));
        if mid || !is_debug_value(head) || at_next {
            return None;
        }
        k = h + 1;
    } else {
        k = k.max(j);
    }
    // Markdown emphasis around the whole chain (`_msg` … `cause_`).
    if messages.len() > 1 {
        let first = messages[0].as_bytes().first().copied();
        if let Some(mark @ (b'_' | b'*')) = first
            && messages
                .last()
                .is_some_and(|m| m.as_bytes().last() == Some(&mark))
        {
            let c = mark as char;
            messages[0] = messages[0].trim_start_matches(c).to_string();
            if let Some(m) = messages.last_mut() {
                *m = m.trim_end_matches(c).to_string();
            }
        }
    }
    let start = if mid {
        hl.off + shared::offset_in(hl.s, head).saturating_sub(7)
    } else {
        hl.t_off()
    };
    let n = messages.len();
    let mut traces: Vec<Trace> = Vec::with_capacity(n);
    for (i, m) in messages.iter().enumerate() {
        let exc = if i == 0 { exception } else { "" };
        let mut tr = shared::new_trace(super::RUNTIME, exc, m, start..end, hl.span(), doc.mode);
        if i + 1 < n {
            tr.caused_by = Some(i + 1);
        }
        traces.push(tr);
    }
    traces[0].frames = frames;
    Some(Parsed { traces, next: k })
}

/// A `Caused by:` line whose head has no `Error: `: the message line above a blank line.
fn parse_caused_by(doc: &Doc, li: usize, floor: usize) -> Option<Parsed> {
    if doc.line(li).t() != "Caused by:" || li < floor + 2 || !doc.line(li - 1).is_blank() {
        return None;
    }
    let h = li - 2;
    let ht = text_of(doc, h).trim_start();
    if ht.is_empty() {
        return None;
    }
    let (exc, msg) = match error_head(ht) {
        Some((e, m, false)) => (e, m),
        _ => bare_head(ht),
    };
    if msg.is_empty() {
        return None;
    }
    parse_chain(doc, h, exc, msg, false)
}

/// A lone `stack backtrace:` block.
fn parse_backtrace_only(doc: &Doc, li: usize) -> Option<Parsed> {
    let l = doc.line(li);
    if !is_bt_header(l.t()) {
        return None;
    }
    let mut frames = Vec::new();
    let next = backtrace(doc, li + 1, &mut frames);
    if frames.is_empty() {
        return None;
    }
    let mut tr = shared::new_trace(super::RUNTIME, "", "", l.span(), l.span(), doc.mode);
    tr.span.end = frames.last().map_or(tr.span.end, |f| f.span.end);
    tr.frames = frames;
    Some(Parsed {
        traces: vec![tr],
        next,
    })
}

pub(crate) fn parse(doc: &Doc, li: usize, floor: usize) -> Option<Parsed> {
    let l = doc.line(li);
    let t = l.t();
    if t.contains("panicked") {
        if let Some(p) = parse_panic(doc, li) {
            return Some(p);
        }
        if let Some(p) = parse_crashed(doc, li) {
            return Some(p);
        }
    }
    if t.starts_with("panic: ") {
        return parse_sentry(doc, li);
    }
    if t.starts_with("Caused by:") {
        return parse_caused_by(doc, li, floor);
    }
    if let Some((exc, msg, mid)) = error_head(text_of(doc, li).trim_start()) {
        return parse_chain(doc, li, exc, msg.trim(), mid);
    }
    parse_backtrace_only(doc, li)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts spell their trigger words as `%P` (panicked), `%S` (panic), `%C` (Caused by),
    /// `%E` (Error), `%B`/`%b` (stack/Stack backtrace), so this file holds no trace itself.
    fn fix(text: &str) -> String {
        text.replace("%P", "pani\x63ked")
            .replace("%S", "pani\x63")
            .replace("%C", "Caused\x20by")
            .replace("%E", "Err\x6fr")
            .replace("%B", "stack back\x74race")
            .replace("%b", "Stack back\x74race")
    }

    fn scan(text: &str) -> Vec<Trace> {
        crate::traces::scan(&fix(text))
    }

    /// `(exception, message, [(path, line)], caused_by)` of each trace.
    type Summary = (String, String, Vec<(String, Option<u32>)>, Option<usize>);

    fn summary(text: &str) -> Vec<Summary> {
        scan(text)
            .iter()
            .map(|t| {
                (
                    t.exception.clone(),
                    t.message.clone(),
                    t.frames.iter().map(|f| (f.path.clone(), f.line)).collect(),
                    t.caused_by,
                )
            })
            .collect()
    }

    fn at(p: &str, l: u32) -> (String, Option<u32>) {
        (p.to_string(), Some(l))
    }

    fn sym() -> (String, Option<u32>) {
        (String::new(), None)
    }

    #[test]
    fn new_form_location_is_frame_zero_then_the_backtrace() {
        let text = "thread 'worker' %P at src/pool.rs:20:7:\n\
                    assertion `left == right` failed\n  left: 1\n right: 2\n\
                    %B:\n   0: rust_begin_unwind\n\
                    \x20            at /rustc/abc/library/std/src/panicking.rs:5:5\n\
                    \x20  1: app::pool::run\n\
                    note: Some details are omitted.\n";
        let s = summary(text);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].0, "panic");
        assert_eq!(
            s[0].1,
            "assertion `left == right` failed\n  left: 1\n right: 2"
        );
        assert_eq!(
            s[0].2,
            vec![
                at("src/pool.rs", 20),
                at("/rustc/abc/library/std/src/panicking.rs", 5),
                sym()
            ]
        );
    }

    #[test]
    fn old_form_message_may_span_lines_and_keep_its_backticks() {
        let text = "    thread 't::a' %P at 'assertion failed: `(left == right)`\n  left: `1`,\n right: `2`', src/lib.rs:9:5\n";
        let s = summary(text);
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].1,
            "assertion failed: `(left == right)`\n  left: `1`,\n right: `2`"
        );
        assert_eq!(s[0].2, vec![at("src/lib.rs", 9)]);
    }

    #[test]
    fn panic_headers_inside_other_text() {
        // Thread id, a cut thread name, a bare kernel-style panic in a link, a glued backtrace.
        for (text, path, line) in [
            (
                "Jan 02 10:00:00 h app[7]: thread 'main' (7) %P at src/a.rs:3:4:\nboom\n",
                "src/a.rs",
                3,
            ),
            (
                "> <main>' %P at 'boom', ../src/libcore\\option.rs:700\n",
                "../src/libcore\\option.rs",
                700,
            ),
            (
                "[%P at 'boom', src/k.rs:47:28](https://example.com/k.rs#L47)\n",
                "src/k.rs",
                47,
            ),
            (
                "`thread 'main' %P at 'boom', C:\\p\\src\\m.rs:2:10`\n",
                "C:\\p\\src\\m.rs",
                2,
            ),
            (
                "  │ ╰── thread '<unnamed>' %P at src/r.rs:250:\n%E: Process completed with exit code 101.\n",
                "src/r.rs",
                250,
            ),
        ] {
            let s = summary(text);
            assert_eq!(s.len(), 1, "{text}");
            assert_eq!(s[0].2[0], at(path, line), "{text}");
        }
        let s = summary(
            "thread 'w' %P at 'boom', src/l.rs:8:14%B:   0: rust_begin_unwind\n   1: app::f\n",
        );
        assert_eq!(s[0].1, "boom");
        assert_eq!(s[0].2, vec![at("src/l.rs", 8), sym(), sym()]);
        // Prose is no header.
        assert!(scan("the worker %P at startup, see src/a.rs:3:4:\n").is_empty());
    }

    #[test]
    fn sentry_and_panic_hook_renderings() {
        let s = summary(
            "%S: index out of bounds\n  ?, in backtrace::trace\n  ?, in app::run\n...\n(3 additional frame(s) were not displayed)\n",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(
            (s[0].0.as_str(), s[0].1.as_str()),
            ("panic", "index out of bounds")
        );
        assert_eq!(s[0].2, vec![sym(), sym()]);
        let s = summary(
            "The application %P (crashed).\n  attempt to add with overflow\nin src/app.rs:77\n",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].1, "attempt to add with overflow");
        assert_eq!(s[0].2, vec![at("src/app.rs", 77)]);
    }

    #[test]
    fn anyhow_and_eyre_chains_are_linked_traces() {
        let s = summary(
            "%E: load failed\n\n%C:\n    0: read failed\n    1: denied (os error 13)\n\n%b:\n   0: app::load\n             at ./src/load.rs:4:9\n",
        );
        let got: Vec<_> = s
            .iter()
            .map(|t| (t.0.as_str(), t.1.as_str(), t.2.len(), t.3))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Error", "load failed", 1, Some(1)),
                ("", "read failed", 0, Some(2)),
                ("", "denied (os error 13)", 0, None),
            ]
        );
        let s = summary(
            "%E: \n   0: open failed\n   1: gone (os error 2)\n\nLocation:\n   src/main.rs:4\n\nBacktrace omitted.\n",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].2, vec![at("src/main.rs", 4)]);
        assert_eq!((s[0].1.as_str(), s[0].3), ("open failed", Some(1)));
        // A CLI's own `name: error:` prefix, or none (markdown italics dropped).
        let s = summary("tool: error: fetch failed\n\n%C:\n    refused (os error 111)\n");
        assert_eq!(
            (s[0].0.as_str(), s[0].1.as_str(), s.len()),
            ("error", "fetch failed", 2)
        );
        let s = summary("_Bad config: a.yml\n\n%C:\n    missing (os error 2)_\n");
        assert_eq!(
            (s[0].0.as_str(), s[0].1.as_str()),
            ("", "Bad config: a.yml")
        );
        assert_eq!(s[1].1, "missing (os error 2)");
        // One-line cause after a log line's `Error:`.
        let s = summary("handler failed. %E: bad input\n%C: trailing input\n[%B:\n   0: app::h\n");
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].1.as_str(), s[0].2.len()), ("bad input", 1));
    }

    #[test]
    fn error_from_main_alone_only_as_a_debug_value() {
        let s = summary("$ tool run\n%E: Io(Os { code: 2, kind: NotFound })\n");
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].0.as_str(), s[0].2.len()), ("Error", 0));
        assert!(scan("%E: Process completed with exit code 101.\n").is_empty());
        assert!(
            scan("%E: Timeout(5)\n    at Object.run (/a/b.js:1:2)\n")
                .iter()
                .all(|t| t.language != super::super::RUNTIME)
        );
    }

    #[test]
    fn loader_and_runtime_symbols_are_not_in_app() {
        for f in [
            "BaseThreadInitThunk",
            "RtlUserThreadStart",
            "__scrt_common_main_seh",
            "rt::lang_start::h0123",
            "std::rt::lang_start",
            "<unknown>",
        ] {
            assert!(!in_app("", f), "{f}");
        }
        assert!(in_app("", "shop::main"));
        // A headerless all-unknown backtrace does not blame the loader.
        let t = scan(
            "%B:\n   0: 0x1 - <unknown>\n   1: 0x2 - BaseThreadInitThunk\n   2: 0x3 - RtlUserThreadStart\n",
        );
        assert_eq!(t.len(), 1);
        assert!(t[0].frames.iter().all(|f| !f.in_app));
    }
}
