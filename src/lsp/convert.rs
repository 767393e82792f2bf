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

/// A range in another file as an LSP location.
pub fn location(r: &engine::requests::FileRange, enc: Encoding) -> Option<lsp::Location> {
    Some(lsp::Location::new(
        uri_for_path(&r.path)?,
        range(&r.lines, &r.range, enc),
    ))
}

/// A frame link's target: the file's URI with `#L<line>,<column>` when the frame has them.
pub fn link_target(path: &Path, line: Option<u32>, column: Option<u32>) -> Option<lsp::Uri> {
    let base = uri_for_path(path)?;
    let fragment = match (line, column) {
        (Some(l), Some(c)) => format!("#L{l},{c}"),
        (Some(l), None) => format!("#L{l}"),
        _ => String::new(),
    };
    format!("{}{fragment}", base.as_str()).parse().ok()
}

/// An action's edit as a workspace edit: versioned text-document edits (open files carry their
/// version, so a client refuses the edit if the text moved on; closed files are edited as they
/// are on disk), or file creations.
pub fn workspace_edit(
    edit: &engine::requests::actions::Edit,
    enc: Encoding,
) -> Result<lsp::WorkspaceEdit, String> {
    use engine::requests::actions::Edit;
    match edit {
        Edit::Create(files) => Ok(create_files_edit(files)),
        Edit::Change(changes) => {
            let mut edits = Vec::new();
            for change in changes {
                let uri = uri_for_path(&change.path)
                    .ok_or_else(|| format!("{} has no file URI", change.path.display()))?;
                edits.push(lsp::TextDocumentEdit {
                    text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                        uri,
                        version: change.text.version,
                    },
                    edits: change
                        .edits
                        .iter()
                        .map(|e| {
                            lsp::OneOf::Left(lsp::TextEdit {
                                range: range(&change.text.lines, &e.range, enc),
                                new_text: e.new_text.clone(),
                            })
                        })
                        .collect(),
                });
            }
            Ok(lsp::WorkspaceEdit {
                document_changes: Some(lsp::DocumentChanges::Edits(edits)),
                ..Default::default()
            })
        }
    }
}

/// A workspace edit that creates each file with its text (never overwriting one that exists).
pub fn create_files_edit(files: &[(std::path::PathBuf, String)]) -> lsp::WorkspaceEdit {
    let mut ops = Vec::new();
    for (path, text) in files {
        let Some(uri) = uri_for_path(path) else {
            continue;
        };
        ops.push(lsp::DocumentChangeOperation::Op(lsp::ResourceOp::Create(
            lsp::CreateFile {
                uri: uri.clone(),
                options: Some(lsp::CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(true),
                }),
                annotation_id: None,
            },
        )));
        ops.push(lsp::DocumentChangeOperation::Edit(lsp::TextDocumentEdit {
            text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![lsp::OneOf::Left(lsp::TextEdit {
                range: lsp::Range::default(),
                new_text: text.clone(),
            })],
        }));
    }
    lsp::WorkspaceEdit {
        document_changes: Some(lsp::DocumentChanges::Operations(ops)),
        ..Default::default()
    }
}
