//! End-to-end tests of the command line: the human and JSON renderings of fixtures
//! (insta snapshots), exit statuses, `explain`, and output that does not depend on the
//! number of threads.

use std::process::{Command, Output};

fn promgate_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_promgate"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn promgate(args: &[&str]) -> Output {
    promgate_with_env(args, &[])
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn codes(output: &Output) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    report["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["code"].as_str().expect("a code").to_string())
        .collect()
}

#[test]
fn yaml_syntax_fixture_human() {
    let output = promgate(&["check", "rules-fixtures/yaml/syntax/fail.yml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn yaml_syntax_fixture_json() {
    let output = promgate(&[
        "check",
        "--format",
        "json",
        "rules-fixtures/yaml/syntax/fail.yml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn input_invalid_fixture_human_and_json() {
    let output = promgate(&["check", "rules-fixtures/input/invalid/fail.yml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("input_invalid_human", stdout(&output));
    let output = promgate(&[
        "check",
        "--format",
        "json",
        "rules-fixtures/input/invalid/fail.yml",
    ]);
    insta::assert_snapshot!("input_invalid_json", stdout(&output));
}

#[test]
fn input_unrecognized_fixture_human_and_json() {
    let output = promgate(&["check", "rules-fixtures/input/unrecognized/fail.yml"]);
    // A warning: the default --fail-on error lets it pass.
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("input_unrecognized_human", stdout(&output));
    let output = promgate(&[
        "check",
        "--format",
        "json",
        "--fail-on",
        "warning",
        "rules-fixtures/input/unrecognized/fail.yml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("input_unrecognized_json", stdout(&output));
}

#[test]
fn pass_fixtures_of_the_core_checks_are_clean() {
    for path in [
        "rules-fixtures/yaml/syntax/pass.yml",
        "rules-fixtures/input/invalid/pass.yml",
        "rules-fixtures/input/unrecognized/pass.yml",
    ] {
        let output = promgate(&["check", "--format", "json", "--fail-on", "info", path]);
        assert_eq!(codes(&output), Vec::<String>::new(), "{path}");
        assert_eq!(output.status.code(), Some(0), "{path}");
    }
}

#[test]
fn pumpflix_rules_human_and_json() {
    let output = promgate(&["check", "rules-fixtures/pumpflix"]);
    insta::assert_snapshot!("pumpflix_human", stdout(&output));
    let output = promgate(&["check", "--format", "json", "rules-fixtures/pumpflix"]);
    insta::assert_snapshot!("pumpflix_json", stdout(&output));
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    for format in ["json", "human"] {
        let one = promgate_with_env(
            &["check", "--format", format, "rules-fixtures"],
            &[("RAYON_NUM_THREADS", "1")],
        );
        let two = promgate_with_env(
            &["check", "--format", format, "rules-fixtures"],
            &[("RAYON_NUM_THREADS", "2")],
        );
        assert!(!one.stdout.is_empty());
        assert_eq!(stdout(&one), stdout(&two), "{format}");
        assert_eq!(one.status.code(), two.status.code());
    }
}

#[test]
fn json_diagnostics_are_sorted_by_path_line_column() {
    let output = promgate(&["check", "--format", "json", "rules-fixtures"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys: Vec<(String, u64, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(keys.len() > 10);
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let summary = &report["summary"];
    let total = summary["errors"].as_u64().unwrap()
        + summary["warnings"].as_u64().unwrap()
        + summary["infos"].as_u64().unwrap();
    assert_eq!(total as usize, keys.len());
}

#[test]
fn fail_on_sets_the_exit_status() {
    let clean = "rules-fixtures/input/invalid/pass.yml";
    assert_eq!(promgate(&["check", clean]).status.code(), Some(0));
    let warning_only = "rules-fixtures/input/unrecognized/fail.yml";
    assert_eq!(promgate(&["check", warning_only]).status.code(), Some(0));
    assert_eq!(
        promgate(&["check", "--fail-on", "warning", warning_only])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        promgate(&["check", "--fail-on", "info", warning_only])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn explain_prints_the_docs_and_both_examples() {
    let output = promgate(&["explain", "yaml/syntax"]);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn explain_suggests_the_closest_code() {
    let output = promgate(&["explain", "yaml/syntx"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown check `yaml/syntx`; did you mean `yaml/syntax`?"),
        "{stderr}"
    );
}

/// A check's bare name suggests the codes that hold it, not the whole registry.
#[test]
fn explain_suggests_close_codes_for_a_bare_name() {
    let output = promgate(&["explain", "histogram"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "promgate: error: unknown check `histogram`; did you mean `catalog/histogram` or `promql/histogram-le`?\n\
         `promgate explain --list` lists every check\n"
    );
    let output = promgate(&["explain", "no/such-check"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "promgate: error: unknown check `no/such-check`\n`promgate explain --list` lists every check\n"
    );
}

#[test]
fn every_registered_check_can_be_explained() {
    let output = promgate(&["explain", "--list"]);
    let listed = stdout(&output);
    let known: Vec<&str> = listed
        .lines()
        .map(|line| line.split_whitespace().next().expect("a code"))
        .collect();
    assert!(known.len() > 30, "{listed}");
    for code in known {
        let output = promgate(&["explain", code]);
        assert_eq!(output.status.code(), Some(0), "{code}");
        assert!(stdout(&output).starts_with(code), "{code}");
    }
}

#[test]
fn global_flags_are_accepted_before_and_after_the_command() {
    let path = "rules-fixtures/input/invalid/pass.yml";
    for args in [
        vec!["--dialect", "thanos", "check", path],
        vec![
            "check",
            path,
            "--dialect",
            "vmalert",
            "--name-validation",
            "legacy",
        ],
        vec![
            "check",
            "--enable-feature",
            "promql-experimental-functions,promql-binop-fill-modifiers",
            "--enable-feature",
            "promql-extended-range-selectors",
            path,
        ],
    ] {
        let output = promgate(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Usage errors are plain text off a terminal and under `NO_COLOR`; colour only when
/// forced (`CLICOLOR_FORCE`), as for the findings.
#[test]
fn usage_errors_are_coloured_only_when_asked() {
    let escape = "\u{1b}[";
    let usage_error = |env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_promgate"));
        command
            .args(["check", "--bogus"])
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("the binary runs");
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8(output.stderr).expect("UTF-8")
    };
    let piped = usage_error(&[]);
    assert!(piped.contains("unexpected argument '--bogus'"), "{piped}");
    assert!(!piped.contains(escape), "{piped:?}");
    let no_color = usage_error(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]);
    assert!(!no_color.contains(escape), "{no_color:?}");
    assert!(usage_error(&[("CLICOLOR_FORCE", "1")]).contains(escape));
}

/// `--format concise`: one `path:line:col: severity code message` line per finding, the
/// same findings as the JSON contract, then the summary.
#[test]
fn pumpflix_concise() {
    let args = |format: &'static str, extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec![
            "check",
            "--format",
            format,
            "rules-fixtures/pumpflix",
            "--catalog",
            "rules-fixtures/pumpflix/catalog.yml",
        ];
        args.extend(extra);
        args
    };
    let output = promgate(&args("concise", &[]));
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&output));

    let all = stdout(&promgate(&args("concise", &["--show-info", "--quiet"])));
    let json: serde_json::Value =
        serde_json::from_slice(&promgate(&args("json", &[])).stdout).unwrap();
    let expected: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {} {} {}",
                d["path"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap().replace('\n', " ")
            )
        })
        .collect();
    assert_eq!(all.lines().collect::<Vec<_>>(), expected);
}

/// Infos are hidden from the human output by default, counted in the summary; shown with
/// `--show-info`, and whenever they can fail the run (`--fail-on info`). Machine formats
/// keep them.
#[test]
fn infos_are_hidden_from_people_unless_asked_for() {
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "rules-fixtures/pumpflix/api-dashboard.json"];
        args.extend(extra);
        let output = promgate(&args);
        (output.status.code(), stdout(&output))
    };
    let (code, default) = run(&[]);
    assert_eq!(code, Some(0));
    assert!(!default.contains("info["), "{default}");
    assert!(
        default
            .contains("promgate: 6 warnings, 5 infos (hidden; --show-info shows them) in 1 file\n"),
        "{default}"
    );
    let (_, shown) = run(&["--show-info"]);
    assert_eq!(shown.matches("info[dashboard/").count(), 5, "{shown}");
    assert!(shown.contains("promgate: 6 warnings, 5 infos in 1 file\n"));
    let (code, failing) = run(&["--fail-on", "info"]);
    assert_eq!(code, Some(1));
    assert_eq!(failing.matches("info[dashboard/").count(), 5);
    let json = promgate(&[
        "check",
        "--format",
        "json",
        "rules-fixtures/pumpflix/api-dashboard.json",
    ]);
    assert_eq!(codes(&json).len(), 11);
}
