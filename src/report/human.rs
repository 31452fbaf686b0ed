//! `--format human`: miette's graphical report, one block per diagnostic with the
//! source snippet and a caret under the token, then the summary lines. Each block's
//! header names the severity in words and the check, `error[catalog/histogram]`, as
//! compilers do: the symbol alone (`×`, `⚠`, `☞`) says little to a newcomer and nothing
//! to `grep`.

use super::{summary, DisplayOptions, ReportedDiagnostic, RunReport};
use crate::diagnostic::Severity;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteSpanContents,
    NamedSource, Report, SourceSpan,
};

/// Renders the findings the display shows, then the summary unless `--quiet`.
pub fn render(report: &RunReport, display: &DisplayOptions) -> String {
    let mut out = render_findings(report, display);
    if display.summary {
        out.push_str(&summary::render(report, display));
    }
    out
}

/// The findings the display shows, without the summary: nothing at all when clean.
pub fn render_findings(report: &RunReport, display: &DisplayOptions) -> String {
    let theme = if display.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .with_context_lines(1);
    let mut out = String::new();
    for reported in display.shown(report) {
        let diagnostic = to_miette(reported);
        let source = NamedSource::new(reported.path(), FileText(reported.file.clone()))
            .with_language("yaml");
        let miette_report = Report::new(diagnostic).with_source_code(source);
        if handler
            .render_report(&mut out, miette_report.as_ref())
            .is_err()
        {
            // Rendering into a String cannot fail; fall back to one line if it ever does.
            out.push_str(&super::concise::line(reported, false));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// A shared file's text as miette source code, without copying it per diagnostic.
///
/// miette's own `read_span` for text counts lines from the start of the file on every
/// call (several calls per diagnostic), which made the human output quadratic in file
/// size: 4 s of 4.2 on the dashboards corpus. The file's line index finds a few lines
/// around the span instead; miette's algorithm runs on that window and its answer is
/// shifted back, so the rendered output is exactly what the whole text gives.
struct FileText(std::sync::Arc<crate::source::SourceFile>);

/// Lines the window keeps after the span's last line beyond the requested context:
/// miette stops one line break past the context, and the span may end on a break.
const WINDOW_SLACK_LINES: usize = 3;

impl miette::SourceCode for FileText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let file = &self.0;
        let text = file.text.as_str();
        let span_end = span.offset() + span.len();
        if span_end > text.len() {
            // miette's own reader may panic slicing past the end; say so instead.
            return Err(miette::MietteError::OutOfBounds);
        }
        // One line more than the context: miette treats an empty span as ending on the
        // byte before it, so the window must not start right at the span.
        let first_line = file
            .line_of(span.offset())
            .saturating_sub(context_lines_before + 1)
            .max(1);
        let window_start = file.line_start(first_line);
        let after_line = file.line_of(span_end) + context_lines_after + WINDOW_SLACK_LINES;
        let window_end = if after_line <= file.line_count() {
            file.line_start(after_line)
        } else {
            text.len()
        };
        let window = &text.as_bytes()[window_start..window_end];
        let local_span = SourceSpan::new((span.offset() - window_start).into(), span.len());
        let local = window.read_span(&local_span, context_lines_before, context_lines_after)?;
        let lines_before_window = first_line - 1;
        Ok(Box::new(MietteSpanContents::new(
            local.data(),
            SourceSpan::new(
                (local.span().offset() + window_start).into(),
                local.span().len(),
            ),
            local.line() + lines_before_window,
            local.column(),
            // miette counts every line break it read, from the start of its input.
            local.line_count() + lines_before_window,
        )))
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
        .with_code(header(diagnostic))
        .with_severity(severity)
        .with_labels(std::iter::once(primary).chain(secondary));
    if let Some(help) = &diagnostic.help {
        out = out.with_help(help.clone());
    }
    out
}

/// `error[catalog/histogram]`: the severity in words, then the check's code.
fn header(diagnostic: &crate::diagnostic::Diagnostic) -> String {
    format!("{}[{}]", diagnostic.severity, diagnostic.code)
}

fn source_span(span: &std::ops::Range<usize>) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.end.saturating_sub(span.start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;
    use miette::SourceCode;

    #[test]
    fn renders_snippets_with_carets_and_no_colour() {
        let out = render(&sample_report(), &DisplayOptions::default());
        assert!(!out.contains('\u{1b}'), "no ANSI escapes without colour");
        assert!(out.contains("error[catalog/unknown-metric]"));
        assert!(out.contains("warning[alerts/required-labels]"));
        assert!(out.contains("http_requests_totl"));
        assert!(out.contains("rules/alerts.yml:6:20"));
        assert!(out.contains("help: did you mean `http_requests_total`?"));
        assert!(out.contains("in 2 files\n"));
    }

    #[test]
    fn infos_are_hidden_unless_asked_for() {
        let report = sample_report();
        let hidden = render(&report, &DisplayOptions::default());
        assert!(!hidden.contains("promql/style"), "{hidden}");
        assert!(hidden.contains("1 info (hidden; --show-info shows them)"));
        let shown = render(
            &report,
            &DisplayOptions {
                show_info: true,
                ..DisplayOptions::default()
            },
        );
        assert!(shown.contains("info[promql/style]"), "{shown}");
    }

    #[test]
    fn quiet_leaves_out_the_summary() {
        let display = DisplayOptions {
            summary: false,
            ..DisplayOptions::default()
        };
        assert!(!render(&sample_report(), &display).contains("promgate:"));
    }

    #[test]
    fn colour_adds_ansi_escapes() {
        let display = DisplayOptions {
            color: true,
            ..DisplayOptions::default()
        };
        assert!(render(&sample_report(), &display).contains('\u{1b}'));
    }

    #[test]
    fn snapshot() {
        let display = DisplayOptions {
            show_info: true,
            ..DisplayOptions::default()
        };
        insta::assert_snapshot!(render(&sample_report(), &display));
    }

    /// The windowed `read_span` must answer exactly what miette's whole-text one does,
    /// for every span, context size and kind of line break.
    #[test]
    fn windowed_spans_match_miette_on_the_whole_text() {
        let texts = [
            "",
            "x",
            "\n\n\n",
            "a: 1\nbb: 2\n\nccc: 3\ndddd: 4\ne: 5\nf: 6\ng: 7\nh",
            "a\r\nb\r\n\r\nc\rd\re\r\nf\n\rg\n",
            "é: \"ü\"\n  - ✓ x\n\n\n  y: z\nlast line without break",
        ];
        // Twenty lines of varying length and line breaks, so windows start mid-file.
        let breaks = ["\n", "\r\n", "\r", "\n\n"];
        let long: String = (0..20)
            .map(|i| format!("{}{}", "k".repeat(i % 5), breaks[i % breaks.len()]))
            .collect();
        for text in texts.iter().copied().chain([long.as_str()]) {
            let file = FileText(std::sync::Arc::new(crate::source::SourceFile::new(
                "t.yml", text,
            )));
            for offset in 0..=text.len() {
                for len in 0..=text.len() - offset {
                    let span = SourceSpan::new(offset.into(), len);
                    for context in 0..=3 {
                        let expected = text.read_span(&span, context, context);
                        let actual = file.read_span(&span, context, context);
                        match (expected, actual) {
                            (Ok(expected), Ok(actual)) => {
                                let what = format!("{text:?} {offset}+{len} context {context}");
                                assert_eq!(expected.data(), actual.data(), "{what}");
                                assert_eq!(expected.span(), actual.span(), "{what}");
                                assert_eq!(expected.line(), actual.line(), "{what}");
                                assert_eq!(expected.column(), actual.column(), "{what}");
                                assert_eq!(expected.line_count(), actual.line_count(), "{what}");
                            }
                            (Err(_), Err(_)) => {}
                            (expected, actual) => panic!(
                                "{text:?} {offset}+{len}: whole text ok={}, window ok={}",
                                expected.is_ok(),
                                actual.is_ok()
                            ),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn spans_past_the_end_are_out_of_bounds_not_a_panic() {
        let file = FileText(std::sync::Arc::new(crate::source::SourceFile::new(
            "t.yml", "a: 1\n",
        )));
        for (offset, len) in [(6, 0), (5, 2), (99, 1)] {
            let span = SourceSpan::new(offset.into(), len);
            assert!(file.read_span(&span, 1, 1).is_err(), "{offset}+{len}");
        }
    }
}
