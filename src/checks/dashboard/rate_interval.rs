//! `dashboard/rate-interval`: `$__interval` (or a fixed window) as the range of `rate`,
//! `irate` or `increase`, where `$__rate_interval` is correct.

use super::DashboardInput;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fix::{Applicability, Fix};
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "dashboard/rate-interval",
    severity: Severity::Warning,
    summary: "`rate()` over `$__interval` or a fixed window instead of `$__rate_interval`",
    docs: "`$__interval` is the step between points; at a fine zoom it is shorter than two \
scrapes, and `rate` over fewer than two samples returns nothing, so the graph has gaps or goes \
empty. A fixed window such as `[5m]` has the opposite problem when zoomed out: with a step of \
hours it samples a few minutes out of each step and hides what happened in between. \
`$__rate_interval` (Grafana 7.2+) is at least four scrape intervals and grows with the step. \
`$__interval` is reported as a warning, a fixed window as an info.",
    bad: fixture!("dashboard/rate-interval/fail.json"),
    good: fixture!("dashboard/rate-interval/pass.json"),
    enabled_by_default: true,
};

const RATE_FUNCTIONS: &[&str] = &["rate", "irate", "increase"];

pub fn check(input: &DashboardInput<'_>, emit: &mut Emitter<'_>) {
    for query in input.queries {
        let expanded = &query.expanded;
        for bracket in &query.scan.brackets {
            let Some(call) = bracket
                .call
                .as_deref()
                .filter(|c| RATE_FUNCTIONS.contains(c))
            else {
                continue;
            };
            let inside = &expanded.source[bracket.inside.clone()];
            if inside.contains(':') {
                // A subquery: its range and resolution follow other rules.
                continue;
            }
            let substitution = expanded.substitutions.iter().find(|s| {
                s.source.start >= bracket.inside.start && s.source.end <= bracket.inside.end
            });
            let span = expanded.map.span_to_file(bracket.inside.clone());
            match substitution {
                Some(s) if s.name == "__interval" => {
                    let diagnostic = emit.report(
                        span,
                        format!("`{call}()` over `$__interval` returns nothing when the interval is shorter than two scrapes"),
                    );
                    diagnostic.help = Some(
                        "use `$__rate_interval`, which is never shorter than four scrape intervals"
                            .into(),
                    );
                    // Grafana's own replacement for this use: same intent, a window that
                    // never drops below four scrapes.
                    let text = query.text(input.dashboard);
                    diagnostic.fix = input
                        .text_edit(text, s.original.clone(), "$__rate_interval")
                        .and_then(|edit| {
                            Fix::new(
                                "Replace `$__interval` with `$__rate_interval`",
                                Applicability::Safe,
                                vec![edit],
                            )
                        });
                    diagnostic.context = input.query_context(query);
                }
                None if crate::dashboards::expand::is_duration(inside.trim()) => {
                    let diagnostic = emit.report(
                        span,
                        format!(
                            "`{call}()` over a fixed `[{}]` window ignores the dashboard's zoom",
                            inside.trim()
                        ),
                    );
                    diagnostic.severity = Severity::Info;
                    diagnostic.help =
                        Some("use `[$__rate_interval]` so the window follows the step".into());
                    // Unsafe: a fixed window may have been chosen on purpose, and the
                    // values change at every zoom level.
                    diagnostic.fix = input
                        .query_edit(query, bracket.inside.clone(), "$__rate_interval")
                        .and_then(|edit| {
                            Fix::new(
                                format!("Replace `[{}]` with `[$__rate_interval]`", inside.trim()),
                                Applicability::Unsafe,
                                vec![edit],
                            )
                        });
                    diagnostic.context = input.query_context(query);
                }
                _ => {}
            }
        }
    }
}
