//! `dashboard/unit` (info): a panel with no unit whose queries return seconds or bytes,
//! or a unit that contradicts the metric's unit suffix (`ms` on `_seconds`).

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::context_of;
use crate::dashboards::queries::{Query, Site};
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::ast::{AggregateOp, BinaryOp, Expr};

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/unit",
    severity: Severity::Info,
    summary: "A panel's unit is missing or contradicts the unit of the metric it shows",
    docs: "Prometheus metrics carry their unit in the name (`_seconds`, `_bytes`). A panel \
that shows them without a unit prints `0.25` where `250 ms` was meant; a panel whose unit \
contradicts the metric (`ms` on a `_seconds` histogram) is off by a factor of 1000. promgate \
reports only what it can tell for sure: a plain or aggregated `_seconds`/`_bytes` gauge, \
`histogram_quantile` over `_seconds_bucket`/`_bytes_bucket`, an average from `_sum / _count`, \
and `rate` of a `_bytes_total` counter (bytes per second). Arithmetic with numbers (unit \
conversions) makes it stay silent.",
    bad: fixture!("dashboard/unit/fail.json"),
    good: fixture!("dashboard/unit/pass.json"),
    enabled_by_default: true,
};

/// The physical unit of a query's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    Seconds,
    Bytes,
    BytesPerSecond,
}

impl Quantity {
    fn describe(self) -> &'static str {
        match self {
            Quantity::Seconds => "seconds",
            Quantity::Bytes => "bytes",
            Quantity::BytesPerSecond => "bytes per second",
        }
    }

    fn suggested(self) -> &'static str {
        match self {
            Quantity::Seconds => "s",
            Quantity::Bytes => "bytes",
            Quantity::BytesPerSecond => "Bps",
        }
    }

    /// Grafana unit ids that display this quantity correctly.
    fn fits(self, unit: &str) -> bool {
        match self {
            Quantity::Seconds => matches!(unit, "s" | "dtdurations" | "dthms" | "dtdhms"),
            Quantity::Bytes => matches!(unit, "bytes" | "decbytes"),
            Quantity::BytesPerSecond => matches!(unit, "Bps" | "binBps" | "decBps"),
        }
    }

    /// Units that surely misread this quantity (other scales or dimensions).
    fn contradicts(self, unit: &str) -> bool {
        const TIME: &[&str] = &[
            "ns",
            "µs",
            "us",
            "ms",
            "s",
            "m",
            "h",
            "d",
            "dtdurationms",
            "clockms",
            "clocks",
        ];
        const SIZE: &[&str] = &[
            "bits",
            "bytes",
            "decbits",
            "decbytes",
            "kbytes",
            "mbytes",
            "gbytes",
            "tbytes",
            "deckbytes",
            "decmbytes",
            "decgbytes",
            "dectbytes",
        ];
        const RATE: &[&str] = &[
            "bps", "Bps", "binbps", "binBps", "decbps", "decBps", "KBs", "MBs", "GBs", "Kbits",
            "Mbits", "Gbits",
        ];
        !self.fits(unit)
            && match self {
                Quantity::Seconds => {
                    TIME.contains(&unit) || SIZE.contains(&unit) || RATE.contains(&unit)
                }
                Quantity::Bytes | Quantity::BytesPerSecond => {
                    TIME.contains(&unit) || SIZE.contains(&unit) || RATE.contains(&unit)
                }
            }
    }
}

/// Panel types that show numbers with a unit.
const NUMERIC_PANELS: &[&str] = &[
    "timeseries",
    "graph",
    "stat",
    "gauge",
    "bargauge",
    "singlestat",
];

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    // Each panel's visible queries, gathered in one pass (a search of every query per
    // panel was quadratic: 64,000 panels took 9 s).
    let panels = &input.dashboard.panels;
    let mut queries_of: Vec<Vec<&Query>> = vec![Vec::new(); panels.len()];
    for query in input.queries {
        if let Site::Target { panel, target } = query.site {
            if panel < panels.len() && !panels[panel].targets[target].hide {
                queries_of[panel].push(query);
            }
        }
    }
    for (index, panel) in panels.iter().enumerate() {
        let Some(kind) = &panel.kind else { continue };
        if !NUMERIC_PANELS.contains(&kind.value.as_str()) || panel.has_unit_overrides {
            continue;
        }
        let Some(quantity) = common_quantity(&queries_of[index]) else {
            continue;
        };
        let context = context_of(input.dashboard, Some(panel), None);
        match &panel.unit {
            Some(unit) if quantity.contradicts(&unit.value) => {
                let diagnostic = emit.report(
                    unit.value_span(),
                    format!(
                        "unit `{}` misreads the queries' {}",
                        unit.value,
                        quantity.describe()
                    ),
                );
                diagnostic.help = Some(format!("set the unit to `{}`", quantity.suggested()));
                diagnostic.context = context;
            }
            Some(_) => {}
            None => {
                let legacy_set = panel
                    .legacy_units
                    .iter()
                    .any(|u| !matches!(u.value.as_str(), "short" | ""));
                if legacy_set {
                    continue;
                }
                let span = panel
                    .title
                    .as_ref()
                    .map(|t| t.value_span())
                    .unwrap_or(kind.value_span());
                let diagnostic = emit.report(
                    span,
                    format!("panel shows {} but sets no unit", quantity.describe()),
                );
                diagnostic.help = Some(format!(
                    "set `fieldConfig.defaults.unit` to `{}` (Standard options > Unit)",
                    quantity.suggested()
                ));
                diagnostic.context = context;
            }
        }
    }
}

/// The quantity every query of a panel returns, when they all agree and each is sure.
fn common_quantity(queries: &[&Query]) -> Option<Quantity> {
    let mut common = None;
    for query in queries {
        if query.expanded.has_templated_names() {
            return None;
        }
        let quantity = quantity_of(query.parsed.expr.as_ref()?)?;
        if common.is_some_and(|c| c != quantity) {
            return None;
        }
        common = Some(quantity);
    }
    common
}

/// `(family unit, series kind)` of a metric name: `x_seconds` gauge, `x_seconds_bucket`...
fn name_quantity(name: &str) -> Option<(Quantity, &str)> {
    for suffix in ["", "_total", "_sum", "_count", "_bucket"] {
        let Some(base) = name.strip_suffix(suffix) else {
            continue;
        };
        let base = if suffix.is_empty() { name } else { base };
        if base.ends_with("_seconds") {
            return Some((Quantity::Seconds, suffix));
        }
        if base.ends_with("_bytes") {
            return Some((Quantity::Bytes, suffix));
        }
    }
    None
}

/// The metric name of a selector or range selector.
fn selector_name(expr: &Expr) -> Option<&str> {
    match expr.unparen() {
        Expr::Selector(s) => s.metric_name().map(|(n, _)| n),
        Expr::Matrix(m) => m.selector.metric_name().map(|(n, _)| n),
        _ => None,
    }
}

pub fn quantity_of(expr: &Expr) -> Option<Quantity> {
    crate::promql::grow_stack(|| quantity_of_inner(expr))
}

fn quantity_of_inner(expr: &Expr) -> Option<Quantity> {
    match expr.unparen() {
        Expr::Selector(_) => match name_quantity(selector_name(expr)?)? {
            (quantity, "") => Some(quantity),
            _ => None,
        },
        Expr::Aggregate(a) => match a.op {
            AggregateOp::Sum
            | AggregateOp::Avg
            | AggregateOp::Min
            | AggregateOp::Max
            | AggregateOp::Quantile
            | AggregateOp::Topk
            | AggregateOp::Bottomk => quantity_of(&a.expr),
            _ => None,
        },
        Expr::Call(call) => match call.name.as_str() {
            "avg_over_time" | "min_over_time" | "max_over_time" | "last_over_time"
            | "quantile_over_time" => match name_quantity(selector_name(call.args.last()?)?)? {
                (quantity, "") => Some(quantity),
                _ => None,
            },
            "rate" | "irate" => match name_quantity(selector_name(call.args.first()?)?)? {
                (Quantity::Bytes, "_total") => Some(Quantity::BytesPerSecond),
                _ => None,
            },
            "histogram_quantile" => bucket_quantity(call.args.get(1)?),
            "abs" | "ceil" | "floor" | "round" | "sort" | "sort_desc" | "clamp_min"
            | "clamp_max" => quantity_of(call.args.first()?),
            _ => None,
        },
        Expr::Binary(b) if b.op == BinaryOp::Div => {
            // rate(x_seconds_sum) / rate(x_seconds_count): the mean observation.
            let (sum_quantity, sum_family) = counter_part(&b.lhs, "_sum")?;
            let (_, count_family) = counter_part(&b.rhs, "_count")?;
            (sum_family == count_family).then_some(sum_quantity)
        }
        _ => None,
    }
}

/// The quantity of `_bucket` series under sums and rates.
fn bucket_quantity(expr: &Expr) -> Option<Quantity> {
    match expr.unparen() {
        Expr::Aggregate(a) if matches!(a.op, AggregateOp::Sum) => {
            crate::promql::grow_stack(|| bucket_quantity(&a.expr))
        }
        Expr::Call(call) if matches!(call.name.as_str(), "rate" | "irate" | "increase") => {
            match name_quantity(selector_name(call.args.first()?)?)? {
                (quantity, "_bucket") => Some(quantity),
                _ => None,
            }
        }
        Expr::Selector(_) => match name_quantity(selector_name(expr)?)? {
            (quantity, "_bucket") => Some(quantity),
            _ => None,
        },
        _ => None,
    }
}

/// `rate(x_<unit>_sum[..])` (possibly summed): its quantity and family name.
fn counter_part<'e>(expr: &'e Expr, suffix: &str) -> Option<(Quantity, &'e str)> {
    match expr.unparen() {
        Expr::Aggregate(a) if matches!(a.op, AggregateOp::Sum) => {
            crate::promql::grow_stack(|| counter_part(&a.expr, suffix))
        }
        Expr::Call(call) if matches!(call.name.as_str(), "rate" | "irate" | "increase") => {
            let name = selector_name(call.args.first()?)?;
            let family = name.strip_suffix(suffix)?;
            let (quantity, _) = name_quantity(family)?;
            Some((quantity, family))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantity(q: &str) -> Option<Quantity> {
        quantity_of(crate::promql::parse(q).expr.as_ref().expect("parses"))
    }

    #[test]
    fn sure_quantities() {
        assert_eq!(
            quantity("histogram_quantile(0.9, sum by (le) (rate(x_seconds_bucket[5m])))"),
            Some(Quantity::Seconds)
        );
        assert_eq!(
            quantity("rate(x_seconds_sum[5m]) / rate(x_seconds_count[5m])"),
            Some(Quantity::Seconds)
        );
        assert_eq!(
            quantity("sum(node_memory_MemAvailable_bytes)"),
            Some(Quantity::Bytes)
        );
        assert_eq!(
            quantity("rate(node_network_receive_bytes_total[5m])"),
            Some(Quantity::BytesPerSecond)
        );
        assert_eq!(quantity("node_memory_MemAvailable_bytes / 1024"), None);
        assert_eq!(quantity("rate(x_seconds_total[5m])"), None);
        assert_eq!(quantity("count(x_seconds)"), None);
    }
}
