//! The field lists of every block of prometheus.yml, as Prometheus 3.x declares them
//! (`config/config.go`, `common/config/http_config.go`, `discovery/*/`). A key that is
//! not listed is "not found in type", as Go's strict YAML decoder says.

/// Top-level keys (`config.Config`).
pub const TOP_LEVEL: &[&str] = &[
    "global",
    "runtime",
    "rule_files",
    "scrape_config_files",
    "scrape_configs",
    "storage",
    "tracing",
    "alerting",
    "remote_write",
    "remote_read",
    "otlp",
];

/// Scrape settings shared by `global` and every scrape config.
const SCRAPE_SETTINGS: &[&str] = &[
    "scrape_interval",
    "scrape_timeout",
    "scrape_protocols",
    "body_size_limit",
    "sample_limit",
    "target_limit",
    "label_limit",
    "label_name_length_limit",
    "label_value_length_limit",
    "keep_dropped_targets",
    "metric_name_validation_scheme",
    "metric_name_escaping_scheme",
    "scrape_failure_log_file",
    "always_scrape_classic_histograms",
    "convert_classic_histograms_to_nhcb",
    "scrape_native_histograms",
    "extra_scrape_metrics",
    "native_histogram_bucket_limit",
    "native_histogram_min_bucket_factor",
    "scrape_classic_histograms",
    "enable_compression",
];

/// `global` (`config.GlobalConfig`) beyond the scrape settings.
const GLOBAL_ONLY: &[&str] = &[
    "evaluation_interval",
    "rule_query_offset",
    "external_labels",
    "query_log_file",
];

pub fn global_fields() -> Vec<&'static str> {
    SCRAPE_SETTINGS.iter().chain(GLOBAL_ONLY).copied().collect()
}

/// Every service-discovery block a scrape config (or alertmanager config) may hold.
pub const SD_CONFIGS: &[&str] = &[
    "aws_sd_configs",
    "azure_sd_configs",
    "consul_sd_configs",
    "digitalocean_sd_configs",
    "docker_sd_configs",
    "dockerswarm_sd_configs",
    "dns_sd_configs",
    "ec2_sd_configs",
    "ecs_sd_configs",
    "elasticache_sd_configs",
    "eureka_sd_configs",
    "file_sd_configs",
    "gce_sd_configs",
    "hetzner_sd_configs",
    "http_sd_configs",
    "ionos_sd_configs",
    "kubernetes_sd_configs",
    "kuma_sd_configs",
    "lightsail_sd_configs",
    "linode_sd_configs",
    "marathon_sd_configs",
    "msk_sd_configs",
    "nerve_sd_configs",
    "nomad_sd_configs",
    "oci_sd_configs",
    "openstack_sd_configs",
    "outscale_sd_configs",
    "ovhcloud_sd_configs",
    "puppetdb_sd_configs",
    "rds_sd_configs",
    "scaleway_sd_configs",
    "serverset_sd_configs",
    "stackit_sd_configs",
    "triton_sd_configs",
    "uyuni_sd_configs",
    "vultr_sd_configs",
    "static_configs",
];

/// The inlined `HTTPClientConfig` of common/config.
pub const HTTP_CLIENT: &[&str] = &[
    "basic_auth",
    "authorization",
    "oauth2",
    "bearer_token",
    "bearer_token_file",
    "tls_config",
    "follow_redirects",
    "enable_http2",
    "proxy_url",
    "no_proxy",
    "proxy_from_environment",
    "proxy_connect_header",
    "http_headers",
];

/// A scrape config's own keys, beyond scrape settings, HTTP client and SD blocks.
const SCRAPE_ONLY: &[&str] = &[
    "job_name",
    "honor_labels",
    "honor_timestamps",
    "track_timestamps_staleness",
    "params",
    "fallback_scrape_protocol",
    "metrics_path",
    "scheme",
    "relabel_configs",
    "metric_relabel_configs",
];

pub fn scrape_fields() -> Vec<&'static str> {
    SCRAPE_ONLY
        .iter()
        .chain(SCRAPE_SETTINGS)
        .chain(HTTP_CLIENT)
        .chain(SD_CONFIGS)
        .copied()
        .collect()
}

pub const RELABEL: &[&str] = &[
    "source_labels",
    "separator",
    "regex",
    "modulus",
    "target_label",
    "replacement",
    "action",
];

pub const STATIC_CONFIG: &[&str] = &["targets", "labels"];

pub const TLS: &[&str] = &[
    "ca",
    "ca_file",
    "ca_ref",
    "cert",
    "cert_file",
    "cert_ref",
    "key",
    "key_file",
    "key_ref",
    "server_name",
    "insecure_skip_verify",
    "min_version",
    "max_version",
];

pub const BASIC_AUTH: &[&str] = &[
    "username",
    "username_file",
    "username_ref",
    "password",
    "password_file",
    "password_ref",
];

pub const AUTHORIZATION: &[&str] = &["type", "credentials", "credentials_file", "credentials_ref"];

pub const OAUTH2: &[&str] = &[
    "client_id",
    "client_secret",
    "client_secret_file",
    "client_secret_ref",
    "scopes",
    "token_url",
    "endpoint_params",
    "tls_config",
    "proxy_url",
    "no_proxy",
    "proxy_from_environment",
    "proxy_connect_header",
    "client_certificate_key_id",
    "client_certificate_key",
    "client_certificate_key_file",
    "client_certificate_key_ref",
    "grant_type",
    "signature_algorithm",
    "iss",
    "audience",
    "claims",
];

pub const KUBERNETES_ROLES: &[&str] = &[
    "pod",
    "service",
    "endpoints",
    "endpointslice",
    "node",
    "ingress",
];

/// Whether the values of `key` are secrets: never quoted in any message. A `match`, which
/// compiles to a switch on the length before any comparison: redaction asks it of every
/// key of a configuration (7 M instructions as a list search on a 1,000-job file).
pub fn is_secret_key(key: &str) -> bool {
    matches!(
        key,
        "password"
            | "bearer_token"
            | "credentials"
            | "client_secret"
            | "client_certificate_key"
            | "secret_key"
            | "auth_token"
            | "application_secret"
            | "consumer_key"
            | "token"
            | "key"
            | "secrets"
            | "access_key"
            | "api_key"
    )
}
