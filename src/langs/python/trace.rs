//! Python tracebacks: `Traceback (most recent call last):`, `File "p", line N, in f` frames
//! with their source lines, 3.11+ caret lines, chained exceptions (`The above exception was
//! the direct cause…`, `During handling of the above exception…`) and exception groups
//! (`| ` prefixes, `+-+---- 1 ----` separators; a group's `caused_by` names its first member),
//! pytest's `Traceback:` short form. A SyntaxError's `File "x", line N` location is frame 0.

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::Trace;
use crate::traces::shared::{self, Doc, Line, MAX_BLANKS, Parsed};

static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r#"^File (?:"(?P<p>[^"]+)"|\\"(?P<pe>(?:[^"\\]|\\\\)+)\\")(?:, line (?P<l>\d+))?(?:, in (?P<f>\S+))?(?P<rest>.*)$"#,
    )
});

/// The fields of a `File "p", line N, in f` line (see [`FRAME`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FrameFields<'a> {
    p: &'a str,
    l: Option<&'a str>,
    f: Option<&'a str>,
    rest: &'a str,
}

/// [`FRAME`] without the regex for the common `File "p"` form: the same fields, exactly.
fn frame_fast(t: &str) -> Option<FrameFields<'_>> {
    let r = t.strip_prefix("File \"")?;
    // `"(?P<p>[^"]+)"`: the path runs to the next quote and is not empty.
    let q = r.find('"').filter(|&q| q > 0)?;
    let p = &r[..q];
    let mut rest = &r[q + 1..];
    let mut l = None;
    if let Some(x) = rest.strip_prefix(", line ") {
        let n = shared::run_len(x, |b| b.is_ascii_digit());
        if n > 0 {
            l = Some(&x[..n]);
            rest = &x[n..];
        }
    }
    let mut f = None;
    if let Some(x) = rest.strip_prefix(", in ") {
        let n = shared::run_len(x, |b| !shared::is_space(b));
        if n > 0 {
            f = Some(&x[..n]);
            rest = &x[n..];
        }
    }
    Some(FrameFields { p, l, f, rest })
}

/// A frame line's fields: hand-parsed, the regex only for the JSON-escaped `File \"p\"` form.
fn frame_fields(t: &str) -> Option<FrameFields<'_>> {
    if !t.starts_with("File ") {
        return None;
    }
    if t.as_bytes().get(5) == Some(&b'"') {
        return frame_fast(t);
    }
    let c = FRAME.captures(t)?;
    Some(FrameFields {
        p: c.name("p").or_else(|| c.name("pe"))?.as_str(),
        l: c.name("l").map(|m| m.as_str()),
        f: c.name("f").map(|m| m.as_str()),
        rest: c.name("rest").map_or("", |m| m.as_str()),
    })
}

fn is_frame(t: &str) -> bool {
    frame_fields(t).is_some()
}

/// The exception line's grammar; [`exc_fields`] parses it by hand.
#[cfg(test)]
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
    let l = unrendered(doc.line(i));
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

/// ANSI colour codes whose ESC byte was rendered as `←` (Windows consoles):
/// `←[33mweb_1 | ←[0m  File …`, with a docker-compose service prefix between them. The line
/// from what follows them (its indentation kept).
fn unrendered(l: Line<'_>) -> Line<'_> {
    let t = l.t();
    if !t.starts_with("←[") {
        return l;
    }
    let r = skip_rendered_ansi(t);
    // `name   | ` of docker-compose.
    let name = shared::run_len(r, |b| shared::is_word(b) || b == b'.' || b == b'-');
    let gap = shared::run_len(&r[name..], |b| b == b' ' || b == b'\t');
    let r = match r[name + gap..].strip_prefix('|') {
        Some(x) if name > 0 => skip_rendered_ansi(x.strip_prefix(' ').unwrap_or(x)),
        _ => r,
    };
    Line {
        s: r,
        off: l.range_of(r).start,
    }
}

/// `s` after any leading `←[…m` codes.
fn skip_rendered_ansi(mut s: &str) -> &str {
    while let Some(r) = s.strip_prefix("←[") {
        let n = shared::run_len(r, |b| b.is_ascii_digit() || b == b';');
        match r.as_bytes().get(n) {
            Some(b) if b.is_ascii_alphabetic() => s = &r[n + 1..],
            _ => break,
        }
    }
    s
}

/// An exception name that reads as one without context: dotted, or ending in a word
/// exception classes end in.
fn strong_name(e: &str) -> bool {
    const ENDS: [&str; 10] = [
        "Error",
        "Exception",
        "Warning",
        "Interrupt",
        "Exit",
        "Iteration",
        "Group",
        "Timeout",
        "Cancelled",
        "'>",
    ];
    e.contains('.') || ENDS.iter().any(|k| e.ends_with(k))
}

/// Python 2's form of the exception line at interpreter shutdown:
/// `<type 'exceptions.AttributeError'>: message`.
fn type_repr_exception(t: &str) -> Option<(&str, &str)> {
    if !(t.starts_with("<type '") || t.starts_with("<class '")) {
        return None;
    }
    let end = t.find("'>")? + 2;
    let e = &t[..end];
    let rest = &t[end..];
    if rest.is_empty() {
        return Some((e, ""));
    }
    let m = rest.strip_prefix(':')?;
    Some((e, shared::trim_start(m)))
}

fn is_header(t: &str) -> bool {
    shared::find_traceback(t).is_some()
}

/// `ValueError: bad`, `asyncio.TimeoutError`, `socket.timeout: timed out`.
fn exception_line(t: &str) -> Option<(&str, &str)> {
    if t.len() > 1000 || t.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    if let Some(x) = type_repr_exception(t) {
        return Some(x);
    }
    let (e, m) = exc_fields(t)?;
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

/// [`EXC`]'s `(e, m)`, hand-parsed; `m` is "" when absent.
fn exc_fields(t: &str) -> Option<(&str, &str)> {
    // `e` is a run of `[\w.<>]` (what follows it, `:` or the end, is not in the class).
    let n = shared::run_len(t, |b| shared::is_word(b) || matches!(b, b'.' | b'<' | b'>'));
    let e = &t[..n];
    let mut parts = e.split('.');
    let head = parts.next().unwrap_or("");
    let head_ok = head
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && head.bytes().all(shared::is_word);
    let tail_ok = parts.all(|seg| {
        seg.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'<' | b'>'))
    });
    if !(head_ok && tail_ok) {
        return None;
    }
    let rest = &t[n..];
    if rest.is_empty() {
        return Some((e, ""));
    }
    // `(?::(?:\s+(?P<m>.*))?)?$`
    let r = rest.strip_prefix(':')?;
    if r.is_empty() {
        return Some((e, ""));
    }
    let ws = shared::run_len(r, shared::is_space);
    if ws == 0 {
        return None;
    }
    Some((e, &r[ws..]))
}

fn is_caret(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| matches!(b, b'^' | b'~' | b' ' | b'-' | b'+'))
        && t.bytes().any(|b| matches!(b, b'^' | b'~'))
}

pub(crate) fn in_app(path: &str) -> bool {
    // Every library marker below holds one of these (case aside); most paths hold none.
    let lower_ok = !path.bytes().any(|b| b.is_ascii_uppercase() || b == b'\\');
    if lower_ok
        && !(shared::PACKAGES.is_in(path)
            || shared::SLASH_LIB.is_in(path)
            || shared::PYTHON.is_in(path)
            || shared::PYENV.is_in(path)
            || path.starts_with("<frozen"))
    {
        return true;
    }
    let p = shared::norm_path(path);
    let p = if p.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(p.to_ascii_lowercase())
    } else {
        p
    };
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

/// The terminal width a hard-wrapped paste was cut at.
const WRAP: usize = 80;

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
        super::RUNTIME,
        "",
        "",
        first.t_off()..first.off + first.s.len(),
        first.span(),
        doc.mode,
    );
    let mut i = start;
    if is_header(ft) {
        let h = shared::find_traceback(ft).unwrap_or(0);
        let hs = first.t_off() + h;
        trace.span = hs..first.off + first.s.len();
        trace.header_span = trace.span.clone();
        i += 1;
    } else if is_frame(ft) {
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
    let mut prev_wide = false;
    // A blank line (or a code fence) came before this line.
    let mut gap = false;
    while i < doc.len() {
        let (l, kind) = pyline(doc, i);
        match kind {
            Kind::Blank => {
                blanks += 1;
                gap = true;
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
        let gapped = std::mem::replace(&mut gap, false);
        let wide = std::mem::replace(&mut prev_wide, t.chars().count() + l.indent() == WRAP);
        if let Some(mut c) = frame_fields(t) {
            let path = c.p;
            frame_indent = l.indent();
            expect_source = true;
            in_source = false;
            // A `File` line hard-wrapped by the terminal: `…py", l` / `ine 191, in run`.
            let mut joined = None;
            if c.f.is_none() && (c.l.is_none() || !c.rest.trim().is_empty()) && i + 1 < doc.len() {
                let (n, _) = pyline(doc, i + 1);
                joined = [format!("{t}{}", n.t()), format!("{t} {}", n.t())]
                    .into_iter()
                    .find(|j| frame_fields(j).is_some_and(|x| x.f.is_some()));
            }
            let joined_fields = joined.as_deref().and_then(frame_fields);
            if let Some(x) = joined_fields {
                c = FrameFields {
                    p: c.p,
                    l: x.l,
                    f: x.f,
                    rest: "",
                };
                i += 1;
            }
            // A location without a function is a SyntaxError's: frame 0, printed outside the
            // stack, as the README's conventions have it.
            if c.f.is_none() {
                syntax_locs += 1;
            }
            let mut f = shared::frame(
                doc,
                path,
                l.range_of(path),
                c.l.and_then(shared::parse_u32),
                None,
                c.f,
                l.span(),
                in_app(path),
            );
            let rest = if joined_fields.is_some() {
                ""
            } else {
                c.rest.trim()
            };
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
        // After a blank line or a fence the paste may have moved on (`Expected:`): only a name
        // that reads as an exception ends the traceback there.
        let exc = exception_line(t).filter(|(e, _)| !gapped || strong_name(e));
        if gapped && exc.is_none() && !frames.is_empty() && l.indent() <= frame_indent {
            break;
        }
        if expect_source && (l.indent() > frame_indent || exc.is_none()) {
            if let Some(f) = frames.last_mut()
                && f.source_line.is_none()
            {
                f.source_line = Some(shared::unescape(t, doc.mode));
            }
            expect_source = false;
            in_source = true;
            i += 1;
            continue;
        }
        if in_source && (l.indent() > frame_indent || wide) && exc.is_none() {
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

/// A pytest `--tb=short` frame: `tests/test_x.py:4: in <module>`. `(path, line, function)`.
fn pytest_frame(t: &str) -> Option<(&str, &str, &str)> {
    let (loc, f) = t.split_once(": in ")?;
    let (p, l) = loc.rsplit_once(':')?;
    let ok = !p.is_empty() && !p.starts_with(' ') && shared::all_digits(l) && !f.is_empty();
    (ok && !f.bytes().any(shared::is_space)).then_some((p, l, f))
}

/// pytest's short traceback (collection errors): `Traceback:`, then `path:line: in f` frames
/// (outermost first) with their source lines indented, then the `E   Exc: msg` lines.
fn pytest_short(doc: &Doc, li: usize) -> Option<Parsed> {
    let (h, _) = pyline(doc, li);
    let mut trace = shared::new_trace(super::RUNTIME, "", "", h.span(), h.span(), doc.mode);
    let mut frames = Vec::new();
    let mut i = li + 1;
    while i < doc.len() {
        let (l, kind) = pyline(doc, i);
        if kind != Kind::Other {
            break;
        }
        let t = l.t();
        if let Some((p, line, f)) = pytest_frame(t) {
            frames.push(shared::frame(
                doc,
                p,
                l.range_of(p),
                shared::parse_u32(line),
                None,
                Some(f),
                l.span(),
                in_app(p),
            ));
            trace.span.end = l.off + l.s.len();
            i += 1;
            continue;
        }
        if let Some(e) = t.strip_prefix("E ") {
            if trace.exception.is_empty()
                && let Some((e, m)) = exception_line(shared::trim_start(e))
            {
                trace.exception = shared::unescape(e, doc.mode);
                trace.message = shared::unescape(m.trim(), doc.mode);
                trace.header_span = l.span();
            }
            trace.span.end = l.off + l.s.len();
            i += 1;
            continue;
        }
        if l.indent() > 0 && !frames.is_empty() && trace.exception.is_empty() {
            i += 1; // the frame's source line
            continue;
        }
        break;
    }
    if frames.is_empty() {
        return None;
    }
    frames.reverse();
    trace.frames = frames;
    Some(Parsed {
        traces: vec![trace],
        next: i,
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
                    return (is_header(nt) || is_frame(nt)).then_some(Next::Chain(j));
                }
                if group && (is_header(t) || is_frame(t) || exception_line(t).is_some()) {
                    return Some(Next::Group(i));
                }
                if is_header(t) || is_frame(t) {
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

pub(crate) fn parse(doc: &Doc, li: usize, floor: usize) -> Option<Parsed> {
    let (l, kind) = pyline(doc, li);
    if kind != Kind::Other {
        return None;
    }
    let t = l.t();
    if t == "Traceback:" {
        return pytest_short(doc, li);
    }
    if !(is_header(t) || t.starts_with("File ")) {
        return None;
    }
    let mut first = block(doc, li, false)?;
    // Sentry's export: the exception line first, then the frames without a header.
    if !first.complete
        && !is_header(t)
        && let Some(p) = li.checked_sub(1).filter(|&p| p >= floor)
        && let (pl, Kind::Other) = pyline(doc, p)
        && let Some((e, m)) = exception_line(pl.t())
    {
        first.trace.exception = shared::unescape(e, doc.mode);
        first.trace.message = shared::unescape(m.trim(), doc.mode);
        first.trace.header_span = pl.span();
        first.trace.span.start = pl.span().start;
    }
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
        // An exception group's trace is linked to its first member's.
        if matches!(n, Next::Group(_)) {
            let idx = traces.len() - 1;
            if let Some(g) = traces[..idx]
                .iter()
                .rposition(|t| t.exception.ends_with("Group") && t.caused_by.is_none())
            {
                traces[g].caused_by = Some(idx);
            }
        }
        next = b.next;
        complete = b.complete;
    }
    Some(Parsed { traces, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_regex(t: &str) -> Option<FrameFields<'_>> {
        let c = FRAME.captures(t)?;
        Some(FrameFields {
            p: c.name("p").or_else(|| c.name("pe"))?.as_str(),
            l: c.name("l").map(|m| m.as_str()),
            f: c.name("f").map(|m| m.as_str()),
            rest: c.name("rest").map_or("", |m| m.as_str()),
        })
    }

    fn exc_by_regex(t: &str) -> Option<(&str, &str)> {
        let c = EXC.captures(t)?;
        Some((
            c.name("e")?.as_str(),
            c.name("m").map_or("", |m| m.as_str()),
        ))
    }

    fn fields<'a>(
        p: &'a str,
        l: Option<&'a str>,
        f: Option<&'a str>,
        rest: &'a str,
    ) -> Option<FrameFields<'a>> {
        Some(FrameFields { p, l, f, rest })
    }

    #[test]
    fn frame_line_fields() {
        let t = r#"File "/app/my dir/x (1).py", line 145, in process"#;
        assert_eq!(
            frame_fast(t),
            fields("/app/my dir/x (1).py", Some("145"), Some("process"), "")
        );
        let t = r#"File "C:\x\y.py", line 7, in <module>  tail"#;
        assert_eq!(
            frame_fast(t),
            fields(r"C:\x\y.py", Some("7"), Some("<module>"), "  tail")
        );
        // SyntaxError location: no function.
        assert_eq!(
            frame_fast(r#"File "x.py", line 3"#),
            fields("x.py", Some("3"), None, "")
        );
        // A bad line number is not one; the rest keeps it.
        assert_eq!(
            frame_fast(r#"File "x.py", line 1a, in g"#),
            fields("x.py", Some("1"), None, "a, in g")
        );
        assert_eq!(
            frame_fast(r#"File "x.py", line , in g"#),
            fields("x.py", None, None, ", line , in g")
        );
        assert_eq!(frame_fast(r#"File "", line 1, in g"#), None);
        assert_eq!(frame_fast(r#"File "x.py, line 1"#), None);
        // The JSON-escaped form goes to the regex.
        let t = r#"File \"a.py\", line 2, in f"#;
        assert_eq!(frame_fields(t), fields("a.py", Some("2"), Some("f"), ""));
    }

    #[test]
    fn exception_line_fields() {
        assert_eq!(
            exc_fields("asyncio.TimeoutError"),
            Some(("asyncio.TimeoutError", ""))
        );
        assert_eq!(exc_fields("KeyError: 'x'"), Some(("KeyError", "'x'")));
        assert_eq!(exc_fields("KeyError:"), Some(("KeyError", "")));
        assert_eq!(exc_fields("a.<locals>.E: m"), Some(("a.<locals>.E", "m")));
        assert_eq!(exc_fields("KeyError:x"), None);
        assert_eq!(exc_fields("a<b>"), None);
        assert_eq!(exc_fields("a..b"), None);
        assert_eq!(exc_fields("1a"), None);
    }

    const TOKENS: &[&str] = &[
        "File ",
        "File \"",
        "File \\\"",
        ", line ",
        ", in ",
        "\\\"",
        "x.py",
        "<module>",
        "Error",
        "asyncio.",
        "<locals>",
        "_",
    ];

    const LINES: &[&str] = &[
        r#"File "/app/my dir/x (1).py", line 145, in process"#,
        r#"File "x.py", line 3"#,
        r#"File \"a.py\", line 2, in f"#,
        r#"File \"C:\\a.py\", line 2, in <module>"#,
        "asyncio.TimeoutError",
        "KeyError: 'x'",
        "a.<locals>.E: m",
    ];

    proptest! {
        #![proptest_config(shared::arbitrary::config())]
        #[test]
        fn frame_fields_match_the_regex(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(frame_fields(&s), by_regex(&s));
        }

        #[test]
        fn exception_fields_match_the_regex(s in shared::arbitrary::mixed(LINES, TOKENS)) {
            prop_assert_eq!(exc_fields(&s), exc_by_regex(&s));
        }
    }

    fn scan(lines: &[&str]) -> Vec<Trace> {
        crate::traces::scan(&lines.join("\n"))
    }

    fn at(t: &Trace) -> Vec<(&str, Option<u32>, Option<&str>)> {
        t.frames
            .iter()
            .map(|f| (f.path.as_str(), f.line, f.function.as_deref()))
            .collect()
    }

    #[test]
    fn a_syntax_error_location_is_frame_zero() {
        let t = scan(&[
            "Traceback (most recent call last):",
            "  File \"m.py\", line 4, in <module>",
            "  File \"/app/x.py\", line 9",
            "    print 'x'",
            "          ^",
            "SyntaxError: invalid syntax",
        ]);
        assert_eq!(
            at(&t[0]),
            vec![
                ("/app/x.py", Some(9), None),
                ("m.py", Some(4), Some("<module>"))
            ]
        );
        assert_eq!(t[0].frames[0].source_line.as_deref(), Some("print 'x'"));
        let t = scan(&[
            "  File \"./a.py\", line 2",
            "    x y",
            "      ^",
            "SyntaxError: invalid syntax",
        ]);
        assert_eq!(at(&t[0]), vec![("./a.py", Some(2), None)]);
    }

    #[test]
    fn a_file_line_wrapped_at_eighty_columns_is_joined() {
        let long = format!("  File \"/{}.py\", l", "p".repeat(80 - 17));
        let src = format!("    x = f({}", "a".repeat(80 - 10));
        let t = scan(&[
            "Traceback (most recent call last):",
            &long,
            "ine 191, in run",
            &src,
            ")",
            "TypeError: f() takes 1 argument",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "TypeError");
        assert_eq!(t[0].frames[0].line, Some(191));
        assert_eq!(t[0].frames[0].function.as_deref(), Some("run"));
    }

    #[test]
    fn python2_type_repr_exception_line() {
        let t = scan(&[
            "Traceback (most recent call last):",
            "  File \"/a.py\", line 1, in run",
            "<type 'exceptions.AttributeError'>: 'NoneType' object has no attribute 'x'",
        ]);
        assert_eq!(t[0].exception, "<type 'exceptions.AttributeError'>");
        assert_eq!(t[0].message, "'NoneType' object has no attribute 'x'");
    }

    #[test]
    fn rendered_ansi_and_a_compose_prefix_before_each_line() {
        let t = scan(&[
            "←[33mweb_1  | ←[0mTraceback (most recent call last):",
            "←[33mweb_1  | ←[0m  File \"/app/a.py\", line 5, in f",
            "←[33mweb_1  | ←[0m    g()",
            "←[33mweb_1  | ←[0mValueError: bad",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "ValueError");
        assert_eq!(at(&t[0]), vec![("/app/a.py", Some(5), Some("f"))]);
    }

    #[test]
    fn sentry_exception_line_before_headerless_frames() {
        let t = scan(&[
            "JSONDecodeError: Expecting value",
            "  File \"a.py\", line 6, in crawl",
            "    x()",
            "  File \"json/decoder.py\", line 357, in raw_decode",
            "    raise y",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "JSONDecodeError");
        assert_eq!(t[0].frames[0].path, "json/decoder.py");
    }

    #[test]
    fn a_word_after_a_blank_line_is_not_the_exception() {
        let t = scan(&[
            "Traceback (most recent call last):",
            "  File \"/app/a.py\", line 3, in <module>",
            "    foo()",
            "```",
            "",
            "Expected:",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "");
        let t = scan(&[
            "Traceback (most recent call last):",
            "  File \"/app/a.py\", line 3, in <module>",
            "    foo()",
            "",
            "KeyError: 'k'",
        ]);
        assert_eq!(t[0].exception, "KeyError");
    }

    #[test]
    fn an_exception_group_is_linked_to_its_first_member() {
        let t = scan(&[
            "  + Exception Group Traceback (most recent call last):",
            "  |   File \"/app/m.py\", line 7, in main",
            "  |     async with tg:",
            "  | ExceptionGroup: errors (2 sub-exceptions)",
            "  +-+---------------- 1 ----------------",
            "    | Traceback (most recent call last):",
            "    |   File \"/app/m.py\", line 3, in a",
            "    |     raise ValueError(1)",
            "    | ValueError: 1",
            "    +---------------- 2 ----------------",
            "    | KeyError: 'y'",
            "    +------------------------------------",
        ]);
        let got: Vec<_> = t
            .iter()
            .map(|t| (t.exception.as_str(), t.caused_by))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ExceptionGroup", Some(1)),
                ("ValueError", None),
                ("KeyError", None)
            ]
        );
    }

    #[test]
    fn pytest_short_traceback() {
        let t = scan(&[
            "Traceback:",
            "tests/test_a.py:4: in <module>",
            "    from a import b",
            "a.py:2: in <module>",
            "    import git",
            "E   ModuleNotFoundError: No module named 'git'",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "ModuleNotFoundError");
        assert_eq!(
            at(&t[0]),
            vec![
                ("a.py", Some(2), Some("<module>")),
                ("tests/test_a.py", Some(4), Some("<module>"))
            ]
        );
    }
}
