//! The language-server core, driven through real LSP framing.

use crate::common;

use std::time::Duration;

use common::{TestServer, pos, range, workspace};
use serde_json::{Value, json};

#[tokio::test]
async fn a_client_that_offers_no_encodings_gets_utf16_and_correct_positions_on_an_emoji_line() {
    let mut s = TestServer::builder()
        .capabilities(json!({"textDocument": {"publishDiagnostics": {"versionSupport": true}}}))
        .start()
        .await;
    assert_eq!(
        s.initialize_result["capabilities"]["positionEncoding"],
        "utf-16"
    );
    let uri = "untitled:Untitled-1";
    s.open(uri, "plaintext", "say 😀 hi\n").await;
    // "say " = 4 units, the emoji 2 more: character 6 is right after it.
    s.change(uri, json!([{"range": range(0, 6, 0, 6), "text": "!"}]))
        .await;
    assert_eq!(s.text_of(uri).await["text"], "say 😀! hi\n");
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn text_sync_is_incremental_with_open_close_and_no_save_notifications() {
    // Saving changes nothing the server needs (it follows every edit); it used to advertise
    // `save` and then ignore the notification.
    let s = TestServer::builder().start().await;
    assert_eq!(
        s.initialize_result["capabilities"]["textDocumentSync"],
        json!({"openClose": true, "change": 2})
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_client_offering_utf8_gets_utf8_and_byte_columns() {
    let mut s = TestServer::builder()
        .capabilities(json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}}))
        .start()
        .await;
    assert_eq!(
        s.initialize_result["capabilities"]["positionEncoding"],
        "utf-8"
    );
    let uri = "untitled:notes";
    s.open(uri, "markdown", "café é\n").await;
    // "café" is 5 bytes.
    s.change(uri, json!([{"range": range(0, 5, 0, 5), "text": "!"}]))
        .await;
    assert_eq!(s.text_of(uri).await["text"], "café! é\n");
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_client_offering_utf32_but_not_utf8_gets_utf32() {
    let mut s = TestServer::builder()
        .capabilities(json!({"general": {"positionEncodings": ["utf-32", "utf-16"]}}))
        .start()
        .await;
    assert_eq!(
        s.initialize_result["capabilities"]["positionEncoding"],
        "utf-32"
    );
    let uri = "untitled:x";
    s.open(uri, "plaintext", "😀😀x").await;
    s.change(uri, json!([{"range": range(0, 2, 0, 3), "text": "y"}]))
        .await;
    assert_eq!(s.text_of(uri).await["text"], "😀😀y");
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn incremental_edits_across_crlf_and_lone_cr_lines_and_at_end_of_file() {
    let mut s = TestServer::builder().start().await;
    let uri = "file:///tmp/debuglens-test/mixed.log";
    s.open(uri, "log", "one\r\ntwo\rthree\n").await;
    s.change(uri, json!([{"range": range(1, 3, 1, 3), "text": "!"}]))
        .await;
    s.change(uri, json!([{"range": range(2, 0, 2, 5), "text": "3"}]))
        .await;
    s.change(uri, json!([{"range": range(3, 0, 3, 0), "text": "end"}]))
        .await;
    s.change(uri, json!([{"range": range(0, 99, 0, 99), "text": "?"}]))
        .await;
    assert_eq!(
        s.text_of(uri).await,
        json!({"text": "one?\r\ntwo!\r3\nend", "version": 5})
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_change_outside_the_document_is_rejected_logged_and_a_full_sync_restores() {
    let mut s = TestServer::builder().start().await;
    let uri = "untitled:doc";
    s.open(uri, "plaintext", "alpha\nbeta\n").await;
    s.expect_error_log();
    s.change(uri, json!([{"range": range(7, 0, 7, 1), "text": "x"}]))
        .await;
    let log = s
        .await_message(|m| m["method"] == "window/logMessage" && m["params"]["type"] == 1)
        .await;
    let message = log["params"]["message"].as_str().unwrap();
    assert!(
        message.contains("rejected") && message.contains("line 7"),
        "{message}"
    );
    assert_eq!(
        s.text_of(uri).await,
        json!({"text": "alpha\nbeta\n", "version": 1})
    );
    let v = s.change(uri, json!([{"text": "restored\n"}])).await;
    assert_eq!(
        s.text_of(uri).await,
        json!({"text": "restored\n", "version": v})
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn malformed_json_gets_a_parse_error_and_the_server_keeps_serving() {
    let mut s = TestServer::builder().start().await;
    s.send_raw(b"Content-Length: 9\r\n\r\n{\"id\": 1,");
    let err = s.await_message(|m| m["error"]["code"] == -32700).await;
    assert_eq!(err["id"], Value::Null);
    s.send_raw(b"Content-Length: 17\r\n\r\n{\"hello\":\"world\"}");
    let err = s.await_message(|m| m["error"]["code"] == -32600).await;
    assert_eq!(err["id"], Value::Null);
    let unknown = s
        .request("debuglens/noSuchMethod", json!({}))
        .await
        .unwrap_err();
    assert_eq!(unknown["code"], -32601);
    // Still alive: an ordinary request is answered.
    let uri = "untitled:a";
    s.open(uri, "plaintext", "x").await;
    assert_eq!(s.text_of(uri).await["text"], "x");
    assert_eq!(s.shutdown_and_exit().await, 0);
}

#[tokio::test]
async fn shutdown_then_exit_ends_the_process_with_code_0_within_a_second() {
    let mut s = TestServer::builder().binary().start().await;
    s.request("shutdown", Value::Null).await.unwrap();
    s.notify("exit", Value::Null).await;
    let mut child = s.take_child().unwrap();
    let status = tokio::time::timeout(Duration::from_secs(1), child.wait())
        .await
        .expect("the server did not exit within 1 s")
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn exit_without_shutdown_ends_the_process_with_code_1() {
    let mut s = TestServer::builder().binary().start().await;
    s.notify("exit", Value::Null).await;
    assert_eq!(s.exit_code().await, 1);
}

#[tokio::test]
async fn the_binary_serves_over_stdio_and_rejects_garbage_without_dying() {
    let mut s = TestServer::builder().binary().start().await;
    s.send_raw(b"Content-Length: 3\r\n\r\nabc");
    let err = s.await_message(|m| m["error"]["code"] == -32700).await;
    assert_eq!(err["id"], Value::Null);
    let uri = "untitled:b";
    s.open(uri, "plaintext", "hello").await;
    assert_eq!(s.text_of(uri).await["text"], "hello");
    assert_eq!(s.shutdown_and_exit().await, 0);
}

#[tokio::test]
async fn an_id_of_any_json_shape_is_answered_or_rejected_and_the_session_goes_on() {
    let mut s = TestServer::builder().binary().start().await;
    for id in ["1.5", "1e3", "18446744073709551615", "true", "[1]"] {
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"debuglens/viewFileText","params":{{"uri":"untitled:x"}}}}"#
        );
        s.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
        let err = s.await_message(|m| m["error"]["code"] == -32600).await;
        assert_eq!(err["id"], Value::Null, "{id}");
    }
    let uri = "untitled:ids";
    s.open(uri, "plaintext", "still here").await;
    assert_eq!(s.text_of(uri).await["text"], "still here");
    assert_eq!(s.shutdown_and_exit().await, 0);
}

#[tokio::test]
async fn after_a_header_without_a_usable_length_the_next_message_is_served() {
    let mut s = TestServer::builder().binary().start().await;
    // A negative length, then a frame whose header is not ended by a blank line: each is
    // answered with a parse error, and the messages after them are read as sent.
    s.send_raw(b"Content-Length: -3\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}");
    let err = s.await_message(|m| m["error"]["code"] == -32700).await;
    assert_eq!(err["id"], Value::Null);
    s.send_raw(b"Content-Length: 5\r\n{}");
    let uri = "untitled:resync";
    s.open(uri, "plaintext", "in sync").await;
    assert_eq!(s.text_of(uri).await["text"], "in sync");
    assert_eq!(s.shutdown_and_exit().await, 0);
}

#[tokio::test]
async fn client_closing_stdin_without_exit_ends_the_server_with_code_1() {
    let mut s = TestServer::builder().connect().await;
    s.request("initialize", json!({"capabilities": {}}))
        .await
        .unwrap();
    s.close_input();
    assert_eq!(s.exit_code().await, 1);
}

#[tokio::test]
async fn diagnostics_are_published_once_for_the_last_of_a_burst_of_edits_with_its_version() {
    let mut s = TestServer::builder().start().await;
    let uri = "untitled:burst";
    s.open(uri, "plaintext", "").await;
    let mut last = 1;
    for i in 0..5 {
        last = s
            .change(uri, json!([{"range": range(0, i, 0, i), "text": "a"}]))
            .await;
    }
    let first = s.next_diagnostics(uri).await;
    assert_eq!(
        first["version"], last,
        "a result for an old version was published"
    );
    assert_eq!(first["diagnostics"], json!([]));
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn closing_a_document_clears_its_diagnostics() {
    let mut s = TestServer::builder().start().await;
    let uri = "untitled:c";
    s.open(uri, "plaintext", "text").await;
    s.diagnostics(uri, 1).await;
    s.close(uri).await;
    let cleared = s.next_diagnostics(uri).await;
    assert_eq!(cleared["diagnostics"], json!([]));
    assert_eq!(s.text_of(uri).await, Value::Null);
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn unknown_setting_is_logged_once_by_name_and_invalid_value_is_an_error_naming_key_and_type()
{
    let mut s = TestServer::builder()
        .init_options(json!({"debounceMs": 10, "colour": "red", "batchLimit": "many"}))
        .start()
        .await;
    let warning = s
        .await_message(|m| m["method"] == "window/logMessage" && m["params"]["type"] == 2)
        .await;
    assert_eq!(
        warning["params"]["message"],
        "debuglens: initializationOptions: unknown setting `colour` is ignored"
    );
    let error = s.notification("window/showMessage").await;
    assert_eq!(error["type"], 1);
    assert_eq!(
        error["message"],
        "debuglens: initializationOptions: setting `batchLimit` must be an integer from 1 to 100000; keeping the previous value"
    );
    // The same unknown key again is not reported a second time.
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"debuglens": {"colour": "blue"}}}),
    )
    .await;
    let again = s
        .receives_within(Duration::from_millis(300), |m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|t| t.contains("colour"))
        })
        .await;
    assert!(!again);
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn did_change_configuration_with_null_settings_pulls_workspace_configuration() {
    let mut s = TestServer::builder().start().await;
    s.set_configuration(json!({"nope": 1}));
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    )
    .await;
    let pulled = s
        .await_message(|m| m["method"] == "workspace/configuration" && m.get("id").is_some())
        .await;
    assert_eq!(pulled["params"]["items"][0]["section"], "debuglens");
    let warning = s
        .await_message(|m| m["method"] == "window/logMessage" && m["params"]["type"] == 2)
        .await;
    assert_eq!(
        warning["params"]["message"],
        "debuglens: workspace/configuration: unknown setting `nope` is ignored"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_broken_debuglens_toml_is_reported_and_never_crashes() {
    let ws = workspace(&[
        ("debuglens.toml", "batchLimit = = 2\n"),
        ("a.py", "x = 1\n"),
    ]);
    let mut s = TestServer::builder().workspace(ws.path()).start().await;
    let error = s.notification("window/showMessage").await;
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("debuglens.toml") && message.contains("not valid TOML"),
        "{message}"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn file_watching_is_registered_dynamically_when_the_client_supports_it() {
    let ws = workspace(&[("a.py", "x = 1\n")]);
    let mut s = TestServer::builder()
        .workspace(ws.path())
        .capabilities(
            json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        )
        .start()
        .await;
    let reg = s
        .await_message(|m| m["method"] == "client/registerCapability")
        .await;
    let methods: Vec<&str> = reg["params"]["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, vec!["workspace/didChangeWatchedFiles"]);
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn hover_is_answered_while_a_ten_thousand_file_workspace_is_still_being_indexed() {
    let ws = tempfile::tempdir().unwrap();
    for d in 0..100 {
        let dir = ws.path().join(format!("pkg{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            std::fs::write(
                dir.join(format!("mod{f}.py")),
                format!("def f{f}():\n    return {d}\n"),
            )
            .unwrap();
        }
    }
    let mut s = TestServer::builder()
        .workspace(ws.path())
        .init_options(json!({"debounceMs": 0}))
        .start()
        .await;
    let uri = "untitled:scratch";
    s.open(uri, "plaintext", "hello").await;
    let begin = s
        .await_message(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin")
        .await;
    let token = begin["params"]["token"].clone();
    let id = s.send_request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
    );
    let mut order = Vec::new();
    loop {
        let m = s
            .await_message(|m| {
                m.get("id") == Some(&json!(id)) && m.get("method").is_none()
                    || m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
            })
            .await;
        let what = if m.get("id").is_some() {
            "hover"
        } else {
            "end"
        };
        order.push(what);
        if what == "end" {
            assert_eq!(m["params"]["token"], token);
            let msg = m["params"]["value"]["message"].as_str().unwrap();
            assert!(msg.starts_with("indexed 10000 files"), "{msg}");
            break;
        }
    }
    assert_eq!(order, vec!["hover", "end"]);
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_version_lower_than_before_is_analysed_and_answered_without_waiting() {
    let mut s = TestServer::builder()
        .init_options(json!({"debounceMs": 0}))
        .start()
        .await;
    let uri = "untitled:backwards";
    s.open(uri, "plaintext", "").await;
    for _ in 0..4 {
        s.change(uri, json!([{"text": ""}])).await;
    }
    s.diagnostics(uri, 5).await;
    // The client starts counting again (as after its own reset): version 2 with a trace.
    let trace = "Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in main\n    f()\nKeyError: 'sku'\n";
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": trace}]}),
    )
    .await;
    let hover = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(3, 2)}),
        )
        .await
        .unwrap();
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("KeyError"),
        "{hover:#}"
    );
    s.shutdown_and_exit().await;
}
