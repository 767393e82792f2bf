//! Rust panics: `thread 'T' panicked at f:l:c:` + message line (1.73+), the older
//! `thread 'T' panicked at 'msg', f:l:c`, and `RUST_BACKTRACE` frames (`N: sym` followed by
//! `at file:l:c`, or `N: 0xADDR - sym`). Without a backtrace the panic location is the frame.

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::Frame;
use crate::traces::shared::{self, Doc, Parsed};

static NEW: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^thread '(?P<t>[^']*)' panicked at (?P<p>(?:[A-Za-z]:)?[^:']+):(?P<l>\d+):(?P<c>\d+):?(?:\s+(?P<m>.*))?$",
    )
});
static OLD: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^thread '(?P<t>[^']*)' panicked at '(?P<m>.*)', (?P<p>(?:[A-Za-z]:)?[^:]+):(?P<l>\d+)(?::(?P<c>\d+))?$",
    )
});
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
    const LIB: [&str; 12] = [
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
    ];
    !(LIB.iter().any(|l| f.starts_with(l.trim_start_matches('<'))) || f.starts_with("unknown>"))
}

pub(crate) fn parse(doc: &Doc, li: usize) -> Option<Parsed> {
    let l = doc.line(li);
    let t = l.t();
    let (header_start, mut trace, loc_frame) = if let Some(k) = shared::THREAD_Q.find(t) {
        let h = &t[k..];
        if !h.contains("' panicked at ") {
            return None;
        }
        let (c, new) = match NEW.captures(h) {
            Some(c) => (c, true),
            None => (OLD.captures(h)?, false),
        };
        let p = c.name("p")?;
        let mut msg = c.name("m").map_or("", |m| m.as_str()).to_string();
        if new && msg.is_empty() {
            let m = doc.line(li + 1);
            let mt = m.t();
            if !mt.starts_with("note: ") && !mt.starts_with("stack backtrace") {
                msg = mt.to_string();
            }
        }
        let hs = l.range_of(h).start;
        let line = c.name("l").and_then(|m| shared::parse_u32(m.as_str()));
        let col = c.name("c").and_then(|m| shared::parse_u32(m.as_str()));
        let fr = shared::frame(
            doc,
            p.as_str(),
            l.range_of(p.as_str()),
            line,
            col,
            None,
            hs..l.span().end,
            in_app(p.as_str(), ""),
        );
        let tr = shared::new_trace(
            super::RUNTIME,
            "panic",
            &msg,
            hs..l.span().end,
            hs..l.span().end,
            doc.mode,
        );
        (li, tr, Some(fr))
    } else if t.eq_ignore_ascii_case("stack backtrace:") {
        let tr = shared::new_trace(super::RUNTIME, "", "", l.span(), l.span(), doc.mode);
        (li, tr, None)
    } else {
        return None;
    };
    // Find `stack backtrace:` within a few lines of message/notes.
    let mut i = header_start + 1;
    let mut bt = None;
    if loc_frame.is_none() {
        bt = Some(header_start + 1);
    } else {
        let limit = (i + 12).min(doc.len());
        while i < limit {
            let tt = doc.line(i).t();
            if tt.eq_ignore_ascii_case("stack backtrace:") {
                bt = Some(i + 1);
                break;
            }
            if tt.starts_with("note: run with") || tt.starts_with("thread '") {
                i += 1;
                break;
            }
            if tt.is_empty() && i > header_start + 2 {
                break;
            }
            i += 1;
        }
    }
    let mut next = i.max(header_start + 1);
    if let Some(mut j) = bt {
        let mut frames: Vec<Frame> = Vec::new();
        while j < doc.len() {
            let fl = doc.line(j);
            let Some(c) = FRAME.captures(fl.t()) else {
                break;
            };
            let Some(fm) = c.name("f") else { break };
            let func = HASH.replace(fm.as_str(), "");
            let mut span = fl.span();
            let mut path = ("", span.end..span.end, None, None);
            j += 1;
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
            frames.push(shared::frame(
                doc,
                path.0,
                path.1,
                path.2,
                path.3,
                Some(&func),
                span,
                ia,
            ));
        }
        if !frames.is_empty() {
            trace.span.end = frames.last().map_or(trace.span.end, |f| f.span.end);
            trace.frames = frames;
            next = j;
            if doc.line(j).t().starts_with("note: Some details") {
                next = j + 1;
            }
        }
    }
    if trace.frames.is_empty() {
        match loc_frame {
            Some(f) => trace.frames.push(f),
            None => return None,
        }
    }
    Some(Parsed {
        traces: vec![trace],
        next,
    })
}
