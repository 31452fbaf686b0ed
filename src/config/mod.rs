//! `.promgate.yml`: which checks run at which severity, where, with which policy;
//! plus inline suppressions and the baseline.
//!
//! The config is found by walking up from the current folder (or named with
//! `--config`). It is read with the same YAML tree as rule files, so every mistake in
//! it is reported with its line and column. A broken config stops the run with exit
//! code 2: linting with settings the user did not mean would give answers nobody asked
//! for.

mod apply;
pub mod baseline;
pub mod changed;
mod codes;
mod init;
mod model;
mod parse;
pub mod stage;
pub mod suppress;

pub use apply::DashboardSite;
pub use codes::{closest_code, CodePattern};
pub use init::{starter_config, PROMETHEUS_CONFIG_CANDIDATES, STARTER_CONFIG};
pub use model::*;
pub use parse::{parse_config, SCHEMA_CODE};

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// File names looked for, in order, in each folder.
pub const CONFIG_NAMES: &[&str] = &[".promgate.yml", ".promgate.yaml"];

/// Why a config could not be used.
#[derive(Debug)]
pub enum ConfigError {
    /// The file could not be read.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file has problems, each with its position.
    Invalid {
        file: Arc<SourceFile>,
        diagnostics: Vec<Diagnostic>,
    },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::Io { path, error } => {
                write!(f, "cannot read config {}: {error}", path.display())
            }
            ConfigError::Invalid { file, diagnostics } => write!(
                f,
                "{} has {} problem{}",
                file.path,
                diagnostics.len(),
                if diagnostics.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The nearest config file at or above `start`.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|folder| {
        CONFIG_NAMES
            .iter()
            .map(|name| folder.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Loads the config: `explicit` if given, else the nearest one above `cwd`, else the
/// defaults rooted at `cwd`.
pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Config, ConfigError> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => find_config(cwd),
    };
    let Some(path) = path else {
        return Ok(Config::defaults(cwd.to_path_buf()));
    };
    let text = crate::discover::read_regular_text(&path).map_err(|error| ConfigError::Io {
        path: path.clone(),
        error,
    })?;
    // Shown as the user would type it: relative to the current folder when inside it.
    let display = path
        .strip_prefix(cwd)
        .unwrap_or(&path)
        .to_string_lossy()
        .into_owned();
    let file = Arc::new(SourceFile::new(display, text));
    let absolute = absolute(&path, cwd);
    let root = absolute
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.to_path_buf());
    match parse_config(&file, root) {
        Ok(mut config) => {
            config.path = Some(path);
            config.cwd = cwd.to_path_buf();
            Ok(config)
        }
        Err(diagnostics) => Err(ConfigError::Invalid { file, diagnostics }),
    }
}

/// `path` made absolute against `cwd` and cleaned of `.` and `..` without touching the
/// file system (symlinks stay as the user named them).
pub fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut clean = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

impl Config {
    /// A file's path (as diagnostics name it, relative to the folder promgate runs in)
    /// relative to the config's folder, with forward slashes, as globs in the config
    /// are written.
    pub fn relative(&self, path: &str) -> String {
        self.relative_path(path, &self.cwd)
    }

    /// [`Config::relative`] with an explicit current folder.
    pub fn relative_path(&self, path: &str, cwd: &Path) -> String {
        let absolute = absolute(Path::new(path), cwd);
        let relative = absolute
            .strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| PathBuf::from(path));
        relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[cfg(test)]
mod tests;
