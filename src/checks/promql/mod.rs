//! Checks on PromQL expressions, wherever they come from (rule files, dashboards).

pub mod syntax;

use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[&syntax::META];
