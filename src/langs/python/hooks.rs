//! Python hooks.

use crate::code::lang::{NodeKind, field, field_text, has_child_kind, named_children, while_loop};
use crate::code::summary::{
    AssignDecl, CallDecl, ClassDecl, FnDecl, Import, LangHooks, LoopDecl, LoopKind, Param, compact,
    text,
};
use tree_sitter::Node;

#[derive(Default)]
pub struct Python;

fn params(n: Option<Node>, src: &str) -> Vec<Param> {
    let Some(n) = n else { return Vec::new() };
    named_children(n)
        .into_iter()
        .filter_map(|p| match p.k() {
            "identifier" => Some(Param {
                name: text(p, src).into(),
                type_text: None,
            }),
            "typed_parameter" => Some(Param {
                name: named_children(p)
                    .first()
                    .map(|c| text(*c, src).to_string())?,
                type_text: field_text(p, "type", src),
            }),
            "default_parameter" | "typed_default_parameter" => Some(Param {
                name: field_text(p, "name", src)?,
                type_text: field_text(p, "type", src),
            }),
            _ => None,
        })
        .collect()
}

const COMPREHENSIONS: &[&str] = &[
    "list_comprehension",
    "set_comprehension",
    "dictionary_comprehension",
    "generator_expression",
];

/// See `LangHooks::constructs`.
const CONSTRUCTS: &[&str] = &[
    "class_definition",
    "for_statement",
    "while_statement",
    "list_comprehension",
    "set_comprehension",
    "dictionary_comprehension",
    "generator_expression",
    "call",
    "assignment",
    "augmented_assignment",
    "as_pattern",
    "import_statement",
    "import_from_statement",
    "break_statement",
    "return_statement",
    "try_statement",
];

impl LangHooks for Python {
    fn function<'t>(&self, n: Node<'t>, src: &str) -> Option<FnDecl<'t>> {
        match n.k() {
            "function_definition" => {
                let annotations = n
                    .parent()
                    .filter(|p| p.k() == "decorated_definition")
                    .map(|p| {
                        named_children(p)
                            .into_iter()
                            .filter(|c| c.k() == "decorator")
                            .map(|c| text(c, src).trim_start_matches('@').trim().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                Some(FnDecl {
                    name: field_text(n, "name", src),
                    is_async: has_child_kind(n, "async"),
                    params: params(field(n, "parameters"), src),
                    return_type: field_text(n, "return_type", src),
                    annotations,
                    body: field(n, "body"),
                    class_override: None,
                    self_name: None,
                })
            }
            "lambda" => Some(FnDecl {
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
        if n.k() != "class_definition" {
            return None;
        }
        let bases = field(n, "superclasses")
            .map(|s| {
                named_children(s)
                    .into_iter()
                    .filter(|c| c.k() != "keyword_argument")
                    .map(|c| compact(text(c, src)))
                    .collect()
            })
            .unwrap_or_default();
        Some(ClassDecl {
            name: field_text(n, "name", src)?,
            bases,
            annotations: Vec::new(),
            fields: Vec::new(),
            is_interface: false,
            scope_only: false,
            body: field(n, "body"),
        })
    }

    fn loop_<'t>(&self, n: Node<'t>, src: &str) -> Option<LoopDecl<'t>> {
        match n.k() {
            "for_statement" => {
                let body = field(n, "body")?;
                Some(LoopDecl {
                    kind: LoopKind::ForEach,
                    var: field_text(n, "left", src),
                    iterable: field_text(n, "right", src).map(|s| compact(&s)),
                    cond: None,
                    inside: vec![body],
                    body_start: body.start_byte(),
                    header: None,
                })
            }
            "while_statement" => while_loop(n),
            k if COMPREHENSIONS.contains(&k) => {
                let kids = named_children(n);
                let first = kids.iter().find(|c| c.k() == "for_in_clause").copied()?;
                let inside = kids.into_iter().filter(|c| c.id() != first.id()).collect();
                Some(LoopDecl {
                    kind: LoopKind::Comprehension,
                    var: field_text(first, "left", src),
                    iterable: field_text(first, "right", src).map(|s| compact(&s)),
                    cond: None,
                    inside,
                    body_start: n.start_byte(),
                    header: Some(text(first, src).to_string()),
                })
            }
            _ => None,
        }
    }

    fn call<'t>(&self, n: Node<'t>, src: &str) -> Option<CallDecl<'t>> {
        if n.k() != "call" {
            return None;
        }
        let f = field(n, "function")?;
        let (receiver, method) = match f.k() {
            "attribute" => (field(f, "object"), field_text(f, "attribute", src)?),
            _ => (None, text(f, src).to_string()),
        };
        Some(CallDecl {
            func_node: f,
            receiver,
            method,
            args: field(n, "arguments"),
        })
    }

    fn assignment<'t>(&self, n: Node<'t>, src: &str) -> Option<AssignDecl<'t>> {
        match n.k() {
            "assignment" | "augmented_assignment" => {
                let left = field(n, "left")?;
                let targets = match left.k() {
                    "pattern_list" | "tuple_pattern" | "list_pattern" => named_children(left)
                        .into_iter()
                        .map(|c| compact(text(c, src)))
                        .collect(),
                    _ => vec![compact(text(left, src))],
                };
                Some(AssignDecl {
                    targets,
                    value: field(n, "right"),
                    type_text: field_text(n, "type", src),
                })
            }
            // `async with aiohttp.ClientSession() as session:`
            "as_pattern" if n.parent().is_some_and(|p| p.k() == "with_item") => {
                let alias = field(n, "alias")?;
                Some(AssignDecl {
                    targets: vec![compact(text(alias, src))],
                    value: named_children(n).first().copied(),
                    type_text: None,
                })
            }
            _ => None,
        }
    }

    fn is_await(&self, n: Node, _src: &str) -> bool {
        n.k() == "await" || (n.k() == "with_statement" && has_child_kind(n, "async"))
    }

    fn is_stmt_boundary(&self, kind: &str) -> bool {
        matches!(
            kind,
            "block"
                | "expression_statement"
                | "return_statement"
                | "module"
                | "if_statement"
                | "elif_clause"
                | "while_statement"
                | "for_statement"
                | "assert_statement"
                | "class_definition"
        )
    }

    fn is_break(&self, kind: &str) -> bool {
        kind == "break_statement"
    }
    fn is_return(&self, kind: &str) -> bool {
        kind == "return_statement"
    }
    fn is_try(&self, kind: &str) -> bool {
        kind == "try_statement"
    }
    fn is_ident(&self, kind: &str) -> bool {
        kind == "identifier"
    }
    fn is_fn_context(&self, parent_kind: &str) -> bool {
        matches!(parent_kind, "decorated_definition")
    }
    fn is_fn_kind(&self, kind: &str) -> bool {
        matches!(kind, "function_definition" | "lambda")
    }
    fn is_comment(&self, kind: &str) -> bool {
        kind == "comment"
    }

    fn imports(&self, n: Node, src: &str, out: &mut Vec<Import>) -> bool {
        let line = n.start_position().row;
        match n.k() {
            "import_statement" => {
                for c in named_children(n) {
                    match c.k() {
                        "dotted_name" => {
                            let m = text(c, src).to_string();
                            out.push(Import {
                                local: m.clone(),
                                module: m,
                                name: None,
                                line,
                            });
                        }
                        "aliased_import" => {
                            if let (Some(m), Some(a)) =
                                (field_text(c, "name", src), field_text(c, "alias", src))
                            {
                                out.push(Import {
                                    local: a,
                                    module: m,
                                    name: None,
                                    line,
                                });
                            }
                        }
                        _ => {}
                    }
                }
                true
            }
            "import_from_statement" => {
                let Some(module) = field_text(n, "module_name", src) else {
                    return true;
                };
                let mut cur = n.walk();
                let names: Vec<Node> = n.children_by_field_name("name", &mut cur).collect();
                for c in names {
                    match c.k() {
                        "dotted_name" => {
                            let name = text(c, src).to_string();
                            out.push(Import {
                                local: name.clone(),
                                module: module.clone(),
                                name: Some(name),
                                line,
                            });
                        }
                        "aliased_import" => {
                            if let (Some(m), Some(a)) =
                                (field_text(c, "name", src), field_text(c, "alias", src))
                            {
                                out.push(Import {
                                    local: a,
                                    module: module.clone(),
                                    name: Some(m),
                                    line,
                                });
                            }
                        }
                        _ => {}
                    }
                }
                true
            }
            _ => false,
        }
    }

    fn value_ctor(&self, n: Node, src: &str) -> Option<String> {
        self.ctor_at(n, src, 0)
    }

    fn kwargs(&self, args: Node, src: &str) -> Vec<(String, String)> {
        named_children(args)
            .into_iter()
            .filter(|c| c.k() == "keyword_argument")
            .filter_map(|c| Some((field_text(c, "name", src)?, field_text(c, "value", src)?)))
            .collect()
    }

    fn join_wrappers(&self) -> &'static [&'static str] {
        &["gather", "asyncio.wait", "as_completed", "run_in_executor"]
    }

    fn is_sleep(&self, callee: &str, method: &str) -> bool {
        method == "sleep"
            || callee.contains("backoff")
            || (callee.to_ascii_lowercase().contains("limit")
                && matches!(method, "acquire" | "wait"))
    }

    fn constructs(&self) -> &'static [&'static str] {
        CONSTRUCTS
    }
}

impl Python {
    /// `value_ctor` `depth` wrappers or builder calls down: past `CTOR_DEPTH` there is no
    /// constructor (input nested that deep would otherwise overflow the stack).
    fn ctor_at(&self, n: Node, src: &str, depth: usize) -> Option<String> {
        if depth > crate::code::lang::CTOR_DEPTH {
            return None;
        }
        match n.k() {
            "await" | "parenthesized_expression" => {
                self.ctor_at(*named_children(n).first()?, src, depth + 1)
            }
            "call" => {
                let f = field(n, "function")?;
                if f.k() == "attribute" {
                    if let Some(obj) = field(f, "object").filter(|o| o.k() == "call") {
                        let inner = self.ctor_at(obj, src, depth + 1)?;
                        return Some(format!("{inner}.{}", field_text(f, "attribute", src)?));
                    }
                }
                Some(compact(text(f, src)))
            }
            _ => None,
        }
    }
}
