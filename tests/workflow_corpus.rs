//! Every output format on the real-world corpus (thousands of findings with every
//! kind of message): SARIF stays valid against the 2.1.0 schema, GitHub commands parse
//! back, the XML formats are well-formed, GitLab fingerprints stay unique.
//! It needs `../shared`: ignored by `cargo test`, run by `.ci/run`.

use promgate::pipeline::{self, Options};
use promgate::report::{checkstyle, github, gitlab, junit, sarif, RunReport};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn shared() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    assert!(
        path.join("corpus/rules").is_dir(),
        "the corpus is missing at {}: this test needs ../shared beside the repository",
        path.display()
    );
    path
}

fn corpus_report() -> RunReport {
    let corpus = shared().join("corpus");
    let outcome = pipeline::run(
        &[corpus.join("rules"), corpus.join("dashboards")],
        &Options::default(),
    );
    assert!(outcome.io_errors.is_empty(), "{:?}", outcome.io_errors);
    assert!(
        outcome.report.diagnostics.len() > 1000,
        "the corpus should produce many findings, got {}",
        outcome.report.diagnostics.len()
    );
    outcome.report
}

fn well_formed(xml: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return elements,
            Ok(quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_)) => {
                elements += 1
            }
            Ok(_) => {}
            Err(error) => panic!("malformed XML at {}: {error}", reader.buffer_position()),
        }
    }
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn every_format_holds_on_the_corpus() {
    let report = corpus_report();
    let count = report.diagnostics.len();

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let log = sarif::to_value(&report);
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), count);

    let commands = github::render(&report);
    assert_eq!(commands.lines().count(), count);
    for (line, reported) in commands.lines().zip(&report.diagnostics) {
        let (head, message) = line[2..].split_once("::").expect("a message");
        assert!(!message.contains('\n') && !message.contains('\r'));
        let properties = head.split_once(' ').expect("properties").1;
        let file = properties
            .split(',')
            .find_map(|p| p.strip_prefix("file="))
            .expect("a file");
        let file = file
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%");
        assert_eq!(file, reported.path().replace('\\', "/"));
        assert!(properties.contains(&format!("line={},", reported.start.line)));
    }

    assert_eq!(
        well_formed(&checkstyle::render(&report)),
        count + 1 + {
            let mut files: Vec<&str> = report.diagnostics.iter().map(|d| d.path()).collect();
            files.dedup();
            files.len()
        }
    );
    assert!(well_formed(&junit::render(&report)) > count);

    let issues: Vec<Value> = serde_json::from_str(&gitlab::render(&report)).unwrap();
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), count, "GitLab fingerprints must be unique");
}
