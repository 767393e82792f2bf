//! JavaScript and TypeScript resolution rules: path module keys (`index` files are their
//! folder), relative and `@/` imports, default imports, callable clients.

use super::hooks::JavaScript;
use crate::code::resolve::{
    ResolveHooks, Resolver, Val, dir_of, normalize_path, without_extension,
};
use crate::code::summary::Import;

impl ResolveHooks for JavaScript {
    /// `src/db/index.ts` → `src/db/index`, `src/db`.
    fn module_keys(&self, path: &str, _package: Option<&str>, _classes: &[String]) -> Vec<String> {
        let no_ext = without_extension(path);
        let mut keys = vec![no_ext.to_string()];
        if let Some(d) = no_ext.strip_suffix("/index") {
            keys.push(d.to_string());
        }
        keys
    }

    /// `./db` and `../lib/db.js` relative to the file's folder; `@/x` and `~/x` from `src/`
    /// (else the root); a package name is never in the workspace.
    fn resolve_module(&self, r: &Resolver<'_>, slot: usize, module: &str) -> Vec<usize> {
        if module.starts_with('.') {
            let joined = normalize_path(&format!("{}/{module}", dir_of(r.path(slot))));
            let joined = joined
                .rsplit_once('.')
                .filter(|(_, ext)| matches!(*ext, "js" | "ts" | "tsx" | "jsx" | "mjs" | "cjs"))
                .map(|(a, _)| a.to_string())
                .unwrap_or(joined);
            r.modules(slot, &joined)
        } else if let Some(rest) = module
            .strip_prefix("@/")
            .or_else(|| module.strip_prefix("~/"))
        {
            let v = r.modules(slot, &format!("src/{rest}"));
            if v.is_empty() {
                r.modules(slot, rest)
            } else {
                v
            }
        } else {
            Vec::new()
        }
    }

    /// `import axios from 'axios'`: the default export is the package.
    fn unresolved_named_import(
        &self,
        _r: &Resolver<'_>,
        _slot: usize,
        im: &Import,
        name: &str,
    ) -> Val {
        if name == "default" {
            Val::External(im.module.clone())
        } else {
            Val::External(format!("{}.{}", im.module, name))
        }
    }

    /// A capitalised name is a workspace class (TypeScript types used without an import).
    fn unbound_name(
        &self,
        r: &Resolver<'_>,
        slot: usize,
        _func: Option<usize>,
        name: &str,
        _depth: usize,
    ) -> Val {
        r.capitalised_class(slot, name)
    }

    /// `db('users')`: a knex client is called directly.
    fn calls_instances(&self) -> bool {
        true
    }

    /// A call of an `async function` or a plain one that returns a promise runs only when
    /// awaited.
    fn runs_workspace_call(&self, _callee_is_async: bool, awaited: bool) -> bool {
        awaited
    }
}
