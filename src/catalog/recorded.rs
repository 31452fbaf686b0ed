//! Recording rules linted in a run feed the catalog: each adds its output series with
//! the labels inferred from its expression and its `labels:`.

use super::flow::{labels, Labels};
use super::{Catalog, MetricFamily, MetricType, Origin};
use crate::promql::ast::Expr;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// One recording rule as the catalog needs it.
pub struct RecordingRule<'a> {
    pub record: &'a str,
    pub expr: &'a Expr,
    /// Static labels the rule sets on its output.
    pub labels: Vec<&'a str>,
}

/// Passes over the rules: a rule reading another rule's output learns its labels in
/// the next pass; chains deeper than this stay `Unknown` (silent), never wrong.
const PASSES: usize = 4;

/// Adds every recording rule's output to `catalog` (which must be finished).
///
/// The catalog is large (thousands of imported families) and the rules many, so the
/// passes never copy or re-index it: the set of recorded names is the same in every
/// pass, so they are indexed once, and a pass only swaps the families' label sets.
pub fn add_recording_rules(catalog: &mut Catalog, rules: &[RecordingRule]) {
    if rules.is_empty() {
        return;
    }
    let first = families(rules, |_| Labels::Unknown);
    // Imported families a record name collides with, to merge each pass's output into.
    let imported: BTreeMap<String, MetricFamily> = first
        .keys()
        .filter_map(|name| catalog.family(name).cloned())
        .map(|family| (family.name.clone(), family))
        .collect();
    catalog.extend_indexed(first.values().cloned());
    let mut current = first;
    for _ in 1..PASSES {
        let next = families(rules, |expr| labels(expr, catalog));
        if next == current {
            break;
        }
        for family in next.values() {
            let merged = match imported.get(&family.name) {
                Some(imported) => {
                    let mut merged = imported.clone();
                    merged.merge(family.clone());
                    merged
                }
                None => family.clone(),
            };
            catalog.replace_family(merged);
        }
        current = next;
    }
}

/// The output family of every rule, with the labels `infer` finds for its expression,
/// in rule order (a series name in several rules gets their labels unioned).
fn families<'a>(
    rules: &'a [RecordingRule<'a>],
    infer: impl Fn(&Expr) -> Labels + Sync,
) -> BTreeMap<String, MetricFamily> {
    let inferred: Vec<Labels> = rules.par_iter().map(|rule| infer(rule.expr)).collect();
    let mut out: BTreeMap<String, MetricFamily> = BTreeMap::new();
    for (rule, inferred) in rules.iter().zip(inferred) {
        let mut family = MetricFamily::new(rule.record, MetricType::Unknown);
        family.origin = Origin::Recorded;
        if let Labels::Known(set) = inferred {
            family.labels_complete = true;
            family.labels = set.names.into_iter().map(|l| (l, None)).collect();
            family.label_prefixes = set.prefixes;
        }
        for label in &rule.labels {
            family.labels.insert(label.to_string(), None);
        }
        match out.get_mut(rule.record) {
            Some(existing) => existing.merge(family),
            None => {
                out.insert(rule.record.to_string(), family);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::load_str;

    #[test]
    fn infers_output_labels_through_chains() {
        let mut catalog = load_str(
            "c.yml",
            "metrics:\n  http_requests_total:\n    type: counter\n    labels: [route, code]\n",
        )
        .unwrap()
        .with_builtins();
        let first = crate::promql::parse("sum by (route) (rate(http_requests_total[5m]))")
            .expr
            .unwrap();
        let second = crate::promql::parse("max without (route) (route:http_requests:rate5m)")
            .expr
            .unwrap();
        let opaque = crate::promql::parse("info(route:http_requests:rate5m)")
            .expr
            .unwrap();
        add_recording_rules(
            &mut catalog,
            &[
                RecordingRule {
                    record: "max:http_requests:rate5m",
                    expr: &second,
                    labels: vec!["team"],
                },
                RecordingRule {
                    record: "route:http_requests:rate5m",
                    expr: &first,
                    labels: vec![],
                },
                RecordingRule {
                    record: "opaque:thing",
                    expr: &opaque,
                    labels: vec![],
                },
            ],
        );
        let route = catalog.series("route:http_requests:rate5m").unwrap();
        assert_eq!(route.has_label("route", &catalog), Some(true));
        assert_eq!(route.has_label("code", &catalog), Some(false));
        assert_eq!(
            route.has_label("job", &catalog),
            Some(false),
            "sum by (route) drops job"
        );
        assert_eq!(route.family.origin, Origin::Recorded);
        let max = catalog.series("max:http_requests:rate5m").unwrap();
        assert_eq!(max.has_label("team", &catalog), Some(true));
        assert_eq!(max.has_label("route", &catalog), Some(false));
        let opaque = catalog.series("opaque:thing").unwrap();
        assert_eq!(opaque.has_label("anything", &catalog), None);
    }
}
