//! What the catalog says about an expression: which families its selectors read, and
//! which labels its result can carry, followed through functions, aggregations and
//! vector matching. Everything answers `Unknown` when the catalog cannot be sure, and
//! the checks stay silent on `Unknown`.

use crate::catalog::{Catalog, MetricType, Origin, SeriesKind, SeriesRef};
use crate::promql::ast::{AggregateOp, BinaryOp, Expr, GroupSide, MatchOp, VectorSelector};
use std::collections::BTreeSet;

/// The labels a value can carry: exact names plus dynamic-name prefixes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSet {
    pub names: BTreeSet<String>,
    pub prefixes: BTreeSet<String>,
}

impl LabelSet {
    pub fn can_carry(&self, label: &str) -> bool {
        self.names.contains(label) || self.prefixes.iter().any(|p| label.starts_with(p.as_str()))
    }

    fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        LabelSet {
            names: names.into_iter().map(str::to_string).collect(),
            prefixes: BTreeSet::new(),
        }
    }

    fn union(mut self, other: &LabelSet) -> Self {
        self.names.extend(other.names.iter().cloned());
        self.prefixes.extend(other.prefixes.iter().cloned());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Labels {
    /// The result can carry these labels and no others.
    Known(LabelSet),
    /// The catalog cannot tell.
    Unknown,
}

impl Labels {
    pub fn known(&self) -> Option<&LabelSet> {
        match self {
            Labels::Known(set) => Some(set),
            Labels::Unknown => None,
        }
    }

    /// `Some(false)` only when the value surely cannot carry `label`.
    pub fn can_carry(&self, label: &str) -> Option<bool> {
        self.known().map(|set| set.can_carry(label))
    }

    fn map(self, f: impl FnOnce(LabelSet) -> LabelSet) -> Labels {
        match self {
            Labels::Known(set) => Labels::Known(f(set)),
            Labels::Unknown => Labels::Unknown,
        }
    }
}

/// The series a selector reads, resolved in the catalog.
pub enum Resolved<'c> {
    /// A metric name the catalog has.
    Series(SeriesRef<'c>),
    /// A `__name__` regex: every catalog series it matches (maybe none).
    Regex(Vec<SeriesRef<'c>>),
    /// A name the catalog does not have, or no name at all.
    Unresolved,
}

/// Resolves a selector's metric name (written name, `__name__="x"`, or `__name__=~"re"`).
pub fn resolve<'c>(selector: &VectorSelector, catalog: &'c Catalog) -> Resolved<'c> {
    if let Some((name, _)) = selector.metric_name() {
        return match catalog.series(name) {
            Some(series) => Resolved::Series(series),
            None => Resolved::Unresolved,
        };
    }
    let regexes: Vec<&str> = selector
        .matchers
        .iter()
        .filter(|m| m.name == "__name__" && m.op == MatchOp::Regex)
        .map(|m| m.value.as_str())
        .collect();
    let [pattern] = regexes[..] else {
        return Resolved::Unresolved;
    };
    match name_regex(pattern) {
        Some(re) => {
            let mut names: Vec<String> =
                catalog.series_names().filter(|n| re.is_match(n)).collect();
            names.sort_unstable();
            names.dedup();
            Resolved::Regex(names.iter().filter_map(|n| catalog.series(n)).collect())
        }
        None => Resolved::Unresolved,
    }
}

/// A matcher regex compiled as Prometheus anchors it; `None` if our engine cannot
/// read it (then we stay silent).
pub fn name_regex(pattern: &str) -> Option<regex::Regex> {
    crate::promql::regex::compiled(pattern)
}

/// The labels one resolved series can carry, `Unknown` when its family's label list
/// is not complete.
pub fn series_labels(series: &SeriesRef, catalog: &Catalog) -> Labels {
    let family = series.family;
    if !family.labels_complete {
        return Labels::Unknown;
    }
    let mut set = LabelSet {
        names: family.labels.keys().cloned().collect(),
        prefixes: family.label_prefixes.clone(),
    };
    if family.origin != Origin::Recorded {
        set.names.extend(catalog.target_labels.iter().cloned());
    }
    let implicit = match (family.kind, series.kind) {
        (MetricType::Histogram | MetricType::GaugeHistogram, SeriesKind::Bucket) => Some("le"),
        (MetricType::Summary, SeriesKind::Bare) => Some("quantile"),
        _ => None,
    };
    set.names.extend(implicit.map(str::to_string));
    Labels::Known(set)
}

/// The labels a selector's result can carry.
pub fn selector_labels(selector: &VectorSelector, catalog: &Catalog) -> Labels {
    match resolve(selector, catalog) {
        Resolved::Series(series) => series_labels(&series, catalog),
        Resolved::Regex(all) if !all.is_empty() => {
            let mut union = LabelSet::default();
            for series in &all {
                match series_labels(series, catalog) {
                    Labels::Known(set) => union = union.union(&set),
                    Labels::Unknown => return Labels::Unknown,
                }
            }
            Labels::Known(union)
        }
        _ => Labels::Unknown,
    }
}

/// Functions whose result keeps the labels of their (single) vector or matrix argument.
const KEEPS_LABELS: &[&str] = &[
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "cos",
    "cosh",
    "count_over_time",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "deg",
    "delta",
    "deriv",
    "double_exponential_smoothing",
    "exp",
    "first_over_time",
    "floor",
    "histogram_avg",
    "histogram_count",
    "histogram_stddev",
    "histogram_stdvar",
    "histogram_sum",
    "hour",
    "idelta",
    "increase",
    "irate",
    "last_over_time",
    "ln",
    "log10",
    "log2",
    "mad_over_time",
    "max_over_time",
    "min_over_time",
    "minute",
    "month",
    "predict_linear",
    "present_over_time",
    "quantile_over_time",
    "rad",
    "rate",
    "resets",
    "round",
    "sgn",
    "sin",
    "sinh",
    "sort",
    "sort_by_label",
    "sort_by_label_desc",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
    "tan",
    "tanh",
    "timestamp",
    "ts_of_first_over_time",
    "ts_of_last_over_time",
    "ts_of_max_over_time",
    "ts_of_min_over_time",
    "year",
    "holt_winters",
];

/// The labels `expr`'s result can carry.
pub fn labels(expr: &Expr, catalog: &Catalog) -> Labels {
    // Recursive through operators, calls and aggregations: trees nest `MAX_DEPTH` deep.
    crate::promql::grow_stack(|| labels_inner(expr, catalog))
}

fn labels_inner(expr: &Expr, catalog: &Catalog) -> Labels {
    match expr {
        Expr::Number(_) | Expr::String(_) => Labels::Known(LabelSet::default()),
        Expr::Selector(selector) => selector_labels(selector, catalog),
        Expr::Matrix(matrix) => selector_labels(&matrix.selector, catalog),
        Expr::Subquery(subquery) => labels(&subquery.expr, catalog),
        Expr::Paren(paren) => labels(&paren.expr, catalog),
        Expr::Unary(unary) => labels(&unary.expr, catalog),
        Expr::Call(call) => call_labels(call, catalog),
        Expr::Aggregate(aggregate) => {
            let input = labels(&aggregate.expr, catalog);
            let grouped = match &aggregate.grouping {
                _ if aggregate.op.selects_series() => input,
                None => Labels::Known(LabelSet::default()),
                Some(grouping) if grouping.without => input.map(|mut set| {
                    for label in &grouping.labels {
                        set.names.remove(&label.name);
                    }
                    set
                }),
                // `by` keeps at most the listed labels (only those the input has).
                Some(grouping) => {
                    let listed = LabelSet::of(grouping.labels.iter().map(|l| l.name.as_str()));
                    match input {
                        Labels::Known(set) => Labels::Known(LabelSet {
                            names: listed
                                .names
                                .into_iter()
                                .filter(|l| set.can_carry(l))
                                .collect(),
                            prefixes: BTreeSet::new(),
                        }),
                        Labels::Unknown => Labels::Known(listed),
                    }
                }
            };
            if aggregate.op == AggregateOp::CountValues {
                match aggregate.param.as_deref().map(Expr::unparen) {
                    Some(Expr::String(label)) => grouped.map(|mut set| {
                        set.names.insert(label.value.clone());
                        set
                    }),
                    _ => Labels::Unknown,
                }
            } else {
                grouped
            }
        }
        Expr::Binary(binary) => binary_labels(binary, catalog),
    }
}

fn string_arg(args: &[Expr], index: usize) -> Option<&str> {
    match args.get(index).map(Expr::unparen) {
        Some(Expr::String(s)) => Some(&s.value),
        _ => None,
    }
}

fn call_labels(call: &crate::promql::ast::Call, catalog: &Catalog) -> Labels {
    let name = call.name.as_str();
    let vector_arg = || {
        call.args
            .iter()
            .find(|a| {
                matches!(
                    a.value_type(),
                    crate::promql::ValueType::Vector | crate::promql::ValueType::Matrix
                )
            })
            .map(|a| labels(a, catalog))
            .unwrap_or(Labels::Unknown)
    };
    match name {
        "label_replace" => match string_arg(&call.args, 1) {
            Some(dst) => vector_arg().map(|mut set| {
                set.names.insert(dst.to_string());
                set
            }),
            None => Labels::Unknown,
        },
        "label_join" => match string_arg(&call.args, 1) {
            Some(dst) => vector_arg().map(|mut set| {
                set.names.insert(dst.to_string());
                set
            }),
            None => Labels::Unknown,
        },
        "histogram_quantile" | "histogram_fraction" => vector_arg().map(|mut set| {
            set.names.remove("le");
            set
        }),
        // `absent` carries the labels of the selector's equality matchers.
        "absent" | "absent_over_time" => {
            let selector = match call.args.first().map(Expr::unparen) {
                Some(Expr::Selector(s)) => Some(&**s),
                Some(Expr::Matrix(m)) => Some(&m.selector),
                _ => None,
            };
            Labels::Known(LabelSet::of(
                selector
                    .into_iter()
                    .flat_map(|s| s.matchers.iter())
                    .filter(|m| m.op == MatchOp::Equal && m.name != "__name__")
                    .map(|m| m.name.as_str()),
            ))
        }
        "vector" | "time" | "pi" | "scalar" => Labels::Known(LabelSet::default()),
        _ if KEEPS_LABELS.contains(&name) => vector_arg(),
        _ => Labels::Unknown,
    }
}

fn binary_labels(binary: &crate::promql::ast::BinaryExpr, catalog: &Catalog) -> Labels {
    use crate::promql::ValueType::Scalar;
    let (lhs_scalar, rhs_scalar) = (
        binary.lhs.value_type() == Scalar,
        binary.rhs.value_type() == Scalar,
    );
    if lhs_scalar && rhs_scalar {
        return Labels::Known(LabelSet::default());
    }
    if lhs_scalar {
        return labels(&binary.rhs, catalog);
    }
    if rhs_scalar {
        return labels(&binary.lhs, catalog);
    }
    let lhs = labels(&binary.lhs, catalog);
    let rhs = || labels(&binary.rhs, catalog);
    match binary.op {
        BinaryOp::And | BinaryOp::Unless => return lhs,
        BinaryOp::Or => {
            return match (lhs, rhs()) {
                (Labels::Known(a), Labels::Known(b)) => Labels::Known(a.union(&b)),
                _ => Labels::Unknown,
            }
        }
        _ => {}
    }
    match &binary.group {
        Some(group) => {
            // Many-to-one: the "many" side's labels plus the listed ones.
            let (many, one) = match group.side {
                GroupSide::Left => (lhs, rhs()),
                GroupSide::Right => (rhs(), lhs),
            };
            let extra: Vec<&str> = group.labels.iter().map(|l| l.name.as_str()).collect();
            match many {
                Labels::Known(mut set) => {
                    for label in extra {
                        // A listed label the "one" side cannot carry is not added.
                        if one.can_carry(label) != Some(false) {
                            set.names.insert(label.to_string());
                        }
                    }
                    Labels::Known(set)
                }
                Labels::Unknown => Labels::Unknown,
            }
        }
        None => match &binary.matching {
            // One-to-one `on (...)` keeps only the listed labels.
            Some(matching) if matching.on => {
                let listed = LabelSet::of(matching.labels.iter().map(|l| l.name.as_str()));
                match lhs {
                    Labels::Known(set) => Labels::Known(LabelSet {
                        names: listed
                            .names
                            .into_iter()
                            .filter(|l| set.can_carry(l))
                            .collect(),
                        prefixes: BTreeSet::new(),
                    }),
                    Labels::Unknown => Labels::Known(listed),
                }
            }
            Some(matching) => lhs.map(|mut set| {
                for label in &matching.labels {
                    set.names.remove(&label.name);
                }
                set
            }),
            None => lhs,
        },
    }
}

/// Looks through functions that keep the input's nature (rate of, sum of, ...) down to
/// the selectors an expression reads, calling `visit` on each with the chain of calls
/// and aggregations above it (outermost first).
pub fn selectors<'e>(expr: &'e Expr, visit: &mut dyn FnMut(&'e VectorSelector, &[&'e Expr])) {
    fn go<'e>(
        expr: &'e Expr,
        chain: &mut Vec<&'e Expr>,
        visit: &mut dyn FnMut(&'e VectorSelector, &[&'e Expr]),
    ) {
        match expr {
            Expr::Selector(selector) => visit(selector, chain),
            Expr::Matrix(matrix) => visit(&matrix.selector, chain),
            _ => {
                chain.push(expr);
                for child in expr.children() {
                    crate::promql::grow_stack(|| go(child, chain, visit));
                }
                chain.pop();
            }
        }
    }
    go(expr, &mut Vec::new(), visit);
}
