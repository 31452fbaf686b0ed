//! Work done before a run's checks that the run hands to its loader instead of doing it
//! again: the Prometheus configurations the scan read (each file's text, YAML documents
//! and model), and the files loaded while the scan was reading them.
//!
//! A configuration is read before the run because its facts reach every check; the run
//! then lints the same file. Parsing and validating a 1,000-job prometheus.yml twice
//! cost as much as checking hundreds of rules, and the scan left the other threads
//! idle: they load the run's files meanwhile (loading needs no facts; checking does).

use super::load::Loaded;
use super::prometheus_scan::{self, ConfigScan};
use super::Options;
use crate::discover::{Candidate, DiscoverError};
use crate::promconfig::PromConfig;
use crate::yaml::Document;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// A file loaded ahead: the candidate it was loaded as, and what loading it gave.
type LoadedAhead = (Candidate, Result<Vec<Loaded>, DiscoverError>);

/// A configuration as the scan read it.
#[derive(Debug)]
pub struct ScannedConfig {
    /// The folder its relative paths were resolved against.
    pub folder: PathBuf,
    /// The text it was read from (the loader reuses the reading only for this text).
    pub text: String,
    pub documents: Vec<Document>,
    pub config: PromConfig,
}

/// What a run's loader may take instead of reading a file itself. Each entry is taken
/// once: a second run with the same options (`--fix` linting its fixed texts) reads
/// from disk again.
#[derive(Debug, Default)]
pub struct Preloaded {
    /// By the path shown in output.
    configs: Mutex<HashMap<String, ScannedConfig>>,
    /// The units of files loaded ahead, with the candidate each was loaded as.
    files: Mutex<HashMap<String, LoadedAhead>>,
}

/// A read-ahead is a cache of one run, not a setting: it equals only itself.
impl PartialEq for Preloaded {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Preloaded {}

impl Preloaded {
    /// Keeps the configurations a scan read, by the path the run shows them under.
    pub fn with_configs(configs: Vec<(String, ScannedConfig)>) -> Preloaded {
        Preloaded {
            configs: Mutex::new(configs.into_iter().collect()),
            files: Mutex::default(),
        }
    }

    /// The scan's reading of the configuration shown as `display`, when it was read from
    /// `text` with its relative paths resolved against `folder` (the loader's reading
    /// would then be the same).
    pub fn take_config(&self, display: &str, text: &str, folder: &Path) -> Option<ScannedConfig> {
        let mut configs = self.configs.lock().unwrap_or_else(|e| e.into_inner());
        let scanned = configs.get(display)?;
        if scanned.text != text || scanned.folder != folder {
            return None;
        }
        configs.remove(display)
    }

    /// The units of `candidate` loaded ahead, when it was loaded as the same candidate.
    pub fn take_file(&self, candidate: &Candidate) -> Option<Result<Vec<Loaded>, DiscoverError>> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        match files.remove(&candidate.display)? {
            (loaded_as, units) if loaded_as == *candidate => Some(units),
            _ => None,
        }
    }

    /// Whether the scan read a configuration shown as `display` that the loader has
    /// not taken yet.
    pub fn has_config(&self, display: &str) -> bool {
        let configs = self.configs.lock().unwrap_or_else(|e| e.into_inner());
        configs.contains_key(display)
    }

    /// How many configurations the loader has not taken.
    pub fn configs_left(&self) -> usize {
        self.configs.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// How many files loaded ahead the loader has not taken.
    pub fn files_left(&self) -> usize {
        self.files.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// [`prometheus_scan::scan`], while the other threads load the files under `paths`
/// until the scan is done. Returns the scan and what the run's loader can take from it.
pub fn scan_loading_ahead(
    paths: &[PathBuf],
    explicit: &[PathBuf],
    options: &Options,
) -> Result<(ConfigScan, Preloaded), DiscoverError> {
    let done = AtomicBool::new(false);
    let (scan, ahead) = rayon::join(
        || {
            let scan = prometheus_scan::scan(paths, explicit, options);
            done.store(true, Ordering::Release);
            scan
        },
        || load_ahead(paths, options, &done),
    );
    let mut scan = scan?;
    let preloaded = Preloaded::with_configs(std::mem::take(&mut scan.read));
    *preloaded.files.lock().unwrap_or_else(|e| e.into_inner()) = ahead;
    Ok((scan, preloaded))
}

/// Loads the run's files in order until `done` (on one thread, nothing: the scan has
/// finished before this starts).
fn load_ahead(
    paths: &[PathBuf],
    options: &Options,
    done: &AtomicBool,
) -> HashMap<String, LoadedAhead> {
    if paths.is_empty() || done.load(Ordering::Acquire) {
        return HashMap::new();
    }
    let (candidates, _) = super::candidates(paths, options);
    candidates
        .into_par_iter()
        .filter_map(|candidate| {
            if done.load(Ordering::Acquire) {
                return None;
            }
            let units = super::load(&candidate, options);
            Some((candidate.display.clone(), (candidate, units)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileKind;

    fn candidate(path: &Path, display: &str) -> Candidate {
        Candidate {
            display: display.to_string(),
            path: path.to_path_buf(),
            kind: FileKind::Yaml,
            explicit: true,
        }
    }

    /// What matters of a unit: the text shown, the model, the findings, suppressions.
    fn shape(units: &[Loaded]) -> String {
        units
            .iter()
            .map(|u| {
                format!(
                    "{:?}|{:?}|{:?}|{:?}",
                    u.file, u.model, u.diagnostics, u.suppressions
                )
            })
            .collect()
    }

    const CONFIG: &str = "global:\n  scrape_interval: 15s\nrule_files: ['rules/*.yml']\nscrape_configs:\n  - job_name: a # promgate: ignore[prometheus/config]\n    static_configs: [{targets: ['a:1']}]\n    basic_auth: {username: u, password: secret}\n";

    #[test]
    fn the_loader_takes_the_configuration_the_scan_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("rules")).unwrap();
        std::fs::write(root.join("rules/a.yml"), "groups: []\n").unwrap();
        let path = root.join("prometheus.yml");
        std::fs::write(&path, CONFIG).unwrap();
        let options = Options::default();
        let display = crate::discover::display_path(&path);
        let (scan, preloaded) =
            scan_loading_ahead(&[], std::slice::from_ref(&path), &options).unwrap();
        assert!(scan.facts.is_some());
        assert_eq!(preloaded.configs_left(), 1);
        let unit = candidate(&path, &display);
        let with = Options {
            preloaded: Some(std::sync::Arc::new(preloaded)),
            ..options.clone()
        };
        let taken = super::super::load(&unit, &with).unwrap();
        // Read once: the loader took the scan's reading instead of parsing again.
        assert_eq!(with.preloaded.as_ref().unwrap().configs_left(), 0);
        let read_again = super::super::load(&unit, &options).unwrap();
        assert_eq!(shape(&taken), shape(&read_again));
        assert!(!taken[0].file.text.contains("secret"));
    }

    #[test]
    fn a_changed_text_or_folder_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prometheus.yml");
        std::fs::write(&path, CONFIG).unwrap();
        let (_, preloaded) =
            scan_loading_ahead(&[], std::slice::from_ref(&path), &Options::default()).unwrap();
        let display = crate::discover::display_path(&path);
        assert!(preloaded
            .take_config(&display, "scrape_configs: []\n", dir.path())
            .is_none());
        assert!(preloaded
            .take_config(&display, CONFIG, Path::new("elsewhere"))
            .is_none());
        assert_eq!(preloaded.configs_left(), 1);
        assert!(preloaded
            .take_config(&display, CONFIG, dir.path())
            .is_some());
        assert_eq!(preloaded.configs_left(), 0);
    }

    #[test]
    fn files_loaded_ahead_are_taken_once_as_the_same_candidate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yml");
        std::fs::write(
            &path,
            "groups: [{name: g, rules: [{record: r, expr: up}]}]\n",
        )
        .unwrap();
        let options = Options::default();
        let unit = candidate(&path, "a.yml");
        let units = super::super::load(&unit, &options);
        let preloaded = Preloaded::default();
        preloaded
            .files
            .lock()
            .unwrap()
            .insert("a.yml".to_string(), (unit.clone(), units));
        let walked = Candidate {
            explicit: false,
            ..unit.clone()
        };
        assert!(preloaded.take_file(&walked).is_none());
        preloaded.files.lock().unwrap().insert(
            "a.yml".to_string(),
            (unit.clone(), super::super::load(&unit, &options)),
        );
        let taken = preloaded.take_file(&unit).unwrap().unwrap();
        assert_eq!(
            shape(&taken),
            shape(&super::super::load(&unit, &options).unwrap())
        );
        assert!(preloaded.take_file(&unit).is_none());
        assert_eq!(preloaded.files_left(), 0);
    }
}
