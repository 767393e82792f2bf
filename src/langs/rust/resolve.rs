//! Rust's resolution rules: `crate::` module keys from the path under `src/`, `use` paths
//! relative to `self`/`super`, `::` paths, associated functions, lazy futures.

use super::hooks::Rust;
use crate::code::resolve::{ResolveHooks, Resolver, Val, without_extension};
use crate::code::summary::Import;

/// The absolute `crate::` path of path `p` written in `slot` (`self::x`, `super::x` from the
/// file's module key; any other path as written).
fn absolute(r: &Resolver<'_>, slot: usize, p: &str) -> String {
    let here = r
        .module_keys(slot)
        .first()
        .cloned()
        .unwrap_or_else(|| "crate".into());
    if let Some(rest) = p.strip_prefix("self::") {
        format!("{here}::{rest}")
    } else if let Some(rest) = p.strip_prefix("super::") {
        let parent = here
            .rsplit_once("::")
            .map(|(a, _)| a.to_string())
            .unwrap_or_else(|| "crate".into());
        format!("{parent}::{rest}")
    } else {
        p.to_string()
    }
}

/// The longest prefix of `abs` that is a module, and where it ends: (files, segments used).
fn longest_module(r: &Resolver<'_>, slot: usize, segs: &[&str]) -> Option<(Vec<usize>, usize)> {
    (1..=segs.len()).rev().find_map(|cut| {
        let files = r.modules(slot, &segs[..cut].join("::"));
        (!files.is_empty()).then_some((files, cut))
    })
}

/// The value of absolute path `abs`: its longest module prefix, then members; external when
/// no prefix is a workspace module.
fn path_val(r: &Resolver<'_>, slot: usize, abs: &str, depth: usize) -> Val {
    let segs: Vec<&str> = abs.split("::").collect();
    let Some((files, cut)) = longest_module(r, slot, &segs) else {
        return Val::External(abs.to_string());
    };
    let mut v = Val::Module(files);
    for s in &segs[cut..] {
        v = r.member(v, s, depth + 1);
    }
    v
}

impl ResolveHooks for Rust {
    /// `src/a/b.rs` and `src/a/b/mod.rs` → `crate::a::b`; `src/lib.rs`, `src/main.rs` →
    /// `crate`. Only the part after the last `src/` counts (a workspace of crates).
    fn module_keys(&self, path: &str, _package: Option<&str>, _classes: &[String]) -> Vec<String> {
        let no_ext = without_extension(path);
        let rel = no_ext.rsplit_once("src/").map(|(_, r)| r).unwrap_or(no_ext);
        let rel = rel.strip_prefix("src/").unwrap_or(rel);
        let mut parts: Vec<&str> = rel.split('/').collect();
        if matches!(parts.last(), Some(&"mod"))
            || (parts.len() == 1 && matches!(parts[0], "lib" | "main"))
        {
            parts.pop();
        }
        let mut k = String::from("crate");
        for p in parts {
            k.push_str("::");
            k.push_str(p);
        }
        vec![k]
    }

    /// The module at the absolute path.
    fn resolve_module(&self, r: &Resolver<'_>, slot: usize, module: &str) -> Vec<usize> {
        r.modules(slot, &absolute(r, slot, module))
    }

    /// A crate's modules use each other by path without `use`: one group.
    fn dep_group(&self, _path: &str, _package: Option<&str>) -> Option<String> {
        Some(String::new())
    }

    /// `use crate::a::b::Item;` depends on `crate::a::b`, the longest prefix that is a module.
    fn import_deps(&self, r: &Resolver<'_>, slot: usize, im: &Import) -> Vec<usize> {
        let abs = absolute(r, slot, &im.module);
        let segs: Vec<&str> = abs.split("::").collect();
        longest_module(r, slot, &segs).map_or_else(Vec::new, |(files, _)| files)
    }

    /// `use crate::a::b::Item;`: the module is the full path.
    fn import_val(&self, r: &Resolver<'_>, slot: usize, ii: usize, depth: usize) -> Option<Val> {
        let module = &r.summary(slot).imports[ii].module;
        let abs = absolute(r, slot, module);
        Some(path_val(r, slot, &abs, depth + 1))
    }

    /// A `::` path: `crate::`/`self::`/`super::` paths from the module tree, else its head's
    /// value (an external head when unknown) and members; an external result keeps `::`.
    fn eval_path(
        &self,
        r: &Resolver<'_>,
        slot: usize,
        func: Option<usize>,
        path: &str,
        depth: usize,
    ) -> Option<Val> {
        if !path.contains("::") {
            return None;
        }
        let segs: Vec<&str> = path.split("::").collect();
        let head = segs[0];
        if matches!(head, "crate" | "self" | "super") {
            let abs = absolute(r, slot, path);
            return Some(path_val(r, slot, &abs, depth + 1));
        }
        let mut v = r.head_val(slot, func, head, depth + 1);
        if v == Val::Unknown {
            v = Val::External(head.to_string());
        }
        for s in &segs[1..] {
            for p in s.split('.') {
                v = r.member(v, p, depth + 1);
            }
        }
        Some(match v {
            Val::External(q) => Val::External(q.replace('.', "::")),
            v => v,
        })
    }

    /// A capitalised name is a type of the crate.
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

    /// `Self` is the impl's type; `self` an instance.
    fn names_the_type(&self, name: &str) -> bool {
        name == "Self"
    }

    fn submodule_key(&self, key: &str, seg: &str) -> Option<String> {
        Some(format!("{key}::{seg}"))
    }

    fn evaluates_dotted_callee(&self) -> bool {
        true
    }

    fn path_separator(&self) -> &'static str {
        "::"
    }

    /// `reqwest::Client::new` → (`reqwest::Client`, `new`).
    fn associated_function<'q>(&self, q: &'q str) -> Option<(&'q str, &'q str)> {
        q.rsplit_once("::")
    }

    /// Calling an `async fn` only builds a future.
    fn runs_workspace_call(&self, callee_is_async: bool, awaited: bool) -> bool {
        !callee_is_async || awaited
    }
}
