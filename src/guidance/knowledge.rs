//! The exception knowledge base: what an exception usually means, ranked underlying causes with
//! the evidence that confirms or rules each out, and what to do next.
//!
//! The knowledge is data (`langs/<lang>/knowledge.toml`, `knowledge/*.toml`, and the remote
//! clients' `frames` in `langs/<lang>/catalog.toml`, embedded with `include_str!`); this module only
//! parses it once and answers lookups. Adding an exception type is a data change plus a lookup
//! test, never a code change.
//!
//! # Matching order
//!
//! [`KnowledgeBase::lookup`] ranks every entry of the trace's language and returns the best; ties
//! go to the entry that comes first in its file. From best to worst:
//!
//! 1. the exact qualified name is listed, and the entry's `message_regex` matches;
//! 2. the exact qualified name is listed, and the entry has no `message_regex`;
//! 3. the last segment of the name (`a.b.C`, `A::B::C`, `A\B\C`, `A+C`, `A$C` → `C`) is listed as a
//!    bare name, with a matching `message_regex`; then without a regex;
//! 4. the last segment equals the last segment of a listed qualified name, with a matching
//!    `message_regex`; then without a regex;
//! 5. entries that list no exception and match on `message_regex` alone.
//!
//! An entry whose `message_regex` does not match is never chosen. A regex matches when it finds
//! the message or `"{exception}: {message}"` (so Go panics match on the panic kind and Rust
//! panics on the message). When the trace's own language has no match, entries of other
//! languages are tried for tiers 1–2 with a qualified name only (a namespaced name such as
//! `grpc.RpcError` is unambiguous wherever it was printed).

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::traces::Runtime;

/// Every runtime, in the order of the knowledge files (`langs::TRACE_FORMATS`).
pub static LANGUAGES: std::sync::LazyLock<Vec<Runtime>> = std::sync::LazyLock::new(|| {
    crate::langs::TRACE_FORMATS
        .iter()
        .map(|f| f.language)
        .collect()
});

/// The failure kinds an entry can have; generic guidance and intermittent hypotheses key on them.
pub const KINDS: [&str; 19] = [
    "timeout",
    "connection",
    "http_status",
    "rpc_status",
    "null",
    "key",
    "index",
    "type",
    "value",
    "resource",
    "concurrency",
    "config",
    "data",
    "logic",
    "permission",
    "not_found",
    "io",
    "dependency",
    "unknown",
];

const GENERIC_FILE: (&str, &str) = ("generic.toml", include_str!("knowledge/generic.toml"));
const SOURCES_FILE: (&str, &str) = (
    "remote_sources.toml",
    include_str!("knowledge/remote_sources.toml"),
);

/// One underlying cause, with the evidence that separates it from the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    pub cause: String,
    pub confirm: String,
    pub rule_out: String,
}

/// A hypothesis added when a failure is intermittent (seen more than once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntermittentCause {
    pub cause: String,
    pub confirm: String,
    pub rule_out: String,
    /// Entry kinds whose own causes already cover this hypothesis; it is not repeated for them.
    #[serde(default)]
    pub skip_kinds: Vec<String>,
}

impl IntermittentCause {
    pub fn as_cause(&self) -> Cause {
        Cause {
            cause: self.cause.clone(),
            confirm: self.confirm.clone(),
            rule_out: self.rule_out.clone(),
        }
    }
}

/// What we know about one exception type (or one family of messages).
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: String,
    pub language: Option<Runtime>,
    /// Qualified names as printed, or bare names.
    pub exceptions: Vec<String>,
    #[serde(skip)]
    pub message_regex: Option<Regex>,
    /// Only in `generic.toml`: which exception names this generic entry is for.
    #[serde(skip)]
    pub name_regex: Option<Regex>,
    /// One of [`KINDS`].
    pub kind: String,
    /// The exception is typically the failure of a remote call (HTTP, DB, RPC, cache).
    pub remote: bool,
    pub title: String,
    pub immediate_cause: String,
    /// Ranked by likelihood, most likely first.
    pub causes: Vec<Cause>,
    /// Narrowing steps: what to look at, in order.
    pub next_steps: Vec<String>,
    /// The durable fix, as opposed to the patch that hides the symptom.
    pub fix: Option<String>,
}

/// A library whose frames mean the failing call crossed the network: one `[[api]]` entry with
/// `frames` of a runtime's `catalog.toml` (`langs/<lang>/catalog.toml`, registered as
/// `TraceFormat::catalog`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteClient {
    /// The entry's `client` label, else its `name`.
    pub name: String,
    /// The runtime whose traces this client appears in (`python`, `javascript`, `jvm`, `go`,
    /// `rust`, `ruby`, `dotnet`, `php`), as in [`language_key`].
    pub language: String,
    /// http | db | rpc | cache | cloud | queue | network
    pub kind: String,
    /// The entry's `frames`: substrings of a frame's path or function (case-sensitive).
    pub patterns: Vec<String>,
    /// The catalog entry's own `name`.
    pub entry: String,
}

/// A source-line shape that is a remote call even when no library frame is in the trace.
#[derive(Debug, Clone)]
pub struct RemoteSource {
    pub name: String,
    pub regex: Regex,
}

#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entries: Vec<Entry>,
    generic: Vec<Entry>,
    intermittent: Vec<IntermittentCause>,
    clients: Vec<RemoteClient>,
    remote_sources: Vec<RemoteSource>,
}

/// Why a knowledge file failed to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "knowledge file {}: {}", self.file, self.message)
    }
}

impl std::error::Error for LoadError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    entry: Vec<RawEntry>,
    #[serde(default)]
    intermittent: Vec<IntermittentCause>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSources {
    source: Vec<RawSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    regex: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    exceptions: Vec<String>,
    #[serde(default)]
    message_regex: String,
    #[serde(default)]
    name_regex: String,
    kind: String,
    #[serde(default)]
    remote: bool,
    title: String,
    immediate_cause: String,
    next_steps: Vec<String>,
    #[serde(default)]
    fix: String,
    causes: Vec<Cause>,
}

fn compile(file: &str, id: &str, pattern: &str) -> Result<Option<Regex>, LoadError> {
    if pattern.is_empty() {
        return Ok(None);
    }
    Regex::new(pattern).map(Some).map_err(|e| LoadError {
        file: file.to_owned(),
        message: format!("entry {id}: bad regex: {e}"),
    })
}

fn parse_file(
    file: &str,
    text: &str,
    language: Option<Runtime>,
) -> Result<(Vec<Entry>, Vec<IntermittentCause>), LoadError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| LoadError {
        file: file.to_owned(),
        message: e.to_string(),
    })?;
    let mut entries = Vec::with_capacity(raw.entry.len());
    for r in raw.entry {
        let message_regex = compile(file, &r.id, &r.message_regex)?;
        let name_regex = compile(file, &r.id, &r.name_regex)?;
        if r.exceptions.is_empty() && message_regex.is_none() && name_regex.is_none() {
            return Err(LoadError {
                file: file.to_owned(),
                message: format!(
                    "entry {} matches nothing: give exceptions or message_regex",
                    r.id
                ),
            });
        }
        entries.push(Entry {
            id: r.id,
            language,
            exceptions: r.exceptions,
            message_regex,
            name_regex,
            kind: r.kind,
            remote: r.remote,
            title: r.title,
            immediate_cause: r.immediate_cause,
            causes: r.causes,
            next_steps: r.next_steps,
            fix: (!r.fix.is_empty()).then_some(r.fix),
        });
    }
    Ok((entries, raw.intermittent))
}

/// The key a language has in the data files (also its file name and its serde name).
pub fn language_key(language: &Runtime) -> &'static str {
    crate::langs::trace_format(*language).key
}

/// The last segment of a qualified exception name: `a.b.C`, `A::B::C`, `A\B\C`, `Outer+Inner`,
/// `Outer$Inner`.
/// Go panic kinds contain spaces and colons and are returned whole.
pub fn last_segment(name: &str) -> &str {
    if name.contains(' ') {
        return name;
    }
    name.rsplit(['.', ':', '\\', '/', '+', '$'])
        .next()
        .unwrap_or(name)
}

fn is_qualified(name: &str) -> bool {
    last_segment(name) != name
}

impl Entry {
    /// True when the entry's regex (if any) matches the message or `"{exception}: {message}"`.
    fn regex_matches(&self, exception: &str, message: &str) -> Option<bool> {
        let re = self.message_regex.as_ref()?;
        Some(re.is_match(message) || re.is_match(&format!("{exception}: {message}")))
    }

    /// Lower is better; `None` = no match. See the module docs for the tiers.
    fn rank(&self, exception: &str, message: &str, qualified_only: bool) -> Option<u8> {
        let regex = self.regex_matches(exception, message);
        if regex == Some(false) {
            return None;
        }
        let with_regex = u8::from(regex.is_none());
        if self.exceptions.iter().any(|e| e == exception) {
            return Some(with_regex);
        }
        if qualified_only {
            return None;
        }
        let last = last_segment(exception);
        if self.exceptions.iter().any(|e| e == last) {
            return Some(2 + with_regex);
        }
        if self.exceptions.iter().any(|e| last_segment(e) == last) {
            return Some(4 + with_regex);
        }
        if self.exceptions.is_empty() && regex == Some(true) {
            return Some(6);
        }
        None
    }
}

impl KnowledgeBase {
    /// The embedded knowledge base, parsed once. If the embedded data were broken (a test loads
    /// every file, so it is not) this is an empty base and every lookup falls back to generic
    /// guidance inferred from the exception name.
    pub fn builtin() -> &'static KnowledgeBase {
        static KB: OnceLock<KnowledgeBase> = OnceLock::new();
        KB.get_or_init(|| KnowledgeBase::load().unwrap_or_default())
    }

    /// Parses every embedded knowledge file.
    pub fn load() -> Result<KnowledgeBase, LoadError> {
        let mut kb = KnowledgeBase::default();
        for format in crate::langs::TRACE_FORMATS {
            let file = format!("langs/{}/knowledge.toml", format.key);
            let (entries, intermittent) =
                parse_file(&file, format.knowledge, Some(format.language))?;
            if !intermittent.is_empty() {
                return Err(LoadError {
                    file,
                    message: "[[intermittent]] belongs in generic.toml".to_owned(),
                });
            }
            kb.entries.extend(entries);
        }
        let (generic, intermittent) = parse_file(GENERIC_FILE.0, GENERIC_FILE.1, None)?;
        kb.generic = generic;
        kb.intermittent = intermittent;

        for format in crate::langs::TRACE_FORMATS {
            let file = format!("langs/{}/catalog.toml", format.key);
            let catalog =
                crate::code::catalog::CatalogFile::parse(format.catalog).map_err(|message| {
                    LoadError {
                        file: file.clone(),
                        message,
                    }
                })?;
            for e in catalog.api.iter().filter(|e| !e.frames.is_empty()) {
                kb.clients.push(RemoteClient {
                    name: e.client_name().to_owned(),
                    language: format.key.to_owned(),
                    kind: e.client_kind(),
                    patterns: e.frames.clone(),
                    entry: e.name.clone(),
                });
            }
        }
        let raw: RawSources = toml::from_str(SOURCES_FILE.1).map_err(|e| LoadError {
            file: SOURCES_FILE.0.to_owned(),
            message: e.to_string(),
        })?;
        for s in raw.source {
            let regex = compile(SOURCES_FILE.0, &s.name, &s.regex)?.ok_or_else(|| LoadError {
                file: SOURCES_FILE.0.to_owned(),
                message: format!("source {} has an empty regex", s.name),
            })?;
            kb.remote_sources.push(RemoteSource {
                name: s.name,
                regex,
            });
        }

        let mut ids = HashSet::new();
        for e in kb.entries.iter().chain(&kb.generic) {
            if !ids.insert(e.id.as_str()) {
                return Err(LoadError {
                    file: "*".to_owned(),
                    message: format!("duplicate entry id {}", e.id),
                });
            }
        }
        Ok(kb)
    }

    /// All language entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries for one language, in file order.
    pub fn entries_for<'a>(
        &'a self,
        language: &'a Runtime,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.language.as_ref() == Some(language))
    }

    /// The generic entries (by kind inferred from the exception name), in file order.
    pub fn generic_entries(&self) -> &[Entry] {
        &self.generic
    }

    /// Hypotheses to add when a failure is intermittent (seen more than once).
    pub fn intermittent(&self) -> &[IntermittentCause] {
        &self.intermittent
    }

    pub fn remote_clients(&self) -> &[RemoteClient] {
        &self.clients
    }

    pub fn remote_sources(&self) -> &[RemoteSource] {
        &self.remote_sources
    }

    /// The best entry for this exception in this language; see the module docs for the order.
    pub fn lookup(&self, language: &Runtime, exception: &str, message: &str) -> Option<&Entry> {
        let best = |qualified_only: bool, same_language: bool| {
            self.entries
                .iter()
                .filter(|e| (e.language.as_ref() == Some(language)) == same_language)
                .filter_map(|e| e.rank(exception, message, qualified_only).map(|r| (r, e)))
                .min_by_key(|(r, _)| *r)
                .map(|(_, e)| e)
        };
        best(false, true).or_else(|| {
            if is_qualified(exception) {
                best(true, false)
            } else {
                None
            }
        })
    }

    /// Generic guidance for an exception the base does not know, by the kind its name suggests
    /// (`*Timeout*`, `*Connection*`, `*Null*`, `*NotFound*`, `*Permission*` …). The last generic
    /// entry matches everything, so this returns `None` only for a broken (empty) base.
    pub fn generic(&self, exception: &str, message: &str) -> Option<&Entry> {
        let haystack = format!("{exception}: {message}");
        self.generic.iter().find(|e| {
            e.name_regex
                .as_ref()
                .is_some_and(|re| re.is_match(exception))
                || e.message_regex
                    .as_ref()
                    .is_some_and(|re| re.is_match(&haystack))
        })
    }

    /// The remote client a frame of a `language` trace belongs to, if any: the first client of
    /// the runtime's catalog, in file order, with a pattern in the frame's path or function.
    pub fn remote_client_of(
        &self,
        language: &Runtime,
        path: &str,
        function: Option<&str>,
    ) -> Option<&RemoteClient> {
        let key = language_key(language);
        self.clients.iter().filter(|c| c.language == key).find(|c| {
            c.patterns.iter().any(|p| {
                path.contains(p.as_str()) || function.is_some_and(|f| f.contains(p.as_str()))
            })
        })
    }

    /// The remote-call shape a source line has, if any.
    pub fn remote_source_of(&self, source_line: &str) -> Option<&RemoteSource> {
        self.remote_sources
            .iter()
            .find(|s| s.regex.is_match(source_line))
    }
}
