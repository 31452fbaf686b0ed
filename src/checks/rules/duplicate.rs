//! `rules/duplicate`: two rules in one file with the same name and the same labels.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::rules::{Rule, RuleFile, RuleKind};
use crate::source::Span;
use std::collections::{BTreeMap, HashMap};

pub static META: CheckMeta = CheckMeta {
    code: "rules/duplicate",
    severity: Severity::Warning,
    summary: "Two rules in the same file have the same name and labels",
    docs: "Two rules with the same `alert` or `record` name and the same labels (the group's \
labels overridden by the rule's own) produce the same series: a recording rule's output flaps \
between two expressions, an alert fires twice or hides the other. This is the \
`duplicate-rules` lint of `promtool check rules`: the expression is not part of the \
comparison.\n\n\
Give each rule a distinct label (for example a different `severity`), or remove the copy.",
    bad: fixture!("rules/duplicate/fail.yml"),
    good: fixture!("rules/duplicate/pass.yml"),
    enabled_by_default: true,
};

/// The identity of a rule's output: document, kind, name and merged labels. Documents
/// are separate rule files once deployed (one file per PrometheusRule object).
type RuleKey = (usize, bool, String, BTreeMap<String, String>);

pub fn run(file: &RuleFile, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    let mut seen: HashMap<RuleKey, Span> = HashMap::new();
    for (group, rule) in file.rules() {
        let (Some(kind), Some(name)) = (rule.kind(), rule.name()) else {
            continue;
        };
        let labels = merged_labels(&group.labels, rule);
        let key = (
            group.document,
            kind == RuleKind::Alerting,
            name.to_string(),
            labels,
        );
        let span = rule.name_span();
        match seen.get(&key) {
            Some(first) => {
                let what = match kind {
                    RuleKind::Alerting => "alerting rule",
                    RuleKind::Recording => "recording rule",
                };
                let shown = show_labels(&key.3);
                let line_hint = "the first one is here";
                let diagnostic = emitter.report(
                    span,
                    format!("duplicate {what} \"{name}\" with labels {shown}"),
                );
                diagnostic.labels.push(crate::diagnostic::Label {
                    span: first.clone(),
                    message: line_hint.to_string(),
                });
                diagnostic.help = Some(match kind {
                    RuleKind::Recording => "two recording rules writing the same series make it flap between their results: remove one, or give them different labels".into(),
                    RuleKind::Alerting => "give the alerts different labels (e.g. `severity`) or names, or remove the copy".into(),
                });
                diagnostic.context.push(("group", group.name().to_string()));
            }
            None => {
                seen.insert(key, span);
            }
        }
    }
}

fn merged_labels(group_labels: &[crate::rules::Pair], rule: &Rule) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    for pair in group_labels.iter().chain(&rule.labels) {
        if let Some(text) = pair.text() {
            labels.insert(pair.key.clone(), text.to_string());
        }
    }
    labels
}

fn show_labels(labels: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}
