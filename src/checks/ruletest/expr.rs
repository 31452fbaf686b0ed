//! `ruletest/expr`: a `promql_expr_test` expression, or an expected sample's labels or
//! histogram, that promtool cannot parse.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::histogram::FloatHistogram;
use crate::eval::ruletest::file::{ExpectedSample, PromqlTest, TestFile};
use crate::eval::series::parse_series_desc;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "ruletest/expr",
    severity: Severity::Error,
    summary: "A unit test's PromQL expression or expected labels do not parse",
    docs: "A `promql_expr_test` runs its `expr` as an instant query and compares the result \
with `exp_samples`, whose `labels` are a series (`metric{label=\"value\"}`, `=` matchers \
only) and whose optional `histogram` is a native histogram in the series notation \
(`{{schema:0 sum:5 count:4 buckets:[1 2 1]}}`). An expression that is not valid PromQL, or \
labels or a histogram that do not parse, make that test case fail whatever the rules do: \
promtool reports the parse error, not a comparison.\n\n\
promgate parses each expression with its PromQL front end (the one that checks rule \
files) and reports Prometheus' own message at the exact token; expected labels and \
histograms are parsed as promtool parses them.\n\n\
Fix: correct the expression or the expected sample.",
    bad: fixture!("ruletest/expr/fail.yml"),
    good: fixture!("ruletest/expr/pass.yml"),
    enabled_by_default: true,
};

pub fn run(file: &TestFile, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    for group in &file.tests {
        for test in &group.promql_tests {
            check_expr(test, &mut emitter);
            for sample in &test.exp_samples {
                check_sample(sample, &mut emitter);
            }
        }
    }
}

fn check_expr(test: &PromqlTest, emitter: &mut Emitter<'_>) {
    let Some(map) = test
        .expr_map
        .as_ref()
        .filter(|_| !test.expr.trim().is_empty())
    else {
        emitter
            .report(
                test.expr_span.clone(),
                "a promql_expr_test has no expr: promtool has nothing to query",
            )
            .help = Some("write the PromQL expression to test: `expr: ...`".into());
        return;
    };
    let result = crate::promql::parse(&test.expr);
    crate::checks::promql::syntax::report(&result, map, emitter);
}

fn check_sample(sample: &ExpectedSample, emitter: &mut Emitter<'_>) {
    // Labels left out or empty are the empty label set (a scalar result).
    if let (Some(map), false) = (&sample.labels_map, sample.labels.trim().is_empty()) {
        if let Err(message) = parse_series_desc(&sample.labels) {
            let token = super::series_desc_token(&sample.labels);
            emitter.report(
                map.span_to_file(token),
                format!("exp_samples labels: {message}"),
            );
            return;
        }
    }
    if let (Some(histogram), Some(span)) = (&sample.histogram, &sample.histogram_span) {
        if let Err(message) = FloatHistogram::parse(histogram.trim()) {
            emitter.report(span.clone(), format!("exp_samples histogram: {message}"));
        }
    }
}
