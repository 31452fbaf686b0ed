//! `.promgate.yml` end to end: discovery, errors with positions (exit 2), levels,
//! overrides, `init`, `explain`, completions and the man page.

mod workflow_support;

use workflow_support::*;

const RULES: &str =
    "groups:\n  - name: api\n    rules:\n      - alert: ApiDown\n        expr: up == 0\n";

#[test]
fn an_invalid_config_stops_the_run_with_positions() {
    let scratch = Scratch::new();
    scratch.write(
        ".promgate.yml",
        "checks:\n  alerts/required-labelz: error\nprometheus:\n  scrape_interval: soon\n",
    );
    scratch.write("rules/a.yml", RULES);
    let run = scratch.run(&["check", "rules"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn the_nearest_config_above_the_current_folder_applies() {
    let scratch = Scratch::new();
    scratch.write(".promgate.yml", "alerts:\n  required_labels: [severity]\n");
    scratch.write("team/rules/a.yml", RULES);
    let run = Scratch::run_in(&scratch, "team", &["check", "--format", "json", "rules"]);
    let json = run.json();
    assert_eq!(json["diagnostics"][0]["code"], "alerts/required-labels");
    assert_eq!(json["diagnostics"][0]["path"], "rules/a.yml");
    // --no-config ignores it; --config names another.
    let run = Scratch::run_in(
        &scratch,
        "team",
        &["check", "--no-config", "--format", "json", "rules"],
    );
    assert_eq!(run.json()["diagnostics"].as_array().unwrap().len(), 0);
    scratch.write(
        "other.yml",
        "checks:\n  alerts/required-annotations: error\n",
    );
    let run = Scratch::run_in(
        &scratch,
        "team",
        &[
            "check",
            "--config",
            "../other.yml",
            "--format",
            "json",
            "rules",
        ],
    );
    let json = run.json();
    assert_eq!(run.code, 1);
    assert_eq!(
        json["diagnostics"][0]["code"],
        "alerts/required-annotations"
    );
    assert_eq!(json["diagnostics"][0]["severity"], "error");
    let missing = scratch.run(&["check", "--config", "nope.yml", "team"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read config nope.yml"),
        "{}",
        missing.stderr
    );
}

#[test]
fn levels_overrides_and_excludes_apply_by_path() {
    let scratch = Scratch::new();
    scratch.write(
        ".promgate.yml",
        "checks:\n  \"alerts/*\": info\nalerts:\n  required_labels: [severity]\noverrides:\n  - paths: [prod/]\n    checks:\n      alerts/required-labels: error\nexclude: [vendor/]\n",
    );
    scratch.write("dev/a.yml", RULES);
    scratch.write("prod/a.yml", RULES);
    scratch.write("vendor/a.yml", RULES);
    let run = scratch.run(&["check", "--format", "json", "."]);
    let json = run.json();
    let found: Vec<(&str, &str, &str)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
            )
        })
        .collect();
    // `alerts/*` also turns on the opt-in annotations check (requiring `summary`).
    assert_eq!(
        found,
        [
            ("dev/a.yml", "alerts/required-annotations", "info"),
            ("dev/a.yml", "alerts/required-labels", "info"),
            ("prod/a.yml", "alerts/required-annotations", "info"),
            ("prod/a.yml", "alerts/required-labels", "error"),
        ]
    );
    assert_eq!(run.code, 1);
    // A file named explicitly is linted even when excluded.
    let run = scratch.run(&["check", "--format", "json", "vendor/a.yml"]);
    assert_eq!(run.json()["diagnostics"].as_array().unwrap().len(), 2);
}

#[test]
fn config_sets_dialect_and_features_unless_flags_do() {
    let scratch = Scratch::new();
    scratch.write(".promgate.yml", "prometheus:\n  features: [nonsense]\n");
    let run = scratch.run(&["check", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`nonsense` is not a PromQL feature"),
        "{}",
        run.stderr
    );
    scratch.write(
        ".promgate.yml",
        "prometheus:\n  dialect: thanos\n  features: [promql-experimental-functions]\n",
    );
    scratch.write(
        "a.yml",
        "groups:\n  - name: g\n    partial_response_strategy: warn\n    rules:\n      - record: a:b\n        expr: up\n",
    );
    assert_eq!(scratch.run(&["check", "a.yml"]).code, 0);
    let prometheus = scratch.run(&["check", "--dialect", "prometheus", "a.yml"]);
    assert_eq!(prometheus.code, 1, "{}", prometheus.stdout);
}

/// A repository with Thanos and Prometheus rules side by side lints both in one run: an
/// override sets the dialect of some paths; `--dialect` still fixes one for every file.
#[test]
fn overrides_set_the_dialect_per_path() {
    let scratch = Scratch::new();
    let thanos_rules = "groups:\n  - name: g\n    partial_response_strategy: warn\n    rules:\n      - record: a:b\n        expr: up\n";
    scratch.write("thanos/a.yml", thanos_rules);
    scratch.write("prometheus/a.yml", thanos_rules);
    let codes_by_path = |args: &[&str]| -> Vec<(String, String)> {
        let run = scratch.run(args);
        assert!(run.code < 2, "{}", run.stderr);
        run.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["path"].as_str().unwrap().to_string(),
                    d["code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let check = ["check", "--format", "json", "."];
    let both = [
        ("prometheus/a.yml".to_string(), "rules/schema".to_string()),
        ("thanos/a.yml".to_string(), "rules/schema".to_string()),
    ];
    assert_eq!(codes_by_path(&check), both);
    scratch.write(
        ".promgate.yml",
        "overrides:\n  - paths: thanos/\n    dialect: thanos\n",
    );
    assert_eq!(
        codes_by_path(&check),
        [("prometheus/a.yml".to_string(), "rules/schema".to_string())]
    );
    let flag = ["check", "--format", "json", "--dialect", "prometheus", "."];
    assert_eq!(codes_by_path(&flag), both);
    scratch.write(
        ".promgate.yml",
        "overrides:\n  - paths: thanos/\n    dialect: cortex\n",
    );
    let run = scratch.run(&check);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`cortex` is not a dialect"),
        "{}",
        run.stderr
    );
}

/// The file size limit: `--max-file-size` over `max_file_size` over 16 MiB.
#[test]
fn the_file_size_limit_has_a_flag_and_a_config_key() {
    let scratch = Scratch::new();
    let rules = "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: up\n";
    assert!(rules.len() > 64);
    scratch.write("a.yml", rules);
    let codes = |args: &[&str]| -> Vec<String> {
        let run = scratch.run(args);
        assert!(run.code < 2, "{}", run.stderr);
        run.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(codes(&["check", "--format", "json", "a.yml"]).is_empty());
    let too_large = ["input/invalid".to_string()];
    assert_eq!(
        codes(&[
            "check",
            "--format",
            "json",
            "--max-file-size",
            "64",
            "a.yml"
        ]),
        too_large
    );
    scratch.write(".promgate.yml", "max_file_size: 64\n");
    assert_eq!(codes(&["check", "--format", "json", "a.yml"]), too_large);
    assert!(codes(&[
        "check",
        "--format",
        "json",
        "--max-file-size",
        "1KiB",
        "a.yml"
    ])
    .is_empty());
    let run = scratch.run(&["check", "--max-file-size", "huge", "a.yml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is not a file size"), "{}", run.stderr);
}

#[test]
fn init_writes_a_starter_config_that_loads() {
    let scratch = Scratch::new();
    let run = scratch.run(&["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        scratch.read(".promgate.yml"),
        promgate::config::STARTER_CONFIG
    );
    assert_eq!(scratch.run(&["init"]).code, 2);
    assert_eq!(scratch.run(&["init", "--force"]).code, 0);
    assert_eq!(
        scratch.run(&["init", "--stdout"]).stdout,
        promgate::config::STARTER_CONFIG
    );
    scratch.write("a.yml", RULES);
    let run = scratch.run(&["check", "a.yml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn explain_prints_the_docs_page_and_lists_checks() {
    let scratch = Scratch::new();
    let run = scratch.run(&["explain", "--markdown", "alerts/required-labels"]);
    assert_eq!(run.code, 0);
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/checks/alerts/required-labels.md"),
    )
    .unwrap();
    assert_eq!(run.stdout, page);
    let list = scratch.run(&["explain", "--list"]);
    assert_eq!(list.code, 0);
    for meta in promgate::checks::all() {
        assert!(list.stdout.contains(meta.code), "{} missing", meta.code);
    }
    assert_eq!(scratch.run(&["explain", "alerts/nope"]).code, 2);
}

#[test]
fn completions_and_man_page() {
    let scratch = Scratch::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = scratch.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(run.stdout.contains("changed-since"), "{shell}");
    }
    let man = scratch.run(&["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH promgate"),
        "{}",
        &man.stdout[..200]
    );
    assert!(man.stdout.contains("check"));
}

#[test]
fn config_catalogs_are_loaded_relative_to_the_config() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rules-fixtures/catalog/unknown-metric");
    let scratch = Scratch::new();
    scratch.write(
        "monitoring/catalog.yml",
        &std::fs::read_to_string(fixtures.join("catalog.yml")).unwrap(),
    );
    scratch.write(
        "team/rules.yml",
        &std::fs::read_to_string(fixtures.join("fail.yml")).unwrap(),
    );
    scratch.write(".promgate.yml", "catalogs: [monitoring/catalog.yml]\n");
    // Run from a sub-folder: the catalog path is relative to the config, not the cwd.
    let run = Scratch::run_in(
        &scratch,
        "team",
        &["check", "--format", "json", "rules.yml"],
    );
    let json = run.json();
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["catalog/unknown-metric"], "{}", run.stderr);
    assert!(!run.stderr.contains("no metric catalog"), "{}", run.stderr);
    scratch.write(".promgate.yml", "catalogs: [missing.yml]\n");
    let run = Scratch::run_in(&scratch, "team", &["check", "rules.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn config_catalog_coverage_and_target_labels_apply() {
    let scratch = Scratch::new();
    scratch.write(
        "catalog.yml",
        "metrics:\n  http_requests_total: {type: counter, labels: [route]}\n",
    );
    // `pg_up` is outside every namespace the catalog knows; `cluster` is not a label of
    // the counter, but a typo of nothing (so only a declared target label explains it).
    scratch.write(
        "rules.yml",
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: pg_up == 0\n      - alert: B\n        expr: sum by (cluster) (rate(http_requests_total[5m])) > 1\n      - alert: C\n        expr: go_goroutines > 1000\n",
    );
    let codes = |config: &str| -> Vec<String> {
        scratch.write(".promgate.yml", config);
        let run = Scratch::run_in(&scratch, ".", &["check", "--format", "json", "rules.yml"]);
        run.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| format!("{} {}", d["code"].as_str().unwrap(), d["line"]))
            .collect()
    };
    assert!(codes("catalogs: [catalog.yml]\n").is_empty());
    // Complete: unknown names are reported in every namespace but the excluded ones,
    // and every label a metric cannot carry (`cluster`).
    assert_eq!(
        codes("catalogs: [catalog.yml]\ncatalog_coverage:\n  complete: true\n  exclude_namespaces: [go]\n"),
        ["catalog/unknown-metric 5", "catalog/unknown-label 7"]
    );
    // Declaring `cluster` a target label of every series silences the label finding.
    assert_eq!(
        codes("catalogs: [catalog.yml]\ncatalog_coverage: {complete: true, exclude_namespaces: [go, pg]}\n"),
        ["catalog/unknown-label 7"]
    );
    assert!(codes(
        "catalogs: [catalog.yml]\ncatalog_coverage: {complete: true, exclude_namespaces: [go, pg]}\nprometheus: {extra_target_labels: [cluster]}\n"
    )
    .is_empty());
}
