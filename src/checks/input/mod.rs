//! Checks of a file as a whole: whether promgate can read it, and whether it is
//! something promgate lints.

pub mod invalid;
pub mod unrecognized;

use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[&invalid::META, &unrecognized::META];
