//! `--write-baseline FILE` records today's findings; `--baseline FILE` hides them in
//! later runs, so a team can adopt promgate on an existing repository and gate only new
//! problems.
//!
//! Entries are keyed on the file, the check, the rule or panel the finding is in and
//! the offending text (see [`crate::report::identity`]), never on line numbers, so
//! adding a rule above an old finding does not bring it back. A key may appear several
//! times (the same mistake twice in one rule); each recorded occurrence hides one.

use crate::report::identity::{context_key, offending_text, portable_path};
use crate::report::{ReportedDiagnostic, RunReport};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The baseline file's format version.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub code: String,
    /// `key=value` pairs of the rule or panel identity, `;`-separated.
    #[serde(default)]
    pub context: String,
    /// The text the finding points at, whitespace collapsed.
    pub text: String,
    /// For people reading the file; not part of the key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Entry {
    fn of(reported: &ReportedDiagnostic) -> Entry {
        Entry {
            path: portable_path(reported.path()),
            code: reported.diagnostic.code.to_string(),
            context: context_key(reported),
            text: offending_text(reported),
            message: reported.diagnostic.message.clone(),
        }
    }

    fn key(&self) -> (String, String, String, String) {
        (
            self.path.clone(),
            self.code.clone(),
            self.context.clone(),
            self.text.clone(),
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// A loaded baseline.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    counts: HashMap<(String, String, String, String), usize>,
}

impl Baseline {
    /// Reads a baseline file's text.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let file: File =
            serde_json::from_str(text).map_err(|e| format!("invalid baseline: {e}"))?;
        if file.version != VERSION {
            return Err(format!(
                "baseline version {} is not supported (expected {VERSION}); write it again with --write-baseline",
                file.version
            ));
        }
        let mut counts = HashMap::new();
        for entry in file.findings {
            *counts.entry(entry.key()).or_insert(0) += 1;
        }
        Ok(Baseline { counts })
    }

    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The report without the findings the baseline holds, and how many were hidden.
    pub fn filter(&self, report: RunReport) -> (RunReport, usize) {
        let mut remaining = self.counts.clone();
        let files = report.summary.files;
        let before = report.diagnostics.len();
        let kept: Vec<ReportedDiagnostic> = report
            .diagnostics
            .into_iter()
            .filter(
                |reported| match remaining.get_mut(&Entry::of(reported).key()) {
                    Some(count) if *count > 0 => {
                        *count -= 1;
                        false
                    }
                    _ => true,
                },
            )
            .collect();
        let hidden = before - kept.len();
        (RunReport::new(files, kept), hidden)
    }
}

/// The baseline file for a report, pretty JSON with a trailing newline.
pub fn render(report: &RunReport) -> String {
    let file = File {
        version: VERSION,
        findings: report.diagnostics.iter().map(Entry::of).collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).expect("baseline serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Severity};
    use crate::source::SourceFile;
    use std::sync::Arc;

    fn report(text: &str) -> RunReport {
        let file = Arc::new(SourceFile::new("rules/a.yml", text));
        let diagnostics = text
            .match_indices("bad_metric")
            .map(|(at, _)| {
                ReportedDiagnostic::new(
                    file.clone(),
                    Diagnostic::new(
                        "catalog/unknown-metric",
                        Severity::Error,
                        at..at + 10,
                        "unknown",
                    )
                    .with_context("rule", "A"),
                )
            })
            .collect();
        RunReport::new(1, diagnostics)
    }

    #[test]
    fn hides_recorded_findings_after_lines_shift_but_not_new_ones() {
        let before = report("- alert: A\n  expr: bad_metric > 1\n");
        let baseline = Baseline::parse(&render(&before)).unwrap();
        assert_eq!(baseline.len(), 1);
        let after = report("# new comment\n\n- alert: A\n  expr: bad_metric > 1 or bad_metric\n");
        assert_eq!(after.diagnostics.len(), 2);
        let (filtered, hidden) = baseline.filter(after);
        assert_eq!(hidden, 1);
        assert_eq!(filtered.diagnostics.len(), 1);
        assert_eq!(filtered.summary.errors, 1);
        assert_eq!(filtered.diagnostics[0].start.line, 4);
    }

    #[test]
    fn rejects_other_versions_and_garbage() {
        assert!(Baseline::parse("{\"version\":2,\"findings\":[]}").is_err());
        assert!(Baseline::parse("not json").is_err());
    }
}
