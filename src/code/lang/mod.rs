//! Per-language hooks for the summary walker. TypeScript and TSX share `javascript.rs`.

pub mod go;
pub mod java;
pub mod javascript;
pub mod python;
pub mod rust;

use super::summary::text;
use tree_sitter::Node;

pub(crate) fn field<'t>(n: Node<'t>, name: &str) -> Option<Node<'t>> {
    n.child_by_field_name(name)
}

pub(crate) fn field_text(n: Node, name: &str, src: &str) -> Option<String> {
    n.child_by_field_name(name)
        .map(|c| text(c, src).to_string())
}

pub(crate) fn named_children(n: Node) -> Vec<Node> {
    let mut cur = n.walk();
    n.named_children(&mut cur).collect()
}

pub(crate) fn has_child_kind(n: Node, kind: &str) -> bool {
    let mut cur = n.walk();
    let found = n.children(&mut cur).any(|c| c.kind() == kind);
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
