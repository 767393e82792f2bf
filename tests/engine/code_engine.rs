//! Engine behaviour: ESLint no-await-in-loop categories, half-typed code, incremental parsing,
//! the incremental index, suppression and user catalog entries.
use debuglens::code::catalog::ApiKind;
use debuglens::code::{
    AnalysisConfig, Catalog, Index, Lang, ParsedFile, Severity, TextEdit, UserEntry,
    analyze_workspace, summarize,
};

fn js(src: &str) -> Vec<(usize, Severity)> {
    let files = vec![("a.js".to_string(), src.to_string())];
    analyze_workspace(&files, &AnalysisConfig::default())
        .iter()
        .map(|f| (f.line(), f.severity))
        .collect()
}

// ESLint no-await-in-loop: which loop parts count. Remote awaits only (our deliberate difference).
#[test]
fn eslint_loop_body_counts() {
    assert_eq!(
        js("async function f(xs){\n for (const x of xs) {\n  await fetch(x);\n }\n}"),
        vec![(3, Severity::Warning)]
    );
}

#[test]
fn eslint_for_of_iterable_does_not_count() {
    assert!(
        js("async function f(){\n for (const x of await fetch('/all')) {\n  use(x);\n }\n}")
            .is_empty()
    );
}

#[test]
fn eslint_for_init_does_not_count_but_test_and_update_do() {
    assert!(
        js("async function f(){\n for (let r = await fetch('/a'); ok(r); r = next(r)) {}\n}")
            .is_empty()
    );
    assert_eq!(
        js("async function f(){\n for (let i = 0; (await fetch('/more?i=' + i)).ok; i++) {}\n}"),
        vec![(2, Severity::Warning)]
    );
    assert_eq!(
        js("async function f(){\n for (let i = 0; i < 3; await fetch('/tick')) {}\n}"),
        vec![(2, Severity::Warning)]
    );
}

#[test]
fn eslint_while_test_counts() {
    assert_eq!(
        js("async function f(){\n while ((await fetch('/more')).ok) {\n  step();\n }\n}"),
        vec![(2, Severity::Warning)]
    );
}

#[test]
fn eslint_nested_async_function_is_a_boundary() {
    assert!(js("async function f(xs){\n for (const x of xs) {\n  const g = async () => { await fetch(x); };\n  later(g);\n }\n}").is_empty());
    assert!(js("async function f(xs){\n for (const x of xs) {\n  async function g() { await fetch(x); }\n  later(g);\n }\n}").is_empty());
}

#[test]
fn eslint_for_await_body_counts_head_does_not() {
    assert_eq!(
        js("async function f(s){\n for await (const x of s) {\n  await fetch(x.url);\n }\n}"),
        vec![(3, Severity::Warning)]
    );
    assert!(
        js("async function f(){\n for await (const x of fetchStream('/s')) {\n  use(x);\n }\n}")
            .is_empty()
    );
}

#[test]
fn eslint_we_differ_non_remote_await_is_not_a_finding() {
    // ESLint reports every await in a loop; we report only remote calls.
    assert!(js("async function f(xs){\n for (const x of xs) {\n  await render(x);\n  await new Promise(r => setTimeout(r, 10));\n }\n}").is_empty());
}

#[test]
fn eslint_for_each_async_callback_counts_map_in_promise_all_does_not() {
    assert_eq!(
        js("function f(xs){\n xs.forEach(async (x) => {\n  await fetch(x);\n });\n}"),
        vec![(3, Severity::Warning)]
    );
    assert!(js("async function f(xs){\n await Promise.all(xs.map(async (x) => {\n  await fetch(x);\n }));\n}").is_empty());
    assert!(js("async function f(xs){\n const ps = xs.map(async (x) => { await fetch(x); });\n await Promise.allSettled(ps);\n}").is_empty());
}

#[test]
fn half_typed_code_still_yields_findings_and_never_panics() {
    let py = "import requests\n\ndef sync(ids):\n    for i in ids:\n        requests.get(f'/x/{i}')\n\ndef broken(:\n    x = = 1\n    for (\n";
    let files = vec![("a.py".to_string(), py.to_string())];
    let f = analyze_workspace(&files, &AnalysisConfig::default());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].line(), 5);
    let ts = "import axios from 'axios';\nexport async function f(ids: string[]) {\n  for (const id of ids) {\n    await axios.get(`/u/${id}`);\n  }\n}\nexport function g( {\n  const = ;\n";
    let f = analyze_workspace(
        &[("a.ts".to_string(), ts.to_string())],
        &AnalysisConfig::default(),
    );
    assert_eq!(f.len(), 1);
    // Every prefix of every fixture-like snippet: no panic.
    for (lang, path, src) in [(Lang::Python, "a.py", py), (Lang::TypeScript, "a.ts", ts)] {
        for cut in 0..src.len() {
            if src.is_char_boundary(cut) {
                let _ = summarize(path, lang, &src[..cut]);
            }
        }
    }
    for src in [
        "func (",
        "fn main() { for x in y { client.get(",
        "class A { void f() { for (",
        "",
        "\u{0}\u{0}",
    ] {
        for (lang, p) in [
            (Lang::Go, "a.go"),
            (Lang::Rust, "a.rs"),
            (Lang::Java, "A.java"),
        ] {
            let _ = analyze_workspace(
                &[(p.to_string(), src.to_string())],
                &AnalysisConfig::default(),
            );
            let _ = summarize(p, lang, src);
        }
    }
}

#[test]
fn incremental_edit_equals_fresh_parse() {
    let cases = [
        (
            Lang::Python,
            "async def f(cart):\n    for item in cart.items:\n        await check(item)\n",
            "await check(item)",
            "await client.check(item.sku, 1)",
        ),
        (
            Lang::TypeScript,
            "async function f(xs: string[]) {\n  for (const x of xs) {\n    await get(x);\n  }\n}\n",
            "get(x)",
            "api.get(`/x/${x}`)",
        ),
        (
            Lang::Go,
            "package a\n\nfunc f(xs []string) {\n\tfor _, x := range xs {\n\t\tget(x)\n\t}\n}\n",
            "get(x)",
            "http.Get(x)",
        ),
        (
            Lang::Rust,
            "async fn f(xs: &[String]) {\n    for x in xs {\n        get(x).await;\n    }\n}\n",
            "get(x)",
            "reqwest::get(x)",
        ),
        (
            Lang::Java,
            "class A {\n  void f(java.util.List<String> xs) {\n    for (String x : xs) {\n      get(x);\n    }\n  }\n}\n",
            "get(x)",
            "rest.getForObject(x, String.class)",
        ),
    ];
    for (lang, old, needle, replacement) in cases {
        let mut pf = ParsedFile::new(lang, old);
        let start = old.find(needle).unwrap();
        let end = start + needle.len();
        let new_text = format!("{}{}{}", &old[..start], replacement, &old[end..]);
        pf.edit(
            TextEdit::replace(old, start, end, replacement),
            new_text.clone(),
        );
        let fresh = ParsedFile::new(lang, new_text.clone());
        assert_eq!(pf.sexp(), fresh.sexp(), "{lang:?}");
        let a = serde_json::to_string(&pf.summarize("x", None)).unwrap();
        let b = serde_json::to_string(&fresh.summarize_once("x")).unwrap();
        assert_eq!(a, b, "{lang:?}");
        // Typing a character at a time (half-typed states in between).
        let mut pf2 = ParsedFile::new(lang, old);
        let mut text = old.to_string();
        for (i, ch) in "xyz(".char_indices() {
            let at = start + i;
            let next = format!("{}{}{}", &text[..at], ch, &text[at..]);
            pf2.edit(
                TextEdit::replace(&text, at, at, &ch.to_string()),
                next.clone(),
            );
            text = next;
        }
        assert_eq!(
            pf2.sexp(),
            ParsedFile::new(lang, text).sexp(),
            "{lang:?} typing"
        );
    }
}

fn demo_files() -> Vec<(String, String)> {
    vec![
        ("handlers/checkout.py".into(), "from services.inventory import validate_inventory\n\nasync def go(cart):\n    for item in cart.items:\n        await validate_inventory(item)\n".into()),
        ("services/inventory.py".into(), "async def validate_inventory(item):\n    return item.ok\n".into()),
        ("clients/inventory.py".into(), "import aiohttp\n\nclass InventoryClient:\n    def __init__(self):\n        self.session = aiohttp.ClientSession()\n\n    async def check(self, sku):\n        return await self.session.post('/check', json={'sku': sku})\n".into()),
    ]
}

#[test]
fn index_updates_one_file_and_reports_dependents() {
    let cfg = AnalysisConfig::default();
    let mut ix = Index::new(Catalog::builtin(), cfg);
    for (p, t) in demo_files() {
        ix.update(&p, summarize(&p, Lang::Python, &t));
    }
    assert!(
        ix.findings_for("handlers/checkout.py").is_empty(),
        "helper is not remote yet"
    );
    // The helper now calls the client: the handler's finding appears without re-summarising it.
    let new_inv = "from clients.inventory import InventoryClient\n\ninventory_client = InventoryClient()\n\nasync def validate_inventory(item):\n    return await inventory_client.check(item.sku)\n";
    ix.update(
        "services/inventory.py",
        summarize("services/inventory.py", Lang::Python, new_inv),
    );
    let f = ix.findings_for("handlers/checkout.py");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].chain.len(), 2);
    assert_eq!(
        ix.dependents_of("clients/inventory.py"),
        vec![
            "handlers/checkout.py".to_string(),
            "services/inventory.py".to_string()
        ]
    );
    assert_eq!(
        ix.dependents_of("services/inventory.py"),
        vec!["handlers/checkout.py".to_string()]
    );
    assert!(ix.dependents_of("handlers/checkout.py").is_empty());
    ix.remove("clients/inventory.py");
    assert!(ix.findings_for("handlers/checkout.py").is_empty());
}

#[test]
fn cycles_are_safe() {
    let files = vec![
        ("a.py".to_string(), "from b import g\n\ndef f(x):\n    return g(x)\n\ndef run(xs):\n    for x in xs:\n        f(x)\n".to_string()),
        ("b.py".to_string(), "from a import f\nimport requests\n\ndef g(x):\n    if x:\n        return f(x - 1)\n    return requests.get('/x')\n".to_string()),
    ];
    let f = analyze_workspace(&files, &AnalysisConfig::default());
    assert_eq!(f.iter().filter(|f| f.path == "a.py").count(), 1);
}

#[test]
fn suppression_works_in_every_comment_syntax() {
    let cases = [
        (
            "a.py",
            "import requests\nfor u in us:\n    requests.get(u)  # debuglens: ignore\n",
        ),
        (
            "a.js",
            "async function f(us){ for (const u of us) {\n  // debuglens: ignore[loop-remote-call]\n  await fetch(u);\n} }\n",
        ),
        (
            "a.go",
            "package a\nimport \"net/http\"\nfunc f(us []string) {\n\tfor _, u := range us {\n\t\thttp.Get(u) /* debuglens: ignore */\n\t}\n}\n",
        ),
        (
            "A.java",
            "import java.net.http.HttpClient;\nclass A { HttpClient c; void f(java.util.List<Object> rs) { for (Object r : rs) {\n  // debuglens: ignore\n  c.send(r, null);\n} } }\n",
        ),
    ];
    for (p, src) in cases {
        let f = analyze_workspace(
            &[(p.to_string(), src.to_string())],
            &AnalysisConfig::default(),
        );
        assert!(f.is_empty(), "{p}: {f:#?}");
        let unsuppressed = src.replace("debuglens: ignore", "note");
        let f = analyze_workspace(&[(p.to_string(), unsuppressed)], &AnalysisConfig::default());
        assert_eq!(f.len(), 1, "{p}");
    }
    // Another rule's ignore does not suppress ours.
    let src =
        "import requests\nfor u in us:\n    requests.get(u)  # debuglens: ignore[other-rule]\n";
    assert_eq!(
        analyze_workspace(&[("a.py".into(), src.into())], &AnalysisConfig::default()).len(),
        1
    );
}

#[test]
fn user_entries_extend_the_catalog() {
    let src = "import mylib\n\ndef f(ids):\n    for i in ids:\n        mylib.fetch_user(i)\n";
    let files = vec![("a.py".to_string(), src.to_string())];
    assert!(analyze_workspace(&files, &AnalysisConfig::default()).is_empty());
    let cfg = AnalysisConfig {
        user_entries: vec![UserEntry {
            language: "python".into(),
            pattern: Some("mylib.fetch_*".into()),
            receiver: None,
            method: None,
            kind: ApiKind::Rpc,
        }],
        ..AnalysisConfig::default()
    };
    let f = analyze_workspace(&files, &cfg);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("RPC via mylib.fetch_user"),
        "{}",
        f[0].message
    );
}

#[test]
fn nested_loops_say_n_times_m_and_low_confidence_says_so() {
    let src = "async def f(stores, api_client):\n    for s in stores:\n        for sku in s.skus:\n            await api_client.stock(s.id, sku)\n";
    let f = analyze_workspace(&[("a.py".into(), src.into())], &AnalysisConfig::default());
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message
            .contains("N×M items = N×M sequential round trips"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("nested in \"for s in stores\""),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].confidence, debuglens::code::Confidence::Low);
    assert!(
        f[0].message.contains("Lower confidence"),
        "{}",
        f[0].message
    );
    let quiet = AnalysisConfig {
        report_low_confidence: false,
        ..AnalysisConfig::default()
    };
    assert!(analyze_workspace(&[("a.py".into(), src.into())], &quiet).is_empty());
}

/// The dependency graph behind republishing is cached and patched when only a file's imports
/// change; after each change it answers what a freshly built index answers.
#[test]
fn dependents_follow_import_edits() {
    let files = |c: &str| {
        vec![
            (
                "pkg/b.py".to_string(),
                "import requests\n\ndef get(x):\n    return requests.get(x)\n".to_string(),
            ),
            (
                "pkg/a.py".to_string(),
                "from pkg.b import get\n\ndef one(x):\n    return get(x)\n".to_string(),
            ),
            ("pkg/c.py".to_string(), c.to_string()),
        ]
    };
    let fresh = |fs: &[(String, String)], path: &str| indexed(fs).dependents_of(path);
    let mut ix = indexed(&files(
        "from pkg.a import one\n\ndef run(xs):\n    for x in xs:\n        one(x)\n",
    ));
    assert_eq!(ix.dependents_of("pkg/b.py"), vec!["pkg/a.py", "pkg/c.py"]);
    // c stops importing a: only a still depends on b.
    let c2 = "import os\n\ndef run(xs):\n    pass\n";
    ix.update("pkg/c.py", summarize("pkg/c.py", Lang::Python, c2));
    assert_eq!(ix.dependents_of("pkg/b.py"), vec!["pkg/a.py"]);
    assert_eq!(ix.dependents_of("pkg/b.py"), fresh(&files(c2), "pkg/b.py"));
    // c imports b directly.
    let c3 = "from pkg.b import get\n\ndef run(xs):\n    for x in xs:\n        get(x)\n";
    ix.update("pkg/c.py", summarize("pkg/c.py", Lang::Python, c3));
    assert_eq!(ix.dependents_of("pkg/b.py"), vec!["pkg/a.py", "pkg/c.py"]);
    assert_eq!(ix.dependents_of("pkg/a.py"), Vec::<String>::new());
    assert_eq!(ix.dependents_of("pkg/b.py"), fresh(&files(c3), "pkg/b.py"));
}

/// A call whose last argument is itself a call keeps both closing parentheses in `call_text`.
#[test]
fn call_text_keeps_nested_closing_parentheses() {
    let src = "import java.net.http.HttpClient;\nimport java.net.http.HttpResponse;\nclass A {\n  HttpClient http = HttpClient.newHttpClient();\n  void f(java.util.List<java.net.http.HttpRequest> reqs) throws Exception {\n    for (java.net.http.HttpRequest req : reqs) {\n      http.send(req, HttpResponse.BodyHandlers.ofString());\n    }\n  }\n}\n";
    let files = vec![("A.java".to_string(), src.to_string())];
    let found = analyze_workspace(&files, &AnalysisConfig::default());
    let texts: Vec<&str> = found.iter().map(|f| f.call_text.as_str()).collect();
    assert_eq!(
        texts,
        vec!["http.send(req, HttpResponse.BodyHandlers.ofString())"]
    );
}

/// Files that use each other without imports depend on each other: a Go package folder, a Java
/// package, a Rust crate. Other folders and languages stay out.
#[test]
fn dependents_within_a_go_folder_java_package_and_rust_crate() {
    let files: Vec<(&str, &str)> = vec![
        ("shop/a.go", "package shop\n\nfunc A() {}\n"),
        ("shop/b.go", "package shop\n\nfunc B() { A() }\n"),
        ("other/c.go", "package other\n\nfunc C() {}\n"),
        ("src/com/x/P.java", "package com.x;\nclass P {}\n"),
        ("src/com/x/Q.java", "package com.x;\nclass Q {}\n"),
        ("src/com/y/R.java", "package com.y;\nclass R {}\n"),
        ("src/lib.rs", "mod m;\npub fn f() {}\n"),
        ("src/m.rs", "pub fn g() {}\n"),
    ];
    let ix = indexed(&files);
    assert_eq!(ix.dependents_of("shop/a.go"), vec!["shop/b.go"]);
    assert_eq!(
        ix.dependents_of("src/com/x/P.java"),
        vec!["src/com/x/Q.java"]
    );
    assert_eq!(ix.dependents_of("src/m.rs"), vec!["src/lib.rs"]);
    assert_eq!(ix.dependents_of("other/c.go"), Vec::<String>::new());
}

/// `sqlx::query!` is a macro, not a call expression; once per row it is still a round trip.
#[test]
fn a_sqlx_query_macro_in_a_loop_is_a_database_call_per_iteration() {
    let src = "pub async fn load(pool: &sqlx::PgPool, ids: &[i64]) -> sqlx::Result<()> {\n    for id in ids {\n        sqlx::query!(\"SELECT name FROM users WHERE id = $1\", id)\n            .fetch_one(pool)\n            .await?;\n    }\n    Ok(())\n}\n";
    let f = analyze_workspace(
        &[("src/users.rs".into(), src.into())],
        &AnalysisConfig::default(),
    );
    let lines: Vec<(usize, Severity)> = f.iter().map(|f| (f.line(), f.severity)).collect();
    assert_eq!(lines, vec![(3, Severity::Warning)]);
    assert!(
        f[0].message.contains("database query via sqlx::query"),
        "{}",
        f[0].message
    );
}

/// In Java a method of the same class is usually called without `this.`: the call is followed
/// into it as `this.fetch(...)` would be.
#[test]
fn a_java_call_without_this_is_followed_into_the_same_class() {
    let client = "package com.shop.clients;\n\nimport org.springframework.web.client.RestTemplate;\n\npublic class PriceClient {\n    private final RestTemplate restTemplate;\n\n    public PriceClient(RestTemplate restTemplate) {\n        this.restTemplate = restTemplate;\n    }\n\n    public Price price(String sku) {\n        return restTemplate.getForObject(\"/v1/prices/\" + sku, Price.class);\n    }\n}\n";
    let service = "package com.shop.service;\n\nimport com.shop.clients.PriceClient;\nimport java.util.ArrayList;\nimport java.util.List;\n\npublic class QuoteService {\n    private final PriceClient prices;\n\n    public QuoteService(PriceClient prices) {\n        this.prices = prices;\n    }\n\n    public List<Price> quote(List<String> skus) {\n        List<Price> out = new ArrayList<>();\n        for (String sku : skus) {\n            out.add(lookup(sku));\n        }\n        return out;\n    }\n\n    private Price lookup(String sku) {\n        return prices.price(sku);\n    }\n}\n";
    let files = vec![
        (
            "src/main/java/com/shop/clients/PriceClient.java".to_string(),
            client.to_string(),
        ),
        (
            "src/main/java/com/shop/service/QuoteService.java".to_string(),
            service.to_string(),
        ),
    ];
    let f = analyze_workspace(&files, &AnalysisConfig::default());
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].line(), 17);
    let chain: Vec<&str> = f[0].chain.iter().map(|h| h.function.as_str()).collect();
    assert_eq!(chain, vec!["QuoteService.lookup", "PriceClient.price"]);
}

/// A Go type's methods may be spread over the files of its package: the batch variant of the
/// single call is found in whichever file declares it.
#[test]
fn a_batch_method_declared_in_another_file_of_the_package_is_the_batch_alternative() {
    let client = "package inventory\n\nimport \"net/http\"\n\ntype Client struct {\n\thttp *http.Client\n\tbase string\n}\n\nfunc (c *Client) Check(sku string) (*http.Response, error) {\n\treturn c.http.Get(c.base + \"/v1/stock/\" + sku)\n}\n";
    let batch = "package inventory\n\nimport (\n\t\"net/http\"\n\t\"strings\"\n)\n\nfunc (c *Client) CheckBatch(skus []string) (*http.Response, error) {\n\treturn c.http.Get(c.base + \"/v1/stock?skus=\" + strings.Join(skus, \",\"))\n}\n";
    let handler = "package checkout\n\nimport \"shop/inventory\"\n\nfunc Validate(c *inventory.Client, skus []string) error {\n\tfor _, sku := range skus {\n\t\tif _, err := c.Check(sku); err != nil {\n\t\t\treturn err\n\t\t}\n\t}\n\treturn nil\n}\n";
    let files = vec![
        ("go.mod".to_string(), "module shop\n\ngo 1.22\n".to_string()),
        ("inventory/client.go".to_string(), client.to_string()),
        ("inventory/batch.go".to_string(), batch.to_string()),
        ("checkout/validate.go".to_string(), handler.to_string()),
    ];
    let f = analyze_workspace(&files, &AnalysisConfig::default());
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].path.as_str(), f[0].line()),
        ("checkout/validate.go", 7)
    );
    let b = f[0]
        .batch_alternative
        .as_ref()
        .expect("a batch alternative");
    assert_eq!(
        (b.path.as_str(), b.name.as_str()),
        ("inventory/batch.go", "Client.CheckBatch")
    );
}

/// Renaming a Java class changes which imports reach its file: the files that imported the old
/// name stop depending on it, those that import the new name start to. After every step the
/// dependents of every file are those of an index built from scratch.
#[test]
fn dependents_follow_a_java_class_renamed_in_place() {
    let client = |name: &str| {
        format!(
            "package com.shop.clients;\n\npublic class {name} {{\n    public int price(String sku) {{ return 1; }}\n}}\n"
        )
    };
    let importer = |name: &str, user: &str| {
        format!(
            "package com.shop.{user};\n\nimport com.shop.clients.{name};\n\npublic class {user} {{\n    private {name} c;\n}}\n"
        )
    };
    let workspace = |class_name: &str| {
        vec![
            (
                "src/com/shop/clients/PriceClient.java".to_string(),
                client(class_name),
            ),
            (
                "src/com/shop/clients/Other.java".to_string(),
                "package com.shop.clients;\n\nclass Other {}\n".to_string(),
            ),
            (
                "src/com/shop/quotes/Quotes.java".to_string(),
                importer("PriceClient", "quotes"),
            ),
            (
                "src/com/shop/carts/Carts.java".to_string(),
                importer("PriceClients", "carts"),
            ),
            (
                "src/com/shop/orders/Orders.java".to_string(),
                importer("Unrelated", "orders"),
            ),
        ]
    };
    let all_dependents = |ix: &Index, files: &[(String, String)]| {
        files
            .iter()
            .map(|(p, _)| (p.clone(), ix.dependents_of(p)))
            .collect::<Vec<_>>()
    };
    let start = workspace("PriceClient");
    let mut ix = indexed(&start);
    let client_path = "src/com/shop/clients/PriceClient.java";
    assert_eq!(
        ix.dependents_of(client_path),
        vec![
            "src/com/shop/clients/Other.java",
            "src/com/shop/quotes/Quotes.java"
        ]
    );
    for name in ["PriceClients", "PriceClien", "PriceClient"] {
        let files = workspace(name);
        ix.update(
            client_path,
            summarize(client_path, Lang::Java, &client(name)),
        );
        assert_eq!(
            all_dependents(&ix, &files),
            all_dependents(&indexed(&files), &files),
            "after renaming the class to {name}"
        );
    }
    let renamed = workspace("PriceClients");
    ix.update(
        client_path,
        summarize(client_path, Lang::Java, &client("PriceClients")),
    );
    assert_eq!(
        ix.dependents_of(client_path),
        vec![
            "src/com/shop/carts/Carts.java",
            "src/com/shop/clients/Other.java"
        ]
    );
    assert_eq!(
        all_dependents(&ix, &renamed),
        all_dependents(&indexed(&renamed), &renamed)
    );
}

/// With batch variants of a method in two other files, the one named is the first by path,
/// whatever order the files were last summarised in (the editor re-summarises as you type).
#[test]
fn of_two_batch_methods_in_other_files_the_first_by_path_is_named_after_any_edit() {
    let client = "package inventory\n\nimport \"net/http\"\n\ntype Client struct {\n\thttp *http.Client\n}\n\nfunc (c *Client) Check(sku string) (*http.Response, error) {\n\treturn c.http.Get(\"/v1/stock/\" + sku)\n}\n";
    let many = "package inventory\n\nimport \"net/http\"\n\nfunc (c *Client) CheckMany(skus []string) (*http.Response, error) {\n\treturn c.http.Get(\"/v1/stock?many\")\n}\n";
    let batch = "package inventory\n\nimport \"net/http\"\n\nfunc (c *Client) CheckBatch(skus []string) (*http.Response, error) {\n\treturn c.http.Get(\"/v1/stock?batch\")\n}\n";
    let handler = "package checkout\n\nimport \"shop/inventory\"\n\nfunc Validate(c *inventory.Client, skus []string) {\n\tfor _, sku := range skus {\n\t\tc.Check(sku)\n\t}\n}\n";
    let files = [
        ("go.mod", "module shop\n\ngo 1.22\n"),
        ("inventory/client.go", client),
        ("inventory/b_many.go", many),
        ("inventory/a_batch.go", batch),
        ("checkout/validate.go", handler),
    ];
    let mut ix = indexed(&files);
    let named = |ix: &Index| {
        let f = ix.findings_for("checkout/validate.go");
        assert_eq!(f.len(), 1, "{f:#?}");
        let b = f[0].batch_alternative.clone().expect("a batch alternative");
        (b.path, b.name)
    };
    let first = (
        "inventory/a_batch.go".to_string(),
        "Client.CheckBatch".to_string(),
    );
    assert_eq!(named(&ix), first);
    // Re-summarising the first file moves its methods behind the other's in the index.
    ix.update(
        "inventory/a_batch.go",
        summarize("inventory/a_batch.go", Lang::Go, batch),
    );
    assert_eq!(named(&ix), first);
}

/// An index of `files` (path, text), each in the language its extension names.
fn indexed<P: AsRef<str>, T: AsRef<str>>(files: &[(P, T)]) -> Index {
    let mut ix = Index::new(Catalog::builtin(), AnalysisConfig::default());
    for (p, t) in files {
        let (p, t) = (p.as_ref(), t.as_ref());
        if let Some(lang) = Lang::from_path(p) {
            ix.update(p, summarize(p, lang, t));
        }
    }
    ix
}
