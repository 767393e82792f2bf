//! Composes an explanation for one stack trace: the immediate cause (what raised, where, on
//! which line, remote or local), the likely underlying causes ranked with the evidence that
//! confirms or rules out each, and next steps that walk the funnel wide → narrow → focused → fix.
//!
//! Everything general comes from the knowledge base; everything specific comes from the trace
//! and the [`ExplainContext`]. No text here depends on an editor or a transport.
//!
//! The sentences are the template `templates/explanation.j2` and the markdown rendering is
//! `templates/trace_explanation.md.j2`; this module computes the facts they receive
//! (`ExplainFacts`, `ExplanationDoc`).

use serde::Serialize;

use super::knowledge::{Cause, Entry, KnowledgeBase, RemoteClient};
use crate::traces::{Frame, Runtime, Trace};

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
        .map(|f| f.function.as_deref().unwrap_or("?").to_owned())
        .collect();
    path.reverse();
    path
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

/// Explains a trace with a given knowledge base. A template error (a bug the tests catch)
/// becomes the summary.
pub fn explain_with(kb: &KnowledgeBase, trace: &Trace, ctx: &ExplainContext) -> Explanation {
    try_explain_with(kb, trace, ctx).unwrap_or_else(|e| {
        tracing::error!("{e}");
        Explanation {
            summary: format!("debuglens could not write this explanation: {e}"),
            immediate_cause: String::new(),
            likely_causes: Vec::new(),
            next_steps: Vec::new(),
        }
    })
}

/// [`explain_with`], with a template error as the `Err`.
pub fn try_explain_with(
    kb: &KnowledgeBase,
    trace: &Trace,
    ctx: &ExplainContext,
) -> Result<Explanation, String> {
    let facts = Facts::of(trace, ctx);
    let known = kb.lookup(&trace.language, facts.exception, facts.message);
    let entry = known.or_else(|| kb.generic(facts.exception, facts.message));
    let remote = remoteness(kb, trace, facts.source.as_deref(), entry);
    let kind = entry.map_or("unknown", |e| e.kind.as_str());
    let mut doc = ExplainFacts::new(&facts, known, entry, &remote, ctx, trace);
    let (summary, immediate, next_steps) = doc.parts()?;
    Ok(Explanation {
        summary,
        immediate_cause: immediate.trim_end().to_owned(),
        likely_causes: likely_causes(kb, &facts, entry, kind, ctx),
        next_steps,
    })
}

/// What `templates/explanation.j2` receives: the facts every sentence draws on.
#[derive(Serialize)]
struct ExplainFacts {
    exception: String,
    /// The message's first line, truncated; empty when there is none.
    message: String,
    /// The trace has a frame to focus on, and one of its frames is the application's.
    focus: bool,
    has_app_frame: bool,
    /// The focused frame's function and `path:line`.
    function: String,
    location: String,
    /// The failing source line.
    source: Option<String>,
    /// The knowledge base's title for this exception; `inferred` when only the generic
    /// entry for its name matched (of `kind`).
    title: Option<String>,
    inferred: bool,
    kind: String,
    remote: RemoteFacts,
    /// Times seen and where (the log lines).
    count: usize,
    first_line: Option<u32>,
    last_line: Option<u32>,
    /// The knowledge base's immediate cause, filled in, as a sentence.
    entry_immediate: Option<String>,
    /// The `timeout` written on the failing line, for a timeout.
    written_timeout: Option<String>,
    /// The app frames' functions, outermost first.
    app_path: Vec<String>,
    /// The knowledge base's fix, filled in, as a sentence.
    fix: Option<String>,
    /// The knowledge base's next steps, filled in, as sentences.
    narrow_steps: Vec<String>,
    /// Separates the parts when they are rendered at once.
    sep: char,
    /// Render just this part (`summary`, `immediate`, `wide`, `narrow` with `step`,
    /// `focused`, `fix`); all of them when none.
    only: Option<&'static str>,
    step: String,
}

/// [`Remoteness`] in `templates/explanation.j2`.
#[derive(Serialize)]
struct RemoteFacts {
    /// `client`, `source_line`, `typical` or `local`.
    kind: &'static str,
    /// The client's name, or what the source line makes (`an HTTP request`).
    name: String,
    /// The client's kind (`http`).
    client_kind: String,
}

impl RemoteFacts {
    fn of(r: &Remoteness) -> Self {
        let (kind, name, client_kind) = match r {
            Remoteness::Client(c) => ("client", c.name.clone(), c.kind.clone()),
            Remoteness::SourceLine(what) => ("source_line", (*what).to_owned(), String::new()),
            Remoteness::Typical => ("typical", String::new(), String::new()),
            Remoteness::Local => ("local", String::new(), String::new()),
        };
        RemoteFacts {
            kind,
            name,
            client_kind,
        }
    }
}

impl ExplainFacts {
    fn new(
        facts: &Facts,
        known: Option<&Entry>,
        entry: Option<&Entry>,
        remote: &Remoteness,
        ctx: &ExplainContext,
        trace: &Trace,
    ) -> Self {
        let kind = entry.map_or("unknown", |e| e.kind.as_str());
        ExplainFacts {
            exception: facts.exception.to_owned(),
            message: truncate(facts.message, 200),
            focus: facts.focus.is_some(),
            has_app_frame: facts.has_app_frame,
            function: facts.function.clone(),
            location: facts.location.clone(),
            source: facts.source.clone(),
            title: known.map(|e| e.title.trim_end_matches('.').to_owned()),
            inferred: known.is_none() && entry.is_some(),
            kind: kind.to_owned(),
            remote: RemoteFacts::of(remote),
            count: ctx.count,
            first_line: ctx.first_line,
            last_line: ctx.last_line,
            entry_immediate: entry.map(|e| sentence(&facts.fill(&e.immediate_cause))),
            written_timeout: (kind == "timeout")
                .then(|| facts.source.as_deref().and_then(written_timeout))
                .flatten()
                .map(str::to_owned),
            app_path: app_call_path(trace),
            fix: entry
                .and_then(|e| e.fix.as_deref())
                .map(|f| sentence(&facts.fill(f))),
            narrow_steps: entry
                .map(|e| e.next_steps.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|s| sentence(&facts.fill(s)))
                .collect(),
            sep: PART_SEPARATOR,
            only: None,
            step: String::new(),
        }
    }

    fn render(&self) -> Result<String, String> {
        super::templates::render(
            "explanation.j2",
            include_str!("templates/explanation.j2"),
            self,
        )
    }

    /// (summary, immediate cause, next steps): one render of every part, split on
    /// [`PART_SEPARATOR`]; part by part when a fact itself contains the separator.
    fn parts(&mut self) -> Result<(String, String, Vec<String>), String> {
        let all = self.render()?;
        let mut parts: Vec<String> = all.split(PART_SEPARATOR).map(str::to_owned).collect();
        if parts.len() != 4 + self.narrow_steps.len() {
            parts.clear();
            for only in ["summary", "immediate", "wide"] {
                self.only = Some(only);
                parts.push(self.render()?);
            }
            for i in 0..self.narrow_steps.len() {
                self.only = Some("narrow");
                self.step = self.narrow_steps[i].clone();
                parts.push(self.render()?);
            }
            for only in ["focused", "fix"] {
                self.only = Some(only);
                parts.push(self.render()?);
            }
        }
        let mut parts = parts.into_iter();
        let summary = parts.next().unwrap_or_default();
        let immediate = parts.next().unwrap_or_default();
        Ok((summary, immediate, parts.collect()))
    }
}

/// Between the parts of one render of `templates/explanation.j2` (ASCII unit separator).
const PART_SEPARATOR: char = '\u{1f}';

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

fn frame_line(kb: &KnowledgeBase, language: &Runtime, f: &Frame) -> FrameLine {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn python_trace(message: &str) -> Trace {
        let text = format!(
            "Traceback (most recent call last):\n  File \"/app/shop/orders.py\", line 3, in place\n    total(cart)\nValueError: {message}\n"
        );
        crate::traces::scan(&text).remove(0)
    }

    #[test]
    fn a_message_holding_the_part_separator_is_rendered_part_by_part() {
        let plain = explain(&python_trace("bad value"), &ExplainContext::default());
        let odd = explain(&python_trace("bad\u{1f}value"), &ExplainContext::default());
        assert_eq!(odd.next_steps.len(), plain.next_steps.len(), "{odd:#?}");
        assert!(
            odd.immediate_cause.contains("`ValueError: bad\u{1f}value`"),
            "{odd:#?}"
        );
        assert_eq!(
            odd.immediate_cause.replace("bad\u{1f}value", "bad value"),
            plain.immediate_cause
        );
        assert_eq!(odd.summary, plain.summary);
        assert_eq!(odd.next_steps, plain.next_steps);
    }
}
