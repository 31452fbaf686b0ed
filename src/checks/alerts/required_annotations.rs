//! `alerts/required-annotations`: every alert carries the annotations people need when
//! it fires (a summary, a runbook). Configured in `.promgate.yml` under
//! `alerts.required_annotations`; off until then.

use crate::checks::{CheckMeta, Emitter};
use crate::config::AlertPolicy;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::rules::{RuleFile, RuleKind};

pub static META: CheckMeta = CheckMeta {
    code: "alerts/required-annotations",
    severity: Severity::Warning,
    summary: "An alert lacks an annotation the team policy requires",
    docs: "Whoever is paged needs to know what broke and what to do: an alert without a \
`summary` or a `runbook_url` costs minutes at the worst moment. List the annotations every \
alert must carry in `.promgate.yml`:\n\n\
```yaml\nalerts:\n  required_annotations: [summary, runbook_url]\n```\n\n\
An annotation that is present but empty counts as missing. The check is off until \
`required_annotations` is set; with `checks: {alerts/required-annotations: on}` and no \
list it requires `summary`.",
    bad: fixture!("alerts/required-annotations/fail.yml"),
    good: fixture!("alerts/required-annotations/pass.yml"),
    enabled_by_default: false,
};

pub fn run(file: &RuleFile, policy: &AlertPolicy, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    let defaults = ["summary".to_string()];
    let required: &[String] = if policy.required_annotations.is_empty() {
        &defaults
    } else {
        &policy.required_annotations
    };
    for (group, rule) in file.rules() {
        if rule.kind() != Some(RuleKind::Alerting) {
            continue;
        }
        let alert = rule.name().unwrap_or("");
        for name in required {
            let found = rule.annotations.iter().find(|pair| &pair.key == name);
            let (span, message) = match found {
                None => (
                    rule.name_span(),
                    format!("alert `{alert}` has no `{name}` annotation"),
                ),
                Some(pair) if pair.text().is_some_and(|t| t.trim().is_empty()) => (
                    pair.value.span.clone(),
                    format!("annotation `{name}` of alert `{alert}` is empty"),
                ),
                Some(_) => continue,
            };
            let diagnostic = emitter.report(span, message);
            diagnostic.help = Some(format!("add `{name}:` under `annotations:`"));
            diagnostic.context.push(("group", group.name().to_string()));
            diagnostic.context.push(("rule", alert.to_string()));
        }
    }
}
