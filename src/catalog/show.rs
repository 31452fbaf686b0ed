//! `promgate catalog show`: what a catalog holds, for people.

use super::{Catalog, MetricType, Origin};
use std::fmt::Write;

/// One line per family (name, type, labels), then totals per type.
pub fn render(catalog: &Catalog) -> String {
    let mut out = String::new();
    let mut counts = [0usize; MetricType::ALL.len()];
    let width = catalog.families().map(|f| f.name.len()).max().unwrap_or(0);
    for family in catalog.families() {
        counts[MetricType::ALL
            .iter()
            .position(|k| *k == family.kind)
            .unwrap_or(0)] += 1;
        let mut labels: Vec<String> = family.labels.keys().cloned().collect();
        labels.extend(family.label_prefixes.iter().map(|p| format!("{p}*")));
        let labels = if family.labels_complete || !labels.is_empty() {
            let open = if family.labels_complete { "" } else { ", ..." };
            format!("{{{}{open}}}", labels.join(", "))
        } else {
            "{?}".to_string()
        };
        let source = match family.origin {
            Origin::Imported => "",
            Origin::BuiltIn => "  (built-in)",
            Origin::Recorded => "  (recording rule)",
            Origin::Bundled => "  (bundled)",
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:<14} {labels}{source}",
            family.name,
            family.kind.as_str()
        );
    }
    let totals: Vec<String> = MetricType::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    let _ = writeln!(
        out,
        "\n{} metric families ({}); catalog {}; target labels: {}",
        catalog.len(),
        totals.join(", "),
        if catalog.complete {
            "declared complete"
        } else {
            "partial"
        },
        catalog
            .target_labels
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !catalog.exclude_namespaces.is_empty() {
        let _ = writeln!(
            out,
            "excluded namespaces: {}",
            catalog
                .exclude_namespaces
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    write_scrape(&mut out, catalog);
    out
}

/// The server's intervals and jobs, when an import from a server gave them.
fn write_scrape(out: &mut String, catalog: &Catalog) {
    let scrape = &catalog.scrape;
    if let Some(interval) = &scrape.scrape_interval {
        let _ = writeln!(out, "scrape interval: {interval}");
    }
    if let Some(interval) = &scrape.evaluation_interval {
        let _ = writeln!(out, "evaluation interval: {interval}");
    }
    if let Some(jobs) = &scrape.jobs {
        let jobs: Vec<String> = jobs
            .iter()
            .map(|(name, job)| match &job.scrape_interval {
                Some(interval) => format!("{name} ({interval})"),
                None => name.clone(),
            })
            .collect();
        let _ = writeln!(out, "jobs (no others): {}", jobs.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::load_str;

    #[test]
    fn lists_families_and_totals() {
        let catalog = load_str(
            "c.yml",
            "metrics:\n  a_total:\n    type: counter\n    labels: [x]\n  b:\n    type: gauge\n",
        )
        .unwrap()
        .with_builtins();
        let text = render(&catalog);
        let line = |name: &str| {
            text.lines()
                .find(|l| l.split_whitespace().next() == Some(name))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap()
        };
        assert_eq!(line("a_total"), "a_total counter {x}");
        assert_eq!(line("b"), "b gauge {?}");
        assert_eq!(line("up"), "up gauge {} (built-in)");
        assert!(text.contains("1 counter, 11 gauge"), "{text}");
        let catalog = load_str(
            "c.yml",
            "scrape_interval: 15s\njobs: {api: {scrape_interval: 5s}, node: {}}\nmetrics: {}\n",
        )
        .unwrap();
        let text = render(&catalog);
        assert!(text.contains("scrape interval: 15s\n"), "{text}");
        assert!(
            text.contains("jobs (no others): api (5s), node\n"),
            "{text}"
        );
    }
}
