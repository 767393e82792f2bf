//! Java rewrites: `CompletableFuture` on a bounded `ExecutorService` (results read back in input
//! order, the first failing item's exception rethrown unwrapped), and a batched companion of the
//! helper that makes the single remote call.

use crate::code::{Finding, Lang, ParsedFile};
use crate::guidance::rewrite::*;
use tree_sitter::Node;

const IDENT: &[&str] = &["identifier"];

/// Clients that must not be shared between threads: the rewrite would run them on a pool.
const NOT_THREAD_SAFE: &[&str] = &[
    "jakarta.persistence.EntityManager",
    "javax.persistence.EntityManager",
    "org.hibernate.Session",
    "redis.clients.jedis.Jedis.",
    "java.sql.",
];

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

fn root_of(p: &ParsedFile) -> Result<Node<'_>, String> {
    p.tree()
        .map(|t| t.root_node())
        .ok_or_else(|| "could not parse the file".to_string())
}

enum Header {
    /// `for (T x : xs)`.
    Each { var: String },
    /// `for (int i = 0; i < n; i++)`.
    Counted { var: String },
}

struct Site<'t> {
    lnode: Node<'t>,
    body: Node<'t>,
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

fn site<'t>(
    f: &Finding,
    text: &'t str,
    root: Node<'t>,
    for_pool: bool,
) -> Result<Site<'t>, String> {
    if for_pool
        && let Some(api) = f.chain.iter().find_map(|h| h.api.as_deref())
        && NOT_THREAD_SAFE.iter().any(|p| api.starts_with(p))
    {
        return Err(format!(
            "{api} is not thread-safe; running the calls on a pool would share one instance \
             between threads (batch the query instead)"
        ));
    }
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
    let mut loop_vars = Vec::new();
    let mut body_assigned = Vec::new();
    assigned_names(text, body, &mut body_assigned);
    let header = if lnode.kind() == "enhanced_for_statement" {
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
        loop_vars.push(var.clone());
        Header::Each { var }
    } else {
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
        loop_vars.push(var.clone());
        Header::Counted { var }
    };

    // Extend over chained calls whose arguments use only the loop variable and class names.
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
            .all(|i| loop_vars.contains(i) || i.starts_with(|c: char| c.is_ascii_uppercase()))
        {
            value = p;
        } else {
            break;
        }
    }

    // Conditions: `a && call()` runs the call only sometimes.
    let mut child = value;
    let mut cur = value.parent();
    while let Some(n) = cur {
        if n.id() == body.id() {
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
    let assigned = |n: Node, out: &mut Vec<String>| {
        let target = match n.kind() {
            "variable_declarator" => n.child_by_field_name("name"),
            "assignment_expression" => n.child_by_field_name("left"),
            "update_expression" => n.named_child(0),
            _ => None,
        };
        if let Some(t) = target {
            identifiers(text, t, IDENT, out);
        }
    };
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
    check_guards(text, value, value, body, &g)?;

    // The lambda captures the call's locals: they must be effectively final.
    let mut method_assigned = Vec::new();
    assigned_names(text, method, &mut method_assigned);
    let mut used = Vec::new();
    identifiers(text, value, IDENT, &mut used);
    let counted = match &header {
        Header::Counted { var } => Some(var.as_str()),
        _ => None,
    };
    if let Some(bad) = used
        .iter()
        .find(|u| for_pool && method_assigned.contains(u) && Some(u.as_str()) != counted)
    {
        return Err(format!(
            "the call uses `{bad}`, which the method reassigns; a lambda cannot capture it"
        ));
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
    Ok(Site {
        lnode,
        body,
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

pub(crate) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    let text = read(files, &f.path)?;
    let parsed = parse(Lang::Java, &text)?;
    let root = root_of(&parsed)?;
    let s = site(f, &text, root, true)?;
    let n = opts.concurrency;
    let scope = std::cell::RefCell::new(s.scope.clone());
    let fresh = |base: &str| {
        let name = fresh_name(&scope.borrow(), base);
        let mut sc = scope.borrow_mut();
        sc.push(' ');
        sc.push_str(&name);
        name
    };
    let keep = s.discard.is_none();
    let ty = if keep {
        let args = f
            .chain
            .first()
            .map(|_| {
                let call = node_of_kind(root, &f.span, &["method_invocation"]).unwrap();
                call.child_by_field_name("arguments")
                    .map(|a| a.named_child_count())
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        Some(return_type(f, files, &text, args)?)
    } else {
        None
    };
    let fut_ty = ty.clone().unwrap_or_else(|| "Void".into());
    let throws = declared_throws(&text, s.method);
    let var_stem = match &s.header {
        Header::Each { var } => var.clone(),
        Header::Counted { .. } => "item".to_string(),
    };
    let results = fresh(&format!("{var_stem}Results"));
    let pool = fresh("pool");
    let futures = fresh("futures");
    let future = fresh("future");
    let failure = fresh("failure");
    let ignored = fresh("ignored");
    let thrown = fresh("thrown");
    let (copy, call_text) = match &s.header {
        Header::Counted { var } => {
            let c = fresh("index");
            (
                Some(format!("int {c} = {var};")),
                rename_in(&text, s.value, var, &c),
            )
        }
        Header::Each { .. } => (None, text_of(&text, s.value).to_string()),
    };
    let semi = ";";
    let supply = if keep { "supplyAsync" } else { "runAsync" };
    let header_text = text
        .get(s.lnode.start_byte()..s.body.start_byte())
        .unwrap_or("")
        .trim_end()
        .to_string();

    let mut b = Block::default();
    if keep {
        b.line(
            0,
            format!("List<{fut_ty}> {results} = new ArrayList<>(){semi}"),
        );
    }
    b.line(
        0,
        format!(
            "// At most {n} calls at a time; results keep input order; the first failing item's \
             exception"
        ),
    )
    .line(
        0,
        "// is rethrown as the loop threw it (after every started call finished).",
    )
    .line(
        0,
        format!("ExecutorService {pool} = Executors.newFixedThreadPool({n});"),
    )
    .line(0, "try {")
    .line(
        1,
        format!("List<CompletableFuture<{fut_ty}>> {futures} = new ArrayList<>();"),
    )
    .line(1, format!("{header_text} {{"));
    if let Some(c) = &copy {
        b.line(2, c.clone());
    }
    if throws.is_empty() {
        b.line(
            2,
            format!("{futures}.add(CompletableFuture.{supply}(() -> {call_text}, {pool}));"),
        );
    } else {
        b.line(
            2,
            format!("{futures}.add(CompletableFuture.{supply}(() -> {{"),
        )
        .line(3, "try {")
        .line(
            4,
            if keep {
                format!("return {call_text};")
            } else {
                format!("{call_text};")
            },
        )
        .line(3, format!("}} catch (Exception {thrown}) {{"))
        .line(
            4,
            "// Checked exceptions cannot leave the lambda: wrapped here, unwrapped below.",
        )
        .line(4, format!("throw new CompletionException({thrown});"))
        .line(3, "}")
        .line(2, format!("}}, {pool}));"));
    }
    b.line(1, "}")
        .line(
            1,
            format!(
                "CompletableFuture.allOf({futures}.toArray(new CompletableFuture<?>[0])).exceptionally({ignored} -> null).join();"
            ),
        )
        .line(1, format!("for (CompletableFuture<{fut_ty}> {future} : {futures}) {{"));
    if keep {
        b.line(2, format!("{results}.add({future}.join());"));
    } else {
        b.line(2, format!("{future}.join();"));
    }
    b.line(1, "}")
        .line(0, format!("}} catch (CompletionException {failure}) {{"))
        .line(
            1,
            format!("if ({failure}.getCause() instanceof RuntimeException) {{"),
        )
        .line(2, format!("throw (RuntimeException) {failure}.getCause();"))
        .line(1, "}")
        .line(1, format!("if ({failure}.getCause() instanceof Error) {{"))
        .line(2, format!("throw (Error) {failure}.getCause();"))
        .line(1, "}");
    for t in &throws {
        b.line(1, format!("if ({failure}.getCause() instanceof {t}) {{"))
            .line(2, format!("throw ({t}) {failure}.getCause();"))
            .line(1, "}");
    }
    b.line(1, format!("throw {failure};"))
        .line(0, "} finally {")
        .line(1, format!("{pool}.shutdown();"))
        .line(0, "}");

    let mut edits = Vec::new();
    let ls = line_start(&text, s.lnode.start_byte());
    match s.discard {
        Some(st) => edits.extend(discarded_call_edits(
            &text,
            s.lnode,
            st,
            statement_count(s.body) == 1,
            b.render(&s.base, &s.unit, s.nl),
        )?),
        None => {
            let read_back = match &s.header {
                Header::Counted { var } => format!("{results}.get({var})"),
                Header::Each { .. } => {
                    let idx = fresh(&format!("{var_stem}Index"));
                    b.line(0, format!("int {idx} = 0;"));
                    format!("{results}.get({idx}++)")
                }
            };
            edits.push(Edit {
                range: ls..ls,
                new_text: b.render(&s.base, &s.unit, s.nl),
            });
            edits.push(Edit {
                range: s.value.start_byte()..s.value.end_byte(),
                new_text: read_back,
            });
        }
    }
    let mut classes = vec![
        "java.util.concurrent.CompletableFuture",
        "java.util.concurrent.CompletionException",
        "java.util.concurrent.ExecutorService",
        "java.util.concurrent.Executors",
        "java.util.ArrayList",
        "java.util.List",
    ];
    classes.sort();
    edits.extend(add_imports(&text, &classes));
    let mut notes = vec![
        "Every item's call now runs before the loop body does, so an early exit in the body no \
         longer saves the remaining calls."
            .to_string(),
        format!(
            "The calls run on a pool of {n} threads: the client they use ({}) must be \
             thread-safe.",
            f.callee
        ),
    ];
    if !throws.is_empty() {
        notes.push(format!(
            "Checked exceptions are wrapped in CompletionException inside the task and \
             unwrapped after join() (the method declares throws {}).",
            throws.join(", ")
        ));
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

    // The loop.
    let text = read(files, &f.path)?;
    let parsed = parse(Lang::Java, &text)?;
    let root = root_of(&parsed)?;
    let s = site(f, &text, root, false)?;
    let call = node_of_kind(root, &f.span, &["method_invocation"])
        .ok_or("the finding does not point at a method call")?;
    if s.value.id() != call.id() {
        return Err(format!(
            "the loop chains another call on {}'s result; only the result itself is read back \
             from the batch",
            f.callee
        ));
    }
    let cargs: Vec<Node> = call
        .child_by_field_name("arguments")
        .map(|a| {
            let mut c = a.walk();
            a.named_children(&mut c)
                .filter(|k| !k.kind().contains("comment"))
                .collect()
        })
        .unwrap_or_default();
    let (list_expr, item_arg) = match &s.header {
        Header::Each { var } => {
            let v = s.lnode.child_by_field_name("value").ok_or("no iterable")?;
            (text_of(&text, v).to_string(), var.clone())
        }
        Header::Counted { var } => {
            let cond = s
                .lnode
                .child_by_field_name("condition")
                .ok_or("no condition")?;
            let ct = squash(text_of(&text, cond));
            let xs = ct
                .strip_prefix(&format!("{var}<"))
                .and_then(|b| b.strip_suffix(".size()"))
                .ok_or("the counted loop does not run to a list's .size(); only lists are batched")?
                .to_string();
            (xs.clone(), format!("{xs}.get({var})"))
        }
    };
    let varying: Vec<usize> = cargs
        .iter()
        .enumerate()
        .filter(|(_, a)| squash(text_of(&text, **a)) == item_arg)
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
    assigned_names(&text, s.body, &mut body_assigned);
    let loop_var = match &s.header {
        Header::Each { var } | Header::Counted { var } => var.clone(),
    };
    for (i, a) in cargs.iter().enumerate() {
        if i == k {
            continue;
        }
        let mut ids = Vec::new();
        free_names(&text, *a, &mut ids);
        if !is_plain_arg(&text, *a)
            || ids
                .iter()
                .any(|x| *x == loop_var || body_assigned.contains(x))
        {
            return Err(format!(
                "{}'s argument `{}` changes per item or is computed; the batch companion takes \
                 one list of items and the other arguments once",
                f.callee,
                text_of(&text, *a)
            ));
        }
    }
    let list_name = list_expr.trim_start_matches("this.");
    let list_ty = declared_type_of(&text, s.method, list_name)
        .and_then(|t| list_elem(&t))
        .ok_or_else(|| {
            format!("`{list_expr}` is not declared as a List; the batch companion takes a List")
        })?;

    // The helper: `return <recv>.<single>(<params>);`.
    let htext = read(files, &hop.path)?;
    let hp = parse(Lang::Java, &htext)?;
    let hroot = root_of(&hp)?;
    let hdecl = find_method(&htext, hroot, hclass, hname, Some(cargs.len()))
        .ok_or_else(|| format!("the declaration of {} was not found", hop.function))?;
    let hparams =
        params_of(&htext, hdecl).ok_or_else(|| format!("{} takes varargs", hop.function))?;
    let (ptype, pname) = hparams[k].clone();
    if boxed(&squash(&ptype)) != list_ty {
        return Err(format!(
            "`{list_expr}` holds {list_ty} but {hname} takes {ptype}; the batch companion takes \
             List<{}>",
            boxed(&ptype)
        ));
    }
    let hret = hdecl
        .child_by_field_name("type")
        .map(|t| text_of(&htext, t).to_string())
        .ok_or("the helper has no return type")?;
    let scall = node_of_kind(hroot, &hop.span, &["method_invocation"])
        .ok_or("the helper's remote call was not found")?;
    let stmts = body_statements(hdecl);
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
        .map(|o| text_of(&htext, o).to_string())
        .filter(|o| is_simple_path(o.trim_start_matches("this.")))
        .ok_or_else(|| format!("{hname} does not call {single} on a field or name"))?;
    let sargs: Vec<Node> = scall
        .child_by_field_name("arguments")
        .map(|a| {
            let mut c = a.walk();
            a.named_children(&mut c)
                .filter(|k| !k.kind().contains("comment"))
                .collect()
        })
        .unwrap_or_default();
    let pnames: Vec<&str> = hparams.iter().map(|(_, n)| n.as_str()).collect();
    if sargs.iter().any(|a| {
        !(a.kind().ends_with("_literal")
            || (a.kind() == "identifier" && pnames.contains(&text_of(&htext, *a))))
    }) {
        return Err(format!(
            "{hname} passes computed arguments to {single}; only its parameters (or literals) \
             are carried into the batch request"
        ));
    }
    if !sargs.iter().any(|a| text_of(&htext, *a) == pname) {
        return Err(format!(
            "{hname} does not pass its per-item parameter `{pname}` to {single}"
        ));
    }
    let hstatic = {
        let mut c = hdecl.walk();
        hdecl
            .children(&mut c)
            .find(|m| m.kind() == "modifiers")
            .map(|m| text_of(&htext, m).to_string())
            .unwrap_or_default()
    };
    let mods: Vec<&str> = hstatic
        .split_whitespace()
        .filter(|w| {
            matches!(
                *w,
                "public" | "protected" | "private" | "static" | "final" | "synchronized"
            )
        })
        .collect();
    let is_static = mods.contains(&"static");
    let throws = {
        let mut c = hdecl.walk();
        hdecl
            .children(&mut c)
            .find(|k| k.kind() == "throws")
            .map(|t| format!(" {}", text_of(&htext, t)))
            .unwrap_or_default()
    };
    let bname = format!("{hname}Batch");
    if find_method(&htext, hroot, hclass, &bname, None).is_some() {
        return Err(format!("{bname} already exists in {hclass}"));
    }

    // The batch API and the single call's declaration.
    let btext = read(files, &ba.path)?;
    let bp = parse(Lang::Java, &btext)?;
    let broot = root_of(&bp)?;
    let bdecl = find_method(&btext, broot, bclass, bmethod, Some(1))
        .ok_or_else(|| format!("{} does not take one parameter", ba.name.trim()))?;
    if let Some(t) = {
        let mut c = bdecl.walk();
        bdecl.children(&mut c).find(|k| k.kind() == "throws")
    } {
        return Err(format!(
            "{} declares `{}`; the fallback would have to decide which checked failures to \
             retry item by item",
            ba.name.trim(),
            text_of(&btext, t)
        ));
    }
    let bparam = params_of(&btext, bdecl).unwrap_or_default();
    let elem = bparam
        .first()
        .and_then(|(t, _)| list_elem(t))
        .ok_or_else(|| format!("{} does not take a List of items", ba.name.trim()))?;
    let bret = bdecl
        .child_by_field_name("type")
        .and_then(|t| list_elem(text_of(&btext, t)))
        .ok_or_else(|| {
            format!(
                "{} does not return a List; which result belongs to which item cannot be read \
                 from its signature",
                ba.name.trim()
            )
        })?;
    let sdecl = find_method(&btext, broot, bclass, single, Some(sargs.len()))
        .ok_or_else(|| format!("the declaration of {} was not found", next.function))?;
    let sparams = params_of(&btext, sdecl).unwrap_or_default();
    let sret = sdecl
        .child_by_field_name("type")
        .map(|t| text_of(&btext, t).to_string())
        .unwrap_or_default();
    if boxed(&squash(&sret)) != boxed(&squash(&hret)) {
        return Err(format!(
            "{hname} returns {hret} but {single} returns {sret}; the rewrite keeps the helper's \
             result type only when they agree"
        ));
    }
    let sarg_text: Vec<String> = sargs
        .iter()
        .map(|a| text_of(&htext, *a).to_string())
        .collect();
    let elem_simple = elem.rsplit('.').next().unwrap_or(&elem).to_string();
    let stypes: Vec<String> = sparams.iter().map(|(t, _)| squash(t)).collect();
    // How one item becomes one element of the batch request.
    let request_elem: Option<String> =
        if sparams.len() == 1 && boxed(&stypes[0]) == elem && sarg_text[0] == pname {
            None
        } else if constructors(&btext, broot, &elem_simple)
            .into_iter()
            .chain(constructors(&htext, hroot, &elem_simple))
            .any(|c| c == stypes)
        {
            Some(format!("new {{ELEM}}({})", sarg_text.join(", ")))
        } else {
            return Err(format!(
                "{} takes List<{elem}> but {single} takes ({}), and no {elem_simple}({}) \
                 constructor was found in the workspace; the batch request cannot carry every \
                 argument of the per-item call",
                ba.name.trim(),
                stypes.join(", "),
                stypes.join(", ")
            ));
        };
    // How one element of the batch answer becomes the helper's result.
    let mut post: Option<(String, String)> = None;
    if boxed(&squash(&sret)) != bret {
        let st = body_statements(sdecl);
        let shape = match st.as_slice() {
            [decl, ret]
                if decl.kind() == "local_variable_declaration"
                    && ret.kind() == "return_statement" =>
            {
                let dty = decl
                    .child_by_field_name("type")
                    .map(|t| squash(text_of(&btext, t)))
                    .unwrap_or_default();
                let mut c = decl.walk();
                let ds: Vec<Node> = decl.children_by_field_name("declarator", &mut c).collect();
                match (ds.as_slice(), ret.named_child(0)) {
                    ([d], Some(e)) if dty == bret && d.child_by_field_name("value").is_some() => {
                        let v = d
                            .child_by_field_name("name")
                            .map(|n| text_of(&btext, n).to_string())
                            .unwrap_or_default();
                        let mut names = Vec::new();
                        free_names(&btext, e, &mut names);
                        names.iter().all(|n| *n == v).then_some((v, e))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((v, e)) = shape else {
            return Err(format!(
                "{} returns List<{bret}> but {single} returns {sret}; the per-item result cannot \
                 be derived from a batch element (only `{bret} x = <call>; return <expression of \
                 x>;` is re-applied)",
                ba.name.trim()
            ));
        };
        // Renamed below once the companion's names are known.
        post = Some((v, text_of(&btext, e).to_string()));
    }

    // Types as the helper's file writes them.
    let nested = if hclass == bclass {
        Vec::new()
    } else {
        nested_types(&btext, broot, bclass)
    };
    let same_pkg = package_of(&btext) == package_of(&htext);
    let in_helper = |t: &str| -> Result<String, String> {
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
                    "{} is not visible from {hclass}; add its import first",
                    w
                ));
            }
            if nested.contains(w) && !out.ends_with('.') {
                out.push_str(bclass);
                out.push('.');
            }
            out.push_str(w);
            w.clear();
            Ok(())
        };
        for ch in t.chars() {
            if ch.is_alphanumeric() || ch == '_' || ch == '$' {
                word.push(ch);
            } else {
                flush(&mut word, &mut out)?;
                out.push(ch);
            }
        }
        flush(&mut word, &mut out)?;
        Ok(out)
    };
    let elem_h = in_helper(&elem)?;
    let bret_h = in_helper(&bret)?;
    let res_ty = boxed(&squash(&hret));
    let item_ty = boxed(&squash(&ptype));

    // The limit.
    let (limit_expr, limit_n, mut notes) = match java_limit_constant(&btext, broot, bclass) {
        Some((name, v, false)) => (
            if hclass == bclass {
                name
            } else {
                format!("{bclass}.{name}")
            },
            v,
            Vec::new(),
        ),
        Some((name, v, true)) => (
            v.to_string(),
            v,
            vec![format!(
                "Chunk size {v} copied from the private {bclass}.{name}."
            )],
        ),
        None => (
            opts.batch_limit.to_string(),
            opts.batch_limit,
            vec![format!(
                "Assumed a batch limit of {} ({bclass} defines no static final int batch-size \
                 constant).",
                opts.batch_limit
            )],
        ),
    };

    // Names in the companion.
    let hclass_node = ancestor_of_kind(hdecl, &["class_body", "interface_body", "enum_body"])
        .ok_or("the helper is not in a class body")?;
    let mut scope = format!(
        "{} {}",
        text_of(&htext, hclass_node),
        post.as_ref().map(|p| p.1.as_str()).unwrap_or("")
    );
    let mut fresh = |base: &str| {
        let n = fresh_name(&scope, base);
        scope.push(' ');
        scope.push_str(&n);
        n
    };
    let plural = fresh(&format!("{pname}s"));
    let started = fresh("started");
    let results = fresh("results");
    let fallbacks = fresh("fallbacks");
    let start = fresh("start");
    let chunk = fresh("chunk");
    let requests = fresh("requests");
    let batch_v = fresh("batch");
    let failure = fresh("failure");
    let idx = fresh("i");
    let post = match post {
        Some((v, e)) => {
            let reserved = [
                &plural, &started, &results, &fallbacks, &start, &chunk, &requests, &batch_v,
                &failure, &idx,
            ];
            let v2 = if pnames.contains(&v.as_str()) || reserved.contains(&&v) {
                fresh(&v)
            } else {
                v.clone()
            };
            // Re-parse the expression from the single method to rename its variable.
            let st = body_statements(sdecl);
            let en = st[1].named_child(0).ok_or("no return expression")?;
            Some((v2.clone(), rename_in(&btext, en, &v, &v2), e))
        }
        None => None,
    };

    // Logging: the class's Logger field, else java.util.logging.
    let hnl = newline(&htext);
    let unit = indent_unit(&htext, 4);
    let mut logger: Option<(String, bool)> = None; // (name, is java.util.logging)
    {
        let mut c = hclass_node.walk();
        for fd in hclass_node.named_children(&mut c) {
            if fd.kind() != "field_declaration" {
                continue;
            }
            let ty = fd
                .child_by_field_name("type")
                .map(|t| text_of(&htext, t).to_string())
                .unwrap_or_default();
            if ty != "Logger" && !ty.ends_with(".Logger") {
                continue;
            }
            let fstatic = text_of(&htext, fd)
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
                logger = Some((text_of(&htext, n).to_string(), jul));
                break;
            }
        }
    }
    let mut hedits: Vec<Edit> = Vec::new();
    let mut himports = vec!["java.util.ArrayList", "java.util.List"];
    let other_logger = htext.lines().any(|l| {
        let l = l.trim();
        l.starts_with("import ")
            && l.ends_with(".Logger;")
            && l != "import java.util.logging.Logger;"
    });
    let (log, jul, level) = match logger {
        Some((n, jul)) => (
            n,
            jul,
            if jul && other_logger {
                "java.util.logging.Level"
            } else {
                "Level"
            },
        ),
        None => {
            let name = fresh("LOG");
            let (lt, lv) = if other_logger {
                ("java.util.logging.Logger", "java.util.logging.Level")
            } else {
                himports.push("java.util.logging.Logger");
                ("Logger", "Level")
            };
            let open = hclass_node.start_byte() + 1;
            let at = line_end_incl(&htext, open);
            let base = leading_ws(&htext, line_start(&htext, hdecl.start_byte()));
            hedits.push(Edit {
                range: at..at,
                new_text: format!(
                    "{base}private static final {lt} {name} = {lt}.getLogger({hclass}.class.getName());{hnl}"
                ),
            });
            notes.push(format!(
                "{hclass} has no Logger field: added a java.util.logging Logger ({name})."
            ));
            (name, true, lv)
        }
    };
    if jul && !level.contains('.') {
        himports.push("java.util.logging.Level");
    }
    let warn = |msg: String, exc: Option<&str>| -> String {
        match (jul, exc) {
            (true, Some(e)) => format!("{log}.log({level}.WARNING, {msg}, {e});"),
            (true, None) => format!("{log}.warning({msg});"),
            (false, Some(e)) => format!("{log}.warn({msg}, {e});"),
            (false, None) => format!("{log}.warn({msg});"),
        }
    };

    // The companion, after the helper.
    let other_params: Vec<String> = hparams
        .iter()
        .enumerate()
        .map(|(i, (t, n))| {
            if i == k {
                format!("List<{item_ty}> {plural}")
            } else {
                format!("{t} {n}")
            }
        })
        .collect();
    let fallback_args: Vec<String> = hparams
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
    let mod_text = if mods.is_empty() {
        String::new()
    } else {
        format!("{} ", mods.join(" "))
    };
    let mut b = Block::default();
    b.blank()
        .line(
            0,
            format!(
                "// {bname} is {hname} for many {pname}s: one {bmethod} request per chunk of at most {limit_expr};"
            ),
        )
        .line(
            0,
            format!(
                "// a chunk whose request fails (or answers with another count) falls back to one {hname} call per {pname}."
            ),
        )
        .line(
            0,
            format!(
                "{mod_text}List<{res_ty}> {bname}({}){throws} {{",
                other_params.join(", ")
            ),
        )
        .line(1, format!("long {started} = System.nanoTime();"))
        .line(
            1,
            format!("List<{res_ty}> {results} = new ArrayList<>({plural}.size());"),
        )
        .line(1, format!("int {fallbacks} = 0;"))
        .line(
            1,
            format!(
                "for (int {start} = 0; {start} < {plural}.size(); {start} += {limit_expr}) {{"
            ),
        )
        .line(
            2,
            format!(
                "List<{item_ty}> {chunk} = {plural}.subList({start}, Math.min({start} + {limit_expr}, {plural}.size()));"
            ),
        );
    let request_list = match &request_elem {
        Some(tmpl) => {
            b.line(
                2,
                format!("List<{elem_h}> {requests} = new ArrayList<>({chunk}.size());"),
            )
            .line(2, format!("for ({item_ty} {pname} : {chunk}) {{"))
            .line(
                3,
                format!("{requests}.add({});", tmpl.replace("{ELEM}", &elem_h)),
            )
            .line(2, "}");
            requests.clone()
        }
        None => chunk.clone(),
    };
    b.line(2, format!("List<{bret_h}> {batch_v} = null;"))
        .line(2, "try {")
        .line(
            3,
            format!(
                "// Guessed: {bmethod} returns one {bret} per request, in request order (checked below)."
            ),
        )
        .line(
            3,
            format!(
                "// debuglens: ignore[loop-remote-call] -- one {bmethod} request per chunk of {limit_expr}"
            ),
        )
        .line(3, format!("{batch_v} = {recv}.{bmethod}({request_list});"))
        .line(2, format!("}} catch (RuntimeException {failure}) {{"))
        .line(
            3,
            warn(
                format!(
                    "\"{bmethod} failed for \" + {chunk}.size() + \" {pname}s; falling back to per-{pname} {hname} calls\""
                ),
                Some(&failure),
            ),
        )
        .line(2, "}")
        .line(
            2,
            format!("if ({batch_v} != null && {batch_v}.size() != {chunk}.size()) {{"),
        )
        .line(
            3,
            warn(
                format!(
                    "\"{bmethod} returned \" + {batch_v}.size() + \" results for \" + {chunk}.size() + \" {pname}s; falling back to per-{pname} {hname} calls\""
                ),
                None,
            ),
        )
        .line(3, format!("{batch_v} = null;"))
        .line(2, "}")
        .line(
            2,
            format!("for (int {idx} = 0; {idx} < {chunk}.size(); {idx}++) {{"),
        )
        .line(3, format!("if ({batch_v} != null) {{"));
    match &post {
        Some((v, e, _)) => {
            b.line(4, format!("{bret_h} {v} = {batch_v}.get({idx});"))
                .line(4, format!("{results}.add({e});"));
        }
        None => {
            b.line(4, format!("{results}.add({batch_v}.get({idx}));"));
        }
    }
    b.line(3, "} else {")
        .line(4, format!("{fallbacks}++;"))
        .line(
            4,
            format!(
                "// debuglens: ignore[loop-remote-call] -- fallback, runs only when {bmethod} fails for this chunk"
            ),
        )
        .line(
            4,
            format!("{results}.add({hname}({}));", fallback_args.join(", ")),
        )
        .line(3, "}")
        .line(2, "}")
        .line(1, "}")
        .line(
            1,
            format!(
                "{log}.info(\"{bname}: \" + {plural}.size() + \" {pname}s via \" + ({fallbacks} == 0 ? \"batch\" : \"sequential\") + \" path (\" + {fallbacks} + \" per-{pname} fallbacks) in \" + (System.nanoTime() - {started}) / 1_000_000 + \" ms\");"
            ),
        )
        .line(1, format!("return {results};"))
        .line(0, "}");
    let hbase = leading_ws(&htext, line_start(&htext, hdecl.start_byte()));
    let at = line_end_incl(&htext, hdecl.end_byte().saturating_sub(1));
    hedits.push(Edit {
        range: at..at,
        new_text: b.render(&hbase, &unit, hnl),
    });
    himports.sort();
    notes.push(format!(
        "Guessed: {} returns one {bret} per request, in request order; a chunk whose answer has \
         another size, or whose call throws, falls back to one {hname} call per {pname}.",
        ba.name.trim()
    ));
    if let Some((_, e, _)) = &post {
        notes.push(format!(
            "Each {bret} of the batch answer is turned into {hname}'s result with `{e}`, as \
             {single} does with its single answer."
        ));
    }
    notes.push(
        "Every item is now checked before the loop body runs, so an early exit in the body no \
         longer saves the remaining calls."
            .to_string(),
    );

    // The loop site: one companion call before the loop, per-item reads inside.
    let qual = call
        .child_by_field_name("object")
        .map(|o| format!("{}.", text_of(&text, o)))
        .unwrap_or_default();
    let bargs: Vec<String> = cargs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if i == k {
                list_expr.clone()
            } else {
                text_of(&text, *a).to_string()
            }
        })
        .collect();
    let bcall = format!("{qual}{bname}({})", bargs.join(", "));
    let mut lscope = s.scope.clone();
    let stem = match &s.header {
        Header::Each { var } => var.clone(),
        Header::Counted { .. } => "item".into(),
    };
    let lres = fresh_name(&lscope, &format!("{stem}Results"));
    lscope.push_str(&format!(" {lres}"));
    let ls = line_start(&text, s.lnode.start_byte());
    let mut ledits = Vec::new();
    let mut pre = Block::default();
    let mut limports = Vec::new();
    match s.discard {
        Some(st) => {
            pre.line(0, format!("{bcall};"));
            ledits.extend(discarded_call_edits(
                &text,
                s.lnode,
                st,
                statement_count(s.body) == 1,
                pre.render(&s.base, &s.unit, s.nl),
            )?);
        }
        None => {
            let rty = return_type(f, files, &text, cargs.len())?;
            pre.line(0, format!("List<{rty}> {lres} = {bcall};"));
            limports.push("java.util.List");
            let read_back = match &s.header {
                Header::Counted { var } => format!("{lres}.get({var})"),
                Header::Each { .. } => {
                    let li = fresh_name(&lscope, &format!("{stem}Index"));
                    pre.line(0, format!("int {li} = 0;"));
                    format!("{lres}.get({li}++)")
                }
            };
            ledits.push(Edit {
                range: ls..ls,
                new_text: pre.render(&s.base, &s.unit, s.nl),
            });
            ledits.push(Edit {
                range: call.start_byte()..call.end_byte(),
                new_text: read_back,
            });
        }
    }
    let mut out = Vec::new();
    if hop.path == f.path {
        let mut all = himports.clone();
        all.extend(limports);
        all.sort();
        all.dedup();
        let mut e = ledits;
        e.extend(hedits);
        e.extend(add_imports(&text, &all));
        out.push(FileEdits {
            path: f.path.clone(),
            edits: e,
        });
    } else {
        ledits.extend(add_imports(&text, &limports));
        out.push(FileEdits {
            path: f.path.clone(),
            edits: ledits,
        });
        hedits.extend(add_imports(&htext, &himports));
        out.push(FileEdits {
            path: hop.path.clone(),
            edits: hedits,
        });
    }
    Ok(Rewrite {
        title: format!(
            "Batch with {} (chunks of {limit_n}, falls back to per-item calls)",
            ba.name.trim()
        ),
        files: out,
        notes,
    })
}
