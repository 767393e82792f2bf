//! Generates a regression test for one N+1 finding, in the framework the project already uses.
//!
//! The test replaces the remote client with a counting fake, runs the looping function for
//! collection sizes 1, 5, 10, 20, 50 and 100, and asserts that the number of remote calls is
//! at most `ceil(N / batch_limit)`: it fails while the loop makes one call per item and passes
//! once the calls are batched. It also covers partial availability, a remote timeout and more
//! items than the batch limit (the seed's Phase 5 error scenarios).
//!
//! Pure: texts in (through the `files` reader and the workspace listing), a test file out.
//! [`Subject`] holds everything language-independent that the per-language writers draw on.

use crate::code::summary::{CallSite, ClassDef, FileSummary, FunctionDef, Param};
use crate::code::{Finding, Lang, summarize};

/// Collection sizes every generated test runs (the seed's staging sizes).
pub const SIZES: [usize; 6] = [1, 5, 10, 20, 50, 100];

/// Reads a workspace file by its relative path.
pub type Files<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A generated test file, relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedTest {
    /// Where to write it, next to the project's existing tests.
    pub path: String,
    pub text: String,
    /// `pytest + pytest-asyncio`, `jest`, `go test`, ...
    pub framework: String,
    /// Command that runs just this test, from the workspace root.
    pub run: String,
}

/// Generate the regression test for `finding`. `listing` holds the relative paths of all
/// workspace files; `batch_limit` is the batch API's maximum items per call.
pub fn generate(
    finding: &Finding,
    files: Files,
    listing: &[String],
    batch_limit: usize,
) -> Result<GeneratedTest, String> {
    let lang = Lang::from_path(&finding.path)
        .ok_or_else(|| format!("{}: not a language debuglens knows", finding.path))?;
    let subject = Subject::of(finding, lang, files)?;
    let batch_limit = batch_limit.max(1);
    (crate::langs::code_language(lang).generate_test)(&subject, files, listing, batch_limit)
}

/// What the test is about, in language-independent terms.
#[derive(Debug, Clone)]
pub struct Subject {
    pub lang: Lang,
    /// File holding the loop.
    pub path: String,
    pub text: String,
    pub summary: FileSummary,
    /// The named function that contains the loop (the test calls it).
    pub entry: FunctionDef,
    /// Loop header as written (`for item in cart.items`).
    pub loop_header: String,
    pub loop_var: Option<String>,
    pub loop_iterable: Option<String>,
    /// Source text of the innermost loop.
    pub loop_text: String,
    /// 1-based line of the call inside the loop.
    pub line: usize,
    pub callee: String,
    /// The remote client method the loop ends up calling, when it is a method of a class
    /// defined in the workspace.
    pub client: Option<ClientMethod>,
    /// The batch API, when the workspace or catalog has one.
    pub batch: Option<BatchMethod>,
    /// The library API at the end of the chain (`aiohttp.ClientSession.post`).
    pub api: Option<String>,
    /// Client timeout literal (`timeout=5`).
    pub timeout: Option<String>,
    pub in_async: bool,
}

#[derive(Debug, Clone)]
pub struct ClientMethod {
    /// File defining the client class.
    pub path: String,
    pub class: String,
    pub method: String,
    /// Parameters without `self`/receiver.
    pub params: Vec<Param>,
    pub return_type: Option<String>,
    pub is_async: bool,
    /// File and call site that invoke the client method (the hop before it, or the loop).
    pub call_path: String,
    pub call: Option<CallSite>,
    /// The call's receiver when it is a module-level name in `call_path` (`inventory_client`).
    pub module_receiver: Option<String>,
}

#[derive(Debug, Clone)]
pub struct BatchMethod {
    pub path: String,
    /// `InventoryClient` for `InventoryClient.check_batch`.
    pub class: Option<String>,
    pub method: String,
    pub params: Vec<Param>,
    pub return_type: Option<String>,
    pub is_async: bool,
}

/// `Class.method` / `Type::method` → (`Class`, `method`).
pub fn split_qualified(q: &str) -> (Option<&str>, &str) {
    if let Some((c, m)) = q.rsplit_once("::") {
        return (Some(c), m);
    }
    match q.rsplit_once('.') {
        Some((c, m)) => (Some(c), m),
        None => (None, q),
    }
}

fn is_receiver_param(p: &Param) -> bool {
    matches!(
        p.name.as_str(),
        "self" | "&self" | "&mut self" | "mut self" | "cls" | "this"
    )
}

/// Parameters without `self`.
pub fn own_params(f: &FunctionDef) -> Vec<Param> {
    f.params
        .iter()
        .filter(|p| !is_receiver_param(p))
        .cloned()
        .collect()
}

fn find_method<'s>(s: &'s FileSummary, class: &str, method: &str) -> Option<&'s FunctionDef> {
    s.functions
        .iter()
        .find(|f| f.name == method && f.class.as_deref() == Some(class))
}

impl Subject {
    pub fn of(finding: &Finding, lang: Lang, files: Files) -> Result<Subject, String> {
        let text = files(&finding.path).ok_or_else(|| format!("{}: cannot read", finding.path))?;
        let summary = summarize(&finding.path, lang, &text);
        let entry = summary
            .functions
            .iter()
            .filter(|f| !f.anonymous && f.span.contains(&finding.span))
            .min_by_key(|f| f.span.end.byte - f.span.start.byte)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "{}:{}: the loop is not inside a named function; nothing for a test to call",
                    finding.path,
                    finding.line()
                )
            })?;
        let lp = finding.loops.first();
        let loop_text = lp
            .and_then(|l| text.get(l.span.start.byte..l.span.end.byte))
            .unwrap_or("")
            .to_owned();

        let client = client_method(finding, lang, files);
        let batch = finding.batch_alternative.as_ref().and_then(|b| {
            let (class, method) = split_qualified(&b.name);
            let src = files(&b.path)?;
            let s = summarize(&b.path, lang, &src);
            let def = match class {
                Some(c) => find_method(&s, c, method),
                None => s.functions.iter().find(|f| f.name == method),
            };
            Some(match def {
                Some(f) => BatchMethod {
                    path: b.path.clone(),
                    class: f.class.clone(),
                    method: f.name.clone(),
                    params: own_params(f),
                    return_type: f.return_type.clone(),
                    is_async: f.is_async,
                },
                // A library batch API (`Redis.mget`): name only.
                None => BatchMethod {
                    path: b.path.clone(),
                    class: class.map(str::to_owned),
                    method: method.to_owned(),
                    params: Vec::new(),
                    return_type: None,
                    is_async: finding.in_async,
                },
            })
        });
        Ok(Subject {
            lang,
            path: finding.path.clone(),
            summary,
            entry,
            loop_header: lp.map(|l| l.header.clone()).unwrap_or_default(),
            loop_var: lp.and_then(|l| l.var.clone()),
            loop_iterable: lp.and_then(|l| l.iterable.clone()),
            loop_text,
            line: finding.line(),
            callee: finding.callee.clone(),
            client,
            batch,
            api: finding.chain.iter().rev().find_map(|h| h.api.clone()),
            timeout: finding.timeout.clone(),
            in_async: finding.in_async,
            text,
        })
    }

    /// The entry function's parameters without `self`.
    pub fn entry_params(&self) -> Vec<Param> {
        own_params(&self.entry)
    }

    /// The class the entry function belongs to, if it is a method.
    pub fn entry_class(&self) -> Option<&ClassDef> {
        let c = self.entry.class.as_deref()?;
        self.summary.classes.iter().find(|k| k.name == c)
    }

    /// The iterable split into its root name and the attribute path after it
    /// (`cart.items` → (`cart`, [`items`])).
    pub fn iterable_parts(&self) -> Option<(String, Vec<String>)> {
        let it = self.loop_iterable.as_deref()?.trim();
        let it = it.strip_prefix("&").unwrap_or(it).trim();
        let mut parts = it.split('.').map(str::trim);
        let root = parts.next()?.to_owned();
        let rest: Vec<String> = parts.map(str::to_owned).collect();
        let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        if ident(&root) && rest.iter().all(|s| ident(s)) {
            Some((root, rest))
        } else {
            None
        }
    }

    /// Attributes read from the loop variable inside the loop (`item.sku`, `item.quantity`).
    pub fn element_attributes(&self) -> Vec<String> {
        let Some(var) = self.loop_var.as_deref() else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        let pat = format!("{var}.");
        let mut rest = self.loop_text.as_str();
        while let Some(i) = rest.find(&pat) {
            let before_ok = rest[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
            let after = &rest[i + pat.len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if before_ok && !name.is_empty() && !out.contains(&name) {
                out.push(name.clone());
            }
            rest = &rest[i + pat.len()..];
        }
        out
    }

    /// The expression the single call passes as its first argument, relative to one element:
    /// `Some("sku")` when it is `item.sku`, `None` when it is the element itself.
    pub fn key_attribute(&self) -> Option<String> {
        let call = self.client.as_ref()?.call.as_ref()?;
        let first = call.args_text.split(',').next()?.trim();
        let (_, attr) = first.rsplit_once('.')?;
        let attr = attr.trim();
        (!attr.is_empty() && attr.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .then(|| attr.to_owned())
    }

    /// Attributes of one element the remote call needs: those the loop reads plus those the
    /// client call's arguments read (`item.sku, item.quantity` → `sku`, `quantity`).
    pub fn needed_attributes(&self) -> Vec<String> {
        let mut out = self.element_attributes();
        if let Some(call) = self.client.as_ref().and_then(|c| c.call.as_ref()) {
            for arg in call.args_text.split(',') {
                if let Some((_, attr)) = arg.trim().rsplit_once('.') {
                    let attr = attr.trim();
                    let ok =
                        !attr.is_empty() && attr.chars().all(|c| c.is_alphanumeric() || c == '_');
                    if ok && !out.iter().any(|a| a == attr) {
                        out.push(attr.to_owned());
                    }
                }
            }
        }
        out
    }

    /// Exceptions raised inside the loop (`OutOfStockError`), in order.
    pub fn raised_in_loop(&self) -> Vec<String> {
        let mut out = Vec::new();
        for kw in ["raise ", "throw new ", "throw "] {
            let mut rest = self.loop_text.as_str();
            while let Some(i) = rest.find(kw) {
                let after = &rest[i + kw.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                if !name.is_empty()
                    && !out.contains(&name)
                    && name.chars().next().is_some_and(char::is_uppercase)
                {
                    out.push(name);
                }
                rest = after;
            }
        }
        out
    }

    /// 1-based line of the loop header.
    pub fn loop_line(&self) -> usize {
        let off = self.text.find(&self.loop_text).unwrap_or(0);
        self.text
            .get(..off)
            .map(|s| s.bytes().filter(|b| *b == b'\n').count() + 1)
            .unwrap_or(1)
    }
}

/// Find the last chain hop that is a method of a class defined in the workspace, and the call
/// site that reaches it.
fn client_method(finding: &Finding, lang: Lang, files: Files) -> Option<ClientMethod> {
    for (i, hop) in finding.chain.iter().enumerate().rev() {
        let (Some(class), method) = split_qualified(&hop.function) else {
            continue;
        };
        let Some(src) = files(&hop.path) else {
            continue;
        };
        let s = summarize(&hop.path, lang, &src);
        let Some(def) = find_method(&s, class, method) else {
            continue;
        };
        let (call_path, call_span) = match i.checked_sub(1).and_then(|p| finding.chain.get(p)) {
            Some(prev) => (prev.path.clone(), prev.span),
            None => (finding.path.clone(), finding.span),
        };
        let call = files(&call_path).map(|t| {
            let cs = summarize(&call_path, lang, &t);
            let found = cs
                .calls
                .iter()
                .filter(|c| c.span.contains(&call_span) || call_span.contains(&c.span))
                .find(|c| c.method == method)
                .cloned();
            let module_receiver = found.as_ref().and_then(|c| {
                let r = c.receiver.as_deref()?;
                let module_level = cs
                    .assignments
                    .iter()
                    .any(|a| a.func.is_none() && a.class.is_none() && a.target == r)
                    || cs.imports.iter().any(|im| im.local == r);
                module_level.then(|| r.to_owned())
            });
            (found, module_receiver)
        });
        let (call, module_receiver) = call.unwrap_or((None, None));
        return Some(ClientMethod {
            path: hop.path.clone(),
            class: class.to_owned(),
            method: method.to_owned(),
            params: own_params(def),
            return_type: def.return_type.clone(),
            is_async: def.is_async,
            call_path,
            call,
            module_receiver,
        });
    }
    None
}

/// Directory holding most of the files `is_test` accepts, else `fallback`.
pub fn tests_dir(listing: &[String], is_test: impl Fn(&str) -> bool, fallback: &str) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for p in listing.iter().filter(|p| is_test(p)) {
        let dir = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("").to_owned();
        match counts.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, n)) => *n += 1,
            None => counts.push((dir, 1)),
        }
    }
    counts
        .into_iter()
        .max_by_key(|(d, n)| (*n, std::cmp::Reverse(d.len())))
        .map(|(d, _)| d)
        .unwrap_or_else(|| fallback.to_owned())
}

/// `dir/name`, or `name` when `dir` is empty.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// File name without directories and extension.
pub fn stem(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split('.').next().unwrap_or(file)
}

/// `snake_case` of an identifier (`processCheckout` → `process_checkout`).
pub fn snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// `UpperCamel` of an identifier (`process_checkout` → `ProcessCheckout`).
pub fn camel(s: &str) -> String {
    snake(s)
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}
