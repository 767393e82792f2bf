//! Document symbols: the outline of a document's stack traces — one symbol per trace (its
//! exception and message), its frames as children — so a long log or incident note can be
//! navigated from the editor's outline (VS Code's Outline view, Neovim's `vim.lsp.buf.document_symbol`).

use std::ops::Range;

use crate::engine::host::Analysis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: String,
    pub kind: SymbolKind,
    /// The whole span (trace, frame line) and the part to select (header, path).
    pub range: Range<usize>,
    pub selection: Range<usize>,
    pub children: Vec<Symbol>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A trace: the exception raised.
    Exception,
    /// A frame: the function it names.
    Function,
}

/// The document's traces and their frames, in document order.
pub fn symbols(result: &Analysis) -> Vec<Symbol> {
    result
        .report
        .traces
        .iter()
        .map(|t| {
            let trace = &t.trace;
            let app = trace.frames.iter().filter(|f| f.in_app).count();
            // In the order they are printed (runtimes differ in which end comes first).
            let mut frames: Vec<_> = trace.frames.iter().collect();
            frames.sort_by_key(|f| f.span.start);
            Symbol {
                name: trace.exception.clone(),
                detail: format!(
                    "{}{} frames, {app} in the app",
                    if trace.message.is_empty() {
                        String::new()
                    } else {
                        format!("{} · ", trace.message)
                    },
                    trace.frames.len()
                ),
                kind: SymbolKind::Exception,
                range: trace.span.clone(),
                selection: trace.header_span.clone(),
                children: frames
                    .into_iter()
                    .map(|f| Symbol {
                        name: f.function.clone().unwrap_or_else(|| "?".to_string()),
                        detail: match f.line {
                            Some(l) => format!("{}:{l}", f.path),
                            None => f.path.clone(),
                        },
                        kind: SymbolKind::Function,
                        range: f.span.clone(),
                        selection: f.path_span.clone(),
                        children: Vec::new(),
                    })
                    .collect(),
            }
        })
        .collect()
}
