//! Go rewrites: `errgroup.Group` with `SetLimit` (results into pre-sized slices by index), and
//! a batched companion of the helper that makes the single remote call. Both run through the
//! shared pipeline ([`pipeline::run`]); the generated code's text is in
//! `templates/rewrite/*.go.j2`.

use crate::code::{BatchAlternative, ChainHop, Finding, Lang, ParsedFile};
use crate::guidance::rewrite::pipeline::{
    self, Cx, Kind, Limit, Rendered, RewriteHooks, Role, Source, code,
};
use crate::guidance::rewrite::*;
use serde::Serialize;
use std::ops::Range;
use tree_sitter::Node;

const CONCURRENT: &str = include_str!("templates/rewrite/concurrent.go.j2");
const COMPANION: &str = include_str!("templates/rewrite/batch_companion.go.j2");
const BATCH_SITE: &str = include_str!("templates/rewrite/batch_site.go.j2");

const IDENT: &[&str] = &["identifier"];
const ERRGROUP: &str = "golang.org/x/sync/errgroup";

const PREDECLARED: &[&str] = &[
    "bool",
    "byte",
    "complex64",
    "complex128",
    "error",
    "float32",
    "float64",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "rune",
    "string",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "any",
];

fn root_of(p: &ParsedFile) -> Result<Node<'_>, String> {
    p.tree()
        .map(|t| t.root_node())
        .ok_or_else(|| "could not parse the file".to_string())
}

/// How the loop walks its items.
enum Header {
    /// `for K, V := range X`: the key node (`_` or a name), the value name, the ranged name.
    Range {
        /// The whole `K, V := range X` clause.
        clause: Range<usize>,
        key_text: Option<String>,
        value: Option<String>,
        ranged: String,
    },
    /// `for i := 0; i < N; i++`.
    Clause { var: String },
}

/// Where the call sits and what happens to its results.
enum Use {
    /// `call(...)` as a statement, or every result assigned to `_`.
    Discard,
    /// `a, b := call(...)` / `x[k], _ = call(...)`: the left-hand sides (None for `_`).
    Multi {
        stmt_range: Range<usize>,
        targets: Vec<Option<String>>,
        define: bool,
    },
    /// Inside an expression: one result.
    Expr,
}

fn guards_check(text: &str, value: Node, body: Node) -> Result<(), String> {
    go_conditions(text, value, body)?;
    let assigned = |n: Node, out: &mut Vec<String>| {
        let target = match n.kind() {
            "short_var_declaration" | "assignment_statement" | "range_clause" => {
                n.child_by_field_name("left")
            }
            "inc_statement" | "dec_statement" => n.named_child(0),
            "var_spec" | "const_spec" => {
                let mut c = n.walk();
                for nm in n.children_by_field_name("name", &mut c) {
                    out.push(text_of(text, nm).to_string());
                }
                None
            }
            _ => None,
        };
        if let Some(t) = target {
            // `x[i] = ...` assigns x; `p.f = ...` assigns p: both count.
            identifiers(text, t, IDENT, out);
        }
    };
    let g = Guards {
        conditional: &[],
        loops: &["for_statement"],
        functions: &["func_literal"],
        exits: &[
            "return_statement",
            "break_statement",
            "continue_statement",
            "goto_statement",
        ],
        tries: &[],
        assigned: &assigned,
        ident_kinds: IDENT,
    };
    check_guards(text, value, value, body, &g)
}

/// Conditions Go-style, walking up from the call to the loop body: a call in an `if`'s
/// initializer or condition (or a switch's value) runs every time; one in a branch, after a
/// short-circuit operator, or in `go` / `defer` does not.
fn go_conditions(text: &str, value: Node, body: Node) -> Result<(), String> {
    let mut child = value;
    let mut cur = value.parent();
    while let Some(n) = cur {
        if n.id() == body.id() {
            break;
        }
        let field_is = |f: &str| {
            n.child_by_field_name(f)
                .is_some_and(|c| is_ancestor(c, child))
        };
        match n.kind() {
            "if_statement" if !(field_is("initializer") || field_is("condition")) => {
                return Err(
                    "the call runs only under a condition inside the loop; running it for \
                     every item up front would add calls"
                        .into(),
                );
            }
            "expression_switch_statement" | "type_switch_statement" | "select_statement"
                if !(field_is("initializer") || field_is("value")) =>
            {
                return Err(
                    "the call runs only in one case of a switch inside the loop; running it \
                     for every item up front would add calls"
                        .into(),
                );
            }
            "binary_expression" if field_is("right") => {
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| text_of(text, o))
                    .unwrap_or("");
                if op == "&&" || op == "||" {
                    return Err(
                        "the call runs only when the left side of `&&`/`||` allows it; \
                         running it for every item up front would add calls"
                            .into(),
                    );
                }
            }
            "go_statement" | "defer_statement" => {
                return Err("the call is deferred or started as a goroutine already".into());
            }
            _ => {}
        }
        child = n;
        cur = n.parent();
    }
    Ok(())
}

/// Declared type text of `name` in the function (parameter, `var`, `:=` of a composite/make),
/// or of an enclosing range loop's value variable (element of that slice).
fn slice_elem_of<'t>(text: &str, func: Node<'t>, lnode: Node<'t>, name: &str) -> Option<String> {
    let decl = declared_type(text, func, lnode.start_byte(), name)?;
    decl.strip_prefix("[]").map(str::to_string).or_else(|| {
        // Arrays: [N]T.
        let rest = decl.strip_prefix('[')?;
        let (n, t) = rest.split_once(']')?;
        n.chars().all(|c| c.is_ascii_digit()).then(|| t.to_string())
    })
}

/// The written type of `name` as seen at `before` inside `func`.
fn declared_type(text: &str, func: Node, before: usize, name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    let mut stack = vec![func];
    while let Some(n) = stack.pop() {
        if n.start_byte() >= before {
            continue;
        }
        match n.kind() {
            "parameter_declaration" | "var_spec" => {
                let mut c = n.walk();
                let names: Vec<String> = n
                    .children_by_field_name("name", &mut c)
                    .map(|x| text_of(text, x).to_string())
                    .collect();
                if names.iter().any(|x| x == name)
                    && let Some(t) = n.child_by_field_name("type")
                {
                    found = Some(text_of(text, t).to_string());
                }
            }
            "short_var_declaration" => {
                let (Some(l), Some(r)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) else {
                    continue;
                };
                let mut c = l.walk();
                let ls: Vec<Node> = l.named_children(&mut c).collect();
                let mut c2 = r.walk();
                let rs: Vec<Node> = r.named_children(&mut c2).collect();
                if ls.len() == rs.len() {
                    for (a, b) in ls.iter().zip(&rs) {
                        if text_of(text, *a) == name {
                            found = composite_type(text, *b);
                        }
                    }
                }
            }
            "for_statement" if n.end_byte() > before => {
                // An enclosing range loop: `for _, v := range xs` gives v the element type.
                let mut c = n.walk();
                if let Some(rc) = n.children(&mut c).find(|k| k.kind() == "range_clause")
                    && let (Some(l), Some(r)) = (
                        rc.child_by_field_name("left"),
                        rc.child_by_field_name("right"),
                    )
                {
                    let mut c2 = l.walk();
                    let ls: Vec<Node> = l.named_children(&mut c2).collect();
                    if ls.len() == 2
                        && text_of(text, ls[1]) == name
                        && r.kind() == "identifier"
                        && let Some(el) = slice_elem_of(text, func, n, text_of(text, r))
                    {
                        found = Some(el);
                    }
                }
            }
            _ => {}
        }
        let mut c = n.walk();
        let kids: Vec<Node> = n.children(&mut c).collect();
        stack.extend(kids.into_iter().rev());
    }
    found
}

/// `make([]T, ...)` / `[]T{...}` → `[]T`.
fn composite_type(text: &str, n: Node) -> Option<String> {
    match n.kind() {
        "composite_literal" => n
            .child_by_field_name("type")
            .map(|t| text_of(text, t).to_string()),
        "call_expression" => {
            let f = n.child_by_field_name("function")?;
            if text_of(text, f) != "make" {
                return None;
            }
            let a = n.child_by_field_name("arguments")?;
            a.named_child(0).map(|t| text_of(text, t).to_string())
        }
        _ => None,
    }
}

/// The loop, the call inside it and everything the rewrites need.
struct Site<'t> {
    text: &'t str,
    lnode: Node<'t>,
    body: Node<'t>,
    body_list: Option<Node<'t>>,
    call: Node<'t>,
    header: Header,
    /// Number of items (`len(items)`), for `make`.
    count: String,
    func: Node<'t>,
    scope: String,
    base: String,
    unit: String,
    nl: &'static str,
    use_: Use,
    /// Statement holding the call (a child of the body's statement list).
    stmt: Node<'t>,
    loop_vars: Vec<String>,
}

/// `for K, V := range X` over a slice held in a name.
fn range_header(
    text: &str,
    func: Node,
    lnode: Node,
    rc: Node,
    loop_vars: &mut Vec<String>,
) -> Result<(Header, String), String> {
    let (Some(l), Some(r)) = (
        rc.child_by_field_name("left"),
        rc.child_by_field_name("right"),
    ) else {
        return Err("`for range xs` without variables is not rewritten".into());
    };
    if !text_of(text, rc).contains(":=") {
        return Err("the range loop assigns existing variables (`=`, not `:=`)".into());
    }
    if r.kind() != "identifier" {
        return Err(format!(
            "the loop ranges over `{}`; only a slice held in a local name or parameter \
             is rewritten (it is walked twice)",
            text_of(text, r)
        ));
    }
    let rname = text_of(text, r);
    if slice_elem_of(text, func, lnode, rname).is_none() {
        return Err(format!(
            "cannot tell that `{rname}` is a slice (a map is visited in a different \
             order each time; a channel cannot be walked twice)"
        ));
    }
    let mut c2 = l.walk();
    let ls: Vec<Node> = l.named_children(&mut c2).collect();
    let key = ls.first().copied();
    let value = ls.get(1).map(|v| text_of(text, *v).to_string());
    for v in &ls {
        let t = text_of(text, *v);
        if t != "_" {
            loop_vars.push(t.to_string());
        }
    }
    Ok((
        Header::Range {
            clause: rc.start_byte()..rc.end_byte(),
            key_text: key.map(|k| text_of(text, k).to_string()),
            value,
            ranged: rname.to_string(),
        },
        format!("len({rname})"),
    ))
}

/// `for i := 0; i < n; i++` with `n` a name or `len(name)`, unchanged in the body.
fn clause_header(
    text: &str,
    body: Node,
    fc: Node,
    loop_vars: &mut Vec<String>,
) -> Result<(Header, String), String> {
    let (Some(init), Some(cond), Some(upd)) = (
        fc.child_by_field_name("initializer"),
        fc.child_by_field_name("condition"),
        fc.child_by_field_name("update"),
    ) else {
        return Err("the loop is not `for i := 0; i < n; i++`".into());
    };
    let it = text_of(text, init).replace(' ', "");
    let Some(var) = it.strip_suffix(":=0").map(str::to_string) else {
        return Err("the loop is not `for i := 0; i < n; i++`".into());
    };
    let ct = text_of(text, cond);
    let Some(n) = ct
        .strip_prefix(&var)
        .and_then(|r| r.trim_start().strip_prefix('<'))
        .map(|r| r.trim().to_string())
        .filter(|n| !n.starts_with('='))
    else {
        return Err("the loop is not `for i := 0; i < n; i++`".into());
    };
    if text_of(text, upd).replace(' ', "") != format!("{var}++") {
        return Err("the loop is not `for i := 0; i < n; i++`".into());
    }
    let simple_len = n
        .strip_prefix("len(")
        .and_then(|r| r.strip_suffix(')'))
        .is_some_and(is_simple_path);
    if !simple_len && !is_simple_path(&n) {
        return Err(format!("the loop bound `{n}` is not a name or len(name)"));
    }
    let mut assigned = Vec::new();
    collect_go_assigned(text, body, &mut assigned);
    let bound_name = n
        .trim_start_matches("len(")
        .trim_end_matches(')')
        .to_string();
    if assigned.contains(&var) || assigned.contains(&bound_name) {
        return Err(format!(
            "the loop body changes `{var}` or `{bound_name}`; the items are not known up front"
        ));
    }
    loop_vars.push(var.clone());
    Ok((Header::Clause { var }, n))
}

/// What happens to the call's results.
fn use_of(text: &str, call: Node) -> Result<Use, String> {
    let p = call.parent().ok_or("the call has no parent")?;
    if p.kind() == "expression_statement" {
        return Ok(Use::Discard);
    }
    if p.kind() != "expression_list" {
        return Ok(Use::Expr);
    }
    let gp = p.parent().ok_or("no statement")?;
    let is_right = gp
        .child_by_field_name("right")
        .is_some_and(|r| r.id() == p.id());
    let op = gp
        .child_by_field_name("operator")
        .map(|o| text_of(text, o).to_string())
        .unwrap_or_else(|| ":=".into());
    if !(is_right
        && p.named_child_count() == 1
        && matches!(gp.kind(), "short_var_declaration" | "assignment_statement")
        && (op == "=" || op == ":="))
    {
        return Ok(Use::Expr);
    }
    let l = gp.child_by_field_name("left").ok_or("no left side")?;
    let mut c = l.walk();
    let targets: Vec<Option<String>> = l
        .named_children(&mut c)
        .map(|t| {
            let s = text_of(text, t);
            (s != "_").then(|| s.to_string())
        })
        .collect();
    if targets.iter().all(Option::is_none) {
        return Ok(Use::Discard);
    }
    Ok(Use::Multi {
        stmt_range: gp.start_byte()..gp.end_byte(),
        targets,
        define: gp.kind() == "short_var_declaration",
    })
}

/// Step 1: the `for` loop, its header, the call and the statement holding it.
fn locate<'t>(f: &Finding, src: &'t Source) -> Result<Site<'t>, String> {
    let (text, root) = (src.text.as_str(), src.root());
    let call = node_of_kind(root, &f.span, &["call_expression"])
        .ok_or("the finding does not point at a call")?;
    let lp = f.loops.first().ok_or("the finding has no loop")?;
    let lnode = node_of_kind(root, &lp.span, &["for_statement"])
        .ok_or("the loop is not a `for` statement")?;
    let body = lnode
        .child_by_field_name("body")
        .ok_or("the loop has no body")?;
    if !is_ancestor(body, call) {
        return Err("the call is not in the loop body".into());
    }
    let func = ancestor_of_kind(
        lnode,
        &["function_declaration", "method_declaration", "func_literal"],
    )
    .ok_or("the loop is not inside a function")?;
    let mut c = lnode.walk();
    let clause = lnode
        .children(&mut c)
        .find(|k| matches!(k.kind(), "range_clause" | "for_clause"));
    let mut loop_vars = Vec::new();
    let (header, count) = match clause {
        Some(rc) if rc.kind() == "range_clause" => {
            range_header(text, func, lnode, rc, &mut loop_vars)?
        }
        Some(fc) => clause_header(text, body, fc, &mut loop_vars)?,
        None => {
            return Err(
                "`for` loops without a range or three-part header have no item list".into(),
            );
        }
    };
    let body_list = {
        let mut c = body.walk();
        body.named_children(&mut c)
            .find(|k| k.kind() == "statement_list")
    };
    // The statement of the body holding the call.
    let mut stmt = call;
    while let Some(p) = stmt.parent() {
        if Some(p.id()) == body_list.map(|b| b.id()) {
            break;
        }
        stmt = p;
    }
    let ls = line_start(text, lnode.start_byte());
    Ok(Site {
        text,
        lnode,
        body,
        body_list,
        call,
        header,
        count,
        func,
        scope: text_of(text, func).to_string(),
        base: leading_ws(text, ls),
        unit: indent_unit(text, 4),
        nl: newline(text),
        use_: use_of(text, call)?,
        stmt,
        loop_vars,
    })
}

/// Step 2: the shared checks with Go's node kinds, the loop's own line, and a call whose
/// result is returned from the loop.
fn go_guards(s: &Site) -> Result<(), String> {
    let text = s.text;
    guards_check(text, s.call, s.body)?;
    let ls = line_start(text, s.lnode.start_byte());
    if !text
        .get(ls..s.lnode.start_byte())
        .unwrap_or("x")
        .trim()
        .is_empty()
    {
        return Err("the loop does not start its own line".into());
    }
    if s.stmt.kind() == "return_statement" {
        return Err(
            "the call's result is returned from inside the loop (the loop runs once)".into(),
        );
    }
    Ok(())
}

fn collect_go_assigned(text: &str, n: Node, out: &mut Vec<String>) {
    let target = match n.kind() {
        "short_var_declaration" | "assignment_statement" => n.child_by_field_name("left"),
        "inc_statement" | "dec_statement" => n.named_child(0),
        _ => None,
    };
    if let Some(t) = target {
        identifiers(text, t, IDENT, out);
    }
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        collect_go_assigned(text, ch, out);
    }
}

/// The result types of the function the loop calls, as the loop's file must write them.
fn result_types(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    caller_text: &str,
    caller_func: &str,
) -> Result<Vec<String>, String> {
    let unknown = || {
        format!(
            "the result types of {} are not declared in the workspace; the rewrite needs them \
             for the per-item result slices",
            f.callee
        )
    };
    let hop = f.chain.first().ok_or_else(unknown)?;
    let name = f.callee.rsplit('.').next().unwrap_or(&f.callee);
    let hop_name = hop.function.rsplit('.').next().unwrap_or(&hop.function);
    if hop_name != name || (hop.path == f.path && hop_name == caller_func) {
        return Err(unknown());
    }
    let htext = read(files, &hop.path)?;
    let hp = parse(Lang::Go, &htext)?;
    let hroot = root_of(&hp)?;
    let recv_type = hop.function.rsplit_once('.').map(|(r, _)| r.to_string());
    let mut c = hroot.walk();
    let decl = hroot
        .named_children(&mut c)
        .find(|d| {
            matches!(d.kind(), "function_declaration" | "method_declaration")
                && d.child_by_field_name("name")
                    .is_some_and(|n| text_of(&htext, n) == name)
                && match (&recv_type, d.child_by_field_name("receiver")) {
                    (Some(r), Some(rv)) => word_occurs(text_of(&htext, rv), r),
                    (None, None) => true,
                    _ => false,
                }
        })
        .ok_or_else(unknown)?;
    let Some(res) = decl.child_by_field_name("result") else {
        return Ok(Vec::new());
    };
    let types: Vec<Node> = if res.kind() == "parameter_list" {
        let mut out = Vec::new();
        let mut c = res.walk();
        for pd in res.named_children(&mut c) {
            let Some(t) = pd.child_by_field_name("type") else {
                continue;
            };
            let mut c2 = pd.walk();
            let n = pd.children_by_field_name("name", &mut c2).count().max(1);
            for _ in 0..n {
                out.push(t);
            }
        }
        out
    } else {
        vec![res]
    };
    let same_pkg = dir_of(&hop.path) == dir_of(&f.path);
    let qualifier = if same_pkg {
        None
    } else {
        let pkg = package_name(&htext).ok_or_else(unknown)?;
        Some(import_name_for(caller_text, &pkg).ok_or_else(|| {
            format!(
                "{} returns types of package {pkg}, which the loop's file does not import",
                f.callee
            )
        })?)
    };
    let mut out = Vec::new();
    for t in types {
        out.push(qualify(
            &htext,
            t,
            qualifier.as_deref(),
            caller_text,
            &f.callee,
        )?);
    }
    Ok(out)
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn package_name(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("package ").map(|p| p.trim().to_string()))
}

/// Imports of a Go file as (name used in code, path).
fn imports(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for l in text.lines() {
        let t = l.trim();
        let spec = if in_block {
            if t.starts_with(')') {
                in_block = false;
                continue;
            }
            t
        } else if t == "import (" {
            in_block = true;
            continue;
        } else if let Some(s) = t.strip_prefix("import ") {
            s
        } else {
            continue;
        };
        let Some(q) = spec.find('"') else {
            continue;
        };
        let path = spec[q + 1..].split('"').next().unwrap_or("").to_string();
        let alias = spec[..q].trim();
        let name = if alias.is_empty() {
            let last = path.rsplit('/').next().unwrap_or(&path);
            // `.../v9` names the package by the segment before the version.
            if last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) {
                path.rsplit('/').nth(1).unwrap_or(last).to_string()
            } else {
                last.to_string()
            }
        } else {
            alias.to_string()
        };
        out.push((name, path));
    }
    out
}

fn import_name_for(text: &str, pkg: &str) -> Option<String> {
    imports(text).into_iter().find_map(|(name, path)| {
        (path.rsplit('/').next() == Some(pkg) || name == pkg).then_some(name)
    })
}

/// Rewrite a result type from the callee's package so the caller can write it.
fn qualify(
    htext: &str,
    t: Node,
    q: Option<&str>,
    caller_text: &str,
    callee: &str,
) -> Result<String, String> {
    let mut edits: Vec<(usize, String)> = Vec::new();
    let mut stack = vec![t];
    let mut problem = None;
    while let Some(n) = stack.pop() {
        match n.kind() {
            "qualified_type" => {
                let pkg = n
                    .child_by_field_name("package")
                    .map(|p| text_of(htext, p))
                    .unwrap_or("");
                let known = imports(caller_text).iter().any(|(nm, _)| nm == pkg);
                if q.is_some() && !known {
                    problem = Some(format!(
                        "{callee} returns a {pkg}. type, which the loop's file does not import"
                    ));
                }
                continue;
            }
            "type_identifier" => {
                let name = text_of(htext, n);
                if PREDECLARED.contains(&name) {
                    continue;
                }
                if let Some(q) = q {
                    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
                        problem = Some(format!(
                            "{callee} returns the unexported type {name}; the rewrite cannot \
                             name it in the loop's package"
                        ));
                    }
                    edits.push((n.start_byte() - t.start_byte(), format!("{q}.")));
                }
                continue;
            }
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    if let Some(p) = problem {
        return Err(p);
    }
    let mut s = text_of(htext, t).to_string();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (at, ins) in edits {
        s.insert_str(at, &ins);
    }
    Ok(s)
}

/// `go 1.N` from the nearest go.mod at or above the file's directory.
fn per_iteration_loop_vars(files: &dyn Fn(&str) -> Option<String>, path: &str) -> bool {
    let mut dir = dir_of(path).to_string();
    loop {
        let p = if dir.is_empty() {
            "go.mod".to_string()
        } else {
            format!("{dir}/go.mod")
        };
        if let Some(m) = files(&p) {
            return m.lines().any(|l| {
                l.trim()
                    .strip_prefix("go ")
                    .and_then(|v| v.trim().strip_prefix("1."))
                    .and_then(|m| m.split('.').next())
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| m >= 22)
            });
        }
        if dir.is_empty() {
            return false;
        }
        dir = dir_of(&dir).to_string();
    }
}

/// The edit adding `path` to the file's imports (sorted within the group of non-standard
/// imports, or as a new group), unless it is already imported.
fn add_import(text: &str, path: &str) -> Option<Edit> {
    if imports(text).iter().any(|(_, p)| p == path) {
        return None;
    }
    let nl = newline(text);
    let quoted = format!("\"{path}\"");
    // Lines of the import block.
    let mut off = 0;
    let mut block: Vec<(usize, String)> = Vec::new();
    let mut block_end = None;
    let mut in_block = false;
    let mut single_end = None;
    let mut package_end = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if in_block {
            if t.starts_with(')') {
                block_end = Some(off);
                break;
            }
            block.push((off, t.to_string()));
        } else if t == "import (" {
            in_block = true;
        } else if t.starts_with("import ") {
            single_end = Some(off + line.len());
        } else if t.starts_with("package ") {
            package_end = Some(off + line.len());
        } else if t.starts_with("func ") || t.starts_with("type ") || t.starts_with("var ") {
            break;
        }
        off += line.len();
    }
    let unit = indent_unit(text, 4);
    if let Some(end) = block_end {
        // Groups: runs of non-blank lines.
        let mut groups: Vec<Vec<(usize, String)>> = vec![Vec::new()];
        for (o, t) in &block {
            if t.is_empty() {
                groups.push(Vec::new());
            } else {
                groups.last_mut().unwrap().push((*o, t.clone()));
            }
        }
        groups.retain(|g| !g.is_empty());
        let std = |t: &str| {
            let p = t.split('"').nth(1).unwrap_or("");
            !p.split('/').next().unwrap_or("").contains('.')
        };
        let third = groups.iter().find(|g| g.iter().any(|(_, t)| !std(t)));
        let line = format!("{unit}{quoted}{nl}");
        if let Some(g) = third {
            let at = g
                .iter()
                .find(|(_, t)| t.split('"').nth(1).unwrap_or("") > path)
                .map(|(o, _)| *o)
                .unwrap_or_else(|| {
                    let (o, _) = g.last().unwrap();
                    line_end_incl(text, *o)
                });
            return Some(Edit {
                range: at..at,
                new_text: line,
            });
        }
        return Some(Edit {
            range: end..end,
            new_text: format!("{nl}{line}"),
        });
    }
    if let Some(e) = single_end {
        return Some(Edit {
            range: e..e,
            new_text: format!("import {quoted}{nl}"),
        });
    }
    let at = package_end.unwrap_or(0);
    Some(Edit {
        range: at..at,
        new_text: format!("{nl}import {quoted}{nl}"),
    })
}

fn func_name(text: &str, func: Node) -> String {
    func.child_by_field_name("name")
        .map(|n| text_of(text, n).to_string())
        .unwrap_or_default()
}

/// Does the enclosing function declare `ctx context.Context`?
fn has_ctx_param(text: &str, func: Node) -> bool {
    func.child_by_field_name("parameters").is_some_and(|p| {
        let mut c = p.walk();
        p.named_children(&mut c).any(|pd| {
            let mut c2 = pd.walk();
            let named_ctx = pd
                .children_by_field_name("name", &mut c2)
                .any(|n| text_of(text, n) == "ctx");
            named_ctx
                && pd
                    .child_by_field_name("type")
                    .is_some_and(|t| text_of(text, t) == "context.Context")
        })
    })
}

/// The call's text with the identifier `from` replaced by `to`.
fn rename_in(text: &str, n: Node, from: &str, to: &str) -> String {
    let mut ids = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        if x.kind() == "identifier" && text_of(text, x) == from {
            ids.push(x.start_byte()..x.end_byte());
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

/// The `if err != nil { return ... }` that handles the call's error right away: the node and
/// its return statement's text.
fn immediate_error_return<'t>(text: &str, s: &Site<'t>, err: &str) -> Option<(Node<'t>, String)> {
    let is_check = |n: Node| -> Option<String> {
        if n.kind() != "if_statement" || n.child_by_field_name("alternative").is_some() {
            return None;
        }
        let cond = n.child_by_field_name("condition")?;
        if text_of(text, cond).replace(' ', "") != format!("{err}!=nil") {
            return None;
        }
        let cons = n.child_by_field_name("consequence")?;
        let list = cons.named_child(0)?;
        if list.named_child_count() != 1 {
            return None;
        }
        let ret = list.named_child(0)?;
        if ret.kind() != "return_statement" {
            return None;
        }
        // The return must not depend on the iteration (other than the error).
        let mut used = Vec::new();
        identifiers(text, ret, IDENT, &mut used);
        let mut local = s.loop_vars.clone();
        if let Some(b) = s.body_list {
            collect_go_assigned(text, b, &mut local);
        }
        if used.iter().any(|u| u != err && local.contains(u)) {
            return None;
        }
        Some(text_of(text, ret).to_string())
    };
    let used_elsewhere = |check: Node| {
        s.body_list.is_some_and(|b| {
            let mut c = b.walk();
            b.named_children(&mut c).any(|k| {
                k.id() != s.stmt.id() && k.id() != check.id() && {
                    let mut ids = Vec::new();
                    identifiers(text, k, IDENT, &mut ids);
                    ids.iter().any(|i| i == err)
                }
            })
        })
    };
    let is_check = |n: Node| is_check(n).filter(|_| !used_elsewhere(n));
    if s.stmt.kind() == "if_statement"
        && s.stmt
            .child_by_field_name("initializer")
            .is_some_and(|i| is_ancestor(i, s.call))
    {
        return is_check(s.stmt).map(|r| (s.stmt, r));
    }
    let next = s.stmt.next_named_sibling()?;
    is_check(next).map(|r| (next, r))
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

/// The concurrent rewrite's context, for `concurrent.go.j2`.
#[derive(Serialize)]
struct ConcurrentCtx {
    n: usize,
    g: String,
    /// The derived context, when errors cancel the group.
    gctx: Option<String>,
    /// `discard`, `expr` or `multi`: what the loop does with the call's results.
    use_: &'static str,
    propagates: bool,
    count: String,
    /// The per-item result slices: `(name, element type)`.
    decls: Vec<(String, String)>,
    header: String,
    /// Loop variables copied before the closure (before Go 1.22).
    copies: Vec<String>,
    closure: Vec<String>,
    /// `if err := g.Wait(); err != nil { <ret> }`: the error name and the return.
    wait_err: Option<(String, String)>,
}

/// The plan of the concurrent rewrite: the template's context and the loop's own edits.
struct ConcurrentPlan<'t> {
    ctx: ConcurrentCtx,
    index: String,
    uses_index: bool,
    /// Edits inside the loop (the call replaced by its result slots).
    loop_edits: Vec<Edit>,
    /// Statements of the body that go (the call's, its error check).
    remove: Vec<Node<'t>>,
    notes: Vec<String>,
}

/// What the goroutine does for each `Use` of the call, and what replaces the call in the loop.
struct Closure<'t> {
    decls: Vec<(String, String)>,
    lines: Vec<String>,
    loop_edits: Vec<Edit>,
    remove: Vec<Node<'t>>,
    wait_err: Option<(String, String)>,
    uses_index: bool,
    propagates: bool,
    gctx: Option<String>,
}

/// The per-item result slice for `target`: `<target>Results`.
fn slice_name(target: &str, var_stem: &str) -> String {
    let stem = if target.chars().all(|c| c.is_alphanumeric() || c == '_') {
        target
    } else {
        var_stem
    };
    format!("{stem}Results")
}

/// The call's text for the goroutine: with the group's context when errors cancel it.
fn call_for(s: &Site, fresh: &mut Fresh, propagate: bool) -> (String, Option<String>) {
    let call_text = text_of(s.text, s.call);
    if propagate && has_ctx_param(s.text, s.func) && word_occurs(call_text, "ctx") {
        let gctx = fresh.take("gctx");
        (rename_in(s.text, s.call, "ctx", &gctx), Some(gctx))
    } else {
        (call_text.to_string(), None)
    }
}

fn var_stem(s: &Site) -> String {
    match &s.header {
        Header::Range { value: Some(v), .. } => v.clone(),
        _ => "item".to_string(),
    }
}

/// `Use::Discard` and `Use::Expr`.
fn single_closure<'t>(
    cx: &Cx,
    s: &Site<'t>,
    fresh: &mut Fresh,
    index: &str,
) -> Result<Closure<'t>, String> {
    let mut c = Closure {
        decls: Vec::new(),
        lines: Vec::new(),
        loop_edits: Vec::new(),
        remove: Vec::new(),
        wait_err: None,
        uses_index: false,
        propagates: false,
        gctx: None,
    };
    if let Use::Discard = s.use_ {
        c.lines.push(call_for(s, fresh, false).0);
        c.lines.push("return nil".into());
        c.remove.push(s.stmt);
        return Ok(c);
    }
    let ts = result_types_of(cx, s)?;
    let [t] = ts.as_slice() else {
        return Err(format!(
            "{} returns {} values but is used as one value",
            cx.f.callee,
            ts.len()
        ));
    };
    let name = fresh.take(&slice_name(&var_stem(s), &var_stem(s)));
    c.decls.push((name.clone(), t.clone()));
    let (call, _) = call_for(s, fresh, false);
    c.lines.push(format!("{name}[{index}] = {call}"));
    c.lines.push("return nil".into());
    c.uses_index = true;
    c.loop_edits.push(Edit {
        range: s.call.start_byte()..s.call.end_byte(),
        new_text: format!("{name}[{index}]"),
    });
    Ok(c)
}

fn result_types_of(cx: &Cx, s: &Site) -> Result<Vec<String>, String> {
    let caller_func = func_name(s.text, s.func);
    result_types(cx.f, &|p| cx.src.raw(p), s.text, &caller_func)
}

/// The error's name, its `if err != nil { return ... }` check and that return's text.
type ErrorCheck<'t> = (String, (Node<'t>, String));

/// The `if err != nil { return ... }` right after the call, and the callee's result types
/// when the result slices need them.
fn handler_and_types<'t>(
    cx: &Cx,
    s: &Site<'t>,
    targets: &[Option<String>],
) -> Result<(Option<ErrorCheck<'t>>, Option<Vec<String>>), String> {
    let f = cx.f;
    let err_name = targets.last().cloned().flatten();
    let handler = err_name
        .as_deref()
        .and_then(|e| immediate_error_return(s.text, s, e).map(|h| (e.to_string(), h)));
    let need_types = targets[..targets.len() - 1].iter().any(Option::is_some)
        || (handler.is_none() && err_name.is_some());
    let ts = if need_types {
        let ts = result_types_of(cx, s)?;
        if ts.len() != targets.len() {
            return Err(format!(
                "{} returns {} values but {} are assigned",
                f.callee,
                ts.len(),
                targets.len()
            ));
        }
        Some(ts)
    } else {
        None
    };
    if let (Some((e, _)), Some(ts)) = (&handler, &ts)
        && ts.last().map(String::as_str) != Some("error")
    {
        return Err(format!("`{e}` is not {}'s error result", f.callee));
    }
    Ok((handler, ts))
}

/// `Use::Multi`: `a, err := call(...)`, with its error handled right after when it is.
fn multi_closure<'t>(
    cx: &Cx,
    s: &Site<'t>,
    fresh: &mut Fresh,
    index: &str,
    stmt_range: &Range<usize>,
    targets: &[Option<String>],
    define: bool,
) -> Result<Closure<'t>, String> {
    let (handler, ts) = handler_and_types(cx, s, targets)?;
    let mut c = Closure {
        decls: Vec::new(),
        lines: Vec::new(),
        loop_edits: Vec::new(),
        remove: Vec::new(),
        wait_err: None,
        uses_index: false,
        propagates: false,
        gctx: None,
    };
    let mut lhs_closure = Vec::new();
    let mut lhs_loop = Vec::new();
    let mut rhs_loop = Vec::new();
    let last = targets.len() - 1;
    for (k, t) in targets.iter().enumerate() {
        match t {
            None => lhs_closure.push("_".to_string()),
            Some(e) if k == last && handler.is_some() => {
                lhs_closure.push(e.clone());
            }
            Some(tn) => {
                let ty = ts.as_ref().map(|ts| ts[k].clone()).unwrap_or_default();
                let name = fresh.take(&slice_name(tn, &var_stem(s)));
                c.decls.push((name.clone(), ty));
                lhs_closure.push(format!("{name}[{index}]"));
                lhs_loop.push(tn.clone());
                rhs_loop.push(format!("{name}[{index}]"));
                c.uses_index = true;
            }
        }
    }
    let op = if define { ":=" } else { "=" };
    let reassign = Edit {
        range: stmt_range.clone(),
        new_text: format!("{} {op} {}", lhs_loop.join(", "), rhs_loop.join(", ")),
    };
    let Some((e, (check, ret))) = handler else {
        let (call, _) = call_for(s, fresh, false);
        c.lines.push(format!("{} = {call}", lhs_closure.join(", ")));
        c.lines.push("return nil".into());
        c.loop_edits.push(reassign);
        return Ok(c);
    };
    c.propagates = true;
    let (call, gc) = call_for(s, fresh, true);
    c.gctx = gc;
    if lhs_closure.len() == 1 {
        c.lines.push(format!("return {call}"));
    } else if lhs_closure.iter().all(|l| *l == "_" || *l == e) {
        c.lines
            .push(format!("{} := {call}", lhs_closure.join(", ")));
        c.lines.push(format!("return {e}"));
    } else {
        c.lines.push(format!("var {e} error"));
        c.lines.push(format!("{} = {call}", lhs_closure.join(", ")));
        c.lines.push(format!("return {e}"));
    }
    c.wait_err = Some((e, ret));
    c.remove.push(check);
    if check.id() == s.stmt.id() {
        // `if _, err := call(); err != nil { return err }`: the whole statement goes.
    } else if lhs_loop.is_empty() {
        c.remove.push(s.stmt);
    } else {
        c.loop_edits.push(reassign);
    }
    Ok(c)
}

/// `for K, V := range X` keeping only the variables `body` uses.
fn kept_range(s: &Site, index: &str, body: &str, need_index: bool) -> Option<String> {
    let Header::Range { value, ranged, .. } = &s.header else {
        return None;
    };
    let key = if need_index || word_occurs(body, index) {
        index.to_string()
    } else {
        "_".to_string()
    };
    Some(match value.as_deref().filter(|v| word_occurs(body, v)) {
        Some(v) => format!("{key}, {v} := range {ranged}"),
        None if key != "_" => format!("{key} := range {ranged}"),
        None => format!("range {ranged}"),
    })
}

/// The loop's header in the generated block: its range clause keeps only what the closure
/// uses.
fn block_header(s: &Site, index: &str, closure: &str, uses_index: bool) -> String {
    let text = s.text;
    let h = text
        .get(s.lnode.start_byte()..s.body.start_byte())
        .unwrap_or("")
        .trim_end()
        .to_string();
    match (&s.header, kept_range(s, index, closure, uses_index)) {
        (Header::Range { clause, .. }, Some(rh)) => {
            let rel = (clause.start - s.lnode.start_byte())..(clause.end - s.lnode.start_byte());
            format!("{}{rh}{}", &h[..rel.start], &h[rel.end..])
        }
        _ => h,
    }
}

/// Step 5 of the concurrent rewrite.
fn concurrent_plan<'t>(cx: &Cx, s: &Site<'t>) -> Result<ConcurrentPlan<'t>, String> {
    let mut fresh = Fresh(s.scope.clone());
    let per_iter = per_iteration_loop_vars(&|p| cx.src.raw(p), &cx.f.path);
    let g = fresh.take("g");
    // The index name for the result slices.
    let index = match &s.header {
        Header::Range { key_text, .. } => match key_text.as_deref() {
            Some("_") | None => fresh.take("i"),
            Some(k) => k.to_string(),
        },
        Header::Clause { var } => var.clone(),
    };
    let c = match &s.use_ {
        Use::Multi {
            stmt_range,
            targets,
            define,
        } => multi_closure(cx, s, &mut fresh, &index, stmt_range, targets, *define)?,
        _ => single_closure(cx, s, &mut fresh, &index)?,
    };
    let mut notes = vec![
        "Needs golang.org/x/sync/errgroup (`go get golang.org/x/sync`) if the module does \
         not require it yet."
            .to_string(),
        "Every item's call now runs before the loop body does, so an early exit in the body \
         (return/break) no longer saves the remaining calls."
            .to_string(),
        "The calls run on separate goroutines: the client they use must be safe for \
         concurrent use."
            .to_string(),
    ];
    if c.propagates {
        notes.push(
            "The first call to fail cancels the group and its error is returned; calls already \
             running finish first, and the loop body no longer runs for the items before it."
                .to_string(),
        );
    }
    let closure_text = c.lines.join("\n");
    let mut copies = Vec::new();
    if !per_iter {
        let mut vars = vec![index.clone()];
        if let Header::Range { value: Some(v), .. } = &s.header {
            vars.push(v.clone());
        }
        copies.extend(vars.into_iter().filter(|v| word_occurs(&closure_text, v)));
        notes.push(
            "go.mod is older than Go 1.22 (or was not found): the loop variables are copied \
             before the closure."
                .to_string(),
        );
    }
    let ctx = ConcurrentCtx {
        n: cx.opts.concurrency,
        g,
        gctx: c.gctx,
        use_: match s.use_ {
            Use::Discard => "discard",
            Use::Expr => "expr",
            Use::Multi { .. } => "multi",
        },
        propagates: c.propagates,
        count: s.count.clone(),
        decls: c.decls,
        header: block_header(s, &index, &closure_text, c.uses_index),
        copies,
        closure: c.lines,
        wait_err: c.wait_err,
    };
    Ok(ConcurrentPlan {
        ctx,
        index,
        uses_index: c.uses_index,
        loop_edits: c.loop_edits,
        remove: c.remove,
        notes,
    })
}

/// Step 6 of the concurrent rewrite: the group before (or instead of) the loop, and the loop
/// reading each item's results.
fn concurrent_render(cx: &Cx, s: &Site, p: &ConcurrentPlan) -> Result<Rendered, String> {
    let text = s.text;
    let pre = code(
        "concurrent.go.j2",
        CONCURRENT,
        &p.ctx,
        &s.base,
        &s.unit,
        s.nl,
    )?;
    let remaining = s
        .body_list
        .map(|b| {
            let mut c = b.walk();
            b.named_children(&mut c)
                .filter(|k| {
                    !k.kind().contains("comment") && !p.remove.iter().any(|r| r.id() == k.id())
                })
                .count()
        })
        .unwrap_or(0);
    let mut edits = Vec::new();
    if remaining == 0 && p.loop_edits.is_empty() {
        edits.push(Edit {
            range: whole_lines(text, s.lnode),
            new_text: pre,
        });
    } else {
        let ls = line_start(text, s.lnode.start_byte());
        edits.push(Edit {
            range: ls..ls,
            new_text: pre,
        });
        let mut body_edits: Vec<Edit> = Vec::new();
        for r in &p.remove {
            body_edits.push(Edit {
                range: own_lines(text, *r)?,
                new_text: String::new(),
            });
        }
        body_edits.extend(p.loop_edits.iter().cloned());
        edits.extend(narrowed_range(s, p, &body_edits));
        edits.extend(body_edits);
    }
    Ok(Rendered {
        files: vec![FileEdits {
            path: cx.f.path.clone(),
            edits,
        }],
        notes: p.notes.clone(),
    })
}

/// The loop keeps only the variables its new body uses (Go rejects unused ones).
fn narrowed_range(s: &Site, p: &ConcurrentPlan, body_edits: &[Edit]) -> Option<Edit> {
    let Header::Range { clause, .. } = &s.header else {
        return None;
    };
    let bs = s.body.start_byte();
    let shifted: Vec<Edit> = body_edits
        .iter()
        .map(|e| Edit {
            range: (e.range.start - bs)..(e.range.end - bs),
            new_text: e.new_text.clone(),
        })
        .collect();
    let new_body = apply(text_of(s.text, s.body), &shifted);
    kept_range(s, &p.index, &new_body, p.uses_index)
        .filter(|rh| rh != s.text.get(clause.clone()).unwrap_or(""))
        .map(|rh| Edit {
            range: clause.clone(),
            new_text: rh,
        })
}

/// A function or method declaration by name (and receiver type, for `Type.Method`).
fn find_decl<'t>(text: &str, root: Node<'t>, qname: &str) -> Option<Node<'t>> {
    let (recv, name) = match qname.rsplit_once('.') {
        Some((r, n)) => (Some(r), n),
        None => (None, qname),
    };
    let mut c = root.walk();
    root.named_children(&mut c).find(|d| {
        matches!(d.kind(), "function_declaration" | "method_declaration")
            && d.child_by_field_name("name")
                .is_some_and(|n| text_of(text, n) == name)
            && match (recv, d.child_by_field_name("receiver")) {
                (Some(r), Some(rv)) => word_occurs(text_of(text, rv), r),
                (None, None) => true,
                _ => false,
            }
    })
}

/// `(name, type)` of each parameter, and the result types, of a declaration.
fn signature(text: &str, d: Node) -> (Vec<(String, String)>, Vec<String>) {
    let mut params = Vec::new();
    if let Some(pl) = d.child_by_field_name("parameters") {
        let mut c = pl.walk();
        for pd in pl.named_children(&mut c) {
            let t = pd
                .child_by_field_name("type")
                .map(|t| text_of(text, t).to_string())
                .unwrap_or_default();
            let mut c2 = pd.walk();
            let names: Vec<String> = pd
                .children_by_field_name("name", &mut c2)
                .map(|n| text_of(text, n).to_string())
                .collect();
            if names.is_empty() {
                params.push((String::new(), t));
            } else {
                for n in names {
                    params.push((n, t.clone()));
                }
            }
        }
    }
    let mut results = Vec::new();
    if let Some(r) = d.child_by_field_name("result") {
        if r.kind() == "parameter_list" {
            let mut c = r.walk();
            for pd in r.named_children(&mut c) {
                let t = pd
                    .child_by_field_name("type")
                    .map(|t| text_of(text, t).to_string())
                    .unwrap_or_default();
                let mut c2 = pd.walk();
                let k = pd.children_by_field_name("name", &mut c2).count().max(1);
                for _ in 0..k {
                    results.push(t.clone());
                }
            }
        } else {
            results.push(text_of(text, r).to_string());
        }
    }
    (params, results)
}

/// A `BATCH`/`CHUNK`/`LIMIT` integer constant declared in the batch API's file.
fn limit_constant(text: &str) -> Option<(String, usize)> {
    let mut found: Vec<(String, usize)> = Vec::new();
    for line in text.lines() {
        let l = line.trim().trim_start_matches("const ").trim();
        let Some((name, v)) = l.split_once('=') else {
            continue;
        };
        let name = name.split_whitespace().next().unwrap_or("");
        let up = name.to_ascii_uppercase();
        if !(up.contains("BATCH") || up.contains("CHUNK") || up.contains("LIMIT"))
            || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let v = v.split("//").next().unwrap_or("").trim().replace('_', "");
        if let Ok(n) = v.parse::<usize>()
            && n > 0
        {
            found.push((name.to_string(), n));
        }
    }
    found.sort_by_key(|(n, _)| !n.to_ascii_uppercase().contains("BATCH"));
    found.into_iter().next()
}

/// Step 0 of the batch rewrite: the helper the loop calls and the batch API's method.
struct BatchTarget<'s> {
    ba: &'s BatchAlternative,
    hop: &'s ChainHop,
    next: &'s ChainHop,
    bmethod: &'s str,
}

fn batch_target(f: &Finding) -> Result<BatchTarget<'_>, String> {
    let ba = f
        .batch_alternative
        .as_ref()
        .ok_or("no batch API was found for this call")?;
    let (bclass, bmethod) = ba
        .name
        .rsplit_once('.')
        .map(|(c, m)| (Some(c), m))
        .unwrap_or((None, ba.name.as_str()));
    // The loop must call a helper whose next hop is the single method of the batch API's type.
    let [hop, next, ..] = f.chain.as_slice() else {
        return Err(format!(
            "the loop calls {} directly; the batch rewrite needs the call inside a helper \
             function (use the concurrent rewrite)",
            f.callee
        ));
    };
    let next_class = next.function.rsplit_once('.').map(|(c, _)| c);
    if next_class != bclass || hop.function.contains('.') {
        return Err(format!(
            "the batch API is reached through several helpers or methods; only a package-level \
             helper that calls {} directly is rewritten",
            ba.name
        ));
    }
    if f.callee.rsplit('.').next() != Some(hop.function.as_str()) {
        return Err(format!(
            "{} does not resolve to the helper {}",
            f.callee, hop.function
        ));
    }
    Ok(BatchTarget {
        ba,
        hop,
        next,
        bmethod,
    })
}

/// The helper: `func H(p T) (R, error) { return Recv.Single(p) }`.
struct HelperFn<'t> {
    h: &'t Source,
    decl: Node<'t>,
    pname: String,
    ptype: String,
    rtype: String,
    recv: String,
    single: String,
}

fn helper_fn<'t>(t: &BatchTarget, h: &'t Source) -> Result<HelperFn<'t>, String> {
    let (htext, hroot) = (h.text.as_str(), h.root());
    let hname = &t.hop.function;
    let decl = find_decl(htext, hroot, hname).ok_or("the helper's declaration was not found")?;
    let (hparams, hresults) = signature(htext, decl);
    let [(pname, ptype)] = hparams.as_slice() else {
        return Err(format!(
            "{hname} takes {} parameters; the batch rewrite needs exactly one item parameter",
            hparams.len()
        ));
    };
    let [rtype, etype] = hresults.as_slice() else {
        return Err(format!("{hname} does not return (result, error)"));
    };
    if etype != "error" {
        return Err(format!("{hname} does not return (result, error)"));
    }
    let hbody = decl.child_by_field_name("body").ok_or("no body")?;
    let stmts: Vec<Node> = {
        let mut c = hbody.walk();
        hbody
            .named_children(&mut c)
            .find(|k| k.kind() == "statement_list")
            .map(|l| {
                let mut c2 = l.walk();
                l.named_children(&mut c2)
                    .filter(|k| k.kind() != "comment")
                    .collect()
            })
            .unwrap_or_default()
    };
    let scall = node_of_kind(hroot, &t.hop.span, &["call_expression"]).ok_or("no helper call")?;
    let only_returns_call = stmts.len() == 1
        && stmts[0].kind() == "return_statement"
        && stmts[0]
            .named_child(0)
            .and_then(|l| l.named_child(0))
            .is_some_and(|c| c.id() == scall.id());
    if !only_returns_call {
        return Err(format!(
            "{hname} does more than return the remote call's result; its extra work is not \
             rewritten"
        ));
    }
    let sfunc = scall
        .child_by_field_name("function")
        .map(|n| text_of(htext, n).to_string())
        .unwrap_or_default();
    let Some((recv, single)) = sfunc.rsplit_once('.') else {
        return Err(format!("{hname} does not call a method of {}", t.ba.name));
    };
    let sargs = scall.child_by_field_name("arguments").ok_or("no args")?;
    if text_of(htext, sargs).replace(' ', "") != format!("({pname})") {
        return Err(format!(
            "{hname} passes more than its {pname} to {single}; {} takes one value per item",
            t.ba.name
        ));
    }
    Ok(HelperFn {
        h,
        decl,
        pname: pname.clone(),
        ptype: ptype.clone(),
        rtype: rtype.clone(),
        recv: recv.to_string(),
        single: single.to_string(),
    })
}

/// The batch API's signature decides how results map back: `true` for a map keyed by item,
/// `false` for a slice in request order.
fn keyed_answer(t: &BatchTarget, hf: &HelperFn, b: &Source) -> Result<bool, String> {
    let (btext, broot) = (b.text.as_str(), b.root());
    let ba = t.ba;
    let (ptype, rtype) = (&hf.ptype, &hf.rtype);
    let bdecl =
        find_decl(btext, broot, &ba.name).ok_or("the batch API's declaration was not found")?;
    let (bparams, bresults) = signature(btext, bdecl);
    let [(_, bptype)] = bparams.as_slice() else {
        return Err(format!("{} does not take one slice of items", ba.name));
    };
    if bptype != &format!("[]{ptype}") {
        let sdecl = find_decl(btext, broot, &t.next.function);
        let sparams = sdecl.map(|d| signature(btext, d).0).unwrap_or_default();
        return Err(format!(
            "{} takes {bptype} but {} takes {}; the batch call cannot carry every \
             argument of the per-item call",
            ba.name,
            hf.single,
            sparams
                .iter()
                .map(|(n, t)| format!("{n} {t}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    match bresults.as_slice() {
        [out, e] if e == "error" && *out == format!("map[{ptype}]{rtype}") => Ok(true),
        [out, e] if e == "error" && *out == format!("[]{rtype}") => Ok(false),
        _ => Err(format!(
            "{} returns ({}); the rewrite maps results back only from map[{ptype}]{rtype} \
             or []{rtype} with an error",
            ba.name,
            bresults.join(", ")
        )),
    }
}

/// The loop: `r, err := H(x)` followed by `if err != nil { return ... }`, x the item.
struct LoopCall<'t> {
    var: String,
    ranged: String,
    clause: Range<usize>,
    stmt_range: Range<usize>,
    define: bool,
    rname: Option<String>,
    ename: String,
    check: Node<'t>,
    ret: String,
}

/// `for _, x := range xs`: the item's name, the slice, the clause.
fn range_items(s: &Site) -> Result<(String, String, Range<usize>), String> {
    let Header::Range {
        value: Some(var),
        ranged,
        clause,
        ..
    } = &s.header
    else {
        return Err("only `for _, x := range xs` loops are batched".into());
    };
    Ok((var.clone(), ranged.clone(), clause.clone()))
}

fn loop_call<'t>(f: &Finding, s: &Site<'t>, var: &str) -> Result<LoopCall<'t>, String> {
    let args = s.call.child_by_field_name("arguments").ok_or("no args")?;
    if text_of(s.text, args).replace(' ', "") != format!("({var})") {
        return Err(format!(
            "{} is not called with the loop variable `{var}` itself",
            f.callee
        ));
    }
    let Use::Multi {
        stmt_range,
        targets,
        define,
    } = &s.use_
    else {
        return Err(format!(
            "the loop does not assign {}'s (result, error) to names",
            f.callee
        ));
    };
    let [rname, Some(ename)] = targets.as_slice() else {
        return Err(format!("the loop does not keep {}'s error", f.callee));
    };
    let Some((check, ret)) = immediate_error_return(s.text, s, ename) else {
        return Err(
            "the loop handles each item's error itself (not `if err != nil { return ... }` \
             right after the call); a batch call has one error for all items"
                .into(),
        );
    };
    if check.id() == s.stmt.id() {
        return Err(
            "the call sits in an `if` initializer; the batch rewrite needs a statement".into(),
        );
    }
    let (var, ranged, clause) = range_items(s)?;
    Ok(LoopCall {
        var,
        ranged,
        clause,
        stmt_range: stmt_range.clone(),
        define: *define,
        rname: rname.clone(),
        ename: ename.clone(),
        check,
        ret,
    })
}

/// Step 3 of the batch rewrite.
struct Helper<'s> {
    hf: HelperFn<'s>,
    b: &'s Source,
    keyed: bool,
    lc: LoopCall<'s>,
    bname: String,
}

fn batch_helper<'s>(cx: &Cx<'s>, t: &BatchTarget<'s>, s: &Site<'s>) -> Result<Helper<'s>, String> {
    let (var, _, _) = range_items(s)?;
    let h = cx.src.get(Role::Helper, &t.hop.path)?;
    let hf = helper_fn(t, h)?;
    let b = cx.src.get(Role::Api, &t.ba.path)?;
    let keyed = keyed_answer(t, &hf, b)?;
    let lc = loop_call(cx.f, s, &var)?;
    let bname = format!("{}Batch", t.hop.function);
    if find_decl(&h.text, h.root(), &bname).is_some() {
        return Err(format!("{bname} already exists in {}", t.hop.path));
    }
    Ok(Helper {
        hf,
        b,
        keyed,
        lc,
        bname,
    })
}

/// Step 4: a limit constant of the batch API's file, named when it is in the helper's package,
/// else copied; or the option.
fn batch_limit(cx: &Cx, t: &BatchTarget, h: &Helper) -> Limit {
    let (ba, hop) = (t.ba, t.hop);
    let mut notes = Vec::new();
    let limit = match limit_constant(&h.b.text) {
        Some((name, v)) if dir_of(&ba.path) == dir_of(&hop.path) => (name, v),
        Some((name, v)) => copied_limit(v, &name, &ba.path, "", &mut notes),
        None => assumed_limit(cx.opts, &ba.path, &mut notes),
    };
    Limit::new(limit, notes)
}

/// The companion's context, for `batch_companion.go.j2`.
#[derive(Serialize)]
struct CompanionCtx {
    bname: String,
    hname: String,
    pname: String,
    plural: String,
    ptype: String,
    rtype: String,
    bmethod: String,
    recv: String,
    limit: String,
    keyed: bool,
    slog: bool,
}

/// The loop site's context, for `batch_site.go.j2`.
#[derive(Serialize)]
struct SiteCtx {
    results: String,
    ename: String,
    qual: String,
    bname: String,
    ranged: String,
    ret: String,
    #[serde(skip)]
    idx: String,
}

struct BatchPlan<'s> {
    t: BatchTarget<'s>,
    s: Site<'s>,
    h: Helper<'s>,
    limit: Limit,
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
    let htext = h.hf.h.text.as_str();
    let slog = per_iteration_loop_vars(&|p| cx.src.raw(p), &t.hop.path)
        || imports(htext).iter().any(|(_, p)| p == "log/slog");
    let companion = CompanionCtx {
        bname: h.bname.clone(),
        hname: t.hop.function.clone(),
        pname: h.hf.pname.clone(),
        plural: format!("{}s", h.hf.pname),
        ptype: h.hf.ptype.clone(),
        rtype: h.hf.rtype.clone(),
        bmethod: t.bmethod.to_string(),
        recv: h.hf.recv.clone(),
        limit: limit.expr.clone(),
        keyed: h.keyed,
        slog,
    };
    let mut scope = s.scope.clone();
    let idx = fresh_name(&scope, "i");
    scope.push_str(&format!(" {idx}"));
    let stem = h.lc.rname.clone().unwrap_or_else(|| h.lc.var.clone());
    let site = SiteCtx {
        results: fresh_name(&scope, &format!("{stem}Results")),
        ename: h.lc.ename.clone(),
        qual: cx
            .f
            .callee
            .rsplit_once('.')
            .map(|(q, _)| format!("{q}."))
            .unwrap_or_default(),
        bname: h.bname.clone(),
        ranged: h.lc.ranged.clone(),
        ret: h.lc.ret.clone(),
        idx,
    };
    Ok(BatchPlan {
        t,
        s,
        h,
        limit,
        companion,
        site,
    })
}

/// Step 6 of the batch rewrite: the companion after the helper, then the loop site (one
/// companion call before the loop, the loop over `(index, item)` reading its result).
fn batch_render(cx: &Cx, p: &BatchPlan) -> Result<Rendered, String> {
    let hf = &p.h.hf;
    let htext = hf.h.text.as_str();
    let at = line_end_incl(htext, hf.decl.end_byte().saturating_sub(1));
    let cedits = vec![Edit {
        range: at..at,
        new_text: code(
            "batch_companion.go.j2",
            COMPANION,
            &p.companion,
            "",
            &indent_unit(htext, 4),
            newline(htext),
        )?,
    }];
    let (s, lc, site) = (&p.s, &p.h.lc, &p.site);
    let text = s.text;
    let ls = line_start(text, s.lnode.start_byte());
    let pre = code("batch_site.go.j2", BATCH_SITE, site, &s.base, &s.unit, s.nl)?;
    let mut ledits = vec![Edit {
        range: ls..ls,
        new_text: pre,
    }];
    ledits.push(Edit {
        range: whole_lines(text, lc.check),
        new_text: String::new(),
    });
    ledits.push(match &lc.rname {
        Some(r) => Edit {
            range: lc.stmt_range.clone(),
            new_text: format!(
                "{r} {} {}[{}]",
                if lc.define { ":=" } else { "=" },
                site.results,
                site.idx
            ),
        },
        None => Edit {
            range: whole_lines(text, s.stmt),
            new_text: String::new(),
        },
    });
    ledits.push(Edit {
        range: lc.clause.clone(),
        new_text: format!("{}, {} := range {}", site.idx, lc.var, lc.ranged),
    });
    Ok(Rendered {
        files: pipeline::loop_and_companion(&cx.f.path, ledits, &p.t.hop.path, cedits),
        notes: batch_notes(p),
    })
}

fn batch_notes(p: &BatchPlan) -> Vec<String> {
    let (ba, c) = (p.t.ba, &p.companion);
    let (pname, hname) = (&c.pname, &c.hname);
    let mut notes = p.limit.notes.clone();
    notes.push(if c.keyed {
        format!(
            "Guessed: {} answers with a map keyed by {pname}; a {pname} missing from the answer is \
             checked again with {hname} (so partial answers are results, not errors).",
            ba.name
        )
    } else {
        format!(
            "Guessed: {} returns one result per {pname} in request order; a count mismatch falls \
             back to per-item calls.",
            ba.name
        )
    });
    notes.push(
        "The loop body now runs after every item was checked, so an error for a later item is \
         returned before the body runs for earlier ones."
            .to_string(),
    );
    notes
}

/// Step 7 of the batch rewrite: `time`, `log` or `log/slog`, and `fmt` in the helper's file
/// (a new import block when it has none).
fn companion_imports(p: &BatchPlan) -> Vec<Edit> {
    let htext = p.h.hf.h.text.as_str();
    let hnl = newline(htext);
    let unit = indent_unit(htext, 4);
    let mut need = vec!["time", if p.companion.slog { "log/slog" } else { "log" }];
    if !p.companion.keyed {
        need.push("fmt");
    }
    need.sort();
    if imports(htext).is_empty() && !htext.contains("\nimport") {
        let at = htext
            .split_inclusive('\n')
            .next()
            .map(str::len)
            .unwrap_or(0);
        let mut block = format!("{hnl}import ({hnl}");
        for imp in &need {
            block.push_str(&format!("{unit}\"{imp}\"{hnl}"));
        }
        block.push_str(&format!("){hnl}"));
        return vec![Edit {
            range: at..at,
            new_text: block,
        }];
    }
    need.into_iter()
        .filter_map(|imp| add_std_import(htext, imp))
        .collect()
}

/// The Go hooks of the rewrite pipeline.
struct Go;

impl RewriteHooks for Go {
    type BatchTarget<'s> = BatchTarget<'s>;
    type Site<'s> = Site<'s>;
    type Helper<'s> = Helper<'s>;
    type BatchPlan<'s> = BatchPlan<'s>;
    type ConcurrentPlan<'s> = (Site<'s>, ConcurrentPlan<'s>);

    fn lang(_path: &str) -> Result<Lang, String> {
        Ok(Lang::Go)
    }

    fn batch_target<'s>(cx: &Cx<'s>) -> Result<BatchTarget<'s>, String> {
        batch_target(cx.f)
    }

    fn site<'s>(cx: &Cx<'s>) -> Result<Site<'s>, String> {
        locate(cx.f, cx.loop_file()?)
    }

    fn guards<'s>(_: &Cx<'s>, s: &Site<'s>) -> Result<(), String> {
        go_guards(s)
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

    /// The companion's standard imports in the helper's file (after its other edits there).
    fn batch_imports(p: &BatchPlan<'_>, out: &mut Rendered) -> Result<(), String> {
        if let Some(f) = out.files.last_mut() {
            f.edits.extend(companion_imports(p));
        }
        Ok(())
    }

    /// `errgroup`.
    fn concurrent_imports(p: &Self::ConcurrentPlan<'_>, out: &mut Rendered) -> Result<(), String> {
        if let Some(f) = out.files.first_mut() {
            f.edits.extend(add_import(p.0.text, ERRGROUP));
        }
        Ok(())
    }
}

pub(crate) fn batch(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<Go>(Kind::Batch, f, files, opts)
}

pub(crate) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    pipeline::run::<Go>(Kind::Concurrent, f, files, opts)
}

/// Add a standard-library import (into the first group, sorted), unless present.
fn add_std_import(text: &str, path: &str) -> Option<Edit> {
    if imports(text).iter().any(|(_, p)| p == path) {
        return None;
    }
    let nl = newline(text);
    let unit = indent_unit(text, 4);
    let mut off = 0;
    let mut in_block = false;
    let mut first_group: Vec<(usize, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if in_block {
            if t.starts_with(')') || t.is_empty() {
                break;
            }
            first_group.push((off, t.to_string()));
        } else if t == "import (" {
            in_block = true;
        } else if let Some(single) = t.strip_prefix("import ") {
            // `import "x"` → a block with both.
            let other = single.trim();
            let mut both = [format!("\"{path}\""), other.to_string()];
            both.sort();
            return Some(Edit {
                range: off..off + line.len(),
                new_text: format!(
                    "import ({nl}{unit}{}{nl}{unit}{}{nl}){nl}",
                    both[0], both[1]
                ),
            });
        } else if t.starts_with("func ") || t.starts_with("var ") || t.starts_with("type ") {
            break;
        }
        off += line.len();
    }
    if in_block {
        let at = first_group
            .iter()
            .find(|(_, t)| t.split('"').nth(1).unwrap_or("") > path)
            .map(|(o, _)| *o)
            .unwrap_or_else(|| {
                first_group
                    .last()
                    .map(|(o, _)| line_end_incl(text, *o))
                    .unwrap_or(off)
            });
        return Some(Edit {
            range: at..at,
            new_text: format!("{unit}\"{path}\"{nl}"),
        });
    }
    add_import(text, path)
}
