//! What checks see.
//!
//! Every PromQL expression is parsed once, when its file is loaded, into a
//! [`ParsedExpr`] (the text the parser saw, its map back to the file, the parse result
//! and where it came from). PromQL and catalog checks run on an [`ExprContext`] built
//! from it, so the same check works for a rule's `expr` and a dashboard panel's query.
//! Rule-file checks run on the rule-file model; dashboard checks on the dashboard model.

use super::{CheckMeta, Emitter};
use crate::catalog::Catalog;
use crate::pipeline::Options;
use crate::promql::analysis::{analyze, Analysis, ExprInfo, LabelInfo};
use crate::promql::{Expr, ParseResult};
use crate::source::{OffsetMap, SourceFile, Span};

/// Where an expression comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprOrigin {
    AlertingRule {
        group: String,
        /// The `alert` name.
        name: String,
    },
    RecordingRule {
        group: String,
        /// The `record` name: the series the rule writes.
        name: String,
    },
    DashboardQuery {
        dashboard: String,
        /// The panel's title, when the query is a panel target.
        panel: Option<String>,
        /// The target's `refId`, when it has one.
        ref_id: Option<String>,
    },
    /// An expression on its own: a ```` ```promql ```` block of a Markdown file.
    Standalone,
}

impl ExprOrigin {
    pub fn is_rule(&self) -> bool {
        matches!(
            self,
            ExprOrigin::AlertingRule { .. } | ExprOrigin::RecordingRule { .. }
        )
    }

    /// Diagnostic context pairs (`group`, `rule` / `dashboard`, `panel`, `refId`).
    pub fn context(&self) -> Vec<(&'static str, String)> {
        match self {
            ExprOrigin::AlertingRule { group, name }
            | ExprOrigin::RecordingRule { group, name } => {
                vec![("group", group.clone()), ("rule", name.clone())]
            }
            ExprOrigin::DashboardQuery {
                dashboard,
                panel,
                ref_id,
            } => {
                let mut context = vec![("dashboard", dashboard.clone())];
                if let Some(panel) = panel {
                    context.push(("panel", panel.clone()));
                }
                if let Some(ref_id) = ref_id {
                    context.push(("refId", ref_id.clone()));
                }
                context
            }
            ExprOrigin::Standalone => Vec::new(),
        }
    }
}

/// One expression of a loaded file, parsed once.
#[derive(Debug, Clone)]
pub struct ParsedExpr {
    /// The text the parser saw (a rule's decoded `expr`, a dashboard query after
    /// variable expansion).
    pub source: String,
    /// `source` byte -> file byte.
    pub map: OffsetMap,
    pub result: ParseResult,
    pub origin: ExprOrigin,
    /// The text came from a substitution promgate could not type with confidence (a
    /// dashboard variable): syntax errors are not reported for it.
    pub uncertain: bool,
    /// The label-flow analysis of the whole expression, computed on first use and then
    /// shared by every check that asks (most expressions are never asked).
    analysis: std::sync::OnceLock<Option<ExprInfo>>,
}

impl ParsedExpr {
    pub fn new(source: String, map: OffsetMap, origin: ExprOrigin) -> ParsedExpr {
        let result = crate::promql::parse(&source);
        ParsedExpr {
            source,
            map,
            result,
            origin,
            uncertain: false,
            analysis: std::sync::OnceLock::new(),
        }
    }

    /// The analysis of the expression (its type and result labels), if it parsed.
    pub fn analysis(&self) -> Option<&ExprInfo> {
        self.analysis
            .get_or_init(|| self.result.expr.as_ref().map(analyze))
            .as_ref()
    }

    /// What the analysis knows of the labels of the expression's result.
    pub fn labels(&self) -> Option<&LabelInfo> {
        self.analysis().map(|info| &info.labels)
    }
}

/// What a PromQL or catalog check sees: one valid expression and where it sits.
pub struct ExprContext<'a> {
    pub file: &'a SourceFile,
    /// The text the parser saw.
    pub source: &'a str,
    /// `source` byte -> file byte.
    pub map: &'a OffsetMap,
    pub expr: &'a Expr,
    pub origin: &'a ExprOrigin,
    pub options: &'a Options,
    /// The metric catalog, when one is configured.
    pub catalog: Option<&'a Catalog>,
    /// The text came from a substitution promgate could not type with confidence (a
    /// dashboard variable): names and labels in it may be placeholders.
    pub uncertain: bool,
    /// The label-flow analysis, built when a check first asks and shared by the rest;
    /// start it empty (`Default::default()`).
    pub(crate) analysis: std::cell::OnceCell<Analysis<'a>>,
}

impl<'a> ExprContext<'a> {
    /// The context of a parsed expression, if it parsed.
    pub fn of(
        file: &'a SourceFile,
        parsed: &'a ParsedExpr,
        options: &'a Options,
        catalog: Option<&'a Catalog>,
    ) -> Option<ExprContext<'a>> {
        Some(ExprContext {
            file,
            source: &parsed.source,
            map: &parsed.map,
            expr: parsed.result.expr.as_ref()?,
            origin: &parsed.origin,
            options,
            catalog,
            uncertain: parsed.uncertain,
            analysis: std::cell::OnceCell::new(),
        })
    }

    /// The one label-flow analysis of the expression, with the catalog (when there is
    /// one) as its label source: built on first use, then shared by every check.
    pub fn analysis(&self) -> &Analysis<'a> {
        self.analysis.get_or_init(|| {
            let source = self
                .catalog
                .map(|catalog| catalog as &dyn crate::promql::analysis::LabelSource);
            Analysis::new(self.expr, source)
        })
    }

    /// The file span of a span in [`Self::source`] (an AST node's span).
    pub fn file_span(&self, source: Span) -> Span {
        self.map.span_to_file(source)
    }

    /// The file edit replacing a span of [`Self::source`] with `replacement`, written in
    /// the scalar's style; `None` when that style cannot carry it exactly.
    pub fn edit(&self, source: Span, replacement: &str) -> Option<crate::fix::Edit> {
        crate::fix::decoded_edit(&self.file.text, self.map, self.source, source, replacement)
    }
}

/// A check on one expression.
pub type ExprRun = fn(&ExprContext<'_>, &mut Emitter<'_>);

/// Every check that runs on expressions, with its function. `promql/syntax` is not
/// here: it reports the parse result itself, also for expressions that did not parse.
pub fn expr_runners() -> &'static [(&'static CheckMeta, ExprRun)] {
    // Built once: every expression of a run walks this list.
    static RUNNERS: std::sync::LazyLock<Vec<(&'static CheckMeta, ExprRun)>> =
        std::sync::LazyLock::new(|| {
            let categories: &[&[(&'static CheckMeta, ExprRun)]] = &[
                super::promql::EXPR_RUNNERS,
                super::alerts::EXPR_RUNNERS,
                super::catalog::RUNNERS,
                super::prometheus::EXPR_RUNNERS,
            ];
            categories.iter().flat_map(|c| c.iter().copied()).collect()
        });
    &RUNNERS
}

/// Reports `promql/syntax` for a parsed expression, then runs every expression check
/// that `enabled` selects on it.
pub fn check_expr(
    file: &SourceFile,
    parsed: &ParsedExpr,
    options: &Options,
    catalog: Option<&Catalog>,
    enabled: &dyn Fn(&CheckMeta) -> bool,
    out: &mut Vec<crate::diagnostic::Diagnostic>,
) {
    let first = out.len();
    // vmalert evaluates MetricsQL, a superset of PromQL (`lag()`, aggregations over range
    // vectors, `WITH` templates...): a PromQL parse error there is no proof of a bug.
    let metricsql = matches!(
        parsed.origin,
        ExprOrigin::AlertingRule { .. } | ExprOrigin::RecordingRule { .. }
    ) && options.dialect_for_file(&file.path) == crate::rules::Dialect::Vmalert;
    if !parsed.uncertain && !metricsql && enabled(&super::promql::syntax::META) {
        let mut emitter = Emitter::new(&super::promql::syntax::META, out);
        super::promql::syntax::report(&parsed.result, &parsed.map, &mut emitter);
    }
    if let Some(context) = ExprContext::of(file, parsed, options, catalog) {
        for &(meta, run) in expr_runners() {
            if enabled(meta) {
                run(&context, &mut Emitter::new(meta, out));
            }
        }
    }
    if out.len() > first {
        let origin_context = parsed.origin.context();
        for diagnostic in &mut out[first..] {
            if diagnostic.context.is_empty() {
                diagnostic.context = origin_context.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_land_on_the_file_token_with_rule_context() {
        let file = SourceFile::new("r.yml", "expr: sum(rate(x[5m])\n");
        let parsed = ParsedExpr::new(
            "sum(rate(x[5m])".to_string(),
            OffsetMap::identity(6, 15),
            ExprOrigin::AlertingRule {
                group: "g".into(),
                name: "A".into(),
            },
        );
        let mut out = Vec::new();
        check_expr(
            &file,
            &parsed,
            &Options::default(),
            None,
            &|_| true,
            &mut out,
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].code, "promql/syntax");
        assert!(out[0].span.start >= 6);
        assert_eq!(out[0].context[0], ("group", "g".to_string()));
    }

    #[test]
    fn valid_expressions_give_a_context() {
        let file = SourceFile::new("r.yml", "expr: up\n");
        let parsed = ParsedExpr::new(
            "up".to_string(),
            OffsetMap::identity(6, 2),
            ExprOrigin::RecordingRule {
                group: "g".into(),
                name: "r".into(),
            },
        );
        let options = Options::default();
        let context = ExprContext::of(&file, &parsed, &options, None).expect("parsed");
        assert_eq!(context.file_span(0..2), 6..8);
        assert!(context.origin.is_rule());
    }
}
