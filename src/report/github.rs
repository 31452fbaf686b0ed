//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per
//! finding, which the runner turns into annotations on the pull request.
//!
//! Escaping follows the Actions toolkit: in the message `%`, CR and LF are
//! percent-encoded; in property values `:` and `,` are too, since they delimit
//! properties. GitHub rejects an annotation that has columns but spans several lines,
//! so a multi-line finding is annotated at its start position only.

use super::{ReportedDiagnostic, RunReport};
use crate::diagnostic::Severity;
use std::fmt::Write;

/// Renders one workflow command per diagnostic.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    for reported in &report.diagnostics {
        out.push_str(&command(reported));
        out.push('\n');
    }
    out
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The workflow command for one diagnostic, without the trailing newline.
pub fn command(reported: &ReportedDiagnostic) -> String {
    let diagnostic = &reported.diagnostic;
    let (start, end) = (reported.start, reported.end);
    let mut properties = format!(
        "file={},line={}",
        escape_property(&reported.path().replace('\\', "/")),
        start.line
    );
    if start.line == end.line {
        let _ = write!(
            properties,
            ",endLine={},col={},endColumn={}",
            end.line, start.column, end.column
        );
    } else {
        let _ = write!(properties, ",col={}", start.column);
    }
    let _ = write!(properties, ",title={}", escape_property(diagnostic.code));
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{} {}::{}",
        command_name(diagnostic.severity),
        properties,
        escape_data(&message)
    )
}

/// Escapes a command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` are delimiters.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn escapes_delimiters_in_properties_and_newlines_in_messages() {
        let text = render(&sample_report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with(
            "::error file=rules/alerts.yml,line=6,endLine=6,col=20,endColumn=38,title=catalog/unknown-metric::"
        ));
        assert!(text.contains("100%25 sure%0Asecond line"));
        assert!(text.contains("file=rules/we%2Cird%3Aé.yml"));
    }

    #[test]
    fn multi_line_findings_have_no_end_column() {
        let text = render(&sample_report());
        let info = text.lines().find(|l| l.starts_with("::notice")).unwrap();
        assert!(
            info.starts_with("::notice file=rules/alerts.yml,line=6,col=11,title=promql/style::")
        );
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }
}
