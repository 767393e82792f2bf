//! The text of generated code and documents lives in templates kept as data (`*.j2` files next
//! to the code that fills them, embedded with `include_str!`), rendered with minijinja. A changed
//! sentence is a data edit.
//!
//! One configuration for every template: blocks trim their own newline and leading whitespace
//! (`trim_blocks`, `lstrip_blocks`), a template's trailing newline is kept, no HTML escaping, and
//! an undefined variable is an error (a misspelt name fails the test that renders it instead of
//! printing nothing).

use std::sync::LazyLock;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
});

/// Renders `source` (a template's text; `name` is for error messages) with `ctx`.
pub fn render<S: Serialize>(name: &str, source: &str, ctx: S) -> Result<String, String> {
    ENV.render_named_str(name, source, ctx)
        .map_err(|e| format!("template {name}: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_renders_its_context_without_escaping() {
        let out = render(
            "t",
            "{% for x in xs %}\n<{{ x }}>\n{% endfor %}\n",
            serde_json::json!({"xs": ["a&b", "c"]}),
        );
        assert_eq!(out.as_deref(), Ok("<a&b>\n<c>\n"));
    }

    #[test]
    fn an_undefined_variable_is_an_error_naming_the_template() {
        let err = render("plans/x.md.j2", "{{ missing }}", serde_json::json!({})).unwrap_err();
        assert!(err.starts_with("template plans/x.md.j2: "), "{err}");
    }
}
