//! Code actions: which are offered where (cheap: clients ask on every cursor move), and the
//! edit each makes, built when it is resolved. Every edit is checked against the version it
//! was offered for: a stale action is refused, never applied to the wrong text.

use std::ops::Range;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{FileText, Files, findings_at, relative_reader, root_for, today, trace_at};
use crate::code::Finding;
use crate::engine::host::{Analysis, Host};
use crate::guidance::rewrite::{self, Rewrite};

/// How many calls the concurrent rewrite lets run at once.
pub const CONCURRENCY: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActionKind {
    Batch,
    Concurrent,
    Ignore,
    TestPlan,
}

/// What kind of action, for the editor's menus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    QuickFix,
    Rewrite,
    Source,
}

/// One thing offered at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// An edit, built on resolve: `finding` indexes the report's findings, `at` is the
    /// finding's call offset (what identifies it when the action comes back).
    Action {
        kind: ActionKind,
        title: String,
        category: Category,
        finding: usize,
        at: usize,
    },
    /// A command (see `commands::COMMANDS`) with the position it is about: `Some(offset)`,
    /// or `None` for the start of the range asked about.
    Command {
        title: String,
        command: &'static str,
        at: Option<usize>,
    },
}

/// The actions for `range` of the document. `create_files`: the client can create files in a
/// workspace edit (else the test plan is a command that writes them).
pub fn list(result: &Analysis, range: Range<usize>, create_files: bool) -> Vec<Offer> {
    use super::commands::{DRAFT_PLAN, DRAFT_REPORT, EXPLAIN, OPEN_FRAME, TEST_PLAN};
    let mut out = Vec::new();
    for (i, finding) in findings_at(result, range.clone()) {
        let at = finding.span.start.byte;
        let action = |kind, title: String, category| Offer::Action {
            kind,
            title,
            category,
            finding: i,
            at,
        };
        if let Some(b) = &finding.batch_alternative {
            out.push(action(
                ActionKind::Batch,
                format!("Batch with {}", b.name),
                Category::QuickFix,
            ));
        }
        out.push(action(
            ActionKind::Concurrent,
            format!(
                "Run concurrently (at most {CONCURRENCY} at a time; results keep input order, first error propagates)"
            ),
            Category::Rewrite,
        ));
        out.push(action(
            ActionKind::Ignore,
            "Ignore: sequential by design (adds a suppression comment)".to_string(),
            Category::QuickFix,
        ));
        let test_plan = "Generate test plan (test file and markdown plan)".to_string();
        out.push(if create_files {
            action(ActionKind::TestPlan, test_plan, Category::Source)
        } else {
            Offer::Command {
                title: test_plan,
                command: TEST_PLAN,
                at: Some(at),
            }
        });
        out.push(Offer::Command {
            title: "Explain this N+1".to_string(),
            command: EXPLAIN,
            at: Some(at),
        });
    }
    if let Some((trace, _)) = trace_at(result, range.start) {
        let command = |title: &str, command| Offer::Command {
            title: title.to_string(),
            command,
            at: None,
        };
        out.push(command("Explain this stack trace", EXPLAIN));
        if trace
            .trace
            .frames
            .iter()
            .zip(&trace.resolutions)
            .any(|(f, r)| f.in_app && r.path().is_some())
        {
            out.push(command("Open innermost app frame", OPEN_FRAME));
        }
        out.push(command("Draft investigation plan", DRAFT_PLAN));
        out.push(command("Draft post-incident report", DRAFT_REPORT));
    }
    out
}

/// An action's edit.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Edits to existing files, each with the text (and version) the ranges refer to.
    Change(Vec<FileChange>),
    /// New files with their text (never overwriting one that exists).
    Create(Vec<(PathBuf, String)>),
}

#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: PathBuf,
    pub text: FileText,
    pub edits: Vec<rewrite::Edit>,
}

/// Refuses an action whose document changed since it was offered.
pub fn check_fresh(result: &Analysis, offered_version: i32) -> Result<(), String> {
    if result.version != offered_version {
        return Err(format!(
            "the document changed since this action was offered (version {offered_version}, now {}); ask for code actions again",
            result.version
        ));
    }
    Ok(())
}

/// Builds the edit of the action `kind` offered at `at` for `offered_version`.
pub fn edit(
    host: &Host,
    files: &dyn Files,
    result: &Analysis,
    kind: ActionKind,
    at: usize,
    offered_version: i32,
) -> Result<Edit, String> {
    check_fresh(result, offered_version)?;
    let (_, finding) = findings_at(result, at..at)
        .into_iter()
        .find(|(_, f)| f.span.start.byte == at)
        .ok_or("the finding this action was for is gone")?;
    let root = root_for(host, result).ok_or("no workspace folder")?;
    let read = relative_reader(files, &root);
    let opts = rewrite::Options {
        batch_limit: host.settings().batch_limit as usize,
        concurrency: CONCURRENCY,
    };
    let rewrite = match kind {
        ActionKind::TestPlan => {
            return test_plan_files(host, files, result, finding).map(Edit::Create);
        }
        ActionKind::Batch => rewrite::batch(finding, &read, &opts)?,
        ActionKind::Concurrent => rewrite::concurrent(finding, &read, &opts)?,
        ActionKind::Ignore => Rewrite {
            title: String::new(),
            files: vec![rewrite::FileEdits {
                path: finding.path.clone(),
                edits: vec![rewrite::suppress(finding, &result.document.text())],
            }],
            notes: Vec::new(),
        },
    };
    let mut changes = Vec::new();
    for file in rewrite.files {
        let path = root.join(&file.path);
        let text = files
            .read(&path)
            .ok_or_else(|| format!("cannot read {}", file.path))?;
        changes.push(FileChange {
            path,
            text,
            edits: file.edits,
        });
    }
    Ok(Edit::Change(changes))
}

/// The regression test (next to the project's tests) and the markdown plan for a finding.
pub fn test_plan_files(
    host: &Host,
    files: &dyn Files,
    result: &Analysis,
    finding: &Finding,
) -> Result<Vec<(PathBuf, String)>, String> {
    let root = root_for(host, result).ok_or("no workspace folder to write the test into")?;
    let read = relative_reader(files, &root);
    let listing: Vec<String> = host
        .workspace()
        .files()
        .filter(|f| f.path.starts_with(&root))
        .map(|f| f.rel.clone())
        .collect();
    let settings = host.settings();
    let limit = settings.batch_limit as usize;
    let test = crate::guidance::testgen::generate(finding, &read, &listing, limit)?;
    let plan = crate::guidance::plans::test_plan_markdown(finding, limit);
    let plan_name = format!(
        "{}-test-plan-{}.md",
        today(),
        crate::guidance::testgen::snake(&finding.callee)
    );
    let plan = format!(
        "{plan}\n\nRun the generated test: `{}` ({})\n",
        test.run, test.framework
    );
    let plan_path = std::path::Path::new(&settings.plans_folder).join(plan_name);
    Ok(vec![
        (
            super::confine(&root, std::path::Path::new(&test.path))?,
            test.text,
        ),
        (super::confine(&root, &plan_path)?, plan),
    ])
}
