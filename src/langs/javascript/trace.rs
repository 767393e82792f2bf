//! JavaScript: V8/Node (`at fn (file:l:c)`, `at async fn`, `at new X`, `[as y]`,
//! `<anonymous>`, `file:///`, `webpack://`, `node:internal/`), Firefox/Safari (`fn@url:l:c`)
//! and Node's `[cause]:` blocks; Safari's `fn (file, line N)`, DevTools' `fn @ file:line`,
//! console and logger prefixes before a header, errors printed in brackets without a stack.
//! The `file:line` + caret block Node prints above a header is not a frame.

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::shared::{self, Doc, Line, MAX_BLANKS, Parsed};
use crate::traces::{Frame, Trace};

// The grammars below `#[cfg(test)]` are parsed by hand (`v8_named`, `v8_anon`, `split_loc`,
// `header_fast`, `loose_header_fast`); the tests hold the parsers to them.
#[cfg(test)]
static V8_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^at (?:async )?(?:new )?(?P<f>.+?)(?: \[as [^\]]+\])? \((?P<loc>.+)\)$")
});
#[cfg(test)]
static V8_ANON: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^at (?:async )?(?P<loc>[^\s()]+:\d+:\d+)$"));
/// `is_match`-only twin of V8_NAMED with the location check folded in (no captures: the DFA
/// answers, the backtracker never runs).
#[cfg(test)]
static V8_CHECK: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^at (?:async )?(?:new )?.+? \((?:.+:\d+(?::\d+)?|<anonymous>|native|index \d+|eval at .+|[^ ]*://[^ ]*)\)$",
    )
});
#[cfg(test)]
static LOC: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^(?P<p>.+?):(?P<l>\d+)(?::(?P<c>\d+))?$"));
static FIREFOX: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?P<f>[^@\s]*(?: code)?)@(?P<p>[^@\s]*[/.][^@\s]*?):(?P<l>\d+):(?P<c>\d+)$")
});
#[cfg(test)]
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:Uncaught (?:\(in promise\) )?|[A-Za-z][\w ]{0,40}:\s+)?(?P<e>[A-Za-z_$][\w$.]*(?:Error|Exception|Rejection)[\w$]*|Error|DOMException)(?: \[[^\]]+\])?(?::\s?(?P<m>.*))?$",
    )
});
#[cfg(test)]
static LOOSE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?:Uncaught )?(?P<e>[A-Z][\w$.]*)(?: \[[^\]]+\])?:\s(?P<m>.*)$")
});

/// [`V8_ANON`]'s `loc`, hand-parsed: `at [async ]path:l:c`, the path without blanks or
/// parentheses.
fn v8_anon(t: &str) -> Option<&str> {
    let r = t.strip_prefix("at ")?;
    // Without `async ` taken, the blank after it fails the location: one try is enough.
    let loc = r.strip_prefix("async ").unwrap_or(r);
    let ok = loc
        .bytes()
        .all(|b| !shared::is_space(b) && b != b'(' && b != b')')
        && loc.rsplit_once(':').is_some_and(|(a, c)| {
            shared::all_digits(c)
                && a.rsplit_once(':')
                    .is_some_and(|(p, l)| !p.is_empty() && shared::all_digits(l))
        });
    ok.then_some(loc)
}

/// [`V8_NAMED`]'s `(f, loc)`, hand-parsed with the regex's preferences: `async ` and `new `
/// taken when they lead to a match, then the shortest function name followed by
/// ` [as x] (` or ` (` with the location running to the final `)`.
fn v8_named(t: &str) -> Option<(&str, &str)> {
    let r = t.strip_prefix("at ")?;
    if !r.ends_with(')') {
        return None;
    }
    let mut starts = [None; 4];
    if let Some(x) = r.strip_prefix("async ") {
        if x.starts_with("new ") {
            starts[0] = Some(10);
        }
        starts[1] = Some(6);
    }
    if r.starts_with("new ") {
        starts[2] = Some(4);
    }
    starts[3] = Some(0);
    starts
        .into_iter()
        .flatten()
        .find_map(|s| v8_named_from(r, s))
}

fn v8_named_from(r: &str, s: usize) -> Option<(&str, &str)> {
    let b = r.as_bytes();
    let close = r.len() - 1; // the final `)`
    // First `]` at or after the last position asked for (`b.len()`: none), remembered so
    // the scan stays linear.
    let mut bracket: Option<usize> = None;
    let mut k = s + 1;
    while let Some(p) = memchr::memchr(b' ', b.get(k..close)?) {
        k += p;
        let after = &b[k + 1..];
        if after.starts_with(b"(") && k + 2 < close {
            return Some((&r[s..k], &r[k + 2..close]));
        }
        if after.starts_with(b"[as ") {
            let j = k + 5;
            let q = match bracket {
                Some(q) if q >= j => q,
                _ => memchr::memchr(b']', &b[j..]).map_or(b.len(), |q| j + q),
            };
            bracket = Some(q);
            if q > j && b.get(q + 1..q + 3) == Some(b" (") && q + 3 < close {
                return Some((&r[s..k], &r[q + 3..close]));
            }
        }
        k += 1;
    }
    None
}

/// [`LOC`]'s `(p, l, c)`: the shortest path followed by `:l` or `:l:c` at the end.
fn split_loc(s: &str) -> Option<(&str, &str, Option<&str>)> {
    let (a, last) = s.rsplit_once(':')?;
    if !shared::all_digits(last) {
        return None;
    }
    if let Some((p, l)) = a.rsplit_once(':')
        && !p.is_empty()
        && shared::all_digits(l)
    {
        return Some((p, l, Some(last)));
    }
    (!a.is_empty()).then_some((a, last, None))
}

fn clean(t: &str) -> &str {
    let t = t.strip_suffix(" {").unwrap_or(t);
    strip_rendered_tail(t)
}

/// ANSI colour codes whose ESC byte a Windows console rendered as `←` (`←[90m`): `t` without
/// those it starts with.
fn strip_rendered_head(mut t: &str) -> &str {
    while let Some(r) = t.strip_prefix("←[") {
        let n = shared::run_len(r, |b| b.is_ascii_digit() || b == b';');
        match r.as_bytes().get(n) {
            Some(b) if b.is_ascii_alphabetic() => t = &r[n + 1..],
            _ => break,
        }
    }
    t
}

/// `t` without a rendered colour code at its end (`…:17:47←[39m`).
fn strip_rendered_tail(t: &str) -> &str {
    let Some(k) = t.rfind("←[") else {
        return t;
    };
    let r = &t[k + "←[".len()..];
    let n = shared::run_len(r, |b| b.is_ascii_digit() || b == b';');
    if r.len() == n + 1 && r.as_bytes()[n].is_ascii_alphabetic() {
        &t[..k]
    } else {
        t
    }
}

/// The line from after its rendered colour codes (see [`strip_rendered_head`]).
fn unrendered(l: Line<'_>) -> Line<'_> {
    let t = l.t();
    if !t.starts_with("←[") {
        return l;
    }
    let r = strip_rendered_head(t);
    Line {
        s: r,
        off: l.range_of(r).start,
    }
}

pub(crate) fn is_frame(t: &str) -> bool {
    if !t.starts_with("at ") {
        return false;
    }
    let t = clean(t);
    v8_anon(t).is_some() || v8_check(t) || v8_bare(t).is_some() || alias_glued(t).is_some()
}

/// V8 frames with no line to go on: `at <anonymous>`, and a wasm module's hex byte offset
/// `at 185b031e:0x2904` (the location, then `None` for the line).
fn v8_bare(t: &str) -> Option<&str> {
    let r = t.strip_prefix("at ")?;
    let r = r.strip_prefix("async ").unwrap_or(r);
    if r == "<anonymous>" {
        return Some(r);
    }
    // `at app.js:24572`: an anonymous frame without a column.
    if v8_anon(t).is_none()
        && let Some((p, l)) = r.rsplit_once(':')
        && shared::all_digits(l)
        && p.contains('.')
        && !p
            .bytes()
            .any(|b| shared::is_space(b) || b == b'(' || b == b')')
    {
        return Some(r);
    }
    let (m, off) = r.rsplit_once(":0x")?;
    let hex = !off.is_empty() && off.bytes().all(|b| b.is_ascii_hexdigit());
    let module = !m.is_empty()
        && m.bytes()
            .all(|b| shared::is_word(b) || b == b'-' || b == b'.');
    (hex && module).then_some(m)
}

/// Old V8's alias glued to the location: `at Object.afterConnect [as oncomplete](net.js:759:19)`.
/// `(function with its alias, location)`.
fn alias_glued(t: &str) -> Option<(&str, &str)> {
    let r = t.strip_prefix("at ")?.strip_suffix(')')?;
    let k = r.find("](")?;
    let f = &r[..=k];
    let loc = &r[k + 2..];
    (f.contains(" [as ") && split_loc(loc).is_some()).then_some((f, loc))
}

/// Safari's Web Inspector frame: `_getLineFromStack (consolelog.js, line 99)`.
fn safari_frame(t: &str) -> Option<(&str, &str, &str)> {
    let r = t.strip_suffix(')')?;
    let (f, loc) = r.split_once(" (")?;
    let (p, l) = loc.rsplit_once(", line ")?;
    let name_ok = !f.is_empty() && !f.bytes().any(|b| shared::is_space(b) || b == b'(');
    (name_ok && !p.is_empty() && !p.contains(['(', ')']) && shared::all_digits(l))
        .then_some((f, p, l))
}

/// Chrome DevTools' second rendering of a stack: `Tn @ index.99339086.js:32`.
fn devtools_frame(t: &str) -> Option<(&str, &str, &str)> {
    let (f, loc) = t.split_once(" @ ")?;
    let (p, l) = loc.rsplit_once(':')?;
    let ok = !f.is_empty()
        && !f.contains(' ')
        && !p.is_empty()
        && !p.bytes().any(shared::is_space)
        && shared::all_digits(l);
    ok.then_some((f, p, l))
}

/// Rollbar's rendering of a browser frame in Python's shape:
/// `File "https://x.test/app.js", line 12, in [anonymous]` (only for a URL or a `.js` file).
fn rollbar_frame(t: &str) -> Option<(&str, &str, &str)> {
    let r = t.strip_prefix("File \"")?;
    let (p, rest) = r.split_once('"')?;
    let rest = rest.strip_prefix(", line ")?;
    let (l, f) = rest.split_once(", in ")?;
    let js = p.starts_with("https://")
        || p.starts_with("http://")
        || [".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx"]
            .iter()
            .any(|x| p.ends_with(x));
    (js && shared::all_digits(l) && !f.is_empty()).then_some((f, p, l))
}

/// [`V8_CHECK`] by hand: some ` (` after a non-empty name opens a location running to the
/// final `)` that is `path:l[:c]`, `<anonymous>`, `native`, `index N`, `eval at …` or a URL
/// without blanks. The optional `async `/`new ` only narrow the name, so they never matter.
/// Whatever holds at every candidate is computed once: linear in the line.
fn v8_check(t: &str) -> bool {
    let Some(r) = t.strip_prefix("at ") else {
        return false;
    };
    let b = r.as_bytes();
    let Some(close) = b.len().checked_sub(1).filter(|&c| b[c] == b')') else {
        return false;
    };
    let body = &b[..close];
    // `.+:\d+(?::\d+)?` ends with `:digits`, the colon after the location's first byte.
    let digits_from = close - body.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let colon = (digits_from < close && digits_from > 0 && body[digits_from - 1] == b':')
        .then(|| digits_from - 1);
    let last_space = memchr::memrchr(b' ', body);
    let last_url = memchr::memmem::rfind(body, b"://");
    let mut k = 1;
    while let Some(p) = body.get(k..).and_then(|x| memchr::memchr(b' ', x)) {
        k += p;
        if body.get(k + 1) == Some(&b'(') && k + 2 < close {
            let xs = k + 2;
            let x = &body[xs..];
            let ok = colon.is_some_and(|c| c > xs)
                || x == b"<anonymous>"
                || x == b"native"
                || (x.starts_with(b"index ") && xs + 6 >= digits_from && xs + 6 < close)
                || (x.starts_with(b"eval at ") && x.len() > 8)
                || (last_space.is_none_or(|sp| sp < xs) && last_url.is_some_and(|u| u >= xs));
            if ok {
                return true;
            }
        }
        k += 1;
    }
    false
}

/// A frame form that only counts after a header: Firefox/Safari `fn@url:l:c`, Safari's
/// console `fn (file, line N)`, Rollbar's `File "url", line N, in fn`.
pub(crate) fn is_firefox_frame(t: &str) -> bool {
    t.contains('@') && FIREFOX.is_match(t)
        || safari_frame(t).is_some()
        || rollbar_frame(t).is_some()
}

pub(crate) fn is_header(t: &str) -> bool {
    header(t).is_some()
}

pub(crate) fn header(t: &str) -> Option<(&str, &str)> {
    let mut t = t;
    for _ in 0..4 {
        if let Some(h) = header_fast(t).or_else(|| loose_header_fast(t)) {
            return Some(h);
        }
        t = strip_lead(t)?;
    }
    None
}

/// What a console or a logger prints before a header: Node's `(node:7512) `, Safari's
/// `[Error] `, bluebird's `Unhandled rejection `, node-red's `10 Dec 22:55:19 - `, and the
/// source a browser console names (`index.99339086.js:32 `, `185b031e:0x2904 `).
fn strip_lead(t: &str) -> Option<&str> {
    for p in ["[Error] ", "[Warning] ", "[Log] ", "Unhandled rejection "] {
        if let Some(r) = t.strip_prefix(p) {
            return Some(r);
        }
    }
    let (word, rest) = t.split_once(' ')?;
    if let Some(pid) = word
        .strip_prefix("(node:")
        .and_then(|w| w.strip_suffix(')'))
    {
        return shared::all_digits(pid).then_some(rest);
    }
    // `DD Mon HH:MM:SS - `
    if shared::all_digits(word) && word.len() <= 2 {
        let mut it = rest.splitn(3, ' ');
        let (mon, time, r) = (it.next()?, it.next()?, it.next()?);
        let time_ok = time.len() == 8 && time.bytes().all(|b| b.is_ascii_digit() || b == b':');
        return (mon.len() == 3 && time_ok)
            .then(|| r.strip_prefix("- "))
            .flatten();
    }
    let (src, at) = word.rsplit_once(':')?;
    let at_ok = shared::all_digits(at)
        || at
            .strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
    (at_ok && !src.is_empty() && !word.contains("://")).then_some(rest)
}

/// An error printed without a stack, in brackets: Node's `[UnhandledPromiseRejection: …] {`,
/// old Node's `{ [Error: connect ECONNREFUSED]`. `(exception, message)`.
fn bracketed(t: &str) -> Option<(&str, &str)> {
    let r = t.strip_prefix("{ ").unwrap_or(t).strip_prefix('[')?;
    let r = r.strip_suffix(" {").unwrap_or(r).strip_suffix(']')?;
    let (e, m) = header_tail(r)?;
    (!m.is_empty()).then_some((e, m))
}

/// The header-first entry: an error printed without a stack ([`bracketed`]) is a trace
/// without frames.
pub(crate) fn parse_headed(doc: &Doc, li: usize, _floor: usize) -> Option<Parsed> {
    let l = doc.line(li);
    let t = l.t();
    // A header whose frames carry rendered colour codes (`←[90m    at f (x.js:1:2)←[39m`).
    if header(t).is_some()
        && let Some(j) = doc.next_nonblank(li + 1, 0)
        && doc.line(j).t().starts_with("←[")
        && is_frame(unrendered(doc.line(j)).t())
    {
        return parse(doc, Some(li), j);
    }
    // Firefox/Safari frames with no header: a run of at least two.
    let firefox = |t: &str| t.contains('@') && FIREFOX.is_match(t);
    if firefox(t) && firefox(doc.line(li + 1).t()) {
        return parse(doc, None, li);
    }
    if !(t.starts_with('[') || t.starts_with("{ [")) {
        return None;
    }
    let (e, m) = bracketed(t)?;
    let tr = shared::new_trace(super::RUNTIME, e, m, l.span(), l.span(), doc.mode);
    Some(Parsed {
        traces: vec![tr],
        next: li + 1,
    })
}

/// [`HEADER`]'s `(e, m)` by hand, trying its optional prefixes in the regex's order.
fn header_fast(t: &str) -> Option<(&str, &str)> {
    if let Some(r) = t.strip_prefix("Uncaught ") {
        if let Some(x) = r.strip_prefix("(in promise) ").and_then(header_tail) {
            return Some(x);
        }
        if let Some(x) = header_tail(r) {
            return Some(x);
        }
    }
    if let Some(x) = label_prefix(t).and_then(header_tail) {
        return Some(x);
    }
    header_tail(t)
}

/// `[A-Za-z][\w ]{0,40}:\s+`: what follows it.
fn label_prefix(t: &str) -> Option<&str> {
    let b = t.as_bytes();
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let n = 1 + shared::run_len(&t[1..], |c| shared::is_word(c) || c == b' ');
    if n > 41 || b.get(n) != Some(&b':') {
        return None;
    }
    let r = &t[n + 1..];
    let ws = shared::run_len(r, shared::is_space);
    (ws > 0).then(|| &r[ws..])
}

/// Is `e` (a run of `[\w$.]`) one of HEADER's exception names?
fn header_name(e: &str) -> bool {
    let Some(&first) = e.as_bytes().first() else {
        return false;
    };
    if e == "Error" || e == "DOMException" {
        return true;
    }
    // `[A-Za-z_$][\w$.]*(?:Error|Exception|Rejection)[\w$]*`: a keyword after the first
    // byte with no dot after it.
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'$') {
        return false;
    }
    let from = memchr::memrchr(b'.', e.as_bytes()).map_or(1, |d| (d + 1).max(1));
    let tail = &e.as_bytes()[from..];
    memchr::memchr2_iter(b'E', b'R', tail).any(|p| {
        let w = &tail[p..];
        w.starts_with(b"Error") || w.starts_with(b"Exception") || w.starts_with(b"Rejection")
    })
}

/// `e` then `(?: \[[^\]]+\])?(?::\s?(?P<m>.*))?$`, `e` checked by `name`.
fn header_tail(r: &str) -> Option<(&str, &str)> {
    let n = shared::run_len(r, |b| shared::is_word(b) || b == b'$' || b == b'.');
    let e = &r[..n];
    if !header_name(e) {
        return None;
    }
    let rest = skip_tag(&r[n..])?;
    if rest.is_empty() {
        return Some((e, ""));
    }
    let m = rest.strip_prefix(':')?;
    let ws = usize::from(m.bytes().next().is_some_and(shared::is_space));
    Some((e, &m[ws..]))
}

/// An optional ` [tag]` (`(?: \[[^\]]+\])?`) skipped; `None` when it opens but is broken,
/// which no other branch of the patterns using it can match either.
fn skip_tag(rest: &str) -> Option<&str> {
    match rest.strip_prefix(" [") {
        Some(x) => {
            let q = x.find(']').filter(|&q| q > 0)?;
            Some(&x[q + 1..])
        }
        None => Some(rest),
    }
}

/// [`LOOSE_HEADER`]'s `(e, m)` by hand.
fn loose_header_fast(t: &str) -> Option<(&str, &str)> {
    t.strip_prefix("Uncaught ")
        .and_then(loose_tail)
        .or_else(|| loose_tail(t))
}

/// `[A-Z][\w$.]*(?: \[[^\]]+\])?:\s(?P<m>.*)$`
fn loose_tail(r: &str) -> Option<(&str, &str)> {
    if !r.as_bytes().first()?.is_ascii_uppercase() {
        return None;
    }
    let n = shared::run_len(r, |b| shared::is_word(b) || b == b'$' || b == b'.');
    let rest = skip_tag(&r[n..])?.strip_prefix(':')?;
    let m = rest.strip_prefix(|c: char| c.is_ascii() && shared::is_space(c as u8))?;
    Some((&r[..n], m))
}

pub(crate) fn in_app(path: &str) -> bool {
    if shared::NODE_MODULES.is_in(path) {
        return false;
    }
    let p = shared::norm_path(path);
    !(shared::NODE_MODULES.is_in(&p)
        || p.starts_with("node:")
        || p.starts_with("internal/")
        || shared::INTERNAL_PAREN.is_in(&p)
        || p == "<anonymous>"
        || p == "native"
        || p.starts_with("index ")
        || shared::WEBPACK_BOOT.is_in(&p)
        || p.starts_with("[native code]"))
}

fn frame_of(doc: &Doc, l: &Line) -> Option<Frame> {
    let t = clean(l.t());
    let span = {
        let s = l.t_off();
        s..s + t.len()
    };
    let other = safari_frame(t)
        .or_else(|| rollbar_frame(t))
        .or_else(|| devtools_frame(t));
    if let Some((f, p, line)) = other {
        return Some(shared::frame(
            doc,
            p,
            l.range_of(p),
            shared::parse_u32(line),
            None,
            Some(f),
            span,
            in_app(p),
        ));
    }
    if let Some(loc) = v8_bare(t) {
        let (p, line) = match loc.rsplit_once(':') {
            Some((p, n)) if shared::all_digits(n) => (p, shared::parse_u32(n)),
            _ => (loc, None),
        };
        return Some(shared::frame(
            doc,
            p,
            l.range_of(p),
            line,
            None,
            None,
            span,
            in_app(p),
        ));
    }
    let (func, loc) = if let Some(loc) = v8_anon(t) {
        (None, loc)
    } else if let Some((f, loc)) = v8_named(t) {
        (Some(f), loc)
    } else if let Some((f, loc)) = alias_glued(t) {
        (Some(f), loc)
    } else if t.contains('@')
        && let Some(c) = FIREFOX.captures(t)
    {
        let f = c.name("f").map(|m| m.as_str()).filter(|f| !f.is_empty());
        let p = c.name("p")?;
        return Some(shared::frame(
            doc,
            p.as_str(),
            l.range_of(p.as_str()),
            c.name("l").and_then(|m| shared::parse_u32(m.as_str())),
            c.name("c").and_then(|m| shared::parse_u32(m.as_str())),
            f,
            span,
            in_app(p.as_str()),
        ));
    } else {
        return None;
    };
    let mut locs = loc;
    if locs.starts_with("eval at ")
        && let Some(k) = locs.rfind(", ")
    {
        locs = &locs[k + 2..];
    }
    let (path, line, col) = match split_loc(locs) {
        Some((p, l, c)) => (p, shared::parse_u32(l), c.and_then(shared::parse_u32)),
        None => (locs, None, None),
    };
    Some(shared::frame(
        doc,
        path,
        l.range_of(path),
        line,
        col,
        func,
        span,
        in_app(path),
    ))
}

pub(crate) fn parse(doc: &Doc, header_line: Option<usize>, first: usize) -> Option<Parsed> {
    // The header nearest the first frame is the trace's (a log line naming an error may
    // come before it).
    let header_line = header_line.map(|h| {
        (h + 1..first)
            .rev()
            .find(|&k| header(doc.line(k).t()).is_some())
            .unwrap_or(h)
    });
    let start_line = doc.line(header_line.unwrap_or(first));
    let mut cur = shared::new_trace(
        super::RUNTIME,
        "",
        "",
        start_line.span(),
        start_line.span(),
        doc.mode,
    );
    if let Some(h) = header_line {
        let l = doc.line(h);
        if let Some((e, m)) = header(l.t()) {
            cur.exception = shared::unescape(e, doc.mode);
            cur.message = shared::unescape(m.trim(), doc.mode);
        }
    }
    let mut done: Vec<Trace> = Vec::new();
    let mut in_listing = false;
    let mut i = first;
    let mut blanks = 0;
    let mut next = first;
    while i < doc.len() {
        let l = unrendered(doc.line(i));
        if l.is_blank() {
            blanks += 1;
            if blanks > MAX_BLANKS.min(1) {
                break;
            }
            i += 1;
            continue;
        }
        blanks = 0;
        let t = l.t();
        // Firefox's `Current stack` and DevTools' `fn @ file:line` listing after the frames
        // start a further trace without a header.
        let listing = devtools_frame(t).is_some();
        if t == "Current stack" || listing && !in_listing && !cur.frames.is_empty() {
            let fresh = shared::new_trace(super::RUNTIME, "", "", l.span(), l.span(), doc.mode);
            done.push(std::mem::replace(&mut cur, fresh));
            in_listing = listing;
            if !listing {
                i += 1;
                continue;
            }
        }
        if let Some(f) = frame_of(doc, &l) {
            cur.span.end = f.span.end;
            cur.frames.push(f);
            i += 1;
            next = i;
            continue;
        }
        if t.starts_with("... ") && t.ends_with(" ...") {
            i += 1; // `... 4 lines matching cause stack trace ...`
            continue;
        }
        // `[cause]: Error: …` (Node), `cause: Error [ERR_X]: …` inside a property dump
        // (`at f (x.js:1:2) {` then the properties).
        if let Some(rest) = t
            .strip_prefix("[cause]: ")
            .or_else(|| t.strip_prefix("cause: ").filter(|_| !cur.frames.is_empty()))
            && let Some((e, m)) = header(rest)
        {
            let inner = shared::new_trace(super::RUNTIME, e, m, l.span(), l.span(), doc.mode);
            let idx = done.len() + 1;
            cur.caused_by = Some(idx);
            done.push(std::mem::replace(&mut cur, inner));
            i += 1;
            next = i;
            continue;
        }
        break;
    }
    if done.is_empty() && cur.frames.is_empty() {
        return None;
    }
    if !cur.frames.is_empty() || cur.caused_by.is_some() || !cur.exception.is_empty() {
        done.push(cur);
    }
    Some(Parsed { traces: done, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn named_by_regex(t: &str) -> Option<(&str, &str)> {
        let c = V8_NAMED.captures(t)?;
        Some((c.name("f")?.as_str(), c.name("loc")?.as_str()))
    }

    fn anon_by_regex(t: &str) -> Option<&str> {
        Some(V8_ANON.captures(t)?.name("loc")?.as_str())
    }

    fn loc_by_regex(t: &str) -> Option<(&str, &str, Option<&str>)> {
        let c = LOC.captures(t)?;
        Some((
            c.name("p")?.as_str(),
            c.name("l")?.as_str(),
            c.name("c").map(|m| m.as_str()),
        ))
    }

    fn header_by(re: &Regex, t: &str) -> Option<(String, String)> {
        let c = re.captures(t)?;
        Some((
            c.name("e")?.as_str().to_string(),
            c.name("m").map_or("", |m| m.as_str()).to_string(),
        ))
    }

    fn owned(x: Option<(&str, &str)>) -> Option<(String, String)> {
        x.map(|(a, b)| (a.to_string(), b.to_string()))
    }

    #[test]
    fn named_frame_fields() {
        assert_eq!(
            v8_named("at handler (/app/src/routes/cart.js:41:19)"),
            Some(("handler", "/app/src/routes/cart.js:41:19"))
        );
        assert_eq!(
            v8_named("at Layer.handle [as handle_request] (/app/layer.js:95:5)"),
            Some(("Layer.handle", "/app/layer.js:95:5"))
        );
        assert_eq!(
            v8_named("at async Promise.all (index 0)"),
            Some(("Promise.all", "index 0"))
        );
        assert_eq!(
            v8_named("at new Foo (C:\\x\\y.js:1:2)"),
            Some(("Foo", "C:\\x\\y.js:1:2"))
        );
        assert_eq!(
            v8_named("at async new Foo (file:///a/b.mjs:1:2)"),
            Some(("Foo", "file:///a/b.mjs:1:2"))
        );
        assert_eq!(
            v8_named("at Object.<anonymous> (/a/my dir (2)/d.js:1:2)"),
            Some(("Object.<anonymous>", "/a/my dir (2)/d.js:1:2"))
        );
        assert_eq!(v8_named("at f (<anonymous>)"), Some(("f", "<anonymous>")));
        // `async` alone is a function name when nothing follows it.
        assert_eq!(v8_named("at async (x.js:1:2)"), Some(("async", "x.js:1:2")));
        assert_eq!(
            v8_named("at eval (eval at <anonymous> (a.js:1:1), <anonymous>:1:1)"),
            Some(("eval", "eval at <anonymous> (a.js:1:1), <anonymous>:1:1"))
        );
        assert_eq!(v8_named("at f ()"), None);
        assert_eq!(v8_named("at f (a.js:1:2) x"), None);
    }

    #[test]
    fn frame_check_shapes() {
        assert!(v8_check("at f (a.js:1:2)"));
        assert!(v8_check("at f (a.js:1)"));
        assert!(v8_check("at async Promise.all (index 0)"));
        assert!(v8_check("at f (<anonymous>)"));
        assert!(v8_check("at f (native)"));
        assert!(v8_check("at f (eval at g (a.js:1:1))"));
        assert!(v8_check("at f (file:///a/b.mjs)"));
        assert!(v8_check("at Object.<anonymous> (/a/my dir (2)/d.js:1:2)"));
        assert!(!v8_check("at f (:1)"));
        assert!(!v8_check("at f (a b://c)"));
        assert!(!v8_check("at f(a.js:1:2)"));
        assert!(!v8_check("at  (a.js:1:2)x"));
    }

    #[test]
    fn anonymous_frame_and_location_fields() {
        assert_eq!(v8_anon("at /app/a.js:3:9"), Some("/app/a.js:3:9"));
        assert_eq!(
            v8_anon("at async file:///a.mjs:3:9"),
            Some("file:///a.mjs:3:9")
        );
        assert_eq!(v8_anon("at C:\\x\\y.js:1:2"), Some("C:\\x\\y.js:1:2"));
        assert_eq!(v8_anon("at a.js:3"), None);
        assert_eq!(v8_anon("at (a.js):3:9"), None);
        assert_eq!(
            split_loc("C:\\x\\y.js:1:2"),
            Some(("C:\\x\\y.js", "1", Some("2")))
        );
        assert_eq!(
            split_loc("file:///a.js:7"),
            Some(("file:///a.js", "7", None))
        );
        assert_eq!(split_loc(":1:2"), Some((":1", "2", None)));
        assert_eq!(split_loc("<anonymous>"), None);
    }

    #[test]
    fn header_fields() {
        assert_eq!(
            header("TypeError: Cannot read properties of undefined (reading 'id')"),
            Some((
                "TypeError",
                "Cannot read properties of undefined (reading 'id')"
            ))
        );
        assert_eq!(
            header("Uncaught (in promise) Error [ERR_X]: bad"),
            Some(("Error", "bad"))
        );
        assert_eq!(header("node: RangeError: x"), Some(("RangeError", "x")));
        assert_eq!(header("Uncaught Foo: x"), Some(("Foo", "x")));
        assert_eq!(header("a.b.TypeError: x"), Some(("a.b.TypeError", "x")));
        // The keyword must come after the last dot.
        assert_eq!(header("a.Error.b: x"), None);
        assert_eq!(header("Nothing here"), None);
    }

    const TOKENS: &[&str] = &[
        "at ",
        "async ",
        "new ",
        " (",
        " [as ",
        "[as x]",
        "<anonymous>",
        ":1:2",
        ":3",
        "file:///",
        "C:\\",
        "index 0",
        "eval at ",
        "Uncaught ",
        "(in promise) ",
        "Error",
        "TypeError",
        "Exception",
        "Rejection",
        "DOMException",
        "a.b",
        ": ",
        "x y:",
        " {",
    ];

    const LINES: &[&str] = &[
        "at handler (/app/src/routes/cart.js:41:19)",
        "at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
        "at async Promise.all (index 0)",
        "at new Foo (C:\\x\\y.js:1:2)",
        "at async new Foo (file:///a/b.mjs:1:2)",
        "at Object.<anonymous> (/a/my dir (2)/d.js:1:2)",
        "at f (<anonymous>)",
        "at eval (eval at <anonymous> (a.js:1:1), <anonymous>:1:1)",
        "at /app/a.js:3:9",
        "at async file:///a.mjs:3:9",
        "at C:\\x\\y.js:1:2",
        "/app/a.js:3:9",
        "at f (native)",
        "at f (index 12)",
        "at f (https://x.test/a.js)",
        "at f (eval at g (a.js:1:1))",
        "at f (a.js)",
        "TypeError: Cannot read properties of undefined (reading 'id')",
        "Uncaught (in promise) Error [ERR_X]: bad",
        "Uncaught TypeError: x",
        "node: RangeError: x",
        "Uncaught Foo [x]: y",
        "a.b.DOMException",
    ];

    proptest! {
        #![proptest_config(shared::arbitrary::config())]
        #[test]
        fn frame_parsers_match_the_regexes(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(v8_named(&s), named_by_regex(&s));
            prop_assert_eq!(v8_anon(&s), anon_by_regex(&s));
            prop_assert_eq!(v8_check(&s), V8_CHECK.is_match(&s));
            prop_assert_eq!(v8_anon(&s).is_some() || v8_check(&s), is_frame_by_regex(&s));
        }

        #[test]
        fn location_parser_matches_the_regex(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(split_loc(&s), loc_by_regex(&s));
        }

        #[test]
        fn header_parsers_match_the_regexes(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(owned(header_fast(&s)), header_by(&HEADER, &s));
            prop_assert_eq!(owned(loose_header_fast(&s)), header_by(&LOOSE_HEADER, &s));
        }
    }

    fn is_frame_by_regex(t: &str) -> bool {
        V8_ANON.is_match(t) || V8_CHECK.is_match(t)
    }

    fn scan(lines: &[&str]) -> Vec<Trace> {
        crate::traces::scan(&lines.join("\n"))
    }

    #[test]
    fn bracketed_errors_without_a_stack_are_traces() {
        let t = scan(&[
            "{ [Error: connect ECONNREFUSED]",
            "  code: 'ECONNREFUSED' }",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(
            (t[0].exception.as_str(), t[0].message.as_str()),
            ("Error", "connect ECONNREFUSED")
        );
        let t = scan(&["[UnhandledPromiseRejection: reason \"x\".] {", "}"]);
        assert_eq!(t[0].exception, "UnhandledPromiseRejection");
        assert!(scan(&["[PDOException]"]).is_empty());
        assert!(scan(&["see [Error: x](https://x.test)"]).is_empty());
    }

    #[test]
    fn headers_behind_console_and_logger_prefixes() {
        for (h, e, m) in [
            (
                "(node:75) UnhandledPromiseRejectionWarning: Error: boom",
                "Error",
                "boom",
            ),
            (
                "app.js:32 Uncaught TypeError: x is undefined",
                "TypeError",
                "x is undefined",
            ),
            (
                "1f2e:0x2904 Uncaught (in promise) RuntimeError: unreachable",
                "RuntimeError",
                "unreachable",
            ),
            ("10 Dec 22:55:19 - Error: refused", "Error", "refused"),
            (
                "Unhandled rejection AssertionError: nope",
                "AssertionError",
                "nope",
            ),
            ("[Error] TypeError: bad", "TypeError", "bad"),
        ] {
            assert_eq!(header(h), Some((e, m)), "{h}");
        }
    }

    #[test]
    fn the_header_nearest_the_frames_wins() {
        let t = scan(&[
            "INFO: step failed: AssertionError: first",
            "Unhandled rejection AssertionError: second",
            "    at f (/app/a.js:1:2)",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].message, "second");
    }

    #[test]
    fn firefox_current_stack_and_devtools_listing_are_further_traces() {
        let t = scan(&[
            "Extension error: TypeError: x is undefined",
            "[[Exception stack",
            "f/<@moz-extension://a/b.js:5:7",
            "Current stack",
            "g@resource://gre/m.jsm:2:1",
            "h@resource://gre/m.jsm:3:1",
            "]]",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].frames.len(), t[1].frames.len()), (1, 2));
        assert_eq!(t[1].exception, "");
        let t = scan(&[
            "Uncaught Error: boom",
            "    at a (x.js:3:1)",
            "    at b (x.js:4:1)",
            "a @ x.js:3",
            "b @ x.js:4",
            "(anonymous) @ x.js:9",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].frames.len(), t[1].frames.len()), (2, 3));
    }

    #[test]
    fn a_cause_property_in_the_dump_is_the_cause() {
        let t = scan(&[
            "Uncaught TypeError: fetch failed",
            "    at f (node:internal/x:1:2)",
            "    at async REPL3:1:33 {",
            "  cause: Error [ERR_X]: timeout",
            "      at g (node:net:1:2)",
            "  }",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].caused_by, Some(1));
        assert_eq!(t[1].message, "timeout");
    }

    #[test]
    fn frames_with_rendered_colour_codes() {
        let t = scan(&[
            "Error: Cannot find module 'x'",
            "←[90m    at f (node:internal/a:9:15)←[39m",
            "←[90m    at node:internal/main/run_main_module:17:47←[39m {",
            "  code: ←[32m'MODULE_NOT_FOUND'←[39m",
            "}",
        ]);
        assert_eq!(t.len(), 1);
        let got: Vec<_> = t[0]
            .frames
            .iter()
            .map(|f| (f.path.as_str(), f.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("node:internal/a", Some(9)),
                ("node:internal/main/run_main_module", Some(17))
            ]
        );
    }

    #[test]
    fn firefox_frames_without_a_header() {
        let t = scan(&[
            "some text",
            "f@http://x.test/a.js:1:2",
            "g/<@resource://gre/m.jsm:3:4",
            "@http://x.test/a.js:9:1",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "");
        assert_eq!(t[0].frames.len(), 3);
        assert!(scan(&["mail me@http://x.test/a.js:1:2"]).is_empty());
    }

    #[test]
    fn an_anonymous_frame_without_a_column() {
        let t = scan(&[
            "Error: x",
            "at f (app.js:formatted:10)",
            "at app.js:formatted:24",
        ]);
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[1].path, "app.js:formatted");
        assert_eq!(t[0].frames[1].line, Some(24));
    }

    #[test]
    fn glued_alias_safari_wasm_and_anonymous_frames() {
        let t = scan(&[
            "Error: x",
            "    at errno (net.js:7:1)",
            "    at Object.after [as oncomplete](net.js:9:19)",
            "    at <anonymous>",
            "    at 1f2e:0x2904",
        ]);
        let got: Vec<_> = t[0]
            .frames
            .iter()
            .map(|f| (f.path.as_str(), f.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("net.js", Some(7)),
                ("net.js", Some(9)),
                ("<anonymous>", None),
                ("1f2e", None)
            ]
        );
        let t = scan(&[
            "[Error] TypeError: bad",
            "\tlog (a.js, line 9)",
            "\trun (b.js, line 3)",
        ]);
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[1].path, "b.js");
    }
}
