//! `catalog/histogram`: histogram and summary misuse. A `quantile` label on a histogram,
//! the bare name of a classic histogram, `histogram_quantile` over something that is
//! not a bucket series, `le` on a series that has none, and averaging or summing the
//! precomputed quantiles of a summary.

use super::common::{rewrite_selector, walk_with_parents, ExprWalk, Finding};
use crate::catalog::flow::Resolved;
use crate::catalog::{Catalog, MetricFamily, MetricType, SeriesKind};
use crate::checks::context::ExprContext;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fix::{Applicability, DecodedFix};
use crate::fixture;
use crate::promql::analysis::Analysis;
use crate::promql::ast::{AggregateOp, Call, Expr, Matcher, VectorSelector};
use crate::promql::matcher_matches_empty;

pub static META: CheckMeta = CheckMeta {
    code: "catalog/histogram",
    severity: Severity::Error,
    summary: "Histogram or summary misuse: quantile on a histogram, bare histogram name, histogram_quantile without buckets",
    docs: "Histograms and summaries are easy to mix up, and every mix-up makes a query that returns \
nothing or nonsense. A classic histogram `x` exposes `x_bucket` (with `le`), `x_sum` and \
`x_count`, and no series named `x`; its quantiles are computed with \
`histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))`. A summary exposes precomputed \
quantiles under its own name (with `quantile`), plus `_sum` and `_count`.\n\n\
Reported: a `quantile` matcher on a histogram; the bare name of a classic histogram; \
`histogram_quantile` over a series without `le` (a `_sum`/`_count`, a summary, a gauge) or \
over an aggregation that drops `le`; `le` on a non-bucket series; `sum`/`avg` of a summary's \
quantiles, which is statistically meaningless.\n\n\
An aggregation that drops `le` from `_bucket` series is `promql/histogram-le`'s finding, \
which needs no catalog: this check leaves it alone, so one bug gives one finding. It reports a \
dropped `le` only where the catalog alone can tell the input carried `le` (a recording rule's \
output, a series not named `_bucket`).\n\n\
Fix: the help writes the corrected query.",
    bad: fixture!("catalog/histogram/fail.yml"),
    good: fixture!("catalog/histogram/pass.yml"),
    enabled_by_default: true,
};

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if let Some(catalog) = super::catalog_for(ctx) {
        let walk = ctx.walk(catalog);
        super::emit(
            ctx,
            emitter,
            find_in(ctx.analysis(), walk, ctx.source, catalog),
        );
    }
}

/// The findings on `expr`, analysed with `catalog` as its label source.
pub fn find(expr: &Expr, source: &str, catalog: &Catalog) -> Vec<Finding> {
    let walk = ExprWalk::new(expr, catalog);
    find_in(&Analysis::new(expr, Some(catalog)), &walk, source, catalog)
}

/// The findings on an expression already analysed with `catalog` as its label source
/// and walked with it.
pub fn find_in(
    analysis: &Analysis<'_>,
    walk: &ExprWalk<'_>,
    source: &str,
    catalog: &Catalog,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if walk.blind() {
        // No selector resolves and none belongs to a family by its stem: only what
        // `histogram_quantile`'s input drops by the query itself is left to judge.
        walk.each_node(&mut |node| match node {
            Expr::Call(call) if call.name == "histogram_quantile" => {
                findings.extend(check_histogram_quantile(
                    call, analysis, walk, source, catalog,
                ));
            }
            _ => {}
        });
        findings.sort_by(|a, b| (a.span.start, &a.message).cmp(&(b.span.start, &b.message)));
        findings.dedup();
        return findings;
    }
    walk.each(&mut |node, parents| match node {
        Expr::Selector(selector) => {
            findings.extend(check_selector(selector, parents, source, walk, catalog, "5m"))
        }
        Expr::Matrix(matrix) => {
            let range = source.get(matrix.range.span()).unwrap_or("5m");
            findings.extend(check_selector(
                &matrix.selector,
                parents,
                source,
                walk,
                catalog,
                range,
            ));
        }
        Expr::Call(call) if call.name == "histogram_quantile" => {
            findings.extend(check_histogram_quantile(call, analysis, walk, source, catalog));
        }
        Expr::Aggregate(aggregate)
            if matches!(aggregate.op, AggregateOp::Sum | AggregateOp::Avg) =>
        {
            if let Some(family) = summary_quantiles(&aggregate.expr, walk) {
                let op = aggregate.op.as_str();
                let name = &family.name;
                findings.push(
                    Finding::new(
                        aggregate.op_span.clone(),
                        format!("`{op}` over the quantiles of the summary `{name}`: quantiles cannot be summed or averaged"),
                    )
                    .help(format!(
                        "aggregate the summary's sum and count instead, e.g. the mean: \
                         `sum(rate({name}_sum[5m])) / sum(rate({name}_count[5m]))`; \
                         for aggregatable quantiles expose a histogram"
                    )),
                );
            }
        }
        _ => {}
    });
    findings.sort_by(|a, b| (a.span.start, &a.message).cmp(&(b.span.start, &b.message)));
    findings.dedup();
    findings
}

/// A label matcher that requires the label to be set.
fn requiring<'s>(selector: &'s VectorSelector, label: &str) -> Option<&'s Matcher> {
    selector
        .matchers
        .iter()
        .find(|m| m.name == label && !matcher_matches_empty(m))
}

fn corrected_quantile(
    selector: &VectorSelector,
    source: &str,
    family: &MetricFamily,
    q: &str,
    range: &str,
) -> String {
    let bucket = rewrite_selector(
        source,
        selector,
        &format!("{}_bucket", family.name),
        &["quantile", "le"],
    );
    format!("histogram_quantile({q}, sum by (le) (rate({bucket}[{range}])))")
}

fn check_selector(
    selector: &VectorSelector,
    parents: &[&Expr],
    source: &str,
    walk: &ExprWalk<'_>,
    catalog: &Catalog,
    range: &str,
) -> Vec<Finding> {
    let Some((name, _)) = selector.metric_name() else {
        return Vec::new();
    };
    let span = selector.base_span();
    let mut out = Vec::new();
    match walk.series(selector, name) {
        None => {
            let Some(family) = catalog.family_by_stem(name) else {
                return out;
            };
            if family.kind != MetricType::Histogram || family.name != name {
                return out;
            }
            // The bare name of a classic histogram: no such series.
            let in_quantile = parents
                .iter()
                .any(|p| matches!(p, Expr::Call(c) if c.name == "histogram_quantile"));
            let mut fix = None;
            let (message, help) = if let Some(quantile) = requiring(selector, "quantile") {
                let corrected =
                    corrected_quantile(selector, source, family, &quantile.value, range);
                let in_range = matches!(parents.last(), Some(Expr::Matrix(_)));
                if !in_range && quantile.op == crate::promql::ast::MatchOp::Equal {
                    // Unsafe: `sum by (le)` merges the series the selector kept apart.
                    fix = Some(
                        DecodedFix::new(
                            "Compute the quantile with `histogram_quantile` over `_bucket`",
                            Applicability::Unsafe,
                        )
                        .edit(span.clone(), corrected.clone()),
                    );
                }
                (
                    format!(
                        "`{name}` is a histogram, not a summary: it has no `quantile` label and no series named `{name}`, so this selector matches nothing"
                    ),
                    format!(
                        "compute the quantile from the buckets: `{}`",
                        corrected_quantile(selector, source, family, &quantile.value, range)
                    ),
                )
            } else if in_quantile {
                (
                    format!("`{name}` is a classic histogram: there is no series named `{name}`, only `{name}_bucket`, `{name}_sum` and `{name}_count`"),
                    format!("read the buckets: `{}`", rewrite_selector(source, selector, &format!("{name}_bucket"), &[])),
                )
            } else {
                (
                    format!("`{name}` is a classic histogram: there is no series named `{name}`, only `{name}_bucket`, `{name}_sum` and `{name}_count`"),
                    format!(
                        "for a quantile use `{}`; for the mean use `rate({name}_sum[{range}]) / rate({name}_count[{range}])`",
                        corrected_quantile(selector, source, family, "0.9", range)
                    ),
                )
            };
            let finding = Finding::new(span, message).help(help);
            out.push(match fix {
                Some(fix) => finding.fix(fix),
                None => finding,
            });
        }
        Some(series) => {
            let family = series.family;
            let family_name = &family.name;
            match family.kind {
                MetricType::Histogram | MetricType::GaugeHistogram => {
                    if let Some(quantile) = requiring(selector, "quantile") {
                        out.push(
                            Finding::new(quantile.span.clone(), format!("`{family_name}` is a histogram: its series have no `quantile` label"))
                                .help(format!(
                                    "compute the quantile from the buckets: `{}`",
                                    corrected_quantile(selector, source, family, &quantile.value, range)
                                )),
                        );
                    }
                    if series.kind != SeriesKind::Bucket {
                        if let Some(le) = requiring(selector, "le") {
                            out.push(
                                Finding::new(le.span.clone(), format!("`le` exists only on `{family_name}_bucket`, not on `{name}`"))
                                    .help(format!("select the buckets: `{}`", rewrite_selector(source, selector, &format!("{family_name}_bucket"), &[]))),
                            );
                        }
                    }
                }
                MetricType::Summary => {
                    if let Some(le) = requiring(selector, "le") {
                        out.push(
                            Finding::new(le.span.clone(), format!("`{family_name}` is a summary: it has no `le` label (summaries have `quantile`)"))
                                .help(format!("select a precomputed quantile: `{}`", rewrite_selector(source, selector, family_name, &["le"]) + "{quantile=\"0.9\"}")),
                        );
                    }
                    if series.kind != SeriesKind::Bare {
                        if let Some(quantile) = requiring(selector, "quantile") {
                            out.push(
                                Finding::new(quantile.span.clone(), format!("`quantile` exists only on `{family_name}`, not on `{name}`"))
                                    .help(format!("select the quantiles: `{}`", rewrite_selector(source, selector, family_name, &[]))),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn check_histogram_quantile(
    call: &Call,
    analysis: &Analysis<'_>,
    walk: &ExprWalk<'_>,
    source: &str,
    catalog: &Catalog,
) -> Vec<Finding> {
    let Some(input) = call.args.get(1) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut maybe_native = false;
    value_selectors(input, &mut |selector| {
        let Resolved::Series(series) = walk.resolve(selector) else {
            maybe_native = true; // unknown: could be anything
            return;
        };
        let family = series.family;
        let name = selector.metric_name().map(|(n, _)| n).unwrap_or_default();
        let span = selector.base_span();
        match (family.kind, series.kind) {
            (MetricType::Histogram | MetricType::GaugeHistogram, SeriesKind::Bucket) => {}
            (MetricType::Histogram, SeriesKind::Bare) => maybe_native = true,
            (MetricType::Histogram | MetricType::GaugeHistogram, _) => out.push(
                Finding::new(span, format!("`histogram_quantile` needs the `_bucket` series, but `{name}` has no `le` label"))
                    .help(format!("use `{}_bucket`", family.name)),
            ),
            (MetricType::Summary, _) => out.push(
                Finding::new(span, format!("`{}` is a summary: `histogram_quantile` cannot read it", family.name))
                    .help(format!("a summary has precomputed quantiles: select them with `{}{{quantile=\"0.9\"}}`", family.name)),
            ),
            _ => {
                if series.has_label("le", catalog) == Some(false) {
                    out.push(
                        Finding::new(span, format!("`histogram_quantile` needs histogram buckets, but `{name}` is a {} with no `le` label", family.kind))
                            .help("pass the `_bucket` series of a histogram (or a native histogram)"),
                    );
                }
            }
        }
    });
    // `promql/histogram-le` reports the `le` dropped from `_bucket` series on its own.
    // Asked last: it needs the query's label analysis, which the catalog checks rarely
    // build otherwise, and most inputs keep `le`.
    let reported_by_histogram_le =
        || crate::checks::promql::histogram_le::check_call(call, source, analysis).is_some();
    if out.is_empty() && !maybe_native {
        if let Some(finding) = dropped_le(input, analysis) {
            if !reported_by_histogram_le() {
                out.push(finding);
            }
        }
    }
    out
}

/// The selectors whose values reach `expr`'s result: through functions and
/// aggregations, the "many" side of a `group_left`/`group_right` join (the other side
/// only lends labels), the left side of `and`/`unless`, both sides of `or`. Other
/// joins of two vectors leave us unsure: their selectors are not visited.
pub(super) fn value_selectors<'e>(expr: &'e Expr, visit: &mut dyn FnMut(&'e VectorSelector)) {
    match expr {
        Expr::Selector(selector) => visit(selector),
        Expr::Matrix(matrix) => visit(&matrix.selector),
        Expr::Binary(binary) => {
            use crate::promql::ast::{BinaryOp, GroupSide};
            use crate::promql::ValueType::Scalar;
            let (lhs_scalar, rhs_scalar) = (
                binary.lhs.value_type() == Scalar,
                binary.rhs.value_type() == Scalar,
            );
            if rhs_scalar || matches!(binary.op, BinaryOp::And | BinaryOp::Unless) {
                value_selectors(&binary.lhs, visit);
            } else if lhs_scalar {
                value_selectors(&binary.rhs, visit);
            } else if binary.op == BinaryOp::Or {
                value_selectors(&binary.lhs, visit);
                value_selectors(&binary.rhs, visit);
            } else if let Some(group) = &binary.group {
                match group.side {
                    GroupSide::Left => value_selectors(&binary.lhs, visit),
                    GroupSide::Right => value_selectors(&binary.rhs, visit),
                }
            }
        }
        Expr::Aggregate(aggregate) => value_selectors(&aggregate.expr, visit),
        Expr::Call(call) => {
            for arg in &call.args {
                if !matches!(
                    arg.value_type(),
                    crate::promql::ValueType::Scalar | crate::promql::ValueType::String
                ) {
                    value_selectors(arg, visit);
                }
            }
        }
        _ => {
            for child in expr.children() {
                value_selectors(child, visit);
            }
        }
    }
}

/// The aggregation inside `histogram_quantile`'s input that removes `le`.
fn dropped_le(expr: &Expr, analysis: &Analysis<'_>) -> Option<Finding> {
    let can_carry_le = |node: &Expr| analysis.bound(node).can_carry("le");
    if can_carry_le(expr) != Some(false) {
        return None;
    }
    let mut culprit = None;
    walk_with_parents(expr, &mut |node, _| {
        if culprit.is_some() {
            return;
        }
        if let Expr::Aggregate(aggregate) = node {
            let before = can_carry_le(&aggregate.expr);
            let after = can_carry_le(node);
            if before == Some(true) && after == Some(false) {
                culprit = Some(aggregate);
            }
        }
    });
    let aggregate = culprit?;
    let op = aggregate.op.as_str();
    let (span, help) = match &aggregate.grouping {
        Some(grouping) if !grouping.without => {
            let mut names: Vec<&str> = grouping.labels.iter().map(|l| l.name.as_str()).collect();
            names.push("le");
            (
                grouping.span.clone(),
                format!("keep `le`: `{op} by ({})`", names.join(", ")),
            )
        }
        Some(grouping) => (grouping.span.clone(), "do not remove `le`".to_string()),
        None => (
            aggregate.op_span.clone(),
            format!("keep `le`: `{op} by (le)`"),
        ),
    };
    Some(
        Finding::new(
            span,
            format!("this `{op}` drops the `le` label that `histogram_quantile` needs"),
        )
        .help(help),
    )
}

/// The summary whose quantile series an aggregation reads directly.
fn summary_quantiles<'c>(expr: &Expr, walk: &ExprWalk<'c>) -> Option<&'c MetricFamily> {
    let selector = match expr.unparen() {
        Expr::Selector(selector) => selector,
        _ => return None,
    };
    let Resolved::Series(series) = walk.resolve(selector) else {
        return None;
    };
    (series.family.kind == MetricType::Summary && series.kind == SeriesKind::Bare)
        .then_some(series.family)
}
