//! `template/label`: an alert label or annotation reads `$labels.X`, but the alert's query
//! can never return a series with label `X`.

use crate::checks::catalog::common::Finding;
use crate::checks::context::ParsedExpr;
use crate::checks::CheckMeta;
use crate::checks::Emitter;
use crate::diagnostic::Severity;
use crate::diagnostic::{Diagnostic, Label};
use crate::fixture;
use crate::promql::analysis::{LabelInfo, Presence};
use crate::rules::template::{LabelReference, ParsedTemplates, Template};
use crate::rules::{Group, Rule, RuleKind};
use crate::yaml::Scalar;

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

/// Labels that `template` (an alert label or annotation value, parsed) reads but the
/// query's result (`labels`, from the analysis of `query`) cannot have. `rule_labels`
/// are the rule's own static labels: reading them through `$labels` is a different
/// mistake, not reported here.
pub fn find(
    labels: &LabelInfo,
    query: &str,
    template: &Template,
    rule_labels: &[&str],
) -> Vec<LabelFinding> {
    find_references(labels, query, &template.label_references(), rule_labels)
}

/// [`find`] over the labels a template reads (`Template::label_references`), computed
/// once per template text and shared by every rule that uses it.
pub fn find_references(
    labels: &LabelInfo,
    query: &str,
    references: &[LabelReference],
    rule_labels: &[&str],
) -> Vec<LabelFinding> {
    let mut out = Vec::new();
    for reference in references {
        if rule_labels.contains(&reference.name.as_str())
            || labels.presence(&reference.name) != Presence::Never
        {
            continue;
        }
        let removed_at = labels.reason(&reference.name);
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

/// Runs on a rule file's alerting rules: `rules` are its rules with an expression,
/// each with the expression the pipeline parsed (and analysed, once, on first use);
/// `templates` holds the file's alert templates, parsed once.
pub fn run(
    rules: &[(&Group, &Rule, &ParsedExpr)],
    templates: &ParsedTemplates<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let mut emitter = Emitter::new(&META, out);
    for &(group, rule, parsed) in rules {
        if rule.kind() != Some(RuleKind::Alerting) {
            continue;
        }
        // Only the parsed templates that read `$labels` / `.Labels` (so the query is
        // analysed only for them); one that does not parse is template/syntax's.
        let label_templates: Vec<(&Scalar, &[LabelReference])> = rule
            .labels
            .iter()
            .chain(&rule.annotations)
            .filter_map(|pair| pair.scalar())
            .filter_map(|scalar| {
                let references = templates.parsed(&scalar.value)?.label_references()?;
                (!references.is_empty()).then_some((scalar, references))
            })
            .collect();
        if label_templates.is_empty() {
            continue;
        }
        let Some(labels) = parsed.labels() else {
            continue;
        };
        let rule_labels: Vec<&str> = rule.labels.iter().map(|p| p.key.as_str()).collect();
        for (scalar, references) in label_templates {
            for found in find_references(labels, &parsed.source, references, &rule_labels) {
                let diagnostic =
                    emitter.report(scalar.span_of(found.finding.span), found.finding.message);
                diagnostic.help = found.finding.help;
                if let Some(removed) = found.removed_at {
                    diagnostic.labels.push(Label {
                        span: parsed.map.span_to_file(removed),
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

    fn labels(q: &str) -> LabelInfo {
        crate::promql::analysis::analyze(&parse(q).expr.unwrap()).labels
    }

    fn template(text: &str) -> Template {
        crate::rules::template::parse_prometheus(text).unwrap()
    }

    fn run(q: &str, text: &str) -> Vec<String> {
        find(&labels(q), q, &template(text), &["severity"])
            .into_iter()
            .map(|f| text[f.finding.span].to_string())
            .collect()
    }

    #[test]
    fn reports_labels_removed_by_aggregation() {
        let q = "sum by (job) (rate(errors_total[5m])) > 1";
        assert_eq!(
            run(q, "{{ $labels.instance }} on {{ $labels.job }}"),
            ["instance"]
        );
        let f = &find(&labels(q), q, &template("{{ .Labels.pod }}"), &[])[0];
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
