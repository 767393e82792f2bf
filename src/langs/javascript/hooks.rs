//! JavaScript, TypeScript and TSX hooks (one grammar family).

use crate::code::lang::{
    NodeKind, field, field_text, has_child_kind, named_children, unquote, while_loop,
};
use crate::code::summary::{
    AssignDecl, CallDecl, ClassDecl, Field, FnDecl, Import, LangHooks, LoopDecl, LoopKind, Param,
    compact, text,
};
use tree_sitter::Node;

#[derive(Default)]
pub struct JavaScript;

const FN_KINDS: &[&str] = &[
    "function_declaration",
    "function_expression",
    "function",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "generator_function",
];

fn type_ann(n: Option<Node>, src: &str) -> Option<String> {
    n.map(|t| text(t, src).trim_start_matches(':').trim().to_string())
}

fn params(n: Node, src: &str) -> Vec<Param> {
    if let Some(p) = field(n, "parameter") {
        return vec![Param {
            name: text(p, src).into(),
            type_text: None,
        }];
    }
    let Some(ps) = field(n, "parameters") else {
        return Vec::new();
    };
    named_children(ps)
        .into_iter()
        .filter_map(|p| match p.k() {
            "identifier" => Some(Param {
                name: text(p, src).into(),
                type_text: None,
            }),
            "required_parameter" | "optional_parameter" => Some(Param {
                name: field(p, "pattern").map(|x| text(x, src).to_string())?,
                type_text: type_ann(field(p, "type"), src),
            }),
            "assignment_pattern" => Some(Param {
                name: field_text(p, "left", src)?,
                type_text: None,
            }),
            "object_pattern" | "array_pattern" => Some(Param {
                name: compact(text(p, src)),
                type_text: None,
            }),
            _ => None,
        })
        .collect()
}

/// See `LangHooks::constructs`.
const CONSTRUCTS: &[&str] = &[
    "class_declaration",
    "class",
    "abstract_class_declaration",
    "for_statement",
    "for_in_statement",
    "while_statement",
    "do_statement",
    "call_expression",
    "new_expression",
    "variable_declarator",
    "assignment_expression",
    "augmented_assignment_expression",
    "public_field_definition",
    "field_definition",
    "import_statement",
    "break_statement",
    "return_statement",
    "try_statement",
];

impl LangHooks for JavaScript {
    fn function<'t>(&self, n: Node<'t>, src: &str) -> Option<FnDecl<'t>> {
        if !FN_KINDS.contains(&n.k()) {
            return None;
        }
        let mut name = field_text(n, "name", src);
        if matches!(n.k(), "arrow_function" | "function_expression" | "function") {
            // `const validate = async (item) => …`, class field `check = async () => …`.
            name = n.parent().and_then(|p| match p.k() {
                "variable_declarator" => field_text(p, "name", src),
                "public_field_definition" | "field_definition" => field(p, "name")
                    .or_else(|| field(p, "property"))
                    .map(|x| text(x, src).to_string()),
                _ => None,
            });
        }
        Some(FnDecl {
            name,
            is_async: has_child_kind(n, "async"),
            params: params(n, src),
            return_type: type_ann(field(n, "return_type"), src),
            annotations: Vec::new(),
            body: field(n, "body"),
            class_override: None,
            self_name: None,
        })
    }

    fn class<'t>(&self, n: Node<'t>, src: &str) -> Option<ClassDecl<'t>> {
        if !matches!(
            n.k(),
            "class_declaration" | "class" | "abstract_class_declaration"
        ) {
            return None;
        }
        let name = field_text(n, "name", src).or_else(|| {
            n.parent()
                .filter(|p| p.k() == "variable_declarator")
                .and_then(|p| field_text(p, "name", src))
        })?;
        let mut bases = Vec::new();
        for c in named_children(n) {
            if c.k() == "class_heritage" {
                for h in named_children(c) {
                    match h.k() {
                        "extends_clause" => bases.extend(field_text(h, "value", src)),
                        "implements_clause" => bases.extend(
                            named_children(h)
                                .into_iter()
                                .map(|t| text(t, src).to_string()),
                        ),
                        _ => bases.push(text(h, src).to_string()),
                    }
                }
            }
        }
        let body = field(n, "body");
        let mut fields = Vec::new();
        if let Some(b) = body {
            for m in named_children(b) {
                match m.k() {
                    "public_field_definition" | "field_definition" => {
                        let fname = field(m, "name").or_else(|| field(m, "property"));
                        if let (Some(fname), Some(t)) = (fname, type_ann(field(m, "type"), src)) {
                            fields.push(Field {
                                name: text(fname, src).into(),
                                type_text: t,
                            });
                        }
                    }
                    "method_definition"
                        if field_text(m, "name", src).as_deref() == Some("constructor") =>
                    {
                        // `constructor(private readonly repo: UserRepository)`
                        if let Some(ps) = field(m, "parameters") {
                            for p in named_children(ps) {
                                if p.k() == "required_parameter" || p.k() == "optional_parameter" {
                                    if let (Some(pn), Some(t)) =
                                        (field(p, "pattern"), type_ann(field(p, "type"), src))
                                    {
                                        fields.push(Field {
                                            name: text(pn, src).into(),
                                            type_text: t,
                                        });
                                    }
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(ClassDecl {
            name,
            bases,
            annotations: Vec::new(),
            fields,
            is_interface: false,
            scope_only: false,
            body,
        })
    }

    fn loop_<'t>(&self, n: Node<'t>, src: &str) -> Option<LoopDecl<'t>> {
        match n.k() {
            "for_statement" => {
                let body = field(n, "body")?;
                let cond = field(n, "condition");
                let mut inside = vec![body];
                inside.extend(cond);
                inside.extend(field(n, "increment"));
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
            "for_in_statement" => {
                let body = field(n, "body")?;
                let var = field(n, "left").map(|l| text(l, src).to_string());
                Some(LoopDecl {
                    kind: LoopKind::ForEach,
                    var,
                    iterable: field_text(n, "right", src).map(|s| compact(&s)),
                    cond: None,
                    inside: vec![body],
                    body_start: body.start_byte(),
                    header: None,
                })
            }
            "while_statement" => while_loop(n),
            "do_statement" => {
                let body = field(n, "body")?;
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
            "call_expression" => {
                let f = field(n, "function")?;
                let (receiver, method) = match f.k() {
                    "member_expression" => (field(f, "object"), field_text(f, "property", src)?),
                    _ => (None, text(f, src).to_string()),
                };
                Some(CallDecl {
                    func_node: f,
                    receiver,
                    method,
                    args: field(n, "arguments"),
                })
            }
            "new_expression" => {
                let f = field(n, "constructor")?;
                Some(CallDecl {
                    func_node: f,
                    receiver: None,
                    method: text(f, src).to_string(),
                    args: field(n, "arguments"),
                })
            }
            _ => None,
        }
    }

    fn assignment<'t>(&self, n: Node<'t>, src: &str) -> Option<AssignDecl<'t>> {
        match n.k() {
            "variable_declarator" => {
                let name = field(n, "name")?;
                let targets = match name.k() {
                    "object_pattern" | "array_pattern" => named_children(name)
                        .into_iter()
                        .map(|c| match c.k() {
                            "pair_pattern" => field_text(c, "value", src).unwrap_or_default(),
                            _ => text(c, src).to_string(),
                        })
                        .filter(|s| !s.is_empty())
                        .collect(),
                    _ => vec![text(name, src).to_string()],
                };
                Some(AssignDecl {
                    targets,
                    value: field(n, "value"),
                    type_text: type_ann(field(n, "type"), src),
                })
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                let left = field(n, "left")?;
                Some(AssignDecl {
                    targets: vec![compact(text(left, src))],
                    value: field(n, "right"),
                    type_text: None,
                })
            }
            "public_field_definition" | "field_definition" => {
                let name = field(n, "name").or_else(|| field(n, "property"))?;
                let value = field(n, "value");
                value?;
                Some(AssignDecl {
                    targets: vec![format!("this.{}", text(name, src))],
                    value,
                    type_text: type_ann(field(n, "type"), src),
                })
            }
            _ => None,
        }
    }

    fn is_await(&self, n: Node, _src: &str) -> bool {
        // A returned promise is awaited by the caller.
        n.k() == "await_expression" || n.k() == "return_statement"
    }

    fn is_stmt_boundary(&self, kind: &str) -> bool {
        matches!(
            kind,
            "expression_statement"
                | "statement_block"
                | "lexical_declaration"
                | "variable_declaration"
                | "return_statement"
                | "if_statement"
                | "for_statement"
                | "for_in_statement"
                | "while_statement"
                | "do_statement"
                | "program"
                | "class_body"
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
        matches!(
            kind,
            "identifier"
                | "property_identifier"
                | "shorthand_property_identifier"
                | "shorthand_property_identifier_pattern"
        )
    }
    fn is_fn_context(&self, parent_kind: &str) -> bool {
        matches!(
            parent_kind,
            "variable_declarator" | "public_field_definition" | "field_definition"
        )
    }
    fn is_fn_kind(&self, kind: &str) -> bool {
        FN_KINDS.contains(&kind)
    }
    fn is_comment(&self, kind: &str) -> bool {
        kind == "comment"
    }

    fn imports(&self, n: Node, src: &str, out: &mut Vec<Import>) -> bool {
        let line = n.start_position().row;
        match n.k() {
            "import_statement" => {
                let Some(source) = field(n, "source").map(|s| unquote(text(s, src))) else {
                    return true;
                };
                for c in named_children(n) {
                    if c.k() != "import_clause" {
                        continue;
                    }
                    for k in named_children(c) {
                        match k.k() {
                            "identifier" => out.push(Import {
                                local: text(k, src).into(),
                                module: source.clone(),
                                name: Some("default".into()),
                                line,
                            }),
                            "namespace_import" => {
                                if let Some(id) = named_children(k).first() {
                                    out.push(Import {
                                        local: text(*id, src).into(),
                                        module: source.clone(),
                                        name: None,
                                        line,
                                    });
                                }
                            }
                            "named_imports" => {
                                for s in named_children(k) {
                                    if s.k() == "import_specifier" {
                                        let Some(name) = field_text(s, "name", src) else {
                                            continue;
                                        };
                                        let local = field_text(s, "alias", src)
                                            .unwrap_or_else(|| name.clone());
                                        out.push(Import {
                                            local,
                                            module: source.clone(),
                                            name: Some(unquote(&name)),
                                            line,
                                        });
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                true
            }
            "variable_declarator" => {
                // `const x = require('y')`, `const { a, b: c } = require('y')`
                let Some(v) = field(n, "value") else {
                    return false;
                };
                let v = if v.k() == "member_expression" {
                    field(v, "object").unwrap_or(v)
                } else {
                    v
                };
                if v.k() != "call_expression"
                    || field_text(v, "function", src).as_deref() != Some("require")
                {
                    return false;
                }
                let Some(arg) =
                    field(v, "arguments").and_then(|a| named_children(a).first().copied())
                else {
                    return false;
                };
                let module = unquote(text(arg, src));
                let Some(name) = field(n, "name") else {
                    return true;
                };
                match name.k() {
                    "identifier" => out.push(Import {
                        local: text(name, src).into(),
                        module,
                        name: None,
                        line,
                    }),
                    "object_pattern" => {
                        for c in named_children(name) {
                            match c.k() {
                                "shorthand_property_identifier_pattern" => {
                                    let s = text(c, src).to_string();
                                    out.push(Import {
                                        local: s.clone(),
                                        module: module.clone(),
                                        name: Some(s),
                                        line,
                                    });
                                }
                                "pair_pattern" => {
                                    if let (Some(k), Some(v)) =
                                        (field_text(c, "key", src), field_text(c, "value", src))
                                    {
                                        out.push(Import {
                                            local: v,
                                            module: module.clone(),
                                            name: Some(k),
                                            line,
                                        });
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    _ => {}
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
        let mut out = Vec::new();
        for a in named_children(args) {
            if a.k() == "object" {
                for p in named_children(a) {
                    match p.k() {
                        "pair" => {
                            if let (Some(k), Some(v)) =
                                (field_text(p, "key", src), field_text(p, "value", src))
                            {
                                out.push((unquote(&k), v));
                            }
                        }
                        "shorthand_property_identifier" => {
                            let s = text(p, src).to_string();
                            out.push((s.clone(), s));
                        }
                        _ => {}
                    }
                }
            }
        }
        out
    }

    fn callback_loop_methods(&self) -> &'static [&'static str] {
        &["forEach", "map", "flatMap"]
    }

    fn callback_fn<'t>(&self, args: Node<'t>) -> Option<Node<'t>> {
        named_children(args)
            .into_iter()
            .find(|a| matches!(a.k(), "arrow_function" | "function_expression" | "function"))
    }

    fn join_wrappers(&self) -> &'static [&'static str] {
        &[
            "Promise.all",
            "Promise.allSettled",
            "Promise.any",
            "Promise.race",
            "pMap",
            "pAll",
            "Bluebird.map",
            "Bluebird.all",
        ]
    }

    fn is_sleep(&self, callee: &str, method: &str) -> bool {
        let l = callee.to_ascii_lowercase();
        matches!(
            method,
            "sleep" | "setTimeout" | "delay" | "wait" | "removeTokens"
        ) || l.contains("sleep")
            || l.contains("backoff")
            || l.contains("settimeout")
            || (l.contains("limit") && matches!(method, "acquire" | "wait" | "schedule"))
    }

    fn constructs(&self) -> &'static [&'static str] {
        CONSTRUCTS
    }
}

impl JavaScript {
    /// `value_ctor` `depth` wrappers or builder calls down: past `CTOR_DEPTH` there is no
    /// constructor (input nested that deep would otherwise overflow the stack).
    fn ctor_at(&self, n: Node, src: &str, depth: usize) -> Option<String> {
        if depth > crate::code::lang::CTOR_DEPTH {
            return None;
        }
        match n.k() {
            "await_expression"
            | "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression" => self.ctor_at(*named_children(n).first()?, src, depth + 1),
            "new_expression" => field(n, "constructor").map(|c| compact(text(c, src))),
            "call_expression" => {
                let f = field(n, "function")?;
                if f.k() == "member_expression" {
                    if let Some(obj) = field(f, "object")
                        .filter(|o| o.k() == "call_expression" || o.k() == "new_expression")
                    {
                        let inner = self.ctor_at(obj, src, depth + 1)?;
                        return Some(format!("{inner}.{}", field_text(f, "property", src)?));
                    }
                }
                Some(compact(text(f, src)))
            }
            _ => None,
        }
    }
}
