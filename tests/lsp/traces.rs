//! Stack traces in the editor, over the demo workspace: links, definition, hover, diagnostics on
//! the trace and on the frames' source lines.

use crate::common;

use common::{TestServer, demo, file_uri, pos, read};
use serde_json::{Value, json};

async fn demo_server() -> TestServer {
    common::demo_server_with(None).await
}

#[tokio::test]
async fn the_incident_notes_link_the_five_app_frames_to_the_demo_files() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let links = s
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": notes}}),
        )
        .await
        .unwrap();
    let targets: Vec<String> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["target"].as_str().unwrap().to_string())
        .collect();
    let root = file_uri(&demo());
    assert_eq!(
        targets,
        vec![
            format!("{root}/app.py#L18"),
            format!("{root}/handlers/checkout.py#L43"),
            format!("{root}/handlers/checkout.py#L27"),
            format!("{root}/services/inventory.py#L20"),
            format!("{root}/clients/inventory.py#L45"),
        ]
    );
    // Each link covers the quoted path on its frame line (0-based line 36 is `File "/app/app.py"`).
    assert_eq!(
        links[0]["range"],
        json!({"start": pos(36, 8), "end": pos(36, 19)})
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn the_innermost_app_frame_gets_a_warning_on_the_session_post_line_and_deleting_the_trace_clears_it()
 {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    let client = s.uri("clients/inventory.py");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let published = s
        .await_message(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == client.as_str()
        })
        .await;
    let diags = published["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(
        published["params"]["version"],
        Value::Null,
        "the file is not open"
    );
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d["severity"], 2);
    assert_eq!(
        d["message"],
        "raised here: TimeoutError (notes/incident.md:61)"
    );
    // `response = await self.session.post(url, json=payload, timeout=5)` on line 45, indented 8.
    assert_eq!(d["range"], json!({"start": pos(44, 8), "end": pos(44, 72)}));
    assert_eq!(
        d["relatedInformation"][0]["location"]["uri"],
        notes.as_str()
    );

    let v = s
        .change(
            &notes,
            json!([{"text": "# Incident\n\nNo trace here any more.\n"}]),
        )
        .await;
    s.diagnostics(&notes, v).await;
    let cleared = s
        .await_message(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == client.as_str()
        })
        .await;
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn other_app_frames_are_marked_on_the_failing_path() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    let handler = s.uri("handlers/checkout.py");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let published = s
        .await_message(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == handler.as_str()
        })
        .await;
    let mut lines: Vec<(u64, u64, String)> = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["severity"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            (
                26,
                3,
                "on the failing path of TimeoutError via check() (notes/incident.md:61)"
                    .to_string()
            ),
            (
                42,
                3,
                "on the failing path of TimeoutError via check() (notes/incident.md:61)"
                    .to_string()
            ),
        ]
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn the_trace_document_gets_one_information_diagnostic_on_the_exception_line() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let diags = s.diagnostics(&notes, 1).await;
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["severity"], 3);
    assert_eq!(diags[0]["code"], "stack-trace");
    assert_eq!(diags[0]["range"]["start"], pos(60, 0));
    assert_eq!(
        diags[0]["message"],
        "TimeoutError — 9 frames, innermost app frame check (clients/inventory.py:45); caused by asyncio.exceptions.CancelledError"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn hover_on_a_frame_shows_its_source_line_with_context() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let hover = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": notes}, "position": pos(48, 12)}),
        )
        .await
        .unwrap();
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("**`check`** · app frame · raised here: `TimeoutError`"),
        "{value}"
    );
    assert!(value.contains("`clients/inventory.py:45`"), "{value}");
    assert!(
        value.contains(
            "→   45 |         response = await self.session.post(url, json=payload, timeout=5)"
        ),
        "{value}"
    );
    assert!(
        value.contains("   43 |         url = f\"{self.base_url}/v1/inventory/check\""),
        "{value}"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn hover_on_the_exception_line_summarises_the_explanation() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let hover = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": notes}, "position": pos(60, 3)}),
        )
        .await
        .unwrap();
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.starts_with("**`TimeoutError`**"), "{value}");
    assert!(value.contains("**Immediate cause.**"), "{value}");
    assert!(
        value.contains("1. N+1: validate_inventory() is called once per iteration of \"for item in cart.items\" (handlers/checkout.py:27)"),
        "{value}"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn definition_on_a_frame_line_jumps_to_the_source_line() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let def = s
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": notes}, "position": pos(48, 10)}),
        )
        .await
        .unwrap();
    assert_eq!(
        def,
        json!({"uri": s.uri("clients/inventory.py"), "range": {"start": pos(44, 8), "end": pos(44, 8)}})
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn the_warning_follows_the_source_line_when_lines_are_inserted_above_it() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    let client = s.uri("clients/inventory.py");
    s.open(&client, "python", &read("clients/inventory.py"))
        .await;
    s.diagnostics(&client, 1).await;
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let first = s
        .await_message(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == client.as_str()
                && !m["params"]["diagnostics"].as_array().unwrap().is_empty()
        })
        .await;
    assert_eq!(
        first["params"]["diagnostics"][0]["range"]["start"],
        pos(44, 8)
    );
    let v = s
        .change(
            &client,
            json!([{"range": common::range(0, 0, 0, 0), "text": "# a comment\n# another\n"}]),
        )
        .await;
    let moved = s.diagnostics(&client, v).await;
    assert_eq!(moved.len(), 1, "{moved:#?}");
    assert_eq!(moved[0]["range"]["start"], pos(46, 8));
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn closing_the_notes_clears_the_marks_on_the_source_files() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    let client = s.uri("clients/inventory.py");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    s.await_message(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == client.as_str()
    })
    .await;
    s.close(&notes).await;
    let cleared = s
        .await_message(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == client.as_str()
        })
        .await;
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_log_with_the_same_trace_many_times_gets_one_grouped_diagnostic() {
    let ws = common::workspace(&[("svc/app.py", "def f():\n    raise KeyError('x')\n")]);
    let mut s = TestServer::builder()
        .workspace(ws.path())
        .init_options(json!({"debounceMs": 20}))
        .start()
        .await;
    let one = "Traceback (most recent call last):\n  File \"/srv/svc/app.py\", line 2, in f\n    raise KeyError('x')\nKeyError: 'x'\n";
    let mut log = String::new();
    for i in 0..37 {
        log.push_str(&format!(
            "2024-05-01T10:00:{:02}Z INFO request ok\n",
            i % 60
        ));
        for l in one.lines() {
            log.push_str(&format!("2024-05-01T10:00:{:02}Z ERROR {l}\n", i % 60));
        }
    }
    let uri = file_uri(&ws.path().join("app.log"));
    s.open(&uri, "log", &log).await;
    let diags = s.diagnostics(&uri, 1).await;
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let message = diags[0]["message"].as_str().unwrap();
    assert!(message.ends_with("; seen 37× (lines 2–182)"), "{message}");
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_fifty_megabyte_log_is_scanned_in_the_background_while_hover_keeps_answering() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    s.diagnostics(&notes, 1).await;
    let line = "2024-05-02T10:15:01.123Z INFO  [http-nio-8080-exec-3] c.a.s.CheckoutController - POST /checkout 200 in 41ms\n";
    let mut log = String::with_capacity(50 * 1024 * 1024 + 4096);
    while log.len() < 50 * 1024 * 1024 {
        log.push_str(line);
    }
    log.push_str(&read("notes/incident.md"));
    let big = common::file_uri(&demo().join("big.log"));
    s.open(&big, "log", &log).await;
    let id = s.send_request(
        "textDocument/hover",
        json!({"textDocument": {"uri": notes}, "position": pos(48, 12)}),
    );
    let first = s
        .await_message(|m| {
            m.get("id") == Some(&json!(id)) && m.get("method").is_none()
                || m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == big.as_str()
        })
        .await;
    assert_eq!(
        first["id"],
        json!(id),
        "the hover waited for the log scan: {first:#}"
    );
    assert!(
        first["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("check")
    );
    let diags = s.diagnostics(&big, 1).await;
    assert_eq!(diags.len(), 1, "{diags:#?}");
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn definition_asked_while_the_workspace_is_still_indexing_waits_for_the_index() {
    let (_dir, ws) = common::demo_copy();
    for d in 0..40 {
        let sub = ws.join(format!("vendor_like/pkg{d}"));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..100 {
            std::fs::write(
                sub.join(format!("m{f}.py")),
                format!("def f{f}():\n    return {d}\n"),
            )
            .unwrap();
        }
    }
    let mut s = TestServer::builder()
        .workspace(&ws)
        .init_options(json!({"debounceMs": 0}))
        .start()
        .await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let def = s
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": notes}, "position": pos(48, 10)}),
        )
        .await
        .unwrap();
    assert_eq!(
        def["uri"],
        s.uri("clients/inventory.py").as_str(),
        "{def:#}"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_file_created_on_disk_is_indexed_and_the_frame_that_names_it_resolves() {
    let (_dir, ws) = common::demo_copy();
    let client_file = ws.join("clients/inventory.py");
    let client_text = std::fs::read_to_string(&client_file).unwrap();
    std::fs::remove_file(&client_file).unwrap();
    let mut s = TestServer::builder()
        .workspace(&ws)
        .init_options(json!({"debounceMs": 0}))
        .start()
        .await;
    s.indexed().await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let links = s
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": notes}}),
        )
        .await
        .unwrap();
    assert_eq!(
        links.as_array().unwrap().len(),
        4,
        "clients/inventory.py does not exist yet"
    );
    std::fs::write(&client_file, client_text).unwrap();
    let client = s.uri("clients/inventory.py");
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": client, "type": 1}]}),
    )
    .await;
    let c = client.clone();
    let marked = s
        .await_message(move |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == c.as_str()
                && m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| !d.is_empty())
        })
        .await;
    assert_eq!(
        marked["params"]["diagnostics"][0]["message"],
        "raised here: TimeoutError (notes/incident.md:61)"
    );
    let links = s
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": notes}}),
        )
        .await
        .unwrap();
    assert_eq!(links.as_array().unwrap().len(), 5);
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn the_outline_lists_each_trace_with_its_frames() {
    let mut s = demo_server().await;
    let notes = s.uri("notes/incident.md");
    s.open(&notes, "markdown", &read("notes/incident.md")).await;
    let symbols = s
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": notes}}),
        )
        .await
        .unwrap();
    let outline: Vec<(String, String, Vec<String>)> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let frames = t["children"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .map(|f| {
                            format!(
                                "{} {}",
                                f["name"].as_str().unwrap(),
                                f["detail"].as_str().unwrap()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                t["name"].as_str().unwrap().to_string(),
                t["detail"].as_str().unwrap().to_string(),
                frames,
            )
        })
        .collect();
    let lib = "/usr/local/lib/python3.11/site-packages/aiohttp";
    let frames = |fs: &[&str]| fs.iter().map(|f| f.replace("LIB", lib)).collect::<Vec<_>>();
    assert_eq!(
        outline,
        vec![
            (
                "asyncio.exceptions.CancelledError".to_string(),
                "2 frames, 0 in the app".to_string(),
                frames(&["start LIB/client_reqrep.py:745", "read LIB/streams.py:716"]),
            ),
            (
                "TimeoutError".to_string(),
                "9 frames, 5 in the app".to_string(),
                frames(&[
                    "error_middleware /app/app.py:18",
                    "checkout /app/handlers/checkout.py:43",
                    "process_checkout /app/handlers/checkout.py:27",
                    "validate_inventory /app/services/inventory.py:20",
                    "check /app/clients/inventory.py:45",
                    "_request LIB/client.py:900",
                    "_connect_and_send_request LIB/client.py:878",
                    "start LIB/client_reqrep.py:740",
                    "__exit__ LIB/helpers.py:759",
                ]),
            ),
        ]
    );
    s.shutdown_and_exit().await;
}
