//! The values an evaluation produces: label sets, samples, series, and the four PromQL
//! result types.

use super::histogram::FloatHistogram;
use std::fmt;

/// The bit pattern Prometheus writes as a staleness marker (a NaN no arithmetic produces).
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

pub fn is_stale(v: f64) -> bool {
    v.to_bits() == STALE_NAN_BITS
}

pub const METRIC_NAME: &str = "__name__";

/// A label set, sorted by label name, no empty values (an empty value means "absent").
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Labels(Vec<(String, String)>);

impl Labels {
    pub fn new() -> Self {
        Labels(Vec::new())
    }

    /// Builds a label set from pairs in any order; empty values are dropped and a later
    /// pair wins over an earlier one with the same name.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut labels = Labels::new();
        for (k, v) in pairs {
            labels.set(&k.into(), &v.into());
        }
        labels
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }

    /// The value of `name`, "" when absent (Go's `labels.Get`).
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`; an empty value removes the label.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.0.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Ok(i) if value.is_empty() => {
                self.0.remove(i);
            }
            Ok(i) => self.0[i].1 = value.to_string(),
            Err(_) if value.is_empty() => {}
            Err(i) => self.0.insert(i, (name.to_string(), value.to_string())),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.set(name, "");
    }

    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    pub fn without_name(&self) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|(n, _)| !is_metadata_label(n))
                .cloned()
                .collect(),
        )
    }

    /// Only the labels named in `names`.
    pub fn keep(&self, names: &[String]) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|(n, _)| names.iter().any(|k| k == n))
                .cloned()
                .collect(),
        )
    }

    /// All labels except those named in `names`.
    pub fn drop(&self, names: &[String]) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|(n, _)| !names.iter().any(|k| k == n))
                .cloned()
                .collect(),
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Labels that name-dropping operations remove (`__name__`, and the type-and-unit labels).
pub fn is_metadata_label(name: &str) -> bool {
    matches!(name, "__name__" | "__type__" | "__unit__")
}

impl fmt::Display for Labels {
    /// Prometheus' `labels.String()`: `{__name__="up", job="api"}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (n, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if is_legacy_name(n) {
                f.write_str(n)?;
            } else {
                f.write_str(&crate::promql::text::go_quote(n))?;
            }
            write!(f, "={}", crate::promql::text::go_quote(v))?;
        }
        f.write_str("}")
    }
}

fn is_legacy_name(n: &str) -> bool {
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// One sample of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    /// The float value; 0 (unused) when `h` holds a native histogram.
    pub value: f64,
    /// A native histogram sample instead of a float one.
    pub h: Option<Box<FloatHistogram>>,
    /// The sample's own timestamp (ms); only `timestamp()` reads it.
    pub t: i64,
    /// Delayed name removal: the metric name goes at the end of the query.
    pub drop_name: bool,
}

/// One series of a range vector (matrix).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Labels,
    /// (timestamp ms, value), ascending: the float samples.
    pub points: Vec<(i64, f64)>,
    /// The native histogram samples, ascending (a series may mix both kinds).
    pub hpoints: Vec<(i64, FloatHistogram)>,
    pub drop_name: bool,
}

impl Sample {
    pub fn float(labels: Labels, value: f64, t: i64, drop_name: bool) -> Sample {
        Sample {
            labels,
            value,
            h: None,
            t,
            drop_name,
        }
    }

    pub fn histogram(labels: Labels, h: FloatHistogram, t: i64, drop_name: bool) -> Sample {
        Sample {
            labels,
            value: 0.0,
            h: Some(Box::new(h)),
            t,
            drop_name,
        }
    }

    pub fn is_histogram(&self) -> bool {
        self.h.is_some()
    }
}

impl Series {
    pub fn new(labels: Labels, drop_name: bool) -> Series {
        Series {
            labels,
            points: Vec::new(),
            hpoints: Vec::new(),
            drop_name,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty() && self.hpoints.is_empty()
    }

    /// Appends a sample of either kind at `t`.
    pub fn push(&mut self, t: i64, value: f64, h: Option<Box<FloatHistogram>>) {
        match h {
            Some(h) => self.hpoints.push((t, *h)),
            None => self.points.push((t, value)),
        }
    }

    /// Whether the series already has a sample at `t` (its latest one).
    pub fn has_point_at(&self, t: i64) -> bool {
        self.points.last().is_some_and(|p| p.0 == t)
            || self.hpoints.last().is_some_and(|p| p.0 == t)
    }
}

/// A query's result.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    String(String),
    Vector(Vec<Sample>),
    Matrix(Vec<Series>),
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar(_) => "scalar",
            Value::String(_) => "string",
            Value::Vector(_) => "vector",
            Value::Matrix(_) => "matrix",
        }
    }
}

/// How Go prints the floats whose text no precision changes: NaN, the infinities and
/// the signed zeros.
pub fn special_float_text(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v.is_infinite() {
        Some(if v > 0.0 { "+Inf" } else { "-Inf" })
    } else if v == 0.0 {
        Some(if v.is_sign_negative() { "-0" } else { "0" })
    } else {
        None
    }
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`... as Prometheus prints sample values in
/// its text output (`%v`/`'g'`-shortest with an exponent from 1e21): `1`, `0.25`,
/// `1e+21`, `1e-05`, `+Inf`, `NaN`.
pub fn format_value(v: f64) -> String {
    if let Some(text) = special_float_text(v) {
        return text.into();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..21).contains(&exp) {
        // Shortest digits in exponent form, Go style: 1e+21, 1.5e-07.
        let s = format!("{v:e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", e.abs());
    }
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_sorted_and_print_like_prometheus() {
        let l = Labels::from_pairs([("job", "api"), ("__name__", "up"), ("a", "")]);
        assert_eq!(l.to_string(), r#"{__name__="up", job="api"}"#);
        assert_eq!(l.without_name().to_string(), r#"{job="api"}"#);
        let odd = Labels::from_pairs([("a.b", "x")]);
        assert_eq!(odd.to_string(), r#"{"a.b"="x"}"#);
    }

    #[test]
    fn values_print_like_go() {
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(1e21), "1e+21");
        assert_eq!(format_value(1.5e-7), "1.5e-07");
        assert_eq!(format_value(123456789.0), "123456789");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert!(is_stale(stale_nan()));
    }
}
