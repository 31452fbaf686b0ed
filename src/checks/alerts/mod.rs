//! Checks on alerting rules' expressions.

pub mod comparison;

use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[&comparison::META];
