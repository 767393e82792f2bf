//! One test per behaviour, with exact values.

use debuglens::traces;

const DEMO: &str = r#"Traceback (most recent call last):
  File "/app/handlers/checkout.py", line 145, in process_checkout
    order = await create_order(cart, user)
  File "/app/services/order.py", line 89, in create_order
    inventory_check = await validate_inventory(items)
  File "/app/services/inventory.py", line 34, in validate_inventory
    result = await inventory_client.check_batch(item_ids)
  File "/app/clients/inventory.py", line 67, in check_batch
    response = await self.session.post(url, json=payload, timeout=5)
asyncio.TimeoutError
"#;

#[test]
fn demo_checkout_trace_parses_exactly() {
    let ts = traces::scan(DEMO);
    assert_eq!(ts.len(), 1);
    let t = &ts[0];
    assert_eq!(t.language, debuglens::langs::python::RUNTIME);
    assert_eq!(t.exception, "asyncio.TimeoutError");
    assert_eq!(t.message, "");
    assert_eq!(t.frames.len(), 4);
    let f = &t.frames[0];
    assert_eq!(f.path, "/app/clients/inventory.py");
    assert_eq!(f.line, Some(67));
    assert_eq!(f.function.as_deref(), Some("check_batch"));
    assert_eq!(
        f.source_line.as_deref(),
        Some("response = await self.session.post(url, json=payload, timeout=5)")
    );
    assert!(f.in_app);
    assert_eq!(&DEMO[f.path_span.clone()], "/app/clients/inventory.py");
    assert_eq!(&DEMO[t.header_span.clone()], "asyncio.TimeoutError");
    assert_eq!(t.span, 0..DEMO.len() - 1);
    assert_eq!(t.frames[3].path, "/app/handlers/checkout.py");
}

#[test]
fn language_serializes_lowercase() {
    let v = serde_json::to_string(&[
        debuglens::langs::javascript::RUNTIME,
        debuglens::langs::dotnet::RUNTIME,
        debuglens::langs::java::RUNTIME,
    ])
    .unwrap_or_default();
    assert_eq!(v, r#"["javascript","dotnet","jvm"]"#);
}

#[test]
fn python_chained_exceptions_link_cause() {
    let text = "Traceback (most recent call last):\n  File \"/app/a.py\", line 3, in f\n    g()\nKeyError: 'x'\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"/app/b.py\", line 9, in main\n    f()\nRuntimeError: lookup failed\n";
    let ts = traces::scan(text);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0].exception, "KeyError");
    assert_eq!(ts[0].message, "'x'");
    assert_eq!(ts[1].exception, "RuntimeError");
    assert_eq!(ts[1].caused_by, Some(0));
    assert_eq!(traces::roots(&ts), vec![1]);
}

#[test]
fn python_exception_group_members_are_traces() {
    let text = "  + Exception Group Traceback (most recent call last):\n  |   File \"/app/m.py\", line 10, in <module>\n  |     asyncio.run(main())\n  | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)\n  +-+---------------- 1 ----------------\n    | Traceback (most recent call last):\n    |   File \"/app/m.py\", line 5, in fail\n    |     raise ValueError(\"boom\")\n    | ValueError: boom\n    +---------------- 2 ----------------\n    | TypeError: bad\n    +------------------------------------\n";
    let ts = traces::scan(text);
    let names: Vec<_> = ts.iter().map(|t| t.exception.as_str()).collect();
    assert_eq!(names, vec!["ExceptionGroup", "ValueError", "TypeError"]);
    assert_eq!(ts[1].frames[0].function.as_deref(), Some("fail"));
    assert_eq!(ts[1].frames[0].line, Some(5));
}

#[test]
fn python_caret_lines_and_frozen_frames() {
    let text = "Traceback (most recent call last):\n  File \"<frozen runpy>\", line 198, in _run_module_as_main\n  File \"/app/x.py\", line 2, in <module>\n    print(1/0)\n          ~^~\nZeroDivisionError: division by zero\n";
    let t = &traces::scan(text)[0];
    assert_eq!(t.frames.len(), 2);
    assert_eq!(t.frames[0].source_line.as_deref(), Some("print(1/0)"));
    assert!(t.frames[0].in_app);
    assert!(!t.frames[1].in_app);
}

#[test]
fn python_stdlib_and_site_packages_are_not_in_app() {
    let text = "Traceback (most recent call last):\n  File \"/usr/lib/python3.11/asyncio/tasks.py\", line 1, in x\n  File \"/venv/lib/python3.11/site-packages/aiohttp/client.py\", line 2, in y\n  File \"/app/z.py\", line 3, in z\nOSError: x\n";
    let t = &traces::scan(text)[0];
    let app: Vec<bool> = t.frames.iter().map(|f| f.in_app).collect();
    assert_eq!(app, vec![true, false, false]);
    assert_eq!(t.culprit().map(|f| f.path.as_str()), Some("/app/z.py"));
}

#[test]
fn markdown_quote_prefix_is_stripped() {
    let text = "> Traceback (most recent call last):\n>   File \"/app/a.py\", line 3, in f\n>     g()\n> ValueError: bad\n";
    let t = &traces::scan(text)[0];
    assert_eq!(t.exception, "ValueError");
    assert_eq!(t.frames[0].path, "/app/a.py");
    assert_eq!(&text[t.frames[0].path_span.clone()], "/app/a.py");
    assert_eq!(&text[t.header_span.clone()], "ValueError: bad");
}

#[test]
fn crlf_and_lone_cr_line_endings() {
    for sep in ["\r\n", "\r"] {
        let text = [
            "Traceback (most recent call last):",
            "  File \"/app/a.py\", line 3, in f",
            "    g()",
            "ValueError: bad",
            "",
        ]
        .join(sep);
        let t = &traces::scan(&text)[0];
        assert_eq!(t.exception, "ValueError");
        assert_eq!(t.frames[0].line, Some(3));
        assert_eq!(&text[t.header_span.clone()], "ValueError: bad");
    }
}

#[test]
fn two_traces_back_to_back() {
    let one = "TypeError: a is undefined\n    at f (/app/a.js:1:2)\n";
    let text = format!("{one}{one}");
    assert_eq!(traces::scan(&text).len(), 2);
}

#[test]
fn json_escaped_trace_keeps_original_offsets() {
    let text = r#"{"msg":"boom","stack":"Error: boom\n    at run (/app/r.js:3:9)\n    at main (/app/m.js:1:1)"}"#;
    let t = &traces::scan(text)[0];
    assert_eq!(t.language, debuglens::langs::javascript::RUNTIME);
    assert_eq!(t.exception, "Error");
    assert_eq!(t.frames.len(), 2);
    assert_eq!(&text[t.frames[0].path_span.clone()], "/app/r.js");
}

#[test]
fn javascript_async_new_and_as_frames() {
    let text = "Error: x\n    at async Promise.all (index 0)\n    at new Cart (/app/cart.js:4:11)\n    at Router.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)\n    at node:internal/main/run_main_module:28:49\n";
    let t = &traces::scan(text)[0];
    let f: Vec<_> = t
        .frames
        .iter()
        .map(|f| (f.function.as_deref(), f.line, f.in_app))
        .collect();
    assert_eq!(
        f,
        vec![
            (Some("Promise.all"), None, false),
            (Some("Cart"), Some(4), true),
            (Some("Router.handle"), Some(95), false),
            (None, Some(28), false)
        ]
    );
    assert_eq!(t.frames[1].column, Some(11));
}

#[test]
fn jvm_caused_by_links_to_outer() {
    let text = "Exception in thread \"main\" java.lang.IllegalStateException: boot failed\n\tat com.acme.App.start(App.java:20)\n\tat com.acme.App.main(App.java:5)\nCaused by: java.io.IOException: disk\n\tat com.acme.Store.open(Store.java:7)\n\t... 2 more\n";
    let ts = traces::scan(text);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0].exception, "java.lang.IllegalStateException");
    assert_eq!(ts[0].caused_by, Some(1));
    assert_eq!(ts[1].exception, "java.io.IOException");
    assert_eq!(
        ts[1].frames[0].function.as_deref(),
        Some("com.acme.Store.open")
    );
    assert_eq!(&text[ts[0].frames[0].path_span.clone()], "App.java:20");
}

#[test]
fn jvm_library_frames_are_not_in_app() {
    let text = "java.lang.NullPointerException\n\tat java.base/java.util.Objects.requireNonNull(Objects.java:209)\n\tat com.acme.Cart.add(Cart.java:12)\n";
    let t = &traces::scan(text)[0];
    assert!(!t.frames[0].in_app);
    assert!(t.frames[1].in_app);
}

#[test]
fn go_one_trace_per_goroutine_panicking_first() {
    let text = "panic: runtime error: index out of range [5] with length 3\n\ngoroutine 7 [running]:\nmain.worker(0x5)\n\t/app/worker.go:12 +0x1d\ncreated by main.main in goroutine 1\n\t/app/main.go:8 +0x25\n\ngoroutine 1 [chan receive]:\nmain.main()\n\t/app/main.go:9 +0x3c\n";
    let ts = traces::scan(text);
    assert_eq!(ts.len(), 2);
    // Issue 15: exception `panic`, the panic value as message, `created by` not a frame, the
    // other goroutines with exception "".
    assert_eq!(ts[0].exception, "panic");
    assert_eq!(
        ts[0].message,
        "runtime error: index out of range [5] with length 3"
    );
    assert_eq!(ts[0].frames.len(), 1);
    assert_eq!(ts[0].frames[0].function.as_deref(), Some("main.worker"));
    assert_eq!(ts[0].created_by.as_deref(), Some("main.main"));
    assert_eq!(ts[1].exception, "");
    assert_eq!(ts[1].created_by, None);
    assert_eq!(ts[1].message, "");
    assert_eq!(ts[1].frames.len(), 1);
}

#[test]
fn go_goroot_and_module_cache_are_not_in_app() {
    let text = "panic: boom\n\ngoroutine 1 [running]:\ngithub.com/x/y.F()\n\t/go/pkg/mod/github.com/x/y@v1.0.0/y.go:3 +0x1\nnet/http.(*conn).serve(0x1)\n\t/usr/local/go/src/net/http/server.go:2 +0x2\nmain.main()\n\t/app/main.go:9 +0x3\n";
    let t = &traces::scan(text)[0];
    assert_eq!(t.exception, "panic");
    assert_eq!(t.message, "boom");
    let app: Vec<bool> = t.frames.iter().map(|f| f.in_app).collect();
    assert_eq!(app, vec![false, false, true]);
}

#[test]
fn rust_new_style_panic_with_backtrace() {
    let text = "thread 'main' panicked at src/main.rs:5:10:\ncalled `Option::unwrap()` on a `None` value\nstack backtrace:\n   0: rust_begin_unwind\n             at /rustc/abc/library/std/src/panicking.rs:645:5\n   1: myapp::main\n             at ./src/main.rs:5:10\nnote: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n";
    let t = &traces::scan(text)[0];
    assert_eq!(t.exception, "panic");
    assert_eq!(t.message, "called `Option::unwrap()` on a `None` value");
    // Issue 15: the panic location is frame 0, the backtrace follows it.
    assert_eq!(t.frames.len(), 3);
    assert_eq!(
        (
            t.frames[0].path.as_str(),
            t.frames[0].line,
            t.frames[0].column
        ),
        ("src/main.rs", Some(5), Some(10))
    );
    assert!(!t.frames[1].in_app);
    assert_eq!(
        t.culprit().map(|f| (f.path.as_str(), f.line, f.column)),
        Some(("src/main.rs", Some(5), Some(10)))
    );
}

#[test]
fn ruby_reversed_order_is_innermost_first() {
    let text = "Traceback (most recent call last):\n\t2: from app.rb:7:in `<main>'\n\t1: from app.rb:4:in `foo'\napp.rb:2:in `bar': boom (RuntimeError)\n";
    let t = &traces::scan(text)[0];
    assert_eq!(t.language, debuglens::langs::ruby::RUNTIME);
    let lines: Vec<_> = t.frames.iter().map(|f| f.line).collect();
    assert_eq!(lines, vec![Some(2), Some(4), Some(7)]);
    assert_eq!(
        &text[t.header_span.clone()],
        "app.rb:2:in `bar': boom (RuntimeError)"
    );
}

#[test]
fn ruby_gems_are_not_in_app() {
    let text = "/app/lib/a.rb:3:in 'A#run': nope (ArgumentError)\n\tfrom /usr/local/bundle/gems/rack-3.0.0/lib/rack.rb:9:in 'call'\n";
    let t = &traces::scan(text)[0];
    assert_eq!(t.exception, "ArgumentError");
    assert_eq!(t.frames[0].function.as_deref(), Some("A#run"));
    assert!(t.frames[0].in_app && !t.frames[1].in_app);
}

#[test]
fn dotnet_inner_exception_links_cause() {
    let text = "System.InvalidOperationException: outer ---> System.ArgumentException: inner\n   at App.Inner() in /app/Inner.cs:line 3\n   --- End of inner exception stack trace ---\n   at App.Outer() in /app/Outer.cs:line 9\n";
    let ts = traces::scan(text);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0].exception, "System.InvalidOperationException");
    assert_eq!(ts[0].message, "outer");
    assert_eq!(ts[0].caused_by, Some(1));
    assert_eq!(ts[0].frames[0].path, "/app/Outer.cs");
    assert_eq!(ts[1].frames[0].line, Some(3));
}

#[test]
fn dotnet_localized_frames() {
    let fr =
        "Exception non gérée : System.Exception: x\n   à App.Run() dans C:\\app\\Run.cs:ligne 4\n";
    let es = "Excepción no controlada: System.Exception: x\n   en App.Run() en C:\\app\\Run.cs:línea 5\n";
    assert_eq!(traces::scan(fr)[0].frames[0].line, Some(4));
    assert_eq!(traces::scan(es)[0].frames[0].line, Some(5));
}

#[test]
fn php_next_links_previous_as_cause() {
    let text = "PHP Fatal error:  Uncaught Exception: inner in /app/t.php:3\nStack trace:\n#0 {main}\n\nNext RuntimeException: outer in /app/t.php:5\nStack trace:\n#0 /app/vendor/x/y.php(9): z()\n#1 {main}\n  thrown in /app/t.php on line 5\n";
    let ts = traces::scan(text);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[1].exception, "RuntimeException");
    assert_eq!(ts[1].caused_by, Some(0));
    assert_eq!(ts[1].frames.len(), 2);
    assert!(!ts[1].frames[1].in_app);
}

#[test]
fn truncated_trace_keeps_frames_up_to_the_break() {
    let text = "Traceback (most recent call last):\n  File \"/app/a.py\", line 1, in f\n    g()\n  File \"/app/b.py\", line 2, in g\n    h()\n  File \"/app/c.p";
    let t = &traces::scan(text)[0];
    assert_eq!(t.exception, "");
    assert_eq!(t.frames.len(), 2);
    assert_eq!(t.frames[0].path, "/app/b.py");
}

#[test]
fn identical_traces_are_grouped_with_count_and_lines() {
    let one = "2024-01-01T00:00:00Z ERROR TypeError: x is undefined\n    at f (/app/a.js:1:2)\n    at g (/app/node_modules/lib.js:3:4)\n";
    let other = "TypeError: x is undefined\n    at f (/app/a.js:9:2)\n";
    let text = format!("{one}noise\n{one}{other}{one}");
    let ts = traces::scan(&text);
    let groups = traces::group(&ts, &text);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].count, 3);
    assert_eq!(groups[0].members, vec![0, 1, 3]);
    assert_eq!((groups[0].first_line, groups[0].last_line), (1, 10));
    assert_eq!(groups[1].count, 1);
}
