//! Go: a table-driven `go test` in the loop's package. The remote side is an
//! `httptest.Server` that counts requests; the client is pointed at it through its
//! constructor (`NewClient(srv.URL)`) when the loop reaches it through a package variable.
//!
//! The test file's text is the template `templates/testgen/test_file.go.j2` (embedded with
//! `include_str!`); this module computes what it receives, `GoTestDoc`, and renders it.

use serde::Serialize;

use crate::code::{Lang, summarize};
use crate::guidance::testgen::{Files, GeneratedTest, SIZES, Subject, camel, stem};

fn go_value(ty: &str, name: &str, indexed: bool) -> String {
    let ty = ty.trim();
    match ty {
        "string" if indexed => format!("fmt.Sprintf(\"{}-%04d\", i)", name.to_ascii_uppercase()),
        "string" => format!("\"{}-1\"", name.to_ascii_lowercase()),
        "int" | "int32" | "int64" | "uint" | "uint32" | "uint64" | "float64" | "float32" => {
            "1".to_owned()
        }
        "bool" => "true".to_owned(),
        "context.Context" => "context.Background()".to_owned(),
        _ => format!("*new({ty})"),
    }
}

/// One import line; `gap_before` separates the module's imports from the standard library's.
#[derive(Serialize)]
struct ImportDoc {
    path: String,
    gap_before: bool,
}

/// Pointing the package variable the loop reaches at the counting server:
/// `{q}{var} = {q}{ctor}(srv.URL)`.
#[derive(Serialize)]
struct SetupDoc {
    /// `inventory.` when the client lives in another package, else empty.
    q: String,
    var: String,
    ctor: String,
}

/// What `templates/testgen/test_file.go.j2` receives. Go fragments (`call`, `elem_expr`)
/// are computed here; the template holds the file's text.
#[derive(Serialize)]
struct GoTestDoc {
    /// The entry function, the file and line of the flagged call, the loop's collection.
    entry: String,
    path: String,
    line: usize,
    iterable: Option<String>,
    batch_limit: usize,
    /// The package directory and name.
    dir: String,
    package: String,
    imports: Vec<ImportDoc>,
    /// None: a TODO says to point the client at the server.
    setup: Option<SetupDoc>,
    /// The element type, the expression building the `i`-th element, the entry call.
    elem_ty: String,
    elem_expr: String,
    call: String,
    /// The entry function returns only an `error` (the tests check it).
    single_result: bool,
    /// `UpperCamel` of the entry function, in the test names.
    name: String,
    sizes: Vec<usize>,
}

/// The module path from the shortest `go.mod`.
fn module_path(files: Files, listing: &[String]) -> Option<String> {
    listing
        .iter()
        .filter(|p| p.ends_with("go.mod"))
        .min_by_key(|p| p.len())
        .and_then(|p| files(p))
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("module ")
                    .map(|m| m.trim().to_owned())
            })
        })
}

/// How the test points the client at the counting server, and the import that needs.
fn setup(
    s: &Subject,
    files: Files,
    dir: &str,
    module: Option<&str>,
) -> (Option<SetupDoc>, Option<String>) {
    let Some(c) = &s.client else {
        return (None, None);
    };
    let client_dir = c.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let client_pkg = client_dir.rsplit('/').next().unwrap_or(client_dir);
    let same = client_dir == dir;
    let q = if same {
        String::new()
    } else {
        format!("{client_pkg}.")
    };
    let import = module
        .filter(|_| !same)
        .map(|m| format!("\"{m}/{client_dir}\""));
    let ctor = files(&c.path).and_then(|t| {
        let cs = summarize(&c.path, Lang::Go, &t);
        cs.functions
            .iter()
            .find(|f| f.class.is_none() && f.name == format!("New{}", c.class))
            .map(|f| f.name.clone())
    });
    // The package variable the loop's helper calls (`Default.Check`).
    let setup = match (ctor, c.module_receiver.clone()) {
        (Some(ctor), Some(var)) => Some(SetupDoc { q, var, ctor }),
        _ => None,
    };
    (setup, import)
}

/// The element type of the loop's collection and the expression building the `i`-th one.
fn element(s: &Subject) -> (String, String) {
    let params = s.entry_params();
    let elem = s
        .iterable_parts()
        .as_ref()
        .and_then(|(root, _)| params.iter().find(|p| p.name == *root))
        .and_then(|p| p.type_text.as_deref())
        .and_then(|t| t.trim().strip_prefix("[]"))
        .map(str::to_owned);
    let var = s.loop_var.clone().unwrap_or_else(|| "item".to_owned());
    let elem_expr = match elem.as_deref() {
        Some(t) => match s.summary.classes.iter().find(|c| c.name == t) {
            Some(c) => {
                let fields: Vec<String> = c
                    .fields
                    .iter()
                    .filter(|f| !go_value(&f.type_text, &f.name, true).starts_with("*new("))
                    .map(|f| format!("{}: {}", f.name, go_value(&f.type_text, &f.name, true)))
                    .collect();
                format!("{t}{{{}}}", fields.join(", "))
            }
            None => go_value(t, &var, true),
        },
        None => "fmt.Sprintf(\"ITEM-%04d\", i)".to_owned(),
    };
    (elem.unwrap_or_else(|| "string".to_owned()), elem_expr)
}

/// The entry call with `items` in place of the loop's collection.
fn entry_call(s: &Subject) -> String {
    let parts = s.iterable_parts();
    let args: Vec<String> = s
        .entry_params()
        .iter()
        .map(|p| match &parts {
            Some((root, _)) if *root == p.name => "items".to_owned(),
            _ => go_value(p.type_text.as_deref().unwrap_or("any"), &p.name, false),
        })
        .collect();
    let callee = match &s.entry.class {
        Some(c) => format!("(&{c}{{}}).{}", s.entry.name),
        None => s.entry.name.clone(),
    };
    format!("{callee}({})", args.join(", "))
}

pub fn generate(
    s: &Subject,
    files: Files,
    listing: &[String],
    batch_limit: usize,
) -> Result<GeneratedTest, String> {
    let pkg = s
        .summary
        .package
        .clone()
        .unwrap_or_else(|| "main".to_owned());
    let dir = s.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let path =
        crate::guidance::testgen::join(dir, &format!("{}_n_plus_one_test.go", stem(&s.path)));
    let module = module_path(files, listing);
    let mut imports: Vec<String> = [
        "\"context\"",
        "\"fmt\"",
        "\"net/http\"",
        "\"net/http/httptest\"",
        "\"sync/atomic\"",
        "\"testing\"",
    ]
    .map(str::to_owned)
    .to_vec();
    let (setup, import) = setup(s, files, dir, module.as_deref());
    imports.extend(import);
    let (elem_ty, elem_expr) = element(s);
    let doc = GoTestDoc {
        entry: s.entry.name.clone(),
        path: s.path.clone(),
        line: s.line,
        iterable: s.loop_iterable.clone(),
        batch_limit,
        dir: dir.to_owned(),
        package: pkg,
        // Standard library first, then a blank line before module imports (gofmt groups).
        imports: imports
            .iter()
            .enumerate()
            .map(|(n, i)| ImportDoc {
                path: i.clone(),
                gap_before: n > 0 && i.contains('.') && !imports[n - 1].contains('.'),
            })
            .collect(),
        setup,
        elem_ty,
        elem_expr,
        call: entry_call(s),
        single_result: s
            .entry
            .return_type
            .as_deref()
            .is_some_and(|r| r.trim() == "error"),
        name: camel(&s.entry.name),
        sizes: SIZES.to_vec(),
    };
    let text = crate::guidance::templates::render(
        "go/testgen/test_file.go.j2",
        include_str!("templates/testgen/test_file.go.j2"),
        doc,
    )?;
    Ok(GeneratedTest {
        path,
        text,
        framework: "go test".to_owned(),
        run: format!("go test ./{dir} -run NPlusOne"),
    })
}
