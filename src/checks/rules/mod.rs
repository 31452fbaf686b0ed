//! Checks of rule-file structure.

pub mod duplicate;
pub mod schema;

use super::CheckMeta;
use crate::diagnostic::Diagnostic;
use crate::rules::template::ParsedTemplates;
use crate::rules::{RuleFile, RuleOptions};

pub const CHECKS: &[&CheckMeta] = &[&schema::META, &duplicate::META];

/// Runs every rule-file check (structure, duplicates, templates) on one file. PromQL in
/// `expr` is parsed once by the pipeline and checked as an expression (`promql/*`);
/// `templates` are the file's alert templates, parsed once for every check that reads
/// them.
pub fn check_rule_file(
    file: &RuleFile,
    templates: &ParsedTemplates<'_>,
    options: &RuleOptions,
    out: &mut Vec<Diagnostic>,
) {
    schema::run(file, options, out);
    duplicate::run(file, out);
    super::template::syntax::run(file, templates, out);
}

#[cfg(test)]
mod tests;
