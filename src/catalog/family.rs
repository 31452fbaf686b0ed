//! One metric family: its type, help, unit, and the labels its series can carry.

use std::collections::BTreeSet;
use std::fmt;

/// The metric types of Prometheus and OpenMetrics. `Unknown` covers `untyped`, types a
/// source could not tell, and recording-rule outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    Unknown,
}

impl MetricType {
    pub const ALL: [MetricType; 8] = [
        MetricType::Counter,
        MetricType::Gauge,
        MetricType::Histogram,
        MetricType::GaugeHistogram,
        MetricType::Summary,
        MetricType::Info,
        MetricType::StateSet,
        MetricType::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Unknown => "unknown",
        }
    }

    /// Parses a type as written by any source we read (`untyped`, `Counter`, `GAUGE`...).
    pub fn parse(text: &str) -> Option<MetricType> {
        // Most sources write the type in lower case already: no copy then.
        let text = text.trim();
        let lower = if text.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(text.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        Some(match lower.as_ref() {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" | "gauge_histogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "unknown" | "untyped" | "custom" => MetricType::Unknown,
            _ => return None,
        })
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of a family's series a name selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeriesKind {
    /// The family name itself: a gauge, an untyped metric, a summary's quantiles, a
    /// native histogram, a counter exposed under its family name.
    Bare,
    /// `_total` of a counter whose family name lacks it (OpenMetrics naming).
    Total,
    Bucket,
    Sum,
    Count,
    Created,
    /// `_gsum` / `_gcount` of a gauge histogram.
    GSum,
    GCount,
    /// `_info` of an info family named without it.
    Info,
}

impl SeriesKind {
    pub fn suffix(self) -> &'static str {
        match self {
            SeriesKind::Bare => "",
            SeriesKind::Total => "_total",
            SeriesKind::Bucket => "_bucket",
            SeriesKind::Sum => "_sum",
            SeriesKind::Count => "_count",
            SeriesKind::Created => "_created",
            SeriesKind::GSum => "_gsum",
            SeriesKind::GCount => "_gcount",
            SeriesKind::Info => "_info",
        }
    }
}

/// Where a family came from; type checks trust only exporter metadata.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// Loaded from a catalog source (exposition, API metadata, catalog file...).
    Imported,
    /// Made by Prometheus itself (`up`, `ALERTS`, ...).
    BuiltIn,
    /// The output of a recording rule linted in this run.
    Recorded,
    /// From a catalog bundled with promgate (`builtin:node_exporter`): its types and
    /// labels count, but it never makes a metric unknown (see `Catalog::finish`).
    Bundled,
}

/// A label a family's series carry, with its known values when a source listed them.
pub type LabelValues = Option<BTreeSet<String>>;

pub use super::label_map::LabelMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFamily {
    pub name: String,
    pub kind: MetricType,
    pub help: Option<String>,
    pub unit: Option<String>,
    /// Label names (besides target labels, `le` of buckets and `quantile` of summaries),
    /// with their value sets where known.
    pub labels: LabelMap,
    /// Whether `labels` is every label the family's series can carry. A source that
    /// only names the metric (no samples, no label list) leaves it false, and label
    /// checks then stay silent for the family.
    pub labels_complete: bool,
    /// Dynamic label names: any label starting with one of these exists
    /// (kube-state-metrics' `label_<k8s label>`).
    pub label_prefixes: BTreeSet<String>,
    /// For histograms: whether the bare name is a native histogram. `None` when the
    /// source cannot say (Prometheus' metadata API), which keeps checks silent.
    pub native_histogram: Option<bool>,
    pub origin: Origin,
}

impl MetricFamily {
    pub fn new(name: impl Into<String>, kind: MetricType) -> Self {
        MetricFamily {
            name: name.into(),
            kind,
            help: None,
            unit: None,
            labels: LabelMap::new(),
            labels_complete: false,
            label_prefixes: BTreeSet::new(),
            native_histogram: None,
            origin: Origin::Imported,
        }
    }

    /// The series names this family exposes, with the kind of each.
    pub fn series(&self) -> Vec<(String, SeriesKind)> {
        self.series_parts()
            .into_iter()
            .flatten()
            .map(|(stem, kind)| (format!("{stem}{}", kind.suffix()), kind))
            .collect()
    }

    /// The kind of series `name` is in this family, if the family exposes it. (Every
    /// selector asks, so this compares in place instead of building the names.)
    pub fn kind_of_series(&self, name: &str) -> Option<SeriesKind> {
        self.series_parts()
            .into_iter()
            .flatten()
            .find(|(stem, kind)| {
                name.strip_prefix(stem)
                    .is_some_and(|rest| rest == kind.suffix())
            })
            .map(|(_, kind)| kind)
    }

    /// Each series as the stem its kind's suffix is appended to: the family name, or
    /// for a counter named with `_total` its base (`foo_total` -> `foo_created`).
    fn series_parts(&self) -> [Option<(&str, SeriesKind)>; 5] {
        let name = self.name.as_str();
        let with = |kind: SeriesKind| Some((name, kind));
        match self.kind {
            MetricType::Counter => match name.strip_suffix("_total") {
                Some(base) => [
                    with(SeriesKind::Bare),
                    Some((base, SeriesKind::Created)),
                    None,
                    None,
                    None,
                ],
                None => [
                    with(SeriesKind::Bare),
                    with(SeriesKind::Total),
                    with(SeriesKind::Created),
                    None,
                    None,
                ],
            },
            MetricType::Histogram => [
                with(SeriesKind::Bucket),
                with(SeriesKind::Sum),
                with(SeriesKind::Count),
                with(SeriesKind::Created),
                (self.native_histogram != Some(false)).then_some((name, SeriesKind::Bare)),
            ],
            MetricType::GaugeHistogram => [
                with(SeriesKind::Bucket),
                with(SeriesKind::GSum),
                with(SeriesKind::GCount),
                None,
                None,
            ],
            MetricType::Summary => [
                with(SeriesKind::Bare),
                with(SeriesKind::Sum),
                with(SeriesKind::Count),
                with(SeriesKind::Created),
                None,
            ],
            MetricType::Info if !name.ends_with("_info") => [
                with(SeriesKind::Bare),
                with(SeriesKind::Info),
                None,
                None,
                None,
            ],
            _ => [with(SeriesKind::Bare), None, None, None, None],
        }
    }

    /// Whether a series of this family (of `series` kind) can carry `label`, leaving
    /// target labels to the catalog. `None` when the family's labels are not known.
    pub fn series_has_label(&self, series: SeriesKind, label: &str) -> Option<bool> {
        if label == "__name__" {
            return Some(true);
        }
        if label == "le"
            && matches!(
                self.kind,
                MetricType::Histogram | MetricType::GaugeHistogram
            )
        {
            return Some(series == SeriesKind::Bucket);
        }
        if label == "quantile" && self.kind == MetricType::Summary {
            return Some(series == SeriesKind::Bare);
        }
        if self.labels.contains_key(label)
            || self
                .label_prefixes
                .iter()
                .any(|p| label.starts_with(p.as_str()))
        {
            return Some(true);
        }
        if self.labels_complete {
            Some(false)
        } else {
            None
        }
    }

    /// Folds `other` (the same family from another source) into this one. Conflicting
    /// types become `unknown`: when sources disagree we cannot trust either.
    pub fn merge(&mut self, other: MetricFamily) {
        if self.kind == MetricType::Unknown
            && matches!(self.origin, Origin::Imported | Origin::Bundled)
        {
            self.kind = other.kind;
        } else if other.kind != MetricType::Unknown && other.kind != self.kind {
            self.kind = MetricType::Unknown;
        }
        if self.help.is_none() {
            self.help = other.help;
        }
        if self.unit.is_none() {
            self.unit = other.unit;
        }
        // A source that saw every label of the family (an exposition's samples, a
        // server's series) makes the union complete; one that knows no labels (the
        // metadata API) or only some takes nothing away.
        self.labels_complete = self.labels_complete || other.labels_complete;
        for (label, values) in other.labels {
            match self.labels.get_mut(&label) {
                None => {
                    self.labels.insert(label, values);
                }
                // A source that names the label without its values says nothing about
                // them: a value list from another source stays.
                Some(existing) => match (existing.as_mut(), values) {
                    (Some(mine), Some(theirs)) => mine.extend(theirs),
                    (None, Some(theirs)) => *existing = Some(theirs),
                    _ => {}
                },
            }
        }
        self.label_prefixes.extend(other.label_prefixes);
        // `None` is "cannot tell" (the metadata API): the source that can tell wins.
        self.native_histogram = match (self.native_histogram, other.native_histogram) {
            (Some(a), Some(b)) => Some(a || b),
            (known, None) | (None, known) => known,
        };
        self.origin = self.origin.clone().min(other.origin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_series_follow_both_namings() {
        let prom = MetricFamily::new("http_requests_total", MetricType::Counter);
        let names: Vec<_> = prom.series().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["http_requests_total", "http_requests_created"]);
        let om = MetricFamily::new("http_requests", MetricType::Counter);
        let names: Vec<_> = om.series().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "http_requests",
                "http_requests_total",
                "http_requests_created"
            ]
        );
    }

    #[test]
    fn classic_histogram_has_no_bare_series() {
        let mut h = MetricFamily::new("rpc_seconds", MetricType::Histogram);
        h.native_histogram = Some(false);
        assert!(!h.series().iter().any(|(_, k)| *k == SeriesKind::Bare));
        h.native_histogram = None;
        assert!(h.series().iter().any(|(_, k)| *k == SeriesKind::Bare));
    }

    #[test]
    fn le_and_quantile_belong_to_their_series() {
        let mut h = MetricFamily::new("rpc_seconds", MetricType::Histogram);
        h.labels_complete = true;
        assert_eq!(h.series_has_label(SeriesKind::Bucket, "le"), Some(true));
        assert_eq!(h.series_has_label(SeriesKind::Sum, "le"), Some(false));
        assert_eq!(
            h.series_has_label(SeriesKind::Bucket, "quantile"),
            Some(false)
        );
        let s = MetricFamily::new("rpc_summary", MetricType::Summary);
        assert_eq!(s.series_has_label(SeriesKind::Bare, "quantile"), Some(true));
        assert_eq!(s.series_has_label(SeriesKind::Bare, "route"), None);
    }

    #[test]
    fn merge_keeps_the_strongest_fact() {
        // The metadata API knows the type but no labels; the exposition saw every label.
        let mut metadata = MetricFamily::new("m", MetricType::Counter);
        metadata.help = Some("Requests.".into());
        let mut exposition = MetricFamily::new("m", MetricType::Counter);
        exposition.labels.insert("code".into(), None);
        exposition.labels.insert("phase".into(), None);
        exposition.labels_complete = true;
        exposition.native_histogram = Some(false);
        let mut docs = MetricFamily::new("m", MetricType::Unknown);
        docs.labels
            .insert("phase".into(), Some(["Running".to_string()].into()));
        metadata.merge(exposition);
        metadata.merge(docs);
        assert!(metadata.labels_complete);
        assert_eq!(metadata.kind, MetricType::Counter);
        assert_eq!(metadata.help.as_deref(), Some("Requests."));
        assert_eq!(metadata.native_histogram, Some(false));
        assert_eq!(metadata.labels["phase"].as_ref().unwrap().len(), 1);
        assert_eq!(metadata.labels["code"], None);
    }

    #[test]
    fn merge_unions_labels_and_distrusts_conflicting_types() {
        let mut a = MetricFamily::new("m", MetricType::Counter);
        a.labels.insert("x".into(), None);
        a.labels_complete = true;
        let mut b = MetricFamily::new("m", MetricType::Gauge);
        b.labels.insert("y".into(), None);
        b.labels_complete = true;
        a.merge(b);
        assert_eq!(a.kind, MetricType::Unknown);
        assert!(a.labels_complete);
        assert_eq!(a.labels.len(), 2);
    }
}
