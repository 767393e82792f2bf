//! Java's resolution rules: a file is known by its classes, imports name classes, a package's
//! classes and the enclosing class's members need no import, interfaces are typed.

use super::hooks::Java;
use crate::code::resolve::{ResolveHooks, Resolver, Val};

impl ResolveHooks for Java {
    /// `Cart.java` in `com.acme` defining `Cart` → `com.acme.Cart`, `pkg:com.acme`.
    fn module_keys(&self, _path: &str, package: Option<&str>, classes: &[String]) -> Vec<String> {
        let mut keys: Vec<String> = classes
            .iter()
            .map(|c| match package {
                Some(p) => format!("{p}.{c}"),
                None => c.clone(),
            })
            .collect();
        if let Some(p) = package {
            keys.push(format!("pkg:{p}"));
        }
        keys
    }

    /// `com.acme.Cart`: the file defining that class.
    fn resolve_module(&self, r: &Resolver<'_>, slot: usize, module: &str) -> Vec<usize> {
        r.modules(slot, module)
    }

    /// The declared package.
    fn dep_group(&self, _path: &str, package: Option<&str>) -> Option<String> {
        package.map(str::to_string)
    }

    fn imports_are_keys(&self) -> bool {
        true
    }

    /// `import com.acme.Cart;`: the class `Cart` of the file keyed `com.acme.Cart`, else the
    /// external class.
    fn import_val(&self, r: &Resolver<'_>, slot: usize, ii: usize, _depth: usize) -> Option<Val> {
        let module = &r.summary(slot).imports[ii].module;
        if let Some(&fs) = r.modules(slot, module).first() {
            let cname = module.rsplit('.').next().unwrap_or("");
            if let Some(c) = r.local_class(fs, cname) {
                return Some(Val::Class(c));
            }
        }
        Some(Val::External(module.clone()))
    }

    /// A bare field or method name inside a method (`prices.price(..)`, `lookup(..)`) is the
    /// enclosing class's; else a capitalised name is a class of the workspace (same package
    /// or any, by name).
    fn unbound_name(
        &self,
        r: &Resolver<'_>,
        slot: usize,
        func: Option<usize>,
        name: &str,
        depth: usize,
    ) -> Val {
        let functions = &r.summary(slot).functions;
        let mut fcur = func;
        while let Some(fi) = fcur {
            let f = &functions[fi];
            if let Some(cr) = f.class.as_ref().and_then(|c| r.class_named(slot, c)) {
                if let Some(t) = r.field_type(cr, name, depth + 1) {
                    return Val::Instance(t);
                }
                if let Some(fr) = r.method_of(cr, name, depth + 1) {
                    return Val::Func(fr);
                }
                break;
            }
            fcur = f.parent;
        }
        r.capitalised_class(slot, name)
    }

    /// Spring Data and Feign interfaces are the remote API.
    fn interface_is_typed(&self) -> bool {
        true
    }

    /// No `await`: a guessed call is synchronous.
    fn guessed_async(&self, _awaited: bool) -> bool {
        false
    }

    fn runs_workspace_call(&self, _callee_is_async: bool, _awaited: bool) -> bool {
        true
    }

    /// A JVM frame names the file without its folder (`Cart.java`); the function's package
    /// is the folder: `com.acme.Cart$Inner.add` → `com/acme/Cart.java`.
    fn frame_suffix(&self, path: &str, function: Option<&str>) -> Option<String> {
        if path.contains('/') {
            return None;
        }
        Some(format!("{}/{path}", package_dir(function?)?))
    }
}

/// `com.acme.Cart$Inner.add` → `com/acme`; `Cart.add` (no package) → none.
fn package_dir(function: &str) -> Option<String> {
    let function = function.rsplit_once('/').map_or(function, |(_, f)| f); // module/pkg.Cls.m
    let parts: Vec<&str> = function.split('.').collect();
    if parts.len() < 3 {
        return None;
    }
    Some(parts[..parts.len() - 2].join("/"))
}
