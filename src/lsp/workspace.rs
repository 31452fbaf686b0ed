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
    /// The expression checks' findings of the last lint, for the next one.
    exprs: super::cache::ExprCache,
    /// The parses of the last load's expressions, for the next one.
    parses: crate::checks::context::ParseMemo,
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
    /// Counts changes of what every expression check reads (the catalog, the
    /// Prometheus facts): findings kept from a lint before one are not reused.
    generation: u64,
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
            generation: 0,
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
        let mut scan = scan;
        // The walk reads only files on disk: an open document of the workspace that
        // was never saved may be a configuration too.
        for (path, state) in &self.files {
            let unsaved = state.open
                && path.starts_with(&self.root)
                && !scan.configs.contains(path)
                && !path.exists();
            if unsaved {
                pipeline::prometheus_scan::add_unsaved(&mut scan, path, state.text.clone());
            }
        }
        scan.rule_files.sort();
        scan.rule_files.dedup();
        self.configs = scan.configs.into_iter().collect();
        self.generation += 1;
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
        let text = state.text.clone();
        state.units = state
            .parses
            .lend(|| pipeline::load_text_as(&display, text, kind, options, false));
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
            self.generation += 1;
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
        let options = &self.options;
        let Some(state) = self.files.get_mut(path) else {
            return Vec::new();
        };
        let cache = &mut state.exprs;
        cache.begin(self.generation);
        let mut check = |file: &crate::source::SourceFile,
                         parsed: &crate::checks::context::ParsedExpr,
                         enabled: &dyn Fn(&crate::checks::CheckMeta) -> bool,
                         out: &mut Vec<crate::diagnostic::Diagnostic>| {
            cache.check(file, parsed, out, |out| {
                crate::checks::context::check_expr(file, parsed, options, catalog, enabled, out)
            })
        };
        let found = state
            .units
            .iter()
            .flat_map(|unit| pipeline::check_file_with(unit, catalog, options, &mut check))
            .collect();
        cache.end();
        // The analyses the checks computed serve the next load of the same texts.
        for parsed in state.units.iter().flat_map(|unit| &unit.exprs) {
            state.parses.learn(parsed);
        }
        found
    }

    /// A file's diagnostics from a lint that reuses nothing (to compare with [`Self::lint`]).
    #[cfg(test)]
    pub fn lint_fresh(&mut self, path: &Path) -> Vec<ReportedDiagnostic> {
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
            exprs: Default::default(),
            parses: Default::default(),
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
        found || matches!(&parsed.origin, ExprOrigin::RecordingRule { name, .. } if names.contains(&**name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "\
version: 1
complete: true
target_labels: [job, instance]
metrics:
  app_requests_total:
    type: counter
    labels: [route, code]
  app_latency_seconds:
    type: histogram
    labels: [route]
";

    /// Rules in the styles a fix's encoding tells apart (plain, quoted, block), with
    /// findings (unknown labels, a negative offset, a `rate` of a gauge-like sum).
    const RULES: &str = "\
groups:
  - name: g
    rules:
      - record: route:app_requests:rate5m
        expr: sum by (route, code) (rate(app_requests_total[5m]))
      - alert: Errors
        expr: sum by (route) (rate(app_requests_total{code=~\"5..\", cdoe=\"1\"}[5m])) > 0.05
        for: 5m
        annotations:
          summary: \"{{ $labels.route }} fails {{ $labels.nope }}\"
      - alert: Quoted
        expr: \"route:app_requests:rate5m{code='500', method='GET'} > 1\"
      - alert: Block
        expr: |
          histogram_quantile(0.9, rate(app_latency_seconds_bucket{routee=\"a\"}[5m]))
            > 1

      - alert: Offset
        expr: rate(app_requests_total[5m] offset -1m) > 1
      - alert: Same
        expr: rate(app_requests_total[5m] offset -1m) > 1
";

    /// Deterministic pseudo-random numbers (xorshift), so a failure can be replayed.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n.max(1) as u64) as usize
        }
    }

    fn workspace(root: &Path) -> Workspace {
        let options = Options {
            config: std::sync::Arc::new(crate::config::Config::defaults(root.to_path_buf())),
            ..Options::default()
        };
        let (workspace, problems) =
            Workspace::new(root.to_path_buf(), options, vec![root.join("catalog.yml")]);
        assert_eq!(problems, Vec::<String>::new());
        workspace
    }

    fn comparable(found: &[ReportedDiagnostic]) -> Vec<String> {
        found
            .iter()
            .map(|d| format!("{:?} {:?} {:?}", d.diagnostic, d.start, d.end))
            .collect()
    }

    /// One random edit: most keep the YAML valid (a threshold, a label, a comment line
    /// that moves everything below, a rule copied or removed), some break it (a byte
    /// cut anywhere: the second value is false, and the next edit starts from the text
    /// before it, so that the file is not left broken for good).
    fn edit(text: &str, random: &mut Random) -> (String, bool) {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let line = random.below(lines.len());
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        match random.below(8) {
            0 | 1 => {
                let plain = out[line].trim_start().starts_with("expr: ")
                    && !out[line].trim_end().ends_with('"');
                if let Some(at) = out[line].rfind("> ").filter(|_| plain) {
                    let number = ["0.05", "1", "2", "0.5", "10"][random.below(5)];
                    let end = out[line].trim_end().len();
                    out[line].replace_range(at + 2..end, number);
                }
            }
            2 => {
                if out[line].starts_with("      - ") {
                    out.insert(line, "# moved\n".to_string());
                }
            }
            3 => {
                let swaps = [
                    ("cdoe", "code"),
                    ("code", "cdoe"),
                    ("routee", "route"),
                    ("-1m", "1m"),
                    ("1m)", "-1m)"),
                ];
                let (from, to) = swaps[random.below(swaps.len())];
                out[line] = out[line].replacen(from, to, 1);
            }
            4 => {
                if out[line].trim_start().starts_with("- alert:") && line + 1 < out.len() {
                    let copy = [out[line].clone(), out[line + 1].clone()];
                    out.splice(line..line, copy);
                }
            }
            5 => {
                if out[line].trim_start().starts_with("- alert:") && line + 1 < out.len() {
                    out.drain(line..line + 2);
                }
                return (out.concat(), false);
            }
            6 => {
                if !out[line].is_empty() {
                    let at = random.below(out[line].len());
                    if out[line].is_char_boundary(at) && out[line].is_char_boundary(at + 1) {
                        out[line].replace_range(at..at + 1, "");
                    }
                }
                return (out.concat(), false);
            }
            _ => out[line] = out[line].replacen("Errors", "Failures", 1),
        }
        (out.concat(), true)
    }

    #[test]
    fn lints_after_random_edits_equal_fresh_lints_of_the_same_text() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("catalog.yml"), CATALOG).unwrap();
        let mut kept = workspace(&root);
        let path = root.join("alerts.yml");
        let uri = Url::from_file_path(&path).unwrap();
        kept.open(path.clone(), uri.clone(), RULES.to_string(), 1);
        let mut text = RULES.to_string();
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        for version in 2..202 {
            let (edited, keep) = edit(&text, &mut random);
            let text = if keep {
                text = edited;
                text.clone()
            } else {
                edited
            };
            kept.set_text(&path, text.clone(), version);
            let cached = comparable(&kept.lint(&path));
            let mut fresh = workspace(&root);
            fresh.open(path.clone(), uri.clone(), text.clone(), version);
            assert_eq!(
                cached,
                comparable(&fresh.lint(&path)),
                "edit {version}, text:\n{text}"
            );
            assert_eq!(cached, comparable(&kept.lint_fresh(&path)));
        }
        // The edits kept the file valid most of the time: most expressions were
        // answered from the cache (5 of the 6 per lint when nothing is broken).
        let hits = kept.files[&path].exprs.hits();
        assert!(hits > 400, "{hits} hits; the text now:\n{text}");
    }
}
