//! Reads prometheus.yml block by block, validating each and collecting the facts.

use super::facts::{Facts, JobFacts};
use super::relabel::{self, Names, Relabel};
use super::sd_schema::{self, BlockSchema};
use super::targets::{self, TargetFile, FILEPATH_LABEL};
use super::values::{label_name_error, label_value_error};
use super::{http, schema, sd, Included, PromConfig, Reader, RuleFilesEntry, TargetFileProblem};
use crate::source::{SourceFile, Span};
use crate::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const DEFAULT_SCRAPE_TIMEOUT_MS: u64 = 10_000;

const SCRAPE_PROTOCOLS: &[&str] = &[
    "OpenMetricsText0.0.1",
    "OpenMetricsText1.0.0",
    "PrometheusProto",
    "PrometheusText0.0.4",
    "PrometheusText1.0.0",
];

/// The global settings a scrape config inherits.
struct Global {
    scrape_interval_ms: u64,
    scrape_timeout_ms: u64,
    legacy_names: bool,
}

/// File service discovery's target files as one configuration reads them: each file
/// read once, however many jobs name it.
struct TargetFiles<'a> {
    included: Option<Included<'a>>,
    read: BTreeMap<PathBuf, Result<(SourceFile, TargetFile), String>>,
    /// Problems of the files, at the `files:` entries that name them.
    problems: Vec<TargetFileProblem>,
}

impl<'a> TargetFiles<'a> {
    fn new(included: Option<Included<'a>>) -> Self {
        TargetFiles {
            included,
            read: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    /// The same reading for a file `scrape_config_files` names: its own folder.
    fn for_file<'b>(&self, path: &'b Path) -> TargetFiles<'b>
    where
        'a: 'b,
    {
        let included = self.included.map(|included| Included {
            base: path.parent().unwrap_or(Path::new("")),
            files: included.files,
        });
        TargetFiles::new(included)
    }
}

pub(super) fn config(
    reader: &mut Reader,
    root: &Node,
    config: &mut PromConfig,
    included: Option<Included<'_>>,
) {
    let facts = &mut config.facts;
    let rule_files = &mut config.rule_files;
    let mut target_files = TargetFiles::new(included);
    let mut scrape_config_files: Vec<(String, Span)> = Vec::new();
    facts.from_config = true;
    if !reader.fields(root, "config.plain", schema::TOP_LEVEL) {
        return;
    }
    let global = match root.get("global") {
        Some(node) => global(reader, node, facts),
        None => Global {
            scrape_interval_ms: facts.global_scrape_interval_ms,
            scrape_timeout_ms: DEFAULT_SCRAPE_TIMEOUT_MS,
            legacy_names: false,
        },
    };
    for entry in root.entries() {
        let value = &entry.value;
        match entry.key.as_str().unwrap_or("") {
            "rule_files" => {
                for item in reader.list(value, "empty or null rule file path") {
                    let Some(pattern) = reader.text(item) else {
                        continue;
                    };
                    if !valid_glob_path(&pattern) {
                        reader.problem(
                            item.span.clone(),
                            format!("invalid rule file path {pattern:?}"),
                        );
                        continue;
                    }
                    rule_files.push(RuleFilesEntry {
                        pattern,
                        span: item.span.clone(),
                        matched: Vec::new(),
                    });
                }
            }
            "scrape_config_files" => {
                for item in reader.list(value, "empty or null scrape config file path") {
                    let Some(pattern) = reader.text(item) else {
                        facts.jobs_complete = false;
                        continue;
                    };
                    if !valid_glob_path(&pattern) {
                        facts.jobs_complete = false;
                        reader.problem(
                            item.span.clone(),
                            format!("invalid scrape config file path {pattern:?}"),
                        );
                        continue;
                    }
                    scrape_config_files.push((pattern, item.span.clone()));
                }
            }
            "scrape_configs" => scrape_configs(reader, value, &global, facts, &mut target_files),
            "alerting" => alerting(reader, value),
            "remote_write" => remote(reader, value, true),
            "remote_read" => {
                // Series read from remote storage carry whatever jobs and labels the
                // servers that wrote them gave them.
                facts.jobs_complete &= value.items().next().is_none();
                remote(reader, value, false)
            }
            "storage" => storage(reader, value),
            "tracing" => tracing(reader, value),
            "otlp" => {
                known(reader, value, &sd_schema::OTLP);
            }
            "runtime" => {
                known(reader, value, &sd_schema::RUNTIME);
            }
            _ => {}
        }
    }
    // Prometheus reads the included files after the configuration's own scrape configs.
    for (pattern, span) in scrape_config_files {
        let matched = match included {
            Some(included) => included.files.matching(included.base, &pattern),
            None => {
                facts.jobs_complete = false;
                continue;
            }
        };
        for path in &matched {
            let complete =
                included_scrape_configs(reader, path, &span, &global, facts, &target_files);
            facts.jobs_complete &= complete;
        }
        config.scrape_config_files.push(RuleFilesEntry {
            pattern,
            span,
            matched,
        });
    }
    config.target_file_problems = target_files.problems;
}

/// Adds the jobs of one file `scrape_config_files` names; `false` when the file cannot
/// be read. Its own problems are reported where it is linted itself (it is a file of
/// the run); a job name it shares with an earlier job is the including file's problem,
/// at the entry that includes it.
fn included_scrape_configs(
    reader: &mut Reader,
    path: &Path,
    entry: &Span,
    global: &Global,
    facts: &mut Facts,
    target_files: &TargetFiles<'_>,
) -> bool {
    let Some(included) = target_files.included else {
        return false;
    };
    let Ok(text) = included.files.text(path) else {
        return false;
    };
    let file = SourceFile::new(path.to_string_lossy(), text);
    let Ok(documents) = crate::yaml::parse_documents(&file) else {
        return false;
    };
    let Some(list) = documents
        .first()
        .and_then(|d| d.root.as_ref())
        .and_then(|root| root.get("scrape_configs"))
    else {
        return true;
    };
    let mut own = Reader::default();
    let mut own_targets = target_files.for_file(path);
    let mut complete = true;
    for item in own.list(list, "empty or null scrape config section") {
        let Some(job) = scrape_config(&mut own, item, global, &mut own_targets) else {
            // Prometheus refuses the whole configuration; the jobs are not known.
            complete = false;
            continue;
        };
        if facts.jobs.iter().any(|known| known.name == job.name) {
            reader.problem(
                entry.clone(),
                format!(
                    "found multiple scrape configs with job name {:?} (again in {})",
                    job.name, file.path
                ),
            );
            continue;
        }
        facts.jobs.push(job);
    }
    complete
}

/// Holds a block to its struct's field list; `false` when it is not a mapping.
fn known(reader: &mut Reader, node: &Node, block: &BlockSchema) -> bool {
    reader.fields(node, block.type_name, &block.allowed())
}

/// Prometheus allows glob characters only in a path's last element.
fn valid_glob_path(pattern: &str) -> bool {
    let dir = match pattern.rfind(['/', '\\']) {
        Some(at) => &pattern[..at],
        None => "",
    };
    !dir.contains(['*', '?', '['])
}

fn global(reader: &mut Reader, node: &Node, facts: &mut Facts) -> Global {
    let mut global = Global {
        scrape_interval_ms: facts.global_scrape_interval_ms,
        scrape_timeout_ms: DEFAULT_SCRAPE_TIMEOUT_MS,
        legacy_names: false,
    };
    if !reader.fields(node, "config.plain", &schema::global_fields()) {
        return global;
    }
    let mut timeout_set = false;
    let mut escaping_utf8 = false;
    for entry in node.entries() {
        let value = &entry.value;
        match entry.key.as_str().unwrap_or("") {
            "scrape_interval" => {
                if let Some(ms) = reader.duration(value) {
                    global.scrape_interval_ms = ms;
                }
            }
            "scrape_timeout" => {
                if let Some(ms) = reader.duration(value) {
                    global.scrape_timeout_ms = ms;
                    timeout_set = true;
                }
            }
            "evaluation_interval" | "rule_query_offset" => {
                reader.duration(value);
            }
            "external_labels" => {
                for (name, _) in labels(reader, value) {
                    facts.external_labels.insert(name);
                }
            }
            "metric_name_validation_scheme" => {
                global.legacy_names = validation_scheme(reader, value) == Some(true);
            }
            "metric_name_escaping_scheme" => {
                escaping_utf8 = value.as_str() == Some("allow-utf-8");
            }
            key => scrape_setting(reader, key, value),
        }
    }
    if global.legacy_names && escaping_utf8 {
        reader.problem(
            node.span.clone(),
            "utf8 metric names requested but validation scheme is not set to UTF8",
        );
    }
    if !timeout_set && global.scrape_interval_ms < global.scrape_timeout_ms {
        global.scrape_timeout_ms = global.scrape_interval_ms;
    }
    if timeout_set && global.scrape_timeout_ms > global.scrape_interval_ms {
        let span = node
            .get("scrape_timeout")
            .map_or(node.span.clone(), |n| n.span.clone());
        reader.problem(span, "global scrape timeout greater than scrape interval");
    }
    facts.global_scrape_interval_ms = global.scrape_interval_ms;
    global
}

/// `Some(true)` for `legacy`.
fn validation_scheme(reader: &mut Reader, node: &Node) -> Option<bool> {
    match node.as_str().unwrap_or("") {
        "" | "utf8" => Some(false),
        "legacy" => Some(true),
        other => {
            reader.problem(
                node.span.clone(),
                format!("unrecognized ValidationScheme: {other:?}"),
            );
            None
        }
    }
}

/// Settings shared by `global` and scrape configs.
fn scrape_setting(reader: &mut Reader, key: &str, value: &Node) {
    match key {
        "body_size_limit" => {
            reader.size(value);
        }
        "sample_limit"
        | "target_limit"
        | "label_limit"
        | "label_name_length_limit"
        | "label_value_length_limit"
        | "keep_dropped_targets"
        | "native_histogram_bucket_limit" => {
            reader.unsigned(value);
        }
        "always_scrape_classic_histograms"
        | "convert_classic_histograms_to_nhcb"
        | "scrape_native_histograms"
        | "extra_scrape_metrics"
        | "scrape_classic_histograms"
        | "enable_compression"
        | "honor_labels"
        | "honor_timestamps"
        | "track_timestamps_staleness"
            if !value.is_null() =>
        {
            reader.boolean(value);
        }
        _ => {}
    }
}

/// A `name: value` label mapping with valid names and values.
pub(super) fn labels(reader: &mut Reader, node: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if node.is_null() {
        return out;
    }
    if node.as_mapping().is_none() {
        reader.problem(
            node.span.clone(),
            "labels must be a mapping of names to values",
        );
        return out;
    }
    for entry in node.entries() {
        let (Some(name), Some(value)) = (reader.bytes(&entry.key), reader.bytes(&entry.value))
        else {
            continue;
        };
        if let Some(message) = label_name_error(&name) {
            reader.problem(entry.key.span.clone(), message);
            continue;
        }
        if let Some(message) = label_value_error(&value) {
            reader.problem(entry.value.span.clone(), message);
            continue;
        }
        out.push((
            String::from_utf8_lossy(&name).into_owned(),
            String::from_utf8_lossy(&value).into_owned(),
        ));
    }
    out
}

fn scrape_configs(
    reader: &mut Reader,
    node: &Node,
    global: &Global,
    facts: &mut Facts,
    target_files: &mut TargetFiles<'_>,
) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for item in reader.list(node, "empty or null scrape config section") {
        let Some(job) = scrape_config(reader, item, global, target_files) else {
            continue;
        };
        if !seen.insert(job.name.clone()) {
            let span = item
                .get("job_name")
                .map_or(item.span.clone(), |n| n.span.clone());
            reader.problem(
                span,
                format!("found multiple scrape configs with job name {:?}", job.name),
            );
            continue;
        }
        facts.jobs.push(job);
    }
}

fn scrape_config(
    reader: &mut Reader,
    node: &Node,
    global: &Global,
    target_files: &mut TargetFiles<'_>,
) -> Option<JobFacts> {
    if !reader.fields(node, "config.ScrapeConfig", &schema::scrape_fields()) {
        return None;
    }
    let name = match node.get("job_name") {
        Some(value) => reader.optional_text(value)?,
        None => String::new(),
    };
    let mut interval = global.scrape_interval_ms;
    let mut timeout: Option<u64> = None;
    let mut names = Names::default();
    names.set.extend(
        [
            "job",
            "__address__",
            "__scheme__",
            "__metrics_path__",
            "__scrape_interval__",
            "__scrape_timeout__",
        ]
        .map(str::to_string),
    );
    let mut job_rewritten = false;
    let mut target_rules: Vec<Relabel> = Vec::new();
    let mut metric_rules: Vec<Relabel> = Vec::new();
    for entry in node.entries() {
        let key = entry.key.as_str().unwrap_or("");
        let value = &entry.value;
        match key {
            "scrape_interval" => interval = reader.duration(value).unwrap_or(interval),
            "scrape_timeout" => timeout = reader.duration(value),
            "scrape_protocols" => scrape_protocols(reader, value, &name),
            "fallback_scrape_protocol" if value.as_scalar().is_none() => {
                reader.problem(
                    value.span.clone(),
                    format!(
                        "yaml: unmarshal errors: cannot unmarshal {} into config.ScrapeProtocol",
                        value.kind_name()
                    ),
                );
            }
            "fallback_scrape_protocol" => {
                let protocol = value.as_str().unwrap_or("");
                if !SCRAPE_PROTOCOLS.contains(&protocol) {
                    reader.problem(
                        value.span.clone(),
                        format!(
                            "invalid fallback_scrape_protocol for scrape config with job name {name:?}: unknown scrape protocol {protocol}, supported: [{}]",
                            SCRAPE_PROTOCOLS.join(" ")
                        ),
                    );
                }
            }
            "metric_name_validation_scheme" => {
                validation_scheme(reader, value);
            }
            "scheme" => {
                if !matches!(value.as_str(), Some("http" | "https" | "")) {
                    reader.problem(
                        value.span.clone(),
                        format!("invalid scheme for scrape config with job name {name:?}"),
                    );
                }
            }
            "params" => {
                for param in value.entries() {
                    if let Some(param) = param.key.as_str() {
                        names.set.insert(format!("__param_{param}"));
                    }
                }
            }
            "relabel_configs" => {
                for rule in reader.list(value, "empty or null target relabeling rule") {
                    target_rules.extend(relabel::read(
                        reader,
                        rule,
                        "empty or null target relabeling rule",
                    ));
                }
            }
            "metric_relabel_configs" => {
                for rule in reader.list(value, "empty or null metric relabeling rule") {
                    metric_rules.extend(relabel::read(
                        reader,
                        rule,
                        "empty or null metric relabeling rule",
                    ));
                }
            }
            "static_configs" => {
                for group in reader.list(value, "empty or null section in static_configs") {
                    for (label, _) in static_config(reader, group, targets_are_addresses(node)) {
                        job_rewritten |= label == "job";
                        names.set.insert(label);
                    }
                }
            }
            key if key.ends_with("_sd_configs") => {
                for block in
                    reader.list(value, "empty or null section in a service discovery config")
                {
                    sd::check(reader, key, block);
                }
                if key == "file_sd_configs" {
                    for block in value.items().filter(|b| b.as_mapping().is_some()) {
                        let addresses = targets_are_addresses(node);
                        let labels = file_sd(reader, block, target_files, addresses, &mut names);
                        for label in labels {
                            job_rewritten |= label == "job";
                            names.set.insert(label);
                        }
                    }
                } else if key == "http_sd_configs" {
                    // Their target groups carry labels served elsewhere.
                    names.open = Some(format!(
                        "{key} targets carry labels from a server promgate does not ask"
                    ));
                } else if !value.is_null() {
                    names.open_sources = true;
                }
            }
            "honor_labels" => {
                // Federation: the scraped series keep their own `job`.
                job_rewritten |= reader.boolean(value) == Some(true);
            }
            key => scrape_setting(reader, key, value),
        }
    }
    http::check(reader, node, "");
    if name.is_empty() {
        // Prometheus decodes the whole block (and reports its errors) before this.
        let span = node
            .get_entry("job_name")
            .map_or(node.span.clone(), |e| e.key.span.clone());
        reader.problem(span, "job_name is empty");
        return None;
    }
    let timeout_ms = timeout.unwrap_or(global.scrape_timeout_ms.min(interval));
    if timeout_ms > interval {
        let span = node
            .get("scrape_timeout")
            .map_or(node.span.clone(), |n| n.span.clone());
        reader.problem(
            span,
            format!("scrape timeout greater than scrape interval for scrape config with job name {name:?}"),
        );
    }
    for rule in &target_rules {
        job_rewritten |= rule.target_label == "job" || rule.action == "labelmap";
        relabel::apply(rule, &mut names);
    }
    // After relabeling, `instance` defaults to the address and `__` labels go.
    names.set.insert("instance".to_string());
    names.set.retain(|label| !label.starts_with("__"));
    // Metric relabeling works on the scraped series: it may add labels; what it
    // drops only narrows what a series can carry, so the set stays an upper bound.
    names.open_sources = true;
    for rule in &metric_rules {
        job_rewritten |= rule.target_label == "job" || rule.action == "labelmap";
        if matches!(rule.action.as_str(), "labeldrop" | "labelkeep") {
            continue;
        }
        relabel::apply(rule, &mut names);
    }
    names.set.retain(|label| !label.starts_with("__"));
    Some(JobFacts {
        name,
        scrape_interval_ms: interval,
        target_labels: names.set,
        open: names.open,
        job_rewritten,
    })
}

/// Whether a `files` entry of file service discovery is a name Prometheus accepts: a
/// `.json`, `.yml` or `.yaml` file, a `*` only in the last path element.
fn valid_target_file_pattern(pattern: &str) -> bool {
    let extension = [".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML"]
        .iter()
        .any(|e| pattern.ends_with(e));
    let star_in_last = pattern
        .find('*')
        .is_none_or(|at| !pattern[at..].contains('/'));
    extension && star_in_last
}

/// One `file_sd_configs` block: its `files` resolved and read. The label names of
/// every target group (and `__meta_filepath`); `names.open` says why they are not all
/// known when a pattern matches no file yet (targets may be written there later), a
/// file cannot be read, or Prometheus would refuse it.
fn file_sd(
    reader: &mut Reader,
    block: &Node,
    target_files: &mut TargetFiles<'_>,
    check_addresses: bool,
    names: &mut Names,
) -> Vec<String> {
    let mut labels = Vec::new();
    let patterns: Vec<&Node> = block
        .get("files")
        .map_or(Vec::new(), |f| f.items().collect());
    if patterns.is_empty() {
        reader.problem(
            block.span.clone(),
            "file service discovery config must contain at least one path name",
        );
        names.open = Some("a file_sd_configs block names no file".into());
        return labels;
    }
    for item in patterns {
        let Some(pattern) = reader.text(item) else {
            names.open = Some("a file_sd_configs file name is not text".into());
            continue;
        };
        if !valid_target_file_pattern(&pattern) {
            reader.problem(
                item.span.clone(),
                format!("path name {pattern:?} is not valid for file discovery"),
            );
            names.open = Some(format!("`{pattern}` is not a target file name"));
            continue;
        }
        let Some(included) = target_files.included else {
            names.open = Some(
                "file_sd_configs targets carry labels from files promgate did not read".into(),
            );
            continue;
        };
        let matched = included.files.matching(included.base, &pattern);
        if matched.is_empty() {
            names.open = Some(format!(
                "`{pattern}` matches no target file yet: targets written there later may carry any labels"
            ));
            continue;
        }
        for path in matched {
            let file = target_files
                .read
                .entry(path.clone())
                .or_insert_with(|| read_target_file(included, &path));
            let shown = path.to_string_lossy().into_owned();
            let problem = |at: Option<(usize, usize)>, message: String| TargetFileProblem {
                span: item.span.clone(),
                path: shown.clone(),
                at,
                message,
                whole_file: true,
            };
            match file {
                Err(message) => {
                    target_files.problems.push(problem(None, message.clone()));
                    names.open = Some(format!("target file {shown} cannot be read"));
                }
                Ok((source, parsed)) => {
                    let at = |span: &Span| {
                        let at = source.line_col(span.start);
                        Some((at.line, at.column))
                    };
                    for issue in &parsed.problems {
                        target_files
                            .problems
                            .push(problem(at(&issue.span), issue.message.clone()));
                    }
                    if !parsed.is_valid() {
                        names.open = Some(format!(
                            "Prometheus takes no targets from {shown}, which it cannot read"
                        ));
                        continue;
                    }
                    for group in &parsed.groups {
                        labels.extend(group.labels.iter().cloned());
                        // Targets are `host:port` unless a relabel rule rewrites them.
                        for (target, span) in group.targets.iter().filter(|_| check_addresses) {
                            if target.contains('/') {
                                target_files.problems.push(TargetFileProblem {
                                    whole_file: false,
                                    ..problem(
                                        at(span),
                                        format!("{target:?} is not a valid hostname"),
                                    )
                                });
                            }
                        }
                    }
                    labels.push(FILEPATH_LABEL.to_string());
                }
            }
        }
    }
    labels
}

/// Reads and parses one target file, keeping its text for line numbers.
fn read_target_file(
    included: Included<'_>,
    path: &Path,
) -> Result<(SourceFile, TargetFile), String> {
    let text = included.files.text(path)?;
    let source = SourceFile::new(path.to_string_lossy(), text);
    let parsed = targets::read(&source);
    Ok((source, parsed))
}

fn scrape_protocols(reader: &mut Reader, node: &Node, job: &str) {
    let mut seen = BTreeSet::new();
    let all: Vec<&str> = node.items().filter_map(Node::as_str).collect();
    for item in node.items() {
        let protocol = item.as_str().unwrap_or("");
        if !SCRAPE_PROTOCOLS.contains(&protocol) {
            reader.problem(
                item.span.clone(),
                format!(
                    "scrape_protocols: unknown scrape protocol {protocol}, supported: [{}] for scrape config with job name {job:?}",
                    SCRAPE_PROTOCOLS.join(" ")
                ),
            );
            return;
        }
        if !seen.insert(protocol) {
            reader.problem(
                item.span.clone(),
                format!(
                    "duplicated protocol in scrape_protocols, got [{}] for scrape config with job name {job:?}",
                    all.join(" ")
                ),
            );
            return;
        }
    }
}

/// Prometheus checks that static targets are `host:port` only when no relabel rule
/// may rewrite `__address__` (a URL target relabeled into `__param_target` is the
/// blackbox exporter's pattern).
fn targets_are_addresses(block: &Node) -> bool {
    block
        .get("relabel_configs")
        .is_none_or(|rules| rules.items().next().is_none())
}

/// A static target group: its targets must be host:port (when `check_targets`), its
/// labels valid.
fn static_config(reader: &mut Reader, node: &Node, check_targets: bool) -> Vec<(String, String)> {
    if !reader.fields(node, "targetgroup.Group", schema::STATIC_CONFIG) {
        return Vec::new();
    }
    if let Some(targets) = node.get("targets").filter(|_| check_targets) {
        for target in targets.items() {
            let text = target.as_str().unwrap_or("");
            if text.contains('/') {
                reader.problem(
                    target.span.clone(),
                    format!("{text:?} is not a valid hostname"),
                );
            }
        }
    }
    node.get("labels")
        .map(|l| labels(reader, l))
        .unwrap_or_default()
}

fn alerting(reader: &mut Reader, node: &Node) {
    if !reader.fields(
        node,
        "config.AlertingConfig",
        &["alert_relabel_configs", "alertmanagers"],
    ) {
        return;
    }
    if let Some(rules) = node.get("alert_relabel_configs") {
        for rule in reader.list(rules, "empty or null alert relabeling rule") {
            relabel::read(reader, rule, "empty or null alert relabeling rule");
        }
    }
    let Some(managers) = node.get("alertmanagers") else {
        return;
    };
    let allowed: Vec<&str> = sd_schema::ALERTMANAGER
        .allowed()
        .into_iter()
        .chain(schema::SD_CONFIGS.iter().copied())
        .collect();
    for manager in reader.list(managers, "empty or null alertmanager config") {
        reader.fields(manager, sd_schema::ALERTMANAGER.type_name, &allowed);
        for entry in manager.entries() {
            let key = entry.key.as_str().unwrap_or("");
            let value = &entry.value;
            match key {
                "relabel_configs" => {
                    for rule in
                        reader.list(value, "empty or null Alertmanager target relabeling rule")
                    {
                        relabel::read(
                            reader,
                            rule,
                            "empty or null Alertmanager target relabeling rule",
                        );
                    }
                }
                "alert_relabel_configs" => {
                    for rule in reader.list(value, "empty or null alert relabeling rule") {
                        relabel::read(reader, rule, "empty or null alert relabeling rule");
                    }
                }
                "static_configs" => {
                    for group in reader.list(value, "empty or null section in static_configs") {
                        static_config(reader, group, targets_are_addresses(manager));
                    }
                }
                "timeout" => {
                    reader.duration(value);
                }
                key if key.ends_with("_sd_configs") => {
                    for block in
                        reader.list(value, "empty or null section in a service discovery config")
                    {
                        sd::check(reader, key, block);
                    }
                }
                _ => {}
            }
        }
        http::check(reader, manager, "");
    }
}

const RESERVED_HEADERS: &[&str] = &[
    "host",
    "authorization",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "retry-after",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
];

/// Headers a remote write/read or tracing config may not set.
fn headers(reader: &mut Reader, node: &Node, authorization_message: &str) {
    for entry in node.entries() {
        let name = entry.key.as_str().unwrap_or("").to_ascii_lowercase();
        if name == "authorization" {
            reader.problem(entry.key.span.clone(), authorization_message);
        } else if RESERVED_HEADERS.contains(&name.as_str()) {
            reader.problem(
                entry.key.span.clone(),
                format!("{name} is a reserved header. It must not be changed"),
            );
        }
    }
}

fn remote(reader: &mut Reader, node: &Node, write: bool) {
    let kind = if write { "write" } else { "read" };
    let mut names = BTreeSet::new();
    let empty = format!("empty or null remote {kind} config section");
    let block = if write {
        &sd_schema::REMOTE_WRITE
    } else {
        &sd_schema::REMOTE_READ
    };
    for item in reader.list(node, &empty) {
        if !known(reader, item, block) {
            continue;
        }
        remote_auth_blocks(reader, item);
        let url = item.get("url").and_then(Node::as_str).unwrap_or("");
        if url.is_empty() {
            reader.problem(item.span.clone(), format!("url for remote_{kind} is empty"));
            continue;
        }
        if let Some(name) = item.get("name").and_then(Node::as_str) {
            if !name.is_empty() && !names.insert(name.to_string()) {
                let span = item
                    .get("name")
                    .map_or(item.span.clone(), |n| n.span.clone());
                reader.problem(
                    span,
                    format!("found multiple remote {kind} configs with job name {name:?}"),
                );
            }
        }
        if let Some(node) = item.get("headers") {
            headers(
                reader,
                node,
                "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter",
            );
        }
        if let Some(rules) = item.get("write_relabel_configs") {
            for rule in reader.list(
                rules,
                "empty or null relabeling rule in remote write config",
            ) {
                relabel::read(
                    reader,
                    rule,
                    "empty or null relabeling rule in remote write config",
                );
            }
        }
        if let Some(message) = item.get("protobuf_message") {
            let text = message.as_str().unwrap_or("");
            if !matches!(
                text,
                "prometheus.WriteRequest" | "io.prometheus.write.v2.Request"
            ) {
                reader.problem(
                    message.span.clone(),
                    format!("invalid protobuf_message value: unknown type for remote write protobuf message {text}, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request"),
                );
            }
        }
        if let Some(queue) = item.get("queue_config") {
            queue_config(reader, queue);
        }
        http::check(reader, item, "");
    }
}

/// `azuread` (and its one method block), `google_iam`, `metadata_config`.
fn remote_auth_blocks(reader: &mut Reader, item: &Node) {
    if let Some(azuread) = item.get("azuread") {
        if known(reader, azuread, &sd_schema::AZURE_AD) {
            for entry in azuread.entries() {
                let key = entry.key.as_str().unwrap_or("");
                if let Some(method) = sd_schema::azure_ad_method(key) {
                    known(reader, &entry.value, &method);
                }
            }
        }
    }
    if let Some(google) = item.get("google_iam") {
        known(reader, google, &sd_schema::GOOGLE_IAM);
    }
    if let Some(metadata) = item.get("metadata_config") {
        known(reader, metadata, &sd_schema::METADATA);
    }
}

fn queue_config(reader: &mut Reader, node: &Node) {
    if !known(reader, node, &sd_schema::QUEUE) {
        return;
    }
    let number = |key: &str| {
        node.get(key)
            .and_then(Node::as_str)
            .and_then(|v| v.parse::<i64>().ok())
    };
    for (key, what) in [
        ("max_samples_per_send", "max_samples_per_send"),
        ("max_shards", "max_shards"),
        ("min_shards", "min_shards"),
        ("capacity", "capacity"),
    ] {
        if number(key).is_some_and(|n| n <= 0) {
            let span = node.get(key).map_or(node.span.clone(), |n| n.span.clone());
            reader.problem(span, format!("remote write queue {what} must be positive"));
            return;
        }
    }
    if let (Some(min), Some(max)) = (number("min_shards"), number("max_shards")) {
        if min > max {
            reader.problem(
                node.span.clone(),
                "remote write queue min_shards must not be greater than max_shards",
            );
        }
    }
    let duration = |key: &str| {
        node.get(key)
            .and_then(Node::as_str)
            .and_then(|v| super::values::parse_duration(v).ok())
    };
    if let (Some(min), Some(max)) = (duration("min_backoff"), duration("max_backoff")) {
        if max < min {
            reader.problem(
                node.span.clone(),
                "remote write queue max_backoff must not be less than min_backoff",
            );
        }
    }
}

fn storage(reader: &mut Reader, node: &Node) {
    if !known(reader, node, &sd_schema::STORAGE) {
        return;
    }
    if let Some(exemplars) = node.get("exemplars") {
        known(reader, exemplars, &sd_schema::EXEMPLARS);
    }
    let Some(tsdb) = node.get("tsdb") else {
        return;
    };
    if !known(reader, tsdb, &sd_schema::TSDB) {
        return;
    }
    if let Some(encoding) = tsdb.get("chunk_encoding") {
        known(reader, encoding, &sd_schema::CHUNK_ENCODING);
    }
    if let Some(retention) = tsdb.get("retention") {
        known(reader, retention, &sd_schema::RETENTION);
        if let Some(time) = retention.get("time") {
            reader.duration(time);
        }
        if let Some(size) = retention.get("size") {
            if size.as_str().is_some_and(|s| s.starts_with('-')) {
                reader.problem(
                    size.span.clone(),
                    "'storage.tsdb.retention.size' must be greater than or equal to 0",
                );
            } else {
                reader.size(size);
            }
        }
        if let Some(percentage) = retention.get("percentage") {
            let value = percentage.as_str().and_then(|p| p.parse::<f64>().ok());
            if !value.is_some_and(|p| (0.0..=100.0).contains(&p)) {
                reader.problem(
                    percentage.span.clone(),
                    "'storage.tsdb.retention.percentage' must be in the range [0, 100]",
                );
            }
        }
    }
    if let Some(window) = tsdb.get("out_of_order_time_window") {
        reader.duration(window);
    }
    if let Some(floats) = tsdb.get("chunk_encoding").and_then(|c| c.get("floats")) {
        let text = floats.as_str().unwrap_or("");
        if !matches!(text, "xor" | "xor2") {
            reader.problem(
                floats.span.clone(),
                format!("'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got {text:?}"),
            );
        }
    }
}

fn tracing(reader: &mut Reader, node: &Node) {
    if !known(reader, node, &sd_schema::TRACING) {
        return;
    }
    if let Some(tls) = node.get("tls_config") {
        reader.fields(tls, "config.TLSConfig", schema::TLS);
    }
    let endpoint = node.get("endpoint").and_then(Node::as_str).unwrap_or("");
    if endpoint.is_empty() {
        reader.problem(node.span.clone(), "tracing endpoint must be set");
    }
    if let Some(compression) = node.get("compression") {
        let text = compression.as_str().unwrap_or("");
        if !text.is_empty() && text != "gzip" {
            reader.problem(
                compression.span.clone(),
                format!("invalid compression type {text} provided, valid options: gzip"),
            );
        }
    }
    if let Some(node) = node.get("headers") {
        headers(
            reader,
            node,
            "authorization header configuration is not yet supported",
        );
    }
}
