//! java: not rewritten yet. The planned shape is CompletableFuture.supplyAsync on a fixed thread pool; until then the code action
//! explains why it is not offered, and the suppression edit still works.

use super::*;

pub(super) fn concurrent(
    f: &Finding,
    _files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    Err(format!(
        "the concurrent rewrite is not implemented for java yet (planned: CompletableFuture.supplyAsync on a fixed thread pool, at most \
         {} at a time); {} stays sequential for now",
        opts.concurrency, f.callee
    ))
}

pub(super) fn batch(
    f: &Finding,
    _files: &dyn Fn(&str) -> Option<String>,
    _opts: &Options,
) -> Result<Rewrite, String> {
    batch_not_implemented(f)
}
