//! Native histogram samples (Prometheus' `FloatHistogram`): the test notation
//! `{{schema:0 sum:5 count:4 z_bucket:1 z_bucket_w:0.001 buckets:[1 2] offset:0
//! n_buckets:[1] n_offset:0 counter_reset_hint:gauge custom_values:[1 2]}}` and the text
//! form Prometheus prints (`{count:4, sum:5, [-1,-0.5):1, [-0.001,0.001]:1, (0.5,1]:1, (1,2]:1}`).
//!
//! Buckets are kept sparse, as (index, count) pairs in ascending index order: the span
//! layout a histogram was written with does not change what it means.

use std::fmt;

/// The schema of custom-bucket histograms (NHCB): bounds come from `custom_values`.
pub const CUSTOM_BUCKETS_SCHEMA: i32 = -53;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CounterResetHint {
    #[default]
    Unknown,
    CounterReset,
    NotCounterReset,
    Gauge,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FloatHistogram {
    pub schema: i32,
    pub count: f64,
    pub sum: f64,
    pub zero_threshold: f64,
    pub zero_count: f64,
    /// (bucket index, count), ascending by index.
    pub positive: Vec<(i32, f64)>,
    pub negative: Vec<(i32, f64)>,
    pub counter_reset_hint: CounterResetHint,
    /// Upper bounds of the custom buckets (schema -53 only).
    pub custom_values: Vec<f64>,
}

impl FloatHistogram {
    /// Parses the inside or the whole of a `{{...}}` literal.
    pub fn parse(text: &str) -> Result<FloatHistogram, String> {
        let inner = text
            .trim()
            .strip_prefix("{{")
            .and_then(|t| t.strip_suffix("}}"))
            .ok_or_else(|| format!("invalid native histogram {text:?}: expected {{{{...}}}}"))?;
        let mut h = FloatHistogram::default();
        let (mut p_offset, mut n_offset) = (0i32, 0i32);
        let (mut p_counts, mut n_counts) = (Vec::new(), Vec::new());
        let mut rest = inner.trim();
        while !rest.is_empty() {
            let colon = rest
                .find(':')
                .ok_or_else(|| format!("invalid native histogram {text:?}: expected key:value"))?;
            let key = rest[..colon].trim();
            let after = rest[colon + 1..].trim_start();
            let (value, next) = if let Some(list) = after.strip_prefix('[') {
                let close = list.find(']').ok_or_else(|| {
                    format!("invalid native histogram {text:?}: unterminated list for {key}")
                })?;
                (&list[..close], &list[close + 1..])
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            let bad = |what: &str| format!("invalid native histogram {text:?}: bad {key}: {what}");
            match key {
                "schema" => h.schema = value.parse().map_err(|_| bad(value))?,
                "sum" => h.sum = number(value).map_err(|e| bad(&e))?,
                "count" => h.count = number(value).map_err(|e| bad(&e))?,
                "z_bucket" => h.zero_count = number(value).map_err(|e| bad(&e))?,
                "z_bucket_w" => h.zero_threshold = number(value).map_err(|e| bad(&e))?,
                "offset" => p_offset = value.parse().map_err(|_| bad(value))?,
                "n_offset" => n_offset = value.parse().map_err(|_| bad(value))?,
                "buckets" => p_counts = numbers(value).map_err(|e| bad(&e))?,
                "n_buckets" => n_counts = numbers(value).map_err(|e| bad(&e))?,
                "custom_values" => h.custom_values = numbers(value).map_err(|e| bad(&e))?,
                "counter_reset_hint" => {
                    h.counter_reset_hint = match value {
                        "unknown" => CounterResetHint::Unknown,
                        "reset" => CounterResetHint::CounterReset,
                        "not_reset" => CounterResetHint::NotCounterReset,
                        "gauge" => CounterResetHint::Gauge,
                        other => return Err(bad(other)),
                    }
                }
                other => {
                    return Err(format!(
                        "invalid native histogram {text:?}: unknown key {other:?}"
                    ))
                }
            }
            rest = next.trim_start();
        }
        h.positive = indexed(p_offset, &p_counts);
        h.negative = indexed(n_offset, &n_counts);
        Ok(h)
    }

    pub fn uses_custom_buckets(&self) -> bool {
        self.schema == CUSTOM_BUCKETS_SCHEMA
    }

    /// `self + other` bucket by bucket, as the `{{a}}+{{b}}xN` expansion needs.
    /// Both must share a schema (the notation never mixes them within one item).
    pub fn add(&self, other: &FloatHistogram) -> Result<FloatHistogram, String> {
        self.combine(other, 1.0)
    }

    pub fn sub(&self, other: &FloatHistogram) -> Result<FloatHistogram, String> {
        self.combine(other, -1.0)
    }

    fn combine(&self, other: &FloatHistogram, sign: f64) -> Result<FloatHistogram, String> {
        if self.uses_custom_buckets() != other.uses_custom_buckets() {
            return Err(
                "cannot combine a custom-bucket native histogram with an exponential one".into(),
            );
        }
        if self.uses_custom_buckets() && self.custom_values != other.custom_values {
            return Err("cannot combine native histograms with different custom buckets".into());
        }
        // Different resolutions meet at the coarser one, as Prometheus' `Add` does.
        let schema = self.schema.min(other.schema);
        let (a, b) = (self.reduced_to(schema), other.reduced_to(schema));
        Ok(FloatHistogram {
            schema,
            count: self.count + sign * other.count,
            sum: self.sum + sign * other.sum,
            zero_threshold: self.zero_threshold.max(other.zero_threshold),
            zero_count: self.zero_count + sign * other.zero_count,
            positive: merge(&a.positive, &b.positive, sign),
            negative: merge(&a.negative, &b.negative, sign),
            counter_reset_hint: self.counter_reset_hint,
            custom_values: self.custom_values.clone(),
        })
    }

    /// This histogram at a coarser exponential schema: each bucket folds into the one
    /// that covers it (index `((i - 1) >> delta) + 1`).
    pub fn reduced_to(&self, schema: i32) -> FloatHistogram {
        if schema >= self.schema || self.uses_custom_buckets() {
            return self.clone();
        }
        let delta = self.schema - schema;
        let fold = |buckets: &[(i32, f64)]| -> Vec<(i32, f64)> {
            let mut out: Vec<(i32, f64)> = Vec::with_capacity(buckets.len());
            for &(i, c) in buckets {
                let target = ((i - 1) >> delta) + 1;
                match out.last_mut() {
                    Some(last) if last.0 == target => last.1 += c,
                    _ => out.push((target, c)),
                }
            }
            out
        };
        FloatHistogram {
            schema,
            positive: fold(&self.positive),
            negative: fold(&self.negative),
            ..self.clone()
        }
    }

    /// The bounds (lower, upper) of positive bucket `index`.
    fn positive_bounds(&self, index: i32) -> (f64, f64) {
        if self.uses_custom_buckets() {
            let bound = |i: i32| -> f64 {
                if i < 0 {
                    f64::NEG_INFINITY
                } else {
                    self.custom_values
                        .get(i as usize)
                        .copied()
                        .unwrap_or(f64::INFINITY)
                }
            };
            return (bound(index - 1), bound(index));
        }
        (
            exponential_bound(index - 1, self.schema),
            exponential_bound(index, self.schema),
        )
    }
}

/// The upper bound of exponential bucket `index` in `schema`: 2^(index * 2^-schema).
fn exponential_bound(index: i32, schema: i32) -> f64 {
    let factor = (2f64).powf((-schema) as f64);
    (2f64).powf(index as f64 * factor)
}

fn merge(a: &[(i32, f64)], b: &[(i32, f64)], sign: f64) -> Vec<(i32, f64)> {
    let mut map: std::collections::BTreeMap<i32, f64> = a.iter().copied().collect();
    for &(i, c) in b {
        *map.entry(i).or_insert(0.0) += sign * c;
    }
    map.into_iter().collect()
}

fn indexed(offset: i32, counts: &[f64]) -> Vec<(i32, f64)> {
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| (offset + i as i32, c))
        .collect()
}

fn number(text: &str) -> Result<f64, String> {
    let (sign, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    crate::promql::text::parse_number(unsigned).map(|v| sign * v)
}

fn numbers(text: &str) -> Result<Vec<f64>, String> {
    text.split_whitespace().map(number).collect()
}

/// Go's `%g` with the shortest precision: exponent form below 1e-4 and from 1e6 on.
fn go_g(v: f64) -> String {
    if v.is_finite() && v != 0.0 {
        let exp = v.abs().log10().floor() as i32;
        if (6..21).contains(&exp) {
            let s = format!("{v:e}");
            let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
            return format!("{mantissa}e+{e:0>2}");
        }
    }
    super::value::format_value(v)
}

impl fmt::Display for FloatHistogram {
    /// Prometheus' `FloatHistogram.String()`: count, sum, then the non-empty buckets from
    /// the most negative to the most positive.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{count:{}, sum:{}", go_g(self.count), go_g(self.sum))?;
        for &(i, c) in self.negative.iter().rev().filter(|(_, c)| *c != 0.0) {
            let (lower, upper) = self.positive_bounds(i);
            write!(f, ", [{},{}):{}", go_g(-upper), go_g(-lower), go_g(c))?;
        }
        if self.zero_count != 0.0 {
            let zt = self.zero_threshold;
            write!(
                f,
                ", [{},{}]:{}",
                go_g(-zt),
                go_g(zt),
                go_g(self.zero_count)
            )?;
        }
        for &(i, c) in self.positive.iter().filter(|(_, c)| *c != 0.0) {
            let (lower, upper) = self.positive_bounds(i);
            let open = if self.uses_custom_buckets() && lower == f64::NEG_INFINITY {
                '['
            } else {
                '('
            };
            write!(f, ", {open}{},{}]:{}", go_g(lower), go_g(upper), go_g(c))?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_test_notation() {
        let h = FloatHistogram::parse(
            "{{schema:1 sum:-0.3 count:3.1 z_bucket:7.1 z_bucket_w:0.05 buckets:[5.1 10 7] offset:-3 n_buckets:[4.1 5] n_offset:-5 counter_reset_hint:gauge}}",
        )
        .unwrap();
        assert_eq!(h.schema, 1);
        assert_eq!(h.sum, -0.3);
        assert_eq!(h.positive, vec![(-3, 5.1), (-2, 10.0), (-1, 7.0)]);
        assert_eq!(h.negative, vec![(-5, 4.1), (-4, 5.0)]);
        assert_eq!(h.counter_reset_hint, CounterResetHint::Gauge);
        assert!(FloatHistogram::parse("{{schema:x}}").is_err());
        assert!(FloatHistogram::parse("{{bogus:1}}").is_err());
    }

    #[test]
    fn prints_like_prometheus() {
        let h = FloatHistogram::parse(
            "{{schema:0 count:20 sum:10 z_bucket:2 z_bucket_w:0.001 buckets:[1 2] n_buckets:[1 2]}}",
        )
        .unwrap();
        assert_eq!(
            h.to_string(),
            "{count:20, sum:10, [-2,-1):2, [-1,-0.5):1, [-0.001,0.001]:2, (0.5,1]:1, (1,2]:2}"
        );
        let nhcb =
            FloatHistogram::parse("{{schema:-53 count:3 sum:4 buckets:[1 2] custom_values:[5]}}")
                .unwrap();
        assert_eq!(nhcb.to_string(), "{count:3, sum:4, [-Inf,5]:1, (5,+Inf]:2}");
        assert_eq!(go_g(1e6), "1e+06");
        assert_eq!(go_g(123456.0), "123456");
    }

    #[test]
    fn adds_bucket_by_bucket() {
        let a = FloatHistogram::parse("{{schema:0 count:2 sum:3 buckets:[1 1]}}").unwrap();
        let b = FloatHistogram::parse("{{schema:0 count:1 sum:1 offset:1 buckets:[1]}}").unwrap();
        let s = a.add(&b).unwrap();
        assert_eq!(s.count, 3.0);
        assert_eq!(s.positive, vec![(0, 1.0), (1, 2.0)]);
        assert_eq!(s.sub(&b).unwrap().positive, a.positive);
        // Schema 1 buckets 1..=4 fold into schema 0 buckets 1 and 2.
        let fine =
            FloatHistogram::parse("{{schema:1 count:4 sum:4 offset:1 buckets:[1 1 1 1]}}").unwrap();
        assert_eq!(fine.reduced_to(0).positive, vec![(1, 2.0), (2, 2.0)]);
        assert_eq!(fine.add(&a).unwrap().schema, 0);
    }
}
