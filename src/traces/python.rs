//! Python tracebacks: `Traceback (most recent call last):`, `File "p", line N, in f` frames
//! with their source lines, 3.11+ caret lines, chained exceptions (`The above exception was
//! the direct cause…`, `During handling of the above exception…`) and exception groups
//! (`| ` prefixes, `+-+---- 1 ----` separators).

use std::sync::LazyLock;

use regex::Regex;

use super::shared::{self, Doc, Line, MAX_BLANKS, Parsed};
use super::{Language, Trace};

static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r#"^File (?:"(?P<p>[^"]+)"|\\"(?P<pe>(?:[^"\\]|\\\\)+)\\")(?:, line (?P<l>\d+))?(?:, in (?P<f>\S+))?(?P<rest>.*)$"#,
    )
});

static EXC: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?P<e>[A-Za-z_][\w]*(?:\.[A-Za-z_<>][\w<>]*)*)(?::(?:\s+(?P<m>.*))?)?$")
});

const CAUSE: &str = "The above exception was the direct cause of the following exception";
const CONTEXT: &str = "During handling of the above exception, another exception occurred";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Separator,
    Other,
}

/// The line with an exception-group `| ` / `+ ` prefix removed.
fn pyline<'a>(doc: &Doc<'a>, i: usize) -> (Line<'a>, Kind) {
    let l = doc.line(i);
    let t = l.t();
    if t.is_empty() {
        return (l, Kind::Blank);
    }
    if t.starts_with("+-") {
        return (l, Kind::Separator);
    }
    let stripped = t
        .strip_prefix('|')
        .or_else(|| t.strip_prefix("+ "))
        .map(|r| r.strip_prefix(' ').unwrap_or(r));
    match stripped {
        Some(r) => {
            let nl = Line {
                s: r,
                off: l.range_of(r).start,
            };
            if nl.t().is_empty() {
                (nl, Kind::Blank)
            } else {
                (nl, Kind::Other)
            }
        }
        None => (l, Kind::Other),
    }
}

fn is_header(t: &str) -> bool {
    shared::TRACEBACK.is_in(t)
}

/// `ValueError: bad`, `asyncio.TimeoutError`, `socket.timeout: timed out`.
fn exception_line(t: &str) -> Option<(&str, &str)> {
    if t.len() > 1000 || t.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let c = EXC.captures(t)?;
    let e = c.name("e")?.as_str();
    let m = c.name("m").map_or("", |m| m.as_str());
    let has_colon = t.len() > e.len();
    let last = e.rsplit('.').next().unwrap_or(e);
    let classy = last.starts_with(|c: char| c.is_ascii_uppercase())
        || last.contains("Error")
        || last.contains("Exception");
    let plausible = classy || (has_colon && e.contains('.'));
    if !plausible || matches!(e, "Traceback" | "File" | "During" | "The") {
        return None;
    }
    Some((e, m))
}

fn is_caret(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| matches!(b, b'^' | b'~' | b' ' | b'-' | b'+'))
        && t.bytes().any(|b| matches!(b, b'^' | b'~'))
}

pub(crate) fn in_app(path: &str) -> bool {
    let p = shared::norm_path(path).to_ascii_lowercase();
    !(p.contains("site-packages")
        || p.contains("dist-packages")
        || p.starts_with("<frozen")
        || p.contains("/usr/lib/python")
        || p.contains("/usr/local/lib/python")
        || p.contains("/lib/python3")
        || p.contains("/lib/python2")
        || p.contains("/lib/pypy")
        || p.contains("/python3.framework/")
        || p.contains("/.pyenv/versions/") && !p.contains("/envs/")
        || (p.contains("/python3") && p.contains("/lib/") && !p.contains("site-packages")))
}

struct Block {
    trace: Trace,
    next: usize,
    complete: bool,
}

/// One traceback: from a header (or a first `File` line, or a bare group member exception)
/// to its exception line.
fn block(doc: &Doc, start: usize, allow_bare: bool) -> Option<Block> {
    let (first, kind) = pyline(doc, start);
    if kind != Kind::Other {
        return None;
    }
    let ft = first.t();
    let mut trace = shared::new_trace(
        Language::Python,
        "",
        "",
        first.t_off()..first.off + first.s.len(),
        first.span(),
        doc.mode,
    );
    let mut i = start;
    if is_header(ft) {
        let h = shared::TRACEBACK.find(ft).unwrap_or(0);
        let hs = first.t_off() + h;
        trace.span = hs..first.off + first.s.len();
        trace.header_span = trace.span.clone();
        i += 1;
    } else if FRAME.is_match(ft) {
        // headerless paste: starts at the first frame
    } else if allow_bare {
        let (e, m) = exception_line(ft)?;
        trace.exception = shared::unescape(e, doc.mode);
        trace.message = shared::unescape(m.trim(), doc.mode);
        trace.header_span = first.span();
        return Some(Block {
            trace,
            next: start + 1,
            complete: true,
        });
    } else {
        return None;
    }

    let mut frames = Vec::new();
    let mut blanks = 0;
    let mut frame_indent = 0usize;
    let mut expect_source = false;
    let mut in_source = false;
    let mut complete = false;
    let mut syntax_locs = 0;
    while i < doc.len() {
        let (l, kind) = pyline(doc, i);
        match kind {
            Kind::Blank => {
                blanks += 1;
                if blanks > MAX_BLANKS {
                    break;
                }
                i += 1;
                continue;
            }
            Kind::Separator => break,
            Kind::Other => {}
        }
        blanks = 0;
        let t = l.t();
        if let Some(c) = FRAME.captures(t) {
            let p = c.name("p").or_else(|| c.name("pe"));
            let Some(p) = p else { break };
            frame_indent = l.indent();
            expect_source = true;
            in_source = false;
            let Some(func) = c.name("f") else {
                // SyntaxError location: not a frame.
                syntax_locs += 1;
                i += 1;
                continue;
            };
            let path = p.as_str();
            let mut f = shared::frame(
                doc,
                path,
                l.range_of(p.as_str()),
                c.name("l").and_then(|m| shared::parse_u32(m.as_str())),
                None,
                Some(func.as_str()),
                l.span(),
                in_app(path),
            );
            let rest = c.name("rest").map_or("", |m| m.as_str().trim());
            if !rest.is_empty() {
                f.source_line = Some(shared::unescape(rest, doc.mode));
                expect_source = false;
            }
            trace.span.end = l.off + l.s.len();
            frames.push(f);
            i += 1;
            continue;
        }
        if is_caret(t) {
            i += 1;
            continue;
        }
        if t.starts_with("[Previous line repeated") || t == "..." {
            i += 1;
            continue;
        }
        let exc = exception_line(t);
        if expect_source && (l.indent() > frame_indent || exc.is_none()) {
            if let Some(f) = frames.last_mut()
                && f.source_line.is_none()
                && syntax_locs == 0
            {
                f.source_line = Some(shared::unescape(t, doc.mode));
            }
            expect_source = false;
            in_source = true;
            i += 1;
            continue;
        }
        if in_source && l.indent() > frame_indent && exc.is_none() {
            i += 1; // multi-line source (3.13 prints whole expressions)
            continue;
        }
        if let Some((e, m)) = exc {
            trace.exception = shared::unescape(e, doc.mode);
            trace.message = shared::unescape(m.trim(), doc.mode);
            trace.header_span = l.span();
            trace.span.end = l.off + l.s.len();
            complete = true;
            i += 1;
            break;
        }
        break;
    }
    if frames.is_empty() && !complete {
        return None;
    }
    if !is_header(ft) && !complete && frames.len() < 2 {
        return None;
    }
    // No frame and no location: a doctest excerpt (`Traceback …` / `...` / `ValueError`).
    if frames.is_empty() && syntax_locs == 0 {
        return None;
    }
    frames.reverse();
    trace.frames = frames;
    Some(Block {
        trace,
        next: i,
        complete,
    })
}

enum Next {
    Chain(usize),
    Group(usize),
}

/// After an exception line: is there a chained or group-member traceback?
fn look_ahead(doc: &Doc, from: usize) -> Option<Next> {
    let mut group = false;
    let mut i = from;
    let limit = (from + 30).min(doc.len());
    while i < limit {
        let (l, kind) = pyline(doc, i);
        match kind {
            Kind::Blank => {}
            Kind::Separator => group = true,
            Kind::Other => {
                let t = l.t();
                if t.starts_with(CAUSE) || t.starts_with(CONTEXT) {
                    let j = doc.next_nonblank(i + 1, MAX_BLANKS + 1)?;
                    let (nl, _) = pyline(doc, j);
                    let nt = nl.t();
                    return (is_header(nt) || FRAME.is_match(nt)).then_some(Next::Chain(j));
                }
                if group && (is_header(t) || FRAME.is_match(t) || exception_line(t).is_some()) {
                    return Some(Next::Group(i));
                }
                if is_header(t) || FRAME.is_match(t) {
                    return None;
                }
                if group {
                    return None;
                }
            }
        }
        i += 1;
    }
    None
}

pub(crate) fn parse(doc: &Doc, li: usize) -> Option<Parsed> {
    let (l, kind) = pyline(doc, li);
    if kind != Kind::Other {
        return None;
    }
    let t = l.t();
    if !(is_header(t) || t.starts_with("File ")) {
        return None;
    }
    let first = block(doc, li, false)?;
    let mut traces = vec![first.trace];
    let mut next = first.next;
    let mut complete = first.complete;
    while complete {
        let Some(n) = look_ahead(doc, next) else {
            break;
        };
        let (start, cause) = match n {
            Next::Chain(j) => (j, Some(traces.len() - 1)),
            Next::Group(j) => (j, None),
        };
        let Some(b) = block(doc, start, matches!(n, Next::Group(_))) else {
            break;
        };
        let mut tr = b.trace;
        tr.caused_by = cause;
        traces.push(tr);
        next = b.next;
        complete = b.complete;
    }
    Some(Parsed { traces, next })
}
