//! `prometheus/unknown-job`: a `job` matcher that matches no job of the Prometheus
//! configuration.

use crate::catalog::suggest::NameIndex;
use crate::checks::catalog::common::Finding;
use crate::checks::context::ExprContext;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::ast::{Expr, MatchOp, VectorSelector};

pub static META: CheckMeta = CheckMeta {
    code: "prometheus/unknown-job",
    severity: Severity::Warning,
    summary: "A `job` matcher matches no job of the Prometheus configuration",
    docs: "Every scraped series carries the `job` label of the scrape config that collected \
it. With the Prometheus configuration known (`--prometheus-config`, `prometheus.config:` in \
`.promgate.yml`, or a prometheus.yml in the files checked), the jobs are known too, and \
`up{job=\"pumpflix-apii\"}` (a typo) or `{job=~\"api-.*\"}` (no such job) selects nothing: an \
alert on it never fires and `absent()` on it always does.\n\n\
promgate reports an equality or regex `job` matcher that matches none of the configured \
job names, with the closest name. It stays silent when the configuration does not list \
every job (a `scrape_config_files` file it cannot read, `remote_read`) or when a relabel rule or a static label rewrites `job`.\n\n\
This check owns `job` matchers whenever the configuration lists every job: \
`catalog/unknown-label-value`, which holds `job` against the jobs of a catalog imported from a \
server, then leaves them alone, so a typo is reported once.\n\n\
Fix: use the job name the configuration gives.",
    bad: fixture!("prometheus/unknown-job/fail.yml"),
    good: fixture!("prometheus/unknown-job/pass.yml"),
    enabled_by_default: true,
};

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if ctx.uncertain {
        return;
    }
    let Some(facts) = ctx.options.prometheus.as_deref() else {
        return;
    };
    let Some(jobs) = facts.job_names() else {
        return;
    };
    let found = find(ctx.nodes(), jobs, facts.job_suggestions());
    crate::checks::promql::emit(ctx, emitter, found);
}

/// Findings for the `job` matchers among `nodes` (an expression's, in walk order: the
/// checks share one list) that match none of `jobs` (sorted), with suggestions from
/// `index` (the same names).
pub fn find(nodes: &[&Expr], jobs: &[String], index: &NameIndex) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in nodes {
        match node {
            Expr::Selector(selector) => selector_findings(selector, jobs, index, &mut findings),
            Expr::Matrix(matrix) => selector_findings(&matrix.selector, jobs, index, &mut findings),
            _ => {}
        }
    }
    findings
}

fn selector_findings(
    selector: &VectorSelector,
    jobs: &[String],
    index: &NameIndex,
    out: &mut Vec<Finding>,
) {
    for matcher in selector.matchers.iter().filter(|m| m.name == "job") {
        let matches_a_job = match matcher.op {
            MatchOp::Equal => {
                matcher.value.is_empty() || jobs.binary_search(&matcher.value).is_ok()
            }
            MatchOp::Regex => match crate::catalog::flow::name_regex(&matcher.value) {
                // The empty value matches series without `job` (recording rules' outputs).
                Some(re) => re.is_match("") || jobs.iter().any(|job| re.is_match(job)),
                None => true,
            },
            MatchOp::NotEqual | MatchOp::NotRegex => true,
        };
        if matches_a_job {
            continue;
        }
        let what = match matcher.op {
            MatchOp::Regex => "matches no job",
            _ => "is no job",
        };
        let close = index.closest(&matcher.value, 3);
        let help = match close.first() {
            Some(name) => format!("did you mean `{name}`? the jobs are: {}", list(jobs)),
            None => format!("the jobs are: {}", list(jobs)),
        };
        out.push(
            Finding::new(
                matcher.value_span.clone(),
                format!(
                    "`{}` {what} of the Prometheus configuration: this selector matches nothing",
                    matcher.value
                ),
            )
            .help(help),
        );
    }
}

fn list(jobs: &[String]) -> String {
    if jobs.len() > 10 {
        return format!("{} jobs", jobs.len());
    }
    jobs.iter()
        .map(|j| format!("`{j}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(query: &str) -> Vec<String> {
        let expr = crate::promql::parse(query).expr.unwrap();
        let jobs = ["node".to_string(), "pumpflix-api".to_string()];
        find(&expr.nodes(), &jobs, &NameIndex::new(&jobs))
            .into_iter()
            .map(|f| format!("{} | {}", &query[f.span], f.help.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn reports_jobs_the_config_does_not_have() {
        assert_eq!(
            found(r#"up{job="pumpflix-apii"} == 0"#),
            [
                r#""pumpflix-apii" | did you mean `pumpflix-api`? the jobs are: `node`, `pumpflix-api`"#
            ]
        );
        assert_eq!(found(r#"rate(x{job=~"api-.*"}[5m])"#).len(), 1);
    }

    #[test]
    fn silent_for_known_jobs_negations_and_empty() {
        assert!(found(r#"up{job="node"} + up{job=~"pumpflix-.*"}"#).is_empty());
        assert!(found(r#"up{job!="nope", job!~"x"}"#).is_empty());
        assert!(found(r#"up{job=""} or up{job=~"x|"}"#).is_empty());
    }
}
