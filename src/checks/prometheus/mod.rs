//! Checks of Prometheus configuration files, and checks that hold expressions to the
//! facts a configuration gives (jobs, scrape intervals).

pub mod config;
pub mod external_labels;
pub mod range_window;
pub mod rule_files;
pub mod target_file;
pub mod unknown_job;

use super::context::ExprRun;
use super::CheckMeta;
use crate::diagnostic::Diagnostic;
use crate::promconfig::PromConfig;

pub const CHECKS: &[&CheckMeta] = &[
    &config::META,
    &rule_files::META,
    &target_file::META,
    &unknown_job::META,
    &range_window::META,
    &external_labels::META,
];

/// The checks that run on every parsed expression.
pub const EXPR_RUNNERS: &[(&CheckMeta, ExprRun)] = &[
    (&unknown_job::META, unknown_job::run),
    (&range_window::META, range_window::run),
];

/// Runs the checks of a configuration file that `enabled` selects.
pub fn check_config_file(
    config: &PromConfig,
    enabled: &dyn Fn(&CheckMeta) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    if enabled(&config::META) {
        config::run(config, out);
    }
    if enabled(&rule_files::META) {
        rule_files::run(config, out);
    }
    if enabled(&target_file::META) {
        target_file::run(config, out);
    }
}
