//! Adoption features end to end: inline suppressions (and unused ones), the baseline
//! across line shifts, `--changed-since`, `--stdin` and long explicit file lists.

mod workflow_support;

use serde_json::Value;
use workflow_support::*;

const CONFIG: &str = "alerts:\n  required_labels:\n    severity: critical|warning\n";

fn findings(run: &Run) -> Vec<(String, u64, String)> {
    run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn inline_suppressions_cover_lines_rules_and_files() {
    let scratch = Scratch::new();
    scratch.write(".promgate.yml", CONFIG);
    scratch.write(
        "rules.yml",
        "\
groups:
  - name: api
    rules:
      # promgate: ignore[alerts/required-labels] paged by the legacy tree
      - alert: Legacy
        expr: up == 0
      - alert: Trailing
        expr: up == 0
        labels:
          severity: page # promgate: ignore[alerts/*]
      - alert: Reported
        expr: |
          # promgate: ignore[alerts/required-labels] a PromQL comment, not YAML
          up == 0
        labels:
          note: \"# promgate: ignore[alerts/required-labels] inside a string\"
      - alert: Stale  # promgate: ignore[rules/duplicate, alerts/nope]
        expr: up == 0
        labels:
          severity: critical
",
    );
    let run = scratch.run(&["check", "--format", "json", "rules.yml"]);
    let found = findings(&run);
    assert_eq!(
        found,
        [
            ("rules.yml".into(), 11, "alerts/required-labels".into()),
            ("rules.yml".into(), 17, "promgate/unused-suppression".into()),
            ("rules.yml".into(), 17, "promgate/unused-suppression".into()),
        ],
        "{}",
        run.stdout
    );
    let json = run.json();
    let messages: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[1].contains("`rules/duplicate` is unused"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("`alerts/nope`, which is no check"),
        "{messages:?}"
    );
    insta::assert_snapshot!(
        scratch
            .run(&["check", "--color", "never", "--show-info", "rules.yml"])
            .stdout
    );

    scratch.write(
        "whole.yml",
        "# promgate: ignore-file[alerts/required-labels]\ngroups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n",
    );
    assert!(findings(&scratch.run(&["check", "--format", "json", "whole.yml"])).is_empty());
}

#[test]
fn unused_suppression_fixtures() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rules-fixtures/promgate/unused-suppression");
    let scratch = Scratch::new();
    let fail = fixtures.join("fail.yml");
    let run = scratch.run(&["check", "--format", "json", fail.to_str().unwrap()]);
    let json = run.json();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{}", run.stdout);
    assert_eq!(diagnostics[0]["code"], "promgate/unused-suppression");
    assert_eq!(
        (&diagnostics[0]["line"], &diagnostics[0]["column"]),
        (&Value::from(4), &Value::from(26))
    );
    let pass = fixtures.join("pass.yml");
    let run = scratch.run(&["check", "--format", "json", pass.to_str().unwrap()]);
    assert_eq!(run.json()["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn policy_check_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules-fixtures/alerts");
    let scratch = Scratch::new();
    let policies = [
        (
            "required-labels",
            4,
            "alerts:\n  required_labels:\n    severity: critical|warning|info\n    team: ~\n",
        ),
        (
            "required-annotations",
            2,
            "alerts:\n  required_annotations: [summary, runbook_url]\n",
        ),
    ];
    for (check, count, config) in policies {
        scratch.write(".promgate.yml", config);
        let code = format!("alerts/{check}");
        let fail = root.join(check).join("fail.yml");
        let run = scratch.run(&["check", "--format", "json", fail.to_str().unwrap()]);
        let json = run.json();
        let own: Vec<&Value> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code.as_str())
            .collect();
        assert_eq!(own.len(), count, "{code}: {}", run.stdout);
        let pass = root.join(check).join("pass.yml");
        let run = scratch.run(&["check", "--format", "json", pass.to_str().unwrap()]);
        assert_eq!(
            run.json()["diagnostics"].as_array().unwrap().len(),
            0,
            "{}",
            run.stdout
        );
    }
}

#[test]
fn the_baseline_hides_old_findings_across_line_shifts() {
    let scratch = Scratch::new();
    scratch.write(".promgate.yml", CONFIG);
    let old = "groups:\n  - name: api\n    rules:\n      - alert: Old\n        expr: up == 0\n";
    scratch.write("rules.yml", old);
    let run = scratch.run(&["check", "--write-baseline", "baseline.json", "rules.yml"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("wrote 1 finding to baseline.json"),
        "{}",
        run.stderr
    );
    let baseline: Value = serde_json::from_str(&scratch.read("baseline.json")).unwrap();
    assert_eq!(baseline["findings"][0]["context"], "group=api;rule=Old");

    // Lines shift (a comment and a new rule above), and a new finding appears.
    scratch.write(
        "rules.yml",
        "# header\n\ngroups:\n  - name: api\n    rules:\n      - alert: New\n        expr: up == 1\n      - alert: Old\n        expr: up == 0\n",
    );
    let run = scratch.run(&[
        "check",
        "--baseline",
        "baseline.json",
        "--format",
        "json",
        "rules.yml",
    ]);
    assert_eq!(
        findings(&run),
        [("rules.yml".into(), 6, "alerts/required-labels".into())]
    );
    assert!(
        run.stderr.contains("1 finding hidden by the baseline"),
        "{}",
        run.stderr
    );
    let all = scratch.run(&["check", "--format", "json", "rules.yml"]);
    assert_eq!(findings(&all).len(), 2);

    scratch.write("broken.json", "{\"version\": 1}");
    let run = scratch.run(&["check", "--baseline", "broken.json", "rules.yml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("broken.json"), "{}", run.stderr);
}

#[test]
fn changed_since_reports_only_changed_files_but_loads_all() {
    let scratch = Scratch::new();
    scratch.write(".promgate.yml", CONFIG);
    let rule = |name: &str| {
        format!(
            "groups:\n  - name: {name}\n    rules:\n      - alert: {name}\n        expr: up == 0\n"
        )
    };
    scratch.write("rules/a.yml", &rule("A"));
    scratch.write("rules/b.yml", &rule("B"));
    scratch.git(&["init", "-q"]);
    scratch.git(&["add", "-A"]);
    scratch.git(&["commit", "-qm", "base"]);
    scratch.write("rules/b.yml", &format!("{}        for: 5m\n", rule("B")));
    scratch.write("rules/c.yml", &rule("C"));
    let run = scratch.run(&[
        "check",
        "--changed-since",
        "HEAD",
        "--format",
        "json",
        "rules",
    ]);
    let found = findings(&run);
    assert_eq!(
        found,
        [
            ("rules/b.yml".into(), 4, "alerts/required-labels".into()),
            ("rules/c.yml".into(), 4, "alerts/required-labels".into()),
        ]
    );
    assert_eq!(run.json()["summary"]["files"], 3);
    let bad = scratch.run(&["check", "--changed-since", "no-such-rev", "rules"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-rev"), "{}", bad.stderr);
}

#[test]
fn stdin_is_linted_under_its_filename() {
    let scratch = Scratch::new();
    scratch.write(
        ".promgate.yml",
        "overrides:\n  - paths: [rules/]\n    checks: {alerts/required-labels: error}\n",
    );
    let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n";
    let run = scratch.run_with(
        &[
            "check",
            "--stdin",
            "--stdin-filename",
            "rules/editor.yml",
            "--format",
            "json",
        ],
        &[],
        Some(text),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["diagnostics"][0]["path"], "rules/editor.yml");
    assert_eq!(json["diagnostics"][0]["severity"], "error");
    assert_eq!(json["summary"]["files"], 1);
    let run = scratch.run_with(&["check", "--stdin", "--format", "json"], &[], Some(text));
    assert_eq!(run.code, 0);
    assert_eq!(scratch.run(&["check", "--stdin-filename", "x.yml"]).code, 2);
}

/// Without `--stdin-filename`, the text decides: a dashboard piped in is linted as a
/// dashboard (JSON), not reported as "not a rule file".
#[test]
fn stdin_without_a_filename_is_sniffed() {
    let scratch = Scratch::new();
    let dashboard =
        std::fs::read_to_string(repo_file("rules-fixtures/pumpflix/api-dashboard.json")).unwrap();
    let run = scratch.run_with(
        &[
            "check",
            "--stdin",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ],
        &[],
        Some(&dashboard),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert!(diagnostics
        .iter()
        .all(|d| d["path"] == "<stdin>.json" && d["code"] != "input/unrecognized"));
    assert!(
        diagnostics
            .iter()
            .any(|d| d["code"] == "dashboard/deprecated-panel"),
        "{json:#}"
    );
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n";
    let run = scratch.run_with(&["check", "--stdin", "--format", "json"], &[], Some(rules));
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["diagnostics"][0]["path"], "<stdin>.yml");
    assert_eq!(run.json()["diagnostics"][0]["code"], "promql/syntax");
}

#[test]
fn hundreds_of_explicit_files_are_all_linted() {
    let scratch = Scratch::new();
    scratch.write(".promgate.yml", CONFIG);
    let mut names = Vec::new();
    for index in 0..400 {
        let name = format!("rules/team-{index:03}/alerts.yml");
        scratch.write(
            &name,
            &format!("groups:\n  - name: g{index}\n    rules:\n      - alert: A{index}\n        expr: up == 0\n"),
        );
        names.push(name);
    }
    let mut args = vec!["check", "--format", "json"];
    args.extend(names.iter().map(String::as_str));
    let run = scratch.run(&args);
    let json = run.json();
    assert_eq!(json["summary"]["files"], 400);
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 400);
}

const DASHBOARD: &str = r#"{
  "uid": "checkout",
  "title": "Checkout",
  "schemaVersion": 39,
  "panels": [
    {
      "id": 1,
      "type": "timeseries",
      "title": "Requests",
      "datasource": {"type": "prometheus", "uid": "prom"},
      "targets": [{"refId": "A", "expr": "sum(rate(http_requests_total[$__interval]))"}]
    },
    {
      "id": 2,
      "type": "timeseries",
      "title": "Errors",
      "datasource": {"type": "prometheus", "uid": "prom"},
      "targets": [{"refId": "A", "expr": "sum(rate(http_errors_total[$__interval]))"}]
    }
  ]
}
"#;

#[test]
fn dashboard_exclusions_by_uid_path_panel_and_check() {
    let scratch = Scratch::new();
    scratch.write("dashboards/checkout.json", DASHBOARD);
    let lines = |config: &str| -> Vec<(u64, String)> {
        // The hard-coded datasource is beside the point here.
        scratch.write(
            ".promgate.yml",
            &format!("checks:\n  dashboard/datasource: off\n{config}"),
        );
        let run = scratch.run(&["check", "--format", "json", "dashboards"]);
        assert_ne!(run.code, 2, "{}", run.stderr);
        findings(&run)
            .into_iter()
            .map(|(_, line, code)| (line, code))
            .collect()
    };
    let all = lines("");
    assert_eq!(
        all,
        [
            (11, "dashboard/rate-interval".to_string()),
            (18, "dashboard/rate-interval".to_string())
        ],
        "the fixture must have one finding per panel"
    );
    let cases: &[(&str, &[u64])] = &[
        (
            "dashboards:\n  exclude:\n    - uid: checkout\n      panel: 1\n",
            &[18],
        ),
        (
            "dashboards:\n  exclude:\n    - uid: checkout\n      panel: \"Errors\"\n",
            &[11],
        ),
        ("dashboards:\n  exclude:\n    - uid: other\n", &[11, 18]),
        ("dashboards:\n  exclude:\n    - paths: dashboards/\n", &[]),
        (
            "dashboards:\n  exclude:\n    - uid: checkout\n      checks: [dashboard/unit]\n",
            &[11, 18],
        ),
        (
            "dashboards:\n  exclude:\n    - uid: checkout\n      checks: [\"dashboard/*\"]\n",
            &[],
        ),
    ];
    for (config, expected) in cases {
        let found: Vec<u64> = lines(config).into_iter().map(|(line, _)| line).collect();
        assert_eq!(&found, expected, "with config:\n{config}");
    }
}

#[test]
fn skip_unrecognized_leaves_other_yaml_and_json_alone() {
    let scratch = Scratch::new();
    scratch.write(".promgate.yml", "exclude: [vendor/]\n");
    scratch.write(
        "docker-compose.yml",
        "services:\n  web:\n    image: nginx\n",
    );
    scratch.write("package.json", "{\"name\": \"x\"}\n");
    scratch.write(
        "vendor/rules.yml",
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n",
    );
    scratch.write(
        "rules.yml",
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n",
    );
    let files = [
        "docker-compose.yml",
        "package.json",
        "vendor/rules.yml",
        "rules.yml",
    ];
    let mut args = vec!["check", "--format", "json"];
    args.extend(files);
    // Named explicitly, every file is judged: the unrelated ones are reported too.
    let strict = findings(&scratch.run(&args));
    assert!(strict.iter().any(|f| f.0 == "package.json"), "{strict:?}");
    assert!(
        strict.iter().any(|f| f.0 == "vendor/rules.yml"),
        "{strict:?}"
    );
    args.insert(1, "--skip-unrecognized");
    let run = scratch.run(&args);
    let found = findings(&run);
    assert!(!found.is_empty());
    assert!(found.iter().all(|f| f.0 == "rules.yml"), "{found:?}");
    assert_eq!(run.json()["summary"]["files"], 1);
}
