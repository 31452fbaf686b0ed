//! The dashboard corpus sweep (`scripts/sweep-dashboards.sh`, run by CI): lints all of
//! `../shared/corpus/dashboards/` through the binary (`PROMGATE_BIN`, else the test
//! build's), then the dashboards and the rule corpus together in one run. Fails on a
//! crash, on any `promql/syntax` or `dashboard/schema` finding (every corpus dashboard
//! loads in Grafana and every query runs), on a file not linted, or when a finding we
//! verified as true disappears. Prints the per-check counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        dir.join("dashboards").is_dir(),
        "the dashboard corpus is missing at {}: this sweep needs ../shared beside the repository",
        dir.display()
    );
    dir
}

fn binary() -> String {
    std::env::var("PROMGATE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_promgate").to_string())
}

struct Run {
    report: serde_json::Value,
    status: i32,
    seconds: f64,
}

fn run(paths: &[&Path]) -> Run {
    let start = Instant::now();
    let output = Command::new(binary())
        .arg("check")
        .args(["--format", "json"])
        .args(paths)
        .output()
        .expect("the binary runs");
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let status = output
        .status
        .code()
        .unwrap_or_else(|| panic!("promgate was killed by a signal:\n{stderr}"));
    assert!(!stderr.contains("panicked"), "promgate crashed:\n{stderr}");
    assert!(
        status == 0 || status == 1,
        "exit status {status}:\n{stderr}"
    );
    let report = serde_json::from_slice(&output.stdout).expect("a JSON report");
    Run {
        report,
        status,
        seconds,
    }
}

fn counts(report: &serde_json::Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for d in report["diagnostics"].as_array().expect("diagnostics") {
        *counts
            .entry(d["code"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    counts
}

fn has(report: &serde_json::Value, path_end: &str, line: u64, code: &str) -> bool {
    report["diagnostics"].as_array().unwrap().iter().any(|d| {
        d["code"] == code
            && d["line"].as_u64() == Some(line)
            && d["path"].as_str().unwrap().ends_with(path_end)
    })
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run (or scripts/sweep-dashboards.sh)"]
fn sweep_dashboards() {
    let dashboards = corpus().join("dashboards");
    let run_one = run(&[&dashboards]);
    let report = &run_one.report;
    let counts = counts(report);
    println!(
        "dashboards: {} files in {:.2}s, exit {}",
        report["summary"]["files"], run_one.seconds, run_one.status
    );
    for (code, count) in &counts {
        println!("  {count:>6}  {code}");
    }
    let mut failures = Vec::new();
    // 65 JSON dashboards and the ConfigMapList holding 33 more.
    if report["summary"]["files"] != 66 {
        failures.push(format!(
            "expected 66 files linted, got {}",
            report["summary"]["files"]
        ));
    }
    for code in ["promql/syntax", "dashboard/schema"] {
        for d in report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code)
        {
            failures.push(format!(
                "false {code}: {}:{}:{} {}",
                d["path"], d["line"], d["column"], d["message"]
            ));
        }
    }
    // Findings checked by hand as true (see docs/dashboards.md); they must stay found.
    let verified = [
        ("loki__loki-operational.json", 4820, "dashboard/duplicate"),
        ("k8s-system-api-server.json", 584, "dashboard/unit"),
        ("loki__loki-operational.json", 1999, "dashboard/unit"),
        ("k8s-views-nodes.json", 3326, "dashboard/unit"),
        ("k8s-views-global.json", 1537, "dashboard/legend-label"),
        ("k8s-views-global.json", 191, "dashboard/variable-matcher"),
        (
            "loki__loki-operational.json",
            283,
            "dashboard/rate-interval",
        ),
        ("2018-04__statefulset.json", 31, "dashboard/datasource"),
        (
            "2018-04__statefulset.json",
            747,
            "dashboard/unused-variable",
        ),
    ];
    for (file, line, code) in verified {
        if !has(report, file, line, code) {
            failures.push(format!("verified finding lost: {file}:{line} {code}"));
        }
    }
    // Findings judged false (issue 10): a legend that a single-series `singlestat` or
    // `stat` panel never shows, and the dummy target Grafana leaves on a row.
    let verified_false = [
        ("v0.8.0__kubelet.json", 175, "dashboard/legend-label"),
        ("etcd__etcd.json", 34, "dashboard/legend-label"),
        ("bind9-full.json", 113, "dashboard/datasource"),
    ];
    for (file, line, code) in verified_false {
        if has(report, file, line, code) {
            failures.push(format!("false alarm is back: {file}:{line} {code}"));
        }
    }

    // Dashboards and rule files mixed in one run, in parallel.
    let rules = corpus().join("rules");
    let mixed = run(&[&dashboards, &rules]);
    println!(
        "dashboards + rules in one run: {} files in {:.2}s, exit {}",
        mixed.report["summary"]["files"], mixed.seconds, mixed.status
    );
    let mixed_files = mixed.report["summary"]["files"].as_u64().unwrap();
    if mixed_files <= 66 {
        failures.push(format!("mixed run linted only {mixed_files} files"));
    }
    for d in mixed.report["diagnostics"].as_array().unwrap() {
        let path = d["path"].as_str().unwrap();
        if path.contains("corpus/dashboards") && d["code"] == "promql/syntax" {
            failures.push(format!(
                "false promql/syntax in the mixed run: {path}:{}",
                d["line"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
