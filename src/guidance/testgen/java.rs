//! TODO
use super::{Files, GeneratedTest, Subject};

pub fn generate(
    _s: &Subject,
    _files: Files,
    _listing: &[String],
    _batch_limit: usize,
) -> Result<GeneratedTest, String> {
    Err("not yet".to_owned())
}
