//! Runs every PromQL-based check on a rule file: each rule's `expr` is parsed once, then
//! `promql/syntax`, `promql/feature`, `promql/regexp`, `promql/histogram-le` run on every
//! rule, and `alerts/comparison` and `template/label` on alerting rules.
//!
//! The checks themselves are pure functions over the parsed expression (`find`), so the
//! dashboards side can call them on panel queries with its own offset maps.

use super::{feature, histogram_le, regexp, syntax};
use crate::checks::alerts::comparison;
use crate::checks::catalog::common::Finding;
use crate::checks::template::label;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Diagnostic;
use crate::promql;
use crate::rules::{Group, Rule, RuleFile, RuleKind};
use crate::yaml::Scalar;

/// Options of the PromQL checks.
#[derive(Debug, Clone, Default)]
pub struct PromqlOptions {
    /// Prometheus feature flags the target server runs with
    /// (`promql-experimental-functions`, ...), from `--enable-feature` or the config.
    pub enabled_features: Vec<String>,
}

pub fn run(file: &RuleFile, options: &PromqlOptions, out: &mut Vec<Diagnostic>) {
    let features: Vec<&str> = options
        .enabled_features
        .iter()
        .map(String::as_str)
        .collect();
    for (group, rule) in file.rules() {
        let Some(scalar) = rule.expr.as_ref().and_then(|f| f.scalar()) else {
            continue;
        };
        if scalar.is_null() || scalar.value.trim().is_empty() {
            // rules/schema reports a missing expression.
            continue;
        }
        let result = promql::parse(&scalar.value);
        let start = out.len();
        {
            let mut emitter = Emitter::new(&syntax::META, out);
            syntax::report(&result, &scalar.map, &mut emitter);
        }
        if let Some(expr) = &result.expr {
            let query = scalar.value.as_str();
            let mut emit = |meta: &'static CheckMeta, findings: Vec<Finding>| {
                emit_findings(meta, findings, scalar, out)
            };
            emit(&feature::META, feature::find(expr, &features));
            emit(&regexp::META, regexp::find(expr, query));
            emit(&histogram_le::META, histogram_le::find(expr, query));
            if rule.kind() == Some(RuleKind::Alerting) {
                emit(
                    &comparison::META,
                    comparison::find(expr).into_iter().collect(),
                );
                template_labels(rule, expr, scalar, out);
            }
        }
        for diagnostic in &mut out[start..] {
            diagnostic.context.push(("group", group_name(group)));
            diagnostic
                .context
                .push(("rule", rule.name().unwrap_or_default().to_string()));
        }
    }
}

fn group_name(group: &Group) -> String {
    group.name().to_string()
}

fn emit_findings(
    meta: &'static CheckMeta,
    findings: Vec<Finding>,
    scalar: &Scalar,
    out: &mut Vec<Diagnostic>,
) {
    let mut emitter = Emitter::new(meta, out);
    for finding in findings {
        let diagnostic = emitter.report(scalar.span_of(finding.span), finding.message);
        diagnostic.help = finding.help;
    }
}

fn template_labels(rule: &Rule, expr: &promql::Expr, query: &Scalar, out: &mut Vec<Diagnostic>) {
    let rule_labels: Vec<&str> = rule.labels.iter().map(|p| p.key.as_str()).collect();
    let mut emitter = Emitter::new(&label::META, out);
    for pair in rule.labels.iter().chain(&rule.annotations) {
        let Some(template) = pair.scalar() else {
            continue;
        };
        for found in label::find(expr, &query.value, &template.value, &rule_labels) {
            let diagnostic =
                emitter.report(template.span_of(found.finding.span), found.finding.message);
            diagnostic.help = found.finding.help;
            if let Some(removed) = found.removed_at {
                diagnostic.labels.push(crate::diagnostic::Label {
                    span: query.span_of(removed),
                    message: "the label is removed here".into(),
                });
            }
        }
    }
}
