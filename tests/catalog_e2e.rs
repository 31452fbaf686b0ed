//! The catalog checks end to end through the binary: each check's failing and passing
//! fixture with the catalog beside it, the PumpFlix fixture, `catalog import|show`, and
//! catalog loading errors.

use std::path::Path;
use std::process::{Command, Output};

const CHECKS: [&str; 6] = [
    "unknown-metric",
    "unknown-label",
    "unknown-label-value",
    "histogram",
    "counter",
    "gauge",
];

fn promgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}\nstderr: {}",
            stdout(output),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn catalog_diagnostics(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("catalog/"))
        .cloned()
        .collect()
}

#[test]
fn each_check_reports_its_failing_fixture() {
    for check in CHECKS {
        let dir = format!("rules-fixtures/catalog/{check}");
        let output = promgate(&[
            "check",
            "--format",
            "human",
            &format!("{dir}/fail.yml"),
            "--catalog",
            &format!("{dir}/catalog.yml"),
        ]);
        let text = stdout(&output);
        assert!(
            text.contains(&format!("catalog/{check}")),
            "{check}: {text}"
        );
        insta::assert_snapshot!(format!("catalog_{}_fail", check.replace('-', "_")), text);
    }
}

#[test]
fn each_check_is_silent_on_its_passing_fixture() {
    for check in CHECKS {
        let dir = format!("rules-fixtures/catalog/{check}");
        let output = promgate(&[
            "check",
            "--format",
            "json",
            &format!("{dir}/pass.yml"),
            "--catalog",
            &format!("{dir}/catalog.yml"),
        ]);
        let report = json(&output);
        assert_eq!(
            catalog_diagnostics(&report),
            Vec::<serde_json::Value>::new(),
            "{check}"
        );
        assert_eq!(output.status.code(), Some(0), "{check}: {report:#}");
    }
}

#[test]
fn pumpflix_high_latency_is_a_histogram_misuse_and_nothing_else() {
    let output = promgate(&[
        "check",
        "--format",
        "json",
        "rules-fixtures/pumpflix",
        "--catalog",
        "rules-fixtures/pumpflix/catalog.yml",
    ]);
    let report = json(&output);
    // rules/label-typos.yml holds deliberate label typos (tests/prometheus_e2e.rs).
    let typos = "rules-fixtures/pumpflix/rules/label-typos.yml";
    let (typo_findings, found): (Vec<_>, Vec<_>) = catalog_diagnostics(&report)
        .into_iter()
        .partition(|d| d["path"] == typos);
    assert_eq!(typo_findings.len(), 3, "{report:#}");
    assert_eq!(found.len(), 1, "{report:#}");
    let high_latency = &found[0];
    assert_eq!(high_latency["code"], "catalog/histogram");
    assert_eq!(high_latency["path"], "rules-fixtures/pumpflix/alerts.yml");
    // `expr: http_request_duration_seconds{quantile="0.9"} > 1` at line 15: the
    // selector starts in column 15 and ends after its closing brace.
    let alerts = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules-fixtures/pumpflix/alerts.yml"),
    )
    .unwrap();
    let (line_index, line) = alerts
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("http_request_duration_seconds{quantile"))
        .unwrap();
    let column = line.find("http_request_duration_seconds").unwrap() + 1;
    let end = line.find("} > 1").unwrap() + 2;
    assert_eq!(high_latency["line"].as_u64(), Some(line_index as u64 + 1));
    assert_eq!(high_latency["column"].as_u64(), Some(column as u64));
    assert_eq!(high_latency["end_column"].as_u64(), Some(end as u64));
    assert_eq!(
        high_latency["help"],
        "compute the quantile from the buckets: `histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))`"
    );
    // The rule file alone: the dashboards' own findings belong to their checks' tests.
    let human = promgate(&[
        "check",
        "rules-fixtures/pumpflix/alerts.yml",
        "--catalog",
        "rules-fixtures/pumpflix/catalog.yml",
    ]);
    insta::assert_snapshot!("pumpflix_with_catalog", stdout(&human));
}

#[test]
fn without_a_catalog_the_skip_is_said_once() {
    let output = promgate(&["check", "--format", "json", "rules-fixtures/catalog"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("catalog/* checks were skipped").count(),
        1,
        "{stderr}"
    );
    assert!(catalog_diagnostics(&json(&output)).is_empty());
}

#[test]
fn import_merges_sources_into_a_sorted_catalog_and_show_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("catalog.yml");
    let exposition = dir.path().join("app.prom");
    std::fs::write(
        &exposition,
        "# HELP app_jobs_total Jobs.\n# TYPE app_jobs_total counter\napp_jobs_total{queue=\"a\"} 1\n# TYPE app_lag_seconds histogram\napp_lag_seconds_bucket{le=\"1\"} 1\napp_lag_seconds_sum 1\napp_lag_seconds_count 1\n",
    )
    .unwrap();
    let output = promgate(&[
        "catalog",
        "import",
        exposition.to_str().unwrap(),
        "rules-fixtures/pumpflix/catalog.yml",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!("catalog_import", written);
    let show = promgate(&["catalog", "show", "--catalog", out.to_str().unwrap()]);
    let text = stdout(&show);
    assert!(text.contains("app_lag_seconds"), "{text}");
    assert!(
        text.lines()
            .last()
            .unwrap()
            .contains("target labels: instance, job"),
        "{text}"
    );
}

#[test]
fn a_broken_catalog_is_an_error_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "metrics:\n  a:\n    type: gauge\n    lables: [x]\n").unwrap();
    let output = promgate(&[
        "check",
        "rules-fixtures/pumpflix",
        "--catalog",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.yml:4:5: unknown key `lables`"),
        "{stderr}"
    );
}

/// docs/catalog.md's recipe: an exposition and the metadata API merged. The metadata
/// knows no labels, which must not hide the labels the exposition saw: the typo that
/// the exposition alone catches is still caught.
#[test]
fn exposition_and_metadata_merged_keep_the_complete_label_set() {
    let dir = tempfile::tempdir().unwrap();
    let metadata = dir.path().join("metadata.json");
    std::fs::write(
        &metadata,
        r#"{"status":"success","data":{"http_requests_total":[{"type":"counter","help":"Total number of HTTP requests","unit":""}],
            "node_load1":[{"type":"gauge","help":"1m load average.","unit":""}]}}"#,
    )
    .unwrap();
    let catalog = dir.path().join("catalog.yml");
    let import = promgate(&[
        "catalog",
        "import",
        "tests/fixtures/pumpflix-api.prom",
        metadata.to_str().unwrap(),
        "-o",
        catalog.to_str().unwrap(),
    ]);
    assert_eq!(import.status.code(), Some(0), "{import:?}");
    let written = std::fs::read_to_string(&catalog).unwrap();
    assert!(
        written.contains("  http_requests_total:\n    type: counter\n    help: \"Total number of HTTP requests\"\n    labels: [method, route, status_code]\n  "),
        "{written}"
    );
    assert!(!written.contains("labels_complete: false"), "{written}");
    let rules = dir.path().join("rules.yml");
    std::fs::write(
        &rules,
        "groups:\n  - name: a\n    rules:\n      - alert: Errors\n        expr: rate(http_requests_total{status_codes=\"500\"}[5m]) > 1\n",
    )
    .unwrap();
    let output = promgate(&[
        "check",
        "--format",
        "json",
        rules.to_str().unwrap(),
        "--catalog",
        catalog.to_str().unwrap(),
    ]);
    let found = catalog_diagnostics(&json(&output));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "catalog/unknown-label");
    assert_eq!(
        (found[0]["line"].as_u64(), found[0]["column"].as_u64()),
        (Some(5), Some(40))
    );
}

/// Bundled catalogs: their types, labels and values count; their gaps never make a
/// metric unknown.
#[test]
fn bundled_catalogs_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(
        &rules,
        "groups:\n  - name: a\n    rules:\n      - alert: MemoryRate\n        expr: rate(node_memory_MemFree_bytes[5m]) > 1\n      - alert: DiskFull\n        expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1\n      - alert: PodPending\n        expr: kube_pod_status_phase{phase=\"pending\"} == 1\n",
    )
    .unwrap();
    let output = promgate(&[
        "check",
        "--format",
        "json",
        rules.to_str().unwrap(),
        "--catalog",
        "builtin:node_exporter",
        "--catalog",
        "builtin:kube-state-metrics",
    ]);
    let found: Vec<(String, u64, u64)> = catalog_diagnostics(&json(&output))
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("catalog/gauge".to_string(), 5, 15),
            ("catalog/unknown-label-value".to_string(), 9, 43)
        ]
    );
    // Listed, shown, and an unknown name is a clear error.
    let list = stdout(&promgate(&["catalog", "list-builtin"]));
    assert!(
        list.contains("builtin:node_exporter") && list.contains("builtin:kube-state-metrics"),
        "{list}"
    );
    let show = promgate(&["catalog", "show", "--catalog", "builtin:node_exporter"]);
    assert!(stdout(&show).contains("node_cpu_seconds_total"));
    let unknown = promgate(&["catalog", "show", "--catalog", "builtin:nodeexporter"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no such bundled catalog"));
}

/// `catalogs: [builtin:NAME]` in `.promgate.yml` names the bundled catalog, not a file
/// beside the config.
#[test]
fn bundled_catalogs_named_in_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".promgate.yml"),
        "catalogs: [builtin:kube-state-metrics]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rules.yml"),
        "groups:\n  - name: a\n    rules:\n      - alert: PodFailed\n        expr: kube_pod_status_phase{phase=\"failed\"} == 1\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(["check", "--format", "json", "rules.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let found = catalog_diagnostics(&json(&output));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "catalog/unknown-label-value");
    assert!(found[0]["help"]
        .as_str()
        .unwrap()
        .contains("did you mean `Failed`?"));
}

/// One bug, one finding: an `le` dropped under `histogram_quantile` from `_bucket` series
/// is `promql/histogram-le`'s finding, with a catalog as without one; `catalog/histogram`
/// does not report it again on the same token.
#[test]
fn a_dropped_le_is_reported_once_with_a_catalog() {
    let output = promgate(&[
        "check",
        "--format",
        "json",
        "rules-fixtures/promql/histogram-le/fail.yml",
        "--catalog",
        "rules-fixtures/catalog/histogram/catalog.yml",
    ]);
    let report = json(&output);
    let found: Vec<(&str, u64, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, [("promql/histogram-le", 7, 17)], "{report:#}");
    assert_eq!(output.status.code(), Some(1));
}
