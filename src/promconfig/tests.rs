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
