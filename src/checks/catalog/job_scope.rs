//! Target labels per job for `catalog/unknown-label`: a selector that names its job
//! (`job="api"`, `job=~"api|web"`) can carry only the labels the scrape gives *that*
//! job's series, not the union over every job the catalog's `target_labels` holds.

use super::common::Finding;
use crate::catalog::flow::{name_regex, resolve, Resolved};
use crate::catalog::{Catalog, Origin};
use crate::promconfig::Facts;
use crate::promql::ast::{MatchOp, VectorSelector};
use crate::promql::matcher_matches_empty;
use std::collections::BTreeSet;

/// The jobs a selector's `job` matchers select, when they are all known and the set
/// is not empty (an unknown job is `prometheus/unknown-job`'s finding).
fn selected_jobs<'f>(selector: &VectorSelector, facts: &'f Facts) -> Option<Vec<&'f str>> {
    let names = facts.job_names()?;
    let mut selected: Option<Vec<&str>> = None;
    for matcher in selector.matchers.iter().filter(|m| m.name == "job") {
        let matching: Vec<&str> = match matcher.op {
            // The names are sorted and unique.
            MatchOp::Equal => names
                .binary_search(&matcher.value)
                .map_or(Vec::new(), |at| vec![names[at].as_str()]),
            MatchOp::Regex => {
                let re = name_regex(&matcher.value)?;
                names
                    .iter()
                    .filter(|n| re.is_match(n))
                    .map(String::as_str)
                    .collect()
            }
            // `!=` and `!~` leave most jobs in: the union stays the answer.
            MatchOp::NotEqual | MatchOp::NotRegex => continue,
        };
        selected = Some(match selected {
            None => matching,
            Some(before) => before
                .into_iter()
                .filter(|n| matching.contains(n))
                .collect(),
        });
    }
    selected.filter(|jobs| !jobs.is_empty())
}

/// Findings for matchers on a label that only *other* jobs' scrapes add.
pub fn findings(selector: &VectorSelector, catalog: &Catalog, facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    // Most selectors name no job: nothing to scope.
    if !selector.matchers.iter().any(|m| m.name == "job") {
        return out;
    }
    let Some(all_jobs) = facts.closed_target_labels_ref() else {
        return out;
    };
    let Some(jobs) = selected_jobs(selector, facts) else {
        return out;
    };
    let Resolved::Series(series) = resolve(selector, catalog) else {
        return out;
    };
    let family = series.family;
    if !family.labels_complete || family.origin == Origin::Recorded {
        return out;
    }
    let mut scoped: BTreeSet<&str> = BTreeSet::new();
    for job in &jobs {
        scoped.extend(
            facts
                .target_labels_of(job)
                .into_iter()
                .flatten()
                .map(String::as_str),
        );
    }
    for matcher in &selector.matchers {
        let label = matcher.name.as_str();
        let only_other_jobs = all_jobs.contains(label) && !scoped.contains(label);
        if !only_other_jobs
            || family.series_has_label(series.kind, label) == Some(true)
            || matcher_matches_empty(matcher)
        {
            continue;
        }
        let which = match jobs.as_slice() {
            [one] => format!("job `{one}`"),
            _ => format!("jobs {}", quoted(&jobs)),
        };
        let carried: Vec<&str> = family
            .labels
            .keys()
            .map(String::as_str)
            .chain(scoped.iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        out.push(
            Finding::new(
                matcher.name_span.clone(),
                format!(
                    "`{label}` is not a label of `{}` scraped by {which}: only other jobs' scrapes add it, so this selector matches nothing",
                    family.name
                ),
            )
            .help(format!("series of {which} carry: {}", carried.join(", "))),
        );
    }
    out
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
