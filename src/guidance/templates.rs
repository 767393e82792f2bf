//! The text of generated code and documents lives in templates kept as data (`*.j2` files next
//! to the code that fills them, embedded with `include_str!`), rendered with minijinja. A changed
//! sentence is a data edit.
//!
//! One configuration for every template: blocks trim their own newline and leading whitespace
//! (`trim_blocks`, `lstrip_blocks`), a template's trailing newline is kept, no HTML escaping, and
//! an undefined variable is an error (a misspelt name fails the test that renders it instead of
//! printing nothing).

use std::sync::{LazyLock, RwLock};

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

/// Every template rendered so far, compiled once, by name.
static ENV: LazyLock<RwLock<Environment<'static>>> = LazyLock::new(|| RwLock::new(environment()));

/// Renders the template `source` (embedded text; `name` names it in the cache and in error
/// messages) with `ctx`. A template is compiled the first time it is rendered.
pub fn render<S: Serialize>(
    name: &'static str,
    source: &'static str,
    ctx: S,
) -> Result<String, String> {
    let error = |e: minijinja::Error| format!("template {name}: {e:#}");
    {
        let env = ENV.read().unwrap_or_else(|p| p.into_inner());
        if let Ok(t) = env.get_template(name) {
            if t.source() == source {
                return t.render(ctx).map_err(error);
            }
            // Two templates under one name: render this one uncached rather than the other.
            return env.render_named_str(name, source, ctx).map_err(error);
        }
    }
    let mut env = ENV.write().unwrap_or_else(|p| p.into_inner());
    if env.get_template(name).is_err() {
        env.add_template(name, source).map_err(error)?;
    }
    let t = env.get_template(name).map_err(error)?;
    t.render(ctx).map_err(error)
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
    fn a_template_is_compiled_once_and_rendered_again_with_new_context() {
        const T: &str = "{{ n }}";
        assert_eq!(
            render("cache-test", T, serde_json::json!({"n": 1})).as_deref(),
            Ok("1")
        );
        assert_eq!(
            render("cache-test", T, serde_json::json!({"n": 2})).as_deref(),
            Ok("2")
        );
        // Another text under the same name is still rendered as itself.
        assert_eq!(
            render("cache-test", "<{{ n }}>", serde_json::json!({"n": 3})).as_deref(),
            Ok("<3>")
        );
    }

    #[test]
    fn an_undefined_variable_is_an_error_naming_the_template() {
        let err = render("plans/x.md.j2", "{{ missing }}", serde_json::json!({})).unwrap_err();
        assert!(err.starts_with("template plans/x.md.j2: "), "{err}");
    }
}
