//! `--statistics`: how many findings each check produced at each severity, most frequent
//! first. The severity is the one reported (after the config's levels), so a check that
//! reports at several severities, or one the config moved, shows what really happened.

use super::{ReportedDiagnostic, RunReport};
use crate::diagnostic::Severity;
use std::collections::BTreeMap;

/// One row per check code and reported severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub count: usize,
    pub code: &'static str,
    pub severity: Severity,
}

/// The rows of `diagnostics`: most frequent first; ties by code, then the higher
/// severity first, so the table is stable.
pub fn rows<'r>(diagnostics: impl IntoIterator<Item = &'r ReportedDiagnostic>) -> Vec<Row> {
    let mut by_key: BTreeMap<(&'static str, Severity), usize> = BTreeMap::new();
    for reported in diagnostics {
        *by_key
            .entry((reported.diagnostic.code, reported.diagnostic.severity))
            .or_default() += 1;
    }
    let mut rows: Vec<Row> = by_key
        .into_iter()
        .map(|((code, severity), count)| Row {
            count,
            code,
            severity,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.code.cmp(b.code))
            .then(b.severity.cmp(&a.severity))
    });
    rows
}

/// The table printed after the findings: every finding of the run, those the display
/// hides included.
pub fn render(report: &RunReport) -> String {
    let rows = rows(&report.diagnostics);
    let width = rows.iter().map(|row| row.code.len()).max().unwrap_or(0);
    let count_width = rows
        .iter()
        .map(|row| row.count.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::new();
    for row in &rows {
        out.push_str(&format!(
            "{:>count_width$}  {:<width$}  {}\n",
            row.count, row.code, row.severity
        ));
    }
    let total: usize = rows.iter().map(|row| row.count).sum();
    let mut codes: Vec<&str> = rows.iter().map(|row| row.code).collect();
    codes.sort_unstable();
    codes.dedup();
    out.push_str(&format!(
        "{total} finding{} from {} check{}\n",
        if total == 1 { "" } else { "s" },
        codes.len(),
        if codes.len() == 1 { "" } else { "s" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::report::test_support::sample_report;
    use crate::source::SourceFile;
    use std::sync::Arc;

    #[test]
    fn counts_per_check() {
        let report = sample_report();
        let rows = rows(&report.diagnostics);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|row| row.count == 1));
        assert_eq!(rows[0].code, "alerts/required-labels");
    }

    /// A check reported at two severities (its own choice, or the config's levels per
    /// path) gets a row for each, with the severity as reported.
    #[test]
    fn one_row_per_reported_severity() {
        let file = Arc::new(SourceFile::new("a.yml", "abcdef"));
        let at = |i: usize, severity| {
            ReportedDiagnostic::new(
                file.clone(),
                Diagnostic::new("dashboard/rate-interval", severity, i..i + 1, "m"),
            )
        };
        let report = RunReport::new(
            1,
            vec![
                at(0, Severity::Info),
                at(1, Severity::Warning),
                at(2, Severity::Info),
                at(3, Severity::Error),
            ],
        );
        let found: Vec<(usize, Severity)> = rows(&report.diagnostics)
            .iter()
            .map(|row| (row.count, row.severity))
            .collect();
        assert_eq!(
            found,
            [
                (2, Severity::Info),
                (1, Severity::Error),
                (1, Severity::Warning)
            ]
        );
        assert!(render(&report).ends_with("4 findings from 1 check\n"));
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }
}
