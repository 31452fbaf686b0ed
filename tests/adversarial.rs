//! Adversarial input through the binary (issue 16): every input class that crashed,
//! hung or slowed promgate, and the classic hostile inputs. Each case asserts the exit
//! status and the key message. Sizes keep a debug `cargo test` to seconds; the full
//! sizes run in `scripts/bench-adversarial.sh`, which also checks that each class
//! stays linear (never a timed test here).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn promgate(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn promgate_stdin(args: &[&str], dir: &Path, input: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(input)
        .output()
        .expect("the binary runs")
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The exit status, after checking nothing panicked or overflowed.
fn status(output: &Output) -> i32 {
    let err = stderr(output);
    assert!(
        !err.contains("panicked") && !err.contains("overflow"),
        "stderr: {err}"
    );
    output
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {:?}\nstderr: {err}", output.status))
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(output), stderr(output)))
}

fn codes(output: &Output) -> Vec<String> {
    json(output)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn rule_file(rules: &str) -> String {
    format!("groups:\n  - name: g\n    rules:\n{rules}")
}

fn recording(name: &str, expr: &str) -> String {
    format!("      - record: {name}\n        expr: '{expr}'\n")
}

fn alert_with_summary(summary: &str) -> String {
    format!("      - alert: A\n        expr: up == 0\n        annotations:\n          summary: '{summary}'\n")
}

// --- Go templates --------------------------------------------------------------------

/// Aborted a folder run (rayon workers have 2 MiB stacks) at about 1,200 levels.
#[test]
fn deeply_nested_template_controls_in_a_folder_run() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 3_000;
    let summary = format!("{}x{}", "{{if .}}".repeat(depth), "{{end}}".repeat(depth));
    for i in 0..4 {
        write(
            dir.path(),
            &format!("r{i}.yml"),
            rule_file(&alert_with_summary(&summary)),
        );
    }
    let output = promgate(&["check", "."], dir.path());
    assert_eq!(status(&output), 0, "{}", stdout(&output));
    assert!(stdout(&output).contains("no problems in 4 files"));
}

#[test]
fn template_parentheses_past_gos_limit_are_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let ok = format!("{{{{{}.{}}}}}", "(".repeat(7_000), ")".repeat(7_000));
    write(dir.path(), "ok.yml", rule_file(&alert_with_summary(&ok)));
    assert_eq!(status(&promgate(&["check", "ok.yml"], dir.path())), 0);
    let deep = format!("{{{{{}.{}}}}}", "(".repeat(10_001), ")".repeat(10_001));
    write(
        dir.path(),
        "deep.yml",
        rule_file(&alert_with_summary(&deep)),
    );
    let output = promgate(&["check", "--format", "json", "deep.yml"], dir.path());
    assert_eq!(status(&output), 1);
    assert_eq!(codes(&output), ["template/syntax"]);
    assert!(stdout(&output).contains("max expression depth exceeded"));
}

// --- Human output on long lines ------------------------------------------------------

/// A minified dashboard: every finding is on line 1, past column 65,535 (miette panicked).
#[test]
fn minified_dashboard_with_findings_past_column_65535() {
    let dir = tempfile::tempdir().unwrap();
    let panels: Vec<String> = (0..800)
        .map(|i| {
            let kind = if i == 799 { "graph" } else { "timeseries" };
            format!(r#"{{"id":{i},"type":"{kind}","title":"p{i}","targets":[{{"refId":"A","expr":"up{{job=\"a\"}}"}}]}}"#)
        })
        .collect();
    let text = format!(
        r#"{{"title":"min","uid":"m","schemaVersion":39,"panels":[{}]}}"#,
        panels.join(",")
    );
    let column = text.find("\"graph\"").unwrap() + 2;
    assert!(column > 70_000);
    write(dir.path(), "min.json", &text);
    let output = promgate(&["check", "min.json"], dir.path());
    assert_eq!(status(&output), 0, "warnings only");
    let out = stdout(&output);
    assert!(out.contains(&format!("[min.json:1:{column}]")), "{out}");
    assert!(
        out.contains("…"),
        "a window of the line, not all of it: {out}"
    );
    assert!(out.lines().all(|line| line.chars().count() < 300));
    let output = promgate(&["check", "--format", "json", "min.json"], dir.path());
    let report = json(&output);
    let graph = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "dashboard/deprecated-panel")
        .unwrap();
    assert_eq!(graph["column"].as_u64(), Some(column as u64));
}

// --- PromQL ----------------------------------------------------------------------------

/// Prometheus accepts these; we said `promql/syntax` past 1,024 / 256 / 1,020.
#[test]
fn long_operator_chains_that_prometheus_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let rules = [
        recording("job:plus", &vec!["a"; 3_000].join(" + ")),
        recording("job:or", &vec!["up{job=\"x\"}"; 2_000].join(" or ")),
        recording("job:neg", &format!("{}a", "-".repeat(1_000))),
        recording("job:pow", &vec!["a"; 1_100].join(" ^ ")),
    ]
    .concat();
    write(dir.path(), "chains.yml", rule_file(&rules));
    let output = promgate(&["check", "chains.yml"], dir.path());
    assert_eq!(status(&output), 0, "{}", stdout(&output));
}

#[test]
fn nesting_past_the_limit_is_a_syntax_finding() {
    let dir = tempfile::tempdir().unwrap();
    let hundred_k_parens = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    write(
        dir.path(),
        "parens.yml",
        rule_file(&recording("job:p", &hundred_k_parens)),
    );
    let output = promgate(&["check", "--format", "json", "parens.yml"], dir.path());
    assert_eq!(status(&output), 1);
    assert_eq!(codes(&output), ["promql/syntax"]);
    assert!(stdout(&output).contains("maximum depth of 10000"));
    let chain = vec!["a"; 10_002].join("+");
    write(
        dir.path(),
        "chain.yml",
        rule_file(&recording("job:c", &chain)),
    );
    let output = promgate(&["check", "--format", "json", "chain.yml"], dir.path());
    assert_eq!(status(&output), 1);
    assert!(stdout(&output).contains("more than 10000 levels"));
}

#[test]
fn regexes_go_rejects_are_syntax_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (i, regex) in ["a**", "a++", "a{2}{3}", "a{1001}"].iter().enumerate() {
        let rule = recording(&format!("job:r{i}"), &format!("up{{job=~\"{regex}\"}}"));
        write(dir.path(), &format!("r{i}.yml"), rule_file(&rule));
        let output = promgate(
            &["check", "--format", "json", &format!("r{i}.yml")],
            dir.path(),
        );
        assert_eq!(status(&output), 1, "{regex}");
        assert_eq!(codes(&output), ["promql/syntax"], "{regex}");
    }
}

#[test]
fn many_matchers_and_huge_regexes() {
    let dir = tempfile::tempdir().unwrap();
    let matchers: Vec<String> = (0..20_000).map(|i| format!("l{i}=\"v\"")).collect();
    let many = format!("up{{{}}}", matchers.join(","));
    let huge_regex = format!("up{{job=~\"{}\"}}", "ab|".repeat(350_000) + "c");
    let rules = [recording("job:m", &many), recording("job:h", &huge_regex)].concat();
    write(dir.path(), "big.yml", rule_file(&rules));
    assert!(std::fs::metadata(dir.path().join("big.yml")).unwrap().len() > 1_000_000);
    let output = promgate(&["check", "--format", "json", "big.yml"], dir.path());
    assert_eq!(status(&output), 0, "{}", stdout(&output));
}

// --- YAML and JSON -----------------------------------------------------------------------

#[test]
fn yaml_alias_bomb_is_not_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..40 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: *a39\n");
    write(dir.path(), "bomb.yml", &text);
    let output = promgate(&["check", "--format", "json", "bomb.yml"], dir.path());
    assert_eq!(status(&output), 1);
    assert!(
        codes(&output).contains(&"rules/schema".to_string()),
        "{}",
        stdout(&output)
    );
}

#[test]
fn deeply_nested_json_is_a_schema_error() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "{{\"title\":\"d\",\"panels\":[],\"x\":{}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(dir.path(), "deep.json", &deep);
    let output = promgate(&["check", "--format", "json", "deep.json"], dir.path());
    assert_eq!(status(&output), 1, "{}", stdout(&output));
    let deep_yaml = format!("groups: {}x{}\n", "[".repeat(100_000), "]".repeat(100_000));
    write(dir.path(), "deep.yml", &deep_yaml);
    let output = promgate(&["check", "--format", "json", "deep.yml"], dir.path());
    assert_eq!(status(&output), 1, "{}", stdout(&output));
    assert_eq!(codes(&output), ["yaml/syntax"]);
}

#[test]
fn many_panels_and_many_rules() {
    let dir = tempfile::tempdir().unwrap();
    let panels: Vec<String> = (0..10_000)
        .map(|i| format!(r#"{{"id":{i},"type":"timeseries","title":"p","targets":[{{"refId":"A","expr":"rate(x_total[5m])"}}]}}"#))
        .collect();
    write(
        dir.path(),
        "panels.json",
        format!(
            r#"{{"title":"p","uid":"p","panels":[{}]}}"#,
            panels.join(",")
        ),
    );
    let output = promgate(&["check", "--format", "json", "panels.json"], dir.path());
    assert_eq!(status(&output), 0, "{}", stdout(&output));
    let rules: String = (0..10_000)
        .map(|i| recording(&format!("job:r{i}"), "sum by (job) (up)"))
        .collect();
    write(dir.path(), "rules.yml", rule_file(&rules));
    let output = promgate(&["check", "--format", "json", "rules.yml"], dir.path());
    assert_eq!(status(&output), 0);
}

// --- Recording rules with a catalog ---------------------------------------------------

const CATALOG: &str =
    "complete: true\nmetrics:\n  up:\n    type: gauge\n    labels: [job, instance]\n";

#[test]
fn recording_rule_cycles_and_deep_chains() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "catalog.yml", CATALOG);
    let cycle = [
        recording("job:a", "job:b + 1"),
        recording("job:b", "job:a * 2"),
    ]
    .concat();
    write(dir.path(), "cycle.yml", rule_file(&cycle));
    let output = promgate(
        &["check", "--catalog", "catalog.yml", "cycle.yml"],
        dir.path(),
    );
    assert_eq!(status(&output), 0, "{}", stdout(&output));
    let mut chain = recording("job:c0", "sum by (job) (up)");
    for i in 1..3_000 {
        chain.push_str(&recording(
            &format!("job:c{i}"),
            &format!("job:c{} + 1", i - 1),
        ));
    }
    chain.push_str("      - alert: Deep\n        expr: job:c2999{instance=\"x\"} > 1\n");
    write(dir.path(), "chain.yml", rule_file(&chain));
    let output = promgate(
        &[
            "check",
            "--format",
            "json",
            "--catalog",
            "catalog.yml",
            "chain.yml",
        ],
        dir.path(),
    );
    assert_eq!(status(&output), 1, "{}", stdout(&output));
    // `instance` was aggregated away 3,000 rules earlier.
    assert_eq!(codes(&output), ["catalog/unknown-label"]);
}

// --- Files that are not files ---------------------------------------------------------

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.yml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let output = promgate(&["check", "pipe.yml"], dir.path());
    assert_eq!(status(&output), 2);
    assert!(stderr(&output).contains("pipe.yml: is a FIFO (named pipe), not a regular file"));
    // Met while walking a folder, it is not a file to lint: skipped.
    write(dir.path(), "ok.yml", rule_file(&recording("job:x", "up")));
    let output = promgate(&["check", "."], dir.path());
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let output = promgate(&["check", "/dev/zero"], dir.path());
    assert_eq!(status(&output), 2);
    assert!(stderr(&output).contains("/dev/zero: is a character device, not a regular file"));
    let output = promgate(&["check", "--catalog", "pipe.yml", "ok.yml"], dir.path());
    assert_eq!(status(&output), 2);
    assert!(stderr(&output).contains("FIFO"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_end() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("a/up")).unwrap();
    std::os::unix::fs::symlink("self.yml", dir.path().join("self.yml")).unwrap();
    write(dir.path(), "a/ok.yml", rule_file(&recording("job:x", "up")));
    // The folder walk does not follow links: the loop is never entered.
    let output = promgate(&["check", "."], dir.path());
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    // Named explicitly, a link to itself cannot be read: an I/O error.
    let output = promgate(&["check", "self.yml"], dir.path());
    assert_eq!(status(&output), 2);
    assert!(stderr(&output).contains("self.yml"));
}

/// Tests run as root in CI, where `chmod 000` does not stop reading: then the file is
/// simply linted, and the test says which case it checked.
#[cfg(unix)]
#[test]
fn unreadable_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "secret.yml",
        rule_file(&recording("job:x", "up")),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&path).is_ok();
    let output = promgate(&["check", "secret.yml"], dir.path());
    if readable {
        eprintln!("running as root: mode 000 does not prevent reading; the file is linted");
        assert_eq!(status(&output), 0);
    } else {
        assert_eq!(status(&output), 2);
        assert!(stderr(&output).contains("secret.yml: permission denied"));
    }
}

#[cfg(unix)]
#[test]
fn paths_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"r\xff\xfe.yml");
    std::fs::write(
        dir.path().join(name),
        rule_file(&recording("job:x", "up ==")),
    )
    .unwrap();
    let output = promgate(&["check", "--format", "json", "."], dir.path());
    assert_eq!(status(&output), 1);
    let report = json(&output);
    assert_eq!(report["diagnostics"][0]["code"], "promql/syntax");
    assert!(report["diagnostics"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with('r'));
}

// --- Encodings ------------------------------------------------------------------------

#[test]
fn crlf_and_bom_keep_exact_positions() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{feff}groups:\r\n  - name: g\r\n    rules:\r\n      - alert: A\r\n        expr: up ==\r\n";
    write(dir.path(), "crlf.yml", text);
    let output = promgate(&["check", "--format", "json", "crlf.yml"], dir.path());
    assert_eq!(status(&output), 1);
    let diagnostic = &json(&output)["diagnostics"][0];
    assert_eq!(diagnostic["code"], "promql/syntax");
    assert_eq!(diagnostic["line"].as_u64(), Some(5));
    assert_eq!(diagnostic["column"].as_u64(), Some(20));
}

/// One rule for encodings: bytes that are not UTF-8 text are a finding (exit 1), in a
/// file and on standard input alike (stdin used to exit 2).
#[test]
fn utf16_and_invalid_utf8_exit_1_in_files_and_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("groups: []\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    write(dir.path(), "utf16.yml", &utf16);
    write(
        dir.path(),
        "latin1.yml",
        b"groups:\n  - name: caf\xe9\n    rules: []\n",
    );
    for name in ["utf16.yml", "latin1.yml"] {
        let output = promgate(&["check", "--format", "json", name], dir.path());
        assert_eq!(status(&output), 1, "{name}");
        assert_eq!(codes(&output), ["input/invalid"], "{name}");
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_promgate"))
            .args(["check", "--format", "json", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(status(&output), 1, "{name} on stdin");
        assert_eq!(codes(&output), ["input/invalid"], "{name} on stdin");
    }
}

#[cfg(unix)]
#[test]
fn endless_stdin_stops_at_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let output = promgate_stdin(
        &["check", "--format", "json", "--stdin"],
        dir.path(),
        zero.into(),
    );
    assert_eq!(status(&output), 1);
    assert_eq!(codes(&output), ["input/invalid"]);
}

// --- File classification --------------------------------------------------------------

/// Prometheus' own `first.rules`: `*.rules` files holding `groups:` are linted in walks;
/// other `.rules` files (udev, ...) are skipped quietly.
#[test]
fn dot_rules_files_are_judged_by_content() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "first.rules",
        rule_file("      - alert: A\n        expr: up ==\n"),
    );
    write(
        dir.path(),
        "99-disk.rules",
        "KERNEL==\"sda\", SYMLINK+=\"disk\"\n",
    );
    let output = promgate(&["check", "--format", "json", "."], dir.path());
    assert_eq!(status(&output), 1);
    let report = json(&output);
    assert_eq!(report["summary"]["files"].as_u64(), Some(1));
    assert_eq!(report["diagnostics"][0]["path"], "first.rules");
}
