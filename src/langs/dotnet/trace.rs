//! .NET: `Unhandled exception. X: msg`, `at Ns.T.M(args) in path:line N` (and the localized
//! forms: German `bei … in …:Zeile N`, French `à … dans …:ligne N`, Spanish
//! `en … en …:línea N`, …), inner exceptions (` ---> Inner: msg` …
//! `--- End of inner exception stack trace ---`), `--- End of stack trace from previous
//! location ---`, Mono (`at T.M () [0x00000] in <filename unknown>:0`) and Unity
//! (`T.M () (at Assets/X.cs:25)`).

use std::sync::LazyLock;

use regex::Regex;

use crate::traces::shared::{self, Doc, Line, Parsed};
use crate::traces::{Frame, Trace};

static STANDARD: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:at|bei|à|en|в|場所|在|ved|em|w|v|vid|a|di|op|na|ile)\s+(?P<f>[^\s(][^(]*?)\((?P<args>[^()]*)\)(?: at offset \d+)?(?:\s+(?:in|dans|en|в|場所|位置|na|em|w|v|i|di|op|ve|konum)\s+(?P<p>.+?):(?:line|Zeile|ligne|línea|linea|строка|行|行号|riga|linha|wiersz|řádek|regel|rad|satır|sor|Zeile)\s*(?P<l>\d+)(?::col \d+)?\.?)?$",
    )
});
static MONO: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^at (?:\(wrapper [^)]*\) )?(?P<f>[^\s(][^(]*?) ?\((?P<args>[^()]*)\)(?P<il> \[0x[0-9a-f]+\]| <0x[0-9a-f]+(?: \+ 0x[0-9a-f]+)?>)?(?: in (?P<p>.+?):(?:line )?(?P<l>\d+))?$",
    )
});
static UNITY: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?P<f>[\w.<>`+$\[\],]+(?::[\w.<>`+$\[\],]+)?) ?\((?P<args>[^()]*)\)(?: \(at (?P<p>[^()]+):(?P<l>\d+)\))?$",
    )
});
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:(?:\[ERROR\] )?(?:Unhandled [Ee]xception[.:]|FATAL UNHANDLED EXCEPTION:|Unbehandelte Ausnahme:|Exception non gérée\s?:|Excepción no controlada:|Необработанное исключение:|未经处理的异常:|ハンドルされていない例外:|[A-Z][\w ]{0,30}:)\s*)?(?P<e>[A-Za-z_][\w`+]*(?:\.[A-Za-z_][\w`+]*)*)(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?(?:\s?:\s?(?P<m>.*))?$",
    )
});

pub(crate) fn header(t: &str) -> Option<(&str, &str)> {
    let c = HEADER.captures(t)?;
    let e = c.name("e")?.as_str();
    let last = e.rsplit('.').next().unwrap_or(e);
    if !(e.contains('.') || last.ends_with("Exception") || last.ends_with("Error")) {
        return None;
    }
    let m = c.name("m").map_or("", |m| m.as_str());
    // A section title (`Exception:`), not an exception type.
    if (e == "Exception" || e == "Error") && m.trim().is_empty() {
        return None;
    }
    Some((e, c.name("m").map_or("", |m| m.as_str())))
}

pub(crate) fn is_frame(t: &str) -> bool {
    if STANDARD.is_match(t) {
        return true;
    }
    if t.starts_with("at ")
        && let Some(c) = MONO.captures(t)
    {
        return c.name("il").is_some() || c.name("p").is_some() || t.starts_with("at (wrapper ");
    }
    t.contains("(at ") && UNITY.is_match(t)
}

pub(crate) fn in_app(function: &str, path: &str) -> bool {
    const LIB: [&str; 7] = [
        "System.",
        "Microsoft.",
        "Mono.",
        "UnityEngine.",
        "UnityEditor.",
        "(wrapper",
        "Newtonsoft.",
    ];
    !(LIB.iter().any(|p| function.starts_with(p)) || path.contains("/_/src/libraries/"))
}

fn frame_of(doc: &Doc, l: &Line, after_header: bool) -> Option<Frame> {
    let t = l.t();
    let c = STANDARD
        .captures(t)
        .or_else(|| {
            if t.starts_with("at ") {
                MONO.captures(t)
            } else {
                None
            }
        })
        .or_else(|| {
            if after_header {
                UNITY.captures(t)
            } else {
                None
            }
        })?;
    let f = c.name("f")?.as_str().trim();
    let (path, path_span) = match c.name("p") {
        Some(p) => (p.as_str(), l.range_of(p.as_str())),
        None => {
            let end = l.range_of(t).end;
            ("", end..end)
        }
    };
    let line = c
        .name("l")
        .and_then(|m| shared::parse_u32(m.as_str()))
        .filter(|&n| n > 0 || !path.starts_with('<'));
    Some(shared::frame(
        doc,
        path,
        path_span,
        line,
        None,
        Some(f),
        l.span(),
        in_app(f, path),
    ))
}

/// An inner exception on its own line: ` ---> T: m` (its frames come first, as .NET prints
/// them), `---> (Inner Exception #0) T: m` (AggregateException), or xUnit's `---- T : m`
/// (frames stay with the outer exception: xUnit prints the outer stack first).
fn inner_line(t: &str) -> Option<(&str, bool)> {
    if let Some(rest) = t.strip_prefix("---> ") {
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix("(Inner Exception #") {
            Some(r) => r.split_once(") ").map_or(rest, |(_, r)| r),
            None => rest,
        };
        return Some((rest.trim(), true));
    }
    t.strip_prefix("---- ").map(|r| (r.trim(), false))
}

fn is_inner_end(t: &str) -> bool {
    t.starts_with("---")
        && (t.contains("inner")
            || t.contains("intern")
            || t.contains("внутренн")
            || t.contains("内部"))
}

pub(crate) fn parse(doc: &Doc, header_line: Option<usize>, first: usize) -> Option<Parsed> {
    // Unity frames without a location (`Ns.T.M (args)`) above the first `(at …)` one.
    let mut first = first;
    if let Some(h) = header_line {
        while first > h + 1 && UNITY.is_match(doc.line(first - 1).t()) {
            first -= 1;
        }
    }
    let start = doc.line(header_line.unwrap_or(first));
    let mut traces: Vec<Trace> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut t0 = shared::new_trace(super::RUNTIME, "", "", start.span(), start.span(), doc.mode);
    let mut inners: Vec<(&str, &str, std::ops::Range<usize>)> = Vec::new();
    if let Some(h) = header_line {
        let l = doc.line(h);
        let t = l.t();
        let mut pieces = t.split(" ---> ");
        if let Some((e, m)) = pieces.next().and_then(header) {
            t0.exception = shared::unescape(e, doc.mode);
            t0.message = shared::unescape(m.trim(), doc.mode);
        }
        for p in pieces {
            if let Some((e, m)) = header(p.trim()) {
                let r = l.range_of(p);
                inners.push((e, m, r.start..l.span().end));
            }
        }
    }
    traces.push(t0);
    stack.push(0);
    for (e, m, r) in inners {
        push_inner(&mut traces, &mut stack, e, m, r, doc, true);
    }
    if let Some(h) = header_line {
        for j in h + 1..first {
            let l = doc.line(j);
            if let Some((rest, takes)) = inner_line(l.t())
                && let Some((e, m)) = header(rest)
            {
                push_inner(&mut traces, &mut stack, e, m, l.span(), doc, takes);
            }
        }
    }
    let mut i = first;
    let mut next = first;
    let mut blanks = 0;
    while i < doc.len() {
        let l = doc.line(i);
        if l.is_blank() {
            blanks += 1;
            if blanks > 1 {
                break;
            }
            i += 1;
            continue;
        }
        blanks = 0;
        let t = l.t();
        if let Some(f) = frame_of(doc, &l, header_line.is_some()) {
            let top = stack.last().copied().unwrap_or(0);
            let end = f.span.end;
            if let Some(tr) = traces.get_mut(top) {
                tr.frames.push(f);
            }
            for &s in &stack {
                if let Some(tr) = traces.get_mut(s) {
                    tr.span.end = tr.span.end.max(end);
                }
            }
            i += 1;
            next = i;
            continue;
        }
        if let Some((rest, takes)) = inner_line(t)
            && let Some((e, m)) = header(rest)
        {
            push_inner(&mut traces, &mut stack, e, m, l.span(), doc, takes);
            i += 1;
            next = i;
            continue;
        }
        if t.starts_with("---") && t.ends_with("---") {
            if is_inner_end(t) && stack.len() > 1 {
                stack.pop();
            }
            let end = l.span().end;
            if let Some(tr) = traces.first_mut() {
                tr.span.end = tr.span.end.max(end);
            }
            i += 1;
            next = i;
            continue;
        }
        break;
    }
    if traces.iter().all(|t| t.frames.is_empty()) {
        return None;
    }
    Some(Parsed { traces, next })
}

fn push_inner(
    traces: &mut Vec<Trace>,
    stack: &mut Vec<usize>,
    e: &str,
    m: &str,
    span: std::ops::Range<usize>,
    doc: &Doc,
    takes_frames: bool,
) {
    let idx = traces.len();
    if let Some(&top) = stack.last()
        && let Some(t) = traces.get_mut(top)
    {
        t.caused_by = Some(idx);
    }
    traces.push(shared::new_trace(
        super::RUNTIME,
        e,
        m,
        span.clone(),
        span,
        doc.mode,
    ));
    if takes_frames {
        stack.push(idx);
    }
}

#[cfg(test)]
mod tests {
    /// The text's lines, one literal each: an escaped `\n` in this file would make the file
    /// itself hold a trace (the precision test scans it).
    fn scan(lines: &[&str]) -> Vec<crate::traces::Trace> {
        crate::traces::scan(&lines.join("\n"))
    }

    #[test]
    fn hresult_after_the_type_and_inner_arrow_lines() {
        let t = scan(&[
            "A.B.OuterException: outer",
            " ---> C.D.InnerException (0x80004005): inner",
            "   at C.D.E.F() in /src/E.cs:line 3",
            "   --- End of inner exception stack trace ---",
            "   at A.B.G.H() in /src/G.cs:line 9",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].caused_by, Some(1));
        assert_eq!(t[1].exception, "C.D.InnerException");
        assert_eq!(t[1].message, "inner");
        assert_eq!(t[1].frames.len(), 1);
        assert_eq!(t[0].frames.len(), 1);
    }

    #[test]
    fn aggregate_inner_exception_prefix() {
        let t = scan(&[
            "System.AggregateException: many",
            "---> (Inner Exception #0) System.IO.IOException: disk",
            "   at X.Y.Z()",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].exception, "System.IO.IOException");
        assert_eq!(t[1].message, "disk");
    }

    #[test]
    fn xunit_inner_dashes_leave_frames_with_the_outer() {
        let t = scan(&[
            "Error Message:",
            " A.OuterException : outer",
            "---- B.InnerException : inner",
            "Stack Trace:",
            "   at A.X.Run()",
            "   at A.X.Main()",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].exception, "A.OuterException");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].caused_by, Some(1));
        assert_eq!(t[1].exception, "B.InnerException");
        assert!(t[1].frames.is_empty());
    }

    #[test]
    fn at_offset_col_and_trailing_period() {
        assert!(super::is_frame(
            "at A.B.C(System.Int32 x) at offset 4 in C:\\src\\B.cs:line 39:col 13"
        ));
        assert!(super::is_frame("bei A.B.C() in X\\B.cs:Zeile 154."));
        let t = scan(&[
            "System.Exception: x",
            "   bei A.B.C() in X\\B.cs:Zeile 154.",
        ]);
        assert_eq!(t[0].frames[0].line, Some(154));
    }

    #[test]
    fn unity_frames_without_location_before_located_ones() {
        let t = scan(&[
            "NullReferenceException: no object here",
            "Mono.A.B (System.Type t)",
            "Mono.A.C ()",
            "Game.D () (at Assets/D.cs:5)",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].frames.len(), 3);
        assert_eq!(t[0].frames[0].function.as_deref(), Some("Mono.A.B"));
    }

    #[test]
    fn mono_wrapper_frames() {
        assert!(super::is_frame(
            "at (wrapper managed-to-native) A.B:C (object,intptr)"
        ));
    }

    #[test]
    fn section_title_is_not_a_header() {
        let t = scan(&[
            "Exception:",
            "",
            "System.InvalidOperationException: bad",
            "   at A.B()",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].exception, "System.InvalidOperationException");
    }
}
