//! `dashboard/variable-matcher`: a multi-value or include-All variable used with `=` or
//! `!=`, which breaks as soon as two values (or All) are selected.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::{refs, scan};
use crate::diagnostic::Severity;
use crate::fix::{Applicability, Fix};
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/variable-matcher",
    severity: Severity::Warning,
    summary: "A multi-value variable is matched with `=` or `!=` instead of `=~` or `!~`",
    docs: "With several values selected (or All), Grafana substitutes a regular expression such \
as `(api|web)` or the variable's custom all value (often `.*`). An equality matcher compares \
that text literally and matches nothing, so the panel goes empty exactly when someone selects \
more than one value. Use the regex operators `=~` and `!~`.",
    bad: fixture!("dashboard/variable-matcher/fail.json"),
    good: fixture!("dashboard/variable-matcher/pass.json"),
    enabled_by_default: true,
};

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    for query in input.queries {
        let source = &query.expanded.source;
        for matcher in &query.scan.matchers {
            if matcher.op != "=" && matcher.op != "!=" {
                continue;
            }
            let value = &source[matcher.value.clone()];
            for reference in refs::find(value) {
                let Some(variable) = input.dashboard.variable(&reference.name) else {
                    continue;
                };
                if !variable.is_multi_valued() || repeated_over(input, query, &reference.name) {
                    continue;
                }
                let label = &source[matcher.label.clone()];
                let regex_op = if matcher.op == "=" { "=~" } else { "!~" };
                // From the label to the end of the value (a closing `\"` is two file
                // bytes for one decoded byte; ending before it keeps the span exact).
                let span = query
                    .expanded
                    .map
                    .span_to_file(matcher.label.start..matcher.value.end);
                let why = if variable.multi {
                    "multi-value"
                } else {
                    "include-All"
                };
                let diagnostic = emit.report(
                    span,
                    format!(
                        "{why} variable `{}` is matched with `{}`: the query matches nothing once several values or All are selected",
                        reference.name, matcher.op
                    ),
                );
                diagnostic.help = Some(format!("use `{label}{regex_op}\"{value}\"`"));
                diagnostic.fix = operator_fix(input, query, matcher, regex_op, value);
                if let Some(flag) = &variable.multi_span {
                    diagnostic.labels.push(crate::diagnostic::Label {
                        span: flag.clone(),
                        message: format!("`{}` accepts several values here", reference.name),
                    });
                }
                diagnostic.context = input.query_context(query);
            }
        }
    }
}

/// A repeated panel (or a panel in a repeated row) gets one value of the variable per
/// copy, so `=` is right there.
/// `=` -> `=~`, `!=` -> `!~`. Safe when the value's own text (around the variable) has
/// no regex metacharacter, so that it still matches exactly itself.
fn operator_fix(
    input: &DashboardInput<'_>,
    query: &crate::dashboards::queries::Query,
    matcher: &scan::MatcherString,
    regex_op: &str,
    value: &str,
) -> Option<Fix> {
    let source = &query.expanded.source;
    let between = source.get(matcher.label.end..matcher.value.start)?;
    let op_start = matcher.label.end + between.find(matcher.op.as_str())?;
    let edit = input.query_edit(query, op_start..op_start + matcher.op.len(), regex_op)?;
    let mut literal = value.to_string();
    for reference in refs::find(value).iter().rev() {
        literal.replace_range(reference.range.clone(), "");
    }
    let applicability = if literal.contains(|c: char| ".+*?()[]{}|^$\\".contains(c)) {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    Fix::new(
        format!("Replace `{}` with `{regex_op}`", matcher.op),
        applicability,
        vec![edit],
    )
}

fn repeated_over(
    input: &DashboardInput<'_>,
    query: &crate::dashboards::queries::Query,
    name: &str,
) -> bool {
    match query.site {
        crate::dashboards::queries::Site::Target { panel, .. } => input.dashboard.panels[panel]
            .repeat_scope
            .iter()
            .any(|r| r.trim_start_matches('$') == name),
        _ => false,
    }
}
