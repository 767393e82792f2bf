//! JavaScript/TypeScript: `Promise.all` over chunks of at most N items (no new dependency).

use super::*;

const IDENT: &[&str] = &["identifier", "shorthand_property_identifier"];

pub(super) fn concurrent(
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
        .is_some_and(|o| text_of(&text, o) == "of");
    if !is_of || text_of(&text, lnode).starts_with("for await") {
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
            identifiers(&text, t, IDENT, out);
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
    check_guards(&text, value, call, body, &g)?;
    let ls = line_start(&text, lnode.start_byte());
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
    let scope = scope_node.map(|n| text_of(&text, n)).unwrap_or(&text);
    let semi = if text.lines().filter(|l| l.trim_end().ends_with(';')).count() > 0 {
        ";"
    } else {
        ""
    };
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
        Some(_) if whole_loop => edits.push(Edit {
            range: whole_lines(&text, lnode),
            new_text: pre_text,
        }),
        Some(st) => {
            let r = whole_lines(&text, st);
            if text.get(r.clone()).unwrap_or("").trim() != text_of(&text, st) {
                return Err("the call shares its line with other statements".into());
            }
            edits.push(Edit {
                range: ls..ls,
                new_text: pre_text,
            });
            edits.push(Edit {
                range: r,
                new_text: String::new(),
            });
        }
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
        title: format!(
            "Run concurrently (at most {n} at a time; results keep input order, first error \
             propagates)"
        ),
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

pub(super) fn batch(
    f: &Finding,
    _files: &dyn Fn(&str) -> Option<String>,
    _opts: &Options,
) -> Result<Rewrite, String> {
    batch_not_implemented(f)
}
