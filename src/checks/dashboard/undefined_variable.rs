//! `dashboard/undefined-variable`: a `$var` in a query, legend, title or datasource that
//! no variable of the dashboard defines.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::{context_of, refs, Dashboard, DatasourceRef, Panel, Target, Text};
use crate::diagnostic::Severity;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/undefined-variable",
    severity: Severity::Warning,
    summary: "A variable is used but no dashboard variable defines it",
    docs: "Grafana leaves an unknown `$name` in the text as it is, so the query reaches \
Prometheus with a literal `$name` in it and matches nothing (or fails to parse), and a \
legend or title shows the raw text. Usually the variable was renamed or deleted. Global \
variables (`$__interval`, `$__range`, `${__from}`...), `$1`-style regex groups and `${DS_*}` \
placeholders of exported dashboards are not reported.",
    bad: fixture!("dashboard/undefined-variable/fail.json"),
    good: fixture!("dashboard/undefined-variable/pass.json"),
    enabled_by_default: true,
};

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    let dashboard = input.dashboard;
    for panel in &dashboard.panels {
        let context = context_of(dashboard, Some(panel), None);
        report_in(
            dashboard,
            panel.title.as_ref(),
            "panel title",
            &context,
            emit,
        );
        report_in(
            dashboard,
            datasource_text(&panel.datasource),
            "datasource",
            &context,
            emit,
        );
        if let Some(repeat) = &panel.repeat {
            let name = repeat.value.trim_start_matches('$');
            if !repeat.value.contains('{') && !is_known(dashboard, name) {
                let diagnostic = emit.report(
                    repeat.value_span(),
                    format!("panel repeats over `{name}`, which no variable defines"),
                );
                diagnostic.help =
                    Some("name an existing variable in `repeat`, or remove it".into());
                diagnostic.context = context.clone();
            }
        }
        for target in &panel.targets {
            check_target(dashboard, panel, target, emit);
        }
    }
    for variable in &dashboard.variables {
        let mut context = context_of(dashboard, None, None);
        if let Some(name) = variable.name() {
            context.push(("variable", name.to_string()));
        }
        if matches!(variable.kind.as_str(), "query" | "datasource") {
            report_in(
                dashboard,
                variable.query.as_ref(),
                "variable query",
                &context,
                emit,
            );
        }
        report_in(
            dashboard,
            datasource_text(&variable.datasource),
            "datasource",
            &context,
            emit,
        );
    }
    for annotation in &dashboard.annotations {
        let context = context_of(dashboard, None, None);
        report_in(
            dashboard,
            annotation.expr.as_ref(),
            "annotation query",
            &context,
            emit,
        );
        report_in(
            dashboard,
            datasource_text(&annotation.datasource),
            "datasource",
            &context,
            emit,
        );
    }
}

fn check_target(dashboard: &Dashboard, panel: &Panel, target: &Target, emit: &mut Emitter<'_>) {
    let context = context_of(dashboard, Some(panel), Some(target));
    report_in(dashboard, target.expr.as_ref(), "query", &context, emit);
    report_in(
        dashboard,
        target.legend_format.as_ref(),
        "legend",
        &context,
        emit,
    );
    report_in(
        dashboard,
        target.interval.as_ref(),
        "min interval",
        &context,
        emit,
    );
    for other in &target.other_strings {
        report_in(dashboard, Some(other), "query", &context, emit);
    }
    report_in(
        dashboard,
        datasource_text(&target.datasource),
        "datasource",
        &context,
        emit,
    );
}

fn datasource_text(reference: &Option<DatasourceRef>) -> Option<&Text> {
    reference.as_ref().and_then(DatasourceRef::key)
}

/// Defined by the dashboard, by Grafana, or by the export's `__inputs`.
fn is_known(dashboard: &Dashboard, name: &str) -> bool {
    refs::is_global(name)
        || refs::is_regex_group(name)
        || refs::is_export_input(name)
        || dashboard.variable(name).is_some()
        || dashboard.inputs.iter().any(|i| i.name.value == name)
}

fn report_in(
    dashboard: &Dashboard,
    text: Option<&Text>,
    place: &str,
    context: &[(&'static str, String)],
    emit: &mut Emitter<'_>,
) {
    let Some(text) = text else { return };
    for reference in refs::find(&text.value) {
        if is_known(dashboard, &reference.name) {
            continue;
        }
        let diagnostic = emit.report(
            text.span_of(reference.range.clone()),
            format!(
                "variable `{}` in the {place} is not defined by this dashboard",
                reference.name
            ),
        );
        diagnostic.help = Some(match closest(dashboard, &reference.name) {
            Some(near) => format!("did you mean `${near}`? Otherwise add a variable named `{}`", reference.name),
            None => format!("add a variable named `{}` under Dashboard settings > Variables, or remove the reference", reference.name),
        });
        diagnostic.context = context.to_vec();
    }
}

fn closest<'d>(dashboard: &'d Dashboard, name: &str) -> Option<&'d str> {
    dashboard
        .variables
        .iter()
        .filter_map(|v| v.name())
        .map(|candidate| (strsim::jaro_winkler(candidate, name), candidate))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}
