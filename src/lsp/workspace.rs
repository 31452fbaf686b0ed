//! What the server knows: the workspace's config and catalog, every rule file of the
//! workspace (so recording rules resolve), and the editor's open documents, each kept
//! loaded through the same pipeline `promgate check` uses.

use crate::catalog::recorded::add_recording_rules;
use crate::catalog::Catalog;
use crate::checks::context::ExprOrigin;
use crate::discover::FileKind;
use crate::pipeline::{self, Loaded, Model, Options};
use crate::promconfig::Facts;
use crate::report::ReportedDiagnostic;
use lsp_types::Url;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One file: on disk (a workspace rule file) or open in the editor, or both.
pub struct FileState {
    pub uri: Url,
    pub text: String,
    pub open: bool,
    pub version: Option<i32>,
    /// The text loaded into its models: one unit for a rule file or a dashboard, one
    /// per linted block of a Markdown file, none when the file is not ours.
    pub units: Vec<Loaded>,
    /// `text` changed since `loaded` was made.
    stale: bool,
    /// What the file's recording rules write (name, expression, labels), to tell
    /// whether an edit changed what other files read.
    recorded: Vec<(String, String, Vec<String>)>,
}

impl FileState {
    /// The recording-rule names the file writes.
    pub fn recorded_names(&self) -> impl Iterator<Item = &str> {
        self.recorded.iter().map(|(name, _, _)| name.as_str())
    }

    /// The unit holding a file offset (the first one when none holds it).
    pub fn unit_at(&self, offset: usize) -> Option<&Loaded> {
        self.units
            .iter()
            .find(|unit| {
                super::cursor::expr_at(unit, offset).is_some()
                    || super::cursor::rule_at(unit, offset).is_some()
            })
            .or(self.units.first())
    }

    /// The file's text as loaded (every unit shares it).
    pub fn source(&self) -> Option<&std::sync::Arc<crate::source::SourceFile>> {
        self.units.first().map(|unit| &unit.file)
    }

    pub fn is_rule_file(&self) -> bool {
        self.units
            .iter()
            .any(|unit| matches!(unit.model, Some(Model::Rules(_))))
    }
}

pub struct Workspace {
    pub root: PathBuf,
    /// The run's options; `options.prometheus` holds what the workspace's Prometheus
    /// configurations say (or `.promgate.yml`'s `prometheus:` fallback).
    pub options: Options,
    /// The catalog files (and `builtin:` names) the base catalog is read from.
    catalog_paths: Vec<PathBuf>,
    /// The configured catalogs (built-ins included), without recording rules.
    base: Option<Catalog>,
    /// `base` plus every file's recording rules.
    catalog: Option<Catalog>,
    catalog_stale: bool,
    /// Configurations `.promgate.yml` names (`prometheus.config:`).
    named_configs: Vec<PathBuf>,
    /// The files read as Prometheus configurations at the last scan.
    configs: BTreeSet<PathBuf>,
    /// `.promgate.yml`'s `prometheus:` settings, for when no configuration is found.
    fallback_facts: Option<std::sync::Arc<Facts>>,
    pub files: BTreeMap<PathBuf, FileState>,
}

impl Workspace {
    /// The workspace at `root`, read as `promgate check` reads it: the Prometheus
    /// configurations (named in `.promgate.yml` or found by their shape), the catalog,
    /// and every rule file under the root or named by a configuration (config excludes
    /// apply). Also returns what could not be read, for the user.
    pub fn new(
        root: PathBuf,
        options: Options,
        catalog_paths: Vec<PathBuf>,
    ) -> (Workspace, Vec<String>) {
        let config = options.config.clone();
        let named_configs = config
            .prometheus
            .config
            .iter()
            .map(|path| config.root.join(path))
            .collect();
        let mut workspace = Workspace {
            root: root.clone(),
            fallback_facts: options.prometheus.clone(),
            options,
            catalog_paths,
            base: None,
            catalog: None,
            catalog_stale: true,
            named_configs,
            configs: BTreeSet::new(),
            files: BTreeMap::new(),
        };
        let mut problems = Vec::new();
        let rule_files = match workspace.scan_prometheus() {
            Ok(rule_files) => rule_files,
            Err(message) => {
                problems.push(message);
                Vec::new()
            }
        };
        if let Err(message) = workspace.load_base_catalog() {
            problems.push(message);
        }
        let (candidates, _) = pipeline::candidates(&[root], &workspace.options);
        let walked = candidates
            .into_iter()
            .filter(|candidate| candidate.kind == FileKind::Yaml)
            .map(|candidate| candidate.path);
        for path in walked.chain(rule_files) {
            let path = crate::config::absolute(&path, &workspace.root);
            if !workspace.files.contains_key(&path) {
                workspace.add_rule_file(path);
            }
        }
        (workspace, problems)
    }

    /// Adds a file on disk when it is a rule file: its recording rules are what other
    /// files read.
    fn add_rule_file(&mut self, path: PathBuf) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        let Ok(uri) = Url::from_file_path(&path) else {
            return;
        };
        self.files
            .insert(path.clone(), FileState::new(uri, text, false));
        self.refresh(&path);
        if !self.files[&path].is_rule_file() {
            self.files.remove(&path);
        }
    }

    /// Reads the Prometheus configurations (open documents as the editor holds them)
    /// into `options.prometheus`; returns the rule files they name. Without any
    /// configuration, `.promgate.yml`'s `prometheus:` settings hold.
    fn scan_prometheus(&mut self) -> Result<Vec<PathBuf>, String> {
        let files = &self.files;
        let text_of = |path: &Path| {
            files
                .get(path)
                .filter(|state| state.open)
                .map(|state| state.text.clone())
        };
        let scan = pipeline::prometheus_scan::scan_with(
            std::slice::from_ref(&self.root),
            &self.named_configs,
            &self.options,
            &text_of,
        )
        .map_err(|error| format!("promgate: {error}"))?;
        self.configs = scan.configs.into_iter().collect();
        self.options.prometheus = match scan.facts {
            Some(facts) => Some(std::sync::Arc::new(facts)),
            None => self.fallback_facts.clone(),
        };
        Ok(scan.rule_files)
    }

    /// Reads the catalog files (the configurations' target labels complete them).
    fn load_base_catalog(&mut self) -> Result<(), String> {
        self.catalog_stale = true;
        let loaded = pipeline::load_catalogs(
            &self.catalog_paths,
            &self.options.config,
            self.options.prometheus.as_deref(),
        );
        match loaded {
            Ok(base) => {
                self.base = base;
                Ok(())
            }
            Err(error) => {
                self.base = None;
                Err(format!("promgate: cannot read the catalog: {error}"))
            }
        }
    }

    /// Whether a file is (or was at the last scan) a Prometheus configuration.
    pub fn is_prometheus_config(&self, path: &Path) -> bool {
        self.configs.contains(path)
            || self.files.get(path).is_some_and(|state| {
                state
                    .units
                    .iter()
                    .any(|unit| matches!(unit.model, Some(Model::PromConfig(_))))
            })
    }

    /// Reads the configurations again after one changed in the editor. Returns whether
    /// their facts changed (then every open document's findings may have); rule files
    /// a configuration starts to name join the workspace.
    pub fn reload_prometheus(&mut self) -> Result<bool, String> {
        let before = self.options.prometheus.clone();
        let rule_files = self.scan_prometheus()?;
        for path in rule_files {
            let path = crate::config::absolute(&path, &self.root);
            if !self.files.contains_key(&path) {
                self.add_rule_file(path);
            }
        }
        if self.options.prometheus == before {
            return Ok(false);
        }
        self.load_base_catalog()?;
        Ok(true)
    }

    /// What the Prometheus configurations say, when the workspace has any.
    pub fn prometheus(&self) -> Option<&Facts> {
        self.options.prometheus.as_deref()
    }

    /// Opens (or re-opens) a document with the editor's text.
    pub fn open(&mut self, path: PathBuf, uri: Url, text: String, version: i32) {
        let state = self
            .files
            .entry(path)
            .or_insert_with(|| FileState::new(uri, String::new(), true));
        state.open = true;
        state.version = Some(version);
        state.text = text;
        state.stale = true;
    }

    /// Replaces an open document's text.
    pub fn set_text(&mut self, path: &Path, text: String, version: i32) -> bool {
        let Some(state) = self.files.get_mut(path) else {
            return false;
        };
        state.text = text;
        state.version = Some(version);
        state.stale = true;
        true
    }

    /// Closes a document: a workspace rule file goes back to its text on disk, any
    /// other file is forgotten. Returns the names of recording rules that changed.
    pub fn close(&mut self, path: &Path) -> BTreeSet<String> {
        let Some(state) = self.files.get_mut(path) else {
            return BTreeSet::new();
        };
        state.open = false;
        state.version = None;
        match std::fs::read_to_string(path) {
            Ok(text) if path.starts_with(&self.root) => {
                state.text = text;
                state.stale = true;
                let changed = self.refresh(path);
                if !self.files[path].is_rule_file() {
                    let removed = self.files.remove(path);
                    return removed_names(removed, changed);
                }
                changed
            }
            _ => {
                let removed = self.files.remove(path);
                removed_names(removed, BTreeSet::new())
            }
        }
    }

    /// Loads a file's text again if it changed; returns the recording-rule names
    /// whose definition changed (added, removed or edited).
    pub fn refresh(&mut self, path: &Path) -> BTreeSet<String> {
        let options = &self.options;
        let Some(state) = self.files.get_mut(path) else {
            return BTreeSet::new();
        };
        if !state.stale {
            return BTreeSet::new();
        }
        state.stale = false;
        let kind = FileKind::from_extension(path).unwrap_or(FileKind::Yaml);
        let display = path.to_string_lossy();
        // Like a file met while walking: other YAML and JSON are not ours to judge.
        state.units = pipeline::load_text_as(&display, state.text.clone(), kind, options, false);
        let recorded = recorded_of(&state.units);
        if recorded == state.recorded {
            return BTreeSet::new();
        }
        let mut changed: BTreeSet<String> = state.recorded_names().map(str::to_string).collect();
        changed.extend(recorded.iter().map(|(name, _, _)| name.clone()));
        // Only names whose definition differs: unchanged rules moved in the file are fine.
        let old: BTreeSet<_> = state.recorded.iter().collect();
        let new: BTreeSet<_> = recorded.iter().collect();
        let differing: BTreeSet<String> = old
            .symmetric_difference(&new)
            .map(|(name, _, _)| name.clone())
            .collect();
        changed.retain(|name| differing.contains(name));
        state.recorded = recorded;
        self.catalog_stale = true;
        changed
    }

    /// The catalog with every file's recording rules (rebuilt when they changed).
    pub fn catalog(&mut self) -> Option<&Catalog> {
        if self.catalog_stale {
            self.catalog_stale = false;
            self.catalog = self.base.as_ref().map(|base| {
                let mut catalog = base.clone();
                let rules: Vec<_> = self
                    .files
                    .values()
                    .flat_map(|state| &state.units)
                    .flat_map(pipeline::recording_rules_of)
                    .collect();
                add_recording_rules(&mut catalog, &rules);
                catalog
            });
        }
        self.catalog.as_ref()
    }

    /// The catalog as last built, without rebuilding it (for read-only requests).
    pub fn current_catalog(&self) -> Option<&Catalog> {
        self.catalog.as_ref().or(self.base.as_ref())
    }

    /// A file's diagnostics, as `promgate check` would report them.
    pub fn lint(&mut self, path: &Path) -> Vec<ReportedDiagnostic> {
        self.refresh(path);
        self.catalog();
        let catalog = self.catalog.as_ref();
        let Some(state) = self.files.get(path) else {
            return Vec::new();
        };
        state
            .units
            .iter()
            .flat_map(|unit| pipeline::check_file(unit, catalog, &self.options))
            .collect()
    }

    /// Open documents (other than those in `except`) that read a series of one of
    /// `names`: their findings may change when those recording rules change.
    pub fn open_readers(
        &self,
        names: &BTreeSet<String>,
        except: &BTreeSet<PathBuf>,
    ) -> Vec<PathBuf> {
        if names.is_empty() {
            return Vec::new();
        }
        self.files
            .iter()
            .filter(|(path, state)| state.open && !except.contains(*path))
            .filter(|(_, state)| state.units.iter().any(|unit| reads_any(unit, names)))
            .map(|(path, _)| path.clone())
            .collect()
    }

    /// A file's state with its current text loaded.
    pub fn loaded(&mut self, path: &Path) -> Option<&FileState> {
        self.refresh(path);
        self.files.get(path)
    }
}

impl FileState {
    fn new(uri: Url, text: String, open: bool) -> FileState {
        FileState {
            uri,
            text,
            open,
            version: None,
            units: Vec::new(),
            stale: true,
            recorded: Vec::new(),
        }
    }
}

fn removed_names(removed: Option<FileState>, mut changed: BTreeSet<String>) -> BTreeSet<String> {
    if let Some(state) = removed {
        changed.extend(state.recorded_names().map(str::to_string));
    }
    changed
}

/// What a loaded file's recording rules write, in file order.
fn recorded_of(units: &[Loaded]) -> Vec<(String, String, Vec<String>)> {
    units
        .iter()
        .filter_map(|unit| match &unit.model {
            Some(Model::Rules(rule_file)) => Some(rule_file),
            _ => None,
        })
        .flat_map(|rule_file| rule_file.rules())
        .filter(|(_, rule)| rule.record.is_some())
        .filter_map(|(_, rule)| {
            let name = rule.name()?.to_string();
            let expr = rule
                .expr
                .as_ref()
                .and_then(|e| e.text())
                .unwrap_or("")
                .to_string();
            let labels = rule
                .labels
                .iter()
                .map(|pair| format!("{}={}", pair.key, pair.text().unwrap_or("")))
                .collect();
            Some((name, expr, labels))
        })
        .collect()
}

/// Whether a loaded file's expressions read a series of one of `names` (a recorded
/// series, or one whose family it is). Dashboards are always re-checked: their queries
/// are cheap and their reads depend on variables.
fn reads_any(loaded: &Loaded, names: &BTreeSet<String>) -> bool {
    if matches!(loaded.model, Some(Model::Dashboards(_))) {
        return true;
    }
    loaded.exprs.iter().any(|parsed| {
        let Some(expr) = &parsed.result.expr else {
            return false;
        };
        let mut found = false;
        crate::catalog::flow::selectors(expr, &mut |selector, _| match selector.metric_name() {
            Some((name, _)) => {
                found |= crate::catalog::any_family_of_series(name, |family| names.contains(family))
            }
            // A `__name__` pattern may read any of them.
            None => found = true,
        });
        found || matches!(&parsed.origin, ExprOrigin::RecordingRule { name, .. } if names.contains(name))
    })
}
