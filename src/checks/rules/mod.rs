//! Checks of rule-file structure.

pub mod duplicate;
pub mod schema;

use super::CheckMeta;
use crate::diagnostic::Diagnostic;
use crate::rules::{RuleFile, RuleOptions};

pub const CHECKS: &[&CheckMeta] = &[&schema::META, &duplicate::META];

/// Runs every rule-file check (structure, duplicates, templates) on one file, and reports
/// the PromQL syntax errors found when each `expr` was parsed at load time.
pub fn check_rule_file(file: &RuleFile, options: &RuleOptions, out: &mut Vec<Diagnostic>) {
    schema::run(file, options, out);
    duplicate::run(file, out);
    super::template::syntax::run(file, out);
    expr_syntax(file, out);
}

/// `promql/syntax` for every rule's `expr`, at the exact token in the file.
fn expr_syntax(file: &RuleFile, out: &mut Vec<Diagnostic>) {
    for (group, rule) in file.rules() {
        let Some((scalar, parsed)) = rule.expr() else {
            continue;
        };
        for mut diagnostic in super::promql::syntax::diagnostics(parsed, &scalar.map) {
            diagnostic.context.push(("group", group.name().to_string()));
            diagnostic
                .context
                .push(("rule", rule.name().unwrap_or_default().to_string()));
            out.push(diagnostic);
        }
    }
}

#[cfg(test)]
mod tests;
