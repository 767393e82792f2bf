//! Markdown documents for the debugging workflow: why an N+1 is slow here, an investigation
//! plan (wide → narrow → focused → fix), a test plan for the fix and a post-incident report.
//!
//! Pure: findings, traces and explanations in, markdown out. Links are relative to the
//! workspace root (`[clients/inventory.py:45](clients/inventory.py#L45)`) so they work in a
//! hover, in a file under the workspace and on a code host. Placeholders the user fills in are
//! written `_…_`.

use std::fmt::Write as _;

use super::explain::{Explanation, location};
use crate::code::Finding;
use crate::code::catalog::ApiKind;
use crate::traces::{Language, Trace};

/// Collection sizes for the "why it is slow" table.
pub const EXPLAIN_SIZES: [usize; 6] = [1, 5, 7, 10, 20, 50];
/// Collection sizes for staging and integration tests (the seed's).
pub const TEST_SIZES: [usize; 6] = [1, 5, 10, 20, 50, 100];
/// Per-call latency used for examples when none is configured.
pub const DEFAULT_CALL_LATENCY_MS: u64 = 1500;

const BAR_WIDTH: usize = 30;

/// `[path:line](path#Lline)`.
pub fn link(path: &str, line: usize) -> String {
    format!("[{path}:{line}]({path}#L{line})")
}

/// `1.5 s`, `10 s`, `75 s`, `0.2 s`.
pub fn secs(ms: u64) -> String {
    let tenths = (ms + 50) / 100;
    if tenths % 10 == 0 {
        format!("{} s", tenths / 10)
    } else {
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

/// The client timeout in milliseconds, from the finding's literal (`timeout=5`, `5000` in JS
/// clients, `5 * time.Second`, `Duration::from_secs(5)`).
pub fn timeout_ms(finding: &Finding) -> Option<u64> {
    let t = finding.timeout.as_deref()?;
    let v = t.split_once('=').map(|(_, v)| v).unwrap_or(t).trim();
    let v = v
        .strip_prefix("Duration::from_secs(")
        .or_else(|| v.strip_prefix("Duration.ofSeconds("))
        .unwrap_or(v);
    let millis_hint =
        v.contains("from_millis") || v.contains("ofMillis") || v.contains("Millisecond");
    let v = v.trim_start_matches(|c: char| !c.is_ascii_digit());
    let num: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n: f64 = num.parse().ok()?;
    let rest = v.get(num.len()..).unwrap_or("").trim_start();
    let is_ms = millis_hint
        || rest.starts_with("ms")
        || (rest.is_empty() && n >= 100.0 && !matches!(finding.kind, ApiKind::Db));
    let ms = if is_ms { n } else { n * 1000.0 };
    (ms.is_finite() && ms > 0.0).then_some(ms.round() as u64)
}

fn what(kind: ApiKind, method: Option<&str>) -> String {
    match (kind, method) {
        (ApiKind::Http, Some(m)) => format!("{m} round trip"),
        (ApiKind::Http, None) => "HTTP round trip".to_owned(),
        (ApiKind::Rpc, _) => "RPC round trip".to_owned(),
        (ApiKind::Db, _) => "database round trip".to_owned(),
        (ApiKind::Cache, _) => "cache round trip".to_owned(),
        (ApiKind::Cloud, _) => "cloud API round trip".to_owned(),
    }
}

/// The source line at 1-based `line` of `path`, trimmed.
fn source_line(files: &dyn Fn(&str) -> Option<String>, path: &str, line: usize) -> Option<String> {
    let text = files(path)?;
    let l = text.lines().nth(line.checked_sub(1)?)?.trim();
    (!l.is_empty()).then(|| l.to_owned())
}

fn loop_desc(f: &Finding) -> String {
    f.loops
        .first()
        .map(|l| format!("`{}`", l.header))
        .unwrap_or_else(|| "a loop".to_owned())
}

fn collection(f: &Finding) -> String {
    f.loops
        .first()
        .and_then(|l| l.iterable.clone())
        .map(|i| format!("`{i}`"))
        .unwrap_or_else(|| "the collection".to_owned())
}

fn callee(f: &Finding) -> String {
    format!("`{}()`", f.callee)
}

fn api(f: &Finding) -> Option<&str> {
    f.chain.iter().rev().find_map(|h| h.api.as_deref())
}

/// Per-language wording of "bounded concurrency".
fn concurrency_hint(f: &Finding) -> &'static str {
    match crate::code::Lang::from_path(&f.path).map(|l| l.family()) {
        Some("python") if f.in_async => {
            "`asyncio.gather` over the items with an `asyncio.Semaphore(k)` (or `asyncio.TaskGroup`)"
        }
        Some("python") => "a `ThreadPoolExecutor(max_workers=k)` mapping over the items",
        Some("javascript") => "`Promise.all` over chunks of k items (or `p-limit(k)`)",
        Some("go") => "an `errgroup.Group` with `SetLimit(k)`",
        Some("rust") => "`futures::stream::iter(items).map(..).buffer_unordered(k)`",
        Some("java") => "`CompletableFuture`s on an executor with k threads",
        _ => "k calls in flight at a time",
    }
}

/// Markdown explaining one N+1 finding: the chain, why it is slow here (N × per-call latency
/// against the client's timeout, table and bar chart), why small test data hides it, the fix
/// options and the pitfall of treating the symptom.
pub fn explain_n_plus_one(
    finding: &Finding,
    assumed_call_latency_ms: u64,
    files: &dyn Fn(&str) -> Option<String>,
) -> String {
    let f = finding;
    let latency = assumed_call_latency_ms.max(1);
    let timeout = timeout_ms(f);
    let trip = what(f.kind, f.http_method.as_deref());
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## N+1: {} makes one remote call per item of {}\n",
        callee(f),
        collection(f)
    );
    let _ = writeln!(
        md,
        "{} calls {} inside {}. Each iteration waits for a {trip}, so N items cost N sequential remote calls.\n",
        link(&f.path, f.line()),
        callee(f),
        loop_desc(f),
    );
    if let Some(reason) = &f.sequential_reason {
        let _ = writeln!(
            md,
            "> This loop {reason}; if each call really needs the previous result, it cannot be batched.\n"
        );
    }

    let _ = writeln!(md, "### Call chain\n");
    let loop_line = f.loops.first().map(|l| l.span.start.line + 1);
    let mut step = 1;
    if let Some(ll) = loop_line {
        let _ = writeln!(md, "{step}. {} — loop {}", link(&f.path, ll), loop_desc(f));
        step += 1;
    }
    let _ = writeln!(
        md,
        "{step}. {} — calls {}",
        link(&f.path, f.line()),
        callee(f)
    );
    if let Some(src) = source_line(files, &f.path, f.line()) {
        let _ = writeln!(md, "   `{src}`");
    }
    for hop in &f.chain {
        step += 1;
        let line = hop.span.start.line + 1;
        let target = match &hop.api {
            Some(a) => format!(" → **{a}** (remote)"),
            None => String::new(),
        };
        let _ = writeln!(
            md,
            "{step}. {} — in `{}`{target}",
            link(&hop.path, line),
            hop.function
        );
        if let Some(src) = source_line(files, &hop.path, line) {
            let _ = writeln!(md, "   `{src}`");
        }
    }

    let _ = writeln!(md, "\n### Why it is slow here\n");
    let api_name = api(f).map(|a| format!(" ({a})")).unwrap_or_default();
    match timeout {
        Some(t) => {
            let lit = f.timeout.as_deref().unwrap_or("");
            let _ = writeln!(
                md,
                "Time ≈ N × per-call latency. Assumed per-call latency: **{}**{api_name}; client timeout: **{}** (`{lit}`).\n",
                secs(latency),
                secs(t)
            );
        }
        None => {
            let _ = writeln!(
                md,
                "Time ≈ N × per-call latency. Assumed per-call latency: **{}**{api_name}; no client timeout is visible on the call, so compare with the request's own budget (gateway, load balancer or caller timeout).\n",
                secs(latency)
            );
        }
    }
    let _ = writeln!(
        md,
        "| items (N) | remote calls | time (sequential) |{}",
        if timeout.is_some() {
            " vs timeout |"
        } else {
            ""
        }
    );
    let _ = writeln!(
        md,
        "|---:|---:|---:|{}",
        if timeout.is_some() { ":---|" } else { "" }
    );
    for n in EXPLAIN_SIZES {
        let total = latency.saturating_mul(n as u64);
        let verdict = match timeout {
            Some(t) if total > t => format!(" **exceeds {}** |", secs(t)),
            Some(_) => " within |".to_owned(),
            None => String::new(),
        };
        let _ = writeln!(md, "| {n} | {n} | {} |{verdict}", secs(total));
    }
    let max_total = latency.saturating_mul(EXPLAIN_SIZES[EXPLAIN_SIZES.len() - 1] as u64);
    let _ = writeln!(md, "\n```text");
    for n in EXPLAIN_SIZES {
        let total = latency.saturating_mul(n as u64);
        let width =
            ((total as u128 * BAR_WIDTH as u128).div_ceil(max_total.max(1) as u128)) as usize;
        let bar = "█".repeat(width.max(1));
        let mark = match timeout {
            Some(t) if total > t => " ✗",
            Some(_) => " ✓",
            None => "",
        };
        let _ = writeln!(
            md,
            "N={n:<3} {bar:<w$} {}{mark}",
            secs(total),
            w = BAR_WIDTH
        );
    }
    if let Some(t) = timeout {
        let _ = writeln!(md, "✗ = over the {} timeout", secs(t));
    }
    let _ = writeln!(md, "```\n");
    if let Some(t) = timeout {
        let first_over = (t / latency) + 1;
        let _ = writeln!(
            md,
            "At {} per call, **{first_over} items** already take {} > {}. For example 7 items × {} = {}. `{}` limits each call; the request waits for all N of them, and N sequential calls per request multiply the load on the remote service, which raises its latency until single calls cross the timeout too.\n",
            secs(latency),
            secs(latency.saturating_mul(first_over)),
            secs(t),
            secs(latency),
            secs(latency.saturating_mul(7)),
            f.timeout.as_deref().unwrap_or("timeout"),
        );
    }

    let _ = writeln!(md, "### Why small test data hides it\n");
    let _ = writeln!(
        md,
        "With the 1–2 items typical of staging or unit-test data the loop makes 1–2 calls ({}–{}){}, so everything passes. Production inputs are larger and vary: a ~10% failure rate often means \"the requests with the most items\". Test with production-sized collections (p50, p95 and max N).\n",
        secs(latency),
        secs(latency.saturating_mul(2)),
        match timeout {
            Some(t) if latency.saturating_mul(2) <= t => format!(", under the {} timeout", secs(t)),
            _ => String::new(),
        }
    );

    let _ = writeln!(md, "### Fix options\n");
    let mut i = 1;
    if let Some(b) = &f.batch_alternative {
        let _ = writeln!(
            md,
            "{i}. **Batch API** — call `{}` ({}) once with all items instead of {} per item; split collections larger than the batch limit into chunks. N items → ⌈N / limit⌉ calls.",
            b.name,
            link(&b.path, b.span.start.line + 1),
            callee(f)
        );
    } else {
        let _ = writeln!(
            md,
            "{i}. **Batch API** — none found in the workspace or the catalog; if the remote service offers one (`*_batch`, `*_many`, `get_multi`, `IN (...)`), call it once per chunk of items."
        );
    }
    i += 1;
    let _ = writeln!(
        md,
        "{i}. **Bounded concurrency** — {}: time ≈ ⌈N / k⌉ × latency, but still N calls of load on the remote service.",
        concurrency_hint(f)
    );
    i += 1;
    let _ = writeln!(
        md,
        "{i}. **Cache or prefetch** — fetch the data once before the loop (or cache per key with a short TTL) when the same keys repeat across requests.\n"
    );

    let _ = writeln!(md, "### Pitfall: fixing the symptom, not the cause\n");
    let _ = writeln!(
        md,
        "A retry or a longer timeout makes the error go away for a while, but the N+1 is still there: N calls still take N × latency, and retries add load to a service that is already slow. Ask *why* it is slow (this loop) and verify the fix with a test that fails before it and passes after."
    );
    md
}

fn slug(s: &str) -> String {
    let last = s
        .rsplit(['.', ':', '\\', '$'])
        .find(|p| !p.trim().is_empty())
        .unwrap_or(s);
    let mut out = String::new();
    for c in last.chars() {
        if c.is_ascii_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "error".to_owned()
    } else {
        out
    }
}

fn language_name(l: Language) -> &'static str {
    crate::langs::trace_format(l).name
}

fn exception_name(t: &Trace) -> &str {
    if t.exception.trim().is_empty() {
        "error"
    } else {
        t.exception.trim()
    }
}

/// `TimeoutError in `check` (/app/clients/inventory.py:45)`.
fn headline(t: &Trace) -> String {
    let exc = exception_name(t);
    match t.culprit() {
        Some(fr) => format!(
            "{exc} in `{}` ({})",
            fr.function.as_deref().unwrap_or("?"),
            location(fr)
        ),
        None => exc.to_owned(),
    }
}

fn frames_block(t: &Trace) -> String {
    let mut md = String::from("```text\n");
    let head = if t.message.trim().is_empty() {
        exception_name(t).to_owned()
    } else {
        format!(
            "{}: {}",
            exception_name(t),
            t.message.lines().next().unwrap_or("")
        )
    };
    let _ = writeln!(md, "{head}");
    for fr in &t.frames {
        let _ = writeln!(
            md,
            "  {} {} ({}){}",
            if fr.in_app { "at" } else { "· " },
            fr.function.as_deref().unwrap_or("?"),
            location(fr),
            fr.source_line
                .as_deref()
                .map(|s| format!("  — {s}"))
                .unwrap_or_default()
        );
    }
    md.push_str("```\n");
    md
}

/// One-paragraph statement of the N+1 with its numbers, for hypotheses and root causes.
fn n_plus_one_statement(f: &Finding) -> String {
    let chain: Vec<String> = f
        .chain
        .iter()
        .map(|h| {
            format!(
                "`{}` ({})",
                h.function,
                link(&h.path, h.span.start.line + 1)
            )
        })
        .collect();
    let timeout = timeout_ms(f);
    let latency = DEFAULT_CALL_LATENCY_MS;
    let numbers = match timeout {
        Some(t) => format!(
            " Request time ≈ N × per-call latency: e.g. 7 items × {} = {} > the {} timeout (`{}`), while 1–2 items stay under it.",
            secs(latency),
            secs(latency * 7),
            secs(t),
            f.timeout.as_deref().unwrap_or("")
        ),
        None => " Request time ≈ N × per-call latency, so it grows with input size.".to_owned(),
    };
    format!(
        "{} calls {} once per iteration of {}, reaching {}{}.{numbers}",
        link(&f.path, f.line()),
        callee(f),
        loop_desc(f),
        if chain.is_empty() {
            "a remote API".to_owned()
        } else {
            chain.join(" → ")
        },
        api(f).map(|a| format!(" → **{a}**")).unwrap_or_default(),
    )
}

/// An investigation plan (the seed's Phase 1) for one trace: symptoms, hypotheses wide →
/// narrow with the evidence that confirms or rules out each, what to check, how to replicate
/// and timeline-method prompts. Returns (file name relative to the plans folder, markdown).
pub fn investigation_plan(
    trace: &Trace,
    explanation: &Explanation,
    count: usize,
    first_line: usize,
    last_line: usize,
    correlated: Option<&Finding>,
    date: &str,
) -> (String, String) {
    let name = format!("debugging/{date}-{}.md", slug(exception_name(trace)));
    let exc = exception_name(trace);
    let mut md = String::new();
    let _ = writeln!(md, "# Investigation: {}\n", headline(trace));
    let _ = writeln!(md, "Date: {date} · Status: investigating · Owner: _who_\n");
    let _ = writeln!(
        md,
        "> Funnel: **wide** (every plausible cause) → **narrow** (evidence for and against each) → **focused** (the one thing that is broken) → **fix** (change only that). Change no code until one hypothesis is confirmed.\n"
    );

    let _ = writeln!(md, "## Symptoms\n");
    let _ = writeln!(
        md,
        "- Error ({}): {}",
        language_name(trace.language),
        explanation.summary
    );
    if count > 1 {
        let _ = writeln!(
            md,
            "- Seen **{count} times** in the log (lines {first_line}–{last_line}): intermittent, so find what the failing requests have in common."
        );
    } else {
        let _ = writeln!(
            md,
            "- Seen once (line {first_line}); check the logs for how often it happens."
        );
    }
    let _ = writeln!(md, "- Endpoint / job affected: _e.g. POST /api/checkout_");
    let _ = writeln!(
        md,
        "- Frequency: _e.g. ~10% of requests_ · Started: _date, time, and the change just before_"
    );
    let _ = writeln!(
        md,
        "- What users see: _e.g. \"payment failed\", HTTP 500_\n"
    );
    let _ = writeln!(md, "{}", frames_block(trace));

    let _ = writeln!(
        md,
        "## Immediate cause\n\n{}\n",
        explanation.immediate_cause
    );

    let _ = writeln!(md, "## Hypotheses — wide, most likely first\n");
    let mut i = 1;
    if let Some(f) = correlated {
        let _ = writeln!(
            md,
            "{i}. **N+1 remote calls on this path** (found by debuglens in the code)"
        );
        let _ = writeln!(md, "   - Evidence so far: {}", n_plus_one_statement(f));
        let _ = writeln!(
            md,
            "   - Confirm: failing requests have more items than succeeding ones; the number of remote calls per request equals the item count; items × per-call latency ≈ the timeout."
        );
        let _ = writeln!(
            md,
            "   - Rule out: failing and succeeding requests have the same item counts, or a single call alone takes longer than the timeout."
        );
        let _ = writeln!(md, "   - [ ] confirmed  [ ] ruled out");
        i += 1;
    }
    for h in &explanation.likely_causes {
        if correlated.is_some() && h.cause.contains("N+1") {
            continue;
        }
        let _ = writeln!(md, "{i}. **{}**", h.cause);
        let _ = writeln!(md, "   - Confirm: {}", h.confirm);
        let _ = writeln!(md, "   - Rule out: {}", h.rule_out);
        let _ = writeln!(md, "   - [ ] confirmed  [ ] ruled out");
        i += 1;
    }

    let _ = writeln!(md, "\n## What to check — wide → narrow → focused → fix\n");
    let _ = writeln!(
        md,
        "- [ ] Group the occurrences of `{exc}` by time, endpoint, host and input size (items per request)."
    );
    let _ = writeln!(
        md,
        "- [ ] Remote dependency metrics: latency p50/p99 and error rate before and after the start, against the client timeout."
    );
    if let Some(f) = correlated {
        let _ = writeln!(
            md,
            "- [ ] Remote calls per request vs items per request (logs, tracing spans or a counter around {}).",
            callee(f)
        );
        let _ = writeln!(
            md,
            "- [ ] Item-count distribution: production vs staging (p50, p95, max)."
        );
    }
    let _ = writeln!(
        md,
        "- [ ] Already healthy (rule out quickly): database connections, provider status pages, CPU/memory — _note results_"
    );
    for step in &explanation.next_steps {
        let _ = writeln!(md, "- [ ] {step}");
    }

    let _ = writeln!(md, "\n## Timeline method — for \"it started after X\"\n");
    let _ = writeln!(
        md,
        "1. List every change at the time it started (deploys, config, dependency versions, data shape, traffic)."
    );
    let _ = writeln!(
        md,
        "2. For each change: how could it cause `{exc}` at {}?",
        trace
            .culprit()
            .map(location)
            .unwrap_or_else(|| "the failing frame".to_owned())
    );
    let _ = writeln!(
        md,
        "3. Keep the change that explains all of the evidence, including why only some requests fail.\n"
    );
    let _ = writeln!(md, "| Time | Change | Could it cause this? | Evidence |");
    let _ = writeln!(md, "|---|---|---|---|");
    let _ = writeln!(md, "| _14:00_ | _deploy: …_ | _how_ | _for / against_ |\n");

    let _ = writeln!(md, "## How to replicate — focused\n");
    match correlated {
        Some(f) => {
            let _ = writeln!(
                md,
                "1. Locally: call the code at {} with a production-sized {} (e.g. 7 items) against a fake remote service with production latency (~{} per call); expect `{exc}` once N × latency passes the timeout.",
                link(&f.path, f.line()),
                collection(f),
                secs(DEFAULT_CALL_LATENCY_MS)
            );
            let _ = writeln!(
                md,
                "2. In staging: use production-sized data; 1–2 items per request will not reproduce it."
            );
            let _ = writeln!(
                md,
                "3. Which conditions trigger it: item count, concurrency, remote latency — vary one at a time."
            );
            let _ = writeln!(
                md,
                "4. Keep the reproduction as a test that fails now (debuglens can generate one for this loop) and passes after the fix.\n"
            );
        }
        None => {
            let _ = writeln!(
                md,
                "1. Locally: run the failing path with the input of a failing request (production-sized), against a stub of any remote side with production latency."
            );
            let _ = writeln!(md, "2. In staging: with production-like data and load.");
            let _ = writeln!(
                md,
                "3. Which conditions trigger it: input size, concurrency, timing, a dependency's state — vary one at a time."
            );
            let _ = writeln!(
                md,
                "4. Keep the reproduction as a test that fails now and passes after the fix.\n"
            );
        }
    }

    let _ = writeln!(md, "## Findings log\n");
    let _ = writeln!(md, "| Time | Checked | Result | Hypothesis |");
    let _ = writeln!(md, "|---|---|---|---|");
    let _ = writeln!(md, "| _ | _ | _ | _ |\n");
    let _ = writeln!(md, "## Before calling it fixed\n");
    let _ = writeln!(
        md,
        "- A retry or a longer timeout treats the symptom; fix the cause."
    );
    let _ = writeln!(
        md,
        "- You may have found *a* bug, not *the* bug: verify that `{exc}` stops in production after the fix."
    );
    (name, md)
}

/// A post-incident report (the seed's Phase 6): summary, timeline and impact placeholders,
/// root cause from the explanation and the correlated finding, what went well, what to
/// improve, and action items including a review-checklist item for the pattern, realistic
/// staging data and a performance test. Returns (file name, markdown).
pub fn incident_report(
    trace: &Trace,
    explanation: &Explanation,
    correlated: Option<&Finding>,
    date: &str,
) -> (String, String) {
    let name = format!("incidents/{date}-{}.md", slug(exception_name(trace)));
    let exc = exception_name(trace);
    let mut md = String::new();
    let _ = writeln!(md, "# Post-incident report: {}\n", headline(trace));
    let _ = writeln!(
        md,
        "Date: {date} · Status: draft · Authors: _ · Reviewers: _\n"
    );

    let _ = writeln!(md, "## Summary\n");
    let _ = writeln!(md, "- What happened: _users saw …_ (`{exc}`)");
    let _ = writeln!(md, "- Duration: _start – end (hours)_");
    let _ = writeln!(md, "- Impact: _share of requests failed, users affected_");
    match correlated {
        Some(f) => {
            let _ = writeln!(
                md,
                "- Root cause: N+1 remote calls — {} once per item of {}, so large inputs exceeded the timeout",
                callee(f),
                collection(f)
            );
        }
        None => {
            let _ = writeln!(md, "- Root cause: _one line_");
        }
    }
    let _ = writeln!(md, "- Resolution: _the fix and when it reached 100%_\n");

    let _ = writeln!(md, "## Timeline (UTC)\n");
    let _ = writeln!(md, "| Time | Event |");
    let _ = writeln!(md, "|---|---|");
    for ev in [
        "Change deployed: _what_",
        &format!("First `{exc}`"),
        "Alert fired / first user report",
        "Investigation started",
        "Root cause identified",
        "Fix deployed (canary → 100%)",
        "Error rate back to baseline",
    ] {
        let _ = writeln!(md, "| _hh:mm_ | {ev} |");
    }

    let _ = writeln!(md, "\n## Impact\n");
    let _ = writeln!(md, "- Failed requests: _count (share of total)_");
    let _ = writeln!(md, "- Users / orders affected: _count_");
    let _ = writeln!(md, "- User-visible duration: _h:mm_");
    let _ = writeln!(md, "- Revenue, data or SLA impact: _…_\n");

    let _ = writeln!(md, "## Root cause\n");
    let _ = writeln!(md, "**Immediate:** {}\n", explanation.immediate_cause);
    match correlated {
        Some(f) => {
            let _ = writeln!(md, "**Underlying:** {}\n", n_plus_one_statement(f));
            if let Some(b) = &f.batch_alternative {
                let _ = writeln!(
                    md,
                    "A batch API already existed: `{}` ({}).\n",
                    b.name,
                    link(&b.path, b.span.start.line + 1)
                );
            }
            let _ = writeln!(md, "**Why it reached production:**\n");
            let _ = writeln!(
                md,
                "1. Code review did not catch the remote call inside the loop (it sits behind a helper)."
            );
            let _ = writeln!(
                md,
                "2. Staging data did not represent production: small collections stay under the timeout."
            );
            let _ = writeln!(
                md,
                "3. No performance test exercised the endpoint with production-sized inputs.\n"
            );
        }
        None => {
            let lead = explanation
                .likely_causes
                .first()
                .map(|h| format!("most likely — {} (confirm: {})", h.cause, h.confirm))
                .unwrap_or_else(|| "_to be confirmed_".to_owned());
            let _ = writeln!(md, "**Underlying:** {lead}\n");
            let _ = writeln!(
                md,
                "**Why it reached production:** _review, test data, tests, monitoring — which let it through?_\n"
            );
        }
    }

    let _ = writeln!(md, "## What went well\n");
    let _ = writeln!(
        md,
        "- The stack trace named the failing call ({}).",
        trace
            .culprit()
            .map(location)
            .unwrap_or_else(|| "_where_".to_owned())
    );
    let _ = writeln!(
        md,
        "- The investigation ranked hypotheses and confirmed one with evidence before changing code."
    );
    let _ = writeln!(md, "- _detection, rollback, communication: …_\n");

    let _ = writeln!(md, "## What could be improved\n");
    let _ = writeln!(
        md,
        "- Detection: _how long until we knew; alert on remote latency approaching the client timeout_"
    );
    let _ = writeln!(
        md,
        "- Review: remote calls inside loops are easy to miss behind helpers."
    );
    let _ = writeln!(
        md,
        "- Testing: staging data and tests used smaller inputs than production."
    );
    let _ = writeln!(
        md,
        "- Error reporting: the client only saw a generic 500.\n"
    );

    let _ = writeln!(md, "## Action items\n");
    let _ = writeln!(md, "| # | Action | Owner | Due | Status |");
    let _ = writeln!(md, "|---|---|---|---|---|");
    let mut items: Vec<String> = Vec::new();
    if let Some(f) = correlated {
        items.push(match &f.batch_alternative {
            Some(b) => format!(
                "Batch the calls at {} through `{}`, chunked to the batch limit",
                link(&f.path, f.line()),
                b.name
            ),
            None => format!(
                "Remove the per-item remote call at {} (batch API or bounded concurrency)",
                link(&f.path, f.line())
            ),
        });
        items.push(
            "Regression test that counts remote calls per request (fails on the N+1)".to_owned(),
        );
    }
    items.push("Add the code-review checklist item below".to_owned());
    items.push("Staging data requirements below: production-sized inputs".to_owned());
    items.push("Performance test for the endpoint below, in CI or before each release".to_owned());
    items.push(
        "Alert when the remote dependency's p99 latency approaches the client timeout".to_owned(),
    );
    items.push(
        "Run `debuglens check --format github` in CI to flag remote calls in loops".to_owned(),
    );
    for (n, it) in items.iter().enumerate() {
        let _ = writeln!(md, "| {} | {it} | _ | _ | open |", n + 1);
    }

    let _ = writeln!(md, "\n### Code-review checklist item\n");
    let _ = writeln!(
        md,
        "> **Remote calls in loops.** Does any loop over request data (items, ids, rows) make a network call — HTTP, RPC, database query, cache — per iteration, directly or through a helper? If so, use the batch API (respecting its size limit), bounded concurrency, or a prefetch, and state the worst case: max N × per-call latency vs the timeout.\n"
    );
    let _ = writeln!(md, "### Staging data requirements\n");
    let _ = writeln!(
        md,
        "- Collection sizes match production: include p50, p95 and the maximum (e.g. requests with 1, 5, 10, 20, 50 and 100 items)."
    );
    let _ = writeln!(
        md,
        "- Dependencies respond with production-like latency (or staging load tests add it)."
    );
    let _ = writeln!(
        md,
        "- Data is refreshed from anonymised production shapes every _N weeks_.\n"
    );
    let _ = writeln!(md, "### Performance test\n");
    let _ = writeln!(
        md,
        "- Drive the endpoint with inputs of {} items, _k_ requests each, and _c_ concurrent clients.",
        list(&TEST_SIZES)
    );
    let _ = writeln!(
        md,
        "- Record success rate and p50/p95 latency per size; fail if p95 exceeds _budget_ or success < 99.9%."
    );
    if let Some(f) = correlated {
        let _ = writeln!(
            md,
            "- Count remote calls per request: they must not grow linearly with the items of {}.",
            collection(f)
        );
    }
    (name, md)
}

fn list(sizes: &[usize]) -> String {
    let v: Vec<String> = sizes.iter().map(|n| n.to_string()).collect();
    match v.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// The test plan for fixing one N+1 (the seed's Phase 5): unit tests for the batching,
/// integration test across collection sizes, error scenarios, a staging script and the
/// rollout with metrics and rollback criteria.
pub fn test_plan_markdown(finding: &Finding, batch_limit: usize) -> String {
    let f = finding;
    let limit = batch_limit.max(1);
    let over = 2 * limit + 20;
    let batch_name = f
        .batch_alternative
        .as_ref()
        .map(|b| format!("`{}`", b.name))
        .unwrap_or_else(|| "the batch call".to_owned());
    let timeout = timeout_ms(f);
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Test plan: batching {} at {}\n",
        callee(f),
        link(&f.path, f.line())
    );
    let _ = writeln!(
        md,
        "The loop {} calls {} once per item of {}. The fix replaces the per-item calls with {batch_name} ({limit} items per call at most). Every test below fails before the fix or guards behaviour the fix must keep.\n",
        loop_desc(f),
        callee(f),
        collection(f)
    );

    let _ = writeln!(md, "## 1. Unit tests for the batching logic\n");
    let _ = writeln!(
        md,
        "With the remote client replaced by a fake that counts calls:\n"
    );
    let _ = writeln!(
        md,
        "- [ ] N items → at most ⌈N / {limit}⌉ remote calls, for N = 1, {}, {limit}, {} and {over}.",
        limit.saturating_sub(1).max(1),
        limit + 1
    );
    let _ = writeln!(
        md,
        "- [ ] Every item is still checked exactly once, and each result is mapped back to its own item (order does not matter)."
    );
    let _ = writeln!(md, "- [ ] No items → no remote call.");
    let _ = writeln!(
        md,
        "- [ ] The same validation rule as before: an item that was rejected one by one is still rejected.\n"
    );

    let _ = writeln!(md, "## 2. Integration test across collection sizes\n");
    let _ = writeln!(
        md,
        "Run the whole request path against a fake remote service with production-like latency (~{} per call){}, for N = {}:\n",
        secs(DEFAULT_CALL_LATENCY_MS),
        timeout
            .map(|t| format!(" and the real client timeout ({})", secs(t)))
            .unwrap_or_default(),
        list(&TEST_SIZES)
    );
    let _ = writeln!(
        md,
        "| N | remote calls (max) | before: time | after: time | result |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---|");
    for n in TEST_SIZES {
        let before = DEFAULT_CALL_LATENCY_MS.saturating_mul(n as u64);
        let calls = n.div_ceil(limit);
        let after = DEFAULT_CALL_LATENCY_MS.saturating_mul(calls as u64);
        let verdict = match timeout {
            Some(t) if before > t => format!("before: fails (> {})", secs(t)),
            _ => "_".to_owned(),
        };
        let _ = writeln!(
            md,
            "| {n} | {calls} | {} | {} | {verdict} |",
            secs(before),
            secs(after)
        );
    }

    let _ = writeln!(md, "\n## 3. Error scenarios\n");
    let _ = writeln!(
        md,
        "- [ ] **Partial availability** — one item of the batch is unavailable: the request fails (or reports) for exactly that item, as it did before; decide and test whether the whole request fails."
    );
    let _ = writeln!(
        md,
        "- [ ] **Remote timeout** — {batch_name} times out: the request fails cleanly with the same error handling as before; no per-item retry storm (a fallback to sequential calls, if any, is bounded and logged)."
    );
    let _ = writeln!(
        md,
        "- [ ] **Batch size over the limit** — {over} items: ⌈{over} / {limit}⌉ = {} calls, none above {limit} items (the service rejects larger batches).",
        over.div_ceil(limit)
    );
    let _ = writeln!(
        md,
        "- [ ] **Batch endpoint error** (5xx): handled like before; the fallback path, if added, is counted in a metric.\n"
    );

    let _ = writeln!(md, "## 4. Staging validation script\n");
    let _ = writeln!(
        md,
        "Generate requests of {} items, run each size _k_ times, and report time and success rate:\n",
        list(&TEST_SIZES)
    );
    let sizes: Vec<String> = TEST_SIZES.iter().map(|n| n.to_string()).collect();
    let _ = writeln!(
        md,
        "```python\n\
         import json, statistics, time, urllib.request\n\n\
         ENDPOINT = \"https://staging.example.com/api/…\"  # the endpoint that runs this loop\n\
         SIZES = [{}]\n\
         RUNS = 20\n\n\n\
         def make_payload(n: int) -> dict:\n    \
         return {{\"items\": [{{\"sku\": f\"SKU-{{i:04d}}\", \"quantity\": 1}} for i in range(n)]}}  # adapt to the request shape\n\n\n\
         for n in SIZES:\n    \
         times, ok = [], 0\n    \
         for _ in range(RUNS):\n        \
         req = urllib.request.Request(ENDPOINT, json.dumps(make_payload(n)).encode(), {{\"Content-Type\": \"application/json\"}})\n        \
         start = time.perf_counter()\n        \
         try:\n            \
         with urllib.request.urlopen(req, timeout=60) as resp:\n                \
         ok += resp.status < 400\n        \
         except Exception:\n            \
         pass\n        \
         times.append(time.perf_counter() - start)\n    \
         p95 = sorted(times)[int(len(times) * 0.95) - 1]\n    \
         print(f\"N={{n:>3}}  success {{ok / RUNS:6.1%}}  p50 {{statistics.median(times):5.2f}}s  p95 {{p95:5.2f}}s\")\n\
         ```\n",
        sizes.join(", ")
    );
    let _ = writeln!(
        md,
        "Pass: success rate 100% and p95 under the budget{} for every size, including 100.\n",
        timeout
            .map(|t| format!(" ({} client timeout)", secs(t)))
            .unwrap_or_default()
    );

    let _ = writeln!(md, "## 5. Rollout\n");
    let _ = writeln!(
        md,
        "- **Strategy:** canary 5% → 25% → 50% → 100%, holding each step ≥ 30 min at normal traffic (or a feature flag that keeps the old path)."
    );
    let _ = writeln!(
        md,
        "- **Metrics to watch:** error rate (5xx) of the endpoint; latency p50/p95/p99 by item-count bucket; remote calls per request; remote service latency p99; timeouts; batch vs sequential-fallback count."
    );
    let _ = writeln!(
        md,
        "- **Roll back if:** the error rate rises above the pre-incident baseline; p99 approaches the timeout{}; the fallback path serves > 5% of requests; the remote service rejects batches (limit {limit}).",
        timeout
            .map(|t| format!(" ({})", secs(t)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        md,
        "- **Communication:** tell support and the owning teams when the canary starts, at 100%, and on rollback."
    );
    md
}
