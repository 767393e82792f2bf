//! Go hooks.

use crate::code::lang::{NodeKind, base_type, field, field_text, named_children, unquote};
use crate::code::summary::{
    AssignDecl, CallDecl, ClassDecl, Field, FnDecl, Import, LangHooks, LoopDecl, LoopKind, Param,
    compact, text,
};
use tree_sitter::Node;

#[derive(Default)]
pub struct Go;

fn params(n: Option<Node>, src: &str) -> Vec<Param> {
    let Some(n) = n else { return Vec::new() };
    let mut out = Vec::new();
    for p in named_children(n) {
        if !matches!(
            p.k(),
            "parameter_declaration" | "variadic_parameter_declaration"
        ) {
            continue;
        }
        let ty = field_text(p, "type", src);
        let mut cur = p.walk();
        let names: Vec<Node> = p.children_by_field_name("name", &mut cur).collect();
        for nm in names {
            out.push(Param {
                name: text(nm, src).into(),
                type_text: ty.clone(),
            });
        }
    }
    out
}

/// Go's default package name for an import path (`github.com/go-resty/resty/v2` → `resty`).
fn default_local(path: &str) -> String {
    let mut segs: Vec<&str> = path.split('/').collect();
    if segs.len() > 1
        && segs.last().is_some_and(|s| {
            s.len() >= 2 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit())
        })
    {
        segs.pop();
    }
    let last = segs.last().copied().unwrap_or(path);
    let last = last.split('.').next().unwrap_or(last);
    let last = last.strip_prefix("go-").unwrap_or(last);
    let last = last.strip_suffix("-go").unwrap_or(last);
    last.replace('-', "")
}

/// See `LangHooks::constructs`.
const CONSTRUCTS: &[&str] = &[
    "type_spec",
    "for_statement",
    "call_expression",
    "short_var_declaration",
    "assignment_statement",
    "var_spec",
    "inc_statement",
    "dec_statement",
    "import_spec",
    "package_clause",
    "go_statement",
    "break_statement",
    "return_statement",
];

impl LangHooks for Go {
    fn function<'t>(&self, n: Node<'t>, src: &str) -> Option<FnDecl<'t>> {
        match n.k() {
            "function_declaration" | "method_declaration" | "func_literal" => {
                let (class, self_name) = match field(n, "receiver") {
                    Some(r) => {
                        let p = params(Some(r), src).into_iter().next();
                        let class = p
                            .as_ref()
                            .and_then(|p| p.type_text.as_deref())
                            .map(base_type);
                        // Unnamed receivers: the type alone.
                        let class = class.or_else(|| {
                            named_children(r)
                                .first()
                                .and_then(|d| field_text(*d, "type", src))
                                .map(|t| base_type(&t))
                        });
                        (class, p.map(|p| p.name))
                    }
                    None => (None, None),
                };
                Some(FnDecl {
                    name: field_text(n, "name", src),
                    is_async: false,
                    params: params(field(n, "parameters"), src),
                    return_type: field_text(n, "result", src).map(|r| {
                        r.trim_matches(['(', ')'])
                            .split(',')
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_string()
                    }),
                    annotations: Vec::new(),
                    body: field(n, "body"),
                    class_override: class,
                    self_name,
                })
            }
            _ => None,
        }
    }

    fn class<'t>(&self, n: Node<'t>, src: &str) -> Option<ClassDecl<'t>> {
        if n.k() != "type_spec" {
            return None;
        }
        let ty = field(n, "type")?;
        let (fields, is_interface) = match ty.k() {
            "struct_type" => {
                let mut fields = Vec::new();
                for list in named_children(ty) {
                    for fd in named_children(list) {
                        if fd.k() != "field_declaration" {
                            continue;
                        }
                        let Some(t) = field_text(fd, "type", src) else {
                            continue;
                        };
                        let mut cur = fd.walk();
                        let names: Vec<Node> =
                            fd.children_by_field_name("name", &mut cur).collect();
                        if names.is_empty() {
                            // Embedded field: named after its type.
                            fields.push(Field {
                                name: base_type(&t).rsplit('.').next().unwrap_or("").to_string(),
                                type_text: t.clone(),
                            });
                        }
                        for nm in names {
                            fields.push(Field {
                                name: text(nm, src).into(),
                                type_text: t.clone(),
                            });
                        }
                    }
                }
                (fields, false)
            }
            "interface_type" => (Vec::new(), true),
            _ => return None,
        };
        Some(ClassDecl {
            name: field_text(n, "name", src)?,
            bases: Vec::new(),
            annotations: Vec::new(),
            fields,
            is_interface,
            scope_only: false,
            body: None,
        })
    }

    fn loop_<'t>(&self, n: Node<'t>, src: &str) -> Option<LoopDecl<'t>> {
        if n.k() != "for_statement" {
            return None;
        }
        let body = field(n, "body")?;
        let mut inside = vec![body];
        let mut kind = LoopKind::Loop;
        let mut cond = None;
        let (mut var, mut iterable) = (None, None);
        for c in named_children(n) {
            match c.k() {
                "for_clause" => {
                    kind = LoopKind::For;
                    cond = field(c, "condition");
                    inside.extend(cond);
                    inside.extend(field(c, "update"));
                }
                "range_clause" => {
                    kind = LoopKind::ForEach;
                    var = field_text(c, "left", src);
                    iterable = field_text(c, "right", src).map(|s| compact(&s));
                }
                "block" => {}
                _ => {
                    kind = LoopKind::While;
                    cond = Some(c);
                    inside.push(c);
                }
            }
        }
        Some(LoopDecl {
            kind,
            var,
            iterable,
            cond,
            inside,
            body_start: body.start_byte(),
            header: None,
        })
    }

    fn call<'t>(&self, n: Node<'t>, src: &str) -> Option<CallDecl<'t>> {
        if n.k() != "call_expression" {
            return None;
        }
        let f = field(n, "function")?;
        let (receiver, method) = match f.k() {
            "selector_expression" => (field(f, "operand"), field_text(f, "field", src)?),
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
            "short_var_declaration" | "assignment_statement" => {
                let left = field(n, "left")?;
                let targets = named_children(left)
                    .into_iter()
                    .map(|c| compact(text(c, src)))
                    .filter(|t| t != "_")
                    .collect();
                Some(AssignDecl {
                    targets,
                    value: field(n, "right"),
                    type_text: None,
                })
            }
            "var_spec" => {
                let mut cur = n.walk();
                let targets = n
                    .children_by_field_name("name", &mut cur)
                    .map(|c| text(c, src).to_string())
                    .collect();
                Some(AssignDecl {
                    targets,
                    value: field(n, "value"),
                    type_text: field_text(n, "type", src),
                })
            }
            "inc_statement" | "dec_statement" => {
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

    fn is_await(&self, _n: Node, _src: &str) -> bool {
        false
    }
    fn is_stmt_boundary(&self, kind: &str) -> bool {
        matches!(kind, "block" | "expression_statement" | "source_file")
    }
    fn is_break(&self, kind: &str) -> bool {
        kind == "break_statement"
    }
    fn is_return(&self, kind: &str) -> bool {
        kind == "return_statement"
    }
    fn is_try(&self, _kind: &str) -> bool {
        false
    }
    fn is_spawn(&self, n: Node) -> bool {
        n.k() == "go_statement"
    }
    fn is_ident(&self, kind: &str) -> bool {
        matches!(
            kind,
            "identifier" | "field_identifier" | "package_identifier"
        )
    }
    fn is_fn_kind(&self, kind: &str) -> bool {
        matches!(
            kind,
            "function_declaration" | "method_declaration" | "func_literal"
        )
    }
    fn is_comment(&self, kind: &str) -> bool {
        kind == "comment"
    }

    fn imports(&self, n: Node, src: &str, out: &mut Vec<Import>) -> bool {
        if n.k() != "import_spec" {
            return false;
        }
        let Some(path) = field(n, "path").map(|p| unquote(text(p, src))) else {
            return true;
        };
        let local = match field(n, "name").map(|x| text(x, src).to_string()) {
            Some(l) if l == "_" || l == "." => return true,
            Some(l) => l,
            None => default_local(&path),
        };
        out.push(Import {
            local,
            module: path,
            name: None,
            line: n.start_position().row,
        });
        true
    }

    fn package(&self, n: Node, src: &str) -> Option<String> {
        (n.k() == "package_clause")
            .then(|| named_children(n).first().map(|c| text(*c, src).to_string()))
            .flatten()
    }

    fn value_ctor(&self, n: Node, src: &str) -> Option<String> {
        self.ctor_at(n, src, 0)
    }

    fn join_wrappers(&self) -> &'static [&'static str] {
        &[]
    }

    fn is_sleep(&self, callee: &str, method: &str) -> bool {
        let l = callee.to_ascii_lowercase();
        matches!(method, "Sleep" | "After" | "Tick")
            || l.contains("backoff")
            || (l.contains("limiter") && matches!(method, "Wait" | "Take" | "Allow"))
    }

    fn constructs(&self) -> &'static [&'static str] {
        CONSTRUCTS
    }
}

impl Go {
    /// `value_ctor` `depth` wrappers or builder calls down: past `CTOR_DEPTH` there is no
    /// constructor (input nested that deep would otherwise overflow the stack).
    fn ctor_at(&self, n: Node, src: &str, depth: usize) -> Option<String> {
        if depth > crate::code::lang::CTOR_DEPTH {
            return None;
        }
        match n.k() {
            "expression_list" | "parenthesized_expression" => {
                self.ctor_at(*named_children(n).first()?, src, depth + 1)
            }
            "unary_expression" => self.ctor_at(field(n, "operand")?, src, depth + 1),
            "composite_literal" => field(n, "type").map(|t| compact(text(t, src))),
            "call_expression" => {
                let f = field(n, "function")?;
                if f.k() == "selector_expression" {
                    if let Some(obj) = field(f, "operand").filter(|o| o.k() == "call_expression") {
                        let inner = self.ctor_at(obj, src, depth + 1)?;
                        return Some(format!("{inner}.{}", field_text(f, "field", src)?));
                    }
                }
                Some(compact(text(f, src)))
            }
            _ => None,
        }
    }
}
