//! Rust rewrites: `futures::stream::iter(..).buffered(n)` for `.await`ed calls in `for` loops,
//! and a batched companion of the helper that makes the single remote call.

use super::*;
use crate::code::{BatchAlternative, ChainHop};

const IDENT: &[&str] = &["identifier"];

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
    lnode: Node<'t>,
    pattern: Node<'t>,
    iter: Node<'t>,
    body: Node<'t>,
    call: Node<'t>,
    /// The awaited call, with its `?` when it has one.
    value: Node<'t>,
    /// The call chain without `.await` / `?` (what the closure returns).
    future: Node<'t>,
    tried: bool,
    func: Option<Node<'t>>,
    /// `let _ = ...;` / `...;`: the statement that throws the result away, and its type
    /// annotation.
    discard: Option<(Node<'t>, Option<String>)>,
}

fn site<'t>(f: &Finding, text: &'t str, root: Node<'t>) -> Result<Site<'t>, String> {
    let call = node_of_kind(root, &f.span, &["call_expression", "macro_invocation"])
        .ok_or("the finding does not point at a call")?;
    if call.kind() == "macro_invocation" {
        return Err("the call is a macro invocation; it is not rewritten".into());
    }
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
        "for_expression" => {}
        "while_expression" | "loop_expression" => {
            return Err(format!(
                "only `for` loops are rewritten, not `{}` loops (no item list to run up front)",
                if lnode.kind() == "loop_expression" {
                    "loop"
                } else {
                    "while"
                }
            ));
        }
        _ => {
            return Err(
                "the call sits in an iterator closure (`.map`/`.for_each`); only `for` loops are \
                 rewritten"
                    .into(),
            );
        }
    }
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
    let assigned = |n: Node, out: &mut Vec<String>| assigned_names(text, n, out);
    let g = Guards {
        assigned: &assigned,
        ..guards()
    };
    check_guards(text, value, call, body, &g)?;
    // Values the loop changes after the call are seen by the next iteration's call.
    let mut changed = Vec::new();
    collect_assigned_before(body, usize::MAX, &g, &mut changed);
    let mut used = Vec::new();
    identifiers(text, future, IDENT, &mut used);
    if let Some(name) = used.iter().find(|u| changed.contains(u)) {
        return Err(format!(
            "the call's arguments use `{name}`, which the loop body changes; later calls would \
             see a different value"
        ));
    }
    let func = ancestor_of_kind(lnode, &["function_item"]);
    // A receiver held mutably (a connection, `&mut self`) cannot serve several calls at once.
    if let Some(recv) = future
        .child_by_field_name("function")
        .filter(|fnode| fnode.kind() == "field_expression")
        .and_then(|fnode| fnode.child_by_field_name("value"))
    {
        let r = text_of(text, recv);
        let root_name = r.split(['.', '(']).next().unwrap_or(r);
        let ftext = func.map(|n| text_of(text, n)).unwrap_or(text);
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
    let discard = discard_of(text, value);
    Ok(Site {
        text,
        lnode,
        pattern,
        iter,
        body,
        call,
        value,
        future,
        tried,
        func,
        discard,
    })
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
    let found = params.named_children(&mut c).find_map(|p| {
        (p.kind() == "parameter"
            && p.child_by_field_name("pattern")
                .is_some_and(|pt| text_of(text, pt) == name))
        .then(|| {
            p.child_by_field_name("type")
                .map(|t| text_of(text, t).to_string())
        })
        .flatten()
    });
    found
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
        if let Some(list) = t
            .strip_prefix("use futures::stream::{")
            .and_then(|r| r.strip_suffix("};"))
            .filter(|l| !l.contains('\n') && !l.contains('{'))
        {
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

const CONCURRENT_TITLE: &str =
    "Run concurrently (at most {n} at a time; results keep input order, first error propagates)";

pub(super) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    let text = read(files, &f.path)?;
    let parsed = parse(Lang::Rust, &text)?;
    let root = parsed
        .tree()
        .map(|t| t.root_node())
        .ok_or("could not parse the file")?;
    let s = site(f, &text, root)?;
    let n = opts.concurrency;
    let t = s.text;
    let iter_text = text_of(t, s.iter);
    if !yields_refs(t, s.iter, s.lnode, s.func) {
        return Err(format!(
            "cannot tell whether `{iter_text}` yields references that can be iterated twice; \
             loop over `&{iter_text}` or `{iter_text}.iter()` (or a `&[T]` parameter) to get \
             this rewrite"
        ));
    }
    let scope = s.func.map(|n| text_of(t, n)).unwrap_or(t);
    let pat = text_of(t, s.pattern);
    let var = (s.pattern.kind() == "identifier").then_some(pat);
    let (one, many) = result_names(var, false);
    let (one, many) = (fresh_name(scope, &one), fresh_name(scope, &many));
    let future = text_of(t, s.future);
    let whole_loop = s.discard.is_some() && statement_count(s.body) == 1;
    let ls = line_start(t, s.lnode.start_byte());
    let base = leading_ws(t, ls);
    let unit = indent_unit(t, 4);
    let nl = newline(t);

    let mut pre = Block::default();
    if s.tried {
        pre.line(
            0,
            format!("// At most {n} calls at a time; results keep input order; the first error"),
        )
        .line(0, "// (in input order) propagates and drops the calls still running.");
    } else {
        pre.line(
            0,
            format!("// At most {n} calls at a time; results keep input order."),
        );
    }
    let binding = match &s.discard {
        Some((_, Some(ty))) => format!("let _: Vec<{ty}>"),
        Some((_, None)) => "let _: Vec<_>".to_string(),
        None => format!("let {many}: Vec<_>"),
    };
    pre.line(0, format!("{binding} = futures::stream::iter({iter_text})"))
        .line(1, format!(".map(|{pat}| {future})"))
        .line(1, format!(".buffered({n})"));
    if s.tried {
        pre.line(1, ".try_collect()").line(1, ".await?;");
    } else {
        pre.line(1, ".collect()").line(1, ".await;");
    }
    let pre_text = pre.render(&base, &unit, nl);
    let mut edits = Vec::new();
    match &s.discard {
        Some(_) if whole_loop => edits.push(Edit {
            range: whole_lines(t, s.lnode),
            new_text: pre_text,
        }),
        Some((st, _)) => {
            let r = whole_lines(t, *st);
            if t.get(r.clone()).unwrap_or("").trim() != text_of(t, *st) {
                return Err("the call shares its line with other statements".into());
            }
            edits.push(Edit {
                range: ls..ls,
                new_text: pre_text,
            });
            edits.push(Edit {
                range: r,
                new_text: String::new(),
            });
        }
        None => {
            edits.push(Edit {
                range: ls..ls,
                new_text: pre_text,
            });
            edits.push(Edit {
                range: s.pattern.start_byte()..s.iter.end_byte(),
                new_text: format!("({pat}, {one}) in std::iter::zip({iter_text}, {many})"),
            });
            edits.push(Edit {
                range: s.value.start_byte()..s.value.end_byte(),
                new_text: one.clone(),
            });
        }
    }
    edits.extend(stream_imports(t, root, s.tried));
    let _ = s.call;
    let mut notes = vec![
        "Needs the `futures` crate (futures = \"0.3\" in Cargo.toml) for stream::iter, \
         StreamExt::buffered and collect."
            .to_string(),
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
    Ok(Rewrite {
        title: CONCURRENT_TITLE.replace("{n}", &n.to_string()),
        files: vec![FileEdits {
            path: f.path.clone(),
            edits,
        }],
        notes,
    })
}

pub(super) fn batch(
    f: &Finding,
    _files: &dyn Fn(&str) -> Option<String>,
    _opts: &Options,
) -> Result<Rewrite, String> {
    let _: Option<(&BatchAlternative, &ChainHop)> = None;
    batch_not_implemented(f)
}
