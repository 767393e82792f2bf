//! Python: pytest (with pytest-asyncio or anyio when the project uses them) or unittest.
//!
//! The fake replaces the module-level client the loop reaches (`monkeypatch.setattr(
//! services.inventory, "inventory_client", fake)`), or patches the client class's methods
//! when the client is reached another way. Test inputs are built from the entry function's
//! parameter annotations and the dataclass-style fields of the classes they name.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::code::summary::{FileSummary, Param};
use crate::code::{Lang, summarize};
use crate::guidance::testgen::{
    Files, GeneratedTest, SIZES, Subject, join, snake, stem, tests_dir,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    Pytest,
    Unittest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plugin {
    /// pytest-asyncio with `asyncio_mode = "auto"`: plain `async def` tests.
    AsyncioAuto,
    /// pytest-asyncio in strict mode: `pytestmark = pytest.mark.asyncio`.
    AsyncioStrict,
    Anyio,
    /// No async plugin: async code runs through `asyncio.run`.
    None,
}

struct Framework {
    runner: Runner,
    plugin: Plugin,
}

impl Framework {
    fn detect(files: Files, listing: &[String]) -> Framework {
        let mut config = String::new();
        for p in listing {
            let name = p.rsplit('/').next().unwrap_or(p);
            let is_config = matches!(
                name,
                "pyproject.toml"
                    | "pytest.ini"
                    | "setup.cfg"
                    | "tox.ini"
                    | "conftest.py"
                    | "Pipfile"
            ) || (name.starts_with("requirements") && name.ends_with(".txt"));
            if is_config && let Some(t) = files(p) {
                config.push_str(&t);
                config.push('\n');
            }
        }
        let mut tests = String::new();
        for p in listing.iter().filter(|p| is_test_file(p)).take(20) {
            if let Some(t) = files(p) {
                tests.push_str(&t);
                tests.push('\n');
            }
        }
        let has_conftest = listing.iter().any(|p| p.ends_with("conftest.py"));
        let pytest = config.contains("pytest") || has_conftest || tests.contains("import pytest");
        let unittest = !pytest && tests.contains("unittest");
        let mode = config
            .lines()
            .find(|l| l.trim_start().starts_with("asyncio_mode"))
            .map(str::to_owned);
        let plugin = if mode.as_deref().is_some_and(|m| m.contains("auto")) {
            Plugin::AsyncioAuto
        } else if mode.is_some()
            || config.contains("pytest-asyncio")
            || config.contains("pytest_asyncio")
            || tests.contains("pytest.mark.asyncio")
        {
            Plugin::AsyncioStrict
        } else if config.contains("anyio") || tests.contains("pytest.mark.anyio") {
            Plugin::Anyio
        } else {
            Plugin::None
        };
        Framework {
            runner: if unittest {
                Runner::Unittest
            } else {
                Runner::Pytest
            },
            plugin,
        }
    }

    fn label(&self) -> String {
        match (self.runner, self.plugin) {
            (Runner::Unittest, _) => "unittest".to_owned(),
            (Runner::Pytest, Plugin::AsyncioAuto) => {
                "pytest + pytest-asyncio (asyncio_mode=auto)".to_owned()
            }
            (Runner::Pytest, Plugin::AsyncioStrict) => "pytest + pytest-asyncio".to_owned(),
            (Runner::Pytest, Plugin::Anyio) => "pytest + anyio".to_owned(),
            (Runner::Pytest, Plugin::None) => "pytest".to_owned(),
        }
    }
}

fn is_test_file(p: &str) -> bool {
    let name = p.rsplit('/').next().unwrap_or(p);
    name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
}

/// `services/inventory.py` → `services.inventory`; a `src/` layout without `src/__init__.py`
/// drops `src`.
fn module_of(path: &str, listing: &[String]) -> String {
    let mut p = path.strip_suffix(".py").unwrap_or(path);
    if let Some(rest) = p.strip_prefix("src/")
        && !listing.iter().any(|l| l == "src/__init__.py")
    {
        p = rest;
    }
    let m = p.replace('/', ".");
    m.strip_suffix(".__init__").map(str::to_owned).unwrap_or(m)
}

/// Candidate files for a module as written in an import from `from_path`.
fn files_of_module(module: &str, from_path: &str) -> Vec<String> {
    let dots = module.chars().take_while(|c| *c == '.').count();
    let rest = module[dots..].replace('.', "/");
    let base = if dots == 0 {
        String::new()
    } else {
        let mut dir: Vec<&str> = from_path.split('/').collect();
        dir.pop();
        for _ in 1..dots {
            dir.pop();
        }
        dir.join("/")
    };
    let stem = join(&base, &rest);
    let mut out = vec![format!("{stem}.py"), format!("{stem}/__init__.py")];
    if dots == 0 {
        out.push(format!("src/{stem}.py"));
    }
    out
}

/// A class found in the workspace, with the constructor parameters a test can pass.
#[derive(Debug, Clone)]
struct PyClass {
    name: String,
    module: String,
    path: String,
    /// (name, annotation) in declaration order.
    fields: Vec<(String, Option<String>)>,
}

struct Ctx<'a> {
    files: Files<'a>,
    listing: &'a [String],
    /// module → names imported from it; `None` name = `import module`.
    imports: BTreeMap<String, BTreeSet<String>>,
    plain_imports: BTreeSet<String>,
    summaries: BTreeMap<String, Option<(String, FileSummary)>>,
}

impl<'a> Ctx<'a> {
    fn summary(&mut self, path: &str) -> Option<(String, FileSummary)> {
        if let Some(s) = self.summaries.get(path) {
            return s.clone();
        }
        let s = (self.files)(path).map(|t| {
            let s = summarize(path, Lang::Python, &t);
            (t, s)
        });
        self.summaries.insert(path.to_owned(), s.clone());
        s
    }

    fn import(&mut self, module: &str, name: &str) {
        self.imports
            .entry(module.to_owned())
            .or_default()
            .insert(name.to_owned());
    }

    /// Where `name` (as seen from `from_path`) is defined: (module, file path).
    fn locate(&mut self, name: &str, from_path: &str, depth: usize) -> Option<(String, String)> {
        let (_, s) = self.summary(from_path)?;
        if s.classes.iter().any(|c| c.name == name)
            || s.functions
                .iter()
                .any(|f| f.name == name && f.class.is_none())
        {
            return Some((module_of(from_path, self.listing), from_path.to_owned()));
        }
        let im = s.imports.iter().find(|i| i.local == name)?.clone();
        let target = im.name.clone().unwrap_or_else(|| name.to_owned());
        for cand in files_of_module(&im.module, from_path) {
            if self.listing.contains(&cand) && depth < 3 {
                if let Some(found) = self.locate(&target, &cand, depth + 1) {
                    return Some(found);
                }
            }
        }
        // Not in the workspace (a library): import it the way the file does.
        (!im.module.starts_with('.')).then(|| (im.module.clone(), String::new()))
    }

    fn class(&mut self, name: &str, from_path: &str) -> Option<PyClass> {
        let (module, path) = self.locate(name, from_path, 0)?;
        let (text, s) = self.summary(&path)?;
        let def = s.classes.iter().find(|c| c.name == name)?;
        let init = s
            .functions
            .iter()
            .find(|f| f.name == "__init__" && f.class.as_deref() == Some(name));
        let fields = match init {
            Some(f) => crate::guidance::testgen::own_params(f)
                .into_iter()
                .filter(|p| !p.name.starts_with('*'))
                .map(|p| (p.name, p.type_text))
                .collect(),
            None => class_fields(
                text.get(def.span.start.byte..def.span.end.byte)
                    .unwrap_or(""),
            ),
        };
        Some(PyClass {
            name: name.to_owned(),
            module,
            path,
            fields,
        })
    }

    /// A Python expression of type `ty` for a field or parameter called `name`; `indexed`
    /// makes strings distinct per `i`.
    fn value(
        &mut self,
        ty: Option<&str>,
        name: &str,
        indexed: bool,
        from: &str,
        depth: usize,
    ) -> String {
        let ty = ty.map(strip_optional);
        let base = ty
            .as_deref()
            .map(|t| t.split('[').next().unwrap_or(t).trim());
        match base {
            Some("str") => string_value(name, indexed),
            Some("int") => int_value(name),
            Some("float") => format!("{}.0", int_value(name)),
            Some("bool") => "True".to_owned(),
            Some("bytes") => "b\"\"".to_owned(),
            Some("list" | "List" | "Sequence" | "Iterable" | "tuple" | "Tuple" | "Collection") => {
                "[]".to_owned()
            }
            Some("set" | "Set" | "frozenset" | "FrozenSet") => "set()".to_owned(),
            Some("dict" | "Dict" | "Mapping") => "{}".to_owned(),
            Some(class) if depth < 3 && !class.is_empty() => match self.class(class, from) {
                Some(c) => self.construct(&c, None, indexed, depth + 1),
                None => guess_value(name, indexed),
            },
            _ => guess_value(name, indexed),
        }
    }

    /// `Class(field=value, ...)`; `set` overrides one field with an expression.
    fn construct(
        &mut self,
        c: &PyClass,
        set: Option<(&str, &str)>,
        indexed: bool,
        depth: usize,
    ) -> String {
        self.import(&c.module, &c.name);
        let mut args = Vec::new();
        for (fname, fty) in &c.fields {
            let v = match set {
                Some((n, v)) if n == fname => v.to_owned(),
                _ => self.value(fty.as_deref(), fname, indexed, &c.path, depth),
            };
            args.push(format!("{fname}={v}"));
        }
        format!("{}({})", c.name, args.join(", "))
    }
}

/// Annotated assignments directly in a class body (dataclass / attrs / pydantic fields).
fn class_fields(class_text: &str) -> Vec<(String, Option<String>)> {
    let mut lines = class_text.lines().skip(1);
    let indent = lines
        .clone()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .unwrap_or(4);
    let mut out = Vec::new();
    for l in lines.by_ref() {
        if l.trim().is_empty() || l.len() - l.trim_start().len() != indent {
            continue;
        }
        let t = l.trim();
        let Some((name, rest)) = t.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if name.starts_with('_') || ["def", "class", "async"].contains(&name) {
            continue;
        }
        let (ty, default) = match rest.split_once('=') {
            Some((ty, d)) => (ty.trim(), Some(d.trim())),
            None => (rest.trim(), None),
        };
        if ty.starts_with("ClassVar") || default.is_some_and(|d| d.contains("init=False")) {
            continue;
        }
        out.push((name.to_owned(), Some(ty.to_owned())));
    }
    out
}

fn is_builtin(t: &str) -> bool {
    matches!(
        t.split('[').next().unwrap_or(t).trim(),
        "str" | "int" | "float" | "bool" | "bytes" | "tuple" | "dict" | "list"
    )
}

/// The annotation to show in the fake's signature: builtins as written, anything else `Any`
/// (the test does not import every type the client mentions).
fn fake_annotation(t: Option<&str>) -> String {
    match t.map(strip_optional) {
        Some(t) if matches!(t.as_str(), "str" | "int" | "float" | "bool" | "bytes") => t,
        _ => "Any".to_owned(),
    }
}

fn strip_optional(t: &str) -> String {
    let t = t.trim().trim_matches(|c| c == '"' || c == '\'');
    if let Some(inner) = t
        .strip_prefix("Optional[")
        .and_then(|r| r.strip_suffix(']'))
    {
        return inner.trim().to_owned();
    }
    t.split('|')
        .map(str::trim)
        .find(|p| *p != "None")
        .unwrap_or(t)
        .to_owned()
}

/// `list[CartItem]` → `CartItem`.
fn element_type(t: &str) -> Option<String> {
    let t = strip_optional(t);
    let open = t.find('[')?;
    let inner = t.get(open + 1..t.rfind(']')?)?.trim();
    (!inner.is_empty()).then(|| inner.to_owned())
}

fn is_numeric_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "quantity", "qty", "count", "amount", "price", "cents", "total", "size", "number", "limit",
    ]
    .iter()
    .any(|k| n.contains(k))
}

fn int_value(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    if ["price", "cents", "amount", "total"]
        .iter()
        .any(|k| n.contains(k))
    {
        "1000".to_owned()
    } else {
        "1".to_owned()
    }
}

fn string_value(name: &str, indexed: bool) -> String {
    let lower = name.to_ascii_lowercase();
    match (lower.contains("email"), indexed) {
        (true, true) => "f\"user{i}@example.com\"".to_owned(),
        (true, false) => "\"user1@example.com\"".to_owned(),
        (false, true) => format!("f\"{}-{{i:04d}}\"", name.to_ascii_uppercase()),
        (false, false) => format!("\"{lower}-1\""),
    }
}

fn guess_value(name: &str, indexed: bool) -> String {
    if is_numeric_name(name) {
        int_value(name)
    } else {
        string_value(name, indexed)
    }
}

fn timeout_error(api: Option<&str>, is_async: bool) -> (Option<&'static str>, &'static str) {
    let api = api.unwrap_or("");
    if api.starts_with("requests") {
        (Some("requests"), "requests.Timeout(\"read timed out\")")
    } else if api.starts_with("httpx") {
        (Some("httpx"), "httpx.ReadTimeout(\"read timed out\")")
    } else if is_async || api.starts_with("aiohttp") {
        (Some("asyncio"), "asyncio.TimeoutError()")
    } else {
        (None, "TimeoutError(\"read timed out\")")
    }
}

/// What the test calls: `await f(...)` or `asyncio.run(f(...))` or `f(...)`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallStyle {
    Await,
    Run,
    Sync,
}

pub fn generate(
    s: &Subject,
    files: Files,
    listing: &[String],
    batch_limit: usize,
) -> Result<GeneratedTest, String> {
    let fw = Framework::detect(files, listing);
    let mut cx = Ctx {
        files,
        listing,
        imports: BTreeMap::new(),
        plain_imports: BTreeSet::new(),
        summaries: BTreeMap::new(),
    };
    let entry = &s.entry;
    let entry_module = module_of(&s.path, listing);
    let style = match (entry.is_async, fw.runner, fw.plugin) {
        (false, _, _) => CallStyle::Sync,
        (true, Runner::Unittest, _) => CallStyle::Await,
        (true, Runner::Pytest, Plugin::None) => CallStyle::Run,
        (true, Runner::Pytest, _) => CallStyle::Await,
    };
    if style == CallStyle::Run {
        cx.plain_imports.insert("asyncio".to_owned());
    }
    cx.plain_imports.insert("math".to_owned());

    // The fake: which methods, how it is installed.
    let (fake_class, single, single_params, single_async, result_type, install) = match &s.client {
        Some(c) => {
            let fake_class = format!("Counting{}", c.class);
            let install = match &c.module_receiver {
                Some(r) => {
                    let m = module_of(&c.call_path, listing);
                    cx.plain_imports.insert(m.clone());
                    Install::Module(m, r.clone())
                }
                None => {
                    let m = module_of(&c.path, listing);
                    cx.import(&m, &c.class);
                    Install::Class(c.class.clone())
                }
            };
            (
                fake_class,
                c.method.clone(),
                c.params.clone(),
                c.is_async,
                c.return_type.clone().map(|r| (r, c.path.clone())),
                install,
            )
        }
        None => {
            // No client class: fake the function the loop calls, where the loop's module
            // binds it.
            let callee = s.callee.rsplit('.').next().unwrap_or(&s.callee).to_owned();
            cx.plain_imports.insert(entry_module.clone());
            (
                format!("Counting{}", crate::guidance::testgen::camel(&callee)),
                callee.clone(),
                Vec::new(),
                s.in_async,
                None,
                Install::Functions(entry_module.clone()),
            )
        }
    };
    let batch = s.batch.as_ref().filter(|b| match (&s.client, &b.class) {
        (Some(c), Some(bc)) => *bc == c.class,
        (None, _) => true,
        _ => false,
    });
    let key_param = single_params
        .first()
        .map(|p| p.name.clone())
        .unwrap_or_else(|| "key".to_owned());

    // The fake's per-item result.
    let (result_ann, result_expr) = result_value(&mut cx, result_type.as_ref(), &single_params);

    // Inputs: elements of the loop's collection and the entry function's arguments.
    let params = s.entry_params();
    let parts = s.iterable_parts();
    let root_param = parts
        .as_ref()
        .and_then(|(root, _)| params.iter().find(|p| p.name == *root));
    // The element type, with the file its name is visible from.
    let elem_ty: Option<(String, String)> = match (root_param, parts.as_ref()) {
        (Some(p), Some((_, attrs))) if attrs.is_empty() => p
            .type_text
            .as_deref()
            .and_then(element_type)
            .map(|t| (t, s.path.clone())),
        (Some(p), Some((_, attrs))) => p
            .type_text
            .as_deref()
            .map(strip_optional)
            .and_then(|t| cx.class(&t, &s.path))
            .and_then(|c| {
                c.fields
                    .iter()
                    .find(|(n, _)| Some(n) == attrs.first())
                    .and_then(|(_, t)| t.as_deref().and_then(element_type))
                    .map(|t| (t, c.path.clone()))
            }),
        _ => None,
    };
    let var = s.loop_var.clone().unwrap_or_else(|| "item".to_owned());
    let elem_class = elem_ty.as_ref().and_then(|(t, from)| cx.class(t, from));
    let (elem_ann, elem_expr) = match (&elem_class, elem_ty.as_ref()) {
        (Some(c), _) => (c.name.clone(), cx.construct(c, None, true, 1)),
        (None, Some((t, from))) if is_builtin(t) => {
            (t.to_owned(), cx.value(Some(t), &var, true, from, 1))
        }
        _ => {
            let attrs = s.element_attributes();
            if attrs.is_empty() {
                ("str".to_owned(), string_value(&var, true))
            } else {
                cx.plain_imports.insert("types".to_owned());
                let fields: Vec<String> = attrs
                    .iter()
                    .map(|a| format!("{a}={}", guess_value(a, true)))
                    .collect();
                (
                    "Any".to_owned(),
                    format!("types.SimpleNamespace({})", fields.join(", ")),
                )
            }
        }
    };
    let key_of = |item: &str| match s.key_attribute() {
        Some(a) => format!("{item}.{a}"),
        None => item.to_owned(),
    };

    let mut args = Vec::new();
    for p in &params {
        if p.name.starts_with('*') {
            continue;
        }
        let v = match (&parts, root_param) {
            (Some((root, attrs)), Some(_)) if *root == p.name => {
                if attrs.is_empty() {
                    "items".to_owned()
                } else {
                    let class = p
                        .type_text
                        .as_deref()
                        .map(strip_optional)
                        .and_then(|t| cx.class(&t, &s.path));
                    match (class, attrs.first()) {
                        (Some(c), Some(a)) => cx.construct(&c, Some((a, "items")), false, 1),
                        _ => {
                            cx.plain_imports.insert("types".to_owned());
                            format!("types.SimpleNamespace({}=items)", attrs.join("_"))
                        }
                    }
                }
            }
            _ => cx.value(p.type_text.as_deref(), &p.name, false, &s.path, 1),
        };
        args.push(format!("{}={v}", p.name));
    }
    let callee_expr = match (&entry.class, s.entry_class()) {
        (Some(class), Some(_)) => {
            cx.import(&entry_module, class);
            let subject = match cx.class(class, &s.path) {
                Some(c) => cx.construct(&c, None, false, 1),
                None => format!("{class}()"),
            };
            format!("{subject}.{}", entry.name)
        }
        _ => {
            cx.import(&entry_module, &entry.name);
            entry.name.clone()
        }
    };
    let call = format!("{callee_expr}({})", args.join(", "));

    // Error scenarios.
    let raised = s.raised_in_loop();
    let out_of_stock = raised.first().and_then(|name| {
        let root = name.split('.').next().unwrap_or(name);
        let (module, _) = cx.locate(root, &s.path, 0)?;
        if root == name {
            cx.import(&module, root);
        } else {
            cx.plain_imports.insert(module);
        }
        Some(name.clone())
    });
    let (timeout_import, timeout_expr) = timeout_error(s.api.as_deref(), single_async);
    if let Some(m) = timeout_import {
        cx.plain_imports.insert(m.to_owned());
    }
    let entry_text = s
        .text
        .get(entry.span.start.byte..entry.span.end.byte)
        .unwrap_or("");
    let handles_timeout = entry_text
        .lines()
        .any(|l| l.trim_start().starts_with("except") && l.contains("Timeout"));

    let w = Writer {
        s,
        fw: &fw,
        style,
        batch_limit,
        fake_class,
        single,
        single_params,
        single_async,
        batch: batch.cloned(),
        key_param,
        result_ann,
        result_expr,
        install,
        elem_ann,
        elem_expr,
        call,
        key_item: key_of("item"),
        out_of_stock,
        timeout_expr: timeout_expr.to_owned(),
        handles_timeout,
    };
    let body = w.body();

    let dir = tests_dir(listing, is_test_file, "tests");
    let path = join(
        &dir,
        &format!("test_{}_n_plus_one.py", snake(stem(&s.path))),
    );
    let mut text = String::new();
    let _ = writeln!(text, "{}", w.docstring(&path));
    let _ = writeln!(text, "from __future__ import annotations\n");
    for m in &cx.plain_imports {
        if !cx.imports.contains_key(m) && !is_workspace_module(m, listing) {
            let _ = writeln!(text, "import {m}");
        }
    }
    let _ = writeln!(text, "from typing import Any\n");
    if fw.runner == Runner::Pytest {
        let _ = writeln!(text, "import pytest\n");
    } else {
        let _ = writeln!(text, "import unittest\nfrom unittest import mock\n");
    }
    for m in &cx.plain_imports {
        if is_workspace_module(m, listing) {
            let _ = writeln!(text, "import {m}");
        }
    }
    for (m, names) in &cx.imports {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let _ = writeln!(text, "from {m} import {}", names.join(", "));
    }
    text.push_str(&body);
    let run = match fw.runner {
        Runner::Pytest => format!("python3 -m pytest -q {path}"),
        Runner::Unittest => format!(
            "python3 -m unittest {}",
            path.strip_suffix(".py").unwrap_or(&path).replace('/', ".")
        ),
    };
    Ok(GeneratedTest {
        path,
        text,
        framework: fw.label(),
        run,
    })
}

fn is_workspace_module(m: &str, listing: &[String]) -> bool {
    let first = m.split('.').next().unwrap_or(m);
    listing.iter().any(|l| {
        l.starts_with(&format!("{first}/"))
            || l.starts_with(&format!("src/{first}/"))
            || *l == format!("{first}.py")
    })
}

/// The fake result's annotation and the expression `_result` returns, using the single
/// method's parameters and a local `available`.
fn result_value(
    cx: &mut Ctx,
    result_type: Option<&(String, String)>,
    params: &[Param],
) -> (String, String) {
    let Some((ty, from)) = result_type else {
        cx.plain_imports.insert("types".to_owned());
        let mut fields: Vec<String> = params.iter().map(|p| format!("{0}={0}", p.name)).collect();
        fields.push("available=available".to_owned());
        return (
            "Any".to_owned(),
            format!("types.SimpleNamespace({})", fields.join(", ")),
        );
    };
    let ty = strip_optional(ty);
    match ty.as_str() {
        "bool" => return ("bool".to_owned(), "available".to_owned()),
        "None" => return ("None".to_owned(), "None".to_owned()),
        _ => {}
    }
    let Some(c) = cx.class(&ty, from) else {
        cx.plain_imports.insert("types".to_owned());
        let mut fields: Vec<String> = params.iter().map(|p| format!("{0}={0}", p.name)).collect();
        fields.push("available=available".to_owned());
        return (
            "Any".to_owned(),
            format!("types.SimpleNamespace({})", fields.join(", ")),
        );
    };
    cx.import(&c.module, &c.name);
    let key = params.first().map(|p| p.name.as_str()).unwrap_or("key");
    let numeric_param = params.iter().skip(1).find(|p| {
        p.type_text.as_deref().is_some_and(|t| t.contains("int")) || is_numeric_name(&p.name)
    });
    let mut args = Vec::new();
    let mut used_numeric = false;
    for (name, fty) in &c.fields {
        let fty = fty.as_deref().map(strip_optional).unwrap_or_default();
        let v = if let Some(p) = params.iter().find(|p| p.name == *name) {
            p.name.clone()
        } else if fty == "bool" {
            "available".to_owned()
        } else if fty == "str" {
            key.to_owned()
        } else if fty == "int" || fty == "float" {
            let lower = name.to_ascii_lowercase();
            match numeric_param {
                Some(p)
                    if !used_numeric
                        && (lower.contains("request")
                            || is_numeric_name(name) && !lower.contains("stock")) =>
                {
                    used_numeric = true;
                    p.name.clone()
                }
                _ => "1000 if available else 0".to_owned(),
            }
        } else {
            "None".to_owned()
        };
        args.push(format!("{name}={v}"));
    }
    (c.name.clone(), format!("{}({})", c.name, args.join(", ")))
}

enum Install {
    /// `monkeypatch.setattr(module, "receiver", fake)`.
    Module(String, String),
    /// Patch the methods on the client class.
    Class(String),
    /// Patch the functions where the entry module binds them.
    Functions(String),
}

struct Writer<'a> {
    s: &'a Subject,
    fw: &'a Framework,
    style: CallStyle,
    batch_limit: usize,
    fake_class: String,
    single: String,
    single_params: Vec<Param>,
    single_async: bool,
    batch: Option<crate::guidance::testgen::BatchMethod>,
    key_param: String,
    result_ann: String,
    result_expr: String,
    install: Install,
    elem_ann: String,
    elem_expr: String,
    call: String,
    key_item: String,
    out_of_stock: Option<String>,
    timeout_expr: String,
    handles_timeout: bool,
}

impl Writer<'_> {
    fn entry(&self) -> &str {
        &self.s.entry.name
    }

    fn docstring(&self, path: &str) -> String {
        let s = self.s;
        let target = match &s.client {
            Some(c) => format!("`{}.{}`", c.class, c.method),
            None => format!("`{}`", self.single),
        };
        let timeout = s
            .timeout
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        let batch = match &self.batch {
            Some(b) => format!(
                "`{}` checks up to {} items per call, so N items need at most\nceil(N / {}) remote calls.",
                qualified(b),
                self.batch_limit,
                self.batch_limit
            ),
            None => format!(
                "No batch API was found; with one that takes up to {} items, N items need at most\nceil(N / {}) remote calls.",
                self.batch_limit, self.batch_limit
            ),
        };
        let run = match self.fw.runner {
            Runner::Pytest => format!("python3 -m pytest -q {path}"),
            Runner::Unittest => format!(
                "python3 -m unittest {}",
                path.strip_suffix(".py").unwrap_or(path).replace('/', ".")
            ),
        };
        format!(
            "\"\"\"Regression test for the N+1 in `{entry}` ({path_}:{line}).\n\n\
             Generated by debuglens. `{entry}` calls `{callee}` once per item of\n\
             `{iter}`, and each call reaches {target} over the network{timeout}.\n\
             {batch} The size test fails while the loop makes one call per item\n\
             and passes once the calls are batched; the error-scenario tests pin the behaviour\n\
             the fix must keep (partial availability, a remote timeout, more items than the\n\
             batch limit).\n\n\
             Run: {run}\n\"\"\"",
            entry = self.entry(),
            path_ = s.path,
            line = s.line,
            callee = s.callee,
            iter = s.loop_iterable.as_deref().unwrap_or("the collection"),
        )
    }

    fn def_kw(&self) -> &'static str {
        if self.style == CallStyle::Await {
            "async def"
        } else {
            "def"
        }
    }

    fn method_def(&self, is_async: bool) -> &'static str {
        if is_async { "async def" } else { "def" }
    }

    fn body(&self) -> String {
        let mut t = String::new();
        let fake = &self.fake_class;
        let _ = writeln!(t, "\nBATCH_LIMIT = {}", self.batch_limit);
        let sizes: Vec<String> = SIZES.iter().map(|n| n.to_string()).collect();
        let _ = writeln!(t, "SIZES = [{}]", sizes.join(", "));
        if self.fw.runner == Runner::Pytest {
            match self.fw.plugin {
                Plugin::AsyncioStrict if self.style == CallStyle::Await => {
                    let _ = writeln!(t, "\npytestmark = pytest.mark.asyncio");
                }
                Plugin::Anyio if self.style == CallStyle::Await => {
                    let _ = writeln!(
                        t,
                        "\npytestmark = pytest.mark.anyio\n\n\n@pytest.fixture\ndef anyio_backend() -> str:\n    return \"asyncio\""
                    );
                }
                _ => {}
            }
        }

        // The counting fake.
        let _ = writeln!(
            t,
            "\n\ndef _row_args(row: Any) -> tuple[Any, ...]:\n    \
             \"\"\"One batch row as the single call's arguments: tuples, dicts or bare keys.\"\"\"\n    \
             if isinstance(row, (tuple, list)):\n        return tuple(row)\n    \
             if isinstance(row, dict):\n        return tuple(row.values())\n    \
             return (row,)"
        );
        let replaced = match &self.install {
            Install::Module(m, r) => format!("`{m}.{r}`"),
            Install::Class(c) => format!("`{c}`'s remote methods"),
            Install::Functions(m) => format!("`{m}.{}`", self.single),
        };
        let _ = writeln!(
            t,
            "\n\nclass {fake}:\n    \
             \"\"\"Stands in for {replaced}: counts remote calls, never touches the network.\"\"\"\n\n    \
             def __init__(\n        self,\n        *,\n        unavailable: frozenset[Any] = frozenset(),\n        \
             fail_with: BaseException | None = None,\n    ) -> None:\n        \
             self.unavailable = unavailable\n        \
             self.fail_with = fail_with\n        \
             self.single_calls = 0\n        \
             self.batch_sizes: list[int] = []\n        \
             self.checked: list[Any] = []\n\n    \
             @property\n    def remote_calls(self) -> int:\n        \
             return self.single_calls + len(self.batch_sizes)\n"
        );
        let key = &self.key_param;
        let rest_params: Vec<String> = self
            .single_params
            .iter()
            .skip(1)
            .filter(|p| !p.name.starts_with('*'))
            .map(|p| {
                let d = if p.type_text.as_deref().is_some_and(|t| t.contains("int"))
                    || is_numeric_name(&p.name)
                {
                    "1"
                } else {
                    "None"
                };
                format!(
                    ", {}: {} = {d}",
                    p.name,
                    fake_annotation(p.type_text.as_deref())
                )
            })
            .collect();
        let _ = writeln!(
            t,
            "    def _result(self, {key}: {}{}) -> {}:\n        \
             self.checked.append({key})\n        \
             available = {key} not in self.unavailable\n        \
             return {}\n",
            fake_annotation(
                self.single_params
                    .first()
                    .and_then(|p| p.type_text.as_deref())
            ),
            rest_params.concat(),
            self.result_ann,
            self.result_expr
        );
        let single_sig = if self.single_params.is_empty() {
            "*args: Any, **kwargs: Any".to_owned()
        } else {
            self.single_params
                .iter()
                .filter(|p| !p.name.starts_with('*'))
                .map(|p| format!("{}: {}", p.name, fake_annotation(p.type_text.as_deref())))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let single_args = if self.single_params.is_empty() {
            "*args".to_owned()
        } else {
            self.single_params
                .iter()
                .filter(|p| !p.name.starts_with('*'))
                .map(|p| p.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let self_param = if matches!(self.install, Install::Module(..) | Install::Functions(_)) {
            ""
        } else {
            // Patched onto the class: the client instance arrives as the first argument.
            "_client: Any, "
        };
        let _ = writeln!(
            t,
            "    {} {}(self, {self_param}{single_sig}) -> {}:\n        \
             self.single_calls += 1\n        \
             if self.fail_with is not None:\n            raise self.fail_with\n        \
             return self._result({single_args})",
            self.method_def(self.single_async),
            self.single,
            self.result_ann,
        );
        if let Some(b) = &self.batch {
            let rows = b
                .params
                .first()
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "rows".to_owned());
            let _ = writeln!(
                t,
                "\n    {} {}(self, {self_param}{rows}: Any) -> {}:\n        \
                 batch = list({rows})\n        \
                 self.batch_sizes.append(len(batch))\n        \
                 if len(batch) > BATCH_LIMIT:\n            \
                 # The real service rejects oversized batches.\n            \
                 raise ValueError(f\"{} accepts at most {{BATCH_LIMIT}} items, got {{len(batch)}}\")\n        \
                 if self.fail_with is not None:\n            raise self.fail_with\n        \
                 return {}",
                self.method_def(b.is_async),
                b.method,
                batch_annotation(b.return_type.as_deref(), &self.result_ann),
                b.method,
                batch_return(b.return_type.as_deref()),
            );
        }

        // Installing it.
        let _ = writeln!(t, "{}", self.install_fn());

        // Inputs.
        let _ = writeln!(
            t,
            "\n\ndef make_items(n: int) -> list[{}]:\n    \
             \"\"\"n distinct elements of `{}`.\"\"\"\n    \
             return [{} for i in range(n)]",
            self.elem_ann,
            self.s.loop_iterable.as_deref().unwrap_or("the collection"),
            self.elem_expr
        );
        let (kw, ret) = match self.style {
            CallStyle::Await => ("async def", format!("await {}", self.call)),
            CallStyle::Run => ("def", format!("asyncio.run({})", self.call)),
            CallStyle::Sync => ("def", self.call.clone()),
        };
        let _ = writeln!(
            t,
            "\n\n{kw} run_{entry}(items: list[{}]) -> Any:\n    return {ret}",
            self.elem_ann,
            entry = self.entry()
        );

        match self.fw.runner {
            Runner::Pytest => self.pytest_tests(&mut t),
            Runner::Unittest => self.unittest_tests(&mut t),
        }
        t
    }

    fn install_fn(&self) -> String {
        let fake = &self.fake_class;
        let mut lines = Vec::new();
        let (patch, arg) = match self.fw.runner {
            Runner::Pytest => ("monkeypatch.setattr", "monkeypatch: pytest.MonkeyPatch, "),
            Runner::Unittest => ("_patch", ""),
        };
        match &self.install {
            Install::Module(m, r) => lines.push(format!("{patch}({m}, \"{r}\", fake)")),
            Install::Class(c) => {
                lines.push(format!("{patch}({c}, \"{0}\", fake.{0})", self.single));
                if let Some(b) = &self.batch {
                    lines.push(format!("{patch}({c}, \"{0}\", fake.{0})", b.method));
                }
            }
            Install::Functions(m) => {
                lines.push(format!("{patch}({m}, \"{0}\", fake.{0})", self.single));
                if let Some(b) = &self.batch {
                    lines.push(format!(
                        "# Rebinds the batch function where the module under test will look it up.\n    \
                         {}({m}, \"{1}\", fake.{1}{2})",
                        patch,
                        b.method,
                        if self.fw.runner == Runner::Pytest { ", raising=False" } else { "" }
                    ));
                }
            }
        }
        let helper = if self.fw.runner == Runner::Unittest {
            "    def _patch(target: Any, name: str, value: Any) -> None:\n        \
             patcher = mock.patch.object(target, name, value, create=True)\n        \
             patcher.start()\n        \
             case.addCleanup(patcher.stop)\n\n"
        } else {
            ""
        };
        let case = if self.fw.runner == Runner::Unittest {
            "case: unittest.TestCase, "
        } else {
            ""
        };
        let mut out = format!(
            "\n\ndef install({arg}{case}fake: {fake}) -> {fake}:\n{helper}    {}\n    return fake",
            lines.join("\n    ")
        );
        if self.fw.runner == Runner::Pytest {
            let _ = write!(
                out,
                "\n\n\n@pytest.fixture\ndef fake_client(monkeypatch: pytest.MonkeyPatch) -> {fake}:\n    \
                 return install(monkeypatch, {fake}())"
            );
        }
        out
    }

    fn key_set(&self) -> String {
        format!("{{{} for item in items}}", self.key_item)
    }

    fn count_message(&self, calls: &str, n: &str) -> String {
        let batch = self
            .batch
            .as_ref()
            .map(|b| format!("{{len({calls}.batch_sizes)}} x {}", b.method))
            .unwrap_or_else(|| "no batch API".to_owned());
        format!(
            "(\n        f\"{{{n}}} items made {{{calls}.remote_calls}} remote calls \"\n        \
             f\"({{{calls}.single_calls}} x {}, {batch}); \"\n        \
             f\"expected at most {{expected}} = ceil({{{n}}} / {{BATCH_LIMIT}}). \"\n        \
             \"One call per item is the N+1 flagged at {}:{}.\"\n    )",
            self.single, self.s.path, self.s.line
        )
    }

    fn pytest_tests(&self, t: &mut String) {
        let fake = &self.fake_class;
        let entry = self.entry();
        let def = self.def_kw();
        let aw = if self.style == CallStyle::Await {
            "await "
        } else {
            ""
        };
        let _ = writeln!(
            t,
            "\n\n@pytest.mark.parametrize(\"n\", SIZES)\n\
             {def} test_{entry}_remote_calls_do_not_grow_with_item_count(n: int, fake_client: {fake}) -> None:\n    \
             items = make_items(n)\n\n    \
             {aw}run_{entry}(items)\n\n    \
             expected = math.ceil(n / BATCH_LIMIT)\n    \
             assert set(fake_client.checked) == {keys}, \"every item must still be checked\"\n    \
             assert fake_client.remote_calls <= expected, {msg}",
            keys = self.key_set(),
            msg = self.count_message("fake_client", "n"),
        );
        // Partial availability.
        let _ = writeln!(
            t,
            "\n\n{def} test_{entry}_partial_availability(monkeypatch: pytest.MonkeyPatch) -> None:\n    \
             items = make_items(5)\n    \
             missing = {}\n    \
             {}install(monkeypatch, {fake}(unavailable=frozenset({{missing}})))\n",
            self.key_item.replacen("item", "items[2]", 1),
            if self.out_of_stock.is_some() {
                ""
            } else {
                "fake = "
            },
        );
        match &self.out_of_stock {
            Some(exc) => {
                let _ = writeln!(
                    t,
                    "    with pytest.raises({exc}) as excinfo:\n        {aw}run_{entry}(items)\n\n    \
                     assert str(missing) in str(excinfo.value)"
                );
            }
            None => {
                let _ = writeln!(
                    t,
                    "    {aw}run_{entry}(items)\n\n    \
                     # TODO: assert how {entry} reports the unavailable item.\n    \
                     assert missing in fake.checked"
                );
            }
        }
        // Remote timeout.
        let _ = writeln!(
            t,
            "\n\n{def} test_{entry}_remote_timeout(monkeypatch: pytest.MonkeyPatch) -> None:\n    \
             fake = install(monkeypatch, {fake}(fail_with={}))\n",
            self.timeout_expr
        );
        if self.handles_timeout {
            let _ = writeln!(
                t,
                "    # {entry} handles the timeout itself.\n    {aw}run_{entry}(make_items(5))"
            );
        } else {
            let exc = self
                .timeout_expr
                .split('(')
                .next()
                .unwrap_or("TimeoutError");
            let _ = writeln!(
                t,
                "    # The timeout fails the request (the endpoint answers 500); it is not retried per item.\n    \
                 with pytest.raises({exc}):\n        {aw}run_{entry}(make_items(5))\n"
            );
        }
        let _ = writeln!(
            t,
            "    # One batch call plus at most one sequential fallback; retrying per item hides the N+1.\n    \
             assert fake.remote_calls <= 2, f\"{{fake.remote_calls}} remote calls after a timeout\""
        );
        // More items than the batch limit.
        let _ = writeln!(
            t,
            "\n\n{def} test_{entry}_splits_more_items_than_the_batch_limit(fake_client: {fake}) -> None:\n    \
             n = 2 * BATCH_LIMIT + 20\n    \
             items = make_items(n)\n\n    \
             {aw}run_{entry}(items)\n\n    \
             expected = math.ceil(n / BATCH_LIMIT)\n    \
             assert len(fake_client.checked) == n\n    \
             assert fake_client.remote_calls <= expected, {msg}\n    \
             assert all(size <= BATCH_LIMIT for size in fake_client.batch_sizes), fake_client.batch_sizes",
            msg = self.count_message("fake_client", "n"),
        );
    }

    fn unittest_tests(&self, t: &mut String) {
        let fake = &self.fake_class;
        let entry = self.entry();
        let base = if self.style == CallStyle::Await {
            "unittest.IsolatedAsyncioTestCase"
        } else {
            "unittest.TestCase"
        };
        let def = self.def_kw();
        let aw = if self.style == CallStyle::Await {
            "await "
        } else {
            ""
        };
        let class = format!("{}NPlusOneTest", crate::guidance::testgen::camel(entry));
        let msg = self
            .count_message("fake", "n")
            .replace("\n    ", "\n            ");
        let _ = writeln!(
            t,
            "\n\nclass {class}({base}):\n    \
             {def} test_remote_calls_do_not_grow_with_item_count(self) -> None:\n        \
             for n in SIZES:\n            with self.subTest(n=n):\n                \
             fake = install(self, {fake}())\n                \
             items = make_items(n)\n                \
             {aw}run_{entry}(items)\n                \
             expected = math.ceil(n / BATCH_LIMIT)\n                \
             self.assertEqual(set(fake.checked), {keys})\n                \
             self.assertLessEqual(fake.remote_calls, expected, {msg})\n",
            keys = self.key_set(),
            msg = msg.replace("\n            ", "\n                    "),
        );
        let _ = writeln!(
            t,
            "    {def} test_partial_availability(self) -> None:\n        \
             items = make_items(5)\n        \
             missing = {}\n        \
             fake = install(self, {fake}(unavailable=frozenset({{missing}})))",
            self.key_item.replacen("item", "items[2]", 1),
        );
        match &self.out_of_stock {
            Some(exc) => {
                let _ = writeln!(
                    t,
                    "        with self.assertRaises({exc}) as ctx:\n            {aw}run_{entry}(items)\n        \
                     self.assertIn(str(missing), str(ctx.exception))\n"
                );
            }
            None => {
                let _ = writeln!(
                    t,
                    "        {aw}run_{entry}(items)\n        self.assertIn(missing, fake.checked)\n"
                );
            }
        }
        let exc = self
            .timeout_expr
            .split('(')
            .next()
            .unwrap_or("TimeoutError");
        let _ = writeln!(
            t,
            "    {def} test_remote_timeout(self) -> None:\n        \
             fake = install(self, {fake}(fail_with={}))",
            self.timeout_expr
        );
        if self.handles_timeout {
            let _ = writeln!(t, "        {aw}run_{entry}(make_items(5))");
        } else {
            let _ = writeln!(
                t,
                "        with self.assertRaises({exc}):\n            {aw}run_{entry}(make_items(5))"
            );
        }
        let _ = writeln!(
            t,
            "        self.assertLessEqual(fake.remote_calls, 2)\n\n    \
             {def} test_splits_more_items_than_the_batch_limit(self) -> None:\n        \
             fake = install(self, {fake}())\n        \
             n = 2 * BATCH_LIMIT + 20\n        \
             {aw}run_{entry}(make_items(n))\n        \
             self.assertEqual(len(fake.checked), n)\n        \
             self.assertLessEqual(fake.remote_calls, math.ceil(n / BATCH_LIMIT))\n\n\n\
             if __name__ == \"__main__\":\n    unittest.main()"
        );
    }
}

fn qualified(b: &crate::guidance::testgen::BatchMethod) -> String {
    match &b.class {
        Some(c) => format!("{c}.{}", b.method),
        None => b.method.clone(),
    }
}

fn batch_annotation(ret: Option<&str>, result: &str) -> String {
    let r = ret.map(strip_optional).unwrap_or_default();
    if r == format!("list[{result}]") || r == format!("dict[str, {result}]") {
        r
    } else {
        "Any".to_owned()
    }
}

/// What the fake batch method returns, from its annotation.
fn batch_return(ret: Option<&str>) -> &'static str {
    let r = ret.map(strip_optional).unwrap_or_default();
    if r.starts_with("dict") || r.starts_with("Dict") || r.starts_with("Mapping") {
        "{_row_args(row)[0]: self._result(*_row_args(row)) for row in batch}"
    } else {
        "[self._result(*_row_args(row)) for row in batch]"
    }
}
