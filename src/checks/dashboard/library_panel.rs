//! `dashboard/library-panel`: a library panel whose body is not in the file, so its
//! queries cannot be linted here.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::context_of;
use crate::diagnostic::Severity;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/library-panel",
    severity: Severity::Info,
    summary: "A library panel's queries are not in the file and were not linted",
    docs: "A panel with `libraryPanel: {uid, name}` takes its queries from Grafana's library. \
An export made with \"Export for sharing externally\" carries the models in `__elements`, and \
promgate lints them there; otherwise it says which panels it could not see.",
    bad: fixture!("dashboard/library-panel/fail.json"),
    good: fixture!("dashboard/library-panel/pass.json"),
    enabled_by_default: true,
};

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    for skipped in &input.dashboard.skipped {
        let diagnostic = emit.report(skipped.span.clone(), skipped.message.clone());
        diagnostic.help = Some(
            "export the dashboard with its library panels (`__elements`) to lint their queries"
                .into(),
        );
        diagnostic.context = context_of(input.dashboard, None, None);
    }
}
