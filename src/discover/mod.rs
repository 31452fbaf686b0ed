//! Finding the files to lint.
//!
//! Folders are walked in parallel with the `ignore` crate (the walker ripgrep uses): it
//! honours `.gitignore` (also outside a git repository), skips hidden files and folders,
//! and here also `target/` and `node_modules/`. Files named on the command line are
//! always linted, whatever their name.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How a file will be read, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `.yml` / `.yaml`: rule files (plain or `PrometheusRule`), dashboard ConfigMaps.
    Yaml,
    /// `.json`: Grafana dashboards.
    Json,
    /// `.md` / `.markdown`: guides and runbooks, linted by their fenced code blocks.
    Markdown,
}

impl FileKind {
    /// The kind of a file met while walking; `None` for files promgate does not read.
    pub fn from_extension(path: &Path) -> Option<FileKind> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            // `.rules`: Prometheus' older naming (its own `first.rules`). Walks judge
            // such files by content: YAML with `groups:` is linted, anything else (udev
            // rules, ...) is skipped quietly like other YAML that is not ours.
            "yml" | "yaml" | "rules" => Some(FileKind::Yaml),
            "json" => Some(FileKind::Json),
            "md" | "markdown" => Some(FileKind::Markdown),
            _ => None,
        }
    }
}

/// A file to lint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// The path shown in every output: as the user named it, or as found under the
    /// folder they named (without a leading `./`).
    pub display: String,
    pub path: PathBuf,
    pub kind: FileKind,
    /// Named on the command line (rather than found in a folder): it is always linted,
    /// and a file that turns out not to be a rule file or dashboard is reported.
    pub explicit: bool,
}

/// A path that could not be walked: it does not exist, or a folder could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Folder names never walked into: build output and JavaScript dependencies.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// The files to lint under `paths`, sorted by display path, each once.
pub fn discover(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<DiscoverError>) {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => errors.push(DiscoverError {
                path: path.display().to_string(),
                message: describe_io_error(&error),
            }),
            Ok(meta) if meta.is_dir() => walk(path, &mut candidates, &mut errors),
            Ok(meta) if !meta.is_file() => errors.push(DiscoverError {
                path: display_path(path),
                message: special_file(&meta).unwrap_or_default(),
            }),
            Ok(_) => candidates.push(Candidate {
                display: display_path(path),
                path: path.clone(),
                // A file named explicitly is read as YAML unless it is JSON.
                kind: FileKind::from_extension(path).unwrap_or(FileKind::Yaml),
                explicit: true,
            }),
        }
    }
    candidates.sort();
    // The same file named twice, or named and also found in a folder: lint it once,
    // as named (explicit sorts after found, so keep the last of equal paths).
    candidates.reverse();
    candidates.dedup_by(|a, b| a.display == b.display);
    candidates.reverse();
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    (candidates, errors)
}

fn walk(root: &Path, candidates: &mut Vec<Candidate>, errors: &mut Vec<DiscoverError>) {
    let found = Mutex::new(Vec::new());
    let failures = Mutex::new(Vec::new());
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(true)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && entry.depth() > 0
                && SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref()))
        })
        .build_parallel();
    walker.run(|| {
        let found = &found;
        let failures = &failures;
        Box::new(move |result| {
            match result {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if let (true, Some(kind)) = (is_file, FileKind::from_extension(entry.path())) {
                        let candidate = Candidate {
                            display: display_path(entry.path()),
                            path: entry.path().to_path_buf(),
                            kind,
                            explicit: false,
                        };
                        found
                            .lock()
                            .expect("no panics while holding")
                            .push(candidate);
                    }
                }
                Err(error) => failures
                    .lock()
                    .expect("no panics while holding")
                    .push(walk_error(root, &error)),
            }
            ignore::WalkState::Continue
        })
    });
    candidates.extend(found.into_inner().unwrap_or_default());
    errors.extend(failures.into_inner().unwrap_or_default());
}

fn walk_error(root: &Path, error: &ignore::Error) -> DiscoverError {
    let path = io_error_path(error).unwrap_or_else(|| root.to_path_buf());
    let message = error
        .io_error()
        .map(describe_io_error)
        .unwrap_or_else(|| error.to_string());
    DiscoverError {
        path: display_path(&path),
        message,
    }
}

fn io_error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            io_error_path(err)
        }
        _ => None,
    }
}

/// An I/O error in words, without the `(os error N)` suffix.
/// Why a path that exists is not a file promgate reads, when it is not a regular file
/// or folder: opening a FIFO blocks until something writes to it, and a device such as
/// `/dev/zero` never ends, so neither is opened.
pub fn special_file(meta: &std::fs::Metadata) -> Option<String> {
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        return None;
    }
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a special file"
        }
    };
    #[cfg(not(unix))]
    let what = "a special file";
    Some(format!(
        "is {what}, not a regular file (promgate reads files and folders; pipe text in with --stdin)"
    ))
}

/// Reads a whole file named by the user (a catalog, the config, a baseline), refusing
/// special files with [`special_file`]'s words instead of blocking on them.
pub fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if let Some(message) = special_file(&meta) {
        return Err(std::io::Error::other(message));
    }
    std::fs::read(path)
}

/// [`read_regular_file`] as UTF-8 text.
pub fn read_regular_text(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_regular_file(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

pub fn describe_io_error(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

/// A path as shown to the user: `./a/b.yml` becomes `a/b.yml`.
pub fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    let mut shown = text.as_str();
    while let Some(rest) = shown.strip_prefix("./") {
        shown = rest.trim_start_matches('/');
    }
    if shown.is_empty() {
        text
    } else {
        shown.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, relative: &str, text: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn names(candidates: &[Candidate], root: &Path) -> Vec<String> {
        candidates
            .iter()
            .map(|c| {
                c.path
                    .strip_prefix(root)
                    .unwrap_or(&c.path)
                    .display()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn walks_yaml_and_json_skipping_hidden_ignored_and_build_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "rules/a.yml", "groups: []\n");
        write(root, "rules/b.YAML", "groups: []\n");
        write(root, "dash/d.json", "{}");
        write(root, "notes.txt", "x");
        write(root, ".hidden/c.yml", "groups: []\n");
        write(root, "target/t.yml", "groups: []\n");
        write(root, "web/node_modules/n.yml", "groups: []\n");
        write(root, "ignored/i.yml", "groups: []\n");
        write(root, ".gitignore", "ignored/\n");
        let (candidates, errors) = discover(&[root.to_path_buf()]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            names(&candidates, root),
            ["dash/d.json", "rules/a.yml", "rules/b.YAML"]
        );
        assert!(candidates.iter().all(|c| !c.explicit));
        assert_eq!(candidates[0].kind, FileKind::Json);
    }

    #[test]
    fn explicit_files_are_always_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".hidden/c.yml", "groups: []\n");
        write(root, "rules.txt", "groups: []\n");
        let hidden = root.join(".hidden/c.yml");
        let (candidates, errors) =
            discover(&[hidden.clone(), root.join("rules.txt"), hidden.clone()]);
        assert!(errors.is_empty());
        assert_eq!(candidates.len(), 2);
        assert!(candidates
            .iter()
            .all(|c| c.explicit && c.kind == FileKind::Yaml));
    }

    #[test]
    fn missing_paths_are_errors_naming_the_path() {
        let (candidates, errors) = discover(&[PathBuf::from("no/such/place.yml")]);
        assert!(candidates.is_empty());
        assert_eq!(errors[0].path, "no/such/place.yml");
        assert_eq!(errors[0].message, "no such file or folder");
    }

    #[test]
    fn display_paths_drop_the_leading_dot_slash() {
        assert_eq!(display_path(Path::new("./a/b.yml")), "a/b.yml");
        assert_eq!(display_path(Path::new(".")), ".");
        assert_eq!(display_path(Path::new("a.yml")), "a.yml");
    }
}
