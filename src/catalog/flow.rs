//! What the catalog says about an expression: which families its selectors read, and
//! which labels those series can carry. The catalog is a label source of the one
//! label-flow analysis ([`crate::promql::analysis`]), which follows the labels through
//! functions, aggregations and vector matching. Everything answers `Unknown` when the
//! catalog cannot be sure, and the checks stay silent on `Unknown`.

use crate::catalog::{Catalog, MetricType, Origin, SeriesKind, SeriesRef};
use crate::promql::analysis::{Analysis, LabelSource};
pub use crate::promql::analysis::{LabelSet, Labels};
use crate::promql::ast::{Expr, MatchOp, VectorSelector};

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
/// is not complete. Built once per family and series kind, then shared
/// ([`Catalog::series_label_set`]): every selector of the family asks.
pub fn series_labels(series: &SeriesRef, catalog: &Catalog) -> Labels {
    if !series.family.labels_complete {
        return Labels::Unknown;
    }
    let implicit = implicit_label(series);
    Labels::Known(catalog.series_label_set(series.family, implicit, || {
        series_label_set(series, implicit, catalog)
    }))
}

/// The label a kind of series carries beyond its family's: `le` of a histogram's
/// buckets, `quantile` of a summary's quantiles.
fn implicit_label(series: &SeriesRef) -> Option<&'static str> {
    match (series.family.kind, series.kind) {
        (MetricType::Histogram | MetricType::GaugeHistogram, SeriesKind::Bucket) => Some("le"),
        (MetricType::Summary, SeriesKind::Bare) => Some("quantile"),
        _ => None,
    }
}

/// [`series_labels`]' set, built.
fn series_label_set(series: &SeriesRef, implicit: Option<&str>, catalog: &Catalog) -> LabelSet {
    let family = series.family;
    let mut set = LabelSet {
        names: family.labels.keys().cloned().collect(),
        prefixes: family.label_prefixes.clone(),
    };
    if family.origin != Origin::Recorded {
        set.names.extend(catalog.target_labels.iter().cloned());
    }
    set.names.extend(implicit.map(str::to_string));
    set
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
            Labels::known_set(union)
        }
        _ => Labels::Unknown,
    }
}

/// The catalog as the label source of the one label-flow analysis
/// ([`crate::promql::analysis::Analysis`]): what a selector's series can carry.
impl LabelSource for Catalog {
    fn selector_labels(&self, selector: &VectorSelector) -> Labels {
        selector_labels(selector, self)
    }
}

/// The labels `expr`'s result can carry, by the catalog: the root of the analysis with
/// the catalog as its source (for a caller that needs nothing else of it).
pub fn labels(expr: &Expr, catalog: &Catalog) -> Labels {
    Analysis::new(expr, Some(catalog)).bound(expr).clone()
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
