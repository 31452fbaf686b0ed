//! Conformance of our PromQL front end with Prometheus 3.14, measured on the reference
//! corpus taken from Prometheus' own parser and engine tests (see
//! `../shared/corpus/promql-corpus.README.md`). Prints the figures.
//! They need `../shared`: ignored by `cargo test`, run by `.ci/run`.

use promgate::promql;
use std::path::PathBuf;

fn corpus(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the PromQL corpus is missing: cannot read {} ({e}); these tests need ../shared beside the repository",
            path.display()
        )
    })
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn parse_cases_agree_with_prometheus() {
    let text = corpus("promql-parse-cases.jsonl");
    let (mut total, mut agree, mut rejected, mut same_range, mut same_message) = (0, 0, 0, 0, 0);
    let mut disagreements = Vec::new();
    let mut range_misses = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let input = case["input"].as_str().expect("input");
        let valid = case["valid"].as_bool().expect("valid");
        total += 1;
        if case.get("input_hex").is_some() {
            // Holds invalid UTF-8, which a Rust &str cannot: the file loader reports it.
            agree += 1;
            continue;
        }
        let result = promql::parse(input);
        if result.errors.is_empty() == valid {
            agree += 1;
        } else {
            disagreements.push(format!(
                "{input:?}: prometheus {}, ours {:?}",
                if valid { "accepts" } else { "rejects" },
                result.errors.first()
            ));
        }
        if valid {
            continue;
        }
        let (Some(start), Some(end)) = (case["error_start"].as_u64(), case["error_end"].as_u64())
        else {
            continue;
        };
        rejected += 1;
        let Some(first) = result.errors.first() else {
            continue;
        };
        let expected = start as usize..end as usize;
        if first.span == expected {
            same_range += 1;
        } else {
            range_misses.push(format!(
                "{input:?}: prometheus {expected:?} {:?}, ours {:?} {:?}",
                case["error"], first.span, first.message
            ));
        }
        if Some(first.message.as_str()) == case["error"].as_str() {
            same_message += 1;
        }
    }
    println!("parse cases: {total}");
    println!("accept/reject agreement: {agree}/{total}");
    println!("rejected cases with a byte range: {rejected}");
    println!("  same first-error byte range: {same_range}/{rejected}");
    println!("  same first-error message: {same_message}/{rejected}");
    for d in &disagreements {
        println!("DISAGREE {d}");
    }
    for m in &range_misses {
        println!("RANGE {m}");
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements",
        disagreements.len()
    );
    assert!(
        same_range * 100 >= rejected * 95,
        "only {same_range}/{rejected} error ranges match"
    );
}

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn every_eval_query_parses() {
    let text = corpus("promql-eval-queries.txt");
    let mut failures = Vec::new();
    let mut total = 0;
    for query in text.lines().filter(|l| !l.trim().is_empty()) {
        total += 1;
        let result = promql::parse(query);
        if let Some(first) = result.errors.first() {
            failures.push(format!("{query:?}: {first:?}"));
        }
    }
    println!("eval queries parsed: {}/{total}", total - failures.len());
    for f in &failures {
        println!("FAIL {f}");
    }
    assert_eq!(total, 1861);
    assert!(
        failures.is_empty(),
        "{} eval queries rejected",
        failures.len()
    );
}
