//! A small report with awkward content, shared by the renderers' tests.

use super::{ReportedDiagnostic, RunReport};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use std::sync::Arc;

const ALERTS: &str = "groups:\n  - name: api\n    rules:\n      - alert: HighErrors\n        expr: |\n          sum(rate(http_requests_totl[5m]))\n            > 1\n        labels:\n          severity: page\n";

const ODD: &str = "groups:\n  - name: \"odd\"\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n";

/// Two files: an error on a token inside a block scalar, a warning whose message holds
/// every character the formats must escape, an info spanning two lines, and a file
/// whose name holds a comma and a colon.
pub fn sample_report() -> RunReport {
    let alerts = Arc::new(SourceFile::new("rules/alerts.yml", ALERTS));
    let odd = Arc::new(SourceFile::new("rules/we,ird:é.yml", ODD));
    let at = |file: &SourceFile, needle: &str| {
        let start = file.text.find(needle).expect("needle in fixture");
        start..start + needle.len()
    };
    let unknown = Diagnostic::new(
        "catalog/unknown-metric",
        Severity::Error,
        at(&alerts, "http_requests_totl"),
        "unknown metric `http_requests_totl`",
    )
    .with_help("did you mean `http_requests_total`?")
    .with_label(at(&alerts, "HighErrors"), "in this alert")
    .with_context("group", "api")
    .with_context("rule", "HighErrors");
    let severity = Diagnostic::new(
        "alerts/required-labels",
        Severity::Warning,
        at(&alerts, "page"),
        "label `severity` is \"page\" <not> one of: critical, warning & info; 100% sure\nsecond line",
    )
    .with_context("rule", "HighErrors");
    let multi_line = at(
        &alerts,
        "sum(rate(http_requests_totl[5m]))\n            > 1",
    );
    let info = Diagnostic::new(
        "promql/style",
        Severity::Info,
        multi_line,
        "comparison spans lines",
    );
    let record = Diagnostic::new(
        "rules/record-name",
        Severity::Warning,
        at(&odd, "job:up:sum"),
        "recording rule name, ok",
    );
    RunReport::new(
        2,
        vec![
            ReportedDiagnostic::new(alerts.clone(), unknown),
            ReportedDiagnostic::new(alerts.clone(), severity),
            ReportedDiagnostic::new(alerts, info),
            ReportedDiagnostic::new(odd, record),
        ],
    )
}
