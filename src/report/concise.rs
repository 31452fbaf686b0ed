//! `--format concise`: one line per finding, `path:line:column: severity code message`,
//! the convention of grep, compilers and ruff's concise output, so editors' error
//! formats (`%f:%l:%c: %m`) and `cut -d:` read it. The summary lines follow unless
//! `--quiet`; they start with `promgate:` and carry no `line:column:`, so no reader
//! takes them for findings.

use super::{summary, DisplayOptions, ReportedDiagnostic, RunReport};
use crate::diagnostic::Severity;

/// Renders the findings the display shows, then the summary.
pub fn render(report: &RunReport, display: &DisplayOptions) -> String {
    let mut out = String::new();
    for reported in display.shown(report) {
        out.push_str(&line(reported, display.color));
        out.push('\n');
    }
    if display.summary {
        out.push_str(&summary::render(report, display));
    }
    out
}

/// One finding's line. A message never spans lines here: a line break in it becomes a
/// space, so one line is always one finding.
pub fn line(reported: &ReportedDiagnostic, color: bool) -> String {
    let diagnostic = &reported.diagnostic;
    let message: String = diagnostic
        .message
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let severity = diagnostic.severity.as_str();
    let severity = if color {
        format!("{}{severity}\u{1b}[0m", ansi(diagnostic.severity))
    } else {
        severity.to_string()
    };
    format!(
        "{}:{}:{}: {severity} {}{} {message}",
        reported.path(),
        reported.start.line,
        reported.start.column,
        diagnostic.code,
        super::human::fix_marker(diagnostic),
    )
}

/// The colours of miette's default theme for each severity (bold for errors).
fn ansi(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "\u{1b}[1;31m",
        Severity::Warning => "\u{1b}[33m",
        Severity::Info => "\u{1b}[36m",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn one_parseable_line_per_finding() {
        let report = sample_report();
        let display = DisplayOptions {
            show_info: true,
            summary: false,
            ..DisplayOptions::default()
        };
        let out = render(&report, &display);
        assert_eq!(out.lines().count(), report.diagnostics.len());
        for (line, reported) in out.lines().zip(&report.diagnostics) {
            // `path:line:col: severity code message`, the path itself may hold a colon.
            let rest = line.strip_prefix(reported.path()).unwrap();
            let mut fields = rest[1..].splitn(3, ':');
            assert_eq!(fields.next().unwrap(), reported.start.line.to_string());
            assert_eq!(fields.next().unwrap(), reported.start.column.to_string());
            let mut words = fields.next().unwrap().trim_start().splitn(3, ' ');
            assert_eq!(words.next().unwrap(), reported.diagnostic.severity.as_str());
            assert_eq!(words.next().unwrap(), reported.diagnostic.code);
            assert!(!words.next().unwrap().is_empty());
        }
    }

    #[test]
    fn colour_marks_only_the_severity() {
        for reported in &sample_report().diagnostics {
            let plain = line(reported, false);
            let coloured = line(reported, true);
            assert!(!plain.contains('\u{1b}'));
            let escape = ansi(reported.diagnostic.severity);
            let severity = reported.diagnostic.severity.as_str();
            assert_eq!(
                coloured,
                plain.replacen(
                    &format!(" {severity} "),
                    &format!(" {escape}{severity}\u{1b}[0m "),
                    1
                )
            );
        }
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report(), &DisplayOptions::default()));
    }
}
