//! `alerts/required-labels`: every alert carries the labels the team's routing needs,
//! with an allowed value. Configured in `.promgate.yml` under `alerts.required_labels`;
//! off until then.

use crate::checks::{CheckMeta, Emitter};
use crate::config::{AlertPolicy, RequiredLabel};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::rules::{Group, Rule, RuleFile, RuleKind};

pub static META: CheckMeta = CheckMeta {
    code: "alerts/required-labels",
    severity: Severity::Warning,
    summary: "An alert lacks a label the team policy requires, or uses a value it does not allow",
    docs: "Alertmanager routes on labels: an alert without `severity` or `team`, or with \
`severity: page` where the routes expect `critical|warning|info`, lands in the default \
receiver or nowhere. List the labels every alert must carry in `.promgate.yml`:\n\n\
```yaml\nalerts:\n  required_labels:\n    severity: critical|warning|info   # allowed values\n    team: ~                           # any non-empty value\n```\n\n\
Labels set on the rule group (`labels:` next to `rules:`) count for every rule in it. \
A value built from a template (`{{ ... }}`) is only known when the alert fires, so it is \
not judged against the allowed values. The check is off until `required_labels` is set; \
with `checks: {alerts/required-labels: on}` and no list it requires `severity`.",
    bad: fixture!("alerts/required-labels/fail.yml"),
    good: fixture!("alerts/required-labels/pass.yml"),
    enabled_by_default: false,
};

/// The policy used when the check is turned on without a list.
fn default_labels() -> Vec<RequiredLabel> {
    vec![RequiredLabel {
        name: "severity".to_string(),
        allowed: Vec::new(),
    }]
}

pub fn run(file: &RuleFile, policy: &AlertPolicy, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    let required = if policy.required_labels.is_empty() {
        default_labels()
    } else {
        policy.required_labels.clone()
    };
    for (group, rule) in file.rules() {
        if rule.kind() != Some(RuleKind::Alerting) {
            continue;
        }
        for label in &required {
            check_label(&mut emitter, group, rule, label);
        }
    }
}

fn check_label(emitter: &mut Emitter, group: &Group, rule: &Rule, label: &RequiredLabel) {
    let alert = rule.name().unwrap_or("");
    let on_rule = rule.labels.iter().find(|pair| pair.key == label.name);
    let on_group = group.labels.iter().find(|pair| pair.key == label.name);
    let Some(pair) = on_rule.or(on_group) else {
        let example = label.allowed.first().map_or("...", String::as_str);
        emitter
            .report(
                rule.name_span(),
                format!("alert `{alert}` has no `{}` label", label.name),
            )
            .with_help_text(format!(
                "add it under `labels:`, e.g. `{}: {example}`{}",
                label.name,
                allowed_list(label)
            ))
            .with_rule_context(group, alert);
        return;
    };
    let Some(value) = pair.text() else {
        return;
    };
    if value.is_empty() {
        emitter
            .report(
                pair.value.span.clone(),
                format!(
                    "label `{}` of alert `{alert}` is empty, which Prometheus drops",
                    label.name
                ),
            )
            .with_help_text(format!("give it a value{}", allowed_list(label)))
            .with_rule_context(group, alert);
        return;
    }
    // A templated value is only known when the alert fires.
    if label.allowed.is_empty() || value.contains("{{") {
        return;
    }
    if !label.allowed.iter().any(|allowed| allowed == value) {
        emitter
            .report(
                pair.value.span.clone(),
                format!(
                    "label `{}` of alert `{alert}` is `{value}`, which the policy does not allow",
                    label.name
                ),
            )
            .with_help_text(format!("use one of: {}", label.allowed.join(", ")))
            .with_rule_context(group, alert);
    }
}

fn allowed_list(label: &RequiredLabel) -> String {
    if label.allowed.is_empty() {
        String::new()
    } else {
        format!(" (allowed: {})", label.allowed.join(", "))
    }
}

/// Small helpers so the report calls above read as sentences.
trait DiagnosticExt {
    fn with_help_text(&mut self, help: String) -> &mut Self;
    fn with_rule_context(&mut self, group: &Group, alert: &str) -> &mut Self;
}

impl DiagnosticExt for Diagnostic {
    fn with_help_text(&mut self, help: String) -> &mut Self {
        self.help = Some(help);
        self
    }

    fn with_rule_context(&mut self, group: &Group, alert: &str) -> &mut Self {
        self.context.push(("group", group.name().to_string()));
        self.context.push(("rule", alert.to_string()));
        self
    }
}
