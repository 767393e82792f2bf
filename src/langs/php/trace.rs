//! PHP: `PHP Fatal error:  Uncaught T: msg in f.php:12`, `Stack trace:`, `#N file(line): call`,
//! `#N [internal function]: call`, `#N {main}`, `thrown in f.php on line 12`, `Next T: msg in …`
//! (the outer exception; the one before it is its cause), Symfony's
//! `Uncaught PHP Exception <Type>: "<msg>" at <file> line <n>` and Laravel's
//! `[object] (<Type>(code: 0): <msg> at <file>:<n>)` followed by `[stacktrace]`.
//! The header's location is the innermost frame.

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::shared::{self, Doc, Line, Parsed};
use crate::traces::{Frame, Trace};

static UNCAUGHT: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"(?:^|\s|:)Uncaught (?P<e>[A-Za-z_\\][\w\\]*)(?:: (?P<m>.*))? in (?P<p>\S.*?)(?::(?P<l>\d+)| on line (?P<l2>\d+))$",
    )
});
/// PHP 5: `Uncaught exception 'T' with message 'msg' in f.php:12` (or `… on line 12`), and
/// the same without `Uncaught` (Laravel 4 logs).
static PHP5: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"(?:^|\s|:)(?:Uncaught )?exception '(?P<e>[A-Za-z_\\][\w\\]*)' with message '(?P<m>.*)' in (?P<p>\S.*?)(?::(?P<l>\d+)| on line (?P<l2>\d+))$",
    )
});
/// A fatal error that is not an exception, above an Xdebug or numbered stack:
/// `PHP Fatal error:  Call to undefined function f() in /x.php on line 3`.
static FATAL: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"(?:^|\s)(?P<e>Fatal error|Error): +(?P<m>.*) in (?:file )?(?P<p>\S.*?)(?::(?P<l>\d+)| on line (?P<l2>\d+))$",
    )
});
/// Xdebug's CLI rows (`PHP   2. include() /x.php:17`) and numbered rows (`  1. f() /x.php:3`).
static XDEBUG_ROW: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?:PHP +)?(?P<n>\d+)\. (?P<f>[^\s(]+)\([^)]*\) (?P<p>\S.*?):(?P<l>\d+)$")
});
/// Xdebug's `Call Stack` table as text: `# Time Memory Function Location` rows.
static TABLE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?P<n>\d+)\s+[\d.]+\s+\d+\s+(?P<f>[^\s(]+)\s*\(.*\)\s+(?P<p>\S+):(?P<l>\d+)$")
});
/// Bugsnag's issue text: `**T** in **GET /x**` (or `in **f.php:40**`), the message on the next
/// line, then `path:line - method` frames under `## Stacktrace`.
static BUGSNAG: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^\*\*(?P<e>[A-Za-z_\\][\w\\]*)\*\* in \*\*(?P<w>.+)\*\*$"));
static DASH_FRAME: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^(?P<p>\S+?):(?P<l>\d+) - (?P<f>\S.*)$"));
static SYMFONY: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r#"Uncaught PHP Exception (?P<e>[A-Za-z_\\][\w\\]*): "(?P<m>.*)" at (?P<p>\S.*?) line (?P<l>\d+)"#,
    )
});
static LARAVEL: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"\[object\] \((?P<e>[A-Za-z_\\][\w\\]*)\(code: [^)]*\): (?P<m>.*) at (?P<p>\S+?):(?P<l>\d+)\)$",
    )
});
static PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:Next )?(?P<e>[A-Za-z_\\][\w\\]*)(?:: (?P<m>.*?))? in (?P<p>\S.*?\.php):(?P<l>\d+)$",
    )
});
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^#(?P<n>\d+) (?:(?:(?P<p>\S.*?)\((?P<l>\d+)\)|(?P<int>\[internal function\])): (?P<f>.+)|(?P<cp>\S.*?)\((?P<cl>\d+)\)(?: in \S.* on line \d+)?)$",
    )
});

pub(crate) fn in_app(path: &str) -> bool {
    let p = shared::norm_path(path);
    !(p.starts_with("vendor/") || p.contains("/vendor/") || p == "[internal function]")
}

fn clean_name(e: &str) -> String {
    e.replace("\\\\", "\\")
}

struct Header<'a> {
    e: &'a str,
    m: &'a str,
    p: &'a str,
    l: &'a str,
}

fn header<'a>(t: &'a str, next_is_stack: bool) -> Option<Header<'a>> {
    let c = if t.contains("exception '") && t.contains("' with message '") {
        PHP5.captures(t)
    } else if t.contains("Uncaught ") {
        SYMFONY.captures(t).or_else(|| UNCAUGHT.captures(t))
    } else if t.contains("[object] (") {
        LARAVEL.captures(t)
    } else if next_is_stack || t.starts_with("Next ") {
        PLAIN.captures(t)
    } else {
        None
    }?;
    Some(Header {
        e: c.name("e")?.as_str(),
        m: c.name("m").map_or("", |m| m.as_str()),
        p: c.name("p")?.as_str().trim(),
        l: c.name("l").or_else(|| c.name("l2"))?.as_str(),
    })
}

/// A non-exception fatal error line (see [`FATAL`]), only above a stack.
fn fatal_header(t: &str) -> Option<Header<'_>> {
    if !t.contains("rror: ") {
        return None;
    }
    let c = FATAL.captures(t)?;
    Some(Header {
        e: c.name("e")?.as_str(),
        m: c.name("m").map_or("", |m| m.as_str()),
        p: c.name("p")?.as_str().trim(),
        l: c.name("l").or_else(|| c.name("l2"))?.as_str(),
    })
}

fn is_xdebug_stack(t: &str) -> bool {
    t == "PHP Stack trace:" || t == "Stack trace:" || t == "Call Stack"
}

/// `Fatal error: … in f on line N` followed by Xdebug (`PHP   1. {main}() …`, outermost
/// first) or numbered (`  1. f() …`, innermost first) rows. `{main}` is not a frame.
fn parse_rows(doc: &Doc, h: usize) -> Option<Parsed> {
    let l = doc.line(h);
    let t = l.t();
    let hd = if t.contains("Uncaught ") {
        header(t, false)
    } else {
        None
    }
    .or_else(|| fatal_header(t))?;
    // Xdebug's HTML table prints the error twice (`( ! ) Fatal error: …`, `( ! ) Error: …`).
    let mut s = doc.next_nonblank(h + 1, 0)?;
    if doc.line(s).t().starts_with("( ! )") {
        s = doc.next_nonblank(s + 1, 0)?;
    }
    if !is_xdebug_stack(doc.line(s).t()) {
        return None;
    }
    let mut trace = shared::new_trace(super::RUNTIME, hd.e, hd.m, l.span(), l.span(), doc.mode);
    let site = shared::frame(
        doc,
        hd.p,
        l.range_of(hd.p),
        shared::parse_u32(hd.l),
        None,
        None,
        l.span(),
        in_app(hd.p),
    );
    let mut rows = Vec::new();
    let mut reversed = false;
    let mut i = s + 1;
    // The table's column heads and blank lines before the first row.
    while i < doc.len() && rows.is_empty() && !reversed {
        let t = doc.line(i).t();
        if t.is_empty() || t.trim_start_matches('#').trim_start().starts_with("Time") {
            i += 1;
        } else {
            break;
        }
    }
    while i < doc.len() {
        let fl = doc.line(i);
        let ft = fl.t();
        let Some(c) = XDEBUG_ROW.captures(ft).or_else(|| TABLE_ROW.captures(ft)) else {
            break;
        };
        i += 1;
        trace.span.end = fl.span().end;
        let (Some(f), Some(p), Some(n)) = (c.name("f"), c.name("p"), c.name("l")) else {
            continue;
        };
        if f.as_str() == "{main}" {
            reversed = rows.is_empty();
            continue;
        }
        rows.push(shared::frame(
            doc,
            p.as_str(),
            fl.range_of(p.as_str()),
            shared::parse_u32(n.as_str()),
            None,
            Some(f.as_str()),
            fl.span(),
            in_app(p.as_str()),
        ));
    }
    if rows.is_empty() {
        return None;
    }
    if reversed {
        rows.reverse();
    }
    trace.frames.push(site);
    trace.frames.extend(rows);
    Some(Parsed {
        traces: vec![trace],
        next: i,
    })
}

/// Bugsnag's issue layout (see [`BUGSNAG`]).
fn parse_bugsnag(doc: &Doc, h: usize) -> Option<Parsed> {
    let l = doc.line(h);
    let c = BUGSNAG.captures(l.t())?;
    let e = c.name("e")?.as_str();
    let w = c.name("w")?.as_str();
    let m = doc.line(h + 1).t();
    let mut trace = shared::new_trace(super::RUNTIME, e, m, l.span(), l.span(), doc.mode);
    if let Some((p, n)) = w.rsplit_once(':')
        && p.ends_with(".php")
        && shared::all_digits(n)
    {
        trace.frames.push(shared::frame(
            doc,
            p,
            l.range_of(p),
            shared::parse_u32(n),
            None,
            None,
            l.span(),
            in_app(p),
        ));
    }
    let mut i = h + 2;
    let limit = (h + 10).min(doc.len());
    while i < limit && doc.line(i).t() != "Stacktrace" {
        i += 1;
    }
    if i >= limit {
        return None;
    }
    i += 1;
    let mut seen = false;
    while i < doc.len() {
        let fl = doc.line(i);
        if fl.is_blank() && !seen {
            i += 1;
            continue;
        }
        let Some(fc) = DASH_FRAME.captures(fl.t()) else {
            break;
        };
        let (Some(p), Some(n), Some(f)) = (fc.name("p"), fc.name("l"), fc.name("f")) else {
            break;
        };
        // Bugsnag reports every language alike; a Ruby one is Ruby's.
        if !seen && !p.as_str().contains(".php") {
            return None;
        }
        seen = true;
        trace.frames.push(shared::frame(
            doc,
            p.as_str(),
            fl.range_of(p.as_str()),
            shared::parse_u32(n.as_str()),
            None,
            Some(f.as_str()),
            fl.span(),
            in_app(p.as_str()),
        ));
        trace.span.end = fl.span().end;
        i += 1;
    }
    if !seen {
        return None;
    }
    Some(Parsed {
        traces: vec![trace],
        next: i,
    })
}

fn is_stack_line(t: &str) -> bool {
    t == "Stack trace:" || t == "[stacktrace]"
}

fn frame_of(doc: &Doc, l: &Line) -> Option<Frame> {
    let t = l.t();
    let c = FRAME.captures(t)?;
    // `Ns\\Cls->method('arg', Array)`: the call without its arguments.
    let f = c.name("f").map(|m| {
        let f = m.as_str();
        f.find('(').map_or(f, |k| &f[..k])
    });
    let (p, span, line) = match (c.name("p").or_else(|| c.name("cp")), c.name("int")) {
        (Some(p), _) => (
            p.as_str(),
            l.range_of(p.as_str()),
            c.name("l")
                .or_else(|| c.name("cl"))
                .and_then(|m| shared::parse_u32(m.as_str())),
        ),
        (None, Some(i)) => (i.as_str(), l.range_of(i.as_str()), None),
        _ => return None,
    };
    Some(shared::frame(
        doc,
        p,
        span,
        line,
        None,
        f,
        l.span(),
        in_app(p),
    ))
}

/// The end of a PHP 5 message that spans lines: `…' in f.php:12` (or `… on line 12`).
static PHP5_END: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?P<m>.*)' in (?P<p>\S.*?)(?::(?P<l>\d+)| on line (?P<l2>\d+))$")
});
static PHP5_START: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"(?:^|\s|:)(?:Uncaught )?exception '(?P<e>[A-Za-z_\\][\w\\]*)' with message '(?P<m>.*)$",
    )
});

/// `exception 'T' with message 'first line` … `last line' in f.php:12`: the throw site is on
/// the message's last line (Laravel 4 logs, PHP 5 with a multi-line message).
fn php5_multiline(doc: &Doc, h: usize) -> Option<(Trace, usize)> {
    let l = doc.line(h);
    let t = l.t();
    if !t.contains("' with message '") {
        return None;
    }
    let c = PHP5_START.captures(t)?;
    let mut msg = vec![c.name("m")?.as_str()];
    for j in h + 1..(h + 8).min(doc.len()) {
        let jl = doc.line(j);
        let jt = jl.t();
        if let Some(end) = PHP5_END.captures(jt) {
            msg.push(end.name("m")?.as_str());
            let p = end.name("p")?.as_str();
            let n = end.name("l").or_else(|| end.name("l2"))?.as_str();
            let mut tr = shared::new_trace(
                super::RUNTIME,
                &clean_name(c.name("e")?.as_str()),
                &msg.join("\n"),
                l.span(),
                l.span(),
                doc.mode,
            );
            tr.span.end = jl.span().end;
            tr.frames.push(shared::frame(
                doc,
                p,
                jl.range_of(p),
                shared::parse_u32(n),
                None,
                None,
                jl.span(),
                in_app(p),
            ));
            return Some((tr, j));
        }
        if is_stack_line(jt) || jt.starts_with('#') {
            return None;
        }
        msg.push(jt);
    }
    None
}

/// Parse one exception (header at `h`, or header-less starting at `h`); returns the trace and
/// the next unconsumed line.
fn one(doc: &Doc, h: usize) -> Option<(Trace, usize)> {
    let l = doc.line(h);
    let t = l.t();
    let next_t = doc.line(h + 1).t();
    let mut i = h;
    let mut trace;
    if let Some(hd) = header(t, is_stack_line(next_t)) {
        trace = shared::new_trace(
            super::RUNTIME,
            &clean_name(hd.e),
            hd.m,
            l.span(),
            l.span(),
            doc.mode,
        );
        trace.frames.push(shared::frame(
            doc,
            hd.p,
            l.range_of(hd.p),
            shared::parse_u32(hd.l),
            None,
            None,
            l.span(),
            in_app(hd.p),
        ));
        i += 1;
    } else if let Some((tr, end)) = php5_multiline(doc, h) {
        trace = tr;
        i = end + 1;
    } else if is_stack_line(t) || t.starts_with("#0 ") {
        trace = shared::new_trace(super::RUNTIME, "", "", l.span(), l.span(), doc.mode);
    } else {
        return None;
    }
    let mut saw_stack = false;
    let mut blanks = 0;
    while i < doc.len() {
        let fl = doc.line(i);
        let ft = fl.t();
        if ft.is_empty() {
            blanks += 1;
            if blanks > 1 {
                break;
            }
            i += 1;
            continue;
        }
        blanks = 0;
        if is_stack_line(ft) && !saw_stack {
            saw_stack = true;
            i += 1;
            continue;
        }
        if let Some(f) = frame_of(doc, &fl) {
            trace.span.end = fl.span().end;
            trace.frames.push(f);
            i += 1;
            continue;
        }
        if ft.starts_with('#') && ft.ends_with("{main}") {
            trace.span.end = fl.span().end;
            i += 1;
            continue;
        }
        if ft.starts_with("thrown in ") {
            trace.span.end = fl.span().end;
            i += 1;
        }
        break;
    }
    let frames_below = trace.frames.iter().filter(|f| f.function.is_some()).count();
    if trace.exception.is_empty() && frames_below < 2 {
        return None;
    }
    // A header alone is a trace when it reads as one: `Uncaught …`, PHP 5's `exception '…'
    // with message '…'`.
    if !saw_stack && frames_below == 0 && !t.contains("Uncaught") && !t.contains("' with message '")
    {
        return None;
    }
    Some((trace, i))
}

/// Laravel's console error page (Collision): the class alone (or `Class  : msg`), the message,
/// `at path:line` (the throw site) over a code excerpt, then numbered frames, each a call and a
/// location on two lines (Collision 5 and older: call first; 6 and later: location first).
static COLLISION_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?P<e>[A-Za-z_]\w*(?:\\[A-Za-z_]\w*)+|[A-Z]\w*(?:Exception|Error)\w*)(?:\s+:\s+(?P<m>.*))?$",
    )
});
/// Symfony's error page as text: `in src/X.php (line 12)` / `in src/X.php line 12`, and a call's
/// location under it (`(vendor/Y.php:117)` in Symfony 5's text view).
static IN_LOC: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^in (?P<p>[^\s(][^(]*?) (?:\(line (?P<l>\d+)\)|line (?P<l2>\d+))$")
});
static PAREN_LOC: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^\((?P<p>[^\s(][^(]*?):(?P<l>\d+)\)$"));
static AT_LOC: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^at (?P<p>[^\s(][^(]*?):(?P<l>\d+)$"));
static NUMBERED: LazyLock<Regex> = LazyLock::new(|| shared::re(r"^(?P<n>\d+)\s+(?P<x>\S.*)$"));
static LOC: LazyLock<Regex> = LazyLock::new(|| shared::re(r"^(?P<p>[^\s(][^(]*?):(?P<l>\d+)$"));

/// A code excerpt line under Collision's `at …`: `  671▕ code`, `➜ 671▕`, `> 664| code`.
fn is_excerpt(t: &str) -> bool {
    let t = t.trim_start_matches(['➜', '>', ' ']);
    let n = shared::run_len(t, |b| b.is_ascii_digit());
    n > 0 && (t[n..].starts_with('▕') || t[n..].starts_with('|'))
}

fn parse_collision(doc: &Doc, h: usize) -> Option<Parsed> {
    let l = doc.line(h);
    let c = COLLISION_HEAD.captures(l.t())?;
    let e = c.name("e")?.as_str();
    let mut msg: Vec<&str> = c.name("m").map(|m| m.as_str().trim()).into_iter().collect();
    let mut i = h + 1;
    let mut site = None;
    while i < doc.len() && i <= h + 8 {
        let t = doc.line(i).t();
        if let Some(a) = AT_LOC.captures(t).or_else(|| IN_LOC.captures(t)) {
            site = Some((i, a));
            break;
        }
        if !t.is_empty() {
            if COLLISION_HEAD.is_match(t) || t.starts_with('#') {
                return None;
            }
            msg.push(t);
        }
        i += 1;
    }
    let (si, a) = site?;
    let sl = doc.line(si);
    let p = a.name("p")?.as_str();
    let mut trace = shared::new_trace(
        super::RUNTIME,
        &clean_name(e),
        &msg.join("\n"),
        l.span(),
        l.span(),
        doc.mode,
    );
    trace.frames.push(shared::frame(
        doc,
        p,
        sl.range_of(p),
        a.name("l")
            .or_else(|| a.name("l2"))
            .and_then(|m| shared::parse_u32(m.as_str())),
        None,
        None,
        sl.span(),
        in_app(p),
    ));
    trace.span.end = sl.span().end;
    let mut i = si + 1;
    let mut next = i;
    let mut gap = 0;
    while i < doc.len() && gap <= 14 {
        let fl = doc.line(i);
        let t = fl.t();
        if let Some(nc) = NUMBERED.captures(t)
            && let Some(x) = nc.name("x")
            && let Some(k) = doc.next_nonblank(i + 1, 0)
        {
            let kl = doc.line(k);
            let y = kl.t();
            // Location first (Collision 6+) or call first (older).
            let (loc, call, ll) = if let Some(lc) = LOC.captures(x.as_str()) {
                (lc, y, fl)
            } else if let Some(lc) = LOC.captures(y) {
                (lc, x.as_str(), kl)
            } else {
                break;
            };
            let (Some(p), Some(n)) = (loc.name("p"), loc.name("l")) else {
                break;
            };
            let p = p.as_str();
            let f = call.find('(').map_or(call, |k| &call[..k]);
            let line = shared::parse_u32(n.as_str()).filter(|_| !p.starts_with('['));
            trace.frames.push(shared::frame(
                doc,
                p,
                ll.range_of(p),
                line,
                None,
                Some(f),
                fl.span().start..kl.span().end,
                in_app(p),
            ));
            trace.span.end = kl.span().end;
            i = k + 1;
            next = i;
            gap = 0;
            continue;
        }
        // Symfony: `at Call(args)` over its location.
        if let Some(call) = t.strip_prefix("at ")
            && let Some(k) = doc.next_nonblank(i + 1, 0)
            && let Some(lc) = PAREN_LOC
                .captures(doc.line(k).t())
                .or_else(|| IN_LOC.captures(doc.line(k).t()))
            && let (Some(p), Some(n)) = (lc.name("p"), lc.name("l").or_else(|| lc.name("l2")))
        {
            let kl = doc.line(k);
            let p = p.as_str();
            let f = call.find('(').map_or(call, |k| &call[..k]);
            trace.frames.push(shared::frame(
                doc,
                p,
                kl.range_of(p),
                shared::parse_u32(n.as_str()),
                None,
                Some(f),
                fl.span().start..kl.span().end,
                in_app(p),
            ));
            trace.span.end = kl.span().end;
            i = k + 1;
            next = i;
            gap = 0;
            continue;
        }
        // Before the first numbered frame anything may sit here: the code excerpt reaches us
        // partly eaten by noise stripping (`660|` reads as a docker-compose prefix).
        if t.is_empty()
            || is_excerpt(t)
            || trace.frames.len() == 1
            || t == "Exception trace:"
            || t.starts_with('+') && t.ends_with("frames")
        {
            i += 1;
            gap += 1;
            continue;
        }
        break;
    }
    Some(Parsed {
        traces: vec![trace],
        next: next.max(si + 1),
    })
}

/// Symfony Console's non-verbose error blocks, outermost first, each its own exception:
/// `In Connection.php line 664:`, the message in a padded box, then the next `In …` block.
static CONSOLE_IN: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^In (?P<p>\S+) line (?P<l>\d+):$"));

fn parse_console(doc: &Doc, h: usize) -> Option<Parsed> {
    let mut traces: Vec<Trace> = Vec::new();
    let mut i = h;
    let mut next = h;
    while i < doc.len() {
        let l = doc.line(i);
        let Some(c) = CONSOLE_IN.captures(l.t()) else {
            break;
        };
        let p = c.name("p")?.as_str();
        let mut msg: Vec<&str> = Vec::new();
        let mut j = i + 1;
        let mut blanks = 0;
        while j < doc.len() {
            let t = doc.line(j).t();
            if CONSOLE_IN.is_match(t) {
                break;
            }
            if t.is_empty() {
                blanks += 1;
                if !msg.is_empty() && blanks >= 2 || blanks > 3 {
                    break;
                }
            } else {
                if blanks > 0 && !msg.is_empty() || msg.len() >= 12 {
                    break;
                }
                blanks = 0;
                msg.push(t);
            }
            j += 1;
        }
        if msg.is_empty() {
            break;
        }
        let mut tr = shared::new_trace(
            super::RUNTIME,
            "",
            &msg.join("\n"),
            l.span(),
            l.span(),
            doc.mode,
        );
        tr.frames.push(shared::frame(
            doc,
            p,
            l.range_of(p),
            c.name("l").and_then(|m| shared::parse_u32(m.as_str())),
            None,
            None,
            l.span(),
            in_app(p),
        ));
        let idx = traces.len();
        if let Some(prev) = traces.last_mut() {
            prev.caused_by = Some(idx);
        }
        traces.push(tr);
        next = j;
        i = doc.next_nonblank(j, 2).unwrap_or(j);
    }
    if traces.is_empty() {
        return None;
    }
    Some(Parsed { traces, next })
}

pub(crate) fn parse(doc: &Doc, li: usize) -> Option<Parsed> {
    let t = doc.line(li).t();
    if t.starts_with("In ")
        && let Some(p) = parse_console(doc, li)
    {
        return Some(p);
    }
    if (t.contains("Exception") || t.contains("Error"))
        && let Some(p) = parse_collision(doc, li)
    {
        return Some(p);
    }
    if t.starts_with("**")
        && let Some(p) = parse_bugsnag(doc, li)
    {
        return Some(p);
    }
    if let Some(p) = parse_rows(doc, li) {
        return Some(p);
    }
    // `Stack trace:` under a header line that holds no trigger.
    if is_xdebug_stack(t)
        && li > 0
        && let Some(p) = parse_rows(doc, li - 1)
    {
        return Some(p);
    }
    if !(shared::UNCAUGHT.is_in(t)
        || shared::LARAVEL.is_in(t)
        || is_stack_line(t)
        || t.starts_with("#0 ")
        || shared::DOT_PHP.is_in(t)
        || t.contains("' with message '"))
    {
        return None;
    }
    let (first, mut next) = one(doc, li)?;
    let mut traces = vec![first];
    // `Next T: …` is the outer exception; the previous one caused it.
    while let Some(j) = doc.next_nonblank(next, 2) {
        if !doc.line(j).t().starts_with("Next ") {
            break;
        }
        let Some((mut tr, n)) = one(doc, j) else {
            break;
        };
        tr.caused_by = Some(traces.len() - 1);
        traces.push(tr);
        next = n;
    }
    Some(Parsed { traces, next })
}

#[cfg(test)]
mod tests {
    /// The text's lines, one literal each: an escaped `\n` in this file would make the file
    /// itself hold a trace (the precision test scans it).
    fn scan(lines: &[&str]) -> Vec<crate::traces::Trace> {
        crate::traces::scan(&lines.join("\n"))
    }

    #[test]
    fn php5_uncaught_exception_with_message() {
        let t = scan(&[
            "PHP Fatal error:  Uncaught exception 'RuntimeException' with message 'it's gone' in /srv/a.php:12",
            "Stack trace:",
            "#0 /srv/b.php(3): f()",
            "#1 {main}",
            "  thrown in /srv/a.php on line 12",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "RuntimeException");
        assert_eq!(t[0].message, "it's gone");
        assert_eq!(t[0].frames.len(), 2);
        let on_line =
            scan(&["Fatal error: Uncaught exception 'E' with message 'm' in /srv/a.php on line 7"]);
        assert_eq!(on_line[0].frames[0].line, Some(7));
    }

    #[test]
    fn uncaught_on_line_location() {
        let t = scan(&["Fatal error: Uncaught TypeError: bad in /srv/a.php on line 4"]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "TypeError");
        assert_eq!(t[0].frames[0].line, Some(4));
    }

    #[test]
    fn frame_cut_by_the_log_limit_keeps_its_line() {
        // One line in the scanned text, in pieces here (see `scan`).
        let line = [
            "Fatal error: Uncaught Error: x in /srv/a.php:3",
            " Stack trace:",
            " #0 /srv/b.php(5): f()",
            " #1 /srv/c.php(9) in /srv/a.php on line 3",
        ]
        .concat();
        let t = scan(&[&line]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].frames.len(), 3);
        assert_eq!(t[0].frames[2].path, "/srv/c.php");
        assert_eq!(t[0].frames[2].line, Some(9));
    }

    #[test]
    fn xdebug_cli_rows_outermost_first() {
        let t = scan(&[
            "PHP Fatal error:  Call to undefined function g() in /srv/f.php on line 8",
            "PHP Stack trace:",
            "PHP   1. {main}() /srv/index.php:0",
            "PHP   2. run() /srv/index.php:4",
            "PHP   3. f() /srv/run.php:6",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "Fatal error");
        let f: Vec<_> = t[0]
            .frames
            .iter()
            .map(|f| (f.path.as_str(), f.line))
            .collect();
        assert_eq!(
            f,
            vec![
                ("/srv/f.php", Some(8)),
                ("/srv/run.php", Some(6)),
                ("/srv/index.php", Some(4))
            ]
        );
    }

    #[test]
    fn numbered_rows_innermost_first() {
        let t = scan(&[
            "Error: boom in file /srv/m.php on line 9",
            "Stack trace:",
            "  1. Error->() /srv/m.php:9",
            "  2. call() /srv/index.php:3",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].frames.len(), 3);
        assert_eq!(t[0].frames[2].path, "/srv/index.php");
    }

    #[test]
    fn xdebug_call_stack_table() {
        let t = scan(&[
            "( ! ) Fatal error: Call to undefined method x() in /srv/a.php on line 5",
            "Call Stack",
            "#\tTime\tMemory\tFunction\tLocation",
            "1\t0.0001\t1000\t{main}( )\t../index.php:0",
            "2\t0.0002\t2000\trun( )\t../index.php:7",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[1].path, "../index.php");
        assert_eq!(t[0].frames[1].line, Some(7));
    }

    #[test]
    fn bugsnag_issue_text() {
        let t = scan(&[
            "**App\\FooException** in **GET /x**",
            "bad thing",
            "",
            "## Stacktrace",
            "",
            "    app/A.php:3 - App\\A::run",
            "    app/B.php:9 - App\\B::go",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "App\\FooException");
        assert_eq!(t[0].message, "bad thing");
        assert_eq!(t[0].frames.len(), 2);
        assert!(scan(&["[**E** in **GET /x**](https://x.test)"]).is_empty());
    }
    #[test]
    fn collision_new_layout() {
        let t = scan(&[
            "",
            "   Illuminate\\Database\\QueryException ",
            "",
            "  SQLSTATE[HY000] [2002] Connection refused",
            "",
            "  at vendor/laravel/framework/src/Illuminate/Database/Connection.php:712",
            "    708\u{2595}         // comment",
            "  \u{279c} 712\u{2595}             throw new QueryException(",
            "",
            "      +36 vendor frames ",
            "  37  artisan:37",
            "      Illuminate\\Foundation\\Console\\Kernel::handle(Object(X))",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "Illuminate\\Database\\QueryException");
        assert_eq!(t[0].message, "SQLSTATE[HY000] [2002] Connection refused");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[0].line, Some(712));
        assert_eq!(t[0].frames[1].path, "artisan");
        assert_eq!(
            t[0].frames[1].function.as_deref(),
            Some("Illuminate\\Foundation\\Console\\Kernel::handle")
        );
    }

    #[test]
    fn collision_old_layout() {
        let t = scan(&[
            "   Illuminate\\Database\\QueryException  : could not find driver",
            "",
            "  at /srv/vendor/Connection.php:664",
            "    660|         // comment",
            "  > 664|             throw new QueryException(",
            "",
            "  Exception trace:",
            "",
            "  1   PDOException::(\"could not find driver\")",
            "      /srv/vendor/Connector.php:70",
            "",
            "  2   PDO::__construct(\"mysql:host=db\")",
            "      /srv/vendor/Connector.php:70",
            "",
            "  Please use the argument -v to see more details.",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].message, "could not find driver");
        assert_eq!(t[0].frames.len(), 3);
        assert_eq!(t[0].frames[2].function.as_deref(), Some("PDO::__construct"));
        assert_eq!(t[0].frames[2].line, Some(70));
    }

    #[test]
    fn symfony_console_blocks_chain_outermost_first() {
        let t = scan(&[
            "In Connection.php line 664:",
            "                    ",
            "  Connection refused (SQL: select 1)  ",
            "                    ",
            "In Connector.php line 67:",
            "",
            "  Connection refused",
            "",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].caused_by, Some(1));
        assert_eq!(t[0].message, "Connection refused (SQL: select 1)");
        assert_eq!(t[1].frames[0].path, "Connector.php");
        assert_eq!(t[1].frames[0].line, Some(67));
    }
    #[test]
    fn symfony_error_page_text() {
        let t = scan(&[
            "Twig_Error_Runtime",
            "An exception has been thrown during the rendering of a template (\"x\").",
            "in page.html.twig (line 3)",
            "",
            "From the log:",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "Twig_Error_Runtime");
        assert_eq!(t[0].frames[0].path, "page.html.twig");
        assert_eq!(t[0].frames[0].line, Some(3));
        let t = scan(&[
            "Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException",
            "No route found for \"GET /x\"",
            "",
            "  at vendor/symfony/http-kernel/EventListener/RouterListener.php:136",
            "  at Symfony\\Component\\HttpKernel\\EventListener\\RouterListener->onKernelRequest(object(RequestEvent))",
            "     (vendor/symfony/event-dispatcher/Debug/WrappedListener.php:117)",
            "  at App\\Kernel->handle(object(Request))",
            "     (public/index.php:25)",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].frames.len(), 3);
        assert_eq!(t[0].frames[2].path, "public/index.php");
        assert_eq!(
            t[0].frames[2].function.as_deref(),
            Some("App\\Kernel->handle")
        );
    }

    #[test]
    fn php5_message_over_several_lines() {
        let t = scan(&[
            "[2014-01-02 03:04:05] log.ERROR: exception 'PDOException' with message 'first",
            "second' in /srv/vendor/Connector.php:55",
            "Stack trace:",
            "#0 /srv/vendor/Connector.php(55): PDO->__construct()",
            "#1 {main}",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "PDOException");
        assert_eq!(t[0].message, "first\nsecond");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[0].line, Some(55));
    }
}
