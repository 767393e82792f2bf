//! Line model shared by every format parser.
//!
//! A [`Doc`] is a list of line ranges over the ORIGINAL text. Lines are either physical
//! (split at `\n`, `\r\n` or a lone `\r`) or virtual: pieces of one physical line, split at
//! literal `\n` escapes (a JSON log field) or before frame markers (a trace flattened onto
//! one line). Either way every offset a parser produces indexes the original text.

use std::borrow::Cow;
use std::ops::Range;

use super::noise;
use super::{Frame, Trace};

/// Regexes only ever see this many bytes of a line: a 1 MB line costs the same as a 4 KiB one.
pub(crate) const MAX_LINE: usize = 4096;

/// How many blank lines in a row a trace may contain before we call it finished.
pub(crate) const MAX_BLANKS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Physical,
    /// Lines came from `\n` escapes inside one physical line (JSON string).
    Escaped,
    /// Lines came from splitting a flattened one-line trace.
    Flattened,
}

pub(crate) struct Doc<'a> {
    pub text: &'a str,
    pub lines: Vec<Range<usize>>,
    pub mode: Mode,
    /// Direct-mapped memo of noise stripping: parsers re-read the lines around a hit.
    /// `(line index, content start, content end)`, offsets into `text`.
    cache: std::cell::RefCell<[(usize, usize, usize); CACHE]>,
}

const CACHE: usize = 64;
const EMPTY: (usize, usize, usize) = (usize::MAX, 0, 0);

/// One line as the parsers see it: noise stripped, trailing whitespace trimmed, capped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    pub s: &'a str,
    pub off: usize,
}

impl<'a> Line<'a> {
    pub fn t(&self) -> &'a str {
        trim_start(self.s)
    }
    /// Offset of the first non-blank byte.
    pub fn t_off(&self) -> usize {
        self.off + self.indent()
    }
    pub fn indent(&self) -> usize {
        self.s.len() - trim_start(self.s).len()
    }
    pub fn is_blank(&self) -> bool {
        trim_start(self.s).is_empty()
    }
    /// The line without leading blanks, as a range.
    pub fn span(&self) -> Range<usize> {
        self.t_off()..self.off + self.s.len()
    }
    /// Absolute range of a sub-slice of `s` (or of `t()`).
    pub fn range_of(&self, sub: &str) -> Range<usize> {
        let start = self.off + offset_in(self.s, sub);
        start..start + sub.len()
    }
}

/// `str::trim_start` with an ASCII fast path (lines are indented with ASCII blanks).
pub(crate) fn trim_start(s: &str) -> &str {
    let n = run_len(s, is_space);
    let r = &s[n..];
    if r.as_bytes().first().is_some_and(|&b| b >= 0x80) {
        r.trim_start()
    } else {
        r
    }
}

/// `str::trim_end` with an ASCII fast path.
pub(crate) fn trim_end(s: &str) -> &str {
    let b = s.as_bytes();
    let mut n = b.len();
    while n > 0 && is_space(b[n - 1]) {
        n -= 1;
    }
    let r = &s[..n];
    if n > 0 && b[n - 1] >= 0x80 {
        r.trim_end()
    } else {
        r
    }
}

/// Byte position of `sub` within `outer`; `sub` must be a sub-slice (regex captures are).
pub(crate) fn offset_in(outer: &str, sub: &str) -> usize {
    let o = outer.as_ptr() as usize;
    let s = sub.as_ptr() as usize;
    s.saturating_sub(o).min(outer.len())
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl<'a> Doc<'a> {
    pub fn physical(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut lines = Vec::with_capacity(text.len() / 64 + 1);
        let mut start = 0;
        let mut it = memchr::memchr2_iter(b'\n', b'\r', bytes).peekable();
        while let Some(p) = it.next() {
            if bytes[p] == b'\r' && bytes.get(p + 1) == Some(&b'\n') {
                it.next();
                lines.push(start..p);
                start = p + 2;
            } else {
                lines.push(start..p);
                start = p + 1;
            }
        }
        if start < text.len() {
            lines.push(start..text.len());
        }
        Doc {
            text,
            lines,
            mode: Mode::Physical,
            cache: std::cell::RefCell::new([EMPTY; CACHE]),
        }
    }

    /// Split one physical line at literal `\n` escapes (`\r\n` escapes too).
    pub fn escaped(text: &'a str, range: Range<usize>) -> Self {
        let bytes = &text.as_bytes()[range.clone()];
        let mut lines = Vec::new();
        let mut start = 0;
        for p in memchr::memmem::find_iter(bytes, b"\\n") {
            if p < start {
                continue; // `\\n` overlapping the previous escape
            }
            // An escaped backslash before `n` (`\\n`) is not a newline.
            let mut slashes = 0;
            while p > slashes && bytes[p - slashes - 1] == b'\\' {
                slashes += 1;
            }
            if slashes % 2 == 1 {
                continue;
            }
            let mut end = p;
            if end >= start + 2 && &bytes[end - 2..end] == b"\\r" {
                end -= 2;
            }
            lines.push(range.start + start..range.start + end);
            start = p + 2;
        }
        lines.push(range.start + start..range.end);
        Doc {
            text,
            lines,
            mode: Mode::Escaped,
            cache: std::cell::RefCell::new([EMPTY; CACHE]),
        }
    }

    /// Split one physical line before each of `cuts` (absolute offsets, sorted).
    pub fn flattened(text: &'a str, range: Range<usize>, cuts: &[usize]) -> Self {
        let mut lines = Vec::with_capacity(cuts.len() + 1);
        let mut start = range.start;
        for &c in cuts {
            if c > start && c < range.end {
                lines.push(start..c);
                start = c;
            }
        }
        lines.push(start..range.end);
        Doc {
            text,
            lines,
            mode: Mode::Flattened,
            cache: std::cell::RefCell::new([EMPTY; CACHE]),
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// The line at `i`, noise stripped. Out of range gives an empty line at the end.
    pub fn line(&self, i: usize) -> Line<'a> {
        let Some(r) = self.lines.get(i) else {
            let end = self.lines.last().map_or(0, |r| r.end);
            return Line { s: "", off: end };
        };
        let slot = i % CACHE;
        let cached = self.cache.borrow()[slot];
        let (a, b) = if cached.0 == i {
            (cached.1, cached.2)
        } else {
            let raw_end = floor_char_boundary(self.text, r.end.min(r.start + MAX_LINE));
            let raw = self.text.get(r.start..raw_end).unwrap_or("");
            let (a, b) = noise::strip(raw, self.mode == Mode::Escaped, i == 0);
            let (a, b) = (r.start + a, r.start + b);
            self.cache.borrow_mut()[slot] = (i, a, b);
            (a, b)
        };
        Line {
            s: self.text.get(a..b).unwrap_or(""),
            off: a,
        }
    }

    /// Index of the line holding byte `off` (or the next line when `off` is a terminator).
    pub fn line_index_at(&self, off: usize) -> usize {
        self.lines.partition_point(|r| r.end < off)
    }

    pub fn line_start(&self, i: usize) -> usize {
        self.lines.get(i).map_or_else(|| self.end(), |r| r.start)
    }

    pub fn end(&self) -> usize {
        self.lines.last().map_or(0, |r| r.end)
    }

    /// First non-blank line at or after `i`, within `max_blanks` blank lines.
    pub fn next_nonblank(&self, i: usize, max_blanks: usize) -> Option<usize> {
        let mut j = i;
        while j < self.len() && j <= i + max_blanks {
            if !self.line(j).is_blank() {
                return Some(j);
            }
            j += 1;
        }
        None
    }
}

/// Result of one parser: traces (with `caused_by` relative to this vec) and the first line
/// index it did not consume.
pub(crate) struct Parsed {
    pub traces: Vec<Trace>,
    pub next: usize,
}

pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    s.parse().ok()
}

/// Unescape a JSON-escaped piece (`\"`, `\\`, `\t`) for strings we hand out.
pub(crate) fn unescape(s: &str, mode: Mode) -> String {
    if mode != Mode::Escaped || !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('/') => out.push('/'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn frame(
    doc: &Doc,
    path: &str,
    path_span: Range<usize>,
    line: Option<u32>,
    column: Option<u32>,
    function: Option<&str>,
    span: Range<usize>,
    in_app: bool,
) -> Frame {
    Frame {
        path: unescape(path, doc.mode),
        line,
        column,
        function: function.map(|f| unescape(f, doc.mode)),
        in_app,
        span,
        path_span,
        source_line: None,
    }
}

pub(crate) fn new_trace(
    language: super::Runtime,
    exception: &str,
    message: &str,
    span: Range<usize>,
    header_span: Range<usize>,
    mode: Mode,
) -> Trace {
    Trace {
        language,
        exception: unescape(exception.trim(), mode),
        message: unescape(message.trim(), mode),
        span,
        header_span,
        frames: Vec::new(),
        caused_by: None,
        created_by: None,
    }
}

/// Normalise Windows separators so one set of `in_app` rules fits all paths.
/// Borrows when there is nothing to replace (the common case: no allocation per frame).
pub(crate) fn norm_path(p: &str) -> Cow<'_, str> {
    if p.contains('\\') {
        Cow::Owned(p.replace('\\', "/"))
    } else {
        Cow::Borrowed(p)
    }
}

// Byte classes with the meanings [`re`] gives `\s`, `\w`, `\d`: the hand-written parsers
// below mirror those regexes exactly.

/// `\s` as [`re`] compiles it.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// `\w` as [`re`] compiles it.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Length of the run of bytes at the start of `s` satisfying `f`. `f` must reject every
/// non-ASCII byte or accept all of them, so the result is a char boundary.
pub(crate) fn run_len(s: &str, f: impl Fn(u8) -> bool) -> usize {
    s.bytes().position(|b| !f(b)).unwrap_or(s.len())
}

/// `\d+` matching all of `s`.
pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Compile a pattern with ASCII meanings for `\w`, `\d`, `\s`, `\S`: traces are ASCII where it
/// matters, and Unicode classes blow up the automata (slower lazy DFA, more PikeVM fallbacks).
pub(crate) fn re(pat: &str) -> regex::Regex {
    let mut out = String::with_capacity(pat.len() * 2);
    let mut chars = pat.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('d') => out.push_str("[0-9]"),
            Some('s') => out.push_str("[\\t\\n\\x0B\\x0C\\r\\x20]"),
            Some('S') => out.push_str("[^\\t\\n\\x0B\\x0C\\r\\x20]"),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    regex::Regex::new(&out).unwrap_or_else(|e| panic!("invalid built-in regex {pat:?}: {e}"))
}

/// Substring test with a prebuilt searcher (building one per call dominated profiles).
pub(crate) struct Needle(pub(crate) LazyFinder);
type LazyFinder = std::sync::LazyLock<memchr::memmem::Finder<'static>>;

impl Needle {
    pub(crate) const fn new(f: fn() -> memchr::memmem::Finder<'static>) -> Self {
        Needle(std::sync::LazyLock::new(f))
    }
    pub(crate) fn is_in(&self, hay: &str) -> bool {
        self.0.find(hay.as_bytes()).is_some()
    }
    pub(crate) fn find(&self, hay: &str) -> Option<usize> {
        self.0.find(hay.as_bytes())
    }
}

macro_rules! needle {
    ($name:ident, $lit:expr) => {
        pub(crate) static $name: $crate::traces::shared::Needle =
            $crate::traces::shared::Needle::new(|| memchr::memmem::Finder::new($lit));
    };
}

/// Python's (and Ruby 2.5–2.7's) header line.
pub(crate) const TRACEBACK_LINE: &str = "Traceback (most recent call last):";

/// Offset of the first [`TRACEBACK_LINE`] in `s`. Checked at each `T`: on the short lines
/// parsers test this is cheaper than setting up a substring search.
pub(crate) fn find_traceback(s: &str) -> Option<usize> {
    if s.len() < TRACEBACK_LINE.len() {
        return None;
    }
    let b = s.as_bytes();
    memchr::memchr_iter(b'T', b).find(|&p| b[p..].starts_with(TRACEBACK_LINE.as_bytes()))
}
needle!(AT_SP, " at ");
needle!(FILE_Q, "File \"");
needle!(FROM_SP, " from ");
needle!(SP_HASH, " #");
needle!(CAUSED, "Caused by");
needle!(ESC_NL, "\\n");
needle!(UNCAUGHT, "Uncaught ");
needle!(LARAVEL, "[object] (");
needle!(DOT_PHP, ".php:");
needle!(THREAD_Q, "thread '");
needle!(PACKAGES, "packages");
needle!(SLASH_LIB, "/lib/");
needle!(PYTHON, "python");
needle!(PYENV, "/.pyenv/versions/");
needle!(NODE_MODULES, "node_modules");
needle!(INTERNAL_PAREN, "(internal/");
needle!(WEBPACK_BOOT, "webpack/bootstrap");

/// Differential-test support: lines built from tokens that steer the hand-written parsers
/// into their corner cases, compared against the regexes they replace.
#[cfg(test)]
pub(crate) mod arbitrary {
    use proptest::prelude::*;

    /// Tokens every format shares; each parser's tests add their own.
    const COMMON: &[&str] = &[
        " ", "  ", "\t", ":", "(", ")", "[", "]", "\"", "\\", "/", ".", "@", "<", ">", "$", "-",
        "+", "~", "'", "`", ",", "0", "1", "12", "0x1d", "a", "Z", "é", "x y", "\u{b}",
    ];

    /// A single line (no `\n`) from `COMMON` plus `extra`, usually opening with one or two
    /// of `extra` (the parsers key on how a line starts).
    pub(crate) fn line(extra: &'static [&'static str]) -> impl Strategy<Value = String> {
        let pool: Vec<&'static str> = COMMON.iter().chain(extra.iter()).copied().collect();
        let lead = proptest::collection::vec(proptest::sample::select(extra), 0..3);
        let body = proptest::collection::vec(proptest::sample::select(pool), 0..14);
        (lead, body).prop_map(|(a, b)| a.concat() + &b.concat())
    }

    /// One of `skeletons` (well-formed lines) with up to four edits: a token from `COMMON`
    /// or `extra` inserted, or a byte range removed, at random places.
    pub(crate) fn near(
        skeletons: &'static [&'static str],
        extra: &'static [&'static str],
    ) -> impl Strategy<Value = String> {
        let pool: Vec<&'static str> = COMMON.iter().chain(extra.iter()).copied().collect();
        let edit = (
            any::<usize>(),
            any::<usize>(),
            proptest::option::of(proptest::sample::select(pool)),
        );
        (
            proptest::sample::select(skeletons),
            proptest::collection::vec(edit, 0..5),
        )
            .prop_map(|(sk, edits)| {
                let mut s = sk.to_string();
                for (at, len, tok) in edits {
                    let mut i = at % (s.len() + 1);
                    while !s.is_char_boundary(i) {
                        i -= 1;
                    }
                    match tok {
                        Some(t) => s.insert_str(i, t),
                        None => {
                            let mut j = (i + 1 + len % 4).min(s.len());
                            while !s.is_char_boundary(j) {
                                j += 1;
                            }
                            s.replace_range(i..j, "");
                        }
                    }
                }
                s
            })
    }

    /// `near` or `line`, half and half.
    pub(crate) fn mixed(
        skeletons: &'static [&'static str],
        extra: &'static [&'static str],
    ) -> impl Strategy<Value = String> {
        prop_oneof![near(skeletons, extra), line(extra)]
    }

    pub(crate) fn config() -> ProptestConfig {
        ProptestConfig::with_cases(2500)
    }

    proptest! {
        #![proptest_config(config())]
        #[test]
        fn trims_match_std(s in line(&["\u{a0}", "\u{2003}", "\u{85}", "\r", "\u{c}", "x"])) {
            prop_assert_eq!(super::trim_start(&s), s.trim_start());
            prop_assert_eq!(super::trim_end(&s), s.trim_end());
        }
    }
}
