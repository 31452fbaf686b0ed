//! `template/label`: an alert label or annotation reads `$labels.X`, but the alert's query
//! can never return a series with label `X`.

use crate::checks::catalog::common::Finding;
use crate::checks::context::ParsedExpr;
use crate::checks::CheckMeta;
use crate::checks::Emitter;
use crate::diagnostic::Severity;
use crate::diagnostic::{Diagnostic, Label};
use crate::fixture;
use crate::promql::analysis::{analyze, Presence};
use crate::promql::ast::Expr;
use crate::rules::template::parse_prometheus;
use crate::rules::{RuleFile, RuleKind};

pub static META: CheckMeta = CheckMeta {
    code: "template/label",
    severity: Severity::Warning,
    summary: "An alert template reads a label the alert's query can never return",
    docs: "In alert labels and annotations, `$labels` holds the labels of the series the query \
returned. After `sum by (job) (...)` only `job` is left, so `{{ $labels.instance }}` expands \
to an empty string and the notification says \"instance  is down\".\n\n\
promgate follows each label through the query (aggregations and their `by`/`without`, `on` \
and `ignoring`, `group_left`, `label_replace`, `absent`, functions...) and reports a label \
the result cannot have, pointing at the template and at the part of the query that removed \
it. Where the analysis is unsure (a label that may or may not be there), it stays silent.\n\n\
Fix: keep the label in the query (`sum by (job, instance)`), or stop reading it.",
    bad: fixture!("template/label/fail.yml"),
    good: fixture!("template/label/pass.yml"),
    enabled_by_default: true,
};

/// A finding in the template text, and where the query removed the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelFinding {
    /// In the template text.
    pub finding: Finding,
    /// In the query text: what removed the label (or closed the label set).
    pub removed_at: Option<std::ops::Range<usize>>,
}

/// Labels of `template` (an alert label or annotation value) that `expr` cannot return.
/// `rule_labels` are the rule's own static labels: reading them through `$labels` is a
/// different mistake, not reported here.
pub fn find(expr: &Expr, query: &str, template: &str, rule_labels: &[&str]) -> Vec<LabelFinding> {
    if !template.contains("{{") {
        return Vec::new();
    }
    let Ok(parsed) = parse_prometheus(template) else {
        // template/syntax reports it.
        return Vec::new();
    };
    let info = analyze(expr);
    let mut out = Vec::new();
    for reference in parsed.label_references() {
        if rule_labels.contains(&reference.name.as_str())
            || info.labels.presence(&reference.name) != Presence::Never
        {
            continue;
        }
        let removed_at = info.labels.reason(&reference.name);
        let by = removed_at
            .as_ref()
            .and_then(|span| query.get(span.clone()))
            .map(|text| format!(" (`{text}` removes it)"))
            .unwrap_or_default();
        out.push(LabelFinding {
            finding: Finding::new(
                reference.span.clone(),
                format!(
                    "the alert's query never returns the label `{}`{by}: this expands to an empty string",
                    reference.name
                ),
            )
            .help(format!(
                "keep `{}` in the query's result (e.g. add it to `by (...)`), or do not read it",
                reference.name
            )),
            removed_at,
        });
    }
    out
}

/// Runs on a rule file's alerting rules. `parsed` are the file's expressions as the
/// pipeline parsed them (found here by their text, so each is parsed once); one not
/// among them is parsed here.
pub fn run(file: &RuleFile, parsed: &[ParsedExpr], out: &mut Vec<Diagnostic>) {
    let parsed_by_text: std::collections::HashMap<&str, &Expr> = parsed
        .iter()
        .filter_map(|p| Some((p.source.as_str(), p.result.expr.as_ref()?)))
        .collect();
    let mut emitter = Emitter::new(&META, out);
    for (group, rule) in file.rules() {
        if rule.kind() != Some(RuleKind::Alerting) {
            continue;
        }
        let Some(query) = rule.expr.as_ref().and_then(|f| f.scalar()) else {
            continue;
        };
        let templates: Vec<_> = rule
            .labels
            .iter()
            .chain(&rule.annotations)
            .filter_map(|pair| pair.scalar())
            .filter(|s| s.value.contains("{{") && (s.value.contains("abels")))
            .collect();
        if templates.is_empty() {
            continue;
        }
        let parsed_here;
        let expr = match parsed_by_text.get(query.value.as_str()) {
            Some(expr) => *expr,
            None => {
                parsed_here = crate::promql::parse(&query.value).expr;
                let Some(expr) = &parsed_here else {
                    continue;
                };
                expr
            }
        };
        let rule_labels: Vec<&str> = rule.labels.iter().map(|p| p.key.as_str()).collect();
        for template in templates {
            for found in find(expr, &query.value, &template.value, &rule_labels) {
                let diagnostic =
                    emitter.report(template.span_of(found.finding.span), found.finding.message);
                diagnostic.help = found.finding.help;
                if let Some(removed) = found.removed_at {
                    diagnostic.labels.push(Label {
                        span: query.span_of(removed),
                        message: "the label is removed here".into(),
                    });
                }
                diagnostic.context.push(("group", group.name().to_string()));
                diagnostic
                    .context
                    .push(("rule", rule.name().unwrap_or_default().to_string()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::parse;

    fn run(q: &str, template: &str) -> Vec<String> {
        find(&parse(q).expr.unwrap(), q, template, &["severity"])
            .into_iter()
            .map(|f| template[f.finding.span].to_string())
            .collect()
    }

    #[test]
    fn reports_labels_removed_by_aggregation() {
        let q = "sum by (job) (rate(errors_total[5m])) > 1";
        assert_eq!(
            run(q, "{{ $labels.instance }} on {{ $labels.job }}"),
            ["instance"]
        );
        let f = &find(&parse(q).expr.unwrap(), q, "{{ .Labels.pod }}", &[])[0];
        assert_eq!(&q[f.removed_at.clone().unwrap()], "by (job)");
        assert!(f.finding.message.contains("`by (job)` removes it"));
    }

    #[test]
    fn silent_when_unsure_or_present() {
        assert!(run("up == 0", "{{ $labels.instance }}").is_empty());
        assert!(run("sum by (job) (up) == 0", "{{ $labels.severity }}").is_empty());
        assert!(run("sum(up) == 0", "no template here").is_empty());
        assert!(run(
            r#"label_replace(sum(up), "x", "$1", "y", "(.*)") > 0"#,
            "{{ $labels.x }}"
        )
        .is_empty());
        assert_eq!(
            run(
                "absent(up{job=\"a\"})",
                "{{ $labels.job }} {{ $labels.instance }}"
            ),
            ["instance"]
        );
    }
}
