//! Go's resolution rules: a package is a folder, imports name it by a path suffix, files of one
//! package see each other's definitions, no futures.

use super::hooks::Go;
use crate::code::resolve::{ResolveHooks, Resolver, Val, dir_of};

impl ResolveHooks for Go {
    /// `internal/store/db.go` → `dir:internal/store`, `internal/store`, `store`.
    fn module_keys(&self, path: &str, _package: Option<&str>, _classes: &[String]) -> Vec<String> {
        let dir = dir_of(path);
        let parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
        let mut keys = vec![format!("dir:{dir}")];
        keys.extend((0..parts.len()).map(|i| parts[i..].join("/")));
        keys
    }

    /// The longest suffix of the import path that is a workspace folder
    /// (`example.com/shop/internal/store` → `internal/store`); a one-segment suffix only
    /// for a one-segment import.
    fn resolve_module(&self, r: &Resolver<'_>, slot: usize, module: &str) -> Vec<usize> {
        let parts: Vec<&str> = module.split('/').collect();
        for i in 0..parts.len() {
            let v = r.modules(slot, &parts[i..].join("/"));
            if !v.is_empty() && (i + 1 < parts.len() || parts.len() == 1 || i > 0) {
                return v;
            }
        }
        Vec::new()
    }

    /// The package is the folder.
    fn dep_group(&self, path: &str, _package: Option<&str>) -> Option<String> {
        Some(dir_of(path).to_string())
    }

    /// A name defined in another file of the same package.
    fn unbound_name(
        &self,
        r: &Resolver<'_>,
        slot: usize,
        _func: Option<usize>,
        name: &str,
        depth: usize,
    ) -> Val {
        let dir = dir_of(r.path(slot));
        for s in r.modules(slot, &format!("dir:{dir}")) {
            if s != slot {
                let v = r.module_member(s, name, depth + 1);
                if v != Val::Unknown {
                    return v;
                }
            }
        }
        Val::Unknown
    }

    /// No `await`: a guessed call is synchronous.
    fn guessed_async(&self, _awaited: bool) -> bool {
        false
    }

    fn runs_workspace_call(&self, _callee_is_async: bool, _awaited: bool) -> bool {
        true
    }

    fn runs_api_call(&self, _api_is_async: bool, _awaited: bool) -> bool {
        true
    }

    /// Frames print the import path of the file's package.
    fn frames_use_module_paths(&self) -> bool {
        true
    }
}
