//! Find and parse stack traces in arbitrary text (pasted notes, logs, issue bodies).
//!
//! Pure: text in, [`Trace`]s out, byte offsets into the text. No I/O, no LSP types.
//!
//! How it works: a cheap multi-literal search (`TRIGGER`) finds lines that may start or
//! belong to a trace; only those lines (and the lines after them) are parsed by the format
//! parsers, one file per format family. A line is examined through [`noise`] stripping and
//! only its first [`shared::MAX_LINE`] bytes reach a regex, so time stays linear.
//!
//! Choices worth knowing:
//! - Frames are innermost first. Python and Ruby 2.5–2.7 print outermost first: reversed.
//! - Go: `exception` is `panic`, `fatal error` or the signal name, and `message` the panic value
//!   as printed (`runtime error: index out of range [5] with length 3`). Each further goroutine
//!   block is its own trace with exception `""`; `created by` is not a frame (`created_by`).
//! - Rust: `exception` is `panic`; the panic location is frame 0, then the `RUST_BACKTRACE`
//!   frames (innermost first, as printed); anyhow/eyre `Caused by:` entries are their own traces.
//! - PHP: the `in file:line` of the `Uncaught` line is the innermost frame, then `#N` frames.
//! - Ruby: the header line is the innermost frame.
//! - Python SyntaxError location lines (`File "x", line 3` without `, in`) are frame 0.
//! - `path_span` covers the path text only, except JVM (`Cart.java:12`) where the file name
//!   alone names nothing.
//! - A run of frames without a recognisable header (≥ 2 frames) is a trace with
//!   `exception` "".

use std::ops::Range;
use std::sync::LazyLock;

use serde::Serialize;

mod noise;
pub(crate) mod shared;

use crate::langs::{AtStyle, TRACE_FORMATS};

use shared::{Doc, Parsed};

/// A runtime whose stack traces are parsed, named by its registry key (`python`, `jvm`,
/// `dotnet`). Each trace format defines its own in its folder (`langs/<key>/mod.rs`:
/// `pub const RUNTIME`), so a new format adds no variant here. Serialised as its key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Runtime(&'static str);

impl Runtime {
    pub const fn new(key: &'static str) -> Runtime {
        Runtime(key)
    }

    /// The key in JSON output, data files and settings.
    pub const fn key(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Runtime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    pub language: Runtime,
    /// Exception type as printed (`asyncio.TimeoutError`, `java.lang.NullPointerException`);
    /// Go/Rust: see the module docs. "" when the header was not found.
    pub exception: String,
    /// First line of the message, "" if none.
    pub message: String,
    /// Byte span of the whole trace.
    pub span: Range<usize>,
    /// Byte span of the line holding the exception type/message.
    pub header_span: Range<usize>,
    /// Innermost first.
    pub frames: Vec<Frame>,
    /// Index (into the returned Vec) of the trace of the exception that caused this one.
    pub caused_by: Option<usize>,
    /// Go: the function a goroutine block's `created by` line names (not a frame).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frame {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub function: Option<String>,
    pub in_app: bool,
    /// The frame's line, without terminator, noise prefix or indentation.
    pub span: Range<usize>,
    /// The path text (JVM: `Cart.java:12`).
    pub path_span: Range<usize>,
    /// Python: the code line printed under the frame, trimmed.
    pub source_line: Option<String>,
}

impl Trace {
    /// The frame a diagnostic should point at: innermost in-app frame, else innermost.
    pub fn culprit(&self) -> Option<&Frame> {
        self.frames
            .iter()
            .find(|f| f.in_app)
            .or_else(|| self.frames.first())
    }
}

/// Every trace found in `text`, in document order.
pub fn scan(text: &str) -> Vec<Trace> {
    let doc = Doc::physical(text);
    let mut out = Vec::new();
    drive(&doc, &mut out, true);
    out
}

/// Indices of traces that no other trace names as its cause: the exceptions a user saw.
pub fn roots(traces: &[Trace]) -> Vec<usize> {
    let mut is_cause = vec![false; traces.len()];
    for t in traces {
        if let Some(c) = t.caused_by
            && let Some(slot) = is_cause.get_mut(c)
        {
            *slot = true;
        }
    }
    (0..traces.len()).filter(|&i| !is_cause[i]).collect()
}

/// Identical traces seen several times (a log file): same language, exception type, message
/// and in-app frames (path, line, function); all frames when none is in-app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceGroup {
    pub language: Runtime,
    pub exception: String,
    /// Message of the first member.
    pub message: String,
    pub count: usize,
    /// Indices into the `traces` slice, in order.
    pub members: Vec<usize>,
    /// 1-based line of the first and last member's start.
    pub first_line: usize,
    pub last_line: usize,
}

/// What makes two traces "the same" for [`group`]: borrowed from the trace, nothing built
/// per trace (a 100 MB log holds ~500k of them).
struct GroupKey<'a> {
    trace: &'a Trace,
    any_app: bool,
}

impl<'a> GroupKey<'a> {
    fn new(trace: &'a Trace) -> Self {
        let any_app = trace.frames.iter().any(|f| f.in_app);
        GroupKey { trace, any_app }
    }
    fn frames(&self) -> impl Iterator<Item = (&'a str, Option<u32>, Option<&'a str>)> + '_ {
        self.trace
            .frames
            .iter()
            .filter(|f| f.in_app || !self.any_app)
            .map(|f| (f.path.as_str(), f.line, f.function.as_deref()))
    }
}

impl PartialEq for GroupKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.trace.language == other.trace.language
            && self.trace.exception == other.trace.exception
            && self.trace.message == other.trace.message
            && self.frames().eq(other.frames())
    }
}

impl Eq for GroupKey<'_> {}

impl std::hash::Hash for GroupKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.trace.language.hash(state);
        self.trace.exception.hash(state);
        self.trace.message.hash(state);
        let mut n = 0usize;
        for f in self.frames() {
            f.hash(state);
            n += 1;
        }
        n.hash(state);
    }
}

pub fn group(traces: &[Trace], text: &str) -> Vec<TraceGroup> {
    let lines = line_numbers(text, traces.iter().map(|t| t.span.start));
    let mut index: std::collections::HashMap<GroupKey, usize> = std::collections::HashMap::new();
    let mut groups: Vec<TraceGroup> = Vec::new();
    for (i, t) in traces.iter().enumerate() {
        let key = GroupKey::new(t);
        let line = lines.get(i).copied().unwrap_or(1);
        match index.get(&key) {
            Some(&g) => {
                let grp = &mut groups[g];
                grp.count += 1;
                grp.members.push(i);
                grp.last_line = line;
            }
            None => {
                index.insert(key, groups.len());
                groups.push(TraceGroup {
                    language: t.language,
                    exception: t.exception.clone(),
                    message: t.message.clone(),
                    count: 1,
                    members: vec![i],
                    first_line: line,
                    last_line: line,
                });
            }
        }
    }
    groups
}

/// 1-based line numbers of ascending-ish offsets, counting `\n`, `\r\n` and lone `\r`.
fn line_numbers(text: &str, offsets: impl Iterator<Item = usize>) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    for off in offsets {
        let off = off.min(bytes.len());
        if off < pos {
            pos = 0;
            line = 1;
        }
        for p in memchr::memchr2_iter(b'\n', b'\r', &bytes[pos..off]) {
            let a = pos + p;
            if !(bytes[a] == b'\r' && bytes.get(a + 1) == Some(&b'\n')) {
                line += 1;
            }
        }
        pos = off;
        out.push(line);
    }
    out
}

/// Literals that occur in (almost) every trace's header or frames (each format lists its own,
/// `TraceFormat::triggers`). Only lines holding one are parsed; Teddy/Aho-Corasick makes the
/// search run at memory speed.
static TRIGGER: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    let mut lits: Vec<&str> = TRACE_FORMATS
        .iter()
        .flat_map(|f| f.triggers.iter().copied())
        .collect();
    lits.sort_unstable();
    lits.dedup();
    let pat = lits
        .iter()
        .map(|l| regex::escape(l))
        .collect::<Vec<_>>()
        .join("|");
    regex::bytes::Regex::new(&pat).expect("trigger regex")
});

/// The formats' header-first parsers, in the order they are tried (`TraceFormat::headed`).
static HEADED: LazyLock<Vec<crate::langs::HeadedParse>> = LazyLock::new(|| {
    let mut all: Vec<(u8, crate::langs::HeadedParse)> = TRACE_FORMATS
        .iter()
        .flat_map(|f| f.headed.iter().copied())
        .collect();
    all.sort_by_key(|(order, _)| *order);
    all.into_iter().map(|(_, p)| p).collect()
});

/// The formats of a header then `at …` frames, in registry order.
fn at_styles() -> impl Iterator<Item = &'static AtStyle> {
    TRACE_FORMATS.iter().filter_map(|f| f.at_style.as_ref())
}

fn drive(doc: &Doc, out: &mut Vec<Trace>, nested: bool) {
    let Some(first) = doc.lines.first() else {
        return;
    };
    let bytes = doc.text.as_bytes();
    let end = doc.end();
    let hay = &bytes[..end];
    let mut pos = first.start;
    let mut floor = 0usize;
    while pos < end {
        let Some(m) = TRIGGER.find_at(hay, pos) else {
            break;
        };
        let li = doc.line_index_at(m.start());
        let Some(raw) = doc.lines.get(li).cloned() else {
            break;
        };
        if li < floor {
            pos = m.end().max(pos + 1);
            continue;
        }
        if nested && let Some(sub) = split_line(doc, li) {
            let before = out.len();
            drive(&sub, out, false);
            if out.len() > before {
                floor = li + 1;
                pos = doc.line_start(li + 1).max(raw.end + 1);
                continue;
            }
        }
        match parse_at(doc, li, floor) {
            Some(p) if !p.traces.is_empty() => {
                let base = out.len();
                for mut t in p.traces {
                    if let Some(c) = t.caused_by.as_mut() {
                        *c += base;
                    }
                    out.push(t);
                }
                floor = p.next.max(li + 1);
                pos = doc.line_start(floor).max(raw.end + 1);
            }
            _ => pos = raw.end.max(m.end()).max(pos + 1),
        }
    }
}

/// A physical line that holds a whole trace: JSON-escaped newlines or a flattened trace.
fn split_line<'a>(doc: &Doc<'a>, li: usize) -> Option<Doc<'a>> {
    let raw = doc.lines.get(li)?.clone();
    let bytes = doc.text.as_bytes().get(raw.clone())?;
    if shared::ESC_NL.0.find(bytes).is_some() {
        let sub = Doc::escaped(doc.text, raw);
        if sub.len() >= 2 {
            return Some(sub);
        }
    }
    let line = doc.line(li);
    let cuts = flatten_cuts(line.s);
    if cuts.is_empty() {
        return None;
    }
    let cuts: Vec<usize> = cuts.into_iter().map(|c| line.off + c).collect();
    Some(Doc::flattened(
        doc.text,
        line.off..line.off + line.s.len(),
        &cuts,
    ))
}

static FLAT_MARK: LazyLock<regex::Regex> = LazyLock::new(|| {
    shared::re(
        r#"(?x)
          \sFile\ "[^"]+",\ line\ \d+
        | \sat\ (?:async\ |new\ )?[^\s()]*\ ?\((?:[^()]*:\d+(?::\d+)?|<anonymous>|native)\)
        | \sat\ [^\s()]+:\d+:\d+
        | \sat\ [\w$./]+\((?:Native\ Method|Unknown\ Source)\)
        | \sfrom\ [^\s:]+:\d+:in\ 
        | \s\#\d+\ (?:\S+\(\d+\)|\{main\}|\[internal\ function\])
        | \sCaused\ by:\ 
        | \s(?:Stack\ trace:|thrown\ in\ )
        "#,
    )
});

static FLAT_HEAD: LazyLock<regex::Regex> =
    LazyLock::new(|| shared::re(r"(?:Error|Exception|Throwable)\w*(?: \[[^\]]*\])?:\s"));

static FLAT_PY_EXC: LazyLock<regex::Regex> = LazyLock::new(|| {
    shared::re(
        r"\s([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Iteration|Group|Timeout|Cancelled))(?::\s|\s*$)",
    )
});

/// Cut points (offsets into `s`) for a trace flattened onto one line, or none when `s` is
/// not one. A line counts as flattened when a frame marker appears after other text.
fn flatten_cuts(s: &str) -> Vec<usize> {
    let t_off = s.len() - s.trim_start().len();
    if !(shared::AT_SP.is_in(s)
        || shared::FILE_Q.is_in(s)
        || shared::FROM_SP.is_in(s)
        || shared::SP_HASH.is_in(s)
        || shared::CAUSED.is_in(s))
    {
        return Vec::new();
    }
    let mut cuts: Vec<usize> = FLAT_MARK
        .find_iter(s)
        .map(|m| m.start() + 1)
        .filter(|&c| c > t_off + 1)
        .collect();
    if cuts.is_empty() {
        return cuts;
    }
    let head = &s[t_off..cuts[0]];
    let headerish = head.contains("Traceback")
        || FLAT_HEAD.is_match(head)
        || head.contains("Exception in thread")
        || head.contains("Uncaught")
        || head.contains(":in ");
    if cuts.len() < 2 && !headerish {
        return Vec::new();
    }
    // Python: the exception line follows the last frame's source text.
    if let Some(tb) = shared::find_traceback(s) {
        cuts.push(tb + shared::TRACEBACK_LINE.len());
    }
    cuts.sort_unstable();
    if let Some(&last) = cuts.last()
        && s[last..].starts_with("File")
        && let Some(m) = FLAT_PY_EXC.captures_iter(&s[last..]).last()
        && let Some(g) = m.get(1)
    {
        cuts.push(last + g.start());
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

fn parse_at(doc: &Doc, li: usize, floor: usize) -> Option<Parsed> {
    let line = doc.line(li);
    let t = line.t();
    if t.len() < 3 {
        return None;
    }
    if let Some(p) = HEADED.iter().find_map(|parse| parse(doc, li, floor)) {
        return Some(p);
    }
    parse_at_style(doc, li, floor)
}

/// The `at`-style format a frame line belongs to (JavaScript, JVM and .NET share a shape: a
/// header line, then `at ...` frames; the first frame decides which format it is).
pub(crate) fn classify_frame(t: &str) -> Option<&'static AtStyle> {
    // Every frame form starts with a (possibly localized) `at` word, or is a Unity frame
    // carrying `(at `; Firefox frames (`fn@url`) are handled by the caller.
    const AT_WORDS: [&str; 21] = [
        "at", "bei", "à", "en", "в", "場所", "在", "ved", "em", "w", "v", "vid", "a", "di", "op",
        "na", "ile", "bij", "於", "위치:", "in",
    ];
    let b = t.as_bytes();
    let word = memchr::memchr(b' ', b).map_or(t, |p| &t[..p]);
    if !AT_WORDS.contains(&word)
        && !memchr::memchr_iter(b'(', b).any(|p| b[p..].starts_with(b"(at "))
    {
        return None;
    }
    at_styles().find(|s| (s.is_frame)(t))
}

/// How many message lines may sit between a header and its first frame.
const MAX_MESSAGE_LINES: usize = 8;

fn parse_at_style(doc: &Doc, li: usize, floor: usize) -> Option<Parsed> {
    let here = doc.line(li);
    if let Some(kind) = classify_frame(here.t()) {
        // Started on a frame: the header, if any, is the line before.
        let header = li
            .checked_sub(1)
            .filter(|&h| h >= floor && (kind.is_header)(doc.line(h).t()));
        return run_at_style(doc, kind, header, li);
    }
    // Only a line that reads as a header is worth looking ahead from.
    let t = here.t();
    if !at_styles().any(|s| (s.looks_like_header)(t)) {
        return None;
    }
    // Firefox/Safari frames (`fn@url:l:c`) only count after a header.
    let mut j = li + 1;
    let limit = (li + 1 + MAX_MESSAGE_LINES).min(doc.len());
    while j < limit {
        let l = doc.line(j);
        let t = l.t();
        if let Some(kind) =
            classify_frame(t).or_else(|| at_styles().find(|s| (s.is_frame_after_header)(t)))
        {
            if (kind.is_header)(doc.line(li).t()) {
                return run_at_style(doc, kind, Some(li), j);
            }
            return None;
        }
        j += 1;
    }
    None
}

fn run_at_style(doc: &Doc, kind: &AtStyle, header: Option<usize>, first: usize) -> Option<Parsed> {
    let p = (kind.parse)(doc, header, first)?;
    let frames: usize = p.traces.iter().map(|t| t.frames.len()).sum();
    if header.is_none() && frames < 2 {
        return None;
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_count_all_terminators() {
        let text = "a\nb\r\nc\rd";
        assert_eq!(
            line_numbers(text, [0, 2, 5, 7].into_iter()),
            vec![1, 2, 3, 4]
        );
    }

    #[test]
    fn physical_lines_split_on_every_terminator() {
        let d = Doc::physical("a\r\nb\rc\nd");
        assert_eq!(d.lines, vec![0..1, 3..4, 5..6, 7..8]);
        assert_eq!(d.mode, shared::Mode::Physical);
    }
}
