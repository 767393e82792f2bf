//! The one pipeline every language's batch and concurrent rewrites go through.
//!
//! A language implements [`RewriteHooks`] (in `langs/<lang>/rewrite.rs`); [`run`] calls the
//! hooks in a fixed order and assembles the [`Rewrite`]. The hooks decide and refuse; the text
//! they generate comes from templates (`langs/<lang>/templates/rewrite/*.j2`) rendered with
//! [`code`].
//!
//! The steps, in order (both rewrites share 0, 1, 2, 5, 6, 7; only the batch rewrite runs 3 and
//! 4):
//!
//! 0. [`target`](RewriteHooks::target): checks on the finding alone (the batch API, the helper
//!    hop in the call chain), before any file is read.
//! 1. [`site`](RewriteHooks::site): read and parse the loop's file, find the loop, its header
//!    and the call.
//! 2. [`guards`](RewriteHooks::guards): refuse shapes whose meaning the rewrite would change
//!    (the call under a condition, an early exit before it, arguments computed in the loop).
//! 3. [`helper`](RewriteHooks::helper): hop into the helper the loop calls and read the batch
//!    API's declaration; the helper gets a batched companion.
//! 4. [`limit`](RewriteHooks::limit): the chunk size, from a limit constant next to the batch
//!    API or [`Options::batch_limit`].
//! 5. [`plan`](RewriteHooks::plan): every name and type the generated code uses (fresh names,
//!    the logger, the fallback call, the metric line), as the templates' context.
//! 6. [`render`](RewriteHooks::render): render the templates into edits (the companion with
//!    its per-item fallback, logging and timing; the loop site reading results back).
//! 7. [`imports`](RewriteHooks::imports): the imports the generated code needs, added to the
//!    edited files.

use std::cell::OnceCell;

use serde::Serialize;
use tree_sitter::{Node, Tree};

use super::{Edit, FileEdits, Options, Rewrite, concurrent_title, read};
use crate::code::{Finding, Lang, ParsedFile};

/// Which rewrite the pipeline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Replace the per-item calls with chunked calls to the batch API.
    Batch,
    /// Keep the per-item calls, at most `Options::concurrency` in flight.
    Concurrent,
}

/// A parsed file of the workspace.
pub(crate) struct Source {
    pub(crate) path: String,
    pub(crate) text: String,
    tree: Tree,
}

impl Source {
    fn parse(path: &str, lang: Lang, text: String) -> Result<Source, String> {
        let p = ParsedFile::new(lang, text.as_str());
        let tree = p.tree().cloned().ok_or("could not parse the file")?;
        Ok(Source {
            path: path.to_string(),
            text,
            tree,
        })
    }

    pub(crate) fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }
}

/// The files a rewrite reads, by role, each read and parsed once, when first asked for (so a
/// missing file is reported at the step that needs it).
pub(crate) struct Sources<'a> {
    files: &'a dyn Fn(&str) -> Option<String>,
    lang: fn(&str) -> Result<Lang, String>,
    slots: [OnceCell<Source>; 3],
}

/// The role of a file in a rewrite.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    /// The file with the loop (`Finding::path`).
    Loop = 0,
    /// The file of the helper the loop calls (the batch rewrite's companion goes there).
    Helper = 1,
    /// The file declaring the batch API.
    Api = 2,
}

impl<'a> Sources<'a> {
    fn new(
        files: &'a dyn Fn(&str) -> Option<String>,
        lang: fn(&str) -> Result<Lang, String>,
    ) -> Self {
        Sources {
            files,
            lang,
            slots: Default::default(),
        }
    }

    /// The file playing `role`, read from `path` the first time.
    pub(crate) fn get(&self, role: Role, path: &str) -> Result<&Source, String> {
        let slot = &self.slots[role as usize];
        if let Some(s) = slot.get() {
            if s.path != path {
                return Err(format!("{role:?} file is {}, not {path}", s.path));
            }
            return Ok(s);
        }
        let lang = (self.lang)(path)?;
        let src = Source::parse(path, lang, read(self.files, path)?)?;
        Ok(slot.get_or_init(|| src))
    }

    /// Like [`get`](Self::get), but a file that cannot be read is parsed as empty.
    pub(crate) fn get_or_empty(&self, role: Role, path: &str) -> Result<&Source, String> {
        let slot = &self.slots[role as usize];
        if let Some(s) = slot.get() {
            return Ok(s);
        }
        let lang = (self.lang)(path)?;
        let src = Source::parse(path, lang, (self.files)(path).unwrap_or_default())?;
        Ok(slot.get_or_init(|| src))
    }

    /// A file's text through the workspace callback, uncached (`go.mod`, manifests).
    pub(crate) fn raw(&self, path: &str) -> Option<String> {
        (self.files)(path)
    }
}

/// What every hook sees.
pub(crate) struct Cx<'s> {
    pub(crate) kind: Kind,
    pub(crate) f: &'s Finding,
    pub(crate) opts: &'s Options,
    pub(crate) src: &'s Sources<'s>,
}

impl<'s> Cx<'s> {
    /// The loop's file.
    pub(crate) fn loop_file(&self) -> Result<&'s Source, String> {
        self.src.get(Role::Loop, &self.f.path)
    }
}

/// The chunk size of a batch rewrite: the expression the companion writes (a constant's name or
/// a literal), its value (for the title), and the notes explaining where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) expr: String,
    pub(crate) value: usize,
    pub(crate) notes: Vec<String>,
    /// Edits to the helper's file the limit needs (importing the constant).
    pub(crate) edits: Vec<Edit>,
}

impl Limit {
    /// A limit from the batch API's file or the options, with its notes: `(expr, value)` as
    /// [`copied_limit`](super::copied_limit) and [`assumed_limit`](super::assumed_limit)
    /// return them.
    pub(crate) fn new((expr, value): (String, usize), notes: Vec<String>) -> Limit {
        Limit {
            expr,
            value,
            notes,
            edits: Vec::new(),
        }
    }
}

/// What [`render`](RewriteHooks::render) produces: the edits per file (the loop's file first)
/// and the notes stating the rewrite's assumptions.
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    pub(crate) files: Vec<FileEdits>,
    pub(crate) notes: Vec<String>,
}

/// A language's steps of the rewrite pipeline (see the module documentation for the order).
/// Each step returns `Err(reason)` to refuse: a refused rewrite is better than a wrong one, and
/// the reason is shown to the user. Steps run in order and the first refusal wins, so a step
/// should refuse for its own reasons only.
///
/// Adding a language: implement the hooks on a unit struct in `langs/<lang>/rewrite.rs`, keep
/// the generated code's text in `langs/<lang>/templates/rewrite/*.j2` (rendered with [`code`];
/// names, types and copied source come from the plan, sentences stay in the template), and
/// point the registry's `batch` / `concurrent` at two one-line functions calling [`run`] with
/// [`Kind::Batch`] / [`Kind::Concurrent`]. The shared checks and helpers are in the parent
/// module (`check_guards`, `helper_hop`, `fresh_name`, `discarded_call_edits`, ...).
pub(crate) trait RewriteHooks {
    /// Step 0's result for the batch rewrite: what is known from the finding alone.
    type BatchTarget<'s>;
    /// Step 1's result: the loop and the call, as nodes of the loop's file.
    type Site<'s>;
    /// Step 3's result: the helper, its single remote call and the batch API.
    type Helper<'s>;
    /// Step 5's results: the templates' context and whatever `render` and `imports` need.
    type BatchPlan<'s>;
    type ConcurrentPlan<'s>;

    /// The grammar a file of this language is parsed with.
    fn lang(path: &str) -> Result<Lang, String>;

    /// Step 0 (batch): checks on the finding alone, before any file is read: which helper
    /// the loop calls and which class the batch API belongs to.
    fn batch_target<'s>(cx: &Cx<'s>) -> Result<Self::BatchTarget<'s>, String>;

    /// Step 0 (concurrent): checks on the finding alone (Java: the client is thread-safe).
    fn concurrent_target(_cx: &Cx<'_>) -> Result<(), String> {
        Ok(())
    }

    /// Step 1: find the loop in [`Cx::loop_file`]: its header (what it iterates), its body, the
    /// call (extended over anything read back from it), the enclosing function, indentation.
    fn site<'s>(cx: &Cx<'s>) -> Result<Self::Site<'s>, String>;

    /// Step 2: statement-level checks that the call runs exactly once per item with arguments
    /// known before the loop (usually [`check_guards`](super::check_guards) with the
    /// language's node kinds), plus the language's own (captured variables, thread safety).
    fn guards<'s>(cx: &Cx<'s>, site: &Self::Site<'s>) -> Result<(), String>;

    /// Step 3 (batch): hop into the helper the loop calls, check that it only returns the
    /// single remote call's result, and read the batch API's declaration to learn how one
    /// item becomes one request element and one answer element becomes the result.
    fn helper<'s>(
        cx: &Cx<'s>,
        target: &Self::BatchTarget<'s>,
        site: &Self::Site<'s>,
    ) -> Result<Self::Helper<'s>, String>;

    /// Step 4 (batch): the chunk size: a limit constant the batch API's file defines (named,
    /// or copied with [`copied_limit`](super::copied_limit) when the companion cannot name
    /// it), else [`assumed_limit`](super::assumed_limit).
    fn limit<'s>(
        cx: &Cx<'s>,
        target: &Self::BatchTarget<'s>,
        helper: &Self::Helper<'s>,
    ) -> Result<Limit, String>;

    /// Step 5: every name and type the generated code uses: fresh names that do not collide
    /// with the scope, the logger to report fallbacks with, the fallback call, the types of
    /// the results.
    fn batch_plan<'s>(
        cx: &Cx<'s>,
        target: Self::BatchTarget<'s>,
        site: Self::Site<'s>,
        helper: Self::Helper<'s>,
        limit: Limit,
    ) -> Result<Self::BatchPlan<'s>, String>;
    fn concurrent_plan<'s>(
        cx: &Cx<'s>,
        site: Self::Site<'s>,
    ) -> Result<Self::ConcurrentPlan<'s>, String>;

    /// Step 6: render the plan's templates (with [`code`]) into edits: for the batch rewrite
    /// the companion (chunked batch call, per-item fallback, warning log, timing metric) and
    /// the loop site (one companion call before the loop, per-item reads inside); for the
    /// concurrent rewrite the bounded pool around the loop. Notes state the assumptions.
    fn render_batch<'s>(cx: &Cx<'s>, plan: &Self::BatchPlan<'s>) -> Result<Rendered, String>;
    fn render_concurrent<'s>(
        cx: &Cx<'s>,
        plan: &Self::ConcurrentPlan<'s>,
    ) -> Result<Rendered, String>;

    /// Step 7: add the imports the generated code needs to `out`'s files (none by default).
    fn batch_imports(_plan: &Self::BatchPlan<'_>, _out: &mut Rendered) -> Result<(), String> {
        Ok(())
    }
    fn concurrent_imports(
        _plan: &Self::ConcurrentPlan<'_>,
        _out: &mut Rendered,
    ) -> Result<(), String> {
        Ok(())
    }
}

/// Runs the pipeline of `H` for one finding.
pub(crate) fn run<H: RewriteHooks>(
    kind: Kind,
    f: &Finding,
    files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    let src = Sources::new(files, H::lang);
    let cx = Cx {
        kind,
        f,
        opts,
        src: &src,
    };
    let (title, out) = match kind {
        Kind::Batch => {
            let target = H::batch_target(&cx)?;
            let site = H::site(&cx)?;
            H::guards(&cx, &site)?;
            let helper = H::helper(&cx, &target, &site)?;
            let limit = H::limit(&cx, &target, &helper)?;
            let title = batch_title(f, limit.value);
            let plan = H::batch_plan(&cx, target, site, helper, limit)?;
            let mut out = H::render_batch(&cx, &plan)?;
            H::batch_imports(&plan, &mut out)?;
            (title, out)
        }
        Kind::Concurrent => {
            H::concurrent_target(&cx)?;
            let site = H::site(&cx)?;
            H::guards(&cx, &site)?;
            let plan = H::concurrent_plan(&cx, site)?;
            let mut out = H::render_concurrent(&cx, &plan)?;
            H::concurrent_imports(&plan, &mut out)?;
            (concurrent_title(opts.concurrency), out)
        }
    };
    Ok(Rewrite {
        title,
        files: out.files,
        notes: out.notes,
    })
}

/// A batch rewrite's files: the loop file's edits, then the companion's (in the same file, or
/// in the helper's, `companion_path`).
pub(crate) fn loop_and_companion(
    loop_path: &str,
    loop_edits: Vec<Edit>,
    companion_path: &str,
    companion_edits: Vec<Edit>,
) -> Vec<FileEdits> {
    let mut files = vec![FileEdits {
        path: loop_path.to_string(),
        edits: loop_edits,
    }];
    if companion_path == loop_path {
        files[0].edits.extend(companion_edits);
    } else {
        files.push(FileEdits {
            path: companion_path.to_string(),
            edits: companion_edits,
        });
    }
    files
}

fn batch_title(f: &Finding, chunk: usize) -> String {
    let name = f.batch_alternative.as_ref().map_or("", |b| b.name.trim());
    format!("Batch with {name} (chunks of {chunk}, falls back to per-item calls)")
}

/// Prefix of a context line that is copied source: [`code`] keeps its indentation as is.
pub(crate) const VERBATIM: char = '\u{1}';

/// Stands for a newline inside a context value while the template's own lines are laid out.
const VALUE_NEWLINE: char = '\u{2}';

/// Renders a template of generated code and lays it out as the file writes code: each line's
/// leading groups of four spaces in the template are indentation levels, written as `unit`
/// after `base`; lines are ended with `nl`; a blank line stays empty. A line whose text (after
/// the template's indentation) starts with [`VERBATIM`] keeps the rest unchanged (copied source
/// lines, already indented relative to their level). Newlines inside context values (a call
/// spanning lines) are copied as they are, not laid out.
pub(crate) fn code<S: Serialize>(
    name: &'static str,
    source: &'static str,
    ctx: S,
    base: &str,
    unit: &str,
    nl: &str,
) -> Result<String, String> {
    let mut ctx = serde_json::to_value(ctx).map_err(|e| format!("template {name}: {e}"))?;
    hide_newlines(&mut ctx);
    let text = crate::guidance::templates::render(name, source, ctx)?;
    Ok(layout(&text, base, unit, nl).replace(VALUE_NEWLINE, "\n"))
}

fn hide_newlines(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if s.contains('\n') => {
            *s = s.replace('\n', &VALUE_NEWLINE.to_string());
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(hide_newlines),
        serde_json::Value::Object(o) => o.values_mut().for_each(hide_newlines),
        _ => {}
    }
}

/// The layout step of [`code`].
pub(crate) fn layout(text: &str, base: &str, unit: &str, nl: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_terminator('\n') {
        let mut depth = 0;
        let mut rest = line;
        while let Some(r) = rest.strip_prefix("    ") {
            depth += 1;
            rest = r;
        }
        let keep = match rest.strip_prefix(VERBATIM) {
            Some(r) => {
                rest = r;
                !rest.is_empty()
            }
            None => !rest.trim().is_empty(),
        };
        if keep {
            out.push_str(base);
            out.push_str(&unit.repeat(depth));
            out.push_str(rest);
        }
        out.push_str(nl);
    }
    out
}

/// Marks copied source lines for [`code`].
pub(crate) fn verbatim(lines: &[String]) -> Vec<String> {
    lines.iter().map(|l| format!("{VERBATIM}{l}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_turns_template_levels_into_the_files_indentation() {
        let t = "a {\n    b;\n\n        \u{1}  c\n}\n";
        assert_eq!(
            layout(t, "  ", "\t", "\r\n"),
            "  a {\r\n  \tb;\r\n\r\n  \t\t  c\r\n  }\r\n"
        );
    }

    #[test]
    fn newlines_inside_values_are_not_laid_out() {
        let ctx = serde_json::json!({"call": "f(\n  x)"});
        let out = code("t", "    g({{ call }});\n", ctx, "", "\t", "\r\n");
        assert_eq!(out.as_deref(), Ok("\tg(f(\n  x));\r\n"));
    }
}
