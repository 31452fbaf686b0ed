//! `dashboard/duplicate`: duplicate panel ids, duplicate `refId`s within a panel,
//! duplicate variable names, and `panelId` references to panels that do not exist.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::context_of;
use crate::diagnostic::{Label, Severity};
use crate::fixture;
use std::collections::HashMap;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/duplicate",
    severity: Severity::Warning,
    summary: "Duplicate panel ids, refIds or variable names; a panelId that names no panel",
    docs: "Grafana identifies panels by `id` (links, `viewPanel`, `-- Dashboard --` queries, \
library and alert bindings): with two panels sharing an id one of them is unreachable. Two \
queries with the same `refId` in one panel overwrite each other's results and break \
expressions that refer to them. Two variables with the same name: only the first one is used. \
A `-- Dashboard --` query whose `panelId` names no panel shows no data.",
    bad: fixture!("dashboard/duplicate/fail.json"),
    good: fixture!("dashboard/duplicate/pass.json"),
    enabled_by_default: true,
};

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    let dashboard = input.dashboard;
    let mut ids: HashMap<String, &crate::dashboards::Number> = HashMap::new();
    for panel in &dashboard.panels {
        let Some(id) = &panel.id else { continue };
        match ids.get(&id.raw) {
            Some(first) => {
                let diagnostic = emit.report(
                    id.span.clone(),
                    format!("panel id {} is used by another panel", id.raw),
                );
                diagnostic.labels.push(Label {
                    span: first.span.clone(),
                    message: "first used here".into(),
                });
                diagnostic.help = Some("give every panel a unique `id`".into());
                diagnostic.context = context_of(dashboard, Some(panel), None);
            }
            None => {
                ids.insert(id.raw.clone(), id);
            }
        }
    }
    for panel in &dashboard.panels {
        let mut ref_ids: HashMap<&str, &crate::dashboards::Text> = HashMap::new();
        for target in &panel.targets {
            if let Some(ref_id) = target.ref_id.as_ref().filter(|r| !r.value.is_empty()) {
                match ref_ids.get(ref_id.value.as_str()) {
                    Some(first) => {
                        let diagnostic = emit.report(
                            ref_id.value_span(),
                            format!(
                                "refId `{}` is used by another query of this panel",
                                ref_id.value
                            ),
                        );
                        diagnostic.labels.push(Label {
                            span: first.value_span(),
                            message: "first used here".into(),
                        });
                        diagnostic.help =
                            Some("give each query of a panel its own refId (A, B, C...)".into());
                        diagnostic.context = context_of(dashboard, Some(panel), Some(target));
                    }
                    None => {
                        ref_ids.insert(&ref_id.value, ref_id);
                    }
                }
            }
            if let Some(panel_id) = &target.panel_id {
                let exists = dashboard
                    .panels
                    .iter()
                    .any(|p| p.id.as_ref().is_some_and(|id| id.value == panel_id.value));
                if !exists {
                    let diagnostic = emit.report(
                        panel_id.span.clone(),
                        format!(
                            "`panelId` {} names no panel of this dashboard",
                            panel_id.raw
                        ),
                    );
                    diagnostic.help = Some(
                        "point `panelId` at the id of the panel whose results this query reuses"
                            .into(),
                    );
                    diagnostic.context = context_of(dashboard, Some(panel), Some(target));
                }
            }
        }
    }
    let mut names: HashMap<&str, &crate::dashboards::Text> = HashMap::new();
    for variable in &dashboard.variables {
        let Some(name) = &variable.name else { continue };
        match names.get(name.value.as_str()) {
            Some(first) => {
                let diagnostic = emit.report(
                    name.value_span(),
                    format!("variable `{}` is defined twice", name.value),
                );
                diagnostic.labels.push(Label {
                    span: first.value_span(),
                    message: "first defined here; Grafana uses this one".into(),
                });
                diagnostic.help = Some("rename or remove one of the two".into());
                diagnostic.context = context_of(dashboard, None, None);
            }
            None => {
                names.insert(&name.value, name);
            }
        }
    }
}
