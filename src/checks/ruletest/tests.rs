//! The `ruletest/*` checks on their fixtures and on hand-written unit-test files, through
//! the pipeline (recognition, loading, resolving `rule_files`, checking).

use super::CHECKS;
use crate::pipeline::{self, Options};

/// `code line:column message` of every finding on `text`, read as the file at `path`
/// (relative to the repository, so its `rule_files` resolve on disk).
fn findings(path: &str, text: &str) -> Vec<String> {
    let display = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let outcome = pipeline::run_text(&display, text.to_string(), &Options::default(), None);
    outcome
        .report
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}:{} {}",
                d.diagnostic.code, d.start.line, d.start.column, d.diagnostic.message
            )
        })
        .collect()
}

#[test]
fn each_check_reports_its_failing_fixture_and_not_its_passing_one() {
    for meta in CHECKS {
        let bad = findings(meta.bad.path, meta.bad.text);
        assert!(
            bad.iter()
                .any(|f| f.starts_with(&format!("{} ", meta.code))),
            "{}: {bad:#?}",
            meta.bad.path
        );
        // A fixture shows one check: nothing of another ruletest check.
        assert!(
            bad.iter()
                .all(|f| !f.starts_with("ruletest/") || f.starts_with(&format!("{} ", meta.code))),
            "{}: {bad:#?}",
            meta.bad.path
        );
        let good = findings(meta.good.path, meta.good.text);
        assert_eq!(good, Vec::<String>::new(), "{}", meta.good.path);
    }
}

#[test]
fn findings_point_at_the_exact_token() {
    let dir = "rules-fixtures/ruletest/series";
    let text = "rule_files: [../rules.yml]\ntests:\n  - input_series:\n      - series: 'up{job=\"a\"}'\n        values: '1 2 3+1 4'\n      - series: 'up{job=\"a\"'\n        values: '1'\n      - series: 'x'\n        values: \"1 {{schema:0 count:1 buckets:[1]}} {{bogus}}\"\n    promql_expr_test:\n      - expr: 'rate(x[5m]) +'\n        exp_samples:\n          - labels: 'x{a=\"b\"}'\n            histogram: '{{count:x}}'\n";
    let found = findings(&format!("{dir}/t.yml"), text);
    let at: Vec<String> = found
        .iter()
        .map(|f| f.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        at,
        [
            "ruletest/series 5:22", // `3+1`: a step needs a repetition
            "ruletest/series 6:20", // the unclosed `{`
            "ruletest/series 9:53", // `{{bogus}}`
            "ruletest/expr 11:29",  // the end of input, where the right operand is missing
            "ruletest/expr 14:24",  // the histogram
        ],
        "{found:#?}"
    );
    assert!(
        found[0].contains("a step needs a repetition"),
        "{}",
        found[0]
    );
}

#[test]
fn schema_problems_promtool_refuses() {
    let dir = "rules-fixtures/ruletest/schema";
    let found = findings(
        &format!("{dir}/t.yml"),
        "rule_files: [../rules.yml]\ngroup_eval_order: [a, b, a]\ntests:\n  - alert_rule_test:\n      - eval_time: 1m\n",
    );
    assert_eq!(
        found,
        [
            "ruletest/schema 2:26 group name repeated in evaluation order: a",
            "ruletest/schema 5:9 an item under alert_rule_test misses required attribute alertname at eval_time 1m",
        ]
    );
    let found = findings(
        &format!("{dir}/t.yml"),
        "rule_files: [../rules.yml]\ntests:\n  - interval: 5 minutes\n",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("ruletest/schema 3:15 interval:"),
        "{}",
        found[0]
    );
}

#[test]
fn unknown_alertnames_are_not_reported_when_the_rules_are_unknown() {
    let dir = "rules-fixtures/ruletest/alertname";
    let text = "rule_files: [../rules.yml, ../nothing-*.yml]\ntests:\n  - alert_rule_test:\n      - eval_time: 1m\n        alertname: Bogus\n";
    let found = findings(&format!("{dir}/t.yml"), text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("ruletest/rule-files 1:28 "),
        "{}",
        found[0]
    );
}

#[test]
fn walked_yaml_with_a_tests_key_of_another_tool_is_not_a_test_file() {
    let units = pipeline::load_text_as(
        "values.yaml",
        "tests:\n  enabled: true\nimage: busybox\n".to_string(),
        crate::discover::FileKind::Yaml,
        &Options::default(),
        false,
    );
    assert!(units.is_empty());
}

#[test]
fn an_editor_buffer_of_a_test_file_gets_the_same_findings() {
    // The language server loads open documents like files met while walking.
    let path = format!(
        "{}/rules-fixtures/ruletest/alertname/fail.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let options = Options::default();
    let units = pipeline::load_text_as(
        &path,
        text,
        crate::discover::FileKind::Yaml,
        &options,
        false,
    );
    assert_eq!(units.len(), 1);
    assert!(matches!(units[0].model, Some(pipeline::Model::RuleTest(_))));
    let found = pipeline::check_file(&units[0], None, &options);
    let codes: Vec<&str> = found.iter().map(|d| d.diagnostic.code).collect();
    assert_eq!(codes, ["ruletest/alertname"]);
    assert_eq!((found[0].start.line, found[0].start.column), (12, 20));
}
