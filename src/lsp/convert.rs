//! Domain types → LSP types, in the negotiated position encoding. The only place that does it.

use std::path::Path;

use tower_lsp_server::ls_types as lsp;

use crate::engine;
use crate::text::{Encoding, LineIndex, LineTable, Position};

pub fn position(p: Position) -> lsp::Position {
    lsp::Position::new(p.line, p.character)
}

pub fn from_lsp(p: lsp::Position) -> Position {
    Position::new(p.line, p.character)
}

pub fn range(index: &LineIndex, r: &std::ops::Range<usize>, enc: Encoding) -> lsp::Range {
    lsp::Range::new(
        position(index.position(r.start, enc)),
        position(index.position(r.end, enc)),
    )
}

pub fn table_range(table: &LineTable, r: &std::ops::Range<usize>, enc: Encoding) -> lsp::Range {
    lsp::Range::new(
        position(table.position(r.start, enc)),
        position(table.position(r.end, enc)),
    )
}

pub fn severity(s: engine::Severity) -> lsp::DiagnosticSeverity {
    match s {
        engine::Severity::Error => lsp::DiagnosticSeverity::ERROR,
        engine::Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        engine::Severity::Information => lsp::DiagnosticSeverity::INFORMATION,
        engine::Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

pub fn uri_for_path(path: &Path) -> Option<lsp::Uri> {
    lsp::Uri::from_file_path(path)
}

/// A file named in related information, as conversion needs it: its URI and line table.
pub struct RelatedFile {
    pub uri: lsp::Uri,
    pub lines: LineTable,
}

/// Converts one diagnostic, moving its `data` out (the LSP form is the one kept). `file_of`
/// supplies the files named in related information (their text from the open buffer when
/// there is one, else from disk); a caller converting many diagnostics looks each up once.
pub fn diagnostic(
    table: &LineTable,
    d: &mut engine::Diagnostic,
    enc: Encoding,
    file_of: &mut dyn FnMut(&Path) -> Option<std::sync::Arc<RelatedFile>>,
) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let file = file_of(&r.location.path)?;
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(
                    file.uri.clone(),
                    table_range(&file.lines, &r.location.range, enc),
                ),
                message: r.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: table_range(table, &d.range, enc),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.rule.to_string())),
        source: Some("debuglens".to_string()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        data: d.data.take(),
        ..Default::default()
    }
}
