//! A big file's calls are resolved on two threads (`Index::findings_for`); the answer must be
//! the one a single thread gives, finding for finding, on every labeled suite.

mod code_common;

use debuglens::code::{AnalysisConfig, Catalog, Index, Lang, summarize};

fn findings(files: &[(String, String)], parallel_calls: usize) -> Vec<debuglens::code::Finding> {
    let cfg = AnalysisConfig::default();
    let mut index = Index::new(Catalog::with_user_entries(Vec::new()), cfg);
    index.set_parallel_calls(parallel_calls);
    for (path, text) in files {
        if let Some(lang) = Lang::from_path(path) {
            index.update(path, summarize(path, lang, text));
        }
    }
    index.all_findings()
}

#[test]
fn two_threads_find_exactly_what_one_thread_finds_in_every_labeled_suite() {
    for suite in [
        "n_plus_one/python/shop",
        "n_plus_one/javascript/store",
        "n_plus_one/go/shop",
        "n_plus_one/rust/shop",
        "n_plus_one/java/shop",
    ] {
        let files = code_common::load_workspace(&code_common::fixture_dir(suite));
        let one = findings(&files, usize::MAX);
        let two = findings(&files, 0);
        assert!(one.len() >= 15, "{suite}: {} findings", one.len());
        assert_eq!(one, two, "{suite}");
    }
}
