//! The PromQL and catalog checks shared with rule files (`promql/*`, `catalog/*`), run
//! on a dashboard's queries. Their findings are in the expanded query's bytes; they come
//! back to the file through the expansion's map. A finding about text that came from a
//! variable (a templated metric name, a label value such as `"$job"` that is a regex
//! only once Grafana fills it in) is dropped: the check cannot know the real text.

use super::DashboardInput;
use crate::catalog::Catalog;
use crate::checks::catalog::common::Finding;
use crate::checks::context::{expr_runners, ExprContext};
use crate::checks::promql::{feature, histogram_le, regexp};
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::queries::Query;
use crate::dashboards::refs;
use crate::diagnostic::Diagnostic;
use crate::pipeline::Options;
use crate::source::SourceFile;
use std::ops::Range;

/// What the shared checks need besides the query.
pub struct ExprInput<'a> {
    pub file: &'a SourceFile,
    pub options: &'a Options,
    pub catalog: Option<&'a Catalog>,
}

/// Runs the enabled `promql/*` and `catalog/*` checks on every parsed query.
pub fn run(
    input: &DashboardInput<'_>,
    shared: &ExprInput<'_>,
    enabled: &dyn Fn(&CheckMeta) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    let features: Vec<&str> = shared.options.features.iter().map(|f| f.name()).collect();
    for query in input.queries {
        let Some(expr) = &query.parsed.expr else {
            continue;
        };
        let source = query.expanded.source.as_str();
        let templated = templated_ranges(query);
        let start = out.len();
        let mut emit = |meta: &'static CheckMeta, findings: Vec<Finding>| {
            if !enabled(meta) {
                return;
            }
            let mut emitter = Emitter::new(meta, out);
            for finding in findings {
                if templated.iter().any(|t| overlaps(t, &finding.span)) {
                    continue;
                }
                let diagnostic = emitter.report(
                    query.expanded.map.span_to_file(finding.span),
                    finding.message,
                );
                diagnostic.help = finding.help;
            }
        };
        emit(&feature::META, feature::find(expr, &features));
        emit(&regexp::META, regexp::find(expr, source));
        emit(&histogram_le::META, histogram_le::find(expr, source));
        // The expression checks of the shared registry (`catalog/*`, ...).
        let origin = input.origin(query);
        let context = ExprContext {
            file: shared.file,
            source,
            map: &query.expanded.map,
            expr,
            origin: &origin,
            options: shared.options,
            catalog: shared.catalog,
            uncertain: query.expanded.uncertain,
            analysis: Default::default(),
            walk: Default::default(),
            nodes: Default::default(),
        };
        // These checks report in file positions: the templated ranges are mapped to the
        // file once per query, and only when some check found something.
        let mut templated_in_file: Option<Vec<Range<usize>>> = None;
        for &(meta, run) in expr_runners() {
            if !enabled(meta) {
                continue;
            }
            let mut found = Vec::new();
            run(&context, &mut Emitter::new(meta, &mut found));
            if found.is_empty() {
                continue;
            }
            let templated_in_file = templated_in_file.get_or_insert_with(|| {
                templated
                    .iter()
                    .map(|t| query.expanded.map.span_to_file(t.clone()))
                    .collect()
            });
            out.extend(
                found
                    .into_iter()
                    .filter(|d| !templated_in_file.iter().any(|t| overlaps(t, &d.span))),
            );
        }
        for diagnostic in &mut out[start..] {
            diagnostic.context = input.query_context(query);
        }
    }
}

/// Source ranges whose text a variable decides: substitutes, and string literals that
/// hold a variable reference.
fn templated_ranges(query: &Query) -> Vec<Range<usize>> {
    let source = &query.expanded.source;
    let mut ranges: Vec<Range<usize>> = query
        .expanded
        .substitutions
        .iter()
        .map(|s| s.source.clone())
        .collect();
    ranges.extend(
        query
            .scan
            .strings
            .iter()
            .filter(|s| !refs::find(&source[(*s).clone()]).is_empty())
            .cloned(),
    );
    ranges
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    let b_end = b.end.max(b.start + 1);
    a.start < b_end && b.start < a.end
}
