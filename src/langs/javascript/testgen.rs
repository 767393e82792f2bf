//! JavaScript / TypeScript: jest, vitest, mocha or node:test, chosen from package.json.
//!
//! The fake spies on the client class's prototype methods, so it counts calls however the
//! instance is reached (a module-level client, a constructor argument, `this.client`).

use std::fmt::Write as _;

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

    let mut imports = Vec::new();
    let (head, spy, restore, label, run) = match fw {
        Fw::Jest => (
            String::new(),
            "jest.spyOn",
            "jest.restoreAllMocks()",
            "jest",
            format!("npx jest {path}"),
        ),
        Fw::Vitest => (
            "import { afterEach, describe, expect, it, vi } from 'vitest';\n".to_owned(),
            "vi.spyOn",
            "vi.restoreAllMocks()",
            "vitest",
            format!("npx vitest run {path}"),
        ),
        Fw::Mocha => (
            "import assert from 'node:assert/strict';\n".to_owned(),
            "spyOn",
            "restoreAll()",
            "mocha",
            format!("npx mocha {path}"),
        ),
        Fw::NodeTest => (
            "import assert from 'node:assert/strict';\nimport { afterEach, describe, it, mock } from 'node:test';\n".to_owned(),
            "mock.method",
            "mock.restoreAll()",
            "node:test",
            format!("node --test {path}"),
        ),
    };
    let class_name = s.entry.class.clone();
    let callee = match &class_name {
        Some(c) => {
            imports.push(format!(
                "import {{ {c} }} from '{}';",
                relative(&dir, &s.path)
            ));
            format!("new {c}(){any}.{entry}")
        }
        None => {
            imports.push(format!(
                "import {{ {entry} }} from '{}';",
                relative(&dir, &s.path)
            ));
            entry.clone()
        }
    };
    let (client_class, single, batch) = match &s.client {
        Some(c) => {
            imports.push(format!(
                "import {{ {} }} from '{}';",
                c.class,
                relative(&dir, &c.path)
            ));
            (
                c.class.clone(),
                c.method.clone(),
                s.batch
                    .as_ref()
                    .filter(|b| b.class.as_deref() == Some(&c.class))
                    .map(|b| b.method.clone()),
            )
        }
        None => {
            return Err(format!(
                "{}:{}: the remote call is not a method of a client class in the workspace; write the fake by hand",
                s.path, s.line
            ));
        }
    };
    let returns_bool = s
        .client
        .as_ref()
        .and_then(|c| c.return_type.as_deref())
        .is_some_and(|r| r.contains("boolean"));
    let result = if returns_bool {
        "!unavailable.has(key)".to_owned()
    } else {
        "({ sku: key, available: !unavailable.has(key) })".to_owned()
    };

    let attrs = s.needed_attributes();
    let key_attr = s.key_attribute();
    let element = if attrs.is_empty() {
        value_for(s.loop_var.as_deref().unwrap_or("item"), true)
    } else {
        let fields: Vec<String> = attrs
            .iter()
            .map(|a| format!("{a}: {}", value_for(a, true)))
            .collect();
        format!("({{ {} }})", fields.join(", "))
    };
    let args: Vec<String> = s
        .entry_params()
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
        .collect();
    let call = format!("{callee}({})", args.join(", "));
    let aw = if s.entry.is_async { "await " } else { "" };
    let key_of = |item: &str| match &key_attr {
        Some(a) => format!("{item}.{a}"),
        None => item.to_owned(),
    };
    let raised = s.raised_in_loop();
    let param_ann = if ts { ": any" } else { "" };
    let num_ann = if ts { ": number" } else { "" };

    let mut t = String::new();
    let _ = writeln!(
        t,
        "// Regression test for the N+1 in `{entry}` ({}:{}), generated by debuglens.\n\
         // Each item of `{}` costs one `{client_class}.{single}` call; {} batches up to {batch_limit}\n\
         // items, so N items need at most ceil(N / {batch_limit}) remote calls. Fails while the loop\n\
         // makes one call per item. Run: {run}",
        s.path,
        s.line,
        s.loop_iterable.as_deref().unwrap_or("the collection"),
        batch
            .as_deref()
            .map(|b| format!("`{client_class}.{b}`"))
            .unwrap_or_else(|| "a batch API".to_owned()),
    );
    t.push_str(&head);
    for i in &imports {
        let _ = writeln!(t, "{i}");
    }
    // jest has no assertion messages: the matcher prints both counts, the comment says why.
    let note = format!("one call per item is the N+1 at {}:{}", s.path, s.line);
    let expect_le = |got: &str, want: &str, msg: &str| match fw {
        Fw::Jest | Fw::Vitest => format!("expect({got}).toBeLessThanOrEqual({want}); // {note}"),
        _ => format!("assert.ok({got} <= {want}, `{msg}`);"),
    };
    let _ = writeln!(
        t,
        "\nconst BATCH_LIMIT = {batch_limit};\nconst SIZES = [{}];\n",
        SIZES.map(|n| n.to_string()).join(", ")
    );
    if fw == Fw::Mocha {
        let _ = writeln!(
            t,
            "const restores{} = [];\nfunction spyOn(target{param_ann}, name{}, impl{param_ann}) {{\n  const original = target[name];\n  target[name] = impl;\n  restores.push(() => {{ target[name] = original; }});\n}}\nfunction restoreAll() {{\n  for (let r = restores.pop(); r; r = restores.pop()) r();\n}}\n",
            if ts { ": Array<() => void>" } else { "" },
            if ts { ": string" } else { "" },
        );
    }
    // jest/vitest: spyOn(obj, name).mockImplementation(fn); node:test and our mocha helper
    // take the implementation as the third argument.
    let open = match fw {
        Fw::Jest | Fw::Vitest => ").mockImplementation(",
        Fw::Mocha | Fw::NodeTest => ", ",
    };
    let _ = writeln!(
        t,
        "function makeItems(n{num_ann}) {{\n  return Array.from({{ length: n }}, (_, i) => {element});\n}}\n\n\
         function fakeClient(unavailable = new Set<unknown>(), failWith{}) {{\n  \
         const calls = {{ single: 0, batches: [] as number[] }};\n  \
         {spy}({client_class}.prototype{any}, '{single}'{open}async (key{param_ann}) => {{\n    \
         calls.single += 1;\n    \
         if (failWith) throw failWith;\n    \
         return {result};\n  }});",
        if ts { "?: Error" } else { " = undefined" },
    );
    if let Some(b) = &batch {
        let _ = writeln!(
            t,
            "  {spy}({client_class}.prototype{any}, '{b}'{open}async (rows{param_ann}) => {{\n    \
             calls.batches.push(rows.length);\n    \
             if (rows.length > BATCH_LIMIT) throw new Error(`{b} accepts at most ${{BATCH_LIMIT}} items, got ${{rows.length}}`);\n    \
             if (failWith) throw failWith;\n    \
             return rows.map((row{param_ann}) => {{\n      const key = typeof row === 'object' ? row.sku ?? row[0] : row;\n      return {result};\n    }});\n  }});"
        );
    }
    let _ = writeln!(t, "  return calls;\n}}\n");
    // Without plain JS type annotations, `new Set<unknown>()` and `as number[]` are TS only.
    if !ts {
        t = t
            .replace("new Set<unknown>()", "new Set()")
            .replace(" as number[]", "");
    }
    let _ = writeln!(
        t,
        "describe('{entry} remote calls (N+1)', () => {{\n  afterEach(() => {{\n    {restore};\n  }});\n"
    );
    let msg = format!(
        "${{n}} items made ${{remote}} remote calls; expected at most ${{expected}} = ceil(${{n}} / ${{BATCH_LIMIT}}) (N+1 at {}:{})",
        s.path, s.line
    );
    let sizes_test = match fw {
        Fw::Jest | Fw::Vitest => "  it.each(SIZES)('makes at most ceil(N / BATCH_LIMIT) remote calls for %i items', async (n) => {".to_owned(),
        _ => "  for (const n of SIZES) {\n  it(`makes at most ceil(N / BATCH_LIMIT) remote calls for ${n} items`, async () => {".to_owned(),
    };
    let _ = writeln!(
        t,
        "{sizes_test}\n    const calls = fakeClient();\n    const items = makeItems(n);\n    {aw}{call};\n    \
         const remote = calls.single + calls.batches.length;\n    \
         const expected = Math.ceil(n / BATCH_LIMIT);\n    {}\n  }});{}\n",
        expect_le("remote", "expected", &msg),
        if matches!(fw, Fw::Jest | Fw::Vitest) {
            ""
        } else {
            "\n  }"
        },
    );
    let missing = key_of("items[2]");
    let rejects = |body: &str, what: Option<&str>| match fw {
        Fw::Jest | Fw::Vitest => match what {
            Some(w) => format!("await expect((async () => {{ {body}; }})()).rejects.toThrow({w});"),
            None => format!("await expect((async () => {{ {body}; }})()).rejects.toThrow();"),
        },
        _ => format!("await assert.rejects(async () => {{ {body}; }});"),
    };
    let partial = match raised.first() {
        Some(_) => rejects(&format!("{aw}{call}"), None),
        None => format!("{aw}{call}; // TODO: assert how {entry} reports the unavailable item"),
    };
    let _ = writeln!(
        t,
        "  it('partial availability: reports the unavailable item', async () => {{\n    \
         const items = makeItems(5);\n    fakeClient(new Set([{missing}]));\n    {partial}\n  }});\n"
    );
    let _ = writeln!(
        t,
        "  it('remote timeout: fails the request without retrying per item', async () => {{\n    \
         const items = makeItems(5);\n    \
         const calls = fakeClient(undefined, new Error('timeout of 5000ms exceeded'));\n    {}\n    {}\n  }});\n",
        rejects(&format!("{aw}{call}"), None),
        match fw {
            Fw::Jest | Fw::Vitest => "// One batch call plus at most one fallback; retrying per item hides the N+1.\n    expect(calls.single + calls.batches.length).toBeLessThanOrEqual(2);".to_owned(),
            _ => expect_le("calls.single + calls.batches.length", "2", "one batch plus at most one fallback call"),
        },
    );
    let _ = writeln!(
        t,
        "  it('splits more items than the batch limit', async () => {{\n    \
         const n = 2 * BATCH_LIMIT + 20;\n    const items = makeItems(n);\n    const calls = fakeClient();\n    {aw}{call};\n    \
         const remote = calls.single + calls.batches.length;\n    \
         const expected = Math.ceil(n / BATCH_LIMIT);\n    {}\n  }});\n}});",
        expect_le("remote", "expected", &msg),
    );
    Ok(GeneratedTest {
        path,
        text: t,
        framework: label.to_owned(),
        run,
    })
}
