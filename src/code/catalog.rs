//! The remote-call catalog: which APIs reach the network, as data (`langs/<lang>/catalog.toml`,
//! one per runtime, registered as `TraceFormat::catalog`; a code language's is also its
//! `CodeLanguage::catalog`).
//!
//! One `[[api]]` entry holds how a call is detected (functions, types and methods, receiver
//! conventions, imports, bases, annotations, batch siblings) and what is known about the client:
//! its stack-frame patterns (read by `guidance::knowledge`), thread safety, what a timed-out call
//! raises, the unit of a bare timeout, and examples that `tests/engine/catalog_examples.rs` runs
//! through the real detector. Entries with frames and no detection fields are known from traces
//! only and take no part in detection. [`is_thread_safe`], [`timeout_error`], [`timeout_unit`]
//! and [`batch_sibling`] answer for a finding's qualified API through [`Catalog::entry_of_api`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const PATTERNS: &str = include_str!("catalog/patterns.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    Http,
    Rpc,
    Db,
    Cache,
    Cloud,
}

/// One catalog entry: how a remote API is recognised in one language.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ApiEntry {
    #[serde(default)]
    pub language: String,
    /// Library label for messages (`aiohttp`).
    pub name: String,
    pub kind: Option<ApiKind>,
    /// Qualified call paths, `*` globs (`requests.get`, `net/http.Get`, `reqwest::get`).
    #[serde(default)]
    pub functions: Vec<String>,
    /// Receiver types or constructor paths (`aiohttp.ClientSession`, `boto3.client`).
    #[serde(default)]
    pub types: Vec<String>,
    /// Methods on `types` / `receiver_names` / `imports` receivers; `*` = any.
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub exclude_methods: Vec<String>,
    /// Receiver variable names (globs, case-insensitive) that identify the API by convention.
    #[serde(default)]
    pub receiver_names: Vec<String>,
    /// Receiver text globs (`*.objects` for Django managers).
    #[serde(default)]
    pub receiver_text: Vec<String>,
    /// `methods` count on any receiver when the file imports one of these modules.
    #[serde(default)]
    pub imports: Vec<String>,
    /// Workspace classes/interfaces extending one of these are remote (Spring Data).
    #[serde(default)]
    pub bases: Vec<String>,
    #[serde(default)]
    pub class_annotations: Vec<String>,
    #[serde(default)]
    pub method_annotations: Vec<String>,
    /// Calls return futures/promises: executed only when awaited (or blocked on).
    #[serde(default, rename = "async")]
    pub is_async: bool,
    /// Batch alternative per method (`get = "mget"`).
    #[serde(default)]
    pub batch: BTreeMap<String, String>,

    // ---- What is known about the client (traces, rewrites, generated tests).
    /// Substrings of a stack frame's path or function (case-sensitive) that mean the frame is
    /// this client's code. Frames are matched against a runtime's entries in file order.
    #[serde(default)]
    pub frames: Vec<String>,
    /// The name a trace explanation gives this client; defaults to `name`. Entries sharing a
    /// label read as one client (`"JDBC / HikariCP"` for JDBC, JdbcTemplate and Hibernate).
    #[serde(default)]
    pub client: Option<String>,
    /// The client's kind in trace explanations when it is not one of the code kinds
    /// (`queue`, `network`); otherwise `kind`.
    #[serde(default)]
    pub client_kind: Option<String>,
    /// `false`: one instance must not be shared between threads (a rewrite must not run its
    /// calls on a pool). Absent: thread-safe or unknown.
    #[serde(default)]
    pub thread_safe: Option<bool>,
    /// What a timed-out call raises, as written in code (`requests.Timeout`).
    #[serde(default)]
    pub timeout_error: Option<String>,
    /// The unit of a bare number given as this client's timeout (`s` or `ms`).
    #[serde(default)]
    pub timeout_unit: Option<TimeUnit>,

    // ---- How the entry is tested (`tests/engine/catalog_examples.rs`).
    /// Minimal snippets, each a loop calling the API, with the remote call's line marked by a
    /// comment holding [`EXAMPLE_MARK`]. One string or a list.
    #[serde(default, deserialize_with = "one_or_many")]
    pub example: Vec<String>,
    /// File name the example is analysed as, when the language's default will not do
    /// (`example.ts` for decorators and types).
    #[serde(default)]
    pub example_file: Option<String>,
    /// The detector misses the example (a detector limitation, not a catalog fault): why.
    #[serde(default)]
    pub example_known_miss: Option<String>,
}

/// Marks the remote call's line in a catalog entry's `example`.
pub const EXAMPLE_MARK: &str = "<- N+1";

/// Time unit of a timeout literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum TimeUnit {
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "ms")]
    Millis,
}

/// A timeout idiom of a language: the literal containing `idiom` is in `unit`
/// (`Duration::from_millis(` → `ms`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TimeoutIdiom {
    pub idiom: String,
    pub unit: TimeUnit,
}

/// A language's timeout knowledge that belongs to no one entry.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// What a timed-out call raises when its entry does not say.
    #[serde(default)]
    pub error: Option<String>,
    /// The same for an awaited call.
    #[serde(default)]
    pub async_error: Option<String>,
    /// Literal shapes that fix the unit, tried in order.
    #[serde(default)]
    pub idioms: Vec<TimeoutIdiom>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

impl ApiEntry {
    /// Has any detection field (else it is known only from trace frames).
    pub fn detects(&self) -> bool {
        !(self.functions.is_empty()
            && self.types.is_empty()
            && self.receiver_names.is_empty()
            && self.receiver_text.is_empty()
            && self.imports.is_empty()
            && self.bases.is_empty()
            && self.class_annotations.is_empty()
            && self.method_annotations.is_empty())
    }

    /// The name trace explanations give this client.
    pub fn client_name(&self) -> &str {
        self.client.as_deref().unwrap_or(&self.name)
    }

    /// The kind trace explanations give this client (`http` … `cloud`, `queue`, `network`).
    pub fn client_kind(&self) -> String {
        match (&self.client_kind, self.kind) {
            (Some(k), _) => k.clone(),
            (None, Some(k)) => kind_name(k).to_owned(),
            (None, None) => "http".to_owned(),
        }
    }
}

/// The lowercase name of a kind, as in the catalogs.
pub fn kind_name(k: ApiKind) -> &'static str {
    match k {
        ApiKind::Http => "http",
        ApiKind::Rpc => "rpc",
        ApiKind::Db => "db",
        ApiKind::Cache => "cache",
        ApiKind::Cloud => "cloud",
    }
}

/// One `catalog.toml`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    #[serde(default)]
    pub api: Vec<ApiEntry>,
    #[serde(default)]
    pub timeouts: Timeouts,
}

impl CatalogFile {
    pub fn parse(src: &str) -> Result<CatalogFile, String> {
        toml::from_str(src).map_err(|e| e.to_string())
    }
}

/// Batch-name patterns and receiver-name heuristics.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Patterns {
    pub batch_suffixes: Vec<String>,
    pub batch_prefixes: Vec<String>,
    pub batch_names: Vec<String>,
    pub heuristic_receivers: Vec<String>,
    pub heuristic_exclude_methods: Vec<String>,
    pub heuristic_exclude_prefixes: Vec<String>,
}

/// A user `remoteCalls` entry, e.g. `{ language = "python", pattern = "mylib.fetch_*", kind = "http" }`
/// or `{ language = "go", receiver = "*Gateway", method = "Call*", kind = "rpc" }`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct UserEntry {
    pub language: String,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub receiver: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    pub kind: ApiKind,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub entries: Vec<ApiEntry>,
    pub patterns: Patterns,
    /// Each family's `[timeouts]` table.
    pub timeouts: BTreeMap<String, Timeouts>,
}

/// A recognised remote API call.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiMatch {
    pub entry: usize,
    /// Qualified API (`aiohttp.ClientSession.post`).
    pub api: String,
    /// For messages (`aiohttp ClientSession.post`).
    pub display: String,
    pub kind: ApiKind,
    pub is_async: bool,
    pub method: String,
    pub batch: Option<String>,
}

/// `*` glob match (no other metacharacters).
///
/// Catalog patterns are call paths with `*` wildcards (`*` matches any run of bytes, `/` and `.`
/// included), matched for every call against every pattern of its family: this is the greedy
/// two-pointer match, linear in `pat.len() * s.len()` at worst and allocation-free. (globset
/// would compile a regex per pattern and treats `/` as a path separator; the exclude globs in
/// `config` are file paths and do use it.) The recursive matcher it replaces backtracked
/// exponentially in the number of stars.
pub fn glob(pat: &str, s: &str) -> bool {
    if !pat.contains('*') {
        return pat == s;
    }
    let (p, s) = (pat.as_bytes(), s.as_bytes());
    let (mut pi, mut si) = (0, 0);
    // The last star seen, and where in `s` its match currently ends.
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The text after the last `::`, `.` or `/` (one byte scan; this runs for every catalog pattern).
fn last_seg(s: &str) -> &str {
    let b = s.as_bytes();
    let mut k = 0;
    for i in 0..b.len() {
        match b[i] {
            b'.' | b'/' => k = i + 1,
            b':' if i > 0 && b[i - 1] == b':' => k = i + 1,
            _ => {}
        }
    }
    &s[k..]
}

fn is_qualified(s: &str) -> bool {
    s.contains('.') || s.contains("::") || s.contains('/')
}

/// Qualified name match; an unqualified name (no import seen) matches the pattern's last segment.
fn qmatch(pat: &str, name: &str) -> bool {
    let ls = last_seg(pat);
    glob(pat, name) || (!is_qualified(name) && ls.chars().any(|c| c != '*') && glob(ls, name))
}

/// Each code language's `catalog.toml`, by family key.
fn builtin_catalogs() -> impl Iterator<Item = (&'static str, &'static str)> {
    crate::langs::CODE_LANGUAGES
        .iter()
        .map(|c| (c.key, c.catalog))
}

impl Catalog {
    /// The catalog shipped with the engine.
    pub fn builtin() -> Catalog {
        let mut entries = Vec::new();
        let mut timeouts = BTreeMap::new();
        for (lang, src) in builtin_catalogs() {
            // The embedded files are tested to parse; a broken edit degrades to an empty family.
            if let Ok(f) = CatalogFile::parse(src) {
                for mut e in f.api {
                    if e.language.is_empty() {
                        e.language = lang.to_string();
                    }
                    // Entries known only from trace frames take no part in detection.
                    if e.detects() {
                        entries.push(e);
                    }
                }
                timeouts.insert(lang.to_string(), f.timeouts);
            }
        }
        let patterns = toml::from_str(PATTERNS).unwrap_or_default();
        Catalog {
            entries,
            patterns,
            timeouts,
        }
    }

    /// [`Catalog::builtin`], built once.
    pub fn shared() -> &'static Catalog {
        static SHARED: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(Catalog::builtin);
        &SHARED
    }

    /// The entry a qualified API (a finding's `ChainHop::api`: `requests.get`,
    /// `java.sql.PreparedStatement.executeQuery`, `cursor.execute`, `diesel.load`) was matched
    /// by, found by matching it again as a function, a typed method, a receiver convention or
    /// an import-gated method. `None` for APIs the catalog did not match (heuristic receivers,
    /// user entries) and for workspace classes matched by base or annotation.
    pub fn entry_of_api(&self, family: &str, api: &str) -> Option<&ApiEntry> {
        if let Some(m) = self.match_function(family, api) {
            return self.entries.get(m.entry);
        }
        let (receiver, method) = api.rsplit_once('.')?;
        let m = self
            .match_method(family, receiver, method)
            .or_else(|| self.match_receiver(family, receiver, method));
        if let Some(m) = m {
            return self.entries.get(m.entry);
        }
        self.entries.iter().find(|e| {
            e.language == family
                && !e.imports.is_empty()
                && e.name == receiver
                && Self::method_ok(e, method)
        })
    }

    /// Parse one catalog file (for tests and user-supplied catalogs).
    pub fn parse_entries(src: &str) -> Result<Vec<ApiEntry>, String> {
        toml::from_str::<CatalogFile>(src)
            .map(|f| f.api)
            .map_err(|e| e.to_string())
    }

    pub fn parse_patterns(src: &str) -> Result<Patterns, String> {
        toml::from_str(src).map_err(|e| e.to_string())
    }

    pub fn builtin_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
        builtin_catalogs().chain(std::iter::once(("patterns", PATTERNS)))
    }

    /// Builtin plus the user's `remoteCalls` entries.
    pub fn with_user_entries(user: Vec<UserEntry>) -> Catalog {
        let mut c = Catalog::builtin();
        for u in user {
            // `typescript`, `ts`, `py`: a dialect's fence or extension names its language.
            let language = crate::langs::code_language_named(&u.language)
                .map_or_else(|| u.language.clone(), |c| c.key.to_string());
            let methods = vec![u.method.clone().unwrap_or_else(|| "*".into())];
            let mut e = ApiEntry {
                language,
                name: u
                    .pattern
                    .clone()
                    .or(u.receiver.clone())
                    .unwrap_or_else(|| "user".into()),
                kind: Some(u.kind),
                ..Default::default()
            };
            if let Some(p) = u.pattern {
                e.functions.push(p);
            }
            if let Some(r) = u.receiver {
                e.types.push(r.clone());
                e.receiver_names.push(r);
                e.methods = methods;
            } else if u.method.is_some() && e.functions.is_empty() {
                e.receiver_names.push("*".into());
                e.methods = methods;
            }
            c.entries.push(e);
        }
        c
    }

    fn entries_for<'a>(
        &'a self,
        family: &'a str,
    ) -> impl Iterator<Item = (usize, &'a ApiEntry)> + 'a {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.language == family)
    }

    fn method_ok(e: &ApiEntry, method: &str) -> bool {
        !e.exclude_methods.iter().any(|m| glob(m, method))
            && e.methods.iter().any(|m| glob(m, method))
    }

    fn mk(&self, i: usize, e: &ApiEntry, api: String, display: String, method: &str) -> ApiMatch {
        ApiMatch {
            entry: i,
            api,
            display,
            kind: e.kind.unwrap_or(ApiKind::Http),
            is_async: e.is_async,
            method: method.to_string(),
            batch: e.batch.get(method).cloned(),
        }
    }

    /// A call to a qualified function path (`requests.get`, `net/http.Get`, global `fetch`).
    pub fn match_function(&self, family: &str, qualified: &str) -> Option<ApiMatch> {
        for (i, e) in self.entries_for(family) {
            if e.functions.iter().any(|p| qmatch(p, qualified)) {
                let method = last_seg(qualified).trim_end_matches('!').to_string();
                return Some(self.mk(i, e, qualified.to_string(), qualified.to_string(), &method));
            }
        }
        None
    }

    /// A method on a receiver of a known (qualified) type.
    pub fn match_method(&self, family: &str, type_q: &str, method: &str) -> Option<ApiMatch> {
        // `x()` marks a method's result; catalogs name such factories without the parens.
        let type_q = type_q.trim_end_matches("()");
        for (i, e) in self.entries_for(family) {
            if e.types.iter().any(|t| qmatch(t, type_q)) && Self::method_ok(e, method) {
                let sep = crate::langs::code_language_by_key(family)
                    .map_or(".", |c| c.resolve.path_separator());
                let tname = last_seg(type_q);
                let module = type_q
                    .strip_suffix(tname)
                    .unwrap_or("")
                    .trim_end_matches(['.', ':', '/']);
                let lib = if module.is_empty() {
                    e.name.clone()
                } else {
                    module.to_string()
                };
                let display = format!("{lib} {tname}.{method}");
                let _ = sep;
                return Some(self.mk(i, e, format!("{type_q}.{method}"), display, method));
            }
        }
        None
    }

    /// By receiver naming convention (`cursor.execute`) or receiver text (`User.objects.get`).
    pub fn match_receiver(&self, family: &str, receiver: &str, method: &str) -> Option<ApiMatch> {
        let last = last_seg(receiver).to_ascii_lowercase();
        for (i, e) in self.entries_for(family) {
            let by_name = e
                .receiver_names
                .iter()
                .any(|p| glob(&p.to_ascii_lowercase(), &last));
            let by_text = e.receiver_text.iter().any(|p| glob(p, receiver));
            if (by_name || by_text) && Self::method_ok(e, method) {
                let api = format!("{receiver}.{method}");
                let display = format!("{} {api}", e.name);
                return Some(self.mk(i, e, api, display, method));
            }
        }
        None
    }

    /// Import-gated methods (`diesel` `.load(&mut conn)`).
    pub fn match_imported_method(
        &self,
        family: &str,
        file_modules: &[String],
        receiver: &str,
        method: &str,
    ) -> Option<ApiMatch> {
        self.match_imported_method_in(family, &[file_modules], receiver, method)
    }

    /// `match_imported_method` over several module lists (no need to concatenate them).
    pub fn match_imported_method_in(
        &self,
        family: &str,
        module_lists: &[&[String]],
        receiver: &str,
        method: &str,
    ) -> Option<ApiMatch> {
        for (i, e) in self.entries_for(family) {
            if e.imports.is_empty() || !Self::method_ok(e, method) {
                continue;
            }
            let imported = e.imports.iter().any(|m| {
                module_lists.iter().any(|list| {
                    list.iter().any(|fm| {
                        fm.strip_prefix(m.as_str()).is_some_and(|r| {
                            r.is_empty()
                                || r.starts_with("::")
                                || r.starts_with('.')
                                || r.starts_with('/')
                        })
                    })
                })
            });
            if imported {
                let api = format!("{}.{method}", e.name);
                let display = format!("{} {}.{method}", e.name, last_seg(receiver));
                return Some(self.mk(i, e, api, display, method));
            }
        }
        None
    }

    pub fn match_class(
        &self,
        family: &str,
        bases: &[String],
        class_annotations: &[String],
        method_annotations: &[String],
        class: &str,
        method: &str,
    ) -> Option<ApiMatch> {
        for (i, e) in self.entries_for(family) {
            let by_base = bases
                .iter()
                .any(|b| e.bases.iter().any(|p| qmatch(p, b) || glob(p, last_seg(b))));
            let by_cls = class_annotations
                .iter()
                .any(|a| e.class_annotations.iter().any(|p| annotation_is(a, p)));
            let by_m = method_annotations
                .iter()
                .any(|a| e.method_annotations.iter().any(|p| annotation_is(a, p)));
            if (by_base && (e.methods.is_empty() || Self::method_ok(e, method))) || by_cls || by_m {
                let api = format!("{class}.{method}");
                let display = format!("{} {class}.{method}", e.name);
                return Some(self.mk(i, e, api, display, method));
            }
        }
        None
    }

    /// Low-confidence guess from the receiver's name (`*client`, `*session`, ...).
    pub fn heuristic_receiver(&self, receiver: &str, method: &str) -> bool {
        let last = last_seg(receiver).to_ascii_lowercase();
        let p = &self.patterns;
        !method.is_empty()
            && p.heuristic_receivers.iter().any(|g| glob(g, &last))
            && !p
                .heuristic_exclude_methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(method))
            && !p
                .heuristic_exclude_prefixes
                .iter()
                .any(|pre| method.starts_with(pre.as_str()))
    }

    /// Does `name` look like a batch variant (of `single`, when given)? Compares ignoring ASCII
    /// case without building lowercase copies: a batch alternative is looked for among every
    /// sibling of every hop, a thousand names for a function of a big module.
    pub fn is_batch_name(&self, name: &str, single: Option<&str>) -> bool {
        let p = &self.patterns;
        if p.batch_names.iter().any(|b| b.eq_ignore_ascii_case(name)) {
            return single.is_none_or(|s| s.len() <= 3 || contains_ignore_case(name, s));
        }
        let stem = p
            .batch_suffixes
            .iter()
            .find_map(|suf| name.strip_suffix(suf.as_str()))
            .or_else(|| {
                p.batch_prefixes
                    .iter()
                    .find_map(|pre| name.strip_prefix(pre.as_str()))
            });
        match (stem, single) {
            (Some(stem), Some(s)) => {
                let stem = stem.trim_matches('_');
                stem.eq_ignore_ascii_case(s)
                    || stem
                        .trim_end_matches(['s', 'S'])
                        .eq_ignore_ascii_case(s.trim_end_matches(['s', 'S']))
            }
            (Some(stem), None) => !stem.is_empty(),
            // Plural of the single call: check → checks, get_item → get_items.
            (None, Some(s)) => {
                let (name, s) = (name.as_bytes(), s.as_bytes());
                !s.is_empty()
                    && [&b"s"[..], b"es"].iter().any(|end| {
                        name.len() == s.len() + end.len()
                            && name[..s.len()].eq_ignore_ascii_case(s)
                            && name[s.len()..].eq_ignore_ascii_case(end)
                    })
            }
            (None, None) => false,
        }
    }
}

/// Is a client safe to share between threads? `false` when the catalog entry that matched
/// `api` (see [`Catalog::entry_of_api`]) says `thread_safe = false` (JDBC statements and
/// connections, JPA `EntityManager`, a Hibernate `Session`, a single `Jedis`); `true` otherwise,
/// including for APIs the catalog does not know.
pub fn is_thread_safe(family: &str, api: &str) -> bool {
    Catalog::shared()
        .entry_of_api(family, api)
        .and_then(|e| e.thread_safe)
        .unwrap_or(true)
}

/// What a timed-out call to `api` raises, as written in `family`'s code: the matched entry's
/// `timeout_error`, else the family's `[timeouts]` `async_error` (for an awaited call) or
/// `error`. `None` when the catalog knows nothing.
pub fn timeout_error(family: &str, api: Option<&str>, is_async: bool) -> Option<&'static str> {
    let c = Catalog::shared();
    if let Some(e) = api
        .and_then(|a| c.entry_of_api(family, a))
        .and_then(|e| e.timeout_error.as_deref())
    {
        return Some(e);
    }
    let t = c.timeouts.get(family)?;
    if is_async {
        t.async_error.as_deref().or(t.error.as_deref())
    } else {
        t.error.as_deref()
    }
}

/// The unit of a timeout literal (`timeout=5`, `Duration::from_millis(200)`, `5 * time.Second`)
/// written on a call to `api`: the first of the family's `[timeouts]` idioms the literal
/// contains, else the matched entry's `timeout_unit` (for a bare number). `None` when unknown.
pub fn timeout_unit(family: &str, api: Option<&str>, literal: &str) -> Option<TimeUnit> {
    let c = Catalog::shared();
    if let Some(i) = c
        .timeouts
        .get(family)
        .and_then(|t| t.idioms.iter().find(|i| literal.contains(i.idiom.as_str())))
    {
        return Some(i.unit);
    }
    api.and_then(|a| c.entry_of_api(family, a))
        .and_then(|e| e.timeout_unit)
}

/// The batch call the catalog names for `method` of `api` (`redis.Redis.get` → `mget`).
pub fn batch_sibling(family: &str, api: &str) -> Option<&'static str> {
    let e = Catalog::shared().entry_of_api(family, api)?;
    let method = api.rsplit(['.', ':']).next()?.trim_end_matches('!');
    e.batch.get(method).map(String::as_str)
}

/// `haystack` contains `needle`, ignoring ASCII case.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn annotation_is(written: &str, pat: &str) -> bool {
    let w = written.trim_start_matches('@');
    let w = w.split('(').next().unwrap_or(w);
    glob(pat, w) || glob(pat, last_seg(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_call_paths_with_stars_anywhere() {
        assert!(glob("requests.*", "requests.get"));
        assert!(glob("*.objects.*", "app.models.User.objects.filter"));
        assert!(glob("net/http.*", "net/http.Get"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "abc"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(!glob("requests.*", "requests"));
        assert!(glob("requests.get", "requests.get"));
        assert!(!glob("requests.get", "requests.gets"));
        assert!(glob("**x", "yyx"));
    }

    #[test]
    fn glob_is_linear_on_a_pattern_that_made_the_recursive_matcher_backtrack() {
        // 2^20 paths for the old matcher; this finishes at once.
        let pat = format!("{}b", "*a".repeat(20));
        let s = "a".repeat(200);
        assert!(!glob(&pat, &s));
        assert!(glob(&pat, &format!("{s}b")));
    }

    #[test]
    fn batch_names_by_suffix_prefix_list_and_plural_of_the_single_call() {
        let c = Catalog::builtin();
        let yes = [
            ("check_batch", Some("check")),
            ("checkBatch", Some("check")),
            ("batch_check", Some("check")),
            ("bulk_checks", Some("check")),
            ("get_items_many", Some("get_item")),
            ("fetch_all", Some("fetch")),
            ("checks", Some("check")),
            ("Checks", Some("check")),
            ("addresses", Some("address")),
            ("get_items", Some("get_item")),
            ("mget", Some("get")),
            ("get_multi", Some("get")),
            ("insert_many", Some("insert")),
            ("saveAll", Some("save")),
            ("MGET", None),
            ("check_batch", None),
            ("bulkUpsert", None),
        ];
        for (name, single) in yes {
            assert!(c.is_batch_name(name, single), "{name} for {single:?}");
        }
        let no = [
            ("check", Some("check")),
            ("checked", Some("check")),
            ("check_batch", Some("price")),
            ("prices", Some("check")),
            ("s", Some("")),
            ("insert_many", Some("delete_record")),
            ("fetch", None),
            ("_batch", None),
            ("batch", None),
            ("checkss", Some("check")),
            ("çhecks", Some("check")),
        ];
        for (name, single) in no {
            assert!(!c.is_batch_name(name, single), "{name} for {single:?}");
        }
    }

    #[test]
    fn an_api_resolves_to_the_entry_that_matched_it() {
        let c = Catalog::builtin();
        let name = |family: &str, api: &str| c.entry_of_api(family, api).map(|e| e.name.as_str());
        assert_eq!(name("python", "requests.get"), Some("requests"));
        assert_eq!(
            name("python", "aiohttp.ClientSession.post"),
            Some("aiohttp")
        );
        assert_eq!(name("python", "cursor.execute"), Some("DB-API cursor"));
        assert_eq!(
            name("python", "app.models.User.objects.get"),
            Some("Django ORM")
        );
        assert_eq!(name("rust", "reqwest::Client.get"), Some("reqwest"));
        assert_eq!(name("rust", "diesel.load"), Some("diesel"));
        assert_eq!(name("go", "net/http.Get"), Some("net/http"));
        assert_eq!(
            name("java", "java.sql.PreparedStatement.executeQuery"),
            Some("JDBC")
        );
        assert_eq!(name("python", "myapp.helpers.fetch_all"), None);
        // Frame-only entries take no part in detection.
        assert!(c.entries.iter().all(ApiEntry::detects));
    }

    #[test]
    fn thread_safety_matches_the_list_java_rewrites_used() {
        // `NOT_THREAD_SAFE` in langs/java/rewrite.rs: an API starting with one of these.
        const NOT_THREAD_SAFE: &[&str] = &[
            "jakarta.persistence.EntityManager",
            "javax.persistence.EntityManager",
            "org.hibernate.Session",
            "redis.clients.jedis.Jedis.",
            "java.sql.",
        ];
        let c = Catalog::builtin();
        let mut checked = 0;
        for e in c.entries.iter().filter(|e| e.language == "java") {
            for t in e.types.iter().filter(|t| !t.contains('*')) {
                let wild = e.methods == ["*"];
                let methods = e
                    .methods
                    .iter()
                    .map(String::as_str)
                    .filter(|m| !m.contains('*'))
                    .chain(["get", "find"].into_iter().filter(|_| wild));
                for m in methods {
                    let api = format!("{t}.{m}");
                    if c.entry_of_api("java", &api).map(|x| x.name.as_str()) != Some(&e.name) {
                        continue;
                    }
                    let old = !NOT_THREAD_SAFE.iter().any(|p| api.starts_with(p));
                    assert_eq!(is_thread_safe("java", &api), old, "{api}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "{checked}");
        assert!(!is_thread_safe("java", "redis.clients.jedis.Jedis.get"));
        assert!(is_thread_safe(
            "java",
            "redis.clients.jedis.JedisPooled.get"
        ));
        assert!(!is_thread_safe("java", "org.hibernate.Session.get"));
        assert!(is_thread_safe("java", "okhttp3.OkHttpClient.newCall"));
        assert!(is_thread_safe("java", "com.shop.Anything.call"));
    }

    #[test]
    fn timeout_errors_match_what_python_tests_raised() {
        // `timeout_error` in langs/python/testgen.rs, as it was.
        fn old(api: Option<&str>, is_async: bool) -> &'static str {
            let api = api.unwrap_or("");
            if api.starts_with("requests") {
                "requests.Timeout"
            } else if api.starts_with("httpx") {
                "httpx.ReadTimeout"
            } else if is_async || api.starts_with("aiohttp") {
                "asyncio.TimeoutError"
            } else {
                "TimeoutError"
            }
        }
        let apis = [
            Some("requests.get"),
            Some("requests.Session.post"),
            Some("httpx.get"),
            Some("httpx.Client.get"),
            Some("httpx.AsyncClient.get"),
            Some("aiohttp.ClientSession.post"),
            Some("aiohttp.request"),
            Some("asyncpg.connect.fetchrow"),
            Some("redis.Redis.get"),
            Some("cursor.execute"),
            Some("app.clients.fetch"),
            None,
        ];
        for api in apis {
            for is_async in [false, true] {
                assert_eq!(
                    timeout_error("python", api, is_async),
                    Some(old(api, is_async)),
                    "{api:?} async={is_async}"
                );
            }
        }
        assert_eq!(
            timeout_error("java", Some("java.net.http.HttpClient.send"), false),
            Some("java.net.http.HttpTimeoutException")
        );
        assert_eq!(timeout_error("java", Some("com.shop.X.y"), false), None);
    }

    #[test]
    fn timeout_units_from_the_idioms_then_the_entry() {
        let u = |family: &str, api: Option<&str>, lit: &str| timeout_unit(family, api, lit);
        assert_eq!(u("go", None, "5 * time.Second"), Some(TimeUnit::Seconds));
        assert_eq!(
            u("go", None, "200 * time.Millisecond"),
            Some(TimeUnit::Millis)
        );
        assert_eq!(
            u("rust", None, "Duration::from_millis(200)"),
            Some(TimeUnit::Millis)
        );
        assert_eq!(
            u("rust", None, "Duration::from_secs(5)"),
            Some(TimeUnit::Seconds)
        );
        assert_eq!(
            u("java", None, "Duration.ofSeconds(5)"),
            Some(TimeUnit::Seconds)
        );
        assert_eq!(
            u("java", None, "Duration.ofMillis(500)"),
            Some(TimeUnit::Millis)
        );
        assert_eq!(
            u("javascript", Some("axios.get"), "timeout: 5000"),
            Some(TimeUnit::Millis)
        );
        assert_eq!(
            u("python", Some("requests.get"), "timeout=5"),
            Some(TimeUnit::Seconds)
        );
        assert_eq!(u("python", Some("cursor.execute"), "timeout=5"), None);
    }

    #[test]
    fn batch_siblings_come_from_the_matched_entry() {
        assert_eq!(batch_sibling("python", "redis.Redis.get"), Some("mget"));
        assert_eq!(
            batch_sibling("python", "cursor.execute"),
            Some("executemany")
        );
        assert_eq!(
            batch_sibling("go", "github.com/redis/go-redis/v9.NewClient.Get"),
            Some("MGet")
        );
        assert_eq!(batch_sibling("python", "requests.get"), None);
    }

    #[test]
    fn every_builtin_catalog_parses_with_its_timeouts() {
        for f in crate::langs::TRACE_FORMATS {
            if let Err(e) = CatalogFile::parse(f.catalog) {
                panic!("langs/{}/catalog.toml: {e}", f.key);
            }
        }
        assert!(Catalog::builtin().timeouts.contains_key("python"));
    }
}
