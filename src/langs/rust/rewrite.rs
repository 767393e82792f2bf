//! Rust rewrites: `futures::stream::iter(..).buffered(n)` for `.await`ed calls in `for` loops,
//! and a batched companion of the helper that makes the single remote call. Both run through
//! the shared pipeline ([`pipeline::run`]); the generated code's text is in
//! `templates/rewrite/*.rs.j2`.

use crate::code::{BatchAlternative, ChainHop, Finding, Lang};
use crate::guidance::rewrite::pipeline::{
    self, Cx, Kind, Limit, Rendered, RewriteHooks, Role, Source, code,
};
use crate::guidance::rewrite::*;
use serde::Serialize;
use tree_sitter::Node;

const IDENT: &[&str] = &["identifier"];

const CONCURRENT: &str = include_str!("templates/rewrite/concurrent.rs.j2");
const COMPANION: &str = include_str!("templates/rewrite/batch_companion.rs.j2");
const BATCH_SITE: &str = include_str!("templates/rewrite/batch_site.rs.j2");

fn guards() -> Guards<'static> {
    Guards {
        conditional: &[
            "if_expression",
            "else_clause",
            "match_arm",
            "binary_expression",
            "let_chain",
        ],
        loops: &["for_expression", "while_expression", "loop_expression"],
        functions: &["closure_expression", "async_block", "function_item"],
        exits: &[
            "continue_expression",
            "break_expression",
            "return_expression",
            "try_expression",
        ],
        tries: &[],
        assigned: &|_, _| {},
        ident_kinds: IDENT,
    }
}

/// Names bound or assigned by `n` itself (not its children).
fn assigned_names(text: &str, n: Node, out: &mut Vec<String>) {
    let target = match n.kind() {
        "let_declaration" | "for_expression" | "let_condition" => n.child_by_field_name("pattern"),
        "assignment_expression" | "compound_assignment_expr" => n.child_by_field_name("left"),
        _ => None,
    };
    if let Some(t) = target {
        identifiers(text, t, IDENT, out);
    }
}

/// The loop, the call inside it and everything the rewrites need to know about them.
struct Site<'t> {
    text: &'t str,
    root: Node<'t>,
    lnode: Node<'t>,
    /// The call the finding points at.
    call: Node<'t>,
    pattern: Node<'t>,
    iter: Node<'t>,
    body: Node<'t>,
    /// The awaited call, with its `?` when it has one.
    value: Node<'t>,
    /// The call chain without `.await` / `?` (what the closure returns).
    future: Node<'t>,
    /// `future.await`, without the `?`.
    awaited: Node<'t>,
    tried: bool,
    func: Option<Node<'t>>,
    /// `let _ = ...;` / `...;`: the statement that throws the result away, and its type
    /// annotation.
    discard: Option<(Node<'t>, Option<String>)>,
}

/// Step 1: the `for` loop and the awaited call (climbing its method chain).
fn locate<'t>(f: &Finding, src: &'t Source) -> Result<Site<'t>, String> {
    let (text, root) = (src.text.as_str(), src.root());
    let call = node_of_kind(root, &f.span, &["call_expression", "macro_invocation"])
        .ok_or("the finding does not point at a call")?;
    if call.kind() == "macro_invocation" {
        return Err("the call is a macro invocation; it is not rewritten".into());
    }
    let lnode = for_loop(f, root)?;
    let (Some(pattern), Some(iter), Some(body)) = (
        lnode.child_by_field_name("pattern"),
        lnode.child_by_field_name("value"),
        lnode.child_by_field_name("body"),
    ) else {
        return Err("the loop header is incomplete".into());
    };
    // Climb the method chain: `sqlx::query(..).bind(id).execute(&pool)` is one future.
    let mut future = call;
    while let Some(p) = future.parent() {
        let on_value = match p.kind() {
            "field_expression" => p
                .child_by_field_name("value")
                .is_some_and(|v| v.id() == future.id()),
            "call_expression" => p
                .child_by_field_name("function")
                .is_some_and(|v| v.id() == future.id()),
            _ => false,
        };
        if !on_value {
            break;
        }
        future = p;
    }
    let Some(aw) = future.parent().filter(|p| p.kind() == "await_expression") else {
        return Err(
            "the call is blocking (not `.await`ed); the concurrent rewrite only handles async \
             calls (run blocking calls on a bounded thread pool, e.g. std::thread::scope, by \
             hand)"
                .into(),
        );
    };
    let (value, tried) = match aw.parent() {
        Some(p) if p.kind() == "try_expression" => (p, true),
        _ => (aw, false),
    };
    if !is_ancestor(body, value) {
        return Err("the call is not in the loop body".into());
    }
    Ok(Site {
        text,
        root,
        lnode,
        pattern,
        iter,
        body,
        call,
        value,
        future,
        awaited: aw,
        tried,
        func: ancestor_of_kind(lnode, &["function_item"]),
        discard: discard_of(text, value),
    })
}

/// The loop of the finding, refused unless it is a `for` loop.
fn for_loop<'t>(f: &Finding, root: Node<'t>) -> Result<Node<'t>, String> {
    let lp = f.loops.first().ok_or("the finding has no loop")?;
    let lnode = node_of_kind(
        root,
        &lp.span,
        &[
            "for_expression",
            "while_expression",
            "loop_expression",
            "closure_expression",
            "call_expression",
        ],
    )
    .ok_or("the loop is not a `for` loop")?;
    match lnode.kind() {
        "for_expression" => Ok(lnode),
        "while_expression" | "loop_expression" => Err(format!(
            "only `for` loops are rewritten, not `{}` loops (no item list to run up front)",
            if lnode.kind() == "loop_expression" {
                "loop"
            } else {
                "while"
            }
        )),
        _ => Err(
            "the call sits in an iterator closure (`.map`/`.for_each`); only `for` loops are \
             rewritten"
                .into(),
        ),
    }
}

/// Step 2: the shared checks with Rust's node kinds, then values changed after the call, a
/// receiver held mutably, the loop's own line and value, `?` on a Result, and a header that
/// can be iterated twice.
fn rust_guards(s: &Site) -> Result<(), String> {
    let text = s.text;
    let assigned = |n: Node, out: &mut Vec<String>| assigned_names(text, n, out);
    let g = Guards {
        assigned: &assigned,
        ..guards()
    };
    check_guards(text, s.value, s.call, s.body, &g)?;
    // Values the loop changes after the call are seen by the next iteration's call.
    let mut changed = Vec::new();
    collect_assigned_before(s.body, usize::MAX, &g, &mut changed);
    let mut used = Vec::new();
    identifiers(text, s.future, IDENT, &mut used);
    if let Some(name) = used.iter().find(|u| changed.contains(u)) {
        return Err(format!(
            "the call's arguments use `{name}`, which the loop body changes; later calls would \
             see a different value"
        ));
    }
    mutable_receiver(s)?;
    loop_statement(s)?;
    let iter_text = text_of(text, s.iter);
    if !yields_refs(text, s.iter, s.lnode, s.func) {
        return Err(format!(
            "cannot tell whether `{iter_text}` yields references that can be iterated twice; \
             loop over `&{iter_text}` or `{iter_text}.iter()` (or a `&[T]` parameter) to get \
             this rewrite"
        ));
    }
    Ok(())
}

/// A receiver held mutably (a connection, `&mut self`) cannot serve several calls at once.
fn mutable_receiver(s: &Site) -> Result<(), String> {
    let text = s.text;
    if let Some(recv) = s
        .future
        .child_by_field_name("function")
        .filter(|fnode| fnode.kind() == "field_expression")
        .and_then(|fnode| fnode.child_by_field_name("value"))
    {
        let r = text_of(text, recv);
        let root_name = r.split(['.', '(']).next().unwrap_or(r);
        let ftext = s.func.map(|n| text_of(text, n)).unwrap_or(text);
        if ftext.contains(&format!("let mut {root_name} "))
            || ftext.contains(&format!("let mut {root_name}:"))
            || ftext.contains(&format!("{root_name}: &mut "))
            || (root_name == "self" && ftext.contains("&mut self"))
        {
            return Err(format!(
                "the call goes through `{r}`, which is held mutably (e.g. a connection); \
                 concurrent calls would need it mutably at once (use a pool or clone the client)"
            ));
        }
    }
    Ok(())
}

/// The loop starts its own line, is a statement, and a `?` in it propagates a Result.
fn loop_statement(s: &Site) -> Result<(), String> {
    let (text, lnode) = (s.text, s.lnode);
    let ls = line_start(text, lnode.start_byte());
    if !text
        .get(ls..lnode.start_byte())
        .unwrap_or("x")
        .trim()
        .is_empty()
    {
        return Err("the loop does not start its own line".into());
    }
    if lnode
        .parent()
        .is_some_and(|p| !matches!(p.kind(), "expression_statement" | "block"))
    {
        return Err("the loop's value is used (it is not a statement)".into());
    }
    if s.tried
        && s.func
            .and_then(|fnode| fnode.child_by_field_name("return_type"))
            .is_some_and(|r| !text_of(text, r).contains("Result"))
    {
        return Err(
            "the call's `?` does not propagate a Result (the function does not return one); \
             try_collect needs Results"
                .into(),
        );
    }
    Ok(())
}

/// `value;` or `let _ = value;` / `let _: T = value;`: the statement and the annotation.
fn discard_of<'t>(text: &str, value: Node<'t>) -> Option<(Node<'t>, Option<String>)> {
    let p = value.parent()?;
    match p.kind() {
        "expression_statement" => Some((p, None)),
        "let_declaration"
            if p.child_by_field_name("pattern")
                .is_some_and(|pt| text_of(text, pt) == "_")
                && p.child_by_field_name("alternative").is_none() =>
        {
            Some((
                p,
                p.child_by_field_name("type")
                    .map(|t| text_of(text, t).to_string()),
            ))
        }
        _ => None,
    }
}

/// Parameter `name: TYPE` of `func`, if declared there.
fn param_type(text: &str, func: Node, name: &str) -> Option<String> {
    let params = func.child_by_field_name("parameters")?;
    let mut c = params.walk();
    params.named_children(&mut c).find_map(|p| {
        (p.kind() == "parameter"
            && p.child_by_field_name("pattern")
                .is_some_and(|pt| text_of(text, pt) == name))
        .then(|| {
            p.child_by_field_name("type")
                .map(|t| text_of(text, t).to_string())
        })
        .flatten()
    })
}

/// True when iterating `e` (an expression of the loop header) yields shared references and
/// `e` can be evaluated twice: `&path`, `path.iter()`, or a name bound to a shared reference
/// (a `&T` parameter, or the variable of an enclosing loop over such a value).
fn yields_refs(text: &str, e: Node, at: Node, func: Option<Node>) -> bool {
    let t = text_of(text, e);
    if let Some(rest) = t.strip_prefix('&') {
        return !rest.starts_with("mut") && is_simple_path(rest.trim());
    }
    if let Some(recv) = t.strip_suffix(".iter()") {
        return is_simple_path(recv);
    }
    if e.kind() != "identifier" {
        return false;
    }
    if let Some(ty) = func.and_then(|fnode| param_type(text, fnode, t)) {
        return ty.starts_with('&') && !ty.starts_with("&mut");
    }
    // The variable of an enclosing `for` loop over a reference-yielding value.
    let mut cur = at.parent();
    while let Some(n) = cur {
        if n.kind() == "function_item" {
            break;
        }
        if n.kind() == "for_expression"
            && n.child_by_field_name("pattern")
                .is_some_and(|p| p.kind() == "identifier" && text_of(text, p) == t)
        {
            return n
                .child_by_field_name("value")
                .is_some_and(|v| yields_refs(text, v, n, func));
        }
        cur = n.parent();
    }
    false
}

/// Which of `StreamExt` / `TryStreamExt` the file already has in scope, and the edit adding
/// the missing ones (extending a `use futures::stream::{..};` line when there is one).
fn stream_imports(text: &str, root: Node, need_try: bool) -> Option<Edit> {
    let mut need = vec!["StreamExt"];
    if need_try {
        need.push("TryStreamExt");
    }
    let mut uses = Vec::new();
    let mut c = root.walk();
    for n in root.children(&mut c) {
        if n.kind() == "use_declaration" {
            uses.push(n);
        }
    }
    let has = |name: &str| {
        uses.iter().any(|u| {
            let t = text_of(text, *u);
            (t.contains("futures") && word_occurs(t, name)) || t.contains("futures::prelude::*")
        })
    };
    need.retain(|n| !has(n));
    if need.is_empty() {
        return None;
    }
    let nl = newline(text);
    // `use futures::stream::{self, StreamExt};` on one line: extend its list.
    for u in &uses {
        let t = text_of(text, *u);
        let list = t
            .strip_prefix("use futures::stream::{")
            .and_then(|r| r.strip_suffix("};"))
            .or_else(|| {
                t.strip_prefix("use futures::stream::")
                    .and_then(|r| r.strip_suffix(';'))
            })
            .filter(|l| !l.contains('\n') && !l.contains('{') && !l.contains(" as "));
        if let Some(list) = list {
            let mut items: Vec<String> = list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            items.extend(need.iter().map(|s| s.to_string()));
            return Some(Edit {
                range: u.start_byte()..u.end_byte(),
                new_text: format!("use futures::stream::{{{}}};", items.join(", ")),
            });
        }
    }
    let line = match need.as_slice() {
        [one] => format!("use futures::stream::{one};"),
        many => format!("use futures::stream::{{{}}};", many.join(", ")),
    };
    match uses.last() {
        Some(u) => {
            let at = line_end_incl(text, u.end_byte().saturating_sub(1));
            Some(Edit {
                range: at..at,
                new_text: format!("{line}{nl}"),
            })
        }
        None => {
            // After leading `//!` docs and attributes, else at the top.
            let mut at = 0;
            let mut off = 0;
            for l in text.split_inclusive('\n') {
                let tl = l.trim();
                if tl.starts_with("//!") || tl.starts_with("#![") {
                    at = off + l.len();
                } else if !tl.is_empty() {
                    break;
                }
                off += l.len();
            }
            let sep = if at > 0 { nl } else { "" };
            Some(Edit {
                range: at..at,
                new_text: format!("{sep}{line}{nl}{}", if at == 0 { nl } else { "" }),
            })
        }
    }
}

/// The concurrent rewrite's context, for `concurrent.rs.j2`.
#[derive(Serialize)]
struct ConcurrentCtx {
    n: usize,
    tried: bool,
    /// `let results: Vec<_>`, or `let _: Vec<T>` when the loop drops the value.
    binding: String,
    iter: String,
    pat: String,
    future: String,
    one: String,
    many: String,
}

fn concurrent_plan(cx: &Cx, s: &Site) -> ConcurrentCtx {
    let t = s.text;
    let scope = s.func.map(|n| text_of(t, n)).unwrap_or(t);
    let pat = text_of(t, s.pattern);
    let var = (s.pattern.kind() == "identifier").then_some(pat);
    let (one, many) = result_names(var, false);
    let (one, many) = (fresh_name(scope, &one), fresh_name(scope, &many));
    let binding = match &s.discard {
        Some((_, Some(ty))) => format!("let _: Vec<{ty}>"),
        Some((_, None)) => "let _: Vec<_>".to_string(),
        None => format!("let {many}: Vec<_>"),
    };
    ConcurrentCtx {
        n: cx.opts.concurrency,
        tried: s.tried,
        binding,
        iter: text_of(t, s.iter).to_string(),
        pat: pat.to_string(),
        future: text_of(t, s.future).to_string(),
        one,
        many,
    }
}

/// The loop site's edits around `pre` (the generated lines before the loop): the header
/// zips the items with the results and `read` (the call) reads one result, or, when the value
/// is dropped, the call's statement (or the whole loop) goes.
fn loop_edits(
    s: &Site,
    pre: String,
    read: Node,
    one: &str,
    many: &str,
) -> Result<Vec<Edit>, String> {
    let t = s.text;
    if let Some((st, _)) = &s.discard {
        let whole_loop = statement_count(s.body) == 1;
        return discarded_call_edits(t, s.lnode, *st, whole_loop, pre);
    }
    let ls = line_start(t, s.lnode.start_byte());
    let kept = kept_pattern(t, s.pattern, s.body, read);
    let iter_text = text_of(t, s.iter);
    Ok(vec![
        Edit {
            range: ls..ls,
            new_text: pre,
        },
        Edit {
            range: s.pattern.start_byte()..s.iter.end_byte(),
            new_text: format!("({kept}, {one}) in std::iter::zip({iter_text}, {many})"),
        },
        Edit {
            range: read.start_byte()..read.end_byte(),
            new_text: one.to_string(),
        },
    ])
}

/// Step 6 of the concurrent rewrite: a buffered stream before the loop.
fn concurrent_render(cx: &Cx, s: &Site, c: &ConcurrentCtx) -> Result<Rendered, String> {
    let t = s.text;
    let base = leading_ws(t, line_start(t, s.lnode.start_byte()));
    let pre = code(
        "concurrent.rs.j2",
        CONCURRENT,
        c,
        &base,
        &indent_unit(t, 4),
        newline(t),
    )?;
    let edits = loop_edits(s, pre, s.value, &c.one, &c.many)?;
    let mut notes = vec![
        format!(
            "Needs the `futures` crate (futures = \"0.3\" in Cargo.toml) for stream::iter, \
             StreamExt::buffered and {}.",
            if s.tried {
                "TryStreamExt::try_collect"
            } else {
                "StreamExt::collect"
            }
        ),
        "Every item's call now starts before the loop body runs, so an early exit in the body \
         (return/break/?) no longer saves the remaining calls."
            .to_string(),
        "The calls run concurrently on the current task (no spawning): the client must allow \
         shared (&) use from several futures at once."
            .to_string(),
    ];
    if s.discard.is_none() {
        notes.push("The loop reads the results with std::iter::zip (Rust 1.59+).".to_string());
    }
    Ok(Rendered {
        files: vec![FileEdits {
            path: cx.f.path.clone(),
            edits,
        }],
        notes,
    })
}

/// `(name, type)` of each parameter of a `function_item` (without `self`), and whether it
/// has a `self` parameter.
fn fn_params(text: &str, fdef: Node) -> Option<(Vec<(String, String)>, bool)> {
    let ps = fdef.child_by_field_name("parameters")?;
    let mut out = Vec::new();
    let mut has_self = false;
    let mut c = ps.walk();
    for p in ps.named_children(&mut c) {
        match p.kind() {
            "self_parameter" => has_self = true,
            "parameter" => {
                let pat = p.child_by_field_name("pattern")?;
                if pat.kind() != "identifier" {
                    return None;
                }
                out.push((
                    text_of(text, pat).to_string(),
                    text_of(text, p.child_by_field_name("type")?).to_string(),
                ));
            }
            k if k.contains("comment") || k == "attribute_item" => {}
            _ => return None,
        }
    }
    Some((out, has_self))
}

/// The element type of a slice-like parameter type: `&[E]`, `&Vec<E>`, `Vec<E>` (with whether
/// it must be passed owned).
fn element_of(ty: &str) -> Option<(String, bool)> {
    let ty = ty.trim();
    if let Some(e) = ty.strip_prefix("&[").and_then(|r| r.strip_suffix(']')) {
        return Some((e.trim().to_string(), false));
    }
    if let Some(e) = ty.strip_prefix("&Vec<").and_then(|r| r.strip_suffix('>')) {
        return Some((e.trim().to_string(), false));
    }
    ty.strip_prefix("Vec<")
        .and_then(|r| r.strip_suffix('>'))
        .map(|e| (e.trim().to_string(), true))
}

/// The top-level parts of a tuple type `(A, B)`; a non-tuple type is one part.
fn tuple_parts(ty: &str) -> Vec<String> {
    let Some(inner) = ty.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return vec![ty.to_string()];
    };
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0i32, String::new());
    for ch in inner.chars() {
        match ch {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() {
        parts.push(cur.trim().to_string());
    }
    parts
}

fn is_copy_primitive(ty: &str) -> bool {
    matches!(
        ty,
        "u8" | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "f32"
            | "f64"
            | "bool"
            | "char"
    )
}

/// The loop pattern for the rewritten header: names the body no longer uses (they only fed
/// the call that is now precomputed) get a `_` prefix so the result compiles without warnings.
fn kept_pattern(text: &str, pattern: Node, body: Node, value: Node) -> String {
    let rest = format!(
        "{} {}",
        text.get(body.start_byte()..value.start_byte())
            .unwrap_or(""),
        text.get(value.end_byte()..body.end_byte()).unwrap_or("")
    );
    let mut edits = Vec::new();
    let mut stack = vec![pattern];
    while let Some(n) = stack.pop() {
        if n.kind() == "identifier" {
            let name = text_of(text, n);
            if !word_occurs(&rest, name) && !name.starts_with('_') {
                edits.push(Edit {
                    range: n.start_byte() - pattern.start_byte()
                        ..n.start_byte() - pattern.start_byte(),
                    new_text: "_".into(),
                });
            }
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    apply(text_of(text, pattern), &edits)
}

/// `crate::a::b` for `src/a/b.rs` / `src/a/b/mod.rs` (`crate` for lib.rs / main.rs).
fn module_path(path: &str) -> Option<String> {
    let rel = path.rsplit_once("src/").map(|(_, r)| r)?;
    let rel = rel.strip_suffix(".rs")?;
    let rel = rel.strip_suffix("/mod").unwrap_or(rel);
    if matches!(rel, "lib" | "main") {
        return Some("crate".into());
    }
    Some(format!("crate::{}", rel.replace('/', "::")))
}

/// A limit constant next to the batch API: `const MAX_BATCH: usize = 100;` at the top level
/// (`pub`: usable by path) or in the client's `impl` (`Client::MAX_BATCH`).
fn limit_constant(text: &str, root: Node, class: Option<&str>) -> Option<(String, usize, bool)> {
    let mut found = Vec::new();
    let mut stack = vec![(root, None::<String>)];
    while let Some((n, owner)) = stack.pop() {
        match n.kind() {
            "const_item" => {
                let name = n
                    .child_by_field_name("name")
                    .map(|x| text_of(text, x).to_string())
                    .unwrap_or_default();
                let v = n
                    .child_by_field_name("value")
                    .map(|x| text_of(text, x).replace('_', ""))
                    .and_then(|x| {
                        x.trim_end_matches("usize")
                            .trim_end_matches("u32")
                            .parse::<usize>()
                            .ok()
                    });
                let public = text_of(text, n).starts_with("pub");
                if let Some(v) = v.filter(|v| *v > 0)
                    && (name.contains("BATCH") || name.contains("CHUNK") || name.contains("LIMIT"))
                {
                    let expr = match &owner {
                        Some(o) => format!("{o}::{name}"),
                        None => name.clone(),
                    };
                    found.push((expr, v, public || owner.is_some(), name.contains("BATCH")));
                }
            }
            "impl_item" => {
                let ty = n
                    .child_by_field_name("type")
                    .map(|x| text_of(text, x).to_string());
                if ty.as_deref() == class
                    && let Some(b) = n.child_by_field_name("body")
                {
                    let mut c = b.walk();
                    stack.extend(b.named_children(&mut c).map(|k| (k, ty.clone())));
                }
            }
            "source_file" => {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c).map(|k| (k, None)));
            }
            _ => {}
        }
    }
    found.sort_by_key(|f| !f.3);
    found.into_iter().next().map(|(e, v, p, _)| (e, v, p))
}

/// `tracing` / `log` when the code uses them, else `eprintln!`.
fn log_macros(texts: &[&str]) -> (&'static str, &'static str) {
    let uses = |k: &str| {
        texts.iter().any(|t| {
            t.contains(&format!("{k}::"))
                || t.lines().any(|l| {
                    let l = l.trim();
                    l.starts_with(&format!("{k} ")) || l.starts_with(&format!("{k} = "))
                })
        })
    };
    if uses("tracing") {
        ("tracing::warn!", "tracing::info!")
    } else if uses("log") {
        ("log::warn!", "log::info!")
    } else {
        ("eprintln!", "eprintln!")
    }
}

/// The edit that makes `new` importable next to `name` in the loop's file: extend the `use`
/// list holding `name`, or turn `use a::name;` into `use a::{name, new};`. With
/// `replace`, `name` itself is swapped for `new`.
fn extend_use(text: &str, root: Node, name: &str, new: &str, replace: bool) -> Option<Edit> {
    let mut c = root.walk();
    for u in root.named_children(&mut c) {
        if u.kind() != "use_declaration" {
            continue;
        }
        let mut stack = vec![u];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "use_list" => {
                    let mut c2 = n.walk();
                    for k in n.named_children(&mut c2) {
                        if k.kind() == "identifier" && text_of(text, k) == name {
                            return Some(if replace {
                                Edit {
                                    range: k.start_byte()..k.end_byte(),
                                    new_text: new.to_string(),
                                }
                            } else {
                                Edit {
                                    range: k.end_byte()..k.end_byte(),
                                    new_text: format!(", {new}"),
                                }
                            });
                        }
                        stack.push(k);
                    }
                }
                "scoped_identifier" => {
                    if n.child_by_field_name("name")
                        .is_some_and(|x| text_of(text, x) == name)
                        && n.parent().is_some_and(|p| p.kind() == "use_declaration")
                    {
                        let path = n
                            .child_by_field_name("path")
                            .map(|x| text_of(text, x))
                            .unwrap_or("");
                        return Some(Edit {
                            range: n.start_byte()..n.end_byte(),
                            new_text: if replace {
                                format!("{path}::{new}")
                            } else {
                                format!("{path}::{{{name}, {new}}}")
                            },
                        });
                    }
                }
                _ => {
                    let mut c2 = n.walk();
                    stack.extend(n.named_children(&mut c2));
                }
            }
        }
    }
    None
}

/// Names the batched companion declares itself.
const COMPANION_LOCALS: &[&str] = &[
    "items",
    "started",
    "results",
    "fallback_chunks",
    "chunk",
    "batch",
    "outcome",
    "why",
    "elapsed",
    "path",
];

/// Step 0 of the batch rewrite: the batch API and the helper the loop calls.
struct BatchTarget<'s> {
    ba: &'s BatchAlternative,
    hop: &'s ChainHop,
}

/// The loop's call of the helper: its arguments and which depend on the loop variable.
struct LoopCall<'t> {
    largs: Vec<Node<'t>>,
    varies: Vec<bool>,
}

fn loop_call<'t>(f: &Finding, s: &Site<'t>) -> Result<LoopCall<'t>, String> {
    let t = s.text;
    if s.future.kind() != "call_expression"
        || s.future
            .child_by_field_name("function")
            .is_some_and(|fnode| fnode.kind() == "field_expression")
    {
        return Err(format!(
            "{} is a method or a call chain; the batch rewrite handles helper functions",
            f.callee
        ));
    }
    let mut loop_vars = Vec::new();
    identifiers(t, s.pattern, IDENT, &mut loop_vars);
    let largs: Vec<Node> = s
        .future
        .child_by_field_name("arguments")
        .map(|a| {
            let mut c = a.walk();
            a.named_children(&mut c)
                .filter(|n| !n.kind().contains("comment") && n.kind() != "attribute_item")
                .collect()
        })
        .unwrap_or_default();
    let varies = largs
        .iter()
        .map(|a| {
            let mut used = Vec::new();
            identifiers(t, *a, IDENT, &mut used);
            used.iter().any(|u| loop_vars.contains(u))
        })
        .collect();
    Ok(LoopCall { largs, varies })
}

/// The helper: a free `async fn` whose body is its remote call, awaited, plus a known tail.
struct HelperFn<'t> {
    c: &'t Source,
    fdef: Node<'t>,
    fname: String,
    params: Vec<(String, String)>,
    ret: String,
    /// How one batch element becomes the helper's result (`Ok`, `Some`, or as is).
    wrap: &'static str,
    recv: String,
    single_method: String,
    /// Which parameters the single call takes (one batch element each).
    per_item: Vec<bool>,
    /// The per-item parameters in the single call's argument order.
    order: Vec<usize>,
}

fn helper_fn<'t>(
    f: &Finding,
    hop: &ChainHop,
    c: &'t Source,
    lc: &LoopCall,
) -> Result<HelperFn<'t>, String> {
    let ct = c.text.as_str();
    let scall = node_of_kind(c.root(), &hop.span, &["call_expression"])
        .ok_or("the helper's remote call is not a call")?;
    let fdef = ancestor_of_kind(scall, &["function_item", "closure_expression"])
        .filter(|n| n.kind() == "function_item")
        .ok_or("the helper's call is not in a function")?;
    let fname = fdef
        .child_by_field_name("name")
        .map(|n| text_of(ct, n).to_string())
        .unwrap_or_default();
    let (params, ret) = helper_signature(f, ct, fdef, &fname, lc)?;
    let wrap = helper_tail(ct, fdef, scall, &fname)?;
    let sfunc = scall
        .child_by_field_name("function")
        .filter(|n| n.kind() == "field_expression")
        .ok_or_else(|| format!("{fname}'s remote call is not a method call on a client"))?;
    let recv = sfunc
        .child_by_field_name("value")
        .map(|n| text_of(ct, n).to_string())
        .unwrap_or_default();
    let single_method = sfunc
        .child_by_field_name("field")
        .map(|n| text_of(ct, n).to_string())
        .unwrap_or_default();
    let sargs: Vec<String> = scall
        .child_by_field_name("arguments")
        .map(|a| {
            let mut c = a.walk();
            a.named_children(&mut c)
                .filter(|n| !n.kind().contains("comment"))
                .map(|n| text_of(ct, n).to_string())
                .collect()
        })
        .unwrap_or_default();
    let (per_item, order) = item_arguments(&fname, &params, lc, &recv, &single_method, &sargs)?;
    Ok(HelperFn {
        c,
        fdef,
        fname,
        params,
        ret,
        wrap,
        recv,
        single_method,
        per_item,
        order,
    })
}

/// The helper is the loop's callee, a free async fn; its parameters and return type.
fn helper_signature(
    f: &Finding,
    ct: &str,
    fdef: Node,
    fname: &str,
    lc: &LoopCall,
) -> Result<(Vec<(String, String)>, String), String> {
    let callee_last = f.callee.rsplit("::").next().unwrap_or(&f.callee);
    if fname != callee_last {
        return Err(format!(
            "{} does not resolve to the helper {fname}",
            f.callee
        ));
    }
    if ancestor_of_kind(fdef, &["impl_item", "trait_item"]).is_some() {
        return Err(format!(
            "{fname} is a method; the batch rewrite handles free helper functions"
        ));
    }
    let is_async = fdef
        .child(0)
        .is_some_and(|c| c.kind() == "function_modifiers" && text_of(ct, c).contains("async"))
        || text_of(ct, fdef)
            .split('(')
            .next()
            .is_some_and(|h| word_occurs(h, "async"));
    if !is_async {
        return Err(format!(
            "{fname} is not async; only async helpers are batched"
        ));
    }
    let (params, _) = fn_params(ct, fdef)
        .ok_or_else(|| format!("{fname}'s parameters are patterns the rewrite does not read"))?;
    if params.len() != lc.largs.len() {
        return Err(format!(
            "{} is called with a different number of arguments than {fname} takes",
            f.callee
        ));
    }
    let ret = fdef
        .child_by_field_name("return_type")
        .map(|n| text_of(ct, n).to_string())
        .ok_or_else(|| format!("{fname} returns nothing; there is no result to batch"))?;
    if let Some(p) = params
        .iter()
        .find(|(n, _)| COMPANION_LOCALS.contains(&n.as_str()))
    {
        return Err(format!(
            "{fname}'s parameter is called `{}`, a name the batched companion uses itself",
            p.0
        ));
    }
    if !lc.varies.iter().any(|x| *x) {
        return Err(format!(
            "no argument of {} depends on the loop variable",
            f.callee
        ));
    }
    Ok((params, ret))
}

/// The helper's body: exactly `<client>.<single>(<params>).await` plus a known tail; how one
/// batch element becomes its result.
fn helper_tail(ct: &str, fdef: Node, scall: Node, fname: &str) -> Result<&'static str, String> {
    let fbody = fdef
        .child_by_field_name("body")
        .ok_or("the helper has no body")?;
    let mut bc = fbody.walk();
    let stmts: Vec<Node> = fbody
        .named_children(&mut bc)
        .filter(|n| !n.kind().contains("comment"))
        .collect();
    let [tail] = stmts.as_slice() else {
        return Err(format!(
            "{fname} does more than return its remote call's result; its body is not rewritten"
        ));
    };
    let saw = scall
        .parent()
        .filter(|p| p.kind() == "await_expression")
        .ok_or_else(|| format!("{fname} does not await its remote call"))?;
    let tail_text = text_of(ct, *tail);
    let after = tail_text
        .get(saw.end_byte() - tail.start_byte()..)
        .unwrap_or("x");
    if saw.start_byte() != tail.start_byte() {
        return Err(format!(
            "{fname} post-processes its remote call in a way not rewritten"
        ));
    }
    match after.trim() {
        "" => Ok("Ok"),
        ".ok()" => Ok("Some"),
        a if a.starts_with(".unwrap_or(")
            || a == ".unwrap_or_default()"
            || a.starts_with(".unwrap_or_else(") =>
        {
            Ok("")
        }
        _ => Err(format!(
            "{fname} post-processes its remote call with `{}`; only `.unwrap_or(..)`, \
             `.unwrap_or_default()`, `.ok()` or the bare result are rewritten",
            after.trim()
        )),
    }
}

/// Which helper parameters the single call takes, and their order in it; the others (the
/// client) are passed once.
fn item_arguments(
    fname: &str,
    params: &[(String, String)],
    lc: &LoopCall,
    recv: &str,
    single_method: &str,
    sargs: &[String],
) -> Result<(Vec<bool>, Vec<usize>), String> {
    let per_item: Vec<bool> = params.iter().map(|(n, _)| sargs.contains(n)).collect();
    if let Some(i) = (0..params.len()).find(|i| !per_item[*i] && lc.varies[*i]) {
        return Err(format!(
            "{fname}'s `{}` depends on the loop variable but is not an argument of \
             {single_method}; the rewrite cannot pass it once",
            params[i].0
        ));
    }
    let shared_names: Vec<&str> = params
        .iter()
        .zip(&per_item)
        .filter(|(_, pi)| !**pi)
        .map(|(p, _)| p.0.as_str())
        .collect();
    let recv_root = recv.split(['.', '(']).next().unwrap_or(recv);
    if !shared_names.contains(&recv_root) {
        return Err(format!(
            "{fname} calls {single_method} on `{recv}`, which is not one of its parameters"
        ));
    }
    let item_params: Vec<(usize, &(String, String))> = params
        .iter()
        .enumerate()
        .filter(|(i, _)| per_item[*i])
        .collect();
    // Each single-call argument must be one per-item parameter, as is.
    let order: Vec<usize> = sargs
        .iter()
        .map(|a| {
            item_params
                .iter()
                .find(|(_, (n, _))| n == a)
                .map(|(i, _)| *i)
        })
        .collect::<Option<Vec<_>>>()
        .filter(|o| o.len() == item_params.len())
        .ok_or_else(|| {
            format!(
                "{fname} passes {recv}.{single_method} arguments other than its per-item \
                 parameters as they are; the batch element cannot be read from it"
            )
        })?;
    Ok((per_item, order))
}

/// The batch API: one slice parameter whose elements are the single call's arguments, and a
/// `Result<Vec<..>>`.
struct Api<'t> {
    b: &'t Source,
    class: Option<&'t str>,
    batch_method: &'t str,
    elem: String,
    owned: bool,
    parts: Vec<String>,
}

fn api<'t>(ba: &'t BatchAlternative, b: &'t Source, h: &HelperFn) -> Result<Api<'t>, String> {
    let btext = b.text.as_str();
    let bdef = node_of_kind(b.root(), &ba.span, &["function_item"])
        .ok_or("the batch API is not a function")?;
    let (bparams, _) = fn_params(btext, bdef).ok_or("the batch API's parameters cannot be read")?;
    let (class, batch_method) = split_qualified(&ba.name);
    let [(_, bty)] = bparams.as_slice() else {
        return Err(format!(
            "{} takes {} parameters besides self; the rewrite needs one list of items",
            ba.name,
            bparams.len()
        ));
    };
    let (elem, owned) = element_of(bty)
        .ok_or_else(|| format!("{}'s parameter `{bty}` is not a slice or Vec", ba.name))?;
    let parts = tuple_parts(&elem);
    if parts.len() != h.order.len() {
        return Err(format!(
            "{}'s items `{elem}` do not have one field per argument of {}",
            ba.name, h.single_method
        ));
    }
    let bret = bdef
        .child_by_field_name("return_type")
        .map(|n| text_of(btext, n).to_string())
        .unwrap_or_default();
    if !(bret.contains("Result<Vec<") || bret.starts_with("Result<Vec")) {
        return Err(format!(
            "{} returns `{bret}`, not a Result of a Vec; the rewrite cannot tell failure from \
             results",
            ba.name
        ));
    }
    Ok(Api {
        b,
        class,
        batch_method,
        elem,
        owned,
        parts,
    })
}

/// Step 3 of the batch rewrite.
struct Helper<'s> {
    lc: LoopCall<'s>,
    h: HelperFn<'s>,
    api: Api<'s>,
}

fn batch_helper<'s>(cx: &Cx<'s>, t: &BatchTarget<'s>, s: &Site<'s>) -> Result<Helper<'s>, String> {
    let lc = loop_call(cx.f, s)?;
    let c = cx.src.get(Role::Helper, &t.hop.path)?;
    let h = helper_fn(cx.f, t.hop, c, &lc)?;
    let b = cx.src.get(Role::Api, &t.ba.path)?;
    let api = api(t.ba, b, &h)?;
    Ok(Helper { lc, h, api })
}

/// Step 4: a limit constant next to the batch API (by path when public), else the option.
fn batch_limit(cx: &Cx, t: &BatchTarget, h: &Helper) -> Limit {
    let (ba, hop) = (t.ba, t.hop);
    let mut notes = Vec::new();
    let limit = match limit_constant(&h.api.b.text, h.api.b.root(), h.api.class) {
        Some((e, v, _)) if hop.path == ba.path => (e, v),
        Some((e, v, true)) if e.contains("::") => (e, v),
        Some((e, v, true)) => match module_path(&ba.path) {
            Some(m) => (format!("{m}::{e}"), v),
            None => copied_limit(v, &e, &ba.path, "", &mut notes),
        },
        Some((e, v, false)) => copied_limit(v, &e, &ba.path, " (it is private there)", &mut notes),
        None => assumed_limit(cx.opts, &ba.path, &mut notes),
    };
    Limit::new(limit, notes)
}

/// The companion's context, for `batch_companion.rs.j2`.
#[derive(Serialize)]
struct CompanionCtx {
    fname: String,
    bname: String,
    vis: String,
    sig: String,
    res_ty: String,
    limit: String,
    limit_n: usize,
    batch_method: String,
    single_method: String,
    recv: String,
    elem_pat: String,
    chunk_arg: &'static str,
    /// How a batch answer is added to the results.
    extend: String,
    per_call: String,
    warn: &'static str,
    info: &'static str,
}

/// The loop site's context, for `batch_site.rs.j2`.
#[derive(Serialize)]
struct SiteCtx {
    list: String,
    elem: String,
    iter_expr: String,
    pat: String,
    elem_expr: String,
    companion_call: String,
    /// The results, unless the loop drops the value.
    many: Option<String>,
    #[serde(skip)]
    one: String,
    #[serde(skip)]
    many_name: String,
}

struct BatchPlan<'s> {
    t: BatchTarget<'s>,
    s: Site<'s>,
    h: Helper<'s>,
    limit: Limit,
    companion: CompanionCtx,
    site: SiteCtx,
    /// The loop file's `use` of the helper, extended with (or swapped for) the companion.
    use_edit: Option<Edit>,
}

/// The companion's name and text.
fn companion(cx: &Cx, t: &BatchTarget, h: &Helper, limit: &Limit) -> Result<CompanionCtx, String> {
    let (hf, api) = (&h.h, &h.api);
    let (ct, fname, params) = (hf.c.text.as_str(), &hf.fname, &hf.params);
    let lt = cx.loop_file()?.text.as_str();
    let cargo = cx.src.raw("Cargo.toml").unwrap_or_default();
    let (warn, info) = log_macros(&[ct, lt, &cargo]);
    let bname = format!("{fname}_batch");
    if word_occurs(ct, &bname) || word_occurs(lt, &bname) {
        return Err(format!("{bname} already exists in {}", t.hop.path));
    }
    let vis = {
        let mut c = hf.fdef.walk();
        let v = hf
            .fdef
            .children(&mut c)
            .find(|k| k.kind() == "visibility_modifier")
            .map(|k| format!("{} ", text_of(ct, k)));
        v.unwrap_or_default()
    };
    let items_ty = if api.owned {
        format!("Vec<{}>", api.elem)
    } else {
        format!("&[{}]", api.elem)
    };
    let sig = params
        .iter()
        .zip(&hf.per_item)
        .filter(|(_, pi)| !**pi)
        .map(|((n, ty), _)| format!("{n}: {ty}"))
        .chain(std::iter::once(format!("items: {items_ty}")))
        .collect::<Vec<_>>()
        .join(", ");
    // The element pattern in the fallback loop: one name per field, in single-call order.
    let field_names: Vec<&str> = hf.order.iter().map(|i| params[*i].0.as_str()).collect();
    let elem_pat = match field_names.as_slice() {
        [one] => one.to_string(),
        many => format!("({})", many.join(", ")),
    };
    let fallback_args: Vec<String> = params
        .iter()
        .zip(&hf.per_item)
        .map(|((n, ty), pi)| {
            if !*pi || ty.starts_with('&') {
                n.clone()
            } else if is_copy_primitive(ty) {
                format!("*{n}")
            } else {
                format!("{n}.clone()")
            }
        })
        .collect();
    Ok(CompanionCtx {
        fname: fname.clone(),
        bname,
        vis,
        sig,
        res_ty: hf.ret.trim().to_string(),
        limit: limit.expr.clone(),
        limit_n: limit.value,
        batch_method: api.batch_method.to_string(),
        single_method: hf.single_method.clone(),
        recv: hf.recv.clone(),
        elem_pat,
        chunk_arg: if api.owned { "chunk.to_vec()" } else { "chunk" },
        extend: match hf.wrap {
            "" => "results.extend(batch);".to_string(),
            w => format!("results.extend(batch.into_iter().map({w}));"),
        },
        per_call: format!("{fname}({})", fallback_args.join(", ")),
        warn,
        info,
    })
}

/// One batch element built from the loop's arguments (borrowed ones copied with `.to_owned()`).
fn element_expr(t: &str, h: &Helper) -> String {
    let params = &h.h.params;
    let fields: Vec<String> =
        h.h.order
            .iter()
            .zip(&h.api.parts)
            .map(|(i, ety)| {
                let a = text_of(t, h.lc.largs[*i]);
                let pty = &params[*i].1;
                if pty.starts_with('&') && !ety.starts_with('&') {
                    if a.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                    {
                        format!("{a}.to_owned()")
                    } else {
                        format!("({a}).to_owned()")
                    }
                } else {
                    a.to_string()
                }
            })
            .collect();
    match fields.as_slice() {
        [one] => one.clone(),
        many => format!("({})", many.join(", ")),
    }
}

/// The loop site: build the batch items, call the companion, read its results.
fn site_plan(cx: &Cx, s: &Site, h: &Helper, bname: &str) -> Result<SiteCtx, String> {
    let t = s.text;
    let iter_text = text_of(t, s.iter);
    let scope = s.func.map(|n| text_of(t, n)).unwrap_or(t);
    let pat = text_of(t, s.pattern);
    let var = (s.pattern.kind() == "identifier").then_some(pat);
    let (one, many) = result_names(var, false);
    let (one, many) = (fresh_name(scope, &one), fresh_name(scope, &many));
    let list = fresh_name(scope, "batch_items");
    let iter_expr = if let Some(r) = iter_text.strip_prefix('&') {
        format!("{}.iter()", r.trim())
    } else if iter_text.ends_with(".iter()") {
        iter_text.to_string()
    } else {
        format!("{iter_text}.iter()")
    };
    let callee_path = match cx.f.callee.rsplit_once("::") {
        Some((m, _)) => format!("{m}::{bname}"),
        None => bname.to_string(),
    };
    let call_args =
        h.lc.largs
            .iter()
            .zip(&h.h.per_item)
            .filter(|(_, pi)| !**pi)
            .map(|(a, _)| text_of(t, *a).to_string())
            .chain(std::iter::once(if h.api.owned {
                list.clone()
            } else {
                format!("&{list}")
            }))
            .collect::<Vec<_>>()
            .join(", ");
    if s.discard.is_some() && s.tried {
        return Err(format!(
            "the loop propagates {}'s error with `?` and drops the value; the \
             batch rewrite does not rewrite that shape",
            h.h.fname
        ));
    }
    Ok(SiteCtx {
        list,
        elem: h.api.elem.clone(),
        iter_expr,
        pat: pat.to_string(),
        elem_expr: element_expr(t, h),
        companion_call: format!("{callee_path}({call_args}).await"),
        many: s.discard.is_none().then(|| many.clone()),
        one,
        many_name: many,
    })
}

/// The loop file's `use` of the helper: extended with the companion, or swapped for it when
/// the call is its only other use.
fn use_edit(
    cx: &Cx,
    t: &BatchTarget,
    s: &Site,
    fname: &str,
    bname: &str,
) -> Result<Option<Edit>, String> {
    if t.hop.path == cx.f.path || cx.f.callee.contains("::") {
        return Ok(None);
    }
    let only_use = word_count(s.text, fname, &[]) == 2;
    match extend_use(s.text, s.root, fname, bname, only_use) {
        Some(e) => Ok(Some(e)),
        None => Err(format!(
            "cannot find the `use` that imports {fname} in {}",
            cx.f.path
        )),
    }
}

/// Step 5 of the batch rewrite.
fn batch_plan<'s>(
    cx: &Cx<'s>,
    t: BatchTarget<'s>,
    s: Site<'s>,
    h: Helper<'s>,
    limit: Limit,
) -> Result<BatchPlan<'s>, String> {
    let companion = companion(cx, &t, &h, &limit)?;
    let site = site_plan(cx, &s, &h, &companion.bname)?;
    let use_edit = use_edit(cx, &t, &s, &h.h.fname, &companion.bname)?;
    Ok(BatchPlan {
        t,
        s,
        h,
        limit,
        companion,
        site,
        use_edit,
    })
}

/// Step 6 of the batch rewrite: the companion after the helper, the loop site.
fn batch_render(cx: &Cx, p: &BatchPlan) -> Result<Rendered, String> {
    let hf = &p.h.h;
    let ct = hf.c.text.as_str();
    let fbase = leading_ws(ct, line_start(ct, hf.fdef.start_byte()));
    let at = line_end_incl(ct, hf.fdef.end_byte().saturating_sub(1));
    let cnl = newline(ct);
    let mut rendered = code(
        "batch_companion.rs.j2",
        COMPANION,
        &p.companion,
        &fbase,
        &indent_unit(ct, 4),
        cnl,
    )?;
    if at == ct.len() && !ct.ends_with('\n') {
        rendered = format!("{cnl}{rendered}");
    }
    let cedits = vec![Edit {
        range: at..at,
        new_text: rendered,
    }];
    let s = &p.s;
    let t = s.text;
    let base = leading_ws(t, line_start(t, s.lnode.start_byte()));
    let pre = code(
        "batch_site.rs.j2",
        BATCH_SITE,
        &p.site,
        &base,
        &indent_unit(t, 4),
        newline(t),
    )?;
    let mut edits = loop_edits(s, pre, s.awaited, &p.site.one, &p.site.many_name)?;
    edits.extend(p.use_edit.clone());
    Ok(Rendered {
        files: pipeline::loop_and_companion(&cx.f.path, edits, &p.t.hop.path, cedits),
        notes: batch_notes(p),
    })
}

fn batch_notes(p: &BatchPlan) -> Vec<String> {
    let c = &p.companion;
    let elem = &p.h.api.elem;
    let mut notes = p.limit.notes.clone();
    notes.push(format!(
        "Guessed: {} takes one {elem} per item (the arguments {} takes, in order) \
         and returns one result per item in request order; an error or a length mismatch falls \
         back to per-item {} calls.",
        p.t.ba.name, c.single_method, c.fname
    ));
    notes.push(
        "Every item is checked before the loop body runs, so an early exit in the body no longer \
         saves the remaining checks."
            .to_string(),
    );
    notes.push(format!(
        "The loop collects its items as Vec<{elem}> (the batch API's element type); borrowed \
         arguments are copied with .to_owned()."
    ));
    if c.warn == "eprintln!" {
        notes.push(
            "Logs with eprintln! (the code uses neither tracing nor log) and times with \
             std::time::Instant."
                .to_string(),
        );
    }
    notes
}

/// The Rust hooks of the rewrite pipeline.
struct Rust;

impl RewriteHooks for Rust {
    type BatchTarget<'s> = BatchTarget<'s>;
    type Site<'s> = Site<'s>;
    type Helper<'s> = Helper<'s>;
    type BatchPlan<'s> = BatchPlan<'s>;
    type ConcurrentPlan<'s> = (Site<'s>, ConcurrentCtx);

    fn lang(_path: &str) -> Result<Lang, String> {
        Ok(Lang::Rust)
    }

    fn batch_target<'s>(cx: &Cx<'s>) -> Result<BatchTarget<'s>, String> {
        let ba =
            cx.f.batch_alternative
                .as_ref()
                .ok_or("no batch API was found for this call")?;
        let hop = helper_hop(cx.f, ba)?;
        Ok(BatchTarget { ba, hop })
    }

    fn site<'s>(cx: &Cx<'s>) -> Result<Site<'s>, String> {
        locate(cx.f, cx.loop_file()?)
    }

    fn guards<'s>(_: &Cx<'s>, s: &Site<'s>) -> Result<(), String> {
        rust_guards(s)
    }

    fn helper<'s>(cx: &Cx<'s>, t: &BatchTarget<'s>, s: &Site<'s>) -> Result<Helper<'s>, String> {
        batch_helper(cx, t, s)
    }

    fn limit<'s>(cx: &Cx<'s>, t: &BatchTarget<'s>, h: &Helper<'s>) -> Result<Limit, String> {
        Ok(batch_limit(cx, t, h))
    }

    fn batch_plan<'s>(
        cx: &Cx<'s>,
        t: BatchTarget<'s>,
        s: Site<'s>,
        h: Helper<'s>,
        limit: Limit,
    ) -> Result<BatchPlan<'s>, String> {
        batch_plan(cx, t, s, h, limit)
    }

    fn concurrent_plan<'s>(cx: &Cx<'s>, s: Site<'s>) -> Result<Self::ConcurrentPlan<'s>, String> {
        let c = concurrent_plan(cx, &s);
        Ok((s, c))
    }

    fn render_batch<'s>(cx: &Cx<'s>, p: &BatchPlan<'s>) -> Result<Rendered, String> {
        batch_render(cx, p)
    }

    fn render_concurrent<'s>(
        cx: &Cx<'s>,
        p: &Self::ConcurrentPlan<'s>,
    ) -> Result<Rendered, String> {
        concurrent_render(cx, &p.0, &p.1)
    }

    /// `StreamExt` / `TryStreamExt`; the companion is imported by editing the helper's `use`
    /// in `render`.
    fn concurrent_imports(p: &Self::ConcurrentPlan<'_>, out: &mut Rendered) -> Result<(), String> {
        if let Some(f) = out.files.first_mut() {
            let s = &p.0;
            f.edits.extend(stream_imports(s.text, s.root, s.tried));
        }
        Ok(())
    }
}

pub(crate) fn batch(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<Rust>(Kind::Batch, f, files, opts)
}

pub(crate) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<Rust>(Kind::Concurrent, f, files, opts)
}
