//! Checks of promtool unit-test files (`promtool test rules`), read without running them:
//! what stops promtool reading a file or a test group (structure, series notation,
//! PromQL), and what makes a test quietly test nothing (rule files that match nothing,
//! alert names no rule defines).

pub mod alertname;
pub mod expr;
pub mod rule_files;
pub mod schema;
pub mod series;

#[cfg(test)]
mod tests;

use super::CheckMeta;
use crate::diagnostic::Diagnostic;
use crate::eval::ruletest::lint::CheckedTestFile;

pub const CHECKS: &[&CheckMeta] = &[
    &schema::META,
    &series::META,
    &expr::META,
    &rule_files::META,
    &alertname::META,
];

/// The token of a series description (`metric{a="b"}`, promtool's `ParseSeriesDesc` and
/// `ParseMetric`) that [`crate::eval::series::parse_series_desc`] refuses: the parser's
/// error, a matcher that is not `=`, else the whole text.
fn series_desc_token(text: &str) -> std::ops::Range<usize> {
    let parsed = crate::promql::parse(text);
    let token = match (&parsed.expr, parsed.errors.first()) {
        (_, Some(error)) => Some(error.span.clone()),
        (Some(crate::promql::ast::Expr::Selector(selector)), None) => selector
            .matchers
            .iter()
            .find(|m| m.op != crate::promql::ast::MatchOp::Equal)
            .map(|m| m.op_span.clone()),
        _ => None,
    };
    token
        .filter(|span| span.end <= text.len())
        .unwrap_or(0..text.len())
}

/// Runs the checks of a unit-test file that `enabled` selects.
pub fn check_test_file(
    test_file: &CheckedTestFile,
    enabled: &dyn Fn(&CheckMeta) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    if enabled(&schema::META) {
        schema::run(test_file, out);
    }
    // The other checks need the file read: promtool stops at its first structural problem.
    let Ok(file) = &test_file.file else {
        return;
    };
    if enabled(&series::META) {
        series::run(file, out);
    }
    if enabled(&expr::META) {
        expr::run(file, out);
    }
    if let Some(rules) = &test_file.rules {
        if enabled(&rule_files::META) {
            rule_files::run(rules, out);
        }
        if enabled(&alertname::META) {
            alertname::run(file, rules, out);
        }
    }
}
