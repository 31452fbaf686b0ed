//! Shared pieces of the catalog checks: what a finding is before it becomes a
//! diagnostic, and small helpers to quote query fragments in help text.

use crate::catalog::flow::{resolve, Resolved};
use crate::catalog::{Catalog, SeriesRef};
use crate::promql::ast::{Expr, VectorSelector};
use crate::source::Span;

/// A finding at a byte range of the expression's source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// The edits of the expression's text that resolve it, when mechanical.
    pub fix: Option<crate::fix::DecodedFix>,
}

impl Finding {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Finding {
            span,
            message: message.into(),
            help: None,
            fix: None,
        }
    }

    pub fn fix(mut self, fix: crate::fix::DecodedFix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The selector written with another metric name and without some label matchers,
/// keeping the other matchers as the user wrote them.
pub fn rewrite_selector(
    source: &str,
    selector: &VectorSelector,
    name: &str,
    drop: &[&str],
) -> String {
    let kept: Vec<&str> = selector
        .matchers
        .iter()
        .filter(|m| m.name != "__name__" && !drop.contains(&m.name.as_str()))
        .filter_map(|m| source.get(m.span.clone()))
        .collect();
    if kept.is_empty() {
        name.to_string()
    } else {
        format!("{name}{{{}}}", kept.join(", "))
    }
}

/// A quoted list for messages: `a`, `b` and `c`.
pub fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// Every sub-expression, parents first, with its parent chain (outermost first).
pub fn walk_with_parents<'e>(expr: &'e Expr, visit: &mut dyn FnMut(&'e Expr, &[&'e Expr])) {
    fn go<'e>(
        expr: &'e Expr,
        parents: &mut Vec<&'e Expr>,
        visit: &mut dyn FnMut(&'e Expr, &[&'e Expr]),
    ) {
        visit(expr, parents);
        parents.push(expr);
        for child in expr.children() {
            crate::promql::grow_stack(|| go(child, parents, visit));
        }
        parents.pop();
    }
    go(expr, &mut Vec::new(), visit);
}

/// The vector selector a node is or holds (a range selector's).
fn selector_of(node: &Expr) -> Option<&VectorSelector> {
    match node {
        Expr::Selector(selector) => Some(selector),
        Expr::Matrix(matrix) => Some(&matrix.selector),
        _ => None,
    }
}

/// One walk of an expression, shared by the catalog checks (built once per expression,
/// [`crate::checks::context::ExprContext::walk`]): every node in walk order with its
/// depth, and the series each named selector reads, looked up in the catalog once.
/// Each check used to walk the tree with its parent chains and resolve the selectors
/// it met on its own.
pub struct ExprWalk<'a> {
    /// Parents first, children in order (as [`walk_with_parents`] visits them), with
    /// the number of ancestors.
    nodes: Vec<(&'a Expr, usize)>,
    /// Each selector with a metric name, and the catalog's series of that name, sorted
    /// by the selector's address: looked up by binary search, so an expression with
    /// thousands of selectors (a long `or` chain) stays linear in the checks.
    named: Vec<(&'a VectorSelector, Option<SeriesRef<'a>>)>,
    blind: bool,
    catalog: &'a Catalog,
}

impl<'a> ExprWalk<'a> {
    pub fn new(expr: &'a Expr, catalog: &'a Catalog) -> Self {
        // Sized for a typical rule expression (a dozen nodes, a few selectors): growing
        // these from empty was a third of the walk's cost.
        let mut nodes = Vec::with_capacity(16);
        let mut named = Vec::with_capacity(4);
        let mut blind = true;
        // A work list, not recursion: trees are as deep as `MAX_DEPTH`.
        let mut pending = Vec::with_capacity(8);
        pending.push((expr, 0));
        while let Some((node, depth)) = pending.pop() {
            nodes.push((node, depth));
            let first_child = pending.len();
            pending.extend(node.children().map(|child| (child, depth + 1)));
            pending[first_child..].reverse();
            let Some(selector) = selector_of(node) else {
                continue;
            };
            match selector.metric_name() {
                Some((name, _)) => {
                    let (series, by_stem) = catalog.series_or_stem(name);
                    blind = blind && blind_to_name(name, by_stem, catalog);
                    named.push((selector, series));
                }
                None => blind &= blind_to_unnamed(selector),
            }
        }
        named.sort_unstable_by_key(|(selector, _)| address(selector));
        ExprWalk {
            nodes,
            named,
            blind,
            catalog,
        }
    }

    /// The walked expression.
    pub fn expr(&self) -> &'a Expr {
        self.nodes[0].0
    }

    /// Whether the catalog knows nothing of what the expression reads: every selector
    /// names a metric that is no series of the catalog, belongs to none of its families
    /// by its stem, and is not reported as unknown (`catalog/unknown-metric` stays quiet
    /// on it); no selector picks metrics by a `__name__` matcher. The catalog then bounds
    /// no selector's labels, so the checks that judge what a selector reads have nothing
    /// to say, and only what the query itself limits (`sum by (a) (...)`, `vector(1)`)
    /// is left to judge. With a catalog that knows few metrics (the built-in series a
    /// Prometheus configuration brings) most expressions are blind.
    pub fn blind(&self) -> bool {
        self.blind
    }

    /// The walk with [`Self::blind`] false: the checks then take their full path, to
    /// show that the blind path finds the same.
    #[cfg(test)]
    pub(super) fn not_blind(mut self) -> Self {
        self.blind = false;
        self
    }

    /// Every sub-expression, parents first, with its parent chain (outermost first):
    /// what [`walk_with_parents`] gives, without walking the tree again.
    pub fn each(&self, visit: &mut dyn FnMut(&'a Expr, &[&'a Expr])) {
        let mut chain: Vec<&'a Expr> = Vec::with_capacity(8);
        for &(node, depth) in &self.nodes {
            chain.truncate(depth);
            visit(node, &chain);
            chain.push(node);
        }
    }

    /// Every sub-expression, parents first, without parent chains (for a check that
    /// needs none).
    pub fn each_node(&self, visit: &mut dyn FnMut(&'a Expr)) {
        for &(node, _) in &self.nodes {
            visit(node);
        }
    }

    /// Every vector selector (inside range selectors too), parents first.
    pub fn selectors(&self, visit: &mut dyn FnMut(&'a VectorSelector)) {
        self.each_node(&mut |node| {
            if let Some(selector) = selector_of(node) {
                visit(selector);
            }
        });
    }

    /// The series a selector of the walked expression reads: [`resolve`], answered from
    /// the walk for a named selector.
    pub fn resolve(&self, selector: &VectorSelector) -> Resolved<'a> {
        match self.named_series(selector) {
            Some(Some(series)) => Resolved::Series(series),
            Some(None) => Resolved::Unresolved,
            None => resolve(selector, self.catalog),
        }
    }

    /// `catalog.series(name)` for the metric name of a selector of the walked expression.
    pub fn series(&self, selector: &VectorSelector, name: &str) -> Option<SeriesRef<'a>> {
        match self.named_series(selector) {
            Some(series) => series,
            None => self.catalog.series(name),
        }
    }

    /// The looked-up series of a named selector of the walked expression; `None` for a
    /// selector the walk did not meet or that has no metric name.
    fn named_series(&self, selector: &VectorSelector) -> Option<Option<SeriesRef<'a>>> {
        self.named
            .binary_search_by_key(&address(selector), |(s, _)| address(s))
            .ok()
            .map(|index| self.named[index].1)
    }
}

/// Whether the catalog says nothing of what `selector` reads: the selector that makes
/// no expression of [`ExprWalk::blind`] false.
pub fn blind_to(selector: &VectorSelector, catalog: &Catalog) -> bool {
    match selector.metric_name() {
        // No family in the name's namespace: the catalog owns no series or stem of it
        // and knows no neighbour either, so only a complete catalog says something (the
        // name is unknown). Most names of a run against a small catalog end here.
        Some((name, _)) if !catalog.has_family_in_namespace_of(name) => {
            !catalog.complete || catalog.is_excluded(name)
        }
        Some((name, _)) => blind_to_name(name, catalog.series_or_stem(name).1, catalog),
        None => blind_to_unnamed(selector),
    }
}

/// The catalog says something of a name some family owns (a series, or by its stem:
/// the bare name of a classic histogram; `by_stem` from [`Catalog::series_or_stem`]) and
/// of a name `catalog/unknown-metric` reports.
fn blind_to_name(name: &str, by_stem: bool, catalog: &Catalog) -> bool {
    !by_stem && !super::unknown_metric::reportable(name, catalog)
}

/// A selector without a metric name resolves to nothing unless a `__name__` matcher
/// picks its metrics.
fn blind_to_unnamed(selector: &VectorSelector) -> bool {
    !selector.matchers.iter().any(|m| m.name == "__name__")
}

/// A selector's address: the walk knows its selectors by identity, not by value.
fn address(selector: &VectorSelector) -> usize {
    selector as *const VectorSelector as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The namespace shortcut of [`blind_to`] gives what the full lookup gives: names in
    /// and out of the catalog's namespaces, stems, `_created`, recording-rule names,
    /// excluded namespaces, in complete and open catalogs.
    #[test]
    fn the_namespace_shortcut_agrees_with_the_full_lookup() {
        let names = [
            "http_requests_total",
            "http_requests_created",
            "http_requests",
            "http_request_duration_seconds_bucket",
            "http_request_duration_seconds",
            "http_typo_total",
            "rpc_duration_seconds_count",
            "grpc_server_handled_total",
            "up",
            "upx",
            "scrape_duration_seconds",
            "scrape_samples_total",
            "job:http_requests:rate5m",
            "go_gc_duration_seconds",
            "_total",
            "nounderscore",
        ];
        let catalogs = [
            "target_labels: []\nmetrics:\n  http_requests_total: {type: counter, labels: [code]}\n  http_request_duration_seconds: {type: histogram, labels: [le]}\n  rpc_duration_seconds: {type: summary, labels: []}\n",
            "complete: true\ntarget_labels: []\nexclude_namespaces: [go]\nmetrics:\n  http_requests_total: {type: counter, labels: [code]}\n",
            "target_labels: []\nmetrics: {}\n",
        ];
        for text in catalogs {
            let catalog = crate::catalog::load_str("c.yml", text)
                .unwrap()
                .with_builtins();
            for name in names {
                let expr = crate::promql::parse(name).expr.expect("a selector");
                let crate::promql::ast::Expr::Selector(selector) = &expr else {
                    panic!("{name} is not a selector");
                };
                let full = blind_to_name(name, catalog.series_or_stem(name).1, &catalog);
                assert_eq!(blind_to(selector, &catalog), full, "{name} in {text:?}");
            }
        }
    }
}
