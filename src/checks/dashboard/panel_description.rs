//! `dashboard/panel-description` (opt-in): panels without a title or a description.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::context_of;
use crate::diagnostic::Severity;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/panel-description",
    severity: Severity::Info,
    summary: "A panel has no title or no description (opt-in convention)",
    docs: "Some teams require every panel to say what it shows (a title) and how to read it \
(a description, shown as the panel's (i) tooltip). This is a convention, not a bug, so the \
check is off unless the configuration enables it. Rows and text panels are not reported.",
    bad: fixture!("dashboard/panel-description/fail.json"),
    good: fixture!("dashboard/panel-description/pass.json"),
    enabled_by_default: false,
};

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    let dashboard = input.dashboard;
    for panel in dashboard.query_panels() {
        if panel.kind.as_ref().is_some_and(|k| k.value == "text") {
            continue;
        }
        let span = panel
            .title
            .as_ref()
            .map(|t| t.value_span())
            .unwrap_or(panel.span.start..panel.span.start + 1);
        let untitled = panel
            .title
            .as_ref()
            .is_none_or(|t| t.value.trim().is_empty());
        let message = if untitled {
            "panel has no title".to_string()
        } else if panel
            .description
            .as_ref()
            .is_none_or(|d| d.value.trim().is_empty())
        {
            format!(
                "panel `{}` has no description",
                panel.title.as_ref().map(|t| t.value.as_str()).unwrap_or("")
            )
        } else {
            continue;
        };
        let diagnostic = emit.report(span, message);
        diagnostic.help =
            Some("say what the panel shows in `title` and how to read it in `description`".into());
        diagnostic.context = context_of(dashboard, Some(panel), None);
    }
}
