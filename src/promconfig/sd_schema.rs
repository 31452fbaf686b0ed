//! The field lists of every service-discovery block Prometheus 3.x registers
//! (`discovery/<name>/`, each `SDConfig` struct's `yaml` tags) and of the blocks below
//! the scrape configs that carry their own structs (remote write and read, storage,
//! tracing, OTLP, runtime, Alertmanager). Go's strict decoder names the type it was
//! decoding into: most blocks decode through a `plain` alias of their package.

/// One block's decoded type: its name in messages, its own fields, and whether
/// common/config's HTTP client settings are inlined into it.
pub struct BlockSchema {
    pub type_name: &'static str,
    pub fields: &'static [&'static str],
    pub http_client: bool,
}

impl BlockSchema {
    /// Every key the block accepts.
    pub fn allowed(&self) -> Vec<&'static str> {
        let http: &[&str] = if self.http_client {
            super::schema::HTTP_CLIENT
        } else {
            &[]
        };
        self.fields.iter().chain(http).copied().collect()
    }
}

const fn block(
    type_name: &'static str,
    fields: &'static [&'static str],
    http_client: bool,
) -> BlockSchema {
    BlockSchema {
        type_name,
        fields,
        http_client,
    }
}

/// Every AWS discovery shares these credentials and placement settings.
const LIGHTSAIL: &[&str] = &[
    "region",
    "endpoint",
    "access_key",
    "secret_key",
    "profile",
    "role_arn",
    "external_id",
    "refresh_interval",
    "port",
];

const EC2: &[&str] = &[
    "region",
    "endpoint",
    "access_key",
    "secret_key",
    "profile",
    "role_arn",
    "external_id",
    "refresh_interval",
    "port",
    "filters",
];

/// ECS, ElastiCache and MSK.
const AWS_CLUSTERS: &[&str] = &[
    "region",
    "endpoint",
    "access_key",
    "secret_key",
    "profile",
    "role_arn",
    "external_id",
    "refresh_interval",
    "port",
    "clusters",
    "request_concurrency",
];

const RDS: &[&str] = &[
    "region",
    "endpoint",
    "access_key",
    "secret_key",
    "profile",
    "role_arn",
    "external_id",
    "refresh_interval",
    "port",
    "clusters",
    "request_concurrency",
    "filters",
];

/// `aws_sd_configs`, which picks one of the above by `role`.
const AWS: &[&str] = &[
    "region",
    "endpoint",
    "access_key",
    "secret_key",
    "profile",
    "role_arn",
    "external_id",
    "refresh_interval",
    "port",
    "role",
    "filters",
    "clusters",
];

/// The schema of a `<name>_sd_configs` block, `None` for a key that is not one
/// (`static_configs` is read by its own function).
pub fn service_discovery(key: &str) -> Option<BlockSchema> {
    let schema = match key {
        "aws_sd_configs" => block("aws.plain", AWS, true),
        "ec2_sd_configs" => block("aws.plain", EC2, true),
        "ecs_sd_configs" | "elasticache_sd_configs" | "msk_sd_configs" => {
            block("aws.plain", AWS_CLUSTERS, true)
        }
        "rds_sd_configs" => block("aws.plain", RDS, true),
        "lightsail_sd_configs" => block("aws.plain", LIGHTSAIL, true),
        "azure_sd_configs" => block(
            "azure.plain",
            &[
                "environment",
                "port",
                "subscription_id",
                "tenant_id",
                "client_id",
                "client_secret",
                "refresh_interval",
                "authentication_method",
                "resource_group",
            ],
            true,
        ),
        "consul_sd_configs" => block(
            "consul.plain",
            &[
                "server",
                "path_prefix",
                "token",
                "datacenter",
                "namespace",
                "partition",
                "tag_separator",
                "scheme",
                "username",
                "password",
                "allow_stale",
                "refresh_interval",
                "services",
                "tags",
                "node_meta",
                "filter",
                "health_filter",
            ],
            true,
        ),
        "digitalocean_sd_configs" => block(
            "digitalocean.plain",
            &["refresh_interval", "port", "role"],
            true,
        ),
        "docker_sd_configs" => block(
            "moby.plain",
            &[
                "host",
                "port",
                "filters",
                "host_networking_host",
                "refresh_interval",
                "match_first_network",
            ],
            true,
        ),
        "dockerswarm_sd_configs" => block(
            "moby.plain",
            &["host", "role", "port", "filters", "refresh_interval"],
            true,
        ),
        "dns_sd_configs" => block(
            "dns.plain",
            &["names", "refresh_interval", "type", "port"],
            false,
        ),
        "eureka_sd_configs" => block("eureka.plain", &["server", "refresh_interval"], true),
        "file_sd_configs" => block("file.plain", &["files", "refresh_interval"], false),
        "gce_sd_configs" => block(
            "gce.plain",
            &[
                "project",
                "zone",
                "filter",
                "refresh_interval",
                "port",
                "tag_separator",
            ],
            false,
        ),
        "hetzner_sd_configs" => block(
            "hetzner.plain",
            &["refresh_interval", "port", "role", "label_selector"],
            true,
        ),
        "http_sd_configs" => block("http.plain", &["refresh_interval", "url"], true),
        "ionos_sd_configs" => block(
            "ionos.plain",
            &["datacenter_id", "refresh_interval", "port"],
            true,
        ),
        "kubernetes_sd_configs" => block(
            "kubernetes.plain",
            &[
                "api_server",
                "role",
                "kubeconfig_file",
                "namespaces",
                "selectors",
                "attach_metadata",
            ],
            true,
        ),
        "kuma_sd_configs" => block(
            "xds.plainKumaConf",
            &["refresh_interval", "fetch_timeout", "server", "client_id"],
            true,
        ),
        "linode_sd_configs" => block(
            "linode.plain",
            &["refresh_interval", "port", "tag_separator", "region"],
            true,
        ),
        "marathon_sd_configs" => block(
            "marathon.plain",
            &[
                "servers",
                "refresh_interval",
                "auth_token",
                "auth_token_file",
            ],
            true,
        ),
        "nerve_sd_configs" | "serverset_sd_configs" => {
            block("zookeeper.plain", &["servers", "paths", "timeout"], false)
        }
        "nomad_sd_configs" => block(
            "nomad.plain",
            &[
                "allow_stale",
                "namespace",
                "refresh_interval",
                "region",
                "server",
                "tag_separator",
            ],
            true,
        ),
        "oci_sd_configs" => block(
            "oci.plain",
            &[
                "auth",
                "tenancy",
                "user",
                "fingerprint",
                "key_file",
                "key_passphrase",
                "key_passphrase_file",
                "region",
                "compartments",
                "port",
                "refresh_interval",
            ],
            true,
        ),
        "openstack_sd_configs" => block(
            "openstack.plain",
            &[
                "identity_endpoint",
                "username",
                "userid",
                "password",
                "project_name",
                "project_id",
                "domain_name",
                "domain_id",
                "application_credential_name",
                "application_credential_id",
                "application_credential_secret",
                "role",
                "region",
                "refresh_interval",
                "port",
                "all_tenants",
                "tls_config",
                "availability",
            ],
            false,
        ),
        "outscale_sd_configs" => block(
            "outscale.plain",
            &[
                "endpoint",
                "region",
                "access_key",
                "secret_key",
                "secret_key_file",
                "refresh_interval",
                "port",
            ],
            true,
        ),
        "ovhcloud_sd_configs" => block(
            "ovhcloud.plain",
            &[
                "endpoint",
                "application_key",
                "application_secret",
                "consumer_key",
                "refresh_interval",
                "service",
            ],
            false,
        ),
        "puppetdb_sd_configs" => block(
            "puppetdb.plain",
            &[
                "refresh_interval",
                "url",
                "query",
                "include_parameters",
                "port",
            ],
            true,
        ),
        "scaleway_sd_configs" => block(
            "scaleway.plain",
            &[
                "project_id",
                "api_url",
                "zone",
                "access_key",
                "secret_key",
                "secret_key_file",
                "name_filter",
                "tags_filter",
                "refresh_interval",
                "port",
                "role",
            ],
            true,
        ),
        "stackit_sd_configs" => block(
            "stackit.plain",
            &[
                "project",
                "refresh_interval",
                "port",
                "region",
                "endpoint",
                "service_account_key",
                "private_key",
                "service_account_key_path",
                "private_key_path",
                "credentials_file_path",
            ],
            true,
        ),
        "triton_sd_configs" => block(
            "triton.plain",
            &[
                "account",
                "role",
                "dns_suffix",
                "endpoint",
                "groups",
                "port",
                "refresh_interval",
                "tls_config",
                "version",
            ],
            false,
        ),
        "uyuni_sd_configs" => block(
            "uyuni.plain",
            &[
                "server",
                "username",
                "password",
                "entitlement",
                "separator",
                "refresh_interval",
            ],
            true,
        ),
        "vultr_sd_configs" => block("vultr.plain", &["refresh_interval", "port"], true),
        _ => return None,
    };
    Some(schema)
}

/// `filters` items of the AWS and Docker discoveries.
pub const FILTER: &[&str] = &["name", "values"];

pub const KUBERNETES_NAMESPACES: &[&str] = &["own_namespace", "names"];
pub const KUBERNETES_SELECTOR: &[&str] = &["role", "label", "field"];
pub const KUBERNETES_ATTACH_METADATA: &[&str] =
    &["node", "namespace", "deployment", "job", "cronjob"];

pub const ALERTMANAGER: BlockSchema = block(
    "config.AlertmanagerConfig",
    &[
        "sigv4",
        "scheme",
        "path_prefix",
        "timeout",
        "api_version",
        "relabel_configs",
        "alert_relabel_configs",
    ],
    true,
);

pub const REMOTE_WRITE: BlockSchema = block(
    "config.plain",
    &[
        "url",
        "remote_timeout",
        "headers",
        "write_relabel_configs",
        "name",
        "send_exemplars",
        "send_native_histograms",
        "round_robin_dns",
        "protobuf_message",
        "failed_request_logging",
        "queue_config",
        "metadata_config",
        "sigv4",
        "azuread",
        "google_iam",
    ],
    true,
);

pub const QUEUE: BlockSchema = block(
    "config.QueueConfig",
    &[
        "capacity",
        "max_shards",
        "min_shards",
        "max_samples_per_send",
        "batch_send_deadline",
        "min_backoff",
        "max_backoff",
        "retry_on_http_429",
        "sample_age_limit",
    ],
    false,
);

pub const METADATA: BlockSchema = block(
    "config.MetadataConfig",
    &["send", "send_interval", "max_samples_per_send"],
    false,
);

pub const AZURE_AD: BlockSchema = block(
    "azuread.plain",
    &[
        "managed_identity",
        "workload_identity",
        "oauth",
        "sdk",
        "certificate",
        "cloud",
        "scope",
    ],
    false,
);

/// The sub-blocks of `azuread`, each with its own struct.
pub fn azure_ad_method(key: &str) -> Option<BlockSchema> {
    let schema = match key {
        "managed_identity" => block("azuread.ManagedIdentityConfig", &["client_id"], false),
        "workload_identity" => block(
            "azuread.WorkloadIdentityConfig",
            &["client_id", "tenant_id", "token_file_path"],
            false,
        ),
        "oauth" => block(
            "azuread.OAuthConfig",
            &["client_id", "client_secret", "tenant_id"],
            false,
        ),
        "sdk" => block("azuread.SDKConfig", &["tenant_id"], false),
        "certificate" => block(
            "azuread.CertificateConfig",
            &[
                "client_id",
                "tenant_id",
                "certificate_path",
                "certificate_key_path",
                "certificate_password",
                "send_certificate_chain",
            ],
            false,
        ),
        _ => return None,
    };
    Some(schema)
}

pub const GOOGLE_IAM: BlockSchema = block("googleiam.Config", &["credentials_file"], false);

pub const REMOTE_READ: BlockSchema = block(
    "config.plain",
    &[
        "url",
        "remote_timeout",
        "chunked_read_limit",
        "headers",
        "read_recent",
        "name",
        "required_matchers",
        "filter_external_labels",
    ],
    true,
);

pub const STORAGE: BlockSchema = block("config.StorageConfig", &["tsdb", "exemplars"], false);

pub const TSDB: BlockSchema = block(
    "config.plain",
    &[
        "out_of_order_time_window",
        "stale_series_compaction_threshold",
        "chunk_encoding",
        "retention",
    ],
    false,
);

pub const RETENTION: BlockSchema = block("config.plain", &["time", "size", "percentage"], false);

pub const CHUNK_ENCODING: BlockSchema = block("config.ChunkEncodingConfig", &["floats"], false);

pub const EXEMPLARS: BlockSchema = block("config.ExemplarsConfig", &["max_exemplars"], false);

pub const TRACING: BlockSchema = block(
    "config.plain",
    &[
        "client_type",
        "endpoint",
        "sampling_fraction",
        "insecure",
        "tls_config",
        "headers",
        "compression",
        "timeout",
    ],
    false,
);

pub const OTLP: BlockSchema = block(
    "config.plain",
    &[
        "promote_all_resource_attributes",
        "promote_resource_attributes",
        "ignore_resource_attributes",
        "translation_strategy",
        "keep_identifying_resource_attributes",
        "convert_histograms_to_nhcb",
        "promote_scope_metadata",
        "label_name_underscore_sanitization",
        "label_name_preserve_multiple_underscores",
    ],
    false,
);

pub const RUNTIME: BlockSchema = block("config.RuntimeConfig", &["gogc"], false);
