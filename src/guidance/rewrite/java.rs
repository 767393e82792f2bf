//! Java rewrites: `CompletableFuture` on a bounded `ExecutorService` (results read back in input
//! order, the first failing item's exception rethrown unwrapped), and a batched companion of the
//! helper that makes the single remote call.

use super::*;

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

fn site<'t>(f: &Finding, text: &'t str, root: Node<'t>) -> Result<Site<'t>, String> {
    if let Some(api) = f.chain.iter().find_map(|h| h.api.as_deref())
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
        .find(|u| method_assigned.contains(u) && Some(u.as_str()) != counted)
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

pub(super) fn concurrent(
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    let text = read(files, &f.path)?;
    let parsed = parse(Lang::Java, &text)?;
    let root = root_of(&parsed)?;
    let s = site(f, &text, root)?;
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
        Some(_) if statement_count(s.body) == 1 => edits.push(Edit {
            range: whole_lines(&text, s.lnode),
            new_text: b.render(&s.base, &s.unit, s.nl),
        }),
        Some(st) => {
            let r = whole_lines(&text, st);
            if text.get(r.clone()).unwrap_or("").trim() != text_of(&text, st) {
                return Err("the call shares its line with other statements".into());
            }
            edits.push(Edit {
                range: ls..ls,
                new_text: b.render(&s.base, &s.unit, s.nl),
            });
            edits.push(Edit {
                range: r,
                new_text: String::new(),
            });
        }
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
        title: format!(
            "Run concurrently (at most {n} at a time; results keep input order, first error \
             propagates)"
        ),
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
    batch_not_implemented(f)
}
