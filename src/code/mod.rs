//! Pure engine for loop-wrapped remote calls (N+1): parsing, per-file summaries, the remote
//! API catalog and the interprocedural workspace index. Callers pass text; nothing here does
//! file I/O or knows about LSP.

pub mod body_cache;
pub mod catalog;
pub mod finding;
pub mod helper;
pub mod index;
pub mod lang;
pub mod resolve;
pub mod summary;

pub use catalog::{Catalog, UserEntry};
pub use finding::{
    BatchAlternative, ChainHop, Confidence, Finding, FindingJson, RULE_LOOP_REMOTE_CALL, Severity,
};
pub use helper::Helper;
pub use index::Index;
pub use summary::FileSummary;

use serde::Serialize;
use tree_sitter::{Parser, Point, Tree};

/// Languages the engine understands. TypeScript and TSX share the JavaScript summariser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    Rust,
    Java,
}

impl Lang {
    /// Guess the language from a path's extension (the dialects' extensions in `langs/`).
    pub fn from_path(path: &str) -> Option<Lang> {
        let ext = path.rsplit_once('.').map(|(_, e)| e)?;
        crate::langs::dialect_for_extension(ext).map(|d| d.lang)
    }

    /// The catalog family: TS and TSX use the JavaScript catalog.
    pub fn family(self) -> &'static str {
        crate::langs::code_language(self).key
    }

    pub fn ts_language(self) -> tree_sitter::Language {
        (crate::langs::dialect_of(self).grammar)()
    }
}

/// A position: byte offset plus 0-based line and byte column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub byte: usize,
    pub line: usize,
    pub col: usize,
}

/// A half-open byte range with its 0-based line/column ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn of(node: tree_sitter::Node) -> Span {
        let (s, e) = (node.start_position(), node.end_position());
        Span {
            start: Pos {
                byte: node.start_byte(),
                line: s.row,
                col: s.column,
            },
            end: Pos {
                byte: node.end_byte(),
                line: e.row,
                col: e.column,
            },
        }
    }
    pub fn contains(&self, other: &Span) -> bool {
        self.start.byte <= other.start.byte && other.end.byte <= self.end.byte
    }
}

/// A plain description of one text edit, mirroring `tree_sitter::InputEdit` without its types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextEdit {
    pub start_byte: usize,
    pub old_end_byte: usize,
    pub new_end_byte: usize,
    /// 0-based (line, byte column) positions.
    pub start_position: (usize, usize),
    pub old_end_position: (usize, usize),
    pub new_end_position: (usize, usize),
}

impl TextEdit {
    /// Build the edit that replaces `old_text[start..old_end]` with `inserted`, computing
    /// positions from the texts (convenience for callers that only know byte offsets).
    pub fn replace(old_text: &str, start: usize, old_end: usize, inserted: &str) -> TextEdit {
        let start = start.min(old_text.len());
        let old_end = old_end.clamp(start, old_text.len());
        let pos_at = |text: &str, off: usize| -> (usize, usize) {
            let before = text.get(..off).unwrap_or(text);
            let line = before.bytes().filter(|b| *b == b'\n').count();
            let col = before.rfind('\n').map(|i| off - i - 1).unwrap_or(off);
            (line, col)
        };
        let sp = pos_at(old_text, start);
        let oe = pos_at(old_text, old_end);
        let ins_lines = inserted.bytes().filter(|b| *b == b'\n').count();
        let ne = if ins_lines == 0 {
            (sp.0, sp.1 + inserted.len())
        } else {
            let last = inserted
                .rfind('\n')
                .map(|i| inserted.len() - i - 1)
                .unwrap_or(0);
            (sp.0 + ins_lines, last)
        };
        TextEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: start + inserted.len(),
            start_position: sp,
            old_end_position: oe,
            new_end_position: ne,
        }
    }
}

/// A parsed source file that can be re-parsed incrementally after edits.
pub struct ParsedFile {
    pub lang: Lang,
    text: String,
    tree: Option<Tree>,
    parser: Parser,
    /// Function bodies' summary items from the last `summarize`, kept up to date by `edit`.
    bodies: body_cache::BodyCache,
    /// The tree `bodies` was recorded from, kept alive so the node addresses they name stay
    /// taken.
    summarized: Option<Tree>,
}

impl std::fmt::Debug for ParsedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedFile")
            .field("lang", &self.lang)
            .field("len", &self.text.len())
            .finish()
    }
}

impl ParsedFile {
    pub fn new(lang: Lang, text: impl Into<String>) -> ParsedFile {
        let text = text.into();
        let mut parser = Parser::new();
        // A grammar/ABI mismatch would be a build problem; without a language the tree stays
        // None and summaries come out empty rather than panicking.
        let tree = match parser.set_language(&lang.ts_language()) {
            Ok(()) => parser.parse(&text, None),
            Err(_) => None,
        };
        ParsedFile {
            lang,
            text,
            tree,
            parser,
            bodies: body_cache::BodyCache::default(),
            summarized: None,
        }
    }

    /// Apply `edit` to the old tree, then re-parse `new_text` reusing it.
    pub fn edit(&mut self, edit: TextEdit, new_text: impl Into<String>) {
        let new_text = new_text.into();
        let p = |(r, c): (usize, usize)| Point { row: r, column: c };
        if let Some(tree) = self.tree.as_mut() {
            self.bodies.edit(&edit);
            tree.edit(&tree_sitter::InputEdit {
                start_byte: edit.start_byte,
                old_end_byte: edit.old_end_byte,
                new_end_byte: edit.new_end_byte,
                start_position: p(edit.start_position),
                old_end_position: p(edit.old_end_position),
                new_end_position: p(edit.new_end_position),
            });
        }
        let old = self.tree.take();
        self.tree = self.parser.parse(&new_text, old.as_ref());
        match (&old, &self.tree) {
            (Some(old), Some(new)) => {
                for r in old.changed_ranges(new) {
                    self.bodies.invalidate(r.start_byte, r.end_byte);
                }
            }
            _ => self.bodies = body_cache::BodyCache::default(),
        }
        self.text = new_text;
    }

    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref()
    }
    pub fn has_errors(&self) -> bool {
        self.tree
            .as_ref()
            .is_some_and(|t| t.root_node().has_error())
    }
    /// The tree's S-expression (for tests comparing incremental and fresh parses).
    pub fn sexp(&self) -> String {
        self.tree
            .as_ref()
            .map(|t| t.root_node().to_sexp())
            .unwrap_or_default()
    }

    /// Summarise this file for the workspace index. `prev` is the summary the last call
    /// returned, handed back: the functions no edit touched since then are moved out of it
    /// rather than walked again (see `body_cache`). Without it (or with any other summary)
    /// everything is walked.
    pub fn summarize(&mut self, path: &str, prev: Option<FileSummary>) -> FileSummary {
        let s = summary::summarize_tree(
            self.lang,
            path,
            &self.text,
            self.tree.as_ref(),
            Some((&mut self.bodies, prev)),
        );
        self.summarized = self.tree.clone();
        s
    }

    /// Summarise without keeping anything for later (one-shot use).
    pub fn summarize_once(&self, path: &str) -> FileSummary {
        summary::summarize_tree(self.lang, path, &self.text, self.tree.as_ref(), None)
    }

    /// Functions currently held for reuse.
    pub fn cached_bodies(&self) -> usize {
        self.bodies.len()
    }

    /// Functions the last `summarize` reused instead of walking.
    pub fn reused_bodies(&self) -> usize {
        self.bodies.reused()
    }
}

/// Parse and summarise in one go.
pub fn summarize(path: &str, lang: Lang, text: &str) -> FileSummary {
    ParsedFile::new(lang, text).summarize_once(path)
}

/// Engine settings (the server maps its configuration onto this).
#[derive(Debug, Clone)]
pub struct AnalysisConfig {
    /// Report pagination/retry/polling/rate-limited loops at Hint severity (else drop them).
    pub report_sequential_by_design: bool,
    /// Report findings that rest on receiver-name guesses (`*client`, `*session`, ...).
    pub report_low_confidence: bool,
    /// Extra catalog entries from the user's `remoteCalls` setting.
    pub user_entries: Vec<UserEntry>,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            report_sequential_by_design: true,
            report_low_confidence: true,
            user_entries: Vec::new(),
        }
    }
}

/// Analyse a whole workspace of `(relative path, text)` pairs; files in languages we do not
/// know are skipped. Findings are sorted by path and position.
pub fn analyze_workspace(files: &[(String, String)], cfg: &AnalysisConfig) -> Vec<Finding> {
    let catalog = Catalog::with_user_entries(cfg.user_entries.clone());
    let mut index = Index::new(catalog, cfg.clone());
    for (path, text) in files {
        if let Some(lang) = Lang::from_path(path) {
            index.update(path, summarize(path, lang, text));
        }
    }
    index.all_findings()
}
