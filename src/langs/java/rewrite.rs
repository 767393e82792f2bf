//! Java rewrites: `CompletableFuture` on a bounded `ExecutorService` (results read back in input
//! order, the first failing item's exception rethrown unwrapped), and a batched companion of the
//! helper that makes the single remote call. Both run through the shared pipeline
//! ([`pipeline::run`]); the generated code's text is in `templates/rewrite/*.java.j2`.

use crate::code::{BatchAlternative, ChainHop, Finding, Lang};
use crate::guidance::rewrite::pipeline::{
    self, Cx, Kind, Limit, Rendered, RewriteHooks, Role, Source, code,
};
use crate::guidance::rewrite::*;
use serde::Serialize;
use tree_sitter::Node;

const IDENT: &[&str] = &["identifier"];

const COMPANION: &str = include_str!("templates/rewrite/batch_companion.java.j2");
const BATCH_SITE: &str = include_str!("templates/rewrite/batch_site.java.j2");
const LOGGER_FIELD: &str = include_str!("templates/rewrite/logger_field.java.j2");
const CONCURRENT: &str = include_str!("templates/rewrite/concurrent.java.j2");

const JAVA_LANG: &[&str] = &[
    "String",
    "Boolean",
    "Integer",
    "Long",
    "Short",
    "Byte",
    "Character",
    "Double",
    "Float",
    "Object",
    "Void",
    "Number",
];

fn boxed(t: &str) -> String {
    match t {
        "boolean" => "Boolean",
        "int" => "Integer",
        "long" => "Long",
        "double" => "Double",
        "float" => "Float",
        "char" => "Character",
        "byte" => "Byte",
        "short" => "Short",
        other => other,
    }
    .to_string()
}

enum Header {
    /// `for (T x : xs)`.
    Each { var: String },
    /// `for (int i = 0; i < n; i++)`.
    Counted { var: String },
}

impl Header {
    fn var(&self) -> &str {
        match self {
            Header::Each { var } | Header::Counted { var } => var,
        }
    }

    /// The stem of the names the rewrite adds at the loop (`skuResults`, `itemResults`).
    fn stem(&self) -> &str {
        match self {
            Header::Each { var } => var,
            Header::Counted { .. } => "item",
        }
    }
}

struct Site<'t> {
    text: &'t str,
    lnode: Node<'t>,
    body: Node<'t>,
    /// The call the finding points at.
    call: Node<'t>,
    /// The call, extended over chained calls that only use the loop variable (`a.b(x).c()`).
    value: Node<'t>,
    header: Header,
    method: Node<'t>,
    scope: String,
    base: String,
    unit: String,
    nl: &'static str,
    discard: Option<Node<'t>>,
}

fn assigned_names(text: &str, n: Node, out: &mut Vec<String>) {
    let target = match n.kind() {
        "assignment_expression" => n.child_by_field_name("left"),
        "update_expression" => n.named_child(0),
        _ => None,
    };
    if let Some(t) = target {
        identifiers(text, t, IDENT, out);
    }
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        assigned_names(text, ch, out);
    }
}

/// The concurrent rewrite runs the calls on a pool: refuse clients that are not thread-safe.
fn thread_safe(f: &Finding) -> Result<(), String> {
    if let Some(api) = f.chain.iter().find_map(|h| h.api.as_deref())
        && !crate::code::catalog::is_thread_safe("java", api)
    {
        return Err(format!(
            "{api} is not thread-safe; running the calls on a pool would share one instance \
             between threads (batch the query instead)"
        ));
    }
    Ok(())
}

/// The call, the loop around it and the loop's block body.
fn loop_nodes<'t>(f: &Finding, root: Node<'t>) -> Result<[Node<'t>; 3], String> {
    let call = node_of_kind(root, &f.span, &["method_invocation"])
        .ok_or("the finding does not point at a method call")?;
    let lp = f.loops.first().ok_or("the finding has no loop")?;
    let lnode = node_of_kind(
        root,
        &lp.span,
        &[
            "enhanced_for_statement",
            "for_statement",
            "while_statement",
            "do_statement",
            "lambda_expression",
            "method_invocation",
        ],
    )
    .ok_or("the loop is not a for loop")?;
    let body = lnode
        .child_by_field_name("body")
        .filter(|b| b.kind() == "block")
        .ok_or_else(|| match lnode.kind() {
            "while_statement" | "do_statement" => {
                "while loops have no item list to run up front".to_string()
            }
            "enhanced_for_statement" | "for_statement" => {
                "the loop body is not a block".to_string()
            }
            _ => "only for loops are rewritten (not streams or forEach lambdas)".to_string(),
        })?;
    if !matches!(lnode.kind(), "enhanced_for_statement" | "for_statement") {
        return Err("while loops have no item list to run up front".into());
    }
    if !is_ancestor(body, call) {
        return Err("the call is not in the loop body".into());
    }
    Ok([call, lnode, body])
}

/// `for (T x : xs)` over a name or field.
fn each_header(text: &str, lnode: Node, body_assigned: &[String]) -> Result<Header, String> {
    let (Some(name), Some(value)) = (
        lnode.child_by_field_name("name"),
        lnode.child_by_field_name("value"),
    ) else {
        return Err("the loop header is incomplete".into());
    };
    let it = text_of(text, value);
    if !is_simple_path(it.trim_start_matches("this.")) {
        return Err(format!(
            "the loop walks `{it}`; only a collection held in a name or field is rewritten \
             (it is walked twice)"
        ));
    }
    let var = text_of(text, name).to_string();
    if body_assigned.contains(&var) {
        return Err(format!("the loop body reassigns `{var}`"));
    }
    Ok(Header::Each { var })
}

/// `for (int i = 0; i < n; i++)` with `n` a name, `.size()` or `.length`, unchanged in the body.
fn counted_header(text: &str, lnode: Node, body_assigned: &[String]) -> Result<Header, String> {
    let (Some(init), Some(cond)) = (
        lnode.child_by_field_name("init"),
        lnode.child_by_field_name("condition"),
    ) else {
        return Err("the loop is not `for (int i = 0; i < n; i++)`".into());
    };
    let mut c = lnode.walk();
    let updates: Vec<Node> = lnode.children_by_field_name("update", &mut c).collect();
    let it = text_of(text, init).replace(' ', "");
    let var = it
        .trim_end_matches(';')
        .strip_prefix("int")
        .and_then(|r| r.strip_suffix("=0"))
        .filter(|v| v.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .ok_or("the loop is not `for (int i = 0; i < n; i++)`")?
        .to_string();
    let ct = text_of(text, cond).replace(' ', "");
    let bound = ct
        .strip_prefix(&format!("{var}<"))
        .ok_or("the loop is not `for (int i = 0; i < n; i++)`")?;
    let bound_base = bound
        .strip_suffix(".size()")
        .or_else(|| bound.strip_suffix(".length"))
        .unwrap_or(bound);
    if !is_simple_path(bound_base) {
        return Err(format!(
            "the loop bound `{bound}` is not a name, .size() or .length"
        ));
    }
    let upd: Vec<String> = updates
        .iter()
        .map(|u| text_of(text, *u).replace(' ', ""))
        .collect();
    if upd.len() != 1
        || ![format!("{var}++"), format!("++{var}"), format!("{var}+=1")].contains(&upd[0])
    {
        return Err("the loop is not `for (int i = 0; i < n; i++)`".into());
    }
    if body_assigned.contains(&var)
        || body_assigned
            .iter()
            .any(|a| a == bound_base.split('.').next().unwrap_or(""))
    {
        return Err(format!(
            "the loop body changes `{var}` or `{bound_base}`; the items are not known up front"
        ));
    }
    Ok(Header::Counted { var })
}

/// The call extended over chained calls whose arguments use only the loop variable and class
/// names.
fn extend_over_chain<'t>(text: &str, call: Node<'t>, loop_var: &str) -> Node<'t> {
    let mut value = call;
    while let Some(p) = value.parent() {
        let chained = p.kind() == "method_invocation"
            && p.child_by_field_name("object")
                .is_some_and(|o| o.id() == value.id());
        if !chained {
            break;
        }
        let mut ids = Vec::new();
        if let Some(a) = p.child_by_field_name("arguments") {
            identifiers(text, a, IDENT, &mut ids);
            let mut stack = vec![a];
            let mut has_fn = false;
            while let Some(x) = stack.pop() {
                has_fn |= matches!(x.kind(), "lambda_expression" | "method_reference");
                let mut c = x.walk();
                stack.extend(x.children(&mut c));
            }
            if has_fn {
                break;
            }
        }
        if ids
            .iter()
            .all(|i| i == loop_var || i.starts_with(|c: char| c.is_ascii_uppercase()))
        {
            value = p;
        } else {
            break;
        }
    }
    value
}

/// Step 1: the loop, its header and the call.
fn locate<'t>(f: &Finding, src: &'t Source) -> Result<Site<'t>, String> {
    let (text, root) = (src.text.as_str(), src.root());
    let [call, lnode, body] = loop_nodes(f, root)?;
    let method = ancestor_of_kind(
        lnode,
        &[
            "method_declaration",
            "constructor_declaration",
            "lambda_expression",
        ],
    )
    .filter(|m| m.kind() != "lambda_expression")
    .ok_or("the loop is not directly inside a method")?;
    let mut body_assigned = Vec::new();
    assigned_names(text, body, &mut body_assigned);
    let header = if lnode.kind() == "enhanced_for_statement" {
        each_header(text, lnode, &body_assigned)?
    } else {
        counted_header(text, lnode, &body_assigned)?
    };
    let value = extend_over_chain(text, call, header.var());
    let ls = line_start(text, lnode.start_byte());
    Ok(Site {
        text,
        lnode,
        body,
        call,
        value,
        header,
        method,
        scope: text_of(text, method).to_string(),
        base: leading_ws(text, ls),
        unit: indent_unit(text, 4),
        nl: newline(text),
        discard: discarded_statement(value, "expression_statement"),
    })
}

/// `a && call()` runs the call only sometimes.
fn short_circuit(text: &str, s: &Site) -> Result<(), String> {
    let mut child = s.value;
    let mut cur = s.value.parent();
    while let Some(n) = cur {
        if n.id() == s.body.id() {
            break;
        }
        if n.kind() == "binary_expression"
            && n.child_by_field_name("right")
                .is_some_and(|r| is_ancestor(r, child))
            && n.child_by_field_name("operator")
                .is_some_and(|o| matches!(text_of(text, o), "&&" | "||"))
        {
            return Err(
                "the call runs only when the left side of `&&`/`||` allows it; running it for \
                 every item up front would add calls"
                    .into(),
            );
        }
        child = n;
        cur = n.parent();
    }
    Ok(())
}

/// Names a statement assigns (declarations, assignments, `++`).
fn statement_assigns(text: &str, n: Node, out: &mut Vec<String>) {
    let target = match n.kind() {
        "variable_declarator" => n.child_by_field_name("name"),
        "assignment_expression" => n.child_by_field_name("left"),
        "update_expression" => n.named_child(0),
        _ => None,
    };
    if let Some(t) = target {
        identifiers(text, t, IDENT, out);
    }
}

/// Step 2: the shared statement-level checks with Java's node kinds, then the lambda's
/// captures (concurrent) and the loop owning its line.
fn java_guards(cx: &Cx, s: &Site) -> Result<(), String> {
    let text = s.text;
    short_circuit(text, s)?;
    let assigned = |n: Node, out: &mut Vec<String>| statement_assigns(text, n, out);
    let g = Guards {
        conditional: &[
            "if_statement",
            "ternary_expression",
            "switch_expression",
            "switch_block_statement_group",
            "switch_rule",
        ],
        loops: &[
            "for_statement",
            "enhanced_for_statement",
            "while_statement",
            "do_statement",
        ],
        functions: &["lambda_expression", "class_body"],
        exits: &[
            "return_statement",
            "break_statement",
            "continue_statement",
            "throw_statement",
            "yield_statement",
        ],
        tries: &[
            "try_statement",
            "try_with_resources_statement",
            "catch_clause",
        ],
        assigned: &assigned,
        ident_kinds: IDENT,
    };
    check_guards(text, s.value, s.value, s.body, &g)?;
    if cx.kind == Kind::Concurrent {
        captures_are_final(text, s)?;
    }
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

/// The lambda captures the call's locals: they must be effectively final.
fn captures_are_final(text: &str, s: &Site) -> Result<(), String> {
    let mut method_assigned = Vec::new();
    assigned_names(text, s.method, &mut method_assigned);
    let mut used = Vec::new();
    identifiers(text, s.value, IDENT, &mut used);
    let counted = match &s.header {
        Header::Counted { var } => Some(var.as_str()),
        _ => None,
    };
    if let Some(bad) = used
        .iter()
        .find(|u| method_assigned.contains(u) && Some(u.as_str()) != counted)
    {
        return Err(format!(
            "the call uses `{bad}`, which the method reassigns; a lambda cannot capture it"
        ));
    }
    Ok(())
}

fn root_of(p: &crate::code::ParsedFile) -> Result<Node<'_>, String> {
    p.tree()
        .map(|t| t.root_node())
        .ok_or_else(|| "could not parse the file".to_string())
}

/// The declared return type of the method the loop calls, boxed, as the loop's file can
/// write it.
fn return_type(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    caller_text: &str,
    args: usize,
) -> Result<String, String> {
    let unknown = || {
        format!(
            "the return type of {} is not declared in the workspace; the rewrite needs it for \
             the futures' type",
            f.callee
        )
    };
    let hop = f.chain.first().ok_or_else(unknown)?;
    let name = f.callee.rsplit('.').next().unwrap_or(&f.callee);
    let (class, hname) = hop.function.rsplit_once('.').ok_or_else(unknown)?;
    if hname != name || hop.api.is_some() && hop.path == f.path {
        return Err(unknown());
    }
    let htext = read(files, &hop.path)?;
    let hp = parse(Lang::Java, &htext)?;
    let hroot = root_of(&hp)?;
    let mut found = None;
    let mut stack = vec![hroot];
    while let Some(n) = stack.pop() {
        if n.kind() == "method_declaration"
            && n.child_by_field_name("name")
                .is_some_and(|x| text_of(&htext, x) == name)
            && n.child_by_field_name("parameters")
                .is_some_and(|p| p.named_child_count() == args)
            && ancestor_of_kind(
                n,
                &[
                    "class_declaration",
                    "interface_declaration",
                    "record_declaration",
                ],
            )
            .and_then(|c| c.child_by_field_name("name"))
            .is_some_and(|c| text_of(&htext, c) == class)
        {
            found = n.child_by_field_name("type");
            break;
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    let t = found.ok_or_else(unknown)?;
    let tt = text_of(&htext, t);
    if tt == "void" {
        return Err(format!("{} returns void but its result is used", f.callee));
    }
    // Every named type must be visible from the loop's file.
    let same_pkg = package_of(&htext) == package_of(caller_text);
    let mut names = Vec::new();
    identifiers(&htext, t, &["type_identifier"], &mut names);
    for n in names {
        let visible = JAVA_LANG.contains(&n.as_str())
            || same_pkg
            || caller_text.lines().any(|l| {
                let l = l.trim();
                l.starts_with("import ") && l.ends_with(&format!(".{n};"))
            });
        if !visible {
            return Err(format!(
                "{} returns {tt}; the loop's file does not import {n}",
                f.callee
            ));
        }
    }
    Ok(boxed(tt))
}

fn package_of(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("package ")
            .map(|p| p.trim_end_matches(';').trim().to_string())
    })
}

/// Edits adding `import <class>;` for each class not imported yet, at its sorted place.
fn add_imports(text: &str, classes: &[&str]) -> Vec<Edit> {
    let nl = newline(text);
    let mut imports: Vec<(usize, String)> = Vec::new();
    let mut package_end = None;
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("import ") && !t.starts_with("import static ") {
            imports.push((off, t.to_string()));
        } else if t.starts_with("package ") {
            package_end = Some(off + line.len());
        } else if t.contains("class ") || t.contains("interface ") || t.starts_with('@') {
            break;
        }
        off += line.len();
    }
    let mut out: Vec<Edit> = Vec::new();
    for c in classes {
        let pkg = c.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
        let have = imports
            .iter()
            .any(|(_, t)| t == &format!("import {c};") || t == &format!("import {pkg}.*;"));
        if have {
            continue;
        }
        let stmt = format!("import {c};");
        let at = match imports.iter().find(|(_, t)| t.as_str() > stmt.as_str()) {
            Some((o, _)) => *o,
            None => match imports.last() {
                Some((o, _)) => line_end_incl(text, *o),
                None => package_end.unwrap_or(0),
            },
        };
        let new_text = if imports.is_empty() && package_end.is_some() {
            format!("{nl}{stmt}{nl}")
        } else {
            format!("{stmt}{nl}")
        };
        match out.iter_mut().find(|e| e.range.start == at) {
            Some(e) if imports.is_empty() => {
                e.new_text = format!("{}{stmt}{nl}", e.new_text);
            }
            Some(e) => e.new_text.push_str(&new_text),
            None => out.push(Edit {
                range: at..at,
                new_text,
            }),
        }
    }
    out
}

/// The call's text with identifier `from` renamed to `to`.
fn rename_in(text: &str, n: Node, from: &str, to: &str) -> String {
    let mut ids = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        if x.kind() == "identifier" && text_of(text, x) == from {
            let is_member = x.parent().is_some_and(|p| {
                (p.kind() == "method_invocation"
                    && p.child_by_field_name("name")
                        .is_some_and(|m| m.id() == x.id()))
                    || (p.kind() == "field_access"
                        && p.child_by_field_name("field")
                            .is_some_and(|m| m.id() == x.id()))
            });
            if !is_member {
                ids.push(x.start_byte()..x.end_byte());
            }
        }
        let mut c = x.walk();
        stack.extend(x.children(&mut c));
    }
    ids.sort_by_key(|r| std::cmp::Reverse(r.start));
    let mut s = text_of(text, n).to_string();
    for r in ids {
        s.replace_range((r.start - n.start_byte())..(r.end - n.start_byte()), to);
    }
    s
}

/// Checked exception types the enclosing method declares (`throws A, B`).
fn declared_throws(text: &str, method: Node) -> Vec<String> {
    let mut c = method.walk();
    let Some(t) = method.children(&mut c).find(|k| k.kind() == "throws") else {
        return Vec::new();
    };
    let mut c2 = t.walk();
    t.named_children(&mut c2)
        .map(|x| text_of(text, x).to_string())
        .collect()
}

/// The concurrent rewrite's names and text, for `concurrent.java.j2`.
#[derive(Serialize)]
struct ConcurrentCtx {
    n: usize,
    keep: bool,
    fut_ty: String,
    results: String,
    pool: String,
    futures: String,
    future: String,
    failure: String,
    ignored: String,
    thrown: String,
    header: String,
    /// `int index = i;` for a counted loop (the lambda captures the copy).
    copy: Option<String>,
    call_text: String,
    supply: &'static str,
    throws: Vec<String>,
    /// The running index a `for (T x : xs)` loop reads results back with.
    index: Option<String>,
}

/// Names not used in `scope` yet, each added to it once taken.
struct Fresh(String);

impl Fresh {
    fn take(&mut self, base: &str) -> String {
        let name = fresh_name(&self.0, base);
        self.0.push(' ');
        self.0.push_str(&name);
        name
    }
}

/// Step 5 of the concurrent rewrite.
fn concurrent_plan(cx: &Cx, s: &Site) -> Result<ConcurrentCtx, String> {
    let text = s.text;
    let mut fresh = Fresh(s.scope.clone());
    let keep = s.discard.is_none();
    let fut_ty = if keep {
        let args = match cx.f.chain.first() {
            Some(_) => s
                .call
                .child_by_field_name("arguments")
                .map(|a| a.named_child_count())
                .unwrap_or(0),
            None => 0,
        };
        return_type(cx.f, &|p| cx.src.raw(p), text, args)?
    } else {
        "Void".into()
    };
    let throws = declared_throws(text, s.method);
    let results = fresh.take(&format!("{}Results", s.header.stem()));
    let [pool, futures, future, failure, ignored, thrown] =
        ["pool", "futures", "future", "failure", "ignored", "thrown"].map(|b| fresh.take(b));
    let (copy, call_text) = match &s.header {
        Header::Counted { var } => {
            let c = fresh.take("index");
            (
                Some(format!("int {c} = {var};")),
                rename_in(text, s.value, var, &c),
            )
        }
        Header::Each { .. } => (None, text_of(text, s.value).to_string()),
    };
    let index = match &s.header {
        Header::Each { .. } if keep => Some(fresh.take(&format!("{}Index", s.header.stem()))),
        _ => None,
    };
    Ok(ConcurrentCtx {
        n: cx.opts.concurrency,
        keep,
        fut_ty,
        results,
        pool,
        futures,
        future,
        failure,
        ignored,
        thrown,
        header: text
            .get(s.lnode.start_byte()..s.body.start_byte())
            .unwrap_or("")
            .trim_end()
            .to_string(),
        copy,
        call_text,
        supply: if keep { "supplyAsync" } else { "runAsync" },
        throws,
        index,
    })
}

/// Step 6 of the concurrent rewrite: the pool around the loop, results read back in order.
fn concurrent_render(cx: &Cx, s: &Site, c: &ConcurrentCtx) -> Result<Rendered, String> {
    let text = s.text;
    let block = code("concurrent.java.j2", CONCURRENT, c, &s.base, &s.unit, s.nl)?;
    let mut edits = Vec::new();
    match s.discard {
        Some(st) => edits.extend(discarded_call_edits(
            text,
            s.lnode,
            st,
            statement_count(s.body) == 1,
            block,
        )?),
        None => {
            let read_back = match (&s.header, &c.index) {
                (Header::Each { .. }, Some(idx)) => format!("{}.get({idx}++)", c.results),
                (h, _) => format!("{}.get({})", c.results, h.var()),
            };
            let ls = line_start(text, s.lnode.start_byte());
            edits.push(Edit {
                range: ls..ls,
                new_text: block,
            });
            edits.push(Edit {
                range: s.value.start_byte()..s.value.end_byte(),
                new_text: read_back,
            });
        }
    }
    let mut notes = vec![
        "Every item's call now runs before the loop body does, so an early exit in the body no \
         longer saves the remaining calls."
            .to_string(),
        format!(
            "The calls run on a pool of {} threads: the client they use ({}) must be \
             thread-safe.",
            c.n, cx.f.callee
        ),
    ];
    if !c.throws.is_empty() {
        notes.push(format!(
            "Checked exceptions are wrapped in CompletionException inside the task and \
             unwrapped after join() (the method declares throws {}).",
            c.throws.join(", ")
        ));
    }
    Ok(Rendered {
        files: vec![FileEdits {
            path: cx.f.path.clone(),
            edits,
        }],
        notes,
    })
}

/// The imports of the concurrent rewrite.
const CONCURRENT_IMPORTS: [&str; 6] = [
    "java.util.ArrayList",
    "java.util.List",
    "java.util.concurrent.CompletableFuture",
    "java.util.concurrent.CompletionException",
    "java.util.concurrent.ExecutorService",
    "java.util.concurrent.Executors",
];

/// The name of the class, interface or record declaring `n`.
fn enclosing_class(text: &str, n: Node) -> Option<String> {
    ancestor_of_kind(
        n.parent()?,
        &[
            "class_declaration",
            "interface_declaration",
            "record_declaration",
            "enum_declaration",
        ],
    )
    .and_then(|c| c.child_by_field_name("name"))
    .map(|c| text_of(text, c).to_string())
}

/// A method `name` (with `args` parameters when given) declared in class `class`.
fn find_method<'t>(
    text: &str,
    root: Node<'t>,
    class: &str,
    name: &str,
    args: Option<usize>,
) -> Option<Node<'t>> {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "method_declaration"
            && n.child_by_field_name("name")
                .is_some_and(|x| text_of(text, x) == name)
            && args.is_none_or(|a| params_of(text, n).is_some_and(|p| p.len() == a))
            && enclosing_class(text, n).as_deref() == Some(class)
        {
            return Some(n);
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    None
}

/// `(type, name)` of each parameter; `None` for varargs or receiver parameters.
fn params_of(text: &str, m: Node) -> Option<Vec<(String, String)>> {
    let pl = m.child_by_field_name("parameters")?;
    let mut c = pl.walk();
    let mut out = Vec::new();
    for p in pl.named_children(&mut c) {
        if p.kind().contains("comment") {
            continue;
        }
        if p.kind() != "formal_parameter" {
            return None;
        }
        out.push((
            text_of(text, p.child_by_field_name("type")?).to_string(),
            text_of(text, p.child_by_field_name("name")?).to_string(),
        ));
    }
    Some(out)
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `List<X>` → `X`.
fn list_elem(t: &str) -> Option<String> {
    squash(t)
        .strip_prefix("List<")
        .and_then(|r| r.strip_suffix('>'))
        .map(str::to_string)
}

/// Named, non-comment statements of a method's body.
fn body_statements(m: Node) -> Vec<Node> {
    let Some(b) = m.child_by_field_name("body") else {
        return Vec::new();
    };
    let mut c = b.walk();
    b.named_children(&mut c)
        .filter(|k| !k.kind().contains("comment"))
        .collect()
}

/// The declared type of `name` as seen from `at`: a parameter or local of the method, else a
/// field of the class.
fn declared_type_of(text: &str, method: Node, name: &str) -> Option<String> {
    let scopes = [Some(method), ancestor_of_kind(method, &["class_body"])];
    for scope in scopes.into_iter().flatten() {
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "formal_parameter" | "catch_formal_parameter"
                    if n.child_by_field_name("name")
                        .is_some_and(|x| text_of(text, x) == name) =>
                {
                    return n
                        .child_by_field_name("type")
                        .map(|t| text_of(text, t).to_string());
                }
                "local_variable_declaration" | "field_declaration" => {
                    let mut c = n.walk();
                    if n.children_by_field_name("declarator", &mut c).any(|d| {
                        d.child_by_field_name("name")
                            .is_some_and(|x| text_of(text, x) == name)
                    }) {
                        return n
                            .child_by_field_name("type")
                            .map(|t| text_of(text, t).to_string());
                    }
                }
                // Nested methods of the class body are not the loop's scope.
                "method_declaration" | "constructor_declaration" if n.id() != method.id() => {
                    continue;
                }
                _ => {}
            }
            let mut c = n.walk();
            stack.extend(n.children(&mut c));
        }
    }
    None
}

/// Types declared directly inside class `class` (nested records, classes, enums).
fn nested_types(text: &str, root: Node, class: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if matches!(
            n.kind(),
            "class_declaration"
                | "interface_declaration"
                | "record_declaration"
                | "enum_declaration"
        ) && enclosing_class(text, n).as_deref() == Some(class)
            && let Some(nm) = n.child_by_field_name("name")
        {
            out.push(text_of(text, nm).to_string());
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    out
}

/// Parameter types of `E`'s canonical record header or of a constructor of class `E`.
fn constructors(text: &str, root: Node, ty: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let named = n
            .child_by_field_name("name")
            .is_some_and(|x| text_of(text, x) == ty);
        if n.kind() == "record_declaration"
            && named
            && let Some(p) = params_of(text, n)
        {
            out.push(p.into_iter().map(|(t, _)| squash(&t)).collect());
        }
        if n.kind() == "constructor_declaration"
            && named
            && let Some(p) = params_of(text, n)
        {
            out.push(p.into_iter().map(|(t, _)| squash(&t)).collect());
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    out
}

/// A `static final int` batch-size constant of the batch API's class: (name, value, private).
fn java_limit_constant(text: &str, root: Node, class: &str) -> Option<(String, usize, bool)> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "field_declaration" && enclosing_class(text, n).as_deref() == Some(class) {
            let mut c = n.walk();
            let mods: Vec<String> = n
                .children(&mut c)
                .filter(|k| k.kind() == "modifiers")
                .map(|k| text_of(text, k).to_string())
                .collect();
            let mods = mods.join(" ");
            let words: Vec<&str> = mods.split_whitespace().collect();
            let is_int = n
                .child_by_field_name("type")
                .is_some_and(|t| text_of(text, t) == "int");
            if is_int && words.contains(&"static") && words.contains(&"final") {
                let mut c2 = n.walk();
                for d in n.children_by_field_name("declarator", &mut c2) {
                    let (Some(nm), Some(v)) = (
                        d.child_by_field_name("name"),
                        d.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    let name = text_of(text, nm).to_string();
                    let up = name.to_ascii_uppercase();
                    if !(up.contains("BATCH") || up.contains("CHUNK") || up.contains("LIMIT")) {
                        continue;
                    }
                    if let Ok(v) = text_of(text, v).replace('_', "").parse::<usize>()
                        && v > 0
                    {
                        found.push((name, v, words.contains(&"private")));
                    }
                }
            }
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    found.sort_by_key(|(n, _, _)| !n.to_ascii_uppercase().contains("BATCH"));
    found.into_iter().next()
}

fn is_member_name(x: Node) -> bool {
    x.parent().is_some_and(|p| {
        (p.kind() == "method_invocation"
            && p.child_by_field_name("name")
                .is_some_and(|m| m.id() == x.id()))
            || (p.kind() == "field_access"
                && p.child_by_field_name("field")
                    .is_some_and(|m| m.id() == x.id()))
    })
}

/// Identifiers of `n` that are not member names (`a` in `a.b()`, not `b`), plus `this`.
fn free_names(text: &str, n: Node, out: &mut Vec<String>) {
    if (n.kind() == "identifier" && !is_member_name(n)) || n.kind() == "this" {
        out.push(text_of(text, n).to_string());
    }
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        free_names(text, ch, out);
    }
}

fn is_plain_arg(text: &str, n: Node) -> bool {
    n.kind().ends_with("_literal")
        || matches!(n.kind(), "true" | "false")
        || is_simple_path(text_of(text, n).trim_start_matches("this."))
}

const PRIMITIVES: &[&str] = &[
    "boolean", "int", "long", "double", "float", "char", "byte", "short", "void",
];

/// What the batch rewrite knows from the finding: the helper the loop calls, the single remote
/// call it makes, and the batch API's class and method.
struct BatchTarget<'s> {
    ba: &'s BatchAlternative,
    hop: &'s ChainHop,
    next: &'s ChainHop,
    bclass: &'s str,
    bmethod: &'s str,
    hclass: &'s str,
    hname: &'s str,
    single: &'s str,
}

/// Step 0 of the batch rewrite.
fn batch_target(f: &Finding) -> Result<BatchTarget<'_>, String> {
    let ba = f
        .batch_alternative
        .as_ref()
        .ok_or("no batch API was found for this call")?;
    let hop = helper_hop(f, ba)?;
    let next = f.chain.get(1).ok_or("the finding has no call chain")?;
    let (Some(bclass), bmethod) = split_qualified(&ba.name) else {
        return Err(format!("{} is not a method of a class", ba.name.trim()));
    };
    let bclass = bclass.rsplit('.').next().unwrap_or(bclass);
    let (hclass, hname) = hop
        .function
        .rsplit_once('.')
        .ok_or("the helper is not a method")?;
    let hclass = hclass.rsplit('.').next().unwrap_or(hclass);
    let single = next.function.rsplit('.').next().unwrap_or(&next.function);
    if f.callee.rsplit('.').next() != Some(hname) {
        return Err(format!(
            "{} does not resolve to the helper {}",
            f.callee, hop.function
        ));
    }
    Ok(BatchTarget {
        ba,
        hop,
        next,
        bclass,
        bmethod,
        hclass,
        hname,
        single,
    })
}

/// How the loop calls the helper: its arguments, which one is the item (`k`), and the list the
/// loop walks.
struct LoopCall<'t> {
    cargs: Vec<Node<'t>>,
    k: usize,
    list_expr: String,
    list_ty: String,
}

fn named_args(call: Node) -> Vec<Node> {
    call.child_by_field_name("arguments")
        .map(|a| {
            let mut c = a.walk();
            a.named_children(&mut c)
                .filter(|k| !k.kind().contains("comment"))
                .collect()
        })
        .unwrap_or_default()
}

/// The list the loop walks and the expression of its item.
fn walked_list(text: &str, s: &Site) -> Result<(String, String), String> {
    match &s.header {
        Header::Each { var } => {
            let v = s.lnode.child_by_field_name("value").ok_or("no iterable")?;
            Ok((text_of(text, v).to_string(), var.clone()))
        }
        Header::Counted { var } => {
            let cond = s
                .lnode
                .child_by_field_name("condition")
                .ok_or("no condition")?;
            let ct = squash(text_of(text, cond));
            let xs = ct
                .strip_prefix(&format!("{var}<"))
                .and_then(|b| b.strip_suffix(".size()"))
                .ok_or("the counted loop does not run to a list's .size(); only lists are batched")?
                .to_string();
            Ok((xs.clone(), format!("{xs}.get({var})")))
        }
    }
}

fn loop_call<'t>(f: &Finding, s: &Site<'t>) -> Result<LoopCall<'t>, String> {
    let text = s.text;
    if s.value.id() != s.call.id() {
        return Err(format!(
            "the loop chains another call on {}'s result; only the result itself is read back \
             from the batch",
            f.callee
        ));
    }
    let cargs = named_args(s.call);
    let (list_expr, item_arg) = walked_list(text, s)?;
    let varying: Vec<usize> = cargs
        .iter()
        .enumerate()
        .filter(|(_, a)| squash(text_of(text, **a)) == item_arg)
        .map(|(i, _)| i)
        .collect();
    let [k] = varying.as_slice() else {
        return Err(format!(
            "{} is not called with the loop's item (`{item_arg}`) as exactly one argument; the \
             batch companion takes the list of items",
            f.callee
        ));
    };
    let k = *k;
    let mut body_assigned = Vec::new();
    assigned_names(text, s.body, &mut body_assigned);
    let loop_var = s.header.var();
    for (i, a) in cargs.iter().enumerate() {
        if i == k {
            continue;
        }
        let mut ids = Vec::new();
        free_names(text, *a, &mut ids);
        if !is_plain_arg(text, *a)
            || ids
                .iter()
                .any(|x| *x == loop_var || body_assigned.contains(x))
        {
            return Err(format!(
                "{}'s argument `{}` changes per item or is computed; the batch companion takes \
                 one list of items and the other arguments once",
                f.callee,
                text_of(text, *a)
            ));
        }
    }
    let list_name = list_expr.trim_start_matches("this.");
    let list_ty = declared_type_of(text, s.method, list_name)
        .and_then(|t| list_elem(&t))
        .ok_or_else(|| {
            format!("`{list_expr}` is not declared as a List; the batch companion takes a List")
        })?;
    Ok(LoopCall {
        cargs,
        k,
        list_expr,
        list_ty,
    })
}

/// The helper's declaration: `return <recv>.<single>(<params>);`.
struct HelperDecl<'t> {
    h: &'t Source,
    decl: Node<'t>,
    params: Vec<(String, String)>,
    ptype: String,
    pname: String,
    ret: String,
    recv: String,
    /// The single call's arguments, as the helper writes them.
    sargs: Vec<String>,
    mods: Vec<String>,
    is_static: bool,
    throws: String,
    bname: String,
}

fn helper_decl<'t>(
    t: &BatchTarget,
    h: &'t Source,
    lc: &LoopCall,
) -> Result<HelperDecl<'t>, String> {
    let (htext, hroot) = (h.text.as_str(), h.root());
    let (hname, hclass, single) = (t.hname, t.hclass, t.single);
    let decl = find_method(htext, hroot, hclass, hname, Some(lc.cargs.len()))
        .ok_or_else(|| format!("the declaration of {} was not found", t.hop.function))?;
    let params =
        params_of(htext, decl).ok_or_else(|| format!("{} takes varargs", t.hop.function))?;
    let (ptype, pname) = params
        .get(lc.k)
        .cloned()
        .ok_or_else(|| format!("the declaration of {} was not found", t.hop.function))?;
    if boxed(&squash(&ptype)) != lc.list_ty {
        return Err(format!(
            "`{}` holds {} but {hname} takes {ptype}; the batch companion takes \
             List<{}>",
            lc.list_expr,
            lc.list_ty,
            boxed(&ptype)
        ));
    }
    let ret = decl
        .child_by_field_name("type")
        .map(|t| text_of(htext, t).to_string())
        .ok_or("the helper has no return type")?;
    let scall = node_of_kind(hroot, &t.hop.span, &["method_invocation"])
        .ok_or("the helper's remote call was not found")?;
    let stmts = body_statements(decl);
    let only_returns = stmts.len() == 1
        && stmts[0].kind() == "return_statement"
        && stmts[0]
            .named_child(0)
            .is_some_and(|e| e.id() == scall.id());
    if !only_returns {
        return Err(format!(
            "{hname} does more than `return` the result of {single}(...); its extra work would \
             have to be repeated per batch element"
        ));
    }
    let recv = scall
        .child_by_field_name("object")
        .map(|o| text_of(htext, o).to_string())
        .filter(|o| is_simple_path(o.trim_start_matches("this.")))
        .ok_or_else(|| format!("{hname} does not call {single} on a field or name"))?;
    let sargs = named_args(scall);
    single_call_args(htext, t, &params, &pname, &sargs)?;
    let (mods, throws) = modifiers_and_throws(htext, decl);
    let bname = format!("{hname}Batch");
    if find_method(htext, hroot, hclass, &bname, None).is_some() {
        return Err(format!("{bname} already exists in {hclass}"));
    }
    Ok(HelperDecl {
        h,
        decl,
        sargs: sargs
            .iter()
            .map(|a| text_of(htext, *a).to_string())
            .collect(),
        is_static: mods.iter().any(|m| m == "static"),
        params,
        ptype,
        pname,
        ret,
        recv,
        mods,
        throws,
        bname,
    })
}

/// The single call passes only the helper's parameters (or literals), the item among them.
fn single_call_args(
    htext: &str,
    t: &BatchTarget,
    params: &[(String, String)],
    pname: &str,
    sargs: &[Node],
) -> Result<(), String> {
    let (hname, single) = (t.hname, t.single);
    let pnames: Vec<&str> = params.iter().map(|(_, n)| n.as_str()).collect();
    if sargs.iter().any(|a| {
        !(a.kind().ends_with("_literal")
            || (a.kind() == "identifier" && pnames.contains(&text_of(htext, *a))))
    }) {
        return Err(format!(
            "{hname} passes computed arguments to {single}; only its parameters (or literals) \
             are carried into the batch request"
        ));
    }
    if !sargs.iter().any(|a| text_of(htext, *a) == pname) {
        return Err(format!(
            "{hname} does not pass its per-item parameter `{pname}` to {single}"
        ));
    }
    Ok(())
}

/// The modifiers the companion copies from the helper, and its ` throws …` clause.
fn modifiers_and_throws(text: &str, decl: Node) -> (Vec<String>, String) {
    let mut c = decl.walk();
    let mods = decl
        .children(&mut c)
        .find(|m| m.kind() == "modifiers")
        .map(|m| text_of(text, m).to_string())
        .unwrap_or_default();
    let mods = mods
        .split_whitespace()
        .filter(|w| {
            matches!(
                *w,
                "public" | "protected" | "private" | "static" | "final" | "synchronized"
            )
        })
        .map(str::to_string)
        .collect();
    let mut c = decl.walk();
    let throws = decl
        .children(&mut c)
        .find(|k| k.kind() == "throws")
        .map(|t| format!(" {}", text_of(text, t)))
        .unwrap_or_default();
    (mods, throws)
}

/// The batch API's declaration and how the single call maps onto it.
struct ApiDecl<'t> {
    b: &'t Source,
    /// The single call's declaration, next to the batch API.
    sdecl: Node<'t>,
    /// The batch API's element and result types.
    elem: String,
    bret: String,
    /// How one item becomes one request element (`new {ELEM}(a, b)`), when not the item itself.
    request_elem: Option<String>,
    /// How one answer element becomes the helper's result: `(variable, expression)`.
    post: Option<(String, String)>,
}

fn api_decl<'t>(t: &BatchTarget, hd: &HelperDecl, b: &'t Source) -> Result<ApiDecl<'t>, String> {
    let (btext, broot) = (b.text.as_str(), b.root());
    let (ba, hname, single) = (t.ba, t.hname, t.single);
    let bdecl = find_method(btext, broot, t.bclass, t.bmethod, Some(1))
        .ok_or_else(|| format!("{} does not take one parameter", ba.name.trim()))?;
    if let Some(th) = {
        let mut c = bdecl.walk();
        bdecl.children(&mut c).find(|k| k.kind() == "throws")
    } {
        return Err(format!(
            "{} declares `{}`; the fallback would have to decide which checked failures to \
             retry item by item",
            ba.name.trim(),
            text_of(btext, th)
        ));
    }
    let bparam = params_of(btext, bdecl).unwrap_or_default();
    let elem = bparam
        .first()
        .and_then(|(t, _)| list_elem(t))
        .ok_or_else(|| format!("{} does not take a List of items", ba.name.trim()))?;
    let bret = bdecl
        .child_by_field_name("type")
        .and_then(|t| list_elem(text_of(btext, t)))
        .ok_or_else(|| {
            format!(
                "{} does not return a List; which result belongs to which item cannot be read \
                 from its signature",
                ba.name.trim()
            )
        })?;
    let sdecl = find_method(btext, broot, t.bclass, single, Some(hd.sargs.len()))
        .ok_or_else(|| format!("the declaration of {} was not found", t.next.function))?;
    let sparams = params_of(btext, sdecl).unwrap_or_default();
    let sret = sdecl
        .child_by_field_name("type")
        .map(|t| text_of(btext, t).to_string())
        .unwrap_or_default();
    if boxed(&squash(&sret)) != boxed(&squash(&hd.ret)) {
        return Err(format!(
            "{hname} returns {} but {single} returns {sret}; the rewrite keeps the helper's \
             result type only when they agree",
            hd.ret
        ));
    }
    let stypes: Vec<String> = sparams.iter().map(|(t, _)| squash(t)).collect();
    let request_elem = request_element(t, hd, b, &elem, &stypes)?;
    let post = if boxed(&squash(&sret)) != bret {
        Some(answer_element(t, btext, sdecl, &bret, &sret)?)
    } else {
        None
    };
    Ok(ApiDecl {
        b,
        sdecl,
        elem,
        bret,
        request_elem,
        post,
    })
}

/// How one item becomes one element of the batch request: the item itself, or a constructor
/// of the element type taking the single call's arguments.
fn request_element(
    t: &BatchTarget,
    hd: &HelperDecl,
    b: &Source,
    elem: &str,
    stypes: &[String],
) -> Result<Option<String>, String> {
    let elem_simple = elem.rsplit('.').next().unwrap_or(elem).to_string();
    if stypes.len() == 1 && boxed(&stypes[0]) == elem && hd.sargs[0] == hd.pname {
        Ok(None)
    } else if constructors(&b.text, b.root(), &elem_simple)
        .into_iter()
        .chain(constructors(&hd.h.text, hd.h.root(), &elem_simple))
        .any(|c| c == stypes)
    {
        Ok(Some(format!("new {{ELEM}}({})", hd.sargs.join(", "))))
    } else {
        Err(format!(
            "{} takes List<{elem}> but {} takes ({}), and no {elem_simple}({}) \
             constructor was found in the workspace; the batch request cannot carry every \
             argument of the per-item call",
            t.ba.name.trim(),
            t.single,
            stypes.join(", "),
            stypes.join(", ")
        ))
    }
}

/// How one element of the batch answer becomes the helper's result: the single call's body
/// `T x = <call>; return <expression of x>;` re-applied to the element.
fn answer_element(
    t: &BatchTarget,
    btext: &str,
    sdecl: Node,
    bret: &str,
    sret: &str,
) -> Result<(String, String), String> {
    let st = body_statements(sdecl);
    let shape = match st.as_slice() {
        [decl, ret]
            if decl.kind() == "local_variable_declaration" && ret.kind() == "return_statement" =>
        {
            let dty = decl
                .child_by_field_name("type")
                .map(|t| squash(text_of(btext, t)))
                .unwrap_or_default();
            let mut c = decl.walk();
            let ds: Vec<Node> = decl.children_by_field_name("declarator", &mut c).collect();
            match (ds.as_slice(), ret.named_child(0)) {
                ([d], Some(e)) if dty == bret && d.child_by_field_name("value").is_some() => {
                    let v = d
                        .child_by_field_name("name")
                        .map(|n| text_of(btext, n).to_string())
                        .unwrap_or_default();
                    let mut names = Vec::new();
                    free_names(btext, e, &mut names);
                    names.iter().all(|n| *n == v).then_some((v, e))
                }
                _ => None,
            }
        }
        _ => None,
    };
    let Some((v, e)) = shape else {
        return Err(format!(
            "{} returns List<{bret}> but {} returns {sret}; the per-item result cannot \
             be derived from a batch element (only `{bret} x = <call>; return <expression of \
             x>;` is re-applied)",
            t.ba.name.trim(),
            t.single
        ));
    };
    // Renamed in the plan once the companion's names are known.
    Ok((v, text_of(btext, e).to_string()))
}

/// A type as the helper's file writes it: nested types of the batch API's class qualified,
/// every other name visible there (same package, imported, java.lang, primitive).
fn type_in_helper(
    t: &BatchTarget,
    hd: &HelperDecl,
    api: &ApiDecl,
    ty: &str,
) -> Result<String, String> {
    let htext = hd.h.text.as_str();
    let nested = if t.hclass == t.bclass {
        Vec::new()
    } else {
        nested_types(&api.b.text, api.b.root(), t.bclass)
    };
    let same_pkg = package_of(&api.b.text) == package_of(htext);
    let mut out = String::new();
    let mut word = String::new();
    let flush = |w: &mut String, out: &mut String| -> Result<(), String> {
        if w.is_empty() {
            return Ok(());
        }
        let visible = nested.contains(w)
            || PRIMITIVES.contains(&w.as_str())
            || JAVA_LANG.contains(&w.as_str())
            || w == "List"
            || same_pkg
            || htext.lines().any(|l| {
                let l = l.trim();
                l.starts_with("import ") && l.ends_with(&format!(".{w};"))
            });
        if !visible {
            return Err(format!(
                "{} is not visible from {}; add its import first",
                w, t.hclass
            ));
        }
        if nested.contains(w) && !out.ends_with('.') {
            out.push_str(t.bclass);
            out.push('.');
        }
        out.push_str(w);
        w.clear();
        Ok(())
    };
    for ch in ty.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '$' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out)?;
            out.push(ch);
        }
    }
    flush(&mut word, &mut out)?;
    Ok(out)
}

/// Step 3 of the batch rewrite, everything the companion is built from.
struct Helper<'s> {
    lc: LoopCall<'s>,
    hd: HelperDecl<'s>,
    api: ApiDecl<'s>,
    /// Types as the helper's file writes them.
    elem_h: String,
    bret_h: String,
    res_ty: String,
    item_ty: String,
}

fn batch_helper<'s>(cx: &Cx<'s>, t: &BatchTarget<'s>, s: &Site<'s>) -> Result<Helper<'s>, String> {
    let lc = loop_call(cx.f, s)?;
    let h = cx.src.get(Role::Helper, &t.hop.path)?;
    let hd = helper_decl(t, h, &lc)?;
    let b = cx.src.get(Role::Api, &t.ba.path)?;
    let api = api_decl(t, &hd, b)?;
    let elem_h = type_in_helper(t, &hd, &api, &api.elem)?;
    let bret_h = type_in_helper(t, &hd, &api, &api.bret)?;
    let res_ty = boxed(&squash(&hd.ret));
    let item_ty = boxed(&squash(&hd.ptype));
    Ok(Helper {
        lc,
        hd,
        api,
        elem_h,
        bret_h,
        res_ty,
        item_ty,
    })
}

/// Step 4: a `static final int` batch-size constant of the batch API's class, else the option.
fn batch_limit(cx: &Cx, t: &BatchTarget, h: &Helper) -> Limit {
    let (b, bclass) = (h.api.b, t.bclass);
    match java_limit_constant(&b.text, b.root(), bclass) {
        Some((name, v, false)) => Limit {
            expr: if t.hclass == bclass {
                name
            } else {
                format!("{bclass}.{name}")
            },
            value: v,
            notes: Vec::new(),
            edits: Vec::new(),
        },
        Some((name, v, true)) => Limit {
            expr: v.to_string(),
            value: v,
            notes: vec![format!(
                "Chunk size {v} copied from the private {bclass}.{name}."
            )],
            edits: Vec::new(),
        },
        None => Limit {
            expr: cx.opts.batch_limit.to_string(),
            value: cx.opts.batch_limit,
            notes: vec![format!(
                "Assumed a batch limit of {} ({bclass} defines no static final int batch-size \
                 constant).",
                cx.opts.batch_limit
            )],
            edits: Vec::new(),
        },
    }
}

/// The companion's names and text, for `batch_companion.java.j2`.
#[derive(Serialize)]
struct CompanionCtx {
    bname: String,
    hname: String,
    pname: String,
    bmethod: String,
    bret: String,
    bret_h: String,
    limit: String,
    /// The helper's modifiers followed by a space, or "".
    mods: String,
    res_ty: String,
    item_ty: String,
    /// The companion's parameters: the helper's, with the item's replaced by the list.
    params: String,
    throws: String,
    recv: String,
    plural: String,
    started: String,
    results: String,
    fallbacks: String,
    start: String,
    chunk: String,
    batch: String,
    failure: String,
    idx: String,
    /// Building the request list: `(list name, element type, element expression)`.
    requests: Option<(String, String, String)>,
    /// What the batch API is called with: the request list or the chunk.
    request_list: String,
    /// One answer element turned into the helper's result: `(variable, expression)`.
    post: Option<(String, String)>,
    fallback_args: String,
    log: String,
    /// How a warning is logged with an exception (`LOG.log(Level.WARNING, ` or `log.warn(`)
    /// and without one; the message and `)` follow.
    warn_exc: String,
    warn: String,
}

/// The logger the companion reports with.
struct Logger {
    name: String,
    jul: bool,
    level: &'static str,
    /// A `java.util.logging.Logger` field to add: (its type as written, the field's line).
    added: Option<&'static str>,
}

/// The helper class's `Logger` field (static when the helper is): (name, is java.util.logging).
fn logger_field(htext: &str, class_node: Node, is_static: bool) -> Option<(String, bool)> {
    let mut c = class_node.walk();
    for fd in class_node.named_children(&mut c) {
        if fd.kind() != "field_declaration" {
            continue;
        }
        let ty = fd
            .child_by_field_name("type")
            .map(|t| text_of(htext, t).to_string())
            .unwrap_or_default();
        if ty != "Logger" && !ty.ends_with(".Logger") {
            continue;
        }
        let fstatic = text_of(htext, fd)
            .split('=')
            .next()
            .unwrap_or("")
            .contains("static");
        if is_static && !fstatic {
            continue;
        }
        let jul = ty == "java.util.logging.Logger"
            || (ty == "Logger" && htext.contains("import java.util.logging.Logger;"));
        let mut c2 = fd.walk();
        if let Some(n) = fd
            .children_by_field_name("declarator", &mut c2)
            .next()
            .and_then(|d| d.child_by_field_name("name"))
        {
            return Some((text_of(htext, n).to_string(), jul));
        }
    }
    None
}

/// Logging: the class's Logger field, else a java.util.logging one added (named `fresh`).
fn choose_logger(
    htext: &str,
    class_node: Node,
    is_static: bool,
    fresh: &mut Fresh,
    himports: &mut Vec<&'static str>,
) -> Logger {
    let other_logger = htext.lines().any(|l| {
        let l = l.trim();
        l.starts_with("import ")
            && l.ends_with(".Logger;")
            && l != "import java.util.logging.Logger;"
    });
    let logger = match logger_field(htext, class_node, is_static) {
        Some((name, jul)) => Logger {
            name,
            jul,
            level: if jul && other_logger {
                "java.util.logging.Level"
            } else {
                "Level"
            },
            added: None,
        },
        None => {
            let name = fresh.take("LOG");
            let (lt, level) = if other_logger {
                ("java.util.logging.Logger", "java.util.logging.Level")
            } else {
                himports.push("java.util.logging.Logger");
                ("Logger", "Level")
            };
            Logger {
                name,
                jul: true,
                level,
                added: Some(lt),
            }
        }
    };
    if logger.jul && !logger.level.contains('.') {
        himports.push("java.util.logging.Level");
    }
    logger
}

/// The loop site's names and text, for `batch_site.java.j2`.
#[derive(Serialize)]
struct BatchSiteCtx {
    call_text: String,
    /// The results list, unless the loop drops the call's value.
    results: Option<String>,
    rty: String,
    index: Option<String>,
}

struct BatchPlan<'s> {
    t: BatchTarget<'s>,
    s: Site<'s>,
    h: Helper<'s>,
    notes: Vec<String>,
    companion: CompanionCtx,
    logger: Logger,
    site: BatchSiteCtx,
    /// The per-item read inside the loop (`skuResults.get(skuIndex++)`).
    read_back: Option<String>,
    himports: Vec<&'static str>,
    limports: Vec<&'static str>,
}

/// The answer's variable, renamed when the companion's names or the helper's parameters
/// take it, and the expression re-applied to each answer element.
fn renamed_post(
    hd: &HelperDecl,
    api: &ApiDecl,
    fresh: &mut Fresh,
    reserved: &[&String],
) -> Result<Option<(String, String)>, String> {
    let Some((v, _)) = &api.post else {
        return Ok(None);
    };
    let taken = hd.params.iter().any(|(_, n)| n == v) || reserved.contains(&v);
    let v2 = if taken { fresh.take(v) } else { v.clone() };
    // Re-parse the expression from the single method to rename its variable.
    let st = body_statements(api.sdecl);
    let en = st
        .get(1)
        .and_then(|r| r.named_child(0))
        .ok_or("no return expression")?;
    let e = rename_in(&api.b.text, en, v, &v2);
    Ok(Some((v2, e)))
}

/// The companion's parameters (the helper's, the item's replaced by the list) and the
/// per-item fallback call's arguments.
fn companion_params(h: &Helper, plural: &str, chunk: &str, idx: &str) -> (String, String) {
    let k = h.lc.k;
    let params: Vec<String> =
        h.hd.params
            .iter()
            .enumerate()
            .map(|(i, (ty, n))| {
                if i == k {
                    format!("List<{}> {plural}", h.item_ty)
                } else {
                    format!("{ty} {n}")
                }
            })
            .collect();
    let fallback_args: Vec<String> =
        h.hd.params
            .iter()
            .enumerate()
            .map(|(i, (_, n))| {
                if i == k {
                    format!("{chunk}.get({idx})")
                } else {
                    n.clone()
                }
            })
            .collect();
    (params.join(", "), fallback_args.join(", "))
}

/// Names in the companion: fresh in the helper's class (and the answer's expression).
fn companion_names(
    t: &BatchTarget,
    h: &Helper,
    limit: &Limit,
    class_node: Node,
) -> Result<(CompanionCtx, Fresh), String> {
    let (hd, api) = (&h.hd, &h.api);
    let htext = hd.h.text.as_str();
    let mut fresh = Fresh(format!(
        "{} {}",
        text_of(htext, class_node),
        api.post.as_ref().map(|p| p.1.as_str()).unwrap_or("")
    ));
    let pname = &hd.pname;
    let plural = fresh.take(&format!("{pname}s"));
    let [
        started,
        results,
        fallbacks,
        start,
        chunk,
        requests,
        batch,
        failure,
        idx,
    ] = [
        "started",
        "results",
        "fallbacks",
        "start",
        "chunk",
        "requests",
        "batch",
        "failure",
        "i",
    ]
    .map(|b| fresh.take(b));
    let reserved = [
        &plural, &started, &results, &fallbacks, &start, &chunk, &requests, &batch, &failure, &idx,
    ];
    let post = renamed_post(hd, api, &mut fresh, &reserved)?;
    let (params, fallback_args) = companion_params(h, &plural, &chunk, &idx);
    let requests = api.request_elem.as_ref().map(|tmpl| {
        (
            requests.clone(),
            h.elem_h.clone(),
            tmpl.replace("{ELEM}", &h.elem_h),
        )
    });
    let ctx = CompanionCtx {
        bname: hd.bname.clone(),
        hname: t.hname.to_string(),
        pname: pname.clone(),
        bmethod: t.bmethod.to_string(),
        bret: api.bret.clone(),
        bret_h: h.bret_h.clone(),
        limit: limit.expr.clone(),
        mods: hd.mods.iter().map(|m| format!("{m} ")).collect(),
        res_ty: h.res_ty.clone(),
        item_ty: h.item_ty.clone(),
        params,
        throws: hd.throws.clone(),
        recv: hd.recv.clone(),
        request_list: requests.as_ref().map_or(chunk.clone(), |r| r.0.clone()),
        requests,
        plural,
        started,
        results,
        fallbacks,
        start,
        chunk,
        batch,
        failure,
        idx,
        post,
        fallback_args,
        log: String::new(),
        warn_exc: String::new(),
        warn: String::new(),
    };
    Ok((ctx, fresh))
}

/// The loop site: one companion call before the loop, per-item reads inside.
fn batch_site_plan(
    cx: &Cx,
    s: &Site,
    h: &Helper,
    limports: &mut Vec<&'static str>,
) -> Result<(BatchSiteCtx, Option<String>), String> {
    let text = s.text;
    let qual = s
        .call
        .child_by_field_name("object")
        .map(|o| format!("{}.", text_of(text, o)))
        .unwrap_or_default();
    let bargs: Vec<String> =
        h.lc.cargs
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if i == h.lc.k {
                    h.lc.list_expr.clone()
                } else {
                    text_of(text, *a).to_string()
                }
            })
            .collect();
    let call_text = format!("{qual}{}({})", h.hd.bname, bargs.join(", "));
    let mut lscope = s.scope.clone();
    let stem = s.header.stem();
    let lres = fresh_name(&lscope, &format!("{stem}Results"));
    lscope.push_str(&format!(" {lres}"));
    if s.discard.is_some() {
        let site = BatchSiteCtx {
            call_text,
            results: None,
            rty: String::new(),
            index: None,
        };
        return Ok((site, None));
    }
    let rty = return_type(cx.f, &|p| cx.src.raw(p), text, h.lc.cargs.len())?;
    limports.push("java.util.List");
    let (index, read_back) = match &s.header {
        Header::Counted { var } => (None, format!("{lres}.get({var})")),
        Header::Each { .. } => {
            let li = fresh_name(&lscope, &format!("{stem}Index"));
            let rb = format!("{lres}.get({li}++)");
            (Some(li), rb)
        }
    };
    let site = BatchSiteCtx {
        call_text,
        results: Some(lres),
        rty,
        index,
    };
    Ok((site, Some(read_back)))
}

/// Step 5 of the batch rewrite.
fn batch_plan<'s>(
    cx: &Cx<'s>,
    t: BatchTarget<'s>,
    s: Site<'s>,
    h: Helper<'s>,
    limit: Limit,
) -> Result<BatchPlan<'s>, String> {
    let hd = &h.hd;
    let htext = hd.h.text.as_str();
    let class_node = ancestor_of_kind(hd.decl, &["class_body", "interface_body", "enum_body"])
        .ok_or("the helper is not in a class body")?;
    let (mut companion, mut fresh) = companion_names(&t, &h, &limit, class_node)?;
    let mut himports = vec!["java.util.ArrayList", "java.util.List"];
    let logger = choose_logger(htext, class_node, hd.is_static, &mut fresh, &mut himports);
    let mut notes = limit.notes;
    if logger.added.is_some() {
        notes.push(format!(
            "{} has no Logger field: added a java.util.logging Logger ({}).",
            t.hclass, logger.name
        ));
    }
    let log = &logger.name;
    (companion.warn_exc, companion.warn) = if logger.jul {
        (
            format!("{log}.log({}.WARNING, ", logger.level),
            format!("{log}.warning("),
        )
    } else {
        (format!("{log}.warn("), format!("{log}.warn("))
    };
    companion.log = log.clone();
    himports.sort();
    notes.push(format!(
        "Guessed: {} returns one {} per request, in request order; a chunk whose answer has \
         another size, or whose call throws, falls back to one {} call per {}.",
        t.ba.name.trim(),
        companion.bret,
        t.hname,
        companion.pname
    ));
    if let Some((_, e)) = &companion.post {
        notes.push(format!(
            "Each {} of the batch answer is turned into {}'s result with `{e}`, as \
             {} does with its single answer.",
            companion.bret, t.hname, t.single
        ));
    }
    notes.push(
        "Every item is now checked before the loop body runs, so an early exit in the body no \
         longer saves the remaining calls."
            .to_string(),
    );
    let mut limports = Vec::new();
    let (site, read_back) = batch_site_plan(cx, &s, &h, &mut limports)?;
    Ok(BatchPlan {
        t,
        s,
        h,
        notes,
        companion,
        logger,
        site,
        read_back,
        himports,
        limports,
    })
}

/// Step 6 of the batch rewrite: the logger field (when added) and the companion after the
/// helper, then the loop site.
fn batch_render(cx: &Cx, p: &BatchPlan) -> Result<Rendered, String> {
    let hd = &p.h.hd;
    let htext = hd.h.text.as_str();
    let hnl = newline(htext);
    let unit = indent_unit(htext, 4);
    let hbase = leading_ws(htext, line_start(htext, hd.decl.start_byte()));
    let mut hedits = Vec::new();
    if let Some(ty) = p.logger.added {
        let class_node = ancestor_of_kind(hd.decl, &["class_body", "interface_body", "enum_body"])
            .ok_or("the helper is not in a class body")?;
        let at = line_end_incl(htext, class_node.start_byte() + 1);
        let ctx = serde_json::json!({"ty": ty, "name": p.logger.name, "class_name": p.t.hclass});
        hedits.push(Edit {
            range: at..at,
            new_text: code(
                "logger_field.java.j2",
                LOGGER_FIELD,
                ctx,
                &hbase,
                &unit,
                hnl,
            )?,
        });
    }
    let at = line_end_incl(htext, hd.decl.end_byte().saturating_sub(1));
    hedits.push(Edit {
        range: at..at,
        new_text: code(
            "batch_companion.java.j2",
            COMPANION,
            &p.companion,
            &hbase,
            &unit,
            hnl,
        )?,
    });
    let s = &p.s;
    let pre = code(
        "batch_site.java.j2",
        BATCH_SITE,
        &p.site,
        &s.base,
        &s.unit,
        s.nl,
    )?;
    let mut ledits = Vec::new();
    match (s.discard, &p.read_back) {
        (Some(st), _) => ledits.extend(discarded_call_edits(
            s.text,
            s.lnode,
            st,
            statement_count(s.body) == 1,
            pre,
        )?),
        (None, read_back) => {
            let ls = line_start(s.text, s.lnode.start_byte());
            ledits.push(Edit {
                range: ls..ls,
                new_text: pre,
            });
            ledits.push(Edit {
                range: s.call.start_byte()..s.call.end_byte(),
                new_text: read_back.clone().unwrap_or_default(),
            });
        }
    }
    Ok(Rendered {
        files: pipeline::loop_and_companion(&cx.f.path, ledits, &p.t.hop.path, hedits),
        notes: p.notes.clone(),
    })
}

/// Step 7 of the batch rewrite: the helper's and the loop's imports (once when they share a
/// file).
fn batch_imports(p: &BatchPlan, out: &mut Rendered) {
    let text = p.s.text;
    if let [one] = out.files.as_mut_slice() {
        let mut all = p.himports.clone();
        all.extend(p.limports.iter().copied());
        all.sort();
        all.dedup();
        one.edits.extend(add_imports(text, &all));
    } else if let [l, h] = out.files.as_mut_slice() {
        l.edits.extend(add_imports(text, &p.limports));
        h.edits.extend(add_imports(&p.h.hd.h.text, &p.himports));
    }
}

/// The Java hooks of the rewrite pipeline.
struct Java;

impl RewriteHooks for Java {
    type BatchTarget<'s> = BatchTarget<'s>;
    type Site<'s> = Site<'s>;
    type Helper<'s> = Helper<'s>;
    type BatchPlan<'s> = BatchPlan<'s>;
    type ConcurrentPlan<'s> = (Site<'s>, ConcurrentCtx);

    fn lang(_path: &str) -> Result<Lang, String> {
        Ok(Lang::Java)
    }

    fn batch_target<'s>(cx: &Cx<'s>) -> Result<BatchTarget<'s>, String> {
        batch_target(cx.f)
    }

    fn site<'s>(cx: &Cx<'s>) -> Result<Site<'s>, String> {
        locate(cx.f, cx.loop_file()?)
    }

    fn guards<'s>(cx: &Cx<'s>, s: &Site<'s>) -> Result<(), String> {
        java_guards(cx, s)
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
        let c = concurrent_plan(cx, &s)?;
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

    fn concurrent_target(cx: &Cx<'_>) -> Result<(), String> {
        thread_safe(cx.f)
    }

    fn batch_imports(p: &BatchPlan<'_>, out: &mut Rendered) -> Result<(), String> {
        batch_imports(p, out);
        Ok(())
    }

    fn concurrent_imports(p: &Self::ConcurrentPlan<'_>, out: &mut Rendered) -> Result<(), String> {
        let mut classes = CONCURRENT_IMPORTS;
        classes.sort();
        if let Some(f) = out.files.first_mut() {
            f.edits.extend(add_imports(p.0.text, &classes));
        }
        Ok(())
    }
}

pub(crate) fn batch(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<Java>(Kind::Batch, f, files, opts)
}

pub(crate) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<Java>(Kind::Concurrent, f, files, opts)
}
