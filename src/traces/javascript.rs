//! JavaScript: V8/Node (`at fn (file:l:c)`, `at async fn`, `at new X`, `[as y]`,
//! `<anonymous>`, `file:///`, `webpack://`, `node:internal/`), Firefox/Safari (`fn@url:l:c`)
//! and Node's `[cause]:` blocks.

use std::sync::LazyLock;

use regex::Regex;

use super::shared::{self, Doc, Line, MAX_BLANKS, Parsed};
use super::{Frame, Language, Trace};

static V8_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^at (?:async )?(?:new )?(?P<f>.+?)(?: \[as [^\]]+\])? \((?P<loc>.+)\)$")
});
static V8_ANON: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^at (?:async )?(?P<loc>[^\s()]+:\d+:\d+)$"));
/// `is_match`-only twin of V8_NAMED with the location check folded in (no captures: the DFA
/// answers, the backtracker never runs).
static V8_CHECK: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^at (?:async )?(?:new )?.+? \((?:.+:\d+(?::\d+)?|<anonymous>|native|index \d+|eval at .+|[^ ]*://[^ ]*)\)$",
    )
});
static LOC: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^(?P<p>.+?):(?P<l>\d+)(?::(?P<c>\d+))?$"));
static FIREFOX: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?P<f>[^@\s]*(?: code)?)@(?P<p>[^@\s]*[/.][^@\s]*?):(?P<l>\d+):(?P<c>\d+)$")
});
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:Uncaught (?:\(in promise\) )?|[A-Za-z][\w ]{0,40}:\s+)?(?P<e>[A-Za-z_$][\w$.]*(?:Error|Exception|Rejection)[\w$]*|Error|DOMException)(?: \[[^\]]+\])?(?::\s?(?P<m>.*))?$",
    )
});
static LOOSE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?:Uncaught )?(?P<e>[A-Z][\w$.]*)(?: \[[^\]]+\])?:\s(?P<m>.*)$")
});

fn clean(t: &str) -> &str {
    t.strip_suffix(" {").unwrap_or(t)
}

pub(crate) fn is_frame(t: &str) -> bool {
    if !t.starts_with("at ") {
        return false;
    }
    let t = clean(t);
    V8_ANON.is_match(t) || V8_CHECK.is_match(t)
}

pub(crate) fn is_firefox_frame(t: &str) -> bool {
    t.contains('@') && FIREFOX.is_match(t)
}

pub(crate) fn is_header(t: &str) -> bool {
    HEADER.is_match(t) || LOOSE_HEADER.is_match(t)
}

pub(crate) fn header(t: &str) -> Option<(&str, &str)> {
    let c = HEADER.captures(t).or_else(|| LOOSE_HEADER.captures(t))?;
    let e = c.name("e")?.as_str();
    Some((e, c.name("m").map_or("", |m| m.as_str())))
}

pub(crate) fn in_app(path: &str) -> bool {
    let p = shared::norm_path(path);
    !(p.contains("node_modules")
        || p.starts_with("node:")
        || p.starts_with("internal/")
        || p.contains("(internal/")
        || p == "<anonymous>"
        || p == "native"
        || p.starts_with("index ")
        || p.contains("webpack/bootstrap")
        || p.starts_with("[native code]"))
}

fn frame_of(doc: &Doc, l: &Line) -> Option<Frame> {
    let t = clean(l.t());
    let span = {
        let s = l.t_off();
        s..s + t.len()
    };
    let (func, loc) = if let Some(c) = V8_ANON.captures(t) {
        (None, c.name("loc")?)
    } else if let Some(c) = V8_NAMED.captures(t) {
        (c.name("f").map(|m| m.as_str()), c.name("loc")?)
    } else if let Some(c) = FIREFOX.captures(t) {
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
    let mut locs = loc.as_str();
    if locs.starts_with("eval at ")
        && let Some(k) = locs.rfind(", ")
    {
        locs = &locs[k + 2..];
    }
    let (path, line, col) = match LOC.captures(locs) {
        Some(c) => {
            let p = c.name("p")?.as_str();
            (
                p,
                c.name("l").and_then(|m| shared::parse_u32(m.as_str())),
                c.name("c").and_then(|m| shared::parse_u32(m.as_str())),
            )
        }
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
    let start_line = doc.line(header_line.unwrap_or(first));
    let mut cur = shared::new_trace(
        Language::JavaScript,
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
    let mut i = first;
    let mut blanks = 0;
    let mut next = first;
    while i < doc.len() {
        let l = doc.line(i);
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
        if let Some(rest) = t.strip_prefix("[cause]: ")
            && let Some((e, m)) = header(rest)
        {
            let inner = shared::new_trace(Language::JavaScript, e, m, l.span(), l.span(), doc.mode);
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
    done.push(cur);
    Some(Parsed { traces: done, next })
}
