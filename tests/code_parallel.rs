//! A big file's calls are resolved on two threads (`Index::findings_for`); the answer must be
//! the one a single thread gives, finding for finding, on every labeled suite, whether the second
//! thread is started for it or is a helper already running (the editor's analysis).

mod code_common;

use debuglens::code::{AnalysisConfig, Catalog, Helper, Index, Lang, summarize};

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

#[test]
fn a_helper_started_before_the_findings_are_asked_for_finds_exactly_what_one_thread_finds() {
    for suite in [
        "n_plus_one/python/shop",
        "n_plus_one/javascript/store",
        "n_plus_one/java/shop",
    ] {
        let files = code_common::load_workspace(&code_common::fixture_dir(suite));
        let mut index = Index::new(
            Catalog::with_user_entries(Vec::new()),
            AnalysisConfig::default(),
        );
        index.set_parallel_calls(0);
        for (path, text) in &files {
            if let Some(lang) = Lang::from_path(path) {
                index.update(path, summarize(path, lang, text));
            }
        }
        let by_place = |f: &debuglens::code::Finding| (f.path.clone(), f.span.start.byte);
        let mut one = findings(&files, usize::MAX);
        one.sort_by_key(by_place);
        let mut with_helper = Vec::new();
        std::thread::scope(|scope| {
            let helper = Helper::start(scope, std::time::Duration::from_millis(50));
            for path in index.paths() {
                with_helper.extend(index.findings_for_with(path, Some(&helper)));
            }
        });
        with_helper.sort_by_key(by_place);
        assert!(one.len() >= 15, "{suite}: {} findings", one.len());
        assert_eq!(one, with_helper, "{suite}");
    }
}
