//! The command-line face: exit codes, errors that name the file, help with examples.

use std::process::Command;

fn debuglens(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_debuglens"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_of_a_missing_path_exits_2_naming_the_path_and_reason() {
    let (code, out, err) = debuglens(&["check", "/no/such/dir"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(
        err.trim(),
        "debuglens: /no/such/dir: No such file or directory (os error 2)"
    );
}

#[test]
fn an_unknown_format_is_a_usage_error_with_exit_2() {
    let (code, _, err) = debuglens(&["check", ".", "--format", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'xml' for '--format"), "{err}");
}

#[test]
fn each_command_help_shows_an_example() {
    for cmd in ["check", "explain", "lsp"] {
        let (code, out, _) = debuglens(&[cmd, "--help"]);
        assert_eq!(code, 0);
        assert!(
            out.contains("Example"),
            "{cmd} --help has no example:\n{out}"
        );
    }
}

#[test]
fn check_of_a_folder_with_nothing_to_report_exits_0_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), "print('ok')\n").unwrap();
    std::fs::write(dir.path().join("b.bin"), b"\0\x01\x02").unwrap();
    let (code, out, _) = debuglens(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(out, "debuglens: no findings in 1 file(s)\n");
}

#[test]
fn invalid_utf8_and_empty_files_are_checked_without_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("latin1.txt"), b"caf\xe9\n").unwrap();
    std::fs::write(dir.path().join("empty.md"), b"").unwrap();
    let (code, out, err) = debuglens(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap(),
        serde_json::json!({"findings": []})
    );
}

#[test]
fn the_readme_documents_every_setting() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (key, _, default, _) in debuglens::config::reference() {
        let row = format!("| `{key}` |");
        let line = readme.lines().find(|l| l.starts_with(&row));
        let line = line.unwrap_or_else(|| panic!("README has no row for `{key}`"));
        assert!(
            line.contains(&format!("`{default}`")),
            "README row for `{key}` lacks default {default}: {line}"
        );
    }
}

fn demo() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/checkout").to_string()
}

#[test]
fn check_on_the_demo_prints_the_n_plus_one_like_a_compiler_and_exits_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_debuglens"))
        .arg("check")
        .current_dir(demo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "handlers/checkout.py:27:26: warning: validate_inventory() makes a remote call once per iteration of \"for item in cart.items\" — POST via InventoryClient.check → aiohttp ClientSession.post (clients/inventory.py:45). N items = N sequential round trips. [loop-remote-call]\n\
         debuglens: 1 finding(s) in 1 of 16 file(s)\n"
    );
}

#[test]
fn check_json_carries_the_chain_and_the_batch_alternative() {
    let (code, out, _) = debuglens(&["check", &demo(), "--workspace", &demo(), "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &v["findings"][0];
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(f["rule"], "loop-remote-call");
    assert_eq!(f["path"], "handlers/checkout.py");
    assert_eq!(
        (
            f["line"].as_u64(),
            f["column"].as_u64(),
            f["loop_line"].as_u64()
        ),
        (Some(27), Some(26), Some(26))
    );
    assert_eq!(f["confidence"], "high");
    assert_eq!(
        f["chain"],
        serde_json::json!([
            {"path": "services/inventory.py", "line": 20, "function": "validate_inventory", "api": null},
            {"path": "clients/inventory.py", "line": 45, "function": "InventoryClient.check", "api": "aiohttp.ClientSession.post"}
        ])
    );
    assert_eq!(
        f["batch_alternative"],
        serde_json::json!({"path": "clients/inventory.py", "line": 56, "name": "InventoryClient.check_batch"})
    );
    assert_eq!(f["sequential_reason"], serde_json::Value::Null);
    assert!(
        f.get("action").is_none(),
        "internal data leaked into the stable JSON"
    );
}

#[test]
fn explain_on_the_incident_notes_resolves_the_frames_in_the_demo() {
    let notes = format!("{}/notes/incident.md", demo());
    let (code, out, _) = debuglens(&[
        "explain",
        &notes,
        "--workspace",
        &demo(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let traces = v["traces"].as_array().unwrap();
    assert_eq!(
        traces.len(),
        2,
        "the CancelledError cause and the TimeoutError"
    );
    let t = &traces[1];
    assert_eq!(
        (
            t["language"].as_str(),
            t["exception"].as_str(),
            t["caused_by"].as_u64()
        ),
        (Some("python"), Some("TimeoutError"), Some(0))
    );
    assert_eq!(
        (
            t["line"].as_u64(),
            t["end_line"].as_u64(),
            t["count"].as_u64()
        ),
        (Some(36), Some(61), Some(1))
    );
    let app: Vec<(String, String)> = t["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["in_app"] == true)
        .map(|f| {
            (
                f["function"].as_str().unwrap().to_string(),
                f["resolved"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    assert_eq!(
        app,
        vec![
            ("check".into(), "clients/inventory.py".into()),
            ("validate_inventory".into(), "services/inventory.py".into()),
            ("process_checkout".into(), "handlers/checkout.py".into()),
            ("checkout".into(), "handlers/checkout.py".into()),
            ("error_middleware".into(), "app.py".into()),
        ]
    );
    let e = &t["explanation"];
    assert!(e["summary"].as_str().unwrap().contains("check"), "{e}");
    assert!(e["likely_causes"].as_array().unwrap().len() >= 2);
}

#[test]
fn explain_reads_stdin_and_says_when_there_is_no_trace() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_debuglens"))
        .args(["explain", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"just some prose, no trace\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "debuglens: no stack trace found\n"
    );
}

/// The SARIF 2.1.0 schema, as Microsoft's `@microsoft/jest-sarif` ships it (fetched from npm
/// once into target/test-tools; `scripts/test.sh` does the same).
fn sarif_schema() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/jest-sarif");
    let schema = dir.join("package/lib/schemas/sarif-2.1.0-rtm.5.json");
    if !schema.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let packed = Command::new("npm")
            .args(["pack", "--silent", "@microsoft/jest-sarif@1.0.0-beta.0"])
            .current_dir(&dir)
            .output()
            .expect("npm is needed to fetch the SARIF schema");
        assert!(
            packed.status.success(),
            "npm pack failed: {}",
            String::from_utf8_lossy(&packed.stderr)
        );
        let tgz = String::from_utf8_lossy(&packed.stdout).trim().to_string();
        let untar = Command::new("tar")
            .args(["xzf", &tgz])
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(untar.success());
    }
    schema
}

#[test]
fn check_sarif_validates_against_the_sarif_2_1_0_schema() {
    let (code, out, _) = debuglens(&[
        "check",
        &demo(),
        "--workspace",
        &demo(),
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 1);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("out.sarif");
    std::fs::write(&log, &out).unwrap();
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        log = json.load(open(sys.argv[2]))\n\
        jsonschema.Draft4Validator(schema).validate(log)\n\
        r = log['runs'][0]['results'][0]\n\
        print(r['ruleId'], r['level'], r['locations'][0]['physicalLocation']['artifactLocation']['uri'], r['locations'][0]['physicalLocation']['region']['startLine'])\n";
    let schema = sarif_schema();
    let v = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .arg(&log)
        .output()
        .unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    assert_eq!(
        String::from_utf8_lossy(&v.stdout),
        "loop-remote-call warning handlers/checkout.py 27\n"
    );
}

#[test]
fn check_diff_keeps_only_findings_on_changed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    let copy = Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", demo()))
        .arg(ws)
        .status()
        .unwrap();
    assert!(copy.success());
    let git = |args: &[&str]| {
        let s = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(ws)
            .output()
            .unwrap();
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    let ws_s = ws.to_str().unwrap();
    // Nothing changed: nothing to review.
    let (code, out, _) = debuglens(&["check", ws_s, "--workspace", ws_s, "--diff", "HEAD"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "debuglens: no findings in 16 file(s)\n")
    );
    // An unrelated edit in the same file keeps it quiet too.
    let handler = ws.join("handlers/checkout.py");
    let text = std::fs::read_to_string(&handler).unwrap();
    std::fs::write(
        &handler,
        text.replace(
            "logger = logging.getLogger(__name__)",
            "logger = logging.getLogger(\"checkout\")",
        ),
    )
    .unwrap();
    let (code, _, _) = debuglens(&["check", ws_s, "--workspace", ws_s, "--diff", "HEAD"]);
    assert_eq!(code, 0);
    // Touching the loop's call line brings the finding back.
    let text = std::fs::read_to_string(&handler).unwrap();
    std::fs::write(
        &handler,
        text.replace(
            "if not await validate_inventory(item):",
            "if not (await validate_inventory(item)):",
        ),
    )
    .unwrap();
    let (code, out, _) = debuglens(&["check", ws_s, "--workspace", ws_s, "--diff", "HEAD"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("handlers/checkout.py:27:"), "{out}");
    // A revision that does not exist is a usage error naming git's complaint.
    let (code, _, err) = debuglens(&["check", ws_s, "--workspace", ws_s, "--diff", "no-such-rev"]);
    assert_eq!(code, 2);
    assert!(err.contains("git diff"), "{err}");
}

#[test]
fn lsp_accepts_the_stdio_flag_that_clients_add() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_debuglens"))
        .args(["lsp", "--stdio"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let body = r#"{"jsonrpc":"2.0","method":"exit"}"#;
    write!(
        child.stdin.take().unwrap(),
        "Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    // exit without shutdown: 1, and no usage error (which would be 2).
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn check_completes_on_a_tree_with_an_expression_nested_100000_deep() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(std::path::Path::new(&demo()), dir.path());
    let n = 100_000;
    let deep_py = format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
    std::fs::write(dir.path().join("deep.py"), deep_py).unwrap();
    let deep_js = format!("const x = {}f(1){};\n", "[".repeat(n), "]".repeat(n));
    std::fs::write(dir.path().join("gen.js"), deep_js).unwrap();
    let deep_go = format!("package main\n\nvar x = {}1\n", "1+".repeat(n));
    std::fs::write(dir.path().join("deep.go"), deep_go).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_debuglens"))
        .arg("check")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.starts_with(
            "handlers/checkout.py:27:26: warning: validate_inventory() makes a remote call"
        ),
        "{stdout}"
    );
    // The deep files are analysed (nothing to report in them), or skipped with one line each.
    for line in stderr.lines() {
        assert!(line.starts_with("debuglens: skipped "), "{stderr}");
    }
}

#[test]
fn check_leaves_vendored_code_out_unless_default_excludes_is_false() {
    let dir = tempfile::tempdir().unwrap();
    let loop_py = "import requests\n\ndef sync(ids):\n    for i in ids:\n        requests.get(f\"http://x/{i}\")\n";
    for rel in ["app/sync.py", "vendor/lib/sync.py", "build/lib/sync.py"] {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, loop_py).unwrap();
    }
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_debuglens"))
            .arg("check")
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, stdout) = run();
    assert_eq!(code, Some(1), "{stdout}");
    let files: Vec<&str> = stdout.lines().filter_map(|l| l.split(':').next()).collect();
    assert_eq!(files, ["app/sync.py", "debuglens"], "{stdout}");
    std::fs::write(
        dir.path().join("debuglens.toml"),
        "defaultExcludes = false\n",
    )
    .unwrap();
    let (code, stdout) = run();
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("vendor/lib/sync.py:5:") && stdout.contains("build/lib/sync.py:5:"),
        "{stdout}"
    );
}
