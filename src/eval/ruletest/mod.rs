//! `promgate test`: promtool's rule unit tests (`promtool test rules`) on our engine,
//! with coverage. A test file names rule files and test groups; each group loads its
//! input series, evaluates every rule group at the evaluation interval, and compares
//! firing alerts (`alert_rule_test`) and query results (`promql_expr_test`).

pub mod coverage;
pub mod file;
pub mod lint;
pub mod report;
pub mod rules;
pub mod template;

use crate::eval::engine::Engine;
use crate::eval::histogram::FloatHistogram;
use crate::eval::series::{parse_points, parse_series_desc, split_series_line, SeqPoint};
use crate::eval::storage::Storage;
use crate::eval::value::{format_value, Labels};
use crate::source::SourceFile;
use rules::{EvalContext, GroupDef, LoadOptions, RuleState};
use std::path::{Path, PathBuf};

/// How tests are run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only test groups whose name matches (promtool's `--run`).
    pub run: Option<regex::Regex>,
    pub enabled_features: Vec<String>,
    /// promtool's engine options; both are on in Prometheus 3 and in `promtool test rules`.
    pub at_modifier: bool,
    pub negative_offset: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            run: None,
            enabled_features: Vec::new(),
            at_modifier: true,
            negative_offset: true,
        }
    }
}

/// One failed expectation (or an error that stopped a test group).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The test file's line of the expectation (1-based).
    pub line: usize,
    pub message: String,
    /// Expected and actual alerts or samples, one per line, for a diff.
    pub expected: Vec<String>,
    pub actual: Vec<String>,
    /// `file:line` of the rule(s) concerned.
    pub rules: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct GroupReport {
    pub name: String,
    pub line: usize,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    /// A problem with the file itself (not YAML, unknown field, bad rule file): no test ran.
    pub error: Option<Failure>,
    pub groups: Vec<GroupReport>,
    /// Rule files the test file resolved to.
    pub rule_files: Vec<String>,
    pub coverage: coverage::FileCoverage,
}

impl FileReport {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.groups.iter().all(|g| g.failures.is_empty())
    }
}

fn line_of(source: &SourceFile, span: &std::ops::Range<usize>) -> usize {
    source.line_col(span.start).line
}

/// Runs one test file.
pub fn run_file(path: &Path, options: &Options) -> FileReport {
    let display = path.display().to_string();
    let mut report = FileReport {
        path: display.clone(),
        error: None,
        groups: Vec::new(),
        rule_files: Vec::new(),
        coverage: coverage::FileCoverage::default(),
    };
    let fail = |line: usize, message: String| Failure {
        line,
        message,
        expected: Vec::new(),
        actual: Vec::new(),
        rules: Vec::new(),
    };
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                report.error = Some(fail(0, "the test file is not UTF-8 text".into()));
                return report;
            }
        },
        Err(e) => {
            report.error = Some(fail(0, format!("cannot read the test file: {e}")));
            return report;
        }
    };
    let source = SourceFile::new(display.clone(), text);
    let tf = match file::parse(&source) {
        Ok(tf) => tf,
        Err(e) => {
            report.error = Some(fail(line_of(&source, &e.span), e.message));
            return report;
        }
    };
    // Rule files, relative to the test file, globbed.
    let base = path.parent().unwrap_or(Path::new(""));
    for (pattern, span) in &tf.rule_files {
        match glob(base, pattern) {
            Ok(found) if found.is_empty() => {
                report.error = Some(fail(
                    line_of(&source, span),
                    format!("rule file {pattern:?}: no file matches"),
                ));
                return report;
            }
            Ok(found) => report.rule_files.extend(found),
            Err(e) => {
                report.error = Some(fail(line_of(&source, span), e));
                return report;
            }
        }
    }
    let mut seen_order = std::collections::HashSet::new();
    for (name, span) in &tf.group_eval_order {
        if !seen_order.insert(name.clone()) {
            report.error = Some(fail(
                line_of(&source, span),
                format!("group name repeated in evaluation order: {name}"),
            ));
            return report;
        }
    }
    let load_options = LoadOptions {
        enabled_features: options.enabled_features.clone(),
    };
    let groups = match rules::load(&report.rule_files, &load_options) {
        Ok(g) => g,
        Err(errors) => {
            let e = &errors[0];
            let mut f = fail(
                0,
                format!("{}:{}:{}: {}", e.file, e.line, e.column, e.message),
            );
            f.rules = errors
                .iter()
                .map(|e| format!("{}:{}", e.file, e.line))
                .collect();
            report.error = Some(f);
            return report;
        }
    };
    let mut groups = groups;
    // Groups run in `group_eval_order`; others first, in file order (a stable sort).
    groups.sort_by_key(|g| {
        tf.group_eval_order
            .iter()
            .position(|(n, _)| *n == g.name)
            .unwrap_or(0)
    });
    report.coverage = coverage::FileCoverage::new(&groups);
    for (i, tg) in tf.tests.iter().enumerate() {
        if let Some(re) = &options.run {
            if !re.is_match(&tg.name) {
                continue;
            }
        }
        let name = if tg.name.is_empty() {
            format!("unnamed#{i}")
        } else {
            tg.name.clone()
        };
        let failures = run_group(&source, &tf, tg, &groups, options, &mut report.coverage);
        report.groups.push(GroupReport {
            name,
            line: line_of(&source, &tg.span),
            failures,
        });
    }
    report
}

/// promtool's `filepath.Glob` of a rule-file pattern relative to the test file.
fn glob(base: &Path, pattern: &str) -> Result<Vec<String>, String> {
    let full: PathBuf = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        base.join(pattern)
    };
    let full_text = full.to_string_lossy().to_string();
    if !pattern.contains(['*', '?', '[']) {
        return Ok(if full.is_file() {
            vec![full_text]
        } else {
            Vec::new()
        });
    }
    let dir = full.parent().unwrap_or(Path::new("."));
    if dir.to_string_lossy().contains(['*', '?', '[']) {
        return Err(format!(
            "rule file {pattern:?}: wildcards are only supported in the file name"
        ));
    }
    let name = full
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let matcher = globset::GlobBuilder::new(&name)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("rule file {pattern:?}: {e}"))?
        .compile_matcher();
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("rule file {pattern:?}: {e}"))?
        .filter_map(|e| e.ok())
        .filter(|e| matcher.is_match(e.file_name()))
        .map(|e| e.path().to_string_lossy().to_string())
        .collect();
    out.sort();
    Ok(out)
}

/// Most samples one test group may load, and most rule evaluation steps it may take:
/// hostile input gets an error instead of exhausting memory or time.
const MAX_SAMPLES_PER_GROUP: usize = 20_000_000;
const MAX_EVAL_STEPS: i64 = 5_000_000;

fn load_series(
    storage: &mut Storage,
    source: &SourceFile,
    tg: &file::TestGroup,
    interval: i64,
) -> Result<(), Failure> {
    let mut total = 0usize;
    for s in &tg.input_series {
        let line = line_of(source, &s.span);
        let bad = |message: String| Failure {
            line,
            message,
            expected: Vec::new(),
            actual: Vec::new(),
            rules: Vec::new(),
        };
        let desc = split_series_line(&s.series).map_err(&bad)?.0;
        let labels = parse_series_desc(desc)
            .map_err(|e| bad(format!("input series {:?}: {e}", s.series)))?;
        let values = parse_points(&s.values).map_err(|e| {
            bad(format!(
                "input series {:?}: values {:?}: {e}",
                s.series, s.values
            ))
        })?;
        total += values.len();
        if total > MAX_SAMPLES_PER_GROUP {
            return Err(bad(format!(
                "the input series of this test group hold more than {MAX_SAMPLES_PER_GROUP} samples"
            )));
        }
        let at = |i: usize| tg.start_ms + i as i64 * interval;
        let histograms: Vec<(i64, FloatHistogram)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                Some(SeqPoint::Histogram(h)) => Some((at(i), (**h).clone())),
                _ => None,
            })
            .collect();
        if !histograms.is_empty() {
            storage.append_histograms(labels.clone(), histograms);
        }
        storage.append(
            labels,
            values.iter().enumerate().filter_map(|(i, v)| match v {
                Some(SeqPoint::Float(f)) => Some((at(i), *f)),
                _ => None,
            }),
        );
    }
    Ok(())
}

fn fmt_duration(ms: i64) -> String {
    crate::eval::ruletest::report::short_duration(ms)
}

fn run_group(
    source: &SourceFile,
    tf: &file::TestFile,
    tg: &file::TestGroup,
    groups: &[GroupDef],
    options: &Options,
    cov: &mut coverage::FileCoverage,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    let eval_interval = tf.evaluation_interval_ms;
    let interval = tg.interval_ms.unwrap_or(eval_interval);
    let mut storage = Storage::new();
    if let Err(f) = load_series(&mut storage, source, tg, interval) {
        return vec![f];
    }
    cov.record_inputs(tg.input_series.iter().filter_map(|s| {
        split_series_line(&s.series)
            .ok()
            .and_then(|(d, _)| parse_series_desc(d).ok())
            .and_then(|l| l.metric_name().map(str::to_string))
    }));
    let engine = Engine {
        default_subquery_step_ms: eval_interval,
        ..Engine::default()
    };
    let ctx = EvalContext {
        engine: &engine,
        external_labels: &tg.external_labels,
        external_url: &tg.external_url,
        at_modifier: options.at_modifier,
        negative_offset: options.negative_offset,
    };
    for a in &tg.alert_tests {
        if a.alertname.is_empty() {
            return vec![Failure {
                line: line_of(source, &a.span),
                message: format!(
                    "an item under alert_rule_test misses required attribute alertname at eval_time {}",
                    a.eval_time_text
                ),
                expected: Vec::new(),
                actual: Vec::new(),
                rules: Vec::new(),
            }];
        }
        let known = groups
            .iter()
            .flat_map(|g| &g.rules)
            .any(|r| r.kind == crate::rules::RuleKind::Alerting && r.name == a.alertname);
        if !known {
            failures.push(Failure {
                line: line_of(source, &a.alertname_span),
                message: format!(
                    "alertname {:?} is not an alerting rule of the rule files under test",
                    a.alertname
                ),
                expected: Vec::new(),
                actual: Vec::new(),
                rules: Vec::new(),
            });
        }
        cov.record_alert_test(&a.alertname, !a.exp_alerts.is_empty());
    }
    let mint = tg.start_ms;
    let max_eval = tg
        .alert_tests
        .iter()
        .map(|a| a.eval_time_ms)
        .chain(tg.promql_tests.iter().map(|p| p.eval_time_ms))
        .max()
        .unwrap_or(0);
    let maxt = mint + max_eval;
    if max_eval / eval_interval > MAX_EVAL_STEPS {
        return vec![Failure {
            line: line_of(source, &tg.span),
            message: format!(
                "evaluating the rules every {} up to {} takes more than {MAX_EVAL_STEPS} steps",
                fmt_duration(eval_interval),
                fmt_duration(max_eval)
            ),
            expected: Vec::new(),
            actual: Vec::new(),
            rules: Vec::new(),
        }];
    }
    let mut alert_times: Vec<i64> = tg.alert_tests.iter().map(|a| a.eval_time_ms).collect();
    alert_times.sort_unstable();
    alert_times.dedup();
    let mut states: Vec<Vec<RuleState>> = groups
        .iter()
        .map(|g| vec![RuleState::default(); g.rules.len()])
        .collect();
    let mut curr = 0;
    let mut ts = mint;
    while ts <= maxt {
        for (gi, g) in groups.iter().enumerate() {
            let errors = rules::eval_group(g, &mut states[gi], &mut storage, ts, &ctx);
            for (ri, e) in errors {
                let r = &g.rules[ri];
                failures.push(Failure {
                    line: line_of(source, &tg.span),
                    message: format!(
                        "rule: {}, time: {}, err: {}",
                        r.name,
                        fmt_duration(ts),
                        e.message
                    ),
                    expected: Vec::new(),
                    actual: Vec::new(),
                    rules: vec![format!("{}:{}", r.file, r.line)],
                });
            }
        }
        if !failures.is_empty() && failures.iter().any(|f| f.message.starts_with("rule: ")) {
            cov.record_states(groups, &states);
            return failures;
        }
        while curr < alert_times.len()
            && ts - mint <= alert_times[curr]
            && alert_times[curr] < ts - mint + eval_interval
        {
            let t = alert_times[curr];
            for a in tg.alert_tests.iter().filter(|a| a.eval_time_ms == t) {
                if let Some(f) = compare_alerts(source, a, groups, &states) {
                    failures.push(f);
                }
            }
            curr += 1;
        }
        ts += eval_interval;
    }
    cov.record_states(groups, &states);
    for p in &tg.promql_tests {
        if let Some(f) = check_promql(source, tf, p, mint, &storage, &ctx) {
            failures.push(f);
        }
    }
    failures
}

fn alert_line(labels: &Labels, annotations: &Labels) -> String {
    format!("labels: {labels}  annotations: {annotations}")
}

fn compare_alerts(
    source: &SourceFile,
    a: &file::AlertTest,
    groups: &[GroupDef],
    states: &[Vec<RuleState>],
) -> Option<Failure> {
    let mut got: Vec<(Labels, Labels)> = Vec::new();
    let mut rule_locations = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        for (ri, r) in g.rules.iter().enumerate() {
            if r.kind != crate::rules::RuleKind::Alerting || r.name != a.alertname {
                continue;
            }
            rule_locations.push(format!("{}:{}", r.file, r.line));
            for alert in states[gi][ri].firing() {
                got.push((alert.labels.clone(), alert.annotations.clone()));
            }
        }
    }
    let mut expected: Vec<(Labels, Labels)> = a
        .exp_alerts
        .iter()
        .map(|e| {
            let mut labels = Labels::from_pairs(e.labels.iter().cloned());
            labels.set("alertname", &a.alertname);
            (labels, Labels::from_pairs(e.annotations.iter().cloned()))
        })
        .collect();
    got.sort();
    expected.sort();
    if got == expected {
        return None;
    }
    Some(Failure {
        line: line_of(source, &a.span),
        message: format!(
            "alertname: {}, time: {}: the firing alerts differ",
            a.alertname, a.eval_time_text
        ),
        expected: expected.iter().map(|(l, an)| alert_line(l, an)).collect(),
        actual: got.iter().map(|(l, an)| alert_line(l, an)).collect(),
        rules: rule_locations,
    })
}

fn sample_line(labels: &Labels, value: f64, h: Option<&FloatHistogram>) -> String {
    match h {
        Some(h) => format!("{labels} {h}"),
        None => format!("{labels} {}", format_value(value)),
    }
}

/// promtool compares histograms by their test notation: the same schema, counts,
/// sum, zero bucket, custom bounds, counter reset hint and populated buckets.
fn histograms_equal(a: &FloatHistogram, b: &FloatHistogram, fuzzy: bool) -> bool {
    let eq = |x: f64, y: f64| floats_equal(x, y, fuzzy);
    let buckets = |x: &[(i32, f64)], y: &[(i32, f64)]| {
        let x: Vec<_> = x.iter().filter(|p| p.1 != 0.0).collect();
        let y: Vec<_> = y.iter().filter(|p| p.1 != 0.0).collect();
        x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| p.0 == q.0 && eq(p.1, q.1))
    };
    a.schema == b.schema
        && eq(a.count, b.count)
        && eq(a.sum, b.sum)
        && eq(a.zero_count, b.zero_count)
        && a.zero_threshold == b.zero_threshold
        && (!a.uses_custom_buckets() || a.custom_values == b.custom_values)
        && a.counter_reset_hint == b.counter_reset_hint
        && buckets(&a.positive, &b.positive)
        && buckets(&a.negative, &b.negative)
}

fn check_promql(
    source: &SourceFile,
    tf: &file::TestFile,
    p: &file::PromqlTest,
    mint: i64,
    storage: &Storage,
    ctx: &EvalContext,
) -> Option<Failure> {
    let line = line_of(source, &p.span);
    let fail = |message: String| Failure {
        line,
        message,
        expected: Vec::new(),
        actual: Vec::new(),
        rules: Vec::new(),
    };
    let parsed = crate::promql::parse(&p.expr);
    let Some(expr) = parsed.expr else {
        let e = &parsed.errors[0];
        return Some(Failure {
            line: line_of(source, &p.expr_span),
            ..fail(format!(
                "expr: {:?}, time: {}, err: {}",
                p.expr, p.eval_time_text, e.message
            ))
        });
    };
    let got = match rules::query(storage, &expr, mint + p.eval_time_ms, ctx) {
        Ok(v) => v,
        Err(e) => {
            return Some(fail(format!(
                "expr: {:?}, time: {}, err: {}",
                p.expr, p.eval_time_text, e.message
            )))
        }
    };
    let mut expected = Vec::new();
    for s in &p.exp_samples {
        let histogram = match s.histogram.as_deref().map(FloatHistogram::parse) {
            None => None,
            Some(Ok(h)) => Some(h),
            Some(Err(e)) => {
                return Some(Failure {
                    line: line_of(source, &s.span),
                    ..fail(format!(
                        "expr: {:?}, time: {}, err: labels {:?}: {e}",
                        p.expr, p.eval_time_text, s.labels
                    ))
                })
            }
        };
        let labels = if s.labels.trim().is_empty() {
            Labels::new()
        } else {
            match parse_series_desc(&s.labels) {
                Ok(l) => l,
                Err(e) => {
                    return Some(Failure {
                        line: line_of(source, &s.span),
                        ..fail(format!(
                            "expr: {:?}, time: {}, err: labels {:?}: {e}",
                            p.expr, p.eval_time_text, s.labels
                        ))
                    })
                }
            }
        };
        // A histogram sample's float value is 0, whatever `value` says.
        let value = if histogram.is_some() { 0.0 } else { s.value };
        expected.push((labels, value, histogram));
    }
    let mut got: Vec<(Labels, f64, Option<FloatHistogram>)> = got
        .into_iter()
        .map(|s| (s.labels, s.value, s.h.map(|h| *h)))
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let same = expected.len() == got.len()
        && expected.iter().zip(&got).all(|(e, g)| {
            e.0 == g.0
                && floats_equal(e.1, g.1, tf.fuzzy_compare)
                && match (&e.2, &g.2) {
                    (None, None) => true,
                    (Some(a), Some(b)) => histograms_equal(a, b, tf.fuzzy_compare),
                    _ => false,
                }
        });
    if same {
        return None;
    }
    Some(Failure {
        expected: expected
            .iter()
            .map(|(l, v, h)| sample_line(l, *v, h.as_ref()))
            .collect(),
        actual: got
            .iter()
            .map(|(l, v, h)| sample_line(l, *v, h.as_ref()))
            .collect(),
        ..fail(format!(
            "expr: {:?}, time: {}: the samples differ",
            p.expr, p.eval_time_text
        ))
    })
}

/// promtool compares floats exactly, or within one ulp with `fuzzy_compare`.
fn floats_equal(a: f64, b: f64, fuzzy: bool) -> bool {
    if a == b {
        return true;
    }
    fuzzy && (next_after(a, f64::NEG_INFINITY) == b || next_after(a, f64::INFINITY) == b)
}

fn next_after(x: f64, toward: f64) -> f64 {
    if x.is_nan() || x == toward {
        return x;
    }
    if x == 0.0 {
        return if toward > 0.0 {
            f64::from_bits(1)
        } else {
            -f64::from_bits(1)
        };
    }
    let bits = x.to_bits();
    let up = (toward > x) == (x > 0.0);
    f64::from_bits(if up { bits + 1 } else { bits - 1 })
}
