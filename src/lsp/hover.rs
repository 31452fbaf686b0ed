//! Hover: what the catalog and the rules say about the name under the cursor.

use super::convert;
use super::cursor::{self, Node};
use super::navigation::{record_definitions, Definition};
use super::workspace::Workspace;
use crate::catalog::{flow, Catalog, Origin};
use crate::promconfig::Facts;
use crate::promql::analysis::{analyze, Presence};
use crate::promql::ast::Expr;
use crate::promql::{function_docs, functions};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};
use std::fmt::Write as _;
use std::path::Path;

/// How many known values of a label a hover lists.
const MAX_VALUES: usize = 12;

pub fn hover(workspace: &mut Workspace, path: &Path, position: Position) -> Option<Hover> {
    workspace.loaded(path)?;
    workspace.catalog();
    let workspace: &Workspace = workspace;
    let state = workspace.files.get(path)?;
    let offset = convert::offset(state.source()?, position);
    let loaded = state.unit_at(offset)?;
    let (view, at) = cursor::expr_at(loaded, offset)?;
    let catalog = workspace.current_catalog();
    let facts = workspace.prometheus();
    let (text, span) = match view.expr.and_then(|expr| cursor::node_at(expr, at)) {
        Some(Node::Metric(selector, span)) => {
            let name = selector
                .metric_name()
                .map(|(name, _)| name.to_string())
                .unwrap_or_else(|| view.source[span.clone()].to_string());
            (metric(workspace, catalog, &name), span)
        }
        Some(Node::Function(name, span)) => (function(name)?, span),
        Some(Node::MatcherLabel(selector, label, span)) => {
            let expr = Expr::Selector(Box::new(selector.clone()));
            (
                label_here(&expr, label, catalog, facts, view.source, "this selector"),
                span,
            )
        }
        Some(Node::GroupingLabel(inner, label, span)) => (
            label_here(
                inner,
                label,
                catalog,
                facts,
                view.source,
                "the aggregated expression",
            ),
            span,
        ),
        Some(Node::MatchingLabel(side, label, span)) => (
            label_here(
                side,
                label,
                catalog,
                facts,
                view.source,
                "the left-hand side",
            ),
            span,
        ),
        None => {
            // While an expression is being typed it may not parse: go by the word.
            let span = cursor::word_at(view.source, at);
            let word = &view.source[span.clone()];
            if word.is_empty() {
                return None;
            }
            let called = view.source[span.end..].trim_start().starts_with('(');
            match functions::lookup(word) {
                Some(_) if called => (function(word)?, span),
                _ => (metric(workspace, catalog, word), span),
            }
        }
    };
    let file_span = view.map.span_to_file(span);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(convert::range(&loaded.file, &file_span)),
    })
}

/// A metric: its catalog entry, and the recording rules that write it.
fn metric(workspace: &Workspace, catalog: Option<&Catalog>, name: &str) -> String {
    let mut out = format!("**{name}**");
    let series = catalog.and_then(|catalog| catalog.series(name));
    match series {
        Some(series) => {
            let family = series.family;
            let _ = write!(out, " · {}", family.kind.as_str());
            if family.name != name {
                let _ = write!(out, " (a series of `{}`)", family.name);
            }
            out.push_str("\n\n");
            if let Some(help) = &family.help {
                let _ = writeln!(out, "{help}\n");
            }
            if let Some(unit) = &family.unit {
                let _ = writeln!(out, "unit: `{unit}`\n");
            }
            let labels = label_list(family);
            if !labels.is_empty() {
                let complete = if family.labels_complete {
                    ""
                } else {
                    " (maybe more)"
                };
                let _ = writeln!(out, "labels{complete}: {labels}\n");
            }
            if family.origin != Origin::Recorded {
                if let Some(catalog) = catalog {
                    let targets: Vec<String> = catalog
                        .target_labels
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect();
                    if !targets.is_empty() {
                        let _ = writeln!(out, "target labels: {}\n", targets.join(", "));
                    }
                }
            }
        }
        None if catalog.is_some() => out.push_str("\n\nnot in the metric catalog\n\n"),
        None => out.push_str("\n\n"),
    }
    let definitions = record_definitions(workspace, name);
    for Definition {
        path, line, group, ..
    } in &definitions
    {
        let shown = path.strip_prefix(&workspace.root).unwrap_or(path);
        let _ = writeln!(
            out,
            "recorded by a rule in `{}:{line}` (group `{group}`)\n",
            shown.display()
        );
    }
    out.trim_end().to_string()
}

fn label_list(family: &crate::catalog::MetricFamily) -> String {
    family
        .labels
        .iter()
        .map(|(label, values)| match values {
            Some(values) if !values.is_empty() => {
                let shown: Vec<&str> = values.iter().take(MAX_VALUES).map(String::as_str).collect();
                let more = if values.len() > MAX_VALUES {
                    ", ..."
                } else {
                    ""
                };
                format!("`{label}` ({}{more})", shown.join(", "))
            }
            _ => format!("`{label}`"),
        })
        .chain(
            family
                .label_prefixes
                .iter()
                .map(|prefix| format!("`{prefix}*`")),
        )
        .collect::<Vec<_>>()
        .join(", ")
}

/// A function: its signature and what it does.
fn function(name: &str) -> Option<String> {
    let function = functions::lookup(name)?;
    let mut out = format!("```promql\n{}\n```\n", function_docs::signature(function));
    if let Some(docs) = function_docs::docs(name) {
        let _ = writeln!(out, "\n{docs}");
    }
    if function.experimental {
        out.push_str("\nNeeds `--enable-feature=promql-experimental-functions`.\n");
    }
    Some(out.trim_end().to_string())
}

/// What the Prometheus configuration says of a label: the jobs whose scrape adds it
/// (and, for `job`, every job name), or that it is an external label.
fn prometheus_label(out: &mut String, facts: &Facts, label: &str) {
    let jobs: Vec<String> = facts
        .jobs
        .iter()
        .filter(|job| job.target_labels.contains(label))
        .map(|job| format!("`{}`", job.name))
        .collect();
    if !jobs.is_empty() {
        let _ = writeln!(
            out,
            "- prometheus.yml: the scrape of {} adds it",
            jobs.join(", ")
        );
    }
    if label == "job" {
        if let Some(names) = facts.job_names() {
            let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            let _ = writeln!(out, "- prometheus.yml: its values are {}", names.join(", "));
        }
    }
    if facts.external_labels.contains(label) {
        let _ = writeln!(
            out,
            "- prometheus.yml: an external label; Prometheus adds it to alerts and remote writes, not to the series a rule reads"
        );
    }
}

/// A label at a point of an expression: whether the series there carry it, and where
/// it comes from (the label flow of the analysis, then the catalog per selector).
fn label_here(
    expr: &Expr,
    label: &str,
    catalog: Option<&Catalog>,
    facts: Option<&Facts>,
    source: &str,
    what: &str,
) -> String {
    let mut out = format!("**label `{label}`** on {what}\n\n");
    let info = analyze(expr);
    let presence = info.labels.presence(label);
    let reason = info
        .labels
        .reason(label)
        .and_then(|span| source.get(span))
        .map(|text| format!(" (decided by `{}`)", text.trim()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "- {}{reason}",
        match presence {
            Presence::Surely => "every series there has it",
            Presence::Maybe => "series there may have it",
            Presence::Never => "no series there can have it",
        }
    );
    if let Some(facts) = facts {
        prometheus_label(&mut out, facts, label);
    }
    let Some(catalog) = catalog else {
        return out.trim_end().to_string();
    };
    if let Some(can) = flow::labels(expr, catalog).can_carry(label) {
        let _ = writeln!(
            out,
            "- catalog: the result {} carry it",
            if can { "can" } else { "cannot" }
        );
    }
    for selector in crate::promql::analysis::selectors(expr) {
        let Some((name, _)) = selector.metric_name() else {
            continue;
        };
        let Some(series) = catalog.series(name) else {
            let _ = writeln!(out, "- `{name}`: not in the catalog");
            continue;
        };
        let source =
            if series.family.origin != Origin::Recorded && catalog.target_labels.contains(label) {
                "a target label the scrape adds".to_string()
            } else {
                match series.has_label(label, catalog) {
                    Some(true) => match series.family.labels.get(label) {
                        Some(Some(values)) if !values.is_empty() => {
                            let shown: Vec<&str> =
                                values.iter().take(MAX_VALUES).map(String::as_str).collect();
                            format!("a label of the metric (values: {})", shown.join(", "))
                        }
                        _ => "a label of the metric".to_string(),
                    },
                    Some(false) => "not carried by this metric".to_string(),
                    None => "unknown (the catalog does not list all its labels)".to_string(),
                }
            };
        let origin = match series.family.origin {
            Origin::Recorded => " (recorded series)",
            _ => "",
        };
        let _ = writeln!(out, "- `{name}`{origin}: {source}");
    }
    out.trim_end().to_string()
}
