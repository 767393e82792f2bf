//! Python: pytest (with pytest-asyncio or anyio when the project uses them) or unittest.
//!
//! The fake replaces the module-level client the loop reaches (`monkeypatch.setattr(
//! services.inventory, "inventory_client", fake)`), or patches the client class's methods
//! when the client is reached another way. Test inputs are built from the entry function's
//! parameter annotations and the dataclass-style fields of the classes they name.
//!
//! The test file's text is the template `templates/testgen/test_file.py.j2` (embedded with
//! `include_str!`); this module computes what it receives, `PyTestDoc`, and renders it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

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

impl Runner {
    /// The name `templates/testgen/test_file.py.j2` sees.
    fn key(self) -> &'static str {
        match self {
            Runner::Pytest => "pytest",
            Runner::Unittest => "unittest",
        }
    }
}

impl Plugin {
    /// The name `templates/testgen/test_file.py.j2` sees.
    fn key(self) -> &'static str {
        match self {
            Plugin::AsyncioAuto => "asyncio_auto",
            Plugin::AsyncioStrict => "asyncio_strict",
            Plugin::Anyio => "anyio",
            Plugin::None => "none",
        }
    }
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
    fn new(files: Files<'a>, listing: &'a [String]) -> Self {
        Ctx {
            files,
            listing,
            imports: BTreeMap::new(),
            plain_imports: BTreeSet::new(),
            summaries: BTreeMap::new(),
        }
    }

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

fn timeout_error(api: Option<&str>, is_async: bool) -> (Option<&'static str>, String) {
    let exc =
        crate::code::catalog::timeout_error("python", api, is_async).unwrap_or("TimeoutError");
    let args = if exc == "asyncio.TimeoutError" {
        ""
    } else {
        "\"read timed out\""
    };
    (
        exc.rsplit_once('.').map(|(m, _)| m),
        format!("{exc}({args})"),
    )
}

/// What the test calls: `await f(...)` or `asyncio.run(f(...))` or `f(...)`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallStyle {
    Await,
    Run,
    Sync,
}

impl CallStyle {
    fn of(entry_is_async: bool, fw: &Framework) -> CallStyle {
        match (entry_is_async, fw.runner, fw.plugin) {
            (false, _, _) => CallStyle::Sync,
            (true, Runner::Unittest, _) => CallStyle::Await,
            (true, Runner::Pytest, Plugin::None) => CallStyle::Run,
            (true, Runner::Pytest, _) => CallStyle::Await,
        }
    }

    fn key(self) -> &'static str {
        match self {
            CallStyle::Await => "await",
            CallStyle::Run => "run",
            CallStyle::Sync => "sync",
        }
    }
}

pub fn generate(
    s: &Subject,
    files: Files,
    listing: &[String],
    batch_limit: usize,
) -> Result<GeneratedTest, String> {
    let fw = Framework::detect(files, listing);
    let mut cx = Ctx::new(files, listing);
    let style = CallStyle::of(s.entry.is_async, &fw);
    if style == CallStyle::Run {
        cx.plain_imports.insert("asyncio".to_owned());
    }
    cx.plain_imports.insert("math".to_owned());
    let fake = Fake::of(&mut cx, s, listing);
    let (result_ann, result_expr) = result_value(&mut cx, fake.result_type.as_ref(), &fake.params);
    let (elem_ann, elem_expr) = element(&mut cx, s);
    let call = entry_call(&mut cx, s, listing);
    let out_of_stock = out_of_stock(&mut cx, s);
    let (timeout_import, timeout_expr) = timeout_error(s.api.as_deref(), fake.is_async);
    if let Some(m) = timeout_import {
        cx.plain_imports.insert(m.to_owned());
    }
    let (path, run) = test_path_and_run(s, listing, fw.runner);
    let key_item = match s.key_attribute() {
        Some(a) => format!("item.{a}"),
        None => "item".to_owned(),
    };
    let doc = PyTestDoc {
        runner: fw.runner.key(),
        plugin: fw.plugin.key(),
        style: style.key(),
        entry: s.entry.name.clone(),
        path: s.path.clone(),
        line: s.line,
        callee: s.callee.clone(),
        iterable: s.loop_iterable.clone(),
        client_method: s
            .client
            .as_ref()
            .map(|c| format!("{}.{}", c.class, c.method)),
        timeout: s.timeout.clone(),
        batch_limit,
        run: run.clone(),
        sizes: SIZES.to_vec(),
        batch: batch_of(s).map(|b| BatchDoc::of(b, &result_ann)),
        fake: FakeDoc::of(fake),
        result_ann,
        result_expr,
        elem_ann,
        elem_expr,
        call,
        key_set: format!("{{{key_item} for item in items}}"),
        missing_key: key_item.replacen("item", "items[2]", 1),
        out_of_stock,
        timeout_exc: timeout_expr
            .split('(')
            .next()
            .unwrap_or("TimeoutError")
            .to_owned(),
        timeout_expr,
        handles_timeout: handles_timeout(s),
        test_class: format!(
            "{}NPlusOneTest",
            crate::guidance::testgen::camel(&s.entry.name)
        ),
        imports: ImportsDoc::of(&cx, listing),
    };
    let text = crate::guidance::templates::render(
        "python/testgen/test_file.py.j2",
        include_str!("templates/testgen/test_file.py.j2"),
        doc,
    )?;
    Ok(GeneratedTest {
        path,
        text,
        framework: fw.label(),
        run,
    })
}

/// The batch method the fake implements: the client class's own, or any for a faked function.
fn batch_of(s: &Subject) -> Option<&crate::guidance::testgen::BatchMethod> {
    s.batch.as_ref().filter(|b| match (&s.client, &b.class) {
        (Some(c), Some(bc)) => *bc == c.class,
        (None, _) => true,
        _ => false,
    })
}

/// The counting fake: its class, the single method it counts, how it is installed.
struct Fake {
    class: String,
    single: String,
    params: Vec<Param>,
    is_async: bool,
    /// The single method's return annotation and the file it is written in.
    result_type: Option<(String, String)>,
    install: InstallDoc,
}

impl Fake {
    fn of(cx: &mut Ctx, s: &Subject, listing: &[String]) -> Fake {
        match &s.client {
            Some(c) => {
                let install = match &c.module_receiver {
                    Some(r) => {
                        let m = module_of(&c.call_path, listing);
                        cx.plain_imports.insert(m.clone());
                        InstallDoc {
                            kind: "module",
                            target: m,
                            receiver: r.clone(),
                        }
                    }
                    None => {
                        let m = module_of(&c.path, listing);
                        cx.import(&m, &c.class);
                        InstallDoc {
                            kind: "class",
                            target: c.class.clone(),
                            receiver: String::new(),
                        }
                    }
                };
                Fake {
                    class: format!("Counting{}", c.class),
                    single: c.method.clone(),
                    params: c.params.clone(),
                    is_async: c.is_async,
                    result_type: c.return_type.clone().map(|r| (r, c.path.clone())),
                    install,
                }
            }
            None => {
                // No client class: fake the function the loop calls, where the loop's module
                // binds it.
                let callee = s.callee.rsplit('.').next().unwrap_or(&s.callee).to_owned();
                let entry_module = module_of(&s.path, listing);
                cx.plain_imports.insert(entry_module.clone());
                Fake {
                    class: format!("Counting{}", crate::guidance::testgen::camel(&callee)),
                    single: callee,
                    params: Vec::new(),
                    is_async: s.in_async,
                    result_type: None,
                    install: InstallDoc {
                        kind: "functions",
                        target: entry_module,
                        receiver: String::new(),
                    },
                }
            }
        }
    }
}

/// The element type of the loop's collection, with the file its name is visible from.
fn element_type_of(cx: &mut Ctx, s: &Subject) -> Option<(String, String)> {
    let params = s.entry_params();
    let parts = s.iterable_parts();
    let root_param = parts
        .as_ref()
        .and_then(|(root, _)| params.iter().find(|p| p.name == *root));
    match (root_param, parts.as_ref()) {
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
    }
}

/// One element of the loop's collection: its annotation and the expression `make_items`
/// builds it with (distinct per `i`).
fn element(cx: &mut Ctx, s: &Subject) -> (String, String) {
    let elem_ty = element_type_of(cx, s);
    let var = s.loop_var.clone().unwrap_or_else(|| "item".to_owned());
    let elem_class = elem_ty.as_ref().and_then(|(t, from)| cx.class(t, from));
    match (&elem_class, elem_ty.as_ref()) {
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
    }
}

/// The call of the entry function with `items` in place of the loop's collection.
fn entry_call(cx: &mut Ctx, s: &Subject, listing: &[String]) -> String {
    let entry = &s.entry;
    let entry_module = module_of(&s.path, listing);
    let params = s.entry_params();
    let parts = s.iterable_parts();
    let root_param = parts
        .as_ref()
        .and_then(|(root, _)| params.iter().find(|p| p.name == *root));
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
    format!("{callee_expr}({})", args.join(", "))
}

/// The exception the loop raises for an unavailable item, imported where the test can see it.
fn out_of_stock(cx: &mut Ctx, s: &Subject) -> Option<String> {
    let raised = s.raised_in_loop();
    raised.first().and_then(|name| {
        let root = name.split('.').next().unwrap_or(name);
        let (module, _) = cx.locate(root, &s.path, 0)?;
        if root == name {
            cx.import(&module, root);
        } else {
            cx.plain_imports.insert(module);
        }
        Some(name.clone())
    })
}

/// The entry function catches a timeout itself.
fn handles_timeout(s: &Subject) -> bool {
    let entry = &s.entry;
    s.text
        .get(entry.span.start.byte..entry.span.end.byte)
        .unwrap_or("")
        .lines()
        .any(|l| l.trim_start().starts_with("except") && l.contains("Timeout"))
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

/// How the fake is installed, in `templates/testgen/test_file.py.j2`.
#[derive(Serialize)]
struct InstallDoc {
    /// `module`: replace `target.receiver` (a module-level client) with the fake;
    /// `class`: patch the methods on the client class `target`;
    /// `functions`: patch the functions where the entry module `target` binds them.
    kind: &'static str,
    target: String,
    receiver: String,
}

/// The batch method the fake implements, in `templates/testgen/test_file.py.j2`.
#[derive(Serialize)]
struct BatchDoc {
    /// `InventoryClient.check_batch`.
    qualified: String,
    method: String,
    is_async: bool,
    /// Its first parameter's name (`rows`).
    rows: String,
    /// The fake's return annotation and the expression it returns.
    annotation: String,
    returns: &'static str,
}

impl BatchDoc {
    fn of(b: &crate::guidance::testgen::BatchMethod, result_ann: &str) -> BatchDoc {
        BatchDoc {
            qualified: qualified(b),
            method: b.method.clone(),
            is_async: b.is_async,
            rows: b
                .params
                .first()
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "rows".to_owned()),
            annotation: batch_annotation(b.return_type.as_deref(), result_ann),
            returns: batch_return(b.return_type.as_deref()),
        }
    }
}

/// One `from module import names` line.
#[derive(Serialize)]
struct FromImport {
    module: String,
    names: Vec<String>,
}

/// A parameter of the fake's `_result` after the key: `name: annotation = default`.
#[derive(Serialize)]
struct ParamDoc {
    name: String,
    annotation: String,
    default: &'static str,
}

/// What `templates/testgen/test_file.py.j2` receives. Python fragments (`call`, `elem_expr`,
/// `result_expr`, signatures) are computed here; the template holds the file's text.
#[derive(Serialize)]
struct PyTestDoc {
    /// `pytest` or `unittest`.
    runner: &'static str,
    /// `asyncio_auto`, `asyncio_strict`, `anyio` or `none`.
    plugin: &'static str,
    /// How the test calls the entry function: `await`, `run` (`asyncio.run`) or `sync`.
    style: &'static str,
    /// The entry function, the file and line of the flagged call, the callee.
    entry: String,
    path: String,
    line: usize,
    callee: String,
    /// The loop's collection as written.
    iterable: Option<String>,
    /// `Class.method` of the remote client the loop reaches, if it is a workspace class.
    client_method: Option<String>,
    /// The client timeout literal.
    timeout: Option<String>,
    batch_limit: usize,
    /// The command that runs this test.
    run: String,
    sizes: Vec<usize>,
    batch: Option<BatchDoc>,
    #[serde(flatten)]
    fake: FakeDoc,
    /// The fake result's annotation and expression.
    result_ann: String,
    result_expr: String,
    /// One element's annotation and the expression building the `i`-th.
    elem_ann: String,
    elem_expr: String,
    /// The entry call with `items`.
    call: String,
    /// `{item.sku for item in items}` and the key of `items[2]`.
    key_set: String,
    missing_key: String,
    /// The exception the loop raises for an unavailable item.
    out_of_stock: Option<String>,
    /// The timeout the fake raises, and its exception class.
    timeout_expr: String,
    timeout_exc: String,
    handles_timeout: bool,
    /// The unittest class.
    test_class: String,
    #[serde(flatten)]
    imports: ImportsDoc,
}

/// The counting fake in `templates/testgen/test_file.py.j2` (flattened into [`PyTestDoc`]).
#[derive(Serialize)]
struct FakeDoc {
    /// The fake's class name and the single method it counts.
    fake: String,
    single: String,
    single_async: bool,
    /// The single method's first parameter (the key `_result` records) and its annotation.
    key: String,
    key_annotation: String,
    rest_params: Vec<ParamDoc>,
    /// The single method's parameters and the arguments it passes on to `_result`.
    single_sig: String,
    single_args: String,
    /// `_client: Any, ` when the fake's methods are patched onto the client class.
    self_param: &'static str,
    install: InstallDoc,
}

impl FakeDoc {
    fn of(fake: Fake) -> FakeDoc {
        FakeDoc {
            fake: fake.class.clone(),
            single: fake.single.clone(),
            single_async: fake.is_async,
            key: fake
                .params
                .first()
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "key".to_owned()),
            key_annotation: fake_annotation(
                fake.params.first().and_then(|p| p.type_text.as_deref()),
            ),
            rest_params: rest_params(&fake.params),
            single_sig: single_sig(&fake.params),
            single_args: single_args(&fake.params),
            self_param: match fake.install {
                InstallDoc { kind: "class", .. } => "_client: Any, ",
                _ => "",
            },
            install: fake.install,
        }
    }
}

/// The import lines of `templates/testgen/test_file.py.j2` (flattened into [`PyTestDoc`]).
#[derive(Serialize)]
struct ImportsDoc {
    /// `import m` lines: standard library and third-party, then workspace modules.
    stdlib_imports: Vec<String>,
    workspace_imports: Vec<String>,
    from_imports: Vec<FromImport>,
}

impl ImportsDoc {
    fn of(cx: &Ctx, listing: &[String]) -> ImportsDoc {
        ImportsDoc {
            stdlib_imports: cx
                .plain_imports
                .iter()
                .filter(|m| !cx.imports.contains_key(*m) && !is_workspace_module(m, listing))
                .cloned()
                .collect(),
            workspace_imports: cx
                .plain_imports
                .iter()
                .filter(|m| is_workspace_module(m, listing))
                .cloned()
                .collect(),
            from_imports: cx
                .imports
                .iter()
                .map(|(module, names)| FromImport {
                    module: module.clone(),
                    names: names.iter().cloned().collect(),
                })
                .collect(),
        }
    }
}

/// Where the test goes (next to the project's tests) and the command that runs it.
fn test_path_and_run(s: &Subject, listing: &[String], runner: Runner) -> (String, String) {
    let dir = tests_dir(listing, is_test_file, "tests");
    let path = join(
        &dir,
        &format!("test_{}_n_plus_one.py", snake(stem(&s.path))),
    );
    let run = match runner {
        Runner::Pytest => format!("python3 -m pytest -q {path}"),
        Runner::Unittest => format!(
            "python3 -m unittest {}",
            path.strip_suffix(".py").unwrap_or(&path).replace('/', ".")
        ),
    };
    (path, run)
}

/// The parameters of `_result` after the key.
fn rest_params(params: &[Param]) -> Vec<ParamDoc> {
    params
        .iter()
        .skip(1)
        .filter(|p| !p.name.starts_with('*'))
        .map(|p| ParamDoc {
            name: p.name.clone(),
            annotation: fake_annotation(p.type_text.as_deref()),
            default: if p.type_text.as_deref().is_some_and(|t| t.contains("int"))
                || is_numeric_name(&p.name)
            {
                "1"
            } else {
                "None"
            },
        })
        .collect()
}

/// The fake single method's parameters.
fn single_sig(params: &[Param]) -> String {
    if params.is_empty() {
        return "*args: Any, **kwargs: Any".to_owned();
    }
    params
        .iter()
        .filter(|p| !p.name.starts_with('*'))
        .map(|p| format!("{}: {}", p.name, fake_annotation(p.type_text.as_deref())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The arguments the fake single method passes to `_result`.
fn single_args(params: &[Param]) -> String {
    if params.is_empty() {
        return "*args".to_owned();
    }
    params
        .iter()
        .filter(|p| !p.name.starts_with('*'))
        .map(|p| p.name.clone())
        .collect::<Vec<_>>()
        .join(", ")
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
