//! Aggregation operators: sum, avg, min, max, count, group, stddev, stdvar, quantile,
//! count_values, topk, bottomk, limitk, limit_ratio; with `by` / `without`.

use super::engine::{EvalError, EvalResult, Evaluator};
use super::functions::{kahan_inc, quantile};
use super::histogram::FloatHistogram;
use super::value::{format_value, Labels, Sample, Value, METRIC_NAME};
use crate::promql::ast::{AggregateExpr, AggregateOp, Expr};
use rustc_hash::FxHashMap;

pub(super) fn aggregate(ev: &mut Evaluator, agg: &AggregateExpr, ts: i64) -> EvalResult<Value> {
    let param = match (&agg.param, agg.op) {
        (Some(p), AggregateOp::CountValues) => Param::Label(match ev.eval(p, ts)? {
            Value::String(s) => s,
            other => {
                return Err(EvalError::new(format!(
                    "expected string, got {}",
                    other.type_name()
                )))
            }
        }),
        (Some(p), _) => Param::Number(ev.eval_scalar(p, ts)?, p.as_ref()),
        (None, _) => Param::None,
    };
    let input = ev.eval_vector(&agg.expr, ts)?;
    let (without, names): (bool, Vec<String>) = match &agg.grouping {
        Some(g) => (g.without, g.labels.iter().map(|l| l.name.clone()).collect()),
        None => (false, Vec::new()),
    };
    let group_key = |labels: &Labels| -> Labels {
        if without {
            let mut l = labels.drop(&names);
            l.remove(METRIC_NAME);
            l
        } else {
            labels.keep(&names)
        }
    };
    // Groups in the order their first series appears.
    let mut index: FxHashMap<Labels, usize> = FxHashMap::default();
    let mut groups: Vec<(Labels, Vec<Sample>)> = Vec::new();
    for s in input {
        let key = group_key(&s.labels);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(s);
    }
    let out = match agg.op {
        AggregateOp::Topk | AggregateOp::Bottomk | AggregateOp::Limitk => {
            let Param::Number(k, _) = param else {
                return Err(EvalError::new("missing parameter"));
            };
            let groups = if agg.op == AggregateOp::Limitk {
                groups
            } else {
                drop_histograms(ev, agg.op, agg.span.clone(), groups)
            };
            select_k(agg.op, k, groups)?
        }
        AggregateOp::LimitRatio => {
            let Param::Number(r, p) = param else {
                return Err(EvalError::new("missing parameter"));
            };
            limit_ratio(ev, r, p, groups)?
        }
        AggregateOp::CountValues => {
            let Param::Label(label) = param else {
                return Err(EvalError::new("missing parameter"));
            };
            count_values(&label, groups)?
        }
        op => {
            let q = match param {
                Param::Number(q, p) => {
                    if q.is_nan() || !(0.0..=1.0).contains(&q) {
                        ev.warn(
                            format!(
                                "quantile value should be between 0 and 1, got {}",
                                format_value(q)
                            ),
                            p.span(),
                        );
                    }
                    q
                }
                _ => 0.0,
            };
            let mut out = Vec::with_capacity(groups.len());
            for (labels, samples) in groups {
                let drop_name = samples.iter().any(|s| s.drop_name);
                if let Some(result) = reduce_group(ev, agg, op, q, samples) {
                    out.push(match result {
                        Reduced::Float(v) => Sample::float(labels, v, ts, drop_name),
                        Reduced::Histogram(h) => Sample::histogram(labels, h, ts, drop_name),
                    });
                }
            }
            out
        }
    };
    Ok(Value::Vector(out))
}

enum Param<'e> {
    None,
    Number(f64, &'e Expr),
    Label(String),
}

enum Reduced {
    Float(f64),
    Histogram(FloatHistogram),
}

fn op_name(op: AggregateOp) -> &'static str {
    match op {
        AggregateOp::Min => "min",
        AggregateOp::Max => "max",
        AggregateOp::Stddev => "stddev",
        AggregateOp::Stdvar => "stdvar",
        AggregateOp::Quantile => "quantile",
        AggregateOp::Topk => "topk",
        AggregateOp::Bottomk => "bottomk",
        // Only the float-only aggregations above drop histograms.
        _ => "this",
    }
}

/// Leaves the histogram samples out of aggregations that only read floats, with an
/// info annotation for each, as Prometheus does.
fn drop_histograms(
    ev: &mut Evaluator,
    op: AggregateOp,
    span: crate::promql::ast::Span,
    groups: Vec<(Labels, Vec<Sample>)>,
) -> Vec<(Labels, Vec<Sample>)> {
    groups
        .into_iter()
        .filter_map(|(labels, samples)| {
            let (floats, hists): (Vec<Sample>, Vec<Sample>) =
                samples.into_iter().partition(|s| s.h.is_none());
            if !hists.is_empty() {
                ev.info(
                    format!("ignored histogram in {} aggregation", op_name(op)),
                    span.clone(),
                );
            }
            (!floats.is_empty()).then_some((labels, floats))
        })
        .collect()
}

/// One group's result; none when Prometheus drops the group (mixed floats and
/// histograms, incompatible histograms, only histograms where floats are needed).
fn reduce_group(
    ev: &mut Evaluator,
    agg: &AggregateExpr,
    op: AggregateOp,
    q: f64,
    samples: Vec<Sample>,
) -> Option<Reduced> {
    match op {
        AggregateOp::Count => return Some(Reduced::Float(samples.len() as f64)),
        AggregateOp::Group => return Some(Reduced::Float(1.0)),
        AggregateOp::Sum | AggregateOp::Avg => {}
        _ => {
            let span = agg.expr.span();
            let mut groups = drop_histograms(ev, op, span, vec![(Labels::new(), samples)]);
            let (_, floats) = groups.pop()?;
            return Some(Reduced::Float(reduce(op, q, &floats)));
        }
    }
    let has_float = samples.iter().any(|s| s.h.is_none());
    let has_hist = samples.iter().any(|s| s.h.is_some());
    if has_float && has_hist {
        ev.warn(
            "encountered a mix of histograms and floats for aggregation",
            agg.expr.span(),
        );
        return None;
    }
    if !has_hist {
        return Some(Reduced::Float(reduce(op, q, &samples)));
    }
    use super::histogram::CounterResetHint;
    let mut sum: Option<(FloatHistogram, FloatHistogram)> = None;
    let (mut reset_seen, mut not_reset_seen) = (false, false);
    for s in &samples {
        let h = s.h.as_deref().expect("histogram samples");
        match h.counter_reset_hint {
            CounterResetHint::CounterReset => reset_seen = true,
            CounterResetHint::NotCounterReset => not_reset_seen = true,
            _ => {}
        }
        sum = Some(match sum {
            None => (h.clone(), FloatHistogram::default().reduced_to(h.schema)),
            Some((acc, comp)) => match acc.kahan_add(&comp, h) {
                Ok((acc, comp, c)) => {
                    if c.custom_bounds_reconciled {
                        ev.info(
                            "mismatched custom buckets were reconciled during aggregation",
                            agg.expr.span(),
                        );
                    }
                    (acc, comp)
                }
                Err(_) => {
                    ev.warn(
                        format!(
                            "vector contains a mix of histograms with exponential and custom buckets schemas for metric name {}",
                            crate::promql::text::go_quote(s.labels.value(METRIC_NAME))
                        ),
                        agg.expr.span(),
                    );
                    return None;
                }
            },
        });
    }
    let (acc, comp) = sum?;
    let mut result = acc.kahan_finish(&comp);
    if op == AggregateOp::Avg {
        result =
            super::histogram::kahan_mean(samples.iter().filter_map(|s| s.h.as_deref())).ok()??;
    }
    if reset_seen && not_reset_seen {
        ev.warn(
            "conflicting counter resets during histogram aggregation",
            agg.expr.span(),
        );
    }
    Some(Reduced::Histogram(result.compact()))
}

fn reduce(op: AggregateOp, q: f64, samples: &[Sample]) -> f64 {
    let values = samples.iter().map(|s| s.value);
    match op {
        AggregateOp::Sum => {
            let (mut sum, mut c) = (0.0, 0.0);
            for v in values {
                (sum, c) = kahan_inc(v, sum, c);
            }
            sum + c
        }
        AggregateOp::Avg => avg(values),
        AggregateOp::Count => samples.len() as f64,
        AggregateOp::Group => 1.0,
        AggregateOp::Max => values.fold(
            f64::NAN,
            |acc, v| if acc < v || acc.is_nan() { v } else { acc },
        ),
        AggregateOp::Min => values.fold(
            f64::NAN,
            |acc, v| if acc > v || acc.is_nan() { v } else { acc },
        ),
        AggregateOp::Stddev => variance(values).sqrt(),
        AggregateOp::Stdvar => variance(values),
        AggregateOp::Quantile => quantile(q, values.collect()),
        _ => f64::NAN,
    }
}

/// Prometheus' average: a Kahan sum while it stays finite, an incremental mean after.
pub(super) fn avg(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut c, mut mean) = (0.0, 0.0, 0.0);
    let mut incremental = false;
    let mut n = 0.0;
    for v in values {
        n += 1.0;
        if n == 1.0 {
            sum = v;
            mean = v;
            continue;
        }
        if !incremental {
            let (ns, nc) = kahan_inc(v, sum, c);
            if !ns.is_infinite() {
                sum = ns;
                c = nc;
                continue;
            }
            incremental = true;
            mean = sum / (n - 1.0);
            c /= n - 1.0;
        }
        let q = (n - 1.0) / n;
        (mean, c) = kahan_inc(v / n, q * mean, q * c);
    }
    if n == 0.0 {
        return f64::NAN;
    }
    if incremental {
        mean + c
    } else {
        sum / n + c / n
    }
}

fn variance(values: impl Iterator<Item = f64>) -> f64 {
    let (mut n, mut mean, mut m2) = (0.0, 0.0, 0.0);
    for v in values {
        if n == 0.0 && !v.is_finite() {
            // Prometheus starts the group at NaN for a NaN or Inf first value.
            return f64::NAN;
        }
        n += 1.0;
        let delta = v - mean;
        mean += delta / n;
        m2 += delta * (v - mean);
    }
    if n == 0.0 {
        f64::NAN
    } else {
        m2 / n
    }
}

fn check_k(k: f64) -> EvalResult<()> {
    if k.is_nan() {
        return Err(EvalError::new("Parameter value is NaN"));
    }
    if k <= i64::MIN as f64 {
        return Err(EvalError::new(format!(
            "Scalar value {} underflows int64",
            format_value(k)
        )));
    }
    if k >= i64::MAX as f64 {
        return Err(EvalError::new(format!(
            "Scalar value {} overflows int64",
            format_value(k)
        )));
    }
    Ok(())
}

fn select_k(
    op: AggregateOp,
    k: f64,
    groups: Vec<(Labels, Vec<Sample>)>,
) -> EvalResult<Vec<Sample>> {
    if k < 1.0 {
        return Ok(Vec::new());
    }
    check_k(k)?;
    let k = k as usize;
    let mut out = Vec::new();
    for (_, mut samples) in groups {
        match op {
            AggregateOp::Limitk => samples.truncate(k),
            AggregateOp::Topk => {
                // Highest first; NaN ranks below every number.
                samples.sort_by(|a, b| {
                    b.value
                        .partial_cmp(&a.value)
                        .unwrap_or_else(|| a.value.is_nan().cmp(&b.value.is_nan()))
                });
                samples.truncate(k);
            }
            _ => {
                samples.sort_by(|a, b| {
                    a.value
                        .partial_cmp(&b.value)
                        .unwrap_or_else(|| a.value.is_nan().cmp(&b.value.is_nan()))
                });
                samples.truncate(k);
            }
        }
        out.extend(samples);
    }
    Ok(out)
}

fn limit_ratio(
    ev: &mut Evaluator,
    r: f64,
    param: &Expr,
    groups: Vec<(Labels, Vec<Sample>)>,
) -> EvalResult<Vec<Sample>> {
    if r == 0.0 {
        return Ok(Vec::new());
    }
    if r.is_nan() {
        return Err(EvalError::new("Ratio value is NaN"));
    }
    let r = if r > 1.0 {
        ev.warn(
            format!(
                "ratio value should be between -1 and 1, got {}, capping to 1",
                format_value(r)
            ),
            param.span(),
        );
        1.0
    } else if r < -1.0 {
        ev.warn(
            format!(
                "ratio value should be between -1 and 1, got {}, capping to -1",
                format_value(r)
            ),
            param.span(),
        );
        -1.0
    } else {
        r
    };
    let mut out = Vec::new();
    for (_, samples) in groups {
        for s in samples {
            let offset = labels_hash(&s.labels) as f64 / u64::MAX as f64;
            let keep = if r >= 0.0 {
                offset < r
            } else {
                offset >= 1.0 + r
            };
            if keep {
                out.push(s);
            }
        }
    }
    Ok(out)
}

fn count_values(label: &str, groups: Vec<(Labels, Vec<Sample>)>) -> EvalResult<Vec<Sample>> {
    if !valid_label_name(label) {
        return Err(EvalError::new(format!("invalid label name {label:?}")));
    }
    let mut index: FxHashMap<Labels, usize> = FxHashMap::default();
    let mut out: Vec<Sample> = Vec::new();
    for (key, samples) in groups {
        for s in samples {
            let mut labels = key.clone();
            let text = match &s.h {
                Some(h) => h.to_string(),
                None => go_format_f(s.value),
            };
            labels.set(label, &text);
            match index.get(&labels) {
                Some(&i) => out[i].value += 1.0,
                None => {
                    index.insert(labels.clone(), out.len());
                    out.push(Sample {
                        labels,
                        value: 1.0,
                        h: None,
                        t: s.t,
                        drop_name: false,
                    });
                }
            }
        }
    }
    Ok(out)
}

fn valid_label_name(name: &str) -> bool {
    !name.is_empty() && std::str::from_utf8(name.as_bytes()).is_ok() && !name.contains('\u{FFFD}')
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`: no exponent.
pub(super) fn go_format_f(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        // Rust's Display is the shortest round-trip representation without exponent.
        format!("{v}")
    }
}

/// Prometheus' `labels.Hash()`: xxHash64 of `name 0xff value 0xff ...`.
pub(super) fn labels_hash(labels: &Labels) -> u64 {
    let mut bytes = Vec::new();
    for (n, v) in labels.iter() {
        bytes.extend_from_slice(n.as_bytes());
        bytes.push(0xff);
        bytes.extend_from_slice(v.as_bytes());
        bytes.push(0xff);
    }
    xxh64(&bytes)
}

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn merge(acc: u64, val: u64) -> u64 {
    (acc ^ round(0, val)).wrapping_mul(P1).wrapping_add(P4)
}

fn read_u64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))
}

/// xxHash64 with seed 0 (the hash Go's `cespare/xxhash` computes).
pub(super) fn xxh64(data: &[u8]) -> u64 {
    let len = data.len() as u64;
    let mut rest = data;
    let mut h = if data.len() >= 32 {
        let (mut v1, mut v2, mut v3, mut v4) =
            (P1.wrapping_add(P2), P2, 0u64, 0u64.wrapping_sub(P1));
        while rest.len() >= 32 {
            v1 = round(v1, read_u64(rest));
            v2 = round(v2, read_u64(&rest[8..]));
            v3 = round(v3, read_u64(&rest[16..]));
            v4 = round(v4, read_u64(&rest[24..]));
            rest = &rest[32..];
        }
        let mut h = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        merge(h, v4)
    } else {
        P5
    };
    h = h.wrapping_add(len);
    while rest.len() >= 8 {
        h ^= round(0, read_u64(rest));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let v = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")) as u64;
        h ^= v.wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for &b in rest {
        h ^= (b as u64).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh64_matches_reference_vectors() {
        assert_eq!(xxh64(b""), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"a"), 0xD24E_C4F1_A98C_6E5B);
        assert_eq!(
            xxh64(b"Nobody inspects the spammish repetition"),
            0xFBCE_A83C_8A37_8BF1
        );
    }

    #[test]
    fn avg_survives_overflow() {
        let v = [f64::MAX, f64::MAX, -f64::MAX];
        assert!((avg(v.into_iter()) - f64::MAX / 3.0).abs() / f64::MAX < 1e-9);
    }
}
