//! Settings: what they are, their defaults, and how layers of them combine.
//!
//! Settings arrive from three places: a `debuglens.toml` at a workspace root, the client's
//! `initializationOptions`, and the client's `workspace/configuration` section `debuglens`.
//! Each layer is validated key by key. An unknown key is reported once and ignored; an invalid
//! value is reported with the type that was expected, and the value that layer had before stays
//! in force. Nothing here can fail the server.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// Vendored and generated code, left out of the workspace walk unless `defaultExcludes` is
/// false: dependency and build folders at any depth, minified bundles, type declarations and
/// protobuf stubs. The user's `exclude` globs add to these (as ripgrep's globs add to
/// `.gitignore`, and VS Code's `search.exclude` entries to its defaults).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    "node_modules",
    "vendor",
    "dist",
    "build",
    ".venv",
    "venv",
    "target",
    "*.min.js",
    "*.d.ts",
    "*_pb2.py",
    "*.pb.go",
];

fn default_excludes() -> Vec<String> {
    DEFAULT_EXCLUDES.iter().map(|g| g.to_string()).collect()
}

/// Effective settings, after every layer has been applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub debounce_ms: u64,
    pub max_file_bytes: u64,
    pub path_mappings: Vec<PathMapping>,
    /// Globs left out of the workspace walk: `DEFAULT_EXCLUDES` (unless `defaultExcludes` is
    /// false) followed by the user's `exclude`.
    pub exclude: Vec<String>,
    /// Whether `DEFAULT_EXCLUDES` (vendored and generated code) are left out.
    pub default_excludes: bool,
    pub disabled_rules: Vec<String>,
    pub report_sequential_by_design: bool,
    pub remote_calls: Vec<RemoteCallSpec>,
    pub batch_limit: u32,
    pub assumed_call_latency_ms: u32,
    pub plans_folder: String,
    pub llm: LlmSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PathMapping {
    pub from: String,
    pub to: String,
}

/// A user extension of the remote-call catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RemoteCallSpec {
    pub language: String,
    pub pattern: String,
    #[serde(default = "default_kind")]
    pub kind: String,
}

fn default_kind() -> String {
    "http".to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LlmSettings {
    /// OpenAI-compatible base URL. `None` means nothing ever leaves the machine.
    pub endpoint: Option<String>,
    pub model: String,
    pub api_key_env: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            debounce_ms: 200,
            max_file_bytes: 2_000_000,
            path_mappings: Vec::new(),
            exclude: default_excludes(),
            default_excludes: true,
            disabled_rules: Vec::new(),
            report_sequential_by_design: true,
            remote_calls: Vec::new(),
            batch_limit: 50,
            assumed_call_latency_ms: 200,
            plans_folder: "debugging".to_string(),
            llm: LlmSettings {
                endpoint: None,
                model: "gpt-4o-mini".to_string(),
                api_key_env: "OPENAI_API_KEY".to_string(),
            },
        }
    }
}

/// One setting: its dotted key, what it accepts, and how it is written into `Settings`.
struct Key {
    name: &'static str,
    expected: &'static str,
    default: &'static str,
    doc: &'static str,
    apply: fn(&mut Settings, &Value) -> bool,
}

macro_rules! key {
    ($name:literal, $expected:literal, $default:literal, $doc:literal, |$s:ident, $v:ident| $body:expr) => {
        Key {
            name: $name,
            expected: $expected,
            default: $default,
            doc: $doc,
            apply: |$s: &mut Settings, $v: &Value| -> bool { $body },
        }
    };
}

fn set<T>(slot: &mut T, value: Option<T>) -> bool {
    match value {
        Some(v) => {
            *slot = v;
            true
        }
        None => false,
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn globs(v: &Value) -> Option<Vec<String>> {
    let list = strings(v)?;
    list.iter()
        .all(|g| globset::Glob::new(g).is_ok())
        .then_some(list)
}

const KEYS: &[Key] = &[
    key!(
        "debounceMs",
        "an integer from 0 to 10000",
        "200",
        "Milliseconds to wait after the last edit before analysing.",
        |s, v| set(&mut s.debounce_ms, v.as_u64().filter(|n| *n <= 10_000))
    ),
    key!(
        "maxFileBytes",
        "a positive integer",
        "2000000",
        "Workspace files larger than this are not indexed.",
        |s, v| set(&mut s.max_file_bytes, v.as_u64().filter(|n| *n > 0))
    ),
    key!(
        "pathMappings",
        "an array of { from, to } tables of strings",
        "[]",
        "Rewrite trace paths: `{ from = \"/app\", to = \"services/checkout\" }` (`to` relative to the workspace folder).",
        |s, v| set(&mut s.path_mappings, serde_json::from_value(v.clone()).ok())
    ),
    key!(
        "exclude",
        "an array of glob strings",
        "[]",
        "Globs of workspace files to leave out of indexing and checks, besides the default excludes.",
        |s, v| set(
            &mut s.exclude,
            globs(v).map(|g| default_excludes().into_iter().chain(g).collect())
        )
    ),
    key!(
        "defaultExcludes",
        "a boolean",
        "true",
        "Leave vendored and generated code out of indexing and checks: `node_modules`, `vendor`, `dist`, `build`, `.venv`, `venv`, `target`, `*.min.js`, `*.d.ts`, `*_pb2.py`, `*.pb.go`.",
        |s, v| set(&mut s.default_excludes, v.as_bool())
    ),
    key!(
        "disabledRules",
        "an array of strings",
        "[]",
        "Rules to turn off: `loop-remote-call`, `stack-trace`.",
        |s, v| set(&mut s.disabled_rules, strings(v))
    ),
    key!(
        "reportSequentialByDesign",
        "a boolean",
        "true",
        "Report loops that look sequential by design (pagination, retries, polling) as hints.",
        |s, v| set(&mut s.report_sequential_by_design, v.as_bool())
    ),
    key!(
        "remoteCalls",
        "an array of { language, pattern, kind } tables",
        "[]",
        "Extra remote APIs for the catalog, e.g. `{ language = \"python\", pattern = \"billing.charge\", kind = \"http\" }`.",
        |s, v| set(&mut s.remote_calls, serde_json::from_value(v.clone()).ok())
    ),
    key!(
        "batchLimit",
        "an integer from 1 to 100000",
        "50",
        "Largest chunk the batched rewrite sends to a batch API.",
        |s, v| set(
            &mut s.batch_limit,
            v.as_u64()
                .filter(|n| (1..=100_000).contains(n))
                .map(|n| n as u32)
        )
    ),
    key!(
        "assumedCallLatencyMs",
        "an integer from 0 to 600000",
        "200",
        "Latency assumed for one remote call when explaining an N+1.",
        |s, v| set(
            &mut s.assumed_call_latency_ms,
            v.as_u64().filter(|n| *n <= 600_000).map(|n| n as u32)
        )
    ),
    key!(
        "plansFolder",
        "a string",
        "\"debugging\"",
        "Folder (relative to the workspace) for investigation plans and incident reports.",
        |s, v| set(&mut s.plans_folder, v.as_str().map(str::to_string))
    ),
    key!(
        "llm.endpoint",
        "a URL string or null",
        "null",
        "OpenAI-compatible endpoint for optional AI explanations. Off (null) by default.",
        |s, v| if v.is_null() {
            s.llm.endpoint = None;
            true
        } else {
            set(&mut s.llm.endpoint, v.as_str().map(|u| Some(u.to_string())))
        }
    ),
    key!(
        "llm.model",
        "a string",
        "\"gpt-4o-mini\"",
        "Model name sent to the endpoint.",
        |s, v| set(&mut s.llm.model, v.as_str().map(str::to_string))
    ),
    key!(
        "llm.apiKeyEnv",
        "a string",
        "\"OPENAI_API_KEY\"",
        "Environment variable holding the API key.",
        |s, v| set(&mut s.llm.api_key_env, v.as_str().map(str::to_string))
    ),
];

/// `(key, expected, default, doc)` for every setting, for documentation and clients.
pub fn reference() -> impl Iterator<Item = (&'static str, &'static str, &'static str, &'static str)>
{
    KEYS.iter().map(|k| (k.name, k.expected, k.default, k.doc))
}

/// Something wrong in a layer of settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    UnknownKey {
        source: String,
        key: String,
    },
    InvalidValue {
        source: String,
        key: String,
        expected: &'static str,
    },
    Unreadable {
        source: String,
        reason: String,
    },
}

impl Problem {
    pub fn is_error(&self) -> bool {
        !matches!(self, Problem::UnknownKey { .. })
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::UnknownKey { source, key } => {
                write!(f, "{source}: unknown setting `{key}` is ignored")
            }
            Problem::InvalidValue {
                source,
                key,
                expected,
            } => write!(
                f,
                "{source}: setting `{key}` must be {expected}; keeping the previous value"
            ),
            Problem::Unreadable { source, reason } => write!(f, "{source}: {reason}"),
        }
    }
}

/// The validated values of one layer, keyed by dotted name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    values: BTreeMap<&'static str, Value>,
}

impl Layer {
    /// Validates `raw` key by key. Where a value is invalid, `previous`'s value for that key is
    /// kept, so a typo never silently resets a setting to its default.
    pub fn parse(raw: &Value, source: &str, previous: &Layer) -> (Layer, Vec<Problem>) {
        let mut flat = Vec::new();
        flatten("", raw, &mut flat);
        let mut layer = Layer::default();
        let mut problems = Vec::new();
        for (name, value) in flat {
            let Some(key) = KEYS.iter().find(|k| k.name == name) else {
                problems.push(Problem::UnknownKey {
                    source: source.to_string(),
                    key: name,
                });
                continue;
            };
            let mut probe = Settings::default();
            if (key.apply)(&mut probe, &value) {
                layer.values.insert(key.name, value);
            } else {
                problems.push(Problem::InvalidValue {
                    source: source.to_string(),
                    key: name,
                    expected: key.expected,
                });
                if let Some(old) = previous.values.get(key.name) {
                    layer.values.insert(key.name, old.clone());
                }
            }
        }
        (layer, problems)
    }

    /// Parses a `debuglens.toml`.
    pub fn parse_toml(text: &str, source: &str, previous: &Layer) -> (Layer, Vec<Problem>) {
        match toml::from_str::<toml::Value>(text) {
            Ok(value) => match serde_json::to_value(value) {
                Ok(json) => Layer::parse(&json, source, previous),
                Err(e) => (
                    previous.clone(),
                    vec![Problem::Unreadable {
                        source: source.into(),
                        reason: e.to_string(),
                    }],
                ),
            },
            Err(e) => (
                previous.clone(),
                vec![Problem::Unreadable {
                    source: source.into(),
                    reason: format!(
                        "not valid TOML ({}); keeping the previous settings",
                        e.message()
                    ),
                }],
            ),
        }
    }

    fn apply_to(&self, settings: &mut Settings) {
        for (name, value) in &self.values {
            if let Some(key) = KEYS.iter().find(|k| k.name == *name) {
                (key.apply)(settings, value);
            }
        }
    }
}

/// `{"llm": {"endpoint": ..}}` → `("llm.endpoint", ..)`; objects that are values of a known
/// key (none today) would stop the descent. Non-object roots yield nothing.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    let Value::Object(map) = value else {
        return;
    };
    for (k, v) in map {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(_) if !KEYS.iter().any(|key| key.name == name) => flatten(&name, v, out),
            _ => out.push((name, v.clone())),
        }
    }
}

/// The layers in force, lowest precedence first: workspace files, then the editor's settings.
#[derive(Debug, Clone, Default)]
pub struct ConfigLayers {
    pub files: Vec<Layer>,
    pub client: Layer,
}

impl ConfigLayers {
    pub fn effective(&self) -> Settings {
        let mut s = Settings::default();
        for layer in &self.files {
            layer.apply_to(&mut s);
        }
        self.client.apply_to(&mut s);
        if !s.default_excludes {
            // `exclude` always starts with the defaults (see its key).
            let n = DEFAULT_EXCLUDES.len().min(s.exclude.len());
            if s.exclude[..n]
                .iter()
                .map(String::as_str)
                .eq(DEFAULT_EXCLUDES.iter().copied())
            {
                s.exclude.drain(..n);
            }
        }
        s
    }
}

/// Extracts the `debuglens` section from `didChangeConfiguration`-style payloads, which come
/// as `{ "debuglens": {...} }`, as the bare section, or as `null` (meaning: pull it).
pub fn section(settings: &Value) -> Option<&Value> {
    match settings {
        Value::Null => None,
        Value::Object(map) => Some(map.get("debuglens").unwrap_or(settings)),
        _ => Some(settings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_hold_when_nothing_is_configured() {
        let s = ConfigLayers::default().effective();
        assert_eq!(s.debounce_ms, 200);
        assert_eq!(s.max_file_bytes, 2_000_000);
        assert_eq!(s.batch_limit, 50);
        assert_eq!(s.llm.endpoint, None);
    }

    #[test]
    fn unknown_key_is_named_and_ignored() {
        let (layer, problems) = Layer::parse(
            &json!({"debounceMs": 50, "colour": "red"}),
            "client",
            &Layer::default(),
        );
        assert_eq!(
            problems,
            vec![Problem::UnknownKey {
                source: "client".into(),
                key: "colour".into()
            }]
        );
        let layers = ConfigLayers {
            files: vec![],
            client: layer,
        };
        assert_eq!(layers.effective().debounce_ms, 50);
    }

    #[test]
    fn invalid_value_keeps_the_previous_value_in_force() {
        let (first, _) = Layer::parse(&json!({"batchLimit": 20}), "client", &Layer::default());
        let (second, problems) = Layer::parse(&json!({"batchLimit": "lots"}), "client", &first);
        assert_eq!(
            problems,
            vec![Problem::InvalidValue {
                source: "client".into(),
                key: "batchLimit".into(),
                expected: "an integer from 1 to 100000"
            }]
        );
        assert_eq!(
            ConfigLayers {
                files: vec![],
                client: second
            }
            .effective()
            .batch_limit,
            20
        );
    }

    #[test]
    fn nested_llm_keys_are_read_from_tables() {
        let (layer, problems) = Layer::parse(
            &json!({"llm": {"endpoint": "http://127.0.0.1:9/v1", "model": "m"}}),
            "client",
            &Layer::default(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        let s = ConfigLayers {
            files: vec![],
            client: layer,
        }
        .effective();
        assert_eq!(s.llm.endpoint.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(s.llm.model, "m");
    }

    #[test]
    fn toml_file_sets_path_mappings_and_client_overrides_it() {
        let (file, problems) = Layer::parse_toml(
            "pathMappings = [{ from = \"/app\", to = \"services/checkout\" }]\nbatchLimit = 10\n",
            "debuglens.toml",
            &Layer::default(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        let (client, _) = Layer::parse(&json!({"batchLimit": 25}), "client", &Layer::default());
        let s = ConfigLayers {
            files: vec![file],
            client,
        }
        .effective();
        assert_eq!(
            s.path_mappings,
            vec![PathMapping {
                from: "/app".into(),
                to: "services/checkout".into()
            }]
        );
        assert_eq!(s.batch_limit, 25);
    }

    #[test]
    fn broken_toml_is_reported_and_keeps_previous_layer() {
        let (prev, _) = Layer::parse_toml("batchLimit = 10", "debuglens.toml", &Layer::default());
        let (layer, problems) = Layer::parse_toml("batchLimit = = 3", "debuglens.toml", &prev);
        assert_eq!(layer, prev);
        assert!(matches!(&problems[..], [Problem::Unreadable { .. }]));
    }

    #[test]
    fn vendored_and_generated_code_is_excluded_by_default_and_exclude_adds_to_it() {
        let s = ConfigLayers::default().effective();
        assert_eq!(s.exclude, default_excludes());
        let (layer, problems) =
            Layer::parse(&json!({"exclude": ["gen/**"]}), "t", &Layer::default());
        assert!(problems.is_empty());
        let s = ConfigLayers {
            files: vec![layer],
            client: Layer::default(),
        }
        .effective();
        assert_eq!(s.exclude.len(), DEFAULT_EXCLUDES.len() + 1);
        assert_eq!(s.exclude.last().map(String::as_str), Some("gen/**"));
        assert!(s.exclude.iter().any(|g| g == "node_modules"));
    }

    #[test]
    fn default_excludes_false_leaves_only_the_users_globs() {
        for raw in [
            json!({"defaultExcludes": false, "exclude": ["gen/**"]}),
            json!({"exclude": ["gen/**"], "defaultExcludes": false}),
        ] {
            let (layer, problems) = Layer::parse(&raw, "t", &Layer::default());
            assert!(problems.is_empty());
            let s = ConfigLayers {
                files: vec![layer],
                client: Layer::default(),
            }
            .effective();
            assert_eq!(s.exclude, vec!["gen/**".to_string()]);
        }
        let (layer, _) = Layer::parse(&json!({"defaultExcludes": false}), "t", &Layer::default());
        let s = ConfigLayers {
            files: vec![],
            client: layer,
        }
        .effective();
        assert!(s.exclude.is_empty());
    }

    #[test]
    fn an_invalid_glob_in_exclude_is_rejected() {
        let (_, problems) = Layer::parse(
            &json!({"exclude": ["src/[oops"]}),
            "client",
            &Layer::default(),
        );
        assert!(matches!(&problems[..], [Problem::InvalidValue { key, .. }] if key == "exclude"));
    }
}
