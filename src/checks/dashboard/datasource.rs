//! `dashboard/datasource`: legacy datasource names and hard-coded uids where a datasource
//! variable makes the dashboard portable; `${DS_*}` placeholders without an `__inputs`
//! entry.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::{context_of, refs, Dashboard, DatasourceRef};
use crate::diagnostic::Severity;
use crate::fix::{Applicability, Fix};
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/datasource",
    severity: Severity::Warning,
    summary: "A hard-coded datasource name or uid, or an export placeholder without its input",
    docs: "A datasource written as a name (`\"datasource\": \"Prometheus\"`, the pre-8.3 form) or \
as a fixed uid only works on the Grafana instance where that datasource exists under that \
name or uid; elsewhere the panel shows \"datasource not found\". Add a datasource variable \
(`type: datasource`, `query: prometheus`) and reference it as \
`{\"type\": \"prometheus\", \"uid\": \"${datasource}\"}`. An exported dashboard's `${DS_NAME}` \
placeholder must have a matching `__inputs` entry, or the import cannot bind it. Row panels are \
skipped: a row never runs a query, and the dummy target Grafana leaves on it is inert.",
    bad: fixture!("dashboard/datasource/fail.json"),
    good: fixture!("dashboard/datasource/pass.json"),
    enabled_by_default: true,
};

/// Datasources Grafana provides itself.
const BUILT_IN: &[&str] = &[
    "-- Mixed --",
    "-- Grafana --",
    "-- Dashboard --",
    "grafana",
    "__expr__",
    "default",
];

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    let dashboard = input.dashboard;
    // A row never runs a query: the datasource and the dummy target Grafana leaves
    // on it are inert.
    for panel in dashboard.panels.iter().filter(|panel| !panel.is_row) {
        let context = context_of(dashboard, Some(panel), None);
        check_ref(input, panel.datasource.as_ref(), &context, emit);
        for target in &panel.targets {
            // Grafana copies the panel's datasource into each target: report it once.
            let same = match (&target.datasource, &panel.datasource) {
                (Some(t), Some(p)) => t.key().map(|k| &k.value) == p.key().map(|k| &k.value),
                _ => false,
            };
            if !same {
                check_ref(
                    input,
                    target.datasource.as_ref(),
                    &context_of(dashboard, Some(panel), Some(target)),
                    emit,
                );
            }
        }
    }
    for variable in &dashboard.variables {
        let mut context = context_of(dashboard, None, None);
        if let Some(name) = variable.name() {
            context.push(("variable", name.to_string()));
        }
        check_ref(input, variable.datasource.as_ref(), &context, emit);
    }
    for annotation in dashboard.annotations.iter().filter(|a| !a.builtin) {
        check_ref(
            input,
            annotation.datasource.as_ref(),
            &context_of(dashboard, None, None),
            emit,
        );
    }
}

fn check_ref(
    input: &DashboardInput<'_>,
    reference: Option<&DatasourceRef>,
    context: &[(&'static str, String)],
    emit: &mut Emitter<'_>,
) {
    let dashboard = input.dashboard;
    let Some(reference) = reference else { return };
    let Some(key) = reference.key() else { return };
    if BUILT_IN.contains(&key.value.as_str()) {
        return;
    }
    let found = refs::find(&key.value);
    if !found.is_empty() {
        for placeholder in found.iter().filter(|r| refs::is_export_input(&r.name)) {
            if dashboard
                .inputs
                .iter()
                .any(|i| i.name.value == placeholder.name)
            {
                continue;
            }
            let diagnostic = emit.report(
                key.span_of(placeholder.range.clone()),
                format!(
                    "`${{{}}}` is an export placeholder, but `__inputs` has no `{}` entry",
                    placeholder.name, placeholder.name
                ),
            );
            diagnostic.help = Some(format!(
                "add {{\"name\": \"{}\", \"type\": \"datasource\", \"pluginId\": \"prometheus\"}} to `__inputs`, or use a datasource variable",
                placeholder.name
            ));
            diagnostic.context = context.to_vec();
        }
        return;
    }
    let (message, help) = match reference {
        DatasourceRef::Name(_) => (
            format!("datasource `{}` is a hard-coded name (the pre-8.3 string form)", key.value),
            "add a datasource variable and reference it: `\"datasource\": {\"type\": \"prometheus\", \"uid\": \"${datasource}\"}`",
        ),
        _ => (
            format!("datasource uid `{}` is hard-coded: the dashboard only works where that uid exists", key.value),
            "add a datasource variable and use `\"uid\": \"${datasource}\"`",
        ),
    };
    let fix = datasource_variable(dashboard).and_then(|variable| {
        let reference_text = format!("${{{variable}}}");
        let edit = input.text_edit(key, 0..key.value.len(), &reference_text)?;
        // Unsafe: the variable's current value may name another datasource.
        Fix::new(
            format!("Use the datasource variable `${{{variable}}}`"),
            Applicability::Unsafe,
            vec![edit],
        )
    });
    let diagnostic = emit.report(key.value_span(), message);
    diagnostic.help = Some(help.into());
    diagnostic.context = context.to_vec();
    diagnostic.fix = fix;
}

/// The name of the dashboard's one Prometheus datasource variable, if it has exactly one.
fn datasource_variable(dashboard: &Dashboard) -> Option<&str> {
    let mut found = dashboard.variables.iter().filter(|variable| {
        variable.kind == "datasource"
            && variable
                .query
                .as_ref()
                .is_some_and(|query| query.value == "prometheus")
    });
    let only = found.next()?;
    if found.next().is_some() {
        return None;
    }
    only.name()
}
