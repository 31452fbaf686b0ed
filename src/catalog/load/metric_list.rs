//! YAML metric lists as Kubernetes' instrumentation tests write them: a list of
//! `{name, namespace, subsystem, help, type, labels, constLabels, stabilityLevel,
//! buckets}`. The full name is `namespace_subsystem_name` (absent parts skipped). The
//! lists come from static analysis of the code, so a `labels` list is complete; type
//! `Custom` (a collector the analysis could not see into) is unknown, labels and all.

use super::tree::{Node, Value};
use super::LoadError;
use crate::catalog::{Catalog, MetricFamily, MetricType};

pub fn load(path: &str, root: &Node) -> Result<Catalog, LoadError> {
    let error =
        |node: &Node, message: String| LoadError::at(path, node.pos.line, node.pos.column, message);
    let Value::Sequence(items) = &root.value else {
        return Err(error(root, "expected a list of metrics".to_string()));
    };
    let mut catalog = Catalog::new();
    for item in items {
        let Value::Mapping(_) = item.value else {
            return Err(error(
                item,
                format!("expected a metric mapping, found {}", item.kind_name()),
            ));
        };
        let text = |key: &str| {
            item.get(key)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
        };
        let name = text("name").ok_or_else(|| error(item, "expected a `name`".to_string()))?;
        let full_name = [text("namespace"), text("subsystem"), Some(name)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("_");
        let type_text = text("type").unwrap_or("unknown");
        let kind = MetricType::parse(type_text).ok_or_else(|| {
            let node = item.get("type").unwrap_or(item);
            error(
                node,
                format!("unknown metric type `{type_text}` for `{full_name}`"),
            )
        })?;
        let mut family = MetricFamily::new(full_name, kind);
        family.help = text("help").map(str::to_string);
        family.labels_complete = kind != MetricType::Unknown;
        if let Some(labels) = item.get("labels") {
            let Value::Sequence(names) = &labels.value else {
                return Err(error(
                    labels,
                    "expected `labels` to be a list of names".to_string(),
                ));
            };
            for label in names {
                let label = label
                    .as_str()
                    .ok_or_else(|| error(label, "expected a label name".to_string()))?;
                family.labels.insert(label.to_string(), None);
            }
        }
        if let Some(Value::Mapping(entries)) = item.get("constLabels").map(|n| &n.value) {
            for (key, value) in entries {
                if let (Some(key), Some(value)) = (key.as_str(), value.as_str()) {
                    family
                        .labels
                        .insert(key.to_string(), Some([value.to_string()].into()));
                }
            }
        }
        if kind == MetricType::Histogram {
            // These lists describe classic (`buckets`) histograms.
            family.native_histogram = Some(false);
        }
        catalog.insert(family);
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::super::load_str;
    use crate::catalog::MetricType;

    #[test]
    fn joins_namespace_subsystem_and_name() {
        let text = "- name: request_total\n  subsystem: ''\n  namespace: apiserver\n  help: Requests.\n  type: Counter\n  labels:\n  - verb\n  - code\n- name: sync_seconds\n  subsystem: kubelet\n  type: Histogram\n- name: things\n  type: Custom\n";
        let catalog = load_str("list.yaml", text).unwrap();
        let counter = catalog.family("apiserver_request_total").unwrap();
        assert_eq!(counter.kind, MetricType::Counter);
        assert!(counter.labels_complete);
        assert_eq!(counter.labels.keys().collect::<Vec<_>>(), ["code", "verb"]);
        let histogram = catalog.family("kubelet_sync_seconds").unwrap();
        assert!(histogram.labels.is_empty() && histogram.labels_complete);
        assert!(catalog.series("kubelet_sync_seconds").is_none());
        assert!(!catalog.family("things").unwrap().labels_complete);
    }

    #[test]
    fn rejects_unknown_types_with_position() {
        let err = load_str("list.yaml", "- name: a\n  type: Meter\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 9));
    }
}
