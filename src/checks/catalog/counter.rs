//! `catalog/counter`: a counter used raw (compared, aggregated, plotted) where its rate
//! or increase is meant. A counter's raw value only says how much happened since the
//! process started, and drops to zero on every restart.

use super::common::{walk_with_parents, Finding};
use crate::catalog::flow::{resolve, Resolved};
use crate::catalog::{Catalog, MetricType, SeriesKind, SeriesRef};
use crate::checks::context::ExprContext;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::ast::{AggregateOp, BinaryOp, Expr, VectorSelector};

pub static META: CheckMeta = CheckMeta {
    code: "catalog/counter",
    severity: Severity::Warning,
    summary: "A counter is used raw where its rate or increase is meant",
    docs: "A counter's raw value is the total since the process started, and falls to zero on \
every restart. Comparing it with a threshold, aggregating it or plotting it says more about \
uptime than about load: `http_requests_total > 1000` fires on any long-running server, and \
`sum(errors_total)` drops when one pod restarts. Read counters through `rate`, `irate` or \
`increase` (or `resets`). `absent`, `count`, `changes`, `timestamp`, `and`/`unless` filters and \
`c - c offset 1h` use counters correctly. A histogram's or summary's `_bucket`, `_sum` and \
`_count` are counters too.\n\n\
Fix: `rate(x[5m])` for a per-second rate, `increase(x[1h])` for the count in a window.",
    bad: fixture!("catalog/counter/fail.yml"),
    good: fixture!("catalog/counter/pass.yml"),
    enabled_by_default: true,
};

/// Functions that read a counter correctly, or whose misuse `catalog/gauge` reports.
const COUNTER_SAFE: &[&str] = &[
    "rate",
    "irate",
    "increase",
    "resets",
    "changes",
    "absent",
    "absent_over_time",
    "present_over_time",
    "count_over_time",
    "timestamp",
    "delta",
    "deriv",
    "idelta",
    "predict_linear",
    "holt_winters",
    "double_exponential_smoothing",
    "ts_of_first_over_time",
    "ts_of_last_over_time",
];

/// Whether a series holds counter values: a counter, or a classic histogram's or a
/// summary's `_bucket`/`_sum`/`_count`.
pub fn is_counter_series(series: &SeriesRef) -> bool {
    match series.family.kind {
        MetricType::Counter => matches!(series.kind, SeriesKind::Bare | SeriesKind::Total),
        MetricType::Histogram => matches!(
            series.kind,
            SeriesKind::Bucket | SeriesKind::Sum | SeriesKind::Count
        ),
        MetricType::Summary => matches!(series.kind, SeriesKind::Sum | SeriesKind::Count),
        _ => false,
    }
}

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if let Some(catalog) = super::catalog_for(ctx) {
        super::emit(ctx, emitter, find(ctx.expr, catalog));
    }
}

pub fn find(expr: &Expr, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = Vec::new();
    walk_with_parents(expr, &mut |node, parents| {
        let (selector, is_range) = match node {
            Expr::Selector(selector) => (&**selector, false),
            Expr::Matrix(matrix) => (&matrix.selector, true),
            _ => return,
        };
        let Resolved::Series(series) = resolve(selector, catalog) else {
            return;
        };
        if !is_counter_series(&series) || used_safely(node, parents) {
            return;
        }
        // A range of a counter outside the functions above (`max_over_time(c[5m])`)
        // is raw too; a plain selector is the common case.
        let _ = is_range;
        findings.push(finding(selector, &series, parents));
    });
    findings
}

fn finding(selector: &VectorSelector, series: &SeriesRef, parents: &[&Expr]) -> Finding {
    let name = selector.metric_name().map(|(n, _)| n).unwrap_or_default();
    let what = match series.family.kind {
        MetricType::Counter => format!("`{name}` is a counter"),
        kind => format!(
            "`{name}` is a counter series of the {kind} `{}`",
            series.family.name
        ),
    };
    let how = match parents.last() {
        Some(Expr::Aggregate(a)) => format!("`{}` of its raw value", a.op.as_str()),
        Some(Expr::Binary(b)) if b.op.is_comparison() => {
            "a comparison of its raw value".to_string()
        }
        _ => "its raw value".to_string(),
    };
    Finding::new(
        selector.base_span(),
        format!("{what}, but {how} is used: that is the total since the process started, and it falls to zero on restarts"),
    )
    .help(format!(
        "use its rate: `rate({name}[5m])` (per second) or `increase({name}[1h])` (per hour)"
    ))
}

/// Whether the selector at `node` is read through a counter-safe function, counted,
/// used as a mere filter (`and`/`unless` right-hand side), or differenced against
/// itself (`c - c offset 1h`).
fn used_safely(node: &Expr, parents: &[&Expr]) -> bool {
    let mut child = node;
    for parent in parents.iter().rev() {
        match parent {
            Expr::Call(call) if COUNTER_SAFE.contains(&call.name.as_str()) => return true,
            Expr::Aggregate(aggregate)
                if matches!(
                    aggregate.op,
                    AggregateOp::Count | AggregateOp::Group | AggregateOp::CountValues
                ) =>
            {
                return true
            }
            Expr::Binary(binary) => {
                if matches!(binary.op, BinaryOp::And | BinaryOp::Unless)
                    && std::ptr::eq(&*binary.rhs, child)
                {
                    return true;
                }
                if binary.op == BinaryOp::Sub && same_metric(&binary.lhs, &binary.rhs) {
                    return true;
                }
            }
            // A subquery over a raw counter is judged by what reads the subquery.
            _ => {}
        }
        child = parent;
    }
    false
}

fn same_metric(a: &Expr, b: &Expr) -> bool {
    let name = |e: &Expr| match e.unparen() {
        Expr::Selector(s) => s.metric_name().map(|(n, _)| n.to_string()),
        _ => None,
    };
    matches!((name(a), name(b)), (Some(x), Some(y)) if x == y)
}
