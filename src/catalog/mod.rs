//! The metric catalog: which metric families exist, their type, help, unit and labels.
//!
//! Sources (exposition text, OpenMetrics, Prometheus' metadata API, Kubernetes metric
//! lists, kube-state-metrics docs, promgate's own catalog file) are read by
//! [`load`]; several are merged into one [`Catalog`]. Lookups go by *series* name:
//! `http_request_duration_seconds_bucket` finds the `http_request_duration_seconds`
//! histogram. The catalog always knows the series Prometheus makes itself (`up`,
//! `ALERTS`, ...) and the target labels every scraped series carries.

mod builtin;
pub mod bundled;
mod by_name;
mod family;
pub mod flow;
mod label_map;
pub mod load;
pub mod recorded;
pub mod remote;
pub mod show;
pub mod suggest;
pub mod write;

pub use family::{LabelMap, LabelValues, MetricFamily, MetricType, Origin, SeriesKind};
pub use load::{load_file, load_str, LoadError};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Target labels every scraped series carries unless a config says more.
pub const DEFAULT_TARGET_LABELS: [&str; 2] = ["job", "instance"];

/// Facts of the scrape that a server's config and targets give (`catalog import URL`),
/// kept in the catalog file so that checks can use them offline. Durations are
/// Prometheus duration strings (`15s`, `1m30s`) as the server wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrapeFacts {
    /// `global.scrape_interval`.
    pub scrape_interval: Option<String>,
    /// `global.evaluation_interval`.
    pub evaluation_interval: Option<String>,
    /// Every job name with its own scrape interval when it sets one; `None` until a
    /// source lists the jobs. When listed, the `job` label takes no other value.
    pub jobs: Option<BTreeMap<String, JobFacts>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFacts {
    pub scrape_interval: Option<String>,
}

impl ScrapeFacts {
    /// Keeps every fact either side knows: job lists are unioned, the first interval
    /// given wins.
    pub fn merge(&mut self, other: ScrapeFacts) {
        self.scrape_interval = self.scrape_interval.take().or(other.scrape_interval);
        self.evaluation_interval = self
            .evaluation_interval
            .take()
            .or(other.evaluation_interval);
        match (&mut self.jobs, other.jobs) {
            (Some(mine), Some(theirs)) => {
                for (name, job) in theirs {
                    let entry = mine.entry(name).or_default();
                    if entry.scrape_interval.is_none() {
                        entry.scrape_interval = job.scrape_interval;
                    }
                }
            }
            (None, theirs) => self.jobs = theirs,
            (Some(_), None) => {}
        }
    }

    /// The scrape interval of `job`: its own, else the global one.
    pub fn interval_of(&self, job: &str) -> Option<&str> {
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.get(job))
            .and_then(|j| j.scrape_interval.as_deref())
            .or(self.scrape_interval.as_deref())
    }
}

/// A series name resolved to its family.
#[derive(Debug, Clone, Copy)]
pub struct SeriesRef<'a> {
    pub family: &'a MetricFamily,
    pub kind: SeriesKind,
}

impl SeriesRef<'_> {
    /// Whether this series can carry `label`; `None` when the catalog cannot tell.
    pub fn has_label(&self, label: &str, catalog: &Catalog) -> Option<bool> {
        // Recording-rule outputs are not scraped: their labels are what the rule made.
        if self.family.origin != Origin::Recorded && catalog.target_labels.contains(label) {
            return Some(true);
        }
        self.family.series_has_label(self.kind, label)
    }
}

#[derive(Debug, Clone)]
pub struct Catalog {
    /// By name. Hashed: every selector of every expression looks names up here; the
    /// few callers that list families sort them.
    families: by_name::FamiliesByName,
    /// Every metric that exists is in the catalog: unknown names are reported in
    /// every namespace, not only in the namespaces the catalog knows.
    pub complete: bool,
    /// Labels the scrape adds to every series (`job`, `instance`, ...). Set while the
    /// catalog is built: the series label sets remembered from it
    /// ([`Catalog::series_label_set`]) are forgotten only by the catalog's methods.
    pub target_labels: BTreeSet<String>,
    /// Whether a catalog file said which labels the scrape adds (`target_labels`, even
    /// empty). Until one does, relabeling may add any label, so a label the catalog does
    /// not know is reported only when it looks like a typo of one it knows.
    pub target_labels_declared: bool,
    /// Namespaces where unknown metrics are never reported.
    pub exclude_namespaces: BTreeSet<String>,
    /// What a live server (or its config) says about its scrape: jobs and intervals.
    pub scrape: ScrapeFacts,
    /// Namespaces (the part of a name before the first `_`) of imported families;
    /// rebuilt by [`Catalog::finish`].
    namespaces: HashSet<String>,
    /// Series names by namespace, for suggestions: built on the first unknown name,
    /// since most runs never need it.
    by_namespace: OnceLock<HashMap<String, Vec<String>>>,
    /// Label names whose values some family lists in full, built on first use and
    /// forgotten on every change of the families.
    labels_with_values: OnceLock<HashSet<String>>,
    /// The namespace of every family, whatever its origin: built on first use and
    /// forgotten on every change of the families.
    family_namespaces: OnceLock<HashSet<String>>,
    /// The label set of each family's series, built when a selector first asks
    /// ([`Catalog::series_label_set`]) and forgotten on every change of the families.
    series_label_sets: SeriesLabelSets,
}

/// Label sets by family (its address: no family moves until the catalog changes, and
/// every change forgets them all) and by the label its kind of series adds.
type SeriesLabelKey = (usize, Option<&'static str>);

/// [`Catalog::series_label_set`]'s memory. A copied catalog starts it empty (the
/// addresses are the original's).
#[derive(Default)]
struct SeriesLabelSets(
    std::sync::RwLock<HashMap<SeriesLabelKey, std::sync::Arc<crate::promql::analysis::LabelSet>>>,
);

impl Clone for SeriesLabelSets {
    fn clone(&self) -> Self {
        SeriesLabelSets::default()
    }
}

impl std::fmt::Debug for SeriesLabelSets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SeriesLabelSets")
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::new()
    }
}

impl Catalog {
    /// An empty catalog with the default target labels (built-ins are added by
    /// [`Catalog::with_builtins`]).
    pub fn new() -> Self {
        Catalog {
            families: by_name::FamiliesByName::default(),
            complete: false,
            target_labels: DEFAULT_TARGET_LABELS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            target_labels_declared: false,
            exclude_namespaces: BTreeSet::new(),
            scrape: ScrapeFacts::default(),
            namespaces: HashSet::default(),
            by_namespace: OnceLock::new(),
            labels_with_values: OnceLock::new(),
            family_namespaces: OnceLock::new(),
            series_label_sets: SeriesLabelSets::default(),
        }
    }

    /// Adds the series Prometheus itself produces and indexes the catalog.
    pub fn with_builtins(mut self) -> Self {
        for family in builtin::families() {
            self.insert(family);
        }
        self.finish();
        self
    }

    /// Adds a family, merging it into an existing one of the same name. Call
    /// [`Catalog::finish`] before lookups.
    pub fn insert(&mut self, family: MetricFamily) {
        self.labels_with_values = OnceLock::new();
        self.family_namespaces = OnceLock::new();
        self.series_label_sets = SeriesLabelSets::default();
        self.families.insert_or_merge(family);
    }

    /// Marks every family as coming from `origin`.
    pub(crate) fn set_origin(&mut self, origin: Origin) {
        self.series_label_sets = SeriesLabelSets::default();
        for family in self.families.values_mut() {
            family.origin = origin.clone();
        }
    }

    /// Puts `family` in place of the family of its name, if any.
    pub fn replace(&mut self, family: MetricFamily) {
        self.labels_with_values = OnceLock::new();
        self.family_namespaces = OnceLock::new();
        self.series_label_sets = SeriesLabelSets::default();
        self.families.replace(family);
    }

    /// Merges another catalog into this one (families, flags and label options).
    /// Call [`Catalog::finish`] before lookups.
    pub fn merge(&mut self, other: Catalog) {
        self.series_label_sets = SeriesLabelSets::default();
        self.complete |= other.complete;
        self.target_labels_declared |= other.target_labels_declared;
        self.target_labels.extend(other.target_labels);
        self.exclude_namespaces.extend(other.exclude_namespaces);
        self.scrape.merge(other.scrape);
        // The common case, one catalog file: take its families whole.
        if self.families.is_empty() {
            self.labels_with_values = OnceLock::new();
            self.family_namespaces = OnceLock::new();
            self.families = other.families;
            return;
        }
        for family in other.families.into_values() {
            self.insert(family);
        }
    }

    /// Brings the derived lookups up to date after insertions.
    pub fn finish(&mut self) {
        self.series_label_sets = SeriesLabelSets::default();
        self.namespaces.clear();
        self.by_namespace = OnceLock::new();
        self.family_namespaces = OnceLock::new();
        let families = std::mem::take(&mut self.families);
        for family in families.values() {
            self.note_namespace(family);
        }
        self.families = families;
    }

    /// Adds families and brings the lookups up to date, without revisiting the
    /// families the catalog has already (thousands, where the additions are a few
    /// recording rules).
    pub fn extend_indexed(&mut self, families: impl IntoIterator<Item = MetricFamily>) {
        self.series_label_sets = SeriesLabelSets::default();
        for family in families {
            self.note_namespace(&family);
            self.insert(family);
        }
        self.by_namespace = OnceLock::new();
    }

    fn note_namespace(&mut self, family: &MetricFamily) {
        let space = namespace(&family.name);
        // A bundled catalog covers only what its exporter's sample output showed (whole
        // node_exporter collectors are missing): it never makes a namespace "known".
        let covers = !matches!(family.origin, Origin::Recorded | Origin::Bundled);
        if covers && !self.namespaces.contains(space) {
            self.namespaces.insert(space.to_string());
        }
    }

    /// Whether some family lists every value of `label` (kube-state-metrics' `phase`):
    /// only then can a matcher on it be held to known values.
    pub fn has_label_values(&self, label: &str) -> bool {
        self.labels_with_values
            .get_or_init(|| {
                self.families
                    .values()
                    .flat_map(|family| &family.labels)
                    .filter(|(_, values)| values.is_some())
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .contains(label)
    }

    /// The label set of the series of `family` (one of this catalog's) that add the
    /// label `implicit`: `build`'s, built on the first question and then shared. It
    /// depends on the family and the target labels, which change only while the catalog
    /// is built; each of its changes forgets the sets (the target labels are set before
    /// any question).
    pub fn series_label_set(
        &self,
        family: &MetricFamily,
        implicit: Option<&'static str>,
        build: impl FnOnce() -> crate::promql::analysis::LabelSet,
    ) -> std::sync::Arc<crate::promql::analysis::LabelSet> {
        let key = (family as *const MetricFamily as usize, implicit);
        let sets = &self.series_label_sets.0;
        if let Some(set) = sets.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return set.clone();
        }
        let set = std::sync::Arc::new(build());
        sets.write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(set)
            .clone()
    }

    /// Every family, sorted by name.
    pub fn families(&self) -> impl Iterator<Item = &MetricFamily> {
        let mut families: Vec<&MetricFamily> = self.families.values().collect();
        families.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        families.into_iter()
    }

    pub fn family(&self, name: &str) -> Option<&MetricFamily> {
        self.families.get(name)
    }

    pub fn len(&self) -> usize {
        self.families.len()
    }

    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    /// Finds the family a series name belongs to. A family named exactly like the
    /// series wins over a suffix match (a gauge `foo_count` beside a histogram `foo`);
    /// among suffix matches the first family name in sorted order wins.
    pub fn series(&self, name: &str) -> Option<SeriesRef<'_>> {
        self.series_or_stem(name).0
    }

    /// [`Catalog::series`], and whether some family would own the name by its suffix
    /// ([`Catalog::family_by_stem`] is some): one pass over the families the name can
    /// belong to, for a caller that asks both of most names.
    pub fn series_or_stem(&self, name: &str) -> (Option<SeriesRef<'_>>, bool) {
        let mut found: Option<SeriesRef<'_>> = None;
        let mut by_stem = false;
        any_family_of_series(name, |family_name| {
            let Some(family) = self.families.get(family_name) else {
                return false;
            };
            by_stem = true;
            let Some(kind) = family.kind_of_series(name) else {
                return false;
            };
            if found.is_none_or(|best| family.name < best.family.name) {
                found = Some(SeriesRef { family, kind });
            }
            // The family named exactly like the series wins: stop looking.
            family.name == name
        });
        (found, by_stem)
    }

    /// The family a name would belong to by its suffix even when that series does not
    /// exist: `foo` for `foo_bucket` of a summary, `foo` for the bare name of a
    /// classic histogram. Used to explain *why* a series is unknown.
    pub fn family_by_stem(&self, name: &str) -> Option<&MetricFamily> {
        let mut found = None;
        any_family_of_series(name, |family_name| {
            found = self.families.get(family_name);
            found.is_some()
        });
        found
    }

    /// Whether the catalog knows metrics of `name`'s namespace (so an unknown name
    /// there is probably a typo rather than a metric the catalog never covered).
    pub fn knows_namespace_of(&self, name: &str) -> bool {
        self.namespaces.contains(namespace(name))
    }

    /// Whether some family shares the namespace of `name`. When none does, no family
    /// owns the name, as a series or by its stem (a stem keeps the name's namespace):
    /// one lookup answers for every family the name could belong to.
    pub fn has_family_in_namespace_of(&self, name: &str) -> bool {
        self.family_namespaces
            .get_or_init(|| {
                // Thousands of families share a few dozen namespaces: each is copied once.
                let mut spaces = HashSet::default();
                for family in self.families.values() {
                    let space = namespace(&family.name);
                    if !spaces.contains(space) {
                        spaces.insert(space.to_string());
                    }
                }
                spaces
            })
            .contains(namespace(name))
    }

    pub fn is_excluded(&self, name: &str) -> bool {
        !self.exclude_namespaces.is_empty() && self.exclude_namespaces.contains(namespace(name))
    }

    /// Series names of every family, in no particular order (a name two families
    /// expose appears twice), for regex matching and suggestions, which sort their own.
    pub fn series_names(&self) -> impl Iterator<Item = String> + '_ {
        self.families
            .values()
            .flat_map(|family| family.series().into_iter().map(|(name, _)| name))
    }

    /// Known series names closest to `name` by edit distance, best first. Typos keep
    /// their namespace nearly always, so only that namespace is searched when the
    /// catalog knows it (which keeps this cheap on catalogs of thousands of names).
    pub fn closest_series(&self, name: &str, limit: usize) -> Vec<&str> {
        let by_namespace = self.by_namespace.get_or_init(|| {
            let mut by_namespace: HashMap<String, Vec<String>> = HashMap::default();
            for series in self.series_names() {
                by_namespace
                    .entry(namespace(&series).to_string())
                    .or_default()
                    .push(series);
            }
            by_namespace
        });
        match by_namespace.get(namespace(name)) {
            Some(names) => suggest::closest(name, names.iter().map(String::as_str), limit),
            None => suggest::closest(
                name,
                by_namespace.values().flatten().map(String::as_str),
                limit,
            ),
        }
    }
}

/// Calls `visit` with each family name a series name can belong to, until it returns
/// true: the name itself, then its stem for each suffix a family's series add (`foo`
/// for `foo_bucket`; `foo_total` too for `foo_created`, the creation time of a counter
/// named with its `_total`). Returns whether `visit` stopped it.
pub fn any_family_of_series(name: &str, mut visit: impl FnMut(&str) -> bool) -> bool {
    const SUFFIXES: [&str; 8] = [
        "_total", "_bucket", "_sum", "_count", "_created", "_gsum", "_gcount", "_info",
    ];
    if visit(name) {
        return true;
    }
    for suffix in SUFFIXES {
        let Some(stem) = name.strip_suffix(suffix) else {
            continue;
        };
        if visit(stem) || (suffix == "_created" && visit(&format!("{stem}_total"))) {
            return true;
        }
    }
    false
}

/// The namespace of a metric name: the part before the first `_`.
pub fn namespace(name: &str) -> &str {
    // A byte search: `split` sets up a char searcher per call, and this runs for every
    // selector the catalog checks meet.
    match memchr::memchr(b'_', name.as_bytes()) {
        Some(end) => &name[..end],
        None => name,
    }
}

/// Suggests the closest of `candidates` to `name` (shared by label suggestions).
pub fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    suggest::closest(name, candidates, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Catalog {
        let mut catalog = Catalog::new();
        let mut h = MetricFamily::new("http_request_duration_seconds", MetricType::Histogram);
        h.native_histogram = Some(false);
        h.labels.insert("route".into(), None);
        h.labels_complete = true;
        catalog.insert(h);
        catalog.insert(MetricFamily::new(
            "http_requests_total",
            MetricType::Counter,
        ));
        catalog.insert(MetricFamily::new("rpc_count", MetricType::Gauge));
        catalog.insert(MetricFamily::new("rpc", MetricType::Summary));
        catalog.with_builtins()
    }

    /// The set of labels with known values follows the families: asked before a family
    /// with values joins, it is rebuilt after.
    #[test]
    fn labels_with_values_follow_insertions() {
        let mut catalog = sample();
        assert!(!catalog.has_label_values("phase"));
        assert!(!catalog.has_label_values("route"));
        let mut phase = MetricFamily::new("kube_pod_status_phase", MetricType::Gauge);
        let values = ["Pending", "Running"]
            .map(String::from)
            .into_iter()
            .collect();
        phase.labels.insert("phase".into(), Some(values));
        catalog.extend_indexed([phase]);
        assert!(catalog.has_label_values("phase"));
        assert!(!catalog.has_label_values("route"));
    }

    #[test]
    fn folds_series_to_families() {
        let catalog = sample();
        let bucket = catalog
            .series("http_request_duration_seconds_bucket")
            .unwrap();
        assert_eq!(bucket.family.name, "http_request_duration_seconds");
        assert_eq!(bucket.kind, SeriesKind::Bucket);
        assert!(catalog.series("http_request_duration_seconds").is_none());
        assert_eq!(
            catalog
                .family_by_stem("http_request_duration_seconds")
                .unwrap()
                .kind,
            MetricType::Histogram
        );
        // Every name a family owns by its suffix, whether that series exists or not.
        for name in [
            "http_request_duration_seconds",
            "http_request_duration_seconds_bucket",
            "rpc_count",
            "rpc_total",
            "nothing_here_total",
            "up",
        ] {
            assert_eq!(
                catalog.series_or_stem(name).1,
                catalog.family_by_stem(name).is_some(),
                "{name}"
            );
        }
        // An exact family name wins over a suffix of another family.
        assert_eq!(
            catalog.series("rpc_count").unwrap().family.name,
            "rpc_count"
        );
        assert_eq!(catalog.series("rpc_sum").unwrap().family.name, "rpc");
    }

    #[test]
    fn knows_builtins_and_target_labels() {
        let catalog = sample();
        let up = catalog.series("up").unwrap();
        assert_eq!(up.has_label("job", &catalog), Some(true));
        assert_eq!(up.has_label("pod", &catalog), Some(false));
        let bucket = catalog
            .series("http_request_duration_seconds_bucket")
            .unwrap();
        assert_eq!(bucket.has_label("instance", &catalog), Some(true));
        assert_eq!(bucket.has_label("status", &catalog), Some(false));
    }

    #[test]
    fn namespaces_and_suggestions() {
        let catalog = sample();
        assert!(catalog.knows_namespace_of("http_request_total"));
        assert!(!catalog.knows_namespace_of("node_cpu_seconds_total"));
        assert_eq!(
            catalog.closest_series("http_request_total", 1),
            ["http_requests_total"]
        );
    }
}
