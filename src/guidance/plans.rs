//! Markdown documents for the debugging workflow: why an N+1 is slow here, an investigation
//! plan (wide → narrow → focused → fix), a test plan for the fix and a post-incident report.
//!
//! Pure: findings, traces and explanations in, markdown out. Links are relative to the
//! workspace root (`[clients/inventory.py:45](clients/inventory.py#L45)`) so they work in a
//! hover, in a file under the workspace and on a code host. Placeholders the user fills in are
//! written `_…_`.
//!
//! The words and layout of each document live in a template under `templates/` (`*.md.j2`,
//! embedded with `include_str!`); the functions here compute what each template receives (the
//! `*Doc` structs) and render it with [`super::templates::render`]. Each document has a `try_`
//! form that returns a template error as `Err`; the plain form puts the error in the document.

use serde::Serialize;

use super::explain::{Explanation, Hypothesis, location};
use crate::code::Finding;
use crate::code::catalog::ApiKind;
use crate::traces::{Runtime, Trace};

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
    use crate::code::catalog::{TimeUnit, timeout_unit};
    let t = finding.timeout.as_deref()?;
    let v = t.split_once('=').map(|(_, v)| v).unwrap_or(t).trim();
    // The catalog knows the language's idioms (`Duration::from_millis(`) and each client's
    // unit for a bare number (`timeout: 5000` in axios is milliseconds).
    let unit = crate::code::Lang::from_path(&finding.path).and_then(|l| {
        timeout_unit(
            l.family(),
            finding.chain.iter().find_map(|h| h.api.as_deref()),
            v,
        )
    });
    let v = v.trim_start_matches(|c: char| !c.is_ascii_digit());
    let num: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n: f64 = num.parse().ok()?;
    let rest = v.get(num.len()..).unwrap_or("").trim_start();
    let is_ms = match unit {
        Some(TimeUnit::Millis) => true,
        Some(TimeUnit::Seconds) => false,
        None => {
            rest.starts_with("ms")
                || (rest.is_empty() && n >= 100.0 && !matches!(finding.kind, ApiKind::Db))
        }
    };
    let ms = if is_ms { n } else { n * 1000.0 };
    (ms.is_finite() && ms > 0.0).then_some(ms.round() as u64)
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

/// The key of the "bounded concurrency" wording in `n_plus_one.md.j2`: the language family,
/// `python_async` for async Python, empty when the language is unknown.
fn concurrency_key(f: &Finding) -> &'static str {
    match crate::code::Lang::from_path(&f.path).map(|l| l.family()) {
        Some("python") if f.in_async => "python_async",
        Some(family) => family,
        None => "",
    }
}

/// Renders a document template; a template error is the `Err`.
fn render_doc<S: Serialize>(
    name: &'static str,
    source: &'static str,
    ctx: S,
) -> Result<String, String> {
    super::templates::render(name, source, ctx)
}

/// The text returned in place of a document whose template failed (a bug the template tests
/// catch): the error itself, so the user sees what broke instead of an empty document.
pub(super) fn or_error_note(doc: Result<String, String>) -> String {
    doc.unwrap_or_else(|e| {
        tracing::error!("{e}");
        format!("> debuglens could not write this document: {e}\n")
    })
}

/// What `templates/n_plus_one.md.j2` receives.
#[derive(Serialize)]
struct NPlusOneDoc {
    /// `` `check()` ``.
    callee: String,
    /// `` `cart.items` `` or `the collection`.
    collection: String,
    /// Link to the call in the loop.
    here: String,
    /// `` `for item in cart.items` `` or `a loop`.
    loop_desc: String,
    /// `http`, `rpc`, `db`, `cache`, `cloud`.
    kind: ApiKind,
    http_method: Option<String>,
    sequential_reason: Option<String>,
    /// The call chain, loop first.
    steps: Vec<ChainStep>,
    /// Per-call latency (`1.5 s`).
    latency: String,
    /// The library API at the end of the chain.
    api: Option<String>,
    timeout: Option<TimeoutFacts>,
    /// One per [`EXPLAIN_SIZES`].
    rows: Vec<SizeRow>,
    example_items: u64,
    example_time: String,
    two_items_time: String,
    /// Two items stay within the timeout.
    two_items_within: bool,
    batch: Option<LinkedName>,
    /// See [`concurrency_key`].
    family: &'static str,
}

/// One step of the call chain in `n_plus_one.md.j2`.
#[derive(Serialize)]
struct ChainStep {
    /// `loop` (name: the loop header), `call` (name: the callee) or `hop` (name: the function).
    kind: &'static str,
    link: String,
    name: String,
    /// The remote API this hop calls.
    api: Option<String>,
    /// The source line, trimmed.
    source: Option<String>,
}

/// The client timeout in `n_plus_one.md.j2`.
#[derive(Serialize)]
struct TimeoutFacts {
    secs: String,
    /// As written (`timeout=5`).
    literal: String,
    /// The smallest item count over the timeout, and its time.
    first_over: u64,
    first_over_time: String,
}

/// One collection size of the table and bar chart in `n_plus_one.md.j2`.
#[derive(Serialize)]
struct SizeRow {
    n: usize,
    /// `n` padded for the bar chart.
    label: String,
    /// The bar, padded to [`BAR_WIDTH`].
    bar: String,
    total: String,
    /// Over the timeout.
    over: bool,
}

/// A name and the link to its definition.
#[derive(Serialize)]
struct LinkedName {
    name: String,
    link: String,
}

fn chain_steps(f: &Finding, files: &dyn Fn(&str) -> Option<String>) -> Vec<ChainStep> {
    let mut steps = Vec::new();
    if let Some(l) = f.loops.first() {
        steps.push(ChainStep {
            kind: "loop",
            link: link(&f.path, l.span.start.line + 1),
            name: loop_desc(f),
            api: None,
            source: None,
        });
    }
    steps.push(ChainStep {
        kind: "call",
        link: link(&f.path, f.line()),
        name: callee(f),
        api: None,
        source: source_line(files, &f.path, f.line()),
    });
    for hop in &f.chain {
        let line = hop.span.start.line + 1;
        steps.push(ChainStep {
            kind: "hop",
            link: link(&hop.path, line),
            name: hop.function.clone(),
            api: hop.api.clone(),
            source: source_line(files, &hop.path, line),
        });
    }
    steps
}

fn size_rows(latency: u64, timeout: Option<u64>) -> Vec<SizeRow> {
    let max_total = latency.saturating_mul(EXPLAIN_SIZES[EXPLAIN_SIZES.len() - 1] as u64);
    EXPLAIN_SIZES
        .iter()
        .map(|&n| {
            let total = latency.saturating_mul(n as u64);
            let width =
                ((total as u128 * BAR_WIDTH as u128).div_ceil(max_total.max(1) as u128)) as usize;
            let bar = "█".repeat(width.max(1));
            SizeRow {
                n,
                label: format!("{n:<3}"),
                bar: format!("{bar:<w$}", w = BAR_WIDTH),
                total: secs(total),
                over: timeout.is_some_and(|t| total > t),
            }
        })
        .collect()
}

/// Markdown explaining one N+1 finding: the chain, why it is slow here (N × per-call latency
/// against the client's timeout, table and bar chart), why small test data hides it, the fix
/// options and the pitfall of treating the symptom.
pub fn explain_n_plus_one(
    finding: &Finding,
    assumed_call_latency_ms: u64,
    files: &dyn Fn(&str) -> Option<String>,
) -> String {
    or_error_note(try_explain_n_plus_one(
        finding,
        assumed_call_latency_ms,
        files,
    ))
}

/// [`explain_n_plus_one`], with a template error as the `Err`.
pub fn try_explain_n_plus_one(
    finding: &Finding,
    assumed_call_latency_ms: u64,
    files: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let f = finding;
    let latency = assumed_call_latency_ms.max(1);
    let timeout = timeout_ms(f);
    let literal = f.timeout.clone().unwrap_or_default();
    let doc = NPlusOneDoc {
        callee: callee(f),
        collection: collection(f),
        here: link(&f.path, f.line()),
        loop_desc: loop_desc(f),
        kind: f.kind,
        http_method: f.http_method.clone(),
        sequential_reason: f.sequential_reason.clone(),
        steps: chain_steps(f, files),
        latency: secs(latency),
        api: api(f).map(str::to_owned),
        timeout: timeout.map(|t| {
            let first_over = (t / latency) + 1;
            TimeoutFacts {
                secs: secs(t),
                literal: literal.clone(),
                first_over,
                first_over_time: secs(latency.saturating_mul(first_over)),
            }
        }),
        rows: size_rows(latency, timeout),
        example_items: 7,
        example_time: secs(latency.saturating_mul(7)),
        two_items_time: secs(latency.saturating_mul(2)),
        two_items_within: timeout.is_some_and(|t| latency.saturating_mul(2) <= t),
        batch: f.batch_alternative.as_ref().map(|b| LinkedName {
            name: b.name.clone(),
            link: link(&b.path, b.span.start.line + 1),
        }),
        family: concurrency_key(f),
    };
    render_doc(
        "n_plus_one.md.j2",
        include_str!("templates/n_plus_one.md.j2"),
        doc,
    )
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

fn language_name(l: Runtime) -> &'static str {
    crate::langs::trace_format(l).name
}

fn exception_name(t: &Trace) -> &str {
    if t.exception.trim().is_empty() {
        "error"
    } else {
        t.exception.trim()
    }
}

/// A trace as `_plans.md.j2`, `investigation_plan.md.j2` and `incident_report.md.j2` see it.
#[derive(Serialize)]
struct TraceFacts {
    /// The exception name, `error` when it is blank.
    exception: String,
    /// The message's first line; none when the message is blank.
    message: Option<String>,
    /// The trace format's name (`Python`).
    language: &'static str,
    /// The innermost app frame, else the innermost frame.
    culprit: Option<FrameFacts>,
    /// Innermost first.
    frames: Vec<FrameFacts>,
}

/// One frame of [`TraceFacts`].
#[derive(Serialize)]
struct FrameFacts {
    in_app: bool,
    /// `?` when the trace does not name it.
    function: String,
    /// `path:line`.
    location: String,
    source: Option<String>,
}

impl FrameFacts {
    fn of(fr: &crate::traces::Frame) -> Self {
        FrameFacts {
            in_app: fr.in_app,
            function: fr.function.clone().unwrap_or_else(|| "?".to_owned()),
            location: location(fr),
            source: fr.source_line.clone(),
        }
    }
}

impl TraceFacts {
    fn of(t: &Trace) -> Self {
        TraceFacts {
            exception: exception_name(t).to_owned(),
            message: (!t.message.trim().is_empty())
                .then(|| t.message.lines().next().unwrap_or("").to_owned()),
            language: language_name(t.language),
            culprit: t.culprit().map(FrameFacts::of),
            frames: t.frames.iter().map(FrameFacts::of).collect(),
        }
    }
}

/// The N+1 finding correlated with a trace, as the trace documents see it (the
/// `n_plus_one_statement` macro of `_plans.md.j2` states it).
#[derive(Serialize)]
struct FindingFacts {
    /// Link to the call in the loop.
    here: String,
    callee: String,
    loop_desc: String,
    collection: String,
    /// The hops after the loop: function and link.
    chain: Vec<LinkedName>,
    api: Option<String>,
    /// Against [`DEFAULT_CALL_LATENCY_MS`].
    timeout: Option<TimeoutFacts>,
    /// [`DEFAULT_CALL_LATENCY_MS`].
    latency: String,
    example_items: u64,
    example_time: String,
    batch: Option<LinkedName>,
}

fn timeout_facts(f: &Finding, latency: u64) -> Option<TimeoutFacts> {
    timeout_ms(f).map(|t| {
        let first_over = (t / latency) + 1;
        TimeoutFacts {
            secs: secs(t),
            literal: f.timeout.clone().unwrap_or_default(),
            first_over,
            first_over_time: secs(latency.saturating_mul(first_over)),
        }
    })
}

fn batch_link(f: &Finding) -> Option<LinkedName> {
    f.batch_alternative.as_ref().map(|b| LinkedName {
        name: b.name.clone(),
        link: link(&b.path, b.span.start.line + 1),
    })
}

impl FindingFacts {
    fn of(f: &Finding) -> Self {
        let latency = DEFAULT_CALL_LATENCY_MS;
        FindingFacts {
            here: link(&f.path, f.line()),
            callee: callee(f),
            loop_desc: loop_desc(f),
            collection: collection(f),
            chain: f
                .chain
                .iter()
                .map(|h| LinkedName {
                    name: h.function.clone(),
                    link: link(&h.path, h.span.start.line + 1),
                })
                .collect(),
            api: api(f).map(str::to_owned),
            timeout: timeout_facts(f, latency),
            latency: secs(latency),
            example_items: 7,
            example_time: secs(latency * 7),
            batch: batch_link(f),
        }
    }
}

/// What `_plans.md.j2` + `investigation_plan.md.j2` receive.
#[derive(Serialize)]
struct InvestigationDoc<'a> {
    date: &'a str,
    trace: TraceFacts,
    explanation: &'a Explanation,
    /// The explanation's likely causes, without the generic N+1 one when `finding` states it.
    hypotheses: Vec<&'a Hypothesis>,
    /// Times seen, and the first and last line where.
    count: usize,
    first_line: usize,
    last_line: usize,
    finding: Option<FindingFacts>,
}

/// What `_plans.md.j2` + `incident_report.md.j2` receive.
#[derive(Serialize)]
struct IncidentDoc<'a> {
    date: &'a str,
    trace: TraceFacts,
    explanation: &'a Explanation,
    /// The most likely cause, stated when no finding is correlated.
    lead: Option<&'a Hypothesis>,
    finding: Option<FindingFacts>,
    /// [`TEST_SIZES`] as a sentence list (`1, 5, … and 100`).
    sizes: String,
}

/// What `test_plan.md.j2` receives.
#[derive(Serialize)]
struct TestPlanDoc {
    callee: String,
    here: String,
    loop_desc: String,
    collection: String,
    /// The batch API's name.
    batch: Option<String>,
    /// Items per batch call, at least 1; a count just below it; one over twice it.
    limit: usize,
    below_limit: usize,
    over: usize,
    /// Batch calls for `over` items.
    over_calls: usize,
    /// [`DEFAULT_CALL_LATENCY_MS`].
    latency: String,
    /// The client timeout.
    timeout: Option<String>,
    /// [`TEST_SIZES`] as a sentence list and as a Python list's items.
    sizes: String,
    size_list: String,
    rows: Vec<TestRow>,
}

/// One collection size of the test plan's table.
#[derive(Serialize)]
struct TestRow {
    n: usize,
    /// Batch calls after the fix.
    calls: usize,
    before: String,
    after: String,
    /// The sequential time before the fix exceeds the timeout.
    before_fails: bool,
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
    let (name, md) = try_investigation_plan(
        trace,
        explanation,
        count,
        first_line,
        last_line,
        correlated,
        date,
    )
    .unwrap_or_else(|e| (plan_name("debugging", date, trace), or_error_note(Err(e))));
    (name, md)
}

/// `<folder>/<date>-<exception slug>.md`.
fn plan_name(folder: &str, date: &str, trace: &Trace) -> String {
    format!("{folder}/{date}-{}.md", slug(exception_name(trace)))
}

/// [`investigation_plan`], with a template error as the `Err`.
pub fn try_investigation_plan(
    trace: &Trace,
    explanation: &Explanation,
    count: usize,
    first_line: usize,
    last_line: usize,
    correlated: Option<&Finding>,
    date: &str,
) -> Result<(String, String), String> {
    let doc = InvestigationDoc {
        date,
        trace: TraceFacts::of(trace),
        explanation,
        hypotheses: explanation
            .likely_causes
            .iter()
            .filter(|h| !(correlated.is_some() && h.cause.contains("N+1")))
            .collect(),
        count,
        first_line,
        last_line,
        finding: correlated.map(FindingFacts::of),
    };
    let md = render_doc(
        "investigation_plan.md.j2",
        concat!(
            include_str!("templates/_plans.md.j2"),
            include_str!("templates/investigation_plan.md.j2")
        ),
        doc,
    )?;
    Ok((plan_name("debugging", date, trace), md))
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
    try_incident_report(trace, explanation, correlated, date)
        .unwrap_or_else(|e| (plan_name("incidents", date, trace), or_error_note(Err(e))))
}

/// [`incident_report`], with a template error as the `Err`.
pub fn try_incident_report(
    trace: &Trace,
    explanation: &Explanation,
    correlated: Option<&Finding>,
    date: &str,
) -> Result<(String, String), String> {
    let doc = IncidentDoc {
        date,
        trace: TraceFacts::of(trace),
        explanation,
        lead: explanation.likely_causes.first(),
        finding: correlated.map(FindingFacts::of),
        sizes: list(&TEST_SIZES),
    };
    let md = render_doc(
        "incident_report.md.j2",
        concat!(
            include_str!("templates/_plans.md.j2"),
            include_str!("templates/incident_report.md.j2")
        ),
        doc,
    )?;
    Ok((plan_name("incidents", date, trace), md))
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
    or_error_note(try_test_plan_markdown(finding, batch_limit))
}

/// [`test_plan_markdown`], with a template error as the `Err`.
pub fn try_test_plan_markdown(finding: &Finding, batch_limit: usize) -> Result<String, String> {
    let f = finding;
    let limit = batch_limit.max(1);
    let over = 2 * limit + 20;
    let timeout = timeout_ms(f);
    let rows = TEST_SIZES
        .iter()
        .map(|&n| {
            let before = DEFAULT_CALL_LATENCY_MS.saturating_mul(n as u64);
            let calls = n.div_ceil(limit);
            TestRow {
                n,
                calls,
                before: secs(before),
                after: secs(DEFAULT_CALL_LATENCY_MS.saturating_mul(calls as u64)),
                before_fails: timeout.is_some_and(|t| before > t),
            }
        })
        .collect();
    let sizes: Vec<String> = TEST_SIZES.iter().map(|n| n.to_string()).collect();
    let doc = TestPlanDoc {
        callee: callee(f),
        here: link(&f.path, f.line()),
        loop_desc: loop_desc(f),
        collection: collection(f),
        batch: f.batch_alternative.as_ref().map(|b| b.name.clone()),
        limit,
        below_limit: limit.saturating_sub(1).max(1),
        over,
        over_calls: over.div_ceil(limit),
        latency: secs(DEFAULT_CALL_LATENCY_MS),
        timeout: timeout.map(secs),
        sizes: list(&TEST_SIZES),
        size_list: sizes.join(", "),
        rows,
    };
    render_doc(
        "test_plan.md.j2",
        include_str!("templates/test_plan.md.j2"),
        doc,
    )
}
