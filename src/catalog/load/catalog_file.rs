//! promgate's own catalog file, YAML or JSON (schema: `schemas/catalog.schema.json`,
//! docs: `docs/catalog.md`). Strict: unknown keys are errors, so a typo in a key does
//! not silently weaken the checks.

use super::tree::{Entries, Node, Value};
use super::LoadError;
use crate::catalog::{Catalog, JobFacts, MetricFamily, MetricType};
use std::collections::{BTreeMap, BTreeSet};

const TOP_KEYS: [&str; 8] = [
    "version",
    "complete",
    "target_labels",
    "exclude_namespaces",
    "scrape_interval",
    "evaluation_interval",
    "jobs",
    "metrics",
];
const METRIC_KEYS: [&str; 8] = [
    "type",
    "help",
    "unit",
    "labels",
    "labels_complete",
    "label_values",
    "label_prefixes",
    "native_histogram",
];

struct Ctx<'a> {
    path: &'a str,
}

impl Ctx<'_> {
    fn error(&self, node: &Node, message: impl Into<String>) -> LoadError {
        LoadError::at(self.path, node.pos.line, node.pos.column, message)
    }

    fn mapping<'n, 't>(
        &self,
        node: &'n Node<'t>,
        what: &dyn std::fmt::Display,
        allowed: &[&str],
    ) -> Result<&'n [(Node<'t>, Node<'t>)], LoadError> {
        let Value::Mapping(entries) = &node.value else {
            return Err(self.error(
                node,
                format!(
                    "expected {what} to be a mapping, found {}",
                    node.kind_name()
                ),
            ));
        };
        for (key, _) in entries {
            let name = key.as_str().unwrap_or_default();
            if !allowed.is_empty() && !allowed.contains(&name) {
                return Err(self.error(
                    key,
                    format!(
                        "unknown key `{name}` in {what} (expected one of: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(entries)
    }

    fn string(&self, node: &Node, what: &str) -> Result<String, LoadError> {
        self.text(node, what).map(str::to_string)
    }

    /// [`Self::string`] without copying it.
    fn text<'n>(&self, node: &'n Node, what: &str) -> Result<&'n str, LoadError> {
        match &node.value {
            Value::Scalar(text, _) if !node.is_null() => Ok(text),
            _ => Err(self.error(node, format!("expected {what} to be a string"))),
        }
    }

    fn boolean(&self, node: &Node, what: &str) -> Result<bool, LoadError> {
        match node.as_str() {
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            _ => Err(self.error(node, format!("expected {what} to be true or false"))),
        }
    }

    /// A Prometheus duration (`15s`, `1m30s`), kept as written.
    fn duration(&self, node: &Node, what: &str) -> Result<String, LoadError> {
        let text = self.string(node, what)?;
        crate::rules::duration::parse_duration(&text)
            .map_err(|e| self.error(node, format!("{what}: {e}")))?;
        Ok(text)
    }

    fn strings(&self, node: &Node, what: &str) -> Result<BTreeSet<String>, LoadError> {
        let Value::Sequence(items) = &node.value else {
            return Err(self.error(node, format!("expected {what} to be a list of strings")));
        };
        items.iter().map(|item| self.string(item, what)).collect()
    }

    /// Each string of a list, in order, to `keep`.
    fn each_string(
        &self,
        node: &Node,
        what: &str,
        keep: &mut dyn FnMut(String),
    ) -> Result<(), LoadError> {
        let Value::Sequence(items) = &node.value else {
            return Err(self.error(node, format!("expected {what} to be a list of strings")));
        };
        for item in items {
            keep(self.string(item, what)?);
        }
        Ok(())
    }
}

/// The catalog being read: the metric families go in as the parser hands them over.
struct Families<'c> {
    ctx: &'c Ctx<'c>,
    catalog: Catalog,
}

impl<'t> Entries<'t> for Families<'_> {
    fn entry(&mut self, name: Node<'t>, spec: Node<'t>) -> Result<(), LoadError> {
        let name = self.ctx.string(&name, "a metric name")?;
        self.catalog.insert(family(self.ctx, name, &spec)?);
        Ok(())
    }

    fn forget(&mut self) {
        self.catalog = Catalog::new();
    }
}

pub fn load(path: &str, text: &str) -> Result<Catalog, LoadError> {
    let ctx = Ctx { path };
    // The metrics are read one by one as the parser meets them (see `parse_streaming`).
    let mut families = Families {
        ctx: &ctx,
        catalog: Catalog::new(),
    };
    let root = super::tree::parse_streaming(path, text, "metrics", &mut families)?
        .ok_or_else(|| LoadError::whole(path, "the file is empty"))?;
    let entries = ctx.mapping(&root, &"the catalog", &TOP_KEYS)?;
    let mut catalog = families.catalog;
    if root.get("metrics").is_none() {
        return Err(ctx.error(&root, "a promgate catalog needs a `metrics` mapping"));
    }
    for (key, value) in entries {
        match key.as_str().unwrap_or_default() {
            "version" => {
                if value.as_str() != Some("1") {
                    return Err(ctx.error(
                        value,
                        "unsupported catalog version (this promgate reads version 1)",
                    ));
                }
            }
            "complete" => catalog.complete = ctx.boolean(value, "`complete`")?,
            "target_labels" => {
                catalog
                    .target_labels
                    .extend(ctx.strings(value, "`target_labels`")?);
                catalog.target_labels_declared = true;
            }
            "exclude_namespaces" => {
                catalog.exclude_namespaces = ctx.strings(value, "`exclude_namespaces`")?
            }
            "scrape_interval" => {
                catalog.scrape.scrape_interval = Some(ctx.duration(value, "`scrape_interval`")?)
            }
            "evaluation_interval" => {
                catalog.scrape.evaluation_interval =
                    Some(ctx.duration(value, "`evaluation_interval`")?)
            }
            "jobs" => catalog.scrape.jobs = Some(jobs(&ctx, value)?),
            // Its entries were read while parsing; what is left must be the mapping.
            _ => {
                ctx.mapping(value, &"`metrics`", &[])?;
            }
        }
    }
    Ok(catalog)
}

/// `jobs: {name: {scrape_interval: 15s}, other: {}}`.
fn jobs(ctx: &Ctx, node: &Node) -> Result<BTreeMap<String, JobFacts>, LoadError> {
    let mut jobs = BTreeMap::new();
    for (name, spec) in ctx.mapping(node, &"`jobs`", &[])? {
        let name = ctx.string(name, "a job name")?;
        let mut job = JobFacts::default();
        if !spec.is_null() {
            ctx.mapping(spec, &format_args!("job `{name}`"), &["scrape_interval"])?;
            if let Some(interval) = spec.get("scrape_interval") {
                job.scrape_interval = Some(ctx.duration(interval, "`scrape_interval`")?);
            }
        }
        jobs.insert(name, job);
    }
    Ok(jobs)
}

/// "metric `name`", written out only in an error message.
struct MetricWhat<'n>(&'n str);

impl std::fmt::Display for MetricWhat<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "metric `{}`", self.0)
    }
}

fn family(ctx: &Ctx, name: String, spec: &Node) -> Result<MetricFamily, LoadError> {
    let what = MetricWhat(&name);
    ctx.mapping(spec, &what, &METRIC_KEYS)?;
    let type_node = spec
        .get("type")
        .ok_or_else(|| ctx.error(spec, format!("{what} needs a `type`")))?;
    let type_text = ctx.text(type_node, "`type`")?;
    let kind = MetricType::parse(type_text).ok_or_else(|| {
        ctx.error(
            type_node,
            format!(
                "unknown metric type `{type_text}` (expected one of: {})",
                MetricType::ALL.map(MetricType::as_str).join(", ")
            ),
        )
    })?;
    let mut family = MetricFamily::new(name, kind);
    if let Some(help) = spec.get("help") {
        family.help = Some(ctx.string(help, "`help`")?);
    }
    if let Some(unit) = spec.get("unit") {
        family.unit = Some(ctx.string(unit, "`unit`")?);
    }
    if let Some(labels) = spec.get("labels") {
        ctx.each_string(labels, "`labels`", &mut |label| {
            family.labels.insert(label, None);
        })?;
        family.labels_complete = true;
    }
    if let Some(complete) = spec.get("labels_complete") {
        family.labels_complete = ctx.boolean(complete, "`labels_complete`")?;
    }
    if let Some(values) = spec.get("label_values") {
        for (label, list) in ctx.mapping(values, &"`label_values`", &[])? {
            let label_name = ctx.string(label, "a label name")?;
            let set = ctx.strings(list, "label values")?;
            if spec.get("labels").is_some() && !family.labels.contains_key(&label_name) {
                return Err(ctx.error(
                    label,
                    format!("`{label_name}` has values but is not in `labels`"),
                ));
            }
            family.labels.insert(label_name, Some(set));
        }
    }
    if let Some(prefixes) = spec.get("label_prefixes") {
        family.label_prefixes = ctx.strings(prefixes, "`label_prefixes`")?;
    }
    if let Some(native) = spec.get("native_histogram") {
        family.native_histogram = match native.as_str() {
            Some("unknown") => None,
            _ => Some(ctx.boolean(native, "`native_histogram` (or `unknown`)")?),
        };
    } else if matches!(kind, MetricType::Histogram) {
        family.native_histogram = Some(false);
    }
    Ok(family)
}

#[cfg(test)]
mod tests {
    use super::super::load_str;
    use crate::catalog::{write, MetricType};

    pub(super) const YAML: &str = "\
version: 1
complete: true
target_labels: [cluster]
exclude_namespaces: [go]
metrics:
  http_request_duration_seconds:
    type: histogram
    help: Duration of HTTP requests in seconds
    unit: seconds
    labels: [method, route, status_code]
    label_values:
      method: [GET, POST]
  kube_pod_labels:
    type: gauge
    labels: [pod, namespace]
    label_prefixes: [label_]
  mystery:
    type: untyped
";

    #[test]
    fn reads_every_field() {
        let catalog = load_str("catalog.yml", YAML).unwrap();
        assert!(catalog.complete);
        assert!(catalog.target_labels.contains("cluster") && catalog.target_labels.contains("job"));
        assert!(catalog.is_excluded("go_goroutines"));
        let h = catalog.family("http_request_duration_seconds").unwrap();
        assert_eq!(h.kind, MetricType::Histogram);
        assert_eq!(h.native_histogram, Some(false));
        assert_eq!(h.labels["method"].as_ref().unwrap().len(), 2);
        let pods = catalog.family("kube_pod_labels").unwrap();
        let series = catalog.series("kube_pod_labels").unwrap();
        assert_eq!(series.has_label("label_app", &catalog), Some(true));
        assert_eq!(series.has_label("app", &catalog), Some(false));
        assert!(pods.labels_complete);
        assert!(!catalog.family("mystery").unwrap().labels_complete);
    }

    #[test]
    fn json_and_yaml_round_trip_through_the_writer() {
        let catalog = load_str("catalog.yml", YAML).unwrap();
        let written = write::to_yaml(&catalog);
        let again = load_str("again.yml", &written).unwrap();
        assert_eq!(write::to_yaml(&again), written);
        let json = "{\"metrics\": {\"up2\": {\"type\": \"gauge\", \"labels\": [\"a\"]}}}";
        let catalog = load_str("c.json", json).unwrap();
        assert_eq!(catalog.family("up2").unwrap().kind, MetricType::Gauge);
    }

    pub(super) const SCRAPE: &str = "scrape_interval: 15s\nevaluation_interval: 1m\njobs:\n  api: {scrape_interval: 5s}\n  node: {}\n  web:\nmetrics: {}\n";

    #[test]
    fn scrape_facts_round_trip() {
        let catalog = load_str("c.yml", SCRAPE).unwrap();
        assert_eq!(catalog.scrape.interval_of("api"), Some("5s"));
        assert_eq!(catalog.scrape.interval_of("node"), Some("15s"));
        assert_eq!(catalog.scrape.jobs.as_ref().unwrap().len(), 3);
        let written = write::to_yaml(&catalog);
        assert!(
            written.contains("scrape_interval: \"15s\"\nevaluation_interval: \"1m\"\njobs:\n  api: {scrape_interval: \"5s\"}\n  node: {}\n  web: {}\n"),
            "{written}"
        );
        assert_eq!(
            load_str("again.yml", &written).unwrap().scrape,
            catalog.scrape
        );
        let err = load_str(
            "c.yml",
            "jobs: {api: {scrape_interval: soon}}\nmetrics: {}\n",
        )
        .unwrap_err();
        assert_eq!((err.line, err.column), (1, 31));
        assert!(err.message.contains("not a valid duration"), "{err}");
        let err = load_str("c.yml", "jobs: {api: {interval: 5s}}\nmetrics: {}\n").unwrap_err();
        assert!(err.message.contains("unknown key `interval`"), "{err}");
    }

    #[test]
    fn unknown_keys_and_types_are_errors_with_positions() {
        let err = load_str(
            "c.yml",
            "metrics:\n  a:\n    type: gauge\n    lables: [x]\n",
        )
        .unwrap_err();
        assert_eq!((err.line, err.column), (4, 5));
        assert!(err.message.contains("unknown key `lables`"), "{err}");
        let err = load_str("c.yml", "metrics:\n  a:\n    type: meter\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 11));
        let err = load_str("c.yml", "version: 2\nmetrics: {}\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 10));
    }
}

/// Every catalog file we ship or write validates against `schemas/catalog.schema.json`.
#[cfg(test)]
mod schema_tests {
    use super::super::tree::{parse, Node, Value};
    use crate::catalog::{load_str, write};

    /// The YAML core schema's reading of a tree, as JSON.
    fn to_json(node: &Node) -> serde_json::Value {
        match &node.value {
            Value::Scalar(text, quoted) => {
                if *quoted {
                    return serde_json::Value::String(text.to_string());
                }
                match text.as_ref() {
                    "true" => serde_json::Value::Bool(true),
                    "false" => serde_json::Value::Bool(false),
                    "null" | "~" | "" => serde_json::Value::Null,
                    _ => text
                        .parse::<i64>()
                        .map(serde_json::Value::from)
                        .unwrap_or_else(|_| serde_json::Value::String(text.to_string())),
                }
            }
            Value::Sequence(items) => items.iter().map(to_json).collect(),
            Value::Mapping(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                    .collect(),
            ),
        }
    }

    fn assert_valid(name: &str, text: &str) {
        let schema: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/catalog.schema.json"
        )))
        .unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let instance = to_json(&parse(name, text).unwrap().unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }

    #[test]
    fn shipped_and_written_catalogs_follow_the_schema() {
        let pumpflix = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules-fixtures/pumpflix/catalog.yml"
        ));
        assert_valid("pumpflix", pumpflix);
        assert_valid("docs example", super::tests::YAML);
        assert_valid("scrape facts", super::tests::SCRAPE);
        assert_valid(
            "scrape facts written",
            &write::to_yaml(&load_str("s.yml", super::tests::SCRAPE).unwrap()),
        );
        let written = write::to_yaml(&load_str("p.yml", pumpflix).unwrap());
        assert_valid("written", &written);
        let api = load_str(
            "m.json",
            r#"{"status":"success","data":{"h":[{"type":"histogram","help":"x"}]}}"#,
        )
        .unwrap();
        assert_valid("written from the API", &write::to_yaml(&api));
    }

    #[test]
    fn the_schema_rejects_what_the_loader_rejects() {
        let schema: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/catalog.schema.json"
        )))
        .unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        for bad in [
            "metrics:\n  a:\n    lables: [x]\n    type: gauge\n",
            "metrics:\n  a:\n    type: meter\n",
            "metric: {}\n",
        ] {
            let instance = to_json(&parse("bad", bad).unwrap().unwrap());
            assert!(!validator.is_valid(&instance), "{bad}");
            assert!(load_str("bad.yml", bad).is_err(), "{bad}");
        }
    }
}
