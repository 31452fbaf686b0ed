//! Dashboards end to end through the binary: every dashboard check's failing fixture,
//! the passing fixtures, the shapes the corpus lacks, the PumpFlix dashboards as the
//! guide writes them, and dashboards linted together with rule files.

use std::process::{Command, Output};

fn promgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

/// `path:line:column code message` for every diagnostic of a JSON report.
fn lines(output: &Output) -> String {
    let report = report(output);
    let mut out = String::new();
    for d in report["diagnostics"].as_array().expect("a list") {
        out.push_str(&format!(
            "{}:{}:{}-{}:{} {} {} {}\n",
            d["path"].as_str().unwrap(),
            d["line"],
            d["column"],
            d["end_line"],
            d["end_column"],
            d["severity"].as_str().unwrap(),
            d["code"].as_str().unwrap(),
            d["message"].as_str().unwrap(),
        ));
    }
    out
}

#[test]
fn dashboard_fail_fixtures() {
    let output = promgate(&["check", "--format", "json", "rules-fixtures/dashboard"]);
    // `dashboard/schema` is an error.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = report(&output);
    for meta in promgate::checks::dashboard::CHECKS
        .iter()
        .filter(|m| m.enabled_by_default)
    {
        let found = report["diagnostics"].as_array().unwrap().iter().any(|d| {
            d["code"] == meta.code
                && d["path"]
                    .as_str()
                    .unwrap()
                    .ends_with(meta.bad.path.trim_start_matches("rules-fixtures/dashboard"))
        });
        assert!(
            found,
            "{} reports nothing on {} through the binary",
            meta.code, meta.bad.path
        );
        let in_good = report["diagnostics"].as_array().unwrap().iter().any(|d| {
            d["code"] == meta.code
                && meta.good.path.ends_with(
                    d["path"]
                        .as_str()
                        .unwrap()
                        .trim_start_matches("rules-fixtures/"),
                )
        });
        assert!(
            !in_good,
            "{} reports on its passing fixture {}",
            meta.code, meta.good.path
        );
    }
    insta::assert_snapshot!(lines(&output));
}

#[test]
fn dashboard_shapes_json() {
    let output = promgate(&[
        "check",
        "--format",
        "json",
        "rules-fixtures/dashboard-shapes",
    ]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(lines(&output));
}

#[test]
fn pumpflix_dashboards_human() {
    // Every finding, infos included (`cli_e2e` shows the default, which hides them).
    let output = promgate(&[
        "check",
        "--show-info",
        "rules-fixtures/pumpflix/api-dashboard.json",
        "rules-fixtures/pumpflix/system-dashboard.json",
    ]);
    // Warnings and infos only: the default `--fail-on error` passes.
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn pumpflix_dashboards_json() {
    let output = promgate(&[
        "check",
        "--format",
        "json",
        "rules-fixtures/pumpflix/api-dashboard.json",
        "rules-fixtures/pumpflix/system-dashboard.json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(lines(&output));
}

#[test]
fn rules_and_dashboards_in_one_folder_one_run() {
    let dir = std::env::temp_dir().join(format!("promgate-mixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("rules-fixtures/promql/syntax/fail.yml"),
        dir.join("rules.yml"),
    )
    .unwrap();
    std::fs::copy(
        root.join("rules-fixtures/dashboard/rate-interval/fail.json"),
        dir.join("dashboard.json"),
    )
    .unwrap();
    std::fs::copy(
        root.join("rules-fixtures/dashboard-shapes/configmap.yaml"),
        dir.join("configmap.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("package.json"),
        "{\"name\": \"not-a-dashboard\"}\n",
    )
    .unwrap();
    let output = promgate(&["check", "--format", "json", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    let report = report(&output);
    let codes_in = |file: &str| -> Vec<String> {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["path"].as_str().unwrap().ends_with(file))
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(codes_in("rules.yml").contains(&"promql/syntax".to_string()));
    assert!(codes_in("dashboard.json").contains(&"dashboard/rate-interval".to_string()));
    assert!(codes_in("configmap.yaml").contains(&"dashboard/variable-matcher".to_string()));
    // JSON that is no dashboard, met while walking, is not ours.
    assert!(codes_in("package.json").is_empty());
    assert_eq!(report["summary"]["files"], 3);
}

#[test]
fn invalid_json_is_reported_with_its_position() {
    let dir = std::env::temp_dir().join(format!("promgate-dash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.json");
    std::fs::write(&path, "{\n  \"panels\": [\n    {\"id\": 1,}\n  ]\n}\n").unwrap();
    let output = promgate(&["check", "--format", "json", path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "dashboard/schema");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(13))
    );
}

/// With the PumpFlix catalog, the catalog checks run on the dashboards' queries: the
/// guide's queries all name known metrics and labels, and a misspelt metric in a copy of
/// the API dashboard is reported at its exact position inside the JSON string.
#[test]
fn pumpflix_dashboards_with_catalog() {
    let clean = promgate(&[
        "check",
        "--format",
        "json",
        "--catalog",
        "rules-fixtures/pumpflix/catalog.yml",
        "rules-fixtures/pumpflix/api-dashboard.json",
        "rules-fixtures/pumpflix/system-dashboard.json",
    ]);
    let codes: Vec<String> = report(&clean)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert!(
        codes.iter().all(|c| !c.starts_with("catalog/")),
        "{codes:?}"
    );

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let original =
        std::fs::read_to_string(root.join("rules-fixtures/pumpflix/api-dashboard.json")).unwrap();
    let dir = std::env::temp_dir().join(format!("promgate-pumpflix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("api-dashboard.json");
    std::fs::write(
        &path,
        original.replacen(
            "rate(http_requests_total[5m])",
            "rate(http_request_total[5m])",
            1,
        ),
    )
    .unwrap();
    let output = promgate(&[
        "check",
        "--format",
        "json",
        "--catalog",
        "rules-fixtures/pumpflix/catalog.yml",
        path.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    let report = report(&output);
    let unknown: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "catalog/unknown-metric")
        .collect();
    assert_eq!(unknown.len(), 1, "{report:#}");
    // Line 14: `            "expr": "rate(http_request_total[5m])",`
    assert_eq!(
        (unknown[0]["line"].as_u64(), unknown[0]["column"].as_u64()),
        (Some(14), Some(27))
    );
}

/// The opt-in conventions stay silent by default and report once the configuration
/// turns them on.
#[test]
fn opt_in_conventions_through_the_config() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("promgate-optin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root.join("rules-fixtures/dashboard/panel-description/fail.json"),
        dir.join("panel.json"),
    )
    .unwrap();
    std::fs::copy(
        root.join("rules-fixtures/dashboard/editable/fail.json"),
        dir.join("editable.json"),
    )
    .unwrap();
    std::fs::copy(
        root.join("rules-fixtures/dashboard/panel-description/pass.json"),
        dir.join("described.json"),
    )
    .unwrap();
    let run = |config: Option<&str>| {
        if let Some(config) = config {
            std::fs::write(dir.join(".promgate.yml"), config).unwrap();
        }
        let output = Command::new(env!("CARGO_BIN_EXE_promgate"))
            .args(["check", "--format", "json", "."])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("the binary runs");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("JSON output");
        let mut found: Vec<String> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {}",
                    d["path"].as_str().unwrap(),
                    d["line"],
                    d["code"].as_str().unwrap()
                )
            })
            .collect();
        found.sort();
        found
    };
    let default = run(None);
    let enabled = run(Some(
        "checks:\n  dashboard/panel-description: on\n  dashboard/editable: on\n",
    ));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        default
            .iter()
            .all(|f| !f.contains("panel-description") && !f.contains("dashboard/editable")),
        "{default:?}"
    );
    assert!(
        enabled
            .iter()
            .any(|f| f.ends_with("panel.json:6 dashboard/panel-description")),
        "{enabled:?}"
    );
    assert!(
        enabled
            .iter()
            .any(|f| f.ends_with("editable.json:3 dashboard/editable")),
        "{enabled:?}"
    );
    assert!(
        !enabled
            .iter()
            .any(|f| f.contains("described.json") && f.contains("panel-description")),
        "{enabled:?}"
    );
}
