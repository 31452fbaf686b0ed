//! `--changed-since REV`: which files differ from a git revision, so a CI job reports
//! only on what a pull request touched. Everything is still loaded (recording rules
//! and catalogs in unchanged files must resolve); only the report is narrowed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Absolute paths of files changed since `rev`: committed, staged, unstaged and new
/// untracked files (deleted files have nothing to lint and are left out).
pub fn changed_files(rev: &str, cwd: &Path) -> Result<HashSet<PathBuf>, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let top = git(cwd, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim());
    let mut files = HashSet::new();
    let diff = git(
        cwd,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--diff-filter=d",
            rev,
            "--",
        ],
    )?;
    let untracked = git(
        cwd,
        &[
            "ls-files",
            "--others",
            "--exclude-standard",
            "-z",
            "--full-name",
        ],
    )?;
    for name in diff.split('\0').chain(untracked.split('\0')) {
        if !name.is_empty() {
            files.insert(top.join(name));
        }
    }
    Ok(files)
}

fn git(cwd: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("git {} failed: {}", args.join(" "), stderr.trim()));
    }
    String::from_utf8(output.stdout).map_err(|_| "git printed a path that is not UTF-8".to_string())
}

/// Whether `path` (as a diagnostic names it, relative to `cwd` or absolute) is in
/// `changed`. Both sides are compared after resolving symlinks where the file exists,
/// since git reports the repository's real path.
pub fn is_changed(changed: &HashSet<PathBuf>, path: &str, cwd: &Path) -> bool {
    let absolute = super::absolute(Path::new(path), cwd);
    if changed.contains(&absolute) {
        return true;
    }
    let real = std::fs::canonicalize(&absolute).unwrap_or(absolute);
    changed.iter().any(|candidate| {
        candidate == &real || std::fs::canonicalize(candidate).is_ok_and(|c| c == real)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@localhost")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@localhost")
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {status:?}");
    }

    #[test]
    fn lists_committed_modified_and_new_files_but_not_deleted_ones() {
        let dir = std::env::temp_dir().join(format!("promgate-changed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("rules")).unwrap();
        run(&dir, &["init", "-q"]);
        for name in ["a.yml", "b.yml", "c.yml", "gone.yml"] {
            std::fs::write(dir.join("rules").join(name), "groups: []\n").unwrap();
        }
        run(&dir, &["add", "-A"]);
        run(&dir, &["commit", "-qm", "base"]);
        std::fs::write(dir.join("rules/a.yml"), "groups: [] # changed\n").unwrap();
        run(&dir, &["commit", "-qam", "change a"]);
        std::fs::write(dir.join("rules/b.yml"), "groups: [] # unstaged\n").unwrap();
        std::fs::remove_file(dir.join("rules/gone.yml")).unwrap();
        std::fs::write(dir.join("rules/new.yml"), "groups: []\n").unwrap();

        let nested = dir.join("rules");
        let changed = changed_files("HEAD~1", &nested).unwrap();
        assert!(is_changed(&changed, "a.yml", &nested));
        assert!(is_changed(&changed, "b.yml", &nested));
        assert!(is_changed(&changed, "new.yml", &nested));
        assert!(!is_changed(&changed, "c.yml", &nested));
        assert_eq!(changed.len(), 3, "{changed:?}");
        assert!(changed_files("no-such-rev", &nested).is_err());
        assert!(changed_files("--output=x", &nested).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
