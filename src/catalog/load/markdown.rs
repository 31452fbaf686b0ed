//! Metric tables in Markdown, as kube-state-metrics documents its metrics:
//! `| Metric name | Metric type | Description | Unit | Labels/tags | Status | Opt-in |`.
//!
//! We read these because kube-state-metrics publishes no machine-readable list of all
//! its metrics (its stable-metrics YAML covers under half of them) and its metrics are
//! among the most used in real rules. Labels are written `` `pod`=&lt;pod-name&gt; ``;
//! placeholders such as `label_POD_LABEL` or `hugepages_*` stand for dynamic labels and
//! become label prefixes (`label_`, `hugepages_`); `&lt;A\|B&gt;` lists known values.

use super::LoadError;
use crate::catalog::{Catalog, MetricFamily, MetricType};
use std::collections::BTreeSet;

struct Columns {
    name: usize,
    kind: usize,
    help: Option<usize>,
    unit: Option<usize>,
    labels: Option<usize>,
}

pub fn load(path: &str, text: &str) -> Result<Catalog, LoadError> {
    let mut catalog = Catalog::new();
    let mut columns: Option<Columns> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if !trimmed.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = split_row(trimmed);
        if let Some(header) = header_columns(&cells) {
            columns = Some(header);
            continue;
        }
        let Some(cols) = &columns else { continue };
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
        {
            continue; // the separator row
        }
        let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
        let name = cell(cols.name).trim_matches('`');
        if name.is_empty() {
            continue;
        }
        let column = line
            .find(name)
            .map_or(1, |at| line[..at].chars().count() + 1);
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            return Err(LoadError::at(
                path,
                index + 1,
                column,
                format!("`{name}` is not a metric name"),
            ));
        }
        let type_text = cell(cols.kind);
        let kind = MetricType::parse(type_text).ok_or_else(|| {
            LoadError::at(
                path,
                index + 1,
                column,
                format!("unknown metric type `{type_text}` for `{name}`"),
            )
        })?;
        let mut family = MetricFamily::new(name, kind);
        family.help = cols
            .help
            .map(cell)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        family.unit = cols
            .unit
            .map(cell)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if let Some(labels_col) = cols.labels {
            read_labels(cell(labels_col), &mut family);
            family.labels_complete = true;
        }
        catalog.insert(family);
    }
    Ok(catalog)
}

fn header_columns(cells: &[&str]) -> Option<Columns> {
    let find = |needle: &str| {
        cells
            .iter()
            .position(|c| c.trim().to_ascii_lowercase().starts_with(needle))
    };
    Some(Columns {
        name: find("metric name")?,
        kind: find("metric type")?,
        help: find("description"),
        unit: find("unit"),
        labels: find("labels"),
    })
}

/// Splits a table row on `|` that are not escaped as `\|`.
fn split_row(row: &str) -> Vec<&str> {
    let inner = row.strip_prefix('|').unwrap_or(row);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut start = 0;
    let bytes = inner.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'|' && (i == 0 || bytes[i - 1] != b'\\') {
            cells.push(&inner[start..i]);
            start = i + 1;
        }
    }
    cells.push(&inner[start..]);
    cells
}

/// Reads `` `name`=&lt;values&gt; `` entries of a labels cell.
fn read_labels(cell: &str, family: &mut MetricFamily) {
    let mut rest = cell;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else { break };
        // Some rows write `` `effect=`&lt;...&gt; `` with the `=` inside the backticks.
        let label = after[..close].trim_end_matches('=');
        rest = &after[close + 1..];
        if label.is_empty() || label.contains(' ') {
            continue;
        }
        if let Some(prefix) = dynamic_prefix(label) {
            family.label_prefixes.insert(prefix);
            continue;
        }
        let values = rest
            .strip_prefix("=&lt;")
            .and_then(|v| v.split_once("&gt;"))
            .map(|(inside, _)| inside)
            .filter(|inside| inside.contains("\\|"))
            .map(|inside| {
                inside
                    .split("\\|")
                    .map(|v| v.trim().to_string())
                    .collect::<BTreeSet<_>>()
            });
        family.labels.insert(label.to_string(), values);
    }
}

/// `label_POD_LABEL` -> `label_`, `hugepages_*` -> `hugepages_`.
fn dynamic_prefix(label: &str) -> Option<String> {
    if let Some(prefix) = label.strip_suffix('*') {
        return Some(prefix.to_string());
    }
    let upper = label.find(|c: char| c.is_ascii_uppercase())?;
    Some(label[..upper].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Pod Metrics\n\n| Metric name | Metric type | Description | Unit (where applicable) | Labels/tags | Status |\n| --- | --- | --- | --- | --- | --- |\n| kube_pod_status_phase | Gauge | The pods current phase | | `pod`=&lt;pod-name&gt; <br> `phase`=&lt;Pending\\|Running&gt; | STABLE |\n| kube_pod_labels | Gauge | Labels | | `pod`=&lt;pod-name&gt; <br> `label_POD_LABEL`=&lt;POD_LABEL&gt; <br> `hugepages_*`=&lt;x&gt; | STABLE |\n| kube_pod_start_time | Gauge | Start | seconds | `pod`=&lt;pod-name&gt; | STABLE |\n";

    #[test]
    fn reads_names_types_labels_and_placeholders() {
        let mut catalog = load("pod-metrics.md", DOC).unwrap();
        catalog.finish();
        let phase = catalog.family("kube_pod_status_phase").unwrap();
        assert_eq!(phase.kind, MetricType::Gauge);
        assert_eq!(
            phase.labels["phase"]
                .as_ref()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            ["Pending", "Running"]
        );
        assert!(phase.labels_complete);
        let labels = catalog.family("kube_pod_labels").unwrap();
        assert_eq!(
            labels.label_prefixes.iter().collect::<Vec<_>>(),
            ["hugepages_", "label_"]
        );
        assert_eq!(labels.labels.keys().collect::<Vec<_>>(), ["pod"]);
        assert_eq!(
            catalog
                .family("kube_pod_start_time")
                .unwrap()
                .unit
                .as_deref(),
            Some("seconds")
        );
    }

    #[test]
    fn bad_types_are_errors_with_position() {
        let doc = "| Metric name | Metric type |\n|---|---|\n| kube_x | Meter |\n";
        let err = load("x.md", doc).unwrap_err();
        assert_eq!((err.line, err.column), (3, 3));
    }
}
