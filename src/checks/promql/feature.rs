//! `promql/feature`: syntax Prometheus only accepts with `--enable-feature=...`.

use crate::checks::catalog::common::Finding;
use crate::checks::context::ExprContext;
use crate::checks::CheckMeta;
use crate::checks::Emitter;
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::ast::{Expr, Modifiers, Span};

pub static META: CheckMeta = CheckMeta {
    code: "promql/feature",
    severity: Severity::Error,
    summary: "The expression needs a Prometheus feature flag that is not enabled",
    docs: "Some PromQL is experimental in Prometheus 3.14 and refused unless the server runs \
with a feature flag: a rule file using it fails to load, a dashboard query fails.\n\n\
- `--enable-feature=promql-experimental-functions`: experimental functions (`info`, \
`sort_by_label`, `mad_over_time`, `double_exponential_smoothing`, `ts_of_*_over_time`, \
`histogram_quantiles`, `start_timestamp`, ...) and the `limitk` and `limit_ratio` aggregations;\n\
- `--enable-feature=promql-extended-range-selectors`: the `anchored` and `smoothed` modifiers;\n\
- `--enable-feature=promql-binop-fill-modifiers`: `fill(...)`, `fill_left(...)`, \
`fill_right(...)` on binary operators.\n\n\
If your Prometheus runs with the flag, tell promgate the same with `--enable-feature` (or the \
config file); otherwise rewrite the query without the feature.",
    bad: fixture!("promql/feature/fail.yml"),
    good: fixture!("promql/feature/pass.yml"),
    enabled_by_default: true,
};

pub const EXPERIMENTAL_FUNCTIONS: &str = "promql-experimental-functions";
pub const EXTENDED_RANGE_SELECTORS: &str = "promql-extended-range-selectors";
pub const BINOP_FILL_MODIFIERS: &str = "promql-binop-fill-modifiers";

/// The feature flags this check knows, as Prometheus spells them.
pub const FEATURES: &[&str] = &[
    EXPERIMENTAL_FUNCTIONS,
    EXTENDED_RANGE_SELECTORS,
    BINOP_FILL_MODIFIERS,
];

/// Reports every use of a feature not in `enabled` (Prometheus' flag names).
pub fn find(expr: &Expr, enabled: &[&str]) -> Vec<Finding> {
    find_in(&expr.nodes(), enabled)
}

/// [`find`] over an expression's nodes in walk order ([`Expr::nodes`]).
fn find_in(nodes: &[&Expr], enabled: &[&str]) -> Vec<Finding> {
    let on = |flag: &str| enabled.contains(&flag);
    let mut findings = Vec::new();
    let mut needs = |span: Span, what: String, flag: &str| {
        if !on(flag) {
            findings.push(
                Finding::new(span, format!("{what} is experimental and needs `--enable-feature={flag}`"))
                    .help(format!("enable `{flag}` on the Prometheus server and in promgate (`--enable-feature={flag}`), or avoid {what}")),
            );
        }
    };
    for node in nodes {
        match node {
            Expr::Call(c) if c.function.is_some_and(|f| f.experimental) => {
                needs(
                    c.name_span.clone(),
                    format!("the function `{}`", c.name),
                    EXPERIMENTAL_FUNCTIONS,
                );
            }
            Expr::Aggregate(a) if a.op.is_experimental() => {
                needs(
                    a.op_span.clone(),
                    format!("the aggregation `{}`", a.op.as_str()),
                    EXPERIMENTAL_FUNCTIONS,
                );
            }
            Expr::Binary(b) => {
                for fill in &b.fill {
                    needs(
                        fill.span.clone(),
                        "the fill modifier".to_string(),
                        BINOP_FILL_MODIFIERS,
                    );
                }
            }
            Expr::Selector(s) => modifiers(&s.modifiers, &mut needs),
            Expr::Matrix(m) => modifiers(&m.modifiers, &mut needs),
            _ => {}
        }
    }
    findings
}

fn modifiers(m: &Modifiers, needs: &mut impl FnMut(Span, String, &str)) {
    if let Some(span) = &m.anchored {
        needs(
            span.clone(),
            "the `anchored` modifier".into(),
            EXTENDED_RANGE_SELECTORS,
        );
    }
    if let Some(span) = &m.smoothed {
        needs(
            span.clone(),
            "the `smoothed` modifier".into(),
            EXTENDED_RANGE_SELECTORS,
        );
    }
}

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    let enabled: Vec<&str> = ctx.options.features.iter().map(|f| f.name()).collect();
    super::emit(ctx, emitter, find_in(ctx.nodes(), &enabled));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::parse;

    fn run(q: &str, enabled: &[&str]) -> Vec<String> {
        find(&parse(q).expr.unwrap(), enabled)
            .into_iter()
            .map(|f| q[f.span].to_string())
            .collect()
    }

    #[test]
    fn reports_each_gated_construct() {
        assert_eq!(run("sort_by_label(up, \"job\")", &[]), ["sort_by_label"]);
        assert_eq!(run("limitk(2, up)", &[]), ["limitk"]);
        assert_eq!(run("rate(x[5m] anchored)", &[]), ["anchored"]);
        assert_eq!(run("x smoothed", &[]), ["smoothed"]);
        assert_eq!(run("a + fill(0) b", &[]), ["fill(0)"]);
        assert_eq!(run("a + fill_left(0) fill_right(1) b", &[]).len(), 2);
    }

    #[test]
    fn silent_when_enabled_or_stable() {
        assert!(run("sort_by_label(up, \"job\")", &[EXPERIMENTAL_FUNCTIONS]).is_empty());
        assert!(run("rate(x[5m] anchored)", &[EXTENDED_RANGE_SELECTORS]).is_empty());
        assert!(run("a + fill(0) b", &[BINOP_FILL_MODIFIERS]).is_empty());
        // Duration expressions and trim operators are on by default since 3.14 / 3.11.
        assert!(run("rate(x[5m+1m]) </ 5", &[]).is_empty());
        // `anchored` and `smoothed` as plain names.
        assert!(run("sum by (anchored) (smoothed)", &[]).is_empty());
    }
}
