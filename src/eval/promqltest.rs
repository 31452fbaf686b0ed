//! Prometheus' PromQL test-script language (`promql/promqltest`): `load`, `clear` and
//! `eval` commands with their expectations, parsed into commands and run against our
//! engine. Each eval gives an [`EvalOutcome`] so a conformance runner can report
//! per file and keep a table of known failures.

use super::engine::{Engine, EvalError, QueryResult};
use super::functions::almost_equal;
use super::histogram::FloatHistogram;
use super::series::{parse_points, parse_series_desc, parse_values, split_series_line, SeqPoint};
use super::storage::Storage;
use super::value::{format_value, Labels, Value};
use crate::promql::text::parse_duration;
use regex::Regex;

const EPSILON: f64 = 0.000001;

// A test file holds a handful of commands: boxing the large `Eval` variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Command {
    Load(Load),
    Clear,
    Eval(Box<EvalCommand>),
}

#[derive(Debug, Clone)]
pub struct Load {
    pub line: usize,
    pub step_ms: i64,
    pub series: Vec<(Labels, Vec<Option<SeqPoint>>)>,
    /// Whether native histogram samples are among them.
    pub has_histograms: bool,
    /// `load_with_nhcb`: classic histograms are also loaded as custom-bucket ones.
    pub with_nhcb: bool,
    /// Series lines this engine cannot load, with the reason.
    pub unsupported: Vec<(usize, String)>,
}

#[derive(Debug, Clone)]
pub enum EvalKind {
    Instant { at: i64 },
    Range { start: i64, end: i64, step: i64 },
}

/// How an expected message is matched.
#[derive(Debug, Clone)]
pub enum MessageMatch {
    Any,
    Exact(String),
    Pattern(Regex),
}

impl MessageMatch {
    fn matches(&self, s: &str) -> bool {
        match self {
            MessageMatch::Any => true,
            MessageMatch::Exact(m) => m == s,
            MessageMatch::Pattern(r) => r.is_match(s),
        }
    }

    fn describe(&self) -> String {
        match self {
            MessageMatch::Any => ".*".into(),
            MessageMatch::Exact(m) => format!("message {m:?}"),
            MessageMatch::Pattern(r) => format!("pattern {:?}", r.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct EvalCommand {
    /// 1-based line of the `eval` command.
    pub line: usize,
    pub expr: String,
    pub kind: EvalKind,
    pub fail: Option<MessageMatch>,
    pub ordered: bool,
    pub warn: Vec<MessageMatch>,
    pub info: Vec<MessageMatch>,
    pub no_warn: bool,
    pub no_info: bool,
    /// `eval_warn` / `eval_info`: at least one such annotation.
    pub any_warn: bool,
    pub any_info: bool,
    /// Expected series: labels, values, and whether a histogram's counter reset hint
    /// was written (only then is it compared).
    pub expected: Vec<(Labels, Vec<Option<SeqPoint>>, bool)>,
    pub expected_scalar: Option<f64>,
    pub expected_string: Option<String>,
    /// `expect range vector from .. to .. step ..` (start, end, step in ms).
    pub range_vector: Option<(i64, i64, i64)>,
    /// Why this engine cannot run the eval (an expected native histogram).
    pub unsupported: Option<String>,
}

/// The result of one eval command.
#[derive(Debug, Clone)]
pub struct EvalOutcome {
    pub line: usize,
    pub expr: String,
    pub error: Option<String>,
    /// Run with native-histogram (or start-timestamp) data loaded, or expecting
    /// histogram results: not a float-only eval.
    pub uses_histograms: bool,
}

fn duration_ms(text: &str) -> Result<i64, String> {
    parse_duration(text.trim()).map(|s| (s * 1000.0).round() as i64)
}

/// Parses a test script. Errors name the 1-based line.
pub fn parse(text: &str) -> Result<Vec<Command>, String> {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                ""
            } else {
                l
            }
        })
        .collect();
    let mut commands = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.is_empty() {
            i += 1;
            continue;
        }
        let word = l
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let (next, cmd) = if word == "clear" {
            (i + 1, Command::Clear)
        } else if word.starts_with("load") {
            parse_load(&lines, i)?
        } else if word.starts_with("eval") {
            parse_eval(&lines, i)?
        } else {
            return Err(format!("line {}: invalid command {l:?}", i + 1));
        };
        commands.push(cmd);
        i = next;
    }
    Ok(commands)
}

/// The block of non-empty lines after line `i`.
fn block_end(lines: &[&str], i: usize) -> usize {
    let mut j = i + 1;
    while j < lines.len() && !lines[j].is_empty() {
        j += 1;
    }
    j
}

fn parse_load(lines: &[&str], i: usize) -> Result<(usize, Command), String> {
    let re = Regex::new(r"^load(?:_(with_nhcb))?\s+(.+?)$").expect("valid regex");
    let caps = re.captures(lines[i]).ok_or_else(|| {
        format!(
            "line {}: invalid load command. (load[_with_nhcb] <step:duration>)",
            i + 1
        )
    })?;
    let with_nhcb = caps.get(1).is_some();
    let step_ms = duration_ms(&caps[2])
        .map_err(|e| format!("line {}: invalid step definition: {e}", i + 1))?;
    let end = block_end(lines, i);
    let mut load = Load {
        line: i + 1,
        step_ms,
        series: Vec::new(),
        has_histograms: with_nhcb,
        with_nhcb,
        unsupported: Vec::new(),
    };
    for (j, line) in lines.iter().enumerate().take(end).skip(i + 1) {
        let (desc, values) = split_series_line(line).map_err(|e| format!("line {}: {e}", j + 1))?;
        if desc.ends_with("@st") {
            load.unsupported.push((
                j + 1,
                "start-timestamp (@st) lines are not supported".into(),
            ));
            continue;
        }
        let labels = parse_series_desc(desc).map_err(|e| format!("line {}: {e}", j + 1))?;
        let points = parse_points(values).map_err(|e| format!("line {}: {e}", j + 1))?;
        if points
            .iter()
            .any(|p| matches!(p, Some(SeqPoint::Histogram(_))))
        {
            load.has_histograms = true;
        }
        load.series.push((labels, points));
    }
    Ok((end, Command::Load(load)))
}

fn parse_eval(lines: &[&str], i: usize) -> Result<(usize, Command), String> {
    let instant =
        Regex::new(r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$")
            .expect("valid regex");
    let range = Regex::new(
        r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$",
    )
    .expect("valid regex");
    let line_no = i + 1;
    let err = |m: String| format!("line {line_no}: {m}");
    let (modifier, expr, kind) = if let Some(c) = instant.captures(lines[i]) {
        let at = match c.get(2) {
            Some(t) => duration_ms(t.as_str()).map_err(err)?,
            None => 0,
        };
        (
            c.get(1).map(|m| m.as_str().to_string()),
            c[3].to_string(),
            EvalKind::Instant { at },
        )
    } else if let Some(c) = range.captures(lines[i]) {
        let start = duration_ms(&c[2]).map_err(err)?;
        let end = duration_ms(&c[3]).map_err(err)?;
        let step = duration_ms(&c[4]).map_err(err)?;
        (
            c.get(1).map(|m| m.as_str().to_string()),
            c[5].to_string(),
            EvalKind::Range { start, end, step },
        )
    } else {
        return Err(err("invalid evaluation command".into()));
    };
    let mut cmd = EvalCommand {
        line: line_no,
        expr,
        kind,
        fail: None,
        ordered: false,
        warn: Vec::new(),
        info: Vec::new(),
        no_warn: false,
        no_info: false,
        any_warn: false,
        any_info: false,
        expected: Vec::new(),
        expected_scalar: None,
        expected_string: None,
        range_vector: None,
        unsupported: None,
    };
    match modifier.as_deref() {
        Some("fail") => cmd.fail = Some(MessageMatch::Any),
        Some("warn") => cmd.any_warn = true,
        Some("info") => cmd.any_info = true,
        Some("ordered") => cmd.ordered = true,
        _ => {}
    }
    let expect =
        Regex::new(r"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$")
            .expect("valid regex");
    let range_vector = Regex::new(r"^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$")
        .expect("valid regex");
    let end = block_end(lines, i);
    let mut j = i + 1;
    while j < end {
        let l = lines[j];
        let lerr = |m: String| format!("line {}: {m}", j + 1);
        if cmd.fail.is_some() && l.starts_with("expected_fail_message") {
            cmd.fail = Some(MessageMatch::Exact(
                l["expected_fail_message".len()..].trim().to_string(),
            ));
            j += 1;
            break;
        }
        if cmd.fail.is_some() && l.starts_with("expected_fail_regexp") {
            let p = l["expected_fail_regexp".len()..].trim();
            cmd.fail = Some(MessageMatch::Pattern(
                Regex::new(p).map_err(|e| lerr(e.to_string()))?,
            ));
            j += 1;
            break;
        }
        if let Some(c) = range_vector.captures(l) {
            let s = duration_ms(&c[1]).map_err(lerr)?;
            let e = duration_ms(&c[2]).map_err(lerr)?;
            let st = duration_ms(&c[3]).map_err(lerr)?;
            cmd.range_vector = Some((s, e, st));
            j += 1;
            continue;
        }
        if let Some(rest) = l.strip_prefix("expect string") {
            let s = rest.trim();
            cmd.expected_string = Some(
                go_unquote(s).ok_or_else(|| lerr("expected string literal not valid".into()))?,
            );
            j += 1;
            continue;
        }
        if l.split(' ').next() == Some("expect") {
            let c = expect
                .captures(l)
                .ok_or_else(|| lerr("invalid expect statement".into()))?;
            let m = match (c.get(2).map(|m| m.as_str()), c.get(3)) {
                (Some("msg"), Some(t)) => MessageMatch::Exact(t.as_str().trim().to_string()),
                (Some(_), Some(t)) => MessageMatch::Pattern(
                    Regex::new(t.as_str().trim()).map_err(|e| lerr(e.to_string()))?,
                ),
                _ => MessageMatch::Any,
            };
            match &c[1] {
                "ordered" => cmd.ordered = true,
                "fail" => cmd.fail = Some(m),
                "warn" => cmd.warn.push(m),
                "info" => cmd.info.push(m),
                "no_warn" => cmd.no_warn = true,
                _ => cmd.no_info = true,
            }
            j += 1;
            continue;
        }
        if let Ok(v) = parse_scalar(l) {
            cmd.expected_scalar = Some(v);
            j += 1;
            break;
        }
        let (desc, values) = split_series_line(l).map_err(lerr)?;
        let labels = parse_series_desc(desc).map_err(lerr)?;
        let points = parse_points(values).map_err(lerr)?;
        cmd.expected
            .push((labels, points, values.contains("counter_reset_hint")));
        j += 1;
    }
    Ok((end.max(j), Command::Eval(Box::new(cmd))))
}

fn parse_scalar(l: &str) -> Result<f64, ()> {
    let v = parse_values(l).map_err(|_| ())?;
    if l.split_whitespace().count() == 1 && v.len() == 1 && !l.starts_with('_') && !l.contains('x')
    {
        v[0].ok_or(())
    } else {
        Err(())
    }
}

fn go_unquote(s: &str) -> Option<String> {
    if s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('`') && s.ends_with('`')))
    {
        Some(crate::promql::text::unquote(s))
    } else {
        None
    }
}

/// Runs a parsed script: every eval gives an outcome.
pub fn run(commands: &[Command], engine: &Engine) -> Vec<EvalOutcome> {
    let mut storage = Storage::new();
    let mut unsupported: Vec<String> = Vec::new();
    let mut histograms_loaded = false;
    let mut out = Vec::new();
    for cmd in commands {
        match cmd {
            Command::Clear => {
                storage.clear();
                unsupported.clear();
                histograms_loaded = false;
            }
            Command::Load(load) => {
                for (labels, values) in &load.series {
                    let (mut floats, mut histograms) = (Vec::new(), Vec::new());
                    for (i, v) in values.iter().enumerate() {
                        let t = i as i64 * load.step_ms;
                        match v {
                            Some(SeqPoint::Float(f)) => floats.push((t, *f)),
                            Some(SeqPoint::Histogram(h)) => histograms.push((t, (**h).clone())),
                            None => {}
                        }
                    }
                    if !histograms.is_empty() {
                        storage.append_histograms(labels.clone(), histograms);
                    }
                    if !floats.is_empty() || values.is_empty() {
                        storage.append(labels.clone(), floats);
                    }
                }
                if load.with_nhcb {
                    for (labels, samples) in classic_to_nhcb(load) {
                        storage.append_histograms(labels, samples);
                    }
                }
                histograms_loaded |= load.has_histograms;
                for (line, why) in &load.unsupported {
                    unsupported.push(format!("line {line}: {why}"));
                }
            }
            Command::Eval(ev) => {
                let mut error = match &ev.unsupported {
                    Some(why) => Some(why.clone()),
                    None => run_eval(ev, &storage, engine).err(),
                };
                if let (Some(e), Some(first)) = (&mut error, unsupported.first()) {
                    e.push_str(&format!(" (data not loaded: {first})"));
                }
                out.push(EvalOutcome {
                    line: ev.line,
                    expr: ev.expr.clone(),
                    error,
                    uses_histograms: histograms_loaded
                        || !unsupported.is_empty()
                        || ev.unsupported.is_some()
                        || ev.expected.iter().any(|(_, v, _)| {
                            v.iter().any(|p| matches!(p, Some(SeqPoint::Histogram(_))))
                        }),
                });
            }
        }
    }
    out
}

/// One classic histogram at one time, being collected from its series.
#[derive(Default)]
struct ClassicParts {
    /// (le, cumulative count) in the order first seen.
    buckets: Vec<(f64, f64)>,
    count: Option<f64>,
    sum: f64,
}

/// `load_with_nhcb`: every classic histogram among the loaded series (`x_bucket` with
/// `le`, `x_count`, `x_sum`) also becomes a native histogram with custom buckets named
/// `x`, as Prometheus' test loader converts them.
fn classic_to_nhcb(load: &Load) -> Vec<(Labels, Vec<(i64, FloatHistogram)>)> {
    use std::collections::BTreeMap;
    let mut by_series: BTreeMap<Labels, BTreeMap<i64, ClassicParts>> = BTreeMap::new();
    for (labels, values) in &load.series {
        let name = labels.value(super::value::METRIC_NAME);
        let (kind, base) = if let Some(b) = name.strip_suffix("_bucket") {
            (0, b)
        } else if let Some(b) = name.strip_suffix("_count") {
            (1, b)
        } else if let Some(b) = name.strip_suffix("_sum") {
            (2, b)
        } else {
            continue;
        };
        let le = if kind == 0 {
            match labels
                .value("le")
                .parse::<f64>()
                .ok()
                .or_else(|| match labels.value("le") {
                    "+Inf" | "Inf" | "inf" | "+inf" => Some(f64::INFINITY),
                    _ => None,
                }) {
                Some(le) if !le.is_nan() => le,
                _ => continue,
            }
        } else {
            0.0
        };
        let mut key = labels.clone();
        key.set(super::value::METRIC_NAME, base);
        key.remove("le");
        let series = by_series.entry(key).or_default();
        for (i, v) in values.iter().enumerate() {
            let Some(SeqPoint::Float(f)) = v else {
                continue;
            };
            if super::value::is_stale(*f) {
                continue;
            }
            let parts = series.entry(i as i64 * load.step_ms).or_default();
            match kind {
                0 => {
                    if !parts.buckets.iter().any(|b| b.0 == le) {
                        parts.buckets.push((le, *f));
                    }
                }
                1 => parts.count = Some(*f),
                _ => parts.sum = *f,
            }
        }
    }
    by_series
        .into_iter()
        .map(|(labels, times)| {
            let samples = times
                .into_iter()
                .map(|(t, mut parts)| {
                    parts.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let count = parts
                        .count
                        .or_else(|| parts.buckets.last().map(|b| b.1))
                        .unwrap_or(0.0);
                    if parts.buckets.last().map(|b| b.0) != Some(f64::INFINITY) {
                        parts.buckets.push((f64::INFINITY, count));
                    }
                    let mut prev = 0.0;
                    let mut positive = Vec::with_capacity(parts.buckets.len());
                    for (i, (_, c)) in parts.buckets.iter().enumerate() {
                        positive.push((i as i32, c - prev));
                        prev = *c;
                    }
                    let h = FloatHistogram {
                        schema: super::histogram::CUSTOM_BUCKETS_SCHEMA,
                        count,
                        sum: parts.sum,
                        positive,
                        custom_values: parts.buckets[..parts.buckets.len() - 1]
                            .iter()
                            .map(|b| b.0)
                            .collect(),
                        ..FloatHistogram::default()
                    };
                    (t, h.compact())
                })
                .collect();
            (labels, samples)
        })
        .collect()
}

fn run_eval(cmd: &EvalCommand, storage: &Storage, engine: &Engine) -> Result<(), String> {
    let parsed = crate::promql::parse(&cmd.expr);
    let Some(expr) = parsed.expr else {
        let msg = parsed
            .errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        return Err(format!("our parser refused the expression: {msg}"));
    };
    match cmd.kind {
        EvalKind::Range { start, end, step } => {
            let result = engine.range(storage, &expr, start, end, step);
            let res = match check_failure(cmd, result)? {
                Some(r) => r,
                None => return Ok(()),
            };
            check_annotations(cmd, &res)?;
            compare(cmd, &res.value, start, end, step)
        }
        EvalKind::Instant { at } => {
            let (start, end, step) = cmd.range_vector.unwrap_or((at, at, 0));
            let eval_at = if cmd.range_vector.is_some() { end } else { at };
            let result = engine.instant(storage, &expr, eval_at);
            let res = match check_failure(cmd, result)? {
                Some(r) => r,
                None => return Ok(()),
            };
            check_annotations(cmd, &res)?;
            compare(cmd, &res.value, start, end, step)?;
            // The same query in range mode must agree at the middle step.
            let context_fn = Regex::new(r"(start|end|range|step)\(\)").expect("valid regex");
            if cmd.range_vector.is_some()
                || cmd.expected_string.is_some()
                || cmd.ordered
                || context_fn.is_match(&cmd.expr)
            {
                return Ok(());
            }
            let range = engine
                .range(storage, &expr, eval_at - 60_000, eval_at + 60_000, 60_000)
                .map_err(|e| format!("error evaluating query in range mode: {e}"))?;
            let Value::Matrix(m) = range.value else {
                return Err("range query did not return a matrix".into());
            };
            let vector: Vec<super::value::Sample> =
                m.iter()
                    .filter_map(|s| {
                        let float = s.points.iter().find(|p| p.0 == eval_at).map(|p| {
                            super::value::Sample::float(s.labels.clone(), p.1, p.0, false)
                        });
                        float.or_else(|| {
                            s.hpoints.iter().find(|p| p.0 == eval_at).map(|p| {
                                super::value::Sample::histogram(
                                    s.labels.clone(),
                                    p.1.clone(),
                                    p.0,
                                    false,
                                )
                            })
                        })
                    })
                    .collect();
            let value = if matches!(res.value, Value::Scalar(_)) {
                Value::Scalar(vector.first().map(|s| s.value).unwrap_or(f64::NAN))
            } else {
                Value::Vector(vector)
            };
            compare(cmd, &value, eval_at, eval_at, 0).map_err(|e| format!("range mode: {e}"))
        }
    }
}

/// Ok(None): failed as expected; Ok(Some): evaluated; Err: the outcome is wrong.
fn check_failure(
    cmd: &EvalCommand,
    result: Result<QueryResult, EvalError>,
) -> Result<Option<QueryResult>, String> {
    match (result, &cmd.fail) {
        (Err(e), Some(m)) => {
            if m.matches(&e.message) {
                Ok(None)
            } else {
                Err(format!(
                    "expected error matching {}, got: {}",
                    m.describe(),
                    e.message
                ))
            }
        }
        (Err(e), None) => Err(format!("error evaluating query: {}", e.message)),
        (Ok(_), Some(_)) => Err("expected an error evaluating the query but got none".into()),
        (Ok(r), None) => Ok(Some(r)),
    }
}

fn check_annotations(cmd: &EvalCommand, res: &QueryResult) -> Result<(), String> {
    let rendered = |warning: bool| -> Vec<String> {
        res.annotations
            .iter()
            .filter(|a| a.warning == warning)
            .map(|a| a.render(&cmd.expr))
            .collect()
    };
    let (warnings, infos) = (rendered(true), rendered(false));
    if cmd.any_warn && warnings.is_empty() {
        return Err("expected warnings but got none".into());
    }
    if cmd.any_info && infos.is_empty() {
        return Err("expected info annotations but got none".into());
    }
    for (expected, actual, kind) in [(&cmd.warn, &warnings, "warn"), (&cmd.info, &infos, "info")] {
        if expected.is_empty() {
            continue;
        }
        if actual.is_empty() {
            return Err(format!("expected {kind} annotations but none were found"));
        }
        for e in expected {
            if !actual.iter().any(|a| e.matches(a)) {
                return Err(format!(
                    "expected {kind} annotation matching {} but found: {actual:?}",
                    e.describe()
                ));
            }
        }
        for a in actual {
            if !expected.iter().any(|e| e.matches(a)) {
                return Err(format!("unexpected {kind} annotation {a:?}"));
            }
        }
    }
    if cmd.no_warn && !warnings.is_empty() {
        return Err(format!("unexpected warning annotations: {warnings:?}"));
    }
    if cmd.no_info && !infos.is_empty() {
        return Err(format!("unexpected info annotations: {infos:?}"));
    }
    Ok(())
}

fn compare(
    cmd: &EvalCommand,
    value: &Value,
    start: i64,
    end: i64,
    step: i64,
) -> Result<(), String> {
    match value {
        Value::String(s) => match &cmd.expected_string {
            Some(e) if e == s => Ok(()),
            Some(e) => Err(format!("expected string {e:?} but got {s:?}")),
            None => Err(format!("unexpected string result {s:?}")),
        },
        Value::Scalar(v) => match cmd.expected_scalar {
            Some(e) if almost_equal(e, *v, EPSILON) => Ok(()),
            Some(e) => Err(format!(
                "expected scalar {} but got {}",
                format_value(e),
                format_value(*v)
            )),
            None => Err(format!(
                "expected vector or matrix result, but got scalar {}",
                format_value(*v)
            )),
        },
        Value::Vector(samples) => {
            if let Some(e) = cmd.expected_scalar {
                return Err(format!(
                    "expected scalar {} but got a vector",
                    format_value(e)
                ));
            }
            let mut seen = vec![false; cmd.expected.len()];
            for (pos, s) in samples.iter().enumerate() {
                let Some(i) = cmd.expected.iter().position(|(l, _, _)| *l == s.labels) else {
                    return Err(format!(
                        "unexpected metric {} in result, has value {}",
                        s.labels,
                        render_sample(s.value, s.h.as_deref())
                    ));
                };
                if cmd.ordered && i != pos {
                    return Err(format!(
                        "expected metric {} at position {} but was at {}",
                        s.labels,
                        i + 1,
                        pos + 1
                    ));
                }
                let (_, values, hint_set) = &cmd.expected[i];
                let expected = values.first().cloned().flatten();
                if !point_matches(expected.as_ref(), s.value, s.h.as_deref(), *hint_set) {
                    return Err(format!(
                        "expected {} for {} but got {}",
                        render_expected(expected.as_ref()),
                        s.labels,
                        render_sample(s.value, s.h.as_deref())
                    ));
                }
                seen[i] = true;
            }
            if let Some(i) = seen.iter().position(|s| !s) {
                return Err(format!("expected metric {} not found", cmd.expected[i].0));
            }
            Ok(())
        }
        Value::Matrix(series) => {
            if cmd.ordered {
                return Err("expected ordered result, but query returned a matrix".into());
            }
            if cmd.expected_scalar.is_some() {
                return Err("expected scalar result, but got matrix".into());
            }
            if series.windows(2).any(|w| w[0].labels > w[1].labels) {
                return Err("matrix results should always be sorted by labels".into());
            }
            let mut seen = vec![false; cmd.expected.len()];
            for s in series {
                let Some(i) = cmd.expected.iter().position(|(l, _, _)| *l == s.labels) else {
                    return Err(format!("unexpected metric {} in result", s.labels));
                };
                seen[i] = true;
                let (_, values, hint_set) = &cmd.expected[i];
                let mut expected = Vec::new();
                for (k, v) in values.iter().enumerate() {
                    let t = start + k as i64 * step;
                    if t > end || (step == 0 && k > 0) {
                        return Err(format!(
                            "expected {} points for {}, but query time range cannot return this many points",
                            values.len(),
                            s.labels
                        ));
                    }
                    if let Some(v) = v {
                        expected.push((t, v));
                    }
                }
                let actual = merged_points(s);
                if expected.len() != actual.len() {
                    return Err(format!(
                        "expected {} points for {}, but got {}: {}",
                        expected.len(),
                        s.labels,
                        actual.len(),
                        render_points(&actual)
                    ));
                }
                for (e, a) in expected.iter().zip(&actual) {
                    if e.0 != a.0 {
                        return Err(format!(
                            "expected a point at t={} for {}, got t={}",
                            e.0, s.labels, a.0
                        ));
                    }
                    if !point_matches(Some(e.1), a.1, a.2, *hint_set) {
                        return Err(format!(
                            "expected {} at t={} for {}, got {}",
                            render_expected(Some(e.1)),
                            e.0,
                            s.labels,
                            render_sample(a.1, a.2)
                        ));
                    }
                }
            }
            if let Some(i) = seen.iter().position(|s| !s) {
                return Err(format!("expected metric {} not found", cmd.expected[i].0));
            }
            Ok(())
        }
    }
}

/// A series' float and histogram points in time order.
fn merged_points(s: &super::value::Series) -> Vec<(i64, f64, Option<&FloatHistogram>)> {
    let mut out: Vec<(i64, f64, Option<&FloatHistogram>)> = s
        .points
        .iter()
        .map(|p| (p.0, p.1, None))
        .chain(s.hpoints.iter().map(|p| (p.0, 0.0, Some(&p.1))))
        .collect();
    out.sort_by_key(|p| p.0);
    out
}

fn point_matches(
    expected: Option<&SeqPoint>,
    value: f64,
    h: Option<&FloatHistogram>,
    hint_set: bool,
) -> bool {
    match (expected, h) {
        (Some(SeqPoint::Float(e)), None) => almost_equal(*e, value, EPSILON),
        (Some(SeqPoint::Histogram(e)), Some(h)) => histograms_match(e, h, hint_set),
        _ => false,
    }
}

/// promqltest's comparison: both compacted, counts within the tolerance, the same
/// layout; the counter reset hint only when the expectation names one.
fn histograms_match(e: &FloatHistogram, a: &FloatHistogram, hint_set: bool) -> bool {
    let close = |x: f64, y: f64| almost_equal(x, y, EPSILON);
    let buckets = |x: &[(i32, f64)], y: &[(i32, f64)]| {
        let x: Vec<_> = x.iter().filter(|b| b.1 != 0.0).collect();
        let y: Vec<_> = y.iter().filter(|b| b.1 != 0.0).collect();
        x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| p.0 == q.0 && close(p.1, q.1))
    };
    e.schema == a.schema
        && close(e.count, a.count)
        && close(e.sum, a.sum)
        && (!e.uses_custom_buckets() || e.custom_values == a.custom_values)
        && e.zero_threshold == a.zero_threshold
        && close(e.zero_count, a.zero_count)
        && buckets(&e.negative, &a.negative)
        && buckets(&e.positive, &a.positive)
        && (!hint_set || e.counter_reset_hint == a.counter_reset_hint)
}

fn render_sample(value: f64, h: Option<&FloatHistogram>) -> String {
    match h {
        Some(h) => h.to_string(),
        None => format_value(value),
    }
}

fn render_expected(e: Option<&SeqPoint>) -> String {
    match e {
        Some(SeqPoint::Float(v)) => format_value(*v),
        Some(SeqPoint::Histogram(h)) => h.to_string(),
        None => "_".into(),
    }
}

fn render_points(points: &[(i64, f64, Option<&FloatHistogram>)]) -> String {
    points
        .iter()
        .map(|(t, v, h)| format!("{} @[{t}]", render_sample(*v, *h)))
        .collect::<Vec<_>>()
        .join(", ")
}
