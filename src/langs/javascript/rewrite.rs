//! JavaScript/TypeScript: `Promise.all` over chunks of at most N items (no new dependency).

use crate::code::{Finding, Lang};
use crate::guidance::rewrite::*;
use tree_sitter::Node;

const IDENT: &[&str] = &["identifier", "shorthand_property_identifier"];

/// The `for...of` loop, the awaited call inside it and what the rewrites need about them.
struct Site<'t> {
    lnode: Node<'t>,
    left: Node<'t>,
    right: Node<'t>,
    body: Node<'t>,
    call: Node<'t>,
    value: Node<'t>,
    scope: &'t str,
    semi: &'static str,
}

fn site<'t>(f: &Finding, text: &'t str, root: Node<'t>) -> Result<Site<'t>, String> {
    let text: &'t str = text;
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
    let assigned = |n: Node, out: &mut Vec<String>| {
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
    };
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
    check_guards(text, value, call, body, &g)?;
    let ls = line_start(text, lnode.start_byte());
    if !text
        .get(ls..lnode.start_byte())
        .unwrap_or("x")
        .trim()
        .is_empty()
    {
        return Err("the loop does not start its own line".into());
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
    let scope = scope_node.map(|n| text_of(text, n)).unwrap_or(text);
    let semi = if text.lines().filter(|l| l.trim_end().ends_with(';')).count() > 0 {
        ";"
    } else {
        ""
    };
    Ok(Site {
        lnode,
        left,
        right,
        body,
        call,
        value,
        scope,
        semi,
    })
}

pub(crate) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    let lang = lang_of(f)?;
    let text = read(files, &f.path)?;
    let parsed = parse(lang, &text)?;
    let root = parsed
        .tree()
        .map(|t| t.root_node())
        .ok_or("could not parse the file")?;
    let Site {
        lnode,
        left,
        right,
        body,
        call,
        value,
        scope,
        semi,
    } = site(f, &text, root)?;
    let ls = line_start(&text, lnode.start_byte());
    let n = opts.concurrency;
    let base = leading_ws(&text, ls);
    let unit = indent_unit(&text, 2);
    let nl = newline(&text);
    let left_text = text_of(&text, left);
    let right_text = text_of(&text, right);
    let var = (left.kind() == "identifier").then_some(left_text);
    let (_, many) = result_names(var, true);
    let many = fresh_name(scope, &many);
    let index = fresh_name(scope, &format!("{}Index", var.unwrap_or("item")));
    let start = fresh_name(scope, "start");
    let mut pre = Block::default();
    let iter = if is_simple_path(right_text) {
        right_text.to_string()
    } else {
        let name = fresh_name(scope, &format!("{}List", var.unwrap_or("item")));
        pre.line(0, format!("const {name} = Array.from({right_text}){semi}"));
        name
    };
    let call_text = text_of(&text, call);
    let discard = discarded_statement(value, "expression_statement");
    let whole_loop =
        discard.is_some() && (body.kind() != "statement_block" || statement_count(body) == 1);
    if discard.is_none() {
        pre.line(0, format!("const {many} = []{semi}"));
    }
    pre.line(
        0,
        format!("// At most {n} calls at a time; results keep input order; the first error"),
    )
    .line(
        0,
        "// propagates (calls already started in its chunk still finish).",
    )
    .line(
        0,
        format!("for (let {start} = 0; {start} < {iter}.length; {start} += {n}) {{"),
    );
    let all = format!(
        "await Promise.all({iter}.slice({start}, {start} + {n}).map(({left_text}) => {call_text}))"
    );
    if discard.is_none() {
        pre.line(1, format!("{many}.push(...({all})){semi}"));
    } else {
        pre.line(1, format!("{all}{semi}"));
    }
    pre.line(0, "}");
    let pre_text = pre.render(&base, &unit, nl);
    let mut edits = Vec::new();
    match discard {
        Some(st) => edits.extend(discarded_call_edits(
            &text, lnode, st, whole_loop, pre_text,
        )?),
        None => {
            edits.push(Edit {
                range: ls..ls,
                new_text: pre_text,
            });
            edits.push(Edit {
                range: left.start_byte()..left.end_byte(),
                new_text: format!("[{index}, {left_text}]"),
            });
            edits.push(Edit {
                range: right.start_byte()..right.end_byte(),
                new_text: format!("{iter}.entries()"),
            });
            edits.push(Edit {
                range: value.start_byte()..value.end_byte(),
                new_text: format!("{many}[{index}]"),
            });
        }
    }
    Ok(Rewrite {
        title: concurrent_title(n),
        files: vec![FileEdits {
            path: f.path.clone(),
            edits,
        }],
        notes: vec![
            format!("Assumes `{right_text}` is an array (uses .length, .slice and .entries)."),
            "Every item's call now starts before the loop body runs, so an early exit in the \
             body no longer saves the remaining calls."
                .to_string(),
        ],
    })
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

pub(crate) fn batch(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    let ba = f
        .batch_alternative
        .as_ref()
        .ok_or("no batch API was found for this call")?;
    let hop = helper_hop(f, ba)?;
    let lang = lang_of(f)?;
    let text = read(files, &f.path)?;
    let parsed = parse(lang, &text)?;
    let root = parsed
        .tree()
        .map(|t| t.root_node())
        .ok_or("could not parse the file")?;
    let s = site(f, &text, root)?;
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
    let larg_text = text_of(&text, *larg).to_string();

    // The helper that makes the single call.
    let clang = lang_of_path(&hop.path)?;
    let typed = matches!(clang, Lang::TypeScript | Lang::Tsx);
    let ctext = read(files, &hop.path)?;
    let cparsed = parse(clang, &ctext)?;
    let croot = cparsed
        .tree()
        .map(|t| t.root_node())
        .ok_or("could not parse the helper's file")?;
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
        .map(|n| text_of(&ctext, n).to_string())
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
    let (p, p_type) = param(&ctext, *p0)
        .ok_or_else(|| format!("{fname}'s parameter is a pattern or has a default value"))?;
    if COMPANION_LOCALS.contains(&p.as_str()) {
        return Err(format!(
            "{fname}'s parameter is called `{p}`, a name the batched companion uses itself"
        ));
    }
    let ret_type = annotation(&ctext, fdef.child_by_field_name("return_type"));

    // Its body: `return <call>` / `return f(await <call>)`, or `const r = await <call>; ...;
    // return <expr>`.
    let fbody = fdef
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
    let rel = |outer: Node, inner: Node| {
        let t = text_of(&ctext, outer);
        (
            t.get(..inner.start_byte() - outer.start_byte())
                .unwrap_or("")
                .to_string(),
            t.get(inner.end_byte() - outer.start_byte()..)
                .unwrap_or("")
                .to_string(),
        )
    };
    // `per_item`: an expression of `{p}` and `i` computing one item's result.
    // One item's result: `binding` holds the batch's value for it, `post` and `ret_expr` are
    // the helper's post-processing.
    let fscope = text_of(&ctext, fdef).to_string();
    let (binding, post, ret_expr): (String, Vec<String>, String) = match first.kind() {
        "return_statement" if stmts.len() == 1 => {
            let e = first.named_child(0).ok_or("bare return")?;
            if svalue.kind() != "await_expression" && svalue.id() != e.id() {
                return Err(format!(
                    "{fname} post-processes the promise of its remote call without awaiting it"
                ));
            }
            let (a, b) = rel(e, svalue);
            let r = fresh_name(&fscope, "result");
            (r.clone(), Vec::new(), format!("{a}{r}{b}"))
        }
        "lexical_declaration" | "variable_declaration" => {
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
            if name.kind() != "identifier"
                || v.id() != svalue.id()
                || svalue.kind() != "await_expression"
            {
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
                post.extend(dedent_lines(&ctext, a.start_byte()..b.end_byte()));
            }
            let e = last
                .named_child(0)
                .map(|e| text_of(&ctext, e).to_string())
                .unwrap_or_else(|| "undefined".into());
            (text_of(&ctext, name).to_string(), post, e)
        }
        _ => {
            return Err(format!(
                "{fname}'s remote call has a shape the batch rewrite does not know"
            ));
        }
    };

    // The single call: receiver, method, arguments.
    let sfunc = scall
        .child_by_field_name("function")
        .filter(|n| n.kind() == "member_expression")
        .ok_or_else(|| format!("{fname}'s remote call is not a method call on a client"))?;
    let recv = sfunc
        .child_by_field_name("object")
        .map(|n| text_of(&ctext, n).to_string())
        .unwrap_or_default();
    let single_method = sfunc
        .child_by_field_name("property")
        .map(|n| text_of(&ctext, n).to_string())
        .unwrap_or_default();
    let (class, batch_method) = split_qualified(&ba.name);
    let batch_callee = format!("{recv}.{batch_method}");
    let sargs = scall
        .child_by_field_name("arguments")
        .map(named_kids)
        .unwrap_or_default();
    if sargs.iter().any(|a| a.kind() == "spread_element") || sargs.is_empty() {
        return Err(format!(
            "{recv}.{single_method} is called with no or spread arguments"
        ));
    }
    let btext = files(&ba.path).unwrap_or_default();
    let blang = lang_of_path(&ba.path)?;
    let bparsed = parse(blang, &btext)?;
    let broot = bparsed
        .tree()
        .map(|t| t.root_node())
        .ok_or("could not parse the batch API's file")?;
    let (element, element_desc) = match sargs.as_slice() {
        [one] => {
            let t = text_of(&ctext, *one).to_string();
            let desc = t.clone();
            (t, desc)
        }
        many => {
            let names = class
                .and_then(|c| method_params(&btext, broot, c, &single_method))
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
                    let a = text_of(&ctext, *a);
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
    let to_batch = if element == p {
        "chunk".to_string()
    } else {
        format!("chunk.map(({p}) => {element})")
    };

    // The limit, the logger, the metrics object.
    let mut cedits: Vec<Edit> = Vec::new();
    let mut notes = Vec::new();
    let (limit_expr, limit_n) = match limit_constant(&btext, class) {
        Some((e, v, _))
            if hop.path == ba.path
                || e.contains('.') && word_occurs(&ctext, class.unwrap_or("")) =>
        {
            (e, v)
        }
        Some((e, v, true)) => match class.and_then(|c| import_specifier(&ctext, croot, c)) {
            Some(spec) if import_specifier(&ctext, croot, &e).is_none() => {
                cedits.push(Edit {
                    range: spec.end_byte()..spec.end_byte(),
                    new_text: format!(", {e}"),
                });
                (e, v)
            }
            Some(_) => (e, v),
            None => copied_limit(v, &e, &ba.path, "", &mut notes),
        },
        Some((e, v, false)) => copied_limit(v, &e, &ba.path, " (not exported)", &mut notes),
        None => assumed_limit(opts, &ba.path, &mut notes),
    };
    let logger = module_logger(&ctext).unwrap_or_else(|| "console".to_string());
    let metrics = (ctext.contains("metrics.timing(")).then_some("metrics");

    // The companion.
    let bname = format!("{fname}Batch");
    if word_occurs(&ctext, &bname) || word_occurs(&text, &bname) {
        return Err(format!("{bname} already exists in {}", hop.path));
    }
    let plural = if p.ends_with('s') {
        format!("{p}List")
    } else {
        format!("{p}s")
    };
    let q = quote_char(&ctext);
    let sc = if uses_semicolons(&ctext) { ";" } else { "" };
    let export = match exported(&ctext, croot, fdef, &fname, &bname) {
        Exported::Es => "export ",
        Exported::CommonJs(e) => {
            cedits.push(e);
            ""
        }
        Exported::No if hop.path != f.path => {
            return Err(format!(
                "cannot tell how {fname} is exported from {} (no `export function` or \
                 `module.exports = {{ .. }}`)",
                hop.path
            ));
        }
        Exported::No => "",
    };
    let (sig_params, sig_ret, results_ty) = if typed {
        let item_ty = p_type
            .clone()
            .unwrap_or_else(|| format!("Parameters<typeof {fname}>[0]"));
        let res_ty = ret_type
            .as_deref()
            .and_then(promised)
            .or_else(|| ret_type.clone().filter(|t| !t.contains("Promise")))
            .unwrap_or_else(|| format!("Awaited<ReturnType<typeof {fname}>>"));
        (
            format!("{plural}: {}", array_of(&item_ty)),
            format!(": Promise<{}>", array_of(&res_ty)),
            format!(": {}", array_of(&res_ty)),
        )
    } else {
        (plural.clone(), String::new(), String::new())
    };
    let unit = indent_unit(&ctext, 2);
    let cnl = newline(&ctext);
    let uses_item = post.iter().any(|l| word_occurs(l, &p)) || word_occurs(&ret_expr, &p);
    let decl = if uses_item {
        format!("const {binding} = batchResults[i]{sc}")
    } else {
        String::new()
    };
    let mapper = if uses_item {
        format!("chunk.map(({p}, i) =>")
    } else {
        format!("batchResults.map(({binding}) =>")
    };
    let per_item_push = if post.is_empty() && !uses_item {
        if ret_expr == binding {
            format!("results.push(...batchResults){sc}")
        } else {
            format!("results.push(...{mapper} {ret_expr})){sc}")
        }
    } else {
        String::new()
    };
    let mut b = Block::default();
    b.blank()
        .line(0, "/**")
        .line(0, format!(" * {fname} for many {p}s: one {batch_method} request per chunk of at most {limit_expr}."))
        .line(0, format!(" * A chunk whose batch request fails falls back to one {fname} call per {p}, in order."))
        .line(0, " */")
        .line(0, format!("{export}async function {bname}({sig_params}){sig_ret} {{"))
        .line(1, format!("const started = performance.now(){sc}"))
        .line(1, format!("const results{results_ty} = []{sc}"))
        .line(1, format!("let fallbackChunks = 0{sc}"))
        .line(1, format!("for (let start = 0; start < {plural}.length; start += {limit_expr}) {{"))
        .line(2, format!("const chunk = {plural}.slice(start, start + {limit_expr}){sc}"))
        .line(2, "try {")
        .line(3, if element == p {
            format!("// Guessed batch shape: {batch_method} takes the {p}s themselves (what {single_method} takes)")
        } else {
            format!("// Guessed batch shape: {batch_method} takes one {element_desc} per {p} (the arguments of")
        })
        .line(3, if element == p {
            format!("// and returns one result per {p}, in request order.")
        } else {
            format!("// {single_method}) and returns one result per {p}, in request order.")
        })
        .line(3, format!("// debuglens: ignore[loop-remote-call] -- one request per chunk of {limit_expr}"))
        .line(3, format!("const batchResults = await {batch_callee}({to_batch}){sc}"))
        .line(3, "if (batchResults.length !== chunk.length) {")
        .line(4, format!("throw new Error(`{batch_method} returned ${{batchResults.length}} results for ${{chunk.length}} {p}s`){sc}"))
        .line(3, "}");
    if !per_item_push.is_empty() {
        b.line(3, per_item_push);
    } else {
        b.line(3, "results.push(")
            .line(4, format!("...{mapper} {{"));
        if !decl.is_empty() {
            b.line(5, decl);
        }
        b.raw(5, &post)
            .line(5, format!("return {ret_expr}{sc}"))
            .line(4, "}),")
            .line(3, format!("){sc}"));
    }
    b.line(2, "} catch (err) {")
        .line(3, format!("fallbackChunks += 1{sc}"))
        .line(3, format!("{logger}.warn(`{batch_method} failed for ${{chunk.length}} {p}s; falling back to per-{p} {single_method} calls`, err){sc}"))
        .line(3, format!("for (const {p} of chunk) {{"))
        .line(4, format!("// debuglens: ignore[loop-remote-call] -- fallback, runs only when {batch_method} fails"))
        .line(4, format!("results.push(await {fname}({p})){sc}"))
        .line(3, "}")
        .line(2, "}")
        .line(1, "}")
        .line(1, format!("const elapsedMs = performance.now() - started{sc}"))
        .line(1, format!("{logger}.info("))
        .line(2, format!("`{bname}: ${{{plural}.length}} {p}s via ${{fallbackChunks === 0 ? {q}batch{q} : {q}sequential{q}}} path (${{fallbackChunks}} chunk(s) fell back) in ${{elapsedMs.toFixed(1)}} ms`,"))
        .line(1, format!("){sc}"));
    if let Some(m) = metrics {
        b.line(1, format!("{m}.timing({q}{bname}{q}, elapsedMs){sc}"));
    }
    b.line(1, format!("return results{sc}")).line(0, "}");
    let fstart = fdef
        .parent()
        .filter(|p| p.kind() == "export_statement")
        .unwrap_or(fdef);
    let fbase = leading_ws(&ctext, line_start(&ctext, fstart.start_byte()));
    let at = line_end_incl(&ctext, fstart.end_byte().saturating_sub(1));
    let mut rendered = b.render(&fbase, &unit, cnl);
    if !ctext.ends_with('\n') && at == ctext.len() {
        rendered = format!("{cnl}{rendered}");
    }
    cedits.push(Edit {
        range: at..at,
        new_text: rendered,
    });
    notes.push(format!(
        "Guessed: {batch_method} takes an array of {element_desc} (one per {p}, what \
         {single_method} takes) and returns one result per {p} in request order; a length \
         mismatch or a failed request falls back to per-item calls."
    ));
    notes.push(
        "Every item is checked before the loop body runs, so an early exit in the body no longer \
         saves the remaining checks."
            .to_string(),
    );
    if metrics.is_none() {
        notes.push(format!(
            "Logs through {logger} (info/warn) and times with performance.now(); no metrics \
             object was found in {}.",
            hop.path
        ));
    }

    // The loop site.
    let ls = line_start(&text, s.lnode.start_byte());
    let base = leading_ws(&text, ls);
    let lunit = indent_unit(&text, 2);
    let nl = newline(&text);
    let semi = s.semi;
    let left_text = text_of(&text, s.left);
    let right_text = text_of(&text, s.right);
    let var = (s.left.kind() == "identifier").then_some(left_text);
    let (_, many) = result_names(var, true);
    let many = fresh_name(s.scope, &many);
    let index = fresh_name(s.scope, &format!("{}Index", var.unwrap_or("item")));
    let mut pre = Block::default();
    let iter = if is_simple_path(right_text) {
        right_text.to_string()
    } else {
        let name = fresh_name(s.scope, &format!("{}List", var.unwrap_or("item")));
        pre.line(0, format!("const {name} = Array.from({right_text}){semi}"));
        name
    };
    let items_arg = if var == Some(larg_text.as_str()) {
        iter.clone()
    } else {
        format!("{iter}.map(({left_text}) => {larg_text})")
    };
    let discard = discarded_statement(s.value, "expression_statement");
    let whole_loop =
        discard.is_some() && (s.body.kind() != "statement_block" || statement_count(s.body) == 1);
    if discard.is_some() {
        pre.line(0, format!("await {bname}({items_arg}){semi}"));
    } else {
        pre.line(
            0,
            format!("const {many} = await {bname}({items_arg}){semi}"),
        );
    }
    let pre_text = pre.render(&base, &lunit, nl);
    let mut ledits = Vec::new();
    match discard {
        Some(st) => {
            ledits.extend(discarded_call_edits(
                &text, s.lnode, st, whole_loop, pre_text,
            )?);
        }
        None => {
            ledits.push(Edit {
                range: ls..ls,
                new_text: pre_text,
            });
            ledits.push(Edit {
                range: s.left.start_byte()..s.left.end_byte(),
                new_text: format!("[{index}, {left_text}]"),
            });
            ledits.push(Edit {
                range: s.right.start_byte()..s.right.end_byte(),
                new_text: format!("{iter}.entries()"),
            });
            ledits.push(Edit {
                range: s.value.start_byte()..s.value.end_byte(),
                new_text: format!("{many}[{index}]"),
            });
        }
    }
    if hop.path != f.path {
        let spec = import_specifier(&text, root, &fname).ok_or_else(|| {
            format!("{fname} is not imported by name in {} (`import {{ {fname} }}` or `const {{ {fname} }} = require(..)`)", f.path)
        })?;
        let only_use = word_count(&text, &fname, &['$']) == 2;
        if only_use {
            ledits.push(Edit {
                range: spec.start_byte()..spec.end_byte(),
                new_text: bname.clone(),
            });
        } else {
            ledits.push(Edit {
                range: spec.end_byte()..spec.end_byte(),
                new_text: format!(", {bname}"),
            });
        }
    }
    if s.value.kind() != "await_expression" {
        return Err("the call is not awaited".into());
    }
    Ok(batch_result(
        &f.path, ledits, &hop.path, cedits, &ba.name, limit_n, notes,
    ))
}

fn lang_of_path(path: &str) -> Result<Lang, String> {
    Lang::from_path(path).ok_or_else(|| format!("unknown language for {path}"))
}
