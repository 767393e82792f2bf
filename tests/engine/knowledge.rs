//! The knowledge base: every file loads, the data meets its quality bar, and lookups pick the
//! entry a senior SRE would pick.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use debuglens::guidance::knowledge::{KINDS, KnowledgeBase, LANGUAGES, language_key, last_segment};
use debuglens::traces::Runtime;

/// Loaded with `load()` (not `builtin()`) so that a broken file fails here with its error.
fn kb() -> &'static KnowledgeBase {
    static KB: OnceLock<KnowledgeBase> = OnceLock::new();
    KB.get_or_init(|| match KnowledgeBase::load() {
        Ok(kb) => kb,
        Err(e) => panic!("{e}"),
    })
}

#[test]
fn every_knowledge_file_parses() {
    let kb = kb();
    assert!(!kb.generic_entries().is_empty());
    assert!(!kb.intermittent().is_empty());
    assert!(!kb.remote_clients().is_empty());
    assert!(!kb.remote_sources().is_empty());
}

#[test]
fn builtin_is_the_loaded_base() {
    assert_eq!(
        KnowledgeBase::builtin().entries().len(),
        kb().entries().len()
    );
}

#[test]
fn at_least_150_entries_and_12_per_runtime() {
    let kb = kb();
    let per: BTreeMap<&str, usize> = LANGUAGES
        .iter()
        .map(|l| (language_key(l), kb.entries_for(l).count()))
        .collect();
    assert!(kb.entries().len() >= 150, "{} entries", kb.entries().len());
    for (lang, n) in &per {
        assert!(*n >= 12, "{lang} has {n} entries");
    }
    for big in ["python", "javascript", "jvm"] {
        assert!(per[big] >= 20, "{big} has {}", per[big]);
    }
}

#[test]
fn entry_ids_are_unique_and_prefixed_by_their_runtime() {
    let kb = kb();
    let mut seen = HashSet::new();
    for e in kb.entries().iter().chain(kb.generic_entries()) {
        assert!(seen.insert(e.id.clone()), "duplicate id {}", e.id);
    }
    for l in LANGUAGES.iter() {
        let prefix = match *l {
            debuglens::langs::javascript::RUNTIME => "js.",
            other => language_key(&other),
        };
        for e in kb.entries_for(l) {
            assert!(
                e.id.starts_with(prefix),
                "{} is in {}",
                e.id,
                language_key(l)
            );
        }
    }
}

#[test]
fn every_entry_has_two_causes_with_evidence_and_two_next_steps() {
    let kb = kb();
    for e in kb.entries().iter().chain(kb.generic_entries()) {
        assert!(e.causes.len() >= 2, "{}: {} causes", e.id, e.causes.len());
        for c in &e.causes {
            assert!(!c.cause.trim().is_empty(), "{}: empty cause", e.id);
            assert!(
                !c.confirm.trim().is_empty(),
                "{}: empty confirm for {}",
                e.id,
                c.cause
            );
            assert!(
                !c.rule_out.trim().is_empty(),
                "{}: empty rule_out for {}",
                e.id,
                c.cause
            );
        }
        assert!(
            e.next_steps.len() >= 2,
            "{}: {} next steps",
            e.id,
            e.next_steps.len()
        );
        assert!(
            !e.title.trim().is_empty() && !e.immediate_cause.trim().is_empty(),
            "{}",
            e.id
        );
    }
}

#[test]
fn kinds_come_from_the_documented_set() {
    let kb = kb();
    for e in kb.entries().iter().chain(kb.generic_entries()) {
        assert!(
            KINDS.contains(&e.kind.as_str()),
            "{}: unknown kind {}",
            e.id,
            e.kind
        );
    }
    for c in kb.intermittent() {
        for k in &c.skip_kinds {
            assert!(
                KINDS.contains(&k.as_str()),
                "intermittent {:?}: unknown kind {k}",
                c.cause
            );
        }
    }
}

#[test]
fn timeout_entries_name_the_sequential_calls_cause() {
    let kb = kb();
    let timeouts: Vec<_> = kb
        .entries()
        .iter()
        .chain(kb.generic_entries())
        .filter(|e| e.kind == "timeout" && e.remote)
        .collect();
    assert!(timeouts.len() >= 15);
    let lacking: Vec<&str> = timeouts
        .iter()
        .filter(|e| {
            !e.causes.iter().any(|c| {
                let t = c.cause.to_lowercase();
                t.contains("n+1") || t.contains("sequential") || t.contains("per-item")
            })
        })
        .map(|e| e.id.as_str())
        .collect();
    // These time out on a timer that is not tied to a request's fan-out.
    let allowed = [
        "python.requests_connect_timeout",
        "python.celery_timeout",
        "js.abort_error",
    ];
    let unexpected: Vec<&&str> = lacking.iter().filter(|id| !allowed.contains(id)).collect();
    assert!(
        unexpected.is_empty(),
        "timeout entries without the N+1 cause: {unexpected:?}"
    );
}

#[test]
fn placeholders_are_only_the_known_ones() {
    let kb = kb();
    let re = regex::Regex::new(r"(?:^|[^%])(\{[a-z_]+\})").unwrap_or_else(|e| panic!("{e}"));
    let known = ["{exception}", "{function}", "{location}"];
    for e in kb.entries().iter().chain(kb.generic_entries()) {
        let texts = [e.immediate_cause.as_str(), e.fix.as_deref().unwrap_or("")]
            .into_iter()
            .chain(e.next_steps.iter().map(String::as_str))
            .chain(
                e.causes
                    .iter()
                    .flat_map(|c| [c.cause.as_str(), c.confirm.as_str(), c.rule_out.as_str()]),
            );
        for t in texts {
            // `%{time_connect}` is curl's format, not ours.
            for m in re.captures_iter(t).filter_map(|c| c.get(1)) {
                assert!(
                    known.contains(&m.as_str()),
                    "{}: unknown placeholder {}",
                    e.id,
                    m.as_str()
                );
            }
        }
    }
}

#[test]
fn no_name_is_listed_twice_without_a_message_regex_in_one_runtime() {
    // Two regex-less entries listing the same name would make the second unreachable.
    let kb = kb();
    for l in LANGUAGES.iter() {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for e in kb.entries_for(l).filter(|e| e.message_regex.is_none()) {
            for name in &e.exceptions {
                if let Some(first) = seen.insert(name, &e.id) {
                    panic!(
                        "{name} is listed by {first} and {} without a message_regex",
                        e.id
                    );
                }
            }
        }
    }
}

#[test]
fn last_segment_handles_every_runtimes_qualification() {
    assert_eq!(
        last_segment("asyncio.exceptions.TimeoutError"),
        "TimeoutError"
    );
    assert_eq!(
        last_segment("ActiveRecord::RecordNotFound"),
        "RecordNotFound"
    );
    assert_eq!(
        last_segment("Illuminate\\Database\\QueryException"),
        "QueryException"
    );
    assert_eq!(last_segment("Outer+Inner"), "Inner");
    assert_eq!(
        last_segment("a.B$AnnotatedConnectException"),
        "AnnotatedConnectException"
    );
    assert_eq!(
        last_segment("runtime error: index out of range"),
        "runtime error: index out of range"
    );
    assert_eq!(last_segment("KeyError"), "KeyError");
}

#[allow(non_upper_case_globals)]
const Python: Runtime = debuglens::langs::python::RUNTIME;
#[allow(non_upper_case_globals)]
const JavaScript: Runtime = debuglens::langs::javascript::RUNTIME;
#[allow(non_upper_case_globals)]
const Jvm: Runtime = debuglens::langs::java::RUNTIME;
#[allow(non_upper_case_globals)]
const Go: Runtime = debuglens::langs::go::RUNTIME;
#[allow(non_upper_case_globals)]
const Rust: Runtime = debuglens::langs::rust::RUNTIME;
#[allow(non_upper_case_globals)]
const Ruby: Runtime = debuglens::langs::ruby::RUNTIME;
#[allow(non_upper_case_globals)]
const DotNet: Runtime = debuglens::langs::dotnet::RUNTIME;
#[allow(non_upper_case_globals)]
const Php: Runtime = debuglens::langs::php::RUNTIME;

/// (language, exception as printed, first message line, expected entry id)
const LOOKUPS: &[(Runtime, &str, &str, &str)] = &[
    // Python
    (Python, "asyncio.TimeoutError", "", "python.asyncio_timeout"),
    (Python, "TimeoutError", "", "python.asyncio_timeout"),
    (
        Python,
        "aiohttp.client_exceptions.ServerTimeoutError",
        "Timeout on reading data from socket",
        "python.aiohttp_server_timeout",
    ),
    (
        Python,
        "aiohttp.client_exceptions.ClientConnectorError",
        "Cannot connect to host inventory:8080 ssl:default [Connection refused]",
        "python.aiohttp_connector",
    ),
    (
        Python,
        "aiohttp.client_exceptions.ClientResponseError",
        "503, message='Service Unavailable'",
        "python.aiohttp_response_error",
    ),
    (
        Python,
        "requests.exceptions.ReadTimeout",
        "HTTPSConnectionPool(host='api', port=443): Read timed out. (read timeout=5)",
        "python.requests_read_timeout",
    ),
    (
        Python,
        "requests.exceptions.ConnectionError",
        "HTTPSConnectionPool(host='api', port=443): Max retries exceeded",
        "python.requests_connection_error",
    ),
    (
        Python,
        "httpx.ReadTimeout",
        "timed out",
        "python.httpx_timeout",
    ),
    (
        Python,
        "psycopg2.OperationalError",
        "canceling statement due to statement timeout",
        "python.psycopg_operational",
    ),
    (
        Python,
        "sqlalchemy.exc.TimeoutError",
        "QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00",
        "python.sqlalchemy_pool_timeout",
    ),
    (
        Python,
        "redis.exceptions.ConnectionError",
        "Error 111 connecting to redis:6379. Connection refused.",
        "python.redis_connection",
    ),
    (
        Python,
        "redis.exceptions.TimeoutError",
        "Timeout reading from socket",
        "python.redis_connection",
    ),
    (
        Python,
        "grpc._channel._InactiveRpcError",
        "<_InactiveRpcError of RPC that terminated with: status = StatusCode.DEADLINE_EXCEEDED",
        "python.grpc_deadline",
    ),
    (
        Python,
        "grpc._channel._InactiveRpcError",
        "status = StatusCode.UNAVAILABLE details = \"failed to connect to all addresses\"",
        "python.grpc_unavailable",
    ),
    (
        Python,
        "grpc._channel._InactiveRpcError",
        "status = StatusCode.INVALID_ARGUMENT",
        "python.grpc_error",
    ),
    (
        Python,
        "AttributeError",
        "'NoneType' object has no attribute 'items'",
        "python.nonetype_attribute",
    ),
    (
        Python,
        "AttributeError",
        "module 'jwt' has no attribute 'encode'",
        "python.attribute_error",
    ),
    (Python, "KeyError", "'user_id'", "python.key_error"),
    (
        Python,
        "orders.models.Order.DoesNotExist",
        "Order matching query does not exist.",
        "python.django_does_not_exist",
    ),
    (
        Python,
        "django.db.utils.IntegrityError",
        "duplicate key value violates unique constraint",
        "python.integrity_error",
    ),
    (
        Python,
        "json.decoder.JSONDecodeError",
        "Expecting value: line 1 column 1 (char 0)",
        "python.json_decode",
    ),
    (
        Python,
        "ModuleNotFoundError",
        "No module named 'yaml'",
        "python.import_error",
    ),
    // JavaScript
    (
        JavaScript,
        "TypeError",
        "Cannot read properties of undefined (reading 'x')",
        "js.cannot_read_properties",
    ),
    (
        JavaScript,
        "TypeError",
        "Cannot read property 'map' of null",
        "js.cannot_read_properties",
    ),
    (
        JavaScript,
        "TypeError",
        "user.getName is not a function",
        "js.not_a_function",
    ),
    (JavaScript, "TypeError", "fetch failed", "js.fetch_failed"),
    (
        JavaScript,
        "ReferenceError",
        "window is not defined",
        "js.reference_error",
    ),
    (
        JavaScript,
        "RangeError",
        "Maximum call stack size exceeded",
        "js.max_call_stack",
    ),
    (
        JavaScript,
        "Error",
        "connect ECONNREFUSED 127.0.0.1:5432",
        "js.econnrefused",
    ),
    (JavaScript, "Error", "read ECONNRESET", "js.econnreset"),
    (
        JavaScript,
        "Error",
        "getaddrinfo ENOTFOUND inventory.internal",
        "js.enotfound",
    ),
    (
        JavaScript,
        "Error",
        "listen EADDRINUSE: address already in use :::3000",
        "js.eaddrinuse",
    ),
    (
        JavaScript,
        "Error",
        "EMFILE: too many open files, open '/data/x.json'",
        "js.emfile",
    ),
    (
        JavaScript,
        "AxiosError",
        "timeout of 5000ms exceeded",
        "js.etimedout",
    ),
    (
        JavaScript,
        "AxiosError",
        "Request failed with status code 503",
        "js.axios_status",
    ),
    (
        JavaScript,
        "SyntaxError",
        "Unexpected token < in JSON at position 0",
        "js.json_syntax",
    ),
    (
        JavaScript,
        "FATAL ERROR",
        "Reached heap limit Allocation failed - JavaScript heap out of memory",
        "js.heap_oom",
    ),
    (
        JavaScript,
        "PrismaClientKnownRequestError",
        "Unique constraint failed on the fields: (`email`)",
        "js.prisma_known",
    ),
    (
        JavaScript,
        "TimeoutError",
        "The operation was aborted due to timeout",
        "js.abort_error",
    ),
    // JVM
    (
        Jvm,
        "java.lang.NullPointerException",
        "Cannot invoke \"String.length()\" because \"s\" is null",
        "jvm.npe",
    ),
    (
        Jvm,
        "java.util.ConcurrentModificationException",
        "",
        "jvm.concurrent_modification",
    ),
    (
        Jvm,
        "java.lang.OutOfMemoryError",
        "Java heap space",
        "jvm.oom_heap",
    ),
    (
        Jvm,
        "java.lang.OutOfMemoryError",
        "Metaspace",
        "jvm.oom_metaspace",
    ),
    (
        Jvm,
        "java.lang.OutOfMemoryError",
        "GC overhead limit exceeded",
        "jvm.oom_gc_overhead",
    ),
    (
        Jvm,
        "java.net.SocketTimeoutException",
        "Read timed out",
        "jvm.socket_timeout",
    ),
    (
        Jvm,
        "java.net.ConnectException",
        "Connection refused",
        "jvm.connect_exception",
    ),
    (
        Jvm,
        "org.hibernate.LazyInitializationException",
        "failed to lazily initialize a collection of role",
        "jvm.lazy_initialization",
    ),
    (
        Jvm,
        "kotlin.UninitializedPropertyAccessException",
        "lateinit property repo has not been initialized",
        "jvm.kotlin_lateinit",
    ),
    (
        Jvm,
        "java.sql.SQLTransientConnectionException",
        "HikariPool-1 - Connection is not available, request timed out after 30000ms.",
        "jvm.sql_timeout",
    ),
    (
        Jvm,
        "java.util.concurrent.TimeoutException",
        "",
        "jvm.timeout_exception",
    ),
    (
        Jvm,
        "com.example.client.TimeoutException",
        "",
        "jvm.timeout_exception",
    ),
    // Go
    (Go, "assignment to entry in nil map", "", "go.nil_map_write"),
    (
        Go,
        "runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]",
        "go.nil_pointer",
    ),
    (
        Go,
        "runtime error: index out of range",
        "[5] with length 3",
        "go.index_out_of_range",
    ),
    (
        Go,
        "runtime error: slice bounds out of range",
        "[:8] with capacity 4",
        "go.slice_bounds",
    ),
    (Go, "concurrent map writes", "", "go.concurrent_map"),
    (
        Go,
        "concurrent map read and map write",
        "",
        "go.concurrent_map",
    ),
    (
        Go,
        "all goroutines are asleep - deadlock!",
        "",
        "go.deadlock",
    ),
    (
        Go,
        "interface conversion",
        "interface {} is float64, not int",
        "go.interface_conversion",
    ),
    (Go, "send on closed channel", "", "go.closed_channel"),
    (Go, "context deadline exceeded", "", "go.context_deadline"),
    (
        Go,
        "runtime: goroutine stack exceeds 1000000000-byte limit",
        "",
        "go.stack_overflow",
    ),
    (
        Go,
        "dial tcp 10.0.0.5:5432: i/o timeout",
        "",
        "go.io_timeout",
    ),
    (
        Go,
        "dial tcp 10.0.0.5:5432: connect: connection refused",
        "",
        "go.connection_refused",
    ),
    (Go, "something else entirely", "", "go.panic_generic"),
    // Rust
    (
        Rust,
        "panic",
        "called `Option::unwrap()` on a `None` value",
        "rust.unwrap_none",
    ),
    (
        Rust,
        "panic",
        "called `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }",
        "rust.unwrap_err",
    ),
    (
        Rust,
        "panic",
        "called `Result::unwrap()` on an `Err` value: reqwest::Error { kind: Request, source: TimedOut }",
        "rust.reqwest_timeout",
    ),
    (
        Rust,
        "panic",
        "failed to load config: Error(\"missing field `port`\")",
        "rust.expect",
    ),
    (
        Rust,
        "panic",
        "index out of bounds: the len is 3 but the index is 5",
        "rust.index_out_of_bounds",
    ),
    (
        Rust,
        "panic",
        "attempt to subtract with overflow",
        "rust.arithmetic_overflow",
    ),
    (
        Rust,
        "panic",
        "already mutably borrowed: BorrowError",
        "rust.refcell_borrow",
    ),
    (
        Rust,
        "panic",
        "slice index starts at 4 but ends at 2",
        "rust.slice_index",
    ),
    (
        Rust,
        "panic",
        "byte index 3 is not a char boundary; it is inside 'é' (bytes 2..4) of `café`",
        "rust.char_boundary",
    ),
    (
        Rust,
        "panic",
        "attempt to divide by zero",
        "rust.divide_by_zero",
    ),
    (Rust, "panic", "not yet implemented", "rust.explicit_panic"),
    (
        Rust,
        "panic",
        "Cannot start a runtime from within a runtime. This happens because a function (like `block_on`) attempted to block the current thread",
        "rust.tokio_nested_runtime",
    ),
    (
        Rust,
        "panic",
        "there is no reactor running, must be called from the context of a Tokio 1.x runtime",
        "rust.tokio_no_reactor",
    ),
    (
        Rust,
        "panic",
        "the disk is full",
        "rust.explicit_panic_generic",
    ),
    // Ruby
    (
        Ruby,
        "NoMethodError",
        "undefined method `name' for nil:NilClass",
        "ruby.no_method_nil",
    ),
    (
        Ruby,
        "NoMethodError",
        "undefined method `name' for nil",
        "ruby.no_method_nil",
    ),
    (
        Ruby,
        "ActiveRecord::RecordNotFound",
        "Couldn't find User with 'id'=42",
        "ruby.record_not_found",
    ),
    (
        Ruby,
        "Net::ReadTimeout",
        "Net::ReadTimeout with #<TCPSocket:(closed)>",
        "ruby.net_timeout",
    ),
    (
        Ruby,
        "Errno::ECONNREFUSED",
        "Failed to open TCP connection to api:443",
        "ruby.econnrefused",
    ),
    (
        Ruby,
        "FrozenError",
        "can't modify frozen String: \"abc\"",
        "ruby.frozen_error",
    ),
    // .NET
    (
        DotNet,
        "System.NullReferenceException",
        "Object reference not set to an instance of an object.",
        "dotnet.null_reference",
    ),
    (
        DotNet,
        "System.Threading.Tasks.TaskCanceledException",
        "The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.",
        "dotnet.task_canceled_timeout",
    ),
    (
        DotNet,
        "System.Threading.Tasks.TaskCanceledException",
        "A task was canceled.",
        "dotnet.operation_canceled",
    ),
    (
        DotNet,
        "System.InvalidOperationException",
        "Collection was modified; enumeration operation may not execute.",
        "dotnet.collection_modified",
    ),
    (
        DotNet,
        "System.InvalidOperationException",
        "Sequence contains no elements",
        "dotnet.sequence_empty",
    ),
    (
        DotNet,
        "System.InvalidOperationException",
        "Nullable object must have a value.",
        "dotnet.invalid_operation",
    ),
    (
        DotNet,
        "Microsoft.Data.SqlClient.SqlException",
        "Execution Timeout Expired.  The timeout period elapsed prior to completion of the operation",
        "dotnet.sql_timeout",
    ),
    (
        DotNet,
        "Microsoft.Data.SqlClient.SqlException",
        "Transaction (Process ID 52) was deadlocked on lock resources",
        "dotnet.sql_deadlock",
    ),
    // PHP
    (
        Php,
        "Error",
        "Call to a member function format() on null",
        "php.member_function_on_null",
    ),
    (
        Php,
        "Symfony\\Component\\ErrorHandler\\Error\\FatalError",
        "Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes)",
        "php.memory_exhausted",
    ),
    (
        Php,
        "Symfony\\Component\\ErrorHandler\\Error\\FatalError",
        "Maximum execution time of 30 seconds exceeded",
        "php.max_execution_time",
    ),
    (
        Php,
        "ErrorException",
        "Undefined array key \"email\"",
        "php.undefined_key",
    ),
    (
        Php,
        "GuzzleHttp\\Exception\\ConnectException",
        "cURL error 28: Operation timed out after 5001 milliseconds",
        "php.guzzle_connect",
    ),
    (
        Php,
        "Illuminate\\Database\\Eloquent\\ModelNotFoundException",
        "No query results for model [App\\Models\\Order] 42",
        "php.model_not_found",
    ),
    (
        Php,
        "Illuminate\\Database\\QueryException",
        "SQLSTATE[23000]: Integrity constraint violation",
        "php.query_exception",
    ),
    (
        Php,
        "Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException",
        "No route found for \"GET /foo\"",
        "php.not_found_http",
    ),
    (
        Php,
        "PDOException",
        "SQLSTATE[HY000] [2002] Connection refused",
        "php.pdo_exception",
    ),
];

#[test]
fn representative_lookups_return_the_expected_entry() {
    let kb = kb();
    let mut wrong = Vec::new();
    for (lang, exception, message, want) in LOOKUPS {
        let got = kb.lookup(lang, exception, message).map(|e| e.id.as_str());
        if got != Some(*want) {
            wrong.push(format!(
                "{}: {exception} / {message:?}: got {got:?}, want {want}",
                language_key(lang)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong lookups:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(LOOKUPS.len() >= 40);
}

#[test]
fn qualified_names_fall_back_to_other_runtimes_but_bare_ones_do_not() {
    let kb = kb();
    // A grpc error printed by a Python tool running under another label still resolves.
    let e = kb.lookup(
        &Ruby,
        "grpc._channel._InactiveRpcError",
        "StatusCode.DEADLINE_EXCEEDED",
    );
    assert_eq!(e.map(|e| e.id.as_str()), Some("python.grpc_deadline"));
    // A bare name never borrows another runtime's meaning.
    let e = kb.lookup(
        &Ruby,
        "AttributeError",
        "'NoneType' object has no attribute 'x'",
    );
    assert_eq!(e.map(|e| e.id.as_str()), None);
}

#[test]
fn unknown_names_get_generic_guidance_by_kind() {
    let kb = kb();
    let kind = |name: &str| kb.generic(name, "").map(|e| e.id.as_str());
    assert_eq!(kind("FooTimeoutError"), Some("generic.timeout"));
    assert_eq!(kind("UpstreamConnectionLost"), Some("generic.connection"));
    assert_eq!(kind("NullValueException"), Some("generic.null"));
    assert_eq!(kind("ThingNotFound"), Some("generic.not_found"));
    assert_eq!(kind("PermissionDeniedError"), Some("generic.permission"));
    assert_eq!(kind("WeirdError"), Some("generic.unknown"));
}

#[test]
fn remote_clients_are_scoped_to_their_runtime() {
    let kb = kb();
    let client = |l: Runtime, path: &str, f: Option<&str>| {
        kb.remote_client_of(&l, path, f).map(|c| c.name.as_str())
    };
    assert_eq!(
        client(
            Python,
            "/usr/lib/python3.12/site-packages/aiohttp/client.py",
            Some("_request")
        ),
        Some("aiohttp")
    );
    assert_eq!(
        client(
            Go,
            "/usr/local/go/src/net/http/client.go",
            Some("net/http.(*Client).do")
        ),
        Some("net/http")
    );
    assert_eq!(
        client(
            Jvm,
            "SocketInputStream.java",
            Some("java.net.SocketInputStream.read")
        ),
        Some("java.net sockets")
    );
    assert_eq!(
        client(Ruby, "/gems/redis-5.0.6/lib/redis/client.rb", None),
        Some("redis-rb")
    );
    assert_eq!(
        client(Rust, "/gems/redis-5.0.6/lib/redis/client.rb", None),
        Some("redis-rs")
    );
    assert_eq!(
        client(Python, "/app/services/order.py", Some("create_order")),
        None
    );
}
