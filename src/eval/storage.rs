//! The in-memory sample store the engine reads: series by label set, samples sorted by
//! time, staleness markers kept as Prometheus keeps them (a special NaN).

use super::histogram::{CounterResetHint, FloatHistogram};
use super::value::{is_stale, Labels};
use crate::promql::ast::{MatchOp, Matcher};
use regex::Regex;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct Storage {
    series: BTreeMap<Labels, SeriesData>,
}

/// One series' samples: floats (with staleness markers) and native histograms, each
/// sorted by time. A series may hold both kinds, at different times.
#[derive(Debug, Default, Clone)]
pub struct SeriesData {
    pub floats: Vec<(i64, f64)>,
    /// Histograms with the counter reset hints they are read back with (see
    /// [`SeriesData::store_hints`]).
    pub histograms: Vec<(i64, FloatHistogram)>,
    /// The hints the histograms were written with.
    written_hints: Vec<CounterResetHint>,
}

impl SeriesData {
    /// The counter reset hints a histogram is read back with from Prometheus' TSDB: a
    /// chunk's first sample reads "unknown" (Prometheus cannot trust the chunk before
    /// it), later samples of a counter chunk read "not reset", gauge histograms stay
    /// gauges. A reset, a layout change or a float sample in between cuts a chunk.
    ///
    /// Hints before index `from` are kept (appending in time order touches only the
    /// new samples, so a long rule test stays linear).
    fn store_hints(&mut self, from: usize) {
        let mut prev: Option<(i64, usize)> = from.checked_sub(1).map(|p| (self.histograms[p].0, p));
        for i in from..self.histograms.len() {
            let t = self.histograms[i].0;
            let written = self.written_hints[i];
            let hint = if written == CounterResetHint::Gauge {
                CounterResetHint::Gauge
            } else {
                let continues = prev.filter(|&(pt, _)| {
                    // A float sample between the two cuts the chunk.
                    let from = self.floats.partition_point(|f| f.0 <= pt);
                    let to = self.floats.partition_point(|f| f.0 < t);
                    from >= to
                });
                match continues {
                    _ if written == CounterResetHint::CounterReset => CounterResetHint::Unknown,
                    None => CounterResetHint::Unknown,
                    Some((_, p)) => {
                        let (before, cur) = (&self.histograms[p].1, &self.histograms[i].1);
                        if self.written_hints[p] == CounterResetHint::Gauge
                            || reset_between(before, cur)
                            || cur.schema != before.schema
                            || cur.zero_threshold != before.zero_threshold
                            || cur.custom_values != before.custom_values
                        {
                            CounterResetHint::Unknown
                        } else {
                            CounterResetHint::NotCounterReset
                        }
                    }
                }
            };
            self.histograms[i].1.counter_reset_hint = hint;
            prev = Some((t, i));
        }
    }
}

/// Whether `cur` cannot continue the counter `before` (Prometheus' chunk appendable
/// check), whatever hints they carry.
fn reset_between(before: &FloatHistogram, cur: &FloatHistogram) -> bool {
    let mut cur = cur.clone();
    cur.counter_reset_hint = CounterResetHint::Unknown;
    cur.detect_reset(before)
}

/// A compiled label matcher (regexes fully anchored, `.` matching newlines, as Prometheus).
pub struct LabelMatcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    regex: Option<Regex>,
}

impl LabelMatcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Self, String> {
        let regex = if op.is_regex() {
            Some(
                Regex::new(&format!("^(?s:{value})$"))
                    .map_err(|e| format!("invalid regular expression {value:?}: {e}"))?,
            )
        } else {
            None
        };
        Ok(LabelMatcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    pub fn from_ast(m: &Matcher) -> Result<Self, String> {
        Self::new(&m.name, m.op, &m.value)
    }

    pub fn matches(&self, value: &str) -> bool {
        match self.op {
            MatchOp::Equal => value == self.value,
            MatchOp::NotEqual => value != self.value,
            MatchOp::Regex => self.regex.as_ref().is_some_and(|r| r.is_match(value)),
            MatchOp::NotRegex => !self.regex.as_ref().is_some_and(|r| r.is_match(value)),
        }
    }
}

impl Storage {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds samples to a series; samples already present at the same time are replaced.
    pub fn append(&mut self, labels: Labels, samples: impl IntoIterator<Item = (i64, f64)>) {
        let data = self.series.entry(labels).or_default();
        let old_len = data.floats.len();
        let old_last = data.floats.last().map(|f| f.0);
        data.floats.extend(samples);
        let in_order = data.floats[old_len..]
            .iter()
            .zip(std::iter::once(old_last).chain(data.floats[old_len..].iter().map(|f| Some(f.0))))
            .all(|(f, before)| before.is_none_or(|b| b < f.0));
        // The first float that may cut a histogram chunk.
        let first_new = if in_order {
            data.floats.get(old_len).map(|f| f.0)
        } else {
            Some(i64::MIN)
        };
        sort_dedup(&mut data.floats);
        if let Some(t) = first_new {
            // Histograms after a new float may read different hints.
            let from = data.histograms.partition_point(|h| h.0 < t);
            if from < data.histograms.len() {
                data.store_hints(from);
            }
        }
    }

    /// Adds native histogram samples to a series; a later sample at the same time wins.
    pub fn append_histograms(
        &mut self,
        labels: Labels,
        samples: impl IntoIterator<Item = (i64, FloatHistogram)>,
    ) {
        let data = self.series.entry(labels).or_default();
        let old_len = data.histograms.len();
        let old_last = data.histograms.last().map(|h| h.0);
        data.histograms.extend(samples);
        let new = &data.histograms[old_len..];
        let in_order = new
            .iter()
            .zip(std::iter::once(old_last).chain(new.iter().map(|h| Some(h.0))))
            .all(|(h, before)| before.is_none_or(|b| b < h.0));
        if in_order {
            // The common case (a recording rule writing step by step): only the new
            // samples need hints.
            data.written_hints
                .extend(new.iter().map(|h| h.1.counter_reset_hint));
            data.store_hints(old_len);
            return;
        }
        // Restore the written hints before merging, then derive the stored ones.
        for (h, hint) in data.histograms.iter_mut().zip(&data.written_hints) {
            h.1.counter_reset_hint = *hint;
        }
        sort_dedup(&mut data.histograms);
        data.written_hints = data
            .histograms
            .iter()
            .map(|h| h.1.counter_reset_hint)
            .collect();
        data.store_hints(0);
    }

    pub fn has_histograms(&self) -> bool {
        self.series.values().any(|d| !d.histograms.is_empty())
    }

    pub fn clear(&mut self) {
        self.series.clear();
    }

    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Every series whose labels satisfy all matchers, in label order.
    pub fn select<'a>(
        &'a self,
        matchers: &'a [LabelMatcher],
    ) -> impl Iterator<Item = (&'a Labels, &'a SeriesData)> + 'a {
        self.series
            .iter()
            .filter(move |(labels, _)| matchers.iter().all(|m| m.matches(labels.value(&m.name))))
    }

    /// Every series with its float samples.
    pub fn series(&self) -> impl Iterator<Item = (&Labels, &[(i64, f64)])> {
        self.series.iter().map(|(l, d)| (l, d.floats.as_slice()))
    }
}

/// Sorts samples by time; of samples at the same time the one appended last stays.
fn sort_dedup<T>(points: &mut Vec<(i64, T)>) {
    if points.windows(2).all(|w| w[0].0 < w[1].0) {
        return;
    }
    points.sort_by_key(|p| p.0);
    let mut dedup: Vec<(i64, T)> = Vec::with_capacity(points.len());
    for p in points.drain(..) {
        match dedup.last_mut() {
            Some(last) if last.0 == p.0 => *last = p,
            _ => dedup.push(p),
        }
    }
    *points = dedup;
}

/// The latest float sample at or before `t` and after `t - lookback`, unless it is a
/// staleness marker.
pub fn instant_sample(points: &[(i64, f64)], t: i64, lookback: i64) -> Option<(i64, f64)> {
    let idx = points.partition_point(|p| p.0 <= t);
    if idx == 0 {
        return None;
    }
    let (st, v) = points[idx - 1];
    if st <= t - lookback || is_stale(v) {
        return None;
    }
    Some((st, v))
}

/// The latest sample of either kind at or before `t` and after `t - lookback`; none
/// when it is a staleness marker.
pub fn instant_point(
    data: &SeriesData,
    t: i64,
    lookback: i64,
) -> Option<(i64, f64, Option<&FloatHistogram>)> {
    let fi = data.floats.partition_point(|p| p.0 <= t);
    let hi = data.histograms.partition_point(|p| p.0 <= t);
    let float = fi.checked_sub(1).map(|i| data.floats[i]);
    let hist = hi.checked_sub(1).map(|i| &data.histograms[i]);
    let (st, v, h) = match (float, hist) {
        (Some(f), Some(h)) if h.0 > f.0 => (h.0, 0.0, Some(&h.1)),
        (Some(f), _) => (f.0, f.1, None),
        (None, Some(h)) => (h.0, 0.0, Some(&h.1)),
        (None, None) => return None,
    };
    if st <= t - lookback || (h.is_none() && is_stale(v)) {
        return None;
    }
    Some((st, v, h))
}

/// The samples in `(start, end]`, staleness markers left out.
pub fn range_samples(points: &[(i64, f64)], start: i64, end: i64) -> Vec<(i64, f64)> {
    let from = points.partition_point(|p| p.0 <= start);
    let to = points.partition_point(|p| p.0 <= end);
    points[from..to]
        .iter()
        .copied()
        .filter(|p| !is_stale(p.1))
        .collect()
}

/// The histogram samples in `(start, end]`.
pub fn range_histograms(
    points: &[(i64, FloatHistogram)],
    start: i64,
    end: i64,
) -> Vec<(i64, FloatHistogram)> {
    let from = points.partition_point(|p| p.0 <= start);
    let to = points.partition_point(|p| p.0 <= end);
    points[from..to].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(count: f64) -> FloatHistogram {
        FloatHistogram::parse(&format!(
            "{{{{schema:0 count:{count} sum:{count} buckets:[{count}]}}}}"
        ))
        .unwrap()
    }

    fn hints(store: &Storage) -> Vec<CounterResetHint> {
        let (_, data) = store.series.iter().next().unwrap();
        data.histograms
            .iter()
            .map(|p| p.1.counter_reset_hint)
            .collect()
    }

    #[test]
    fn histograms_read_back_with_tsdb_hints_however_appended() {
        let labels = Labels::from_pairs([("__name__", "h")]);
        let samples = [(0, h(1.0)), (60, h(2.0)), (120, h(1.0)), (180, h(3.0))];
        let mut at_once = Storage::new();
        at_once.append_histograms(labels.clone(), samples.clone());
        let mut one_by_one = Storage::new();
        for s in samples.iter().rev() {
            one_by_one.append_histograms(labels.clone(), [s.clone()]);
        }
        let mut in_order = Storage::new();
        for s in &samples {
            in_order.append_histograms(labels.clone(), [s.clone()]);
        }
        use CounterResetHint::*;
        // A chunk starts "unknown", the reset at 120 cuts a new one.
        let want = vec![Unknown, NotCounterReset, Unknown, NotCounterReset];
        assert_eq!(hints(&at_once), want);
        assert_eq!(hints(&one_by_one), want);
        assert_eq!(hints(&in_order), want);
        // A float sample at 150 cuts the chunk before the histogram at 180.
        in_order.append(labels, [(150, 1.0)]);
        assert_eq!(
            hints(&in_order),
            vec![Unknown, NotCounterReset, Unknown, Unknown]
        );
    }
}
