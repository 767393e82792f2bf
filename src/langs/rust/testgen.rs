//! Rust: an integration test under `tests/`, `#[tokio::test]` when the loop is async. The
//! remote side is a counting HTTP server on a std `TcpListener` (no extra dev-dependencies);
//! the client is built with its `new(base_url)` constructor when it has one.
//!
//! The test file's text is the template `templates/testgen/test_file.rs.j2` (embedded with
//! `include_str!`); this module computes what it receives, `RustTestDoc`, and renders it.

use serde::Serialize;

use crate::code::{Lang, summarize};
use crate::guidance::testgen::{Files, GeneratedTest, SIZES, Subject, snake, stem};

/// `src/jobs/sync.rs` → `jobs::sync`.
fn module_path(path: &str) -> String {
    let p = path.strip_prefix("src/").unwrap_or(path);
    let p = p.strip_suffix(".rs").unwrap_or(p);
    let p = p.strip_suffix("/mod").unwrap_or(p);
    if p == "lib" || p == "main" {
        String::new()
    } else {
        p.replace('/', "::")
    }
}

fn crate_name(files: Files, listing: &[String]) -> String {
    listing
        .iter()
        .filter(|p| p.ends_with("Cargo.toml"))
        .min_by_key(|p| p.len())
        .and_then(|p| files(p))
        .and_then(|t| {
            t.lines().find_map(|l| {
                let l = l.trim();
                let v = l.strip_prefix("name")?.trim_start().strip_prefix('=')?;
                Some(v.trim().trim_matches('"').replace('-', "_"))
            })
        })
        .unwrap_or_else(|| "my_crate".to_owned())
}

fn rust_value(ty: &str, name: &str) -> String {
    let ty = ty.trim();
    match ty {
        "&str" => format!("\"{}-1\"", name.to_ascii_lowercase()),
        "String" => format!("\"{}-1\".to_string()", name.to_ascii_lowercase()),
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" | "isize" => "1".to_owned(),
        "bool" => "true".to_owned(),
        _ => format!("todo!(\"a value of type {}\")", ty.replace('"', "'")),
    }
}

/// What `templates/testgen/test_file.rs.j2` receives. Rust fragments (`call`, `client_expr`,
/// the `use` paths) are computed here; the template holds the file's text.
#[derive(Serialize)]
struct RustTestDoc {
    /// The entry function, the file and line of the flagged call, the loop's collection.
    entry: String,
    path: String,
    line: usize,
    iterable: Option<String>,
    batch_limit: usize,
    /// The test target's name (`cargo test --test <name>`).
    test_name: String,
    /// Paths for `use` lines after the standard library's.
    uses: Vec<String>,
    /// The entry function is async: `#[tokio::test]`.
    is_async: bool,
    /// `snake_case` of the entry function, in the test names.
    name: String,
    sizes: Vec<usize>,
    /// Builds the client against `base_url`, and the entry call statement.
    client_expr: String,
    call: String,
}

/// The client built against `base_url`, and the `use` line for its type.
fn client(s: &Subject, files: Files, krate: &str) -> (String, Option<String>) {
    let todo = "todo!(\"build the client against `base_url`\")".to_owned();
    let Some(c) = &s.client else {
        return (todo, None);
    };
    let cmod = module_path(&c.path);
    let has_new = files(&c.path).is_some_and(|t| {
        summarize(&c.path, Lang::Rust, &t)
            .functions
            .iter()
            .any(|f| f.name == "new" && f.class.as_deref() == Some(c.class.as_str()))
    });
    let expr = if has_new {
        format!("{}::new(base_url)", c.class)
    } else {
        todo
    };
    (expr, Some(format!("{krate}::{cmod}::{}", c.class)))
}

/// The entry call statement, and the `use` line for the entry's type when it is a method.
fn entry_call(s: &Subject, item_path: &dyn Fn(&str) -> String) -> (String, Option<String>) {
    let parts = s.iterable_parts();
    let args: Vec<String> = s
        .entry_params()
        .iter()
        .map(|p| {
            let ty = p.type_text.as_deref().unwrap_or("_");
            match &parts {
                Some((root, _)) if *root == p.name => "&items".to_owned(),
                _ if s.client.as_ref().is_some_and(|c| ty.contains(&c.class)) => {
                    "&client".to_owned()
                }
                _ => rust_value(ty, &p.name),
            }
        })
        .collect();
    let (callee, import) = match &s.entry.class {
        Some(c) => (
            format!(
                "todo!(\"construct a {c} that uses `client`\").{}",
                s.entry.name
            ),
            Some(item_path(c)),
        ),
        None => (item_path(&s.entry.name), None),
    };
    let aw = if s.entry.is_async { ".await" } else { "" };
    (
        format!("let _ = {callee}({}){aw};", args.join(", ")),
        import,
    )
}

pub fn generate(
    s: &Subject,
    files: Files,
    listing: &[String],
    batch_limit: usize,
) -> Result<GeneratedTest, String> {
    let krate = crate_name(files, listing);
    let test_name = format!("{}_n_plus_one", snake(stem(&s.path)));
    let path = format!("tests/{test_name}.rs");
    let module = module_path(&s.path);
    let item_path = |name: &str| {
        if module.is_empty() {
            format!("{krate}::{name}")
        } else {
            format!("{krate}::{module}::{name}")
        }
    };
    let is_async = s.entry.is_async;
    let (client_expr, client_use) = client(s, files, &krate);
    let (call, entry_use) = entry_call(s, &item_path);
    let doc = RustTestDoc {
        entry: s.entry.name.clone(),
        path: s.path.clone(),
        line: s.line,
        iterable: s.loop_iterable.clone(),
        batch_limit,
        test_name: test_name.clone(),
        uses: client_use.into_iter().chain(entry_use).collect(),
        is_async,
        name: snake(&s.entry.name),
        sizes: SIZES.to_vec(),
        client_expr,
        call,
    };
    let text = crate::guidance::templates::render(
        "rust/testgen/test_file.rs.j2",
        include_str!("templates/testgen/test_file.rs.j2"),
        doc,
    )?;
    Ok(GeneratedTest {
        path,
        text,
        framework: if is_async {
            "cargo test (tokio)".to_owned()
        } else {
            "cargo test".to_owned()
        },
        run: format!("cargo test --test {test_name}"),
    })
}
