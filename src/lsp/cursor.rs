//! What is under the editor's cursor: which PromQL expression (a rule's `expr`, a
//! dashboard query), where in its decoded text, and which node of its tree.

use crate::checks::context::ExprOrigin;
use crate::pipeline::{Loaded, Model};
use crate::promql::ast::{Expr, VectorSelector};
use crate::promql::Span;
use crate::rules::{Rule, RuleKind};
use crate::source::OffsetMap;

/// One expression of a file, as the cursor features see it.
pub struct ExprView<'a> {
    /// The text the parser saw.
    pub source: &'a str,
    /// `source` byte -> file byte.
    pub map: &'a OffsetMap,
    /// Its tree, when it parsed.
    pub expr: Option<&'a Expr>,
}

impl ExprView<'_> {
    /// The decoded offset of a file offset, on a character boundary; `None` outside.
    pub fn decoded(&self, file_offset: usize) -> Option<usize> {
        let mut at = self.map.to_decoded(file_offset)?;
        while !self.source.is_char_boundary(at) {
            at -= 1;
        }
        Some(at)
    }
}

/// Every expression of a loaded file: rules' `expr`s and dashboards' queries.
pub fn exprs(loaded: &Loaded) -> Vec<ExprView<'_>> {
    let mut views: Vec<ExprView> = loaded
        .exprs
        .iter()
        .map(|parsed| ExprView {
            source: &parsed.source,
            map: &parsed.map,
            expr: parsed.result.expr.as_ref(),
        })
        .collect();
    if let Some(Model::Dashboards(file)) = &loaded.model {
        for (_, queries) in &file.dashboards {
            views.extend(queries.iter().map(|query| ExprView {
                source: &query.expanded.source,
                map: &query.expanded.map,
                expr: query.parsed.expr.as_ref(),
            }));
        }
    }
    views
}

/// The expression whose text holds the file offset, and the decoded offset in it.
pub fn expr_at(loaded: &Loaded, offset: usize) -> Option<(ExprView<'_>, usize)> {
    exprs(loaded).into_iter().find_map(|view| {
        let start = view.map.to_file(0);
        let end = view.map.file_end();
        if offset < start || offset > end {
            return None;
        }
        let at = view.decoded(offset)?;
        Some((view, at))
    })
}

/// The rule a file offset falls in, if the file is a rule file.
pub fn rule_at(loaded: &Loaded, offset: usize) -> Option<&Rule> {
    let Some(Model::Rules(rule_file)) = &loaded.model else {
        return None;
    };
    rule_file
        .rules()
        .map(|(_, rule)| rule)
        .find(|rule| rule.span.start <= offset && offset <= rule.span.end)
}

/// The alerting rule's expression tree, for template completion in its annotations.
pub fn alert_expr<'l>(loaded: &'l Loaded, rule: &Rule) -> Option<&'l Expr> {
    if rule.kind() != Some(RuleKind::Alerting) {
        return None;
    }
    let name = rule.name()?;
    loaded.exprs.iter().find_map(|parsed| match &parsed.origin {
        ExprOrigin::AlertingRule { name: n, .. } if &**n == name => parsed.result.expr.as_ref(),
        _ => None,
    })
}

/// The node of a tree under a decoded offset.
pub enum Node<'e> {
    /// A metric name (written bare before the braces).
    Metric(&'e VectorSelector, Span),
    /// A label name in a selector's matcher.
    MatcherLabel(&'e VectorSelector, &'e str, Span),
    /// A function's name.
    Function(&'e str, Span),
    /// A label in `by (...)`/`without (...)`, with the aggregated expression.
    GroupingLabel(&'e Expr, &'e str, Span),
    /// A label in `on (...)`/`ignoring (...)`/`group_x (...)` with the side it reads.
    MatchingLabel(&'e Expr, &'e str, Span),
}

fn contains(span: &Span, at: usize) -> bool {
    span.start <= at && at <= span.end
}

/// The innermost name under `at`.
pub fn node_at(expr: &Expr, at: usize) -> Option<Node<'_>> {
    let mut found = None;
    expr.walk(&mut |node| {
        if !contains(&node.span(), at) {
            return;
        }
        match node {
            Expr::Selector(selector) => found = selector_node(selector, at).or(found.take()),
            Expr::Matrix(matrix) => found = selector_node(&matrix.selector, at).or(found.take()),
            Expr::Call(call) if contains(&call.name_span, at) => {
                found = Some(Node::Function(&call.name, call.name_span.clone()))
            }
            Expr::Aggregate(aggregate) => {
                if let Some(grouping) = &aggregate.grouping {
                    if let Some(label) = grouping.labels.iter().find(|l| contains(&l.span, at)) {
                        found = Some(Node::GroupingLabel(
                            &aggregate.expr,
                            &label.name,
                            label.span.clone(),
                        ));
                    }
                }
            }
            Expr::Binary(binary) => {
                if let Some(matching) = &binary.matching {
                    if let Some(label) = matching.labels.iter().find(|l| contains(&l.span, at)) {
                        found = Some(Node::MatchingLabel(
                            &binary.lhs,
                            &label.name,
                            label.span.clone(),
                        ));
                    }
                }
            }
            _ => {}
        }
    });
    found
}

fn selector_node(selector: &VectorSelector, at: usize) -> Option<Node<'_>> {
    if let Some(name) = &selector.name {
        if contains(&name.span, at) {
            return Some(Node::Metric(selector, name.span.clone()));
        }
    }
    selector
        .matchers
        .iter()
        .find(|m| contains(&m.name_span, at))
        .map(|m| {
            if m.name == "__name__" {
                Node::Metric(selector, m.value_span.clone())
            } else {
                Node::MatcherLabel(selector, &m.name, m.name_span.clone())
            }
        })
}

/// The identifier (metric, label or function name characters) around `at` in `text`:
/// its span. Used when the expression does not parse (while it is being typed).
pub fn word_at(text: &str, at: usize) -> Span {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| at + i);
    start..end
}
