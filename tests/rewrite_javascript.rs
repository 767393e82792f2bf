//! JS/TS concurrent rewrite over the labeled positives: every result re-parses with
//! tree-sitter, JS also passes `node --check`, and the finding is gone after re-analysis.
mod rewrite_common;
use debuglens::guidance::rewrite::{self, Options};
use rewrite_common::*;

fn node_check(path: &str, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let ext = if path.ends_with(".mjs") { "mjs" } else { "js" };
    let target = dir.path().join(format!("check.{ext}"));
    std::fs::write(&target, text).unwrap();
    let out = std::process::Command::new("node")
        .arg("--check")
        .arg(&target)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{path} fails node --check:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn positives_concurrent() {
    let files = load_workspace(&fixture_dir("n_plus_one/javascript/store"));
    let cov = cover(&files, rewrite::concurrent);
    eprintln!("{}", cov.report("javascript concurrent"));
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    let before = files.clone();
    for (at, after) in &cov.rewritten_files {
        for ((p, t), (_, t0)) in after.iter().zip(&before) {
            if t != t0 && p.ends_with(".js") {
                eprintln!("node --check after {at}");
                node_check(p, t);
            }
        }
    }
    assert!(
        cov.rewritten >= 9,
        "{}",
        cov.report("javascript concurrent")
    );
}

#[test]
fn positives_batch() {
    let files = load_workspace(&fixture_dir("n_plus_one/javascript/store"));
    let cov = cover(&files, rewrite::batch);
    eprintln!("{}", cov.report("javascript batch"));
    assert!(cov.problems.is_empty(), "{}", cov.problems.join("\n\n"));
    for (at, after) in &cov.rewritten_files {
        for ((p, t), (_, t0)) in after.iter().zip(&files) {
            if t != t0 {
                eprintln!("--- {p} after {at}\n{t}");
                if p.ends_with(".js") {
                    node_check(p, t);
                }
            }
        }
    }
    assert!(cov.rewritten >= 1, "{}", cov.report("javascript batch"));
    assert!(cov.refused.keys().all(|r| !r.is_empty()));
}

#[test]
fn exact_output_for_a_for_of_loop() {
    let src = "import { validateInventory } from './inventory';\r\n\r\nexport async function checkout(cart) {\r\n\tfor (const item of cart.items) {\r\n\t\tconst ok = await validateInventory(item);\r\n\t\tif (!ok) throw new Error(item.sku);\r\n\t}\r\n}\r\n";
    let inv = "import axios from 'axios';\nexport async function validateInventory(item) {\n  const r = await axios.post('/check', { sku: item.sku });\n  return r.data.ok;\n}\n";
    let files: Files = vec![
        ("src/checkout.js".into(), src.into()),
        ("src/inventory.js".into(), inv.into()),
    ];
    let w = warnings(&files);
    let f = w
        .iter()
        .find(|f| f.path == "src/checkout.js")
        .expect("finding");
    let rw = rewrite::concurrent(f, &lookup(&files), &Options::default()).unwrap();
    let out = rewrite::apply(src, &rw.files[0].edits);
    assert_eq!(
        out,
        "import { validateInventory } from './inventory';\r\n\r\nexport async function checkout(cart) {\r\n\tconst itemResults = [];\r\n\t// At most 10 calls at a time; results keep input order; the first error\r\n\t// propagates (calls already started in its chunk still finish).\r\n\tfor (let start = 0; start < cart.items.length; start += 10) {\r\n\t\titemResults.push(...(await Promise.all(cart.items.slice(start, start + 10).map((item) => validateInventory(item)))));\r\n\t}\r\n\tfor (const [itemIndex, item] of cart.items.entries()) {\r\n\t\tconst ok = itemResults[itemIndex];\r\n\t\tif (!ok) throw new Error(item.sku);\r\n\t}\r\n}\r\n"
    );
    node_check("src/checkout.js", &out);
}
