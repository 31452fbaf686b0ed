//! `catalog/unknown-metric`: a selector names a metric the catalog does not have.

use super::common::{quoted_list, ExprWalk, Finding};
use crate::catalog::flow::Resolved;
use crate::catalog::{Catalog, MetricType};
use crate::checks::context::ExprContext;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fix::{Applicability, DecodedFix};
use crate::fixture;
use crate::promql::ast::{Expr, MatchOp, VectorSelector};

pub static META: CheckMeta = CheckMeta {
    code: "catalog/unknown-metric",
    severity: Severity::Warning,
    summary: "A selector names a metric the metric catalog does not have",
    docs: "A selector that names a metric nobody exports returns nothing: an alert on it never fires, \
a panel stays empty, a recording rule records nothing. The usual cause is a typo or a metric \
renamed by a new exporter version.\n\n\
Catalogs are often partial, so by default an unknown name is reported only when the catalog \
knows other metrics of its namespace (the part before the first `_`): `http_request_total` \
beside the known `http_requests_total` is a typo, while `pg_up` in a catalog without any `pg_` \
metric is a gap in the catalog. Declare the catalog `complete: true` to report every unknown \
name; list namespaces in `exclude_namespaces` to never report them. Recording rules linted in the \
same run are part of the catalog. `{__name__=~\"...\"}` regexes are matched against the catalog \
and reported when they match nothing.\n\n\
Fix: use the name the help suggests, or add the metric to the catalog (`promgate catalog import`).",
    bad: fixture!("catalog/unknown-metric/fail.yml"),
    good: fixture!("catalog/unknown-metric/pass.yml"),
    enabled_by_default: true,
};

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if let Some(catalog) = super::catalog_for(ctx) {
        super::emit(ctx, emitter, find_in(ctx.walk(catalog), catalog));
    }
}

pub fn find(expr: &Expr, catalog: &Catalog) -> Vec<Finding> {
    find_in(&ExprWalk::new(expr, catalog), catalog)
}

/// The findings on an expression walked with `catalog`.
pub fn find_in(walk: &ExprWalk<'_>, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A blind expression names no metric this check would report.
    if walk.blind() {
        return findings;
    }
    walk.selectors(&mut |selector| {
        if let Some(finding) = check_selector(selector, walk, catalog) {
            findings.push(finding);
        }
    });
    findings
}

/// Whether an unknown `name` is worth reporting: the catalog is complete, or it knows
/// other metrics of the name's namespace (a typo is likelier than a gap). Names with
/// `:` are recording-rule outputs from elsewhere: reported only in complete catalogs.
pub(super) fn reportable(name: &str, catalog: &Catalog) -> bool {
    if catalog.is_excluded(name) {
        return false;
    }
    catalog.complete || (!name.contains(':') && catalog.knows_namespace_of(name))
}

fn check_selector(
    selector: &VectorSelector,
    walk: &ExprWalk<'_>,
    catalog: &Catalog,
) -> Option<Finding> {
    if let Some((name, span)) = selector.metric_name() {
        if walk.series(selector, name).is_some() || !reportable(name, catalog) {
            return None;
        }
        if let Some(family) = catalog.family_by_stem(name) {
            // The bare name of a classic histogram: `catalog/histogram` explains it.
            if family.kind == MetricType::Histogram && family.name == name {
                return None;
            }
            let series: Vec<String> = family.series().into_iter().map(|(n, _)| n).collect();
            let series: Vec<&str> = series.iter().map(String::as_str).collect();
            return Some(
                Finding::new(span, format!("`{name}` is not in the metric catalog")).help(format!(
                    "`{}` is a {}: its series are {}",
                    family.name,
                    family.kind,
                    quoted_list(&series)
                )),
            );
        }
        let finding = Finding::new(
            span.clone(),
            format!("`{name}` is not in the metric catalog"),
        );
        let suggestions = catalog.closest_series(name, 3);
        return Some(match suggestions.as_slice() {
            [] => finding.help(
                "check the name, or add the metric to the catalog (`promgate catalog import`)",
            ),
            [one] if span.len() == name.len() && super::unknown_label::is_plain_name(one) => {
                // Unsafe: the closest catalog name is a guess at what was meant.
                let fix =
                    DecodedFix::new(format!("Rename `{name}` to `{one}`"), Applicability::Unsafe)
                        .edit(span.clone(), one.to_string());
                finding
                    .help(format!("did you mean {}?", quoted_list(&suggestions)))
                    .fix(fix)
            }
            _ => finding.help(format!("did you mean {}?", quoted_list(&suggestions))),
        });
    }
    let matcher = selector
        .matchers
        .iter()
        .find(|m| m.name == "__name__" && m.op == MatchOp::Regex)?;
    let Resolved::Regex(matched) = walk.resolve(selector) else {
        return None;
    };
    if !matched.is_empty() {
        return None;
    }
    // Judge the namespace by the regex's literal prefix (`node_disk_.*` -> `node`).
    let prefix: String = matcher
        .value
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let namespace_known = prefix.contains('_') && reportable(&prefix, catalog);
    if !(catalog.complete || namespace_known) {
        return None;
    }
    Some(
        Finding::new(
            matcher.value_span.clone(),
            format!("`__name__=~\"{}\"` matches no metric in the catalog", matcher.value),
        )
        .help("the regex is fully anchored: check it against the metric names, or add the metrics to the catalog"),
    )
}
