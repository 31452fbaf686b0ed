//! Checks on alerting rules' expressions.

pub mod comparison;

use super::context::ExprRun;
use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[&comparison::META];

pub const EXPR_RUNNERS: &[(&CheckMeta, ExprRun)] = &[(&comparison::META, comparison::run)];
