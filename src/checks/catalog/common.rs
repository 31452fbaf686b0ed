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
    catalog: &'a Catalog,
}

impl<'a> ExprWalk<'a> {
    pub fn new(expr: &'a Expr, catalog: &'a Catalog) -> Self {
        let mut nodes = Vec::new();
        let mut named = Vec::new();
        walk_with_parents(expr, &mut |node, parents| {
            nodes.push((node, parents.len()));
            if let Some(selector) = selector_of(node) {
                if let Some((name, _)) = selector.metric_name() {
                    named.push((selector, catalog.series(name)));
                }
            }
        });
        named.sort_unstable_by_key(|(selector, _)| address(selector));
        ExprWalk {
            nodes,
            named,
            catalog,
        }
    }

    /// The walked expression.
    pub fn expr(&self) -> &'a Expr {
        self.nodes[0].0
    }

    /// Every sub-expression, parents first, with its parent chain (outermost first):
    /// what [`walk_with_parents`] gives, without walking the tree again.
    pub fn each(&self, visit: &mut dyn FnMut(&'a Expr, &[&'a Expr])) {
        let mut chain: Vec<&'a Expr> = Vec::new();
        for &(node, depth) in &self.nodes {
            chain.truncate(depth);
            visit(node, &chain);
            chain.push(node);
        }
    }

    /// Every vector selector (inside range selectors too), with its parent chain.
    pub fn selectors(&self, visit: &mut dyn FnMut(&'a VectorSelector, &[&'a Expr])) {
        self.each(&mut |node, parents| {
            if let Some(selector) = selector_of(node) {
                visit(selector, parents);
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

/// A selector's address: the walk knows its selectors by identity, not by value.
fn address(selector: &VectorSelector) -> usize {
    selector as *const VectorSelector as usize
}
