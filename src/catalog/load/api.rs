//! Saved answers of Prometheus' metadata endpoints.
//!
//! `/api/v1/metadata`: `{"status":"success","data":{"<metric>":[{"type","help","unit"}]}}`.
//! `/api/v1/targets/metadata`: `{"status":"success","data":[{"target":{...},"metric",
//! "type","help","unit"}]}`. Neither lists a metric's labels (the target labels of the
//! second are the scrape's, not the metric's), so label checks stay silent on these
//! families; and neither tells a native histogram from a classic one.

use super::tree::{Node, Value};
use super::LoadError;
use crate::catalog::{Catalog, MetricFamily, MetricType};

pub fn load(path: &str, root: &Node) -> Result<Catalog, LoadError> {
    let error =
        |node: &Node, message: String| LoadError::at(path, node.pos.line, node.pos.column, message);
    if let Some(status) = root.get("status") {
        if status.as_str() != Some("success") {
            let detail = root
                .get("error")
                .and_then(Node::as_str)
                .unwrap_or("no error text");
            return Err(error(
                status,
                format!("the saved API answer is not a success: {detail}"),
            ));
        }
    }
    let data = root
        .get("data")
        .ok_or_else(|| error(root, "expected a `data` field".to_string()))?;
    let mut catalog = Catalog::new();
    match &data.value {
        Value::Mapping(entries) => {
            for (name, list) in entries {
                let name = name
                    .as_str()
                    .ok_or_else(|| error(name, "expected a metric name".to_string()))?;
                let Value::Sequence(items) = &list.value else {
                    return Err(error(
                        list,
                        format!("expected a list of metadata for `{name}`"),
                    ));
                };
                for item in items {
                    catalog.insert(family(path, name, item)?);
                }
            }
        }
        Value::Sequence(items) => {
            for item in items {
                let name = item
                    .get("metric")
                    .and_then(Node::as_str)
                    .ok_or_else(|| error(item, "expected a `metric` field".to_string()))?;
                catalog.insert(family(path, name, item)?);
            }
        }
        Value::Scalar(..) => {
            return Err(error(
                data,
                "expected `data` to be an object or a list".to_string(),
            ))
        }
    }
    Ok(catalog)
}

fn family(path: &str, name: &str, item: &Node) -> Result<MetricFamily, LoadError> {
    let kind = match item.get("type") {
        None => MetricType::Unknown,
        Some(node) => {
            let text = node.as_str().unwrap_or_default();
            MetricType::parse(text).ok_or_else(|| {
                LoadError::at(
                    path,
                    node.pos.line,
                    node.pos.column,
                    format!("unknown metric type `{text}` for `{name}`"),
                )
            })?
        }
    };
    let mut family = MetricFamily::new(name, kind);
    let text = |key: &str| {
        item.get(key)
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    family.help = text("help");
    family.unit = text("unit");
    Ok(family)
}

#[cfg(test)]
mod tests {
    use super::super::load_str;
    use crate::catalog::MetricType;

    #[test]
    fn reads_metadata_endpoint() {
        let text = r#"{"status":"success","data":{"http_requests_total":[{"type":"counter","help":"Requests.","unit":""}],
            "rpc_seconds":[{"type":"histogram","help":"RPC.","unit":"seconds"}]}}"#;
        let catalog = load_str("meta.json", text).unwrap();
        let counter = catalog.family("http_requests_total").unwrap();
        assert_eq!(counter.kind, MetricType::Counter);
        assert_eq!(counter.unit, None);
        assert!(!counter.labels_complete);
        let h = catalog.family("rpc_seconds").unwrap();
        assert_eq!(h.native_histogram, None);
        assert!(
            catalog.series("rpc_seconds").is_some(),
            "native-or-classic unknown: bare name allowed"
        );
    }

    #[test]
    fn reads_targets_metadata_endpoint() {
        let text = r#"{"status":"success","data":[
          {"target":{"instance":"a:9100","job":"node"},"metric":"node_load1","type":"gauge","help":"1m load.","unit":""},
          {"target":{"instance":"b:9100","job":"node"},"metric":"node_load1","type":"gauge","help":"1m load.","unit":""}]}"#;
        let catalog = load_str("targets.json", text).unwrap();
        assert_eq!(catalog.len(), 1);
        assert_eq!(
            catalog.family("node_load1").unwrap().kind,
            MetricType::Gauge
        );
    }

    #[test]
    fn errors_point_at_the_bad_value() {
        let text = "{\"status\":\"success\",\"data\":{\"m\":[{\"type\":\"countr\"}]}}";
        let err = load_str("meta.json", text).unwrap_err();
        assert_eq!((err.line, err.column), (1, 42));
        let err = load_str(
            "meta.json",
            "{\"status\":\"error\",\"error\":\"boom\",\"data\":null}",
        )
        .unwrap_err();
        assert!(err.message.contains("boom"), "{err}");
    }
}
