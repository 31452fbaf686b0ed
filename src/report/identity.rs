//! A diagnostic's identity that survives edits elsewhere in the file.
//!
//! Line numbers move whenever someone adds a rule above; what stays is the file, the
//! check, where in the model the finding sits (group, rule, dashboard, panel) and the
//! offending text itself. The baseline, SARIF `partialFingerprints` and GitLab
//! fingerprints all derive from this identity.

use super::{ReportedDiagnostic, RunReport};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The text a diagnostic points at, with whitespace runs collapsed so re-indenting a
/// block scalar does not change it.
pub fn offending_text(reported: &ReportedDiagnostic) -> String {
    let text = &reported.file.text;
    let span = &reported.diagnostic.span;
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    let raw = text.get(start..end).unwrap_or("");
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The model context as `key=value` pairs, joined in their given order.
pub fn context_key(reported: &ReportedDiagnostic) -> String {
    reported
        .diagnostic
        .context
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// Path with forward slashes, so a baseline written on Windows matches on Linux.
pub fn portable_path(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.strip_prefix("./").unwrap_or(&path).to_string()
}

/// The identity of one diagnostic, without the occurrence number.
pub fn identity(reported: &ReportedDiagnostic) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        portable_path(reported.path()),
        reported.diagnostic.code,
        context_key(reported),
        offending_text(reported)
    )
}

/// A stable hex fingerprint per diagnostic, in report order. Findings with the same
/// identity (the same mistake twice in one rule) are told apart by their occurrence
/// number in file order, which is stable as long as their relative order is.
pub fn fingerprints(report: &RunReport) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|reported| {
            let identity = identity(reported);
            let occurrence = seen.entry(identity.clone()).or_insert(0);
            *occurrence += 1;
            hex_digest(&format!("{identity}\u{1f}{occurrence}"))
        })
        .collect()
}

/// SHA-256 of `text`, in lowercase hex.
pub fn hex_digest(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Severity};
    use crate::source::SourceFile;
    use std::sync::Arc;

    fn reported(text: &str, needle: &str) -> ReportedDiagnostic {
        let file = Arc::new(SourceFile::new("rules/a.yml", text));
        let start = text.find(needle).unwrap();
        let diagnostic = Diagnostic::new(
            "catalog/unknown-metric",
            Severity::Error,
            start..start + needle.len(),
            "unknown metric",
        )
        .with_context("rule", "HighErrors");
        ReportedDiagnostic::new(file, diagnostic)
    }

    #[test]
    fn identity_ignores_line_shifts_and_reindentation() {
        let before = reported("- alert: HighErrors\n  expr: foo_total > 1\n", "foo_total");
        let after = reported(
            "# a comment\n\n- alert: HighErrors\n    expr: foo_total > 1\n",
            "foo_total",
        );
        assert_ne!(before.start, after.start);
        assert_eq!(identity(&before), identity(&after));
    }

    #[test]
    fn same_identity_twice_gets_distinct_fingerprints() {
        let text = "expr: foo_total + foo_total\n";
        let file = Arc::new(SourceFile::new("a.yml", text));
        let diagnostics = text
            .match_indices("foo_total")
            .map(|(at, _)| {
                ReportedDiagnostic::new(
                    file.clone(),
                    Diagnostic::new("catalog/unknown-metric", Severity::Error, at..at + 9, "x"),
                )
            })
            .collect();
        let report = RunReport::new(1, diagnostics);
        let prints = fingerprints(&report);
        assert_eq!(prints.len(), 2);
        assert_ne!(prints[0], prints[1]);
        assert_eq!(prints[0].len(), 64);
    }

    #[test]
    fn windows_paths_are_portable() {
        assert_eq!(portable_path(".\\rules\\a.yml"), "rules/a.yml");
        assert_eq!(portable_path("./rules/a.yml"), "rules/a.yml");
    }
}
