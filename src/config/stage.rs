//! The pipeline's workflow stage: after a file's checks ran, apply the config's levels
//! and the file's inline suppressions, and report the suppressions left unused; after
//! the run, narrow the report to changed files and hide the baseline.

use super::baseline::Baseline;
use super::model::Config;
use super::suppress::Suppressions;
use crate::checks::promgate::unused_suppression;
use crate::checks::Emitter;
use crate::diagnostic::Diagnostic;
use crate::report::RunReport;
use crate::source::SourceFile;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Finishes one file's diagnostics. `suppressions` are the file's inline directives
/// (found with [`Suppressions::scan`] while its YAML tree existed); `relative_path` is
/// the file's path relative to the config's folder.
pub fn finish_file(
    config: &Config,
    relative_path: &str,
    file: &SourceFile,
    suppressions: Option<Suppressions>,
    diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut diagnostics = config.apply_levels(relative_path, diagnostics);
    let Some(mut suppressions) = suppressions else {
        return diagnostics;
    };
    if suppressions.is_empty() {
        return diagnostics;
    }
    diagnostics = suppressions.filter(file, diagnostics);
    if config.runs(unused_suppression::META.code, relative_path) {
        let mut unused = Vec::new();
        unused_suppression::run(
            &suppressions,
            |code| config.runs(code, relative_path),
            &mut Emitter::new(&unused_suppression::META, &mut unused),
        );
        diagnostics.extend(config.apply_levels(relative_path, unused));
    }
    diagnostics
}

/// What narrows a finished report.
#[derive(Debug, Default)]
pub struct ReportFilters {
    /// `--changed-since`: only findings in these files (absolute paths).
    pub changed: Option<HashSet<PathBuf>>,
    /// `--baseline`: findings recorded earlier.
    pub baseline: Option<Baseline>,
}

/// Applies the filters; returns the report and how many findings the baseline hid.
pub fn finish_run(report: RunReport, filters: &ReportFilters, cwd: &Path) -> (RunReport, usize) {
    let report = match &filters.changed {
        Some(changed) => {
            let files = report.summary.files;
            let kept = report
                .diagnostics
                .into_iter()
                .filter(|d| super::changed::is_changed(changed, d.path(), cwd))
                .collect();
            RunReport::new(files, kept)
        }
        None => report,
    };
    match &filters.baseline {
        Some(baseline) => baseline.filter(report),
        None => (report, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_config;
    use crate::diagnostic::Severity;

    #[test]
    fn suppressed_findings_go_and_unused_suppressions_are_reported() {
        let text = "groups:\n  - name: g\n    rules:\n      # promgate: ignore[rules/duplicate]\n      - alert: A\n        expr: up == 0 # promgate: ignore[rules/schema]\n";
        let file = SourceFile::new("r.yml", text);
        let documents = crate::yaml::parse_documents(&file).unwrap();
        let config = parse_config(&SourceFile::new("c.yml", ""), "/".into()).unwrap();
        let at = text.find("up == 0").unwrap();
        let found = vec![Diagnostic::new(
            "rules/duplicate",
            Severity::Error,
            at..at + 2,
            "dup",
        )];
        let scan = || Some(Suppressions::scan(&file, &documents));
        let out = finish_file(&config, "r.yml", &file, scan(), found);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].code, "promgate/unused-suppression");
        assert_eq!(&text[out[0].span.clone()], "rules/schema");
        assert_eq!(out[0].severity, Severity::Info);

        let quiet = parse_config(
            &SourceFile::new("c.yml", "checks: {promgate/unused-suppression: off}\n"),
            "/".into(),
        )
        .unwrap();
        let found = vec![Diagnostic::new(
            "rules/duplicate",
            Severity::Error,
            at..at + 2,
            "dup",
        )];
        assert!(finish_file(&quiet, "r.yml", &file, scan(), found).is_empty());
    }
}
