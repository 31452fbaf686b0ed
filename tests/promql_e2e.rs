//! End-to-end tests of the PromQL checks through the binary: each check's failing
//! fixture (human output, insta snapshot) and its passing fixture (clean), plus the
//! `--enable-feature` flag.

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

fn codes(args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let output = promgate(&all);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    report["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["code"].as_str().expect("a code").to_string())
        .collect()
}

fn fixture(code: &str, which: &str) -> String {
    format!("rules-fixtures/{code}/{which}.yml")
}

fn check_pair(code: &str, exit: i32) -> String {
    let fail = fixture(code, "fail");
    let output = promgate(&["check", &fail]);
    assert_eq!(output.status.code(), Some(exit), "{fail}");
    assert!(
        codes(&[&fail]).iter().any(|c| c == code),
        "{fail} does not report {code}"
    );
    let pass = fixture(code, "pass");
    let clean = promgate(&["check", &pass]);
    assert_eq!(clean.status.code(), Some(0), "{pass}");
    assert!(codes(&[&pass]).is_empty(), "{pass} is not clean");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn promql_syntax() {
    insta::assert_snapshot!(check_pair("promql/syntax", 1));
}

#[test]
fn promql_feature() {
    insta::assert_snapshot!(check_pair("promql/feature", 1));
}

#[test]
fn promql_feature_flags_enable_the_syntax() {
    let fail = fixture("promql/feature", "fail");
    let found = codes(&[
        "--enable-feature",
        "promql-experimental-functions",
        "--enable-feature",
        "promql-extended-range-selectors",
        &fail,
    ]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn promql_regexp() {
    insta::assert_snapshot!(check_pair("promql/regexp", 0));
}

#[test]
fn promql_regexp_equality() {
    insta::assert_snapshot!(check_pair("promql/regexp-equality", 0));
}

#[test]
fn promql_histogram_le() {
    insta::assert_snapshot!(check_pair("promql/histogram-le", 1));
}

#[test]
fn alerts_comparison() {
    insta::assert_snapshot!(check_pair("alerts/comparison", 0));
}

#[test]
fn template_label() {
    insta::assert_snapshot!(check_pair("template/label", 0));
}
