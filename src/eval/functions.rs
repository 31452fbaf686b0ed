//! Every function of our function table (`crate::promql::functions`), evaluated as
//! Prometheus 3.14 does.

use super::aggregate::avg;
use super::engine::{EvalError, EvalResult, Evaluator, RangeInput};
use super::histogram::FloatHistogram;
use super::value::{format_value, Labels, Sample, Series, Value, METRIC_NAME};
use crate::promql::ast::{Call, Expr, MatchOp};
use regex::Regex;

/// Kahan-Neumaier summation step, as Prometheus' `kahansum.Inc`.
pub(super) fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// The φ-quantile of `values` (Prometheus' `quantile`): linear interpolation between
/// the closest ranks; NaN sorts first.
pub(super) fn quantile(q: f64, mut values: Vec<f64>) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(|a, b| match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        _ => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
    });
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

fn sample(labels: Labels, value: f64, ts: i64, drop_name: bool) -> Sample {
    Sample {
        labels,
        value,
        h: None,
        t: ts,
        drop_name,
    }
}

pub(super) fn call(ev: &mut Evaluator, call: &Call, ts: i64) -> EvalResult<Value> {
    if matches!(
        call.name.as_str(),
        "histogram_quantile" | "histogram_quantiles" | "histogram_fraction"
    ) && ev.stats_decoding
    {
        // These read the buckets: no stats-only decoding below them.
        ev.stats_decoding = false;
        let out = call_inner(ev, call, ts);
        ev.stats_decoding = true;
        return out;
    }
    call_inner(ev, call, ts)
}

fn call_inner(ev: &mut Evaluator, call: &Call, ts: i64) -> EvalResult<Value> {
    let args = &call.args;
    let name = call.name.as_str();
    if matches!(
        name,
        "sort" | "sort_desc" | "sort_by_label" | "sort_by_label_desc"
    ) && ev.start != ev.end
    {
        ev.warn(
            "sort is ineffective for range queries since results are always ordered by labels",
            call.span.clone(),
        );
    }
    let out = match name {
        "time" => return Ok(Value::Scalar(ts as f64 / 1000.0)),
        "pi" => return Ok(Value::Scalar(std::f64::consts::PI)),
        "start" => return Ok(Value::Scalar(ev.start as f64 / 1000.0)),
        "end" => return Ok(Value::Scalar(ev.end as f64 / 1000.0)),
        "step" => return Ok(Value::Scalar(ev.step as f64 / 1000.0)),
        "range" => return Ok(Value::Scalar((ev.end - ev.start) as f64 / 1000.0)),
        "min_of" | "max_of" => {
            let a = ev.eval_scalar(&args[0], ts)?;
            let b = ev.eval_scalar(&args[1], ts)?;
            return Ok(Value::Scalar(if name == "min_of" {
                go_min(a, b)
            } else {
                go_max(a, b)
            }));
        }
        "scalar" => {
            let v = ev.eval_vector(&args[0], ts)?;
            let mut floats = v.iter().filter(|s| s.h.is_none());
            return Ok(Value::Scalar(match (floats.next(), floats.next()) {
                (Some(s), None) => s.value,
                _ => f64::NAN,
            }));
        }
        "vector" => vec![sample(
            Labels::new(),
            ev.eval_scalar(&args[0], ts)?,
            ts,
            false,
        )],
        "abs" | "ceil" | "floor" | "exp" | "sqrt" | "ln" | "log2" | "log10" | "sin" | "cos"
        | "tan" | "asin" | "acos" | "atan" | "sinh" | "cosh" | "tanh" | "asinh" | "acosh"
        | "atanh" | "rad" | "deg" | "sgn" => {
            let f = math_fn(name);
            map_values(ev.eval_vector(&args[0], ts)?, f)
        }
        "round" => {
            let to = match args.get(1) {
                Some(a) => ev.eval_scalar(a, ts)?,
                None => 1.0,
            };
            let inverse = 1.0 / to;
            map_values(ev.eval_vector(&args[0], ts)?, |v| {
                (v * inverse + 0.5).floor() / inverse
            })
        }
        "clamp" | "clamp_min" | "clamp_max" => {
            let v = ev.eval_vector(&args[0], ts)?;
            let (lo, hi) = match name {
                "clamp" => (ev.eval_scalar(&args[1], ts)?, ev.eval_scalar(&args[2], ts)?),
                "clamp_min" => (ev.eval_scalar(&args[1], ts)?, f64::INFINITY),
                _ => (f64::NEG_INFINITY, ev.eval_scalar(&args[1], ts)?),
            };
            if name == "clamp" && hi < lo {
                Vec::new()
            } else {
                map_values(v, |x| go_max(lo, go_min(hi, x)))
            }
        }
        "timestamp" => {
            let v = ev.eval_vector(&args[0], ts)?;
            let own_time = matches!(args[0].unparen(), Expr::Selector(_));
            v.into_iter()
                .map(|s| {
                    let t = if own_time { s.t } else { ts };
                    sample(s.labels, t as f64 / 1000.0, ts, true)
                })
                .collect()
        }
        "days_in_month" | "day_of_month" | "day_of_week" | "day_of_year" | "hour" | "minute"
        | "month" | "year" => {
            let f = date_fn(name);
            match args.first() {
                None => vec![sample(Labels::new(), f(ts.div_euclid(1000)), ts, false)],
                Some(a) => ev
                    .eval_vector(a, ts)?
                    .into_iter()
                    .filter(|s| s.h.is_none())
                    .map(|s| sample(s.labels, f(s.value as i64), ts, true))
                    .collect(),
            }
        }
        "sort" | "sort_desc" => {
            let mut v = ev.eval_vector(&args[0], ts)?;
            v.retain(|s| s.h.is_none());
            let desc = name == "sort_desc";
            v.sort_by(|a, b| match (a.value.is_nan(), b.value.is_nan()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ if desc => b
                    .value
                    .partial_cmp(&a.value)
                    .unwrap_or(std::cmp::Ordering::Equal),
                _ => a
                    .value
                    .partial_cmp(&b.value)
                    .unwrap_or(std::cmp::Ordering::Equal),
            });
            v
        }
        "sort_by_label" | "sort_by_label_desc" => {
            let mut v = ev.eval_vector(&args[0], ts)?;
            let mut labels = Vec::new();
            for a in &args[1..] {
                labels.push(eval_string(ev, a, ts)?);
            }
            let desc = name == "sort_by_label_desc";
            v.sort_by(|a, b| {
                for l in &labels {
                    let (x, y) = (a.labels.value(l), b.labels.value(l));
                    if x != y {
                        let o = natural_cmp(x, y);
                        return if desc { o.reverse() } else { o };
                    }
                }
                let o = a.labels.cmp(&b.labels);
                if desc {
                    o.reverse()
                } else {
                    o
                }
            });
            v
        }
        "absent" => {
            let v = ev.eval_vector(&args[0], ts)?;
            if v.is_empty() {
                vec![sample(absent_labels(&args[0]), 1.0, ts, false)]
            } else {
                Vec::new()
            }
        }
        "label_replace" => label_replace(ev, args, ts)?,
        "label_join" => label_join(ev, args, ts)?,
        "histogram_quantile" => {
            let q = ev.eval_scalar(&args[0], ts)?;
            let v = ev.eval_vector(&args[1], ts)?;
            if q.is_nan() || !(0.0..=1.0).contains(&q) {
                ev.warn(
                    format!(
                        "quantile value should be between 0 and 1, got {}",
                        format_value(q)
                    ),
                    args[0].span(),
                );
            }
            let (native, classic) = split_native(ev, v, &args[1]);
            let mut out = native_quantiles(ev, q, &native, &args[1], ts, None);
            out.extend(classic_histogram_quantile(
                ev, q, classic, &args[1], ts, None,
            ));
            out
        }
        "histogram_quantiles" => {
            let v = ev.eval_vector(&args[0], ts)?;
            let label = eval_string(ev, &args[1], ts)?;
            let mut qs = Vec::new();
            for a in &args[2..] {
                let q = ev.eval_scalar(a, ts)?;
                if q.is_nan() || !(0.0..=1.0).contains(&q) {
                    ev.warn(
                        format!(
                            "quantile value should be between 0 and 1, got {}",
                            format_value(q)
                        ),
                        a.span(),
                    );
                }
                qs.push(q);
            }
            let (native, classic) = split_native(ev, v, &args[0]);
            let mut out = Vec::new();
            for q in qs {
                out.extend(native_quantiles(
                    ev,
                    q,
                    &native,
                    &args[0],
                    ts,
                    Some((&label, q)),
                ));
                out.extend(classic_histogram_quantile(
                    ev,
                    q,
                    classic.clone(),
                    &args[0],
                    ts,
                    Some((&label, q)),
                ));
            }
            out
        }
        "histogram_count" | "histogram_sum" | "histogram_avg" | "histogram_stddev"
        | "histogram_stdvar" => {
            let f: fn(&FloatHistogram) -> f64 = match name {
                "histogram_count" => |h| h.count,
                "histogram_sum" => |h| h.sum,
                "histogram_avg" => |h| h.sum / h.count,
                "histogram_stddev" => |h| super::native::variance(h).sqrt(),
                _ => super::native::variance,
            };
            let stats = matches!(name, "histogram_count" | "histogram_sum" | "histogram_avg");
            let saved = ev.stats_decoding;
            ev.stats_decoding = stats || saved;
            let v = ev.eval_vector(&args[0], ts);
            ev.stats_decoding = saved;
            v?.into_iter()
                .filter_map(|s| {
                    let v = f(s.h.as_deref()?);
                    Some(sample(s.labels, v, ts, true))
                })
                .collect()
        }
        "histogram_fraction" => {
            let lower = ev.eval_scalar(&args[0], ts)?;
            let upper = ev.eval_scalar(&args[1], ts)?;
            let v = ev.eval_vector(&args[2], ts)?;
            let (native, classic) = split_native(ev, v, &args[2]);
            let mut out = Vec::new();
            for s in native {
                let h = s.h.as_deref().expect("native samples hold histograms");
                let (f, note) = super::native::fraction(lower, upper, h);
                if let Some(note) = note {
                    ev.info(note.message(s.labels.value(METRIC_NAME)), args[2].span());
                }
                out.push(sample(s.labels, f, ts, true));
            }
            out.extend(classic_buckets(ev, classic, &args[2]).into_iter().map(
                |(labels, buckets)| {
                    sample(labels, bucket_fraction(lower, upper, buckets), ts, true)
                },
            ));
            out
        }
        "info" => info(ev, args, ts)?,
        "start_timestamp" => {
            return Err(EvalError::new(
                "start_timestamp() needs start timestamps, which this engine does not store",
            ))
        }
        _ => return range_function(ev, call, ts),
    };
    Ok(Value::Vector(out))
}

fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn eval_string(ev: &mut Evaluator, e: &Expr, ts: i64) -> EvalResult<String> {
    match ev.eval(e, ts)? {
        Value::String(s) => Ok(s),
        other => Err(EvalError::new(format!(
            "expected string, got {}",
            other.type_name()
        ))),
    }
}

/// Applies `f` to the float samples; histogram samples are left out, as Prometheus'
/// `simpleFloatFunc` does.
fn map_values(v: Vec<Sample>, f: impl Fn(f64) -> f64) -> Vec<Sample> {
    v.into_iter()
        .filter(|s| s.h.is_none())
        .map(|mut s| {
            s.value = f(s.value);
            s.drop_name = true;
            s
        })
        .collect()
}

fn math_fn(name: &str) -> fn(f64) -> f64 {
    match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "exp" => f64::exp,
        "sqrt" => f64::sqrt,
        "ln" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "asinh" => f64::asinh,
        "acosh" => f64::acosh,
        "atanh" => f64::atanh,
        "rad" => |v| v * std::f64::consts::PI / 180.0,
        "deg" => |v| v * 180.0 / std::f64::consts::PI,
        _ => |v: f64| {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                v
            }
        },
    }
}

/// (year, month 1-12, day 1-31) of days since the epoch (proleptic Gregorian, UTC).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn date_fn(name: &str) -> fn(i64) -> f64 {
    match name {
        "days_in_month" => |s| {
            let (y, m, _) = civil_from_days(s.div_euclid(86_400));
            let days = [
                31,
                if is_leap(y) { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            days[(m - 1) as usize] as f64
        },
        "day_of_month" => |s| civil_from_days(s.div_euclid(86_400)).2 as f64,
        "day_of_week" => |s| (s.div_euclid(86_400) + 4).rem_euclid(7) as f64,
        "day_of_year" => |s| {
            let days = s.div_euclid(86_400);
            let (y, _, _) = civil_from_days(days);
            let jan1 = days_from_civil(y, 1, 1);
            (days - jan1 + 1) as f64
        },
        "hour" => |s| (s.rem_euclid(86_400) / 3600) as f64,
        "minute" => |s| (s.rem_euclid(3600) / 60) as f64,
        "month" => |s| civil_from_days(s.div_euclid(86_400)).1 as f64,
        _ => |s| civil_from_days(s.div_euclid(86_400)).0 as f64,
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Natural order: digit runs compare as numbers.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    while !x.is_empty() && !y.is_empty() {
        if x[0].is_ascii_digit() && y[0].is_ascii_digit() {
            let xe = x
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(x.len());
            let ye = y
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(y.len());
            let (xd, yd) = (&x[..xe], &y[..ye]);
            let xt = trim_zeros(xd);
            let yt = trim_zeros(yd);
            let o = xt.len().cmp(&yt.len()).then_with(|| xt.cmp(yt));
            if o != std::cmp::Ordering::Equal {
                return o;
            }
            x = &x[xe..];
            y = &y[ye..];
        } else {
            if x[0] != y[0] {
                return x[0].cmp(&y[0]);
            }
            x = &x[1..];
            y = &y[1..];
        }
    }
    x.len().cmp(&y.len())
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let i = d.iter().position(|c| *c != b'0').unwrap_or(d.len());
    &d[i..]
}

/// The labels `absent()` reports: the selector's equality matchers (a name matched twice
/// is left out).
fn absent_labels(arg: &Expr) -> Labels {
    let sel = match arg {
        Expr::Selector(s) => s.as_ref(),
        Expr::Matrix(m) => &m.selector,
        _ => return Labels::new(),
    };
    let mut labels = Labels::new();
    let mut repeated = Vec::new();
    for m in &sel.matchers {
        if m.name == METRIC_NAME {
            continue;
        }
        if m.op == MatchOp::Equal && !labels.has(&m.name) {
            labels.set(&m.name, &m.value);
        } else {
            repeated.push(m.name.clone());
        }
    }
    for r in repeated {
        labels.remove(&r);
    }
    labels
}

/// Any UTF-8 name is valid in Prometheus 3; bytes that were not UTF-8 became U+FFFD.
fn valid_label_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('\u{FFFD}')
}

fn label_replace(ev: &mut Evaluator, args: &[Expr], ts: i64) -> EvalResult<Vec<Sample>> {
    let v = ev.eval_vector(&args[0], ts)?;
    let dst = eval_string(ev, &args[1], ts)?;
    let repl = eval_string(ev, &args[2], ts)?;
    let src = eval_string(ev, &args[3], ts)?;
    let re_src = eval_string(ev, &args[4], ts)?;
    let re = Regex::new(&format!("^(?s:{re_src})$")).map_err(|e| {
        EvalError::new(format!(
            "invalid regular expression in label_replace(): {re_src}: {e}"
        ))
    })?;
    if !valid_label_name(&dst) {
        return Err(EvalError::new(format!(
            "invalid destination label name in label_replace(): {dst}"
        )));
    }
    let mut out = Vec::with_capacity(v.len());
    for mut s in v {
        let value = s.labels.value(&src).to_string();
        if let Some(caps) = re.captures(&value) {
            let mut res = String::new();
            caps.expand(&repl, &mut res);
            s.labels.set(&dst, &res);
            if dst == METRIC_NAME {
                s.drop_name = false;
            }
        }
        out.push(s);
    }
    super::engine::check_unique(&out)?;
    Ok(out)
}

fn label_join(ev: &mut Evaluator, args: &[Expr], ts: i64) -> EvalResult<Vec<Sample>> {
    let v = ev.eval_vector(&args[0], ts)?;
    let dst = eval_string(ev, &args[1], ts)?;
    let sep = eval_string(ev, &args[2], ts)?;
    let mut srcs = Vec::new();
    for a in &args[3..] {
        srcs.push(eval_string(ev, a, ts)?);
    }
    if !valid_label_name(&dst) {
        return Err(EvalError::new(format!(
            "invalid destination label name in label_join(): {dst}"
        )));
    }
    let mut out = Vec::with_capacity(v.len());
    for mut s in v {
        let joined: Vec<&str> = srcs.iter().map(|l| s.labels.value(l)).collect();
        let joined = joined.join(&sep);
        s.labels.set(&dst, &joined);
        if dst == METRIC_NAME {
            s.drop_name = false;
        }
        out.push(s);
    }
    super::engine::check_unique(&out)?;
    Ok(out)
}

/// `info(v, {selector})` (experimental): adds the data labels of info series (default
/// `target_info`) that share the sample's `instance` and `job`, as Prometheus' `info.go`.
fn info(ev: &mut Evaluator, args: &[Expr], ts: i64) -> EvalResult<Vec<Sample>> {
    use super::storage::LabelMatcher;
    let base = ev.eval_vector(&args[0], ts)?;
    // Data-label matchers by label name (the __name__ ones pick the info metrics).
    let mut data: Vec<LabelMatcher> = Vec::new();
    if let Some(Expr::Selector(sel)) = args.get(1) {
        if let Some(n) = &sel.name {
            data.push(
                LabelMatcher::new("__name__", MatchOp::Equal, &n.name).map_err(EvalError::new)?,
            );
        }
        for m in &sel.matchers {
            data.push(LabelMatcher::from_ast(m).map_err(EvalError::new)?);
        }
    }
    let name_matchers: Vec<&LabelMatcher> = if args.len() > 1 {
        data.iter().filter(|m| m.name == METRIC_NAME).collect()
    } else {
        Vec::new()
    };
    let default_name =
        LabelMatcher::new("__name__", MatchOp::Equal, "target_info").map_err(EvalError::new)?;
    let info_suffix =
        LabelMatcher::new("__name__", MatchOp::Regex, ".+_info").map_err(EvalError::new)?;
    let effective: Vec<&LabelMatcher> = if name_matchers
        .iter()
        .any(|m| matches!(m.op, MatchOp::Equal | MatchOp::Regex))
    {
        name_matchers.clone()
    } else if !name_matchers.is_empty() {
        std::iter::once(&info_suffix)
            .chain(name_matchers.iter().copied())
            .collect()
    } else {
        vec![&default_name]
    };
    let ignored = |l: &Labels| effective.iter().all(|m| m.matches(l.value(METRIC_NAME)));
    let data_labels: Vec<&LabelMatcher> = data.iter().filter(|m| m.name != METRIC_NAME).collect();
    let id_labels = ["instance", "job"];
    let mut id_values: Vec<(&str, std::collections::BTreeSet<String>)> = Vec::new();
    for s in base.iter().filter(|s| !ignored(&s.labels)) {
        for l in id_labels {
            let v = s.labels.value(l);
            if v.is_empty() {
                continue;
            }
            match id_values.iter_mut().find(|(n, _)| *n == l) {
                Some((_, set)) => {
                    set.insert(v.to_string());
                }
                None => id_values.push((l, [v.to_string()].into())),
            }
        }
    }
    // The time the info series are read at: the first selector's `@` and offset.
    let (at, offset) = info_time(ev, &args[0])?;
    let lookup = at.unwrap_or(ts) - offset;
    // sig (info name, instance, job) -> (labels, sample time)
    let mut infos: Vec<((String, String, String), Labels, i64)> = Vec::new();
    if !id_values.is_empty() {
        let mut matchers: Vec<LabelMatcher> = Vec::new();
        for (name, values) in &id_values {
            let re = values
                .iter()
                .map(|v| regex::escape(v))
                .collect::<Vec<_>>()
                .join("|");
            matchers.push(LabelMatcher::new(name, MatchOp::Regex, &re).map_err(EvalError::new)?);
        }
        for m in &data_labels {
            matchers.push(LabelMatcher::new(&m.name, m.op, &m.value).map_err(EvalError::new)?);
        }
        for m in &effective {
            matchers.push(LabelMatcher::new(&m.name, m.op, &m.value).map_err(EvalError::new)?);
        }
        let lookback = ev.engine.lookback_ms;
        for (labels, data) in ev.storage.select(&matchers) {
            let Some((t, _, h)) = super::storage::instant_point(data, lookup, lookback) else {
                continue;
            };
            if h.is_some() {
                return Err(EvalError::new("info sample should be float"));
            }
            let sig = (
                labels.value(METRIC_NAME).to_string(),
                labels.value("instance").to_string(),
                labels.value("job").to_string(),
            );
            match infos.iter_mut().find(|(s, _, _)| *s == sig) {
                Some(existing) if existing.2 < t => *existing = (sig, labels.clone(), t),
                Some(existing) if existing.2 == t => {
                    return Err(EvalError::new(format!(
                        "found duplicate series for info metric: existing {} @ {}, new {} @ {t}",
                        existing.1, existing.2, labels
                    )))
                }
                Some(_) => {}
                None => infos.push((sig, labels.clone(), t)),
            }
        }
    }
    let mut out = Vec::with_capacity(base.len());
    for s in base {
        if ignored(&s.labels) {
            out.push(s);
            continue;
        }
        let mut added = Labels::new();
        let mut seen = false;
        for (sig, info_labels, _) in &infos {
            if sig.1 != s.labels.value("instance") || sig.2 != s.labels.value("job") {
                continue;
            }
            seen = true;
            for (n, v) in info_labels.iter() {
                if n == METRIC_NAME {
                    continue;
                }
                if !data_labels.is_empty() && !data_labels.iter().any(|m| m.name == n) {
                    continue;
                }
                if let Some(prev) = added.get(n) {
                    if prev != v {
                        return Err(EvalError::new(format!("conflicting label: {n}")));
                    }
                }
                if s.labels.has(n) {
                    continue;
                }
                added.set(n, v);
            }
        }
        if !seen && !data_labels.iter().all(|m| m.matches("")) {
            continue;
        }
        let mut s = s;
        for (n, v) in added.iter() {
            s.labels.set(n, v);
        }
        out.push(s);
    }
    Ok(out)
}

/// The `@` time and offset of the first selector in `expr` (or, without its own `@`,
/// of the subqueries around it), which pin the time info series are read at.
fn info_time(ev: &Evaluator, expr: &Expr) -> EvalResult<(Option<i64>, i64)> {
    fn find<'e>(
        e: &'e Expr,
        path: &mut Vec<&'e Expr>,
    ) -> Option<(&'e crate::promql::ast::Modifiers, Vec<&'e Expr>)> {
        let mods = match e {
            Expr::Selector(s) => Some(&s.modifiers),
            Expr::Matrix(m) => Some(&m.modifiers),
            _ => None,
        };
        if let Some(m) = mods {
            return Some((m, path.clone()));
        }
        path.push(e);
        for c in e.children() {
            if let Some(found) = find(c, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut path = Vec::new();
    let Some((mods, path)) = find(expr, &mut path) else {
        return Ok((None, 0));
    };
    let at_of = |m: &crate::promql::ast::Modifiers| -> Option<i64> {
        m.at.as_ref().map(|a| match a.value {
            crate::promql::ast::AtValue::Timestamp(s) => super::engine::ms(s),
            crate::promql::ast::AtValue::Start => ev.start,
            crate::promql::ast::AtValue::End => ev.end,
        })
    };
    let offset_of = |m: &crate::promql::ast::Modifiers| -> f64 {
        m.offset
            .as_ref()
            .and_then(|o| ev.duration(&o.duration).ok())
            .unwrap_or(0.0)
    };
    let mut at = at_of(mods);
    let mut offset = offset_of(mods);
    for e in path.iter().rev() {
        if at.is_some() {
            break;
        }
        if let Expr::Subquery(sq) = e {
            offset += offset_of(&sq.modifiers);
            at = at_of(&sq.modifiers);
        }
    }
    Ok((at, (offset * 1000.0).round() as i64))
}

#[derive(Clone)]
struct Bucket {
    upper: f64,
    count: f64,
}

/// Splits a `histogram_quantile`/`histogram_fraction` input into native histogram
/// samples and classic bucket samples. A native histogram with the labels of a classic
/// histogram (its buckets without `le`) conflicts with it: both are left out, with a
/// warning, as Prometheus does.
fn split_native(ev: &mut Evaluator, v: Vec<Sample>, arg: &Expr) -> (Vec<Sample>, Vec<Sample>) {
    let (native, classic): (Vec<Sample>, Vec<Sample>) = v.into_iter().partition(|s| s.h.is_some());
    if native.is_empty() || classic.is_empty() {
        return (native, classic);
    }
    let classic_keys: std::collections::HashSet<Labels> = classic
        .iter()
        .filter(|s| parse_go_float(s.labels.value("le")).is_ok())
        .map(|s| {
            let mut l = s.labels.clone();
            l.remove("le");
            l
        })
        .collect();
    let mut conflicts = std::collections::HashSet::new();
    let mut kept = Vec::with_capacity(native.len());
    for s in native {
        if classic_keys.contains(&s.labels) {
            ev.warn(
                super::native::with_metric_name(
                    "vector contains a mix of classic and native histograms",
                    s.labels.value(METRIC_NAME),
                ),
                arg.span(),
            );
            conflicts.insert(s.labels.clone());
        } else {
            kept.push(s);
        }
    }
    let classic = classic
        .into_iter()
        .filter(|s| {
            let mut l = s.labels.clone();
            l.remove("le");
            !conflicts.contains(&l)
        })
        .collect();
    (kept, classic)
}

/// `histogram_quantile` of each native histogram sample.
fn native_quantiles(
    ev: &mut Evaluator,
    q: f64,
    native: &[Sample],
    arg: &Expr,
    ts: i64,
    quantile_label: Option<(&str, f64)>,
) -> Vec<Sample> {
    let mut out = Vec::with_capacity(native.len());
    for s in native {
        let h = s.h.as_deref().expect("native samples hold histograms");
        let (value, note) = super::native::quantile(q, h);
        if let Some(note) = note {
            ev.info(note.message(s.labels.value(METRIC_NAME)), arg.span());
        }
        let mut labels = s.labels.clone();
        if let Some((label, q)) = quantile_label {
            labels.set(label, &open_metrics_float(q));
        }
        out.push(sample(labels, value, ts, true));
    }
    out
}

/// Classic histogram buckets grouped by series (labels without `le` and the name).
fn classic_buckets(ev: &mut Evaluator, v: Vec<Sample>, arg: &Expr) -> Vec<(Labels, Vec<Bucket>)> {
    let mut index: rustc_hash::FxHashMap<Labels, usize> = Default::default();
    let mut groups: Vec<(Labels, Vec<Bucket>)> = Vec::new();
    for s in v {
        let le = s.labels.value("le");
        let Ok(upper) = parse_go_float(le) else {
            ev.warn(
                format!(
                    "bucket label \"le\" is missing or has a malformed value of {} for metric name {}",
                    crate::promql::text::go_quote(le),
                    crate::promql::text::go_quote(s.labels.value(METRIC_NAME))
                ),
                arg.span(),
            );
            continue;
        };
        let mut key = s.labels.clone();
        key.remove("le");
        let i = *index.entry(key.clone()).or_insert_with(|| {
            let mut out = key.clone();
            out.remove(METRIC_NAME);
            groups.push((out, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(Bucket {
            upper,
            count: s.value,
        });
    }
    groups
}

fn classic_histogram_quantile(
    ev: &mut Evaluator,
    q: f64,
    v: Vec<Sample>,
    arg: &Expr,
    ts: i64,
    quantile_label: Option<(&str, f64)>,
) -> Vec<Sample> {
    let mut out = Vec::new();
    for (mut labels, buckets) in classic_buckets(ev, v, arg) {
        let (value, forced) = bucket_quantile(q, buckets);
        if let Some((min, max, diff)) = forced {
            ev.info(
                format!(
                    "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \"\", from buckets {} to {}, with a max diff of {}, over {}s",
                    format_value(min),
                    format_value(max),
                    format_value(diff),
                    format_value(ts as f64 / 1000.0)
                ),
                arg.span(),
            );
        }
        if let Some((label, q)) = quantile_label {
            labels.set(label, &open_metrics_float(q));
        }
        out.push(sample(labels, value, ts, true));
    }
    out
}

/// Prometheus' `BucketFraction`: the share of observations between `lower` and
/// `upper`, interpolating linearly inside buckets.
fn bucket_fraction(lower: f64, upper: f64, mut buckets: Vec<Bucket>) -> f64 {
    buckets.sort_by(|a, b| {
        a.upper
            .partial_cmp(&b.upper)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if buckets.last().map(|b| b.upper) != Some(f64::INFINITY) {
        return f64::NAN;
    }
    let mut merged: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match merged.last_mut() {
            Some(last) if last.upper == b.upper => last.count += b.count,
            _ => merged.push(b),
        }
    }
    let buckets = merged;
    let count = buckets[buckets.len() - 1].count;
    if count == 0.0 || lower.is_nan() || upper.is_nan() {
        return f64::NAN;
    }
    if lower >= upper {
        return 0.0;
    }
    let (mut rank, mut lower_rank, mut upper_rank) = (0.0, 0.0, 0.0);
    let (mut lower_set, mut upper_set) = (false, false);
    let mut lower_bound = if buckets[0].upper <= 0.0 {
        f64::NEG_INFINITY
    } else {
        0.0
    };
    for (i, b) in buckets.iter().enumerate() {
        if i > 0 {
            lower_bound = buckets[i - 1].upper;
        }
        let upper_bound = b.upper;
        let interpolate = |v: f64| {
            if lower_bound == f64::NEG_INFINITY {
                b.count
            } else {
                rank + (b.count - rank) * (v - lower_bound) / (upper_bound - lower_bound)
            }
        };
        if !lower_set && lower_bound >= lower {
            lower_rank = rank;
            lower_set = true;
        }
        if !upper_set && lower_bound >= upper {
            upper_rank = rank;
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        if !lower_set && lower_bound < lower && upper_bound > lower {
            lower_rank = interpolate(lower);
            lower_set = true;
        }
        if !upper_set && lower_bound < upper && upper_bound > upper {
            upper_rank = interpolate(upper);
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        rank = b.count;
    }
    if !lower_set || lower_rank > count {
        lower_rank = count;
    }
    if !upper_set || upper_rank > count {
        upper_rank = count;
    }
    (upper_rank - lower_rank) / count
}

/// Go's `strconv.ParseFloat` for `le` values.
fn parse_go_float(s: &str) -> Result<f64, ()> {
    match s.to_ascii_lowercase().as_str() {
        "+inf" | "inf" | "infinity" | "+infinity" => return Ok(f64::INFINITY),
        "-inf" | "-infinity" => return Ok(f64::NEG_INFINITY),
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    if s.is_empty() || s.contains(char::is_whitespace) {
        return Err(());
    }
    s.parse::<f64>().map_err(|_| ())
}

/// Prometheus' `BucketQuantile`; also reports (min bucket, max bucket, max diff) when
/// the counts had to be made monotonic.
fn bucket_quantile(q: f64, mut buckets: Vec<Bucket>) -> (f64, Option<(f64, f64, f64)>) {
    if q.is_nan() {
        return (f64::NAN, None);
    }
    if q < 0.0 {
        return (f64::NEG_INFINITY, None);
    }
    if q > 1.0 {
        return (f64::INFINITY, None);
    }
    buckets.sort_by(|a, b| {
        a.upper
            .partial_cmp(&b.upper)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if buckets.last().map(|b| b.upper) != Some(f64::INFINITY) {
        return (f64::NAN, None);
    }
    // Coalesce buckets with the same upper bound.
    let mut merged: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match merged.last_mut() {
            Some(last) if last.upper == b.upper => last.count += b.count,
            _ => merged.push(b),
        }
    }
    let mut buckets = merged;
    // Monotonicity.
    let mut forced = false;
    let (mut min_b, mut max_b, mut max_diff) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
    let mut prev = buckets[0].count;
    for b in buckets.iter_mut().skip(1) {
        let curr = b.count;
        if curr == prev {
            continue;
        }
        if almost_equal(prev, curr, 1e-12) {
            b.count = prev;
            continue;
        }
        if curr < prev {
            b.count = prev;
            forced = true;
            min_b = min_b.min(b.upper);
            max_b = max_b.max(b.upper);
            max_diff = max_diff.max(prev - curr);
            continue;
        }
        prev = curr;
    }
    let forced = forced.then_some((min_b, max_b, max_diff));
    if buckets.len() < 2 {
        return (f64::NAN, forced);
    }
    let observations = buckets[buckets.len() - 1].count;
    if observations == 0.0 {
        return (f64::NAN, forced);
    }
    let mut rank = q * observations;
    let n = buckets.len() - 1;
    let b = buckets[..n].partition_point(|b| b.count < rank);
    let value = if b == n {
        buckets[n - 1].upper
    } else if b == 0 && buckets[0].upper <= 0.0 {
        buckets[0].upper
    } else {
        let mut start = 0.0;
        let end = buckets[b].upper;
        let mut count = buckets[b].count;
        if b > 0 {
            start = buckets[b - 1].upper;
            count -= buckets[b - 1].count;
            rank -= buckets[b - 1].count;
        }
        start + (end - start) * (rank / count)
    };
    (value, forced)
}

/// Prometheus' `almost.Equal`.
pub fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    use super::value::is_stale;
    if is_stale(a) || is_stale(b) {
        return is_stale(a) && is_stale(b);
    }
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let min_normal = f64::from_bits(0x0010_0000_0000_0000);
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < min_normal {
        return diff < epsilon * min_normal;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}

/// Functions over a range vector.
fn range_function(ev: &mut Evaluator, call: &Call, ts: i64) -> EvalResult<Value> {
    let name = call.name.as_str();
    let args = &call.args;
    let matrix_index = args
        .iter()
        .position(|a| a.value_type() == crate::promql::ValueType::Matrix)
        .ok_or_else(|| EvalError::new(format!("function {name} is not supported")))?;
    // Scalar arguments first, as Prometheus evaluates them per step.
    let mut scalars = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if i != matrix_index {
            scalars.push(ev.eval_scalar(a, ts)?);
        }
    }
    check_modifiers(name, &args[matrix_index])?;
    let input = ev.eval_range(&args[matrix_index], ts)?;
    if name == "absent_over_time" {
        return Ok(Value::Vector(if input.series.is_empty() {
            vec![sample(
                absent_labels(args[matrix_index].unparen()),
                1.0,
                ts,
                false,
            )]
        } else {
            Vec::new()
        }));
    }
    if matches!(name, "rate" | "increase") {
        if let Expr::Matrix(_) = args[matrix_index].unparen() {
            for s in &input.series {
                let n = s.labels.value(METRIC_NAME);
                if !n.is_empty()
                    && !s.points.is_empty()
                    && !["_total", "_sum", "_count", "_bucket"]
                        .iter()
                        .any(|suffix| n.ends_with(suffix))
                {
                    ev.info(
                        format!(
                            "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: {}",
                            crate::promql::text::go_quote(n)
                        ),
                        args[matrix_index].span(),
                    );
                }
            }
        }
    }
    if name == "quantile_over_time" {
        let q = scalars[0];
        if (q.is_nan() || !(0.0..=1.0).contains(&q))
            && input.series.iter().any(|s| !s.points.is_empty())
        {
            ev.warn(
                format!(
                    "quantile value should be between 0 and 1, got {}",
                    format_value(q)
                ),
                args[0].span(),
            );
        }
    }
    if name == "double_exponential_smoothing" {
        let (sf, tf) = (scalars[0], scalars[1]);
        if sf <= 0.0 || sf >= 1.0 {
            return Err(EvalError::new(format!(
                "invalid smoothing factor. Expected: 0 < sf < 1, got: {}",
                crate::promql::text::go_float_f(sf)
            )));
        }
        if tf <= 0.0 || tf >= 1.0 {
            return Err(EvalError::new(format!(
                "invalid trend factor. Expected: 0 < tf < 1, got: {}",
                crate::promql::text::go_float_f(tf)
            )));
        }
    }
    let keep_name = matches!(name, "last_over_time" | "first_over_time");
    let mut out = Vec::with_capacity(input.series.len());
    for s in &input.series {
        let drop_name = if keep_name { s.drop_name } else { true };
        if !s.hpoints.is_empty() {
            let site = super::native_range::Site {
                span: args[matrix_index].span(),
                first_arg: args[0].span(),
                series: s,
            };
            use super::native_range::Outcome;
            match super::native_range::evaluate(ev, name, &site, &input) {
                Outcome::Float(v) => out.push(sample(s.labels.clone(), v, ts, drop_name)),
                Outcome::Histogram(h) => {
                    out.push(Sample::histogram(s.labels.clone(), h, ts, drop_name))
                }
                Outcome::Nothing => {}
                Outcome::FloatsOnly => {
                    if let Some(v) = over_time(name, s, &input, &scalars, ts) {
                        out.push(sample(s.labels.clone(), v, ts, drop_name));
                    }
                }
            }
            continue;
        }
        if let Some(v) = over_time(name, s, &input, &scalars, ts) {
            out.push(sample(s.labels.clone(), v, ts, drop_name));
        }
    }
    Ok(Value::Vector(out))
}

fn check_modifiers(name: &str, arg: &Expr) -> EvalResult<()> {
    if let Expr::Matrix(m) = arg.unparen() {
        if m.modifiers.smoothed.is_some() && !matches!(name, "delta" | "increase" | "rate") {
            return Err(EvalError::new(format!(
                "smoothed modifier can only be used with: delta, increase, rate - not with {name}"
            )));
        }
        if m.modifiers.anchored.is_some()
            && !matches!(name, "changes" | "delta" | "increase" | "rate" | "resets")
        {
            return Err(EvalError::new(format!(
                "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with {name}"
            )));
        }
    }
    Ok(())
}

fn over_time(name: &str, s: &Series, input: &RangeInput, scalars: &[f64], ts: i64) -> Option<f64> {
    let p = &s.points;
    if p.is_empty() {
        return None;
    }
    let values = || p.iter().map(|x| x.1);
    Some(match name {
        "rate" | "increase" | "delta" if input.anchored || input.smoothed => {
            extended_rate(p, input, name != "delta", name == "rate")?
        }
        "rate" => extrapolated_rate(p, input, true, true)?,
        "increase" => extrapolated_rate(p, input, true, false)?,
        "delta" => extrapolated_rate(p, input, false, false)?,
        "changes" | "resets" if input.anchored => {
            let start = input.end - input.range;
            let last_le = p.partition_point(|x| x.0 <= start);
            if last_le >= p.len() {
                return None;
            }
            let from = last_le.saturating_sub(1);
            count_changes(name, &p[from..])
        }
        "irate" | "idelta" => {
            if p.len() < 2 {
                return None;
            }
            let (t1, v1) = p[p.len() - 2];
            let (t2, v2) = p[p.len() - 1];
            let mut diff = v2 - v1;
            if name == "irate" {
                if v2 < v1 {
                    diff = v2;
                }
                let dt = (t2 - t1) as f64 / 1000.0;
                if dt == 0.0 {
                    return None;
                }
                diff / dt
            } else {
                diff
            }
        }
        "changes" | "resets" => count_changes(name, p),
        "deriv" => {
            if p.len() < 2 {
                return None;
            }
            linear_regression(p, p[0].0).0
        }
        "predict_linear" => {
            if p.len() < 2 {
                return None;
            }
            let (slope, intercept) = linear_regression(p, ts);
            slope * scalars[0] + intercept
        }
        "avg_over_time" => avg(values()),
        "sum_over_time" => {
            let (mut sum, mut c) = (0.0, 0.0);
            for v in values() {
                (sum, c) = kahan_inc(v, sum, c);
            }
            if sum.is_infinite() {
                sum
            } else {
                sum + c
            }
        }
        "count_over_time" => p.len() as f64,
        "max_over_time" => extreme(p, |cur, m| cur > m || m.is_nan()).1,
        "min_over_time" => extreme(p, |cur, m| cur < m || m.is_nan()).1,
        "ts_of_max_over_time" => extreme(p, |cur, m| cur >= m || m.is_nan()).0 as f64 / 1000.0,
        "ts_of_min_over_time" => extreme(p, |cur, m| cur <= m || m.is_nan()).0 as f64 / 1000.0,
        "last_over_time" => p[p.len() - 1].1,
        "first_over_time" => p[0].1,
        "ts_of_last_over_time" => p[p.len() - 1].0 as f64 / 1000.0,
        "ts_of_first_over_time" => p[0].0 as f64 / 1000.0,
        "present_over_time" => 1.0,
        "quantile_over_time" => quantile(scalars[0], values().collect()),
        "stddev_over_time" => variance_over_time(values()).sqrt(),
        "stdvar_over_time" => variance_over_time(values()),
        "mad_over_time" => {
            if values().any(f64::is_nan) {
                return Some(f64::NAN);
            }
            let median = quantile(0.5, values().collect());
            quantile(0.5, values().map(|v| (v - median).abs()).collect())
        }
        "double_exponential_smoothing" => {
            if p.len() < 2 {
                return None;
            }
            let (sf, tf) = (scalars[0], scalars[1]);
            let (mut s0, mut s1) = (0.0, p[0].1);
            let mut b = p[1].1 - p[0].1;
            for (i, &(_, v)) in p.iter().enumerate().skip(1) {
                let x = sf * v;
                if i - 1 != 0 {
                    b = tf * (s1 - s0) + (1.0 - tf) * b;
                }
                let y = (1.0 - sf) * (s1 + b);
                s0 = s1;
                s1 = x + y;
            }
            s1
        }
        _ => return None,
    })
}

/// `changes` (value changed, NaN to NaN is no change) or `resets` (value dropped).
fn count_changes(name: &str, p: &[(i64, f64)]) -> f64 {
    let mut n = 0.0;
    for w in p.windows(2) {
        let (prev, v) = (w[0].1, w[1].1);
        let counted = if name == "resets" {
            v < prev
        } else {
            v != prev && !(v.is_nan() && prev.is_nan())
        };
        if counted {
            n += 1.0;
        }
    }
    n
}

/// `rate`/`increase`/`delta` over an anchored or smoothed window: the difference of
/// the values at the window's edges (no extrapolation), corrected for counter resets.
fn extended_rate(
    p: &[(i64, f64)],
    input: &RangeInput,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    use super::engine::{pick_left, pick_right, window_indices};
    let (start, end) = (input.end - input.range, input.end);
    let (mut first, mut last) = window_indices(p, start, end, input.smoothed);
    if p[last].0 <= start {
        return None;
    }
    if input.smoothed && p[first].0 > end {
        return None;
    }
    let left = pick_left(p, first, start, input.smoothed, is_counter);
    let right = pick_right(p, last, end, input.smoothed, is_counter);
    let mut result = right - left;
    if is_counter {
        if p[first].0 <= start {
            first += 1;
        }
        if p[last].0 >= end {
            last = last.wrapping_sub(1);
        }
        let inner: &[(i64, f64)] = if last != usize::MAX && first <= last {
            &p[first..=last]
        } else {
            &[]
        };
        let mut correction = 0.0;
        let mut prev = left;
        for &(_, v) in inner {
            if v < prev {
                correction += prev;
            }
            prev = v;
        }
        if right < prev {
            correction += prev;
        }
        result += correction;
    }
    if is_rate {
        result /= input.range as f64 / 1000.0;
    }
    Some(result)
}

fn extreme(p: &[(i64, f64)], better: impl Fn(f64, f64) -> bool) -> (i64, f64) {
    let (mut t, mut m) = p[0];
    for &(pt, v) in p {
        if better(v, m) {
            m = v;
            t = pt;
        }
    }
    (t, m)
}

fn variance_over_time(values: impl Iterator<Item = f64>) -> f64 {
    let (mut n, mut mean, mut cmean, mut aux, mut caux) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for v in values {
        n += 1.0;
        let delta = v - (mean + cmean);
        (mean, cmean) = kahan_inc(delta / n, mean, cmean);
        (aux, caux) = kahan_inc(delta * (v - (mean + cmean)), aux, caux);
    }
    (aux + caux) / n
}

/// Least-squares slope and intercept (at `intercept_time`), Kahan-summed.
fn linear_regression(p: &[(i64, f64)], intercept_time: i64) -> (f64, f64) {
    let (mut n, mut sx, mut cx, mut sy, mut cy, mut sxy, mut cxy, mut sx2, mut cx2) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let init = p[0].1;
    let mut const_y = true;
    for (i, &(t, v)) in p.iter().enumerate() {
        if const_y && i > 0 && v != init {
            const_y = false;
        }
        n += 1.0;
        let x = (t - intercept_time) as f64 / 1000.0;
        (sx, cx) = kahan_inc(x, sx, cx);
        (sy, cy) = kahan_inc(v, sy, cy);
        (sxy, cxy) = kahan_inc(x * v, sxy, cxy);
        (sx2, cx2) = kahan_inc(x * x, sx2, cx2);
    }
    if const_y {
        if init.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init);
    }
    let (sx, sy, sxy, sx2) = (sx + cx, sy + cy, sxy + cxy, sx2 + cx2);
    let cov = sxy - sx * sy / n;
    let var = sx2 - sx * sx / n;
    let slope = cov / var;
    (slope, sy / n - slope * sx / n)
}

/// `rate`, `increase` and `delta`: Prometheus' extrapolation to the window's edges.
fn extrapolated_rate(
    p: &[(i64, f64)],
    input: &RangeInput,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    if p.len() < 2 {
        return None;
    }
    let range_start = input.end - input.range;
    let range_end = input.end;
    let (first_t, first_v) = p[0];
    let (last_t, last_v) = p[p.len() - 1];
    let mut result = last_v - first_v;
    if is_counter {
        for w in p.windows(2) {
            if w[1].1 < w[0].1 {
                result += w[0].1;
            }
        }
    }
    let mut duration_to_start = (first_t - range_start) as f64 / 1000.0;
    let mut duration_to_end = (range_end - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let avg_between = sampled / (p.len() - 1) as f64;
    let threshold = avg_between * 1.1;
    if duration_to_start >= threshold {
        duration_to_start = avg_between / 2.0;
    }
    if is_counter && result > 0.0 && first_v >= 0.0 {
        let to_zero = sampled * (first_v / result);
        if to_zero < duration_to_start {
            duration_to_start = to_zero;
        }
    }
    if duration_to_end >= threshold {
        duration_to_end = avg_between / 2.0;
    }
    let mut factor = if sampled != 0.0 {
        (sampled + duration_to_start + duration_to_end) / sampled
    } else {
        1.0
    };
    if is_rate {
        factor /= input.range as f64 / 1000.0;
    }
    Some(result * factor)
}

/// Prometheus' `labels.FormatOpenMetricsFloat`: Go's shortest `%g`, with `.0` added
/// to whole numbers (`0.0`, `1.0`, `0.25`, `1e+06`).
fn open_metrics_float(f: f64) -> String {
    let text = super::histogram::go_g(f);
    if f.is_nan() || f.is_infinite() || text.contains(['e', '.']) {
        text
    } else {
        format!("{text}.0")
    }
}
