//! Rendering: a finished run's diagnostics, resolved to lines and columns, written in one
//! of the output formats. Renderers see only [`RunReport`]; they never know a check.

pub mod checkstyle;
pub mod color;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod identity;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod statistics;
#[cfg(test)]
mod test_support;
pub(crate) mod xml;

use crate::diagnostic::Diagnostic;
use crate::source::{LineCol, SourceFile};
use std::sync::Arc;

/// A diagnostic with its file and its span resolved to 1-based lines and character columns.
#[derive(Debug, Clone)]
pub struct ReportedDiagnostic {
    pub diagnostic: Diagnostic,
    pub file: Arc<SourceFile>,
    pub start: LineCol,
    pub end: LineCol,
}

impl ReportedDiagnostic {
    pub fn new(file: Arc<SourceFile>, diagnostic: Diagnostic) -> Self {
        let start = file.line_col(diagnostic.span.start);
        let end = file.line_col(diagnostic.span.end);
        ReportedDiagnostic {
            diagnostic,
            file,
            start,
            end,
        }
    }

    pub fn path(&self) -> &str {
        &self.file.path
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
                crate::diagnostic::Severity::Error => summary.errors += 1,
                crate::diagnostic::Severity::Warning => summary.warnings += 1,
                crate::diagnostic::Severity::Info => summary.infos += 1,
            }
        }
        RunReport {
            diagnostics,
            summary,
        }
    }
}
