//! Checks of a YAML file as YAML, before any model is built from it.

pub mod syntax;

use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[&syntax::META];
