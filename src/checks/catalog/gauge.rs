//! `catalog/gauge`: `rate`, `irate`, `increase` or `resets` applied to a gauge, and
//! `delta`, `deriv` or `idelta` applied to a counter. The first pair assumes the
//! value only grows and treats every drop as a counter reset; the second misreads
//! every reset as a huge drop.

use super::common::{ExprWalk, Finding};
use super::counter::is_counter_series;
use crate::catalog::flow::Resolved;
use crate::catalog::{Catalog, MetricType};
use crate::checks::context::ExprContext;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::ast::{BinaryOp, Expr};

pub static META: CheckMeta = CheckMeta {
    code: "catalog/gauge",
    severity: Severity::Warning,
    summary: "rate/irate/increase of a gauge, or delta/deriv of a counter",
    docs:
        "`rate`, `irate`, `increase` and `resets` assume a counter: a value that only grows, where \
every decrease is a reset to zero. On a gauge (a queue size, a temperature) every dip is read \
as a reset and the result is garbage. The reverse: `delta`, `deriv` and `idelta` read a \
counter's resets as huge drops.\n\n\
Fix: for a gauge use `deriv(g[5m])` (per-second trend) or `delta(g[5m])` (change over the \
window); for a counter use `rate`, `increase` or `irate`.",
    bad: fixture!("catalog/gauge/fail.yml"),
    good: fixture!("catalog/gauge/pass.yml"),
    enabled_by_default: true,
};

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if let Some(catalog) = super::catalog_for(ctx) {
        super::emit(ctx, emitter, find_in(ctx.walk(catalog), ctx.source));
    }
}

/// `deriv(c[1m]) > 0` or `clamp_min(delta(c[5m]), 0)`: dropping the negative values a
/// reset produces is a deliberate idiom (e.g. for Linux's iowait counter, which can
/// go backwards), not a mistake.
fn drops_negatives(call: &Expr, parents: &[&Expr]) -> bool {
    let mut child = call;
    for parent in parents.iter().rev() {
        match parent {
            Expr::Paren(_) => {}
            Expr::Binary(binary) if matches!(binary.op, BinaryOp::Gtr | BinaryOp::Gte) => {
                return std::ptr::eq(&*binary.lhs, child)
                    && matches!(binary.rhs.unparen(), Expr::Number(n) if n.value == 0.0);
            }
            Expr::Call(clamp) if clamp.name == "clamp_min" => {
                return matches!(clamp.args.get(1).map(Expr::unparen), Some(Expr::Number(n)) if n.value >= 0.0);
            }
            _ => return false,
        }
        child = parent;
    }
    false
}

pub fn find(expr: &Expr, catalog: &Catalog, source: &str) -> Vec<Finding> {
    find_in(&ExprWalk::new(expr, catalog), source)
}

/// The findings on an expression walked with the catalog.
pub fn find_in(walk: &ExprWalk<'_>, source: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Only a selector the catalog resolves can be a gauge.
    if walk.blind() {
        return findings;
    }
    walk.each(&mut |node, parents| {
        let Expr::Call(call) = node else { return };
        let Some(Expr::Matrix(matrix)) = call.args.first().map(Expr::unparen) else {
            return;
        };
        let Resolved::Series(series) = walk.resolve(&matrix.selector) else {
            return;
        };
        let Some((name, _)) = matrix.selector.metric_name() else {
            return;
        };
        let range = source.get(matrix.range.span()).unwrap_or("5m");
        let function = call.name.as_str();
        match function {
            "rate" | "irate" | "increase" | "resets" if series.family.kind == MetricType::Gauge => {
                let instead = match function {
                    "increase" => format!("`delta({name}[{range}])`"),
                    "resets" => "a comparison such as `changes(...)`".to_string(),
                    _ => format!("`deriv({name}[{range}])`"),
                };
                findings.push(
                    Finding::new(
                        call.name_span.clone(),
                        format!("`{function}` of the gauge `{name}`: it treats every decrease as a counter reset"),
                    )
                    .help(format!("for a gauge use {instead}")),
                );
            }
            "delta" | "deriv" | "idelta"
                if is_counter_series(&series) && !drops_negatives(node, parents) =>
            {
                let instead = match function {
                    "delta" => format!("increase({name}[{range}])"),
                    "idelta" => format!("irate({name}[{range}])"),
                    _ => format!("rate({name}[{range}])"),
                };
                findings.push(
                    Finding::new(
                        call.name_span.clone(),
                        format!("`{function}` of the counter `{name}`: every counter reset reads as a huge drop"),
                    )
                    .help(format!("for a counter use `{instead}`, which handles resets")),
                );
            }
            _ => {}
        }
    });
    findings
}
