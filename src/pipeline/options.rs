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

/// Reads a file size as `--max-file-size` and the config's `max_file_size` take it:
/// bytes (`1048576`), or a whole number with a binary unit (`512KiB`, `16MiB`, `1GiB`;
/// `K`/`M`/`G` and `KB`/`MB`/`GB` mean the same, as in most tools' size flags).
pub fn parse_file_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let invalid = || {
        format!("`{text}` is not a file size: write bytes, or a number with KiB, MiB or GiB (e.g. 32MiB)")
    };
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(invalid()),
    };
    let bytes = number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is too large a file size"))?;
    if bytes == 0 {
        return Err("the file size limit must be more than 0 bytes".to_string());
    }
    Ok(bytes)
}

/// Everything that changes how files are loaded and judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The run's dialect (`--dialect`, else the config's `prometheus.dialect`); a config
    /// override may set another for some paths (see [`Options::dialect_for`]).
    pub dialect: Dialect,
    /// `--dialect` was given: it holds for every file, over the config's overrides.
    pub dialect_from_flag: bool,
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
    /// Texts to lint instead of what is on disk, by the path shown in output (`--fix`
    /// lints its fixed texts again before writing any of them).
    pub overlay: Option<Arc<std::collections::BTreeMap<String, String>>>,
    /// What the Prometheus configuration says (jobs, scrape intervals, target labels,
    /// external labels), or `.promgate.yml`'s `prometheus:` fallback.
    pub prometheus: Option<Arc<crate::promconfig::Facts>>,
    /// What the run read before its checks (the configurations the scan read, files
    /// loaded meanwhile), for the loader to take instead of reading them again.
    pub preloaded: Option<Arc<super::preload::Preloaded>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dialect: Dialect::default(),
            dialect_from_flag: false,
            name_validation: NameValidation::default(),
            features: BTreeSet::new(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            skip_unrecognized: false,
            config: Arc::new(Config::default()),
            overlay: None,
            prometheus: None,
            preloaded: None,
        }
    }
}

impl Options {
    /// The dialect rule files at `relative_path` are written for: the one a config
    /// override gives that path, unless `--dialect` fixed one for the whole run.
    pub fn dialect_for(&self, relative_path: &str) -> Dialect {
        if self.dialect_from_flag {
            return self.dialect;
        }
        self.config
            .dialect_for(relative_path)
            .unwrap_or(self.dialect)
    }

    /// [`Options::dialect_for`] a file as named in the output.
    pub fn dialect_for_file(&self, path: &str) -> Dialect {
        if self.dialect_from_flag || !self.config.overrides_set_dialect() {
            return self.dialect;
        }
        self.dialect_for(&self.config.relative(path))
    }

    pub fn feature_enabled(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    /// The settings the rule-file checks read for the file named `path` in the output.
    pub fn rule_options(&self, path: &str) -> RuleOptions {
        RuleOptions {
            dialect: self.dialect_for_file(path),
            name_validation: self.name_validation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_in_bytes_and_binary_units() {
        assert_eq!(parse_file_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_file_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_file_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_file_size("2g"), Ok(2 << 30));
        assert_eq!(parse_file_size("64MB"), Ok(64 << 20));
        for bad in ["", "MiB", "1.5MiB", "-1", "10 parsecs", "0"] {
            assert!(parse_file_size(bad).is_err(), "{bad:?}");
        }
        assert!(parse_file_size("99999999999999999999GiB").is_err());
    }
}
