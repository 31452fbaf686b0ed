//! Completion: metric names, the labels valid at the cursor (from the label flow),
//! label values the catalog knows, functions with their signatures, and the variables
//! of alert templates.

use super::convert;
use super::cursor::{self, ExprView};
use super::workspace::Workspace;
use crate::catalog::{flow, Catalog, Origin, SeriesKind};
use crate::promconfig::Facts;
use crate::promql::analysis::analyze;
use crate::promql::ast::Expr;
use crate::promql::{function_docs, functions};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionResponse, Documentation, MarkupContent,
    MarkupKind, Position,
};
use std::collections::BTreeSet;
use std::path::Path;

/// The word the cursor's text is parsed with, to find the clause it sits in.
const PLACEHOLDER: &str = "__promgate_cursor__";

const AGGREGATIONS: &[&str] = &[
    "avg",
    "bottomk",
    "count",
    "count_values",
    "group",
    "limit_ratio",
    "limitk",
    "max",
    "min",
    "quantile",
    "stddev",
    "stdvar",
    "sum",
    "topk",
];

pub fn complete(
    workspace: &mut Workspace,
    path: &Path,
    position: Position,
) -> Option<CompletionResponse> {
    workspace.loaded(path)?;
    workspace.catalog();
    let workspace: &Workspace = workspace;
    let state = workspace.files.get(path)?;
    let offset = convert::offset(state.source()?, position);
    let loaded = state.unit_at(offset)?;
    let catalog = workspace.current_catalog();
    let items = match cursor::expr_at(loaded, offset) {
        Some((view, at)) => in_expression(workspace, catalog, &view, at),
        None => in_template(loaded, offset, catalog, workspace.prometheus())?,
    };
    Some(CompletionResponse::Array(items))
}

/// Where in an expression the cursor is, read from the text before it (which may not
/// parse while it is typed).
enum Place {
    /// Inside a selector's braces, naming a label (of this metric, if written).
    SelectorLabel(Option<String>),
    /// Inside a selector's braces after `label=` (or `!=`, `=~`, `!~`).
    LabelValue(Option<String>, String),
    /// Inside `by (...)`, `without (...)`, `on (...)`, `ignoring (...)`, `group_x (...)`.
    ClauseLabel,
    /// Where an expression goes.
    Expression,
}

fn place(prefix: &str) -> Place {
    // The innermost bracket still open before the cursor, skipping string literals.
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (index, c) in prefix.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q != '`' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '{' | '[' => open.push((c, index)),
            ')' | '}' | ']' => {
                open.pop();
            }
            _ => {}
        }
    }
    let Some(&(bracket, at)) = open.last() else {
        return Place::Expression;
    };
    let before = prefix[..at].trim_end();
    let word_before = &before[cursor::word_at(before, before.len())];
    match bracket {
        '{' => {
            let metric = (!word_before.is_empty()).then(|| word_before.to_string());
            let inside = &prefix[at + 1..];
            let current = inside.rsplit(',').next().unwrap_or("");
            let pattern = regex_value_position();
            match pattern.captures(current) {
                Some(captures) => Place::LabelValue(metric, captures[1].to_string()),
                None => Place::SelectorLabel(metric),
            }
        }
        '(' if matches!(
            word_before,
            "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
        ) =>
        {
            Place::ClauseLabel
        }
        _ => Place::Expression,
    }
}

fn regex_value_position() -> &'static regex::Regex {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| {
        regex::Regex::new(r#"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*["'`]?[^"'`]*$"#)
            .expect("a valid pattern")
    })
}

fn in_expression(
    workspace: &Workspace,
    catalog: Option<&Catalog>,
    view: &ExprView,
    at: usize,
) -> Vec<CompletionItem> {
    let prefix = &view.source[..at];
    let facts = workspace.prometheus();
    match place(prefix) {
        Place::SelectorLabel(metric) => {
            let mut items = selector_labels(catalog, metric.as_deref());
            if !metric
                .as_deref()
                .is_some_and(|name| is_recorded(catalog, name))
            {
                add_new(&mut items, scrape_labels(facts));
            }
            items
        }
        Place::LabelValue(metric, label) => {
            let mut items = label_values(catalog, metric.as_deref(), &label);
            if label == "job"
                && !metric
                    .as_deref()
                    .is_some_and(|name| is_recorded(catalog, name))
            {
                add_new(&mut items, job_values(facts));
            }
            items
        }
        Place::ClauseLabel => clause_labels(catalog, view.source, at),
        Place::Expression => expression_items(workspace, catalog),
    }
}

/// Whether the catalog knows `name` as a series a recording rule writes (which carries
/// no scrape labels of its own).
fn is_recorded(catalog: Option<&Catalog>, name: &str) -> bool {
    catalog
        .and_then(|catalog| catalog.series(name))
        .is_some_and(|series| series.family.origin == Origin::Recorded)
}

/// Appends the items whose label is not offered yet.
fn add_new(items: &mut Vec<CompletionItem>, more: Vec<CompletionItem>) {
    let mut seen: BTreeSet<String> = items.iter().map(|item| item.label.clone()).collect();
    items.extend(
        more.into_iter()
            .filter(|item| seen.insert(item.label.clone())),
    );
}

/// The labels the Prometheus configuration's scrapes give every series, with the jobs
/// that add each.
fn scrape_labels(facts: Option<&Facts>) -> Vec<CompletionItem> {
    let Some(facts) = facts else {
        return Vec::new();
    };
    let mut jobs_of: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for job in &facts.jobs {
        for label in &job.target_labels {
            jobs_of.entry(label).or_default().push(&job.name);
        }
    }
    jobs_of
        .into_iter()
        .map(|(label, jobs)| {
            item(
                label.to_string(),
                CompletionItemKind::PROPERTY,
                Some(format!(
                    "target label (prometheus.yml: {})",
                    jobs.join(", ")
                )),
            )
        })
        .collect()
}

/// The values of `job`: the job names of the Prometheus configuration, when it lists
/// every job.
fn job_values(facts: Option<&Facts>) -> Vec<CompletionItem> {
    let Some(facts) = facts else {
        return Vec::new();
    };
    let Some(names) = facts.job_names() else {
        return Vec::new();
    };
    names
        .iter()
        .map(|name| {
            let interval = facts.scrape_interval_ms(Some(name));
            item(
                name.clone(),
                CompletionItemKind::VALUE,
                Some(format!(
                    "job in prometheus.yml, scraped every {}",
                    crate::eval::ruletest::report::short_duration(interval as i64)
                )),
            )
        })
        .collect()
}

fn item(label: String, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label,
        kind: Some(kind),
        detail,
        ..CompletionItem::default()
    }
}

/// Labels a selector of `metric` can match on: its family's, the scrape's target
/// labels, and `le`/`quantile` where the series has them.
fn selector_labels(catalog: Option<&Catalog>, metric: Option<&str>) -> Vec<CompletionItem> {
    let Some(catalog) = catalog else {
        return Vec::new();
    };
    let mut labels: BTreeSet<(String, String)> = BTreeSet::new();
    if let Some(series) = metric.and_then(|name| catalog.series(name)) {
        let family = series.family;
        for label in family.labels.keys() {
            labels.insert((label.clone(), format!("label of {}", family.name)));
        }
        match series.kind {
            SeriesKind::Bucket => {
                labels.insert(("le".into(), "bucket upper bound".into()));
            }
            SeriesKind::Bare if family.kind == crate::catalog::MetricType::Summary => {
                labels.insert(("quantile".into(), "summary quantile".into()));
            }
            _ => {}
        }
        if family.origin == Origin::Recorded {
            return label_items(labels);
        }
    }
    for label in &catalog.target_labels {
        labels.insert((label.clone(), "target label".into()));
    }
    label_items(labels)
}

fn label_items(labels: BTreeSet<(String, String)>) -> Vec<CompletionItem> {
    let mut seen = BTreeSet::new();
    labels
        .into_iter()
        .filter(|(label, _)| seen.insert(label.clone()))
        .map(|(label, detail)| item(label, CompletionItemKind::PROPERTY, Some(detail)))
        .collect()
}

fn label_values(
    catalog: Option<&Catalog>,
    metric: Option<&str>,
    label: &str,
) -> Vec<CompletionItem> {
    let Some(series) = catalog
        .zip(metric)
        .and_then(|(catalog, name)| catalog.series(name))
    else {
        return Vec::new();
    };
    let Some(Some(values)) = series.family.labels.get(label) else {
        return Vec::new();
    };
    values
        .iter()
        .map(|value| {
            item(
                value.clone(),
                CompletionItemKind::VALUE,
                Some(format!("{label} of {}", series.family.name)),
            )
        })
        .collect()
}

/// The labels of the expression a `by`/`without`/`on`/`ignoring` clause applies to:
/// the text is parsed with a placeholder at the cursor to find the clause; when it
/// does not parse yet, the labels of every metric the text names.
fn clause_labels(catalog: Option<&Catalog>, source: &str, at: usize) -> Vec<CompletionItem> {
    let word = cursor::word_at(source, at);
    let mut patched = String::with_capacity(source.len() + PLACEHOLDER.len());
    patched.push_str(&source[..word.start]);
    patched.push_str(PLACEHOLDER);
    patched.push_str(&source[word.end..]);
    let parsed = crate::promql::parse(&patched);
    let mut labels: BTreeSet<(String, String)> = BTreeSet::new();
    let sides = parsed.expr.as_ref().map(clause_inputs).unwrap_or_default();
    if !sides.is_empty() {
        for side in sides {
            labels.extend(expression_labels(side, catalog));
        }
    } else if let Some(catalog) = catalog {
        for name in words(source) {
            if let Some(series) = catalog.series(name) {
                labels.extend(
                    series
                        .family
                        .labels
                        .keys()
                        .map(|l| (l.clone(), format!("label of {}", series.family.name))),
                );
            }
        }
        labels.extend(
            catalog
                .target_labels
                .iter()
                .map(|l| (l.clone(), "target label".to_string())),
        );
    }
    labels.retain(|(label, _)| label != PLACEHOLDER);
    label_items(labels)
}

/// The expressions whose labels the clause holding the placeholder names.
fn clause_inputs(expr: &Expr) -> Vec<&Expr> {
    let mut found = Vec::new();
    expr.walk(&mut |node| match node {
        Expr::Aggregate(aggregate) => {
            if let Some(grouping) = &aggregate.grouping {
                if grouping.labels.iter().any(|l| l.name == PLACEHOLDER) {
                    found = vec![&*aggregate.expr];
                }
            }
        }
        Expr::Binary(binary) => {
            if let Some(matching) = &binary.matching {
                if matching.labels.iter().any(|l| l.name == PLACEHOLDER) {
                    found = vec![&*binary.lhs, &*binary.rhs];
                }
            }
        }
        _ => {}
    });
    found
}

/// The labels an expression's result can carry: the catalog's label flow when it can
/// tell, else the analysis' possible labels and the labels of the metrics it reads.
fn expression_labels(expr: &Expr, catalog: Option<&Catalog>) -> BTreeSet<(String, String)> {
    let mut labels = BTreeSet::new();
    if let Some(catalog) = catalog {
        if let Some(set) = flow::labels(expr, catalog).known() {
            labels.extend(
                set.names
                    .iter()
                    .map(|l| (l.clone(), "label flow".to_string())),
            );
            return labels;
        }
    }
    let info = analyze(expr);
    labels.extend(
        info.labels
            .possible()
            .map(|l| (l.to_string(), "label flow".to_string())),
    );
    if !info.labels.is_closed() {
        if let Some(catalog) = catalog {
            for (name, _) in crate::promql::analysis::metric_names(expr) {
                if let Some(series) = catalog.series(name) {
                    labels.extend(
                        series
                            .family
                            .labels
                            .keys()
                            .map(|l| (l.clone(), format!("label of {name}"))),
                    );
                }
            }
            labels.extend(
                catalog
                    .target_labels
                    .iter()
                    .map(|l| (l.clone(), "target label".to_string())),
            );
        }
    }
    labels.remove(&("__name__".to_string(), "label flow".to_string()));
    labels
}

fn words(source: &str) -> impl Iterator<Item = &str> {
    source
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|word| !word.is_empty())
}

/// Metric names (the catalog's and the recording rules'), functions and aggregations.
fn expression_items(workspace: &Workspace, catalog: Option<&Catalog>) -> Vec<CompletionItem> {
    let mut metrics: BTreeSet<String> = BTreeSet::new();
    if let Some(catalog) = catalog {
        metrics.extend(catalog.series_names());
    }
    for state in workspace.files.values() {
        metrics.extend(state.recorded_names().map(str::to_string));
    }
    let mut items: Vec<CompletionItem> = metrics
        .into_iter()
        .map(|name| {
            let series = catalog.and_then(|catalog| catalog.series(&name));
            let detail = series.map(|series| match series.family.origin {
                Origin::Recorded => "recorded series".to_string(),
                _ => series.family.kind.as_str().to_string(),
            });
            let mut completion = item(name, CompletionItemKind::VARIABLE, detail);
            if let Some(help) = series.and_then(|series| series.family.help.clone()) {
                completion.documentation = Some(Documentation::String(help));
            }
            completion
        })
        .collect();
    for function in functions::FUNCTIONS {
        let mut completion = item(
            function.name.to_string(),
            CompletionItemKind::FUNCTION,
            Some(function_docs::signature(function)),
        );
        completion.documentation = function_docs::docs(function.name).map(|docs| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: docs.to_string(),
            })
        });
        items.push(completion);
    }
    for aggregation in AGGREGATIONS {
        items.push(item(
            aggregation.to_string(),
            CompletionItemKind::KEYWORD,
            Some("aggregation".into()),
        ));
    }
    items
}

/// Inside an alerting rule's label or annotation value: `$labels.<name>` for the
/// labels the alert's query returns, `$value`, `$externalLabels`.
fn in_template(
    loaded: &crate::pipeline::Loaded,
    offset: usize,
    catalog: Option<&Catalog>,
    facts: Option<&Facts>,
) -> Option<Vec<CompletionItem>> {
    let rule = cursor::rule_at(loaded, offset)?;
    let pair = rule.annotations.iter().chain(&rule.labels).find(|pair| {
        let span = &pair.value.span;
        span.start <= offset && offset <= span.end
    })?;
    let expr = cursor::alert_expr(loaded, rule)?;
    let before = &loaded.file.text[pair.value.span.start..offset];
    let mut items = Vec::new();
    let label_names = expression_labels(expr, catalog);
    if before
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
        .ends_with("$externalLabels.")
    {
        for label in facts.iter().flat_map(|facts| &facts.external_labels) {
            items.push(item(
                label.clone(),
                CompletionItemKind::FIELD,
                Some("an external label of prometheus.yml".into()),
            ));
        }
        return Some(items);
    }
    if before.ends_with("$labels.")
        || before
            .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
            .ends_with("$labels.")
    {
        for (label, _) in label_names {
            items.push(item(
                label,
                CompletionItemKind::FIELD,
                Some("a label of the alert's series".into()),
            ));
        }
        return Some(items);
    }
    if !before.contains("{{") {
        return Some(items);
    }
    items.push(item(
        "$value".into(),
        CompletionItemKind::VARIABLE,
        Some("the alert's sample value".into()),
    ));
    items.push(item(
        "$labels".into(),
        CompletionItemKind::VARIABLE,
        Some("the alert's series labels".into()),
    ));
    items.push(item(
        "$externalLabels".into(),
        CompletionItemKind::VARIABLE,
        Some("the Prometheus server's external labels".into()),
    ));
    for (label, _) in label_names {
        items.push(item(
            format!("$labels.{label}"),
            CompletionItemKind::FIELD,
            Some("a label of the alert's series".into()),
        ));
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_read_from_the_text_before_the_cursor() {
        assert!(
            matches!(place("rate(http_requests_total{"), Place::SelectorLabel(Some(m)) if m == "http_requests_total")
        );
        assert!(matches!(
            place("foo{a=\"x\", co"),
            Place::SelectorLabel(Some(_))
        ));
        assert!(matches!(place("foo{a=\"x\", code=~\"5"), Place::LabelValue(_, l) if l == "code"));
        assert!(matches!(place("foo{a=\"}\", code=\""), Place::LabelValue(_, l) if l == "code"));
        assert!(matches!(place("sum by (ro"), Place::ClauseLabel));
        assert!(matches!(
            place("sum(rate(x[5m])) without ("),
            Place::ClauseLabel
        ));
        assert!(matches!(place("sum(rate(x[5m])) + ra"), Place::Expression));
        assert!(matches!(place("rate("), Place::Expression));
    }
}
