//! `promgate init`: a commented starter `.promgate.yml`.

/// The file `promgate init` writes. Every setting is shown, most commented out, so the
/// file documents itself; it validates against `schemas/promgate-config.schema.json`.
pub const STARTER_CONFIG: &str = r#"# promgate configuration. promgate finds this file by walking up from the folder it
# runs in; `promgate check --config PATH` names another. Paths and globs below are
# relative to this file's folder. For completion in editors, point the YAML language
# server at schemas/promgate-config.schema.json from the promgate repository.

# Severity per check: off, on (default severity), info, warning or error.
# Keys are check codes or globs over codes; `promgate explain --list` lists them.
# The most specific key wins (an exact code beats `category/*`).
checks:
  # catalog/unknown-metric: error
  # "dashboard/*": warning

# Metric catalogs: metric names, types and labels your exporters expose.
catalogs: []
#  - monitoring/catalog.yml
#  - builtin:node_exporter      # bundled; `promgate catalog list-builtin` lists them

# How much the catalogs cover, for catalog/unknown-metric. By default an unknown metric
# is reported only in namespaces (the part before the first `_`) the catalogs know.
catalog_coverage:
  complete: false          # true: report unknown metrics in every namespace
  exclude_namespaces: []   # namespaces whose unknown metrics are never reported
#    - go

# Which files to lint when promgate walks folders (files named on the command line
# are always linted).
include: []
#  - "rules/**"
#  - "dashboards/**"
exclude: []
#  - "vendor/**"

# Different settings for some paths, applied after the ones above.
overrides: []
#  - paths: ["rules/experimental/**"]
#    checks:
#      "alerts/*": warning

# JSON has no comments, so dashboard findings are silenced here.
dashboards:
  exclude: []
#    - uid: legacy-overview
#      panel: 4            # a panel id, or its title as a string
#      checks: ["dashboard/*"]

# Team policy for alerting rules. Setting these turns on
# alerts/required-labels and alerts/required-annotations.
alerts:
  required_labels: {}
#    severity: critical|warning|info
#    team: ~               # any value
  required_annotations: []
#    - summary
#    - runbook_url

# How the Prometheus server that loads these rules is set up.
prometheus:
  # Its configuration file: jobs, scrape intervals and the labels the scrape adds reach
  # the checks, and the rule files it names are linted. Without one, the two settings
  # below stand in for it.
  # config: prometheus.yml
  # scrape_interval: 1m
  extra_target_labels: []
#    - cluster
  features: []
#    - promql-experimental-functions
  dialect: prometheus      # prometheus, thanos, vmalert or mimir
  name_validation: utf8    # utf8 (Prometheus 3) or legacy
"#;

/// Where `promgate init` looks for the Prometheus configuration, from the folder the
/// new `.promgate.yml` goes to.
pub const PROMETHEUS_CONFIG_CANDIDATES: &[&str] = &[
    "prometheus.yml",
    "prometheus.yaml",
    "prometheus/prometheus.yml",
    "prometheus/prometheus.yaml",
    "config/prometheus.yml",
];

/// The starter config, with `prometheus.config` set when a configuration was found.
pub fn starter_config(prometheus_config: Option<&str>) -> String {
    match prometheus_config {
        Some(path) => STARTER_CONFIG.replacen(
            "  # config: prometheus.yml\n",
            &format!("  config: {}\n", yaml_string(path)),
            1,
        ),
        None => STARTER_CONFIG.to_string(),
    }
}

/// A path as a YAML scalar: plain when that reads back the same, else double-quoted.
fn yaml_string(path: &str) -> String {
    if path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
    {
        path.to_string()
    } else {
        serde_json::to_string(path).unwrap_or_default()
    }
}
