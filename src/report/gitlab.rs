//! GitLab Code Quality report (a subset of the Code Climate format): a JSON array
//! that GitLab shows in merge requests. Fingerprints derive from the diagnostic's
//! identity (path, check, rule or panel, offending text), not its line, so GitLab
//! tracks a finding across commits that move it.

use super::identity::{fingerprints, portable_path};
use super::{ReportedDiagnostic, RunReport};
use crate::diagnostic::Severity;
use serde_json::{json, Value};

/// Renders the report as a pretty-printed JSON array, newline-terminated.
pub fn render(report: &RunReport) -> String {
    let issues: Vec<Value> = report
        .diagnostics
        .iter()
        .zip(fingerprints(report))
        .map(|(reported, fingerprint)| issue(reported, &fingerprint))
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).expect("JSON values serialize");
    text.push('\n');
    text
}

fn issue(reported: &ReportedDiagnostic, fingerprint: &str) -> Value {
    let diagnostic = &reported.diagnostic;
    let mut description = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        description.push_str(" (help: ");
        description.push_str(help);
        description.push(')');
    }
    json!({
        "type": "issue",
        "check_name": diagnostic.code,
        "description": description,
        "categories": ["Bug Risk"],
        "severity": severity(diagnostic.severity),
        "fingerprint": fingerprint,
        "location": {
            "path": portable_path(reported.path()),
            "lines": { "begin": reported.start.line, "end": reported.end.line },
        },
    })
}

/// Code Quality severities are info, minor, major, critical and blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn every_issue_has_a_unique_fingerprint_and_line_range() {
        let issues: Vec<Value> = serde_json::from_str(&render(&sample_report())).unwrap();
        assert_eq!(issues.len(), 4);
        let mut prints: Vec<&str> = issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap())
            .collect();
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), 4);
        assert_eq!(issues[1]["check_name"], "catalog/unknown-metric");
        assert_eq!(issues[1]["location"]["lines"]["begin"], 6);
        assert_eq!(issues[1]["severity"], "major");
        assert_eq!(issues[0]["location"]["lines"]["end"], 7);
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }
}
