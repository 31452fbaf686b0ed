//! `input/unrecognized`: a file named on the command line that is neither a rule file
//! nor a dashboard.

use crate::checks::CheckMeta;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::source::Span;

pub static META: CheckMeta = CheckMeta {
    code: "input/unrecognized",
    severity: Severity::Warning,
    summary: "A file named on the command line is not a rule file or dashboard",
    docs: "promgate lints Prometheus rule files (a top-level `groups:` list, or a Kubernetes \
`PrometheusRule`) and Grafana dashboards. Files met while walking a folder that are neither are \
skipped quietly; a file named explicitly is reported instead, because naming it suggests it was \
meant to be checked: an empty file, a Prometheus server configuration passed by mistake, or a \
rule file whose `groups:` key is misspelled.\n\n\
Fix: pass only rule files and dashboards, or fix the top-level key.",
    bad: fixture!("input/unrecognized/fail.yml"),
    good: fixture!("input/unrecognized/pass.yml"),
    enabled_by_default: true,
};

/// A YAML file with documents, none of them a rule file.
pub fn not_a_rule_file(span: Span) -> Diagnostic {
    Diagnostic::new(
        META.code,
        META.severity,
        span,
        "not a rule file: no top-level `groups:` list and no `PrometheusRule`; nothing was checked",
    )
    .with_help("rule files start with `groups:`; Kubernetes manifests need `kind: PrometheusRule` with `spec.groups`")
}

/// A Markdown file with no fenced block promgate can lint.
pub fn no_lintable_block() -> Diagnostic {
    Diagnostic::new(
        META.code,
        META.severity,
        0..0,
        "no fenced code block holding a rule file, a dashboard or a PromQL expression; nothing was checked",
    )
    .with_help("fence rules and PrometheusRule objects as ```yaml, dashboards as ```json and queries as ```promql")
}

/// A file with no content.
pub fn empty() -> Diagnostic {
    Diagnostic::new(
        META.code,
        META.severity,
        0..0,
        "empty file: no rule groups and no dashboard; nothing was checked",
    )
    .with_help("a rule file needs at least `groups: []`")
}
