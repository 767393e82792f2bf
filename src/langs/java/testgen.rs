//! Java: JUnit 5 with Mockito. The client is a Mockito mock whose invocations are counted;
//! the class under test is built with it (directly, or through a workspace class whose
//! constructor takes the client).
//!
//! The test file's text is the template `templates/testgen/test_file.java.j2` (embedded with
//! `include_str!`); this module computes what it receives, `JavaTestDoc`, and renders it.

use serde::Serialize;

use crate::code::{Lang, summarize};
use crate::guidance::testgen::{Files, GeneratedTest, SIZES, Subject};

fn matcher(ty: &str) -> &'static str {
    match ty.trim() {
        "String" => "anyString()",
        "int" | "Integer" => "anyInt()",
        "long" | "Long" => "anyLong()",
        "boolean" | "Boolean" => "anyBoolean()",
        t if t.starts_with("List") => "anyList()",
        _ => "any()",
    }
}

fn java_value(ty: &str, indexed: bool) -> String {
    let ty = ty.trim();
    match ty {
        "String" if indexed => "\"SKU-%04d\".formatted(i)".to_owned(),
        "String" => "\"id-1\"".to_owned(),
        "int" | "Integer" | "long" | "Long" | "short" => "1".to_owned(),
        "boolean" | "Boolean" => "true".to_owned(),
        t if t.starts_with("Map.Entry<") => {
            let inner = t.trim_start_matches("Map.Entry<").trim_end_matches('>');
            match inner.split_once(',') {
                Some((k, v)) => format!(
                    "Map.entry({}, {})",
                    java_value(k, indexed),
                    java_value(v, indexed)
                ),
                None => "null".to_owned(),
            }
        }
        t => format!("mock({}.class)", t.split('<').next().unwrap_or(t)),
    }
}

fn default_return(ty: Option<&str>) -> String {
    match ty.map(str::trim) {
        Some("boolean" | "Boolean") => "true".to_owned(),
        Some("int" | "Integer" | "long" | "Long") => "1".to_owned(),
        Some(t) if t.starts_with("List") => "List.of()".to_owned(),
        Some(t) if t.starts_with("Map") => "Map.of()".to_owned(),
        _ => "null".to_owned(),
    }
}

/// What `templates/testgen/test_file.java.j2` receives. Java fragments (`call`, `elem_expr`,
/// the Mockito stubs) are computed here; the template holds the file's text.
#[derive(Serialize)]
struct JavaTestDoc {
    /// Empty for the default package.
    package: String,
    imports: Vec<String>,
    /// The class and method with the loop, the file and line of the flagged call.
    class: String,
    entry: String,
    path: String,
    line: usize,
    iterable: Option<String>,
    /// The mocked client class, its single method and its batch method.
    client: String,
    single: String,
    batch: Option<String>,
    batch_limit: usize,
    test_class: String,
    /// The element type and the expression building the `i`-th element.
    elem: String,
    elem_expr: String,
    sizes: Vec<usize>,
    /// `client.check(anyString(), anyInt())`, the same with `eq(missing)` first.
    stub_single: String,
    missing_matchers: String,
    /// What the stub returns for an available and an unavailable item.
    ok: String,
    unavailable: &'static str,
    /// The exception the loop throws for an unavailable item.
    raised: String,
    call: String,
}

/// The constructor call of the class under test: parameters of the client type get the
/// mock; workspace classes whose constructor takes the client get `new T(client)`.
fn subject(s: &Subject, class: &str, client: &str, files: Files, listing: &[String]) -> String {
    let ctor_params = s
        .summary
        .functions
        .iter()
        .find(|f| f.name == class && f.class.as_deref() == Some(class))
        .map(crate::guidance::testgen::own_params)
        .unwrap_or_default();
    let ctor_args: Vec<String> = ctor_params
        .iter()
        .map(|p| {
            let ty = p.type_text.as_deref().unwrap_or("Object").trim().to_owned();
            if ty == client {
                return "client".to_owned();
            }
            let wraps_client = listing
                .iter()
                .find(|l| l.ends_with(&format!("/{ty}.java")))
                .and_then(|l| files(l).map(|t| summarize(l, Lang::Java, &t)))
                .is_some_and(|ws| {
                    ws.functions.iter().any(|f| {
                        f.name == ty
                            && f.params.len() == 1
                            && f.params[0].type_text.as_deref().map(str::trim) == Some(client)
                    })
                });
            if wraps_client {
                format!("new {ty}(client)")
            } else {
                java_value(&ty, false)
            }
        })
        .collect();
    format!("new {class}({})", ctor_args.join(", "))
}

/// The element type of the loop's collection (`List<String>` → `String`) and the entry call.
fn element_and_call(s: &Subject, subject: &str) -> (String, String) {
    let params = s.entry_params();
    let parts = s.iterable_parts();
    let elem = parts
        .as_ref()
        .and_then(|(root, _)| params.iter().find(|p| p.name == *root))
        .and_then(|p| p.type_text.as_deref())
        .and_then(|t| {
            let open = t.find('<')?;
            Some(t.get(open + 1..t.rfind('>')?)?.trim().to_owned())
        })
        .unwrap_or_else(|| "String".to_owned());
    let args: Vec<String> = params
        .iter()
        .map(|p| match &parts {
            Some((root, _)) if *root == p.name => "items".to_owned(),
            _ => java_value(p.type_text.as_deref().unwrap_or("Object"), false),
        })
        .collect();
    (
        elem,
        format!("{subject}.{}({})", s.entry.name, args.join(", ")),
    )
}

/// The imports: the JDK and JUnit's, and the client class when it is in another package.
fn imports(client: &str, client_path: &str, pkg: &str, files: Files) -> Vec<String> {
    let mut imports: Vec<String> = [
        "java.util.List",
        "java.util.Map",
        "java.util.stream.IntStream",
        "org.junit.jupiter.api.Test",
        "org.junit.jupiter.params.ParameterizedTest",
        "org.junit.jupiter.params.provider.ValueSource",
    ]
    .map(str::to_owned)
    .to_vec();
    let client_file = files(client_path).map(|t| summarize(client_path, Lang::Java, &t));
    if let Some(cp) = client_file.as_ref().and_then(|cs| cs.package.clone())
        && cp != pkg
    {
        imports.push(format!("{cp}.{client}"));
    }
    imports
}

/// `src/test/java/<package>/<TestClass>.java`, beside the source tree of `path`.
fn test_path(path: &str, pkg: &str, test_class: &str) -> String {
    let test_root = path
        .split_once("src/main/java/")
        .map(|(pre, _)| format!("{pre}src/test/java"))
        .unwrap_or_else(|| "src/test/java".to_owned());
    format!("{test_root}/{}/{test_class}.java", pkg.replace('.', "/"))
}

pub fn generate(
    s: &Subject,
    files: Files,
    listing: &[String],
    batch_limit: usize,
) -> Result<GeneratedTest, String> {
    let class = s
        .entry
        .class
        .clone()
        .ok_or_else(|| format!("{}:{}: the loop is not in a class method", s.path, s.line))?;
    let c = s.client.as_ref().ok_or_else(|| {
        format!(
            "{}:{}: the remote call is not a method of a client class in the workspace; write the fake by hand",
            s.path, s.line
        )
    })?;
    let pkg = s.summary.package.clone().unwrap_or_default();
    let test_class = format!("{class}NPlusOneTest");
    let path = test_path(&s.path, &pkg, &test_class);
    let imports = imports(&c.class, &c.path, &pkg, files);
    let subject = subject(s, &class, &c.class, files, listing);
    let (elem, call) = element_and_call(s, &subject);
    let matchers: Vec<&str> = c
        .params
        .iter()
        .map(|p| matcher(p.type_text.as_deref().unwrap_or("")))
        .collect();
    let mut missing_matchers = matchers.clone();
    if let Some(first) = missing_matchers.first_mut() {
        *first = "eq(missing)";
    }
    let doc = JavaTestDoc {
        package: pkg,
        imports,
        class,
        entry: s.entry.name.clone(),
        path: s.path.clone(),
        line: s.line,
        iterable: s.loop_iterable.clone(),
        client: c.class.clone(),
        single: c.method.clone(),
        batch: s
            .batch
            .as_ref()
            .filter(|b| b.class.as_deref() == Some(c.class.as_str()))
            .map(|b| b.method.clone()),
        batch_limit,
        test_class: test_class.clone(),
        elem_expr: java_value(&elem, true),
        elem,
        sizes: SIZES.to_vec(),
        stub_single: format!("client.{}({})", c.method, matchers.join(", ")),
        missing_matchers: missing_matchers.join(", "),
        ok: default_return(c.return_type.as_deref()),
        unavailable: match c.return_type.as_deref().map(str::trim) {
            Some("boolean" | "Boolean") => "false",
            _ => "null",
        },
        raised: s
            .raised_in_loop()
            .first()
            .cloned()
            .unwrap_or_else(|| "RuntimeException".to_owned()),
        call,
    };
    let text = crate::guidance::templates::render(
        "java/testgen/test_file.java.j2",
        include_str!("templates/testgen/test_file.java.j2"),
        doc,
    )?;
    Ok(GeneratedTest {
        path,
        text,
        framework: "JUnit 5 + Mockito".to_owned(),
        run: format!("mvn test -Dtest={test_class}"),
    })
}
