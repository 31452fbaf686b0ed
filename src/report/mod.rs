//! Rendering: a finished run's diagnostics, resolved to lines and columns, written in one
//! of the output formats. Renderers see only [`RunReport`]; they never know a check.

pub mod checkstyle;
pub mod color;
pub mod concise;
mod context;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod identity;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod snippet;
pub mod statistics;
pub mod summary;
#[cfg(test)]
mod test_support;
mod wrap;
pub(crate) mod xml;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{LineCol, SourceFile};
use std::sync::Arc;

/// A diagnostic with its file and its span resolved to 1-based lines and character columns.
#[derive(Debug, Clone)]
pub struct ReportedDiagnostic {
    /// Boxed: the run gathers every file's findings into one list, and the per-file
    /// lists and the whole one coexist while it does; with the finding inline that was
    /// 232 bytes twice per finding (36 MB at 100,000 rules), boxed it is 48 twice.
    pub diagnostic: Box<Diagnostic>,
    pub file: Arc<SourceFile>,
    pub start: LineCol,
    pub end: LineCol,
}

impl ReportedDiagnostic {
    pub fn new(file: Arc<SourceFile>, mut diagnostic: Diagnostic) -> Self {
        // Kept until the report is written: no slack.
        diagnostic.compact();
        let start = file.line_col(diagnostic.span.start);
        let end = file.line_col(diagnostic.span.end);
        ReportedDiagnostic {
            diagnostic: Box::new(diagnostic),
            file,
            start,
            end,
        }
    }

    pub fn path(&self) -> &str {
        &self.file.path
    }
}

/// How the formats meant for people (`human`, `concise`) show a report. The machine
/// formats always carry every finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayOptions {
    /// ANSI colours (decided by the caller from the terminal, `--color` and `NO_COLOR`).
    pub color: bool,
    /// Show info-level findings. Hidden by default: on a real repository they outnumber
    /// the errors and bury them; the summary still counts them and says how to see them.
    pub show_info: bool,
    /// End with the summary lines (`--quiet` leaves them out).
    pub summary: bool,
}

impl Default for DisplayOptions {
    fn default() -> Self {
        DisplayOptions {
            color: false,
            show_info: false,
            summary: true,
        }
    }
}

impl DisplayOptions {
    /// Whether a finding is shown.
    pub fn shows(&self, reported: &ReportedDiagnostic) -> bool {
        self.show_info || reported.diagnostic.severity > Severity::Info
    }

    /// The findings shown, in report order.
    pub fn shown<'r>(
        &self,
        report: &'r RunReport,
    ) -> impl Iterator<Item = &'r ReportedDiagnostic> + 'r {
        let options = *self;
        report
            .diagnostics
            .iter()
            .filter(move |reported| options.shows(reported))
    }
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// Everything a renderer needs: diagnostics sorted by path, line, column, code, message.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub diagnostics: Vec<ReportedDiagnostic>,
    pub summary: Summary,
}

impl RunReport {
    /// Builds a report, sorting so output is the same whatever the thread count.
    pub fn new(files_linted: usize, mut diagnostics: Vec<ReportedDiagnostic>) -> Self {
        diagnostics.sort_by(|a, b| {
            (
                a.path(),
                a.start,
                a.end,
                a.diagnostic.code,
                &a.diagnostic.message,
            )
                .cmp(&(
                    b.path(),
                    b.start,
                    b.end,
                    b.diagnostic.code,
                    &b.diagnostic.message,
                ))
        });
        diagnostics.dedup_by(|a, b| {
            a.path() == b.path()
                && a.diagnostic.span == b.diagnostic.span
                && a.diagnostic.code == b.diagnostic.code
                && a.diagnostic.message == b.diagnostic.message
        });
        let mut summary = Summary {
            files: files_linted,
            ..Summary::default()
        };
        for reported in &diagnostics {
            match reported.diagnostic.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
        }
        RunReport {
            diagnostics,
            summary,
        }
    }
}
