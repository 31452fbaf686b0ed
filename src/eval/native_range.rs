//! Range-vector functions over series that hold native histogram samples, as
//! Prometheus 3.14's `functions.go` evaluates them: `rate`/`increase`/`delta` with
//! counter reset detection, `irate`/`idelta`, `resets`/`changes`, the `*_over_time`
//! functions that read histograms, and the float-only ones that ignore them.

use super::engine::{Evaluator, RangeInput};
use super::histogram::{CounterResetHint, FloatHistogram};
use super::value::{Series, METRIC_NAME};
use crate::promql::ast::Span;
use crate::promql::text::go_quote;

/// A function's result for one series that holds histograms.
pub(super) enum Outcome {
    Float(f64),
    Histogram(FloatHistogram),
    /// No result for this series.
    Nothing,
    /// A float-only function: compute it over the float samples alone.
    FloatsOnly,
}

/// Where the annotations about one series point, and the metric it names.
pub(super) struct Site<'a> {
    pub span: Span,
    /// The span of the function's first argument (some annotations point there).
    pub first_arg: Span,
    pub series: &'a Series,
}

impl Site<'_> {
    fn name(&self) -> &str {
        self.series.labels.value(METRIC_NAME)
    }

    fn mixed_warning(&self, ev: &mut Evaluator) {
        ev.warn(
            format!(
                "encountered a mix of histograms and floats for metric name {}",
                go_quote(self.name())
            ),
            self.span.clone(),
        );
    }

    fn mixed_schemas_warning(&self, ev: &mut Evaluator) {
        ev.warn(
            format!(
                "vector contains a mix of histograms with exponential and custom buckets schemas for metric name {}",
                go_quote(self.name())
            ),
            self.span.clone(),
        );
    }

    fn not_counter(&self, ev: &mut Evaluator) {
        ev.warn(
            format!(
                "this native histogram metric is not a counter: {}",
                go_quote(self.name())
            ),
            self.span.clone(),
        );
    }

    fn not_gauge(&self, ev: &mut Evaluator) {
        ev.warn(
            format!(
                "this native histogram metric is not a gauge: {}",
                go_quote(self.name())
            ),
            self.span.clone(),
        );
    }
}

/// Evaluates `name` over a series with histogram samples.
pub(super) fn evaluate(ev: &mut Evaluator, name: &str, site: &Site, input: &RangeInput) -> Outcome {
    let s = site.series;
    let (floats, hists) = (&s.points, &s.hpoints);
    match name {
        "count_over_time" => Outcome::Float((floats.len() + hists.len()) as f64),
        "present_over_time" => Outcome::Float(1.0),
        "last_over_time" => match (floats.last(), hists.last()) {
            (Some(f), Some(h)) if f.0 > h.0 => Outcome::Float(f.1),
            (_, Some(h)) => Outcome::Histogram(h.1.clone()),
            (Some(f), None) => Outcome::Float(f.1),
            (None, None) => Outcome::Nothing,
        },
        "first_over_time" => match (floats.first(), hists.first()) {
            (Some(f), Some(h)) if f.0 < h.0 => Outcome::Float(f.1),
            (_, Some(h)) => Outcome::Histogram(h.1.clone()),
            (Some(f), None) => Outcome::Float(f.1),
            (None, None) => Outcome::Nothing,
        },
        "ts_of_last_over_time" => {
            let t = floats
                .last()
                .map_or(i64::MIN, |p| p.0)
                .max(hists.last().map_or(i64::MIN, |p| p.0));
            Outcome::Float(t as f64 / 1000.0)
        }
        "ts_of_first_over_time" => {
            let t = floats
                .first()
                .map_or(i64::MAX, |p| p.0)
                .min(hists.first().map_or(i64::MAX, |p| p.0));
            Outcome::Float(t as f64 / 1000.0)
        }
        "rate" | "increase" | "delta" => {
            if !floats.is_empty() {
                site.mixed_warning(ev);
                return Outcome::Nothing;
            }
            if input.anchored || input.smoothed {
                return match extended_rate(ev, site, hists, input, name != "delta", name == "rate")
                {
                    Some(h) => Outcome::Histogram(h),
                    None => Outcome::Nothing,
                };
            }
            match extrapolated_rate(ev, site, hists, input, name != "delta", name == "rate") {
                Some(h) => Outcome::Histogram(h),
                None => Outcome::Nothing,
            }
        }
        "irate" | "idelta" => instant_value(ev, site, name == "irate"),
        "resets" | "changes" => {
            let (floats, hists) = if input.anchored {
                match anchored_start(floats, hists, input.end - input.range) {
                    Some((f, h)) => (&floats[f..], &hists[h..]),
                    None => return Outcome::Nothing,
                }
            } else {
                (&floats[..], &hists[..])
            };
            Outcome::Float(count_changes(name == "resets", floats, hists))
        }
        "sum_over_time" | "avg_over_time" => {
            if !floats.is_empty() {
                site.mixed_warning(ev);
                return Outcome::Nothing;
            }
            sum_over_time(ev, site, hists, name == "avg_over_time")
        }
        _ => {
            if floats.is_empty() {
                return Outcome::Nothing;
            }
            ev.info(
                format!(
                    "ignored histograms in a range containing both floats and histograms for metric name {}",
                    go_quote(site.name())
                ),
                site.first_arg.clone(),
            );
            Outcome::FloatsOnly
        }
    }
}

/// `sum_over_time` / `avg_over_time` of histogram samples.
fn sum_over_time(
    ev: &mut Evaluator,
    site: &Site,
    hists: &[(i64, FloatHistogram)],
    average: bool,
) -> Outcome {
    let (mut reset_seen, mut not_reset_seen, mut reconciled) = (false, false, false);
    let mut sum: Option<(FloatHistogram, FloatHistogram)> = None;
    for (_, h) in hists {
        match h.counter_reset_hint {
            CounterResetHint::CounterReset => reset_seen = true,
            CounterResetHint::NotCounterReset => not_reset_seen = true,
            _ => {}
        }
        sum = Some(match sum {
            None => (h.clone(), FloatHistogram::default()),
            Some((acc, comp)) => match acc.kahan_add(&comp, h) {
                Ok((acc, comp, c)) => {
                    reconciled |= c.custom_bounds_reconciled;
                    (acc, comp)
                }
                Err(_) => {
                    site.mixed_schemas_warning(ev);
                    return Outcome::Nothing;
                }
            },
        });
    }
    if reset_seen && not_reset_seen {
        ev.warn(
            "conflicting counter resets during histogram aggregation",
            site.first_arg.clone(),
        );
    }
    if reconciled {
        ev.info(
            "mismatched custom buckets were reconciled during aggregation",
            site.first_arg.clone(),
        );
    }
    let Some((acc, comp)) = sum else {
        return Outcome::Nothing;
    };
    let mut sum = acc.kahan_finish(&comp);
    if average {
        sum = match super::histogram::kahan_mean(hists.iter().map(|p| &p.1)) {
            Ok(Some(mean)) => mean,
            _ => return Outcome::Nothing,
        };
    }
    Outcome::Histogram(sum.compact())
}

/// Prometheus' `histogramRate`: last minus first, with the histograms that follow a
/// counter reset added back; a gauge histogram.
fn histogram_rate(
    ev: &mut Evaluator,
    site: &Site,
    points: &[(i64, FloatHistogram)],
    is_counter: bool,
) -> Option<FloatHistogram> {
    let mut prev = points[0].1.clone();
    let last = &points[points.len() - 1].1;
    let gauge = CounterResetHint::Gauge;
    if is_counter && (prev.counter_reset_hint == gauge || last.counter_reset_hint == gauge) {
        site.not_counter(ev);
    }
    if is_counter && points[1].1.detect_reset(&prev) {
        let second = &points[1].1;
        prev = FloatHistogram {
            schema: second.schema,
            custom_values: second.custom_values.clone(),
            ..FloatHistogram::default()
        };
    }
    let custom = prev.uses_custom_buckets();
    if last.uses_custom_buckets() != custom {
        site.mixed_schemas_warning(ev);
        return None;
    }
    let mut min_schema = last.schema.min(prev.schema);
    for (_, h) in &points[1..points.len() - 1] {
        if !is_counter {
            continue;
        }
        if h.counter_reset_hint == gauge {
            site.not_counter(ev);
        }
        min_schema = min_schema.min(h.schema);
        if h.uses_custom_buckets() != custom {
            site.mixed_schemas_warning(ev);
            return None;
        }
    }
    let mut result = match last.reduced_to(min_schema).combine(&prev, -1.0) {
        Ok(c) => {
            if c.custom_bounds_reconciled {
                ev.info(
                    "mismatched custom buckets were reconciled during subtraction",
                    site.span.clone(),
                );
            }
            c.histogram
        }
        Err(_) => {
            site.mixed_schemas_warning(ev);
            return None;
        }
    };
    if is_counter {
        // After a reset between the first two samples the first one counts as empty.
        let mut prev = &prev;
        for (_, curr) in &points[1..] {
            if curr.detect_reset(prev) {
                match result.combine(prev, 1.0) {
                    Ok(c) => {
                        if c.custom_bounds_reconciled {
                            ev.info(
                                "mismatched custom buckets were reconciled during addition",
                                site.span.clone(),
                            );
                        }
                        result = c.histogram;
                    }
                    Err(_) => {
                        site.mixed_schemas_warning(ev);
                        return None;
                    }
                }
            }
            prev = curr;
        }
    } else if points[0].1.counter_reset_hint != gauge || last.counter_reset_hint != gauge {
        site.not_gauge(ev);
    }
    result.counter_reset_hint = gauge;
    Some(result.compact())
}

/// `rate`, `increase` and `delta` of histogram samples, extrapolated to the window's
/// edges as for floats.
fn extrapolated_rate(
    ev: &mut Evaluator,
    site: &Site,
    points: &[(i64, FloatHistogram)],
    input: &RangeInput,
    is_counter: bool,
    is_rate: bool,
) -> Option<FloatHistogram> {
    if points.len() < 2 {
        return None;
    }
    let mut result = histogram_rate(ev, site, points, is_counter)?;
    let range_start = input.end - input.range;
    let (first_t, first) = (points[0].0, &points[0].1);
    let last_t = points[points.len() - 1].0;
    let mut to_start = (first_t - range_start) as f64 / 1000.0;
    let mut to_end = (input.end - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let avg_between = sampled / (points.len() - 1) as f64;
    let threshold = avg_between * 1.1;
    if to_start >= threshold {
        to_start = avg_between / 2.0;
    }
    if is_counter && result.count > 0.0 && first.count >= 0.0 {
        let to_zero = sampled * (first.count / result.count);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = avg_between / 2.0;
    }
    let mut factor = if sampled != 0.0 {
        (sampled + to_start + to_end) / sampled
    } else {
        1.0
    };
    if is_rate {
        factor /= input.range as f64 / 1000.0;
    }
    let hint = result.counter_reset_hint;
    result = result.mul(factor);
    result.counter_reset_hint = hint;
    Some(result)
}

/// `irate` / `idelta`: the last two samples of either kind.
fn instant_value(ev: &mut Evaluator, site: &Site, is_rate: bool) -> Outcome {
    let s = site.series;
    if s.points.len() + s.hpoints.len() < 2 {
        return Outcome::Nothing;
    }
    let mut last: Vec<(i64, f64, Option<&FloatHistogram>)> = s
        .points
        .iter()
        .rev()
        .take(2)
        .map(|p| (p.0, p.1, None))
        .chain(
            s.hpoints
                .iter()
                .rev()
                .take(2)
                .map(|p| (p.0, 0.0, Some(&p.1))),
        )
        .collect();
    last.sort_by_key(|p| p.0);
    let (p0, p1) = (last[last.len() - 2], last[last.len() - 1]);
    let interval = p1.0 - p0.0;
    if interval == 0 {
        return Outcome::Nothing;
    }
    let (Some(h0), Some(h1)) = (p0.2, p1.2) else {
        if p0.2.is_none() && p1.2.is_none() {
            let mut v = p1.1;
            if !is_rate || p1.1 >= p0.1 {
                v = p1.1 - p0.1;
            }
            if is_rate {
                v /= interval as f64 / 1000.0;
            }
            return Outcome::Float(v);
        }
        site.mixed_warning(ev);
        return Outcome::Nothing;
    };
    let gauge = CounterResetHint::Gauge;
    if is_rate && (h1.counter_reset_hint == gauge || h0.counter_reset_hint == gauge) {
        site.not_counter(ev);
    }
    if !is_rate && (h1.counter_reset_hint != gauge || h0.counter_reset_hint != gauge) {
        site.not_gauge(ev);
    }
    let mut result = h1.clone();
    if !is_rate || !h1.detect_reset(h0) {
        match h1.combine(h0, -1.0) {
            Ok(c) => {
                if c.custom_bounds_reconciled {
                    ev.info(
                        "mismatched custom buckets were reconciled during subtraction",
                        site.span.clone(),
                    );
                }
                result = c.histogram;
            }
            Err(_) => {
                site.mixed_schemas_warning(ev);
                return Outcome::Nothing;
            }
        }
    }
    result.counter_reset_hint = gauge;
    let mut result = result.compact();
    if is_rate {
        result = result.div(interval as f64 / 1000.0);
        result.counter_reset_hint = gauge;
    }
    Outcome::Histogram(result)
}

/// `resets` / `changes` over samples of both kinds in time order: a switch between a
/// float and a histogram counts as one.
fn count_changes(resets: bool, floats: &[(i64, f64)], hists: &[(i64, FloatHistogram)]) -> f64 {
    let mut merged: Vec<(i64, f64, Option<&FloatHistogram>)> = floats
        .iter()
        .map(|p| (p.0, p.1, None))
        .chain(hists.iter().map(|p| (p.0, 0.0, Some(&p.1))))
        .collect();
    merged.sort_by_key(|p| p.0);
    let mut n = 0.0;
    for w in merged.windows(2) {
        let (prev, cur) = (w[0], w[1]);
        let counted = match (prev.2, cur.2) {
            (None, None) if resets => cur.1 < prev.1,
            (None, None) => cur.1 != prev.1 && !(cur.1.is_nan() && prev.1.is_nan()),
            (Some(p), Some(c)) if resets => c.detect_reset(p),
            (Some(p), Some(c)) => !c.equals(p),
            _ => true,
        };
        if counted {
            n += 1.0;
        }
    }
    n
}

/// Prometheus' `pickFirstSampleIndices` for an anchored window: where the float and
/// histogram samples start so that the last sample at or before the window's start
/// (of either kind) anchors it; none without a sample inside the window.
fn anchored_start(
    floats: &[(i64, f64)],
    hists: &[(i64, FloatHistogram)],
    start: i64,
) -> Option<(usize, usize)> {
    let float_le = floats.partition_point(|p| p.0 <= start) as isize - 1;
    let hist_le = hists.partition_point(|p| p.0 <= start) as isize - 1;
    if float_le + 1 >= floats.len() as isize && hist_le + 1 >= hists.len() as isize {
        return None;
    }
    Some(match (float_le, hist_le) {
        (f, h) if f < 0 && h < 0 => (0, 0),
        (f, h) if h < 0 || (f >= 0 && floats[f as usize].0 >= hists[h as usize].0) => {
            (f as usize, (h + 1) as usize)
        }
        (f, h) => ((f + 1) as usize, h as usize),
    })
}

/// The histogram at `t` between two samples: linear in every count; after a counter
/// reset the later sample scaled down from zero.
fn interpolate(
    (t1, h1): (i64, &FloatHistogram),
    (t2, h2): (i64, &FloatHistogram),
    t: i64,
    is_counter: bool,
) -> Result<FloatHistogram, super::histogram::IncompatibleSchemas> {
    if t == t1 {
        return Ok(h1.clone());
    }
    if t == t2 {
        return Ok(h2.clone());
    }
    let fraction = (t - t1) as f64 / (t2 - t1) as f64;
    if is_counter && h2.detect_reset(h1) {
        return Ok(h2.mul(fraction));
    }
    let diff = h2.combine(h1, -1.0)?.histogram;
    let mut diff = diff.mul(fraction);
    diff.counter_reset_hint = h2.counter_reset_hint;
    Ok(diff.combine(h1, 1.0)?.histogram)
}

/// `rate`/`increase`/`delta` of histograms over an anchored or smoothed window: the
/// difference of the values at the window's edges, corrected for counter resets.
fn extended_rate(
    ev: &mut Evaluator,
    site: &Site,
    h: &[(i64, FloatHistogram)],
    input: &RangeInput,
    is_counter: bool,
    is_rate: bool,
) -> Option<FloatHistogram> {
    let (start, end) = (input.end - input.range, input.end);
    let smoothed = input.smoothed;
    let mut last = h.len() - 1;
    let first = h[..last]
        .partition_point(|p| p.0 <= start)
        .saturating_sub(1);
    if smoothed {
        last = h[..last].partition_point(|p| p.0 < end);
    }
    if h[last].0 <= start || (smoothed && h[first].0 > end) {
        return None;
    }
    let window = &h[first..=last];
    let custom = window[0].1.uses_custom_buckets();
    for (_, p) in window {
        if p.uses_custom_buckets() != custom {
            site.mixed_schemas_warning(ev);
            return None;
        }
        if is_counter && p.counter_reset_hint == CounterResetHint::Gauge {
            site.not_counter(ev);
        }
    }
    let at = |i: usize| (h[i].0, &h[i].1);
    let left = if smoothed && h[first].0 < start {
        interpolate(at(first), at(first + 1), start, is_counter)
    } else {
        Ok(h[first].1.clone())
    };
    let right = if smoothed && last > 0 && h[last].0 > end {
        interpolate(at(last - 1), at(last), end, is_counter)
    } else {
        Ok(h[last].1.clone())
    };
    let (Ok(left), Ok(right)) = (left, right) else {
        site.mixed_schemas_warning(ev);
        return None;
    };
    let gauge = CounterResetHint::Gauge;
    if !is_counter && (left.counter_reset_hint != gauge || right.counter_reset_hint != gauge) {
        site.not_gauge(ev);
    }
    let Ok(diff) = right.combine(&left, -1.0) else {
        site.mixed_schemas_warning(ev);
        return None;
    };
    let mut result = diff.histogram;
    if is_counter {
        let mut from = first + 1;
        let mut prev = &left;
        if smoothed && h[first].0 < start && h[first + 1].1.detect_reset(&h[first].1) {
            prev = &h[first + 1].1;
            from += 1;
        }
        if from <= last {
            let mut correction: Option<FloatHistogram> = None;
            let mut add = |c: &FloatHistogram| -> bool {
                correction = Some(match correction.take() {
                    None => c.clone(),
                    Some(acc) => match acc.combine(c, 1.0) {
                        Ok(x) => x.histogram,
                        Err(_) => return false,
                    },
                });
                true
            };
            for (_, p) in &h[from..last] {
                if p.detect_reset(prev) && !add(prev) {
                    site.mixed_schemas_warning(ev);
                    return None;
                }
                prev = p;
            }
            if right.detect_reset(prev) && !add(prev) {
                site.mixed_schemas_warning(ev);
                return None;
            }
            if let Some(c) = correction {
                match result.combine(&c, 1.0) {
                    Ok(x) => result = x.histogram,
                    Err(_) => {
                        site.mixed_schemas_warning(ev);
                        return None;
                    }
                }
            }
        }
    }
    if is_rate {
        result = result.div(input.range as f64 / 1000.0);
    }
    result.counter_reset_hint = gauge;
    Some(result.compact())
}
