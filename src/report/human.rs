//! `--format human`: miette's graphical report, one block per diagnostic with the
//! source snippet and a caret under the token, then the summary lines. Each block's
//! header names the severity in words and the check, `error[catalog/histogram]`, as
//! compilers do: the symbol alone (`×`, `⚠`, `☞`) says little to a newcomer and nothing
//! to `grep`.

use super::snippet::{self, Palette, Unsupported};
use super::{summary, DisplayOptions, ReportedDiagnostic, RunReport};
use crate::diagnostic::Severity;
use crate::fix::Applicability;
use crate::source::SourceFile;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteSpanContents,
    NamedSource, SourceSpan,
};
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;

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
    let mut out = Vec::new();
    write_findings(report, display, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("rendered reports are UTF-8")
}

/// [`render`], written to `out` as it is rendered rather than built whole in memory (the
/// human output of 100,000 rules is tens of megabytes).
pub fn write(
    report: &RunReport,
    display: &DisplayOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    write_findings(report, display, out)?;
    if display.summary {
        out.write_all(summary::render(report, display).as_bytes())?;
    }
    Ok(())
}

/// Writes the findings the display shows, without the summary.
///
/// Findings are rendered in parallel, a batch at a time, and written in report order,
/// so the bytes are the same whatever the thread count; batches bound the memory of the
/// rendered blocks waiting to be written.
pub fn write_findings(
    report: &RunReport,
    display: &DisplayOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let renderer = Renderer::new(display.color);
    let shown: Vec<&ReportedDiagnostic> = display.shown(report).collect();
    let lone_cr_files = LoneCrFiles::of(&shown);
    for batch in shown.chunks(RENDER_BATCH) {
        let blocks: Vec<String> = batch
            .par_iter()
            .map(|reported| renderer.block(&lone_cr_files.view(reported)))
            .collect();
        out.write_all(blocks.concat().as_bytes())?;
    }
    Ok(())
}

/// Findings rendered in parallel before their blocks are written.
const RENDER_BATCH: usize = 2048;

/// The files of the shown findings that end lines with a lone `\r`, each copied once
/// with `\n` in its place. Snippets split lines at `\n` as miette does, while a
/// finding's line and column (and YAML, and Prometheus) count a lone `\r` as a line
/// break too: rendering from the copy keeps the gutter's line numbers and the header's
/// in agreement. Offsets are the same in both texts.
struct LoneCrFiles {
    /// Keyed by the address of the file's shared text (`Arc::as_ptr`); `None` for a
    /// file without a lone `\r`.
    copies: std::collections::HashMap<usize, Option<Arc<SourceFile>>>,
}

impl LoneCrFiles {
    fn of(shown: &[&ReportedDiagnostic]) -> LoneCrFiles {
        let mut copies = std::collections::HashMap::new();
        for reported in shown {
            let key = Arc::as_ptr(&reported.file) as usize;
            copies
                .entry(key)
                .or_insert_with(|| reported.file.with_lone_cr_as_lf().map(Arc::new));
        }
        LoneCrFiles { copies }
    }

    /// The finding itself, or for a lone-`\r` file the finding on the file's copy.
    fn view<'a>(&self, reported: &'a ReportedDiagnostic) -> Cow<'a, ReportedDiagnostic> {
        match self.copies.get(&(Arc::as_ptr(&reported.file) as usize)) {
            Some(Some(copy)) => Cow::Owned(ReportedDiagnostic {
                file: copy.clone(),
                ..reported.clone()
            }),
            _ => Cow::Borrowed(reported),
        }
    }
}

/// miette's graphical handler with the theme, width and context fixed here, so
/// rendering never asks the terminal anything (miette's own `Report` probes the
/// terminal for every report it builds).
fn report_handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .with_context_lines(1)
}

/// Renders findings: our own [`snippet`] renderer, and miette for the few it leaves out.
struct Renderer {
    palette: Palette,
    handler: GraphicalReportHandler,
}

impl Renderer {
    fn new(color: bool) -> Renderer {
        Renderer {
            palette: Palette::new(color),
            handler: report_handler(color),
        }
    }

    /// One finding's block: the report with its snippet, then a blank line.
    fn block(&self, reported: &ReportedDiagnostic) -> String {
        let mut out = String::with_capacity(512);
        if render_fast(&self.palette, reported, &mut out).is_err() {
            render_with_miette(&self.handler, reported, &mut out);
        }
        out.push('\n');
        out
    }
}

/// The finding's report through [`snippet::render`], or why it must go to miette.
///
/// The fallback (labels spanning several lines, spans outside the text, see
/// [`snippet`]) writes the same bytes; `fast_path_misses` counts the findings that take
/// it, and the tests assert none of the benchmark corpus or the fixtures do.
fn render_fast(
    palette: &Palette,
    reported: &ReportedDiagnostic,
    out: &mut String,
) -> Result<(), Unsupported> {
    let diagnostic = &reported.diagnostic;
    let header = header(diagnostic);
    let help = help_text(diagnostic);
    let excerpt = LineExcerpt::for_long_line(reported);
    let labels: Vec<snippet::Label<'_>> = match &excerpt {
        Some(excerpt) => excerpt.labels(reported),
        None => std::iter::once(snippet::Label {
            offset: diagnostic.span.start,
            len: diagnostic.span.end.saturating_sub(diagnostic.span.start),
            text: None,
            primary: true,
        })
        .chain(diagnostic.labels.iter().map(|label| snippet::Label {
            offset: label.span.start,
            len: label.span.end.saturating_sub(label.span.start),
            text: Some(label.message.as_str()),
            primary: false,
        }))
        .collect(),
    };
    let block = snippet::Block {
        header: &header,
        severity: diagnostic.severity,
        message: &diagnostic.message,
        help: help.as_deref(),
        name: reported.path(),
        labels: &labels,
    };
    let source = match &excerpt {
        Some(excerpt) => snippet::Source::Excerpt {
            text: &excerpt.text,
            line: reported.start.line - 1,
            column: reported.start.column - 1,
        },
        None => snippet::Source::File(&reported.file),
    };
    snippet::render(&block, &source, palette, out)
}

/// The findings of `report` the display shows that [`snippet`] leaves to miette.
pub fn fast_path_misses(report: &RunReport, display: &DisplayOptions) -> usize {
    let palette = Palette::new(display.color);
    let mut out = String::new();
    display
        .shown(report)
        .filter(|reported| {
            out.clear();
            render_fast(&palette, reported, &mut out).is_err()
        })
        .count()
}

/// One finding's report as miette renders it (the fallback, and the tests' oracle).
fn render_with_miette(
    handler: &GraphicalReportHandler,
    reported: &ReportedDiagnostic,
    out: &mut String,
) {
    let rendered = match LineExcerpt::for_long_line(reported) {
        Some(excerpt) => excerpt.render(handler, reported, out),
        None => {
            let source = NamedSource::new(reported.path(), FileText(reported.file.clone()))
                .with_language("yaml");
            let diagnostic = WithSource {
                diagnostic: to_miette(reported),
                source,
            };
            handler.render_report(out, &diagnostic)
        }
    };
    if rendered.is_err() {
        // Rendering into a String cannot fail; fall back to one line if it ever does.
        out.push_str(&super::concise::line(reported, false));
        out.push('\n');
    }
}

/// A diagnostic with its source code, rendered directly by the handler: what miette's
/// `Report::with_source_code` builds, without the handler `Report` captures (and the
/// terminal probing that comes with it) for each finding.
struct WithSource<S> {
    diagnostic: MietteDiagnostic,
    source: S,
}

impl<S> std::fmt::Display for WithSource<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.diagnostic, f)
    }
}

impl<S> std::fmt::Debug for WithSource<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.diagnostic, f)
    }
}

impl<S> std::error::Error for WithSource<S> {}

impl<S: miette::SourceCode> miette::Diagnostic for WithSource<S> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.url()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
}

/// A shared file's text as miette source code, without copying it per diagnostic: for
/// the findings left to miette (our renderer reads contexts with `report::context`).
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

/// Lines longer than this (in bytes) are not shown whole: miette pads the caret line
/// with a width that Rust's formatter caps at 65,535 (a panic past it), and a minified
/// file's single line would fill the terminal anyway.
const LONG_LINE_BYTES: usize = 512;

/// Characters of the long line shown on each side of the token.
const EXCERPT_CONTEXT_CHARS: usize = 40;

/// Characters of the token itself shown at most (the caret covers those).
const EXCERPT_TOKEN_CHARS: usize = 120;

/// A window of one long line around the finding's token, rendered by miette as if it
/// were the whole line. The header keeps the exact line and column; the gutter keeps the
/// true line number; `…` marks each cut end.
struct LineExcerpt {
    text: String,
    /// Where the token starts and ends in `text`.
    token: std::ops::Range<usize>,
    /// Where the window starts in the file (to move secondary labels into `text`).
    window: std::ops::Range<usize>,
    /// `text` offset of the window's first byte (after a leading `…`).
    shift: usize,
}

impl LineExcerpt {
    /// An excerpt when any line the snippet would show is long; `None` for ordinary lines.
    fn for_long_line(reported: &ReportedDiagnostic) -> Option<LineExcerpt> {
        let file = &reported.file;
        let span = &reported.diagnostic.span;
        let first = reported.start.line.saturating_sub(1).max(1);
        let last = (reported.end.line + 1).min(file.line_count());
        let line_bytes = |line: usize| {
            let end = if line < file.line_count() {
                file.line_start(line + 1)
            } else {
                file.text.len()
            };
            end - file.line_start(line)
        };
        if !(first..=last).any(|line| line_bytes(line) > LONG_LINE_BYTES) {
            return None;
        }
        let line = reported.start.line;
        let text = file.text.as_str();
        let line_start = file.line_start(line);
        let line_end = line_start + file.line_text(line).len();
        let start = span.start.clamp(line_start, line_end);
        let token_end = advance_chars(text, start, EXCERPT_TOKEN_CHARS)
            .min(span.end.max(start))
            .min(line_end);
        let window_start = retreat_chars(text, start, EXCERPT_CONTEXT_CHARS).max(line_start);
        let window_end = advance_chars(text, token_end, EXCERPT_CONTEXT_CHARS).min(line_end);
        let mut excerpt = String::new();
        if window_start > line_start {
            excerpt.push('…');
        }
        let shift = excerpt.len();
        excerpt.push_str(&text[window_start..window_end]);
        if window_end < line_end {
            excerpt.push('…');
        }
        Some(LineExcerpt {
            text: excerpt,
            token: start - window_start + shift..token_end - window_start + shift,
            window: window_start..window_end,
            shift,
        })
    }

    /// The excerpt's labels: the token (primary), then the secondary labels inside the
    /// window, moved into the excerpt; others cannot be shown.
    fn labels<'r>(&self, reported: &'r ReportedDiagnostic) -> Vec<snippet::Label<'r>> {
        let secondary = reported
            .diagnostic
            .labels
            .iter()
            .filter(|label| {
                self.window.start <= label.span.start && label.span.end <= self.window.end
            })
            .map(|label| snippet::Label {
                offset: label.span.start - self.window.start + self.shift,
                len: label.span.len(),
                text: Some(label.message.as_str()),
                primary: false,
            });
        std::iter::once(snippet::Label {
            offset: self.token.start,
            len: self.token.len(),
            text: None,
            primary: true,
        })
        .chain(secondary)
        .collect()
    }

    /// The excerpt as the snippet's source.
    fn source(&self, reported: &ReportedDiagnostic) -> ExcerptSource {
        ExcerptSource {
            name: reported.path().to_string(),
            text: self.text.clone(),
            line: reported.start.line - 1,
            column: reported.start.column - 1,
        }
    }

    fn render(
        self,
        handler: &GraphicalReportHandler,
        reported: &ReportedDiagnostic,
        out: &mut String,
    ) -> std::fmt::Result {
        let labels = self.labels(reported).into_iter().map(|label| {
            let span = SourceSpan::new(label.offset.into(), label.len);
            match label.text {
                None => LabeledSpan::new_primary_with_span(None, span),
                Some(text) => LabeledSpan::new_with_span(Some(text.to_string()), span),
            }
        });
        let mut miette = to_miette(reported);
        miette.labels = Some(labels.collect());
        handler.render_report(
            out,
            &WithSource {
                diagnostic: miette,
                source: self.source(reported),
            },
        )
    }
}

fn advance_chars(text: &str, from: usize, chars: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(chars)
        .map(|(i, _)| from + i)
        .unwrap_or(text.len())
}

fn retreat_chars(text: &str, from: usize, chars: usize) -> usize {
    text[..from]
        .char_indices()
        .rev()
        .take(chars)
        .last()
        .map(|(i, _)| i)
        .unwrap_or(from)
}

/// The excerpt as miette's source: one line, numbered and positioned as in the file.
struct ExcerptSource {
    name: String,
    text: String,
    /// 0-based line and character column of the token in the file.
    line: usize,
    column: usize,
}

impl miette::SourceCode for ExcerptSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        _context_lines_before: usize,
        _context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        if span.offset() + span.len() > self.text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            SourceSpan::new(0.into(), self.text.len()),
            self.line,
            self.column,
            0,
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
    if let Some(help) = help_text(diagnostic) {
        out = out.with_help(help.into_owned());
    }
    out
}

/// The help line: the check's help, then the fix's title; unsafe fixes say how to apply
/// them.
fn help_text(diagnostic: &crate::diagnostic::Diagnostic) -> Option<Cow<'_, str>> {
    let fix_line = diagnostic.fix.as_ref().map(|fix| match fix.applicability {
        Applicability::Safe => format!("fix: {}", fix.title),
        Applicability::Unsafe => format!("unsafe fix (--fix --unsafe-fixes): {}", fix.title),
    });
    match (&diagnostic.help, fix_line) {
        (Some(help), Some(fix)) => Some(Cow::Owned(format!("{help}\n{fix}"))),
        (Some(help), None) => Some(Cow::Borrowed(help.as_str())),
        (None, fix) => fix.map(Cow::Owned),
    }
}

/// `error[catalog/histogram]`: the severity in words, then the check's code.
fn header(diagnostic: &crate::diagnostic::Diagnostic) -> String {
    format!(
        "{}[{}]{}",
        diagnostic.severity,
        diagnostic.code,
        fix_marker(diagnostic)
    )
}

/// ` [*]` after a finding `--fix` resolves (a safe fix), as ruff marks them.
pub fn fix_marker(diagnostic: &crate::diagnostic::Diagnostic) -> &'static str {
    match diagnostic.fix.as_ref().map(|fix| fix.applicability) {
        Some(Applicability::Safe) => " [*]",
        _ => "",
    }
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

    /// A file whose lines end with a lone `\r` (old Mac): the header counts them as line
    /// breaks (as YAML and Prometheus do), so the snippet's gutter must too, on our
    /// renderer and on miette's fallback (a label over two lines).
    #[test]
    fn lone_carriage_return_lines_are_numbered_as_the_header_says() {
        let text = "groups:\r  - name: g\r    rules:\r      - alert: A\r        expr: up\r";
        let file = Arc::new(SourceFile::new("cr.yml", text));
        let at = text.rfind("up").unwrap();
        let two_lines = text.find("alert").unwrap()..at + 2;
        let report = RunReport::new(
            1,
            vec![
                ReportedDiagnostic::new(
                    file.clone(),
                    crate::diagnostic::Diagnostic::new(
                        "alerts/comparison",
                        Severity::Warning,
                        at..at + 2,
                        "m",
                    ),
                ),
                ReportedDiagnostic::new(
                    file,
                    crate::diagnostic::Diagnostic::new(
                        "promql/style",
                        Severity::Warning,
                        two_lines,
                        "spans",
                    ),
                ),
            ],
        );
        let out = render_findings(&report, &DisplayOptions::default());
        assert!(out.contains("[cr.yml:5:15]"), "{out}");
        assert!(out.contains(" 5 │         expr: up\n"), "{out}");
        assert!(out.contains(" 4 │       - alert: A\n"), "{out}");
        assert!(!out.contains('\r'), "{out:?}");
        assert!(!out.contains("A        expr"), "{out}");
    }

    /// Rendering runs in parallel: more findings than one batch, rendered on one thread
    /// and on four, must give the same bytes, in report order.
    #[test]
    fn output_is_the_same_whatever_the_thread_count() {
        let sample = sample_report();
        let diagnostics: Vec<ReportedDiagnostic> = (0..RENDER_BATCH / 2 + 7)
            .flat_map(|_| sample.diagnostics.iter().cloned())
            .collect();
        let report = RunReport {
            diagnostics,
            summary: sample.summary,
        };
        let display = DisplayOptions {
            show_info: true,
            ..DisplayOptions::default()
        };
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool")
                .install(|| render(&report, &display))
        };
        let one = on(1);
        assert_eq!(one, on(4));
        // In report order: the blocks of the sample, repeated, then the summary.
        let blocks = render_findings(&sample, &display);
        assert!(
            one.starts_with(&blocks.repeat(RENDER_BATCH / 2 + 7)),
            "order kept"
        );
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

    /// Both renderers on one finding: ours (or `None` when it leaves the finding to
    /// miette) and miette's, for colour off and on.
    fn both_ways(reported: &ReportedDiagnostic, color: bool) -> (Option<String>, String) {
        let mut fast = String::new();
        let fast = render_fast(&Palette::new(color), reported, &mut fast)
            .ok()
            .map(|()| fast);
        let mut miette = String::new();
        render_with_miette(&report_handler(color), reported, &mut miette);
        (fast, miette)
    }

    /// Asserts identical bytes for every finding, colour off and on; returns how many
    /// findings the fast path left to miette (counted once, without colour).
    fn assert_identical(findings: &[ReportedDiagnostic]) -> usize {
        let mut misses = 0;
        for reported in findings {
            for color in [false, true] {
                match both_ways(reported, color) {
                    (Some(fast), miette) => assert_eq!(
                        fast,
                        miette,
                        "{} {}:{} colour {color}:\n{fast}\n----- miette:\n{miette}",
                        reported.diagnostic.code,
                        reported.path(),
                        reported.start.line
                    ),
                    (None, _) if !color => misses += 1,
                    (None, _) => {}
                }
            }
        }
        misses
    }

    /// Every edge of miette's layout our renderer reproduces: wrapping, Unicode, tabs,
    /// line breaks, empty spans, spans at the end of the text, several labels on a line,
    /// labels on distant lines, multi-line label texts, help with newlines, wide lines.
    #[test]
    fn fast_renderer_writes_miettes_bytes_on_edge_cases() {
        let texts: Vec<String> = vec![
            "groups:\n  - name: api\n    rules:\n      - alert: HighErrors\n        expr: sum(rate(x[5m])) > 1\n        labels:\n          severity: page\n".into(),
            "a: 1\r\nbb: 2\r\n\r\nccc: \"é ü\"\r\nd: 4".into(),
            "\tkey:\tvalue\t# tab\n\t\tnested: x\tyy\n  ab\tc\n".into(),
            "名前: 値です\nemoji: \"😀😀 x\"\ncombining: \"e\u{301}e\u{301}\"\nzw: \"a\u{200b}b\"\nctl: \"a\u{7}b\u{1b}[31mred\u{1b}[0m\"\n".into(),
            "lone\rcarriage: x\nnext: y\n\n\nlast".into(),
            (1..=120).map(|i| format!("line{i}: value {i}\n")).collect(),
            "x".into(),
            "k: v\n".into(),
            format!("long: \"{}\"\nshort: y\n", "z".repeat(700)),
            format!("{{\"a\": \"{}\", \"type\": \"graph\", \"b\": 1}}", "w".repeat(600)),
        ];
        let messages = [
            "short message".to_string(),
            String::new(),
            "trailing spaces   ".to_string(),
            "  leading spaces".to_string(),
            "two\nlines".to_string(),
            "blank\n\nline and trailing newline\n".to_string(),
            "label `instance` is not in the result of `sum by (job) (rate(http_requests_total[5m]))`, so the template always renders an empty string".to_string(),
            "a-very-long-hyphenated-word-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on".to_string(),
            "x".repeat(150),
            "üñíçødé ".repeat(15),
            "全角文字".repeat(30),
            "tab\there and control \u{1b}[1mbold\u{1b}[0m".to_string(),
            "exactly fits: ".to_string() + &"m".repeat(80),
            "one over: ".to_string() + &"m".repeat(85),
        ];
        let helps: [Option<&str>; 5] = [
            None,
            Some("did you mean `http_requests_total`?"),
            Some("first\nsecond line of help"),
            Some("use `sum by (job, instance) (rate(http_requests_total[5m]))` so the label survives the aggregation, or drop it"),
            Some(""),
        ];
        let mut findings = Vec::new();
        for (t, text) in texts.iter().enumerate() {
            let file = std::sync::Arc::new(crate::source::SourceFile::new(
                format!("dir/file{t}.yml"),
                text.as_str(),
            ));
            let len = text.len();
            let boundaries: Vec<usize> = (0..=len).filter(|&i| text.is_char_boundary(i)).collect();
            // Spans: every start on a sample of char boundaries, a few lengths.
            let step = (boundaries.len() / 25).max(1);
            let mut n = 0usize;
            for (bi, &start) in boundaries.iter().enumerate().step_by(step) {
                for extra in [0usize, 1, 3, 9, 40] {
                    let end = boundaries[(bi + extra).min(boundaries.len() - 1)];
                    n += 1;
                    let severity = [Severity::Error, Severity::Warning, Severity::Info][n % 3];
                    let mut diagnostic = crate::diagnostic::Diagnostic::new(
                        "template/label",
                        severity,
                        start..end,
                        messages[n % messages.len()].clone(),
                    );
                    if let Some(help) = helps[n % helps.len()] {
                        diagnostic = diagnostic.with_help(help);
                    }
                    // Secondary labels: same line, next line, far away, empty, multi-line text.
                    match n % 6 {
                        0 => {}
                        1 => {
                            let other = boundaries[(bi + 2).min(boundaries.len() - 1)];
                            diagnostic = diagnostic.with_label(other..other, "empty here");
                        }
                        2 => {
                            let a = boundaries[bi.saturating_sub(4)];
                            let b = boundaries[bi.saturating_sub(2)];
                            diagnostic = diagnostic
                                .with_label(a..b, "before it")
                                .with_label(start..end, "the same span");
                        }
                        3 => {
                            let far = boundaries[(bi + boundaries.len() / 2) % boundaries.len()];
                            let far_end =
                                boundaries[((bi + boundaries.len() / 2) % boundaries.len() + 2)
                                    .min(boundaries.len() - 1)];
                            diagnostic = diagnostic.with_label(far..far_end, "far away");
                        }
                        4 => {
                            let a = boundaries[(bi + 1).min(boundaries.len() - 1)];
                            let b = boundaries[(bi + 3).min(boundaries.len() - 1)];
                            diagnostic = diagnostic.with_label(a..b, "two\nlines of label");
                        }
                        _ => {
                            diagnostic = diagnostic
                                .with_label(
                                    0..boundaries[1.min(boundaries.len() - 1)],
                                    "first byte",
                                )
                                .with_label(len..len, "at the end");
                        }
                    }
                    if n % 7 == 0 {
                        let applicability = if n % 14 == 0 {
                            Applicability::Safe
                        } else {
                            Applicability::Unsafe
                        };
                        diagnostic.fix = crate::fix::Fix::new(
                            "replace it",
                            applicability,
                            vec![crate::fix::Edit::new(start..end, "y")],
                        );
                    }
                    findings.push(ReportedDiagnostic::new(file.clone(), diagnostic));
                }
            }
            // A span past the end of the text: miette cannot read it, so neither do we.
            findings.push(ReportedDiagnostic::new(
                file.clone(),
                crate::diagnostic::Diagnostic::new(
                    "template/label",
                    Severity::Warning,
                    len..len + 3,
                    "past the end",
                ),
            ));
        }
        let misses = assert_identical(&findings);
        // Only the spans past the end of each text are left to miette, except on the
        // minified one-line text: its long line is shown as an excerpt, which clamps the
        // token into the line.
        assert_eq!(misses, texts.len() - 1, "findings left to miette");
    }

    /// The fixtures' findings: identical bytes, and none left to miette.
    #[test]
    fn fast_renderer_covers_and_matches_every_fixture_finding() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let paths = [root.join("rules-fixtures"), root.join("tests")];
        let report = crate::pipeline::run(&paths, &crate::pipeline::Options::default()).report;
        assert!(
            report.diagnostics.len() > 100,
            "{}",
            report.diagnostics.len()
        );
        let misses = assert_identical(&report.diagnostics);
        let everything = DisplayOptions {
            show_info: true,
            ..DisplayOptions::default()
        };
        assert_eq!(misses, fast_path_misses(&report, &everything));
        assert_eq!(misses, 0, "fixture findings left to miette");
    }

    /// The benchmark corpus (`../shared/tools/gen_corpus.py`, 2,000 rules here): every
    /// finding takes the fast path and renders miette's bytes.
    #[test]
    #[ignore = "ci: needs ../shared; run by .ci/run"]
    fn fast_renderer_covers_and_matches_the_benchmark_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let generator = root.join("../shared/tools/gen_corpus.py");
        assert!(generator.is_file(), "{}", generator.display());
        let dir = std::env::temp_dir().join(format!("promgate-h12r-corpus-{}", std::process::id()));
        let status = std::process::Command::new("python3")
            .arg(&generator)
            .arg(&dir)
            .args(["2000", "100"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("python3 runs");
        assert!(status.success());
        let report = crate::pipeline::run(
            std::slice::from_ref(&dir),
            &crate::pipeline::Options::default(),
        )
        .report;
        std::fs::remove_dir_all(&dir).expect("remove the corpus");
        assert!(
            report.diagnostics.len() > 1000,
            "{}",
            report.diagnostics.len()
        );
        assert_eq!(assert_identical(&report.diagnostics), 0, "left to miette");
    }

    /// Regression (issue 16): a finding past column 65,535 panicked in miette (exit 101),
    /// which was every finding deep in a minified dashboard.
    #[test]
    fn findings_on_very_long_lines_show_a_window_with_exact_positions() {
        let padding = "x".repeat(70_000);
        let text = format!("{{\"a\":\"{padding}é\",\"type\":\"graph\",\"b\":\"{padding}\"}}\n");
        let file = std::sync::Arc::new(crate::source::SourceFile::new("min.json", text.as_str()));
        let start = text.find("graph").unwrap();
        let diagnostic = crate::diagnostic::Diagnostic::new(
            "dashboard/deprecated-panel",
            Severity::Warning,
            start..start + 5,
            "panel type `graph` is an Angular panel",
        )
        .with_label(start - 8..start - 2, "this field")
        .with_help("change it");
        let reported = ReportedDiagnostic::new(file, diagnostic);
        let column = reported.start.column;
        assert_eq!(column, 70_000 + 18, "columns count characters");
        let out = render(
            &RunReport::new(1, vec![reported]),
            &DisplayOptions::default(),
        );
        assert!(out.contains(&format!("[min.json:1:{column}]")), "{out}");
        assert!(out.lines().all(|line| line.chars().count() < 200), "{out}");
        let snippet = out.lines().find(|l| l.contains("\"graph\"")).unwrap();
        let caret = out
            .lines()
            .find(|l| l.contains('─') && l.contains('·'))
            .unwrap();
        let at = |line: &str, pattern: &str| line.find(pattern).map(|b| line[..b].chars().count());
        assert_eq!(
            at(snippet, "graph\""),
            at(caret, "─────"),
            "caret under the token:\n{out}"
        );
        assert!(
            snippet.contains('…') && snippet.contains("\"type\""),
            "{snippet}"
        );
        assert!(
            out.contains("this field"),
            "a label inside the window stays: {out}"
        );
    }
}
