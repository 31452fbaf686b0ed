//! The summary that ends the formats meant for people (`human`, `concise`): how many
//! findings of each severity in how many files, how many the display hides and how to
//! see them, and which checks reported most.

use super::{statistics, DisplayOptions, RunReport};

/// How many of the most frequent checks the summary names.
const TOP_CHECKS: usize = 3;

/// The summary lines, each ending with a line break:
///
/// ```text
/// promgate: 1 error, 12 warnings, 6 infos (hidden; --show-info shows them) in 3 files
/// promgate: top checks: dashboard/datasource (6 warnings), dashboard/deprecated-panel (6 warnings), catalog/histogram (1 error)
/// ```
pub fn render(report: &RunReport, display: &DisplayOptions) -> String {
    let mut out = counts_line(report, display);
    out.push('\n');
    if let Some(top) = top_checks_line(report, display) {
        out.push_str(&top);
        out.push('\n');
    }
    out
}

/// "promgate: 2 errors, 1 warning in 3 files", or "promgate: no problems in 3 files".
/// Hidden infos are counted, and the line says how to show them.
pub fn counts_line(report: &RunReport, display: &DisplayOptions) -> String {
    let summary = &report.summary;
    let files = plural(summary.files, "file");
    let mut counts: Vec<String> = [(summary.errors, "error"), (summary.warnings, "warning")]
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, word)| plural(*count, word))
        .collect();
    if summary.infos > 0 {
        let infos = plural(summary.infos, "info");
        counts.push(if display.show_info {
            infos
        } else {
            format!("{infos} (hidden; --show-info shows them)")
        });
    }
    if counts.is_empty() {
        format!("promgate: no problems in {files}")
    } else {
        format!("promgate: {} in {files}", counts.join(", "))
    }
}

/// The checks that reported most among the findings shown, with their reported
/// severity; `None` when no check reported more than once (nothing to rank).
fn top_checks_line(report: &RunReport, display: &DisplayOptions) -> Option<String> {
    let rows = statistics::rows(display.shown(report));
    if rows.len() < 2 || rows[0].count < 2 {
        return None;
    }
    let named: Vec<String> = rows
        .iter()
        .take(TOP_CHECKS)
        .map(|row| {
            format!(
                "{} ({})",
                row.code,
                plural(row.count, row.severity.as_str())
            )
        })
        .collect();
    let more = if rows.len() > TOP_CHECKS {
        "; --statistics lists them all"
    } else {
        ""
    };
    Some(format!("promgate: top checks: {}{more}", named.join(", ")))
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Severity};
    use crate::report::test_support::sample_report;
    use crate::report::{ReportedDiagnostic, Summary};
    use crate::source::SourceFile;
    use std::sync::Arc;

    fn with_summary(summary: Summary) -> RunReport {
        RunReport {
            diagnostics: Vec::new(),
            summary,
        }
    }

    #[test]
    fn counts_each_severity_and_says_how_to_show_hidden_infos() {
        let report = with_summary(Summary {
            files: 3,
            errors: 2,
            warnings: 1,
            infos: 4,
        });
        assert_eq!(
            counts_line(&report, &DisplayOptions::default()),
            "promgate: 2 errors, 1 warning, 4 infos (hidden; --show-info shows them) in 3 files"
        );
        let shown = DisplayOptions {
            show_info: true,
            ..DisplayOptions::default()
        };
        assert_eq!(
            counts_line(&report, &shown),
            "promgate: 2 errors, 1 warning, 4 infos in 3 files"
        );
        let clean = with_summary(Summary {
            files: 1,
            ..Summary::default()
        });
        assert_eq!(
            counts_line(&clean, &DisplayOptions::default()),
            "promgate: no problems in 1 file"
        );
    }

    /// A report with `counts` findings of each (code, severity).
    fn report_of(counts: &[(&'static str, Severity, usize)]) -> RunReport {
        let file = Arc::new(SourceFile::new("a.yml", "x".repeat(100)));
        let mut diagnostics = Vec::new();
        for &(code, severity, count) in counts {
            for _ in 0..count {
                let at = diagnostics.len();
                diagnostics.push(ReportedDiagnostic::new(
                    file.clone(),
                    Diagnostic::new(code, severity, at..at + 1, "m"),
                ));
            }
        }
        RunReport::new(1, diagnostics)
    }

    #[test]
    fn names_the_top_checks_of_what_is_shown() {
        let report = report_of(&[
            ("dashboard/rate-interval", Severity::Info, 9),
            ("dashboard/datasource", Severity::Warning, 2),
            ("rules/duplicate", Severity::Warning, 4),
            ("promql/syntax", Severity::Error, 1),
            ("dashboard/rate-interval", Severity::Warning, 3),
        ]);
        assert_eq!(
            render(&report, &DisplayOptions::default()),
            "promgate: 1 error, 9 warnings, 9 infos (hidden; --show-info shows them) in 1 file\n\
             promgate: top checks: rules/duplicate (4 warnings), dashboard/rate-interval (3 warnings), dashboard/datasource (2 warnings); --statistics lists them all\n"
        );
        let all = render(
            &report,
            &DisplayOptions {
                show_info: true,
                ..DisplayOptions::default()
            },
        );
        assert!(
            all.ends_with("top checks: dashboard/rate-interval (9 infos), rules/duplicate (4 warnings), dashboard/rate-interval (3 warnings); --statistics lists them all\n"),
            "{all}"
        );
    }

    #[test]
    fn no_ranking_when_no_check_repeats() {
        let lines = render(&sample_report(), &DisplayOptions::default());
        assert_eq!(
            lines,
            "promgate: 1 error, 2 warnings, 1 info (hidden; --show-info shows them) in 2 files\n"
        );
    }
}
