//! `prometheus/external-labels`: a template reads an external label the Prometheus
//! configuration does not define, or a rule sets a label that is also an external label.

use crate::catalog::closest;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::promconfig::Facts;
use crate::rules::template::ParsedTemplates;
use crate::rules::{RuleFile, RuleKind};

pub static META: CheckMeta = CheckMeta {
    code: "prometheus/external-labels",
    severity: Severity::Warning,
    summary: "A template reads an external label the configuration lacks, or a rule label clashes with one",
    docs: "`global.external_labels` of the Prometheus configuration are added to every alert \
sent to Alertmanager and every sample leaving the server, and alert templates read them as \
`$externalLabels.cluster`. A template that reads one the configuration does not define \
expands to an empty string (\"High error rate in  \"). A rule that sets a label with an \
external label's name overrides the server's value on its alerts and series, so routing \
and deduplication by that label see two values for one server.\n\n\
promgate reports both when the configuration is known (`--prometheus-config`, \
`prometheus.config:`, or a prometheus.yml among the files checked).\n\n\
Fix: read an external label the configuration defines, and leave external labels to the \
server.",
    bad: fixture!("prometheus/external-labels/fail.yml"),
    good: fixture!("prometheus/external-labels/pass.yml"),
    enabled_by_default: true,
};

/// Runs on a rule file; `templates` holds its alert templates, already parsed.
pub fn run(
    file: &RuleFile,
    templates: &ParsedTemplates<'_>,
    facts: &Facts,
    out: &mut Vec<Diagnostic>,
) {
    if !facts.from_config {
        return;
    }
    let mut emitter = Emitter::new(&META, out);
    let external: Vec<&str> = facts.external_labels.iter().map(String::as_str).collect();
    for (group, rule) in file.rules() {
        let context = |diagnostic: &mut Diagnostic| {
            diagnostic.context.push(("group", group.name().to_string()));
            diagnostic
                .context
                .push(("rule", rule.name().unwrap_or_default().to_string()));
        };
        for label in &rule.labels {
            if external.contains(&label.key.as_str()) {
                let diagnostic = emitter.report(
                    label.key_span.clone(),
                    format!(
                        "`{}` is an external label of the Prometheus configuration: this rule overrides the server's value",
                        label.key
                    ),
                );
                diagnostic.help = Some(format!(
                    "remove `{}` from the rule's labels; the server adds it",
                    label.key
                ));
                context(diagnostic);
            }
        }
        if rule.kind() != Some(RuleKind::Alerting) {
            continue;
        }
        for pair in rule.labels.iter().chain(&rule.annotations) {
            let Some(scalar) = pair.scalar() else {
                continue;
            };
            if !reads_external_labels(&scalar.value) {
                continue;
            }
            let Some(references) = templates
                .parsed(&scalar.value)
                .and_then(|parsed| parsed.external_label_references())
            else {
                continue;
            };
            for reference in references {
                if external.contains(&reference.name.as_str()) {
                    continue;
                }
                let close = closest(&reference.name, external.iter().copied(), 1);
                let help = match (close.first(), external.is_empty()) {
                    (Some(name), _) => format!("did you mean `{name}`?"),
                    (None, true) => "the configuration defines no external labels".to_string(),
                    (None, false) => format!(
                        "the external labels are: {}",
                        external
                            .iter()
                            .map(|l| format!("`{l}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let diagnostic = emitter.report(
                    scalar.span_of(reference.span.clone()),
                    format!(
                        "the Prometheus configuration has no external label `{}`: this expands to an empty string",
                        reference.name
                    ),
                );
                diagnostic.help = Some(help);
                context(diagnostic);
            }
        }
    }
}

/// Whether a template may read `$externalLabels` (or `.ExternalLabels`): a cheap test of
/// every label and annotation of every alert before a parsed template is looked up.
/// One searcher for the run: `str::contains` builds its own on every call, which cost
/// more than the search on these short texts.
fn reads_external_labels(text: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("xternalLabels"));
    FINDER.find(text.as_bytes()).is_some()
}
