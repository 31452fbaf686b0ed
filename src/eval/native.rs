//! The statistics PromQL computes from one native histogram: `histogram_quantile`,
//! `histogram_fraction` and `histogram_stddev`/`histogram_stdvar`, as Prometheus 3.14's
//! `HistogramQuantile`, `HistogramFraction` and `histogramVariance` compute them
//! (linear interpolation in custom and zero buckets, logarithmic in exponential ones).

use super::functions::kahan_inc;
use super::histogram::{Bucket, FloatHistogram};

/// What a computation noticed about its input, for an info annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NanNote {
    /// `histogram_quantile`: NaN observations made the result NaN.
    QuantileNaNResult,
    /// `histogram_quantile`: NaN observations skew the result higher.
    QuantileNaNSkew,
    /// `histogram_fraction`: NaN observations are in no fraction.
    FractionNaNs,
}

impl NanNote {
    /// The annotation text, with the metric name when there is one.
    pub fn message(self, metric_name: &str) -> String {
        let base = match self {
            NanNote::QuantileNaNResult => {
                "input to histogram_quantile has NaN observations, result is NaN"
            }
            NanNote::QuantileNaNSkew => {
                "input to histogram_quantile has NaN observations, result is skewed higher"
            }
            NanNote::FractionNaNs => {
                "input to histogram_fraction has NaN observations, which are excluded from all fractions"
            }
        };
        with_metric_name(base, metric_name)
    }
}

/// Prometheus' `maybeAddMetricName`.
pub(super) fn with_metric_name(base: &str, metric_name: &str) -> String {
    if metric_name.is_empty() {
        base.to_string()
    } else {
        format!(
            "{base} for metric name {}",
            crate::promql::text::go_quote(metric_name)
        )
    }
}

/// The zero bucket's bounds when only one side of the histogram is populated: 0 is
/// taken as its other bound.
fn clip_zero_bucket(h: &FloatHistogram, b: &mut Bucket) {
    if b.lower < 0.0 && b.upper > 0.0 {
        if h.negative.is_empty() && !h.positive.is_empty() {
            b.lower = 0.0;
        } else if h.positive.is_empty() && !h.negative.is_empty() {
            b.upper = 0.0;
        }
    }
}

/// The φ-quantile of the observations in `h`.
pub(super) fn quantile(q: f64, h: &FloatHistogram) -> (f64, Option<NanNote>) {
    if q < 0.0 {
        return (f64::NEG_INFINITY, None);
    }
    if q > 1.0 {
        return (f64::INFINITY, None);
    }
    if h.count == 0.0 || q.is_nan() {
        return (f64::NAN, None);
    }
    let forward = h.sum.is_nan() || q < 0.5;
    let mut buckets = h.all_buckets();
    if !forward {
        buckets.reverse();
    }
    let mut rank = if forward {
        q * h.count
    } else {
        (1.0 - q) * h.count
    };
    let mut count = 0.0;
    let mut bucket = Bucket {
        lower: 0.0,
        upper: 0.0,
        count: 0.0,
    };
    let mut next = 0;
    while next < buckets.len() {
        let b = buckets[next];
        next += 1;
        if b.count == 0.0 {
            continue;
        }
        bucket = b;
        count += b.count;
        if count >= rank {
            break;
        }
    }
    if !h.uses_custom_buckets() {
        clip_zero_bucket(h, &mut bucket);
    } else if bucket.lower == f64::NEG_INFINITY {
        if bucket.upper <= 0.0 {
            return (bucket.upper, None);
        }
        bucket.lower = 0.0;
    } else if bucket.upper == f64::INFINITY {
        return (bucket.lower, None);
    }
    if count > h.count {
        count = h.count;
    }
    if count < rank {
        if h.sum.is_nan() {
            return (f64::NAN, Some(NanNote::QuantileNaNResult));
        }
        return (bucket.upper, None);
    }
    if forward {
        rank -= count - bucket.count;
    } else {
        rank = count - rank;
    }
    let mut note = None;
    if h.sum.is_nan() {
        let rest: f64 = buckets[next..].iter().map(|b| b.count).sum();
        if count + rest < h.count {
            note = Some(NanNote::QuantileNaNSkew);
        }
    }
    let fraction = rank / bucket.count;
    if h.uses_custom_buckets() || (bucket.lower <= 0.0 && bucket.upper >= 0.0) {
        return (
            bucket.lower + (bucket.upper - bucket.lower) * fraction,
            note,
        );
    }
    let log_lower = bucket.lower.abs().log2();
    let log_upper = bucket.upper.abs().log2();
    if bucket.lower > 0.0 {
        return (
            (log_lower + (log_upper - log_lower) * fraction).exp2(),
            note,
        );
    }
    (
        -(log_upper + (log_lower - log_upper) * (1.0 - fraction)).exp2(),
        note,
    )
}

/// The share of the bucket below `v`: linear, or on a logarithmic scale.
fn fraction_below(b: &Bucket, v: f64, linear: bool) -> f64 {
    if linear {
        return (v - b.lower) / (b.upper - b.lower);
    }
    let log_lower = b.lower.abs().log2();
    let log_upper = b.upper.abs().log2();
    let log_v = v.abs().log2();
    if v > 0.0 {
        return (log_v - log_lower) / (log_upper - log_lower);
    }
    1.0 - ((log_v - log_upper) / (log_lower - log_upper))
}

/// The fraction of the observations in `h` between `lower` and `upper`.
pub(super) fn fraction(lower: f64, upper: f64, h: &FloatHistogram) -> (f64, Option<NanNote>) {
    if h.count == 0.0 || lower.is_nan() || upper.is_nan() {
        return (f64::NAN, None);
    }
    if lower >= upper {
        return (0.0, None);
    }
    let buckets = h.all_buckets();
    let (mut count, mut rank, mut lower_rank, mut upper_rank) = (0.0, 0.0, 0.0, 0.0);
    let (mut lower_set, mut upper_set) = (false, false);
    let mut next = 0;
    while next < buckets.len() {
        let mut b = buckets[next];
        next += 1;
        count += b.count;
        let mut zero_bucket = false;
        if b.lower <= 0.0 && b.upper >= 0.0 {
            zero_bucket = true;
            clip_zero_bucket(h, &mut b);
        }
        let linear = h.uses_custom_buckets() || zero_bucket;
        let interpolate = |v: f64| -> f64 {
            if linear && b.lower == f64::NEG_INFINITY {
                return b.count;
            }
            rank + b.count * fraction_below(&b, v, linear)
        };
        if !lower_set && b.lower >= lower {
            lower_rank = rank;
            lower_set = true;
        }
        if !upper_set && b.lower >= upper {
            upper_rank = rank;
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        if !lower_set && b.lower < lower && b.upper > lower {
            lower_rank = interpolate(lower);
            lower_set = true;
        }
        if !upper_set && b.lower < upper && b.upper > upper {
            upper_rank = interpolate(upper);
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        rank += b.count;
    }
    let mut note = None;
    if h.sum.is_nan() {
        count += buckets[next..].iter().map(|b| b.count).sum::<f64>();
        if count < h.count {
            note = Some(NanNote::FractionNaNs);
        }
    } else {
        count = h.count;
    }
    if !lower_set || lower_rank > count {
        lower_rank = count;
    }
    if !upper_set || upper_rank > count {
        upper_rank = count;
    }
    ((upper_rank - lower_rank) / h.count, note)
}

/// The variance of the observations in `h`, each bucket's observations taken at its
/// midpoint (arithmetic for custom and zero buckets, geometric for exponential ones).
pub(super) fn variance(h: &FloatHistogram) -> f64 {
    let mean = h.sum / h.count;
    let (mut variance, mut c) = (0.0, 0.0);
    for b in h.all_buckets() {
        if b.count == 0.0 {
            continue;
        }
        let val = if h.uses_custom_buckets() {
            (b.upper + b.lower) / 2.0
        } else if b.lower <= 0.0 && b.upper >= 0.0 {
            0.0
        } else {
            let v = (b.upper * b.lower).sqrt();
            if b.upper < 0.0 {
                -v
            } else {
                v
            }
        };
        let delta = val - mean;
        (variance, c) = kahan_inc(b.count * delta * delta, variance, c);
    }
    (variance + c) / h.count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(text: &str) -> FloatHistogram {
        FloatHistogram::parse(text).unwrap()
    }

    #[test]
    fn quantile_interpolates_exponentially_in_exponential_buckets() {
        // One bucket (1,2] with 4 observations: the median is 2^0.5.
        let one = h("{{schema:0 count:4 sum:6 offset:1 buckets:[4]}}");
        let (v, note) = quantile(0.5, &one);
        assert!((v - 2f64.sqrt()).abs() < 1e-12, "{v}");
        assert_eq!(note, None);
        assert_eq!(quantile(1.5, &one).0, f64::INFINITY);
        assert!(quantile(0.5, &h("{{schema:0 count:0 sum:0}}")).0.is_nan());
    }

    #[test]
    fn quantile_of_custom_buckets_is_linear() {
        let nhcb = h("{{schema:-53 count:4 sum:10 custom_values:[5 10] buckets:[2 2]}}");
        // The first bucket (-Inf,5] starts at 0: the 0.25-quantile is 2.5.
        assert!((quantile(0.25, &nhcb).0 - 2.5).abs() < 1e-12);
        assert!((quantile(0.75, &nhcb).0 - 7.5).abs() < 1e-12);
    }

    #[test]
    fn fraction_inverts_quantile() {
        let one = h("{{schema:0 count:4 sum:6 offset:1 buckets:[4]}}");
        let (f, _) = fraction(f64::NEG_INFINITY, 2f64.sqrt(), &one);
        assert!((f - 0.5).abs() < 1e-12, "{f}");
        assert_eq!(fraction(3.0, 1.0, &one).0, 0.0);
    }

    #[test]
    fn variance_uses_bucket_midpoints() {
        let nhcb = h("{{schema:-53 count:2 sum:10 custom_values:[2 8] buckets:[0 2]}}");
        // Both observations at the midpoint 5 of (2,8]: no spread.
        assert_eq!(variance(&nhcb), 0.0);
    }
}
