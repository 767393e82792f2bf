//! Code actions and commands over the demo workspace.

use crate::common;

use common::{TestServer, pos, read};
use serde_json::{Value, json};

async fn demo_server(caps: Value) -> TestServer {
    common::demo_server_with(Some(caps)).await
}

fn editor_caps() -> Value {
    json!({
        "window": {"workDoneProgress": true, "showDocument": {"support": true}},
        "workspace": {"configuration": true, "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}},
        "textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}
    })
}

fn titles(actions: &Value) -> Vec<String> {
    actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_trace_offers_explain_open_frame_plan_and_report() {
    let mut s = demo_server(editor_caps()).await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let actions = s
        .request("textDocument/codeAction", json!({"textDocument": {"uri": notes}, "range": {"start": pos(60, 0), "end": pos(60, 0)}, "context": {"diagnostics": []}}))
        .await
        .unwrap();
    assert_eq!(
        titles(&actions),
        vec![
            "Explain this stack trace",
            "Open innermost app frame",
            "Draft investigation plan",
            "Draft post-incident report"
        ]
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn explain_returns_markdown_with_the_correlated_n_plus_one_first() {
    let mut s = demo_server(editor_caps()).await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let md = s
        .request("workspace/executeCommand", json!({"command": "debuglens.explain", "arguments": [{"uri": notes, "position": pos(60, 0)}]}))
        .await
        .unwrap();
    let md = md.as_str().unwrap();
    assert!(md.starts_with("## TimeoutError"), "{md}");
    assert!(
        md.contains("1. **N+1: validate_inventory() is called once per iteration"),
        "{md}"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn open_innermost_frame_asks_the_client_to_show_the_session_post_line() {
    let mut s = demo_server(editor_caps()).await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let id = s.send_request(
        "workspace/executeCommand",
        json!({"command": "debuglens.openInnermostFrame", "arguments": [{"uri": notes, "position": pos(45, 0)}]}),
    );
    let show = s
        .await_message(|m| m["method"] == "window/showDocument")
        .await;
    assert_eq!(
        show["params"]["uri"],
        s.uri("clients/inventory.py").as_str()
    );
    assert_eq!(
        show["params"]["selection"],
        json!({"start": pos(44, 8), "end": pos(44, 72)})
    );
    assert_eq!(show["params"]["takeFocus"], true);
    let result = s.response(id).await.unwrap();
    assert_eq!(result["shown"], true);
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn an_unknown_command_is_an_invalid_params_error_naming_the_known_ones() {
    let mut s = demo_server(editor_caps()).await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let err = s
        .request("workspace/executeCommand", json!({"command": "debuglens.nope", "arguments": [{"uri": notes, "position": pos(0, 0)}]}))
        .await
        .unwrap_err();
    assert_eq!(err["code"], -32602);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("debuglens.explain"),
        "{err}"
    );
    s.shutdown_and_exit().await;
}

/// Applies one file's `TextEdit`s (UTF-16 ranges, as negotiated by these tests) to `text`.
fn apply_edits(text: &str, edits: &Value) -> String {
    let index = debuglens::text::LineIndex::new(text);
    let mut spans: Vec<(usize, usize, String)> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let at = |p: &Value| {
                let pos = debuglens::text::Position::new(
                    p["line"].as_u64().unwrap() as u32,
                    p["character"].as_u64().unwrap() as u32,
                );
                index.offset(pos, debuglens::text::Encoding::Utf16).unwrap()
            };
            (
                at(&e["range"]["start"]),
                at(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|(s, _, _)| std::cmp::Reverse(*s));
    let mut out = text.to_string();
    for (s, e, t) in spans {
        out.replace_range(s..e, &t);
    }
    out
}

async fn handler_actions(s: &mut TestServer) -> (String, Value) {
    let handler = s.uri("handlers/checkout.py");
    s.open(&handler, "python", &read("handlers/checkout.py"))
        .await;
    let diags = s.diagnostics(&handler, 1).await;
    assert_eq!(diags.len(), 1);
    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": handler}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
        )
        .await
        .unwrap();
    (handler, actions)
}

fn find<'a>(actions: &'a Value, prefix: &str) -> &'a Value {
    actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with(prefix))
        .unwrap()
}

#[tokio::test]
async fn the_n_plus_one_offers_batch_concurrency_ignore_test_plan_and_explain() {
    let mut s = demo_server(editor_caps()).await;
    let (_, actions) = handler_actions(&mut s).await;
    assert_eq!(
        titles(&actions),
        vec![
            "Batch with InventoryClient.check_batch",
            "Run concurrently (at most 10 at a time; results keep input order, first error propagates)",
            "Ignore: sequential by design (adds a suppression comment)",
            "Generate test plan (test file and markdown plan)",
            "Explain this N+1",
        ]
    );
    // Listing is cheap: edits come with resolve.
    assert!(find(&actions, "Batch").get("edit").is_none());
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn resolving_the_batch_action_edits_the_loop_and_the_helper_and_the_finding_disappears() {
    let mut s = demo_server(editor_caps()).await;
    let (handler, actions) = handler_actions(&mut s).await;
    let resolved = s
        .request("codeAction/resolve", find(&actions, "Batch").clone())
        .await
        .unwrap();
    let changes = resolved["edit"]["documentChanges"].as_array().unwrap();
    let service = s.uri("services/inventory.py");
    let mut new_texts = std::collections::HashMap::new();
    for change in changes {
        let uri = change["textDocument"]["uri"].as_str().unwrap().to_string();
        let rel = uri.rsplit_once("/checkout/").unwrap().1.to_string();
        let expected_version = if uri == handler {
            json!(1)
        } else {
            Value::Null
        };
        assert_eq!(change["textDocument"]["version"], expected_version, "{uri}");
        new_texts.insert(uri, apply_edits(&read(&rel), &change["edits"]));
    }
    assert!(
        new_texts.contains_key(&handler) && new_texts.contains_key(&service),
        "{:?}",
        new_texts.keys()
    );
    // The editor applies it; the server sees the new texts.
    s.open(&service, "python", &new_texts[&service]).await;
    let v = s
        .change(&handler, json!([{"text": new_texts[&handler]}]))
        .await;
    let h = handler.clone();
    s.await_message(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == h.as_str()
            && m["params"]["version"] == v
            && m["params"]["diagnostics"] == json!([])
    })
    .await;
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn resolving_the_concurrent_action_removes_the_finding() {
    let mut s = demo_server(editor_caps()).await;
    let (handler, actions) = handler_actions(&mut s).await;
    let resolved = s
        .request(
            "codeAction/resolve",
            find(&actions, "Run concurrently").clone(),
        )
        .await
        .unwrap();
    let changes = resolved["edit"]["documentChanges"].as_array().unwrap();
    let mine = changes
        .iter()
        .find(|c| c["textDocument"]["uri"] == handler.as_str())
        .unwrap();
    let text = apply_edits(&read("handlers/checkout.py"), &mine["edits"]);
    assert!(
        text.contains("asyncio.Semaphore(10)") && text.contains("asyncio.gather"),
        "{text}"
    );
    let v = s.change(&handler, json!([{"text": text}])).await;
    assert_eq!(s.diagnostics(&handler, v).await, Vec::<Value>::new());
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn the_ignore_action_inserts_a_suppression_and_the_finding_disappears() {
    let mut s = demo_server(editor_caps()).await;
    let (handler, actions) = handler_actions(&mut s).await;
    let resolved = s
        .request("codeAction/resolve", find(&actions, "Ignore").clone())
        .await
        .unwrap();
    let change = &resolved["edit"]["documentChanges"][0];
    let text = apply_edits(&read("handlers/checkout.py"), &change["edits"]);
    assert!(text.contains("            # debuglens: ignore[loop-remote-call] -- TODO: why this loop must stay sequential\n            if not await validate_inventory(item):"), "{text}");
    let v = s.change(&handler, json!([{"text": text}])).await;
    assert_eq!(s.diagnostics(&handler, v).await, Vec::<Value>::new());
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_stale_action_is_refused_with_a_message() {
    let mut s = demo_server(editor_caps()).await;
    let (handler, actions) = handler_actions(&mut s).await;
    let v = s
        .change(
            &handler,
            json!([{"range": common::range(0, 0, 0, 0), "text": "# edited\n"}]),
        )
        .await;
    s.diagnostics(&handler, v).await;
    let err = s
        .request("codeAction/resolve", find(&actions, "Batch").clone())
        .await
        .unwrap_err();
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("changed since this action was offered (version 1, now 2)"),
        "{message}"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_client_without_resolve_support_gets_the_edit_eagerly() {
    let mut caps = editor_caps();
    caps["textDocument"] = json!({});
    let mut s = demo_server(caps).await;
    let (handler, actions) = handler_actions(&mut s).await;
    let batch = find(&actions, "Batch");
    let changes = batch["edit"]["documentChanges"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["textDocument"]["uri"] == handler.as_str())
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn explain_on_the_n_plus_one_shows_the_numbers_against_the_timeout() {
    let mut s = demo_server(editor_caps()).await;
    let handler = s.uri("handlers/checkout.py");
    s.open(&handler, "python", &read("handlers/checkout.py"))
        .await;
    s.diagnostics(&handler, 1).await;
    let md = s
        .request("workspace/executeCommand", json!({"command": "debuglens.explain", "arguments": [{"uri": handler, "position": pos(26, 30)}]}))
        .await
        .unwrap();
    let md = md.as_str().unwrap();
    assert!(
        md.contains("[clients/inventory.py:45](clients/inventory.py#L45)"),
        "{md}"
    );
    assert!(md.contains("█"), "{md}");
    assert!(md.contains("InventoryClient.check_batch"), "{md}");
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn drafting_an_investigation_plan_creates_the_file_through_a_workspace_edit() {
    let mut s = demo_server(editor_caps()).await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let id = s.send_request(
        "workspace/executeCommand",
        json!({"command": "debuglens.draftInvestigationPlan", "arguments": [{"uri": notes, "position": pos(60, 0)}]}),
    );
    let apply = s
        .await_message(|m| m["method"] == "workspace/applyEdit")
        .await;
    let ops = apply["params"]["edit"]["documentChanges"]
        .as_array()
        .unwrap();
    assert_eq!(ops[0]["kind"], "create");
    let uri = ops[0]["uri"].as_str().unwrap();
    let date = debuglens_today();
    assert!(
        uri.ends_with(&format!("/checkout/debugging/{date}-timeouterror.md")),
        "{uri}"
    );
    let text = ops[1]["edits"][0]["newText"].as_str().unwrap();
    assert!(
        text.contains("TimeoutError") && text.contains("validate_inventory"),
        "{text}"
    );
    assert_eq!(s.response(id).await.unwrap()["applied"], true);
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn without_resource_operations_the_test_plan_is_written_to_disk_and_shown() {
    let (_dir, ws) = common::demo_copy();
    let mut s = TestServer::builder()
        .workspace(&ws)
        .capabilities(
            json!({"window": {"workDoneProgress": true, "showDocument": {"support": true}}}),
        )
        .init_options(json!({"debounceMs": 20}))
        .start()
        .await;
    s.await_message(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
        .await;
    let handler = s.uri("handlers/checkout.py");
    s.open(
        &handler,
        "python",
        &std::fs::read_to_string(ws.join("handlers/checkout.py")).unwrap(),
    )
    .await;
    let diags = s.diagnostics(&handler, 1).await;
    let actions = s
        .request("textDocument/codeAction", json!({"textDocument": {"uri": handler}, "range": diags[0]["range"], "context": {"diagnostics": diags}}))
        .await
        .unwrap();
    let cmd = find(&actions, "Generate test plan");
    assert_eq!(cmd["command"], "debuglens.generateTestPlan");
    let id = s.send_request(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
    );
    let show = s
        .await_message(|m| m["method"] == "window/showDocument")
        .await;
    assert_eq!(
        show["params"]["uri"],
        s.uri("tests/test_checkout_n_plus_one.py").as_str()
    );
    let result = s.response(id).await.unwrap();
    assert_eq!(result["written"], true);
    let test = std::fs::read_to_string(ws.join("tests/test_checkout_n_plus_one.py")).unwrap();
    assert!(test.contains("check_batch"), "{test}");
    let plan = std::fs::read_dir(ws.join("debugging")).unwrap().count();
    assert_eq!(plan, 1);
    s.shutdown_and_exit().await;
}

/// Today's date as the server names files.
fn debuglens_today() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test]
async fn an_action_names_the_diagnostic_of_its_own_finding_when_two_messages_are_the_same() {
    // Two calls on one line: the same API, the same loop, the same line, so the same message.
    let dir = common::workspace(&[(
        "twin.py",
        "import requests\n\n\ndef fetch(ids):\n    for i in ids:\n        requests.get(\"a\" + i); requests.get(\"b\" + i)\n",
    )]);
    let mut s = TestServer::builder()
        .workspace(dir.path())
        .capabilities(editor_caps())
        .init_options(json!({"debounceMs": 0}))
        .start()
        .await;
    let uri = s.uri("twin.py");
    s.open(
        &uri,
        "python",
        &std::fs::read_to_string(dir.path().join("twin.py")).unwrap(),
    )
    .await;
    let diags = s.diagnostics(&uri, 1).await;
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert_eq!(diags[0]["message"], diags[1]["message"]);
    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": diags[1]["range"], "context": {"diagnostics": [diags[1]]}}),
        )
        .await
        .unwrap();
    let concurrent = find(&actions, "Run concurrently");
    assert_eq!(concurrent["diagnostics"][0]["range"], diags[1]["range"]);
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_plans_folder_outside_the_workspace_is_refused_and_nothing_is_written_there() {
    let (dir, ws) = common::demo_copy();
    // The repository's own settings try to send the plan out of the folder.
    std::fs::write(ws.join("debuglens.toml"), "plansFolder = \"../outside\"\n").unwrap();
    let mut s = TestServer::builder()
        .workspace(&ws)
        .capabilities(json!({"window": {"showDocument": {"support": true}}}))
        .init_options(json!({"debounceMs": 0}))
        .start()
        .await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let err = s
        .request("workspace/executeCommand", json!({"command": "debuglens.draftInvestigationPlan", "arguments": [{"uri": notes, "position": pos(60, 0)}]}))
        .await
        .unwrap_err();
    assert_eq!(err["code"], -32602);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("is not inside the workspace folder"),
        "{err}"
    );
    let outside = ws.parent().unwrap().join("outside");
    assert!(!outside.exists(), "{} was created", outside.display());
    drop(dir);
    s.shutdown_and_exit().await;
}
