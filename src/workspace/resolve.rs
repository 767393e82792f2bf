//! Trace frame → workspace file.
//!
//! Order: an existing absolute path inside a workspace folder; the user's `pathMappings`; a Go
//! module path from `go.mod`; a JVM frame's package + file name (the code language's
//! `ResolveHooks::frames_use_module_paths` and `frame_suffix`); the longest path-suffix match
//! against the index. Several equally good candidates make the frame ambiguous: we list them
//! and never pick one silently.

use std::path::{Path, PathBuf};

use super::WorkspaceIndex;
use crate::config::PathMapping;
use crate::traces::{Frame, Runtime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Resolved(PathBuf),
    Ambiguous(Vec<PathBuf>),
    Unresolved,
}

impl Resolution {
    pub fn path(&self) -> Option<&Path> {
        match self {
            Resolution::Resolved(p) => Some(p),
            _ => None,
        }
    }
}

pub struct Resolver<'a> {
    pub index: &'a WorkspaceIndex,
    pub mappings: &'a [PathMapping],
}

/// The frame's path as a plain `/`-separated path: no scheme, bundler prefix, query or
/// Windows separators.
pub fn normalize(raw: &str) -> String {
    let mut p = raw.trim().replace('\\', "/");
    if let Some(rest) = p.strip_prefix("file://") {
        p = percent_decode(rest);
    }
    if let Some(rest) = p.strip_prefix("webpack://") {
        // webpack:///./src/x.js, webpack://app-name/./src/x.js, webpack:///src/x.js
        let rest = rest.trim_start_matches('/');
        let rest = match rest.find("/./") {
            Some(i) if !rest[..i].contains('/') => &rest[i + 3..],
            _ => rest.strip_prefix("./").unwrap_or(rest),
        };
        p = rest.to_string();
    }
    for scheme in ["http://", "https://"] {
        if let Some(rest) = p.strip_prefix(scheme) {
            p = rest
                .find('/')
                .map(|i| rest[i..].to_string())
                .unwrap_or_default();
        }
    }
    if let Some(i) = p.find(['?', '#']) {
        p.truncate(i);
    }
    // A Windows drive letter is not a component we can match.
    if p.len() > 2 && p.as_bytes()[1] == b':' && p.as_bytes()[0].is_ascii_alphabetic() {
        p = p[2..].to_string();
    }
    p
}

/// `%XX` escapes decoded; anything else (a `%` not followed by two hex digits, even when a
/// multi-byte character follows it) is kept as it is. Works on bytes, so it never slices a
/// character in two.
fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(&h), Some(&l)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let (Some(h), Some(l)) = (hex(h), hex(l))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn components(p: &str) -> Vec<&str> {
    p.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

impl Resolver<'_> {
    pub fn resolve(&self, frame: &Frame, language: Runtime) -> Resolution {
        let path = normalize(&frame.path);
        if path.is_empty() || path.starts_with('<') {
            return Resolution::Unresolved;
        }
        let abs = Path::new(&path);
        if abs.is_absolute() && (self.index.contains(abs) || self.inside_workspace(abs)) {
            return Resolution::Resolved(abs.to_path_buf());
        }
        if let Some(found) = self.mapped(&path) {
            return Resolution::Resolved(found);
        }
        // The language rules of the code language whose programs print this format.
        let rules = crate::langs::CODE_LANGUAGES
            .iter()
            .find(|c| c.trace.language == language)
            .map(|c| c.resolve);
        if rules.is_some_and(|r| r.frames_use_module_paths()) {
            if let Some(found) = self.go_module(&path) {
                return Resolution::Resolved(found);
            }
        }
        let suffix_path = rules
            .and_then(|r| r.frame_suffix(&path, frame.function.as_deref()))
            .unwrap_or_else(|| path.clone());
        self.by_suffix(&suffix_path, frame.in_app)
    }

    /// A regular file inside a workspace folder as the disk resolves it: no `..`, no link
    /// leading out. What a frame names outside the workspace (`/etc/passwd`, a `..` climb, a
    /// `pathMappings` target elsewhere) is never opened.
    fn inside_workspace(&self, p: &Path) -> bool {
        if p.components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return false;
        }
        let Ok(real) = std::fs::canonicalize(p) else {
            return false;
        };
        real.is_file()
            && self
                .index
                .roots()
                .iter()
                .any(|r| std::fs::canonicalize(r).is_ok_and(|root| real.starts_with(root)))
    }

    fn mapped(&self, path: &str) -> Option<PathBuf> {
        for m in self.mappings {
            let from = m.from.trim_end_matches('/');
            let rest = match path.strip_prefix(from) {
                Some(r) if r.is_empty() || r.starts_with('/') => r.trim_start_matches('/'),
                _ => continue,
            };
            let to = Path::new(&m.to);
            let bases: Vec<PathBuf> = if to.is_absolute() {
                vec![to.to_path_buf()]
            } else {
                self.index.roots().iter().map(|r| r.join(to)).collect()
            };
            for base in bases {
                let candidate = base.join(rest);
                if self.index.contains(&candidate) || self.inside_workspace(&candidate) {
                    return Some(candidate);
                }
            }
        }
        None
    }

    fn go_module(&self, path: &str) -> Option<PathBuf> {
        self.index.go_modules().find_map(|(dir, module)| {
            let rest = path.strip_prefix(module)?.strip_prefix('/')?;
            let candidate = dir.join(rest);
            self.index.contains(&candidate).then_some(candidate)
        })
    }

    fn by_suffix(&self, path: &str, in_app: bool) -> Resolution {
        let wanted = components(path);
        let Some(name) = wanted.last() else {
            return Resolution::Unresolved;
        };
        let mut best = 0;
        let mut found: Vec<PathBuf> = Vec::new();
        for candidate in self.index.named(name) {
            let rel = self
                .index
                .entry(candidate)
                .map(|e| e.rel.as_str())
                .unwrap_or_default();
            let have = components(rel);
            let score = wanted
                .iter()
                .rev()
                .zip(have.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            // A match must cover two components, or the candidate's whole relative path
            // (`/app/app.py` → `app.py`). Library frames need more: a stray `decoder.py` at
            // the root is not `/usr/lib/python3.11/json/decoder.py`.
            let enough = if in_app {
                score >= 2 || score == have.len()
            } else {
                score >= 3
            };
            if !enough || score < best {
                continue;
            }
            if score > best {
                best = score;
                found.clear();
            }
            found.push(candidate.clone());
        }
        found.sort();
        found.dedup();
        match found.len() {
            0 => Resolution::Unresolved,
            1 => Resolution::Resolved(found.remove(0)),
            _ => Resolution::Ambiguous(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::FileEntry;

    #[test]
    fn percent_decode_keeps_a_percent_before_a_multibyte_character() {
        // Slicing `%aé` as text cut `é` in half and panicked.
        assert_eq!(percent_decode("/app/%aé.js"), "/app/%aé.js");
        assert_eq!(percent_decode("/app/%é"), "/app/%é");
        assert_eq!(percent_decode("/my%20app/%E2%9C%93.js"), "/my app/✓.js");
        assert_eq!(percent_decode("/app/50%"), "/app/50%");
        assert_eq!(percent_decode("/app/%4"), "/app/%4");
    }

    fn index(root: &str, rels: &[&str]) -> WorkspaceIndex {
        let mut idx = WorkspaceIndex::default();
        idx.add_root(PathBuf::from(root));
        for rel in rels {
            idx.insert(FileEntry {
                path: Path::new(root).join(rel),
                rel: rel.to_string(),
                size: 1,
            });
        }
        idx
    }

    fn frame(path: &str, function: Option<&str>, in_app: bool) -> Frame {
        Frame {
            path: path.into(),
            line: Some(1),
            column: None,
            function: function.map(str::to_string),
            in_app,
            span: 0..0,
            path_span: 0..0,
            source_line: None,
        }
    }

    #[test]
    fn production_path_resolves_by_longest_suffix() {
        let idx = index(
            "/ws",
            &[
                "handlers/checkout.py",
                "tests/handlers/test_checkout.py",
                "app.py",
            ],
        );
        let r = Resolver {
            index: &idx,
            mappings: &[],
        };
        assert_eq!(
            r.resolve(
                &frame("/app/handlers/checkout.py", None, true),
                crate::langs::python::RUNTIME
            ),
            Resolution::Resolved("/ws/handlers/checkout.py".into())
        );
        assert_eq!(
            r.resolve(
                &frame("/app/app.py", None, true),
                crate::langs::python::RUNTIME
            ),
            Resolution::Resolved("/ws/app.py".into())
        );
    }

    #[test]
    fn two_equally_good_candidates_are_ambiguous_not_guessed() {
        let idx = index(
            "/ws",
            &["svc-a/handlers/checkout.py", "svc-b/handlers/checkout.py"],
        );
        let r = Resolver {
            index: &idx,
            mappings: &[],
        };
        assert_eq!(
            r.resolve(
                &frame("/app/handlers/checkout.py", None, true),
                crate::langs::python::RUNTIME
            ),
            Resolution::Ambiguous(vec![
                "/ws/svc-a/handlers/checkout.py".into(),
                "/ws/svc-b/handlers/checkout.py".into()
            ])
        );
    }

    #[test]
    fn path_mapping_wins_over_suffix_guessing() {
        let idx = index(
            "/ws",
            &[
                "svc-a/handlers/checkout.py",
                "services/checkout/handlers/checkout.py",
            ],
        );
        let mappings = [PathMapping {
            from: "/app".into(),
            to: "services/checkout".into(),
        }];
        let r = Resolver {
            index: &idx,
            mappings: &mappings,
        };
        assert_eq!(
            r.resolve(
                &frame("/app/handlers/checkout.py", None, true),
                crate::langs::python::RUNTIME
            ),
            Resolution::Resolved("/ws/services/checkout/handlers/checkout.py".into())
        );
    }

    #[test]
    fn a_frame_naming_a_file_outside_the_workspace_does_not_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(ws.join("app")).unwrap();
        std::fs::write(ws.join("app/main.py"), "x = 1\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "key\n").unwrap();
        let idx = index(ws.to_str().unwrap(), &["app/main.py"]);
        let mappings = [PathMapping {
            from: "/srv".into(),
            to: dir.path().to_string_lossy().into_owned(),
        }];
        let r = Resolver {
            index: &idx,
            mappings: &mappings,
        };
        let py = crate::langs::python::RUNTIME;
        let climb = format!("{}/../secret.txt", ws.display());
        assert_eq!(
            r.resolve(&frame(&climb, None, true), py),
            Resolution::Unresolved
        );
        assert_eq!(
            r.resolve(&frame("/srv/secret.txt", None, true), py),
            Resolution::Unresolved
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), ws.join("app/link.txt"))
                .unwrap();
            let link = ws.join("app/link.txt");
            assert_eq!(
                r.resolve(&frame(link.to_str().unwrap(), None, true), py),
                Resolution::Unresolved
            );
        }
        // Inside, it still resolves, indexed or not.
        let main = ws.join("app/main.py");
        assert_eq!(
            r.resolve(&frame(main.to_str().unwrap(), None, true), py),
            Resolution::Resolved(main)
        );
    }

    #[test]
    fn go_frame_resolves_through_the_go_mod_module_path() {
        // The module `example.com/shop` lives in `svc/`, and `store/db.go` also exists
        // elsewhere: only the module path picks the right one.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let rels = ["svc/go.mod", "svc/store/db.go", "other/store/db.go"];
        std::fs::create_dir_all(root.join("svc")).unwrap();
        std::fs::write(root.join("svc/go.mod"), "module example.com/shop\n").unwrap();
        let idx = index(root.to_str().unwrap(), &rels);
        let r = Resolver {
            index: &idx,
            mappings: &[],
        };
        let f = frame("example.com/shop/store/db.go", None, true);
        assert_eq!(
            r.resolve(&f, crate::langs::go::RUNTIME),
            Resolution::Resolved(root.join("svc/store/db.go"))
        );
        // Other runtimes' frames do not read module paths: by suffix, both files match.
        assert!(matches!(
            r.resolve(&f, crate::langs::python::RUNTIME),
            Resolution::Ambiguous(_)
        ));
    }

    #[test]
    fn jvm_frame_resolves_through_its_package() {
        let idx = index(
            "/ws",
            &[
                "src/main/java/com/acme/Cart.java",
                "src/main/java/com/other/Cart.java",
            ],
        );
        let r = Resolver {
            index: &idx,
            mappings: &[],
        };
        assert_eq!(
            r.resolve(
                &frame("Cart.java", Some("com.acme.Cart.add"), true),
                crate::langs::java::RUNTIME
            ),
            Resolution::Resolved("/ws/src/main/java/com/acme/Cart.java".into())
        );
    }

    #[test]
    fn bundler_and_file_uri_forms_are_normalised() {
        assert_eq!(normalize("webpack:///./src/cart.ts"), "src/cart.ts");
        assert_eq!(normalize("webpack://shop/./src/cart.ts?abc"), "src/cart.ts");
        assert_eq!(
            normalize("file:///home/me/my%20app/x.js"),
            "/home/me/my app/x.js"
        );
        assert_eq!(
            normalize("https://cdn.example.com/static/js/app.js"),
            "/static/js/app.js"
        );
        assert_eq!(normalize(r"C:\src\Shop\Cart.cs"), "/src/Shop/Cart.cs");
    }

    #[test]
    fn a_library_frame_does_not_resolve_to_a_same_named_workspace_file() {
        let idx = index("/ws", &["decoder.py"]);
        let r = Resolver {
            index: &idx,
            mappings: &[],
        };
        assert_eq!(
            r.resolve(
                &frame("/usr/lib/python3.11/json/decoder.py", None, false),
                crate::langs::python::RUNTIME
            ),
            Resolution::Unresolved
        );
    }

    #[test]
    fn pseudo_files_never_resolve() {
        let idx = index("/ws", &["x.py"]);
        let r = Resolver {
            index: &idx,
            mappings: &[],
        };
        assert_eq!(
            r.resolve(&frame("<stdin>", None, true), crate::langs::python::RUNTIME),
            Resolution::Unresolved
        );
    }
}
