//! rust: not rewritten yet. The planned shape is futures::stream::iter(..).buffered(n); until then the code action
//! explains why it is not offered, and the suppression edit still works.

use super::*;

pub(super) fn concurrent(
    f: &Finding,
    _files: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<Rewrite, String> {
    Err(format!(
        "the concurrent rewrite is not implemented for rust yet (planned: futures::stream::iter(..).buffered(n), at most \
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
