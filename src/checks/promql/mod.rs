//! Checks on PromQL expressions, wherever they come from (rule files, dashboards).

pub mod feature;
pub mod histogram_le;
pub mod regexp;
pub mod rule_file;
pub mod syntax;

use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[
    &syntax::META,
    &feature::META,
    &histogram_le::META,
    &regexp::META,
];

#[cfg(test)]
mod tests;
