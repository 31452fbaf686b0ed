//! Prometheus' own PromQL engine tests (`../shared/corpus/promqltest/*.test`) against our
//! engine: pass/fail per file and in total, and a fixed table of the evals not passed
//! (`tests/promqltest-known-failures.txt`, one `file:line<TAB>reason` a line) so the
//! list can only shrink. `PROMGATE_WRITE_KNOWN_FAILURES=1` rewrites the table.

use promgate::eval::engine::Engine;
use promgate::eval::promqltest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TABLE: &str = "tests/promqltest-known-failures.txt";

fn corpus_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/promqltest");
    assert!(
        dir.is_dir(),
        "{} is missing: this test needs ../shared beside the repository (run by .ci/run)",
        dir.display()
    );
    dir
}

/// Reasons are one line; the table keeps them short.
fn one_line(reason: &str) -> String {
    let r: String = reason.replace(['\t', '\n'], " ");
    if r.chars().count() > 200 {
        let cut: String = r.chars().take(200).collect();
        format!("{cut}…")
    } else {
        r
    }
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn prometheus_engine_tests() {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read corpus dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 21, "the corpus has 21 test files");
    // `PROMQLTEST_FILE=info.test`: run one file and print its failures (no table check).
    let only = std::env::var("PROMQLTEST_FILE").ok();
    if let Some(only) = &only {
        files.retain(|f| f.file_name().is_some_and(|n| n == only.as_str()));
    }

    let engine = Engine::default();
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let (mut total, mut passed) = (0usize, 0usize);
    let (mut float_total, mut float_passed) = (0usize, 0usize);
    println!(
        "{:<28} {:>6} {:>6} {:>7}",
        "file", "evals", "passed", "percent"
    );
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).expect("read test file");
        let commands = promqltest::parse(&text)
            .unwrap_or_else(|e| panic!("{name}: the script does not parse: {e}"));
        let outcomes = promqltest::run(&commands, &engine);
        let ok = outcomes.iter().filter(|o| o.error.is_none()).count();
        float_total += outcomes.iter().filter(|o| !o.uses_histograms).count();
        float_passed += outcomes
            .iter()
            .filter(|o| !o.uses_histograms && o.error.is_none())
            .count();
        for o in &outcomes {
            if let Some(e) = &o.error {
                failures.insert(format!("{name}:{}", o.line), one_line(e));
            }
        }
        println!(
            "{name:<28} {:>6} {ok:>6} {:>6.1}%",
            outcomes.len(),
            100.0 * ok as f64 / outcomes.len().max(1) as f64
        );
        total += outcomes.len();
        passed += ok;
    }
    println!(
        "{:<28} {total:>6} {passed:>6} {:>6.1}%",
        "TOTAL",
        100.0 * passed as f64 / total as f64
    );
    if only.is_some() {
        for (id, reason) in &failures {
            println!("{id}: {reason}");
        }
        return;
    }
    println!(
        "{:<28} {float_total:>6} {float_passed:>6} {:>6.1}%",
        "float-only evals",
        100.0 * float_passed as f64 / float_total.max(1) as f64
    );
    // SOURCES.md counts 2,213 with `^eval`; start_timestamps.test indents one more.
    assert_eq!(total, 2214, "the corpus has 2,214 evals");

    let table_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE);
    if std::env::var_os("PROMGATE_WRITE_KNOWN_FAILURES").is_some() {
        let mut text = String::from(
            "# Evals of ../shared/corpus/promqltest that our engine does not pass, with why.\n\
             # The list may only shrink: tests/promqltest_conformance.rs fails on a new failure\n\
             # and on an eval listed here that now passes.\n",
        );
        for (id, reason) in &failures {
            text.push_str(&format!("{id}\t{reason}\n"));
        }
        std::fs::write(&table_path, text).expect("write known-failures table");
        return;
    }
    let table = std::fs::read_to_string(&table_path).unwrap_or_default();
    let known: BTreeMap<&str, &str> = table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once('\t').unwrap_or((l, "")))
        .collect();
    let new: Vec<String> = failures
        .iter()
        .filter(|(id, _)| !known.contains_key(id.as_str()))
        .map(|(id, r)| format!("  {id}: {r}"))
        .collect();
    let fixed: Vec<&str> = known
        .keys()
        .filter(|id| !failures.contains_key(**id))
        .copied()
        .collect();
    assert!(
        new.is_empty(),
        "{} evals fail that are not in {TABLE}:\n{}",
        new.len(),
        new.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "these evals pass now; remove them from {TABLE}:\n  {}",
        fixed.join("\n  ")
    );
}
