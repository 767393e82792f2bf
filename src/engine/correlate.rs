//! Joins the two analyses: a trace whose frames lie on the call chain of a loop-remote-call
//! finding gets that finding as its first hypothesis (the demo's timeout in
//! `InventoryClient.check` is reached from the loop in `process_checkout`).

use crate::code::Finding;
use crate::guidance::Hypothesis;
use crate::workspace::WorkspaceIndex;
use crate::workspace::resolve::Resolution;

use super::traces::TraceReport;

fn last_segment(name: &str) -> &str {
    name.rsplit(['.', ':', '/']).next().unwrap_or(name)
}

/// The first finding (innermost frame first) whose chain or call site a frame of `t` is on.
pub fn finding_for<'f>(
    t: &TraceReport,
    findings: &'f [Finding],
    workspace: &WorkspaceIndex,
) -> Option<&'f Finding> {
    for (frame, res) in t.trace.frames.iter().zip(&t.resolutions) {
        let (true, Resolution::Resolved(path)) = (frame.in_app, res) else {
            continue;
        };
        let Some(root) = workspace.root_of(path) else {
            continue;
        };
        let rel = crate::workspace::relative(root, path);
        let function = frame.function.as_deref().map(last_segment);
        let hit = findings.iter().find(|f| {
            let on_chain = f
                .chain
                .iter()
                .any(|h| h.path == rel && Some(last_segment(&h.function)) == function);
            let at_call = f.path == rel && frame.line.is_some_and(|l| l as usize == f.line());
            on_chain || at_call
        });
        if hit.is_some() {
            return hit;
        }
    }
    None
}

/// The finding as the trace's first hypothesis, with its numbers.
pub fn hypothesis(f: &Finding) -> Hypothesis {
    let header = f
        .loops
        .first()
        .map(|l| l.header.as_str())
        .unwrap_or("a loop");
    let timeout = f
        .timeout
        .as_deref()
        .map(|t| format!(" ({t} per call)"))
        .unwrap_or_default();
    Hypothesis {
        cause: format!(
            "N+1: {}() is called once per iteration of \"{header}\" ({}:{}) and reaches this call, so a request with N items makes N sequential remote calls; total time grows with N and crosses the timeout{timeout} for larger inputs",
            f.callee,
            f.path,
            f.line()
        ),
        confirm: format!(
            "Failing requests carry more items than succeeding ones; the number of calls per failing request equals its item count; N × the per-call latency exceeds the timeout. The code path is flagged at {}:{}",
            f.path,
            f.line()
        ),
        rule_out: "Failing requests have a single item, or each request makes exactly one call"
            .to_string(),
    }
}
