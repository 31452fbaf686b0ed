//! The evaluator: a query is evaluated step by step; each node of the AST is evaluated at
//! one timestamp. A range query is its instant evaluation at every step, merged into
//! series (Prometheus' step grid and results, without its batching).

use super::storage::{instant_point, range_histograms, range_samples, LabelMatcher, Storage};
use super::value::{Labels, Sample, Series, Value};
use crate::promql::ast::*;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::rc::Rc;

/// Engine settings (Prometheus' `EngineOpts` that change results).
#[derive(Debug, Clone)]
pub struct Engine {
    /// How far back an instant selector looks for a sample (Prometheus: 5m).
    pub lookback_ms: i64,
    /// The step of a subquery written without one (`x[5m:]`): the rule group's
    /// evaluation interval, or 1m in Prometheus' engine tests.
    pub default_subquery_step_ms: i64,
    /// Most samples a query may hold at one step (bounds memory on hostile input).
    pub max_samples: usize,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            lookback_ms: 5 * 60 * 1000,
            default_subquery_step_ms: 60 * 1000,
            max_samples: 50_000_000,
        }
    }
}

/// A query that could not be evaluated, in Prometheus' words.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub message: String,
}

impl EvalError {
    pub fn new(message: impl Into<String>) -> Self {
        EvalError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

pub type EvalResult<T> = Result<T, EvalError>;

/// A warning or info annotation, about the expression at `span`.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub warning: bool,
    pub message: String,
    pub span: Span,
}

impl Annotation {
    /// As Prometheus' API renders it: `PromQL info: ... (line:column)`.
    pub fn render(&self, query: &str) -> String {
        let before = &query[..self.span.start.min(query.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        let kind = if self.warning { "warning" } else { "info" };
        format!("PromQL {kind}: {} ({line}:{col})", self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub value: Value,
    pub annotations: Vec<Annotation>,
}

impl Engine {
    /// Evaluates `expr` at `t` (milliseconds).
    pub fn instant(&self, storage: &Storage, expr: &Expr, t: i64) -> EvalResult<QueryResult> {
        let mut ev = Evaluator::new(self, storage, t, t, 0);
        let value = ev.eval(expr, t)?;
        let value = finish_names(value)?;
        Ok(QueryResult {
            value,
            annotations: dedup_annotations(ev.annotations),
        })
    }

    /// Evaluates `expr` at every step from `start` to `end` (milliseconds); the result
    /// is a matrix sorted by labels (a scalar becomes one series without labels).
    pub fn range(
        &self,
        storage: &Storage,
        expr: &Expr,
        start: i64,
        end: i64,
        step: i64,
    ) -> EvalResult<QueryResult> {
        if step <= 0 {
            return Err(EvalError::new(
                "zero or negative query resolution step widths are not accepted",
            ));
        }
        match expr.value_type() {
            ValueType::Vector | ValueType::Scalar => {}
            other => {
                return Err(EvalError::new(format!(
                "invalid expression type {:?} for range query, must be Scalar or instant Vector",
                other.documented()
            )))
            }
        }
        let mut ev = Evaluator::new(self, storage, start, end, step);
        let mut index: FxHashMap<Labels, usize> = FxHashMap::default();
        let mut out: Vec<Series> = Vec::new();
        let mut t = start;
        while t <= end {
            let value = ev.eval(expr, t)?;
            let samples = match value {
                Value::Scalar(v) => vec![Sample::float(Labels::new(), v, t, false)],
                Value::Vector(v) => v,
                _ => unreachable!("checked above"),
            };
            for s in samples {
                let labels = if s.drop_name {
                    s.labels.without_name()
                } else {
                    s.labels
                };
                match index.get(&labels) {
                    Some(&i) => {
                        if out[i].has_point_at(t) {
                            return Err(EvalError::new(
                                "vector cannot contain metrics with the same labelset",
                            ));
                        }
                        out[i].push(t, s.value, s.h);
                    }
                    None => {
                        index.insert(labels.clone(), out.len());
                        let mut series = Series::new(labels, false);
                        series.push(t, s.value, s.h);
                        out.push(series);
                    }
                }
            }
            t += step;
        }
        out.sort_by(|a, b| a.labels.cmp(&b.labels));
        Ok(QueryResult {
            value: Value::Matrix(out),
            annotations: dedup_annotations(ev.annotations),
        })
    }
}

fn dedup_annotations(mut annotations: Vec<Annotation>) -> Vec<Annotation> {
    let mut seen = std::collections::HashSet::new();
    annotations.retain(|a| seen.insert((a.warning, a.message.clone(), a.span.clone())));
    annotations
}

/// Delayed name removal, at the end of the query: drop the names marked for dropping,
/// then refuse a vector with two equal label sets.
fn finish_names(value: Value) -> EvalResult<Value> {
    match value {
        Value::Vector(mut v) => {
            for s in &mut v {
                if s.drop_name {
                    s.labels = s.labels.without_name();
                    s.drop_name = false;
                }
            }
            check_unique(&v)?;
            Ok(Value::Vector(v))
        }
        Value::Matrix(mut m) => {
            for s in &mut m {
                if s.drop_name {
                    s.labels = s.labels.without_name();
                    s.drop_name = false;
                }
            }
            let mut seen = std::collections::HashSet::new();
            if m.iter().any(|s| !seen.insert(&s.labels)) {
                return Err(EvalError::new(
                    "vector cannot contain metrics with the same labelset",
                ));
            }
            Ok(Value::Matrix(m))
        }
        other => Ok(other),
    }
}

pub(super) fn check_unique(v: &[Sample]) -> EvalResult<()> {
    if v.len() < 2 {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::with_capacity(v.len());
    for s in v {
        if !seen.insert(&s.labels) {
            return Err(EvalError::new(
                "vector cannot contain metrics with the same labelset",
            ));
        }
    }
    Ok(())
}

/// A range vector and the window it was read from (for extrapolation).
pub(super) struct RangeInput {
    pub series: Vec<Series>,
    /// The window is `(end - range, end]`.
    pub end: i64,
    pub range: i64,
    /// `anchored`: the samples include the last one at or before the window's start.
    pub anchored: bool,
    /// `smoothed`: also the first sample after the window's end.
    pub smoothed: bool,
}

pub(super) struct Evaluator<'a> {
    pub engine: &'a Engine,
    pub storage: &'a Storage,
    pub start: i64,
    pub end: i64,
    pub step: i64,
    pub annotations: Vec<Annotation>,
    matchers: HashMap<usize, Rc<Vec<LabelMatcher>>>,
    /// Inside `histogram_count`/`histogram_sum`/`histogram_avg` (and no subquery or
    /// bucket-reading function in between): Prometheus reads histograms there through
    /// its `HistogramStatsIterator`, which detects counter resets on the fly and gives
    /// "unknown" hints a definite value.
    pub stats_decoding: bool,
}

/// Milliseconds from seconds, as Prometheus converts durations and `@` timestamps.
pub(super) fn ms(seconds: f64) -> i64 {
    (seconds * 1000.0).round() as i64
}

impl<'a> Evaluator<'a> {
    pub fn new(engine: &'a Engine, storage: &'a Storage, start: i64, end: i64, step: i64) -> Self {
        Evaluator {
            engine,
            storage,
            start,
            end,
            step,
            annotations: Vec::new(),
            matchers: HashMap::new(),
            stats_decoding: false,
        }
    }

    pub fn warn(&mut self, message: impl Into<String>, span: Span) {
        self.annotations.push(Annotation {
            warning: true,
            message: message.into(),
            span,
        });
    }

    pub fn info(&mut self, message: impl Into<String>, span: Span) {
        self.annotations.push(Annotation {
            warning: false,
            message: message.into(),
            span,
        });
    }

    pub fn eval(&mut self, expr: &Expr, ts: i64) -> EvalResult<Value> {
        // Deep expressions recurse deeply; grow the stack as the parser does.
        stacker::maybe_grow(128 * 1024, 2 * 1024 * 1024, || self.eval_node(expr, ts))
    }

    fn eval_node(&mut self, expr: &Expr, ts: i64) -> EvalResult<Value> {
        match expr {
            Expr::Number(n) => Ok(Value::Scalar(n.value)),
            Expr::String(s) => Ok(Value::String(s.value.clone())),
            Expr::Paren(p) => self.eval(&p.expr, ts),
            Expr::Unary(u) => {
                let v = self.eval(&u.expr, ts)?;
                if u.op == UnaryOp::Pos {
                    return Ok(v);
                }
                Ok(match v {
                    Value::Scalar(x) => Value::Scalar(-x),
                    Value::Vector(mut samples) => {
                        for s in &mut samples {
                            match &mut s.h {
                                Some(h) => **h = h.mul(-1.0),
                                None => s.value = -s.value,
                            }
                            s.drop_name = true;
                        }
                        Value::Vector(samples)
                    }
                    other => other,
                })
            }
            Expr::Selector(sel) if sel.modifiers.smoothed.is_some() => {
                Ok(Value::Vector(self.select_smoothed(sel, ts)?))
            }
            Expr::Selector(sel) => Ok(Value::Vector(self.select_instant(sel, ts)?)),
            Expr::Matrix(m) => {
                let input = self.select_range(m, ts)?;
                if !(input.anchored || input.smoothed) {
                    return Ok(Value::Matrix(input.series));
                }
                let (start, end) = (input.end - input.range, input.end);
                Ok(Value::Matrix(
                    input
                        .series
                        .into_iter()
                        .filter_map(|mut s| {
                            s.points = extend_points(&s.points, start, end, input.smoothed);
                            (!s.is_empty()).then_some(s)
                        })
                        .collect(),
                ))
            }
            Expr::Subquery(sq) => Ok(Value::Matrix(self.subquery(sq, ts)?.series)),
            Expr::Call(call) => super::functions::call(self, call, ts),
            Expr::Aggregate(agg) => super::aggregate::aggregate(self, agg, ts),
            Expr::Binary(bin) => super::binary::binary(self, bin, ts),
        }
    }

    /// Evaluates an argument that must be a scalar.
    pub fn eval_scalar(&mut self, expr: &Expr, ts: i64) -> EvalResult<f64> {
        match self.eval(expr, ts)? {
            Value::Scalar(v) => Ok(v),
            other => Err(EvalError::new(format!(
                "expected scalar, got {}",
                other.type_name()
            ))),
        }
    }

    pub fn eval_vector(&mut self, expr: &Expr, ts: i64) -> EvalResult<Vec<Sample>> {
        match self.eval(expr, ts)? {
            Value::Vector(v) => Ok(v),
            Value::Scalar(v) => Ok(vec![Sample::float(Labels::new(), v, ts, false)]),
            other => Err(EvalError::new(format!(
                "expected instant vector, got {}",
                other.type_name()
            ))),
        }
    }

    /// Evaluates a range-vector argument (a range selector or subquery, maybe in
    /// parentheses) with the window it covers.
    pub fn eval_range(&mut self, expr: &Expr, ts: i64) -> EvalResult<RangeInput> {
        match expr.unparen() {
            Expr::Matrix(m) => self.select_range(m, ts),
            Expr::Subquery(sq) => self.subquery(sq, ts),
            other => Err(EvalError::new(format!(
                "expected range vector, got {}",
                other.value_type().documented()
            ))),
        }
    }

    pub fn duration(&self, d: &DurationExpr) -> EvalResult<f64> {
        Ok(match d {
            DurationExpr::Literal { value, .. } => *value,
            DurationExpr::Step { .. } => self.step as f64 / 1000.0,
            DurationExpr::Range { .. } => (self.end - self.start) as f64 / 1000.0,
            DurationExpr::MinOf { args, .. } => {
                self.duration(&args.0)?.min(self.duration(&args.1)?)
            }
            DurationExpr::MaxOf { args, .. } => {
                self.duration(&args.0)?.max(self.duration(&args.1)?)
            }
            DurationExpr::Neg { expr, .. } => -self.duration(expr)?,
            DurationExpr::Paren { expr, .. } => self.duration(expr)?,
            DurationExpr::Binary { op, lhs, rhs, .. } => {
                let (l, r) = (self.duration(lhs)?, self.duration(rhs)?);
                match op {
                    DurationOp::Add => l + r,
                    DurationOp::Sub => l - r,
                    DurationOp::Mul => l * r,
                    DurationOp::Div if r == 0.0 => return Err(EvalError::new("division by zero")),
                    DurationOp::Div => l / r,
                    DurationOp::Mod if r == 0.0 => return Err(EvalError::new("modulo by zero")),
                    DurationOp::Mod => l % r,
                    DurationOp::Pow => l.powf(r),
                }
            }
        })
    }

    /// A duration in milliseconds; ranges and steps must be positive.
    fn duration_ms(&self, d: &DurationExpr, allow_negative: bool) -> EvalResult<i64> {
        let s = self.duration(d)?;
        if !s.is_finite() {
            return Err(EvalError::new("duration is NaN or infinite"));
        }
        if s <= 0.0 && !allow_negative {
            return Err(EvalError::new("duration must be greater than 0"));
        }
        Ok((s * 1000.0).round() as i64)
    }

    /// The time a selector or subquery reads at: its `@` (or the evaluation time) minus
    /// its offset.
    fn reference_time(&self, modifiers: &Modifiers, ts: i64) -> EvalResult<i64> {
        let base = match modifiers.at.as_ref().map(|a| a.value) {
            Some(AtValue::Timestamp(s)) => ms(s),
            Some(AtValue::Start) => self.start,
            Some(AtValue::End) => self.end,
            None => ts,
        };
        let offset = match &modifiers.offset {
            Some(o) => self.duration_ms(&o.duration, true)?,
            None => 0,
        };
        Ok(base - offset)
    }

    fn matchers(&mut self, sel: &VectorSelector) -> EvalResult<Rc<Vec<LabelMatcher>>> {
        let key = sel as *const VectorSelector as usize;
        if let Some(m) = self.matchers.get(&key) {
            return Ok(m.clone());
        }
        let mut list = Vec::with_capacity(sel.matchers.len() + 1);
        if let Some(name) = &sel.name {
            list.push(
                LabelMatcher::new("__name__", MatchOp::Equal, &name.name)
                    .map_err(EvalError::new)?,
            );
        }
        for m in &sel.matchers {
            list.push(LabelMatcher::from_ast(m).map_err(EvalError::new)?);
        }
        let rc = Rc::new(list);
        self.matchers.insert(key, rc.clone());
        Ok(rc)
    }

    pub fn select_instant(&mut self, sel: &VectorSelector, ts: i64) -> EvalResult<Vec<Sample>> {
        let t = self.reference_time(&sel.modifiers, ts)?;
        let matchers = self.matchers(sel)?;
        let lookback = self.engine.lookback_ms;
        let out: Vec<Sample> = self
            .storage
            .select(&matchers)
            .filter_map(|(labels, data)| {
                instant_point(data, t, lookback).map(|(st, v, h)| Sample {
                    labels: labels.clone(),
                    value: v,
                    h: h.map(|h| {
                        let mut h = Box::new(h.clone());
                        if self.stats_decoding {
                            let i = data.histograms.partition_point(|p| p.0 < st);
                            let prev = i
                                .checked_sub(1)
                                .map(|j| &data.histograms[j])
                                .filter(|p| p.0 > t - lookback)
                                .map(|p| &p.1);
                            on_the_fly_hint(&mut h, prev);
                        }
                        h
                    }),
                    t: st,
                    drop_name: false,
                })
            })
            .collect();
        self.check_size(out.len())?;
        Ok(out)
    }

    fn check_size(&self, n: usize) -> EvalResult<()> {
        if n > self.engine.max_samples {
            return Err(EvalError::new(
                "query processing would load too many samples into memory in query execution",
            ));
        }
        Ok(())
    }

    /// A `smoothed` instant selector: the value at the reference time interpolated
    /// between the samples around it (within the lookback on both sides).
    fn select_smoothed(&mut self, sel: &VectorSelector, ts: i64) -> EvalResult<Vec<Sample>> {
        let t = self.reference_time(&sel.modifiers, ts)?;
        let matchers = self.matchers(sel)?;
        let lb = self.engine.lookback_ms;
        let mut out = Vec::new();
        for (labels, data) in self.storage.select(&matchers) {
            let hists = range_histograms(&data.histograms, t - lb, t + lb);
            if !hists.is_empty() {
                if !range_samples(&data.floats, t - lb, t + lb).is_empty() {
                    self.warn(
                        format!(
                            "encountered a mix of histograms and floats for metric name {}",
                            crate::promql::text::go_quote(labels.value(super::value::METRIC_NAME))
                        ),
                        sel.span.clone(),
                    );
                    continue;
                }
                if let Some(h) = self.smoothed_histogram(&hists, t, labels, sel.span.clone()) {
                    out.push(Sample::histogram(labels.clone(), h, t, false));
                }
                continue;
            }
            let p = range_samples(&data.floats, t - lb, t + lb);
            let i = p.partition_point(|x| x.0 < t);
            let value = if i < p.len() && p[i].0 == t {
                p[i].1
            } else if i > 0 && i < p.len() {
                interpolate(p[i - 1], p[i], t, false)
            } else if i > 0 {
                p[i - 1].1
            } else {
                continue;
            };
            out.push(Sample::float(labels.clone(), value, t, false));
        }
        Ok(out)
    }

    /// A `smoothed` selector's histogram at `t`: the sample there, or interpolated
    /// between the samples around it (a counter unless both are gauges), or the one
    /// before it carried forward with an unknown reset hint.
    fn smoothed_histogram(
        &mut self,
        hists: &[(i64, super::histogram::FloatHistogram)],
        t: i64,
        labels: &Labels,
        span: Span,
    ) -> Option<super::histogram::FloatHistogram> {
        use super::histogram::CounterResetHint;
        let i = hists.partition_point(|p| p.0 < t);
        if i < hists.len() && hists[i].0 == t {
            return Some(hists[i].1.clone());
        }
        if i == 0 {
            return None;
        }
        let prev = &hists[i - 1];
        if i < hists.len() {
            let next = &hists[i];
            let gauge = CounterResetHint::Gauge;
            let is_counter =
                prev.1.counter_reset_hint != gauge || next.1.counter_reset_hint != gauge;
            let fraction = (t - prev.0) as f64 / (next.0 - prev.0) as f64;
            let result = if prev.1.uses_custom_buckets() != next.1.uses_custom_buckets() {
                Err(super::histogram::IncompatibleSchemas)
            } else if is_counter && next.1.detect_reset(&prev.1) {
                Ok(next.1.mul(fraction))
            } else {
                next.1.combine(&prev.1, -1.0).and_then(|d| {
                    let mut d = d.histogram.mul(fraction);
                    d.counter_reset_hint = next.1.counter_reset_hint;
                    d.combine(&prev.1, 1.0).map(|c| c.histogram)
                })
            };
            return match result {
                Ok(h) => Some(h),
                Err(_) => {
                    self.warn(
                        format!(
                            "vector contains a mix of histograms with exponential and custom buckets schemas for metric name {}",
                            crate::promql::text::go_quote(labels.value(super::value::METRIC_NAME))
                        ),
                        span,
                    );
                    None
                }
            };
        }
        let mut h = prev.1.clone();
        h.counter_reset_hint = CounterResetHint::Unknown;
        Some(h)
    }

    pub fn select_range(&mut self, m: &MatrixSelector, ts: i64) -> EvalResult<RangeInput> {
        let end = self.reference_time(&m.modifiers, ts)?;
        let range = self.duration_ms(&m.range, false)?;
        let matchers = self.matchers(&m.selector)?;
        let anchored = m.modifiers.anchored.is_some() || m.selector.modifiers.anchored.is_some();
        let smoothed = m.modifiers.smoothed.is_some() || m.selector.modifiers.smoothed.is_some();
        let lb = self.engine.lookback_ms;
        let (mint, maxt) = match (anchored, smoothed) {
            (_, true) => (end - range - lb, end + lb),
            (true, false) => (end - range - lb, end),
            _ => (end - range, end),
        };
        let mut total = 0usize;
        let mut series = Vec::new();
        for (labels, data) in self.storage.select(&matchers) {
            let points = range_samples(&data.floats, mint, maxt);
            let mut hpoints = range_histograms(&data.histograms, mint, maxt);
            if self.stats_decoding {
                for i in (1..hpoints.len()).rev() {
                    let (before, rest) = hpoints.split_at_mut(i);
                    on_the_fly_hint(&mut rest[0].1, Some(&before[i - 1].1));
                }
            }
            if points.is_empty() && hpoints.is_empty() {
                continue;
            }
            total += points.len() + hpoints.len();
            series.push(Series {
                labels: labels.clone(),
                points,
                hpoints,
                drop_name: false,
            });
        }
        self.check_size(total)?;
        Ok(RangeInput {
            series,
            end,
            range,
            anchored,
            smoothed,
        })
    }

    pub fn subquery(&mut self, sq: &SubqueryExpr, ts: i64) -> EvalResult<RangeInput> {
        let end = self.reference_time(&sq.modifiers, ts)?;
        let range = self.duration_ms(&sq.range, false)?;
        let step = match &sq.step {
            Some(s) => self.duration_ms(s, false)?,
            None => self.engine.default_subquery_step_ms,
        };
        // The first step-aligned time after end - range (Go's truncating division).
        let mut t = step * ((end - range) / step);
        if t <= end - range {
            t += step;
        }
        let mut index: FxHashMap<Labels, usize> = FxHashMap::default();
        let mut series: Vec<Series> = Vec::new();
        let mut total = 0usize;
        while t <= end {
            let stats = std::mem::replace(&mut self.stats_decoding, false);
            let inner = self.eval_vector(&sq.expr, t);
            self.stats_decoding = stats;
            for s in inner? {
                total += 1;
                match index.get(&s.labels) {
                    Some(&i) => {
                        if series[i].has_point_at(t) {
                            return Err(EvalError::new(
                                "vector cannot contain metrics with the same labelset",
                            ));
                        }
                        series[i].push(t, s.value, s.h);
                        series[i].drop_name |= s.drop_name;
                    }
                    None => {
                        index.insert(s.labels.clone(), series.len());
                        let mut one = Series::new(s.labels, s.drop_name);
                        one.push(t, s.value, s.h);
                        series.push(one);
                    }
                }
            }
            self.check_size(total)?;
            t += step;
        }
        // Reset hints say how a sample follows the one before it in storage; a subquery
        // may skip or repeat samples, so its histograms go back to "unknown" (as in
        // Prometheus' subquery evaluation).
        use super::histogram::CounterResetHint;
        for s in &mut series {
            for (_, h) in &mut s.hpoints {
                if matches!(
                    h.counter_reset_hint,
                    CounterResetHint::CounterReset | CounterResetHint::NotCounterReset
                ) {
                    h.counter_reset_hint = CounterResetHint::Unknown;
                }
            }
        }
        Ok(RangeInput {
            series,
            end,
            range,
            anchored: false,
            smoothed: false,
        })
    }
}

/// Prometheus' `HistogramStatsIterator`: an "unknown" hint becomes "reset" or "not
/// reset" by detection against the sample read before it (none: stays unknown).
fn on_the_fly_hint(
    h: &mut super::histogram::FloatHistogram,
    prev: Option<&super::histogram::FloatHistogram>,
) {
    use super::histogram::CounterResetHint;
    if h.counter_reset_hint != CounterResetHint::Unknown {
        return;
    }
    if let Some(prev) = prev {
        h.counter_reset_hint = if h.detect_reset(prev) {
            CounterResetHint::CounterReset
        } else {
            CounterResetHint::NotCounterReset
        };
    }
}

/// Linear interpolation at `t`; a counter that dropped is taken to restart from 0.
pub(super) fn interpolate(p1: (i64, f64), p2: (i64, f64), t: i64, is_counter: bool) -> f64 {
    let (mut y1, y2) = (p1.1, p2.1);
    if is_counter && y2 < y1 {
        y1 = 0.0;
    }
    y1 + (y2 - y1) * (t - p1.0) as f64 / (p2.0 - p1.0) as f64
}

/// The value at the window's left edge: the anchor sample, or (smoothed) interpolated.
pub(super) fn pick_left(
    p: &[(i64, f64)],
    first: usize,
    start: i64,
    smoothed: bool,
    is_counter: bool,
) -> f64 {
    if smoothed && p[first].0 < start && first + 1 < p.len() {
        return interpolate(p[first], p[first + 1], start, is_counter);
    }
    p[first].1
}

/// The value at the window's right edge: the last sample, or (smoothed) interpolated.
pub(super) fn pick_right(
    p: &[(i64, f64)],
    last: usize,
    end: i64,
    smoothed: bool,
    is_counter: bool,
) -> f64 {
    if smoothed && last > 0 && p[last].0 > end {
        return interpolate(p[last - 1], p[last], end, is_counter);
    }
    p[last].1
}

/// Index of the first sample of an anchored/smoothed window (the last one at or before
/// the start), and of its last sample (smoothed: the first at or after the end).
pub(super) fn window_indices(
    p: &[(i64, f64)],
    start: i64,
    end: i64,
    smoothed: bool,
) -> (usize, usize) {
    let last = p.len() - 1;
    let first = p[..last]
        .partition_point(|x| x.0 <= start)
        .saturating_sub(1);
    let last = if smoothed {
        p[..last].partition_point(|x| x.0 < end)
    } else {
        last
    };
    (first, last)
}

/// Prometheus' `extendFloats`: the window's samples with a point at each edge.
fn extend_points(p: &[(i64, f64)], start: i64, end: i64, smoothed: bool) -> Vec<(i64, f64)> {
    if p.is_empty() {
        return Vec::new();
    }
    let (mut first, mut last) = window_indices(p, start, end, smoothed);
    if p[last].0 <= start {
        return Vec::new();
    }
    let left = pick_left(p, first, start, smoothed, false);
    let right = pick_right(p, last, end, smoothed, false);
    if p[first].0 <= start {
        first += 1;
    }
    if p[last].0 >= end {
        if last == 0 {
            return vec![(start, left), (end, right)];
        }
        last -= 1;
    }
    let mut out = Vec::with_capacity(last.saturating_sub(first) + 3);
    out.push((start, left));
    if first <= last {
        out.extend_from_slice(&p[first..=last]);
    }
    out.push((end, right));
    out
}
