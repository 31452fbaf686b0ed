//! The in-memory sample store the engine reads: series by label set, samples sorted by
//! time, staleness markers kept as Prometheus keeps them (a special NaN).

use super::histogram::FloatHistogram;
use super::value::{is_stale, Labels};
use crate::promql::ast::{MatchOp, Matcher};
use regex::Regex;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct Storage {
    series: BTreeMap<Labels, Vec<(i64, f64)>>,
    /// Native histogram samples, by series. Selectors do not read them yet: the
    /// evaluator computes with floats only, so callers that load histograms must say
    /// that results leave them out (the promqltest runner does).
    histograms: BTreeMap<Labels, Vec<(i64, FloatHistogram)>>,
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
        let points = self.series.entry(labels).or_default();
        let mut sorted = true;
        for (t, v) in samples {
            if let Some(last) = points.last() {
                if last.0 >= t {
                    sorted = false;
                }
            }
            points.push((t, v));
        }
        if !sorted {
            points.sort_by_key(|p| p.0);
            // Keep the last value written at a timestamp.
            let mut dedup: Vec<(i64, f64)> = Vec::with_capacity(points.len());
            for p in points.drain(..) {
                match dedup.last_mut() {
                    Some(last) if last.0 == p.0 => *last = p,
                    _ => dedup.push(p),
                }
            }
            *points = dedup;
        }
    }

    /// Adds native histogram samples to a series; a later sample at the same time wins.
    pub fn append_histograms(
        &mut self,
        labels: Labels,
        samples: impl IntoIterator<Item = (i64, FloatHistogram)>,
    ) {
        let points = self.histograms.entry(labels).or_default();
        points.extend(samples);
        points.sort_by_key(|p| p.0);
        let mut dedup: Vec<(i64, FloatHistogram)> = Vec::with_capacity(points.len());
        for p in points.drain(..) {
            match dedup.last_mut() {
                Some(last) if last.0 == p.0 => *last = p,
                _ => dedup.push(p),
            }
        }
        *points = dedup;
    }

    pub fn has_histograms(&self) -> bool {
        !self.histograms.is_empty()
    }

    pub fn clear(&mut self) {
        self.series.clear();
        self.histograms.clear();
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
    ) -> impl Iterator<Item = (&'a Labels, &'a [(i64, f64)])> + 'a {
        // A series named by an equality matcher on __name__ is found by range scan.
        self.series
            .iter()
            .filter(move |(labels, _)| matchers.iter().all(|m| m.matches(labels.value(&m.name))))
            .map(|(l, p)| (l, p.as_slice()))
    }

    pub fn series(&self) -> impl Iterator<Item = (&Labels, &[(i64, f64)])> {
        self.series.iter().map(|(l, p)| (l, p.as_slice()))
    }
}

/// The latest sample at or before `t` and after `t - lookback`, unless it is a staleness
/// marker.
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
