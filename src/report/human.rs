//! `--format human`: miette's graphical report, one block per diagnostic with the
//! source snippet and a caret under the token, then a summary line.

use super::{ReportedDiagnostic, RunReport, Summary};
use crate::diagnostic::Severity;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
    SourceSpan,
};

/// Renders the report. `color` adds ANSI colours (decided by the caller from the
/// terminal, `--color` and `NO_COLOR`).
pub fn render(report: &RunReport, color: bool) -> String {
    let mut out = render_findings(report, color);
    out.push_str(&summary_line(&report.summary));
    out.push('\n');
    out
}

/// The findings without the summary line (`--quiet`): nothing at all when clean.
pub fn render_findings(report: &RunReport, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .with_context_lines(1);
    let mut out = String::new();
    for reported in &report.diagnostics {
        let diagnostic = to_miette(reported);
        let source = NamedSource::new(reported.path(), FileText(reported.file.clone()))
            .with_language("yaml");
        let miette_report = Report::new(diagnostic).with_source_code(source);
        if handler
            .render_report(&mut out, miette_report.as_ref())
            .is_err()
        {
            // Rendering into a String cannot fail; fall back to one line if it ever does.
            out.push_str(&one_line(reported));
        }
        out.push('\n');
    }
    out
}

/// A shared file's text as miette source code, without copying it per diagnostic.
struct FileText(std::sync::Arc<crate::source::SourceFile>);

impl miette::SourceCode for FileText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        self.0
            .text
            .as_str()
            .read_span(span, context_lines_before, context_lines_after)
    }
}

fn to_miette(reported: &ReportedDiagnostic) -> MietteDiagnostic {
    let diagnostic = &reported.diagnostic;
    let severity = match diagnostic.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    // The header already names path:line:column; the caret needs no words.
    let primary = LabeledSpan::new_primary_with_span(None, source_span(&diagnostic.span));
    let secondary = diagnostic.labels.iter().map(|label| {
        LabeledSpan::new_with_span(Some(label.message.clone()), source_span(&label.span))
    });
    let mut out = MietteDiagnostic::new(diagnostic.message.clone())
        .with_code(diagnostic.code)
        .with_severity(severity)
        .with_labels(std::iter::once(primary).chain(secondary));
    if let Some(help) = &diagnostic.help {
        out = out.with_help(help.clone());
    }
    out
}

fn source_span(span: &std::ops::Range<usize>) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.end.saturating_sub(span.start))
}

fn one_line(reported: &ReportedDiagnostic) -> String {
    format!(
        "{}:{}:{}: {}[{}] {}\n",
        reported.path(),
        reported.start.line,
        reported.start.column,
        reported.diagnostic.severity,
        reported.diagnostic.code,
        reported.diagnostic.message
    )
}

/// "2 errors, 1 warning in 3 files", or "no problems in 3 files".
pub fn summary_line(summary: &Summary) -> String {
    let files = plural(summary.files, "file");
    let counts: Vec<String> = [
        (summary.errors, "error"),
        (summary.warnings, "warning"),
        (summary.infos, "info"),
    ]
    .iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, word)| plural(*count, word))
    .collect();
    if counts.is_empty() {
        format!("promgate: no problems in {files}")
    } else {
        format!("promgate: {} in {files}", counts.join(", "))
    }
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
    use crate::report::test_support::sample_report;

    #[test]
    fn renders_snippets_with_carets_and_no_colour() {
        let out = render(&sample_report(), false);
        assert!(!out.contains('\u{1b}'), "no ANSI escapes without colour");
        assert!(out.contains("catalog/unknown-metric"));
        assert!(out.contains("http_requests_totl"));
        assert!(out.contains("rules/alerts.yml:6:20"));
        assert!(out.contains("help: did you mean `http_requests_total`?"));
        assert!(out.trim_end().ends_with("files"));
    }

    #[test]
    fn colour_adds_ansi_escapes() {
        assert!(render(&sample_report(), true).contains('\u{1b}'));
    }

    #[test]
    fn summary_lines_count_each_severity() {
        let summary = Summary {
            files: 3,
            errors: 2,
            warnings: 1,
            infos: 0,
        };
        assert_eq!(
            summary_line(&summary),
            "promgate: 2 errors, 1 warning in 3 files"
        );
        assert_eq!(
            summary_line(&Summary {
                files: 1,
                ..Summary::default()
            }),
            "promgate: no problems in 1 file"
        );
    }
}
