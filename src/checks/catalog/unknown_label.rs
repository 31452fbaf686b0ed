//! `catalog/unknown-label`: a label the metric, or the expression's result at that
//! point, cannot carry: in a matcher, `by`/`without`, `on`/`ignoring`,
//! `group_left`/`group_right`, or a `label_replace`/`label_join`/`sort_by_label` source.

use super::common::{ExprWalk, Finding};
use crate::catalog::flow::{selector_labels, Resolved};
use crate::catalog::{closest, Catalog, MetricType};
use crate::checks::context::ExprContext;
use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::Severity;
use crate::fix::{Applicability, DecodedFix};
use crate::fixture;
use crate::promconfig::Facts;
use crate::promql::analysis::{Analysis, LabelSet, Labels};
use crate::promql::ast::{AggregateExpr, BinaryExpr, Call, Expr, GroupSide, VectorSelector};
use crate::promql::{matcher_matches_empty, regex};

pub static META: CheckMeta = CheckMeta {
    code: "catalog/unknown-label",
    severity: Severity::Error,
    summary: "A label the metric, or the expression at that point, cannot carry",
    docs: "A matcher on a label a metric does not have selects nothing (`http_requests_total{status=\"500\"}` \
when the label is `status_code`); grouping `by` such a label silently collapses the series; \
`on(...)` over it never matches; `group_left(...)` copies nothing. promgate follows the labels \
through the expression (aggregations, `by`/`without`, vector matching, `label_replace`, \
`label_join`, `count_values`) and reports a label the value at that point cannot carry, in a \
matcher, `by`/`without`, `on`/`ignoring`, `group_left`/`group_right`, or a `label_replace`/\
`label_join`/`sort_by_label` source.\n\n\
It stays silent wherever the catalog does not know a metric's complete label set, and for \
matchers that accept the empty value (`foo=\"\"`, `foo!=\"x\"`), which match series without the \
label on purpose. Target labels (`job`, `instance`, and the catalog's `target_labels`) are on \
every scraped series.\n\n\
With a Prometheus configuration whose jobs all have closed target-label sets, a selector that \
names its job (`job=\"api\"`, `job=~\"api|web\"`) is held to the labels the scrape gives that \
job's series: a label only another job's scrape adds (a static label of the `node` job on an \
`api` series) is reported. Without a `job` matcher the union over all jobs applies.\n\n\
Fix: use the label the help suggests.",
    bad: fixture!("catalog/unknown-label/fail.yml"),
    good: fixture!("catalog/unknown-label/pass.yml"),
    enabled_by_default: true,
};

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if let Some(catalog) = super::catalog_for(ctx) {
        let facts = ctx.options.prometheus.as_deref();
        let walk = ctx.walk(catalog);
        super::emit(ctx, emitter, find_in(ctx.analysis(), walk, catalog, facts));
    }
}

/// The findings on `expr`, analysed with `catalog` as its label source.
pub fn find(expr: &Expr, catalog: &Catalog) -> Vec<Finding> {
    let walk = ExprWalk::new(expr, catalog);
    find_in(&Analysis::new(expr, Some(catalog)), &walk, catalog, None)
}

/// The findings on an expression already analysed with `catalog` as its label source.
/// With a Prometheus configuration's facts, a selector that names its job is held to
/// that job's target labels ([`super::job_scope`]).
pub fn find_in(
    analysis: &Analysis<'_>,
    walk: &ExprWalk<'_>,
    catalog: &Catalog,
    facts: Option<&Facts>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let selector = |selector: &VectorSelector, findings: &mut Vec<Finding>| {
        matchers(selector, walk, catalog, findings);
        if let Some(facts) = facts {
            findings.extend(super::job_scope::findings(selector, catalog, facts));
        }
    };
    // A blind expression's selectors carry labels the catalog cannot bound: only what
    // the query itself limits (`sum by (a) (...)`, `vector(1)`) is left to judge.
    let blind = walk.blind();
    walk.each_node(&mut |node| match node {
        Expr::Selector(s) if !blind => selector(s, &mut findings),
        Expr::Matrix(matrix) if !blind => selector(&matrix.selector, &mut findings),
        Expr::Aggregate(aggregate) => grouping(aggregate, analysis, catalog, &mut findings),
        Expr::Binary(binary) => matching(binary, analysis, catalog, &mut findings),
        Expr::Call(call) => call_sources(call, analysis, catalog, &mut findings),
        _ => {}
    });
    findings
}

/// Whether a label the value cannot carry is worth reporting. Relabeling may add any
/// label to scraped series (`env`, `cluster`, `namespace`...), so unless a catalog says
/// which labels the scrape adds (`target_labels`) or declares itself complete, only a
/// label that looks like a typo of a known one (one edit away, two for long names; never
/// for names under six characters) is reported.
fn reportable(label: &str, set: &LabelSet, catalog: &Catalog) -> bool {
    if catalog.complete || catalog.target_labels_declared {
        return true;
    }
    // Short names are too close to each other to call a typo (`node`/`mode`).
    let length = label.chars().count();
    let max_distance = if length >= 10 { 2 } else { 1 };
    length >= 6
        && set
            .names
            .iter()
            .any(|known| known != label && strsim::osa_distance(label, known) <= max_distance)
}

/// "did you mean ...?" over the labels a value can carry.
fn suggestion(label: &str, set: &LabelSet) -> String {
    let close = closest(label, set.names.iter().map(String::as_str), 2);
    let known: Vec<&str> = set.names.iter().map(String::as_str).collect();
    let mut help = match close.as_slice() {
        [] => String::new(),
        [one] => format!("did you mean `{one}`? "),
        [a, b, ..] => format!("did you mean `{a}` or `{b}`? "),
    };
    if known.len() <= 12 {
        help.push_str(&format!("it can carry: {}", known.join(", ")));
    } else {
        help.push_str(&format!("it can carry {} labels", known.len()));
    }
    help
}

fn matchers(
    selector: &VectorSelector,
    walk: &ExprWalk<'_>,
    catalog: &Catalog,
    out: &mut Vec<Finding>,
) {
    // Nearly every selector is fine: ask the family about each label before building
    // the label set that a finding's message and suggestions need.
    if let Resolved::Series(series) = walk.resolve(selector) {
        if selector
            .matchers
            .iter()
            .all(|m| m.name == "__name__" || series.has_label(&m.name, catalog) != Some(false))
        {
            return;
        }
    }
    let Labels::Known(set) = selector_labels(selector, catalog) else {
        return;
    };
    let (subject, histogram_like) = match walk.resolve(selector) {
        Resolved::Series(series) => (
            format!(
                "`{}`",
                selector.metric_name().map(|(n, _)| n).unwrap_or_default()
            ),
            matches!(
                series.family.kind,
                MetricType::Histogram | MetricType::GaugeHistogram | MetricType::Summary
            ),
        ),
        _ => ("any metric the `__name__` regex matches".to_string(), false),
    };
    for matcher in &selector.matchers {
        // A matcher that accepts the empty value also matches a missing label. (The
        // label lookup comes first: deciding that compiles the matcher's regex.)
        if matcher.name == "__name__"
            || set.can_carry(&matcher.name)
            || matcher_matches_empty(matcher)
        {
            continue;
        }
        // `le`/`quantile` on the wrong series kind: `catalog/histogram` explains it.
        if histogram_like && matches!(matcher.name.as_str(), "le" | "quantile") {
            continue;
        }
        if !reportable(&matcher.name, &set, catalog) {
            continue;
        }
        out.push(
            Finding::new(
                matcher.name_span.clone(),
                format!(
                    "`{}` is not a label of {subject}, so this selector matches nothing",
                    matcher.name
                ),
            )
            .help(suggestion(&matcher.name, &set))
            .with_rename(&matcher.name_span, &matcher.name, &set),
        );
    }
}

impl Finding {
    /// The rename to the one close label name, when there is exactly one (unsafe: the
    /// catalog's guess, not the author's word).
    fn with_rename(self, span: &crate::source::Span, name: &str, set: &LabelSet) -> Finding {
        let close = closest(name, set.names.iter().map(String::as_str), 2);
        match close.as_slice() {
            [one] if span.len() == name.len() && is_plain_name(one) => {
                let fix =
                    DecodedFix::new(format!("Rename `{name}` to `{one}`"), Applicability::Unsafe)
                        .edit(span.clone(), *one);
                self.fix(fix)
            }
            _ => self,
        }
    }
}

/// A name that can be written without quotes in PromQL.
pub(super) fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn grouping(
    aggregate: &AggregateExpr,
    analysis: &Analysis<'_>,
    catalog: &Catalog,
    out: &mut Vec<Finding>,
) {
    let Some(grouping) = &aggregate.grouping else {
        return;
    };
    let Labels::Known(set) = analysis.bound(&aggregate.expr) else {
        return;
    };
    let op = aggregate.op.as_str();
    for label in &grouping.labels {
        if set.can_carry(&label.name) || !reportable(&label.name, set, catalog) {
            continue;
        }
        let message = if grouping.without {
            format!(
                "`{op} without ({})`: the input has no `{}` label, so removing it does nothing",
                label.name, label.name
            )
        } else {
            format!(
                "`{op} by ({})`: the input has no `{}` label, so the result never has it",
                label.name, label.name
            )
        };
        out.push(Finding::new(label.span.clone(), message).help(suggestion(&label.name, set)));
    }
}

fn matching(
    binary: &BinaryExpr,
    analysis: &Analysis<'_>,
    catalog: &Catalog,
    out: &mut Vec<Finding>,
) {
    if binary.matching.is_none() && binary.group.is_none() {
        return;
    }
    let lhs = analysis.bound(&binary.lhs);
    let rhs = analysis.bound(&binary.rhs);
    if let Some(matching) = &binary.matching {
        let keyword = if matching.on { "on" } else { "ignoring" };
        for label in &matching.labels {
            let name = label.name.as_str();
            let (left, right) = (lhs.can_carry(name), rhs.can_carry(name));
            let message = match (left, right) {
                (Some(false), Some(false)) => {
                    format!("`{keyword}({name})`: neither side has a `{name}` label")
                }
                (Some(false), _) if matching.on => {
                    format!("`on({name})`: the left-hand side has no `{name}` label, so it matches only series without one")
                }
                (_, Some(false)) if matching.on => {
                    format!("`on({name})`: the right-hand side has no `{name}` label, so it matches only series without one")
                }
                _ => continue,
            };
            let known_sides = LabelSet {
                names: lhs
                    .known()
                    .into_iter()
                    .chain(rhs.known())
                    .flat_map(|s| s.names.iter().cloned())
                    .collect(),
                prefixes: Default::default(),
            };
            if !reportable(name, &known_sides, catalog) {
                continue;
            }
            let set = match (lhs.known(), rhs.known()) {
                (Some(a), Some(b)) => LabelSet {
                    names: a.names.intersection(&b.names).cloned().collect(),
                    prefixes: Default::default(),
                },
                (Some(a), None) | (None, Some(a)) => a.clone(),
                (None, None) => LabelSet::default(),
            };
            out.push(Finding::new(label.span.clone(), message).help(suggestion(name, &set)));
        }
    }
    if let Some(group) = &binary.group {
        let (keyword, one) = match group.side {
            GroupSide::Left => ("group_left", rhs),
            GroupSide::Right => ("group_right", lhs),
        };
        let Labels::Known(set) = one else { return };
        for label in &group.labels {
            if !set.can_carry(&label.name) && reportable(&label.name, set, catalog) {
                out.push(
                    Finding::new(
                        label.span.clone(),
                        format!(
                            "`{keyword}({})`: the \"one\" side has no `{}` label to copy",
                            label.name, label.name
                        ),
                    )
                    .help(suggestion(&label.name, set)),
                );
            }
        }
    }
}

/// Source labels of `label_replace`, `label_join` and `sort_by_label`.
fn call_sources(call: &Call, analysis: &Analysis<'_>, catalog: &Catalog, out: &mut Vec<Finding>) {
    let sources: Vec<&Expr> = match call.name.as_str() {
        "label_replace" => {
            // `label_replace(v, dst, repl, src, regex)`: a regex that matches the empty
            // value sets `dst` on series without `src`, a common idiom.
            let source_missing = match (call.args.first(), call.args.get(3).map(Expr::unparen)) {
                (Some(input), Some(Expr::String(src))) => {
                    !src.value.is_empty()
                        && analysis.bound(input).can_carry(&src.value) == Some(false)
                }
                _ => false,
            };
            if !source_missing {
                return;
            }
            let regex_matches_empty = match call.args.get(4).map(Expr::unparen) {
                Some(Expr::String(s)) => regex::matches_empty(&s.value),
                _ => true,
            };
            if regex_matches_empty {
                return;
            }
            call.args.get(3).into_iter().collect()
        }
        "label_join" => call.args.iter().skip(3).collect(),
        "sort_by_label" | "sort_by_label_desc" => call.args.iter().skip(1).collect(),
        _ => return,
    };
    let Some(input) = call.args.first() else {
        return;
    };
    let Labels::Known(set) = analysis.bound(input) else {
        return;
    };
    for source in sources {
        let Expr::String(literal) = source.unparen() else {
            continue;
        };
        if literal.value.is_empty()
            || set.can_carry(&literal.value)
            || !reportable(&literal.value, set, catalog)
        {
            continue;
        }
        out.push(
            Finding::new(
                literal.span.clone(),
                format!(
                    "`{}` reads `{}`, a label its input does not have",
                    call.name, literal.value
                ),
            )
            .help(suggestion(&literal.value, set)),
        );
    }
}
