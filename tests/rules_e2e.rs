//! End-to-end tests of the rule-file checks through the binary: the fixtures of
//! `rules/schema`, `rules/duplicate` and `template/syntax`, the PumpFlix rules, dialects,
//! name schemes, and exact positions inside every YAML scalar style.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn promgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run promgate")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// JSON and human output of `promgate check` on a repository file, with the exit code.
fn check_both(path: &str, extra: &[&str]) -> (i32, String, String) {
    let mut json_args = vec!["check", "--format", "json"];
    json_args.extend_from_slice(extra);
    json_args.push(path);
    let json = promgate(root(), &json_args);
    let mut human_args = vec!["check", "--format", "human", "--color", "never"];
    human_args.extend_from_slice(extra);
    human_args.push(path);
    let human = promgate(root(), &human_args);
    assert_eq!(json.status.code(), human.status.code(), "{path}");
    (json.status.code().unwrap(), stdout(&json), stdout(&human))
}

#[test]
fn failing_fixtures_snapshot() {
    for path in [
        "rules-fixtures/rules/schema/fail.yml",
        "rules-fixtures/rules/duplicate/fail.yml",
        "rules-fixtures/template/syntax/fail.yml",
    ] {
        let (code, json, human) = check_both(path, &[]);
        let name = path
            .trim_start_matches("rules-fixtures/")
            .replace('/', "__");
        insta::assert_snapshot!(format!("{name}.json"), json);
        insta::assert_snapshot!(format!("{name}.human"), human);
        // rules/duplicate is a warning: the default --fail-on error passes.
        let expected = if path.contains("duplicate") { 0 } else { 1 };
        assert_eq!(code, expected, "{path}");
    }
}

#[test]
fn passing_fixtures_and_pumpflix_are_clean_of_rule_file_findings() {
    for path in [
        "rules-fixtures/rules/schema/pass.yml",
        "rules-fixtures/rules/duplicate/pass.yml",
        "rules-fixtures/template/syntax/pass.yml",
        "rules-fixtures/pumpflix/alerts.yml",
    ] {
        let (_, json, _) = check_both(path, &[]);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let ours: Vec<&serde_json::Value> = value["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                let code = d["code"].as_str().unwrap();
                code.starts_with("rules/")
                    || code.starts_with("template/")
                    || code == "promql/syntax"
            })
            .collect();
        assert!(ours.is_empty(), "{path}: {ours:#?}");
    }
}

#[test]
fn dialect_fields_are_accepted_only_with_their_dialect() {
    let dir = scratch_dir("dialects");
    std::fs::write(
        dir.join("thanos.yml"),
        "groups:\n  - name: a\n    partial_response_strategy: warn\n    rules:\n      - record: a:b\n        expr: up\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("vmalert.yml"),
        "groups:\n  - name: a\n    concurrency: 2\n    eval_offset: 1m\n    rules:\n      - alert: A\n        expr: lag(up[1h]) > 300\n        debug: true\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("mimir.yml"),
        "namespace: team\ngroups:\n  - name: a\n    source_tenants: [t1, t2]\n    rules:\n      - record: a:b\n        expr: up\n",
    )
    .unwrap();
    for (file, dialect) in [
        ("thanos.yml", "thanos"),
        ("vmalert.yml", "vmalert"),
        ("mimir.yml", "mimir"),
    ] {
        let plain = promgate(&dir, &["check", "--format", "json", file]);
        assert_eq!(plain.status.code(), Some(1), "{file} without --dialect");
        let text = stdout(&plain);
        assert!(
            text.contains(&format!("--dialect {dialect}")),
            "{file}: {text}"
        );
        let with = promgate(
            &dir,
            &["check", "--format", "json", "--dialect", dialect, file],
        );
        assert_eq!(with.status.code(), Some(0), "{file}: {}", stdout(&with));
    }
    let output = promgate(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--dialect",
            "thanos",
            "vmalert.yml",
        ],
    );
    insta::assert_snapshot!("dialect_vmalert_under_thanos", stdout(&output));
}

#[test]
fn utf8_names_warn_by_default_and_fail_under_legacy() {
    let dir = scratch_dir("names");
    std::fs::write(
        dir.join("names.yml"),
        "groups:\n  - name: a\n    rules:\n      - record: http.requests:rate5m\n        expr: up\n        labels:\n          team-name: api\n",
    )
    .unwrap();
    let default = promgate(&dir, &["check", "--format", "json", "names.yml"]);
    assert_eq!(default.status.code(), Some(0));
    insta::assert_snapshot!("names_utf8", stdout(&default));
    let legacy = promgate(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--name-validation",
            "legacy",
            "names.yml",
        ],
    );
    assert_eq!(legacy.status.code(), Some(1));
    insta::assert_snapshot!("names_legacy", stdout(&legacy));
}

/// A template error lands on its token whatever the scalar style: plain, single- and
/// double-quoted (with escapes before it), literal and folded blocks, a PrometheusRule.
#[test]
fn template_positions_in_every_scalar_style() {
    let dir = scratch_dir("styles");
    let text = r#"apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: styles
spec:
  groups:
    - name: styles
      rules:
        - alert: Styles
          expr: up == 0
          annotations:
            plain: Instance {{ $label.instance }} down
            single: 'It''s {{ $valu }}'
            double: "Tab\there \"quoted\" \u00e9 {{ humanise $value }}"
            literal: |
              first line
                {{ $labels.instance }} then {{ bad-char }}
            folded: >-
              folded text
              continues {{ $value | nofunc }}
            trimmed: "{{- if $value -}} x"
"#;
    std::fs::write(dir.join("styles.yml"), text).unwrap();
    let output = promgate(&dir, &["check", "--format", "json", "styles.yml"]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(u64, u64, u64, String)> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "template/syntax")
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["end_column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Each finding's columns cover exactly the offending text on that line.
    let lines: Vec<&str> = text.lines().collect();
    let covered: Vec<(u64, String, String)> = found
        .iter()
        .map(|(line, start, end, message)| {
            let chars: Vec<char> = lines[*line as usize - 1].chars().collect();
            let token: String = chars[*start as usize - 1..*end as usize - 1]
                .iter()
                .collect();
            (*line, token, message.clone())
        })
        .collect();
    insta::assert_debug_snapshot!("template_positions", covered);
    let tokens: Vec<&str> = covered.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(
        tokens,
        vec!["$label", "$valu", "humanise", "-", "nofunc", "if"]
    );
}

/// A PromQL error lands on its token inside `|` and `>` blocks and quoted strings with
/// escapes.
#[test]
fn expr_positions_in_every_scalar_style() {
    let dir = scratch_dir("exprs");
    let text = r#"groups:
  - name: styles
    rules:
      - alert: Literal
        expr: |
          sum by (job) (
            rate(http_requests_total[5m]))
          > bool on(job) 1 +
      - alert: Folded
        expr: >-
          sum(rate(x[5m]))
          / on(job) rate(y)
      - alert: DoubleQuoted
        expr: "up{job=\"a\\tb\"} == 0 and nofunc(up)"
      - record: single:quoted
        expr: 'sum(z{a=''b''}) by (a) > bool 1 +'
      - alert: Plain
        expr: up{job="api"} == 0 unless on(job)
          absent(up{job="api"}[5m])
"#;
    let covered = covered_tokens(&dir, "exprs.yml", text, "promql/syntax");
    insta::assert_debug_snapshot!("expr_positions", covered);
    let tokens: Vec<&str> = covered.iter().map(|(_, t, _)| t.as_str()).collect();
    assert!(tokens.contains(&"y"), "{covered:?}");
    assert!(tokens.contains(&"nofunc"), "{covered:?}");
}

/// Lints `text` as `name` in `dir` and returns, for every diagnostic of `code`, its line,
/// the exact text its columns cover on that line, and its message.
fn covered_tokens(dir: &Path, name: &str, text: &str, code: &str) -> Vec<(u64, String, String)> {
    std::fs::write(dir.join(name), text).unwrap();
    let output = promgate(dir, &["check", "--format", "json", name]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .map(|d| {
            let line = d["line"].as_u64().unwrap();
            let start = d["column"].as_u64().unwrap() as usize;
            let end_line = d["end_line"].as_u64().unwrap();
            let chars: Vec<char> = lines[line as usize - 1].chars().collect();
            let end = if end_line == line {
                d["end_column"].as_u64().unwrap() as usize
            } else {
                chars.len() + 1
            };
            let token: String = chars[(start - 1).min(chars.len())..(end - 1).min(chars.len())]
                .iter()
                .collect();
            (line, token, d["message"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Each PrometheusRule object becomes its own rule file once deployed: group names and
/// rules may repeat across documents, not within one.
#[test]
fn multi_document_prometheus_rules_are_judged_per_document() {
    let dir = scratch_dir("multidoc");
    let object = |name: &str, twice: bool| {
        let rule = "        - record: job:up:sum\n          expr: sum by (job) (up)\n";
        format!(
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: {name}\nspec:\n  groups:\n    - name: shared\n      rules:\n{rule}{}",
            if twice { rule } else { "" }
        )
    };
    let text = format!(
        "{}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  anything: goes\n---\n{}",
        object("first", false),
        object("second", true)
    );
    std::fs::write(dir.join("multi.yaml"), &text).unwrap();
    let output = promgate(&dir, &["check", "--format", "json", "multi.yaml"]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(String, u64)> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // Only the rule repeated inside the second object is a duplicate.
    assert_eq!(found, vec![("rules/duplicate".to_string(), 29)], "{text}");
}

/// Values of the wrong YAML type are reported on the value, with what was expected.
#[test]
fn wrong_yaml_types_are_reported_on_the_value() {
    let dir = scratch_dir("types");
    let text = r#"groups:
  - name: [not, a, string]
    interval: {every: 5m}
    limit: ten
    labels: [team, api]
    rules:
      - alert: A
        expr: up == 0
        for: -5m
        keep_firing_for: 1h30s15m
        labels:
          severity: {level: high}
        annotations: just text
      - "not a rule"
      - record: r:up
        expr: [up]
  - just a string
  - name: second
    rules: {alert: B}
"#;
    std::fs::write(dir.join("types.yml"), text).unwrap();
    let output = promgate(&dir, &["check", "--format", "json", "types.yml"]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<String> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "rules/schema")
        .map(|d| {
            format!(
                "{}:{} {}",
                d["line"],
                d["column"],
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!("wrong_yaml_types", found.join("\n"));
    assert!(found.len() >= 10, "{found:#?}");
}

#[test]
fn explain_prints_the_docs_of_each_rule_check() {
    for code in ["rules/schema", "rules/duplicate", "template/syntax"] {
        let output = promgate(root(), &["explain", code]);
        assert_eq!(output.status.code(), Some(0), "{code}");
        let text = stdout(&output);
        assert!(text.contains(code), "{code}: {text}");
    }
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("promgate-rules-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
