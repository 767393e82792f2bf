//! Findings: what the engine reports, with everything a code action needs.

use super::Span;
use super::catalog::ApiKind;
use serde::Serialize;

pub const RULE_LOOP_REMOTE_CALL: &str = "loop-remote-call";

/// How serious a diagnostic is, most serious first (the one severity type of the engine and
/// both faces; loop findings are warnings or, when sequential by design, hints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Low,
}

/// One hop of the call chain from the loop's call to the remote API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainHop {
    pub path: String,
    /// Span of the call made inside `function` (toward the API).
    pub span: Span,
    pub function: String,
    /// Qualified remote API, set on the hop that calls it.
    pub api: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchAlternative {
    pub path: String,
    pub span: Span,
    pub name: String,
    pub params: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoopRef {
    pub header: String,
    pub span: Span,
    pub header_span: Span,
    pub var: Option<String>,
    pub iterable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub path: String,
    /// The call inside the loop.
    pub span: Span,
    pub severity: Severity,
    pub message: String,
    pub confidence: Confidence,
    pub kind: ApiKind,
    /// Innermost loop first, then enclosing loops executing the call.
    pub loops: Vec<LoopRef>,
    /// Callee text at the call site (`validate_inventory`).
    pub callee: String,
    pub call_text: String,
    pub chain: Vec<ChainHop>,
    pub batch_alternative: Option<BatchAlternative>,
    pub sequential_reason: Option<String>,
    pub in_async: bool,
    /// Client timeout literal seen on the API call (`timeout=5`).
    pub timeout: Option<String>,
    /// HTTP verb when known.
    pub http_method: Option<String>,
    /// Other files this finding's chain passes through (for republishing).
    #[serde(skip)]
    pub depends_on: Vec<String>,
}

/// The CLI's stable JSON shape: lines and columns 1-based.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingJson {
    pub rule: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub severity: Severity,
    pub message: String,
    pub loop_line: usize,
    pub confidence: Confidence,
    pub chain: Vec<ChainHopJson>,
    pub batch_alternative: Option<BatchJson>,
    pub sequential_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainHopJson {
    pub path: String,
    pub line: usize,
    pub function: String,
    pub api: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchJson {
    pub path: String,
    pub line: usize,
    pub name: String,
}

impl Finding {
    /// 1-based line of the call.
    pub fn line(&self) -> usize {
        self.span.start.line + 1
    }

    pub fn to_json(&self) -> FindingJson {
        FindingJson {
            rule: self.rule.to_string(),
            path: self.path.clone(),
            line: self.span.start.line + 1,
            column: self.span.start.col + 1,
            end_line: self.span.end.line + 1,
            end_column: self.span.end.col + 1,
            severity: self.severity,
            message: self.message.clone(),
            loop_line: self
                .loops
                .first()
                .map(|l| l.span.start.line + 1)
                .unwrap_or(0),
            confidence: self.confidence,
            chain: self
                .chain
                .iter()
                .map(|h| ChainHopJson {
                    path: h.path.clone(),
                    line: h.span.start.line + 1,
                    function: h.function.clone(),
                    api: h.api.clone(),
                })
                .collect(),
            batch_alternative: self.batch_alternative.as_ref().map(|b| BatchJson {
                path: b.path.clone(),
                line: b.span.start.line + 1,
                name: b.name.clone(),
            }),
            sequential_reason: self.sequential_reason.clone(),
        }
    }
}
