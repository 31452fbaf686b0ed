//! Checks on Grafana dashboards. They run on the normalised model
//! ([`crate::dashboards::Dashboard`]) and on the PromQL queries found and expanded at load,
//! so every storage shape gets the same checks. PromQL and catalog checks run on the same
//! queries through `ExprContext`; these are the dashboard-only ones.

use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::queries::{Query, Site};
use crate::dashboards::{context_of, Dashboard, Problem};
use crate::diagnostic::Diagnostic;

pub mod datasource;
pub mod deprecated_panel;
pub mod duplicate;
pub mod editable;
pub mod expr;
pub mod legend_label;
pub mod library_panel;
pub mod panel_description;
pub mod rate_interval;
pub mod schema;
pub mod undefined_variable;
pub mod unit;
pub mod unused_variable;
pub mod variable_matcher;

/// What a dashboard check sees: one dashboard and its PromQL queries.
pub struct DashboardInput<'a> {
    pub dashboard: &'a Dashboard,
    pub queries: &'a [Query],
    /// The whole file's text, for fixes.
    pub text: &'a str,
}

impl DashboardInput<'_> {
    /// The file edit replacing `range` of a query's expanded text (bytes that came
    /// verbatim from the file, not from a variable), in the JSON string's escaping.
    pub fn query_edit(
        &self,
        query: &Query,
        range: std::ops::Range<usize>,
        replacement: &str,
    ) -> Option<crate::fix::Edit> {
        if query.expanded.substitution_in(&range).is_some() {
            return None;
        }
        crate::fix::decoded_edit(
            self.text,
            &query.expanded.map,
            &query.expanded.source,
            range,
            replacement,
        )
    }

    /// The file edit replacing `range` of a decoded JSON string.
    pub fn text_edit(
        &self,
        text: &crate::dashboards::json::Text,
        range: std::ops::Range<usize>,
        replacement: &str,
    ) -> Option<crate::fix::Edit> {
        crate::fix::decoded_edit(self.text, &text.map, &text.value, range, replacement)
    }

    /// Where a query comes from, for the expression checks shared with rule files.
    pub fn origin(&self, query: &Query) -> crate::checks::context::ExprOrigin {
        let (panel, ref_id) = match query.site {
            Site::Target { panel, target } => {
                let panel = &self.dashboard.panels[panel];
                (
                    panel.title.as_ref().map(|t| t.value.clone()),
                    panel.targets[target]
                        .ref_id
                        .as_ref()
                        .map(|r| r.value.clone()),
                )
            }
            Site::Variable { .. } | Site::Annotation { .. } => (None, None),
        };
        crate::checks::context::ExprOrigin::DashboardQuery {
            dashboard: self.dashboard.title().into(),
            panel: panel.map(String::into_boxed_str),
            ref_id: ref_id.map(String::into_boxed_str),
        }
    }

    /// Diagnostic context (dashboard, panel, refId) of a query.
    pub fn query_context(&self, query: &Query) -> Vec<(&'static str, String)> {
        match query.site {
            Site::Target { panel, target } => {
                let panel = &self.dashboard.panels[panel];
                context_of(self.dashboard, Some(panel), Some(&panel.targets[target]))
            }
            Site::Variable { index } => {
                let mut context = context_of(self.dashboard, None, None);
                if let Some(name) = self.dashboard.variables[index].name() {
                    context.push(("variable", name.to_string()));
                }
                context
            }
            Site::Annotation { index } => {
                let mut context = context_of(self.dashboard, None, None);
                if let Some(name) = &self.dashboard.annotations[index].name {
                    context.push(("annotation", name.value.clone()));
                }
                context
            }
        }
    }
}

type Run = fn(&DashboardInput<'_>, &mut Emitter<'_>);

/// Every dashboard check with the function that runs it.
pub const RUNNERS: &[(&CheckMeta, Run)] = &[
    (&schema::META, schema::check),
    (&undefined_variable::META, undefined_variable::check),
    (&unused_variable::META, unused_variable::check),
    (&variable_matcher::META, variable_matcher::check),
    (&rate_interval::META, rate_interval::check),
    (&deprecated_panel::META, deprecated_panel::check),
    (&datasource::META, datasource::check),
    (&duplicate::META, duplicate::check),
    (&unit::META, unit::check),
    (&legend_label::META, legend_label::check),
    (&library_panel::META, library_panel::check),
    (&panel_description::META, panel_description::check),
    (&editable::META, editable::check),
];

pub const CHECKS: &[&CheckMeta] = &[
    &schema::META,
    &undefined_variable::META,
    &unused_variable::META,
    &variable_matcher::META,
    &rate_interval::META,
    &deprecated_panel::META,
    &datasource::META,
    &duplicate::META,
    &unit::META,
    &legend_label::META,
    &library_panel::META,
    &panel_description::META,
    &editable::META,
];

/// Runs the dashboard checks that `enabled` selects.
pub fn run(
    input: &DashboardInput<'_>,
    enabled: &dyn Fn(&CheckMeta) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    for (meta, run) in RUNNERS {
        if enabled(meta) {
            let mut emitter = Emitter::new(meta, out);
            run(input, &mut emitter);
        }
    }
}

/// Every enabled dashboard check, and the shared `promql/*` and `catalog/*` checks on
/// the dashboards' queries, on a loaded file.
pub fn check_file(
    source: &crate::source::SourceFile,
    file: &crate::dashboards::DashboardFile,
    options: &crate::pipeline::Options,
    catalog: Option<&crate::catalog::Catalog>,
    enabled: &dyn Fn(&CheckMeta) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    if enabled(&schema::META) {
        report_load_problems(&file.problems, out);
    }
    for (dashboard, queries) in &file.dashboards {
        let input = DashboardInput {
            dashboard,
            queries,
            text: &source.text,
        };
        if enabled(&crate::checks::promql::syntax::META) {
            report_syntax(&input, out);
        }
        let expr_input = expr::ExprInput {
            file: source,
            options,
            catalog,
        };
        expr::run(&input, &expr_input, enabled, out);
        run(&input, enabled, out);
    }
}

/// `promql/syntax` for the dashboard's PromQL queries, at the exact file position and
/// with the dashboard, panel and refId in the context. A query whose variables could not
/// be typed with confidence is not reported: a false alarm costs more than a miss.
pub fn report_syntax(input: &DashboardInput<'_>, out: &mut Vec<Diagnostic>) {
    for query in input.queries {
        if query.parsed.errors.is_empty() || query.expanded.uncertain {
            continue;
        }
        let start = out.len();
        let mut emitter = Emitter::new(&crate::checks::promql::syntax::META, out);
        crate::checks::promql::syntax::report(&query.parsed, &query.expanded.map, &mut emitter);
        for diagnostic in &mut out[start..] {
            diagnostic.context = input.query_context(query);
        }
    }
}

/// File-level problems of loading (invalid JSON, not a dashboard) as `dashboard/schema`.
pub fn report_load_problems(problems: &[Problem], out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&schema::META, out);
    for problem in problems {
        let diagnostic = emitter.report(problem.span.clone(), problem.message.clone());
        diagnostic.help = problem.help.clone();
    }
}

#[cfg(test)]
mod tests;
