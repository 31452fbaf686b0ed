//! Binary operators: scalar/scalar, vector/scalar and vector/vector with Prometheus'
//! vector matching (`on`, `ignoring`, `group_left`, `group_right`, `bool`, fill
//! modifiers) and the set operators.

use super::engine::{EvalError, EvalResult, Evaluator};
use super::histogram::FloatHistogram;
use super::value::{is_metadata_label, Labels, Sample, Value, METRIC_NAME};
use crate::promql::ast::{BinaryExpr, BinaryOp, FillSide, GroupSide};
use rustc_hash::{FxHashMap, FxHashSet};

pub(super) fn binary(ev: &mut Evaluator, b: &BinaryExpr, ts: i64) -> EvalResult<Value> {
    // Trimming reads the buckets: no stats-only decoding below it.
    let trim = matches!(b.op, BinaryOp::TrimUpper | BinaryOp::TrimLower);
    let saved = ev.stats_decoding;
    if trim {
        ev.stats_decoding = false;
    }
    let sides = ev
        .eval(&b.lhs, ts)
        .and_then(|l| Ok((l, ev.eval(&b.rhs, ts)?)));
    ev.stats_decoding = saved;
    let (lhs, rhs) = sides?;
    let return_bool = b.return_bool.is_some();
    Ok(match (lhs, rhs) {
        (Value::Scalar(l), Value::Scalar(r)) => Value::Scalar(scalar_op(b.op, l, r)),
        (Value::Vector(v), Value::Scalar(s)) => {
            Value::Vector(vector_scalar(ev, b, v, s, false, return_bool))
        }
        (Value::Scalar(s), Value::Vector(v)) => {
            Value::Vector(vector_scalar(ev, b, v, s, true, return_bool))
        }
        (Value::Vector(l), Value::Vector(r)) => Value::Vector(vector_vector(ev, b, l, r)?),
        (l, r) => {
            return Err(EvalError::new(format!(
            "binary expression must contain only scalar and instant vector types, got {} and {}",
            l.type_name(),
            r.type_name()
        )))
        }
    })
}

fn bool_f(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Go's `math.Mod`: the result has the sign of the dividend (Rust's `%` agrees).
fn arith(op: BinaryOp, l: f64, r: f64) -> Option<f64> {
    Some(match op {
        BinaryOp::Add => l + r,
        BinaryOp::Sub => l - r,
        BinaryOp::Mul => l * r,
        BinaryOp::Div => l / r,
        BinaryOp::Mod => l % r,
        BinaryOp::Pow => l.powf(r),
        BinaryOp::Atan2 => l.atan2(r),
        _ => return None,
    })
}

fn compare(op: BinaryOp, l: f64, r: f64) -> Option<bool> {
    Some(match op {
        BinaryOp::Eql => l == r,
        BinaryOp::Neq => l != r,
        BinaryOp::Gtr => l > r,
        BinaryOp::Lss => l < r,
        BinaryOp::Gte => l >= r,
        BinaryOp::Lte => l <= r,
        _ => return None,
    })
}

pub(super) fn scalar_op(op: BinaryOp, l: f64, r: f64) -> f64 {
    if let Some(v) = arith(op, l, r) {
        return v;
    }
    compare(op, l, r).map(bool_f).unwrap_or(f64::NAN)
}

/// The value of an element-wise operation and whether the element is kept.
fn element(op: BinaryOp, l: f64, r: f64) -> (f64, bool) {
    if let Some(v) = arith(op, l, r) {
        return (v, true);
    }
    match compare(op, l, r) {
        Some(keep) => (l, keep),
        // Trimming floats: an incompatible-types info in Prometheus, the element goes.
        None => (0.0, false),
    }
}

fn changes_metric_schema(op: BinaryOp) -> bool {
    arith(op, 0.0, 0.0).is_some()
}

/// An element-wise result that involves native histograms.
struct Elem {
    value: f64,
    h: Option<FloatHistogram>,
    keep: bool,
}

/// What an element-wise operation reports beside its result.
enum ElemNote {
    /// The operation does not apply to these sample types: the element goes.
    Incompatible(String),
    /// A warning; the element goes (Prometheus returns it as the error).
    Warning(String),
}

fn type_name(h: Option<&FloatHistogram>) -> &'static str {
    if h.is_some() {
        "histogram"
    } else {
        "float"
    }
}

/// Prometheus' `vectorElemBinop` for an element with at least one histogram side.
/// Ok carries the result and maybe an info (mismatched custom buckets reconciled).
fn histogram_element(
    op: BinaryOp,
    l: f64,
    r: f64,
    hl: Option<&FloatHistogram>,
    hr: Option<&FloatHistogram>,
) -> Result<(Elem, Option<String>), ElemNote> {
    let incompatible = || {
        ElemNote::Incompatible(format!(
            "incompatible sample types encountered for binary operator {}: {} {} {}",
            crate::promql::text::go_quote(op.as_str()),
            type_name(hl),
            op.as_str(),
            type_name(hr)
        ))
    };
    let hist = |h: FloatHistogram| Elem {
        value: 0.0,
        h: Some(h),
        keep: true,
    };
    match (hl, hr) {
        (None, Some(h)) if op == BinaryOp::Mul => Ok((hist(h.mul(l).compact()), None)),
        (Some(h), None) if op == BinaryOp::Mul => Ok((hist(h.mul(r).compact()), None)),
        (Some(h), None) if op == BinaryOp::Div => Ok((hist(h.div(r).compact()), None)),
        (Some(h), None) if op == BinaryOp::TrimUpper => Ok((hist(h.trim_buckets(r, true)), None)),
        (Some(h), None) if op == BinaryOp::TrimLower => Ok((hist(h.trim_buckets(r, false)), None)),
        (Some(a), Some(b)) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
            let sign = if op == BinaryOp::Add { 1.0 } else { -1.0 };
            let what = if op == BinaryOp::Add {
                "addition"
            } else {
                "subtraction"
            };
            let c = a.combine(b, sign).map_err(|_| {
                ElemNote::Warning(format!(
                    "incompatible bucket layout encountered for binary operator {}",
                    op.as_str()
                ))
            })?;
            if c.counter_reset_collision {
                return Err(ElemNote::Warning(format!(
                    "conflicting counter resets during histogram {what}"
                )));
            }
            let mut h = c.histogram;
            if op == BinaryOp::Sub {
                h.counter_reset_hint = super::histogram::CounterResetHint::Gauge;
            }
            let info = c
                .custom_bounds_reconciled
                .then(|| format!("mismatched custom buckets were reconciled during {what}"));
            Ok((hist(h.compact()), info))
        }
        (Some(a), Some(b)) if matches!(op, BinaryOp::Eql | BinaryOp::Neq) => {
            let equal = a.clone().compact().equals(&b.clone().compact());
            Ok((
                Elem {
                    value: 0.0,
                    h: Some(a.clone()),
                    keep: equal == (op == BinaryOp::Eql),
                },
                None,
            ))
        }
        _ => Err(incompatible()),
    }
}

/// Reports an element's note as Prometheus does (infos and warnings alike).
fn report(ev: &mut Evaluator, b: &BinaryExpr, note: ElemNote) {
    match note {
        ElemNote::Incompatible(m) => ev.info(m, b.span.clone()),
        ElemNote::Warning(m) => ev.warn(m, b.span.clone()),
    }
}

fn vector_scalar(
    ev: &mut Evaluator,
    b: &BinaryExpr,
    v: Vec<Sample>,
    s: f64,
    scalar_on_left: bool,
    return_bool: bool,
) -> Vec<Sample> {
    let op = b.op;
    let mut out = Vec::with_capacity(v.len());
    for mut sample in v {
        if let Some(h) = sample.h.take() {
            let (hl, hr) = if scalar_on_left {
                (None, Some(&*h))
            } else {
                (Some(&*h), None)
            };
            match histogram_element(op, s, s, hl, hr) {
                Ok((e, _)) => {
                    if return_bool {
                        sample.value = bool_f(e.keep);
                    } else if e.keep {
                        sample.h = e.h.map(Box::new);
                    } else {
                        continue;
                    }
                    if changes_metric_schema(op) || return_bool {
                        sample.drop_name = true;
                    }
                    out.push(sample);
                }
                Err(note) => report(ev, b, note),
            }
            continue;
        }
        if matches!(op, BinaryOp::TrimUpper | BinaryOp::TrimLower) {
            report(
                ev,
                b,
                ElemNote::Incompatible(format!(
                    "incompatible sample types encountered for binary operator {}: float {} float",
                    crate::promql::text::go_quote(op.as_str()),
                    op.as_str()
                )),
            );
            continue;
        }
        let (l, r) = if scalar_on_left {
            (s, sample.value)
        } else {
            (sample.value, s)
        };
        let (mut value, mut keep) = element(op, l, r);
        if op.is_comparison() && scalar_on_left {
            // The vector element's value is kept, even on the right.
            value = r;
        }
        if return_bool {
            value = bool_f(keep);
            keep = true;
        }
        if keep {
            sample.value = value;
            if changes_metric_schema(op) || return_bool {
                sample.drop_name = true;
            }
            out.push(sample);
        }
    }
    out
}

/// How the two sides are matched.
struct Matching<'a> {
    on: bool,
    labels: Vec<String>,
    card: Card,
    include: &'a [crate::promql::ast::Ident],
}

#[derive(Clone, Copy, PartialEq)]
enum Card {
    OneToOne,
    ManyToOne,
    OneToMany,
}

impl Matching<'_> {
    fn signature(&self, labels: &Labels) -> Labels {
        if self.on {
            labels.keep(&self.labels)
        } else {
            let mut l = labels.drop(&self.labels);
            l.remove(METRIC_NAME);
            l
        }
    }
}

fn vector_vector(
    ev: &mut Evaluator,
    b: &BinaryExpr,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
) -> EvalResult<Vec<Sample>> {
    let (on, labels) = match &b.matching {
        Some(m) => (m.on, m.labels.iter().map(|i| i.name.clone()).collect()),
        None => (false, Vec::new()),
    };
    let card = match b.group.as_ref().map(|g| g.side) {
        Some(GroupSide::Left) => Card::ManyToOne,
        Some(GroupSide::Right) => Card::OneToMany,
        None => Card::OneToOne,
    };
    let matching = Matching {
        on,
        labels,
        card,
        include: b.group.as_ref().map(|g| g.labels.as_slice()).unwrap_or(&[]),
    };
    match b.op {
        BinaryOp::And => {
            let right: FxHashSet<Labels> =
                rhs.iter().map(|s| matching.signature(&s.labels)).collect();
            Ok(lhs
                .into_iter()
                .filter(|s| right.contains(&matching.signature(&s.labels)))
                .collect())
        }
        BinaryOp::Unless => {
            let right: FxHashSet<Labels> =
                rhs.iter().map(|s| matching.signature(&s.labels)).collect();
            Ok(lhs
                .into_iter()
                .filter(|s| !right.contains(&matching.signature(&s.labels)))
                .collect())
        }
        BinaryOp::Or => {
            let left: FxHashSet<Labels> =
                lhs.iter().map(|s| matching.signature(&s.labels)).collect();
            let mut out = lhs;
            out.extend(
                rhs.into_iter()
                    .filter(|s| !left.contains(&matching.signature(&s.labels))),
            );
            Ok(out)
        }
        _ => vector_binop(ev, b, &matching, lhs, rhs),
    }
}

fn fill_value(b: &BinaryExpr, right: bool) -> Option<f64> {
    b.fill.iter().rev().find_map(|f| match (f.side, right) {
        (FillSide::Both, _) | (FillSide::Right, true) | (FillSide::Left, false) => Some(f.value),
        _ => None,
    })
}

fn vector_binop(
    ev: &mut Evaluator,
    b: &BinaryExpr,
    matching: &Matching,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
) -> EvalResult<Vec<Sample>> {
    let (fill_rhs, fill_lhs) = (fill_value(b, true), fill_value(b, false));
    if (lhs.is_empty() && rhs.is_empty())
        || ((lhs.is_empty() || rhs.is_empty()) && fill_rhs.is_none() && fill_lhs.is_none())
    {
        return Ok(Vec::new());
    }
    let swapped = matching.card == Card::OneToMany;
    let (lhs, rhs) = if swapped { (rhs, lhs) } else { (lhs, rhs) };
    // The parser's fill sides already follow the "one"/"many" sides, as Prometheus'.

    // The "one" side, by signature.
    let mut right: FxHashMap<Labels, usize> = FxHashMap::default();
    for (i, rs) in rhs.iter().enumerate() {
        let sig = matching.signature(&rs.labels);
        if let Some(&j) = right.get(&sig) {
            let side = if swapped { "left" } else { "right" };
            let (mut d1, mut d2) = (rs.labels.to_string(), rhs[j].labels.to_string());
            if d1 > d2 {
                std::mem::swap(&mut d1, &mut d2);
            }
            let group = if matching.on {
                rs.labels.keep(&matching.labels)
            } else {
                rs.labels.drop(&matching.labels)
            };
            return Err(EvalError::new(format!(
                "found duplicate series for the match group {group} on the {side} hand-side of the operation: [{d1}, {d2}];many-to-many matching not allowed: matching labels must be unique on one side"
            )));
        }
        right.insert(sig, i);
    }

    let mut state = JoinState::default();
    for ls in &lhs {
        let sig = matching.signature(&ls.labels);
        match right.get(&sig) {
            Some(&i) => state.apply(ev, b, matching, ls, &rhs[i], sig)?,
            None => {
                let Some(fill) = fill_rhs else { continue };
                let rs = Sample::float(sig.clone(), fill, ls.t, false);
                state.apply(ev, b, matching, ls, &rs, sig)?;
            }
        }
    }
    if let Some(fill) = fill_lhs {
        for rs in &rhs {
            let sig = matching.signature(&rs.labels);
            let done = if matching.card == Card::OneToOne {
                state.matched_one.contains(&sig)
            } else {
                state.matched_many.get(&sig).is_some_and(|s| !s.is_empty())
            };
            if done {
                continue;
            }
            let ls = Sample::float(sig.clone(), fill, rs.t, false);
            state.apply(ev, b, matching, &ls, rs, sig)?;
        }
    }
    Ok(state.out)
}

/// What a vector/vector operation has matched so far, and its output.
#[derive(Default)]
struct JoinState {
    out: Vec<Sample>,
    matched_one: FxHashSet<Labels>,
    matched_many: FxHashMap<Labels, FxHashSet<Labels>>,
}

impl JoinState {
    fn apply(
        &mut self,
        ev: &mut Evaluator,
        b: &BinaryExpr,
        matching: &Matching,
        ls: &Sample,
        rs: &Sample,
        sig: Labels,
    ) -> EvalResult<()> {
        let swapped = matching.card == Card::OneToMany;
        let return_bool = b.return_bool.is_some();
        let (fl, fr) = if swapped {
            (rs.value, ls.value)
        } else {
            (ls.value, rs.value)
        };
        let (hl, hr) = if swapped {
            (rs.h.as_deref(), ls.h.as_deref())
        } else {
            (ls.h.as_deref(), rs.h.as_deref())
        };
        let mut result_h = None;
        let (mut value, keep) = if hl.is_some() || hr.is_some() {
            match histogram_element(b.op, fl, fr, hl, hr) {
                Ok((e, info)) => {
                    if let Some(m) = info {
                        ev.info(m, b.span.clone());
                    }
                    result_h = e.h;
                    (e.value, e.keep)
                }
                Err(note) => {
                    report(ev, b, note);
                    return Ok(());
                }
            }
        } else if matches!(b.op, BinaryOp::TrimUpper | BinaryOp::TrimLower) {
            report(
                ev,
                b,
                ElemNote::Incompatible(format!(
                    "incompatible sample types encountered for binary operator {}: float {} float",
                    crate::promql::text::go_quote(b.op.as_str()),
                    b.op.as_str()
                )),
            );
            return Ok(());
        } else {
            element(b.op, fl, fr)
        };
        if return_bool {
            value = bool_f(keep);
            result_h = None;
        }
        let metric = result_metric(&ls.labels, &rs.labels, b.op, matching);
        if matching.card == Card::OneToOne {
            if !self.matched_one.insert(sig) {
                return Err(EvalError::new(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                ));
            }
        } else if !self
            .matched_many
            .entry(sig)
            .or_default()
            .insert(metric.clone())
        {
            return Err(EvalError::new(
                "multiple matches for labels: grouping labels must ensure unique matches",
            ));
        }
        if keep || return_bool {
            self.out.push(Sample {
                labels: metric,
                value,
                h: result_h.map(Box::new),
                t: ls.t,
                drop_name: return_bool,
            });
        }
        Ok(())
    }
}

fn result_metric(lhs: &Labels, rhs: &Labels, op: BinaryOp, matching: &Matching) -> Labels {
    let mut out = lhs.clone();
    if changes_metric_schema(op) {
        let names: Vec<String> = out
            .iter()
            .filter(|(n, _)| is_metadata_label(n))
            .map(|(n, _)| n.to_string())
            .collect();
        for n in names {
            out.remove(&n);
        }
    }
    if matching.card == Card::OneToOne {
        out = if matching.on {
            out.keep(&matching.labels)
        } else {
            out.drop(&matching.labels)
        };
    }
    for ident in matching.include {
        out.set(&ident.name, rhs.value(&ident.name));
    }
    out
}
