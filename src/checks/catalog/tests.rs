//! Unit tests of the catalog checks' logic on parsed expressions.

use super::common::Finding;
use crate::catalog::{load_str, Catalog};

const CATALOG: &str = "\
target_labels: []
metrics:
  http_request_duration_seconds:
    type: histogram
    labels: [method, route, status_code]
  http_requests_total:
    type: counter
    labels: [method, route, status_code]
  job_queue_size:
    type: gauge
    labels: [queue_name]
  rpc_duration_seconds:
    type: summary
    labels: [service]
  node_cpu_seconds_total:
    type: counter
    labels: [cpu, mode]
  node_uname_info:
    type: gauge
    labels: [nodename, release]
  kube_pod_labels:
    type: gauge
    labels: [pod, namespace]
    label_prefixes: [label_]
  route:request_duration_seconds_bucket:rate5m:
    type: gauge
    labels: [le, route]
";

fn catalog() -> Catalog {
    load_str("catalog.yml", CATALOG).unwrap().with_builtins()
}

fn run(check: &str, query: &str) -> Vec<(String, String, Option<String>)> {
    let parsed = crate::promql::parse(query);
    let expr = parsed
        .expr
        .unwrap_or_else(|| panic!("{query}: {:?}", parsed.errors));
    let catalog = catalog();
    let findings: Vec<Finding> = match check {
        "unknown-metric" => super::unknown_metric::find(&expr, &catalog),
        "unknown-label" => super::unknown_label::find(&expr, &catalog),
        "histogram" => super::histogram::find(&expr, query, &catalog),
        "counter" => super::counter::find(&expr, &catalog, false),
        "gauge" => super::gauge::find(&expr, &catalog, query),
        other => panic!("no check {other}"),
    };
    findings
        .into_iter()
        .map(|f| (query[f.span].to_string(), f.message, f.help))
        .collect()
}

fn spans(check: &str, query: &str) -> Vec<String> {
    run(check, query).into_iter().map(|(s, _, _)| s).collect()
}

#[test]
fn unknown_metric_uses_namespaces_and_suggests() {
    let found = run("unknown-metric", "rate(http_request_total[5m])");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "http_request_total");
    assert!(
        found[0]
            .2
            .as_deref()
            .unwrap()
            .contains("`http_requests_total`"),
        "{found:?}"
    );
    // Unknown namespace: the catalog never covered it, stay silent.
    assert!(spans("unknown-metric", "pg_up == 0").is_empty());
    assert!(spans("unknown-metric", "up == 0 and on(job) ALERTS").is_empty());
    assert!(spans("unknown-metric", "instance:node_cpu:rate5m > 1").is_empty());
    assert_eq!(
        spans("unknown-metric", "{__name__=~\"http_reqs_.*\"}"),
        ["\"http_reqs_.*\""]
    );
    assert!(spans("unknown-metric", "{__name__=~\"http_requests_.*\"}").is_empty());
    // The bare histogram name is `catalog/histogram`'s to explain.
    assert!(spans("unknown-metric", "http_request_duration_seconds").is_empty());
    let summary_bucket = run("unknown-metric", "rpc_duration_seconds_bucket");
    assert!(summary_bucket[0].2.as_deref().unwrap().contains("summary"));
}

#[test]
fn unknown_label_in_matchers_grouping_and_matching() {
    let found = run("unknown-label", "http_requests_total{status=\"500\"}");
    assert_eq!(found[0].0, "status");
    assert!(
        found[0]
            .2
            .as_deref()
            .unwrap()
            .starts_with("did you mean `status_code`?"),
        "{found:?}"
    );
    // A matcher that accepts the empty value also matches a missing label.
    assert!(spans("unknown-label", "http_requests_total{status=\"\"}").is_empty());
    assert!(spans("unknown-label", "http_requests_total{status!=\"500\"}").is_empty());
    assert!(spans(
        "unknown-label",
        "http_requests_total{job=\"api\", instance=~\".+\"}"
    )
    .is_empty());
    assert_eq!(
        spans(
            "unknown-label",
            "sum by (status) (rate(http_requests_total[5m]))"
        ),
        ["status"]
    );
    assert_eq!(
        spans(
            "unknown-label",
            "sum by (route) (sum by (method) (rate(http_requests_total[5m])))"
        ),
        ["route"]
    );
    assert!(spans(
        "unknown-label",
        "sum by (route, le) (rate(http_request_duration_seconds_bucket[5m]))"
    )
    .is_empty());
    assert_eq!(
        spans("unknown-label", "sum without (pod) (job_queue_size)"),
        ["pod"]
    );
    assert_eq!(
        spans(
            "unknown-label",
            "rate(node_cpu_seconds_total[5m]) * on(instance) group_left(nodname) node_uname_info"
        ),
        ["nodname"]
    );
    assert!(spans(
        "unknown-label",
        "rate(node_cpu_seconds_total[5m]) * on(instance) group_left(nodename) node_uname_info"
    )
    .is_empty());
    assert_eq!(
        spans(
            "unknown-label",
            "job_queue_size / on(route) http_requests_total"
        ),
        ["route"]
    );
    assert_eq!(
        spans(
            "unknown-label",
            "label_replace(job_queue_size, \"q\", \"$1\", \"queue\", \"(.+)\")"
        ),
        ["\"queue\""]
    );
    assert!(spans(
        "unknown-label",
        "label_replace(job_queue_size, \"q\", \"x\", \"queue\", \".*\")"
    )
    .is_empty());
    assert!(spans("unknown-label", "kube_pod_labels{label_app=\"x\"}").is_empty());
    assert_eq!(spans("unknown-label", "label_replace(job_queue_size, \"q\", \"$1\", \"queue_name\", \"(.+)\") > on(q) job_queue_size"), ["q"]);
    // Unknown metrics say nothing about labels.
    assert!(spans("unknown-label", "sum by (foo) (mystery_metric{bar=\"x\"})").is_empty());
    assert!(spans(
        "unknown-label",
        "sum by (value) (count_values(\"value\", job_queue_size))"
    )
    .is_empty());
}

#[test]
fn histogram_misuse() {
    let found = run(
        "histogram",
        "http_request_duration_seconds{quantile=\"0.9\"} > 1",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].0,
        "http_request_duration_seconds{quantile=\"0.9\"}"
    );
    assert_eq!(
        found[0].2.as_deref().unwrap(),
        "compute the quantile from the buckets: `histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))`"
    );
    let found = run(
        "histogram",
        "http_request_duration_seconds{quantile=\"0.99\", route=\"/a\"}",
    );
    assert!(found[0]
        .2
        .as_deref()
        .unwrap()
        .contains("rate(http_request_duration_seconds_bucket{route=\"/a\"}[5m])"));
    assert_eq!(
        spans(
            "histogram",
            "histogram_quantile(0.9, rate(http_request_duration_seconds_sum[5m]))"
        ),
        ["http_request_duration_seconds_sum"]
    );
    // `promql/histogram-le` reports an `le` dropped from `_bucket` series (one bug, one
    // finding); this check reports it only where the catalog alone knows `le` was there.
    let dropped_from_buckets =
        "histogram_quantile(0.9, sum by (route) (rate(http_request_duration_seconds_bucket[5m])))";
    assert!(spans("histogram", dropped_from_buckets).is_empty());
    let parsed = crate::promql::parse(dropped_from_buckets).expr.unwrap();
    assert_eq!(
        crate::checks::promql::histogram_le::find(&parsed, dropped_from_buckets).len(),
        1
    );
    let recorded =
        "histogram_quantile(0.9, sum by (route) (route:request_duration_seconds_bucket:rate5m))";
    let parsed = crate::promql::parse(recorded).expr.unwrap();
    assert!(crate::checks::promql::histogram_le::find(&parsed, recorded).is_empty());
    assert_eq!(spans("histogram", recorded), ["by (route)"]);
    assert!(spans("histogram", "histogram_quantile(0.9, sum by (route, le) (rate(http_request_duration_seconds_bucket[5m])))").is_empty());
    assert_eq!(
        spans("histogram", "http_request_duration_seconds_count{le=\"1\"}"),
        ["le=\"1\""]
    );
    assert_eq!(
        spans("histogram", "avg(rpc_duration_seconds{quantile=\"0.9\"})"),
        ["avg"]
    );
    assert!(spans("histogram", "max(rpc_duration_seconds{quantile=\"0.9\"})").is_empty());
    assert_eq!(
        spans("histogram", "histogram_quantile(0.9, rpc_duration_seconds)"),
        ["rpc_duration_seconds"]
    );
    assert!(spans("histogram", "rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m])").is_empty());
    assert!(spans(
        "histogram",
        "histogram_quantile(0.9, rate(unknown_bucket[5m]))"
    )
    .is_empty());
}

#[test]
fn counter_used_raw() {
    assert_eq!(
        spans("counter", "http_requests_total > 100"),
        ["http_requests_total"]
    );
    assert_eq!(
        spans("counter", "sum(http_requests_total)"),
        ["http_requests_total"]
    );
    assert!(spans("counter", "sum(rate(http_requests_total[5m])) > 1").is_empty());
    assert!(spans("counter", "absent(http_requests_total)").is_empty());
    assert!(spans("counter", "count(http_requests_total)").is_empty());
    assert!(spans("counter", "changes(http_requests_total[1h]) > 0").is_empty());
    assert!(spans(
        "counter",
        "http_requests_total - http_requests_total offset 1h"
    )
    .is_empty());
    assert!(spans("counter", "job_queue_size > 3 unless http_requests_total").is_empty());
    assert!(spans("counter", "job_queue_size > 1000").is_empty());
    // A ratio of lifetime totals may be meant; unsure stays silent.
    assert!(spans(
        "counter",
        "http_request_duration_seconds_sum / http_request_duration_seconds_count"
    )
    .is_empty());
}

#[test]
fn gauge_and_counter_functions() {
    let found = run("gauge", "rate(job_queue_size[5m])");
    assert_eq!(found[0].0, "rate");
    assert_eq!(
        found[0].2.as_deref(),
        Some("for a gauge use `deriv(job_queue_size[5m])`")
    );
    assert_eq!(spans("gauge", "delta(http_requests_total[10m])"), ["delta"]);
    assert!(spans("gauge", "deriv(job_queue_size[5m])").is_empty());
    assert!(spans(
        "gauge",
        "sum without (cpu) (deriv(node_cpu_seconds_total{mode=\"iowait\"}[1m]) > 0)"
    )
    .is_empty());
    assert!(spans("gauge", "clamp_min(delta(http_requests_total[5m]), 0)").is_empty());
    assert!(spans("gauge", "rate(http_requests_total[5m])").is_empty());
    assert!(spans("gauge", "rate(mystery[5m])").is_empty());
}

#[test]
fn counter_contexts() {
    assert!(
        spans("counter", "http_requests_total > 0").is_empty(),
        "did it ever happen"
    );
    assert_eq!(
        spans(
            "counter",
            "label_replace(http_requests_total, \"a\", \"b\", \"\", \"\") > 5"
        ),
        ["http_requests_total"]
    );
    assert_eq!(
        spans("counter", "http_requests_total"),
        ["http_requests_total"]
    );
    assert!(spans(
        "counter",
        "http_requests_total * on(route) group_left(team) route_info"
    )
    .is_empty());
    assert!(spans("counter", "max_over_time(http_requests_total[1h])").is_empty());
    assert!(spans("counter", "count(sum(http_requests_total) by (route))").is_empty());
    assert_eq!(
        spans("counter", "sum(http_request_duration_seconds_count)"),
        ["http_request_duration_seconds_count"]
    );
    let relabel =
        crate::promql::parse("label_replace(http_requests_total, \"a\", \"b\", \"\", \"\")")
            .expr
            .unwrap();
    assert!(
        super::counter::find(&relabel, &catalog(), true).is_empty(),
        "a recording rule may relabel a counter"
    );
    let summed = crate::promql::parse("sum(http_requests_total)")
        .expr
        .unwrap();
    assert_eq!(
        super::counter::find(&summed, &catalog(), true).len(),
        1,
        "summing raw counters breaks rate()"
    );
}

#[test]
fn idioms_that_stay_silent() {
    assert!(spans(
        "gauge",
        "sum without (cpu) (deriv(node_cpu_seconds_total{mode=\"iowait\"}[1m]) > 0)"
    )
    .is_empty());
    assert!(spans("gauge", "clamp_min(delta(http_requests_total[5m]), 0)").is_empty());
    assert_eq!(
        spans("gauge", "deriv(node_cpu_seconds_total[1m]) > 5"),
        ["deriv"]
    );
    // A join that adds a label: only the "many" side carries the buckets.
    assert!(spans(
        "histogram",
        "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (instance, le) * on(instance) group_left(nodename) max by (instance, nodename) (node_uname_info))"
    )
    .is_empty());
}

#[test]
fn undeclared_target_labels_report_only_typos() {
    let catalog = load_str(
        "c.yml",
        "metrics:\n  http_requests_total:\n    type: counter\n    labels: [method, route, status_code]\n",
    )
    .unwrap()
    .with_builtins();
    let find = |query: &str| {
        let expr = crate::promql::parse(query).expr.unwrap();
        super::unknown_label::find(&expr, &catalog)
            .into_iter()
            .map(|f| query[f.span].to_string())
            .collect::<Vec<_>>()
    };
    // Relabeling may add `env` or `cluster`: silent without declared target labels.
    assert!(find("sum by (env, cluster) (rate(http_requests_total{env=\"prod\"}[5m]))").is_empty());
    assert_eq!(
        find("http_requests_total{methd=\"GET\"}"),
        Vec::<String>::new(),
        "too short to judge"
    );
    assert_eq!(
        find("http_requests_total{statuscode=\"500\"}"),
        ["statuscode"]
    );
    assert_eq!(
        find("sum by (status_cod) (http_requests_total)"),
        ["status_cod"]
    );
}

/// Two static jobs: only `node`'s targets get `team`.
const TWO_JOBS: &str = "scrape_configs:\n  - job_name: api\n    static_configs: [{targets: ['api:3000']}]\n  - job_name: node\n    static_configs: [{targets: ['node:9100'], labels: {team: infra}}]\n";

fn job_scoped(query: &str) -> Vec<String> {
    let file = crate::source::SourceFile::new("prometheus.yml", TWO_JOBS);
    let documents = crate::yaml::parse_documents(&file).unwrap();
    let facts = crate::promconfig::read(&documents).facts;
    let mut catalog = catalog();
    catalog
        .target_labels
        .extend(facts.closed_target_labels().unwrap());
    catalog.target_labels_declared = true;
    let expr = crate::promql::parse(query).expr.expect("parses");
    super::unknown_label::find_in(
        &crate::promql::analysis::Analysis::new(&expr, Some(&catalog)),
        &super::common::ExprWalk::new(&expr, &catalog),
        &catalog,
        Some(&facts),
    )
    .into_iter()
    .map(|f| format!("{} | {}", &query[f.span.clone()], f.message))
    .collect()
}

#[test]
fn a_selector_naming_its_job_is_held_to_that_jobs_target_labels() {
    assert_eq!(
        job_scoped(r#"http_requests_total{job="api", team="infra"}"#),
        ["team | `team` is not a label of `http_requests_total` scraped by job `api`: only other jobs' scrapes add it, so this selector matches nothing"]
    );
    assert_eq!(
        job_scoped(r#"up{job=~"api|web", team="infra"}"#),
        ["team | `team` is not a label of `up` scraped by job `api`: only other jobs' scrapes add it, so this selector matches nothing"]
    );
    // The job that adds it, a regex over both jobs, and no job at all: the union.
    assert!(job_scoped(r#"node_cpu_seconds_total{job="node", team="infra"}"#).is_empty());
    assert!(job_scoped(r#"up{job=~".+", team="infra"}"#).is_empty());
    assert!(job_scoped(r#"up{team="infra"}"#).is_empty());
    // `team!=""`-style matchers that accept the empty value match series without it.
    assert!(job_scoped(r#"up{job="api", team!="infra"}"#).is_empty());
}

/// What a Prometheus configuration alone gives: the built-in series, closed target labels.
fn config_only_catalog() -> Catalog {
    let mut catalog = Catalog::new();
    catalog.target_labels_declared = true;
    catalog.with_builtins()
}

/// Every catalog check's findings on `query`, as `check | text | message`.
fn all_checks(query: &str, catalog: &Catalog) -> Vec<String> {
    let findings = checked(query, catalog, false);
    assert_eq!(findings, checked(query, catalog, true), "{query}");
    findings
}

/// [`all_checks`], with the checks' full path when `full` (even on a blind expression).
fn checked(query: &str, catalog: &Catalog, full: bool) -> Vec<String> {
    let expr = crate::promql::parse(query).expr.expect("parses");
    let analysis = crate::promql::analysis::Analysis::new(&expr, Some(catalog));
    let mut walk = super::common::ExprWalk::new(&expr, catalog);
    if full {
        walk = walk.not_blind();
    }
    let skip = super::unknown_label_value::Skip::Nothing;
    let found = [
        (
            "unknown-metric",
            super::unknown_metric::find_in(&walk, catalog),
        ),
        (
            "unknown-label",
            super::unknown_label::find_in(&analysis, &walk, catalog, None),
        ),
        (
            "unknown-label-value",
            super::unknown_label_value::find_in(&walk, catalog, skip),
        ),
        (
            "histogram",
            super::histogram::find_in(&analysis, &walk, query, catalog),
        ),
        ("counter", super::counter::find_in(&walk, false)),
        ("gauge", super::gauge::find_in(&walk, query)),
    ];
    found
        .into_iter()
        .flat_map(|(check, findings)| {
            findings
                .into_iter()
                .map(move |f| format!("{check} | {} | {}", &query[f.span.clone()], f.message))
        })
        .collect()
}

fn blind(query: &str, catalog: &Catalog) -> bool {
    let expr = crate::promql::parse(query).expr.expect("parses");
    super::common::ExprWalk::new(&expr, catalog).blind()
}

/// Regression (issue 11): with a catalog that knows few metrics (a configuration's
/// built-in series), every catalog check ran in full on every expression. An expression
/// whose selectors the catalog knows nothing of is now blind: the checks judge only what
/// the query itself limits, and say exactly what they said before.
#[test]
fn blind_expressions_keep_what_the_query_alone_limits() {
    let catalog = config_only_catalog();
    for query in [
        "rate(http_requests_total[5m])",
        "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) > 0.05",
        "{job=\"api\"}",
    ] {
        assert!(blind(query, &catalog), "{query}");
        assert!(all_checks(query, &catalog).is_empty(), "{query}");
    }
    // Grouped twice: the outer `by` names a label the inner one removed.
    assert!(blind("sum by (a) (sum by (b) (x))", &catalog));
    assert_eq!(
        all_checks("sum by (a) (sum by (b) (x))", &catalog),
        ["unknown-label | a | `sum by (a)`: the input has no `a` label, so the result never has it"]
    );
    // `histogram_quantile` over a vector the query itself leaves without `le`.
    let query = "histogram_quantile(0.9, sum(label_replace(vector(1), \"le\", \"1\", \"\", \"\")))";
    assert!(blind(query, &catalog));
    assert_eq!(all_checks(query, &catalog).len(), 1);
    // The same as the full path on queries of every shape.
    for query in [
        "count_values(\"le\", vector(1)) / on (le) group_left (x) absent(y{x=\"1\"})",
        "histogram_quantile(0.5, rate(x_bucket[5m])) + ignoring (pod) sum without (le) (z)",
        "label_join(sum by (a) (x), \"d\", \",\", \"a\", \"b\") or sort_by_label(y, \"c\")",
        "sum by (le) (histogram_quantile(0.9, sum by (job) (x)))",
        "time() - max by (c) (timestamp(y)) > on (c) group_right (e) vector(0)",
    ] {
        assert!(blind(query, &catalog), "{query}");
        all_checks(query, &catalog);
    }
}

/// Queries reading what a configuration-only catalog knows: a builtin series, a name in
/// a namespace it knows (reported as unknown), `__name__` matchers.
const NAMING_WHAT_A_CONFIG_KNOWS: [&str; 4] = [
    "rate(x[5m]) / scrape_duration_seconds",
    "scrape_duraton_seconds",
    "{__name__=~\"up|x\"}",
    "{__name__!=\"x\", job=\"a\"}",
];

/// What the catalog knows makes an expression not blind: a series it has, a name in a
/// namespace it knows (reported as unknown), a `__name__` matcher.
#[test]
fn expressions_naming_what_the_catalog_knows_are_not_blind() {
    let catalog = config_only_catalog();
    for query in ["up{pod=\"x\"} == 0"]
        .iter()
        .chain(&NAMING_WHAT_A_CONFIG_KNOWS)
    {
        assert!(!blind(query, &catalog), "{query}");
    }
    assert_eq!(
        all_checks("up{pod=\"x\"} == 0", &catalog),
        ["unknown-label | pod | `pod` is not a label of `up`, so this selector matches nothing"]
    );
    assert_eq!(all_checks("scrape_duraton_seconds", &catalog).len(), 1);
    // The bare name of a classic histogram belongs to its family by the stem.
    let full = self::catalog();
    assert!(!blind("http_request_duration_seconds", &full));
    assert_eq!(all_checks("http_request_duration_seconds", &full).len(), 1);
}

fn silent(query: &str, catalog: &Catalog) -> bool {
    let expr = crate::promql::parse(query).expr.expect("parses");
    super::silent::silent(&expr, catalog)
}

/// Queries of every shape the silence proof distinguishes.
const SHAPES: &[&str] = &[
    "rate(http_requests_total[5m])",
    "sum by (job, instance) (rate(x{job=\"a\",code=~\"5..\"}[5m])) / sum by (job, instance) (rate(x{job=\"a\"}[5m])) > 0.05",
    "histogram_quantile(0.99, sum by (le, route) (rate(x_bucket[5m]))) > 1.5",
    "(x{c=\"2\"} - y{c=\"2\"}) / x{c=\"2\"} > 0.9",
    "predict_linear(z{fstype!~\"tmpfs\"}[6h], 4 * 3600) < 0",
    "count by (namespace) (kube_pod_info{namespace=~\"ns.*\"})",
    "topk(3, sum by (a) (x)) and y",
    "max_over_time(x[10m:1m]) - scalar(y)",
    "topk(3, sum by (a) (x)) and on (a) y",
    "sum by (a) (sum by (b) (x))",
    "sum without (a) (sum by (b) (x))",
    "histogram_quantile(0.9, sum(label_replace(vector(1), \"le\", \"1\", \"\", \"\")))",
    "histogram_quantile(0.9, sum by (job) (x) / sum by (job) (y))",
    "count_values(\"le\", vector(1)) / on (le) group_left (x) absent(y{x=\"1\"})",
    "label_join(sum by (a) (x), \"d\", \",\", \"a\", \"b\") or sort_by_label(y, \"c\")",
    "label_replace(sum by (a) (x), \"d\", \"$1\", \"b\", \"(.+)\")",
    "x * on (a) y",
    "sum by (a) (x * on (b) y)",
    "time() - max by (c) (timestamp(y)) > on (c) group_right (e) vector(0)",
    "up{job=\"x\",foo=\"y\"}",
    "up == 0",
    "rate(x[5m]) / scrape_duration_seconds",
    "scrape_duraton_seconds",
    "{__name__=~\"up|x\"}",
    "{__name__!=\"x\", job=\"a\"}",
    "http_request_duration_seconds",
    "http_request_total",
    "topk(scalar(up), x)",
];

/// Regression (issue 11): the catalog run skips the catalog checks of an expression
/// they are proved silent on. Whatever the catalog, a silent expression has no
/// finding, and the proof does not claim silence where the catalog knows a selector.
#[test]
fn silent_expressions_have_no_catalog_finding() {
    let complete = load_str("c.yml", "complete: true\nmetrics: {}\n")
        .unwrap()
        .with_builtins();
    for catalog in [config_only_catalog(), catalog(), complete] {
        for query in SHAPES {
            if silent(query, &catalog) {
                assert!(all_checks(query, &catalog).is_empty(), "{query}");
                assert!(blind(query, &catalog), "{query}");
            }
        }
    }
}

/// What the shortcut must not skip: a selector the catalog knows (`up`, a series of
/// its families, a name it would report as unknown), a name in a complete catalog,
/// a `__name__` matcher, and a bound the query itself sets where a check judges it.
#[test]
fn the_silence_proof_leaves_what_a_check_may_report() {
    let config = config_only_catalog();
    for query in &SHAPES[..8] {
        assert!(silent(query, &config), "{query}");
    }
    let bounds_or_known = [
        "up{job=\"x\",foo=\"y\"}",
        "topk(scalar(up), x)",
        "sum by (a) (sum by (b) (x))",
        "histogram_quantile(0.9, sum(label_replace(vector(1), \"le\", \"1\", \"\", \"\")))",
        "histogram_quantile(0.9, sum by (job) (x) / sum by (job) (y))",
        "label_replace(sum by (a) (x), \"d\", \"$1\", \"b\", \"(.+)\")",
        "sum by (a) (x * on (b) y)",
    ];
    for query in bounds_or_known.iter().chain(&NAMING_WHAT_A_CONFIG_KNOWS) {
        assert!(!silent(query, &config), "{query}");
    }
    assert_eq!(
        all_checks("up{job=\"x\",foo=\"y\"}", &config),
        ["unknown-label | foo | `foo` is not a label of `up`, so this selector matches nothing"]
    );
    // A complete catalog reports every name it lacks.
    let complete = load_str("c.yml", "complete: true\nmetrics: {}\n")
        .unwrap()
        .with_builtins();
    assert!(!silent("rate(x[5m])", &complete));
    assert_eq!(all_checks("rate(x[5m])", &complete).len(), 1);
    // A name the catalog owns by its stem.
    assert!(!silent("http_request_duration_seconds", &catalog()));
}
