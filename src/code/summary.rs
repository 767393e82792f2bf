//! Per-file summaries: everything the workspace index needs to know about one file, extracted
//! by one generic tree walk driven by per-language hooks (`lang/*.rs`).

use super::body_cache::{BodyCache, Key, Marks, Session};
use super::lang::NodeKind;
use super::{Lang, Span};
use serde::Serialize;
use tree_sitter::{Node, Tree};

#[derive(Debug, Clone, Serialize, Default)]
pub struct FileSummary {
    pub path: String,
    pub lang: Option<Lang>,
    /// Go `package x`, Java `package a.b`.
    pub package: Option<String>,
    pub imports: Vec<Import>,
    pub functions: Vec<FunctionDef>,
    pub classes: Vec<ClassDef>,
    pub calls: Vec<CallSite>,
    pub loops: Vec<LoopInfo>,
    pub assignments: Vec<Assignment>,
    pub suppressions: Vec<Suppression>,
    pub has_errors: bool,
    /// Which walk of an open file produced this summary (0: a one-shot summary); the file's
    /// unit cache refers to places in it (see `body_cache`).
    #[serde(skip)]
    pub stamp: u64,
}

/// `local` names `module` (or `module`'s member `name`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Import {
    pub local: String,
    /// Module as written (`services.inventory`, `./y`, `net/http`, `crate::a::b`, `a.b.C`).
    pub module: String,
    /// Imported member, None when the whole module is bound.
    pub name: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Param {
    pub name: String,
    pub type_text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunctionDef {
    pub name: String,
    /// Enclosing class / impl / Go receiver type.
    pub class: Option<String>,
    /// `Class.method`, `Type::method` (Rust) or `name`; anonymous functions are `<anon>`.
    pub qname: String,
    pub is_async: bool,
    pub anonymous: bool,
    pub params: Vec<Param>,
    pub return_type: Option<String>,
    pub annotations: Vec<String>,
    pub has_body: bool,
    pub span: Span,
    pub name_span: Span,
    pub parent: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub type_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassDef {
    pub name: String,
    pub bases: Vec<String>,
    pub annotations: Vec<String>,
    pub fields: Vec<Field>,
    pub is_interface: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallSite {
    /// Function expression text, whitespace-free (`self.session.post`, `reqwest::get`).
    pub callee: String,
    /// Receiver expression text (`self.session`), None for plain calls.
    pub receiver: Option<String>,
    pub method: String,
    pub args_text: String,
    pub arg_idents: Vec<String>,
    /// `name=value` keyword / object-literal arguments (`timeout=5`).
    pub kwargs: Vec<(String, String)>,
    pub span: Span,
    pub func: Option<usize>,
    /// Loops executing this call once per iteration, outermost first.
    pub loops: Vec<usize>,
    pub awaited: bool,
    pub in_async: bool,
    /// Variable(s) the call's result is assigned to.
    pub result_vars: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LoopKind {
    For,
    ForEach,
    While,
    DoWhile,
    Loop,
    Comprehension,
    Callback,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoopInfo {
    pub kind: LoopKind,
    /// Header as the user wrote it (`for item in cart.items`).
    pub header: String,
    pub span: Span,
    pub header_span: Span,
    pub var: Option<String>,
    pub iterable: Option<String>,
    pub cond_idents: Vec<String>,
    pub func: Option<usize>,
    pub parent: Option<usize>,
    pub has_sleep: bool,
    pub has_break: bool,
    pub has_return: bool,
    pub has_try: bool,
    /// Fan-out (inside Promise.all, gather, join_all, buffer_unordered, ...): not sequential.
    pub concurrent: bool,
    pub assigned_to: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    /// Target text (`self.session`, `inventory_client`, `resp`).
    pub target: String,
    /// Constructor-ish text of the value (`aiohttp.ClientSession`, `InventoryClient`).
    pub value_ctor: Option<String>,
    /// Declared type text, if any.
    pub type_text: Option<String>,
    /// The value when it is a plain name/path (`session`, `clients.inventory_client`).
    pub value_path: Option<String>,
    pub rhs_idents: Vec<String>,
    pub span: Span,
    pub func: Option<usize>,
    pub class: Option<String>,
    pub loops: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suppression {
    pub line: usize,
    /// None = all rules.
    pub rules: Option<Vec<String>>,
}

impl FileSummary {
    /// True if a `debuglens: ignore[...]` comment on `line` or the line above covers `rule`.
    pub fn is_suppressed(&self, line: usize, rule: &str) -> bool {
        self.suppressions.iter().any(|s| {
            (s.line == line || s.line + 1 == line)
                && s.rules.as_ref().is_none_or(|r| r.iter().any(|x| x == rule))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Hooks each language implements.

pub struct FnDecl<'t> {
    pub name: Option<String>,
    pub is_async: bool,
    pub params: Vec<Param>,
    pub return_type: Option<String>,
    pub annotations: Vec<String>,
    pub body: Option<Node<'t>>,
    /// Go method receiver type / Rust impl target supplied by the declaration itself.
    pub class_override: Option<String>,
    /// Receiver variable name bound to the class (Go `s` in `func (s *Svc)`).
    pub self_name: Option<String>,
}

pub struct ClassDecl<'t> {
    pub name: String,
    pub bases: Vec<String>,
    pub annotations: Vec<String>,
    pub fields: Vec<Field>,
    pub is_interface: bool,
    /// Impl blocks / Go struct types: a scope for methods or fields but not a new definition.
    pub scope_only: bool,
    pub body: Option<Node<'t>>,
}

pub struct LoopDecl<'t> {
    pub kind: LoopKind,
    pub var: Option<String>,
    pub iterable: Option<String>,
    /// Node whose identifiers form the loop condition (while/do-while/for test).
    pub cond: Option<Node<'t>>,
    /// Children evaluated once per iteration; every other child is evaluated once.
    pub inside: Vec<Node<'t>>,
    /// Where the body starts (header = text before it).
    pub body_start: usize,
    /// Header override (comprehensions: `for x in xs`).
    pub header: Option<String>,
}

pub struct CallDecl<'t> {
    pub func_node: Node<'t>,
    pub receiver: Option<Node<'t>>,
    pub method: String,
    pub args: Option<Node<'t>>,
}

pub struct AssignDecl<'t> {
    pub targets: Vec<String>,
    pub value: Option<Node<'t>>,
    pub type_text: Option<String>,
}

pub trait LangHooks {
    fn function<'t>(&self, n: Node<'t>, src: &str) -> Option<FnDecl<'t>>;
    fn class<'t>(&self, n: Node<'t>, src: &str) -> Option<ClassDecl<'t>>;
    fn loop_<'t>(&self, n: Node<'t>, src: &str) -> Option<LoopDecl<'t>>;
    fn call<'t>(&self, n: Node<'t>, src: &str) -> Option<CallDecl<'t>>;
    fn assignment<'t>(&self, n: Node<'t>, src: &str) -> Option<AssignDecl<'t>>;
    /// Whether `n` makes its operand awaited (`await x`, `x.await`, Python `async with`).
    fn is_await(&self, n: Node, src: &str) -> bool;
    /// Stop walking up when looking for an await.
    fn is_stmt_boundary(&self, kind: &str) -> bool;
    fn is_break(&self, kind: &str) -> bool;
    fn is_return(&self, kind: &str) -> bool;
    fn is_try(&self, kind: &str) -> bool;
    /// Spawned work (Go `go` statement): loops outside do not execute it sequentially.
    fn is_spawn(&self, _n: Node) -> bool {
        false
    }
    fn is_ident(&self, kind: &str) -> bool;
    /// Node kinds that start a function-like scope (named or anonymous).
    fn is_fn_kind(&self, kind: &str) -> bool;
    /// Whether a function's summary also depends on its parent node of this kind (the hook
    /// takes the name or decorators from it), so the parent is part of its cache key.
    fn is_fn_context(&self, _parent_kind: &str) -> bool {
        false
    }
    /// Async callbacks of this method only build futures (Rust streams/iterators are lazy).
    fn async_callback_is_lazy(&self, _method: &str) -> bool {
        false
    }
    fn is_comment(&self, kind: &str) -> bool;
    fn imports(&self, n: Node, src: &str, out: &mut Vec<Import>) -> bool;
    fn package(&self, _n: Node, _src: &str) -> Option<String> {
        None
    }
    /// Constructor-ish text of a value (`InventoryClient(...)` → `InventoryClient`).
    fn value_ctor(&self, n: Node, src: &str) -> Option<String>;
    /// Keyword arguments of a call's argument node.
    fn kwargs(&self, _args: Node, _src: &str) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Iteration methods whose inline callback is a loop body (`forEach`, `map`, `for_each`).
    fn callback_loop_methods(&self) -> &'static [&'static str] {
        &[]
    }
    /// The anonymous-function argument of a callback-loop call, with its body to walk.
    fn callback_fn<'t>(&self, _args: Node<'t>) -> Option<Node<'t>> {
        None
    }
    /// Calls whose arguments run concurrently (Promise.all, gather, join_all, allOf).
    fn join_wrappers(&self) -> &'static [&'static str];
    /// Sleep / backoff / rate-limit calls by method or full callee.
    fn is_sleep(&self, callee: &str, method: &str) -> bool;
    /// Separator for qualified names (`.` or `::`).
    fn qsep(&self) -> &'static str {
        "."
    }
    /// Every node kind that `imports`, `package`, `function`, `class`, `is_spawn`, `loop_`,
    /// `call`, `assignment`, `is_break`, `is_return` or `is_try` can answer for, besides the
    /// function kinds (`is_fn_kind`), which always count. The walk goes
    /// straight to the children of any other node (most of a tree: expressions, arguments,
    /// blocks); a debug build checks on every such node that no hook would have answered.
    fn constructs(&self) -> &'static [&'static str];
}

pub fn text<'s>(n: Node, src: &'s str) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

/// Text with all whitespace removed (callee and receiver keys).
pub fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Collapse whitespace and shorten long texts for messages. Reads no further than the shortened
/// text needs: a call's argument text can be the rest of a generated file.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = 0usize;
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = chars > 0;
            continue;
        }
        if space {
            out.push(' ');
            chars += 1;
            space = false;
        }
        out.push(c);
        chars += 1;
        if chars > max {
            break;
        }
    }
    if chars > max {
        let cut: String = out.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        out
    }
}

/// Tree depth below which nothing is summarised: a subtree deeper than this (an expression
/// nested thousands deep, only ever generated) is skipped and the rest of the file analysed.
const MAX_DEPTH: usize = 1500;

/// How deep the walk recurses before it stops descending. Only constructs that open a scope
/// (functions, classes, loops, spawns, fan-outs, callback loops, cached units) recurse, one or
/// two levels each; everything else is walked with an explicit stack. Real code nests scopes a
/// handful deep; past this bound (some 60 nested scopes) the innermost are not summarised and
/// their calls not reported. The bound keeps a walk within a 2 MiB thread stack in a debug build.
pub const MAX_NEST: usize = 128;

/// Nodes `Walker::idents` visits at most under one node (a call's arguments, a condition).
const IDENTS_NODES: usize = 1 << 12;

/// The summary walk with one language's hooks (`langs/<lang>/mod.rs` registers
/// `walk::<Hooks>`, so the walk is compiled once per language and its hook calls are static).
pub(crate) fn walk<H: LangHooks + Default>(
    src: &str,
    root: Node<'_>,
    out: FileSummary,
    session: Option<Session>,
) -> (FileSummary, Option<Session>) {
    Walker::run(&H::default(), src, root, out, session)
}

/// Whether the hooks `H` may answer for a node of `kind` (see `LangHooks::constructs`).
pub(crate) fn is_construct<H: LangHooks + Default>(kind: &str) -> bool {
    let hooks = H::default();
    hooks.is_fn_kind(kind) || hooks.constructs().contains(&kind)
}

/// Summarise a parsed file. With a `cache`, function bodies that no edit touched since the last
/// summary are taken from it instead of walked, and the cache is refilled for the next call.
pub fn summarize_tree(
    lang: Lang,
    path: &str,
    src: &str,
    tree: Option<&Tree>,
    mut cache: Option<(&mut BodyCache, Option<FileSummary>)>,
) -> FileSummary {
    let mut out = FileSummary {
        path: path.to_string(),
        lang: Some(lang),
        ..Default::default()
    };
    let Some(tree) = tree else { return out };
    let root = tree.root_node();
    out.has_errors = root.has_error();
    suppressions(lang, root, src, &mut out.suppressions);
    let session = cache.as_mut().map(|(c, prev)| c.session(prev.take()));
    let (mut summary, session) =
        (crate::langs::code_language(lang).summarize)(src, root, out, session);
    summary.shrink();
    if let (Some((c, _)), Some(s)) = (cache, session) {
        c.finish(s, &mut summary);
    }
    summary
}

impl FileSummary {
    /// Gives back the spare capacity the walk left in every list: a workspace index holds
    /// thousands of summaries for its whole life.
    pub fn shrink(&mut self) {
        self.imports.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.classes.shrink_to_fit();
        self.loops.shrink_to_fit();
        self.assignments.shrink_to_fit();
        self.suppressions.shrink_to_fit();
        self.calls.shrink_to_fit();
        for c in &mut self.calls {
            c.arg_idents.shrink_to_fit();
            c.kwargs.shrink_to_fit();
            c.loops.shrink_to_fit();
            c.result_vars.shrink_to_fit();
        }
        for a in &mut self.assignments {
            a.rhs_idents.shrink_to_fit();
            a.loops.shrink_to_fit();
        }
    }
}

struct Walker<'a, 't, H: LangHooks> {
    h: &'a H,
    src: &'a str,
    out: FileSummary,
    /// Ancestors of the node being walked, root first (the walked node is last). `None` marks a
    /// gap where the chain could not be followed; lookups fall back to `Node::parent` there.
    /// `Node::parent` re-descends from the root on every call, so walking up through it for
    /// every call site was a large share of summary time.
    anc: Vec<Option<Node<'t>>>,
    /// Reused tree cursors (each `Node::walk` allocates).
    cursors: Vec<tree_sitter::TreeCursor<'t>>,
    /// By kind id: whether any hook can answer for the kind (`LangHooks::constructs`).
    constructs: &'static [bool],
    func: Option<usize>,
    class: Option<String>,
    loops: Vec<usize>,
    join_depth: usize,
    /// Scopes the walk is nested in (see `MAX_NEST`).
    nest: usize,
    /// Function bodies recorded by the previous summary of this file, and the ones recorded
    /// now (only when the caller keeps a cache).
    cache: Option<Session>,
}

impl<'a, 't, H: LangHooks> Walker<'a, 't, H> {
    fn run(
        h: &'a H,
        src: &'a str,
        root: Node<'t>,
        out: FileSummary,
        cache: Option<Session>,
    ) -> (FileSummary, Option<Session>) {
        let mut w = Walker {
            h,
            src,
            out,
            anc: Vec::new(),
            cursors: Vec::new(),
            constructs: super::lang::constructs(&root),
            func: None,
            class: None,
            loops: Vec::new(),
            join_depth: 0,
            nest: 0,
            cache,
        };
        w.walk(root, 0);
        w.post_process();
        (w.out, w.cache)
    }

    /// Walk the children of `n`, the last node on the ancestor stack. Nodes that open no scope
    /// (expressions, blocks, plain calls: nearly all of a tree) are walked here with an explicit
    /// stack, so input nested however deep costs no stack; only scopes recurse (`MAX_NEST`).
    fn walk_children(&mut self, n: Node<'t>, depth: usize) {
        if self.nest >= MAX_NEST {
            return;
        }
        self.nest += 1;
        let base = self.anc.len();
        let mut cur = match self.cursors.pop() {
            Some(c) => c,
            None => n.walk(),
        };
        // (node, ancestor-stack length of its parent, depth), next to walk on top.
        let mut todo: Vec<(Node<'t>, usize, usize)> = Vec::new();
        let push_children = |todo: &mut Vec<_>,
                             cur: &mut tree_sitter::TreeCursor<'t>,
                             n: Node<'t>,
                             level,
                             depth| {
            let at = todo.len();
            todo.extend(n.children(cur).map(|c| (c, level, depth)));
            todo[at..].reverse();
        };
        push_children(&mut todo, &mut cur, n, base, depth + 1);
        while let Some((c, level, d)) = todo.pop() {
            self.anc.truncate(level);
            if !self.admit(c, d) {
                continue;
            }
            self.anc.push(Some(c));
            if self.walk_node(c, d) {
                push_children(&mut todo, &mut cur, c, level + 1, d + 1);
            }
        }
        self.anc.truncate(base);
        self.cursors.push(cur);
        self.nest -= 1;
    }

    /// Whether `n` at `depth` is walked at all.
    fn admit(&self, n: Node<'t>, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        // Identifier and punctuation leaves (about half of all nodes) are never a construct any
        // hook recognises; skipping them avoids a dozen kind checks each. (Keyword leaves are
        // still walked: error recovery can leave e.g. a bare `function` token.)
        if n.child_count() == 0 {
            let kind = n.k();
            if self.h.is_ident(kind) || !kind.bytes().any(|b| b.is_ascii_alphanumeric()) {
                return false;
            }
        }
        true
    }

    /// Walk `n`, a direct child of the last node on the ancestor stack (or the root).
    fn walk(&mut self, n: Node<'t>, depth: usize) {
        if !self.admit(n, depth) || self.nest >= MAX_NEST {
            return;
        }
        self.nest += 1;
        self.anc.push(Some(n));
        if self.walk_node(n, depth) {
            self.walk_children(n, depth);
        }
        self.anc.pop();
        self.nest -= 1;
    }

    /// Walk `n`, a descendant (not necessarily a child) of the last node on the ancestor stack:
    /// the nodes in between are pushed first so the stack stays the exact parent chain.
    fn walk_desc(&mut self, n: Node<'t>, depth: usize) {
        let base = self.anc.len();
        let mut ok = false;
        if let Some(Some(top)) = self.anc.last().copied() {
            let mut cur = top;
            for _ in 0..MAX_DEPTH {
                if cur.id() == n.id() {
                    break;
                }
                match cur.child_with_descendant(n) {
                    Some(c) if c.id() == n.id() => {
                        ok = true;
                        break;
                    }
                    Some(c) => {
                        self.anc.push(Some(c));
                        cur = c;
                    }
                    None => break,
                }
            }
        }
        if !ok {
            self.anc.truncate(base);
            self.anc.push(None);
        }
        self.walk(n, depth);
        self.anc.truncate(base);
    }

    /// `n`'s ancestors, innermost first: from the stack when `n` is the walked node, falling back
    /// to `Node::parent` past a gap in the stack (or for any other node).
    fn ancestors(&self, n: Node<'t>) -> Ancestors<'_, 't> {
        // The walked node is on top of the stack; its parent is just below.
        let len = self.anc.len();
        let on_top = len > 0 && self.anc[len - 1].is_some_and(|t| t.id() == n.id());
        Ancestors {
            stack: &self.anc,
            pos: if on_top { len - 1 } else { 0 },
            cur: n,
            fallback: !on_top,
        }
    }

    /// Walk `n` (on top of the ancestor stack) except its children: true when they are still
    /// to walk, in the same scope.
    fn walk_node(&mut self, n: Node<'t>, depth: usize) -> bool {
        let kind = n.k();
        if self.h.is_comment(kind) {
            return false;
        }
        // Functions, and the statements right under the root (the skeleton of a big file),
        // are units the next summary can take over unwalked (see `body_cache`).
        let unit = self.cache.is_some() && (self.h.is_fn_kind(kind) || self.anc.len() == 2);
        if !unit {
            return self.walk_construct(n, depth, kind);
        }
        if self.reuse_unit(n, depth) {
            return false;
        }
        let at = Marks::of(&self.out);
        let package_before = self.out.package.take();
        if self.walk_construct(n, depth, kind) {
            self.walk_children(n, depth);
        }
        let package = self.out.package.clone();
        if package.is_none() {
            self.out.package = package_before;
        }
        let len = Marks::of(&self.out).since(at);
        // Keyed after the walk: the walk leaves the class as it found it.
        if let Some(mut session) = self.cache.take() {
            session.record(&self.unit_key(n, depth), at, len, package);
            self.cache = Some(session);
        }
        false
    }

    /// The walk of one node: whichever construct the language's hooks recognise in it. True
    /// when its children are left to the caller to walk, in the current scope.
    fn walk_construct(&mut self, n: Node<'t>, depth: usize, kind: &'static str) -> bool {
        let id = usize::from(n.kind_id());
        if !self.constructs.get(id).copied().unwrap_or(true) {
            debug_assert!(
                self.no_hook_answers(n, kind),
                "{kind} is missing from `constructs`"
            );
            return true;
        }
        if self.h.imports(n, self.src, &mut self.out.imports) {
            return false;
        }
        if let Some(p) = self.h.package(n, self.src) {
            self.out.package = Some(p);
            return false;
        }
        if let Some(fd) = self.h.function(n, self.src) {
            self.function(n, fd, depth);
            return false;
        }
        if let Some(cd) = self.h.class(n, self.src) {
            let saved = self.class.clone();
            if !cd.scope_only || !cd.fields.is_empty() {
                self.out.classes.push(ClassDef {
                    name: cd.name.clone(),
                    bases: cd.bases,
                    annotations: cd.annotations,
                    fields: cd.fields,
                    is_interface: cd.is_interface,
                    span: Span::of(n),
                });
            }
            self.class = Some(cd.name);
            match cd.body {
                Some(b) => self.walk_desc(b, depth + 1),
                None => self.walk_children(n, depth),
            }
            self.class = saved;
            return false;
        }
        if self.h.is_spawn(n) {
            let saved = std::mem::take(&mut self.loops);
            self.walk_children(n, depth);
            self.loops = saved;
            return false;
        }
        if let Some(ld) = self.h.loop_(n, self.src) {
            self.loop_(n, ld, depth);
            return false;
        }
        if let Some(cd) = self.h.call(n, self.src) {
            return self.call(n, cd, depth);
        }
        if let Some(ad) = self.h.assignment(n, self.src) {
            self.assignment(n, ad);
        }
        if self.h.is_break(kind) {
            if let Some(l) = self.loops.last() {
                self.out.loops[*l].has_break = true;
            }
        } else if self.h.is_return(kind) {
            for l in &self.loops {
                self.out.loops[*l].has_return = true;
            }
        } else if self.h.is_try(kind) {
            for l in &self.loops {
                self.out.loops[*l].has_try = true;
            }
        }
        true
    }
}

impl<'t, H: LangHooks> Walker<'_, 't, H> {
    /// Whether none of the hooks `walk_construct` asks would answer for `n`.
    fn no_hook_answers(&self, n: Node<'t>, kind: &str) -> bool {
        let src = self.src;
        !self.h.imports(n, src, &mut Vec::new())
            && self.h.package(n, src).is_none()
            && self.h.function(n, src).is_none()
            && self.h.class(n, src).is_none()
            && !self.h.is_spawn(n)
            && self.h.loop_(n, src).is_none()
            && self.h.call(n, src).is_none()
            && self.h.assignment(n, src).is_none()
            && !self.h.is_break(kind)
            && !self.h.is_return(kind)
            && !self.h.is_try(kind)
    }
}

/// Suppression comments found with the per-language query (`queries/*.scm`).
fn suppressions(lang: Lang, root: Node, src: &str, out: &mut Vec<Suppression>) {
    use std::sync::OnceLock;
    use tree_sitter::{Query, QueryCursor, StreamingIterator};
    // Compiled on first need, per grammar: most files have no marker, and compiling every
    // grammar's query up front held up the first summary of a check.
    static QUERIES: OnceLock<Vec<(Lang, OnceLock<Option<Query>>)>> = OnceLock::new();
    if !src.contains("debuglens:") {
        return;
    }
    // A query is compiled against one grammar (TypeScript and TSX are grammars of their own).
    let slots = QUERIES.get_or_init(|| {
        crate::langs::CODE_LANGUAGES
            .iter()
            .flat_map(|c| c.dialects.iter().map(|d| (d.lang, OnceLock::new())))
            .collect()
    });
    let Some((_, slot)) = slots.iter().find(|(l, _)| *l == lang) else {
        return;
    };
    let text = crate::langs::code_language(lang).queries;
    let Some(query) = slot
        .get_or_init(|| Query::new(&lang.ts_language(), text).ok())
        .as_ref()
    else {
        return;
    };
    // Only comments containing the marker matter, so run the query just around each marker
    // occurrence instead of over the whole tree (that full scan dominated summary time).
    let mut cursor = QueryCursor::new();
    let mut last: Option<usize> = None;
    for (i, _) in src.match_indices("debuglens:") {
        let rest = &src[i + "debuglens:".len()..];
        if !(rest.starts_with("ignore") || rest.starts_with(" ignore")) {
            continue;
        }
        cursor.set_byte_range(i..i + 1);
        let mut matches = cursor.matches(query, root, src.as_bytes());
        while let Some(m) = matches.next() {
            for cap in m.captures() {
                let n = cap.node;
                // Comments in document order; one comment may hold several markers.
                if n.start_byte() <= i
                    && i < n.end_byte()
                    && last.is_none_or(|l| l < n.start_byte())
                {
                    last = Some(n.start_byte());
                    comment(n, src, out);
                }
            }
        }
    }
}

fn comment(n: Node, src: &str, out: &mut Vec<Suppression>) {
    {
        let t = text(n, src);
        let Some(i) = t
            .find("debuglens: ignore")
            .or_else(|| t.find("debuglens:ignore"))
        else {
            return;
        };
        let rest = &t[i..];
        let rest = rest.split_once("ignore").map(|x| x.1).unwrap_or("");
        let rules = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map(|(inner, _)| {
                inner
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            });
        // A block comment suppresses on its last line too.
        let (a, b) = (n.start_position().row, n.end_position().row);
        for line in [a, b] {
            out.push(Suppression {
                line,
                rules: rules.clone(),
            });
            if a == b {
                break;
            }
        }
    }
}

/// Iterator over a node's ancestors, innermost first (see `Walker::ancestors`).
struct Ancestors<'w, 't> {
    stack: &'w [Option<Node<'t>>],
    pos: usize,
    cur: Node<'t>,
    fallback: bool,
}

impl<'t> Iterator for Ancestors<'_, 't> {
    type Item = Node<'t>;
    fn next(&mut self) -> Option<Node<'t>> {
        if !self.fallback {
            if self.pos == 0 {
                return None;
            }
            self.pos -= 1;
            match self.stack[self.pos] {
                Some(p) => {
                    self.cur = p;
                    return Some(p);
                }
                None => self.fallback = true,
            }
        }
        let p = self.cur.parent()?;
        self.cur = p;
        Some(p)
    }
}

impl<'t, H: LangHooks> Walker<'_, 't, H> {
    fn function(&mut self, n: Node<'t>, fd: FnDecl<'t>, depth: usize) {
        let anonymous = fd.name.is_none();
        let class = fd
            .class_override
            .clone()
            .or_else(|| if anonymous { None } else { self.class.clone() });
        let name = fd.name.clone().unwrap_or_else(|| "<anon>".to_string());
        let qname = match &class {
            Some(c) if !anonymous => format!("{c}{}{name}", self.h.qsep()),
            _ => name.clone(),
        };
        let name_span = super::lang::field(n, "name")
            .map(Span::of)
            .unwrap_or_else(|| Span::of(n));
        let idx = self.out.functions.len();
        self.out.functions.push(FunctionDef {
            name,
            class: class.clone(),
            qname,
            is_async: fd.is_async,
            anonymous,
            params: fd.params,
            return_type: fd.return_type,
            annotations: fd.annotations,
            has_body: fd.body.is_some(),
            span: Span::of(n),
            name_span,
            parent: self.func,
        });
        if let (Some(selfname), Some(c)) = (fd.self_name, class.clone()) {
            // Go receivers: `s` stands for the struct; record it as a typed local.
            self.out.assignments.push(Assignment {
                target: selfname,
                value_ctor: None,
                type_text: Some(c),
                value_path: None,
                rhs_idents: Vec::new(),
                span: Span::of(n),
                func: Some(idx),
                class: None,
                loops: Vec::new(),
            });
        }
        let saved_func = self.func.replace(idx);
        let saved_loops = std::mem::take(&mut self.loops);
        let saved_join = std::mem::replace(&mut self.join_depth, 0);
        let saved_class = self.class.clone();
        if class.is_some() {
            self.class = class;
        }
        if let Some(b) = fd.body {
            self.walk_desc(b, depth + 1);
        }
        self.class = saved_class;
        self.func = saved_func;
        self.loops = saved_loops;
        self.join_depth = saved_join;
    }

    /// What a unit's walk depends on besides its own subtree (see `body_cache`).
    fn unit_key(&self, n: Node<'t>, depth: usize) -> Key<'_> {
        // The parent is below `n` on the ancestor stack (n was pushed by `walk`).
        let len = self.anc.len();
        let parent = match (len >= 2).then(|| self.anc[len - 2]).flatten() {
            Some(p) => Some(p),
            None => n.parent(),
        };
        let context = parent
            .filter(|p| self.h.is_fn_context(p.k()))
            .map_or(0, |p| p.id());
        // The body's node stands for the function when the text around it is the same:
        // tree-sitter re-creates some grammars' function nodes (Python's) after an edit even
        // where it reuses their bodies as they were.
        use std::hash::{BuildHasher, Hash, Hasher};
        // Fixed seed: hashes are compared across summaries.
        let mut h = foldhash::fast::FixedState::with_seed(0x6465_6275_676c_656e).build_hasher();
        n.kind_id().hash(&mut h);
        let (node, outside, text) = match super::lang::field(n, "body") {
            Some(b) if b.start_byte() >= n.start_byte() && b.end_byte() <= n.end_byte() => {
                self.src.get(n.start_byte()..b.start_byte()).hash(&mut h);
                self.src.get(b.end_byte()..n.end_byte()).hash(&mut h);
                (b.id(), h.finish(), None)
            }
            _ => {
                self.src.get(n.byte_range()).hash(&mut h);
                (n.id(), 0, Some(h.finish()))
            }
        };
        Key {
            node,
            outside,
            text,
            start: n.start_byte(),
            end: n.end_byte(),
            start_row: n.start_position().row,
            class: self.class.as_deref(),
            context,
            depth,
        }
    }

    /// Takes a function's items from the previous summary when nothing they depend on changed.
    fn reuse_unit(&mut self, n: Node<'t>, depth: usize) -> bool {
        let Some(mut session) = self.cache.take() else {
            return false;
        };
        let mut done = false;
        if session.has_candidate(n.start_byte()) {
            let key = self.unit_key(n, depth);
            if let Some(items) = session.reuse(&key, Marks::of(&self.out), self.func) {
                self.out.functions.extend(items.functions);
                self.out.calls.extend(items.calls);
                self.out.loops.extend(items.loops);
                self.out.assignments.extend(items.assignments);
                self.out.imports.extend(items.imports);
                self.out.classes.extend(items.classes);
                if items.package.is_some() {
                    self.out.package = items.package;
                }
                done = true;
            }
        }
        self.cache = Some(session);
        done
    }

    fn new_loop(&mut self, n: Node, kind: LoopKind, header: String, body_start: usize) -> usize {
        let span = Span::of(n);
        let mut header_span = span;
        if body_start > n.start_byte() && body_start <= n.end_byte() {
            let hdr_text = self.src.get(n.start_byte()..body_start).unwrap_or("");
            let lines = hdr_text.matches('\n').count();
            header_span.end.byte = body_start;
            header_span.end.line = span.start.line + lines;
            header_span.end.col = match hdr_text.rfind('\n') {
                Some(i) => hdr_text.len() - i - 1,
                None => span.start.col + hdr_text.len(),
            };
        }
        let idx = self.out.loops.len();
        self.out.loops.push(LoopInfo {
            kind,
            header,
            span,
            header_span,
            var: None,
            iterable: None,
            cond_idents: Vec::new(),
            func: self.func,
            parent: self.loops.last().copied(),
            has_sleep: false,
            has_break: false,
            has_return: false,
            has_try: false,
            concurrent: self.join_depth > 0,
            assigned_to: None,
        });
        idx
    }

    fn loop_(&mut self, n: Node<'t>, ld: LoopDecl<'t>, depth: usize) {
        let hdr = self
            .src
            .get(n.start_byte()..ld.body_start.max(n.start_byte()))
            .unwrap_or("");
        let hdr = hdr.trim_end().trim_end_matches(['{', ':']).trim_end();
        let header = one_line(hdr, 80);
        let header = match ld.header.as_deref() {
            Some(h) => one_line(h, 80),
            None if header.is_empty() => one_line(text(n, self.src), 60),
            None => header,
        };
        let idx = self.new_loop(n, ld.kind, header, ld.body_start);
        self.out.loops[idx].var = ld.var;
        self.out.loops[idx].iterable = ld.iterable;
        if let Some(c) = ld.cond {
            self.out.loops[idx].cond_idents = self.idents(c);
        }
        let inside: Vec<(usize, usize)> = ld
            .inside
            .iter()
            .map(|x| (x.start_byte(), x.end_byte()))
            .collect();
        self.walk_outside(n, &inside, depth);
        self.loops.push(idx);
        for c in &ld.inside {
            self.walk_desc(*c, depth + 1);
        }
        self.loops.pop();
    }

    /// Walk the parts of a loop evaluated once (everything but `inside`), descending into
    /// wrappers such as Go's `for_clause` that mix once-only and per-iteration parts.
    fn walk_outside(&mut self, n: Node<'t>, inside: &[(usize, usize)], depth: usize) {
        let mut cur = n.walk();
        let children: Vec<Node> = n.children(&mut cur).collect();
        for c in children {
            let r = (c.start_byte(), c.end_byte());
            if inside.contains(&r) {
                continue;
            }
            if inside.iter().any(|(a, b)| r.0 <= *a && *b <= r.1) && depth < MAX_DEPTH {
                // Descending without walking `c`: it still is its children's parent.
                self.anc.push(Some(c));
                self.walk_outside(c, inside, depth + 1);
                self.anc.pop();
            } else {
                self.walk(c, depth + 1);
            }
        }
    }

    fn idents(&self, n: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        let mut visited = 0usize;
        while let Some(x) = stack.pop() {
            // Bounded in identifiers and in nodes visited: nested calls `f(f(f(…)))` would
            // otherwise visit their whole subtree once per call.
            visited += 1;
            if out.len() > 64 || visited > IDENTS_NODES {
                break;
            }
            if self.h.is_ident(x.k()) {
                let t = text(x, self.src).to_string();
                if !out.contains(&t) {
                    out.push(t);
                }
                continue;
            }
            let mut cur = x.walk();
            for c in x.children(&mut cur) {
                stack.push(c);
            }
        }
        out
    }

    fn awaited(&self, n: Node<'t>) -> bool {
        let mut steps = 0;
        for p in self.ancestors(n) {
            steps += 1;
            if steps > 64 {
                break;
            }
            if self.h.is_await(p, self.src) {
                return true;
            }
            if self.h.is_stmt_boundary(p.k()) || self.h.is_fn_kind(p.k()) {
                break;
            }
        }
        false
    }

    fn result_vars(&self, n: Node<'t>) -> Vec<String> {
        let mut steps = 0;
        for p in self.ancestors(n) {
            steps += 1;
            if steps > 16 || self.h.is_fn_kind(p.k()) {
                break;
            }
            if let Some(ad) = self.h.assignment(p, self.src) {
                return ad.targets;
            }
            if self.h.is_stmt_boundary(p.k()) {
                break;
            }
        }
        Vec::new()
    }

    /// Records a call; true when its children are left to the caller (no fan-out, no callback
    /// loop: the call opens no scope).
    fn call(&mut self, n: Node<'t>, cd: CallDecl<'t>, depth: usize) -> bool {
        let receiver = cd.receiver.map(|r| compact(text(r, self.src)));
        let mut callee = compact(text(cd.func_node, self.src));
        if let Some(r) = &receiver {
            // Grammars whose call node names only the method (Java): prefix the receiver.
            if !callee.contains('.') && !callee.contains("::") {
                callee = format!("{r}.{callee}");
            }
        }
        let args_text = cd
            .args
            .map(|a| text(a, self.src).to_string())
            .unwrap_or_default();
        let arg_idents = cd.args.map(|a| self.idents(a)).unwrap_or_default();
        let kwargs = cd
            .args
            .map(|a| self.h.kwargs(a, self.src))
            .unwrap_or_default();
        let in_async = self.func.is_some_and(|f| self.out.functions[f].is_async);
        let awaited = self.awaited(n);
        let result_vars = self.result_vars(n);
        if self.h.is_sleep(&callee, &cd.method) || args_text.contains("setTimeout(") {
            for l in &self.loops {
                self.out.loops[*l].has_sleep = true;
            }
        }
        self.out.calls.push(CallSite {
            callee: callee.clone(),
            receiver: receiver.clone(),
            method: cd.method.clone(),
            args_text: one_line(&args_text, 200),
            arg_idents,
            kwargs,
            span: Span::of(n),
            func: self.func,
            loops: self.loops.clone(),
            awaited,
            in_async,
            result_vars: result_vars.clone(),
        });

        let is_join = self.h.join_wrappers().iter().any(|w| {
            callee == *w
                || callee.ends_with(&format!(".{w}"))
                || callee.ends_with(&format!("::{w}"))
                || cd.method == *w
        });
        if is_join {
            self.join_depth += 1;
        }
        // Callback loops: `items.forEach(async item => ...)`.
        let cb = if self.h.callback_loop_methods().contains(&cd.method.as_str())
            && cd.receiver.is_some()
        {
            cd.args.and_then(|a| self.h.callback_fn(a))
        } else {
            None
        };
        match cb {
            Some(cbfn) => {
                let recv = receiver.clone().unwrap_or_default();
                let header = format!("{}.{}(…)", one_line(&recv, 60), cd.method);
                let parallel = [
                    "parallelStream",
                    ".parallel()",
                    "par_iter",
                    "Flux.",
                    "FuturesUnordered",
                ]
                .iter()
                .any(|p| recv.contains(p));
                let idx = self.new_loop(n, LoopKind::Callback, header, n.start_byte());
                self.out.loops[idx].header_span = Span::of(n);
                self.out.loops[idx].iterable = Some(recv);
                if parallel {
                    self.out.loops[idx].concurrent = true;
                }
                self.out.loops[idx].assigned_to = result_vars.first().cloned();
                if let Some(fd) = self.h.function(cbfn, self.src) {
                    self.out.loops[idx].var = fd.params.first().map(|p| p.name.clone());
                    let is_async = fd.is_async;
                    if is_async && self.h.async_callback_is_lazy(&cd.method) {
                        self.out.loops[idx].concurrent = true;
                    }
                    // The callback runs once per element: walk its body inside the loop, in an
                    // anonymous function (awaits inside belong to it) that keeps the outer loops.
                    let fidx = self.out.functions.len();
                    self.out.functions.push(FunctionDef {
                        name: "<callback>".into(),
                        class: None,
                        qname: "<callback>".into(),
                        is_async,
                        anonymous: true,
                        params: fd.params,
                        return_type: None,
                        annotations: Vec::new(),
                        has_body: true,
                        span: Span::of(cbfn),
                        name_span: Span::of(cbfn),
                        parent: self.func,
                    });
                    // Walk everything except the callback outside the loop.
                    let mut cur = n.walk();
                    let children: Vec<Node> = n.children(&mut cur).collect();
                    for c in children {
                        if Some(c.id()) == cd.args.map(|a| a.id()) {
                            let mut cur2 = c.walk();
                            let args: Vec<Node> = c.children(&mut cur2).collect();
                            self.anc.push(Some(c));
                            for a in args {
                                if a.id() != cbfn.id() {
                                    self.walk(a, depth + 2);
                                }
                            }
                            self.anc.pop();
                        } else {
                            self.walk(c, depth + 1);
                        }
                    }
                    let saved_func = self.func.replace(fidx);
                    self.loops.push(idx);
                    if let Some(b) = fd.body {
                        self.walk_desc(b, depth + 2);
                    }
                    self.loops.pop();
                    self.func = saved_func;
                    // Callback calls count for the enclosing function's remoteness.
                    for c in self.out.calls.iter_mut().filter(|c| c.func == Some(fidx)) {
                        c.func = saved_func;
                        c.in_async = is_async;
                    }
                    for a in self
                        .out
                        .assignments
                        .iter_mut()
                        .filter(|a| a.func == Some(fidx))
                    {
                        a.func = saved_func;
                    }
                } else {
                    self.walk_children(n, depth);
                }
            }
            None if !is_join => return true,
            None => self.walk_children(n, depth),
        }
        if is_join {
            self.join_depth -= 1;
        }
        false
    }

    fn assignment(&mut self, n: Node, ad: AssignDecl) {
        let value_ctor = ad.value.and_then(|v| self.h.value_ctor(v, self.src));
        let rhs_idents = ad.value.map(|v| self.idents(v)).unwrap_or_default();
        let value_path = ad.value.map(|v| compact(text(v, self.src))).filter(|t| {
            !t.is_empty()
                && t.len() < 120
                && t.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '$'))
        });
        for t in ad.targets {
            self.out.assignments.push(Assignment {
                target: t,
                value_ctor: value_ctor.clone(),
                type_text: ad.type_text.clone(),
                value_path: value_path.clone(),
                rhs_idents: rhs_idents.clone(),
                span: Span::of(n),
                func: self.func,
                class: self.class.clone(),
                loops: self.loops.clone(),
            });
        }
    }

    fn post_process(&mut self) {
        // `const ps = items.map(async …); await Promise.all(ps)` is a fan-out.
        let joins = self.h.join_wrappers();
        // The join calls by function, found once (a file has thousands of calls and few joins).
        let mut join_calls: std::collections::HashMap<Option<usize>, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, c) in self.out.calls.iter().enumerate() {
            if joins
                .iter()
                .any(|w| c.callee.ends_with(w) || c.method == *w)
            {
                join_calls.entry(c.func).or_default().push(i);
            }
        }
        if join_calls.is_empty() {
            return;
        }
        for li in 0..self.out.loops.len() {
            let Some(var) = self.out.loops[li].assigned_to.as_ref() else {
                continue;
            };
            let used_in_join = join_calls
                .get(&self.out.loops[li].func)
                .is_some_and(|calls| {
                    calls
                        .iter()
                        .any(|&i| self.out.calls[i].arg_idents.contains(var))
                });
            if used_in_join {
                self.out.loops[li].concurrent = true;
            }
        }
    }
}
