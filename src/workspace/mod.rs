//! The workspace: which files exist, found with the `ignore` crate (so `.gitignore`, `.ignore`
//! and hidden-file rules apply even outside a git repository), minus binary files, files over
//! the size limit and excluded globs.

use std::collections::{BTreeMap, HashMap};

pub mod git;
pub mod resolve;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A file the workspace index knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub path: PathBuf,
    /// Path relative to its workspace folder, `/`-separated.
    pub rel: String,
    pub size: u64,
}

#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub max_file_bytes: u64,
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanStats {
    pub files: usize,
    pub skipped_large: usize,
    pub skipped_binary: usize,
    pub errors: usize,
    pub cancelled: bool,
}

/// Why a single file is not indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    TooLarge,
    Binary,
}

/// Checks one file the way the walk does: over the size limit or holding a NUL byte in its
/// first 8 KiB means it is not text we analyse.
pub fn admit(path: &Path, max_file_bytes: u64) -> std::io::Result<Result<u64, Skip>> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > max_file_bytes {
        return Ok(Err(Skip::TooLarge));
    }
    let mut head = [0u8; 8192];
    let mut file = std::fs::File::open(path)?;
    let n = file.read(&mut head)?;
    if memchr::memchr(0, &head[..n]).is_some() {
        return Ok(Err(Skip::Binary));
    }
    Ok(Ok(meta.len()))
}

/// Walks `root`, calling `on_file` for every admitted file. Stops early when `cancel` is set.
pub fn walk(
    root: &Path,
    opts: &ScanOptions,
    cancel: &AtomicBool,
    mut on_file: impl FnMut(FileEntry),
) -> ScanStats {
    let mut stats = ScanStats::default();
    let mut builder = ignore::WalkBuilder::new(root);
    builder.require_git(false).follow_links(false);
    if !opts.exclude.is_empty() {
        let mut overrides = ignore::overrides::OverrideBuilder::new(root);
        for glob in &opts.exclude {
            // Settings validated the globs; one that still fails is skipped, not fatal.
            if let Err(e) = overrides.add(&format!("!{glob}")) {
                tracing::warn!("exclude glob {glob:?} ignored: {e}");
            }
        }
        match overrides.build() {
            Ok(o) => {
                builder.overrides(o);
            }
            Err(e) => tracing::warn!("exclude globs ignored: {e}"),
        }
    }
    for entry in builder.build() {
        if cancel.load(Ordering::Relaxed) {
            stats.cancelled = true;
            break;
        }
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                tracing::debug!("walk error under {}: {e}", root.display());
                stats.errors += 1;
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        match admit(path, opts.max_file_bytes) {
            Ok(Ok(size)) => {
                stats.files += 1;
                on_file(FileEntry {
                    path: path.to_path_buf(),
                    rel: relative(root, path),
                    size,
                });
            }
            Ok(Err(Skip::TooLarge)) => stats.skipped_large += 1,
            Ok(Err(Skip::Binary)) => stats.skipped_binary += 1,
            Err(e) => {
                tracing::debug!("cannot read {}: {e}", path.display());
                stats.errors += 1;
            }
        }
    }
    stats
}

/// `path` relative to `root` with `/` separators; the full path when it is not under `root`.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every file of every workspace folder, by absolute path, with the lookups that trace-frame
/// resolution needs: by file name, and Go module paths from `go.mod` files.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceIndex {
    roots: Vec<PathBuf>,
    files: BTreeMap<PathBuf, FileEntry>,
    by_name: HashMap<String, Vec<PathBuf>>,
    go_modules: BTreeMap<PathBuf, String>,
}

impl WorkspaceIndex {
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    pub fn add_root(&mut self, root: PathBuf) {
        if !self.roots.contains(&root) {
            self.roots.push(root);
        }
    }

    /// Forgets a folder and every file under it.
    pub fn remove_root(&mut self, root: &Path) {
        self.roots.retain(|r| r != root);
        let roots = self.roots.clone();
        let gone: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|p| p.starts_with(root) && !roots.iter().any(|r| p.starts_with(r)))
            .cloned()
            .collect();
        for p in gone {
            self.remove(&p);
        }
    }

    pub fn insert(&mut self, entry: FileEntry) {
        if let Some(name) = entry
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
        {
            if name == "go.mod" {
                if let Some(module) = read_go_module(&entry.path) {
                    if let Some(dir) = entry.path.parent() {
                        self.go_modules.insert(dir.to_path_buf(), module);
                    }
                }
            }
            let paths = self.by_name.entry(name).or_default();
            if !paths.contains(&entry.path) {
                paths.push(entry.path.clone());
            }
        }
        self.files.insert(entry.path.clone(), entry);
    }

    pub fn remove(&mut self, path: &Path) -> bool {
        if let Some(name) = path.file_name().map(|n| n.to_string_lossy()) {
            if let Some(paths) = self.by_name.get_mut(name.as_ref()) {
                paths.retain(|p| p != path);
            }
            if name == "go.mod" {
                if let Some(dir) = path.parent() {
                    self.go_modules.remove(dir);
                }
            }
        }
        self.files.remove(path).is_some()
    }

    /// Files named `name` (the last path component).
    pub fn named(&self, name: &str) -> &[PathBuf] {
        self.by_name.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn entry(&self, path: &Path) -> Option<&FileEntry> {
        self.files.get(path)
    }

    /// `(module folder, module path)` for every `go.mod` indexed.
    pub fn go_modules(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.go_modules
            .iter()
            .map(|(d, m)| (d.as_path(), m.as_str()))
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn files(&self) -> impl Iterator<Item = &FileEntry> {
        self.files.values()
    }

    /// The workspace folder holding `path`, the innermost when folders nest.
    pub fn root_of(&self, path: &Path) -> Option<&Path> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
            .map(PathBuf::as_path)
    }
}

fn read_go_module(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("module "))
        .map(|m| m.trim().trim_matches('"').to_string())
}

/// A flag shared with a background walk so a newer scan can stop an older one.
pub type CancelFlag = Arc<AtomicBool>;

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, bytes: &[u8]) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    #[test]
    fn walk_honours_gitignore_without_git_and_skips_binary_and_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".gitignore", b"build/\n");
        write(root, "src/app.py", b"print('hi')\n");
        write(root, "build/out.py", b"x = 1\n");
        write(root, "img.png", b"\x89PNG\r\n\x1a\n\0\0\0");
        write(root, "big.log", &vec![b'a'; 2048]);
        let opts = ScanOptions {
            max_file_bytes: 1024,
            exclude: vec![],
        };
        let mut seen = Vec::new();
        let stats = walk(root, &opts, &AtomicBool::new(false), |f| seen.push(f.rel));
        seen.sort();
        // Hidden files (like .gitignore itself) are skipped too, as ripgrep does.
        assert_eq!(seen, vec!["src/app.py".to_string()]);
        assert_eq!((stats.skipped_binary, stats.skipped_large), (1, 1));
    }

    #[test]
    fn the_default_excludes_leave_vendored_and_generated_code_out_at_any_depth() {
        let dir = tempfile::tempdir().unwrap();
        for rel in [
            "src/app.py",
            "src/types.ts",
            "node_modules/lib/index.js",
            "web/node_modules/lib/index.js",
            "vendor/gen.js",
            "go/vendor/x/x.go",
            "dist/app.js",
            "build/lib/m.py",
            "venv/lib/site.py",
            "target/debug/x.rs",
            "web/app.min.js",
            "web/index.d.ts",
            "api/service_pb2.py",
            "api/service.pb.go",
        ] {
            write(dir.path(), rel, b"1");
        }
        let settings = crate::config::Settings::default();
        let opts = ScanOptions {
            max_file_bytes: 1 << 20,
            exclude: settings.exclude.clone(),
        };
        let mut seen = Vec::new();
        walk(dir.path(), &opts, &AtomicBool::new(false), |f| {
            seen.push(f.rel)
        });
        seen.sort();
        assert_eq!(
            seen,
            vec!["src/app.py".to_string(), "src/types.ts".to_string()]
        );
        // With the defaults off every file is walked.
        let opts = ScanOptions {
            max_file_bytes: 1 << 20,
            exclude: vec![],
        };
        let mut n = 0;
        walk(dir.path(), &opts, &AtomicBool::new(false), |_| n += 1);
        assert_eq!(n, 14);
    }

    #[test]
    fn exclude_globs_leave_files_out() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a/keep.py", b"1");
        write(dir.path(), "gen/drop.py", b"1");
        let opts = ScanOptions {
            max_file_bytes: 1 << 20,
            exclude: vec!["gen/**".into()],
        };
        let mut seen = Vec::new();
        walk(dir.path(), &opts, &AtomicBool::new(false), |f| {
            seen.push(f.rel)
        });
        assert_eq!(seen, vec!["a/keep.py".to_string()]);
    }
}
