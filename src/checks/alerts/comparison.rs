//! `alerts/comparison`: an alert whose query has no condition fires for every series it
//! returns.

use crate::checks::catalog::common::Finding;
use crate::checks::context::{ExprContext, ExprOrigin};
use crate::checks::CheckMeta;
use crate::checks::Emitter;
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::ast::{BinaryOp, Expr};

pub static META: CheckMeta = CheckMeta {
    code: "alerts/comparison",
    severity: Severity::Warning,
    summary: "An alert query without a comparison fires for every series it returns",
    docs: "Prometheus fires an alert for every series the query returns, whatever its value. A \
query without a condition (`rate(errors_total[5m])` instead of `rate(errors_total[5m]) > 0.1`) \
therefore fires as soon as the metric exists. A comparison written with `bool` \
(`x > bool 1`) never filters either: it returns 0 or 1 for every series.\n\n\
Add the condition. Filters other than comparisons count too: `and`/`unless` with a condition, \
`absent(...)`, `ALERTS{...}`. A bare selector with label matchers \
(`kube_pod_status_phase{phase=\"Failed\"}`, whose existence is the condition), queries that read recording rules (names with `:`), whose condition may live in the recorded expression, and constant queries such as a watchdog's \
`vector(1)`, are not reported.",
    bad: fixture!("alerts/comparison/fail.yml"),
    good: fixture!("alerts/comparison/pass.yml"),
    enabled_by_default: true,
};

/// What an alert query does with the series it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filtering {
    /// Returns series only when a condition holds.
    Filters,
    /// Returns every series it reads.
    PassesAll,
    /// Uses `bool`: returns every series with 0 or 1.
    Bool,
    /// We cannot tell (recording rules, unknown functions).
    Unknown,
}

/// Checks an alerting rule's expression.
pub fn find(expr: &Expr) -> Option<Finding> {
    find_in(expr, &expr.nodes())
}

/// [`find`] with the expression's nodes in walk order ([`Expr::nodes`]).
fn find_in(expr: &Expr, nodes: &[&Expr]) -> Option<Finding> {
    let reads_series = nodes
        .iter()
        .any(|node| matches!(node, Expr::Selector(_) | Expr::Matrix(_)));
    if !reads_series {
        // `vector(1)`: a watchdog that is meant to always fire.
        return None;
    }
    if let Expr::Selector(s) = expr.unparen() {
        if s.matchers.iter().any(|m| m.name != "__name__") {
            // `info_metric{state="bad"}`: the series' existence is the condition.
            return None;
        }
    }
    let finding = match filtering(expr) {
        Filtering::Filters | Filtering::Unknown => return None,
        Filtering::PassesAll => Finding::new(
            expr.span(),
            "alert query has no comparison: it fires for every series it returns, whatever the value",
        )
        .help("add the condition the alert is about, e.g. `... > 0.05`"),
        Filtering::Bool => Finding::new(
            expr.span(),
            "alert query compares with `bool`: it returns every series (with 0 or 1), so the alert always fires",
        )
        .help("remove `bool` so the comparison filters the series"),
    };
    Some(finding)
}

fn combine_any(a: Filtering, b: Filtering) -> Filtering {
    use Filtering::*;
    match (a, b) {
        (Filters, _) | (_, Filters) => Filters,
        (Unknown, _) | (_, Unknown) => Unknown,
        (Bool, _) | (_, Bool) => Bool,
        _ => PassesAll,
    }
}

fn filtering(expr: &Expr) -> Filtering {
    crate::promql::grow_stack(|| filtering_inner(expr))
}

fn filtering_inner(expr: &Expr) -> Filtering {
    match expr {
        Expr::Number(_) | Expr::String(_) => Filtering::PassesAll,
        Expr::Selector(s) => selector_filtering(s.metric_name().map(|n| n.0)),
        Expr::Matrix(m) => selector_filtering(m.selector.metric_name().map(|n| n.0)),
        Expr::Paren(p) => filtering(&p.expr),
        Expr::Unary(u) => filtering(&u.expr),
        Expr::Subquery(s) => filtering(&s.expr),
        Expr::Aggregate(a) => filtering(&a.expr),
        Expr::Call(c) => match c.name.as_str() {
            "absent" | "absent_over_time" => Filtering::Filters,
            _ if c.function.is_none() => Filtering::Unknown,
            _ => c
                .args
                .iter()
                .map(filtering)
                .fold(Filtering::PassesAll, combine_any),
        },
        Expr::Binary(b) => {
            if b.op.is_comparison() {
                let (l, r) = (filtering(&b.lhs), filtering(&b.rhs));
                if b.return_bool.is_none() {
                    return Filtering::Filters;
                }
                return combine_any(combine_any(l, r), Filtering::Bool);
            }
            match b.op {
                BinaryOp::And | BinaryOp::Unless => Filtering::Filters,
                // `or` fires for the series of either side.
                BinaryOp::Or => {
                    let (l, r) = (filtering(&b.lhs), filtering(&b.rhs));
                    if l == Filtering::Filters && r == Filtering::Filters {
                        Filtering::Filters
                    } else if l == Filtering::Unknown || r == Filtering::Unknown {
                        Filtering::Unknown
                    } else {
                        combine_any(l, r)
                    }
                }
                // Arithmetic keeps only series present on both sides (or the vector side).
                _ => combine_any(filtering(&b.lhs), filtering(&b.rhs)),
            }
        }
    }
}

fn selector_filtering(name: Option<&str>) -> Filtering {
    match name {
        Some("ALERTS" | "ALERTS_FOR_STATE") => Filtering::Filters,
        // A recording rule may have the condition inside.
        Some(name) if name.contains(':') => Filtering::Unknown,
        None => Filtering::Unknown,
        Some(_) => Filtering::PassesAll,
    }
}

/// Alerting rules only.
pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if matches!(ctx.origin, ExprOrigin::AlertingRule { .. }) {
        let finding = find_in(ctx.expr, ctx.nodes());
        crate::checks::promql::emit(ctx, emitter, finding.into_iter().collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::parse;

    fn reports(q: &str) -> bool {
        find(&parse(q).expr.unwrap()).is_some()
    }

    #[test]
    fn reports_queries_without_condition() {
        assert!(reports("rate(errors_total[5m])"));
        assert!(reports(
            "sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m]))"
        ));
        assert!(reports("up"));
        let f = find(&parse("up > bool 0").expr.unwrap()).unwrap();
        assert!(f.message.contains("bool"));
    }

    #[test]
    fn accepts_conditions_and_filters() {
        assert!(!reports("up == 0"));
        assert!(!reports("rate(errors_total[5m]) > 0.1"));
        assert!(!reports("(sum(rate(x[5m])) > 1) * 100"));
        assert!(!reports("absent(up{job=\"api\"})"));
        assert!(!reports("up and on (job) (x > 1)"));
        assert!(!reports("count(up == 0) by (job)"));
        assert!(!reports("max_over_time((up == 0)[5m:])"));
        assert!(!reports("ALERTS{alertname=\"x\"}"));
    }

    #[test]
    fn silent_when_unsure() {
        assert!(!reports("job:slo_errors:burn_rate"));
        assert!(!reports("vector(1)"));
        assert!(!reports("up or job:x:y"));
        assert!(!reports(r#"pg_index_info{indexrelname=~".*ccnew.*"}"#));
    }
}
