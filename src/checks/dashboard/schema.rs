//! `dashboard/schema`: JSON that Grafana cannot load as a dashboard, and values of the
//! wrong type where Grafana needs a given one.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::context_of;
use crate::diagnostic::Severity;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/schema",
    severity: Severity::Error,
    summary: "The file is not a dashboard Grafana can load",
    docs: "A dashboard must be strict JSON (no comments, no trailing commas) holding a dashboard \
object in one of the shapes Grafana stores: the classic model, an HTTP API envelope \
(`{\"dashboard\": {...}}`), an export with `__inputs`, a `dashboard.grafana.app` resource or \
the v2 spec. Fields Grafana reads must have the type it expects: `panels`, `targets` and \
`templating.list` are arrays, a panel and a target are objects, `expr`, `refId` and \
`title` are strings. `null` where an array is expected and numbers for strings are \
accepted, as Grafana accepts them.",
    bad: fixture!("dashboard/schema/fail.json"),
    good: fixture!("dashboard/schema/pass.json"),
    enabled_by_default: true,
};

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    for problem in &input.dashboard.problems {
        let diagnostic = emit.report(problem.span.clone(), problem.message.clone());
        diagnostic.help = problem.help.clone();
        diagnostic.context = context_of(input.dashboard, None, None);
    }
}
