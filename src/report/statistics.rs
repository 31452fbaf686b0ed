//! `--statistics`: how many findings each check produced, most frequent first.

use super::RunReport;
use crate::diagnostic::Severity;
use std::collections::BTreeMap;

/// One row per check code: count, code, severity (the highest seen for that code).
pub fn counts(report: &RunReport) -> Vec<(usize, &'static str, Severity)> {
    let mut by_code: BTreeMap<&'static str, (usize, Severity)> = BTreeMap::new();
    for reported in &report.diagnostics {
        let entry = by_code
            .entry(reported.diagnostic.code)
            .or_insert((0, reported.diagnostic.severity));
        entry.0 += 1;
        entry.1 = entry.1.max(reported.diagnostic.severity);
    }
    let mut rows: Vec<_> = by_code
        .into_iter()
        .map(|(code, (count, severity))| (count, code, severity))
        .collect();
    // Most frequent first; ties by code so the table is stable.
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    rows
}

/// The table printed after the findings.
pub fn render(report: &RunReport) -> String {
    let rows = counts(report);
    let width = rows
        .iter()
        .map(|(_, code, _)| code.len())
        .max()
        .unwrap_or(0);
    let count_width = rows
        .iter()
        .map(|(count, _, _)| count.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::new();
    for (count, code, severity) in &rows {
        out.push_str(&format!(
            "{count:>count_width$}  {code:<width$}  {severity}\n"
        ));
    }
    let total: usize = rows.iter().map(|(count, _, _)| count).sum();
    out.push_str(&format!(
        "{total} finding{} from {} check{}\n",
        if total == 1 { "" } else { "s" },
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn counts_per_check() {
        let report = sample_report();
        let rows = counts(&report);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|(count, _, _)| *count == 1));
        assert_eq!(rows[0].1, "alerts/required-labels");
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }
}
