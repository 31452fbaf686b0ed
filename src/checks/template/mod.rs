//! Checks of the Go templates in alert labels and annotations.

pub mod label;
pub mod syntax;

use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[&syntax::META, &label::META];
