//! Settings of one run, shared by the loaders and the checks.

use crate::config::Config;
use crate::rules::{Dialect, NameValidation, RuleOptions};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Experimental syntax that Prometheus accepts only behind `--enable-feature`; the
/// names are Prometheus' own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Feature {
    /// Functions marked experimental (`limitk`, `limit_ratio`, `sort_by_label`, ...).
    #[value(name = "promql-experimental-functions")]
    PromqlExperimentalFunctions,
    /// `anchored` and `smoothed` range selector modifiers.
    #[value(name = "promql-extended-range-selectors")]
    PromqlExtendedRangeSelectors,
    /// `fill`, `fill_left`, `fill_right` modifiers of binary operators.
    #[value(name = "promql-binop-fill-modifiers")]
    PromqlBinopFillModifiers,
}

impl Feature {
    /// The flag value that enables it.
    pub fn name(self) -> &'static str {
        match self {
            Feature::PromqlExperimentalFunctions => "promql-experimental-functions",
            Feature::PromqlExtendedRangeSelectors => "promql-extended-range-selectors",
            Feature::PromqlBinopFillModifiers => "promql-binop-fill-modifiers",
        }
    }
}

/// Files larger than this are reported, not read: real rule files and dashboards are a
/// few hundred kilobytes at most, and this keeps memory bounded.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Everything that changes how files are loaded and judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub dialect: Dialect,
    pub name_validation: NameValidation,
    /// Features enabled with `--enable-feature`.
    pub features: BTreeSet<Feature>,
    pub max_file_bytes: u64,
    /// Treat files named on the command line like files found in folders: config
    /// excludes apply and files that are neither rule files nor dashboards are skipped
    /// quietly (`--skip-unrecognized`, for pre-commit, which passes every changed
    /// YAML and JSON file).
    pub skip_unrecognized: bool,
    /// `.promgate.yml` (or the defaults): check levels, paths, suppressions, policy.
    pub config: Arc<Config>,
    /// What the Prometheus configuration says (jobs, scrape intervals, target labels,
    /// external labels), or `.promgate.yml`'s `prometheus:` fallback.
    pub prometheus: Option<Arc<crate::promconfig::Facts>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dialect: Dialect::default(),
            name_validation: NameValidation::default(),
            features: BTreeSet::new(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            skip_unrecognized: false,
            config: Arc::new(Config::default()),
            prometheus: None,
        }
    }
}

impl Options {
    pub fn feature_enabled(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    /// The settings the rule-file checks read.
    pub fn rule_options(&self) -> RuleOptions {
        RuleOptions {
            dialect: self.dialect,
            name_validation: self.name_validation,
        }
    }
}
