//! `prometheus/range-window`: a rate-like function over a window shorter than two
//! scrape intervals, which holds at most one sample and so returns nothing.

use crate::checks::catalog::common::Finding;
use crate::checks::context::ExprContext;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promconfig::Facts;
use crate::promql::ast::{Expr, MatchOp};

pub static META: CheckMeta = CheckMeta {
    code: "prometheus/range-window",
    severity: Severity::Warning,
    summary: "rate(), increase(), deriv()... over a window shorter than two scrape intervals",
    docs: "`rate`, `irate`, `increase`, `delta`, `idelta`, `deriv` and `predict_linear` need at \
least two samples inside their window. A series scraped every 30s has at most one sample in \
a `[30s]` or `[45s]` window, so the function returns nothing for it: the graph is empty and \
the alert never fires.\n\n\
promgate takes the scrape interval from the Prometheus configuration: the `scrape_interval` \
of the job the selector names with `job=\"...\"`, or else the shortest interval of any job \
(the global one when the configuration has no jobs, and `prometheus.scrape_interval` of \
`.promgate.yml` when no configuration is known). A window shorter than two intervals is \
reported.\n\n\
Fix: use a window of at least four scrape intervals, so that a missed scrape does not empty \
it.",
    bad: fixture!("prometheus/range-window/fail.yml"),
    good: fixture!("prometheus/range-window/pass.yml"),
    enabled_by_default: true,
};

/// Functions that return nothing for a window holding fewer than two samples.
const NEEDS_TWO_SAMPLES: &[&str] = &[
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "deriv",
    "predict_linear",
];

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if ctx.uncertain {
        return;
    }
    let Some(facts) = ctx.options.prometheus.as_deref() else {
        return;
    };
    crate::checks::promql::emit(ctx, emitter, find(ctx.nodes(), facts));
}

/// The findings among `nodes` (an expression's, in walk order: the checks share one
/// list).
pub fn find(nodes: &[&Expr], facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in nodes {
        let Expr::Call(call) = node else {
            continue;
        };
        if !NEEDS_TWO_SAMPLES.contains(&call.name.as_str()) {
            continue;
        }
        let Some(Expr::Matrix(matrix)) = call.args.first().map(Expr::unparen) else {
            continue;
        };
        let Some(window_s) = matrix.range.constant_seconds() else {
            continue;
        };
        let job = matrix
            .selector
            .matchers
            .iter()
            .find(|m| m.name == "job" && m.op == MatchOp::Equal)
            .map(|m| m.value.as_str());
        let interval_ms = facts.scrape_interval_ms(job);
        let window_ms = window_s * 1000.0;
        if interval_ms == 0 || window_ms >= 2.0 * interval_ms as f64 {
            continue;
        }
        let known_job = job.filter(|name| {
            facts
                .job_names()
                .is_some_and(|jobs| jobs.binary_search_by(|j| j.as_str().cmp(name)).is_ok())
        });
        let whose = match known_job {
            Some(name) => format!("job `{name}` is scraped every {}", seconds(interval_ms)),
            None => format!("the scrape interval is {}", seconds(interval_ms)),
        };
        findings.push(
            Finding::new(
                matrix.brackets.clone(),
                format!(
                    "`{}` needs two samples in its window, but {whose}: a {} window holds at most one, so it returns nothing",
                    call.name,
                    seconds(window_ms as u64)
                ),
            )
            .help(format!(
                "use a window of at least four scrape intervals, e.g. `[{}]`",
                seconds(interval_ms * 4)
            )),
        );
    }
    findings
}

/// `90000` -> `1m30s`.
fn seconds(ms: u64) -> String {
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if out.is_empty() {
        out.push('0');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promconfig::JobFacts;

    fn facts() -> Facts {
        let mut facts = Facts::default();
        facts.global_scrape_interval_ms = 30_000;
        facts.from_config = true;
        facts.jobs = vec![JobFacts {
            name: "slow".into(),
            scrape_interval_ms: 120_000,
            target_labels: Default::default(),
            open: None,
            job_rewritten: false,
        }];
        facts.finish();
        facts
    }

    fn windows(query: &str) -> Vec<String> {
        let expr = crate::promql::parse(query).expr.unwrap();
        find(&expr.nodes(), &facts())
            .into_iter()
            .map(|f| query[f.span].to_string())
            .collect()
    }

    #[test]
    fn windows_under_two_intervals_are_reported() {
        assert_eq!(windows(r#"rate(x{job="slow"}[3m])"#), ["[3m]"]);
        assert_eq!(windows("increase(x[1m]) + rate(x[4m])"), ["[1m]"]);
        assert!(windows(r#"rate(x{job="slow"}[4m])"#).is_empty());
        assert!(windows("avg_over_time(x[1m])").is_empty());
        assert_eq!(seconds(90_000), "1m30s");
    }
}
