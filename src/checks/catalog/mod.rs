//! Catalog checks: every PromQL expression (in rules and dashboards alike) held against
//! the metric catalog. Each check answers only when the catalog is sure; where it
//! knows nothing (an unknown metric, labels it never saw) the checks stay silent.

pub mod common;
pub mod counter;
pub mod gauge;
pub mod histogram;
pub mod unknown_label;
pub mod unknown_metric;

use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[
    &unknown_metric::META,
    &unknown_label::META,
    &histogram::META,
    &counter::META,
    &gauge::META,
];

#[cfg(test)]
mod tests;
