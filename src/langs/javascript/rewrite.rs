//! JavaScript/TypeScript: `Promise.all` over chunks of at most N items (no new dependency), and
//! a batched companion of the helper function that makes the single remote call. Both run
//! through the shared pipeline ([`pipeline::run`]); the generated code's text is in
//! `templates/rewrite/*.js.j2`.

use crate::code::{BatchAlternative, ChainHop, Finding, Lang};
use crate::guidance::rewrite::pipeline::{
    self, Cx, Kind, Limit, Rendered, RewriteHooks, Role, Source, code, verbatim,
};
use crate::guidance::rewrite::*;
use serde::Serialize;
use tree_sitter::Node;

const IDENT: &[&str] = &["identifier", "shorthand_property_identifier"];

const CONCURRENT: &str = include_str!("templates/rewrite/concurrent.js.j2");
const COMPANION: &str = include_str!("templates/rewrite/batch_companion.js.j2");
const BATCH_SITE: &str = include_str!("templates/rewrite/batch_site.js.j2");

/// The `for...of` loop, the awaited call inside it and what the rewrites need about them.
struct Site<'t> {
    text: &'t str,
    lnode: Node<'t>,
    left: Node<'t>,
    right: Node<'t>,
    body: Node<'t>,
    call: Node<'t>,
    value: Node<'t>,
    scope: &'t str,
    semi: &'static str,
}

/// Step 1: the `for (const x of xs)` loop and the awaited call.
fn locate<'t>(f: &Finding, src: &'t Source) -> Result<Site<'t>, String> {
    let (text, root) = (src.text.as_str(), src.root());
    let call = node_of_kind(root, &f.span, &["call_expression"])
        .ok_or("the finding does not point at a call")?;
    let value = match call.parent() {
        Some(p) if p.kind() == "await_expression" => p,
        _ => return Err("the call is not awaited; only awaited calls are run concurrently".into()),
    };
    let lp = f.loops.first().ok_or("the finding has no loop")?;
    let lnode = node_of_kind(
        root,
        &lp.span,
        &[
            "for_in_statement",
            "for_statement",
            "while_statement",
            "do_statement",
            "call_expression",
        ],
    )
    .ok_or("the loop is not a for...of loop")?;
    if lnode.kind() != "for_in_statement" {
        return Err(format!(
            "only `for (const x of xs)` loops are rewritten, not {}",
            lnode.kind().replace('_', " ")
        ));
    }
    let is_of = lnode
        .child_by_field_name("operator")
        .is_some_and(|o| text_of(text, o) == "of");
    if !is_of || text_of(text, lnode).starts_with("for await") {
        return Err("only `for...of` loops (not for...in / for await) are rewritten".into());
    }
    let (Some(left), Some(right), Some(body), Some(_decl)) = (
        lnode.child_by_field_name("left"),
        lnode.child_by_field_name("right"),
        lnode.child_by_field_name("body"),
        lnode.child_by_field_name("kind"),
    ) else {
        return Err("the loop does not declare its variable (`const x of xs`)".into());
    };
    if !is_ancestor(body, value) {
        return Err("the call is not in the loop body".into());
    }
    let scope_node = ancestor_of_kind(
        lnode,
        &[
            "function_declaration",
            "arrow_function",
            "function_expression",
            "function",
            "method_definition",
        ],
    );
    let semi = if text.lines().filter(|l| l.trim_end().ends_with(';')).count() > 0 {
        ";"
    } else {
        ""
    };
    Ok(Site {
        text,
        lnode,
        left,
        right,
        body,
        call,
        value,
        scope: scope_node.map(|n| text_of(text, n)).unwrap_or(text),
        semi,
    })
}

/// Names a statement assigns (declarations, assignments, `++`).
fn statement_assigns(text: &str, n: Node, out: &mut Vec<String>) {
    let target = match n.kind() {
        "variable_declarator" => n.child_by_field_name("name"),
        "assignment_expression" | "augmented_assignment_expression" => {
            n.child_by_field_name("left")
        }
        "update_expression" => n.child_by_field_name("argument"),
        _ => None,
    };
    if let Some(t) = target {
        identifiers(text, t, IDENT, out);
    }
}

/// Step 2: the shared statement-level checks with JavaScript's node kinds; the loop must
/// start its own line.
fn js_guards(s: &Site) -> Result<(), String> {
    let text = s.text;
    let assigned = |n: Node, out: &mut Vec<String>| statement_assigns(text, n, out);
    let g = Guards {
        conditional: &[
            "if_statement",
            "else_clause",
            "ternary_expression",
            "binary_expression",
            "switch_statement",
        ],
        loops: &[
            "for_in_statement",
            "for_statement",
            "while_statement",
            "do_statement",
        ],
        functions: &[
            "arrow_function",
            "function_expression",
            "function_declaration",
            "function",
            "method_definition",
        ],
        exits: &[
            "continue_statement",
            "break_statement",
            "return_statement",
            "throw_statement",
        ],
        tries: &["try_statement"],
        assigned: &assigned,
        ident_kinds: IDENT,
    };
    check_guards(text, s.value, s.call, s.body, &g)?;
    let ls = line_start(text, s.lnode.start_byte());
    if !text
        .get(ls..s.lnode.start_byte())
        .unwrap_or("x")
        .trim()
        .is_empty()
    {
        return Err("the loop does not start its own line".into());
    }
    Ok(())
}

/// The loop site's names, shared by both rewrites: the results array, the index, the array
/// walked (a copy `Array.from(xs)` when `xs` is not a plain name).
#[derive(Serialize)]
struct LoopNames {
    many: String,
    index: String,
    iter: String,
    /// `xs` when the loop walks a copy `iter = Array.from(xs)`.
    copied: Option<String>,
    left: String,
    semi: &'static str,
    keep: bool,
}

fn loop_names(s: &Site) -> LoopNames {
    let left_text = text_of(s.text, s.left);
    let right_text = text_of(s.text, s.right);
    let var = (s.left.kind() == "identifier").then_some(left_text);
    let (_, many) = result_names(var, true);
    let many = fresh_name(s.scope, &many);
    let index = fresh_name(s.scope, &format!("{}Index", var.unwrap_or("item")));
    let (iter, copied) = if is_simple_path(right_text) {
        (right_text.to_string(), None)
    } else {
        let name = fresh_name(s.scope, &format!("{}List", var.unwrap_or("item")));
        (name, Some(right_text.to_string()))
    };
    LoopNames {
        many,
        index,
        iter,
        copied,
        left: left_text.to_string(),
        semi: s.semi,
        keep: discarded_statement(s.value, "expression_statement").is_none(),
    }
}

/// The loop site's edits around `pre` (the generated lines before the loop): the loop becomes
/// `for (const [i, x] of xs.entries())` and the call reads `results[i]`, or, when the call's
/// value is dropped, the call's statement (or the whole loop) goes.
fn loop_edits(s: &Site, ln: &LoopNames, pre: String) -> Result<Vec<Edit>, String> {
    let text = s.text;
    if let Some(st) = discarded_statement(s.value, "expression_statement") {
        let whole_loop = s.body.kind() != "statement_block" || statement_count(s.body) == 1;
        return discarded_call_edits(text, s.lnode, st, whole_loop, pre);
    }
    let ls = line_start(text, s.lnode.start_byte());
    Ok(vec![
        Edit {
            range: ls..ls,
            new_text: pre,
        },
        Edit {
            range: s.left.start_byte()..s.left.end_byte(),
            new_text: format!("[{}, {}]", ln.index, ln.left),
        },
        Edit {
            range: s.right.start_byte()..s.right.end_byte(),
            new_text: format!("{}.entries()", ln.iter),
        },
        Edit {
            range: s.value.start_byte()..s.value.end_byte(),
            new_text: format!("{}[{}]", ln.many, ln.index),
        },
    ])
}

/// The concurrent rewrite's context, for `concurrent.js.j2`.
#[derive(Serialize)]
struct ConcurrentCtx {
    #[serde(flatten)]
    names: LoopNames,
    n: usize,
    start: String,
    call_text: String,
}

/// Step 6 of the concurrent rewrite: chunks of `n` calls through `Promise.all`.
fn concurrent_render(cx: &Cx, s: &Site, c: &ConcurrentCtx) -> Result<Rendered, String> {
    let text = s.text;
    let base = leading_ws(text, line_start(text, s.lnode.start_byte()));
    let pre = code(
        "concurrent.js.j2",
        CONCURRENT,
        c,
        &base,
        &indent_unit(text, 2),
        newline(text),
    )?;
    Ok(Rendered {
        files: vec![FileEdits {
            path: cx.f.path.clone(),
            edits: loop_edits(s, &c.names, pre)?,
        }],
        notes: vec![
            format!(
                "Assumes `{}` is an array (uses .length, .slice and .entries).",
                text_of(text, s.right)
            ),
            "Every item's call now starts before the loop body runs, so an early exit in the \
             body no longer saves the remaining calls."
                .to_string(),
        ],
    })
}

fn concurrent_plan(cx: &Cx, s: &Site) -> ConcurrentCtx {
    ConcurrentCtx {
        names: loop_names(s),
        n: cx.opts.concurrency,
        start: fresh_name(s.scope, "start"),
        call_text: text_of(s.text, s.call).to_string(),
    }
}

fn quote_char(text: &str) -> char {
    if text.matches('"').count() > text.matches('\'').count() {
        '"'
    } else {
        '\''
    }
}

fn uses_semicolons(text: &str) -> bool {
    text.lines().any(|l| l.trim_end().ends_with(';'))
}

fn named_kids(n: Node) -> Vec<Node> {
    let mut c = n.walk();
    n.named_children(&mut c)
        .filter(|k| !k.kind().contains("comment"))
        .collect()
}

/// A type annotation's text without the leading `:`.
fn annotation(text: &str, n: Option<Node>) -> Option<String> {
    n.map(|t| text_of(text, t).trim_start_matches(':').trim().to_string())
        .filter(|t| !t.is_empty())
}

/// `(name, type)` of a formal parameter (JS `identifier`, TS `required_parameter`).
fn param(text: &str, p: Node) -> Option<(String, Option<String>)> {
    match p.kind() {
        "identifier" => Some((text_of(text, p).to_string(), None)),
        "required_parameter" => {
            let pat = p.child_by_field_name("pattern")?;
            if pat.kind() != "identifier" || p.child_by_field_name("value").is_some() {
                return None;
            }
            Some((
                text_of(text, pat).to_string(),
                annotation(text, p.child_by_field_name("type")),
            ))
        }
        _ => None,
    }
}

/// The parameters of method `method` in class `class` declared in `text`.
fn method_params(text: &str, root: Node, class: &str, method: &str) -> Option<Vec<String>> {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if matches!(n.kind(), "class_declaration" | "class")
            && n.child_by_field_name("name")
                .is_some_and(|x| text_of(text, x) == class)
        {
            let body = n.child_by_field_name("body")?;
            for m in named_kids(body) {
                if m.kind() == "method_definition"
                    && m.child_by_field_name("name")
                        .is_some_and(|x| text_of(text, x) == method)
                {
                    let ps = m.child_by_field_name("parameters")?;
                    return named_kids(ps)
                        .into_iter()
                        .map(|p| param(text, p).map(|(n, _)| n))
                        .collect();
                }
            }
            return None;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    None
}

/// A limit constant next to the batch API: a top-level `const MAX_BATCH = 100` (its name) or
/// a `static` class field (`Class.MAX_BATCH`); with whether it is exported.
fn limit_constant(text: &str, class: Option<&str>) -> Option<(String, usize, bool)> {
    let is_limit = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
            && (n.contains("BATCH") || n.contains("CHUNK") || n.contains("LIMIT"))
    };
    let mut found = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let (exported, rest, is_static) = if let Some(r) = t.strip_prefix("export const ") {
            (true, r, false)
        } else if let Some(r) = t.strip_prefix("const ") {
            (false, r, false)
        } else if let Some(r) = t.strip_prefix("static readonly ") {
            (true, r, true)
        } else if let Some(r) = t.strip_prefix("static ") {
            (true, r, true)
        } else {
            continue;
        };
        if !is_static && line.starts_with(char::is_whitespace) {
            continue;
        }
        let Some((name, value)) = rest.split_once('=') else {
            continue;
        };
        let name = name.split(':').next().unwrap_or("").trim();
        let value = value.trim().trim_end_matches(';').trim().replace('_', "");
        let (Ok(v), true) = (value.parse::<usize>(), is_limit(name)) else {
            continue;
        };
        if v == 0 {
            continue;
        }
        let expr = match (is_static, class) {
            (true, Some(c)) => format!("{c}.{name}"),
            (true, None) => continue,
            (false, _) => name.to_string(),
        };
        let cjs = text
            .lines()
            .any(|l| l.starts_with("module.exports") && word_occurs(l, name));
        found.push((
            expr,
            v,
            exported || is_static || cjs,
            name.contains("BATCH"),
        ));
    }
    found.sort_by_key(|f| !f.3);
    found.into_iter().next().map(|(e, v, x, _)| (e, v, x))
}

/// A module-level logger (`logger` / `log`) the file declares or imports.
fn module_logger(text: &str) -> Option<String> {
    ["logger", "log"].into_iter().find_map(|name| {
        text.lines()
            .any(|l| {
                !l.starts_with(char::is_whitespace)
                    && (l.starts_with("import ")
                        || l.starts_with("const ")
                        || l.starts_with("let ")
                        || l.starts_with("export const "))
                    && word_occurs(l.split('=').next().unwrap_or(""), name)
                    || (l.starts_with("import ")
                        && word_occurs(l.split(" from").next().unwrap_or(""), name))
            })
            .then(|| name.to_string())
    })
}

/// The import (`import { a } from` or `const { a } = require(..)`) that binds `name`: the
/// specifier node.
fn import_specifier<'t>(text: &str, root: Node<'t>, name: &str) -> Option<Node<'t>> {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "import_specifier"
                if n.child_by_field_name("alias").is_none()
                    && n.child_by_field_name("name")
                        .is_some_and(|x| text_of(text, x) == name) =>
            {
                return Some(n);
            }
            "shorthand_property_identifier_pattern" if text_of(text, n) == name => {
                let in_require = ancestor_of_kind(n, &["variable_declarator"])
                    .and_then(|d| d.child_by_field_name("value"))
                    .is_some_and(|v| text_of(text, v).starts_with("require("));
                if in_require {
                    return Some(n);
                }
            }
            "function_declaration" | "class_declaration" | "method_definition" => continue,
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    None
}

/// How `name` leaves its module: `export function`, or a `module.exports = { .. }` object
/// (the edit adding `new_name` to it).
enum Exported {
    Es,
    CommonJs(Edit),
    No,
}

fn exported(text: &str, root: Node, fdef: Node, name: &str, new_name: &str) -> Exported {
    if fdef
        .parent()
        .is_some_and(|p| p.kind() == "export_statement")
    {
        return Exported::Es;
    }
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "assignment_expression"
            && n.child_by_field_name("left")
                .is_some_and(|l| text_of(text, l) == "module.exports")
            && let Some(obj) = n
                .child_by_field_name("right")
                .filter(|r| r.kind() == "object")
        {
            for p in named_kids(obj) {
                if p.kind() == "shorthand_property_identifier" && text_of(text, p) == name {
                    return Exported::CommonJs(Edit {
                        range: p.end_byte()..p.end_byte(),
                        new_text: format!(", {new_name}"),
                    });
                }
            }
            return Exported::No;
        }
        if matches!(n.kind(), "function_declaration" | "class_declaration") {
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    Exported::No
}

/// `Promise<T>` → `T`.
fn promised(t: &str) -> Option<String> {
    t.strip_prefix("Promise<")
        .and_then(|r| r.strip_suffix('>'))
        .map(|r| r.trim().to_string())
}

/// `T[]`, parenthesised when `T` is a union, intersection or function type.
fn array_of(t: &str) -> String {
    if t.contains('|') || t.contains('&') || t.contains("=>") {
        format!("({t})[]")
    } else {
        format!("{t}[]")
    }
}

/// Words the companion declares itself; a helper parameter with one of these names would be
/// shadowed.
const COMPANION_LOCALS: &[&str] = &[
    "started",
    "results",
    "fallbackChunks",
    "start",
    "chunk",
    "batchResults",
    "err",
    "i",
    "elapsedMs",
];

/// Step 0 of the batch rewrite: the batch API and the helper the loop calls.
struct BatchTarget<'s> {
    ba: &'s BatchAlternative,
    hop: &'s ChainHop,
}

fn batch_target(f: &Finding) -> Result<BatchTarget<'_>, String> {
    let ba = f
        .batch_alternative
        .as_ref()
        .ok_or("no batch API was found for this call")?;
    let hop = helper_hop(f, ba)?;
    Ok(BatchTarget { ba, hop })
}

/// The loop's single item argument to the helper.
fn loop_arg(f: &Finding, s: &Site) -> Result<String, String> {
    if f.callee.contains('.') {
        return Err(format!(
            "{} is a method; the batch rewrite handles helper functions called by name",
            f.callee
        ));
    }
    let largs = s
        .call
        .child_by_field_name("arguments")
        .map(named_kids)
        .unwrap_or_default();
    let [larg] = largs.as_slice() else {
        return Err(format!(
            "{} is not called with exactly one item argument",
            f.callee
        ));
    };
    if larg.kind() == "spread_element" {
        return Err(format!("{} is called with a spread argument", f.callee));
    }
    Ok(text_of(s.text, *larg).to_string())
}

/// The helper function: `function f(p) { ... <remote call> ... }`.
struct HelperFn<'t> {
    c: &'t Source,
    typed: bool,
    scall: Node<'t>,
    svalue: Node<'t>,
    fdef: Node<'t>,
    fname: String,
    p: String,
    p_type: Option<String>,
    ret_type: Option<String>,
}

fn helper_fn<'t>(f: &Finding, hop: &ChainHop, c: &'t Source) -> Result<HelperFn<'t>, String> {
    let (ctext, croot) = (c.text.as_str(), c.root());
    let typed = matches!(lang_of_path(&c.path)?, Lang::TypeScript | Lang::Tsx);
    let scall = node_of_kind(croot, &hop.span, &["call_expression"])
        .ok_or("the helper's remote call is not a call")?;
    let svalue = match scall.parent() {
        Some(p) if p.kind() == "await_expression" => p,
        _ => scall,
    };
    let fdef = ancestor_of_kind(
        scall,
        &[
            "function_declaration",
            "function_expression",
            "arrow_function",
            "method_definition",
            "generator_function_declaration",
        ],
    )
    .ok_or("the helper's call is not in a function")?;
    if fdef.kind() != "function_declaration" {
        return Err(format!(
            "{} is not a plain `function` declaration (arrow functions and methods are not \
             rewritten)",
            f.callee
        ));
    }
    let fname = fdef
        .child_by_field_name("name")
        .map(|n| text_of(ctext, n).to_string())
        .unwrap_or_default();
    if fname != f.callee {
        return Err(format!(
            "{} does not resolve to the helper {fname}",
            f.callee
        ));
    }
    let params = fdef
        .child_by_field_name("parameters")
        .map(named_kids)
        .unwrap_or_default();
    let [p0] = params.as_slice() else {
        return Err(format!(
            "{fname} takes {} parameters; the batch rewrite needs exactly one item parameter",
            params.len()
        ));
    };
    let (p, p_type) = param(ctext, *p0)
        .ok_or_else(|| format!("{fname}'s parameter is a pattern or has a default value"))?;
    if COMPANION_LOCALS.contains(&p.as_str()) {
        return Err(format!(
            "{fname}'s parameter is called `{p}`, a name the batched companion uses itself"
        ));
    }
    Ok(HelperFn {
        c,
        typed,
        scall,
        svalue,
        ret_type: annotation(ctext, fdef.child_by_field_name("return_type")),
        fdef,
        fname,
        p,
        p_type,
    })
}

/// One item's result from the batch: `binding` holds the batch's value for it, `post` (copied
/// lines) and `ret_expr` are the helper's post-processing.
struct PerItem {
    binding: String,
    post: Vec<String>,
    ret_expr: String,
}

/// The helper's body: `return <call>` / `return f(await <call>)`, or
/// `const r = await <call>; ...; return <expr>`.
fn per_item(h: &HelperFn) -> Result<PerItem, String> {
    let ctext = h.c.text.as_str();
    let (fname, svalue) = (&h.fname, h.svalue);
    let fbody = h
        .fdef
        .child_by_field_name("body")
        .ok_or("the helper has no body")?;
    let stmts = named_kids(fbody);
    let first = *stmts.first().ok_or("the helper's body is empty")?;
    if !is_ancestor(first, svalue) {
        return Err(format!(
            "{fname} does other work before the remote call; the batch rewrite needs the call \
             first"
        ));
    }
    match first.kind() {
        "return_statement" if stmts.len() == 1 => {
            let e = first.named_child(0).ok_or("bare return")?;
            if svalue.kind() != "await_expression" && svalue.id() != e.id() {
                return Err(format!(
                    "{fname} post-processes the promise of its remote call without awaiting it"
                ));
            }
            let t = text_of(ctext, e);
            let a = t.get(..svalue.start_byte() - e.start_byte()).unwrap_or("");
            let b = t.get(svalue.end_byte() - e.start_byte()..).unwrap_or("");
            let r = fresh_name(text_of(ctext, h.fdef), "result");
            Ok(PerItem {
                ret_expr: format!("{a}{r}{b}"),
                binding: r,
                post: Vec::new(),
            })
        }
        "lexical_declaration" | "variable_declaration" => declared_result(h, &stmts, first),
        _ => Err(format!(
            "{fname}'s remote call has a shape the batch rewrite does not know"
        )),
    }
}

/// `const r = await <call>; <post-processing>; return <expr>`.
fn declared_result(h: &HelperFn, stmts: &[Node], first: Node) -> Result<PerItem, String> {
    let ctext = h.c.text.as_str();
    let (fname, svalue) = (&h.fname, h.svalue);
    let decls = named_kids(first);
    let [d] = decls.as_slice() else {
        return Err(format!(
            "{fname} declares several variables with its remote call"
        ));
    };
    let (Some(name), Some(v)) = (
        d.child_by_field_name("name"),
        d.child_by_field_name("value"),
    ) else {
        return Err("unexpected declaration shape".into());
    };
    if name.kind() != "identifier" || v.id() != svalue.id() || svalue.kind() != "await_expression" {
        return Err(format!(
            "{fname} does more than `const r = await <call>` with its remote call"
        ));
    }
    let last = *stmts.last().ok_or("empty body")?;
    if last.kind() != "return_statement" || stmts.len() < 2 {
        return Err(format!("{fname} does not end with `return <expr>`"));
    }
    let middle = &stmts[1..stmts.len() - 1];
    if middle.iter().any(|m| {
        any_kind_before(
            *m,
            &[
                "return_statement",
                "await_expression",
                "yield_expression",
                "function_declaration",
                "arrow_function",
                "function_expression",
                "class_declaration",
            ],
            usize::MAX,
        )
    }) {
        return Err(format!(
            "{fname} awaits, returns early or defines nested code after its remote \
             call; its post-processing is not rewritten"
        ));
    }
    let mut post = Vec::new();
    if let (Some(a), Some(b)) = (middle.first(), middle.last()) {
        post.extend(dedent_lines(ctext, a.start_byte()..b.end_byte()));
    }
    let ret_expr = last
        .named_child(0)
        .map(|e| text_of(ctext, e).to_string())
        .unwrap_or_else(|| "undefined".into());
    Ok(PerItem {
        binding: text_of(ctext, name).to_string(),
        post,
        ret_expr,
    })
}

/// The single call and the batch request built from it.
struct Request<'t> {
    b: &'t Source,
    class: Option<&'t str>,
    batch_method: &'t str,
    single_method: String,
    batch_callee: String,
    element: String,
    element_desc: String,
}

fn request<'s>(cx: &Cx<'s>, t: &BatchTarget<'s>, h: &HelperFn) -> Result<Request<'s>, String> {
    let ctext = h.c.text.as_str();
    let fname = &h.fname;
    let sfunc = h
        .scall
        .child_by_field_name("function")
        .filter(|n| n.kind() == "member_expression")
        .ok_or_else(|| format!("{fname}'s remote call is not a method call on a client"))?;
    let recv = sfunc
        .child_by_field_name("object")
        .map(|n| text_of(ctext, n).to_string())
        .unwrap_or_default();
    let single_method = sfunc
        .child_by_field_name("property")
        .map(|n| text_of(ctext, n).to_string())
        .unwrap_or_default();
    let (class, batch_method) = split_qualified(&t.ba.name);
    let sargs = h
        .scall
        .child_by_field_name("arguments")
        .map(named_kids)
        .unwrap_or_default();
    if sargs.iter().any(|a| a.kind() == "spread_element") || sargs.is_empty() {
        return Err(format!(
            "{recv}.{single_method} is called with no or spread arguments"
        ));
    }
    let b = cx.src.get_or_empty(Role::Api, &t.ba.path)?;
    let (element, element_desc) = match sargs.as_slice() {
        [one] => {
            let t = text_of(ctext, *one).to_string();
            (t.clone(), t)
        }
        many => {
            let names = class
                .and_then(|c| method_params(&b.text, b.root(), c, &single_method))
                .filter(|n| n.len() == many.len())
                .ok_or_else(|| {
                    format!(
                        "{recv}.{single_method} takes several arguments and its parameter names \
                         are not visible; cannot guess the element shape {batch_method} takes"
                    )
                })?;
            let fields: Vec<String> = names
                .iter()
                .zip(many)
                .map(|(n, a)| {
                    let a = text_of(ctext, *a);
                    if a == n {
                        n.clone()
                    } else {
                        format!("{n}: {a}")
                    }
                })
                .collect();
            (
                format!("({{ {} }})", fields.join(", ")),
                format!("{{ {} }}", names.join(", ")),
            )
        }
    };
    Ok(Request {
        b,
        class,
        batch_method,
        batch_callee: format!("{recv}.{batch_method}"),
        single_method,
        element,
        element_desc,
    })
}

/// Step 3 of the batch rewrite.
struct Helper<'s> {
    larg: String,
    h: HelperFn<'s>,
    item: PerItem,
    req: Request<'s>,
}

fn batch_helper<'s>(cx: &Cx<'s>, t: &BatchTarget<'s>, s: &Site<'s>) -> Result<Helper<'s>, String> {
    let larg = loop_arg(cx.f, s)?;
    let c = cx.src.get(Role::Helper, &t.hop.path)?;
    let h = helper_fn(cx.f, t.hop, c)?;
    let item = per_item(&h)?;
    let req = request(cx, t, &h)?;
    Ok(Helper { larg, h, item, req })
}

/// Step 4: a limit constant of the batch API's module, imported next to its class when the
/// helper's file imports that, else copied; or the option.
fn batch_limit(cx: &Cx, t: &BatchTarget, h: &Helper) -> Limit {
    let (ctext, croot) = (h.h.c.text.as_str(), h.h.c.root());
    let (ba, class) = (t.ba, h.req.class);
    let mut notes = Vec::new();
    let mut edits = Vec::new();
    let (expr, value) = match limit_constant(&h.req.b.text, class) {
        Some((e, v, _))
            if t.hop.path == ba.path
                || e.contains('.') && word_occurs(ctext, class.unwrap_or("")) =>
        {
            (e, v)
        }
        Some((e, v, true)) => match class.and_then(|c| import_specifier(ctext, croot, c)) {
            Some(spec) if import_specifier(ctext, croot, &e).is_none() => {
                edits.push(Edit {
                    range: spec.end_byte()..spec.end_byte(),
                    new_text: format!(", {e}"),
                });
                (e, v)
            }
            Some(_) => (e, v),
            None => copied_limit(v, &e, &ba.path, "", &mut notes),
        },
        Some((e, v, false)) => copied_limit(v, &e, &ba.path, " (not exported)", &mut notes),
        None => assumed_limit(cx.opts, &ba.path, &mut notes),
    };
    Limit {
        expr,
        value,
        notes,
        edits,
    }
}

/// The companion's context, for `batch_companion.js.j2`.
#[derive(Serialize)]
struct CompanionCtx {
    fname: String,
    bname: String,
    p: String,
    plural: String,
    limit: String,
    export: &'static str,
    sig_params: String,
    sig_ret: String,
    results_ty: String,
    sc: &'static str,
    q: char,
    batch_method: String,
    single_method: String,
    batch_callee: String,
    /// The batch request: `chunk` or `chunk.map((p) => element)`.
    to_batch: String,
    /// The item is passed as is (the comment says so).
    element_is_item: bool,
    element_desc: String,
    /// One line pushing every result, when there is no per-item post-processing.
    push_all: Option<String>,
    /// `(p, i) =>` over the chunk or `(binding) =>` over the results.
    mapper: String,
    /// `const binding = batchResults[i]` when the post-processing uses the item.
    decl: Option<String>,
    post: Vec<String>,
    ret_expr: String,
    logger: String,
    metrics: Option<&'static str>,
}

struct BatchPlan<'s> {
    t: BatchTarget<'s>,
    s: Site<'s>,
    h: Helper<'s>,
    limit: Limit,
    companion: CompanionCtx,
    /// The helper's export (`module.exports`) edit, if any.
    export_edit: Option<Edit>,
    names: LoopNames,
    items_arg: String,
    /// The loop file's import of the helper, renamed or extended with the companion.
    import_edit: Option<Edit>,
}

/// The companion's signature types: `(params, return, results array)`.
fn signature(h: &HelperFn, plural: &str) -> (String, String, String) {
    if !h.typed {
        return (plural.to_string(), String::new(), String::new());
    }
    let fname = &h.fname;
    let item_ty = h
        .p_type
        .clone()
        .unwrap_or_else(|| format!("Parameters<typeof {fname}>[0]"));
    let res_ty = h
        .ret_type
        .as_deref()
        .and_then(promised)
        .or_else(|| h.ret_type.clone().filter(|t| !t.contains("Promise")))
        .unwrap_or_else(|| format!("Awaited<ReturnType<typeof {fname}>>"));
    (
        format!("{plural}: {}", array_of(&item_ty)),
        format!(": Promise<{}>", array_of(&res_ty)),
        format!(": {}", array_of(&res_ty)),
    )
}

/// The companion's name, export and text.
fn companion(
    cx: &Cx,
    t: &BatchTarget,
    h: &Helper,
    limit: &Limit,
) -> Result<(CompanionCtx, Option<Edit>), String> {
    let (hf, item, req) = (&h.h, &h.item, &h.req);
    let (ctext, p, fname) = (hf.c.text.as_str(), &hf.p, &hf.fname);
    let bname = format!("{fname}Batch");
    if word_occurs(ctext, &bname) || word_occurs(&cx.loop_file()?.text, &bname) {
        return Err(format!("{bname} already exists in {}", t.hop.path));
    }
    let plural = if p.ends_with('s') {
        format!("{p}List")
    } else {
        format!("{p}s")
    };
    let sc = if uses_semicolons(ctext) { ";" } else { "" };
    let (export, export_edit) = match exported(ctext, hf.c.root(), hf.fdef, fname, &bname) {
        Exported::Es => ("export ", None),
        Exported::CommonJs(e) => ("", Some(e)),
        Exported::No if t.hop.path != cx.f.path => {
            return Err(format!(
                "cannot tell how {fname} is exported from {} (no `export function` or \
                 `module.exports = {{ .. }}`)",
                t.hop.path
            ));
        }
        Exported::No => ("", None),
    };
    let (sig_params, sig_ret, results_ty) = signature(hf, &plural);
    let uses_item = item.post.iter().any(|l| word_occurs(l, p)) || word_occurs(&item.ret_expr, p);
    let binding = &item.binding;
    let mapper = if uses_item {
        format!("chunk.map(({p}, i) =>")
    } else {
        format!("batchResults.map(({binding}) =>")
    };
    let push_all = (item.post.is_empty() && !uses_item).then(|| {
        if item.ret_expr == *binding {
            format!("results.push(...batchResults){sc}")
        } else {
            format!("results.push(...{mapper} {})){sc}", item.ret_expr)
        }
    });
    let ctx = CompanionCtx {
        fname: fname.clone(),
        bname,
        p: p.clone(),
        plural,
        limit: limit.expr.clone(),
        export,
        sig_params,
        sig_ret,
        results_ty,
        sc,
        q: quote_char(ctext),
        batch_method: req.batch_method.to_string(),
        single_method: req.single_method.clone(),
        batch_callee: req.batch_callee.clone(),
        to_batch: if req.element == *p {
            "chunk".to_string()
        } else {
            format!("chunk.map(({p}) => {})", req.element)
        },
        element_is_item: req.element == *p,
        element_desc: req.element_desc.clone(),
        push_all,
        mapper,
        decl: uses_item.then(|| format!("const {binding} = batchResults[i]{sc}")),
        post: verbatim(&item.post),
        ret_expr: item.ret_expr.clone(),
        logger: module_logger(ctext).unwrap_or_else(|| "console".to_string()),
        metrics: (ctext.contains("metrics.timing(")).then_some("metrics"),
    };
    Ok((ctx, export_edit))
}

/// The loop file's import of the helper: renamed to the companion when the call is its only
/// other use, else extended with it.
fn import_edit(
    cx: &Cx,
    t: &BatchTarget,
    s: &Site,
    fname: &str,
    bname: &str,
) -> Result<Option<Edit>, String> {
    if t.hop.path == cx.f.path {
        return Ok(None);
    }
    let text = s.text;
    let root = cx.loop_file()?.root();
    let spec = import_specifier(text, root, fname).ok_or_else(|| {
        format!(
            "{fname} is not imported by name in {} (`import {{ {fname} }}` or `const {{ {fname} }} = require(..)`)",
            cx.f.path
        )
    })?;
    let only_use = word_count(text, fname, &['$']) == 2;
    Ok(Some(if only_use {
        Edit {
            range: spec.start_byte()..spec.end_byte(),
            new_text: bname.to_string(),
        }
    } else {
        Edit {
            range: spec.end_byte()..spec.end_byte(),
            new_text: format!(", {bname}"),
        }
    }))
}

/// Step 5 of the batch rewrite.
fn batch_plan<'s>(
    cx: &Cx<'s>,
    t: BatchTarget<'s>,
    s: Site<'s>,
    h: Helper<'s>,
    limit: Limit,
) -> Result<BatchPlan<'s>, String> {
    let (companion, export_edit) = companion(cx, &t, &h, &limit)?;
    let names = loop_names(&s);
    let var = (s.left.kind() == "identifier").then_some(names.left.as_str());
    let items_arg = if var == Some(h.larg.as_str()) {
        names.iter.clone()
    } else {
        format!("{}.map(({}) => {})", names.iter, names.left, h.larg)
    };
    let import_edit = import_edit(cx, &t, &s, &h.h.fname, &companion.bname)?;
    Ok(BatchPlan {
        t,
        s,
        h,
        limit,
        companion,
        export_edit,
        names,
        items_arg,
        import_edit,
    })
}

/// Step 6 of the batch rewrite: the companion after the helper, the loop site.
fn batch_render(cx: &Cx, p: &BatchPlan) -> Result<Rendered, String> {
    let c = p.h.h.c;
    let ctext = c.text.as_str();
    let mut cedits = p.limit.edits.clone();
    cedits.extend(p.export_edit.clone());
    let fdef = p.h.h.fdef;
    let fstart = fdef
        .parent()
        .filter(|p| p.kind() == "export_statement")
        .unwrap_or(fdef);
    let fbase = leading_ws(ctext, line_start(ctext, fstart.start_byte()));
    let at = line_end_incl(ctext, fstart.end_byte().saturating_sub(1));
    let cnl = newline(ctext);
    let mut rendered = code(
        "batch_companion.js.j2",
        COMPANION,
        &p.companion,
        &fbase,
        &indent_unit(ctext, 2),
        cnl,
    )?;
    if !ctext.ends_with('\n') && at == ctext.len() {
        rendered = format!("{cnl}{rendered}");
    }
    cedits.push(Edit {
        range: at..at,
        new_text: rendered,
    });
    let s = &p.s;
    let text = s.text;
    let ctx = serde_json::json!({
        "copied": p.names.copied,
        "iter": p.names.iter,
        "semi": s.semi,
        "keep": p.names.keep,
        "many": p.names.many,
        "bname": p.companion.bname,
        "items_arg": p.items_arg,
    });
    let base = leading_ws(text, line_start(text, s.lnode.start_byte()));
    let pre = code(
        "batch_site.js.j2",
        BATCH_SITE,
        ctx,
        &base,
        &indent_unit(text, 2),
        newline(text),
    )?;
    let mut ledits = loop_edits(s, &p.names, pre)?;
    ledits.extend(p.import_edit.clone());
    let notes = batch_notes(cx, p);
    Ok(Rendered {
        files: pipeline::loop_and_companion(&cx.f.path, ledits, &p.t.hop.path, cedits),
        notes,
    })
}

fn batch_notes(_cx: &Cx, p: &BatchPlan) -> Vec<String> {
    let c = &p.companion;
    let (bm, sm, desc, item) = (&c.batch_method, &c.single_method, &c.element_desc, &c.p);
    let mut notes = p.limit.notes.clone();
    notes.push(format!(
        "Guessed: {bm} takes an array of {desc} (one per {item}, what {sm} takes) and returns \
         one result per {item} in request order; a length mismatch or a failed request falls \
         back to per-item calls."
    ));
    notes.push(
        "Every item is checked before the loop body runs, so an early exit in the body no longer \
         saves the remaining checks."
            .to_string(),
    );
    if c.metrics.is_none() {
        notes.push(format!(
            "Logs through {} (info/warn) and times with performance.now(); no metrics \
             object was found in {}.",
            c.logger, p.t.hop.path
        ));
    }
    notes
}

/// The JavaScript/TypeScript hooks of the rewrite pipeline.
struct JavaScript;

/// The companion is imported by editing the helper's import in `render`; the concurrent
/// rewrite needs no import, so both import hooks keep their defaults.
impl RewriteHooks for JavaScript {
    type BatchTarget<'s> = BatchTarget<'s>;
    type Site<'s> = Site<'s>;
    type Helper<'s> = Helper<'s>;
    type BatchPlan<'s> = BatchPlan<'s>;
    type ConcurrentPlan<'s> = (Site<'s>, ConcurrentCtx);

    fn lang(path: &str) -> Result<Lang, String> {
        lang_of_path(path)
    }

    fn batch_target<'s>(cx: &Cx<'s>) -> Result<BatchTarget<'s>, String> {
        batch_target(cx.f)
    }

    fn site<'s>(cx: &Cx<'s>) -> Result<Site<'s>, String> {
        locate(cx.f, cx.loop_file()?)
    }

    fn guards<'s>(_: &Cx<'s>, s: &Site<'s>) -> Result<(), String> {
        js_guards(s)
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
}

pub(crate) fn batch(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<JavaScript>(Kind::Batch, f, files, opts)
}

pub(crate) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<JavaScript>(Kind::Concurrent, f, files, opts)
}

fn lang_of_path(path: &str) -> Result<Lang, String> {
    Lang::from_path(path).ok_or_else(|| format!("unknown language for {path}"))
}
