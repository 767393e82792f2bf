//! A big file's calls are resolved on two threads (`Index::findings_for`); the answer must be
//! the one a single thread gives, finding for finding, on every labeled suite, whether the second
//! thread is started for it or is a helper already running (the editor's analysis).

use crate::code_common;

use debuglens::code::{AnalysisConfig, Catalog, Helper, Index, Lang, summarize};

/// The labeled suites' fixture folders.
const SUITES: [&str; 5] = [
    "n_plus_one/python/shop",
    "n_plus_one/javascript/store",
    "n_plus_one/go/shop",
    "n_plus_one/rust/shop",
    "n_plus_one/java/shop",
];

/// An index of `files` that splits a file's calls over two threads from `parallel_calls` calls.
fn index(files: &[(String, String)], parallel_calls: usize) -> Index {
    let mut index = Index::new(
        Catalog::with_user_entries(Vec::new()),
        AnalysisConfig::default(),
    );
    index.set_parallel_calls(parallel_calls);
    for (path, text) in files {
        if let Some(lang) = Lang::from_path(path) {
            index.update(path, summarize(path, lang, text));
        }
    }
    index
}

#[test]
fn two_threads_find_exactly_what_one_thread_finds_in_every_labeled_suite() {
    for suite in SUITES {
        let files = code_common::load_workspace(&code_common::fixture_dir(suite));
        let one = index(&files, usize::MAX).all_findings();
        let two = index(&files, 0).all_findings();
        assert!(one.len() >= 15, "{suite}: {} findings", one.len());
        assert_eq!(one, two, "{suite}");
    }
}

#[test]
fn a_helper_started_before_the_findings_are_asked_for_finds_exactly_what_one_thread_finds() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for suite in SUITES {
        let files = code_common::load_workspace(&code_common::fixture_dir(suite));
        let by_place = |f: &debuglens::code::Finding| (f.path.clone(), f.span.start.byte);
        let mut one = index(&files, usize::MAX).all_findings();
        one.sort_by_key(by_place);
        let split = index(&files, 0);
        let mut with_helper = Vec::new();
        let mut jobs = 0;
        std::thread::scope(|scope| {
            let helper = Helper::start(scope, std::time::Duration::from_millis(50));
            for path in split.paths() {
                with_helper.extend(split.findings_for_with(path, Some(&helper)));
            }
            jobs = helper.jobs_started();
        });
        with_helper.sort_by_key(by_place);
        assert!(one.len() >= 15, "{suite}: {} findings", one.len());
        assert_eq!(one, with_helper, "{suite}");
        // Every file's second half went to the helper (on one core nothing is split).
        if cores > 1 {
            assert_eq!(jobs, split.paths().count(), "{suite}");
        } else {
            assert_eq!(jobs, 0, "{suite}");
        }
    }
}
