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
    // Float and histogram samples of the same lines load side by side; the float
    // samples of a mixed series evaluate as usual.
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

#[test]
fn native_histograms_through_selectors_and_operators() {
    assert_script_passes(
        r#"
load 1m
  h{job="a"} {{schema:0 sum:4 count:4 buckets:[1 2 1]}}x5
  h{job="b"} {{schema:0 sum:6 count:5 buckets:[2 2 1]}}x5
  f{job="a"} 2

eval instant at 2m h{job="a"}
  h{job="a"} {{schema:0 sum:4 count:4 buckets:[1 2 1]}}

eval instant at 2m h{job="a"} * 2
  {job="a"} {{schema:0 sum:8 count:8 buckets:[2 4 2]}}

eval instant at 2m h{job="a"} / 2
  {job="a"} {{schema:0 sum:2 count:2 buckets:[0.5 1 0.5]}}

eval instant at 2m h{job="a"} - on() h{job="b"}
  {} {{schema:0 sum:-2 count:-1 counter_reset_hint:gauge buckets:[-1 0 0]}}

eval instant at 2m sum(h)
  {} {{schema:0 sum:10 count:9 buckets:[3 4 2]}}

eval instant at 2m avg(h)
  {} {{schema:0 sum:5 count:4.5 buckets:[1.5 2 1]}}

eval instant at 2m count(h)
  {} 2

eval instant at 2m h > 1
  expect info msg: PromQL info: incompatible sample types encountered for binary operator ">": histogram > float (1:1)

eval instant at 2m max(h)
  expect info msg: PromQL info: ignored histogram in max aggregation (1:5)

eval instant at 2m sum(h) + on() group_left f
  expect info

eval instant at 2m histogram_count(h)
  {job="a"} 4
  {job="b"} 5

eval instant at 2m histogram_sum(h{job="a"})
  {job="a"} 4

eval instant at 2m histogram_fraction(0, 1, h{job="a"})
  {job="a"} 0.25
"#,
    );
}

#[test]
fn native_histogram_rates_detect_counter_resets() {
    assert_script_passes(
        r#"
load 5m
  reset_in_bucket {{schema:0 count:4 sum:5 buckets:[1 2 1]}} {{schema:0 count:5 sum:6 buckets:[1 1 3]}} {{schema:0 count:6 sum:7 buckets:[1 2 3]}}
  steady {{schema:0 count:0 sum:0 buckets:[0]}}+{{schema:0 count:6 sum:6 buckets:[6]}}x4

eval instant at 10m increase(reset_in_bucket[15m])
  expect no_warn
  {} {{count:9 sum:10.5 buckets:[1.5 3 4.5]}}

eval instant at 20m rate(steady[20m])
  {} {{schema:0 count:0.02 sum:0.02 counter_reset_hint:gauge buckets:[0.02]}}

eval instant at 10m resets(reset_in_bucket[15m])
  {} 1

eval instant at 20m count_over_time(steady[20m])
  {} 4

eval instant at 20m last_over_time(steady[20m])
  steady {{schema:0 count:24 sum:24 buckets:[24]}}
"#,
    );
}

#[test]
fn native_histogram_quantiles_and_trims() {
    assert_script_passes(
        r#"
load 1m
  nhcb {{schema:-53 sum:10 count:4 custom_values:[5 10] buckets:[2 2]}}
  expo {{schema:0 sum:6 count:4 offset:1 buckets:[4]}}

eval instant at 0m histogram_quantile(0.25, nhcb)
  {} 2.5

eval instant at 0m histogram_quantile(0.5, expo)
  {} 1.4142135623730951

eval instant at 0m histogram_count(nhcb </ 5)
  {} 2
"#,
    );
}
