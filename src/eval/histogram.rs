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
        // Prometheus refuses other schemas on append; the bucket math relies on it.
        if h.schema != CUSTOM_BUCKETS_SCHEMA && !(-4..=8).contains(&h.schema) {
            return Err(format!(
                "invalid native histogram {text:?}: schema {} must be between -4 and 8, or -53",
                h.schema
            ));
        }
        // Bucket indexes past ±1,000,000 lie beyond every float; refusing them keeps
        // the index arithmetic from overflowing.
        for (offset, counts) in [(p_offset, &p_counts), (n_offset, &n_counts)] {
            if offset.unsigned_abs() as usize + counts.len() > 1_000_000 {
                return Err(format!(
                    "invalid native histogram {text:?}: bucket offset {offset} is out of range"
                ));
            }
        }
        h.positive = indexed(p_offset, &p_counts);
        h.negative = indexed(n_offset, &n_counts);
        Ok(h)
    }

    pub fn uses_custom_buckets(&self) -> bool {
        self.schema == CUSTOM_BUCKETS_SCHEMA
    }

    /// `self + other` bucket by bucket, as the `{{a}}+{{b}}xN` expansion needs.
    pub fn add(&self, other: &FloatHistogram) -> Result<FloatHistogram, String> {
        self.combine(other, 1.0)
            .map(|c| c.histogram)
            .map_err(|e| e.to_string())
    }

    pub fn sub(&self, other: &FloatHistogram) -> Result<FloatHistogram, String> {
        self.combine(other, -1.0)
            .map(|c| c.histogram)
            .map_err(|e| e.to_string())
    }

    /// Prometheus' `Add` (sign 1) and `Sub` (sign -1): different resolutions meet at
    /// the coarser schema, different zero buckets at the wider one, different custom
    /// bounds at their intersection; the counter reset hints are reconciled.
    pub fn combine(
        &self,
        other: &FloatHistogram,
        sign: f64,
    ) -> Result<Combined, IncompatibleSchemas> {
        if self.uses_custom_buckets() != other.uses_custom_buckets() {
            return Err(IncompatibleSchemas);
        }
        let mut h = self.clone();
        let collision = h.adjust_counter_reset(other);
        h.count += sign * other.count;
        h.sum += sign * other.sum;
        if h.uses_custom_buckets() {
            let mut reconciled = false;
            if h.custom_values == other.custom_values {
                h.positive = merge(&h.positive, &other.positive, sign);
            } else {
                reconciled = true;
                let bounds = intersect_bounds(&h.custom_values, &other.custom_values);
                let mut target = vec![0.0; bounds.len() + 1];
                map_custom(&h.positive, &h.custom_values, &bounds, 1.0, &mut target);
                map_custom(
                    &other.positive,
                    &other.custom_values,
                    &bounds,
                    sign,
                    &mut target,
                );
                h.positive = target
                    .into_iter()
                    .enumerate()
                    .filter(|(_, c)| *c != 0.0)
                    .map(|(i, c)| (i as i32, c))
                    .collect();
                h.custom_values = bounds;
            }
            return Ok(Combined {
                histogram: h,
                counter_reset_collision: collision,
                custom_bounds_reconciled: reconciled,
            });
        }
        let schema = h.schema.min(other.schema);
        let mut h = h.reduced_to(schema);
        let other = other.reduced_to(schema);
        let other_zero = h.reconcile_zero_buckets(&other);
        h.zero_count += sign * other_zero;
        // Buckets of `other` inside the (maybe widened) zero bucket are already counted.
        let zt = h.zero_threshold;
        let outside = |b: &[(i32, f64)]| -> Vec<(i32, f64)> {
            b.iter()
                .copied()
                .filter(|&(i, _)| exponential_bound(i, schema) > zt)
                .collect()
        };
        h.positive = merge(&h.positive, &outside(&other.positive), sign);
        h.negative = merge(&h.negative, &outside(&other.negative), sign);
        Ok(Combined {
            histogram: h,
            counter_reset_collision: collision,
            custom_bounds_reconciled: false,
        })
    }

    /// `self + other` with Kahan-Neumaier compensation kept in `c` (same layout as
    /// the sum), as Prometheus' `KahanAdd`; [`FloatHistogram::kahan_finish`] folds the
    /// compensation in.
    pub fn kahan_add(
        &self,
        c: &FloatHistogram,
        other: &FloatHistogram,
    ) -> Result<(FloatHistogram, FloatHistogram, Combined), IncompatibleSchemas> {
        use super::functions::kahan_inc;
        let plain = self.combine(other, 1.0)?;
        if self.uses_custom_buckets() && self.custom_values != other.custom_values {
            // Bounds were reconciled: the compensation starts over.
            let c = FloatHistogram {
                custom_values: plain.histogram.custom_values.clone(),
                ..FloatHistogram::default()
            };
            return Ok((plain.histogram.clone(), c, plain));
        }
        let schema = plain.histogram.schema;
        let mut sum = plain.histogram.clone();
        let mut comp = c.reduced_to(schema);
        let base = self.reduced_to(schema);
        let add = other.reduced_to(schema);
        (sum.count, comp.count) = kahan_inc(other.count, self.count, c.count);
        (sum.sum, comp.sum) = kahan_inc(other.sum, self.sum, c.sum);
        if base.zero_threshold == add.zero_threshold {
            (sum.zero_count, comp.zero_count) =
                kahan_inc(add.zero_count, base.zero_count, c.zero_count);
        }
        let kahan_buckets = |a: &[(i32, f64)], cc: &[(i32, f64)], b: &[(i32, f64)]| {
            let mut map: std::collections::BTreeMap<i32, (f64, f64)> =
                std::collections::BTreeMap::new();
            for &(i, v) in a {
                map.entry(i).or_insert((0.0, 0.0)).0 = v;
            }
            for &(i, v) in cc {
                map.entry(i).or_insert((0.0, 0.0)).1 = v;
            }
            for &(i, v) in b {
                let e = map.entry(i).or_insert((0.0, 0.0));
                *e = kahan_inc(v, e.0, e.1);
            }
            let sums: Vec<(i32, f64)> = map.iter().map(|(&i, &(v, _))| (i, v)).collect();
            let comps: Vec<(i32, f64)> = map.iter().map(|(&i, &(_, c))| (i, c)).collect();
            (sums, comps)
        };
        if base.zero_threshold == add.zero_threshold && base.zero_threshold == sum.zero_threshold {
            (sum.positive, comp.positive) =
                kahan_buckets(&base.positive, &comp.positive, &add.positive);
            (sum.negative, comp.negative) =
                kahan_buckets(&base.negative, &comp.negative, &add.negative);
        }
        comp.schema = schema;
        comp.zero_threshold = sum.zero_threshold;
        Ok((sum, comp, plain))
    }

    /// The Kahan sum with its compensation folded in.
    pub fn kahan_finish(&self, c: &FloatHistogram) -> FloatHistogram {
        let mut out = self.clone();
        out.count += c.count;
        out.sum += c.sum;
        out.zero_count += c.zero_count;
        let fold = |a: &mut Vec<(i32, f64)>, b: &[(i32, f64)]| {
            for &(i, v) in b {
                if v == 0.0 {
                    continue;
                }
                match a.binary_search_by_key(&i, |x| x.0) {
                    Ok(j) => a[j].1 += v,
                    Err(j) => a.insert(j, (i, v)),
                }
            }
        };
        let c = c.reduced_to(out.schema);
        fold(&mut out.positive, &c.positive);
        fold(&mut out.negative, &c.negative);
        out
    }

    /// Prometheus' `TrimBuckets` (the `</` and `>/` operators): keeps the observations
    /// below (`upper_trim`) or above `rhs`, splitting the bucket `rhs` falls into, and
    /// estimates the new sum from the kept buckets' midpoints.
    pub fn trim_buckets(&self, rhs: f64, upper_trim: bool) -> FloatHistogram {
        let mut h = self.clone();
        let custom = h.uses_custom_buckets();
        let (mut count, mut sum, mut trimmed) = (0.0, 0.0, false);
        let (mut has_positive, mut has_negative) = (false, false);
        for positive in [true, false] {
            let len = if positive {
                h.positive.len()
            } else {
                h.negative.len()
            };
            for k in 0..len {
                let (idx, c) = if positive {
                    h.positive[k]
                } else {
                    h.negative[k]
                };
                if c == 0.0 {
                    continue;
                }
                let (lo, up) = self.positive_bounds(idx);
                let b = if positive {
                    Bucket {
                        lower: lo,
                        upper: up,
                        count: c,
                    }
                } else {
                    has_negative = true;
                    Bucket {
                        lower: -up,
                        upper: -lo,
                        count: c,
                    }
                };
                if positive {
                    has_positive = true;
                }
                let whole = if upper_trim {
                    b.upper <= rhs
                } else {
                    b.lower >= rhs
                };
                let partly = if upper_trim {
                    b.lower < rhs
                } else {
                    b.upper > rhs
                };
                let keep = if whole {
                    sum += trim_midpoint(b.lower, b.upper, positive, custom) * c;
                    c
                } else if partly {
                    let (keep, mid) = bucket_trim(&b, rhs, upper_trim, positive, custom);
                    sum += mid * keep;
                    keep
                } else {
                    0.0
                };
                count += keep;
                if keep != c {
                    trimmed = true;
                    if positive {
                        h.positive[k].1 = keep;
                    } else {
                        h.negative[k].1 = keep;
                    }
                }
            }
        }
        if h.zero_count > 0.0 {
            let zt = h.zero_threshold;
            let (keep, mid) = zero_bucket_trim(
                h.zero_count,
                -zt,
                zt,
                rhs,
                has_negative,
                has_positive,
                upper_trim,
            );
            if keep != h.zero_count {
                h.zero_count = keep;
                trimmed = true;
            }
            sum += mid * keep;
            count += keep;
        }
        if trimmed {
            h.count = count;
            h.sum = sum;
            h = h.compact();
        }
        h
    }

    /// Prometheus' `adjustCounterReset`: true on a collision of "reset" and "not reset".
    fn adjust_counter_reset(&mut self, other: &FloatHistogram) -> bool {
        use CounterResetHint::*;
        match (self.counter_reset_hint, other.counter_reset_hint) {
            (a, b) if a == b => false,
            (Gauge, _) => false,
            (_, Gauge) => {
                self.counter_reset_hint = Gauge;
                false
            }
            (Unknown, _) => false,
            (_, Unknown) => {
                self.counter_reset_hint = Unknown;
                false
            }
            _ => {
                self.counter_reset_hint = Unknown;
                true
            }
        }
    }

    /// The zero count this histogram would have with a zero bucket at least
    /// `threshold` wide, and the threshold it ends up with (widened to the upper bound
    /// of a populated bucket the threshold falls into).
    fn zero_count_for_larger_threshold(&self, mut threshold: f64) -> (f64, f64) {
        if threshold == self.zero_threshold {
            return (self.zero_count, threshold);
        }
        'outer: loop {
            let mut zero = self.zero_count;
            for &(i, c) in &self.positive {
                let (lower, upper) = self.positive_bounds(i);
                if lower >= threshold {
                    break;
                }
                zero += c;
                if upper > threshold {
                    if c != 0.0 {
                        threshold = upper;
                    }
                    break;
                }
            }
            for &(i, c) in &self.negative {
                let (lower, upper) = self.positive_bounds(i);
                if lower >= threshold {
                    break;
                }
                zero += c;
                if upper > threshold {
                    if c != 0.0 {
                        threshold = upper;
                        continue 'outer;
                    }
                    break;
                }
            }
            return (zero, threshold);
        }
    }

    /// Widens this histogram's zero bucket to cover `other`'s (and the reverse) and
    /// returns the zero count `other` has at the common threshold.
    fn reconcile_zero_buckets(&mut self, other: &FloatHistogram) -> f64 {
        let mut other_zero = other.zero_count;
        let mut other_threshold = other.zero_threshold;
        while other_threshold != self.zero_threshold {
            if self.zero_threshold > other_threshold {
                (other_zero, other_threshold) =
                    other.zero_count_for_larger_threshold(self.zero_threshold);
            }
            if other_threshold > self.zero_threshold {
                let (zero, threshold) = self.zero_count_for_larger_threshold(other_threshold);
                self.zero_count = zero;
                self.zero_threshold = threshold;
                let zt = threshold;
                let schema = self.schema;
                self.positive
                    .retain(|&(i, _)| exponential_bound(i, schema) > zt);
                self.negative
                    .retain(|&(i, _)| exponential_bound(i, schema) > zt);
            }
        }
        other_zero
    }

    /// Every count scaled by `factor`; a negative factor makes it a gauge.
    pub fn mul(&self, factor: f64) -> FloatHistogram {
        let mut h = self.clone();
        h.count *= factor;
        h.sum *= factor;
        h.zero_count *= factor;
        for b in h.positive.iter_mut().chain(h.negative.iter_mut()) {
            b.1 *= factor;
        }
        if factor < 0.0 {
            h.counter_reset_hint = CounterResetHint::Gauge;
        }
        h
    }

    /// Every count divided by `divisor`; division by zero drops the buckets.
    pub fn div(&self, divisor: f64) -> FloatHistogram {
        let mut h = self.clone();
        h.count /= divisor;
        h.sum /= divisor;
        h.zero_count /= divisor;
        if divisor == 0.0 {
            h.positive.clear();
            h.negative.clear();
            return h;
        }
        for b in h.positive.iter_mut().chain(h.negative.iter_mut()) {
            b.1 /= divisor;
        }
        if divisor < 0.0 {
            h.counter_reset_hint = CounterResetHint::Gauge;
        }
        h
    }

    /// Without empty buckets (Prometheus' `Compact(0)`).
    pub fn compact(mut self) -> FloatHistogram {
        self.positive.retain(|b| b.1 != 0.0);
        self.negative.retain(|b| b.1 != 0.0);
        self
    }

    /// Data equality (Prometheus' `Equals`): bit patterns of the counts, same layout.
    pub fn equals(&self, other: &FloatHistogram) -> bool {
        let bits_eq = |a: f64, b: f64| a.to_bits() == b.to_bits();
        let buckets_eq = |a: &[(i32, f64)], b: &[(i32, f64)]| {
            let a: Vec<_> = a.iter().filter(|x| x.1 != 0.0).collect();
            let b: Vec<_> = b.iter().filter(|x| x.1 != 0.0).collect();
            a.len() == b.len()
                && a.iter()
                    .zip(&b)
                    .all(|(x, y)| x.0 == y.0 && bits_eq(x.1, y.1))
        };
        self.schema == other.schema
            && bits_eq(self.count, other.count)
            && bits_eq(self.sum, other.sum)
            && (!self.uses_custom_buckets() || self.custom_values == other.custom_values)
            && self.zero_threshold == other.zero_threshold
            && bits_eq(self.zero_count, other.zero_count)
            && buckets_eq(&self.positive, &other.positive)
            && buckets_eq(&self.negative, &other.negative)
    }

    /// Prometheus' `DetectReset`: whether this histogram, following `previous`, starts
    /// a new counter (a count went down, or a populated bucket went missing).
    pub fn detect_reset(&self, previous: &FloatHistogram) -> bool {
        match self.counter_reset_hint {
            CounterResetHint::CounterReset => return true,
            CounterResetHint::NotCounterReset => return false,
            _ => {}
        }
        if self.count < previous.count {
            return true;
        }
        if self.uses_custom_buckets() != previous.uses_custom_buckets() {
            return true;
        }
        if self.uses_custom_buckets() {
            let (cur, prev) = if self.custom_values == previous.custom_values {
                (self.positive.clone(), previous.positive.clone())
            } else {
                let bounds = intersect_bounds(&self.custom_values, &previous.custom_values);
                let mut a = vec![0.0; bounds.len() + 1];
                let mut b = vec![0.0; bounds.len() + 1];
                map_custom(&self.positive, &self.custom_values, &bounds, 1.0, &mut a);
                map_custom(
                    &previous.positive,
                    &previous.custom_values,
                    &bounds,
                    1.0,
                    &mut b,
                );
                let index = |v: Vec<f64>| {
                    v.into_iter()
                        .enumerate()
                        .map(|(i, c)| (i as i32, c))
                        .collect()
                };
                (index(a), index(b))
            };
            return buckets_dropped(&cur, &prev);
        }
        if self.schema > previous.schema || self.zero_threshold < previous.zero_threshold {
            return true;
        }
        let (prev_zero, threshold) = previous.zero_count_for_larger_threshold(self.zero_threshold);
        if threshold != self.zero_threshold || self.zero_count < prev_zero {
            return true;
        }
        let prev = previous.reduced_to(self.schema);
        let zt = self.zero_threshold;
        let schema = self.schema;
        let above = |b: &[(i32, f64)]| -> Vec<(i32, f64)> {
            b.iter()
                .copied()
                .filter(|&(i, _)| exponential_bound(i, schema) > zt)
                .collect()
        };
        buckets_dropped(&above(&self.positive), &above(&prev.positive))
            || buckets_dropped(&above(&self.negative), &above(&prev.negative))
    }

    /// Every bucket from the lowest to the highest (negative buckets, the zero bucket
    /// when populated, positive buckets), bounds clipped at the zero bucket, as
    /// Prometheus' `AllBucketIterator`.
    pub fn all_buckets(&self) -> Vec<Bucket> {
        let zt = self.zero_threshold;
        let mut out = Vec::with_capacity(self.positive.len() + self.negative.len() + 1);
        for &(i, c) in self.negative.iter().rev() {
            let (lower, upper) = self.positive_bounds(i);
            let mut b = Bucket {
                lower: -upper,
                upper: -lower,
                count: c,
            };
            if b.upper < 0.0 && b.upper > -zt {
                b.upper = -zt;
            }
            out.push(b);
        }
        if self.zero_count > 0.0 && !self.uses_custom_buckets() {
            out.push(Bucket {
                lower: -zt,
                upper: zt,
                count: self.zero_count,
            });
        }
        for &(i, c) in &self.positive {
            let (mut lower, upper) = self.positive_bounds(i);
            if lower > 0.0 && lower < zt {
                lower = zt;
            }
            out.push(Bucket {
                lower,
                upper,
                count: c,
            });
        }
        out
    }

    /// Whether any count is infinite (an aggregation overflowed).
    pub fn has_overflow(&self) -> bool {
        !self.count.is_finite()
            || !self.sum.is_finite()
            || !self.zero_count.is_finite()
            || self
                .positive
                .iter()
                .chain(&self.negative)
                .any(|b| !b.1.is_finite())
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
    pub fn positive_bounds(&self, index: i32) -> (f64, f64) {
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

/// The upper bound of exponential bucket `index` in `schema`: 2^(index * 2^-schema),
/// with the last finite bucket ending at f64::MAX as in Prometheus.
pub fn exponential_bound(index: i32, schema: i32) -> f64 {
    if schema < 0 {
        let exp = (index as i64) << (-schema);
        if exp == 1024 {
            return f64::MAX;
        }
        return ldexp(1.0, exp);
    }
    let frac_idx = index & ((1 << schema) - 1);
    let frac = (2f64).powf(frac_idx as f64 / (1i64 << schema) as f64) / 2.0;
    let exp = ((index as i64) >> schema) + 1;
    if frac == 0.5 && exp == 1025 {
        return f64::MAX;
    }
    ldexp(frac, exp)
}

/// Go's `math.Ldexp`: frac × 2^exp without intermediate overflow.
fn ldexp(frac: f64, exp: i64) -> f64 {
    let mut v = frac;
    let mut e = exp;
    while e > 1000 {
        v *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        v *= 2f64.powi(-1000);
        e += 1000;
    }
    v * 2f64.powi(e as i32)
}

/// The point a trimmed bucket's surviving observations are taken to sit at.
fn trim_midpoint(lower: f64, upper: f64, positive: bool, linear: bool) -> f64 {
    if lower.is_infinite() {
        if upper.is_infinite() {
            return 0.0;
        }
        return if upper > 0.0 { upper / 2.0 } else { upper };
    }
    if upper.is_infinite() {
        return lower;
    }
    if linear {
        return (lower + upper) / 2.0;
    }
    let geo = (lower * upper).abs().sqrt();
    if positive {
        geo
    } else {
        -geo
    }
}

/// The share of a bucket below `v`: linear, or on a logarithmic scale.
fn fraction_below(b: &Bucket, v: f64, linear: bool) -> f64 {
    if linear {
        return (v - b.lower) / (b.upper - b.lower);
    }
    let (ll, lu, lv) = (b.lower.abs().log2(), b.upper.abs().log2(), v.abs().log2());
    if v > 0.0 {
        return (lv - ll) / (lu - ll);
    }
    1.0 - ((lv - lu) / (ll - lu))
}

/// How much of a bucket `rhs` cuts survives a trim, and where it sits.
fn bucket_trim(b: &Bucket, rhs: f64, upper_trim: bool, positive: bool, linear: bool) -> (f64, f64) {
    if b.lower == f64::NEG_INFINITY || b.upper == f64::INFINITY {
        return infinity_bucket_trim(b, rhs, upper_trim);
    }
    let under = if rhs <= b.lower {
        0.0
    } else if rhs >= b.upper {
        b.count
    } else {
        b.count * fraction_below(b, rhs, linear)
    };
    if upper_trim {
        (under, trim_midpoint(b.lower, rhs, positive, linear))
    } else {
        (
            b.count - under,
            trim_midpoint(rhs, b.upper, positive, linear),
        )
    }
}

fn infinity_bucket_trim(b: &Bucket, rhs: f64, upper_trim: bool) -> (f64, f64) {
    let zero_if_inf = |x: f64| if x.is_infinite() { 0.0 } else { x };
    if b.lower == f64::NEG_INFINITY {
        if upper_trim {
            if rhs >= b.upper {
                return (b.count, 0.0);
            }
            if rhs > 0.0 && b.upper > 0.0 && b.upper != f64::INFINITY {
                return (b.count * rhs / b.upper, rhs / 2.0);
            }
            if b.upper <= 0.0 {
                return (b.count, rhs);
            }
            return (0.0, zero_if_inf(b.upper));
        }
        if rhs <= b.lower {
            return (b.count, 0.0);
        }
        if rhs >= 0.0 && b.upper > rhs && b.upper != f64::INFINITY {
            return (b.count * (1.0 - rhs / b.upper), (rhs + b.upper) / 2.0);
        }
        return (0.0, zero_if_inf(b.upper));
    }
    if upper_trim {
        return (0.0, zero_if_inf(b.lower));
    }
    if rhs >= b.lower {
        return (b.count, rhs);
    }
    (0.0, zero_if_inf(b.lower))
}

fn zero_bucket_trim(
    count: f64,
    mut lower: f64,
    mut upper: f64,
    rhs: f64,
    has_negative: bool,
    has_positive: bool,
    upper_trim: bool,
) -> (f64, f64) {
    if has_negative && !has_positive {
        upper = 0.0;
    }
    if has_positive && !has_negative {
        lower = 0.0;
    }
    let (fraction, midpoint) = if upper_trim {
        if rhs <= lower {
            return (0.0, 0.0);
        }
        if rhs >= upper {
            return (count, (lower + upper) / 2.0);
        }
        ((rhs - lower) / (upper - lower), (lower + rhs) / 2.0)
    } else {
        if rhs <= lower {
            return (count, (lower + upper) / 2.0);
        }
        if rhs >= upper {
            return (0.0, 0.0);
        }
        ((upper - rhs) / (upper - lower), (rhs + upper) / 2.0)
    };
    (count * fraction, midpoint)
}

/// The mean of histograms as Prometheus' `avg` computes it: a Kahan sum while it
/// stays finite, then an incremental mean (`mean·(n-1)/n + h/n`, compensated).
pub fn kahan_mean<'a>(
    hists: impl IntoIterator<Item = &'a FloatHistogram>,
) -> Result<Option<FloatHistogram>, IncompatibleSchemas> {
    let mut sum: Option<(FloatHistogram, FloatHistogram)> = None;
    let mut mean: Option<(FloatHistogram, FloatHistogram)> = None;
    let mut n = 0.0;
    for h in hists {
        n += 1.0;
        if let Some((m, c)) = mean.take() {
            let q = (n - 1.0) / n;
            let (m, c, _) = m.mul(q).kahan_add(&c.mul(q), &h.div(n))?;
            mean = Some((m, c));
            continue;
        }
        match sum.take() {
            None => sum = Some((h.clone(), FloatHistogram::default().reduced_to(h.schema))),
            Some((s, c)) => {
                let (next, next_c, _) = s.kahan_add(&c, h)?;
                if next.has_overflow() {
                    mean = Some((s.div(n - 1.0), c.div(n - 1.0)));
                    let q = (n - 1.0) / n;
                    let (m, c) = mean.take().expect("just set");
                    let (m, c, _) = m.mul(q).kahan_add(&c.mul(q), &h.div(n))?;
                    mean = Some((m, c));
                } else {
                    sum = Some((next, next_c));
                }
            }
        }
    }
    Ok(match (mean, sum) {
        (Some((m, c)), _) => Some(m.kahan_finish(&c)),
        (None, Some((s, c))) => Some(s.div(n).kahan_finish(&c.div(n))),
        (None, None) => None,
    })
}

/// One bucket with its bounds, as the bucket iterators give it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub lower: f64,
    pub upper: f64,
    pub count: f64,
}

/// Adding histograms with exponential and custom buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncompatibleSchemas;

impl fmt::Display for IncompatibleSchemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot apply this operation on histograms with a mix of exponential and custom bucket schemas")
    }
}

/// The result of adding or subtracting two histograms, with what Prometheus warns of.
#[derive(Debug, Clone)]
pub struct Combined {
    pub histogram: FloatHistogram,
    pub counter_reset_collision: bool,
    pub custom_bounds_reconciled: bool,
}

/// Whether a populated bucket of `prev` is missing or smaller in `cur` (both sorted).
fn buckets_dropped(cur: &[(i32, f64)], prev: &[(i32, f64)]) -> bool {
    prev.iter().any(|&(i, c)| {
        if c == 0.0 {
            return false;
        }
        match cur.binary_search_by_key(&i, |b| b.0) {
            Ok(j) => cur[j].1 < c,
            Err(_) => true,
        }
    })
}

/// The bounds two custom-bucket layouts share.
fn intersect_bounds(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().copied().filter(|x| b.contains(x)).collect()
}

/// Adds `sign ×` each custom bucket into the bucket of the intersected layout `bounds`
/// that covers it.
fn map_custom(buckets: &[(i32, f64)], own: &[f64], bounds: &[f64], sign: f64, target: &mut [f64]) {
    for &(i, c) in buckets {
        let idx = match own.get(i as usize) {
            Some(&upper) => bounds.partition_point(|&b| b < upper),
            None => bounds.len(),
        };
        target[idx.min(bounds.len())] += sign * c;
    }
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
pub(super) fn go_g(v: f64) -> String {
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
        assert!(FloatHistogram::parse("{{schema:100}}").is_err());
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
