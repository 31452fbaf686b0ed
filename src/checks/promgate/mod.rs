//! Checks about promgate's own directives in the linted files.

pub mod unused_suppression;

use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[&unused_suppression::META];
