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
        r"^(?:at|bei|bij|à|en|в|場所|在|於|위치:|ved|em|w|v|vid|a|di|in|op|na|ile)\s+(?P<f>[^\s(][^(]*?)\((?P<args>[^()]*)\)(?: at offset \d+)?(?:\s+(?:in|dans|en|в|場所|位置|於|파일|na|em|w|v|i|di|op|ve|konum)\s+(?P<p>.+?):\s?(?:line|Zeile|ligne|línea|linea|строка|行|行号|riga|linha|wiersz|řádek|regel|rad|satır|sor|줄|Zeile)\s*(?P<l>\d+)(?::col \d+)?\.?)?$",
    )
});
static MONO: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^at (?:\(wrapper [^)]*\) )?(?P<f>[^\s(][^(]*?) ?\((?P<args>[^()]*)\)(?P<il> \[0x[0-9a-f]+\]| <0x[0-9a-f]+(?: \+ 0x[0-9a-f]+)?>)?(?: in (?P<p>.+?):(?:line )?(?P<l>\d+))?(?: <---)?$",
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

/// `Type: msg` with nothing before the type: tried first, since [`HEADER`]'s label prefix
/// (`Exception Info:`) would otherwise take `HttpRequestException:` of `HttpRequestException:
/// refused` for a label and `refused` for the type.
static TYPE_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?P<e>[A-Za-z_][\w`+]*(?:\.[A-Za-z_][\w`+]*)*)(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?(?:\s?:\s?(?P<m>.*))?$",
    )
});

fn type_ok(e: &str) -> bool {
    let last = e.rsplit('.').next().unwrap_or(e);
    e.contains('.') || last.ends_with("Exception") || last.ends_with("Error")
}

/// What may precede an exception line: an AggregateException's `---> (Inner Exception #0) `
/// when a paste starts there, a `20.05.2022 12:46:39 : ` log stamp.
static LEAD: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^(?:---> \(Inner Exception #\d+\) |\d{1,2}[./]\d{1,2}[./]\d{2,4} \d{1,2}:\d{2}:\d{2} : )",
    )
});

pub(crate) fn header(t: &str) -> Option<(&str, &str)> {
    let b = t.as_bytes();
    let t = if b.first() == Some(&b'-') || b.first().is_some_and(u8::is_ascii_digit) {
        LEAD.find(t).map_or(t, |m| &t[m.end()..])
    } else {
        t
    };
    if let Some(c) = TYPE_FIRST.captures(t)
        && let Some(e) = c.name("e").map(|m| m.as_str())
        && type_ok(e)
        && e != "Exception"
        && e != "Error"
    {
        return Some((e, c.name("m").map_or("", |m| m.as_str())));
    }
    let c = HEADER.captures(t)?;
    let e = c.name("e")?.as_str();
    if !type_ok(e) {
        return None;
    }
    let m = c.name("m").map_or("", |m| m.as_str());
    // A section title (`Exception:`), not an exception type.
    if (e == "Exception" || e == "Error") && m.trim().is_empty() {
        return None;
    }
    Some((e, m))
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
    // An exception line printed without frames right before another one (a logger that prints
    // the exception alone, then again with its stack): each earlier one is its own trace.
    let mut header_line = header_line;
    let mut frameless: Vec<Trace> = Vec::new();
    if let Some(h) = header_line {
        let mut cur = h;
        for j in h + 1..first {
            let t = doc.line(j).t();
            if inner_line(t).is_none()
                && let Some((e, _)) = header(t)
                && (e.ends_with("Exception") || e.ends_with("Error"))
            {
                let l = doc.line(cur);
                if let Some((pe, pm)) = header(l.t()) {
                    frameless.push(shared::new_trace(
                        super::RUNTIME,
                        pe,
                        pm,
                        l.span(),
                        l.span(),
                        doc.mode,
                    ));
                }
                cur = j;
            }
        }
        header_line = Some(cur);
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
            // Visual Studio's "Copy Details": the type alone, then `Message=…` under it.
            // (and telemetry's `Message: …`; a crash report's message alone on the next line).
            let lt = l.t();
            let m = lt
                .strip_prefix("Message=")
                .or_else(|| lt.strip_prefix("Message: "));
            let m = m.or_else(|| {
                (first == h + 2
                    && !lt.contains('=')
                    && !lt.ends_with(':')
                    && !lt.starts_with("---")
                    && !lt.starts_with('(')
                    && header(lt).is_none())
                .then_some(lt)
            });
            if let Some(m) = m
                && let Some(t0) = traces.first_mut()
                && t0.message.is_empty()
            {
                t0.message = shared::unescape(m.trim(), doc.mode);
            }
            if let Some((rest, takes)) = inner_line(l.t())
                && let Some((e, m)) = header(rest)
            {
                push_inner(&mut traces, &mut stack, e, m, l.span(), doc, takes);
            }
        }
    }
    // Telemetry layouts print the first frame on the `StackTrace:` line itself.
    if first > 0
        && header_line.is_some_and(|h| h < first - 1)
        && let l = doc.line(first - 1)
        && let Some(rest) = l.t().strip_prefix("StackTrace:")
        && !rest.trim().is_empty()
    {
        let rest = rest.trim_start();
        let sub = Line {
            s: rest,
            off: l.range_of(rest).start,
        };
        if let Some(f) = frame_of(doc, &sub, true)
            && let Some(t0) = traces.first_mut()
            && stack.len() == 1
        {
            t0.frames.push(f);
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
            && header(rest.split(" ---> ").next().unwrap_or(rest)).is_some()
        {
            // `---> (Inner Exception #0) A: m ---> B: m`: a chain of its own on one line.
            for piece in rest.split(" ---> ") {
                if let Some((e, m)) = header(piece.trim()) {
                    push_inner(&mut traces, &mut stack, e, m, l.span(), doc, takes);
                }
            }
            i += 1;
            next = i;
            continue;
        }
        // A frame whose location was wrapped onto a later line: `at X.Y() in` … `path:line 9`.
        if let Some(cut) = t.strip_suffix(" in")
            && let Some(mut f) = frame_of(
                doc,
                &Line {
                    s: cut,
                    off: l.range_of(cut).start,
                },
                true,
            )
            && let Some(k) = doc.next_nonblank(i + 1, 1)
            && let Some(c) = SPLIT_LOC.captures(doc.line(k).t())
            && let (Some(p), Some(n)) = (c.name("p"), c.name("l"))
        {
            let kl = doc.line(k);
            f.path = shared::unescape(p.as_str(), doc.mode);
            f.path_span = kl.range_of(p.as_str());
            f.line = shared::parse_u32(n.as_str());
            f.in_app = in_app(f.function.as_deref().unwrap_or(""), &f.path);
            f.span.end = kl.span().end;
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
            i = k + 1;
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
    // Visual Studio's "Copy Details" lists the inner exceptions after the stack:
    // `Inner Exception 1:` then `T: msg`, each without frames.
    let mut j = next;
    let limit = (next + 8).min(doc.len());
    while j < limit {
        let t = doc.line(j).t();
        if t.starts_with("Inner Exception ")
            && t.ends_with(':')
            && let Some(k) = doc.next_nonblank(j + 1, 0)
            && let Some((e, m)) = header(doc.line(k).t())
        {
            let span = doc.line(k).span();
            push_inner(&mut traces, &mut stack, e, m, span.clone(), doc, true);
            if let Some(t0) = traces.first_mut() {
                t0.span.end = t0.span.end.max(span.end);
            }
            next = k + 1;
            j = k + 1;
            continue;
        }
        j += 1;
    }
    if !frameless.is_empty() {
        let n = frameless.len();
        for t in &mut traces {
            if let Some(c) = t.caused_by.as_mut() {
                *c += n;
            }
        }
        frameless.extend(traces);
        traces = frameless;
    }
    Some(Parsed { traces, next })
}

static SPLIT_LOC: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(r"^(?P<p>\S.*?):(?:line|Zeile|ligne|línea|riga|linha) ?(?P<l>\d+)$")
});

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
    // An exception keeps its first cause: AggregateException's `(Inner Exception #0)` list
    // after its stack repeats causes already linked.
    if let Some(&top) = stack.last()
        && let Some(t) = traces.get_mut(top)
        && t.caused_by.is_none()
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

    #[test]
    fn copy_details_message_inners_and_wrapped_location() {
        let t = scan(&[
            "System.AggregateException",
            "  HResult=0x80131500",
            "  Message=Many things failed.",
            "  StackTrace:",
            "   at A.B.C()",
            "   at A.B.Main(String[] args) in ",
            "",
            "C:\\src\\Program.cs:line 12",
            "",
            "Inner Exception 1:",
            "HttpRequestException: refused",
            "",
            "Inner Exception 2:",
            "SocketException: refused too",
        ]);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].message, "Many things failed.");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[1].path, "C:\\src\\Program.cs");
        assert_eq!(t[0].frames[1].line, Some(12));
        assert_eq!(t[0].caused_by, Some(1));
        assert_eq!(t[1].caused_by, Some(2));
        assert_eq!(t[2].exception, "SocketException");
    }

    #[test]
    fn message_alone_under_the_type() {
        let t = scan(&[
            "System.Threading.Tasks.TaskCanceledException",
            "A task was canceled.",
            "   at A.B.C()",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].message, "A task was canceled.");
    }

    #[test]
    fn headerless_frames_at_offset_without_indent() {
        let t = scan(&[
            "at A.B.C(System.Int32 x) at offset 4 in C:\\src\\B.cs:line 39:col 13",
            "at A.B.D() at offset 8",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[0].line, Some(39));
    }

    #[test]
    fn more_localized_frame_words() {
        for f in [
            "於 A.B.C() 於 C:\\src\\B.cs: 行 12",
            "위치: A.B.C() 파일 C:\\src\\B.cs:줄 12",
            "bij A.B.C() in C:\\src\\B.cs:regel 12",
            "in A.B.C() in C:\\src\\B.cs:riga 12",
        ] {
            assert!(super::is_frame(f), "{f}");
        }
    }

    #[test]
    fn path_with_spaces_and_parentheses() {
        let t = scan(&[
            "System.InvalidOperationException: bad state",
            "   at App.Main.Run(String a) in C:\\Users\\me\\My App (WPF)\\Main.cs:line 79",
        ]);
        assert_eq!(t[0].frames[0].path, "C:\\Users\\me\\My App (WPF)\\Main.cs");
        assert_eq!(t[0].frames[0].line, Some(79));
    }

    #[test]
    fn exception_line_without_frames_before_the_same_with_frames() {
        let t = scan(&[
            "Unhandled Exception:",
            "StackOverflowException",
            "[ERROR] FATAL UNHANDLED EXCEPTION: System.StackOverflowException: overflow",
            "  at (wrapper managed-to-native) System.Object:f (object)",
            "  at A.B.C () [0x00016] in <5584aad2904cf4daa7450383d2aa8455>:0",
        ]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].exception, "StackOverflowException");
        assert!(t[0].frames.is_empty());
        assert_eq!(t[1].exception, "System.StackOverflowException");
        assert_eq!(t[1].frames.len(), 2);
        assert_eq!(t[1].frames[1].line, None);
    }

    #[test]
    fn aggregate_inner_list_after_the_stack_is_a_chain_of_its_own() {
        let t = scan(&[
            "System.AggregateException: many ---> System.Net.WebException: down",
            "   at A.B.C()",
            "   --- End of inner exception stack trace ---",
            "   at A.B.D()",
            "---> (Inner Exception #0) System.Net.WebException: down ---> System.IO.IOException: gone",
        ]);
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].caused_by, Some(1));
        assert_eq!(t[2].exception, "System.Net.WebException");
        assert_eq!(t[2].caused_by, Some(3));
        assert_eq!(t[3].exception, "System.IO.IOException");
    }

    #[test]
    fn first_frame_on_the_stacktrace_line() {
        let t = scan(&[
            "System.NullReferenceException",
            "Message: no object",
            "Source: App",
            "StackTrace:    at App.A.B(Int32 x)",
            "   at App.A.C()",
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].message, "no object");
        assert_eq!(t[0].frames.len(), 2);
        assert_eq!(t[0].frames[0].function.as_deref(), Some("App.A.B"));
    }

    #[test]
    fn paste_starting_at_an_inner_exception_line_and_dated_lines() {
        let t = scan(&[
            "---> (Inner Exception #0) System.Net.Sockets.SocketException (0x80004005): refused",
            "  at A.B.C () [0x00014] in <9c6e2cb7ddd8473fa420642ddcf7ce48>:0 <---",
            "",
            "20.05.2022 12:46:39 : System.AggregateException: many (refused) ---> System.IO.IOException: refused",
            "  at A.B.D () [0x00014] in <9c6e2cb7ddd8473fa420642ddcf7ce48>:0",
        ]);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].exception, "System.Net.Sockets.SocketException");
        assert_eq!(t[0].frames.len(), 1);
        assert_eq!(t[1].exception, "System.AggregateException");
        assert_eq!(t[1].caused_by, Some(2));
        assert_eq!(t[2].frames.len(), 1);
    }
}
