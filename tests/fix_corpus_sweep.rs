//! The corpus sweep of `--fix` (run by `scripts/sweep-fix.sh` from `.ci/run`): fixes a
//! copy of the real rule and dashboard corpus (never `../shared` itself), once with the
//! safe fixes and once with the unsafe ones too, and checks that every rule file
//! promtool accepted before is still accepted, every dashboard still parses, no new
//! finding appears, and every comment survives. Prints the fixes per check.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    let corpus = root().join("../shared/corpus");
    assert!(
        corpus.join("rules").is_dir() && corpus.join("dashboards").is_dir(),
        "the sweep needs ../shared/corpus/rules and ../shared/corpus/dashboards beside the repository"
    );
    corpus
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), &target).unwrap();
            // The corpus is read-only: the copy must be writable to be fixed.
            let mut permissions = fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            fs::set_permissions(&target, permissions).unwrap();
        }
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn promgate(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run promgate")
}

/// Findings per (path, code).
fn findings(dir: &Path) -> BTreeMap<(String, String), usize> {
    let output = promgate(
        dir,
        &[
            "check",
            "--format",
            "json",
            "--no-config",
            "rules",
            "dashboards",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let mut counts = BTreeMap::new();
    for diagnostic in json["diagnostics"].as_array().unwrap() {
        let key = (
            diagnostic["path"].as_str().unwrap().to_string(),
            diagnostic["code"].as_str().unwrap().to_string(),
        );
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

fn promtool_accepts(file: &Path) -> bool {
    Command::new("promtool")
        .args(["check", "rules"])
        .arg(file)
        .output()
        .expect("promtool on the PATH (apt-get install -y prometheus)")
        .status
        .success()
}

/// The comments of a YAML text: whole comment lines, and the `#...` after a value.
fn comments(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') {
                Some(trimmed.trim_end().to_string())
            } else {
                line.find(" #").map(|at| line[at..].trim_end().to_string())
            }
        })
        .collect();
    found.sort();
    found
}

/// What one sweep found.
struct Swept {
    per_check: BTreeMap<String, usize>,
    changed: usize,
    /// Fixes dropped because the text would no longer parse as before.
    dropped: usize,
    problems: Vec<String>,
}

/// Fixes a fresh copy; returns the fixes per check and the problems found.
fn sweep(corpus: &Path, unsafe_fixes: bool) -> Swept {
    let work = tempfile::tempdir().unwrap();
    copy_tree(&corpus.join("rules"), &work.path().join("rules"));
    copy_tree(&corpus.join("dashboards"), &work.path().join("dashboards"));
    let mut before_files = Vec::new();
    files(work.path(), &mut before_files);
    let originals: BTreeMap<PathBuf, Vec<u8>> = before_files
        .iter()
        .map(|path| (path.clone(), fs::read(path).unwrap()))
        .collect();
    let before = findings(work.path());
    let mut args = vec![
        "check",
        "--fix",
        "--no-config",
        "--color",
        "never",
        "--exit-zero",
    ];
    if unsafe_fixes {
        args.push("--unsafe-fixes");
    }
    args.extend(["rules", "dashboards"]);
    let output = promgate(work.path(), &args);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let dropped = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains("not applied: the file would no longer parse"))
        .count();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut per_check = BTreeMap::new();
    if let Some(line) = stdout.lines().find(|l| l.starts_with("promgate: applied")) {
        if let Some(inside) = line.split_once('(').and_then(|(_, r)| r.split_once(')')) {
            for part in inside.0.split(", ") {
                let (count, code) = part.split_once(' ').unwrap();
                per_check.insert(code.to_string(), count.parse::<usize>().unwrap());
            }
        }
    }
    let mut problems = Vec::new();
    let mut changed = 0;
    for (path, original) in &originals {
        let now = fs::read(path).unwrap();
        if &now == original {
            continue;
        }
        changed += 1;
        let shown = path
            .strip_prefix(work.path())
            .unwrap()
            .display()
            .to_string();
        let (old, new) = (
            String::from_utf8_lossy(original),
            String::from_utf8_lossy(&now),
        );
        let name = shown.to_ascii_lowercase();
        if name.ends_with(".json") {
            if serde_json::from_slice::<serde_json::Value>(&now).is_err() {
                problems.push(format!("{shown}: no longer parses as JSON"));
            }
        } else {
            let mut old_comments = comments(&old);
            let new_comments = comments(&new);
            old_comments.retain(|c| !new_comments.contains(c));
            if !old_comments.is_empty() {
                problems.push(format!("{shown}: comments lost: {old_comments:?}"));
            }
            if shown.starts_with("rules/") {
                let original_copy = work.path().join("promtool-before.yml");
                fs::write(&original_copy, original).unwrap();
                if promtool_accepts(&original_copy) && !promtool_accepts(path) {
                    problems.push(format!(
                        "{shown}: promtool accepted it before the fix, not after"
                    ));
                }
            }
        }
    }
    let after = findings(work.path());
    for (key, count) in &after {
        let was = before.get(key).copied().unwrap_or(0);
        if *count > was {
            problems.push(format!(
                "{}: new {} finding ({was} -> {count})",
                key.0, key.1
            ));
        }
    }
    Swept {
        per_check,
        changed,
        dropped,
        problems,
    }
}

#[test]
#[ignore = "ci: needs ../shared and promtool (prometheus); run by .ci/run via scripts/sweep-fix.sh"]
fn fixing_the_corpus_breaks_nothing() {
    let corpus = corpus();
    for unsafe_fixes in [false, true] {
        let swept = sweep(&corpus, unsafe_fixes);
        let mode = if unsafe_fixes {
            "--fix --unsafe-fixes"
        } else {
            "--fix"
        };
        println!(
            "sweep-fix {mode}: {} files changed, {} broken, {} fixes dropped by the re-check",
            swept.changed,
            swept.problems.len(),
            swept.dropped
        );
        for (code, count) in &swept.per_check {
            println!("  {code:<28} {count}");
        }
        println!(
            "  total                        {}",
            swept.per_check.values().sum::<usize>()
        );
        assert!(
            swept.problems.is_empty(),
            "{mode}:\n{}",
            swept.problems.join("\n")
        );
    }
}

#[test]
#[ignore = "ci: needs ../shared (the SARIF schema); run by .ci/run via scripts/sweep-fix.sh"]
fn sarif_fixes_follow_the_2_1_0_schema() {
    let schema_path = root().join("../shared/schemas/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(&schema_path)
            .unwrap_or_else(|e| panic!("{} is needed: {e}", schema_path.display())),
    )
    .unwrap();
    let output = promgate(
        root(),
        &[
            "check",
            "--format",
            "sarif",
            "rules-fixtures/promql/regexp/fail.yml",
            "rules-fixtures/dashboard/rate-interval/fail.json",
        ],
    );
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let with_fixes = results.iter().filter(|r| r.get("fixes").is_some()).count();
    assert!(with_fixes >= 4, "results with fixes: {with_fixes}");
}
