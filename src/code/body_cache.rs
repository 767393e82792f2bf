//! Functions' summary items carried from one summary of an open file to the next, so that after
//! an edit only the functions the edit touched are walked again (issue 4: edit → findings
//! latency).
//!
//! A unit is the walk of one function (its definition, and everything in its body, nested
//! functions included) or of one statement right under the root (a file's skeleton: imports,
//! classes, module-level code). What that walk emits depends only on the node's subtree and on
//! a few facts from outside it: the enclosing class name, the parent node some
//! grammars take a function's name or decorators from (`LangHooks::is_fn_context`), the walk depth,
//! and the index of the enclosing function (the unit's first definition records it as `parent`;
//! every other index inside the unit is relative to the unit). Loops and join depth are reset on
//! entry to a function and empty under the root. So a unit is reused when its body (or the node
//! itself, when it has none) is the same node (tree-sitter reused that subtree as it was: same
//! node id) with the same text around it inside the unit's node, at the
//! same start, end and row, with the same class, context node and depth, and no edit or changed
//! range touched it in between. (The body stands for the function because tree-sitter re-creates
//! some grammars' function nodes, Python's, where it reuses their bodies. A unit without a body
//! may instead have the same kind and text at the same place: tree-sitter never reuses a subtree
//! it built during an ambiguous parse, such as a Python module-level assignment.) The file keeps the
//! tree of its last summary alive, so a recorded node address cannot be handed to a new node.
//!
//! Items are not copied into the cache: an entry records where its unit's items sit in the
//! summary this file produced last, and the next summary moves them out of that summary
//! (`FileSummary::stamp` says which summary an entry's places refer to). A unit's items are in
//! walk order, so units are taken in increasing order and each list is read once, front to back.
//!
//! Positions: entries keep a byte and row delta between their items' positions and the current
//! text. An edit entirely on earlier rows shifts an entry; an edit after it leaves it alone;
//! anything else (an edit inside it, or on its first row, where columns would move) drops it.

use super::summary::{Assignment, CallSite, ClassDef, FileSummary, FunctionDef, Import, LoopInfo};
use super::{Pos, Span, TextEdit};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct BodyCache {
    /// By unit start byte, in current coordinates.
    entries: BTreeMap<usize, Entry>,
    /// Units taken from the last summary (outermost ones only).
    reused: usize,
    /// The stamp of the summary the entries' places refer to (0: none).
    stamp: u64,
}

#[derive(Debug)]
pub(crate) struct Entry {
    /// The function's body's tree-sitter node id (its subtree's address; the function's own
    /// when it has no body): tree-sitter keeps a subtree's address when an incremental parse
    /// reuses it unchanged, and gives a re-parsed one a new one. Its changed ranges alone miss
    /// some re-parses after errors.
    node: usize,
    /// Hash of the function's text outside its body (when `node` is the body's).
    outside: u64,
    /// Hash of a body-less unit's kind and text. Tree-sitter never reuses a subtree it built
    /// while the parse was ambiguous (Python's module-level assignments), so such a unit gets a
    /// new node on every reparse; the same text at the same place parses the same way.
    text: Option<u64>,
    /// Current coordinates of the unit.
    end: usize,
    start_row: usize,
    class: Option<String>,
    context: usize,
    depth: usize,
    /// Current position minus the position of the unit's items.
    byte_delta: isize,
    row_delta: isize,
    /// Where the unit's items start in the stamped summary, and how many there are.
    at: Marks,
    len: Marks,
    /// A package clause met inside the unit (error recovery can put one there); the last one
    /// walked wins, as in a full walk.
    package: Option<String>,
}

/// Positions (or counts) in each of a summary's item lists.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Marks {
    pub functions: usize,
    pub calls: usize,
    pub loops: usize,
    pub assignments: usize,
    pub imports: usize,
    pub classes: usize,
}

impl Marks {
    pub fn of(s: &FileSummary) -> Marks {
        Marks {
            functions: s.functions.len(),
            calls: s.calls.len(),
            loops: s.loops.len(),
            assignments: s.assignments.len(),
            imports: s.imports.len(),
            classes: s.classes.len(),
        }
    }

    /// How many items each list gained since `at`.
    pub fn since(self, at: Marks) -> Marks {
        Marks {
            functions: self.functions - at.functions,
            calls: self.calls - at.calls,
            loops: self.loops - at.loops,
            assignments: self.assignments - at.assignments,
            imports: self.imports - at.imports,
            classes: self.classes - at.classes,
        }
    }

    /// `self - from + to`, list by list (moving a place from one base to another).
    fn moved(self, from: Marks, to: Marks) -> Marks {
        let m = |x: usize, a: usize, b: usize| x + b - a;
        Marks {
            functions: m(self.functions, from.functions, to.functions),
            calls: m(self.calls, from.calls, to.calls),
            loops: m(self.loops, from.loops, to.loops),
            assignments: m(self.assignments, from.assignments, to.assignments),
            imports: m(self.imports, from.imports, to.imports),
            classes: m(self.classes, from.classes, to.classes),
        }
    }
}

/// What must match for a recorded unit to stand in for a walk.
pub(crate) struct Key<'a> {
    /// The function's body node id (or the function's, when it has no body).
    pub node: usize,
    pub outside: u64,
    /// Hash of the unit's kind and whole text, when it has no body.
    pub text: Option<u64>,
    pub start: usize,
    pub end: usize,
    pub start_row: usize,
    pub class: Option<&'a str>,
    pub context: usize,
    pub depth: usize,
}

/// The items of one reused unit, in current coordinates and indices.
#[derive(Debug, Default)]
pub(crate) struct UnitItems {
    pub functions: Vec<FunctionDef>,
    pub calls: Vec<CallSite>,
    pub loops: Vec<LoopInfo>,
    pub assignments: Vec<Assignment>,
    pub imports: Vec<Import>,
    pub classes: Vec<ClassDef>,
    pub package: Option<String>,
}

static STAMPS: AtomicU64 = AtomicU64::new(1);

impl BodyCache {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Follow one text edit: shift, keep or drop each entry.
    pub fn edit(&mut self, e: &TextEdit) {
        if self.entries.is_empty() {
            return;
        }
        let bytes = e.new_end_byte as isize - e.old_end_byte as isize;
        let rows = e.new_end_position.0 as isize - e.old_end_position.0 as isize;
        let old = std::mem::take(&mut self.entries);
        for (start, mut en) in old {
            if e.start_byte > en.end {
                self.entries.insert(start, en);
            } else if e.old_end_byte < start && e.old_end_position.0 < en.start_row {
                en.end = shift(en.end, bytes);
                en.start_row = shift(en.start_row, rows);
                en.byte_delta += bytes;
                en.row_delta += rows;
                self.entries.insert(shift(start, bytes), en);
            }
        }
    }

    /// Drop every entry overlapping (or touching) `start..end`: tree-sitter's changed ranges
    /// after a reparse, where the same text may now parse differently.
    pub fn invalidate(&mut self, start: usize, end: usize) {
        self.entries.retain(|s, en| en.end < start || end < *s);
    }

    /// Starts a summary walk. `prev` is the summary this file produced last (the caller hands it
    /// back); entries can be used only with it.
    pub(crate) fn session(&mut self, prev: Option<FileSummary>) -> Session {
        let old = std::mem::take(&mut self.entries);
        let prev = prev
            .filter(|p| self.stamp != 0 && p.stamp == self.stamp)
            .map(Prev::new);
        Session {
            old: if prev.is_some() { old } else { BTreeMap::new() },
            new: BTreeMap::new(),
            reused: 0,
            prev,
        }
    }

    /// Ends a walk: keeps the units it recorded or reused, and stamps `summary` as the one
    /// their places refer to.
    pub(crate) fn finish(&mut self, session: Session, summary: &mut FileSummary) {
        let stamp = STAMPS.fetch_add(1, Ordering::Relaxed);
        summary.stamp = stamp;
        self.stamp = stamp;
        self.entries = session.new;
        self.reused = session.reused;
    }

    /// Units the last summary took from the previous one instead of walking (nested ones count
    /// once, with their outermost reused unit).
    pub fn reused(&self) -> usize {
        self.reused
    }
}

fn shift(v: usize, by: isize) -> usize {
    (v as isize + by).max(0) as usize
}

/// One list of the previous summary, read front to back.
struct Cursor<T> {
    rest: std::vec::IntoIter<T>,
    next: usize,
}

impl<T> Cursor<T> {
    fn new(v: Vec<T>) -> Self {
        Cursor {
            rest: v.into_iter(),
            next: 0,
        }
    }

    /// Whether `len` items at `start` are still to come.
    fn can_take(&self, start: usize, len: usize) -> bool {
        start >= self.next && start + len <= self.next + self.rest.len()
    }

    /// The `len` items at `start` (dropping the ones before it); check `can_take` first.
    fn take(&mut self, start: usize, len: usize) -> Vec<T> {
        self.rest.by_ref().take(start - self.next).for_each(drop);
        let items: Vec<T> = self.rest.by_ref().take(len).collect();
        self.next = start + items.len();
        items
    }
}

/// The previous summary's lists, being moved into the new one.
pub(crate) struct Prev {
    functions: Cursor<FunctionDef>,
    calls: Cursor<CallSite>,
    loops: Cursor<LoopInfo>,
    assignments: Cursor<Assignment>,
    imports: Cursor<Import>,
    classes: Cursor<ClassDef>,
}

impl Prev {
    fn new(s: FileSummary) -> Prev {
        Prev {
            functions: Cursor::new(s.functions),
            calls: Cursor::new(s.calls),
            loops: Cursor::new(s.loops),
            assignments: Cursor::new(s.assignments),
            imports: Cursor::new(s.imports),
            classes: Cursor::new(s.classes),
        }
    }

    fn can_take(&self, at: Marks, len: Marks) -> bool {
        self.functions.can_take(at.functions, len.functions)
            && self.calls.can_take(at.calls, len.calls)
            && self.loops.can_take(at.loops, len.loops)
            && self.assignments.can_take(at.assignments, len.assignments)
            && self.imports.can_take(at.imports, len.imports)
            && self.classes.can_take(at.classes, len.classes)
    }

    fn take(&mut self, at: Marks, len: Marks) -> UnitItems {
        UnitItems {
            functions: self.functions.take(at.functions, len.functions),
            calls: self.calls.take(at.calls, len.calls),
            loops: self.loops.take(at.loops, len.loops),
            assignments: self.assignments.take(at.assignments, len.assignments),
            imports: self.imports.take(at.imports, len.imports),
            classes: self.classes.take(at.classes, len.classes),
            package: None,
        }
    }
}

/// Old entries being consulted and new entries being recorded during one summary walk.
pub(crate) struct Session {
    old: BTreeMap<usize, Entry>,
    new: BTreeMap<usize, Entry>,
    reused: usize,
    prev: Option<Prev>,
}

impl Session {
    /// Whether a unit may be recorded at `start` (cheap pre-check before building a key).
    pub fn has_candidate(&self, start: usize) -> bool {
        self.old.contains_key(&start)
    }

    /// If a recorded unit matches `key`, move its items out of the previous summary, rebased to
    /// start at `at` with `parent` as the enclosing function, and keep its entry (and the
    /// entries nested in it) for the next summary.
    pub fn reuse(&mut self, key: &Key, at: Marks, parent: Option<usize>) -> Option<UnitItems> {
        let en = self.old.remove(&key.start)?;
        let same_node = en.node == key.node || (en.text.is_some() && en.text == key.text);
        if !same_node
            || en.outside != key.outside
            || en.end != key.end
            || en.start_row != key.start_row
            || en.class.as_deref() != key.class
            || en.context != key.context
            || en.depth != key.depth
        {
            return None;
        }
        let prev = self.prev.as_mut()?;
        if !prev.can_take(en.at, en.len) {
            return None;
        }
        let mut items = prev.take(en.at, en.len);
        rebase(&mut items, &en, at);
        if let Some(own) = items.functions.first_mut() {
            own.parent = parent;
        }
        items.package = en.package.clone();
        let nested: Vec<usize> = self
            .old
            .range(key.start..=key.end)
            .map(|(s, _)| *s)
            .collect();
        for s in nested {
            if let Some(mut n) = self.old.remove(&s) {
                n.at = n.at.moved(en.at, at);
                n.byte_delta = 0;
                n.row_delta = 0;
                self.new.insert(s, n);
            }
        }
        self.new.insert(
            key.start,
            Entry {
                at,
                byte_delta: 0,
                row_delta: 0,
                ..en
            },
        );
        self.reused += 1;
        Some(items)
    }

    /// Record a unit a fresh walk emitted: its items are `len` items from `at` on in the
    /// summary being built.
    pub fn record(&mut self, key: &Key, at: Marks, len: Marks, package: Option<String>) {
        self.new.insert(
            key.start,
            Entry {
                node: key.node,
                outside: key.outside,
                text: key.text,
                end: key.end,
                start_row: key.start_row,
                class: key.class.map(str::to_string),
                context: key.context,
                depth: key.depth,
                byte_delta: 0,
                row_delta: 0,
                at,
                len,
                package,
            },
        );
    }
}

/// Moves a unit's items from the entry's places to `at` and by the entry's position deltas.
fn rebase(items: &mut UnitItems, en: &Entry, at: Marks) {
    let df = at.functions as isize - en.at.functions as isize;
    let dl = at.loops as isize - en.at.loops as isize;
    let (db, dr) = (en.byte_delta, en.row_delta);
    let pos = |p: &mut Pos| {
        p.byte = shift(p.byte, db);
        p.line = shift(p.line, dr);
    };
    let span = |s: &mut Span| {
        pos(&mut s.start);
        pos(&mut s.end);
    };
    let func = |v: &mut Option<usize>| {
        if let Some(x) = v {
            *x = shift(*x, df);
        }
    };
    let lp = |x: &mut usize| *x = shift(*x, dl);
    for d in &mut items.functions {
        func(&mut d.parent);
        span(&mut d.span);
        span(&mut d.name_span);
    }
    for c in &mut items.calls {
        func(&mut c.func);
        c.loops.iter_mut().for_each(lp);
        span(&mut c.span);
    }
    for l in &mut items.loops {
        func(&mut l.func);
        if let Some(p) = &mut l.parent {
            lp(p);
        }
        span(&mut l.span);
        span(&mut l.header_span);
    }
    for a in &mut items.assignments {
        func(&mut a.func);
        a.loops.iter_mut().for_each(lp);
        span(&mut a.span);
    }
    for i in &mut items.imports {
        i.line = shift(i.line, dr);
    }
    for c in &mut items.classes {
        span(&mut c.span);
    }
}
