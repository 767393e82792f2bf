//! Renderings of `check` results. Lines and columns are 1-based; columns count Unicode code
//! points (SARIF says so with `columnKind`).

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::engine::{Diagnostic, DocumentReport, Severity};
use crate::text::{Encoding, LineIndex};
use crate::workspace::resolve::Resolution;

/// The findings of one file, with its text for position conversion.
pub struct FileFindings {
    pub display: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information => "info",
        Severity::Hint => "hint",
    }
}

struct Span {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

fn span(index: &LineIndex, range: &std::ops::Range<usize>) -> Span {
    let s = index.position(range.start, Encoding::Utf32);
    let e = index.position(range.end, Encoding::Utf32);
    Span {
        line: s.line + 1,
        column: s.character + 1,
        end_line: e.line + 1,
        end_column: e.character + 1,
    }
}

pub fn text(
    results: &[FileFindings],
    files_checked: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut total = 0;
    for file in results {
        let index = LineIndex::new(&file.text);
        for d in &file.diagnostics {
            let s = span(&index, &d.range);
            writeln!(
                out,
                "{}:{}:{}: {}: {} [{}]",
                file.display,
                s.line,
                s.column,
                severity_word(d.severity),
                d.message,
                d.rule
            )?;
            total += 1;
        }
    }
    if total == 0 {
        writeln!(out, "debuglens: no findings in {files_checked} file(s)")?;
    } else {
        writeln!(
            out,
            "debuglens: {total} finding(s) in {} of {files_checked} file(s)",
            results.len()
        )?;
    }
    Ok(())
}

pub fn json(results: &[FileFindings], out: &mut dyn Write) -> std::io::Result<()> {
    let mut findings = Vec::new();
    for file in results {
        let index = LineIndex::new(&file.text);
        for d in &file.diagnostics {
            let s = span(&index, &d.range);
            let mut f = json!({
                "rule": d.rule,
                "path": file.display,
                "line": s.line, "column": s.column, "end_line": s.end_line, "end_column": s.end_column,
                "severity": severity_word(d.severity),
                "message": d.message,
            });
            if let (Some(Value::Object(extra)), Some(obj)) = (&d.data, f.as_object_mut()) {
                for (k, v) in extra {
                    obj.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            findings.push(f);
        }
    }
    serde_json::to_writer_pretty(&mut *out, &json!({ "findings": findings }))?;
    writeln!(out)
}

pub fn sarif(results: &[FileFindings], out: &mut dyn Write) -> std::io::Result<()> {
    let mut sarif_results = Vec::new();
    let mut rules: Vec<&'static str> = Vec::new();
    for file in results {
        let index = LineIndex::new(&file.text);
        for d in &file.diagnostics {
            if !rules.contains(&d.rule) {
                rules.push(d.rule);
            }
            let s = span(&index, &d.range);
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Information | Severity::Hint => "note",
            };
            sarif_results.push(json!({
                "ruleId": d.rule,
                "level": level,
                "message": { "text": d.message },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": file.display, "uriBaseId": "%SRCROOT%" },
                    "region": { "startLine": s.line, "startColumn": s.column, "endLine": s.end_line, "endColumn": s.end_column }
                }}]
            }));
        }
    }
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| json!({ "id": r, "name": r, "shortDescription": { "text": rule_description(r) } }))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "debuglens",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/debuglens/debuglens",
                "rules": rules
            }},
            "columnKind": "unicodeCodePoints",
            "results": sarif_results
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn rule_description(rule: &str) -> &'static str {
    match rule {
        "loop-remote-call" => {
            "A remote call (HTTP, RPC, database, cache) made once per loop iteration"
        }
        "stack-trace" => "A stack trace found in the text",
        _ => "debuglens finding",
    }
}

/// The stable JSON of `debuglens explain`: one entry per distinct trace (identical ones in a log
/// are counted), frames innermost first, `caused_by` an index into the same list.
pub fn explain_value(report: &DocumentReport, text: &str, root: &Path) -> Value {
    let starts = crate::text::line_starts(text);
    let entry_of_group: std::collections::HashMap<usize, usize> = report
        .trace_groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.representative, i))
        .collect();
    let traces: Vec<Value> = report
        .trace_groups
        .iter()
        .filter_map(|g| {
            let t = report.traces.get(g.representative)?;
            let frames: Vec<Value> = t
                .trace
                .frames
                .iter()
                .zip(&t.resolutions)
                .map(|(f, r)| {
                    json!({
                        "path": f.path, "line": f.line, "column": f.column, "function": f.function,
                        "in_app": f.in_app,
                        "resolved": r.path().map(|p| crate::workspace::relative(root, p)),
                    })
                })
                .collect();
            let caused_by = t
                .trace
                .caused_by
                .and_then(|c| report.traces.get(c))
                .and_then(|c| report.trace_groups.get(c.group))
                .and_then(|cg| entry_of_group.get(&cg.representative));
            Some(json!({
                "language": t.trace.language,
                "exception": t.trace.exception,
                "message": t.trace.message,
                "line": crate::text::line_number(&starts, t.trace.span.start),
                "end_line": crate::text::line_number(&starts, t.trace.span.end.saturating_sub(1).max(t.trace.span.start)),
                "frames": frames,
                "caused_by": caused_by,
                "count": g.count,
                "explanation": g.explanation,
            }))
        })
        .collect();
    json!({ "traces": traces })
}

pub fn explain_json(
    report: &DocumentReport,
    text: &str,
    root: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &explain_value(report, text, root))?;
    writeln!(out)
}

pub fn explain_text(
    report: &DocumentReport,
    text: &str,
    root: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let starts = crate::text::line_starts(text);
    if report.trace_groups.is_empty() {
        return writeln!(out, "debuglens: no stack trace found");
    }
    // The exceptions a user saw first; the ones that caused them after.
    let mut order: Vec<&crate::engine::traces::GroupReport> = report.trace_groups.iter().collect();
    order.sort_by_key(|g| !g.is_root);
    for (n, g) in order.into_iter().enumerate() {
        let role = if g.is_root {
            ""
        } else {
            " (the cause of a later exception)"
        };
        let Some(t) = report.traces.get(g.representative) else {
            continue;
        };
        let start = crate::text::line_number(&starts, t.trace.span.start);
        let end = crate::text::line_number(
            &starts,
            t.trace.span.end.saturating_sub(1).max(t.trace.span.start),
        );
        let seen = if g.count > 1 {
            format!(
                ", seen {}× (lines {}–{})",
                g.count, g.first_line, g.last_line
            )
        } else {
            String::new()
        };
        if n > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "━━ {} trace, lines {start}–{end}{seen}{role}",
            serde_json::to_value(t.trace.language)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        )?;
        writeln!(out, "Frames (innermost first):")?;
        for (f, r) in t.trace.frames.iter().zip(&t.resolutions) {
            let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
            let resolved = match r {
                Resolution::Resolved(p) => {
                    format!(" → {}{line}", crate::workspace::relative(root, p))
                }
                Resolution::Ambiguous(c) => format!(" → ambiguous: {} candidates", c.len()),
                Resolution::Unresolved => String::new(),
            };
            let kind = if f.in_app { "app" } else { "lib" };
            writeln!(
                out,
                "  [{kind}] {} {}{line}{resolved}",
                f.function.as_deref().unwrap_or("?"),
                f.path
            )?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            crate::guidance::to_markdown(&t.trace, &g.explanation).trim_end()
        )?;
    }
    Ok(())
}
