//! Rust hooks.

use crate::code::lang::{NodeKind, base_type, field, field_text, has_child_kind, named_children};
use crate::code::summary::{
    AssignDecl, CallDecl, ClassDecl, Field, FnDecl, Import, LangHooks, LoopDecl, LoopKind, Param,
    compact, text,
};
use tree_sitter::Node;

#[derive(Default)]
pub struct Rust;

fn params(n: Option<Node>, src: &str) -> Vec<Param> {
    let Some(n) = n else { return Vec::new() };
    named_children(n)
        .into_iter()
        .filter_map(|p| match p.k() {
            "parameter" => Some(Param {
                name: field_text(p, "pattern", src)?
                    .trim_start_matches("mut ")
                    .to_string(),
                type_text: field_text(p, "type", src),
            }),
            "self_parameter" => Some(Param {
                name: "self".into(),
                type_text: None,
            }),
            "identifier" => Some(Param {
                name: text(p, src).into(),
                type_text: None,
            }),
            _ => None,
        })
        .collect()
}

fn flatten_use(n: Node, prefix: &str, src: &str, line: usize, out: &mut Vec<Import>) {
    let join = |p: &str, s: &str| {
        if p.is_empty() {
            s.to_string()
        } else {
            format!("{p}::{s}")
        }
    };
    match n.k() {
        "scoped_identifier" | "identifier" | "crate" | "super" => {
            let full = join(prefix, text(n, src));
            let local = full.rsplit("::").next().unwrap_or(&full).to_string();
            out.push(Import {
                local,
                module: full,
                name: None,
                line,
            });
        }
        "self" => {
            let local = prefix.rsplit("::").next().unwrap_or(prefix).to_string();
            out.push(Import {
                local,
                module: prefix.to_string(),
                name: None,
                line,
            });
        }
        "use_as_clause" => {
            if let (Some(p), Some(a)) = (field_text(n, "path", src), field_text(n, "alias", src)) {
                out.push(Import {
                    local: a,
                    module: join(prefix, &p),
                    name: None,
                    line,
                });
            }
        }
        "scoped_use_list" => {
            let p = field_text(n, "path", src)
                .map(|p| join(prefix, &p))
                .unwrap_or_else(|| prefix.to_string());
            if let Some(list) = field(n, "list") {
                for item in named_children(list) {
                    flatten_use(item, &p, src, line, out);
                }
            }
        }
        "use_list" => {
            for item in named_children(n) {
                flatten_use(item, prefix, src, line, out);
            }
        }
        _ => {}
    }
}

/// See `LangHooks::constructs`.
const CONSTRUCTS: &[&str] = &[
    "function_signature_item",
    "struct_item",
    "trait_item",
    "impl_item",
    "for_expression",
    "while_expression",
    "loop_expression",
    "call_expression",
    "macro_invocation",
    "let_declaration",
    "assignment_expression",
    "compound_assignment_expr",
    "use_declaration",
    "break_expression",
    "return_expression",
];

impl LangHooks for Rust {
    fn function<'t>(&self, n: Node<'t>, src: &str) -> Option<FnDecl<'t>> {
        match n.k() {
            "function_item" | "function_signature_item" => {
                let is_async = named_children(n)
                    .into_iter()
                    .any(|c| c.k() == "function_modifiers" && text(c, src).contains("async"));
                Some(FnDecl {
                    name: field_text(n, "name", src),
                    is_async,
                    params: params(field(n, "parameters"), src),
                    return_type: field_text(n, "return_type", src).map(|r| {
                        // `Result<Client, Error>` → `Client`
                        let r = r.trim();
                        let inner = r
                            .strip_prefix("Result<")
                            .or_else(|| r.strip_prefix("anyhow::Result<"))
                            .unwrap_or(r);
                        inner
                            .split(',')
                            .next()
                            .unwrap_or(inner)
                            .trim_end_matches('>')
                            .to_string()
                    }),
                    annotations: Vec::new(),
                    body: field(n, "body"),
                    class_override: None,
                    self_name: None,
                })
            }
            "closure_expression" => {
                let mut body = field(n, "body");
                let mut is_async = has_child_kind(n, "async");
                // `|x| async move { ... }`: the async block is the closure's real body.
                if let Some(b) = body.filter(|b| b.k() == "async_block") {
                    is_async = true;
                    body = named_children(b)
                        .into_iter()
                        .find(|c| c.k() == "block")
                        .or(Some(b));
                }
                Some(FnDecl {
                    name: None,
                    is_async,
                    params: params(field(n, "parameters"), src),
                    return_type: None,
                    annotations: Vec::new(),
                    body,
                    class_override: None,
                    self_name: None,
                })
            }
            "async_block" => Some(FnDecl {
                name: None,
                is_async: true,
                params: Vec::new(),
                return_type: None,
                annotations: Vec::new(),
                body: named_children(n).into_iter().find(|c| c.k() == "block"),
                class_override: None,
                self_name: None,
            }),
            _ => None,
        }
    }

    fn class<'t>(&self, n: Node<'t>, src: &str) -> Option<ClassDecl<'t>> {
        match n.k() {
            "struct_item" => {
                let mut fields = Vec::new();
                if let Some(b) = field(n, "body") {
                    for f in named_children(b) {
                        if f.k() == "field_declaration" {
                            if let (Some(nm), Some(t)) =
                                (field_text(f, "name", src), field_text(f, "type", src))
                            {
                                fields.push(Field {
                                    name: nm,
                                    type_text: t,
                                });
                            }
                        }
                    }
                }
                Some(ClassDecl {
                    name: field_text(n, "name", src)?,
                    bases: Vec::new(),
                    annotations: Vec::new(),
                    fields,
                    is_interface: false,
                    scope_only: false,
                    body: None,
                })
            }
            "trait_item" => Some(ClassDecl {
                name: field_text(n, "name", src)?,
                bases: Vec::new(),
                annotations: Vec::new(),
                fields: Vec::new(),
                is_interface: true,
                scope_only: false,
                body: field(n, "body"),
            }),
            "impl_item" => {
                let ty = base_type(&field_text(n, "type", src)?);
                let ty = ty.rsplit("::").next().unwrap_or(&ty).to_string();
                Some(ClassDecl {
                    name: ty,
                    bases: Vec::new(),
                    annotations: Vec::new(),
                    fields: Vec::new(),
                    is_interface: false,
                    scope_only: true,
                    body: field(n, "body"),
                })
            }
            _ => None,
        }
    }

    fn loop_<'t>(&self, n: Node<'t>, src: &str) -> Option<LoopDecl<'t>> {
        let body = field(n, "body")?;
        match n.k() {
            "for_expression" => Some(LoopDecl {
                kind: LoopKind::ForEach,
                var: field_text(n, "pattern", src),
                iterable: field_text(n, "value", src).map(|s| compact(&s)),
                cond: None,
                inside: vec![body],
                body_start: body.start_byte(),
                header: None,
            }),
            "while_expression" => {
                let cond = field(n, "condition");
                let mut inside = vec![body];
                inside.extend(cond);
                Some(LoopDecl {
                    kind: LoopKind::While,
                    var: None,
                    iterable: None,
                    cond,
                    inside,
                    body_start: body.start_byte(),
                    header: None,
                })
            }
            "loop_expression" => Some(LoopDecl {
                kind: LoopKind::Loop,
                var: None,
                iterable: None,
                cond: None,
                inside: vec![body],
                body_start: body.start_byte(),
                header: None,
            }),
            _ => None,
        }
    }

    fn call<'t>(&self, n: Node<'t>, src: &str) -> Option<CallDecl<'t>> {
        match n.k() {
            "call_expression" => {
                let mut f = field(n, "function")?;
                if f.k() == "generic_function" {
                    f = field(f, "function").unwrap_or(f);
                }
                let (receiver, method) = match f.k() {
                    "field_expression" => (field(f, "value"), field_text(f, "field", src)?),
                    "scoped_identifier" => (None, field_text(f, "name", src)?),
                    _ => (None, text(f, src).to_string()),
                };
                Some(CallDecl {
                    func_node: f,
                    receiver,
                    method,
                    args: field(n, "arguments"),
                })
            }
            "macro_invocation" => {
                let m = field(n, "macro")?;
                let name = text(m, src);
                // Only macros that can reach the network matter (sqlx::query!, ...).
                if !name.contains("query") {
                    return None;
                }
                let args = named_children(n)
                    .into_iter()
                    .find(|c| c.k() == "token_tree");
                Some(CallDecl {
                    func_node: m,
                    receiver: None,
                    method: format!("{}!", name.rsplit("::").next().unwrap_or(name)),
                    args,
                })
            }
            _ => None,
        }
    }

    fn assignment<'t>(&self, n: Node<'t>, src: &str) -> Option<AssignDecl<'t>> {
        match n.k() {
            "let_declaration" => {
                let p = field(n, "pattern")?;
                let targets = match p.k() {
                    "tuple_pattern" => named_children(p)
                        .into_iter()
                        .map(|c| text(c, src).to_string())
                        .collect(),
                    _ => vec![text(p, src).trim_start_matches("mut ").to_string()],
                };
                Some(AssignDecl {
                    targets,
                    value: field(n, "value"),
                    type_text: field_text(n, "type", src),
                })
            }
            "assignment_expression" | "compound_assignment_expr" => {
                let left = field(n, "left")?;
                Some(AssignDecl {
                    targets: vec![compact(text(left, src))],
                    value: field(n, "right"),
                    type_text: None,
                })
            }
            _ => None,
        }
    }

    fn is_await(&self, n: Node, _src: &str) -> bool {
        n.k() == "await_expression"
    }
    fn is_stmt_boundary(&self, kind: &str) -> bool {
        matches!(
            kind,
            "expression_statement" | "let_declaration" | "block" | "source_file"
        )
    }
    fn is_break(&self, kind: &str) -> bool {
        kind == "break_expression"
    }
    fn is_return(&self, kind: &str) -> bool {
        kind == "return_expression"
    }
    fn is_try(&self, _kind: &str) -> bool {
        false
    }
    fn is_ident(&self, kind: &str) -> bool {
        matches!(kind, "identifier" | "field_identifier")
    }
    fn is_fn_kind(&self, kind: &str) -> bool {
        matches!(kind, "function_item" | "closure_expression" | "async_block")
    }
    fn is_comment(&self, kind: &str) -> bool {
        matches!(kind, "line_comment" | "block_comment")
    }

    fn imports(&self, n: Node, src: &str, out: &mut Vec<Import>) -> bool {
        if n.k() != "use_declaration" {
            return false;
        }
        if let Some(a) = field(n, "argument") {
            flatten_use(a, "", src, n.start_position().row, out);
        }
        true
    }

    fn value_ctor(&self, n: Node, src: &str) -> Option<String> {
        self.ctor_at(n, src, 0)
    }

    fn callback_loop_methods(&self) -> &'static [&'static str] {
        &[
            "for_each",
            "map",
            "then",
            "try_for_each",
            "filter_map",
            "flat_map",
            "and_then",
        ]
    }

    fn callback_fn<'t>(&self, args: Node<'t>) -> Option<Node<'t>> {
        named_children(args)
            .into_iter()
            .find(|a| a.k() == "closure_expression")
    }

    fn async_callback_is_lazy(&self, method: &str) -> bool {
        !matches!(method, "for_each" | "then" | "try_for_each")
    }

    fn join_wrappers(&self) -> &'static [&'static str] {
        &[
            "join_all",
            "try_join_all",
            "buffer_unordered",
            "buffered",
            "for_each_concurrent",
            "try_for_each_concurrent",
            "join!",
            "try_join!",
            "select_all",
        ]
    }

    fn is_sleep(&self, callee: &str, method: &str) -> bool {
        let l = callee.to_ascii_lowercase();
        method == "sleep"
            || method == "tick"
            || l.contains("backoff")
            || (l.contains("limiter") && matches!(method, "until_ready" | "acquire"))
    }

    fn constructs(&self) -> &'static [&'static str] {
        CONSTRUCTS
    }

    fn qsep(&self) -> &'static str {
        "::"
    }
}

impl Rust {
    /// `value_ctor` `depth` wrappers or builder calls down: past `CTOR_DEPTH` there is no
    /// constructor (input nested that deep would otherwise overflow the stack).
    fn ctor_at(&self, n: Node, src: &str, depth: usize) -> Option<String> {
        if depth > crate::code::lang::CTOR_DEPTH {
            return None;
        }
        match n.k() {
            "await_expression"
            | "try_expression"
            | "parenthesized_expression"
            | "reference_expression" => self.ctor_at(*named_children(n).first()?, src, depth + 1),
            "struct_expression" => field_text(n, "name", src).map(|s| compact(&s)),
            "call_expression" => {
                let f = field(n, "function")?;
                if f.k() == "field_expression" {
                    let v = field(f, "value")?;
                    let inner = self.ctor_at(v, src, depth + 1);
                    let m = field_text(f, "field", src)?;
                    return match inner {
                        // Builders and conversions keep the root's type.
                        Some(i)
                            if matches!(
                                m.as_str(),
                                "build"
                                    | "unwrap"
                                    | "expect"
                                    | "clone"
                                    | "into"
                                    | "connect"
                                    | "finish"
                            ) || i.ends_with("::builder") =>
                        {
                            Some(i)
                        }
                        Some(i) => Some(format!("{i}.{m}")),
                        None => Some(compact(text(f, src))),
                    };
                }
                Some(compact(text(f, src)))
            }
            _ => None,
        }
    }
}
