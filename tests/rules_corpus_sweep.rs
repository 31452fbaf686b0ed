//! Corpus sweep: lint every file of `../shared/corpus/rules/` through the binary and compare
//! with `promtool check rules` (`promtool-results.tsv`).
//!
//! Run by `.ci/run` with the other tests that need `../shared`, or alone by
//! `scripts/sweep-rules.sh` (it is `#[ignore]`d: it needs the corpus, and takes a while in
//! debug builds). It fails on a crash, on an error-level diagnostic from the checks promtool
//! shares with us on a file promtool accepts (a false alarm), and on a file promtool
//! rejects for a reason we cover that we accept (a miss), unless the file is listed in
//! `KNOWN` with the reason. It prints the agreement figures either way.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Disagreements we understand and accept for now: (path, why). Empty since the YAML
/// loader accepts quoted scalars continued at the parent's indentation, as libyaml does.
const KNOWN: &[(&str, &str)] = &[];

/// The checks whose errors mean "Prometheus would refuse this file".
fn is_promtool_level(code: &str) -> bool {
    code.starts_with("rules/")
        || code.starts_with("yaml/")
        || code == "promql/syntax"
        || code == "template/syntax"
}

struct Row {
    path: String,
    promtool_exit: String,
    first_error: String,
    kind: String,
    normalized_exit: String,
    notes: String,
}

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        dir.join("rules/promtool-results.tsv").is_file(),
        "the rule corpus must exist at {} (clone beside shared/)",
        dir.display()
    );
    dir
}

fn rows(corpus: &Path) -> Vec<Row> {
    let tsv = std::fs::read_to_string(corpus.join("rules/promtool-results.tsv")).unwrap();
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (path, exit, first, kind, nexit, notes) = (
        col("path"),
        col("promtool_exit"),
        col("first_error_line"),
        col("kind"),
        col("normalized_exit"),
        col("normalize_notes"),
    );
    lines
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| cols.get(i).copied().unwrap_or("").to_string();
            Row {
                path: get(path),
                promtool_exit: get(exit),
                first_error: get(first),
                kind: get(kind),
                normalized_exit: get(nexit),
                notes: get(notes),
            }
        })
        .collect()
}

/// One diagnostic as the JSON report gives it.
struct Found {
    code: String,
    severity: String,
    line: u64,
    message: String,
}

enum Outcome {
    Ran(Vec<Found>),
    Crashed(String),
}

fn lint(file: &Path, extra: &[&str]) -> Outcome {
    let output = Command::new(env!("CARGO_BIN_EXE_promgate"))
        .arg("check")
        .args(["--format", "json"])
        .args(extra)
        .arg(file)
        .output()
        .expect("run promgate");
    let code = output.status.code();
    if !matches!(code, Some(0) | Some(1)) {
        return Outcome::Crashed(format!(
            "exit {:?}: {}",
            code,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let json: Value = match serde_json::from_slice(&output.stdout) {
        Ok(json) => json,
        Err(e) => return Outcome::Crashed(format!("invalid JSON output: {e}")),
    };
    let found = json["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| Found {
            code: d["code"].as_str().unwrap_or_default().to_string(),
            severity: d["severity"].as_str().unwrap_or_default().to_string(),
            line: d["line"].as_u64().unwrap_or(0),
            message: d["message"].as_str().unwrap_or_default().to_string(),
        })
        .collect();
    Outcome::Ran(found)
}

fn errors(found: &[Found]) -> Vec<&Found> {
    found
        .iter()
        .filter(|f| f.severity == "error" && is_promtool_level(&f.code))
        .collect()
}

fn show(found: &[&Found]) -> String {
    found
        .iter()
        .take(3)
        .map(|f| format!("{}: {} {}", f.line, f.code, f.message))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// promtool 2.42 checks names under the legacy scheme; Prometheus 3 accepts any UTF-8 name.
fn is_legacy_name_error(first_error: &str) -> bool {
    ["invalid annotation name: ", "invalid label name: "]
        .iter()
        .any(|prefix| {
            first_error
                .split(prefix)
                .nth(1)
                .is_some_and(|name| !name.is_empty() && name != "__name__")
        })
}

/// The check that covers the reason promtool gives in its first error line.
fn expected_code(first_error: &str) -> &'static str {
    if first_error.contains("could not parse expression") {
        "promql/syntax"
    } else if first_error.contains(": template: ") {
        "template/syntax"
    } else if first_error.contains("cannot unmarshal !!str") {
        // Prometheus 1.x rule syntax is not YAML of the 2.x shape.
        "yaml/"
    } else {
        "rules/"
    }
}

/// The dialect whose fields promtool refused, from the normalisation notes.
fn dialect_for(notes: &str) -> Option<&'static str> {
    if notes.contains("partial_response_strategy") {
        Some("thanos")
    } else if notes.contains("concurrency") {
        Some("vmalert")
    } else {
        None
    }
}

#[derive(Default)]
struct Tally {
    accepted: usize,
    accepted_agree: usize,
    rejected: usize,
    rejected_agree: usize,
    templated: usize,
    templated_flagged: usize,
    dialect_files: usize,
    dialect_clean: usize,
    legacy_only: usize,
    legacy_only_agree: usize,
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run (or scripts/sweep-rules.sh)"]
fn rule_corpus_agrees_with_promtool() {
    let corpus = corpus();
    let mut tally = Tally::default();
    let mut problems: Vec<String> = Vec::new();
    let mut known_seen: Vec<&str> = Vec::new();
    let rows = rows(&corpus);
    assert!(rows.len() > 600, "the TSV lists {} files", rows.len());
    for row in &rows {
        let file = corpus.join(&row.path);
        let found = match lint(&file, &[]) {
            Outcome::Ran(found) => found,
            Outcome::Crashed(why) => {
                problems.push(format!("CRASH {}: {why}", row.path));
                continue;
            }
        };
        let errs = errors(&found);
        let known = KNOWN.iter().find(|(p, _)| *p == row.path);
        let mut disagree = |problem: String, problems: &mut Vec<String>| match known {
            Some((path, _)) => known_seen.push(path),
            None => problems.push(problem),
        };
        let utf8_only = is_legacy_name_error(&row.first_error);
        if row.kind == "helm-template" {
            tally.templated += 1;
            if !errs.is_empty() || found.iter().any(|f| f.message.contains("templat")) {
                tally.templated_flagged += 1;
            } else {
                disagree(format!("MISS (templated) {}", row.path), &mut problems);
            }
        } else if row.promtool_exit == "0" {
            tally.accepted += 1;
            if errs.is_empty() {
                tally.accepted_agree += 1;
            } else {
                disagree(
                    format!("FALSE ALARM {}: {}", row.path, show(&errs)),
                    &mut problems,
                );
            }
        } else if utf8_only {
            // Valid in Prometheus 3 (UTF-8 names), invalid in promtool 2.42: a warning by
            // default, an error under the legacy scheme.
            tally.legacy_only += 1;
            let legacy = match lint(&file, &["--name-validation", "legacy"]) {
                Outcome::Ran(found) => found,
                Outcome::Crashed(why) => {
                    problems.push(format!("CRASH {} (legacy): {why}", row.path));
                    continue;
                }
            };
            // A UTF-8 label name earns a warning (it must be quoted in queries); a UTF-8
            // annotation name is simply valid in Prometheus 3 (never used in a query).
            let warned = row.first_error.contains("invalid annotation name: ")
                || found
                    .iter()
                    .any(|f| f.code == "rules/schema" && f.severity == "warning");
            if errs.is_empty() && warned && !errors(&legacy).is_empty() {
                tally.legacy_only_agree += 1;
            } else {
                disagree(
                    format!(
                        "UTF-8 NAMES {}: default {} / legacy {}",
                        row.path,
                        show(&errs),
                        show(&errors(&legacy))
                    ),
                    &mut problems,
                );
            }
        } else {
            tally.rejected += 1;
            let want = expected_code(&row.first_error);
            if errs.iter().any(|f| f.code.starts_with(want)) {
                tally.rejected_agree += 1;
            } else {
                disagree(
                    format!(
                        "MISS {} (promtool: {}; want {want}): we say {}",
                        row.path,
                        row.first_error,
                        show(&errs)
                    ),
                    &mut problems,
                );
            }
            // Dialect fields promtool refused must pass once the dialect is named.
            if let (Some(dialect), "0") = (dialect_for(&row.notes), row.normalized_exit.as_str()) {
                tally.dialect_files += 1;
                match lint(&file, &["--dialect", dialect]) {
                    Outcome::Ran(found) if errors(&found).is_empty() => tally.dialect_clean += 1,
                    Outcome::Ran(found) => disagree(
                        format!("DIALECT {dialect} {}: {}", row.path, show(&errors(&found))),
                        &mut problems,
                    ),
                    Outcome::Crashed(why) => {
                        problems.push(format!("CRASH {} (--dialect {dialect}): {why}", row.path))
                    }
                }
            }
        }
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    println!("rule corpus sweep: {} files", rows.len());
    println!(
        "  promtool accepts {:>3}: no error from us on {:>3} ({:.1}%)",
        tally.accepted,
        tally.accepted_agree,
        pct(tally.accepted_agree, tally.accepted)
    );
    println!(
        "  promtool rejects {:>3}: we reject {:>3} for the same reason ({:.1}%)",
        tally.rejected,
        tally.rejected_agree,
        pct(tally.rejected_agree, tally.rejected)
    );
    println!(
        "  dialect files    {:>3}: clean with the right --dialect: {:>3}",
        tally.dialect_files, tally.dialect_clean
    );
    println!(
        "  UTF-8-only names {:>3}: warning by default, error with legacy names: {:>3}",
        tally.legacy_only, tally.legacy_only_agree
    );
    println!(
        "  Helm templates   {:>3}: reported as templated / invalid: {:>3}",
        tally.templated, tally.templated_flagged
    );
    known_seen.sort_unstable();
    known_seen.dedup();
    println!("  known disagreements: {}", known_seen.len());
    for (path, why) in KNOWN {
        let state = if known_seen.contains(path) {
            "still"
        } else {
            "FIXED (remove from KNOWN)"
        };
        println!("    [{state}] {path}: {why}");
    }
    for problem in &problems {
        println!("  {problem}");
    }
    assert!(
        problems.is_empty(),
        "{} regressions (see above)",
        problems.len()
    );
}
