//! What a prometheus.yml tells the rule checks: which jobs exist, how often each is
//! scraped, which label names the scrape gives their series, and the external labels.

use std::collections::BTreeSet;

/// Prometheus' default `global.scrape_interval`.
pub const DEFAULT_SCRAPE_INTERVAL_MS: u64 = 60_000;

/// One scrape config's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFacts {
    pub name: String,
    pub scrape_interval_ms: u64,
    /// Label names the scrape gives every series of this job (`job`, `instance`,
    /// static labels, relabel targets, metric relabel targets).
    pub target_labels: BTreeSet<String>,
    /// Why the set above is not closed (a `labelmap` over service-discovery labels, a
    /// file-SD pattern that matches no file yet or a target file that cannot be read, a
    /// templated `target_label`), when it is not.
    pub open: Option<String>,
    /// A relabel rule or a static label may rewrite `job`.
    pub job_rewritten: bool,
}

/// The facts of one or more configs (or of `.promgate.yml`'s `prometheus:` settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub global_scrape_interval_ms: u64,
    /// External label names (`global.external_labels`).
    pub external_labels: BTreeSet<String>,
    /// Whether any config was read (as opposed to the `.promgate.yml` fallback).
    pub from_config: bool,
    pub jobs: Vec<JobFacts>,
    /// Every scrape config is known (`scrape_config_files` were read, each file
    /// readable) and every series comes from them (no `remote_read`).
    pub jobs_complete: bool,
    /// Labels `.promgate.yml` says the scrape adds (the fallback without a config).
    pub extra_target_labels: BTreeSet<String>,
    /// Derived by [`Facts::finish`]: every check of every expression asks for these.
    index: Index,
}

/// Lookups built once per run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Index {
    /// Sorted, unique job names, when they are all known.
    job_names: Option<Vec<String>>,
    /// The same names indexed for did-you-mean suggestions.
    job_suggestions: crate::catalog::suggest::NameIndex,
    interval_by_job: std::collections::BTreeMap<String, u64>,
    shortest_interval_ms: Option<u64>,
    /// The union of every job's target labels, when every set is closed.
    closed_target_labels: Option<BTreeSet<String>>,
    /// The first scrape config of each name, by position in `jobs`.
    job_by_name: std::collections::BTreeMap<String, usize>,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            global_scrape_interval_ms: DEFAULT_SCRAPE_INTERVAL_MS,
            external_labels: BTreeSet::new(),
            from_config: false,
            jobs: Vec::new(),
            jobs_complete: true,
            extra_target_labels: BTreeSet::new(),
            index: Index::default(),
        }
    }
}

impl Facts {
    /// The fallback when no config is known: `.promgate.yml`'s scrape interval and
    /// extra target labels. `None` when it says neither.
    pub fn from_settings(settings: &crate::config::PrometheusSettings) -> Option<Facts> {
        if settings.scrape_interval_seconds.is_none() && settings.extra_target_labels.is_empty() {
            return None;
        }
        Some(Facts {
            global_scrape_interval_ms: settings
                .scrape_interval_seconds
                .map_or(DEFAULT_SCRAPE_INTERVAL_MS, |s| s * 1000),
            extra_target_labels: settings.extra_target_labels.iter().cloned().collect(),
            ..Facts::default()
        })
    }

    /// Builds the lookups the checks use; call after reading or merging.
    pub fn finish(&mut self) {
        let names_known = self.from_config
            && self.jobs_complete
            && !self.jobs.is_empty()
            && !self.jobs.iter().any(|job| job.job_rewritten);
        self.index.job_names = names_known.then(|| {
            let mut names: Vec<String> = self.jobs.iter().map(|job| job.name.clone()).collect();
            names.sort_unstable();
            names.dedup();
            names
        });
        self.index.job_suggestions = crate::catalog::suggest::NameIndex::new(
            self.index.job_names.as_deref().unwrap_or_default(),
        );
        self.index.interval_by_job.clear();
        for job in &self.jobs {
            self.index
                .interval_by_job
                .entry(job.name.clone())
                .or_insert(job.scrape_interval_ms);
        }
        self.index.shortest_interval_ms = self.jobs.iter().map(|j| j.scrape_interval_ms).min();
        self.index.closed_target_labels = self.union_of_closed_sets();
        self.index.job_by_name.clear();
        for (position, job) in self.jobs.iter().enumerate() {
            self.index
                .job_by_name
                .entry(job.name.clone())
                .or_insert(position);
        }
    }

    /// Merges another config's facts: the run knows every job of both.
    pub fn merge(&mut self, other: Facts) {
        if !self.from_config {
            *self = other;
            self.finish();
            return;
        }
        self.global_scrape_interval_ms = self
            .global_scrape_interval_ms
            .min(other.global_scrape_interval_ms);
        self.external_labels.extend(other.external_labels);
        self.jobs.extend(other.jobs);
        self.jobs_complete &= other.jobs_complete;
        self.finish();
    }

    /// The label names every scraped series can carry besides its own, when every job's
    /// set is closed: the union over jobs. `None` when any job's set is open.
    pub fn closed_target_labels(&self) -> Option<BTreeSet<String>> {
        self.index.closed_target_labels.clone()
    }

    /// [`Facts::closed_target_labels`] without a copy: asked for every selector.
    pub fn closed_target_labels_ref(&self) -> Option<&BTreeSet<String>> {
        self.index.closed_target_labels.as_ref()
    }

    fn union_of_closed_sets(&self) -> Option<BTreeSet<String>> {
        if !self.from_config || !self.jobs_complete || self.jobs.is_empty() {
            return None;
        }
        let mut union = BTreeSet::new();
        for job in &self.jobs {
            if job.open.is_some() {
                return None;
            }
            union.extend(job.target_labels.iter().cloned());
        }
        Some(union)
    }

    /// The label names the scrape gives the series of job `name` (the first scrape
    /// config of that name), when its set is closed.
    pub fn target_labels_of(&self, name: &str) -> Option<&BTreeSet<String>> {
        self.index
            .job_by_name
            .get(name)
            .map(|&position| &self.jobs[position])
            .filter(|job| job.open.is_none())
            .map(|job| &job.target_labels)
    }

    /// Every job name, when the config lists every job and no rule rewrites `job`.
    pub fn job_names(&self) -> Option<&[String]> {
        self.index.job_names.as_deref()
    }

    /// The job names closest to `name`, best first (as `catalog::closest` over
    /// [`Facts::job_names`], without comparing every name).
    pub fn closest_jobs(&self, name: &str, limit: usize) -> Vec<&str> {
        self.index.job_suggestions.closest(name, limit)
    }

    /// The index [`Facts::closest_jobs`] asks.
    pub fn job_suggestions(&self) -> &crate::catalog::suggest::NameIndex {
        &self.index.job_suggestions
    }

    /// The scrape interval series of `job` are collected at; without a job, the
    /// shortest interval of any job (a window long enough for it may still be too
    /// short for a slower job, but then we cannot tell which job the metric is from).
    pub fn scrape_interval_ms(&self, job: Option<&str>) -> u64 {
        if let Some(&interval) = job.and_then(|name| self.index.interval_by_job.get(name)) {
            return interval;
        }
        self.index
            .shortest_interval_ms
            .unwrap_or(self.global_scrape_interval_ms)
    }
}
