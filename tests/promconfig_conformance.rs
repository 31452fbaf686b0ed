//! prometheus.yml validation held to Prometheus' own test table
//! (`../shared/corpus/prometheus-config/`, `config/testdata` of prometheus/prometheus):
//! every `*.good.yml` is accepted; every `*.bad.yml` is rejected with a message that
//! contains Prometheus' substring, except the known misses below, a list that may only
//! shrink (a file that starts passing must be removed from it).

use promgate::promconfig;
use promgate::source::SourceFile;
use std::path::PathBuf;

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
