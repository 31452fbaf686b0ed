//! The unit-test file (promtool's `test rules` format) read from our YAML tree, every
//! part with its line, and checked strictly as promtool's `UnmarshalStrict` does.

use crate::source::{OffsetMap, SourceFile};
use crate::yaml::{Document, Node, NodeKind};
use std::ops::Range;

/// A problem in a test file, at a byte range of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileError {
    pub span: Range<usize>,
    pub message: String,
}

type R<T> = Result<T, FileError>;

/// The keys of a test group (promtool's `testGroup`).
pub const TEST_GROUP_KEYS: &[&str] = &[
    "interval",
    "input_series",
    "alert_rule_test",
    "promql_expr_test",
    "external_labels",
    "external_url",
    "name",
    "start_timestamp",
];

fn err<T>(node: &Node, message: impl Into<String>) -> R<T> {
    Err(FileError {
        span: node.span.clone(),
        message: message.into(),
    })
}

#[derive(Debug, Clone)]
pub struct TestFile {
    pub rule_files: Vec<(String, Range<usize>)>,
    pub evaluation_interval_ms: i64,
    pub group_eval_order: Vec<(String, Range<usize>)>,
    pub fuzzy_compare: bool,
    pub tests: Vec<TestGroup>,
}

#[derive(Debug, Clone)]
pub struct InputSeries {
    pub series: String,
    pub values: String,
    /// The `series:` value (errors point here).
    pub span: Range<usize>,
    /// Decoded byte -> file byte of `series` (`None` when the key is missing).
    pub series_map: Option<OffsetMap>,
    /// The `values:` value, and its decoded byte -> file byte map.
    pub values_span: Option<Range<usize>>,
    pub values_map: Option<OffsetMap>,
}

#[derive(Debug, Clone)]
pub struct TestGroup {
    pub name: String,
    pub span: Range<usize>,
    pub interval_ms: Option<i64>,
    pub input_series: Vec<InputSeries>,
    pub alert_tests: Vec<AlertTest>,
    pub promql_tests: Vec<PromqlTest>,
    pub external_labels: Vec<(String, String)>,
    pub external_url: String,
    pub start_ms: i64,
}

#[derive(Debug, Clone)]
pub struct ExpectedAlert {
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct AlertTest {
    pub span: Range<usize>,
    pub eval_time_ms: i64,
    pub eval_time_text: String,
    pub alertname: String,
    pub alertname_span: Range<usize>,
    pub exp_alerts: Vec<ExpectedAlert>,
}

#[derive(Debug, Clone)]
pub struct ExpectedSample {
    pub labels: String,
    pub value: f64,
    pub histogram: Option<String>,
    pub span: Range<usize>,
    /// The `labels:` value and its map (`None` when the key is missing).
    pub labels_span: Option<Range<usize>>,
    pub labels_map: Option<OffsetMap>,
    /// The `histogram:` value.
    pub histogram_span: Option<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct PromqlTest {
    pub span: Range<usize>,
    pub expr: String,
    pub expr_span: Range<usize>,
    /// Decoded byte -> file byte of `expr` (`None` when the key is missing).
    pub expr_map: Option<OffsetMap>,
    pub eval_time_ms: i64,
    pub eval_time_text: String,
    pub exp_samples: Vec<ExpectedSample>,
}

fn mapping<'a>(
    node: &'a Node,
    what: &str,
    allowed: &[&str],
) -> R<Vec<(&'a str, &'a Node, &'a Node)>> {
    let node = node.resolved();
    if node.is_null() {
        return Ok(Vec::new());
    }
    let Some(entries) = node.as_mapping() else {
        return err(
            node,
            format!("{what} must be a mapping, found a {}", node.kind_name()),
        );
    };
    let mut out = Vec::new();
    for e in entries {
        let Some(key) = e.key.as_str() else {
            return err(&e.key, format!("{what}: keys must be strings"));
        };
        if !allowed.is_empty() && !allowed.contains(&key) {
            return err(&e.key, format!("field {key} not found in type {what}"));
        }
        if out.iter().any(|(k, _, _)| *k == key) {
            return err(
                &e.key,
                format!("{what}: mapping key {key:?} already defined"),
            );
        }
        out.push((key, &e.key, e.value.resolved()));
    }
    Ok(out)
}

fn sequence<'a>(node: &'a Node, what: &str) -> R<Vec<&'a Node>> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    match &node.kind {
        NodeKind::Sequence(items) => Ok(items.iter().map(Node::resolved).collect()),
        _ => err(
            node,
            format!("{what} must be a list, found a {}", node.kind_name()),
        ),
    }
}

fn string(node: &Node, what: &str) -> R<String> {
    match node.as_scalar() {
        Some(s) if s.is_null() => Ok(String::new()),
        Some(s) => Ok(s.value.clone()),
        None => err(
            node,
            format!("{what} must be a string, found a {}", node.kind_name()),
        ),
    }
}

/// The decoded byte -> file byte map of a scalar value.
fn scalar_map(node: &Node) -> Option<OffsetMap> {
    node.as_scalar().map(|s| s.map.clone())
}

fn duration(node: &Node, what: &str) -> R<i64> {
    let text = string(node, what)?;
    if text.is_empty() {
        return Ok(0);
    }
    crate::rules::duration::parse_duration(&text)
        .map(|ms| ms as i64)
        .or_else(|e| err(node, format!("{what}: {e}")))
}

fn float(node: &Node, what: &str) -> R<f64> {
    let text = string(node, what)?;
    let t = text.trim();
    let v = match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        _ => t
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .filter(|_| !t.is_empty()),
    };
    match v {
        Some(v) => Ok(v),
        None => err(node, format!("{what}: cannot unmarshal {t:?} into float64")),
    }
}

fn boolean(node: &Node, what: &str) -> R<bool> {
    match string(node, what)?.as_str() {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" | "" => Ok(false),
        other => err(
            node,
            format!("{what}: cannot unmarshal {other:?} into bool"),
        ),
    }
}

fn string_map(node: &Node, what: &str) -> R<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (k, _, v) in mapping(node, what, &[])? {
        out.push((k.to_string(), string(v, what)?));
    }
    Ok(out)
}

/// Parses a test file's YAML.
pub fn parse(file: &SourceFile) -> R<TestFile> {
    let documents = crate::yaml::parse_documents(file).map_err(|e| FileError {
        span: e.span,
        message: format!("not valid YAML: {}", e.message),
    })?;
    from_documents(&documents)
}

/// Reads a test file from its parsed YAML documents (promtool reads the first).
pub fn from_documents(documents: &[Document]) -> R<TestFile> {
    let Some(root) = documents.first().and_then(|d| d.root.as_ref()) else {
        return Err(FileError {
            span: 0..0,
            message: "the test file is empty".into(),
        });
    };
    if root.resolved().as_mapping().is_none() {
        return err(
            root,
            "a unit-test file must be a mapping with `rule_files` and `tests`",
        );
    }
    let mut tf = TestFile {
        rule_files: Vec::new(),
        evaluation_interval_ms: 60_000,
        group_eval_order: Vec::new(),
        fuzzy_compare: false,
        tests: Vec::new(),
    };
    let allowed = [
        "rule_files",
        "evaluation_interval",
        "group_eval_order",
        "tests",
        "fuzzy_compare",
    ];
    for (key, _, value) in mapping(root, "unitTestFile", &allowed)? {
        match key {
            "rule_files" => {
                for item in sequence(value, "rule_files")? {
                    tf.rule_files
                        .push((string(item, "rule_files")?, item.span.clone()));
                }
            }
            "evaluation_interval" => {
                let ms = duration(value, "evaluation_interval")?;
                if ms > 0 {
                    tf.evaluation_interval_ms = ms;
                }
            }
            "group_eval_order" => {
                for item in sequence(value, "group_eval_order")? {
                    tf.group_eval_order
                        .push((string(item, "group_eval_order")?, item.span.clone()));
                }
            }
            "fuzzy_compare" => tf.fuzzy_compare = boolean(value, "fuzzy_compare")?,
            _ => {
                for item in sequence(value, "tests")? {
                    tf.tests.push(parse_group(item)?);
                }
            }
        }
    }
    Ok(tf)
}

fn parse_group(node: &Node) -> R<TestGroup> {
    let mut g = TestGroup {
        name: String::new(),
        span: node.span.clone(),
        interval_ms: None,
        input_series: Vec::new(),
        alert_tests: Vec::new(),
        promql_tests: Vec::new(),
        external_labels: Vec::new(),
        external_url: String::new(),
        start_ms: 0,
    };
    for (key, _, value) in mapping(node, "testGroup", TEST_GROUP_KEYS)? {
        match key {
            "interval" => {
                let ms = duration(value, "interval")?;
                g.interval_ms = (ms > 0).then_some(ms);
            }
            "input_series" => {
                for item in sequence(value, "input_series")? {
                    let mut s = InputSeries {
                        series: String::new(),
                        values: String::new(),
                        span: item.span.clone(),
                        series_map: None,
                        values_span: None,
                        values_map: None,
                    };
                    for (k, _, v) in mapping(item, "series", &["series", "values"])? {
                        if k == "series" {
                            s.series = string(v, "series")?;
                            s.span = v.span.clone();
                            s.series_map = scalar_map(v);
                        } else {
                            s.values = string(v, "values")?;
                            s.values_span = Some(v.span.clone());
                            s.values_map = scalar_map(v);
                        }
                    }
                    g.input_series.push(s);
                }
            }
            "alert_rule_test" => {
                for item in sequence(value, "alert_rule_test")? {
                    g.alert_tests.push(parse_alert_test(item)?);
                }
            }
            "promql_expr_test" => {
                for item in sequence(value, "promql_expr_test")? {
                    g.promql_tests.push(parse_promql_test(item)?);
                }
            }
            "external_labels" => g.external_labels = string_map(value, "external_labels")?,
            "external_url" => g.external_url = string(value, "external_url")?,
            "name" => g.name = string(value, "name")?,
            _ => {
                let text = string(value, "start_timestamp")?;
                g.start_ms =
                    parse_time(&text).or_else(|e| err(value, format!("start_timestamp: {e}")))?;
            }
        }
    }
    Ok(g)
}

fn parse_alert_test(node: &Node) -> R<AlertTest> {
    let mut t = AlertTest {
        span: node.span.clone(),
        eval_time_ms: 0,
        eval_time_text: "0s".into(),
        alertname: String::new(),
        alertname_span: node.span.clone(),
        exp_alerts: Vec::new(),
    };
    for (key, _, value) in mapping(
        node,
        "alertTestCase",
        &["eval_time", "alertname", "exp_alerts"],
    )? {
        match key {
            "eval_time" => {
                t.eval_time_ms = duration(value, "eval_time")?;
                t.eval_time_text = string(value, "eval_time")?;
            }
            "alertname" => {
                t.alertname = string(value, "alertname")?;
                t.alertname_span = value.span.clone();
            }
            _ => {
                for item in sequence(value, "exp_alerts")? {
                    let mut a = ExpectedAlert {
                        labels: Vec::new(),
                        annotations: Vec::new(),
                    };
                    for (k, _, v) in mapping(item, "alert", &["exp_labels", "exp_annotations"])? {
                        if k == "exp_labels" {
                            a.labels = string_map(v, "exp_labels")?;
                        } else {
                            a.annotations = string_map(v, "exp_annotations")?;
                        }
                    }
                    t.exp_alerts.push(a);
                }
            }
        }
    }
    Ok(t)
}

fn parse_promql_test(node: &Node) -> R<PromqlTest> {
    let mut t = PromqlTest {
        span: node.span.clone(),
        expr: String::new(),
        expr_span: node.span.clone(),
        expr_map: None,
        eval_time_ms: 0,
        eval_time_text: "0s".into(),
        exp_samples: Vec::new(),
    };
    for (key, _, value) in mapping(
        node,
        "promqlTestCase",
        &["expr", "eval_time", "exp_samples"],
    )? {
        match key {
            "expr" => {
                t.expr = string(value, "expr")?;
                t.expr_span = value.span.clone();
                t.expr_map = scalar_map(value);
            }
            "eval_time" => {
                t.eval_time_ms = duration(value, "eval_time")?;
                t.eval_time_text = string(value, "eval_time")?;
            }
            _ => {
                for item in sequence(value, "exp_samples")? {
                    let mut s = ExpectedSample {
                        labels: String::new(),
                        value: 0.0,
                        histogram: None,
                        span: item.span.clone(),
                        labels_span: None,
                        labels_map: None,
                        histogram_span: None,
                    };
                    for (k, _, v) in mapping(item, "sample", &["labels", "value", "histogram"])? {
                        match k {
                            "labels" => {
                                s.labels = string(v, "labels")?;
                                s.labels_span = Some(v.span.clone());
                                s.labels_map = scalar_map(v);
                            }
                            "value" => s.value = float(v, "value")?,
                            _ => {
                                s.histogram =
                                    Some(string(v, "histogram")?).filter(|h| !h.is_empty());
                                s.histogram_span = Some(v.span.clone());
                            }
                        }
                    }
                    t.exp_samples.push(s);
                }
            }
        }
    }
    Ok(t)
}

/// promtool's `parseTime`: Unix seconds (fractions allowed) or RFC 3339. Milliseconds.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(v) = t.parse::<f64>() {
        return Ok((v * 1000.0).round() as i64);
    }
    parse_rfc3339(t).ok_or_else(|| format!("cannot parse {t:?} to a valid timestamp"))
}

fn parse_rfc3339(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &t[start..i];
        let padded: String = digits
            .chars()
            .chain(std::iter::repeat('0'))
            .take(3)
            .collect();
        frac_ms = padded.parse().ok()?;
    }
    let offset_s = match &t[i..] {
        "Z" | "z" => 0,
        rest if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + s - offset_s) * 1000) + frac_ms)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_like_promtool() {
        assert_eq!(parse_time("0"), Ok(0));
        assert_eq!(parse_time("1700000000.5"), Ok(1_700_000_000_500));
        assert_eq!(parse_time("1970-01-02T00:00:00Z"), Ok(86_400_000));
        assert_eq!(parse_time("1970-01-01T01:00:00+01:00"), Ok(0));
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn strict_fields_and_lines() {
        let file = SourceFile::new(
            "t.yml",
            "rule_files: [a.yml]\ntests:\n  - interval: 1m\n    bogus: 1\n",
        );
        let e = parse(&file).unwrap_err();
        assert!(e.message.contains("field bogus not found"), "{}", e.message);
        assert_eq!(file.line_col(e.span.start).line, 4);
    }
}
