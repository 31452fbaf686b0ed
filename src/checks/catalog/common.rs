//! Shared pieces of the catalog checks: what a finding is before it becomes a
//! diagnostic, and small helpers to quote query fragments in help text.

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

/// Every vector selector in `expr` (inside range selectors too).
pub fn for_each_selector<'e>(
    expr: &'e Expr,
    visit: &mut dyn FnMut(&'e VectorSelector, &[&'e Expr]),
) {
    walk_with_parents(expr, &mut |node, parents| match node {
        Expr::Selector(selector) => visit(selector, parents),
        Expr::Matrix(matrix) => visit(&matrix.selector, parents),
        _ => {}
    });
}
