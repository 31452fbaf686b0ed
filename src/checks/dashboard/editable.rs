//! `dashboard/editable` (opt-in): a dashboard managed as code that is still editable in
//! the UI.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::context_of;
use crate::diagnostic::Severity;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/editable",
    severity: Severity::Info,
    summary: "A dashboard kept as code is editable in the UI (opt-in convention)",
    docs: "When dashboards are provisioned from a repository, edits made in the UI are lost on \
the next deploy. Setting `\"editable\": false` makes that explicit. This is a convention, so \
the check is off unless the configuration enables it.",
    bad: fixture!("dashboard/editable/fail.json"),
    good: fixture!("dashboard/editable/pass.json"),
    enabled_by_default: false,
};

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    let dashboard = input.dashboard;
    let span = match &dashboard.editable {
        Some((false, _)) => return,
        Some((true, span)) => span.clone(),
        None => dashboard
            .title
            .as_ref()
            .map(|t| t.value_span())
            .unwrap_or(dashboard.span.start..dashboard.span.start + 1),
    };
    let diagnostic = emit.report(span, "dashboard is editable in the Grafana UI");
    diagnostic.help = Some("set `\"editable\": false` so changes go through the repository".into());
    diagnostic.context = context_of(dashboard, None, None);
}
