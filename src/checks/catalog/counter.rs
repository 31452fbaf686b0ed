//! `catalog/counter`: a counter used raw (compared, aggregated, plotted) where its rate
//! or increase is meant. A counter's raw value only says how much happened since the
//! process started, and drops to zero on every restart.

use super::common::{ExprWalk, Finding};
use crate::catalog::flow::Resolved;
use crate::catalog::{Catalog, MetricType, SeriesKind, SeriesRef};
use crate::checks::context::{ExprContext, ExprOrigin};
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
        super::emit(
            ctx,
            emitter,
            find_in(ctx.walk(catalog), recording_rule(ctx)),
        );
    }
}

fn recording_rule(ctx: &ExprContext<'_>) -> bool {
    matches!(ctx.origin, ExprOrigin::RecordingRule { .. })
}

pub fn find(expr: &Expr, catalog: &Catalog, recording_rule: bool) -> Vec<Finding> {
    find_in(&ExprWalk::new(expr, catalog), recording_rule)
}

/// The findings on an expression walked with the catalog.
pub fn find_in(walk: &ExprWalk<'_>, recording_rule: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Only a selector the catalog resolves can be a counter.
    if walk.blind() {
        return findings;
    }
    walk.each(&mut |node, parents| {
        let selector = match node {
            Expr::Selector(selector) => &**selector,
            Expr::Matrix(matrix) => &matrix.selector,
            _ => return,
        };
        let Resolved::Series(series) = walk.resolve(selector) else {
            return;
        };
        if !is_counter_series(&series) {
            return;
        }
        if let Some(how) = raw_use(node, parents, recording_rule) {
            findings.push(finding(selector, &series, how));
        }
    });
    findings
}

fn finding(selector: &VectorSelector, series: &SeriesRef, how: String) -> Finding {
    let name = selector.metric_name().map(|(n, _)| n).unwrap_or_default();
    let what = match series.family.kind {
        MetricType::Counter => format!("`{name}` is a counter"),
        kind => format!(
            "`{name}` is a counter series of the {kind} `{}`",
            series.family.name
        ),
    };
    Finding::new(
        selector.base_span(),
        format!("{what}, but {how}: that is the total since the process started, and it falls to zero on restarts"),
    )
    .help(format!(
        "use its rate: `rate({name}[5m])` (per second) or `increase({name}[1h])` (per hour)"
    ))
}

/// How the counter at `node` is used raw, if it is: the first ancestor that is not a
/// mere relabeling (parentheses, `label_replace`, `label_join`, `sort`, set operators)
/// decides. Reported: a comparison with a number other than 0 (`> 0` asks "did it ever
/// happen"), an aggregation other than `count`/`group`, or the whole expression being
/// the raw counter (plotted or alerted on; a recording rule may copy or relabel a
/// counter, its output is a counter too). Arithmetic with other series and every other
/// function leave us unsure, and unsure stays silent.
/// Whether something above `from` throws the values away (`count(sum(c) by (cpu))`
/// counts CPUs; `x and sum(c) > 5` only filters).
fn values_discarded(parents: &[&Expr], from: &Expr) -> bool {
    let Some(at) = parents.iter().position(|p| std::ptr::eq(*p, from)) else {
        return false;
    };
    let mut child = from;
    for parent in parents[..at].iter().rev() {
        match parent {
            Expr::Aggregate(a)
                if matches!(
                    a.op,
                    AggregateOp::Count | AggregateOp::Group | AggregateOp::CountValues
                ) =>
            {
                return true
            }
            Expr::Call(call) if COUNTER_SAFE.contains(&call.name.as_str()) => return true,
            Expr::Binary(b)
                if matches!(b.op, BinaryOp::And | BinaryOp::Unless)
                    && std::ptr::eq(&*b.rhs, child) =>
            {
                return true
            }
            _ => {}
        }
        child = parent;
    }
    false
}

fn raw_use(node: &Expr, parents: &[&Expr], recording_rule: bool) -> Option<String> {
    let mut child = node;
    for parent in parents.iter().rev() {
        match parent {
            Expr::Paren(_) => {}
            Expr::Call(call) if COUNTER_SAFE.contains(&call.name.as_str()) => return None,
            Expr::Call(call)
                if matches!(
                    call.name.as_str(),
                    "label_replace"
                        | "label_join"
                        | "sort"
                        | "sort_desc"
                        | "sort_by_label"
                        | "sort_by_label_desc"
                ) => {}
            Expr::Call(_) | Expr::Subquery(_) | Expr::Unary(_) => return None,
            Expr::Aggregate(aggregate) => {
                return match aggregate.op {
                    AggregateOp::Count | AggregateOp::Group | AggregateOp::CountValues => None,
                    _ if values_discarded(parents, parent) => None,
                    op => Some(format!("`{}` of its raw value is used", op.as_str())),
                };
            }
            Expr::Binary(binary) => {
                if matches!(binary.op, BinaryOp::And | BinaryOp::Unless)
                    && std::ptr::eq(&*binary.rhs, child)
                {
                    return None; // a filter: its values do not matter
                }
                if binary.op.is_set() {
                    child = parent;
                    continue;
                }
                if binary.op.is_comparison() {
                    let other = if std::ptr::eq(&*binary.lhs, child) {
                        &binary.rhs
                    } else {
                        &binary.lhs
                    };
                    return match other.unparen() {
                        Expr::Number(n) if n.value == 0.0 => None,
                        Expr::Number(_) if values_discarded(parents, parent) => None,
                        Expr::Number(_) => Some(
                            "a comparison of its raw value with a threshold is used".to_string(),
                        ),
                        _ => None,
                    };
                }
                return None;
            }
            _ => return None,
        }
        child = parent;
    }
    (!recording_rule).then(|| "its raw value is used".to_string())
}
