//! `dashboard/unused-variable`: a variable that nothing in the dashboard references.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::{context_of, refs};
use crate::diagnostic::Severity;
use crate::fixture;
use std::collections::HashSet;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/unused-variable",
    severity: Severity::Info,
    summary: "A variable is defined but nothing uses it",
    docs: "A variable that no query, title, legend, link, datasource, repeat or other variable \
references only adds a drop-down that changes nothing, and a query variable still costs a \
query on every load. Ad hoc filters and group-by variables apply without a reference and are \
not reported, and nothing is reported when a link passes the variables on to another \
dashboard (`includeVars`, `$__all_variables`).",
    bad: fixture!("dashboard/unused-variable/fail.json"),
    good: fixture!("dashboard/unused-variable/pass.json"),
    enabled_by_default: true,
};

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    let dashboard = input.dashboard;
    if dashboard.passes_variables_on {
        return;
    }
    let mut used: HashSet<&str> = dashboard
        .repeats
        .iter()
        .map(|r| r.trim_start_matches('$'))
        .collect();
    let found: Vec<(String, Option<usize>)> = dashboard
        .strings
        .iter()
        .flat_map(|(text, owner)| {
            refs::find(&text.value)
                .into_iter()
                .map(move |r| (r.name, *owner))
        })
        .collect();
    for (index, variable) in dashboard.variables.iter().enumerate() {
        let Some(name) = &variable.name else { continue };
        if matches!(
            variable.kind.as_str(),
            "adhoc" | "groupby" | "system" | "snapshot"
        ) {
            continue;
        }
        let referenced = used.contains(name.value.as_str())
            || found
                .iter()
                .any(|(n, owner)| *n == name.value && *owner != Some(index));
        if referenced {
            used.insert(&name.value);
            continue;
        }
        let diagnostic = emit.report(
            name.value_span(),
            format!(
                "variable `{}` is not used by any query, title or other variable",
                name.value
            ),
        );
        diagnostic.help = Some(format!(
            "use it as `${}` (e.g. `job=~\"${}\"`) or delete the variable",
            name.value, name.value
        ));
        let mut context = context_of(dashboard, None, None);
        context.push(("variable", name.value.clone()));
        diagnostic.context = context;
    }
}
