//! `promql/histogram-le`: `histogram_quantile` over classic buckets whose `le` label an
//! aggregation (or function) removed: the result is always empty.

use crate::checks::catalog::common::Finding;
use crate::checks::context::ExprContext;
use crate::checks::CheckMeta;
use crate::checks::Emitter;
use crate::diagnostic::Severity;
use crate::fix::{Applicability, DecodedFix};
use crate::fixture;
use crate::promql::analysis::{metric_names, Analysis, Presence};
use crate::promql::ast::{Call, Expr, Grouping};

pub static META: CheckMeta = CheckMeta {
    code: "promql/histogram-le",
    severity: Severity::Error,
    summary: "histogram_quantile over classic buckets whose `le` label was aggregated away",
    docs: "`histogram_quantile` computes a quantile of a classic histogram from its `_bucket` \
series, one per upper bound in the `le` label. An aggregation that does not keep `le` (`sum by \
(job) (...)`, `sum(...)`, `without (le)`) merges all buckets into one series without `le`, and \
`histogram_quantile` then returns nothing: the alert never fires, the panel stays empty.\n\n\
Keep `le` in the grouping: `histogram_quantile(0.99, sum by (job, le) (rate(x_bucket[5m])))`.\n\n\
The check only speaks when the query reads `_bucket` series: native histograms have no `le` \
label and are aggregated without it.\n\n\
It needs no metric catalog, so it is the check that reports a dropped `le` over `_bucket` \
series, with or without one; `catalog/histogram` stays silent there and reports a dropped `le` \
only where the catalog alone knows the input carried it (a recording rule's output, a series \
not named `_bucket`).",
    bad: fixture!("promql/histogram-le/fail.yml"),
    good: fixture!("promql/histogram-le/pass.yml"),
    enabled_by_default: true,
};

/// Functions that read classic buckets, and the index of their vector argument.
const BUCKET_FUNCTIONS: &[(&str, usize)] = &[("histogram_quantile", 1), ("histogram_fraction", 2)];

/// The findings on `expr`; the label analysis is built only when the expression reads
/// buckets (few do).
pub fn find(expr: &Expr, source: &str) -> Vec<Finding> {
    let analysis = std::cell::OnceCell::new();
    find_with(&expr.nodes(), source, &|| {
        analysis.get_or_init(|| Analysis::new(expr, None))
    })
}

/// [`find`] over the expression's nodes in walk order ([`Expr::nodes`]) and the
/// analysis an [`ExprContext`] shares with the other checks.
fn find_with<'a>(
    nodes: &[&Expr],
    source: &str,
    analysis: &dyn Fn() -> &'a Analysis<'a>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in nodes {
        if let Expr::Call(call) = node {
            if reads_buckets(call, source).is_some() {
                findings.extend(check_call(call, source, analysis()));
            }
        }
    }
    findings
}

/// The bucket function's name and its vector argument, when `call` reads classic
/// buckets (not VictoriaMetrics' `vmrange` ones).
fn reads_buckets<'c>(call: &'c Call, source: &str) -> Option<(&'static str, &'c Expr)> {
    let &(name, index) = BUCKET_FUNCTIONS.iter().find(|(n, _)| *n == call.name)?;
    let arg = call.args.get(index)?;
    if source
        .get(arg.span())
        .is_some_and(|text| text.contains("vmrange"))
    {
        // VictoriaMetrics histograms: MetricsQL reads `vmrange` buckets.
        return None;
    }
    Some((name, arg))
}

/// The finding for one call, when it is `histogram_quantile`/`histogram_fraction` over
/// `_bucket` series whose `le` an aggregation or function removed. `catalog/histogram`
/// asks this too: what this check reports, it leaves alone (one bug, one finding).
/// `analysis` is the label analysis of the expression holding `call`.
pub fn check_call(call: &Call, source: &str, analysis: &Analysis<'_>) -> Option<Finding> {
    let (name, arg) = reads_buckets(call, source)?;
    let labels = analysis.labels(arg);
    if labels.presence("le") != Presence::Never {
        return None;
    }
    let bucket = metric_names(arg)
        .into_iter()
        .find(|(metric, _)| metric.ends_with("_bucket"))?;
    let removed_at = labels.reason("le").unwrap_or_else(|| arg.span());
    let by = source.get(removed_at.clone()).unwrap_or("the aggregation");
    let finding = Finding::new(
        removed_at.clone(),
        format!(
            "`{name}` reads the buckets of `{}` but `{by}` removes their `le` label: the result is always empty",
            bucket.0
        ),
    );
    Some(match grouping_with_le(arg, &removed_at, source) {
        Some((range, fixed)) => {
            // The query returned nothing at all: keeping `le` cannot lose a working answer.
            let title = if fixed.starts_with("without") {
                "Remove `le` from `without`"
            } else {
                "Add `le` to `by`"
            };
            let edit = if range.is_empty() {
                format!(" {fixed}")
            } else {
                fixed.clone()
            };
            finding
                .help(format!("keep `le` in the grouping: `{fixed}`"))
                .fix(DecodedFix::new(title, Applicability::Safe).edit(range, edit))
        }
        None => finding.help("keep the `le` label until `histogram_quantile` reads the buckets"),
    })
}

/// The `by (...)`/`without (...)` clause at `span`, rewritten to keep `le`, with the
/// source range it replaces; for an aggregation without a clause (`sum(...)` at
/// `span`), `by (le)` inserted after the operator.
fn grouping_with_le(
    arg: &Expr,
    span: &std::ops::Range<usize>,
    source: &str,
) -> Option<(std::ops::Range<usize>, String)> {
    let mut fixed = None;
    arg.walk(&mut |node| {
        if let Expr::Aggregate(a) = node {
            if let Some(g) = a.grouping.as_ref().filter(|g| &g.span == span) {
                fixed = Some((g.span.clone(), rewrite(g, source)));
            } else if a.grouping.is_none() && a.param.is_none() && &a.span == span {
                fixed = Some((a.op_span.end..a.op_span.end, "by (le)".to_string()));
            }
        }
    });
    fixed
}

fn rewrite(g: &Grouping, source: &str) -> String {
    let labels: Vec<&str> = g
        .labels
        .iter()
        .filter_map(|l| source.get(l.span.clone()))
        .filter(|l| *l != "le")
        .collect();
    if g.without {
        format!("without ({})", labels.join(", "))
    } else {
        let mut labels = labels;
        labels.push("le");
        format!("by ({})", labels.join(", "))
    }
}

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    super::emit(
        ctx,
        emitter,
        find_with(ctx.nodes(), ctx.source, &|| ctx.analysis()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::parse;

    fn run(q: &str) -> Vec<Finding> {
        find(&parse(q).expr.unwrap(), q)
    }

    #[test]
    fn reports_grouping_without_le() {
        let q = "histogram_quantile(0.9, sum by (job) (rate(http_request_duration_seconds_bucket[5m])))";
        let found = run(q);
        assert_eq!(found.len(), 1);
        assert_eq!(&q[found[0].span.clone()], "by (job)");
        assert_eq!(
            found[0].help.as_deref(),
            Some("keep `le` in the grouping: `by (job, le)`")
        );
        let q = "histogram_quantile(0.9, sum without (le) (rate(x_bucket[5m])))";
        assert_eq!(
            run(q)[0].help.as_deref(),
            Some("keep `le` in the grouping: `without ()`")
        );
        let q = "histogram_quantile(0.9, sum(rate(x_bucket[5m])))";
        assert_eq!(run(q).len(), 1);
    }

    #[test]
    fn silent_when_le_is_kept_or_unknown() {
        assert!(run("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))").is_empty());
        assert!(run("histogram_quantile(0.9, rate(x_bucket[5m]))").is_empty());
        // Native histograms have no `le`.
        assert!(run("histogram_quantile(0.9, sum(rate(x[5m])))").is_empty());
        assert!(run("histogram_quantile(0.9, sum by (job, le) (rate(x_bucket[5m])))").is_empty());
    }
}
