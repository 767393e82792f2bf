//! Function bodies' summary output kept between summaries of one open file, so that after an
//! edit only the functions the edit touched are walked again (issue 4: edit → findings latency).
//!
//! A unit is the walk of one function body (`Walker::function`). What that walk emits depends
//! only on the body's subtree and on three facts from outside it: the function's index (all
//! references inside are relative to it), the enclosing class name, and whether the function is
//! async (calls directly in it record `in_async`); loops and join depth are reset on entry.
//! So an entry is reused when the same body node (tree-sitter reused its subtree as it was),
//! at the same start, end, class and asyncness, is walked again and no edit or changed range
//! touched it in between. The file keeps the tree of its last summary alive, so a recorded
//! node address cannot be handed to a new node.
//!
//! Positions: entries keep the spans they were recorded with plus a byte and row delta. An
//! edit entirely on earlier rows shifts an entry; an edit after it leaves it alone; anything
//! else (an edit inside it, or on its first row, where columns would move) drops it.

use super::summary::{Assignment, CallSite, ClassDef, FunctionDef, Import, LoopInfo};
use super::{Pos, Span, TextEdit};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct BodyCache {
    /// By body start byte, in current coordinates.
    entries: BTreeMap<usize, Entry>,
    /// Bodies taken from the cache by the last summary (outermost ones only).
    reused: usize,
}

#[derive(Debug)]
pub(crate) struct Entry {
    /// The body's tree-sitter node id (its subtree's address): tree-sitter keeps a subtree's
    /// address when an incremental parse reuses it unchanged, and gives a re-parsed one a new
    /// one. Its changed ranges alone miss some re-parses after errors.
    node: usize,
    /// Current coordinates of the body.
    end: usize,
    start_row: usize,
    class: Option<String>,
    is_async: bool,
    /// Current position minus recorded position.
    byte_delta: isize,
    row_delta: isize,
    out: BodyOut,
}

/// The items one body walk emitted. Function indices are relative to the owning function
/// (0 is the owner), loop indices relative to the first loop of the body.
#[derive(Debug, Default, Clone)]
pub(crate) struct BodyOut {
    pub functions: Vec<FunctionDef>,
    pub calls: Vec<CallSite>,
    pub loops: Vec<LoopInfo>,
    pub assignments: Vec<Assignment>,
    pub imports: Vec<Import>,
    pub classes: Vec<ClassDef>,
    /// A package clause met inside the body (error recovery can put one there); the last one
    /// walked wins, as in a full walk.
    pub package: Option<String>,
}

/// Where the body's items start in the summary's lists.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marks {
    pub owner: usize,
    pub functions: usize,
    pub calls: usize,
    pub loops: usize,
    pub assignments: usize,
    pub imports: usize,
    pub classes: usize,
}

/// What must match for a recorded body to stand in for a walk.
pub(crate) struct Key<'a> {
    pub node: usize,
    pub start: usize,
    pub end: usize,
    pub start_row: usize,
    pub class: Option<&'a str>,
    pub is_async: bool,
}

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

    pub(crate) fn take(&mut self) -> BTreeMap<usize, Entry> {
        std::mem::take(&mut self.entries)
    }

    pub(crate) fn put(&mut self, session: Session) {
        self.entries = session.new;
        self.reused = session.reused;
    }

    /// Bodies the last summary took from the cache instead of walking (nested ones count once,
    /// with their outermost reused body).
    pub fn reused(&self) -> usize {
        self.reused
    }
}

fn shift(v: usize, by: isize) -> usize {
    (v as isize + by).max(0) as usize
}

/// Old entries being consulted and new entries being recorded during one summary walk.
#[derive(Debug, Default)]
pub(crate) struct Session {
    pub old: BTreeMap<usize, Entry>,
    pub new: BTreeMap<usize, Entry>,
    pub reused: usize,
}

impl Session {
    /// If a recorded body matches `key`, move it (and the entries nested in it) to the new
    /// cache and return its items rebased at `at`.
    pub fn reuse(&mut self, key: &Key, at: Marks) -> Option<BodyOut> {
        let en = self.old.remove(&key.start)?;
        if en.node != key.node
            || en.end != key.end
            || en.start_row != key.start_row
            || en.class.as_deref() != key.class
            || en.is_async != key.is_async
        {
            return None;
        }
        let out = rebase(&en.out, &en, at);
        let nested: Vec<usize> = self
            .old
            .range(key.start..=key.end)
            .map(|(s, _)| *s)
            .collect();
        for s in nested {
            if let Some(n) = self.old.remove(&s) {
                self.new.insert(s, n);
            }
        }
        self.new.insert(key.start, en);
        self.reused += 1;
        Some(out)
    }

    /// Record what a fresh walk of a body emitted (`items` are the summary's lists; the body's
    /// items start at `at`).
    pub fn record(&mut self, key: &Key, at: Marks, items: BodyOut) {
        let mut out = items;
        let f = at.owner;
        let l = at.loops;
        let rel_f = |v: &mut Option<usize>| {
            if let Some(x) = v {
                *x = x.saturating_sub(f);
            }
        };
        for d in &mut out.functions {
            rel_f(&mut d.parent);
        }
        for c in &mut out.calls {
            rel_f(&mut c.func);
            c.loops.iter_mut().for_each(|x| *x = x.saturating_sub(l));
        }
        for lp in &mut out.loops {
            rel_f(&mut lp.func);
            if let Some(p) = &mut lp.parent {
                *p = p.saturating_sub(l);
            }
        }
        for a in &mut out.assignments {
            rel_f(&mut a.func);
            a.loops.iter_mut().for_each(|x| *x = x.saturating_sub(l));
        }
        self.new.insert(
            key.start,
            Entry {
                node: key.node,
                end: key.end,
                start_row: key.start_row,
                class: key.class.map(str::to_string),
                is_async: key.is_async,
                byte_delta: 0,
                row_delta: 0,
                out,
            },
        );
    }
}

/// `out` with indices based at `at` and positions moved by the entry's deltas.
fn rebase(out: &BodyOut, en: &Entry, at: Marks) -> BodyOut {
    let mut out = out.clone();
    let (f, l) = (at.owner, at.loops);
    let (db, dr) = (en.byte_delta, en.row_delta);
    let pos = |p: &mut Pos| {
        p.byte = shift(p.byte, db);
        p.line = shift(p.line, dr);
    };
    let span = |s: &mut Span| {
        pos(&mut s.start);
        pos(&mut s.end);
    };
    let abs_f = |v: &mut Option<usize>| {
        if let Some(x) = v {
            *x += f;
        }
    };
    for d in &mut out.functions {
        abs_f(&mut d.parent);
        span(&mut d.span);
        span(&mut d.name_span);
    }
    for c in &mut out.calls {
        abs_f(&mut c.func);
        c.loops.iter_mut().for_each(|x| *x += l);
        span(&mut c.span);
    }
    for lp in &mut out.loops {
        abs_f(&mut lp.func);
        if let Some(p) = &mut lp.parent {
            *p += l;
        }
        span(&mut lp.span);
        span(&mut lp.header_span);
    }
    for a in &mut out.assignments {
        abs_f(&mut a.func);
        a.loops.iter_mut().for_each(|x| *x += l);
        span(&mut a.span);
    }
    for i in &mut out.imports {
        i.line = shift(i.line, dr);
    }
    for c in &mut out.classes {
        span(&mut c.span);
    }
    out
}
