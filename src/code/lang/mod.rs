//! Tree-sitter helpers the per-language summary hooks (`langs/<lang>/hooks.rs`) share.

use super::Lang;
use super::summary::text;
use std::sync::OnceLock;
use tree_sitter::{Language, Node};

/// Per-grammar kind-name and field-id tables. `Node::kind` re-reads and UTF-8-validates a C
/// string and `child_by_field_name` scans every field name with `strncmp`; the summary walk
/// asks both several times per node, which made them the bulk of summary time.
struct Table {
    lang: Language,
    kinds: Vec<Box<str>>,
    /// Sorted by name.
    fields: Vec<(Box<str>, u16)>,
    /// By kind id: whether the kind is one of the language's `LangHooks::constructs`.
    constructs: Vec<bool>,
}

fn tables() -> &'static [Table] {
    static T: OnceLock<Vec<Table>> = OnceLock::new();
    T.get_or_init(|| {
        crate::langs::CODE_LANGUAGES
            .iter()
            .flat_map(|c| c.dialects.iter().map(|d| d.lang))
            .map(|l| {
                let lang = l.ts_language();
                let kinds: Vec<Box<str>> = (0..lang.node_kind_count())
                    .map(|i| {
                        u16::try_from(i)
                            .ok()
                            .and_then(|i| lang.node_kind_for_id(i))
                            .unwrap_or("")
                            .into()
                    })
                    .collect();
                // Several ids can share a name (aliases); each of them is marked.
                let constructs = kinds.iter().map(|k| is_construct(l, k)).collect();
                let mut fields: Vec<(Box<str>, u16)> = (1..=lang.field_count())
                    .filter_map(|i| {
                        let i = u16::try_from(i).ok()?;
                        Some((lang.field_name_for_id(i)?.into(), i))
                    })
                    .collect();
                fields.sort();
                Table {
                    lang,
                    kinds,
                    fields,
                    constructs,
                }
            })
            .collect()
    })
}

/// Whether the language's hooks may answer for a node of `kind` (see `LangHooks::constructs`).
fn is_construct(l: Lang, kind: &str) -> bool {
    (crate::langs::code_language(l).is_construct)(kind)
}

/// By kind id, for `n`'s grammar: whether a node of that kind may be a construct (see
/// `LangHooks::constructs`). Ids past the end (ERROR) count as constructs.
/// How many wrappers (parentheses, awaits, casts) or builder calls a hook looks through for a
/// value's constructor (`value_ctor`); real code has a handful, input nested deeper has none.
pub(crate) const CTOR_DEPTH: usize = 256;

pub(crate) fn constructs(n: &Node) -> &'static [bool] {
    table(n).map_or(&[], |t| &t.constructs)
}

fn table(n: &Node) -> Option<&'static Table> {
    let l = n.language();
    tables().iter().find(|t| t.lang == *l)
}

/// `n.kind()` through the cached table.
pub(crate) fn kind(n: Node) -> &'static str {
    table(&n)
        .and_then(|t| t.kinds.get(usize::from(n.kind_id())))
        .map(|k| &**k)
        .filter(|k| !k.is_empty())
        // ERROR nodes have an id outside the table.
        .unwrap_or_else(|| if n.is_error() { "ERROR" } else { "" })
}

/// `.k()`: cached `Node::kind`.
pub(crate) trait NodeKind {
    fn k(&self) -> &'static str;
}

impl NodeKind for Node<'_> {
    fn k(&self) -> &'static str {
        kind(*self)
    }
}

/// `n.child_by_field_name(name)` with the field id from the cached table.
pub(crate) fn field<'t>(n: Node<'t>, name: &str) -> Option<Node<'t>> {
    match table(&n) {
        Some(t) => match t.fields.binary_search_by(|(f, _)| (**f).cmp(name)) {
            Ok(i) => n.child_by_field_id(t.fields[i].1),
            Err(_) => None,
        },
        None => n.child_by_field_name(name),
    }
}

pub(crate) fn field_text(n: Node, name: &str, src: &str) -> Option<String> {
    field(n, name).map(|c| text(c, src).to_string())
}

pub(crate) fn named_children(n: Node) -> Vec<Node> {
    let mut cur = n.walk();
    n.named_children(&mut cur).collect()
}

#[allow(clippy::let_and_return)] // the binding ends the iterator's borrow of `cur` before `cur` drops
pub(crate) fn has_child_kind(n: Node, kind: &str) -> bool {
    let mut cur = n.walk();
    let found = n.children(&mut cur).any(|c| c.k() == kind);
    found
}

/// Strip quotes from a string literal's text.
pub(crate) fn unquote(s: &str) -> String {
    s.trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .to_string()
}

/// `Foo<Bar>` → `Foo`, `*sql.DB` → `sql.DB`, `&'a mut Arc<PgPool>` → `PgPool`.
pub fn base_type(t: &str) -> String {
    let mut t = t.trim();
    loop {
        let before = t;
        t = t.trim_start_matches(['*', '&', '[', ']', ' ']);
        if let Some(r) = t.strip_prefix("mut ") {
            t = r;
        }
        if let Some(r) = t.strip_prefix("dyn ").or_else(|| t.strip_prefix("impl ")) {
            t = r;
        }
        if t.starts_with('\'') {
            t = t.split_once(' ').map(|x| x.1).unwrap_or(t);
        }
        for wrapper in [
            "Arc<",
            "Rc<",
            "Box<",
            "Option<",
            "Mutex<",
            "RwLock<",
            "Optional<",
            "Promise<",
            "Readonly<",
        ] {
            if let Some(inner) = t.strip_prefix(wrapper).or_else(|| {
                t.rsplit_once("::")
                    .and_then(|(_, last)| last.strip_prefix(wrapper))
            }) {
                t = inner.strip_suffix('>').unwrap_or(inner);
            }
        }
        if t == before {
            break;
        }
    }
    let t = t.split('<').next().unwrap_or(t);
    let t = t.split(" |").next().unwrap_or(t);
    t.trim().trim_end_matches("[]").to_string()
}

/// A `while` loop: its body runs once per iteration and its condition is evaluated each time
/// (the same node shape in Python, JavaScript/TypeScript and Java).
pub(crate) fn while_loop<'t>(n: Node<'t>) -> Option<crate::code::summary::LoopDecl<'t>> {
    let body = field(n, "body")?;
    let cond = field(n, "condition");
    let mut inside = vec![body];
    inside.extend(cond);
    Some(crate::code::summary::LoopDecl {
        kind: crate::code::summary::LoopKind::While,
        var: None,
        iterable: None,
        cond,
        inside,
        body_start: body.start_byte(),
        header: None,
    })
}
