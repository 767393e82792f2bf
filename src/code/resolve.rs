//! The language rules of cross-file resolution, as hooks the workspace index calls.
//!
//! The index ([`super::index`]) owns the language-neutral algorithm: module tables, import
//! binding, evaluating `a.b.c` paths to values, resolving calls against the workspace and the
//! catalog, chains and findings. Where a language decides (how a file path becomes module keys,
//! what an import's text points at, whether an un-awaited call runs), it asks the file's
//! [`ResolveHooks`], registered as `CodeLanguage::resolve` in `langs/mod.rs` and implemented in
//! `langs/<key>/resolve.rs` on the language's hooks type (`impl ResolveHooks for hooks::Go`).
//!
//! `resolve` is a required field of `CodeLanguage`, so a code language without resolve hooks
//! does not compile: no registry test is needed for it. The three methods without a default
//! ([`ResolveHooks::module_keys`], [`ResolveHooks::resolve_module`],
//! [`ResolveHooks::runs_workspace_call`]) must be written for each language; every other
//! method's default is "this language has no such rule", documented on the method.
//!
//! Hooks that evaluate names get the [`Resolver`] (one findings pass's memoised view of the
//! index) and call back into it: `r.modules(slot, key)`, `r.module_member(..)`, `r.member(..)`.
//! `depth` bounds recursion; hand on `depth + 1` to every call back.

use super::summary::Import;

pub(crate) use super::index::Resolver;

/// (file slot, function index).
pub(crate) type FnRef = (usize, usize);
/// (file slot, class index).
pub(crate) type ClassRef = (usize, usize);

/// A type: a workspace class, or an external type by its qualified name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeRef {
    Ws(ClassRef),
    Ext(String),
}

/// What a name or path evaluates to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Func(FnRef),
    Class(ClassRef),
    /// The files of one module (a Go package may be several).
    Module(Vec<usize>),
    Instance(TypeRef),
    /// Something outside the workspace, by qualified name (`requests.get`, `reqwest::Client`).
    External(String),
    Unknown,
}

/// One language's rules for cross-file resolution. Implemented once per code language on its
/// hooks type; the index holds it as `&'static dyn ResolveHooks` per file.
pub(crate) trait ResolveHooks: Sync {
    // ---- a file's identity -------------------------------------------------------------

    /// The keys under which the file at `path` (workspace-relative, `/`-separated) is known to
    /// imports, most specific first; `package` is its declared package, `classes` the names of
    /// the classes it defines. Python `app/services/__init__.py` → `app.services`, `services`;
    /// Rust `src/a/mod.rs` → `crate::a`; Java `Cart.java` in `com.acme` → `com.acme.Cart`,
    /// `pkg:com.acme`.
    fn module_keys(&self, path: &str, package: Option<&str>, classes: &[String]) -> Vec<String>;

    /// The group of files that use each other without imports (every member depends on every
    /// other): its name, unique within the language, or `None` (default: no such group).
    /// Go: the folder (one package); Java: the declared package; Rust: the crate (`""`).
    fn dep_group(&self, _path: &str, _package: Option<&str>) -> Option<String> {
        None
    }

    /// Whether an import resolves only by looking its text up as a module key (`module`, or
    /// `module.name`), so that when a file's keys change only the importers naming a gained or
    /// lost key change edges, and the dependency graph is patched instead of rebuilt. Java
    /// (keys are classes: adding one while typing changes them): `true`. Default `false`.
    fn imports_are_keys(&self) -> bool {
        false
    }

    // ---- imports -----------------------------------------------------------------------

    /// The workspace files an import's `module` text, written in file `slot`, names (empty
    /// when it is not in the workspace). Look keys up with `r.modules(slot, key)`. Python
    /// `..models` from `app/api/x.py` → the files under `app.models`; JavaScript `./db` →
    /// `<dir>/db`; Go `example.com/shop/store` → the longest known suffix (`shop/store`).
    fn resolve_module(&self, r: &Resolver<'_>, slot: usize, module: &str) -> Vec<usize>;

    /// The files import `im` of `slot` depends on: edges of the dependency graph. Default: the
    /// module, and `module.name` as a module (Python `from pkg import sub`). Rust: the longest
    /// prefix of the absolute path that is a module (`use crate::a::b::Item` → `crate::a::b`).
    fn import_deps(&self, r: &Resolver<'_>, slot: usize, im: &Import) -> Vec<usize> {
        let mut out = self.resolve_module(r, slot, &im.module);
        if let Some(n) = &im.name {
            out.extend(self.resolve_module(r, slot, &format!("{}.{}", im.module, n)));
        }
        out
    }

    /// The value import `ii` of `slot` binds, when this language binds imports its own way;
    /// `None` (the default) leaves it to the index: the module, or its member `name`, or an
    /// external `module.name`. Rust: `use crate::a::Item` evaluates the whole path; Java:
    /// `import com.acme.Cart` is the class `Cart` of the file keyed `com.acme.Cart`.
    fn import_val(
        &self,
        _r: &Resolver<'_>,
        _slot: usize,
        _ii: usize,
        _depth: usize,
    ) -> Option<Val> {
        None
    }

    /// The value of `import {name} from module` when `module` is not in the workspace.
    /// Default: the external `module.name`. Python: a relative `from . import sub` first tries
    /// `.sub` as a module; JavaScript: a default import is the module itself.
    fn unresolved_named_import(
        &self,
        _r: &Resolver<'_>,
        _slot: usize,
        im: &Import,
        name: &str,
    ) -> Val {
        Val::External(format!("{}.{}", im.module, name))
    }

    // ---- names and paths ---------------------------------------------------------------

    /// The value of `path` inside function `func` of `slot`, when this language reads such a
    /// path its own way; `None` (the default) has the index evaluate its head then each
    /// `.`-member. Rust: a `::` path (`crate::`, `self::`, `super::` from the module's key);
    /// Python: `import a.b.c` binds the dotted prefix `a.b.c`.
    fn eval_path(
        &self,
        _r: &Resolver<'_>,
        _slot: usize,
        _func: Option<usize>,
        _path: &str,
        _depth: usize,
    ) -> Option<Val> {
        None
    }

    /// The value of a name that is neither local, a parameter nor a module-level definition or
    /// import of `slot`. Default: unknown. Go: a definition in another file of the package;
    /// Java: a field or method of the enclosing class, else a class by name; Rust and
    /// JavaScript: a capitalised name is a workspace class (`r.capitalised_class`).
    fn unbound_name(
        &self,
        _r: &Resolver<'_>,
        _slot: usize,
        _func: Option<usize>,
        _name: &str,
        _depth: usize,
    ) -> Val {
        Val::Unknown
    }

    /// The module key of submodule `seg` of the module keyed `key`, for languages whose
    /// modules contain modules; `None` (the default) when a module's members are only its
    /// definitions. Python `app.services` + `billing` → `app.services.billing`; Rust
    /// `crate::a` + `b` → `crate::a::b`.
    fn submodule_key(&self, _key: &str, _seg: &str) -> Option<String> {
        None
    }

    /// Whether `name`, one of the language's `self_names`, names the enclosing class itself
    /// rather than an instance of it (Rust `Self`). Default: never.
    fn names_the_type(&self, _name: &str) -> bool {
        false
    }

    /// Whether a method with these annotations reads like a field (its result is the member's
    /// value). Python: `@property`, `@functools.cached_property`, `@x.getter`. Default: never.
    fn reads_as_field(&self, _annotations: &[String]) -> bool {
        false
    }

    // ---- calls -------------------------------------------------------------------------

    /// Whether a call without a receiver whose callee contains a `.` is still evaluated as a
    /// path (Rust: `a::b.c()` forms). Default `false`: such a callee is left unresolved.
    fn evaluates_dotted_callee(&self) -> bool {
        false
    }

    /// The separator of a qualified name: Rust `::` (`reqwest::Client::get`), default `.`.
    fn path_separator(&self) -> &'static str {
        "."
    }

    /// An external callee `q` read as `(type, method)` for the catalog's methods, when this
    /// language calls associated functions through the type. Rust `reqwest::Client::new` →
    /// `("reqwest::Client", "new")`. Default: none.
    fn associated_function<'q>(&self, _q: &'q str) -> Option<(&'q str, &'q str)> {
        None
    }

    /// Whether calling an external instance directly is a call of its API (JavaScript:
    /// `db('users')` on a knex client). Default `false`.
    fn calls_instances(&self) -> bool {
        false
    }

    /// Whether a workspace interface without a body still types its receiver (Java: Spring
    /// Data and Feign interfaces are the remote API). Default `false`: an interface is as good
    /// as an unknown type and naming conventions decide (Go, TypeScript).
    fn interface_is_typed(&self) -> bool {
        false
    }

    /// Whether a remote call guessed from a receiver's name is asynchronous, given whether it
    /// is awaited. Default: when awaited; Go and Java (no `await`): never.
    fn guessed_async(&self, awaited: bool) -> bool {
        awaited
    }

    /// Whether a call to a workspace function runs where it is written, given whether the
    /// callee is `async` and whether the call is awaited. Python and Rust: unless it only
    /// builds a coroutine or future (`!is_async || awaited`); JavaScript: when awaited; Go and
    /// Java: always.
    fn runs_workspace_call(&self, callee_is_async: bool, awaited: bool) -> bool;

    /// Whether a call of a catalog API runs where it is written. Default: unless it is
    /// asynchronous and not awaited; Go: always (no futures).
    fn runs_api_call(&self, api_is_async: bool, awaited: bool) -> bool {
        !api_is_async || awaited
    }

    // ---- trace frames (asked by `workspace::resolve` for this language's trace format) --

    /// Whether this language's frames name files by module path, so a path starting with a
    /// `go.mod` module (`example.com/shop/store/db.go`) is that module's folder. Go: `true`.
    /// Default `false`.
    fn frames_use_module_paths(&self) -> bool {
        false
    }

    /// The path to match by suffix for a frame that names `path` in `function`, when the
    /// language's frames leave out part of it; `None` (the default) matches `path` itself.
    /// JVM: `Cart.java` in `com.acme.Cart.add` → `com/acme/Cart.java`.
    fn frame_suffix(&self, _path: &str, _function: Option<&str>) -> Option<String> {
        None
    }
}

/// `app/x.py` → `app/x`; a path without an extension is itself.
pub(crate) fn without_extension(path: &str) -> &str {
    path.rsplit_once('.').map(|(a, _)| a).unwrap_or(path)
}

/// `app/x.py` → `app`; a file at the root → `""`.
pub(crate) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// `a/./b/../c` → `a/c`.
pub(crate) fn normalize_path(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use crate::langs::code_language_by_key;

    fn keys(lang: &str, path: &str, package: Option<&str>, classes: &[&str]) -> Vec<String> {
        let classes: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
        code_language_by_key(lang)
            .expect("a code language")
            .resolve
            .module_keys(path, package, &classes)
    }

    #[test]
    fn module_keys_follow_each_language_s_layout() {
        assert_eq!(
            keys("python", "app/services/__init__.py", None, &[]),
            ["app.services", "services"]
        );
        assert_eq!(
            keys("javascript", "src/db/index.ts", None, &[]),
            ["src/db/index", "src/db"]
        );
        assert_eq!(
            keys("go", "internal/store/db.go", Some("store"), &[]),
            ["dir:internal/store", "internal/store", "store"]
        );
        assert_eq!(keys("rust", "src/a/mod.rs", None, &[]), ["crate::a"]);
        assert_eq!(keys("rust", "crates/x/src/lib.rs", None, &[]), ["crate"]);
        assert_eq!(
            keys(
                "java",
                "src/main/java/com/acme/Cart.java",
                Some("com.acme"),
                &["Cart"]
            ),
            ["com.acme.Cart", "pkg:com.acme"]
        );
    }

    #[test]
    fn groups_and_call_rules_differ_only_where_a_language_says_so() {
        let rules = |k| code_language_by_key(k).unwrap().resolve;
        assert_eq!(
            rules("go").dep_group("a/b/x.go", None).as_deref(),
            Some("a/b")
        );
        assert_eq!(
            rules("java")
                .dep_group("X.java", Some("com.acme"))
                .as_deref(),
            Some("com.acme")
        );
        assert_eq!(rules("python").dep_group("a/x.py", None), None);
        // An un-awaited call of an async function only builds a coroutine or future, except
        // where there are none (Go) or JavaScript's rule (only awaited calls count).
        assert!(!rules("python").runs_workspace_call(true, false));
        assert!(rules("python").runs_workspace_call(false, false));
        assert!(!rules("javascript").runs_workspace_call(false, false));
        assert!(rules("go").runs_workspace_call(true, false));
        assert!(rules("go").runs_api_call(true, false));
        assert!(!rules("rust").runs_api_call(true, false));
    }
}
