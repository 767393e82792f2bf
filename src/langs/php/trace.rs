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
        r"(?:^|\s|:)Uncaught (?P<e>[A-Za-z_\\][\w\\]*)(?:: (?P<m>.*))? in (?P<p>\S.*?):(?P<l>\d+)$",
    )
});
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
        r"^#(?P<n>\d+) (?:(?P<p>\S.*?)\((?P<l>\d+)\)|(?P<int>\[internal function\])): (?P<f>.+)$",
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
    let c = if t.contains("Uncaught ") {
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
        l: c.name("l")?.as_str(),
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
    let (p, span, line) = match (c.name("p"), c.name("int")) {
        (Some(p), _) => (
            p.as_str(),
            l.range_of(p.as_str()),
            c.name("l").and_then(|m| shared::parse_u32(m.as_str())),
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
    if !saw_stack && frames_below == 0 && !t.contains("Uncaught") {
        return None;
    }
    Some((trace, i))
}

pub(crate) fn parse(doc: &Doc, li: usize) -> Option<Parsed> {
    let t = doc.line(li).t();
    if !(shared::UNCAUGHT.is_in(t)
        || shared::LARAVEL.is_in(t)
        || is_stack_line(t)
        || t.starts_with("#0 ")
        || shared::DOT_PHP.is_in(t))
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
