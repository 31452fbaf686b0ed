//! Dashboards embedded in Kubernetes YAML: `ConfigMap` / `ConfigMapList` `data` values
//! (kube-prometheus, the Helm sidecar) and grafana-operator `GrafanaDashboard.spec.json`.
//! Positions compose through the YAML scalar's map into the embedded JSON.

use super::{load_embedded, Loaded};
use crate::yaml::{Document, Node};

/// The dashboards held by the YAML documents of a file; `None` when the file holds no
/// Kubernetes object that embeds a dashboard.
pub fn load_documents(documents: &[Document]) -> Option<Loaded> {
    let mut loaded = Loaded::default();
    let mut found = false;
    for document in documents {
        let Some(root) = &document.root else { continue };
        found |= load_object(root, &mut loaded);
    }
    found.then_some(loaded)
}

/// Whether a YAML document is an object that can embed dashboards, without loading.
pub fn embeds_dashboards(documents: &[Document]) -> bool {
    documents
        .iter()
        .filter_map(|d| d.root.as_ref())
        .any(|root| !dashboard_strings(root).is_empty())
}

fn load_object(root: &Node, loaded: &mut Loaded) -> bool {
    let strings = dashboard_strings(root);
    for (key, node) in &strings {
        let Some(scalar) = node.as_scalar() else {
            continue;
        };
        let one = load_embedded(&scalar.value, &scalar.map, key);
        loaded.recognised |= one.recognised;
        loaded.dashboards.extend(one.dashboards);
        loaded.problems.extend(one.problems);
    }
    !strings.is_empty()
}

/// `(key, value node)` of every string that should hold a dashboard.
fn dashboard_strings(root: &Node) -> Vec<(String, &Node)> {
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    let mut out = Vec::new();
    match kind {
        "ConfigMapList" | "List" => {
            for item in root
                .get("items")
                .map(|i| i.items().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                out.extend(dashboard_strings(item));
            }
        }
        "ConfigMap" => {
            for entry in root
                .get("data")
                .map(|d| d.entries().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                let Some(key) = entry.key.as_str() else {
                    continue;
                };
                let Some(value) = entry.value.as_str() else {
                    continue;
                };
                // Only `.json` keys, or values that are plainly a JSON object: a ConfigMap
                // also carries provisioning YAML and other files.
                if key.ends_with(".json") || value.trim_start().starts_with('{') {
                    out.push((key.to_string(), &entry.value));
                }
            }
        }
        "GrafanaDashboard" => {
            if let Some(json) = root.get("spec").and_then(|s| s.get("json")) {
                if json.as_str().is_some() {
                    out.push(("spec.json".to_string(), json));
                }
            }
        }
        _ => {}
    }
    out
}
