//! Java hooks.

use crate::code::lang::{NodeKind, field, field_text, has_child_kind, named_children};
use crate::code::summary::{
    AssignDecl, CallDecl, ClassDecl, Field, FnDecl, Import, LangHooks, LoopDecl, LoopKind, Param,
    compact, text,
};
use tree_sitter::Node;

#[derive(Default)]
pub struct Java;

fn annotations(n: Node, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for c in named_children(n) {
        match c.k() {
            "modifiers" => {
                for a in named_children(c) {
                    if matches!(a.k(), "marker_annotation" | "annotation") {
                        out.push(text(a, src).trim_start_matches('@').to_string());
                    }
                }
            }
            "marker_annotation" | "annotation" => {
                out.push(text(c, src).trim_start_matches('@').to_string())
            }
            _ => {}
        }
    }
    out
}

fn params(n: Option<Node>, src: &str) -> Vec<Param> {
    let Some(n) = n else { return Vec::new() };
    match n.k() {
        "identifier" => vec![Param {
            name: text(n, src).into(),
            type_text: None,
        }],
        "inferred_parameters" => named_children(n)
            .into_iter()
            .map(|p| Param {
                name: text(p, src).into(),
                type_text: None,
            })
            .collect(),
        _ => named_children(n)
            .into_iter()
            .filter(|p| matches!(p.k(), "formal_parameter" | "spread_parameter"))
            .filter_map(|p| {
                Some(Param {
                    name: field_text(p, "name", src)?,
                    type_text: field_text(p, "type", src),
                })
            })
            .collect(),
    }
}

fn type_list(n: Node, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for c in named_children(n) {
        if c.k() == "type_list" {
            out.extend(
                named_children(c)
                    .into_iter()
                    .map(|t| text(t, src).to_string()),
            );
        } else {
            out.push(text(c, src).to_string());
        }
    }
    out
}

const AWAITING: &[&str] = &[
    "block",
    "blockFirst",
    "blockLast",
    "blockOptional",
    "join",
    "get",
];

/// See `LangHooks::constructs`.
const CONSTRUCTS: &[&str] = &[
    "class_declaration",
    "record_declaration",
    "enum_declaration",
    "interface_declaration",
    "for_statement",
    "enhanced_for_statement",
    "while_statement",
    "do_statement",
    "method_invocation",
    "object_creation_expression",
    "local_variable_declaration",
    "assignment_expression",
    "update_expression",
    "import_declaration",
    "package_declaration",
    "break_statement",
    "return_statement",
    "try_statement",
    "try_with_resources_statement",
];

impl LangHooks for Java {
    fn function<'t>(&self, n: Node<'t>, src: &str) -> Option<FnDecl<'t>> {
        match n.k() {
            "method_declaration" | "constructor_declaration" => Some(FnDecl {
                name: field_text(n, "name", src),
                is_async: false,
                params: params(field(n, "parameters"), src),
                return_type: field_text(n, "type", src),
                annotations: annotations(n, src),
                body: field(n, "body"),
                class_override: None,
                self_name: None,
            }),
            "lambda_expression" => Some(FnDecl {
                name: None,
                is_async: false,
                params: params(field(n, "parameters"), src),
                return_type: None,
                annotations: Vec::new(),
                body: field(n, "body"),
                class_override: None,
                self_name: None,
            }),
            _ => None,
        }
    }

    fn class<'t>(&self, n: Node<'t>, src: &str) -> Option<ClassDecl<'t>> {
        let is_interface = match n.k() {
            "class_declaration" | "record_declaration" | "enum_declaration" => false,
            "interface_declaration" => true,
            _ => return None,
        };
        let mut bases = Vec::new();
        if let Some(s) = field(n, "superclass") {
            bases.extend(
                named_children(s)
                    .into_iter()
                    .map(|t| text(t, src).to_string()),
            );
        }
        for c in named_children(n) {
            if matches!(c.k(), "super_interfaces" | "extends_interfaces") {
                bases.extend(type_list(c, src));
            }
        }
        let body = field(n, "body");
        let mut fields = Vec::new();
        if let Some(b) = body {
            for f in named_children(b) {
                if f.k() == "field_declaration" {
                    let Some(t) = field_text(f, "type", src) else {
                        continue;
                    };
                    let mut cur = f.walk();
                    let decls: Vec<Node> =
                        f.children_by_field_name("declarator", &mut cur).collect();
                    for d in decls {
                        if let Some(nm) = field_text(d, "name", src) {
                            fields.push(Field {
                                name: nm,
                                type_text: t.clone(),
                            });
                        }
                    }
                }
            }
        }
        Some(ClassDecl {
            name: field_text(n, "name", src)?,
            bases,
            annotations: annotations(n, src),
            fields,
            is_interface,
            scope_only: false,
            body,
        })
    }

    fn loop_<'t>(&self, n: Node<'t>, src: &str) -> Option<LoopDecl<'t>> {
        let body = field(n, "body")?;
        match n.k() {
            "for_statement" => {
                let cond = field(n, "condition");
                let mut inside = vec![body];
                inside.extend(cond);
                let mut cur = n.walk();
                inside.extend(n.children_by_field_name("update", &mut cur));
                Some(LoopDecl {
                    kind: LoopKind::For,
                    var: None,
                    iterable: None,
                    cond,
                    inside,
                    body_start: body.start_byte(),
                    header: None,
                })
            }
            "enhanced_for_statement" => Some(LoopDecl {
                kind: LoopKind::ForEach,
                var: field_text(n, "name", src),
                iterable: field_text(n, "value", src).map(|s| compact(&s)),
                cond: None,
                inside: vec![body],
                body_start: body.start_byte(),
                header: None,
            }),
            "while_statement" => {
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
            "do_statement" => {
                let cond = field(n, "condition");
                let mut inside = vec![body];
                inside.extend(cond);
                let hdr = cond.map(|c| format!("do … while {}", text(c, src)));
                Some(LoopDecl {
                    kind: LoopKind::DoWhile,
                    var: None,
                    iterable: None,
                    cond,
                    inside,
                    body_start: body.start_byte(),
                    header: hdr,
                })
            }
            _ => None,
        }
    }

    fn call<'t>(&self, n: Node<'t>, src: &str) -> Option<CallDecl<'t>> {
        match n.k() {
            "method_invocation" => {
                let name = field(n, "name")?;
                let receiver = field(n, "object");
                // The function node spans `object.name` (or just `name`).
                let func_node = receiver.map(|_| n).unwrap_or(name);
                let _ = func_node;
                Some(CallDecl {
                    func_node: name,
                    receiver,
                    method: text(name, src).to_string(),
                    args: field(n, "arguments"),
                })
            }
            "object_creation_expression" => {
                let t = field(n, "type")?;
                Some(CallDecl {
                    func_node: t,
                    receiver: None,
                    method: text(t, src).to_string(),
                    args: field(n, "arguments"),
                })
            }
            _ => None,
        }
    }

    fn assignment<'t>(&self, n: Node<'t>, src: &str) -> Option<AssignDecl<'t>> {
        match n.k() {
            "local_variable_declaration" => {
                let t = field_text(n, "type", src).filter(|t| t != "var");
                let mut cur = n.walk();
                let decls: Vec<Node> = n.children_by_field_name("declarator", &mut cur).collect();
                let d = decls.first()?;
                Some(AssignDecl {
                    targets: decls
                        .iter()
                        .filter_map(|d| field_text(*d, "name", src))
                        .collect(),
                    value: field(*d, "value"),
                    type_text: t,
                })
            }
            "assignment_expression" => {
                let left = field(n, "left")?;
                Some(AssignDecl {
                    targets: vec![compact(text(left, src))],
                    value: field(n, "right"),
                    type_text: None,
                })
            }
            "update_expression" => {
                let t = named_children(n).first().map(|c| compact(text(*c, src)))?;
                Some(AssignDecl {
                    targets: vec![t],
                    value: None,
                    type_text: None,
                })
            }
            _ => None,
        }
    }

    fn is_await(&self, n: Node, src: &str) -> bool {
        n.k() == "method_invocation"
            && field_text(n, "name", src).is_some_and(|m| AWAITING.contains(&m.as_str()))
    }
    fn is_stmt_boundary(&self, kind: &str) -> bool {
        matches!(
            kind,
            "expression_statement"
                | "block"
                | "local_variable_declaration"
                | "return_statement"
                | "class_body"
                | "program"
        )
    }
    fn is_break(&self, kind: &str) -> bool {
        kind == "break_statement"
    }
    fn is_return(&self, kind: &str) -> bool {
        kind == "return_statement"
    }
    fn is_try(&self, kind: &str) -> bool {
        matches!(kind, "try_statement" | "try_with_resources_statement")
    }
    fn is_ident(&self, kind: &str) -> bool {
        matches!(kind, "identifier" | "type_identifier")
    }
    fn is_fn_kind(&self, kind: &str) -> bool {
        matches!(
            kind,
            "method_declaration" | "constructor_declaration" | "lambda_expression"
        )
    }
    fn is_comment(&self, kind: &str) -> bool {
        matches!(kind, "line_comment" | "block_comment")
    }

    fn imports(&self, n: Node, src: &str, out: &mut Vec<Import>) -> bool {
        if n.k() != "import_declaration" {
            return false;
        }
        if has_child_kind(n, "asterisk") || has_child_kind(n, "static") {
            return true;
        }
        if let Some(p) = named_children(n)
            .into_iter()
            .find(|c| matches!(c.k(), "scoped_identifier" | "identifier"))
        {
            let full = text(p, src).to_string();
            let local = full.rsplit('.').next().unwrap_or(&full).to_string();
            out.push(Import {
                local,
                module: full,
                name: None,
                line: n.start_position().row,
            });
        }
        true
    }

    fn package(&self, n: Node, src: &str) -> Option<String> {
        (n.k() == "package_declaration")
            .then(|| {
                named_children(n)
                    .into_iter()
                    .find(|c| matches!(c.k(), "scoped_identifier" | "identifier"))
                    .map(|c| text(c, src).to_string())
            })
            .flatten()
    }

    fn value_ctor(&self, n: Node, src: &str) -> Option<String> {
        self.ctor_at(n, src, 0)
    }

    fn kwargs(&self, _args: Node, _src: &str) -> Vec<(String, String)> {
        Vec::new()
    }

    fn callback_loop_methods(&self) -> &'static [&'static str] {
        &["forEach", "map", "flatMap", "forEachOrdered"]
    }

    fn callback_fn<'t>(&self, args: Node<'t>) -> Option<Node<'t>> {
        named_children(args)
            .into_iter()
            .find(|a| a.k() == "lambda_expression")
    }

    fn join_wrappers(&self) -> &'static [&'static str] {
        &[
            "CompletableFuture.allOf",
            "CompletableFuture.anyOf",
            "invokeAll",
            "Flux.merge",
            "Mono.zip",
            "Flux.fromIterable",
        ]
    }

    fn is_sleep(&self, callee: &str, method: &str) -> bool {
        let l = callee.to_ascii_lowercase();
        method == "sleep"
            || l.contains("backoff")
            || (l.contains("ratelimiter") && method == "acquire")
    }

    fn constructs(&self) -> &'static [&'static str] {
        CONSTRUCTS
    }
}

impl Java {
    /// `value_ctor` `depth` wrappers or builder calls down: past `CTOR_DEPTH` there is no
    /// constructor (input nested that deep would otherwise overflow the stack).
    fn ctor_at(&self, n: Node, src: &str, depth: usize) -> Option<String> {
        if depth > crate::code::lang::CTOR_DEPTH {
            return None;
        }
        match n.k() {
            "object_creation_expression" => field(n, "type").map(|t| compact(text(t, src))),
            "parenthesized_expression" | "cast_expression" => self.ctor_at(
                field(n, "value").or_else(|| named_children(n).last().copied())?,
                src,
                depth + 1,
            ),
            "method_invocation" => {
                let name = field_text(n, "name", src)?;
                match field(n, "object") {
                    Some(o)
                        if o.k() == "method_invocation"
                            || o.k() == "object_creation_expression" =>
                    {
                        // Builders: `WebClient.builder().baseUrl(..).build()` → `WebClient.builder`.
                        let inner = self.ctor_at(o, src, depth + 1)?;
                        if matches!(name.as_str(), "build" | "create" | "get" | "orElseThrow")
                            || inner.ends_with(".builder")
                            || inner.ends_with(".newBuilder")
                        {
                            Some(inner)
                        } else {
                            Some(format!("{inner}.{name}"))
                        }
                    }
                    Some(o) => Some(format!("{}.{name}", compact(text(o, src)))),
                    None => Some(name),
                }
            }
            _ => None,
        }
    }
}
