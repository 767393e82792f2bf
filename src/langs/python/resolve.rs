//! Python's resolution rules: dotted module keys from the path, relative imports, submodules,
//! `import a.b.c` prefixes, properties.

use super::hooks::Python;
use crate::code::resolve::{ResolveHooks, Resolver, Val, dir_of, without_extension};
use crate::code::summary::Import;

impl ResolveHooks for Python {
    /// `app/services/billing.py` → `app.services.billing`, `services.billing`, `billing`; a
    /// package's `__init__.py` is the package.
    fn module_keys(&self, path: &str, _package: Option<&str>, _classes: &[String]) -> Vec<String> {
        let m = without_extension(path).replace('/', ".");
        let m = m.strip_suffix(".__init__").unwrap_or(&m).to_string();
        let parts: Vec<&str> = m.split('.').collect();
        (0..parts.len()).map(|i| parts[i..].join(".")).collect()
    }

    /// `..models` from `app/api/x.py` → `app.models`; an absolute module is its own key.
    fn resolve_module(&self, r: &Resolver<'_>, slot: usize, module: &str) -> Vec<usize> {
        if !module.starts_with('.') {
            return r.modules(slot, module);
        }
        let dots = module.chars().take_while(|c| *c == '.').count();
        let mut base: Vec<&str> = dir_of(r.path(slot))
            .split('/')
            .filter(|x| !x.is_empty())
            .collect();
        for _ in 1..dots {
            base.pop();
        }
        let rest = &module[dots..];
        let mut full = base.join(".");
        if !rest.is_empty() {
            if !full.is_empty() {
                full.push('.');
            }
            full.push_str(rest);
        }
        r.modules(slot, &full)
    }

    /// `from . import sub` with nothing at `.`: the submodule `.sub`.
    fn unresolved_named_import(
        &self,
        r: &Resolver<'_>,
        slot: usize,
        im: &Import,
        name: &str,
    ) -> Val {
        if im.module.starts_with('.') {
            let subfiles = self.resolve_module(r, slot, &format!("{}.{}", im.module, name));
            if !subfiles.is_empty() {
                return Val::Module(subfiles);
            }
        }
        Val::External(format!("{}.{}", im.module, name))
    }

    /// `import a.b.c` binds `a.b.c`: the longest imported dotted prefix, then members.
    fn eval_path(
        &self,
        r: &Resolver<'_>,
        slot: usize,
        _func: Option<usize>,
        path: &str,
        depth: usize,
    ) -> Option<Val> {
        let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
        if segs.len() < 2 {
            return None;
        }
        (2..=segs.len()).rev().find_map(|cut| {
            let ii = r.alias(slot, &segs[..cut].join("."))?;
            let mut v = r.import_val(slot, ii, depth + 1);
            for s in &segs[cut..] {
                v = r.member(v, s, depth + 1);
            }
            Some(v)
        })
    }

    fn submodule_key(&self, key: &str, seg: &str) -> Option<String> {
        Some(format!("{key}.{seg}"))
    }

    /// `@property`, `@functools.cached_property` and friends.
    fn reads_as_field(&self, annotations: &[String]) -> bool {
        annotations.iter().any(|a| {
            matches!(
                a.as_str(),
                "property" | "cached_property" | "functools.cached_property"
            ) || a.ends_with(".getter")
        })
    }

    /// Calling an `async def` only builds a coroutine.
    fn runs_workspace_call(&self, callee_is_async: bool, awaited: bool) -> bool {
        !callee_is_async || awaited
    }
}
