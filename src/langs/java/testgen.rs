//! Java: JUnit 5 with Mockito. The client is a Mockito mock whose invocations are counted;
//! the class under test is built with it (directly, or through a workspace class whose
//! constructor takes the client).

use std::fmt::Write as _;

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
    let test_root = s
        .path
        .split_once("src/main/java/")
        .map(|(pre, _)| format!("{pre}src/test/java"))
        .unwrap_or_else(|| "src/test/java".to_owned());
    let test_class = format!("{class}NPlusOneTest");
    let path = format!("{test_root}/{}/{test_class}.java", pkg.replace('.', "/"));

    // Build the class under test: constructor parameters of the client type get the mock;
    // workspace classes whose constructor takes the client get `new T(client)`.
    let ctor_params = s
        .summary
        .functions
        .iter()
        .find(|f| f.name == class && f.class.as_deref() == Some(class.as_str()))
        .map(crate::guidance::testgen::own_params)
        .unwrap_or_default();
    let mut imports = vec![
        "java.util.List".to_owned(),
        "java.util.Map".to_owned(),
        "java.util.stream.IntStream".to_owned(),
        "org.junit.jupiter.api.Test".to_owned(),
        "org.junit.jupiter.params.ParameterizedTest".to_owned(),
        "org.junit.jupiter.params.provider.ValueSource".to_owned(),
    ];
    let client_file = files(&c.path).map(|t| summarize(&c.path, Lang::Java, &t));
    if let Some(cp) = client_file.as_ref().and_then(|cs| cs.package.clone())
        && cp != pkg
    {
        imports.push(format!("{cp}.{}", c.class));
    }
    let ctor_args: Vec<String> = ctor_params
        .iter()
        .map(|p| {
            let ty = p.type_text.as_deref().unwrap_or("Object").trim().to_owned();
            if ty == c.class {
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
                            && f.params[0].type_text.as_deref().map(str::trim)
                                == Some(c.class.as_str())
                    })
                });
            if wraps_client {
                format!("new {ty}(client)")
            } else {
                java_value(&ty, false)
            }
        })
        .collect();
    let subject = format!("new {class}({})", ctor_args.join(", "));

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
    let call = format!("{subject}.{}({})", s.entry.name, args.join(", "));
    let matchers: Vec<&str> = c
        .params
        .iter()
        .map(|p| matcher(p.type_text.as_deref().unwrap_or("")))
        .collect();
    let stub_single = format!("client.{}({})", c.method, matchers.join(", "));
    let batch = s
        .batch
        .as_ref()
        .filter(|b| b.class.as_deref() == Some(c.class.as_str()));
    let raised = s
        .raised_in_loop()
        .first()
        .cloned()
        .unwrap_or_else(|| "RuntimeException".to_owned());
    let missing_matchers: Vec<String> = matchers
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if i == 0 {
                "eq(missing)".to_owned()
            } else {
                (*m).to_owned()
            }
        })
        .collect();
    let ok = default_return(c.return_type.as_deref());
    let unavailable = match c.return_type.as_deref().map(str::trim) {
        Some("boolean" | "Boolean") => "false",
        _ => "null",
    };

    let mut t = String::new();
    if !pkg.is_empty() {
        let _ = writeln!(t, "package {pkg};\n");
    }
    for i in &imports {
        let _ = writeln!(t, "import {i};");
    }
    let _ = writeln!(
        t,
        "\nimport static org.junit.jupiter.api.Assertions.assertThrows;\n\
         import static org.junit.jupiter.api.Assertions.assertTrue;\n\
         import static org.mockito.ArgumentMatchers.*;\n\
         import static org.mockito.Mockito.*;\n"
    );
    let _ = writeln!(
        t,
        "/**\n * Regression test for the N+1 in {class}.{} ({}:{}), generated by debuglens.\n \
         * Each element of {} costs one {}.{} call; with {} (up to {batch_limit} items)\n \
         * N items need at most ceil(N / {batch_limit}) remote calls. Fails while the loop makes one\n \
         * call per item. Run: mvn test -Dtest={test_class} (or gradle test --tests {test_class})\n */\n\
         class {test_class} {{\n    \
         private static final int BATCH_LIMIT = {batch_limit};\n\n    \
         private final {} client = mock({}.class);\n\n    \
         private static List<{elem}> makeItems(int n) {{\n        \
         return IntStream.range(0, n).mapToObj(i -> {}).toList();\n    }}\n\n    \
         private int remoteCalls() {{\n        \
         return mockingDetails(client).getInvocations().size();\n    }}\n",
        s.entry.name,
        s.path,
        s.line,
        s.loop_iterable.as_deref().unwrap_or("the collection"),
        c.class,
        c.method,
        batch
            .map(|b| format!("{}.{}", c.class, b.method))
            .unwrap_or_else(|| "a batch API".to_owned()),
        c.class,
        c.class,
        java_value(&elem, true),
    );
    let _ = writeln!(
        t,
        "    @ParameterizedTest\n    @ValueSource(ints = {{{}}})\n    \
         void remoteCallsDoNotGrowWithItemCount(int n) {{\n        \
         when({stub_single}).thenReturn({ok});\n        \
         List<{elem}> items = makeItems(n);\n\n        \
         {call};\n\n        \
         int expected = (n + BATCH_LIMIT - 1) / BATCH_LIMIT;\n        \
         int calls = remoteCalls();\n        \
         assertTrue(calls <= expected, () -> n + \" items made \" + calls + \" remote calls; expected at most \" + expected\n                \
         + \" = ceil(\" + n + \" / \" + BATCH_LIMIT + \"): one call per item is the N+1 at {}:{}\");\n    }}\n",
        SIZES.map(|n| n.to_string()).join(", "),
        s.path,
        s.line
    );
    let _ = writeln!(
        t,
        "    @Test\n    void partialAvailabilityReportsTheUnavailableItem() {{\n        \
         when({stub_single}).thenReturn({ok});\n        \
         List<{elem}> items = makeItems(5);\n        \
         var missing = \"SKU-%04d\".formatted(2);\n        \
         when(client.{}({})).thenReturn({unavailable});\n\n        \
         assertThrows({raised}.class, () -> {call});\n    }}\n",
        c.method,
        missing_matchers.join(", ")
    );
    let _ = writeln!(
        t,
        "    @Test\n    void remoteTimeoutFailsWithoutRetryingPerItem() {{\n        \
         when({stub_single}).thenThrow(new RuntimeException(new java.net.SocketTimeoutException(\"Read timed out\")));\n        \
         List<{elem}> items = makeItems(5);\n\n        \
         assertThrows(RuntimeException.class, () -> {call});\n        \
         assertTrue(remoteCalls() <= 2, \"one batch call plus at most one fallback\");\n    }}\n"
    );
    let _ = writeln!(
        t,
        "    @Test\n    void splitsMoreItemsThanTheBatchLimit() {{\n        \
         when({stub_single}).thenReturn({ok});\n        \
         int n = 2 * BATCH_LIMIT + 20;\n        \
         List<{elem}> items = makeItems(n);\n\n        \
         {call};\n\n        \
         assertTrue(remoteCalls() <= (n + BATCH_LIMIT - 1) / BATCH_LIMIT, () -> remoteCalls() + \" remote calls for \" + n + \" items\");\n    }}\n}}"
    );
    Ok(GeneratedTest {
        path,
        text: t,
        framework: "JUnit 5 + Mockito".to_owned(),
        run: format!("mvn test -Dtest={test_class}"),
    })
}
