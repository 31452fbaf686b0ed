//! Recording rules linted in a run feed the catalog: each adds its output series with
//! the labels inferred from its expression and its `labels:`.

use super::flow::{labels, Labels};
use super::{Catalog, MetricFamily, MetricType, Origin};
use crate::promql::ast::Expr;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// One recording rule as the catalog needs it.
pub struct RecordingRule<'a> {
    pub record: &'a str,
    pub expr: &'a Expr,
    /// Static labels the rule sets on its output.
    pub labels: Vec<&'a str>,
}

/// Adds every recording rule's output to `catalog` (which must be finished).
///
/// A rule reading another rule's output needs that output's labels first, so record
/// names are taken in dependency order, a level at a time: first those whose rules
/// read only imported metrics, then those reading them, and so on. Each name's labels
/// are inferred once, the rules of a level in parallel. Names in a cycle (or reading
/// one) keep an unknown label set: silent, never wrong.
pub fn add_recording_rules(catalog: &mut Catalog, rules: &[RecordingRule]) {
    if rules.is_empty() {
        return;
    }
    let (levels, cyclic) = levels(rules);
    for level in levels {
        let level_rules: Vec<&RecordingRule> = level.iter().map(|&i| &rules[i]).collect();
        let inferred = families(&level_rules, |expr| labels(expr, catalog));
        catalog.extend_indexed(inferred.into_values());
    }
    let cyclic: Vec<&RecordingRule> = cyclic.iter().map(|&i| &rules[i]).collect();
    catalog.extend_indexed(families(&cyclic, |_| Labels::Unknown).into_values());
}

/// The rules (by index) grouped into dependency levels, and the rules of names caught
/// in a cycle. Rules writing the same name share its level.
fn levels(rules: &[RecordingRule]) -> (Vec<Vec<usize>>, Vec<usize>) {
    // Record names, and which of them each name's rules read.
    let mut rules_of: HashMap<&str, Vec<usize>> = HashMap::default();
    for (index, rule) in rules.iter().enumerate() {
        rules_of.entry(rule.record).or_default().push(index);
    }
    let reads = |index: usize| -> Vec<&str> {
        let mut read = Vec::new();
        super::flow::selectors(rules[index].expr, &mut |selector, _| {
            match selector.metric_name() {
                Some((name, _)) => super::any_family_of_series(name, |family| {
                    if let Some((&recorded, _)) = rules_of.get_key_value(family) {
                        read.push(recorded);
                    }
                    false
                }),
                // A `__name__` pattern may match any recorded series.
                None => {
                    read.extend(rules_of.keys().copied());
                    false
                }
            };
        });
        read
    };
    let all_reads: Vec<Vec<&str>> = (0..rules.len()).into_par_iter().map(reads).collect();
    let mut waiting_on: HashMap<&str, usize> = HashMap::default();
    let mut readers: HashMap<&str, Vec<&str>> = HashMap::default();
    for (&name, indices) in &rules_of {
        let mut deps: Vec<&str> = indices
            .iter()
            .flat_map(|&i| all_reads[i].iter().copied())
            .collect();
        deps.sort_unstable();
        deps.dedup();
        waiting_on.insert(name, deps.len());
        for dep in deps {
            readers.entry(dep).or_default().push(name);
        }
    }
    let mut levels = Vec::new();
    let mut ready: Vec<&str> = waiting_on
        .iter()
        .filter(|(_, &count)| count == 0)
        .map(|(&name, _)| name)
        .collect();
    ready.sort_unstable();
    while !ready.is_empty() {
        let mut next = Vec::new();
        for name in &ready {
            waiting_on.remove(name);
            for reader in readers.get(name).into_iter().flatten() {
                let count = waiting_on.get_mut(reader).expect("readers wait");
                *count -= 1;
                if *count == 0 {
                    next.push(*reader);
                }
            }
        }
        let mut level: Vec<usize> = ready
            .iter()
            .flat_map(|name| rules_of[name].clone())
            .collect();
        level.sort_unstable();
        levels.push(level);
        next.sort_unstable();
        ready = next;
    }
    let mut cyclic: Vec<usize> = waiting_on
        .keys()
        .flat_map(|name| rules_of[name].clone())
        .collect();
    cyclic.sort_unstable();
    (levels, cyclic)
}

/// The output family of every rule, with the labels `infer` finds for its expression,
/// in rule order (a series name in several rules gets their labels unioned).
fn families(
    rules: &[&RecordingRule],
    infer: impl Fn(&Expr) -> Labels + Sync,
) -> HashMap<String, MetricFamily> {
    // Inference and building each family are independent per rule: in parallel.
    let built: Vec<MetricFamily> = rules
        .par_iter()
        .map(|rule| {
            let mut family = MetricFamily::new(rule.record, MetricType::Unknown);
            family.origin = Origin::Recorded;
            if let Labels::Known(set) = infer(rule.expr) {
                let set = std::sync::Arc::unwrap_or_clone(set);
                family.labels_complete = true;
                family.labels = set.names.into_iter().map(|l| (l, None)).collect();
                family.label_prefixes = set.prefixes;
            }
            for label in &rule.labels {
                family.labels.insert(label.to_string(), None);
            }
            family
        })
        .collect();
    let mut out: HashMap<String, MetricFamily> = HashMap::default();
    for (rule, family) in rules.iter().zip(built) {
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

    #[test]
    fn deep_chains_are_inferred_and_cycles_stay_unknown() {
        let mut catalog = load_str(
            "c.yml",
            "metrics:\n  requests_total:\n    type: counter\n    labels: [route, code]\n",
        )
        .unwrap()
        .with_builtins();
        // level0 <- level1 <- ... <- level5: each keeps `route`, given in reverse order.
        let mut exprs = vec![
            crate::promql::parse("sum by (route) (rate(requests_total[5m]))")
                .expr
                .unwrap(),
        ];
        for level in 1..6 {
            exprs.push(
                crate::promql::parse(&format!("max by (route) (level{})", level - 1))
                    .expr
                    .unwrap(),
            );
        }
        let cycle_a = crate::promql::parse("sum by (route) (cycle_b)")
            .expr
            .unwrap();
        let cycle_b = crate::promql::parse("sum by (route) (cycle_a)")
            .expr
            .unwrap();
        let names: Vec<String> = (0..6).map(|level| format!("level{level}")).collect();
        let mut rules: Vec<RecordingRule> = names
            .iter()
            .zip(&exprs)
            .rev()
            .map(|(name, expr)| RecordingRule {
                record: name,
                expr,
                labels: vec![],
            })
            .collect();
        rules.push(RecordingRule {
            record: "cycle_a",
            expr: &cycle_a,
            labels: vec![],
        });
        rules.push(RecordingRule {
            record: "cycle_b",
            expr: &cycle_b,
            labels: vec![],
        });
        add_recording_rules(&mut catalog, &rules);
        let deepest = catalog.series("level5").unwrap();
        assert_eq!(deepest.has_label("route", &catalog), Some(true));
        assert_eq!(deepest.has_label("code", &catalog), Some(false));
        let cyclic = catalog.series("cycle_a").unwrap();
        assert_eq!(cyclic.has_label("anything", &catalog), None);
    }
}
