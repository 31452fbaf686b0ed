//! The "Fix" section of each fixable check's documentation page: whether `--fix` applies
//! it alone (safe) or only with `--unsafe-fixes`, and what it changes. Kept beside the
//! registry, not in each `CheckMeta`, so that a check without a fix needs nothing here.

/// `(code, Markdown)` for every check whose findings may carry a fix.
pub const FIX_DOCS: &[(&str, &str)] = &[
    (
        "rules/schema",
        "**Unsafe.** An unknown field that is one typo away from exactly one Prometheus field \
(`expresion`, `lables`, `anotations`) is renamed to it, unless the mapping already has that \
field. It is a guess at what was meant, so it waits for `--unsafe-fixes`.",
    ),
    (
        "promql/regexp",
        "**Safe.** A regex matcher on a literal becomes an equality: `job=~\"api\"` -> \
`job=\"api\"`, `!~` -> `!=` (PromQL anchors every regex, so a literal regex matches exactly its \
text). Redundant anchors are dropped: `=~\"^api.*$\"` -> `=~\"api.*\"` (not when the regex has \
flags such as `(?m)`, which change what `^` and `$` mean). A `=~\".*\"` matcher next to other \
filters is removed, with its comma (or its braces when it is the only matcher after a metric \
name): it matches every series, with or without the label. `!~\".*\"` is left alone.",
    ),
    (
        "promql/histogram-le",
        "**Safe.** `le` is added to the `by (...)` clause (`by (job)` -> `by (job, le)`), \
removed from `without (...)`, or `by (le)` is added to an aggregation that has no clause \
(`sum(...)` -> `sum by (le) (...)`). The query returned nothing before, whatever the data, so \
no working answer is lost.",
    ),
    (
        "catalog/histogram",
        "**Unsafe.** A `quantile=\"...\"` matcher on a classic histogram becomes \
`histogram_quantile(q, sum by (le) (rate(name_bucket{...}[5m])))`, keeping the selector's \
other matchers. Unsafe because `sum by (le)` merges the series the selector kept apart, and the \
rate window is a choice. Not offered inside a range selector or for a regex `quantile` matcher.",
    ),
    (
        "catalog/unknown-label",
        "**Unsafe.** When exactly one label the metric can carry is close to the unknown one \
(`status` -> `status_code`), the matcher's label is renamed to it.",
    ),
    (
        "catalog/unknown-metric",
        "**Unsafe.** When the catalog has exactly one close metric name (`http_request_total` -> \
`http_requests_total`), the selector is renamed to it.",
    ),
    (
        "dashboard/variable-matcher",
        "`=` becomes `=~` and `!=` becomes `!~`. **Safe** when the rest of the value (around the \
variable) has no regex metacharacter, so it still matches exactly itself; **unsafe** otherwise \
(`instance=\"$host.example.com\"`: the `.` would match any character).",
    ),
    (
        "dashboard/rate-interval",
        "`$__interval` (or `${__interval}`) as the range becomes `$__rate_interval`: **safe**, it \
is Grafana's own replacement for this use. A fixed window (`[5m]`) becomes \
`[$__rate_interval]`: **unsafe**, the window may have been chosen on purpose and the values \
change at every zoom level.",
    ),
    (
        "dashboard/datasource",
        "**Unsafe.** When the dashboard has exactly one Prometheus datasource variable \
(`type: datasource`, `query: prometheus`), a hard-coded datasource name or uid becomes a \
reference to it (`\"uid\": \"${datasource}\"`, or `\"datasource\": \"${datasource}\"` in the \
string form). Unsafe because the variable's current value may name another datasource. \
Without such a variable nothing is offered: adding one is a decision, not a mechanical change.",
    ),
    (
        "dashboard/deprecated-panel",
        "**Safe.** The deprecated `[[var]]` variable syntax becomes `${var}` (`[[var:fmt]]` -> \
`${var:fmt}`), which Grafana reads the same way. Deprecated panel types (`graph`, \
`singlestat`, ...) are not migrated: their options do not map one to one onto the new \
panels' options, so the migration is not mechanical.",
    ),
];

/// The fix documentation of a check, if it has a fix.
pub fn fix_doc(code: &str) -> Option<&'static str> {
    FIX_DOCS
        .iter()
        .find(|(fixable, _)| *fixable == code)
        .map(|(_, doc)| *doc)
}
