//! prometheus.yml validation held to Prometheus' own test table
//! (`../shared/corpus/prometheus-config/`, `config/testdata` of prometheus/prometheus):
//! every `*.good.yml` is accepted; every `*.bad.yml` is rejected with a message that
//! contains Prometheus' substring, except the known misses below, a list that may only
//! shrink (a file that starts passing must be removed from it).

use promgate::promconfig;
use promgate::source::SourceFile;
use std::path::PathBuf;

/// The line Prometheus names, for the bad files whose error carries one: Go's YAML
/// decoder prefixes its unmarshal errors with `line N:` (the key it could not place,
/// or the value it could not decode); the errors Prometheus raises after decoding
/// (duplicate jobs, relabel rules, SD requirements...) name no line. Read from
/// `promtool check config` output for the files whose message it shares (the same
/// decoder), and from the decoder's rule for the others.
const PROMETHEUS_LINES: &[(&str, usize)] = &[
    ("unknown_attr.bad.yml", 19),
    ("unknown_global_attr.bad.yml", 2),
    ("section_key_dup.bad.yml", 4),
    ("kubernetes_namespace_discovery.bad.yml", 6),
    ("scrape_config_files_fallback_scrape_protocol2.bad.yml", 3),
];

/// Bad files promgate does not reject with Prometheus' message, and why.
const KNOWN_MISSES: &[(&str, &str)] = &[];

fn corpus() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/prometheus-config");
    assert!(
        dir.join("expected-errors.tsv").is_file(),
        "needs ../shared/corpus/prometheus-config beside the repository (run by .ci/run)"
    );
    dir
}

fn problems(path: &std::path::Path) -> (SourceFile, Vec<promconfig::Problem>) {
    let text = std::fs::read_to_string(path).expect("readable corpus file");
    let file = SourceFile::new(path.display().to_string(), text);
    match promgate::yaml::parse_documents(&file) {
        Ok(documents) => {
            let config = promconfig::read(&documents);
            (file, config.problems)
        }
        Err(error) => (
            file,
            vec![promconfig::Problem {
                span: error.span,
                message: error.message,
            }],
        ),
    }
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn prometheus_config_table() {
    let dir = corpus();
    let mut good_failures = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".good.yml"))
    {
        let (file, found) = problems(path);
        if let Some(problem) = found.first() {
            let at = file.line_col(problem.span.start);
            good_failures.push(format!("{}:{}: {}", file.path, at.line, problem.message));
        }
    }
    let table = std::fs::read_to_string(dir.join("expected-errors.tsv")).unwrap();
    let mut total = 0;
    let mut misses = Vec::new();
    let mut wrong_lines = Vec::new();
    let mut lines_checked = 0;
    for line in table.lines().skip(1) {
        let (name, substring) = line.split_once('\t').expect("two columns");
        total += 1;
        let (file, found) = problems(&dir.join(name));
        // Prometheus prefixes errors of some files with where it read them.
        let expected = match substring.split_once(".bad.yml: ") {
            Some((_, rest)) if substring.starts_with("parsing YAML file") => rest,
            _ => substring,
        };
        let hit = found.iter().find(|p| p.message.contains(expected));
        match hit {
            Some(problem) => {
                let at = file.line_col(problem.span.start);
                assert!(
                    at.line >= 1 && at.line <= file.line_count(),
                    "{name}: line {}",
                    at.line
                );
                if let Some((_, line)) = PROMETHEUS_LINES.iter().find(|(n, _)| *n == name) {
                    lines_checked += 1;
                    if at.line != *line {
                        wrong_lines.push(format!(
                            "{name}: Prometheus names line {line}, promgate line {}",
                            at.line
                        ));
                    }
                }
            }
            None => misses.push((name.to_string(), found.first().map(|p| p.message.clone()))),
        }
    }
    let rejected = total - misses.len();
    println!(
        "prometheus-config conformance: {rejected}/{total} bad files rejected with Prometheus' message ({:.1}%), {} good files refused",
        100.0 * rejected as f64 / total as f64,
        good_failures.len()
    );
    println!(
        "  on the line Prometheus names: {}/{lines_checked} (the other bad files' errors carry no line)",
        lines_checked - wrong_lines.len()
    );
    assert_eq!(
        lines_checked,
        PROMETHEUS_LINES.len(),
        "every file with a Prometheus line must be rejected"
    );
    assert!(
        wrong_lines.is_empty(),
        "wrong lines:\n{}",
        wrong_lines.join("\n")
    );
    for (name, got) in &misses {
        println!("  miss: {name}: {got:?}");
    }
    assert!(
        good_failures.is_empty(),
        "good files refused:\n{}",
        good_failures.join("\n")
    );
    let known: Vec<&str> = KNOWN_MISSES.iter().map(|(name, _)| *name).collect();
    let unexpected: Vec<&String> = misses
        .iter()
        .map(|(n, _)| n)
        .filter(|n| !known.contains(&n.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "new misses: {unexpected:?}");
    let fixed: Vec<&&str> = known
        .iter()
        .filter(|k| !misses.iter().any(|(n, _)| n == **k))
        .collect();
    assert!(
        fixed.is_empty(),
        "now passing, remove from KNOWN_MISSES: {fixed:?}"
    );
}

/// Every YAML file under `dir` (recursively), sorted.
fn yaml_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in listing.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

/// Zero false alarms: every configuration in `../shared` that Prometheus accepts (all
/// but the `*.bad.yml` files, which name what they break) is read without a problem.
#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn every_shared_configuration_is_clean() {
    let shared = corpus().join("../..");
    let mut files = Vec::new();
    yaml_files(&shared, &mut files);
    files.sort();
    let mut configs = 0;
    let mut refused = Vec::new();
    for path in files {
        if path.to_string_lossy().ends_with(".bad.yml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let file = SourceFile::new(path.display().to_string(), text);
        let Ok(documents) = promgate::yaml::parse_documents(&file) else {
            continue;
        };
        if !documents
            .first()
            .is_some_and(promconfig::is_config_document)
        {
            continue;
        }
        configs += 1;
        for problem in promconfig::read(&documents).problems {
            let at = file.line_col(problem.span.start);
            refused.push(format!("{}:{}: {}", file.path, at.line, problem.message));
        }
    }
    println!("configurations in ../shared read: {configs}");
    assert!(configs >= 50, "only {configs} configurations found");
    assert!(refused.is_empty(), "false alarms:\n{}", refused.join("\n"));
}
