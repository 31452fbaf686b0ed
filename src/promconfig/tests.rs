use super::*;
use crate::source::SourceFile;

fn read_text(text: &str) -> (SourceFile, PromConfig) {
    let file = SourceFile::new("prometheus.yml", text);
    let documents = crate::yaml::parse_documents(&file).expect("valid YAML");
    let config = read(&documents);
    (file, config)
}

fn messages(text: &str) -> Vec<String> {
    read_text(text)
        .1
        .problems
        .into_iter()
        .map(|p| p.message)
        .collect()
}

const PUMPFLIX: &str = "global:\n  scrape_interval: 15s\n  scrape_timeout: 10s\nrule_files:\n  - 'rules/*.yml'\nscrape_configs:\n  - job_name: 'pumpflix-api'\n    static_configs:\n      - targets: ['api:3000']\n    relabel_configs:\n      - source_labels: [__address__]\n        target_label: instance\n        regex: '([^:]+):.*'\n        replacement: '${1}'\n  - job_name: node\n    scrape_interval: 30s\n    static_configs:\n      - targets: ['node:9100']\n        labels: {team: infra}\n";

#[test]
fn static_jobs_have_closed_target_labels() {
    let (_, config) = read_text(PUMPFLIX);
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    let facts = &config.facts;
    assert_eq!(
        facts.job_names(),
        Some(&["node".to_string(), "pumpflix-api".to_string()][..])
    );
    let labels: Vec<String> = facts.closed_target_labels().unwrap().into_iter().collect();
    assert_eq!(labels, ["instance", "job", "team"]);
    assert_eq!(facts.scrape_interval_ms(Some("node")), 30_000);
    assert_eq!(facts.scrape_interval_ms(None), 15_000);
    assert_eq!(config.rule_files[0].pattern, "rules/*.yml");
}

#[test]
fn a_labelmap_over_kubernetes_meta_labels_opens_the_set() {
    let (_, config) = read_text("scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs:\n      - role: pod\n    relabel_configs:\n      - action: labelmap\n        regex: __meta_kubernetes_pod_label_(.+)\n");
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    assert_eq!(config.facts.closed_target_labels(), None);
    // Without the labelmap, meta labels are dropped: the set is closed.
    let (_, config) = read_text("scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs:\n      - role: pod\n    relabel_configs:\n      - source_labels: [__meta_kubernetes_namespace]\n        target_label: namespace\n");
    let labels: Vec<String> = config
        .facts
        .closed_target_labels()
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(labels, ["instance", "job", "namespace"]);
}

#[test]
fn relabel_rules_are_validated_at_their_node() {
    let (file, config) = read_text("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n");
    assert_eq!(config.problems.len(), 1);
    assert!(config.problems[0]
        .message
        .contains("requires non-zero modulus"));
    assert_eq!(file.line_col(config.problems[0].span.start).line, 4);
    assert!(messages("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: '('\n        target_label: x\n")[0].starts_with("error parsing regexp"));
}

#[test]
fn timeouts_duplicates_and_unknown_fields() {
    let found = messages("global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: a\n    scrape_timeout: 10s\n  - job_name: a\n    consult_sd_configs: []\n");
    assert!(
        found.iter().any(|m| m
            == "scrape timeout greater than scrape interval for scrape config with job name \"a\""),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m == "field consult_sd_configs not found in type config.ScrapeConfig"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m == "found multiple scrape configs with job name \"a\""),
        "{found:?}"
    );
}

#[test]
fn messages_never_quote_secrets() {
    let found = messages("scrape_configs:\n  - job_name: a\n    bearer_token: hunter2-secret\n    bearer_token_file: /x\n    basic_auth:\n      password: hunter2-secret\n      password_file: /y\n");
    assert!(found.len() >= 2, "{found:?}");
    assert!(found.iter().all(|m| !m.contains("hunter2")), "{found:?}");
}

#[test]
fn config_documents_are_recognised_by_shape() {
    let file = SourceFile::new("p.yml", PUMPFLIX);
    let documents = crate::yaml::parse_documents(&file).unwrap();
    assert!(is_config_document(&documents[0]));
    let file = SourceFile::new("r.yml", "groups: []\n");
    let documents = crate::yaml::parse_documents(&file).unwrap();
    assert!(!is_config_document(&documents[0]));
    let file = SourceFile::new("c.yml", "global:\n  resolve_timeout: 5m\nroute: {}\n");
    let documents = crate::yaml::parse_documents(&file).unwrap();
    assert!(
        !is_config_document(&documents[0]),
        "an Alertmanager config is not ours"
    );
}

#[test]
fn federation_and_remote_read_leave_job_names_unknown() {
    let (_, config) = read_text("scrape_configs:\n  - job_name: federate\n    honor_labels: true\n    static_configs: [{targets: ['a:9090']}]\n");
    assert_eq!(config.facts.job_names(), None);
    let (_, config) = read_text("scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['a:1']}]\nremote_read:\n  - url: http://r/read\n");
    assert_eq!(config.facts.job_names(), None);
    assert_eq!(config.facts.closed_target_labels(), None);
}

/// Each problem as `line: message`.
fn lined(text: &str) -> Vec<String> {
    let (file, config) = read_text(text);
    config
        .problems
        .iter()
        .map(|p| format!("{}: {}", file.line_col(p.span.start).line, p.message))
        .collect()
}

#[test]
fn unknown_fields_inside_service_discovery_blocks_at_their_line() {
    let found = lined("scrape_configs:\n  - job_name: c\n    consul_sd_configs:\n      - server: consul:8500\n        servcies: [api]\n    ec2_sd_configs:\n      - region: eu-west-1\n        filters:\n          - name: tag:env\n            value: [prod]\n    kubernetes_sd_configs:\n      - role: pod\n        attach_metadata: {node: true, pods: true}\n");
    assert_eq!(
        found,
        [
            "5: field servcies not found in type consul.plain",
            "9: EC2 SD configuration filter values cannot be empty",
            "10: field value not found in type aws.Filter",
            "13: field pods not found in type kubernetes.AttachMetadataConfig",
        ]
    );
}

#[test]
fn every_registered_discovery_is_a_scrape_config_field() {
    // Prometheus 3.14 registers the AWS family beside ec2 and lightsail.
    for key in [
        "aws_sd_configs",
        "ecs_sd_configs",
        "elasticache_sd_configs",
        "msk_sd_configs",
        "rds_sd_configs",
    ] {
        let text = format!("scrape_configs:\n  - job_name: a\n    {key}:\n      - region: eu-west-1\n        port: 9100\n        refresh_interval: 1m\n");
        assert_eq!(lined(&text), Vec::<String>::new(), "{key}");
    }
    for key in super::schema::SD_CONFIGS {
        if *key != "static_configs" {
            assert!(
                super::sd_schema::service_discovery(key).is_some(),
                "{key} has no field list"
            );
        }
    }
}

#[test]
fn unknown_fields_in_remote_storage_tracing_otlp_and_runtime() {
    let found = lined("remote_write:\n  - url: http://w/write\n    queue_config: {max_shard: 4}\n    azuread: {cloud: AzurePublic, oauth: {client_id: a, tenant: b}}\n    metadata_config: {send: true}\nremote_read:\n  - url: http://r/read\n    read_recnt: true\nstorage:\n  tsdb:\n    retention: {tim: 15d}\n  exemplar: {max_exemplars: 10}\ntracing:\n  endpoint: otel:4317\n  samplng_fraction: 0.1\notlp:\n  promote_resource_attributes: [service.name]\n  translation: NoUTF8EscapingWithSuffixes\nruntime:\n  gogc: 75\n  gomaxprocs: 2\n");
    assert_eq!(
        found,
        [
            "3: field max_shard not found in type config.QueueConfig",
            "4: field tenant not found in type azuread.OAuthConfig",
            "8: field read_recnt not found in type config.plain",
            "11: field tim not found in type config.plain",
            "12: field exemplar not found in type config.StorageConfig",
            "15: field samplng_fraction not found in type config.plain",
            "18: field translation not found in type config.plain",
            "21: field gomaxprocs not found in type config.RuntimeConfig",
        ]
    );
}

#[test]
fn url_targets_are_allowed_when_relabeling_rewrites_the_address() {
    // The blackbox exporter pattern: the URL becomes `__param_target`.
    let blackbox = "scrape_configs:\n  - job_name: probe\n    static_configs:\n      - targets: [http://good]\n    relabel_configs:\n      - source_labels: [__address__]\n        target_label: __param_target\n      - target_label: __address__\n        replacement: blackbox:9115\n";
    assert_eq!(lined(blackbox), Vec::<String>::new());
    let plain = "scrape_configs:\n  - job_name: probe\n    static_configs:\n      - targets: [http://bad]\n";
    assert_eq!(lined(plain), ["4: \"http://bad\" is not a valid hostname"]);
}

#[test]
fn alertmanager_blocks_have_their_field_list() {
    let found = lined("alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['am:9093']}]\n      api_version: v2\n      path_prefx: /am\n");
    assert_eq!(
        found,
        ["5: field path_prefx not found in type config.AlertmanagerConfig"]
    );
}

/// Files in memory, as a caller would read them: the model asks, never reads.
struct MemoryFiles(Vec<(&'static str, &'static str)>);

impl Files for MemoryFiles {
    fn matching(&self, base: &std::path::Path, pattern: &str) -> Vec<std::path::PathBuf> {
        let full = base.join(pattern);
        let full = full.to_string_lossy();
        let glob = globset::Glob::new(&full).unwrap().compile_matcher();
        let mut found: Vec<std::path::PathBuf> = self
            .0
            .iter()
            .filter(|(path, _)| glob.is_match(path))
            .map(|(path, _)| std::path::PathBuf::from(path))
            .collect();
        found.sort();
        found
    }

    fn text(&self, path: &std::path::Path) -> Result<String, String> {
        self.0
            .iter()
            .find(|(p, _)| std::path::Path::new(p) == path)
            .map(|(_, text)| text.to_string())
            .ok_or_else(|| "no such file".to_string())
    }
}

fn read_in(text: &str, files: &MemoryFiles) -> PromConfig {
    let file = SourceFile::new("etc/prometheus.yml", text);
    let documents = crate::yaml::parse_documents(&file).expect("valid YAML");
    let base = std::path::Path::new("etc");
    read_with(&documents, Some(Included { base, files }))
}

#[test]
fn file_sd_target_labels_join_the_job_and_relabeling_applies() {
    let files = MemoryFiles(vec![
        (
            "etc/targets/a.json",
            r#"[{"targets": ["a:1"], "labels": {"dc": "x", "__tmp_owner": "y"}}]"#,
        ),
        (
            "etc/targets/b.yml",
            "- targets: ['b:1']\n  labels: {rack: r1}\n",
        ),
    ]);
    let config = read_in(
        "scrape_configs:\n  - job_name: node\n    file_sd_configs:\n      - files: ['targets/*.json', 'targets/b.yml']\n    relabel_configs:\n      - source_labels: [__tmp_owner]\n        target_label: owner\n      - action: labeldrop\n        regex: rack\n",
        &files,
    );
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    assert!(config.target_file_problems.is_empty());
    let labels: Vec<&String> = config
        .facts
        .target_labels_of("node")
        .unwrap()
        .iter()
        .collect();
    assert_eq!(labels, ["dc", "instance", "job", "owner"]);
}

#[test]
fn file_sd_stays_open_without_files_or_with_a_broken_one() {
    let text = "scrape_configs:\n  - job_name: node\n    file_sd_configs:\n      - files: ['targets/*.json']\n";
    // Read without the file system, or before any target file exists.
    assert!(read_text(text).1.facts.target_labels_of("node").is_none());
    let config = read_in(text, &MemoryFiles(vec![]));
    assert!(config.facts.target_labels_of("node").is_none());
    assert!(config.target_file_problems.is_empty());
    // A broken file: Prometheus takes none of its targets, reported at the pattern.
    let files = MemoryFiles(vec![("etc/targets/a.json", "[\n  null\n]\n")]);
    let config = read_in(text, &files);
    assert!(config.facts.target_labels_of("node").is_none());
    let problem = &config.target_file_problems[0];
    assert_eq!(problem.path, "etc/targets/a.json");
    assert_eq!(problem.at, Some((2, 3)));
    assert_eq!(problem.message, "nil target group item found");
    assert_eq!(&text[problem.span.clone()], "'targets/*.json'");
}

#[test]
fn file_sd_paths_are_held_to_prometheus_rules() {
    assert_eq!(
        messages("scrape_configs:\n  - job_name: n\n    file_sd_configs:\n      - files: ['targets/*/a.json', 'a.txt']\n      - refresh_interval: 1m\n"),
        [
            r#"path name "targets/*/a.json" is not valid for file discovery"#,
            r#"path name "a.txt" is not valid for file discovery"#,
            "file service discovery config must contain at least one path name",
        ]
    );
}

#[test]
fn scrape_config_files_bring_their_jobs() {
    let files = MemoryFiles(vec![
        (
            "etc/jobs/a.yml",
            "scrape_configs:\n  - job_name: batch\n    file_sd_configs:\n      - files: ['targets.yaml']\n",
        ),
        ("etc/jobs/targets.yaml", "- targets: ['b:1']\n  labels: {queue: q}\n"),
        (
            "etc/jobs/b.yml",
            "scrape_configs:\n  - job_name: api\n    static_configs: [{targets: ['x:1']}]\n",
        ),
    ]);
    let text = "scrape_config_files: ['jobs/*.yml']\nscrape_configs:\n  - job_name: api\n    static_configs: [{targets: ['a:1']}]\n";
    let config = read_in(text, &files);
    let names = config.facts.job_names().expect("every job is known");
    assert_eq!(names, ["api", "batch"]);
    // Paths in an included file are relative to its own folder.
    let labels: Vec<&String> = config
        .facts
        .target_labels_of("batch")
        .unwrap()
        .iter()
        .collect();
    assert_eq!(labels, ["instance", "job", "queue"]);
    assert_eq!(
        config
            .problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>(),
        [r#"found multiple scrape configs with job name "api" (again in etc/jobs/b.yml)"#]
    );
    assert_eq!(config.scrape_config_files[0].matched.len(), 2);
    // Without the file system the jobs are not all known.
    assert!(read_text(text).1.facts.job_names().is_none());
}

/// Each field is checked once per mapping: a repeated known field is reported at its
/// second occurrence, an unknown one at every occurrence (as Prometheus' YAML decoder
/// reports them).
#[test]
fn repeated_and_unknown_fields_are_reported() {
    let found = messages("global:\n  scrape_interval: 15s\n  scrape_interval: 30s\n  colour: red\n  colour: blue\n  evaluation_interval: 1m\n");
    assert_eq!(
        found,
        [
            "field scrape_interval already set in type config.plain",
            "field colour not found in type config.plain",
            "field colour not found in type config.plain",
        ]
    );
}
