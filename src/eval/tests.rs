//! Engine tests with our own inline cases (Prometheus' own scripts run in
//! `tests/promqltest_conformance.rs`).

use super::engine::Engine;
use super::promqltest::{parse, run};

fn assert_script_passes(script: &str) {
    let commands = parse(script).expect("script parses");
    let outcomes = run(&commands, &Engine::default());
    assert!(!outcomes.is_empty(), "the script has evals");
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            o.error
                .as_ref()
                .map(|e| format!("line {} `{}`: {e}", o.line, o.expr))
        })
        .collect();
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[test]
fn selectors_lookback_and_staleness() {
    assert_script_passes(
        r#"
load 1m
  up{job="a"} 1 2 stale
  up{job="b"} 5 _ _ _ _ _ _

eval instant at 1m up
  up{job="a"} 2
  up{job="b"} 5

eval instant at 2m up
  up{job="b"} 5

eval instant at 5m up

eval instant at 4m up offset 1m
  up{job="b"} 5

eval instant at 10m up @ 60
  up{job="a"} 2
  up{job="b"} 5
"#,
    );
}

#[test]
fn rate_extrapolates_like_prometheus() {
    assert_script_passes(
        r#"
load 5m
  http_requests_total{path="/foo"} 0+10x10
  http_requests_total{path="/bar"} 0+10x5 0+10x4

eval instant at 50m rate(http_requests_total[25m])
  {path="/foo"} 0.03333333333
  {path="/bar"} 0.02666666667

eval instant at 50m increase(http_requests_total{path="/foo"}[50m])
  {path="/foo"} 100

eval instant at 50m delta(http_requests_total{path="/foo"}[20m])
  {path="/foo"} 40
"#,
    );
}

#[test]
fn aggregations_and_matching() {
    assert_script_passes(
        r#"
load 1m
  req{job="a", instance="1"} 1
  req{job="a", instance="2"} 3
  req{job="b", instance="1"} 10
  limit{job="a"} 2
  limit{job="b"} 20

eval instant at 0m sum by (job) (req)
  {job="a"} 4
  {job="b"} 10

eval instant at 0m topk(1, req)
  req{job="b", instance="1"} 10

eval instant at 0m quantile(0.5, req)
  {} 3

eval instant at 0m req > on (job) group_left limit
  req{job="a", instance="2"} 3

eval instant at 0m req / ignoring (instance) group_left limit
  {job="a", instance="1"} 0.5
  {job="a", instance="2"} 1.5
  {job="b", instance="1"} 0.5

eval instant at 0m req unless on (job) limit{job="a"}
  req{job="b", instance="1"} 10

eval_fail instant at 0m req + on (job) limit
"#,
    );
}

#[test]
fn histogram_quantile_over_classic_buckets() {
    assert_script_passes(
        r#"
load 5m
  lat_bucket{le="0.1"} 0+5x10
  lat_bucket{le="0.5"} 0+10x10
  lat_bucket{le="+Inf"} 0+10x10

eval instant at 50m histogram_quantile(0.5, rate(lat_bucket[10m]))
  {} 0.1

eval instant at 50m histogram_quantile(0.9, rate(lat_bucket[10m]))
  {} 0.42
"#,
    );
}

#[test]
fn range_queries_and_subqueries() {
    assert_script_passes(
        r#"
load 1m
  x 0+1x10

eval range from 0 to 3m step 1m x * 2
  {} 0 2 4 6

eval instant at 10m max_over_time(x[5m:1m])
  {} 10

eval instant at 10m count_over_time(x[5m])
  {} 5
"#,
    );
}

#[test]
fn native_histogram_notation_loads_beside_floats() {
    // The histogram samples are stored (not yet read by selectors); the float samples
    // of the same lines and of a mixed series are evaluated as usual.
    let script = r#"
load 1m
  mixed 1 2 {{schema:0 sum:5 count:4 buckets:[1 2 1]}}
  hist {{schema:1 sum:1 count:1 buckets:[1]}}+{{schema:0 sum:1 count:1 buckets:[1]}}x3
  plain 0+1x4

eval instant at 1m mixed + plain
  {} 3
"#;
    let commands = parse(script).expect("histogram notation parses");
    let super::promqltest::Command::Load(load) = &commands[0] else {
        panic!("first command is the load");
    };
    assert_eq!(load.series.len(), 3);
    assert_eq!(
        load.series[1].1.len(),
        4,
        "{{a}}+{{b}}x3 expands to 4 samples"
    );
    assert_script_passes(script);
    assert!(parse("load 1m\n  h {{schema:0 bogus:1}}\n").is_err());
}
