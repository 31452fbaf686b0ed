//! What `.promgate.yml` says, after validation.

use super::codes::CodePattern;
use crate::checks::CheckMeta;
use crate::diagnostic::Severity;
use crate::rules::Dialect;
use globset::GlobSet;
use std::path::PathBuf;

/// A check's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    /// On, at the check's default severity (turns on opt-in checks).
    On,
    At(Severity),
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "off" => Some(Level::Off),
            "on" => Some(Level::On),
            other => Severity::parse(other).map(Level::At),
        }
    }
}

/// One `code-or-glob: level` line of a `checks:` mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSetting {
    pub pattern: CodePattern,
    pub level: Level,
}

/// Path globs with their original text, matched against paths relative to the
/// config file's folder.
#[derive(Debug, Clone)]
pub struct PathGlobs {
    pub patterns: Vec<String>,
    pub set: GlobSet,
}

impl PathGlobs {
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn is_match(&self, relative_path: &str) -> bool {
        self.set.is_match(relative_path)
    }
}

/// Two glob lists are the same when they were written the same.
impl PartialEq for PathGlobs {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns
    }
}

impl Eq for PathGlobs {}

impl Default for PathGlobs {
    fn default() -> Self {
        PathGlobs {
            patterns: Vec::new(),
            set: GlobSet::empty(),
        }
    }
}

/// `overrides:` entry: stricter or looser settings for some paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub paths: PathGlobs,
    pub checks: Vec<CheckSetting>,
    /// The rule evaluator these paths are written for (a repository with Thanos and
    /// Prometheus rules side by side lints both in one run).
    pub dialect: Option<Dialect>,
}

/// Which panel of a dashboard an exclusion names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PanelSelector {
    Id(i64),
    Title(String),
}

/// `dashboards.exclude:` entry. JSON has no comments, so dashboards are silenced here:
/// by uid and/or path, optionally one panel, optionally some checks (all when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardExclusion {
    pub uid: Option<String>,
    pub paths: PathGlobs,
    pub panel: Option<PanelSelector>,
    pub checks: Vec<CodePattern>,
}

/// A label every alert must carry, optionally restricted to some values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredLabel {
    pub name: String,
    /// Allowed values; empty means any non-empty value.
    pub allowed: Vec<String>,
}

/// Team policy for alerting rules, used by `alerts/required-labels` and
/// `alerts/required-annotations` (which are on only when this is configured).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertPolicy {
    pub required_labels: Vec<RequiredLabel>,
    pub required_annotations: Vec<String>,
}

/// How the Prometheus server that will load the rules is set up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrometheusSettings {
    /// The Prometheus configuration file (prometheus.yml), relative to the config's
    /// folder: its jobs, intervals and target labels reach the checks.
    pub config: Option<String>,
    /// Scrape interval in seconds, for range-vs-interval checks.
    pub scrape_interval_seconds: Option<u64>,
    /// Labels the scrape adds to every series (e.g. `cluster`), treated as present.
    pub extra_target_labels: Vec<String>,
    /// `--enable-feature` names the server runs with (e.g. `promql-experimental-functions`).
    pub features: Vec<String>,
    /// Which rule-file flavour to expect: `prometheus`, `thanos`, `vmalert`, `mimir`.
    pub dialect: Option<String>,
    /// `utf8` (Prometheus 3 default) or `legacy` metric and label names.
    pub name_validation: Option<String>,
}

/// How much of the metrics in use the catalogs cover, for `catalog/unknown-metric`.
/// The same settings as a catalog file's `complete` and `exclude_namespaces`, for
/// teams that import their catalogs and would lose an edit on the next import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogCoverage {
    /// Every metric in use is in the catalogs: an unknown name is reported in every
    /// namespace, not only in namespaces the catalogs know.
    pub complete: bool,
    /// Namespaces (the part of a metric name before the first `_`) whose unknown
    /// metrics are never reported.
    pub exclude_namespaces: Vec<String>,
}

/// The validated configuration. Globs are relative to `root`, the config file's folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it came from, `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    pub root: PathBuf,
    /// The folder promgate runs in: relative paths in diagnostics are relative to it.
    pub cwd: PathBuf,
    pub checks: Vec<CheckSetting>,
    pub catalogs: Vec<String>,
    pub catalog_coverage: CatalogCoverage,
    pub include: PathGlobs,
    pub exclude: PathGlobs,
    pub overrides: Vec<Override>,
    pub dashboard_exclusions: Vec<DashboardExclusion>,
    pub alerts: AlertPolicy,
    pub prometheus: PrometheusSettings,
    /// `max_file_size`: larger files are reported instead of linted.
    pub max_file_bytes: Option<u64>,
}

impl Config {
    /// The built-in defaults, rooted at `root`.
    pub fn defaults(root: PathBuf) -> Config {
        Config {
            cwd: root.clone(),
            root,
            ..Config::default()
        }
    }

    /// The level the config gives `code` for a file at `relative_path`, or `None` when
    /// no setting names it. Overrides for matching paths win over top-level settings;
    /// within one list the most specific pattern wins, then the last one written.
    pub fn level_for(&self, code: &str, relative_path: &str) -> Option<Level> {
        let mut level = best_setting(&self.checks, code);
        for entry in &self.overrides {
            if entry.paths.is_match(relative_path) {
                if let Some(found) = best_setting(&entry.checks, code) {
                    level = Some(found);
                }
            }
        }
        level
    }

    /// The dialect the overrides give a file at `relative_path`, if any: the last
    /// matching override that names one wins, as for check levels.
    pub fn dialect_for(&self, relative_path: &str) -> Option<Dialect> {
        self.overrides
            .iter()
            .rev()
            .filter(|entry| entry.dialect.is_some())
            .find(|entry| entry.paths.is_match(relative_path))
            .and_then(|entry| entry.dialect)
    }

    /// Whether any override sets a dialect (most configs have none: no path to match).
    pub fn overrides_set_dialect(&self) -> bool {
        self.overrides.iter().any(|entry| entry.dialect.is_some())
    }

    /// Whether a check runs on a file, and at which severity (`None`: it does not).
    pub fn severity_for(&self, meta: &CheckMeta, relative_path: &str) -> Option<Severity> {
        match self.level_for(meta.code, relative_path) {
            Some(Level::Off) => None,
            Some(Level::On) => Some(meta.severity),
            Some(Level::At(severity)) => Some(severity),
            None if meta.enabled_by_default || self.policy_enables(meta.code) => {
                Some(meta.severity)
            }
            None => None,
        }
    }

    /// Policy checks turn on when their policy is configured.
    fn policy_enables(&self, code: &str) -> bool {
        match code {
            "alerts/required-labels" => !self.alerts.required_labels.is_empty(),
            "alerts/required-annotations" => !self.alerts.required_annotations.is_empty(),
            _ => false,
        }
    }

    /// Whether discovery should skip a path (relative to the config's folder).
    pub fn is_excluded(&self, relative_path: &str) -> bool {
        if self.exclude.is_match(relative_path) {
            return true;
        }
        !self.include.is_empty() && !self.include.is_match(relative_path)
    }
}

fn best_setting(settings: &[CheckSetting], code: &str) -> Option<Level> {
    let mut best: Option<(usize, Level)> = None;
    for setting in settings.iter().filter(|s| s.pattern.matches(code)) {
        let specificity = setting.pattern.specificity();
        if best.is_none_or(|(current, _)| specificity >= current) {
            best = Some((specificity, setting.level));
        }
    }
    best.map(|(_, level)| level)
}
