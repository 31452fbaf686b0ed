//! Rule groups under test: loaded from rule files (through `crate::rules`, with lines),
//! and evaluated step by step as Prometheus' rule manager does: recording rules write
//! their series, alerting rules keep pending/firing state with `for` and
//! `keep_firing_for`, write `ALERTS`/`ALERTS_FOR_STATE`, and series that disappear get
//! staleness markers.

use super::template::{AlertData, Expander, QuerySample};
use crate::eval::engine::{Engine, EvalError};
use crate::eval::storage::Storage;
use crate::eval::value::{stale_nan, Labels, Sample, Value};
use crate::promql::Expr;
use crate::rules::RuleKind;
use crate::source::SourceFile;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct RuleDef {
    pub file: String,
    pub line: usize,
    pub group: String,
    pub kind: RuleKind,
    pub name: String,
    pub expr: Expr,
    pub expr_text: String,
    pub for_ms: i64,
    pub keep_firing_ms: i64,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct GroupDef {
    pub name: String,
    pub file: String,
    pub query_offset_ms: i64,
    pub limit: usize,
    pub rules: Vec<RuleDef>,
}

/// A rule file that cannot be used, with where and why.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Feature checks applied when rule files are loaded (as Prometheus' parser options).
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub enabled_features: Vec<String>,
}

fn duration_ms(text: Option<&str>) -> Result<i64, String> {
    match text {
        None | Some("") => Ok(0),
        Some(t) => crate::rules::duration::parse_duration(t).map(|v| v as i64),
    }
}

/// Loads rule groups from files; every problem is reported with its line.
pub fn load(paths: &[String], options: &LoadOptions) -> Result<Vec<GroupDef>, Vec<LoadError>> {
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(LoadError {
                    file: path.clone(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read rule file: {e}"),
                });
                continue;
            }
        };
        let source = SourceFile::new(path.clone(), text);
        let at = |offset: usize| source.line_col(offset);
        let mut push = |offset: usize, message: String| {
            let lc = at(offset);
            errors.push(LoadError {
                file: path.clone(),
                line: lc.line,
                column: lc.column,
                message,
            });
        };
        let file = match crate::rules::load(&source) {
            Ok(f) => f,
            Err(e) => {
                push(e.span.start, format!("not valid YAML: {}", e.message));
                continue;
            }
        };
        let structure = file
            .structure
            .iter()
            .find_map(|f| f.under(&crate::rules::RuleOptions::default()))
            .filter(|d| d.severity == crate::diagnostic::Severity::Error);
        if let Some(d) = structure {
            push(d.span.start, d.message.clone());
            continue;
        }
        let enabled: Vec<&str> = options
            .enabled_features
            .iter()
            .map(String::as_str)
            .collect();
        for group in &file.groups {
            let group_labels: Vec<(String, String)> = group
                .labels
                .iter()
                .map(|p| (p.key.clone(), p.text().unwrap_or("").to_string()))
                .collect();
            let mut g = GroupDef {
                name: group.name().to_string(),
                file: path.clone(),
                query_offset_ms: 0,
                limit: group
                    .limit
                    .as_ref()
                    .and_then(|f| f.text())
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0),
                rules: Vec::new(),
            };
            match duration_ms(group.query_offset.as_ref().and_then(|f| f.text())) {
                Ok(ms) => g.query_offset_ms = ms,
                Err(e) => push(group.span.start, e),
            }
            for rule in &group.rules {
                let (Some(kind), Some(name), Some(expr_field)) =
                    (rule.kind(), rule.name(), rule.expr.as_ref())
                else {
                    continue;
                };
                let expr_text = expr_field.text().unwrap_or("").to_string();
                let parsed = crate::promql::parse(&expr_text);
                let Some(expr) = parsed.expr else {
                    let e = &parsed.errors[0];
                    let offset = expr_field
                        .scalar()
                        .map(|s| s.span_of(e.span.clone()).start)
                        .unwrap_or(expr_field.value_span().start);
                    push(offset, format!("{name}: {}", e.message));
                    continue;
                };
                if let Some(f) = crate::checks::promql::feature::find(&expr, &enabled).first() {
                    let offset = expr_field
                        .scalar()
                        .map(|s| s.span_of(f.span.clone()).start)
                        .unwrap_or(expr_field.value_span().start);
                    push(offset, format!("{name}: {}", f.message));
                    continue;
                }
                let for_ms = match duration_ms(rule.for_.as_ref().and_then(|f| f.text())) {
                    Ok(v) => v,
                    Err(e) => {
                        push(rule.span.start, e);
                        continue;
                    }
                };
                let keep_firing_ms =
                    match duration_ms(rule.keep_firing_for.as_ref().and_then(|f| f.text())) {
                        Ok(v) => v,
                        Err(e) => {
                            push(rule.span.start, e);
                            continue;
                        }
                    };
                let mut labels = group_labels.clone();
                for p in &rule.labels {
                    let v = p.text().unwrap_or("").to_string();
                    match labels.iter_mut().find(|(k, _)| *k == p.key) {
                        Some(slot) => slot.1 = v,
                        None => labels.push((p.key.clone(), v)),
                    }
                }
                g.rules.push(RuleDef {
                    file: path.clone(),
                    line: at(rule.name_span().start).line,
                    group: g.name.clone(),
                    kind,
                    name: name.to_string(),
                    expr,
                    expr_text,
                    for_ms,
                    keep_firing_ms,
                    labels,
                    annotations: rule
                        .annotations
                        .iter()
                        .map(|p| (p.key.clone(), p.text().unwrap_or("").to_string()))
                        .collect(),
                });
            }
            groups.push(g);
        }
    }
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(errors)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Inactive,
    Pending,
    Firing,
}

#[derive(Debug, Clone)]
pub struct Alert {
    pub labels: Labels,
    pub annotations: Labels,
    pub active_at: i64,
    pub state: AlertState,
    pub resolved_at: Option<i64>,
    keep_firing_since: Option<i64>,
}

/// One rule's state across evaluations.
#[derive(Debug, Default, Clone)]
pub struct RuleState {
    pub active: BTreeMap<Labels, Alert>,
    previous_series: BTreeSet<Labels>,
    /// Whether an evaluation ever returned samples (for coverage).
    pub had_data: bool,
    /// Whether the alert ever fired (for coverage).
    pub fired: bool,
}

/// What a rule evaluation needs from the test.
pub struct EvalContext<'a> {
    pub engine: &'a Engine,
    pub external_labels: &'a [(String, String)],
    pub external_url: &'a str,
    pub at_modifier: bool,
    pub negative_offset: bool,
}

/// The alert must be resolved this long before it is forgotten (Prometheus: 15m).
const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

/// Refuses what the engine options disable (promtool's `EnableAtModifier` /
/// `EnableNegativeOffset`).
pub fn check_disabled(expr: &Expr, ctx: &EvalContext) -> Result<(), EvalError> {
    let mut error = None;
    expr.walk(&mut |node| {
        let modifiers = match node {
            Expr::Selector(s) => Some(&s.modifiers),
            Expr::Matrix(m) => Some(&m.modifiers),
            Expr::Subquery(s) => Some(&s.modifiers),
            _ => None,
        };
        let Some(m) = modifiers else { return };
        if !ctx.at_modifier && m.at.is_some() {
            error.get_or_insert_with(|| EvalError::new("@ modifier is disabled"));
        }
        if !ctx.negative_offset
            && m.offset
                .as_ref()
                .and_then(|o| o.duration.constant_seconds())
                .is_some_and(|s| s < 0.0)
        {
            error.get_or_insert_with(|| EvalError::new("negative offset is disabled"));
        }
    });
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Runs an instant query as a rule does: a scalar becomes one sample without labels.
pub fn query(
    storage: &Storage,
    expr: &Expr,
    t: i64,
    ctx: &EvalContext,
) -> Result<Vec<Sample>, EvalError> {
    check_disabled(expr, ctx)?;
    match ctx.engine.instant(storage, expr, t)?.value {
        Value::Vector(v) => Ok(v),
        Value::Scalar(f) => Ok(vec![Sample {
            labels: Labels::new(),
            value: f,
            h: None,
            t,
            drop_name: false,
        }]),
        _ => Err(EvalError::new("rule result is not a vector or scalar")),
    }
}

fn to_map(labels: &Labels) -> BTreeMap<String, String> {
    labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Evaluates one group at `ts`, appending its output to `storage`.
pub fn eval_group(
    group: &GroupDef,
    states: &mut [RuleState],
    storage: &mut Storage,
    ts: i64,
    ctx: &EvalContext,
) -> Vec<(usize, EvalError)> {
    let mut errors = Vec::new();
    let t = ts - group.query_offset_ms;
    for (i, rule) in group.rules.iter().enumerate() {
        let state = &mut states[i];
        let result = match rule.kind {
            RuleKind::Recording => eval_recording(rule, storage, t, ctx),
            RuleKind::Alerting => eval_alerting(rule, state, storage, ts, t, group.limit, ctx),
        };
        let output = match result {
            Ok(o) => o,
            Err(e) => {
                errors.push((i, e));
                Vec::new()
            }
        };
        if rule.kind == RuleKind::Recording && !output.is_empty() {
            state.had_data = true;
        }
        // Staleness: series written last time and not now.
        let now: BTreeSet<Labels> = output.iter().map(|s| s.labels.clone()).collect();
        for gone in state.previous_series.difference(&now) {
            storage.append(gone.clone(), [(t, stale_nan())]);
        }
        for s in output {
            match s.h {
                Some(h) => storage.append_histograms(s.labels, [(t, *h)]),
                None => storage.append(s.labels, [(t, s.value)]),
            }
        }
        state.previous_series = now;
    }
    errors
}

fn eval_recording(
    rule: &RuleDef,
    storage: &Storage,
    t: i64,
    ctx: &EvalContext,
) -> Result<Vec<Sample>, EvalError> {
    let samples = query(storage, &rule.expr, t, ctx)?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(samples.len());
    for mut s in samples {
        s.labels.set("__name__", &rule.name);
        for (k, v) in &rule.labels {
            s.labels.set(k, v);
        }
        if !seen.insert(s.labels.clone()) {
            return Err(EvalError::new(
                "vector contains metrics with the same labelset after applying rule labels",
            ));
        }
        out.push(s);
    }
    Ok(out)
}

fn eval_alerting(
    rule: &RuleDef,
    state: &mut RuleState,
    storage: &Storage,
    ts: i64,
    t: i64,
    limit: usize,
    ctx: &EvalContext,
) -> Result<Vec<Sample>, EvalError> {
    let samples = query(storage, &rule.expr, t, ctx)?;
    if !samples.is_empty() {
        state.had_data = true;
    }
    let query_fn = |q: &str| -> Result<Vec<QuerySample>, String> {
        let parsed = crate::promql::parse(q);
        let expr = parsed.expr.ok_or_else(|| {
            parsed
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default()
        })?;
        let v = query(storage, &expr, t, ctx).map_err(|e| e.message)?;
        Ok(v.into_iter()
            .map(|s| QuerySample {
                labels: to_map(&s.labels),
                value: s.value,
            })
            .collect())
    };
    let external: BTreeMap<String, String> = ctx.external_labels.iter().cloned().collect();
    let mut current: BTreeMap<Labels, (Labels, f64)> = BTreeMap::new();
    for s in &samples {
        let expander = Expander {
            data: AlertData {
                labels: to_map(&s.labels),
                external_labels: external.clone(),
                external_url: ctx.external_url.to_string(),
                value: s.value,
            },
            query: &query_fn,
            now: ts as f64 / 1000.0,
        };
        let mut labels = s.labels.clone();
        labels.remove("__name__");
        for (k, v) in &rule.labels {
            labels.set(k, &expander.expand(v));
        }
        labels.set("alertname", &rule.name);
        let mut annotations = Labels::new();
        for (k, v) in &rule.annotations {
            annotations.set(k, &expander.expand(v));
        }
        if current.insert(labels, (annotations, s.value)).is_some() {
            return Err(EvalError::new(
                "vector contains metrics with the same labelset after applying alert labels",
            ));
        }
    }
    for (labels, (annotations, _)) in &current {
        match state.active.get_mut(labels) {
            Some(a) if a.state != AlertState::Inactive => a.annotations = annotations.clone(),
            _ => {
                state.active.insert(
                    labels.clone(),
                    Alert {
                        labels: labels.clone(),
                        annotations: annotations.clone(),
                        active_at: ts,
                        state: AlertState::Pending,
                        resolved_at: None,
                        keep_firing_since: None,
                    },
                );
            }
        }
    }
    let mut out = Vec::new();
    let mut remove = Vec::new();
    let mut active_count = 0;
    for (key, a) in state.active.iter_mut() {
        if !current.contains_key(key) {
            let mut keep_firing = false;
            if a.state == AlertState::Firing && rule.keep_firing_ms > 0 {
                let since = *a.keep_firing_since.get_or_insert(ts);
                keep_firing = ts - since < rule.keep_firing_ms;
            }
            if a.state == AlertState::Pending
                || a.resolved_at
                    .is_some_and(|r| ts - r > RESOLVED_RETENTION_MS)
            {
                remove.push(key.clone());
            }
            if a.state != AlertState::Inactive && !keep_firing {
                a.state = AlertState::Inactive;
                a.resolved_at = Some(ts);
            }
            if !keep_firing {
                continue;
            }
        } else {
            a.keep_firing_since = None;
        }
        active_count += 1;
        if a.state == AlertState::Pending && ts - a.active_at >= rule.for_ms {
            a.state = AlertState::Firing;
        }
        if a.state == AlertState::Firing && ts - a.active_at < rule.for_ms {
            a.state = AlertState::Pending;
            a.keep_firing_since = None;
        }
        if a.state == AlertState::Firing {
            state.fired = true;
        }
        let mut alerts = a.labels.clone();
        alerts.set("__name__", "ALERTS");
        alerts.set(
            "alertstate",
            if a.state == AlertState::Firing {
                "firing"
            } else {
                "pending"
            },
        );
        out.push(Sample {
            labels: alerts,
            value: 1.0,
            h: None,
            t,
            drop_name: false,
        });
        let mut for_state = a.labels.clone();
        for_state.set("__name__", "ALERTS_FOR_STATE");
        out.push(Sample {
            labels: for_state,
            value: (a.active_at / 1000) as f64,
            h: None,
            t,
            drop_name: false,
        });
    }
    for k in remove {
        state.active.remove(&k);
    }
    if limit > 0 && active_count > limit {
        state.active.clear();
        return Err(EvalError::new(format!(
            "exceeded limit of {limit} with {active_count} alerts"
        )));
    }
    Ok(out)
}

impl RuleState {
    /// The alerts firing now (what `exp_alerts` is compared with).
    pub fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.active
            .values()
            .filter(|a| a.state == AlertState::Firing && a.resolved_at.is_none())
    }
}
