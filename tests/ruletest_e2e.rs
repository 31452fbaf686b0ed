//! `promgate test` end to end: promtool's unit-test format on our engine, exit codes,
//! failures with lines and diffs, bad input, output formats and coverage; and (run by
//! .ci/run) agreement with promtool's own exit codes on its test data.

use std::path::Path;
use std::process::{Command, Output};

const FIXTURES: &str = "tests/ruletest-fixtures";

fn promgate_in(dir: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn test_in_fixtures(args: &[&str]) -> Output {
    let mut all = vec!["test"];
    all.extend_from_slice(args);
    promgate_in(FIXTURES, &all)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

#[test]
fn passing_tests_exit_zero() {
    let o = test_in_fixtures(&["passing.test.yml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("2 test groups: 2 passed, 0 failed"));
}

#[test]
fn failing_tests_name_lines_rules_and_diff() {
    let o = test_in_fixtures(&["failing.test.yml"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("ruletest_failing_human", stdout(&o));
}

#[test]
fn pumpflix_alerts_are_tested_and_covered() {
    let o = promgate_in(
        ".",
        &[
            "test",
            "rules-fixtures/pumpflix-unittest/alerts.test.yml",
            "--coverage",
            "--fail-under",
            "100",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    insta::assert_snapshot!("ruletest_pumpflix_coverage", stdout(&o));
}

#[test]
fn bad_input_gives_a_located_error_and_exit_one() {
    for (file, needle) in [
        ("bad-series.test.yml", "bad-series.test.yml:6: input series"),
        (
            "unknown-alert.test.yml",
            "unknown-alert.test.yml:9: alertname \"InstanceDwn\"",
        ),
        (
            "missing-rules.test.yml",
            "missing-rules.test.yml:3: rule file \"no-such-rules.yml\"",
        ),
        ("not-yaml.test.yml", "not-yaml.test.yml:2: not valid YAML"),
        (
            "eval-error.test.yml",
            "eval-error.test.yml:11: expr: \"x + on (a) x\"",
        ),
    ] {
        let o = test_in_fixtures(&[file]);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stdout(&o));
        assert!(stdout(&o).contains(needle), "{file}: {}", stdout(&o));
        assert!(o.stderr.is_empty() || !String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

#[test]
fn hostile_sizes_are_refused_not_run() {
    let o = test_in_fixtures(&["bad-series.test.yml"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("at most 5000000 are allowed per series"),
        "{out}"
    );
    assert!(out.contains("bad-series.test.yml:12: evaluating the rules every 1ms up to 416d16h takes more than 5000000 steps"), "{out}");
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(test_in_fixtures(&[]).status.code(), Some(2));
    assert_eq!(
        test_in_fixtures(&["passing.test.yml", "--run", "("])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        test_in_fixtures(&["passing.test.yml", "--fail-under", "50"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn run_selects_test_groups() {
    let o = test_in_fixtures(&["passing.test.yml", "--run", "keep firing"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("1 test group: 1 passed"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("instance down"));
}

#[test]
fn json_and_junit_outputs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("junit.xml");
    let o = test_in_fixtures(&[
        "failing.test.yml",
        "passing.test.yml",
        "--format",
        "json",
        "--coverage",
        "--junit",
        junit.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(report["summary"]["tests"], 3);
    assert_eq!(report["summary"]["failed_tests"], 1);
    let failure = &report["files"][0]["tests"][0]["failures"][0];
    assert_eq!(failure["line"], 12);
    assert_eq!(failure["rules"][0], "rules.yml:6");
    let statuses: Vec<(String, String)> = report["coverage"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(statuses.contains(&("NeverTested".into(), "untested".into())));
    assert!(statuses.contains(&("job:requests:rate5m".into(), "evaluated with data".into())));
    assert!(statuses.contains(&("ErrorsHigh".into(), "tested firing".into())));
    let missing = &report["coverage"]["missing_series"];
    assert_eq!(missing[0]["series"][0], "heartbeat", "{missing}");
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    assert!(xml.contains("<testcase name=\"instance down\"><failure"));
    assert!(xml.contains("<testcase name=\"errors keep firing for 5m\"></testcase>"));
}

#[test]
fn coverage_below_threshold_fails() {
    let o = test_in_fixtures(&["passing.test.yml", "--coverage", "--fail-under", "90"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("below --fail-under 90"));
    assert!(stdout(&o).contains("untested"));
}

/// promtool's own unit-test data: `expected.tsv` gives its exit code per test file and
/// engine options (`TestRulesUnitTest` in cmd/promtool/unittest_test.go).
#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn agrees_with_promtool_exit_codes() {
    use promgate::eval::ruletest::{run_file, Options};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/promtool-unittest");
    let table = std::fs::read_to_string(dir.join("expected.tsv")).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; this test needs ../shared (run by .ci/run)",
            dir.display()
        )
    });
    let (mut agree, mut total) = (0, 0);
    let mut disagreements = Vec::new();
    for line in table.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, file, opts, want) = (cols[0], cols[1], cols[2], cols[3]);
        let options = Options {
            at_modifier: opts.contains("EnableAtModifier"),
            negative_offset: opts.contains("EnableNegativeOffset"),
            ..Options::default()
        };
        let report = run_file(&dir.join(file), &options);
        let got = if report.passed() { "0" } else { "1" };
        total += 1;
        if got == want {
            agree += 1;
        } else {
            let why: Vec<String> = report
                .error
                .iter()
                .chain(report.groups.iter().flat_map(|g| &g.failures))
                .map(|f| f.message.clone())
                .take(2)
                .collect();
            disagreements.push(format!(
                "{name} ({file}): promtool {want}, promgate {got}: {why:?}"
            ));
        }
    }
    println!("promtool agreement: {agree}/{total}");
    for d in &disagreements {
        println!("  {d}");
    }
    assert!(
        disagreements.is_empty(),
        "disagreements with promtool: {disagreements:#?}"
    );
    assert_eq!(agree, 14, "expected.tsv has 14 cases");
}
