//! JVM (Java, Kotlin, Scala, Groovy): `Exception in thread "main" X: msg`,
//! `at [loader//][module@ver/]pkg.Cls.m(File.java:123)`, `Native Method`, `Unknown Source`,
//! `Caused by:`, `Suppressed:`, `... N more`, `... N common frames omitted`, logback's
//! `~[jar:ver]` suffix.

use std::sync::LazyLock;

use regex::Regex;

use super::shared::{self, Doc, Parsed};
use super::{Language, Trace};

static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"^at (?:[\w.$-]+//)?(?:[\w.$-]+(?:@[\w.-]+)?/)?(?P<f>[\w$.<>-]+\.[\w$<>-]+)\((?P<loc>(?P<file>[\w$.-]+\.(?:java|kt|kts|scala|groovy|clj|aj|jsp)|Native Method|Unknown Source|SourceFile|[\w$-]+)(?::(?P<l>\d+))?)\)(?:\s*~?\[[^\]]*\])?$",
    )
});

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r#"^(?:Exception in thread "[^"]*" |(?P<rel>Caused by|Suppressed|Wrapped by): )?(?P<e>(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*|[A-Z][\w$]*(?:Exception|Error|Throwable))(?::\s?(?P<m>.*))?$"#,
    )
});

/// A qualified exception name after a log prefix: `... [thread] java.net.ConnectException: x`.
static LOOSE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    shared::re(
        r"(?:^|[\s\]])(?P<e>(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable))(?::\s?(?P<m>.*))?$",
    )
});

static MORE: LazyLock<Regex> =
    LazyLock::new(|| shared::re(r"^\.\.\. \d+ (?:more|common frames omitted)"));

pub(crate) fn is_frame(t: &str) -> bool {
    t.starts_with("at ") && FRAME.is_match(t)
}

pub(crate) fn is_header(t: &str) -> bool {
    HEADER.is_match(t) || LOOSE_HEADER.is_match(t)
}

pub(crate) fn header(t: &str) -> Option<(&str, &str, Option<&str>)> {
    let Some(c) = HEADER.captures(t) else {
        let c = LOOSE_HEADER.captures(t)?;
        return Some((
            c.name("e")?.as_str(),
            c.name("m").map_or("", |m| m.as_str()),
            None,
        ));
    };
    Some((
        c.name("e")?.as_str(),
        c.name("m").map_or("", |m| m.as_str()),
        c.name("rel").map(|m| m.as_str()),
    ))
}

pub(crate) fn in_app(function: &str, loc: &str) -> bool {
    const LIB: [&str; 12] = [
        "java.",
        "javax.",
        "jdk.",
        "kotlin.",
        "kotlinx.",
        "sun.",
        "com.sun.",
        "scala.",
        "jakarta.",
        "android.",
        "dalvik.",
        "com.android.internal.",
    ];
    !(LIB.iter().any(|p| function.starts_with(p)) || loc == "Native Method")
}

pub(crate) fn parse(doc: &Doc, header_line: Option<usize>, first: usize) -> Option<Parsed> {
    let start = doc.line(header_line.unwrap_or(first));
    let mut all: Vec<(Trace, usize)> = Vec::new();
    let mut t0 = shared::new_trace(Language::Jvm, "", "", start.span(), start.span(), doc.mode);
    if let Some(h) = header_line
        && let Some((e, m, _)) = header(doc.line(h).t())
    {
        t0.exception = shared::unescape(e, doc.mode);
        t0.message = shared::unescape(m.trim(), doc.mode);
    }
    let h_indent = header_line.map_or(0, |h| doc.line(h).indent());
    all.push((t0, h_indent));
    let mut cur = 0usize;
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
        if let Some(c) = FRAME.captures(t) {
            let (Some(f), Some(loc)) = (c.name("f"), c.name("loc")) else {
                break;
            };
            let file = c.name("file").map_or(loc.as_str(), |m| m.as_str());
            let fr = shared::frame(
                doc,
                file,
                l.range_of(loc.as_str()),
                c.name("l").and_then(|m| shared::parse_u32(m.as_str())),
                None,
                Some(f.as_str()),
                l.span(),
                in_app(f.as_str(), loc.as_str()),
            );
            all[cur].0.span.end = fr.span.end;
            all[cur].0.frames.push(fr);
            for (tr, _) in all.iter_mut().take(cur) {
                tr.span.end = tr.span.end.max(l.off + l.s.len());
            }
            i += 1;
            next = i;
            continue;
        }
        if MORE.is_match(t) {
            i += 1;
            next = i;
            continue;
        }
        if let Some((e, m, Some(rel))) = header(t) {
            let indent = l.indent();
            let tr = shared::new_trace(Language::Jvm, e, m, l.span(), l.span(), doc.mode);
            let idx = all.len();
            if rel == "Caused by" {
                let owner = all
                    .iter()
                    .rposition(|(t, ind)| *ind == indent && t.caused_by.is_none())
                    .or_else(|| all.iter().rposition(|(t, _)| t.caused_by.is_none()));
                if let Some(o) = owner {
                    all[o].0.caused_by = Some(idx);
                }
            }
            all.push((tr, indent));
            cur = idx;
            i += 1;
            next = i;
            continue;
        }
        break;
    }
    if all.iter().all(|(t, _)| t.frames.is_empty()) {
        return None;
    }
    let end = doc.line(next.saturating_sub(1)).span().end;
    if let Some((t, _)) = all.first_mut() {
        t.span.end = t.span.end.max(end);
    }
    Some(Parsed {
        traces: all.into_iter().map(|(t, _)| t).collect(),
        next,
    })
}
