//! Every output format end to end through the binary: SARIF validated against the
//! 2.1.0 schema, GitHub workflow commands parsed back, XML and GitLab JSON read back and
//! compared with the JSON contract, plus `--quiet`, `--statistics` and colour.

mod workflow_support;

use quick_xml::events::Event;
use serde_json::Value;
use workflow_support::*;

fn scratch() -> Scratch {
    let scratch = Scratch::new();
    scratch.write(".promgate.yml", POLICY_CONFIG);
    scratch.write("rules/api.yml", POLICY_RULES);
    scratch.write(
        "rules/ok, fine.yml",
        "groups:\n  - name: ok\n    rules: []\n",
    );
    scratch
}

/// `(path, line, column, end_line, end_column, code)` of each finding, from `--format json`.
fn expected(scratch: &Scratch) -> Vec<(String, u64, u64, u64, u64, String)> {
    let run = scratch.run(&["check", "--format", "json", "rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["end_line"].as_u64().unwrap(),
                d["end_column"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_json_contract_lists_the_policy_findings() {
    let found = expected(&scratch());
    let codes: Vec<&str> = found.iter().map(|f| f.5.as_str()).collect();
    assert_eq!(
        codes,
        [
            "alerts/required-labels",
            "alerts/required-annotations",
            "alerts/required-labels"
        ]
    );
    assert_eq!((found[0].1, found[0].2), (8, 21));
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let scratch = scratch();
    let run = scratch.run(&["check", "--format", "sarif", "rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log = run.json();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("tests/data/sarif/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "alerts/required-labels"));
    let results = run0["results"].as_array().unwrap();
    let expected = expected(&scratch);
    assert_eq!(results.len(), expected.len());
    for (result, (path, line, column, end_line, end_column, code)) in results.iter().zip(&expected)
    {
        assert_eq!(result["ruleId"], code.as_str());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], code.as_str());
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], path.as_str());
        let region = &location["region"];
        assert_eq!(
            (
                &region["startLine"],
                &region["startColumn"],
                &region["endLine"],
                &region["endColumn"]
            ),
            (
                &Value::from(*line),
                &Value::from(*column),
                &Value::from(*end_line),
                &Value::from(*end_column)
            )
        );
    }
}

/// Reverses the Actions toolkit's escaping.
fn unescape(text: &str, property: bool) -> String {
    let mut out = text.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        out = out.replace("%3A", ":").replace("%2C", ",");
    }
    out.replace("%25", "%")
}

/// Parses `::level key=value,...::message`.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").expect("starts with ::");
    let (head, message) = rest.split_once("::").expect("has a message");
    let (level, properties) = head.split_once(' ').expect("has properties");
    let properties = properties
        .split(',')
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("key=value");
            (key.to_string(), unescape(value, true))
        })
        .collect();
    (level.to_string(), properties, unescape(message, false))
}

#[test]
fn github_commands_parse_back_to_the_findings() {
    let scratch = scratch();
    let run = scratch.run(&["check", "--format", "github", "rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = expected(&scratch);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), expected.len());
    let json = scratch.run(&["check", "--format", "json", "rules"]).json();
    for ((line, finding), diagnostic) in lines
        .iter()
        .zip(&expected)
        .zip(json["diagnostics"].as_array().unwrap())
    {
        let (level, properties, message) = parse_command(line);
        assert_eq!(level, "warning");
        let get = |key: &str| {
            properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no {key} in {line}"))
        };
        assert_eq!(get("file"), finding.0);
        assert_eq!(get("line"), finding.1.to_string());
        assert_eq!(get("col"), finding.2.to_string());
        assert_eq!(get("endLine"), finding.3.to_string());
        assert_eq!(get("endColumn"), finding.4.to_string());
        assert_eq!(get("title"), finding.5);
        assert!(
            message.starts_with(diagnostic["message"].as_str().unwrap()),
            "{message}"
        );
    }
    // The value `100%, page: now` survives the escaping inside the message.
    assert!(run.stdout.contains("100%25, page: now"));
}

/// `(element name, attributes)` of every start or empty element.
fn xml_elements(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(element) | Event::Empty(element) => {
                let name = String::from_utf8(element.name().as_ref().to_vec()).unwrap();
                let attributes = element
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        )
                    })
                    .collect();
                out.push((name, attributes));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn attribute<'a>(attributes: &'a [(String, String)], key: &str) -> &'a str {
    &attributes.iter().find(|(k, _)| k == key).unwrap().1
}

#[test]
fn checkstyle_reads_back_as_the_findings() {
    let scratch = scratch();
    let run = scratch.run(&["check", "--format", "checkstyle", "rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let elements = xml_elements(&run.stdout);
    let errors: Vec<_> = elements
        .iter()
        .filter(|(name, _)| name == "error")
        .collect();
    let expected = expected(&scratch);
    assert_eq!(errors.len(), expected.len());
    for ((_, attributes), finding) in errors.iter().zip(&expected) {
        assert_eq!(attribute(attributes, "line"), finding.1.to_string());
        assert_eq!(attribute(attributes, "column"), finding.2.to_string());
        assert_eq!(attribute(attributes, "source"), finding.5);
        assert_eq!(attribute(attributes, "severity"), "warning");
    }
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn junit_has_one_failing_case_per_finding() {
    let scratch = scratch();
    let run = scratch.run(&["check", "--format", "junit", "rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let elements = xml_elements(&run.stdout);
    let cases = elements
        .iter()
        .filter(|(name, _)| name == "testcase")
        .count();
    let failures = elements
        .iter()
        .filter(|(name, _)| name == "failure")
        .count();
    assert_eq!(cases, 3);
    assert_eq!(failures, 3);
    insta::assert_snapshot!(run.stdout);

    let clean = Scratch::new();
    clean.write("ok.yml", "groups: []\n");
    let run = clean.run(&["check", "--format", "junit", "ok.yml"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("failures=\"0\""));
}

#[test]
fn gitlab_fingerprints_are_unique_and_survive_line_shifts() {
    let scratch = scratch();
    let run = scratch.run(&["check", "--format", "gitlab", "rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let issues: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let expected = expected(&scratch);
    assert_eq!(issues.len(), expected.len());
    for (issue, finding) in issues.iter().zip(&expected) {
        assert_eq!(issue["check_name"], finding.5.as_str());
        assert_eq!(issue["location"]["path"], finding.0.as_str());
        assert_eq!(issue["location"]["lines"]["begin"], finding.1);
        assert_eq!(issue["severity"], "minor");
    }
    let prints = |issues: &[Value]| -> Vec<String> {
        issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let before = prints(&issues);
    let mut unique = before.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), before.len());

    scratch.write("rules/api.yml", &format!("# moved down\n\n{POLICY_RULES}"));
    let shifted: Vec<Value> = serde_json::from_str(
        &scratch
            .run(&["check", "--format", "gitlab", "rules"])
            .stdout,
    )
    .unwrap();
    assert_eq!(shifted[0]["location"]["lines"]["begin"], expected[0].1 + 2);
    assert_eq!(prints(&shifted), before);
}

#[test]
fn sarif_github_and_human_snapshots() {
    let scratch = scratch();
    insta::assert_snapshot!(
        "github",
        scratch
            .run(&["check", "--format", "github", "rules"])
            .stdout
    );
    insta::assert_snapshot!(
        "human",
        scratch.run(&["check", "--color", "never", "rules"]).stdout
    );
}

#[test]
fn quiet_prints_only_findings_and_statistics_count_per_check() {
    let scratch = scratch();
    let quiet = scratch.run(&["check", "--quiet", "--color", "never", "rules"]);
    assert!(!quiet.stdout.contains("promgate: "), "{}", quiet.stdout);
    assert!(quiet.stdout.contains("alerts/required-labels"));

    let clean = Scratch::new();
    clean.write("ok.yml", "groups: []\n");
    let run = clean.run(&["check", "--quiet", "ok.yml"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );

    let stats = scratch.run(&["check", "--statistics", "--color", "never", "rules"]);
    assert!(
        stats
            .stdout
            .contains("2  alerts/required-labels       warning"),
        "{}",
        stats.stdout
    );
    assert!(stats
        .stdout
        .contains("1  alerts/required-annotations  warning"));
    assert!(stats.stdout.ends_with("3 findings from 2 checks\n"));
    // Machine formats keep stdout parseable and print the table on stderr.
    let json = scratch.run(&["check", "--statistics", "--format", "json", "rules"]);
    json.json();
    assert!(json.stderr.contains("3 findings from 2 checks"));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let scratch = scratch();
    let escape = "\u{1b}[";
    let always = scratch.run(&["check", "--color", "always", "rules"]);
    assert!(always.stdout.contains(escape));
    let never = scratch.run(&["check", "--color", "never", "rules"]);
    assert!(!never.stdout.contains(escape));
    // Not a terminal: no colour in auto, unless forced; NO_COLOR wins over forcing.
    assert!(!scratch.run(&["check", "rules"]).stdout.contains(escape));
    let forced = scratch.run_with(&["check", "rules"], &[("CLICOLOR_FORCE", "1")], None);
    assert!(forced.stdout.contains(escape));
    let no_color = scratch.run_with(
        &["check", "rules"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        None,
    );
    assert!(!no_color.stdout.contains(escape));
}

#[test]
fn fail_on_and_exit_zero_set_the_exit_code() {
    let scratch = scratch();
    assert_eq!(scratch.run(&["check", "rules"]).code, 0);
    assert_eq!(
        scratch
            .run(&["check", "--fail-on", "warning", "rules"])
            .code,
        1
    );
    assert_eq!(
        scratch
            .run(&["check", "--fail-on", "warning", "--exit-zero", "rules"])
            .code,
        0
    );
    assert_eq!(
        scratch
            .run(&[
                "check",
                "--format",
                "sarif",
                "--fail-on",
                "warning",
                "rules"
            ])
            .code,
        1
    );
}

/// `--statistics` counts the severities as reported, after the config's levels: the
/// same check moved to `error` for some paths gets a row per severity.
#[test]
fn statistics_count_the_severities_as_reported() {
    let scratch = Scratch::new();
    scratch.write(
        ".promgate.yml",
        "alerts:\n  required_labels:\n    severity: critical|warning\noverrides:\n  - paths: strict/\n    checks: {alerts/required-labels: error}\n",
    );
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n";
    scratch.write("strict/a.yml", rules);
    scratch.write("loose/a.yml", rules);
    scratch.write("loose/b.yml", rules.replace("A", "B").as_str());
    let run = scratch.run(&["check", "--statistics", "--color", "never", "."]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.ends_with(
            "2  alerts/required-labels  warning\n1  alerts/required-labels  error\n3 findings from 1 check\n"
        ),
        "{}",
        run.stdout
    );
}
