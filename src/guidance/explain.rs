//! Composes an explanation for one stack trace: the immediate cause (what raised, where, on
//! which line, remote or local), the likely underlying causes ranked with the evidence that
//! confirms or rules out each, and next steps that walk the funnel wide → narrow → focused → fix.
//!
//! Everything general comes from the knowledge base; everything specific comes from the trace
//! and the [`ExplainContext`]. No text here depends on an editor or a transport.

use std::fmt::Write as _;

use serde::Serialize;

use super::knowledge::{Cause, Entry, KnowledgeBase, RemoteClient};
use crate::traces::{Frame, Language, Trace};

/// What other analyses know about this trace.
#[derive(Debug, Clone, Default)]
pub struct ExplainContext {
    /// Times seen (log grouping); more than one makes the failure intermittent.
    pub count: usize,
    /// First and last line of the document where it was seen.
    pub first_line: Option<u32>,
    pub last_line: Option<u32>,
    /// The source line of the innermost app frame, read from the workspace.
    pub innermost_source: Option<String>,
    /// Extra hypotheses from other analyses (e.g. an N+1 loop on this path); listed first.
    pub correlated: Vec<Hypothesis>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub summary: String,
    pub immediate_cause: String,
    pub likely_causes: Vec<Hypothesis>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hypothesis {
    pub cause: String,
    pub confirm: String,
    pub rule_out: String,
}

impl From<&Cause> for Hypothesis {
    fn from(c: &Cause) -> Self {
        Hypothesis {
            cause: c.cause.clone(),
            confirm: c.confirm.clone(),
            rule_out: c.rule_out.clone(),
        }
    }
}

/// Why we call the failing call remote (or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remoteness<'a> {
    /// Library frames above the innermost app frame belong to this client.
    Client(&'a RemoteClient),
    /// No client frame, but the failing source line has the shape of a remote call.
    SourceLine(&'a str),
    /// Neither, but this exception is typically raised by network clients.
    Typical,
    Local,
}

impl Remoteness<'_> {
    pub fn is_remote(&self) -> bool {
        !matches!(self, Remoteness::Local)
    }
}

/// The facts about a trace that every sentence draws on.
struct Facts<'t> {
    exception: &'t str,
    message: &'t str,
    /// Index of the innermost app frame, else of the innermost frame.
    focus: Option<usize>,
    has_app_frame: bool,
    function: String,
    location: String,
    source: Option<String>,
}

impl<'t> Facts<'t> {
    fn of(trace: &'t Trace, ctx: &ExplainContext) -> Self {
        let app = trace.frames.iter().position(|f| f.in_app);
        let focus = app.or(if trace.frames.is_empty() {
            None
        } else {
            Some(0)
        });
        let frame = focus.and_then(|i| trace.frames.get(i));
        let source = ctx
            .innermost_source
            .as_deref()
            .or(frame.and_then(|f| f.source_line.as_deref()))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Facts {
            exception: trace.exception.trim(),
            message: trace.message.lines().next().unwrap_or("").trim(),
            focus,
            has_app_frame: app.is_some(),
            function: frame
                .and_then(|f| f.function.clone())
                .unwrap_or_else(|| "the failing function".to_owned()),
            location: frame
                .map(location)
                .unwrap_or_else(|| "an unknown location".to_owned()),
            source,
        }
    }

    fn fill(&self, text: &str) -> String {
        text.replace("{exception}", self.exception)
            .replace("{function}", &self.function)
            .replace("{location}", &self.location)
    }

    fn fill_cause(&self, c: &Cause) -> Hypothesis {
        Hypothesis {
            cause: self.fill(&c.cause),
            confirm: self.fill(&c.confirm),
            rule_out: self.fill(&c.rule_out),
        }
    }
}

/// `path:line` (or just `path`).
pub fn location(frame: &Frame) -> String {
    match frame.line {
        Some(line) => format!("{}:{line}", frame.path),
        None => frame.path.clone(),
    }
}

/// Decides whether the failing call crossed the network, and why we think so.
pub fn remoteness<'kb>(
    kb: &'kb KnowledgeBase,
    trace: &Trace,
    source: Option<&str>,
    entry: Option<&Entry>,
) -> Remoteness<'kb> {
    // Frames are innermost first: the ones before the innermost app frame are the library code
    // the app frame called into.
    let client = trace
        .frames
        .iter()
        .take_while(|f| !f.in_app)
        .find_map(|f| kb.remote_client_of(&trace.language, &f.path, f.function.as_deref()));
    if let Some(c) = client {
        return Remoteness::Client(c);
    }
    if let Some(s) = source.and_then(|s| kb.remote_source_of(s)) {
        return Remoteness::SourceLine(&s.name);
    }
    if entry.is_some_and(|e| e.remote) {
        return Remoteness::Typical;
    }
    Remoteness::Local
}

/// The app frames' functions, outermost first (the order a reader follows a request).
fn app_call_path(trace: &Trace) -> Vec<String> {
    let mut path: Vec<String> = trace
        .frames
        .iter()
        .filter(|f| f.in_app)
        .map(|f| format!("`{}`", f.function.as_deref().unwrap_or("?")))
        .collect();
    path.reverse();
    path
}

fn seen(ctx: &ExplainContext) -> Option<String> {
    if ctx.count <= 1 {
        return None;
    }
    Some(match (ctx.first_line, ctx.last_line) {
        (Some(a), Some(b)) if a != b => format!("seen {}× (lines {a}–{b})", ctx.count),
        (Some(a), _) | (None, Some(a)) => format!("seen {}× (line {a})", ctx.count),
        (None, None) => format!("seen {}×", ctx.count),
    })
}

/// The timeout written on the failing line, e.g. `timeout=5` → `5`.
fn written_timeout(source: &str) -> Option<&str> {
    let lower_at = source.to_ascii_lowercase().find("timeout")?;
    let rest = source.get(lower_at..)?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    let rest = rest.trim_start_matches([' ', '=', ':']);
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let value = rest.get(..end)?;
    (!value.is_empty() && value.chars().any(|c| c.is_ascii_digit())).then_some(value)
}

fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

/// Explains a trace with the built-in knowledge base.
pub fn explain(trace: &Trace, ctx: &ExplainContext) -> Explanation {
    explain_with(KnowledgeBase::builtin(), trace, ctx)
}

/// Explains a trace with a given knowledge base.
pub fn explain_with(kb: &KnowledgeBase, trace: &Trace, ctx: &ExplainContext) -> Explanation {
    let facts = Facts::of(trace, ctx);
    let known = kb.lookup(&trace.language, facts.exception, facts.message);
    let entry = known.or_else(|| kb.generic(facts.exception, facts.message));
    let remote = remoteness(kb, trace, facts.source.as_deref(), entry);
    let kind = entry.map_or("unknown", |e| e.kind.as_str());
    Explanation {
        summary: summary(&facts, known, entry, &remote, ctx),
        immediate_cause: immediate_cause(&facts, entry, &remote, trace),
        likely_causes: likely_causes(kb, &facts, entry, kind, ctx),
        next_steps: next_steps(&facts, entry, &remote, ctx),
    }
}

/// What, where, remote or not, how often.
fn summary(
    facts: &Facts,
    known: Option<&Entry>,
    entry: Option<&Entry>,
    remote: &Remoteness,
    ctx: &ExplainContext,
) -> String {
    let kind = entry.map_or("unknown", |e| e.kind.as_str());
    let mut summary = format!("`{}`", facts.exception);
    if facts.focus.is_some() {
        let _ = write!(summary, " in `{}` ({})", facts.function, facts.location);
    }
    match (known, entry) {
        (Some(e), _) => {
            let _ = write!(summary, ": {}", e.title.trim_end_matches('.'));
        }
        (None, Some(_)) => {
            let _ = write!(
                summary,
                ": not in the knowledge base; guidance inferred from the name (kind: {kind})"
            );
        }
        (None, None) => {}
    }
    summary.push_str(match remote {
        Remoteness::Local => " — local failure",
        Remoteness::Typical => " — probably a remote call",
        _ => " — remote call",
    });
    if let Some(s) = seen(ctx) {
        let _ = write!(summary, ", {s}");
    }
    summary.push('.');
    summary
}

/// The line that raised, then what this exception means, then remote or not.
fn immediate_cause(
    facts: &Facts,
    entry: Option<&Entry>,
    remote: &Remoteness,
    trace: &Trace,
) -> String {
    let kind = entry.map_or("unknown", |e| e.kind.as_str());
    let mut immediate = String::new();
    let raised = if facts.message.is_empty() {
        format!("`{}`", facts.exception)
    } else {
        format!("`{}: {}`", facts.exception, truncate(facts.message, 200))
    };
    match (facts.focus, facts.has_app_frame) {
        (Some(_), true) => {
            let _ = write!(
                immediate,
                "`{}` at {} raised {raised}",
                facts.function, facts.location
            );
        }
        (Some(_), false) => {
            let _ = write!(
                immediate,
                "{raised} was raised in library code (`{}` at {}); no application frame is in the trace",
                facts.function, facts.location
            );
        }
        (None, _) => {
            let _ = write!(immediate, "{raised} was raised; the trace has no frames");
        }
    }
    match &facts.source {
        Some(src) => {
            let _ = write!(immediate, " on `{src}`. ");
        }
        None => immediate.push_str(". "),
    }
    if let Some(e) = entry {
        immediate.push_str(&sentence(&facts.fill(&e.immediate_cause)));
        immediate.push(' ');
    }
    if kind == "timeout"
        && let Some(t) = facts.source.as_deref().and_then(written_timeout)
    {
        let _ = write!(
            immediate,
            "The budget that ran out is the `timeout` of {t} written on this line. "
        );
    }
    immediate.push_str(&remote_sentence(facts, remote));
    let path = app_call_path(trace);
    if path.len() > 1 {
        let _ = write!(immediate, " It is reached through {}", path.join(" → "));
        immediate.push_str(if remote.is_remote() {
            "; a loop in any of these callers repeats this remote call once per item."
        } else {
            "."
        });
    }
    immediate.trim_end().to_owned()
}

/// Why the failing call is (or is not) remote.
fn remote_sentence(facts: &Facts, remote: &Remoteness) -> String {
    match remote {
        Remoteness::Client(c) => format!(
            "The failing call is remote: the library frames above `{}` belong to {} ({} client), so look at the other side of that call before this process's logic.",
            facts.function, c.name, c.kind
        ),
        Remoteness::SourceLine(what) => format!(
            "The failing call is remote: this line makes {what} (no client library frame was captured)."
        ),
        Remoteness::Typical => format!(
            "The failing call is probably remote: `{}` is typically raised by a network client, though no client frame is in the trace.",
            facts.exception
        ),
        Remoteness::Local => format!(
            "The failing call is local: no HTTP/DB/RPC client frame is above `{}`, so the cause is in this process's data, state or configuration.",
            facts.function
        ),
    }
}

/// Other analyses first, then the knowledge base, then intermittency; no cause twice.
fn likely_causes(
    kb: &KnowledgeBase,
    facts: &Facts,
    entry: Option<&Entry>,
    kind: &str,
    ctx: &ExplainContext,
) -> Vec<Hypothesis> {
    let mut likely: Vec<Hypothesis> = Vec::new();
    let mut push = |h: Hypothesis| {
        if !likely.iter().any(|x| x.cause == h.cause) {
            likely.push(h);
        }
    };
    for h in &ctx.correlated {
        push(h.clone());
    }
    for c in entry.map(|e| e.causes.as_slice()).unwrap_or_default() {
        push(facts.fill_cause(c));
    }
    if ctx.count > 1 {
        for c in kb
            .intermittent()
            .iter()
            .filter(|c| !c.skip_kinds.iter().any(|k| k == kind))
        {
            push(facts.fill_cause(&c.as_cause()));
        }
    }
    likely
}

/// The funnel: wide, narrow (the knowledge base's steps), focused, fix.
fn next_steps(
    facts: &Facts,
    entry: Option<&Entry>,
    remote: &Remoteness,
    ctx: &ExplainContext,
) -> Vec<String> {
    let mut steps = Vec::new();
    let wide_what = match seen(ctx) {
        Some(s) => format!("`{}` was {s}: group the occurrences", facts.exception),
        None => format!(
            "Find every occurrence of `{}` in the logs and group them",
            facts.exception
        ),
    };
    steps.push(format!(
        "Wide: {wide_what} by time, endpoint, host and input size, and list what changed just before the first one (deploys, config, dependency versions, traffic, data shape)."
    ));
    for s in entry.map(|e| e.next_steps.as_slice()).unwrap_or_default() {
        steps.push(format!("Narrow: {}", sentence(&facts.fill(s))));
    }
    let focus_where = if facts.focus.is_some() {
        format!("at {} (`{}`)", facts.location, facts.function)
    } else {
        "where it is raised".to_owned()
    };
    steps.push(if remote.is_remote() {
        format!(
            "Focused: reproduce {focus_where} against a stub of the remote side that is slow or failing, with production-sized input; keep the test that fails."
        )
    } else {
        format!("Focused: reproduce {focus_where} with the input that failed (from the logs) in a test that fails before the fix.")
    });
    let fix = entry
        .and_then(|e| e.fix.as_deref())
        .map(|f| sentence(&facts.fill(f)))
        .unwrap_or_else(|| "Change only what the confirmed cause needs; a retry, a catch-all or a longer timeout hides the symptom and keeps the cause.".to_owned());
    steps.push(format!(
        "Fix: {fix} Verify it: the test passes and `{}` stops in production.",
        facts.exception
    ));
    steps
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_owned(),
    }
}

/// What `templates/trace_explanation.md.j2` receives.
#[derive(Serialize)]
struct ExplanationDoc<'a> {
    /// `Exception: first line of the message` (truncated).
    head: String,
    e: &'a Explanation,
    /// Innermost first.
    app: Vec<FrameLine>,
    lib: Vec<FrameLine>,
}

/// One frame of the explanation's frame lists.
#[derive(Serialize)]
struct FrameLine {
    /// `?` when the trace does not name it.
    function: String,
    location: String,
    /// The remote client a library frame belongs to.
    client: Option<ClientName>,
}

#[derive(Serialize)]
struct ClientName {
    name: String,
    kind: String,
}

fn frame_line(kb: &KnowledgeBase, language: &Language, f: &Frame) -> FrameLine {
    let client = if f.in_app {
        None
    } else {
        kb.remote_client_of(language, &f.path, f.function.as_deref())
    };
    FrameLine {
        function: f.function.clone().unwrap_or_else(|| "?".to_owned()),
        location: location(f),
        client: client.map(|c| ClientName {
            name: c.name.clone(),
            kind: c.kind.clone(),
        }),
    }
}

/// Renders an explanation as Markdown (hover, CLI, report).
pub fn to_markdown(trace: &Trace, e: &Explanation) -> String {
    super::plans::or_error_note(try_to_markdown(trace, e))
}

/// [`to_markdown`], with a template error as the `Err`.
pub fn try_to_markdown(trace: &Trace, e: &Explanation) -> Result<String, String> {
    let kb = KnowledgeBase::builtin();
    let head = if trace.message.trim().is_empty() {
        trace.exception.clone()
    } else {
        format!(
            "{}: {}",
            trace.exception,
            truncate(trace.message.lines().next().unwrap_or(""), 120)
        )
    };
    let (app, lib): (Vec<&Frame>, Vec<&Frame>) = trace.frames.iter().partition(|f| f.in_app);
    let lines = |frames: Vec<&Frame>| {
        frames
            .into_iter()
            .map(|f| frame_line(kb, &trace.language, f))
            .collect()
    };
    let doc = ExplanationDoc {
        head,
        e,
        app: lines(app),
        lib: lines(lib),
    };
    super::templates::render(
        "trace_explanation.md.j2",
        include_str!("templates/trace_explanation.md.j2"),
        doc,
    )
}
