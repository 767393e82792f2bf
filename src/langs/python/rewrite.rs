//! Python rewrites: `asyncio.gather` with a semaphore / `ThreadPoolExecutor.map`, and a batched
//! companion of the helper that makes the single remote call.

use crate::code::{BatchAlternative, ChainHop, Finding, Lang};
use crate::guidance::rewrite::*;
use std::ops::Range;
use tree_sitter::Node;

const IDENT: &[&str] = &["identifier"];

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
struct Site {
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

fn site(f: &Finding, text: &str) -> Result<Site, String> {
    let parsed = parse(Lang::Python, text)?;
    let root = parsed
        .tree()
        .map(|t| t.root_node())
        .ok_or("could not parse the file")?;
    let call =
        node_of_kind(root, &f.span, &["call"]).ok_or("the finding does not point at a call")?;
    let value = match call.parent() {
        Some(p) if p.kind() == "await" => p,
        _ => call,
    };
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
    let (left, right, body, is_comp) = match lnode.kind() {
        "for_statement" => {
            if text_of(text, lnode).starts_with("async") {
                return Err("`async for` loops are not rewritten".into());
            }
            (
                lnode.child_by_field_name("left"),
                lnode.child_by_field_name("right"),
                lnode.child_by_field_name("body"),
                false,
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
                true,
            )
        }
    };
    let (Some(left), Some(right), Some(body)) = (left, right, body) else {
        return Err("the loop header is incomplete".into());
    };
    if !is_ancestor(body, value) {
        return Err("the call is not in the loop body".into());
    }
    check_guards_py(text, value, call, body)?;

    // The statement the precomputation goes before.
    let stmt = if is_comp {
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
        n
    } else {
        lnode
    };
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
        if statement_count(body) == 1 {
            discard = Some(whole_lines(text, lnode));
            discard_whole_loop = true;
        } else {
            discard = Some(own_lines(text, st)?);
        }
    }
    let args = call.child_by_field_name("arguments");
    let single_arg = args.and_then(|a| {
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
    });
    let left_text = text_of(text, left).to_string();
    Ok(Site {
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
        call_text: text_of(text, call).to_string(),
        awaited: value.kind() == "await",
        discard,
        discard_whole_loop,
        scope,
        single_arg,
    })
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

impl Site {
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
    fn loop_edits(&self, pre: &Block, results: &str, one: &str, iter: &str) -> Vec<Edit> {
        let pre_text = pre.render(&self.base_indent, &self.unit, self.nl);
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

pub(crate) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    let text = read(files, &f.path)?;
    let s = site(f, &text)?;
    let n = opts.concurrency;
    let q = s.q();
    let (one, many) = s.names();
    let (iter, bind) = s.iterable();
    let keep = s.discard.is_none();
    let mut pre = Block::default();
    if let Some(b) = &bind {
        pre.line(0, b.clone());
    }
    let mut edits = Vec::new();
    let mut notes = vec![
        "Every item's call now starts before the loop body runs, so an early exit in the body \
         (raise/return) no longer saves the remaining calls."
            .to_string(),
    ];
    let module;
    if s.awaited {
        module = "asyncio";
        let sem = fresh_name(&s.scope, "semaphore");
        let bounded = fresh_name(&s.scope, "bounded");
        pre.line(0, format!("{sem} = asyncio.Semaphore({n})"))
            .blank()
            .line(0, format!("async def {bounded}(call):"))
            .line(1, format!("async with {sem}:"))
            .line(2, "return await call")
            .blank()
            .line(
                0,
                format!("# At most {n} calls at a time; results keep input order; the first"),
            )
            .line(
                0,
                "# error propagates (calls already started still finish).",
            );
        let gather = format!(
            "await asyncio.gather(*({bounded}({}) for {} in {iter}))",
            s.call_text, s.left_text
        );
        if keep {
            pre.line(0, format!("{many} = {gather}"));
        } else {
            pre.line(0, gather);
        }
        notes.push(format!(
            "asyncio.gather runs the calls as tasks, at most {n} at once ({q}asyncio.Semaphore{q})."
        ));
    } else {
        module = "concurrent.futures";
        let Some(var) = &s.simple_var else {
            return Err(
                "the loop variable is a pattern; the thread-pool rewrite needs a name".into(),
            );
        };
        let ex = fresh_name(&s.scope, "executor");
        pre.line(
            0,
            format!(
                "# At most {n} calls at a time; results keep input order; the first error \
                 propagates."
            ),
        )
        .line(
            0,
            format!("with concurrent.futures.ThreadPoolExecutor(max_workers={n}) as {ex}:"),
        );
        let map = format!("list({ex}.map(lambda {var}: {}, {iter}))", s.call_text);
        if keep {
            pre.line(1, format!("{many} = {map}"));
        } else {
            pre.line(1, map);
        }
        notes.push(
            "The calls run on worker threads: the client they use must be thread-safe.".to_string(),
        );
    }
    edits.extend(s.loop_edits(&pre, &many, &one, &iter));
    if let Some(e) = add_import(&text, module) {
        edits.push(e);
    }
    Ok(Rewrite {
        title: concurrent_title(n),
        files: vec![FileEdits {
            path: f.path.clone(),
            edits,
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

pub(crate) fn batch(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
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
    let text = read(files, &f.path)?;
    let s = site(f, &text)?;
    let Some(arg) = s.single_arg.clone() else {
        return Err(format!(
            "{} is not called with exactly one item argument",
            f.callee
        ));
    };

    // The helper that makes the single call.
    let ctext = read(files, &hop.path)?;
    let cparsed = parse(Lang::Python, &ctext)?;
    let croot = cparsed
        .tree()
        .map(|t| t.root_node())
        .ok_or("could not parse the helper's file")?;
    let scall =
        node_of_kind(croot, &hop.span, &["call"]).ok_or("the helper's call is not a call")?;
    let svalue = match scall.parent() {
        Some(p) if p.kind() == "await" => p,
        _ => scall,
    };
    let fdef = ancestor_of_kind(scall, &["function_definition"])
        .ok_or("the helper's call is not in a function")?;
    let fname = fdef
        .child_by_field_name("name")
        .map(|n| text_of(&ctext, n).to_string())
        .unwrap_or_default();
    let callee_last = f.callee.rsplit('.').next().unwrap_or(&f.callee);
    if fname != callee_last {
        return Err(format!(
            "{} does not resolve to the helper {fname}",
            f.callee
        ));
    }
    let is_async = text_of(&ctext, fdef).starts_with("async");
    let params = fdef
        .child_by_field_name("parameters")
        .ok_or("the helper has no parameter list")?;
    let mut pc = params.walk();
    let plist: Vec<Node> = params.named_children(&mut pc).collect();
    let pname = |n: Node| -> String {
        match n.kind() {
            "identifier" => text_of(&ctext, n).to_string(),
            _ => n
                .child_by_field_name("name")
                .or_else(|| n.named_child(0))
                .map(|x| text_of(&ctext, x).to_string())
                .unwrap_or_default(),
        }
    };
    let mut names: Vec<(String, Option<String>)> = plist
        .iter()
        .map(|p| {
            (
                pname(*p),
                p.child_by_field_name("type")
                    .map(|t| text_of(&ctext, t).to_string()),
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
    let (p, p_type) = (p.clone(), p_type.clone());
    let ret_type = fdef
        .child_by_field_name("return_type")
        .map(|t| text_of(&ctext, t).to_string());

    // Its body: `R = await single(...)`, post-processing, `return E` -- or `return E(single)`.
    let fbody = fdef
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
    let cscope = text_of(&ctext, fdef).to_string();
    let r_default = fresh_name(&cscope, "result");
    let (r, post_lines, ret_expr) = match first.kind() {
        "expression_statement" => {
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
            if l.kind() != "identifier" || rv.id() != svalue.id() {
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
                (Some(a), Some(b)) => dedent_lines(&ctext, a.start_byte()..b.end_byte()),
                _ => Vec::new(),
            };
            let e = last
                .named_child(0)
                .map(|e| text_of(&ctext, e).to_string())
                .unwrap_or_else(|| "None".into());
            (text_of(&ctext, l).to_string(), post, e)
        }
        "return_statement" if stmts.len() == 1 => {
            let e = first.named_child(0).ok_or("bare return")?;
            let rel = (svalue.start_byte() - e.start_byte())..(svalue.end_byte() - e.start_byte());
            let et = text_of(&ctext, e);
            let expr = format!(
                "{}{}{}",
                et.get(..rel.start).unwrap_or(""),
                r_default,
                et.get(rel.end..).unwrap_or("")
            );
            (r_default.clone(), Vec::new(), expr)
        }
        _ => {
            return Err(format!(
                "{fname}'s remote call has a shape the batch rewrite does not know"
            ));
        }
    };

    // The single call's receiver and arguments.
    let sfunc = scall
        .child_by_field_name("function")
        .map(|n| text_of(&ctext, n).to_string())
        .unwrap_or_default();
    let batch_method = ba.name.rsplit('.').next().unwrap_or(&ba.name).to_string();
    let single_method = sfunc.rsplit('.').next().unwrap_or(&sfunc).to_string();
    let batch_callee = match sfunc.rsplit_once('.') {
        Some((recv, _)) => format!("{recv}.{batch_method}"),
        None => batch_method.clone(),
    };
    let sargs = scall
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
                    .map(|v| text_of(&ctext, v).to_string())
                    .unwrap_or_default(),
            ),
            "list_splat" | "dictionary_splat" => {
                return Err(format!("{sfunc} is called with *args/**kwargs"));
            }
            _ => arg_texts.push(text_of(&ctext, *a).to_string()),
        }
    }
    let per_item = match arg_texts.as_slice() {
        [one] => one.clone(),
        many => format!("({})", many.join(", ")),
    };

    // The limit, the logger, the metrics object.
    let batch_text = files(&ba.path).unwrap_or_default();
    let mut cedits: Vec<Edit> = Vec::new();
    let mut notes = Vec::new();
    let class = ba.name.rsplit_once('.').map(|(c, _)| c.to_string());
    let (limit_expr, limit_n) = match limit_constant(&batch_text) {
        Some((name, v)) if hop.path == ba.path => (name, v),
        Some((name, v)) => {
            let imported = class
                .as_deref()
                .and_then(|c| extend_from_import(&ctext, croot, c, &name));
            match imported {
                Some(e) => {
                    if !e.new_text.is_empty() {
                        cedits.push(e);
                    }
                    (name, v)
                }
                None => copied_limit(v, &name, &ba.path, "", &mut notes),
            }
        }
        None => assumed_limit(opts, &ba.path, &mut notes),
    };
    let cnl = newline(&ctext);
    let logger = match top_level_logger(&ctext) {
        Some(l) => l,
        None => {
            let l = fresh_name(&ctext, "logger");
            if let Some(e) = add_import(&ctext, "logging") {
                cedits.push(e);
            }
            let at = insert_after_last(
                &ctext,
                &|l: &str| l.starts_with("import ") || l.starts_with("from "),
                0,
            );
            cedits.push(Edit {
                range: at..at,
                new_text: format!("{cnl}{l} = logging.getLogger(__name__){cnl}"),
            });
            l
        }
    };
    let loop_root = parse(Lang::Python, &text)?;
    let loop_root_node = loop_root.tree().map(|t| t.root_node()).ok_or("parse")?;
    let fmodule = from_module_of(&text, loop_root_node, callee_last);
    let metrics_ok = has_top_import(&ctext, "metrics") || {
        let root_dir = fmodule.as_ref().and_then(|m| {
            let rel = format!("{}.py", m.replace('.', "/"));
            hop.path.strip_suffix(&rel).map(str::to_string)
        });
        has_top_import(&text, "metrics")
            && root_dir
                .and_then(|d| files(&format!("{d}metrics.py")))
                .is_some_and(|m| m.contains("def timing("))
    };
    if metrics_ok && !has_top_import(&ctext, "metrics") {
        // After the module's own imports, as a first-party import.
        let at = insert_after_last(
            &ctext,
            &|l: &str| l.starts_with("import ") || l.starts_with("from "),
            0,
        );
        cedits.push(Edit {
            range: at..at,
            new_text: format!("import metrics{cnl}"),
        });
    }
    if let Some(e) = add_import(&ctext, "time") {
        cedits.push(e);
    }

    // The companion.
    let bname = format!("{fname}_batch");
    if cscope.contains(&format!("def {bname}(")) || ctext.contains(&format!("def {bname}(")) {
        return Err(format!("{bname} already exists in {}", hop.path));
    }
    let plural = if p.ends_with('s') {
        format!("{p}_list")
    } else {
        format!("{p}s")
    };
    let future = ctext.contains("from __future__ import annotations");
    let q = quote_char(&ctext);
    let aw = if is_async { "await " } else { "" };
    let asy = if is_async { "async " } else { "" };
    let self_prefix = self_param
        .as_ref()
        .map(|s| format!("{s}."))
        .unwrap_or_default();
    let self_arg = self_param
        .as_ref()
        .map(|s| format!("{s}, "))
        .unwrap_or_default();
    let (ptype, rtype, rlist) = match (&p_type, &ret_type, future) {
        (Some(t), Some(rt), true) => (
            format!(": list[{t}]"),
            format!(" -> list[{rt}]"),
            format!(": list[{rt}]"),
        ),
        (Some(t), None, true) => (format!(": list[{t}]"), String::new(), String::new()),
        _ => (String::new(), String::new(), String::new()),
    };
    let unit = indent_unit(&ctext, 4);
    let mut b = Block::default();
    b.blank()
        .blank()
        .line(0, format!("{asy}def {bname}({self_arg}{plural}{ptype}){rtype}:"))
        .line(1, format!("{q}{q}{q}{fname} for many {p}s: one {batch_method} request per chunk of at most {limit_expr}."))
        .blank()
        .line(1, format!("A chunk whose batch request fails falls back to one {fname} call per {p}, in order."))
        .line(1, format!("{q}{q}{q}"))
        .line(1, "started = time.perf_counter()")
        .line(1, format!("results{rlist} = []"))
        .line(1, "fallback_chunks = 0")
        .line(1, format!("for start in range(0, len({plural}), {limit_expr}):"))
        .line(2, format!("chunk = {plural}[start : start + {limit_expr}]"))
        .line(2, "try:")
        .line(3, format!("# Guessed batch shape: {batch_method} takes one {per_item} per {p} (the"))
        .line(3, format!("# arguments of {single_method}) and returns one result per {p}, in request order."))
        .line(3, format!("# debuglens: ignore[loop-remote-call] -- one request per chunk of {limit_expr}"))
        .line(3, format!("batch_results = {aw}{batch_callee}([{per_item} for {p} in chunk])"))
        .line(3, "if len(batch_results) != len(chunk):")
        .line(4, format!("raise ValueError(f{q}{batch_method} returned {{len(batch_results)}} results for {{len(chunk)}} {p}s{q})"))
        .line(2, "except Exception:")
        .line(3, "fallback_chunks += 1")
        .line(3, format!("{logger}.warning("))
        .line(4, format!("{q}{batch_method} failed for %d {p}s; falling back to per-{p} {single_method} calls{q},"))
        .line(4, "len(chunk),")
        .line(4, "exc_info=True,")
        .line(3, ")")
        .line(3, format!("for {p} in chunk:"))
        .line(4, format!("# debuglens: ignore[loop-remote-call] -- fallback, runs only when {batch_method} fails"))
        .line(4, format!("results.append({aw}{self_prefix}{fname}({p}))"))
        .line(3, "continue")
        .line(2, format!("for {p}, {r} in zip(chunk, batch_results):"))
        .raw(3, &post_lines)
        .line(3, format!("results.append({ret_expr})"))
        .line(1, "elapsed_ms = (time.perf_counter() - started) * 1000")
        .line(1, format!("path = {q}batch{q} if fallback_chunks == 0 else {q}sequential{q}"))
        .line(1, format!("{logger}.info("))
        .line(2, format!("{q}{bname}: %d {p}s via %s path (%d chunk(s) fell back) in %.1f ms{q},"))
        .line(2, format!("len({plural}),"))
        .line(2, "path,")
        .line(2, "fallback_chunks,")
        .line(2, "elapsed_ms,")
        .line(1, ")");
    if metrics_ok {
        b.line(1, format!("metrics.timing({q}{bname}{q}, elapsed_ms)"));
    }
    b.line(1, "return results");
    // Method companions go right after the method, at its indentation.
    let fstart = fdef
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(fdef);
    let fbase = leading_ws(&ctext, line_start(&ctext, fstart.start_byte()));
    let at = line_end_incl(&ctext, fdef.end_byte().saturating_sub(1));
    let mut rendered = b.render(&fbase, &unit, cnl);
    if fbase.is_empty() {
        // Module level: PEP 8's two blank lines already come first; drop the one we would
        // leave at the end of a file.
    } else {
        rendered = rendered.replacen(&format!("{cnl}{cnl}"), cnl, 1);
    }
    cedits.push(Edit {
        range: at..at,
        new_text: rendered,
    });
    notes.push(format!(
        "Guessed: {batch_method} takes a list of {per_item} (one per {p}, the arguments {single_method} \
         takes) and returns one result per {p} in request order; a length mismatch falls back to \
         per-item calls."
    ));
    notes.push(
        "Every item is checked before the loop body runs, so an early exit in the body no longer \
         saves the remaining checks."
            .to_string(),
    );

    // The loop site.
    let (one, many) = s.names();
    let (iter, bind) = s.iterable();
    let bcallee = match f.callee.rsplit_once('.') {
        Some((recv, _)) => format!("{recv}.{bname}"),
        None => bname.clone(),
    };
    let items_arg = if s.simple_var.as_deref() == Some(arg.as_str()) {
        iter.clone()
    } else {
        format!("[{arg} for {} in {iter}]", s.left_text)
    };
    let laws = if s.awaited { "await " } else { "" };
    if is_async && !s.awaited {
        return Err(format!("{fname} is async but the loop does not await it"));
    }
    let mut pre = Block::default();
    if let Some(bd) = bind {
        pre.line(0, bd);
    }
    if s.discard.is_some() {
        pre.line(0, format!("{laws}{bcallee}({items_arg})"));
    } else {
        pre.line(0, format!("{many} = {laws}{bcallee}({items_arg})"));
    }
    let mut ledits = s.loop_edits(&pre, &many, &one, &iter);
    if hop.path != f.path && !f.callee.contains('.') {
        // The loop was the helper's only user in this file: import the companion instead.
        let only_use = word_count(&text, callee_last, &[]) == 2;
        match extend_from_import(&text, loop_root_node, callee_last, &bname) {
            Some(mut e) if only_use && !e.new_text.is_empty() => {
                e.range = (e.range.start - callee_last.len())..e.range.end;
                e.new_text = bname.clone();
                ledits.push(e)
            }
            Some(e) if !e.new_text.is_empty() => ledits.push(e),
            Some(_) => {}
            None => notes.push(format!(
                "Import {bname} next to {fname} (no `from ... import {fname}` found)."
            )),
        }
    }
    Ok(batch_result(
        &f.path, ledits, &hop.path, cedits, &ba.name, limit_n, notes,
    ))
}
