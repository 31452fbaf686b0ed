//! Catalog checks: every PromQL expression (in rules and dashboards alike) held against
//! the metric catalog. Each check answers only when the catalog is sure; where it
//! knows nothing (an unknown metric, labels it never saw) the checks stay silent.

pub mod common;
pub mod counter;
pub mod gauge;
pub mod histogram;
pub mod job_scope;
pub mod silent;
pub mod unknown_label;
pub mod unknown_label_value;
pub mod unknown_metric;

use super::context::{ExprContext, ExprRun};
use super::{CheckMeta, Emitter};
use crate::catalog::Catalog;
use common::Finding;

pub const CHECKS: &[&CheckMeta] = &[
    &unknown_metric::META,
    &unknown_label::META,
    &unknown_label_value::META,
    &histogram::META,
    &counter::META,
    &gauge::META,
];

/// The catalog checks with their functions, for the expression-check registry.
pub const RUNNERS: &[(&CheckMeta, ExprRun)] = &[
    (&unknown_metric::META, unknown_metric::run),
    (&unknown_label::META, unknown_label::run),
    (&unknown_label_value::META, unknown_label_value::run),
    (&histogram::META, histogram::run),
    (&counter::META, counter::run),
    (&gauge::META, gauge::run),
];

/// The catalog to check against, if any. Queries whose text came from a dashboard
/// variable promgate could not resolve are not checked: their metric names and labels
/// may be placeholders.
fn catalog_for<'a>(ctx: &ExprContext<'a>) -> Option<&'a Catalog> {
    if ctx.uncertain {
        return None;
    }
    ctx.catalog
}

/// Turns findings (spans in the expression's text) into diagnostics in the file.
fn emit(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>, findings: Vec<Finding>) {
    crate::checks::promql::emit(ctx, emitter, findings);
}

#[cfg(test)]
mod tests;
