//! `dashboard/legend-label`: a `legendFormat` `{{label}}` that the query's result cannot
//! carry, so the legend renders it empty.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::queries::Site;
use crate::dashboards::Target;
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::analysis::{Analysis, Labels, UnknownSeries};
use crate::promql::ast::Expr;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/legend-label",
    severity: Severity::Warning,
    summary: "The legend uses a label that the query's result does not have",
    docs: "`{{label}}` in `legendFormat` is replaced by that label of each series. When the \
query aggregates the label away (`sum by (route) (...)` keeps only `route`; `sum(...)` keeps \
none), every series renders the same empty text and the legend cannot tell them apart. Keep \
the label in the aggregation's `by (...)` or change the legend. promgate reports only when \
the query limits its labels for sure (an aggregation, `histogram_quantile` over one, arithmetic \
with a number...); queries whose labels it cannot know are left alone. Queries with \
`\"format\": \"table\"` are skipped: Grafana returns them as a table with a column per \
label and never applies the legend. Nor are panels that never show the legend text: a \
`singlestat`, and a `stat` or `gauge` panel whose one query yields a single series (it shows \
the number alone).",
    bad: fixture!("dashboard/legend-label/fail.json"),
    good: fixture!("dashboard/legend-label/pass.json"),
    enabled_by_default: true,
};

static LEGEND_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}").expect("valid regex"));

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    for query in input.queries {
        let Site::Target { panel, target } = query.site else {
            continue;
        };
        let target = &input.dashboard.panels[panel].targets[target];
        let Some(legend) = &target.legend_format else {
            continue;
        };
        if is_table_format(target) {
            continue;
        }
        let Some(expr) = &query.parsed.expr else {
            continue;
        };
        if query.expanded.has_templated_labels() || query.expanded.uncertain {
            continue;
        }
        let Some(labels) = result_labels(expr) else {
            continue;
        };
        let panel = &input.dashboard.panels[panel];
        if !legend_shown(panel, labels.is_empty()) {
            continue;
        }
        for captures in LEGEND_LABEL.captures_iter(&legend.value) {
            let name = captures.get(1).expect("group 1");
            if name.as_str() == "__name__" || labels.contains(name.as_str()) {
                continue;
            }
            let kept = if labels.is_empty() {
                "the query's result has no labels".to_string()
            } else {
                format!(
                    "the query's result keeps only {}",
                    labels
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let diagnostic = emit.report(
                legend.span_of(name.range()),
                format!(
                    "legend uses `{{{{{}}}}}`, but {kept}: it renders empty",
                    name.as_str()
                ),
            );
            diagnostic.help = Some(format!(
                "add `{}` to the aggregation's `by (...)`, or remove it from the legend",
                name.as_str()
            ));
            diagnostic.context = input.query_context(query);
        }
    }
}

/// Whether the panel shows its series' legend text at all. A `singlestat` never does;
/// a `stat` or `gauge` panel names its values only when it shows several, so a panel
/// whose one query yields one series (no labels left) shows just the number.
fn legend_shown(panel: &crate::dashboards::Panel, one_series: bool) -> bool {
    match panel.kind.as_ref().map(|kind| kind.value.as_str()) {
        Some("singlestat") => false,
        Some("stat" | "gauge") => !(one_series && panel.targets.len() == 1),
        _ => true,
    }
}

/// A `format: table` query comes back as one table (a column per label, one `Value`
/// column) with no series names, so Grafana never applies its legend, whatever the panel.
fn is_table_format(target: &Target) -> bool {
    target
        .format
        .as_ref()
        .is_some_and(|format| format.value == "table")
}

/// The labels an expression's result can carry, when the expression limits them to a
/// known set; `None` when any label may be there. The one label-flow analysis answers,
/// with no facts about the series selectors read: only the query's own aggregations,
/// joins and functions limit the set.
pub fn result_labels(expr: &Expr) -> Option<BTreeSet<String>> {
    match Analysis::new(expr, Some(&UnknownSeries)).bound(expr) {
        Labels::Known(set) if set.prefixes.is_empty() => Some(set.names.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(q: &str) -> Option<Vec<String>> {
        let parsed = crate::promql::parse(q);
        result_labels(parsed.expr.as_ref().expect("parses")).map(|s| s.into_iter().collect())
    }

    /// One panel of `kind` whose target has `format` (none when `None`) and a legend
    /// naming a label the query aggregates away.
    fn findings_for(kind: &str, format: Option<&str>) -> Vec<String> {
        let format = format
            .map(|f| format!(r#""format": "{f}","#))
            .unwrap_or_default();
        let text = format!(
            r#"{{"title": "t", "panels": [{{"id": 1, "title": "p", "type": "{kind}",
  "targets": [{{"refId": "A", {format} "expr": "sum(rate(x_total[5m]))",
    "legendFormat": "{{{{instance}}}}"}}]}}]}}"#
        );
        crate::checks::dashboard::tests::findings(&META, "d.json", &text)
    }

    #[test]
    fn table_format_queries_never_show_their_legend() {
        assert_eq!(findings_for("table", Some("table")), Vec::<String>::new());
        assert_eq!(
            findings_for("timeseries", Some("table")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn series_formats_name_series_with_the_legend_in_any_panel() {
        for (kind, format) in [
            ("timeseries", None),
            ("timeseries", Some("time_series")),
            ("heatmap", Some("heatmap")),
            // A table panel fed time series names its value columns with the legend.
            ("table", Some("time_series")),
            ("table", None),
        ] {
            let found = findings_for(kind, format);
            assert_eq!(found.len(), 1, "{kind} {format:?}: {found:?}");
            assert!(found[0].contains("`{{instance}}`"), "{found:?}");
        }
    }

    #[test]
    fn aggregations_limit_labels() {
        assert_eq!(labels("sum(rate(x[5m]))"), Some(vec![]));
        assert_eq!(
            labels("sum by (a, b) (rate(x[5m])) * 100"),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            labels("histogram_quantile(0.9, sum by (le, route) (rate(x_bucket[5m])))"),
            Some(vec!["route".into()])
        );
        assert_eq!(labels("sum without (a) (x)"), None);
        assert_eq!(labels("rate(x[5m])"), None);
        assert_eq!(
            labels("topk(5, sum by (pod) (x))"),
            Some(vec!["pod".into()])
        );
        assert_eq!(
            labels("label_replace(sum by (a) (x), \"b\", \"$1\", \"a\", \"(.*)\")"),
            Some(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn joins_and_nested_aggregations_limit_labels_as_prometheus_does() {
        // One-to-one matching with `on` keeps only the matching labels.
        assert_eq!(
            labels("rate(a[5m]) / on (job) rate(b[5m])"),
            Some(vec!["job".into()])
        );
        // An outer `by` keeps only what the inner aggregation left.
        assert_eq!(
            labels("sum by (a) (sum by (b) (x))"),
            Some(Vec::<String>::new())
        );
        // `absent` returns its selector's equality labels.
        assert_eq!(labels("absent(up{job=\"api\"})"), Some(vec!["job".into()]));
    }
}
