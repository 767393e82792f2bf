//! Loop-wrapped remote calls in the editor, over the demo workspace.

use crate::common;

use common::{TestServer, read};
use serde_json::{Value, json};

async fn demo_server() -> TestServer {
    common::demo_server_with(None).await
}

const MESSAGE: &str = "validate_inventory() makes a remote call once per iteration of \"for item in cart.items\" — POST via InventoryClient.check → aiohttp ClientSession.post (clients/inventory.py:45). N items = N sequential round trips.";

#[tokio::test]
async fn opening_the_checkout_handler_shows_the_n_plus_one_with_its_chain() {
    let mut s = demo_server().await;
    let handler = s.uri("handlers/checkout.py");
    s.open(&handler, "python", &read("handlers/checkout.py"))
        .await;
    let diags = s.diagnostics(&handler, 1).await;
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d["severity"], 2);
    assert_eq!(d["code"], "loop-remote-call");
    assert_eq!(d["message"], MESSAGE);
    // `validate_inventory(item)` on line 27 (0-based 26).
    assert_eq!(
        d["range"],
        json!({"start": {"line": 26, "character": 25}, "end": {"line": 26, "character": 49}})
    );
    let related: Vec<(String, u64, String)> = d["relatedInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let uri = r["location"]["uri"].as_str().unwrap();
            let file = uri.rsplit_once("/checkout/").unwrap().1.to_string();
            (
                file,
                r["location"]["range"]["start"]["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        related,
        vec![
            (
                "handlers/checkout.py".to_string(),
                25,
                "the loop: for item in cart.items".to_string()
            ),
            (
                "services/inventory.py".to_string(),
                19,
                "validate_inventory calls InventoryClient.check".to_string()
            ),
            (
                "clients/inventory.py".to_string(),
                44,
                "InventoryClient.check calls aiohttp.ClientSession.post".to_string()
            ),
            (
                "clients/inventory.py".to_string(),
                55,
                "batch alternative: InventoryClient.check_batch".to_string()
            ),
        ]
    );
    assert_eq!(
        d["data"]["batch_alternative"]["name"],
        "InventoryClient.check_batch"
    );
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn removing_the_remote_call_from_the_helper_clears_the_finding_in_the_caller() {
    let mut s = demo_server().await;
    let handler = s.uri("handlers/checkout.py");
    let service = s.uri("services/inventory.py");
    s.open(&handler, "python", &read("handlers/checkout.py"))
        .await;
    assert_eq!(s.diagnostics(&handler, 1).await.len(), 1);
    let text = read("services/inventory.py");
    s.open(&service, "python", &text).await;
    s.diagnostics(&service, 1).await;
    let local = text.replace(
        "result = await inventory_client.check(item.sku, item.quantity)",
        "result = LOCAL_STOCK[item.sku]",
    );
    let v = s.change(&service, json!([{"text": local}])).await;
    s.diagnostics(&service, v).await;
    // Republished without the finding (earlier publishes may still carry it).
    let h = handler.clone();
    s.await_message(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == h.as_str()
            && m["params"]["diagnostics"] == json!([])
    })
    .await;
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_suppression_comment_silences_the_finding() {
    let mut s = demo_server().await;
    let handler = s.uri("handlers/checkout.py");
    let text = read("handlers/checkout.py").replace(
        "            if not await validate_inventory(item):",
        "            # debuglens: ignore[loop-remote-call] -- one item per request by contract\n            if not await validate_inventory(item):",
    );
    s.open(&handler, "python", &text).await;
    assert_eq!(s.diagnostics(&handler, 1).await, Vec::<Value>::new());
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn disabling_the_rule_in_settings_clears_the_finding() {
    let mut s = demo_server().await;
    let handler = s.uri("handlers/checkout.py");
    s.open(&handler, "python", &read("handlers/checkout.py"))
        .await;
    assert_eq!(s.diagnostics(&handler, 1).await.len(), 1);
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"debuglens": {"disabledRules": ["loop-remote-call"]}}}),
    )
    .await;
    let next = s.next_diagnostics(&handler).await;
    assert_eq!(next["diagnostics"], json!([]));
    s.shutdown_and_exit().await;
}

#[tokio::test]
async fn half_typed_code_still_gets_findings_for_the_parts_that_parse() {
    let mut s = demo_server().await;
    let handler = s.uri("handlers/checkout.py");
    let text = format!(
        "{}\ndef broken(:\n    for x in\n",
        read("handlers/checkout.py")
    );
    s.open(&handler, "python", &text).await;
    let diags = s.diagnostics(&handler, 1).await;
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["message"], MESSAGE);
    s.shutdown_and_exit().await;
}
