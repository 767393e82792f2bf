//! Python rewrites: `asyncio.gather` with a semaphore / `ThreadPoolExecutor.map`, and a batched
//! companion of the helper that makes the single remote call. Both run through the shared
//! pipeline ([`pipeline::run`]); the generated code's text is in `templates/rewrite/*.py.j2`.

use crate::code::{BatchAlternative, ChainHop, Finding, Lang};
use crate::guidance::rewrite::pipeline::{
    self, Cx, Kind, Limit, Rendered, RewriteHooks, Role, Source, code, verbatim,
};
use crate::guidance::rewrite::*;
use serde::Serialize;
use std::ops::Range;
use tree_sitter::Node;

const IDENT: &[&str] = &["identifier"];

const CONCURRENT: &str = include_str!("templates/rewrite/concurrent.py.j2");
const COMPANION: &str = include_str!("templates/rewrite/batch_companion.py.j2");
const BATCH_SITE: &str = include_str!("templates/rewrite/batch_site.py.j2");

fn guards() -> Guards<'static> {
    Guards {
        conditional: &[
            "if_statement",
            "elif_clause",
            "else_clause",
            "conditional_expression",
            "boolean_operator",
            "match_statement",
            "case_clause",
        ],
        loops: &[
            "for_statement",
            "while_statement",
            "list_comprehension",
            "generator_expression",
            "set_comprehension",
            "dictionary_comprehension",
        ],
        functions: &["lambda", "function_definition"],
        exits: &[
            "continue_statement",
            "break_statement",
            "return_statement",
            "raise_statement",
        ],
        tries: &["try_statement"],
        // Replaced by `check_guards_py`, which has the text to read names with.
        assigned: &|_, _| {},
        ident_kinds: IDENT,
    }
}

/// The loop, the call inside it and everything the rewrite needs to know about them.
struct Loop {
    text: String,
    /// The node the precomputation goes before (the loop, or the statement holding the
    /// comprehension).
    stmt: Range<usize>,
    base_indent: String,
    unit: String,
    nl: &'static str,
    /// `left` / `right` of the loop (`for LEFT in RIGHT`).
    left: Range<usize>,
    left_text: String,
    left_is_bare_tuple: bool,
    right_text: String,
    /// The call (or its `await`).
    value: Range<usize>,
    call_text: String,
    awaited: bool,
    /// Removing the value's statement (result unused): the range to delete; whole loop if the
    /// statement was the loop's only one.
    discard: Option<Range<usize>>,
    discard_whole_loop: bool,
    /// Text of the enclosing function (for fresh names).
    scope: String,
    /// The call's single positional argument, if it has exactly one.
    single_arg: Option<String>,
    simple_var: Option<String>,
}

/// The loop of the finding, its header and body, and whether it is a comprehension.
fn loop_parts<'t>(f: &Finding, text: &str, root: Node<'t>) -> Result<[Node<'t>; 4], String> {
    let lp = f.loops.first().ok_or("the finding has no loop")?;
    let lnode = node_of_kind(
        root,
        &lp.span,
        &[
            "for_statement",
            "while_statement",
            "list_comprehension",
            "generator_expression",
            "set_comprehension",
            "dictionary_comprehension",
        ],
    )
    .ok_or("the loop is not a for loop or comprehension")?;
    let (left, right, body) = match lnode.kind() {
        "for_statement" => {
            if text_of(text, lnode).starts_with("async") {
                return Err("`async for` loops are not rewritten".into());
            }
            (
                lnode.child_by_field_name("left"),
                lnode.child_by_field_name("right"),
                lnode.child_by_field_name("body"),
            )
        }
        "while_statement" => {
            return Err("while loops have no item list to run up front".into());
        }
        _ => {
            let mut c = lnode.walk();
            let kids: Vec<Node> = lnode.named_children(&mut c).collect();
            let fors: Vec<&Node> = kids
                .iter()
                .filter(|k| k.kind() == "for_in_clause")
                .collect();
            if fors.len() != 1 || kids.iter().any(|k| k.kind() == "if_clause") {
                return Err(
                    "comprehensions with several `for`s or an `if` are not rewritten".into(),
                );
            }
            let fc = fors[0];
            if text_of(text, *fc).starts_with("async") {
                return Err("`async for` comprehensions are not rewritten".into());
            }
            (
                fc.child_by_field_name("left"),
                fc.child_by_field_name("right"),
                lnode.child_by_field_name("body"),
            )
        }
    };
    let (Some(left), Some(right), Some(body)) = (left, right, body) else {
        return Err("the loop header is incomplete".into());
    };
    Ok([lnode, left, right, body])
}

/// The statement the precomputation goes before: the loop, or the statement holding the
/// comprehension (refused when that is evaluated only conditionally).
fn precompute_before<'t>(lnode: Node<'t>, is_comp: bool) -> Result<Node<'t>, String> {
    if !is_comp {
        return Ok(lnode);
    }
    let mut n = lnode;
    while let Some(p) = n.parent() {
        if matches!(p.kind(), "block" | "module") {
            break;
        }
        if matches!(
            p.kind(),
            "lambda" | "elif_clause" | "else_clause" | "conditional_expression"
        ) || (p.kind() == "boolean_operator"
            && p.child_by_field_name("right")
                .is_some_and(|r| is_ancestor(r, n)))
        {
            return Err("the comprehension is evaluated only conditionally".into());
        }
        n = p;
    }
    Ok(n)
}

/// The call's single positional argument, if it has exactly one.
fn single_arg(text: &str, call: Node) -> Option<String> {
    let a = call.child_by_field_name("arguments")?;
    let mut c = a.walk();
    let named: Vec<Node> = a
        .named_children(&mut c)
        .filter(|n| n.kind() != "comment")
        .collect();
    (named.len() == 1
        && !matches!(
            named[0].kind(),
            "keyword_argument" | "list_splat" | "dictionary_splat"
        ))
    .then(|| text_of(text, named[0]).to_string())
}

/// Step 1: the loop (or comprehension) and the call, as nodes.
struct Site<'t> {
    src: &'t Source,
    call: Node<'t>,
    value: Node<'t>,
    lnode: Node<'t>,
    left: Node<'t>,
    right: Node<'t>,
    body: Node<'t>,
}

fn locate<'t>(f: &Finding, src: &'t Source) -> Result<Site<'t>, String> {
    let (text, root) = (src.text.as_str(), src.root());
    let call =
        node_of_kind(root, &f.span, &["call"]).ok_or("the finding does not point at a call")?;
    let value = match call.parent() {
        Some(p) if p.kind() == "await" => p,
        _ => call,
    };
    let [lnode, left, right, body] = loop_parts(f, text, root)?;
    if !is_ancestor(body, value) {
        return Err("the call is not in the loop body".into());
    }
    Ok(Site {
        src,
        call,
        value,
        lnode,
        left,
        right,
        body,
    })
}

/// Everything the rewrites read from the site: where the precomputation goes, the header's
/// text, the call, and whether its value is dropped. Its refusals are part of step 2 (the
/// guards run it once; later steps read it again).
fn resolve(s: &Site) -> Result<Loop, String> {
    let text = s.src.text.as_str();
    let (lnode, value, left, right) = (s.lnode, s.value, s.left, s.right);
    let is_comp = lnode.kind() != "for_statement";
    let stmt = precompute_before(lnode, is_comp)?;
    let ls = line_start(text, stmt.start_byte());
    if !text
        .get(ls..stmt.start_byte())
        .unwrap_or("x")
        .trim()
        .is_empty()
    {
        return Err("the loop does not start its own line".into());
    }
    let func = ancestor_of_kind(lnode, &["function_definition"]);
    let is_async_fn = func.is_some_and(|fd| text_of(text, fd).starts_with("async"));
    if value.kind() == "await" && !is_async_fn {
        return Err("`await` outside an async function".into());
    }
    let scope = func.map(|n| text_of(text, n)).unwrap_or(text).to_string();
    let (mut discard, mut discard_whole_loop) = (None, false);
    if !is_comp && let Some(st) = discarded_statement(value, "expression_statement") {
        if statement_count(s.body) == 1 {
            discard = Some(whole_lines(text, lnode));
            discard_whole_loop = true;
        } else {
            discard = Some(own_lines(text, st)?);
        }
    }
    let left_text = text_of(text, left).to_string();
    Ok(Loop {
        text: text.to_string(),
        stmt: stmt.start_byte()..stmt.end_byte(),
        base_indent: leading_ws(text, ls),
        unit: indent_unit(text, 4),
        nl: newline(text),
        left: left.start_byte()..right.end_byte(),
        left_is_bare_tuple: left.kind() == "pattern_list",
        simple_var: (left.kind() == "identifier").then(|| left_text.clone()),
        left_text,
        right_text: text_of(text, right).to_string(),
        value: value.start_byte()..value.end_byte(),
        call_text: text_of(text, s.call).to_string(),
        awaited: value.kind() == "await",
        discard,
        discard_whole_loop,
        scope,
        single_arg: single_arg(text, s.call),
    })
}

/// Step 2: the shared statement-level checks with Python's node kinds, then `resolve`'s.
fn py_guards(s: &Site) -> Result<(), String> {
    check_guards_py(&s.src.text, s.value, s.call, s.body)?;
    resolve(s).map(|_| ())
}

fn check_guards_py(text: &str, value: Node, call: Node, body: Node) -> Result<(), String> {
    let g = guards();
    // `assigned` needs the text to read names, so wrap it here.
    let assigned = |n: Node, out: &mut Vec<String>| {
        let target = match n.kind() {
            "assignment" | "augmented_assignment" => n.child_by_field_name("left"),
            "named_expression" => n.child_by_field_name("name"),
            "for_statement" | "for_in_clause" => n.child_by_field_name("left"),
            "with_item" | "as_pattern" => n.child_by_field_name("alias"),
            _ => None,
        };
        if let Some(t) = target {
            identifiers(text, t, IDENT, out);
        }
    };
    let g = Guards {
        assigned: &assigned,
        ..g
    };
    check_guards(text, value, call, body, &g)
}

impl Loop {
    fn q(&self) -> char {
        quote_char(&self.text)
    }
    /// `(names, iterable)` for the precomputation, plus the statement binding the iterable
    /// when it is not safe to evaluate twice.
    fn iterable(&self) -> (String, Option<String>) {
        if is_simple_path(&self.right_text) {
            (self.right_text.clone(), None)
        } else {
            let base = self.simple_var.as_deref().unwrap_or("item");
            let name = fresh_name(&self.scope, &format!("{base}_list"));
            let bind = format!("{name} = list({})", self.right_text);
            (name, Some(bind))
        }
    }
    fn names(&self) -> (String, String) {
        let (one, many) = result_names(self.simple_var.as_deref(), false);
        (
            fresh_name(&self.scope, &one),
            fresh_name(&self.scope, &many),
        )
    }
    /// The loop-site edits: precomputation before the statement, loop header over `zip`, the
    /// call replaced by the per-item result.
    fn loop_edits(&self, pre_text: String, results: &str, one: &str, iter: &str) -> Vec<Edit> {
        let ls = line_start(&self.text, self.stmt.start);
        let mut edits = Vec::new();
        match (&self.discard, self.discard_whole_loop) {
            (Some(r), true) => edits.push(Edit {
                range: r.clone(),
                new_text: pre_text,
            }),
            (Some(r), false) => {
                edits.push(Edit {
                    range: ls..ls,
                    new_text: pre_text,
                });
                edits.push(Edit {
                    range: r.clone(),
                    new_text: String::new(),
                });
            }
            (None, _) => {
                edits.push(Edit {
                    range: ls..ls,
                    new_text: pre_text,
                });
                let left = if self.left_is_bare_tuple {
                    format!("({})", self.left_text)
                } else {
                    self.left_text.clone()
                };
                edits.push(Edit {
                    range: self.left.clone(),
                    new_text: format!("{left}, {one} in zip({iter}, {results})"),
                });
                edits.push(Edit {
                    range: self.value.clone(),
                    new_text: one.to_string(),
                });
            }
        }
        edits
    }
}

fn quote_char(text: &str) -> char {
    let d = text.matches('"').count();
    let s = text.matches('\'').count();
    if s > d { '\'' } else { '"' }
}

/// The concurrent rewrite's context, for `concurrent.py.j2`.
#[derive(Serialize)]
struct ConcurrentCtx {
    n: usize,
    awaited: bool,
    keep: bool,
    bind: Option<String>,
    many: String,
    #[serde(skip)]
    one: String,
    iter: String,
    call_text: String,
    left: String,
    /// asyncio: the semaphore and the wrapper bounding each call.
    sem: String,
    bounded: String,
    /// Threads: the executor and the loop variable.
    ex: String,
    var: String,
}

fn concurrent_plan(cx: &Cx, l: &Loop) -> Result<ConcurrentCtx, String> {
    let (one, many) = l.names();
    let (iter, bind) = l.iterable();
    let (mut sem, mut bounded, mut ex, mut var) = Default::default();
    if l.awaited {
        sem = fresh_name(&l.scope, "semaphore");
        bounded = fresh_name(&l.scope, "bounded");
    } else {
        let Some(v) = &l.simple_var else {
            return Err(
                "the loop variable is a pattern; the thread-pool rewrite needs a name".into(),
            );
        };
        var = v.clone();
        ex = fresh_name(&l.scope, "executor");
    }
    Ok(ConcurrentCtx {
        n: cx.opts.concurrency,
        awaited: l.awaited,
        keep: l.discard.is_none(),
        bind,
        many,
        one,
        iter,
        call_text: l.call_text.clone(),
        left: l.left_text.clone(),
        sem,
        bounded,
        ex,
        var,
    })
}

/// Step 6 of the concurrent rewrite: the bounded gather / thread pool before the loop.
fn concurrent_render(cx: &Cx, l: &Loop, c: &ConcurrentCtx) -> Result<Rendered, String> {
    let pre = code(
        "concurrent.py.j2",
        CONCURRENT,
        c,
        &l.base_indent,
        &l.unit,
        l.nl,
    )?;
    let mut notes = vec![
        "Every item's call now starts before the loop body runs, so an early exit in the body \
         (raise/return) no longer saves the remaining calls."
            .to_string(),
    ];
    let q = l.q();
    notes.push(if c.awaited {
        format!(
            "asyncio.gather runs the calls as tasks, at most {} at once ({q}asyncio.Semaphore{q}).",
            c.n
        )
    } else {
        "The calls run on worker threads: the client they use must be thread-safe.".to_string()
    });
    Ok(Rendered {
        files: vec![FileEdits {
            path: cx.f.path.clone(),
            edits: l.loop_edits(pre, &c.many, &c.one, &c.iter),
        }],
        notes,
    })
}

/// `import <module>` at its sorted place among the file's top `import` lines, unless present.
fn add_import(text: &str, module: &str) -> Option<Edit> {
    let stmt = format!("import {module}");
    let nl = newline(text);
    let mut first_import = None;
    let mut before = None;
    let mut last_import_end = None;
    let mut future_end = None;
    let mut first_from = None;
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim_end();
        if l == stmt || l.starts_with(&format!("{stmt} ")) || l.starts_with(&format!("{stmt},")) {
            return None;
        }
        if l.starts_with("def ") || l.starts_with("class ") || l.starts_with("async def") {
            break;
        }
        if let Some(name) = l.strip_prefix("import ") {
            first_import.get_or_insert(off);
            if before.is_none() && name > module {
                before = Some(off);
            }
            last_import_end = Some(off + line.len());
        } else if l.starts_with("from __future__") {
            future_end = Some(off + line.len());
        } else if l.starts_with("from ") {
            first_from.get_or_insert(off);
        }
        off += line.len();
    }
    let (at, text_) = match (before, last_import_end, future_end, first_from) {
        (Some(b), _, _, _) => (b, format!("{stmt}{nl}")),
        (None, Some(e), _, _) => (e, format!("{stmt}{nl}")),
        (None, None, Some(e), _) => (e, format!("{nl}{stmt}{nl}")),
        (None, None, None, Some(ff)) => (ff, format!("{stmt}{nl}")),
        _ => (0, format!("{stmt}{nl}")),
    };
    Some(Edit {
        range: at..at,
        new_text: text_,
    })
}

/// Add `name` to the `from ... import` statement that imports `existing`.
fn extend_from_import(text: &str, root: Node, existing: &str, name: &str) -> Option<Edit> {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "import_from_statement" {
            let mut c = n.walk();
            let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
            if names.iter().any(|x| text_of(text, *x) == name) {
                return Some(Edit {
                    range: 0..0,
                    new_text: String::new(),
                });
            }
            if let Some(x) = names.iter().find(|x| text_of(text, **x) == existing) {
                return Some(Edit {
                    range: x.end_byte()..x.end_byte(),
                    new_text: format!(", {name}"),
                });
            }
            continue;
        }
        if matches!(n.kind(), "module" | "future_import_statement") || n.parent().is_none() {
            let mut c = n.walk();
            stack.extend(n.children(&mut c));
        }
    }
    None
}

/// The module a `from M import <name>` line takes `name` from.
fn from_module_of(text: &str, root: Node, name: &str) -> Option<String> {
    let mut c = root.walk();
    for n in root.children(&mut c) {
        if n.kind() != "import_from_statement" {
            continue;
        }
        let mut c2 = n.walk();
        if n.children_by_field_name("name", &mut c2)
            .any(|x| text_of(text, x) == name)
        {
            return n
                .child_by_field_name("module_name")
                .map(|m| text_of(text, m).to_string());
        }
    }
    None
}

/// A limit constant (`BATCH_LIMIT = 50`) defined at the top level of the batch API's file.
fn limit_constant(text: &str) -> Option<(String, usize)> {
    let mut found: Vec<(String, usize)> = Vec::new();
    for line in text.lines() {
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim_end();
        if name.is_empty()
            || line.starts_with(char::is_whitespace)
            || !name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        {
            continue;
        }
        let value = rest.split('#').next().unwrap_or("").trim().replace('_', "");
        let Ok(v) = value.parse::<usize>() else {
            continue;
        };
        if (name.contains("BATCH") || name.contains("CHUNK") || name.contains("LIMIT")) && v > 0 {
            found.push((name.to_string(), v));
        }
    }
    found.sort_by_key(|(n, _)| !n.contains("BATCH"));
    found.into_iter().next()
}

fn top_level_logger(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (name, rest) = l.split_once('=')?;
        let name = name.trim();
        (rest.trim_start().starts_with("logging.getLogger(")
            && !l.starts_with(char::is_whitespace)
            && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then(|| name.to_string())
    })
}

fn has_top_import(text: &str, module: &str) -> bool {
    text.lines()
        .any(|l| l.trim_end() == format!("import {module}"))
}

/// Find where the batch API is reached: the chain hop whose call targets a method of the
/// batch API's class. Returns that hop (its function gets the batched companion).
fn single_call_hop<'a>(f: &'a Finding, ba: &BatchAlternative) -> Result<&'a ChainHop, String> {
    let class = ba.name.rsplit_once('.').map(|(c, _)| c);
    let targets_class = |func: &str| match (class, func.rsplit_once('.')) {
        (Some(c), Some((fc, _))) => fc == c,
        (None, None) => true,
        _ => false,
    };
    if f.chain.first().is_some_and(|h| targets_class(&h.function)) {
        return Err(format!(
            "the loop calls {} directly; the batch rewrite needs the call inside a helper \
             function (use the concurrent rewrite)",
            f.chain[0].function
        ));
    }
    f.chain
        .windows(2)
        .position(|w| targets_class(&w[1].function))
        .and_then(|i| f.chain.get(i))
        .filter(|_| f.chain.len() >= 2)
        .ok_or_else(|| format!("no helper in the call chain calls {} directly", ba.name))
}

/// Step 0 of the batch rewrite: the batch API and the helper that makes the single call.
struct BatchTarget<'s> {
    ba: &'s BatchAlternative,
    hop: &'s ChainHop,
}

fn batch_target(f: &Finding) -> Result<BatchTarget<'_>, String> {
    let ba = f
        .batch_alternative
        .as_ref()
        .ok_or("no batch API was found for this call")?;
    let hop = single_call_hop(f, ba)?;
    if f.chain.first().map(|h| h.function.as_str()) != Some(hop.function.as_str()) {
        return Err(format!(
            "the batch API is reached through several helpers; only a helper called directly in \
             the loop ({}) is rewritten",
            f.callee
        ));
    }
    Ok(BatchTarget { ba, hop })
}

/// The helper function and its single parameter (besides `self` / `cls`).
struct HelperFn<'t> {
    c: &'t Source,
    scall: Node<'t>,
    svalue: Node<'t>,
    fdef: Node<'t>,
    fname: String,
    is_async: bool,
    self_param: Option<String>,
    p: String,
    p_type: Option<String>,
    ret_type: Option<String>,
}

fn helper_fn<'t>(f: &Finding, hop: &ChainHop, c: &'t Source) -> Result<HelperFn<'t>, String> {
    let ctext = c.text.as_str();
    let scall =
        node_of_kind(c.root(), &hop.span, &["call"]).ok_or("the helper's call is not a call")?;
    let svalue = match scall.parent() {
        Some(p) if p.kind() == "await" => p,
        _ => scall,
    };
    let fdef = ancestor_of_kind(scall, &["function_definition"])
        .ok_or("the helper's call is not in a function")?;
    let fname = fdef
        .child_by_field_name("name")
        .map(|n| text_of(ctext, n).to_string())
        .unwrap_or_default();
    let callee_last = f.callee.rsplit('.').next().unwrap_or(&f.callee);
    if fname != callee_last {
        return Err(format!(
            "{} does not resolve to the helper {fname}",
            f.callee
        ));
    }
    let params = fdef
        .child_by_field_name("parameters")
        .ok_or("the helper has no parameter list")?;
    let mut pc = params.walk();
    let plist: Vec<Node> = params.named_children(&mut pc).collect();
    let pname = |n: Node| -> String {
        match n.kind() {
            "identifier" => text_of(ctext, n).to_string(),
            _ => n
                .child_by_field_name("name")
                .or_else(|| n.named_child(0))
                .map(|x| text_of(ctext, x).to_string())
                .unwrap_or_default(),
        }
    };
    let mut names: Vec<(String, Option<String>)> = plist
        .iter()
        .map(|p| {
            (
                pname(*p),
                p.child_by_field_name("type")
                    .map(|t| text_of(ctext, t).to_string()),
            )
        })
        .collect();
    let self_param = names
        .first()
        .filter(|(n, _)| n == "self" || n == "cls")
        .map(|(n, _)| n.clone());
    if self_param.is_some() {
        names.remove(0);
    }
    let [(p, p_type)] = names.as_slice() else {
        return Err(format!(
            "{fname} takes {} parameters; the batch rewrite needs exactly one item parameter",
            names.len()
        ));
    };
    Ok(HelperFn {
        c,
        scall,
        svalue,
        is_async: text_of(ctext, fdef).starts_with("async"),
        ret_type: fdef
            .child_by_field_name("return_type")
            .map(|t| text_of(ctext, t).to_string()),
        fdef,
        fname,
        self_param,
        p: p.clone(),
        p_type: p_type.clone(),
    })
}

/// One item's result from the batch: `r` holds the batch's value for it, `post` (copied
/// lines) and `ret_expr` are the helper's post-processing.
struct PerItem {
    r: String,
    post: Vec<String>,
    ret_expr: String,
}

/// The helper's body: `R = await single(...)`, post-processing, `return E` -- or
/// `return E(single)`.
fn per_item(h: &HelperFn) -> Result<PerItem, String> {
    let ctext = h.c.text.as_str();
    let (fname, svalue) = (&h.fname, h.svalue);
    let fbody = h
        .fdef
        .child_by_field_name("body")
        .ok_or("the helper has no body")?;
    let mut bc = fbody.walk();
    let mut stmts: Vec<Node> = fbody
        .named_children(&mut bc)
        .filter(|n| n.kind() != "comment")
        .collect();
    if stmts.first().is_some_and(|n| {
        n.kind() == "expression_statement" && n.named_child(0).is_some_and(|c| c.kind() == "string")
    }) {
        stmts.remove(0);
    }
    let first = *stmts.first().ok_or("the helper's body is empty")?;
    if !is_ancestor(first, svalue) {
        return Err(format!(
            "{fname} does other work before the remote call; the batch rewrite needs the call \
             first"
        ));
    }
    let r_default = fresh_name(text_of(ctext, h.fdef), "result");
    match first.kind() {
        "expression_statement" => assigned_result(h, &stmts, first),
        "return_statement" if stmts.len() == 1 => {
            let e = first.named_child(0).ok_or("bare return")?;
            let rel = (svalue.start_byte() - e.start_byte())..(svalue.end_byte() - e.start_byte());
            let et = text_of(ctext, e);
            let ret_expr = format!(
                "{}{}{}",
                et.get(..rel.start).unwrap_or(""),
                r_default,
                et.get(rel.end..).unwrap_or("")
            );
            Ok(PerItem {
                r: r_default,
                post: Vec::new(),
                ret_expr,
            })
        }
        _ => Err(format!(
            "{fname}'s remote call has a shape the batch rewrite does not know"
        )),
    }
}

/// `r = await single(...)`, post-processing without early exits, `return E`.
fn assigned_result(h: &HelperFn, stmts: &[Node], first: Node) -> Result<PerItem, String> {
    let ctext = h.c.text.as_str();
    let fname = &h.fname;
    let asg = first
        .named_child(0)
        .filter(|a| a.kind() == "assignment")
        .ok_or_else(|| format!("{fname} does not assign the remote call's result"))?;
    let (Some(l), Some(rv)) = (
        asg.child_by_field_name("left"),
        asg.child_by_field_name("right"),
    ) else {
        return Err("unexpected assignment shape".into());
    };
    if l.kind() != "identifier" || rv.id() != h.svalue.id() {
        return Err(format!(
            "{fname} does more than assign the remote call's result to a name"
        ));
    }
    let last = *stmts.last().ok_or("empty body")?;
    if last.kind() != "return_statement" || stmts.len() < 2 {
        return Err(format!("{fname} does not end with `return <expr>`"));
    }
    let middle = &stmts[1..stmts.len() - 1];
    for m in middle {
        if any_kind_before(
            *m,
            &[
                "return_statement",
                "yield",
                "function_definition",
                "class_definition",
            ],
            usize::MAX,
        ) {
            return Err(format!(
                "{fname} returns early or defines nested code; its post-processing is not rewritten"
            ));
        }
    }
    let post = match (middle.first(), middle.last()) {
        (Some(a), Some(b)) => dedent_lines(ctext, a.start_byte()..b.end_byte()),
        _ => Vec::new(),
    };
    let ret_expr = last
        .named_child(0)
        .map(|e| text_of(ctext, e).to_string())
        .unwrap_or_else(|| "None".into());
    Ok(PerItem {
        r: text_of(ctext, l).to_string(),
        post,
        ret_expr,
    })
}

/// The single call's receiver and arguments: the batch callee and one request element.
struct Request {
    batch_method: String,
    single_method: String,
    batch_callee: String,
    per_item: String,
}

fn request(ba: &BatchAlternative, h: &HelperFn) -> Result<Request, String> {
    let ctext = h.c.text.as_str();
    let sfunc = h
        .scall
        .child_by_field_name("function")
        .map(|n| text_of(ctext, n).to_string())
        .unwrap_or_default();
    let batch_method = ba.name.rsplit('.').next().unwrap_or(&ba.name).to_string();
    let single_method = sfunc.rsplit('.').next().unwrap_or(&sfunc).to_string();
    let batch_callee = match sfunc.rsplit_once('.') {
        Some((recv, _)) => format!("{recv}.{batch_method}"),
        None => batch_method.clone(),
    };
    let sargs = h
        .scall
        .child_by_field_name("arguments")
        .ok_or("no arguments")?;
    let mut sac = sargs.walk();
    let sarg_nodes: Vec<Node> = sargs
        .named_children(&mut sac)
        .filter(|n| n.kind() != "comment")
        .collect();
    let mut arg_texts = Vec::new();
    for a in &sarg_nodes {
        match a.kind() {
            "keyword_argument" => arg_texts.push(
                a.child_by_field_name("value")
                    .map(|v| text_of(ctext, v).to_string())
                    .unwrap_or_default(),
            ),
            "list_splat" | "dictionary_splat" => {
                return Err(format!("{sfunc} is called with *args/**kwargs"));
            }
            _ => arg_texts.push(text_of(ctext, *a).to_string()),
        }
    }
    let per_item = match arg_texts.as_slice() {
        [one] => one.clone(),
        many => format!("({})", many.join(", ")),
    };
    Ok(Request {
        batch_method,
        single_method,
        batch_callee,
        per_item,
    })
}

/// Step 3 of the batch rewrite.
struct Helper<'s> {
    arg: String,
    h: HelperFn<'s>,
    item: PerItem,
    req: Request,
}

fn batch_helper<'s>(cx: &Cx<'s>, t: &BatchTarget<'s>, s: &Site<'s>) -> Result<Helper<'s>, String> {
    let Some(arg) = resolve(s)?.single_arg else {
        return Err(format!(
            "{} is not called with exactly one item argument",
            cx.f.callee
        ));
    };
    let c = cx.src.get(Role::Helper, &t.hop.path)?;
    let h = helper_fn(cx.f, t.hop, c)?;
    let item = per_item(&h)?;
    let req = request(t.ba, &h)?;
    Ok(Helper { arg, h, item, req })
}

/// Step 4: a top-level limit constant of the batch API's module, imported next to its class
/// when the helper imports that, else copied; or the option.
fn batch_limit(cx: &Cx, t: &BatchTarget, h: &Helper) -> Limit {
    let (ba, hop) = (t.ba, t.hop);
    let (ctext, croot) = (h.h.c.text.as_str(), h.h.c.root());
    let batch_text = cx.src.raw(&ba.path).unwrap_or_default();
    let mut notes = Vec::new();
    let mut edits = Vec::new();
    let class = ba.name.rsplit_once('.').map(|(c, _)| c.to_string());
    let (expr, value) = match limit_constant(&batch_text) {
        Some((name, v)) if hop.path == ba.path => (name, v),
        Some((name, v)) => {
            let imported = class
                .as_deref()
                .and_then(|c| extend_from_import(ctext, croot, c, &name));
            match imported {
                Some(e) => {
                    if !e.new_text.is_empty() {
                        edits.push(e);
                    }
                    (name, v)
                }
                None => copied_limit(v, &name, &ba.path, "", &mut notes),
            }
        }
        None => assumed_limit(cx.opts, &ba.path, &mut notes),
    };
    Limit {
        expr,
        value,
        notes,
        edits,
    }
}

/// The companion's context, for `batch_companion.py.j2`.
#[derive(Serialize)]
struct CompanionCtx {
    asy: &'static str,
    aw: &'static str,
    bname: String,
    fname: String,
    self_arg: String,
    self_prefix: String,
    p: String,
    plural: String,
    ptype: String,
    rtype: String,
    rlist: String,
    q: char,
    limit: String,
    batch_method: String,
    single_method: String,
    batch_callee: String,
    per_item: String,
    logger: String,
    r: String,
    post: Vec<String>,
    ret_expr: String,
    metrics: bool,
}

/// The helper file's logger: its top-level `logging.getLogger` name, else a new one (with
/// the edits adding it).
fn helper_logger(ctext: &str, cnl: &str, edits: &mut Vec<Edit>) -> String {
    if let Some(l) = top_level_logger(ctext) {
        return l;
    }
    let l = fresh_name(ctext, "logger");
    if let Some(e) = add_import(ctext, "logging") {
        edits.push(e);
    }
    let at = insert_after_last(
        ctext,
        &|l: &str| l.starts_with("import ") || l.starts_with("from "),
        0,
    );
    edits.push(Edit {
        range: at..at,
        new_text: format!("{cnl}{l} = logging.getLogger(__name__){cnl}"),
    });
    l
}

/// Whether the companion reports to the project's `metrics` module: the helper imports it,
/// or the loop's file does and a `metrics.py` with `def timing(` sits at the root the
/// helper's module path starts from.
fn uses_metrics(cx: &Cx, hop: &ChainHop, ctext: &str) -> Result<bool, String> {
    if has_top_import(ctext, "metrics") {
        return Ok(true);
    }
    let lf = cx.loop_file()?;
    let callee_last = cx.f.callee.rsplit('.').next().unwrap_or(&cx.f.callee);
    let fmodule = from_module_of(&lf.text, lf.root(), callee_last);
    let root_dir = fmodule.as_ref().and_then(|m| {
        let rel = format!("{}.py", m.replace('.', "/"));
        hop.path.strip_suffix(&rel).map(str::to_string)
    });
    Ok(has_top_import(&lf.text, "metrics")
        && root_dir
            .and_then(|d| cx.src.raw(&format!("{d}metrics.py")))
            .is_some_and(|m| m.contains("def timing(")))
}

/// The helper file's edits before the companion: the logger, `import metrics`, `import time`.
fn helper_prelude(
    cx: &Cx,
    t: &BatchTarget,
    h: &Helper,
) -> Result<(Vec<Edit>, String, bool), String> {
    let ctext = h.h.c.text.as_str();
    let cnl = newline(ctext);
    let mut edits = Vec::new();
    let logger = helper_logger(ctext, cnl, &mut edits);
    let metrics = uses_metrics(cx, t.hop, ctext)?;
    if metrics && !has_top_import(ctext, "metrics") {
        // After the module's own imports, as a first-party import.
        let at = insert_after_last(
            ctext,
            &|l: &str| l.starts_with("import ") || l.starts_with("from "),
            0,
        );
        edits.push(Edit {
            range: at..at,
            new_text: format!("import metrics{cnl}"),
        });
    }
    if let Some(e) = add_import(ctext, "time") {
        edits.push(e);
    }
    Ok((edits, logger, metrics))
}

fn companion(
    t: &BatchTarget,
    h: &Helper,
    limit: &Limit,
    logger: String,
    metrics: bool,
) -> Result<CompanionCtx, String> {
    let (hf, item, req) = (&h.h, &h.item, &h.req);
    let ctext = hf.c.text.as_str();
    let (fname, p) = (&hf.fname, &hf.p);
    let bname = format!("{fname}_batch");
    if text_of(ctext, hf.fdef).contains(&format!("def {bname}("))
        || ctext.contains(&format!("def {bname}("))
    {
        return Err(format!("{bname} already exists in {}", t.hop.path));
    }
    let future = ctext.contains("from __future__ import annotations");
    let (ptype, rtype, rlist) = match (&hf.p_type, &hf.ret_type, future) {
        (Some(t), Some(rt), true) => (
            format!(": list[{t}]"),
            format!(" -> list[{rt}]"),
            format!(": list[{rt}]"),
        ),
        (Some(t), None, true) => (format!(": list[{t}]"), String::new(), String::new()),
        _ => (String::new(), String::new(), String::new()),
    };
    let selfp = hf.self_param.as_ref();
    Ok(CompanionCtx {
        asy: if hf.is_async { "async " } else { "" },
        aw: if hf.is_async { "await " } else { "" },
        bname,
        fname: fname.clone(),
        self_arg: selfp.map(|s| format!("{s}, ")).unwrap_or_default(),
        self_prefix: selfp.map(|s| format!("{s}.")).unwrap_or_default(),
        p: p.clone(),
        plural: if p.ends_with('s') {
            format!("{p}_list")
        } else {
            format!("{p}s")
        },
        ptype,
        rtype,
        rlist,
        q: quote_char(ctext),
        limit: limit.expr.clone(),
        batch_method: req.batch_method.clone(),
        single_method: req.single_method.clone(),
        batch_callee: req.batch_callee.clone(),
        per_item: req.per_item.clone(),
        logger,
        r: item.r.clone(),
        post: verbatim(&item.post),
        ret_expr: item.ret_expr.clone(),
        metrics,
    })
}

/// The loop site's context, for `batch_site.py.j2`.
#[derive(Serialize)]
struct SiteCtx {
    bind: Option<String>,
    keep: bool,
    many: String,
    laws: &'static str,
    bcallee: String,
    items_arg: String,
    #[serde(skip)]
    one: String,
    #[serde(skip)]
    iter: String,
}

fn site_plan(cx: &Cx, l: &Loop, h: &Helper, bname: &str) -> Result<SiteCtx, String> {
    let (one, many) = l.names();
    let (iter, bind) = l.iterable();
    let bcallee = match cx.f.callee.rsplit_once('.') {
        Some((recv, _)) => format!("{recv}.{bname}"),
        None => bname.to_string(),
    };
    let items_arg = if l.simple_var.as_deref() == Some(h.arg.as_str()) {
        iter.clone()
    } else {
        format!("[{} for {} in {iter}]", h.arg, l.left_text)
    };
    if h.h.is_async && !l.awaited {
        return Err(format!(
            "{} is async but the loop does not await it",
            h.h.fname
        ));
    }
    Ok(SiteCtx {
        bind,
        keep: l.discard.is_none(),
        many,
        laws: if l.awaited { "await " } else { "" },
        bcallee,
        items_arg,
        one,
        iter,
    })
}

struct BatchPlan<'s> {
    t: BatchTarget<'s>,
    l: Loop,
    h: Helper<'s>,
    limit: Limit,
    prelude: Vec<Edit>,
    companion: CompanionCtx,
    site: SiteCtx,
}

/// Step 5 of the batch rewrite.
fn batch_plan<'s>(
    cx: &Cx<'s>,
    t: BatchTarget<'s>,
    s: Site<'s>,
    h: Helper<'s>,
    limit: Limit,
) -> Result<BatchPlan<'s>, String> {
    let (prelude, logger, metrics) = helper_prelude(cx, &t, &h)?;
    let companion = companion(&t, &h, &limit, logger, metrics)?;
    let l = resolve(&s)?;
    let site = site_plan(cx, &l, &h, &companion.bname)?;
    Ok(BatchPlan {
        t,
        l,
        h,
        limit,
        prelude,
        companion,
        site,
    })
}

/// The loop file's import of the helper: swapped for the companion when the loop was its only
/// user, else extended with it (or a note when there is no `from ... import`).
fn import_edit(cx: &Cx, p: &BatchPlan, notes: &mut Vec<String>) -> Result<Option<Edit>, String> {
    let f = cx.f;
    if p.t.hop.path == f.path || f.callee.contains('.') {
        return Ok(None);
    }
    let lf = cx.loop_file()?;
    let callee_last = f.callee.rsplit('.').next().unwrap_or(&f.callee);
    let bname = &p.companion.bname;
    let only_use = word_count(&lf.text, callee_last, &[]) == 2;
    Ok(
        match extend_from_import(&lf.text, lf.root(), callee_last, bname) {
            Some(mut e) if only_use && !e.new_text.is_empty() => {
                e.range = (e.range.start - callee_last.len())..e.range.end;
                e.new_text = bname.clone();
                Some(e)
            }
            Some(e) if !e.new_text.is_empty() => Some(e),
            Some(_) => None,
            None => {
                notes.push(format!(
                    "Import {bname} next to {} (no `from ... import {}` found).",
                    p.h.h.fname, p.h.h.fname
                ));
                None
            }
        },
    )
}

/// Step 6 of the batch rewrite: the helper file's prelude and the companion after the
/// helper (methods' companions at the method's indentation), then the loop site.
fn batch_render(cx: &Cx, p: &BatchPlan) -> Result<Rendered, String> {
    let hf = &p.h.h;
    let ctext = hf.c.text.as_str();
    let cnl = newline(ctext);
    let mut cedits = p.limit.edits.clone();
    cedits.extend(p.prelude.iter().cloned());
    let fstart = hf
        .fdef
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(hf.fdef);
    let fbase = leading_ws(ctext, line_start(ctext, fstart.start_byte()));
    let at = line_end_incl(ctext, hf.fdef.end_byte().saturating_sub(1));
    let mut rendered = code(
        "batch_companion.py.j2",
        COMPANION,
        &p.companion,
        &fbase,
        &indent_unit(ctext, 4),
        cnl,
    )?;
    if !fbase.is_empty() {
        // A method: one blank line before it, not PEP 8's two of module level.
        rendered = rendered.replacen(&format!("{cnl}{cnl}"), cnl, 1);
    }
    cedits.push(Edit {
        range: at..at,
        new_text: rendered,
    });
    let c = &p.companion;
    let mut notes = p.limit.notes.clone();
    notes.push(format!(
        "Guessed: {} takes a list of {} (one per {}, the arguments {} \
         takes) and returns one result per {} in request order; a length mismatch falls back to \
         per-item calls.",
        c.batch_method, c.per_item, c.p, c.single_method, c.p
    ));
    notes.push(
        "Every item is checked before the loop body runs, so an early exit in the body no longer \
         saves the remaining checks."
            .to_string(),
    );
    let l = &p.l;
    let pre = code(
        "batch_site.py.j2",
        BATCH_SITE,
        &p.site,
        &l.base_indent,
        &l.unit,
        l.nl,
    )?;
    let mut ledits = l.loop_edits(pre, &p.site.many, &p.site.one, &p.site.iter);
    ledits.extend(import_edit(cx, p, &mut notes)?);
    Ok(Rendered {
        files: pipeline::loop_and_companion(&cx.f.path, ledits, &p.t.hop.path, cedits),
        notes,
    })
}

/// The Python hooks of the rewrite pipeline.
struct Python;

impl RewriteHooks for Python {
    type BatchTarget<'s> = BatchTarget<'s>;
    type Site<'s> = Site<'s>;
    type Helper<'s> = Helper<'s>;
    type BatchPlan<'s> = BatchPlan<'s>;
    type ConcurrentPlan<'s> = (Loop, ConcurrentCtx);

    fn lang(_path: &str) -> Result<Lang, String> {
        Ok(Lang::Python)
    }

    fn batch_target<'s>(cx: &Cx<'s>) -> Result<BatchTarget<'s>, String> {
        batch_target(cx.f)
    }

    fn site<'s>(cx: &Cx<'s>) -> Result<Site<'s>, String> {
        locate(cx.f, cx.loop_file()?)
    }

    fn guards<'s>(_: &Cx<'s>, s: &Site<'s>) -> Result<(), String> {
        py_guards(s)
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
        let l = resolve(&s)?;
        let c = concurrent_plan(cx, &l)?;
        Ok((l, c))
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

    /// `import asyncio` / `import concurrent.futures`. The batch rewrite's imports (logging,
    /// time, metrics) go in `render`, before the companion, in the helper's file.
    fn concurrent_imports(p: &Self::ConcurrentPlan<'_>, out: &mut Rendered) -> Result<(), String> {
        let (l, c) = p;
        if let Some(f) = out.files.first_mut() {
            let module = if c.awaited {
                "asyncio"
            } else {
                "concurrent.futures"
            };
            f.edits.extend(add_import(&l.text, module));
        }
        Ok(())
    }
}

pub(crate) fn batch(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<Python>(Kind::Batch, f, files, opts)
}

pub(crate) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<Python>(Kind::Concurrent, f, files, opts)
}
