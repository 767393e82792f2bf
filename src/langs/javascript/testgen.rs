//! JavaScript / TypeScript: jest, vitest, mocha or node:test, chosen from package.json.
//!
//! The fake spies on the client class's prototype methods, so it counts calls however the
//! instance is reached (a module-level client, a constructor argument, `this.client`).
//!
//! The test file's text is the template `templates/testgen/test_file.js.j2` (embedded with
//! `include_str!`); this module computes what it receives, `JsTestDoc`, and renders it.

use serde::Serialize;

use crate::code::Lang;
use crate::guidance::testgen::{Files, GeneratedTest, SIZES, Subject, join, stem, tests_dir};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fw {
    Jest,
    Vitest,
    Mocha,
    NodeTest,
}

fn detect(files: Files, listing: &[String]) -> Fw {
    let pkg = listing
        .iter()
        .filter(|p| p.ends_with("package.json") && !p.contains("node_modules/"))
        .min_by_key(|p| p.len())
        .and_then(|p| files(p))
        .unwrap_or_default();
    if pkg.contains("\"vitest\"") {
        Fw::Vitest
    } else if pkg.contains("\"jest\"") || pkg.contains("ts-jest") {
        Fw::Jest
    } else if pkg.contains("\"mocha\"") {
        Fw::Mocha
    } else if pkg.contains("node --test") {
        Fw::NodeTest
    } else {
        Fw::Jest
    }
}

fn is_test_file(p: &str) -> bool {
    !p.contains("node_modules/")
        && (p.contains(".test.") || p.contains(".spec.") || p.contains("__tests__/"))
        && matches!(
            Lang::from_path(p),
            Some(Lang::JavaScript | Lang::TypeScript | Lang::Tsx)
        )
}

/// Relative import specifier from the directory `from_dir` to `target` without extension.
fn relative(from_dir: &str, target: &str) -> String {
    let target = target.rsplit_once('.').map(|(t, _)| t).unwrap_or(target);
    let from: Vec<&str> = from_dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(to[common..].iter().map(|s| (*s).to_owned()));
    let rel = parts.join("/");
    if rel.starts_with("..") {
        rel
    } else {
        format!("./{rel}")
    }
}

fn value_for(name: &str, indexed: bool) -> String {
    let n = name.to_ascii_lowercase();
    let numeric = [
        "quantity", "qty", "count", "amount", "price", "total", "size",
    ]
    .iter()
    .any(|k| n.contains(k));
    match (numeric, indexed) {
        (true, _) => "1".to_owned(),
        (false, true) => format!(
            "`{}-${{String(i).padStart(4, '0')}}`",
            name.to_ascii_uppercase()
        ),
        (false, false) => format!("'{n}-1'"),
    }
}

/// One `import { name } from 'from';` line.
#[derive(Serialize)]
struct ImportDoc {
    name: String,
    from: String,
}

/// What `templates/testgen/test_file.js.j2` receives. JavaScript fragments (`call`,
/// `element`, `result`) are computed here; the template holds the file's text.
#[derive(Serialize)]
struct JsTestDoc {
    /// `jest`, `vitest`, `mocha` or `node` (node:test).
    fw: &'static str,
    /// TypeScript: annotations and casts.
    ts: bool,
    /// The entry function, the file and line of the flagged call, the loop's collection.
    entry: String,
    path: String,
    line: usize,
    iterable: Option<String>,
    /// The client class whose prototype is spied on, its single method and its batch method.
    client_class: String,
    single: String,
    batch: Option<String>,
    batch_limit: usize,
    /// The command that runs this test.
    run: String,
    sizes: Vec<usize>,
    imports: Vec<ImportDoc>,
    /// The `i`-th element of `makeItems`, the fake's per-key result, the entry call.
    element: String,
    result: String,
    call: String,
    is_async: bool,
    /// The key of `items[2]`.
    missing: String,
    /// The loop throws for an unavailable item.
    raises: bool,
}

impl Fw {
    /// The name the template sees, the framework label and the run command.
    fn names(self, path: &str) -> (&'static str, &'static str, String) {
        match self {
            Fw::Jest => ("jest", "jest", format!("npx jest {path}")),
            Fw::Vitest => ("vitest", "vitest", format!("npx vitest run {path}")),
            Fw::Mocha => ("mocha", "mocha", format!("npx mocha {path}")),
            Fw::NodeTest => ("node", "node:test", format!("node --test {path}")),
        }
    }
}

/// The arguments of the entry call: `items` for the loop's collection, placeholders else.
fn entry_args(s: &Subject, any: &str) -> Vec<String> {
    s.entry_params()
        .iter()
        .map(|p| match s.iterable_parts() {
            Some((root, path)) if root == p.name => {
                if path.is_empty() {
                    "items".to_owned()
                } else {
                    format!("{{ id: 'id-1', {}: items }}{any}", path.join("_"))
                }
            }
            _ => format!("{}{any}", value_for(&p.name, false)),
        })
        .collect()
}

/// The `i`-th element of the loop's collection.
fn element(s: &Subject) -> String {
    let attrs = s.needed_attributes();
    if attrs.is_empty() {
        return value_for(s.loop_var.as_deref().unwrap_or("item"), true);
    }
    let fields: Vec<String> = attrs
        .iter()
        .map(|a| format!("{a}: {}", value_for(a, true)))
        .collect();
    format!("({{ {} }})", fields.join(", "))
}

/// What the fake returns for `key`: a boolean when the client method returns one, else a
/// record with `available`.
fn fake_result(c: &crate::guidance::testgen::ClientMethod) -> String {
    let returns_bool = c
        .return_type
        .as_deref()
        .is_some_and(|r| r.contains("boolean"));
    if returns_bool {
        "!unavailable.has(key)".to_owned()
    } else {
        "({ sku: key, available: !unavailable.has(key) })".to_owned()
    }
}

pub fn generate(
    s: &Subject,
    files: Files,
    listing: &[String],
    batch_limit: usize,
) -> Result<GeneratedTest, String> {
    let fw = detect(files, listing);
    let ts = matches!(s.lang, Lang::TypeScript | Lang::Tsx);
    let ext = if ts { "ts" } else { "js" };
    let src_dir = s.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let dir = tests_dir(listing, is_test_file, src_dir);
    let path = join(&dir, &format!("{}.n-plus-one.test.{ext}", stem(&s.path)));
    let entry = &s.entry.name;
    let any = if ts { " as any" } else { "" };
    let (fw_name, label, run) = fw.names(&path);
    let Some(c) = &s.client else {
        return Err(format!(
            "{}:{}: the remote call is not a method of a client class in the workspace; write the fake by hand",
            s.path, s.line
        ));
    };
    let (import, callee) = match &s.entry.class {
        Some(class) => (class.clone(), format!("new {class}(){any}.{entry}")),
        None => (entry.clone(), entry.clone()),
    };
    let imports = vec![
        ImportDoc {
            name: import,
            from: relative(&dir, &s.path),
        },
        ImportDoc {
            name: c.class.clone(),
            from: relative(&dir, &c.path),
        },
    ];
    let missing = match s.key_attribute() {
        Some(a) => format!("items[2].{a}"),
        None => "items[2]".to_owned(),
    };
    let doc = JsTestDoc {
        fw: fw_name,
        ts,
        entry: entry.clone(),
        path: s.path.clone(),
        line: s.line,
        iterable: s.loop_iterable.clone(),
        client_class: c.class.clone(),
        single: c.method.clone(),
        batch: s
            .batch
            .as_ref()
            .filter(|b| b.class.as_deref() == Some(&c.class))
            .map(|b| b.method.clone()),
        batch_limit,
        run: run.clone(),
        sizes: SIZES.to_vec(),
        imports,
        element: element(s),
        result: fake_result(c),
        call: format!("{callee}({})", entry_args(s, any).join(", ")),
        is_async: s.entry.is_async,
        missing,
        raises: !s.raised_in_loop().is_empty(),
    };
    let text = crate::guidance::templates::render(
        "javascript/testgen/test_file.js.j2",
        include_str!("templates/testgen/test_file.js.j2"),
        doc,
    )?;
    Ok(GeneratedTest {
        path,
        text,
        framework: label.to_owned(),
        run,
    })
}
