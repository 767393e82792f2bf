//! Code actions and commands over the demo workspace.

mod common;

use std::path::{Path, PathBuf};

use common::TestServer;
use serde_json::{Value, json};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checkout")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(demo().join(rel)).unwrap()
}

fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

async fn demo_server(caps: Value) -> TestServer {
    let mut s = TestServer::builder()
        .workspace(&demo())
        .capabilities(caps)
        .init_options(json!({"debounceMs": 20}))
        .start()
        .await;
    s.await_message(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
        .await;
    s
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
