//! Import tests on real catalog sources from `../shared/corpus/catalogs/`: every
//! format present there loads, and what it says about well-known metrics is right.
//! They need `../shared`: ignored by `cargo test`, run by `.ci/run`.

use promgate::catalog::{load_file, load_str, Catalog, MetricType, SeriesKind};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/catalogs");
    assert!(
        dir.is_dir(),
        "the catalog corpus is missing at {}: these tests need ../shared beside the repository",
        dir.display()
    );
    dir
}

fn load(relative: &str) -> Catalog {
    let path = corpus().join(relative);
    load_file(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.file_name().unwrap() != "SOURCES.md" {
            out.push(path);
        }
    }
}

/// geth's fixture holds a stray non-metric line (`\u{3a9}ga` at line 1516) that
/// Prometheus would refuse too; it is our real-world test of a loader error.
const BROKEN: &str = "netdata-go.d.plugin/modules/geth/testdata/metrics_geth.txt";

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn broken_real_file_fails_with_its_position() {
    let path = corpus().join(BROKEN);
    let err = load_file(path.to_str().unwrap()).unwrap_err();
    assert_eq!((err.line, err.column), (1516, 1), "{err}");
    assert!(err.message.contains("expected a metric name"), "{err}");
}

fn loadable_files() -> Vec<PathBuf> {
    let mut all = Vec::new();
    files(&corpus(), &mut all);
    all.retain(|path| !path.ends_with(BROKEN));
    all.sort();
    all
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn every_corpus_catalog_loads() {
    let mut all = Vec::new();
    files(&corpus(), &mut all);
    all.sort();
    assert!(
        all.len() >= 60,
        "expected the whole catalog corpus, found {}",
        all.len()
    );
    let mut total = 0;
    for path in &all {
        if path.ends_with(BROKEN) {
            continue;
        }
        let catalog = load_file(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!catalog.is_empty(), "{} yielded no metric", path.display());
        total += catalog.len();
    }
    assert!(total > 4000, "only {total} families in the corpus");
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn node_exporter_exposition() {
    let catalog = load("node_exporter/collector/fixtures/e2e-output.txt").with_builtins();
    let cpu = catalog.series("node_cpu_seconds_total").unwrap();
    assert_eq!(cpu.family.kind, MetricType::Counter);
    assert_eq!(cpu.has_label("mode", &catalog), Some(true));
    assert_eq!(cpu.has_label("cpu", &catalog), Some(true));
    assert_eq!(cpu.has_label("instance", &catalog), Some(true));
    assert_eq!(cpu.has_label("core", &catalog), Some(false));
    let mem = catalog.family("node_memory_Active_bytes").unwrap();
    assert_eq!(mem.kind, MetricType::Gauge);
    assert!(mem.labels.is_empty() && mem.labels_complete);
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn prometheus_histograms_and_summaries() {
    let catalog = load("prometheus/model/textparse/testdata/alltypes.237mfs.prom.txt");
    let gc = catalog.family("go_gc_duration_seconds").unwrap();
    assert_eq!(gc.kind, MetricType::Summary);
    assert!(
        !gc.labels.contains_key("quantile"),
        "quantile is implicit on summaries"
    );
    let bucket = catalog
        .series("prometheus_http_request_duration_seconds_bucket")
        .unwrap();
    assert_eq!(bucket.kind, SeriesKind::Bucket);
    assert_eq!(bucket.has_label("le", &catalog), Some(true));
    assert_eq!(bucket.has_label("handler", &catalog), Some(true));
    assert!(catalog
        .series("prometheus_http_request_duration_seconds")
        .is_none());
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn kubernetes_metric_lists() {
    let catalog = load("kubernetes/test/instrumentation/testdata/documentation-list.yaml");
    let requests = catalog.family("apiserver_request_total").unwrap();
    assert_eq!(requests.kind, MetricType::Counter);
    assert!(requests.labels.contains_key("verb") && requests.labels.contains_key("code"));
    let ksm = load("kube-state-metrics/tests/stable/testdata/stablemetrics.yaml");
    assert_eq!(ksm.family("kube_pod_info").unwrap().kind, MetricType::Gauge);
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn kube_state_metrics_markdown() {
    let catalog = load("kube-state-metrics/docs/metrics/workload/pod-metrics.md");
    let phase = catalog.family("kube_pod_status_phase").unwrap();
    assert_eq!(phase.kind, MetricType::Gauge);
    assert!(phase.labels["phase"].as_ref().unwrap().contains("Running"));
    let labels = catalog.series("kube_pod_labels").unwrap();
    assert_eq!(
        labels.has_label("label_app_kubernetes_io_name", &catalog),
        Some(true)
    );
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn untyped_dump_and_openmetrics_style_counters() {
    let openshift = load("openshift-cluster-monitoring-operator/Documentation/timeseries.txt");
    let alerts = openshift.family("ALERTS").unwrap();
    assert_eq!(alerts.kind, MetricType::Unknown);
    let cadvisor = load("cadvisor/lib/metrics/testdata/prometheus_metrics");
    let cpu = cadvisor
        .family("container_cpu_usage_seconds_total")
        .unwrap();
    assert_eq!(cpu.kind, MetricType::Counter);
    let text = "# TYPE req counter\nreq_total{code=\"200\"} 1\n# EOF\n";
    let om = load_str("om.txt", text).unwrap();
    assert_eq!(om.series("req_total").unwrap().family.name, "req");
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn merging_the_corpus_is_deterministic() {
    let all = loadable_files();
    let paths: Vec<String> = all
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    let forward = promgate::catalog::load::load_all(&paths).unwrap();
    let mut reversed_paths = paths.clone();
    reversed_paths.reverse();
    let backward = promgate::catalog::load::load_all(&reversed_paths).unwrap();
    assert_eq!(forward.len(), backward.len());
    let written = promgate::catalog::write::to_yaml(&forward);
    let reread = load_str("merged.yml", &written).unwrap();
    assert_eq!(promgate::catalog::write::to_yaml(&reread), written);
}
