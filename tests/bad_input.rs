//! Bad input through the binary: each case gets a clear diagnostic or error with its
//! location and the right exit status; never a panic, a hang or a silent skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn promgate(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The only diagnostic of a JSON report.
fn single(output: &Output) -> serde_json::Value {
    let report = json(output);
    let diagnostics = report["diagnostics"].as_array().expect("a list").clone();
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    diagnostics[0].clone()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn no_panic(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn empty_file_named_explicitly_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.yml", b"");
    let output = promgate(&["check", "--format", "json", "empty.yml"], dir.path());
    no_panic(&output);
    let diagnostic = single(&output);
    assert_eq!(diagnostic["code"], "input/unrecognized");
    assert_eq!(diagnostic["path"], "empty.yml");
    assert_eq!(
        (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(diagnostic["message"]
        .as_str()
        .unwrap()
        .starts_with("empty file"));
    // A warning: exit 0 by default, 1 with --fail-on warning.
    assert_eq!(output.status.code(), Some(0));
    let strict = promgate(&["check", "--fail-on", "warning", "empty.yml"], dir.path());
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn empty_files_met_while_walking_are_skipped_quietly() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.yml", b"");
    write(
        dir.path(),
        "config.yml",
        b"global:\n  scrape_interval: 15s\n",
    );
    let output = promgate(&["check", "--format", "json"], dir.path());
    let report = json(&output);
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(report["summary"]["files"], 0);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn binary_file_is_reported_at_the_first_nul_byte() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rules.yml",
        b"groups:\n  - name: a\n    rul\0es: []\n",
    );
    let output = promgate(&["check", "--format", "json", "."], dir.path());
    no_panic(&output);
    let diagnostic = single(&output);
    assert_eq!(diagnostic["code"], "input/invalid");
    assert_eq!(
        (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
        (Some(3), Some(8))
    );
    assert!(diagnostic["message"].as_str().unwrap().contains("NUL"));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn invalid_utf8_is_reported_at_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rules.yml",
        b"groups:\n  - name: caf\xc3\xa9\n    rules:\n      - alert: Caf\xe9\n",
    );
    let output = promgate(&["check", "--format", "json", "rules.yml"], dir.path());
    no_panic(&output);
    let diagnostic = single(&output);
    assert_eq!(diagnostic["code"], "input/invalid");
    assert_eq!(
        (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
        (Some(4), Some(19))
    );
    assert!(diagnostic["message"].as_str().unwrap().contains("0xE9"));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn alias_bomb_is_linted_without_blowing_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("lol0: &lol0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for level in 1..=12 {
        let items = vec![format!("*lol{}", level - 1); 10].join(", ");
        text.push_str(&format!("lol{level}: &lol{level} [{items}]\n"));
    }
    text.push_str("groups:\n  - name: bomb\n    rules:\n      - record: x:y\n        expr: up\n        labels: *lol12\n");
    write(dir.path(), "bomb.yml", text.as_bytes());
    let output = promgate(&["check", "--format", "json", "bomb.yml"], dir.path());
    no_panic(&output);
    let report = json(&output);
    assert_eq!(report["summary"]["files"], 1);
    // 10^12 strings if expanded; the output stays small.
    assert!(
        output.stdout.len() < 100_000,
        "{} bytes of output",
        output.stdout.len()
    );
    assert!(matches!(output.status.code(), Some(0 | 1)));
}

#[test]
fn ten_thousand_levels_of_nesting_is_a_yaml_error_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("groups:\n  - {}x\n", "- ".repeat(10_000));
    write(dir.path(), "deep.yml", text.as_bytes());
    let output = promgate(&["check", "--format", "json", "deep.yml"], dir.path());
    no_panic(&output);
    let diagnostic = single(&output);
    assert_eq!(diagnostic["code"], "yaml/syntax");
    assert_eq!(diagnostic["line"], 2);
    assert!(diagnostic["message"]
        .as_str()
        .unwrap()
        .contains("nested more than 1000 levels"));
    assert_eq!(output.status.code(), Some(1));

    let flow = format!("groups: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    write(dir.path(), "flow.yml", flow.as_bytes());
    let output = promgate(&["check", "--format", "json", "flow.yml"], dir.path());
    no_panic(&output);
    assert_eq!(single(&output)["code"], "yaml/syntax");
}

#[test]
fn a_100_mb_file_is_refused_with_a_size_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yml");
    // A sparse file: 100 MB long without writing 100 MB.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    drop(file);
    let output = promgate(&["check", "--format", "json", "huge.yml"], dir.path());
    no_panic(&output);
    let diagnostic = single(&output);
    assert_eq!(diagnostic["code"], "input/invalid");
    assert_eq!(diagnostic["line"], 1);
    let message = diagnostic["message"].as_str().unwrap();
    assert!(
        message.contains("100.0 MiB") && message.contains("16.0 MiB"),
        "{message}"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn an_unreadable_file_exits_2_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "secret.yml", b"groups: []\n");
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o000);
    std::fs::set_permissions(&path, permissions).unwrap();
    // Root reads any file whatever its mode; /proc/self/mem exists but every read of it
    // from offset 0 fails, which is the same situation.
    let target = if std::fs::read(&path).is_ok() {
        "/proc/self/mem".to_string()
    } else {
        "secret.yml".to_string()
    };
    let output = promgate(&["check", &target, "--format", "json"], dir.path());
    no_panic(&output);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("promgate: error: {target}: ")),
        "{stderr}"
    );
}

#[test]
fn a_missing_path_exits_2_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let output = promgate(&["check", "no/such/rules.yml"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("promgate: error: no/such/rules.yml: no such file or folder"),
        "{stderr}"
    );
}

#[test]
fn a_helm_template_gets_one_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{{- if .Values.rules.enabled }}\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  labels:\n    {{- include \"labels\" . | nindent 4 }}\nspec:\n  groups:\n    - name: a\n      rules: []\n{{- end }}\n";
    std::fs::create_dir_all(dir.path().join("chart/templates")).unwrap();
    write(dir.path(), "chart/templates/rules.yaml", text.as_bytes());
    let output = promgate(&["check", "--format", "json", "."], dir.path());
    no_panic(&output);
    let diagnostic = single(&output);
    assert_eq!(diagnostic["code"], "yaml/syntax");
    assert_eq!(diagnostic["path"], "chart/templates/rules.yaml");
    let message = diagnostic["message"].as_str().unwrap();
    assert!(
        message.starts_with("file is templated (Helm/Jinja)"),
        "{message}"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = promgate(&["check", "--format", "yamlish"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let output = promgate(&["check", "--enable-feature", "time-travel"], dir.path());
    assert_eq!(output.status.code(), Some(2));
}

/// A prometheus.yml with 10,000 jobs (one name repeated at the end): read whole, the
/// duplicate reported at its line, in bounded time, exit 1.
#[test]
fn ten_thousand_jobs_config() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("scrape_configs:\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "  - job_name: job{i}\n    static_configs: [{{targets: ['h{i}:9100'], labels: {{team: t{}}}}}]\n",
            i % 7
        ));
    }
    text.push_str("  - job_name: job42\n");
    write(dir.path(), "prometheus.yml", text.as_bytes());
    let started = std::time::Instant::now();
    let output = promgate(
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "--prometheus-config",
            "prometheus.yml",
        ],
        dir.path(),
    );
    no_panic(&output);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(1));
    let diagnostic = single(&output);
    assert_eq!(diagnostic["code"], "prometheus/config");
    assert_eq!(diagnostic["line"], 20_002);
    assert!(diagnostic["message"]
        .as_str()
        .unwrap()
        .contains("found multiple scrape configs with job name \"job42\""));
}

/// Relabel regexes built to blow up a backtracking engine or a compiled program: an
/// error at the regex (Prometheus' "error parsing regexp" wording) or a linear-time
/// match, never a hang.
#[test]
fn relabel_regex_bombs() {
    let dir = tempfile::tempdir().unwrap();
    let text = "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['a:1']}]\n    relabel_configs:\n      - source_labels: [__address__]\n        regex: '(a*)*(b+)+$'\n        target_label: x\n      - action: labelmap\n        regex: '((((a{1000}){1000}){1000}){1000})'\n";
    write(dir.path(), "prometheus.yml", text.as_bytes());
    let started = std::time::Instant::now();
    let output = promgate(
        &["check", "--no-config", "--format", "json", "prometheus.yml"],
        dir.path(),
    );
    no_panic(&output);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(1));
    let diagnostic = single(&output);
    assert_eq!(diagnostic["line"], 9);
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .starts_with("error parsing regexp"),
        "{diagnostic:#}"
    );
}
