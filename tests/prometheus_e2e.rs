//! Prometheus configuration files end to end through the binary: each `prometheus/*`
//! check's failing and passing fixture, the PumpFlix label typos caught by the
//! exposition catalog with prometheus.yml beside it, and secrets kept out of every
//! output format.

use std::process::{Command, Output};

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

/// `(code, line, column)` of every diagnostic whose code starts with `prefix`.
fn findings(report: &serde_json::Value, prefix: &str) -> Vec<(String, u64, u64)> {
    report["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with(prefix))
        .map(|d| {
            (
                format!(
                    "{} {}",
                    d["path"].as_str().unwrap(),
                    d["code"].as_str().unwrap()
                ),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The arguments that check a check's fixture: configurations are checked as files;
/// rule files with the configuration beside them.
fn fixture_args(check: &str, which: &str) -> Vec<String> {
    let dir = format!("rules-fixtures/prometheus/{check}");
    let mut args = vec!["check".to_string(), "--no-config".to_string()];
    let config = format!("{dir}/prometheus.yml");
    if std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(&config)
        .is_file()
    {
        args.extend(["--prometheus-config".to_string(), config]);
    }
    args.push(format!("{dir}/{which}.yml"));
    args
}

const CHECKS: [&str; 6] = [
    "config",
    "rule-files",
    "target-file",
    "unknown-job",
    "range-window",
    "external-labels",
];

#[test]
fn each_check_reports_its_failing_fixture() {
    for check in CHECKS {
        let args = fixture_args(check, "fail");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = stdout(&promgate(&args));
        assert!(
            text.contains(&format!("prometheus/{check}")),
            "{check}: {text}"
        );
        insta::assert_snapshot!(format!("prometheus_{}_fail", check.replace('-', "_")), text);
    }
}

#[test]
fn each_check_is_silent_on_its_passing_fixture() {
    for check in CHECKS {
        let mut args = fixture_args(check, "pass");
        args.extend(["--format".to_string(), "json".to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = promgate(&args);
        let report = json(&output);
        assert_eq!(findings(&report, ""), [], "{check}: {report:#}");
        assert_eq!(output.status.code(), Some(0), "{check}");
    }
}

#[test]
fn pumpflix_label_typos_need_only_the_exposition_catalog_and_the_config() {
    let run = |paths: &[&str]| {
        let mut args = vec!["check", "--no-config", "--format", "json"];
        args.extend_from_slice(paths);
        args.extend(["--catalog", "rules-fixtures/pumpflix/metrics.prom"]);
        json(&promgate(&args))
    };
    let typos = "rules-fixtures/pumpflix/rules/label-typos.yml catalog/unknown-label";
    let expected = vec![
        (typos.to_string(), 8, 44),  // {status="500"}: the label is status_code
        (typos.to_string(), 13, 23), // by (rout): route
        (typos.to_string(), 15, 41), // {cache="redis"}: cache_type
    ];
    // The folder: prometheus.yml is found by its shape and names rules/*.yml.
    let report = run(&["rules-fixtures/pumpflix"]);
    let found: Vec<_> = findings(&report, "catalog/unknown-label");
    assert_eq!(found, expected, "{report:#}");
    assert_eq!(findings(&report, "prometheus/"), []);
    // Only the configuration named: its rule files are linted in the same run.
    let report = run(&[
        "--prometheus-config",
        "rules-fixtures/pumpflix/prometheus.yml",
    ]);
    assert_eq!(
        findings(&report, "catalog/unknown-label"),
        expected,
        "{report:#}"
    );
    // Without the configuration, the exposition cannot tell what the scrape adds.
    let report = run(&["rules-fixtures/pumpflix/rules/label-typos.yml"]);
    assert_eq!(findings(&report, "catalog/unknown-label"), []);
}

#[test]
fn pumpflix_typos_human_output() {
    let output = promgate(&[
        "check",
        "--no-config",
        "--prometheus-config",
        "rules-fixtures/pumpflix/prometheus.yml",
        "--catalog",
        "rules-fixtures/pumpflix/metrics.prom",
    ]);
    insta::assert_snapshot!("prometheus_pumpflix_typos", stdout(&output));
}

/// File service discovery and `scrape_config_files` read: labels only a target file gives
/// pass, a label nobody gives is reported, and the jobs of an included file make the job
/// names complete.
#[test]
fn file_sd_labels_and_included_jobs_reach_the_checks() {
    let alerts = "rules-fixtures/prometheus/file-sd/rules/alerts.yml";
    let expected = vec![
        (format!("{alerts} catalog/unknown-label"), 14, 18), // zone: nobody gives it
        (format!("{alerts} catalog/unknown-label"), 17, 29), // rack: the node job's only
        (format!("{alerts} prometheus/unknown-job"), 20, 22), // bacth: batch
    ];
    for args in [
        vec!["rules-fixtures/prometheus/file-sd"],
        vec![
            "--prometheus-config",
            "rules-fixtures/prometheus/file-sd/prometheus.yml",
        ],
    ] {
        let mut all = vec!["check", "--no-config", "--format", "json"];
        all.extend(args);
        let output = promgate(&all);
        let report = json(&output);
        assert_eq!(findings(&report, ""), expected, "{all:?}: {report:#}");
        assert_eq!(output.status.code(), Some(1));
    }
    let output = promgate(&["check", "--no-config", "rules-fixtures/prometheus/file-sd"]);
    insta::assert_snapshot!("prometheus_file_sd", stdout(&output));
}

/// A target file that is not there yet (or cannot be read) leaves the job's labels open:
/// label checks stay quiet instead of guessing.
#[test]
fn missing_or_broken_target_files_keep_the_labels_open() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("targets")).unwrap();
    std::fs::write(
        root.join("rules.yml"),
        "groups:\n  - name: a\n    rules:\n      - alert: ZoneDown\n        expr: up{zone=\"eu\"} == 0\n",
    )
    .unwrap();
    let run = |config: &str| {
        std::fs::write(root.join("prometheus.yml"), config).unwrap();
        // The two files, not the folder: a walk would also meet the broken JSON file
        // (not a target file to the walk).
        let output = promgate(&[
            "check",
            "--no-config",
            "--format",
            "json",
            root.join("prometheus.yml").to_str().unwrap(),
            root.join("rules.yml").to_str().unwrap(),
        ]);
        let report = json(&output);
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let config = "scrape_configs:\n  - job_name: node\n    file_sd_configs:\n      - files: ['targets/*.json']\n";
    // No file matches yet: targets written there later may carry any label.
    assert_eq!(run(config), Vec::<String>::new());
    // A broken file: its finding, and still no label guess.
    std::fs::write(root.join("targets/a.json"), "[{\"targets\": [\"a:1\"],}]").unwrap();
    assert_eq!(run(config), ["prometheus/target-file"]);
    // A good file: the labels are known, and zone is not one of them.
    std::fs::write(
        root.join("targets/a.json"),
        "[{\"targets\": [\"a:1\"], \"labels\": {\"dc\": \"x\"}}]",
    )
    .unwrap();
    assert_eq!(run(config), ["catalog/unknown-label"]);
}

#[test]
fn secrets_never_reach_any_output_format() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    let secret = "Zq8-hunter2-secret";
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: api\n    basic_auth:\n      username: u\n      password: {secret}\n    bearer_token: {secret}\n    static_configs:\n      - targets: ['api:3000']\n  - job_name: api\n    authorization:\n      credentials: \"{secret}\"\n      credentials_file: /x\n    oauth2:\n      client_id: c\n      client_secret: {secret}\n      token_url: http://auth\nremote_write:\n  - url: http://remote/push\n    headers:\n      X-Api-Key: {secret}\n      Authorization: {secret}\n"
        ),
    )
    .unwrap();
    let broken = dir.path().join("broken.yml");
    std::fs::write(
        &broken,
        format!("scrape_configs:\n  - job_name: a\n    bearer_token: {secret}\n  ] oops\n"),
    )
    .unwrap();
    // The same configuration quoted in a runbook: the guide's snippets must not show it.
    let guide = dir.path().join("runbook.md");
    let config_text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &guide,
        format!("# Runbook\n\nOur prometheus.yml:\n\n```yaml\n{config_text}```\n"),
    )
    .unwrap();
    let path = config.to_str().unwrap();
    for format in [
        "human",
        "json",
        "sarif",
        "github",
        "checkstyle",
        "gitlab",
        "junit",
    ] {
        let output = promgate(&[
            "check",
            "--no-config",
            "--format",
            format,
            path,
            broken.to_str().unwrap(),
            guide.to_str().unwrap(),
        ]);
        let all = format!(
            "{}{}",
            stdout(&output),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(all.contains("prometheus/config"), "{format}: {all}");
        assert!(
            all.contains("runbook.md"),
            "{format}: the guide's config is checked: {all}"
        );
        assert!(!all.contains("hunter2"), "{format} shows a secret:\n{all}");
        assert_eq!(output.status.code(), Some(1), "{format}");
    }
}

#[test]
fn a_missing_named_config_is_a_usage_error() {
    let output = promgate(&[
        "check",
        "--no-config",
        "--prometheus-config",
        "rules-fixtures/no-such/prometheus.yml",
        "rules-fixtures/pumpflix/alerts.yml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("rules-fixtures/no-such/prometheus.yml: no such file or folder"),
        "{stderr}"
    );
}

#[test]
fn init_names_the_configuration_it_finds_and_check_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("prometheus/rules")).unwrap();
    std::fs::write(
        root.join("prometheus/prometheus.yml"),
        "global:\n  scrape_interval: 30s\nrule_files: ['rules/*.yml']\nscrape_configs:\n  - job_name: api\n    static_configs: [{targets: ['api:3000']}]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("prometheus/rules/a.yml"),
        "groups:\n  - name: a\n    rules:\n      - alert: Down\n        expr: up{job=\"apii\"} == 0\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_promgate"))
            .args(args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .expect("the binary runs")
    };
    let init = run(&["init"]);
    assert_eq!(init.status.code(), Some(0));
    let written = std::fs::read_to_string(root.join(".promgate.yml")).unwrap();
    assert!(
        written.contains("\n  config: prometheus/prometheus.yml\n"),
        "{written}"
    );
    // `.promgate.yml` names the configuration: checking another folder still uses it.
    std::fs::create_dir_all(root.join("elsewhere")).unwrap();
    let output = run(&["check", "--format", "json", "elsewhere"]);
    let report = json(&output);
    let found = findings(&report, "prometheus/unknown-job");
    assert_eq!(
        found,
        [(
            "prometheus/rules/a.yml prometheus/unknown-job".to_string(),
            5,
            22
        )],
        "{report:#}"
    );
}

/// A job typo is one finding (`prometheus/unknown-job` owns `job` matchers when the
/// configuration lists every job, also with a server catalog that lists the jobs), and a
/// selector that names its job is held to that job's target labels.
#[test]
fn job_typos_once_and_target_labels_per_job() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("prometheus.yml"),
        "scrape_configs:\n  - job_name: api\n    static_configs: [{targets: ['api:3000']}]\n  - job_name: node\n    static_configs: [{targets: ['node:9100'], labels: {team: infra}}]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("catalog.yml"),
        "jobs: {api: {}, node: {}}\nmetrics:\n  http_requests_total:\n    type: counter\n    labels: [route]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("rules.yml"),
        "groups:\n  - name: a\n    rules:\n      - alert: ApiDown\n        expr: up{job=\"apii\"} == 0\n      - alert: InfraErrors\n        expr: rate(http_requests_total{job=\"api\", team=\"infra\"}[5m]) > 1\n      - alert: NodeDown\n        expr: up{job=\"node\", team=\"infra\"} == 0\n",
    )
    .unwrap();
    let path = |name: &str| root.join(name).display().to_string();
    let output = promgate(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "--prometheus-config",
        &path("prometheus.yml"),
        "--catalog",
        &path("catalog.yml"),
        &path("rules.yml"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let rules = path("rules.yml");
    let at = |code: &str| {
        findings(&report, code)
            .into_iter()
            .filter(|(what, _, _)| what.starts_with(&rules))
            .map(|(what, line, column)| {
                format!("{} {line}:{column}", what.rsplit(' ').next().unwrap())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at("prometheus/unknown-job"),
        ["prometheus/unknown-job 5:22"]
    );
    assert_eq!(at("catalog/unknown-label-value"), Vec::<String>::new());
    assert_eq!(
        at("catalog/unknown-label"),
        ["catalog/unknown-label 7:51"],
        "{report:#}"
    );
}
