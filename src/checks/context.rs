//! What checks see.
//!
//! Every PromQL expression is parsed once, when its file is loaded, into a
//! [`ParsedExpr`] (the text the parser saw, its map back to the file, the parse result
//! and where it came from). PromQL and catalog checks run on an [`ExprContext`] built
//! from it, so the same check works for a rule's `expr` and a dashboard panel's query.
//! Rule-file checks run on the rule-file model; dashboard checks on the dashboard model.

use super::{CheckMeta, Emitter};
use crate::catalog::Catalog;
use crate::checks::catalog::common::ExprWalk;
use crate::pipeline::Options;
use crate::promql::analysis::{analyze, Analysis, ExprInfo, LabelInfo};
use crate::promql::{Expr, ParseResult};
use crate::source::{OffsetMap, SourceFile, Span};
use std::sync::Arc;

/// Where an expression comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprOrigin {
    /// The group's name is shared by the group's expressions (`Arc`), and names are
    /// boxed strings rather than `String`s: a file may hold hundreds of thousands of
    /// expressions, each with its origin.
    AlertingRule {
        group: Arc<str>,
        /// The `alert` name.
        name: Box<str>,
    },
    RecordingRule {
        group: Arc<str>,
        /// The `record` name: the series the rule writes.
        name: Box<str>,
    },
    DashboardQuery {
        dashboard: Box<str>,
        /// The panel's title, when the query is a panel target.
        panel: Option<Box<str>>,
        /// The target's `refId`, when it has one.
        ref_id: Option<Box<str>>,
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
                vec![("group", group.to_string()), ("rule", name.to_string())]
            }
            ExprOrigin::DashboardQuery {
                dashboard,
                panel,
                ref_id,
            } => {
                let mut context = vec![("dashboard", dashboard.to_string())];
                if let Some(panel) = panel {
                    context.push(("panel", panel.to_string()));
                }
                if let Some(ref_id) = ref_id {
                    context.push(("refId", ref_id.to_string()));
                }
                context
            }
            ExprOrigin::Standalone => Vec::new(),
        }
    }
}

/// One expression of a loaded file, parsed once.
///
/// Kept small: a rule file holds one per rule, all alive while the file is checked
/// (590,000 recording rules held 336 bytes each, plus a syntax tree each).
#[derive(Debug, Clone)]
pub struct ParsedExpr {
    /// The text the parser saw (a rule's decoded `expr`, a dashboard query after
    /// variable expansion).
    pub source: String,
    /// `source` byte -> file byte.
    pub map: OffsetMap,
    /// Shared by the expressions of a file that have the same text
    /// ([`ParsedExpr::sharing`]): a result depends only on the text.
    pub result: Arc<ParseResult>,
    pub origin: ExprOrigin,
    /// The text came from a substitution promgate could not type with confidence (a
    /// dashboard variable): syntax errors are not reported for it.
    pub uncertain: bool,
    /// The label-flow analysis of the whole expression, computed on first use and then
    /// shared by every check that asks (most expressions are never asked). Boxed: an
    /// `ExprInfo` is large beside the pointer, and most expressions never need one.
    analysis: std::sync::OnceLock<Option<Box<ExprInfo>>>,
}

impl ParsedExpr {
    pub fn new(source: String, map: OffsetMap, origin: ExprOrigin) -> ParsedExpr {
        let (result, known) = MEMO.with(|memo| match memo.borrow_mut().as_mut() {
            Some(memo) => memo.parse(&source),
            None => (Arc::new(crate::promql::parse(&source)), None),
        });
        let analysis = std::sync::OnceLock::new();
        if let Some(known) = known {
            let _ = analysis.set(known.map(Box::new));
        }
        ParsedExpr {
            source,
            map,
            result,
            origin,
            uncertain: false,
            analysis,
        }
    }

    /// [`ParsedExpr::new`], unless `seen` already holds a parse of the same text: then
    /// that result is shared rather than parsed and held again. `seen` lives as long
    /// as one file's loading (a file that repeats `up` 590,000 times holds one tree).
    pub fn sharing<'t>(
        source: &'t str,
        map: OffsetMap,
        origin: ExprOrigin,
        seen: &mut rustc_hash::FxHashMap<&'t str, Arc<ParseResult>>,
    ) -> ParsedExpr {
        if let Some(result) = seen.get(source) {
            return ParsedExpr {
                source: source.to_string(),
                map,
                result: Arc::clone(result),
                origin,
                uncertain: false,
                analysis: std::sync::OnceLock::new(),
            };
        }
        let parsed = ParsedExpr::new(source.to_string(), map, origin);
        seen.insert(source, Arc::clone(&parsed.result));
        parsed
    }

    /// The analysis of the expression (its type and result labels), if it parsed.
    pub fn analysis(&self) -> Option<&ExprInfo> {
        self.analysis
            .get_or_init(|| {
                self.result
                    .expr
                    .as_ref()
                    .map(|expr| Box::new(analyze(expr)))
            })
            .as_deref()
    }

    /// Frees the syntax tree and its analysis, for a holder that needs neither again
    /// (the catalog run keeps thousands of expressions until the recorded series are
    /// known). A shared tree is freed with its last holder.
    pub fn drop_tree(&mut self) {
        if self.result.expr.is_some() {
            self.result = Arc::new(ParseResult {
                expr: None,
                errors: self.result.errors.clone(),
            });
        }
        self.analysis = std::sync::OnceLock::new();
    }

    /// What the analysis knows of the labels of the expression's result.
    pub fn labels(&self) -> Option<&LabelInfo> {
        self.analysis().map(|info| &info.labels)
    }
}

std::thread_local! {
    /// The memo [`ParsedExpr::new`] answers from on this thread, while one is lent.
    static MEMO: std::cell::RefCell<Option<ParseMemo>> = const { std::cell::RefCell::new(None) };
}

/// Parse results (and analyses) of expression texts, kept from one load of a text to
/// the next: the language server loads a document again on every edit, and most of its
/// expressions did not change. A result depends only on the text, so a kept one is the
/// same as a new parse.
#[derive(Default)]
pub struct ParseMemo {
    entries: std::collections::HashMap<String, MemoEntry>,
    round: u64,
}

struct MemoEntry {
    result: Arc<ParseResult>,
    analysis: Option<Option<ExprInfo>>,
    round: u64,
}

impl ParseMemo {
    /// Runs `load` with this memo answering [`ParsedExpr::new`] on this thread; texts
    /// `load` did not parse are forgotten, so the memo holds one load's expressions.
    pub fn lend<R>(&mut self, load: impl FnOnce() -> R) -> R {
        self.round += 1;
        let lent = std::mem::take(self);
        MEMO.with(|memo| *memo.borrow_mut() = Some(lent));
        let result = load();
        if let Some(back) = MEMO.with(|memo| memo.borrow_mut().take()) {
            *self = back;
        }
        let round = self.round;
        self.entries.retain(|_, entry| entry.round == round);
        result
    }

    /// Keeps the analysis a check computed on `parsed` for the next load.
    pub fn learn(&mut self, parsed: &ParsedExpr) {
        if let (Some(analysis), Some(entry)) =
            (parsed.analysis.get(), self.entries.get_mut(&parsed.source))
        {
            if entry.analysis.is_none() {
                entry.analysis = Some(analysis.as_deref().cloned());
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn parse(&mut self, source: &str) -> (Arc<ParseResult>, Option<Option<ExprInfo>>) {
        let round = self.round;
        if let Some(entry) = self.entries.get_mut(source) {
            entry.round = round;
            return (Arc::clone(&entry.result), entry.analysis.clone());
        }
        let result = Arc::new(crate::promql::parse(source));
        self.entries.insert(
            source.to_string(),
            MemoEntry {
                result: Arc::clone(&result),
                analysis: None,
                round,
            },
        );
        (result, None)
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
    /// The catalog checks' shared walk ([`Self::walk`]); start it empty.
    pub(crate) walk: std::cell::OnceCell<ExprWalk<'a>>,
    /// The expression's nodes in walk order ([`Self::nodes`]); start it empty.
    pub(crate) nodes: std::cell::OnceCell<Vec<&'a Expr>>,
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
            walk: std::cell::OnceCell::new(),
            nodes: std::cell::OnceCell::new(),
        })
    }

    /// Every node of the expression in [`Expr::walk`]'s order, walked once and shared
    /// by the checks that visit every node (six walks an expression before).
    pub fn nodes(&self) -> &[&'a Expr] {
        self.nodes.get_or_init(|| self.expr.nodes())
    }

    /// The one walk of the expression the catalog checks share (its nodes with their
    /// parent chains, each named selector's series): built on first use.
    pub fn walk(&self, catalog: &'a Catalog) -> &ExprWalk<'a> {
        self.walk.get_or_init(|| ExprWalk::new(self.expr, catalog))
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

/// The expression checks that one file's configuration turns on, decided once: the
/// answer depends on the check and the file alone, and asking the config for each
/// check of each expression was 140,000 lookups on 10,000 rules.
pub struct EnabledExprChecks {
    /// `promql/syntax`, which reports the parse itself.
    syntax: bool,
    /// The other checks, in [`expr_runners`]' order.
    runners: Vec<(&'static CheckMeta, ExprRun)>,
}

impl EnabledExprChecks {
    pub fn new(enabled: &dyn Fn(&CheckMeta) -> bool) -> EnabledExprChecks {
        EnabledExprChecks {
            syntax: enabled(&super::promql::syntax::META),
            runners: expr_runners()
                .iter()
                .filter(|(meta, _)| enabled(meta))
                .copied()
                .collect(),
        }
    }
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
    let checks = EnabledExprChecks::new(enabled);
    check_expr_with(file, parsed, options, catalog, &checks, out);
}

/// [`check_expr`] with the checks a file turns on already decided.
pub fn check_expr_with(
    file: &SourceFile,
    parsed: &ParsedExpr,
    options: &Options,
    catalog: Option<&Catalog>,
    checks: &EnabledExprChecks,
    out: &mut Vec<crate::diagnostic::Diagnostic>,
) {
    let first = out.len();
    // vmalert evaluates MetricsQL, a superset of PromQL (`lag()`, aggregations over range
    // vectors, `WITH` templates...): a PromQL parse error there is no proof of a bug.
    let metricsql = matches!(
        parsed.origin,
        ExprOrigin::AlertingRule { .. } | ExprOrigin::RecordingRule { .. }
    ) && options.dialect_for_file(&file.path) == crate::rules::Dialect::Vmalert;
    if !parsed.uncertain && !metricsql && checks.syntax {
        let mut emitter = Emitter::new(&super::promql::syntax::META, out);
        super::promql::syntax::report(&parsed.result, &parsed.map, &mut emitter);
    }
    if let Some(context) = ExprContext::of(file, parsed, options, catalog) {
        for &(meta, run) in &checks.runners {
            run(&context, &mut Emitter::new(meta, out));
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
    fn checks_decided_once_run_as_asked_each_time() {
        let text = "expr: x{code=\"5..\"} > 1 unless sum(y)\n";
        let file = SourceFile::new("r.yml", text);
        let parsed = ParsedExpr::new(
            text[6..text.len() - 1].to_string(),
            OffsetMap::identity(6, text.len() - 7),
            ExprOrigin::Standalone,
        );
        let options = Options::default();
        let codes = |enabled: &dyn Fn(&CheckMeta) -> bool| {
            let checks = EnabledExprChecks::new(enabled);
            let mut out = Vec::new();
            // Twice: the decision serves every expression of a file.
            for _ in 0..2 {
                check_expr_with(&file, &parsed, &options, None, &checks, &mut out);
            }
            out.iter().map(|d| d.code).collect::<Vec<_>>()
        };
        let all = codes(&|_| true);
        assert!(all.contains(&"promql/regexp-equality"), "{all:?}");
        assert!(codes(&|_| false).is_empty());
        let without = codes(&|meta| meta.code != "promql/regexp-equality");
        let expected: Vec<_> = all
            .iter()
            .copied()
            .filter(|&code| code != "promql/regexp-equality")
            .collect();
        assert_eq!(without, expected);
    }

    #[test]
    fn a_memo_gives_the_parse_and_analysis_of_a_new_parse() {
        let mut memo = ParseMemo::default();
        let text = "sum by (job) (rate(x{a=\"b\"}[5m])) > 1";
        let new = || {
            ParsedExpr::new(
                text.to_string(),
                OffsetMap::identity(0, text.len()),
                ExprOrigin::Standalone,
            )
        };
        let first = memo.lend(new);
        assert!(first.analysis().is_some());
        memo.learn(&first);
        let again = memo.lend(new);
        assert_eq!(again.result, first.result);
        assert_eq!(
            again.analysis.get(),
            first.analysis.get(),
            "the analysis is kept"
        );
        assert_eq!(memo.len(), 1);
        // Without the memo lent, and after a load that parsed other texts.
        assert_eq!(new().result, first.result);
        memo.lend(|| {
            ParsedExpr::new(
                "up".into(),
                OffsetMap::identity(0, 2),
                ExprOrigin::Standalone,
            )
        });
        assert_eq!(memo.len(), 1, "only the last load's texts are kept");
    }

    #[test]
    fn a_parsed_expression_stays_small() {
        // A rule file holds one per rule, all alive while it is checked: 336 bytes
        // with the parse result, the analysis and `String` names inline, 136 now.
        assert!(
            std::mem::size_of::<ParsedExpr>() <= 144,
            "{}",
            std::mem::size_of::<ParsedExpr>()
        );
    }

    #[test]
    fn expressions_with_one_text_share_one_parse() {
        let mut seen = rustc_hash::FxHashMap::default();
        let origin = || ExprOrigin::Standalone;
        let first = ParsedExpr::sharing("up", OffsetMap::identity(0, 2), origin(), &mut seen);
        let again = ParsedExpr::sharing("up", OffsetMap::identity(9, 2), origin(), &mut seen);
        let other = ParsedExpr::sharing("up == 0", OffsetMap::identity(20, 7), origin(), &mut seen);
        assert!(Arc::ptr_eq(&first.result, &again.result));
        assert!(!Arc::ptr_eq(&first.result, &other.result));
        assert_eq!(
            again.map,
            OffsetMap::identity(9, 2),
            "each keeps its own place"
        );
        assert_eq!(again.analysis(), first.analysis());
        // Freeing one holder's tree leaves the other's.
        let mut dropped = first.clone();
        dropped.drop_tree();
        assert!(dropped.result.expr.is_none());
        assert!(again.result.expr.is_some());
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
