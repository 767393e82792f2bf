//! The explanation composer, on the trace this tool exists for and on variations of it.

use debuglens::guidance::explain::{ExplainContext, Hypothesis, explain, to_markdown};
use debuglens::traces::{Frame, Runtime, Trace};

fn frame(path: &str, line: u32, function: &str, in_app: bool, source: Option<&str>) -> Frame {
    Frame {
        path: path.to_owned(),
        line: Some(line),
        column: None,
        function: Some(function.to_owned()),
        in_app,
        span: 0..0,
        path_span: 0..0,
        source_line: source.map(str::to_owned),
    }
}

/// The seed story's traceback: asyncio.TimeoutError raised in the inventory client.
fn demo_trace() -> Trace {
    Trace {
        language: debuglens::langs::python::RUNTIME,
        exception: "asyncio.TimeoutError".to_owned(),
        message: String::new(),
        span: 0..0,
        header_span: 0..0,
        frames: vec![
            frame(
                "/app/clients/inventory.py",
                67,
                "check_batch",
                true,
                Some("response = await self.session.post(url, json=payload, timeout=5)"),
            ),
            frame(
                "/app/services/inventory.py",
                34,
                "validate_inventory",
                true,
                Some("result = await inventory_client.check_batch(item_ids)"),
            ),
            frame(
                "/app/services/order.py",
                89,
                "create_order",
                true,
                Some("inventory_check = await validate_inventory(items)"),
            ),
            frame(
                "/app/handlers/checkout.py",
                145,
                "process_checkout",
                true,
                Some("order = await create_order(cart, user)"),
            ),
        ],
        caused_by: None,
        created_by: None,
    }
}

#[test]
fn demo_trace_names_the_function_the_location_and_says_remote() {
    let e = explain(&demo_trace(), &ExplainContext::default());
    assert!(e.summary.contains("`check_batch`"), "{}", e.summary);
    assert!(
        e.summary.contains("/app/clients/inventory.py:67"),
        "{}",
        e.summary
    );
    assert!(e.summary.contains("remote call"), "{}", e.summary);
    assert!(
        e.immediate_cause
            .contains("`response = await self.session.post(url, json=payload, timeout=5)`"),
        "{}",
        e.immediate_cause
    );
    assert!(
        e.immediate_cause.contains("The failing call is remote"),
        "{}",
        e.immediate_cause
    );
    assert!(
        e.immediate_cause.contains("`timeout` of 5"),
        "{}",
        e.immediate_cause
    );
    assert!(
        e.likely_causes[0]
            .cause
            .contains("N sequential remote calls")
    );
}

#[test]
fn demo_trace_markdown_snapshot() {
    let trace = demo_trace();
    let md = to_markdown(&trace, &explain(&trace, &ExplainContext::default()));
    insta::assert_snapshot!(md);
}

fn trace(language: Runtime, exception: &str, message: &str, frames: Vec<Frame>) -> Trace {
    Trace {
        language,
        exception: exception.to_owned(),
        message: message.to_owned(),
        span: 0..0,
        header_span: 0..0,
        frames,
        caused_by: None,
        created_by: None,
    }
}

#[test]
fn library_frames_of_an_http_client_make_the_call_remote_and_are_named() {
    let t = trace(
        debuglens::langs::python::RUNTIME,
        "aiohttp.client_exceptions.ServerTimeoutError",
        "Timeout on reading data from socket",
        vec![
            frame(
                "/usr/lib/python3.12/site-packages/aiohttp/client_proto.py",
                310,
                "read",
                false,
                None,
            ),
            frame(
                "/usr/lib/python3.12/site-packages/aiohttp/client.py",
                705,
                "_request",
                false,
                None,
            ),
            frame("/app/clients/inventory.py", 67, "check_batch", true, None),
        ],
    );
    let e = explain(&t, &ExplainContext::default());
    assert!(
        e.immediate_cause
            .contains("the library frames above `check_batch` belong to aiohttp (http client)"),
        "{}",
        e.immediate_cause
    );
    let md = to_markdown(&t, &e);
    assert!(
        md.contains("App frames (1):\n- `check_batch` — /app/clients/inventory.py:67\n"),
        "{md}"
    );
    assert!(md.contains("Library frames (2):\n- `read` — /usr/lib/python3.12/site-packages/aiohttp/client_proto.py:310 (aiohttp, http client)\n"), "{md}");
}

#[test]
fn a_repeated_failure_says_how_often_and_adds_the_intermittent_hypotheses_last() {
    let ctx = ExplainContext {
        count: 7,
        first_line: Some(12),
        last_line: Some(240),
        ..ExplainContext::default()
    };
    let e = explain(&demo_trace(), &ctx);
    assert!(
        e.summary.ends_with("remote call, seen 7× (lines 12–240)."),
        "{}",
        e.summary
    );
    assert!(e.next_steps[0].starts_with(
        "Wide: `asyncio.TimeoutError` was seen 7× (lines 12–240): group the occurrences"
    ));
    // The entry's own 4 causes, then the intermittent ones; "external dependency" is already
    // covered by a timeout's own causes, so it is not repeated.
    let prefixes: Vec<&str> = e.likely_causes[4..]
        .iter()
        .map(|h| h.cause.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        prefixes,
        [
            "Data-dependent",
            "Resource exhaustion under load (connection/thread pool, memory, file descriptors, rate limit)",
            "Race condition",
            "Only some instances are affected (a bad host, a partial deploy, a different config or version)"
        ]
    );
    assert_eq!(
        e.likely_causes[4].cause,
        "Data-dependent: only some inputs trigger asyncio.TimeoutError (size, a rare value, a specific tenant or record)"
    );
}

#[test]
fn correlated_hypotheses_come_first() {
    let n_plus_one = Hypothesis {
        cause: "process_checkout awaits validate_inventory once per cart item (N+1 over HTTP)"
            .to_owned(),
        confirm: "Failing carts have more items than succeeding ones".to_owned(),
        rule_out: "Failing carts have a single item".to_owned(),
    };
    let ctx = ExplainContext {
        correlated: vec![n_plus_one.clone()],
        ..ExplainContext::default()
    };
    let e = explain(&demo_trace(), &ctx);
    assert_eq!(e.likely_causes[0], n_plus_one);
    assert!(e.likely_causes.len() > 1);
}

#[test]
fn the_workspace_source_line_wins_over_the_one_in_the_trace() {
    let ctx = ExplainContext {
        innermost_source: Some(
            "    response = await self.session.post(url, json=payload, timeout=3)  ".to_owned(),
        ),
        ..ExplainContext::default()
    };
    let e = explain(&demo_trace(), &ctx);
    assert!(
        e.immediate_cause
            .contains("on `response = await self.session.post(url, json=payload, timeout=3)`.")
    );
    assert!(
        e.immediate_cause
            .contains("`timeout` of 3 written on this line")
    );
}

#[test]
fn a_local_failure_is_called_local() {
    let t = trace(
        debuglens::langs::python::RUNTIME,
        "KeyError",
        "'user_id'",
        vec![frame(
            "/app/handlers/profile.py",
            21,
            "load_profile",
            true,
            Some("uid = payload['user_id']"),
        )],
    );
    let e = explain(&t, &ExplainContext::default());
    assert_eq!(
        e.summary,
        "`KeyError` in `load_profile` (/app/handlers/profile.py:21): A dict lookup used a key that is not in the dict — local failure."
    );
    assert!(e.immediate_cause.starts_with("`load_profile` at /app/handlers/profile.py:21 raised `KeyError: 'user_id'` on `uid = payload['user_id']`."));
    assert!(e.immediate_cause.contains("The failing call is local"));
}

#[test]
fn an_unknown_exception_gets_a_generic_but_trace_specific_answer() {
    let t = trace(
        debuglens::langs::java::RUNTIME,
        "com.acme.billing.LedgerTimeoutException",
        "ledger did not answer in 2000 ms",
        vec![
            frame(
                "OkHttpCall.java",
                204,
                "okhttp3.RealCall.execute",
                false,
                None,
            ),
            frame(
                "LedgerClient.kt",
                88,
                "com.acme.billing.LedgerClient.post",
                true,
                Some("val res = http.newCall(req).execute()"),
            ),
        ],
    );
    let e = explain(&t, &ExplainContext::default());
    assert_eq!(
        e.summary,
        "`com.acme.billing.LedgerTimeoutException` in `com.acme.billing.LedgerClient.post` (LedgerClient.kt:88): not in the knowledge base; guidance inferred from the name (kind: timeout) — remote call."
    );
    assert!(
        e.immediate_cause
            .contains("on `val res = http.newCall(req).execute()`")
    );
    assert!(e.immediate_cause.contains("belong to OkHttp (http client)"));
    assert!(
        e.likely_causes[0]
            .cause
            .contains("N sequential remote calls")
    );
    assert!(
        !e.immediate_cause.contains('{'),
        "unfilled placeholder: {}",
        e.immediate_cause
    );
}

#[test]
fn go_and_rust_panics_are_explained_by_their_message() {
    let go = trace(
        debuglens::langs::go::RUNTIME,
        "assignment to entry in nil map",
        "",
        vec![frame(
            "/src/app/cache.go",
            42,
            "main.(*Cache).Put",
            true,
            Some("c.items[k] = v"),
        )],
    );
    let e = explain(&go, &ExplainContext::default());
    assert!(
        e.summary
            .contains(": A write to a nil map — local failure."),
        "{}",
        e.summary
    );

    let rust = trace(
        debuglens::langs::rust::RUNTIME,
        "panic",
        "called `Option::unwrap()` on a `None` value",
        vec![frame("src/config.rs", 17, "app::config::load", true, None)],
    );
    let e = explain(&rust, &ExplainContext::default());
    assert!(
        e.summary.contains(": unwrap() on a None — local failure."),
        "{}",
        e.summary
    );
}

#[test]
fn a_trace_without_frames_still_explains() {
    let t = trace(
        debuglens::langs::javascript::RUNTIME,
        "Error",
        "connect ECONNREFUSED 127.0.0.1:5432",
        vec![],
    );
    let e = explain(&t, &ExplainContext::default());
    assert_eq!(
        e.summary,
        "`Error`: The connection was refused: nothing is listening at that address — probably a remote call."
    );
    assert!(e.immediate_cause.starts_with(
        "`Error: connect ECONNREFUSED 127.0.0.1:5432` was raised; the trace has no frames."
    ));
    let md = to_markdown(&t, &e);
    assert!(md.contains("App frames (0):\n- none\n"));
}
