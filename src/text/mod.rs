//! Documents and positions.
//!
//! The engine speaks byte offsets. Editors speak `(line, character)` where the character unit is
//! negotiated (UTF-8 bytes, UTF-16 code units or UTF-32 code points). Conversion happens here and
//! nowhere else. Line breaks are the three the LSP recognises: `\n`, `\r\n` and a lone `\r`
//! (ropey is built with `cr_lines` and without `unicode_lines` for exactly that reason).

use std::fmt;

use ropey::{Rope, RopeSlice};

/// The unit of `Position::character`, as negotiated at `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::Utf32 => "utf-32",
        }
    }

    /// LSP 3.17 negotiation: prefer UTF-8, then UTF-32, and fall back to UTF-16, the only
    /// encoding a client that says nothing is guaranteed to understand.
    pub fn negotiate<'a>(offered: impl IntoIterator<Item = &'a str>) -> Encoding {
        let offered: Vec<&str> = offered.into_iter().collect();
        if offered.contains(&"utf-8") {
            Encoding::Utf8
        } else if offered.contains(&"utf-32") {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }
}

/// A position as an editor sends it: zero-based line, and a column in the negotiated unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Position {
    pub fn new(line: u32, character: u32) -> Self {
        Position { line, character }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionError {
    /// The line does not exist in the document.
    LineOutOfRange { line: u32, line_count: usize },
    /// The start of a range lies after its end.
    Inverted,
}

impl fmt::Display for PositionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PositionError::LineOutOfRange { line, line_count } => write!(
                f,
                "line {line} is outside the document, which has {line_count} line(s)"
            ),
            PositionError::Inverted => f.write_str("the range starts after it ends"),
        }
    }
}

impl std::error::Error for PositionError {}

/// Text with a line index. Cloning is cheap (the rope shares its nodes), which is what lets
/// readers hold an immutable snapshot while the owner keeps editing.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    rope: Rope,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex {
            rope: Rope::from_str(text),
        }
    }

    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    pub fn len_bytes(&self) -> usize {
        self.rope.len_bytes()
    }

    pub fn line_count(&self) -> usize {
        self.rope.len_lines()
    }

    pub fn text(&self) -> String {
        self.rope.to_string()
    }

    /// Byte offset of `pos`. A character past the end of its line means the end of the line
    /// (as the LSP specifies); a line past the end of the document is an error, not a guess.
    pub fn offset(&self, pos: Position, enc: Encoding) -> Result<usize, PositionError> {
        let line = pos.line as usize;
        if line >= self.rope.len_lines() {
            return Err(PositionError::LineOutOfRange {
                line: pos.line,
                line_count: self.rope.len_lines(),
            });
        }
        let line_start = self.rope.line_to_byte(line);
        let content = line_content(self.rope.line(line));
        let col = pos.character as usize;
        let within = match enc {
            Encoding::Utf8 => {
                let b = col.min(content.len_bytes());
                // Snap into a character boundary rather than split a code point.
                content.char_to_byte(content.byte_to_char(b))
            }
            Encoding::Utf16 => {
                let cu = col.min(content.len_utf16_cu());
                content.char_to_byte(content.utf16_cu_to_char(cu))
            }
            Encoding::Utf32 => content.char_to_byte(col.min(content.len_chars())),
        };
        Ok(line_start + within)
    }

    pub fn range(
        &self,
        start: Position,
        end: Position,
        enc: Encoding,
    ) -> Result<std::ops::Range<usize>, PositionError> {
        let s = self.offset(start, enc)?;
        let e = self.offset(end, enc)?;
        if s > e {
            return Err(PositionError::Inverted);
        }
        Ok(s..e)
    }

    /// Position of a byte offset; offsets past the end clamp to the end, offsets inside a
    /// multi-byte character snap to its start.
    pub fn position(&self, offset: usize, enc: Encoding) -> Position {
        let offset = offset.min(self.rope.len_bytes());
        let char_idx = self.rope.byte_to_char(offset);
        let line = self.rope.char_to_line(char_idx);
        let line_char = self.rope.line_to_char(line);
        let character = match enc {
            Encoding::Utf8 => self.rope.char_to_byte(char_idx) - self.rope.line_to_byte(line),
            Encoding::Utf16 => {
                self.rope.char_to_utf16_cu(char_idx) - self.rope.char_to_utf16_cu(line_char)
            }
            Encoding::Utf32 => char_idx - line_char,
        };
        Position::new(saturate(line), saturate(character))
    }

    /// Byte offset where `line` starts (the document length for lines past the end).
    pub fn line_start(&self, line: usize) -> usize {
        if line >= self.rope.len_lines() {
            self.rope.len_bytes()
        } else {
            self.rope.line_to_byte(line)
        }
    }

    /// Zero-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.rope.byte_to_line(offset.min(self.rope.len_bytes()))
    }

    /// The text of `line` without its line break, if the line exists.
    pub fn line_text(&self, line: usize) -> Option<String> {
        (line < self.rope.len_lines()).then(|| line_content(self.rope.line(line)).to_string())
    }

    /// Replaces `range` (byte offsets) by `new_text`.
    pub fn replace(&mut self, range: std::ops::Range<usize>, new_text: &str) {
        let start = self
            .rope
            .byte_to_char(range.start.min(self.rope.len_bytes()));
        let end = self.rope.byte_to_char(range.end.min(self.rope.len_bytes()));
        if end > start {
            self.rope.remove(start..end);
        }
        if !new_text.is_empty() {
            self.rope.insert(start, new_text);
        }
    }
}

fn line_content(line: RopeSlice<'_>) -> RopeSlice<'_> {
    let mut end = line.len_chars();
    if end > 0 && line.char(end - 1) == '\n' {
        end -= 1;
    }
    if end > 0 && line.char(end - 1) == '\r' {
        end -= 1;
    }
    line.slice(..end)
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One `contentChanges` entry: a range edit or, without a range, the whole new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChange {
    pub range: Option<(Position, Position)>,
    pub text: String,
}

/// An open document: text, version and the language the editor says it is.
#[derive(Debug, Clone)]
pub struct Document {
    pub index: LineIndex,
    pub version: i32,
    pub language_id: String,
}

impl Document {
    pub fn new(text: &str, version: i32, language_id: impl Into<String>) -> Self {
        Document {
            index: LineIndex::new(text),
            version,
            language_id: language_id.into(),
        }
    }

    /// Applies a `didChange` batch atomically: either every change applies and the version
    /// advances, or the document is left exactly as it was.
    pub fn apply(
        &mut self,
        changes: &[TextChange],
        version: i32,
        enc: Encoding,
    ) -> Result<(), PositionError> {
        let mut next = self.index.clone();
        for change in changes {
            match change.range {
                None => next = LineIndex::new(&change.text),
                Some((start, end)) => {
                    let range = next.range(start, end, enc)?;
                    next.replace(range, &change.text);
                }
            }
        }
        self.index = next;
        self.version = version;
        Ok(())
    }

    pub fn text(&self) -> String {
        self.index.text()
    }
}

/// The line starts of one text, for converting many offsets in a row: a publish converts
/// thousands, and each rope lookup walks the rope's tree several times. Same line breaks and
/// results as [`LineIndex::position`].
#[derive(Debug, Clone)]
pub struct LineTable {
    text: std::sync::Arc<str>,
    starts: Vec<usize>,
}

impl LineTable {
    pub fn new(text: impl Into<std::sync::Arc<str>>) -> Self {
        let text: std::sync::Arc<str> = text.into();
        let starts = line_starts(&text);
        LineTable { text, starts }
    }

    pub fn position(&self, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let before = &self.text[self.starts[line]..offset];
        let character = match enc {
            Encoding::Utf8 => before.len(),
            _ if before.is_ascii() => before.len(),
            Encoding::Utf16 => before.chars().map(char::len_utf16).sum(),
            Encoding::Utf32 => before.chars().count(),
        };
        Position::new(saturate(line), saturate(character))
    }
}

/// Byte offsets where each line of `text` starts, by the LSP's rule (the one rule for text that
/// people see: notes, logs, a frame's source file): `\n`, `\r\n` and a lone `\r` each end a line.
/// [`LineTable`] and [`line_number`] are built on it; `traces::line_numbers` streams the same rule
/// over a log without keeping every start. (Code positions from tree-sitter count `\n` only; the
/// rewrite helpers follow tree-sitter.)
pub fn line_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0usize];
    for i in memchr::memchr2_iter(b'\n', b'\r', b) {
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            continue;
        }
        starts.push(i + 1);
    }
    starts
}

/// 1-based line of each byte offset, given the text's [`line_starts`].
pub fn line_number(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_follow_every_line_break_including_a_lone_cr_just_before_the_offset() {
        let text = "a\r\nb\rc\nd";
        let starts = line_starts(text);
        assert_eq!(starts, vec![0, 3, 5, 7]);
        let lines: Vec<usize> = (0..=text.len()).map(|o| line_number(&starts, o)).collect();
        assert_eq!(lines, vec![1, 1, 1, 2, 2, 3, 3, 4, 4]);
        // The line after a lone `\r` starts right after it.
        assert_eq!(line_number(&line_starts("a\rb"), 2), 2);
    }

    proptest::proptest! {
        /// The table gives the rope's answer for every offset, line break and encoding.
        #[test]
        fn line_table_positions_equal_the_rope_positions(
            text in "(a|é|😀|\t|\n|\r|\r\n| ){0,40}",
            offsets in proptest::collection::vec(0usize..200, 1..12),
        ) {
            let index = LineIndex::new(&text);
            let table = LineTable::new(text.as_str());
            for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
                for &o in &offsets {
                    proptest::prop_assert_eq!(table.position(o, enc), index.position(o, enc), "offset {} {:?}", o, enc);
                }
            }
        }
    }

    #[test]
    fn negotiation_prefers_utf8_then_utf32_then_falls_back_to_utf16() {
        assert_eq!(Encoding::negotiate(["utf-16", "utf-8"]), Encoding::Utf8);
        assert_eq!(Encoding::negotiate(["utf-16", "utf-32"]), Encoding::Utf32);
        assert_eq!(Encoding::negotiate(["utf-16"]), Encoding::Utf16);
        assert_eq!(Encoding::negotiate([]), Encoding::Utf16);
    }

    #[test]
    fn cafe_is_four_utf16_units_and_five_bytes() {
        let idx = LineIndex::new("café\n");
        assert_eq!(idx.position(5, Encoding::Utf16), Position::new(0, 4));
        assert_eq!(idx.position(5, Encoding::Utf8), Position::new(0, 5));
        assert_eq!(idx.position(5, Encoding::Utf32), Position::new(0, 4));
        assert_eq!(idx.offset(Position::new(0, 4), Encoding::Utf16), Ok(5));
    }

    #[test]
    fn emoji_is_two_utf16_units_and_one_code_point() {
        let idx = LineIndex::new("a😀b");
        assert_eq!(idx.offset(Position::new(0, 3), Encoding::Utf16), Ok(5));
        assert_eq!(idx.offset(Position::new(0, 2), Encoding::Utf32), Ok(5));
        assert_eq!(idx.offset(Position::new(0, 5), Encoding::Utf8), Ok(5));
        // Half a surrogate pair snaps to the start of the emoji instead of splitting it.
        assert_eq!(idx.offset(Position::new(0, 2), Encoding::Utf16), Ok(1));
    }

    #[test]
    fn crlf_and_lone_cr_both_end_lines() {
        let idx = LineIndex::new("a\r\nb\rc\nd");
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.offset(Position::new(1, 0), Encoding::Utf16), Ok(3));
        assert_eq!(idx.offset(Position::new(2, 0), Encoding::Utf16), Ok(5));
        assert_eq!(idx.position(7, Encoding::Utf16), Position::new(3, 0));
        assert_eq!(idx.line_text(0).as_deref(), Some("a"));
    }

    #[test]
    fn character_past_end_of_line_means_end_of_line_not_next_line() {
        let idx = LineIndex::new("ab\r\ncd");
        assert_eq!(idx.offset(Position::new(0, 99), Encoding::Utf16), Ok(2));
        assert_eq!(idx.offset(Position::new(1, 99), Encoding::Utf16), Ok(6));
    }

    #[test]
    fn end_of_file_after_trailing_newline_is_an_empty_last_line() {
        let idx = LineIndex::new("ab\n");
        assert_eq!(idx.offset(Position::new(1, 0), Encoding::Utf16), Ok(3));
        assert_eq!(idx.position(3, Encoding::Utf16), Position::new(1, 0));
        assert_eq!(
            idx.offset(Position::new(2, 0), Encoding::Utf16),
            Err(PositionError::LineOutOfRange {
                line: 2,
                line_count: 2
            })
        );
    }

    #[test]
    fn a_failed_batch_leaves_the_document_untouched() {
        let mut doc = Document::new("hello\n", 1, "plaintext");
        let changes = [
            TextChange {
                range: Some((Position::new(0, 0), Position::new(0, 0))),
                text: "X".into(),
            },
            TextChange {
                range: Some((Position::new(9, 0), Position::new(9, 1))),
                text: "Y".into(),
            },
        ];
        assert!(doc.apply(&changes, 2, Encoding::Utf16).is_err());
        assert_eq!(doc.text(), "hello\n");
        assert_eq!(doc.version, 1);
    }

    #[test]
    fn edits_in_utf16_land_after_the_emoji() {
        let mut doc = Document::new("x😀y\n", 1, "markdown");
        let at = Position::new(0, 3);
        doc.apply(
            &[TextChange {
                range: Some((at, at)),
                text: "é".into(),
            }],
            2,
            Encoding::Utf16,
        )
        .unwrap();
        assert_eq!(doc.text(), "x😀éy\n");
    }
}
