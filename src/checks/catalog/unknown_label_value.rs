//! `catalog/unknown-label-value`: a matcher that can match none of the values a label
//! takes, where the catalog knows them all (kube-state-metrics' enums such as
//! `phase`, the jobs of a server the catalog was imported from).

use super::common::{quoted_list, ExprWalk, Finding};
use crate::catalog::flow::{name_regex, Resolved};
use crate::catalog::{closest, Catalog, Origin};
use crate::checks::context::ExprContext;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::ast::{Expr, MatchOp, Matcher, VectorSelector};
use crate::promql::matcher_matches_empty;
use std::borrow::Cow;
use std::collections::BTreeSet;

pub static META: CheckMeta = CheckMeta {
    code: "catalog/unknown-label-value",
    severity: Severity::Warning,
    summary: "A label matcher that matches none of the values the label takes",
    docs: "Some labels take a closed set of values: kube-state-metrics' `phase` is one of \
`Pending`, `Running`, `Succeeded`, `Failed` and `Unknown`; the `job` label of a server's series \
is one of its jobs. A matcher that can match none of them (`kube_pod_status_phase{phase=\"running\"}`, \
`up{job=\"pumpflix-apii\"}`) selects nothing, so the alert never fires and the panel stays empty.\n\n\
The values come from the catalog: a metric's `label_values` (the kube-state-metrics docs list \
the enums; `builtin:kube-state-metrics` has them) and `jobs` (written by `promgate catalog \
import URL` from the server's jobs). Equality and regex matchers are held against every value; \
a matcher that also accepts the empty value (`!=`, most `!~`) matches series without the label \
and is never reported. Recording-rule outputs and alert series are not judged: their labels are \
what the rules set.\n\n\
One check owns each `job` matcher: when a Prometheus configuration lists every job \
(`--prometheus-config`), `prometheus/unknown-job` reports a `job` value that is no job and this \
check leaves `job` matchers alone, so `up{job=\"pumpflix-apii\"}` is reported once. Without such a \
configuration, the jobs of the catalog (`catalog import URL`) are held here.\n\n\
Fix: use a value the help lists.",
    bad: fixture!("catalog/unknown-label-value/fail.yml"),
    good: fixture!("catalog/unknown-label-value/pass.yml"),
    enabled_by_default: true,
};

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if let Some(catalog) = super::catalog_for(ctx) {
        // With a Prometheus configuration that lists every job, `prometheus/unknown-job`
        // owns the `job` matchers: one finding for `up{job="typo"}`, not two.
        let jobs_owned_by_config = ctx
            .options
            .prometheus
            .as_deref()
            .is_some_and(|facts| facts.job_names().is_some());
        let skip = if jobs_owned_by_config {
            Skip::JobMatchers
        } else {
            Skip::Nothing
        };
        super::emit(ctx, emitter, find_in(ctx.walk(catalog), catalog, skip));
    }
}

/// Matchers another check owns.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Nothing,
    /// `job` matchers: `prometheus/unknown-job` reports them.
    JobMatchers,
}

pub fn find(expr: &Expr, catalog: &Catalog) -> Vec<Finding> {
    find_with(expr, catalog, Skip::Nothing)
}

pub fn find_with(expr: &Expr, catalog: &Catalog, skip: Skip) -> Vec<Finding> {
    find_in(&ExprWalk::new(expr, catalog), catalog, skip)
}

/// The findings on an expression walked with `catalog`.
pub fn find_in(walk: &ExprWalk<'_>, catalog: &Catalog, skip: Skip) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Values are judged only on a selector whose family the catalog knows.
    if walk.blind() {
        return findings;
    }
    walk.selectors(&mut |selector| {
        check_selector(selector, walk, catalog, skip, &mut findings);
    });
    findings
}

fn check_selector(
    selector: &VectorSelector,
    walk: &ExprWalk<'_>,
    catalog: &Catalog,
    skip: Skip,
    out: &mut Vec<Finding>,
) {
    // Cheap first: most selectors have no matcher on a label whose values the catalog
    // knows, which a set lookup tells without resolving the selector's family.
    let values_known = |name: &str| {
        catalog.has_label_values(name) || (name == "job" && catalog.scrape.jobs.is_some())
    };
    if selector
        .matchers
        .iter()
        .all(|m| m.name == "__name__" || !values_known(&m.name) || matcher_matches_empty(m))
    {
        return;
    }
    let Resolved::Series(series) = walk.resolve(selector) else {
        return;
    };
    let family = series.family;
    // A recording rule's or an alert's labels are whatever the rule set.
    if family.origin == Origin::Recorded || family.name.starts_with("ALERTS") {
        return;
    }
    for matcher in &selector.matchers {
        if matcher.name == "__name__" || matcher_matches_empty(matcher) || templated(matcher) {
            continue;
        }
        if skip == Skip::JobMatchers && matcher.name == "job" {
            continue;
        }
        let values: Option<Cow<'_, BTreeSet<String>>> = match family.labels.get(&matcher.name) {
            Some(Some(values)) => Some(Cow::Borrowed(values)),
            // Every scraped series' `job` is one of the server's jobs.
            _ if matcher.name == "job" => catalog
                .scrape
                .jobs
                .as_ref()
                .map(|jobs| Cow::Owned(jobs.keys().cloned().collect())),
            _ => None,
        };
        if let Some(values) = values {
            report(matcher, &values, &family.name, out);
        }
    }
}

/// A value holding a dashboard variable (`"$job"`, `"${job}"`, `"[[job]]"`): dashboards
/// keep variables inside strings as written, so the value is a placeholder.
fn templated(matcher: &Matcher) -> bool {
    matcher.value.contains('$') || matcher.value.contains("[[")
}

/// Reports `matcher` when no value of `values` satisfies it.
fn report(matcher: &Matcher, values: &BTreeSet<String>, metric: &str, out: &mut Vec<Finding>) {
    if values.is_empty() || values.iter().any(|value| satisfies(matcher, value)) {
        return;
    }
    let message = match (matcher.op, matcher.name.as_str()) {
        (MatchOp::Equal, "job") => format!(
            "no job is named `{}`, so this selector matches nothing",
            matcher.value
        ),
        (MatchOp::Equal, label) => format!(
            "`{label}` of `{metric}` is never `{}`, so this selector matches nothing",
            matcher.value
        ),
        (op, label) => format!(
            "`{label}{}\"{}\"` matches no value `{label}` takes, so this selector matches nothing",
            op.as_str(),
            matcher.value
        ),
    };
    let listed: Vec<&str> = values.iter().map(String::as_str).collect();
    let suggestions = closest(&matcher.value, listed.iter().copied(), 2);
    let mut help = String::new();
    if matcher.op == MatchOp::Equal && !suggestions.is_empty() {
        help.push_str(&format!("did you mean {}? ", quoted_list(&suggestions)));
    }
    if listed.len() <= 12 {
        help.push_str(&format!("`{}` takes: {}", matcher.name, listed.join(", ")));
    } else {
        help.push_str(&format!("`{}` takes {} values", matcher.name, listed.len()));
    }
    out.push(Finding::new(matcher.value_span.clone(), message).help(help));
}

/// Whether a series whose label has `value` satisfies the matcher. An invalid regex
/// (reported by `promql/syntax`) counts as matching, so it is not reported twice.
fn satisfies(matcher: &Matcher, value: &str) -> bool {
    match matcher.op {
        MatchOp::Equal => matcher.value == value,
        MatchOp::NotEqual => matcher.value != value,
        MatchOp::Regex => name_regex(&matcher.value).is_none_or(|re| re.is_match(value)),
        MatchOp::NotRegex => name_regex(&matcher.value).is_none_or(|re| !re.is_match(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::{find, find_with, Skip};
    use crate::catalog::load_str;

    const CATALOG: &str = "\
jobs: {node: {}, api: {scrape_interval: 15s}}
metrics:
  kube_pod_status_phase:
    type: gauge
    labels: [pod, phase]
    label_values:
      phase: [Failed, Pending, Running]
  node_load1:
    type: gauge
";

    fn values_reported(query: &str) -> Vec<String> {
        let catalog = load_str("c.yml", CATALOG).unwrap().with_builtins();
        let expr = crate::promql::parse(query).expr.expect("parses");
        find(&expr, &catalog)
            .into_iter()
            .map(|f| query[f.span].to_string())
            .collect()
    }

    #[test]
    fn equality_and_regex_against_closed_sets() {
        assert_eq!(
            values_reported("kube_pod_status_phase{phase=\"running\"}"),
            ["\"running\""]
        );
        assert!(values_reported("kube_pod_status_phase{phase=\"Running\"}").is_empty());
        assert_eq!(
            values_reported("kube_pod_status_phase{phase=~\"Run|Pend\"}"),
            ["\"Run|Pend\""]
        );
        assert!(values_reported("kube_pod_status_phase{phase=~\"Run.*|Pend\"}").is_empty());
        // Jobs hold for every scraped series, labels known or not.
        assert_eq!(values_reported("node_load1{job=\"nodes\"}"), ["\"nodes\""]);
        assert_eq!(values_reported("up{job=~\"api-.+\"}"), ["\"api-.+\""]);
        assert!(values_reported("up{job=~\"api|web\"} or node_load1{job=\"node\"}").is_empty());
        // Dashboard variables inside strings are placeholders.
        assert!(
            values_reported("up{job=~\"$job\"} or up{job=\"${job}\"} or up{job=\"[[job]]\"}")
                .is_empty()
        );
    }

    #[test]
    fn negative_matchers_and_open_labels_stay_silent() {
        // `!=` and `!~` that accept the empty value match series without the label.
        assert!(values_reported("kube_pod_status_phase{phase!=\"Running\"}").is_empty());
        assert!(
            values_reported("kube_pod_status_phase{phase!~\"Running|Failed|Pending\"}").is_empty()
        );
        // `!~` that rejects the empty value too: it needs a value, and none fits.
        assert_eq!(
            values_reported("kube_pod_status_phase{phase!~\"|Running|Failed|Pending\"}"),
            ["\"|Running|Failed|Pending\""]
        );
        // A label without listed values, an unknown metric, alert series: silent.
        assert!(values_reported("kube_pod_status_phase{pod=\"x\"}").is_empty());
        assert!(values_reported("other_metric{job=\"nodes\"}").is_empty());
        assert!(values_reported("ALERTS{job=\"nodes\"}").is_empty());
    }

    #[test]
    fn job_matchers_are_left_to_the_configuration_when_it_lists_the_jobs() {
        let catalog = load_str("c.yml", CATALOG).unwrap().with_builtins();
        let expr = crate::promql::parse("node_load1{job=\"nodes\"}")
            .expr
            .expect("parses");
        assert_eq!(find_with(&expr, &catalog, Skip::Nothing).len(), 1);
        assert!(find_with(&expr, &catalog, Skip::JobMatchers).is_empty());
    }
}
