//! `dashboard/deprecated-panel`: Angular panel types that Grafana 12 no longer renders,
//! deprecated target fields, and the deprecated `[[var]]` syntax.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::dashboards::{context_of, refs};
use crate::diagnostic::Severity;
use crate::fix::{Applicability, Fix};
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/deprecated-panel",
    severity: Severity::Warning,
    summary: "A panel type, target field or variable syntax Grafana has deprecated",
    docs: "`graph`, `singlestat`, `table-old`, `grafana-piechart-panel`, \
`grafana-worldmap-panel` and `natel-discrete-panel` are Angular panels: Angular is off by \
default since Grafana 11 and gone in 12, where these panels are migrated on load (losing \
options) or not shown. Replace them with `timeseries`, `stat`, `table`, `piechart`, `geomap` \
and `state-timeline`. The `[[var]]` syntax is deprecated and will be removed: write `$var` or \
`${var}`. The target fields `intervalFactor` and `step` are leftovers that current Grafana \
ignores or discourages (reported as infos).",
    bad: fixture!("dashboard/deprecated-panel/fail.json"),
    good: fixture!("dashboard/deprecated-panel/pass.json"),
    enabled_by_default: true,
};

/// Deprecated panel type -> its replacement.
pub const REPLACEMENTS: &[(&str, &str)] = &[
    ("graph", "timeseries"),
    ("singlestat", "stat"),
    ("grafana-singlestat-panel", "stat"),
    ("table-old", "table"),
    ("grafana-piechart-panel", "piechart"),
    ("grafana-worldmap-panel", "geomap"),
    ("natel-discrete-panel", "state-timeline"),
];

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    let dashboard = input.dashboard;
    for panel in &dashboard.panels {
        let Some(kind) = &panel.kind else { continue };
        let Some((_, replacement)) = REPLACEMENTS.iter().find(|(old, _)| *old == kind.value) else {
            continue;
        };
        let diagnostic = emit.report(
            kind.value_span(),
            format!(
                "panel type `{}` is an Angular panel that Grafana 12 no longer supports",
                kind.value
            ),
        );
        diagnostic.help = Some(format!("change the panel to `{replacement}` (Grafana migrates it on edit; check its options afterwards)"));
        diagnostic.context = context_of(dashboard, Some(panel), None);
    }
    for panel in &dashboard.panels {
        for target in &panel.targets {
            if target.interval_factor.is_none() && target.step.is_none() {
                continue;
            }
            let context = context_of(dashboard, Some(panel), Some(target));
            for (span, field, help) in [
                (
                    &target.interval_factor,
                    "intervalFactor",
                    "set \"Min interval\" (`interval`) on the query instead",
                ),
                (
                    &target.step,
                    "step",
                    "remove it; set \"Min interval\" (`interval`) if a coarser step is wanted",
                ),
            ] {
                let Some(span) = span else { continue };
                let diagnostic = emit.report(
                    span.clone(),
                    format!("target field `{field}` is deprecated"),
                );
                diagnostic.severity = Severity::Info;
                diagnostic.help = Some(help.into());
                diagnostic.context = context.clone();
            }
        }
    }
    // Only `[[name]]` is reported here: a string without `[[` has none.
    for (text, _) in dashboard
        .strings
        .iter()
        .filter(|(text, _)| text.value.contains("[["))
    {
        for reference in refs::find(&text.value) {
            if reference.syntax != refs::Syntax::Brackets {
                continue;
            }
            let diagnostic = emit.report(
                text.span_of(reference.range.clone()),
                format!("`[[{}]]` is the deprecated variable syntax", reference.name),
            );
            diagnostic.help = Some(match &reference.format {
                Some(format) => format!("write `${{{}:{format}}}`", reference.name),
                None => format!(
                    "write `${}` (or `${{{}}}` next to other text)",
                    reference.name, reference.name
                ),
            });
            diagnostic.context = context_of(dashboard, None, None);
            // `${name}` (with its format) is what Grafana reads `[[name]]` as, and the
            // braces keep it apart from any text glued to it.
            let replacement = match &reference.format {
                Some(format) => format!("${{{}:{format}}}", reference.name),
                None => format!("${{{}}}", reference.name),
            };
            diagnostic.fix = input
                .text_edit(text, reference.range.clone(), &replacement)
                .and_then(|edit| {
                    Fix::new(
                        format!("Replace `[[{}]]` with `{replacement}`", reference.name),
                        Applicability::Safe,
                        vec![edit],
                    )
                });
        }
    }
}
