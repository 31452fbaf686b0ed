//! Every PromQL target of the real-dashboard corpus expands into text that the reference
//! parser (`promql-parser`, a port of Prometheus' own) accepts.
//! They need `../shared`: ignored by `cargo test`, run by `.ci/run`.

use promgate::dashboards::{self, queries};
use promgate::source::SourceFile;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/dashboards");
    assert!(
        dir.is_dir(),
        "the dashboard corpus is missing at {}: these tests need ../shared beside the repository",
        dir.display()
    );
    dir
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn corpus_targets_expand_to_valid_promql() {
    let mut files = Vec::new();
    json_files(&corpus(), &mut files);
    files.sort();
    assert!(
        files.len() >= 65,
        "expected the 65 corpus dashboards, found {}",
        files.len()
    );
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut uncertain = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let file = SourceFile::new(path.display().to_string(), text);
        let loaded = dashboards::load_file(&file);
        assert!(
            loaded.problems.is_empty(),
            "{}: {:?}",
            path.display(),
            loaded.problems
        );
        for dashboard in &loaded.dashboards {
            // Panel targets, query-variable queries and annotation queries alike.
            for query in queries::find(dashboard) {
                let original = &query.text(dashboard).value;
                let expanded = &query.expanded;
                checked += 1;
                if expanded.uncertain {
                    uncertain += 1;
                    if std::env::var("SHOW_UNCERTAIN").is_ok() {
                        eprintln!("UNCERTAIN {}: {}", path.display(), original);
                    }
                    continue;
                }
                // Our front end (parsed once at load), and the reference port of
                // Prometheus' parser.
                let mut errors: Vec<String> = query
                    .parsed
                    .errors
                    .iter()
                    .map(|e| format!("promgate: {}", e.message))
                    .collect();
                if let Err(error) = promql_parser::parser::parse(&expanded.source) {
                    errors.push(format!("promql-parser: {error}"));
                }
                for error in errors {
                    failures.push(format!(
                        "{}: {error}\n    {original}\n    {}",
                        path.display(),
                        expanded.source
                    ));
                }
            }
        }
    }
    eprintln!("checked {checked} targets, {uncertain} uncertain");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn corpus_configmap_list_embeds_33_dashboards_with_exact_positions() {
    let path = corpus().join("kube-prometheus/grafana-dashboardDefinitions.yaml");
    let file = SourceFile::new(
        path.display().to_string(),
        std::fs::read_to_string(&path).unwrap(),
    );
    let documents = promgate::yaml::parse_documents(&file).unwrap();
    let loaded = dashboards::configmap::load_documents(&documents).expect("a ConfigMapList");
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    assert_eq!(loaded.dashboards.len(), 33);
    let mut exprs = 0;
    for dashboard in &loaded.dashboards {
        for panel in &dashboard.panels {
            for target in &panel.targets {
                let Some(expr) = &target.expr else { continue };
                exprs += 1;
                // The decoded expression is found, byte for byte, where the map says:
                // up to the first character JSON had to escape.
                let first = expr.map.to_file(0);
                let head: String = expr
                    .value
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '\\' | '\n' | '\t'))
                    .collect();
                assert_eq!(
                    &file.text[first..first + head.len()],
                    head,
                    "{}",
                    expr.value
                );
            }
        }
    }
    assert!(exprs > 400, "{exprs}");
}

/// Every dashboard check on the whole corpus: no panic, no `promql/syntax`, no
/// `dashboard/schema` (the corpus is what Grafana loads); per-check counts printed.
#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn corpus_checks_run_clean_of_false_syntax_errors() {
    let mut files = Vec::new();
    json_files(&corpus(), &mut files);
    files.sort();
    let mut counts = std::collections::BTreeMap::new();
    let show = std::env::var("SHOW_FINDINGS").ok();
    for path in &files {
        let file = SourceFile::new(
            path.display().to_string(),
            std::fs::read_to_string(path).unwrap(),
        );
        let loaded = dashboards::DashboardFile::new(dashboards::load_file(&file));
        let mut out = Vec::new();
        promgate::checks::dashboard::check_file(
            &file,
            &loaded,
            &Default::default(),
            None,
            &|_| true,
            &mut out,
        );
        for d in &out {
            *counts.entry(d.code).or_insert(0usize) += 1;
            if show.as_deref().is_some_and(|code| code == d.code) {
                let at = file.line_col(d.span.start);
                eprintln!(
                    "{}:{}:{} {} [{}]",
                    path.display(),
                    at.line,
                    at.column,
                    d.message,
                    &file.text[d.span.clone()]
                );
            }
        }
    }
    eprintln!("{counts:#?}");
    assert_eq!(counts.get("promql/syntax"), None);
    assert_eq!(counts.get("dashboard/schema"), None);
}
