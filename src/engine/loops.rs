//! Loop-wrapped remote calls: the code index's findings for one file, as diagnostics.

use std::path::Path;

use serde_json::json;

use super::{Diagnostic, Location, Related};
use crate::code::{self, AnalysisConfig, Finding, catalog::UserEntry};
use crate::config::Settings;

pub const RULE: &str = code::finding::RULE_LOOP_REMOTE_CALL;

/// The engine settings the code index is built with.
pub fn analysis_config(settings: &Settings) -> AnalysisConfig {
    AnalysisConfig {
        report_sequential_by_design: settings.report_sequential_by_design,
        report_low_confidence: true,
        user_entries: settings
            .remote_calls
            .iter()
            .filter_map(|spec| {
                let kind = serde_json::from_value(json!(spec.kind)).ok()?;
                Some(UserEntry {
                    language: spec.language.clone(),
                    pattern: Some(spec.pattern.clone()),
                    receiver: None,
                    method: None,
                    kind,
                })
            })
            .collect(),
    }
}

/// A diagnostic's `data`: the finding's JSON fields beyond those of the diagnostic itself.
#[derive(serde::Serialize)]
struct DataJson {
    loop_line: usize,
    confidence: code::finding::Confidence,
    chain: Vec<code::finding::ChainHopJson>,
    batch_alternative: Option<code::finding::BatchJson>,
    sequential_reason: Option<String>,
}

/// Findings → diagnostics. `root` is the folder the index's relative paths are under.
pub fn diagnostics(findings: &[Finding], root: &Path) -> Vec<Diagnostic> {
    findings.iter().map(|f| diagnostic(f, root)).collect()
}

fn diagnostic(f: &Finding, root: &Path) -> Diagnostic {
    let mut related = Vec::new();
    for (i, l) in f.loops.iter().enumerate() {
        related.push(Related {
            location: Location {
                path: root.join(&f.path),
                range: l.header_span.start.byte..l.header_span.end.byte,
            },
            message: if i == 0 {
                format!("the loop: {}", l.header)
            } else {
                format!("enclosing loop: {}", l.header)
            },
        });
    }
    for (i, hop) in f.chain.iter().enumerate() {
        let message = match (&hop.api, f.chain.get(i + 1)) {
            (Some(api), _) => format!("{} calls {api}", hop.function),
            (None, Some(next)) => format!("{} calls {}", hop.function, next.function),
            (None, None) => format!("{} makes the remote call", hop.function),
        };
        related.push(Related {
            location: Location {
                path: root.join(&hop.path),
                range: hop.span.start.byte..hop.span.end.byte,
            },
            message,
        });
    }
    if let Some(b) = &f.batch_alternative {
        related.push(Related {
            location: Location {
                path: root.join(&b.path),
                range: b.span.start.byte..b.span.end.byte,
            },
            message: format!("batch alternative: {}", b.name),
        });
    }
    // The stable JSON's fields that the diagnostic does not already carry (its own range,
    // severity, message and rule): `check --format json` joins the two, and a publish of a few
    // hundred findings is not made to carry each message twice. Code actions read the stored
    // finding itself (by range).
    let j = f.to_json();
    let data = serde_json::to_value(DataJson {
        loop_line: j.loop_line,
        confidence: j.confidence,
        chain: j.chain,
        batch_alternative: j.batch_alternative,
        sequential_reason: j.sequential_reason,
    })
    .unwrap_or_default();
    Diagnostic {
        range: f.span.start.byte..f.span.end.byte,
        severity: f.severity,
        rule: RULE,
        message: f.message.clone(),
        related,
        data: Some(data),
    }
}
