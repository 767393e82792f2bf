//! The workspace index: per-file summaries in, interprocedural resolution and findings out.

use super::catalog::{ApiKind, ApiMatch, Catalog};
use super::finding::{
    BatchAlternative, ChainHop, Confidence, Finding, LoopRef, RULE_LOOP_REMOTE_CALL, Severity,
};
use super::helper::Helper;
use super::lang::base_type;
use super::resolve::{ClassRef, FnRef, ResolveHooks, TypeRef, Val};
use super::summary::{CallSite, FileSummary, FunctionDef};
use super::{AnalysisConfig, Lang};
use std::cell::RefCell;
// The index and the resolver's memos hash small keys (indices, short names) millions of times
// per check; SipHash was a tenth of the findings time.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Debug, Clone)]
enum Target {
    Ws(FnRef, Confidence),
    Api(ApiMatch, Confidence),
}

/// The remote chain behind a function or call.
#[derive(Debug, Clone)]
struct Chain {
    hops: Vec<ChainHop>,
    api: ApiMatch,
    confidence: Confidence,
    /// Where the API itself is called: (file slot, call index).
    api_call: (usize, usize),
    /// Receiver named in a low-confidence guess.
    guessed: Option<String>,
    files: BTreeSet<String>,
}

struct FileEntry {
    s: FileSummary,
    family: &'static str,
    /// The language's resolution rules.
    rules: &'static dyn ResolveHooks,
    /// Keys under which this file's module is known.
    module_keys: Vec<String>,
    aliases: HashMap<String, usize>,
    top_fns: HashMap<String, usize>,
    classes: HashMap<String, usize>,
    module_vars: HashMap<String, usize>,
    /// Function index → call indices.
    calls_by_fn: HashMap<Option<usize>, Vec<usize>>,
    /// Function index → assignment indices (in order).
    assigns_by_fn: HashMap<Option<usize>, Vec<usize>>,
    /// (class, field) → assignments that may set the field (`self.x = …` / `this.x = …` in
    /// one of the class's methods, or a class-level `x = …`), in order.
    field_assigns: HashMap<(String, String), Vec<usize>>,
    import_modules: Vec<String>,
}

impl FileEntry {
    /// The entry of `summary`, the file at `path` in `lang`, with its own lookup tables.
    fn new(path: &str, lang: Lang, summary: FileSummary) -> FileEntry {
        let code = crate::langs::code_language(lang);
        let class_names: Vec<String> = summary.classes.iter().map(|c| c.name.clone()).collect();
        let module_keys = code
            .resolve
            .module_keys(path, summary.package.as_deref(), &class_names);
        let mut e = FileEntry {
            family: code.key,
            rules: code.resolve,
            module_keys,
            aliases: HashMap::new(),
            top_fns: HashMap::new(),
            classes: HashMap::new(),
            module_vars: HashMap::new(),
            calls_by_fn: HashMap::new(),
            assigns_by_fn: HashMap::new(),
            field_assigns: HashMap::new(),
            import_modules: Vec::new(),
            s: summary,
        };
        for (i, im) in e.s.imports.iter().enumerate() {
            e.aliases.insert(im.local.clone(), i);
            e.import_modules.push(im.module.clone());
        }
        for (i, f) in e.s.functions.iter().enumerate() {
            if !f.anonymous && f.class.is_none() {
                e.top_fns.entry(f.name.clone()).or_insert(i);
            }
        }
        for (i, c) in e.s.classes.iter().enumerate() {
            e.classes.entry(c.name.clone()).or_insert(i);
        }
        e.index_assignments();
        for (i, c) in e.s.calls.iter().enumerate() {
            e.calls_by_fn.entry(c.func).or_default().push(i);
        }
        e
    }

    /// Assignments by function, by the class field they may set, and module variables.
    fn index_assignments(&mut self) {
        for (i, a) in self.s.assignments.iter().enumerate() {
            self.assigns_by_fn.entry(a.func).or_default().push(i);
            let fn_class = a
                .func
                .and_then(|f| self.s.functions.get(f))
                .and_then(|f| f.class.as_deref());
            let mut classes: Vec<&str> = a.class.as_deref().into_iter().collect();
            if let Some(c) = fn_class.filter(|c| !classes.contains(c)) {
                classes.push(c);
            }
            let mut names: Vec<&str> = Vec::new();
            if let Some(n) = a
                .target
                .strip_prefix("self.")
                .or_else(|| a.target.strip_prefix("this."))
            {
                names.push(n);
            }
            if a.func.is_none() && !names.contains(&a.target.as_str()) {
                names.push(&a.target);
            }
            for c in &classes {
                for n in &names {
                    self.field_assigns
                        .entry((c.to_string(), n.to_string()))
                        .or_default()
                        .push(i);
                }
            }
            if a.func.is_none() && a.class.is_none() {
                // Prefer an assignment that says what the value is.
                let better =
                    a.value_ctor.is_some() || a.type_text.is_some() || a.value_path.is_some();
                let entry = self.module_vars.entry(a.target.clone()).or_insert(i);
                if better {
                    *entry = i;
                }
            }
        }
    }
}

/// Incremental workspace index. Update one file's summary at a time; ask for findings.
pub struct Index {
    catalog: Catalog,
    cfg: AnalysisConfig,
    slots: Vec<Option<FileEntry>>,
    by_path: BTreeMap<String, usize>,
    modules: HashMap<(&'static str, String), Vec<usize>>,
    class_names: HashMap<(&'static str, String), Vec<ClassRef>>,
    methods: HashMap<(&'static str, String, String), Vec<FnRef>>,
    /// Every method of a class by (family, class name), wherever defined: the siblings among
    /// which a batch variant is looked for.
    class_methods: HashMap<(&'static str, String), Vec<FnRef>>,
    /// Path → paths whose direct dependencies include it (imports, same package or folder):
    /// built on demand; patched when a file's imports change, or a Java file's classes; dropped
    /// when any other part of a file's identity changes (its package, another language's module
    /// keys) or a file comes or goes. An edit inside a function body keeps it.
    deps: std::sync::Mutex<Option<DepGraph>>,
    /// A file with at least this many calls has them resolved on two threads.
    parallel_calls: usize,
}

/// File dependency edges by path (groups as extra nodes, see `dep_group`).
#[derive(Default)]
struct DepGraph {
    /// Path → the files it imports.
    imports: HashMap<String, Vec<String>>,
    /// Node → nodes that depend on it directly.
    rev: HashMap<String, BTreeSet<String>>,
}

/// How other files find this one (its module keys and group): when it changes, any file's edges
/// may change.
fn dep_identity(e: &FileEntry) -> (Vec<String>, Option<String>) {
    (e.module_keys.clone(), dep_group(e))
}

/// What this file imports: when only this changes, only its own edges do.
fn dep_imports(e: &FileEntry) -> Vec<(String, Option<String>)> {
    e.s.imports
        .iter()
        .map(|i| (i.module.clone(), i.name.clone()))
        .collect()
}

fn split_path(s: &str) -> Vec<String> {
    s.replace("::", ".")
        .split('.')
        .filter(|x| !x.is_empty())
        .map(|x| x.to_string())
        .collect()
}

/// `db('users').where(x).first` → `db`; `self.session.post` → `self.session.post`.
fn leading_path(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '$')))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    s[..end].trim_end_matches(['.', ':'])
}

fn strip_generics(s: &str) -> String {
    if !s.contains(['<', '!']) && !s.contains("::.") && !s.contains("?.") {
        return s.to_string(); // the common case: nothing to strip
    }
    let mut out = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    // What a turbofish leaves: `a::<T>::b` → `a::::b`, `a::<T>.b` → `a::.b`, `f::<T>` → `f::`.
    let out = out
        .replace("::::", "::")
        .replace("::.", ".")
        .replace("?.", ".")
        .replace('!', "");
    out.strip_suffix("::").map(str::to_string).unwrap_or(out)
}

fn is_cap(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_uppercase())
}

const HTTP_VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

impl Index {
    pub fn new(catalog: Catalog, cfg: AnalysisConfig) -> Index {
        Index {
            catalog,
            cfg,
            slots: Vec::new(),
            by_path: BTreeMap::new(),
            modules: HashMap::new(),
            class_names: HashMap::new(),
            methods: HashMap::new(),
            class_methods: HashMap::new(),
            deps: Default::default(),
            parallel_calls: PARALLEL_CALLS,
        }
    }

    /// How many calls a file needs before its calls are resolved on two threads (tests set 0
    /// or `usize::MAX` to compare the two paths).
    #[doc(hidden)]
    pub fn set_parallel_calls(&mut self, calls: usize) {
        self.parallel_calls = calls;
    }

    fn forget_deps(&mut self) {
        *self.deps.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Slot → path, for naming the graph's nodes.
    fn paths_by_slot(&self) -> HashMap<usize, &String> {
        self.by_path.iter().map(|(k, s)| (*s, k)).collect()
    }

    /// Re-derive the import edges of each of `files` in the cached graph.
    fn patch_imports_of<'p>(&self, files: impl IntoIterator<Item = &'p str>) {
        let mut guard = self.deps.lock().unwrap_or_else(|p| p.into_inner());
        let Some(g) = guard.as_mut() else { return };
        let r = Resolver::new(self);
        let paths = self.paths_by_slot();
        for path in files {
            let Some(&slot) = self.by_path.get(path) else {
                continue;
            };
            let new = import_edges(&r, &paths, slot);
            for d in g.imports.remove(path).unwrap_or_default() {
                if let Some(users) = g.rev.get_mut(&d) {
                    users.remove(path);
                }
            }
            for d in &new {
                g.rev.entry(d.clone()).or_default().insert(path.to_string());
            }
            g.imports.insert(path.to_string(), new);
        }
    }

    /// `path`'s identity changed. Where module keys are classes (Java: `pkg.Name`), adding,
    /// removing or renaming a class changes them while typing; rebuilding the whole graph then
    /// cost ~60 ms in a 100k-line workspace. When the language's imports resolve by looking up
    /// their text (`module`, or `module.name`) as a key (`ResolveHooks::imports_are_keys`), the
    /// only files whose edges change are this one and those whose import text is a key it
    /// gained or lost (an importer through a key it kept keeps its edge): theirs are
    /// re-derived. A changed group (a Java package) or any other language drops the graph,
    /// rebuilt when next asked for.
    fn patch_identity(
        &mut self,
        path: &str,
        family: &'static str,
        rules: &'static dyn ResolveHooks,
        old: &(Vec<String>, Option<String>),
        new: &(Vec<String>, Option<String>),
    ) {
        if !rules.imports_are_keys() || old.1 != new.1 {
            return self.forget_deps();
        }
        if self
            .deps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
        {
            return; // nothing cached to patch
        }
        let changed: HashSet<&str> = old
            .0
            .iter()
            .filter(|k| !new.0.contains(k))
            .chain(new.0.iter().filter(|k| !old.0.contains(k)))
            .map(String::as_str)
            .collect();
        let mut affected: BTreeSet<&str> = BTreeSet::from([path]);
        // `module.name` is a changed key, compared without building it.
        let is_changed_key = |m: &str, n: &str| {
            changed.iter().any(|k| {
                k.len() == m.len() + 1 + n.len()
                    && k.starts_with(m)
                    && k.ends_with(n)
                    && k.as_bytes()[m.len()] == b'.'
            })
        };
        for (p, &slot) in &self.by_path {
            let e = self.file(slot);
            let names_a_change = e.s.imports.iter().any(|im| {
                changed.contains(im.module.as_str())
                    || im
                        .name
                        .as_deref()
                        .is_some_and(|n| is_changed_key(&im.module, n))
            });
            if e.family == family && names_a_change {
                affected.insert(p.as_str());
            }
        }
        self.patch_imports_of(affected);
    }

    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.by_path.keys()
    }

    pub fn summary(&self, path: &str) -> Option<&FileSummary> {
        self.by_path
            .get(path)
            .and_then(|i| self.slots[*i].as_ref())
            .map(|e| &e.s)
    }

    /// Replace (or add) one file's summary.
    pub fn update(&mut self, path: &str, summary: FileSummary) {
        self.update_with(path, |_| summary);
    }

    /// Replaces `path`'s summary with the one `make` builds from the summary it replaces (an
    /// open file's next summary moves what it can out of its last one).
    pub fn update_with(
        &mut self,
        path: &str,
        make: impl FnOnce(Option<FileSummary>) -> FileSummary,
    ) {
        let old_shape = self
            .by_path
            .get(path)
            .and_then(|s| self.slots[*s].as_ref())
            .map(|e| (dep_identity(e), dep_imports(e)));
        let prev = self.remove_entry(path).map(|mut e| {
            let s = std::mem::take(&mut e.s);
            crate::reclaim::drop_later(e);
            s
        });
        let summary = make(prev);
        let Some(lang) = summary.lang.or_else(|| Lang::from_path(path)) else {
            self.forget_deps();
            return;
        };
        let slot = self
            .slots
            .iter()
            .position(|s| s.is_none())
            .unwrap_or(self.slots.len());
        let e = FileEntry::new(path, lang, summary);
        self.register(slot, &e);
        let (family, rules) = (e.family, e.rules);
        let (identity, imports) = (dep_identity(&e), dep_imports(&e));
        if slot == self.slots.len() {
            self.slots.push(Some(e));
        } else {
            self.slots[slot] = Some(e);
        }
        self.by_path.insert(path.to_string(), slot);
        match old_shape {
            Some((old_identity, _)) if old_identity != identity => {
                self.patch_identity(path, family, rules, &old_identity, &identity)
            }
            None => self.forget_deps(),
            Some((_, old_imports)) if old_imports != imports => self.patch_imports_of([path]),
            Some(_) => {}
        }
    }

    /// Adds file entry `e`, to be stored at `slot`, to the workspace tables: its module keys,
    /// classes and methods.
    fn register(&mut self, slot: usize, e: &FileEntry) {
        let family = e.family;
        for (i, f) in e.s.functions.iter().enumerate() {
            let Some(c) = f.class.as_ref().filter(|_| !f.anonymous) else {
                continue;
            };
            self.methods
                .entry((family, c.clone(), f.name.clone()))
                .or_default()
                .push((slot, i));
            self.class_methods
                .entry((family, c.clone()))
                .or_default()
                .push((slot, i));
        }
        for (i, c) in e.s.classes.iter().enumerate() {
            self.class_names
                .entry((family, c.name.clone()))
                .or_default()
                .push((slot, i));
        }
        for k in &e.module_keys {
            self.modules
                .entry((family, k.clone()))
                .or_default()
                .push(slot);
        }
    }

    pub fn remove(&mut self, path: &str) {
        if self.by_path.contains_key(path) {
            self.forget_deps();
        }
        if let Some(e) = self.remove_entry(path) {
            // Thousands of allocations in a big file: freed off the edit's path.
            crate::reclaim::drop_later(e);
        }
    }

    /// Takes `path`'s entry out of the index and its tables.
    fn remove_entry(&mut self, path: &str) -> Option<FileEntry> {
        let slot = self.by_path.remove(path)?;
        let e = self.slots[slot].take()?;
        for k in &e.module_keys {
            if let Some(v) = self.modules.get_mut(&(e.family, k.clone())) {
                v.retain(|s| *s != slot);
            }
        }
        for c in &e.s.classes {
            if let Some(v) = self.class_names.get_mut(&(e.family, c.name.clone())) {
                v.retain(|r| r.0 != slot);
            }
        }
        let mut classes: HashSet<&String> = HashSet::new();
        for f in &e.s.functions {
            if let Some(c) = &f.class {
                if let Some(v) = self.methods.get_mut(&(e.family, c.clone(), f.name.clone())) {
                    v.retain(|r| r.0 != slot);
                }
                classes.insert(c);
            }
        }
        for c in classes {
            if let Some(v) = self.class_methods.get_mut(&(e.family, c.clone())) {
                v.retain(|r| r.0 != slot);
            }
        }
        Some(e)
    }

    fn file(&self, slot: usize) -> &FileEntry {
        // Slots referenced from live tables are always filled; an empty slot would be a bug,
        // which the tables' `retain` on remove prevents.
        self.slots[slot]
            .as_ref()
            .unwrap_or_else(|| unreachable_entry())
    }

    /// Findings for one file.
    pub fn findings_for(&self, path: &str) -> Vec<Finding> {
        self.findings_for_with(path, None)
    }

    /// Findings for one file; a big file's second half goes to `helper` (already running)
    /// instead of a thread started for it.
    pub fn findings_for_with<'s>(
        &'s self,
        path: &str,
        helper: Option<&Helper<'s>>,
    ) -> Vec<Finding> {
        let Some(&slot) = self.by_path.get(path) else {
            return Vec::new();
        };
        Resolver::new(self).findings(slot, helper)
    }

    /// Whether `path`'s findings are computed on two threads (judged by its current summary).
    pub fn splits_findings(&self, path: &str) -> bool {
        self.by_path
            .get(path)
            .is_some_and(|&slot| self.splits(self.file(slot).s.calls.len()))
    }

    fn splits(&self, calls: usize) -> bool {
        calls >= self.parallel_calls && cores() > 1
    }

    /// Findings for every file, sorted by path and position.
    pub fn all_findings(&self) -> Vec<Finding> {
        let r = Resolver::new(self);
        let mut out = Vec::new();
        for slot in self.by_path.values() {
            out.extend(r.findings(*slot, None));
        }
        out
    }

    /// Direct dependency edges (imports and same-package files), reversed; cached.
    fn dep_graph(&self) -> std::sync::MutexGuard<'_, Option<DepGraph>> {
        let mut cached = self.deps.lock().unwrap_or_else(|p| p.into_inner());
        if cached.is_some() {
            return cached;
        }
        let r = Resolver::new(self);
        let paths = self.paths_by_slot();
        let mut rev: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut imports: HashMap<String, Vec<String>> = HashMap::new();
        for (p, &slot) in &self.by_path {
            let deps = import_edges(&r, &paths, slot);
            for d in &deps {
                rev.entry(d.clone()).or_default().insert(p.clone());
            }
            imports.insert(p.clone(), deps);
            // A group is one node: members depend on it, it depends on its members (linear in
            // the group's size instead of quadratic).
            if let Some(g) = dep_group(self.file(slot)) {
                rev.entry(g.clone()).or_default().insert(p.clone());
                rev.entry(p.clone()).or_default().insert(g);
            }
        }
        *cached = Some(DepGraph { imports, rev });
        cached
    }

    /// Files (other than `path`) whose findings may change when `path` changes.
    pub fn dependents_of(&self, path: &str) -> Vec<String> {
        if !self.by_path.contains_key(path) {
            return Vec::new();
        }
        let graph = self.dep_graph();
        let Some(rev) = graph.as_ref().map(|g| &g.rev) else {
            return Vec::new();
        };
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack = vec![path];
        while let Some(s) = stack.pop() {
            for u in rev.get(s).into_iter().flatten() {
                if seen.insert(u) {
                    stack.push(u);
                }
            }
        }
        seen.remove(path);
        let mut out: Vec<String> = seen
            .into_iter()
            .filter(|p| !p.starts_with('\0'))
            .map(str::to_string)
            .collect();
        out.sort();
        out
    }
}

#[cold]
fn unreachable_entry() -> &'static FileEntry {
    // Never reached (see `Index::file`); kept total so input can never panic the engine.
    static EMPTY: std::sync::OnceLock<FileEntry> = std::sync::OnceLock::new();
    EMPTY.get_or_init(|| FileEntry {
        s: FileSummary::default(),
        family: "",
        rules: crate::langs::CODE_LANGUAGES[0].resolve,
        module_keys: Vec::new(),
        aliases: HashMap::new(),
        top_fns: HashMap::new(),
        classes: HashMap::new(),
        module_vars: HashMap::new(),
        calls_by_fn: HashMap::new(),
        assigns_by_fn: HashMap::new(),
        field_assigns: HashMap::new(),
        import_modules: Vec::new(),
    })
}

/// (family, receiver type, method).
type ApiKey = (&'static str, String, String);

/// A method call's receiver, as the resolver reads it.
struct Recv {
    /// The receiver without type arguments.
    text: String,
    /// Its leading path (`db('users').where(x)` → `db`), the whole receiver when not chained.
    base: String,
    /// The receiver is itself a call or an index (`a.b().c`): its value is not `base`'s.
    chained: bool,
    /// The method called (a macro's `!` dropped).
    method: String,
    /// `base`'s value.
    val: Val,
}

/// What the receiver's value said about its type.
#[derive(Default)]
struct Typing {
    /// Typed well enough that naming conventions must not guess.
    typed: bool,
    /// The receiver is this workspace interface, without a known implementation.
    iface: Option<String>,
}

/// One findings pass's view of the index: evaluates names and resolves calls, memoised. The
/// language hooks ([`ResolveHooks`]) call back into it.
pub(crate) struct Resolver<'a> {
    ix: &'a Index,
    memo: RefCell<HashMap<FnRef, Option<Chain>>>,
    /// Batch sibling of a single-item function (memoised: the search scans every sibling).
    batch_memo: RefCell<HashMap<FnRef, Option<BatchAlternative>>>,
    resolved: RefCell<HashMap<(usize, usize), Option<Target>>>,
    active: RefCell<HashSet<FnRef>>,
    /// Catalog answers by (family, type, method): the catalog is scanned linearly and the
    /// same receiver types come up for call after call.
    api_methods: RefCell<HashMap<ApiKey, Option<ApiMatch>>>,
}

const MAX_EVAL: usize = 12;

/// The default of `Index::parallel_calls`.
const PARALLEL_CALLS: usize = 1024;

/// The machine's cores (asked once: the answer reads cgroup files).
fn cores() -> usize {
    static N: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *N.get_or_init(|| std::thread::available_parallelism().map_or(1, |t| t.get()))
}

/// (call, loop) of each candidate.
fn keys(cands: &[(usize, usize, Chain)]) -> Vec<(usize, usize)> {
    cands.iter().map(|(ci, l, _)| (*ci, *l)).collect()
}

impl<'a> Resolver<'a> {
    fn new(ix: &'a Index) -> Self {
        Resolver {
            ix,
            memo: RefCell::new(HashMap::new()),
            batch_memo: RefCell::new(HashMap::new()),
            resolved: RefCell::new(HashMap::new()),
            active: RefCell::new(HashSet::new()),
            api_methods: RefCell::new(HashMap::new()),
        }
    }

    /// `Catalog::match_method`, memoised for this resolver.
    fn api_method(&self, family: &'static str, type_q: &str, method: &str) -> Option<ApiMatch> {
        let key = (family, type_q.to_string(), method.to_string());
        if let Some(hit) = self.api_methods.borrow().get(&key) {
            return hit.clone();
        }
        let m = self.ix.catalog.match_method(family, type_q, method);
        self.api_methods.borrow_mut().insert(key, m.clone());
        m
    }

    fn f(&self, slot: usize) -> &'a FileEntry {
        self.ix.file(slot)
    }

    fn func(&self, r: FnRef) -> &'a FunctionDef {
        &self.f(r.0).s.functions[r.1]
    }

    // ---- module resolution -------------------------------------------------------------

    fn lookup_module(&self, family: &'static str, key: &str) -> Vec<usize> {
        self.ix
            .modules
            .get(&(family, key.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    /// The files under module `key` in `slot`'s language.
    pub(crate) fn modules(&self, slot: usize, key: &str) -> Vec<usize> {
        self.lookup_module(self.f(slot).family, key)
    }

    /// Resolve an import's module text from `slot` to workspace files.
    pub(crate) fn resolve_module(&self, slot: usize, module: &str) -> Vec<usize> {
        self.f(slot).rules.resolve_module(self, slot, module)
    }

    /// The keys under which `slot`'s module is known (see `ResolveHooks::module_keys`).
    pub(crate) fn module_keys(&self, slot: usize) -> &'a [String] {
        &self.f(slot).module_keys
    }

    pub(crate) fn path(&self, slot: usize) -> &'a str {
        &self.f(slot).s.path
    }

    pub(crate) fn summary(&self, slot: usize) -> &'a FileSummary {
        &self.f(slot).s
    }

    /// The import of `slot` that binds `name`.
    pub(crate) fn alias(&self, slot: usize, name: &str) -> Option<usize> {
        self.f(slot).aliases.get(name).copied()
    }

    /// The class `name` defined in `slot` itself.
    pub(crate) fn local_class(&self, slot: usize, name: &str) -> Option<ClassRef> {
        self.f(slot).classes.get(name).map(|&i| (slot, i))
    }

    /// A capitalised `name` as a workspace class (see `class_named`), else unknown.
    pub(crate) fn capitalised_class(&self, slot: usize, name: &str) -> Val {
        match is_cap(name).then(|| self.class_named(slot, name)).flatten() {
            Some(c) => Val::Class(c),
            None => Val::Unknown,
        }
    }

    // ---- symbol evaluation -------------------------------------------------------------

    /// Look a name up at module scope of `slot` (definitions, module variables, imports).
    pub(crate) fn module_member(&self, slot: usize, name: &str, depth: usize) -> Val {
        if depth > MAX_EVAL {
            return Val::Unknown;
        }
        let e = self.f(slot);
        if let Some(&i) = e.top_fns.get(name) {
            return Val::Func((slot, i));
        }
        if let Some(&i) = e.classes.get(name) {
            return Val::Class((slot, i));
        }
        if let Some(&ai) = e.module_vars.get(name) {
            return self.assignment_val(slot, ai, depth + 1);
        }
        if let Some(&ii) = e.aliases.get(name) {
            return self.import_val(slot, ii, depth + 1);
        }
        Val::Unknown
    }

    pub(crate) fn import_val(&self, slot: usize, ii: usize, depth: usize) -> Val {
        let e = self.f(slot);
        if let Some(v) = e.rules.import_val(self, slot, ii, depth) {
            return v;
        }
        let im = &e.s.imports[ii];
        let files = self.resolve_module(slot, &im.module);
        match (&im.name, files.is_empty()) {
            (Some(n), false) => {
                for fs in &files {
                    let v = self.module_member(*fs, n, depth + 1);
                    if v != Val::Unknown {
                        return v;
                    }
                    if n == "default" {
                        let v = self.module_member(*fs, &im.local, depth + 1);
                        if v != Val::Unknown {
                            return v;
                        }
                    }
                }
                // `from pkg import module`
                let sub = format!("{}.{}", im.module.trim_start_matches('.'), n);
                let subfiles = self.resolve_module(slot, &sub);
                if !subfiles.is_empty() {
                    return Val::Module(subfiles);
                }
                Val::Unknown
            }
            (None, false) => Val::Module(files),
            (Some(n), true) => e.rules.unresolved_named_import(self, slot, im, n),
            (None, true) => Val::External(im.module.clone()),
        }
    }

    fn assignment_val(&self, slot: usize, ai: usize, depth: usize) -> Val {
        if depth > MAX_EVAL {
            return Val::Unknown;
        }
        let a = &self.f(slot).s.assignments[ai];
        if let Some(t) = &a.type_text {
            if let Some(ty) = self.type_from_text(slot, t, depth + 1) {
                return Val::Instance(ty);
            }
        }
        if let Some(c) = &a.value_ctor {
            if let Some(ty) = self.ctor_type(slot, a.func, c, depth + 1) {
                return Val::Instance(ty);
            }
        }
        if let Some(p) = &a.value_path {
            if p != &a.target {
                return self.eval_path(slot, a.func, p, depth + 1);
            }
        }
        Val::Unknown
    }

    /// The type of `Ctor(...)`'s result.
    fn ctor_type(
        &self,
        slot: usize,
        func: Option<usize>,
        ctor: &str,
        depth: usize,
    ) -> Option<TypeRef> {
        if depth > MAX_EVAL {
            return None;
        }
        let ctor = strip_generics(ctor);
        let ctor = ctor.trim_start_matches("new");
        match self.eval_path(slot, func, ctor, depth + 1) {
            Val::Class(c) => Some(TypeRef::Ws(c)),
            Val::Func(fr) => {
                let f = self.func(fr);
                if let Some(rt) = &f.return_type {
                    return self.type_from_text(fr.0, rt, depth + 1);
                }
                // Rust `Type::new` in an impl: the impl's type.
                if let Some(c) = &f.class {
                    return self.class_named(fr.0, c).map(TypeRef::Ws);
                }
                None
            }
            // A method's result on an external object: a new value, marked so that fluent
            // matching does not treat it as the object itself.
            Val::Instance(TypeRef::Ext(t)) => Some(TypeRef::Ext(format!("{t}()"))),
            Val::Instance(t) => Some(t),
            Val::External(q) => Some(TypeRef::Ext(self.factory_type(&q))),
            Val::Module(_) => None,
            Val::Unknown => {
                // Unimported constructor (Java same-package or java.lang, builtin).
                let segs = split_path(ctor);
                if segs.first().is_some_and(|s| is_cap(s)) {
                    Some(TypeRef::Ext(self.factory_type(ctor)))
                } else {
                    None
                }
            }
        }
    }

    /// `reqwest::Client::new` → `reqwest::Client`; `HttpClient.newHttpClient` → `HttpClient`.
    fn factory_type(&self, q: &str) -> String {
        let (head, last) = match q.rfind("::") {
            Some(i) if q.rfind('.').is_none_or(|d| d < i) => (&q[..i], &q[i + 2..]),
            _ => match q.rfind('.') {
                Some(i) => (&q[..i], &q[i + 1..]),
                None => return q.to_string(),
            },
        };
        let prev = head.rsplit(['.', ':', '/']).next().unwrap_or(head);
        if !is_cap(last) && is_cap(prev) {
            head.to_string()
        } else {
            q.to_string()
        }
    }

    pub(crate) fn class_named(&self, slot: usize, name: &str) -> Option<ClassRef> {
        let e = self.f(slot);
        if let Some(&i) = e.classes.get(name) {
            return Some((slot, i));
        }
        let cands = self.ix.class_names.get(&(e.family, name.to_string()))?;
        // Same directory (Go package, Java package) first.
        let dir = e.s.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        cands
            .iter()
            .find(|(s, _)| {
                self.f(*s)
                    .s
                    .path
                    .rsplit_once('/')
                    .map(|(d, _)| d)
                    .unwrap_or("")
                    == dir
            })
            .or_else(|| cands.first())
            .copied()
    }

    fn type_from_text(&self, slot: usize, t: &str, depth: usize) -> Option<TypeRef> {
        let t = t.trim().trim_matches(['"', '\'']);
        let t = t
            .strip_prefix("Optional[")
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(t);
        let t = t.split(" | ").next().unwrap_or(t);
        let bt = base_type(t);
        let bt = bt.trim_start_matches(':').trim();
        if bt.is_empty() {
            return None;
        }
        match self.eval_path(slot, None, bt, depth + 1) {
            Val::Class(c) => Some(TypeRef::Ws(c)),
            Val::External(q) => Some(TypeRef::Ext(q)),
            Val::Instance(t) => Some(t),
            _ => {
                if let Some(c) = self.class_named(slot, bt) {
                    Some(TypeRef::Ws(c))
                } else if is_cap(bt.rsplit(['.', ':']).next().unwrap_or(bt)) {
                    Some(TypeRef::Ext(bt.to_string()))
                } else {
                    None
                }
            }
        }
    }

    /// The value of a head identifier inside function `func` of `slot`.
    pub(crate) fn head_val(
        &self,
        slot: usize,
        func: Option<usize>,
        name: &str,
        depth: usize,
    ) -> Val {
        let e = self.f(slot);
        let selfs: &[&str] =
            crate::langs::code_language_by_key(e.family).map_or(&[], |c| c.self_names);
        // Walk out through enclosing functions.
        let mut fcur = func;
        let mut guard = 0;
        while let Some(fi) = fcur {
            guard += 1;
            if guard > 16 {
                break;
            }
            let f = &e.s.functions[fi];
            if selfs.contains(&name) {
                if let Some(c) = &f.class {
                    if let Some(cr) = self.class_named(slot, c) {
                        return if e.rules.names_the_type(name) {
                            Val::Class(cr)
                        } else {
                            Val::Instance(TypeRef::Ws(cr))
                        };
                    }
                    return Val::Instance(TypeRef::Ext(c.clone()));
                }
            }
            // Local assignments (last one that says something).
            let best = e.assigns_by_fn.get(&Some(fi)).and_then(|v| {
                v.iter()
                    .rev()
                    .copied()
                    .find(|&ai| e.s.assignments[ai].target == name)
            });
            if let Some(ai) = best {
                let v = self.assignment_val(slot, ai, depth + 1);
                if v != Val::Unknown {
                    return v;
                }
            }
            if let Some(p) = f.params.iter().find(|p| p.name == name) {
                if let Some(t) = &p.type_text {
                    if let Some(ty) = self.type_from_text(slot, t, depth + 1) {
                        return Val::Instance(ty);
                    }
                }
                return Val::Unknown;
            }
            fcur = f.parent;
        }
        let v = self.module_member(slot, name, depth + 1);
        if v != Val::Unknown {
            return v;
        }
        e.rules.unbound_name(self, slot, func, name, depth)
    }

    /// Member `seg` of a value.
    pub(crate) fn member(&self, v: Val, seg: &str, depth: usize) -> Val {
        if depth > MAX_EVAL {
            return Val::Unknown;
        }
        match v {
            Val::Module(files) => {
                for fs in &files {
                    let m = self.module_member(*fs, seg, depth + 1);
                    if m != Val::Unknown {
                        return m;
                    }
                }
                // A package's submodule.
                if let Some(&fs) = files.first() {
                    let e = self.f(fs);
                    for k in &e.module_keys {
                        let Some(sub) = e.rules.submodule_key(k, seg) else {
                            break;
                        };
                        let v = self.lookup_module(e.family, &sub);
                        if !v.is_empty() {
                            return Val::Module(v);
                        }
                    }
                }
                Val::Unknown
            }
            Val::Class(c) => {
                if let Some(fr) = self.method_of(c, seg, depth + 1) {
                    return Val::Func(fr);
                }
                // Static/class-level attribute.
                match self.field_type(c, seg, depth + 1) {
                    Some(t) => Val::Instance(t),
                    None => Val::Unknown,
                }
            }
            Val::Instance(TypeRef::Ws(c)) => {
                if let Some(t) = self.field_type(c, seg, depth + 1) {
                    return Val::Instance(t);
                }
                if let Some(fr) = self.method_of(c, seg, depth + 1) {
                    // A Python property reads like a field: `self.session.post(...)` calls
                    // `post` on what the `session` property returns.
                    let f = self.func(fr);
                    if self.f(fr.0).rules.reads_as_field(&f.annotations) {
                        return match &f.return_type {
                            Some(rt) => self
                                .type_from_text(fr.0, rt, depth + 1)
                                .map_or(Val::Unknown, Val::Instance),
                            None => Val::Unknown,
                        };
                    }
                    return Val::Func(fr);
                }
                Val::Unknown
            }
            Val::Instance(TypeRef::Ext(t)) => Val::Instance(TypeRef::Ext(format!("{t}.{seg}"))),
            Val::External(q) => {
                let sep = if q.contains("::") { "::" } else { "." };
                Val::External(format!("{q}{sep}{seg}"))
            }
            Val::Func(_) | Val::Unknown => Val::Unknown,
        }
    }

    fn eval_path(&self, slot: usize, func: Option<usize>, path: &str, depth: usize) -> Val {
        if depth > MAX_EVAL {
            return Val::Unknown;
        }
        if let Some(v) = self.f(slot).rules.eval_path(self, slot, func, path, depth) {
            return v;
        }
        let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
        let Some(head) = segs.first() else {
            return Val::Unknown;
        };
        let mut v = self.head_val(slot, func, head, depth + 1);
        for s in &segs[1..] {
            v = self.member(v, s, depth + 1);
        }
        v
    }

    fn class_chain(&self, c: ClassRef, depth: usize) -> Vec<ClassRef> {
        let mut out = vec![c];
        let mut i = 0;
        while i < out.len() && out.len() < 6 && depth < MAX_EVAL {
            let cur = out[i];
            let cd = &self.f(cur.0).s.classes[cur.1];
            for b in &cd.bases {
                let bt = base_type(b);
                if let Some(TypeRef::Ws(bc)) = self.type_from_text(cur.0, &bt, depth + 1) {
                    if !out.contains(&bc) {
                        out.push(bc);
                    }
                }
            }
            i += 1;
        }
        out
    }

    pub(crate) fn method_of(&self, c: ClassRef, name: &str, depth: usize) -> Option<FnRef> {
        for cr in self.class_chain(c, depth) {
            let e = self.f(cr.0);
            let cname = &e.s.classes[cr.1].name;
            if let Some(i) =
                e.s.functions
                    .iter()
                    .position(|f| f.class.as_deref() == Some(cname) && f.name == name)
            {
                return Some((cr.0, i));
            }
            if let Some(v) = self
                .ix
                .methods
                .get(&(e.family, cname.clone(), name.to_string()))
            {
                if let Some(fr) = v.first() {
                    return Some(*fr);
                }
            }
        }
        None
    }

    pub(crate) fn field_type(&self, c: ClassRef, name: &str, depth: usize) -> Option<TypeRef> {
        if depth > MAX_EVAL {
            return None;
        }
        for cr in self.class_chain(c, depth) {
            let e = self.f(cr.0);
            let cd = &e.s.classes[cr.1];
            if let Some(fd) = cd.fields.iter().find(|f| f.name == name) {
                if let Some(t) = self.type_from_text(cr.0, &fd.type_text, depth + 1) {
                    return Some(t);
                }
            }
            // `self.x = ...` / `this.x = ...` in any method; class-level `x: T = ...`.
            let key = (cd.name.clone(), name.to_string());
            for &ai in e.field_assigns.get(&key).into_iter().flatten() {
                if let Val::Instance(t) = self.assignment_val(cr.0, ai, depth + 1) {
                    return Some(t);
                }
            }
        }
        None
    }

    // ---- calls -------------------------------------------------------------------------

    /// Resolve a call to a workspace function or a catalog API.
    /// `resolve_call` for call `ci` of `slot`, memoised for this resolver (the findings pass,
    /// chains and batch alternatives all resolve the same calls again).
    fn resolve_call_at(&self, slot: usize, ci: usize) -> Option<Target> {
        if let Some(t) = self.resolved.borrow().get(&(slot, ci)) {
            return t.clone();
        }
        let t = self.resolve_call(slot, &self.f(slot).s.calls[ci]);
        self.resolved.borrow_mut().insert((slot, ci), t.clone());
        t
    }

    fn resolve_call(&self, slot: usize, c: &CallSite) -> Option<Target> {
        match c.receiver.as_deref() {
            None => self.resolve_bare_call(slot, c),
            Some(recv) => self.resolve_method_call(slot, c, recv),
        }
    }

    /// A call without a receiver: its callee's value, else a global API (`fetch`, macros).
    fn resolve_bare_call(&self, slot: usize, c: &CallSite) -> Option<Target> {
        let e = self.f(slot);
        let (fam, cat) = (e.family, &self.ix.catalog);
        let callee = strip_generics(&c.callee);
        if callee.contains('.') && !e.rules.evaluates_dotted_callee() {
            return None;
        }
        let p = callee.trim_end_matches('!');
        let api = |m: ApiMatch| Target::Api(m, Confidence::High);
        match self.eval_path(slot, c.func, p, 0) {
            Val::Func(fr) => Some(Target::Ws(fr, Confidence::High)),
            Val::External(q) => {
                if let Some(m) = cat.match_function(fam, &q) {
                    return Some(api(m));
                }
                // `Type::method` on an external type.
                let (t, m) = e.rules.associated_function(&q)?;
                self.api_method(fam, t, m).map(api)
            }
            // `db('users')` — a callable client.
            Val::Instance(TypeRef::Ext(q)) if e.rules.calls_instances() => {
                cat.match_function(fam, &q).map(api)
            }
            Val::Unknown => {
                // Globals (`fetch`) and macros, unless the name is the file's own.
                let m = cat.match_function(fam, p)?;
                (!e.aliases.contains_key(p) && !e.top_fns.contains_key(p)).then(|| api(m))
            }
            _ => None,
        }
    }

    /// A call on a receiver: by the receiver's type, else the type of a prefix of its path,
    /// else the catalog's receiver patterns and naming conventions.
    fn resolve_method_call(&self, slot: usize, c: &CallSite, recv: &str) -> Option<Target> {
        let r = self.receiver(slot, c, recv);
        let mut typing = Typing::default();
        if let Some(t) = self.by_receiver_type(slot, &r, &mut typing) {
            return Some(t);
        }
        if !typing.typed {
            if let Some(t) = self.by_typed_prefix(slot, c, &r, &mut typing) {
                return Some(t);
            }
        }
        self.by_conventions(slot, c, &r, &typing)
    }

    fn receiver(&self, slot: usize, c: &CallSite, recv: &str) -> Recv {
        let chained = recv.contains('(') || recv.contains('[');
        let text = strip_generics(recv);
        let base = if chained {
            leading_path(&text).to_string()
        } else {
            text.clone()
        };
        let base = base.trim_end_matches(['.', ':']).to_string();
        // Go receivers like `s.db` use the function's receiver var; `this.x` etc.
        let val = if base.is_empty() {
            Val::Unknown
        } else {
            self.eval_path(slot, c.func, &base, 0)
        };
        Recv {
            text,
            base,
            chained,
            method: c.method.trim_end_matches('!').to_string(),
            val,
        }
    }

    /// The call by what the receiver evaluates to; notes in `typing` whether that value is
    /// typed enough to rule out guesses.
    fn by_receiver_type(&self, slot: usize, r: &Recv, typing: &mut Typing) -> Option<Target> {
        let fam = self.f(slot).family;
        match &r.val {
            Val::Module(_) | Val::Class(_) | Val::Instance(TypeRef::Ws(_)) if !r.chained => {
                typing.typed = true;
                self.by_workspace_receiver(slot, r, typing)
            }
            Val::Instance(TypeRef::Ws(cr)) | Val::Class(cr) if r.chained => {
                typing.typed = true;
                self.by_class_catalog(fam, *cr, &self.ancestor_bases(*cr), &r.method)
            }
            Val::Instance(TypeRef::Ext(t)) => {
                typing.typed = true;
                self.by_fluent_type(fam, t, &r.method, r.chained)
            }
            Val::External(q) => {
                typing.typed = true;
                self.by_external_path(slot, q, &r.method)
            }
            Val::Func(_) => {
                typing.typed = true;
                None
            }
            _ => None,
        }
    }

    /// A workspace module, class or instance: its method (unless the catalog knows the
    /// declaration), else the catalog's entry for the class or an external base class. An
    /// interface without a known implementation leaves the receiver untyped unless the
    /// language says otherwise.
    fn by_workspace_receiver(&self, slot: usize, r: &Recv, typing: &mut Typing) -> Option<Target> {
        let e = self.f(slot);
        let method = &r.method;
        if let Val::Func(fr) = self.member(r.val.clone(), method, 0) {
            // Interface / annotated declarations: check the catalog first.
            if let Some(t) = self.class_api(fr, method) {
                return Some(t);
            }
            if self.func(fr).has_body {
                return Some(Target::Ws(fr, Confidence::High));
            }
        }
        let (Val::Instance(TypeRef::Ws(cr)) | Val::Class(cr)) = &r.val else {
            return None;
        };
        let bases = self.ancestor_bases(*cr);
        if let Some(t) = self.by_class_catalog(e.family, *cr, &bases, method) {
            return Some(t);
        }
        // External base type (class Client(httpx.AsyncClient)).
        for b in &bases {
            if let Some(TypeRef::Ext(bt)) = self.type_from_text(cr.0, b, 0) {
                if let Some(m) = self.api_method(e.family, &bt, method) {
                    return Some(Target::Api(m, Confidence::High));
                }
            }
        }
        let cd = &self.f(cr.0).s.classes[cr.1];
        // An interface (Go, TS) without a known implementation is as good as an unknown
        // type: fall back to naming conventions.
        if cd.is_interface && !e.rules.interface_is_typed() {
            typing.typed = false;
            typing.iface = Some(cd.name.clone());
        }
        None
    }

    /// The catalog's entry for `method` of workspace class `cr` (by `bases`, its and its
    /// ancestors' base types, its annotations and name).
    fn by_class_catalog(
        &self,
        fam: &'static str,
        cr: ClassRef,
        bases: &[String],
        method: &str,
    ) -> Option<Target> {
        let cd = &self.f(cr.0).s.classes[cr.1];
        self.ix
            .catalog
            .match_class(fam, bases, &cd.annotations, &[], &cd.name, method)
            .map(|m| Target::Api(m, Confidence::High))
    }

    /// The base types of `cr` and of its workspace ancestors.
    fn ancestor_bases(&self, cr: ClassRef) -> Vec<String> {
        self.class_chain(cr, 0)
            .iter()
            .flat_map(|c| {
                self.f(c.0).s.classes[c.1]
                    .bases
                    .iter()
                    .map(|b| base_type(b))
            })
            .collect()
    }

    /// Fluent: `x.a.b` on an external instance keeps the root type.
    fn by_fluent_type(
        &self,
        fam: &'static str,
        t: &str,
        method: &str,
        chained: bool,
    ) -> Option<Target> {
        let mut ty = t.to_string();
        loop {
            if let Some(m) = self.api_method(fam, &ty, method) {
                return Some(Target::Api(m, Confidence::High));
            }
            if !chained && ty.ends_with("()") {
                return None;
            }
            match ty.rfind(['.']) {
                Some(i) if i > 0 && ty[..i].contains(['.', '/']) => ty.truncate(i),
                _ => return None,
            }
        }
    }

    /// An external path: `q.method` as a function, else `method` of `q`'s type.
    fn by_external_path(&self, slot: usize, q: &str, method: &str) -> Option<Target> {
        let e = self.f(slot);
        let fam = e.family;
        let full = format!("{q}{}{method}", e.rules.path_separator());
        let m = self
            .ix
            .catalog
            .match_function(fam, &full)
            .or_else(|| self.api_method(fam, &self.factory_type(q), method))
            .or_else(|| self.api_method(fam, q, method))?;
        Some(Target::Api(m, Confidence::High))
    }

    /// Prefix typing: `prisma.user.findMany` → `prisma` is a PrismaClient.
    fn by_typed_prefix(
        &self,
        slot: usize,
        c: &CallSite,
        r: &Recv,
        typing: &mut Typing,
    ) -> Option<Target> {
        let fam = self.f(slot).family;
        let segs: Vec<&str> = r.base.split('.').collect();
        for cut in (1..segs.len()).rev() {
            let pre = segs[..cut].join(".");
            let ty = match self.eval_path(slot, c.func, &pre, 0) {
                Val::Instance(TypeRef::Ext(t)) => t,
                Val::External(q) => q,
                Val::Unknown => continue,
                // A workspace object whose field type we could not see: still unknown.
                Val::Instance(TypeRef::Ws(_)) => return None,
                _ => {
                    typing.typed = true;
                    return None;
                }
            };
            typing.typed = true;
            return self
                .api_method(fam, &ty, &r.method)
                .map(|m| Target::Api(m, Confidence::High));
        }
        None
    }

    /// The catalog's receiver patterns, methods of imported ORMs, then (for an untyped
    /// receiver) a low-confidence guess from the receiver's name.
    fn by_conventions(
        &self,
        slot: usize,
        c: &CallSite,
        r: &Recv,
        typing: &Typing,
    ) -> Option<Target> {
        let e = self.f(slot);
        let (fam, cat) = (e.family, &self.ix.catalog);
        if let Some(m) = cat.match_receiver(fam, &r.text, &r.method) {
            return Some(Target::Api(m, Confidence::High));
        }
        let mut mods: Vec<&[String]> = vec![&e.import_modules];
        // Models imported from a workspace module that itself imports the ORM.
        if let Some(&ii) = e.aliases.get(r.base.split('.').next().unwrap_or("")) {
            for fs in self.resolve_module(slot, &e.s.imports[ii].module) {
                mods.push(&self.f(fs).import_modules);
            }
        }
        if let Some(m) = cat.match_imported_method_in(fam, &mods, &r.base, &r.method) {
            if !typing.typed || r.chained || matches!(r.val, Val::Module(_)) {
                return Some(Target::Api(m, Confidence::High));
            }
        }
        let by_name = cat.heuristic_receiver(&r.base, &r.method)
            || typing
                .iface
                .as_deref()
                .is_some_and(|i| cat.heuristic_receiver(i, &r.method));
        if typing.typed || r.base.is_empty() || !by_name {
            return None;
        }
        let api = format!("{}.{}", r.base, r.method);
        let m = ApiMatch {
            entry: usize::MAX,
            api: api.clone(),
            display: api,
            kind: guess_kind(&r.base),
            is_async: e.rules.guessed_async(c.awaited),
            method: r.method.clone(),
            batch: None,
        };
        Some(Target::Api(m, Confidence::Low))
    }

    /// Annotated workspace declarations that are remote (Retrofit `@GET`, Feign clients,
    /// Spring Data repository interfaces).
    fn class_api(&self, fr: FnRef, method: &str) -> Option<Target> {
        let f = self.func(fr);
        let e = self.f(fr.0);
        let cls = f.class.as_ref().and_then(|c| self.class_named(fr.0, c));
        let (bases, cann, cname) = match cls {
            Some(cr) => {
                let bases = self.ancestor_bases(cr);
                let cd = &self.f(cr.0).s.classes[cr.1];
                (bases, cd.annotations.clone(), cd.name.clone())
            }
            None => (Vec::new(), Vec::new(), String::new()),
        };
        if f.has_body && f.annotations.is_empty() && cann.is_empty() {
            return None;
        }
        let bases = if f.has_body { Vec::new() } else { bases };
        self.ix
            .catalog
            .match_class(e.family, &bases, &cann, &f.annotations, &cname, method)
            .map(|m| Target::Api(m, Confidence::High))
    }

    /// Whether call `c` of `slot` to `t` runs there (not only builds a coroutine or future).
    fn executes(&self, slot: usize, c: &CallSite, t: &Target) -> bool {
        let rules = self.f(slot).rules;
        match t {
            Target::Ws(fr, _) => rules.runs_workspace_call(self.func(*fr).is_async, c.awaited),
            Target::Api(m, _) => rules.runs_api_call(m.is_async, c.awaited),
        }
    }

    /// The remote chain behind calling `fr` (None if not remote). Cycle-safe.
    fn fn_chain(&self, fr: FnRef) -> Option<Chain> {
        if let Some(c) = self.memo.borrow().get(&fr) {
            return c.clone();
        }
        if !self.active.borrow_mut().insert(fr) {
            return None;
        }
        let e = self.f(fr.0);
        let mut best: Option<Chain> = None;
        if let Some(calls) = e.calls_by_fn.get(&Some(fr.1)) {
            for &ci in calls {
                let c = &e.s.calls[ci];
                if let Some(ch) = self.call_chain(fr.0, ci, c) {
                    let better = match &best {
                        None => true,
                        Some(b) => {
                            b.confidence == Confidence::Low && ch.confidence == Confidence::High
                        }
                    };
                    if better {
                        let high = ch.confidence == Confidence::High;
                        best = Some(ch);
                        if high {
                            break;
                        }
                    }
                }
            }
        }
        self.active.borrow_mut().remove(&fr);
        self.memo.borrow_mut().insert(fr, best.clone());
        best
    }

    /// The chain starting at call `ci` made inside its function.
    fn call_chain(&self, slot: usize, ci: usize, c: &CallSite) -> Option<Chain> {
        let e = self.f(slot);
        let t = self.resolve_call_at(slot, ci)?;
        if !self.executes(slot, c, &t) {
            return None;
        }
        let fname = c
            .func
            .map(|f| e.s.functions[f].qname.clone())
            .unwrap_or_else(|| "<module>".into());
        match t {
            Target::Api(m, conf) => {
                let mut files = BTreeSet::new();
                files.insert(e.s.path.clone());
                Some(Chain {
                    hops: vec![ChainHop {
                        path: e.s.path.clone(),
                        span: c.span,
                        function: fname,
                        api: Some(m.api.clone()),
                    }],
                    guessed: (conf == Confidence::Low)
                        .then(|| c.receiver.clone().unwrap_or_default()),
                    api: m,
                    confidence: conf,
                    api_call: (slot, ci),
                    files,
                })
            }
            Target::Ws(fr, conf) => {
                let mut inner = self.fn_chain(fr)?;
                inner.hops.insert(
                    0,
                    ChainHop {
                        path: e.s.path.clone(),
                        span: c.span,
                        function: fname,
                        api: None,
                    },
                );
                inner.files.insert(e.s.path.clone());
                if conf == Confidence::Low {
                    inner.confidence = Confidence::Low;
                }
                Some(inner)
            }
        }
    }

    // ---- findings ----------------------------------------------------------------------

    fn findings(&self, slot: usize, helper: Option<&Helper<'a>>) -> Vec<Finding> {
        let n = self.f(slot).s.calls.len();
        if self.ix.splits(n) {
            let halves = match helper {
                Some(h) => self.findings_in_halves(slot, n, h),
                None => std::thread::scope(|scope| {
                    self.findings_in_halves(slot, n, &Helper::start(scope, Duration::ZERO))
                }),
            };
            if let Some(out) = halves {
                return out;
            }
        }
        let cands = self.candidates(slot, 0..n);
        let keep = self.outermost(slot, &keys(&cands));
        let mut out = self.build_all(slot, cands, &keep);
        out.sort_by_key(|f| f.span.start.byte);
        out
    }

    /// A big file's calls in two halves at once, the upper on `helper`: this is most of an
    /// edit's analysis time in a 5k-line file. Each half's findings are built by the resolver
    /// that found its candidates, whose memo already holds the calls `build_finding` resolves
    /// again. `None` if the helper's half failed (a bug): the caller then does all of it here.
    fn findings_in_halves<'h>(
        &self,
        slot: usize,
        n: usize,
        helper: &Helper<'h>,
    ) -> Option<Vec<Finding>>
    where
        'a: 'h,
    {
        let mid = n / 2;
        let ix = self.ix;
        let (to_main, from_upper) = std::sync::mpsc::channel::<Vec<(usize, usize)>>();
        let (to_upper, from_main) = std::sync::mpsc::channel::<Vec<bool>>();
        let (upper_done, upper_findings) = std::sync::mpsc::channel::<Vec<Finding>>();
        let handed = helper.run(Box::new(move || {
            let r = Resolver::new(ix);
            let cands = r.candidates(slot, mid..n);
            if to_main.send(keys(&cands)).is_err() {
                return;
            }
            if let Ok(keep) = from_main.recv() {
                let _ = upper_done.send(r.build_all(slot, cands, &keep));
            }
        }));
        if !handed {
            return None;
        }
        let lower = self.candidates(slot, 0..mid);
        // An error here means the upper half's job ended without answering: it panicked.
        let upper_keys = from_upper.recv().ok()?;
        let mut all = keys(&lower);
        let split = all.len();
        all.extend(upper_keys);
        let keep = self.outermost(slot, &all);
        to_upper.send(keep[split..].to_vec()).ok()?;
        let mut out = self.build_all(slot, lower, &keep[..split]);
        out.extend(upper_findings.recv().ok()?);
        out.sort_by_key(|f| f.span.start.byte);
        Some(out)
    }

    /// Per candidate (call, loop): false when the call sits inside another candidate's call
    /// for the same loop. One finding per call expression.
    fn outermost(&self, slot: usize, cands: &[(usize, usize)]) -> Vec<bool> {
        let s = &self.f(slot).s;
        let spans: Vec<_> = cands
            .iter()
            .map(|(ci, l)| (s.calls[*ci].span, *l))
            .collect();
        spans
            .iter()
            .enumerate()
            .map(|(k, (span, inner))| {
                !spans
                    .iter()
                    .enumerate()
                    .any(|(j, (o, l))| j != k && l == inner && o.contains(span) && o != span)
            })
            .collect()
    }

    /// The findings of the candidates marked in `keep`, in candidate order.
    fn build_all(
        &self,
        slot: usize,
        cands: Vec<(usize, usize, Chain)>,
        keep: &[bool],
    ) -> Vec<Finding> {
        cands
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .filter_map(|((ci, inner, chain), _)| self.build_finding(slot, ci, inner, chain))
            .collect()
    }

    /// The calls in `calls` that execute a remote call once per iteration of a loop, with the
    /// innermost such loop and the chain: (call, loop, chain).
    fn candidates(&self, slot: usize, calls: std::ops::Range<usize>) -> Vec<(usize, usize, Chain)> {
        let e = self.f(slot);
        let s = &e.s;
        let mut cands: Vec<(usize, usize, Chain)> = Vec::new();
        for (ci, c) in s.calls.iter().enumerate().take(calls.end).skip(calls.start) {
            let eff = effective_loops(s, c);
            let Some(&inner) = eff.last() else { continue };
            let Some(t) = self.resolve_call_at(slot, ci) else {
                continue;
            };
            if !self.executes(slot, c, &t) {
                continue;
            }
            let chain = match t {
                Target::Api(..) => self.call_chain(slot, ci, c),
                Target::Ws(fr, conf) => self.fn_chain(fr).map(|mut ch| {
                    if conf == Confidence::Low {
                        ch.confidence = Confidence::Low;
                    }
                    ch
                }),
            };
            let Some(chain) = chain else { continue };
            if chain.confidence == Confidence::Low && !self.ix.cfg.report_low_confidence {
                continue;
            }
            let line = c.span.start.line;
            let loop_line = s.loops[inner].span.start.line;
            if s.is_suppressed(line, RULE_LOOP_REMOTE_CALL)
                || s.is_suppressed(loop_line, RULE_LOOP_REMOTE_CALL)
            {
                continue;
            }
            cands.push((ci, inner, chain));
        }
        cands
    }

    fn build_finding(&self, slot: usize, ci: usize, inner: usize, chain: Chain) -> Option<Finding> {
        let e = self.f(slot);
        let s = &e.s;
        let c = &s.calls[ci];
        let eff = effective_loops(s, c);
        let loop_assigns = e
            .assigns_by_fn
            .get(&s.loops[inner].func)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let seq = sequential_reason(s, loop_assigns, ci, inner);
        if seq.is_some() && !self.ix.cfg.report_sequential_by_design {
            return None;
        }
        let api_file = self.f(chain.api_call.0);
        let api_call = &api_file.s.calls[chain.api_call.1];
        let verb = http_verb(&chain.api, api_call);
        let message = self.message(s, c, &eff, &chain, &verb, seq.as_deref());
        let severity = if seq.is_some() {
            Severity::Hint
        } else {
            Severity::Warning
        };
        let timeout = api_call
            .kwargs
            .iter()
            .find(|(k, _)| k.to_ascii_lowercase().contains("timeout"))
            .map(|(k, v)| format!("{k}={v}"));
        let batch = self.batch_alternative(slot, ci, &chain);
        let mut depends: Vec<String> = chain
            .files
            .iter()
            .filter(|p| **p != s.path)
            .cloned()
            .collect();
        depends.sort();
        Some(Finding {
            rule: RULE_LOOP_REMOTE_CALL,
            path: s.path.clone(),
            span: c.span,
            severity,
            message,
            confidence: chain.confidence,
            kind: chain.api.kind,
            loops: loop_refs(s, &eff),
            callee: c.callee.clone(),
            call_text: format!("{}({})", c.callee, strip_parens(&c.args_text)),
            chain: chain.hops,
            batch_alternative: batch,
            sequential_reason: seq.map(|r| format!("looks sequential by design: {r}")),
            in_async: c.in_async,
            timeout,
            http_method: (chain.api.kind == ApiKind::Http)
                .then(|| verb.to_string())
                .filter(|v| v != "HTTP request"),
            depends_on: depends,
        })
    }

    /// The finding's message: the call, the loops (`eff`, outermost first), what is called
    /// through which functions and where, the cost or why it looks sequential.
    fn message(
        &self,
        s: &FileSummary,
        c: &CallSite,
        eff: &[usize],
        chain: &Chain,
        verb: &str,
        seq: Option<&str>,
    ) -> String {
        let callee_disp = if c.callee.len() <= 48 && !c.callee.contains('(') {
            c.callee.as_str()
        } else {
            c.method.as_str()
        };
        let direct = chain.hops.len() == 1 && chain.hops[0].api.is_some();
        // The call in the loop is hop 0's caller: the chain is the callee function onward.
        let mut path_parts: Vec<&str> = if direct {
            Vec::new()
        } else {
            chain
                .hops
                .iter()
                .skip(1)
                .map(|h| h.function.as_str())
                .collect()
        };
        path_parts.push(&chain.api.display);
        let tail = match seq {
            Some(r) => format!("Looks sequential by design: {r}."),
            None => {
                let n = ["N", "M", "K", "L", "P"][..eff.len().min(5)].join("×");
                format!("{n} items = {n} sequential round trips.")
            }
        };
        let api_file = self.f(chain.api_call.0);
        let api_call = &api_file.s.calls[chain.api_call.1];
        let mut message = format!(
            "{callee_disp}() makes a remote call once per iteration of {} — {verb} via {} ({}:{}). {tail}",
            loop_description(s, eff),
            path_parts.join(" → "),
            api_file.s.path,
            api_call.span.start.line + 1
        );
        if let Some(g) = &chain.guessed {
            message.push_str(&format!(
                " Lower confidence: the type of `{g}` is unknown; it is treated as remote because of its name."
            ));
        }
        message
    }

    fn batch_alternative(&self, slot: usize, ci: usize, chain: &Chain) -> Option<BatchAlternative> {
        // Candidates: the function called in the loop, then each hop's callee, then the API.
        let mut singles: Vec<FnRef> = Vec::new();
        if let Some(Target::Ws(fr, _)) = self.resolve_call_at(slot, ci) {
            singles.push(fr);
            let mut cur = fr;
            for _ in 0..8 {
                let ce = self.f(cur.0);
                let next = ce.calls_by_fn.get(&Some(cur.1)).and_then(|calls| {
                    calls
                        .iter()
                        .find_map(|&k| match self.resolve_call_at(cur.0, k) {
                            // Asked, not looked up in the memo: what the memo holds
                            // depends on which calls this resolver happened to see first.
                            Some(Target::Ws(n, _)) if self.fn_chain(n).is_some() => Some(n),
                            _ => None,
                        })
                });
                match next {
                    Some(n) if !singles.contains(&n) => {
                        singles.push(n);
                        cur = n;
                    }
                    _ => break,
                }
            }
        }
        for fr in &singles {
            if let Some(b) = self.batch_sibling(*fr) {
                return Some(b);
            }
        }
        // The API's own batch call.
        let b = chain.api.batch.as_ref()?;
        let ae = self.f(chain.api_call.0);
        let ac = &ae.s.calls[chain.api_call.1];
        let owner = chain
            .api
            .api
            .rsplit_once('.')
            .map(|(a, _)| a)
            .unwrap_or(&chain.api.api);
        let owner = owner.rsplit(['.', '/', ':']).next().unwrap_or(owner);
        Some(BatchAlternative {
            path: ae.s.path.clone(),
            span: ac.span,
            name: format!("{owner}.{b}"),
            params: Vec::new(),
        })
    }

    /// A batch variant among `fr`'s siblings (same class or module), memoised per function.
    fn batch_sibling(&self, fr: FnRef) -> Option<BatchAlternative> {
        if let Some(b) = self.batch_memo.borrow().get(&fr) {
            return b.clone();
        }
        let cat = &self.ix.catalog;
        let mut found = None;
        let f = self.func(fr);
        let fe = self.f(fr.0);
        let siblings: Vec<FnRef> = match &f.class {
            Some(c) => {
                let mut v: Vec<FnRef> =
                    fe.s.functions
                        .iter()
                        .enumerate()
                        .filter(|(_, g)| g.class.as_ref() == Some(c))
                        .map(|(i, _)| (fr.0, i))
                        .collect();
                if let Some(refs) = self.ix.class_methods.get(&(fe.family, c.clone())) {
                    // Other files' methods by path, not by when each file was last summarised:
                    // the editor and `check` name the same alternative.
                    let mut others: Vec<FnRef> =
                        refs.iter().copied().filter(|r| r.0 != fr.0).collect();
                    others.sort_by(|a, b| {
                        (self.f(a.0).s.path.as_str(), a.1).cmp(&(self.f(b.0).s.path.as_str(), b.1))
                    });
                    v.extend(others);
                }
                v
            }
            None => {
                fe.s.functions
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.class.is_none() && !g.anonymous)
                    .map(|(i, _)| (fr.0, i))
                    .collect()
            }
        };
        for sb in siblings {
            let g = self.func(sb);
            if sb != fr && cat.is_batch_name(&g.name, Some(&f.name)) {
                found = Some(BatchAlternative {
                    path: self.f(sb.0).s.path.clone(),
                    span: g.name_span,
                    name: g.qname.clone(),
                    params: g
                        .params
                        .iter()
                        .filter(|p| {
                            !matches!(p.name.as_str(), "self" | "cls" | "&self" | "&mut self")
                        })
                        .map(|p| p.name.clone())
                        .collect(),
                });
                break;
            }
        }
        self.batch_memo.borrow_mut().insert(fr, found.clone());
        found
    }

    /// Files `slot` depends on directly: resolved imports and same-package files.
    /// The files `slot` imports. Files it may use without an import (a Go folder, a Java
    /// package, a Rust crate: methods resolve by type name across it) are its `dep_group`.
    fn direct_deps(&self, slot: usize) -> Vec<usize> {
        let e = self.f(slot);
        let mut out = Vec::new();
        for im in &e.s.imports {
            out.extend(e.rules.import_deps(self, slot, im));
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The files `slot` imports, by path (itself left out): its edges in the dependency graph.
fn import_edges(r: &Resolver<'_>, paths: &HashMap<usize, &String>, slot: usize) -> Vec<String> {
    r.direct_deps(slot)
        .into_iter()
        .filter(|d| *d != slot)
        .filter_map(|d| paths.get(&d).map(|p| p.to_string()))
        .collect()
}

/// The group of files that use each other without imports: every member depends on every
/// other. Named with a leading NUL so it cannot collide with a path.
fn dep_group(e: &FileEntry) -> Option<String> {
    e.rules
        .dep_group(&e.s.path, e.s.package.as_deref())
        .map(|g| format!("\0{}:{g}", e.family))
}

/// `"for x in xs"`, with the loops it is nested in: `"…" (nested in "…" and "…")`. `eff`:
/// the loops executing the call, outermost first.
fn loop_description(s: &FileSummary, eff: &[usize]) -> String {
    let Some((inner, outer)) = eff.split_last() else {
        return String::new();
    };
    let desc = format!("\"{}\"", s.loops[*inner].header);
    if outer.is_empty() {
        return desc;
    }
    let o: Vec<String> = outer
        .iter()
        .rev()
        .map(|l| format!("\"{}\"", s.loops[*l].header))
        .collect();
    format!("{desc} (nested in {})", o.join(" and "))
}

/// The finding's loops, innermost first.
fn loop_refs(s: &FileSummary, eff: &[usize]) -> Vec<LoopRef> {
    eff.iter()
        .rev()
        .map(|l| {
            let li = &s.loops[*l];
            LoopRef {
                header: li.header.clone(),
                span: li.span,
                header_span: li.header_span,
                var: li.var.clone(),
                iterable: li.iterable.clone(),
            }
        })
        .collect()
}

/// `(a, f(b))` → `a, f(b)`: exactly the argument list's own parentheses.
fn strip_parens(args: &str) -> &str {
    let inner = args.strip_prefix('(').unwrap_or(args);
    inner.strip_suffix(')').unwrap_or(inner)
}

fn guess_kind(name: &str) -> ApiKind {
    let l = name.to_ascii_lowercase();
    if l.ends_with("repo") || l.ends_with("repository") {
        ApiKind::Db
    } else if l.ends_with("stub") {
        ApiKind::Rpc
    } else {
        ApiKind::Http
    }
}

fn http_verb(m: &ApiMatch, call: &CallSite) -> String {
    match m.kind {
        ApiKind::Http => {
            let meth = m.method.to_ascii_lowercase();
            let meth = meth
                .trim_end_matches("forobject")
                .trim_end_matches("forentity");
            if HTTP_VERBS.contains(&meth) {
                return meth.to_ascii_uppercase();
            }
            // `fetch(url, { method: 'POST' })`, `requests.request("PUT", ...)`.
            for (k, v) in &call.kwargs {
                if k == "method" {
                    let v = v.trim_matches(['"', '\'', '`']).to_ascii_uppercase();
                    if HTTP_VERBS.contains(&v.to_ascii_lowercase().as_str()) {
                        return v;
                    }
                }
            }
            "HTTP request".into()
        }
        ApiKind::Db => "database query".into(),
        ApiKind::Cache => "cache call".into(),
        ApiKind::Rpc => "RPC".into(),
        ApiKind::Cloud => "cloud API call".into(),
    }
}

/// Loops that execute `c` sequentially: those inside the last fan-out (concurrent) loop.
fn effective_loops(s: &FileSummary, c: &CallSite) -> Vec<usize> {
    let cut = c
        .loops
        .iter()
        .rposition(|l| s.loops[*l].concurrent)
        .map(|i| i + 1)
        .unwrap_or(0);
    c.loops[cut..].to_vec()
}

/// Why a loop looks sequential by design, if it does.
/// `candidates`: the assignments of the loop's function (those inside the loop are among them).
fn sequential_reason(
    s: &FileSummary,
    candidates: &[usize],
    ci: usize,
    inner: usize,
) -> Option<String> {
    let c = &s.calls[ci];
    let lp = &s.loops[inner];
    let in_loop: Vec<&super::summary::Assignment> = candidates
        .iter()
        .filter_map(|&i| s.assignments.get(i))
        .filter(|a| a.loops.contains(&inner))
        .collect();
    // Values derived from this call's response inside the loop.
    let mut derived: HashSet<String> = c.result_vars.iter().cloned().collect();
    if derived.is_empty() {
        // `cursor = (await client.list(cursor)).next` — the call sits inside an assignment.
        for a in &in_loop {
            if a.span.contains(&c.span) {
                derived.insert(a.target.clone());
            }
        }
    }
    let mut changed = !derived.is_empty();
    let mut rounds = 0;
    while changed && rounds < 8 {
        changed = false;
        rounds += 1;
        for a in &in_loop {
            if !derived.contains(&a.target)
                && a.rhs_idents.iter().any(|i| {
                    derived.contains(i) || derived.iter().any(|d| d.ends_with(&format!(".{i}")))
                })
            {
                derived.insert(a.target.clone());
                changed = true;
            }
        }
    }
    let last = |t: &String| t.rsplit(['.', ':']).next().unwrap_or(t).to_string();
    let derived_names: HashSet<String> = derived
        .iter()
        .flat_map(|d| {
            [
                d.clone(),
                last(d),
                leading_path(d).split('.').next().unwrap_or("").to_string(),
            ]
        })
        .filter(|x| !x.is_empty())
        .collect();
    let loop_var = lp.var.clone().unwrap_or_default();
    let feeds_call = c
        .arg_idents
        .iter()
        .any(|i| derived_names.contains(i) && *i != loop_var && !c.result_vars.contains(i))
        || c.receiver
            .as_deref()
            .is_some_and(|r| derived.iter().any(|d| r == d && !c.result_vars.contains(d)));
    // The call's result must be assigned in the loop for the dataflow to count.
    let assigned_in_loop =
        !c.result_vars.is_empty() || in_loop.iter().any(|a| a.span.contains(&c.span));
    if assigned_in_loop && feeds_call {
        return Some("the cursor from each response feeds the next request".into());
    }
    if assigned_in_loop && lp.cond_idents.iter().any(|i| derived_names.contains(i)) {
        return Some("the loop condition depends on each response (pagination or polling)".into());
    }
    if lp.has_sleep && (lp.has_break || lp.has_return) {
        return Some("a retry or polling loop that sleeps and stops on success".into());
    }
    let retry_shaped = matches!(
        lp.kind,
        super::summary::LoopKind::While
            | super::summary::LoopKind::Loop
            | super::summary::LoopKind::For
    ) || lp
        .iterable
        .as_deref()
        .is_some_and(|i| i.starts_with("range("));
    if lp.has_try && (lp.has_break || lp.has_return) && retry_shaped {
        return Some("a retry loop that stops on the first success".into());
    }
    if lp.has_sleep {
        return Some("the loop sleeps between requests (rate limiting or polling)".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::strip_generics;

    #[test]
    fn strip_generics_drops_type_arguments_turbofish_and_optional_chaining() {
        for (input, out) in [
            ("client.get", "client.get"),
            ("Vec::<u8>::new", "Vec::new"),
            (
                "reqwest::Client::new().get::<Item>",
                "reqwest::Client::new().get",
            ),
            ("sqlx::query!", "sqlx::query"),
            ("repo?.findById", "repo.findById"),
            ("List<Map<String, Item>>.of", "List.of"),
            ("a > b", "a > b"),
        ] {
            assert_eq!(strip_generics(input), out, "{input}");
        }
    }
}
