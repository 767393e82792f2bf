//! Code-action rewrites for loop-wrapped remote calls, as plain text edits.
//!
//! `batch` replaces the per-item loop with a chunked call to the batch API the engine found
//! (`Finding::batch_alternative`), keeping a per-item fallback; `concurrent` keeps the per-item
//! calls but runs at most N at a time; `suppress` adds the ignore comment. Everything here works
//! on text and byte offsets: no LSP types, no file I/O (files come through a callback).
//!
//! Both rewrites run through one pipeline ([`pipeline::run`]): each language implements the
//! steps of [`pipeline::RewriteHooks`] in `langs/<lang>/rewrite.rs`, and the text of the code
//! they generate lives in templates (`langs/<lang>/templates/rewrite/*.j2`).
//!
//! Each language returns `Err(reason)` when the loop's shape is one we cannot rewrite without
//! guessing about semantics (call under a condition, arguments computed inside the loop, early
//! exits before the call, ...). A refused rewrite is better than a wrong one.

use crate::code::{Finding, Lang, ParsedFile, Span};

pub(crate) mod pipeline;
use std::ops::Range;
use tree_sitter::Node;

/// Replace `range` (bytes of that file's text) with `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub new_text: String,
}

/// The edits for one file; `path` is workspace-relative, as in `Finding::path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdits {
    pub path: String,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub title: String,
    pub files: Vec<FileEdits>,
    /// Assumptions the rewrite makes, stated for the user.
    pub notes: Vec<String>,
}

/// The title of every language's bounded-concurrency rewrite.
pub(crate) fn concurrent_title(n: usize) -> String {
    format!(
        "Run concurrently (at most {n} at a time; results keep input order, first error propagates)"
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Chunk size for batch calls, unless the code defines a limit next to the batch API.
    pub batch_limit: usize,
    /// How many calls may be in flight at once.
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            batch_limit: 50,
            concurrency: 10,
        }
    }
}

pub const SUPPRESS_TEXT: &str =
    "debuglens: ignore[loop-remote-call] -- TODO: why this loop must stay sequential";

/// Rewrite the loop to use the batch API (`f.batch_alternative`) in chunks.
pub fn batch(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    if f.batch_alternative.is_none() {
        return Err("no batch API was found for this call".into());
    }
    guarded(|| (crate::langs::code_language(lang_of(f)?).batch)(f, files, opts))
}

/// Runs a language rewrite so that a bug in it (an index out of range on code shaped in a way
/// nobody foresaw) refuses the action instead of panicking the request handler.
fn guarded(rewrite: impl FnOnce() -> Result<Rewrite, String>) -> Result<Rewrite, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(rewrite)).unwrap_or_else(|_| {
        Err("the rewrite failed on this code (a bug in debuglens; the file is unchanged)".into())
    })
}

/// Rewrite the loop to run the per-item calls concurrently, at most `opts.concurrency` at once.
pub fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    let opts = Options {
        concurrency: opts.concurrency.max(1),
        ..*opts
    };
    guarded(|| (crate::langs::code_language(lang_of(f)?).concurrent)(f, files, &opts))
}

/// Insert the ignore comment on the line above the call, indented like the call's line.
pub fn suppress(f: &Finding, text: &str) -> Edit {
    let at = line_start(text, f.span.start.byte.min(text.len()));
    let indent = leading_ws(text, at);
    let marker =
        Lang::from_path(&f.path).map_or("#", |l| crate::langs::code_language(l).line_comment);
    Edit {
        range: at..at,
        new_text: format!("{indent}{marker} {SUPPRESS_TEXT}{}", newline(text)),
    }
}

/// Apply non-overlapping edits (in any order). Edits with ranges outside the text or not on
/// character boundaries are skipped rather than panicking.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in sorted {
        let (s, end) = (e.range.start, e.range.end);
        if s < at || end < s || end > text.len() {
            continue;
        }
        let (Some(keep), true) = (text.get(at..s), text.is_char_boundary(end)) else {
            continue;
        };
        out.push_str(keep);
        out.push_str(&e.new_text);
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

// ---------------------------------------------------------------------------------------------
// Shared helpers for the language modules.

pub(crate) fn lang_of(f: &Finding) -> Result<Lang, String> {
    Lang::from_path(&f.path).ok_or_else(|| format!("unknown language for {}", f.path))
}

pub(crate) fn read(files: &dyn Fn(&str) -> Option<String>, path: &str) -> Result<String, String> {
    files(path).ok_or_else(|| format!("cannot read {path}"))
}

/// `\r\n` when the file uses it, else `\n`.
pub(crate) fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

pub(crate) fn line_start(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .and_then(|b| b.rfind('\n'))
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// End of the line containing `byte`, after its newline (or the text's end).
pub(crate) fn line_end_incl(text: &str, byte: usize) -> usize {
    text.get(byte..)
        .and_then(|r| r.find('\n'))
        .map(|i| byte + i + 1)
        .unwrap_or(text.len())
}

/// The whitespace at the start of the line beginning at `start`.
pub(crate) fn leading_ws(text: &str, start: usize) -> String {
    text.get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// One indentation level as the file writes it: a tab, or the smallest positive step between
/// consecutive lines' space indentation (falling back to `default_width` spaces).
pub(crate) fn indent_unit(text: &str, default_width: usize) -> String {
    let mut tabs = 0;
    let mut spaces = 0;
    let mut steps = std::collections::BTreeMap::<usize, usize>::new();
    let mut prev = 0usize;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('\t') {
            tabs += 1;
            continue;
        }
        let w = line.chars().take_while(|c| *c == ' ').count();
        if w > 0 {
            spaces += 1;
        }
        if w > prev {
            *steps.entry(w - prev).or_default() += 1;
        }
        prev = w;
    }
    if tabs > spaces {
        return "\t".into();
    }
    let width = steps
        .iter()
        .filter(|(w, _)| **w >= 2 && **w <= 8)
        .max_by_key(|(w, n)| (**n, std::cmp::Reverse(**w)))
        .map(|(w, _)| *w)
        .unwrap_or(default_width);
    " ".repeat(width)
}

/// Re-indent a node's source lines relative to its first line's indentation, normalising the
/// indentation to units of `unit` so it nests inside generated code. Returns lines without
/// newlines.
pub(crate) fn dedent_lines(text: &str, range: Range<usize>) -> Vec<String> {
    let start = line_start(text, range.start);
    let base = leading_ws(text, start);
    let body = text.get(start..range.end).unwrap_or("");
    body.split('\n')
        .map(|l| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            l.strip_prefix(base.as_str())
                .unwrap_or(l.trim_start())
                .to_string()
        })
        .collect()
}

pub(crate) fn parse(lang: Lang, text: &str) -> Result<ParsedFile, String> {
    let p = ParsedFile::new(lang, text);
    if p.tree().is_none() {
        return Err("could not parse the file".into());
    }
    Ok(p)
}

/// The innermost node of one of `kinds` that covers `span`.
pub(crate) fn node_of_kind<'t>(root: Node<'t>, span: &Span, kinds: &[&str]) -> Option<Node<'t>> {
    let mut n = root.descendant_for_byte_range(span.start.byte, span.end.byte)?;
    loop {
        if kinds.contains(&n.kind())
            && n.start_byte() <= span.start.byte
            && span.end.byte <= n.end_byte()
        {
            return Some(n);
        }
        n = n.parent()?;
    }
}

pub(crate) fn text_of<'a>(text: &'a str, n: Node) -> &'a str {
    text.get(n.start_byte()..n.end_byte()).unwrap_or("")
}

pub(crate) fn is_ancestor(anc: Node, n: Node) -> bool {
    anc.start_byte() <= n.start_byte() && n.end_byte() <= anc.end_byte()
}

/// Nearest ancestor of `n` (inclusive) whose kind is one of `kinds`.
pub(crate) fn ancestor_of_kind<'t>(n: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut cur = Some(n);
    while let Some(c) = cur {
        if kinds.contains(&c.kind()) {
            return Some(c);
        }
        cur = c.parent();
    }
    None
}

/// Identifiers in `n` (by node kind `identifier`-like).
pub(crate) fn identifiers(text: &str, n: Node, kinds: &[&str], out: &mut Vec<String>) {
    if kinds.contains(&n.kind()) {
        out.push(text_of(text, n).to_string());
    }
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        identifiers(text, ch, kinds, out);
    }
}

/// True if some node under `n` of one of `kinds` starts before `before`.
pub(crate) fn any_kind_before(n: Node, kinds: &[&str], before: usize) -> bool {
    if n.start_byte() >= before {
        return false;
    }
    if kinds.contains(&n.kind()) {
        return true;
    }
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        if any_kind_before(ch, kinds, before) {
            return true;
        }
    }
    false
}

/// A name not already used as a word in `scope`, starting from `base`.
pub(crate) fn fresh_name(scope: &str, base: &str) -> String {
    let used = |name: &str| {
        scope.match_indices(name).any(|(i, _)| {
            let before = scope[..i].chars().next_back();
            let after = scope[i + name.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !word(before) && !word(after)
        })
    };
    if !used(base) {
        return base.to_string();
    }
    (2..100)
        .map(|n| format!("{base}{n}"))
        .find(|n| !used(n))
        .unwrap_or_else(|| format!("{base}_"))
}

/// Simple "path" expressions (`items`, `cart.items`, `self.items`) are safe to evaluate twice.
pub(crate) fn is_simple_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// `snake_case` or `camelCase` identifier for the per-item result of `var`.
pub(crate) fn result_names(var: Option<&str>, camel: bool) -> (String, String) {
    let base = var
        .filter(|v| v.chars().all(|c| c.is_alphanumeric() || c == '_') && !v.is_empty())
        .unwrap_or("item");
    if camel {
        (format!("{base}Result"), format!("{base}Results"))
    } else {
        (format!("{base}_result"), format!("{base}_results"))
    }
}

/// The statement-level checks shared by all languages: the call must run exactly once per
/// iteration, with arguments that do not depend on values computed earlier in the same
/// iteration. `value` is the call (or its `await`); `body` the loop body.
pub(crate) struct Guards<'a> {
    /// Node kinds that make a call conditional when it sits in their non-condition part.
    pub(crate) conditional: &'a [&'a str],
    /// Nested loops and closures the call must not sit in.
    pub(crate) loops: &'a [&'a str],
    pub(crate) functions: &'a [&'a str],
    pub(crate) exits: &'a [&'a str],
    pub(crate) tries: &'a [&'a str],
    pub(crate) assigned: &'a dyn Fn(Node, &mut Vec<String>),
    pub(crate) ident_kinds: &'a [&'a str],
}

pub(crate) fn check_guards(
    text: &str,
    value: Node,
    call: Node,
    body: Node,
    g: &Guards,
) -> Result<(), String> {
    runs_once_per_item(value, body, g)?;
    if any_kind_before(body, g.exits, value.start_byte()) {
        return Err(
            "the loop can skip or leave an iteration before the call (continue/break/return); \
             running every call up front would add calls"
                .into(),
        );
    }
    if let Some(recv) = call
        .child_by_field_name("function")
        .and_then(|c| {
            text_of(text, c)
                .rsplit_once('.')
                .map(|(r, _)| r.to_string())
        })
        .filter(|r| !matches!(r.as_str(), "self" | "this" | "cls") && is_simple_path(r))
    {
        let rest = format!(
            "{} {}",
            text.get(body.start_byte()..value.start_byte())
                .unwrap_or(""),
            text.get(value.end_byte()..body.end_byte()).unwrap_or("")
        );
        if word_occurs(&rest, &recv) {
            return Err(format!(
                "the loop uses `{recv}` again besides this call (a stateful client such as a \
                 cursor); running the calls up front could change what it sees"
            ));
        }
    }
    let mut assigned = Vec::new();
    collect_assigned_before(body, value.start_byte(), g, &mut assigned);
    let mut used = Vec::new();
    identifiers(text, call, g.ident_kinds, &mut used);
    if let Some(name) = used.iter().find(|u| assigned.contains(u)) {
        return Err(format!(
            "the call's arguments use `{name}`, which is computed inside the loop before the call"
        ));
    }
    Ok(())
}

/// Walking up from the call to the loop body: no nested loop, closure or per-item `try`, and
/// no condition the call runs under (its condition or left operand is fine).
fn runs_once_per_item(value: Node, body: Node, g: &Guards) -> Result<(), String> {
    let mut child = value;
    let mut cur = if value.id() == body.id() {
        Some(body)
    } else {
        value.parent()
    };
    while let Some(n) = cur {
        if n.id() == body.id() {
            break;
        }
        let k = n.kind();
        if g.loops.contains(&k) {
            return Err("the call sits in a nested loop; rewrite the inner loop first".into());
        }
        if g.functions.contains(&k) {
            return Err("the call sits inside a closure within the loop".into());
        }
        if g.tries.contains(&k) {
            return Err(
                "the call has per-item error handling (try/catch) inside the loop; running \
                 the calls up front would change which errors are caught"
                    .into(),
            );
        }
        if g.conditional.contains(&k) {
            let in_condition = n
                .child_by_field_name("condition")
                .is_some_and(|c| is_ancestor(c, child));
            let is_left = n
                .child_by_field_name("left")
                .is_some_and(|c| is_ancestor(c, child));
            if !in_condition && !is_left {
                return Err(
                    "the call runs only under a condition inside the loop; running it for \
                     every item up front would add calls"
                        .into(),
                );
            }
        }
        child = n;
        cur = n.parent();
    }
    if cur.is_none() {
        return Err("the call is not inside the loop body".into());
    }
    Ok(())
}

/// Names assigned by statements that complete before `before` (the call's own statement, such
/// as `out[i] = call(i)`, does not count).
pub(crate) fn collect_assigned_before(n: Node, before: usize, g: &Guards, out: &mut Vec<String>) {
    if n.start_byte() >= before {
        return;
    }
    if n.end_byte() <= before {
        (g.assigned)(n, out);
    }
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        collect_assigned_before(ch, before, g, out);
    }
}

/// If `value` is the whole expression of an expression statement, that statement.
pub(crate) fn discarded_statement<'t>(value: Node<'t>, stmt_kind: &str) -> Option<Node<'t>> {
    let p = value.parent()?;
    (p.kind() == stmt_kind).then_some(p)
}

/// Count named, non-comment children of a block.
pub(crate) fn statement_count(body: Node) -> usize {
    let mut c = body.walk();
    body.named_children(&mut c)
        .filter(|n| !n.kind().contains("comment"))
        .count()
}

/// Lines of `text` covering `n`, with their newline: the edit range that removes `n` whole.
pub(crate) fn whole_lines(text: &str, n: Node) -> Range<usize> {
    line_start(text, n.start_byte())..line_end_incl(text, n.end_byte().saturating_sub(1))
}

/// `whole_lines` of a statement about to be deleted, refused when those lines hold other
/// statements too.
pub(crate) fn own_lines(text: &str, stmt: Node) -> Result<Range<usize>, String> {
    let r = whole_lines(text, stmt);
    if text.get(r.clone()).unwrap_or("").trim() != text_of(text, stmt) {
        return Err("the call shares its line with other statements".into());
    }
    Ok(r)
}

/// The edits for a loop whose call's value is dropped (statement `stmt`): `pre` replaces the
/// whole loop when the call is its only statement; otherwise `pre` goes on the loop's line and
/// the call's statement is deleted.
pub(crate) fn discarded_call_edits(
    text: &str,
    lnode: Node,
    stmt: Node,
    whole_loop: bool,
    pre: String,
) -> Result<Vec<Edit>, String> {
    if whole_loop {
        return Ok(vec![Edit {
            range: whole_lines(text, lnode),
            new_text: pre,
        }]);
    }
    let deleted = own_lines(text, stmt)?;
    let ls = line_start(text, lnode.start_byte());
    Ok(vec![
        Edit {
            range: ls..ls,
            new_text: pre,
        },
        Edit {
            range: deleted,
            new_text: String::new(),
        },
    ])
}

/// Insert `line` (with newline) after the last line matching `is_import` at the top of the
/// file, or at `fallback`.
pub(crate) fn insert_after_last(
    text: &str,
    is_import: &dyn Fn(&str) -> bool,
    fallback: usize,
) -> usize {
    let mut at = None;
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        if is_import(line.trim_end()) {
            at = Some(off + line.len());
        }
        off += line.len();
    }
    at.unwrap_or(fallback)
}

/// `name` (possibly dotted) occurs in `hay` not as part of a longer name.
pub(crate) fn word_occurs(hay: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    hay.match_indices(name).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        !word(before) && before != Some('.') && !word(hay[i + name.len()..].chars().next())
    })
}

/// `Class.method` / `Class::method` → (`Class`, `method`); a free function has no class.
pub(crate) fn split_qualified(name: &str) -> (Option<&str>, &str) {
    let name = name.trim();
    match (name.rsplit_once("::"), name.rsplit_once('.')) {
        (Some((c, m)), None) => (Some(c), m),
        (None, Some((c, m))) => (Some(c), m),
        (Some((c1, m1)), Some((c2, m2))) => {
            if m1.len() < m2.len() {
                (Some(c1), m1)
            } else {
                (Some(c2), m2)
            }
        }
        (None, None) => (None, name),
    }
}

/// The helper the loop calls directly whose next hop calls a method of the batch API's class
/// (the helper gets the batched companion). Refuses direct calls and longer chains.
pub(crate) fn helper_hop<'a>(
    f: &'a Finding,
    ba: &crate::code::BatchAlternative,
) -> Result<&'a crate::code::ChainHop, String> {
    let (class, _) = split_qualified(&ba.name);
    let targets_class = |func: &str| match (class, split_qualified(func).0) {
        (Some(c), Some(fc)) => fc == c,
        _ => false,
    };
    let Some(first) = f.chain.first() else {
        return Err("the finding has no call chain".into());
    };
    if class.is_none() {
        return Err(format!(
            "{} is a sibling of the function the loop calls, not a method of the client it \
             uses; which result belongs to which item cannot be read from its signature",
            ba.name.trim()
        ));
    }
    if targets_class(&first.function) {
        return Err(format!(
            "the loop calls {} directly; the batch rewrite needs the call inside a helper \
             function (use the concurrent rewrite)",
            first.function
        ));
    }
    match f.chain.get(1) {
        Some(h) if targets_class(&h.function) => Ok(first),
        _ if f.chain.iter().skip(1).any(|h| targets_class(&h.function)) => Err(format!(
            "the batch API is reached through several helpers; only a helper called directly \
             in the loop ({}) is rewritten",
            f.callee
        )),
        _ => Err(format!(
            "no helper in the call chain calls {} directly",
            ba.name.trim()
        )),
    }
}

/// How often `name` occurs in `text` as a whole identifier (`extra` also counts as an identifier
/// character, e.g. `$` in JavaScript).
pub(crate) fn word_count(text: &str, name: &str, extra: &[char]) -> usize {
    let word =
        |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || extra.contains(&c));
    text.match_indices(name)
        .filter(|(i, _)| {
            !word(text[..*i].chars().next_back()) && !word(text[i + name.len()..].chars().next())
        })
        .count()
}

/// The chunk size when the batch API's file defines no limit constant: `opts.batch_limit`, said
/// in a note. Returns (expression, value).
pub(crate) fn assumed_limit(
    opts: &Options,
    api_path: &str,
    notes: &mut Vec<String>,
) -> (String, usize) {
    notes.push(format!(
        "Assumed a batch limit of {} ({api_path} defines no limit constant).",
        opts.batch_limit
    ));
    (opts.batch_limit.to_string(), opts.batch_limit)
}

/// The limit constant's value, copied as a literal because the companion cannot name the
/// constant (`why`, e.g. " (not exported)"), said in a note. Returns (expression, value).
pub(crate) fn copied_limit(
    value: usize,
    name: &str,
    api_path: &str,
    why: &str,
    notes: &mut Vec<String>,
) -> (String, usize) {
    notes.push(format!(
        "Chunk size {value} copied from {name} in {api_path}{why}."
    ));
    (value.to_string(), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loop and the call statement inside it, in a small Python function.
    fn with_loop(src: &str, check: impl Fn(&str, Node, Node)) {
        let parsed = parse(Lang::Python, src).unwrap();
        let root = parsed.tree().unwrap().root_node();
        let mut stack = vec![root];
        let (mut lnode, mut stmt) = (None, None);
        while let Some(n) = stack.pop() {
            match n.kind() {
                "for_statement" => lnode = Some(n),
                "expression_statement" if text_of(src, n).starts_with("check(") => stmt = Some(n),
                _ => {}
            }
            let mut c = n.walk();
            stack.extend(n.children(&mut c));
        }
        check(src, lnode.unwrap(), stmt.unwrap());
    }

    #[test]
    fn a_dropped_call_that_is_the_whole_loop_body_replaces_the_loop() {
        let src = "def f(xs):\n    for x in xs:\n        check(x)\n    return 1\n";
        with_loop(src, |t, l, s| {
            let edits = discarded_call_edits(t, l, s, true, "    check_batch(xs)\n".into());
            assert_eq!(
                apply(t, &edits.unwrap()),
                "def f(xs):\n    check_batch(xs)\n    return 1\n"
            );
        });
    }

    #[test]
    fn a_dropped_call_among_other_statements_moves_before_the_loop_and_its_line_goes() {
        let src = "def f(xs):\n    for x in xs:\n        log(x)\n        check(x)\n";
        with_loop(src, |t, l, s| {
            let edits = discarded_call_edits(t, l, s, false, "    check_batch(xs)\n".into());
            assert_eq!(
                apply(t, &edits.unwrap()),
                "def f(xs):\n    check_batch(xs)\n    for x in xs:\n        log(x)\n"
            );
        });
    }

    #[test]
    fn a_dropped_call_sharing_its_line_with_another_statement_is_refused() {
        let src = "def f(xs):\n    for x in xs:\n        log(x); check(x)\n";
        with_loop(src, |t, l, s| {
            assert_eq!(
                discarded_call_edits(t, l, s, false, String::new()).unwrap_err(),
                "the call shares its line with other statements"
            );
        });
    }
}
