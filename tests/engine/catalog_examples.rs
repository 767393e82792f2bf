//! Generated from the catalogs (`src/langs/<lang>/catalog.toml`): every entry's `example` is
//! found by the real loop detector as an N+1 on its marked line, matched by that entry; every
//! `frames` pattern, put in a synthesised frame of its runtime, is found by the real trace
//! scanner and named by the explanation. A failure lists every failing entry.
//!
//! Run: `cargo test --test engine catalog_examples -- --nocapture` (the known misses and the
//! frames the trace parsers count as app code are printed).

use debuglens::code::catalog::{ApiEntry, Catalog, CatalogFile, EXAMPLE_MARK};
use debuglens::code::{AnalysisConfig, Finding, Severity, analyze_workspace};
use debuglens::guidance::explain::{ExplainContext, explain};
use debuglens::guidance::knowledge::KnowledgeBase;
use debuglens::langs::{CODE_LANGUAGES, TRACE_FORMATS, TraceFormat};

/// The file an example is analysed as, by language.
fn default_file(lang: &str) -> &'static str {
    match lang {
        "python" => "example.py",
        "javascript" => "example.js",
        "go" => "example.go",
        "rust" => "src/lib.rs",
        "java" => "Loader.java",
        other => panic!("no example file name for {other}"),
    }
}

fn catalog(key: &str, src: &str) -> CatalogFile {
    CatalogFile::parse(src).unwrap_or_else(|e| panic!("langs/{key}/catalog.toml: {e}"))
}

/// The same entry (the shared catalog holds a copy of what the test parsed).
fn same_entry(a: &ApiEntry, b: &ApiEntry) -> bool {
    a.name == b.name
        && a.functions == b.functions
        && a.types == b.types
        && a.methods == b.methods
        && a.receiver_names == b.receiver_names
        && a.imports == b.imports
}

/// `Ok(())` when the example is reported on its marked line and matched by `entry`.
fn check_example(lang: &str, entry: &ApiEntry, file: &str, text: &str) -> Result<(), String> {
    let marked: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(EXAMPLE_MARK))
        .map(|(i, _)| i + 1)
        .collect();
    let [line] = marked[..] else {
        return Err(format!(
            "the example marks {} lines with `{EXAMPLE_MARK}` (one wanted)",
            marked.len()
        ));
    };
    let findings = analyze_workspace(
        &[(file.to_owned(), text.to_owned())],
        &AnalysisConfig::default(),
    );
    let describe = |fs: &[Finding]| {
        fs.iter()
            .map(|f| format!("line {} {:?}: {}", f.line(), f.severity, f.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let Some(f) = findings
        .iter()
        .find(|f| f.line() == line && f.severity == Severity::Warning)
    else {
        return Err(format!(
            "no N+1 warning on line {line}; findings: [{}]",
            describe(&findings)
        ));
    };
    let api = f.chain.iter().rev().find_map(|h| h.api.as_deref());
    let by = api.and_then(|a| Catalog::shared().entry_of_api(lang, a));
    match by {
        Some(e) if same_entry(e, entry) => Ok(()),
        // Workspace classes matched by base or annotation (the resolver cannot see those, and
        // may name a glob-typed entry instead): the message names the entry that matched.
        _ if f.message.contains(&format!("via {} ", entry.name)) => Ok(()),
        Some(e) => Err(format!(
            "line {line} is matched by entry `{}` (api {api:?}): {}",
            e.name, f.message
        )),
        None => Err(format!(
            "line {line} is reported but not as this entry (api {api:?}): {}",
            f.message
        )),
    }
}

#[test]
fn catalog_examples_are_detected_on_their_marked_line() {
    let mut failures = Vec::new();
    let mut known = Vec::new();
    let (mut detected, mut entries) = (0, 0);
    for lang in CODE_LANGUAGES {
        for entry in catalog(lang.key, lang.catalog).api {
            if !entry.detects() {
                continue;
            }
            entries += 1;
            let who = format!("{} / {}", lang.key, entry.name);
            if entry.example.is_empty() {
                failures.push(format!("{who}: no `example`"));
                continue;
            }
            let file = entry
                .example_file
                .as_deref()
                .unwrap_or(default_file(lang.key));
            let results: Vec<Result<(), String>> = entry
                .example
                .iter()
                .map(|text| check_example(lang.key, &entry, file, text))
                .collect();
            let errors: Vec<String> = results
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.as_ref().err().map(|e| format!("example {}: {e}", i + 1)))
                .collect();
            match (&entry.example_known_miss, errors.is_empty()) {
                (None, true) => detected += entry.example.len(),
                (None, false) => failures.push(format!("{who}: {}", errors.join(" | "))),
                (Some(why), false) => {
                    detected += entry.example.len() - errors.len();
                    known.push(format!("{who}: {why} ({})", errors.join(" | ")));
                }
                (Some(_), true) => failures.push(format!(
                    "{who}: marked `example_known_miss` but every example is detected: remove the mark"
                )),
            }
        }
    }
    eprintln!(
        "catalog examples: {entries} entries, {detected} examples detected, {} known misses",
        known.len()
    );
    for k in &known {
        eprintln!("  known miss: {k}");
    }
    assert!(
        entries > 50,
        "only {entries} catalog entries with detection"
    );
    assert!(
        failures.is_empty(),
        "{} catalog entries fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Traces of `format`'s runtime whose innermost frame is library code holding `pattern` in
/// its function or its path (one text per placement; a pattern needs only one to work).
fn synthesised_traces(format: &TraceFormat, pattern: &str) -> Vec<String> {
    let p = pattern;
    match format.key {
        "python" => vec![
            format!(
                "Traceback (most recent call last):\n  File \"/srv/shop/loader.py\", line 12, in load\n    fetch(i)\n  File \"/usr/lib/python3.12/site-packages/_{p}impl.py\", line 40, in call\n    raise TimeoutError(\"timed out\")\nTimeoutError: timed out\n"
            ),
            format!(
                "Traceback (most recent call last):\n  File \"/srv/shop/loader.py\", line 12, in load\n    fetch(i)\n  File \"/usr/lib/python3.12/site-packages/vendor/impl.py\", line 40, in {p}call\n    raise TimeoutError(\"timed out\")\nTimeoutError: timed out\n"
            ),
        ],
        "javascript" => vec![
            format!(
                "Error: timed out\n    at call (/srv/shop/node_modules/.pnpm/{p}impl.js:40:5)\n    at load (/srv/shop/src/loader.js:12:3)\n"
            ),
            format!(
                "Error: timed out\n    at {p}call (/srv/shop/node_modules/vendor/impl.js:40:5)\n    at load (/srv/shop/src/loader.js:12:3)\n"
            ),
        ],
        "jvm" => vec![format!(
            "java.net.SocketTimeoutException: Read timed out\n\tat {p}Impl.call(Impl.java:40)\n\tat com.shop.Loader.load(Loader.java:12)\n"
        )],
        "go" => vec![
            format!(
                "panic: timed out\n\ngoroutine 1 [running]:\n{p}Call(0xc000010000)\n\t/root/go/pkg/mod/vendor/impl.go:40 +0x1d\nmain.load()\n\t/srv/shop/main.go:12 +0x2a\nmain.main()\n\t/srv/shop/main.go:20 +0x25\n"
            ),
            format!(
                "panic: timed out\n\ngoroutine 1 [running]:\n{p}conn).Read(0xc000010000)\n\t/root/go/pkg/mod/vendor/impl.go:40 +0x1d\nmain.load()\n\t/srv/shop/main.go:12 +0x2a\nmain.main()\n\t/srv/shop/main.go:20 +0x25\n"
            ),
            format!(
                "panic: timed out\n\ngoroutine 1 [running]:\nvendor.Call(0xc000010000)\n\t/root/go/pkg/mod/{p}impl.go:40 +0x1d\nmain.load()\n\t/srv/shop/main.go:12 +0x2a\nmain.main()\n\t/srv/shop/main.go:20 +0x25\n"
            ),
        ],
        "rust" => vec![
            format!(
                "thread 'main' panicked at /root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/vendor-1.0.0/src/lib.rs:40:5:\nrequest failed: timed out\nstack backtrace:\n   0: {p}impl::call\n             at /root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/vendor-1.0.0/src/lib.rs:40:5\n   1: shop::load\n             at ./src/main.rs:12:5\n   2: shop::main\n             at ./src/main.rs:20:5\n"
            ),
            format!(
                "thread 'main' panicked at /root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/{p}1.0.0/src/lib.rs:40:5:\nrequest failed: timed out\nstack backtrace:\n   0: vendor::call\n             at /root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/{p}1.0.0/src/lib.rs:40:5\n   1: shop::load\n             at ./src/main.rs:12:5\n   2: shop::main\n             at ./src/main.rs:20:5\n"
            ),
        ],
        "ruby" => vec![
            format!(
                "/usr/local/bundle/gems/vendor-1.0/lib/_{p}impl.rb:40:in `call': execution expired (Net::ReadTimeout)\n\tfrom /srv/shop/lib/loader.rb:12:in `load'\n\tfrom /srv/shop/bin/run:3:in `<main>'\n"
            ),
            format!(
                "/usr/local/bundle/gems/vendor-1.0/lib/impl.rb:40:in `{p}call': execution expired (Net::ReadTimeout)\n\tfrom /srv/shop/lib/loader.rb:12:in `load'\n\tfrom /srv/shop/bin/run:3:in `<main>'\n"
            ),
        ],
        "dotnet" => vec![
            format!(
                "System.TimeoutException: The operation has timed out.\n   at Vendor.Impl.Call() in /_/src/{p}Impl.cs:line 40\n   at Shop.Loader.Load() in /srv/shop/Loader.cs:line 12\n"
            ),
            format!(
                "System.TimeoutException: The operation has timed out.\n   at {p}Impl.Call() in /_/src/Vendor/Impl.cs:line 40\n   at Shop.Loader.Load() in /srv/shop/Loader.cs:line 12\n"
            ),
        ],
        "php" => vec![
            format!(
                "PHP Fatal error:  Uncaught RuntimeException: timed out in /var/www/vendor/lib/_{p}impl.php:40\nStack trace:\n#0 /var/www/vendor/lib/_{p}impl.php(40): Vendor\\Impl->call()\n#1 /var/www/src/Loader.php(12): Shop\\Loader->fetch()\n#2 {{main}}\n  thrown in /var/www/vendor/lib/impl.php on line 40\n"
            ),
            format!(
                "PHP Fatal error:  Uncaught RuntimeException: timed out in /var/www/vendor/lib/impl.php:40\nStack trace:\n#0 /var/www/vendor/lib/impl.php(40): {p}call()\n#1 /var/www/src/Loader.php(12): Shop\\Loader->fetch()\n#2 {{main}}\n  thrown in /var/www/vendor/lib/impl.php on line 40\n"
            ),
        ],
        other => panic!("no synthesised trace for {other}"),
    }
}

enum FrameCheck {
    /// The frame is found, the knowledge base gives it to this entry and the explanation
    /// names the client.
    Explained,
    /// Found and given to this entry, but the trace parser counts the frame as app code, so the
    /// explanation does not look at it.
    AppCode,
    Failed(String),
}

fn check_frame(format: &TraceFormat, entry: &ApiEntry, pattern: &str, text: &str) -> FrameCheck {
    let kb = KnowledgeBase::builtin();
    let traces = debuglens::traces::scan(text);
    let Some(trace) = traces.iter().find(|t| t.language == format.language) else {
        return FrameCheck::Failed(format!(
            "no {} trace found in the synthesised text",
            format.key
        ));
    };
    let Some(frame) = trace.frames.iter().find(|f| {
        f.path.contains(pattern) || f.function.as_deref().is_some_and(|g| g.contains(pattern))
    }) else {
        return FrameCheck::Failed("no frame holds the pattern after parsing".to_owned());
    };
    let client = kb.remote_client_of(&format.language, &frame.path, frame.function.as_deref());
    match client {
        Some(c) if c.entry == entry.name => {}
        Some(c) => {
            return FrameCheck::Failed(format!(
                "the frame is given to entry `{}` ({}) listed earlier",
                c.entry, c.name
            ));
        }
        None => return FrameCheck::Failed("no client for the frame".to_owned()),
    }
    if frame.in_app {
        return FrameCheck::AppCode;
    }
    let e = explain(trace, &ExplainContext::default());
    let named = format!(
        "belong to {} ({} client)",
        entry.client_name(),
        entry.client_kind()
    );
    if e.immediate_cause.contains(&named) {
        FrameCheck::Explained
    } else {
        FrameCheck::Failed(format!(
            "the explanation does not say `{named}`: {}",
            e.immediate_cause
        ))
    }
}

#[test]
fn catalog_frame_patterns_are_recognised_in_traces() {
    let mut failures = Vec::new();
    let mut app_code = Vec::new();
    let (mut explained, mut patterns) = (0, 0);
    for format in TRACE_FORMATS {
        for entry in catalog(format.key, format.catalog).api {
            for pattern in &entry.frames {
                patterns += 1;
                let who = format!("{} / {} / {pattern:?}", format.key, entry.name);
                let checks: Vec<FrameCheck> = synthesised_traces(format, pattern)
                    .iter()
                    .map(|t| check_frame(format, &entry, pattern, t))
                    .collect();
                if checks.iter().any(|c| matches!(c, FrameCheck::Explained)) {
                    explained += 1;
                } else if checks.iter().any(|c| matches!(c, FrameCheck::AppCode)) {
                    app_code.push(who);
                } else {
                    let why: Vec<String> = checks
                        .into_iter()
                        .filter_map(|c| match c {
                            FrameCheck::Failed(w) => Some(w),
                            _ => None,
                        })
                        .collect();
                    failures.push(format!("{who}: {}", why.join(" | ")));
                }
            }
        }
    }
    eprintln!(
        "catalog frames: {patterns} patterns, {explained} named by the explanation, {} only looked up (the trace parser counts the frame as app code)",
        app_code.len()
    );
    for a in &app_code {
        eprintln!("  app-code frame: {a}");
    }
    assert!(patterns > 100, "only {patterns} frame patterns");
    assert!(
        failures.is_empty(),
        "{} frame patterns fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_catalog_parses_and_every_runtime_has_one() {
    for format in TRACE_FORMATS {
        let c = catalog(format.key, format.catalog);
        assert!(
            c.api.iter().any(|e| !e.frames.is_empty()),
            "{}: no client with frames",
            format.key
        );
        for e in &c.api {
            let kind = e.client_kind();
            assert!(
                ["http", "rpc", "db", "cache", "cloud", "queue", "network"]
                    .contains(&kind.as_str()),
                "{} / {}: unknown client kind {kind}",
                format.key,
                e.name
            );
            assert!(
                e.detects() || !e.frames.is_empty(),
                "{} / {}: neither detection fields nor frames",
                format.key,
                e.name
            );
        }
    }
    for lang in CODE_LANGUAGES {
        // A code language's catalog is its runtime's (the JVM's is Java's).
        assert_eq!(lang.catalog, lang.trace.catalog, "{}", lang.key);
    }
}
