//! What a Prometheus-compatible server's API says about its metrics, turned into a
//! catalog.
//!
//! * `/api/v1/metadata`: type, help and unit per family (required).
//! * `/api/v1/series`: every series of the last `--lookback`, folded into label sets
//!   per family. These label sets are complete (target labels included), so the label
//!   checks are exact for them (required).
//! * `/api/v1/label/job/values`: every `job` value, the closed list of jobs (required).
//! * `/api/v1/targets`: the jobs' scrape intervals (optional: Mimir and Thanos do not
//!   scrape, so they have no targets).
//! * `/api/v1/status/config`: the global scrape and evaluation intervals and each scrape
//!   config's own interval (optional, for the same reason).
//!
//! Nothing is written unless every required answer was read: an import that lost an
//! answer would write a catalog that is silently wrong.

use super::client::{looks_like_html, Client, Fetched};
use super::{ImportOptions, RemoteError};
use crate::catalog::load::tree::{self, Node, Value};
use crate::catalog::{Catalog, JobFacts, MetricFamily, MetricType, Origin, SeriesKind};
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

const JSON: &str = "application/json";
const EXPOSITION: &str = "application/openmetrics-text;version=1.0.0;q=0.9,\
text/plain;version=0.0.4;q=0.8,*/*;q=0.1";

/// An exporter's `/metrics`: read like a saved exposition file.
pub fn read_endpoint(client: &Client, url: &str) -> Result<Catalog, RemoteError> {
    let Fetched::Answer(mut answer) = client.get(url, &[], EXPOSITION)? else {
        return Err(RemoteError::new(
            &super::client::redact(url),
            "not found (HTTP 404): check the endpoint's path",
        ));
    };
    if looks_like_html(&mut answer) {
        return Err(RemoteError::new(
            &answer.url,
            "expected metrics in the Prometheus exposition format, got an HTML page",
        ));
    }
    let bytes = client.read_body(&mut answer)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| RemoteError::new(&answer.url, "the answer is not UTF-8 text"))?;
    crate::catalog::load_str(&answer.url, &text).map_err(|error| RemoteError {
        url: None,
        message: error.to_string(),
    })
}

/// A server's base URL: metadata, series, jobs and intervals.
pub fn read_server(
    client: &Client,
    url: &str,
    options: &ImportOptions,
) -> Result<Catalog, RemoteError> {
    let base = url.trim_end_matches('/');
    let end = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    let start = end - options.lookback.as_secs_f64();
    let window = [
        ("start", format!("{start:.3}")),
        ("end", format!("{end:.3}")),
    ];

    let metadata =
        get_json::<HashMap<String, Vec<Metadata>>>(client, base, "/api/v1/metadata", &[]);
    let Some(metadata) = metadata? else {
        // No metadata API: maybe the URL is an exporter's endpoint at another path
        // (`/actuator/prometheus`, `/probe?target=...`).
        return read_endpoint(client, url).map_err(|_| not_found(base, "/api/v1/metadata"));
    };
    let mut series_query: Vec<(&str, String)> = window.to_vec();
    if options.matchers.is_empty() {
        series_query.push(("match[]", "{__name__=~\".+\"}".to_string()));
    } else {
        for matcher in &options.matchers {
            series_query.push(("match[]", matcher.clone()));
        }
        // `up` carries exactly the target labels: they are needed whatever the user
        // selected.
        series_query.push(("match[]", "up".to_string()));
    }
    let series: SeriesLabels = required(client, base, "/api/v1/series", &series_query)?;
    let job_values: Vec<String> = required(client, base, "/api/v1/label/job/values", &window)?;
    let targets: Option<Targets> = optional(
        client,
        base,
        "/api/v1/targets",
        &[("state", "active".into())],
    )?;
    let config: Option<ConfigText> = optional(client, base, "/api/v1/status/config", &[])?;

    let mut catalog = families(metadata, series.0);
    let config = config
        .map(|config| read_config(&format!("{base}/api/v1/status/config"), &config.yaml))
        .transpose()?
        .unwrap_or_default();
    catalog.scrape.scrape_interval = config.scrape_interval;
    catalog.scrape.evaluation_interval = config.evaluation_interval;
    let mut jobs: BTreeMap<String, JobFacts> = job_values
        .into_iter()
        .map(|job| (job, JobFacts::default()))
        .collect();
    for target in targets.map(|t| t.active_targets).unwrap_or_default() {
        let Some(job) = target.labels.get("job") else {
            continue;
        };
        let interval = target
            .scrape_interval
            .or_else(|| config.jobs.get(&target.scrape_pool).cloned());
        let entry = jobs.entry(job.clone()).or_default();
        if entry.scrape_interval.is_none() {
            entry.scrape_interval = interval;
        }
    }
    catalog.scrape.jobs = Some(jobs);
    Ok(catalog)
}

/// Folds series into the metadata's families. Each family seen in the series gets the
/// complete label set its series carry; `le` and `quantile` stay implicit; the target
/// labels (those of `up`) are declared.
fn families(
    metadata: HashMap<String, Vec<Metadata>>,
    series: BTreeMap<String, BTreeSet<String>>,
) -> Catalog {
    let mut known = Catalog::new();
    for (name, entries) in metadata {
        for entry in entries {
            let kind = MetricType::parse(&entry.kind).unwrap_or(MetricType::Unknown);
            let mut family = MetricFamily::new(name.clone(), kind);
            family.help = Some(entry.help).filter(|h| !h.is_empty());
            family.unit = Some(entry.unit).filter(|u| !u.is_empty());
            known.insert(family);
        }
    }
    let builtin: BTreeSet<String> = crate::catalog::builtin::families()
        .into_iter()
        .map(|f| f.name)
        .collect();
    let mut catalog = Catalog::new();
    catalog.target_labels_declared = true;
    let mut bare_histograms = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for (name, labels) in &series {
        if name == "up" {
            catalog.target_labels.extend(labels.iter().cloned());
        }
        // Prometheus makes these itself; promgate knows them without being told.
        if builtin.contains(name) {
            continue;
        }
        let (family_name, kind) = match known.series(name) {
            Some(found) => (found.family.name.clone(), found.kind),
            None => (name.clone(), SeriesKind::Bare),
        };
        let mut family = match known.family(&family_name) {
            Some(family) => family.clone(),
            None => MetricFamily::new(name.clone(), MetricType::Unknown),
        };
        seen.insert(family_name.clone());
        if family.kind == MetricType::Histogram && kind == SeriesKind::Bare {
            bare_histograms.insert(family_name.clone());
        }
        let implicit = |label: &str| {
            (label == "le" && kind == SeriesKind::Bucket)
                || (label == "quantile"
                    && family.kind == MetricType::Summary
                    && kind == SeriesKind::Bare)
        };
        let names: Vec<String> = labels
            .iter()
            .filter(|label| !implicit(label))
            .cloned()
            .collect();
        family.labels = names.into_iter().map(|label| (label, None)).collect();
        family.labels_complete = true;
        family.origin = Origin::Imported;
        catalog.insert(family);
    }
    // Families with metadata but no series in the window: their labels are unknown.
    for family in known.families() {
        if catalog.family(&family.name).is_none() {
            catalog.insert(family.clone());
        }
    }
    // The series show whether a histogram is native (a series under its bare name).
    let histograms: Vec<String> = catalog
        .families()
        .filter(|f| f.kind == MetricType::Histogram)
        .map(|f| f.name.clone())
        .collect();
    for name in histograms {
        let mut family = catalog.family(&name).expect("listed above").clone();
        family.native_histogram = if seen.contains(&name) {
            Some(bare_histograms.contains(&name))
        } else {
            None
        };
        catalog.replace(family);
    }
    for label in crate::catalog::DEFAULT_TARGET_LABELS {
        catalog.target_labels.insert(label.to_string());
    }
    catalog.target_labels.remove("__name__");
    catalog
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    unit: String,
}

#[derive(Deserialize)]
struct Targets {
    #[serde(rename = "activeTargets", default)]
    active_targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    #[serde(default)]
    labels: HashMap<String, String>,
    #[serde(rename = "scrapePool", default)]
    scrape_pool: String,
    #[serde(rename = "scrapeInterval", default)]
    scrape_interval: Option<String>,
}

#[derive(Deserialize)]
struct ConfigText {
    yaml: String,
}

/// The API's envelope: `{"status": "success", "data": ...}` or an error.
#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    #[serde(rename = "errorType", default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// An endpoint every Prometheus-compatible server has.
fn required<T: DeserializeOwned>(
    client: &Client,
    base: &str,
    path: &str,
    query: &[(&str, String)],
) -> Result<T, RemoteError> {
    get_json(client, base, path, query)?.ok_or_else(|| not_found(base, path))
}

fn not_found(base: &str, path: &str) -> RemoteError {
    RemoteError::new(
        &super::client::redact(&format!("{base}{path}")),
        "not found (HTTP 404): is the URL the base URL of a Prometheus-compatible server, or \
         an exporter's metrics endpoint?",
    )
}

/// An endpoint only some servers have: `None` when the server has not.
fn optional<T: DeserializeOwned>(
    client: &Client,
    base: &str,
    path: &str,
    query: &[(&str, String)],
) -> Result<Option<T>, RemoteError> {
    get_json(client, base, path, query)
}

fn get_json<T: DeserializeOwned>(
    client: &Client,
    base: &str,
    path: &str,
    query: &[(&str, String)],
) -> Result<Option<T>, RemoteError> {
    let Fetched::Answer(mut answer) = client.get(&format!("{base}{path}"), query, JSON)? else {
        return Ok(None);
    };
    if looks_like_html(&mut answer) {
        return Err(RemoteError::new(
            &answer.url,
            "expected JSON from the Prometheus API, got an HTML page: is the URL the \
             server's base URL (and its route prefix, if any)?",
        ));
    }
    let bytes = client.read_body(&mut answer)?;
    let envelope: Envelope<T> = serde_json::from_slice(&bytes).map_err(|error| {
        RemoteError::new(
            &answer.url,
            format!("the answer is not the Prometheus API's JSON: {error}"),
        )
    })?;
    if envelope.status != "success" {
        return Err(RemoteError::new(
            &answer.url,
            format!(
                "the server answered an error: {}{}",
                envelope
                    .error_type
                    .map(|t| format!("{t}: "))
                    .unwrap_or_default(),
                envelope.error.unwrap_or_else(|| "no error text".into())
            ),
        ));
    }
    envelope
        .data
        .map(Some)
        .ok_or_else(|| RemoteError::new(&answer.url, "the answer has no `data` field".to_string()))
}

/// The label names of every series, by metric name, folded while parsing so that a
/// server's million series never sit in memory as maps.
struct SeriesLabels(BTreeMap<String, BTreeSet<String>>);

impl<'de> Deserialize<'de> for SeriesLabels {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = SeriesLabels;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of series")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SeriesLabels, A::Error> {
                let mut folded: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                while let Some(series) = seq.next_element::<OneSeries>()? {
                    let Some(name) = series.name else { continue };
                    folded.entry(name).or_default().extend(series.labels);
                }
                Ok(SeriesLabels(folded))
            }
        }
        deserializer.deserialize_seq(ListVisitor)
    }
}

/// One series: its `__name__` and its other label names (values are dropped).
struct OneSeries {
    name: Option<String>,
    labels: Vec<String>,
}

impl<'de> Deserialize<'de> for OneSeries {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = OneSeries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a series' label set")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OneSeries, A::Error> {
                let mut series = OneSeries {
                    name: None,
                    labels: Vec::new(),
                };
                while let Some(key) = map.next_key::<String>()? {
                    if key == "__name__" {
                        series.name = Some(map.next_value::<String>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                        series.labels.push(key);
                    }
                }
                Ok(series)
            }
        }
        deserializer.deserialize_map(MapVisitor)
    }
}

/// The facts read from the server's config.
#[derive(Default)]
struct ConfigFacts {
    scrape_interval: Option<String>,
    evaluation_interval: Option<String>,
    /// Scrape interval by `job_name` (the targets API's scrape pool).
    jobs: HashMap<String, String>,
}

/// Reads the global intervals and each scrape config's interval from the config the
/// server runs (already defaulted by the server, so every value is there).
fn read_config(url: &str, yaml: &str) -> Result<ConfigFacts, RemoteError> {
    let shown = super::client::redact(url);
    let root = tree::parse(&shown, yaml)
        .map_err(|error| RemoteError::new(&shown, format!("its config is not YAML: {error}")))?;
    let mut facts = ConfigFacts::default();
    let Some(root) = root else { return Ok(facts) };
    let text = |node: Option<&Node>| node.and_then(Node::as_str).map(str::to_string);
    if let Some(global) = root.get("global") {
        facts.scrape_interval = text(global.get("scrape_interval"));
        facts.evaluation_interval = text(global.get("evaluation_interval"));
    }
    if let Some(Value::Sequence(configs)) = root.get("scrape_configs").map(|n| &n.value) {
        for config in configs {
            if let (Some(job), Some(interval)) = (
                text(config.get("job_name")),
                text(config.get("scrape_interval")),
            ) {
                facts.jobs.insert(job, interval);
            }
        }
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_series_into_metadata_families() {
        let metadata: HashMap<String, Vec<Metadata>> = serde_json::from_str(
            r#"{"http_request_duration_seconds":[{"type":"histogram","help":"Latency.","unit":""}],
                "http_requests_total":[{"type":"counter","help":"Requests.","unit":""}],
                "idle_metric":[{"type":"gauge","help":"No series.","unit":""}]}"#,
        )
        .unwrap();
        let series: SeriesLabels = serde_json::from_str(
            r#"[{"__name__":"http_request_duration_seconds_bucket","le":"0.1","route":"/","job":"app","instance":"a:1"},
                {"__name__":"http_request_duration_seconds_count","route":"/","job":"app","instance":"a:1"},
                {"__name__":"http_requests_total","status_code":"200","job":"app","instance":"a:1","pod":"p"},
                {"__name__":"up","job":"app","instance":"a:1","pod":"p"},
                {"__name__":"orphan","x":"1"}]"#,
        )
        .unwrap();
        let mut catalog = families(metadata, series.0);
        catalog.finish();
        let histogram = catalog.family("http_request_duration_seconds").unwrap();
        assert_eq!(histogram.kind, MetricType::Histogram);
        assert_eq!(histogram.native_histogram, Some(false));
        assert!(histogram.labels_complete);
        assert_eq!(
            histogram.labels.keys().collect::<Vec<_>>(),
            ["instance", "job", "route"]
        );
        let counter = catalog.family("http_requests_total").unwrap();
        assert!(counter.labels.contains_key("status_code") && counter.labels.contains_key("pod"));
        assert!(!catalog.family("idle_metric").unwrap().labels_complete);
        assert_eq!(catalog.family("orphan").unwrap().kind, MetricType::Unknown);
        assert!(
            catalog.family("up").is_none(),
            "built-in series are not imported"
        );
        assert!(catalog.target_labels_declared);
        assert!(catalog.target_labels.contains("pod"));
    }

    #[test]
    fn reads_intervals_from_the_config() {
        let facts = read_config(
            "http://p/api/v1/status/config",
            "global:\n  scrape_interval: 15s\n  evaluation_interval: 30s\nscrape_configs:\n- job_name: app\n  scrape_interval: 5s\n",
        )
        .unwrap();
        assert_eq!(facts.scrape_interval.as_deref(), Some("15s"));
        assert_eq!(facts.evaluation_interval.as_deref(), Some("30s"));
        assert_eq!(facts.jobs["app"], "5s");
    }
}
