//! Checks on PromQL expressions, wherever they come from (rule files, dashboards).

pub mod feature;
pub mod histogram_le;
pub mod regexp;
pub mod regexp_equality;
pub mod syntax;

use super::context::{ExprContext, ExprRun};
use super::CheckMeta;
use super::Emitter;

pub const CHECKS: &[&CheckMeta] = &[
    &syntax::META,
    &feature::META,
    &histogram_le::META,
    &regexp::META,
    &regexp_equality::META,
];

/// The checks that run on every parsed expression (`promql/syntax` reports parse results
/// itself).
pub const EXPR_RUNNERS: &[(&CheckMeta, ExprRun)] = &[
    (&feature::META, feature::run),
    (&regexp::META, regexp::run),
    (&regexp_equality::META, regexp_equality::run),
    (&histogram_le::META, histogram_le::run),
];

/// Reports findings whose spans are in the expression's source text.
pub(crate) fn emit(
    ctx: &ExprContext<'_>,
    emitter: &mut Emitter<'_>,
    findings: Vec<super::catalog::common::Finding>,
) {
    for finding in findings {
        let fix = finding
            .fix
            .and_then(|fix| fix.to_file(&ctx.file.text, ctx.map, ctx.source));
        let diagnostic = emitter.report(ctx.file_span(finding.span), finding.message);
        diagnostic.help = finding.help;
        diagnostic.fix = fix;
    }
}
