//! Writing a fixed file: whole or not at all.
//!
//! The new text goes to a temporary file in the same folder (so the final rename stays
//! on one file system and is atomic), is flushed to disk, gets the original file's
//! permissions, and replaces the file by a rename. Before that rename the file on disk
//! is compared with the text that was fixed: a file another program changed since it
//! was read is left alone. A symbolic link is followed: its target is fixed and the link
//! stays a link. A read-only file is refused rather than made writable.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Replaces the file at `path`, whose text was `original` when read, with `fixed`.
/// `max_bytes` bounds how much is read back to compare.
pub fn replace_file(
    path: &Path,
    original: &str,
    fixed: &str,
    max_bytes: u64,
) -> Result<(), String> {
    let target = resolve(path)?;
    let shown = path.display();
    let metadata = fs::metadata(&target).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if metadata.permissions().readonly() {
        return Err(format!("{shown} is read-only: not written"));
    }
    if metadata.len() > max_bytes {
        return Err(format!("{shown} is too large to fix: not written"));
    }
    unchanged_since_read(&target, original, shown.to_string())?;
    let modified = metadata.modified().ok();
    let temp = write_temp(&target, fixed, &metadata)
        .map_err(|e| format!("cannot write a temporary file beside {shown}: {e}"))?;
    let renamed = check_untouched(&target, modified, metadata.len())
        .map_err(|reason| format!("{shown} {reason}: not written"))
        .and_then(|()| {
            fs::rename(&temp, &target).map_err(|e| format!("cannot replace {shown}: {e}"))
        });
    if renamed.is_err() {
        let _ = fs::remove_file(&temp);
    }
    renamed?;
    sync_folder(&target);
    Ok(())
}

/// The file to write: `path` itself, or the file a symbolic link points to.
fn resolve(path: &Path) -> Result<PathBuf, String> {
    let link =
        fs::symlink_metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if link.file_type().is_symlink() {
        fs::canonicalize(path)
            .map_err(|e| format!("cannot follow the link {}: {e}", path.display()))
    } else {
        Ok(path.to_path_buf())
    }
}

fn unchanged_since_read(target: &Path, original: &str, shown: String) -> Result<(), String> {
    let current = fs::read(target).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if current != original.as_bytes() {
        return Err(format!(
            "{shown} changed on disk while it was being fixed: not written"
        ));
    }
    Ok(())
}

/// Still the same modification time and size as when compared.
fn check_untouched(target: &Path, modified: Option<SystemTime>, len: u64) -> Result<(), String> {
    let now = fs::metadata(target).map_err(|e| format!("cannot be read again ({e})"))?;
    if now.modified().ok() != modified || now.len() != len {
        return Err("changed on disk while it was being fixed".to_string());
    }
    Ok(())
}

/// Writes `text` to a new file beside `target`, flushed, with `target`'s permissions.
fn write_temp(target: &Path, text: &str, metadata: &fs::Metadata) -> std::io::Result<PathBuf> {
    let folder = target.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = folder.unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for attempt in 0..100u32 {
        let temp = folder.join(format!(
            ".{name}.promgate-{}-{attempt}.tmp",
            std::process::id()
        ));
        let mut file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::set_permissions(&temp, metadata.permissions()));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        return Ok(temp);
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

/// Flushes the folder entry of the rename (best effort: not every system allows
/// opening a folder).
fn sync_folder(target: &Path) {
    let folder = target.parent().filter(|p| !p.as_os_str().is_empty());
    if let Ok(handle) = fs::File::open(folder.unwrap_or(Path::new("."))) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.yml");
        fs::write(&path, "a: 1\r\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        replace_file(&path, "a: 1\r\n", "a: 2\r\n", 1 << 20).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a: 2\r\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn refuses_a_file_changed_since_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.yml");
        fs::write(&path, "a: 3\n").unwrap();
        let error = replace_file(&path, "a: 1\n", "a: 2\n", 1 << 20).unwrap_err();
        assert!(error.contains("changed on disk"), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "a: 3\n");
    }

    #[test]
    fn refuses_a_read_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.yml");
        fs::write(&path, "a: 1\n").unwrap();
        let mut permissions = fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).unwrap();
        let error = replace_file(&path, "a: 1\n", "a: 2\n", 1 << 20).unwrap_err();
        assert!(error.contains("read-only"), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "a: 1\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_stays_a_link_and_its_target_is_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.yml");
        let link = dir.path().join("link.yml");
        fs::write(&target, "a: 1\n").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        replace_file(&link, "a: 1\n", "a: 2\n", 1 << 20).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "a: 2\n");
    }
}
