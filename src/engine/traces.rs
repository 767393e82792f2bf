//! Stack traces in a document: found, grouped, resolved to workspace files, explained, and
//! turned into diagnostics — on the trace itself and on the source lines of its frames.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;

use super::{Context, Diagnostic, DocumentInput, DocumentReport, Location, Related, Severity};
use crate::guidance::{self, ExplainContext, Explanation};
use crate::traces::{self, Frame, Trace};
use crate::workspace::resolve::{Resolution, Resolver};

pub const RULE: &str = "stack-trace";

/// One trace found in the document.
#[derive(Debug, Clone)]
pub struct TraceReport {
    pub trace: Trace,
    /// Where each frame's file is in the workspace, parallel to `trace.frames`.
    pub resolutions: Vec<Resolution>,
    /// Index into `DocumentReport::trace_groups`.
    pub group: usize,
}

/// Identical traces (same exception and app frames) counted once, with one explanation.
#[derive(Debug, Clone)]
pub struct GroupReport {
    /// Index into `DocumentReport::traces` of the first occurrence.
    pub representative: usize,
    pub count: usize,
    /// 1-based lines of the first and last occurrence.
    pub first_line: u32,
    pub last_line: u32,
    /// False when the exception is the cause of another one in the same paste.
    pub is_root: bool,
    pub explanation: Explanation,
    /// The loop-remote-call finding on this trace's path, when there is one.
    pub correlated: Option<crate::code::Finding>,
}

/// A diagnostic that a trace puts on a workspace file: the source line of one of its frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameMark {
    pub target: PathBuf,
    /// 1-based line the frame names.
    pub line: u32,
    /// The code the frame pointed at, to find the line again after edits.
    pub expected: Option<String>,
    pub severity: Severity,
    pub message: String,
    /// The trace's header line in the document that holds the trace.
    pub origin: Range<usize>,
    /// The frame's own line in that document.
    pub frame_span: Range<usize>,
}

pub(super) fn analyze(input: DocumentInput<'_>, cx: &Context<'_, '_>, report: &mut DocumentReport) {
    let found = traces::scan(input.text);
    if found.is_empty() {
        return;
    }
    let resolver = Resolver {
        index: cx.workspace,
        mappings: &cx.settings.path_mappings,
    };
    let mut cache: HashMap<(String, Option<String>, bool), Resolution> = HashMap::new();
    let groups = traces::group(&found, input.text);
    let roots = traces::roots(&found);
    let mut group_of = vec![0; found.len()];
    for (g, group) in groups.iter().enumerate() {
        for &m in &group.members {
            if let Some(slot) = group_of.get_mut(m) {
                *slot = g;
            }
        }
    }

    let mut reports: Vec<TraceReport> = found
        .into_iter()
        .enumerate()
        .map(|(i, trace)| {
            let resolutions = trace
                .frames
                .iter()
                .map(|f| {
                    cache
                        .entry((f.path.clone(), f.function.clone(), f.in_app))
                        .or_insert_with(|| resolver.resolve(f, trace.language))
                        .clone()
                })
                .collect();
            TraceReport {
                trace,
                resolutions,
                group: group_of[i],
            }
        })
        .collect();

    let all_findings = (!groups.is_empty()).then(|| (cx.findings)());
    let all_findings = all_findings
        .as_deref()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (g, group) in groups.iter().enumerate() {
        let Some(&rep) = group.members.first() else {
            continue;
        };
        let t = &reports[rep];
        let innermost_source = innermost_app(t)
            .and_then(|(frame, res)| Some(source_line(cx, res.path()?, frame.line?)))
            .flatten();
        let correlated = super::correlate::finding_for(t, all_findings, cx.workspace);
        let ctx = ExplainContext {
            count: group.count,
            first_line: Some(group.first_line as u32),
            last_line: Some(group.last_line as u32),
            innermost_source,
            correlated: correlated
                .map(super::correlate::hypothesis)
                .into_iter()
                .collect(),
        };
        let mut explanation = guidance::explain(&t.trace, &ctx);
        if correlated.is_some() {
            // The concrete finding replaces the knowledge base's generic N+1 hypothesis.
            let mut first = true;
            explanation
                .likely_causes
                .retain(|h| std::mem::replace(&mut first, false) || !h.cause.contains("N+1"));
        }
        report.trace_groups.push(GroupReport {
            representative: rep,
            count: group.count,
            first_line: group.first_line as u32,
            last_line: group.last_line as u32,
            is_root: roots.contains(&rep),
            explanation,
            correlated: correlated.cloned(),
        });
        let _ = g;
    }

    for group in &report.trace_groups {
        if !group.is_root {
            continue;
        }
        let t = &reports[group.representative];
        report
            .diagnostics
            .push(header_diagnostic(input, cx, t, group, &reports));
        marks_for_chain(
            input,
            cx,
            &reports,
            group.representative,
            &mut report.frame_marks,
        );
    }
    dedupe_marks(&mut report.frame_marks);
    report.traces.append(&mut reports);
}

fn innermost_app(t: &TraceReport) -> Option<(&Frame, &Resolution)> {
    t.trace
        .frames
        .iter()
        .zip(&t.resolutions)
        .find(|(f, _)| f.in_app)
}

/// The trimmed text of 1-based `line` in `path`, from the open buffer or the disk.
fn source_line(cx: &Context<'_, '_>, path: &std::path::Path, line: u32) -> Option<String> {
    let text = cx.sources.text(path)?;
    let l = text.lines().nth(line.checked_sub(1)? as usize)?;
    Some(l.trim().to_string())
}

fn rel(cx: &Context<'_, '_>, path: &std::path::Path) -> String {
    match cx.workspace.root_of(path) {
        Some(root) => crate::workspace::relative(root, path),
        None => path.display().to_string(),
    }
}

fn header_diagnostic(
    input: DocumentInput<'_>,
    cx: &Context<'_, '_>,
    t: &TraceReport,
    group: &GroupReport,
    all: &[TraceReport],
) -> Diagnostic {
    let trace = &t.trace;
    let mut message = trace.exception.clone();
    if !trace.message.is_empty() {
        message.push_str(&format!(": {}", clip(&trace.message, 120)));
    }
    message.push_str(&format!(
        " — {} frame{}",
        trace.frames.len(),
        if trace.frames.len() == 1 { "" } else { "s" }
    ));
    let mut related = Vec::new();
    if let Some((frame, res)) = innermost_app(t) {
        let func = frame.function.as_deref().unwrap_or("?");
        let line = frame.line.map(|l| format!(":{l}")).unwrap_or_default();
        let place = res
            .path()
            .map(|p| rel(cx, p))
            .unwrap_or_else(|| frame.path.clone());
        message.push_str(&format!(", innermost app frame {func} ({place}{line})"));
        if let (Some(path), Some(l)) = (res.path(), frame.line) {
            if let Some(range) = cx
                .sources
                .text(path)
                .and_then(|text| locate(&text, l, frame.source_line.as_deref()))
            {
                related.push(Related {
                    location: Location {
                        path: path.to_path_buf(),
                        range,
                    },
                    message: format!("raised here: {}", trace.exception),
                });
            }
        }
    }
    let mut cause = trace.caused_by;
    let mut causes = Vec::new();
    while let Some(c) = cause {
        let Some(ct) = all.get(c) else { break };
        if causes.len() > 8 {
            break;
        }
        causes.push(ct.trace.exception.clone());
        cause = ct.trace.caused_by;
    }
    if !causes.is_empty() {
        message.push_str(&format!("; caused by {}", causes.join(" ← ")));
    }
    if group.count > 1 {
        message.push_str(&format!(
            "; seen {}× (lines {}–{})",
            group.count, group.first_line, group.last_line
        ));
    }
    let _ = input;
    Diagnostic {
        range: trace.header_span.clone(),
        severity: Severity::Information,
        rule: RULE,
        message,
        related,
        data: Some(serde_json::json!({ "kind": "trace", "trace": group.representative })),
    }
}

/// Marks for a root trace and the traces that caused it: the innermost app frame of each is
/// where it was raised; the other app frames are on its failing path.
fn marks_for_chain(
    input: DocumentInput<'_>,
    cx: &Context<'_, '_>,
    all: &[TraceReport],
    root: usize,
    out: &mut Vec<FrameMark>,
) {
    let root_trace = &all[root].trace;
    let origin_line = line_number(input.text, root_trace.header_span.start);
    let origin = format!("{}:{}", input.display, origin_line);
    let mut current = Some(root);
    let mut hops = 0;
    while let Some(i) = current {
        let Some(t) = all.get(i) else { break };
        hops += 1;
        if hops > 16 {
            break;
        }
        let what = if i == root {
            t.trace.exception.clone()
        } else {
            format!(
                "{}, the cause of {}",
                t.trace.exception, root_trace.exception
            )
        };
        let quoted = if t.trace.message.is_empty() {
            String::new()
        } else {
            format!(" — \"{}\"", clip(&t.trace.message, 100))
        };
        let mut first_app = true;
        for (frame, res) in t.trace.frames.iter().zip(&t.resolutions) {
            if !frame.in_app {
                continue;
            }
            let innermost = std::mem::replace(&mut first_app, false);
            let (Some(path), Some(line)) = (res.path(), frame.line) else {
                continue;
            };
            let expected = frame
                .source_line
                .clone()
                .or_else(|| source_line(cx, path, line));
            let (severity, message) = if innermost {
                (
                    Severity::Warning,
                    format!("raised here: {what}{quoted} ({origin})"),
                )
            } else {
                let func = t
                    .trace
                    .frames
                    .iter()
                    .find(|f| f.in_app)
                    .and_then(|f| f.function.as_deref());
                let via = func.map(|f| format!(" via {f}()")).unwrap_or_default();
                (
                    Severity::Information,
                    format!("on the failing path of {what}{via} ({origin})"),
                )
            };
            out.push(FrameMark {
                target: path.to_path_buf(),
                line,
                expected,
                severity,
                message,
                origin: root_trace.header_span.clone(),
                frame_span: frame.span.clone(),
            });
        }
        current = t.trace.caused_by;
    }
}

/// One mark per source line: the most severe, then the first.
fn dedupe_marks(marks: &mut Vec<FrameMark>) {
    let mut best: HashMap<(PathBuf, u32), usize> = HashMap::new();
    for (i, m) in marks.iter().enumerate() {
        let key = (m.target.clone(), m.line);
        match best.get(&key) {
            // Severity orders most serious first.
            Some(&j) if marks[j].severity <= m.severity => {}
            _ => {
                best.insert(key, i);
            }
        }
    }
    let mut keep: Vec<usize> = best.into_values().collect();
    keep.sort_unstable();
    let kept: Vec<FrameMark> = keep.into_iter().map(|i| marks[i].clone()).collect();
    *marks = kept;
}

/// 1-based line of byte `offset` in `text` (for one offset; build `text::line_starts` once for
/// many).
pub fn line_number(text: &str, offset: usize) -> usize {
    crate::text::line_number(&crate::text::line_starts(text), offset)
}

/// Finds where a frame's line is now: the 1-based `line` if it still holds `expected` (or
/// nothing is expected), else the nearest line within 200 that does, else `line` itself.
/// Returns the byte range of the line's text without indentation and line break.
pub fn locate(text: &str, line: u32, expected: Option<&str>) -> Option<Range<usize>> {
    let starts = crate::text::line_starts(text);
    let content = |n: usize| -> Option<Range<usize>> {
        let start = *starts.get(n)?;
        let end = starts
            .get(n + 1)
            .map_or(text.len(), |e| e.saturating_sub(1));
        let raw = text.get(start..end)?;
        let trimmed_end = raw.trim_end_matches(['\r', '\n']).len();
        let lead = raw.len() - raw.trim_start().len();
        let s = start + lead.min(trimmed_end);
        Some(s..start + trimmed_end)
    };
    let target = (line as usize).checked_sub(1)?;
    let expected = expected.map(str::trim).filter(|e| !e.is_empty());
    let matches = |n: usize| -> bool {
        match (expected, content(n)) {
            (Some(e), Some(r)) => text.get(r).is_some_and(|t| t.trim() == e),
            _ => false,
        }
    };
    if expected.is_none() || matches(target) {
        return content(target);
    }
    for d in 1..=200usize {
        if target >= d && matches(target - d) {
            return content(target - d);
        }
        if matches(target + d) {
            return content(target + d);
        }
    }
    content(target)
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_follows_a_line_that_moved_down() {
        let text = "a\nb\n    target()\nc\n";
        assert_eq!(locate(text, 3, Some("target()")), Some(8..16));
        let moved = "new\na\nb\n    target()\nc\n";
        assert_eq!(
            &moved[locate(moved, 3, Some("target()")).unwrap()],
            "target()"
        );
    }

    #[test]
    fn locate_keeps_the_named_line_when_the_code_is_gone() {
        let text = "a\nb\nsomething else\n";
        assert_eq!(
            &text[locate(text, 3, Some("target()")).unwrap()],
            "something else"
        );
        assert_eq!(locate(text, 9, None), None);
    }

    #[test]
    fn locate_counts_a_lone_carriage_return_as_a_line_break() {
        // A source file saved with old-Mac line ends: line 3 is `c()`, not the whole file.
        let text = "a()\rb()\rc()\rd()";
        assert_eq!(&text[locate(text, 3, None).unwrap()], "c()");
        let text = "a()\r\nb()\r\n  c()\r\n";
        assert_eq!(&text[locate(text, 3, Some("c()")).unwrap()], "c()");
    }

    #[test]
    fn line_numbers_count_crlf_once_and_lone_cr() {
        assert_eq!(line_number("a\r\nb\rc\nd", 7), 4);
        assert_eq!(line_number("abc", 1), 1);
        // Counting breaks before the offset missed a lone `\r` right before it.
        assert_eq!(line_number("a\rb", 2), 2);
    }
}
