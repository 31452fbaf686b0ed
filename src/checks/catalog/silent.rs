//! Whether the catalog checks can have anything to say of an expression, decided in one
//! cheap pass over its tree, before any of them builds its walk or label analysis.
//!
//! A catalog that a Prometheus configuration alone gives knows only `up`, the
//! `scrape_*` series and the jobs' target labels: most rule expressions read nothing it
//! knows, and every catalog check then finds nothing. Building each expression's shared
//! walk and label analysis to find that out was most of the cost such a catalog added
//! to a run (issue 11).
//!
//! The proof follows what the checks do on a *blind* expression
//! ([`super::common::ExprWalk::blind`]): `unknown-metric`, `unknown-label-value`,
//! `counter` and `gauge` report nothing, and `unknown-label` and `histogram` judge only
//! what the query itself bounds (the label analysis with every selector's labels
//! unknown). Such a bound is known only below a node that sets one on its own; without
//! one, those checks stay silent too.

use super::common::blind_to;
use crate::catalog::Catalog;
use crate::promql::ast::{Call, Expr, VectorSelector};

/// Whether every catalog check surely reports nothing on `expr` against `catalog`:
/// `true` only when the catalog knows nothing of what `expr` reads and no part of the
/// query bounds the labels where a check would judge them. `false` means "run the
/// checks", not that they will report something.
pub fn silent(expr: &Expr, catalog: &Catalog) -> bool {
    silent_visiting(expr, catalog, &mut |_| {})
}

/// [`silent`], calling `visit` on every vector selector of `expr` (inside range
/// selectors too) on the way: a caller that needs them walks the tree once.
pub fn silent_visiting(
    expr: &Expr,
    catalog: &Catalog,
    visit: &mut dyn FnMut(&VectorSelector),
) -> bool {
    let mut pass = Pass {
        catalog,
        loud: false,
        visit,
    };
    pass.may_bound(expr);
    !pass.loud
}

struct Pass<'c, 'v> {
    catalog: &'c Catalog,
    /// Some check may report: the catalog knows a selector, or a check judges a bound
    /// the query may set.
    loud: bool,
    visit: &'v mut dyn FnMut(&VectorSelector),
}

impl Pass<'_, '_> {
    /// Whether the label analysis may know a bound for `expr` when no selector's labels
    /// are known (an over-approximation of `promql::analysis`' `bound_of`); marks the
    /// pass loud where a check could report.
    fn may_bound(&mut self, expr: &Expr) -> bool {
        match expr {
            // A literal's bound is the empty set.
            Expr::Number(_) | Expr::String(_) => true,
            Expr::Selector(selector) => self.selector(selector),
            Expr::Matrix(matrix) => self.selector(&matrix.selector),
            Expr::Subquery(subquery) => self.child(&subquery.expr),
            Expr::Paren(paren) => self.child(&paren.expr),
            Expr::Unary(unary) => self.child(&unary.expr),
            Expr::Call(call) => self.call(call),
            Expr::Aggregate(aggregate) => {
                if let Some(param) = &aggregate.param {
                    // Its selectors count; its bound does not reach the result's.
                    self.child(param);
                }
                let input = self.child(&aggregate.expr);
                // `unknown-label` judges a grouping against its input's bound.
                self.loud |= aggregate.grouping.is_some() && input;
                // Most aggregations bound their result on their own (`sum` to no
                // labels, `sum by (a)` to `a`), whatever the input.
                true
            }
            Expr::Binary(binary) => {
                let lhs = self.child(&binary.lhs);
                let rhs = self.child(&binary.rhs);
                let matching = binary.matching.is_some() || binary.group.is_some();
                // `unknown-label` judges `on`/`ignoring`/`group_*` labels against the
                // sides' bounds; `on (...)` bounds the result on its own.
                self.loud |= matching && (lhs || rhs);
                matching || lhs || rhs
            }
        }
    }

    /// A selector's labels are unknown (its bound too) unless the catalog knows it,
    /// and then the pass is loud. Once loud, no selector is looked up.
    fn selector(&mut self, selector: &VectorSelector) -> bool {
        (self.visit)(selector);
        self.loud = self.loud || !blind_to(selector, self.catalog);
        false
    }

    fn child(&mut self, expr: &Expr) -> bool {
        crate::promql::grow_stack(|| self.may_bound(expr))
    }

    fn call(&mut self, call: &Call) -> bool {
        let mut any = false;
        // Whether the first and second arguments may be bounded.
        let mut at = [false; 2];
        for (index, arg) in call.args.iter().enumerate() {
            let bounded = self.child(arg);
            any |= bounded;
            if let Some(slot) = at.get_mut(index) {
                *slot = bounded;
            }
        }
        match call.name.as_str() {
            // `unknown-label` judges the source labels against the input's bound.
            "label_replace" | "label_join" | "sort_by_label" | "sort_by_label_desc" => {
                self.loud |= at[0];
            }
            // `histogram` judges a dropped `le` only when no selector's values reach
            // the input (a selector the catalog does not know may be a native
            // histogram), and only against a known bound.
            "histogram_quantile" => {
                if let Some(input) = call.args.get(1) {
                    self.loud |= at[1] && !reads_values(input);
                }
            }
            _ => {}
        }
        any || matches!(
            call.name.as_str(),
            "absent" | "absent_over_time" | "vector" | "time" | "pi" | "scalar"
        )
    }
}

/// Whether a selector's values reach `expr`'s result (as `histogram` follows them).
fn reads_values(expr: &Expr) -> bool {
    let mut found = false;
    super::histogram::value_selectors(expr, &mut |_| found = true);
    found
}
